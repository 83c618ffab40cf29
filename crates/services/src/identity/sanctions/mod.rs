//! OFAC sanctions screening, offline: Treasury's list files are imported into the store as a
//! numbered, dated version (one transaction, audited), and the version in force is loaded into
//! an in-memory index that screens a name in milliseconds.
//!
//! Why versions: a screening result must say which list it was made against, years later, and a
//! bad download must never replace a good list. Every import is a new version; the highest one
//! is in force; a failed import writes nothing.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use crate::auth::Actor;
use dealerdesk_store::audit::{self, AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::sha256_hex;
use dealerdesk_store::{journal, new_id, ts, Store};

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

/// Rows per INSERT statement: far fewer round trips than one row each, well under SQLite's
/// limit of bound parameters.
const BATCH: usize = 200;

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
    let mut tx = store.begin_write().await?;
    let previous: Option<i64> = sqlx::query_scalar(r#"SELECT MAX(version) FROM sanctions_list"#)
        .fetch_one(&mut *tx)
        .await?;
    let version = previous.unwrap_or(0) + 1;
    let seq = journal(
        &mut tx,
        "sanctions_list",
        &list_id,
        "insert",
        store.device_id(),
        now,
    )
    .await?;
    let sdn_sha = sha256_hex(files.sdn.1);
    sqlx::query(
        r#"INSERT INTO sanctions_list (id, version, published_on, imported_by, sdn_sha256, alt_sha256,
               add_sha256, entry_count, alias_count, address_count, created_at, updated_at, device_id, change_seq)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13)"#,
    )
    .bind(&list_id)
    .bind(version)
    .bind(published_on.map(|d| d.to_string()))
    .bind(actor.name())
    .bind(&sdn_sha)
    .bind(files.alt.map(|(_, d)| sha256_hex(d)))
    .bind(files.add.map(|(_, d)| sha256_hex(d)))
    .bind(list.entries.len() as i64)
    .bind(list.aliases.len() as i64)
    .bind(list.addresses.len() as i64)
    .bind(ts(now))
    .bind(store.device_id())
    .bind(seq)
    .execute(&mut *tx)
    .await?;
    insert_rows(&mut tx, &list_id, &list).await?;
    audit::append(
        &mut tx,
        store.cipher(),
        now,
        &AuditEvent::new(actor.name(), "sanctions.import", AuditOutcome::Success)
            .subject(format!("sanctions_list:{list_id}"))
            .detail(format!(
                "version {version}: {} entries, {} aliases, {} addresses; sdn.csv sha256 {sdn_sha}",
                list.entries.len(),
                list.aliases.len(),
                list.addresses.len()
            )),
    )
    .await?;
    tx.commit().await?;
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

async fn insert_rows(
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
pub async fn current_version(store: &Store) -> Result<Option<ListVersion>, SanctionsError> {
    let row = sqlx::query(
        r#"SELECT id, version, created_at, published_on FROM sanctions_list
           ORDER BY version DESC LIMIT 1"#,
    )
    .fetch_optional(store.pool())
    .await?;
    row.map(|r| -> Result<ListVersion, sqlx::Error> {
        Ok(ListVersion {
            list_id: r.try_get(0)?,
            list_version: r.try_get(1)?,
            imported_at: r.try_get(2)?,
            published_on: r.try_get(3)?,
        })
    })
    .transpose()
    .map_err(Into::into)
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
    let rows = sqlx::query(
        r#"SELECT ent_num, name, sdn_type, program, remarks FROM sanctions_entry
           WHERE list_id = ?1 ORDER BY ent_num"#,
    )
    .bind(&version.list_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut entries = Vec::with_capacity(rows.len());
    let mut position = std::collections::HashMap::with_capacity(rows.len());
    for r in rows {
        let ent_num: i64 = r.try_get(0)?;
        let remarks: Option<String> = r.try_get(4)?;
        let program: Option<String> = r.try_get(3)?;
        position.insert(ent_num, entries.len());
        entries.push(IndexEntry {
            ent_num,
            name: r.try_get(1)?,
            sdn_type: r.try_get(2)?,
            // "SDGT] [IRGC" in the file: several programmes.
            program: program.map(|p| p.split("] [").collect::<Vec<_>>().join(", ")),
            birth_years: birth_years(remarks.as_deref()),
            countries: Vec::new(),
        });
    }
    let countries = sqlx::query(
        r#"SELECT ent_num, country FROM sanctions_address WHERE list_id = ?1 AND country IS NOT NULL"#,
    )
    .bind(&version.list_id)
    .fetch_all(&mut *conn)
    .await?;
    for r in countries {
        let ent_num: i64 = r.try_get(0)?;
        let country: String = r.try_get(1)?;
        if let Some(&i) = position.get(&ent_num) {
            let c = country.trim().to_uppercase();
            if !entries[i].countries.contains(&c) {
                entries[i].countries.push(c);
            }
        }
    }
    let alias_rows =
        sqlx::query(r#"SELECT ent_num, alt_name FROM sanctions_alias WHERE list_id = ?1"#)
            .bind(&version.list_id)
            .fetch_all(&mut *conn)
            .await?;
    let mut aliases = Vec::with_capacity(alias_rows.len());
    for r in alias_rows {
        let ent_num: i64 = r.try_get(0)?;
        if let Some(&i) = position.get(&ent_num) {
            aliases.push((i, r.try_get::<String, _>(1)?));
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
