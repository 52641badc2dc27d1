//! KMIP managed objects as keyhold key versions: the Create request's
//! attributes checked against what keyhold can generate, and Unique
//! Identifiers (KMIP 1.4 section 3.1, KMIP 2.1 section 4.58) read as
//! version ids, the ID placeholder included (KMIP 1.4 section 6.x "ID
//! Placeholder", KMIP 2.1 section 11.58).

use std::collections::BTreeMap;

use keyhold_api::keys::MAX_DESCRIPTION_BYTES;
use keyhold_api::lifecycle as api;
use keyhold_core::kmip_meta::{MAX_OBJECT_GROUP_BYTES, MAX_OBJECT_GROUPS};
use keyhold_core::{
    Algorithm, KeyName, KmipMeta, NameSource, ObjectGroup, RevocationReason, SymmetricFormat,
    Timestamp, UsageMask, VersionId,
};
use keyhold_kmip::payload::{CreateRequest, RevokeRequest};
use keyhold_kmip::{
    AttributeRef, AttributeValue, Attributes, CryptographicAlgorithm, DateAttribute, ObjectType,
    ResultReason, RevocationReasonCode, UniqueIdentifier, UniqueIdentifierEnum, tags,
};
use keyhold_ttlv::{Tag, Value};

use super::errors::ItemFailure;
use super::{app_attrs, custom_attrs, stored_params, usage_limits};
use crate::ops::{KmipKeySpec, UsageDates, is_custom_name};

/// The key length of AES-256 and ChaCha20 keys, in bits.
pub(crate) const AES_BITS: i32 = 256;

/// The Cryptographic Length of a three-key Triple-DES key: 168 bits, the
/// key bits of its three DES keys (each byte's parity bit is no key bit,
/// NIST SP 800-67 Rev. 2 section 3.1), as the KMIP profiles' test cases
/// SKFF-M-4 and SKFF-M-8 give it.
pub(crate) const TDES_BITS: i32 = 168;

/// The KMIP algorithm and length (in bits) of a keyhold symmetric algorithm
/// (KMIP 1.4 section 3.4, 3.5).
pub(crate) fn kmip_algorithm(algorithm: Algorithm) -> Option<(CryptographicAlgorithm, i32)> {
    use CryptographicAlgorithm as K;
    Some(match algorithm {
        Algorithm::Tdes168Raw => (K::DES3, TDES_BITS),
        Algorithm::Aes128Gcm | Algorithm::Aes128Raw => (K::AES, 128),
        Algorithm::Aes192Gcm | Algorithm::Aes192Raw => (K::AES, 192),
        Algorithm::Aes256Gcm | Algorithm::Aes256Raw | Algorithm::Aes256KeyWrap => {
            (K::AES, AES_BITS)
        }
        Algorithm::ChaCha20Poly1305 | Algorithm::ChaCha20Raw => (K::ChaCha20Poly1305, AES_BITS),
        Algorithm::HmacSha256 => (K::HMACSHA256, 256),
        Algorithm::HmacSha384 => (K::HMACSHA384, 384),
        Algorithm::HmacSha512 => (K::HMACSHA512, 512),
        _ => return None,
    })
}

/// The Cryptographic Length (KMIP 1.4 section 3.5, KMIP 2.1 section 4.15)
/// of `bytes` of key material of KMIP algorithm `algorithm`: 7 bits a byte
/// for DES and Triple-DES, whose low bits are parity bits, 8 for the rest.
pub(crate) fn material_bits(algorithm: Option<CryptographicAlgorithm>, bytes: usize) -> i32 {
    use CryptographicAlgorithm as K;
    let per_byte = match algorithm {
        Some(K::DES | K::DES3) => 7,
        _ => 8,
    };
    i32::try_from(bytes.saturating_mul(per_byte)).unwrap_or(i32::MAX)
}

/// The keyhold algorithm of a KMIP AES key of `bits` (256 when absent):
/// a raw-cipher key, for the client-driven modes of KMIP 1.4 section 3.6
/// (RFC 5649 key wrap when the usage is wrapping only, for 256 bits).
fn aes_algorithm(bits: Option<i32>, wrap_only: bool) -> Result<Algorithm, ItemFailure> {
    match bits.unwrap_or(AES_BITS) {
        128 => Ok(Algorithm::Aes128Raw),
        192 => Ok(Algorithm::Aes192Raw),
        256 if wrap_only => Ok(Algorithm::Aes256KeyWrap),
        256 => Ok(Algorithm::Aes256Raw),
        _ => Err(ItemFailure::new(
            ResultReason::InvalidField,
            "Cryptographic Length must be 128, 192 or 256 for AES",
        )),
    }
}

/// The keyhold algorithm of a symmetric Create or Register: AES-128, -192
/// or -256 (raw-cipher keys, or RFC 5649 key wrap when the usage is
/// wrapping only), ChaCha20 (for ChaCha20-Poly1305 with client nonces),
/// HMAC-SHA-256/384/512, three-key Triple-DES (DES3, 168 bits: kept, never
/// used). A length, when given, must be one keyhold has.
pub(crate) fn symmetric_algorithm(
    algorithm: Option<CryptographicAlgorithm>,
    length: Option<i32>,
    usage: Option<UsageMask>,
) -> Result<Algorithm, ItemFailure> {
    use CryptographicAlgorithm as K;
    let invalid = |m: &str| ItemFailure::new(ResultReason::InvalidField, m);
    let wrap_only = usage.is_some_and(|u| {
        !u.is_empty() && UsageMask::WRAP_KEY.union(UsageMask::UNWRAP_KEY).contains(u)
    });
    let chosen = match algorithm {
        Some(K::AES) => return aes_algorithm(length, wrap_only),
        Some(K::ChaCha20 | K::ChaCha20Poly1305) => Algorithm::ChaCha20Raw,
        Some(K::HMACSHA256) => Algorithm::HmacSha256,
        Some(K::HMACSHA384) => Algorithm::HmacSha384,
        Some(K::HMACSHA512) => Algorithm::HmacSha512,
        Some(K::DES3) => Algorithm::Tdes168Raw,
        Some(_) => {
            return Err(invalid(
                "keyhold creates AES, ChaCha20, HMAC-SHA-2 and three-key DES3 keys",
            ));
        }
        None => return Err(invalid("Cryptographic Algorithm is required")),
    };
    let bits = kmip_algorithm(chosen).map_or(0, |(_, bits)| bits);
    if length.is_some_and(|l| l != bits) {
        return Err(invalid(&format!(
            "Cryptographic Length must be {bits} for this algorithm"
        )));
    }
    Ok(chosen)
}

/// The usage mask a request sets, checked against keyhold's bits.
pub(crate) fn usage_of(attrs: &Attributes) -> Result<Option<UsageMask>, ItemFailure> {
    let Some(bits) = attrs.cryptographic_usage_mask() else {
        return Ok(None);
    };
    let known = u32::try_from(bits)
        .ok()
        .and_then(|b| UsageMask::from_bits(b).ok());
    known.map(Some).ok_or_else(|| {
        ItemFailure::new(
            ResultReason::InvalidField,
            "Cryptographic Usage Mask names a use keyhold does not support",
        )
    })
}

/// The requested usage cut down to what `algorithm` can do: KMIP clients
/// often send a fixed mask (PyKMIP always adds Encrypt and Decrypt, even to
/// an HMAC key), so the uses the algorithm cannot have are dropped. A mask
/// with none of the algorithm's uses is Invalid Field.
pub(crate) fn fit_usage(
    algorithm: Algorithm,
    usage: Option<UsageMask>,
) -> Result<Option<UsageMask>, ItemFailure> {
    let Some(usage) = usage else { return Ok(None) };
    let possible = algorithm.possible_usage();
    let fitted = UsageMask::from_bits(usage.bits() & possible.bits()).unwrap_or(UsageMask::EMPTY);
    if fitted.is_empty() {
        return Err(ItemFailure::new(
            ResultReason::InvalidField,
            format!("Cryptographic Usage Mask names no use a {algorithm} key has"),
        ));
    }
    Ok(Some(fitted))
}

/// The key name the attributes give (KMIP 1.4 section 3.2, KMIP 2.1
/// section 4.32), and who chose it: the first Name, or, since Name is
/// optional in KMIP and a keyhold key needs one, `kmip-<uuid>` chosen by
/// the server (such an object reports no Name).
pub(crate) fn name_of(attrs: &Attributes) -> Result<(KeyName, NameSource), ItemFailure> {
    let (text, source) = match attrs.names().first() {
        Some(name) => (name.value.clone(), NameSource::Client),
        None => (format!("kmip-{}", uuid::Uuid::new_v4()), NameSource::Server),
    };
    let name = text.parse().map_err(|_| {
        ItemFailure::new(
            ResultReason::InvalidField,
            "Name is not a valid keyhold key name",
        )
    })?;
    Ok((name, source))
}

/// The Description the attributes give (KMIP 1.4 section 3.46), empty
/// when none: 1 to 4096 bytes (the bound of a key's description).
pub(crate) fn description_of(attrs: &Attributes) -> Result<String, ItemFailure> {
    match attrs.description() {
        None => Ok(String::new()),
        Some(d) if !d.is_empty() && d.len() <= MAX_DESCRIPTION_BYTES => Ok(d.to_owned()),
        Some(_) => Err(ItemFailure::new(
            ResultReason::InvalidField,
            format!("a Description is 1 to {MAX_DESCRIPTION_BYTES} bytes"),
        )),
    }
}

/// The usage dates the attributes give: Process Start Date and Protect
/// Stop Date (KMIP 1.4 sections 3.25 and 3.26), kept with the object's
/// version and enforced at each use.
pub(crate) fn usage_dates(attrs: &Attributes) -> UsageDates {
    let at = |which| attrs.date(which).map(Timestamp::from_unix_seconds);
    UsageDates {
        process_start: at(DateAttribute::ProcessStart),
        protect_stop: at(DateAttribute::ProtectStop),
    }
}

/// The Object Groups the attributes name (KMIP 1.4 section 3.33, KMIP
/// 2.1 section 4.35), kept with the key for Locate and Get Attributes.
pub(crate) fn object_groups(attrs: &Attributes) -> Result<Vec<ObjectGroup>, ItemFailure> {
    let groups = attrs.object_groups();
    if groups.len() > MAX_OBJECT_GROUPS {
        let m = format!("an object belongs to at most {MAX_OBJECT_GROUPS} Object Groups");
        return Err(ItemFailure::new(ResultReason::InvalidField, m));
    }
    groups
        .into_iter()
        .map(|g| {
            ObjectGroup::try_from(g.to_owned()).map_err(|_| {
                let m = format!("an Object Group is 1 to {MAX_OBJECT_GROUP_BYTES} bytes");
                ItemFailure::new(ResultReason::InvalidField, m)
            })
        })
        .collect()
}

/// The custom attributes (KMIP 1.4 section 3.1: `x-…`, `y-…`; 2.x Vendor
/// Attributes of vendor `x` or `y`) of text the attributes set, to keep
/// as the key's tags of the same name, as Add Attribute does. Custom
/// attributes of other types, and other vendors', are not kept.
pub(crate) fn custom_attributes(attrs: &Attributes) -> BTreeMap<String, String> {
    attrs
        .items
        .iter()
        .filter_map(|a| match &a.value {
            AttributeValue::Vendor {
                vendor,
                name,
                value: Value::TextString(text),
            } => Some((format!("{vendor}-{name}"), text.clone())),
            _ => None,
        })
        .filter(|(name, _)| is_custom_name(name))
        .collect()
}

/// Whether the attributes let the material leave the server: the
/// Extractable attribute (KMIP 1.4 section 3.48, KMIP 2.1 section 4.21),
/// true when absent as both versions define.
pub(crate) fn extractable(attrs: &Attributes) -> Result<bool, ItemFailure> {
    Ok(boolean(attrs, tags::EXTRACTABLE, "Extractable")?.unwrap_or(true))
}

/// The Boolean attribute `tag` (called `name`) the attributes set, if
/// any; a value of another type is Invalid Field.
fn boolean(attrs: &Attributes, tag: Tag, name: &str) -> Result<Option<bool>, ItemFailure> {
    match attrs.get(&AttributeRef::Standard(tag)) {
        None => Ok(None),
        Some(AttributeValue::Other {
            value: Value::Boolean(b),
            ..
        }) => Ok(Some(*b)),
        Some(_) => Err(ItemFailure::new(
            ResultReason::InvalidField,
            format!("{name} must be a Boolean"),
        )),
    }
}

/// Whether the attributes ask for a Sensitive object (KMIP 1.4 section
/// 3.48, KMIP 2.1 section 4.55: "If True then the server SHALL prevent
/// the object value being retrieved (via the Get operation) unless it is
/// wrapped by another key"); false when absent, as both versions define.
pub(crate) fn sensitive(attrs: &Attributes) -> Result<bool, ItemFailure> {
    Ok(boolean(attrs, tags::SENSITIVE, "Sensitive")?.unwrap_or(false))
}

/// Refuses attributes asking for a Sensitive key pair: keyhold keeps one
/// Sensitive per key, the object the client made, and a Create Key Pair
/// makes two (Extractable false keeps both halves' material in the
/// server instead).
pub(crate) fn refuse_sensitive(attrs: &Attributes) -> Result<(), ItemFailure> {
    match sensitive(attrs)? {
        true => Err(ItemFailure::new(
            ResultReason::InvalidField,
            "a key pair cannot be made Sensitive (register its Private Key Sensitive, or make it not Extractable)",
        )),
        false => Ok(()),
    }
}

/// Refuses a key that the attributes require to be Quantum Safe (KMIP 2.1
/// section 4.45) when its algorithm is not
/// ([`Algorithm::is_quantum_safe`]): *General Failure* "NOT_SAFE", as
/// the profiles' QS-M-2 expects. A Protection Level or Protection Period
/// sent with it does not change the answer: keyhold's rule already asks
/// for the most (128 bits against a quantum attacker, for any period).
pub(crate) fn check_quantum_safe(
    attrs: &Attributes,
    algorithm: Algorithm,
) -> Result<(), ItemFailure> {
    let required = boolean(attrs, tags::QUANTUM_SAFE, "Quantum Safe")?.unwrap_or(false);
    if required && !algorithm.is_quantum_safe() {
        let m = format!(
            "NOT_SAFE: {algorithm} keys are not quantum safe (keyhold's are 256-bit symmetric keys, ML-KEM and ML-DSA)"
        );
        return Err(ItemFailure::new(ResultReason::GeneralFailure, m));
    }
    Ok(())
}

/// What a Create makes. Only symmetric keys are created (key pairs have
/// Create Key Pair); anything keyhold cannot generate is Invalid Field.
pub(crate) fn create_spec(req: &CreateRequest) -> Result<KmipKeySpec, ItemFailure> {
    if req.object_type != ObjectType::SymmetricKey {
        return Err(ItemFailure::new(
            ResultReason::InvalidField,
            "only Symmetric Key objects can be created",
        ));
    }
    let attrs = &req.attributes;
    let usage = usage_of(attrs)?;
    let algorithm = symmetric_algorithm(
        attrs.cryptographic_algorithm(),
        attrs.cryptographic_length(),
        usage,
    )?;
    key_spec(attrs, algorithm, usage, SymmetricFormat::Raw)
}

/// The key of `algorithm` a Create or Register makes with `attrs`: its
/// name, Description, usage (`usage` fitted to the algorithm), Extractable,
/// Cryptographic Parameters, Object Groups, custom attributes, usage
/// dates and Sensitive from the attributes, refused when they require a
/// Quantum Safe key it is not. `format` is the Key Format Type a
/// symmetric key is given back in.
pub(crate) fn key_spec(
    attrs: &Attributes,
    algorithm: Algorithm,
    usage: Option<UsageMask>,
    format: SymmetricFormat,
) -> Result<KmipKeySpec, ItemFailure> {
    check_quantum_safe(attrs, algorithm)?;
    let (name, name_source) = name_of(attrs)?;
    Ok(KmipKeySpec {
        name,
        description: description_of(attrs)?,
        algorithm,
        usage: fit_usage(algorithm, usage)?,
        exportable: extractable(attrs)?,
        crypto_params: stored_params::of(attrs)?,
        kmip: KmipMeta {
            data: None,
            object_groups: object_groups(attrs)?,
            name_source,
            symmetric_format: format,
            usage_limits: usage_limits::of(attrs)?,
            links: Vec::new(),
            sensitive: sensitive(attrs)?,
            destroy_requested_at: None,
            app_info: app_attrs::app_info_of(attrs)?,
            alt_names: app_attrs::alt_names_of(attrs)?,
            custom: custom_attrs::typed_of(attrs)?,
        },
        custom: custom_attributes(attrs),
        dates: usage_dates(attrs),
        split_pair: false,
        public_name: None,
    })
}

/// A KMIP Revoke as keyhold's revoke request (same reason codes).
pub(crate) fn revocation(req: &RevokeRequest) -> Result<api::RevokeRequest, ItemFailure> {
    use RevocationReasonCode as K;
    let reason = match req.revocation_reason.code {
        K::Unspecified => RevocationReason::Unspecified,
        K::KeyCompromise => RevocationReason::KeyCompromise,
        K::CACompromise => RevocationReason::CaCompromise,
        K::AffiliationChanged => RevocationReason::AffiliationChanged,
        K::Superseded => RevocationReason::Superseded,
        K::CessationOfOperation => RevocationReason::CessationOfOperation,
        K::PrivilegeWithdrawn => RevocationReason::PrivilegeWithdrawn,
        _ => {
            let m = "unknown Revocation Reason Code";
            return Err(ItemFailure::new(ResultReason::InvalidField, m));
        }
    };
    Ok(api::RevokeRequest {
        reason,
        compromise_date: req
            .compromise_occurrence_date
            .map(|d| Timestamp::from_unix_seconds(d.0)),
        message: req.revocation_reason.message.clone(),
        version: None,
    })
}

/// The version a request names: its Unique Identifier, or the ID
/// placeholder when it has none (or names the placeholder).
pub(crate) fn version_id(
    uid: Option<&UniqueIdentifier>,
    placeholder: Option<VersionId>,
) -> Result<VersionId, ItemFailure> {
    let text = match uid {
        Some(UniqueIdentifier::Text(text)) => text,
        None | Some(UniqueIdentifier::Enumerated(UniqueIdentifierEnum::IDPlaceholder)) => {
            return placeholder.ok_or_else(|| {
                ItemFailure::new(ResultReason::InvalidField, "no Unique Identifier given")
            });
        }
        Some(_) => {
            let m = "only text Unique Identifiers and the ID placeholder are supported";
            return Err(ItemFailure::new(ResultReason::InvalidField, m));
        }
    };
    let version = text.strip_suffix(PUBLIC_SUFFIX).unwrap_or(text);
    version.parse().map_err(|_| ItemFailure::not_found())
}

/// What ends the Unique Identifier of a key pair's Public Key object: the
/// Private Key object is the version id itself (both halves live in one
/// key version, DESIGN.md section 3).
pub(crate) const PUBLIC_SUFFIX: &str = "/public";

/// The Unique Identifier of version `id` (a symmetric key, or a key
/// pair's Private Key object).
pub(crate) fn version_uid(id: VersionId) -> UniqueIdentifier {
    UniqueIdentifier::Text(id.to_string())
}

/// The Unique Identifier an answer names: the text one the request gave
/// (a Public Key object stays one), else version `id`'s.
pub(crate) fn echo(uid: Option<&UniqueIdentifier>, id: VersionId) -> UniqueIdentifier {
    match uid {
        Some(text @ UniqueIdentifier::Text(_)) => text.clone(),
        _ => version_uid(id),
    }
}

/// Whether `uid` names the Public Key half of a key pair.
pub(crate) fn is_public(uid: Option<&UniqueIdentifier>) -> bool {
    matches!(uid, Some(UniqueIdentifier::Text(t)) if t.ends_with(PUBLIC_SUFFIX))
}

/// The Unique Identifier of version `id`'s Public Key object.
pub(crate) fn public_uid(id: VersionId) -> UniqueIdentifier {
    UniqueIdentifier::Text(format!("{id}{PUBLIC_SUFFIX}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_resolve_to_versions_or_the_placeholder() {
        let id: VersionId = "6f1c2a3e-1b2c-4d5e-8f90-123456789abc".parse().unwrap();
        let text = UniqueIdentifier::Text(id.to_string());
        assert_eq!(version_id(Some(&text), None).unwrap(), id);
        assert_eq!(version_id(None, Some(id)).unwrap(), id);
        let public = public_uid(id);
        assert_eq!(version_id(Some(&public), None).unwrap(), id);
        assert!(is_public(Some(&public)) && !is_public(Some(&text)));
        let bad = UniqueIdentifier::Text("not-an-id".into());
        assert_eq!(
            version_id(Some(&bad), Some(id)).unwrap_err().reason,
            ResultReason::ItemNotFound
        );
        assert_eq!(
            version_id(None, None).unwrap_err().reason,
            ResultReason::InvalidField
        );
        assert_eq!(
            version_id(Some(&UniqueIdentifier::Index(0)), Some(id))
                .unwrap_err()
                .reason,
            ResultReason::InvalidField
        );
    }

    #[test]
    fn des3_is_three_key_triple_des_of_168_bits_only() {
        use CryptographicAlgorithm as K;
        let des3 = |length| symmetric_algorithm(Some(K::DES3), length, None);
        assert_eq!(des3(None).unwrap(), Algorithm::Tdes168Raw);
        assert_eq!(des3(Some(168)).unwrap(), Algorithm::Tdes168Raw);
        for bad in [56, 112, 128, 192] {
            let e = des3(Some(bad)).unwrap_err();
            assert_eq!(e.reason, ResultReason::InvalidField, "{bad}");
            assert!(e.message.contains("168"), "{}", e.message);
        }
        assert_eq!(
            kmip_algorithm(Algorithm::Tdes168Raw),
            Some((K::DES3, TDES_BITS))
        );
        let single = symmetric_algorithm(Some(K::DES), None, None).unwrap_err();
        assert_eq!(single.reason, ResultReason::InvalidField);
        assert_eq!(material_bits(Some(K::DES3), 24), 168);
        assert_eq!(material_bits(Some(K::DES3), 16), 112);
        assert_eq!(material_bits(Some(K::AES), 24), 192);
        assert_eq!(material_bits(None, 32), 256);
    }

    #[test]
    fn usage_keeps_what_the_algorithm_can_do() {
        let asked = UsageMask::ENCRYPT
            .union(UsageMask::DECRYPT)
            .union(UsageMask::MAC_GENERATE);
        let fitted = fit_usage(Algorithm::HmacSha256, Some(asked)).unwrap();
        assert_eq!(fitted, Some(UsageMask::MAC_GENERATE));
        assert_eq!(fit_usage(Algorithm::HmacSha256, None).unwrap(), None);
        let sign_only = fit_usage(Algorithm::Aes256Gcm, Some(UsageMask::SIGN));
        assert_eq!(sign_only.unwrap_err().reason, ResultReason::InvalidField);
    }
}
