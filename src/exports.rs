//! Files the desk hands to the outside world (a notice to print, a STAR file for a lender, a
//! contract): written to an `exports` folder next to the database, readable by its owner only,
//! and optionally opened with the desktop's own viewer (which prints with the OS dialog).
//!
//! The web view never gets file-system or shell access; these functions run in Rust behind a
//! command that has already checked the role and audited the action.

use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use ts_rs::TS;

use crate::crypto::sha256_hex;

/// What was written, for the screen to say where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SavedFile {
    /// Absolute path of the file.
    pub path: String,
    pub file_name: String,
    #[ts(type = "number")]
    pub bytes: u64,
    pub sha256: String,
    /// Whether a viewer was started (false when asked not to, or none is installed).
    pub opened: bool,
}

/// The folder exports go to: `exports/` beside the database file.
pub fn export_dir(db_path: &Path) -> PathBuf {
    db_path
        .parent()
        .map_or_else(|| PathBuf::from("exports"), |p| p.join("exports"))
}

/// A file name safe on every desktop: letters, digits, `-`, `_` and `.`; anything else becomes
/// `-`. Never empty, never a path.
pub fn safe_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c| c == '.' || c == '-');
    if trimmed.is_empty() {
        "export".into()
    } else {
        trimmed.chars().take(120).collect()
    }
}

/// Writes `bytes` as `exports/<file_name>` (replacing an earlier export of the same name) with
/// owner-only permissions, then opens it if `open` and a viewer exists.
pub fn save(
    db_path: &Path,
    file_name: &str,
    bytes: &[u8],
    open: bool,
) -> std::io::Result<SavedFile> {
    let dir = export_dir(db_path);
    std::fs::create_dir_all(&dir)?;
    let name = safe_file_name(file_name);
    let path = dir.join(&name);
    let tmp = dir.join(format!(".{name}.partial"));
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &path)?;
    let opened = open && open_with_desktop(&path);
    Ok(SavedFile {
        path: path.display().to_string(),
        file_name: name,
        bytes: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
        sha256: sha256_hex(bytes),
        opened,
    })
}

/// Starts the desktop's handler for the file (its PDF viewer prints through the OS dialog).
/// `DEALERDESK_NO_OPEN=1` turns this off (tests, kiosks).
fn open_with_desktop(path: &Path) -> bool {
    if std::env::var_os("DEALERDESK_NO_OPEN").is_some() {
        return false;
    }
    #[cfg(target_os = "linux")]
    let mut cmd = std::process::Command::new("xdg-open");
    #[cfg(target_os = "macos")]
    let mut cmd = std::process::Command::new("open");
    #[cfg(target_os = "windows")]
    let mut cmd = {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    };
    cmd.arg(path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_cannot_escape_the_folder() {
        assert_eq!(safe_file_name("../../etc/passwd"), "etc-passwd");
        assert_eq!(safe_file_name("notice 01.pdf"), "notice-01.pdf");
        assert_eq!(safe_file_name("..."), "export");
        assert_eq!(safe_file_name("Ma\u{ef}a.xml"), "Ma-a.xml");
    }

    #[test]
    fn saves_owner_only_and_reports_the_hash() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("desk.db");
        let saved = save(&db, "a b.txt", b"hello", false).expect("saved");
        assert!(!saved.opened);
        assert_eq!(saved.file_name, "a-b.txt");
        assert_eq!(
            std::fs::read(dir.path().join("exports/a-b.txt")).expect("read"),
            b"hello"
        );
        assert_eq!(saved.sha256, sha256_hex(b"hello"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&saved.path)
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
