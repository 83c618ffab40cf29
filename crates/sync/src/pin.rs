//! A TLS client that trusts exactly one hub certificate, by the SHA-256 of its DER (all 32
//! bytes, or the first 16 an enrolment code carries): dealerships have no PKI. Also a minimal
//! HTTPS/1.1 request over it (for enrolment and the tests).

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The most of an answer this client reads: twice the largest sync message (a pull page), so a
/// hub that misbehaves cannot make a desk read without end.
const MAX_ANSWER: u64 = 2 * crate::wire::MAX_MESSAGE_BYTES as u64;

/// Accepts only a certificate whose SHA-256 starts with `pin`; remembers the full fingerprint
/// it saw (hex), for the desk to store.
#[derive(Debug)]
pub struct PinnedVerifier {
    pin: Vec<u8>,
    provider: Arc<CryptoProvider>,
    seen: Mutex<Option<String>>,
}

impl PinnedVerifier {
    pub fn new(pin: &[u8]) -> Arc<Self> {
        Arc::new(Self {
            pin: pin.to_vec(),
            provider: crate::tls_provider(),
            seen: Mutex::new(None),
        })
    }

    /// The full fingerprint of the certificate last accepted.
    pub fn seen(&self) -> Option<String> {
        self.seen.lock().ok().and_then(|s| s.clone())
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let fp = Sha256::digest(end_entity.as_ref());
        let n = self.pin.len().min(fp.len());
        if self.pin.len() < 16 || !bool::from(fp[..n].ct_eq(&self.pin)) {
            return Err(rustls::Error::General(format!(
                "the hub's certificate (SHA-256 {}) is not the one pinned",
                hex::encode(fp)
            )));
        }
        if let Ok(mut s) = self.seen.lock() {
            *s = Some(hex::encode(fp));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A client configuration trusting only the pinned certificate.
pub fn client_config(verifier: Arc<PinnedVerifier>) -> Result<rustls::ClientConfig, String> {
    let provider = crate::tls_provider();
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// An HTTP answer: status and body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    /// The full fingerprint of the certificate the connection accepted.
    pub fingerprint: String,
}

/// Sends one HTTPS/1.1 request to `https://HOST:PORT` trusting only a certificate whose
/// SHA-256 starts with `pin`, and reads the answer (the connection is closed after it).
pub async fn request(
    base_url: &str,
    pin: &[u8],
    method: &str,
    path: &str,
    json_body: Option<&str>,
) -> Result<Answer, String> {
    let rest = base_url
        .strip_prefix("https://")
        .ok_or("the hub's address must start with https://")?;
    let authority = rest.trim_end_matches('/');
    let (host, port) = authority
        .rsplit_once(':')
        .map(|(h, p)| (h, p.parse::<u16>()))
        .ok_or("the hub's address needs a port (https://HOST:PORT)")?;
    let port = port.map_err(|_| "the hub's port is not a number")?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let verifier = PinnedVerifier::new(pin);
    let config = client_config(verifier.clone())?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let name = ServerName::try_from(host.to_string()).map_err(|e| e.to_string())?;
    let tcp = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        tokio::net::TcpStream::connect((host, port)),
    )
    .await
    .map_err(|_| "the hub did not answer in time")?
    .map_err(|e| format!("cannot reach the hub: {e}"))?;
    let mut tls = connector
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS with the hub failed: {e}"))?;
    let body = json_body.unwrap_or("");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    tls.write_all(head.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    tls.write_all(body.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    // A close without TLS close_notify still leaves a complete answer in `buf`; what was read is
    // judged below. A hub that sends more than MAX_ANSWER is cut off there.
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        (&mut tls).take(MAX_ANSWER).read_to_end(&mut buf),
    )
    .await
    .map_err(|_| "the hub's answer timed out")?;
    let text = String::from_utf8_lossy(&buf);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or("the hub's answer is not HTTP")?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("the hub's answer has no status")?;
    Ok(Answer {
        status,
        body: body.to_string(),
        fingerprint: verifier.seen().unwrap_or_default(),
    })
}
