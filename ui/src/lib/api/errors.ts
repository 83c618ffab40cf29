import type { ErrorCode } from './bindings';

export type { ErrorCode };

/**
 * Every code the Rust side can send, mirrored from `ErrorCode` in bindings.ts.
 * A `Record` keyed by the union makes `npm run check` fail when the generated bindings gain or
 * lose a code, so this list can never silently drift from Rust.
 */
const CODES: Record<ErrorCode, true> = {
  validation: true,
  not_signed_in: true,
  session_locked: true,
  session_expired: true,
  forbidden: true,
  invalid_credentials: true,
  account_locked: true,
  account_disabled: true,
  mfa_required: true,
  invalid_mfa_code: true,
  not_found: true,
  conflict: true,
  storage: true,
  internal: true,
};

/** The closed list of error codes, in the order Rust declares them. */
export const ERROR_CODES: readonly ErrorCode[] = Object.freeze(Object.keys(CODES) as ErrorCode[]);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(CODES, value);
}

/** Codes that mean "the session cannot be used as it is": the shell must give way. */
export function isSessionError(code: ErrorCode): boolean {
  return code === 'session_locked' || code === 'session_expired' || code === 'not_signed_in';
}

/** Codes that end the session entirely: back to the sign-in screen. */
export function isSignedOutError(code: ErrorCode): boolean {
  return code === 'session_expired' || code === 'not_signed_in';
}

/** Codes answered by sign-in, MFA and unlock; shown under the form that caused them. */
export function isCredentialError(code: ErrorCode): boolean {
  return (
    code === 'invalid_credentials' ||
    code === 'account_locked' ||
    code === 'account_disabled' ||
    code === 'invalid_mfa_code'
  );
}

/**
 * Shown only when there is no message to show: an empty one, or a failure that did not come
 * from Rust (see describeError). Rust's own message, written for staff, always wins.
 */
const FALLBACK: Record<ErrorCode, string> = {
  validation: 'Check the highlighted entry.',
  not_signed_in: 'You are not signed in.',
  session_locked: 'The session is locked.',
  session_expired: 'Your session has expired. Please sign in again.',
  forbidden: 'Your role cannot do this.',
  invalid_credentials: 'Wrong username or password.',
  account_locked: 'This account is locked after too many failed attempts. Ask an admin to unlock it, or try again later.',
  account_disabled: 'This account is disabled. Ask an admin.',
  mfa_required: 'Enter your MFA code first.',
  invalid_mfa_code: 'That code is not valid. Check the time on your phone and enter the current 6-digit code.',
  not_found: 'That was not found.',
  conflict: 'That cannot be done in the current state.',
  storage: 'The database could not be read or written. Try again; if it keeps happening, call support.',
  internal: 'Something went wrong.',
};

/** Where a failure came from: Rust sent it as a CommandError, or something else threw it. */
export type ErrorOrigin = 'rust' | 'other';

/**
 * Text shown to staff: the message Rust sent, which is written for staff and never holds SQL,
 * paths or PII (storage and internal failures arrive as one plain sentence). The UI never
 * matches on that text (STYLE.md, "Avoid"); it only shows it.
 *
 * A fallback is used for an empty message, and for an `internal` failure not known to come
 * from Rust (Tauri's own strings such as "command not found", JS exceptions), whose text was
 * not written for staff: it is kept after the fallback for support.
 */
export function describeError(code: ErrorCode, message: string, origin?: ErrorOrigin): string {
  const text = message.trim();
  if (text === '') return FALLBACK[code];
  if (code === 'internal' && origin !== 'rust') return `${FALLBACK.internal} (${text})`;
  return text;
}
