//! The raw cipher modes ([`crate::cipher`]) of the software provider: AES
//! modes for raw AES keys, ChaCha20-Poly1305 for raw ChaCha20 keys. Raw
//! ChaCha20 without Poly1305 is not offered: aws-lc-rs has no public API
//! for it.

use keyhold_core::{Algorithm, KeyOperation};

use super::{block_modes, chacha20_stream, raw_aead};
use crate::cipher::{CipherMode, CipherSpec, Padding, RawCiphertext};
use crate::error::CryptoError;
use crate::material::KeyMaterial;
use crate::provider::RawCipher;
use crate::secret::SecretBytes;

/// Raw cipher modes by aws-lc-rs.
#[derive(Debug)]
pub struct AwsLcRawCipher;

fn unsupported(algorithm: Algorithm, operation: KeyOperation) -> CryptoError {
    CryptoError::UnsupportedAlgorithm {
        algorithm,
        operation,
    }
}

/// AAD only for the authenticating modes; padding only for the others.
fn check_spec(spec: CipherSpec, aad: &[u8]) -> Result<(), CryptoError> {
    if spec.mode.is_aead() && spec.padding != Padding::None {
        return Err(CryptoError::InvalidInput {
            what: "padding",
            reason: "only ECB and CBC pad",
        });
    }
    if !spec.mode.is_aead() && !aad.is_empty() {
        return Err(CryptoError::InvalidInput {
            what: "additional data",
            reason: "only GCM and ChaCha20-Poly1305 authenticate it",
        });
    }
    Ok(())
}

/// The stream cipher is for ChaCha20 keys, without padding.
fn check_stream(
    algorithm: Algorithm,
    spec: CipherSpec,
    operation: KeyOperation,
) -> Result<(), CryptoError> {
    if algorithm != Algorithm::ChaCha20Raw {
        return Err(unsupported(algorithm, operation));
    }
    if spec.padding != Padding::None {
        return Err(CryptoError::InvalidInput {
            what: "padding",
            reason: "only ECB and CBC pad",
        });
    }
    Ok(())
}

impl RawCipher for AwsLcRawCipher {
    fn encrypt(
        &self,
        key: &KeyMaterial,
        spec: CipherSpec,
        iv: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<RawCiphertext, CryptoError> {
        check_spec(spec, aad)?;
        let algorithm = key.algorithm();
        let secret = key.secret().expose();
        if let Some(aead) = raw_aead::aead_of(algorithm, spec.mode) {
            let (ciphertext, tag) = raw_aead::encrypt(aead, secret, spec.mode, iv, aad, plaintext)?;
            return Ok(RawCiphertext { ciphertext, tag });
        }
        if spec.mode == CipherMode::ChaCha20 {
            check_stream(algorithm, spec, KeyOperation::Encrypt)?;
            let ciphertext = chacha20_stream::apply(secret, iv, plaintext)?.to_vec();
            return Ok(RawCiphertext {
                ciphertext,
                tag: Vec::new(),
            });
        }
        let cipher = block_modes::aes_cipher(algorithm)
            .filter(|_| !spec.mode.is_aead())
            .ok_or_else(|| unsupported(algorithm, KeyOperation::Encrypt))?;
        let mode = (spec.mode, spec.padding);
        let ciphertext = block_modes::encrypt(cipher, secret, mode, iv, plaintext)?;
        Ok(RawCiphertext {
            ciphertext,
            tag: Vec::new(),
        })
    }

    fn decrypt(
        &self,
        key: &KeyMaterial,
        spec: CipherSpec,
        iv: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
        tag: &[u8],
    ) -> Result<SecretBytes, CryptoError> {
        check_spec(spec, aad)?;
        let algorithm = key.algorithm();
        let secret = key.secret().expose();
        if let Some(aead) = raw_aead::aead_of(algorithm, spec.mode) {
            return raw_aead::decrypt(aead, secret, (spec.mode, iv), aad, ciphertext, tag);
        }
        if !tag.is_empty() {
            return Err(CryptoError::InvalidInput {
                what: "tag",
                reason: "only GCM and ChaCha20-Poly1305 have one",
            });
        }
        if spec.mode == CipherMode::ChaCha20 {
            check_stream(algorithm, spec, KeyOperation::Decrypt)?;
            return chacha20_stream::open(secret, iv, ciphertext);
        }
        let cipher = block_modes::aes_cipher(algorithm)
            .filter(|_| !spec.mode.is_aead())
            .ok_or_else(|| unsupported(algorithm, KeyOperation::Decrypt))?;
        block_modes::decrypt(cipher, secret, (spec.mode, spec.padding), iv, ciphertext)
    }

    fn fips_approved(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cipher::CipherMode;
    use crate::test_support::material;

    fn spec(mode: CipherMode) -> CipherSpec {
        CipherSpec {
            mode,
            padding: Padding::None,
        }
    }

    #[test]
    fn every_raw_key_round_trips_its_modes() {
        let aes = [
            CipherMode::Ecb,
            CipherMode::Cbc,
            CipherMode::Ctr,
            CipherMode::Gcm { tag_len: 16 },
        ];
        let cases = [
            (Algorithm::Aes128Raw, &aes[..]),
            (Algorithm::Aes192Raw, &aes[..]),
            (Algorithm::Aes256Raw, &aes[..]),
            (
                Algorithm::ChaCha20Raw,
                &[
                    CipherMode::ChaCha20Poly1305 { tag_len: 16 },
                    CipherMode::ChaCha20Poly1305 { tag_len: 12 },
                    CipherMode::ChaCha20,
                ][..],
            ),
        ];
        for (alg, modes) in cases {
            let key = material(alg);
            for &mode in modes {
                let iv = vec![3; mode.iv_len()];
                let aad: &[u8] = if mode.is_aead() { b"aad" } else { b"" };
                let out = AwsLcRawCipher
                    .encrypt(&key, spec(mode), &iv, aad, &[7; 32])
                    .unwrap();
                assert_eq!(out.tag.len(), mode.tag_len(), "{alg} {mode:?}");
                let back = AwsLcRawCipher
                    .decrypt(&key, spec(mode), &iv, aad, &out.ciphertext, &out.tag)
                    .unwrap();
                assert_eq!(back.expose(), [7; 32], "{alg} {mode:?}");
            }
        }
    }

    #[test]
    fn envelope_keys_and_mismatched_modes_are_refused() {
        let gcm = spec(CipherMode::Gcm { tag_len: 16 });
        for alg in [
            Algorithm::Aes256Gcm,
            Algorithm::Aes128Gcm,
            Algorithm::ChaCha20Poly1305,
        ] {
            let e = AwsLcRawCipher.encrypt(&material(alg), gcm, &[0; 12], b"", b"x");
            assert!(
                matches!(e, Err(CryptoError::UnsupportedAlgorithm { .. })),
                "{alg}"
            );
        }
        let chacha = material(Algorithm::ChaCha20Raw);
        let e = AwsLcRawCipher.encrypt(&chacha, spec(CipherMode::Cbc), &[0; 16], b"", b"x");
        assert!(matches!(e, Err(CryptoError::UnsupportedAlgorithm { .. })));
        let aes = material(Algorithm::Aes128Raw);
        let e = AwsLcRawCipher.encrypt(
            &aes,
            spec(CipherMode::ChaCha20Poly1305 { tag_len: 16 }),
            &[0; 12],
            b"",
            b"x",
        );
        assert!(matches!(e, Err(CryptoError::UnsupportedAlgorithm { .. })));
        let e = AwsLcRawCipher.encrypt(&aes, spec(CipherMode::Ctr), &[0; 16], b"aad", b"x");
        assert!(matches!(e, Err(CryptoError::InvalidInput { .. })));
        let e = AwsLcRawCipher.encrypt(&aes, spec(CipherMode::ChaCha20), &[0; 8], b"", b"x");
        assert!(matches!(e, Err(CryptoError::UnsupportedAlgorithm { .. })));
        let stream = spec(CipherMode::ChaCha20);
        let e = AwsLcRawCipher.decrypt(&chacha, stream, &[0; 8], b"", b"x", &[1; 16]);
        assert!(matches!(e, Err(CryptoError::InvalidInput { .. })), "a tag");
    }
}
