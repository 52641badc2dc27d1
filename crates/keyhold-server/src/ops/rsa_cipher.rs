//! KMIP Encrypt and Decrypt with an RSA key (KMIP 1.4 sections 4.29 and
//! 4.30, Padding Method OAEP or PKCS1 v1.5, section 9.1.3.2.15): encrypt
//! with the version's public key (a created pair, a registered private key
//! or a public key registered alone), decrypt with its private key. Through
//! the same authorization, usage and state checks, audit and key cache as
//! the symmetric modes ([`super::raw_cipher`]). Every decryption failure is
//! the one [`ServerError::DecryptionFailed`].

use keyhold_core::{Algorithm, Key, KeyOperation};
use keyhold_crypto::SecretBytes;
use keyhold_crypto::rsa_padding::{Oaep, RsaHash, RsaPadding};
use keyhold_store::StoredVersion;

use super::raw_cipher::cipher_error;
use super::{Caller, CipherRequest, Operations};
use crate::error::ServerError;

/// Whether `algorithm` is one of keyhold's RSA sizes.
pub(crate) fn is_rsa(algorithm: Algorithm) -> bool {
    matches!(
        algorithm,
        Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096
    )
}

impl Operations {
    /// RSA encryption of `plaintext` to version `id`'s public key.
    pub(super) fn rsa_encrypt(
        &self,
        caller: &Caller,
        (key, version): (&Key, &StoredVersion),
        padding: RsaPadding,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, ServerError> {
        self.check_usable(caller, key, version, KeyOperation::Encrypt)?;
        let spki = version
            .meta
            .public_key
            .as_deref()
            .ok_or(ServerError::Internal {
                what: "an RSA version without its public key",
            })?;
        self.crypto
            .asymmetric
            .encrypt_padded(spki, &padding, plaintext)
            .map_err(cipher_error)
    }

    /// RSA decryption of `ciphertext` with version `id`'s private key.
    pub(super) fn rsa_decrypt(
        &self,
        caller: &Caller,
        (key, version): (&Key, &StoredVersion),
        padding: RsaPadding,
        ciphertext: &[u8],
    ) -> Result<SecretBytes, ServerError> {
        let material = self.usable_material(caller, key, version, KeyOperation::Decrypt)?;
        self.crypto
            .asymmetric
            .decrypt_padded(&material, &padding, ciphertext)
            .map_err(cipher_error)
    }
}

/// The padding of a request to an RSA key: the one it names, else
/// RSAES-OAEP with SHA-256 when it names no mode at all; a symmetric mode
/// is refused.
pub(super) fn padding_for(req: &CipherRequest) -> Result<RsaPadding, ServerError> {
    if let Some(padding) = &req.rsa {
        return Ok(padding.clone());
    }
    let bare = req.mode.is_none() && req.iv.is_none() && req.aad.is_empty();
    bare.then_some(RsaPadding::Oaep(Oaep::paired(RsaHash::Sha256)))
        .ok_or_else(|| ServerError::InvalidRequest {
            detail: "RSA keys encrypt with Padding Method OAEP or PKCS1 v1.5 only".into(),
        })
}

#[cfg(test)]
mod tests {
    use keyhold_crypto::CryptoError;

    use super::*;

    #[test]
    fn decryption_failures_are_one_error_and_input_errors_another() {
        assert!(matches!(
            cipher_error(CryptoError::Decrypt),
            ServerError::DecryptionFailed
        ));
        let long = CryptoError::InvalidInput {
            what: "plaintext",
            reason: "too long",
        };
        assert!(matches!(
            cipher_error(long),
            ServerError::InvalidRequest { .. }
        ));
        assert!(is_rsa(Algorithm::Rsa4096) && !is_rsa(Algorithm::EcdsaP256));
        let mut req = CipherRequest {
            mode: None,
            padding: keyhold_crypto::cipher::Padding::None,
            iv: None,
            aad: Vec::new(),
            rsa: None,
        };
        assert_eq!(
            padding_for(&req).unwrap(),
            RsaPadding::Oaep(Oaep::paired(RsaHash::Sha256))
        );
        req.iv = Some(vec![0; 12]);
        assert!(padding_for(&req).is_err());
        req.rsa = Some(RsaPadding::Pkcs1v15);
        assert_eq!(padding_for(&req).unwrap(), RsaPadding::Pkcs1v15);
    }
}
