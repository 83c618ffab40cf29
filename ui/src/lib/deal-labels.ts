/** How deals read on screen: the words a salesperson uses for kinds, statuses and figures. */
import type { DealStatus, OptionKind } from './api/bindings';
import { formatMoney } from './format';

export const KIND_LABEL: Record<OptionKind, string> = { loan: 'Loan', lease: 'Lease' };

export const KIND_BADGE: Record<OptionKind, string> = { loan: 'badge-info', lease: 'badge-warning' };

export const DEAL_STATUS_LABEL: Record<DealStatus, string> = { open: 'Open', sold: 'Sold', lost: 'Lost' };

export const DEAL_STATUS_BADGE: Record<DealStatus, string> = {
  open: 'badge-info',
  sold: 'badge-success',
  lost: 'badge-neutral',
};

/** 72 → "72 mo". */
export function formatTerm(months: number): string {
  return `${months} mo`;
}

/**
 * The figure that sits next to the payment in lists (column "APR / due at signing"): a loan's
 * disclosed APR ("6.99" → "6.99% APR"), a lease's amount due at signing ("$2,999.00 due").
 */
export function rateOrDue(deal: { kind: OptionKind; apr: string | null; due_at_signing: string | null }): string {
  if (deal.kind === 'loan') return deal.apr !== null ? `${deal.apr}% APR` : '—';
  return deal.due_at_signing !== null ? `${formatMoney(deal.due_at_signing)} due` : '—';
}
