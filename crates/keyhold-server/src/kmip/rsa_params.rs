//! The Cryptographic Parameters of an RSA Encrypt or Decrypt (KMIP 1.4
//! section 3.6, KMIP 2.1 section 4.10): Padding Method OAEP (section
//! 9.1.3.2.15) with Hashing Algorithm SHA-1, SHA-256, SHA-384 or SHA-512
//! (SHA-1 when absent, RFC 8017 appendix A.2.1), Mask Generator MGF1 over
//! the Mask Generator Hashing Algorithm (one of the same four) and the P
//! Source as OAEP's label (empty when absent); or Padding Method PKCS1
//! v1.5.
//!
//! Without a Mask Generator Hashing Algorithm, MGF1 runs over OAEP's own
//! hash. KMIP's table of defaults says SHA-1 there, but clients and
//! keyhold's own OAEP have always paired the two (the profiles' OAEP test
//! cases name both), and changing the default would make ciphertexts
//! keyhold made undecryptable under the same parameters.

use keyhold_crypto::rsa_padding::{Oaep, RsaHash, RsaPadding};
use keyhold_kmip::{
    CryptographicAlgorithm, CryptographicParameters, HashingAlgorithm, MaskGenerator,
    PaddingMethod, ResultReason,
};

use super::errors::ItemFailure;

fn invalid(message: &str) -> ItemFailure {
    ItemFailure::new(ResultReason::InvalidField, message)
}

/// Whether the parameters ask for RSA encryption: they name RSA or one of
/// its paddings.
pub(super) fn names_rsa(p: &CryptographicParameters) -> bool {
    p.cryptographic_algorithm == Some(CryptographicAlgorithm::RSA)
        || matches!(
            p.padding_method,
            Some(PaddingMethod::OAEP | PaddingMethod::PKCS1V15)
        )
}

/// The RSA hash of a KMIP Hashing Algorithm: SHA-1 or SHA-256, -384, -512.
pub(super) fn rsa_hash(hash: HashingAlgorithm, what: &str) -> Result<RsaHash, ItemFailure> {
    match hash {
        HashingAlgorithm::SHA1 => Ok(RsaHash::Sha1),
        HashingAlgorithm::SHA256 => Ok(RsaHash::Sha256),
        HashingAlgorithm::SHA384 => Ok(RsaHash::Sha384),
        HashingAlgorithm::SHA512 => Ok(RsaHash::Sha512),
        other => Err(ItemFailure::new(
            ResultReason::InvalidField,
            format!("{what} must be SHA-1, SHA-256, SHA-384 or SHA-512, not {other:?}"),
        )),
    }
}

/// The KMIP Hashing Algorithm of an RSA hash.
pub(super) fn kmip_hash(hash: RsaHash) -> HashingAlgorithm {
    match hash {
        RsaHash::Sha1 => HashingAlgorithm::SHA1,
        RsaHash::Sha256 => HashingAlgorithm::SHA256,
        RsaHash::Sha384 => HashingAlgorithm::SHA384,
        RsaHash::Sha512 => HashingAlgorithm::SHA512,
    }
}

/// MGF1's hash: the Mask Generator Hashing Algorithm, else `hash`. Any
/// Mask Generator but MGF1 (the only one KMIP 1.4 section 9.1.3.2.49
/// defines) is refused.
pub(super) fn mgf1_hash(
    p: &CryptographicParameters,
    hash: RsaHash,
) -> Result<RsaHash, ItemFailure> {
    if p.mask_generator.is_some_and(|m| m != MaskGenerator::MGF1) {
        return Err(invalid("the Mask Generator must be MGF1"));
    }
    p.mask_generator_hashing_algorithm
        .map_or(Ok(hash), |h| rsa_hash(h, "MGF1's Hashing Algorithm"))
}

/// OAEP's parameters (KMIP 1.4 section 3.6, RFC 8017 appendix A.2.1).
fn oaep(p: &CryptographicParameters) -> Result<Oaep, ItemFailure> {
    let hash = p.hashing_algorithm.map_or(Ok(RsaHash::Sha1), |h| {
        rsa_hash(h, "OAEP's Hashing Algorithm")
    })?;
    let label = p.p_source.clone().unwrap_or_default();
    // The same bound as a key's stored parameters (`stored_params`).
    if label.len() > super::stored_params::MAX_P_SOURCE {
        let most = super::stored_params::MAX_P_SOURCE;
        return Err(invalid(&format!("a P Source holds at most {most} bytes")));
    }
    Ok(Oaep {
        hash,
        mgf1_hash: mgf1_hash(p, hash)?,
        label,
    })
}

/// The RSA padding the parameters name (for parameters that
/// [`names_rsa`]).
pub(super) fn rsa_padding(p: &CryptographicParameters) -> Result<RsaPadding, ItemFailure> {
    if p.block_cipher_mode.is_some() || p.tag_length.is_some() || p.random_iv.is_some() {
        return Err(invalid("RSA takes no Block Cipher Mode, Tag Length or IV"));
    }
    match p.padding_method {
        Some(PaddingMethod::PKCS1V15) => Ok(RsaPadding::Pkcs1v15),
        // RSA named without a padding: OAEP, as below.
        None | Some(PaddingMethod::OAEP) => Ok(RsaPadding::Oaep(oaep(p)?)),
        Some(_) => Err(invalid("RSA's Padding Method must be OAEP or PKCS1 v1.5")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(hash: HashingAlgorithm, mgf: HashingAlgorithm) -> CryptographicParameters {
        CryptographicParameters {
            padding_method: Some(PaddingMethod::OAEP),
            hashing_algorithm: Some(hash),
            mask_generator: Some(MaskGenerator::MGF1),
            mask_generator_hashing_algorithm: Some(mgf),
            cryptographic_algorithm: Some(CryptographicAlgorithm::RSA),
            ..CryptographicParameters::default()
        }
    }

    fn padding(hash: RsaHash, mgf1_hash: RsaHash, label: &[u8]) -> RsaPadding {
        RsaPadding::Oaep(Oaep {
            hash,
            mgf1_hash,
            label: label.to_vec(),
        })
    }

    #[test]
    fn oaep_and_pkcs1_are_read() {
        let p = params(HashingAlgorithm::SHA256, HashingAlgorithm::SHA256);
        assert!(names_rsa(&p));
        let sha256 = RsaPadding::Oaep(Oaep::paired(RsaHash::Sha256));
        assert_eq!(rsa_padding(&p).unwrap(), sha256);
        let p = CryptographicParameters {
            padding_method: Some(PaddingMethod::PKCS1V15),
            ..CryptographicParameters::default()
        };
        assert_eq!(rsa_padding(&p).unwrap(), RsaPadding::Pkcs1v15);
        assert!(!names_rsa(&CryptographicParameters::default()));
    }

    /// CS-AC-M-OAEP-7 to 10: SHA-384, MGF1 over SHA-256, a P Source.
    #[test]
    fn mgf1_hashes_and_labels_of_their_own_are_read() {
        let mut p = params(HashingAlgorithm::SHA384, HashingAlgorithm::SHA256);
        let (sha384, sha256) = (RsaHash::Sha384, RsaHash::Sha256);
        assert_eq!(rsa_padding(&p).unwrap(), padding(sha384, sha256, b""));
        p.p_source = Some(b"Kilroy was here".to_vec());
        let kilroy = padding(sha384, sha256, b"Kilroy was here");
        assert_eq!(rsa_padding(&p).unwrap(), kilroy);
        // No MGF1 hash: MGF1 over OAEP's hash; no hash at all: SHA-1.
        p.mask_generator_hashing_algorithm = None;
        assert_eq!(
            rsa_padding(&p).unwrap(),
            padding(sha384, sha384, b"Kilroy was here")
        );
        let bare = CryptographicParameters {
            padding_method: Some(PaddingMethod::OAEP),
            ..CryptographicParameters::default()
        };
        let sha1 = RsaPadding::Oaep(Oaep::paired(RsaHash::Sha1));
        assert_eq!(rsa_padding(&bare).unwrap(), sha1);
    }

    #[test]
    fn what_keyhold_cannot_do_is_invalid_field() {
        let refused = |p: CryptographicParameters| {
            assert_eq!(
                rsa_padding(&p).unwrap_err().reason,
                ResultReason::InvalidField
            );
        };
        refused(params(HashingAlgorithm::MD5, HashingAlgorithm::MD5));
        refused(params(HashingAlgorithm::SHA256, HashingAlgorithm::SHA3256));
        refused(params(HashingAlgorithm::SHA224, HashingAlgorithm::SHA256));
        let mut long = params(HashingAlgorithm::SHA256, HashingAlgorithm::SHA256);
        long.p_source = Some(vec![0; super::super::stored_params::MAX_P_SOURCE + 1]);
        refused(long);
        let mut p = params(HashingAlgorithm::SHA256, HashingAlgorithm::SHA256);
        p.mask_generator = Some(MaskGenerator::Unknown(2));
        refused(p);
        refused(CryptographicParameters {
            padding_method: Some(PaddingMethod::PSS),
            cryptographic_algorithm: Some(CryptographicAlgorithm::RSA),
            ..CryptographicParameters::default()
        });
    }
}
