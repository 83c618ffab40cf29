import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import Pipeline, { pipelineFilter } from '../screens/Pipeline.svelte';
import Analytics from '../screens/Analytics.svelte';
import type { Analytics as AnalyticsData, Pipeline as PipelineData, PipelineRow, PipelineWindow } from '../lib/api/bindings';
import { hrefFor, parseHash, router } from '../lib/router.svelte';
import { session } from '../lib/session.svelte';
import { commandError, sessionView, useBackend } from './fake-backend';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

afterEach(() => {
  pipelineFilter.state = null;
  pipelineFilter.lender_id = null;
  pipelineFilter.staff_id = null;
  pipelineFilter.age = null;
});

function row(i: number, extra: Partial<PipelineRow> = {}): PipelineRow {
  return {
    id: `app_${i}`,
    state: 'submitted',
    customer_name: `Customer Number${i}`,
    lender: 'Lone Star Credit Union',
    staff: 'Jasmine Brooks',
    age_days: 3,
    idle_days: 1,
    amount_financed: '17789.69',
    open_stipulations: 0,
    updated_at: '2026-11-21T15:00:00Z',
    ...extra,
  };
}

function windowOf(rows: PipelineRow[], args: Record<string, unknown>): PipelineWindow {
  const filter = args['filter'] as { offset: number; limit: number };
  return { rows: rows.slice(filter.offset, filter.offset + filter.limit), offset: filter.offset, matching: rows.length };
}

/** What Rust answers: the counts and the first window (of 200 unless asked otherwise). */
function pipeline(rows: PipelineRow[], total = rows.length, limit = 200): PipelineData {
  return {
    window: { rows: rows.slice(0, limit), offset: 0, matching: rows.length },
    total,
    by_state: [
      { key: 'draft', label: 'draft', count: 2 },
      { key: 'submitted', label: 'submitted', count: total - 2 },
    ],
    by_lender: [{ key: 'lnd_1', label: 'Lone Star Credit Union', count: total }],
    by_staff: [{ key: 'stf_sales', label: 'Jasmine Brooks', count: total }],
    by_age: [
      { key: '0-7', label: '0–7 days', count: total },
      { key: '8-14', label: '8–14 days', count: 0 },
      { key: '15-30', label: '15–30 days', count: 0 },
      { key: '31+', label: 'Over 30 days', count: 0 },
    ],
  };
}

describe('the pipeline screen', () => {
  it('renders only the rows in view out of ten thousand, fetching later windows as it scrolls, and filters by state, lender, staff and age', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => row(i));
    const backend = useBackend({
      application_pipeline: () => pipeline(many),
      application_pipeline_window: (args) => windowOf(many, args),
    });
    render(Pipeline);
    const table = await screen.findByTestId('pipeline-table');
    const rows = within(table).getAllByTestId('pipeline-row');
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(60);
    expect(table).toHaveAttribute('aria-rowcount', '10001');
    expect(screen.getByTestId('pipeline-caption')).toHaveTextContent('10,000 of 10,000 applications');
    expect(within(rows[0] as HTMLElement).getByText('Customer Number0')).toBeInTheDocument();
    expect(within(rows[0] as HTMLElement).getByText('$17,789.69')).toBeInTheDocument();
    const first = { state: null, lender_id: null, staff_id: null, age: null, offset: 0, limit: 200 };
    expect(backend.calls('application_pipeline')).toEqual([{ filter: first }]);
    // The first window came with the counts: nothing else was fetched to paint.
    expect(backend.calls('application_pipeline_window')).toEqual([]);

    // Far down: a placeholder until that window arrives, then the rows; only that window is fetched.
    table.scrollTop = 9_000 * 36;
    table.dispatchEvent(new Event('scroll'));
    await waitFor(() => expect(within(table).getByText('Customer Number9000')).toBeInTheDocument());
    const asked = backend.calls('application_pipeline_window').map((c) => (c['filter'] as { offset: number }).offset);
    expect(asked.length).toBeGreaterThanOrEqual(1);
    expect(asked.every((o) => o >= 8_800 && o <= 9_000)).toBe(true);

    const user = userEvent.setup();
    await user.click(screen.getByTestId('pipeline-state-draft'));
    await waitFor(() =>
      expect(backend.calls('application_pipeline').at(-1)).toEqual({
        filter: { ...first, state: 'draft' },
      }),
    );
    expect(screen.getByTestId('pipeline-state-draft')).toHaveAttribute('aria-pressed', 'true');
    await user.selectOptions(screen.getByTestId('pipeline-lender'), 'lnd_1');
    await user.selectOptions(screen.getByTestId('pipeline-staff'), 'stf_sales');
    await user.selectOptions(screen.getByTestId('pipeline-age'), '0-7');
    await waitFor(() =>
      expect(backend.calls('application_pipeline').at(-1)).toEqual({
        filter: { ...first, state: 'draft', lender_id: 'lnd_1', staff_id: 'stf_sales', age: '0-7' },
      }),
    );
    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(backend.calls('application_pipeline').at(-1)).toEqual({ filter: first }));
  });

  it('shows a placeholder for a row whose window has not arrived', async () => {
    const many = Array.from({ length: 1_000 }, (_, i) => row(i));
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    useBackend({
      application_pipeline: () => pipeline(many),
      application_pipeline_window: async (args) => {
        await gate;
        return windowOf(many, args);
      },
    });
    render(Pipeline);
    const table = await screen.findByTestId('pipeline-table');
    table.scrollTop = 600 * 36;
    table.dispatchEvent(new Event('scroll'));
    await waitFor(() => expect(within(table).getAllByTestId('pipeline-row-pending').length).toBeGreaterThan(5));
    expect(within(table).getAllByTestId('pipeline-row-pending')[0]).toHaveTextContent('Loading…');
    release();
    await waitFor(() => expect(within(table).queryAllByTestId('pipeline-row-pending')).toHaveLength(0));
    expect(within(table).getByText('Customer Number600')).toBeInTheDocument();
  });

  it('moves the selection with the keyboard and opens the chosen application with Enter', async () => {
    const many = Array.from({ length: 500 }, (_, i) => row(i));
    useBackend({ application_pipeline: () => pipeline(many), application_pipeline_window: (args) => windowOf(many, args) });
    render(Pipeline);
    const table = await screen.findByTestId('pipeline-table');
    table.focus();
    const user = userEvent.setup();
    await user.keyboard('{ArrowDown}{ArrowDown}');
    expect(table).toHaveAttribute('aria-activedescendant', 'pipeline-row-2');
    await user.keyboard('{End}');
    expect(table).toHaveAttribute('aria-activedescendant', 'pipeline-row-499');
    await user.keyboard('{Home}{PageDown}');
    expect(Number(table.getAttribute('aria-activedescendant')?.split('-').at(-1))).toBeGreaterThan(5);
    await user.keyboard('{Home}{Enter}');
    expect(router.route).toEqual({ name: 'application', id: 'app_0' });
  });

  it('says so when nothing matches and shows a load error in words', async () => {
    let fail = false;
    useBackend({
      application_pipeline: () => {
        if (fail) throw commandError('storage', 'The database could not be read.');
        return pipeline([], 0);
      },
    });
    render(Pipeline);
    expect(await screen.findByTestId('pipeline-empty')).toHaveTextContent('No credit applications yet.');
    fail = true;
    const user = userEvent.setup();
    await user.click(screen.getByTestId('pipeline-state-draft'));
    expect(await screen.findByRole('alert')).toHaveTextContent('The pipeline could not be loaded');
  });

  it('has its own routes', () => {
    for (const route of [{ name: 'pipeline' }, { name: 'analytics' }] as const) {
      expect(parseHash(hrefFor(route))).toEqual(route);
    }
  });
});

function analytics(): AnalyticsData {
  return {
    funnel: [
      { key: 'draft', label: 'Started', count: 12 },
      { key: 'ready', label: 'Complete', count: 10 },
      { key: 'submitted', label: 'Submitted', count: 8 },
      { key: 'decisioned', label: 'Decided', count: 7 },
      { key: 'approved', label: 'Approved', count: 5 },
      { key: 'contracted', label: 'Contracted', count: 3 },
      { key: 'funded', label: 'Funded', count: 2 },
    ],
    approval_by_lender: [
      { key: 'l1', label: 'Lone Star Credit Union', decided: 4, approved: 3, countered: 0, declined: 1, approval_rate: '75.0' },
      { key: 'l2', label: 'Gulf Auto Finance', decided: 3, approved: 2, countered: 1, declined: 0, approval_rate: '66.7' },
    ],
    approval_by_tier: [{ key: 'A', label: 'A', decided: 7, approved: 5, countered: 1, declined: 1, approval_rate: '71.4' }],
    time_to_decision: {
      count: 7,
      median_minutes: 95,
      p90_minutes: 3000,
      buckets: [
        { key: 'lt1h', label: 'Under 1 hour', count: 3 },
        { key: '1-4h', label: '1–4 hours', count: 2 },
        { key: '4-24h', label: '4–24 hours', count: 1 },
        { key: '1-3d', label: '1–3 days', count: 1 },
        { key: '3d+', label: 'Over 3 days', count: 0 },
      ],
    },
    stipulation_aging: [
      { key: '0-7', label: '0–7 days', count: 4 },
      { key: '8-14', label: '8–14 days', count: 1 },
      { key: '15-30', label: '15–30 days', count: 0 },
      { key: '31+', label: 'Over 30 days', count: 1 },
    ],
    markup: [
      {
        application_id: 'app_1',
        customer_name: 'Maria Garcia',
        lender: 'Lone Star Credit Union',
        buy_rate: '5.49',
        contract_rate: '7.49',
        markup_points: '2.00',
        amount_financed: '17789.69',
      },
    ],
    average_markup_points: '2.00',
  };
}

describe('the analytics screen', () => {
  it('draws each chart with its figures in a table and the headline numbers', async () => {
    session.view = sessionView('finance_manager');
    useBackend({ application_analytics: analytics });
    render(Analytics);
    expect(await screen.findByTestId('stat-started')).toHaveTextContent('12');
    expect(screen.getByTestId('stat-median')).toHaveTextContent('1.6 h');
    const funnel = screen.getByTestId('chart-funnel-table');
    expect(within(funnel).getByText('Funded').closest('tr')).toHaveTextContent('2 applications');
    const lender = screen.getByTestId('chart-lender-table');
    expect(within(lender).getByText('Lone Star Credit Union').closest('tr')).toHaveTextContent('75.0%');
    const tier = screen.getByTestId('chart-tier-table');
    expect(within(tier).getByText('A').closest('tr')).toHaveTextContent(/5 applications.*1 application.*1 application/);
    expect(screen.getByText(/90th percentile 2\.1 days/)).toBeInTheDocument();
    const stips = screen.getByTestId('chart-stips-table');
    expect(within(stips).getByText('Over 30 days').closest('tr')).toHaveTextContent('1');
    const markup = screen.getByTestId('markup-table');
    expect(within(markup).getByText('Maria Garcia').closest('tr')).toHaveTextContent(/5\.49%.*7\.49%.*2\.00 pts.*\$17,789\.69/);
    for (const id of ['chart-funnel', 'chart-lender', 'chart-tier', 'chart-wait', 'chart-stips', 'chart-markup']) {
      const fig = screen.getByTestId(id);
      expect(within(fig).getByRole('img')).toHaveAccessibleName(/.+: .+/);
    }
  });

  it('tells a salesperson the analytics are for managers', async () => {
    useBackend({
      application_analytics: () => {
        throw commandError('forbidden', 'your role cannot see the desk’s analytics; a finance manager or admin must');
      },
    });
    render(Analytics);
    expect(await screen.findByRole('alert')).toHaveTextContent('your role cannot see the desk’s analytics; a finance manager or admin must');
  });
});
