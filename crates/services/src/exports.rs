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

use dealerdesk_store::crypto::sha256_hex;

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

/// Why a path chosen in a save dialog is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadSavePath(pub String);

/// Checks a path the user chose to save a PDF at: absolute, a file name ending in `.pdf`
/// (added when missing), in an existing folder, and not an existing folder or special file.
/// Returns the path to write.
pub fn check_save_path(path: &Path) -> Result<PathBuf, BadSavePath> {
    if !path.is_absolute() {
        return Err(BadSavePath(
            "choose a folder and a file name to save to".into(),
        ));
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::trim)
        .filter(|n| !n.is_empty() && !n.starts_with('.'))
        .ok_or_else(|| BadSavePath("the file needs a name".into()))?;
    if name.chars().any(|c| c.is_control()) || name.chars().count() > 200 {
        return Err(BadSavePath("the file name cannot be used".into()));
    }
    let path = if name.to_ascii_lowercase().ends_with(".pdf") {
        path.to_path_buf()
    } else {
        path.with_file_name(format!("{name}.pdf"))
    };
    if !path.parent().is_some_and(Path::is_dir) {
        return Err(BadSavePath("that folder does not exist".into()));
    }
    if let Ok(meta) = std::fs::symlink_metadata(&path) {
        if !meta.is_file() {
            return Err(BadSavePath(
                "a folder or special file already has that name".into(),
            ));
        }
    }
    Ok(path)
}

/// Writes `bytes` at a path the user chose (checked with [`check_save_path`]), replacing a file
/// there, owner-only, through a temporary file in the same folder. Never opens it.
pub fn save_to_path(path: &Path, bytes: &[u8]) -> std::io::Result<SavedFile> {
    stage_at(path, bytes)?.finish()
}

/// A file written next to where it goes but not there yet (see [`stage_at`]): [`Staged::finish`]
/// moves it into place; dropped unfinished, it is removed and the chosen path is untouched.
#[derive(Debug)]
pub struct Staged {
    tmp: PathBuf,
    path: PathBuf,
    saved: Option<SavedFile>,
}

/// Writes `bytes` (synced) to a temporary file in the folder of `path` (checked with
/// [`check_save_path`]), for a caller that must record something before the file counts as
/// saved: it finishes the file only once the record is committed.
pub fn stage_at(path: &Path, bytes: &[u8]) -> std::io::Result<Staged> {
    let path = check_save_path(path)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.0))?;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{}.partial", safe_file_name(&name)));
    let staged = Staged {
        tmp,
        saved: Some(SavedFile {
            path: path.display().to_string(),
            file_name: name,
            bytes: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            sha256: sha256_hex(bytes),
            opened: false,
        }),
        path,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(&staged.tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(staged)
}

impl Staged {
    /// Moves the file into place (replacing a file there).
    pub fn finish(mut self) -> std::io::Result<SavedFile> {
        std::fs::rename(&self.tmp, &self.path)?;
        self.saved
            .take()
            .ok_or_else(|| std::io::Error::other("the file was already saved"))
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.saved.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
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
    fn a_save_path_is_checked_and_gets_its_pdf_extension() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ok = check_save_path(&dir.path().join("jacket")).expect("ok");
        assert_eq!(ok, dir.path().join("jacket.pdf"));
        assert_eq!(
            check_save_path(&dir.path().join("a.PDF")).expect("ok"),
            dir.path().join("a.PDF")
        );
        assert!(check_save_path(Path::new("relative.pdf")).is_err());
        assert!(check_save_path(&dir.path().join("missing/x.pdf")).is_err());
        assert!(check_save_path(&dir.path().join(".hidden.pdf")).is_err());
        std::fs::create_dir(dir.path().join("d.pdf")).expect("dir");
        assert!(check_save_path(&dir.path().join("d.pdf")).is_err());
        let saved = save_to_path(&dir.path().join("copy"), b"%PDF-1.7").expect("saved");
        assert_eq!(saved.file_name, "copy.pdf");
        assert_eq!(
            std::fs::read(dir.path().join("copy.pdf")).expect("read"),
            b"%PDF-1.7"
        );
        assert!(!dir.path().join(".copy.pdf.partial").exists());
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
