import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { captureExamples, type CapturedExample } from '../../scripts/lib/reference-capture.js';
import { projectRoot } from '../support/project.js';

// The reference collection's saved examples were captured from a real run and committed
// (postman/src/reference/examples.json). This captures them again, against fresh servers of the
// code as it is now, and holds the committed ones to it: the same examples, each answered with the
// same status, the same response headers and a body of the same shape. Values that differ from
// run to run (ids, dates, ETags, the remaining quota) are not compared; what a problem document
// says it is (type, title, status, code) is. A change in the service's answers that the examples
// no longer show fails here until `npm run postman:capture` and `npm run postman:build` are run.

const committed = JSON.parse(readFileSync(join(projectRoot, 'postman', 'src', 'reference', 'examples.json'), 'utf8')) as CapturedExample[];
const PROBLEM_FIELDS = ['type', 'title', 'status', 'code'] as const;

/** The shape of a JSON value: its keys and their value types, recursively; an array by its first item. */
function shape(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? ['empty'] : [shape(value[0])];
  if (typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, shape((value as Record<string, unknown>)[key])]),
    );
  return typeof value;
}

/** What an example's body shows that must not drift: its JSON shape (and a problem's identity), or for text whether there is any. */
function bodyOf(example: CapturedExample): unknown {
  const type = example.response.headers.find(([key]) => key.toLowerCase() === 'content-type')?.[1] ?? '';
  if (!/json/.test(type)) return { text: example.response.body.length > 0 };
  const parsed = JSON.parse(example.response.body) as Record<string, unknown>;
  const identity = type.includes('problem+json') ? Object.fromEntries(PROBLEM_FIELDS.map((field) => [field, parsed[field]])) : {};
  return { shape: shape(parsed), ...identity };
}

const headerNames = (example: CapturedExample) => [...new Set(example.response.headers.map(([key]) => key.toLowerCase()))].sort();
const keyOf = (example: CapturedExample) => `${example.operationId} ${example.status} (${example.name})`;

describe('the reference collection’s saved examples, against a fresh capture', { timeout: 180_000 }, () => {
  let fresh: Map<string, CapturedExample>;
  before(async () => {
    fresh = new Map((await captureExamples()).map((example) => [keyOf(example), example]));
  });

  it('when the examples are captured again, then the same examples exist: each operation × documented status, by the same name', () => {
    assert.deepEqual([...fresh.keys()].sort(), committed.map(keyOf).sort());
  });

  it('when the examples are captured again, then each is answered with its documented status, the same response headers and a body of the same shape', () => {
    const drifted: string[] = [];
    for (const example of committed) {
      const again = fresh.get(keyOf(example));
      if (!again) continue;
      const was = { status: example.response.status, headers: headerNames(example), body: bodyOf(example) };
      const now = { status: again.response.status, headers: headerNames(again), body: bodyOf(again) };
      try {
        assert.deepEqual(now, was);
      } catch {
        drifted.push(`${keyOf(example)}:\n  committed ${JSON.stringify(was)}\n  now       ${JSON.stringify(now)}`);
      }
      assert.equal(example.response.status, example.status, `${keyOf(example)} shows the status it documents`);
    }
    assert.deepEqual(drifted, [], `run npm run postman:capture and npm run postman:build; drifted:\n${drifted.join('\n')}`);
  });
});
