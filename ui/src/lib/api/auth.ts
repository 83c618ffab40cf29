import { call } from './ipc';
import type { AppStatus, NewStaff, SessionView, SignInOutcome, StaffView } from './bindings';

export function appStatus(): Promise<AppStatus> {
  return call('app_status');
}

/** Only while no staff exists; Rust forces the role to admin. */
export function createFirstAdmin(input: NewStaff): Promise<StaffView> {
  return call('create_first_admin', { input });
}

export function signIn(username: string, password: string): Promise<SignInOutcome> {
  return call('sign_in', { username, password });
}

export function verifyMfa(code: string): Promise<SessionView> {
  return call('verify_mfa', { code });
}

export function confirmMfaEnrolment(code: string): Promise<SessionView> {
  return call('confirm_mfa_enrolment', { code });
}

export function signOut(): Promise<null> {
  return call('sign_out');
}

export function lockSession(): Promise<null> {
  return call('lock_session');
}

export function unlockSession(password: string): Promise<SessionView> {
  return call('unlock_session', { password });
}

/** Keeps the Rust-side idle timer from locking while the user is active (at most once a minute). */
export function sessionHeartbeat(): Promise<SessionView> {
  return call('session_heartbeat');
}
