//! Lenders and their rate sheets: credit tiers by score band, buy rates by term band and
//! model-year band, per-tier limits (term, LTV, PTI, DTI, amount financed), the maximum dealer
//! markup in points, and fees. Sheets are imported from CSV or JSON and exported as JSON; every
//! import is a new version, and decisions name the version they used.
//!
//! CSV layout (one row per rate cell; tier columns repeat on every row of the tier and must
//! agree; `fees` is `Name=amount|Name=amount`, `stipulations` is `code|code`):
//!
//! ```text
//! lender_code,lender_name,effective_date,max_markup,fees,tier,min_score,max_score,max_term,
//! max_ltv,max_pti,max_dti,max_amount_financed,stipulations,term_min,term_max,year_min,year_max,buy_rate
//! ```

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::{invalid, ApplicationError};
use crate::auth::{Actor, Permission};
use crate::deal::canonical_json;
use dealerdesk_rules::money::Money;
use dealerdesk_store::audit::{AuditEvent, AuditOutcome};
use dealerdesk_store::crypto::sha256_hex;
use dealerdesk_store::repo::{lender, rate_sheet};
use dealerdesk_store::{new_id, Store, Write};

/// One buy rate: for terms `term_min..=term_max` months and model years `year_min..=year_max`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RateCell {
    pub term_min: u32,
    pub term_max: u32,
    pub year_min: i32,
    pub year_max: i32,
    /// Percent, exact decimal string ("6.49").
    pub buy_rate: String,
}

/// A credit tier: a score band with its rates and limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CreditTier {
    pub name: String,
    pub min_score: u16,
    pub max_score: u16,
    pub max_term: u32,
    /// Percent of the vehicle value ("125").
    pub max_ltv: String,
    /// Payment as a percent of gross monthly income ("18").
    pub max_pti: String,
    /// All monthly debts with the new payment, percent of gross monthly income ("45").
    pub max_dti: String,
    /// Dollars ("60000.00").
    pub max_amount_financed: String,
    /// Stipulation codes the lender asks for in this tier.
    #[serde(default)]
    pub stipulations: Vec<String>,
    pub rates: Vec<RateCell>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LenderFee {
    pub name: String,
    /// Dollars ("595.00").
    pub amount: String,
}

/// A lender's rate sheet as imported and exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RateSheet {
    pub lender_code: String,
    pub lender_name: String,
    /// ISO date the sheet takes effect.
    pub effective_date: String,
    /// Most the contract rate may exceed the buy rate, in percentage points ("2.5").
    pub max_markup: String,
    #[serde(default)]
    pub fees: Vec<LenderFee>,
    pub tiers: Vec<CreditTier>,
}

/// A lender with its current rate-sheet version.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct LenderView {
    pub id: String,
    pub code: String,
    pub name: String,
    pub active: bool,
    pub rate_sheet_id: Option<String>,
    pub rate_sheet_version: Option<u32>,
    pub effective_date: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct RateImport {
    pub lender_id: String,
    pub lender_code: String,
    pub rate_sheet_id: String,
    pub version: u32,
    pub tiers: u32,
    pub rate_cells: u32,
    pub sha256: String,
}

/// A validated sheet with its figures parsed, for decision assist.
#[derive(Debug, Clone)]
pub struct ParsedSheet {
    pub max_markup: Decimal,
    pub fees_total: Money,
    pub tiers: Vec<ParsedTier>,
}

#[derive(Debug, Clone)]
pub struct ParsedTier {
    pub name: String,
    pub min_score: u16,
    pub max_score: u16,
    pub max_term: u32,
    pub max_ltv: Decimal,
    pub max_pti: Decimal,
    pub max_dti: Decimal,
    pub max_amount_financed: Money,
    pub stipulations: Vec<String>,
    pub rates: Vec<ParsedCell>,
}

#[derive(Debug, Clone, Copy)]
pub struct ParsedCell {
    pub term_min: u32,
    pub term_max: u32,
    pub year_min: i32,
    pub year_max: i32,
    pub buy_rate: Decimal,
}

fn percent(field: &str, v: &str, max: i64) -> Result<Decimal, ApplicationError> {
    let d = Decimal::from_str(v.trim()).map_err(|_| {
        invalid(
            field,
            format!("'{v}' is not a percent figure like 125 or 2.5"),
        )
    })?;
    if d.is_sign_negative() || d > Decimal::from(max) {
        return Err(invalid(field, format!("must be between 0 and {max}")));
    }
    Ok(d.normalize())
}

fn dollars(field: &str, v: &str) -> Result<Money, ApplicationError> {
    let m = Money::parse_user(v).map_err(|e| invalid(field, e.to_string()))?;
    if m.is_negative() {
        return Err(invalid(field, "cannot be negative"));
    }
    Ok(m)
}

impl RateSheet {
    /// Checks every figure and band; returns the sheet with parsed figures. Error fields name
    /// the path (`tiers.1.rates.0.buy_rate`).
    pub fn parse(&self) -> Result<ParsedSheet, ApplicationError> {
        let code = self.lender_code.trim();
        if code.is_empty()
            || code.len() > 32
            || !code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(invalid(
                "lender_code",
                "a lender code is 1 to 32 letters, digits, '-' or '_'",
            ));
        }
        if self.lender_name.trim().is_empty() {
            return Err(invalid("lender_name", "name the lender"));
        }
        if NaiveDate::parse_from_str(self.effective_date.trim(), "%Y-%m-%d").is_err() {
            return Err(invalid("effective_date", "a date like 2026-11-01"));
        }
        let max_markup = percent("max_markup", &self.max_markup, 10)?;
        let mut fees_total = Money::ZERO;
        for (i, f) in self.fees.iter().enumerate() {
            if f.name.trim().is_empty() {
                return Err(invalid(format!("fees.{i}.name"), "name the fee"));
            }
            fees_total = fees_total + dollars(&format!("fees.{i}.amount"), &f.amount)?;
        }
        if self.tiers.is_empty() {
            return Err(invalid(
                "tiers",
                "a rate sheet needs at least one credit tier",
            ));
        }
        let mut tiers = Vec::with_capacity(self.tiers.len());
        for (i, t) in self.tiers.iter().enumerate() {
            let p = |f: &str| format!("tiers.{i}.{f}");
            if t.name.trim().is_empty() {
                return Err(invalid(p("name"), "name the tier"));
            }
            if !(300..=850).contains(&t.min_score)
                || !(300..=850).contains(&t.max_score)
                || t.min_score > t.max_score
            {
                return Err(invalid(
                    p("min_score"),
                    "a score band lies within 300–850, lowest first",
                ));
            }
            if !(1..=96).contains(&t.max_term) {
                return Err(invalid(p("max_term"), "a term of 1 to 96 months"));
            }
            if t.rates.is_empty() {
                return Err(invalid(p("rates"), "a tier needs at least one buy rate"));
            }
            let mut rates = Vec::with_capacity(t.rates.len());
            for (j, c) in t.rates.iter().enumerate() {
                let q = |f: &str| format!("tiers.{i}.rates.{j}.{f}");
                if c.term_min == 0 || c.term_min > c.term_max {
                    return Err(invalid(
                        q("term_min"),
                        "a term band is 1 month or more, shortest first",
                    ));
                }
                if c.year_min > c.year_max || c.year_min < 1980 || c.year_max > 2100 {
                    return Err(invalid(q("year_min"), "a model-year band, oldest first"));
                }
                rates.push(ParsedCell {
                    term_min: c.term_min,
                    term_max: c.term_max,
                    year_min: c.year_min,
                    year_max: c.year_max,
                    buy_rate: percent(&q("buy_rate"), &c.buy_rate, 100)?,
                });
            }
            let mut stips = Vec::new();
            for (j, s) in t.stipulations.iter().enumerate() {
                let s = s.trim();
                if super::stips::StipCode::parse(s).is_none() {
                    return Err(invalid(
                        format!("tiers.{i}.stipulations.{j}"),
                        format!("unknown stipulation '{s}'"),
                    ));
                }
                stips.push(s.to_string());
            }
            tiers.push(ParsedTier {
                name: t.name.trim().to_string(),
                min_score: t.min_score,
                max_score: t.max_score,
                max_term: t.max_term,
                max_ltv: percent(&p("max_ltv"), &t.max_ltv, 1000)?,
                max_pti: percent(&p("max_pti"), &t.max_pti, 100)?,
                max_dti: percent(&p("max_dti"), &t.max_dti, 100)?,
                max_amount_financed: dollars(&p("max_amount_financed"), &t.max_amount_financed)?,
                stipulations: stips,
                rates,
            });
        }
        for (i, a) in tiers.iter().enumerate() {
            for b in tiers.iter().skip(i + 1) {
                if a.min_score <= b.max_score && b.min_score <= a.max_score {
                    return Err(invalid(
                        format!("tiers.{i}.min_score"),
                        format!("the score bands of tiers {} and {} overlap", a.name, b.name),
                    ));
                }
            }
        }
        Ok(ParsedSheet {
            max_markup,
            fees_total,
            tiers,
        })
    }

    /// Reads a sheet from JSON text.
    pub fn from_json(text: &str) -> Result<Self, ApplicationError> {
        serde_json::from_str(text).map_err(|e| invalid("file", format!("not a rate sheet: {e}")))
    }

    /// Reads a sheet from CSV text (see the module documentation for the columns).
    pub fn from_csv(text: &str) -> Result<Self, ApplicationError> {
        const COLUMNS: &[&str] = &[
            "lender_code",
            "lender_name",
            "effective_date",
            "max_markup",
            "fees",
            "tier",
            "min_score",
            "max_score",
            "max_term",
            "max_ltv",
            "max_pti",
            "max_dti",
            "max_amount_financed",
            "stipulations",
            "term_min",
            "term_max",
            "year_min",
            "year_max",
            "buy_rate",
        ];
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| invalid("file", format!("not a CSV file: {e}")))?
            .clone();
        let mut index = BTreeMap::new();
        for col in COLUMNS {
            let at = headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(col))
                .ok_or_else(|| invalid("file", format!("the CSV has no '{col}' column")))?;
            index.insert(*col, at);
        }
        let mut sheet: Option<RateSheet> = None;
        for (n, rec) in reader.records().enumerate() {
            let line = n + 2;
            let rec = rec.map_err(|e| invalid("file", format!("line {line}: {e}")))?;
            let get = |c: &str| rec.get(index[c]).unwrap_or("").to_string();
            let num = |c: &str| -> Result<i64, ApplicationError> {
                get(c)
                    .parse::<i64>()
                    .map_err(|_| invalid("file", format!("line {line}: {c} is not a whole number")))
            };
            let small = |c: &str| -> Result<u32, ApplicationError> {
                u32::try_from(num(c)?)
                    .map_err(|_| invalid("file", format!("line {line}: {c} is out of range")))
            };
            let score = |c: &str| -> Result<u16, ApplicationError> {
                u16::try_from(num(c)?)
                    .map_err(|_| invalid("file", format!("line {line}: {c} is out of range")))
            };
            let year = |c: &str| -> Result<i32, ApplicationError> {
                i32::try_from(num(c)?)
                    .map_err(|_| invalid("file", format!("line {line}: {c} is out of range")))
            };
            let fees = get("fees")
                .split('|')
                .filter(|s| !s.trim().is_empty())
                .map(|f| {
                    let (name, amount) = f.split_once('=').ok_or_else(|| {
                        invalid("file", format!("line {line}: fees are written Name=amount"))
                    })?;
                    Ok(LenderFee {
                        name: name.trim().to_string(),
                        amount: amount.trim().to_string(),
                    })
                })
                .collect::<Result<Vec<_>, ApplicationError>>()?;
            let head = RateSheet {
                lender_code: get("lender_code"),
                lender_name: get("lender_name"),
                effective_date: get("effective_date"),
                max_markup: get("max_markup"),
                fees,
                tiers: Vec::new(),
            };
            let sheet = sheet.get_or_insert_with(|| head.clone());
            if sheet.lender_code != head.lender_code
                || sheet.lender_name != head.lender_name
                || sheet.effective_date != head.effective_date
                || sheet.max_markup != head.max_markup
                || sheet.fees != head.fees
            {
                return Err(invalid(
                    "file",
                    format!("line {line}: the lender columns differ from the first row"),
                ));
            }
            let tier = CreditTier {
                name: get("tier"),
                min_score: score("min_score")?,
                max_score: score("max_score")?,
                max_term: small("max_term")?,
                max_ltv: get("max_ltv"),
                max_pti: get("max_pti"),
                max_dti: get("max_dti"),
                max_amount_financed: get("max_amount_financed"),
                stipulations: get("stipulations")
                    .split('|')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                rates: Vec::new(),
            };
            let cell = RateCell {
                term_min: small("term_min")?,
                term_max: small("term_max")?,
                year_min: year("year_min")?,
                year_max: year("year_max")?,
                buy_rate: get("buy_rate"),
            };
            match sheet.tiers.iter_mut().find(|t| t.name == tier.name) {
                Some(t) => {
                    let mut probe = tier.clone();
                    probe.rates = t.rates.clone();
                    if *t != probe {
                        return Err(invalid(
                            "file",
                            format!(
                                "line {line}: tier {} columns differ from its first row",
                                tier.name
                            ),
                        ));
                    }
                    t.rates.push(cell);
                }
                None => {
                    let mut t = tier;
                    t.rates.push(cell);
                    sheet.tiers.push(t);
                }
            }
        }
        sheet.ok_or_else(|| invalid("file", "the CSV has no rate rows"))
    }

    /// Reads JSON or CSV, by the first non-blank character.
    pub fn from_text(text: &str) -> Result<Self, ApplicationError> {
        if text.trim_start().starts_with('{') {
            Self::from_json(text)
        } else {
            Self::from_csv(text)
        }
    }
}

impl ParsedSheet {
    /// The tier whose score band holds `score`.
    pub fn tier_for(&self, score: u16) -> Option<&ParsedTier> {
        self.tiers
            .iter()
            .find(|t| (t.min_score..=t.max_score).contains(&score))
    }
    pub fn lowest_score(&self) -> u16 {
        self.tiers.iter().map(|t| t.min_score).min().unwrap_or(300)
    }
}

impl ParsedTier {
    /// The buy rate for a term and model year.
    pub fn buy_rate(&self, term: u32, model_year: i32) -> Option<Decimal> {
        self.rates
            .iter()
            .find(|c| {
                (c.term_min..=c.term_max).contains(&term)
                    && (c.year_min..=c.year_max).contains(&model_year)
            })
            .map(|c| c.buy_rate)
    }
}

/// Imports a rate sheet as the next version of its lender (creating the lender on first import).
/// Admins and finance managers only.
pub async fn import_rate_sheet(
    store: &Store,
    actor: &Actor,
    sheet: &RateSheet,
    now: DateTime<Utc>,
) -> Result<RateImport, ApplicationError> {
    if !actor.may(Permission::ImportRates) {
        return Err(ApplicationError::Forbidden("import rate sheets"));
    }
    let parsed = sheet.parse()?;
    let mut w = store.write(now).await?;
    let result = import_tx(&mut w, actor, sheet, &parsed).await?;
    w.audit(
        AuditEvent::new(actor.name(), "lender.import_rates", AuditOutcome::Success)
            .subject(result.lender_id.clone())
            .detail(format!(
                "{} version {}, {} tiers, sha256 {}",
                result.lender_code, result.version, result.tiers, result.sha256
            )),
    );
    w.commit().await?;
    Ok(result)
}

pub(crate) async fn import_tx(
    w: &mut Write<'_>,
    actor: &Actor,
    sheet: &RateSheet,
    parsed: &ParsedSheet,
) -> Result<RateImport, ApplicationError> {
    let code = sheet.lender_code.trim().to_uppercase();
    let mut normalized = sheet.clone();
    normalized.lender_code = code.clone();
    let lender_id = match lender::id_by_code(w.conn(), &code).await? {
        Some(id) => {
            lender::rename(w, &id, sheet.lender_name.trim()).await?;
            id
        }
        None => {
            let id = new_id();
            lender::insert(w, &id, &code, sheet.lender_name.trim()).await?;
            id
        }
    };
    let version = rate_sheet::next_version(w.conn(), &lender_id).await?;
    let value = serde_json::to_value(&normalized)
        .map_err(|e| invalid("file", format!("the sheet could not be stored: {e}")))?;
    let text = canonical_json(&value);
    let sha = sha256_hex(text.as_bytes());
    let id = new_id();
    let imported_by = actor.name();
    rate_sheet::insert(
        w,
        &id,
        &rate_sheet::NewSheet {
            lender_id: &lender_id,
            version,
            effective_date: sheet.effective_date.trim(),
            sheet_json: &text,
            sheet_sha256: &sha,
            imported_by: &imported_by,
        },
    )
    .await?;
    Ok(RateImport {
        lender_id,
        lender_code: code,
        rate_sheet_id: id,
        version: u32::try_from(version).unwrap_or(u32::MAX),
        tiers: parsed.tiers.len() as u32,
        rate_cells: parsed.tiers.iter().map(|t| t.rates.len() as u32).sum(),
        sha256: sha,
    })
}

/// Every lender with its current sheet version, by name.
pub async fn list_lenders(store: &Store) -> Result<Vec<LenderView>, ApplicationError> {
    Ok(dealerdesk_store::read::application::lenders(store)
        .await?
        .into_iter()
        .map(|r| LenderView {
            id: r.id,
            code: r.code,
            name: r.name,
            active: r.active == 1,
            rate_sheet_id: r.sheet_id,
            rate_sheet_version: r.version.and_then(|v| u32::try_from(v).ok()),
            effective_date: r.effective_date,
        })
        .collect())
}

/// A lender's current sheet (id, version, sheet), if it has one.
pub async fn current_sheet(
    conn: &mut SqliteConnection,
    lender_id: &str,
) -> Result<Option<(String, u32, RateSheet)>, ApplicationError> {
    match rate_sheet::current(conn, lender_id).await? {
        None => Ok(None),
        Some(r) => {
            let sheet: RateSheet = serde_json::from_str(&r.sheet_json)
                .map_err(|e| ApplicationError::Corrupt(format!("stored rate sheet: {e}")))?;
            Ok(Some((r.id, u32::try_from(r.version).unwrap_or(0), sheet)))
        }
    }
}

/// Exports a lender's sheet (the current version, or `version`) as pretty JSON.
pub async fn export_rate_sheet(
    store: &Store,
    lender_code_or_id: &str,
    version: Option<u32>,
) -> Result<(u32, String), ApplicationError> {
    let (stored_version, json) =
        rate_sheet::for_export(store, lender_code_or_id.trim(), version.map(i64::from))
            .await?
            .ok_or_else(|| ApplicationError::NotFound {
                what: "rate sheet for lender",
                id: lender_code_or_id.to_string(),
            })?;
    let value: serde_json::Value = serde_json::from_str(&json)
        .map_err(|e| ApplicationError::Corrupt(format!("stored rate sheet: {e}")))?;
    let pretty = serde_json::to_string_pretty(&value)
        .map_err(|e| ApplicationError::Corrupt(e.to_string()))?;
    Ok((u32::try_from(stored_version).unwrap_or(0), pretty))
}
