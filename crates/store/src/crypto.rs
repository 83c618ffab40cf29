//! Field-level encryption of PII at rest.
//!
//! Each sensitive value (SSN, licence number, date of birth, TOTP secrets) is sealed on its own
//! with XChaCha20-Poly1305. The associated data binds a ciphertext to its table, field and row, so
//! a ciphertext copied onto another customer's row fails to open instead of revealing a value.
//!
//! The 256-bit master key lives outside the database: by default in a 0600 file next to it
//! (`<db>.key`). Sub-keys for encryption, blind indexes and the audit head seal are derived from it
//! with HMAC-SHA256 under distinct labels, so no key is used for two purposes.

pub use dealerdesk_rules::pii::{mask_digits, BirthDate, LicenceNumber, Ssn};
pub use dealerdesk_rules::sha256_hex;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

/// Prefix of every ciphertext; a future algorithm change gets a new prefix.
const CIPHERTEXT_V1: &str = "x1:";

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the encryption key file {0} is missing")]
    KeyMissing(PathBuf),
    #[error(
        "the encryption key file {0} is not a DealerDesk key (expected 64 hexadecimal characters)"
    )]
    KeyMalformed(PathBuf),
    #[error("the encryption key file {0} can be read by other users; run `chmod 600` on it")]
    KeyPermissions(PathBuf),
    #[error("could not read or write the key file {path}: {source}")]
    KeyIo {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("a stored value could not be decrypted: wrong key or altered data")]
    Decrypt,
}

/// The master key and the sub-keys derived from it. Key bytes are zeroed on drop.
pub struct FieldCipher {
    aead: XChaCha20Poly1305,
    index_key: Zeroizing<[u8; 32]>,
    seal_key: Zeroizing<[u8; 32]>,
    message_key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FieldCipher(<keys hidden>)")
    }
}

impl FieldCipher {
    /// Builds a cipher from a 32-byte master key.
    pub fn from_master_key(master: &[u8; 32]) -> Self {
        let mut enc = derive(master, b"dealerdesk/field-encryption/v1");
        let aead = XChaCha20Poly1305::new((&enc).into());
        enc.zeroize();
        Self {
            aead,
            index_key: Zeroizing::new(derive(master, b"dealerdesk/blind-index/v1")),
            seal_key: Zeroizing::new(derive(master, b"dealerdesk/audit-seal/v1")),
            message_key: Zeroizing::new(derive(master, b"dealerdesk/outbox-sign/v1")),
        }
    }

    /// Reads the key file, refusing one that other users can read.
    pub fn load(path: &Path) -> Result<Self, CryptoError> {
        let master = read_secret(path)?;
        Ok(Self::from_master_key(&master))
    }

    /// Creates a new random key file with mode 0600. Fails if the file already exists, so an
    /// existing key is never overwritten.
    pub fn create(path: &Path) -> Result<Self, CryptoError> {
        let mut master = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(master.as_mut());
        Self::create_with(path, &master)
    }

    /// Writes `master` as a new key file (mode 0600, hex, synced to disk). Fails if the file
    /// already exists, so an existing key is never overwritten.
    pub fn create_with(path: &Path, master: &[u8; 32]) -> Result<Self, CryptoError> {
        write_secret(path, master)?;
        Ok(Self::from_master_key(master))
    }

    /// Seals `plaintext`; `context` names what the value is and where it lives
    /// (for example `customer.ssn:<id>`), and must be given again to open it.
    pub fn encrypt(&self, plaintext: &str, context: &str) -> String {
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .aead
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            // XChaCha20-Poly1305 only fails for messages beyond 256 GiB; our fields are tiny.
            .unwrap_or_default();
        let mut out = Vec::with_capacity(nonce.len() + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{CIPHERTEXT_V1}{}", B64.encode(out))
    }

    /// Opens a value sealed by [`FieldCipher::encrypt`] with the same `context`.
    pub fn decrypt(&self, sealed: &str, context: &str) -> Result<Zeroizing<String>, CryptoError> {
        let body = sealed
            .strip_prefix(CIPHERTEXT_V1)
            .ok_or(CryptoError::Decrypt)?;
        let bytes = B64.decode(body).map_err(|_| CryptoError::Decrypt)?;
        if bytes.len() < 24 + 16 {
            return Err(CryptoError::Decrypt);
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let plain = self
            .aead
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Decrypt)?;
        String::from_utf8(plain)
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::Decrypt)
    }

    /// A keyed, deterministic fingerprint of a value (blind index): equal values give equal
    /// fingerprints, but without the key the fingerprint cannot be brute-forced from the small
    /// SSN space.
    pub fn blind_index(&self, purpose: &str, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.index_key.as_ref())
            .expect("HMAC accepts any key length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A keyed MAC used to seal the audit chain's head against truncation.
    pub fn seal(&self, data: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.seal_key.as_ref())
            .expect("HMAC accepts any key length");
        mac.update(data);
        hex::encode(mac.finalize().into_bytes())
    }

    /// Constant-time check of a seal made by [`FieldCipher::seal`].
    pub fn verify_seal(&self, data: &[u8], seal: &str) -> bool {
        let Ok(expected) = hex::decode(seal) else {
            return false;
        };
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.seal_key.as_ref())
            .expect("HMAC accepts any key length");
        mac.update(data);
        mac.verify_slice(&expected).is_ok()
    }
}

impl FieldCipher {
    /// HMAC-SHA256 (hex) of an outgoing lender message, with its own key derived from the
    /// master key (never the audit seal's key).
    pub fn sign_message(&self, data: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.message_key.as_ref())
            .expect("HMAC accepts any key length");
        mac.update(data);
        hex::encode(mac.finalize().into_bytes())
    }

    /// Constant-time check of a signature made by [`FieldCipher::sign_message`].
    pub fn verify_message(&self, data: &[u8], signature: &str) -> bool {
        let Ok(expected) = hex::decode(signature) else {
            return false;
        };
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.message_key.as_ref())
            .expect("HMAC accepts any key length");
        mac.update(data);
        mac.verify_slice(&expected).is_ok()
    }
}

/// Opens a value sealed under `old` and seals it again under `new` with the same context (for
/// re-encryption under a new master key).
pub fn reseal(
    old: &FieldCipher,
    new: &FieldCipher,
    sealed: &str,
    context: &str,
) -> Result<String, CryptoError> {
    let plain = old.decrypt(sealed, context)?;
    Ok(new.encrypt(&plain, context))
}

/// [`reseal`] for an optional column.
pub fn reseal_opt(
    old: &FieldCipher,
    new: &FieldCipher,
    sealed: Option<&str>,
    context: &str,
) -> Result<Option<String>, CryptoError> {
    sealed.map(|s| reseal(old, new, s, context)).transpose()
}

fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(master).expect("HMAC accepts any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

/// Reads a 32-byte secret kept in a file as hex (the database key, a desk's sync keys),
/// refusing a file that other users can read.
pub fn read_secret(path: &Path) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => Zeroizing::new(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(CryptoError::KeyMissing(path.to_path_buf()))
        }
        Err(source) => {
            return Err(CryptoError::KeyIo {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    check_private(path)?;
    let mut secret = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(text.trim(), secret.as_mut())
        .map_err(|_| CryptoError::KeyMalformed(path.to_path_buf()))?;
    Ok(secret)
}

/// Writes a 32-byte secret as a new file (mode 0600, hex, synced to disk). Fails if the file
/// already exists, so an existing secret is never overwritten.
pub fn write_secret(path: &Path, secret: &[u8; 32]) -> Result<(), CryptoError> {
    let io = |source| CryptoError::KeyIo {
        path: path.to_path_buf(),
        source,
    };
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io)?;
    let encoded = Zeroizing::new(hex::encode(secret));
    file.write_all(encoded.as_bytes()).map_err(io)?;
    file.write_all(b"\n").map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok(())
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), CryptoError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = fs::metadata(path).map_err(|source| CryptoError::KeyIo {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(CryptoError::KeyPermissions(path.to_path_buf()));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), CryptoError> {
    Ok(())
}

/// Random bytes from the operating system's CSPRNG, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher() -> FieldCipher {
        FieldCipher::from_master_key(&[7u8; 32])
    }

    #[test]
    fn a_sealed_value_opens_with_the_same_context() {
        let c = cipher();
        let sealed = c.encrypt("123456789", "customer.ssn:abc");
        assert!(
            !sealed.contains("123456789"),
            "ciphertext must not contain the plaintext"
        );
        let opened = c.decrypt(&sealed, "customer.ssn:abc").expect("opens");
        assert_eq!(opened.as_str(), "123456789");
    }

    #[test]
    fn a_value_moved_to_another_row_does_not_open() {
        let c = cipher();
        let sealed = c.encrypt("123456789", "customer.ssn:abc");
        assert!(
            c.decrypt(&sealed, "customer.ssn:xyz").is_err(),
            "the context binds the ciphertext to its row"
        );
    }

    #[test]
    fn the_same_value_encrypts_differently_each_time() {
        let c = cipher();
        assert_ne!(
            c.encrypt("x", "c"),
            c.encrypt("x", "c"),
            "nonces are random"
        );
    }

    #[test]
    fn a_flipped_byte_is_detected() {
        let c = cipher();
        let sealed = c.encrypt("123456789", "ctx");
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).expect("ascii");
        assert!(
            c.decrypt(&tampered, "ctx").is_err(),
            "AEAD rejects altered data"
        );
    }

    #[test]
    fn a_resealed_value_opens_with_the_new_key_only() {
        let old = cipher();
        let new = FieldCipher::from_master_key(&[9u8; 32]);
        let sealed = old.encrypt("123456789", "customer.ssn:abc");
        let moved = reseal(&old, &new, &sealed, "customer.ssn:abc").expect("reseals");
        assert_eq!(
            new.decrypt(&moved, "customer.ssn:abc")
                .expect("opens")
                .as_str(),
            "123456789"
        );
        assert!(old.decrypt(&moved, "customer.ssn:abc").is_err());
        assert!(
            reseal(&old, &new, &sealed, "customer.ssn:xyz").is_err(),
            "a value that does not open under the old key is refused, not resealed"
        );
    }

    #[test]
    fn blind_index_is_deterministic_and_keyed() {
        let a = cipher();
        let b = FieldCipher::from_master_key(&[8u8; 32]);
        assert_eq!(a.blind_index("ssn", "1"), a.blind_index("ssn", "1"));
        assert_ne!(
            a.blind_index("ssn", "1"),
            b.blind_index("ssn", "1"),
            "depends on the key"
        );
    }

    #[test]
    fn key_file_is_created_private_and_never_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("k.key");
        let first = FieldCipher::create(&path).expect("create");
        assert!(
            FieldCipher::create(&path).is_err(),
            "an existing key is never replaced"
        );
        let again = FieldCipher::load(&path).expect("load");
        let sealed = first.encrypt("v", "c");
        assert_eq!(again.decrypt(&sealed, "c").expect("opens").as_str(), "v");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "key file must be 0600");
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
            assert!(matches!(
                FieldCipher::load(&path),
                Err(CryptoError::KeyPermissions(_))
            ));
        }
    }
}
