//! One sync run with the hub: push this desk's journal in signed batches, record the hub's answer
//! for every entry, then pull the group's changes page by page and apply them.
//!
//! Resumable by construction: the journal position (`pushed_seq`) only moves over entries the hub
//! answered, and the cursor only moves with the page it ends, in the transaction that applies
//! that page. Whatever fails in between (the network, the hub, this process) is sent or pulled
//! again next time, and the hub's idempotency by (desk, seq) and the cursor make the repeat
//! harmless: nothing is lost and nothing is applied twice.
//!
//! How a hub change meets a local one that is not pushed yet:
//! - a credit application's state is the hub's to decide: the hub's version is taken;
//! - otherwise the later change by the hybrid logical clock wins;
//! - when this desk's version is replaced, it is kept in `sync_conflict` for review.
//!
//! A change the hub answers with `conflict` is replaced by the hub's version the same way; one it
//! rejects is kept for review with the hub's reason.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use dealerdesk_store::repo::sync::{self as state, ConflictRow, JournalEntry};
use dealerdesk_store::sync_rows::{self, Applied, CHILDREN_KEY};
use dealerdesk_store::{new_id, ts, Store};
use dealerdesk_sync::pin;
use dealerdesk_sync::wire::{
    self, Change, EntryResult, Hlc, Kind, Op, Outcome, PullPage, PullRequest, PushAnswer,
    PushBatch, RemoteChange,
};

use super::enrol::{hub_message, Enrolment};
use super::SyncError;
use crate::auth::{Actor, Role};
use dealerdesk_store::audit::{AuditEvent, AuditOutcome};

/// The most a push body may hold before it is signed (the envelope's base64 adds a third; the
/// hub takes up to `wire::MAX_MESSAGE_BYTES`).
pub const PUSH_BUDGET_BYTES: usize = wire::MAX_MESSAGE_BYTES / 2;
/// Changes asked for per pull.
pub const PULL_PAGE: u32 = 1000;

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SyncReport {
    /// Journal entries the hub answered in this run.
    pub pushed: u64,
    /// Hub changes applied (or found already applied) in this run.
    pub pulled: u64,
    /// Conflicts recorded in this run (this desk's change replaced or refused).
    pub conflicts: u64,
    /// The hub cursor this desk has applied everything up to.
    pub cursor: i64,
    /// Audit log entries the hub stored in this run (their own message, never the journal).
    pub audit_pushed: u64,
    /// Why this desk's audit log could not be sent in this run (the change sync went on; the
    /// entries are sent again next run).
    pub audit_error: Option<String>,
}

fn op_of(text: &str) -> Op {
    match text {
        "insert" => Op::Insert,
        "delete" => Op::Delete,
        _ => Op::Update,
    }
}

fn parse_time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The clock reading of a journal entry (entries from before clocks were kept read as their
/// time), with the desk named as the hub knows it.
fn hlc_of(e: &JournalEntry, desk: Uuid) -> Hlc {
    let h = e
        .hlc
        .as_deref()
        .and_then(|t| serde_json::from_str::<Hlc>(t).ok())
        .unwrap_or(Hlc {
            wall_ms: parse_time(&e.at).timestamp_millis(),
            counter: 0,
            desk,
        });
    Hlc { desk, ..h }
}

/// The next batch to push: the changes of synced tables after `pushed_seq`, and the last journal
/// seq it covers (entries of tables that stay on this desk are covered without being sent).
pub struct Outgoing {
    pub entries: Vec<Change>,
    pub upto: i64,
}

/// Reads the next batch, all rows from one snapshot of the database.
pub async fn outgoing(store: &Store, desk: Uuid) -> Result<Outgoing, SyncError> {
    outgoing_from(store, desk, None).await
}

/// The batch after journal seq `after` (None: after the last answered one).
async fn outgoing_from(
    store: &Store,
    desk: Uuid,
    after: Option<i64>,
) -> Result<Outgoing, SyncError> {
    let mut tx = store.pool().begin().await?;
    let after = match after {
        Some(seq) => seq,
        None => state::state(&mut tx).await?.pushed_seq,
    };
    let journal = state::journal_after(&mut tx, after, wire::MAX_BATCH_ENTRIES as i64 * 4).await?;
    // The rows and their versions, read in bulk (a statement per table, not per entry).
    let wanted: Vec<&JournalEntry> = journal
        .iter()
        .filter(|e| sync_rows::synced(&e.table_name).is_some())
        .take(wire::MAX_BATCH_ENTRIES)
        .collect();
    let rows = read_rows(&mut tx, wanted.iter().map(|e| (&e.table_name, &e.row_id))).await?;
    let bases = versions(&mut tx, wanted.iter().map(|e| (&e.table_name, &e.row_id))).await?;
    let mut entries = Vec::new();
    let mut upto = after;
    let mut bytes = 0usize;
    for e in journal {
        if sync_rows::synced(&e.table_name).is_none() {
            upto = e.seq;
            continue;
        }
        let key = (e.table_name.clone(), e.row_id.clone());
        let row = rows.get(&key).cloned();
        let change = Change {
            seq: e.seq,
            table: e.table_name.clone(),
            row_id: e.row_id.clone(),
            op: op_of(&e.op),
            at: parse_time(&e.at),
            hlc: hlc_of(&e, desk),
            base: bases.get(&key).copied(),
            row,
        };
        let size = json_len(&change);
        if !entries.is_empty()
            && (entries.len() >= wire::MAX_BATCH_ENTRIES || bytes + size > PUSH_BUDGET_BYTES)
        {
            break;
        }
        bytes += size;
        entries.push(change);
        upto = e.seq;
    }
    Ok(Outgoing { entries, upto })
}

/// Gives the changes of `next` (read before the answer to `sent` was recorded) the hub versions
/// that answer recorded for their rows, as reading `next` again would.
fn rebase(next: &mut Outgoing, sent: &Outgoing, answer: &PushAnswer) {
    let mut taken: HashMap<(&str, &str), i64> = HashMap::new();
    for (entry, result) in sent.entries.iter().zip(&answer.results) {
        if let Some(c) = result.cursor {
            let v = taken
                .entry((entry.table.as_str(), entry.row_id.as_str()))
                .or_insert(c);
            *v = (*v).max(c);
        }
    }
    for change in &mut next.entries {
        if let Some(&c) = taken.get(&(change.table.as_str(), change.row_id.as_str())) {
            change.base = Some(change.base.map_or(c, |b| b.max(c)));
        }
    }
}

/// How many bytes `value` takes as JSON, without keeping them.
fn json_len<T: Serialize>(value: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut n = Count(0);
    match serde_json::to_writer(&mut n, value) {
        Ok(()) => n.0,
        Err(_) => 0,
    }
}

fn read_pull_page(body: &str) -> Result<PullPage, SyncError> {
    serde_json::from_str(body).map_err(|x| SyncError::BadAnswer(x.to_string()))
}

/// (table, row id)
type Key = (String, String);

/// The rows named, as they travel, read with one statement per table.
async fn read_rows<'a>(
    conn: &mut sqlx::SqliteConnection,
    keys: impl Iterator<Item = (&'a String, &'a String)>,
) -> Result<HashMap<Key, Map<String, Value>>, SyncError> {
    let mut by_table: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (t, id) in keys {
        by_table.entry(t.as_str()).or_default().push(id.as_str());
    }
    let mut out = HashMap::new();
    for (table, mut ids) in by_table {
        ids.sort_unstable();
        ids.dedup();
        for (id, row) in sync_rows::snapshots(&mut *conn, table, &ids).await? {
            out.insert((table.to_string(), id), row);
        }
    }
    Ok(out)
}

/// The hub versions of the rows named, read with one statement.
async fn versions<'a>(
    conn: &mut sqlx::SqliteConnection,
    keys: impl Iterator<Item = (&'a String, &'a String)>,
) -> Result<HashMap<Key, i64>, SyncError> {
    let list = Value::Array(
        keys.map(|(t, id)| Value::Array(vec![t.as_str().into(), id.as_str().into()]))
            .collect(),
    );
    Ok(state::row_versions(&mut *conn, &list.to_string())
        .await?
        .into_iter()
        .map(|(t, id, c)| ((t, id), c))
        .collect())
}

/// This desk's version and the hub's, for a conflict.
type Sides<'a> = (
    Option<&'a Map<String, Value>>,
    Option<&'a Map<String, Value>>,
);

fn conflict_row(
    now: DateTime<Utc>,
    seq: i64,
    table: &str,
    row_id: &str,
    outcome: &str,
    reason: String,
    (ours, theirs): Sides<'_>,
) -> ConflictRow {
    let json = |r: Option<&Map<String, Value>>| r.map(|m| Value::Object(m.clone()).to_string());
    ConflictRow {
        id: new_id(),
        seq,
        table_name: table.to_string(),
        row_id: row_id.to_string(),
        outcome: outcome.to_string(),
        reason,
        ours: json(ours),
        theirs: json(theirs),
        at: ts(now),
        resolved_at: None,
        resolved_by: None,
        resolution: None,
    }
}

fn label(table: &str) -> String {
    table.replace('_', " ")
}

/// Applies one hub change inside the caller's transaction and records its version; a refusal is
/// kept for review. Returns whether a conflict was recorded.
async fn take(
    conn: &mut sqlx::SqliteConnection,
    c: &RemoteChange,
    seq: i64,
    now: DateTime<Utc>,
) -> Result<bool, SyncError> {
    let applied = sync_rows::apply(&mut *conn, &c.table, &c.row_id, c.row.as_ref()).await?;
    state::set_row_version(&mut *conn, &c.table, &c.row_id, c.cursor).await?;
    if let Applied::Refused(why) = applied {
        refused(&mut *conn, c, seq, &why, now).await?;
        return Ok(true);
    }
    Ok(false)
}

/// Keeps a hub change this desk could not take for review, with why.
async fn refused(
    conn: &mut sqlx::SqliteConnection,
    c: &RemoteChange,
    seq: i64,
    why: &str,
    now: DateTime<Utc>,
) -> Result<(), SyncError> {
    let row = conflict_row(
        now,
        seq,
        &c.table,
        &c.row_id,
        "rejected",
        format!(
            "this desk could not take the hub's {}: {why}",
            label(&c.table)
        ),
        (None, c.row.as_ref()),
    );
    state::insert_conflict(&mut *conn, &row).await?;
    Ok(())
}

/// Records the hub's answer to a pushed batch and moves the journal position over the entries it
/// answered. Returns (answered, conflicts).
pub async fn record_answers(
    store: &Store,
    sent: &Outgoing,
    answer: &PushAnswer,
    desk: Uuid,
    now: DateTime<Utc>,
) -> Result<(u64, u64), SyncError> {
    let mut w = store.write(now).await?;
    let conn = w.conn();
    sync_rows::defer_foreign_keys(&mut *conn).await?;
    let mut hlc = state::state(&mut *conn)
        .await?
        .hlc
        .and_then(|t| serde_json::from_str::<Hlc>(&t).ok());
    let (mut answered, mut conflicts) = (0u64, 0u64);
    let mut position = None;
    let mut taken = Vec::new();
    // The hub versions of the rows it took, recorded with one statement after the loop.
    let mut versions: Vec<Value> = Vec::new();
    for (entry, result) in sent.entries.iter().zip(&answer.results) {
        let EntryResult {
            seq,
            outcome,
            cursor,
            reason,
            current,
        } = result;
        if *seq != entry.seq {
            break;
        }
        match outcome {
            Outcome::Applied | Outcome::Duplicate => {
                if let Some(c) = cursor {
                    versions.push(Value::Array(vec![
                        entry.table.as_str().into(),
                        entry.row_id.as_str().into(),
                        (*c).into(),
                    ]));
                }
            }
            Outcome::Conflict => {
                let why = reason
                    .clone()
                    .unwrap_or_else(|| "another desk changed this record first".into());
                let row = conflict_row(
                    now,
                    entry.seq,
                    &entry.table,
                    &entry.row_id,
                    "conflict",
                    format!("{why}; the hub's version is kept and this desk's is shown for review"),
                    (
                        entry.row.as_ref(),
                        current.as_ref().and_then(|c| c.row.as_ref()),
                    ),
                );
                state::insert_conflict(&mut *conn, &row).await?;
                conflicts += 1;
                if let Some(cur) = current {
                    if take(&mut *conn, cur, entry.seq, now).await? {
                        conflicts += 1;
                    }
                    taken.push((cur.table.clone(), cur.row_id.clone()));
                    hlc = Some(Hlc::observe(hlc, cur.hlc, now, desk));
                }
            }
            Outcome::Rejected => {
                let why = reason
                    .clone()
                    .unwrap_or_else(|| "the hub did not say why".into());
                let row = conflict_row(
                    now,
                    entry.seq,
                    &entry.table,
                    &entry.row_id,
                    "rejected",
                    format!("the hub refused this desk's change: {why}"),
                    (entry.row.as_ref(), None),
                );
                state::insert_conflict(&mut *conn, &row).await?;
                conflicts += 1;
            }
        }
        answered += 1;
        position = Some(entry.seq);
    }
    let moved_to = if answered as usize == sent.entries.len() {
        sent.upto
    } else {
        // Stop before the first entry without an answer; it is sent again next time.
        position.unwrap_or(0)
    };
    if !versions.is_empty() {
        state::set_row_versions(&mut *conn, &Value::Array(versions).to_string()).await?;
    }
    state::set_pushed(&mut *conn, moved_to).await?;
    if let Some(h) = hlc {
        state::set_hlc(&mut *conn, &serde_json::to_string(&h).unwrap_or_default()).await?;
    }
    check_references(&mut *conn, &taken).await?;
    w.commit().await?;
    Ok((answered, conflicts))
}

async fn check_references(
    conn: &mut sqlx::SqliteConnection,
    taken: &[(String, String)],
) -> Result<(), SyncError> {
    let mut rows = Vec::new();
    for (t, id) in taken {
        rows.push((
            t.clone(),
            id.clone(),
            sync_rows::snapshot(&mut *conn, t, id).await?,
        ));
    }
    let dangling = sync_rows::dangling(&mut *conn, &rows).await?;
    if let Some(d) = dangling.first() {
        return Err(SyncError::BadAnswer(format!(
            "the hub's changes name records this desk does not have ({} in {}); nothing of \
             them was applied",
            dangling.len(),
            label(&d.table)
        )));
    }
    Ok(())
}

/// Changes of a page held back because they name a record this desk does not have (or delete
/// one that other rows here name), by (table, row id), with the missing table.
type Held = std::collections::HashMap<(String, String), String>;

/// Applies one page of the group's changes in one transaction, without journaling them, and
/// moves the cursor to the page's end. Returns (applied, conflicts).
///
/// A change that would leave a row naming a record this desk does not have (its parent was
/// refused here, or never synced) is held back and kept for review rather than blocking every
/// later change: the page is applied again without it.
pub async fn apply_page(
    store: &Store,
    page: &PullPage,
    desk: Uuid,
    now: DateTime<Utc>,
) -> Result<(u64, u64), SyncError> {
    let mut held = Held::new();
    for _ in 0..=page.changes.len().min(50) {
        match apply_page_holding(store, page, desk, now, &held).await? {
            Ok(done) => return Ok(done),
            Err(more) => {
                let before = held.len();
                held.extend(more);
                if held.len() == before {
                    break;
                }
            }
        }
    }
    Err(SyncError::BadAnswer(
        "the hub's changes name records this desk does not have, and holding them back did \
         not help; nothing of them was applied"
            .into(),
    ))
}

/// One attempt at a page with the `held` changes left out: Ok((applied, conflicts)) committed,
/// or Err(more changes to hold) with nothing written.
async fn apply_page_holding(
    store: &Store,
    page: &PullPage,
    desk: Uuid,
    now: DateTime<Utc>,
    held: &Held,
) -> Result<Result<(u64, u64), Held>, SyncError> {
    let device = store.device_id().to_string();
    let device = device.as_str();
    let mut w = store.write(now).await?;
    let conn = w.conn();
    sync_rows::defer_foreign_keys(&mut *conn).await?;
    let st = state::state(&mut *conn).await?;
    if page.next < st.cursor {
        return Err(SyncError::BadAnswer(
            "the hub's page starts before what this desk already has".into(),
        ));
    }
    let mut hlc = st.hlc.and_then(|t| serde_json::from_str::<Hlc>(&t).ok());
    let mut conflicts = 0u64;
    // What this desk holds of the page's rows, read in bulk: the rows, their hub versions and
    // this desk's unpushed changes.
    let live: Vec<&RemoteChange> = page
        .changes
        .iter()
        .filter(|c| c.cursor > st.cursor)
        .collect();
    let mut current = read_rows(&mut *conn, live.iter().map(|c| (&c.table, &c.row_id))).await?;
    let mut version = versions(&mut *conn, live.iter().map(|c| (&c.table, &c.row_id))).await?;
    let mut unpushed: HashMap<Key, JournalEntry> = HashMap::new();
    for e in state::journal_after(&mut *conn, st.pushed_seq, i64::MAX).await? {
        unpushed.insert((e.table_name.clone(), e.row_id.clone()), e);
    }
    let mut moved: Vec<Value> = Vec::new();
    let mut written: Vec<Key> = Vec::new();
    for c in live {
        hlc = Some(Hlc::observe(hlc, c.hlc, now, desk));
        let key = (c.table.clone(), c.row_id.clone());
        if let Some(missing) = held.get(&key) {
            let row = conflict_row(
                now,
                0,
                &c.table,
                &c.row_id,
                "rejected",
                format!(
                    "this desk could not take the hub's {}: it names a {} this desk does not \
                     have (or removes one that other records here name)",
                    label(&c.table),
                    label(missing)
                ),
                (None, c.row.as_ref()),
            );
            state::insert_conflict(&mut *conn, &row).await?;
            conflicts += 1;
            continue;
        }
        let held_version = version.get(&key).copied();
        if held_version.is_some_and(|v| v >= c.cursor) {
            // This desk holds a version the hub took after this one (its own, acknowledged).
            continue;
        }
        version.insert(key.clone(), c.cursor);
        moved.push(Value::Array(vec![
            c.table.as_str().into(),
            c.row_id.as_str().into(),
            c.cursor.into(),
        ]));
        let ours = current.get(&key).cloned();
        let take_theirs = match unpushed.get(&key) {
            None => {
                // A change that raced this desk's acknowledged version of the row and won on
                // the hub: this desk's version is kept for review.
                if held_version.is_some() && c.base != held_version {
                    let mine = ours
                        .as_ref()
                        .and_then(|r| r.get("device_id"))
                        .and_then(Value::as_str)
                        == Some(device);
                    if mine && ours.as_ref() != c.row.as_ref() {
                        let row = conflict_row(
                            now,
                            0,
                            &c.table,
                            &c.row_id,
                            "conflict",
                            format!(
                                "another desk changed this {} at the same time, later; its \
                                 version is kept and this desk's is shown for review",
                                label(&c.table)
                            ),
                            (ours.as_ref(), c.row.as_ref()),
                        );
                        state::insert_conflict(&mut *conn, &row).await?;
                        conflicts += 1;
                    }
                }
                Some(0)
            }
            Some(local) => {
                let hub_decides = c.table == "credit_application";
                if hub_decides || c.hlc > hlc_of(local, desk) {
                    let why = if hub_decides {
                        "the hub decides an application's state, and another desk moved it first"
                            .to_string()
                    } else {
                        format!("another desk changed this {} later", label(&c.table))
                    };
                    let row = conflict_row(
                        now,
                        local.seq,
                        &c.table,
                        &c.row_id,
                        "conflict",
                        format!("{why}; its version is kept and this desk's is shown for review"),
                        (ours.as_ref(), c.row.as_ref()),
                    );
                    state::insert_conflict(&mut *conn, &row).await?;
                    conflicts += 1;
                    Some(local.seq)
                } else {
                    // This desk's change is the later one: it stays, and goes to the hub as
                    // made on top of the version just seen.
                    None
                }
            }
        };
        let Some(seq) = take_theirs else {
            continue;
        };
        let new_customer = c.table == "customer" && ours.is_none();
        let applied =
            sync_rows::apply_over(&mut *conn, &c.table, &c.row_id, c.row.as_ref(), ours).await?;
        match applied {
            Applied::Refused(why) => {
                refused(&mut *conn, c, seq, &why, now).await?;
                conflicts += 1;
            }
            Applied::Written | Applied::Unchanged => {
                match &c.row {
                    Some(r) => current.insert(key.clone(), r.clone()),
                    None => current.remove(&key),
                };
                written.push(key);
                if new_customer && same_person_elsewhere(&mut *conn, c, now).await? {
                    conflicts += 1;
                }
            }
        }
    }
    state::set_row_versions(&mut *conn, &Value::Array(moved).to_string()).await?;
    state::set_cursor(&mut *conn, page.next).await?;
    if let Some(h) = hlc {
        state::set_hlc(&mut *conn, &serde_json::to_string(&h).unwrap_or_default()).await?;
    }
    written.sort();
    written.dedup();
    let rows: Vec<sync_rows::WrittenRow> = written
        .into_iter()
        .map(|k| {
            let row = current.get(&k).cloned();
            (k.0, k.1, row)
        })
        .collect();
    let dangling = sync_rows::dangling(&mut *conn, &rows).await?;
    if !dangling.is_empty() {
        let mut more = Held::new();
        for d in dangling {
            if let Some(id) = d.row_id {
                more.insert((d.table, id), d.missing);
            }
        }
        return Ok(Err(more));
    }
    w.commit().await?;
    let applied = page.changes.iter().filter(|c| c.cursor > st.cursor).count() as u64;
    Ok(Ok((applied, conflicts)))
}

/// Flags a customer another desk entered when this desk holds another customer entered at
/// another desk with the same SSN (by its blind index): possibly one person twice, for a finance
/// manager to compare and merge. Never merged here.
async fn same_person_elsewhere(
    conn: &mut sqlx::SqliteConnection,
    c: &RemoteChange,
    now: DateTime<Utc>,
) -> Result<bool, SyncError> {
    let text = |k: &str| {
        c.row
            .as_ref()
            .and_then(|r| r.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let (Some(index), Some(device)) = (text("ssn_index"), text("device_id")) else {
        return Ok(false);
    };
    let others = dealerdesk_store::read::identity::same_ssn_from_other_desks(
        &mut *conn, &index, &c.row_id, &device,
    )
    .await?;
    if others.is_empty() {
        return Ok(false);
    }
    let row = conflict_row(
        now,
        0,
        &c.table,
        &c.row_id,
        "conflict",
        format!(
            "the same person may have been entered at two desks: customer {} has the same SSN; \
             a finance manager should compare the two records and merge them",
            others.join(", ")
        ),
        (None, c.row.as_ref()),
    );
    state::insert_conflict(&mut *conn, &row).await?;
    Ok(true)
}

pub(super) async fn post<T: Serialize>(
    e: &Enrolment,
    kind: Kind,
    path: &str,
    body: &T,
) -> Result<String, SyncError> {
    let signed = wire::sign(kind, &e.signing_key, e.desk_id, body)
        .map_err(|x| SyncError::BadAnswer(x.to_string()))?;
    let text = serde_json::to_string(&signed).map_err(|x| SyncError::BadAnswer(x.to_string()))?;
    let answer = pin::request(&e.hub_url, &e.fingerprint, "POST", path, Some(&text))
        .await
        .map_err(|reason| SyncError::Unreachable {
            url: e.hub_url.clone(),
            reason,
        })?;
    match answer.status {
        200 => Ok(answer.body),
        400..=499 => Err(SyncError::Refused(hub_message(&answer))),
        _ => Err(SyncError::Unreachable {
            url: e.hub_url.clone(),
            reason: hub_message(&answer),
        }),
    }
}

async fn run(
    store: &Store,
    e: &Enrolment,
    now: DateTime<Utc>,
    wait_ms: u32,
    interrupt: &mut (dyn std::future::Future<Output = ()> + Send + Unpin),
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    let mut t = std::time::Instant::now();
    let mut out = outgoing(store, e.desk_id).await?;
    loop {
        let read = t.elapsed();
        if out.entries.is_empty() {
            if out.upto <= state::read_state(store).await?.pushed_seq {
                break;
            }
            // Only entries of tables that stay on this desk: covered, nothing to send.
            let mut w = store.write(now).await?;
            state::set_pushed(w.conn(), out.upto).await?;
            w.commit().await?;
            t = std::time::Instant::now();
            out = outgoing(store, e.desk_id).await?;
            continue;
        }
        let batch = PushBatch {
            group_id: e.group_id,
            desk_id: e.desk_id,
            batch_id: Uuid::now_v7(),
            sent_at: Utc::now(),
            entries: std::mem::take(&mut out.entries),
        };
        // While the hub takes this batch, the next one is read from where this one ends.
        let t_sent = std::time::Instant::now();
        let (body, ahead) = tokio::join!(
            post(e, Kind::Push, wire::PUSH_PATH, &batch),
            outgoing_from(store, e.desk_id, Some(out.upto))
        );
        let hub = t_sent.elapsed();
        out.entries = batch.entries;
        let answer: PushAnswer =
            serde_json::from_str(&body?).map_err(|x| SyncError::BadAnswer(x.to_string()))?;
        let t_answered = std::time::Instant::now();
        let (answered, conflicts) = record_answers(store, &out, &answer, e.desk_id, now).await?;
        tracing::debug!(
            entries = out.entries.len(),
            read_ms = read.as_millis() as u64,
            hub_ms = hub.as_millis() as u64,
            record_ms = t_answered.elapsed().as_millis() as u64,
            "pushed a batch"
        );
        report.pushed += answered;
        report.conflicts += conflicts;
        if (answered as usize) < out.entries.len() {
            return Err(SyncError::BadAnswer(
                "the hub answered only part of a batch".into(),
            ));
        }
        t = std::time::Instant::now();
        out = match ahead {
            // A clean answer changes nothing the batch read ahead holds but the hub versions
            // of rows this batch also carried.
            Ok(mut next) if conflicts == 0 => {
                rebase(&mut next, &out, &answer);
                next
            }
            // A conflict may have taken the hub's version of a row: read it again.
            _ => outgoing(store, e.desk_id).await?,
        };
    }
    super::audit::push_for_run(store, e, &mut report).await;
    let pull = |after: i64, wait_ms: u32| PullRequest {
        group_id: e.group_id,
        desk_id: e.desk_id,
        request_id: Uuid::now_v7(),
        sent_at: Utc::now(),
        after,
        limit: PULL_PAGE,
        wait_ms,
    };
    let after = state::read_state(store).await?.cursor;
    // Only the first page waits for news; the rest are read at once. While it waits, no
    // transaction is open here: an interruption (local changes to send) ends the run cleanly.
    let body = if wait_ms > 0 {
        state::succeeded(store, &ts(Utc::now())).await?;
        let req = pull(after, wait_ms);
        tokio::select! {
            b = post(e, Kind::Pull, wire::PULL_PATH, &req) => b?,
            _ = &mut *interrupt => {
                report.cursor = after;
                return Ok(report);
            }
        }
    } else {
        post(e, Kind::Pull, wire::PULL_PATH, &pull(after, 0)).await?
    };
    let mut page = read_pull_page(&body)?;
    let mut after = after;
    loop {
        let fetched = std::time::Instant::now();
        let more = page.more && page.next > after;
        // While this page is applied, the next one is fetched (pages after a cursor never
        // change); it is dropped if this one cannot be applied.
        let (applied, ahead) = if more {
            let req = pull(page.next, 0);
            let (applied, ahead) = tokio::join!(
                apply_page(store, &page, e.desk_id, now),
                post(e, Kind::Pull, wire::PULL_PATH, &req)
            );
            (applied?, Some(ahead))
        } else {
            (apply_page(store, &page, e.desk_id, now).await?, None)
        };
        tracing::debug!(
            changes = page.changes.len(),
            apply_ms = fetched.elapsed().as_millis() as u64,
            "applied a page"
        );
        let (applied, conflicts) = applied;
        report.pulled += applied;
        report.conflicts += conflicts;
        let Some(ahead) = ahead else {
            break;
        };
        after = page.next;
        page = read_pull_page(&ahead?)?;
    }
    report.cursor = state::read_state(store).await?.cursor;
    Ok(report)
}

/// Syncs this desk with its hub once: push everything waiting, then pull everything new. A
/// failure is recorded (the desk is offline since the first one) and returned; the next run
/// carries on from where this one stopped.
pub async fn sync_now(store: &Store, now: DateTime<Utc>) -> Result<SyncReport, SyncError> {
    sync_waiting(store, now, 0, std::future::pending()).await
}

/// [`sync_now`], with the first pull held open by the hub for up to `wait_ms` until another
/// desk's change arrives (a long poll: the background sync's way to see changes within a
/// moment without asking every second). The answer is the same as without waiting. When
/// `interrupt` completes during that wait (this desk has changes to send), the run ends at once,
/// cleanly: no transaction is open while it waits.
pub async fn sync_waiting(
    store: &Store,
    now: DateTime<Utc>,
    wait_ms: u32,
    interrupt: impl std::future::Future<Output = ()> + Send,
) -> Result<SyncReport, SyncError> {
    let mut interrupt = Box::pin(interrupt);
    let Some(e) = super::enrol::load(store).await? else {
        return Err(SyncError::NotEnrolled);
    };
    let at = ts(now);
    state::attempted(store, &at).await?;
    match run(
        store,
        &e,
        now,
        wait_ms.min(wire::MAX_PULL_WAIT_MS),
        &mut interrupt,
    )
    .await
    {
        Ok(r) => {
            state::succeeded(store, &ts(Utc::now())).await?;
            super::audit::note_outcome(store, &r).await;
            Ok(r)
        }
        Err(err) => {
            if let Err(db) = state::failed(store, &at, &err.to_string()).await {
                tracing::error!(error = %db, "could not record the failed sync run");
            }
            Err(err)
        }
    }
}

/// How many changes of synced tables wait to be sent (cheap: for a background loop to notice
/// local work while it waits on the hub).
pub async fn waiting(store: &Store) -> Result<i64, SyncError> {
    let st = state::read_state(store).await?;
    Ok(state::count_after(store, st.pushed_seq, &sync_rows::synced_tables_json()).await?)
}

/// Where this desk's sync stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SyncStatus {
    pub enrolled: bool,
    pub hub: Option<String>,
    #[ts(as = "Option<String>")]
    pub desk_id: Option<Uuid>,
    /// Changes of synced tables not yet answered by the hub.
    pub waiting: i64,
    pub cursor: i64,
    pub last_attempt_at: Option<String>,
    pub last_success_at: Option<String>,
    /// Set while the hub cannot be reached: since the first failed run after a success.
    pub offline_since: Option<String>,
    pub last_error: Option<String>,
    pub open_conflicts: i64,
}

/// Where this desk's sync stands (a desk that is not enrolled reads as such, with nothing
/// waiting).
pub async fn status(store: &Store) -> Result<SyncStatus, SyncError> {
    let e = super::enrol::load(store).await?;
    let st = state::read_state(store).await?;
    let waiting = if e.is_some() {
        state::count_after(store, st.pushed_seq, &sync_rows::synced_tables_json()).await?
    } else {
        0
    };
    Ok(SyncStatus {
        enrolled: e.is_some(),
        hub: e.as_ref().map(|e| e.hub_url.clone()),
        desk_id: e.as_ref().map(|e| e.desk_id),
        waiting,
        cursor: st.cursor,
        last_attempt_at: st.last_attempt_at,
        last_success_at: st.last_success_at,
        offline_since: st.offline_since,
        last_error: st.last_error,
        open_conflicts: state::count_open_conflicts(store).await?,
    })
}

/// One field of a conflict, as shown for review (never a decrypted value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct FieldDiff {
    pub field: String,
    pub ours: String,
    pub theirs: String,
}

/// A conflict as staff review it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ConflictView {
    pub id: String,
    pub at: String,
    /// What kind of record, in words ("customer address").
    pub record: String,
    pub row_id: String,
    pub outcome: String,
    pub reason: String,
    /// The fields whose values differ.
    pub fields: Vec<FieldDiff>,
}

/// A stored value as it may be shown: ciphertext, hashes and keyed indexes are never shown, a
/// file is shown by its size.
fn shown(field: &str, v: Option<&Value>) -> String {
    let secret = field.ends_with("_enc")
        || field.ends_with("_hash")
        || field.ends_with("_index")
        || field.ends_with("_secret");
    match v {
        None | Some(Value::Null) => "(none)".into(),
        Some(_) if secret => "(encrypted)".into(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(m)) => match m.get("$b64").and_then(Value::as_str) {
            Some(b) => format!("(file, {} bytes)", b.len() / 4 * 3),
            None => "(details)".into(),
        },
        Some(other) => other.to_string(),
    }
}

fn diff(ours: Option<&str>, theirs: Option<&str>) -> Vec<FieldDiff> {
    let parse = |t: Option<&str>| -> Map<String, Value> {
        t.and_then(|t| serde_json::from_str::<Value>(t).ok())
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default()
    };
    let (a, b) = (parse(ours), parse(theirs));
    let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter(|n| {
            !matches!(
                n.as_str(),
                CHILDREN_KEY | "updated_at" | "device_id" | "change_seq"
            )
        })
        .filter(|n| a.get(*n) != b.get(*n))
        .map(|n| FieldDiff {
            field: n.clone(),
            ours: shown(n, a.get(n)),
            theirs: shown(n, b.get(n)),
        })
        .collect()
}

/// The conflicts nobody has resolved, newest first, with the fields that differ.
pub async fn conflicts(store: &Store, limit: i64) -> Result<Vec<ConflictView>, SyncError> {
    Ok(state::open_conflicts(store, limit)
        .await?
        .into_iter()
        .map(|c| ConflictView {
            fields: diff(c.ours.as_deref(), c.theirs.as_deref()),
            id: c.id,
            at: c.at,
            record: label(&c.table_name),
            row_id: c.row_id,
            outcome: c.outcome,
            reason: c.reason,
        })
        .collect())
}

/// Who may review conflicts: a finance manager or an admin (the command line holds every role).
fn may_review(actor: &Actor) -> Result<(), SyncError> {
    if actor.has_role(&[Role::FinanceManager, Role::Admin]) {
        Ok(())
    } else {
        Err(SyncError::ReviewForbidden)
    }
}

/// The conflicts waiting for review, for a finance manager or admin.
pub async fn conflicts_for(
    store: &Store,
    actor: &Actor,
    limit: i64,
) -> Result<Vec<ConflictView>, SyncError> {
    may_review(actor)?;
    conflicts(store, limit.clamp(1, 1000)).await
}

/// Marks a conflict reviewed, with what the reviewer decided in their words (audited). The
/// hub's version stays; a change the reviewer wants back is made again as a new change.
pub async fn resolve(
    store: &Store,
    actor: &Actor,
    id: &str,
    note: &str,
    now: DateTime<Utc>,
) -> Result<(), SyncError> {
    may_review(actor)?;
    let note = note.trim();
    if note.chars().count() > 500 {
        return Err(SyncError::invalid(
            "note",
            "keep the note under 500 characters",
        ));
    }
    let by = match actor {
        Actor::Staff(s) => Some(s.id.clone()),
        _ => None,
    };
    let resolution = if note.is_empty() {
        format!("reviewed by {}", actor.name())
    } else {
        format!("reviewed by {}: {note}", actor.name())
    };
    let mut w = store.write(now).await?;
    let at = ts(now);
    if !state::resolve_conflict(w.conn(), id, by.as_deref(), &resolution, &at).await? {
        return Err(SyncError::NoSuchConflict);
    }
    w.audit(
        AuditEvent::new(
            actor.name(),
            "sync.conflict_reviewed",
            AuditOutcome::Success,
        )
        .subject(id.to_string()),
    );
    w.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conflict_shows_what_differs_and_never_a_secret() {
        let ours =
            r#"{"id":"c1","phone":"555-0101","ssn_enc":"v1:aaa","ssn_index":"x","updated_at":"1"}"#;
        let theirs =
            r#"{"id":"c1","phone":"555-0199","ssn_enc":"v1:bbb","ssn_index":"y","updated_at":"2"}"#;
        let d = diff(Some(ours), Some(theirs));
        assert_eq!(
            d,
            vec![
                FieldDiff {
                    field: "phone".into(),
                    ours: "555-0101".into(),
                    theirs: "555-0199".into()
                },
                FieldDiff {
                    field: "ssn_enc".into(),
                    ours: "(encrypted)".into(),
                    theirs: "(encrypted)".into()
                },
                FieldDiff {
                    field: "ssn_index".into(),
                    ours: "(encrypted)".into(),
                    theirs: "(encrypted)".into()
                },
            ]
        );
    }
}
