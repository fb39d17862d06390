// The built site in a real browser: the app loads, an example applies and the node diagram shows
// placed pods; a bad manifest shows kubectl's message and marks its line; a permalink
// round-trips; a hostile permalink shows a message instead of a blank page.
const { chromium } = require('playwright-core');

const URL = process.env.E2E_URL || 'http://127.0.0.1:8765/';
let failures = 0;
let passed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failures++;
    console.log(`not ok - ${name}\n  ${String(e && e.stack || e).split('\n').slice(0, 4).join('\n  ')}`);
  }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }

const BAD_LIMITRANGE = `apiVersion: v1
kind: LimitRange
metadata:
   name: mem-limit-range
spec:
   limits:
   - default:
       memory: 512Mi
   defaultRequest:
       memory: 256Mi
   type: Container
`;

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: e2e-web
spec:
  containers:
  - name: nginx
    image: nginx
`;

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  const setEditor = async (text) => {
    const ta = page.locator('textarea').first();
    await ta.click();
    await ta.fill(text);
    await page.keyboard.press('Control+Enter');
    await page.waitForTimeout(800);
  };

  await check('the app loads and draws the default cluster', async () => {
    await page.goto(URL, { waitUntil: 'load' });
    await page.waitForSelector('svg', { timeout: 30000 });
    await page.waitForFunction(() => document.body.innerText.includes('kind-worker'), null, { timeout: 30000 });
  });

  await check('a pod applies and appears on a node in the diagram', async () => {
    await setEditor(POD);
    await page.waitForFunction(() => {
      const svg = [...document.querySelectorAll('svg')].map((s) => s.textContent).join(' ');
      return svg.includes('e2e-web');
    }, null, { timeout: 15000 });
    const text = await page.evaluate(() => document.body.innerText);
    assert(text.includes('pod/e2e-web created'), 'no "pod/e2e-web created" in the results');
  });

  await check('an example from the picker applies', async () => {
    const select = page.locator('select').first();
    const options = await select.locator('option').allTextContents();
    const idx = options.findIndex((o) => /taint/i.test(o));
    assert(idx >= 0, `no taints example among ${JSON.stringify(options)}`);
    page.once('dialog', (d) => d.accept());
    await select.selectOption({ index: idx });
    await page.waitForFunction(() => document.body.innerText.includes('node/kind-worker tainted'), null, { timeout: 15000 });
  });

  await check('a bad manifest shows its kubectl message and marks its line', async () => {
    await setEditor(BAD_LIMITRANGE);
    await page.waitForFunction(() => document.body.innerText.includes('unknown field "spec.defaultRequest"'), null, { timeout: 15000 });
    const marked = await page.evaluate(() => {
      const els = [...document.querySelectorAll('[class*="error"], [class*="marker"], [data-line]')];
      return els.map((e) => (e.getAttribute('data-line') || e.textContent || '').trim()).join('|');
    });
    assert(/9/.test(marked), `line 9 is not marked (found: ${marked.slice(0, 200)})`);
  });

  let permalink = '';
  await check('a permalink round-trips the editor text', async () => {
    await setEditor(POD + '# round trip marker 42\n');
    const share = page.getByRole('button', { name: /share/i }).first();
    await share.click();
    await page.waitForTimeout(300);
    // The share dialog shows the link in a read-only field.
    permalink = await page.evaluate(() => {
      const inputs = [...document.querySelectorAll('input')].map((i) => i.value);
      return inputs.find((v) => /^https?:\/\/.*#/.test(v)) || (location.hash.length > 4 ? location.href : '');
    });
    assert(permalink.includes('#'), 'no permalink found');
    // A fresh context has empty storage: only the link can bring the text back.
    const context = await browser.newContext();
    const fresh = await context.newPage();
    await fresh.goto(permalink, { waitUntil: 'load' });
    await fresh.waitForFunction(() => {
      const ta = document.querySelector('textarea');
      return ta && ta.value.includes('# round trip marker 42');
    }, null, { timeout: 15000 });
    await context.close();
  });

  await check('a hostile permalink shows a message, not a blank page', async () => {
    const bad = await browser.newPage();
    await bad.goto(URL + '#v1:%%%not-base64!!!', { waitUntil: 'load' });
    await bad.waitForSelector('textarea', { timeout: 30000 });
    const text = await bad.evaluate(() => document.body.innerText.toLowerCase());
    assert(/permalink|link|could not|invalid|corrupt/.test(text), 'no message about the broken link');
    await bad.close();
  });

  await check('no uncaught errors in the page', async () => {
    assert(errors.length === 0, errors.join('\n'));
  });

  await browser.close();
  console.log(`${passed} passed, ${failures} failed`);
  process.exit(failures === 0 ? 0 : 1);
})().catch((e) => { console.error(e); console.log(`${passed} passed, ${failures + 1} failed`); process.exit(1); });
