//! OFAC sanctions screening, offline: Treasury's list files are imported into the store as a
//! numbered, dated version (one transaction, audited), and the version in force is loaded into
//! an in-memory index that screens a name in milliseconds.
//!
//! Why versions: a screening result must say which list it was made against, years later, and a
//! bad download must never replace a good list. Every import is a new version; the highest one
//! is in force; a failed import writes nothing.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::auth::Actor;
use dealerdesk_store::audit::{AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::sha256_hex;
use dealerdesk_store::repo::sanctions::{self as repo, NewList};
use dealerdesk_store::{new_id, ts, Store};

pub use dealerdesk_rules::identity::sanctions::{
    birth_years, normalise, parse_list, soundex, synthetic, Candidate, IndexEntry, ListFileError,
    ListFiles, ScreenIndex, SdnAddress, SdnAlias, SdnEntry, SdnList, DEFAULT_THRESHOLD,
};

#[derive(Debug, thiserror::Error)]
pub enum SanctionsError {
    #[error("{file} line {line}: {message}")]
    BadFile {
        file: String,
        line: u64,
        message: String,
    },
    #[error("no sanctions list has been imported yet; import one with `dealerdesk sanctions import --sdn sdn.csv --alt alt.csv --add add.csv`")]
    NoList,
    #[error("the name has no letters to screen")]
    EmptyName,
    #[error("the threshold must be between 0 and 1")]
    BadThreshold,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<ListFileError> for SanctionsError {
    fn from(e: ListFileError) -> Self {
        SanctionsError::BadFile {
            file: e.file,
            line: e.line,
            message: e.message,
        }
    }
}

impl SanctionsError {
    /// The input field at fault, for the UI and the CLI's `field`.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            SanctionsError::BadFile { file, .. } => Some(if file.contains("alt") {
                "alt"
            } else if file.contains("add") {
                "add"
            } else {
                "sdn"
            }),
            SanctionsError::EmptyName => Some("name"),
            SanctionsError::BadThreshold => Some("threshold"),
            _ => None,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportSummary {
    pub list_id: String,
    pub list_version: i64,
    pub previous_version: Option<i64>,
    pub entries: usize,
    pub aliases: usize,
    pub addresses: usize,
    pub published_on: Option<NaiveDate>,
    pub imported_at: String,
    pub sdn_sha256: String,
}

/// The list version a screen used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListVersion {
    pub list_id: String,
    pub list_version: i64,
    pub imported_at: String,
    pub published_on: Option<String>,
}

/// The list in force, loaded for screening.
pub struct LoadedList {
    pub version: ListVersion,
    pub index: ScreenIndex,
}

/// One screen: the list version used and the candidates, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScreenResult {
    pub list_version: i64,
    pub list_id: String,
    pub list_imported_at: String,
    pub threshold: f64,
    pub matches: Vec<Candidate>,
}

/// Imports a list as a new version. Parses and cross-checks every file before writing, then
/// writes the version, its rows and the audit entry in one transaction.
#[tracing::instrument(skip_all, err)]
pub async fn import(
    store: &Store,
    actor: &Actor,
    files: &ListFiles<'_>,
    published_on: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<ImportSummary, SanctionsError> {
    let list = parse_list(files)?;
    let list_id = new_id();
    let mut w = store.write(now).await?;
    let previous = repo::max_version(w.conn()).await?;
    let version = previous.unwrap_or(0) + 1;
    let sdn_sha = sha256_hex(files.sdn.1);
    let published = published_on.map(|d| d.to_string());
    let alt_sha = files.alt.map(|(_, d)| sha256_hex(d));
    let add_sha = files.add.map(|(_, d)| sha256_hex(d));
    let new = NewList {
        version,
        published_on: published.as_deref(),
        imported_by: &actor.name(),
        sdn_sha256: &sdn_sha,
        alt_sha256: alt_sha.as_deref(),
        add_sha256: add_sha.as_deref(),
        entry_count: list.entries.len() as i64,
        alias_count: list.aliases.len() as i64,
        address_count: list.addresses.len() as i64,
    };
    repo::insert_list(&mut w, &list_id, &new).await?;
    repo::insert_rows(w.conn(), &list_id, &list).await?;
    w.audit(
        AuditEvent::new(actor.name(), "sanctions.import", AuditOutcome::Success)
            .subject(format!("sanctions_list:{list_id}"))
            .detail(format!(
                "version {version}: {} entries, {} aliases, {} addresses; sdn.csv sha256 {sdn_sha}",
                list.entries.len(),
                list.aliases.len(),
                list.addresses.len()
            )),
    );
    w.commit().await?;
    Ok(ImportSummary {
        list_id,
        list_version: version,
        previous_version: previous,
        entries: list.entries.len(),
        aliases: list.aliases.len(),
        addresses: list.addresses.len(),
        published_on,
        imported_at: ts(now),
        sdn_sha256: sdn_sha,
    })
}

/// The version in force (the highest), if any list was imported.
pub async fn current_version(store: &Store) -> Result<Option<ListVersion>, SanctionsError> {
    Ok(repo::current(store).await?.map(|r| ListVersion {
        list_id: r.id,
        list_version: r.version,
        imported_at: r.created_at,
        published_on: r.published_on,
    }))
}

/// The list in force, loaded once per process and shared: a list version never changes after
/// import (a new import is a new `list_id`), so the index built for one is reused until another
/// version is put in force. Screening at the desk then costs the screen, not the load.
pub async fn load_current_shared(
    store: &Store,
) -> Result<std::sync::Arc<LoadedList>, SanctionsError> {
    use std::sync::{Arc, Mutex};
    static LOADED: Mutex<Option<Arc<LoadedList>>> = Mutex::new(None);
    let version = current_version(store)
        .await?
        .ok_or(SanctionsError::NoList)?;
    if let Ok(guard) = LOADED.lock() {
        if let Some(list) = guard
            .as_ref()
            .filter(|l| l.version.list_id == version.list_id)
        {
            return Ok(Arc::clone(list));
        }
    }
    let list = Arc::new(load_current(store).await?);
    if let Ok(mut guard) = LOADED.lock() {
        *guard = Some(Arc::clone(&list));
    }
    Ok(list)
}

/// Loads the version in force into a screening index.
#[tracing::instrument(skip_all, err)]
pub async fn load_current(store: &Store) -> Result<LoadedList, SanctionsError> {
    let version = current_version(store)
        .await?
        .ok_or(SanctionsError::NoList)?;
    let mut conn = store.pool().acquire().await?;
    let rows = repo::entries(&mut conn, &version.list_id).await?;
    let mut entries = Vec::with_capacity(rows.len());
    let mut position = std::collections::HashMap::with_capacity(rows.len());
    for r in rows {
        position.insert(r.ent_num, entries.len());
        entries.push(IndexEntry {
            ent_num: r.ent_num,
            name: r.name,
            sdn_type: r.sdn_type,
            // "SDGT] [IRGC" in the file: several programmes.
            program: r
                .program
                .map(|p| p.split("] [").collect::<Vec<_>>().join(", ")),
            birth_years: birth_years(r.remarks.as_deref()),
            countries: Vec::new(),
        });
    }
    let countries = repo::countries(&mut conn, &version.list_id).await?;
    for (ent_num, country) in countries {
        if let Some(&i) = position.get(&ent_num) {
            let c = country.trim().to_uppercase();
            if !entries[i].countries.contains(&c) {
                entries[i].countries.push(c);
            }
        }
    }
    let alias_rows = repo::aliases(&mut conn, &version.list_id).await?;
    let mut aliases = Vec::with_capacity(alias_rows.len());
    for (ent_num, alt_name) in alias_rows {
        if let Some(&i) = position.get(&ent_num) {
            aliases.push((i, alt_name));
        }
    }
    Ok(LoadedList {
        version,
        index: ScreenIndex::build(entries, aliases),
    })
}

impl LoadedList {
    /// Screens a full name (any word order, any punctuation) against the list in force.
    pub fn screen(
        &self,
        full_name: &str,
        dob: Option<NaiveDate>,
        country: Option<&str>,
        threshold: f64,
    ) -> Result<ScreenResult, SanctionsError> {
        if !(0.0..=1.0).contains(&threshold) || threshold.is_nan() {
            return Err(SanctionsError::BadThreshold);
        }
        let words = normalise(full_name);
        if words.is_empty() {
            return Err(SanctionsError::EmptyName);
        }
        let matches = self.index.screen(
            &words,
            threshold,
            dob.map(|d| chrono::Datelike::year(&d)),
            country,
        );
        Ok(ScreenResult {
            list_version: self.version.list_version,
            list_id: self.version.list_id.clone(),
            list_imported_at: self.version.imported_at.clone(),
            threshold,
            matches,
        })
    }
}
