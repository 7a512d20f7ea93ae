// Contract checks that hold for every response of the Users API. They run after every request,
// before the request's own tests (which check its status and body).
const path = pm.request.url.getPath();
const status = pm.response.code;
const contentType = pm.response.headers.get('Content-Type') || '';

if (['/user', '/register', '/delete'].includes(path)) {
  pm.test('[every legacy response] Deprecation is @1795564800 (RFC 9745)', () => {
    pm.expect(pm.response.headers.get('Deprecation')).to.equal('@1795564800');
  });
  pm.test('[every legacy response] Link points to the successor, </users>; rel="successor-version"', () => {
    pm.expect(pm.response.headers.get('Link')).to.equal('</users>; rel="successor-version"');
  });
} else {
  pm.test('[every Users response] no Deprecation header', () => {
    pm.expect(pm.response.headers.has('Deprecation')).to.equal(false);
  });
}

if (status >= 400) {
  pm.test('[every error] a complete application/problem+json document (RFC 9457) about this request', () => {
    pm.expect(contentType).to.match(/^application\/problem\+json(;|$)/);
    const problem = pm.response.json();
    pm.expect(problem).to.include.all.keys('type', 'title', 'status', 'detail', 'instance', 'code');
    pm.expect(problem.code).to.match(/^[A-Z]+(_[A-Z]+)*$/);
    pm.expect(problem.type).to.equal('/problems/' + problem.code.toLowerCase().replace(/_/g, '-'));
    pm.expect(problem.status).to.equal(status);
    pm.expect(problem.instance).to.equal(path);
    pm.expect(problem.title).to.be.a('string').that.is.not.empty;
    pm.expect(problem.detail).to.be.a('string').that.is.not.empty;
    if (problem.code === 'VALIDATION_FAILED') {
      pm.expect(problem.errors).to.be.an('array').that.is.not.empty;
      problem.errors.forEach((issue) => {
        pm.expect(issue).to.include.all.keys('in', 'path', 'message');
        pm.expect(issue.in).to.be.oneOf(['body', 'query', 'path', 'header']);
        pm.expect(issue.path).to.be.a('string');
        pm.expect(issue.message).to.be.a('string').that.is.not.empty;
      });
    }
  });
  pm.test('[every error] discloses no stack trace or database message', () => {
    pm.expect(pm.response.text()).not.to.match(/\bat .+:\d+:\d+|node_modules|Mongo[A-Z]\w*Error|E11000/);
  });
} else if (status !== 204 && status !== 304) {
  pm.test('[every success with a body] JSON, or text/plain when asked for', () => {
    pm.expect(contentType).to.match(/^(application\/json|text\/plain)(;|$)/);
  });
}
