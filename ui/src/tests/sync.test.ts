import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import SyncIndicator from '../lib/components/SyncIndicator.svelte';
import SyncEnrolment from '../lib/components/SyncEnrolment.svelte';
import SyncConflicts from '../screens/SyncConflicts.svelte';
import { router } from '../lib/router.svelte';
import type { ConflictView, EnrolmentView, SyncOverview, SyncStatus } from '../lib/api/bindings';
import { commandError, useBackend } from './fake-backend';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

const ENROLMENT: EnrolmentView = {
  hub_url: 'https://hub.lan:8443',
  desk_name: 'North desk 1',
  rooftop: 'North',
  enrolled_at: '2026-12-01T15:00:00Z',
  fingerprint: '0123456789abcdef'.repeat(4),
};

function overview(extra: Partial<SyncStatus> = {}, enrolled = true): SyncOverview {
  return {
    status: {
      enrolled,
      hub: enrolled ? ENROLMENT.hub_url : null,
      desk_id: enrolled ? '0190aaaa-0000-7000-8000-000000000001' : null,
      waiting: 0,
      cursor: 12,
      last_attempt_at: enrolled ? '2026-12-07T14:05:00Z' : null,
      last_success_at: enrolled ? '2026-12-07T14:05:00Z' : null,
      offline_since: null,
      last_error: null,
      open_conflicts: 0,
      ...extra,
    },
    enrolment: enrolled ? ENROLMENT : null,
    running: false,
  };
}

function conflict(i: number, extra: Partial<ConflictView> = {}): ConflictView {
  return {
    id: `cfl_${i}`,
    at: '2026-12-07T14:05:00Z',
    record: 'customer',
    row_id: `cus_${i}`,
    outcome: 'conflict',
    reason: 'another desk changed this customer later; its version is kept and this desk\'s is shown for review',
    fields: [
      { field: 'phone', ours: '5125550101', theirs: '5125550199' },
      { field: 'ssn_enc', ours: '(encrypted)', theirs: '(encrypted)' },
    ],
    ...extra,
  };
}

describe('the header sync indicator', () => {
  it('says Synced, with the last success on hover', async () => {
    useBackend({ sync_status: () => overview() });
    render(SyncIndicator, { showConflicts: true });
    const badge = await screen.findByTestId('sync-state');
    expect(badge).toHaveTextContent('Synced');
    expect(badge.getAttribute('title')).toMatch(/^Last synced 12\/07\/2026 \d+:05 [AP]M$/);
    expect(screen.getByRole('button', { name: 'Sync now' })).toBeEnabled();
    expect(screen.queryByTestId('sync-conflicts')).not.toBeInTheDocument();
  });

  it('counts the changes waiting for the hub', async () => {
    useBackend({ sync_status: () => overview({ waiting: 3 }) });
    render(SyncIndicator, { showConflicts: false });
    expect(await screen.findByTestId('sync-state')).toHaveTextContent('3 changes waiting');
    expect(screen.getByTestId('sync-indicator')).toHaveAttribute('data-state', 'waiting');
  });

  it('says since when it is offline, with the reason in the tooltip', async () => {
    const since = '2026-12-07T14:07:00Z';
    const hhmm = new Date(since).toTimeString().slice(0, 5);
    useBackend({
      sync_status: () =>
        overview({ waiting: 2, offline_since: since, last_error: 'the hub at https://hub.lan:8443 could not be reached: connection refused' }),
    });
    render(SyncIndicator, { showConflicts: false });
    const badge = await screen.findByTestId('sync-state');
    expect(badge).toHaveTextContent(`Offline since ${hhmm} · 2 changes waiting`);
    expect(screen.getByTestId('sync-indicator')).toHaveAttribute('data-state', 'offline');
    expect(badge.getAttribute('title')).toContain('connection refused');
  });

  it('shows nothing on a desk that is not enrolled, and nothing when the status cannot be read', async () => {
    const backend = useBackend({ sync_status: () => overview({}, false) });
    const { unmount } = render(SyncIndicator, { showConflicts: true });
    await waitFor(() => expect(backend.calls('sync_status')).toHaveLength(1));
    expect(screen.queryByTestId('sync-indicator')).not.toBeInTheDocument();
    unmount();

    useBackend({
      sync_status: () => {
        throw commandError('storage');
      },
    });
    render(SyncIndicator, { showConflicts: true });
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByTestId('sync-indicator')).not.toBeInTheDocument();
  });

  it('syncs on "Sync now" with progress, then asks again where it stands', async () => {
    let release: () => void = () => {};
    let waiting = 1;
    const backend = useBackend({
      sync_status: () => overview({ waiting }),
      sync_now: () =>
        new Promise((resolve) => {
          release = () => {
            waiting = 0;
            resolve({ pushed: 1, pulled: 0, conflicts: 0, cursor: 13, audit_pushed: 0, audit_error: null });
          };
        }),
    });
    render(SyncIndicator, { showConflicts: false });
    expect(await screen.findByTestId('sync-state')).toHaveTextContent('1 change waiting');
    const user = userEvent.setup();
    await user.tab();
    expect(screen.getByTestId('sync-now')).toHaveFocus();
    await user.keyboard('{Enter}');
    const button = await screen.findByRole('button', { name: /Syncing/ });
    expect(button).toBeDisabled();
    expect(button).toHaveAttribute('aria-busy', 'true');
    release();
    await waitFor(() => expect(screen.getByTestId('sync-state')).toHaveTextContent('Synced'));
    expect(backend.calls('sync_now')).toHaveLength(1);
    expect(backend.calls('sync_status').length).toBeGreaterThanOrEqual(2);
  });

  it('polls', async () => {
    const backend = useBackend({ sync_status: () => overview() });
    render(SyncIndicator, { showConflicts: false, pollMs: 20 });
    await waitFor(() => expect(backend.calls('sync_status').length).toBeGreaterThanOrEqual(3));
  });

  it('opens the inbox from the count of open conflicts (for those who review them)', async () => {
    useBackend({ sync_status: () => overview({ open_conflicts: 2 }) });
    router.go({ name: 'home' });
    render(SyncIndicator, { showConflicts: true });
    const count = await screen.findByTestId('sync-conflicts');
    expect(count).toHaveTextContent('2 conflicts to review');
    await userEvent.setup().click(count);
    expect(router.route).toEqual({ name: 'sync_conflicts' });
  });
});

describe('the sync conflicts inbox', () => {
  it('lists each conflict with the fields that differ, this desk against the hub', async () => {
    useBackend({
      sync_conflicts: () => [conflict(2, { record: 'customer address', outcome: 'rejected', reason: 'the hub refused this desk\'s change: wrong rooftop' }), conflict(1)],
    });
    render(SyncConflicts);
    const items = await screen.findAllByTestId('conflict');
    expect(items).toHaveLength(2);
    const first = items[0] as HTMLElement;
    expect(within(first).getByRole('heading', { name: 'Customer address' })).toBeInTheDocument();
    expect(within(first).getByText('Refused')).toHaveClass('badge-danger');
    expect(first).toHaveTextContent('wrong rooftop');

    const table = within(items[1] as HTMLElement).getByRole('table', { name: 'Fields that differ' });
    const heads = within(table).getAllByRole('columnheader').map((h) => h.textContent);
    expect(heads).toEqual(['Field', "This desk's value", "The hub's value"]);
    const rows = within(table).getAllByTestId('conflict-field');
    expect(within(rows[0] as HTMLElement).getAllByRole('cell').map((c) => c.textContent)).toEqual(['5125550101', '5125550199']);
    expect(rows[0]).toHaveTextContent('Phone');
    expect(rows[1]).toHaveTextContent('(encrypted)');
  });

  it('says so when there is nothing to review', async () => {
    useBackend({ sync_conflicts: () => [] });
    render(SyncConflicts);
    expect(await screen.findByText('No conflicts to review')).toBeInTheDocument();
  });

  it('marks one reviewed with the note, and it leaves the list', async () => {
    const backend = useBackend({ sync_conflicts: () => [conflict(1)], resolve_sync_conflict: () => null });
    render(SyncConflicts);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Note (optional)'), 'B’s number is right');
    await user.click(screen.getByRole('button', { name: 'Mark reviewed' }));
    expect(await screen.findByText('No conflicts to review')).toBeInTheDocument();
    expect(backend.calls('resolve_sync_conflict')).toEqual([{ id: 'cfl_1', note: 'B’s number is right' }]);
  });

  it('shows a refusal next to the note field', async () => {
    useBackend({
      sync_conflicts: () => [conflict(1)],
      resolve_sync_conflict: () => {
        throw commandError('validation', 'note: keep the note under 500 characters', 'note');
      },
    });
    render(SyncConflicts);
    const user = userEvent.setup();
    const note = await screen.findByLabelText('Note (optional)');
    await user.type(note, 'x');
    await user.click(screen.getByRole('button', { name: 'Mark reviewed' }));
    const error = await screen.findByText(/keep the note under 500 characters/);
    expect(error).toHaveClass('field-error');
    expect(note).toHaveAttribute('aria-invalid', 'true');
    expect(note.getAttribute('aria-describedby')).toBe(error.id);
    expect(note).toHaveFocus();
    expect(screen.getAllByTestId('conflict')).toHaveLength(1);
  });

  it('shows the refusal of a role that may not review', async () => {
    useBackend({
      sync_conflicts: () => {
        throw commandError('forbidden', 'only a finance manager or an admin can review sync conflicts');
      },
    });
    render(SyncConflicts);
    expect(await screen.findByRole('alert')).toHaveTextContent(/only a finance manager or an admin/);
  });
});

describe('the enrolment on the admin screen', () => {
  it('shows the hub, the desk, since when and the start of the fingerprint', async () => {
    useBackend({ sync_status: () => overview() });
    render(SyncEnrolment);
    const card = await screen.findByTestId('sync-enrolment');
    await waitFor(() => expect(card).toHaveTextContent('https://hub.lan:8443'));
    expect(card).toHaveTextContent('North desk 1');
    expect(card).toHaveTextContent('North');
    expect(card).toHaveTextContent('0123456789abcdef');
    expect(card).not.toHaveTextContent('0123456789abcdef0');
  });

  it('says the desk works on its own, and how to enrol it', async () => {
    useBackend({ sync_status: () => overview({}, false) });
    render(SyncEnrolment);
    expect(await screen.findByTestId('not-enrolled')).toHaveTextContent('Not enrolled with a hub (this desk works on its own)');
    expect(screen.getByTestId('sync-enrolment')).toHaveTextContent('dealerdesk sync enrol --hub URL --code CODE');
  });
});
