//! The identity verification records (one aggregate): `identity_check` (one row per check, never
//! edited), its `identity_check_rule` results and `identity_check_candidate` sanctions matches,
//! the `identity_resolution` decisions added later, and the customer's `contact_confirmation`
//! rows. Every statement that writes these rows is here.

use dealerdesk_rules::ids::{CustomerId, IdentityCheckId};
use sqlx::SqliteConnection;

use crate::write::Write;
use crate::Store;

/// A check to record (the document number already masked and sealed by the caller).
#[derive(Debug, Clone, Copy)]
pub struct NewCheck<'a> {
    pub id: &'a str,
    pub customer_id: &'a str,
    pub checked_by: &'a str,
    pub method: &'a str,
    pub document_type: &'a str,
    pub document_issuer: Option<&'a str>,
    pub document_number_masked: Option<&'a str>,
    pub document_number_enc: Option<&'a str>,
    /// ISO date.
    pub document_expiry: Option<&'a str>,
    pub tax_id_kind: &'a str,
    pub sanctions_list_id: Option<&'a str>,
    pub sanctions_list_version: Option<i64>,
    pub sanctions_threshold_milli: Option<i64>,
    pub sanctions_top_score_milli: Option<i64>,
    pub facts_fingerprint: &'a str,
    pub outcome: &'a str,
}

/// One rule's result to record.
#[derive(Debug, Clone, Copy)]
pub struct NewRule<'a> {
    pub rule: &'a str,
    pub status: &'a str,
    pub code: Option<&'a str>,
    pub reason: &'a str,
}

/// One sanctions candidate to record.
#[derive(Debug, Clone, Copy)]
pub struct NewCandidate<'a> {
    pub ent_num: i64,
    pub name: &'a str,
    pub score_milli: i64,
    pub program: Option<&'a str>,
    pub sdn_type: Option<&'a str>,
    pub matched_alias: Option<&'a str>,
    pub dob_matches: Option<bool>,
    pub country_matches: Option<bool>,
}

/// One stored check (without the sealed document number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRow {
    pub id: String,
    pub customer_id: String,
    pub checked_at: String,
    pub checked_by: String,
    pub method: String,
    pub document_type: String,
    pub document_issuer: Option<String>,
    pub document_number_masked: Option<String>,
    pub document_expiry: Option<String>,
    pub tax_id_kind: String,
    pub sanctions_list_id: Option<String>,
    pub sanctions_list_version: Option<i64>,
    pub sanctions_threshold_milli: Option<i64>,
    pub sanctions_top_score_milli: Option<i64>,
    pub facts_fingerprint: String,
    pub outcome: String,
}

/// One stored rule result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRow {
    pub rule: String,
    pub status: String,
    pub code: Option<String>,
    pub reason: String,
}

/// One stored sanctions candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateRow {
    pub ent_num: i64,
    pub name: String,
    pub score_milli: i64,
    pub program: Option<String>,
    pub sdn_type: Option<String>,
    pub matched_alias: Option<String>,
    pub dob_matches: Option<bool>,
    pub country_matches: Option<bool>,
}

/// One decision on a flag or a candidate of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolutionRow {
    /// `flag` or `candidate`.
    pub kind: String,
    /// The flag code, or the candidate's entry number as text.
    pub target: String,
    pub decision: String,
    pub note: String,
    pub decided_by: String,
    pub decided_at: String,
}

/// A decision to record.
#[derive(Debug, Clone, Copy)]
pub struct NewResolution<'a> {
    pub check_id: &'a str,
    pub kind: &'a str,
    pub target: &'a str,
    pub decision: &'a str,
    pub note: &'a str,
    pub decided_by: &'a str,
}

/// One channel the customer confirmed, as it was on file then (its fingerprint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactConfirmationRow {
    /// `phone`, `email` or `address`.
    pub channel: String,
    pub fingerprint: String,
    pub confirmed_by: String,
    pub confirmed_at: String,
}

/// Records a check (journaled as `insert`) with its rule results in order and its candidates.
pub async fn insert(
    w: &mut Write<'_>,
    c: &NewCheck<'_>,
    rules: &[NewRule<'_>],
    candidates: &[NewCandidate<'_>],
) -> Result<(), sqlx::Error> {
    let s = w.change("identity_check", c.id, "insert").await?;
    sqlx::query!(
        r#"INSERT INTO identity_check (id, customer_id, checked_at, checked_by, method, document_type,
               document_issuer, document_number_masked, document_number_enc, document_expiry, tax_id_kind,
               sanctions_list_id, sanctions_list_version, sanctions_threshold_milli, sanctions_top_score_milli,
               facts_fingerprint, outcome, created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?3, ?3, ?18, ?19)"#,
        c.id,
        c.customer_id,
        s.at,
        c.checked_by,
        c.method,
        c.document_type,
        c.document_issuer,
        c.document_number_masked,
        c.document_number_enc,
        c.document_expiry,
        c.tax_id_kind,
        c.sanctions_list_id,
        c.sanctions_list_version,
        c.sanctions_threshold_milli,
        c.sanctions_top_score_milli,
        c.facts_fingerprint,
        c.outcome,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    for (i, r) in rules.iter().enumerate() {
        let position = i as i64;
        sqlx::query!(
            r#"INSERT INTO identity_check_rule (check_id, position, rule, status, code, reason)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6)"#,
            c.id,
            position,
            r.rule,
            r.status,
            r.code,
            r.reason,
        )
        .execute(w.conn())
        .await?;
    }
    for d in candidates {
        sqlx::query!(
            r#"INSERT INTO identity_check_candidate (check_id, ent_num, name, score_milli, program, sdn_type,
                   matched_alias, dob_matches, country_matches)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"#,
            c.id,
            d.ent_num,
            d.name,
            d.score_milli,
            d.program,
            d.sdn_type,
            d.matched_alias,
            d.dob_matches,
            d.country_matches,
        )
        .execute(w.conn())
        .await?;
    }
    Ok(())
}

/// One check by id.
pub async fn get(store: &Store, id: &IdentityCheckId) -> Result<Option<CheckRow>, sqlx::Error> {
    let id = id.as_str();
    sqlx::query_as!(
        CheckRow,
        r#"SELECT id, customer_id, checked_at, checked_by, method, document_type, document_issuer,
                  document_number_masked, document_expiry, tax_id_kind, sanctions_list_id,
                  sanctions_list_version, sanctions_threshold_milli, sanctions_top_score_milli,
                  facts_fingerprint, outcome
           FROM identity_check WHERE id = ?1"#,
        id
    )
    .fetch_optional(store.pool())
    .await
}

/// The decisions on a check.
pub async fn resolutions(
    store: &Store,
    check_id: &IdentityCheckId,
) -> Result<Vec<ResolutionRow>, sqlx::Error> {
    let check_id = check_id.as_str();
    sqlx::query_as!(
        ResolutionRow,
        r#"SELECT kind, target, decision, note, decided_by, decided_at FROM identity_resolution
           WHERE check_id = ?1"#,
        check_id
    )
    .fetch_all(store.pool())
    .await
}

/// A check's rule results in order.
pub async fn rules(store: &Store, check_id: &IdentityCheckId) -> Result<Vec<RuleRow>, sqlx::Error> {
    let check_id = check_id.as_str();
    sqlx::query_as!(
        RuleRow,
        r#"SELECT rule, status, code, reason FROM identity_check_rule WHERE check_id = ?1
           ORDER BY position"#,
        check_id
    )
    .fetch_all(store.pool())
    .await
}

/// A check's sanctions candidates, best score first.
pub async fn candidates(
    store: &Store,
    check_id: &IdentityCheckId,
) -> Result<Vec<CandidateRow>, sqlx::Error> {
    let check_id = check_id.as_str();
    sqlx::query_as!(
        CandidateRow,
        r#"SELECT ent_num, name, score_milli, program, sdn_type, matched_alias,
                  dob_matches AS "dob_matches: bool", country_matches AS "country_matches: bool"
           FROM identity_check_candidate WHERE check_id = ?1 ORDER BY score_milli DESC, ent_num"#,
        check_id
    )
    .fetch_all(store.pool())
    .await
}

/// The id of the customer's latest check, if any.
pub async fn latest_id(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<Option<String>, sqlx::Error> {
    let customer_id = customer_id.as_str();
    sqlx::query_scalar!(
        r#"SELECT id FROM identity_check WHERE customer_id = ?1
           ORDER BY checked_at DESC, rowid DESC LIMIT 1"#,
        customer_id
    )
    .fetch_optional(store.pool())
    .await
}

/// The decision already taken on this flag or candidate of a check, if any.
pub async fn resolution_of(
    conn: &mut SqliteConnection,
    check_id: &IdentityCheckId,
    kind: &str,
    target: &str,
) -> Result<Option<ResolutionRow>, sqlx::Error> {
    let check_id = check_id.as_str();
    sqlx::query_as!(
        ResolutionRow,
        r#"SELECT kind, target, decision, note, decided_by, decided_at FROM identity_resolution
           WHERE check_id = ?1 AND kind = ?2 AND target = ?3"#,
        check_id,
        kind,
        target
    )
    .fetch_optional(conn)
    .await
}

/// Records a decision on a check (journaled as `insert`).
pub async fn insert_resolution(
    w: &mut Write<'_>,
    r: &NewResolution<'_>,
) -> Result<(), sqlx::Error> {
    let id = crate::new_id();
    let s = w.change("identity_resolution", &id, "insert").await?;
    sqlx::query!(
        r#"INSERT INTO identity_resolution (id, check_id, kind, target, decision, note, decided_by,
               decided_at, created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?8, ?9, ?10)"#,
        id,
        r.check_id,
        r.kind,
        r.target,
        r.decision,
        r.note,
        r.decided_by,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// The channels the customer confirmed.
pub async fn contact_confirmations(
    store: &Store,
    customer_id: &CustomerId,
) -> Result<Vec<ContactConfirmationRow>, sqlx::Error> {
    let customer_id = customer_id.as_str();
    sqlx::query_as!(
        ContactConfirmationRow,
        r#"SELECT channel, fingerprint, confirmed_by, confirmed_at FROM contact_confirmation
           WHERE customer_id = ?1"#,
        customer_id
    )
    .fetch_all(store.pool())
    .await
}

/// Records that the customer confirmed `channel` as `fingerprint` now (inserted, or the earlier
/// confirmation of the channel updated; journaled either way).
pub async fn confirm_contact(
    w: &mut Write<'_>,
    customer_id: &CustomerId,
    channel: &str,
    fingerprint: &str,
    confirmed_by: &str,
) -> Result<(), sqlx::Error> {
    let customer_id = customer_id.as_str();
    let existing = sqlx::query_scalar!(
        r#"SELECT id FROM contact_confirmation WHERE customer_id = ?1 AND channel = ?2"#,
        customer_id,
        channel
    )
    .fetch_optional(w.conn())
    .await?;
    let (id, op) = match existing {
        Some(id) => (id, "update"),
        None => (crate::new_id(), "insert"),
    };
    let s = w.change("contact_confirmation", &id, op).await?;
    sqlx::query!(
        r#"INSERT INTO contact_confirmation (id, customer_id, channel, fingerprint, confirmed_by,
               confirmed_at, created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6, ?7, ?8)
           ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint,
               confirmed_by = excluded.confirmed_by, confirmed_at = excluded.confirmed_at,
               updated_at = excluded.updated_at, device_id = excluded.device_id,
               change_seq = excluded.change_seq"#,
        id,
        customer_id,
        channel,
        fingerprint,
        confirmed_by,
        s.at,
        s.device_id,
        s.seq,
    )
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Re-encrypts every identity check's document number under `new`, inside the caller's
/// transaction. Returns the number re-encrypted.
pub async fn reencrypt(
    conn: &mut SqliteConnection,
    old: &crate::crypto::FieldCipher,
    new: &crate::crypto::FieldCipher,
) -> Result<u64, crate::StoreError> {
    let rows = sqlx::query!(
        r#"SELECT id, document_number_enc AS "sealed!" FROM identity_check
           WHERE document_number_enc IS NOT NULL ORDER BY id"#
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut count = 0;
    for r in rows {
        let sealed = crate::crypto::reseal(
            old,
            new,
            &r.sealed,
            &format!("identity_check.document_number:{}", r.id),
        )?;
        sqlx::query!(
            r#"UPDATE identity_check SET document_number_enc = ?2 WHERE id = ?1"#,
            r.id,
            sealed,
        )
        .execute(&mut *conn)
        .await?;
        count += 1;
    }
    Ok(count)
}
