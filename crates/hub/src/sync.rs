//! Desks push their change journals and pull the group's changes (the wire is
//! `dealerdesk_sync::wire`). A push is verified against the desk's enrolled Ed25519 key, refused
//! whole (and audited, nothing stored) when it is not the desk's, and otherwise answered entry by
//! entry in one transaction, idempotent by (desk, seq). Cursors come from the group's counter
//! row inside that transaction, so they are handed out in commit order and a pull never skips.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use uuid::Uuid;

use dealerdesk_hub_store::audit::{self, HubEvent};
use dealerdesk_hub_store::change::{self, ChangeRow};
use dealerdesk_hub_store::{batch, cursor, desk};
use dealerdesk_rules::application::{reachable, ApplicationState};
use dealerdesk_sync::wire::{
    self, Change, EntryResult, Hlc, Kind, Op, Outcome, PullPage, PullRequest, PushAnswer,
    PushBatch, RemoteChange, Signed,
};

use crate::{Hub, HubError};

/// The desk tables the hub takes, and how concurrent changes to each are settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A record that is never changed once made: a second, different version is refused.
    AppendOnly,
    /// The hub is authoritative for the state: a move of the row's `status` must be a step of
    /// the credit application's state machine from the hub's status; a concurrent change that
    /// moves the state some other way comes back as a conflict.
    StateMachine,
    /// The later change by the hybrid logical clock wins; the version it replaces stays in the
    /// hub's change journal.
    LastWriterWins,
}

/// The rule of a desk table, or None for a table the hub does not take.
pub fn rule(table: &str) -> Option<Rule> {
    Some(match table {
        "identity_check"
        | "identity_resolution"
        | "contact_confirmation"
        | "application_history"
        | "application_decision"
        | "stipulation_document"
        | "contract_signing_event" => Rule::AppendOnly,
        "credit_application" => Rule::StateMachine,
        "customer"
        | "customer_address"
        | "vehicle"
        | "deal"
        | "stipulation"
        | "adverse_action_notice"
        | "contract_document"
        | "access_link"
        | "portal_account"
        | "contact_change"
        | "link_document"
        | "lender"
        | "rate_sheet"
        | "usury_cap" => Rule::LastWriterWins,
        _ => return None,
    })
}

fn op_text(op: Op) -> &'static str {
    match op {
        Op::Insert => "insert",
        Op::Update => "update",
        Op::Delete => "delete",
    }
}

fn hlc_of(r: &ChangeRow) -> Hlc {
    Hlc {
        wall_ms: r.hlc_wall,
        counter: u32::try_from(r.hlc_counter).unwrap_or(u32::MAX),
        desk: r.desk_id,
    }
}

/// A stored change as the wire serves it.
pub fn remote(r: &ChangeRow) -> RemoteChange {
    RemoteChange {
        cursor: r.cursor,
        desk_id: r.desk_id,
        seq: r.seq,
        table: r.table_name.clone(),
        row_id: r.row_id.clone(),
        op: match r.op.as_str() {
            "insert" => Op::Insert,
            "delete" => Op::Delete,
            _ => Op::Update,
        },
        at: r.at,
        hlc: hlc_of(r),
        row: r.row.as_ref().and_then(|v| v.as_object().cloned()),
        base: r.base,
    }
}

/// What the rules make of one incoming change against the hub's current version of its row.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Apply,
    /// Identical to what the hub holds (an append-only record sent again).
    Same,
    Conflict(String),
    Reject(String),
}

/// A state machine row's `status`: None when the row or the field is absent, else its text (a
/// value that is not a string as its JSON, which names no state).
fn status_text(row: Option<&serde_json::Map<String, serde_json::Value>>) -> Option<String> {
    // The desk's column is `state`.
    row.and_then(|r| r.get("state")).map(|s| match s {
        serde_json::Value::String(t) => t.clone(),
        other => other.to_string(),
    })
}

/// A state in words.
fn words(state: &str) -> String {
    state.replace('_', " ")
}

/// Why a status that names no state is refused; `whose` says which version holds it.
fn unknown_status(whose: &str, text: &str) -> String {
    let states: Vec<&str> = ApplicationState::ALL.iter().map(|s| s.as_str()).collect();
    format!(
        "{whose} {text:?} is not a credit application state (one of: {})",
        states.join(", ")
    )
}

/// The hub's version of a row, as the rules read it: stored, or taken earlier in the same batch.
#[derive(Debug, Clone, Copy)]
pub struct Current<'a> {
    pub desk_id: Uuid,
    /// The version's cursor (0 for one taken earlier in the batch being decided, which has none
    /// yet; its desk is the deciding desk, so the cursor is never compared).
    pub cursor: i64,
    pub hlc: Hlc,
    pub row: Option<&'a serde_json::Map<String, serde_json::Value>>,
}

impl<'a> From<&'a ChangeRow> for Current<'a> {
    fn from(r: &'a ChangeRow) -> Self {
        Current {
            desk_id: r.desk_id,
            cursor: r.cursor,
            hlc: hlc_of(r),
            row: r.row.as_ref().and_then(serde_json::Value::as_object),
        }
    }
}

/// Settles one change of `desk` against `current` (the hub's version, if any).
pub fn decide<'a>(
    desk: Uuid,
    change: &Change,
    current: Option<impl Into<Current<'a>>>,
) -> Decision {
    let current: Option<Current<'a>> = current.map(Into::into);
    let Some(rule) = rule(&change.table) else {
        return Decision::Reject(format!("the hub does not take changes to {}", change.table));
    };
    if let Some(id) = change.row.as_ref().and_then(|r| r.get("id")) {
        if id.as_str() != Some(change.row_id.as_str()) {
            return Decision::Reject("the row's id is not the id the change names".into());
        }
    }
    let ours = status_text(change.row.as_ref());
    if rule == Rule::StateMachine {
        if let Some(text) = ours.as_deref() {
            if ApplicationState::parse(text).is_none() {
                return Decision::Reject(unknown_status("the application's status", text));
            }
        }
    }
    let Some(cur) = current else {
        return Decision::Apply;
    };
    if rule == Rule::AppendOnly {
        return if change.row.as_ref() == cur.row {
            Decision::Same
        } else {
            Decision::Reject(format!(
                "a {} is a record and is never changed once made",
                change.table.replace('_', " ")
            ))
        };
    }
    let concurrent = cur.desk_id != desk && change.base != Some(cur.cursor);
    if rule == Rule::StateMachine {
        let theirs = status_text(cur.row);
        if theirs != ours {
            let moved_first = Decision::Conflict(format!(
                "another desk moved this application to {} first",
                words(theirs.as_deref().unwrap_or("another state"))
            ));
            if let (Some(from), Some(to)) = (theirs.as_deref(), ours.as_deref()) {
                let Some(f) = ApplicationState::parse(from) else {
                    return Decision::Reject(unknown_status(
                        "the hub's status for this application",
                        from,
                    ));
                };
                let Some(t) = ApplicationState::parse(to) else {
                    return Decision::Reject(unknown_status("the application's status", to));
                };
                if !reachable(f, t) && !concurrent {
                    // The desk made or had seen the hub's state, and no sequence of steps leads
                    // from it to this one (a desk that was offline may have taken several).
                    return Decision::Reject(format!(
                        "an application cannot move from {} to {}",
                        words(from),
                        words(to)
                    ));
                }
            }
            // A concurrent move is a conflict whether or not it is a step from the hub's state:
            // the desk moved from a state the hub has since left, and the hub's state stands.
            if concurrent {
                return moved_first;
            }
        }
    }
    if !concurrent {
        return Decision::Apply;
    }
    if change.hlc > cur.hlc {
        Decision::Apply
    } else {
        Decision::Conflict("another desk changed this record later".into())
    }
}

impl Hub {
    pub(crate) async fn refuse(
        &self,
        desk_id: Uuid,
        action: &'static str,
        reason: String,
        now: DateTime<Utc>,
    ) -> HubError {
        let gid = self.group_id;
        let ev = HubEvent {
            actor: format!("desk:{desk_id}"),
            action,
            subject: Some(desk_id.to_string()),
            detail: json!({ "reason": reason }).to_string(),
        };
        let logged = self
            .store
            .transaction(|c| {
                let ev = ev.clone();
                Box::pin(async move {
                    audit::append(c, gid, &ev, now).await?;
                    Ok::<_, HubError>(())
                })
            })
            .await;
        if let Err(e) = logged {
            tracing::error!(error = %e, "could not audit a refused sync request");
        }
        HubError::Forbidden(reason)
    }

    /// Verifies a signed message of an enrolled, unrevoked desk of this group.
    pub(crate) async fn verified<T>(
        &self,
        kind: Kind,
        signed: &Signed,
        refused: &'static str,
        now: DateTime<Utc>,
    ) -> Result<T, HubError>
    where
        T: serde::de::DeserializeOwned + wire::Addressed,
    {
        let d = {
            let mut c = self.store.pool().acquire().await?;
            desk::get(&mut c, self.group_id, signed.desk_id).await?
        };
        let Some(d) = d else {
            return Err(self
                .refuse(
                    signed.desk_id,
                    refused,
                    "this desk is not enrolled with this hub".into(),
                    now,
                )
                .await);
        };
        if d.revoked_at.is_some() {
            return Err(self
                .refuse(d.id, refused, "this desk has been revoked".into(), now)
                .await);
        }
        let key = <[u8; 32]>::try_from(d.ed25519_public.as_slice())
            .ok()
            .and_then(|k| ed25519_dalek::VerifyingKey::from_bytes(&k).ok())
            .ok_or_else(|| HubError::Internal("a desk's stored key is not usable".into()))?;
        match wire::verify::<T>(kind, signed, &key, self.group_id, now) {
            Ok(body) => Ok(body),
            Err(e) => Err(self.refuse(d.id, refused, e.to_string(), now).await),
        }
    }

    /// Takes a signed push: refused whole (audited, nothing stored) unless it is a fresh batch of
    /// an enrolled desk in sequence order; otherwise one answer per entry.
    pub async fn push(&self, signed: &Signed, now: DateTime<Utc>) -> Result<PushAnswer, HubError> {
        let t = std::time::Instant::now();
        let b: PushBatch = self
            .verified(Kind::Push, signed, "push_refused", now)
            .await?;
        if b.entries.len() > wire::MAX_BATCH_ENTRIES {
            let why = format!("a batch holds at most {} changes", wire::MAX_BATCH_ENTRIES);
            return Err(self.refuse(b.desk_id, "push_refused", why, now).await);
        }
        if b.entries.windows(2).any(|w| w[0].seq >= w[1].seq) || b.entries.iter().any(|e| e.seq < 1)
        {
            let why = "a batch's changes must be in increasing sequence order".to_string();
            return Err(self.refuse(b.desk_id, "push_refused", why, now).await);
        }
        let gid = self.group_id;
        let verified = t.elapsed();
        let b = std::sync::Arc::new(b);
        let answer = self
            .store
            .group_serialized(gid, |c| {
                let b = b.clone();
                Box::pin(async move {
                    let n = i32::try_from(b.entries.len()).unwrap_or(i32::MAX);
                    if !batch::record(c, gid, b.desk_id, b.batch_id, n, now).await? {
                        return Ok(None);
                    }
                    push_entries(c, gid, &b, now).await.map(Some)
                })
            })
            .await?;
        let Some(answer) = answer else {
            let why = "this batch was sent before (a replay)".to_string();
            return Err(self.refuse(b.desk_id, "push_refused", why, now).await);
        };
        if answer.results.iter().any(|r| r.outcome == Outcome::Applied) {
            self.news.notify_waiters();
        }
        tracing::debug!(
            entries = answer.results.len(),
            verify_ms = verified.as_millis() as u64,
            store_ms = (t.elapsed() - verified).as_millis() as u64,
            "took a push"
        );
        Ok(answer)
    }

    /// Serves a signed pull: the group's changes after the cursor, other desks' only, in cursor
    /// order; `next` moves past the desk's own changes too.
    pub async fn pull(&self, signed: &Signed, now: DateTime<Utc>) -> Result<PullPage, HubError> {
        let p: PullRequest = self
            .verified(Kind::Pull, signed, "pull_refused", now)
            .await?;
        if p.after < 0 {
            return Err(HubError::invalid("after", "must not be negative"));
        }
        let limit = p.limit.clamp(1, wire::MAX_PULL_LIMIT);
        // Listening starts before the first read, so a push committed in between still wakes it.
        let news = self.news.notified();
        tokio::pin!(news);
        news.as_mut().enable();
        // Read the committed end first: every change at or below it is visible to the page read
        // after it, so a page shorter than the limit covers everything up to there, and `next`
        // can move past this desk's own changes without reading them.
        let (gid, desk, after, n) = (self.group_id, p.desk_id, p.after, i64::from(limit));
        let (mut end, mut rows) = {
            let mut c = self.store.pool().acquire().await?;
            read_page(&mut c, gid, desk, after, n).await?
        };
        let wait = p.wait_ms.min(wire::MAX_PULL_WAIT_MS);
        if wait > 0 && rows.is_empty() {
            let wait = std::time::Duration::from_millis(u64::from(wait));
            if tokio::time::timeout(wait, news).await.is_ok() {
                let mut c = self.store.pool().acquire().await?;
                (end, rows) = read_page(&mut c, gid, desk, after, n).await?;
            }
        }
        let more = rows.len() == limit as usize;
        let last = rows.last().map_or(p.after, |r| r.cursor);
        let next = if more {
            last
        } else {
            last.max(end).max(p.after)
        };
        Ok(PullPage {
            changes: rows.iter().map(remote).collect(),
            next,
            more,
        })
    }
}

/// The committed end of the group's cursor, then the page of other desks' changes after
/// `after` (in that order: see [`Hub::pull`]).
async fn read_page(
    c: &mut sqlx::PgConnection,
    gid: Uuid,
    desk: Uuid,
    after: i64,
    limit: i64,
) -> Result<(i64, Vec<ChangeRow>), sqlx::Error> {
    let end = cursor::committed(&mut *c, gid).await?;
    let rows = change::page_of_others(&mut *c, gid, desk, after, limit).await?;
    Ok((end, rows))
}

async fn push_entries(
    c: &mut sqlx::PgConnection,
    gid: Uuid,
    b: &PushBatch,
    now: DateTime<Utc>,
) -> Result<PushAnswer, HubError> {
    let seqs: Vec<i64> = b.entries.iter().map(|e| e.seq).collect();
    let stored: HashMap<i64, i64> = change::stored_seqs(c, gid, b.desk_id, &seqs)
        .await?
        .into_iter()
        .collect();
    let mut keys: Vec<(String, String)> = b
        .entries
        .iter()
        .map(|e| (e.table.clone(), e.row_id.clone()))
        .collect();
    keys.sort();
    keys.dedup();
    let stored_rows: HashMap<(String, String), ChangeRow> = change::current(c, gid, &keys)
        .await?
        .into_iter()
        .map(|r| ((r.table_name.clone(), r.row_id.clone()), r))
        .collect();
    // A row's version as the batch goes: the stored one, then the batch's last applied change
    // of it (by its index in `applied`).
    let mut taken: HashMap<(&str, &str), usize> = HashMap::new();
    let mut results = Vec::with_capacity(b.entries.len());
    // (index of the result, the change) for each change taken; results answered "duplicate" of
    // a change taken earlier in this batch get its cursor once cursors are handed out.
    let mut applied: Vec<(usize, &Change)> = Vec::new();
    let mut same_as: Vec<(usize, usize)> = Vec::new();
    for e in &b.entries {
        if let Some(cur) = stored.get(&e.seq) {
            results.push(result(e.seq, Outcome::Duplicate, Some(*cur), None, None));
            continue;
        }
        let key = (e.table.as_str(), e.row_id.as_str());
        let earlier = taken.get(&key).map(|&k| (k, applied[k].1));
        let stored_row = stored_rows.get(&(e.table.clone(), e.row_id.clone()));
        let current = match earlier {
            Some((_, prior)) => Some(Current {
                desk_id: b.desk_id,
                cursor: 0,
                hlc: prior.hlc,
                row: prior.row.as_ref(),
            }),
            None => stored_row.map(Current::from),
        };
        match decide(b.desk_id, e, current) {
            Decision::Apply => {
                taken.insert(key, applied.len());
                applied.push((results.len(), e));
                results.push(result(e.seq, Outcome::Applied, None, None, None));
            }
            Decision::Same => {
                if let Some((k, _)) = earlier {
                    same_as.push((results.len(), k));
                }
                let cur = stored_row.filter(|_| earlier.is_none()).map(|r| r.cursor);
                results.push(result(e.seq, Outcome::Duplicate, cur, None, None));
            }
            Decision::Conflict(why) => {
                // Only a stored version can be another desk's, so only it conflicts.
                let cur = stored_row.filter(|_| earlier.is_none()).map(remote);
                results.push(result(e.seq, Outcome::Conflict, None, Some(why), cur));
            }
            Decision::Reject(why) => {
                results.push(result(e.seq, Outcome::Rejected, None, Some(why), None));
            }
        }
    }
    if !applied.is_empty() {
        let n = i64::try_from(applied.len()).unwrap_or(i64::MAX);
        let first = cursor::take(c, gid, n).await?;
        let mut rows = Vec::with_capacity(applied.len());
        let mut bodies = Vec::with_capacity(applied.len());
        for (k, (i, e)) in applied.iter().enumerate() {
            let cursor = first + k as i64;
            results[*i].cursor = Some(cursor);
            rows.push(ChangeRow {
                cursor,
                desk_id: b.desk_id,
                seq: e.seq,
                table_name: e.table.clone(),
                row_id: e.row_id.clone(),
                op: op_text(e.op).to_string(),
                at: e.at,
                hlc_wall: e.hlc.wall_ms,
                hlc_counter: i64::from(e.hlc.counter),
                // Stored from its JSON text below, not copied.
                row: None,
                base: e.base,
            });
            bodies.push(match &e.row {
                Some(r) => Some(serde_json::to_string(r).map_err(|x| {
                    HubError::Internal(format!("a change's row cannot be stored: {x}"))
                })?),
                None => None,
            });
        }
        for (i, k) in same_as {
            results[i].cursor = Some(first + k as i64);
        }
        change::insert_many(c, gid, &rows, &bodies, now).await?;
    }
    let count = |o: Outcome| results.iter().filter(|r| r.outcome == o).count();
    let ev = HubEvent {
        actor: format!("desk:{}", b.desk_id),
        action: "pushed",
        subject: Some(b.batch_id.to_string()),
        detail: json!({
            "applied": count(Outcome::Applied), "duplicate": count(Outcome::Duplicate),
            "conflict": count(Outcome::Conflict), "rejected": count(Outcome::Rejected),
        })
        .to_string(),
    };
    audit::append(c, gid, &ev, now).await?;
    Ok(PushAnswer { results })
}

fn result(
    seq: i64,
    outcome: Outcome,
    cursor: Option<i64>,
    reason: Option<String>,
    current: Option<RemoteChange>,
) -> EntryResult {
    EntryResult {
        seq,
        outcome,
        cursor,
        reason,
        current,
    }
}

/// A change time from milliseconds (for tests and tools).
pub fn at_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dealerdesk_rules::application::ApplicationState as S;

    const APP: &str = "ap1";

    fn desk_a() -> Uuid {
        Uuid::from_u128(0xa)
    }

    fn desk_b() -> Uuid {
        Uuid::from_u128(0xb)
    }

    /// The hub's version of the application: `status`, stored at `cursor` from `desk`.
    fn held(desk: Uuid, cursor: i64, status: &str) -> ChangeRow {
        ChangeRow {
            cursor,
            desk_id: desk,
            seq: cursor,
            table_name: "credit_application".into(),
            row_id: APP.into(),
            op: "update".into(),
            at: at_ms(1_000 * cursor),
            hlc_wall: 1_000 * cursor,
            hlc_counter: 0,
            row: Some(json!({ "id": APP, "state": status })),
            base: None,
        }
    }

    /// A change by `desk` moving the application to `status`, made after seeing `base`.
    fn moving(desk: Uuid, base: Option<i64>, status: serde_json::Value) -> Change {
        let row = json!({ "id": APP, "state": status });
        Change {
            seq: 100,
            table: "credit_application".into(),
            row_id: APP.into(),
            op: Op::Update,
            at: at_ms(500_000),
            hlc: Hlc {
                wall_ms: 500_000,
                counter: 0,
                desk,
            },
            base,
            row: row.as_object().cloned(),
        }
    }

    fn to(desk: Uuid, base: Option<i64>, state: S) -> Change {
        moving(desk, base, json!(state.as_str()))
    }

    #[test]
    fn a_step_of_the_state_machine_by_the_desk_that_holds_the_row_applies() {
        let hub = held(desk_a(), 7, "submitted");
        assert_eq!(
            decide(desk_a(), &to(desk_a(), Some(7), S::Approved), Some(&hub)),
            Decision::Apply
        );
        // Another desk that had seen the hub's version moves it on too.
        assert_eq!(
            decide(desk_b(), &to(desk_b(), Some(7), S::Countered), Some(&hub)),
            Decision::Apply
        );
        let countered = held(desk_b(), 8, "countered");
        assert_eq!(
            decide(
                desk_a(),
                &to(desk_a(), Some(8), S::Approved),
                Some(&countered)
            ),
            Decision::Apply,
            "countered -> approved is accepting the counter-offer"
        );
        // The first version the hub sees of an application is taken in any state.
        assert_eq!(
            decide(desk_a(), &to(desk_a(), None, S::Funded), None::<&ChangeRow>),
            Decision::Apply
        );
        // A change that leaves the state alone is no move.
        assert_eq!(
            decide(desk_a(), &to(desk_a(), Some(7), S::Submitted), Some(&hub)),
            Decision::Apply
        );
    }

    #[test]
    fn a_move_no_sequence_of_steps_makes_is_rejected_and_offline_steps_are_taken() {
        // A desk that was offline took the application from draft to funded step by step: the
        // hub sees one change, and takes it.
        let draft = held(desk_a(), 7, "draft");
        assert_eq!(
            decide(desk_a(), &to(desk_a(), Some(7), S::Funded), Some(&draft)),
            Decision::Apply
        );
        // Nothing leaves a funded, withdrawn or expired application.
        let funded = held(desk_a(), 10, "funded");
        assert_eq!(
            decide(desk_a(), &to(desk_a(), Some(10), S::Draft), Some(&funded)),
            Decision::Reject("an application cannot move from funded to draft".into())
        );
        // Also by another desk that had seen the hub's version: it is no race, just no way.
        let withdrawn = held(desk_a(), 9, "withdrawn");
        assert_eq!(
            decide(
                desk_b(),
                &to(desk_b(), Some(9), S::Submitted),
                Some(&withdrawn)
            ),
            Decision::Reject("an application cannot move from withdrawn to submitted".into())
        );
    }

    #[test]
    fn a_concurrent_move_to_another_state_is_a_conflict() {
        // Desk A declined it (cursor 8) while desk B, which had last seen it submitted (cursor
        // 7), approved it: not a step from declined, and the hub's state stands.
        let declined = held(desk_a(), 8, "declined");
        assert_eq!(
            decide(
                desk_b(),
                &to(desk_b(), Some(7), S::Approved),
                Some(&declined)
            ),
            Decision::Conflict("another desk moved this application to declined first".into())
        );
        // Desk A submitted it while desk B withdrew the ready application it had seen: a
        // legal step from submitted too, but from a state the hub has moved on from.
        let submitted = held(desk_a(), 8, "submitted");
        assert_eq!(
            decide(
                desk_b(),
                &to(desk_b(), Some(7), S::Withdrawn),
                Some(&submitted)
            ),
            Decision::Conflict("another desk moved this application to submitted first".into())
        );
        // A desk that had seen no version at all is concurrent as well.
        assert_eq!(
            decide(
                desk_b(),
                &to(desk_b(), None, S::Withdrawn),
                Some(&submitted)
            ),
            Decision::Conflict("another desk moved this application to submitted first".into())
        );
        // Concurrent changes that agree on the state are settled by the clock, as elsewhere.
        assert_eq!(
            decide(
                desk_b(),
                &to(desk_b(), Some(7), S::Submitted),
                Some(&submitted)
            ),
            Decision::Apply,
            "a later change in the same state"
        );
        let mut earlier = to(desk_b(), Some(7), S::Submitted);
        earlier.hlc.wall_ms = 1;
        assert_eq!(
            decide(desk_b(), &earlier, Some(&submitted)),
            Decision::Conflict("another desk changed this record later".into())
        );
    }

    #[test]
    fn a_status_that_is_no_state_is_rejected() {
        let hub = held(desk_a(), 7, "submitted");
        for bad in [
            json!("pending"),
            json!("Approved"),
            json!("decisioned"),
            json!(3),
        ] {
            for current in [None, Some(&hub)] {
                let got = decide(desk_a(), &moving(desk_a(), Some(7), bad.clone()), current);
                let Decision::Reject(why) = got else {
                    panic!("{bad} must be rejected, got {got:?}");
                };
                assert!(
                    why.starts_with("the application's status ")
                        && why.contains("is not a credit application state")
                        && why.contains("draft, ready, submitted"),
                    "{why}"
                );
            }
        }
        // A status the hub holds but does not know cannot be moved from.
        let odd = held(desk_a(), 7, "on_hold");
        let got = decide(desk_a(), &to(desk_a(), Some(7), S::Approved), Some(&odd));
        assert!(
            matches!(&got, Decision::Reject(why) if why.contains("\"on_hold\"")),
            "{got:?}"
        );
    }
}
