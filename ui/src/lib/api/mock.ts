/**
 * DEV ONLY: an in-browser stand-in for the Rust side, so the UI can be looked at (and
 * screenshotted) without building the desktop app. Loaded only when VITE_MOCK_IPC=1 (see
 * main.ts); the normal build never includes it.
 *
 * URL knobs: `?mock=admin|finance|sales|locked|first-admin|enrol|mfa` picks the starting state
 * (default: signed out), `&delay=ms` the reply latency, `&broken=1` a broken audit chain.
 * Sign in with any password except "wrong"; user names "mfa" and "enrol" walk the MFA screens;
 * "sales" and "finance" sign in with those roles. The MFA code "000000" is refused.
 */
import { mockIPC } from '@tauri-apps/api/mocks';
import { reply, type CommandRequest } from './commands';
import { buildDeals, buildVehicles, inventoryHandler } from './mock-inventory';
import { applicationsHandler } from './mock-applications';
import { monthsSince } from '../format';
import roles from '../../../../tests/fixtures/rules/roles.json';
import type {
  AddressInput,
  AddressView,
  AppStatus,
  AuditEntryView,
  CommandError,
  CustomerInput,
  CustomerSummary,
  CustomerUpdate,
  CustomerView,
  ErrorCode,
  HomeFigures,
  Permission,
  Role,
  SessionView,
  SignInOutcome,
  StaffView,
} from './bindings';

interface StoredCustomer {
  view: CustomerView;
  ssn: string;
  dob: string;
  licence: string | null;
}

class MockError {
  constructor(readonly body: CommandError) {}
}

function fail(code: ErrorCode, message: string, field: string | null = null): never {
  throw new MockError({ code, message, field });
}

/** Small deterministic PRNG so every screenshot shows the same data. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const GIVEN = ['Maria', 'James', 'Aisha', 'Robert', 'Linh', 'Carlos', 'Emily', 'DeShawn', 'Priya', 'Michael', 'Sofia', 'Tyler', 'Grace', 'Andre', 'Hannah', 'Luis', 'Olivia', 'Kevin', 'Mei', 'Jordan'];
const FAMILY = ['Garcia', 'Johnson', 'Rahman', 'Miller', 'Nguyen', 'Hernandez', 'Walker', 'Brooks', 'Patel', 'Anderson', 'Lopez', 'Reed', 'Kim', 'Thompson', 'Davis', 'Ortiz', 'Wilson', 'Baker', 'Chen', 'Price'];
const CITIES: Array<[string, string, string]> = [
  ['Austin', 'TX', '78701'],
  ['Round Rock', 'TX', '78664'],
  ['Georgetown', 'TX', '78626'],
  ['Pflugerville', 'TX', '78660'],
  ['San Marcos', 'TX', '78666'],
  ['Cedar Park', 'TX', '78613'],
];
const STREETS = ['Oak St', 'Congress Ave', 'Riverside Dr', 'Maple Ln', 'Lamar Blvd', 'Pecan St', 'Elm Ct', 'Sunset Rd'];
const EMPLOYERS: Array<[string, string]> = [
  ['Dell Technologies', 'Account Manager'],
  ['Austin ISD', 'Teacher'],
  ['St. David’s Medical Center', 'Registered Nurse'],
  ['H-E-B', 'Store Manager'],
  ['City of Austin', 'Electrician'],
  ['Self-employed', 'Contractor'],
];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const isoDay = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

function monthsBetween(iso: string, today = new Date()): number {
  return monthsSince(iso, today) ?? 0;
}

function ageFrom(dob: string): number {
  return Math.floor(monthsBetween(dob) / 12);
}

function maskSsn(ssn: string): string {
  return `•••-••-${ssn.slice(-4)}`;
}

function maskDob(dob: string): string {
  return `••/••/${dob.slice(0, 4)}`;
}

function maskLicence(l: string): string {
  return `${'•'.repeat(Math.max(0, l.length - 3))}${l.slice(-3)}`;
}

function addressView(a: AddressInput, current: boolean): AddressView {
  return { ...a, months_at_address: monthsBetween(a.since), current };
}

function fullName(c: { given_name: string; middle_name: string | null; family_name: string; suffix: string | null }): string {
  return [c.given_name, c.middle_name, c.family_name, c.suffix].filter(Boolean).join(' ');
}

function buildCustomers(): StoredCustomer[] {
  const rand = rng(20240611);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const out: StoredCustomer[] = [];
  const now = Date.now();
  for (let i = 0; i < 137; i++) {
    const given = GIVEN[i % GIVEN.length] as string;
    const family = FAMILY[(i * 7 + Math.floor(i / GIVEN.length)) % FAMILY.length] as string;
    const [city, state, zip] = pick(CITIES);
    const [employer, job] = pick(EMPLOYERS);
    const dob = `${1950 + Math.floor(rand() * 50)}-${pad(1 + Math.floor(rand() * 12))}-${pad(1 + Math.floor(rand() * 28))}`;
    const sinceYears = Math.floor(rand() * 9);
    const since = isoDay(new Date(now - (sinceYears * 365 + Math.floor(rand() * 300) + 20) * 86400000));
    const created = new Date(now - Math.floor(rand() * 360 + (i < 12 ? 0 : 5)) * 86400000).toISOString();
    const ssn = `${pad(100 + Math.floor(rand() * 660), 3)}-${pad(10 + Math.floor(rand() * 89))}-${pad(1000 + Math.floor(rand() * 8999), 4)}`;
    const licence = rand() > 0.15 ? `${Math.floor(10000000 + rand() * 89999999)}` : null;
    const phone = `512${Math.floor(2000000 + rand() * 7999999)}`;
    const address: AddressInput = {
      line1: `${100 + Math.floor(rand() * 9800)} ${pick(STREETS)}`,
      line2: rand() > 0.7 ? `Apt ${1 + Math.floor(rand() * 400)}` : null,
      city,
      state,
      zip,
      since,
    };
    const addresses = [addressView(address, true)];
    if (sinceYears < 2) {
      const [pc, ps, pz] = pick(CITIES);
      addresses.push(
        addressView(
          { line1: `${100 + Math.floor(rand() * 9800)} ${pick(STREETS)}`, line2: null, city: pc, state: ps, zip: pz, since: isoDay(new Date(now - (4 * 365 + 40) * 86400000)) },
          false,
        ),
      );
    }
    const base = { given_name: given, middle_name: rand() > 0.7 ? 'A.' : null, family_name: family, suffix: i % 23 === 0 ? 'Jr.' : null };
    out.push({
      ssn,
      dob,
      licence,
      view: {
        id: `cus_${pad(i + 1, 4)}`,
        ...base,
        full_name: fullName(base),
        dob_masked: maskDob(dob),
        age: ageFrom(dob),
        ssn_masked: maskSsn(ssn),
        licence_masked: licence ? maskLicence(licence) : null,
        licence_state: licence ? 'TX' : null,
        phone,
        email: rand() > 0.2 ? `${given}.${family}${i}@example.com`.toLowerCase() : null,
        employer,
        job_title: job,
        monthly_income: (2500 + Math.floor(rand() * 9000)).toFixed(2),
        addresses,
        created_at: created,
        updated_at: created,
      },
    });
  }
  return out.sort((a, b) => a.view.family_name.localeCompare(b.view.family_name) || a.view.given_name.localeCompare(b.view.given_name));
}

function staffMember(id: string, username: string, display: string, role: Role, extra: Partial<StaffView> = {}): StaffView {
  return {
    id,
    username,
    display_name: display,
    role,
    mfa_enrolled: true,
    disabled: false,
    locked_until: null,
    created_at: '2024-01-08T15:00:00Z',
    ...extra,
  };
}

function fakeQrSvg(text: string): string {
  const n = 25;
  const rand = rng(text.length * 7919);
  let rects = '';
  const finder = (x: number, y: number) =>
    `<rect x="${x}" y="${y}" width="7" height="7" fill="#000"/><rect x="${x + 1}" y="${y + 1}" width="5" height="5" fill="#fff"/><rect x="${x + 2}" y="${y + 2}" width="3" height="3" fill="#000"/>`;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const inFinder = (x < 8 && y < 8) || (x > n - 9 && y < 8) || (x < 8 && y > n - 9);
      if (!inFinder && rand() > 0.52) rects += `<rect x="${x}" y="${y}" width="1" height="1" fill="#000"/>`;
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-2 -2 ${n + 4} ${n + 4}" shape-rendering="crispEdges"><rect x="-2" y="-2" width="${n + 4}" height="${n + 4}" fill="#fff"/>${rects}${finder(0, 0)}${finder(n - 7, 0)}${finder(0, n - 7)}</svg>`;
}

function buildAudit(customers: StoredCustomer[]): AuditEntryView[] {
  const rand = rng(77);
  const actors = ['admin', 'mgarcia', 'jbrooks', 'tnguyen'];
  const actions: Array<[string, AuditEntryView['outcome'], string | null]> = [
    ['auth.sign_in', 'success', null],
    ['customer.view', 'success', null],
    ['customer.create', 'success', null],
    ['customer.update', 'success', 'fields: phone, address'],
    ['pii.reveal', 'success', 'field: ssn'],
    ['pii.reveal', 'denied', 'field: ssn; role sales'],
    ['auth.sign_in', 'failure', 'invalid password'],
    ['session.lock', 'success', 'idle 10 min'],
  ];
  const out: AuditEntryView[] = [];
  let t = Date.now() - 9 * 86400000;
  for (let seq = 1; seq <= 143; seq++) {
    t += Math.floor(rand() * 150 + 10) * 60000;
    const [action, outcome, detail] = actions[Math.floor(rand() * actions.length)] as [string, AuditEntryView['outcome'], string | null];
    const subject = action.startsWith('auth') || action.startsWith('session') ? null : (customers[Math.floor(rand() * customers.length)]?.view.id ?? null);
    out.push({
      seq,
      at: new Date(Math.min(t, Date.now() - 60000)).toISOString(),
      actor: actors[Math.floor(rand() * actors.length)] as string,
      action,
      subject,
      outcome,
      detail,
      hash: seq.toString(16).padStart(64, '0'),
    });
  }
  return out;
}

/** Mock validation, similar in spirit to Rust's: one error, naming its field. */
function validate(input: CustomerInput | CustomerUpdate, creating: boolean): void {
  if (!input.given_name) fail('validation', 'Given name is required.', 'given_name');
  if (!input.family_name) fail('validation', 'Family name is required.', 'family_name');
  if (input.ssn !== null && !/^\d{3}-?\d{2}-?\d{4}$/.test(input.ssn)) fail('validation', 'SSN must be 9 digits, e.g. 123-45-6789.', 'ssn');
  if (creating && !input.dob) fail('validation', 'Date of birth is required.', 'dob');
  if (!/^\d{10}$/.test(input.phone.replace(/\D/g, ''))) fail('validation', 'Phone must have 10 digits.', 'phone');
  if (input.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(input.email)) fail('validation', 'That e-mail address does not look right.', 'email');
  const checkAddress = (a: AddressInput, prefix: string) => {
    if (!/^[A-Z]{2}$/.test(a.state)) fail('validation', 'Use the 2-letter state code.', `${prefix}.state`);
    if (!/^\d{5}(-\d{4})?$/.test(a.zip)) fail('validation', 'ZIP must be 5 digits (or ZIP+4).', `${prefix}.zip`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(a.since)) fail('validation', 'Enter the date they moved in.', `${prefix}.since`);
  };
  checkAddress(input.address, 'address');
  if (input.previous_address) checkAddress(input.previous_address, 'previous_address');
}

export function installMockBackend(): void {
  const params = new URLSearchParams(location.search);
  const scenario = params.get('mock') ?? '';
  const delay = Number(params.get('delay') ?? 120);
  const customers = buildCustomers();
  const audit = buildAudit(customers);
  const vehicles = buildVehicles(rng(565));
  const deals = buildDeals(rng(1026), customers.map((c) => ({ id: c.view.id, name: c.view.full_name })), vehicles);
  const inventory = inventoryHandler(vehicles, deals, fail);
  let staff: StaffView[] = [
    staffMember('stf_1', 'admin', 'Dana Whitfield', 'admin'),
    staffMember('stf_2', 'mgarcia', 'Miguel Garcia', 'finance_manager'),
    staffMember('stf_3', 'jbrooks', 'Jasmine Brooks', 'sales'),
    staffMember('stf_4', 'tnguyen', 'Tom Nguyen', 'sales', { mfa_enrolled: false }),
    staffMember('stf_5', 'rpatel', 'Ravi Patel', 'sales', { locked_until: new Date(Date.now() + 25 * 60000).toISOString() }),
    staffMember('stf_6', 'kreed', 'Karen Reed', 'finance_manager', { disabled: true }),
  ];
  let needsFirstAdmin = scenario === 'first-admin';
  let pendingUser: StaffView | null = null;

  const sessionFor = (s: StaffView, locked = false): SessionView => ({
    staff: s,
    locked,
    expires_at: new Date(Date.now() + 8 * 3600000).toISOString(),
    mfa_bypassed: true,
    // Rust's permissions for the role (generated from auth::Permission::of).
    permissions: roles.permissions[s.role] as Permission[],
  });
  const byRole = (role: Role) => staff.find((s) => s.role === role) as StaffView;
  let session: SessionView | null =
    scenario === 'admin' ? sessionFor(byRole('admin'))
    : scenario === 'finance' ? sessionFor(byRole('finance_manager'))
    : scenario === 'sales' ? sessionFor(byRole('sales'))
    : scenario === 'locked' ? sessionFor(byRole('admin'), true)
    : null;
  if (scenario === 'enrol' || scenario === 'mfa') pendingUser = byRole('sales');

  const requireSession = (): SessionView => {
    if (!session) fail('not_signed_in', 'Not signed in.');
    if (session.locked) fail('session_locked', 'The session is locked.');
    return session;
  };
  const applications = applicationsHandler(deals, fail, () => {
    const s = requireSession();
    return { username: s.staff.username, role: s.staff.role };
  });
  const requireAdmin = () => {
    if (requireSession().staff.role !== 'admin') fail('forbidden', 'Admins only.');
  };
  const summary = (c: StoredCustomer): CustomerSummary => ({
    id: c.view.id,
    full_name: c.view.full_name,
    phone: c.view.phone,
    email: c.view.email,
    ssn_masked: c.view.ssn_masked,
    city: c.view.addresses[0]?.city ?? null,
    state: c.view.addresses[0]?.state ?? null,
    created_at: c.view.created_at,
  });
  const find = (id: string) => customers.find((c) => c.view.id === id) ?? fail('not_found', 'No such customer.');

  function handle(req: CommandRequest): unknown {
    switch (req.cmd) {
      case 'app_status':
        return reply(req, {
          demo: true,
          needs_first_admin: needsFirstAdmin,
          idle_lock_minutes: 10,
          dealership_name: 'Hill Country Motors',
          session,
        } satisfies AppStatus);
      case 'create_first_admin': {
        const input = req.args.input;
        if (input.password.length < 12) fail('validation', 'At least 12 characters.', 'password');
        needsFirstAdmin = false;
        const s = staffMember('stf_new', input.username, input.display_name, 'admin', { mfa_enrolled: false });
        staff = [s, ...staff];
        return reply(req, s);
      }
      case 'sign_in': {
        const username = req.args.username;
        if (req.args.password === 'wrong') fail('invalid_credentials', 'Invalid credentials.');
        if (username === 'rpatel') fail('account_locked', 'Locked.');
        if (username === 'kreed') fail('account_disabled', 'Disabled.');
        if (username === 'mfa') {
          pendingUser = byRole('finance_manager');
          return { kind: 'mfa_required' } satisfies SignInOutcome;
        }
        if (username === 'enrol') {
          pendingUser = byRole('sales');
          return {
            kind: 'mfa_enrolment_required',
            enrolment: {
              secret_base32: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
              otpauth_url: 'otpauth://totp/DealerDesk:jbrooks?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=DealerDesk',
              qr_svg: fakeQrSvg('otpauth://totp/DealerDesk:jbrooks'),
            },
          } satisfies SignInOutcome;
        }
        const role: Role = username === 'sales' ? 'sales' : username === 'finance' ? 'finance_manager' : 'admin';
        session = sessionFor(byRole(role));
        return reply(req, { kind: 'signed_in', session } satisfies SignInOutcome);
      }
      case 'verify_mfa':
      case 'confirm_mfa_enrolment':
        if (!pendingUser) fail('not_signed_in', 'Start again.');
        if (req.args.code === '000000') fail('invalid_mfa_code', 'Invalid code.');
        session = sessionFor(pendingUser);
        pendingUser = null;
        return reply(req, session);
      case 'sign_out':
        session = null;
        return reply(req, null);
      case 'lock_session':
        if (session) session = { ...session, locked: true };
        return reply(req, null);
      case 'unlock_session':
        if (!session) fail('not_signed_in', 'Not signed in.');
        if (req.args.password === 'wrong') fail('invalid_credentials', 'Invalid credentials.');
        session = { ...session, locked: false };
        return reply(req, session);
      case 'session_heartbeat':
        return reply(req, requireSession());
      case 'home_figures': {
        requireSession();
        const now = new Date();
        const byMonth = new Map<string, number>();
        for (let i = 11; i >= 0; i--) {
          const d = new Date(now.getFullYear(), now.getMonth() - i, 1);
          byMonth.set(`${d.getFullYear()}-${pad(d.getMonth() + 1)}`, 0);
        }
        for (const c of customers) {
          const key = c.view.created_at.slice(0, 7);
          if (byMonth.has(key)) byMonth.set(key, (byMonth.get(key) ?? 0) + 1);
        }
        return reply(req, {
          customers_total: customers.length,
          customers_added_30d: customers.filter((c) => Date.now() - Date.parse(c.view.created_at) < 30 * 86400000).length,
          vehicles_in_stock: 84,
          inventory_value: '2874315.50',
          staff_active: staff.filter((s) => !s.disabled).length,
          audit_entries_today: audit.filter((a) => a.at.slice(0, 10) === new Date().toISOString().slice(0, 10)).length,
          customers_by_month: [...byMonth].map(([month, count]) => ({ month, count })),
        } satisfies HomeFigures);
      }
      case 'search_customers': {
        requireSession();
        const q = req.args.query.toLowerCase();
        const digits = q.replace(/\D/g, '');
        return reply(req, customers
          .filter(
            (c) =>
              c.view.full_name.toLowerCase().includes(q) ||
              (c.view.email ?? '').includes(q) ||
              (digits.length >= 3 && c.view.phone.includes(digits)),
          )
          .slice(0, req.args.limit)
          .map(summary));
      }
      case 'list_customers': {
        requireSession();
        const offset = req.args.offset;
        return reply(req, { items: customers.slice(offset, offset + req.args.limit).map(summary), total: customers.length });
      }
      case 'get_customer':
        requireSession();
        return reply(req, find(req.args.id).view);
      case 'create_customer': {
        requireSession();
        const input = req.args.input;
        validate(input, true);
        const at = new Date().toISOString();
        const licence = input.licence_number;
        const stored: StoredCustomer = {
          ssn: input.ssn,
          dob: input.dob,
          licence,
          view: {
            id: `cus_${pad(customers.length + 1, 4)}`,
            given_name: input.given_name,
            middle_name: input.middle_name,
            family_name: input.family_name,
            suffix: input.suffix,
            full_name: fullName(input),
            dob_masked: maskDob(input.dob),
            age: ageFrom(input.dob),
            ssn_masked: maskSsn(input.ssn),
            licence_masked: licence ? maskLicence(licence) : null,
            licence_state: input.licence_state,
            phone: input.phone,
            email: input.email,
            employer: input.employer,
            job_title: input.job_title,
            monthly_income: input.monthly_income,
            addresses: [addressView(input.address, true), ...(input.previous_address ? [addressView(input.previous_address, false)] : [])],
            created_at: at,
            updated_at: at,
          },
        };
        customers.unshift(stored);
        return reply(req, stored.view);
      }
      case 'update_customer': {
        requireSession();
        const c = find(req.args.id);
        const input = req.args.input;
        validate(input, false);
        if (input.ssn) c.ssn = input.ssn;
        if (input.dob) c.dob = input.dob;
        if (input.licence_number) c.licence = input.licence_number;
        c.view = {
          ...c.view,
          given_name: input.given_name,
          middle_name: input.middle_name,
          family_name: input.family_name,
          suffix: input.suffix,
          full_name: fullName(input),
          dob_masked: maskDob(c.dob),
          age: ageFrom(c.dob),
          ssn_masked: maskSsn(c.ssn),
          licence_masked: c.licence ? maskLicence(c.licence) : null,
          licence_state: input.licence_state,
          phone: input.phone,
          email: input.email,
          employer: input.employer,
          job_title: input.job_title,
          monthly_income: input.monthly_income,
          addresses: [addressView(input.address, true), ...(input.previous_address ? [addressView(input.previous_address, false)] : [])],
          updated_at: new Date().toISOString(),
        };
        return reply(req, c.view);
      }
      case 'reveal_pii': {
        const s = requireSession();
        if (s.staff.role === 'sales') fail('forbidden', 'Sales cannot reveal PII.');
        const c = find(req.args.customer_id);
        const field = req.args.field;
        return reply(req, field === 'ssn' ? c.ssn : field === 'dob' ? c.dob : (c.licence ?? fail('not_found', 'No licence on file.')));
      }
      case 'list_audit': {
        requireAdmin();
        const f = req.args.filter;
        const rows = audit
          .filter(
            (a) =>
              (!f.actor || a.actor.includes(f.actor)) &&
              (!f.action || a.action.includes(f.action)) &&
              (!f.outcome || a.outcome === f.outcome) &&
              (!f.since || a.at >= f.since) &&
              (!f.until || a.at < f.until),
          )
          .reverse();
        return reply(req, { items: rows.slice(f.offset, f.offset + f.limit), total: rows.length });
      }
      case 'verify_audit':
        requireAdmin();
        return reply(req, params.get('broken')
          ? { ok: false, entries: audit.length, first_broken_seq: 57, reason: 'hash does not match the previous entry' }
          : { ok: true, entries: audit.length, first_broken_seq: null, reason: null });
      // This desk works on its own here: the header shows no sync state.
      case 'sync_status':
        requireSession();
        return reply(req, {
          status: {
            enrolled: false, hub: null, desk_id: null, waiting: 0, cursor: 0, last_attempt_at: null,
            last_success_at: null, offline_since: null, last_error: null, open_conflicts: 0,
          },
          enrolment: null,
          running: false,
        });
      case 'sync_now':
        requireSession();
        return fail('conflict', 'this desk is not enrolled with a hub: it works on its own');
      case 'sync_conflicts':
        if (requireSession().staff.role === 'sales') fail('forbidden', 'only a finance manager or an admin can review sync conflicts');
        return reply(req, []);
      case 'resolve_sync_conflict':
        requireSession();
        return fail('not_found', 'there is no open conflict with that id (it may have been reviewed already)');
      case 'list_staff':
        requireAdmin();
        return reply(req, staff);
      case 'add_staff': {
        requireAdmin();
        const input = req.args.input;
        if (staff.some((s) => s.username === input.username)) fail('conflict', 'That username is taken.', 'username');
        const s = staffMember(`stf_${staff.length + 1}`, input.username, input.display_name, input.role, {
          mfa_enrolled: false,
          created_at: new Date().toISOString(),
        });
        staff = [...staff, s];
        return reply(req, s);
      }
      case 'set_staff_disabled':
      case 'reset_staff_mfa':
      case 'unlock_staff': {
        requireAdmin();
        const i = staff.findIndex((s) => s.id === req.args.id);
        const s = staff[i] ?? fail('not_found', 'No such staff member.');
        const updated: StaffView =
          req.cmd === 'set_staff_disabled' ? { ...s, disabled: req.args.disabled }
          : req.cmd === 'reset_staff_mfa' ? { ...s, mfa_enrolled: false }
          : { ...s, locked_until: null };
        staff[i] = updated;
        return reply(req, updated);
      }
      default: {
        requireSession();
        const answer = inventory(req) ?? applications(req);
        if (answer === undefined) fail('internal', `mock: unknown command ${req.cmd}`);
        return answer;
      }
    }
  }

  mockIPC(async (cmd, payload) => {
    await new Promise((r) => setTimeout(r, delay));
    try {
      return structuredClone(handle({ cmd, args: payload ?? {} } as CommandRequest));
    } catch (e) {
      // Tauri rejects with the serialized CommandError; do the same.
      if (e instanceof MockError) throw e.body;
      throw e;
    }
  });
}
