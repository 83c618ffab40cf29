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
 * Text shown to staff for a code. The UI never matches on Rust's English text (STYLE.md,
 * "Avoid"); for codes whose details only Rust knows (validation, conflict, not_found) Rust's
 * message is used, since Rust guarantees it holds no SQL or paths.
 */
export function describeError(code: ErrorCode, rustMessage: string): string {
  switch (code) {
    case 'invalid_credentials':
      return 'Wrong username or password.';
    case 'account_locked':
      return 'This account is locked after too many failed attempts. Ask an admin to unlock it, or try again later.';
    case 'account_disabled':
      return 'This account is disabled. Ask an admin.';
    case 'invalid_mfa_code':
      return 'That code is not valid. Check the time on your phone and enter the current 6-digit code.';
    case 'forbidden':
      return 'Your role cannot do this.';
    case 'session_locked':
      return 'The session is locked.';
    case 'session_expired':
      return 'Your session has expired. Please sign in again.';
    case 'not_signed_in':
      return 'You are not signed in.';
    case 'mfa_required':
      return 'Enter your MFA code first.';
    case 'storage':
      return 'The database could not be read or written. Try again; if it keeps happening, call support.';
    case 'internal':
      return rustMessage ? `Something went wrong: ${rustMessage}` : 'Something went wrong.';
    case 'validation':
    case 'not_found':
    case 'conflict':
      return rustMessage;
  }
}
