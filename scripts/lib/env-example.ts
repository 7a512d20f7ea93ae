// `.env.example`: every variable the service reads, with its meaning and default, rendered from
// src/config.ts (the one place settings are declared), so the file cannot drift from the code:
// `npm run env:example` writes it, and a test compares the committed file with a fresh rendering.
import { configSpec } from '../../src/config.js';

type Declared = { desc?: string; default?: unknown; example?: string };

/** A default as it would be written in the environment; empty for "none". */
export function writtenDefault(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  // A default of another kind has no obvious written form: say so rather than write [object Object].
  throw new Error(`no written form for the default ${JSON.stringify(value)}`);
}

/** Wraps prose into comment lines of at most `width` characters. */
function comment(text: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length + 1 + word.length > width && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}

export function renderEnvExample(): string {
  const head = [
    "# The Users API's settings: every environment variable it reads, with its default.",
    '# Generated from src/config.ts by `npm run env:example`: do not edit by hand.',
    '# The service reads its environment only; load a copy of this file with your process manager,',
    '# `docker compose --env-file`, or `set -a; . ./.env; set +a` in a shell. Uncomment what you change.',
    '',
  ];
  const blocks = Object.entries(configSpec as Record<string, Declared>).map(([key, declared]) => {
    const value = declared.default === undefined ? (declared.example ?? '') : writtenDefault(declared.default);
    return [...comment(declared.desc ?? ''), `#${key}=${value}`, ''].join('\n');
  });
  return `${head.join('\n')}\n${blocks.join('\n')}`;
}
