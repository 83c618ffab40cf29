import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import Inventory from '../screens/Inventory.svelte';
import VehicleForm from '../screens/VehicleForm.svelte';
import Shell from '../screens/Shell.svelte';
import { router } from '../lib/router.svelte';
import { toasts } from '../lib/toast.svelte';
import { commandError, sessionView, useBackend, vehicleView, vinReport } from './fake-backend';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

/** A real VIN (Honda Accord, model year 2003) whose check digit (position 9, '3') is right. */
const GOOD_VIN = '1HGCM82633A004352';
/** The same VIN with a wrong check digit. */
const BAD_CHECK_VIN = '1HGCM82653A004352';

describe('the inventory list', () => {
  it('lists the vehicles in stock with VIN, mileage and price, and flags a wrong check digit', async () => {
    const backend = useBackend({
      list_vehicles: () => ({
        items: [
          vehicleView(1, { price: '24500', mileage: 41250 }),
          vehicleView(2, { make: 'Toyota', model: 'Camry', trim: null, condition: 'new', check_digit_ok: false }),
        ],
        total: 2,
      }),
    });
    render(Inventory);
    const rows = await screen.findAllByTestId('vehicle-row');
    expect(rows).toHaveLength(2);
    expect(backend.calls('list_vehicles')).toEqual([
      { filter: { query: null, status: 'in_stock', condition: null, limit: 50, offset: 0 } },
    ]);

    const first = within(rows[0] as HTMLElement);
    expect(first.getByText('2021 Honda Accord')).toBeInTheDocument();
    expect(first.getByText('EX')).toBeInTheDocument();
    expect(first.getByText('41,250 mi')).toBeInTheDocument();
    expect(first.getByText('$24,500.00')).toBeInTheDocument();
    expect(first.queryByTestId('vin-warning')).toBeNull();

    const second = within(rows[1] as HTMLElement);
    expect(second.getByText('New')).toBeInTheDocument();
    expect(second.getByRole('img', { name: /check digit is wrong/i })).toBeInTheDocument();
  });

  it('debounces the search and sends it with the filters', async () => {
    const backend = useBackend({
      list_vehicles: (args) => {
        const filter = args['filter'] as { query: string | null };
        return filter.query
          ? { items: [vehicleView(9, { make: 'Ford', model: 'F-150' })], total: 1 }
          : { items: [vehicleView(1), vehicleView(2), vehicleView(3)], total: 3 };
      },
    });
    render(Inventory);
    await screen.findAllByTestId('vehicle-row');

    const user = userEvent.setup();
    await user.type(screen.getByTestId('vehicle-search'), 'ford 2021');
    // No request per keystroke: the search waits for a pause in typing.
    expect(backend.calls('list_vehicles')).toHaveLength(1);
    await waitFor(() => expect(screen.getAllByTestId('vehicle-row')).toHaveLength(1));
    expect(screen.getByText('2021 Ford F-150')).toBeInTheDocument();
    expect(backend.calls('list_vehicles')).toHaveLength(2);
    expect(backend.calls('list_vehicles')[1]).toEqual({
      filter: { query: 'ford 2021', status: 'in_stock', condition: null, limit: 50, offset: 0 },
    });

    await user.selectOptions(screen.getByLabelText('Status'), 'all');
    await user.selectOptions(screen.getByLabelText('New / used'), 'used');
    await waitFor(() =>
      expect(backend.calls('list_vehicles').at(-1)).toEqual({
        filter: { query: 'ford 2021', status: null, condition: 'used', limit: 50, offset: 0 },
      }),
    );
  });

  it('focuses the search with / and opens the selected vehicle with Enter', async () => {
    useBackend({ list_vehicles: () => ({ items: [vehicleView(1), vehicleView(2)], total: 2 }) });
    render(Inventory);
    await screen.findAllByTestId('vehicle-row');
    const search = screen.getByTestId('vehicle-search');
    await waitFor(() => expect(search).toHaveFocus());
    search.blur();

    const user = userEvent.setup();
    await user.keyboard('/');
    expect(search).toHaveFocus();
    expect(search).toHaveValue('');
    await user.keyboard('{ArrowDown}{Enter}');
    expect(router.route).toEqual({ name: 'vehicle_edit', id: 'veh_2' });
  });

  it('keeps / for its own search inside the app shell instead of jumping to customers', async () => {
    useBackend({ list_vehicles: () => ({ items: [vehicleView(1)], total: 1 }) });
    router.go({ name: 'inventory' });
    render(Shell, { view: sessionView('sales'), locked: false });
    await screen.findAllByTestId('vehicle-row');
    const search = screen.getByTestId('vehicle-search');
    await waitFor(() => expect(search).toHaveFocus());
    search.blur();

    await userEvent.setup().keyboard('/');
    expect(search).toHaveFocus();
    expect(router.route).toEqual({ name: 'inventory' });
  });

  it('says so when nothing is in stock, and goes to the form from “Add vehicle”', async () => {
    useBackend({ list_vehicles: () => ({ items: [], total: 0 }) });
    render(Inventory);
    expect(await screen.findByText('No vehicles with these filters.')).toBeInTheDocument();
    await userEvent.setup().click(screen.getByTestId('vehicle-new'));
    expect(router.route).toEqual({ name: 'vehicle_new' });
  });

  it('shows why the list could not be loaded', async () => {
    useBackend({
      list_vehicles: () => {
        throw commandError('storage');
      },
    });
    render(Inventory);
    expect(await screen.findByRole('alert')).toHaveTextContent(/inventory could not be loaded.*could not read or save data just now/i);
  });
});

async function fillVehicle(user: ReturnType<typeof userEvent.setup>, vin: string) {
  await user.type(screen.getByLabelText(/^VIN/), vin);
  await user.type(screen.getByLabelText(/^Make/), 'Honda');
  await user.type(screen.getByLabelText(/^Model/), 'Accord');
  await user.type(screen.getByLabelText(/^Mileage/), '41,250');
  await user.type(screen.getByLabelText(/^Asking price/), '$12,900');
  await user.click(screen.getByLabelText('Used'));
}

describe('the vehicle form', () => {
  it('decodes the VIN once it has 17 characters, fills the year and sends the input Rust expects', async () => {
    const backend = useBackend({
      check_vin: (args) => vinReport(String(args['vin'])),
      add_vehicle: (args) => vehicleView(1, { ...(args['input'] as object), price: '12900.00' }),
    });
    render(VehicleForm);
    const user = userEvent.setup();
    const vin = screen.getByLabelText(/^VIN/);
    await waitFor(() => expect(vin).toHaveFocus());

    // Lower case as typed becomes upper case; nothing is decoded before the 17th character.
    await user.type(vin, GOOD_VIN.slice(0, 16).toLowerCase());
    expect(vin).toHaveValue(GOOD_VIN.slice(0, 16));
    expect(screen.getByText('16 of 17 characters')).toBeInTheDocument();
    expect(backend.calls('check_vin')).toHaveLength(0);
    await user.type(vin, GOOD_VIN.slice(16));
    expect(await screen.findByText('Decoded: 2003 · Honda')).toBeInTheDocument();
    expect(backend.calls('check_vin')).toEqual([{ vin: GOOD_VIN }]);
    expect(screen.getByLabelText('Year')).toHaveValue('2003');

    await user.type(screen.getByLabelText(/^Make/), 'Honda');
    await user.type(screen.getByLabelText(/^Model/), 'Accord');
    await user.type(screen.getByLabelText('Trim'), 'EX-L');
    await user.type(screen.getByLabelText(/^Mileage/), '41,250');
    await user.type(screen.getByLabelText(/^Asking price/), '$12,900');
    await user.click(screen.getByLabelText('Used'));
    // Enter on the radio button saves, as in the text fields.
    await user.keyboard('{Enter}');

    await waitFor(() => expect(backend.calls('add_vehicle')).toHaveLength(1));
    expect(backend.calls('add_vehicle')[0]).toEqual({
      input: {
        vin: GOOD_VIN,
        model_year: 2003,
        make: 'Honda',
        model: 'Accord',
        trim: 'EX-L',
        mileage: 41250,
        price: '12900.00',
        condition: 'used',
        status: null,
        acknowledge_check_digit: false,
      },
    });
    await waitFor(() => expect(router.route).toEqual({ name: 'inventory' }));
    expect(toasts.items.map((t) => t.message)).toContain('2003 Honda Accord saved.');
  });

  it('takes the year from a corrected VIN, but keeps a year typed by hand', async () => {
    useBackend({
      check_vin: (args) => {
        const vin = String(args['vin']);
        return vinReport(vin, { model_year: vin.endsWith('2') ? 2003 : 2004 });
      },
    });
    render(VehicleForm);
    const user = userEvent.setup();
    const vin = screen.getByLabelText(/^VIN/);
    const year = screen.getByLabelText('Year');
    await user.type(vin, GOOD_VIN);
    await waitFor(() => expect(year).toHaveValue('2003'));
    await user.type(vin, '{Backspace}3');
    await waitFor(() => expect(year).toHaveValue('2004'));

    await user.clear(year);
    await user.type(year, '2005');
    await user.type(vin, '{Backspace}2');
    await screen.findByText('Decoded: 2003 · Honda');
    expect(year).toHaveValue('2005');
  });

  it('shows a VIN error from Rust next to the VIN and keeps the form', async () => {
    useBackend({
      check_vin: (args) => vinReport(String(args['vin'])),
      add_vehicle: () => {
        throw commandError('conflict', `A vehicle with VIN ${GOOD_VIN} is already in inventory`, 'vin');
      },
    });
    render(VehicleForm);
    const user = userEvent.setup();
    await fillVehicle(user, GOOD_VIN);
    await user.click(screen.getByTestId('vehicle-save'));

    const vin = screen.getByLabelText(/^VIN/);
    await waitFor(() => expect(vin).toHaveAttribute('aria-invalid', 'true'));
    const message = screen.getByText(/already in inventory/);
    expect(vin.getAttribute('aria-describedby')).toContain(message.id);
    expect(vin).toHaveFocus();
    expect(router.route).toEqual({ name: 'home' });
  });

  it('shows the decoder’s error next to the VIN while typing and does not send a bad VIN', async () => {
    const backend = useBackend({
      check_vin: (args) =>
        vinReport(String(args['vin']), {
          valid: false,
          check_digit_ok: false,
          model_year: null,
          manufacturer: null,
          errors: ["a VIN uses digits and capital letters except I, O and Q (found 'O')"],
        }),
      add_vehicle: () => vehicleView(1),
    });
    render(VehicleForm);
    const user = userEvent.setup();
    await fillVehicle(user, '1HGCM82633AOO4352');
    const vin = screen.getByLabelText(/^VIN/);
    await waitFor(() => expect(vin).toHaveAttribute('aria-invalid', 'true'));
    expect(screen.getByText("A VIN uses digits and capital letters except I, O and Q (found 'O').")).toBeInTheDocument();
    expect(screen.queryByTestId('check-digit-warning')).toBeNull();

    await user.click(screen.getByTestId('vehicle-save'));
    expect(vin).toHaveFocus();
    expect(backend.calls('add_vehicle')).toHaveLength(0);
  });

  it('asks to confirm a wrong check digit and sends the acknowledgement', async () => {
    const backend = useBackend({
      check_vin: (args) =>
        vinReport(String(args['vin']), {
          check_digit_ok: false,
          warnings: [
            "the check digit (position 9) is '5' but should be '3': check the VIN was typed right; some imported vehicles carry a wrong one",
          ],
        }),
      add_vehicle: (args) => vehicleView(1, { ...(args['input'] as object), check_digit_ok: false }),
    });
    render(VehicleForm);
    const user = userEvent.setup();
    await fillVehicle(user, BAD_CHECK_VIN);

    const warning = await screen.findByTestId('check-digit-warning');
    expect(warning).toHaveTextContent("The check digit (position 9) is '5' but should be '3'");
    const box = screen.getByLabelText(
      "The check digit is wrong; I have checked this VIN against the vehicle's title/plate",
    );
    expect(box).not.toBeChecked();

    // Not confirmed: nothing goes to Rust, the checkbox says why.
    await user.click(screen.getByTestId('vehicle-save'));
    expect(backend.calls('add_vehicle')).toHaveLength(0);
    expect(box).toHaveAttribute('aria-invalid', 'true');
    expect(box).toHaveFocus();
    expect(screen.getByText(/tick the box/)).toBeInTheDocument();

    await user.click(box);
    expect(box).not.toHaveAttribute('aria-invalid');
    await user.click(screen.getByTestId('vehicle-save'));
    await waitFor(() => expect(backend.calls('add_vehicle')).toHaveLength(1));
    expect(backend.calls('add_vehicle')[0]?.['input']).toMatchObject({
      vin: BAD_CHECK_VIN,
      acknowledge_check_digit: true,
    });
  });

  it('puts Rust’s check-digit refusal on the checkbox and forgets a confirmation when the VIN changes', async () => {
    let checkDigitOk = true;
    useBackend({
      // The live check said all was well (say it came back late); Rust refuses on save.
      check_vin: (args) => vinReport(String(args['vin']), { check_digit_ok: checkDigitOk }),
      add_vehicle: () => {
        throw commandError(
          'validation',
          "The check digit (position 9) is '5' but should be '3'. If the VIN on the vehicle really reads so, confirm it",
          'acknowledge_check_digit',
        );
      },
    });
    render(VehicleForm);
    const user = userEvent.setup();
    await fillVehicle(user, BAD_CHECK_VIN);
    await screen.findByText('Decoded: 2003 · Honda');
    await user.click(screen.getByTestId('vehicle-save'));

    const box = await screen.findByTestId('acknowledge-check-digit');
    expect(box).toHaveAttribute('aria-invalid', 'true');
    expect(box).toHaveFocus();
    expect(screen.getByText(/really reads so/)).toBeInTheDocument();

    checkDigitOk = false;
    await user.click(box);
    expect(box).toBeChecked();
    expect(box).toBeInTheDocument();
    expect(box).not.toHaveAttribute('aria-invalid');
    // Another VIN: the confirmation was about the old one.
    const vin = screen.getByLabelText(/^VIN/);
    await user.type(vin, '{Backspace}1');
    await waitFor(() => expect(screen.getByTestId('acknowledge-check-digit')).not.toBeChecked());
  });

  it('edits a vehicle: loads it, sends its status, and Esc asks before discarding changes', async () => {
    const backend = useBackend({
      get_vehicle: () => vehicleView(4, { vin: GOOD_VIN, model_year: 2003, mileage: 88000, price: '6950.00' }),
      check_vin: (args) => vinReport(String(args['vin'])),
      update_vehicle: (args) => vehicleView(4, args['input'] as object),
    });
    render(VehicleForm, { id: 'veh_4' });
    const mileage = await screen.findByLabelText(/^Mileage/);
    expect(mileage).toHaveValue('88,000');
    expect(screen.getByLabelText(/^Asking price/)).toHaveValue('6,950.00');
    expect(screen.getByLabelText('Used')).toBeChecked();

    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('Status'), 'sold');
    await user.keyboard('{Escape}');
    expect(screen.getByText('Discard the changes you made?')).toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(screen.queryByText('Discard the changes you made?')).toBeNull();

    await user.click(screen.getByTestId('vehicle-save'));
    await waitFor(() => expect(backend.calls('update_vehicle')).toHaveLength(1));
    expect(backend.calls('update_vehicle')[0]).toMatchObject({
      id: 'veh_4',
      input: { vin: GOOD_VIN, model_year: 2003, mileage: 88000, price: '6950.00', status: 'sold' },
    });
    await waitFor(() => expect(router.route).toEqual({ name: 'inventory' }));
  });
});
