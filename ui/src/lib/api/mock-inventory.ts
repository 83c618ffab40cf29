/**
 * DEV ONLY: the inventory and deal lists of the in-browser stand-in for Rust (see mock.ts), so
 * those screens can be looked at without the desktop app. The VIN checks follow 49 CFR 565 as
 * Rust does (check digit, model year code, a few WMIs); deals carry made-up figures.
 */
import { reply, type CommandRequest } from './commands';
import type {
  DealStatus,
  DealSummary,
  ErrorCode,
  OptionKind,
  VehicleInput,
  VehicleView,
  VinReport,
} from './bindings';

type Fail = (code: ErrorCode, message: string, field?: string | null) => never;

const ALPHABET = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789';
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
const VALUES: Record<string, number> = {
  A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9,
  S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9,
};
const WMI: Record<string, string> = {
  '1HG': 'Honda',
  '4T1': 'Toyota',
  '1FT': 'Ford',
  '1G1': 'Chevrolet',
  '5YJ': 'Tesla',
  JN1: 'Nissan',
};
const MODELS: Array<[string, string, string, string[]]> = [
  ['1HG', 'Honda', 'Accord', ['LX', 'EX', 'Sport']],
  ['4T1', 'Toyota', 'Camry', ['LE', 'SE', 'XSE']],
  ['1FT', 'Ford', 'F-150', ['XL', 'XLT', 'Lariat']],
  ['1G1', 'Chevrolet', 'Malibu', ['LS', 'LT']],
  ['5YJ', 'Tesla', 'Model 3', ['Long Range']],
  ['JN1', 'Nissan', 'Rogue', ['S', 'SV', 'SL']],
];

function value(c: string): number {
  return /\d/.test(c) ? Number(c) : (VALUES[c] ?? 0);
}

function checkDigit(vin: string): string {
  const sum = [...vin].reduce((acc, c, i) => acc + value(c) * (WEIGHTS[i] ?? 0), 0);
  const r = sum % 11;
  return r === 10 ? 'X' : String(r);
}

export function decodeVin(input: string): VinReport {
  const vin = input.trim().toUpperCase();
  const errors: string[] = [];
  const warnings: string[] = [];
  const bad = [...vin].find((c) => !ALPHABET.includes(c));
  if (vin.length !== 17) errors.push(`a VIN has 17 characters (this one has ${vin.length})`);
  if (bad) errors.push(`a VIN uses digits and capital letters except I, O and Q (found '${bad}')`);
  const valid = errors.length === 0;
  let check_digit_ok = false;
  let model_year: number | null = null;
  if (valid) {
    const expected = checkDigit(vin);
    check_digit_ok = vin[8] === expected;
    if (!check_digit_ok) {
      warnings.push(
        `the check digit (position 9) is '${vin[8]}' but should be '${expected}': check the VIN was typed right; some imported vehicles carry a wrong one`,
      );
    }
    const index = YEAR_CODES.indexOf(vin[9] ?? '');
    if (index >= 0) model_year = 1980 + index + (/[A-Z]/.test(vin[6] ?? '') ? 30 : 0);
    else warnings.push(`position 10 ('${vin[9]}') is not a model year code`);
  }
  const wmi = valid ? vin.slice(0, 3) : null;
  return {
    vin,
    valid,
    check_digit_ok,
    model_year,
    wmi,
    manufacturer: wmi ? (WMI[wmi] ?? null) : null,
    plant_code: valid ? (vin[10] ?? null) : null,
    serial: valid ? vin.slice(11) : null,
    errors,
    warnings,
  };
}

function makeVin(wmi: string, year: number, rand: () => number, wrongCheckDigit: boolean): string {
  const pick = (s: string) => s[Math.floor(rand() * s.length)] as string;
  const letters = 'ABCDEFGHJKLMNPRSTUVWXYZ';
  let vin = wmi;
  for (let i = 3; i < 6; i++) vin += pick(ALPHABET);
  vin += year >= 2010 ? pick(letters) : pick('0123456789');
  vin += pick(ALPHABET);
  vin += '0';
  vin += YEAR_CODES[(year - 1980) % 30];
  vin += pick(letters);
  for (let i = 0; i < 6; i++) vin += pick('0123456789');
  const digit = checkDigit(vin);
  const shown = wrongCheckDigit ? (digit === '1' ? '2' : '1') : digit;
  return vin.slice(0, 8) + shown + vin.slice(9);
}

export function buildVehicles(rand: () => number): VehicleView[] {
  const out: VehicleView[] = [];
  const now = Date.now();
  for (let i = 0; i < 64; i++) {
    const [wmi, make, model, trims] = MODELS[i % MODELS.length] as [string, string, string, string[]];
    const isNew = rand() < 0.35;
    const year = isNew ? 2025 : 2012 + Math.floor(rand() * 12);
    const wrong = i === 5 || i === 23;
    const vin = makeVin(wmi, year, rand, wrong);
    const created = new Date(now - Math.floor(rand() * 200) * 86400000).toISOString();
    out.push({
      id: `veh_${String(i + 1).padStart(4, '0')}`,
      vin,
      model_year: year,
      make,
      model,
      trim: rand() > 0.2 ? (trims[Math.floor(rand() * trims.length)] ?? null) : null,
      mileage: isNew ? Math.floor(rand() * 40) : 8000 + Math.floor(rand() * 110000),
      price: `${isNew ? 27000 + Math.floor(rand() * 30000) : 6000 + Math.floor(rand() * 24000)}.00`,
      condition: isNew ? 'new' : 'used',
      status: rand() < 0.2 ? 'sold' : 'in_stock',
      check_digit_ok: !wrong,
      manufacturer: WMI[wmi] ?? null,
      created_at: created,
      updated_at: created,
    });
  }
  return out.sort((a, b) => b.created_at.localeCompare(a.created_at));
}

function payment(principal: number, ratePct: number, months: number): number {
  const r = ratePct / 1200;
  return r === 0 ? principal / months : (principal * r) / (1 - (1 + r) ** -months);
}

export function buildDeals(
  rand: () => number,
  customers: Array<{ id: string; name: string }>,
  vehicles: VehicleView[],
): DealSummary[] {
  const statuses: DealStatus[] = ['open', 'open', 'open', 'sold', 'lost'];
  const people = ['jbrooks', 'tnguyen', 'rpatel', null];
  const out: DealSummary[] = [];
  for (let i = 0; i < 28; i++) {
    const c = customers[(i * 5) % customers.length];
    const v = vehicles[(i * 3) % vehicles.length];
    if (!c || !v) break;
    const kind: OptionKind = rand() < 0.3 ? 'lease' : 'loan';
    const price = Number(v.price);
    const term = kind === 'lease' ? 36 : [48, 60, 72][Math.floor(rand() * 3)] ?? 60;
    const rate = 3.9 + Math.floor(rand() * 80) / 10;
    const financed = price * 0.9;
    const monthly = kind === 'lease' ? payment(price * 0.45, rate, term) : payment(financed, rate, term);
    const at = new Date(Date.now() - Math.floor(rand() * 60) * 86400000).toISOString();
    out.push({
      id: `deal_${String(i + 1).padStart(4, '0')}`,
      customer_id: c.id,
      customer_name: c.name,
      vehicle_id: v.id,
      vehicle_label: [v.model_year, v.make, v.model, v.trim].filter(Boolean).join(' '),
      status: statuses[Math.floor(rand() * statuses.length)] ?? 'open',
      kind,
      option_count: 1 + Math.floor(rand() * 3),
      term_months: term,
      monthly_payment: monthly.toFixed(2),
      amount_financed: kind === 'loan' ? financed.toFixed(2) : null,
      due_at_signing: kind === 'lease' ? (1500 + Math.floor(rand() * 2500)).toFixed(2) : null,
      apr: kind === 'loan' ? rate.toFixed(2) : null,
      salesperson: people[i % people.length] ?? null,
      created_at: at,
      updated_at: at,
    });
  }
  return out.sort((a, b) => b.created_at.localeCompare(a.created_at));
}

function words(query: string | null): string[] {
  return (query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
}

function page<T>(items: T[], limit: number | null, offset: number | null) {
  const start = offset ?? 0;
  return { items: items.slice(start, start + (limit ?? 50)), total: items.length };
}

function validateVehicle(input: VehicleInput, fail: Fail): VinReport {
  const report = decodeVin(input.vin);
  const problem = report.errors[0];
  if (problem) fail('validation', problem.charAt(0).toUpperCase() + problem.slice(1), 'vin');
  if (!report.check_digit_ok && !input.acknowledge_check_digit) {
    fail('validation', 'The check digit (position 9) is wrong. Confirm it to save the vehicle', 'acknowledge_check_digit');
  }
  if (!input.make.trim()) fail('validation', 'Enter the make', 'make');
  if (!input.model.trim()) fail('validation', 'Enter the model', 'model');
  if (input.condition === 'new' && input.mileage > 1000) {
    fail('validation', 'A new vehicle has at most 1000 miles; list it as used', 'mileage');
  }
  return report;
}

/**
 * Answers the inventory and deal commands, or returns `undefined` for a command it does not know.
 */
export function inventoryHandler(
  vehicles: VehicleView[],
  deals: DealSummary[],
  fail: Fail,
): (req: CommandRequest) => unknown {
  const find = (id: unknown) => vehicles.find((v) => v.id === id) ?? fail('not_found', 'No such vehicle.');
  const store = (id: string | null, input: VehicleInput): VehicleView => {
    const report = validateVehicle(input, fail);
    if (vehicles.some((v) => v.vin === report.vin && v.id !== id)) {
      fail('conflict', `A vehicle with VIN ${report.vin} is already in inventory`, 'vin');
    }
    const at = new Date().toISOString();
    const old = id ? find(id) : null;
    const view: VehicleView = {
      id: id ?? `veh_${Date.now()}`,
      vin: report.vin,
      model_year: input.model_year ?? report.model_year ?? 0,
      make: input.make.trim(),
      model: input.model.trim(),
      trim: input.trim,
      mileage: input.mileage,
      price: input.price,
      condition: input.condition,
      status: input.status ?? old?.status ?? 'in_stock',
      check_digit_ok: report.check_digit_ok,
      manufacturer: report.manufacturer,
      created_at: old?.created_at ?? at,
      updated_at: at,
    };
    if (old) vehicles.splice(vehicles.indexOf(old), 1, view);
    else vehicles.unshift(view);
    return view;
  };

  return (req) => {
    switch (req.cmd) {
      case 'list_vehicles': {
        const f = req.args.filter;
        const q = words(f.query);
        const found = vehicles.filter(
          (v) =>
            (!f.status || v.status === f.status) &&
            (!f.condition || v.condition === f.condition) &&
            q.every((w) =>
              /^\d{4}$/.test(w)
                ? String(v.model_year) === w
                : [v.vin, v.make, v.model, v.trim ?? ''].some((s) => s.toLowerCase().includes(w)),
            ),
        );
        return reply(req, page(found, f.limit, f.offset));
      }
      case 'get_vehicle':
        return reply(req, find(req.args.id));
      case 'add_vehicle':
        return reply(req, store(null, req.args.input));
      case 'update_vehicle':
        return reply(req, store(req.args.id, req.args.input));
      case 'check_vin':
        return reply(req, decodeVin(req.args.vin));
      case 'list_deals': {
        const f = req.args.filter;
        const q = words(f.query);
        const found = deals.filter(
          (d) =>
            (!f.status || d.status === f.status) &&
            (!f.kind || d.kind === f.kind) &&
            (!f.customer_id || d.customer_id === f.customer_id) &&
            (!f.vehicle_id || d.vehicle_id === f.vehicle_id) &&
            q.every((w) => `${d.customer_name} ${d.vehicle_label}`.toLowerCase().includes(w)),
        );
        return reply(req, page(found, f.limit, f.offset));
      }
      default:
        return undefined;
    }
  };
}
