//! Cryptographic Parameters (KMIP 1.4 section 3.6, KMIP 2.1 section 4.16): an attribute and
//! also a field of the cryptographic operations' requests.

use keyhold_ttlv::{Tag, Ttlv};

use crate::error::Result;
use crate::fields::{self as f, Reader};
use crate::{
    BlockCipherMode, CryptographicAlgorithm, DigitalSignatureAlgorithm, HashingAlgorithm,
    KeyRoleType, MaskGenerator, PaddingMethod, tags,
};

/// The parameters of a cryptographic operation; every field is optional.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct CryptographicParameters {
    /// Block Cipher Mode.
    pub block_cipher_mode: Option<BlockCipherMode>,
    /// Padding Method.
    pub padding_method: Option<PaddingMethod>,
    /// Hashing Algorithm.
    pub hashing_algorithm: Option<HashingAlgorithm>,
    /// Key Role Type.
    pub key_role_type: Option<KeyRoleType>,
    /// Digital Signature Algorithm (KMIP 1.2 and later).
    pub digital_signature_algorithm: Option<DigitalSignatureAlgorithm>,
    /// Cryptographic Algorithm (KMIP 1.2 and later).
    pub cryptographic_algorithm: Option<CryptographicAlgorithm>,
    /// Random IV: the server generates the IV.
    pub random_iv: Option<bool>,
    /// IV Length in bits.
    pub iv_length: Option<i32>,
    /// Tag Length in bytes (authenticated encryption).
    pub tag_length: Option<i32>,
    /// Fixed Field Length in bits.
    pub fixed_field_length: Option<i32>,
    /// Invocation Field Length in bits.
    pub invocation_field_length: Option<i32>,
    /// Counter Length in bits.
    pub counter_length: Option<i32>,
    /// Initial Counter Value.
    pub initial_counter_value: Option<i32>,
    /// Salt Length (PSS).
    pub salt_length: Option<i32>,
    /// Mask Generator (OAEP, PSS).
    pub mask_generator: Option<MaskGenerator>,
    /// Mask Generator Hashing Algorithm.
    pub mask_generator_hashing_algorithm: Option<HashingAlgorithm>,
    /// P Source (OAEP encoding parameters).
    pub p_source: Option<Vec<u8>>,
    /// Trailer Field (PSS).
    pub trailer_field: Option<i32>,
}

impl CryptographicParameters {
    /// These parameters, each field they leave out taken from `defaults`
    /// (a key's Cryptographic Parameters attribute under a request's, KMIP
    /// 1.4 sections 3.6 and 4.29).
    pub fn over(&self, defaults: &CryptographicParameters) -> CryptographicParameters {
        let d = defaults.clone();
        CryptographicParameters {
            block_cipher_mode: self.block_cipher_mode.or(d.block_cipher_mode),
            padding_method: self.padding_method.or(d.padding_method),
            hashing_algorithm: self.hashing_algorithm.or(d.hashing_algorithm),
            key_role_type: self.key_role_type.or(d.key_role_type),
            digital_signature_algorithm: self
                .digital_signature_algorithm
                .or(d.digital_signature_algorithm),
            cryptographic_algorithm: self.cryptographic_algorithm.or(d.cryptographic_algorithm),
            random_iv: self.random_iv.or(d.random_iv),
            iv_length: self.iv_length.or(d.iv_length),
            tag_length: self.tag_length.or(d.tag_length),
            fixed_field_length: self.fixed_field_length.or(d.fixed_field_length),
            invocation_field_length: self.invocation_field_length.or(d.invocation_field_length),
            counter_length: self.counter_length.or(d.counter_length),
            initial_counter_value: self.initial_counter_value.or(d.initial_counter_value),
            salt_length: self.salt_length.or(d.salt_length),
            mask_generator: self.mask_generator.or(d.mask_generator),
            mask_generator_hashing_algorithm: self
                .mask_generator_hashing_algorithm
                .or(d.mask_generator_hashing_algorithm),
            p_source: self.p_source.clone().or(d.p_source),
            trailer_field: self.trailer_field.or(d.trailer_field),
        }
    }

    /// Parses the structure (whatever its tag: Cryptographic Parameters or Attribute Value).
    pub(crate) fn parse(item: &Ttlv) -> Result<CryptographicParameters> {
        let mut r = Reader::new(item)?;
        let p = CryptographicParameters {
            block_cipher_mode: r.opt_map(tags::BLOCK_CIPHER_MODE, f::enum_of)?,
            padding_method: r.opt_map(tags::PADDING_METHOD, f::enum_of)?,
            hashing_algorithm: r.opt_map(tags::HASHING_ALGORITHM, f::enum_of)?,
            key_role_type: r.opt_map(tags::KEY_ROLE_TYPE, f::enum_of)?,
            digital_signature_algorithm: r
                .opt_map(tags::DIGITAL_SIGNATURE_ALGORITHM, f::enum_of)?,
            cryptographic_algorithm: r.opt_map(tags::CRYPTOGRAPHIC_ALGORITHM, f::enum_of)?,
            random_iv: r.opt_map(tags::RANDOM_IV, f::boolean)?,
            iv_length: r.opt_map(tags::IV_LENGTH, f::int)?,
            tag_length: r.opt_map(tags::TAG_LENGTH, f::int)?,
            fixed_field_length: r.opt_map(tags::FIXED_FIELD_LENGTH, f::int)?,
            invocation_field_length: r.opt_map(tags::INVOCATION_FIELD_LENGTH, f::int)?,
            counter_length: r.opt_map(tags::COUNTER_LENGTH, f::int)?,
            initial_counter_value: r.opt_map(tags::INITIAL_COUNTER_VALUE, f::int)?,
            salt_length: r.opt_map(tags::SALT_LENGTH, f::int)?,
            mask_generator: r.opt_map(tags::MASK_GENERATOR, f::enum_of)?,
            mask_generator_hashing_algorithm: r
                .opt_map(tags::MASK_GENERATOR_HASHING_ALGORITHM, f::enum_of)?,
            p_source: r.opt_map(tags::P_SOURCE, f::bytes)?,
            trailer_field: r.opt_map(tags::TRAILER_FIELD, f::int)?,
        };
        r.finish()?;
        Ok(p)
    }

    /// The structure under `tag`.
    pub(crate) fn to_ttlv(&self, tag: Tag) -> Ttlv {
        let mut v = Vec::new();
        let e = |t| move |x: u32| f::enum_item(t, x);
        let i = |t| move |x: i32| f::integer(t, x);
        f::push_opt(
            &mut v,
            self.block_cipher_mode.map(u32::from),
            e(tags::BLOCK_CIPHER_MODE),
        );
        f::push_opt(
            &mut v,
            self.padding_method.map(u32::from),
            e(tags::PADDING_METHOD),
        );
        f::push_opt(
            &mut v,
            self.hashing_algorithm.map(u32::from),
            e(tags::HASHING_ALGORITHM),
        );
        f::push_opt(
            &mut v,
            self.key_role_type.map(u32::from),
            e(tags::KEY_ROLE_TYPE),
        );
        let dsa = self.digital_signature_algorithm.map(u32::from);
        f::push_opt(&mut v, dsa, e(tags::DIGITAL_SIGNATURE_ALGORITHM));
        let alg = self.cryptographic_algorithm.map(u32::from);
        f::push_opt(&mut v, alg, e(tags::CRYPTOGRAPHIC_ALGORITHM));
        f::push_opt(&mut v, self.random_iv, |b| f::bool_item(tags::RANDOM_IV, b));
        f::push_opt(&mut v, self.iv_length, i(tags::IV_LENGTH));
        f::push_opt(&mut v, self.tag_length, i(tags::TAG_LENGTH));
        f::push_opt(&mut v, self.fixed_field_length, i(tags::FIXED_FIELD_LENGTH));
        f::push_opt(
            &mut v,
            self.invocation_field_length,
            i(tags::INVOCATION_FIELD_LENGTH),
        );
        f::push_opt(&mut v, self.counter_length, i(tags::COUNTER_LENGTH));
        f::push_opt(
            &mut v,
            self.initial_counter_value,
            i(tags::INITIAL_COUNTER_VALUE),
        );
        f::push_opt(&mut v, self.salt_length, i(tags::SALT_LENGTH));
        f::push_opt(
            &mut v,
            self.mask_generator.map(u32::from),
            e(tags::MASK_GENERATOR),
        );
        let mgh = self.mask_generator_hashing_algorithm.map(u32::from);
        f::push_opt(&mut v, mgh, e(tags::MASK_GENERATOR_HASHING_ALGORITHM));
        f::push_opt(&mut v, self.p_source.as_deref(), |b| {
            f::bytes_item(tags::P_SOURCE, b)
        });
        f::push_opt(&mut v, self.trailer_field, i(tags::TRAILER_FIELD));
        Ttlv::structure(tag, v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_sent_win_and_fields_left_out_come_from_the_defaults() {
        let key = CryptographicParameters {
            block_cipher_mode: Some(BlockCipherMode::CBC),
            padding_method: Some(PaddingMethod::PKCS5),
            random_iv: Some(true),
            ..CryptographicParameters::default()
        };
        let request = CryptographicParameters {
            padding_method: Some(PaddingMethod::None),
            p_source: Some(vec![1]),
            ..CryptographicParameters::default()
        };
        let merged = request.over(&key);
        assert_eq!(merged.block_cipher_mode, Some(BlockCipherMode::CBC));
        assert_eq!(merged.padding_method, Some(PaddingMethod::None));
        assert_eq!(merged.random_iv, Some(true));
        assert_eq!(merged.p_source, Some(vec![1]));
        assert_eq!(CryptographicParameters::default().over(&key), key);
        assert_eq!(key.over(&CryptographicParameters::default()), key);
    }
}
