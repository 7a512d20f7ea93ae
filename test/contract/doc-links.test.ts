import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../support/project.js';

// The README and the guides in docs/ link to each other, to files of the repository and to
// headings: every such link must lead somewhere, so moving or renaming a section cannot leave
// a reader at a dead end.

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replaceAll(' ', '-');

function anchorsIn(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1] ?? '')));
}

const pages = [
  'README.md',
  ...readdirSync(join(projectRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

describe('links in the README and the guides', () => {
  for (const page of pages) {
    it(`when ${page}'s relative links are followed, then each names an existing file and, with #, an existing heading`, () => {
      const file = join(projectRoot, page);
      const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
      const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? '').filter((link) => !/^[a-z]+:/.test(link));
      assert.ok(links.length > 0, 'it has links to check');
      const broken = links.filter((link) => {
        const [path = '', anchor] = link.split('#');
        const target = path === '' ? file : join(dirname(file), path);
        if (!existsSync(target)) return true;
        return anchor !== undefined && target.endsWith('.md') && !anchorsIn(target).has(anchor);
      });
      assert.deepEqual(broken, [], `broken links in ${relative(projectRoot, file)}`);
    });
  }
});
