//! Temporary access links: issuing, states, single use under a race, knowledge check, revocation,
//! rate limiting, hash-only storage; the outbox; the portal over real HTTP.

use std::collections::HashSet;

use chrono::Duration;
use dealerdesk_portal::{LinkLimiter, RedeemWriter};
use dealerdesk_services::auth::{Actor, Role};
use dealerdesk_services::customer;
use dealerdesk_services::links::{
    self, KnowledgeAnswer, LinkError, LinkPurpose, LinkState, PurposeTtl, RedeemRequest,
};
use dealerdesk_store::audit::{self, AuditFilter};
use dealerdesk_store::Store;

use crate::support::desk::customer_input;
use crate::support::links::{customer_id, issue_input};
use crate::support::{cli_actor, dd, fresh, now, staff, today};

pub fn right_answer() -> KnowledgeAnswer {
    KnowledgeAnswer {
        dob: "03/09/1984".into(),
        zip: "75201".into(),
    }
}

fn wrong_answer() -> KnowledgeAnswer {
    KnowledgeAnswer {
        dob: "03/09/1985".into(),
        zip: "75201".into(),
    }
}

fn token_of(url: &str) -> String {
    links::token_from(url).expect("token in url").to_string()
}

async fn actions(store: &Store) -> Vec<(String, String)> {
    let page = audit::list(
        store.pool(),
        &AuditFilter {
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .expect("audit list");
    page.items
        .into_iter()
        .map(|e| (e.action, e.outcome.as_str().to_string()))
        .collect()
}

#[test]
fn a_million_tokens_are_43_base64url_characters_and_all_different() {
    let mut seen = HashSet::with_capacity(1_000_000);
    for _ in 0..1_000_000 {
        let t = links::generate_token();
        assert_eq!(t.len(), 43, "256 bits in base64url without padding");
        assert!(
            t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "base64url alphabet: {t}"
        );
        assert!(seen.insert(t), "no token repeats");
    }
}

#[tokio::test]
async fn issuing_returns_the_url_once_and_stores_only_the_hash() {
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let sales = Actor::Staff(staff(&f.store, "sam", Role::Sales).await);
    let mut tokens = Vec::new();
    for purpose in LinkPurpose::ALL {
        if *purpose == LinkPurpose::RemoteSigning {
            // Bound to a contract: issued by `issue_remote_signing` (tests/it/remote.rs).
            let e = links::issue(&f.store, &sales, &issue_input(&cid, *purpose), now())
                .await
                .expect_err("a remote signing link needs its contract");
            assert_eq!(e.field(), Some("document_id"), "{e}");
            continue;
        }
        let issued = links::issue(&f.store, &sales, &issue_input(&cid, *purpose), now())
            .await
            .expect("issued");
        assert_eq!(issued.purpose, *purpose);
        assert!(issued.url.contains("/l/"), "{}", issued.url);
        assert_eq!(
            issued.expires_at,
            dealerdesk_store::ts(now() + Duration::hours(72)),
            "72 h by default"
        );
        assert!(
            !format!("{issued:?}").contains(&token_of(&issued.url)),
            "Debug hides the token"
        );
        tokens.push(token_of(&issued.url));
    }
    let listed = links::list(
        &f.store,
        &sales,
        Some(&dealerdesk_rules::ids::CustomerId::from(cid.as_str())),
        now(),
    )
    .await
    .expect("list");
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().all(|l| l.state == LinkState::Issued));
    assert!(listed.iter().all(|l| l.issued_by == "staff:sam"));
    // A customer-side failure writes the audit log too (with a token in hand).
    let _ = links::open(&f.store, &tokens[0][..42], "10.0.0.9", now()).await;
    let path = f.db_path();
    f.store.close().await;
    let mut bytes = std::fs::read(&path).expect("db file");
    if let Ok(wal) = std::fs::read(path.with_extension("db-wal")) {
        bytes.extend(wal);
    }
    for t in &tokens {
        assert!(
            !bytes.windows(t.len()).any(|w| w == t.as_bytes()),
            "the token is not in the database file"
        );
        assert!(
            !bytes.windows(20).any(|w| w == &t.as_bytes()[..20]),
            "not even its first 20 characters"
        );
    }
}

#[tokio::test]
async fn issuing_needs_an_existing_customer_and_a_ttl_within_bounds() {
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let a = cli_actor();
    assert!(matches!(
        links::issue(
            &f.store,
            &a,
            &issue_input("nobody", LinkPurpose::ConfirmContact),
            now()
        )
        .await,
        Err(LinkError::CustomerNotFound(_))
    ));
    for minutes in [1, 30 * 24 * 60 + 1] {
        let mut input = issue_input(&cid, LinkPurpose::ConfirmContact);
        input.ttl_minutes = Some(minutes);
        let e = links::issue(&f.store, &a, &input, now()).await.unwrap_err();
        assert_eq!(e.field(), Some("ttl"), "{minutes} min refused");
    }
    // An admin changes the default of one purpose.
    links::set_settings(
        &f.store,
        &a,
        Some("http://desk-3.local:8080/"),
        &[PurposeTtl {
            purpose: LinkPurpose::UploadDocuments,
            minutes: 24 * 60,
        }],
        now(),
    )
    .await
    .expect("settings");
    let issued = links::issue(
        &f.store,
        &a,
        &issue_input(&cid, LinkPurpose::UploadDocuments),
        now(),
    )
    .await
    .expect("issued");
    assert!(issued.url.starts_with("http://desk-3.local:8080/l/"));
    assert_eq!(
        issued.expires_at,
        dealerdesk_store::ts(now() + Duration::hours(24))
    );
    let sales = Actor::Staff(staff(&f.store, "sam", Role::Sales).await);
    assert!(matches!(
        links::set_settings(&f.store, &sales, Some("http://x:1"), &[], now()).await,
        Err(LinkError::Forbidden)
    ));
}

#[tokio::test]
async fn a_link_expires_by_the_injected_clock() {
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let a = cli_actor();
    let mut input = issue_input(&cid, LinkPurpose::ConfirmContact);
    input.ttl_minutes = Some(60);
    let issued = links::issue(&f.store, &a, &input, now())
        .await
        .expect("issued");
    let token = token_of(&issued.url);
    let before = now() + Duration::minutes(59);
    let after = now() + Duration::minutes(60);
    let c = links::check(&f.store, &a, &issued.url, before)
        .await
        .expect("check");
    assert!(c.valid);
    assert_eq!(c.state, Some(LinkState::Issued));
    links::open(&f.store, &token, "10.0.0.2", before)
        .await
        .expect("opens before expiry");
    let c = links::check(&f.store, &a, &token, before)
        .await
        .expect("check");
    assert_eq!(c.state, Some(LinkState::Opened), "check does not consume");
    assert!(matches!(
        links::open(&f.store, &token, "10.0.0.2", after).await,
        Err(LinkError::Unusable)
    ));
    assert!(matches!(
        links::redeem(&f.store, &token, &right_answer(), "10.0.0.2", after).await,
        Err(LinkError::Unusable)
    ));
    let c = links::check(&f.store, &a, &token, after)
        .await
        .expect("check");
    assert!(!c.valid);
    assert_eq!(c.state, Some(LinkState::Expired));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_redemptions_of_one_link_give_exactly_one_session() {
    fifty_concurrent_redemptions(false).await;
}

/// The same through the portal's redemption writer, which commits them in batches.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_redemptions_through_the_writer_give_exactly_one_session() {
    fifty_concurrent_redemptions(true).await;
}

async fn fifty_concurrent_redemptions(through_writer: bool) {
    let f = fresh().await;
    let writer = through_writer.then(|| RedeemWriter::new(f.store.clone()));
    let cid = customer_id(&f.store).await;
    let issued = links::issue(
        &f.store,
        &cli_actor(),
        &issue_input(&cid, LinkPurpose::PortalOnboarding),
        now(),
    )
    .await
    .expect("issued");
    let token = token_of(&issued.url);
    let mut tasks = Vec::new();
    for i in 0..50 {
        let store = f.store.clone();
        let token = token.clone();
        let writer = writer.clone();
        tasks.push(tokio::spawn(async move {
            let client = format!("10.0.1.{i}");
            match writer {
                Some(w) => w.redeem(request(&token, right_answer(), &client)).await,
                None => links::redeem(&store, &token, &right_answer(), &client, now()).await,
            }
        }));
    }
    let mut ok = 0;
    let mut unusable = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(_) => ok += 1,
            Err(LinkError::Unusable) => unusable += 1,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!((ok, unusable), (1, 49));
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM portal_session")
        .fetch_one(f.store.pool())
        .await
        .expect("count");
    assert_eq!(sessions, 1);
    let l = links::get(&f.store, &issued.id, now()).await.expect("get");
    assert_eq!(l.state, LinkState::Redeemed);
    let acts = actions(&f.store).await;
    assert_eq!(
        acts.iter()
            .filter(|(a, o)| a == "link.redeem" && o == "success")
            .count(),
        1
    );
    assert_eq!(
        acts.iter()
            .filter(|(a, o)| a == "link.redeem" && o == "failure")
            .count(),
        49,
        "every refused redemption is on record"
    );
    assert!(audit::verify(&f.store).await.expect("verify").ok);
}

fn request(token: &str, answer: KnowledgeAnswer, client: &str) -> RedeemRequest {
    RedeemRequest {
        token: token.to_string(),
        answer,
        client: client.to_string(),
        now: now(),
    }
}

/// One batch of the group commit, set-based (as the writer runs it) or with each request in its
/// own savepoint (the fallback): both must give the answers of one transaction per request.
async fn batch(
    store: &Store,
    savepoints: bool,
    requests: &[RedeemRequest],
) -> Vec<Result<links::Redemption, LinkError>> {
    if savepoints {
        links::redeem_batch_in_savepoints(store, requests).await
    } else {
        links::redeem_batch_set_based(store, requests).await
    }
}

#[tokio::test]
async fn one_batch_with_two_redemptions_of_a_link_and_wrong_answers_gives_one_session() {
    for savepoints in [false, true] {
        let f = fresh().await;
        let cid = customer_id(&f.store).await;
        let input = issue_input(&cid, LinkPurpose::PortalOnboarding);
        let a = links::issue(&f.store, &cli_actor(), &input, now())
            .await
            .expect("a");
        let b = links::issue(&f.store, &cli_actor(), &input, now())
            .await
            .expect("b");
        let (ta, tb) = (token_of(&a.url), token_of(&b.url));
        let before = actions(&f.store).await.len();
        let results = batch(
            &f.store,
            savepoints,
            &[
                request(&ta, wrong_answer(), "10.0.2.1"),
                request(&ta, right_answer(), "10.0.2.2"),
                request(&ta, right_answer(), "10.0.2.3"),
                request(&tb, wrong_answer(), "10.0.2.4"),
                request("not-a-token", right_answer(), "10.0.2.5"),
            ],
        )
        .await;
        assert_eq!(results.len(), 5);
        assert!(
            matches!(
                results[0],
                Err(LinkError::KnowledgeCheckFailed { remaining: 2 })
            ),
            "savepoints {savepoints}: {:?}",
            results[0]
        );
        let session = results[1].as_ref().expect("the first right answer redeems");
        assert_eq!(session.link_id, a.id);
        assert!(
            matches!(results[2], Err(LinkError::Unusable)),
            "the second redemption in the batch finds the link used: {:?}",
            results[2]
        );
        assert!(matches!(
            results[3],
            Err(LinkError::KnowledgeCheckFailed { remaining: 2 })
        ));
        assert!(matches!(results[4], Err(LinkError::Unusable)));

        let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM portal_session")
            .fetch_one(f.store.pool())
            .await
            .expect("count");
        assert_eq!(sessions, 1, "exactly one session");
        let la = links::get(&f.store, &a.id, now()).await.expect("a");
        assert_eq!((la.state, la.failed_checks), (LinkState::Redeemed, 1));
        let lb = links::get(&f.store, &b.id, now()).await.expect("b");
        assert_eq!((lb.state, lb.failed_checks), (LinkState::Issued, 1));
        let journal: Vec<(String, i64)> = sqlx::query_as(
            "SELECT row_id, COUNT(*) FROM change_log WHERE table_name = 'access_link' AND op = 'update' GROUP BY row_id ORDER BY row_id",
        )
        .fetch_all(f.store.pool())
        .await
        .expect("journal");
        let mut expected = vec![(a.id.clone(), 2), (b.id.clone(), 1)];
        expected.sort();
        assert_eq!(journal, expected, "one journal row per change");
        let seqs: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT change_seq, (SELECT MAX(seq) FROM change_log c WHERE c.row_id = l.id) FROM access_link l",
        )
        .fetch_all(f.store.pool())
        .await
        .expect("seqs");
        assert!(seqs.iter().all(|(on_row, last)| on_row == last), "{seqs:?}");

        let acts = actions(&f.store).await;
        let mut batch_acts: Vec<(String, String)> = acts[..acts.len() - before].to_vec();
        batch_acts.reverse();
        let pair = |a: &str, o: &str| (a.to_string(), o.to_string());
        assert_eq!(
            batch_acts,
            vec![
                pair("link.knowledge_check", "failure"),
                pair("link.redeem", "success"),
                pair("link.redeem", "failure"),
                pair("link.knowledge_check", "failure"),
                pair("link.redeem", "failure"),
            ],
            "every attempt of the batch is in the audit chain, in order"
        );
        let report = audit::verify(&f.store).await.expect("verify");
        assert!(report.ok, "{report:?}");
    }
}

#[tokio::test]
async fn three_wrong_answers_in_one_batch_burn_the_link_before_the_right_one() {
    for savepoints in [false, true] {
        let f = fresh().await;
        let cid = customer_id(&f.store).await;
        let input = issue_input(&cid, LinkPurpose::ConfirmContact);
        let l = links::issue(&f.store, &cli_actor(), &input, now())
            .await
            .expect("issued");
        let t = token_of(&l.url);
        let results = batch(
            &f.store,
            savepoints,
            &[
                request(&t, wrong_answer(), "c"),
                request(&t, wrong_answer(), "c"),
                request(&t, wrong_answer(), "c"),
                request(&t, right_answer(), "c"),
            ],
        )
        .await;
        let remaining: Vec<Option<u32>> = results
            .iter()
            .map(|r| match r {
                Err(LinkError::KnowledgeCheckFailed { remaining }) => Some(*remaining),
                _ => None,
            })
            .collect();
        assert_eq!(remaining, vec![Some(2), Some(1), Some(0), None]);
        assert!(matches!(results[3], Err(LinkError::Unusable)));
        let view = links::get(&f.store, &l.id, now()).await.expect("get");
        assert_eq!(view.state, LinkState::Revoked);
        assert_eq!(view.revoke_reason.as_deref(), Some("knowledge_check"));
        assert_eq!(view.failed_checks, 3);
        let acts = actions(&f.store).await;
        assert_eq!(
            acts[..2].to_vec(),
            vec![
                ("link.redeem".to_string(), "failure".to_string()),
                ("link.burn".to_string(), "success".to_string()),
            ]
        );
        assert!(audit::verify(&f.store).await.expect("verify").ok);
    }
}

#[tokio::test]
async fn a_revoked_link_cannot_be_used_and_revoking_again_is_harmless() {
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let a = cli_actor();
    let issued = links::issue(
        &f.store,
        &a,
        &issue_input(&cid, LinkPurpose::ConfirmContact),
        now(),
    )
    .await
    .expect("issued");
    let token = token_of(&issued.url);
    let v = links::revoke(&f.store, &a, &issued.id, now())
        .await
        .expect("revoke");
    assert_eq!(v.state, LinkState::Revoked);
    assert_eq!(v.revoke_reason.as_deref(), Some("staff"));
    let again = links::revoke(&f.store, &a, &issued.id, now())
        .await
        .expect("again");
    assert_eq!(again.revoked_at, v.revoked_at);
    assert!(matches!(
        links::revoke(&f.store, &a, "no-such-link", now()).await,
        Err(LinkError::NotFound(_))
    ));
    assert!(matches!(
        links::open(&f.store, &token, "10.0.0.3", now()).await,
        Err(LinkError::Unusable)
    ));
    assert!(matches!(
        links::redeem(&f.store, &token, &right_answer(), "10.0.0.3", now()).await,
        Err(LinkError::Unusable)
    ));
    let c = links::check(&f.store, &a, &token, now())
        .await
        .expect("check");
    assert_eq!((c.valid, c.state), (false, Some(LinkState::Revoked)));
}

#[tokio::test]
async fn revoking_a_redeemed_link_ends_its_portal_session() {
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let a = cli_actor();
    let issued = links::issue(
        &f.store,
        &a,
        &issue_input(&cid, LinkPurpose::ConfirmContact),
        now(),
    )
    .await
    .expect("issued");
    let r = links::redeem(
        &f.store,
        &token_of(&issued.url),
        &right_answer(),
        "c",
        now(),
    )
    .await
    .expect("redeemed");
    assert!(links::portal_session(&f.store, &r.session_token, now())
        .await
        .is_ok());
    links::revoke(&f.store, &a, &issued.id, now())
        .await
        .expect("revoke");
    assert!(matches!(
        links::portal_session(&f.store, &r.session_token, now()).await,
        Err(LinkError::SessionEnded)
    ));
}

#[tokio::test]
async fn three_failed_knowledge_checks_burn_the_link() {
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let issued = links::issue(
        &f.store,
        &cli_actor(),
        &issue_input(&cid, LinkPurpose::PortalOnboarding),
        now(),
    )
    .await
    .expect("issued");
    let token = token_of(&issued.url);
    let wrong_zip = KnowledgeAnswer {
        dob: "1984-03-09".into(),
        zip: "75202".into(),
    };
    for (answer, left) in [(wrong_answer(), 2), (wrong_zip, 1), (wrong_answer(), 0)] {
        match links::redeem(&f.store, &token, &answer, "10.0.0.4", now()).await {
            Err(LinkError::KnowledgeCheckFailed { remaining }) => assert_eq!(remaining, left),
            other => panic!("expected a failed check, got {other:?}"),
        }
    }
    assert!(
        matches!(
            links::redeem(&f.store, &token, &right_answer(), "10.0.0.4", now()).await,
            Err(LinkError::Unusable)
        ),
        "the right answer is too late: the link is burned"
    );
    let l = links::get(&f.store, &issued.id, now()).await.expect("get");
    assert_eq!(l.state, LinkState::Revoked);
    assert_eq!(l.revoke_reason.as_deref(), Some("knowledge_check"));
    assert_eq!(l.failed_checks, 3);
    let acts = actions(&f.store).await;
    assert!(acts.contains(&("link.burn".into(), "success".into())));
    assert_eq!(
        acts.iter()
            .filter(|(a, _)| a == "link.knowledge_check")
            .count(),
        3
    );
}

#[tokio::test]
async fn the_right_answer_redeems_in_either_date_format_with_zip_plus_four() {
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let issued = links::issue(
        &f.store,
        &cli_actor(),
        &issue_input(&cid, LinkPurpose::ConfirmContact),
        now(),
    )
    .await
    .expect("issued");
    let answer = KnowledgeAnswer {
        dob: " 1984-03-09 ".into(),
        zip: "75201-1234".into(),
    };
    let r = links::redeem(&f.store, &token_of(&issued.url), &answer, "c", now())
        .await
        .expect("redeemed");
    assert_eq!(r.customer_id, cid);
    assert_eq!(r.purpose, LinkPurpose::ConfirmContact);
    assert!(!format!("{r:?}").contains(&r.session_token));
}

#[tokio::test]
async fn malformed_and_unknown_tokens_get_the_same_answer() {
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let a = cli_actor();
    links::issue(
        &f.store,
        &a,
        &issue_input(&cid, LinkPurpose::ConfirmContact),
        now(),
    )
    .await
    .expect("issued");
    let unknown = links::generate_token();
    let long = "A".repeat(10_000);
    for bad in [
        "",
        "abc",
        "' OR 1=1 --",
        &unknown,
        &format!("{}!", &unknown[..42]),
        &format!("{unknown}A"),
        &long,
        "%00%00",
        "ÄÖÜÄÖÜÄÖÜÄÖÜÄÖÜÄÖÜÄÖÜÄÖÜÄÖÜÄÖÜÄÖÜÄÖÜÄÖÜÄÖÜÄ",
    ] {
        assert!(
            matches!(
                links::open(&f.store, bad, "c", now()).await,
                Err(LinkError::Unusable)
            ),
            "{bad:?}"
        );
        assert!(matches!(
            links::redeem(&f.store, bad, &right_answer(), "c", now()).await,
            Err(LinkError::Unusable)
        ));
        let c = links::check(&f.store, &a, bad, now()).await.expect("check");
        assert_eq!(
            (c.valid, c.state, c.purpose),
            (false, None, None),
            "{bad:?}"
        );
    }
}

#[test]
fn attempts_are_rate_limited_per_token_and_per_client() {
    let limiter = LinkLimiter::new(3, 5, Duration::minutes(10));
    let t = now();
    let token = links::generate_token();
    for _ in 0..3 {
        limiter
            .check(&token, "10.0.0.1", t)
            .expect("within the limit");
    }
    assert!(
        matches!(
            limiter.check(&token, "10.0.0.2", t),
            Err(LinkError::RateLimited)
        ),
        "the token's limit holds whatever the client"
    );
    // Per client: 5 attempts on different tokens, then refused.
    let limiter = LinkLimiter::new(3, 5, Duration::minutes(10));
    for _ in 0..5 {
        limiter
            .check(&links::generate_token(), "10.0.0.7", t)
            .expect("within the limit");
    }
    assert!(matches!(
        limiter.check(&links::generate_token(), "10.0.0.7", t),
        Err(LinkError::RateLimited)
    ));
    assert!(
        limiter
            .check(
                &links::generate_token(),
                "10.0.0.7",
                t + Duration::minutes(10)
            )
            .is_ok(),
        "a new window starts afresh"
    );
}

#[tokio::test]
async fn issue_view_redeem_failure_and_revoke_are_audited_without_the_token() {
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let a = cli_actor();
    let i1 = links::issue(
        &f.store,
        &a,
        &issue_input(&cid, LinkPurpose::ConfirmContact),
        now(),
    )
    .await
    .expect("issued");
    let t1 = token_of(&i1.url);
    links::open(&f.store, &t1, "c", now()).await.expect("open");
    let _ = links::redeem(&f.store, &t1, &wrong_answer(), "c", now()).await;
    links::redeem(&f.store, &t1, &right_answer(), "c", now())
        .await
        .expect("redeem");
    links::revoke(&f.store, &a, &i1.id, now())
        .await
        .expect("revoke");
    let acts = actions(&f.store).await;
    for want in [
        ("link.issue", "success"),
        ("link.view", "success"),
        ("link.knowledge_check", "failure"),
        ("link.redeem", "success"),
        ("link.revoke", "success"),
    ] {
        assert!(
            acts.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} in {acts:?}"
        );
    }
    let page = audit::list(
        f.store.pool(),
        &AuditFilter {
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .expect("list");
    for e in page.items {
        let text = format!("{:?} {:?} {}", e.subject, e.detail, e.actor);
        assert!(!text.contains(&t1), "no token in the audit log");
        assert!(!text.contains("1984"), "no date of birth in the audit log");
    }
    assert!(audit::verify(&f.store).await.expect("verify").ok);
}

// ----- review of contact corrections ------------------------------------------------------

#[tokio::test]
async fn a_contact_correction_waits_for_staff_and_approval_updates_the_customer() {
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let a = cli_actor();
    let issued = links::issue(
        &f.store,
        &a,
        &issue_input(&cid, LinkPurpose::ConfirmContact),
        now(),
    )
    .await
    .expect("issued");
    let r = links::redeem(
        &f.store,
        &token_of(&issued.url),
        &right_answer(),
        "c",
        now(),
    )
    .await
    .expect("redeemed");
    let s = links::portal_session(&f.store, &r.session_token, now())
        .await
        .expect("session");
    let mut c = links::contact_details(&f.store, &s, now())
        .await
        .expect("details");
    assert_eq!(c.zip, "75201");
    c.phone = "(972) 555-0142".into();
    let bad = links::ContactCorrection {
        zip: "7520".into(),
        ..c.clone()
    };
    assert_eq!(
        links::confirm_contact(&f.store, &s, Some(&bad), now())
            .await
            .unwrap_err()
            .field(),
        Some("zip")
    );
    let change = links::confirm_contact(&f.store, &s, Some(&c), now())
        .await
        .expect("sent")
        .expect("a correction");
    let pending = links::list_contact_changes(&f.store, &a, None)
        .await
        .expect("list");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].proposed.phone, "9725550142");
    let before = customer::get(
        &f.store,
        &a,
        &dealerdesk_rules::ids::CustomerId::from(cid.as_str()),
        now(),
        today(),
    )
    .await
    .expect("get");
    assert_eq!(
        before.phone, "2145550187",
        "nothing changes before approval"
    );
    let reviewed = links::review_contact_change(&f.store, &a, &change, true, now(), today())
        .await
        .expect("approved");
    assert_eq!(reviewed.status, "approved");
    let after = customer::get(
        &f.store,
        &a,
        &dealerdesk_rules::ids::CustomerId::from(cid.as_str()),
        now(),
        today(),
    )
    .await
    .expect("get");
    assert_eq!(after.phone, "9725550142");
    assert_eq!(after.addresses.len(), 2, "the previous address is kept");
    assert!(
        links::review_contact_change(&f.store, &a, &change, false, now(), today())
            .await
            .is_err(),
        "reviewed once"
    );
}

// ----- CLI --------------------------------------------------------------------------------

#[tokio::test]
async fn the_cli_issues_lists_checks_and_revokes_links() {
    use crate::support::{code, json};
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let db = f.db_path();
    f.store.close().await;
    let qr = f.dir.path().join("link.svg");
    let o = dd(
        &db,
        &[
            "link",
            "issue",
            "--customer",
            &cid,
            "--purpose",
            "confirm_contact",
            "--ttl",
            "2h",
            "--qr",
            qr.to_str().expect("path"),
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let issued = json(&o);
    let keys: Vec<&str> = issued
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
    for k in ["id", "url", "expires_at", "purpose"] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    assert_eq!(issued["purpose"], "confirm_contact");
    let url = issued["url"].as_str().expect("url");
    let id = issued["id"].as_str().expect("id");
    assert!(std::fs::read_to_string(&qr).expect("svg").contains("<svg"));

    let c = json(&dd(&db, &["link", "check", url, "--json"]));
    assert_eq!(
        c,
        serde_json::json!({"valid": true, "state": "issued", "purpose": "confirm_contact"})
    );
    let l = json(&dd(&db, &["link", "list", "--customer", &cid, "--json"]));
    assert_eq!(l["links"].as_array().map(Vec::len), Some(1));
    assert_eq!(l["links"][0]["id"], id);
    assert!(!l
        .to_string()
        .contains(links::token_from(url).expect("token")));
    assert_eq!(code(&dd(&db, &["link", "revoke", id])), 0);
    let c = json(&dd(&db, &["link", "check", url, "--json"]));
    assert_eq!(c["valid"], false);
    assert_eq!(c["state"], "revoked");
    let c = json(&dd(&db, &["link", "check", "not-a-token", "--json"]));
    assert_eq!(c["valid"], false);
    assert_eq!(c["state"], serde_json::Value::Null);

    assert_eq!(
        code(&dd(
            &db,
            &[
                "link",
                "issue",
                "--customer",
                "nobody",
                "--purpose",
                "confirm_contact"
            ]
        )),
        4
    );
    assert_eq!(
        code(&dd(
            &db,
            &["link", "issue", "--customer", &cid, "--purpose", "lunch"]
        )),
        2
    );
    let bad = dd(
        &db,
        &[
            "link",
            "issue",
            "--customer",
            &cid,
            "--purpose",
            "confirm_contact",
            "--ttl",
            "31d",
            "--json",
        ],
    );
    assert_eq!(code(&bad), 3);
    assert_eq!(json(&bad)["error"]["field"], "ttl");
    assert_eq!(code(&dd(&db, &["link", "revoke", "nope"])), 4);
    assert_eq!(code(&dd(&db, &["audit", "verify"])), 0);
}

// ----- outbox -----------------------------------------------------------------------------

struct Flaky {
    failures_left: std::sync::atomic::AtomicU32,
}

impl links::outbox::Sender for Flaky {
    fn send(
        &self,
        _m: &links::outbox::OutboundMessage,
    ) -> impl std::future::Future<Output = Result<(), links::outbox::SendError>> + Send {
        use std::sync::atomic::Ordering;
        let left = self.failures_left.load(Ordering::SeqCst);
        let r = if left > 0 {
            self.failures_left.store(left - 1, Ordering::SeqCst);
            Err(links::outbox::SendError("gateway offline".into()))
        } else {
            Ok(())
        };
        std::future::ready(r)
    }
}

#[tokio::test]
async fn the_outbox_survives_a_restart_and_the_file_adapter_writes_eml_and_txt() {
    use links::outbox::{self, Channel, FileSender};
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let a = cli_actor();
    let issued = links::issue(
        &f.store,
        &a,
        &issue_input(&cid, LinkPurpose::UploadDocuments),
        now(),
    )
    .await
    .expect("issued");
    let email = outbox::enqueue_link(&f.store, &a, &issued, Channel::Email, now())
        .await
        .expect("queued");
    let sms = outbox::enqueue_link(&f.store, &a, &issued, Channel::Sms, now())
        .await
        .expect("queued");
    let path = f.db_path();
    f.store.close().await;
    let bytes = std::fs::read(&path).expect("db");
    let token = token_of(&issued.url);
    assert!(
        !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
        "the queued message is encrypted: no token in the file"
    );
    let store = Store::open(&path, dealerdesk_store::OpenMode::MustExist)
        .await
        .expect("reopen");
    let dir = f.dir.path().join("outbox");
    let r = outbox::deliver_due(&store, &FileSender::new(&dir), now())
        .await
        .expect("deliver");
    assert_eq!((r.sent, r.retrying, r.gave_up), (2, 0, 0));
    let eml = std::fs::read_to_string(dir.join(format!("{email}.eml"))).expect("eml");
    assert!(eml.contains("To: <maria.gonzalez@example.com>"), "{eml}");
    assert!(eml.contains(&issued.url));
    assert!(eml.contains("Subject: "));
    let txt = std::fs::read_to_string(dir.join(format!("{sms}.txt"))).expect("txt");
    assert!(
        txt.contains("2145550187") && txt.contains(&issued.url),
        "{txt}"
    );
    let again = outbox::deliver_due(&store, &FileSender::new(&dir), now())
        .await
        .expect("deliver");
    assert_eq!(again.sent, 0, "sent once");
}

#[tokio::test]
async fn a_message_on_a_channel_the_schema_does_not_allow_is_never_sent_and_says_so() {
    use links::outbox::{self, Channel, FileSender};
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let a = cli_actor();
    let issued = links::issue(
        &f.store,
        &a,
        &issue_input(&cid, LinkPurpose::UploadDocuments),
        now(),
    )
    .await
    .expect("issued");
    let bad = outbox::enqueue_link(&f.store, &a, &issued, Channel::Email, now())
        .await
        .expect("queued");
    let good = outbox::enqueue_link(&f.store, &a, &issued, Channel::Sms, now())
        .await
        .expect("queued");
    // A damaged or edited file: the schema's CHECK only holds while it is enforced.
    let mut conn = f.store.pool().acquire().await.expect("conn");
    sqlx::query("PRAGMA ignore_check_constraints = ON")
        .execute(&mut *conn)
        .await
        .expect("pragma");
    sqlx::query("UPDATE outbox SET channel = 'fax' WHERE id = ?1")
        .bind(bad.as_str())
        .execute(&mut *conn)
        .await
        .expect("tamper");
    sqlx::query("PRAGMA ignore_check_constraints = OFF")
        .execute(&mut *conn)
        .await
        .expect("pragma");
    drop(conn);

    let listed = outbox::list(&f.store, &a).await;
    assert!(
        matches!(&listed, Err(e) if e.to_string().contains("fax")),
        "listing names the unknown channel instead of calling it e-mail: {listed:?}"
    );

    let dir = f.dir.path().join("outbox");
    let r = outbox::deliver_due(&f.store, &FileSender::new(&dir), now())
        .await
        .expect("the run goes on past the bad message");
    assert_eq!((r.sent, r.retrying, r.gave_up), (1, 0, 1));
    assert!(
        !dir.join(format!("{bad}.eml")).exists(),
        "not guessed onto e-mail"
    );
    assert!(
        dir.join(format!("{good}.txt")).exists(),
        "the good one is sent"
    );
    let (status, error): (String, Option<String>) =
        sqlx::query_as("SELECT status, last_error FROM outbox WHERE id = ?1")
            .bind(bad.as_str())
            .fetch_one(f.store.pool())
            .await
            .expect("row");
    assert_eq!(status, "failed");
    assert!(error.is_some_and(|e| e.contains("unknown channel")));
    let again = outbox::deliver_due(&f.store, &FileSender::new(&dir), now() + Duration::days(1))
        .await
        .expect("run");
    assert_eq!((again.sent, again.gave_up), (0, 0), "failed stays failed");
    let entries = audit::list(
        f.store.pool(),
        &AuditFilter {
            action: Some("outbox.send".into()),
            limit: 50,
            ..Default::default()
        },
    )
    .await
    .expect("audit");
    assert!(entries.items.iter().any(|e| e.action == "outbox.send"
        && e.subject.as_deref() == Some(&format!("outbox:{bad}"))
        && e.detail
            .as_deref()
            .is_some_and(|d| d.contains("unknown channel"))));
}

#[tokio::test]
async fn a_failed_send_is_retried_with_backoff() {
    use links::outbox::{self, Channel};
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let a = cli_actor();
    let issued = links::issue(
        &f.store,
        &a,
        &issue_input(&cid, LinkPurpose::ConfirmContact),
        now(),
    )
    .await
    .expect("issued");
    outbox::enqueue_link(&f.store, &a, &issued, Channel::Sms, now())
        .await
        .expect("queued");
    let flaky = Flaky {
        failures_left: 2.into(),
    };
    let r = outbox::deliver_due(&f.store, &flaky, now())
        .await
        .expect("run");
    assert_eq!(r.retrying, 1);
    let r = outbox::deliver_due(&f.store, &flaky, now() + Duration::seconds(59))
        .await
        .expect("run");
    assert_eq!((r.sent, r.retrying), (0, 0), "not due before 1 minute");
    let t = now() + Duration::minutes(1);
    let r = outbox::deliver_due(&f.store, &flaky, t).await.expect("run");
    assert_eq!(r.retrying, 1, "second failure");
    let r = outbox::deliver_due(&f.store, &flaky, t + Duration::seconds(119))
        .await
        .expect("run");
    assert_eq!(r.retrying + r.sent, 0, "next wait is 2 minutes");
    let r = outbox::deliver_due(&f.store, &flaky, t + Duration::minutes(2))
        .await
        .expect("run");
    assert_eq!(r.sent, 1);
    let list = outbox::list(&f.store, &a).await.expect("list");
    assert_eq!(list[0].status, "sent");
    assert_eq!(list[0].attempts, 3);
}

#[tokio::test]
async fn links_are_issued_only_for_customers_whose_identity_is_verified() {
    let f = fresh().await;
    let sales = Actor::Staff(staff(&f.store, "sam.sales", Role::Sales).await);
    // Never checked (another person: the same SSN twice would itself be a red flag).
    let mut other = customer_input();
    other.given_name = "Luis".into();
    other.ssn = "457-21-8830".into();
    other.phone = "2145550111".into();
    other.email = None;
    let unchecked = customer::create(&f.store, &cli_actor(), &other, now(), today())
        .await
        .expect("customer")
        .id;
    let e = links::issue(
        &f.store,
        &sales,
        &issue_input(unchecked.as_str(), LinkPurpose::PortalOnboarding),
        now(),
    )
    .await
    .expect_err("an unchecked customer gets no link");
    assert!(matches!(e, LinkError::IdentityNotVerified), "{e:?}");
    // Verified: the link is issued; after an edit of what was checked, it is refused again.
    let verified = customer_id(&f.store).await;
    links::issue(
        &f.store,
        &sales,
        &issue_input(&verified, LinkPurpose::PortalOnboarding),
        now(),
    )
    .await
    .expect("a verified customer gets a link");
    let mut changed = customer_input();
    changed.family_name = "Gonzales".into();
    let update = dealerdesk_services::customer::CustomerUpdate {
        given_name: changed.given_name,
        middle_name: changed.middle_name,
        family_name: changed.family_name,
        suffix: changed.suffix,
        dob: None,
        ssn: None,
        licence_number: None,
        licence_state: changed.licence_state,
        phone: changed.phone,
        email: changed.email,
        employer: changed.employer,
        job_title: changed.job_title,
        monthly_income: changed.monthly_income,
        address: changed.address,
        previous_address: changed.previous_address,
    };
    customer::update(
        &f.store,
        &cli_actor(),
        &dealerdesk_rules::ids::CustomerId::from(verified.as_str()),
        &update,
        now(),
        today(),
    )
    .await
    .expect("update");
    let e = links::issue(
        &f.store,
        &sales,
        &issue_input(&verified, LinkPurpose::PortalOnboarding),
        now(),
    )
    .await
    .expect_err("a stale check no longer verifies");
    assert!(matches!(e, LinkError::IdentityNotVerified), "{e:?}");
}

#[tokio::test]
async fn the_handout_prints_only_for_a_usable_link_of_this_desk_and_is_audited() {
    let f = fresh().await;
    let cid = customer_id(&f.store).await;
    let a = cli_actor();
    let issued = links::issue(
        &f.store,
        &a,
        &issue_input(&cid, LinkPurpose::PortalOnboarding),
        now(),
    )
    .await
    .expect("issued");
    let pdf = links::handout_for_url(&f.store, &a, &issued.url, now())
        .await
        .expect("handout");
    assert!(pdf.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("handout.pdf");
    std::fs::write(&file, &pdf).expect("write");
    let out = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) runs");
    let text = String::from_utf8_lossy(&out.stdout).replace('\n', " ");
    assert!(
        text.contains("set up your online finance account"),
        "{text}"
    );

    // a made-up token, a customer's sales role and a revoked link get nothing
    let made_up = issued.url.replace(&token_of(&issued.url), &"A".repeat(43));
    assert!(matches!(
        links::handout_for_url(&f.store, &a, &made_up, now()).await,
        Err(LinkError::Unusable)
    ));
    links::revoke(&f.store, &a, &issued.id, now())
        .await
        .expect("revoke");
    assert!(matches!(
        links::handout_for_url(&f.store, &a, &issued.url, now()).await,
        Err(LinkError::Unusable)
    ));
    assert_eq!(
        actions(&f.store)
            .await
            .iter()
            .filter(|(action, _)| action == "link.handout")
            .count(),
        1
    );
}
