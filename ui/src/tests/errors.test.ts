import { describe, expect, it } from 'vitest';
import { ERROR_CODES, describeError } from '../lib/api/errors';
import { toApiError } from '../lib/api/ipc';

describe('describeError', () => {
  it("shows the message Rust sent, whatever the code", () => {
    for (const code of ERROR_CODES) {
      const rust = `Rust's own words for ${code}`;
      expect(describeError(code, rust, 'rust')).toBe(rust);
      if (code !== 'internal') expect(describeError(code, rust)).toBe(rust);
    }
    expect(describeError('forbidden', 'your role cannot reveal the SSN; a finance manager or admin must')).toBe(
      'your role cannot reveal the SSN; a finance manager or admin must',
    );
  });

  it('falls back to a text of its own for an empty message', () => {
    for (const code of ERROR_CODES) {
      const text = describeError(code, '  ', 'rust');
      expect(text.trim()).not.toBe('');
      expect(text).not.toContain(code);
    }
    expect(describeError('storage', '')).toBe('The database could not be read or written. Try again; if it keeps happening, call support.');
  });

  it('does not pass off what Tauri or JavaScript threw as a message for staff', () => {
    expect(toApiError('command home_figures not found').userMessage).toBe('Something went wrong. (command home_figures not found)');
    expect(toApiError(new TypeError('boom')).userMessage).toBe('Something went wrong. (boom)');
    expect(describeError('internal', 'The contract could not be made.', 'rust')).toBe('The contract could not be made.');
  });

  it('keeps the message of a CommandError that came through IPC', () => {
    const e = toApiError({ code: 'conflict', message: 'this notice was already delivered (mail on 2026-03-01 by dana)', field: null });
    expect(e.userMessage).toBe('this notice was already delivered (mail on 2026-03-01 by dana)');
  });
});
