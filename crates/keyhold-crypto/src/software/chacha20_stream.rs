//! The ChaCha20 stream cipher alone ([`CipherMode::ChaCha20`]): the
//! original construction with a 64-bit nonce and a 64-bit block counter
//! from 0 (D. J. Bernstein, 2008), through RustCrypto's `chacha20` crate
//! (aws-lc-rs offers ChaCha20 only inside ChaCha20-Poly1305). It does not
//! authenticate: only raw-cipher keys made over KMIP serve it.
//!
//! [`CipherMode::ChaCha20`]: crate::cipher::CipherMode::ChaCha20

use chacha20::ChaCha20Legacy;
use chacha20::cipher::{KeyIvInit, StreamCipher};
use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::secret::SecretBytes;

/// `data` XOR the keystream of `key` (32 bytes) and `nonce` (8 bytes):
/// encryption and decryption alike.
pub(super) fn apply(
    key: &[u8],
    nonce: &[u8],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let mut cipher =
        ChaCha20Legacy::new_from_slices(key, nonce).map_err(|_| CryptoError::InvalidInput {
            what: "ChaCha20 key or nonce",
            reason: "the key is 32 bytes, the nonce 8",
        })?;
    let mut out = Zeroizing::new(data.to_vec());
    cipher
        .try_apply_keystream(&mut out)
        .map_err(|_| CryptoError::InvalidInput {
            what: "data",
            reason: "longer than the ChaCha20 keystream",
        })?;
    Ok(out)
}

/// [`apply`] for a decryption, the result a secret.
pub(super) fn open(key: &[u8], nonce: &[u8], data: &[u8]) -> Result<SecretBytes, CryptoError> {
    apply(key, nonce, data).map(|out| SecretBytes::new(out.to_vec()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The first test vector of draft-agl-tls-chacha20poly1305-04 section
    /// 7 (all-zero key and nonce), the keystream being the encryption of
    /// zeros; also the KMIP profiles' CS-BC-M-CHACHA20-1.
    #[test]
    fn the_zero_key_keystream_matches_the_draft() {
        let out = apply(&[0; 32], &[0; 8], &[0; 16]).unwrap();
        assert_eq!(hex::encode(&*out), "76b8e0ada0f13d90405d6ae55386bd28");
        let back = open(&[0; 32], &[0; 8], &out).unwrap();
        assert_eq!(back.expose(), [0; 16]);
    }

    #[test]
    fn bad_lengths_are_refused() {
        assert!(apply(&[0; 16], &[0; 8], b"x").is_err());
        assert!(apply(&[0; 32], &[0; 12], b"x").is_err());
    }
}
