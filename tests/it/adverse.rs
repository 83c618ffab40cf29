//! Adverse-action notices (Reg B §1002.9, FCRA §615(a)) on real database files: when they arise
//! (declines, counters not taken, not counters taken), one per decision, the 30-day timer with
//! an injected clock, the PDF parsed back with pdftotext, delivery (roles, audit, once only,
//! e-mail through the outbox), the CLI and the demo.

use std::path::Path;
use std::process::Command;

use chrono::{DateTime, Duration, Utc};
use dealerdesk_services::application::adverse::{
    self, AdverseError, Bureau, DeliveryMethod, NoticeKind, NoticeSettings, DEMO_BUREAU_ADDRESS,
    DEMO_BUREAU_NAME, DEMO_BUREAU_PHONE, ECOA_STATEMENT, FTC_ADDRESS, FTC_NAME,
};
use dealerdesk_services::application::{
    self as app, Action, ApplicationState, RateSheet, Simulator,
};
use dealerdesk_services::auth::{Actor, Role};
use dealerdesk_store::Store;

use crate::support::desk::{decide, ready, TEST_CSV};
use crate::support::{cli_actor, code, dd, fresh, json, now, staff};

/// The test bank's sheet with Gold's LTV limit cut to 100 %: Maria's deal (LTV 111 %) is
/// countered.
fn strict_csv() -> String {
    TEST_CSV
        .replace("testbank,Test Bank", "strict,Strict Bank")
        .replace("Gold,700,850,72,125", "Gold,700,850,72,100")
}

/// Rework, mark ready and decide again at `at`.
async fn decide_again(store: &Store, id: &str, at: DateTime<Utc>) -> ApplicationState {
    app::transition(
        store,
        &cli_actor(),
        &dealerdesk_rules::ids::ApplicationId::from(id),
        Action::MarkReady,
        None,
        at,
    )
    .await
    .expect("ready again");
    decide(store, &dealerdesk_rules::ids::ApplicationId::from(id), at).await
}

async fn audit_count(store: &Store, action: &str, outcome: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = ?1 AND outcome = ?2")
        .bind(action)
        .bind(outcome)
        .fetch_one(store.pool())
        .await
        .expect("count")
}

async fn notice_count(store: &Store) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM adverse_action_notice")
        .fetch_one(store.pool())
        .await
        .expect("count")
}

fn pdf_text(dir: &Path, name: &str, pdf: &[u8]) -> String {
    let file = dir.join(name);
    std::fs::write(&file, pdf).expect("write pdf");
    let o = Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("run pdftotext");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    squeeze(&String::from_utf8(o.stdout).expect("utf-8"))
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn a_decline_owes_a_notice_with_reasons_and_score_due_30_days_after_the_decision() {
    let (f, id) = ready(TEST_CSV, 540).await;
    assert_eq!(
        decide(&f.store, &id, now()).await,
        ApplicationState::Declined
    );
    let notices = adverse::notices_for_application(&f.store, &id, now())
        .await
        .expect("notices");
    assert_eq!(notices.len(), 1);
    let n = &notices[0];
    assert_eq!(n.kind, NoticeKind::Declined);
    assert_eq!(n.reasons, vec!["Credit score below the program minimum"]);
    assert_eq!(n.score.score, Some(540));
    assert_eq!((n.score.range_low, n.score.range_high), (300, 850));
    assert!(
        !n.score.key_factors.is_empty() && n.score.key_factors.len() <= 4,
        "{:?}",
        n.score.key_factors
    );
    assert_eq!(n.score.date.as_deref(), Some("2026-11-25"));
    assert_eq!(n.decided_at, dealerdesk_store::ts(now()));
    assert_eq!(n.due_date, "2026-12-25", "decision + 30 days");
    assert_eq!(n.days_remaining, 30);
    assert!(!n.overdue && n.delivered_at.is_none());
    assert_eq!(n.applicant_name, "Maria Elena Gonzalez");
    assert_eq!(
        n.applicant_address,
        vec!["4821 Lakeview Dr", "Apt 12", "Dallas, TX 75201"]
    );
    assert_eq!(n.lender.name, "Test Bank");
    assert_eq!(n.agency.name, FTC_NAME);
    assert_eq!(n.agency.address.as_deref(), Some(FTC_ADDRESS));
    assert_eq!(
        n.bureau,
        Bureau {
            name: DEMO_BUREAU_NAME.into(),
            address: DEMO_BUREAU_ADDRESS.into(),
            phone: DEMO_BUREAU_PHONE.into(),
        },
        "the clearly fictional default until the desk sets its bureau"
    );
    assert!(n.pdf_sha256.is_some());
    assert_eq!(
        audit_count(&f.store, "adverse_notice.create", "success").await,
        1
    );
    assert_eq!(
        adverse::find_notice(&f.store, id.as_str(), now())
            .await
            .expect("by application")
            .id,
        n.id
    );

    // one notice per decision: processing again, and reworking a decline, add none
    let sim = Simulator::load(&f.store, 3, Duration::zero())
        .await
        .expect("sim");
    app::process_outbox(&f.store, &sim, now())
        .await
        .expect("runs");
    app::transition(&f.store, &cli_actor(), &id, Action::Rework, None, now())
        .await
        .expect("rework");
    assert_eq!(notice_count(&f.store).await, 1);
    // a new decision is a new adverse action
    assert_eq!(
        decide_again(&f.store, id.as_str(), now() + Duration::days(2)).await,
        ApplicationState::Declined
    );
    let notices = adverse::notices_for_application(&f.store, &id, now())
        .await
        .expect("notices");
    assert_eq!(notices.len(), 2);
    assert_eq!(notices[1].due_date, "2026-12-27");
    assert_ne!(notices[0].decision_id, notices[1].decision_id);
}

#[tokio::test]
async fn a_counter_not_taken_owes_a_notice_whichever_way_it_ends() {
    for (action, to) in [
        (Action::Withdraw, ApplicationState::Withdrawn),
        (Action::Expire, ApplicationState::Expired),
        (Action::Rework, ApplicationState::Draft),
    ] {
        let (f, id) = ready(&strict_csv(), 742).await;
        assert_eq!(
            decide(&f.store, &id, now()).await,
            ApplicationState::Countered
        );
        assert_eq!(
            notice_count(&f.store).await,
            0,
            "a counter is not yet adverse"
        );
        let later = now() + Duration::days(3);
        let v = app::transition(&f.store, &cli_actor(), &id, action, None, later)
            .await
            .expect("moved");
        assert_eq!(v.state, to);
        let notices = adverse::notices_for_application(&f.store, &id, later)
            .await
            .expect("notices");
        assert_eq!(notices.len(), 1, "{action:?}");
        let n = &notices[0];
        assert_eq!(n.kind, NoticeKind::CounterNotAccepted);
        assert_eq!(
            n.reasons,
            vec!["Value or type of collateral not sufficient"],
            "the counter's reason in words, not the desk's LTV message"
        );
        assert!(
            n.action_taken
                .contains("$15,995.00 financed over 60 months"),
            "{}",
            n.action_taken
        );
        assert_eq!(n.due_date, "2026-12-25", "30 days from the counter");
        assert_eq!(n.days_remaining, 27);
        assert_eq!(n.score.score, Some(742));
    }
}

#[tokio::test]
async fn a_counter_taken_owes_no_notice() {
    let (f, id) = ready(&strict_csv(), 742).await;
    assert_eq!(
        decide(&f.store, &id, now()).await,
        ApplicationState::Countered
    );
    app::transition(
        &f.store,
        &cli_actor(),
        &id,
        Action::AcceptCounter,
        None,
        now(),
    )
    .await
    .expect("taken");
    app::transition(&f.store, &cli_actor(), &id, Action::Withdraw, None, now())
        .await
        .expect("withdrawn after approval");
    assert_eq!(notice_count(&f.store).await, 0);
    assert!(adverse::pending_notices(&f.store, now())
        .await
        .expect("pending")
        .is_empty());
}

fn northwind(phone: &str) -> NoticeSettings {
    NoticeSettings {
        bureau: Bureau {
            name: "Northwind Credit Reporting".into(),
            address: "P.O. Box 4400, Springfield, IL 62701".into(),
            phone: phone.into(),
        },
        dealership_address: "1200 Main St, Dallas, TX 75201".into(),
    }
}

#[tokio::test]
async fn the_notice_pdf_reads_back_with_reasons_score_bureau_and_the_ecoa_statement() {
    let (f, id) = ready(TEST_CSV, 540).await;
    let fiona = Actor::Staff(staff(&f.store, "fiona", Role::FinanceManager).await);
    let sam = Actor::Staff(staff(&f.store, "sam", Role::Sales).await);
    let settings = northwind("1-888-555-0123");
    assert!(matches!(
        adverse::set_notice_settings(&f.store, &sam, &settings, now()).await,
        Err(AdverseError::Forbidden(_))
    ));
    adverse::set_notice_settings(&f.store, &fiona, &settings, now())
        .await
        .expect("settings");
    assert_eq!(
        decide(&f.store, &id, now()).await,
        ApplicationState::Declined
    );
    let n = adverse::find_notice(&f.store, id.as_str(), now())
        .await
        .expect("notice");
    // any role prints; each print is audited
    let pdf = adverse::notice_pdf(&f.store, &sam, &n.id, now())
        .await
        .expect("pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    let again = adverse::notice_pdf(&f.store, &fiona, &n.id, now() + Duration::hours(1))
        .await
        .expect("pdf");
    assert_eq!(pdf, again, "deterministic bytes");
    assert_eq!(
        n.pdf_sha256.as_deref(),
        Some(dealerdesk_store::crypto::sha256_hex(&pdf).as_str()),
        "the hash recorded at creation is the PDF's"
    );
    assert_eq!(
        audit_count(&f.store, "adverse_notice.print", "success").await,
        2
    );

    let text = pdf_text(f.dir.path(), "notice.pdf", &pdf);
    for needle in [
        "Notice of Action Taken on Your Credit Application",
        "Maria Elena Gonzalez",
        "4821 Lakeview Dr",
        "has been declined",
        "Credit score below the program minimum",
        "Your credit score: 540",
        "Scores range from a low of 300 to a high of 850.",
        "Date of the score: November 25, 2026",
        "Key factors that adversely affected your credit score:",
        "Northwind Credit Reporting",
        "P.O. Box 4400, Springfield, IL 62701",
        "1-888-555-0123",
        "did not make this decision and cannot explain why",
        "free copy of your report",
        "within 60 days",
        "dispute",
        "1200 Main St, Dallas, TX 75201",
        "Test Bank",
        FTC_ADDRESS,
    ] {
        assert!(text.contains(needle), "{needle:?} in {text}");
    }
    for factor in &n.score.key_factors {
        assert!(text.contains(factor.as_str()), "{factor:?} in {text}");
    }
    assert!(
        text.contains(&squeeze(&format!(
            "{ECOA_STATEMENT} {FTC_NAME}, {FTC_ADDRESS}."
        ))),
        "the §1002.9(b)(1) statement with the agency: {text}"
    );
}

#[tokio::test]
async fn pending_notices_run_soonest_first_and_turn_overdue_after_30_days() {
    let (f, id) = ready(TEST_CSV, 540).await;
    decide(&f.store, &id, now()).await;
    app::transition(&f.store, &cli_actor(), &id, Action::Rework, None, now())
        .await
        .expect("rework");
    decide_again(&f.store, id.as_str(), now() + Duration::days(5)).await;

    let day29 = now() + Duration::days(29);
    let p = adverse::pending_notices(&f.store, day29)
        .await
        .expect("pending");
    assert_eq!(p.len(), 2);
    assert_eq!((p[0].days_remaining, p[0].overdue), (1, false));
    assert_eq!((p[1].days_remaining, p[1].overdue), (6, false));

    let day31 = now() + Duration::days(31);
    let p = adverse::pending_notices(&f.store, day31)
        .await
        .expect("pending");
    assert_eq!(p[0].due_date, "2026-12-25", "the older one first");
    assert_eq!((p[0].days_remaining, p[0].overdue), (-1, true));
    assert_eq!((p[1].days_remaining, p[1].overdue), (4, false));
    let timer = adverse::notice_timer(&f.store, day31).await.expect("timer");
    assert_eq!((timer.pending, timer.overdue), (2, 1));
    assert_eq!(timer.oldest_due_date.as_deref(), Some("2026-12-25"));
    assert_eq!(timer.days_remaining, Some(-1));
}

#[tokio::test]
async fn delivery_is_for_the_desk_audited_once_only_and_clears_the_timer() {
    let (f, id) = ready(TEST_CSV, 540).await;
    decide(&f.store, &id, now()).await;
    app::transition(&f.store, &cli_actor(), &id, Action::Rework, None, now())
        .await
        .expect("rework");
    decide_again(&f.store, id.as_str(), now() + Duration::hours(1)).await;
    let sam = Actor::Staff(staff(&f.store, "sam", Role::Sales).await);
    let fiona = Actor::Staff(staff(&f.store, "fiona", Role::FinanceManager).await);
    let notices = adverse::notices_for_application(&f.store, &id, now())
        .await
        .expect("notices");
    let (first, second) = (&notices[0], &notices[1]);

    let e = adverse::mark_delivered(&f.store, &sam, &first.id, DeliveryMethod::Print, now()).await;
    assert!(matches!(e, Err(AdverseError::Forbidden(_))), "{e:?}");
    assert_eq!(
        audit_count(&f.store, "adverse_notice.deliver", "denied").await,
        1
    );

    let at = now() + Duration::days(2);
    let e = adverse::mark_delivered(&f.store, &fiona, &first.id, DeliveryMethod::Print, at).await;
    assert!(
        matches!(
            &e,
            Err(AdverseError::Invalid {
                field: "bureau",
                ..
            })
        ),
        "a real desk never sends the demo bureau: {e:?}"
    );
    adverse::set_notice_settings(&f.store, &fiona, &northwind("1-888-555-0123"), at)
        .await
        .expect("settings");
    let updated = adverse::get_notice(&f.store, &first.id, at)
        .await
        .expect("notice");
    assert_eq!(updated.bureau.name, "Northwind Credit Reporting");
    assert_ne!(updated.pdf_sha256, first.pdf_sha256, "the new PDF's hash");
    let d = adverse::mark_delivered(&f.store, &fiona, &first.id, DeliveryMethod::Print, at)
        .await
        .expect("delivered");
    assert_eq!(d.delivery_method, Some(DeliveryMethod::Print));
    assert_eq!(d.delivered_by.as_deref(), Some("staff:fiona"));
    assert_eq!(d.delivered_at, Some(dealerdesk_store::ts(at)));
    assert!(!d.overdue);
    let p = adverse::pending_notices(&f.store, at)
        .await
        .expect("pending");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].id, second.id);

    let e = adverse::mark_delivered(&f.store, &fiona, &first.id, DeliveryMethod::Mail, at).await;
    assert!(
        matches!(&e, Err(AdverseError::AlreadyDelivered { method, .. }) if method == "print"),
        "{e:?}"
    );

    // e-mail queues the notice for the customer in the outbox, in the same transaction
    let d = adverse::mark_delivered(&f.store, &fiona, &second.id, DeliveryMethod::Email, at)
        .await
        .expect("e-mailed");
    let outbox_id = d.outbox_id.expect("queued");
    let (recipient, customer, link): (String, String, Option<String>) =
        sqlx::query_as("SELECT recipient, customer_id, link_id FROM outbox WHERE id = ?1")
            .bind(&outbox_id)
            .fetch_one(f.store.pool())
            .await
            .expect("outbox row");
    assert_eq!(recipient, "maria.gonzalez@example.com");
    assert_eq!(customer, d.customer_id);
    assert!(link.is_none());
    assert_eq!(
        audit_count(&f.store, "adverse_notice.deliver", "success").await,
        2
    );
    assert!(adverse::pending_notices(&f.store, at)
        .await
        .expect("pending")
        .is_empty());
    let timer = adverse::notice_timer(&f.store, at).await.expect("timer");
    assert_eq!((timer.pending, timer.oldest_due_date), (0, None));
    // a delivered notice keeps what it said
    adverse::set_notice_settings(&f.store, &fiona, &northwind("1-888-555-0999"), at)
        .await
        .expect("settings");
    let kept = adverse::get_notice(&f.store, &first.id, at)
        .await
        .expect("notice");
    assert_eq!(kept.bureau.phone, "1-888-555-0123");
    assert!(
        dealerdesk_store::audit::verify(&f.store)
            .await
            .expect("verify")
            .ok
    );
    assert!(matches!(
        adverse::get_notice(
            &f.store,
            &dealerdesk_rules::ids::NoticeId::from("nope"),
            now()
        )
        .await,
        Err(AdverseError::NotFound(_))
    ));
}

#[tokio::test]
async fn the_cli_lists_prints_and_delivers_notices() {
    let (f, id) = ready(TEST_CSV, 540).await;
    decide(&f.store, &id, Utc::now()).await;
    let db = f.db_path();
    f.store.close().await;

    let o = dd(&db, &["application", "notices", "--pending", "--json"]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let j = json(&o);
    let notices = j["notices"].as_array().expect("notices");
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0]["application_id"], id.as_str());
    assert_eq!(notices[0]["kind"], "declined");
    assert_eq!(notices[0]["overdue"], false);
    assert_eq!(j["timer"]["pending"], 1);

    let file = f.dir.path().join("notice.pdf");
    let o = dd(
        &db,
        &[
            "application",
            "notice",
            id.as_str(),
            "--out",
            file.to_str().expect("utf8"),
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let j = json(&o);
    assert_eq!(
        j["notice"]["reasons"][0],
        "Credit score below the program minimum"
    );
    assert_eq!(j["notice"]["score"]["score"], 540);
    let pdf = std::fs::read(&file).expect("written");
    assert_eq!(j["sha256"], dealerdesk_store::crypto::sha256_hex(&pdf));
    assert!(pdf_text(f.dir.path(), "again.pdf", &pdf).contains("Your credit score: 540"));

    let o = dd(&db, &["application", "show", id.as_str(), "--json"]);
    assert_eq!(
        json(&o)["adverse_notices"].as_array().map(Vec::len),
        Some(1)
    );

    let o = dd(
        &db,
        &[
            "application",
            "notice-delivered",
            id.as_str(),
            "--method",
            "mail",
            "--json",
        ],
    );
    assert_eq!(code(&o), 3, "still the demo bureau");
    assert_eq!(json(&o)["error"]["field"], "bureau");
    let o = dd(
        &db,
        &[
            "application",
            "notice-settings",
            "--bureau-name",
            "Northwind Credit Reporting",
            "--bureau-address",
            "P.O. Box 4400, Springfield, IL 62701",
            "--bureau-phone",
            "1-888-555-0123",
            "--dealership-address",
            "1200 Main St, Dallas, TX 75201",
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(json(&o)["bureau"]["phone"], "1-888-555-0123");
    let o = dd(
        &db,
        &[
            "application",
            "notice-delivered",
            id.as_str(),
            "--method",
            "mail",
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        json(&o)["notice"]["bureau"]["name"],
        "Northwind Credit Reporting"
    );
    assert_eq!(json(&o)["notice"]["delivery_method"], "mail");
    let o = dd(
        &db,
        &[
            "application",
            "notice-delivered",
            id.as_str(),
            "--method",
            "print",
            "--json",
        ],
    );
    assert_eq!(code(&o), 7, "delivered twice is a conflict");
    let o = dd(&db, &["application", "notices", "--pending", "--json"]);
    assert!(json(&o)["notices"].as_array().expect("list").is_empty());
    let o = dd(&db, &["application", "notices", "--json"]);
    assert_eq!(json(&o)["notices"].as_array().map(Vec::len), Some(1));
    let o = dd(&db, &["application", "notice", "nope", "--out", "x.pdf"]);
    assert_eq!(code(&o), 4);
    assert_eq!(code(&dd(&db, &["audit", "verify"])), 0);
}

#[tokio::test]
async fn the_demo_has_notices_pending_one_near_its_deadline_and_one_delivered() {
    let f = fresh().await;
    dealerdesk_services::demo::fill(&f.store, 2026, 60, now(), crate::support::today())
        .await
        .expect("demo");
    let all = adverse::list_notices(&f.store, false, now())
        .await
        .expect("notices");
    let pending: Vec<_> = all.iter().filter(|n| n.delivered_at.is_none()).collect();
    assert!(pending.len() >= 2, "{all:?}");
    assert!(
        pending.iter().any(|n| n.days_remaining <= 5 && !n.overdue),
        "{pending:?}"
    );
    assert!(all.iter().any(|n| n.delivered_at.is_some()), "{all:?}");
    for n in &all {
        let v = adverse::get_notice(&f.store, &n.id, now())
            .await
            .expect("notice");
        assert!(!v.reasons.is_empty() && v.score.score.is_some(), "{v:?}");
        adverse::render_pdf(&v).expect("prints");
    }
    assert!(
        dealerdesk_store::audit::verify(&f.store)
            .await
            .expect("verify")
            .ok
    );
}

/// A database of the release before notices, with a decline and a counter walked away from,
/// takes the migration on open; the backfill then creates the two notices owed, once.
#[tokio::test]
async fn the_migration_upgrades_the_previous_release_and_the_backfill_creates_what_is_owed() {
    let (f, declined) = ready(TEST_CSV, 540).await;
    decide(&f.store, &declined, now()).await;
    app::transition(
        &f.store,
        &cli_actor(),
        &declined,
        Action::Rework,
        None,
        now(),
    )
    .await
    .expect("rework");
    // the same application, now countered (score 742 at a 100 % LTV limit) and withdrawn
    sqlx::query("UPDATE credit_application SET credit_score = 742 WHERE id = ?1")
        .bind(declined.as_str())
        .execute(f.store.pool())
        .await
        .expect("score");
    let strict =
        RateSheet::from_csv(&strict_csv().replace("strict,Strict Bank", "testbank,Test Bank"))
            .expect("reads");
    app::import_rate_sheet(&f.store, &cli_actor(), &strict, now())
        .await
        .expect("version 2");
    assert_eq!(
        decide_again(&f.store, declined.as_str(), now() + Duration::days(1)).await,
        ApplicationState::Countered
    );
    app::transition(
        &f.store,
        &cli_actor(),
        &declined,
        Action::Withdraw,
        None,
        now() + Duration::days(2),
    )
    .await
    .expect("walked");
    let path = f.db_path();
    f.store.clone().close().await;
    crate::support::raw_sql(
        &path,
        "DROP TABLE adverse_action_notice;
         DELETE FROM _sqlx_migrations WHERE version = 20261127000001;",
    )
    .await;
    let store = Store::open(&path, dealerdesk_store::OpenMode::MustExist)
        .await
        .expect("the older database opens and migrates");
    assert_eq!(notice_count(&store).await, 0);
    let later = now() + Duration::days(3);
    assert_eq!(
        adverse::backfill_notices(&store, later)
            .await
            .expect("backfill"),
        2
    );
    assert_eq!(
        adverse::backfill_notices(&store, later)
            .await
            .expect("again"),
        0
    );
    let n = adverse::notices_for_application(&store, &declined, later)
        .await
        .expect("notices");
    let kinds: Vec<_> = n.iter().map(|n| n.kind).collect();
    assert_eq!(
        kinds,
        vec![NoticeKind::Declined, NoticeKind::CounterNotAccepted]
    );
    assert_eq!(
        n[0].due_date, "2026-12-25",
        "from the decision, not the backfill"
    );
    assert_eq!(n[1].due_date, "2026-12-26");
    store.close().await;
}
