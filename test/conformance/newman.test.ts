import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import newman, { type NewmanRunOptions, type NewmanRunSummary } from 'newman';
import postman, { type CollectionDefinition } from 'postman-collection';
import { IdentityProvider, signingKey } from '../support/identity-provider.js';
import { projectRoot } from '../support/project.js';
import { startTestServer } from '../support/test-server.js';
import { collectionRequests, requestLabel } from './collection-coverage.js';

// Runs the Postman collection with newman against the real application (response validation on,
// a database of its own) and reports every assertion of the run as a subtest, grouped by request.
// The server accepts the environment's token and keeps the default registration limit: the
// collection's own registrations carry the token (not counted), and its rate-limit requests each
// come from a client address of their own (X-Forwarded-For from loopback, TRUST_PROXY's default).
// It also trusts a test identity provider, which mints the JWTs of the scope requests: a token
// granting no scope of the API (the 403 requests) and a users:self token whose verified email is
// the environment's selfEmail (the own-record requests).

const root = projectRoot;
const collection: unknown = JSON.parse(readFileSync(join(root, 'postman', 'users-api.postman_collection.json'), 'utf8'));
const environment = JSON.parse(readFileSync(join(root, 'postman', 'local.postman_environment.json'), 'utf8')) as { values?: { key: string; value: string }[] };
/** The bearer token the collection sends: the environment's `token`. */
const token = environment.values?.find((variable) => variable.key === 'token')?.value ?? '';
/** The email of the users:self token's own record: the environment's `selfEmail`. */
const selfEmail = environment.values?.find((variable) => variable.key === 'selfEmail')?.value ?? '';

/** The JWTs the collection's scope requests send (the environment leaves them empty). */
type ScopeTokens = { scopelessToken: string; selfToken: string };

function runCollection(baseUrl: string, tokens: ScopeTokens): Promise<NewmanRunSummary> {
  const options: NewmanRunOptions = {
    collection: collection as NewmanRunOptions['collection'],
    environment,
    envVar: [
      { key: 'baseUrl', value: baseUrl },
      { key: 'token', value: token },
      { key: 'scopelessToken', value: tokens.scopelessToken },
      { key: 'selfToken', value: tokens.selfToken },
    ],
    reporters: [],
    timeoutRequest: 15_000,
    timeoutScript: 15_000,
  };
  return new Promise((resolve, reject) => {
    newman.run(options, (error, summary) => (error ? reject(error) : resolve(summary)));
  });
}

type ExecutedItem = NewmanRunSummary['run']['executions'][number]['item'];
type Parent = { name?: string; parent(): Parent | undefined } | undefined;

/** "Folder / request name" of an executed item: the same label as requestLabel gives. */
function executedLabel(item: ExecutedItem): string {
  const names = [item.name];
  // Folders up to, not including, the collection (the only ancestor without a parent).
  for (let parent = item.parent() as Parent; parent?.parent(); parent = parent.parent()) names.unshift(parent.name ?? '');
  return names.join(' / ');
}

function describeError(error: { name?: string; message?: string; test?: string } | undefined): string {
  return error ? `${error.name ?? 'Error'}: ${error.message ?? ''}` : 'unknown error';
}

test('the Postman collection passes against the real server', { timeout: 300_000 }, async (t) => {
  assert.ok(token.length >= 16, 'the environment has a token of at least 16 characters');
  assert.match(selfEmail, /^[^@\s]+@[^@\s]+$/, 'the environment has a selfEmail');
  const provider = await IdentityProvider.start([await signingKey('RS256', 'rsa-1')]);
  let summary: NewmanRunSummary;
  try {
    const tokens: ScopeTokens = {
      scopelessToken: await provider.mint({ claims: { scope: 'openid profile' } }),
      selfToken: await provider.mint({ claims: { scope: 'users:self', email: selfEmail, email_verified: true } }),
    };
    // REGISTRATION_RATE_LIMIT: the service's default (the test server otherwise raises it).
    const server = await startTestServer('newman', { API_TOKENS: token, REGISTRATION_RATE_LIMIT: '20', ...provider.env('url') });
    try {
      summary = await runCollection(server.baseUrl, tokens);
    } finally {
      await server.close();
    }
  } finally {
    await provider.stop();
  }
  const { run } = summary;
  // newman pushes an item's execution once per HTTP request it made (its scripts' pm.sendRequest
  // calls included): the distinct objects are the items that ran.
  const executions = [...new Set(run.executions)];
  t.diagnostic(
    `newman ran ${executions.length} requests of the collection (${run.stats.requests.total ?? 0} HTTP requests with their scripts' own): ` +
      `${run.stats.assertions.total ?? 0} assertions, ${run.stats.assertions.failed ?? 0} failed`,
  );

  // One subtest per request of the collection, one sub-subtest per assertion it made.
  for (const execution of executions) {
    const label = executedLabel(execution.item);
    await t.test(label, async (st) => {
      for (const assertion of execution.assertions ?? []) {
        await st.test(assertion.assertion, () => {
          // A pm.test.skip in the collection would hide a check: it fails the suite instead.
          if (assertion.skipped) assert.fail('the collection skips this assertion');
          if (assertion.error) assert.fail(describeError(assertion.error));
        });
      }
      // Fields the summary has but the typings lack: a failed HTTP request, and script errors.
      const extra = execution as { requestError?: Error; prerequestScript?: { error: Error }[]; testScript?: { error: Error }[] };
      if (extra.requestError) assert.fail(`a request failed: ${describeError(extra.requestError)}`);
      const scriptErrors = [...(extra.prerequestScript ?? []), ...(extra.testScript ?? [])].map((script) => describeError(script.error));
      assert.deepEqual(scriptErrors, [], 'a script of this request threw');
      assert.ok(execution.assertions?.length, 'no assertion ran for this request');
    });
  }

  await t.test('every request of the collection ran exactly once', () => {
    const expected = collectionRequests(new postman.Collection(collection as CollectionDefinition))
      .map(requestLabel)
      .sort();
    const executed = executions.map((execution) => executedLabel(execution.item)).sort();
    assert.deepEqual(executed, expected);
  });

  await t.test('the run had no failure: no failed assertion, request error or script error', () => {
    const failures = run.failures.map(
      (failure) => `${failure.at} in "${failure.source ? executedLabel(failure.source) : 'the run'}": ${describeError(failure.error)}`,
    );
    assert.equal(summary.error, undefined, String(summary.error));
    assert.deepEqual(failures, []);
  });
});
