//! AES-GCM (NIST SP 800-38D) and ChaCha20-Poly1305 (RFC 8439 section 2.8)
//! with a caller-given 96-bit IV, the tag apart from the ciphertext; a GCM
//! IV of another length goes to [`gcm_any_iv`]. A tag
//! may be truncated to 12–16 bytes (GCM: SP 800-38D section 5.2.1.2;
//! ChaCha20-Poly1305: as a KMIP Tag Length asks, the profiles'
//! CS-BC-M-CHACHA20POLY1305-1 decrypting with a 12-byte tag).
//!
//! aws-lc-rs verifies full tags only. A truncated tag is checked by
//! recomputing the full one: the ciphertext is decrypted with the mode's
//! keystream (GCM: AES-CTR from the counter block `inc32(J0) = IV ‖
//! 0x00000002`, SP 800-38D section 7.2, steps 2 and 3, for a 96-bit IV;
//! ChaCha20-Poly1305: the ciphertext of zeros sealed under the same key and
//! nonce, which is the keystream, RFC 8439 section 2.8), the result sealed
//! again with the same IV and AAD, and the tag's prefix compared in
//! constant time. The plaintext never leaves before the tag verifies.

use aws_lc_rs::aead::{
    AES_128_GCM, AES_192_GCM, AES_256_GCM, Aad, Algorithm as AeadAlgorithm, CHACHA20_POLY1305,
    LessSafeKey, Nonce, UnboundKey,
};
use aws_lc_rs::constant_time::verify_slices_are_equal;
use keyhold_core::Algorithm;
use zeroize::Zeroizing;

use super::{block_modes, gcm_any_iv};
use crate::cipher::{AEAD_IV_LEN, CipherMode, FULL_TAG_LEN, GCM_MIN_TAG_LEN, Padding};
use crate::error::CryptoError;
use crate::secret::SecretBytes;

/// The aws-lc-rs AEAD of a raw key algorithm for an authenticating mode.
pub(super) fn aead_of(algorithm: Algorithm, mode: CipherMode) -> Option<&'static AeadAlgorithm> {
    match (algorithm, mode) {
        (Algorithm::Aes128Raw, CipherMode::Gcm { .. }) => Some(&AES_128_GCM),
        (Algorithm::Aes192Raw, CipherMode::Gcm { .. }) => Some(&AES_192_GCM),
        (Algorithm::Aes256Raw, CipherMode::Gcm { .. }) => Some(&AES_256_GCM),
        (Algorithm::ChaCha20Raw, CipherMode::ChaCha20Poly1305 { .. }) => Some(&CHACHA20_POLY1305),
        _ => None,
    }
}

/// Checks the tag length of `mode`.
fn check_tag_len(mode: CipherMode) -> Result<(), CryptoError> {
    if !(GCM_MIN_TAG_LEN..=FULL_TAG_LEN).contains(&mode.tag_len()) {
        return Err(CryptoError::InvalidInput {
            what: "tag length",
            reason: "must be 12 to 16 bytes",
        });
    }
    Ok(())
}

/// Whether GCM is asked with an IV aws-lc-rs does not take (not 96 bits):
/// [`gcm_any_iv`] serves it.
fn any_iv_gcm(mode: CipherMode, iv: &[u8]) -> bool {
    matches!(mode, CipherMode::Gcm { .. }) && iv.len() != AEAD_IV_LEN
}

/// Checks the IV and tag lengths of `mode`.
fn check(mode: CipherMode, iv: &[u8]) -> Result<[u8; AEAD_IV_LEN], CryptoError> {
    check_tag_len(mode)?;
    iv.try_into().map_err(|_| CryptoError::InvalidInput {
        what: "IV",
        reason: "must be 96 bits (12 bytes)",
    })
}

fn key_of(aead: &'static AeadAlgorithm, key: &[u8]) -> Result<LessSafeKey, CryptoError> {
    UnboundKey::new(aead, key)
        .map(LessSafeKey::new)
        .map_err(|_| CryptoError::InvalidInput {
            what: "AEAD key",
            reason: "has the wrong length for the algorithm",
        })
}

/// Seals; returns the ciphertext and the full 16-byte tag.
fn seal_full(
    aead: &'static AeadAlgorithm,
    key: &[u8],
    iv: [u8; AEAD_IV_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    let key = key_of(aead, key)?;
    let mut buf = Zeroizing::new(plaintext.to_vec());
    let tag = key
        .seal_in_place_separate_tag(Nonce::assume_unique_for_key(iv), Aad::from(aad), &mut buf)
        .map_err(|_| CryptoError::InvalidInput {
            what: "plaintext",
            reason: "too long for the AEAD",
        })?;
    Ok((std::mem::take(&mut *buf), tag.as_ref().to_vec()))
}

/// Encrypts; the tag is cut to the mode's length.
pub(super) fn encrypt(
    aead: &'static AeadAlgorithm,
    key: &[u8],
    mode: CipherMode,
    iv: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    if any_iv_gcm(mode, iv) {
        check_tag_len(mode)?;
        return gcm_any_iv::encrypt(key, iv, aad, plaintext, mode.tag_len());
    }
    let iv = check(mode, iv)?;
    let (ciphertext, mut tag) = seal_full(aead, key, iv, aad, plaintext)?;
    tag.truncate(mode.tag_len());
    Ok((ciphertext, tag))
}

/// Decrypts and verifies a tag of the mode's length.
pub(super) fn decrypt(
    aead: &'static AeadAlgorithm,
    key: &[u8],
    (mode, iv): (CipherMode, &[u8]),
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<SecretBytes, CryptoError> {
    check_tag_len(mode)?;
    if tag.len() != mode.tag_len() {
        return Err(CryptoError::InvalidInput {
            what: "tag",
            reason: "is not as long as the Tag Length",
        });
    }
    if any_iv_gcm(mode, iv) {
        return gcm_any_iv::decrypt(key, iv, aad, ciphertext, tag);
    }
    let iv = check(mode, iv)?;
    if tag.len() < FULL_TAG_LEN {
        return open_truncated(aead, key, (mode, iv), aad, ciphertext, tag);
    }
    let key = key_of(aead, key)?;
    let mut buf = Zeroizing::new(Vec::with_capacity(ciphertext.len() + tag.len()));
    buf.extend_from_slice(ciphertext);
    buf.extend_from_slice(tag);
    let plaintext = key
        .open_in_place(Nonce::assume_unique_for_key(iv), Aad::from(aad), &mut buf)
        .map_err(|_| CryptoError::Decrypt)?;
    Ok(SecretBytes::copy_from(plaintext))
}

/// A truncated tag, as the module comment says.
fn open_truncated(
    aead: &'static AeadAlgorithm,
    key: &[u8],
    (mode, iv): (CipherMode, [u8; AEAD_IV_LEN]),
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<SecretBytes, CryptoError> {
    let plaintext = match mode {
        CipherMode::Gcm { .. } => gcm_keystream_open(key, iv, ciphertext)?,
        _ => sealed_keystream_open(aead, key, iv, ciphertext)?,
    };
    let (_, full) = seal_full(aead, key, iv, aad, plaintext.expose())?;
    let prefix = full.get(..tag.len()).ok_or(CryptoError::Decrypt)?;
    if verify_slices_are_equal(prefix, tag).is_err() {
        return Err(CryptoError::Decrypt);
    }
    Ok(plaintext)
}

/// The ciphertext XOR the AEAD's keystream, which is what sealing zeros
/// under the same key and nonce gives (ChaCha20-Poly1305, RFC 8439 section
/// 2.8: the ciphertext is the plaintext XOR ChaCha20 from block 1).
fn sealed_keystream_open(
    aead: &'static AeadAlgorithm,
    key: &[u8],
    iv: [u8; AEAD_IV_LEN],
    ciphertext: &[u8],
) -> Result<SecretBytes, CryptoError> {
    let zeros = vec![0u8; ciphertext.len()];
    let (keystream, _) = seal_full(aead, key, iv, &[], &zeros)?;
    let keystream = Zeroizing::new(keystream);
    let plain = ciphertext.iter().zip(keystream.iter()).map(|(c, k)| c ^ k);
    Ok(SecretBytes::new(plain.collect()))
}

/// GCM's plaintext: AES-CTR from `inc32(J0)`.
fn gcm_keystream_open(
    key: &[u8],
    iv: [u8; AEAD_IV_LEN],
    ciphertext: &[u8],
) -> Result<SecretBytes, CryptoError> {
    let cipher = block_modes::aes_cipher_of_len(key.len()).ok_or(CryptoError::InvalidInput {
        what: "AES key",
        reason: "must be 16, 24 or 32 bytes",
    })?;
    // inc32(J0): the IV, then the 32-bit big-endian counter 2.
    let mut counter = [0u8; 16];
    for (c, b) in counter.iter_mut().zip(iv.iter().chain(&[0, 0, 0, 2])) {
        *c = *b;
    }
    let ctr = (CipherMode::Ctr, Padding::None);
    block_modes::decrypt(cipher, key, ctr, &counter, ciphertext)
}

#[cfg(test)]
#[path = "raw_aead_tests.rs"]
mod tests;
