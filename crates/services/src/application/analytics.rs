//! The pipeline (every open and closed application, by state, age, lender and staff member)
//! and the desk's analytics: the funnel from draft to funded, approval rate by lender and by
//! credit tier, time to decision, stipulation aging and the markup on each deal.
//!
//! Everything is computed from the store on request; nothing here writes. The pipeline answers
//! with the breakdowns (counted in SQL), how many applications match, and one window of the
//! matching rows; the screen's virtualised list asks for the next window as it scrolls, so the
//! first paint costs the same with 100 applications or 100,000.

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use ts_rs::TS;

use super::{ApplicationError, ApplicationState};
use crate::auth::{Actor, Permission};
use dealerdesk_rules::money::Money;
use dealerdesk_store::{parse_ts, ts, Store};

/// Rows in one pipeline window unless the caller asks for another size.
pub const PIPELINE_WINDOW: u32 = 200;
/// The largest window one call may ask for.
pub const MAX_PIPELINE_WINDOW: u32 = 1_000;

/// Age buckets of the pipeline (days since the application was started).
pub const AGE_BUCKETS: &[(&str, &str, i64, i64)] = &[
    ("0-7", "0–7 days", 0, 7),
    ("8-14", "8–14 days", 8, 14),
    ("15-30", "15–30 days", 15, 30),
    ("31+", "Over 30 days", 31, i64::MAX),
];

#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct PipelineFilter {
    pub state: Option<ApplicationState>,
    pub lender_id: Option<String>,
    /// Staff id of who started the application.
    pub staff_id: Option<String>,
    /// One of [`AGE_BUCKETS`]' keys.
    pub age: Option<String>,
    /// The first matching row to send (0 unless given).
    pub offset: Option<u32>,
    /// How many rows to send: [`PIPELINE_WINDOW`] unless given, at most
    /// [`MAX_PIPELINE_WINDOW`].
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PipelineRow {
    pub id: String,
    pub state: ApplicationState,
    pub customer_name: String,
    pub lender: Option<String>,
    pub staff: String,
    /// Days since the application was started.
    #[ts(type = "number")]
    pub age_days: i64,
    /// Days since its last change.
    #[ts(type = "number")]
    pub idle_days: i64,
    pub amount_financed: Option<String>,
    pub open_stipulations: u32,
    pub updated_at: String,
}

/// One bar of a breakdown: a key to filter by, the words to show, how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Count {
    pub key: String,
    pub label: String,
    #[ts(type = "number")]
    pub count: i64,
}

/// One window of the rows matching a filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PipelineWindow {
    /// Matching rows from `offset`, oldest change first (most in need of a nudge first).
    pub rows: Vec<PipelineRow>,
    pub offset: u32,
    /// How many applications match the filter.
    #[ts(type = "number")]
    pub matching: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Pipeline {
    /// The first window of matching rows.
    pub window: PipelineWindow,
    /// Counts over every application (not only the matching ones), so the filters show what
    /// each choice would give.
    pub by_state: Vec<Count>,
    pub by_lender: Vec<Count>,
    pub by_staff: Vec<Count>,
    pub by_age: Vec<Count>,
    /// Every application.
    #[ts(type = "number")]
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ApprovalRate {
    pub key: String,
    pub label: String,
    #[ts(type = "number")]
    pub decided: i64,
    /// Approved outright or with conditions.
    #[ts(type = "number")]
    pub approved: i64,
    #[ts(type = "number")]
    pub countered: i64,
    #[ts(type = "number")]
    pub declined: i64,
    /// `approved / decided` in percent, one decimal ("62.5"); "0.0" when nothing was decided.
    pub approval_rate: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct TimeToDecision {
    /// Decisions measured (submitted → first answer).
    #[ts(type = "number")]
    pub count: i64,
    /// Minutes, rounded; null with no decisions.
    #[ts(type = "number | null")]
    pub median_minutes: Option<i64>,
    #[ts(type = "number | null")]
    pub p90_minutes: Option<i64>,
    pub buckets: Vec<Count>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct MarkupRow {
    pub application_id: String,
    pub customer_name: String,
    pub lender: String,
    /// Percent.
    pub buy_rate: String,
    pub contract_rate: String,
    /// Contract rate − buy rate, percentage points ("1.50").
    pub markup_points: String,
    pub amount_financed: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Analytics {
    /// Applications that reached each stage, draft to funded.
    pub funnel: Vec<Count>,
    pub approval_by_lender: Vec<ApprovalRate>,
    pub approval_by_tier: Vec<ApprovalRate>,
    pub time_to_decision: TimeToDecision,
    /// Open stipulations by days open.
    pub stipulation_aging: Vec<Count>,
    /// Loans with an approval that names a buy rate, newest decision first.
    pub markup: Vec<MarkupRow>,
    /// Mean markup over `markup`, points; null when there is none.
    pub average_markup_points: Option<String>,
}

/// The funnel's stages and the states that count as having reached them.
const FUNNEL: &[(&str, &str, &[&str])] = &[
    ("draft", "Started", &[]),
    ("ready", "Complete", &["ready"]),
    ("submitted", "Submitted", &["submitted"]),
    (
        "decisioned",
        "Decided",
        &["approved", "conditional", "countered", "declined"],
    ),
    ("approved", "Approved", &["approved", "conditional"]),
    ("contracted", "Contracted", &["contracted"]),
    ("funded", "Funded", &["funded"]),
];

const DECISION_BUCKETS: &[(&str, &str, i64)] = &[
    ("lt1h", "Under 1 hour", 60),
    ("1-4h", "1–4 hours", 240),
    ("4-24h", "4–24 hours", 1440),
    ("1-3d", "1–3 days", 4320),
    ("3d+", "Over 3 days", i64::MAX),
];

fn age_bucket(days: i64) -> &'static str {
    AGE_BUCKETS
        .iter()
        .find(|(_, _, lo, hi)| days >= *lo && days <= *hi)
        .map_or("31+", |b| b.0)
}

fn days_between(from: &str, now: DateTime<Utc>) -> i64 {
    (now - parse_ts(from)).num_days().max(0)
}

fn tally(counts: BTreeMap<String, (String, i64)>) -> Vec<Count> {
    let mut v: Vec<Count> = counts
        .into_iter()
        .map(|(key, (label, count))| Count { key, label, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    v
}

/// The `created_at` bounds of an age bucket: started at least `lo` whole days before `now`
/// and fewer than `hi + 1` days before it (timestamps are stored in one RFC 3339 form, so they
/// compare as text). An application dated after `now` counts as 0 days old.
fn age_bounds(lo: i64, hi: i64, now: DateTime<Utc>) -> (Option<String>, Option<String>) {
    let at_most = (lo > 0).then(|| ts(now - Duration::days(lo)));
    let after = (hi < i64::MAX).then(|| ts(now - Duration::days(hi + 1)));
    (at_most, after)
}

/// SQL condition (on `a.created_at`) of an age bucket, with its binds appended to `binds`.
fn age_condition(lo: i64, hi: i64, now: DateTime<Utc>, binds: &mut Vec<String>) -> String {
    let (at_most, after) = age_bounds(lo, hi, now);
    let mut parts = Vec::new();
    if let Some(b) = at_most {
        binds.push(b);
        parts.push(format!("a.created_at <= ?{}", binds.len()));
    }
    if let Some(b) = after {
        binds.push(b);
        parts.push(format!("a.created_at > ?{}", binds.len()));
    }
    if parts.is_empty() {
        "1".into()
    } else {
        parts.join(" AND ")
    }
}

/// The WHERE clause of a filter and its binds (checked: an unknown age group is refused).
fn filter_sql(
    filter: &PipelineFilter,
    now: DateTime<Utc>,
) -> Result<(String, Vec<String>), ApplicationError> {
    let mut clauses = vec!["a.deleted_at IS NULL".to_string()];
    let mut binds: Vec<String> = Vec::new();
    if let Some(state) = filter.state {
        binds.push(state.as_str().into());
        clauses.push(format!("a.state = ?{}", binds.len()));
    }
    match filter.lender_id.as_deref() {
        None => {}
        Some("") => clauses.push("a.lender_id IS NULL".into()),
        Some(id) => {
            binds.push(id.into());
            clauses.push(format!("a.lender_id = ?{}", binds.len()));
        }
    }
    if let Some(staff) = filter.staff_id.as_deref() {
        binds.push(staff.into());
        clauses.push(format!("a.created_by = ?{}", binds.len()));
    }
    if let Some(age) = filter.age.as_deref() {
        let (_, _, lo, hi) = AGE_BUCKETS
            .iter()
            .find(|b| b.0 == age)
            .ok_or_else(|| super::invalid("age", "choose one of the age groups"))?;
        let condition = age_condition(*lo, *hi, now, &mut binds);
        clauses.push(condition);
    }
    Ok((clauses.join(" AND "), binds))
}

/// One window of the applications matching `filter` (any staff member may see the pipeline).
pub async fn pipeline_window(
    store: &Store,
    filter: &PipelineFilter,
    now: DateTime<Utc>,
) -> Result<PipelineWindow, ApplicationError> {
    let limit = filter.limit.unwrap_or(PIPELINE_WINDOW);
    if !(1..=MAX_PIPELINE_WINDOW).contains(&limit) {
        return Err(super::invalid(
            "limit",
            format!("ask for 1 to {MAX_PIPELINE_WINDOW} rows at a time"),
        ));
    }
    let offset = filter.offset.unwrap_or(0);
    let (where_sql, binds) = filter_sql(filter, now)?;
    let mut conn = store.pool().acquire().await?;
    let count_sql = format!("SELECT COUNT(*) FROM credit_application a WHERE {where_sql}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    for b in &binds {
        count = count.bind(b);
    }
    let matching = count.fetch_one(&mut *conn).await?;

    // Decoded by position into a tuple, which is cheaper than by column name.
    type Row = (
        String,         // id
        String,         // state
        String,         // created_at
        String,         // updated_at
        Option<String>, // given_name
        Option<String>, // family_name
        Option<String>, // lender name
        String,         // staff name
        Option<i64>,    // amount financed, cents
        i64,            // open stipulations
    );
    // The window's ids first, then the joins and the open-stipulation count for those rows
    // only (SQLite would otherwise work out every matching row's columns before sorting).
    let rows_sql = format!(
        r#"WITH page AS (SELECT a.id FROM credit_application a WHERE {where_sql}
                         ORDER BY a.updated_at ASC, a.id ASC LIMIT {limit} OFFSET {offset})
           SELECT a.id, a.state, a.created_at, a.updated_at, c.given_name, c.family_name,
                  l.name AS lender_name, COALESCE(s.display_name, a.created_by) AS staff_name,
                  o.amount_financed_cents,
                  (SELECT COUNT(*) FROM stipulation st WHERE st.application_id = a.id AND st.status <> 'cleared'
                   AND st.decision_id IS (SELECT d.id FROM application_decision d WHERE d.application_id = a.id
                                          ORDER BY d.decided_at DESC, d.id DESC LIMIT 1)) AS open_stips
           FROM page
           JOIN credit_application a ON a.id = page.id
           JOIN customer c ON c.id = a.customer_id
           LEFT JOIN lender l ON l.id = a.lender_id
           LEFT JOIN staff s ON 'staff:' || s.username = a.created_by
           LEFT JOIN deal_option o ON o.deal_id = a.deal_id AND o.selected = 1
           ORDER BY a.updated_at ASC, a.id ASC"#
    );
    let mut q = sqlx::query_as::<_, Row>(&rows_sql);
    for b in &binds {
        q = q.bind(b);
    }
    let rows = q
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(
            |(id, s, created_at, updated_at, given, family, lender, staff, cents, open)| {
                let state = ApplicationState::parse(&s)
                    .ok_or_else(|| ApplicationError::Corrupt(format!("unknown state {s}")))?;
                Ok(PipelineRow {
                    id,
                    state,
                    customer_name: super::name_of(given, family),
                    lender,
                    staff,
                    age_days: days_between(&created_at, now),
                    idle_days: days_between(&updated_at, now),
                    amount_financed: cents.map(|c| Money::from_cents(c).to_plain()),
                    open_stipulations: u32::try_from(open).unwrap_or(0),
                    updated_at,
                })
            },
        )
        .collect::<Result<Vec<_>, ApplicationError>>()?;
    Ok(PipelineWindow {
        rows,
        offset,
        matching,
    })
}

/// The pipeline's breakdowns (by state, lender, staff member and age, over every application)
/// and the first window of the rows matching `filter`. Any staff member may see it.
pub async fn pipeline(
    store: &Store,
    filter: &PipelineFilter,
    now: DateTime<Utc>,
) -> Result<Pipeline, ApplicationError> {
    let window = pipeline_window(store, filter, now).await?;
    let mut conn = store.pool().acquire().await?;
    let mut by_state: HashMap<String, i64> = HashMap::new();
    for (s, n) in sqlx::query_as::<_, (String, i64)>(
        "SELECT state, COUNT(*) FROM credit_application WHERE deleted_at IS NULL GROUP BY state",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        let state = ApplicationState::parse(&s)
            .ok_or_else(|| ApplicationError::Corrupt(format!("unknown state {s}")))?;
        by_state.insert(state.as_str().to_string(), n);
    }
    // States in the order of the state machine, not by count: the screen reads left to right.
    let states: Vec<Count> = ApplicationState::ALL
        .iter()
        .filter_map(|s| {
            by_state.get(s.as_str()).map(|n| Count {
                key: s.as_str().into(),
                label: s.as_str().into(),
                count: *n,
            })
        })
        .collect();
    let total = states.iter().map(|c| c.count).sum();
    let breakdown = |rows: Vec<(String, String, i64)>| {
        tally(
            rows.into_iter()
                .map(|(key, label, n)| (key, (label, n)))
                .collect(),
        )
    };
    let by_lender = breakdown(
        sqlx::query_as(
            r#"SELECT COALESCE(a.lender_id, ''), COALESCE(MAX(l.name), 'No lender yet'), COUNT(*)
               FROM credit_application a LEFT JOIN lender l ON l.id = a.lender_id
               WHERE a.deleted_at IS NULL GROUP BY a.lender_id"#,
        )
        .fetch_all(&mut *conn)
        .await?,
    );
    let by_staff = breakdown(
        sqlx::query_as(
            r#"SELECT a.created_by, COALESCE(MAX(s.display_name), a.created_by), COUNT(*)
               FROM credit_application a LEFT JOIN staff s ON 'staff:' || s.username = a.created_by
               WHERE a.deleted_at IS NULL GROUP BY a.created_by"#,
        )
        .fetch_all(&mut *conn)
        .await?,
    );
    // Every age group in one pass, by the same bounds the age filter uses.
    let mut binds = Vec::new();
    let sums: Vec<String> = AGE_BUCKETS
        .iter()
        .map(|(_, _, lo, hi)| {
            format!(
                "COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END), 0)",
                age_condition(*lo, *hi, now, &mut binds)
            )
        })
        .collect();
    let age_sql = format!(
        "SELECT {} FROM credit_application a WHERE a.deleted_at IS NULL",
        sums.join(", ")
    );
    let mut q = sqlx::query(&age_sql);
    for b in &binds {
        q = q.bind(b);
    }
    let ages = q.fetch_one(&mut *conn).await?;
    let by_age = AGE_BUCKETS
        .iter()
        .enumerate()
        .map(|(i, (key, label, _, _))| {
            Ok(Count {
                key: (*key).into(),
                label: (*label).into(),
                count: ages.try_get::<i64, _>(i)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Pipeline {
        window,
        by_state: states,
        by_lender,
        by_staff,
        by_age,
        total,
    })
}

fn pct(part: i64, whole: i64) -> String {
    if whole == 0 {
        return "0.0".into();
    }
    format!(
        "{:.1}",
        (Decimal::from(part) * Decimal::ONE_HUNDRED / Decimal::from(whole)).round_dp(1)
    )
}

fn percentile(sorted: &[i64], p: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    // nearest-rank
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

#[derive(Default)]
struct Tallies {
    label: String,
    decided: i64,
    approved: i64,
    countered: i64,
    declined: i64,
}

fn rates(map: BTreeMap<String, Tallies>) -> Vec<ApprovalRate> {
    map.into_iter()
        .map(|(key, t)| ApprovalRate {
            key,
            approval_rate: pct(t.approved, t.decided),
            label: t.label,
            decided: t.decided,
            approved: t.approved,
            countered: t.countered,
            declined: t.declined,
        })
        .collect()
}

/// The desk's analytics. Markup is the dealer's reserve, so this is for finance managers and
/// admins.
pub async fn analytics(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Analytics, ApplicationError> {
    if !actor.may(Permission::ViewAnalytics) {
        return Err(ApplicationError::Forbidden("see the desk's analytics"));
    }
    let pool = store.pool();

    // Funnel: every application was started; the later stages count applications whose
    // history reached one of the stage's states (so a withdrawn application that was once
    // submitted still counts as submitted).
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM credit_application WHERE deleted_at IS NULL")
            .fetch_one(pool)
            .await?;
    let reached_apps: Vec<(String, String)> = sqlx::query_as(
        r#"SELECT DISTINCT h.application_id, h.to_state
           FROM application_history h JOIN credit_application a ON a.id = h.application_id
           WHERE a.deleted_at IS NULL"#,
    )
    .fetch_all(pool)
    .await?;
    let mut funnel = Vec::new();
    for (key, label, states) in FUNNEL {
        let count = if states.is_empty() {
            total
        } else {
            let mut ids: Vec<&str> = reached_apps
                .iter()
                .filter(|(_, s)| states.contains(&s.as_str()))
                .map(|(id, _)| id.as_str())
                .collect();
            ids.sort_unstable();
            ids.dedup();
            i64::try_from(ids.len()).unwrap_or(i64::MAX)
        };
        funnel.push(Count {
            key: (*key).into(),
            label: (*label).into(),
            count,
        });
    }

    // Approval rates, one row per decision.
    let decisions = sqlx::query(
        r#"SELECT d.application_id, d.lender_id, l.name AS lender_name, d.outcome, d.decided_at,
                  json_extract(d.decision_json, '$.tier') AS tier,
                  json_extract(d.decision_json, '$.buy_rate') AS buy_rate,
                  c.given_name, c.family_name, o.kind, o.input_json, o.amount_financed_cents,
                  (SELECT MIN(h.at) FROM application_history h
                    WHERE h.application_id = d.application_id AND h.to_state = 'submitted'
                      AND h.at <= d.decided_at) AS submitted_at
           FROM application_decision d
           JOIN lender l ON l.id = d.lender_id
           JOIN credit_application a ON a.id = d.application_id
           JOIN customer c ON c.id = a.customer_id
           LEFT JOIN deal_option o ON o.deal_id = a.deal_id AND o.selected = 1
           WHERE a.deleted_at IS NULL
           ORDER BY d.decided_at DESC, d.id DESC"#,
    )
    .fetch_all(pool)
    .await?;
    let mut by_lender: BTreeMap<String, Tallies> = BTreeMap::new();
    let mut by_tier: BTreeMap<String, Tallies> = BTreeMap::new();
    let mut waits: Vec<i64> = Vec::new();
    let mut first_answer_seen: HashMap<String, ()> = HashMap::new();
    let mut markup = Vec::new();
    let mut markup_sum = Decimal::ZERO;
    // Oldest first for "first answer per application".
    for r in decisions.iter().rev() {
        let app: String = r.try_get("application_id")?;
        let outcome: String = r.try_get("outcome")?;
        let lender_id: String = r.try_get("lender_id")?;
        let lender: String = r.try_get("lender_name")?;
        let tier: Option<String> = r.try_get("tier")?;
        for (map, key, label) in [
            (&mut by_lender, lender_id.clone(), lender.clone()),
            (
                &mut by_tier,
                tier.clone().unwrap_or_else(|| "none".into()),
                tier.clone().unwrap_or_else(|| "No tier".into()),
            ),
        ] {
            let t = map.entry(key).or_default();
            t.label = label;
            t.decided += 1;
            match outcome.as_str() {
                "approved" | "conditional" => t.approved += 1,
                "countered" => t.countered += 1,
                _ => t.declined += 1,
            }
        }
        if first_answer_seen.insert(app.clone(), ()).is_none() {
            let submitted: Option<String> = r.try_get("submitted_at")?;
            let decided: String = r.try_get("decided_at")?;
            if let Some(s) = submitted.as_deref() {
                waits.push((parse_ts(&decided) - parse_ts(s)).num_minutes().max(0));
            }
        }
    }
    for r in &decisions {
        let outcome: String = r.try_get("outcome")?;
        let kind: Option<String> = r.try_get("kind")?;
        if !matches!(outcome.as_str(), "approved" | "conditional")
            || kind.as_deref() != Some("loan")
        {
            continue;
        }
        let buy: Option<String> = r.try_get("buy_rate")?;
        let input: Option<String> = r.try_get("input_json")?;
        let contract = input
            .as_deref()
            .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
            .and_then(|v| {
                let terms = v.get("input").unwrap_or(&v);
                terms
                    .get("rate")
                    .and_then(|x| x.as_str())
                    .map(str::to_owned)
            });
        let (Some(buy), Some(contract)) = (buy, contract) else {
            continue;
        };
        let (Ok(b), Ok(c)) = (Decimal::from_str(&buy), Decimal::from_str(&contract)) else {
            continue;
        };
        let points = (c - b).round_dp(2);
        markup_sum += points;
        markup.push(MarkupRow {
            application_id: r.try_get("application_id")?,
            customer_name: super::name_of(r.try_get("given_name")?, r.try_get("family_name")?),
            lender: r.try_get("lender_name")?,
            buy_rate: b.round_dp(2).to_string(),
            contract_rate: c.round_dp(2).to_string(),
            markup_points: format!("{points:.2}"),
            amount_financed: Money::from_cents(
                r.try_get::<Option<i64>, _>("amount_financed_cents")?
                    .unwrap_or(0),
            )
            .to_plain(),
        });
    }
    waits.sort_unstable();
    let mut wait_counts = vec![0i64; DECISION_BUCKETS.len()];
    for w in &waits {
        if let Some(i) = DECISION_BUCKETS.iter().position(|(_, _, max)| w < max) {
            wait_counts[i] += 1;
        }
    }

    // Stipulation aging: open (not cleared) conditions by days since they were set.
    let stips: Vec<(String,)> = sqlx::query_as(
        r#"SELECT st.created_at FROM stipulation st
           JOIN credit_application a ON a.id = st.application_id
           WHERE st.status <> 'cleared' AND a.deleted_at IS NULL
             AND a.state IN ('approved', 'conditional', 'countered')"#,
    )
    .fetch_all(pool)
    .await?;
    let mut aging = vec![0i64; AGE_BUCKETS.len()];
    for (created,) in &stips {
        let d = days_between(created, now);
        if let Some(i) = AGE_BUCKETS.iter().position(|b| b.0 == age_bucket(d)) {
            aging[i] += 1;
        }
    }

    let average_markup_points = (!markup.is_empty()).then(|| {
        format!(
            "{:.2}",
            markup_sum / Decimal::from(u64::try_from(markup.len()).unwrap_or(1))
        )
    });
    Ok(Analytics {
        funnel,
        approval_by_lender: rates(by_lender),
        approval_by_tier: rates(by_tier),
        time_to_decision: TimeToDecision {
            count: i64::try_from(waits.len()).unwrap_or(i64::MAX),
            median_minutes: percentile(&waits, 50),
            p90_minutes: percentile(&waits, 90),
            buckets: DECISION_BUCKETS
                .iter()
                .zip(wait_counts)
                .map(|((key, label, _), count)| Count {
                    key: (*key).into(),
                    label: (*label).into(),
                    count,
                })
                .collect(),
        },
        stipulation_aging: AGE_BUCKETS
            .iter()
            .zip(aging)
            .map(|((key, label, _, _), count)| Count {
                key: (*key).into(),
                label: (*label).into(),
                count,
            })
            .collect(),
        markup,
        average_markup_points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_buckets_cover_every_day() {
        assert_eq!(age_bucket(0), "0-7");
        assert_eq!(age_bucket(7), "0-7");
        assert_eq!(age_bucket(8), "8-14");
        assert_eq!(age_bucket(30), "15-30");
        assert_eq!(age_bucket(31), "31+");
        assert_eq!(age_bucket(4000), "31+");
    }

    /// The SQL bounds of each age group pick exactly the applications whose whole days of age
    /// fall in it, at every minute around the day boundaries and for a date after `now`.
    #[test]
    fn age_bounds_agree_with_whole_days_of_age() {
        let now = parse_ts("2026-11-25T15:30:00.000Z");
        let mut minutes: Vec<i64> = vec![-90];
        for day in [0i64, 1, 7, 8, 14, 15, 30, 31, 400] {
            for m in [-1i64, 0, 1] {
                minutes.push(day * 1440 + m);
            }
        }
        for m in minutes {
            let created = ts(now - Duration::minutes(m));
            let want = age_bucket(days_between(&created, now));
            let inside: Vec<&str> = AGE_BUCKETS
                .iter()
                .filter(|(_, _, lo, hi)| {
                    let (at_most, after) = age_bounds(*lo, *hi, now);
                    at_most.is_none_or(|b| created <= b) && after.is_none_or(|b| created > b)
                })
                .map(|b| b.0)
                .collect();
            assert_eq!(inside, vec![want], "{m} minutes old ({created})");
        }
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(percentile(&v, 50), Some(5));
        assert_eq!(percentile(&v, 90), Some(9));
        assert_eq!(percentile(&[42], 90), Some(42));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn percentages_one_decimal() {
        assert_eq!(pct(5, 8), "62.5");
        assert_eq!(pct(1, 3), "33.3");
        assert_eq!(pct(0, 0), "0.0");
    }
}
