//! Identity checks on real database files: sanctions list import (versions, atomicity, audit),
//! screening with spelling variants, and the `identity` / `sanctions` CLI.

use crate::support::{code, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use dealerdesk::audit;
use dealerdesk::identity::aamva::build_payload;
use dealerdesk::identity::sanctions::{self, ListFiles, SanctionsError, DEFAULT_THRESHOLD};

use crate::support::{cli_actor, fresh, now};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ofac")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).expect("fixture exists")
}

async fn import_fixture(store: &dealerdesk::store::Store) -> sanctions::ImportSummary {
    let (sdn, alt, add) = (read("sdn.csv"), read("alt.csv"), read("add.csv"));
    let files = ListFiles {
        sdn: ("sdn.csv", &sdn),
        alt: Some(("alt.csv", &alt)),
        add: Some(("add.csv", &add)),
    };
    sanctions::import(store, &cli_actor(), &files, None, now())
        .await
        .expect("the fixture imports")
}

async fn count(store: &dealerdesk::store::Store, table: &str) -> i64 {
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

fn dd(db: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dealerdesk"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("DEALERDESK_DB")
        .env_remove("DEALERDESK_KEY_FILE")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dealerdesk");
    if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(data).expect("write stdin");
    }
    child.wait_with_output().expect("dealerdesk finishes")
}

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
        let o = dd(&db, &["identity", "ssn", number, "--json"], None);
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
        let o = dd(&db, &args, stdin);
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
    let o = dd(
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
    let o = dd(
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
    assert_eq!(code(&dd(&db, &["init"], None)), 0, "init");
    let o = dd(&db, &["sanctions", "screen", "John Smith", "--json"], None);
    assert_eq!(code(&o), 4, "no list imported yet");

    let (sdn, alt, add) = (fixture("sdn.csv"), fixture("alt.csv"), fixture("add.csv"));
    let (sdn, alt, add) = (
        sdn.to_string_lossy(),
        alt.to_string_lossy(),
        add.to_string_lossy(),
    );
    let o = dd(
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

    let o = dd(
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

    let o = dd(
        &db,
        &["sanctions", "screen", "Maria Garcia", "--json"],
        None,
    );
    assert_eq!(json(&o)["matches"], serde_json::json!([]), "no candidates");
    let o = dd(&db, &["sanctions", "screen", "?!", "--json"], None);
    assert_eq!(code(&o), 3, "a name of only punctuation is invalid input");

    let bad = dir.path().join("sdn.csv");
    std::fs::write(&bad, b"7001,\"QUILLFEATHER, Orsolya\",\"individual\"\r\n").expect("write bad");
    let o = dd(
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
    let o = dd(
        &db,
        &["sanctions", "screen", "Orsolya Quillfeather", "--json"],
        None,
    );
    assert_eq!(json(&o)["list_version"], 1, "version 1 still in force");
    assert_eq!(
        code(&dd(&db, &["audit", "verify"], None)),
        0,
        "the audit chain holds"
    );
}
