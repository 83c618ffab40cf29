//! The hub store on a real PostgreSQL (DEALERDESK_TEST_DATABASE_URL, see scripts/test).

use chrono::Utc;
use dealerdesk_hub_store::{audit, group, testing, HubStore};
use uuid::Uuid;

async fn store() -> HubStore {
    let url = match testing::fresh_database().await {
        Ok(u) => u,
        Err(e) => panic!("{e}"),
    };
    let s = HubStore::connect(&url).await.expect("connect");
    s.migrate().await.expect("migrate");
    s
}

#[tokio::test]
async fn concurrent_audit_appends_are_retried_into_one_chain() {
    let s = store().await;
    let gid = Uuid::now_v7();
    s.transaction(|c| Box::pin(async move { group::insert(c, gid, "Group", Utc::now()).await }))
        .await
        .expect("group");
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.transaction(|c| {
                Box::pin(async move {
                    let ev = audit::HubEvent {
                        actor: format!("t{i}"),
                        action: "code_created",
                        subject: None,
                        detail: "{}".into(),
                    };
                    audit::append(c, gid, &ev, Utc::now()).await.map(|_| ())
                })
            })
            .await
        }));
    }
    for t in tasks {
        t.await.expect("join").expect("append");
    }
    let mut c = s.pool().acquire().await.expect("conn");
    let rows = audit::list(&mut c, gid).await.expect("list");
    assert_eq!(rows.len(), 8);
    assert_eq!(audit::verify(gid, &rows), None);
}

#[tokio::test]
async fn the_hub_migrations_leave_no_column_for_a_private_key() {
    let s = store().await;
    let cols: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(s.pool())
    .await
    .expect("columns");
    assert!(cols.len() > 20, "{cols:?}");
    for (t, c) in cols {
        let c = c.to_lowercase();
        assert!(
            !c.contains("private") && !c.contains("secret") && !c.contains("data_key"),
            "{t}.{c} looks like a private key"
        );
    }
}
