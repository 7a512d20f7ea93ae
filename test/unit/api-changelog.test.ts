import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mentionsOperation, parseApiChangelog } from '../../scripts/lib/api-changelog.js';

const changelog = (api: string) => `# Changelog\n\n## API\n\nIntro.\n\n${api}\n\n## Other\n\n### 9.9.9\n\nNot an API entry.\n`;

describe('CHANGELOG.md API section', () => {
  it('when entries are newest first, then each is read with its text and its Breaking subsection', () => {
    const parsed = parseApiChangelog(
      changelog('### 2.0.0 (2027-01-01)\n\nNew major.\n\n#### Breaking\n\n- `POST /users` needs `phone`.\n\n#### Added\n\n- more\n\n### 1.0.0\n\nFirst.'),
    );
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(
      parsed.entries.map((e) => e.version),
      ['2.0.0', '1.0.0'],
    );
    assert.match(parsed.entries[0]?.text ?? '', /New major[\s\S]*more/);
    assert.equal(parsed.entries[0]?.breaking?.trim(), '- `POST /users` needs `phone`.');
    assert.equal(parsed.entries[1]?.breaking, undefined);
  });

  it('when an older version comes first, then the order is reported', () => {
    const parsed = parseApiChangelog(changelog('### 1.0.0\n\nFirst.\n\n### 1.1.0\n\nSecond.'));
    assert.deepEqual(parsed.problems, ['CHANGELOG.md: the API entries are not newest first (1.0.0 comes before 1.1.0)']);
  });

  it('when an entry heading is not a version, or there is no API section, then that is reported', () => {
    assert.deepEqual(parseApiChangelog(changelog('### Unreleased\n\nSoon.')).problems, [
      'CHANGELOG.md: "### Unreleased" does not start with a version (MAJOR.MINOR.PATCH)',
    ]);
    assert.deepEqual(parseApiChangelog('# Changelog\n').problems, ['CHANGELOG.md has no "## API" section']);
  });

  it('when a heading is inside a code block, then it is text of the entry, not a heading', () => {
    const parsed = parseApiChangelog(changelog('### 1.1.0\n\n```md\n### 0.0.1\n#### Breaking\n```\n\nDone.'));
    assert.deepEqual(
      parsed.entries.map((e) => e.version),
      ['1.1.0'],
    );
    assert.equal(parsed.entries[0]?.breaking, undefined);
    assert.match(parsed.entries[0]?.text ?? '', /Done\./);
  });

  it('when "GET /users/{id}" is named, then "GET /users" is not thereby named', () => {
    assert.equal(mentionsOperation('changed `GET /users/{id}`', 'GET /users'), false);
    assert.equal(mentionsOperation('changed `GET /users/{id}`', 'GET /users/{id}'), true);
    assert.equal(mentionsOperation('changed GET /users, and more', 'GET /users'), true);
    assert.equal(mentionsOperation('changed get /users', 'GET /users'), false);
  });
});
