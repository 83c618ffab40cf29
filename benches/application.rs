//! Decision assist across 10 lenders (the target: ≤ 1 ms): PTI, DTI, LTV, tier, buy
//! rate, markup and every failing rule in words, sorted best first. The sheets are already
//! parsed (the desk parses them once when the lender list loads).

use chrono::{TimeZone, Utc};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use dealerdesk_rules::money::Money;
use dealerdesk_services::application::demo::demo_rate_sheets;
use dealerdesk_services::application::{assess_all, AssistInput, LenderSheet};
use rust_decimal::Decimal;

fn lenders() -> Vec<LenderSheet> {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 25, 15, 0, 0)
        .single()
        .unwrap_or_default();
    let sheets = demo_rate_sheets(now);
    (0..10)
        .map(|i| {
            let mut s = sheets[i % sheets.len()].clone();
            s.lender_code = format!("{}{i}", s.lender_code);
            LenderSheet {
                lender_id: format!("lender-{i}"),
                lender_code: s.lender_code.clone(),
                lender_name: format!("{} #{i}", s.lender_name),
                rate_sheet_id: format!("sheet-{i}"),
                rate_sheet_version: 1,
                sheet: s
                    .parse()
                    .unwrap_or_else(|e| panic!("demo sheet parses: {e}")),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let lenders = lenders();
    let input = AssistInput {
        amount_financed: Money::from_cents(2_378_969),
        payment: Money::from_cents(47_112),
        term_months: 60,
        model_year: 2024,
        vehicle_value: Money::from_cents(2_199_500),
        monthly_income: Money::from_cents(625_000),
        housing_payment: Money::from_cents(140_000),
        other_debts: Money::from_cents(35_000),
        credit_score: Some(688),
        contract_rate: Some(Decimal::new(899, 2)),
    };
    c.bench_function("decision_assist_10_lenders", |b| {
        b.iter(|| assess_all(black_box(&input), black_box(&lenders)))
    });
}

/// The same table from the store, as the application screen gets it: the application, deal,
/// option and vehicle read, 10 lenders' current sheets loaded and parsed, then judged.
fn bench_from_store(c: &mut Criterion) {
    use dealerdesk_services::application::{self, ApplicationFilter};
    use dealerdesk_services::auth::Actor;
    use dealerdesk_store::{OpenMode, Store};
    let Ok(rt) = tokio::runtime::Runtime::new() else {
        return;
    };
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let now = Utc
        .with_ymd_and_hms(2026, 11, 25, 15, 0, 0)
        .single()
        .unwrap_or_default();
    let (store, id) = rt.block_on(async {
        let store = Store::open(&dir.path().join("bench.db"), OpenMode::CreateIfMissing)
            .await
            .unwrap_or_else(|e| panic!("store: {e}"));
        dealerdesk_services::demo::fill(&store, 2026, 60, now, now.date_naive())
            .await
            .unwrap_or_else(|e| panic!("demo: {e}"));
        let sheets = demo_rate_sheets(now);
        for i in 0..7 {
            let mut s = sheets[i % sheets.len()].clone();
            s.lender_code = format!("{}{i}", s.lender_code);
            s.lender_name = format!("{} #{i}", s.lender_name);
            application::import_rate_sheet(&store, &Actor::Cli("bench".into()), &s, now)
                .await
                .unwrap_or_else(|e| panic!("import: {e}"));
        }
        let page = application::list_applications(&store, &ApplicationFilter::default())
            .await
            .unwrap_or_else(|e| panic!("list: {e}"));
        let id = page.items[0].id.clone();
        (store, id)
    });
    c.bench_function("decision_assist_10_lenders_from_store", |b| {
        b.iter(|| {
            rt.block_on(application::decision_assist(&store, black_box(&id)))
                .map(|rows| assert_eq!(rows.len(), 10))
        })
    });
}

/// The pipeline screen's one query over 10,014 applications (the demo's 14 and 10,000 copies),
/// and the analytics over the same store. The screen's budget for first paint is 200 ms.
fn bench_pipeline(c: &mut Criterion) {
    use dealerdesk_services::application::analytics::{self, PipelineFilter};
    use dealerdesk_services::auth::Actor;
    use dealerdesk_store::{OpenMode, Store};
    let Ok(rt) = tokio::runtime::Runtime::new() else {
        return;
    };
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let now = Utc
        .with_ymd_and_hms(2026, 11, 25, 15, 0, 0)
        .single()
        .unwrap_or_default();
    let store = rt.block_on(async {
        let store = Store::open(&dir.path().join("pipeline.db"), OpenMode::CreateIfMissing)
            .await
            .unwrap_or_else(|e| panic!("store: {e}"));
        dealerdesk_services::demo::fill(&store, 2026, 60, now, now.date_naive())
            .await
            .unwrap_or_else(|e| panic!("demo: {e}"));
        dealerdesk_services::application::demo::replicate_applications(&store, 10_000, 2026, now)
            .await
            .unwrap_or_else(|e| panic!("copies: {e}"));
        store
    });
    let mut group = c.benchmark_group("pipeline_10k");
    group.sample_size(20);
    // What the screen asks for to paint: the breakdowns and the first window.
    group.bench_function("pipeline_first_window", |b| {
        b.iter(|| {
            rt.block_on(analytics::pipeline(
                &store,
                black_box(&PipelineFilter::default()),
                now,
            ))
            .map(|p| assert!(p.total >= 10_000 && p.window.rows.len() == 200))
        })
    });
    // A window near the end (End pressed): the deepest OFFSET.
    group.bench_function("pipeline_last_window", |b| {
        b.iter(|| {
            rt.block_on(analytics::pipeline_window(
                &store,
                black_box(&PipelineFilter {
                    offset: Some(9_900),
                    ..Default::default()
                }),
                now,
            ))
            .map(|w| assert!(!w.rows.is_empty()))
        })
    });
    let manager = Actor::Cli("bench".into());
    group.bench_function("analytics", |b| {
        b.iter(|| {
            rt.block_on(analytics::analytics(&store, &manager, now))
                .map(|a| a.funnel.len())
        })
    });
    group.finish();
}

criterion_group!(benches, bench, bench_from_store, bench_pipeline);
criterion_main!(benches);
