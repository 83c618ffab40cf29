//! Sealing the group data key to a desk: X25519 with a fresh ephemeral key, HKDF-SHA256 and
//! ChaCha20-Poly1305 (the project's AEAD). Only the desk's X25519 private key opens it.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hkdf::Hkdf;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

const INFO: &[u8] = b"dealerdesk hub group key v1";

/// The sealed key as sent to a desk (base64 fields).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SealedKey {
    /// The hub's ephemeral X25519 public key.
    pub ephemeral_public: String,
    pub nonce: String,
    pub ciphertext: String,
}

fn kdf(shared: &[u8; 32], eph: &[u8; 32], desk: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let mut salt = Vec::with_capacity(64);
    salt.extend_from_slice(eph);
    salt.extend_from_slice(desk);
    let hk = Hkdf::<Sha256>::new(Some(&salt), shared);
    let mut okm = Zeroizing::new([0u8; 32]);
    // 32 bytes is always a valid HKDF-SHA256 output length.
    let _ = hk.expand(INFO, okm.as_mut());
    okm
}

/// Seals `data_key` to the desk's X25519 public key; `aad` binds it to the enrolment
/// (group id and desk id).
pub fn seal(data_key: &[u8; 32], desk_public: &[u8; 32], aad: &[u8]) -> Result<SealedKey, String> {
    let eph = StaticSecret::random_from_rng(rand::rngs::OsRng);
    let eph_pub = PublicKey::from(&eph);
    let shared = eph.diffie_hellman(&PublicKey::from(*desk_public));
    if !shared.was_contributory() {
        return Err("the desk's X25519 public key is not usable".into());
    }
    let key = kdf(shared.as_bytes(), eph_pub.as_bytes(), desk_public);
    let mut nonce = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let ct = ChaCha20Poly1305::new(Key::from_slice(key.as_ref()))
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: data_key, aad })
        .map_err(|_| "sealing failed".to_string())?;
    Ok(SealedKey {
        ephemeral_public: B64.encode(eph_pub.as_bytes()),
        nonce: B64.encode(nonce),
        ciphertext: B64.encode(ct),
    })
}

/// Opens a sealed key with the desk's X25519 private key.
pub fn open(
    sealed: &SealedKey,
    desk_secret: &StaticSecret,
    aad: &[u8],
) -> Result<Zeroizing<[u8; 32]>, String> {
    let eph: [u8; 32] = B64
        .decode(&sealed.ephemeral_public)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or("bad ephemeral key")?;
    let nonce: [u8; 12] = B64
        .decode(&sealed.nonce)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or("bad nonce")?;
    let ct = B64
        .decode(&sealed.ciphertext)
        .map_err(|_| "bad ciphertext")?;
    let desk_pub = PublicKey::from(desk_secret);
    let shared = desk_secret.diffie_hellman(&PublicKey::from(eph));
    let key = kdf(shared.as_bytes(), &eph, desk_pub.as_bytes());
    let pt = Zeroizing::new(
        ChaCha20Poly1305::new(Key::from_slice(key.as_ref()))
            .decrypt(Nonce::from_slice(&nonce), Payload { msg: &ct, aad })
            .map_err(|_| "the sealed key does not open with this desk's key")?,
    );
    let out: [u8; 32] = pt.as_slice().try_into().map_err(|_| "not a 32-byte key")?;
    Ok(Zeroizing::new(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_key_opens_only_for_its_desk_and_enrolment() {
        let desk = StaticSecret::random_from_rng(rand::rngs::OsRng);
        let other = StaticSecret::random_from_rng(rand::rngs::OsRng);
        let key = [7u8; 32];
        let s = seal(&key, PublicKey::from(&desk).as_bytes(), b"g|d").unwrap();
        assert_eq!(*open(&s, &desk, b"g|d").unwrap(), key);
        assert!(open(&s, &other, b"g|d").is_err());
        assert!(open(&s, &desk, b"g|x").is_err());
    }
}
