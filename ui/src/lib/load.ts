import { toApiError } from './api/ipc';
import { isSessionError } from './api/errors';
import { session } from './session.svelte';

/**
 * What a screen shows when loading its data failed. Session errors are the session store's
 * business (lock screen or sign-in): the screen shows nothing and, after a lock, retries once
 * the password has been entered again.
 */
export function loadErrorMessage(error: unknown, retry: () => void): string | null {
  const err = toApiError(error);
  if (isSessionError(err.code)) {
    if (err.code === 'session_locked') session.retryAfterUnlock(retry);
    return null;
  }
  return err.userMessage;
}
