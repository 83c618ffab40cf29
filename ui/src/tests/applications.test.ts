import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import Applications from '../screens/Applications.svelte';
import ApplicationForm from '../screens/ApplicationForm.svelte';
import ApplicationDetail from '../screens/ApplicationDetail.svelte';
import movesFixture from '../../../tests/fixtures/rules/roles.json';
import type {
  Action,
  ApplicationInput,
  ApplicationState,
  ApplicationSummary,
  ApplicationView,
  DealView,
  LenderAssessment,
  StipulationView,
  Unmet,
} from '../lib/api/bindings';
import { hrefFor, parseHash, router, type Route } from '../lib/router.svelte';
import { session } from '../lib/session.svelte';
import { commandError, customerView, sessionView, useBackend } from './fake-backend';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

afterEach(() => {
  vi.useRealTimers();
});

function summary(i: number, extra: Partial<ApplicationSummary> = {}): ApplicationSummary {
  return {
    id: `app_${i}`,
    state: 'draft',
    phase: 'draft',
    customer_id: `cus_${i}`,
    customer_name: `Customer Number${i}`,
    deal_id: `deal_${i}`,
    lender_id: 'lnd_1',
    lender: 'Lone Star Credit Union',
    credit_score: 712,
    open_stipulations: 0,
    created_at: '2026-11-20T15:00:00Z',
    updated_at: '2026-11-21T15:00:00Z',
    ...extra,
  };
}

function stip(extra: Partial<StipulationView> = {}): StipulationView {
  return {
    id: 'stip_1',
    code: 'proof_of_income',
    description: 'Proof of income: pay stub no more than 30 days old, with year-to-date earnings',
    status: 'open',
    needs_document: true,
    documents: [],
    cleared_by: null,
    cleared_at: null,
    note: null,
    created_at: '2026-11-22T15:00:00Z',
    age_days: 3,
    ...extra,
  };
}

/** The moves Rust offers a finance manager from each state (generated from its table). */
const MANAGER_MOVES = movesFixture.moves.finance_manager as Record<ApplicationState, Action[]>;

function view(state: ApplicationState, extra: Partial<ApplicationView> = {}): ApplicationView {
  return {
    id: 'app_1',
    state,
    phase: ['approved', 'conditional', 'countered', 'declined'].includes(state) ? 'decisioned' : state,
    deal_id: 'deal_1',
    customer_id: 'cus_1',
    customer_name: 'Maria Garcia',
    intent: 'individual',
    co_applicant_id: null,
    co_applicant_name: null,
    details: {
      residences: [{ address: '12 Oak St, Austin, TX 78701', since: '2019-03-01' }],
      employment: [{ employer: 'Austin ISD', title: 'Teacher', since: '2018-08-01' }],
      other_income: [],
      references: [],
    },
    gross_monthly_income: '4250.00',
    other_monthly_income: '0.00',
    co_applicant_income: '0.00',
    housing_status: 'rent',
    housing_payment: '1200.00',
    other_monthly_debts: '300.00',
    credit_score: 712,
    lender_id: 'lnd_1',
    lender_name: 'Lone Star Credit Union',
    consent: null,
    history: [
      { from_state: null, to_state: 'draft', action: 'create', action_label: 'started', actor: 'staff:jasmine', actor_name: 'Jasmine Brooks', at: '2026-11-20T15:00:00Z', note: null },
    ],
    decisions: [],
    stipulations: [],
    open_stipulations: 0,
    ready_to_contract: false,
    created_at: '2026-11-20T15:00:00Z',
    updated_at: '2026-11-21T15:00:00Z',
    created_by: 'staff:jasmine',
    created_by_name: 'Jasmine Brooks',
    actions: MANAGER_MOVES[state],
    ...extra,
  };
}

const ASSIST: LenderAssessment[] = [
  {
    lender_id: 'lnd_1',
    lender_code: 'LSCU',
    lender_name: 'Lone Star Credit Union',
    rate_sheet_id: 'rs_1',
    rate_sheet_version: 3,
    pti: '10.64',
    dti: '45.88',
    ltv: '101.6',
    tier: 'B',
    buy_rate: '6.49',
    max_markup: '2.5',
    markup: '0.5',
    max_contract_rate: '8.99',
    fees: '595.00',
    stipulations: [],
    failures: [],
    eligible: true,
  },
  {
    lender_id: 'lnd_2',
    lender_code: 'HCA',
    lender_name: 'Hill Country Auto Finance',
    rate_sheet_id: 'rs_2',
    rate_sheet_version: 1,
    pti: '10.64',
    dti: '45.88',
    ltv: '128',
    tier: 'C',
    buy_rate: '8.99',
    max_markup: '2',
    markup: null,
    max_contract_rate: '10.99',
    fees: '0.00',
    stipulations: ['proof_of_income'],
    failures: [{ rule: 'ltv', actual: '128', limit: '125', message: 'LTV 128% > 125% max: add $1,450.00 down' }],
    eligible: false,
  },
];

describe('application routes', () => {
  it('round-trip through the address bar', () => {
    const routes: Route[] = [
      { name: 'applications' },
      { name: 'application_new', dealId: 'deal 1' },
      { name: 'application', id: 'app_1' },
      { name: 'application_edit', id: 'app_1' },
    ];
    for (const route of routes) expect(parseHash(hrefFor(route))).toEqual(route);
    expect(parseHash('#/applications/new')).toEqual({ name: 'applications' });
  });
});

describe('the application pipeline', () => {
  it('lists applications with their state, lender, score, stipulations and age, and filters by state', async () => {
    const backend = useBackend({
      list_applications: () => ({
        items: [
          summary(1, { customer_name: 'Maria Garcia' }),
          summary(2, { customer_name: 'James Johnson', state: 'conditional', phase: 'decisioned', open_stipulations: 2, credit_score: null, lender: null }),
        ],
        total: 2,
      }),
    });
    render(Applications);
    const rows = await screen.findAllByTestId('application-row');
    expect(rows).toHaveLength(2);
    expect(backend.calls('list_applications')).toEqual([{ filter: { state: null, customer_id: null, limit: 50, offset: 0 } }]);
    const first = within(rows[0] as HTMLElement);
    expect(first.getByText('Maria Garcia')).toBeInTheDocument();
    expect(first.getByText('Lone Star Credit Union')).toBeInTheDocument();
    expect(first.getByText('Draft')).toHaveClass('badge');
    expect(first.getByText('712')).toBeInTheDocument();
    expect(first.getByText('11/21/2026')).toBeInTheDocument();
    const second = within(rows[1] as HTMLElement);
    expect(second.getByText('Approved with conditions')).toHaveClass('badge-warning');
    expect(second.getByText('2')).toBeInTheDocument();

    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('State'), 'submitted');
    await waitFor(() =>
      expect(backend.calls('list_applications').at(-1)).toEqual({ filter: { state: 'submitted', customer_id: null, limit: 50, offset: 0 } }),
    );

    await user.click(screen.getByText('Maria Garcia'));
    expect(router.route).toEqual({ name: 'application', id: 'app_1' });
  });
});

describe('the new application form', () => {
  it('sends the application as Rust expects it and opens the new application', async () => {
    const deal = { id: 'deal_1', customer_id: 'cus_1', customer_name: 'Maria Garcia', vehicle_label: '2024 Honda Accord EX' };
    const backend = useBackend({
      get_deal: () => deal as unknown as DealView,
      list_lenders: () => [
        { id: 'lnd_1', code: 'LSCU', name: 'Lone Star Credit Union', active: true, rate_sheet_id: 'rs_1', rate_sheet_version: 3, effective_date: '2026-11-01' },
      ],
      get_customer: () => customerView(),
      search_customers: () => [
        { id: 'cus_9', full_name: 'Luis Garcia', phone: '5125559999', email: null, ssn_masked: '•••-••-9999', city: 'Austin', state: 'TX', created_at: '2024-05-02T14:00:00Z' },
      ],
      create_application: () => view('draft', { id: 'app_7' }),
    });
    render(ApplicationForm, { dealId: 'deal_1' });
    expect(await screen.findByTestId('application-applicant')).toHaveTextContent('Maria Garcia');
    // Prefilled from the customer: the current address (since 03/01/2019) already covers 24 months.
    expect(screen.getByLabelText('Current address')).toHaveValue('12 Oak St, Austin, TX 78701');
    expect(screen.getByTestId('residence-coverage')).toHaveTextContent(/of 24 months\.$/);
    expect(screen.getByTestId('employment-coverage')).toHaveTextContent('Covers 0 of 24 months: add the previous job.');

    const user = userEvent.setup();
    await user.click(screen.getByTestId('application-joint'));
    await user.type(screen.getByTestId('application-co-applicant'), 'luis');
    await user.click(await screen.findByText('Luis Garcia'));
    await user.type(screen.getByLabelText("Co-applicant's gross monthly income ($)"), '2,000');
    await user.type(screen.getByLabelText('Working there since'), '08/01/2018');
    expect(screen.getByTestId('employment-coverage')).not.toHaveTextContent('add the previous job');
    await user.click(screen.getByTestId('add-other-income'));
    await user.type(screen.getByLabelText('Other income from'), 'Tutoring');
    await user.type(screen.getByLabelText('Amount a month ($)'), '400');
    await user.selectOptions(screen.getByLabelText('Housing'), 'mortgage');
    await user.type(screen.getByLabelText('Rent or mortgage payment ($)'), '1,450');
    await user.click(screen.getByTestId('add-reference'));
    await user.type(screen.getByLabelText('Name'), 'Ann Lee');
    await user.type(screen.getByLabelText('Phone'), '5125550000');
    await user.type(screen.getByLabelText('How they know them'), 'co-worker');
    await user.type(screen.getByLabelText('Credit score'), '712');
    await user.selectOptions(screen.getByLabelText('Lender'), 'lnd_1');
    await user.click(screen.getByTestId('application-save'));

    await waitFor(() => expect(router.route).toEqual({ name: 'application', id: 'app_7' }));
    const sent = backend.calls('create_application')[0]?.['input'] as ApplicationInput;
    expect(sent).toEqual({
      deal_id: 'deal_1',
      intent: 'joint',
      co_applicant_id: 'cus_9',
      residences: [{ address: '12 Oak St, Austin, TX 78701', since: '03/01/2019' }],
      employment: [{ employer: 'Austin ISD', title: 'Teacher', since: '08/01/2018' }],
      gross_monthly_income: '4250.00',
      other_income: [{ source: 'Tutoring', amount: '400.00' }],
      co_applicant_income: '2000.00',
      housing_status: 'mortgage',
      housing_payment: '1450.00',
      other_monthly_debts: '0.00',
      references: [{ name: 'Ann Lee', phone: '5125550000', relation: 'co-worker' }],
      credit_score: 712,
      lender_id: 'lnd_1',
    } satisfies ApplicationInput);
  });

  it('shows a Rust error next to the history row it names', async () => {
    useBackend({
      get_deal: () => ({ id: 'deal_1', customer_id: 'cus_1', customer_name: 'Maria Garcia', vehicle_label: 'x' }) as unknown as DealView,
      list_lenders: () => [],
      get_customer: () => customerView(),
      create_application: () => {
        throw commandError('validation', 'Enter the date as MM/DD/YYYY.', 'employment.0.since');
      },
    });
    render(ApplicationForm, { dealId: 'deal_1' });
    await screen.findByTestId('application-applicant');
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Working there since'), 'last spring');
    await user.click(screen.getByTestId('application-save'));
    const since = screen.getByLabelText('Working there since');
    await waitFor(() => expect(since).toHaveAttribute('aria-invalid', 'true'));
    expect(document.getElementById(since.getAttribute('aria-describedby') ?? '')).toHaveTextContent('Enter the date as MM/DD/YYYY.');
  });
});

describe('editing a draft', () => {
  it('opens from the application, shows what was saved and sends update_application', async () => {
    const draft = view('draft', {
      credit_score: null,
      lender_id: null,
      lender_name: null,
      details: {
        residences: [{ address: '12 Oak St, Austin, TX 78701', since: '2025-03-01' }],
        employment: [{ employer: 'Austin ISD', title: null, since: '2018-08-01' }],
        other_income: [],
        references: [],
      },
    });
    const backend = useBackend({
      get_application: () => draft,
      submit_blockers: () => [{ kind: 'no_credit_score' }, { kind: 'incomplete', field: 'residences', message: 'the residence history covers 20 months; add entries back to 2024-11-26 (24 months)' }],
      application_assist: () => ASSIST,
      list_lenders: () => [],
      update_application: () => view('draft'),
    });
    const detail = render(ApplicationDetail, { id: 'app_1' });
    const items = await screen.findAllByTestId('application-blocker');
    expect(items[0]).toHaveTextContent('No credit score');
    // People, not audit actors: the names Rust resolved.
    expect(screen.getByText(/started .* by Jasmine Brooks/)).toBeInTheDocument();
    expect(screen.getAllByTestId('history-entry')[0]).toHaveTextContent('started by Jasmine Brooks');
    expect(document.body).not.toHaveTextContent('staff:jasmine');
    expect(items[1]).toHaveTextContent('The residence history covers 20 months; add entries back to 2024-11-26 (24 months)');
    const user = userEvent.setup();
    await user.click(screen.getByTestId('application-edit'));
    expect(router.route).toEqual({ name: 'application_edit', id: 'app_1' });
    detail.unmount();

    render(ApplicationForm, { id: 'app_1' });
    expect(await screen.findByLabelText('Current address')).toHaveValue('12 Oak St, Austin, TX 78701');
    expect(screen.getByLabelText('Lived there since')).toHaveValue('03/01/2025');
    expect(screen.getByTestId('residence-coverage')).toHaveTextContent('add the previous address');
    await user.click(screen.getByTestId('add-residence'));
    await user.type(screen.getByLabelText('Previous address 1'), '9 Elm St, Austin, TX 78702');
    await user.type(screen.getAllByLabelText('Lived there since')[1] as HTMLElement, '01/15/2020');
    await user.type(screen.getByLabelText('Credit score'), '688');
    await user.click(screen.getByTestId('application-save'));
    await waitFor(() => expect(router.route).toEqual({ name: 'application', id: 'app_1' }));
    const [call] = backend.calls('update_application');
    expect(call?.['id']).toBe('app_1');
    expect(call?.['input']).toMatchObject({
      deal_id: 'deal_1',
      residences: [
        { address: '12 Oak St, Austin, TX 78701', since: '03/01/2025' },
        { address: '9 Elm St, Austin, TX 78702', since: '01/15/2020' },
      ],
      employment: [{ employer: 'Austin ISD', title: null, since: '08/01/2018' }],
      credit_score: 688,
      lender_id: null,
    });
  });
});

describe('the application screen', () => {
  it('lists what blocks submission, links identity problems to the customer, and records consent', async () => {
    const unmet: Unmet[] = [
      { kind: 'no_consent' },
      { kind: 'identity', party: 'applicant', customer_id: 'cus_1', blockers: [{ kind: 'not_checked' }] },
    ];
    let current = view('draft');
    const backend = useBackend({
      get_application: () => current,
      submit_blockers: () => unmet,
      application_assist: () => ASSIST,
      record_consent: () => {
        current = view('draft', { consent: { captured_by: 'jasmine', at: '2026-11-25T16:00:00Z', text_version: 'credit-consent-2026-11', text_sha256: 'ab', parties: 'applicant' } });
        unmet.shift();
        return current;
      },
    });
    session.signedIn(sessionView('sales'));
    render(ApplicationDetail, { id: 'app_1' });
    const items = await screen.findAllByTestId('application-blocker');
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent('No credit-report consent');
    expect(items[1]).toHaveTextContent("The applicant's identity is not cleared: identity not checked yet");
    expect(screen.getByTestId('consent-text')).toHaveTextContent(/^By signing below, you authorize the dealer/);

    const user = userEvent.setup();
    await user.click(screen.getByTestId('consent-record'));
    expect(screen.getByText('Tick once the applicant has agreed.')).toBeInTheDocument();
    await user.click(screen.getByTestId('consent-applicant'));
    await user.click(screen.getByTestId('consent-record'));
    expect(await screen.findByTestId('consent-given')).toHaveTextContent('Agreed by the applicant · recorded by jasmine');
    expect(backend.calls('record_consent')).toEqual([
      { id: 'app_1', input: { text_version: 'credit-consent-2026-11', applicant: true, co_applicant: false } },
    ]);
    await waitFor(() => expect(screen.getAllByTestId('application-blocker')).toHaveLength(1));

    await user.click(screen.getByTestId('blocker-customer-link'));
    expect(router.route).toEqual({ name: 'customer', id: 'cus_1' });
  });

  it('shows each lender in the order Rust sends with the figures and what is off', async () => {
    useBackend({
      get_application: () => view('ready'),
      submit_blockers: () => [],
      application_assist: () => ASSIST,
    });
    render(ApplicationDetail, { id: 'app_1' });
    const rows = await screen.findAllByTestId('assist-row');
    expect(rows.map((r) => within(r).getAllByRole('cell')[0]?.textContent)).toEqual([
      expect.stringContaining('Lone Star Credit Union'),
      expect.stringContaining('Hill Country Auto Finance'),
    ]);
    const good = within(rows[0] as HTMLElement);
    expect(good.getByText('Fits')).toBeInTheDocument();
    expect(good.getByText('6.49%')).toBeInTheDocument();
    expect(good.getByText('up to 8.99%')).toBeInTheDocument();
    const bad = within(rows[1] as HTMLElement);
    expect(bad.getByText('Does not fit')).toBeInTheDocument();
    expect(bad.getByText('max 125%')).toBeInTheDocument();
    expect(bad.getByTestId('assist-failure')).toHaveTextContent('LTV 128% > 125% max: add $1,450.00 down');
    expect(screen.getByText('Nothing missing: ready to submit.')).toBeInTheDocument();
  });

  it('offers exactly the moves Rust sends for the user, and none when it sends none', async () => {
    const salesMoves = movesFixture.moves.sales as Record<ApplicationState, Action[]>;
    let current = view('ready', { actions: salesMoves.ready });
    useBackend({
      get_application: () => current,
      submit_blockers: () => [],
      application_assist: () => ASSIST,
    });
    const first = render(ApplicationDetail, { id: 'app_1' });
    expect(await screen.findByTestId('action-reopen')).toBeInTheDocument();
    expect(screen.getByTestId('action-withdraw')).toBeInTheDocument();
    expect(screen.queryByTestId('action-submit'), 'a salesperson cannot submit').toBeNull();
    first.unmount();
    current = view('submitted', { actions: salesMoves.submitted });
    render(ApplicationDetail, { id: 'app_1' });
    expect(await screen.findByTestId('application-state')).toHaveAttribute('data-state', 'submitted');
    expect(screen.queryByText('Next step'), 'no moves, no step card').toBeNull();
  });

  it('submits, polls the lender every 3 seconds and shows the decision', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let current = view('ready');
    let answered = false;
    const backend = useBackend({
      get_application: () => current,
      submit_blockers: () => [],
      application_assist: () => ASSIST,
      submit_application: () => {
        current = view('submitted');
        return { application_id: 'app_1', outbox_id: 'out_1', lender_id: 'lnd_1', rate_sheet_version: 3, signature: 'sig' };
      },
      poll_lender_decisions: () => {
        if (!answered) return [{ outbox_id: 'out_1', application_id: 'app_1', status: 'pending', outcome: null, error: null }];
        current = view('approved', {
          decisions: [
            {
              id: 'dec_1',
              lender_id: 'lnd_1',
              lender_name: 'Lone Star Credit Union',
              rate_sheet_version: 3,
              outcome: 'approved',
              source: 'simulator',
              decided_at: '2026-11-25T16:05:00Z',
              decision: {
                outcome: 'approved',
                tier: 'B',
                buy_rate: '6.49',
                max_contract_rate: '8.99',
                approved_amount: '24890.00',
                approved_term: 72,
                stipulations: [],
                reasons: [],
              },
            },
          ],
        });
        return [{ outbox_id: 'out_1', application_id: 'app_1', status: 'answered', outcome: 'approved', error: null }];
      },
    });
    session.signedIn(sessionView('finance_manager'));
    render(ApplicationDetail, { id: 'app_1' });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await user.click(await screen.findByTestId('action-submit'));
    expect(await screen.findByTestId('application-waiting')).toBeInTheDocument();
    expect(backend.calls('submit_application')).toEqual([{ id: 'app_1' }]);
    expect(backend.calls('poll_lender_decisions')).toHaveLength(0);

    await vi.advanceTimersByTimeAsync(3000);
    expect(backend.calls('poll_lender_decisions')).toHaveLength(1);
    expect(screen.getByTestId('application-state')).toHaveAttribute('data-state', 'submitted');

    answered = true;
    await vi.advanceTimersByTimeAsync(3000);
    await waitFor(() => expect(screen.getByTestId('application-state')).toHaveAttribute('data-state', 'approved'));
    const decision = screen.getByTestId('decision');
    expect(decision).toHaveTextContent('Lone Star Credit Union');
    expect(decision).toHaveTextContent('$24,890.00 over 72 months');
    expect(screen.queryByTestId('application-waiting')).toBeNull();

    // No more polling once the lender has answered.
    const polls = backend.calls('poll_lender_decisions').length;
    await vi.advanceTimersByTimeAsync(9000);
    expect(backend.calls('poll_lender_decisions')).toHaveLength(polls);
  });

  it('shows the error when Rust refuses a move, with the note sent along', async () => {
    const backend = useBackend({
      get_application: () => view('approved'),
      submit_blockers: () => [],
      application_assist: () => ASSIST,
      transition_application: (args) => {
        if (args['action'] === 'contract') throw commandError('conflict', 'an application that is approved cannot be contracted: 1 stipulation(s) still to clear');
        throw commandError('forbidden', 'a sales cannot withdraw an application that is approved');
      },
    });
    session.signedIn(sessionView('sales'));
    render(ApplicationDetail, { id: 'app_1' });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Note for the history (optional)'), 'Customer signed');
    await user.click(screen.getByTestId('action-contract'));
    expect(await screen.findByTestId('application-action-error')).toHaveTextContent(
      'an application that is approved cannot be contracted: 1 stipulation(s) still to clear',
    );
    expect(backend.calls('transition_application')).toEqual([{ id: 'app_1', action: 'contract', note: 'Customer signed' }]);
    expect(screen.getByTestId('application-state')).toHaveAttribute('data-state', 'approved');

    // Withdrawing is final: the first press only asks.
    await user.click(screen.getByTestId('action-withdraw'));
    expect(screen.getByTestId('action-withdraw')).toHaveTextContent('Press again to confirm');
    expect(backend.calls('transition_application')).toHaveLength(1);
    await user.click(screen.getByTestId('action-withdraw'));
    await waitFor(() => expect(screen.getByTestId('application-action-error')).toHaveTextContent('a sales cannot withdraw an application that is approved'));
  });

  it('attaches a stipulation document as bytes; only a finance manager clears it', async () => {
    let current = view('conditional', { stipulations: [stip()], open_stipulations: 1 });
    const backend = useBackend({
      get_application: () => current,
      submit_blockers: () => [],
      application_assist: () => ASSIST,
      attach_stipulation_document: (args) => {
        const document = { id: 'doc_1', file_name: args.file_name, media_type: 'application/pdf', size_bytes: 8, sha256: 'ab', uploaded_by: 'jasmine', uploaded_at: '2026-11-25T16:00:00Z' };
        current = view('conditional', {
          open_stipulations: 1,
          stipulations: [stip({ status: 'received', documents: [document] })],
        });
        return document;
      },
      clear_stipulation: () => {
        const cleared = stip({ status: 'cleared', cleared_by: 'miguel', cleared_at: '2026-11-25T17:00:00Z', note: 'Pay stub matches' });
        current = view('conditional', { stipulations: [cleared], ready_to_contract: true });
        return cleared;
      },
    });
    session.signedIn(sessionView('sales'));
    const { unmount } = render(ApplicationDetail, { id: 'app_1' });
    const item = await screen.findByTestId('stipulation');
    expect(item).toHaveTextContent('open 3 days');
    expect(screen.getByTestId('application-stips-open')).toHaveTextContent('1 stipulation to clear before the contract can be printed');
    expect(screen.queryByTestId('application-ready-to-contract')).toBeNull();
    expect(within(item).getByTestId('stip-needs-manager')).toBeInTheDocument();
    expect(within(item).queryByTestId('stip-clear')).toBeNull();

    const user = userEvent.setup();
    const file = new File([new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37])], 'paystub.pdf', { type: 'application/pdf' });
    await user.upload(within(item).getByLabelText(/Attach a document/), file);
    await waitFor(() => expect(screen.getByTestId('stipulation')).toHaveAttribute('data-status', 'received'));
    expect(backend.calls('attach_stipulation_document')).toEqual([
      { stip_id: 'stip_1', file_name: 'paystub.pdf', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37] },
    ]);
    expect(screen.getByText('paystub.pdf', { exact: false })).toBeInTheDocument();
    unmount();

    session.signedIn(sessionView('finance_manager'));
    render(ApplicationDetail, { id: 'app_1' });
    await user.click(await screen.findByTestId('stip-clear'));
    expect(screen.getByText(/Write what you checked/)).toBeInTheDocument();
    expect(backend.calls('clear_stipulation')).toHaveLength(0);
    await user.type(screen.getByTestId('stip-note'), 'Pay stub matches');
    await user.click(screen.getByTestId('stip-clear'));
    await waitFor(() => expect(screen.getByTestId('stipulation')).toHaveAttribute('data-status', 'cleared'));
    expect(backend.calls('clear_stipulation')).toEqual([{ stip_id: 'stip_1', note: 'Pay stub matches' }]);
    expect(screen.getByText(/Cleared by miguel/)).toHaveTextContent('“Pay stub matches”');
    // Rust says when the contract can be printed; the screen says so in words.
    expect(screen.getByTestId('application-ready-to-contract')).toHaveTextContent('every stipulation is cleared');
    expect(screen.queryByTestId('application-stips-open')).toBeNull();
  });
});
