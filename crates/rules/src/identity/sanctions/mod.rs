//! Sanctions screening rules: reading Treasury's list files ([`files`]), the fuzzy name index
//! ([`screen`]) and a fictional full-size list for the demo ([`synthetic`]). Storing list
//! versions and screening a customer against the version in force are use cases (services).

mod files;
mod screen;
pub mod synthetic;

pub use files::{parse_list, ListFiles, SdnAddress, SdnAlias, SdnEntry, SdnList};
pub use screen::{birth_years, normalise, soundex, Candidate, IndexEntry, ScreenIndex};

/// The score at or above which a name is a candidate, unless the caller says otherwise. OFAC's
/// own search tool lets the user pick; 0.88 keeps transliterations and drops unrelated names.
pub const DEFAULT_THRESHOLD: f64 = 0.88;

/// A list file that cannot be read: which file, which line, and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file} line {line}: {message}")]
pub struct ListFileError {
    pub file: String,
    pub line: u64,
    pub message: String,
}
