//! A strict check that a public key is an X.509 SubjectPublicKeyInfo (RFC
//! 5280 section 4.1.2.7) of the expected algorithm, before it reaches the
//! crypto library. aws-lc-rs also accepts raw and PKCS#1 encodings; keyhold
//! takes only SPKI, so one format crosses its API.
//!
//! ```text
//! SubjectPublicKeyInfo ::= SEQUENCE {
//!     algorithm         AlgorithmIdentifier,   -- SEQUENCE { OID, params }
//!     subjectPublicKey  BIT STRING }
//! ```

use keyhold_core::Algorithm;

use crate::error::CryptoError;

const SEQUENCE: u8 = 0x30;
const BIT_STRING: u8 = 0x03;

/// rsaEncryption (RFC 8017 appendix A.1) with NULL parameters (RFC 3279
/// section 2.3.1).
const RSA: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];
/// id-ecPublicKey with namedCurve secp256r1 (RFC 5480 section 2.1.1).
const EC_P256: &[u8] = &[
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
    0x03, 0x01, 0x07,
];
/// id-ecPublicKey with namedCurve secp384r1 (RFC 5480 section 2.1.1).
const EC_P384: &[u8] = &[
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22,
];
/// id-Ed25519, no parameters (RFC 8410 section 3).
const ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
/// id-ml-dsa-65 (NIST CSOR OID 2.16.840.1.101.3.4.3.18), no parameters, as
/// in the IETF LAMPS profile for ML-DSA in X.509.
const ML_DSA_65: &[u8] = &[
    0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x12,
];

/// The DER content of the AlgorithmIdentifier keyhold expects for keys of
/// `algorithm`, `None` when such keys have no SPKI form here.
fn algorithm_identifier(algorithm: Algorithm) -> Option<&'static [u8]> {
    match algorithm {
        Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => Some(RSA),
        Algorithm::EcdsaP256 => Some(EC_P256),
        Algorithm::EcdsaP384 => Some(EC_P384),
        Algorithm::Ed25519 => Some(ED25519),
        Algorithm::MlDsa65 => Some(ML_DSA_65),
        _ => None,
    }
}

/// Checks that `der` is exactly one SubjectPublicKeyInfo whose
/// AlgorithmIdentifier is the one of `algorithm`. The key itself is checked
/// by the crypto library afterwards.
pub(crate) fn check(algorithm: Algorithm, der: &[u8]) -> Result<(), CryptoError> {
    let invalid = CryptoError::InvalidPublicKey { algorithm };
    let expected =
        algorithm_identifier(algorithm).ok_or(CryptoError::InvalidPublicKey { algorithm })?;
    let (spki, rest) = read(der, SEQUENCE).ok_or(CryptoError::InvalidPublicKey { algorithm })?;
    let (alg_id, after) =
        read(spki, SEQUENCE).ok_or(CryptoError::InvalidPublicKey { algorithm })?;
    let (bits, trailing) =
        read(after, BIT_STRING).ok_or(CryptoError::InvalidPublicKey { algorithm })?;
    let well_formed = rest.is_empty() && trailing.is_empty() && bits.first() == Some(&0);
    if well_formed && alg_id == expected {
        Ok(())
    } else {
        Err(invalid)
    }
}

/// Reads one DER element with `tag`: returns its content and what follows.
/// Accepts the short length form and the long form with one or two length
/// bytes (enough for any key keyhold handles), minimally encoded.
fn read(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&first, rest) = input.split_first()?;
    if first != tag {
        return None;
    }
    let (&len0, rest) = rest.split_first()?;
    let (len, rest) = match len0 {
        0..=0x7f => (usize::from(len0), rest),
        0x81 => {
            let (&b, rest) = rest.split_first()?;
            (b >= 0x80).then_some((usize::from(b), rest))?
        }
        0x82 => {
            let (hi, rest) = rest.split_first()?;
            let (lo, rest) = rest.split_first()?;
            let len = usize::from(*hi) << 8 | usize::from(*lo);
            (len >= 0x100).then_some((len, rest))?
        }
        _ => return None,
    };
    (rest.len() >= len).then(|| rest.split_at(len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::public_key;

    #[test]
    fn generated_public_keys_pass_for_their_algorithm_only() {
        let algs = [
            Algorithm::Rsa2048,
            Algorithm::EcdsaP256,
            Algorithm::EcdsaP384,
            Algorithm::Ed25519,
            Algorithm::MlDsa65,
        ];
        for alg in algs {
            let der = public_key(alg);
            check(alg, &der).unwrap();
            for other in algs
                .iter()
                .filter(|o| algorithm_identifier(**o) != algorithm_identifier(alg))
            {
                assert!(check(*other, &der).is_err(), "{alg} key passed as {other}");
            }
        }
    }

    #[test]
    fn malformed_encodings_are_refused() {
        let der = public_key(Algorithm::Ed25519);
        assert_eq!(der.len(), 44);
        let raw = &der[12..];
        assert!(
            check(Algorithm::Ed25519, raw).is_err(),
            "raw key is not SPKI"
        );
        assert!(check(Algorithm::Ed25519, &der[..43]).is_err(), "truncated");
        let mut trailing = der.clone();
        trailing.push(0);
        assert!(
            check(Algorithm::Ed25519, &trailing).is_err(),
            "trailing byte"
        );
        let mut unused_bits = der.clone();
        unused_bits[11] = 1;
        assert!(
            check(Algorithm::Ed25519, &unused_bits).is_err(),
            "unused bits"
        );
        assert!(check(Algorithm::Ed25519, &[]).is_err());
        assert!(check(Algorithm::Aes256Gcm, &der).is_err());
        // A non-minimal long-form length.
        assert!(read(&[0x30, 0x81, 0x01, 0x00], SEQUENCE).is_none());
        assert_eq!(
            read(&[0x30, 0x01, 0xAA, 0xBB], SEQUENCE),
            Some((&[0xAA][..], &[0xBB][..]))
        );
    }
}
