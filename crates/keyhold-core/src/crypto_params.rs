//! A key's default cryptographic parameters: the KMIP Cryptographic
//! Parameters attribute a client gave when it created or registered the key
//! (KMIP 1.4 section 3.6, KMIP 2.1 section 4.16), kept with the key and used
//! for each field an Encrypt or Decrypt request leaves out (KMIP 1.4
//! section 4.29: when the request omits them, "the Cryptographic Parameters
//! associated with the Managed Cryptographic Object ... SHALL be used";
//! KMIP 2.1 section 6.1.17). Only values keyhold can serve are
//! representable: a key is never stored with parameters it could not honour.

use serde::{Deserialize, Serialize};

/// A block cipher mode keyhold serves (KMIP Block Cipher Mode, KMIP 1.4
/// section 9.1.3.2.14).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlockMode {
    /// ECB.
    Ecb,
    /// CBC.
    Cbc,
    /// CTR.
    Ctr,
    /// GCM.
    Gcm,
    /// The key's AEAD (KMIP 2.x AEAD: ChaCha20-Poly1305 for a ChaCha20 key).
    Aead,
    /// AES key wrap, KW (KMIP NISTKeyWrap: RFC 3394, NIST SP 800-38F
    /// section 6.2): a key-wrapping key's mode, used when a KMIP Get wraps
    /// a key under it, never for Encrypt.
    NistKeyWrap,
    /// AES key wrap with padding, KWP (KMIP AESKeyWrapPadding: RFC 5649,
    /// NIST SP 800-38F section 6.3), as [`Self::NistKeyWrap`].
    AesKeyWrapPadding,
    /// XTS (IEEE 1619, NIST SP 800-38E), the mode of storage encryption: a
    /// client may make a key for it (KMIP 1.4 section 9.1.3.2.14), which
    /// keyhold keeps and serves for the client to use; keyhold itself
    /// does not encrypt with it (Encrypt refuses the mode).
    Xts,
}

/// A padding method keyhold serves (KMIP Padding Method, KMIP 1.4 section
/// 9.1.3.2.15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PaddingMethod {
    /// No padding.
    None,
    /// PKCS#5 (PKCS#7 for AES' 16-byte blocks).
    Pkcs5,
    /// RSAES-OAEP (RFC 8017 section 7.1).
    Oaep,
    /// PKCS#1 v1.5 (RFC 8017 sections 7.2 and 8.2).
    Pkcs1v15,
    /// RSASSA-PSS (RFC 8017 section 8.1).
    Pss,
}

/// A hash function keyhold computes (KMIP Hashing Algorithm, KMIP 1.4
/// section 9.1.3.2.16): the SHA-1 and SHA-2 family (FIPS 180-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HashAlgorithm {
    /// SHA-1 (for OAEP and Hash only; never for signatures).
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// A signature algorithm keyhold serves (KMIP Digital Signature Algorithm,
/// KMIP 1.4 section 9.1.3.2.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Sha256WithRsa,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Sha384WithRsa,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Sha512WithRsa,
    /// RSASSA-PSS (its hash from the Hashing Algorithm).
    RsassaPss,
    /// ECDSA with SHA-256.
    EcdsaSha256,
    /// ECDSA with SHA-384.
    EcdsaSha384,
}

/// The algorithm family parameters name (KMIP Cryptographic Algorithm,
/// KMIP 1.4 section 9.1.3.2.13), of those keyhold keeps keys for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParamAlgorithm {
    /// AES.
    Aes,
    /// ChaCha20.
    ChaCha20,
    /// ChaCha20-Poly1305.
    ChaCha20Poly1305,
    /// RSA.
    Rsa,
    /// ECDSA.
    Ecdsa,
    /// EC.
    Ec,
    /// Ed25519.
    Ed25519,
    /// HMAC with SHA-256.
    HmacSha256,
    /// HMAC with SHA-384.
    HmacSha384,
    /// HMAC with SHA-512.
    HmacSha512,
}

/// A key's default Cryptographic Parameters; every field optional, as in
/// KMIP. Lengths are in KMIP's units: IV and Counter Length in bits, Tag
/// Length in bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CryptoParams {
    /// Block Cipher Mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<BlockMode>,
    /// Padding Method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub padding: Option<PaddingMethod>,
    /// Hashing Algorithm (OAEP's label hash, PSS's hash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<HashAlgorithm>,
    /// Digital Signature Algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureAlgorithm>,
    /// Cryptographic Algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<ParamAlgorithm>,
    /// Random IV: the server chooses the IV.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random_iv: Option<bool>,
    /// IV Length, in bits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iv_length: Option<u32>,
    /// Tag Length, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_length: Option<u32>,
    /// Counter Length, in bits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter_length: Option<u32>,
    /// Salt Length (PSS), in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt_length: Option<u32>,
    /// Mask Generator MGF1 was named (the only one KMIP defines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mgf1: Option<bool>,
    /// Mask Generator Hashing Algorithm (MGF1's hash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mgf1_hash: Option<HashAlgorithm>,
    /// P Source: OAEP's label (RFC 8017 section 7.1), not empty, kept as
    /// hex. Not secret: a label is bound to a ciphertext, not hidden by it.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "hex_bytes")]
    pub oaep_label: Option<Vec<u8>>,
}

/// Bytes as a lower-case hex string in JSON (the `hex` crate's).
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(super) fn serialize<S: Serializer>(
        bytes: &Option<Vec<u8>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(bytes) => s.serialize_str(&hex::encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        let text = String::deserialize(d)?;
        hex::decode(text).map(Some).map_err(D::Error::custom)
    }
}

impl CryptoParams {
    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        *self == CryptoParams::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_only_the_fields_set_and_refuses_unknown_ones() {
        let p = CryptoParams {
            mode: Some(BlockMode::Cbc),
            padding: Some(PaddingMethod::Pkcs5),
            random_iv: Some(true),
            ..CryptoParams::default()
        };
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, r#"{"mode":"cbc","padding":"pkcs5","random_iv":true}"#);
        assert_eq!(serde_json::from_str::<CryptoParams>(&json).unwrap(), p);
        let oaep = r#"{"padding":"oaep","hash":"sha384","mgf1_hash":"sha384"}"#;
        let p: CryptoParams = serde_json::from_str(oaep).unwrap();
        assert_eq!(p.hash, Some(HashAlgorithm::Sha384));
        assert!(serde_json::from_str::<CryptoParams>(r#"{"mode":"ofb"}"#).is_err());
        let kw: CryptoParams = serde_json::from_str(r#"{"mode":"nist-key-wrap"}"#).unwrap();
        assert_eq!(kw.mode, Some(BlockMode::NistKeyWrap));
        assert!(serde_json::from_str::<CryptoParams>(r#"{"label":"x"}"#).is_err());
        assert!(CryptoParams::default().is_empty() && !p.is_empty());
    }

    /// CS-AC-M-OAEP-9 and 10's parameters: MGF1 over SHA-256 under
    /// SHA-384, and a label, kept as hex.
    #[test]
    fn an_oaep_label_is_kept_as_hex() {
        let p = CryptoParams {
            padding: Some(PaddingMethod::Oaep),
            hash: Some(HashAlgorithm::Sha384),
            mgf1_hash: Some(HashAlgorithm::Sha256),
            oaep_label: Some(b"Kilroy was here".to_vec()),
            ..CryptoParams::default()
        };
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            json,
            r#"{"padding":"oaep","hash":"sha384","mgf1_hash":"sha256","oaep_label":"4b696c726f79207761732068657265"}"#
        );
        assert_eq!(serde_json::from_str::<CryptoParams>(&json).unwrap(), p);
        let upper = r#"{"oaep_label":"FF00"}"#;
        let read: CryptoParams = serde_json::from_str(upper).unwrap();
        assert_eq!(read.oaep_label, Some(vec![0xff, 0]));
        for bad in [
            r#"{"oaep_label":"abc"}"#,
            r#"{"oaep_label":"zz"}"#,
            r#"{"oaep_label":1}"#,
        ] {
            assert!(serde_json::from_str::<CryptoParams>(bad).is_err(), "{bad}");
        }
    }

    /// Parameters stored before labels were kept (migration 9's JSON) read
    /// as they were, with no label.
    #[test]
    fn parameters_stored_before_labels_read_unchanged() {
        let old = r#"{"padding":"oaep","hash":"sha384","mgf1":true,"mgf1_hash":"sha384"}"#;
        let p: CryptoParams = serde_json::from_str(old).unwrap();
        assert_eq!(p.oaep_label, None);
        assert_eq!(serde_json::to_string(&p).unwrap(), old);
    }
}
