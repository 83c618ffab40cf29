//! Customer search over the FTS5 index: by name, phone, e-mail or the last four of the SSN.

use serde::Serialize;
use sqlx::Row;
use ts_rs::TS;

use super::CustomerError;
use dealerdesk_rules::names::full_name;
use dealerdesk_store::crypto::mask_digits;
use dealerdesk_store::Store;

/// One row of a result list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CustomerSummary {
    pub id: String,
    pub full_name: String,
    pub phone: String,
    pub email: Option<String>,
    pub ssn_masked: String,
    pub city: Option<String>,
    pub state: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct CustomerPage {
    pub items: Vec<CustomerSummary>,
    #[ts(type = "number")]
    pub total: i64,
}

const SUMMARY_SELECT: &str = r#"SELECT c.id, c.given_name, c.middle_name, c.family_name, c.suffix, c.phone,
       c.email, c.ssn_last4, c.created_at, a.city, a.state
FROM customer c
LEFT JOIN customer_address a ON a.customer_id = c.id AND a.kind = 'current'"#;

fn summary(row: &sqlx::sqlite::SqliteRow) -> Result<CustomerSummary, sqlx::Error> {
    let middle: Option<String> = row.try_get("middle_name")?;
    let suffix: Option<String> = row.try_get("suffix")?;
    let last4: String = row.try_get("ssn_last4")?;
    Ok(CustomerSummary {
        id: row.try_get("id")?,
        full_name: full_name(
            &row.try_get::<String, _>("given_name")?,
            middle.as_deref(),
            &row.try_get::<String, _>("family_name")?,
            suffix.as_deref(),
        ),
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        ssn_masked: mask_digits(&format!("00000{last4}")),
        city: row.try_get("city")?,
        state: row.try_get("state")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Quotes one term for FTS5 (terms are alphanumeric already; quoting keeps FTS5 operators such
/// as `NEAR`, `OR` or `-` typed by a person from being read as syntax).
fn term(t: &str, prefix: bool) -> String {
    format!("\"{t}\"{}", if prefix { "*" } else { "" })
}

fn alnum_runs(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(str::to_lowercase)
}

/// Turns what the desk typed into an FTS5 query, or `None` when there is nothing to search for.
///
/// - only digits and phone punctuation: four digits are the SSN's last four, otherwise a phone
///   number prefix (a leading country code 1 is dropped);
/// - a word with `@`: e-mail;
/// - other words: name prefixes, all of which must match (first, middle or last name).
pub fn fts_query(input: &str) -> Option<String> {
    let input = input.trim();
    if input.is_empty() {
        return None;
    }
    let phoneish = input
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '.' | '+'));
    if phoneish {
        let mut digits: String = input.chars().filter(char::is_ascii_digit).collect();
        if digits.len() == 11 && digits.starts_with('1') {
            digits.remove(0);
        }
        return match digits.len() {
            0..=2 => None,
            4 => Some(format!(
                "(ssn_last4 : {}) OR (phone : {})",
                term(&digits, false),
                term(&digits, true)
            )),
            _ => Some(format!("phone : {}", term(&digits, true))),
        };
    }
    // (query part, is a one-letter name prefix)
    let mut parts: Vec<(String, bool)> = Vec::new();
    for word in input.split_whitespace() {
        if word.contains('@') {
            let runs: Vec<String> = alnum_runs(word).collect();
            let n = runs.len();
            for (i, r) in runs.into_iter().enumerate() {
                parts.push((format!("email : {}", term(&r, i + 1 == n)), false));
            }
        } else if word.chars().all(|c| c.is_ascii_digit()) && word.len() == 4 {
            parts.push((format!("ssn_last4 : {}", term(word, false)), false));
        } else {
            for r in alnum_runs(word) {
                let short = r.chars().count() == 1;
                parts.push((
                    format!(
                        "{{given_name middle_name family_name}} : {}",
                        term(&r, true)
                    ),
                    short,
                ));
            }
        }
    }
    // One-letter name prefixes match a large share of the database: keep them only when nothing
    // longer was typed.
    if parts.iter().any(|(_, short)| !short) {
        parts.retain(|(_, short)| !short);
    }
    if parts.is_empty() {
        return None;
    }
    Some(
        parts
            .into_iter()
            .map(|(p, _)| p)
            .collect::<Vec<_>>()
            .join(" AND "),
    )
}

/// Finds up to `limit` customers, sorted by name.
#[tracing::instrument(skip_all, err)]
pub async fn search(
    store: &Store,
    query: &str,
    limit: u32,
) -> Result<Vec<CustomerSummary>, CustomerError> {
    let Some(fts) = fts_query(query) else {
        return Ok(Vec::new());
    };
    let limit = limit.clamp(1, 200) as i64;
    // No ORDER BY rank in SQL: FTS5 streams matches and stops at the limit, which keeps common
    // names fast on a million rows; the (small) result is sorted here.
    let rows = sqlx::query(&format!(
        r#"{SUMMARY_SELECT}
           WHERE c.rid IN (SELECT rowid FROM customer_fts WHERE customer_fts MATCH ?1 LIMIT ?2)
             AND c.deleted_at IS NULL"#
    ))
    .bind(&fts)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    let mut items = rows.iter().map(summary).collect::<Result<Vec<_>, _>>()?;
    items.sort_by_key(|c| c.full_name.to_lowercase());
    Ok(items)
}

/// A page of customers in name order.
pub async fn list(store: &Store, offset: u32, limit: u32) -> Result<CustomerPage, CustomerError> {
    let total: i64 =
        sqlx::query_scalar(r#"SELECT COUNT(*) FROM customer WHERE deleted_at IS NULL"#)
            .fetch_one(store.pool())
            .await?;
    let rows = sqlx::query(&format!(
        r#"{SUMMARY_SELECT}
           WHERE c.deleted_at IS NULL
           ORDER BY c.family_name, c.given_name LIMIT ?1 OFFSET ?2"#
    ))
    .bind(limit.clamp(1, 500) as i64)
    .bind(offset as i64)
    .fetch_all(store.pool())
    .await?;
    let items = rows.iter().map(summary).collect::<Result<Vec<_>, _>>()?;
    Ok(CustomerPage { items, total })
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn typed_text_becomes_a_safe_fts_query() {
        assert_eq!(
            fts_query("smi").as_deref(),
            Some(r#"{given_name middle_name family_name} : "smi"*"#)
        );
        assert_eq!(
            fts_query("(214) 555-01").as_deref(),
            Some(r#"phone : "21455501"*"#)
        );
        assert_eq!(
            fts_query("1234").as_deref(),
            Some(r#"(ssn_last4 : "1234") OR (phone : "1234"*)"#)
        );
        assert_eq!(
            fts_query("amy@ex").as_deref(),
            Some(r#"email : "amy" AND email : "ex"*"#)
        );
        assert_eq!(
            fts_query("NEAR(\"x\" OR").as_deref(),
            Some(
                r#"{given_name middle_name family_name} : "near"* AND {given_name middle_name family_name} : "or"*"#
            ),
            "FTS5 operators typed by a person are quoted as words"
        );
        assert_eq!(fts_query("  "), None);
        assert_eq!(fts_query("12"), None, "too short to mean anything");
        assert!(
            fts_query("j smith").is_some_and(|q| !q.contains("\"j\"")),
            "initials are dropped next to longer words"
        );
    }
}
