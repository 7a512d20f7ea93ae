// A fresh runId at the start of every run (and of every iteration), before the first request.
// Emails and names built from it are new on every run, so the collection can run again and again
// against a database holding the users of earlier runs. The marker is a local variable: it lasts
// for one run in the Runner and in newman (for one request when you press Send).
if (pm.variables.get('runIdIteration') !== String(pm.info.iteration)) {
  pm.variables.set('runIdIteration', String(pm.info.iteration));
  pm.collectionVariables.set('runId', Date.now().toString(36) + Math.random().toString(36).slice(2, 8));
}

// The helpers the requests' scripts share, defined here once. Postman runs every script in a scope
// of its own (a function defined here is not visible in a request's script), so their source is
// kept in the local variable `helpers`, set before every request, and a request's script takes the
// ones it uses with
//   const { api, userProblems } = eval(pm.variables.get('helpers'));
// A direct eval: the helpers run with that script's own `pm`. Local variables are never saved; they
// last for the run (Runner, newman) or for the request's two scripts (Send).
const helpers = () => {
  // api(method, path, body, callback): a request of the script's own to the service, with the
  // environment's token (the collection's bearer auth applies to its requests, not to pm.sendRequest).
  const api = (method, path, body, callback) =>
    pm.sendRequest(
      {
        url: pm.variables.replaceIn('{{baseUrl}}') + path,
        method: method,
        header: Object.assign({ Authorization: 'Bearer ' + pm.variables.get('token') }, body === undefined ? {} : { 'Content-Type': 'application/json' }),
        body: body === undefined ? undefined : { mode: 'raw', raw: JSON.stringify(body) },
      },
      callback,
    );

  // userProblems(value): how value breaks the User schema ([] when it is a User).
  const userProblems = (user) => {
    if (typeof user !== 'object' || user === null || Array.isArray(user)) return ['not an object'];
    const problems = [];
    const keys = Object.keys(user).sort().join(',');
    if (keys !== 'createdAt,email,id,name,updatedAt') problems.push('properties are ' + keys);
    if (!/^[0-9a-f]{24}$/.test(user.id)) problems.push('id is not 24 lowercase hex characters');
    if (typeof user.name !== 'string' || user.name.trim() === '' || user.name !== user.name.trim()) problems.push('name is not a trimmed, non-empty string');
    if (typeof user.email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(user.email)) problems.push('email is not an email');
    for (const key of ['createdAt', 'updatedAt']) {
      if (typeof user[key] !== 'string' || Number.isNaN(Date.parse(user[key])) || new Date(user[key]).toISOString() !== user[key])
        problems.push(key + ' is not an ISO date-time in UTC');
    }
    if (problems.length === 0 && user.updatedAt < user.createdAt) problems.push('updatedAt is before createdAt');
    return problems;
  };

  // clientAddress(): a client address of a request's own, for its X-Forwarded-For (the request's
  // script keeps it in the local variable clientAddress): a random /56 of the IPv6 documentation
  // range (2001:db8::/32). The service counts its rate limits per client address (per /56 for IPv6)
  // and takes it from X-Forwarded-For when the peer is loopback (TRUST_PROXY=loopback, its default),
  // so the request's attempts count against no other request, nor the runner's own address, and a
  // new run never meets the counters of an earlier one.
  const clientAddress = () => {
    const hex16 = () => Math.floor(Math.random() * 0x10000).toString(16);
    return '2001:db8:' + hex16() + ':' + hex16() + '::1';
  };

  // exhaust(send, done): send(n, callback) for n = 1, 2, … one after another until the service answers
  // 429, then done(statuses); it gives up after 60 requests (the last status is then not 429).
  const exhaust = (send, done) => {
    const statuses = [];
    const next = () =>
      send(statuses.length + 1, (error, response) => {
        statuses.push(error ? String(error) : response.code);
        if (!error && response.code !== 429 && statuses.length < 60) return next();
        done(statuses);
      });
    next();
  };

  // wrongTokenGuesses(method, path, body, contentType): a send(n, callback) for exhaust: a request
  // from the request's client address (clientAddress) with a wrong token, and the JSON body if any
  // (as contentType, application/json by default).
  const wrongTokenGuesses = (method, path, body, contentType) => (n, callback) =>
    pm.sendRequest(
      {
        url: pm.variables.replaceIn('{{baseUrl}}') + path,
        method: method,
        header: Object.assign(
          { Authorization: 'Bearer not-a-valid-token-0000000000000000', 'X-Forwarded-For': pm.variables.get('clientAddress') },
          body === undefined ? {} : { 'Content-Type': contentType || 'application/json' },
        ),
        body: body === undefined ? undefined : { mode: 'raw', raw: JSON.stringify(body) },
      },
      callback,
    );

  // registrationsWithoutToken(path, tag): a send(n, callback) for exhaust: a registration at path
  // (/users or /register) from the request's client address without a token, as anyone may send
  // one, of "visitor n" with an email of this run (visitor<n>.<tag>.<runId>@example.com).
  const registrationsWithoutToken = (path, tag) => (n, callback) =>
    pm.sendRequest(
      {
        url: pm.variables.replaceIn('{{baseUrl}}') + path,
        method: 'POST',
        header: { 'X-Forwarded-For': pm.variables.get('clientAddress'), 'Content-Type': 'application/json' },
        body: {
          mode: 'raw',
          raw: JSON.stringify({ name: 'visitor ' + n, email: 'visitor' + n + '.' + tag + '.' + pm.collectionVariables.get('runId') + '@example.com' }),
        },
      },
      callback,
    );

  // registerInTurn(names): registers a user of each name (email <name>@example.com) with the token,
  // one after another, so they are stored in that order.
  const registerInTurn = (names) => {
    const next = (i) => {
      if (i === names.length) return;
      api('POST', '/users', { name: names[i], email: names[i] + '@example.com' }, (error, response) => {
        if (error || response.code !== 201) return console.error('setup: registering ' + names[i] + ' failed', error || response.text());
        next(i + 1);
      });
    };
    next(0);
  };

  return { api, userProblems, clientAddress, exhaust, wrongTokenGuesses, registrationsWithoutToken, registerInTurn };
};
pm.variables.set('helpers', '(' + helpers + ')()');
