//! Multi-part AES-GCM encryption: the algorithm of NIST SP 800-38D section
//! 7.1 fed in parts, for KMIP's streaming Encrypt (Init Indicator,
//! Correlation Value, Final Indicator: KMIP 1.4 section 4.29, KMIP 2.1
//! section 6.1.17). Each part's ciphertext comes out at once; the tag at
//! the end.
//!
//! The state between parts holds no key: every part is handed the key
//! again (the server authorizes each part on its own). It holds J0, the
//! running GHASH, the unused keystream of the last counter block and the
//! ciphertext bytes not yet hashed. J0 and the keystream are wiped when
//! dropped; so are the GHASH key H and its running value, which `polyval`
//! (feature `zeroize`) wipes only when the hash is finalized, so an
//! encryption dropped unfinished (abandoned, idle, failed) finalizes it.

use std::fmt;

use ::ghash::GHash;
use ::ghash::universal_hash::{KeyInit, UniversalHash};
use keyhold_core::{Algorithm, KeyOperation};
use zeroize::Zeroizing;

use super::gcm_any_iv::{Block, ciph, gctr, inc32, lengths, setup};
use crate::cipher::{AES_BLOCK_LEN, FULL_TAG_LEN, GCM_MIN_TAG_LEN};
use crate::error::CryptoError;
use crate::material::KeyMaterial;

/// The most counter blocks one message may use (SP 800-38D section 5.2.1.1:
/// plaintext of at most 2^39 - 256 bits, i.e. 2^32 - 2 blocks).
const MAX_BLOCKS: u64 = (1 << 32) - 2;

/// A multi-part AES-GCM encryption under way. Its `Debug` shows nothing
/// of its state.
pub struct GcmEncryption {
    algorithm: Algorithm,
    /// `Some` until [`finish`](Self::finish) takes it.
    hasher: Option<GHash>,
    j0: Zeroizing<Block>,
    /// The inc32 count of the next counter block (the first is 1).
    next_block: u32,
    /// What is left of the last keystream block.
    keystream: Zeroizing<Vec<u8>>,
    /// Ciphertext bytes not yet hashed (fewer than a block).
    unhashed: Vec<u8>,
    aad_len: usize,
    ct_len: usize,
    tag_len: usize,
}

impl fmt::Debug for GcmEncryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GcmEncryption").finish_non_exhaustive()
    }
}

fn is_raw_aes(algorithm: Algorithm) -> bool {
    matches!(
        algorithm,
        Algorithm::Aes128Raw | Algorithm::Aes192Raw | Algorithm::Aes256Raw
    )
}

fn not_raw_aes(algorithm: Algorithm) -> CryptoError {
    CryptoError::UnsupportedAlgorithm {
        algorithm,
        operation: KeyOperation::Encrypt,
    }
}

impl GcmEncryption {
    /// Starts an encryption under the raw AES `key` with `iv` (1 to 128
    /// bytes), authenticating `aad`, for a tag of `tag_len` bytes (12 to
    /// 16).
    pub fn start(
        key: &KeyMaterial,
        iv: &[u8],
        aad: &[u8],
        tag_len: usize,
    ) -> Result<Self, CryptoError> {
        let algorithm = key.algorithm();
        if !is_raw_aes(algorithm) {
            return Err(not_raw_aes(algorithm));
        }
        if !(GCM_MIN_TAG_LEN..=FULL_TAG_LEN).contains(&tag_len) {
            return Err(CryptoError::InvalidInput {
                what: "tag length",
                reason: "must be 12 to 16 bytes",
            });
        }
        let (h, j0) = setup(key.secret().expose(), iv)?;
        let mut hasher = GHash::new(&(*h).into());
        hasher.update_padded(aad);
        Ok(Self {
            algorithm,
            hasher: Some(hasher),
            j0: Zeroizing::new(j0),
            next_block: 1,
            keystream: Zeroizing::new(Vec::new()),
            unhashed: Vec::new(),
            aad_len: aad.len(),
            ct_len: 0,
            tag_len,
        })
    }

    /// Encrypts the next part (any length, empty included) under the same
    /// `key` the encryption started with.
    pub fn update(&mut self, key: &KeyMaterial, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if key.algorithm() != self.algorithm {
            return Err(not_raw_aes(key.algorithm()));
        }
        let mut out = Vec::with_capacity(plaintext.len());
        let cached = plaintext.len().min(self.keystream.len());
        let (head, rest) = plaintext.split_at(cached);
        out.extend(head.iter().zip(self.keystream.iter()).map(|(p, k)| p ^ k));
        self.keystream.drain(..cached);
        if !rest.is_empty() {
            let stream = self.keystream_for(key, rest.len())?;
            out.extend(rest.iter().zip(stream.iter()).map(|(p, k)| p ^ k));
            let left = stream.get(rest.len()..).unwrap_or_default();
            self.keystream = Zeroizing::new(left.to_vec());
        }
        self.ct_len = self.ct_len.saturating_add(out.len());
        self.hash_ciphertext(&out);
        Ok(out)
    }

    /// The keystream of the next counter blocks, enough for `len` bytes.
    fn keystream_for(
        &mut self,
        key: &KeyMaterial,
        len: usize,
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let too_long = || CryptoError::InvalidInput {
            what: "data",
            reason: "longer than GCM allows for one message",
        };
        let blocks = u32::try_from(len.div_ceil(AES_BLOCK_LEN)).map_err(|_| too_long())?;
        let last = u64::from(self.next_block) + u64::from(blocks) - 1;
        if last > MAX_BLOCKS {
            return Err(too_long());
        }
        let mut counters = Zeroizing::new(Vec::with_capacity(blocks as usize * AES_BLOCK_LEN));
        for i in 0..blocks {
            counters.extend_from_slice(&inc32(&self.j0, self.next_block.wrapping_add(i)));
        }
        self.next_block = self.next_block.wrapping_add(blocks);
        ciph(key.secret().expose(), &counters)
    }

    /// Feeds the whole blocks of ciphertext to GHASH, keeping the rest.
    fn hash_ciphertext(&mut self, ciphertext: &[u8]) {
        self.unhashed.extend_from_slice(ciphertext);
        let whole = self.unhashed.len() - self.unhashed.len() % AES_BLOCK_LEN;
        if let (Some(blocks), Some(hasher)) = (self.unhashed.get(..whole), self.hasher.as_mut()) {
            hasher.update_padded(blocks);
        }
        self.unhashed.drain(..whole);
    }

    /// Ends the encryption: the tag, as long as asked at the start.
    pub fn finish(mut self, key: &KeyMaterial) -> Result<Vec<u8>, CryptoError> {
        if key.algorithm() != self.algorithm {
            return Err(not_raw_aes(key.algorithm()));
        }
        let mut hasher = self.hasher.take().ok_or(CryptoError::InvalidInput {
            what: "encryption",
            reason: "already finished",
        })?;
        hasher.update_padded(&self.unhashed);
        hasher.update(&[lengths(self.aad_len, self.ct_len).into()]);
        let s: Block = hasher.finalize().into();
        let mut tag = gctr(key.secret().expose(), &self.j0, &s)?;
        tag.truncate(self.tag_len);
        Ok(tag)
    }
}

impl Drop for GcmEncryption {
    fn drop(&mut self) {
        if let Some(hasher) = self.hasher.take() {
            // Finalizing is what wipes H and the running value; the value
            // it gives is wiped too.
            let mut rest: Block = hasher.finalize().into();
            zeroize::Zeroize::zeroize(&mut rest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretBytes;

    fn hex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    fn aes(bytes: &[u8]) -> KeyMaterial {
        let algorithm = match bytes.len() {
            16 => Algorithm::Aes128Raw,
            24 => Algorithm::Aes192Raw,
            _ => Algorithm::Aes256Raw,
        };
        KeyMaterial::from_parts(algorithm, SecretBytes::new(bytes.to_vec())).unwrap()
    }

    // The GCM specification's test case 5 (AES-128, 8-byte IV), as the
    // one-shot tests use it.
    const K: &str = "feffe9928665731c6d6a8f9467308308";
    const IV: &str = "cafebabefacedbad";
    const P: &str = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
    const A: &str = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
    const C: &str = "61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c742373806900e49f24b22b097544d4896b424989b5e1ebac0f07c23f4598";
    const T: &str = "3612d2e79e3b0785561be14aaca2fccb";

    fn in_parts(key: &KeyMaterial, iv: &[u8], cuts: &[usize]) -> (Vec<u8>, Vec<u8>) {
        let p = hex(P);
        let mut s = GcmEncryption::start(key, iv, &hex(A), 16).unwrap();
        let mut out = Vec::new();
        let mut at = 0;
        for &cut in cuts.iter().chain(std::iter::once(&p.len())) {
            out.extend(s.update(key, &p[at..cut]).unwrap());
            at = cut;
        }
        (out, s.finish(key).unwrap())
    }

    #[test]
    fn any_split_gives_the_specification_vector() {
        let key = aes(&hex(K));
        let splits: [&[usize]; 7] = [
            &[],
            &[0],
            &[32],
            &[1],
            &[15, 16, 17],
            &[7, 7, 33, 59],
            &[5, 21, 37, 53],
        ];
        for cuts in splits {
            let (c, t) = in_parts(&key, &hex(IV), cuts);
            assert_eq!(
                (hex::encode(c), hex::encode(t)),
                (C.into(), T.into()),
                "{cuts:?}"
            );
        }
    }

    #[test]
    fn agrees_with_the_one_shot_for_a_96_bit_iv_and_a_short_tag() {
        let key = aes(&[9u8; 32]);
        let iv = [3u8; 12];
        let (c, t) = in_parts(&key, &iv, &[10, 40]);
        let (c1, t1) =
            super::super::gcm_any_iv::encrypt(&[9u8; 32], &iv, &hex(A), &hex(P), 16).unwrap();
        assert_eq!((c, t), (c1, t1));
        let mut s = GcmEncryption::start(&key, &iv, b"", 12).unwrap();
        s.update(&key, b"abc").unwrap();
        assert_eq!(s.finish(&key).unwrap().len(), 12);
    }

    #[test]
    fn bad_starts_and_another_key_are_refused() {
        let key = aes(&hex(K));
        for bad in [11, 17] {
            assert!(matches!(
                GcmEncryption::start(&key, &hex(IV), b"", bad),
                Err(CryptoError::InvalidInput {
                    what: "tag length",
                    ..
                })
            ));
        }
        assert!(GcmEncryption::start(&key, b"", b"", 16).is_err());
        let mut s = GcmEncryption::start(&key, &hex(IV), b"", 16).unwrap();
        assert_eq!(format!("{s:?}"), "GcmEncryption { .. }");
        let other = aes(&[1u8; 32]);
        assert!(s.update(&other, b"x").is_err());
        assert!(s.finish(&other).is_err());
        let mac =
            KeyMaterial::from_parts(Algorithm::HmacSha256, SecretBytes::new(vec![0; 32])).unwrap();
        assert!(GcmEncryption::start(&mac, &hex(IV), b"", 16).is_err());
    }
}
