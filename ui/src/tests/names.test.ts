import { describe, expect, it, vi } from 'vitest';
import { useBackend } from './fake-backend';
import { staffNames, who } from '../lib/names.svelte';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

describe('who did it, in words', () => {
  it('names staff from Rust’s directory and says what the other actors are', async () => {
    expect(who('staff:morgan.fi')).toBe('morgan.fi');
    const backend = useBackend({
      staff_directory: () => [{ actor: 'staff:morgan.fi', name: 'Morgan Reyes' }],
    });
    await staffNames.load();
    expect(backend.calls('staff_directory')).toHaveLength(1);
    expect(who('staff:morgan.fi')).toBe('Morgan Reyes');
    expect(who('staff:someone.else')).toBe('someone.else');
    expect(who('cli:demo')).toBe('demo (command line)');
    expect(who('portal:10.0.0.7')).toBe('the customer');
    expect(who('system')).toBe('DealerDesk');
    expect(who(null)).toBe('');
  });

  it('keeps showing usernames when the directory cannot be read', async () => {
    useBackend({});
    await expect(staffNames.load()).resolves.toBeUndefined();
    expect(who('staff:nobody')).toBe('nobody');
  });
});
