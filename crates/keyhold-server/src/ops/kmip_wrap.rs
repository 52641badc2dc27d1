//! Key wrapping on KMIP Get (KMIP 1.4 sections 2.1.5, 2.1.6 and 4.11,
//! KMIP 2.1 sections 3.3, 7.18 and 6.1.19): the exported key leaves
//! encrypted under a wrapping key the client names, an AES-256
//! key-wrapping key (`aes-256-kwp`: AES key wrap, KW of RFC 3394 or KWP of
//! RFC 5649) or an RSA public key (RSAES-OAEP, RFC 8017 section 7.1).
//!
//! The exported key goes through the export's checks and is audited as
//! `key:export`, as a plain Get ([`Operations::version_material`]). The
//! wrapping key is a use of that key: the caller needs `key:encrypt` on it
//! (noted in the audit event as `wrapping_key`), its usage must include
//! Wrap Key and its state must allow protecting (the Active primary
//! version), the checks every use makes ([`Operations::check_usable`]).
//! AES-GCM keys are never reused in another mode, so an AES wrapping key
//! is an `aes-256-kwp` key. Everything is checked before the exported
//! key's material is opened, and nothing is marked served (Fresh) unless
//! the wrapping succeeded.

use std::sync::Arc;

use keyhold_core::{
    Action, Algorithm, CoreError, CryptoParams, Key, KeyId, KeyOperation, VersionId,
};
use keyhold_crypto::KeyMaterial;
use keyhold_crypto::rsa_padding::{Oaep, RsaPadding};

use super::raw_cipher::cipher_error;
use super::rsa_cipher::is_rsa;
use super::{Caller, Operations};
use crate::error::ServerError;

/// How the exported key is wrapped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WrapScheme {
    /// AES key wrap, KW (RFC 3394, NIST SP 800-38F section 6.2; KMIP
    /// NISTKeyWrap): a multiple of 8 bytes, at least 16.
    Kw,
    /// AES key wrap with padding, KWP (RFC 5649, NIST SP 800-38F section
    /// 6.3; KMIP AESKeyWrapPadding): any length.
    Kwp,
    /// RSAES-OAEP with these parameters: shorter than the modulus.
    RsaOaep(Oaep),
}

/// A key a Get may wrap under, checked and ready
/// ([`Operations::wrapping_key`]).
pub struct WrappingKey {
    key: KeyId,
    algorithm: Algorithm,
    params: Option<CryptoParams>,
    kek: Kek,
}

/// The wrapping key's part that wraps.
enum Kek {
    /// An `aes-256-kwp` key's material.
    Aes(Arc<KeyMaterial>),
    /// An RSA key's SubjectPublicKeyInfo.
    RsaPublic(Vec<u8>),
}

impl std::fmt::Debug for WrappingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WrappingKey")
            .field("key", &self.key)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl WrappingKey {
    /// The wrapping key's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Whether it wraps with RSA (else with AES key wrap).
    pub fn is_rsa(&self) -> bool {
        matches!(self.kek, Kek::RsaPublic(_))
    }

    /// Its default Cryptographic Parameters (KMIP 1.4 section 3.6).
    pub fn params(&self) -> Option<&CryptoParams> {
        self.params.as_ref()
    }
}

impl Operations {
    /// The key of version `id`, as a wrapping key for this request: see the
    /// module docs for the checks. Any refusal is
    /// [`ServerError::WrappingKeyRefused`] with its cause.
    pub fn wrapping_key(&self, caller: &Caller, id: VersionId) -> Result<WrappingKey, ServerError> {
        self.find_wrapping_key(caller, id)
            .map_err(|source| ServerError::WrappingKeyRefused {
                source: Box::new(source),
            })
    }

    fn find_wrapping_key(
        &self,
        caller: &Caller,
        id: VersionId,
    ) -> Result<WrappingKey, ServerError> {
        let (key, meta) = self.version_row(caller, id)?;
        caller.admit_key_for(&key, Action::KeyEncrypt, "wrapping_key")?;
        let version = self.find_version(&key, meta.version)?;
        self.check_usable(caller, &key, &version, KeyOperation::WrapKey)?;
        let kek = match key.algorithm {
            Algorithm::Aes256KeyWrap => Kek::Aes(self.material(caller, &key, &version)?),
            a if is_rsa(a) => Kek::RsaPublic(version.meta.public_key.clone().ok_or(
                ServerError::Internal {
                    what: "an RSA version without its public key",
                },
            )?),
            algorithm => {
                return Err(ServerError::Core(CoreError::OperationNotSupported {
                    algorithm,
                    operation: KeyOperation::WrapKey,
                }));
            }
        };
        Ok(WrappingKey {
            key: key.id,
            algorithm: key.algorithm,
            params: key.crypto_params.clone(),
            kek,
        })
    }

    /// `bytes` wrapped under `kek` with `scheme`. Bytes the scheme cannot
    /// wrap (KW of a length not a multiple of 8, RSA-OAEP of more than the
    /// modulus holds) are [`ServerError::InvalidRequest`].
    pub fn wrap_under(
        &self,
        kek: &WrappingKey,
        scheme: &WrapScheme,
        bytes: &[u8],
    ) -> Result<Vec<u8>, ServerError> {
        let wrapped = match (&kek.kek, scheme) {
            (Kek::Aes(m), WrapScheme::Kw) => self.crypto.key_wrap.wrap_kw(m, bytes),
            (Kek::Aes(m), WrapScheme::Kwp) => self.crypto.key_wrap.wrap(m, bytes),
            (Kek::RsaPublic(spki), WrapScheme::RsaOaep(oaep)) => {
                let padding = RsaPadding::Oaep(oaep.clone());
                return self
                    .crypto
                    .asymmetric
                    .encrypt_padded(spki, &padding, bytes)
                    .map_err(|_| ServerError::InvalidRequest {
                        detail: format!(
                            "{} bytes are more than RSA-OAEP holds under a {} key; wrap with \
                             an AES key-wrapping key",
                            bytes.len(),
                            kek.algorithm
                        ),
                    });
            }
            _ => {
                return Err(ServerError::InvalidRequest {
                    detail: format!("a {} key cannot wrap with {scheme:?}", kek.algorithm),
                });
            }
        };
        wrapped.map_err(cipher_error)
    }

    /// KMIP Get of version `id` wrapped under `kek`: the export's checks
    /// and approval as [`Operations::version_material`], then `wrap` makes
    /// the answer from the key and its material; only once it has is the
    /// version marked served. A key is never wrapped under itself.
    pub fn version_material_wrapped<T>(
        &self,
        caller: &Caller,
        id: VersionId,
        kek: &WrappingKey,
        wrap: impl FnOnce(&Key, &KeyMaterial) -> Result<T, ServerError>,
    ) -> Result<T, ServerError> {
        let itself = |key: &Key| match key.id == kek.key {
            true => Err(ServerError::InvalidRequest {
                detail: "a key cannot be wrapped under itself".into(),
            }),
            false => Ok(()),
        };
        let (key, version, material) = self.material_to_export(caller, id, itself)?;
        let answer = wrap(&key, &material)?;
        self.mark_served(caller, &version)?;
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_carry_their_cause() {
        let e = ServerError::WrappingKeyRefused {
            source: Box::new(ServerError::KeyNotFound),
        };
        assert!(e.to_string().starts_with("the wrapping key: "));
        let (code, message) = e.public();
        assert_eq!(code, ServerError::KeyNotFound.public().0);
        assert!(message.starts_with("the wrapping key: "));
    }
}
