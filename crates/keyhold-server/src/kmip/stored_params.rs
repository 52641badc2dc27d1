//! A key's Cryptographic Parameters attribute (KMIP 1.4 section 3.6, KMIP
//! 2.1 section 4.16), kept with the key as [`CryptoParams`]: read from the
//! attributes of a Create, Create Key Pair or Register, given back by Get
//! Attributes, and the defaults of the key's Encrypt, Decrypt, Sign and
//! Signature Verify requests (for the last two only when they name a
//! signature: [`effective_for_signature`]).
//!
//! KMIP 1.4 sections 4.29 and 4.30 (Encrypt, Decrypt): "If omitted then the
//! Cryptographic Parameters associated with the Managed Cryptographic
//! Object with the lowest Attribute Index SHALL be used" (KMIP 2.1 section
//! 6.1.17: they "MAY be omitted from the request as they can be specified
//! as associated attributes"). keyhold keeps one such attribute per key and
//! applies it field by field: each field the request leaves out comes from
//! the key, each field it sends wins ([`effective`]); a request without
//! parameters uses the key's whole.
//!
//! Only what keyhold serves is kept: parameters naming another mode, hash,
//! padding or signature algorithm, a Key Role Type, Initial Counter Value,
//! Fixed or Invocation Field Length or Trailer Field, or a P Source (OAEP's
//! label) over [`MAX_P_SOURCE`] bytes, are refused when the key is made
//! (*Invalid Field*, nothing stored).

use keyhold_core::CryptoParams;
use keyhold_core::crypto_params::{
    BlockMode, HashAlgorithm, PaddingMethod as Padding, ParamAlgorithm, SignatureAlgorithm,
};
use keyhold_kmip::{
    Attributes, BlockCipherMode, CryptographicAlgorithm as K, CryptographicParameters,
    DigitalSignatureAlgorithm as D, HashingAlgorithm as H, MaskGenerator, PaddingMethod,
    ResultReason,
};

use super::errors::ItemFailure;

/// The longest P Source kept with a key, in bytes: a label names a
/// context, it does not carry data.
pub(crate) const MAX_P_SOURCE: usize = 4096;

fn unsupported(what: &str) -> ItemFailure {
    let m = format!("the key's Cryptographic Parameters name {what}, which keyhold does not serve");
    ItemFailure::new(ResultReason::InvalidField, m)
}

/// The Cryptographic Parameters attribute of a new key, if it has one.
///
/// # Errors
/// *Invalid Field* for a value keyhold does not serve.
pub(crate) fn of(attrs: &Attributes) -> Result<Option<CryptoParams>, ItemFailure> {
    attrs.cryptographic_parameters().map(to_core).transpose()
}

/// The parameters as keyhold keeps them.
///
/// # Errors
/// *Invalid Field* for a value keyhold does not serve.
pub(crate) fn to_core(p: &CryptographicParameters) -> Result<CryptoParams, ItemFailure> {
    let refused = p.key_role_type.is_some()
        || p.initial_counter_value.is_some()
        || p.fixed_field_length.is_some()
        || p.invocation_field_length.is_some()
        || p.trailer_field.is_some();
    if refused {
        return Err(unsupported(
            "a Key Role Type, Initial Counter Value, IV field length or Trailer Field",
        ));
    }
    if p.p_source.as_ref().is_some_and(|s| s.len() > MAX_P_SOURCE) {
        return Err(unsupported("a P Source over 4096 bytes"));
    }
    if p.tag_length.is_some_and(|t| !(12..=16).contains(&t)) {
        return Err(unsupported("a Tag Length other than 12 to 16 bytes"));
    }
    if p.mask_generator.is_some_and(|m| m != MaskGenerator::MGF1) {
        return Err(unsupported("a Mask Generator other than MGF1"));
    }
    Ok(CryptoParams {
        mode: p.block_cipher_mode.map(mode).transpose()?,
        padding: p.padding_method.map(padding).transpose()?,
        hash: p.hashing_algorithm.map(hash).transpose()?,
        signature: p.digital_signature_algorithm.map(signature).transpose()?,
        algorithm: p.cryptographic_algorithm.map(algorithm).transpose()?,
        random_iv: p.random_iv,
        iv_length: p.iv_length.map(length).transpose()?,
        tag_length: p.tag_length.map(length).transpose()?,
        counter_length: p.counter_length.map(length).transpose()?,
        salt_length: p.salt_length.map(length).transpose()?,
        mgf1: p.mask_generator.map(|_| true),
        mgf1_hash: p.mask_generator_hashing_algorithm.map(hash).transpose()?,
        // An empty P Source is OAEP's default label: kept as none.
        oaep_label: p.p_source.clone().filter(|s| !s.is_empty()),
    })
}

/// The parameters as KMIP names them (Get Attributes, request defaults).
pub(crate) fn to_kmip(p: &CryptoParams) -> CryptographicParameters {
    let int = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    CryptographicParameters {
        block_cipher_mode: p.mode.map(mode_kmip),
        padding_method: p.padding.map(padding_kmip),
        hashing_algorithm: p.hash.map(hash_kmip),
        digital_signature_algorithm: p.signature.map(signature_kmip),
        cryptographic_algorithm: p.algorithm.map(algorithm_kmip),
        random_iv: p.random_iv,
        iv_length: p.iv_length.map(int),
        tag_length: p.tag_length.map(int),
        counter_length: p.counter_length.map(int),
        salt_length: p.salt_length.map(int),
        mask_generator: p.mgf1.filter(|m| *m).map(|_| MaskGenerator::MGF1),
        mask_generator_hashing_algorithm: p.mgf1_hash.map(hash_kmip),
        p_source: p.oaep_label.clone(),
        ..CryptographicParameters::default()
    }
}

/// The parameters an Encrypt or Decrypt runs with: the request's, each
/// field it leaves out taken from the key's (KMIP 1.4 section 4.29);
/// `None` when neither has any.
pub(crate) fn effective(
    request: Option<&CryptographicParameters>,
    key: Option<&CryptoParams>,
) -> Option<CryptographicParameters> {
    match (request, key) {
        (None, None) => None,
        (Some(r), None) => Some(r.clone()),
        (None, Some(k)) => Some(to_kmip(k)),
        (Some(r), Some(k)) => Some(r.over(&to_kmip(k))),
    }
}

/// The parameters a Sign or Signature Verify runs with (KMIP 1.4 sections
/// 4.31 and 4.32: "If omitted then the Cryptographic Parameters associated
/// with the Managed Cryptographic Object" are used), as [`effective`] but
/// with the key's parameters only when they name a signature (Padding
/// Method PSS or PKCS1 v1.5, or a Digital Signature Algorithm): a key pair
/// made with OAEP parameters for its Encrypt still signs with its default
/// scheme.
pub(crate) fn effective_for_signature(
    request: Option<&CryptographicParameters>,
    key: Option<&CryptoParams>,
) -> Option<CryptographicParameters> {
    let signs = |k: &&CryptoParams| {
        k.signature.is_some() || matches!(k.padding, Some(Padding::Pss | Padding::Pkcs1v15))
    };
    effective(request, key.filter(signs))
}

fn length(n: i32) -> Result<u32, ItemFailure> {
    u32::try_from(n).map_err(|_| unsupported("a negative length"))
}

fn mode(m: BlockCipherMode) -> Result<BlockMode, ItemFailure> {
    match m {
        BlockCipherMode::ECB => Ok(BlockMode::Ecb),
        BlockCipherMode::CBC => Ok(BlockMode::Cbc),
        BlockCipherMode::CTR => Ok(BlockMode::Ctr),
        BlockCipherMode::GCM => Ok(BlockMode::Gcm),
        BlockCipherMode::AEAD => Ok(BlockMode::Aead),
        BlockCipherMode::NISTKeyWrap => Ok(BlockMode::NistKeyWrap),
        BlockCipherMode::AESKeyWrapPadding => Ok(BlockMode::AesKeyWrapPadding),
        BlockCipherMode::XTS => Ok(BlockMode::Xts),
        other => Err(unsupported(&format!("Block Cipher Mode {other:?}"))),
    }
}

fn mode_kmip(m: BlockMode) -> BlockCipherMode {
    match m {
        BlockMode::Ecb => BlockCipherMode::ECB,
        BlockMode::Cbc => BlockCipherMode::CBC,
        BlockMode::Ctr => BlockCipherMode::CTR,
        BlockMode::Gcm => BlockCipherMode::GCM,
        BlockMode::Aead => BlockCipherMode::AEAD,
        BlockMode::NistKeyWrap => BlockCipherMode::NISTKeyWrap,
        BlockMode::AesKeyWrapPadding => BlockCipherMode::AESKeyWrapPadding,
        BlockMode::Xts => BlockCipherMode::XTS,
    }
}

fn padding(p: PaddingMethod) -> Result<Padding, ItemFailure> {
    match p {
        PaddingMethod::None => Ok(Padding::None),
        PaddingMethod::PKCS5 => Ok(Padding::Pkcs5),
        PaddingMethod::OAEP => Ok(Padding::Oaep),
        PaddingMethod::PKCS1V15 => Ok(Padding::Pkcs1v15),
        PaddingMethod::PSS => Ok(Padding::Pss),
        other => Err(unsupported(&format!("Padding Method {other:?}"))),
    }
}

fn padding_kmip(p: Padding) -> PaddingMethod {
    match p {
        Padding::None => PaddingMethod::None,
        Padding::Pkcs5 => PaddingMethod::PKCS5,
        Padding::Oaep => PaddingMethod::OAEP,
        Padding::Pkcs1v15 => PaddingMethod::PKCS1V15,
        Padding::Pss => PaddingMethod::PSS,
    }
}

/// A Hashing Algorithm keyhold computes (also for Hash, KMIP 1.4 section
/// 4.37, KMIP 2.1 section 6.1.24).
pub(crate) fn hash(h: H) -> Result<HashAlgorithm, ItemFailure> {
    match h {
        H::SHA1 => Ok(HashAlgorithm::Sha1),
        H::SHA224 => Ok(HashAlgorithm::Sha224),
        H::SHA256 => Ok(HashAlgorithm::Sha256),
        H::SHA384 => Ok(HashAlgorithm::Sha384),
        H::SHA512 => Ok(HashAlgorithm::Sha512),
        other => Err(ItemFailure::new(
            ResultReason::InvalidField,
            format!("Hashing Algorithm {other:?} is not supported (SHA-1 or SHA-2 only)"),
        )),
    }
}

fn hash_kmip(h: HashAlgorithm) -> H {
    match h {
        HashAlgorithm::Sha1 => H::SHA1,
        HashAlgorithm::Sha224 => H::SHA224,
        HashAlgorithm::Sha256 => H::SHA256,
        HashAlgorithm::Sha384 => H::SHA384,
        HashAlgorithm::Sha512 => H::SHA512,
    }
}

fn signature(d: D) -> Result<SignatureAlgorithm, ItemFailure> {
    match d {
        D::SHA256WithRSAEncryption => Ok(SignatureAlgorithm::Sha256WithRsa),
        D::SHA384WithRSAEncryption => Ok(SignatureAlgorithm::Sha384WithRsa),
        D::SHA512WithRSAEncryption => Ok(SignatureAlgorithm::Sha512WithRsa),
        D::RSASSAPSS => Ok(SignatureAlgorithm::RsassaPss),
        D::ECDSAWithSHA256 => Ok(SignatureAlgorithm::EcdsaSha256),
        D::ECDSAWithSHA384 => Ok(SignatureAlgorithm::EcdsaSha384),
        other => Err(unsupported(&format!(
            "Digital Signature Algorithm {other:?}"
        ))),
    }
}

fn signature_kmip(s: SignatureAlgorithm) -> D {
    match s {
        SignatureAlgorithm::Sha256WithRsa => D::SHA256WithRSAEncryption,
        SignatureAlgorithm::Sha384WithRsa => D::SHA384WithRSAEncryption,
        SignatureAlgorithm::Sha512WithRsa => D::SHA512WithRSAEncryption,
        SignatureAlgorithm::RsassaPss => D::RSASSAPSS,
        SignatureAlgorithm::EcdsaSha256 => D::ECDSAWithSHA256,
        SignatureAlgorithm::EcdsaSha384 => D::ECDSAWithSHA384,
    }
}

fn algorithm(a: K) -> Result<ParamAlgorithm, ItemFailure> {
    match a {
        K::AES => Ok(ParamAlgorithm::Aes),
        K::ChaCha20 => Ok(ParamAlgorithm::ChaCha20),
        K::ChaCha20Poly1305 => Ok(ParamAlgorithm::ChaCha20Poly1305),
        K::RSA => Ok(ParamAlgorithm::Rsa),
        K::ECDSA => Ok(ParamAlgorithm::Ecdsa),
        K::EC => Ok(ParamAlgorithm::Ec),
        K::Ed25519 => Ok(ParamAlgorithm::Ed25519),
        K::HMACSHA256 => Ok(ParamAlgorithm::HmacSha256),
        K::HMACSHA384 => Ok(ParamAlgorithm::HmacSha384),
        K::HMACSHA512 => Ok(ParamAlgorithm::HmacSha512),
        other => Err(unsupported(&format!("Cryptographic Algorithm {other:?}"))),
    }
}

fn algorithm_kmip(a: ParamAlgorithm) -> K {
    match a {
        ParamAlgorithm::Aes => K::AES,
        ParamAlgorithm::ChaCha20 => K::ChaCha20,
        ParamAlgorithm::ChaCha20Poly1305 => K::ChaCha20Poly1305,
        ParamAlgorithm::Rsa => K::RSA,
        ParamAlgorithm::Ecdsa => K::ECDSA,
        ParamAlgorithm::Ec => K::EC,
        ParamAlgorithm::Ed25519 => K::Ed25519,
        ParamAlgorithm::HmacSha256 => K::HMACSHA256,
        ParamAlgorithm::HmacSha384 => K::HMACSHA384,
        ParamAlgorithm::HmacSha512 => K::HMACSHA512,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oaep() -> CryptographicParameters {
        CryptographicParameters {
            padding_method: Some(PaddingMethod::OAEP),
            hashing_algorithm: Some(H::SHA384),
            cryptographic_algorithm: Some(K::RSA),
            mask_generator: Some(MaskGenerator::MGF1),
            mask_generator_hashing_algorithm: Some(H::SHA384),
            ..CryptographicParameters::default()
        }
    }

    #[test]
    fn what_keyhold_serves_round_trips() {
        let cbc = CryptographicParameters {
            block_cipher_mode: Some(BlockCipherMode::CBC),
            padding_method: Some(PaddingMethod::PKCS5),
            random_iv: Some(true),
            tag_length: Some(16),
            salt_length: Some(222),
            ..CryptographicParameters::default()
        };
        let kw = CryptographicParameters {
            block_cipher_mode: Some(BlockCipherMode::NISTKeyWrap),
            ..CryptographicParameters::default()
        };
        let kwp = CryptographicParameters {
            block_cipher_mode: Some(BlockCipherMode::AESKeyWrapPadding),
            ..CryptographicParameters::default()
        };
        let mut labelled = oaep();
        labelled.mask_generator_hashing_algorithm = Some(H::SHA256);
        labelled.p_source = Some(b"Kilroy was here".to_vec());
        for p in [oaep(), labelled, cbc, kw, kwp] {
            let core = to_core(&p).unwrap();
            assert_eq!(to_kmip(&core), p);
        }
    }

    #[test]
    fn what_keyhold_does_not_serve_is_refused() {
        let refused = |p: CryptographicParameters| {
            assert_eq!(to_core(&p).unwrap_err().reason, ResultReason::InvalidField);
        };
        let with = |f: fn(&mut CryptographicParameters)| {
            let mut p = oaep();
            f(&mut p);
            p
        };
        refused(with(|p| p.block_cipher_mode = Some(BlockCipherMode::OFB)));
        refused(with(|p| p.hashing_algorithm = Some(H::MD5)));
        refused(with(|p| {
            p.hashing_algorithm = Some(H::Unknown(0x8000_0001))
        }));
        refused(with(|p| p.padding_method = Some(PaddingMethod::ANSIX923)));
        refused(with(|p| p.p_source = Some(vec![0; MAX_P_SOURCE + 1])));
        refused(with(|p| p.trailer_field = Some(1)));
        refused(with(|p| p.cryptographic_algorithm = Some(K::DES)));
        refused(with(|p| {
            p.digital_signature_algorithm = Some(D::DSAWithSHA256)
        }));
        refused(with(|p| p.tag_length = Some(-1)));
        refused(with(|p| p.tag_length = Some(32)));
        refused(with(|p| p.initial_counter_value = Some(1)));
        // An empty P Source is OAEP's default label: kept as none.
        let empty = to_core(&with(|p| p.p_source = Some(Vec::new()))).unwrap();
        assert_eq!(empty.oaep_label, None);
        assert!(to_core(&with(|p| p.p_source = Some(vec![0; MAX_P_SOURCE]))).is_ok());
    }

    #[test]
    fn the_request_overrides_the_key_field_by_field() {
        let key = to_core(&oaep()).unwrap();
        assert_eq!(effective(None, None), None);
        assert_eq!(effective(None, Some(&key)), Some(oaep()));
        let request = CryptographicParameters {
            hashing_algorithm: Some(H::SHA256),
            mask_generator_hashing_algorithm: Some(H::SHA256),
            ..CryptographicParameters::default()
        };
        let merged = effective(Some(&request), Some(&key)).unwrap();
        assert_eq!(merged.padding_method, Some(PaddingMethod::OAEP));
        assert_eq!(merged.hashing_algorithm, Some(H::SHA256));
        assert_eq!(merged.mask_generator_hashing_algorithm, Some(H::SHA256));
        assert_eq!(merged.cryptographic_algorithm, Some(K::RSA));
        assert_eq!(effective(Some(&request), None), Some(request));
    }

    #[test]
    fn a_signature_takes_the_key_parameters_only_when_they_name_one() {
        let oaep = to_core(&oaep()).unwrap();
        assert_eq!(effective_for_signature(None, Some(&oaep)), None);
        let pss = CryptographicParameters {
            padding_method: Some(PaddingMethod::PSS),
            hashing_algorithm: Some(H::SHA256),
            cryptographic_algorithm: Some(K::RSA),
            ..CryptographicParameters::default()
        };
        let key = to_core(&pss).unwrap();
        assert_eq!(effective_for_signature(None, Some(&key)), Some(pss.clone()));
        let sha1 = CryptographicParameters {
            hashing_algorithm: Some(H::SHA1),
            ..CryptographicParameters::default()
        };
        let merged = effective_for_signature(Some(&sha1), Some(&key)).unwrap();
        assert_eq!(merged.padding_method, Some(PaddingMethod::PSS));
        assert_eq!(merged.hashing_algorithm, Some(H::SHA1));
        let ecdsa = CryptographicParameters {
            digital_signature_algorithm: Some(D::ECDSAWithSHA384),
            ..CryptographicParameters::default()
        };
        let key = to_core(&ecdsa).unwrap();
        assert_eq!(effective_for_signature(None, Some(&key)), Some(ecdsa));
    }
}
