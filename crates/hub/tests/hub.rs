//! The hub on a real PostgreSQL (DEALERDESK_TEST_DATABASE_URL; scripts/test starts one).

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{Duration, Utc};
use dealerdesk_hub::server::{self, Limits};
use dealerdesk_hub::{code, pin, seal, EnrolRequest, Hub, HubError, StateDir};
use dealerdesk_hub_store::{testing, HubStore};
use x25519_dalek::{PublicKey, StaticSecret};

const PASSWORD: &str = "correct horse battery";

async fn fresh() -> (HubStore, tempfile::TempDir) {
    let url = match testing::fresh_database().await {
        Ok(u) => u,
        Err(e) => panic!("{e}"),
    };
    (
        HubStore::connect(&url).await.expect("connect"),
        tempfile::tempdir().expect("tmp"),
    )
}

async fn hub() -> (Hub, tempfile::TempDir) {
    let (store, dir) = fresh().await;
    let state = StateDir::new(dir.path().join("state"));
    dealerdesk_hub::init(
        &store,
        &state,
        "Valley Motors",
        "alice",
        PASSWORD,
        &[],
        Utc::now(),
    )
    .await
    .expect("init");
    (Hub::open(store, state).await.expect("open"), dir)
}

fn request(code: &str, name: &str) -> (EnrolRequest, StaticSecret) {
    let signing = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let x = StaticSecret::random_from_rng(rand::rngs::OsRng);
    (
        EnrolRequest {
            code: code.into(),
            desk_name: name.into(),
            ed25519_public: B64.encode(signing.verifying_key().as_bytes()),
            x25519_public: B64.encode(PublicKey::from(&x).as_bytes()),
        },
        x,
    )
}

#[tokio::test]
async fn init_twice_is_a_conflict_that_changes_nothing() {
    let (store, dir) = fresh().await;
    let state = StateDir::new(dir.path().join("state"));
    let first = dealerdesk_hub::init(&store, &state, "G", "alice", PASSWORD, &[], Utc::now())
        .await
        .expect("init");
    assert_eq!(first.fingerprint, state.fingerprint().unwrap());
    let other = StateDir::new(dir.path().join("other"));
    let again = dealerdesk_hub::init(&store, &other, "G2", "bob", PASSWORD, &[], Utc::now()).await;
    assert!(matches!(again, Err(HubError::Conflict(_))), "{again:?}");
    assert!(!other.holds_any(), "a refused init wrote keys");
    let hub = Hub::open(store, state.clone()).await.unwrap();
    assert_eq!(hub.group_id, first.group_id);
    assert_eq!(state.fingerprint().unwrap(), first.fingerprint);
    assert_eq!(hub.verify_audit().await.unwrap(), None);
}

#[cfg(unix)]
#[tokio::test]
async fn the_state_dirs_key_files_are_0600_and_postgres_holds_no_private_key() {
    use std::os::unix::fs::PermissionsExt;
    let (hub, _dir) = hub().await;
    let (code, _) = (
        hub.enrol_code("North", 60, None, Utc::now()).await.unwrap(),
        (),
    );
    let (req, _) = request(&code.code, "desk 1");
    hub.enrol(&req, Utc::now()).await.unwrap();
    for f in ["hub-cert.pem", "hub-key.pem", "group-data.key"] {
        let mode = std::fs::metadata(hub.state.dir.join(f))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{f}");
    }
    // Every text and byte value in every hub table: none is the TLS key or the data key.
    let tls_key = std::fs::read_to_string(hub.state.dir.join("hub-key.pem")).unwrap();
    let key_b64 = tls_key
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<String>();
    let data_key = hub.state.data_key().unwrap();
    let dump: Vec<(String,)> = sqlx::query_as(
        "SELECT row_to_json(t)::text FROM (SELECT * FROM dealer_group) t UNION ALL \
         SELECT row_to_json(t)::text FROM (SELECT * FROM rooftop) t UNION ALL \
         SELECT row_to_json(t)::text FROM (SELECT * FROM hub_staff) t UNION ALL \
         SELECT row_to_json(t)::text FROM (SELECT * FROM desk) t UNION ALL \
         SELECT row_to_json(t)::text FROM (SELECT * FROM enrolment_code) t UNION ALL \
         SELECT row_to_json(t)::text FROM (SELECT * FROM hub_audit) t",
    )
    .fetch_all(hub.store.pool())
    .await
    .unwrap();
    assert!(dump.len() >= 7, "{dump:?}");
    let all = dump.into_iter().map(|r| r.0).collect::<String>();
    assert!(
        !all.contains(&key_b64[..40]),
        "the TLS key is in PostgreSQL"
    );
    assert!(
        !all.contains(&hex::encode(*data_key)),
        "the data key is in PostgreSQL"
    );
    assert!(
        !all.contains(&B64.encode(*data_key)),
        "the data key is in PostgreSQL"
    );
    assert!(
        !all.contains(&code.code),
        "an enrolment code is stored in clear"
    );
}

#[tokio::test]
async fn a_code_enrols_one_desk_once_and_its_sealed_key_opens_with_the_desks_key() {
    let (hub, _dir) = hub().await;
    let c = hub.enrol_code("North", 60, None, Utc::now()).await.unwrap();
    let parsed = code::parse(&c.code).unwrap();
    assert!(code::pin_matches(
        &parsed.pin,
        &hub.state.fingerprint().unwrap()
    ));
    let (req, x) = request(&c.code, "F&I office");
    let answer = hub.enrol(&req, Utc::now()).await.expect("enrol");
    assert_eq!(answer.rooftop, "North");
    let key = seal::open(
        &answer.sealed_group_key,
        &x,
        &dealerdesk_hub::seal_aad(answer.group_id, answer.desk_id),
    )
    .unwrap();
    assert_eq!(*key, *hub.state.data_key().unwrap());
    let (again, _) = request(&c.code, "another");
    let second = hub.enrol(&again, Utc::now()).await;
    assert!(matches!(second, Err(HubError::Conflict(_))), "{second:?}");
    assert_eq!(hub.desks().await.unwrap().len(), 1);
    assert_eq!(hub.verify_audit().await.unwrap(), None);
}

#[tokio::test]
async fn an_expired_or_wrong_code_is_refused_and_stores_nothing() {
    let (hub, _dir) = hub().await;
    let made = Utc::now() - Duration::minutes(120);
    let old = hub.enrol_code("North", 60, None, made).await.unwrap();
    let (req, _) = request(&old.code, "late");
    let r = hub.enrol(&req, Utc::now()).await;
    assert!(
        matches!(r, Err(HubError::Forbidden(ref m)) if m.contains("expired")),
        "{r:?}"
    );
    // Right pin, unknown secret.
    let fp = hub.state.fingerprint().unwrap();
    let (unknown, _) = code::generate(&fp).unwrap();
    let (req, _) = request(&unknown, "guess");
    let r = hub.enrol(&req, Utc::now()).await;
    assert!(
        matches!(r, Err(HubError::Forbidden(ref m)) if m.contains("not known")),
        "{r:?}"
    );
    // Another hub's pin.
    let (foreign, _) = code::generate(&"00".repeat(32)).unwrap();
    let (req, _) = request(&foreign, "elsewhere");
    assert!(matches!(
        hub.enrol(&req, Utc::now()).await,
        Err(HubError::Invalid { field: "code", .. })
    ));
    let (req, _) = request("not a code", "typo");
    assert!(matches!(
        hub.enrol(&req, Utc::now()).await,
        Err(HubError::Invalid { field: "code", .. })
    ));
    assert!(hub.desks().await.unwrap().is_empty());
}

#[tokio::test]
async fn two_desks_racing_one_code_exactly_one_wins() {
    let (hub, _dir) = hub().await;
    for round in 0..5 {
        let c = hub.enrol_code("North", 60, None, Utc::now()).await.unwrap();
        let hub = Arc::new(hub.clone());
        let mut tasks = Vec::new();
        for i in 0..4 {
            let hub = hub.clone();
            let (req, _) = request(&c.code, &format!("desk {round}.{i}"));
            tasks.push(tokio::spawn(
                async move { hub.enrol(&req, Utc::now()).await },
            ));
        }
        let mut won = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => won += 1,
                Err(HubError::Conflict(_)) => {}
                Err(e) => panic!("unexpected: {e:?}"),
            }
        }
        assert_eq!(won, 1, "round {round}");
    }
    assert_eq!(hub.desks().await.unwrap().len(), 5);
}

#[tokio::test]
async fn a_revoked_desk_is_listed_as_revoked_and_revoking_twice_is_a_conflict() {
    let (hub, _dir) = hub().await;
    let c = hub.enrol_code("North", 60, None, Utc::now()).await.unwrap();
    let (req, _) = request(&c.code, "desk 1");
    let d = hub.enrol(&req, Utc::now()).await.unwrap();
    hub.revoke_desk(d.desk_id, None, Utc::now()).await.unwrap();
    let desks = hub.desks().await.unwrap();
    assert_eq!(desks.len(), 1);
    assert_eq!(desks[0].state, "revoked");
    assert!(desks[0].revoked_at.is_some() && desks[0].revoked_by.is_some());
    assert!(matches!(
        hub.revoke_desk(d.desk_id, None, Utc::now()).await,
        Err(HubError::Conflict(_))
    ));
    assert!(matches!(
        hub.revoke_desk(uuid::Uuid::now_v7(), None, Utc::now())
            .await,
        Err(HubError::NotFound(_))
    ));
    assert_eq!(hub.verify_audit().await.unwrap(), None);
}

#[tokio::test]
async fn health_answers_over_tls_to_the_pinned_certificate_only() {
    let (hub, _dir) = hub().await;
    let fp = hex::decode(hub.state.fingerprint().unwrap()).unwrap();
    let acceptor = server::tls_acceptor(&hub).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server::serve(
        hub.clone(),
        listener,
        Some(acceptor),
        Limits::default(),
        async {
            let _ = stopped.await;
        },
    ));
    let url = format!("https://127.0.0.1:{}", addr.port());
    let ok = pin::request(&url, &fp, "GET", "/v1/health", None)
        .await
        .expect("health");
    assert_eq!(ok.status, 200, "{ok:?}");
    assert!(ok.body.contains("\"ok\""), "{ok:?}");
    assert_eq!(ok.fingerprint, hex::encode(&fp));
    // The 16-byte pin an enrolment code carries is enough too; enrol over HTTPS.
    let c = hub.enrol_code("North", 60, None, Utc::now()).await.unwrap();
    let parsed = code::parse(&c.code).unwrap();
    let (req, _) = request(&c.code, "desk over https");
    let body = serde_json::to_string(&req).unwrap();
    let enrolled = pin::request(&url, &parsed.pin, "POST", "/v1/enrol", Some(&body))
        .await
        .unwrap();
    assert_eq!(enrolled.status, 200, "{enrolled:?}");
    let again = pin::request(&url, &parsed.pin, "POST", "/v1/enrol", Some(&body))
        .await
        .unwrap();
    assert_eq!(again.status, 409, "{again:?}");
    // Another pin: the TLS handshake fails, nothing is answered.
    let wrong = pin::request(&url, &[0u8; 32], "GET", "/v1/health", None).await;
    assert!(
        wrong
            .as_ref()
            .is_err_and(|e| e.contains("not the one pinned")),
        "{wrong:?}"
    );
    // A body over the limit is refused.
    let big = format!("{{\"code\":\"{}\"}}", "A".repeat(100 * 1024));
    let r = pin::request(&url, &fp, "POST", "/v1/enrol", Some(&big))
        .await
        .unwrap();
    assert_eq!(r.status, 413, "{r:?}");
    let _ = stop.send(());
    task.await.unwrap().unwrap();
}

#[test]
fn plain_http_is_refused_unless_the_bind_address_is_loopback() {
    let public: std::net::SocketAddr = "0.0.0.0:8443".parse().unwrap();
    let lan: std::net::SocketAddr = "192.168.1.5:8443".parse().unwrap();
    let lo: std::net::SocketAddr = "127.0.0.1:8443".parse().unwrap();
    let lo6: std::net::SocketAddr = "[::1]:8443".parse().unwrap();
    assert!(matches!(
        server::check_bind(&public, true),
        Err(HubError::Invalid { field: "bind", .. })
    ));
    assert!(server::check_bind(&lan, true).is_err());
    assert!(server::check_bind(&lo, true).is_ok());
    assert!(server::check_bind(&lo6, true).is_ok());
    assert!(server::check_bind(&public, false).is_ok());
}
