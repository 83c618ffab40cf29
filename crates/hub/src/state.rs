//! The hub's state directory: the files kept outside PostgreSQL, each 0600 — the TLS
//! certificate and its private key, and the group's 256-bit data key.

use std::io::Write;
use std::path::{Path, PathBuf};

use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::HubError;

pub const CERT_FILE: &str = "hub-cert.pem";
pub const TLS_KEY_FILE: &str = "hub-key.pem";
pub const DATA_KEY_FILE: &str = "group-data.key";

/// The state directory.
#[derive(Debug, Clone)]
pub struct StateDir {
    pub dir: PathBuf,
}

/// The hub's TLS identity as loaded from the state directory.
pub struct TlsIdentity {
    pub cert_der: Vec<u8>,
    pub key_der: Zeroizing<Vec<u8>>,
}

fn state_err(path: &Path, e: impl std::fmt::Display) -> HubError {
    HubError::State(format!("{}: {e}", path.display()))
}

/// Writes a new file readable only by its owner; refuses to replace an existing one.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), HubError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| state_err(path, e))?;
    f.write_all(bytes).map_err(|e| state_err(path, e))?;
    f.sync_all().map_err(|e| state_err(path, e))?;
    Ok(())
}

/// SHA-256 of a DER certificate, lowercase hex: what a desk pins.
pub fn fingerprint(cert_der: &[u8]) -> String {
    hex::encode(Sha256::digest(cert_der))
}

impl StateDir {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Whether any of the hub's files is already here.
    pub fn holds_any(&self) -> bool {
        [CERT_FILE, TLS_KEY_FILE, DATA_KEY_FILE]
            .iter()
            .any(|f| self.path(f).exists())
    }

    /// Generates the self-signed certificate (SANs `hosts`), its key and the group data key;
    /// returns the certificate's fingerprint. Refuses when any file exists.
    pub fn generate(&self, hosts: &[String]) -> Result<String, HubError> {
        if self.holds_any() {
            return Err(HubError::Conflict(format!(
                "the state directory {} already holds a hub's keys",
                self.dir.display()
            )));
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| state_err(&self.dir, e))?;
        let certified = rcgen::generate_simple_self_signed(hosts.to_vec())
            .map_err(|e| HubError::invalid("host", format!("cannot make the certificate: {e}")))?;
        let cert_pem = certified.cert.pem();
        let key_pem = Zeroizing::new(certified.signing_key.serialize_pem());
        let mut data_key = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(data_key.as_mut());
        write_private(&self.path(TLS_KEY_FILE), key_pem.as_bytes())?;
        write_private(&self.path(DATA_KEY_FILE), data_key.as_ref())?;
        write_private(&self.path(CERT_FILE), cert_pem.as_bytes())?;
        Ok(fingerprint(certified.cert.der()))
    }

    /// Removes what [`generate`](Self::generate) wrote (when init fails after it).
    pub fn remove_generated(&self) {
        for f in [CERT_FILE, TLS_KEY_FILE, DATA_KEY_FILE] {
            let _ = std::fs::remove_file(self.path(f));
        }
    }

    /// The TLS certificate and key.
    pub fn tls(&self) -> Result<TlsIdentity, HubError> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let cp = self.path(CERT_FILE);
        let kp = self.path(TLS_KEY_FILE);
        let cert = CertificateDer::from_pem_file(&cp).map_err(|e| state_err(&cp, e))?;
        let key = PrivateKeyDer::from_pem_file(&kp).map_err(|e| state_err(&kp, e))?;
        Ok(TlsIdentity {
            cert_der: cert.as_ref().to_vec(),
            key_der: Zeroizing::new(key.secret_der().to_vec()),
        })
    }

    /// The certificate's fingerprint.
    pub fn fingerprint(&self) -> Result<String, HubError> {
        Ok(fingerprint(&self.tls()?.cert_der))
    }

    /// The group's 256-bit data key.
    pub fn data_key(&self) -> Result<Zeroizing<[u8; 32]>, HubError> {
        let p = self.path(DATA_KEY_FILE);
        let bytes = Zeroizing::new(std::fs::read(&p).map_err(|e| state_err(&p, e))?);
        let key: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| state_err(&p, "not a 32-byte key"))?;
        Ok(Zeroizing::new(key))
    }
}
