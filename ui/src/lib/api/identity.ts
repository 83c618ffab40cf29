import { call } from './ipc';
import type {
  Blocker,
  CandidateDecision,
  CheckInput,
  ContactChannel,
  ContactStatusView,
  FlagCode,
  Licence,
  VerificationView,
} from './bindings';

/** Reads a licence barcode's text (as a 2D scanner typed it). Nothing is stored. */
export function scanLicence(payload: string): Promise<Licence> {
  return call('scan_licence', { payload });
}

/** Runs and stores an identity check (document, SSN rules, red flags, sanctions screen). */
export function runIdentityCheck(customerId: string, input: CheckInput): Promise<VerificationView> {
  return call('run_identity_check', { customer_id: customerId, input });
}

/** The customer's latest check, or null when none was run. */
export function latestIdentityCheck(customerId: string): Promise<VerificationView | null> {
  return call('latest_identity_check', { customer_id: customerId });
}

/** Finance manager / admin: resolves a red flag with a note (audited). */
export function resolveIdentityFlag(checkId: string, code: FlagCode, note: string): Promise<VerificationView> {
  return call('resolve_identity_flag', { check_id: checkId, code, note });
}

/** Finance manager / admin: clears (false positive) or confirms a sanctions candidate (audited). */
export function decideSanctionsCandidate(
  checkId: string,
  entNum: number,
  decision: CandidateDecision,
  reason: string,
): Promise<VerificationView> {
  return call('decide_sanctions_candidate', { check_id: checkId, ent_num: entNum, decision, reason });
}

/** Records that staff confirmed these contact details with the customer (audited). */
export function confirmContact(customerId: string, channels: ContactChannel[]): Promise<ContactStatusView[]> {
  return call('confirm_contact', { customer_id: customerId, channels });
}

/** What still stands between the customer and a credit application (empty: nothing). */
export function applicationBlockers(customerId: string): Promise<Blocker[]> {
  return call('application_blockers', { customer_id: customerId });
}
