//! Managed objects (KMIP 1.4 section 2.2, KMIP 2.1 section 2) and the Key Block (KMIP 1.4
//! section 2.1.3, KMIP 2.1 section 3.1) that carries key material.

use keyhold_ttlv::{Tag, Ttlv, Value};

use crate::attributes::{Attribute, Attributes};
use crate::error::{KmipError, Result};
use crate::fields::{self as f, Reader};
use crate::secret::SecretBytes;
use crate::transparent::TransparentKey;
use crate::wrapping::KeyWrappingData;
use crate::{
    CertificateType, CryptographicAlgorithm, KeyCompressionType, KeyFormatType, ObjectType,
    OpaqueDataType, ProtocolVersion, SecretDataType, tags,
};

/// Key Material (KMIP 1.4 section 2.1.4): bytes for Raw, Opaque, PKCS#1, PKCS#8,
/// SubjectPublicKeyInfo, X.509 formats; a structure for the Transparent formats.
#[derive(Clone, Debug)]
pub enum KeyMaterial {
    /// The encoded key.
    Bytes(SecretBytes),
    /// A Transparent key structure.
    Transparent(TransparentKey),
}

impl KeyMaterial {
    fn parse(item: &Ttlv, format: KeyFormatType) -> Result<KeyMaterial> {
        match &item.value {
            Value::Structure(_) => {
                TransparentKey::parse(item, format).map(KeyMaterial::Transparent)
            }
            _ => f::secret(item).map(KeyMaterial::Bytes),
        }
    }

    fn to_ttlv(&self) -> Ttlv {
        match self {
            KeyMaterial::Bytes(b) => f::bytes_item(tags::KEY_MATERIAL, b.expose()),
            KeyMaterial::Transparent(t) => t.to_ttlv(),
        }
    }
}

/// Key Value (KMIP 1.4 section 2.1.4): plain material with attributes, or (when the Key
/// Block has Key Wrapping Data) the wrapped bytes.
#[derive(Clone, Debug)]
pub enum KeyValue {
    /// Key Material and the attributes bound to it (1.x Attribute list, 2.x Attributes).
    Plain {
        /// Key Material.
        material: KeyMaterial,
        /// Attributes wrapped with the key.
        attributes: Attributes,
    },
    /// The wrapped key value.
    Wrapped(SecretBytes),
}

impl KeyValue {
    fn parse(item: &Ttlv, format: KeyFormatType, version: ProtocolVersion) -> Result<KeyValue> {
        if let Value::ByteString(b) = &item.value {
            return Ok(KeyValue::Wrapped(SecretBytes::new(b.clone())));
        }
        let mut r = Reader::new(item)?;
        let material = KeyMaterial::parse(r.req(tags::KEY_MATERIAL)?, format)?;
        let attributes = if version.is_v2() {
            match r.opt(tags::ATTRIBUTES) {
                Some(a) => Attributes::parse_v2(a)?,
                None => Attributes::default(),
            }
        } else {
            let items = r.many_map(tags::ATTRIBUTE, Attribute::parse_v1)?;
            Attributes { items }
        };
        r.finish()?;
        Ok(KeyValue::Plain {
            material,
            attributes,
        })
    }

    /// This Key Value structure TTLV-encoded: what a key wrapped with
    /// Encoding Option TTLV Encoding (or none) wraps (KMIP 1.4 sections
    /// 2.1.5 and 9.1.3.2.32, KMIP 2.1 section 11.18: "the wrapped
    /// TTLV-encoded Key Value structure"). The bytes are kept zeroized;
    /// the buffer is sized for any key keyhold holds so that it does not
    /// move while it grows.
    ///
    /// # Errors
    /// [`KmipError::InvalidValue`] for a value too long for TTLV.
    pub fn encode(&self, version: ProtocolVersion) -> Result<SecretBytes> {
        let item = self.to_ttlv(version)?;
        let mut out = Vec::with_capacity(ENCODED_KEY_VALUE_CAPACITY);
        keyhold_ttlv::encode_into(&item, &mut out).map_err(|_| KmipError::InvalidValue {
            field: tags::KEY_VALUE,
            problem: "too long to encode",
        })?;
        Ok(SecretBytes::new(out))
    }

    fn to_ttlv(&self, version: ProtocolVersion) -> Result<Ttlv> {
        let (material, attributes) = match self {
            KeyValue::Wrapped(b) => return Ok(f::bytes_item(tags::KEY_VALUE, b.expose())),
            KeyValue::Plain {
                material,
                attributes,
            } => (material, attributes),
        };
        let mut v = vec![material.to_ttlv()];
        if version.is_v2() {
            if !attributes.items.is_empty() {
                v.push(attributes.write(version, crate::AttributeSet::Main)?);
            }
        } else {
            for a in &attributes.items {
                v.push(a.to_v1()?);
            }
        }
        Ok(Ttlv::structure(tags::KEY_VALUE, v))
    }
}

/// Room for the TTLV encoding of any Key Value keyhold returns (a
/// Transparent RSA-4096 private key is under 3 KiB).
const ENCODED_KEY_VALUE_CAPACITY: usize = 8192;

/// Key Block (KMIP 1.4 section 2.1.3, KMIP 2.1 section 3.1).
#[derive(Clone, Debug)]
pub struct KeyBlock {
    /// Key Format Type.
    pub key_format_type: KeyFormatType,
    /// Key Compression Type.
    pub key_compression_type: Option<KeyCompressionType>,
    /// Key Value.
    pub key_value: Option<KeyValue>,
    /// Cryptographic Algorithm.
    pub cryptographic_algorithm: Option<CryptographicAlgorithm>,
    /// Cryptographic Length.
    pub cryptographic_length: Option<i32>,
    /// Key Wrapping Data.
    pub key_wrapping_data: Option<KeyWrappingData>,
}

impl KeyBlock {
    fn parse(item: &Ttlv, version: ProtocolVersion) -> Result<KeyBlock> {
        let mut r = Reader::new(item)?;
        let key_format_type = r.req_map(tags::KEY_FORMAT_TYPE, f::enum_of)?;
        let key_compression_type = r.opt_map(tags::KEY_COMPRESSION_TYPE, f::enum_of)?;
        let key_value = match r.opt(tags::KEY_VALUE) {
            Some(v) => Some(KeyValue::parse(v, key_format_type, version)?),
            None => None,
        };
        let b = KeyBlock {
            key_format_type,
            key_compression_type,
            key_value,
            cryptographic_algorithm: r.opt_map(tags::CRYPTOGRAPHIC_ALGORITHM, f::enum_of)?,
            cryptographic_length: r.opt_map(tags::CRYPTOGRAPHIC_LENGTH, f::int)?,
            key_wrapping_data: r.opt_map(tags::KEY_WRAPPING_DATA, KeyWrappingData::parse)?,
        };
        r.finish()?;
        Ok(b)
    }

    fn to_ttlv(&self, version: ProtocolVersion) -> Result<Ttlv> {
        let mut v = vec![f::enum_item(tags::KEY_FORMAT_TYPE, self.key_format_type)];
        let kct = self.key_compression_type;
        f::push_opt(&mut v, kct, |k| f::enum_item(tags::KEY_COMPRESSION_TYPE, k));
        if let Some(kv) = &self.key_value {
            v.push(kv.to_ttlv(version)?);
        }
        let alg = self.cryptographic_algorithm;
        f::push_opt(&mut v, alg, |a| {
            f::enum_item(tags::CRYPTOGRAPHIC_ALGORITHM, a)
        });
        let len = self.cryptographic_length;
        f::push_opt(&mut v, len, |l| f::integer(tags::CRYPTOGRAPHIC_LENGTH, l));
        f::push_opt(
            &mut v,
            self.key_wrapping_data.as_ref(),
            KeyWrappingData::to_ttlv,
        );
        Ok(Ttlv::structure(tags::KEY_BLOCK, v))
    }
}

/// A managed object as Register sends it and Get returns it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ManagedObject {
    /// Symmetric Key (KMIP 1.4 section 2.2.2, KMIP 2.1 section 2.9).
    SymmetricKey(KeyBlock),
    /// Public Key (KMIP 1.4 section 2.2.3, KMIP 2.1 section 2.6).
    PublicKey(KeyBlock),
    /// Private Key (KMIP 1.4 section 2.2.4, KMIP 2.1 section 2.5).
    PrivateKey(KeyBlock),
    /// Secret Data (KMIP 1.4 section 2.2.7, KMIP 2.1 section 2.7).
    SecretData {
        /// Secret Data Type.
        secret_data_type: SecretDataType,
        /// Key Block.
        key_block: KeyBlock,
    },
    /// Opaque Object (KMIP 1.4 section 2.2.8, KMIP 2.1 section 2.3).
    OpaqueObject {
        /// Opaque Data Type.
        opaque_data_type: OpaqueDataType,
        /// Opaque Data Value.
        value: SecretBytes,
    },
    /// Certificate (KMIP 1.4 section 2.2.1, KMIP 2.1 section 2.2).
    Certificate {
        /// Certificate Type.
        certificate_type: CertificateType,
        /// Certificate Value (DER).
        value: Vec<u8>,
    },
}

const OBJECT_TAGS: [Tag; 6] = [
    tags::SYMMETRIC_KEY,
    tags::PUBLIC_KEY,
    tags::PRIVATE_KEY,
    tags::SECRET_DATA,
    tags::OPAQUE_OBJECT,
    tags::CERTIFICATE,
];

impl ManagedObject {
    /// The next field of `r` if it is a managed object.
    pub(crate) fn read(r: &mut Reader<'_>, version: ProtocolVersion) -> Result<Option<Self>> {
        for tag in OBJECT_TAGS {
            if let Some(item) = r.opt(tag) {
                return ManagedObject::parse(item, version).map(Some);
            }
        }
        Ok(None)
    }

    /// Parses the object structure.
    pub(crate) fn parse(item: &Ttlv, version: ProtocolVersion) -> Result<ManagedObject> {
        let mut r = Reader::new(item)?;
        let block = |r: &mut Reader<'_>| KeyBlock::parse(r.req(tags::KEY_BLOCK)?, version);
        let object = match item.tag {
            t if t == tags::SYMMETRIC_KEY => ManagedObject::SymmetricKey(block(&mut r)?),
            t if t == tags::PUBLIC_KEY => ManagedObject::PublicKey(block(&mut r)?),
            t if t == tags::PRIVATE_KEY => ManagedObject::PrivateKey(block(&mut r)?),
            t if t == tags::SECRET_DATA => ManagedObject::SecretData {
                secret_data_type: r.req_map(tags::SECRET_DATA_TYPE, f::enum_of)?,
                key_block: block(&mut r)?,
            },
            t if t == tags::OPAQUE_OBJECT => ManagedObject::OpaqueObject {
                opaque_data_type: r.req_map(tags::OPAQUE_DATA_TYPE, f::enum_of)?,
                value: r.req_map(tags::OPAQUE_DATA_VALUE, f::secret)?,
            },
            t if t == tags::CERTIFICATE => ManagedObject::Certificate {
                certificate_type: r.req_map(tags::CERTIFICATE_TYPE, f::enum_of)?,
                value: r.req_map(tags::CERTIFICATE_VALUE, f::bytes)?,
            },
            other => {
                return Err(KmipError::Unexpected {
                    field: other,
                    within: tags::REQUEST_PAYLOAD,
                });
            }
        };
        r.finish()?;
        Ok(object)
    }

    /// The object's Key Block, for the objects that have one (keys and
    /// Secret Data): the block a Get wraps.
    pub fn key_block_mut(&mut self) -> Option<&mut KeyBlock> {
        match self {
            ManagedObject::SymmetricKey(b)
            | ManagedObject::PublicKey(b)
            | ManagedObject::PrivateKey(b)
            | ManagedObject::SecretData { key_block: b, .. } => Some(b),
            ManagedObject::OpaqueObject { .. } | ManagedObject::Certificate { .. } => None,
        }
    }

    /// The Object Type of this object.
    pub fn object_type(&self) -> ObjectType {
        match self {
            ManagedObject::SymmetricKey(_) => ObjectType::SymmetricKey,
            ManagedObject::PublicKey(_) => ObjectType::PublicKey,
            ManagedObject::PrivateKey(_) => ObjectType::PrivateKey,
            ManagedObject::SecretData { .. } => ObjectType::SecretData,
            ManagedObject::OpaqueObject { .. } => ObjectType::OpaqueObject,
            ManagedObject::Certificate { .. } => ObjectType::Certificate,
        }
    }

    /// The object structure.
    pub(crate) fn to_ttlv(&self, version: ProtocolVersion) -> Result<Ttlv> {
        let (tag, items) = match self {
            ManagedObject::SymmetricKey(b) => (tags::SYMMETRIC_KEY, vec![b.to_ttlv(version)?]),
            ManagedObject::PublicKey(b) => (tags::PUBLIC_KEY, vec![b.to_ttlv(version)?]),
            ManagedObject::PrivateKey(b) => (tags::PRIVATE_KEY, vec![b.to_ttlv(version)?]),
            ManagedObject::SecretData {
                secret_data_type,
                key_block,
            } => (
                tags::SECRET_DATA,
                vec![
                    f::enum_item(tags::SECRET_DATA_TYPE, *secret_data_type),
                    key_block.to_ttlv(version)?,
                ],
            ),
            ManagedObject::OpaqueObject {
                opaque_data_type,
                value,
            } => (
                tags::OPAQUE_OBJECT,
                vec![
                    f::enum_item(tags::OPAQUE_DATA_TYPE, *opaque_data_type),
                    f::bytes_item(tags::OPAQUE_DATA_VALUE, value.expose()),
                ],
            ),
            ManagedObject::Certificate {
                certificate_type,
                value,
            } => (
                tags::CERTIFICATE,
                vec![
                    f::enum_item(tags::CERTIFICATE_TYPE, *certificate_type),
                    f::bytes_item(tags::CERTIFICATE_VALUE, value),
                ],
            ),
        };
        Ok(Ttlv::structure(tag, items))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_value_encodes_as_the_ttlv_structure_it_parses_from() {
        let value = KeyValue::Plain {
            material: KeyMaterial::Bytes(SecretBytes::new(vec![7; 32])),
            attributes: Attributes::default(),
        };
        let bytes = value.encode(ProtocolVersion::V2_0).unwrap();
        // Key Value (0x420045), Structure, 40 bytes: Key Material
        // (0x420043), Byte String, 32 bytes.
        assert_eq!(&bytes.expose()[..8], &[0x42, 0x00, 0x45, 0x01, 0, 0, 0, 40]);
        assert_eq!(
            &bytes.expose()[8..16],
            &[0x42, 0x00, 0x43, 0x08, 0, 0, 0, 32]
        );
        assert_eq!(&bytes.expose()[16..], &[7; 32]);
        let item = keyhold_ttlv::decode(bytes.expose(), &keyhold_ttlv::Limits::default()).unwrap();
        let back = KeyValue::parse(&item, KeyFormatType::Raw, ProtocolVersion::V2_0).unwrap();
        let KeyValue::Plain {
            material: KeyMaterial::Bytes(b),
            ..
        } = back
        else {
            panic!("not plain bytes");
        };
        assert_eq!(b.expose(), &[7; 32]);
    }

    #[test]
    fn keys_and_secret_data_have_a_key_block_to_wrap() {
        let block = KeyBlock {
            key_format_type: KeyFormatType::Raw,
            key_compression_type: None,
            key_value: None,
            cryptographic_algorithm: None,
            cryptographic_length: None,
            key_wrapping_data: None,
        };
        assert!(ManagedObject::SymmetricKey(block).key_block_mut().is_some());
        let mut opaque = ManagedObject::OpaqueObject {
            opaque_data_type: OpaqueDataType::Unknown(0x8000_0001),
            value: SecretBytes::new(vec![1]),
        };
        assert!(opaque.key_block_mut().is_none());
    }
}
