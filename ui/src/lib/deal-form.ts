/**
 * The deal desk's option columns as the form holds them, and their conversion to and from the
 * Rust terms. Values stay strings as typed; Rust parses, validates and prices everything (the UI
 * never computes a payment, a tax or a sum of money).
 */
import type { LeaseTerms, LoanTerms, OptionKind, OptionTerms } from './api/bindings';

export const MAX_OPTIONS = 3;

export type LoanForm = Omit<LoanTerms, 'term' | 'first_payment'> & { term: string; first_payment: string };
export type LeaseForm = Omit<
  LeaseTerms,
  'term' | 'lease_rate' | 'money_factor' | 'purchase_option_price' | 'excess_mileage_rate' | 'mileage_allowance_per_year'
> & {
  term: string;
  /** Which figure prices the rent charge. */
  pricing: 'lease_rate' | 'money_factor';
  rate: string;
  purchase_option_price: string;
  excess_mileage_rate: string;
  mileage_allowance_per_year: string;
};

export interface OptionForm {
  kind: OptionKind;
  label: string;
  loan: LoanForm;
  lease: LeaseForm;
}

/** Today as YYYY-MM-DD in local time: the contract is dated the day it is signed. */
export function localToday(now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

export function emptyLoan(price = '', today = localToday()): LoanForm {
  return {
    price,
    addons: '0.00',
    taxes_fees: '0.00',
    dealer_fees: '0.00',
    down: '0.00',
    trade: '0.00',
    payoff: '0.00',
    rebate: '0.00',
    rate: '6.99',
    term: '60',
    contract_date: today,
    first_payment: '',
  };
}

export function emptyLease(price = ''): LeaseForm {
  return {
    agreed_value: price,
    capitalized_items: '0.00',
    cap_reduction: '0.00',
    trade: '0.00',
    rebate: '0.00',
    residual: '',
    term: '36',
    pricing: 'money_factor',
    rate: '0.00125',
    monthly_tax_rate: '0',
    security_deposit: '0.00',
    title_fee: '0.00',
    registration_fee: '0.00',
    acquisition_fee: '0.00',
    disposition_fee: '0.00',
    purchase_option_price: '',
    excess_mileage_rate: '0.25',
    mileage_allowance_per_year: '12000',
  };
}

export function newOption(kind: OptionKind, price = '', term?: number): OptionForm {
  const o: OptionForm = { kind, label: '', loan: emptyLoan(price), lease: emptyLease(price) };
  if (term !== undefined) {
    if (kind === 'loan') o.loan.term = String(term);
    else o.lease.term = String(term);
  }
  return o;
}

/** The desk's usual opening menu: 60- and 72-month loans and a 36-month lease. */
export function defaultOptions(price = ''): OptionForm[] {
  return [newOption('loan', price, 60), newOption('loan', price, 72), newOption('lease', price, 36)];
}

/** A copy for "Add option": same structure, to vary the term or kind. */
export function copyOption(o: OptionForm): OptionForm {
  return { kind: o.kind, label: '', loan: { ...o.loan }, lease: { ...o.lease } };
}

/** "72" → 72; anything else → 0, which Rust refuses with a field error on `term`. */
function termNumber(text: string): number {
  const t = text.trim();
  return /^\d{1,4}$/.test(t) ? Number(t) : 0;
}

const optional = (s: string) => (s.trim() === '' ? null : s.trim());

/** The Rust terms for a column. Amounts go as typed (commas and $ removed); Rust judges them. */
export function toTerms(o: OptionForm): OptionTerms {
  const clean = (s: string) => s.replace(/[$,\s]/g, '');
  if (o.kind === 'loan') {
    const l = o.loan;
    return {
      kind: 'loan',
      input: {
        price: clean(l.price),
        addons: clean(l.addons),
        taxes_fees: clean(l.taxes_fees),
        dealer_fees: clean(l.dealer_fees),
        down: clean(l.down),
        trade: clean(l.trade),
        payoff: clean(l.payoff),
        rebate: clean(l.rebate),
        rate: clean(l.rate).replace(/%$/, ''),
        term: termNumber(l.term),
        contract_date: l.contract_date.trim(),
        first_payment: optional(l.first_payment),
      },
    };
  }
  const s = o.lease;
  const allowance = s.mileage_allowance_per_year.replace(/[,\s]/g, '');
  return {
    kind: 'lease',
    input: {
      agreed_value: clean(s.agreed_value),
      capitalized_items: clean(s.capitalized_items),
      cap_reduction: clean(s.cap_reduction),
      trade: clean(s.trade),
      rebate: clean(s.rebate),
      residual: clean(s.residual),
      term: termNumber(s.term),
      lease_rate: s.pricing === 'lease_rate' ? clean(s.rate).replace(/%$/, '') : null,
      money_factor: s.pricing === 'money_factor' ? clean(s.rate) : null,
      monthly_tax_rate: clean(s.monthly_tax_rate).replace(/%$/, ''),
      security_deposit: clean(s.security_deposit),
      title_fee: clean(s.title_fee),
      registration_fee: clean(s.registration_fee),
      acquisition_fee: clean(s.acquisition_fee),
      disposition_fee: clean(s.disposition_fee),
      purchase_option_price: optional(clean(s.purchase_option_price)),
      excess_mileage_rate: optional(clean(s.excess_mileage_rate)),
      mileage_allowance_per_year: /^\d{1,6}$/.test(allowance) ? Number(allowance) : null,
    },
  };
}

/** A stored option back into a column (the other kind's fields get defaults). */
export function fromTerms(terms: OptionTerms, label: string | null, price = ''): OptionForm {
  const o = newOption(terms.kind, price);
  o.label = label ?? '';
  if (terms.kind === 'loan') {
    const t = terms.input;
    o.loan = { ...t, term: String(t.term), first_payment: t.first_payment ?? '' };
    o.lease.agreed_value = t.price;
  } else {
    const t = terms.input;
    o.lease = {
      ...t,
      term: String(t.term),
      pricing: t.lease_rate !== null ? 'lease_rate' : 'money_factor',
      rate: t.lease_rate ?? t.money_factor ?? '',
      purchase_option_price: t.purchase_option_price ?? '',
      excess_mileage_rate: t.excess_mileage_rate ?? '',
      mileage_allowance_per_year: t.mileage_allowance_per_year === null ? '' : String(t.mileage_allowance_per_year),
    };
    o.loan.price = t.agreed_value;
  }
  return o;
}

/**
 * Switching a column between loan and lease carries over what means the same thing (the
 * vehicle's price, the trade, the rebate) when the other side is still at its default.
 */
export function switchKind(o: OptionForm, kind: OptionKind): void {
  if (o.kind === kind) return;
  if (kind === 'lease') {
    if (!o.lease.agreed_value.trim()) o.lease.agreed_value = o.loan.price;
    if (o.lease.trade === '0.00') o.lease.trade = o.loan.trade;
    if (o.lease.rebate === '0.00') o.lease.rebate = o.loan.rebate;
  } else {
    if (!o.loan.price.trim()) o.loan.price = o.lease.agreed_value;
    if (o.loan.trade === '0.00') o.loan.trade = o.lease.trade;
    if (o.loan.rebate === '0.00') o.loan.rebate = o.lease.rebate;
  }
  o.kind = kind;
}

/** Where a Rust field error like `options.1.rate` belongs: column index 1 (0-based), input `rate`. */
export function optionField(field: string | null): { index: number; name: string } | null {
  const m = /^options\.(\d+)\.(.+)$/.exec(field ?? '');
  if (!m) return null;
  return { index: Number(m[1]), name: m[2] ?? '' };
}

/** The parts of the stored quote document the desk draws. */
export interface ScheduleRowDoc {
  n: number;
  date: string;
  payment: string;
  interest: string;
  principal: string;
  balance: string;
}
export interface LoanQuoteDoc {
  cash_price: string;
  negative_equity: string;
  total_down_payment: string;
  amount_financed: string;
  monthly_payment: string;
  final_payment: string;
  finance_charge: string;
  total_of_payments: string;
  total_sale_price: string;
  apr: string;
  term: number;
  first_payment_date: string;
  schedule: ScheduleRowDoc[];
}
export interface LeaseQuoteDoc {
  gross_cap_cost: string;
  cap_cost_reduction: string;
  adjusted_cap_cost: string;
  residual: string;
  depreciation: string;
  rent_charge: string;
  total_base_payments: string;
  base_monthly_payment: string;
  monthly_tax: string;
  total_monthly_payment: string;
  due_at_signing: string;
  total_of_payments: string;
  purchase_option_price: string;
  money_factor: string;
  rate_info: { label: string; percent: string; notice: string };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The quote inside a stored document `{kind, input, limits, quote, disclosure}`, checked. */
export function loanDoc(doc: unknown): LoanQuoteDoc | null {
  if (!isRecord(doc) || doc['kind'] !== 'loan' || !isRecord(doc['quote'])) return null;
  const q = doc['quote'];
  return Array.isArray(q['schedule']) && typeof q['monthly_payment'] === 'string' ? (q as unknown as LoanQuoteDoc) : null;
}

export function leaseDoc(doc: unknown): LeaseQuoteDoc | null {
  if (!isRecord(doc) || doc['kind'] !== 'lease' || !isRecord(doc['quote'])) return null;
  const q = doc['quote'];
  return typeof q['total_monthly_payment'] === 'string' && isRecord(q['rate_info']) ? (q as unknown as LeaseQuoteDoc) : null;
}
