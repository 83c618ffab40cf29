import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import DealDesk from '../screens/DealDesk.svelte';
import { router } from '../lib/router.svelte';
import { commandError, customerView, useBackend } from './fake-backend';
import type { DealInput, DealView, OptionQuote, OptionTerms, VehicleView } from '../lib/api/bindings';
import { optionField, toTerms, newOption, switchKind } from '../lib/deal-form';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

const VEHICLE: VehicleView = {
  id: 'veh_1',
  vin: '1HGCM82633A004352',
  model_year: 2024,
  make: 'Honda',
  model: 'Accord',
  trim: 'EX',
  mileage: 12,
  price: '31500.00',
  condition: 'new',
  status: 'in_stock',
  check_digit_ok: true,
  manufacturer: 'Honda',
  created_at: '2026-11-01T10:00:00Z',
  updated_at: '2026-11-01T10:00:00Z',
};

/** A loan "quote" whose payment encodes the term, so the test can tell columns apart. */
function loanQuote(terms: OptionTerms): OptionQuote {
  const term = terms.input.term;
  return {
    kind: terms.kind,
    term_months: term,
    monthly_payment: `${term}.00`,
    amount_financed: '30000.00',
    finance_charge: '1000.00',
    apr: '6.99',
    due_at_signing: null,
    total_of_payments: '31000.00',
    usury_state: 'TX',
    max_rate: '18',
    quote: {
      kind: 'loan',
      quote: {
        cash_price: '31500.00',
        negative_equity: '0.00',
        total_down_payment: '1500.00',
        amount_financed: '30000.00',
        monthly_payment: `${term}.00`,
        final_payment: `${term}.00`,
        finance_charge: '1000.00',
        total_of_payments: '31000.00',
        total_sale_price: '32500.00',
        apr: '6.99',
        term,
        first_payment_date: '2026-12-25',
        schedule: Array.from({ length: term }, (_, i) => ({
          n: i + 1,
          date: '2026-12-25',
          payment: '500.00',
          interest: '100.00',
          principal: '400.00',
          balance: String(30000 - 400 * (i + 1)),
        })),
      },
    },
  };
}

function dealView(input: DealInput): DealView {
  return {
    id: 'deal_7',
    customer_id: input.customer_id,
    customer_name: 'Maria Garcia',
    vehicle_id: input.vehicle_id,
    vehicle_label: '2024 Honda Accord EX',
    vin: VEHICLE.vin,
    salesperson: 'jasmine',
    status: 'open',
    usury_state: 'TX',
    max_rate: '18',
    notes: null,
    options: input.options.map((o, i) => ({
      id: `opt_${i}`,
      position: i + 1,
      label: o.label,
      kind: o.terms.kind,
      selected: o.selected,
      terms: o.terms,
      term_months: o.terms.input.term,
      monthly_payment: '1.00',
      amount_financed: null,
      finance_charge: null,
      apr: null,
      due_at_signing: null,
      total_of_payments: '1.00',
      quote: {},
      quote_sha256: 'ab',
      quote_intact: true,
    })),
    created_at: '2026-11-25T15:00:00Z',
    updated_at: '2026-11-25T15:00:00Z',
    created_by: 'jasmine',
  };
}

describe('the deal desk', () => {
  it('prices every option as you type and shows the loan’s schedule and chart', async () => {
    const backend = useBackend({
      get_customer: () => customerView(),
      quote_deal_option: (a) => {
        const terms = a['terms'] as OptionTerms;
        if (terms.kind === 'lease') throw commandError('validation', 'Enter the residual value.', `options.${String(a['index'])}.residual`);
        return loanQuote(terms);
      },
    });
    render(DealDesk, { customerId: 'cus_1' });
    await waitFor(() => expect(screen.getAllByTestId('option-payment')).toHaveLength(2));
    const payments = screen.getAllByTestId('option-payment').map((e) => e.textContent);
    expect(payments).toEqual(['$60.00', '$72.00']);
    // The lease column's error sits on its residual field.
    const residual = document.querySelector<HTMLInputElement>('[name="options.2.residual"]');
    expect(residual).toHaveAttribute('aria-invalid', 'true');
    expect(residual).toHaveAccessibleDescription('Enter the residual value.');
    // Once the customer is known, each column is priced for them (their state's usury cap).
    const priced = backend.calls('quote_deal_option').filter((c) => c['customer_id'] === 'cus_1');
    expect(new Set(priced.map((c) => c['index']))).toEqual(new Set([0, 1, 2]));

    // Typing a new term re-prices that column only.
    const before = backend.calls('quote_deal_option').length;
    const term = document.querySelector<HTMLInputElement>('[name="options.0.term"]');
    if (!term) throw new Error('no term input');
    await fireEvent.input(term, { target: { value: '48' } });
    await waitFor(() => expect(screen.getAllByTestId('option-payment')[0]).toHaveTextContent('$48.00'));
    expect(backend.calls('quote_deal_option').length).toBe(before + 1);

    expect(screen.getAllByTestId('pi-bar')).toHaveLength(4);
    await userEvent.setup().click(screen.getByTestId('deal-schedule-toggle'));
    expect(screen.getByTestId('deal-schedule').querySelectorAll('tbody tr')).toHaveLength(48);
  });

  it('saves the terms (never the figures) and puts a Rust field error on its column', async () => {
    let attempt = 0;
    const backend = useBackend({
      get_customer: () => customerView(),
      quote_deal_option: (a) => loanQuote(a['terms'] as OptionTerms),
      list_vehicles: () => ({ items: [VEHICLE], total: 1 }),
      save_deal: (a) => {
        attempt++;
        if (attempt === 1) throw commandError('validation', 'The rate is above the 18% cap for TX.', 'options.1.rate');
        return dealView(a['input'] as DealInput);
      },
    });
    render(DealDesk, { customerId: 'cus_1' });
    const user = userEvent.setup();
    // Drop the lease column; pick the vehicle.
    await user.click(screen.getByRole('button', { name: 'Remove option 3' }));
    await user.click(screen.getByTestId('deal-vehicle'));
    await user.keyboard('acc');
    await waitFor(() => expect(screen.getAllByTestId('deal-vehicle-option')).toHaveLength(1));
    await user.keyboard('{Enter}');
    expect(screen.getByTestId('deal-vehicle-picked')).toHaveTextContent('2024 Honda Accord EX');
    expect(document.querySelector('[name="options.0.price"]')).toHaveValue('31500.00');

    expect(screen.queryByTestId('deal-start-application')).toBeNull();
    await user.click(screen.getByTestId('deal-save'));
    const rate = document.querySelector<HTMLInputElement>('[name="options.1.rate"]');
    await waitFor(() => expect(rate).toHaveAttribute('aria-invalid', 'true'));
    expect(rate).toHaveFocus();

    await user.click(screen.getByTestId('deal-save'));
    await waitFor(() => expect(router.route).toEqual({ name: 'deal', id: 'deal_7' }));
    const sent = backend.calls('save_deal')[1]?.['input'] as DealInput;
    expect(sent.customer_id).toBe('cus_1');
    expect(sent.vehicle_id).toBe('veh_1');
    expect(sent.options).toHaveLength(2);
    expect(sent.options[0]).toMatchObject({ selected: true, terms: { kind: 'loan', input: { price: '31500.00', term: 60 } } });
    expect(sent.options[1]?.selected).toBe(false);
    expect(JSON.stringify(sent)).not.toContain('monthly_payment');

    // A saved deal can start its credit application.
    await user.click(await screen.findByTestId('deal-start-application'));
    expect(router.route).toEqual({ name: 'application_new', dealId: 'deal_7' });
  });
});

describe('deal form helpers', () => {
  it('sends amounts as typed without $ and commas, and terms as numbers', () => {
    const o = newOption('loan', '$31,500.00', 72);
    o.loan.rate = '6.99%';
    const t = toTerms(o);
    expect(t).toMatchObject({ kind: 'loan', input: { price: '31500.00', rate: '6.99', term: 72, first_payment: null } });
    o.loan.term = 'abc';
    expect(toTerms(o).input.term).toBe(0);
  });

  it('carries price, trade and rebate across a switch to lease, and reads error fields', () => {
    const o = newOption('loan', '25000.00');
    o.loan.trade = '4000.00';
    o.lease.agreed_value = '';
    switchKind(o, 'lease');
    const t = toTerms(o);
    expect(t).toMatchObject({ kind: 'lease', input: { agreed_value: '25000.00', trade: '4000.00', money_factor: '0.00125', lease_rate: null } });
    expect(optionField('options.2.residual')).toEqual({ index: 2, name: 'residual' });
    expect(optionField('customer_id')).toBeNull();
  });
});
