import { vi } from 'vitest';
import { invoke } from '@tauri-apps/api/core';
import type {
  AppStatus,
  CommandError,
  CustomerSummary,
  CustomerView,
  DealSummary,
  ErrorCode,
  HomeFigures,
  Permission,
  Role,
  SessionView,
  StaffView,
  VehicleView,
  VinReport,
} from '../lib/api/bindings';
import type { CommandArgs, CommandName, CommandReturns } from '../lib/api/commands';
import roles from '../../../tests/fixtures/rules/roles.json';

/** Answers one command as Rust would: its arguments and answer are typed by commands.ts. */
type Handler<C extends CommandName> = (args: CommandArgs<C>) => CommandReturns<C> | Promise<CommandReturns<C>>;
export type Handlers = { [C in CommandName]?: Handler<C> };

/**
 * The message Rust sends with each code when a test does not give one: the Display text of the
 * Rust error (`AuthError`, ...) or, for storage and internal, the plain sentence
 * (`crates/services/src/error_kind.rs`). Validation, not_found and conflict always carry their
 * own specific text in Rust, so tests give one.
 */
const RUST_MESSAGES: Record<ErrorCode, string> = {
  validation: 'this entry is not valid',
  not_signed_in: 'please sign in',
  session_locked: 'the desk is locked; enter your password to continue',
  session_expired: 'your session has ended; please sign in again',
  forbidden: 'your role cannot do this',
  invalid_credentials: 'the username or password is not right',
  account_locked: 'this account is locked after too many failed attempts; try again after 2026-03-02T10:15:00Z',
  account_disabled: 'this account is disabled; ask an administrator',
  mfa_required: 'finish signing in with your authenticator code first',
  invalid_mfa_code: 'that code is not right or has expired; use the current code from your authenticator app',
  not_found: 'no such record',
  conflict: 'that cannot be done now',
  storage:
    'The desk could not read or save data just now. Nothing was changed; try again, and tell your administrator if it keeps happening.',
  internal: 'Something went wrong. Nothing was changed; tell your administrator if it keeps happening.',
};

/** What Rust rejects with: throw it from a handler. */
export function commandError(code: ErrorCode, message: string = RUST_MESSAGES[code], field: string | null = null): CommandError {
  return { code, message, field };
}

/**
 * Answers `invoke` (mocked with vi.mock in each test file) from a table of handlers; a command
 * without a handler fails the test loudly instead of hanging.
 */
export function useBackend(handlers: Handlers) {
  const mock = vi.mocked(invoke);
  mock.mockImplementation(async (cmd: string, args?: unknown) => {
    const handler = handlers[cmd as CommandName] as Handler<CommandName> | undefined;
    if (!handler) throw new Error(`test backend: unexpected command ${cmd}`);
    // A thrown CommandError becomes a rejection, as with Tauri.
    return handler((args ?? {}) as CommandArgs<CommandName>);
  });
  return {
    mock,
    calls: (cmd: CommandName) => mock.mock.calls.filter(([c]) => c === cmd).map(([, a]) => a as Record<string, unknown>),
  };
}

export function staff(role: Role = 'admin', extra: Partial<StaffView> = {}): StaffView {
  return {
    id: `stf_${role}`,
    username: role === 'admin' ? 'dana' : role === 'sales' ? 'jasmine' : 'miguel',
    display_name: role === 'admin' ? 'Dana Whitfield' : role === 'sales' ? 'Jasmine Brooks' : 'Miguel Garcia',
    role,
    mfa_enrolled: true,
    disabled: false,
    locked_until: null,
    created_at: '2024-01-08T15:00:00Z',
    ...extra,
  };
}

export function sessionView(role: Role = 'admin', locked = false): SessionView {
  const permissions = roles.permissions[role] as Permission[];
  return { staff: staff(role), locked, expires_at: '2099-01-01T00:00:00Z', mfa_bypassed: false, permissions };
}

export function status(extra: Partial<AppStatus> = {}): AppStatus {
  return {
    demo: false,
    needs_first_admin: false,
    idle_lock_minutes: 10,
    dealership_name: 'Hill Country Motors',
    session: null,
    ...extra,
  };
}

export function figures(): HomeFigures {
  return {
    customers_total: 1234,
    customers_added_30d: 17,
    vehicles_in_stock: 84,
    inventory_value: '2874315.5',
    staff_active: 6,
    audit_entries_today: 41,
    customers_by_month: [
      { month: '2024-04', count: 9 },
      { month: '2024-05', count: 14 },
      { month: '2024-06', count: 11 },
    ],
  };
}

export function customerSummary(i: number, extra: Partial<CustomerSummary> = {}): CustomerSummary {
  return {
    id: `cus_${i}`,
    full_name: `Customer Number${i}`,
    phone: `512555${String(1000 + i).slice(-4)}`,
    email: `c${i}@example.com`,
    ssn_masked: `•••-••-${String(1000 + i).slice(-4)}`,
    city: 'Austin',
    state: 'TX',
    created_at: '2024-05-02T14:00:00Z',
    ...extra,
  };
}

export function customerView(extra: Partial<CustomerView> = {}): CustomerView {
  return {
    id: 'cus_1',
    given_name: 'Maria',
    middle_name: null,
    family_name: 'Garcia',
    suffix: null,
    full_name: 'Maria Garcia',
    dob_masked: '••/••/1986',
    age: 38,
    ssn_masked: '•••-••-1234',
    licence_masked: '•••••321',
    licence_state: 'TX',
    phone: '5125551234',
    email: 'maria@example.com',
    employer: 'Austin ISD',
    job_title: 'Teacher',
    monthly_income: '4250.00',
    addresses: [
      {
        line1: '12 Oak St',
        line2: null,
        city: 'Austin',
        state: 'TX',
        zip: '78701',
        since: '2019-03-01',
        months_at_address: 62,
        current: true,
      },
    ],
    created_at: '2024-05-02T14:00:00Z',
    updated_at: '2024-05-02T14:00:00Z',
    ...extra,
  };
}

export function vehicleView(i: number, extra: Partial<VehicleView> = {}): VehicleView {
  return {
    id: `veh_${i}`,
    vin: `1HGCM82633A${String(100000 + i).slice(-6)}`,
    model_year: 2021,
    make: 'Honda',
    model: 'Accord',
    trim: 'EX',
    mileage: 30000 + i,
    price: '24500.00',
    condition: 'used',
    status: 'in_stock',
    check_digit_ok: true,
    manufacturer: 'Honda',
    created_at: '2024-05-02T14:00:00Z',
    updated_at: '2024-05-02T14:00:00Z',
    ...extra,
  };
}

/** A clean decode of a 17-character VIN. */
export function vinReport(vin: string, extra: Partial<VinReport> = {}): VinReport {
  return {
    vin,
    valid: true,
    check_digit_ok: true,
    model_year: 2003,
    wmi: vin.slice(0, 3),
    manufacturer: 'Honda',
    plant_code: vin.charAt(10) || null,
    serial: vin.slice(11),
    errors: [],
    warnings: [],
    ...extra,
  };
}

export function dealSummary(i: number, extra: Partial<DealSummary> = {}): DealSummary {
  return {
    id: `deal_${i}`,
    customer_id: `cus_${i}`,
    customer_name: `Customer Number${i}`,
    vehicle_id: `veh_${i}`,
    vehicle_label: '2021 Honda Accord EX',
    status: 'open',
    kind: 'loan',
    option_count: 2,
    term_months: 72,
    monthly_payment: '452.18',
    amount_financed: '24890.00',
    due_at_signing: null,
    apr: '6.99',
    salesperson: 'jasmine',
    created_at: '2024-05-02T14:00:00Z',
    updated_at: '2024-05-03T16:00:00Z',
    ...extra,
  };
}
