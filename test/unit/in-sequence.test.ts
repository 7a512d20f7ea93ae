import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { inSequence } from '../../src/http/middleware/in-sequence.js';

/** Runs `handler` once and resolves with what it passed to its `next` (after the microtasks it queued). */
async function outcome(handler: RequestHandler): Promise<{ calls: number; error: unknown }> {
  let calls = 0;
  let error: unknown;
  const next: NextFunction = (passed?: unknown) => {
    calls++;
    error = passed;
  };
  handler({} as Request, {} as Response, next);
  await new Promise((resolve) => setImmediate(resolve));
  return { calls, error };
}

describe('inSequence: several middlewares as one layer', () => {
  it('when each calls next(), then they run in order and the layer calls next() once', async () => {
    const ran: string[] = [];
    const step =
      (name: string): RequestHandler =>
      (_req, _res, next) => {
        ran.push(name);
        next();
      };
    const asyncStep: RequestHandler = async (_req, _res, next) => {
      await Promise.resolve();
      ran.push('async');
      next();
    };
    assert.deepEqual(await outcome(inSequence([step('a'), asyncStep, step('b')])), { calls: 1, error: undefined });
    assert.deepEqual(ran, ['a', 'async', 'b']);
  });

  it('when one passes an error, throws or rejects, then the rest are skipped and the error goes to next', async () => {
    const boom = new Error('boom');
    const never: RequestHandler = () => assert.fail('ran after an error');
    const failures: RequestHandler[] = [
      (_req, _res, next) => next(boom),
      () => {
        throw boom;
      },
      async () => {
        await Promise.resolve();
        throw boom;
      },
    ];
    for (const failure of failures) assert.deepEqual(await outcome(inSequence([failure, never])), { calls: 1, error: boom });
  });

  it('when a middleware ends the response without calling next, then the layer does not either', async () => {
    const answers: RequestHandler = () => undefined;
    assert.deepEqual(await outcome(inSequence([answers, () => assert.fail('ran after the answer')])), { calls: 0, error: undefined });
  });
});
