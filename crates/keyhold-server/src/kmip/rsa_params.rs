//! The Cryptographic Parameters of an RSA Encrypt or Decrypt (KMIP 1.4
//! section 3.6, KMIP 2.1 section 4.10): Padding Method OAEP (section
//! 9.1.3.2.15) with Hashing Algorithm SHA-1, SHA-256, SHA-384 or SHA-512
//! (SHA-1 when absent, RFC 8017 appendix A.2.1), Mask Generator MGF1 over
//! the same hash, no P Source (empty label); or Padding Method PKCS1 v1.5.
//! aws-lc-rs pairs MGF1 with the label hash only: another Mask Generator
//! Hashing Algorithm is refused.

use keyhold_crypto::rsa_padding::{OaepHash, RsaPadding};
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

fn oaep_hash(hash: Option<HashingAlgorithm>) -> Result<OaepHash, ItemFailure> {
    match hash {
        None | Some(HashingAlgorithm::SHA1) => Ok(OaepHash::Sha1),
        Some(HashingAlgorithm::SHA256) => Ok(OaepHash::Sha256),
        Some(HashingAlgorithm::SHA384) => Ok(OaepHash::Sha384),
        Some(HashingAlgorithm::SHA512) => Ok(OaepHash::Sha512),
        Some(_) => Err(invalid(
            "OAEP's Hashing Algorithm must be SHA-1, SHA-256, SHA-384 or SHA-512",
        )),
    }
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
        None | Some(PaddingMethod::OAEP) => {
            let hash = oaep_hash(p.hashing_algorithm)?;
            if p.mask_generator.is_some_and(|m| m != MaskGenerator::MGF1) {
                return Err(invalid("OAEP's Mask Generator must be MGF1"));
            }
            if let Some(mgf) = p.mask_generator_hashing_algorithm {
                if oaep_hash(Some(mgf))? != hash {
                    return Err(invalid(
                        "MGF1's hash must be OAEP's Hashing Algorithm (keyhold pairs them)",
                    ));
                }
            }
            if p.p_source.as_ref().is_some_and(|l| !l.is_empty()) {
                return Err(invalid("OAEP labels (P Source) are not supported"));
            }
            Ok(RsaPadding::Oaep(hash))
        }
        Some(_) => Err(invalid("RSA's Padding Method must be OAEP or PKCS1 v1.5")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oaep(hash: HashingAlgorithm, mgf: HashingAlgorithm) -> CryptographicParameters {
        CryptographicParameters {
            padding_method: Some(PaddingMethod::OAEP),
            hashing_algorithm: Some(hash),
            mask_generator: Some(MaskGenerator::MGF1),
            mask_generator_hashing_algorithm: Some(mgf),
            cryptographic_algorithm: Some(CryptographicAlgorithm::RSA),
            ..CryptographicParameters::default()
        }
    }

    #[test]
    fn oaep_and_pkcs1_are_read() {
        let p = oaep(HashingAlgorithm::SHA256, HashingAlgorithm::SHA256);
        assert!(names_rsa(&p));
        assert_eq!(rsa_padding(&p).unwrap(), RsaPadding::Oaep(OaepHash::Sha256));
        let p = oaep(HashingAlgorithm::SHA512, HashingAlgorithm::SHA512);
        assert_eq!(rsa_padding(&p).unwrap(), RsaPadding::Oaep(OaepHash::Sha512));
        let p = CryptographicParameters {
            padding_method: Some(PaddingMethod::PKCS1V15),
            ..CryptographicParameters::default()
        };
        assert_eq!(rsa_padding(&p).unwrap(), RsaPadding::Pkcs1v15);
        assert!(!names_rsa(&CryptographicParameters::default()));
    }

    #[test]
    fn what_aws_lc_rs_cannot_do_is_invalid_field() {
        let p = oaep(HashingAlgorithm::SHA384, HashingAlgorithm::SHA256);
        assert_eq!(
            rsa_padding(&p).unwrap_err().reason,
            ResultReason::InvalidField
        );
        let p = oaep(HashingAlgorithm::MD5, HashingAlgorithm::MD5);
        assert!(rsa_padding(&p).is_err());
        let mut p = oaep(HashingAlgorithm::SHA256, HashingAlgorithm::SHA256);
        p.p_source = Some(vec![1]);
        assert!(rsa_padding(&p).is_err());
        let p = CryptographicParameters {
            padding_method: Some(PaddingMethod::PSS),
            cryptographic_algorithm: Some(CryptographicAlgorithm::RSA),
            ..CryptographicParameters::default()
        };
        assert!(rsa_padding(&p).is_err());
    }
}
