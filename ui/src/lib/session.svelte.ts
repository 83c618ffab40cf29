import type { AppStatus, MfaEnrolment, Permission, Role, SessionView } from './api/bindings';
import { appStatus } from './api/auth';
import { observeErrors, type ApiError } from './api/ipc';
import { describeError, isSignedOutError } from './api/errors';
import { resetCustomerList } from './customer-list.svelte';
import { router } from './router.svelte';

/**
 * Which screen the app as a whole is on. `signed_in` covers the shell; a locked session stays
 * `signed_in` (with `view.locked`) so the shell, and any half-filled form in it, stays mounted
 * underneath the lock screen and nothing typed is lost.
 */
export type Phase =
  | 'starting'
  | 'unavailable'
  | 'first_admin'
  | 'sign_in'
  | 'mfa'
  | 'mfa_enrol'
  | 'signed_in';

class Session {
  status = $state<AppStatus | null>(null);
  view = $state<SessionView | null>(null);
  phase = $state<Phase>('starting');
  enrolment = $state<MfaEnrolment | null>(null);
  /** Why the user was sent back to sign-in (shown there once). */
  notice = $state<string | null>(null);
  /** The reason app_status failed, for the "cannot start" screen. */
  startError = $state<string | null>(null);
  /** Prefills the sign-in username after first-admin creation or a sign-out. */
  lastUsername = $state('');

  private afterUnlock: Array<() => void> = [];

  get demo(): boolean {
    return this.status?.demo === true;
  }
  get locked(): boolean {
    return this.view?.locked === true;
  }
  get role(): Role | null {
    return this.view?.staff.role ?? null;
  }
  /** Whether the signed-in staff member's role may do this (Rust's list; it checks again). */
  may(permission: Permission): boolean {
    return this.view?.permissions.includes(permission) === true;
  }
  get idleLockMinutes(): number {
    return this.status?.idle_lock_minutes ?? 10;
  }

  /** Asks Rust where we stand (first run, signed in, locked…) and picks the screen. */
  async start(): Promise<void> {
    this.phase = 'starting';
    try {
      this.applyStatus(await appStatus());
    } catch (e) {
      this.startError = (e as ApiError).userMessage ?? String(e);
      this.phase = 'unavailable';
    }
  }

  applyStatus(status: AppStatus): void {
    this.status = status;
    this.enrolment = null;
    if (status.needs_first_admin) {
      this.view = null;
      this.phase = 'first_admin';
    } else if (status.session) {
      this.view = status.session;
      this.phase = 'signed_in';
    } else {
      this.view = null;
      this.phase = 'sign_in';
    }
  }

  firstAdminCreated(username: string): void {
    if (this.status) this.status = { ...this.status, needs_first_admin: false };
    this.lastUsername = username;
    this.phase = 'sign_in';
  }

  mfaRequired(): void {
    this.phase = 'mfa';
  }

  enrolmentRequired(enrolment: MfaEnrolment): void {
    this.enrolment = enrolment;
    this.phase = 'mfa_enrol';
  }

  signedIn(view: SessionView): void {
    this.view = view;
    this.enrolment = null;
    this.notice = null;
    this.phase = 'signed_in';
  }

  /** Heartbeats return a fresh view (new expiry); keep it without touching the lock state. */
  refreshed(view: SessionView): void {
    if (this.phase === 'signed_in') this.view = view;
  }

  markLocked(): void {
    if (this.view && !this.view.locked) this.view = { ...this.view, locked: true };
  }

  unlocked(view: SessionView): void {
    this.view = view;
    const pending = this.afterUnlock;
    this.afterUnlock = [];
    for (const retry of pending) retry();
  }

  /**
   * A screen whose load failed because the session was locked registers its retry here; it
   * runs once the password has been entered again.
   */
  retryAfterUnlock(retry: () => void): void {
    this.afterUnlock.push(retry);
  }

  /**
   * Back to sign-in. The next person at the desk starts on Home with an empty search: neither
   * the last customer nor the last search term is left on screen for them.
   */
  signedOut(notice: string | null = null): void {
    if (this.view) this.lastUsername = this.view.staff.username;
    resetCustomerList();
    if (this.phase === 'signed_in') router.go({ name: 'home' });
    this.view = null;
    this.enrolment = null;
    this.afterUnlock = [];
    this.notice = notice;
    this.phase = 'sign_in';
  }

  /** Resets everything; tests use it between cases. */
  reset(): void {
    this.status = null;
    this.view = null;
    this.enrolment = null;
    this.notice = null;
    this.startError = null;
    this.lastUsername = '';
    this.afterUnlock = [];
    this.phase = 'starting';
  }

  /** Reaction to any failed call: session errors move the whole app, others stay local. */
  handleError(error: ApiError): void {
    if (error.code === 'session_locked') {
      this.markLocked();
    } else if (isSignedOutError(error.code)) {
      if (this.phase === 'signed_in' || this.phase === 'mfa' || this.phase === 'mfa_enrol') {
        this.signedOut(describeError(error.code, error.message));
      }
    }
  }
}

export const session = new Session();

/** Routes session errors from every IPC call to the session; returns the cleanup. */
export function installSessionGuard(): () => void {
  return observeErrors((error) => session.handleError(error));
}
