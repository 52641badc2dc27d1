//! AES in ECB, CBC and CTR (NIST SP 800-38A sections 6.1, 6.2 and 6.5),
//! with PKCS#7 padding for ECB and CBC when asked, by aws-lc-rs `cipher`.
//! The caller gives the IV.

use aws_lc_rs::cipher::{
    AES_128, AES_192, AES_256, Algorithm as CipherAlgorithm, DecryptingKey, DecryptionContext,
    EncryptingKey, EncryptionContext, PaddedBlockDecryptingKey, PaddedBlockEncryptingKey,
    UnboundCipherKey,
};
use aws_lc_rs::iv::FixedLength;
use keyhold_core::Algorithm;
use zeroize::Zeroizing;

use crate::cipher::{AES_BLOCK_LEN, CipherMode, Padding};
use crate::error::CryptoError;
use crate::secret::SecretBytes;

/// The aws-lc-rs block cipher of a raw AES key algorithm.
pub(super) fn aes_cipher(algorithm: Algorithm) -> Option<&'static CipherAlgorithm> {
    match algorithm {
        Algorithm::Aes128Raw => Some(&AES_128),
        Algorithm::Aes192Raw => Some(&AES_192),
        Algorithm::Aes256Raw => Some(&AES_256),
        _ => None,
    }
}

/// The aws-lc-rs AES of a key of `len` bytes.
pub(super) fn aes_cipher_of_len(len: usize) -> Option<&'static CipherAlgorithm> {
    match len {
        16 => Some(&AES_128),
        24 => Some(&AES_192),
        32 => Some(&AES_256),
        _ => None,
    }
}

fn unbound(cipher: &'static CipherAlgorithm, key: &[u8]) -> Result<UnboundCipherKey, CryptoError> {
    UnboundCipherKey::new(cipher, key).map_err(|_| CryptoError::InvalidInput {
        what: "AES key",
        reason: "must be 16, 24 or 32 bytes",
    })
}

/// The IV as aws-lc-rs wants it: none for ECB, 16 bytes otherwise.
fn context(mode: CipherMode, iv: &[u8]) -> Result<EncryptionContext, CryptoError> {
    if mode == CipherMode::Ecb {
        return if iv.is_empty() {
            Ok(EncryptionContext::None)
        } else {
            Err(CryptoError::InvalidInput {
                what: "IV",
                reason: "ECB takes no IV",
            })
        };
    }
    let iv: [u8; AES_BLOCK_LEN] = iv.try_into().map_err(|_| CryptoError::InvalidInput {
        what: "IV",
        reason: "CBC and CTR take a 16-byte IV",
    })?;
    Ok(EncryptionContext::Iv128(FixedLength::from(iv)))
}

/// Refuses unpadded ECB or CBC data that is not whole blocks, and padding
/// with a mode that has none.
fn check_blocks(mode: CipherMode, padding: Padding, len: usize) -> Result<(), CryptoError> {
    let blocks = matches!(mode, CipherMode::Ecb | CipherMode::Cbc);
    if !blocks && padding != Padding::None {
        return Err(CryptoError::InvalidInput {
            what: "padding",
            reason: "only ECB and CBC pad",
        });
    }
    if blocks && padding == Padding::None && len % AES_BLOCK_LEN != 0 {
        return Err(CryptoError::InvalidInput {
            what: "data",
            reason: "must be whole 16-byte blocks without padding",
        });
    }
    Ok(())
}

/// Encrypts with AES in `mode` (ECB, CBC or CTR).
pub(super) fn encrypt(
    cipher: &'static CipherAlgorithm,
    key: &[u8],
    (mode, padding): (CipherMode, Padding),
    iv: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    check_blocks(mode, padding, plaintext.len())?;
    let ctx = context(mode, iv)?;
    let key = unbound(cipher, key)?;
    let failed = |_| CryptoError::InvalidInput {
        what: "data",
        reason: "the cipher refused it",
    };
    // Holds plaintext until encrypted in place: wiped if that fails.
    let mut buf = Zeroizing::new(plaintext.to_vec());
    match (mode, padding) {
        (CipherMode::Ecb, Padding::Pkcs7) => PaddedBlockEncryptingKey::ecb_pkcs7(key)
            .and_then(|k| k.less_safe_encrypt(&mut *buf, ctx)),
        (CipherMode::Cbc, Padding::Pkcs7) => PaddedBlockEncryptingKey::cbc_pkcs7(key)
            .and_then(|k| k.less_safe_encrypt(&mut *buf, ctx)),
        (CipherMode::Ecb, _) => {
            EncryptingKey::ecb(key).and_then(|k| k.less_safe_encrypt(&mut buf, ctx))
        }
        (CipherMode::Cbc, _) => {
            EncryptingKey::cbc(key).and_then(|k| k.less_safe_encrypt(&mut buf, ctx))
        }
        (CipherMode::Ctr, _) => {
            EncryptingKey::ctr(key).and_then(|k| k.less_safe_encrypt(&mut buf, ctx))
        }
        _ => return Err(not_a_block_mode()),
    }
    .map_err(failed)?;
    Ok(std::mem::take(&mut *buf))
}

/// Decrypts with AES in `mode`; bad padding is [`CryptoError::Decrypt`].
pub(super) fn decrypt(
    cipher: &'static CipherAlgorithm,
    key: &[u8],
    (mode, padding): (CipherMode, Padding),
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<SecretBytes, CryptoError> {
    check_blocks(mode, padding, ciphertext.len())?;
    if padding == Padding::Pkcs7 && (ciphertext.is_empty() || ciphertext.len() % AES_BLOCK_LEN != 0)
    {
        return Err(CryptoError::Decrypt);
    }
    let ctx = DecryptionContext::from(context(mode, iv)?);
    let key = unbound(cipher, key)?;
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    let plaintext = match (mode, padding) {
        (CipherMode::Ecb, Padding::Pkcs7) => {
            PaddedBlockDecryptingKey::ecb_pkcs7(key).and_then(|k| k.decrypt(&mut buf, ctx))
        }
        (CipherMode::Cbc, Padding::Pkcs7) => {
            PaddedBlockDecryptingKey::cbc_pkcs7(key).and_then(|k| k.decrypt(&mut buf, ctx))
        }
        (CipherMode::Ecb, _) => DecryptingKey::ecb(key).and_then(|k| k.decrypt(&mut buf, ctx)),
        (CipherMode::Cbc, _) => DecryptingKey::cbc(key).and_then(|k| k.decrypt(&mut buf, ctx)),
        (CipherMode::Ctr, _) => DecryptingKey::ctr(key).and_then(|k| k.decrypt(&mut buf, ctx)),
        _ => return Err(not_a_block_mode()),
    }
    .map_err(|_| CryptoError::Decrypt)?;
    Ok(SecretBytes::copy_from(plaintext))
}

fn not_a_block_mode() -> CryptoError {
    CryptoError::InvalidInput {
        what: "mode",
        reason: "not ECB, CBC or CTR",
    }
}

#[cfg(test)]
#[path = "block_modes_tests.rs"]
mod tests;
