//! Demo lenders (three fictional appetites) and demo applications spread over the state
//! machine, for `dealerdesk demo`. Demo customers have no identity record, so the demo submits
//! past the identity gate (the history note says so); everything else goes through the same
//! transitions, outbox, simulator and stipulation code as the desk.

use chrono::{DateTime, Datelike, Duration, Months, Utc};
use dealerdesk_rules::ids::ApplicationId;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::rates::{import_tx, CreditTier, LenderFee, RateCell, RateSheet};
use super::{
    attach_document, clear_stipulation, create_application, record_consent, transition, Action,
    ApplicationError, ApplicationInput, ConsentInput, EmploymentEntry, HousingStatus, Intent,
    Reference, ResidenceEntry, Simulator, CONSENT_TEXTS,
};
use crate::auth::Actor;
use dealerdesk_rules::money::Money;
use dealerdesk_store::audit::{AuditEvent, AuditOutcome};
use dealerdesk_store::repo::credit_application;
use dealerdesk_store::Store;

fn cells(year: i32, oldest: i32, rates: &[(u32, u32, &str)], older: Option<&str>) -> Vec<RateCell> {
    let mut out: Vec<RateCell> = rates
        .iter()
        .map(|(lo, hi, r)| RateCell {
            term_min: *lo,
            term_max: *hi,
            year_min: year - 2,
            year_max: year + 1,
            buy_rate: (*r).into(),
        })
        .collect();
    if let Some(bump) = older {
        for (lo, hi, r) in rates {
            let base: rust_decimal::Decimal = r.parse().unwrap_or_default();
            let extra: rust_decimal::Decimal = bump.parse().unwrap_or_default();
            out.push(RateCell {
                term_min: *lo,
                term_max: *hi,
                year_min: oldest,
                year_max: year - 3,
                buy_rate: (base + extra).normalize().to_string(),
            });
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn tier(
    name: &str,
    scores: (u16, u16),
    max_term: u32,
    ltv: &str,
    pti: &str,
    dti: &str,
    max_amount: &str,
    stips: &[&str],
    rates: Vec<RateCell>,
) -> CreditTier {
    CreditTier {
        name: name.into(),
        min_score: scores.0,
        max_score: scores.1,
        max_term,
        max_ltv: ltv.into(),
        max_pti: pti.into(),
        max_dti: dti.into(),
        max_amount_financed: max_amount.into(),
        stipulations: stips.iter().map(|s| s.to_string()).collect(),
        rates,
    }
}

/// The three demo lenders' sheets: a prime captive, a credit union and a subprime lender.
pub fn demo_rate_sheets(now: DateTime<Utc>) -> Vec<RateSheet> {
    let y = now.year();
    let effective = now
        .date_naive()
        .with_day(1)
        .unwrap_or(now.date_naive())
        .to_string();
    let terms = |a: &str, b: &str, c: &str, d: &str| -> Vec<(u32, u32, String)> {
        vec![
            (12, 48, a.to_string()),
            (49, 60, b.to_string()),
            (61, 72, c.to_string()),
            (73, 84, d.to_string()),
        ]
    };
    let c = |t: Vec<(u32, u32, String)>, oldest: i32, older: Option<&str>| {
        let v: Vec<(u32, u32, &str)> = t.iter().map(|(a, b, r)| (*a, *b, r.as_str())).collect();
        cells(y, oldest, &v, older)
    };
    vec![
        RateSheet {
            lender_code: "LAKESHORE".into(),
            lender_name: "Lakeshore Motor Credit (demo captive)".into(),
            effective_date: effective.clone(),
            max_markup: "2.5".into(),
            fees: vec![LenderFee {
                name: "Lender fee".into(),
                amount: "395.00".into(),
            }],
            tiers: vec![
                tier(
                    "Tier 1",
                    (740, 850),
                    84,
                    "125",
                    "20",
                    "50",
                    "90000.00",
                    &[],
                    c(terms("4.49", "4.99", "5.49", "6.49"), y - 6, Some("1.5")),
                ),
                tier(
                    "Tier 2",
                    (680, 739),
                    75,
                    "120",
                    "18",
                    "45",
                    "70000.00",
                    &["proof_of_income"],
                    c(terms("6.49", "6.99", "7.49", "8.49"), y - 6, Some("1.5")),
                ),
                tier(
                    "Tier 3",
                    (620, 679),
                    72,
                    "110",
                    "15",
                    "42",
                    "45000.00",
                    &["proof_of_income", "proof_of_residence"],
                    c(terms("9.49", "9.99", "10.99", "12.49"), y - 6, Some("2")),
                ),
            ],
        },
        RateSheet {
            lender_code: "PRAIRIEFCU".into(),
            lender_name: "Prairie Federal Credit Union (demo)".into(),
            effective_date: effective.clone(),
            max_markup: "2".into(),
            fees: Vec::new(),
            tiers: vec![
                tier(
                    "A",
                    (700, 850),
                    72,
                    "115",
                    "18",
                    "45",
                    "75000.00",
                    &["proof_of_insurance"],
                    c(terms("4.24", "4.74", "5.24", "6.24"), y - 10, Some("1")),
                ),
                tier(
                    "B",
                    (640, 699),
                    72,
                    "105",
                    "15",
                    "40",
                    "50000.00",
                    &["proof_of_income", "proof_of_insurance"],
                    c(terms("6.99", "7.49", "7.99", "8.99"), y - 10, Some("1.25")),
                ),
            ],
        },
        RateSheet {
            lender_code: "SECONDCHANCE".into(),
            lender_name: "Second Chance Auto Finance (demo subprime)".into(),
            effective_date: effective,
            max_markup: "2".into(),
            fees: vec![LenderFee {
                name: "Acquisition fee".into(),
                amount: "795.00".into(),
            }],
            tiers: vec![
                tier(
                    "Near prime",
                    (600, 679),
                    72,
                    "140",
                    "15",
                    "50",
                    "35000.00",
                    &["proof_of_income", "proof_of_residence"],
                    c(terms("12.99", "13.99", "14.99", "16.99"), y - 12, Some("2")),
                ),
                tier(
                    "Subprime",
                    (500, 599),
                    60,
                    "130",
                    "15",
                    "50",
                    "25000.00",
                    &[
                        "proof_of_income",
                        "proof_of_residence",
                        "references",
                        "licence_copy",
                    ],
                    c(terms("17.99", "18.99", "19.99", "21.99"), y - 12, Some("2")),
                ),
            ],
        },
    ]
}

/// Imports the demo lenders' sheets (version 1 each).
pub async fn seed_lenders(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), ApplicationError> {
    let mut w = store.write(now).await?;
    for sheet in demo_rate_sheets(now) {
        let parsed = sheet.parse()?;
        import_tx(&mut w, actor, &sheet, &parsed).await?;
    }
    w.commit().await?;
    Ok(())
}

/// The shape of one demo application.
#[derive(Clone, Copy)]
enum Plan {
    Draft,
    Ready,
    Submitted,
    Decided,
    Countered,
    Declined,
    Contracted,
    Funded,
    Withdrawn,
    /// Declined `days_ago`: an adverse-action notice already under way (delivered or not).
    DeclinedEarlier {
        days_ago: i64,
        delivered: bool,
    },
}

const PLANS: &[Plan] = &[
    Plan::Draft,
    Plan::Ready,
    Plan::Submitted,
    Plan::Decided,
    Plan::Countered,
    Plan::Declined,
    Plan::Contracted,
    Plan::Funded,
    Plan::Withdrawn,
    Plan::Decided,
    Plan::Draft,
    Plan::Submitted,
    // notices on the 30-day timer: one close to its deadline, one already delivered
    Plan::DeclinedEarlier {
        days_ago: 27,
        delivered: false,
    },
    Plan::DeclinedEarlier {
        days_ago: 12,
        delivered: true,
    },
];

/// A tiny valid PDF for demo stipulation documents.
pub const DEMO_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// Creates demo applications over the saved deals, in at least five different states. Returns
/// how many.
pub async fn seed_applications(
    store: &Store,
    actor: &Actor,
    seed: u64,
    now: DateTime<Utc>,
) -> Result<usize, ApplicationError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00a9_911c_a710);
    {
        // adverse-action notices print the dealership's address: a fictional one for the demo
        let mut conn = store.pool().acquire().await?;
        if dealerdesk_store::meta_get(&mut conn, "dealership_address")
            .await?
            .is_none()
        {
            dealerdesk_store::meta_set(
                &mut conn,
                "dealership_address",
                "1200 Demo Parkway, Anytown, TX 75000 (demo)",
            )
            .await?;
        }
    }
    let deals = dealerdesk_store::read::application::demo_deals(store).await?;
    let lenders = super::list_lenders(store).await?;
    let lender = |code: &str| {
        lenders
            .iter()
            .find(|l| l.code == code)
            .map(|l| l.id.clone())
    };
    let today = now.date_naive();
    let start = now - Duration::hours(6);
    let mut created = Vec::new();
    for (k, row) in deals.iter().enumerate().take(PLANS.len()) {
        let plan = PLANS[k];
        let at = match plan {
            Plan::DeclinedEarlier { days_ago, .. } => {
                now - Duration::days(days_ago) - Duration::hours(1)
            }
            _ => start + Duration::minutes(k as i64 * 7),
        };
        let payment = Money::from_cents(row.monthly_payment_cents);
        let ratio: i64 = match plan {
            Plan::Countered => 4, // PTI 25 %
            _ => rng.gen_range(9..14),
        };
        let income =
            Money::from_cents(payment.cents().unwrap_or(0) * ratio).max(Money::from_cents(700_000));
        let income = if matches!(plan, Plan::Countered) {
            Money::from_cents(payment.cents().unwrap_or(0) * ratio)
        } else {
            income
        };
        let (score, code) = match plan {
            Plan::Declined | Plan::DeclinedEarlier { .. } => {
                (rng.gen_range(455..495), "SECONDCHANCE")
            }
            Plan::Countered => (rng.gen_range(700..760), "LAKESHORE"),
            _ => match k % 3 {
                0 => (rng.gen_range(745..820), "LAKESHORE"),
                1 => (rng.gen_range(705..780), "PRAIRIEFCU"),
                _ => (rng.gen_range(610..660), "SECONDCHANCE"),
            },
        };
        let address = row.address.clone();
        let employer = row.employer.clone();
        let mut years = |n: u32| {
            today
                .checked_sub_months(Months::new(n * 12 + rng.gen_range(0..11)))
                .unwrap_or(today)
                .to_string()
        };
        let (since_current, since_previous, since_job) = (years(1), years(4), years(3));
        let input = ApplicationInput {
            deal_id: row.id.clone().into(),
            intent: Intent::Individual,
            co_applicant_id: None,
            residences: vec![
                ResidenceEntry {
                    address: address.unwrap_or_else(|| "Current address on file".into()),
                    since: since_current,
                },
                ResidenceEntry {
                    address: "Previous address (demo)".into(),
                    since: since_previous,
                },
            ],
            employment: vec![EmploymentEntry {
                employer: employer.unwrap_or_else(|| "Self-employed".into()),
                title: None,
                since: since_job,
            }],
            gross_monthly_income: income.to_plain(),
            other_income: Vec::new(),
            co_applicant_income: None,
            housing_status: if rng.gen_bool(0.5) {
                HousingStatus::Rent
            } else {
                HousingStatus::Mortgage
            },
            housing_payment: Money::from_cents(if matches!(plan, Plan::Countered) {
                0
            } else {
                rng.gen_range(60_000..140_000)
            })
            .to_plain(),
            other_monthly_debts: Money::from_cents(if matches!(plan, Plan::Countered) {
                0
            } else {
                rng.gen_range(0..40_000)
            })
            .to_plain(),
            references: vec![Reference {
                name: "Pat Demo".into(),
                phone: "(214) 555-0100".into(),
                relation: "friend".into(),
            }],
            credit_score: Some(score),
            lender_id: lender(code),
        };
        let app = create_application(store, actor, &input, at).await?;
        let id = app.id;
        created.push(id.clone());
        if matches!(plan, Plan::Draft) {
            continue;
        }
        if matches!(plan, Plan::Withdrawn) {
            transition(
                store,
                actor,
                &id,
                Action::Withdraw,
                Some("customer bought elsewhere"),
                at + Duration::minutes(2),
            )
            .await?;
            continue;
        }
        record_consent(
            store,
            actor,
            &id,
            &ConsentInput {
                text_version: CONSENT_TEXTS[CONSENT_TEXTS.len() - 1].0.into(),
                applicant: true,
                co_applicant: false,
            },
            at + Duration::minutes(1),
        )
        .await?;
        transition(
            store,
            actor,
            &id,
            Action::MarkReady,
            None,
            at + Duration::minutes(2),
        )
        .await?;
        if matches!(plan, Plan::Ready) {
            continue;
        }
        let submitted_at = if matches!(plan, Plan::Submitted) {
            now
        } else {
            at + Duration::minutes(3)
        };
        super::submit::write_submission(store, actor, &id, submitted_at).await?;
    }
    // Every submission older than the simulator's delay gets its answer now; the earlier
    // declines got theirs back then (their notices' timers run from that day).
    let sim = Simulator::load(store, seed, Duration::minutes(5)).await?;
    let mut earlier: Vec<i64> = created
        .iter()
        .enumerate()
        .filter_map(|(k, _)| match PLANS[k] {
            Plan::DeclinedEarlier { days_ago, .. } => Some(days_ago),
            _ => None,
        })
        .collect();
    earlier.sort_unstable_by(|a, b| b.cmp(a));
    for days_ago in earlier {
        super::process_outbox(
            store,
            &sim,
            now - Duration::days(days_ago) - Duration::minutes(30),
        )
        .await?;
    }
    super::process_outbox(store, &sim, now - Duration::hours(1)).await?;
    for (k, id) in created.iter().enumerate() {
        if let Plan::DeclinedEarlier {
            days_ago,
            delivered: true,
        } = PLANS[k]
        {
            for n in super::adverse::notices_for_application(store, id, now)
                .await
                .map_err(|e| ApplicationError::Corrupt(e.to_string()))?
            {
                super::adverse::mark_delivered(
                    store,
                    actor,
                    &n.id,
                    super::adverse::DeliveryMethod::Mail,
                    now - Duration::days(days_ago - 1),
                )
                .await
                .map_err(|e| ApplicationError::Corrupt(e.to_string()))?;
            }
        }
    }
    for (k, id) in created.iter().enumerate() {
        let plan = PLANS[k];
        if !matches!(plan, Plan::Contracted | Plan::Funded) {
            continue;
        }
        let app = super::get_application(store, actor, id, now).await?;
        if !matches!(
            app.state,
            super::ApplicationState::Approved | super::ApplicationState::Conditional
        ) {
            continue;
        }
        let t = now - Duration::minutes(50);
        for s in &app.stipulations {
            if s.needs_document {
                attach_document(store, actor, &s.id, "stipulation.pdf", DEMO_PDF, t).await?;
            }
            clear_stipulation(
                store,
                actor,
                &s.id,
                "checked against the application (demo)",
                t,
            )
            .await?;
        }
        transition(
            store,
            actor,
            id,
            Action::Contract,
            None,
            now - Duration::minutes(40),
        )
        .await?;
        if matches!(plan, Plan::Funded) {
            transition(
                store,
                actor,
                id,
                Action::Fund,
                Some("funded (demo)"),
                now - Duration::minutes(20),
            )
            .await?;
        }
    }
    Ok(created.len())
}

/// Load data for the pipeline screen: `copies` more applications, each a copy of one of the
/// demo's (same customer, deal and state, a new id, started up to 120 days ago) with its
/// history. Only for demo databases; the copies are ordinary rows, journaled and counted.
pub async fn replicate_applications(
    store: &Store,
    copies: u32,
    seed: u64,
    now: DateTime<Utc>,
) -> Result<u32, ApplicationError> {
    let ids = credit_application::live_ids(store).await?;
    if ids.is_empty() || copies == 0 {
        return Ok(0);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_c0de);
    let mut w = store.write(now).await?;
    for n in 0..copies {
        let Some(source) = ids.get(usize::try_from(n).unwrap_or(0) % ids.len()) else {
            continue;
        };
        let id = ApplicationId::from(dealerdesk_store::new_id());
        let started = now - Duration::minutes(rng.gen_range(10..=120 * 24 * 60));
        let changed = started + (now - started) / rng.gen_range(2..=8);
        let s = w
            .change("credit_application", id.as_str(), "insert")
            .await?;
        credit_application::copy_stamped(
            w.conn(),
            &id,
            &ApplicationId::from(source.as_str()),
            &dealerdesk_store::ts(started),
            &dealerdesk_store::ts(changed),
            &s,
        )
        .await?;
    }
    w.audit(
        AuditEvent::new("demo", "demo.replicate_applications", AuditOutcome::Success).detail(
            format!("{copies} load-test copies of the demo applications"),
        ),
    );
    w.commit().await?;
    Ok(copies)
}
