//! Credit applications on real database files: the transition table for every role, rate
//! sheets, decision-assist figures and boundaries, submission preconditions, the simulator,
//! stipulation documents, the demo and the CLI.

use chrono::Duration;
use dealerdesk_rules::money::Money;
use dealerdesk_services::application::{
    self as app, assess, assess_all, check_transition, Action, ApplicationError, ApplicationFilter,
    ApplicationState, AssistInput, ConsentInput, Intent, LenderSheet, RateSheet, RuleCode,
    Simulator, Unmet, MAX_DOCUMENT_BYTES,
};
use dealerdesk_services::auth::{Actor, Permission, Role};
use dealerdesk_services::identity::verification::Blocker;
use dealerdesk_store::Store;

use crate::support::desk::{
    add_customer, application_input, check, consent, corolla, customer_input, licence,
    ready_application, Desk, TEST_CSV,
};
use crate::support::{cli_actor, code, dd, fresh, json, now, rows, staff, today};

// ----- the transition table -------------------------------------------------------------------

/// The table as the issue states it, written out independently of the code.
fn expected(from: ApplicationState, action: Action) -> Option<(ApplicationState, &'static [Role])> {
    use Action as A;
    use ApplicationState as S;
    const ALL: &[Role] = &[Role::Sales, Role::FinanceManager, Role::Admin];
    const DESK: &[Role] = &[Role::FinanceManager, Role::Admin];
    let legal: &[(S, A, S, &[Role])] = &[
        (S::Draft, A::MarkReady, S::Ready, ALL),
        (S::Ready, A::Reopen, S::Draft, ALL),
        (S::Ready, A::Submit, S::Submitted, DESK),
        (S::Submitted, A::Approve, S::Approved, DESK),
        (S::Submitted, A::Condition, S::Conditional, DESK),
        (S::Submitted, A::Counter, S::Countered, DESK),
        (S::Submitted, A::Decline, S::Declined, DESK),
        (S::Countered, A::AcceptCounter, S::Approved, DESK),
        (S::Approved, A::Rework, S::Draft, DESK),
        (S::Conditional, A::Rework, S::Draft, DESK),
        (S::Countered, A::Rework, S::Draft, DESK),
        (S::Declined, A::Rework, S::Draft, DESK),
        (S::Approved, A::Contract, S::Contracted, DESK),
        (S::Conditional, A::Contract, S::Contracted, DESK),
        (S::Contracted, A::Fund, S::Funded, DESK),
        (S::Draft, A::Withdraw, S::Withdrawn, ALL),
        (S::Ready, A::Withdraw, S::Withdrawn, ALL),
        (S::Submitted, A::Withdraw, S::Withdrawn, DESK),
        (S::Approved, A::Withdraw, S::Withdrawn, DESK),
        (S::Conditional, A::Withdraw, S::Withdrawn, DESK),
        (S::Countered, A::Withdraw, S::Withdrawn, DESK),
        (S::Submitted, A::Expire, S::Expired, DESK),
        (S::Approved, A::Expire, S::Expired, DESK),
        (S::Conditional, A::Expire, S::Expired, DESK),
        (S::Countered, A::Expire, S::Expired, DESK),
    ];
    legal
        .iter()
        .find(|(f, a, _, _)| *f == from && *a == action)
        .map(|(_, _, to, roles)| (*to, *roles))
}

#[test]
fn the_transition_table_holds_for_every_state_action_and_role() {
    let mut legal = 0;
    let mut checked = 0;
    for &from in ApplicationState::ALL {
        for &action in Action::ALL {
            for &role in Role::ALL {
                checked += 1;
                let got = check_transition(from, action, role);
                match expected(from, action) {
                    None => assert!(
                        matches!(got, Err(ApplicationError::IllegalTransition { from: f, action: a }) if f == from && a == action),
                        "{from} --{}--> must be illegal for {}: {got:?}",
                        action.as_str(),
                        role.as_str()
                    ),
                    Some((to, roles)) if roles.contains(&role) => {
                        legal += 1;
                        assert_eq!(
                            got.ok(),
                            Some(to),
                            "{from} --{}--> {to} for {}",
                            action.as_str(),
                            role.as_str()
                        );
                    }
                    Some(_) => assert!(
                        matches!(got, Err(ApplicationError::RoleCannot { .. })),
                        "{} may not {} from {from}: {got:?}",
                        role.as_str(),
                        action.as_str()
                    ),
                }
            }
        }
    }
    assert_eq!(checked, 11 * 13 * 3, "every state x action x role");
    assert_eq!(
        legal,
        25 * 2 + 4,
        "25 legal transitions, 4 of them open to sales too"
    );
    for s in [
        ApplicationState::Funded,
        ApplicationState::Withdrawn,
        ApplicationState::Expired,
    ] {
        assert!(
            Action::ALL.iter().all(|a| app::next_state(s, *a).is_none()),
            "{s} is terminal"
        );
    }
    assert_eq!(ApplicationState::Countered.phase(), "decisioned");
}

/// The moves a screen offers are the table's, for the user who asked: exactly the legal actions
/// their role may take, so the desk shows no button Rust would refuse and copies no rule.
#[tokio::test]
async fn each_user_is_offered_exactly_the_moves_their_role_may_make() {
    let f = fresh().await;
    let sam = Actor::Staff(staff(&f.store, "sam", Role::Sales).await);
    let morgan = Actor::Staff(staff(&f.store, "morgan", Role::FinanceManager).await);
    for &from in ApplicationState::ALL {
        for (actor, role) in [(&sam, Role::Sales), (&morgan, Role::FinanceManager)] {
            let offered = app::actions_for(actor, from);
            let mut want: Vec<Action> = Action::ALL
                .iter()
                .copied()
                .filter(|a| expected(from, *a).is_some_and(|(_, roles)| roles.contains(&role)))
                .collect();
            let mut got = offered.clone();
            want.sort_by_key(|a| a.as_str());
            got.sort_by_key(|a| a.as_str());
            assert_eq!(got, want, "{from} for {}", role.as_str());
        }
    }
    use ApplicationState as S;
    assert_eq!(
        app::actions_for(&morgan, S::Submitted),
        [
            Action::Approve,
            Action::Condition,
            Action::Counter,
            Action::Decline,
            Action::Expire,
            Action::Withdraw
        ],
        "the decisions first, the moves that end it last"
    );
    assert_eq!(
        app::actions_for(&sam, S::Ready),
        [Action::Reopen, Action::Withdraw],
        "a salesperson cannot submit"
    );
    assert!(app::actions_for(&sam, S::Submitted).is_empty());
    assert!(app::actions_for(&morgan, S::Funded).is_empty());
}

// ----- rate sheets ------------------------------------------------------------------------

async fn import_csv(store: &Store) -> app::RateImport {
    let sheet = RateSheet::from_csv(TEST_CSV).expect("the CSV reads");
    app::import_rate_sheet(store, &cli_actor(), &sheet, now())
        .await
        .expect("imports")
}

#[tokio::test]
async fn rate_sheets_import_from_csv_and_json_as_versions_and_export_round_trips() {
    let f = fresh().await;
    let first = import_csv(&f.store).await;
    assert_eq!((first.lender_code.as_str(), first.version), ("TESTBANK", 1));
    assert_eq!((first.tiers, first.rate_cells), (2, 3));
    let (v, exported) = app::export_rate_sheet(&f.store, "testbank", None)
        .await
        .expect("exports");
    assert_eq!(v, 1);
    let back = RateSheet::from_json(&exported).expect("the export reads back");
    let again = app::import_rate_sheet(&f.store, &cli_actor(), &back, now())
        .await
        .expect("re-imports");
    assert_eq!(again.version, 2, "a new import is a new version");
    assert_eq!(again.sha256, first.sha256, "the same sheet, byte for byte");
    assert_eq!(again.lender_id, first.lender_id, "the same lender");
    let lenders = app::list_lenders(&f.store).await.expect("lenders");
    assert_eq!(lenders.len(), 1);
    assert_eq!(lenders[0].rate_sheet_version, Some(2));

    let sales = Actor::Staff(staff(&f.store, "sam", Role::Sales).await);
    assert!(matches!(
        app::import_rate_sheet(&f.store, &sales, &back, now()).await,
        Err(ApplicationError::Forbidden(_))
    ));
    let overlapping = TEST_CSV.replace("Silver,600,699", "Silver,600,700");
    let e = RateSheet::from_csv(&overlapping)
        .expect("reads")
        .parse()
        .expect_err("overlapping bands are refused");
    assert_eq!(e.field(), Some("tiers.0.min_score"), "{e}");
    let e = RateSheet::from_csv(&TEST_CSV.replace(",5.49", ",five"))
        .expect("reads")
        .parse();
    assert_eq!(
        e.expect_err("a bad rate").field(),
        Some("tiers.0.rates.0.buy_rate")
    );
    let e = RateSheet::from_csv("lender_code,lender_name\nX,Y\n").expect_err("missing columns");
    assert!(e.to_string().contains("effective_date"), "{e}");
    let mut inconsistent = TEST_CSV.to_string();
    inconsistent = inconsistent.replacen("Gold,700,850,72,125", "Gold,700,850,72,130", 1);
    assert!(
        RateSheet::from_csv(&inconsistent).is_err(),
        "tier columns must agree"
    );
}

// ----- decision assist ------------------------------------------------------------------------

fn sheet_of(csv: &str, version: u32) -> LenderSheet {
    let sheet = RateSheet::from_csv(csv).expect("reads");
    LenderSheet {
        lender_id: format!("id-{}", sheet.lender_code),
        lender_code: sheet.lender_code.clone(),
        lender_name: sheet.lender_name.clone(),
        rate_sheet_id: format!("sheet-{version}"),
        rate_sheet_version: version,
        sheet: sheet.parse().expect("valid"),
    }
}

fn m(cents: i64) -> Money {
    Money::from_cents(cents)
}

/// $25,000.00 financed on a $20,000.00 vehicle (LTV exactly 125 %), $500.00 a month on
/// $2,500.00 income (PTI exactly 20 %), $750.00 housing + $0 other debts (DTI 50 %), 60 months,
/// 2024 model year, score 720 (Gold), contract rate 7.99 (markup exactly 2.5 over 5.49).
fn at_the_limits() -> AssistInput {
    AssistInput {
        amount_financed: m(2_500_000),
        payment: m(50_000),
        term_months: 60,
        model_year: 2024,
        vehicle_value: m(2_000_000),
        monthly_income: m(250_000),
        housing_payment: m(75_000),
        other_debts: m(0),
        credit_score: Some(720),
        contract_rate: Some("7.99".parse().expect("decimal")),
    }
}

#[test]
fn decision_assist_figures_match_hand_worked_examples_and_boundaries() {
    let bank = sheet_of(TEST_CSV, 1);
    let a = assess(&at_the_limits(), &bank);
    assert_eq!(a.ltv.as_deref(), Some("125"));
    assert_eq!(a.pti.as_deref(), Some("20"));
    assert_eq!(a.dti.as_deref(), Some("50"));
    assert_eq!(a.tier.as_deref(), Some("Gold"));
    assert_eq!(a.buy_rate.as_deref(), Some("5.49"));
    assert_eq!(a.markup.as_deref(), Some("2.5"));
    assert_eq!(a.max_contract_rate.as_deref(), Some("7.99"));
    assert_eq!(a.fees, "395.00");
    assert_eq!(a.stipulations, vec!["proof_of_income", "references"]);
    assert!(
        a.eligible,
        "exactly at every maximum passes: {:?}",
        a.failures
    );

    // one cent over each limit fails, and says by how much
    let mut i = at_the_limits();
    i.amount_financed = m(2_500_001);
    let a = assess(&i, &bank);
    assert_eq!(a.failures.len(), 1, "{:?}", a.failures);
    assert_eq!(a.failures[0].rule, RuleCode::Ltv);
    assert_eq!(a.failures[0].message, "LTV 125% > 125% max: add $0.01 down");

    let mut i = at_the_limits();
    i.payment = m(50_001);
    let a = assess(&i, &bank);
    let rules: Vec<RuleCode> = a.failures.iter().map(|f| f.rule).collect();
    assert_eq!(
        rules,
        vec![RuleCode::Pti, RuleCode::Dti],
        "both move with the payment"
    );
    assert_eq!(
        a.failures[0].message,
        "PTI 20% > 20% max: lower the payment by $0.01 a month"
    );

    // the example: LTV 128 % against 125 %
    let mut i = at_the_limits();
    i.amount_financed = m(2_560_000);
    let a = assess(&i, &bank);
    assert_eq!(
        a.failures[0].message,
        "LTV 128% > 125% max: add $600.00 down"
    );

    // hand-worked: $18,450.00 on $16,500.00 = 111.818181...% → 111.82 shown; $412.37 on
    // $5,150.00 = 8.0072...% → 8.01; (1,200 + 385.50 + 412.37) / 5,150 = 38.7936...% → 38.79
    let i = AssistInput {
        amount_financed: m(1_845_000),
        payment: m(41_237),
        term_months: 66,
        model_year: 2021,
        vehicle_value: m(1_650_000),
        monthly_income: m(515_000),
        housing_payment: m(120_000),
        other_debts: m(38_550),
        credit_score: Some(650),
        contract_rate: Some("12.99".parse().expect("decimal")),
    };
    let a = assess(&i, &bank);
    assert_eq!(
        (a.ltv.as_deref(), a.pti.as_deref(), a.dti.as_deref()),
        (Some("111.82"), Some("8.01"), Some("38.79"))
    );
    let msgs: Vec<&str> = a.failures.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        msgs,
        vec![
            "term 66 months > 60 max: shorten by 6 months",
            "no Silver buy rate for a 2021 model year at 66 months",
            // 110 % of 16,500 = 18,150: 300 short
            "LTV 111.82% > 110% max: add $300.00 down",
        ]
    );
    // markup over the cap
    let mut i = at_the_limits();
    i.contract_rate = Some("8.00".parse().expect("decimal"));
    let a = assess(&i, &bank);
    assert_eq!(
        a.failures[0].message,
        "markup 2.51 points > 2.5 max: lower the contract rate to 7.99%"
    );
    // scores: none, below every tier
    let mut i = at_the_limits();
    i.credit_score = None;
    assert_eq!(assess(&i, &bank).failures[0].rule, RuleCode::NoScore);
    i.credit_score = Some(560);
    assert_eq!(
        assess(&i, &bank).failures[0].message,
        "score 560 < 600 min: below this lender's lowest tier"
    );

    // best first: eligible by lowest buy rate, then the fewest failures
    let cheaper = sheet_of(
        &TEST_CSV
            .replace(
                "testbank,Test Bank,2026-11-01,2.5",
                "cheap,Cheap Credit Union,2026-11-01,3",
            )
            .replace(",5.49\n", ",4.99\n"),
        1,
    );
    let strict = sheet_of(
        &TEST_CSV
            .replace("testbank,Test Bank", "strict,Strict Bank")
            .replace("Gold,700,850,72,125", "Gold,700,850,72,100"),
        1,
    );
    let order: Vec<String> = assess_all(&at_the_limits(), &[strict, bank, cheaper])
        .into_iter()
        .map(|a| a.lender_code)
        .collect();
    assert_eq!(order, vec!["cheap", "testbank", "strict"]);
}

// ----- the store: applicant, deal, lender ----------------------------------------------------

fn unmet(e: Result<app::SubmitReceipt, ApplicationError>) -> Vec<Unmet> {
    match e {
        Err(ApplicationError::Preconditions(u)) => u,
        other => panic!("preconditions expected, got {other:?}"),
    }
}

#[tokio::test]
async fn submission_is_blocked_by_each_unmet_precondition() {
    // unverified identity, no consent, no lender
    let f = fresh().await;
    let d = Desk::applicant(false).build_in(&f.store).await;
    let a = app::create_application(
        &f.store,
        &cli_actor(),
        &application_input(d.deal().id.as_str(), None),
        now(),
    )
    .await
    .expect("created");
    app::transition(
        &f.store,
        &cli_actor(),
        &a.id,
        Action::MarkReady,
        None,
        now(),
    )
    .await
    .expect("complete, so ready");
    let u = unmet(app::submit_application(&f.store, &cli_actor(), &a.id, now()).await);
    assert!(u.contains(&Unmet::NoConsent), "{u:?}");
    assert!(u.contains(&Unmet::NoLender), "{u:?}");
    assert!(
        u.iter().any(|x| matches!(x, Unmet::Identity { blockers, .. } if blockers.contains(&Blocker::NotChecked))),
        "{u:?}"
    );
    assert_eq!(rows(&f.store, "lender_outbox").await, 0, "nothing sent");
    assert_eq!(
        app::get_application(&f.store, &cli_actor(), &a.id, now())
            .await
            .expect("view")
            .state,
        ApplicationState::Ready
    );

    // verified identity and a lender, but no consent: only the consent is missing
    let f = fresh().await;
    let d = Desk::applicant(true).build_in(&f.store).await;
    let a = app::create_application(
        &f.store,
        &cli_actor(),
        &application_input(d.deal().id.as_str(), d.lender.clone()),
        now(),
    )
    .await
    .expect("created");
    app::transition(
        &f.store,
        &cli_actor(),
        &a.id,
        Action::MarkReady,
        None,
        now(),
    )
    .await
    .expect("ready");
    let u = unmet(app::submit_application(&f.store, &cli_actor(), &a.id, now()).await);
    assert_eq!(u, vec![Unmet::NoConsent]);

    // an open red flag: the licence's date of birth differs
    let f = fresh().await;
    let d = Desk::applicant(false).build_in(&f.store).await;
    check(&f.store, &d.customer_id, licence(&[("DBB", "03101984")])).await;
    let id = ready_application(&f.store, &d).await;
    let u = unmet(app::submit_application(&f.store, &cli_actor(), &id, now()).await);
    assert!(
        matches!(u.as_slice(), [Unmet::Identity { blockers, .. }] if blockers.iter().any(|b| matches!(b, Blocker::OpenFlags { .. }))),
        "{u:?}"
    );

    // a sanctions candidate not yet cleared
    let f = fresh().await;
    let mut input = customer_input();
    input.given_name = "Orsolya".into();
    input.middle_name = None;
    input.family_name = "Quillfeather".into();
    input.phone = "(972) 555-0142".into();
    input.email = None;
    input.ssn = "456-78-9012".into();
    let d = Desk::builder(input, corolla())
        .sanctions()
        .rate_sheet(TEST_CSV)
        .identity_check(licence(&[
            ("DCS", "QUILLFEATHER"),
            ("DAC", "ORSOLYA"),
            ("DAD", ""),
        ]))
        .loan_deal()
        .build_in(&f.store)
        .await;
    let id = ready_application(&f.store, &d).await;
    let u = unmet(app::submit_application(&f.store, &cli_actor(), &id, now()).await);
    assert!(
        u.iter().any(|x| matches!(x, Unmet::Identity { blockers, .. } if blockers.iter().any(|b| matches!(b, Blocker::UndecidedCandidates { .. })))),
        "{u:?}"
    );
    assert_eq!(rows(&f.store, "lender_outbox").await, 0, "nothing sent");
}

#[tokio::test]
async fn an_application_must_cover_two_years_before_it_is_ready() {
    let f = fresh().await;
    let d = Desk::applicant(true).build_in(&f.store).await;
    let mut input = application_input(d.deal().id.as_str(), d.lender.clone());
    input.residences.truncate(1); // since 2025-06-01: 17 months
    let a = app::create_application(&f.store, &cli_actor(), &input, now())
        .await
        .expect("a draft may be incomplete");
    let e = app::transition(
        &f.store,
        &cli_actor(),
        &a.id,
        Action::MarkReady,
        None,
        now(),
    )
    .await;
    match e {
        Err(ApplicationError::Preconditions(u)) => {
            assert_eq!(u.len(), 1, "{u:?}");
            assert_eq!(u[0].field(), Some("residences"));
            assert!(u[0].to_string().contains("17 months"), "{}", u[0]);
        }
        other => panic!("incomplete expected: {other:?}"),
    }
    let mut joint = application_input(d.deal().id.as_str(), None);
    joint.intent = Intent::Joint;
    let e = app::create_application(&f.store, &cli_actor(), &joint, now()).await;
    assert_eq!(
        e.expect_err("joint needs a co-applicant").field(),
        Some("co_applicant_id")
    );
    let mut future = application_input(d.deal().id.as_str(), None);
    future.employment[0].since = "2027-01-01".into();
    let e = app::create_application(&f.store, &cli_actor(), &future, now()).await;
    assert_eq!(
        e.expect_err("future date").field(),
        Some("employment.0.since")
    );
    let e = app::record_consent(
        &f.store,
        &cli_actor(),
        &a.id,
        &ConsentInput {
            text_version: "made-up".into(),
            applicant: true,
            co_applicant: false,
        },
        now(),
    )
    .await;
    assert_eq!(e.expect_err("unknown text").field(), Some("text_version"));
}

#[tokio::test]
async fn a_verified_application_goes_from_submission_to_funded_with_stipulations_cleared() {
    let f = fresh().await;
    let d = Desk::applicant(true).build_in(&f.store).await;
    let id = ready_application(&f.store, &d).await;
    let sam = Actor::Staff(staff(&f.store, "sam", Role::Sales).await);
    let fiona = Actor::Staff(staff(&f.store, "fiona", Role::FinanceManager).await);

    assert!(matches!(
        app::submit_application(&f.store, &sam, &id, now()).await,
        Err(ApplicationError::RoleCannot { .. })
    ));
    assert!(matches!(
        app::transition(&f.store, &fiona, &id, Action::Fund, None, now()).await,
        Err(ApplicationError::IllegalTransition { .. })
    ));
    let receipt = app::submit_application(&f.store, &fiona, &id, now())
        .await
        .expect("submitted");
    assert_eq!(receipt.rate_sheet_version, 1);
    let (payload, signature): (String, String) =
        sqlx::query_as("SELECT payload_json, signature FROM lender_outbox WHERE id = ?1")
            .bind(&receipt.outbox_id)
            .fetch_one(f.store.pool())
            .await
            .expect("outbox row");
    assert!(f
        .store
        .cipher()
        .verify_message(payload.as_bytes(), &signature));
    assert!(!f
        .store
        .cipher()
        .verify_message(payload.replace("742", "842").as_bytes(), &signature));
    assert!(
        !payload.contains("123-45-6789") && !payload.contains("Gonzalez"),
        "no PII: {payload}"
    );

    // a newer sheet after submission: the decision still names the version submitted to
    import_csv(&f.store).await;
    let sim = Simulator::load(&f.store, 7, Duration::minutes(2))
        .await
        .expect("simulator");
    let early = app::process_outbox(&f.store, &sim, now() + Duration::minutes(1))
        .await
        .expect("runs");
    assert_eq!(early[0].status, "pending", "the lender takes its time");
    let done = app::process_outbox(&f.store, &sim, now() + Duration::minutes(3))
        .await
        .expect("runs");
    assert_eq!(
        done[0].outcome,
        Some(ApplicationState::Conditional),
        "{done:?}"
    );
    let later = now() + Duration::days(3) + Duration::minutes(5);
    let view = app::get_application(&f.store, &cli_actor(), &id, later)
        .await
        .expect("view");
    assert_eq!(view.state, ApplicationState::Conditional);
    assert_eq!(view.decisions.len(), 1);
    assert_eq!(view.decisions[0].rate_sheet_version, 1);
    assert_eq!(view.decisions[0].decision.buy_rate.as_deref(), Some("5.49"));
    let codes: Vec<&str> = view.stipulations.iter().map(|s| s.code.as_str()).collect();
    assert!(
        codes.starts_with(&["proof_of_income", "references"]),
        "{codes:?}"
    );
    assert!(
        view.stipulations.iter().all(|s| s.age_days == 3),
        "aging in days"
    );
    let actions: Vec<&str> = view.history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(actions, vec!["create", "mark_ready", "submit", "condition"]);
    // The screen says who in words: the staff member's name, not the audit actor.
    let submitted = view.history.iter().find(|h| h.action == "submit");
    assert_eq!(
        submitted.map(|h| (h.actor.as_str(), h.actor_name.as_str())),
        Some(("staff:fiona", "Test fiona"))
    );
    assert!(
        view.created_by_name.ends_with("(command line)"),
        "started from the CLI fixture: {}",
        view.created_by_name
    );

    assert!(matches!(
        app::transition(&f.store, &fiona, &id, Action::Contract, None, later).await,
        Err(ApplicationError::Preconditions(u)) if matches!(u.as_slice(), [Unmet::OpenStipulations { .. }])
    ));

    let income = view
        .stipulations
        .iter()
        .find(|s| s.code == "proof_of_income")
        .expect("stip");
    let docs_before = rows(&f.store, "stipulation_document").await;
    let big = {
        let mut b = b"%PDF-1.7\n".to_vec();
        b.resize(MAX_DOCUMENT_BYTES + 1, b' ');
        b
    };
    let e = app::attach_document(&f.store, &sam, &income.id, "stub.pdf", &big, later).await;
    assert!(e.expect_err("too big").to_string().contains("10 MiB"));
    let e =
        app::attach_document(&f.store, &sam, &income.id, "stub.pdf", b"GIF89a....", later).await;
    let e = e.expect_err("wrong type");
    assert_eq!(e.field(), Some("file"));
    assert!(e.to_string().contains("PDF, JPEG or PNG"), "{e}");
    let e = app::attach_document(&f.store, &sam, &income.id, "stub.pdf", b"", later).await;
    assert!(e.is_err(), "empty");
    assert_eq!(
        rows(&f.store, "stipulation_document").await,
        docs_before,
        "nothing stored"
    );
    assert!(
        matches!(
            app::clear_stipulation(&f.store, &fiona, &income.id, "ok", later).await,
            Err(ApplicationError::Invalid { field, .. }) if field == "file"
        ),
        "a document first"
    );

    let pdf = b"%PDF-1.4\n% pay stub\n%%EOF\n";
    let doc = app::attach_document(
        &f.store,
        &sam,
        &income.id,
        "C:\\scans\\stub.pdf",
        pdf,
        later,
    )
    .await
    .expect("attached");
    assert_eq!(doc.file_name, "stub.pdf");
    assert_eq!(doc.media_type, "application/pdf");
    assert_eq!(doc.sha256, dealerdesk_store::crypto::sha256_hex(pdf));
    let (_, bytes) = app::document_content(&f.store, &fiona, &doc.id, later)
        .await
        .expect("readable");
    assert_eq!(bytes, pdf.to_vec(), "the bytes come back as stored");
    let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0];
    let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10];
    for (bytes, t) in [(&png[..], "image/png"), (&jpeg[..], "image/jpeg")] {
        let d = app::attach_document(&f.store, &sam, &income.id, "scan", bytes, later)
            .await
            .expect("image attached");
        assert_eq!(d.media_type, t);
    }
    assert!(matches!(
        app::clear_stipulation(&f.store, &sam, &income.id, "looks fine", later).await,
        Err(ApplicationError::Forbidden(_))
    ));
    assert_eq!(
        app::clear_stipulation(&f.store, &fiona, &income.id, "  ", later)
            .await
            .expect_err("a note")
            .field(),
        Some("note")
    );
    let open_before = app::get_application(&f.store, &cli_actor(), &id, later)
        .await
        .expect("view");
    assert_eq!(
        open_before.open_stipulations as usize,
        open_before.stipulations.len()
    );
    assert!(!open_before.ready_to_contract, "stipulations are open");
    for s in &view.stipulations {
        if s.needs_document && s.id != income.id {
            app::attach_document(&f.store, &sam, &s.id, "doc.pdf", pdf, later)
                .await
                .expect("attached");
        }
        let c = app::clear_stipulation(
            &f.store,
            &fiona,
            &s.id,
            "checked against the application",
            later,
        )
        .await
        .expect("cleared");
        assert_eq!(c.status, app::StipulationStatus::Cleared);
    }
    let cleared = app::get_application(&f.store, &cli_actor(), &id, later)
        .await
        .expect("view");
    assert_eq!(cleared.open_stipulations, 0);
    assert!(cleared.ready_to_contract, "every stipulation cleared");
    app::transition(&f.store, &fiona, &id, Action::Contract, None, later)
        .await
        .expect("contracted");
    let funded = app::transition(
        &f.store,
        &fiona,
        &id,
        Action::Fund,
        Some("wire received"),
        later,
    )
    .await
    .expect("funded");
    assert_eq!(funded.state, ApplicationState::Funded);
    assert!(!funded.ready_to_contract, "contracted already");
    assert_eq!(
        funded.history.last().and_then(|h| h.note.as_deref()),
        Some("wire received")
    );
    assert!(matches!(
        app::transition(&f.store, &fiona, &id, Action::Withdraw, None, later).await,
        Err(ApplicationError::IllegalTransition { .. })
    ));
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log ORDER BY seq")
        .fetch_all(f.store.pool())
        .await
        .expect("audit");
    for a in [
        "application.create",
        "application.consent",
        "application.mark_ready",
        "application.submit",
        "application.condition",
        "stipulation.attach",
        "stipulation.clear",
        "application.contract",
        "application.fund",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
    let report = dealerdesk_store::audit::verify(&f.store)
        .await
        .expect("verify");
    assert!(report.ok, "{report:?}");
}

#[tokio::test]
async fn a_tampered_outbox_message_is_rejected_and_never_decided() {
    let f = fresh().await;
    let d = Desk::applicant(true).build_in(&f.store).await;
    let id = ready_application(&f.store, &d).await;
    app::submit_application(&f.store, &cli_actor(), &id, now())
        .await
        .expect("submitted");
    sqlx::query("UPDATE lender_outbox SET payload_json = replace(payload_json, '742', '842')")
        .execute(f.store.pool())
        .await
        .expect("tamper");
    let sim = Simulator::load(&f.store, 1, Duration::zero())
        .await
        .expect("sim");
    let r = app::process_outbox(&f.store, &sim, now())
        .await
        .expect("runs");
    assert_eq!(r[0].status, "rejected");
    assert_eq!(
        app::get_application(&f.store, &cli_actor(), &id, now())
            .await
            .expect("view")
            .state,
        ApplicationState::Submitted
    );
}

// ----- demo and CLI --------------------------------------------------------------------------

#[tokio::test]
async fn the_demo_has_three_lenders_and_applications_in_at_least_five_states() {
    let f = fresh().await;
    dealerdesk_services::demo::fill(&f.store, 2026, 60, now(), today())
        .await
        .expect("demo");
    let lenders = app::list_lenders(&f.store).await.expect("lenders");
    assert_eq!(lenders.len(), 3);
    let page = app::list_applications(&f.store, &ApplicationFilter::default())
        .await
        .expect("list");
    let mut states: Vec<ApplicationState> = page.items.iter().map(|a| a.state).collect();
    states.sort_by_key(|s| s.as_str());
    states.dedup();
    assert!(states.len() >= 5, "{states:?}");
    for a in &page.items {
        let assist = app::decision_assist(&f.store, &a.id).await.expect("assist");
        assert_eq!(assist.len(), 3, "every lender judged");
    }
    let db = f.db_path();
    f.store.close().await;

    let o = dd(&db, &["application", "list", "--json"]);
    assert_eq!(code(&o), 0);
    let j = json(&o);
    let apps = j["applications"].as_array().expect("applications");
    assert_eq!(apps.len(), page.items.len());
    for a in apps {
        for key in ["id", "state", "customer_id", "lender", "updated_at"] {
            assert!(a.get(key).is_some(), "{key} in {a}");
        }
    }
    let o = dd(&db, &["application", "list", "--state", "draft", "--json"]);
    let drafts = json(&o)["applications"].as_array().expect("list").clone();
    assert!(!drafts.is_empty() && drafts.iter().all(|a| a["state"] == "draft"));
    let id = apps[0]["id"].as_str().expect("id");
    let o = dd(&db, &["application", "show", id, "--json"]);
    assert_eq!(code(&o), 0);
    let j = json(&o);
    assert!(!j["application"]["history"]
        .as_array()
        .expect("history")
        .is_empty());
    assert_eq!(j["decision_assist"].as_array().expect("assist").len(), 3);
    assert_eq!(
        code(&dd(&db, &["application", "show", "nope", "--json"])),
        4
    );

    let file = f.dir.path().join("rates.csv");
    std::fs::write(&file, TEST_CSV).expect("write");
    let o = dd(
        &db,
        &[
            "lender",
            "import-rates",
            file.to_str().expect("utf8"),
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(json(&o)["version"], 1);
    let bad = f.dir.path().join("bad.csv");
    std::fs::write(&bad, TEST_CSV.replace(",5.49", ",x")).expect("write");
    let o = dd(
        &db,
        &[
            "lender",
            "import-rates",
            bad.to_str().expect("utf8"),
            "--json",
        ],
    );
    assert_eq!(code(&o), 3);
    assert_eq!(json(&o)["error"]["field"], "tiers.0.rates.0.buy_rate");
    let o = dd(&db, &["lender", "export-rates", "testbank", "--json"]);
    assert_eq!(json(&o)["rate_sheet"]["lender_code"], "TESTBANK");
    assert_eq!(
        code(&dd(&db, &["audit", "verify"])),
        0,
        "the audit chain holds"
    );
}

#[test]
fn the_simulator_decides_by_the_sheet_and_the_same_seed_gives_the_same_answer() {
    let bank = sheet_of(TEST_CSV, 1);
    let sim = Simulator::new(42, Duration::zero(), vec![bank.clone()]);
    let good = at_the_limits();
    let first = sim.decide("app-1", &good, &bank);
    assert_eq!(first, sim.decide("app-1", &good, &bank), "deterministic");
    assert_eq!(
        first.outcome,
        ApplicationState::Conditional,
        "Gold asks for stipulations"
    );
    assert_eq!(first.buy_rate.as_deref(), Some("5.49"));
    assert!(first
        .stipulations
        .starts_with(&["proof_of_income".to_string(), "references".to_string()]));

    let mut low = at_the_limits();
    low.credit_score = Some(540);
    let d = sim.decide("app-2", &low, &bank);
    assert_eq!(d.outcome, ApplicationState::Declined);
    assert_eq!(d.reasons, vec!["Credit score below the program minimum"]);

    let mut stretched = at_the_limits();
    stretched.amount_financed = m(2_600_000); // LTV 130 %
    let d = sim.decide("app-3", &stretched, &bank);
    assert_eq!(d.outcome, ApplicationState::Countered);
    assert_eq!(
        d.approved_amount.as_deref(),
        Some("25000.00"),
        "125 % of $20,000"
    );
    assert_eq!(d.reasons, vec!["LTV 130% > 125% max: add $1,000.00 down"]);

    let mut buried = at_the_limits();
    buried.other_debts = m(40_000); // DTI 66 %, 16 points over
    assert_eq!(
        sim.decide("app-4", &buried, &bank).outcome,
        ApplicationState::Declined
    );

    let outcomes: std::collections::BTreeSet<usize> = (0..40)
        .map(|k| {
            Simulator::new(k, Duration::zero(), Vec::new())
                .decide("app-1", &good, &bank)
                .stipulations
                .len()
        })
        .collect();
    assert!(
        outcomes.len() > 1,
        "some seeds add proof of residence: {outcomes:?}"
    );
}

#[tokio::test]
async fn a_joint_application_needs_the_co_applicants_identity_and_consent() {
    let f = fresh().await;
    let d = Desk::applicant(true).build_in(&f.store).await;
    let mut spouse = customer_input();
    spouse.given_name = "Luis".into();
    spouse.middle_name = None;
    spouse.ssn = "345-67-8901".into();
    spouse.phone = "(214) 555-0199".into();
    spouse.email = Some("luis@example.com".into());
    let co = add_customer(&f.store, &spouse).await;
    let mut input = application_input(d.deal().id.as_str(), d.lender.clone());
    input.intent = Intent::Joint;
    input.co_applicant_id = Some(co.clone());
    input.co_applicant_income = Some("3,100.00".into());
    let a = app::create_application(&f.store, &cli_actor(), &input, now())
        .await
        .expect("joint");
    assert_eq!(a.co_applicant_name.as_deref(), Some("Luis Gonzalez"));
    let e = app::record_consent(&f.store, &cli_actor(), &a.id, &consent(), now()).await;
    assert_eq!(
        e.expect_err("both must agree").field(),
        Some("co_applicant")
    );
    let mut both = consent();
    both.co_applicant = true;
    let a = app::record_consent(&f.store, &cli_actor(), &a.id, &both, now())
        .await
        .expect("consent");
    assert_eq!(
        a.consent.as_ref().map(|c| c.parties.as_str()),
        Some("applicant,co_applicant")
    );
    app::transition(
        &f.store,
        &cli_actor(),
        &a.id,
        Action::MarkReady,
        None,
        now(),
    )
    .await
    .expect("ready");
    let u = unmet(app::submit_application(&f.store, &cli_actor(), &a.id, now()).await);
    assert!(
        matches!(u.as_slice(), [Unmet::Identity { party: app::Party::CoApplicant, customer_id, .. }] if *customer_id == co),
        "{u:?}"
    );
    let assist = app::decision_assist(&f.store, &a.id).await.expect("assist");
    // both incomes and the other income count: 6,250 + 400 + 3,100 = 9,750
    let input = {
        let mut conn = f.store.pool().acquire().await.expect("conn");
        app::assist_input(&mut conn, &a.id).await.expect("input")
    };
    assert_eq!(input.monthly_income, m(975_000));
    assert_eq!(assist.len(), 1);
}

#[tokio::test]
async fn only_a_draft_is_edited_and_sales_can_reopen_edit_and_withdraw_it() {
    let f = fresh().await;
    let d = Desk::applicant(true).build_in(&f.store).await;
    let sam = Actor::Staff(staff(&f.store, "sam", Role::Sales).await);
    let id = ready_application(&f.store, &d).await;
    let mut input = application_input(d.deal().id.as_str(), d.lender.clone());
    input.credit_score = Some(701);
    let e = app::update_application(&f.store, &sam, &id, &input, now()).await;
    assert_eq!(e.expect_err("ready is not editable").field(), Some("state"));
    app::transition(&f.store, &sam, &id, Action::Reopen, None, now())
        .await
        .expect("sales may reopen");
    let v = app::update_application(&f.store, &sam, &id, &input, now())
        .await
        .expect("edited");
    assert_eq!(v.credit_score, Some(701));
    assert!(v.consent.is_some(), "same parties: the consent stands");
    assert_eq!(v.gross_monthly_income, "6250.00");
    assert_eq!(v.other_monthly_income, "400.00");
    assert_eq!(
        v.details.residences[0].since, "2025-06-01",
        "newest first, ISO"
    );
    assert_eq!(
        v.details.residences[1].since, "2019-02-01",
        "MM/DD/YYYY stored as ISO"
    );
    let w = app::transition(
        &f.store,
        &sam,
        &id,
        Action::Withdraw,
        Some("bought elsewhere"),
        now(),
    )
    .await
    .expect("sales may withdraw a draft");
    assert_eq!(w.state, ApplicationState::Withdrawn);
    let actions: Vec<&str> = w.history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(actions, vec!["create", "mark_ready", "reopen", "withdraw"]);
    let denied: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'application.submit' AND outcome = 'denied'",
    )
    .fetch_one(f.store.pool())
    .await
    .expect("count");
    assert_eq!(denied, 0);
    let e = app::transition(&f.store, &sam, &id, Action::Reopen, None, now()).await;
    assert!(matches!(e, Err(ApplicationError::IllegalTransition { .. })));
}

#[tokio::test]
async fn a_counter_taken_brings_its_conditions_and_a_rework_starts_over() {
    let f = fresh().await;
    let strict = TEST_CSV
        .replace("testbank,Test Bank", "strict,Strict Bank")
        .replace("Gold,700,850,72,125", "Gold,700,850,72,100");
    let d = Desk::builder(customer_input(), corolla())
        .sanctions()
        .rate_sheet(&strict)
        .identity_check(licence(&[]))
        .loan_deal()
        .build_in(&f.store)
        .await;
    let id = ready_application(&f.store, &d).await;
    app::submit_application(&f.store, &cli_actor(), &id, now())
        .await
        .expect("submitted");
    let sim = Simulator::load(&f.store, 3, Duration::zero())
        .await
        .expect("sim");
    let r = app::process_outbox(&f.store, &sim, now())
        .await
        .expect("runs");
    assert_eq!(
        r[0].outcome,
        Some(ApplicationState::Countered),
        "LTV 111 % > 100 %"
    );
    let v = app::get_application(&f.store, &cli_actor(), &id, now())
        .await
        .expect("view");
    let counter = &v.decisions[0].decision;
    // $17,789.69 financed on $15,995.00: the lender offers 100 % of the value
    assert_eq!(counter.approved_amount.as_deref(), Some("15995.00"));
    assert!(
        counter.reasons[0].starts_with("LTV 111.22% > 100% max: add $1,794.69 down"),
        "{:?}",
        counter.reasons
    );
    assert!(
        v.stipulations.is_empty(),
        "no checklist until the counter is taken"
    );

    let fiona = Actor::Staff(staff(&f.store, "fiona", Role::FinanceManager).await);
    let taken = app::transition(&f.store, &fiona, &id, Action::AcceptCounter, None, now())
        .await
        .expect("taken");
    assert_eq!(taken.state, ApplicationState::Approved);
    assert_eq!(taken.stipulations.len(), 2, "the counter's conditions");
    let e = app::transition(&f.store, &fiona, &id, Action::Contract, None, now()).await;
    assert!(
        matches!(&e, Err(ApplicationError::Preconditions(u)) if u == &vec![Unmet::OpenStipulations { count: 2 }]),
        "{e:?}"
    );
    let reworked = app::transition(
        &f.store,
        &fiona,
        &id,
        Action::Rework,
        Some("more down"),
        now(),
    )
    .await
    .expect("reworked");
    assert_eq!(reworked.state, ApplicationState::Draft);
    let page = app::list_applications(&f.store, &ApplicationFilter::default())
        .await
        .expect("list");
    assert_eq!(
        page.items[0].open_stipulations, 2,
        "still open until a new decision"
    );
}

// ----- pipeline and analytics -----------------------------------------------------------------

#[tokio::test]
async fn the_pipeline_and_analytics_count_a_hand_worked_desk() {
    use dealerdesk_services::application::analytics::{self, PipelineFilter};
    let f = fresh().await;
    let d = Desk::applicant(true).build_in(&f.store).await;
    let fiona = Actor::Staff(staff(&f.store, "fiona", Role::FinanceManager).await);
    let sam = Actor::Staff(staff(&f.store, "sam", Role::Sales).await);
    let submitted = ready_application(&f.store, &d).await;
    // a second application on the same deal stays a draft
    let draft = app::create_application(
        &f.store,
        &cli_actor(),
        &application_input(d.deal().id.as_str(), d.lender.clone()),
        now(),
    )
    .await
    .expect("draft")
    .id;
    app::submit_application(&f.store, &fiona, &submitted, now())
        .await
        .expect("submitted");
    let sim = Simulator::load(&f.store, 7, Duration::minutes(2))
        .await
        .expect("simulator");
    app::process_outbox(&f.store, &sim, now() + Duration::minutes(3))
        .await
        .expect("decided");
    let later = now() + Duration::days(10);

    // pipeline: both rows, counted by state, lender, staff and age
    let p = analytics::pipeline(&f.store, &PipelineFilter::default(), later)
        .await
        .expect("pipeline");
    assert_eq!(p.total, 2);
    assert_eq!(p.window.matching, 2);
    assert_eq!(p.window.rows.len(), 2);
    let states: Vec<(&str, i64)> = p
        .by_state
        .iter()
        .map(|c| (c.key.as_str(), c.count))
        .collect();
    assert_eq!(
        states,
        vec![("draft", 1), ("conditional", 1)],
        "state-machine order"
    );
    assert_eq!(p.by_lender.len(), 1);
    assert_eq!(p.by_lender[0].count, 2);
    assert_eq!(p.by_staff.len(), 1, "both started by the CLI actor");
    let ages: Vec<i64> = p.by_age.iter().map(|c| c.count).collect();
    assert_eq!(ages, vec![0, 2, 0, 0], "10 days old: the 8–14 day group");
    assert!(p.window.rows.iter().all(|r| r.age_days == 10));
    let row = p
        .window
        .rows
        .iter()
        .find(|r| r.id == submitted)
        .expect("row");
    assert_eq!(row.amount_financed.as_deref(), Some("17789.69"));
    // the simulator's conditions vary with the application; count them from its view
    let conditions = app::get_application(&f.store, &cli_actor(), &submitted, later)
        .await
        .expect("view")
        .stipulations
        .len();
    assert!(conditions >= 2);
    assert_eq!(row.open_stipulations as usize, conditions);

    let only = |filter: PipelineFilter| {
        let store = &f.store;
        async move {
            analytics::pipeline(store, &filter, later)
                .await
                .expect("filtered")
                .window
                .rows
                .into_iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        only(PipelineFilter {
            state: Some(ApplicationState::Draft),
            ..Default::default()
        })
        .await,
        vec![draft.clone()]
    );
    assert_eq!(
        only(PipelineFilter {
            lender_id: d.lender.clone(),
            age: Some("8-14".into()),
            ..Default::default()
        })
        .await
        .len(),
        2
    );
    assert!(only(PipelineFilter {
        age: Some("0-7".into()),
        ..Default::default()
    })
    .await
    .is_empty());
    assert!(matches!(
        analytics::pipeline(
            &f.store,
            &PipelineFilter {
                age: Some("someday".into()),
                ..Default::default()
            },
            later
        )
        .await,
        Err(ApplicationError::Invalid { field, .. }) if field == "age"
    ));

    // analytics: finance managers only
    assert!(matches!(
        analytics::analytics(&f.store, &sam, later).await,
        Err(ApplicationError::Forbidden(_))
    ));
    let a = analytics::analytics(&f.store, &fiona, later)
        .await
        .expect("analytics");
    let funnel: Vec<(&str, i64)> = a.funnel.iter().map(|c| (c.key.as_str(), c.count)).collect();
    assert_eq!(
        funnel,
        vec![
            ("draft", 2),
            ("ready", 1),
            ("submitted", 1),
            ("decisioned", 1),
            ("approved", 1),
            ("contracted", 0),
            ("funded", 0)
        ]
    );
    assert_eq!(a.approval_by_lender.len(), 1);
    let l = &a.approval_by_lender[0];
    assert_eq!((l.decided, l.approved, l.declined), (1, 1, 0));
    assert_eq!(l.approval_rate, "100.0");
    assert_eq!(a.approval_by_tier.len(), 1);
    assert_eq!(a.time_to_decision.count, 1);
    assert_eq!(
        a.time_to_decision.median_minutes,
        Some(3),
        "submitted → answered"
    );
    assert_eq!(a.time_to_decision.buckets[0].count, 1, "under an hour");
    let aging: Vec<usize> = a
        .stipulation_aging
        .iter()
        .map(|c| usize::try_from(c.count).expect("count"))
        .collect();
    assert_eq!(
        aging,
        vec![0, conditions, 0, 0],
        "every condition open for 10 days"
    );
    // contract rate 7.49 on the deal, buy rate 5.49 on the sheet: 2.00 points
    assert_eq!(a.markup.len(), 1);
    assert_eq!(a.markup[0].buy_rate, "5.49");
    assert_eq!(a.markup[0].contract_rate, "7.49");
    assert_eq!(a.markup[0].markup_points, "2.00");
    assert_eq!(a.average_markup_points.as_deref(), Some("2.00"));
}

#[tokio::test]
async fn the_demo_pipeline_adds_up() {
    use dealerdesk_services::application::analytics::{self, PipelineFilter};
    let f = fresh().await;
    dealerdesk_services::demo::fill(&f.store, 2026, 60, now(), today())
        .await
        .expect("demo");
    let fiona = Actor::Staff(staff(&f.store, "fiona", Role::FinanceManager).await);
    let p = analytics::pipeline(&f.store, &PipelineFilter::default(), now())
        .await
        .expect("pipeline");
    let total = p.total;
    assert!(total >= 12);
    for breakdown in [&p.by_state, &p.by_lender, &p.by_staff, &p.by_age] {
        assert_eq!(breakdown.iter().map(|c| c.count).sum::<i64>(), total);
    }
    for c in &p.by_state {
        let rows = analytics::pipeline(
            &f.store,
            &PipelineFilter {
                state: ApplicationState::parse(&c.key),
                ..Default::default()
            },
            now(),
        )
        .await
        .expect("by state")
        .window;
        assert_eq!(rows.matching, c.count, "{}", c.key);
        let rows = rows.rows;
        assert_eq!(
            i64::try_from(rows.len()).expect("fits"),
            c.count,
            "{}",
            c.key
        );
        assert!(rows.iter().all(|r| r.state.as_str() == c.key));
    }
    // every age group's filter matches its count
    for c in &p.by_age {
        let w = analytics::pipeline_window(
            &f.store,
            &PipelineFilter {
                age: Some(c.key.clone()),
                ..Default::default()
            },
            now(),
        )
        .await
        .expect("by age");
        assert_eq!(w.matching, c.count, "{}", c.key);
    }
    // windows of five, one after another, are the whole list in the same order
    let all = analytics::pipeline_window(
        &f.store,
        &PipelineFilter {
            limit: Some(1000),
            ..Default::default()
        },
        now(),
    )
    .await
    .expect("all");
    assert_eq!(all.matching, total);
    assert_eq!(i64::try_from(all.rows.len()).expect("fits"), total);
    let mut paged = Vec::new();
    let mut offset = 0;
    loop {
        let w = analytics::pipeline_window(
            &f.store,
            &PipelineFilter {
                offset: Some(offset),
                limit: Some(5),
                ..Default::default()
            },
            now(),
        )
        .await
        .expect("window");
        assert_eq!(w.offset, offset);
        assert_eq!(w.matching, total, "the count does not depend on the window");
        if w.rows.is_empty() {
            break;
        }
        assert!(w.rows.len() <= 5);
        offset += 5;
        paged.extend(w.rows);
    }
    assert_eq!(paged, all.rows);
    for bad in [0, 1001] {
        assert!(matches!(
            analytics::pipeline_window(
                &f.store,
                &PipelineFilter {
                    limit: Some(bad),
                    ..Default::default()
                },
                now(),
            )
            .await,
            Err(ApplicationError::Invalid { field, .. }) if field == "limit"
        ));
    }
    let a = analytics::analytics(&f.store, &fiona, now())
        .await
        .expect("analytics");
    assert_eq!(a.funnel[0].count, total);
    assert!(
        a.funnel.windows(2).all(|w| w[0].count >= w[1].count),
        "each stage is a subset of the one before: {:?}",
        a.funnel
    );
    assert!(a.funnel.iter().any(|c| c.key == "funded" && c.count >= 1));
    let decided: i64 = a.approval_by_lender.iter().map(|r| r.decided).sum();
    assert_eq!(
        decided,
        a.approval_by_tier.iter().map(|r| r.decided).sum::<i64>()
    );
    assert!(decided >= 5);
    assert!(!a.markup.is_empty());
}

/// `tests/fixtures/rules/roles.json`: what each role may do, written from Rust's rules (the moves
/// [`app::actions_for`] offers from each state, and [`Permission::of`]), so the UI's fake backends
/// and tests read Rust's tables instead of keeping copies. Stale means this test fails;
/// `UPDATE_FIXTURES=1` rewrites it.
#[tokio::test]
async fn the_roles_fixture_for_the_ui_is_rusts_rules() {
    let f = fresh().await;
    let mut by_role = serde_json::Map::new();
    let mut permissions = serde_json::Map::new();
    for role in [Role::Sales, Role::FinanceManager, Role::Admin] {
        permissions.insert(
            role.as_str().to_string(),
            serde_json::to_value(Permission::of(role)).expect("json"),
        );
        let who = Actor::Staff(staff(&f.store, role.as_str(), role).await);
        let mut by_state = serde_json::Map::new();
        for &state in ApplicationState::ALL {
            let moves: Vec<&str> = app::actions_for(&who, state)
                .iter()
                .map(|a| a.as_str())
                .collect();
            by_state.insert(state.as_str().to_string(), serde_json::json!(moves));
        }
        by_role.insert(
            role.as_str().to_string(),
            serde_json::Value::Object(by_state),
        );
    }
    let fresh_text = format!(
        "{}\n",
        serde_json::to_string_pretty(&serde_json::json!({
            "about": "GENERATED by the test the_roles_fixture_for_the_ui_is_rusts_rules (UPDATE_FIXTURES=1 rewrites it): the moves application::actions_for offers each role from each state, in order, and each role's auth::Permission list.",
            "moves": by_role,
            "permissions": permissions,
        }))
        .expect("json")
    );
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules/roles.json");
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, &fresh_text).expect("write the fixture");
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == fresh_text,
        "tests/fixtures/rules/roles.json is stale; run `UPDATE_FIXTURES=1 cargo test --test it roles_fixture` and commit it"
    );
}
