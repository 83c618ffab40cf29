import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import App from '../App.svelte';
import { commandError, figures, sessionView, status, useBackend } from './fake-backend';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

async function signIn(username = 'dana', password = 'correct horse battery') {
  const user = userEvent.setup();
  await user.type(await screen.findByTestId('signin-username'), username);
  await user.type(screen.getByTestId('signin-password'), password);
  await user.keyboard('{Enter}');
  return user;
}

describe('signing in', () => {
  it('goes to the MFA code screen when MFA is required, then home after a valid code', async () => {
    const backend = useBackend({
      app_status: () => status(),
      sign_in: () => ({ kind: 'mfa_required' }),
      verify_mfa: () => sessionView('finance_manager'),
      home_figures: () => figures(),
    });
    render(App);
    const user = await signIn('miguel');

    expect(backend.calls('sign_in')).toEqual([{ username: 'miguel', password: 'correct horse battery' }]);
    const code = await screen.findByTestId('mfa-code');
    await waitFor(() => expect(code).toHaveFocus());
    await user.type(code, '123456');
    await user.click(screen.getByTestId('mfa-submit'));

    expect(backend.calls('verify_mfa')).toEqual([{ code: '123456' }]);
    expect(await screen.findByTestId('home-figures')).toBeInTheDocument();
  });

  it('shows a readable message under the form when the code is wrong', async () => {
    useBackend({
      app_status: () => status(),
      sign_in: () => ({ kind: 'mfa_required' }),
      verify_mfa: () => {
        throw commandError('invalid_mfa_code');
      },
    });
    render(App);
    const user = await signIn();
    await user.type(await screen.findByTestId('mfa-code'), '654321{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('that code is not right or has expired');
  });

  it('shows the enrolment secret and QR code when the account has no MFA yet', async () => {
    const backend = useBackend({
      app_status: () => status(),
      sign_in: () => ({
        kind: 'mfa_enrolment_required',
        enrolment: {
          secret_base32: 'JBSWY3DPEHPK3PXP',
          otpauth_url: 'otpauth://totp/DealerDesk:dana?secret=JBSWY3DPEHPK3PXP',
          qr_svg: '<svg xmlns="http://www.w3.org/2000/svg" data-testid="qr-svg"><rect width="1" height="1"/></svg>',
        },
      }),
      confirm_mfa_enrolment: () => sessionView('admin'),
      home_figures: () => figures(),
    });
    render(App);
    const user = await signIn();

    expect(await screen.findByTestId('mfa-secret')).toHaveTextContent('JBSWY3DPEHPK3PXP');
    expect(screen.getByTestId('qr-svg')).toBeInTheDocument();
    await user.type(screen.getByTestId('mfa-code'), '111222{Enter}');
    expect(backend.calls('confirm_mfa_enrolment')).toEqual([{ code: '111222' }]);
    expect(await screen.findByTestId('home-figures')).toBeInTheDocument();
  });

  it('explains a wrong password without leaving the sign-in screen', async () => {
    useBackend({
      app_status: () => status(),
      sign_in: () => {
        throw commandError('invalid_credentials', 'the username or password is not right');
      },
    });
    render(App);
    await signIn();
    expect(await screen.findByTestId('signin-error')).toHaveTextContent('the username or password is not right');
    expect(screen.getByTestId('signin-password')).toHaveValue('');
  });

  it('tells a locked-out user what happened', async () => {
    useBackend({
      app_status: () => status(),
      sign_in: () => {
        throw commandError('account_locked');
      },
    });
    render(App);
    await signIn();
    expect(await screen.findByTestId('signin-error')).toHaveTextContent('locked after too many failed attempts');
  });

  it("shows Rust's own message word for word, not a text of the UI's", async () => {
    const rust = 'this account is disabled; ask an administrator (disabled by dana on 2026-03-01)';
    useBackend({
      app_status: () => status(),
      sign_in: () => {
        throw commandError('account_disabled', rust);
      },
    });
    render(App);
    await signIn();
    expect(await screen.findByTestId('signin-error')).toHaveTextContent(rust);
    expect(screen.queryByText('This account is disabled. Ask an admin.')).not.toBeInTheDocument();
  });
});

describe('the DEMO banner', () => {
  it('shows on the sign-in screen when the app runs in demo mode', async () => {
    useBackend({ app_status: () => status({ demo: true }) });
    render(App);
    expect(await screen.findByTestId('signin-username')).toBeInTheDocument();
    expect(screen.getByTestId('demo-banner')).toHaveTextContent('DEMO — sample data, MFA bypassed');
  });

  it('stays on every screen after signing in', async () => {
    useBackend({
      app_status: () => status({ demo: true, session: sessionView('sales') }),
      home_figures: () => figures(),
    });
    render(App);
    expect(await screen.findByTestId('home-figures')).toBeInTheDocument();
    expect(screen.getByTestId('demo-banner')).toBeVisible();
  });

  it('is absent outside demo mode', async () => {
    useBackend({ app_status: () => status({ demo: false }) });
    render(App);
    expect(await screen.findByTestId('signin-username')).toBeInTheDocument();
    expect(screen.queryByTestId('demo-banner')).not.toBeInTheDocument();
  });
});

describe('the first administrator', () => {
  it('is created from the first-run screen, which then leads to sign-in', async () => {
    const backend = useBackend({
      app_status: () => status({ needs_first_admin: true }),
      create_first_admin: (args) => ({ ...sessionView('admin').staff, username: (args['input'] as { username: string }).username }),
    });
    render(App);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/^Username/), 'dana');
    await user.type(screen.getByLabelText(/^Display name/), 'Dana Whitfield');
    await user.type(screen.getByLabelText(/^Password/), 'a long enough pass');
    await user.type(screen.getByLabelText(/^Repeat password/), 'a long enough pasS{Enter}');
    expect(await screen.findByText('The two passwords differ.')).toBeInTheDocument();
    expect(backend.calls('create_first_admin')).toHaveLength(0);

    await user.clear(screen.getByLabelText(/^Repeat password/));
    await user.type(screen.getByLabelText(/^Repeat password/), 'a long enough pass{Enter}');
    await waitFor(() => expect(backend.calls('create_first_admin')).toHaveLength(1));
    expect(backend.calls('create_first_admin')[0]).toEqual({
      input: { username: 'dana', display_name: 'Dana Whitfield', role: 'admin', password: 'a long enough pass' },
    });
    expect(await screen.findByTestId('signin-username')).toHaveValue('dana');
  });
});
