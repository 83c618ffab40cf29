import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import Customers from '../screens/Customers.svelte';
import CustomerDetail from '../screens/CustomerDetail.svelte';
import { router } from '../lib/router.svelte';
import { session } from '../lib/session.svelte';
import { commandError, customerSummary, customerView, sessionView, useBackend } from './fake-backend';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

const page = (offset: number, count: number, total: number) => ({
  items: Array.from({ length: count }, (_, i) => customerSummary(offset + i + 1)),
  total,
});

describe('the customer list', () => {
  it('pages through all customers 50 at a time when the search box is empty', async () => {
    const backend = useBackend({
      list_customers: (args) => page(Number(args['offset']), 50, 1234),
    });
    render(Customers);
    expect(await screen.findAllByTestId('customer-row')).toHaveLength(50);
    expect(backend.calls('list_customers')).toEqual([{ offset: 0, limit: 50 }]);
    expect(screen.getAllByText('1–50 of 1,234').length).toBeGreaterThan(0);

    await userEvent.setup().click(screen.getByRole('button', { name: /Next/ }));
    await waitFor(() => expect(screen.getAllByText('51–100 of 1,234').length).toBeGreaterThan(0));
    expect(backend.calls('list_customers')[1]).toEqual({ offset: 50, limit: 50 });
  });

  it('debounces the search and renders the matching rows with formatted phones', async () => {
    const backend = useBackend({
      list_customers: () => page(0, 3, 3),
      search_customers: () => [
        customerSummary(7, { full_name: 'Maria Garcia', phone: '5125550107' }),
        customerSummary(8, { full_name: 'Luis Garcia', phone: '5125550108', email: null }),
      ],
    });
    render(Customers);
    await screen.findAllByTestId('customer-row');

    const user = userEvent.setup();
    await user.type(screen.getByTestId('customer-search'), 'garc');
    // Four keystrokes, no request yet: the search waits for a pause in typing.
    expect(backend.calls('search_customers')).toHaveLength(0);

    await waitFor(() => expect(screen.getAllByTestId('customer-row')).toHaveLength(2));
    expect(backend.calls('search_customers')).toEqual([{ query: 'garc', limit: 50 }]);
    const first = screen.getAllByTestId('customer-row')[0] as HTMLElement;
    expect(within(first).getByText('Maria Garcia')).toBeInTheDocument();
    expect(within(first).getByText('(512) 555-0107')).toBeInTheDocument();
    expect(within(first).getByText('•••-••-1007')).toBeInTheDocument();
  });

  it('moves the selection with the arrow keys and opens the selected customer with Enter', async () => {
    useBackend({ list_customers: () => page(0, 3, 3) });
    render(Customers);
    const rows = await screen.findAllByTestId('customer-row');
    expect(rows[0]).toHaveAttribute('aria-selected', 'true');

    const search = screen.getByTestId('customer-search');
    await waitFor(() => expect(search).toHaveFocus());
    const user = userEvent.setup();
    await user.keyboard('{ArrowDown}{ArrowDown}{ArrowDown}');
    // Three presses on three rows: the selection stops at the last one.
    expect(rows[2]).toHaveAttribute('aria-selected', 'true');
    expect(rows[0]).toHaveAttribute('aria-selected', 'false');

    await user.keyboard('{ArrowUp}');
    expect(rows[1]).toHaveAttribute('aria-selected', 'true');
    expect(search).toHaveAttribute('aria-activedescendant', 'customer-row-1');

    await user.keyboard('{Enter}');
    expect(router.route).toEqual({ name: 'customer', id: 'cus_2' });
  });

  it('says so when nothing matches', async () => {
    useBackend({ list_customers: () => page(0, 1, 1), search_customers: () => [] });
    render(Customers);
    await screen.findAllByTestId('customer-row');
    await userEvent.setup().type(screen.getByTestId('customer-search'), 'zz');
    expect(await screen.findByText('No customer matches “zz”.')).toBeInTheDocument();
  });
});

describe('the customer record', () => {
  it('shows the name and masked PII, and reveals a value for a permitted role', async () => {
    session.signedIn(sessionView('finance_manager'));
    const backend = useBackend({
      get_customer: () => customerView(),
      reveal_pii: () => '123-45-1234',
    });
    render(CustomerDetail, { id: 'cus_1' });
    expect(await screen.findByTestId('customer-name')).toHaveTextContent('Maria Garcia');
    expect(screen.getByTestId('pii-ssn')).toHaveTextContent('•••-••-1234');
    expect(screen.getByText('5 years 2 months at this address', { exact: false })).toBeInTheDocument();
    expect(screen.getByText('$4,250.00')).toBeInTheDocument();

    await userEvent.setup().click(screen.getByRole('button', { name: 'Reveal SSN' }));
    expect(await screen.findByText('123-45-1234')).toBeInTheDocument();
    expect(backend.calls('reveal_pii')).toEqual([{ customer_id: 'cus_1', field: 'ssn' }]);
  });

  it('tells sales staff that their role cannot reveal PII', async () => {
    session.signedIn(sessionView('sales'));
    useBackend({
      get_customer: () => customerView(),
      reveal_pii: () => {
        throw commandError('forbidden', 'forbidden');
      },
    });
    render(CustomerDetail, { id: 'cus_1' });
    await screen.findByTestId('customer-name');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Reveal date of birth' }));
    expect(await screen.findByText('Your role cannot reveal this')).toBeInTheDocument();
    expect(screen.getByTestId('pii-dob')).toHaveTextContent('••/••/1986');
  });
});
