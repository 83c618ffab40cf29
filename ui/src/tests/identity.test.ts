import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import IdentityPanel from '../lib/components/IdentityPanel.svelte';
import { session } from '../lib/session.svelte';
import { holdScan } from '../lib/scan-handoff';
import { commandError, sessionView, useBackend } from './fake-backend';
import type { CheckInput, VerificationView } from '../lib/api/bindings';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

function record(extra: Partial<VerificationView> = {}): VerificationView {
  return {
    id: 'chk_1',
    customer_id: 'cus_1',
    checked_at: '2026-11-25T15:00:00Z',
    checked_by: 'jasmine',
    method: 'barcode_scan',
    document: { document_type: 'drivers_licence', issuer: 'TX', number_masked: '•••••5678', expiry: '2031-03-09' },
    tax_id_kind: 'ssn',
    rules: [
      { rule: 'document_current', status: 'pass', code: null, reason: 'The licence expires on 03/09/2031.', resolvable: false, resolution: null },
      { rule: 'dob_matches', status: 'flag', code: 'licence_dob_mismatch', reason: 'The licence says 03/09/1984; the file says 03/08/1984.', resolvable: true, resolution: null },
    ],
    sanctions: {
      list_version: 3,
      list_id: 'lst_3',
      threshold: 0.88,
      top_score: 0.93,
      candidates: [
        {
          ent_num: 7003,
          name: 'MARQUEZ VELOSTRO, Jose Andres',
          score: 0.93,
          program: 'TESTPROG',
          sdn_type: 'individual',
          matched_alias: null,
          dob_matches: false,
          country_matches: null,
          decision: null,
        },
      ],
    },
    outcome: 'needs_review',
    effective_outcome: 'needs_review',
    stale: false,
    status: 'needs_review',
    contacts: [
      { channel: 'phone', state: 'unconfirmed', confirmed_by: null, confirmed_at: null },
      { channel: 'email', state: 'not_on_file', confirmed_by: null, confirmed_at: null },
      { channel: 'address', state: 'changed_since_confirmation', confirmed_by: 'sam', confirmed_at: '2026-11-01T10:00:00Z' },
    ],
    ...extra,
  };
}

describe('the identity panel', () => {
  it('runs a check with the licence scanned on the form and shows the checklist', async () => {
    session.signedIn(sessionView('sales'));
    holdScan('cus_1', '@\nANSI 636015100002DL...');
    const backend = useBackend({
      latest_identity_check: () => null,
      run_identity_check: () => record(),
    });
    render(IdentityPanel, { customerId: 'cus_1' });
    expect(screen.getByTestId('identity-status')).toHaveTextContent('Not checked');
    expect(screen.getByTestId('identity-payload')).toHaveValue('@\nANSI 636015100002DL...');
    await userEvent.setup().click(screen.getByTestId('identity-run'));
    await waitFor(() => expect(screen.getByTestId('identity-status')).toHaveTextContent('Needs review'));
    const sent = backend.calls('run_identity_check')[0] as { customer_id: string; input: CheckInput };
    expect(sent).toEqual({ customer_id: 'cus_1', input: { method: 'barcode_scan', payload: '@\nANSI 636015100002DL...' } });
    const rules = screen.getAllByTestId('identity-rule');
    expect(rules.map((r) => r.dataset['status'])).toEqual(['pass', 'flag']);
    expect(rules[1]).toHaveTextContent('Date of birth matches');
    // A salesperson sees who decides, not the buttons.
    expect(rules[1]).toHaveTextContent('A finance manager resolves this flag.');
    expect(screen.queryByTestId('identity-resolve')).toBeNull();
    expect(screen.getByTestId('identity-sanctions')).toHaveTextContent('List version 3');
    expect(screen.getByTestId('identity-candidate')).toHaveTextContent('Blocks the deal until a finance manager decides.');
  });

  it('lets a finance manager clear a candidate with a reason, and asks for one first', async () => {
    session.signedIn(sessionView('finance_manager'));
    const listed = record().sanctions.candidates[0];
    if (!listed) throw new Error('fixture has a candidate');
    const cleared = record({
      sanctions: {
        ...record().sanctions,
        candidates: [
          {
            ...listed,
            decision: { decision: 'cleared', note: 'Birth year 1984, listed 1980', decided_by: 'miguel', decided_at: '2026-11-25T15:05:00Z' },
          },
        ],
      },
    });
    const backend = useBackend({
      latest_identity_check: () => record(),
      decide_sanctions_candidate: () => cleared,
    });
    render(IdentityPanel, { customerId: 'cus_1' });
    const row = await screen.findByTestId('identity-candidate');
    const user = userEvent.setup();
    await user.click(within(row).getByTestId('identity-clear'));
    expect(within(row).getByRole('textbox')).toHaveAccessibleDescription(/Give the reason/);
    expect(backend.calls('decide_sanctions_candidate')).toHaveLength(0);
    await user.type(within(row).getByRole('textbox'), 'Birth year 1984, listed 1980');
    await user.click(within(row).getByTestId('identity-clear'));
    await waitFor(() => expect(screen.getByTestId('identity-candidate')).toHaveTextContent('Cleared by miguel'));
    expect(backend.calls('decide_sanctions_candidate')[0]).toEqual({
      check_id: 'chk_1',
      ent_num: 7003,
      decision: 'clear',
      reason: 'Birth year 1984, listed 1980',
    });
  });

  it('shows Rust’s refusal next to the note and confirms ticked contact details', async () => {
    session.signedIn(sessionView('finance_manager'));
    const backend = useBackend({
      latest_identity_check: () => record(),
      resolve_identity_flag: () => {
        throw commandError('forbidden', 'Only a finance manager or admin can resolve a red flag.');
      },
      confirm_contact: () => [
        { channel: 'phone', state: 'confirmed', confirmed_by: 'miguel', confirmed_at: '2026-11-25T15:06:00Z' },
        { channel: 'email', state: 'not_on_file', confirmed_by: null, confirmed_at: null },
        { channel: 'address', state: 'confirmed', confirmed_by: 'miguel', confirmed_at: '2026-11-25T15:06:00Z' },
      ],
    });
    render(IdentityPanel, { customerId: 'cus_1' });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Note for Date of birth matches'), 'Saw passport');
    await user.click(screen.getByTestId('identity-resolve'));
    await waitFor(() => expect(screen.getByLabelText('Note for Date of birth matches')).toHaveAttribute('aria-invalid', 'true'));

    const contacts = screen.getByTestId('identity-contacts');
    const [phone, email, address] = within(contacts).getAllByRole('checkbox');
    if (!phone || !email || !address) throw new Error('three contact channels expected');
    expect(email).toBeDisabled();
    await user.click(phone);
    await user.click(address);
    await user.click(screen.getByTestId('identity-confirm-contacts'));
    await waitFor(() => expect(backend.calls('confirm_contact')).toHaveLength(1));
    expect(backend.calls('confirm_contact')[0]).toEqual({ customer_id: 'cus_1', channels: ['phone', 'address'] });
    await waitFor(() => expect(contacts).toHaveTextContent('Phone: Confirmed by miguel'));
  });
});
