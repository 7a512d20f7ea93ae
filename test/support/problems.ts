import assert from 'node:assert/strict';
import type { Problem } from '../../src/contract.js';
import type { Reply } from './http.js';

/**
 * Asserts that a reply is an RFC 9457 problem with the given status and catalogue code, fully
 * formed, and with nothing of the service's internals in it; returns the problem.
 */
export function assertProblem(reply: Reply, status: number, code: Problem['code']): Problem {
  assert.equal(reply.status, status, reply.text);
  assert.match(reply.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const problem = reply.body as Problem;
  assert.equal(problem.status, status);
  assert.equal(problem.code, code);
  assert.equal(typeof problem.title, 'string');
  assert.equal(typeof problem.detail, 'string');
  assert.match(problem.type, /^\/problems\/[a-z-]+$/);
  assert.doesNotMatch(reply.text, /\bat .+\.js:\d+|Mongo|ferret|stack/i);
  return problem;
}
