import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../support/http.js';
import { assertProblem } from '../support/problems.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

type UserBody = { id: string; name: string; email: string };

let server: TestServer;
const call = (method: string, path: string, options?: Parameters<typeof request>[3]) => request(server.baseUrl, method, path, options);
const users = () => server.db.collection('users');
const q = encodeURIComponent;

// Each test uses addresses of its own: the file has a database of its own, so they are free.
const nfc = (text: string) => text.normalize('NFC');
const nfd = (text: string) => text.normalize('NFD');
/** খোকন: its ো (U+09CB) decomposes into ে + া (U+09C7 U+09BE), so NFC and NFD differ. */
const KHOKON = 'খোকন';

async function register(email: string, name = 'রহিম'): Promise<UserBody> {
  const reply = await call('POST', '/users', { json: { name, email } });
  assert.equal(reply.status, 201, reply.text);
  return reply.body as UserBody;
}

async function assertTaken(email: string): Promise<void> {
  const before = await users().countDocuments({});
  assertProblem(await call('POST', '/users', { json: { name: 'second', email } }), 409, 'EMAIL_TAKEN');
  assert.equal(await users().countDocuments({}), before);
}

before(async () => {
  server = await startTestServer('idn-emails');
});
after(async () => {
  await server.close();
});

describe('internationalized emails: registration', () => {
  for (const email of ['রহিম@example.com', 'user@বাংলা.bd', 'রহিম@বাংলা.বাংলা']) {
    it(`when ${email} registers, then 201 and it reads back exactly as typed`, async () => {
      const created = await register(email);
      assert.equal(created.email, email);
      const read = await call('GET', `/users/${created.id}`);
      assert.equal(read.status, 200, read.text);
      assert.equal((read.body as UserBody).email, email);
      assert.equal((read.body as UserBody).name, 'রহিম');
    });
  }

  it('when the legacy registration is asked for text, then it answers the Bengali address as typed', async () => {
    const reply = await call('POST', '/register', { json: { name: 'করিম', email: 'করিম@বাংলা.bd' }, headers: { accept: 'text/plain' } });
    assert.equal(reply.status, 201, reply.text);
    assert.equal(reply.text, 'করিম -> করিম@বাংলা.bd');
  });

  it('when an ASCII address registers, then its stored key and claim are the lower-cased address, as before', async () => {
    const created = await register('Legacy.Case+Tag@Example.COM');
    assert.equal((await users().findOne({ email: created.email }))?.emailKey, 'legacy.case+tag@example.com');
    assert.equal(await server.db.collection<{ _id: string }>('emails').countDocuments({ _id: 'legacy.case+tag@example.com' }), 1);
  });
});

describe('internationalized emails: equal addresses are one user', () => {
  it('when the local part is registered composed (NFC) and then decomposed (NFD), then the second is 409 EMAIL_TAKEN', async () => {
    const composed = nfc(`${KHOKON}@example.com`);
    assert.notEqual(nfd(composed), composed);
    const created = await register(composed);
    await assertTaken(nfd(composed));
    assert.equal((await users().findOne({ email: composed }))?.emailKey, composed);
    assert.equal(created.email, composed);
  });

  it('when the decomposed form registers first, then the composed one is taken and the stored email stays decomposed', async () => {
    const decomposed = nfd(`${KHOKON}@example.org`);
    const created = await register(decomposed);
    assert.equal(created.email, decomposed);
    await assertTaken(nfc(decomposed));
  });

  it('when the domain is registered in Unicode and then in its xn-- form, then the second is 409 EMAIL_TAKEN', async () => {
    await register('rahim@বাংলা.bd');
    await assertTaken('rahim@xn--54b7fta0cc.bd');
    assert.equal(await users().countDocuments({ emailKey: 'rahim@xn--54b7fta0cc.bd' }), 1);
  });

  it('when the domain is registered in its xn-- form and then in Unicode, then the second is 409 EMAIL_TAKEN', async () => {
    await register('salma@xn--54b7fta0cc.bd');
    await assertTaken('salma@বাংলা.bd');
  });

  it('when the domain differs only in letter case (Unicode or xn--), then 409 EMAIL_TAKEN', async () => {
    await register('karim@বাংলা.bd');
    await assertTaken('karim@বাংলা.BD');
    await assertTaken('KARIM@XN--54B7FTA0CC.BD');
  });

  it('when the non-ASCII local part differs only in letter case, then 409 EMAIL_TAKEN', async () => {
    await register('élodie@example.com');
    await assertTaken('ÉLODIE@example.com');
  });

  it("when a user changes its email to another form of someone else's, then 409 EMAIL_TAKEN and nothing changes", async () => {
    await register('nadia@বাংলা.bd');
    const other = await register('other@example.com');
    assertProblem(await call('PATCH', `/users/${other.id}`, { json: { email: 'NADIA@xn--54b7fta0cc.bd' } }), 409, 'EMAIL_TAKEN');
    assert.equal(((await call('GET', `/users/${other.id}`)).body as UserBody).email, 'other@example.com');
  });
});

describe('internationalized emails: lookups by any form', () => {
  it('when ?email= names the user in the other domain form and letter case, then the list finds it', async () => {
    const created = await register('farid@বাংলা.bd');
    for (const form of ['FARID@xn--54b7fta0cc.bd', 'farid@বাংলা.BD']) {
      const reply = await call('GET', `/users?email=${q(form)}`);
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(
        (reply.body as { items: UserBody[] }).items.map((u) => [u.id, u.email]),
        [[created.id, 'farid@বাংলা.bd']],
      );
    }
  });

  it('when ?email= names the user in decomposed form, then the list and the legacy list find it', async () => {
    const created = await register(nfc(`${KHOKON}@বাংলা.bd`));
    const form = nfd(`${KHOKON}@xn--54b7fta0cc.bd`);
    const list = await call('GET', `/users?email=${q(form)}`);
    assert.deepEqual(
      (list.body as { items: UserBody[] }).items.map((u) => u.id),
      [created.id],
    );
    const legacy = await call('GET', `/user?email=${q(form)}`);
    assert.equal(legacy.status, 200, legacy.text);
    assert.deepEqual(
      (legacy.body as UserBody[]).map((u) => u.id),
      [created.id],
    );
  });

  it('when the legacy routes name the user in another form, then PATCH /user and DELETE /delete reach it', async () => {
    const created = await register('jamal@বাংলা.bd', 'jamal');
    const patched = await call('PATCH', '/user', { json: { query: { email: 'JAMAL@XN--54B7FTA0CC.BD' }, payload: { name: 'জামাল' } } });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(
      [(patched.body as UserBody).id, (patched.body as UserBody).name, (patched.body as UserBody).email],
      [created.id, 'জামাল', 'jamal@বাংলা.bd'],
    );
    assert.equal((await call('DELETE', '/delete', { json: { email: 'Jamal@বাংলা.bd' } })).status, 204);
    assert.equal((await call('GET', `/users/${created.id}`)).status, 404);
    // Its email is free again, in any form.
    await register('jamal@xn--54b7fta0cc.bd');
  });
});

describe('internationalized emails: look-alikes stay different', () => {
  it('when a local part has a Cyrillic а (U+0430) where another has a Latin a, then both register', async () => {
    const latin = await register('anya@example.com');
    const cyrillic = await register('\u0430nya@example.com');
    assert.notEqual(latin.id, cyrillic.id);
    const reply = await call('GET', `/users?email=${q('anya@example.com')}`);
    assert.deepEqual(
      (reply.body as { items: UserBody[] }).items.map((u) => u.id),
      [latin.id],
    );
  });

  it('when a domain has a Cyrillic а (U+0430) where another has a Latin a, then both register', async () => {
    const latin = await register('boris@example.com');
    const cyrillic = await register('boris@ex\u0430mple.com');
    assert.notEqual(latin.id, cyrillic.id);
    assert.equal(await users().countDocuments({ emailKey: 'boris@xn--exmple-4nf.com' }), 1);
  });
});

describe('internationalized emails: what is refused', () => {
  for (const [label, email] of [
    ['a domain label IDNA refuses (invalid Punycode)', 'user@xn--zz.bd'],
    ['a domain IDNA refuses (a joiner with no context)', 'user@ক\u200dখ.bd'],
    ['a space', 'রহিম @example.com'],
    ['two @', 'রহিম@বাংলা@example.com'],
    ['two dots in a row in the local part', 'রহি..ম@example.com'],
    ['a local part over 64 octets', `${'ক'.repeat(22)}@example.com`],
  ] as const) {
    it(`when an address has ${label}, then registration is 400 VALIDATION_FAILED naming the format, and nothing is stored`, async () => {
      const before = await users().countDocuments({});
      const problem = assertProblem(await call('POST', '/users', { json: { name: 'x', email } }), 400, 'VALIDATION_FAILED');
      assert.deepEqual(
        problem.errors?.map((e) => `${e.in} ${e.path} ${e.message}`),
        ['body /email must match format "idn-email"'],
      );
      assert.equal(await users().countDocuments({}), before);
    });
  }

  it('when the email filter or a legacy lookup is not an address, then 400 VALIDATION_FAILED', async () => {
    assertProblem(await call('GET', `/users?email=${q('user@xn--zz.bd')}`), 400, 'VALIDATION_FAILED');
    assertProblem(await call('GET', `/user?email=${q('a@b@বাংলা.bd')}`), 400, 'VALIDATION_FAILED');
    assertProblem(await call('DELETE', '/delete', { json: { email: 'রহিম @example.com' } }), 400, 'VALIDATION_FAILED');
  });
});
