/**
 * DEV ONLY (see mock.ts): credit applications for the in-browser stand-in. A few applications
 * over the demo deals, three lenders, a lender that answers a few seconds after submission.
 * The rules are a sketch of Rust's, enough to look at the screens.
 */
import { reply, type CommandRequest } from './commands';
import type {
  Action,
  ApplicationInput,
  ApplicationState,
  ApplicationSummary,
  ApplicationView,
  DealSummary,
  ErrorCode,
  LenderAssessment,
  LenderView,
  ProcessedMessage,
  Role,
  StipulationView,
  Unmet,
} from './bindings';
import movesFixture from '../../../../tests/fixtures/rules/roles.json';

type Fail = (code: ErrorCode, message: string, field?: string | null) => never;

const LENDERS: LenderView[] = [
  { id: 'lnd_1', code: 'LSCU', name: 'Lone Star Credit Union', active: true, rate_sheet_id: 'rs_1', rate_sheet_version: 3, effective_date: '2026-11-01' },
  { id: 'lnd_2', code: 'HCAF', name: 'Hill Country Auto Finance', active: true, rate_sheet_id: 'rs_2', rate_sheet_version: 1, effective_date: '2026-10-15' },
  { id: 'lnd_3', code: 'CAPB', name: 'Capitol Bank Auto', active: true, rate_sheet_id: 'rs_3', rate_sheet_version: 2, effective_date: '2026-09-01' },
];

/** Rust's moves by role and state, generated from `application::actions_for`. */
const MOVES = movesFixture.moves as Record<Role, Record<ApplicationState, Action[]>>;

const DECIDE: Partial<Record<Action, ApplicationState>> = {
  mark_ready: 'ready',
  reopen: 'draft',
  approve: 'approved',
  condition: 'conditional',
  counter: 'countered',
  decline: 'declined',
  accept_counter: 'approved',
  rework: 'draft',
  contract: 'contracted',
  fund: 'funded',
  withdraw: 'withdrawn',
  expire: 'expired',
};

const phase = (s: ApplicationState) => (['approved', 'conditional', 'countered', 'declined'].includes(s) ? 'decisioned' : s);

export function applicationsHandler(
  deals: DealSummary[],
  fail: Fail,
  who: () => { username: string; role: Role },
): (req: CommandRequest) => unknown {
  const apps: ApplicationView[] = [];
  const outbox: { appId: string; at: number }[] = [];
  const now = () => new Date().toISOString();

  function make(deal: DealSummary, state: ApplicationState, i: number): ApplicationView {
    const at = new Date(Date.now() - (i + 1) * 2 * 86_400_000).toISOString();
    return {
      id: `app_${apps.length + 1}`,
      state,
      phase: phase(state),
      deal_id: deal.id,
      customer_id: deal.customer_id,
      customer_name: deal.customer_name,
      intent: 'individual',
      co_applicant_id: null,
      co_applicant_name: null,
      details: {
        residences: [{ address: '12 Oak St, Austin, TX 78701', since: '2019-03-01' }],
        employment: [{ employer: 'Austin ISD', title: 'Teacher', since: '2018-08-01' }],
        other_income: [],
        references: [],
      },
      gross_monthly_income: '5200.00',
      other_monthly_income: '0.00',
      co_applicant_income: '0.00',
      housing_status: 'rent',
      housing_payment: '1350.00',
      other_monthly_debts: '420.00',
      credit_score: 640 + ((i * 37) % 160),
      lender_id: 'lnd_1',
      lender_name: 'Lone Star Credit Union',
      consent: state === 'draft' ? null : { captured_by: 'jbrooks', at, text_version: 'credit-consent-2026-11', text_sha256: '00', parties: 'applicant' },
      history: [{ from_state: null, to_state: 'draft', action: 'create', action_label: 'started', actor: 'staff:jbrooks', actor_name: 'Jasmine Brooks', at, note: null }],
      decisions: [],
      stipulations:
        state === 'conditional'
          ? [stip(`stip_${i}`, 'proof_of_income', 'Proof of income: pay stub no more than 30 days old, with year-to-date earnings', at)]
          : [],
      open_stipulations: state === 'conditional' ? 1 : 0,
      ready_to_contract: state === 'approved',
      created_at: at,
      updated_at: at,
      created_by: 'staff:jbrooks',
      created_by_name: 'Jasmine Brooks',
      actions: [],
    };
  }

  /**
   * What Rust works out on every read: the open stipulations, whether it can be contracted, and
   * the moves the signed-in user may make (this fake backend's copy of the transition table).
   */
  function withReadiness(a: ApplicationView): ApplicationView {
    a.open_stipulations = a.stipulations.filter((s) => s.status !== 'cleared').length;
    a.ready_to_contract = (a.state === 'approved' || a.state === 'conditional') && a.open_stipulations === 0;
    a.actions = movesFor(a.state);
    return a;
  }

  /** The moves Rust offers the signed-in user (its table, from the generated fixture). */
  function movesFor(state: ApplicationState): Action[] {
    return MOVES[who().role][state];
  }

  function stip(id: string, code: string, description: string, at: string): StipulationView {
    return { id, code, description, status: 'open', needs_document: true, documents: [], cleared_by: null, cleared_at: null, note: null, created_at: at, age_days: Math.floor((Date.now() - Date.parse(at)) / 86_400_000) };
  }

  const seeded: ApplicationState[] = ['draft', 'ready', 'conditional', 'approved', 'declined', 'funded'];
  deals.slice(0, seeded.length).forEach((d, i) => apps.push(make(d, seeded[i] ?? 'draft', i)));

  const find = (id: unknown) => apps.find((a) => a.id === id) ?? fail('not_found', 'That application was not found.');
  const summary = (a: ApplicationView): ApplicationSummary => ({
    id: a.id,
    state: a.state,
    phase: a.phase,
    customer_id: a.customer_id,
    customer_name: a.customer_name,
    deal_id: a.deal_id,
    lender_id: a.lender_id,
    lender: a.lender_name,
    credit_score: a.credit_score,
    open_stipulations: a.stipulations.filter((s) => s.status !== 'cleared').length,
    created_at: a.created_at,
    updated_at: a.updated_at,
  });
  const move = (a: ApplicationView, to: ApplicationState, action: string, note: string | null) => {
    a.history.push({
      from_state: a.state,
      to_state: to,
      action,
      action_label: action.replace(/_/g, ' '),
      actor: `staff:${who().username}`,
      actor_name: who().username,
      at: now(),
      note,
    });
    a.state = to;
    a.phase = phase(to);
    a.updated_at = now();
  };
  const blockers = (a: ApplicationView): Unmet[] => {
    const out: Unmet[] = [];
    if (!a.consent) out.push({ kind: 'no_consent' });
    if (!a.lender_id) out.push({ kind: 'no_lender' });
    if (a.credit_score === null) out.push({ kind: 'no_credit_score' });
    return out;
  };
  const apply = (a: ApplicationView, input: ApplicationInput) => {
    const lender = LENDERS.find((l) => l.id === input.lender_id) ?? null;
    Object.assign(a, {
      intent: input.intent,
      co_applicant_id: input.co_applicant_id,
      details: { residences: input.residences, employment: input.employment, other_income: input.other_income, references: input.references },
      gross_monthly_income: input.gross_monthly_income,
      housing_status: input.housing_status,
      housing_payment: input.housing_payment,
      other_monthly_debts: input.other_monthly_debts,
      credit_score: input.credit_score,
      lender_id: lender?.id ?? null,
      lender_name: lender?.name ?? null,
      updated_at: now(),
    });
    return a;
  };

  return (req) => {
    switch (req.cmd) {
      case 'list_lenders':
        return reply(req, LENDERS);
      case 'list_applications': {
        const f = req.args.filter;
        const rows = apps.filter((a) => !f.state || a.state === f.state).reverse();
        const offset = f.offset ?? 0;
        return reply(req, { items: rows.slice(offset, offset + (f.limit ?? 50)).map(summary), total: rows.length });
      }
      case 'get_application':
        return reply(req, withReadiness(find(req.args.id)));
      case 'submit_blockers':
        return reply(req, blockers(find(req.args.id)));
      case 'application_assist': {
        const a = find(req.args.id);
        return reply(req, LENDERS.map((l, i): LenderAssessment => {
          const failures = i === 2 ? [{ rule: 'ltv' as const, actual: '128', limit: '125', message: 'LTV 128% > 125% max: add $1,450.00 down' }] : [];
          return {
            lender_id: l.id, lender_code: l.code, lender_name: l.name, rate_sheet_id: l.rate_sheet_id ?? '', rate_sheet_version: l.rate_sheet_version ?? 1,
            pti: '9.12', dti: '43.2', ltv: i === 2 ? '128' : '104.5', tier: a.credit_score && a.credit_score >= 700 ? 'A' : 'B',
            buy_rate: ['6.49', '7.25', '8.99'][i] ?? null, max_markup: '2.5', markup: '0.5', max_contract_rate: ['8.99', '9.75', '11.49'][i] ?? null,
            fees: '595.00', stipulations: i === 1 ? ['proof_of_income'] : [], failures, eligible: failures.length === 0,
          };
        }));
      }
      case 'create_application': {
        const input = req.args.input;
        const deal = deals.find((d) => d.id === input.deal_id) ?? fail('not_found', 'That deal was not found.');
        const a = make(deal, 'draft', 0);
        a.created_at = a.updated_at = now();
        a.history[0] = { from_state: null, to_state: 'draft', action: 'create', action_label: 'started', actor: `staff:${who().username}`, actor_name: who().username, at: now(), note: null };
        apps.push(apply(a, input));
        return reply(req, a);
      }
      case 'update_application': {
        const a = find(req.args.id);
        if (a.state !== 'draft') fail('validation', `only a draft can be edited; this application is ${a.state} (reopen or rework it first)`, 'state');
        return reply(req, apply(a, req.args.input));
      }
      case 'record_consent': {
        const a = find(req.args.id);
        a.consent = { captured_by: who().username, at: now(), text_version: 'credit-consent-2026-11', text_sha256: '00', parties: a.co_applicant_id ? 'applicant,co_applicant' : 'applicant' };
        return reply(req, a);
      }
      case 'submit_application': {
        const a = find(req.args.id);
        if (a.state !== 'ready') fail('conflict', `an application that is ${a.state} cannot be submitted`);
        if (who().role === 'sales') fail('forbidden', 'a sales cannot submit an application that is ready');
        const unmet = blockers(a);
        if (unmet.length) fail('conflict', 'the application is not complete yet');
        move(a, 'submitted', 'submitted', null);
        outbox.push({ appId: a.id, at: Date.now() });
        return reply(req, { application_id: a.id, outbox_id: `out_${outbox.length}`, lender_id: a.lender_id ?? '', rate_sheet_version: 3, signature: 'mock' });
      }
      case 'poll_lender_decisions': {
        const out: ProcessedMessage[] = [];
        for (const m of outbox.splice(0)) {
          const a = find(m.appId);
          if (Date.now() - m.at < 6000 || a.state !== 'submitted') {
            if (a.state === 'submitted') outbox.push(m);
            out.push({ outbox_id: m.appId, application_id: a.id, status: 'pending', outcome: null, error: null });
            continue;
          }
          const outcome: ApplicationState = 'conditional';
          a.decisions.push({
            id: `dec_${a.id}`, lender_id: a.lender_id ?? '', lender_name: a.lender_name ?? '', rate_sheet_version: 3, outcome, source: 'simulator', decided_at: now(),
            decision: { outcome, tier: 'B', buy_rate: '6.49', max_contract_rate: '8.99', approved_amount: '24890.00', approved_term: 72, stipulations: ['proof_of_residence'], reasons: [] },
          });
          a.stipulations.push(stip(`stip_${a.id}`, 'proof_of_residence', "Proof of residence: utility bill no more than 30 days old in the applicant's name", now()));
          move(a, outcome, 'approved with conditions', null);
          out.push({ outbox_id: m.appId, application_id: a.id, status: 'answered', outcome, error: null });
        }
        return reply(req, out);
      }
      case 'transition_application': {
        const a = find(req.args.id);
        const action = req.args.action;
        const to = DECIDE[action];
        if (!to || !MOVES.admin[a.state].includes(action)) fail('conflict', `an application that is ${a.state} cannot be ${action}`);
        const anyone = action === 'mark_ready' || action === 'reopen' || (action === 'withdraw' && (a.state === 'draft' || a.state === 'ready'));
        if (!anyone && who().role === 'sales') fail('forbidden', `a sales cannot ${action} an application that is ${a.state}`);
        if (action === 'contract' && a.stipulations.some((s) => s.status !== 'cleared')) fail('conflict', 'clear every stipulation before contracting');
        move(a, to, action, req.args.note);
        return reply(req, a);
      }
      case 'attach_stipulation_document': {
        const s = apps.flatMap((a) => a.stipulations).find((x) => x.id === req.args.stip_id) ?? fail('not_found', 'That stipulation was not found.');
        const bytes = req.args.bytes;
        const doc = { id: `doc_${s.documents.length + 1}`, file_name: req.args.file_name, media_type: 'application/pdf', size_bytes: bytes.length, sha256: '00', uploaded_by: who().username, uploaded_at: now() };
        s.documents.push(doc);
        s.status = 'received';
        return reply(req, doc);
      }
      case 'clear_stipulation': {
        if (who().role === 'sales') fail('forbidden', 'your role cannot clear a stipulation; a finance manager or admin must');
        const s = apps.flatMap((a) => a.stipulations).find((x) => x.id === req.args.stip_id) ?? fail('not_found', 'That stipulation was not found.');
        Object.assign(s, { status: 'cleared', cleared_by: who().username, cleared_at: now(), note: req.args.note });
        return reply(req, s);
      }
      default:
        return undefined;
    }
  };
}
