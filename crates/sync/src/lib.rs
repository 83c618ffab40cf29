//! The sync protocol desks and the hub share, and nothing else: no database, no server. Wire types
//! (enrolment, signed push batches, signed pulls, signed audit tails), the desks' audit hash
//! chain, the group data key sealed to one desk,
//! enrolment codes and a TLS client that trusts exactly one hub certificate.

pub mod chain;
pub mod code;
pub mod pin;
pub mod seal;
pub mod wire;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The rustls crypto provider of the hub and of desks talking to it: ring, which builds here
/// without cmake (aws-lc-rs, rustls's default, adds post-quantum key exchange; rustls 0.23.48
/// deprecates ring's provider for lacking it; switching is one line here).
#[allow(deprecated)]
pub fn tls_provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}

/// What a desk sends to enrol (public keys base64).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrolRequest {
    pub code: String,
    pub desk_name: String,
    pub ed25519_public: String,
    pub x25519_public: String,
}

/// What the hub answers to an enrolment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrolResponse {
    pub desk_id: Uuid,
    pub group_id: Uuid,
    pub rooftop: String,
    pub sealed_group_key: seal::SealedKey,
}

/// The additional data a sealed group key is bound to.
pub fn seal_aad(group_id: Uuid, desk_id: Uuid) -> Vec<u8> {
    format!("{group_id}|{desk_id}").into_bytes()
}
