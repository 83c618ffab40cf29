import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import CustomerForm from '../screens/CustomerForm.svelte';
import { router } from '../lib/router.svelte';
import { commandError, customerView, useBackend } from './fake-backend';
import type { CustomerInput, CustomerUpdate, Licence } from '../lib/api/bindings';
import { takeScan } from '../lib/scan-handoff';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

function input(name: string): HTMLInputElement {
  const el = document.querySelector<HTMLInputElement>(`[name="${name}"]`);
  if (!el) throw new Error(`no input named ${name}`);
  return el;
}

async function fill(values: Record<string, string>) {
  for (const [name, value] of Object.entries(values)) {
    await fireEvent.input(input(name), { target: { value } });
  }
}

const VALID = {
  given_name: 'Maria',
  family_name: 'Garcia',
  dob: '04/17/1986',
  ssn: '123-45-6789',
  licence_number: 'D1234567',
  licence_state: 'tx',
  phone: '(512) 555-0107',
  email: 'maria@example.com',
  'address.line1': '12 Oak St',
  'address.city': 'Austin',
  'address.state': 'TX',
  'address.zip': '7870',
  'address.since': '2015-04-01',
  employer: 'Austin ISD',
  monthly_income: '$4,250',
};

describe('the customer form', () => {
  it('shows a validation error with field address.zip next to the ZIP input and marks it invalid', async () => {
    useBackend({
      create_customer: () => {
        throw commandError('validation', 'ZIP must be 5 digits (or ZIP+4).', 'address.zip');
      },
    });
    render(CustomerForm);
    await fill(VALID);
    await userEvent.setup().click(screen.getByTestId('customer-save'));

    const zip = input('address.zip');
    await waitFor(() => expect(zip).toHaveAttribute('aria-invalid', 'true'));
    expect(zip).toHaveAccessibleDescription('ZIP must be 5 digits (or ZIP+4).');
    // The message sits in the ZIP field's own container, right under the input.
    expect(zip.closest('.field')).toHaveTextContent('ZIP must be 5 digits (or ZIP+4).');
    expect(zip).toHaveFocus();
    expect(input('address.city')).not.toHaveAttribute('aria-invalid');
  });

  it('sends the input in the shape Rust expects and opens the saved customer', async () => {
    const backend = useBackend({ create_customer: () => customerView({ id: 'cus_9' }) });
    render(CustomerForm);
    await fill({ ...VALID, 'address.zip': '78701' });
    await userEvent.setup().click(screen.getByTestId('customer-save'));

    await waitFor(() => expect(backend.calls('create_customer')).toHaveLength(1));
    const sent = backend.calls('create_customer')[0]?.['input'] as CustomerInput;
    expect(sent).toMatchObject({
      given_name: 'Maria',
      middle_name: null,
      dob: '1986-04-17',
      ssn: '123-45-6789',
      licence_state: 'TX',
      phone: '5125550107',
      monthly_income: '4250.00',
      address: { line1: '12 Oak St', line2: null, city: 'Austin', state: 'TX', zip: '78701', since: '2015-04-01' },
      previous_address: null,
    });
    await waitFor(() => expect(router.route).toEqual({ name: 'customer', id: 'cus_9' }));
  });

  it('lists every missing required field at once before calling Rust', async () => {
    const backend = useBackend({});
    render(CustomerForm);
    await userEvent.setup().click(screen.getByTestId('customer-save'));
    expect(input('given_name')).toHaveAttribute('aria-invalid', 'true');
    expect(input('ssn')).toHaveAttribute('aria-invalid', 'true');
    expect(input('address.zip')).toHaveAttribute('aria-invalid', 'true');
    expect(input('given_name')).toHaveFocus();
    expect(backend.mock).not.toHaveBeenCalled();
  });

  it('asks for the previous address when the customer moved in less than two years ago', async () => {
    useBackend({});
    render(CustomerForm);
    expect(document.querySelector('[name="previous_address.line1"]')).toBeNull();
    const recent = new Date();
    recent.setMonth(recent.getMonth() - 5);
    await fill({ 'address.since': recent.toISOString().slice(0, 10) });
    expect(input('previous_address.line1')).toBeInTheDocument();
    expect(input('previous_address.since')).toHaveAttribute('type', 'date');
  });

  it('on edit leaves SSN, DOB and licence empty and sends null for them to keep the stored values', async () => {
    const backend = useBackend({
      get_customer: () => customerView(),
      update_customer: () => customerView(),
    });
    render(CustomerForm, { id: 'cus_1' });
    await waitFor(() => expect(input('given_name')).toHaveValue('Maria'));
    expect(input('ssn')).toHaveValue('');
    expect(input('ssn')).toHaveAttribute('placeholder', 'unchanged (•••-••-1234)');
    expect(input('dob')).toHaveAttribute('placeholder', 'unchanged (••/••/1986)');
    expect(input('monthly_income')).toHaveValue('4,250.00');

    await fill({ phone: '512 555 0199' });
    await userEvent.setup().click(screen.getByTestId('customer-save'));
    await waitFor(() => expect(backend.calls('update_customer')).toHaveLength(1));
    const call = backend.calls('update_customer')[0] as { id: string; input: CustomerUpdate };
    expect(call.id).toBe('cus_1');
    expect(call.input).toMatchObject({ ssn: null, dob: null, licence_number: null, phone: '5125550199' });
  });

  it('asks before Esc throws away typed changes', async () => {
    useBackend({});
    render(CustomerForm);
    await fill({ given_name: 'Half-typed' });
    const user = userEvent.setup();
    await user.keyboard('{Escape}');
    expect(screen.getByText('Discard the changes you made?')).toBeInTheDocument();
    expect(router.route).toEqual({ name: 'home' });
    await user.click(screen.getByRole('button', { name: 'Discard' }));
    expect(router.route).toEqual({ name: 'customers' });
  });
  it('fills the form from a scanned licence, shows its problems and keeps the scan for the check', async () => {
    const licence: Licence = {
      aamva_version: 8,
      jurisdiction_version: 0,
      iin: '636000',
      jurisdiction: 'VA',
      document_type: 'DL',
      first_name: 'MARY-JO',
      middle_name: null,
      last_name: "O'NEIL",
      suffix: null,
      date_of_birth: '1986-04-17',
      expiry_date: '2025-04-17',
      issue_date: '2017-04-10',
      licence_number: 'T64235789',
      sex: 'female',
      street: '12 OAK ST',
      street2: null,
      city: 'RICHMOND',
      state: 'VA',
      postal_code: '232190000',
      country: 'USA',
      problems: [{ code: 'expired', element: 'DBA', message: 'The licence expired on 04/17/2025.' }],
    };
    // A textarea turns the card's CR into LF; Rust's parser accepts either.
    const payload = '@\n\u001e\nANSI 636000080002DL00410278ZV03190008DLDAQT64235789\n';
    const backend = useBackend({
      scan_licence: () => licence,
      create_customer: () => customerView({ id: 'cus_scan' }),
    });
    render(CustomerForm);
    const user = userEvent.setup();
    const box = screen.getByTestId('licence-scan-input');
    await fireEvent.input(box, { target: { value: payload } });
    // The scanner stops typing; the box reads the text by itself.
    await waitFor(() => expect(input('given_name')).toHaveValue('Mary-Jo'));
    expect(backend.calls('scan_licence')[0]).toEqual({ payload });
    expect(input('family_name')).toHaveValue("O'Neil");
    expect(input('dob')).toHaveValue('04/17/1986');
    expect(input('licence_number')).toHaveValue('T64235789');
    expect(input('licence_state')).toHaveValue('VA');
    expect(input('address.line1')).toHaveValue('12 Oak St');
    expect(input('address.city')).toHaveValue('Richmond');
    expect(input('address.zip')).toHaveValue('23219');
    expect(screen.getByTestId('licence-scan-problems')).toHaveTextContent('The licence expired on 04/17/2025.');
    // The raw text (PII) does not stay in the page, and the SSN is next.
    expect(box).toHaveValue('');
    expect(input('ssn')).toHaveFocus();

    await fill({ ssn: '123-45-6789', phone: '804 555 0107', monthly_income: '3000', 'address.since': '2015-04-01' });
    await user.click(screen.getByTestId('customer-save'));
    await waitFor(() => expect(router.route).toEqual({ name: 'customer', id: 'cus_scan' }));
    expect(takeScan('cus_scan')).toBe(payload);
    expect(takeScan('cus_scan')).toBeNull();
  });

  it('shows an unreadable scan next to the scan box and changes nothing', async () => {
    useBackend({
      scan_licence: () => {
        throw commandError('validation', "This is not a driver's licence barcode. Scan again.", 'payload');
      },
    });
    render(CustomerForm);
    await fill({ given_name: 'Kept' });
    const box = screen.getByTestId('licence-scan-input');
    await fireEvent.input(box, { target: { value: 'hello' } });
    await userEvent.setup().click(screen.getByTestId('licence-scan-read'));
    await waitFor(() => expect(box).toHaveAttribute('aria-invalid', 'true'));
    expect(box).toHaveAccessibleDescription("This is not a driver's licence barcode. Scan again.");
    expect(input('given_name')).toHaveValue('Kept');
  });
});
