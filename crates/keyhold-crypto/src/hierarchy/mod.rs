//! The key hierarchy of DESIGN.md section 4:
//!
//! ```text
//! seal key (what the shares rebuild; the canary recognises it)
//!   └─ root key of generation g (g = 1: the seal key itself; later ones
//!      │                          sealed under it, AAD: g)
//!      ├─ tenant KEK      sealed under the root key   (AAD: tenant ‖ root generation ‖ KEK generation)
//!      │    └─ key versions sealed under the KEK        (AAD: tenant ‖ key ‖ version ‖ algorithm)
//!      └─ derivation seed (g = 1: the root key itself; later sealed under it)
//!           └─ derived keys  HKDF-SHA256 (audit MAC, audit signing, backup)
//! ```
//!
//! The seal key, the root keys and the seed are all [`RootKey`] values:
//! the same 32-byte type, sealing or sealed by the others.
//!
//! Every layer is sealed with AES-256-GCM (NIST SP 800-38D) under a fresh
//! random 96-bit nonce from the provider; a sealed blob is nonce ‖
//! ciphertext ‖ tag, stored as a [`SealedBlob`]. Each AAD starts with its
//! own label, so a blob of one layer never opens as another, and binds the
//! identity of what it protects, so a blob copied to another row fails.

mod kek;
mod root;

pub use kek::{Kek, MaterialAad};
pub use root::{DerivedPurpose, KekGenerations, RootKey};

use aws_lc_rs::aead::NONCE_LEN;
use keyhold_core::SealedBlob;

use crate::error::CryptoError;
use crate::provider::CryptoProvider;
use crate::secret::SecretBytes;
use crate::software::{open_aes_256_gcm, seal_aes_256_gcm};

/// Seals `plaintext` under a 32-byte key: nonce ‖ ciphertext ‖ tag.
fn seal(
    provider: &CryptoProvider,
    key: &[u8; 32],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<SealedBlob, CryptoError> {
    let mut nonce = [0u8; NONCE_LEN];
    provider.random.fill(&mut nonce)?;
    let ciphertext = seal_aes_256_gcm(key, nonce, aad, plaintext)?;
    let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&ciphertext);
    Ok(SealedBlob::new(blob))
}

/// Opens a blob made by [`seal`]; `None` on any failure (the callers say
/// which layer failed, nothing more).
fn open(key: &[u8; 32], aad: &[u8], blob: &SealedBlob) -> Option<SecretBytes> {
    let bytes = blob.as_bytes();
    let nonce = bytes.get(..NONCE_LEN)?;
    let ciphertext = bytes.get(NONCE_LEN..)?;
    open_aes_256_gcm(key, nonce, aad, ciphertext).ok()
}

/// A 32-byte key from secret bytes of exactly that length.
fn key_array(secret: &[u8]) -> Option<[u8; 32]> {
    secret.try_into().ok()
}
