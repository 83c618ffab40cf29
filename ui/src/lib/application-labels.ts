/** How credit applications read on screen: states, actions and checklist items in desk words. */
import type { Action, ApplicationState, Blocker, HousingStatus, Unmet } from './api/bindings';

export const STATE_LABEL: Record<ApplicationState, string> = {
  draft: 'Draft',
  ready: 'Ready to submit',
  submitted: 'With the lender',
  approved: 'Approved',
  conditional: 'Approved with conditions',
  countered: 'Counter-offer',
  declined: 'Declined',
  contracted: 'Contracted',
  funded: 'Funded',
  withdrawn: 'Withdrawn',
  expired: 'Expired',
};

export const STATE_BADGE: Record<ApplicationState, string> = {
  draft: 'badge-neutral',
  ready: 'badge-info',
  submitted: 'badge-info',
  approved: 'badge-success',
  conditional: 'badge-warning',
  countered: 'badge-warning',
  declined: 'badge-danger',
  contracted: 'badge-success',
  funded: 'badge-success',
  withdrawn: 'badge-neutral',
  expired: 'badge-neutral',
};

/** Button text of each action. */
export const ACTION_LABEL: Record<Action, string> = {
  mark_ready: 'Mark ready',
  reopen: 'Reopen to edit',
  submit: 'Submit to lender',
  approve: 'Record approval',
  condition: 'Record conditional approval',
  counter: 'Record counter-offer',
  decline: 'Record decline',
  accept_counter: 'Customer takes the counter-offer',
  rework: 'Rework the deal',
  contract: 'Contract',
  fund: 'Mark funded',
  withdraw: 'Withdraw (customer walked)',
  expire: 'Mark expired',
};

export const HOUSING_LABEL: Record<HousingStatus, string> = {
  own: 'Owns outright',
  mortgage: 'Owns with a mortgage',
  rent: 'Rents',
  family: 'Lives with family',
  other: 'Other',
};

const CHANNEL: Record<string, string> = { phone: 'phone', email: 'e-mail', address: 'address' };

export function blockerText(b: Blocker): string {
  switch (b.kind) {
    case 'not_checked':
      return 'identity not checked yet';
    case 'stale':
      return 'details changed since the identity check; check again';
    case 'failed':
      return `identity check failed (${b.reasons.join('; ')})`;
    case 'open_flags':
      return `${b.codes.length} red flag${b.codes.length === 1 ? '' : 's'} to resolve`;
    case 'undecided_candidates':
      return 'a possible sanctions match to decide';
    case 'not_screened':
      return 'not screened against the sanctions list';
    case 'contact_not_confirmed':
      return `${CHANNEL[b.channel] ?? b.channel} not confirmed with the customer`;
  }
}


/** One unmet precondition: what is missing and what to do about it. */
export function unmetText(u: Unmet): { what: string; todo: string } {
  switch (u.kind) {
    case 'no_consent':
      return { what: 'No credit-report consent', todo: 'Read the consent to the customer and record it below.' };
    case 'consent_missing_co_applicant':
      return { what: "The co-applicant's consent is missing", todo: 'Record the consent again with both people agreeing.' };
    case 'identity':
      return {
        what: `${u.party === 'applicant' ? "The applicant's" : "The co-applicant's"} identity is not cleared: ${u.blockers.map(blockerText).join(', ')}`,
        todo: 'Finish the identity check on the customer page.',
      };
    case 'no_lender':
      return { what: 'No lender chosen', todo: 'Edit the application and choose a lender.' };
    case 'no_rate_sheet':
      return { what: 'The lender has no rate sheet', todo: 'Ask a finance manager to import it, or choose another lender.' };
    case 'no_credit_score':
      return { what: 'No credit score', todo: 'Edit the application and enter the score from the credit report.' };
    case 'incomplete':
      // Rust's message already names what is short ("the residence history covers 20 months; …").
      return { what: u.message.charAt(0).toUpperCase() + u.message.slice(1), todo: 'Edit the application and fill it in.' };
    case 'open_stipulations':
      return { what: `${u.count} stipulation${u.count === 1 ? '' : 's'} still open`, todo: 'Collect the documents and have them cleared.' };
  }
}

/** Whole days from an RFC 3339 instant to now. */
export function daysSince(iso: string, now: Date = new Date()): number {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return 0;
  return Math.max(0, Math.floor((now.getTime() - t) / 86_400_000));
}

/**
 * The credit-report consent wording the desk reads out, by version (mirror of Rust's
 * `CONSENT_TEXTS`; Rust stores the version and the text's SHA-256 with the consent).
 */
export const CONSENT_TEXT = {
  version: 'credit-consent-2026-11',
  text:
    'By signing below, you authorize the dealer and the lenders to which the dealer submits your ' +
    'application to obtain your consumer credit report and to verify the information in this ' +
    'application, now and for any update, renewal or extension of credit.',
} as const;

export const STIP_STATUS_LABEL = { open: 'Open', received: 'Document received', cleared: 'Cleared' } as const;
export const STIP_STATUS_BADGE = { open: 'badge-warning', received: 'badge-info', cleared: 'badge-success' } as const;
