//! KMIP Encrypt and Decrypt under a key that also seals keyhold's own
//! envelopes (AES-GCM, ChaCha20-Poly1305 keys made over REST): only its
//! AEAD, with a 96-bit nonce the server chooses (NIST SP 800-38D section
//! 8.2.2, RFC 8439 section 2.8) and a full 16-byte tag. A client-chosen
//! IV is refused: repeated under a key that seals envelopes, it would give
//! the client their keystream and, for GCM, the authentication key.

use keyhold_crypto::KeyMaterial;
use keyhold_crypto::SecretBytes;
use keyhold_crypto::cipher::FULL_TAG_LEN;

use super::Operations;
use super::raw_cipher::{CipherOutput, CipherRequest, RequestedMode};
use crate::error::ServerError;

/// Refuses what an envelope key cannot do: another mode than its AEAD,
/// a short tag, and (`encrypting`) a client IV.
fn check_envelope_request(req: &CipherRequest, encrypting: bool) -> Result<(), ServerError> {
    let refuse = |detail: &str| {
        Err(ServerError::InvalidRequest {
            detail: detail.into(),
        })
    };
    match req.mode {
        None => {}
        Some(RequestedMode::Aead { tag_len }) if tag_len == FULL_TAG_LEN => {}
        Some(RequestedMode::Aead { .. }) => return refuse("the tag must be 16 bytes"),
        Some(_) => {
            return refuse(
                "this key seals keyhold envelopes: only its AEAD, no raw modes \
                 (create or register the key over KMIP for those)",
            );
        }
    }
    if encrypting && req.iv.is_some() {
        return refuse(
            "this key seals keyhold envelopes: the server chooses its IVs \
             (create or register the key over KMIP to choose them)",
        );
    }
    Ok(())
}

impl Operations {
    /// Encrypts under an envelope key with a fresh server nonce.
    pub(super) fn envelope_key_encrypt(
        &self,
        material: &KeyMaterial,
        req: &CipherRequest,
        plaintext: &[u8],
    ) -> Result<CipherOutput, ServerError> {
        check_envelope_request(req, true)?;
        let mut sealed = self
            .crypto
            .aead
            .encrypt(material, &req.aad, plaintext)
            .map_err(ServerError::Crypto)?;
        let at =
            sealed
                .ciphertext
                .len()
                .checked_sub(FULL_TAG_LEN)
                .ok_or(ServerError::Internal {
                    what: "AEAD output shorter than its tag",
                })?;
        let tag = sealed.ciphertext.split_off(at);
        Ok(CipherOutput {
            ciphertext: sealed.ciphertext,
            iv: Some(sealed.nonce),
            tag,
        })
    }

    /// Decrypts and authenticates under an envelope key; any mismatch is
    /// [`ServerError::DecryptionFailed`].
    pub(super) fn envelope_key_decrypt(
        &self,
        material: &KeyMaterial,
        req: &CipherRequest,
        ciphertext: &[u8],
        tag: &[u8],
    ) -> Result<SecretBytes, ServerError> {
        check_envelope_request(req, false)?;
        if tag.len() != FULL_TAG_LEN {
            return Err(ServerError::InvalidRequest {
                detail: format!("the tag must be {FULL_TAG_LEN} bytes"),
            });
        }
        let nonce = req.iv.as_deref().unwrap_or_default();
        let mut joined = Vec::with_capacity(ciphertext.len() + FULL_TAG_LEN);
        joined.extend_from_slice(ciphertext);
        joined.extend_from_slice(tag);
        self.crypto
            .aead
            .decrypt(material, nonce, &req.aad, &joined)
            .map_err(|_| ServerError::DecryptionFailed)
    }
}
