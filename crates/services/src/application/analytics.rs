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
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use ts_rs::TS;

use super::{ApplicationError, ApplicationState};
use crate::auth::{Actor, Permission};
use dealerdesk_rules::ids::ApplicationId;
use dealerdesk_rules::money::Money;
use dealerdesk_store::read::analytics::{self as read, PipelineQuery};
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
    pub id: ApplicationId,
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
    pub application_id: ApplicationId,
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

/// What the store narrows the pipeline to for `filter` (checked: an unknown age group is
/// refused). Owns the age bounds the query borrows.
struct Narrowing {
    at_most: Option<String>,
    after: Option<String>,
}

fn narrowing(filter: &PipelineFilter, now: DateTime<Utc>) -> Result<Narrowing, ApplicationError> {
    let (at_most, after) = match filter.age.as_deref() {
        None => (None, None),
        Some(age) => {
            let (_, _, lo, hi) = AGE_BUCKETS
                .iter()
                .find(|b| b.0 == age)
                .ok_or_else(|| super::invalid("age", "choose one of the age groups"))?;
            age_bounds(*lo, *hi, now)
        }
    };
    Ok(Narrowing { at_most, after })
}

fn pipeline_query<'a>(filter: &'a PipelineFilter, n: &'a Narrowing) -> PipelineQuery<'a> {
    PipelineQuery {
        state: filter.state.map(|s| s.as_str()),
        lender_id: filter.lender_id.as_deref(),
        created_by: filter.staff_id.as_deref(),
        created_at_most: n.at_most.as_deref(),
        created_after: n.after.as_deref(),
    }
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
    let n = narrowing(filter, now)?;
    let q = pipeline_query(filter, &n);
    let mut conn = store.pool().acquire().await?;
    let matching = read::pipeline_count(&mut conn, &q).await?;
    let rows = read::pipeline_rows(&mut conn, &q, i64::from(limit), i64::from(offset))
        .await?
        .into_iter()
        .map(|r| {
            let s = r.state;
            let state = ApplicationState::parse(&s)
                .ok_or_else(|| ApplicationError::Corrupt(format!("unknown state {s}")))?;
            Ok(PipelineRow {
                id: r.id.into(),
                state,
                customer_name: super::name_of(r.given_name, r.family_name),
                lender: r.lender_name,
                staff: r.staff_name,
                age_days: days_between(&r.created_at, now),
                idle_days: days_between(&r.updated_at, now),
                amount_financed: r
                    .amount_financed_cents
                    .map(|c| Money::from_cents(c).to_plain()),
                open_stipulations: u32::try_from(r.open_stips).unwrap_or(0),
                updated_at: r.updated_at,
            })
        })
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
    for (s, n) in read::by_state(&mut conn).await? {
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
    let breakdown = |rows: Vec<read::GroupCount>| {
        tally(
            rows.into_iter()
                .map(|g| (g.key, (g.label, g.count)))
                .collect(),
        )
    };
    let by_lender = breakdown(read::by_lender(&mut conn).await?);
    let by_staff = breakdown(read::by_staff(&mut conn).await?);
    // Every age group in one pass, by the same bounds the age filter uses.
    let bounds: Vec<(Option<String>, Option<String>)> = AGE_BUCKETS
        .iter()
        .map(|(_, _, lo, hi)| age_bounds(*lo, *hi, now))
        .collect();
    let group = |i: usize| -> read::AgeBounds<'_> {
        bounds
            .get(i)
            .map_or((None, None), |(a, b)| (a.as_deref(), b.as_deref()))
    };
    let ages = read::by_age(&mut conn, [group(0), group(1), group(2), group(3)]).await?;
    let by_age = AGE_BUCKETS
        .iter()
        .zip(ages)
        .map(|((key, label, _, _), count)| Count {
            key: (*key).into(),
            label: (*label).into(),
            count,
        })
        .collect();
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
    let total = read::live_count(store).await?;
    let reached_apps = read::states_reached(store).await?;
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
    let decisions = read::decisions(store).await?;
    let mut by_lender: BTreeMap<String, Tallies> = BTreeMap::new();
    let mut by_tier: BTreeMap<String, Tallies> = BTreeMap::new();
    let mut waits: Vec<i64> = Vec::new();
    let mut first_answer_seen: HashMap<String, ()> = HashMap::new();
    let mut markup = Vec::new();
    let mut markup_sum = Decimal::ZERO;
    // Oldest first for "first answer per application".
    for r in decisions.iter().rev() {
        let app = r.application_id.clone();
        let outcome = &r.outcome;
        let lender_id = r.lender_id.clone();
        let lender = r.lender_name.clone();
        let tier = r.tier.clone();
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
            if let Some(s) = r.submitted_at.as_deref() {
                waits.push((parse_ts(&r.decided_at) - parse_ts(s)).num_minutes().max(0));
            }
        }
    }
    for r in &decisions {
        if !matches!(r.outcome.as_str(), "approved" | "conditional")
            || r.kind.as_deref() != Some("loan")
        {
            continue;
        }
        let buy = r.buy_rate.clone();
        let contract = r
            .input_json
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
            application_id: r.application_id.clone().into(),
            customer_name: super::name_of(Some(r.given_name.clone()), Some(r.family_name.clone())),
            lender: r.lender_name.clone(),
            buy_rate: b.round_dp(2).to_string(),
            contract_rate: c.round_dp(2).to_string(),
            markup_points: format!("{points:.2}"),
            amount_financed: Money::from_cents(r.amount_financed_cents.unwrap_or(0)).to_plain(),
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
    let stips = read::open_stipulations_set_at(store).await?;
    let mut aging = vec![0i64; AGE_BUCKETS.len()];
    for created in &stips {
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
