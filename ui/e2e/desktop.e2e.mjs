// End-to-end test of the real DealerDesk desktop binary in a real window (run under Xvfb),
// driven through WebDriver: tauri-driver + Debian's WebKitWebDriver.
//
// A fresh, non-demo database is created with the CLI, so MFA is real: the test signs in with a
// password, enrols TOTP from the secret shown on screen (computing codes as an authenticator
// app would), creates a customer, finds it by search and opens it. A screenshot of each step
// goes to target/e2e/.
//
//   xvfb-run -a node ui/e2e/desktop.e2e.mjs
// Env: DEALERDESK_E2E_APP (desktop binary), DEALERDESK_E2E_CLI (CLI binary); default: target/debug.

import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { remote } from 'webdriverio';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const app = process.env.DEALERDESK_E2E_APP ?? join(root, 'target/debug/dealerdesk-desktop');
const cli = process.env.DEALERDESK_E2E_CLI ?? join(root, 'target/debug/dealerdesk');
const shots = join(root, 'target/e2e');
const port = Number(process.env.DEALERDESK_E2E_PORT ?? 4444);
const USER = 'e2e.sales';
const FINANCE = 'e2e.finance';
const PASSWORD = 'e2e test passphrase 42';

mkdirSync(shots, { recursive: true });
// Exported PDFs are written but not handed to a desktop viewer during the test.
process.env.DEALERDESK_NO_OPEN = '1';
const work = mkdtempSync(join(tmpdir(), 'dealerdesk-e2e-'));
const db = join(work, 'desk.db');

// --- TOTP (RFC 6238), as an authenticator app computes it --------------------------------
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of text.replace(/=+$/, '').toUpperCase()) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}
function totp(secret, when = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(when / 1000 / 30)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

// --- set-up: a real database with one sales account, no MFA enrolled yet ---------------------
execFileSync(cli, ['--db', db, 'init'], { stdio: 'ignore' });
execFileSync(cli, ['--db', db, 'staff', 'add', USER, '--name', 'Erin Tester', '--role', 'sales', '--password-stdin'], {
  input: `${PASSWORD}\n`,
  stdio: ['pipe', 'ignore', 'inherit'],
});

// Offline OFAC list (fictional fixture entries) and one vehicle on the lot.
execFileSync(
  cli,
  ['--db', db, 'sanctions', 'import', '--sdn', join(root, 'tests/fixtures/ofac/sdn.csv'), '--alt', join(root, 'tests/fixtures/ofac/alt.csv'), '--add', join(root, 'tests/fixtures/ofac/add.csv')],
  { stdio: 'ignore' },
);
execFileSync(
  cli,
  ['--db', db, 'vehicle', 'add', '--vin', '1HGCM82633A004352', '--make', 'Honda', '--model', 'Accord', '--trim', 'EX', '--mileage', '98000', '--price', '8900.00', '--condition', 'used'],
  { stdio: 'ignore' },
);

// --- a hub for the desk to sync with (only with DEALERDESK_TEST_DATABASE_URL, a real PostgreSQL) --
// The hub gets a fresh database, its state directory under `work`, and a fixed loopback port so
// it can be killed and started again at the same address. The desk is enrolled by the CLI (its
// operator holds every role) before the window opens, so the app starts its background sync.
const pgUrl = process.env.DEALERDESK_TEST_DATABASE_URL;
const hub = { url: null, base: null, env: null, bind: null, child: null, database: null };
function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port: p } = s.address();
      s.close(() => ok(p));
    });
  });
}
/** Starts `hub serve` on hub.bind; resolves with its https:// address from the first stderr line. */
function serveHub() {
  return new Promise((ok, fail) => {
    const child = spawn(cli, ['hub', 'serve', '--bind', hub.bind], { env: hub.env, stdio: ['ignore', 'ignore', 'pipe'] });
    hub.child = child;
    let first = '';
    let done = false;
    child.stderr.on('data', (chunk) => {
      if (done) return; // keep draining so the hub never blocks on a full pipe
      first += chunk.toString();
      const nl = first.indexOf('\n');
      if (nl < 0) return;
      done = true;
      const base = first.slice(0, nl).split(/\s+/).find((w) => w.startsWith('https://'));
      if (base) ok(base);
      else fail(new Error(`hub serve said: ${first.slice(0, nl)}`));
    });
    child.on('exit', (code) => {
      if (!done) fail(new Error(`hub serve exited with ${code}: ${first}`));
    });
  });
}
function stopHub(signal = 'SIGKILL') {
  return new Promise((ok) => {
    const child = hub.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return ok();
    child.once('exit', () => ok());
    child.kill(signal);
  });
}
if (pgUrl) {
  hub.database = `dealerdesk_e2e_${process.pid}_${Date.now()}`;
  execFileSync('psql', [pgUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c', `CREATE DATABASE ${hub.database}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const u = new URL(pgUrl);
  u.pathname = `/${hub.database}`;
  hub.url = u.toString();
  hub.env = {
    ...process.env,
    DEALERDESK_HUB_DATABASE_URL: hub.url,
    DEALERDESK_HUB_STATE_DIR: join(work, 'hub-state'),
    DEALERDESK_HUB_ADMIN_PASSWORD: 'e2e hub admin passphrase',
  };
  execFileSync(cli, ['hub', 'init', '--group', 'E2E', '--admin', 'e2eadmin'], { env: hub.env, stdio: ['ignore', 'ignore', 'inherit'] });
  // A finance manager on the e2e desk, for the sync conflicts inbox (staff stay on their desk).
  execFileSync(cli, ['--db', db, 'staff', 'add', FINANCE, '--name', 'Fran Okafor', '--role', 'finance-manager', '--password-stdin'], {
    input: `${PASSWORD}\n`,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  hub.bind = `127.0.0.1:${await freePort()}`;
  hub.base = await serveHub();
  const code = JSON.parse(execFileSync(cli, ['hub', 'enrol-code', '--rooftop', 'Showroom', '--json'], { env: hub.env, encoding: 'utf8' })).code;
  execFileSync(cli, ['--db', db, 'sync', 'enrol', '--hub', hub.base, '--code', code, '--name', 'E2E desk'], { stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`     hub at ${hub.base}; the e2e desk is enrolled`);
} else {
  console.log('notice: DEALERDESK_TEST_DATABASE_URL is not set: the sync steps (hub, header states) are skipped');
}

// tauri-driver starts WebKitWebDriver on a second port; keep both ours so parallel runs do not clash.
const driver = spawn('tauri-driver', ['--port', String(port), '--native-port', String(port + 1)], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
async function waitForDriver() {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/status`);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('tauri-driver did not start');
}

let browser;
let passed = 0;
let failed = 0;
let shot = 0;
const $t = (id) => browser.$(`[data-testid="${id}"]`);

// While working on one step: DEALERDESK_E2E_ONLY=<part of its name> runs only the steps that
// match, several parts separated by `|` (later steps may need what earlier ones made; the full
// run is the test).
const only = process.env.DEALERDESK_E2E_ONLY?.split('|').filter(Boolean);
async function step(name, body) {
  if (only && !only.some((part) => name.includes(part))) {
    console.log(`skip ${name}`);
    return;
  }
  const file = join(shots, `${String(++shot).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
  try {
    await body();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n     ${e?.stack ?? e}`);
  } finally {
    await browser.saveScreenshot(file).catch(() => {});
  }
}

/** Sets an input/select by its name attribute the way typing would (Svelte listens to input). */
async function fill(name, value) {
  const el = await browser.$(`[name="${name}"]`);
  await el.waitForExist({ timeout: 5000 });
  await browser.execute(
    (n, v) => {
      const input = document.querySelector(`[name="${n}"]`);
      input.focus();
      input.value = v;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
    },
    name,
    value,
  );
}

try {
  await waitForDriver();
  browser = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'warn',
    capabilities: { 'tauri:options': { application: app, args: ['--db', db] } },
  });

  await step('sign in with password and TOTP enrolment', async () => {
    await $t('signin-username').waitForDisplayed({ timeout: 15000 });
    await $t('signin-username').setValue(USER);
    await $t('signin-password').setValue(PASSWORD);
    await $t('signin-submit').click();
    await $t('mfa-secret').waitForDisplayed({ timeout: 10000 });
    const secret = (await $t('mfa-secret').getText()).replace(/\s+/g, '');
    await $t('mfa-code').setValue(totp(secret));
    await $t('mfa-submit').click();
    await $t('home-figures').waitForDisplayed({ timeout: 10000 });
    const who = await $t('who').getText();
    if (!who.includes('Erin Tester')) throw new Error(`signed-in name not shown: ${who}`);
  });

  if (hub.base) {
    const syncText = async () => ((await $t('sync-state').isExisting()) ? (await $t('sync-state').getText()).trim() : '');
    const waitSync = (test, what, timeout) =>
      browser.waitUntil(async () => test(await syncText()), { timeout, interval: 250, timeoutMsg: `the header never said ${what}` });

    await step('sync: the header says Synced on an enrolled desk', async () => {
      await waitSync((t) => t === 'Synced', 'Synced', 30000);
      const title = await $t('sync-state').getAttribute('title');
      if (!/^Last synced /.test(title ?? '')) throw new Error(`tooltip: ${title}`);
      // A sales user has no conflicts inbox, in the header or the navigation.
      if (await $t('sync-conflicts').isExisting()) throw new Error('a sales user sees the conflicts count');
      if (await $t('nav-sync-conflicts').isExisting()) throw new Error('a sales user sees the conflicts inbox');
    });

    await step('sync: the hub is killed, the header says Offline since …, and a change waits', async () => {
      await stopHub('SIGKILL');
      await $t('sync-now').click();
      await waitSync((t) => /^Offline since \d\d:\d\d/.test(t), 'Offline since HH:MM', 20000);
      const title = await $t('sync-state').getAttribute('title');
      if (!/could not be reached/.test(title ?? '')) throw new Error(`no reason in the tooltip: ${title}`);
      // A change on this desk (made by the CLI beside the open window) waits for the hub.
      execFileSync(
        cli,
        ['--db', db, 'vehicle', 'add', '--vin', '1FTFW1ET9DFC10312', '--make', 'Ford', '--model', 'F-150', '--trim', 'XLT', '--mileage', '64000', '--price', '18900.00', '--condition', 'used'],
        { stdio: 'ignore' },
      );
      await waitSync((t) => /^Offline since \d\d:\d\d · \d+ changes? waiting$/.test(t), 'Offline since … · N changes waiting', 20000);
      console.log(`     ${await syncText()}`);
    });

    await step('sync: the hub is back on the same port, the header says Synced again by itself', async () => {
      const base = await serveHub();
      if (base !== hub.base) throw new Error(`the hub came back at ${base}, not ${hub.base}`);
      // No click: the background task retries (15 s, 30 s, then every 60 s while offline).
      await waitSync((t) => t === 'Synced', 'Synced', 90000);
      const st = JSON.parse(execFileSync(cli, ['--db', db, 'sync', 'status', '--json'], { encoding: 'utf8' }));
      if (st.waiting !== 0 || st.offline_since) throw new Error(`the desk says ${JSON.stringify(st)}`);
    });
  } else {
    console.log('skip sync steps (no DEALERDESK_TEST_DATABASE_URL)');
    await step('a desk that is not enrolled shows no sync state in the header', async () => {
      await $t('who').waitForDisplayed({ timeout: 5000 });
      await browser.pause(1500); // the header has asked Rust where sync stands by now
      if (await $t('sync-indicator').isExisting()) throw new Error('a desk on its own shows a sync indicator');
    });
  }

  await step('create a customer', async () => {
    await $t('nav-customers').click();
    await $t('customer-new').waitForClickable({ timeout: 5000 });
    await $t('customer-new').click();
    await fill('given_name', 'Maria');
    await fill('family_name', 'Gonzalez');
    await fill('dob', '03/09/1984');
    await fill('ssn', '123-45-6789');
    await fill('phone', '(214) 555-0187');
    await fill('email', 'maria.gonzalez@example.com');
    await fill('address.line1', '4821 Lakeview Dr');
    await fill('address.city', 'Dallas');
    await fill('address.state', 'TX');
    await fill('address.zip', '75201');
    await fill('address.since', '2019-06-01');
    await fill('monthly_income', '6250.00');
    await $t('customer-save').click();
    await $t('customer-name').waitForDisplayed({ timeout: 10000 });
    const name = await $t('customer-name').getText();
    if (name !== 'Maria Gonzalez') throw new Error(`detail shows ${name}`);
    const ssn = await $t('pii-ssn').getText();
    if (!ssn.includes('6789') || ssn.includes('123-45')) throw new Error(`SSN not masked: ${ssn}`);
  });

  await step('find the customer by search', async () => {
    await $t('nav-customers').click();
    await $t('customer-search').waitForDisplayed({ timeout: 5000 });
    await $t('customer-search').setValue('gonz');
    await browser.waitUntil(async () => (await browser.$$('[data-testid="customer-row"]').length) === 1, {
      timeout: 5000,
      timeoutMsg: 'exactly one search result expected',
    });
    const row = await $t('customer-row').getText();
    if (!row.includes('Maria Gonzalez')) throw new Error(`result row: ${row}`);
  });

  await step('open the customer from the results', async () => {
    // WebKitWebDriver will not click a <tr> itself; click the name cell, as a person would.
    await (await $t('customer-row')).$('td').click();
    await $t('customer-name').waitForDisplayed({ timeout: 5000 });
    const name = await $t('customer-name').getText();
    if (name !== 'Maria Gonzalez') throw new Error(`opened ${name}`);
  });

  await step('scan a licence into a new customer form', async () => {
    await $t('nav-customers').click();
    await $t('customer-new').waitForClickable({ timeout: 5000 });
    await $t('customer-new').click();
    // Typed key by key, as a keyboard-wedge scanner does: it sends CR as Enter and drops the
    // unprintable record separator.
    const payload = readFileSync(join(root, 'tests/fixtures/aamva/tx-v10.txt'), 'latin1')
      .replaceAll('\x1e', '')
      .replaceAll('\r', '\n');
    // WebDriver types a line end as the Enter key (U+E007), as the scanner presses it.
    const keys = payload.replaceAll('\n', '\uE007');
    const box = await $t('licence-scan-input');
    await box.waitForDisplayed({ timeout: 5000 });
    await box.click();
    const typed = Date.now();
    await box.addValue(keys);
    console.log(`     typed ${payload.length} characters in ${Date.now() - typed} ms`);
    await $t('licence-scan-result').waitForDisplayed({ timeout: 15000 });
    const expect = {
      given_name: 'Maria',
      middle_name: 'Elena',
      family_name: 'Gonzalez',
      dob: '03/09/1984',
      licence_number: 'T12345678',
      licence_state: 'TX',
      'address.line1': '4821 Lakeview Dr',
      'address.city': 'Dallas',
      'address.state': 'TX',
      'address.zip': '75201',
    };
    for (const [name, want] of Object.entries(expect)) {
      const got = await (await browser.$(`[name="${name}"]`)).getValue();
      if (got !== want) throw new Error(`${name}: form shows "${got}", card says "${want}"`);
    }
    await fill('ssn', '123-45-6781');
    await fill('phone', '(214) 555-0142');
    await fill('address.since', '2018-02-01');
    await fill('monthly_income', '5400.00');
    await $t('customer-save').click();
    await $t('customer-name').waitForDisplayed({ timeout: 10000 });
    const name = await $t('customer-name').getText();
    if (!name.startsWith('Maria') || !name.endsWith('Gonzalez')) throw new Error(`detail shows ${name}`);
  });

  await step('run the identity check and see the checklist', async () => {
    // The licence scanned on the form is handed to the check; nothing to scan again.
    const box = await $t('identity-payload');
    await box.waitForDisplayed({ timeout: 5000 });
    if (!(await box.getValue()).includes('ANSI')) throw new Error('the scanned licence was not handed to the check');
    await $t('identity-run').click();
    await $t('identity-record').waitForDisplayed({ timeout: 10000 });
    const status = await $t('identity-status').getText();
    const rules = await browser.$$('[data-testid="identity-rule"]');
    const texts = [];
    for (const r of rules) texts.push(`${await r.getAttribute('data-rule')}=${await r.getAttribute('data-status')}`);
    if (rules.length < 8) throw new Error(`only ${rules.length} rules shown: ${texts.join(', ')}`);
    if (status !== 'Verified') throw new Error(`status ${status}; rules: ${texts.join(', ')}`);
    const screen = await $t('identity-sanctions').getText();
    if (!/List version \d+/.test(screen)) throw new Error(`no list version shown: ${screen}`);
  });

  await step('issue an access link with its QR code, then revoke it', async () => {
    await $t('link-issue').scrollIntoView();
    await $t('link-issue').click();
    await $t('link-qr-full').waitForDisplayed({ timeout: 10000 });
    const svg = await browser.execute(() => document.querySelector('[data-testid="link-qr-full"] svg')?.outerHTML.length ?? 0);
    if (svg < 500) throw new Error('no QR code on the full-screen view');
    await browser.keys('Escape');
    const url = await $t('link-url').getText();
    if (!/\/l\/[A-Za-z0-9_-]{43}$/.test(url)) throw new Error(`link address looks wrong: ${url}`);
    await browser.waitUntil(async () => (await $t('link-state').getText()) === 'Issued', { timeout: 10000 });
    await $t('link-print-handout').click();
    await $t('link-handout-path').waitForDisplayed({ timeout: 10000 });
    const handout = (await $t('link-handout-path').getText()).replace(/^Handout saved as /, '').trim();
    const handoutText = execFileSync('pdftotext', [handout, '-'], { encoding: 'utf8' });
    if (!handoutText.replace(/\s+/g, '').includes(url.replace(/\s+/g, '').slice(-20))) {
      throw new Error('the handout does not print the link address');
    }
    await $t('link-revoke').click();
    await browser.waitUntil(async () => (await $t('link-state').getText()) === 'Revoked', {
      timeout: 10000,
      timeoutMsg: 'the link was not shown as revoked',
    });
  });

  await step('desk a deal with three options priced as you type', async () => {
    await $t('customer-start-deal').click();
    await $t('deal-vehicle').waitForDisplayed({ timeout: 5000 });
    await $t('deal-vehicle').click();
    await $t('deal-vehicle').addValue('accord');
    await $t('deal-vehicle-option').waitForDisplayed({ timeout: 5000 });
    await browser.keys('Enter');
    await $t('deal-vehicle-picked').waitForDisplayed({ timeout: 5000 });
    await fill('options.2.residual', '5200.00');
    await browser.waitUntil(async () => (await browser.$$('[data-testid="option-payment"]').length) === 3, {
      timeout: 10000,
      timeoutMsg: 'three priced options expected',
    });
    // Typing a term re-prices the option; time each round trip from keystroke to figures.
    const timings = [];
    for (const term of ['48', '54', '66', '60']) {
      const t = await browser.execute(async (value) => {
        const input = document.querySelector('[name="options.0.term"]');
        const out = document.querySelectorAll('[data-testid="option-payment"]')[0];
        const before = out.textContent;
        const changed = new Promise((resolve) => {
          const seen = new MutationObserver(() => {
            if (out.textContent !== before) {
              seen.disconnect();
              resolve(performance.now());
            }
          });
          seen.observe(out, { childList: true, characterData: true, subtree: true });
          setTimeout(() => resolve(Number.NaN), 2000);
        });
        const t0 = performance.now();
        input.value = value;
        input.dispatchEvent(new Event('input', { bubbles: true }));
        return (await changed) - t0;
      }, term);
      timings.push(Math.round(t * 10) / 10);
    }
    const ipc = await browser.execute(() => document.querySelector('[data-testid="deal-roundtrip"]')?.textContent ?? '');
    console.log(`     deal screen recalculation (input event to new figures in the DOM), ms: ${timings.join(', ')}; last IPC round trip: ${ipc}`);
    if (timings.some((t) => Number.isNaN(t))) throw new Error('a change of term did not re-price the option');
    // One frame (16 ms) is the target for the release build; debug builds under Xvfb are slower,
    // so the strict check is opt-in (DEALERDESK_E2E_FRAME_MS=16 with release binaries).
    const frame = Number(process.env.DEALERDESK_E2E_FRAME_MS ?? 250);
    if (timings.some((t) => t > frame)) throw new Error(`a recalculation took over ${frame} ms: ${timings.join(', ')}`);
    await $t('deal-schedule-toggle').click();
    await $t('deal-schedule').waitForDisplayed({ timeout: 5000 });
    await $t('deal-save').click();
    await $t('deal-title').waitForDisplayed({ timeout: 5000 });
    await browser.waitUntil(async () => (await $t('deal-title').getText()).startsWith('Deal for'), {
      timeout: 10000,
      timeoutMsg: 'the deal was not saved',
    });
  });

  if (hub.base) {
    await step('sync: a second desk changes the same deal later; the finance manager reviews the conflict in the inbox', async () => {
      const dd = (file, args, input) => {
        try {
          return execFileSync(cli, ['--db', file, ...args], { encoding: 'utf8', input, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
        } catch (e) {
          throw new Error(`dealerdesk ${args.slice(0, 2).join(' ')}: ${e.stdout || e.stderr || e.message}`, { cause: e });
        }
      };
      // The background sync has sent the deal desked in the window (the store says so; the
      // header may still show its last poll).
      await browser.waitUntil(async () => JSON.parse(dd(db, ['sync', 'status', '--json'])).waiting === 0, {
        timeout: 45000,
        interval: 1000,
        timeoutMsg: 'the deal was not synced',
      });
      // Desk B (a second desk of the group, by the CLI) takes everything the window's desk made.
      const b = join(work, 'desk-b.db');
      dd(b, ['init']);
      // Staff stay on their desk: B has its own account for the deal's salesperson.
      dd(b, ['staff', 'add', USER, '--name', 'Erin Tester', '--role', 'sales', '--password-stdin'], `${PASSWORD}\n`);
      const code = JSON.parse(execFileSync(cli, ['hub', 'enrol-code', '--rooftop', 'Showroom', '--json'], { env: hub.env, encoding: 'utf8' })).code;
      dd(b, ['sync', 'enrol', '--hub', hub.base, '--code', code, '--name', 'E2E desk B']);
      dd(b, ['sync', 'now', '--json']);
      const deal = JSON.parse(dd(db, ['deal', 'list', '--json'])).deals[0];
      if (!deal) throw new Error('no deal on the e2e desk');
      /** Saves the deal again with new notes, as the deal screen would. */
      const saveNotes = (file, notes) => {
        const d = JSON.parse(dd(file, ['deal', 'show', deal.id, '--json'])).deal;
        const input = {
          customer_id: d.customer_id, vehicle_id: d.vehicle_id, salesperson: d.salesperson, status: d.status, notes,
          options: d.options.map((o) => ({ label: o.label, selected: o.selected, monthly_payment: o.monthly_payment, terms: o.terms })),
        };
        dd(file, ['deal', 'save', '--id', deal.id, '--json'], JSON.stringify(input));
      };
      // The hub goes down; this desk changes the deal's notes, B changes them a little later.
      await stopHub('SIGKILL');
      saveNotes(db, 'Trade-in appraised at $4,000 (this desk)');
      await new Promise((r) => setTimeout(r, 50));
      saveNotes(b, 'Customer asked for 60 months (desk B)');
      // The hub is back: B's later change wins, and this desk's version waits for review here.
      const base = await serveHub();
      if (base !== hub.base) throw new Error(`the hub came back at ${base}`);
      dd(b, ['sync', 'now', '--json']);
      await browser.waitUntil(
        async () => JSON.parse(dd(db, ['sync', 'status', '--json'])).open_conflicts >= 1,
        { timeout: 90000, interval: 1000, timeoutMsg: 'no conflict was recorded on this desk' },
      );
      // A sales user sees no count; the finance manager signs in (enrolling TOTP) and sees it.
      if (await $t('sync-conflicts').isExisting()) throw new Error('a sales user sees the conflicts count');
      await (await browser.$('button=Sign out')).click();
      await $t('signin-username').waitForDisplayed({ timeout: 10000 });
      await $t('signin-username').setValue(FINANCE);
      await $t('signin-password').setValue(PASSWORD);
      await $t('signin-submit').click();
      await $t('mfa-secret').waitForDisplayed({ timeout: 10000 });
      const secret = (await $t('mfa-secret').getText()).replace(/\s+/g, '');
      await $t('mfa-code').setValue(totp(secret));
      await $t('mfa-submit').click();
      await $t('sync-conflicts').waitForDisplayed({ timeout: 20000 });
      const count = (await $t('sync-conflicts').getText()).trim();
      if (!/^\d+ conflicts? to review$/.test(count)) throw new Error(`the header says ${count}`);
      await $t('sync-conflicts').click();
      await $t('conflict').waitForDisplayed({ timeout: 10000 });
      const texts = [];
      for (const c of await browser.$$('[data-testid="conflict"]')) texts.push(await c.getText());
      const mine = texts.find((t) => /^Deal/.test(t) && t.includes('(this desk)') && t.includes('(desk B)'));
      if (!mine) throw new Error(`no conflict shows both deal notes: ${texts.join(' || ')}`);
      console.log(`     ${count}: the deal's notes, this desk's against desk B's`);
      await browser.saveScreenshot(join(shots, 'sync-conflicts-inbox.png')).catch(() => {});
      // Each is marked reviewed with a note; the inbox ends empty and so does the desk's count.
      for (let i = 0; i < 5 && (await $t('conflict').isExisting()); i++) {
        const before = (await browser.$$('[data-testid="conflict"]')).length;
        const item = await $t('conflict');
        await (await item.$('textarea')).setValue("B's terms stand; the trade-in is noted on the jacket");
        await (await item.$('[data-testid="conflict-review"]')).click();
        await browser.waitUntil(async () => (await browser.$$('[data-testid="conflict"]')).length < before, {
          timeout: 10000,
          timeoutMsg: 'the conflict stayed in the inbox',
        });
      }
      await $t('conflicts-empty').waitForDisplayed({ timeout: 5000 });
      const st = JSON.parse(dd(db, ['sync', 'status', '--json']));
      if (st.open_conflicts !== 0) throw new Error(`the desk still counts ${st.open_conflicts} open conflict(s)`);
    });
  }

  // --- a demo database: the finance manager's side of credit applications ------------------
  await browser.deleteSession().catch(() => {});
  const demoDb = join(work, 'demo.db');
  // 10,000 load-test copies of the demo's applications for the pipeline's first-paint figure.
  const demo = JSON.parse(
    execFileSync(cli, ['--db', demoDb, 'demo', '--pipeline-copies', '10000', '--json'], { encoding: 'utf8' }),
  );
  const deals = JSON.parse(execFileSync(cli, ['--db', demoDb, 'deal', 'list', '--json'], { encoding: 'utf8' })).deals;
  const loanDeal = deals.find((d) => d.kind === 'loan' && d.status === 'open') ?? deals.find((d) => d.kind === 'loan');
  const manager = demo.staff.find((s) => s.role === 'finance_manager');
  const json = (...args) => JSON.parse(execFileSync(cli, ['--db', demoDb, ...args, '--json'], { encoding: 'utf8' }));
  // For the full application chain: a demo customer whose identity is verified, with no
  // application yet and not the contract step's customer; the cheapest used car in stock; a PDF.
  const chain = {
    customer: [...new Set(deals.map((d) => d.customer_id))].find(
      (c) =>
        c !== loanDeal?.customer_id &&
        json('application', 'list', '--customer', c, '--limit', '1').total === 0 &&
        json('identity', 'show', c).status === 'verified',
    ),
    car: json('vehicle', 'list')
      .vehicles.filter((v) => v.status === 'in_stock' && v.condition === 'used')
      .sort((a, b) => Number(a.price) - Number(b.price))[0],
    lenders: json('lender', 'list').lenders,
    document: join(work, 'proof-of-insurance.pdf'),
  };
  chain.vin = chain.car?.vin;
  chain.price = Number(chain.car?.price ?? 0);
  writeFileSync(
    chain.document,
    '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
  );
  browser = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'warn',
    capabilities: { 'tauri:options': { application: app, args: ['--db', demoDb] } },
  });

  // The finance manager signs in (a demo database: no TOTP); every demo step needs it.
  await $t('signin-username').waitForDisplayed({ timeout: 15000 });
  await $t('signin-username').setValue(manager.username);
  await $t('signin-password').setValue(manager.password);
  await $t('signin-submit').click();
  await $t('nav-applications').waitForClickable({ timeout: 10000 });

  await step('demo: the finance manager sees the application pipeline', async () => {
    await $t('nav-applications').click();
    await browser.waitUntil(async () => (await browser.$$('[data-testid="application-row"]').length) >= 10, {
      timeout: 10000,
      timeoutMsg: 'the demo applications are not listed',
    });
    const states = await browser.execute(() =>
      [...document.querySelectorAll('[data-testid="application-row"] [data-state]')].map((e) => e.getAttribute('data-state')),
    );
    if (new Set(states).size < 5) throw new Error(`only these states: ${states.join(', ')}`);
  });

  await step('demo: a submitted application gets the lender decision and shows the decision assist', async () => {
    await browser.execute(() => {
      const select = document.querySelector('[data-testid="application-state-filter"]');
      select.value = 'submitted';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await browser.waitUntil(
      async () => {
        const rows = await browser.$$('[data-testid="application-row"]');
        return rows.length >= 1 && (await rows[0].$('[data-state]').getAttribute('data-state')) === 'submitted';
      },
      { timeout: 10000, timeoutMsg: 'no submitted application in the demo' },
    );
    await (await $t('application-row')).$('td').click();
    await $t('application-assist').waitForDisplayed({ timeout: 10000 });
    const lenders = await browser.$$('[data-testid="assist-row"]');
    if (lenders.length < 3) throw new Error(`decision assist shows ${lenders.length} lenders`);
    // The built-in lender simulator answers after a few seconds; the screen polls for it.
    await browser.waitUntil(async () => (await $t('application-state').getAttribute('data-state')) !== 'submitted', {
      timeout: 20000,
      timeoutMsg: 'no lender decision arrived',
    });
    await $t('application-decisions').waitForDisplayed({ timeout: 5000 });
  });

  await step('demo: the pipeline paints ten thousand applications in a virtualised table', async () => {
    const ms = await browser.execute(async () => {
      const t0 = performance.now();
      const painted = new Promise((resolve) => {
        const seen = () => document.querySelector('[data-testid="pipeline-row"]');
        if (seen()) return resolve(performance.now());
        const mo = new MutationObserver(() => {
          if (seen()) {
            mo.disconnect();
            requestAnimationFrame(() => resolve(performance.now()));
          }
        });
        mo.observe(document.body, { childList: true, subtree: true });
        setTimeout(() => resolve(Number.NaN), 15000);
      });
      document.querySelector('[data-testid="nav-pipeline"]').click();
      return (await painted) - t0;
    });
    const caption = await $t('pipeline-caption').getText();
    const rows = (await browser.$$('[data-testid="pipeline-row"]')).length;
    console.log(`     pipeline first paint (click to first row painted), ms: ${Math.round(ms)}; ${caption}; rows in the DOM: ${rows}`);
    const shown = Number((caption.match(/^([\d,]+) of/)?.[1] ?? '0').replace(/,/g, ''));
    if (shown < 10_000 || shown !== demo.applications) throw new Error(`the pipeline shows ${caption}; the demo made ${demo.applications}`);
    if (rows > 80) throw new Error(`${rows} rows rendered: the table is not virtualised`);
    // 200 ms is the target for the release build; debug builds under Xvfb are slower.
    const budget = Number(process.env.DEALERDESK_E2E_PIPELINE_MS ?? 3000);
    if (!(ms <= budget)) throw new Error(`first paint took ${ms} ms (budget ${budget})`);
    // Focus the table without clicking a row (a click opens that application).
    await browser.execute(() => document.querySelector('[data-testid="pipeline-table"]').focus());
    await browser.keys(['End']);
    await browser.waitUntil(
      async () => (await $t('pipeline-table').getAttribute('aria-activedescendant')) === `pipeline-row-${shown - 1}`,
      { timeout: 5000, timeoutMsg: 'End did not reach the last row' },
    );
  });

  await step('demo: the analytics draw their charts', async () => {
    await $t('open-analytics').click();
    await $t('chart-funnel-canvas').waitForDisplayed({ timeout: 10000 });
    const inked = await browser.execute(() =>
      ['chart-funnel', 'chart-lender', 'chart-tier', 'chart-wait', 'chart-stips', 'chart-markup'].map((id) => {
        const c = document.querySelector(`[data-testid="${id}-canvas"]`);
        const ctx = c?.getContext('2d');
        if (!c || !ctx || c.width === 0) return 0;
        const data = ctx.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
        return n;
      }),
    );
    if (inked.some((n) => n < 50)) throw new Error(`a chart drew nothing: ${inked.join(', ')}`);
  });

  await step('demo: the home screen counts down the adverse-action notices', async () => {
    await browser.execute(() => {
      location.hash = '#/';
    });
    await $t('home-notices').waitForDisplayed({ timeout: 10000 });
    const days = await browser.$$('[data-testid="home-notice-days"]');
    if (days.length < 1) throw new Error('no pending notice on the home screen');
    const first = await days[0].getText();
    if (!/day/.test(first)) throw new Error(`countdown reads ${first}`);
  });

  await step('demo: a contract is signed in the real window and verifies on record', async () => {
    if (!loanDeal) throw new Error('the demo has no loan deal');
    await browser.execute((id) => {
      location.hash = `#/deals/${id}`;
    }, loanDeal.id);
    await $t('contract-print-original').waitForClickable({ timeout: 15000 });
    await $t('contract-print-original').click();
    await $t('contract-start-signing').waitForClickable({ timeout: 10000 });
    await $t('contract-start-signing').click();
    let drawnOnce = false;
    for (let guard = 0; guard < 20; guard++) {
      await browser.waitUntil(
        async () =>
          (await $t('signing-consent').isExisting()) || (await $t('signing-field').isExisting()) || (await $t('signing-seal').isExisting()),
        { timeout: 10000, timeoutMsg: 'the ceremony did not show its next step' },
      );
      if (await $t('signing-seal').isExisting()) break;
      if (await $t('signing-consent').isExisting()) {
        await $t('signing-open-pdf').click();
        await $t('signing-review-path').waitForDisplayed({ timeout: 10000 });
        await $t('signing-opened-pdf').click();
        await $t('signing-consent-name').setValue(guard === 0 ? 'Primary Buyer' : 'Co Buyer');
        await $t('signing-agree').click();
        await $t('signing-consent-submit').click();
        await $t('signing-consent').waitForExist({ timeout: 10000, reverse: true });
        continue;
      }
      const field = await $t('signing-field').getAttribute('data-field');
      if (!drawnOnce) {
        // A signature drawn with the pointer, as with a mouse or pen.
        const pad = await $t('signature-pad');
        await pad.waitForDisplayed({ timeout: 5000 });
        await browser
          .action('pointer', { parameters: { pointerType: 'mouse' } })
          .move({ origin: pad, x: -150, y: 10 })
          .down()
          .move({ origin: pad, x: -80, y: -25, duration: 50 })
          .move({ origin: pad, x: 0, y: 20, duration: 50 })
          .move({ origin: pad, x: 90, y: -15, duration: 50 })
          .up()
          .perform();
        drawnOnce = true;
      } else {
        await $t('signing-method-typed').click();
      }
      await $t('signing-intent').click();
      await $t('signing-submit').click();
      await browser.waitUntil(
        async () => !(await $t('signing-field').isExisting()) || (await $t('signing-field').getAttribute('data-field')) !== field,
        { timeout: 10000, timeoutMsg: `field ${field} was not signed` },
      );
    }
    await $t('signing-seal-submit').click();
    await $t('signed-copy-path').waitForDisplayed({ timeout: 15000 });
    const path = (await $t('signed-copy-path').getText()).replace(/^Copy saved as /, '').trim();
    if (!existsSync(path)) throw new Error(`no file at ${path}`);
    const verify = JSON.parse(execFileSync(cli, ['--db', demoDb, 'contract', 'verify', path, '--json'], { encoding: 'utf8' }));
    if (!verify.on_record) throw new Error(`contract verify: ${JSON.stringify(verify)}`);
    const text = execFileSync('pdftotext', [path, '-'], { encoding: 'utf8' });
    if (!text.includes('CERTIFICATE OF COMPLETION')) throw new Error('no certificate page in the signed copy');
    if (!text.includes('COPY')) throw new Error('the printed copy does not say COPY');
    const images = execFileSync('pdfimages', ['-list', path], { encoding: 'utf8' }).trim().split('\n').length - 2;
    if (images < 1) throw new Error('the drawn signature is not in the PDF');
  });

  await step('demo: the deal jacket prints the signed contract with its certificate, stamped COPY, and verifies on record', async () => {
    if (!loanDeal) throw new Error('the demo has no loan deal');
    await browser.execute((id) => {
      location.hash = `#/deals/${id}`;
    }, loanDeal.id);
    await $t('contract-print-jacket').waitForClickable({ timeout: 15000 });
    await $t('contract-print-jacket').click();
    await $t('contract-jacket').waitForDisplayed({ timeout: 20000 });
    const saved = await $t('contract-saved').getText();
    const path = saved.replace(/^Saved as /, '').replace(/( and opened for printing)?\.$/, '').trim();
    if (!existsSync(path)) throw new Error(`no jacket at ${path}`);
    const parts = await browser.$$('[data-testid="contract-jacket-part"]');
    if (parts.length < 1) throw new Error('the jacket lists no parts');
    const verify = JSON.parse(execFileSync(cli, ['--db', demoDb, 'contract', 'verify', path, '--json'], { encoding: 'utf8' }));
    if (!verify.on_record || verify.signed) throw new Error(`contract verify of the jacket: ${JSON.stringify(verify)}`);
    const text = execFileSync('pdftotext', [path, '-'], { encoding: 'utf8' });
    if (!text.includes('CERTIFICATE OF COMPLETION')) throw new Error('the jacket lacks the signed contract\'s certificate');
    const pages = Number(execFileSync('pdfinfo', [path], { encoding: 'utf8' }).match(/Pages:\s+(\d+)/)?.[1] ?? 0);
    const copies = text.split('\f').filter((p) => p.includes('COPY')).length;
    if (pages < 3 || copies < pages) throw new Error(`${pages} pages, ${copies} of them say COPY`);
    console.log(`     jacket: ${parts.length} part(s), ${pages} pages, every one stamped COPY`);
  });

  await step('demo: customer to deal to application, a conditional decision, a stipulation attached and cleared, ready to contract', async () => {
    if (!chain.customer) throw new Error('the demo has no verified customer free for a new deal');
    // 1. The demo customer: start a deal on a vehicle in stock, found by its VIN.
    await browser.execute((id) => {
      location.hash = `#/customers/${id}`;
    }, chain.customer);
    // The customer is at the desk: confirm the phone, e-mail and address on file with them
    // (a lender submission waits for that).
    await $t('identity-contacts').waitForDisplayed({ timeout: 10000 });
    const boxes = await browser.$$('[data-testid="identity-contacts"] input[type="checkbox"]:not([disabled])');
    for (const box of boxes) await box.click();
    if (boxes.length > 0) {
      await $t('identity-confirm-contacts').click();
      await browser.waitUntil(
        async () => (await browser.$$('[data-testid="identity-contacts"] input[type="checkbox"]:not([disabled])').length) === 0,
        { timeout: 10000, timeoutMsg: 'the contact details were not confirmed' },
      );
    }
    await $t('customer-start-deal').waitForClickable({ timeout: 10000 });
    await $t('customer-start-deal').click();
    await $t('deal-vehicle').waitForDisplayed({ timeout: 5000 });
    await $t('deal-vehicle').click();
    await $t('deal-vehicle').addValue(chain.vin);
    await $t('deal-vehicle-option').waitForDisplayed({ timeout: 5000 });
    await browser.keys('Enter');
    await $t('deal-vehicle-picked').waitForDisplayed({ timeout: 5000 });
    // The third option the desk offers is a lease: it needs the residual from the guide.
    await fill('options.2.residual', (Math.round(chain.price * 0.45) + 0.0).toFixed(2));
    await browser.waitUntil(async () => (await browser.$$('[data-testid="option-payment"]').length) === 3, {
      timeout: 10000,
      timeoutMsg: 'three priced options expected',
    });
    await $t('deal-save').click();
    await browser.waitUntil(async () => (await $t('deal-title').getText()).startsWith('Deal for'), {
      timeout: 10000,
      timeoutMsg: 'the deal was not saved',
    });
    // 2. The credit application from the saved deal: the history and money a lender asks for.
    await $t('deal-start-application').waitForClickable({ timeout: 10000 });
    await $t('deal-start-application').click();
    await $t('application-form').waitForDisplayed({ timeout: 10000 });
    await fill('residences.0.since', '06/01/2016');
    await fill('employment.0.since', '01/15/2015');
    if (!(await (await browser.$('[name="employment.0.employer"]')).getValue())) await fill('employment.0.employer', 'Parkland Health');
    await fill('gross_monthly_income', '9500.00');
    await fill('housing_payment', '1100.00');
    await fill('other_monthly_debts', '150.00');
    await $t('add-reference').click();
    await fill('references.0.name', 'Dana Whitfield');
    await fill('references.0.phone', '(214) 555-0199');
    await fill('references.0.relation', 'Sister');
    await fill('credit_score', '760');
    await fill('lender_id', chain.lenders[0].id);
    await $t('application-save').click();
    await $t('application-assist').waitForDisplayed({ timeout: 10000 });
    const appId = (await browser.execute(() => location.hash)).split('/').pop();
    // 3. The decision assist says which lender fits and asks for stipulations (a conditional
    //    approval); choose it if the first choice is not that one.
    await browser.waitUntil(async () => (await browser.$$('[data-testid="assist-row"]').length) >= 3, { timeout: 10000 });
    const rows = await browser.execute(() =>
      [...document.querySelectorAll('[data-testid="assist-row"]')].map((r) => r.textContent ?? ''),
    );
    const fit = chain.lenders.find((l) => rows.some((r) => r.includes(l.name) && r.includes('Fits') && /asks for \d+ stipulation/.test(r)));
    if (!fit) throw new Error(`no lender fits with conditions: ${rows.join(' | ')}`);
    if (fit.id !== chain.lenders[0].id) {
      await $t('application-edit').click();
      await $t('application-form').waitForDisplayed({ timeout: 10000 });
      await fill('lender_id', fit.id);
      await $t('application-save').click();
      await $t('application-assist').waitForDisplayed({ timeout: 10000 });
    }
    // 4. Consent to the credit report, ready, submitted; the built-in lender answers.
    await $t('consent-applicant').click();
    await $t('consent-record').click();
    await $t('consent-given').waitForDisplayed({ timeout: 10000 });
    if (await $t('application-blocker').isExisting()) {
      throw new Error(`still blocked: ${await $t('application-checklist').getText()}`);
    }
    await $t('action-mark_ready').click();
    await browser.waitUntil(async () => (await $t('application-state').getAttribute('data-state')) === 'ready', {
      timeout: 10000,
      timeoutMsg: 'the application did not become ready',
    });
    await $t('action-submit').click();
    await browser.waitUntil(async () => (await $t('application-state').getAttribute('data-state')) === 'conditional', {
      timeout: 30000,
      timeoutMsg: 'no conditional decision arrived',
    });
    await $t('application-stips-open').waitForDisplayed({ timeout: 5000 });
    // 5. Each stipulation: attach the document (a real PDF through the file input), then the
    //    finance manager clears it with a note.
    const stipCount = (await browser.$$('[data-testid="stipulation"]')).length;
    if (stipCount < 1) throw new Error('the conditional decision has no stipulations');
    for (let i = 0; i < stipCount; i++) {
      const item = (await browser.$$('[data-testid="stipulation"]'))[i];
      const attach = await item.$('[data-testid="stip-attach"]');
      if (await attach.isExisting()) {
        await attach.addValue(chain.document);
        await browser.waitUntil(async () => (await (await browser.$$('[data-testid="stipulation"]'))[i].getAttribute('data-status')) === 'received', {
          timeout: 10000,
          timeoutMsg: `stipulation ${i + 1}: the document was not attached`,
        });
      }
      const again = (await browser.$$('[data-testid="stipulation"]'))[i];
      await (await again.$('[data-testid="stip-note"]')).setValue('Checked against the original; name and dates match');
      await (await again.$('[data-testid="stip-clear"]')).click();
      await browser.waitUntil(async () => (await (await browser.$$('[data-testid="stipulation"]'))[i].getAttribute('data-status')) === 'cleared', {
        timeout: 10000,
        timeoutMsg: `stipulation ${i + 1} was not cleared`,
      });
    }
    // 6. Ready to contract, on screen and in the store.
    await $t('application-ready-to-contract').waitForDisplayed({ timeout: 10000 });
    await $t('action-contract').waitForClickable({ timeout: 5000 });
    const shown = JSON.parse(execFileSync(cli, ['--db', demoDb, 'application', 'show', appId, '--json'], { encoding: 'utf8' }));
    const app = shown.application ?? shown;
    if (!app.ready_to_contract || app.state !== 'conditional') throw new Error(`the store says ${app.state}, ready_to_contract ${app.ready_to_contract}`);
    const docs = app.stipulations.flatMap((s) => s.documents);
    if (app.stipulations.some((s) => s.needs_document) && docs.length < 1) throw new Error('no stipulation document on record');
    if (docs.some((d) => !/^[0-9a-f]{64}$/.test(d.sha256))) throw new Error('a document was stored without its SHA-256');
    const moves = app.history.map((h) => h.to_state).join(' > ');
    if (!moves.includes('draft > ready > submitted > conditional')) throw new Error(`history: ${moves}`);
    console.log(`     ${fit.name}: ${stipCount} stipulation(s) attached and cleared; history ${moves}`);
  });
} catch (e) {
  failed++;
  console.log(`FAIL set-up\n     ${e?.stack ?? e}`);
} finally {
  await browser?.deleteSession().catch(() => {});
  driver.kill();
  await stopHub('SIGTERM');
  if (hub.database) {
    try {
      execFileSync('psql', [pgUrl, '-q', '-c', `DROP DATABASE IF EXISTS ${hub.database}`], { stdio: 'ignore' });
    } catch {
      /* the throw-away cluster goes anyway */
    }
  }
  rmSync(work, { recursive: true, force: true });
}

console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
