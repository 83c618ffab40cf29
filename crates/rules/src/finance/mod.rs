//! Deal math: the Regulation Z Appendix J APR, retail installment (loan) quotes with their
//! amortization schedules, Regulation M closed-end lease quotes, and the disclosure data the
//! contract prints. Everything here is a pure function of its inputs (dates are passed in), in
//! exact decimals: no floating point, no clock, no database.

pub mod apr;
pub mod dates;
pub mod disclosure;
pub mod lease;
pub mod loan;

use crate::money::Rate;
use rust_decimal::Decimal;

/// What can go wrong in deal math. `Invalid` names the field at fault so the desk can show the
/// message next to it (and the CLI exits 3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FinanceError {
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The APR equation had no root we could find (e.g. payments that never repay the advances).
    #[error("the annual percentage rate could not be computed: {0}")]
    NoSolution(String),
}

impl FinanceError {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        FinanceError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Limits the desk enforces on every quote. State usury caps and lender programmes differ, so
/// both are settings, not constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest term in months a quote may have (default 96).
    pub max_term_months: u32,
    /// Highest contract or lease rate allowed (the state's usury cap; default 36 %).
    pub max_rate: Rate,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_term_months: 96,
            max_rate: Rate::from_percent(Decimal::from(36)),
        }
    }
}

impl Limits {
    pub(crate) fn check_term(&self, field: &str, term: u32) -> Result<(), FinanceError> {
        if term == 0 {
            return Err(FinanceError::invalid(
                field,
                "the term must be at least 1 month",
            ));
        }
        if term > self.max_term_months {
            return Err(FinanceError::invalid(
                field,
                format!(
                    "the term is at most {} months (this desk's limit)",
                    self.max_term_months
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn check_rate(&self, field: &str, rate: Rate) -> Result<(), FinanceError> {
        if rate.percent().is_sign_negative() && !rate.percent().is_zero() {
            return Err(FinanceError::invalid(field, "the rate cannot be negative"));
        }
        if rate > self.max_rate {
            return Err(FinanceError::invalid(
                field,
                format!(
                    "the rate is above the {} cap set for this desk",
                    self.max_rate
                ),
            ));
        }
        Ok(())
    }
}

/// Refuses a negative amount, naming the field.
pub(crate) fn non_negative(field: &str, m: crate::money::Money) -> Result<(), FinanceError> {
    if m.is_negative() {
        return Err(FinanceError::invalid(
            field,
            "the amount cannot be negative",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// The issue forbids floating point in money paths; this reads the sources and fails on any
    /// floating-point type name so a later edit cannot slip one in.
    #[test]
    fn money_and_finance_sources_contain_no_floating_point_types() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![root.join("src/money.rs")];
        let mut dirs = vec![root.join("src/finance")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("src/finance is readable") {
                let path = entry.expect("a directory entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() >= 6, "found the finance sources: {files:?}");
        let banned = [["f", "32"].concat(), ["f", "64"].concat()];
        for file in files {
            let text = std::fs::read_to_string(&file).expect("source is readable");
            for token in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                assert!(
                    !banned.iter().any(|b| b == token),
                    "{} uses the floating-point type `{token}`; money math must stay decimal",
                    file.display()
                );
            }
        }
    }
}
