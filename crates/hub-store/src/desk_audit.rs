//! Every desk's audit chain as the desk sent it (`hub_desk_audit`), keyed (group, desk, seq).
//! The hub only appends entries that continue what it holds (checked by the caller before
//! [`insert_many`]), so each desk's rows run from #1 without gaps.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// One stored entry, its fields the desk's text exactly.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeskAuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The last entry held for the desk (seq and hash), or `None` when none is.
pub async fn last(
    c: &mut PgConnection,
    group_id: Uuid,
    desk_id: Uuid,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT seq, hash FROM hub_desk_audit WHERE group_id = $1 AND desk_id = $2 \
         ORDER BY seq DESC LIMIT 1",
    )
    .bind(group_id)
    .bind(desk_id)
    .fetch_optional(c)
    .await
}

/// The hashes held for the desk's seqs `from..=to`, by seq.
pub async fn hashes(
    c: &mut PgConnection,
    group_id: Uuid,
    desk_id: Uuid,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT seq, hash FROM hub_desk_audit \
         WHERE group_id = $1 AND desk_id = $2 AND seq BETWEEN $3 AND $4 ORDER BY seq",
    )
    .bind(group_id)
    .bind(desk_id)
    .bind(from)
    .bind(to)
    .fetch_all(c)
    .await
}

/// Stores entries of the desk's chain (one statement for the lot).
pub async fn insert_many(
    c: &mut PgConnection,
    group_id: Uuid,
    desk_id: Uuid,
    rows: &[DeskAuditRow],
    received_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let text = |f: fn(&DeskAuditRow) -> &str| -> Vec<String> {
        rows.iter().map(|r| f(r).to_string()).collect()
    };
    let maybe = |f: fn(&DeskAuditRow) -> Option<&str>| -> Vec<Option<String>> {
        rows.iter().map(|r| f(r).map(str::to_string)).collect()
    };
    let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
    sqlx::query(
        "INSERT INTO hub_desk_audit (group_id, desk_id, seq, at, actor, action, subject, outcome, \
                                     detail, prev_hash, hash, received_at) \
         SELECT $1, $2, t.seq, t.at, t.actor, t.action, t.subject, t.outcome, t.detail, \
                t.prev_hash, t.hash, $12 \
         FROM UNNEST($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], \
                     $9::text[], $10::text[], $11::text[]) \
              AS t(seq, at, actor, action, subject, outcome, detail, prev_hash, hash)",
    )
    .bind(group_id)
    .bind(desk_id)
    .bind(&seqs)
    .bind(text(|r| &r.at))
    .bind(text(|r| &r.actor))
    .bind(text(|r| &r.action))
    .bind(maybe(|r| r.subject.as_deref()))
    .bind(text(|r| &r.outcome))
    .bind(maybe(|r| r.detail.as_deref()))
    .bind(text(|r| &r.prev_hash))
    .bind(text(|r| &r.hash))
    .bind(received_at)
    .execute(c)
    .await?;
    Ok(())
}

/// Up to `limit` of the desk's entries after `after`, oldest first (a page of its chain).
pub async fn page(
    c: &mut PgConnection,
    group_id: Uuid,
    desk_id: Uuid,
    after: i64,
    limit: i64,
) -> Result<Vec<DeskAuditRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT seq, at, actor, action, subject, outcome, detail, prev_hash, hash \
         FROM hub_desk_audit WHERE group_id = $1 AND desk_id = $2 AND seq > $3 \
         ORDER BY seq LIMIT $4",
    )
    .bind(group_id)
    .bind(desk_id)
    .bind(after)
    .bind(limit)
    .fetch_all(c)
    .await
}
