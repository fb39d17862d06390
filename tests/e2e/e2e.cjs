// The built site in a real browser: the app loads, an example applies and the node diagram shows
// placed pods; a bad manifest shows kubectl's message and marks its line; a permalink
// round-trips; a hostile permalink shows a message instead of a blank page; a quota rejection
// shows its plugin, selects its line and opens the admission trace with LimitRanger's diff;
// the namespaces tab shows the quota bars, the LimitRange and the Pod Security levels.
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

// A namespace with Pod Security labels, a LimitRange that fills in requests and limits, a
// quota; "web" is mutated by LimitRanger, "big" (line 50) is refused by ResourceQuota;
// the quota's bars are green (cpu), amber (requests.memory at 80 %) and red (limits.memory full).
const TEAM = `apiVersion: v1
kind: Namespace
metadata:
  name: team
  labels:
    pod-security.kubernetes.io/enforce: baseline
    pod-security.kubernetes.io/enforce-version: v1.34
    pod-security.kubernetes.io/warn: restricted
---
apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
  namespace: team
spec:
  limits:
  - type: Container
    defaultRequest:
      cpu: 250m
      memory: 256Mi
    default:
      cpu: 500m
      memory: 512Mi
    max:
      cpu: "2"
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: compute
  namespace: team
spec:
  hard:
    requests.cpu: "1"
    requests.memory: 320Mi
    limits.cpu: "2"
    limits.memory: 512Mi
    pods: "3"
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: team
spec:
  containers:
  - name: nginx
    image: nginx
---
apiVersion: v1
kind: Pod
metadata:
  name: big
  namespace: team
spec:
  containers:
  - name: app
    image: nginx
    resources:
      requests:
        cpu: 900m
      limits:
        cpu: "1"
`;
const SHOTS = process.env.E2E_SHOTS || '';

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

  await check('a quota rejection names its plugin and selects its line', async () => {
    const shareClose = page.locator('.share-dialog button[aria-label="Close"]');
    if (await shareClose.count()) await shareClose.click();
    await setEditor(TEAM);
    await page.waitForFunction(() => document.body.innerText.includes('exceeded quota: compute'), null, { timeout: 15000 });
    const rec = page.locator('.rec.failed').filter({ hasText: 'exceeded quota' }).first();
    const badge = await rec.locator('.plugin-badge').innerText();
    assert(/ResourceQuota/.test(badge), `the rejection's badge is "${badge}"`);
    const message = await rec.locator('.msg').innerText();
    assert(message.startsWith('Error from server (Forbidden): error when creating "scenario.yaml": pods "big" is forbidden: exceeded quota: compute, requested: limits.memory=512Mi,requests.cpu=900m,requests.memory=256Mi, used: limits.memory=512Mi,requests.cpu=250m,requests.memory=256Mi, limited: limits.memory=512Mi,requests.cpu=1,requests.memory=320Mi'),
      `kubectl's message differs: ${message}`);
    await rec.locator('.msg').click();
    await page.waitForTimeout(300);
    const line = await page.evaluate(() => {
      const ta = document.querySelector('textarea');
      return ta.value.slice(0, ta.selectionStart).split('\n').length;
    });
    assert(line === 50, `the selection is on line ${line}, not 50`);
  });

  await check('the admission trace shows the rejecting plugin and LimitRanger\'s diff', async () => {
    // Clicking the row opened the Admission tab on pod "big".
    await page.waitForSelector('.trace-panel', { timeout: 5000 });
    const panel = page.locator('.trace-panel');
    const head = await panel.locator('header').innerText();
    assert(/Pod team\/big/.test(head), `trace header: ${head}`);
    const outcome = await panel.locator('.trace-outcome .plugin-badge').textContent();
    assert(/refused by ResourceQuota/.test(outcome), `trace outcome: ${outcome}`);
    const rejected = await panel.locator('.step.rejected .step-plugin').allInnerTexts();
    assert(rejected.join() === 'ResourceQuota', `rejected steps: ${rejected}`);
    const lr = panel.locator('.step.mutated').filter({ hasText: 'LimitRanger' });
    const added = await lr.locator('.d.add').allInnerTexts();
    assert(added.some((l) => /memory: 256Mi/.test(l)), `LimitRanger's added lines: ${added.join(' | ')}`);
    // kubectl's Warning: line above the steps, and again on the PodSecurity step that added it.
    const warnings = await panel.locator('.trace-outcome ~ .warn-msg').count();
    assert(warnings === 1, `expected the PodSecurity warning, found ${warnings}`);
    const psa = panel.locator('.step').filter({ hasText: 'PodSecurity' });
    const psaWarnings = await psa.locator('.warn-msg').count();
    assert(psaWarnings === 1, `the PodSecurity step shows ${psaWarnings} warnings`);
    if (SHOTS) {
      await page.screenshot({ path: `${SHOTS}/admission-light.png` });
    }
    // Escape closes the panel, and the trace of "web" opens from its list entry.
    await panel.locator('button[aria-label="Close the admission trace"]').focus();
    await page.keyboard.press('Escape');
    await page.waitForSelector('.trace-panel', { state: 'detached', timeout: 3000 });
    await page.locator('.trace-pick').filter({ hasText: 'web' }).click();
    await page.waitForSelector('.trace-panel .step.mutated', { timeout: 3000 });
  });

  await check('a pod of the diagram opens its admission trace from "why here?"', async () => {
    await page.getByRole('tab', { name: /Cluster/ }).click();
    await page.locator('.pod-chip').filter({ hasText: 'web' }).first().click();
    await page.waitForSelector('.why-here', { timeout: 5000 });
    await page.locator('.why-here .trace-link').click();
    await page.waitForSelector('.trace-panel', { timeout: 3000 });
    const head = await page.locator('.trace-panel header').innerText();
    assert(/Pod team\/web/.test(head), `trace header: ${head}`);
    const mutated = await page.locator('.trace-panel .step.mutated .step-plugin').allInnerTexts();
    assert(mutated[0] === 'LimitRanger', `mutations: ${mutated}`);
  });

  await check('the namespaces tab shows quota bars, the LimitRange and Pod Security', async () => {
    await page.getByRole('tab', { name: /Namespaces/ }).click();
    await page.waitForSelector('.ns-card', { timeout: 5000 });
    const cpu = page.locator('.quota-row').filter({ hasText: 'requests.cpu' });
    const num = await cpu.locator('.quota-num').innerText();
    assert(num.replace(/\s/g, '') === '250m/1', `requests.cpu shows ${num}`);
    const width = await cpu.locator('.quota-fill').evaluate((e) => e.style.width);
    assert(width === '25%', `the bar is ${width} wide`);
    const levels = await page.locator('.quota-row').evaluateAll((rows) => rows.map((r) => r.className.replace('quota-row', '').trim()).join(','));
    assert(levels === 'ok,full,ok,ok,near', `quota levels (limits.cpu, limits.memory, pods, requests.cpu, requests.memory): ${levels}`);
    const pods = await page.locator('.quota-row').filter({ hasText: 'pods' }).locator('.quota-num').innerText();
    assert(pods.replace(/\s/g, '') === '1/3', `pods shows ${pods}`);
    const lr = await page.locator('.lr-table').innerText();
    assert(/Container\s+cpu\s+-\s+2\s+250m\s+500m/.test(lr), `LimitRange table: ${lr}`);
    const psa = await page.locator('.psa').innerText();
    assert(/enforce\s*baseline\s*v1\.34/.test(psa) && /warn\s*restricted/.test(psa), `Pod Security: ${psa}`);
    if (SHOTS) {
      await page.screenshot({ path: `${SHOTS}/namespaces-light.png` });
      await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'dark'));
      await page.screenshot({ path: `${SHOTS}/namespaces-dark.png` });
      await page.getByRole('tab', { name: /Admission/ }).click();
      await page.locator('.trace-pick').filter({ hasText: 'big' }).click();
      await page.waitForSelector('.trace-panel', { timeout: 3000 });
      await page.screenshot({ path: `${SHOTS}/admission-dark.png` });
      await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
      // The panels as a room sees them: the trace scrolled to LimitRanger's diff, the namespace.
      for (const theme of ['light', 'dark']) {
        const tall = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
        await tall.goto(URL + '?theme=' + theme, { waitUntil: 'load' });
        await tall.waitForSelector('textarea', { timeout: 30000 });
        const ta = tall.locator('textarea').first();
        await ta.click();
        await ta.fill(TEAM);
        await tall.keyboard.press('Control+Enter');
        await tall.waitForFunction(() => document.body.innerText.includes('exceeded quota: compute'), null, { timeout: 15000 });
        await tall.locator('.rec.failed .msg').first().click();
        await tall.waitForSelector('.trace-panel', { timeout: 3000 });
        await tall.waitForTimeout(400);
        await tall.screenshot({ path: `${SHOTS}/trace-top-${theme}.png` });
        await tall.evaluate(() => {
          const step = [...document.querySelectorAll('.step.mutated')].find((s) => s.textContent.includes('LimitRanger'));
          const body = document.querySelector('.tab-body');
          if (step && body) body.scrollTop = step.offsetTop - body.offsetTop - 8;
        });
        await tall.waitForTimeout(200);
        await tall.screenshot({ path: `${SHOTS}/trace-${theme}.png` });
        await tall.getByRole('tab', { name: /Namespaces/ }).click();
        await tall.waitForTimeout(200);
        await tall.screenshot({ path: `${SHOTS}/namespace-${theme}.png` });
        await tall.close();
      }
    }
  });
  // ---- Scheduling (issue 4): pods on the right nodes, a Pending pod's message, "why here?",
  // and the node diagram grouped by a topology key (example 19). Screenshots of the grouped
  // diagram in both themes go to $E2E_SHOTS when it is set.
  const podsOn = () => page.evaluate(() => {
    const out = {};
    for (const svg of document.querySelectorAll('svg.node-card')) {
      const node = (svg.getAttribute('aria-label') || '').split(' ')[1];
      out[node] = [...svg.querySelectorAll('.pod-chip')]
        .map((g) => (g.getAttribute('aria-label') || '').split(' ')[1].replace(/,$/, ''))
        .map((name) => name.replace(/^web-[a-z0-9]+-[a-z0-9]+$/, 'web'))
        .sort();
    }
    return out;
  });
  const groupTitles = () => page.evaluate(() =>
    [...document.querySelectorAll('.node-group-title')].map((h) => h.textContent.trim()));
  const FAILED_19 = "0/6 nodes are available: 1 node(s) didn't match pod anti-affinity rules, " +
    '1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, ' +
    "4 node(s) didn't match pod topology spread constraints. preemption: 0/6 nodes are available: " +
    '1 Preemption is not helpful for scheduling, 5 No preemption victims found for incoming pod..';

  await check('scheduling: the zones example places each pod on the node kube-scheduler picks', async () => {
    // The checks before left another tab open: the diagram is on the Cluster tab.
    await page.getByRole('tab', { name: /Cluster/ }).click();
    const select = page.locator('header select').first();
    const options = await select.locator('option').allTextContents();
    const idx = options.findIndex((o) => /zones and topology spread/i.test(o));
    assert(idx >= 0, `no zones example among ${JSON.stringify(options)}`);
    page.once('dialog', (d) => d.accept());
    await select.selectOption({ index: idx });
    await page.waitForFunction(() => document.body.innerText.includes('deployment.apps/web scaled'), null, { timeout: 15000 });
    const pods = await podsOn();
    const want = {
      'kind-control-plane': [], 'kind-worker': ['web'], 'kind-worker2': ['web'], 'kind-worker3': ['web'],
      'kind-worker4': ['cache', 'web'], 'kind-worker5': ['web'],
    };
    const sorted = (o) => JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k]]));
    assert(sorted(pods) === sorted(want), `placements ${JSON.stringify(pods)}`);
  });

  await check('scheduling: the Pending lane shows the FailedScheduling message word for word', async () => {
    const lane = await page.locator('.pending-lane').innerText();
    assert(lane.includes(FAILED_19), `pending lane: ${lane.slice(0, 500)}`);
  });

  await check('scheduling: "why here?" of the Pending pod names the filter that removed each node', async () => {
    await page.locator('.pending-lane button.pending-pod').first().click();
    const why = page.locator('section.why-here');
    await why.waitFor({ timeout: 5000 });
    const text = await why.innerText();
    assert(text.includes('Pending') && text.includes(FAILED_19), `why-here head: ${text.slice(0, 400)}`);
    const rows = await why.locator('table.why-table').first().locator('tbody tr').evaluateAll((trs) =>
      Object.fromEntries(trs.map((tr) => [tr.querySelector('th').textContent.trim(),
        [...tr.querySelectorAll('td.fail')].map((td) => td.textContent.trim()).join('|')])));
    const want = {
      'kind-control-plane': '✗ node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }',
      'kind-worker': "✗ node(s) didn't match pod topology spread constraints",
      'kind-worker2': "✗ node(s) didn't match pod topology spread constraints",
      'kind-worker3': "✗ node(s) didn't match pod topology spread constraints",
      'kind-worker4': "✗ node(s) didn't match pod topology spread constraints",
      'kind-worker5': "✗ node(s) didn't match pod anti-affinity rules",
    };
    assert(JSON.stringify(rows) === JSON.stringify(want), `filter verdicts ${JSON.stringify(rows)}`);
    assert(text.includes('No node passed every filter'), 'no "No node passed every filter"');
  });

  await check('scheduling: "why here?" of a placed pod shows the winning node and its scores', async () => {
    await page.locator('svg.node-card .pod-chip[aria-label^="Pod cache,"]').click();
    const why = page.locator('section.why-here');
    await page.waitForFunction(() => {
      const s = document.querySelector('section.why-here');
      return s && s.innerText.includes('default/cache');
    }, null, { timeout: 5000 });
    const head = await why.locator('h3').innerText();
    assert(/→\s*kind-worker4/.test(head), `why-here head: ${head}`);
    const tables = why.locator('table.why-table');
    assert(await tables.count() === 2, 'no scores table');
    const scoreHead = await tables.nth(1).locator('thead').innerText();
    for (const plugin of ['InterPodAffinity', 'Total']) {
      assert(scoreHead.replace(/\s+/g, '').includes(plugin), `no ${plugin} column in ${scoreHead}`);
    }
    const chosen = await tables.nth(1).locator('tr.chosen th').innerText();
    assert(chosen.includes('kind-worker4'), `chosen row: ${chosen}`);
    await page.getByRole('button', { name: 'Close the why-here panel' }).click();
  });

  await check('topology: the diagram groups the nodes by zone by default, with counts', async () => {
    const titles = await groupTitles();
    const want = [
      'zone: eu-west-1a — 2 nodes, 2 pods',
      'zone: eu-west-1b — 2 nodes, 3 pods',
      'zone: eu-west-1c — 1 node, 1 pod',
      '(no zone) — 1 node, 0 pods',
    ];
    assert(JSON.stringify(titles) === JSON.stringify(want), `groups ${JSON.stringify(titles)}`);
    const inC = await page.locator('section.node-group', { hasText: 'zone: eu-west-1c' }).locator('svg.node-card').getAttribute('aria-label');
    assert(inC.startsWith('Node kind-worker5 '), `eu-west-1c holds ${inC}`);
  });

  if (process.env.E2E_SHOTS) {
    await check('topology: screenshots of the grouped diagram in light and dark', async () => {
      const shots = await browser.newPage({ viewport: { width: 1600, height: 1300 } });
      await shots.goto(URL, { waitUntil: 'load' });
      await shots.waitForSelector('svg.node-card', { timeout: 30000 });
      const picker = shots.locator('header select').first();
      const options = await picker.locator('option').allTextContents();
      shots.once('dialog', (d) => d.accept());
      await picker.selectOption({ index: options.findIndex((o) => /zones and topology spread/i.test(o)) });
      await shots.waitForFunction(() => document.body.innerText.includes('deployment.apps/web scaled'), null, { timeout: 15000 });
      for (const theme of ['light', 'dark']) {
        await shots.evaluate((t) => document.documentElement.setAttribute('data-theme', t), theme);
        await shots.waitForTimeout(200);
        await shots.screenshot({ path: `${process.env.E2E_SHOTS}/diagram-${theme}.png` });
      }
      await shots.close();
    });
  }

  await check('topology: the group-by select works from the keyboard (hostname, then none)', async () => {
    const select = page.locator('.diagram-bar select');
    await select.focus();
    await page.keyboard.press('ArrowDown'); // zone → hostname
    await page.waitForFunction(() => document.querySelectorAll('.node-group').length === 6, null, { timeout: 5000 });
    const titles = await groupTitles();
    assert(titles.includes('hostname: kind-worker4 — 1 node, 2 pods'), `groups ${JSON.stringify(titles)}`);
    await page.keyboard.press('Home'); // → none
    await page.waitForFunction(() => document.querySelectorAll('.node-group').length === 0, null, { timeout: 5000 });
    assert(await page.locator('.diagram svg.node-card').count() === 6, 'the flat grid lost nodes');
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.tagName);
    assert(focused === 'SELECT', `focus moved to ${focused}`);
  });
  // ---- end of the scheduling and topology checks.

  // ---- Storage and StatefulSets (issue 5) ----
  const loadExample = async (pattern, marker) => {
    const select = page.locator('select').first();
    const options = await select.locator('option').allTextContents();
    const idx = options.findIndex((o) => pattern.test(o));
    assert(idx >= 0, `no example ${pattern} among ${JSON.stringify(options)}`);
    page.once('dialog', (d) => d.accept());
    await select.selectOption({ index: idx });
    await page.waitForFunction((m) => document.body.innerText.includes(m), marker, { timeout: 20000 });
  };

  await check('the storage tab draws three bound claims and says why a claim cannot bind', async () => {
    await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
    await loadExample(/StatefulSet behind a headless Service/, 'statefulset.apps/web created');
    // Keyboard: the tab is a focusable button that Enter opens.
    await page.getByRole('tab', { name: /Storage/ }).focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('.sg-group', { timeout: 5000 });
    const bound = await page.locator('.sg-claim.ok .sg-name').allInnerTexts();
    assert(bound.join() === 'www-web-0,www-web-1,www-web-2', `bound claims: ${bound}`);
    const phases = await page.locator('.sg-claim.ok .sg-phase').allInnerTexts();
    assert(phases.every((p) => p === 'Bound') && phases.length === 3, `claim phases: ${phases}`);
    const volumes = await page.locator('.sg-volume.ok').count();
    assert(volumes === 3, `${volumes} bound volumes`);
    const links = await page.locator('.sg-link.pair.bound').count();
    assert(links === 3, `${links} bound links`);
    const pods = await page.locator('.sg-pod .sg-pod-name').allInnerTexts();
    assert(pods.join() === 'web-0,web-1,web-2', `pods using claims: ${pods}`);
    const why = page.locator('.sg-why').filter({ hasText: 'shared-www' });
    const text = await why.innerText();
    assert(/Why is shared-www Pending\?/.test(text), `why box: ${text}`);
    assert(text.includes('FailedBinding no persistent volumes available for this claim and no storage class is set'), `why box: ${text}`);
    const pending = await page.locator('.sg-claim.wait .sg-name').allInnerTexts();
    assert(pending.join() === 'shared-www', `pending claims: ${pending}`);
    const cls = await page.locator('.sg-class').first().innerText();
    assert(/standard/.test(cls) && /default/.test(cls) && /rancher\.io\/local-path/.test(cls) && /WaitForFirstConsumer/.test(cls), `class card: ${cls}`);
    if (SHOTS) {
      await page.screenshot({ path: `${SHOTS}/storage-light.png` });
      await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'dark'));
      await page.screenshot({ path: `${SHOTS}/storage-dark.png` });
      await page.locator('.sg-why').first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SHOTS}/storage-why-dark.png` });
      await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
    }
  });

  await check('the statefulsets tab lists the replicas in order with their claims and DNS names', async () => {
    await page.getByRole('tab', { name: /StatefulSets/ }).click();
    await page.waitForSelector('.sts-card', { timeout: 5000 });
    const head = await page.locator('.sts-card header').innerText();
    assert(/web/.test(head) && /3\/3 ready/.test(head) && /service nginx/.test(head), `header: ${head}`);
    const rows = page.locator('.sts-replica');
    assert(await rows.count() === 3, `${await rows.count()} replicas`);
    for (let i = 0; i < 3; i++) {
      const row = await rows.nth(i).innerText();
      assert(row.includes(`web-${i}`) && /Running/.test(row), `replica ${i}: ${row}`);
      assert(row.includes(`www-web-${i}`) && /Bound/.test(row), `replica ${i} claim: ${row}`);
      assert(row.includes(`web-${i}.nginx.default.svc.cluster.local`), `replica ${i} DNS: ${row}`);
    }
    const dns = await page.locator('.dns-table').innerText();
    assert(/web-0\.nginx\.default\.svc\.cluster\.local\.\s+A\s+10\.244\./.test(dns), `DNS records: ${dns.slice(0, 400)}`);
    assert(/_web\._tcp\.nginx\.default\.svc\.cluster\.local\.\s+SRV/.test(dns), `no SRV record: ${dns.slice(0, 400)}`);
    if (SHOTS) {
      await page.screenshot({ path: `${SHOTS}/statefulsets-light.png` });
      await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'dark'));
      await page.screenshot({ path: `${SHOTS}/statefulsets-dark.png` });
      await page.locator('.dns-card').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SHOTS}/dns-dark.png` });
      await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
    }
  });

  await check('node cards show the volumes attached to them', async () => {
    await page.getByRole('tab', { name: /Cluster/ }).click();
    await page.waitForSelector('.node-card', { timeout: 5000 });
    const badges = await page.locator('.volume-badge text').allTextContents();
    const total = badges.map((b) => parseInt(b, 10)).reduce((a, b) => a + b, 0);
    assert(total === 3, `volume badges: ${badges}`);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/cluster-volumes-light.png` });
  });

  await check('a WaitForFirstConsumer claim without a pod says it waits for one', async () => {
    await loadExample(/WaitForFirstConsumer/i, 'storageclass.storage.k8s.io/zonal-ssd created');
    await page.getByRole('tab', { name: /Storage/ }).click();
    await page.waitForSelector('.sg-group', { timeout: 5000 });
    const why = await page.locator('.sg-why').filter({ hasText: 'cache-data' }).innerText();
    assert(why.includes('WaitForFirstConsumer waiting for first consumer to be created before binding'), `why box: ${why}`);
    if (SHOTS) {
      await page.screenshot({ path: `${SHOTS}/storage-wffc-light.png` });
      await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'dark'));
      await page.screenshot({ path: `${SHOTS}/storage-wffc-dark.png` });
      await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
    }
  });

  await check('after the reclaim example, the Retain volume is Released and the Recycle one Available', async () => {
    await loadExample(/Reclaim policies/, 'pod "app" deleted');
    await page.getByRole('tab', { name: /Storage/ }).click();
    await page.waitForSelector('.sg-group', { timeout: 5000 });
    const released = await page.locator('.sg-volume.bad[title="keep-me"]').innerText();
    assert(/keep-me/.test(released) && /Released/.test(released) && /Retain/.test(released) && /claimRef default\/keep/.test(released), `released volume: ${released}`);
    // A static hostPath volume outside /tmp cannot be deleted: the recycler's Failed phase.
    const failed = await page.locator('.sg-volume.bad[title="by-hand"]').innerText();
    assert(/Failed/.test(failed), `by-hand volume: ${failed}`);
    const available = await page.locator('.sg-volume.info').innerText();
    assert(/scrub-me/.test(available) && /Available/.test(available) && /Recycle/.test(available), `available volume: ${available}`);
    const claims = await page.locator('.sg-claim').count();
    assert(claims === 0, `${claims} claims left`);
    if (SHOTS) {
      await page.screenshot({ path: `${SHOTS}/storage-reclaim-light.png` });
    }
  });

  await check('access modes: a disk class asked for ReadWriteMany says why in the claim\'s words', async () => {
    await loadExample(/StorageClasses, PersistentVolumes and claims/, 'persistentvolumeclaim/shared-aws created');
    await page.getByRole('tab', { name: /Storage/ }).click();
    await page.waitForSelector('.sg-group', { timeout: 5000 });
    const aws = await page.locator('.sg-why').filter({ hasText: 'shared-aws' }).innerText();
    assert(aws.includes('failed to provision volume with StorageClass "slow-aws": rpc error: code = InvalidArgument desc = Volume capabilities not supported'), `why box: ${aws}`);
    const local = await page.locator('.sg-why').filter({ hasText: 'shared-local' }).innerText();
    assert(local.includes('NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes'), `why box: ${local}`);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/storage-access-modes-light.png` });
  });

  await check('multi-attach: the second node\'s pod shows the attach error in "why here?"', async () => {
    await loadExample(/ReadWriteOnce means one node/, 'pod "reader-1" deleted');
    // Before the deletions the disk is held by kind-worker: show the state after the apply.
    const editor = page.locator('textarea').first();
    const text = await editor.inputValue();
    await editor.fill(text.split('$ kubectl delete')[0]);
    await page.getByRole('tab', { name: /Cluster/ }).click();
    await page.waitForSelector('svg.node-card .pod-chip[aria-label^="Pod writer-2,"]', { timeout: 20000 });
    await page.locator('svg.node-card .pod-chip[aria-label^="Pod writer-2,"]').click();
    await page.waitForFunction(() => {
      const s = document.querySelector('section.why-here');
      return s && s.innerText.includes('Multi-Attach error');
    }, null, { timeout: 5000 });
    const why = await page.locator('section.why-here').innerText();
    assert(/FailedAttachVolume: Multi-Attach error for volume "pvc-[0-9a-f-]+" Volume is already used by pod\(s\) writer-1$/m.test(why), `why-here: ${why.slice(0, 500)}`);
    if (SHOTS) {
      await page.screenshot({ path: `${SHOTS}/multi-attach-light.png` });
      await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'dark'));
      await page.screenshot({ path: `${SHOTS}/multi-attach-dark.png` });
      await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
    }
    await page.getByRole('button', { name: 'Close the why-here panel' }).click();
  });

  await check('console: kubectl exec names the default container and says what would run', async () => {
    await loadExample(/Multi-container pods/, 'pod/app-with-adapter created');
    const input = page.getByPlaceholder(/kubectl get pods/);
    await input.fill('kubectl exec app-with-adapter -- cat /var/log/status.txt');
    await input.press('Enter');
    await page.waitForFunction(() => document.body.innerText.includes('Defaulted container "app" out of: app, exporter'), null, { timeout: 10000 });
    const body = await page.locator('body').innerText();
    assert(/kubelet would run `cat \/var\/log\/status\.txt` in container "app" of pod default\/app-with-adapter/.test(body), 'no note on what would run');
    await input.fill('kubectl exec app-with-adapter -c proxy -- ls');
    await input.press('Enter');
    await page.waitForFunction(() => document.body.innerText.includes('Error from server (BadRequest): container proxy is not valid for pod app-with-adapter'), null, { timeout: 10000 });
  });

  await check('1.20: DenyEscalatingExec refuses exec into a privileged pod, in the results and the console', async () => {
    await loadExample(/DenyEscalatingExec/, 'cannot exec into or attach to a privileged container');
    const body = await page.locator('body').innerText();
    assert(body.includes('Error from server (Forbidden): pods "node-debugger" is forbidden: cannot exec into or attach to a container using host pid'), 'no host pid refusal');
    const version = await page.locator('header .version').innerText();
    assert(/v1\.20$/.test(version.trim()), `the header shows ${JSON.stringify(version)}, not v1.20`);
    const input = page.getByPlaceholder(/kubectl get pods/);
    await input.fill('kubectl get nodes');
    await input.press('Enter');
    await page.waitForFunction(() => document.body.innerText.includes('control-plane,master'), null, { timeout: 10000 });
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/deny-escalating-exec-light.png` });
  });

  await check('the version menu rewrites the Settings document: on 1.21 the exec plugins are gone', async () => {
    await page.locator('header select.version-select').selectOption('21');
    await page.waitForFunction(() => document.body.innerText.includes('plugin "DenyEscalatingExec" is unknown'), null, { timeout: 15000 });
    const text = await page.locator('textarea').first().inputValue();
    assert(text.includes('kubernetesVersion: "1.21"'), 'the editor does not say 1.21');
    const picked = await page.locator('header select.version-select').inputValue();
    assert(picked === '21', `the menu shows ${picked}`);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/version-menu-light.png` });
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.waitForFunction(() => document.querySelector('textarea').value.includes('kubernetesVersion: "1.20"'), null, { timeout: 10000 });
  });

  await check('no uncaught errors in the page', async () => {
    assert(errors.length === 0, errors.join('\n'));
  });

  await browser.close();
  console.log(`${passed} passed, ${failures} failed`);
  process.exit(failures === 0 ? 0 : 1);
})().catch((e) => { console.error(e); console.log(`${passed} passed, ${failures + 1} failed`); process.exit(1); });
