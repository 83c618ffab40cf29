/**
 * The licence text scanned on the customer form, handed to the identity check on the customer
 * screen so staff need not scan twice. Memory only (it is PII), for one customer, for a few
 * minutes, and taken at most once.
 */
const KEEP_MS = 10 * 60_000;

let held: { customerId: string; payload: string; at: number } | null = null;

export function holdScan(customerId: string, payload: string): void {
  held = { customerId, payload, at: Date.now() };
}

/** The scan held for this customer, if still fresh; it is forgotten either way. */
export function takeScan(customerId: string): string | null {
  const h = held;
  held = null;
  if (!h || h.customerId !== customerId || Date.now() - h.at > KEEP_MS) return null;
  return h.payload;
}

/** On lock or sign-out: forget it. */
export function dropScan(): void {
  held = null;
}
