import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import App from '../App.svelte';
import { commandError, figures, sessionView, status, useBackend } from './fake-backend';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

describe('the session', () => {
  it('shows the lock screen when a call fails with session_locked, and carries on after unlock', async () => {
    let locked = true;
    const backend = useBackend({
      app_status: () => status({ session: sessionView('admin') }),
      home_figures: () => {
        if (locked) throw commandError('session_locked', 'locked');
        return figures();
      },
      unlock_session: () => {
        locked = false;
        return sessionView('admin');
      },
    });
    render(App);

    expect(await screen.findByText('Locked — Dana Whitfield, enter your password')).toBeInTheDocument();
    const password = screen.getByTestId('lock-password');
    await waitFor(() => expect(password).toHaveFocus());

    const user = userEvent.setup();
    await user.type(password, 'correct horse battery{Enter}');
    expect(backend.calls('unlock_session')).toEqual([{ password: 'correct horse battery' }]);
    // The figures that failed while locked are fetched again.
    expect(await screen.findByTestId('home-figures')).toBeInTheDocument();
    expect(screen.queryByTestId('lock-password')).not.toBeInTheDocument();
  });

  it('keeps a wrong unlock password on the lock screen', async () => {
    useBackend({
      app_status: () => status({ session: sessionView('admin', true) }),
      home_figures: () => {
        throw commandError('session_locked');
      },
      unlock_session: () => {
        throw commandError('invalid_credentials');
      },
    });
    render(App);
    const user = userEvent.setup();
    await user.type(await screen.findByTestId('lock-password'), 'nope{Enter}');
    expect(await screen.findByText('Wrong password.')).toBeInTheDocument();
  });

  it('locks on Ctrl+L and tells Rust', async () => {
    const backend = useBackend({
      app_status: () => status({ session: sessionView('sales') }),
      home_figures: () => figures(),
      lock_session: () => null,
    });
    render(App);
    await screen.findByTestId('home-figures');
    await userEvent.setup().keyboard('{Control>}l{/Control}');
    expect(await screen.findByTestId('lock-password')).toBeInTheDocument();
    expect(backend.calls('lock_session')).toHaveLength(1);
  });

  it('goes back to sign-in when the session has expired', async () => {
    useBackend({
      app_status: () => status({ session: sessionView('admin') }),
      home_figures: () => {
        throw commandError('session_expired');
      },
    });
    render(App);
    expect(await screen.findByTestId('signin-username')).toHaveValue('dana');
    expect(screen.getByText('your session has ended; please sign in again')).toBeInTheDocument();
  });
});

describe('the navigation', () => {
  it('hides the admin items from sales staff', async () => {
    useBackend({
      app_status: () => status({ session: sessionView('sales') }),
      home_figures: () => figures(),
    });
    render(App);
    expect(await screen.findByTestId('nav-customers')).toBeInTheDocument();
    expect(screen.getByTestId('nav-home')).toBeInTheDocument();
    expect(screen.queryByTestId('nav-audit')).not.toBeInTheDocument();
    expect(screen.queryByTestId('nav-staff')).not.toBeInTheDocument();
  });

  it('shows the admin items to admins', async () => {
    useBackend({
      app_status: () => status({ session: sessionView('admin') }),
      home_figures: () => figures(),
    });
    render(App);
    expect(await screen.findByTestId('nav-audit')).toBeInTheDocument();
    expect(screen.getByTestId('nav-staff')).toBeInTheDocument();
  });

  it('shows the signed-in name and role in the top bar', async () => {
    useBackend({
      app_status: () => status({ session: sessionView('finance_manager') }),
      home_figures: () => figures(),
    });
    render(App);
    expect(await screen.findByTestId('who')).toHaveTextContent('Miguel Garcia');
    expect(screen.getByTestId('who')).toHaveTextContent('Finance manager');
  });
});

describe('home', () => {
  it('shows the figures as cards, money as dollars, and the monthly chart', async () => {
    useBackend({
      app_status: () => status({ session: sessionView('admin') }),
      home_figures: () => figures(),
    });
    render(App);
    const cards = await screen.findByTestId('home-figures');
    expect(cards).toHaveTextContent('1,234');
    expect(cards).toHaveTextContent('$2,874,315.50');
    expect(screen.getAllByTestId('chart-bar')).toHaveLength(3);
    expect(screen.getByRole('img', { name: /New customers by month/ })).toHaveAccessibleDescription(
      'Apr 2024: 9 new customers; May 2024: 14 new customers; Jun 2024: 11 new customers',
    );
  });
});
