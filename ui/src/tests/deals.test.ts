import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import Deals from '../screens/Deals.svelte';
import CustomerDetail from '../screens/CustomerDetail.svelte';
import { router } from '../lib/router.svelte';
import { commandError, customerView, dealSummary, useBackend } from './fake-backend';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

const noFilter = { query: null, status: 'open', kind: null, customer_id: null, vehicle_id: null, limit: 50, offset: 0 };

describe('the deal list', () => {
  it('shows loans with their APR and leases with what is due at signing', async () => {
    const backend = useBackend({
      list_deals: () => ({
        items: [
          dealSummary(1, { customer_name: 'Maria Garcia', option_count: 1 }),
          dealSummary(2, {
            customer_name: 'James Johnson',
            vehicle_label: '2024 Toyota RAV4 XLE',
            kind: 'lease',
            term_months: 36,
            monthly_payment: '389.5',
            apr: null,
            amount_financed: null,
            due_at_signing: '2999.00',
            status: 'sold',
            salesperson: null,
          }),
        ],
        total: 2,
      }),
    });
    render(Deals);
    const rows = await screen.findAllByTestId('deal-row');
    expect(rows).toHaveLength(2);
    expect(backend.calls('list_deals')).toEqual([{ filter: noFilter }]);

    const loan = within(rows[0] as HTMLElement);
    expect(loan.getByText('Maria Garcia')).toBeInTheDocument();
    expect(loan.getByText('2021 Honda Accord EX')).toBeInTheDocument();
    expect(loan.getByText('Loan')).toHaveClass('badge');
    expect(loan.getByText('72 mo')).toBeInTheDocument();
    expect(loan.getByText('$452.18')).toBeInTheDocument();
    expect(loan.getByText('6.99% APR')).toBeInTheDocument();
    expect(loan.getByText('Open')).toBeInTheDocument();
    expect(loan.getByText('jasmine')).toBeInTheDocument();
    expect(loan.getByText('05/03/2024')).toBeInTheDocument();

    const lease = within(rows[1] as HTMLElement);
    expect(lease.getByText('Lease')).toHaveClass('badge');
    expect(lease.getByText('36 mo')).toBeInTheDocument();
    expect(lease.getByText('$389.50')).toBeInTheDocument();
    expect(lease.getByText('$2,999.00 due')).toBeInTheDocument();
    expect(lease.getByText('Sold')).toBeInTheDocument();
    expect(lease.queryByText(/APR/)).toBeNull();
  });

  it('searches and filters by status and kind', async () => {
    const backend = useBackend({
      list_deals: (args) => {
        const f = args['filter'] as { query: string | null };
        return f.query ? { items: [dealSummary(5, { customer_name: 'Linh Nguyen' })], total: 1 } : { items: [dealSummary(1), dealSummary(2)], total: 2 };
      },
    });
    render(Deals);
    await screen.findAllByTestId('deal-row');
    const user = userEvent.setup();
    await user.type(screen.getByTestId('deal-search'), 'nguyen');
    await waitFor(() => expect(screen.getAllByTestId('deal-row')).toHaveLength(1));
    expect(screen.getByText('Linh Nguyen')).toBeInTheDocument();
    expect(backend.calls('list_deals')).toHaveLength(2);

    await user.selectOptions(screen.getByLabelText('Status'), 'all');
    await user.selectOptions(screen.getByLabelText('Loan / lease'), 'lease');
    await waitFor(() =>
      expect(backend.calls('list_deals').at(-1)).toEqual({
        filter: { ...noFilter, query: 'nguyen', status: null, kind: 'lease' },
      }),
    );
  });

  it('opens a deal by click or with the keyboard, and starts a new one', async () => {
    useBackend({ list_deals: () => ({ items: [dealSummary(1), dealSummary(2), dealSummary(3)], total: 3 }) });
    render(Deals);
    const rows = await screen.findAllByTestId('deal-row');
    const user = userEvent.setup();
    await user.click(rows[1] as HTMLElement);
    expect(router.route).toEqual({ name: 'deal', id: 'deal_2' });

    const search = screen.getByTestId('deal-search');
    search.focus();
    await user.keyboard('{ArrowDown}{Enter}');
    expect(router.route).toEqual({ name: 'deal', id: 'deal_3' });

    await user.click(screen.getByTestId('deal-new'));
    expect(router.route).toEqual({ name: 'deal_new' });
  });

  it('says so when there are no deals, and when they could not be loaded', async () => {
    useBackend({ list_deals: () => ({ items: [], total: 0 }) });
    const { unmount } = render(Deals);
    expect(await screen.findByText('No deals with these filters.')).toBeInTheDocument();
    unmount();

    useBackend({
      list_deals: () => {
        throw commandError('storage', 'database is locked');
      },
    });
    render(Deals);
    expect(await screen.findByRole('alert')).toHaveTextContent(/deals could not be loaded/i);
  });
});

describe("a customer's deals on the customer page", () => {
  it("lists the customer's deals, links to each and starts a deal for the customer", async () => {
    const backend = useBackend({
      get_customer: () => customerView(),
      list_deals: () => ({
        items: [dealSummary(1, { customer_id: 'cus_1', customer_name: 'Maria Garcia' })],
        total: 1,
      }),
    });
    render(CustomerDetail, { id: 'cus_1' });
    const section = await screen.findByTestId('customer-deals');
    const row = await within(section).findByTestId('customer-deal-row');
    expect(backend.calls('list_deals')).toEqual([
      { filter: { query: null, status: null, kind: null, customer_id: 'cus_1', vehicle_id: null, limit: 20, offset: 0 } },
    ]);
    expect(within(row).getByText('Loan')).toBeInTheDocument();
    expect(within(row).getByText('$452.18 × 72 mo')).toBeInTheDocument();

    const user = userEvent.setup();
    await user.click(within(row).getByRole('button', { name: '2021 Honda Accord EX' }));
    expect(router.route).toEqual({ name: 'deal', id: 'deal_1' });

    await user.click(screen.getByTestId('customer-start-deal'));
    expect(router.route).toEqual({ name: 'deal_new', customerId: 'cus_1' });
  });

  it('says when the customer has no deals yet', async () => {
    useBackend({ get_customer: () => customerView(), list_deals: () => ({ items: [], total: 0 }) });
    render(CustomerDetail, { id: 'cus_1' });
    expect(await screen.findByText('No deals yet.')).toBeInTheDocument();
    expect(screen.getByTestId('customer-start-deal')).toBeInTheDocument();
  });
});
