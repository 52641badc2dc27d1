//! Binary fields travel as standard base64 (RFC 4648 section 4, padded).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes that serialize as standard base64 text. Holds only public data
/// (ciphertext, signatures, public keys); plaintext travels in
/// [`SecretBase64`].
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Base64(pub Vec<u8>);

impl fmt::Debug for Base64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Base64({} bytes)", self.0.len())
    }
}

impl Serialize for Base64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Base64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        decode(d).map(Self)
    }
}

/// Bytes that may be secret (plaintext, data keys): base64 on the wire, a
/// redacting `Debug`, and wiped from memory when dropped.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretBase64(pub Vec<u8>);

impl Drop for SecretBase64 {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl fmt::Debug for SecretBase64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBase64(<redacted>; {} bytes)", self.0.len())
    }
}

impl Serialize for SecretBase64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for SecretBase64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        decode(d).map(Self)
    }
}

fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
    STANDARD
        .decode(text.as_bytes())
        .map_err(|_| serde::de::Error::custom("invalid base64 (standard alphabet, padded)"))
}

/// The OpenAPI schema of a base64 field: a string of format `byte`.
fn byte_string() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Byte)))
        .description(Some("Standard base64 (RFC 4648 section 4), padded."))
        .into()
}

impl utoipa::PartialSchema for Base64 {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        byte_string()
    }
}

impl utoipa::ToSchema for Base64 {}

impl utoipa::PartialSchema for SecretBase64 {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        byte_string()
    }
}

impl utoipa::ToSchema for SecretBase64 {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_redaction() {
        let b = Base64(vec![0, 1, 2, 250]);
        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(json, "\"AAEC+g==\"");
        assert_eq!(serde_json::from_str::<Base64>(&json).unwrap(), b);
        let s = SecretBase64(b"top secret".to_vec());
        assert!(!format!("{s:?}").contains("top"));
    }

    #[test]
    fn schema_is_a_base64_string() {
        use utoipa::PartialSchema;
        for schema in [Base64::schema(), SecretBase64::schema()] {
            let json = serde_json::to_value(schema).unwrap();
            assert_eq!(json["type"], "string");
            assert_eq!(json["format"], "byte");
        }
    }

    #[test]
    fn bad_base64_is_refused() {
        for bad in ["\"not base64!\"", "\"AAE\"", "\"AAEC-g==\"", "12"] {
            assert!(serde_json::from_str::<Base64>(bad).is_err(), "{bad}");
            assert!(serde_json::from_str::<SecretBase64>(bad).is_err(), "{bad}");
        }
    }
}
