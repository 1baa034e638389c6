// The console in a real browser: logs in, reads every page (the diff report
// and one field's examples among them), revokes a token, logs out, and saves
// a screenshot of each page. test/console_test.go starts the server and runs
// it; it exits non-zero at the first thing not as expected.
//
// Its input, from the environment:
//   CONSOLE_URL      the admin listener's base URL
//   CONSOLE_TOKEN    an admin token
//   CONSOLE_SHOTS    the folder screenshots go to
//   CONSOLE_CHECK    JSON: {tenant, revoke, secrets, diff: {dialect, endpoint, path, upstream, local}}
import { chromium } from 'playwright-core';
import path from 'node:path';

const base = process.env.CONSOLE_URL;
const check = JSON.parse(process.env.CONSOLE_CHECK);
const shots = process.env.CONSOLE_SHOTS;

function expect(ok, what) {
  if (!ok) throw new Error(what);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const problems = [];
  // Errors the page meets: a script's, a resource refused (by the server,
  // or by the Content-Security-Policy), an answer of 400 or more but the
  // wrong token's 401.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.method()} ${r.url()}: ${r.failure().errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && !(r.status() === 401 && r.url() === base + '/console/login')) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });

  // Every page is checked for the secrets it must never show, then shot.
  let n = 0;
  async function shoot(name) {
    const html = await page.content();
    for (const s of check.secrets) expect(!html.includes(s), `${name} shows a token's value`);
    const file = path.join(shots, `${String(++n).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log('screenshot: ' + file);
  }
  // follow clicks what navigates and waits until the new page has loaded,
  // its stylesheet included, so that nothing is cut off by the next step.
  const follow = (locator) => Promise.all([page.waitForEvent('load'), locator.click()]);
  const heading = async () => (await page.locator('h1').textContent()).trim();

  await page.goto(base + '/console/');
  expect(page.url() === base + '/console/login', 'without a session the console is not the login page: ' + page.url());
  await shoot('login');
  await page.fill('#token', 'not-an-admin-token');
  await follow(page.locator('button[type=submit]'));
  expect((await page.locator('.flash').textContent()).includes('not an admin token'), 'a wrong token was not refused');
  await page.fill('#token', process.env.CONSOLE_TOKEN);
  await follow(page.locator('button[type=submit]'));
  expect(page.url() === base + '/console/', 'the login led to ' + page.url());
  expect(await heading() === 'Overview', 'the overview is not shown');
  await shoot('overview');

  await follow(page.locator('nav >> text=Tenants'));
  expect(await heading() === 'Tenants', 'no tenants page');
  await shoot('tenants');
  await follow(page.locator(`a[href="/console/tenants/${check.tenant}/tokens"]`));
  expect((await heading()).startsWith('Tokens of'), 'no tokens page');
  await shoot('tokens');
  const row = page.locator(`#token-${check.revoke}`);
  expect(await row.count() === 1, `token ${check.revoke} is not listed`);
  await follow(row.locator('button'));
  expect((await page.locator('.flash').textContent()).includes(`Token ${check.revoke} revoked`), 'no word of the revoke');
  expect(await page.locator(`#token-${check.revoke}`).count() === 0, 'the revoked token is still listed');
  await shoot('token-revoked');

  await follow(page.locator('nav >> text=Traffic'));
  expect(await page.locator('td code', { hasText: '/oa/crm/home' }).count() === 1, 'the traffic page shows no /oa/crm/home');
  await shoot('traffic');

  await follow(page.locator('nav >> text=Diff report'));
  const d = check.diff;
  const endpoint = page.locator('section.endpoint', { has: page.locator('h2', { hasText: d.endpoint }) });
  expect(await endpoint.count() === 1, `the diff report has no ${d.endpoint}`);
  await shoot('diff');
  await follow(endpoint.locator('a', { hasText: d.path }).first());
  expect((await heading()).includes(d.path), 'no examples page for ' + d.path);
  const examples = await page.locator('table').textContent();
  expect(examples.includes(d.upstream) && examples.includes(d.local), "the field's examples do not show both values");
  await shoot('field');

  await follow(page.locator('nav >> text=Compatibility'));
  expect(await page.locator('tr', { hasText: d.endpoint }).count() >= 1, `the compatibility table has no ${d.endpoint}`);
  await shoot('compatibility');

  await follow(page.locator('nav >> text=Imports'));
  expect(await heading() === 'Imports', 'no imports page');
  await shoot('imports');

  await follow(page.locator('text=Log out'));
  expect(page.url() === base + '/console/login', 'logging out led to ' + page.url());
  await page.goto(base + '/console/tenants');
  expect(page.url() === base + '/console/login', 'after logging out a page is shown');

  expect(problems.length === 0, 'the browser reported: ' + problems.join('; '));
} finally {
  await browser.close();
}
