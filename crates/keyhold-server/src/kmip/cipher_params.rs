//! The Cryptographic Parameters of an Encrypt or Decrypt (KMIP 1.4 section
//! 3.6, KMIP 2.1 section 4.10) read as the mode, padding and IV keyhold
//! serves: Block Cipher Mode ECB, CBC, CTR, GCM or AEAD (KMIP 1.4 section
//! 9.1.3.2.14), Padding Method None or PKCS5 (section 9.1.3.2.15; PKCS#7
//! for AES' 16-byte blocks), Tag Length in bytes, Random IV, IV Length in
//! bits, Counter Length 128 bits (the whole counter block is incremented,
//! NIST SP 800-38A appendix B.1). Initial Counter Value and the Fixed and
//! Invocation Field Lengths (deterministic IV construction) are refused:
//! send the whole counter block or IV as IV/Counter/Nonce.

use keyhold_crypto::cipher::{
    AEAD_IV_LEN, AES_BLOCK_LEN, CHACHA20_NONCE_LEN, FULL_TAG_LEN, GCM_MIN_TAG_LEN, Padding,
};
use keyhold_kmip::{
    BlockCipherMode, CryptographicAlgorithm, CryptographicParameters, PaddingMethod, ResultReason,
};

use super::errors::ItemFailure;
use super::rsa_params;
use crate::ops::{CipherRequest, RequestedMode};

fn invalid(message: &str) -> ItemFailure {
    ItemFailure::new(ResultReason::InvalidField, message)
}

/// Refuses a Tag Length (KMIP 1.4 section 3.6, in bytes) outside the 12
/// to 16 bytes keyhold's AEAD modes produce (NIST SP 800-38D section
/// 5.2.1.2), before the key is read, with General Failure: the mandatory
/// test cases CS-BC-M-GCM-1 (1.4 and 2.1) and CS-BC-M-CHACHA20POLY1305-1
/// (2.1) expect it for Tag Lengths 1 and 32 at both versions, although
/// KMIP 2.1 section 6.1.17 lists Invalid Field, not General Failure,
/// among an Encrypt's Result Reasons.
pub(crate) fn check_tag_length(p: Option<&CryptographicParameters>) -> Result<(), ItemFailure> {
    let Some(tag) = p.and_then(|p| p.tag_length) else {
        return Ok(());
    };
    let fits = usize::try_from(tag).is_ok_and(|t| (GCM_MIN_TAG_LEN..=FULL_TAG_LEN).contains(&t));
    if fits {
        return Ok(());
    }
    Err(ItemFailure::new(
        ResultReason::GeneralFailure,
        "Tag Length must be 12 to 16 bytes",
    ))
}

/// The mode named by Block Cipher Mode and Tag Length.
fn mode_of(p: &CryptographicParameters) -> Result<Option<RequestedMode>, ItemFailure> {
    let tag_len = match p.tag_length {
        None => None,
        Some(t) => Some(usize::try_from(t).map_err(|_| invalid("Tag Length must be positive"))?),
    };
    let aead = |t: Option<usize>| RequestedMode::Aead {
        tag_len: t.unwrap_or(FULL_TAG_LEN),
    };
    let mode = match p.block_cipher_mode {
        None => tag_len.map(|t| aead(Some(t))),
        Some(BlockCipherMode::GCM | BlockCipherMode::AEAD) => Some(aead(tag_len)),
        Some(_) if tag_len.is_some() => {
            return Err(invalid("Tag Length is for GCM and AEAD only"));
        }
        Some(BlockCipherMode::ECB) => Some(RequestedMode::Ecb),
        Some(BlockCipherMode::CBC) => Some(RequestedMode::Cbc),
        Some(BlockCipherMode::CTR) => Some(RequestedMode::Ctr),
        Some(BlockCipherMode::NISTKeyWrap | BlockCipherMode::AESKeyWrapPadding) => {
            return Err(invalid(
                "NISTKeyWrap and AESKeyWrapPadding wrap keys on Get only (a Key Wrapping \
                 Specification), never data on Encrypt",
            ));
        }
        Some(BlockCipherMode::XTS) => {
            return Err(invalid(
                "keyhold keeps XTS keys for clients to use but does not encrypt with XTS",
            ));
        }
        Some(_) => {
            return Err(invalid(
                "Block Cipher Mode must be ECB, CBC, CTR, GCM or AEAD",
            ));
        }
    };
    Ok(mode)
}

fn padding_of(p: &CryptographicParameters) -> Result<Padding, ItemFailure> {
    match p.padding_method {
        None | Some(PaddingMethod::None) => Ok(Padding::None),
        Some(PaddingMethod::PKCS5) => Ok(Padding::Pkcs7),
        Some(_) => Err(invalid("Padding Method must be None or PKCS5")),
    }
}

/// The IV length a mode takes, in bytes (the key's AEAD when unnamed).
fn iv_len(mode: Option<RequestedMode>) -> usize {
    match mode {
        Some(RequestedMode::Ecb) => 0,
        Some(RequestedMode::Cbc | RequestedMode::Ctr) => AES_BLOCK_LEN,
        Some(RequestedMode::Stream) => CHACHA20_NONCE_LEN,
        None | Some(RequestedMode::Aead { .. }) => AEAD_IV_LEN,
    }
}

/// Refuses what keyhold does not serve, and an IV that contradicts the
/// parameters.
fn check_rest(
    p: &CryptographicParameters,
    mode: Option<RequestedMode>,
    iv: Option<&[u8]>,
) -> Result<(), ItemFailure> {
    if p.cryptographic_algorithm.is_some_and(|a| {
        !matches!(
            a,
            CryptographicAlgorithm::AES
                | CryptographicAlgorithm::ChaCha20
                | CryptographicAlgorithm::ChaCha20Poly1305
        )
    }) {
        return Err(invalid("only AES and ChaCha20 encrypt"));
    }
    if p.initial_counter_value.is_some()
        || p.fixed_field_length.is_some()
        || p.invocation_field_length.is_some()
    {
        return Err(invalid(
            "Initial Counter Value and IV fields are not supported: send the IV/Counter/Nonce",
        ));
    }
    if p.counter_length.is_some_and(|l| l != 128) {
        return Err(invalid("Counter Length must be 128 bits"));
    }
    if p.random_iv == Some(true) && iv.is_some() {
        return Err(invalid("Random IV is set: send no IV/Counter/Nonce"));
    }
    let sent_bits = iv.map_or(iv_len(mode) * 8, |iv| iv.len() * 8);
    if p.iv_length
        .is_some_and(|l| usize::try_from(l).ok() != Some(sent_bits))
    {
        return Err(invalid("IV Length does not match the IV"));
    }
    Ok(())
}

/// The request a KMIP Encrypt or Decrypt makes of the operations service.
pub(crate) fn cipher_request(
    p: Option<&CryptographicParameters>,
    iv: Option<Vec<u8>>,
    aad: Option<Vec<u8>>,
) -> Result<CipherRequest, ItemFailure> {
    let default = CryptographicParameters::default();
    let p = p.unwrap_or(&default);
    if rsa_params::names_rsa(p) {
        return Ok(CipherRequest {
            mode: None,
            padding: Padding::None,
            iv,
            aad: aad.unwrap_or_default(),
            rsa: Some(rsa_params::rsa_padding(p)?),
        });
    }
    let mode = mode_of(p)?.or_else(|| stream_nonce(iv.as_deref()).then_some(RequestedMode::Stream));
    check_rest(p, mode, iv.as_deref())?;
    Ok(CipherRequest {
        mode,
        padding: padding_of(p)?,
        iv,
        aad: aad.unwrap_or_default(),
        rsa: None,
    })
}

/// Whether no Block Cipher Mode with this IV asks for ChaCha20 alone: the
/// IV is its 64-bit nonce, a length no other mode takes.
fn stream_nonce(iv: Option<&[u8]>) -> bool {
    iv.is_some_and(|iv| iv.len() == CHACHA20_NONCE_LEN)
}

/// Whether the request's mode has a tag, and how long.
pub(crate) fn tag_len(req: &CipherRequest) -> Option<usize> {
    if req.rsa.is_some() {
        return None;
    }
    match req.mode {
        None => Some(FULL_TAG_LEN),
        Some(RequestedMode::Aead { tag_len }) => Some(tag_len),
        Some(_) => None,
    }
}

/// Whether the request's mode needs an IV to decrypt.
pub(crate) fn needs_iv(req: &CipherRequest) -> bool {
    req.rsa.is_none() && iv_len(req.mode) > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(mode: BlockCipherMode) -> CryptographicParameters {
        CryptographicParameters {
            block_cipher_mode: Some(mode),
            ..CryptographicParameters::default()
        }
    }

    #[test]
    fn modes_padding_and_tags_are_read() {
        let r = cipher_request(None, None, None).unwrap();
        assert_eq!((r.mode, tag_len(&r), needs_iv(&r)), (None, Some(16), true));
        let mut p = params(BlockCipherMode::CBC);
        p.padding_method = Some(PaddingMethod::PKCS5);
        let r = cipher_request(Some(&p), Some(vec![0; 16]), None).unwrap();
        assert_eq!(
            (r.mode, r.padding),
            (Some(RequestedMode::Cbc), Padding::Pkcs7)
        );
        assert_eq!(tag_len(&r), None);
        let r = cipher_request(Some(&params(BlockCipherMode::ECB)), None, None).unwrap();
        assert!(!needs_iv(&r));
        let mut p = params(BlockCipherMode::GCM);
        p.tag_length = Some(12);
        let r = cipher_request(Some(&p), None, Some(b"a".to_vec())).unwrap();
        assert_eq!(r.mode, Some(RequestedMode::Aead { tag_len: 12 }));
        assert_eq!(r.aad, b"a");
    }

    /// No mode and a 64-bit nonce ask for ChaCha20 alone, which has no
    /// tag; a 12-byte nonce without a mode stays the key's AEAD, and a
    /// named mode with a 64-bit IV is refused on its length.
    #[test]
    fn a_64_bit_nonce_without_a_mode_is_chacha20_alone() {
        let r = cipher_request(None, Some(vec![0; 8]), None).unwrap();
        assert_eq!(r.mode, Some(RequestedMode::Stream));
        assert_eq!(tag_len(&r), None);
        assert!(needs_iv(&r));
        let r = cipher_request(None, Some(vec![0; 12]), None).unwrap();
        assert_eq!((r.mode, tag_len(&r)), (None, Some(FULL_TAG_LEN)));
        let mut p = params(BlockCipherMode::GCM);
        p.iv_length = Some(96);
        assert!(cipher_request(Some(&p), Some(vec![0; 8]), None).is_err());
    }

    #[test]
    fn a_tag_length_out_of_range_is_general_failure() {
        let gcm = |tag: i32| {
            let mut p = params(BlockCipherMode::GCM);
            p.tag_length = Some(tag);
            p
        };
        for tag in [12, 16] {
            assert!(check_tag_length(Some(&gcm(tag))).is_ok());
        }
        assert!(check_tag_length(None).is_ok());
        for tag in [-1, 0, 1, 11, 17, 32] {
            let e = check_tag_length(Some(&gcm(tag))).unwrap_err();
            assert_eq!(e.reason, ResultReason::GeneralFailure, "{tag}");
        }
    }

    #[test]
    fn what_keyhold_does_not_serve_is_invalid_field() {
        let refused = |p: CryptographicParameters, iv: Option<Vec<u8>>| {
            let e = cipher_request(Some(&p), iv, None).unwrap_err();
            assert_eq!(e.reason, ResultReason::InvalidField);
        };
        refused(params(BlockCipherMode::XTS), None);
        refused(params(BlockCipherMode::NISTKeyWrap), None);
        refused(params(BlockCipherMode::AESKeyWrapPadding), None);
        let mut p = params(BlockCipherMode::CBC);
        p.padding_method = Some(PaddingMethod::ANSIX923);
        refused(p, None);
        let mut p = params(BlockCipherMode::CBC);
        p.tag_length = Some(16);
        refused(p, None);
        let mut p = params(BlockCipherMode::GCM);
        p.random_iv = Some(true);
        refused(p, Some(vec![0; 12]));
        let mut p = params(BlockCipherMode::GCM);
        p.iv_length = Some(128);
        refused(p, Some(vec![0; 12]));
        let mut p = params(BlockCipherMode::CTR);
        p.counter_length = Some(32);
        refused(p, None);
        let mut p = params(BlockCipherMode::CTR);
        p.initial_counter_value = Some(1);
        refused(p, None);
        let mut p = params(BlockCipherMode::ECB);
        p.cryptographic_algorithm = Some(CryptographicAlgorithm::DES);
        refused(p, None);
    }
}
