//! Secret Data (KMIP 1.4 section 2.2.7, KMIP 2.1 section 2.7), Opaque
//! Objects (KMIP 1.4 section 2.2.8, KMIP 2.1 section 2.3) and Certificates
//! (KMIP 1.4 section 2.2.1, KMIP 2.1 section 2.2; [`certificates`]) as
//! keyhold data objects: a key of algorithm `secret-data`, `opaque-data`
//! or `certificate` whose
//! version's material is the bytes, sealed like a key's, and whose
//! [`DataObject`] says what they are. They are registered and fetched,
//! never generated, and serve no cryptographic operation.

use keyhold_core::{Algorithm, DataObject, DataType, KmipMeta, SecretFormat, SymmetricFormat};
use keyhold_crypto::SecretBytes as CryptoSecret;
use keyhold_kmip::payload::RegisterRequest;
use keyhold_kmip::{
    Attributes, CertificateType, KeyBlock, KeyFormatType, KeyMaterial, KeyValue, ManagedObject,
    ObjectType, OpaqueDataType, ResultReason, SecretBytes, SecretDataType,
};

use super::errors::ItemFailure;
use super::{app_attrs, certificates, custom_attrs, objects};
use crate::ops::KmipKeySpec;

fn failure(reason: ResultReason, message: &str) -> ItemFailure {
    ItemFailure::new(reason, message)
}

/// What a Register's object is and its bytes, when it is a Secret Data,
/// an Opaque Object or a Certificate (`None` for a key; a Certificate as
/// [`certificates::registered`] takes it). A Secret Data's Key
/// Block must hold plain bytes in Raw or Opaque format (the formats of
/// uninterpreted bytes, KMIP 1.4 section 9.1.3.2.3): no Key Value is
/// Invalid Field, a wrapped one Feature Not Supported, another format Key
/// Format Type Not Supported.
pub(crate) fn registered(
    object: &ManagedObject,
) -> Result<Option<(DataObject, CryptoSecret)>, ItemFailure> {
    match object {
        ManagedObject::SecretData {
            secret_data_type,
            key_block,
        } => {
            let (format, bytes) = secret_bytes(key_block)?;
            let data_type = DataType::new(u32::from(*secret_data_type));
            Ok(Some((DataObject::Secret { data_type, format }, bytes)))
        }
        ManagedObject::OpaqueObject {
            opaque_data_type,
            value,
        } => {
            let data_type = DataType::new(u32::from(*opaque_data_type));
            let bytes = CryptoSecret::new(value.expose().to_vec());
            Ok(Some((DataObject::Opaque { data_type }, bytes)))
        }
        ManagedObject::Certificate {
            certificate_type,
            value,
        } => certificates::registered(*certificate_type, value).map(Some),
        _ => Ok(None),
    }
}

/// The format and bytes of a Secret Data's Key Block.
fn secret_bytes(block: &KeyBlock) -> Result<(SecretFormat, CryptoSecret), ItemFailure> {
    let format = match block.key_format_type {
        KeyFormatType::Raw => SecretFormat::Raw,
        KeyFormatType::Opaque => SecretFormat::Opaque,
        _ => {
            let m = "Secret Data is registered in Raw or Opaque format";
            return Err(failure(ResultReason::KeyFormatTypeNotSupported, m));
        }
    };
    match &block.key_value {
        Some(KeyValue::Plain {
            material: KeyMaterial::Bytes(b),
            ..
        }) => Ok((format, CryptoSecret::new(b.expose().to_vec()))),
        Some(KeyValue::Wrapped(_)) => Err(failure(
            ResultReason::FeatureNotSupported,
            "wrapped key values cannot be registered yet",
        )),
        Some(KeyValue::Plain { .. }) => Err(failure(
            ResultReason::InvalidField,
            "the Key Material of Secret Data is a Byte String",
        )),
        None => Err(failure(
            ResultReason::InvalidField,
            "Secret Data needs a Key Value",
        )),
    }
}

/// What a Register of a data object makes: Name, Cryptographic Usage
/// Mask (kept as the client's record; a data object performs none of its
/// uses), Extractable, Object Groups and custom attributes as for a key.
pub(crate) fn spec(req: &RegisterRequest, data: DataObject) -> Result<KmipKeySpec, ItemFailure> {
    if req.object_type != req.object.object_type() {
        let m = "the Object Type does not match the object";
        return Err(failure(ResultReason::InvalidField, m));
    }
    let attrs = &req.attributes;
    let (name, name_source) = objects::name_of(attrs)?;
    Ok(KmipKeySpec {
        name,
        description: objects::description_of(attrs)?,
        algorithm: data.algorithm(),
        usage: objects::usage_of(attrs)?,
        exportable: objects::extractable(attrs)?,
        crypto_params: None,
        kmip: KmipMeta {
            data: Some(data),
            object_groups: objects::object_groups(attrs)?,
            name_source,
            symmetric_format: SymmetricFormat::Raw,
            usage_limits: None,
            links: Vec::new(),
            sensitive: objects::sensitive(attrs)?,
            destroy_requested_at: None,
            app_info: app_attrs::app_info_of(attrs)?,
            alt_names: app_attrs::alt_names_of(attrs)?,
            custom: custom_attrs::typed_of(attrs)?,
        },
        custom: objects::custom_attributes(attrs),
        dates: objects::usage_dates(attrs),
        split_pair: false,
        public_name: None,
    })
}

/// Checks, before the bytes are opened, that a Get's Key Format Type fits
/// the data object: Raw or Opaque for Secret Data (the same bytes either
/// way), none for an Opaque Object or a Certificate, which have no Key
/// Block. Another is a
/// format that does not fit the object: Invalid Field.
pub(crate) fn check_format(
    algorithm: Algorithm,
    format: Option<KeyFormatType>,
) -> Result<(), ItemFailure> {
    let fits = matches!(
        (algorithm, format),
        (_, None)
            | (
                Algorithm::SecretData,
                Some(KeyFormatType::Raw | KeyFormatType::Opaque)
            )
    );
    if fits {
        return Ok(());
    }
    let m = "Secret Data is returned as Raw or Opaque, an Opaque Object or a Certificate as itself";
    Err(failure(ResultReason::InvalidField, m))
}

/// The Object Type and object a Get returns for data object `data` of
/// `bytes`: Secret Data in the format asked for, else the one it was
/// registered in (KMIP 1.4 section 4.11, KMIP 2.1 section 6.1.19).
pub(crate) fn object(
    data: &DataObject,
    bytes: &[u8],
    format: Option<KeyFormatType>,
) -> (ObjectType, ManagedObject) {
    let bytes = SecretBytes::new(bytes.to_vec());
    match *data {
        DataObject::Secret {
            data_type,
            format: registered,
        } => {
            let key_format_type = format.unwrap_or(match registered {
                SecretFormat::Raw => KeyFormatType::Raw,
                SecretFormat::Opaque => KeyFormatType::Opaque,
            });
            let key_block = KeyBlock {
                key_format_type,
                key_compression_type: None,
                key_value: Some(KeyValue::Plain {
                    material: KeyMaterial::Bytes(bytes),
                    attributes: Attributes::default(),
                }),
                cryptographic_algorithm: None,
                cryptographic_length: None,
                key_wrapping_data: None,
            };
            let secret_data_type = SecretDataType::from(data_type.value());
            let object = ManagedObject::SecretData {
                secret_data_type,
                key_block,
            };
            (ObjectType::SecretData, object)
        }
        DataObject::Opaque { data_type } => {
            let object = ManagedObject::OpaqueObject {
                opaque_data_type: OpaqueDataType::from(data_type.value()),
                value: bytes,
            };
            (ObjectType::OpaqueObject, object)
        }
        DataObject::Certificate { certificate_type } => {
            let object = ManagedObject::Certificate {
                certificate_type: CertificateType::from(certificate_type.value()),
                value: bytes.expose().to_vec(),
            };
            (ObjectType::Certificate, object)
        }
    }
}

/// The KMIP Object Type of a data object's algorithm, `None` for a key.
pub(crate) fn object_type(algorithm: Algorithm) -> Option<ObjectType> {
    match algorithm {
        Algorithm::SecretData => Some(ObjectType::SecretData),
        Algorithm::OpaqueData => Some(ObjectType::OpaqueObject),
        Algorithm::Certificate => Some(ObjectType::Certificate),
        _ => None,
    }
}

/// The Key Format Type the Digest of a data object is computed over (KMIP
/// 1.4 section 3.17: the registered format for Secret Data; none for an
/// Opaque Object, whose digest is over its Opaque Data Value, nor for a
/// Certificate, whose digest is over its DER Certificate Value).
pub(crate) fn digest_format(data: &DataObject) -> Option<KeyFormatType> {
    match data {
        DataObject::Secret {
            format: SecretFormat::Raw,
            ..
        } => Some(KeyFormatType::Raw),
        DataObject::Secret {
            format: SecretFormat::Opaque,
            ..
        } => Some(KeyFormatType::Opaque),
        DataObject::Opaque { .. } | DataObject::Certificate { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(format: KeyFormatType, value: Option<KeyValue>) -> ManagedObject {
        ManagedObject::SecretData {
            secret_data_type: SecretDataType::Password,
            key_block: KeyBlock {
                key_format_type: format,
                key_compression_type: None,
                key_value: value,
                cryptographic_algorithm: None,
                cryptographic_length: None,
                key_wrapping_data: None,
            },
        }
    }

    fn plain(bytes: &[u8]) -> Option<KeyValue> {
        Some(KeyValue::Plain {
            material: KeyMaterial::Bytes(SecretBytes::new(bytes.to_vec())),
            attributes: Attributes::default(),
        })
    }

    #[test]
    fn secret_data_registers_raw_or_opaque_bytes_and_comes_back_as_registered() {
        let object = secret(KeyFormatType::Opaque, plain(b"pw"));
        let Ok(Some((data, bytes))) = registered(&object) else {
            panic!("Secret Data");
        };
        assert_eq!(bytes.expose(), b"pw");
        assert_eq!(data.algorithm(), Algorithm::SecretData);
        let (t, ManagedObject::SecretData { key_block, .. }) = object_of(&data, None) else {
            panic!("Secret Data");
        };
        assert_eq!(t, ObjectType::SecretData);
        assert_eq!(key_block.key_format_type, KeyFormatType::Opaque);
        let (_, raw) = object_of(&data, Some(KeyFormatType::Raw));
        let ManagedObject::SecretData { key_block, .. } = raw else {
            panic!("Secret Data");
        };
        assert_eq!(key_block.key_format_type, KeyFormatType::Raw);
        assert_eq!(digest_format(&data), Some(KeyFormatType::Opaque));
    }

    fn object_of(data: &DataObject, f: Option<KeyFormatType>) -> (ObjectType, ManagedObject) {
        object(data, b"pw", f)
    }

    #[test]
    fn bad_secret_data_is_refused_with_its_reason() {
        let cases = [
            (secret(KeyFormatType::Raw, None), ResultReason::InvalidField),
            (
                secret(KeyFormatType::PKCS8, plain(b"x")),
                ResultReason::KeyFormatTypeNotSupported,
            ),
            (
                secret(
                    KeyFormatType::Raw,
                    Some(KeyValue::Wrapped(SecretBytes::new(vec![1]))),
                ),
                ResultReason::FeatureNotSupported,
            ),
        ];
        for (object, reason) in cases {
            assert_eq!(registered(&object).err().map(|e| e.reason), Some(reason));
        }
        let key = ManagedObject::SymmetricKey(KeyBlock {
            key_format_type: KeyFormatType::Raw,
            key_compression_type: None,
            key_value: plain(&[0; 32]),
            cryptographic_algorithm: None,
            cryptographic_length: None,
            key_wrapping_data: None,
        });
        assert!(matches!(registered(&key), Ok(None)));
    }

    #[test]
    fn opaque_objects_keep_their_extension_type_and_take_no_format() {
        let object = ManagedObject::OpaqueObject {
            opaque_data_type: OpaqueDataType::from(0x8012_3456),
            value: SecretBytes::new(vec![1, 2, 3]),
        };
        let Ok(Some((data, _))) = registered(&object) else {
            panic!("Opaque Object");
        };
        let (
            t,
            ManagedObject::OpaqueObject {
                opaque_data_type, ..
            },
        ) = object_of(&data, None)
        else {
            panic!("Opaque Object");
        };
        assert_eq!(t, ObjectType::OpaqueObject);
        assert_eq!(u32::from(opaque_data_type), 0x8012_3456);
        check_format(Algorithm::OpaqueData, None).unwrap();
        assert!(check_format(Algorithm::OpaqueData, Some(KeyFormatType::Raw)).is_err());
        check_format(Algorithm::SecretData, Some(KeyFormatType::Opaque)).unwrap();
        assert!(check_format(Algorithm::SecretData, Some(KeyFormatType::PKCS8)).is_err());
        assert_eq!(digest_format(&data), None);
    }
}
