//! AES-GCM (NIST SP 800-38D) with an IV that is not 96 bits long, which
//! aws-lc-rs does not take. The algorithm of SP 800-38D section 7.1, step
//! by step, from two primitives: AES on single blocks (aws-lc-rs, ECB over
//! the counter blocks) and GHASH (RustCrypto's `ghash` crate).
//!
//! 1. H = CIPH_K(0^128).
//! 2. J0 = GHASH_H(IV ‖ 0^(s+64) ‖ [len(IV)]_64), the IV padded to whole
//!    blocks (IV ‖ 0^31 ‖ 1 for a 96-bit IV, which only the tests use here).
//! 3. C = GCTR_K(inc32(J0), P): counter blocks whose low 32 bits count
//!    up modulo 2^32 (inc32), the high 96 bits fixed.
//! 4. S = GHASH_H(A ‖ 0^v ‖ C ‖ 0^u ‖ [len(A)]_64 ‖ [len(C)]_64).
//! 5. T = MSB_t(GCTR_K(J0, S)).
//!
//! Decryption recomputes the tag over the ciphertext and compares its
//! prefix in constant time before anything is decrypted. An IV is 1 to
//! [`MAX_IV_LEN`] bytes here; 96-bit IVs keep going to aws-lc-rs.

use ::ghash::GHash;
use ::ghash::universal_hash::{KeyInit, UniversalHash};
use aws_lc_rs::constant_time::verify_slices_are_equal;
use zeroize::Zeroizing;

use super::block_modes;
use crate::cipher::{AES_BLOCK_LEN, CipherMode, Padding};
use crate::error::CryptoError;
use crate::secret::SecretBytes;

/// The longest IV taken, in bytes (SP 800-38D allows up to 2^64 bits; a
/// protocol field has no use for more than this).
pub(super) const MAX_IV_LEN: usize = 128;

pub(super) type Block = [u8; AES_BLOCK_LEN];

/// AES-ECB of `blocks` (whole blocks) under `key`.
pub(super) fn ciph(key: &[u8], blocks: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let cipher = block_modes::aes_cipher_of_len(key.len()).ok_or(CryptoError::InvalidInput {
        what: "AES key",
        reason: "must be 16, 24 or 32 bytes",
    })?;
    let ecb = (CipherMode::Ecb, Padding::None);
    block_modes::encrypt(cipher, key, ecb, &[], blocks).map(Zeroizing::new)
}

fn block_of(bytes: &[u8]) -> Block {
    let mut b = [0u8; AES_BLOCK_LEN];
    for (d, s) in b.iter_mut().zip(bytes) {
        *d = *s;
    }
    b
}

/// GHASH_H over `parts`, each padded with zeros to whole blocks, then the
/// block `lengths`.
fn ghash(h: &Block, parts: &[&[u8]], lengths: Block) -> Block {
    let mut g = GHash::new(&(*h).into());
    for part in parts {
        g.update_padded(part);
    }
    g.update(&[lengths.into()]);
    g.finalize().into()
}

/// Two 64-bit big-endian bit lengths in one block.
pub(super) fn lengths(a: usize, b: usize) -> Block {
    let bits = |n: usize| (n as u64).wrapping_mul(8).to_be_bytes();
    let mut out = [0u8; AES_BLOCK_LEN];
    for (d, s) in out.iter_mut().zip(bits(a).iter().chain(bits(b).iter())) {
        *d = *s;
    }
    out
}

/// inc32 applied `n` times: the low 32 bits plus `n`, modulo 2^32.
pub(super) fn inc32(block: &Block, n: u32) -> Block {
    let mut out = *block;
    let low = u32::from_be_bytes([block[12], block[13], block[14], block[15]]);
    out[12..].copy_from_slice(&low.wrapping_add(n).to_be_bytes());
    out
}

/// GCTR_K(icb, data): `data` XOR the AES of the counter blocks from `icb`.
pub(super) fn gctr(key: &[u8], icb: &Block, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let blocks = data.len().div_ceil(AES_BLOCK_LEN);
    let mut counters = Zeroizing::new(Vec::with_capacity(blocks * AES_BLOCK_LEN));
    for i in 0..blocks {
        let n = u32::try_from(i).map_err(|_| CryptoError::InvalidInput {
            what: "data",
            reason: "too long for GCM",
        })?;
        counters.extend_from_slice(&inc32(icb, n));
    }
    let stream = ciph(key, &counters)?;
    Ok(data.iter().zip(stream.iter()).map(|(d, k)| d ^ k).collect())
}

/// H and J0 for `iv`; H, the hash key, is wiped when dropped.
pub(super) fn setup(key: &[u8], iv: &[u8]) -> Result<(Zeroizing<Block>, Block), CryptoError> {
    if iv.is_empty() || iv.len() > MAX_IV_LEN {
        return Err(CryptoError::InvalidInput {
            what: "IV",
            reason: "must be 1 to 128 bytes",
        });
    }
    let h = Zeroizing::new(block_of(&ciph(key, &[0u8; AES_BLOCK_LEN])?));
    let j0 = match iv.len() {
        // A 96-bit IV is J0's first 96 bits, the counter 1 after it.
        12 => block_of(&[iv, &[0, 0, 0, 1]].concat()),
        n => ghash(&h, &[iv], lengths(0, n)),
    };
    Ok((h, j0))
}

/// The full tag of `ciphertext` and `aad`.
fn full_tag(
    key: &[u8],
    h: &Block,
    j0: &Block,
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let s = ghash(h, &[aad, ciphertext], lengths(aad.len(), ciphertext.len()));
    gctr(key, j0, &s)
}

/// Encrypts; the tag is cut to `tag_len` bytes.
pub(super) fn encrypt(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    plaintext: &[u8],
    tag_len: usize,
) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    let (h, j0) = setup(key, iv)?;
    let ciphertext = gctr(key, &inc32(&j0, 1), plaintext)?;
    let mut tag = full_tag(key, &h, &j0, aad, &ciphertext)?;
    tag.truncate(tag_len);
    Ok((ciphertext, tag))
}

/// Checks the tag (any length the caller allowed), then decrypts.
pub(super) fn decrypt(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<SecretBytes, CryptoError> {
    let (h, j0) = setup(key, iv)?;
    let full = full_tag(key, &h, &j0, aad, ciphertext)?;
    let prefix = full.get(..tag.len()).ok_or(CryptoError::Decrypt)?;
    if tag.is_empty() || verify_slices_are_equal(prefix, tag).is_err() {
        return Err(CryptoError::Decrypt);
    }
    gctr(key, &inc32(&j0, 1), ciphertext).map(SecretBytes::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    // The GCM specification's test cases 5 and 6 (McGrew and Viega, "The
    // Galois/Counter Mode of Operation", 2005, appendix B): AES-128 with an
    // 8-byte and a 60-byte IV.
    const K: &str = "feffe9928665731c6d6a8f9467308308";
    const P: &str = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
    const A: &str = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

    #[test]
    fn the_gcm_specification_vectors_with_short_and_long_ivs() {
        let cases = [
            (
                "cafebabefacedbad",
                "61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c742373806900e49f24b22b097544d4896b424989b5e1ebac0f07c23f4598",
                "3612d2e79e3b0785561be14aaca2fccb",
            ),
            (
                "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b",
                "8ce24998625615b603a033aca13fb894be9112a5c3a211a8ba262a3cca7e2ca701e4a9a4fba43c90ccdcb281d48c7c6fd62875d2aca417034c34aee5",
                "619cc5aefffe0bfa462af43c1699d050",
            ),
        ];
        for (iv, c, t) in cases {
            let (ct, tag) = encrypt(&hex(K), &hex(iv), &hex(A), &hex(P), 16).unwrap();
            assert_eq!(
                (hex::encode(&ct), hex::encode(&tag)),
                (c.to_owned(), t.to_owned())
            );
            let back = decrypt(&hex(K), &hex(iv), &hex(A), &ct, &tag).unwrap();
            assert_eq!(back.expose(), hex(P).as_slice());
            let short = decrypt(&hex(K), &hex(iv), &hex(A), &ct, &tag[..12]).unwrap();
            assert_eq!(short.expose(), hex(P).as_slice());
        }
    }

    #[test]
    fn a_changed_byte_or_a_bad_iv_fails() {
        let (k, iv, a, p) = (hex(K), hex("cafebabefacedbad"), hex(A), hex(P));
        let (mut ct, tag) = encrypt(&k, &iv, &a, &p, 16).unwrap();
        let mut bad_tag = tag.clone();
        bad_tag[0] ^= 1;
        assert!(decrypt(&k, &iv, &a, &ct, &bad_tag).is_err());
        assert!(decrypt(&k, &iv, b"other aad", &ct, &tag).is_err());
        assert!(decrypt(&k, &iv, &a, &ct, &[]).is_err());
        ct[0] ^= 1;
        assert!(decrypt(&k, &iv, &a, &ct, &tag).is_err());
        for bad in [vec![], vec![0u8; MAX_IV_LEN + 1]] {
            assert!(matches!(
                encrypt(&k, &bad, &a, &p, 16),
                Err(CryptoError::InvalidInput { what: "IV", .. })
            ));
        }
    }

    #[test]
    fn inc32_wraps_in_the_low_32_bits_only() {
        let mut b = [0xffu8; 16];
        b[11] = 0x07;
        let next = inc32(&b, 1);
        assert_eq!(&next[..12], &b[..12]);
        assert_eq!(&next[12..], &[0, 0, 0, 0]);
    }

    #[test]
    fn a_96_bit_iv_agrees_with_aws_lc() {
        use aws_lc_rs::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
        let (k, a, p) = (hex(K), hex(A), hex(P));
        let iv = [7u8; 12];
        let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &k).unwrap());
        let mut buf = p.clone();
        let tag = key
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(iv), Aad::from(&a), &mut buf)
            .unwrap();
        let (ct, ours) = encrypt(&k, &iv, &a, &p, 16).unwrap();
        assert_eq!((ct, ours), (buf, tag.as_ref().to_vec()));
    }
}
