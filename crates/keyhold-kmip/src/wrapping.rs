//! Key wrapping: Key Wrapping Data on a Key Block and the Key Wrapping Specification of a
//! Get request (KMIP 1.4 sections 2.1.5 and 2.1.6, KMIP 2.1 sections 3.3 and 7.18).

use keyhold_ttlv::{Tag, Ttlv};

use crate::crypto_params::CryptographicParameters;
use crate::error::Result;
use crate::fields::{self as f, Reader};
use crate::identifier::UniqueIdentifier;
use crate::{EncodingOption, WrappingMethod, tags};

/// Encryption Key Information or MAC/Signature Key Information.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct WrappingKeyInformation {
    /// The wrapping key.
    pub unique_identifier: UniqueIdentifier,
    /// How to use it.
    pub cryptographic_parameters: Option<CryptographicParameters>,
}

impl WrappingKeyInformation {
    fn parse(item: &Ttlv) -> Result<WrappingKeyInformation> {
        let mut r = Reader::new(item)?;
        let info = WrappingKeyInformation {
            unique_identifier: r.req_map(tags::UNIQUE_IDENTIFIER, UniqueIdentifier::parse)?,
            cryptographic_parameters: r.opt_map(
                tags::CRYPTOGRAPHIC_PARAMETERS,
                CryptographicParameters::parse,
            )?,
        };
        r.finish()?;
        Ok(info)
    }

    fn to_ttlv(&self, tag: Tag) -> Ttlv {
        let mut v = vec![self.unique_identifier.to_ttlv(tags::UNIQUE_IDENTIFIER)];
        if let Some(p) = &self.cryptographic_parameters {
            v.push(p.to_ttlv(tags::CRYPTOGRAPHIC_PARAMETERS));
        }
        Ttlv::structure(tag, v)
    }
}

/// Key Wrapping Data: how the key value of a Key Block is wrapped.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct KeyWrappingData {
    /// Wrapping Method.
    pub wrapping_method: WrappingMethod,
    /// Encryption Key Information.
    pub encryption_key_information: Option<WrappingKeyInformation>,
    /// MAC/Signature Key Information.
    pub mac_signature_key_information: Option<WrappingKeyInformation>,
    /// MAC/Signature.
    pub mac_signature: Option<Vec<u8>>,
    /// IV/Counter/Nonce.
    pub iv_counter_nonce: Option<Vec<u8>>,
    /// Encoding Option.
    pub encoding_option: Option<EncodingOption>,
}

impl KeyWrappingData {
    pub(crate) fn parse(item: &Ttlv) -> Result<KeyWrappingData> {
        let mut r = Reader::new(item)?;
        let d = KeyWrappingData {
            wrapping_method: r.req_map(tags::WRAPPING_METHOD, f::enum_of)?,
            encryption_key_information: r.opt_map(
                tags::ENCRYPTION_KEY_INFORMATION,
                WrappingKeyInformation::parse,
            )?,
            mac_signature_key_information: r.opt_map(
                tags::MAC_SIGNATURE_KEY_INFORMATION,
                WrappingKeyInformation::parse,
            )?,
            mac_signature: r.opt_map(tags::MAC_SIGNATURE, f::bytes)?,
            iv_counter_nonce: r.opt_map(tags::IV_COUNTER_NONCE, f::bytes)?,
            encoding_option: r.opt_map(tags::ENCODING_OPTION, f::enum_of)?,
        };
        r.finish()?;
        Ok(d)
    }

    pub(crate) fn to_ttlv(&self) -> Ttlv {
        let mut v = vec![f::enum_item(tags::WRAPPING_METHOD, self.wrapping_method)];
        push_info(
            &mut v,
            &self.encryption_key_information,
            tags::ENCRYPTION_KEY_INFORMATION,
        );
        let mac = tags::MAC_SIGNATURE_KEY_INFORMATION;
        push_info(&mut v, &self.mac_signature_key_information, mac);
        let sig = self.mac_signature.as_deref();
        f::push_opt(&mut v, sig, |b| f::bytes_item(tags::MAC_SIGNATURE, b));
        let iv = self.iv_counter_nonce.as_deref();
        f::push_opt(&mut v, iv, |b| f::bytes_item(tags::IV_COUNTER_NONCE, b));
        let enc = self.encoding_option;
        f::push_opt(&mut v, enc, |e| f::enum_item(tags::ENCODING_OPTION, e));
        Ttlv::structure(tags::KEY_WRAPPING_DATA, v)
    }
}

fn push_info(v: &mut Vec<Ttlv>, info: &Option<WrappingKeyInformation>, tag: Tag) {
    if let Some(i) = info {
        v.push(i.to_ttlv(tag));
    }
}

/// Key Wrapping Specification: how the client wants the key returned by Get wrapped.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct KeyWrappingSpecification {
    /// Wrapping Method.
    pub wrapping_method: WrappingMethod,
    /// Encryption Key Information.
    pub encryption_key_information: Option<WrappingKeyInformation>,
    /// MAC/Signature Key Information.
    pub mac_signature_key_information: Option<WrappingKeyInformation>,
    /// Attributes to wrap with the key (Attribute Name; 2.x Attribute Reference is not
    /// defined here and the 2.1 text keeps Attribute Name).
    pub attribute_names: Vec<String>,
    /// Encoding Option.
    pub encoding_option: Option<EncodingOption>,
}

impl KeyWrappingSpecification {
    pub(crate) fn parse(item: &Ttlv) -> Result<KeyWrappingSpecification> {
        let mut r = Reader::new(item)?;
        let s = KeyWrappingSpecification {
            wrapping_method: r.req_map(tags::WRAPPING_METHOD, f::enum_of)?,
            encryption_key_information: r.opt_map(
                tags::ENCRYPTION_KEY_INFORMATION,
                WrappingKeyInformation::parse,
            )?,
            mac_signature_key_information: r.opt_map(
                tags::MAC_SIGNATURE_KEY_INFORMATION,
                WrappingKeyInformation::parse,
            )?,
            attribute_names: r.many_map(tags::ATTRIBUTE_NAME, f::text)?,
            encoding_option: r.opt_map(tags::ENCODING_OPTION, f::enum_of)?,
        };
        r.finish()?;
        Ok(s)
    }

    pub(crate) fn to_ttlv(&self) -> Ttlv {
        let mut v = vec![f::enum_item(tags::WRAPPING_METHOD, self.wrapping_method)];
        push_info(
            &mut v,
            &self.encryption_key_information,
            tags::ENCRYPTION_KEY_INFORMATION,
        );
        let mac = tags::MAC_SIGNATURE_KEY_INFORMATION;
        push_info(&mut v, &self.mac_signature_key_information, mac);
        for n in &self.attribute_names {
            v.push(f::text_item(tags::ATTRIBUTE_NAME, n));
        }
        let enc = self.encoding_option;
        f::push_opt(&mut v, enc, |e| f::enum_item(tags::ENCODING_OPTION, e));
        Ttlv::structure(tags::KEY_WRAPPING_SPECIFICATION, v)
    }
}
