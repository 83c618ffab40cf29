//! The `rate_sheet` table: every imported version of a lender's rate sheet (canonical JSON and
//! its SHA-256). Every statement that writes the table is here, compile-checked.

use sqlx::SqliteConnection;

use crate::write::Write;
use crate::Store;

/// A stored sheet: its id, version and JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub id: String,
    pub version: i64,
    pub sheet_json: String,
}

/// What an import stores.
#[derive(Debug, Clone, Copy)]
pub struct NewSheet<'a> {
    pub lender_id: &'a str,
    pub version: i64,
    pub effective_date: &'a str,
    pub sheet_json: &'a str,
    pub sheet_sha256: &'a str,
    pub imported_by: &'a str,
}

/// The version the next import of a lender's sheet gets.
pub async fn next_version(
    conn: &mut SqliteConnection,
    lender_id: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT COALESCE(MAX(version), 0) + 1 AS "v!: i64" FROM rate_sheet WHERE lender_id = ?1"#,
        lender_id
    )
    .fetch_one(conn)
    .await
}

/// Adds a sheet version (journaled as `insert`).
pub async fn insert(w: &mut Write<'_>, id: &str, n: &NewSheet<'_>) -> Result<(), sqlx::Error> {
    let s = w.change("rate_sheet", id, "insert").await?;
    sqlx::query!(
        r#"INSERT INTO rate_sheet (id, lender_id, version, effective_date, sheet_json, sheet_sha256,
              imported_by, created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10)"#,
        id,
        n.lender_id,
        n.version,
        n.effective_date,
        n.sheet_json,
        n.sheet_sha256,
        n.imported_by,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// A lender's newest sheet.
pub async fn current(
    conn: &mut SqliteConnection,
    lender_id: &str,
) -> Result<Option<SheetRow>, sqlx::Error> {
    sqlx::query_as!(
        SheetRow,
        r#"SELECT id, version, sheet_json FROM rate_sheet WHERE lender_id = ?1
           ORDER BY version DESC LIMIT 1"#,
        lender_id
    )
    .fetch_optional(conn)
    .await
}

/// The version of a sheet (an error when there is no such sheet).
pub async fn version_of(conn: &mut SqliteConnection, id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT version FROM rate_sheet WHERE id = ?1"#, id)
        .fetch_one(conn)
        .await
}

/// A lender's sheet by the lender's id or code (any case), the newest or the given version.
pub async fn for_export(
    store: &Store,
    lender_code_or_id: &str,
    version: Option<i64>,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT r.version, r.sheet_json FROM rate_sheet r JOIN lender l ON l.id = r.lender_id
           WHERE (l.id = ?1 OR l.code = upper(?1)) AND (?2 IS NULL OR r.version = ?2)
           ORDER BY r.version DESC LIMIT 1"#,
        lender_code_or_id,
        version,
    )
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map(|r| (r.version, r.sheet_json)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::lender;
    use crate::OpenMode;
    use chrono::Utc;

    fn sheet<'a>(lender_id: &'a str, version: i64, json: &'a str) -> NewSheet<'a> {
        NewSheet {
            lender_id,
            version,
            effective_date: "2026-11-01",
            sheet_json: json,
            sheet_sha256: "00",
            imported_by: "cli:test",
        }
    }

    #[tokio::test]
    async fn each_import_is_the_next_version_and_the_newest_is_current() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("desk.db"), OpenMode::CreateIfMissing)
            .await
            .expect("store");
        let now = Utc::now();

        let mut w = store.write(now).await.expect("write");
        assert_eq!(
            lender::id_by_code(w.conn(), "LAKESHORE")
                .await
                .expect("read"),
            None
        );
        lender::insert(&mut w, "l-1", "LAKESHORE", "Lakeshore Credit")
            .await
            .expect("lender");
        assert_eq!(next_version(w.conn(), "l-1").await.expect("version"), 1);
        insert(&mut w, "r-1", &sheet("l-1", 1, r#"{"v":1}"#))
            .await
            .expect("sheet 1");
        assert_eq!(next_version(w.conn(), "l-1").await.expect("version"), 2);
        insert(&mut w, "r-2", &sheet("l-1", 2, r#"{"v":2}"#))
            .await
            .expect("sheet 2");
        lender::rename(&mut w, "l-1", "Lakeshore Auto Credit")
            .await
            .expect("rename");
        w.commit().await.expect("commit");

        let mut conn = store.pool().acquire().await.expect("conn");
        assert_eq!(
            lender::id_by_code(&mut conn, "LAKESHORE")
                .await
                .expect("read")
                .as_deref(),
            Some("l-1")
        );
        assert!(lender::is_active(&mut conn, "l-1").await.expect("read"));
        let name = lender::name_of(&mut conn, "l-1")
            .await
            .expect("read")
            .expect("lender");
        assert_eq!(name.name, "Lakeshore Auto Credit");
        let current = current(&mut conn, "l-1")
            .await
            .expect("read")
            .expect("sheet");
        assert_eq!((current.id.as_str(), current.version), ("r-2", 2));
        assert_eq!(version_of(&mut conn, "r-1").await.expect("read"), 1);
        drop(conn);

        // by code in any case, the newest or the version asked for
        let newest = for_export(&store, "lakeshore", None).await.expect("read");
        assert_eq!(newest, Some((2, r#"{"v":2}"#.to_string())));
        let first = for_export(&store, "l-1", Some(1)).await.expect("read");
        assert_eq!(first, Some((1, r#"{"v":1}"#.to_string())));
        assert_eq!(
            for_export(&store, "l-1", Some(3)).await.expect("read"),
            None
        );

        let journaled: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM change_log WHERE table_name IN ('lender', 'rate_sheet')",
        )
        .fetch_one(store.pool())
        .await
        .expect("journal");
        assert_eq!(journaled, 4, "two sheets, the lender's insert and rename");
    }
}
