//! Customer search over the FTS5 index: by name, phone, e-mail or the last four of the SSN.

use serde::Serialize;
use ts_rs::TS;

use super::CustomerError;
use dealerdesk_rules::ids::CustomerId;
use dealerdesk_rules::names::full_name;
use dealerdesk_store::crypto::mask_digits;
use dealerdesk_store::repo::customer::{self as repo, CustomerSummaryRow};
use dealerdesk_store::Store;

/// One row of a result list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CustomerSummary {
    pub id: CustomerId,
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

fn summary(row: CustomerSummaryRow) -> CustomerSummary {
    CustomerSummary {
        full_name: full_name(
            &row.given_name,
            row.middle_name.as_deref(),
            &row.family_name,
            row.suffix.as_deref(),
        ),
        id: CustomerId::from(row.id),
        phone: row.phone,
        email: row.email,
        ssn_masked: mask_digits(&format!("00000{}", row.ssn_last4)),
        city: row.city,
        state: row.state,
        created_at: row.created_at,
    }
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
    let rows = repo::search(store, &fts, limit).await?;
    let mut items: Vec<CustomerSummary> = rows.into_iter().map(summary).collect();
    items.sort_by_key(|c| c.full_name.to_lowercase());
    Ok(items)
}

/// A page of customers in name order.
pub async fn list(store: &Store, offset: u32, limit: u32) -> Result<CustomerPage, CustomerError> {
    let total = repo::count_live(store).await?;
    let rows = repo::list(store, limit.clamp(1, 500) as i64, offset as i64).await?;
    let items = rows.into_iter().map(summary).collect();
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
