import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { parse } from 'yaml';
import { codeSamplesDir, SAMPLE_FILES } from '../../scripts/lib/code-samples.js';
import { buildStaticDocs } from '../../scripts/lib/static-docs.js';
import { specPath } from '../../src/spec-path.js';
import { launchChromium } from '../support/chromium.js';
import { projectRoot } from '../support/project.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// The documentation as a reader sees it: the machine's Chromium (never a downloaded one; `npm test`
// passes CHROMIUM_PATH) opens the served page and the static build, and checks that Redoc rendered
// every operation with its code samples and that nothing was fetched from beyond this machine.

type Operation = { operationId: string; summary: string };
/** What the page functions below use of the DOM (this project compiles without the DOM's types). */
type PageNode = { nodeType: number; textContent: string | null };
type PageAnchor = { parentElement: { childNodes: Iterable<PageNode> } | null; getAttribute(name: string): string | null };
type PageElement = PageNode & {
  nextElementSibling: PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
  getAttribute(name: string): string | null;
};
const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
const spec = parse(await readFile(specPath, 'utf8')) as { paths: Record<string, Record<string, Operation>> };
/** operationId → summary, for every operation of the spec. */
const summaries = Object.fromEntries(
  Object.values(spec.paths).flatMap((item) => Object.entries(item).flatMap(([method, op]) => (METHODS.has(method) ? [[op.operationId, op.summary]] : []))),
);
const screenshots = join(projectRoot, '.artifacts', 'screenshots');
/** operationId → the tabs of its code samples (openapi/code-samples/), for every operation. */
const sampleTabs = Object.fromEntries(Object.keys(summaries).map((id) => [id, SAMPLE_FILES.map((sample) => sample.label)]));

/** Loopback, files, and what the page makes itself (data:, blob:): nothing that leaves the machine. */
function staysLocal(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return ['data:', 'blob:', 'file:'].includes(protocol) || ['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
}

let browser: Browser;
let server: TestServer;

before(async () => {
  server = await startTestServer('docs-browser');
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * Opens `url` in a fresh context, waits until Redoc has rendered every operation and returns what
 * it rendered (operationId → heading), every URL the page requested, the errors it reported and
 * the time to render. Requests for anything outside the machine are also aborted, so that even a
 * failing run sends nothing out.
 */
async function render(t: TestContext, url: string, screenshot: string) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const requests: string[] = [];
    const errors: string[] = [];
    context.on('request', (req) => requests.push(req.url()));
    await context.route(
      (target) => !staysLocal(target.href),
      (route) => route.abort('blockedbyclient'),
    );
    const page = await context.newPage();
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    page.on('pageerror', (error) => errors.push(error.message));

    const started = performance.now();
    await page.goto(url);
    const count = Object.keys(summaries).length;
    // Redoc 2 heads each operation with <h2><a href="#…/operation/<operationId>"></a>summary <badge/></h2>.
    const headings = 'h2 > a[href*="/operation/"]';
    await page
      .locator(headings)
      .nth(count - 1)
      .waitFor({ timeout: 30_000 });
    const renderedMs = Math.round(performance.now() - started);
    const rendered = await page.$$eval(headings, (anchors: PageAnchor[]) =>
      anchors.map((anchor) => {
        const heading = anchor.parentElement;
        const TEXT_NODE = 3; // the heading's own text, without its "Deprecated" badge
        const text = [...(heading?.childNodes ?? [])]
          .filter((node) => node.nodeType === TEXT_NODE)
          .map((node) => node.textContent)
          .join('');
        return [anchor.getAttribute('href')?.split('/operation/')[1] ?? '', text.trim()] as const;
      }),
    );
    // Each operation's "Request samples" tabs: Redoc's own "Payload" (for a body), then x-codeSamples' labels.
    const samples = await page.$$eval('[data-section-id*="/operation/"]', (sections: PageElement[]) =>
      sections.map((section) => {
        const heading = [...section.querySelectorAll('h3')].find((h) => h.textContent?.trim() === 'Request samples');
        const tabs = [...(heading?.nextElementSibling?.querySelectorAll('[role="tab"]') ?? [])].map((tab) => tab.textContent?.trim() ?? '');
        return [section.getAttribute('data-section-id')?.split('/operation/')[1] ?? '', tabs.filter((tab) => tab !== 'Payload')] as const;
      }),
    );
    // Let late requests (images, the search worker) happen before they are judged.
    await page.waitForLoadState('networkidle');
    await mkdir(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, screenshot), fullPage: true });
    t.diagnostic(`rendered ${rendered.length} operations in ${renderedMs} ms; ${requests.length} requests; screenshot .artifacts/screenshots/${screenshot}`);
    return { rendered: Object.fromEntries(rendered), samples: Object.fromEntries(samples), requests, errors };
  } finally {
    await context.close();
  }
}

describe('GET /docs in Chromium', () => {
  it(
    "when the page is opened, then Redoc renders every operation's summary and code-sample tabs from /openapi.json, with no error and no request beyond loopback",
    { timeout: 60_000 },
    async (t) => {
      const { rendered, samples, requests, errors } = await render(t, `${server.baseUrl}/docs`, 'docs.png');
      assert.deepEqual(rendered, summaries);
      assert.deepEqual(samples, sampleTabs, 'every operation shows its curl, TypeScript and Go samples');
      assert.deepEqual(
        requests.filter((url) => !staysLocal(url)),
        [],
      );
      // A load the page's Content-Security-Policy refused never becomes a request, only an error.
      assert.deepEqual(errors, []);
      assert.ok(requests.includes(`${server.baseUrl}/openapi.json`), requests.join('\n'));
      assert.ok(
        requests.some((url) => url.startsWith(`${server.baseUrl}/docs/redoc.standalone.js?v=`)),
        requests.join('\n'),
      );
    },
  );
});

describe('code samples in GET /docs in Chromium', () => {
  it("when each operation's sample tabs are clicked, then each shows the source of its file in openapi/code-samples/", { timeout: 120_000 }, async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${server.baseUrl}/docs`);
      for (const id of Object.keys(summaries)) {
        const samples = page.locator(`[data-section-id$="/operation/${id}"] h3:text-is("Request samples") + *`);
        for (const { file, label } of SAMPLE_FILES) {
          await samples.getByRole('tab', { name: label, exact: true }).click({ timeout: 30_000 });
          const shown = await samples.locator('[role="tabpanel"].react-tabs__tab-panel--selected').innerText();
          // The code as Redoc shows it (highlighted, with a Copy button): every line of the file is in it.
          const source = await readFile(join(codeSamplesDir(), id, file), 'utf8');
          const missing = source
            .split('\n')
            .map((line) => line.trim())
            .filter((line) => line !== '' && !shown.includes(line));
          assert.deepEqual(missing, [], `${id}'s ${label} tab does not show these lines of ${id}/${file}`);
        }
      }
    } finally {
      await page.close();
    }
  });
});

describe('problem types from GET /docs in Chromium', () => {
  it(
    "when Redoc renders the introduction's table of errors, then a code links to its problem page, which opens (200) with the code's title",
    { timeout: 60_000 },
    async () => {
      const page = await browser.newPage();
      try {
        await page.goto(`${server.baseUrl}/docs`);
        const link = page.locator('a[href="/problems/email-taken"]').first();
        await link.waitFor({ timeout: 30_000 });
        // Where the rendered link leads, resolved by the browser against the page's URL.
        const target = await link.evaluate((anchor) => (anchor as unknown as { href: string }).href);
        assert.equal(target, `${server.baseUrl}/problems/email-taken`);
        const response = await page.goto(target);
        assert.equal(response?.status(), 200);
        assert.equal(await page.locator('h1').innerText(), 'Email already registered');
      } finally {
        await page.close();
      }
    },
  );
});

describe('npm run docs:build in Chromium', () => {
  it(
    "when .artifacts/docs/index.html is opened from disk, then it renders every operation's summary and code-sample tabs, with no error and nothing but local files",
    { timeout: 60_000 },
    async (t) => {
      const index = await buildStaticDocs();
      const { rendered, samples, requests, errors } = await render(t, pathToFileURL(index).href, 'docs-static.png');
      assert.deepEqual(rendered, summaries);
      assert.deepEqual(samples, sampleTabs, 'every operation shows its curl, TypeScript and Go samples');
      assert.deepEqual(
        requests.filter((url) => !staysLocal(url)),
        [],
      );
      assert.deepEqual(errors, []);
      assert.ok(requests.includes(pathToFileURL(join(index, '..', 'redoc.standalone.js')).href), requests.join('\n'));
    },
  );

  it("when an operation's Authorizations are expanded, then they show the scopes the spec lists for it", { timeout: 60_000 }, async () => {
    const index = await buildStaticDocs();
    const page = await browser.newPage();
    try {
      await page.goto(pathToFileURL(index).href);
      for (const [section, shown] of [
        ['tag/Users/operation/getUser', 'bearerAuth (users:read) bearerAuth (users:self)'],
        ['tag/Users/operation/deleteUser', 'bearerAuth (users:write) bearerAuth (users:self)'],
        ['tag/Health/operation/getMetrics', 'bearerAuth (metrics:read)'],
      ] as const) {
        const operation = page.locator(`[data-section-id="${section}"]`);
        await operation.getByText('Authorizations:').click({ timeout: 30_000 });
        assert.ok((await operation.innerText()).includes(shown), `${section} does not show "${shown}"`);
      }
    } finally {
      await page.close();
    }
  });
});
