//! The changes the hub took (`hub_change`), in the group's cursor order. A row's current version
//! is its latest stored change (the hub stores only the changes it took).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// A stored change.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ChangeRow {
    pub cursor: i64,
    pub desk_id: Uuid,
    pub seq: i64,
    pub table_name: String,
    pub row_id: String,
    pub op: String,
    pub at: DateTime<Utc>,
    pub hlc_wall: i64,
    pub hlc_counter: i64,
    pub row: Option<serde_json::Value>,
    /// The cursor of the version the desk had seen when it made the change.
    pub base: Option<i64>,
}

/// Stores changes (one statement for the lot); each row's last one is its current version.
/// `bodies` are the rows' JSON texts, in the order of `rows` (None: no row, a deletion); the
/// `row` field of `rows` is not read.
pub async fn insert_many(
    c: &mut PgConnection,
    group_id: Uuid,
    rows: &[ChangeRow],
    bodies: &[Option<String>],
    received_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    if bodies.len() != rows.len() {
        return Err(sqlx::Error::Protocol(
            "a row body is needed for each change stored".into(),
        ));
    }
    let cursors: Vec<i64> = rows.iter().map(|r| r.cursor).collect();
    let desks: Vec<Uuid> = rows.iter().map(|r| r.desk_id).collect();
    let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
    let tables: Vec<String> = rows.iter().map(|r| r.table_name.clone()).collect();
    let ids: Vec<String> = rows.iter().map(|r| r.row_id.clone()).collect();
    let ops: Vec<String> = rows.iter().map(|r| r.op.clone()).collect();
    let ats: Vec<DateTime<Utc>> = rows.iter().map(|r| r.at).collect();
    let walls: Vec<i64> = rows.iter().map(|r| r.hlc_wall).collect();
    let counters: Vec<i64> = rows.iter().map(|r| r.hlc_counter).collect();
    let bases: Vec<Option<i64>> = rows.iter().map(|r| r.base).collect();
    sqlx::query(
        "INSERT INTO hub_change (group_id, cursor, desk_id, seq, table_name, row_id, op, at, \
                                 hlc_wall, hlc_counter, row, received_at, base) \
         SELECT $1, t.cursor, t.desk, t.seq, t.tab, t.rid, t.op, t.at, t.wall, t.counter, \
                NULLIF(t.body::jsonb, 'null'::jsonb), $12, t.base \
         FROM UNNEST($2::bigint[], $3::uuid[], $4::bigint[], $5::text[], $6::text[], $7::text[], \
                     $8::timestamptz[], $9::bigint[], $10::bigint[], $11::text[], \
                     $13::bigint[]) \
              AS t(cursor, desk, seq, tab, rid, op, at, wall, counter, body, base)",
    )
    .bind(group_id)
    .bind(&cursors)
    .bind(&desks)
    .bind(&seqs)
    .bind(&tables)
    .bind(&ids)
    .bind(&ops)
    .bind(&ats)
    .bind(&walls)
    .bind(&counters)
    .bind(bodies)
    .bind(received_at)
    .bind(&bases)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// The cursors of the desk's changes already stored among `seqs`: (seq, cursor).
pub async fn stored_seqs(
    c: &mut PgConnection,
    group_id: Uuid,
    desk_id: Uuid,
    seqs: &[i64],
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    // The range lets the (group, desk, seq) index be read as one range scan; a list alone was
    // planned as a probe per value (35 ms for a batch of 1,000).
    let (Some(&lo), Some(&hi)) = (seqs.iter().min(), seqs.iter().max()) else {
        return Ok(Vec::new());
    };
    sqlx::query_as(
        "SELECT seq, cursor FROM hub_change \
         WHERE group_id = $1 AND desk_id = $2 AND seq BETWEEN $3 AND $4 AND seq = ANY($5)",
    )
    .bind(group_id)
    .bind(desk_id)
    .bind(lo)
    .bind(hi)
    .bind(seqs)
    .fetch_all(c)
    .await
}

const COLUMNS: &str =
    "cursor, desk_id, seq, table_name, row_id, op, at, hlc_wall, hlc_counter, row, base";

/// The hub's current versions of the given rows ((table, row id) pairs): the latest change of
/// each.
pub async fn current(
    c: &mut PgConnection,
    group_id: Uuid,
    keys: &[(String, String)],
) -> Result<Vec<ChangeRow>, sqlx::Error> {
    let tables: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
    let ids: Vec<&str> = keys.iter().map(|k| k.1.as_str()).collect();
    sqlx::query_as(&format!(
        "SELECT ch.* FROM UNNEST($2::text[], $3::text[]) AS k(tab, rid) \
         CROSS JOIN LATERAL (SELECT {COLUMNS} FROM hub_change \
                             WHERE group_id = $1 AND table_name = k.tab AND row_id = k.rid \
                             ORDER BY cursor DESC LIMIT 1) AS ch"
    ))
    .bind(group_id)
    .bind(&tables)
    .bind(&ids)
    .fetch_all(c)
    .await
}

/// The group's changes after `after` made by desks other than `except`, in cursor order, at
/// most `limit`.
pub async fn page_of_others(
    c: &mut PgConnection,
    group_id: Uuid,
    except: Uuid,
    after: i64,
    limit: i64,
) -> Result<Vec<ChangeRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM hub_change WHERE group_id = $1 AND cursor > $2 AND desk_id <> $3 \
         ORDER BY cursor LIMIT $4"
    ))
    .bind(group_id)
    .bind(after)
    .bind(except)
    .bind(limit)
    .fetch_all(c)
    .await
}

/// The group's changes after `after`, in cursor order, at most `limit`.
pub async fn page(
    c: &mut PgConnection,
    group_id: Uuid,
    after: i64,
    limit: i64,
) -> Result<Vec<ChangeRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM hub_change WHERE group_id = $1 AND cursor > $2 \
         ORDER BY cursor LIMIT $3"
    ))
    .bind(group_id)
    .bind(after)
    .bind(limit)
    .fetch_all(c)
    .await
}
