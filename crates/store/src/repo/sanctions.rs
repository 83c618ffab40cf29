//! The sanctions list tables (one aggregate): `sanctions_list`, one row per imported version,
//! and its `sanctions_entry`, `sanctions_alias` and `sanctions_address` rows. Every statement
//! that writes them is here; a version's rows are written once, at import, and never changed.

use dealerdesk_rules::identity::sanctions::SdnList;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::write::Write;
use crate::Store;

/// Rows per INSERT statement: far fewer round trips than one row each, well under SQLite's
/// limit of bound parameters.
const BATCH: usize = 200;

/// What a new list version records about its import.
#[derive(Debug, Clone, Copy)]
pub struct NewList<'a> {
    pub version: i64,
    /// ISO date.
    pub published_on: Option<&'a str>,
    pub imported_by: &'a str,
    pub sdn_sha256: &'a str,
    pub alt_sha256: Option<&'a str>,
    pub add_sha256: Option<&'a str>,
    pub entry_count: i64,
    pub alias_count: i64,
    pub address_count: i64,
}

/// One list version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRow {
    pub id: String,
    pub version: i64,
    /// When it was imported.
    pub created_at: String,
    pub published_on: Option<String>,
}

/// One entry as the screening index loads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    pub ent_num: i64,
    pub name: String,
    pub sdn_type: Option<String>,
    pub program: Option<String>,
    pub remarks: Option<String>,
}

/// The highest version imported so far, if any.
pub async fn max_version(conn: &mut SqliteConnection) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT MAX(version) AS "v?: i64" FROM sanctions_list"#)
        .fetch_one(conn)
        .await
}

/// Adds a list version (journaled as `insert`); its rows follow with [`insert_rows`].
pub async fn insert_list(w: &mut Write<'_>, id: &str, l: &NewList<'_>) -> Result<(), sqlx::Error> {
    let s = w.change("sanctions_list", id, "insert").await?;
    sqlx::query!(
        r#"INSERT INTO sanctions_list (id, version, published_on, imported_by, sdn_sha256, alt_sha256,
               add_sha256, entry_count, alias_count, address_count, created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13)"#,
        id,
        l.version,
        l.published_on,
        l.imported_by,
        l.sdn_sha256,
        l.alt_sha256,
        l.add_sha256,
        l.entry_count,
        l.alias_count,
        l.address_count,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Writes a version's entries, aliases and addresses inside the caller's transaction.
///
/// A runtime query, not a macro: each statement inserts up to [`BATCH`] rows (a bulk load of
/// tens of thousands of rows, whose speed matters), and a compile-checked statement has a fixed
/// number of rows. The columns are the schema's, and the import's tests read every row back.
pub async fn insert_rows(
    conn: &mut SqliteConnection,
    list_id: &str,
    list: &SdnList,
) -> Result<(), sqlx::Error> {
    for chunk in list.entries.chunks(BATCH) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO sanctions_entry (list_id, ent_num, name, sdn_type, program, title, call_sign, \
             vess_type, tonnage, grt, vess_flag, vess_owner, remarks) ",
        );
        q.push_values(chunk, |mut b, e| {
            b.push_bind(list_id)
                .push_bind(e.ent_num)
                .push_bind(&e.name)
                .push_bind(&e.sdn_type)
                .push_bind(&e.program)
                .push_bind(&e.title)
                .push_bind(&e.call_sign)
                .push_bind(&e.vess_type)
                .push_bind(&e.tonnage)
                .push_bind(&e.grt)
                .push_bind(&e.vess_flag)
                .push_bind(&e.vess_owner)
                .push_bind(&e.remarks);
        });
        q.build().execute(&mut *conn).await?;
    }
    for chunk in list.aliases.chunks(BATCH) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO sanctions_alias (list_id, ent_num, alt_num, alt_type, alt_name, alt_remarks) ",
        );
        q.push_values(chunk, |mut b, a| {
            b.push_bind(list_id)
                .push_bind(a.ent_num)
                .push_bind(a.alt_num)
                .push_bind(&a.alt_type)
                .push_bind(&a.alt_name)
                .push_bind(&a.alt_remarks);
        });
        q.build().execute(&mut *conn).await?;
    }
    for chunk in list.addresses.chunks(BATCH) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO sanctions_address (list_id, ent_num, add_num, address, city_state_zip, country, add_remarks) ",
        );
        q.push_values(chunk, |mut b, a| {
            b.push_bind(list_id)
                .push_bind(a.ent_num)
                .push_bind(a.add_num)
                .push_bind(&a.address)
                .push_bind(&a.city_state_zip)
                .push_bind(&a.country)
                .push_bind(&a.add_remarks);
        });
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// The version in force (the highest), if any list was imported.
pub async fn current(store: &Store) -> Result<Option<ListRow>, sqlx::Error> {
    sqlx::query_as!(
        ListRow,
        r#"SELECT id, version, created_at, published_on FROM sanctions_list
           ORDER BY version DESC LIMIT 1"#
    )
    .fetch_optional(store.pool())
    .await
}

/// A version's entries in entry-number order.
pub async fn entries(
    conn: &mut SqliteConnection,
    list_id: &str,
) -> Result<Vec<EntryRow>, sqlx::Error> {
    sqlx::query_as!(
        EntryRow,
        r#"SELECT ent_num, name, sdn_type, program, remarks FROM sanctions_entry
           WHERE list_id = ?1 ORDER BY ent_num"#,
        list_id
    )
    .fetch_all(conn)
    .await
}

/// A version's address countries, as `(ent_num, country)`.
pub async fn countries(
    conn: &mut SqliteConnection,
    list_id: &str,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT ent_num, country AS "country!" FROM sanctions_address
           WHERE list_id = ?1 AND country IS NOT NULL"#,
        list_id
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.ent_num, r.country)).collect())
}

/// A version's aliases, as `(ent_num, alt_name)`.
pub async fn aliases(
    conn: &mut SqliteConnection,
    list_id: &str,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT ent_num, alt_name FROM sanctions_alias WHERE list_id = ?1"#,
        list_id
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.ent_num, r.alt_name)).collect())
}
