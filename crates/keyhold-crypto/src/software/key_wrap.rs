//! AES-256 key wrap with padding: RFC 5649, NIST SP 800-38F section 6.3
//! (KWP); and without, RFC 3394, NIST SP 800-38F section 6.2 (KW), which
//! KMIP clients name NISTKeyWrap.

use aws_lc_rs::key_wrap::{AES_256, KeyEncryptionKey, KeyWrap as _, KeyWrapPadded};
use keyhold_core::{Algorithm, KeyOperation};
use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::material::KeyMaterial;
use crate::provider::KeyWrap;
use crate::secret::SecretBytes;

/// KWP and KW through aws-lc-rs. Only `aes-256-kwp` keys wrap: an AES-GCM
/// key is never reused in another mode.
#[derive(Clone, Copy, Debug, Default)]
pub struct AwsLcKeyWrap;

fn kek(
    key: &KeyMaterial,
    operation: KeyOperation,
) -> Result<KeyEncryptionKey<aws_lc_rs::key_wrap::AesBlockCipher>, CryptoError> {
    if key.algorithm() != Algorithm::Aes256KeyWrap {
        return Err(CryptoError::UnsupportedAlgorithm {
            algorithm: key.algorithm(),
            operation,
        });
    }
    KeyEncryptionKey::new(&AES_256, key.secret().expose()).map_err(|_| {
        CryptoError::InvalidKeyMaterial {
            algorithm: Algorithm::Aes256KeyWrap,
        }
    })
}

impl KeyWrap for AwsLcKeyWrap {
    fn wrap(&self, kek_material: &KeyMaterial, key: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let kek = kek(kek_material, KeyOperation::WrapKey)?;
        if key.is_empty() {
            return Err(CryptoError::InvalidInput {
                what: "key to wrap",
                reason: "must not be empty",
            });
        }
        // RFC 5649 section 4.1: the input is padded to a multiple of 8 and
        // an 8-byte integrity block is prepended.
        wrapped_into(key.len() + 15, |out| {
            kek.wrap_with_padding(key, out).map(|w| w.len())
        })
    }

    fn unwrap(
        &self,
        kek_material: &KeyMaterial,
        wrapped: &[u8],
    ) -> Result<SecretBytes, CryptoError> {
        let kek = kek(kek_material, KeyOperation::UnwrapKey)?;
        unwrapped_from(wrapped.len(), |out| {
            kek.unwrap_with_padding(wrapped, out).map(|k| k.len())
        })
    }

    fn wrap_kw(&self, kek_material: &KeyMaterial, key: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let kek = kek(kek_material, KeyOperation::WrapKey)?;
        // RFC 3394 section 2: n >= 2 blocks of 64 bits.
        if key.len() < 16 || key.len() % 8 != 0 {
            return Err(CryptoError::InvalidInput {
                what: "key to wrap",
                reason: "KW wraps a multiple of 8 bytes, at least 16",
            });
        }
        wrapped_into(key.len() + 8, |out| kek.wrap(key, out).map(|w| w.len()))
    }

    fn unwrap_kw(
        &self,
        kek_material: &KeyMaterial,
        wrapped: &[u8],
    ) -> Result<SecretBytes, CryptoError> {
        let kek = kek(kek_material, KeyOperation::UnwrapKey)?;
        unwrapped_from(wrapped.len(), |out| {
            kek.unwrap(wrapped, out).map(|k| k.len())
        })
    }

    fn fips_approved(&self) -> bool {
        false
    }
}

/// The output of an aws-lc-rs wrap into a buffer of `max` bytes, cut to
/// the length it wrote.
fn wrapped_into<E>(
    max: usize,
    wrap: impl FnOnce(&mut [u8]) -> Result<usize, E>,
) -> Result<Vec<u8>, CryptoError> {
    let mut out = vec![0u8; max];
    let len = wrap(&mut out).map_err(|_| CryptoError::InvalidInput {
        what: "key to wrap",
        reason: "too long for AES key wrap",
    })?;
    out.truncate(len);
    Ok(out)
}

/// The key an aws-lc-rs unwrap writes into a wiped buffer of `max`
/// bytes; any failure is [`CryptoError::Unwrap`].
fn unwrapped_from<E>(
    max: usize,
    unwrap: impl FnOnce(&mut [u8]) -> Result<usize, E>,
) -> Result<SecretBytes, CryptoError> {
    let mut out = Zeroizing::new(vec![0u8; max]);
    let len = unwrap(&mut out).map_err(|_| CryptoError::Unwrap)?;
    out.get(..len)
        .map(SecretBytes::copy_from)
        .ok_or(CryptoError::Unwrap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::material;

    #[test]
    fn wraps_any_length_and_detects_tampering() {
        let kek = material(Algorithm::Aes256KeyWrap);
        for len in [1usize, 7, 8, 9, 16, 32, 33, 64, 300] {
            let key: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let wrapped = AwsLcKeyWrap.wrap(&kek, &key).unwrap();
            assert_eq!(wrapped.len(), len.div_ceil(8) * 8 + 8, "len {len}");
            assert_eq!(
                AwsLcKeyWrap.unwrap(&kek, &wrapped).unwrap().expose(),
                &key[..]
            );
            for i in [0, wrapped.len() / 2, wrapped.len() - 1] {
                let mut bad = wrapped.clone();
                bad[i] ^= 0x04;
                assert!(matches!(
                    AwsLcKeyWrap.unwrap(&kek, &bad),
                    Err(CryptoError::Unwrap)
                ));
            }
            assert!(matches!(
                AwsLcKeyWrap.unwrap(&kek, &wrapped[..wrapped.len() - 8]),
                Err(CryptoError::Unwrap)
            ));
        }
    }

    #[test]
    fn kw_wraps_whole_blocks_and_matches_rfc_3394() {
        // RFC 3394 section 4.6: 256 bits of key data with a 256-bit KEK.
        let kek_bytes: Vec<u8> = (0u8..32).collect();
        let kek =
            KeyMaterial::from_parts(Algorithm::Aes256KeyWrap, SecretBytes::new(kek_bytes)).unwrap();
        let data: Vec<u8> = (0u8..16).map(|i| i * 0x11).chain(0u8..16).collect();
        let expected = [
            0x28, 0xC9, 0xF4, 0x04, 0xC4, 0xB8, 0x10, 0xF4, 0xCB, 0xCC, 0xB3, 0x5C, 0xFB, 0x87,
            0xF8, 0x26, 0x3F, 0x57, 0x86, 0xE2, 0xD8, 0x0E, 0xD3, 0x26, 0xCB, 0xC7, 0xF0, 0xE7,
            0x1A, 0x99, 0xF4, 0x3B, 0xFB, 0x98, 0x8B, 0x9B, 0x7A, 0x02, 0xDD, 0x21,
        ];
        let wrapped = AwsLcKeyWrap.wrap_kw(&kek, &data).unwrap();
        assert_eq!(wrapped, expected);
        assert_eq!(
            AwsLcKeyWrap.unwrap_kw(&kek, &wrapped).unwrap().expose(),
            &data[..]
        );
        let mut bad = wrapped.clone();
        bad[3] ^= 1;
        assert!(matches!(
            AwsLcKeyWrap.unwrap_kw(&kek, &bad),
            Err(CryptoError::Unwrap)
        ));
        for len in [0usize, 8, 15, 17, 33] {
            assert!(matches!(
                AwsLcKeyWrap.wrap_kw(&kek, &vec![1; len]),
                Err(CryptoError::InvalidInput { .. })
            ));
        }
        let gcm = material(Algorithm::Aes256Gcm);
        assert!(AwsLcKeyWrap.wrap_kw(&gcm, &[1; 32]).is_err());
    }

    #[test]
    fn wrong_kek_empty_key_and_non_kwp_keys_are_refused() {
        let kek = material(Algorithm::Aes256KeyWrap);
        let other =
            KeyMaterial::from_parts(Algorithm::Aes256KeyWrap, SecretBytes::new(vec![3; 32]))
                .unwrap();
        let wrapped = AwsLcKeyWrap.wrap(&kek, &[1; 32]).unwrap();
        assert!(matches!(
            AwsLcKeyWrap.unwrap(&other, &wrapped),
            Err(CryptoError::Unwrap)
        ));
        assert!(matches!(
            AwsLcKeyWrap.wrap(&kek, &[]),
            Err(CryptoError::InvalidInput { .. })
        ));
        let gcm = material(Algorithm::Aes256Gcm);
        assert!(matches!(
            AwsLcKeyWrap.wrap(&gcm, &[1; 32]),
            Err(CryptoError::UnsupportedAlgorithm {
                algorithm: Algorithm::Aes256Gcm,
                operation: KeyOperation::WrapKey
            })
        ));
    }
}
