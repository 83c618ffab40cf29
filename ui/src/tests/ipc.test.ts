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
    // @ts-expect-error -- an input-less create is a type error now; only the rejection matters here.
    const error = await call('create_customer', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'validation', message: 'ZIP must be 5 digits', field: 'address.zip' });
  });

  it('is typed by the command map generated from the Rust commands (checked by `npm run check`)', async () => {
    vi.mocked(invoke).mockResolvedValue('***');
    const wrong = async () => {
      // @ts-expect-error -- Rust names the argument customer_id
      await call('reveal_pii', { customerId: 'c', field: 'ssn' });
      // @ts-expect-error -- limit is a number (u32 in Rust)
      await call('search_customers', { query: 'x', limit: '5' });
      // @ts-expect-error -- home_figures takes no arguments
      await call('home_figures', { x: 1 });
      // @ts-expect-error -- not a command
      await call('reveal_everything');
      // @ts-expect-error -- reveal_pii answers a string
      const n: number = await call('reveal_pii', { customer_id: 'c', field: 'ssn' });
      return n;
    };
    await wrong();
    const s: string = await call('reveal_pii', { customer_id: 'c', field: 'ssn' });
    expect(s).toBe('***');
    vi.mocked(invoke).mockReset();
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

  it("shows Rust's own sentence for an internal error Rust sent, and the fallback around anything else", () => {
    const fromRust = toApiError({ code: 'internal', message: 'The contract could not be made.', field: null });
    expect(fromRust.origin).toBe('rust');
    expect(fromRust.userMessage).toBe('The contract could not be made.');
    const fromTauri = toApiError('command home_figures not found');
    expect(fromTauri.origin).toBeUndefined();
    expect(fromTauri.userMessage).not.toBe('command home_figures not found');
    expect(fromTauri.userMessage).toContain('(command home_figures not found)');
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
