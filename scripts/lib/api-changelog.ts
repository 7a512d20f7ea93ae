// Reads the "API" section of CHANGELOG.md: one `### <version>` entry per version of the contract,
// newest first, each optionally with a `#### Breaking` subsection. Plain line scanning, because
// the gate needs only headings and the text under them (and a heading inside a code block is not
// one).
import { compareVersions, parseVersion } from './api-version.js';

export interface ChangelogEntry {
  readonly version: string;
  /** The entry's text below its heading, up to the next heading of level 1 to 3. */
  readonly text: string;
  /** The text below its `#### Breaking…` heading, up to the next heading of level 1 to 4; undefined without one. */
  readonly breaking: string | undefined;
}

export interface ApiChangelog {
  readonly entries: readonly ChangelogEntry[];
  /** What is wrong with the section's shape (missing, unordered, …), for humans. */
  readonly problems: readonly string[];
}

interface Heading {
  readonly level: number;
  readonly text: string;
  readonly line: number;
}

function headings(lines: readonly string[]): Heading[] {
  const found: Heading[] = [];
  let fence: string | undefined;
  lines.forEach((line, index) => {
    const fenceMark = /^\s*(```|~~~)/.exec(line)?.[1];
    if (fenceMark !== undefined) {
      if (fence === undefined) fence = fenceMark;
      else if (fence === fenceMark) fence = undefined;
      return;
    }
    const match = fence === undefined ? /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line) : null;
    if (match?.[1] !== undefined && match[2] !== undefined) found.push({ level: match[1].length, text: match[2], line: index });
  });
  return found;
}

/** The lines after `from` up to the next heading of level <= `level` (or the end). */
function sectionText(lines: readonly string[], all: readonly Heading[], from: Heading, level: number): string {
  const end = all.find((h) => h.line > from.line && h.level <= level)?.line ?? lines.length;
  return lines.slice(from.line + 1, end).join('\n');
}

export function parseApiChangelog(markdown: string): ApiChangelog {
  const lines = markdown.split(/\r?\n/);
  const all = headings(lines);
  const section = all.find((h) => h.level === 2 && h.text === 'API');
  if (section === undefined) return { entries: [], problems: ['CHANGELOG.md has no "## API" section'] };
  const sectionEnd = all.find((h) => h.line > section.line && h.level <= 2)?.line ?? lines.length;

  const problems: string[] = [];
  const entries: ChangelogEntry[] = [];
  for (const heading of all.filter((h) => h.line > section.line && h.line < sectionEnd && h.level === 3)) {
    const version = heading.text.split(/\s/, 1)[0] ?? '';
    if (parseVersion(version) === undefined) {
      problems.push(`CHANGELOG.md: "### ${heading.text}" does not start with a version (MAJOR.MINOR.PATCH)`);
      continue;
    }
    const entryEnd = all.find((h) => h.line > heading.line && h.level <= 3)?.line ?? lines.length;
    const breakingHeading = all.find((h) => h.line > heading.line && h.line < entryEnd && h.level === 4 && /^breaking\b/i.test(h.text));
    entries.push({
      version,
      text: sectionText(lines, all, heading, 3),
      breaking: breakingHeading === undefined ? undefined : sectionText(lines, all, breakingHeading, 4),
    });
  }
  for (let i = 1; i < entries.length; i++) {
    const [newer, older] = [entries[i - 1], entries[i]];
    if (newer !== undefined && older !== undefined && compareVersions(newer.version, older.version) <= 0) {
      problems.push(`CHANGELOG.md: the API entries are not newest first (${newer.version} comes before ${older.version})`);
    }
  }
  return { entries, problems };
}

/**
 * Whether `text` names the operation "METHOD /path" as it is written in the spec. The path must end
 * there, so "GET /users" is not named by "GET /users/{id}".
 */
export function mentionsOperation(text: string, operation: string): boolean {
  const escaped = operation.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w/])${escaped}(?![\\w/{}.~-])`).test(text);
}
