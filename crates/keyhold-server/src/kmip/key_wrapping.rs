//! Get with a Key Wrapping Specification (KMIP 1.4 sections 2.1.5, 2.1.6
//! and 4.11; KMIP 2.1 sections 3.3, 7.18 and 6.1.19): the Key Value of the
//! object returned is the wrapped bytes, and its Key Block says how they
//! were wrapped (Key Wrapping Data).
//!
//! keyhold wraps with Wrapping Method Encrypt only, under the key the
//! Encryption Key Information names ([`crate::ops::WrappingKey`]):
//! - an AES-256 key-wrapping key: Block Cipher Mode NISTKeyWrap (KW, RFC
//!   3394) or AESKeyWrapPadding (KWP, RFC 5649). The request's
//!   Cryptographic Parameters, field by field over the wrapping key's own
//!   (as Encrypt does, [`stored_params::effective`]); with no mode at all,
//!   KW when the bytes are a multiple of 8 and at least 16 (always so for
//!   TTLV Encoding, which pads to 8), else KWP.
//! - an RSA key (a key pair's Public Key object, its Private Key object,
//!   or a public key registered alone): Padding Method OAEP, its hash read
//!   as RSA Encrypt reads it ([`rsa_params`]: SHA-1 when OAEP is named
//!   without one); RSA-OAEP with SHA-256 when the parameters name no
//!   padding. OAEP holds less than the modulus: a longer value (a private
//!   key) is *Invalid Field*.
//!
//! The Key Wrapping Data echoes the Wrapping Method, the Encryption Key
//! Information (with the parameters used when the request gave none) and
//! the Encoding Option. Encoding Option TTLV Encoding, the default ("If
//! Encoding Option is not present, the wrapped Key Value SHALL be TTLV
//! encoded", KMIP 1.4 section 2.1.6), wraps the TTLV-encoded Key Value
//! structure; No Encoding the Key Material's bytes (a symmetric key's Raw
//! bytes, a private key's PKCS#8 or PKCS#1 DER), so a Transparent format
//! is *Encoding Option Error*. MAC/sign wrapping methods, Attribute Names
//! to wrap with the key and Key Wrap Type are *Feature Not Supported*.

use keyhold_core::{Action, RequestId, VersionId};
use keyhold_crypto::rsa_padding::{Oaep, RsaHash, RsaPadding};
use keyhold_kmip::payload::GetResponse;
use keyhold_kmip::{
    BlockCipherMode, CryptographicParameters, EncodingOption, KeyBlock, KeyFormatType, KeyMaterial,
    KeyValue, KeyWrappingData, KeyWrappingSpecification, ManagedObject, MaskGenerator,
    PaddingMethod, ProtocolVersion, ResponsePayload, ResultReason, SecretBytes,
    WrappingKeyInformation, WrappingMethod,
};

use super::errors::ItemFailure;
use super::material_ops::{check_format_fits, plain_object};
use super::{Dispatcher, objects, rsa_params, stored_params};
use crate::error::ServerError;
use crate::ops::{Operations, WrapScheme, WrappingKey};

fn failure(reason: ResultReason, message: &str) -> ItemFailure {
    ItemFailure::new(reason, message)
}

fn invalid(message: &str) -> ItemFailure {
    failure(ResultReason::InvalidField, message)
}

/// What a Key Wrapping Specification asks, once checked ([`plan`]).
#[derive(Debug)]
pub(super) struct WrapPlan {
    /// The wrapping key's version.
    wrapping: VersionId,
    /// The Encryption Key Information, echoed in the Key Wrapping Data.
    info: WrappingKeyInformation,
    /// The Encoding Option as sent (none means TTLV Encoding).
    encoding: Option<EncodingOption>,
}

/// Checks a Key Wrapping Specification before anything is read.
///
/// # Errors
/// *Feature Not Supported* for a Wrapping Method other than Encrypt, a
/// MAC/Signature Key Information or Attribute Names; *Encoding Option
/// Error* for an unknown Encoding Option or one given with Attribute
/// Names (KMIP 1.4 section 11.12); *Invalid Field* without Encryption Key
/// Information; *Item Not Found* (2.x: *Wrapping Object Not Found*) for
/// an identifier that is no keyhold object.
pub(super) fn plan(spec: &KeyWrappingSpecification) -> Result<WrapPlan, ItemFailure> {
    let unsupported = |m: &str| failure(ResultReason::FeatureNotSupported, m);
    if spec.wrapping_method != WrappingMethod::Encrypt {
        return Err(unsupported(
            "keyhold wraps with Wrapping Method Encrypt only",
        ));
    }
    if spec.mac_signature_key_information.is_some() {
        return Err(unsupported("keyhold does not MAC or sign wrapped keys"));
    }
    if !spec.attribute_names.is_empty() {
        if spec.encoding_option.is_some() {
            let m = "Encoding Option is not permitted with Attribute Names";
            return Err(failure(ResultReason::EncodingOptionError, m));
        }
        return Err(unsupported("keyhold wraps no attributes with a key"));
    }
    if let Some(EncodingOption::Unknown(_)) = spec.encoding_option {
        let m = "Encoding Option must be No Encoding or TTLV Encoding";
        return Err(failure(ResultReason::EncodingOptionError, m));
    }
    let info = spec
        .encryption_key_information
        .clone()
        .ok_or_else(|| invalid("Wrapping Method Encrypt needs Encryption Key Information"))?;
    let wrapping = objects::version_id(Some(&info.unique_identifier), None).map_err(|_| {
        ItemFailure::from(ServerError::WrappingKeyRefused {
            source: Box::new(ServerError::KeyNotFound),
        })
    })?;
    Ok(WrapPlan {
        wrapping,
        info,
        encoding: spec.encoding_option,
    })
}

/// Refuses, before any material is read, a Key Format Type whose Key
/// Material is not bytes under No Encoding.
fn check_encoding(plan: &WrapPlan, format: Option<KeyFormatType>) -> Result<(), ItemFailure> {
    let transparent = matches!(
        format,
        Some(
            KeyFormatType::TransparentSymmetricKey
                | KeyFormatType::TransparentRSAPrivateKey
                | KeyFormatType::TransparentECPrivateKey
        )
    );
    if plan.encoding == Some(EncodingOption::NoEncoding) && transparent {
        let m = "No Encoding wraps Key Material bytes: a Transparent key is TTLV Encoded";
        return Err(failure(ResultReason::EncodingOptionError, m));
    }
    Ok(())
}

impl WrapPlan {
    /// Replaces the Key Value of `object` with its wrapping under `kek`
    /// and adds the Key Wrapping Data.
    fn wrap(
        &self,
        ops: &Operations,
        kek: &WrappingKey,
        object: &mut ManagedObject,
        version: ProtocolVersion,
    ) -> Result<(), ServerError> {
        let block = object
            .key_block_mut()
            .ok_or_else(|| ServerError::InvalidRequest {
                detail: "an Opaque Object has no Key Block to wrap".into(),
            })?;
        let bytes = self.bytes_to_wrap(block, version)?;
        let requested = self.info.cryptographic_parameters.as_ref();
        let scheme = scheme(requested, kek, bytes.len()).map_err(ItemFailure::into_server_error)?;
        let wrapped = ops.wrap_under(kek, &scheme, bytes.expose())?;
        block.key_value = Some(KeyValue::Wrapped(SecretBytes::new(wrapped)));
        block.key_wrapping_data = Some(self.wrapping_data(&scheme));
        Ok(())
    }

    /// The bytes wrapped: the TTLV-encoded Key Value, or its Key Material
    /// bytes under No Encoding (KMIP 2.1 section 11.18).
    fn bytes_to_wrap(
        &self,
        block: &KeyBlock,
        version: ProtocolVersion,
    ) -> Result<SecretBytes, ServerError> {
        let value = block.key_value.as_ref().ok_or(ServerError::Internal {
            what: "a Key Block to wrap without a Key Value",
        })?;
        if self.encoding != Some(EncodingOption::NoEncoding) {
            return value.encode(version).map_err(|_| ServerError::Internal {
                what: "a Key Value that does not encode",
            });
        }
        match value {
            KeyValue::Plain {
                material: KeyMaterial::Bytes(b),
                ..
            } => Ok(b.clone()),
            _ => Err(ServerError::InvalidRequest {
                detail: "No Encoding wraps Key Material bytes: a Transparent key is TTLV Encoded"
                    .into(),
            }),
        }
    }

    /// The Key Wrapping Data: the Encryption Key Information as sent, with
    /// the parameters used when it gave none.
    fn wrapping_data(&self, scheme: &WrapScheme) -> KeyWrappingData {
        let mut info = self.info.clone();
        if info.cryptographic_parameters.is_none() {
            info.cryptographic_parameters = Some(used_params(scheme));
        }
        KeyWrappingData {
            wrapping_method: WrappingMethod::Encrypt,
            encryption_key_information: Some(info),
            mac_signature_key_information: None,
            mac_signature: None,
            iv_counter_nonce: None,
            encoding_option: self.encoding,
        }
    }
}

/// The scheme the parameters (the request's over the wrapping key's) name
/// for wrapping `len` bytes under `kek`.
fn scheme(
    requested: Option<&CryptographicParameters>,
    kek: &WrappingKey,
    len: usize,
) -> Result<WrapScheme, ItemFailure> {
    let params = stored_params::effective(requested, kek.params()).unwrap_or_default();
    if kek.is_rsa() {
        rsa_scheme(&params)
    } else {
        aes_scheme(&params, len)
    }
}

fn aes_scheme(p: &CryptographicParameters, len: usize) -> Result<WrapScheme, ItemFailure> {
    let whole_blocks = len >= 16 && len % 8 == 0;
    if !matches!(p.padding_method, None | Some(PaddingMethod::None))
        || p.hashing_algorithm.is_some()
    {
        return Err(invalid(
            "an AES key-wrapping key takes Block Cipher Mode NISTKeyWrap or AESKeyWrapPadding, \
             no padding or hash",
        ));
    }
    match p.block_cipher_mode {
        Some(BlockCipherMode::NISTKeyWrap) if whole_blocks => Ok(WrapScheme::Kw),
        Some(BlockCipherMode::NISTKeyWrap) => Err(invalid(
            "NISTKeyWrap wraps a multiple of 8 bytes, at least 16: use AESKeyWrapPadding",
        )),
        Some(BlockCipherMode::AESKeyWrapPadding) => Ok(WrapScheme::Kwp),
        None if whole_blocks => Ok(WrapScheme::Kw),
        None => Ok(WrapScheme::Kwp),
        Some(_) => Err(invalid(
            "an AES key-wrapping key wraps with NISTKeyWrap or AESKeyWrapPadding",
        )),
    }
}

fn rsa_scheme(p: &CryptographicParameters) -> Result<WrapScheme, ItemFailure> {
    if !rsa_params::names_rsa(p) {
        if p.block_cipher_mode.is_some() {
            return Err(invalid("an RSA key wraps with Padding Method OAEP"));
        }
        return Ok(WrapScheme::RsaOaep(Oaep::paired(RsaHash::Sha256)));
    }
    match rsa_params::rsa_padding(p)? {
        RsaPadding::Oaep(oaep) => Ok(WrapScheme::RsaOaep(oaep)),
        RsaPadding::Pkcs1v15 => Err(invalid(
            "keyhold wraps keys with RSA OAEP only, never PKCS1 v1.5",
        )),
    }
}

/// The Cryptographic Parameters that name `scheme` (MGF1's hash when it is
/// not OAEP's, the label when there is one).
fn used_params(scheme: &WrapScheme) -> CryptographicParameters {
    let mode = |m| CryptographicParameters {
        block_cipher_mode: Some(m),
        ..CryptographicParameters::default()
    };
    match scheme {
        WrapScheme::Kw => mode(BlockCipherMode::NISTKeyWrap),
        WrapScheme::Kwp => mode(BlockCipherMode::AESKeyWrapPadding),
        WrapScheme::RsaOaep(oaep) => {
            let own_mgf1 = oaep.mgf1_hash != oaep.hash;
            CryptographicParameters {
                padding_method: Some(PaddingMethod::OAEP),
                hashing_algorithm: Some(rsa_params::kmip_hash(oaep.hash)),
                mask_generator: own_mgf1.then_some(MaskGenerator::MGF1),
                mask_generator_hashing_algorithm: own_mgf1
                    .then(|| rsa_params::kmip_hash(oaep.mgf1_hash)),
                p_source: Some(oaep.label.clone()).filter(|l| !l.is_empty()),
                ..CryptographicParameters::default()
            }
        }
    }
}

impl Dispatcher {
    /// Get of version `id` wrapped as `plan` says: audited as `key:export`
    /// of the key, the wrapping key checked for `key:encrypt` and Wrap Key
    /// ([`Operations::wrapping_key`]) before the material is opened.
    pub(super) async fn get_wrapped(
        &self,
        id: VersionId,
        plan: WrapPlan,
        format: Option<KeyFormatType>,
        version: ProtocolVersion,
        request_id: RequestId,
    ) -> Result<ResponsePayload, ItemFailure> {
        check_encoding(&plan, format)?;
        let got = self.blocking(request_id, Action::KeyExport, move |ops, caller| {
            let (key, _) = ops.secret_by_version_id(caller, id)?;
            check_format_fits(key.algorithm, format)?;
            let kek = ops.wrapping_key(caller, plan.wrapping)?;
            ops.version_material_wrapped(caller, id, &kek, |key, material| {
                let secret = material.secret().expose();
                let (object_type, mut object) = plain_object(key, secret, format, version)
                    .map_err(ItemFailure::into_server_error)?;
                plan.wrap(ops, &kek, &mut object, version)?;
                Ok((object_type, object))
            })
        });
        let (object_type, object) = got.await?;
        Ok(ResponsePayload::Get(GetResponse {
            object_type,
            unique_identifier: objects::version_uid(id),
            object,
        }))
    }
}

#[cfg(test)]
mod tests {
    use keyhold_kmip::HashingAlgorithm;

    use super::*;

    fn spec(method: WrappingMethod) -> KeyWrappingSpecification {
        KeyWrappingSpecification {
            wrapping_method: method,
            encryption_key_information: Some(WrappingKeyInformation {
                unique_identifier: keyhold_kmip::UniqueIdentifier::Text(
                    "6f1c2a3e-1b2c-4d5e-8f90-123456789abc".into(),
                ),
                cryptographic_parameters: None,
            }),
            mac_signature_key_information: None,
            attribute_names: Vec::new(),
            encoding_option: None,
        }
    }

    fn reason(s: &KeyWrappingSpecification) -> ResultReason {
        plan(s).unwrap_err().reason
    }

    #[test]
    fn encrypt_is_the_only_wrapping_method() {
        assert!(plan(&spec(WrappingMethod::Encrypt)).is_ok());
        for m in [
            WrappingMethod::MACSign,
            WrappingMethod::EncryptThenMACSign,
            WrappingMethod::MACSignThenEncrypt,
            WrappingMethod::TR31,
        ] {
            assert_eq!(reason(&spec(m)), ResultReason::FeatureNotSupported);
        }
        let mut s = spec(WrappingMethod::Encrypt);
        s.attribute_names.push("Name".into());
        assert_eq!(reason(&s), ResultReason::FeatureNotSupported);
        s.encoding_option = Some(EncodingOption::NoEncoding);
        assert_eq!(reason(&s), ResultReason::EncodingOptionError);
        let mut s = spec(WrappingMethod::Encrypt);
        s.encryption_key_information = None;
        assert_eq!(reason(&s), ResultReason::InvalidField);
        let mut s = spec(WrappingMethod::Encrypt);
        if let Some(info) = &mut s.encryption_key_information {
            info.unique_identifier = keyhold_kmip::UniqueIdentifier::Text("nope".into());
        }
        let e = plan(&s).unwrap_err();
        assert_eq!(
            e.reason_in(ProtocolVersion::V1_4),
            ResultReason::ItemNotFound
        );
        assert_eq!(
            e.reason_in(ProtocolVersion::V2_1),
            ResultReason::WrappingObjectNotFound
        );
    }

    #[test]
    fn no_encoding_refuses_transparent_formats() {
        let mut s = spec(WrappingMethod::Encrypt);
        s.encoding_option = Some(EncodingOption::NoEncoding);
        let p = plan(&s).unwrap();
        let e = check_encoding(&p, Some(KeyFormatType::TransparentSymmetricKey)).unwrap_err();
        assert_eq!(e.reason, ResultReason::EncodingOptionError);
        assert!(check_encoding(&p, Some(KeyFormatType::Raw)).is_ok());
        let ttlv = plan(&spec(WrappingMethod::Encrypt)).unwrap();
        assert!(check_encoding(&ttlv, Some(KeyFormatType::TransparentSymmetricKey)).is_ok());
    }

    fn mode(m: Option<BlockCipherMode>) -> CryptographicParameters {
        CryptographicParameters {
            block_cipher_mode: m,
            ..CryptographicParameters::default()
        }
    }

    #[test]
    fn aes_wraps_with_kw_or_kwp() {
        let kw = Some(BlockCipherMode::NISTKeyWrap);
        let kwp = Some(BlockCipherMode::AESKeyWrapPadding);
        assert_eq!(aes_scheme(&mode(kw), 32).unwrap(), WrapScheme::Kw);
        assert!(aes_scheme(&mode(kw), 20).is_err());
        assert!(aes_scheme(&mode(kw), 8).is_err());
        assert_eq!(aes_scheme(&mode(kwp), 32).unwrap(), WrapScheme::Kwp);
        assert_eq!(aes_scheme(&mode(None), 40).unwrap(), WrapScheme::Kw);
        assert_eq!(aes_scheme(&mode(None), 1219).unwrap(), WrapScheme::Kwp);
        assert_eq!(aes_scheme(&mode(None), 8).unwrap(), WrapScheme::Kwp);
        assert!(aes_scheme(&mode(Some(BlockCipherMode::GCM)), 32).is_err());
        let mut oaep = mode(None);
        oaep.padding_method = Some(PaddingMethod::OAEP);
        assert!(aes_scheme(&oaep, 32).is_err());
    }

    #[test]
    fn rsa_wraps_with_oaep() {
        let paired = |h| WrapScheme::RsaOaep(Oaep::paired(h));
        let sha256 = paired(RsaHash::Sha256);
        assert_eq!(rsa_scheme(&mode(None)).unwrap(), sha256);
        let oaep = |h| CryptographicParameters {
            padding_method: Some(PaddingMethod::OAEP),
            hashing_algorithm: h,
            ..CryptographicParameters::default()
        };
        assert_eq!(
            rsa_scheme(&oaep(Some(HashingAlgorithm::SHA384))).unwrap(),
            paired(RsaHash::Sha384)
        );
        // OAEP named without a hash: SHA-1, as RSA Encrypt reads it.
        assert_eq!(rsa_scheme(&oaep(None)).unwrap(), paired(RsaHash::Sha1));
        let pkcs1 = CryptographicParameters {
            padding_method: Some(PaddingMethod::PKCS1V15),
            ..CryptographicParameters::default()
        };
        assert!(rsa_scheme(&pkcs1).is_err());
        assert!(rsa_scheme(&mode(Some(BlockCipherMode::NISTKeyWrap))).is_err());
        let used = used_params(&sha256);
        assert_eq!(used.hashing_algorithm, Some(HashingAlgorithm::SHA256));
        assert_eq!(used.mask_generator_hashing_algorithm, None);
        assert_eq!(used.p_source, None);
        assert_eq!(
            used_params(&WrapScheme::Kw).block_cipher_mode,
            Some(BlockCipherMode::NISTKeyWrap)
        );
    }

    /// A wrapping key's own MGF1 hash and label wrap, and are echoed.
    #[test]
    fn rsa_wraps_with_an_mgf1_hash_and_label_of_its_own() {
        let mut p = CryptographicParameters {
            padding_method: Some(PaddingMethod::OAEP),
            hashing_algorithm: Some(HashingAlgorithm::SHA384),
            mask_generator_hashing_algorithm: Some(HashingAlgorithm::SHA256),
            p_source: Some(b"label".to_vec()),
            ..CryptographicParameters::default()
        };
        let scheme = rsa_scheme(&p).unwrap();
        let expected = Oaep {
            hash: RsaHash::Sha384,
            mgf1_hash: RsaHash::Sha256,
            label: b"label".to_vec(),
        };
        assert_eq!(scheme, WrapScheme::RsaOaep(expected));
        p.mask_generator = Some(MaskGenerator::MGF1);
        assert_eq!(used_params(&scheme), p);
    }
}
