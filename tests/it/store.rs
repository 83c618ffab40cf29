use dealerdesk_store::{key_path_for, OpenMode, Store, StoreError};

use crate::support::{fresh, raw_sql};

#[tokio::test]
async fn a_new_database_uses_wal_and_foreign_keys() {
    let f = fresh().await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(f.store.pool())
        .await
        .expect("pragma");
    assert_eq!(mode, "wal", "WAL keeps readers and the writer apart");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(f.store.pool())
        .await
        .expect("pragma");
    assert_eq!(fk, 1, "foreign keys are enforced");
    let timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(f.store.pool())
        .await
        .expect("pragma");
    assert!(
        timeout >= 5000,
        "a busy timeout lets two processes share the file, got {timeout}"
    );
}

#[tokio::test]
async fn no_column_stores_money_or_anything_else_as_real() {
    let f = fresh().await;
    let reals: Vec<String> = sqlx::query_scalar(
        "SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
         WHERE m.type = 'table' AND upper(p.type) IN ('REAL', 'FLOAT', 'DOUBLE')",
    )
    .fetch_all(f.store.pool())
    .await
    .expect("schema query");
    assert!(reals.is_empty(), "REAL columns found: {reals:?}");
}

#[tokio::test]
async fn a_file_that_is_not_sqlite_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("notes.db");
    let content = b"Dear customer, this is a letter, not a database.\n".repeat(20);
    std::fs::write(&path, &content).expect("write");
    let err = Store::open(&path, OpenMode::CreateIfMissing)
        .await
        .expect_err("refused");
    assert!(matches!(err, StoreError::NotADatabase(_)), "got {err:?}");
    assert_eq!(
        std::fs::read(&path).expect("read"),
        content,
        "the file was not changed"
    );
}

#[tokio::test]
async fn a_damaged_database_is_refused_and_left_untouched() {
    let f = fresh().await;
    let path = f.db_path();
    f.store.close().await;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let mut bytes = std::fs::read(&path).expect("read");
    // Keep the header, destroy the schema page.
    for b in bytes.iter_mut().skip(100).take(3000) {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).expect("write");
    let err = Store::open(&path, OpenMode::MustExist)
        .await
        .expect_err("refused");
    assert!(
        matches!(err, StoreError::Corrupt(_) | StoreError::NotADatabase(_)),
        "got {err:?}"
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        bytes,
        "the damaged file was not changed"
    );
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused_with_a_clear_message() {
    let f = fresh().await;
    let path = f.db_path();
    f.store.close().await;
    raw_sql(
        &path,
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time)
         VALUES (29991231000000, 'from the future', '2999-12-31', 1, x'00', 0)",
    )
    .await;
    let err = Store::open(&path, OpenMode::MustExist)
        .await
        .expect_err("refused");
    assert!(
        matches!(
            err,
            StoreError::NewerSchema {
                found: 29991231000000,
                ..
            }
        ),
        "got {err:?}"
    );
    assert!(
        err.to_string().contains("newer version of DealerDesk"),
        "message: {err}"
    );
}

#[tokio::test]
async fn a_database_without_its_key_is_refused() {
    let f = fresh().await;
    let path = f.db_path();
    f.store.close().await;
    std::fs::remove_file(key_path_for(&path)).expect("remove key");
    let err = Store::open(&path, OpenMode::MustExist)
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("key file"), "message: {err}");
}

#[tokio::test]
async fn a_key_from_another_database_is_refused() {
    let a = fresh().await;
    let b = fresh().await;
    let (pa, pb) = (a.db_path(), b.db_path());
    a.store.close().await;
    b.store.close().await;
    std::fs::copy(key_path_for(&pb), key_path_for(&pa)).expect("swap key");
    let err = Store::open(&pa, OpenMode::MustExist)
        .await
        .expect_err("refused");
    assert!(matches!(err, StoreError::KeyMismatch { .. }), "got {err:?}");
}

#[tokio::test]
async fn opening_a_missing_database_without_create_says_how_to_create_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = Store::open(&dir.path().join("none.db"), OpenMode::MustExist)
        .await
        .expect_err("refused");
    assert!(
        err.to_string().contains("dealerdesk init"),
        "message: {err}"
    );
    assert!(!dir.path().join("none.db").exists(), "nothing was created");
}

#[tokio::test]
async fn the_database_and_key_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let f = fresh().await;
    for p in [f.db_path(), key_path_for(&f.db_path())] {
        let mode = std::fs::metadata(&p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} must be 0600", p.display());
    }
}
