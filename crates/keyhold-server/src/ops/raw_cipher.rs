//! KMIP Encrypt and Decrypt (KMIP 1.4 sections 4.29 and 4.30, KMIP 2.1
//! sections 6.1.17 and 6.1.11) under one key version: authorized, audited
//! by the caller's request, the material from the key cache.
//!
//! A raw-cipher key (made over KMIP: [`Algorithm::is_raw_cipher`]) serves
//! the mode the client asks for, with the client's IV (or a random one the
//! server returns, when the client sends none and the mode needs one): AES
//! in ECB, CBC, CTR or GCM, ChaCha20 keys in ChaCha20-Poly1305. Such a key
//! never seals envelopes, so client IVs cannot weaken them. Any other AES
//! or ChaCha20-Poly1305 key serves only its AEAD with server nonces
//! ([`super::raw_aead`]).
//!
//! The request is built once the key is known, from the client's
//! Cryptographic Parameters over the key's own (KMIP 1.4 section 4.29: a
//! request without parameters uses the key's): the KMIP layer passes a
//! builder that receives the key's [`CryptoParams`].

use keyhold_core::{Algorithm, CryptoParams, Key, KeyOperation, VersionId};
use keyhold_crypto::cipher::{CipherMode, CipherSpec, FULL_TAG_LEN, Padding};
use keyhold_crypto::envelope::is_data_aead;
use keyhold_crypto::rsa_padding::RsaPadding;
use keyhold_crypto::{CryptoError, SecretBytes};
use keyhold_store::StoredVersion;

use super::rsa_cipher::{is_rsa, padding_for};
use super::{Caller, Operations};
use crate::error::ServerError;

/// The mode a request names (KMIP Block Cipher Mode, KMIP 1.4 section
/// 9.1.3.2.14), before it is matched to the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestedMode {
    /// ECB.
    Ecb,
    /// CBC.
    Cbc,
    /// CTR.
    Ctr,
    /// ChaCha20 alone: what no Block Cipher Mode and a 64-bit nonce ask for
    /// (the KMIP profiles' ChaCha20 test cases, whose Cryptographic
    /// Algorithm ChaCha20 names no mode).
    Stream,
    /// The key's AEAD (KMIP's GCM or AEAD): AES-GCM for an AES key,
    /// ChaCha20-Poly1305 for a ChaCha20 key, with a tag of `tag_len` bytes.
    Aead {
        /// The tag length in bytes (KMIP Tag Length).
        tag_len: usize,
    },
}

/// What a KMIP Encrypt or Decrypt asks for, from its Cryptographic
/// Parameters (KMIP 1.4 section 3.6) and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CipherRequest {
    /// The mode; `None` for the key's AEAD with a 16-byte tag.
    pub mode: Option<RequestedMode>,
    /// The padding (ECB and CBC only).
    pub padding: Padding,
    /// The IV/Counter/Nonce the client sent.
    pub iv: Option<Vec<u8>>,
    /// Additional authenticated data (AEAD modes only).
    pub aad: Vec<u8>,
    /// The RSA padding the parameters name (Padding Method OAEP or PKCS1
    /// v1.5); `None` when they name none.
    pub rsa: Option<RsaPadding>,
}

/// A KMIP Decrypt's request and input, built once the key's default
/// Cryptographic Parameters are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecryptInput {
    /// The mode, padding, IV and AAD.
    pub cipher: CipherRequest,
    /// The ciphertext.
    pub ciphertext: Vec<u8>,
    /// The tag of an AEAD mode, else empty.
    pub tag: Vec<u8>,
}

/// An encryption's result, its parts apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CipherOutput {
    /// The ciphertext.
    pub ciphertext: Vec<u8>,
    /// The IV the server chose, if it chose one.
    pub iv: Option<Vec<u8>>,
    /// The tag of an AEAD mode, else empty.
    pub tag: Vec<u8>,
}

/// The cipher spec of `req` for a raw-cipher key of `algorithm`.
pub(super) fn raw_spec(
    algorithm: Algorithm,
    req: &CipherRequest,
) -> Result<CipherSpec, ServerError> {
    let chacha = algorithm == Algorithm::ChaCha20Raw;
    let mode = match req.mode.unwrap_or(RequestedMode::Aead {
        tag_len: FULL_TAG_LEN,
    }) {
        RequestedMode::Aead { tag_len } if chacha => CipherMode::ChaCha20Poly1305 { tag_len },
        RequestedMode::Aead { tag_len } => CipherMode::Gcm { tag_len },
        RequestedMode::Stream if chacha => CipherMode::ChaCha20,
        RequestedMode::Stream => {
            return Err(ServerError::InvalidRequest {
                detail: "a 64-bit nonce without a Block Cipher Mode is ChaCha20's; \
                         AES keys name their mode"
                    .into(),
            });
        }
        _ if chacha => {
            return Err(ServerError::InvalidRequest {
                detail: "ChaCha20 keys serve ChaCha20-Poly1305, or ChaCha20 alone with a \
                         64-bit nonce and no Block Cipher Mode"
                    .into(),
            });
        }
        RequestedMode::Ecb => CipherMode::Ecb,
        RequestedMode::Cbc => CipherMode::Cbc,
        RequestedMode::Ctr => CipherMode::Ctr,
    };
    Ok(CipherSpec {
        mode,
        padding: req.padding,
    })
}

/// A crypto failure as the client sees it: malformed input is an invalid
/// request, a tag or padding that does not verify one decryption failure.
pub(super) fn cipher_error(e: CryptoError) -> ServerError {
    match e {
        CryptoError::InvalidInput { .. } => ServerError::InvalidRequest {
            detail: e.to_string(),
        },
        CryptoError::Decrypt => ServerError::DecryptionFailed,
        other => ServerError::Crypto(other),
    }
}

impl Operations {
    /// KMIP Encrypt of `plaintext` under version `id`; `build` makes the
    /// request from the key's default Cryptographic Parameters.
    /// A key with Usage Limits is charged the plaintext once it is
    /// encrypted; if what is left is too little, the ciphertext is dropped
    /// and the request refused ([`super::usage_limits`]).
    pub fn kmip_encrypt(
        &self,
        caller: &Caller,
        id: VersionId,
        build: impl FnOnce(Option<&CryptoParams>) -> Result<CipherRequest, ServerError>,
        plaintext: &[u8],
    ) -> Result<CipherOutput, ServerError> {
        let (key, version) = self.cipher_version(caller, id, KeyOperation::Encrypt)?;
        let out = self.encrypt_with(caller, (&key, &version), build, plaintext)?;
        self.charge_usage(&key, plaintext.len())?;
        Ok(out)
    }

    /// [`kmip_encrypt`](Self::kmip_encrypt) with the version found.
    fn encrypt_with(
        &self,
        caller: &Caller,
        (key, version): (&Key, &StoredVersion),
        build: impl FnOnce(Option<&CryptoParams>) -> Result<CipherRequest, ServerError>,
        plaintext: &[u8],
    ) -> Result<CipherOutput, ServerError> {
        let req = &build(key.crypto_params.as_ref())?;
        if is_rsa(key.algorithm) {
            let ciphertext =
                self.rsa_encrypt(caller, (key, version), padding_for(req)?, plaintext)?;
            return Ok(CipherOutput {
                ciphertext,
                iv: None,
                tag: Vec::new(),
            });
        }
        if req.rsa.is_some() {
            return Err(ServerError::InvalidRequest {
                detail: "Padding Method OAEP and PKCS1 v1.5 are for RSA keys".into(),
            });
        }
        let material = self.usable_material(caller, key, version, KeyOperation::Encrypt)?;
        if !key.algorithm.is_raw_cipher() {
            return self.envelope_key_encrypt(&material, req, plaintext);
        }
        let spec = raw_spec(key.algorithm, req)?;
        let chosen = self.chosen_iv(req, spec.mode.iv_len())?;
        let iv = req.iv.as_deref().or(chosen.as_deref()).unwrap_or_default();
        let out = self
            .crypto
            .raw_cipher
            .encrypt(&material, spec, iv, &req.aad, plaintext)
            .map_err(cipher_error)?;
        Ok(CipherOutput {
            ciphertext: out.ciphertext,
            iv: chosen,
            tag: out.tag,
        })
    }

    /// The IV the server chooses for `req`: `len` random bytes when the
    /// client sent none and the mode takes one (it goes back to the
    /// client), else none.
    pub(super) fn chosen_iv(
        &self,
        req: &CipherRequest,
        len: usize,
    ) -> Result<Option<Vec<u8>>, ServerError> {
        if req.iv.is_some() || len == 0 {
            return Ok(None);
        }
        let mut iv = vec![0; len];
        self.fill_random(&mut iv)?;
        Ok(Some(iv))
    }

    /// KMIP Decrypt under version `id`; `build` makes the request and
    /// input from the key's default Cryptographic Parameters. A tag or
    /// padding that does not verify is [`ServerError::DecryptionFailed`].
    pub fn kmip_decrypt(
        &self,
        caller: &Caller,
        id: VersionId,
        build: impl FnOnce(Option<&CryptoParams>) -> Result<DecryptInput, ServerError>,
    ) -> Result<SecretBytes, ServerError> {
        let (key, version) = self.cipher_version(caller, id, KeyOperation::Decrypt)?;
        let input = build(key.crypto_params.as_ref())?;
        let (req, ciphertext, tag) = (
            &input.cipher,
            input.ciphertext.as_slice(),
            input.tag.as_slice(),
        );
        if is_rsa(key.algorithm) {
            return self.rsa_decrypt(caller, (&key, &version), padding_for(req)?, ciphertext);
        }
        if req.rsa.is_some() {
            return Err(ServerError::InvalidRequest {
                detail: "Padding Method OAEP and PKCS1 v1.5 are for RSA keys".into(),
            });
        }
        if req.mode.is_none() && req.iv.is_none() {
            return Err(ServerError::InvalidRequest {
                detail: "IV/Counter/Nonce is required".into(),
            });
        }
        let material = self.usable_material(caller, &key, &version, KeyOperation::Decrypt)?;
        if !key.algorithm.is_raw_cipher() {
            return self.envelope_key_decrypt(&material, req, ciphertext, tag);
        }
        let spec = raw_spec(key.algorithm, req)?;
        let iv = req.iv.as_deref().unwrap_or_default();
        self.crypto
            .raw_cipher
            .decrypt(&material, spec, iv, &req.aad, ciphertext, tag)
            .map_err(cipher_error)
    }

    /// The caller's symmetric encryption key holding version `id`, with
    /// the version (from the key cache). A legacy key says why it does
    /// not `op` ([`keyhold_core::CoreError::LegacyKeyNotUsed`]).
    pub(super) fn cipher_version(
        &self,
        caller: &Caller,
        id: VersionId,
        op: KeyOperation,
    ) -> Result<(Key, StoredVersion), ServerError> {
        self.vault.unlocked()?;
        let wanted = super::key_cache::Wanted::Version(id);
        let (entry, version) = self.cached_key(caller.tenant.id, wanted)?;
        let version = version.ok_or(ServerError::KeyNotFound)?;
        let (key, version) = (entry.key.clone(), version.stored.clone());
        caller.admit_key(&key, Some(version.meta.version))?;
        if key.algorithm.is_legacy() {
            op.check(key.algorithm, key.usage)?;
        }
        if !key.algorithm.is_raw_cipher() && !is_data_aead(key.algorithm) && !is_rsa(key.algorithm)
        {
            return Err(ServerError::InvalidRequest {
                detail: "only AES, ChaCha20 and RSA keys encrypt over KMIP; Triple-DES keys are \
                         kept and served, never used (NIST SP 800-131A Rev. 2)"
                    .into(),
            });
        }
        Ok((key, version))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(mode: Option<RequestedMode>) -> CipherRequest {
        CipherRequest {
            mode,
            padding: Padding::None,
            iv: None,
            aad: Vec::new(),
            rsa: None,
        }
    }

    #[test]
    fn the_requested_mode_is_matched_to_the_key() {
        let spec = |alg, mode| raw_spec(alg, &req(mode)).map(|s| s.mode);
        let gcm = CipherMode::Gcm { tag_len: 16 };
        assert_eq!(spec(Algorithm::Aes128Raw, None).unwrap(), gcm);
        let short = Some(RequestedMode::Aead { tag_len: 12 });
        assert_eq!(
            spec(Algorithm::Aes192Raw, short).unwrap(),
            CipherMode::Gcm { tag_len: 12 }
        );
        assert_eq!(
            spec(Algorithm::Aes256Raw, Some(RequestedMode::Cbc)).unwrap(),
            CipherMode::Cbc
        );
        assert_eq!(
            spec(Algorithm::ChaCha20Raw, None).unwrap(),
            CipherMode::ChaCha20Poly1305 { tag_len: 16 }
        );
        assert_eq!(
            spec(Algorithm::ChaCha20Raw, short).unwrap(),
            CipherMode::ChaCha20Poly1305 { tag_len: 12 }
        );
        assert!(spec(Algorithm::ChaCha20Raw, Some(RequestedMode::Ctr)).is_err());
        // ChaCha20 alone is for ChaCha20 keys.
        assert_eq!(
            spec(Algorithm::ChaCha20Raw, Some(RequestedMode::Stream)).unwrap(),
            CipherMode::ChaCha20
        );
        assert!(spec(Algorithm::Aes128Raw, Some(RequestedMode::Stream)).is_err());
    }

    #[test]
    fn malformed_input_and_failed_checks_are_told_apart() {
        let bad = CryptoError::InvalidInput {
            what: "IV",
            reason: "x",
        };
        assert!(matches!(
            cipher_error(bad),
            ServerError::InvalidRequest { .. }
        ));
        assert!(matches!(
            cipher_error(CryptoError::Decrypt),
            ServerError::DecryptionFailed
        ));
    }
}
