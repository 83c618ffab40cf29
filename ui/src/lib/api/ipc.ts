import { invoke } from '@tauri-apps/api/core';
import type { CommandError } from './bindings';
import { describeError, isErrorCode, type ErrorCode } from './errors';
import { trackProgress } from '../progress.svelte';

/** The commands of COMMANDS.md; a typo in a command name is a type error. */
export type CommandName =
  | 'app_status'
  | 'create_first_admin'
  | 'sign_in'
  | 'verify_mfa'
  | 'confirm_mfa_enrolment'
  | 'sign_out'
  | 'lock_session'
  | 'unlock_session'
  | 'session_heartbeat'
  | 'home_figures'
  | 'search_customers'
  | 'list_customers'
  | 'get_customer'
  | 'create_customer'
  | 'update_customer'
  | 'reveal_pii'
  | 'scan_licence'
  | 'run_identity_check'
  | 'latest_identity_check'
  | 'resolve_identity_flag'
  | 'decide_sanctions_candidate'
  | 'confirm_contact'
  | 'application_blockers'
  | 'issue_link'
  | 'list_links'
  | 'revoke_link'
  | 'list_audit'
  | 'verify_audit'
  | 'list_staff'
  | 'staff_directory'
  | 'add_staff'
  | 'set_staff_disabled'
  | 'reset_staff_mfa'
  | 'unlock_staff'
  | 'list_vehicles'
  | 'get_vehicle'
  | 'add_vehicle'
  | 'update_vehicle'
  | 'check_vin'
  | 'list_deals'
  | 'get_deal'
  | 'save_deal'
  | 'update_deal'
  | 'quote_deal_option'
  | 'list_applications'
  | 'application_pipeline'
  | 'application_pipeline_window'
  | 'application_analytics'
  | 'list_adverse_notices'
  | 'application_notices'
  | 'save_adverse_notice'
  | 'deliver_adverse_notice'
  | 'export_application_star'
  | 'import_star_decision'
  | 'list_contracts'
  | 'render_contract'
  | 'print_contract_copy'
  | 'open_contract_for_review'
  | 'contract_signing_status'
  | 'contract_ceremony_texts'
  | 'contract_consent'
  | 'contract_sign'
  | 'seal_contract'
  | 'verify_contract_file'
  | 'render_application_document'
  | 'list_application_documents'
  | 'print_application_copy'
  | 'print_deal_jacket'
  | 'save_document_as'
  | 'issue_remote_signing_link'
  | 'print_link_handout'
  | 'get_application'
  | 'application_assist'
  | 'submit_blockers'
  | 'create_application'
  | 'update_application'
  | 'record_consent'
  | 'submit_application'
  | 'transition_application'
  | 'poll_lender_decisions'
  | 'attach_stipulation_document'
  | 'clear_stipulation'
  | 'list_lenders';

/** A failed command, always with one of the closed codes. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ErrorCode;
  /** Input field at fault, named like the Rust input struct (`family_name`, `address.zip`). */
  readonly field: string | null;

  constructor(code: ErrorCode, message: string, field: string | null = null) {
    super(message);
    this.code = code;
    this.field = field;
  }

  /** Text to show to staff (see describeError). */
  get userMessage(): string {
    return describeError(this.code, this.message);
  }
}

function isCommandError(raw: unknown): raw is CommandError {
  if (typeof raw !== 'object' || raw === null) return false;
  const r = raw as Record<string, unknown>;
  return (
    isErrorCode(r['code']) &&
    typeof r['message'] === 'string' &&
    (r['field'] === undefined || r['field'] === null || typeof r['field'] === 'string')
  );
}

/**
 * Turns whatever `invoke` rejected with into an ApiError. Rust sends a CommandError; anything
 * else (a string from Tauri itself such as "command not found", a JS exception) is `internal`.
 */
export function toApiError(raw: unknown): ApiError {
  if (raw instanceof ApiError) return raw;
  if (isCommandError(raw)) return new ApiError(raw.code, raw.message, raw.field ?? null);
  if (typeof raw === 'string') return new ApiError('internal', raw);
  if (raw instanceof Error) return new ApiError('internal', raw.message);
  return new ApiError('internal', 'Unexpected reply from the application core.');
}

type ErrorObserver = (error: ApiError, cmd: CommandName) => void;
const observers = new Set<ErrorObserver>();

/** Lets the session store react to session errors from any call. Returns an unsubscribe. */
export function observeErrors(observer: ErrorObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

/** The one place that talks to Rust. Components use the typed functions in api/<domain>.ts. */
export async function call<T>(cmd: CommandName, args?: Record<string, unknown>): Promise<T> {
  const done = trackProgress();
  try {
    return await invoke<T>(cmd, args ?? {});
  } catch (raw) {
    const error = toApiError(raw);
    for (const observer of observers) observer(error, cmd);
    throw error;
  } finally {
    done();
  }
}
