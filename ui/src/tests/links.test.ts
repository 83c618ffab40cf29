import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import LinksPanel from '../lib/components/LinksPanel.svelte';
import { session } from '../lib/session.svelte';
import { commandError, sessionView, useBackend } from './fake-backend';
import type { DeskLink, LinkView } from '../lib/api/bindings';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

function view(extra: Partial<LinkView> = {}): LinkView {
  return {
    id: 'lnk_1',
    customer_id: 'cus_1',
    purpose: 'portal_onboarding',
    state: 'issued',
    issued_by: 'jasmine',
    created_at: '2026-11-25T15:00:00Z',
    expires_at: '2026-11-28T15:00:00Z',
    opened_at: null,
    redeemed_at: null,
    revoked_at: null,
    revoke_reason: null,
    failed_checks: 0,
    ...extra,
  };
}

const ISSUED: DeskLink = {
  link: {
    id: 'lnk_1',
    url: 'http://desk-3:8080/l/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde',
    expires_at: '2026-11-28T15:00:00Z',
    purpose: 'portal_onboarding',
    customer_id: 'cus_1',
  },
  qr_svg: '<svg xmlns="http://www.w3.org/2000/svg" data-testid="qr"><rect width="1" height="1"/></svg>',
  queued: ['sms'],
};

describe('the access links panel', () => {
  it('issues a link with its expiry in minutes, shows the QR full screen once and lists it', async () => {
    session.signedIn(sessionView('sales'));
    let issued = false;
    const backend = useBackend({
      list_links: () => (issued ? [view()] : []),
      issue_link: () => {
        issued = true;
        return ISSUED;
      },
    });
    render(LinksPanel, { customerId: 'cus_1', hasEmail: false });
    const user = userEvent.setup();
    await user.clear(screen.getByLabelText('Works for (hours)'));
    await user.type(screen.getByLabelText('Works for (hours)'), '24');
    await user.click(screen.getByLabelText('SMS'));
    expect(screen.getByLabelText('E-mail')).toBeDisabled();
    await user.click(screen.getByTestId('link-issue'));
    await waitFor(() => expect(screen.getByTestId('link-qr-full')).toBeInTheDocument());
    expect(backend.calls('issue_link')[0]).toEqual({
      input: { customer_id: 'cus_1', purpose: 'portal_onboarding', ttl_minutes: 1440, application_id: null },
      send: ['sms'],
    });
    expect(screen.getByTestId('link-url')).toHaveTextContent(ISSUED.link.url);
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('link-qr-full')).toBeNull();
    await waitFor(() => expect(screen.getByTestId('link-state')).toHaveTextContent('Issued'));
    // Locking the desk takes the URL (a bearer secret) off the screen.
    session.markLocked();
    await waitFor(() => expect(screen.queryByTestId('link-fresh')).toBeNull());
  });

  it('explains why an unverified customer gets no link and revokes an open one', async () => {
    session.signedIn(sessionView('sales'));
    let revoked = false;
    const backend = useBackend({
      list_links: () => [view({ state: revoked ? 'revoked' : 'opened' })],
      issue_link: () => {
        throw commandError('conflict', "This customer's identity is not verified yet.");
      },
      revoke_link: () => {
        revoked = true;
        return view({ state: 'revoked' });
      },
    });
    render(LinksPanel, { customerId: 'cus_1', hasEmail: true });
    const user = userEvent.setup();
    await user.click(screen.getByTestId('link-issue'));
    await waitFor(() => expect(screen.getByTestId('link-error')).toHaveTextContent('not verified'));
    await user.click(await screen.findByTestId('link-revoke'));
    await waitFor(() => expect(screen.getByTestId('link-state')).toHaveTextContent('Revoked'));
    expect(backend.calls('revoke_link')[0]).toEqual({ id: 'lnk_1' });
  });
});
