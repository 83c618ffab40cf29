/**
 * Display formats for a US finance desk: money `$1,234.56` (exact, from decimal strings, never
 * through floating point), phones `(555) 123-4567`, dates MM/DD/YYYY. Storage and IPC stay ISO.
 */

const GROUP = /\B(?=(\d{3})+(?!\d))/g;

/** 1234567 → "1,234,567". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.trunc(Math.abs(n))).replace(GROUP, ',');
}

const DECIMAL = /^\s*([+-])?(\d*)(?:\.(\d*))?\s*$/;

/** Parses a decimal string into integer cents, rounding half away from zero. */
export function toCents(value: string): bigint | null {
  const m = DECIMAL.exec(value);
  if (!m) return null;
  const whole = m[2] ?? '';
  const frac = m[3] ?? '';
  if (whole === '' && frac === '') return null;
  const padded = frac.padEnd(3, '0');
  let cents = BigInt((whole || '0') + padded.slice(0, 2));
  if (padded.charCodeAt(2) >= 53 /* '5' */) cents += 1n;
  return m[1] === '-' ? -cents : cents;
}

function centsToGrouped(cents: bigint): string {
  const abs = cents < 0n ? -cents : cents;
  const dollars = (abs / 100n).toString().replace(GROUP, ',');
  const rest = (abs % 100n).toString().padStart(2, '0');
  return `${dollars}.${rest}`;
}

/** "1234.5" → "$1,234.50"; "-20" → "-$20.00". Unparseable input comes back unchanged. */
export function formatMoney(value: string): string {
  const cents = toCents(value);
  if (cents === null) return value;
  return (cents < 0n ? '-$' : '$') + centsToGrouped(cents);
}

/**
 * What a person typed in a money field → the decimal string Rust expects ("4250.00").
 * Accepts "$4,250", "4250.5", " 4 250 "; returns null when it is not a non-negative amount
 * with at most two decimals.
 */
export function parseMoneyInput(text: string): string | null {
  const cleaned = text.replace(/[$,\s]/g, '');
  if (!/^(\d+(\.\d{0,2})?|\.\d{1,2})$/.test(cleaned)) return null;
  const cents = toCents(cleaned);
  if (cents === null) return null;
  const s = cents.toString().padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

/** How a money input shows its value once the user leaves it: "4250" → "4,250.00". */
export function formatMoneyInput(text: string): string {
  const parsed = parseMoneyInput(text);
  if (parsed === null) return text;
  const cents = toCents(parsed);
  return cents === null ? text : centsToGrouped(cents);
}

/** "5551234567", "+1 555 123 4567" → "(555) 123-4567"; anything else unchanged. */
export function formatPhone(raw: string): string {
  let digits = raw.replace(/\D/g, '');
  if (digits.length === 11 && digits.startsWith('1')) digits = digits.slice(1);
  if (digits.length !== 10) return raw;
  return `(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}`;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * "2024-03-05" → "03/05/2024". A full timestamp ("2024-03-05T23:30:00Z") is shown as the
 * local calendar date, because that is the day the person at the desk lived through.
 */
export function formatDate(iso: string): string {
  const d = ISO_DATE.exec(iso);
  if (d) return `${d[2]}/${d[3]}/${d[1]}`;
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  return `${pad2(t.getMonth() + 1)}/${pad2(t.getDate())}/${t.getFullYear()}`;
}

/** An RFC 3339 instant as local "03/05/2024 2:05 PM". */
export function formatDateTime(iso: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const h = t.getHours();
  const hour12 = h % 12 === 0 ? 12 : h % 12;
  return `${formatDate(iso)} ${hour12}:${pad2(t.getMinutes())} ${h < 12 ? 'AM' : 'PM'}`;
}

/** An RFC 3339 instant as local "14:05" (24-hour clock, for short status lines). */
export function formatTime(iso: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  return `${pad2(t.getHours())}:${pad2(t.getMinutes())}`;
}

/** "3/5/1980" or "1980-03-05" → "1980-03-05"; null when it is not a real calendar date. */
export function parseUsDate(text: string): string | null {
  const trimmed = text.trim();
  let y: number, m: number, d: number;
  const us = US_DATE.exec(trimmed);
  const iso = ISO_DATE.exec(trimmed);
  if (us) {
    [m, d, y] = [Number(us[1]), Number(us[2]), Number(us[3])];
  } else if (iso) {
    [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  } else {
    return null;
  }
  const probe = new Date(Date.UTC(y, m - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== m - 1 || probe.getUTCDate() !== d) {
    return null;
  }
  return `${y}-${pad2(m)}-${pad2(d)}`;
}

/** 26 → "2 years 2 months"; 12 → "1 year"; 0 → "less than a month". */
export function formatMonthsAt(months: number): string {
  if (!Number.isFinite(months) || months < 1) return 'less than a month';
  const years = Math.floor(months / 12);
  const rest = Math.floor(months % 12);
  const parts: string[] = [];
  if (years > 0) parts.push(`${years} ${years === 1 ? 'year' : 'years'}`);
  if (rest > 0) parts.push(`${rest} ${rest === 1 ? 'month' : 'months'}`);
  return parts.join(' ');
}

/**
 * Whole months from one ISO date to a later one: the most n for which the earlier date moved n
 * calendar months on (a day a shorter month lacks becomes its last day) is on or before the later
 * date; 0 when the later date is not later. The same rule as Rust's `dates::whole_months`, held
 * to the same cases (tests/fixtures/rules/whole-months.json); null when a date does not read.
 */
export function wholeMonths(fromIso: string, toIso: string): number | null {
  const a = ISO_DATE.exec(fromIso);
  const b = ISO_DATE.exec(toIso);
  if (!a || !b) return null;
  const [fy, fm, fd] = [Number(a[1]), Number(a[2]), Number(a[3])];
  const [ty, tm, td] = [Number(b[1]), Number(b[2]), Number(b[3])];
  const movedOnOrBefore = (n: number): boolean => {
    const total = fy * 12 + (fm - 1) + n;
    const y = Math.floor(total / 12);
    const m = (total % 12) + 1;
    const lastDay = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const d = Math.min(fd, lastDay);
    return y < ty || (y === ty && (m < tm || (m === tm && d <= td)));
  };
  let n = (ty - fy) * 12 + (tm - fm);
  while (n > 0 && !movedOnOrBefore(n)) n -= 1;
  return Math.max(0, n);
}

/** Whole months from an ISO date to today (local), by {@link wholeMonths}. */
export function monthsSince(isoDate: string, today: Date = new Date()): number | null {
  const pad = (v: number) => String(v).padStart(2, '0');
  const todayIso = `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}`;
  return wholeMonths(isoDate, todayIso);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2024-03" (or "2024-03-01") → { short: "Mar", long: "March 2024"-style "Mar 2024" }. */
export function monthLabel(month: string): { short: string; long: string; year: string } {
  const m = /^(\d{4})-(\d{2})/.exec(month);
  const name = m ? MONTHS[Number(m[2]) - 1] : undefined;
  if (!m || !name) return { short: month, long: month, year: '' };
  return { short: name, long: `${name} ${m[1]}`, year: m[1] ?? '' };
}

/** Paging caption: (0, 50, 1234) → "1–50 of 1,234". */
export function rangeLabel(offset: number, shown: number, total: number): string {
  if (total === 0 || shown === 0) return `0 of ${formatCount(total)}`;
  return `${formatCount(offset + 1)}–${formatCount(offset + shown)} of ${formatCount(total)}`;
}

/**
 * Licences print names in capitals: "MARY-JO O'NEIL" → "Mary-Jo O'Neil". Words already in mixed
 * case are left as typed, and staff can correct the rest ("Mcdonald").
 */
export function titleCase(text: string): string {
  if (text !== text.toUpperCase()) return text;
  return text.toLowerCase().replace(/(^|[\s\-'.])(\p{L})/gu, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
}
