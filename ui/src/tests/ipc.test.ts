import { describe, expect, it, vi } from 'vitest';
import { invoke } from '@tauri-apps/api/core';
import { ApiError, call, observeErrors, toApiError } from '../lib/api/ipc';
import { ERROR_CODES, isErrorCode, isSessionError } from '../lib/api/errors';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

describe('the IPC wrapper', () => {
  it('passes the command name and snake_case args through to invoke', async () => {
    vi.mocked(invoke).mockResolvedValueOnce([]);
    await call('search_customers', { query: 'gar', limit: 50 });
    expect(invoke).toHaveBeenCalledWith('search_customers', { query: 'gar', limit: 50 });
  });

  it('turns a CommandError rejection into an ApiError with code, message and field', async () => {
    vi.mocked(invoke).mockRejectedValueOnce({ code: 'validation', message: 'ZIP must be 5 digits', field: 'address.zip' });
    const error = await call('create_customer', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'validation', message: 'ZIP must be 5 digits', field: 'address.zip' });
  });

  it('reports a rejection that is not a CommandError as internal', () => {
    expect(toApiError('command home_figures not found')).toMatchObject({
      code: 'internal',
      message: 'command home_figures not found',
      field: null,
    });
    expect(toApiError(new TypeError('boom')).code).toBe('internal');
    expect(toApiError(undefined).code).toBe('internal');
    expect(toApiError({ code: 'no_such_code', message: 'x' }).code).toBe('internal');
  });

  it('tells error observers about every failed call', async () => {
    const seen: string[] = [];
    const stop = observeErrors((e, cmd) => seen.push(`${cmd}:${e.code}`));
    vi.mocked(invoke).mockRejectedValueOnce({ code: 'session_locked', message: 'locked', field: null });
    await call('home_figures').catch(() => undefined);
    stop();
    vi.mocked(invoke).mockRejectedValueOnce({ code: 'session_locked', message: 'locked', field: null });
    await call('home_figures').catch(() => undefined);
    expect(seen).toEqual(['home_figures:session_locked']);
  });
});

describe('error codes', () => {
  it('mirror the closed list from the bindings', () => {
    expect(ERROR_CODES).toHaveLength(14);
    expect(ERROR_CODES).toContain('session_locked');
    expect(isErrorCode('forbidden')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
  });

  it('class only lock, expiry and missing sign-in as session errors', () => {
    expect(ERROR_CODES.filter(isSessionError).sort()).toEqual(['not_signed_in', 'session_expired', 'session_locked']);
  });
});
