//! Identity checks on real database files: sanctions list import (versions, atomicity, audit),
//! screening with spelling variants, and the `identity` / `sanctions` CLI.

use crate::support::{code, dd_input, json};
use std::path::{Path, PathBuf};

use dealerdesk_services::identity::aamva::build_payload;
use dealerdesk_services::identity::sanctions::{
    self, ListFiles, SanctionsError, DEFAULT_THRESHOLD,
};
use dealerdesk_store::audit;

use crate::support::{cli_actor, fresh, now};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ofac")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).expect("fixture exists")
}

async fn import_fixture(store: &dealerdesk_store::Store) -> sanctions::ImportSummary {
    crate::support::desk::import_ofac_fixture(store).await
}

async fn count(store: &dealerdesk_store::Store, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(store.pool())
        .await
        .expect("count")
}

#[tokio::test]
async fn the_fixture_list_imports_as_version_1_with_its_counts_and_an_audit_entry() {
    let f = fresh().await;
    let s = import_fixture(&f.store).await;
    assert_eq!(s.list_version, 1, "the first import is version 1");
    assert_eq!(s.previous_version, None, "nothing before it");
    assert_eq!(
        (s.entries, s.aliases, s.addresses),
        (8, 5, 3),
        "every row of the three files"
    );
    assert_eq!(
        count(&f.store, "sanctions_entry").await,
        8,
        "entries stored"
    );
    let report = audit::verify(&f.store).await.expect("verify runs");
    assert!(report.ok, "the audit chain holds: {report:?}");
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log")
        .fetch_all(f.store.pool())
        .await
        .expect("audit rows");
    assert!(
        actions.iter().any(|a| a == "sanctions.import"),
        "the import is audited: {actions:?}"
    );
}

#[tokio::test]
async fn spelling_variants_of_listed_names_are_candidates() {
    let f = fresh().await;
    import_fixture(&f.store).await;
    let list = sanctions::load_current(&f.store).await.expect("list loads");
    let cases: &[(&str, i64)] = &[
        ("Orsolya Quillfeather", 7001), // swapped order, middle name missing
        ("QUILLFEATHER, Orsolya Bettina", 7001), // exactly as listed
        ("Orsolya B. Quilfeather", 7001), // misspelt surname, initial
        ("Mohammed Tazrani", 7002),     // transliteration, particle dropped
        ("Mohamad Yousuf Al Tazrani", 7002), // transliterations of both given names
        ("José Andrés Márquez Velostro", 7003), // diacritics
        ("Velostro Marquez Jose", 7003), // order of the family names
        ("Evgeny Drosselmeier", 7004),  // an alias, transliterated
        ("Yevgeniy Drosselmayer", 7004), // primary without patronymic
        ("Northwind Zephyr Trading", 7005), // entity without LLC
        ("Adaeze Okafor Lindqvist", 7007), // hyphenated surname typed with a space
    ];
    for (name, ent_num) in cases {
        let r = list
            .screen(name, None, None, DEFAULT_THRESHOLD)
            .expect("screen runs");
        assert!(
            r.matches.iter().any(|m| m.ent_num == *ent_num),
            "{name} should match entry {ent_num}: {:?}",
            r.matches
        );
        assert_eq!(r.list_version, 1, "the result names the list version");
        let scores: Vec<f64> = r.matches.iter().map(|m| m.score).collect();
        assert!(
            scores.windows(2).all(|w| w[0] >= w[1])
                && scores.iter().all(|s| (0.0..=1.0).contains(s)),
            "scores are 0–1 and sorted best first: {scores:?}"
        );
    }
}

#[tokio::test]
async fn unrelated_common_names_are_not_candidates() {
    let f = fresh().await;
    import_fixture(&f.store).await;
    let list = sanctions::load_current(&f.store).await.expect("list loads");
    for name in [
        "John Smith",
        "Maria Garcia",
        "Michael Johnson",
        "Wei Zhang",
        "Mohammed Ali",
        "Jose Rodriguez",
        "Olga Petrova",
        "Orsolya Kovacs",
        "Quillfeather",
    ] {
        let r = list
            .screen(name, None, None, DEFAULT_THRESHOLD)
            .expect("screen runs");
        assert!(
            r.matches.is_empty(),
            "{name} must not match: {:?}",
            r.matches
        );
    }
}

#[tokio::test]
async fn an_alias_match_names_the_alias_and_dob_and_country_are_compared() {
    let f = fresh().await;
    import_fixture(&f.store).await;
    let list = sanctions::load_current(&f.store).await.expect("list loads");
    let r = list
        .screen(
            "Evgeni Drosselmeier",
            chrono::NaiveDate::from_ymd_opt(1976, 2, 29),
            None,
            DEFAULT_THRESHOLD,
        )
        .expect("screen runs");
    let m = r
        .matches
        .iter()
        .find(|m| m.ent_num == 7004)
        .expect("entry 7004 found");
    assert_eq!(
        m.matched_alias.as_deref(),
        Some("DROSSELMEIER, Evgeni"),
        "the alias that matched"
    );
    assert_eq!(
        m.name, "DROSSELMAYER, Yevgeniy Pavlovich",
        "the primary name is reported"
    );
    assert_eq!(m.dob_matches, Some(true), "born 1976 as listed");
    assert_eq!(
        m.program.as_deref(),
        Some("TESTPROG-EO99999"),
        "the programme"
    );
    let r = list
        .screen(
            "Mohammed Tazrani",
            None,
            Some("Testland"),
            DEFAULT_THRESHOLD,
        )
        .expect("screen runs");
    assert_eq!(
        r.matches.first().and_then(|m| m.country_matches),
        Some(true),
        "an address in Testland: {:?}",
        r.matches
    );
    assert!(
        matches!(
            list.screen("-- !!", None, None, DEFAULT_THRESHOLD),
            Err(SanctionsError::EmptyName)
        ),
        "a name of only punctuation is refused"
    );
}

#[tokio::test]
async fn a_truncated_or_garbled_file_leaves_the_previous_list_in_force() {
    let f = fresh().await;
    import_fixture(&f.store).await;
    let audit_before = count(&f.store, "audit_log").await;
    let sdn = read("sdn.csv");
    let truncated = &sdn[..sdn.len() / 2];
    let garbled: Vec<u8> = sdn
        .iter()
        .map(|b| if *b == b',' { b';' } else { *b })
        .collect();
    let alt = read("alt.csv");
    let orphan_alt = [
        &alt[..alt.len() - 1],
        b"9999,1,\"aka\",\"NOBODY HERE\",\"-0- \"\r\n",
    ]
    .concat();
    let cases: Vec<(&str, ListFiles<'_>, &str)> = vec![
        (
            "truncated sdn.csv",
            ListFiles {
                sdn: ("sdn.csv", truncated),
                alt: None,
                add: None,
            },
            "sdn.csv line",
        ),
        (
            "garbled sdn.csv",
            ListFiles {
                sdn: ("sdn.csv", &garbled),
                alt: None,
                add: None,
            },
            "sdn.csv line 1",
        ),
        (
            "alias of a missing entry",
            ListFiles {
                sdn: ("sdn.csv", &sdn),
                alt: Some(("alt.csv", &orphan_alt)),
                add: None,
            },
            "alt.csv line 6",
        ),
        (
            "empty sdn.csv",
            ListFiles {
                sdn: ("sdn.csv", b""),
                alt: None,
                add: None,
            },
            "sdn.csv line 1",
        ),
    ];
    for (what, files, names) in cases {
        let err = sanctions::import(&f.store, &cli_actor(), &files, None, now())
            .await
            .expect_err(what);
        assert!(
            err.to_string().contains(names),
            "{what}: the error names the file and line: {err}"
        );
        let v = sanctions::current_version(&f.store)
            .await
            .expect("version")
            .expect("a list");
        assert_eq!(v.list_version, 1, "{what}: version 1 still in force");
        assert_eq!(
            count(&f.store, "sanctions_list").await,
            1,
            "{what}: no version written"
        );
        assert_eq!(
            count(&f.store, "sanctions_entry").await,
            8,
            "{what}: no rows written"
        );
        assert_eq!(
            count(&f.store, "audit_log").await,
            audit_before,
            "{what}: nothing audited"
        );
    }
    let again = import_fixture(&f.store).await;
    assert_eq!(again.list_version, 2, "a later good import is version 2");
    assert_eq!(again.previous_version, Some(1), "and says what it replaces");
    let list = sanctions::load_current(&f.store).await.expect("loads");
    assert_eq!(list.version.list_version, 2, "version 2 is in force");
    assert_eq!(list.index.entry_count(), 8, "with only its own entries");
}

// ---- the CLI ----

#[test]
fn identity_ssn_answers_kind_validity_and_reason_without_a_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("never-created.db");
    let cases = [
        ("123-45-6789", "ssn", true),
        ("912-70-1234", "itin", true),
        ("666-12-3456", "invalid", false),
        ("078-05-1120", "invalid", false),
    ];
    for (number, kind, valid) in cases {
        let o = dd_input(&db, &["identity", "ssn", number, "--json"], None);
        assert_eq!(code(&o), 0, "{number}: the check ran");
        let j = json(&o);
        assert_eq!(j["kind"], kind, "{number}: kind");
        assert_eq!(j["valid"], valid, "{number}: valid");
        assert_eq!(
            j["reason"].is_null(),
            valid,
            "{number}: a reason only when invalid: {j}"
        );
    }
    assert!(!db.exists(), "no database was created");
}

#[test]
fn identity_licence_reads_a_file_or_stdin_and_refuses_non_barcodes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("unused.db");
    let payload = build_payload(
        "ANSI ",
        "636000",
        10,
        1,
        &[(
            "DL",
            &[
                ("DAQ", "T64235789"),
                ("DCS", "SAMPLE"),
                ("DAC", "MICHAEL"),
                ("DAD", "JOHN"),
                ("DBD", "06062024"),
                ("DBB", "06061986"),
                ("DBA", "12102099"),
                ("DBC", "1"),
                ("DAG", "2300 WEST BROAD STREET"),
                ("DAI", "RICHMOND"),
                ("DAJ", "VA"),
                ("DAK", "232690000  "),
                ("DCG", "USA"),
            ],
        )],
    );
    let file = dir.path().join("scan.txt");
    std::fs::write(&file, &payload).expect("write scan");
    let path = file.to_string_lossy().to_string();
    for (how, args, stdin) in [
        (
            "file",
            vec!["identity", "licence", "--file", path.as_str(), "--json"],
            None,
        ),
        (
            "stdin",
            vec!["identity", "licence", "--file", "-", "--json"],
            Some(payload.as_bytes()),
        ),
    ] {
        let o = dd_input(&db, &args, stdin);
        assert_eq!(code(&o), 0, "{how}: {}", String::from_utf8_lossy(&o.stdout));
        let j = json(&o);
        assert_eq!(j["aamva_version"], 10, "{how}: version");
        assert_eq!(j["jurisdiction"], "VA", "{how}: jurisdiction");
        assert_eq!(j["first_name"], "MICHAEL", "{how}: first name");
        assert_eq!(j["middle_name"], "JOHN", "{how}: middle name");
        assert_eq!(j["last_name"], "SAMPLE", "{how}: last name");
        assert_eq!(j["date_of_birth"], "1986-06-06", "{how}: ISO date of birth");
        assert_eq!(j["expiry_date"], "2099-12-10", "{how}: expiry");
        assert_eq!(j["issue_date"], "2024-06-06", "{how}: issue date");
        assert_eq!(j["licence_number"], "T64235789", "{how}: number");
        assert_eq!(j["sex"], "male", "{how}: sex");
        assert_eq!(j["street"], "2300 WEST BROAD STREET", "{how}: street");
        assert_eq!(j["city"], "RICHMOND", "{how}: city");
        assert_eq!(j["state"], "VA", "{how}: state");
        assert_eq!(j["postal_code"], "23269", "{how}: postal code");
        assert_eq!(j["problems"], serde_json::json!([]), "{how}: no problems");
    }
    let junk = dir.path().join("junk.txt");
    std::fs::write(&junk, "not a barcode").expect("write junk");
    let o = dd_input(
        &db,
        &[
            "identity",
            "licence",
            "--file",
            &junk.to_string_lossy(),
            "--json",
        ],
        None,
    );
    assert_eq!(code(&o), 3, "a file that is not a barcode is invalid input");
    assert_eq!(json(&o)["error"]["field"], "file", "names the field");
    let o = dd_input(
        &db,
        &["identity", "licence", "--file", "/nonexistent/scan.txt"],
        None,
    );
    assert_eq!(code(&o), 4, "a missing file is not found");
}

#[test]
fn sanctions_import_and_screen_work_from_the_cli() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("x.db");
    assert_eq!(code(&dd_input(&db, &["init"], None)), 0, "init");
    let o = dd_input(&db, &["sanctions", "screen", "John Smith", "--json"], None);
    assert_eq!(code(&o), 4, "no list imported yet");

    let (sdn, alt, add) = (fixture("sdn.csv"), fixture("alt.csv"), fixture("add.csv"));
    let (sdn, alt, add) = (
        sdn.to_string_lossy(),
        alt.to_string_lossy(),
        add.to_string_lossy(),
    );
    let o = dd_input(
        &db,
        &[
            "sanctions",
            "import",
            "--sdn",
            &sdn,
            "--alt",
            &alt,
            "--add",
            &add,
            "--published",
            "2026-11-20",
            "--json",
        ],
        None,
    );
    assert_eq!(
        code(&o),
        0,
        "import: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    let j = json(&o);
    assert_eq!(j["list_version"], 1, "version: {j}");
    assert_eq!(
        (
            j["entries"].as_u64(),
            j["aliases"].as_u64(),
            j["addresses"].as_u64()
        ),
        (Some(8), Some(5), Some(3)),
        "counts: {j}"
    );

    let o = dd_input(
        &db,
        &[
            "sanctions",
            "screen",
            "Mohammed Tazrani",
            "--dob",
            "1968-04-01",
            "--json",
        ],
        None,
    );
    assert_eq!(
        code(&o),
        0,
        "screen: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    let j = json(&o);
    assert_eq!(j["list_version"], 1, "list version: {j}");
    let first = &j["matches"][0];
    assert_eq!(first["ent_num"], 7002, "best candidate: {j}");
    assert!(
        first["score"]
            .as_f64()
            .is_some_and(|s| (0.88..=1.0).contains(&s)),
        "score 0.88–1: {j}"
    );
    assert_eq!(first["program"], "SDGT, TESTPROG", "programmes: {j}");
    assert!(
        first.get("matched_alias").is_some(),
        "matched_alias present (null or a name): {j}"
    );
    assert_eq!(
        first["name"], "AL-TAZRANI, Muhammad Yusuf",
        "primary name: {j}"
    );

    let o = dd_input(
        &db,
        &["sanctions", "screen", "Maria Garcia", "--json"],
        None,
    );
    assert_eq!(json(&o)["matches"], serde_json::json!([]), "no candidates");
    let o = dd_input(&db, &["sanctions", "screen", "?!", "--json"], None);
    assert_eq!(code(&o), 3, "a name of only punctuation is invalid input");

    let bad = dir.path().join("sdn.csv");
    std::fs::write(&bad, b"7001,\"QUILLFEATHER, Orsolya\",\"individual\"\r\n").expect("write bad");
    let o = dd_input(
        &db,
        &[
            "sanctions",
            "import",
            "--sdn",
            &bad.to_string_lossy(),
            "--json",
        ],
        None,
    );
    assert_eq!(code(&o), 3, "a bad file is invalid input");
    let j = json(&o);
    let msg = j["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        msg.contains("sdn.csv line 1"),
        "names the file and line: {msg}"
    );
    assert_eq!(j["error"]["field"], "sdn", "names the option");
    let o = dd_input(
        &db,
        &["sanctions", "screen", "Orsolya Quillfeather", "--json"],
        None,
    );
    assert_eq!(json(&o)["list_version"], 1, "version 1 still in force");
    assert_eq!(
        code(&dd_input(&db, &["audit", "verify"], None)),
        0,
        "the audit chain holds"
    );
}

// ---- verification records ----

use dealerdesk_services::auth::{Actor, Role};
use dealerdesk_services::customer::{self, CustomerInput, CustomerUpdate};
use dealerdesk_services::identity::red_flags::FlagCode;
use dealerdesk_services::identity::verification::{
    self as verify, Blocker, CheckInput, CheckOutcome, ContactChannel, ContactState, DocumentType,
    IdentityError, RuleStatus, VerificationStatus, VerificationView,
};

use crate::support::desk::customer_input;
use crate::support::{staff, today};

/// Maria Elena Gonzalez's Texas licence, as `customer_input()` has her; `changes` replace
/// elements by id.
fn maria_licence(changes: &[(&str, &str)]) -> String {
    let mut elements: Vec<(&str, &str)> = vec![
        ("DAQ", "D1234567"),
        ("DCS", "GONZALEZ"),
        ("DAC", "MARIA"),
        ("DAD", "ELENA"),
        ("DBD", "01152024"),
        ("DBB", "03091984"),
        ("DBA", "03092030"),
        ("DBC", "2"),
        ("DAG", "4821 LAKEVIEW DRIVE"),
        ("DAI", "DALLAS"),
        ("DAJ", "TX"),
        ("DAK", "752010000"),
        ("DCG", "USA"),
    ];
    for (id, v) in changes {
        if let Some(e) = elements.iter_mut().find(|e| e.0 == *id) {
            e.1 = v;
        }
    }
    build_payload("ANSI ", "636015", 10, 1, &[("DL", &elements)])
}

fn scan(payload: String) -> CheckInput {
    CheckInput::BarcodeScan { payload }
}

async fn add_customer(
    store: &dealerdesk_store::Store,
    input: &CustomerInput,
) -> dealerdesk_rules::ids::CustomerId {
    customer::create(store, &cli_actor(), input, now(), today())
        .await
        .expect("customer created")
        .id
}

async fn check(
    store: &dealerdesk_store::Store,
    id: &dealerdesk_rules::ids::CustomerId,
    input: CheckInput,
) -> VerificationView {
    verify::run_check(store, &cli_actor(), id, &input, now(), today())
        .await
        .expect("the check runs")
}

fn flag_codes(v: &VerificationView) -> Vec<FlagCode> {
    v.rules.iter().filter_map(|r| r.code).collect()
}

async fn audit_rows(store: &dealerdesk_store::Store) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as("SELECT action, outcome, detail FROM audit_log ORDER BY seq")
        .fetch_all(store.pool())
        .await
        .expect("audit rows")
}

async fn audit_ok(store: &dealerdesk_store::Store) {
    let report = audit::verify(store).await.expect("verify runs");
    assert!(report.ok, "the audit chain holds: {report:?}");
}

fn update_of(i: CustomerInput) -> CustomerUpdate {
    CustomerUpdate {
        given_name: i.given_name,
        middle_name: i.middle_name,
        family_name: i.family_name,
        suffix: i.suffix,
        dob: None,
        ssn: None,
        licence_number: None,
        licence_state: None,
        phone: i.phone,
        email: i.email,
        employer: i.employer,
        job_title: i.job_title,
        monthly_income: i.monthly_income,
        address: i.address,
        previous_address: i.previous_address,
    }
}

#[tokio::test]
async fn a_clean_licence_on_a_screened_customer_is_verified_and_audited_without_pii() {
    let f = fresh().await;
    import_fixture(&f.store).await;
    let id = add_customer(&f.store, &customer_input()).await;
    let v = check(&f.store, &id, scan(maria_licence(&[]))).await;
    assert_eq!(v.outcome, CheckOutcome::Verified, "rules: {:#?}", v.rules);
    assert_eq!(v.effective_outcome, CheckOutcome::Verified);
    assert_eq!(v.status, VerificationStatus::Verified);
    assert!(!v.stale, "just checked");
    assert_eq!(v.document.document_type, DocumentType::DriversLicence);
    assert_eq!(v.document.issuer.as_deref(), Some("TX"));
    assert_eq!(v.document.number_masked.as_deref(), Some("••••4567"));
    assert_eq!(v.document.expiry.as_deref(), Some("2030-03-09"));
    assert_eq!(v.sanctions.list_version, Some(1), "names the list version");
    assert!(v.sanctions.candidates.is_empty(), "no candidates");
    assert_eq!(v.tax_id_kind, "ssn");
    assert!(
        v.rules
            .iter()
            .all(|r| matches!(r.status, RuleStatus::Pass | RuleStatus::NotChecked)),
        "every rule passed or could not apply: {:#?}",
        v.rules
    );
    for rule in [
        "dob_matches",
        "name_matches",
        "address_matches",
        "sanctions",
    ] {
        assert!(
            v.rules
                .iter()
                .any(|r| r.rule == rule && r.status == RuleStatus::Pass),
            "{rule} passed"
        );
    }
    let json = serde_json::to_string(&v).expect("json");
    for pii in ["D1234567", "123456789", "123-45-6789", "1984-03-09"] {
        assert!(!json.contains(pii), "{pii} never leaves the record: {json}");
    }
    let audit = audit_rows(&f.store).await;
    let entry = audit
        .iter()
        .find(|(a, _, _)| a == "identity.check")
        .expect("the check is audited");
    let detail = entry.2.clone().unwrap_or_default();
    assert!(detail.contains("verified"), "{detail}");
    for pii in ["D1234567", "6789", "1984", "Gonzalez", "2145550187"] {
        assert!(
            !detail.contains(pii),
            "no PII in the audit detail: {detail}"
        );
    }
    let stored: Option<String> =
        sqlx::query_scalar("SELECT document_number_enc FROM identity_check")
            .fetch_one(f.store.pool())
            .await
            .expect("row");
    assert!(
        stored.is_some_and(|s| !s.contains("1234567")),
        "the full number is stored only encrypted"
    );
    audit_ok(&f.store).await;
}

#[tokio::test]
async fn without_a_sanctions_list_the_check_needs_review_and_cannot_be_resolved_by_a_note() {
    let f = fresh().await;
    let id = add_customer(&f.store, &customer_input()).await;
    let v = check(&f.store, &id, scan(maria_licence(&[]))).await;
    assert_eq!(v.outcome, CheckOutcome::NeedsReview);
    assert_eq!(v.sanctions.list_version, None, "not screened");
    let rule = v
        .rules
        .iter()
        .find(|r| r.code == Some(FlagCode::SanctionsNotScreened))
        .expect("a rule says so");
    assert!(
        rule.reason.contains("no sanctions list loaded"),
        "{}",
        rule.reason
    );
    assert!(!rule.resolvable, "a note does not screen a name");
    let e = verify::resolve_flag(
        &f.store,
        &cli_actor(),
        &v.id,
        FlagCode::SanctionsNotScreened,
        "looked on the OFAC site",
        now(),
    )
    .await;
    assert!(matches!(e, Err(IdentityError::NotResolvable(_))), "{e:?}");
    let blockers = verify::application_blockers(&f.store, &id)
        .await
        .expect("blockers");
    assert!(blockers.contains(&Blocker::NotScreened), "{blockers:?}");
}

#[tokio::test]
async fn a_dob_mismatch_needs_review_sales_cannot_resolve_and_a_manager_can() {
    let f = fresh().await;
    import_fixture(&f.store).await;
    let id = add_customer(&f.store, &customer_input()).await;
    let v = check(&f.store, &id, scan(maria_licence(&[("DBB", "03101984")]))).await;
    assert_eq!(v.outcome, CheckOutcome::NeedsReview);
    assert_eq!(
        flag_codes(&v),
        vec![FlagCode::LicenceDobMismatch],
        "only the DOB: {:#?}",
        v.rules
    );
    let json = serde_json::to_string(&v).expect("json");
    for dob in ["1984-03-10", "1984-03-09", "03/10/1984", "03/09/1984"] {
        assert!(
            !json.contains(dob),
            "no date of birth in the record: {json}"
        );
    }
    let sales = Actor::Staff(staff(&f.store, "sam", Role::Sales).await);
    let e = verify::resolve_flag(
        &f.store,
        &sales,
        &v.id,
        FlagCode::LicenceDobMismatch,
        "typo at the desk",
        now(),
    )
    .await;
    assert!(matches!(e, Err(IdentityError::Forbidden(_))), "{e:?}");
    assert!(
        audit_rows(&f.store)
            .await
            .iter()
            .any(|(a, o, _)| a == "identity.resolve_flag" && o == "denied"),
        "the refusal is audited"
    );
    let fm = Actor::Staff(staff(&f.store, "fiona", Role::FinanceManager).await);
    let e = verify::resolve_flag(
        &f.store,
        &fm,
        &v.id,
        FlagCode::LicenceDobMismatch,
        "  ",
        now(),
    )
    .await;
    assert!(
        matches!(&e, Err(IdentityError::Invalid { field, .. }) if field == "note"),
        "a note is required: {e:?}"
    );
    let e = verify::resolve_flag(&f.store, &fm, &v.id, FlagCode::PhoneShared, "n/a", now()).await;
    assert!(matches!(e, Err(IdentityError::FlagNotRaised(_))), "{e:?}");
    let v = verify::resolve_flag(
        &f.store,
        &fm,
        &v.id,
        FlagCode::LicenceDobMismatch,
        "the date on file was typed wrong; the card and the customer agree",
        now(),
    )
    .await
    .expect("resolved");
    assert_eq!(
        v.outcome,
        CheckOutcome::NeedsReview,
        "the original outcome stays"
    );
    assert_eq!(v.effective_outcome, CheckOutcome::Verified, "resolved");
    let rule = v
        .rules
        .iter()
        .find(|r| r.code == Some(FlagCode::LicenceDobMismatch))
        .expect("rule");
    let res = rule.resolution.as_ref().expect("resolution shown");
    assert_eq!(res.decided_by, "staff:fiona");
    let again = verify::resolve_flag(
        &f.store,
        &fm,
        &v.id,
        FlagCode::LicenceDobMismatch,
        "again",
        now(),
    )
    .await;
    assert!(
        matches!(again, Err(IdentityError::AlreadyDecided { .. })),
        "{again:?}"
    );
    assert_eq!(status(&f.store, &id).await, VerificationStatus::Verified);
    audit_ok(&f.store).await;
}

#[tokio::test]
async fn the_same_ssn_under_another_name_and_a_shared_phone_are_flagged() {
    let f = fresh().await;
    import_fixture(&f.store).await;
    let id = add_customer(&f.store, &customer_input()).await;
    let mut other = customer_input();
    other.given_name = "Rita".into();
    other.middle_name = None;
    other.family_name = "Lund".into();
    other.phone = "(469) 555-0110".into();
    other.email = Some("rita@example.com".into());
    other.address.line1 = "9 Oak Ct".into();
    other.address.zip = "75204".into();
    let rita = add_customer(&f.store, &other).await;
    let mut phone_twin = customer_input();
    phone_twin.given_name = "Tom".into();
    phone_twin.middle_name = None;
    phone_twin.family_name = "Berg".into();
    phone_twin.ssn = "234-56-7890".into();
    phone_twin.email = None;
    phone_twin.address.line1 = "1 Elm St".into();
    phone_twin.address.zip = "75202".into();
    let tom = add_customer(&f.store, &phone_twin).await;
    let mut spouse = customer_input();
    spouse.given_name = "Luis".into();
    spouse.middle_name = None;
    spouse.ssn = "345-67-8901".into();
    spouse.email = Some("maria.gonzalez@example.com".into());
    add_customer(&f.store, &spouse).await;

    let v = check(&f.store, &id, scan(maria_licence(&[]))).await;
    let codes = flag_codes(&v);
    assert_eq!(v.outcome, CheckOutcome::NeedsReview);
    let ssn_flag = v
        .rules
        .iter()
        .find(|r| r.code == Some(FlagCode::SsnOnOtherCustomer))
        .expect("same SSN flagged");
    assert!(
        ssn_flag.reason.contains(rita.as_str()),
        "{}",
        ssn_flag.reason
    );
    let phone: Vec<_> = v
        .rules
        .iter()
        .filter(|r| r.code == Some(FlagCode::PhoneShared))
        .collect();
    assert_eq!(
        phone.len(),
        1,
        "Tom, not the spouse at the same address: {codes:?}"
    );
    assert!(
        phone[0].reason.contains(tom.as_str()),
        "{}",
        phone[0].reason
    );
    assert!(
        !codes.contains(&FlagCode::EmailShared),
        "only the spouse shares the e-mail: {codes:?}"
    );
    let check_of_rita = check(&f.store, &rita, scan(maria_licence(&[]))).await;
    assert!(
        !flag_codes(&check_of_rita).contains(&FlagCode::PhoneShared),
        "the customer is not compared with itself"
    );
}

async fn quillfeather(
    store: &dealerdesk_store::Store,
) -> (dealerdesk_rules::ids::CustomerId, VerificationView) {
    let mut input = customer_input();
    input.given_name = "Orsolya".into();
    input.middle_name = None;
    input.family_name = "Quillfeather".into();
    input.phone = "(972) 555-0142".into();
    input.email = None;
    input.ssn = "456-78-9012".into();
    let id = add_customer(store, &input).await;
    let v = check(
        store,
        &id,
        scan(maria_licence(&[
            ("DCS", "QUILLFEATHER"),
            ("DAC", "ORSOLYA"),
            ("DAD", ""),
        ])),
    )
    .await;
    (id, v)
}

#[tokio::test]
async fn a_listed_name_is_a_candidate_that_blocks_until_a_manager_clears_it() {
    let f = fresh().await;
    import_fixture(&f.store).await;
    let (id, v) = quillfeather(&f.store).await;
    assert_eq!(v.outcome, CheckOutcome::NeedsReview);
    let c = v
        .sanctions
        .candidates
        .iter()
        .find(|c| c.ent_num == 7001)
        .expect("entry 7001 is a candidate");
    assert!(c.score >= 0.88, "score {}", c.score);
    assert_eq!(c.program.as_deref(), Some("SDGT"));
    assert_eq!(c.dob_matches, Some(false), "born 1984, listed 1971");
    assert!(v.sanctions.top_score.is_some_and(|s| s >= 0.88));
    assert!(flag_codes(&v).contains(&FlagCode::SanctionsCandidate));
    let blocked = verify::can_start_application(&f.store, &id).await;
    match &blocked {
        Err(IdentityError::Blocked(b)) => assert!(
            b.blockers
                .iter()
                .any(|x| matches!(x, Blocker::UndecidedCandidates { ent_nums } if ent_nums.contains(&7001))),
            "{b:?}"
        ),
        other => panic!("blocked expected, got {other:?}"),
    }

    let sales = Actor::Staff(staff(&f.store, "sam", Role::Sales).await);
    let e = verify::clear_candidate(&f.store, &sales, &v.id, 7001, "different person", now()).await;
    assert!(matches!(e, Err(IdentityError::Forbidden(_))), "{e:?}");
    let fm = Actor::Staff(staff(&f.store, "fiona", Role::FinanceManager).await);
    let e = verify::clear_candidate(&f.store, &fm, &v.id, 7001, "", now()).await;
    assert!(
        matches!(&e, Err(IdentityError::Invalid { field, .. }) if field == "reason"),
        "a reason is mandatory: {e:?}"
    );
    let e = verify::clear_candidate(&f.store, &fm, &v.id, 9999, "x", now()).await;
    assert!(
        matches!(e, Err(IdentityError::CandidateNotFound(9999))),
        "{e:?}"
    );
    let mut v = v;
    for c in v.sanctions.candidates.clone() {
        v = verify::clear_candidate(
            &f.store,
            &fm,
            &v.id,
            c.ent_num,
            "born 1984 in Dallas, listed person born 1971 in Testland; passport seen",
            now(),
        )
        .await
        .expect("cleared");
    }
    assert_eq!(
        v.effective_outcome,
        CheckOutcome::Verified,
        "{:#?}",
        v.sanctions
    );
    assert_eq!(status(&f.store, &id).await, VerificationStatus::Verified);
    let still = verify::application_blockers(&f.store, &id)
        .await
        .expect("blockers");
    assert!(
        still
            .iter()
            .all(|b| matches!(b, Blocker::ContactNotConfirmed { .. })),
        "only the contact details remain: {still:?}"
    );
    verify::confirm_contact(
        &f.store,
        &sales,
        &id,
        &[ContactChannel::Phone, ContactChannel::Address],
        now(),
    )
    .await
    .expect("confirmed");
    verify::can_start_application(&f.store, &id)
        .await
        .expect("nothing blocks now");
    let audit = audit_rows(&f.store).await;
    let cleared = audit
        .iter()
        .find(|(a, o, _)| a == "identity.clear_candidate" && o == "success")
        .expect("the clearing is audited");
    let detail = cleared.2.clone().unwrap_or_default();
    assert!(
        detail.contains("7001") && detail.contains("version 1"),
        "{detail}"
    );
    assert!(
        !detail.contains("Testland"),
        "the note stays out of the audit: {detail}"
    );
    audit_ok(&f.store).await;
}

#[tokio::test]
async fn a_confirmed_match_fails_the_check_and_an_expired_licence_fails_it_too() {
    let f = fresh().await;
    import_fixture(&f.store).await;
    let (id, v) = quillfeather(&f.store).await;
    let fm = Actor::Staff(staff(&f.store, "fiona", Role::FinanceManager).await);
    let v = verify::confirm_candidate(
        &f.store,
        &fm,
        &v.id,
        7001,
        "same person: passport matches the listing",
        now(),
    )
    .await
    .expect("confirmed");
    assert_eq!(v.effective_outcome, CheckOutcome::Failed);
    assert_eq!(status(&f.store, &id).await, VerificationStatus::Failed);
    let e = verify::clear_candidate(&f.store, &fm, &v.id, 7001, "changed my mind", now()).await;
    assert!(
        matches!(e, Err(IdentityError::AlreadyDecided { .. })),
        "a decision is final: {e:?}"
    );
    let blockers = verify::application_blockers(&f.store, &id)
        .await
        .expect("b");
    assert!(
        blockers.iter().any(|b| matches!(b, Blocker::Failed { .. })),
        "{blockers:?}"
    );

    let maria = add_customer(&f.store, &customer_input()).await;
    let v = check(
        &f.store,
        &maria,
        scan(maria_licence(&[("DBA", "11242026")])),
    )
    .await;
    assert_eq!(v.outcome, CheckOutcome::Failed, "expired yesterday");
    let rule = v
        .rules
        .iter()
        .find(|r| r.code == Some(FlagCode::LicenceExpired))
        .expect("rule");
    assert_eq!(rule.status, RuleStatus::Fail);
    let e = verify::resolve_flag(&f.store, &fm, &v.id, FlagCode::LicenceExpired, "ok", now()).await;
    assert!(matches!(e, Err(IdentityError::NotResolvable(_))), "{e:?}");
    audit_ok(&f.store).await;
}

#[tokio::test]
async fn a_document_typed_by_hand_is_checked_and_validated() {
    let f = fresh().await;
    import_fixture(&f.store).await;
    let id = add_customer(&f.store, &customer_input()).await;
    let manual = |expiry: &str, dob: &str| CheckInput::ManualEntry {
        document_type: DocumentType::Passport,
        issuer: "USA".into(),
        number: "X12345678".into(),
        expiry: expiry.into(),
        dob: Some(dob.into()),
        issued: None,
    };
    let v = check(&f.store, &id, manual("2031-01-31", "03/09/1984")).await;
    assert_eq!(v.outcome, CheckOutcome::Verified, "{:#?}", v.rules);
    assert_eq!(v.document.number_masked.as_deref(), Some("•••••5678"));
    assert_eq!(
        serde_json::to_value(v.method).expect("json"),
        "manual_entry"
    );
    let v = check(&f.store, &id, manual("2031-01-31", "03/08/1984")).await;
    assert_eq!(flag_codes(&v), vec![FlagCode::LicenceDobMismatch]);
    let v = check(
        &f.store,
        &id,
        CheckInput::ManualEntry {
            document_type: DocumentType::DriversLicence,
            issuer: "TX".into(),
            number: "D7654321".into(),
            expiry: "2031-01-31".into(),
            dob: None,
            issued: None,
        },
    )
    .await;
    assert_eq!(
        flag_codes(&v),
        vec![FlagCode::DocumentNumberMismatch],
        "a licence number other than the one on file: {:#?}",
        v.rules
    );
    let reason = &v
        .rules
        .iter()
        .find(|r| r.code.is_some())
        .expect("flag")
        .reason;
    assert!(
        reason.contains("••••4321") && !reason.contains("D1234567"),
        "masked: {reason}"
    );
    let e = verify::run_check(
        &f.store,
        &cli_actor(),
        &id,
        &manual("not a date", "03/09/1984"),
        now(),
        today(),
    )
    .await;
    assert!(
        matches!(&e, Err(IdentityError::Invalid { field, .. }) if field == "expiry"),
        "{e:?}"
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_a_specific_error_and_changes_nothing() {
    let f = fresh().await;
    import_fixture(&f.store).await;
    let id = add_customer(&f.store, &customer_input()).await;
    let before = count(&f.store, "audit_log").await;
    let e = verify::run_check(
        &f.store,
        &cli_actor(),
        &dealerdesk_rules::ids::CustomerId::from("no-such-customer"),
        &scan(maria_licence(&[])),
        now(),
        today(),
    )
    .await;
    assert!(
        matches!(e, Err(IdentityError::CustomerNotFound(_))),
        "{e:?}"
    );
    for junk in ["", "hello, I am not a barcode", "@\n\x1e\rANSI 63"] {
        let e = verify::run_check(
            &f.store,
            &cli_actor(),
            &id,
            &scan(junk.to_string()),
            now(),
            today(),
        )
        .await;
        match e {
            Err(ref err @ IdentityError::Barcode(_)) => {
                assert_eq!(err.field(), Some("payload"), "names the field")
            }
            other => panic!("{junk:?}: a barcode error expected, got {other:?}"),
        }
    }
    let e = verify::latest_verification(
        &f.store,
        &cli_actor(),
        &dealerdesk_rules::ids::CustomerId::from("nobody"),
        now(),
    )
    .await;
    assert!(
        matches!(e, Err(IdentityError::CustomerNotFound(_))),
        "{e:?}"
    );
    let e = verify::resolve_flag(
        &f.store,
        &cli_actor(),
        &dealerdesk_rules::ids::IdentityCheckId::from("no-such-check"),
        FlagCode::PhoneShared,
        "x",
        now(),
    )
    .await;
    assert!(matches!(e, Err(IdentityError::CheckNotFound(_))), "{e:?}");
    assert_eq!(count(&f.store, "identity_check").await, 0, "no record");
    assert_eq!(
        count(&f.store, "identity_resolution").await,
        0,
        "no resolution"
    );
    assert_eq!(
        count(&f.store, "audit_log").await,
        before,
        "nothing audited for refused input"
    );
    assert_eq!(status(&f.store, &id).await, VerificationStatus::NotChecked);
    assert_eq!(
        verify::latest_verification(&f.store, &cli_actor(), &id, now())
            .await
            .expect("reads"),
        None
    );
}

#[tokio::test]
async fn contact_confirmation_shows_a_later_change_and_an_identity_edit_makes_the_check_stale() {
    let f = fresh().await;
    import_fixture(&f.store).await;
    let mut input = customer_input();
    input.email = None;
    let id = add_customer(&f.store, &input).await;
    let states = |v: &[verify::ContactStatusView]| -> Vec<(ContactChannel, ContactState)> {
        v.iter().map(|c| (c.channel, c.state)).collect()
    };
    let s = verify::contact_status(&f.store, &id).await.expect("status");
    assert_eq!(
        states(&s),
        vec![
            (ContactChannel::Phone, ContactState::Unconfirmed),
            (ContactChannel::Email, ContactState::NotOnFile),
            (ContactChannel::Address, ContactState::Unconfirmed),
        ]
    );
    let e =
        verify::confirm_contact(&f.store, &cli_actor(), &id, &[ContactChannel::Email], now()).await;
    assert!(
        matches!(&e, Err(IdentityError::Invalid { field, .. }) if field == "channels"),
        "no e-mail to confirm: {e:?}"
    );
    let sales = Actor::Staff(staff(&f.store, "sam", Role::Sales).await);
    let s = verify::confirm_contact(
        &f.store,
        &sales,
        &id,
        &[ContactChannel::Phone, ContactChannel::Address],
        now(),
    )
    .await
    .expect("confirmed");
    assert_eq!(s[0].state, ContactState::Confirmed);
    assert_eq!(s[0].confirmed_by.as_deref(), Some("staff:sam"));
    assert!(s[0].confirmed_at.is_some(), "dated");
    let stored: Vec<String> = sqlx::query_scalar("SELECT fingerprint FROM contact_confirmation")
        .fetch_all(f.store.pool())
        .await
        .expect("rows");
    assert!(
        stored
            .iter()
            .all(|fp| !fp.contains("2145550187") && fp.len() == 64),
        "a keyed fingerprint, not the value"
    );
    let v = check(&f.store, &id, scan(maria_licence(&[]))).await;
    assert_eq!(v.status, VerificationStatus::Verified);

    let mut edit = input.clone();
    edit.phone = "(214) 555-0199".into();
    customer::update(
        &f.store,
        &cli_actor(),
        &id,
        &update_of(edit.clone()),
        now(),
        today(),
    )
    .await
    .expect("updated");
    let s = verify::contact_status(&f.store, &id).await.expect("status");
    assert_eq!(s[0].state, ContactState::ChangedSinceConfirmation, "{s:?}");
    assert_eq!(
        s[2].state,
        ContactState::Confirmed,
        "the address did not change"
    );
    assert_eq!(
        status(&f.store, &id).await,
        VerificationStatus::Verified,
        "a phone change does not touch the identity check"
    );
    let blockers = verify::application_blockers(&f.store, &id)
        .await
        .expect("b");
    assert_eq!(
        blockers,
        vec![Blocker::ContactNotConfirmed {
            channel: ContactChannel::Phone,
            state: ContactState::ChangedSinceConfirmation
        }]
    );

    edit.address.line1 = "12 New Rd".into();
    customer::update(
        &f.store,
        &cli_actor(),
        &id,
        &update_of(edit),
        now(),
        today(),
    )
    .await
    .expect("moved");
    assert_eq!(
        status(&f.store, &id).await,
        VerificationStatus::NeedsReview,
        "the address checked has changed"
    );
    let v = verify::latest_verification(&f.store, &cli_actor(), &id, now())
        .await
        .expect("reads")
        .expect("a record");
    assert!(v.stale, "stale");
    let blockers = verify::application_blockers(&f.store, &id)
        .await
        .expect("b");
    assert!(blockers.contains(&Blocker::Stale), "{blockers:?}");
    assert!(
        audit_rows(&f.store)
            .await
            .iter()
            .any(|(a, _, d)| a == "identity.confirm_contact"
                && d.as_deref() == Some("confirmed phone, address")),
        "confirmation audited by channel name only"
    );
    audit_ok(&f.store).await;
}

#[test]
fn identity_check_show_and_resolve_work_from_the_cli() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("x.db");
    assert_eq!(code(&dd_input(&db, &["init"], None)), 0, "init");
    let (sdn, alt, add) = (fixture("sdn.csv"), fixture("alt.csv"), fixture("add.csv"));
    let o = dd_input(
        &db,
        &[
            "sanctions",
            "import",
            "--sdn",
            &sdn.to_string_lossy(),
            "--alt",
            &alt.to_string_lossy(),
            "--add",
            &add.to_string_lossy(),
        ],
        None,
    );
    assert_eq!(code(&o), 0, "import");
    let o = dd_input(
        &db,
        &[
            "customer",
            "add",
            "--given",
            "Maria",
            "--family",
            "Gonzalez",
            "--dob",
            "03/09/1984",
            "--ssn",
            "123-45-6789",
            "--phone",
            "2145550187",
            "--income",
            "5000",
            "--line1",
            "4821 Lakeview Dr",
            "--city",
            "Dallas",
            "--state",
            "TX",
            "--zip",
            "75201",
            "--since",
            "2020-01-01",
            "--json",
        ],
        None,
    );
    assert_eq!(
        code(&o),
        0,
        "customer add: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let id = json(&o)["customer"]["id"].as_str().expect("id").to_string();

    let o = dd_input(&db, &["identity", "show", &id, "--json"], None);
    assert_eq!(code(&o), 0);
    assert_eq!(json(&o)["status"], "not_checked");

    let payload = maria_licence(&[("DBB", "03101984"), ("DAD", "")]);
    let o = dd_input(
        &db,
        &["identity", "check", &id, "--licence-file", "-", "--json"],
        Some(payload.as_bytes()),
    );
    assert_eq!(code(&o), 0, "check: {}", String::from_utf8_lossy(&o.stdout));
    let j = json(&o);
    assert_eq!(j["effective_outcome"], "needs_review", "{j}");
    assert_eq!(j["sanctions"]["list_version"], 1, "{j}");
    let record = j["id"].as_str().expect("record id").to_string();

    let o = dd_input(
        &db,
        &[
            "identity",
            "resolve-flag",
            &record,
            "no_such_code",
            "--note",
            "x",
            "--json",
        ],
        None,
    );
    assert_eq!(code(&o), 3, "an unknown code is invalid input");
    assert_eq!(json(&o)["error"]["field"], "code");
    let o = dd_input(
        &db,
        &[
            "identity",
            "clear-candidate",
            &record,
            "7001",
            "--reason",
            "x",
            "--json",
        ],
        None,
    );
    assert_eq!(code(&o), 4, "no such candidate on this check");
    let o = dd_input(
        &db,
        &[
            "identity",
            "resolve-flag",
            &record,
            "licence_dob_mismatch",
            "--note",
            "date on file corrected with the customer",
            "--json",
        ],
        None,
    );
    assert_eq!(
        code(&o),
        0,
        "resolve: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(json(&o)["effective_outcome"], "verified");
    let o = dd_input(
        &db,
        &[
            "identity",
            "resolve-flag",
            &record,
            "licence_dob_mismatch",
            "--note",
            "again",
        ],
        None,
    );
    assert_eq!(code(&o), 7, "already decided is a conflict");

    let o = dd_input(
        &db,
        &[
            "identity",
            "confirm-contact",
            &id,
            "--channel",
            "phone",
            "--channel",
            "address",
            "--json",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "confirm contact");
    let o = dd_input(&db, &["identity", "show", &id, "--json"], None);
    let j = json(&o);
    assert_eq!(j["status"], "verified", "{j}");
    assert_eq!(j["verification"]["id"], record.as_str());
    assert_eq!(j["blockers"], serde_json::json!([]), "{j}");

    let o = dd_input(
        &db,
        &[
            "identity",
            "check",
            &id,
            "--document-type",
            "passport",
            "--issuer",
            "USA",
            "--number",
            "X1234567",
            "--expiry",
            "2030-01-01",
            "--json",
        ],
        None,
    );
    assert_eq!(
        code(&o),
        0,
        "manual check: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(json(&o)["method"], "manual_entry");
    let o = dd_input(&db, &["identity", "check", &id, "--json"], None);
    assert_eq!(code(&o), 2, "neither a barcode nor a document");
    let junk = dir.path().join("junk.txt");
    std::fs::write(&junk, "not a barcode").expect("write");
    let o = dd_input(
        &db,
        &[
            "identity",
            "check",
            &id,
            "--licence-file",
            &junk.to_string_lossy(),
            "--json",
        ],
        None,
    );
    assert_eq!(code(&o), 3, "not a barcode");
    assert_eq!(json(&o)["error"]["field"], "payload");
    let o = dd_input(
        &db,
        &[
            "identity",
            "check",
            "nobody",
            "--licence-file",
            &junk.to_string_lossy(),
        ],
        None,
    );
    assert_eq!(
        code(&o),
        3,
        "the barcode is read before the customer is looked up"
    );
    let o = dd_input(&db, &["identity", "show", "nobody"], None);
    assert_eq!(code(&o), 4, "unknown customer");
    assert_eq!(
        code(&dd_input(&db, &["audit", "verify"], None)),
        0,
        "the audit chain holds"
    );
}

/// `verification_status` (the gate links are issued behind) reads the latest check in one query;
/// it must say what the full verification record says, for every kind of customer the demo
/// holds (verified, to review, failed, never checked).
#[tokio::test]
async fn the_status_gate_agrees_with_the_full_record_for_every_demo_customer() {
    let f = fresh().await;
    dealerdesk_services::demo::fill(&f.store, 2026, 60, now(), crate::support::today())
        .await
        .expect("demo");
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM customer ORDER BY id")
        .fetch_all(f.store.pool())
        .await
        .expect("customers");
    let mut seen = std::collections::BTreeSet::new();
    for id in &ids {
        seen.insert(format!(
            "{:?}",
            status(
                &f.store,
                &dealerdesk_rules::ids::CustomerId::from(id.as_str())
            )
            .await
        ));
    }
    assert!(
        seen.len() >= 2,
        "the demo should hold customers in several states: {seen:?}"
    );
    audit_ok(&f.store).await;
}

/// The customer's status by the gate, checked against the full verification record (the other
/// states, resolutions and staleness are reached by the tests that call this).
async fn status(
    store: &dealerdesk_store::Store,
    id: &dealerdesk_rules::ids::CustomerId,
) -> VerificationStatus {
    let gate = verify::verification_status(store, id)
        .await
        .expect("status");
    let full = verify::latest_verification(store, &cli_actor(), id, now())
        .await
        .expect("record")
        .map_or(VerificationStatus::NotChecked, |v| v.status);
    assert_eq!(gate, full, "the gate and the full record disagree for {id}");
    gate
}
