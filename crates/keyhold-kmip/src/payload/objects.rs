//! Payloads that create, register, re-key and fetch objects: Create, Create Key Pair,
//! Register, Re-key, Re-key Key Pair, Get (KMIP 1.4 sections 4.1–4.5, 4.11; KMIP 2.1
//! sections 6.1.8, 6.1.9, 6.1.19, 6.1.43, 6.1.46, 6.1.47).

use keyhold_ttlv::Ttlv;

use super::macros::payload;
use crate::AttributeSet::{Common, Main, PrivateKey, PublicKey};
use crate::identifier::UniqueIdentifier;
use crate::wrapping::KeyWrappingSpecification;
use crate::{KeyCompressionType, KeyFormatType, ObjectType, tags};

payload! {
    /// Create request: Object Type and the attributes of the new object.
    CreateRequest {
        /// Object Type.
        object_type: req ObjectType = tags::OBJECT_TYPE,
        /// Template-Attribute (1.x) / Attributes (2.x).
        attributes: attrs = Main,
        /// Protection Storage Masks (2.x).
        protection_storage_masks: opt2 Ttlv = tags::PROTECTION_STORAGE_MASKS,
    }
}

payload! {
    /// Create response.
    CreateResponse {
        /// Object Type.
        object_type: req ObjectType = tags::OBJECT_TYPE,
        /// Unique Identifier of the new object.
        unique_identifier: req UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
        /// Attributes the server set implicitly (1.x Template-Attribute).
        attributes: attrs_opt = Main,
    }
}

payload! {
    /// Create Key Pair request.
    CreateKeyPairRequest {
        /// Common Template-Attribute / Common Attributes.
        common_attributes: attrs_opt = Common,
        /// Private Key Template-Attribute / Private Key Attributes.
        private_key_attributes: attrs_opt = PrivateKey,
        /// Public Key Template-Attribute / Public Key Attributes.
        public_key_attributes: attrs_opt = PublicKey,
        /// Common Protection Storage Masks (2.x).
        common_protection_storage_masks: opt2 Ttlv = tags::COMMON_PROTECTION_STORAGE_MASKS,
        /// Private Protection Storage Masks (2.x).
        private_protection_storage_masks: opt2 Ttlv = tags::PRIVATE_PROTECTION_STORAGE_MASKS,
        /// Public Protection Storage Masks (2.x).
        public_protection_storage_masks: opt2 Ttlv = tags::PUBLIC_PROTECTION_STORAGE_MASKS,
    }
}

payload! {
    /// Create Key Pair / Re-key Key Pair response.
    KeyPairResponse {
        /// Private Key Unique Identifier.
        private_key_unique_identifier: req UniqueIdentifier = tags::PRIVATE_KEY_UNIQUE_IDENTIFIER,
        /// Public Key Unique Identifier.
        public_key_unique_identifier: req UniqueIdentifier = tags::PUBLIC_KEY_UNIQUE_IDENTIFIER,
        /// Private Key Template-Attribute (1.x).
        private_key_attributes: attrs_opt = PrivateKey,
        /// Public Key Template-Attribute (1.x).
        public_key_attributes: attrs_opt = PublicKey,
    }
}

payload! {
    /// Register request: the object and its attributes.
    RegisterRequest {
        /// Object Type.
        object_type: req ObjectType = tags::OBJECT_TYPE,
        /// Template-Attribute (1.x) / Attributes (2.x).
        attributes: attrs = Main,
        /// The object.
        object: object = (),
        /// Protection Storage Masks (2.x).
        protection_storage_masks: opt2 Ttlv = tags::PROTECTION_STORAGE_MASKS,
    }
}

payload! {
    /// Register / Re-key response: the identifier and implicitly set attributes.
    IdentifierWithAttributesResponse {
        /// Unique Identifier.
        unique_identifier: req UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
        /// Attributes the server set implicitly (1.x Template-Attribute).
        attributes: attrs_opt = Main,
    }
}

payload! {
    /// Re-key request.
    ReKeyRequest {
        /// The key to replace; the ID placeholder when absent.
        unique_identifier: opt UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
        /// Offset (seconds) for the new key's dates.
        offset: opt u32 = tags::OFFSET,
        /// Attributes of the new key.
        attributes: attrs_opt = Main,
        /// Protection Storage Masks (2.x).
        protection_storage_masks: opt2 Ttlv = tags::PROTECTION_STORAGE_MASKS,
    }
}

payload! {
    /// Re-key Key Pair request.
    ReKeyKeyPairRequest {
        /// The private key to replace.
        private_key_unique_identifier: opt UniqueIdentifier = tags::PRIVATE_KEY_UNIQUE_IDENTIFIER,
        /// Offset (seconds).
        offset: opt u32 = tags::OFFSET,
        /// Common attributes.
        common_attributes: attrs_opt = Common,
        /// Private key attributes.
        private_key_attributes: attrs_opt = PrivateKey,
        /// Public key attributes.
        public_key_attributes: attrs_opt = PublicKey,
        /// Common Protection Storage Masks (2.x).
        common_protection_storage_masks: opt2 Ttlv = tags::COMMON_PROTECTION_STORAGE_MASKS,
        /// Private Protection Storage Masks (2.x).
        private_protection_storage_masks: opt2 Ttlv = tags::PRIVATE_PROTECTION_STORAGE_MASKS,
        /// Public Protection Storage Masks (2.x).
        public_protection_storage_masks: opt2 Ttlv = tags::PUBLIC_PROTECTION_STORAGE_MASKS,
    }
}

payload! {
    /// Get request: which object, in which format, wrapped how.
    GetRequest {
        /// The object; the ID placeholder when absent.
        unique_identifier: opt UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
        /// Key Format Type wanted.
        key_format_type: opt KeyFormatType = tags::KEY_FORMAT_TYPE,
        /// Key Wrap Type (1.4 and 2.x).
        key_wrap_type: opt u32 = tags::KEY_WRAP_TYPE,
        /// Key Compression Type wanted.
        key_compression_type: opt KeyCompressionType = tags::KEY_COMPRESSION_TYPE,
        /// Key Wrapping Specification.
        key_wrapping_specification: opt KeyWrappingSpecification = tags::KEY_WRAPPING_SPECIFICATION,
    }
}

payload! {
    /// Get response: the object.
    GetResponse {
        /// Object Type.
        object_type: req ObjectType = tags::OBJECT_TYPE,
        /// Unique Identifier.
        unique_identifier: req UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
        /// The object.
        object: object = (),
    }
}
