import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSync } from 'recheck';
import { DOT_ATOM, FORBIDDEN, LDH_LABEL } from '../../src/domain/email-address.js';
import { BEARER_AUTHORIZATION, BEARER_TOKEN } from '../../clients/typescript/src/bearer-token.js';
import { JWT_SHAPE } from '../../src/auth/bearer-auth.js';
import { CLIENT_ID } from '../../src/http/middleware/request-logging.js';
import { loadSpec } from '../../src/spec.js';

// Every regular expression that client input meets must be linear: a pattern that backtracks
// polynomially lets one request of the largest allowed size cost tens of milliseconds of CPU
// (the contract's former Name pattern: 95 ms on a 16 KiB name). recheck proves it per pattern
// (an automaton check, with attack strings for what fails) rather than by timing.

/** Every `pattern` of the spec's schemas, with where it is. */
function specPatterns(node: unknown, where = '#'): { where: string; pattern: string }[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => specPatterns(item, `${where}/${i}`));
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'pattern' && typeof value === 'string' ? [{ where, pattern: value }] : specPatterns(value, `${where}/${key}`),
  );
}

function assertLinear(name: string, source: string, flags: string): void {
  const verdict = checkSync(source, flags);
  const complexity = verdict.status === 'unknown' ? 'unknown' : verdict.complexity.type;
  assert.equal(verdict.status, 'safe', `${name}: /${source}/${flags} is ${verdict.status} (${complexity})`);
}

describe('regular expressions on client input', () => {
  const patterns = specPatterns(loadSpec().document);

  it('when the spec is read, then it has patterns to check (the walk finds them)', () => {
    assert.ok(patterns.length >= 3, `found ${patterns.length}`);
  });

  for (const { where, pattern } of patterns) {
    // ajv compiles the spec's patterns with the `u` flag.
    it(`when the spec's pattern at ${where} is checked, then it is linear`, () => assertLinear(where, pattern, 'u'));
  }

  for (const [name, regex] of Object.entries({ BEARER_AUTHORIZATION, BEARER_TOKEN, JWT_SHAPE, CLIENT_ID, DOT_ATOM, LDH_LABEL, FORBIDDEN })) {
    it(`when the service's ${name} is checked, then it is linear`, () => assertLinear(name, regex.source, regex.flags));
  }

  /** The Name pattern before it was made linear: no control character, and one character that is not a space. */
  const FORMER_NAME = '^[^\\x00-\\x1F\\x7F]*[^\\s\\x00-\\x1F\\x7F][^\\x00-\\x1F\\x7F]*$';

  it('when the checker meets a quadratic pattern (the former Name pattern), then it says so', () => {
    const verdict = checkSync(FORMER_NAME, 'u');
    assert.equal(verdict.status, 'vulnerable');
    assert.equal(verdict.status === 'vulnerable' && verdict.complexity.type, 'polynomial');
  });

  it('when the Name pattern is compared with the former one on every string of up to 5 characters from a mixed alphabet, then they agree', () => {
    const former = new RegExp(FORMER_NAME, 'u');
    const name = patterns.find((p) => p.where.endsWith('/Name'));
    assert.ok(name, 'the spec has a Name schema with a pattern');
    const current = new RegExp(name.pattern, 'u');
    const alphabet = ['a', ' ', '\u00a0', '\t', '\u0001', '\u007f', 'ব', '\u3000', '\n', '\u2028'];
    const strings = (length: number): string[] => (length === 0 ? [''] : strings(length - 1).flatMap((prefix) => alphabet.map((c) => prefix + c)));
    for (let length = 0; length <= 5; length++) {
      for (const text of strings(length)) assert.equal(current.test(text), former.test(text), JSON.stringify(text));
    }
  });
});
