import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import AuditLog from '../screens/AuditLog.svelte';
import Staff from '../screens/Staff.svelte';
import { session } from '../lib/session.svelte';
import type { AuditEntryView, AuditFilter, StaffView } from '../lib/api/bindings';
import { commandError, sessionView, staff, useBackend } from './fake-backend';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

function entry(seq: number, extra: Partial<AuditEntryView> = {}): AuditEntryView {
  return {
    seq,
    at: '2024-06-03T15:04:00Z',
    actor: 'dana',
    action: 'customer.view',
    subject: 'cus_1',
    outcome: 'success',
    detail: null,
    hash: 'ab'.repeat(32),
    ...extra,
  };
}

describe('the audit log', () => {
  it('sends the filter as typed, with local days turned into an inclusive range', async () => {
    const backend = useBackend({
      list_audit: () => ({ items: [entry(2), entry(1, { outcome: 'denied', action: 'pii.reveal' })], total: 2 }),
    });
    render(AuditLog);
    expect(await screen.findAllByTestId('audit-row')).toHaveLength(2);
    expect(screen.getByText('denied')).toHaveClass('badge-warning');

    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Actor'), 'dana');
    await user.selectOptions(screen.getByLabelText('Outcome'), 'denied');
    await user.type(screen.getByLabelText('Until'), '2024-06-03');
    await user.click(screen.getByRole('button', { name: 'Apply' }));

    await waitFor(() => expect(backend.calls('list_audit')).toHaveLength(2));
    const filter = backend.calls('list_audit')[1]?.['filter'] as AuditFilter;
    expect(filter).toMatchObject({ actor: 'dana', action: null, outcome: 'denied', since: null, limit: 50, offset: 0 });
    // "Until 06/03" must include all of June 3rd here: the bound is the start of June 4th.
    expect(filter.until).toBe(new Date(2024, 5, 4).toISOString());
  });

  it('reports an intact chain in green', async () => {
    useBackend({
      list_audit: () => ({ items: [], total: 0 }),
      verify_audit: () => ({ ok: true, entries: 1204, first_broken_seq: null, reason: null }),
    });
    render(AuditLog);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Verify chain' }));
    const report = await screen.findByTestId('verify-report');
    expect(report).toHaveTextContent('Chain intact — 1,204 entries');
    expect(report).toHaveClass('alert-success');
  });

  it('reports a broken chain in red with the entry and reason', async () => {
    useBackend({
      list_audit: () => ({ items: [], total: 0 }),
      verify_audit: () => ({ ok: false, entries: 1204, first_broken_seq: 57, reason: 'hash mismatch' }),
    });
    render(AuditLog);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Verify chain' }));
    const report = await screen.findByTestId('verify-report');
    expect(report).toHaveTextContent('Broken at entry #57: hash mismatch');
    expect(report).toHaveClass('alert-error');
  });
});

describe('staff administration', () => {
  const team = (): StaffView[] => [
    staff('admin'),
    staff('sales'),
    staff('finance_manager', { locked_until: new Date(Date.now() + 600_000).toISOString() }),
  ];

  it('shows each account with its MFA and lock status', async () => {
    session.signedIn(sessionView('admin'));
    useBackend({ list_staff: team });
    render(Staff);
    const rows = await screen.findAllByTestId('staff-row');
    expect(rows).toHaveLength(3);
    expect(within(rows[2] as HTMLElement).getByText('Locked')).toBeInTheDocument();
    expect(within(rows[2] as HTMLElement).getByRole('button', { name: 'Unlock' })).toBeInTheDocument();
    // An admin cannot disable their own account by accident.
    expect(within(rows[0] as HTMLElement).getByRole('button', { name: 'Disable' })).toBeDisabled();
  });

  it('disables an account only after a second, confirming press', async () => {
    session.signedIn(sessionView('admin'));
    const backend = useBackend({
      list_staff: team,
      set_staff_disabled: (args) => ({ ...staff('sales'), disabled: args['disabled'] as boolean }),
    });
    render(Staff);
    const rows = await screen.findAllByTestId('staff-row');
    const user = userEvent.setup();
    await user.click(within(rows[1] as HTMLElement).getByRole('button', { name: 'Disable' }));
    expect(backend.calls('set_staff_disabled')).toHaveLength(0);
    await user.click(within(rows[1] as HTMLElement).getByRole('button', { name: 'Confirm disable?' }));
    expect(backend.calls('set_staff_disabled')).toEqual([{ id: 'stf_sales', disabled: true }]);
    expect(await within(rows[1] as HTMLElement).findByText('Disabled')).toBeInTheDocument();
  });

  it('adds staff and shows a username conflict next to the username', async () => {
    session.signedIn(sessionView('admin'));
    const backend = useBackend({
      list_staff: team,
      add_staff: () => {
        throw commandError('conflict', 'That username is taken.', 'username');
      },
    });
    render(Staff);
    await screen.findAllByTestId('staff-row');
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Add staff' }));
    await user.type(screen.getByLabelText(/^Username/), 'jasmine');
    await user.type(screen.getByLabelText(/^Display name/), 'Jasmine B.');
    await user.selectOptions(screen.getByLabelText('Role'), 'finance_manager');
    await user.type(screen.getByLabelText(/^Initial password/), 'twelve chars ok{Enter}');

    expect(backend.calls('add_staff')).toEqual([
      { input: { username: 'jasmine', display_name: 'Jasmine B.', role: 'finance_manager', password: 'twelve chars ok' } },
    ]);
    const username = screen.getByLabelText(/^Username/);
    await waitFor(() => expect(username).toHaveAttribute('aria-invalid', 'true'));
    expect(username).toHaveAccessibleDescription('That username is taken.');
  });
});
