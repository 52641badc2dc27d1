//! Which answers hold values a correct server draws at random, and so can only be
//! compared by length:
//!
//! - the ciphertext of an RSA Encrypt with OAEP or PKCS#1 v1.5 padding (RFC 8017
//!   section 7.1.1 draws a random seed, section 7.2.1 a random padding string); RSA
//!   with Padding Method None is deterministic and stays exact;
//! - ECDSA and DSA signatures (a random per-message secret, FIPS 186-4 sections 4.5
//!   and 6.3) and RSA-PSS signatures (a random salt, RFC 8017 section 9.1.1);
//!   PKCS#1 v1.5 (`SHA…WithRSAEncryption`) and Ed25519 signatures are deterministic
//!   and stay exact.
//!
//! Whether an answer is random is read from the requests, never from the answer: the
//! operation, the Cryptographic Parameters of the request and, for the fields the
//! request leaves out, those the object was registered or created with (KMIP 1.4
//! sections 3.6 and 4.29, KMIP 2.1 sections 4.16 and 6.1.17: a key's Cryptographic
//! Parameters are its defaults; keyhold lets the request's override them field by
//! field), and the object's
//! Cryptographic Algorithm. An RSA Encrypt or Sign that names no padding at all
//! leaves the scheme to the server (keyhold: OAEP, PSS), so it is random too.
//! Everything else stays exact, symmetric ciphertexts under a client IV included.

use std::collections::BTreeMap;

use keyhold_ttlv::{Tag, Ttlv, Value, dictionary};

use super::compare::operation_of;

/// A value of an answer that a correct server draws at random.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Random {
    /// The Data of an Encrypt answer: same length as the vector's.
    Ciphertext,
    /// The Signature Data of a Sign answer. `der`: an (EC)DSA signature, DER-encoded,
    /// whose INTEGERs may be a byte shorter or longer than the vector's; otherwise
    /// (RSA-PSS) the same length.
    Signature {
        /// An (EC)DSA signature.
        der: bool,
    },
}

/// What the runner knows of an object's or a request's cryptography: canonical
/// enumeration names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Crypto {
    /// Cryptographic Algorithm.
    pub algorithm: Option<&'static str>,
    /// Padding Method.
    pub padding: Option<&'static str>,
    /// Digital Signature Algorithm.
    pub signature: Option<&'static str>,
}

impl Crypto {
    /// These fields, each taken from `defaults` where this one lacks it.
    fn over(&self, defaults: &Crypto) -> Crypto {
        Crypto {
            algorithm: self.algorithm.or(defaults.algorithm),
            padding: self.padding.or(defaults.padding),
            signature: self.signature.or(defaults.signature),
        }
    }
}

/// The objects a vector file made and what they are, learned from requests and answers.
#[derive(Debug, Default)]
pub struct Objects {
    /// By identifier, as the server answered it.
    known: BTreeMap<String, Crypto>,
    /// For each batch item of the last request: what the object it makes is.
    made: Vec<Option<Crypto>>,
}

impl Objects {
    /// Reads a request (placeholders resolved): remembers what the objects it makes
    /// are, and says, for each batch item, whether its answer holds a random value.
    pub fn request(&mut self, request: &Ttlv) -> Vec<Option<Random>> {
        self.made.clear();
        let mut random = Vec::new();
        let mut last_made: Option<Crypto> = None;
        for item in children(request, "BatchItem") {
            let operation = operation_of(item).unwrap_or("-");
            let payload = child(item, "RequestPayload");
            let made = payload.and_then(|p| makes(operation, p));
            // The ID placeholder names the object this batch made last.
            let key = match payload.and_then(|p| text(p, "UniqueIdentifier")) {
                Some(id) => self.known.get(id).cloned(),
                None => last_made.clone(),
            };
            let asked = payload
                .and_then(|p| child(p, "CryptographicParameters"))
                .map(parameters)
                .unwrap_or_default();
            random.push(random_output(
                operation,
                &asked.over(&key.unwrap_or_default()),
            ));
            if made.is_some() {
                last_made.clone_from(&made);
            }
            self.made.push(made);
        }
        random
    }

    /// Reads the answer to the last request: the identifiers of the objects it made.
    pub fn answer(&mut self, answer: &Ttlv) {
        let items = children(answer, "BatchItem");
        for (item, made) in items.zip(std::mem::take(&mut self.made)) {
            let (Some(made), Some(payload)) = (made, child(item, "ResponsePayload")) else {
                continue;
            };
            for tag in [
                "UniqueIdentifier",
                "PrivateKeyUniqueIdentifier",
                "PublicKeyUniqueIdentifier",
            ] {
                if let Some(id) = text(payload, tag) {
                    self.known.insert(id.to_owned(), made.clone());
                }
            }
        }
    }
}

/// Whether the answer to `operation` under these (effective) parameters is random.
pub fn random_output(operation: &str, crypto: &Crypto) -> Option<Random> {
    match operation {
        "Encrypt" => {
            let padded = crypto
                .padding
                .is_none_or(|p| matches!(p, "OAEP" | "PKCS1V1_5"));
            (crypto.algorithm == Some("RSA") && padded).then_some(Random::Ciphertext)
        }
        "Sign" => random_signature(crypto),
        _ => None,
    }
}

/// Whether a signature under these parameters is random (see the module docs).
fn random_signature(crypto: &Crypto) -> Option<Random> {
    if let Some(dsa) = crypto.signature {
        if dsa.starts_with("ECDSA") || dsa.starts_with("DSA") {
            return Some(Random::Signature { der: true });
        }
        return dsa
            .starts_with("RSASSA_PSS")
            .then_some(Random::Signature { der: false });
    }
    match (crypto.algorithm, crypto.padding) {
        (Some("ECDSA" | "EC" | "DSA"), _) => Some(Random::Signature { der: true }),
        (Some("RSA"), Some("PSS") | None) => Some(Random::Signature { der: false }),
        _ => None,
    }
}

/// What the object a Register, Create or Create Key Pair request makes is: the first
/// Cryptographic Algorithm and Cryptographic Parameters anywhere in the payload (Key
/// Block, 2.x attributes, 1.x Template-Attributes).
fn makes(operation: &str, payload: &Ttlv) -> Option<Crypto> {
    if !matches!(operation, "Register" | "Create" | "CreateKeyPair") {
        return None;
    }
    let mut found = Found::default();
    found.visit(payload);
    let params = found.params.unwrap_or_default();
    Some(Crypto {
        algorithm: params.algorithm.or(found.algorithm),
        ..params
    })
}

/// What a walk over a payload found.
#[derive(Default)]
struct Found {
    algorithm: Option<&'static str>,
    params: Option<Crypto>,
}

impl Found {
    fn visit(&mut self, item: &Ttlv) {
        match (item.tag.name(), &item.value) {
            (Some("CryptographicParameters"), _) => {
                self.params.get_or_insert_with(|| parameters(item));
            }
            (Some("CryptographicAlgorithm"), Value::Enumeration(v)) => {
                self.algorithm = self.algorithm.or_else(|| named(item.tag, *v));
            }
            (Some("Attribute"), _) => self.attribute(item),
            (_, Value::Structure(items)) => items.iter().for_each(|i| self.visit(i)),
            _ => {}
        }
    }

    /// A 1.x Attribute: its name says what its value is.
    fn attribute(&mut self, attribute: &Ttlv) {
        let Some(value) = child(attribute, "AttributeValue") else {
            return;
        };
        match text(attribute, "AttributeName") {
            Some("Cryptographic Parameters") => {
                self.params.get_or_insert_with(|| parameters(value));
            }
            Some("Cryptographic Algorithm") => {
                let (Some(tag), Value::Enumeration(v)) =
                    (Tag::from_name("CryptographicAlgorithm"), &value.value)
                else {
                    return;
                };
                self.algorithm = self.algorithm.or_else(|| named(tag, *v));
            }
            _ => {}
        }
    }
}

/// The fields of a Cryptographic Parameters structure the runner needs.
fn parameters(params: &Ttlv) -> Crypto {
    Crypto {
        algorithm: enumeration(params, "CryptographicAlgorithm"),
        padding: enumeration(params, "PaddingMethod"),
        signature: enumeration(params, "DigitalSignatureAlgorithm"),
    }
}

/// The canonical name of the `tag` Enumeration directly inside `item`.
fn enumeration(item: &Ttlv, tag: &str) -> Option<&'static str> {
    let found = child(item, tag)?;
    match found.value {
        Value::Enumeration(v) => named(found.tag, v),
        _ => None,
    }
}

/// The canonical name of value `v` of Enumeration `tag`.
fn named(tag: Tag, v: u32) -> Option<&'static str> {
    dictionary::value_names(tag)?.name(v)
}

/// The first `tag` item directly inside `item`.
fn child<'t>(item: &'t Ttlv, tag: &str) -> Option<&'t Ttlv> {
    item.find(Tag::from_name(tag)?)
}

/// The `tag` items directly inside `item`.
fn children<'t>(item: &'t Ttlv, tag: &str) -> impl Iterator<Item = &'t Ttlv> {
    let tag = Tag::from_name(tag);
    item.items()
        .unwrap_or_default()
        .iter()
        .filter(move |i| Some(i.tag) == tag)
}

/// The text of the `tag` Text String directly inside `item`.
fn text<'t>(item: &'t Ttlv, tag: &str) -> Option<&'t str> {
    match &child(item, tag)?.value {
        Value::TextString(t) => Some(t.as_str()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use keyhold_ttlv::xml;

    use super::*;

    /// A message of one batch item.
    fn message(kind: &str, operation: &str, payload: &str) -> Ttlv {
        let text = format!(
            r#"<{kind}Message><BatchItem><Operation type="Enumeration" value="{operation}"/>
            <{kind}Payload>{payload}</{kind}Payload></BatchItem></{kind}Message>"#
        );
        xml::to_ttlv(&text).unwrap()
    }

    fn uid(id: &str) -> String {
        format!(r#"<UniqueIdentifier type="TextString" value="{id}"/>"#)
    }

    /// A 1.4 Register of an RSA public key with these Cryptographic Parameters.
    fn register_rsa(params: &str) -> Ttlv {
        let payload = format!(
            r#"<ObjectType type="Enumeration" value="PublicKey"/><TemplateAttribute><Attribute>
            <AttributeName type="TextString" value="Cryptographic Parameters"/>
            <AttributeValue>{params}</AttributeValue></Attribute></TemplateAttribute>
            <PublicKey><KeyBlock><KeyFormatType type="Enumeration" value="X_509"/>
            <CryptographicAlgorithm type="Enumeration" value="RSA"/></KeyBlock></PublicKey>"#
        );
        message("Request", "Register", &payload)
    }

    fn encrypt(id: &str, params: &str) -> Ttlv {
        let params = format!("<CryptographicParameters>{params}</CryptographicParameters>");
        message("Request", "Encrypt", &format!("{}{params}", uid(id)))
    }

    #[test]
    fn a_keys_registered_parameters_decide_unless_the_request_overrides_them() {
        let mut objects = Objects::default();
        let oaep = r#"<PaddingMethod type="Enumeration" value="OAEP"/>"#;
        let none = r#"<PaddingMethod type="Enumeration" value="None"/>"#;
        assert_eq!(objects.request(&register_rsa(oaep)), vec![None]);
        objects.answer(&message("Response", "Register", &uid("k")));
        let c = Some(Random::Ciphertext);
        assert_eq!(objects.request(&encrypt("k", "")), vec![c]);
        assert_eq!(objects.request(&encrypt("k", none)), vec![None]);
        // Registered without padding, asked for none: deterministic.
        objects.request(&register_rsa(none));
        objects.answer(&message("Response", "Register", &uid("raw")));
        assert_eq!(objects.request(&encrypt("raw", "")), vec![None]);
        assert_eq!(objects.request(&encrypt("raw", oaep)), vec![c]);
        // An AES key, or one the runner never saw made: exact.
        let aes = message(
            "Request",
            "Create",
            r#"<ObjectType type="Enumeration" value="SymmetricKey"/><Attributes>
            <CryptographicAlgorithm type="Enumeration" value="AES"/></Attributes>"#,
        );
        objects.request(&aes);
        objects.answer(&message("Response", "Create", &uid("aes")));
        assert_eq!(objects.request(&encrypt("aes", "")), vec![None]);
        assert_eq!(objects.request(&encrypt("unknown", "")), vec![None]);
    }

    fn crypto(
        algorithm: Option<&'static str>,
        padding: Option<&'static str>,
        signature: Option<&'static str>,
    ) -> Crypto {
        Crypto {
            algorithm,
            padding,
            signature,
        }
    }

    #[test]
    fn rsa_encryption_is_random_only_with_a_random_padding() {
        let rsa = |p| crypto(Some("RSA"), p, None);
        let c = Some(Random::Ciphertext);
        assert_eq!(random_output("Encrypt", &rsa(Some("OAEP"))), c);
        assert_eq!(random_output("Encrypt", &rsa(Some("PKCS1V1_5"))), c);
        assert_eq!(random_output("Encrypt", &rsa(None)), c);
        assert_eq!(random_output("Encrypt", &rsa(Some("None"))), None);
        assert_eq!(random_output("Decrypt", &rsa(Some("OAEP"))), None);
        let aes = crypto(Some("AES"), Some("PKCS5"), None);
        assert_eq!(random_output("Encrypt", &aes), None);
        assert_eq!(random_output("Encrypt", &Crypto::default()), None);
    }

    #[test]
    fn signatures_are_random_for_ecdsa_and_pss_only() {
        let der = Some(Random::Signature { der: true });
        let pss = Some(Random::Signature { der: false });
        let dsa = |d| crypto(None, None, Some(d));
        assert_eq!(random_output("Sign", &dsa("ECDSAWithSHA256")), der);
        assert_eq!(random_output("Sign", &dsa("RSASSA_PSS")), pss);
        assert_eq!(
            random_output("Sign", &dsa("SHA_256WithRSAEncryption")),
            None
        );
        let rsa = |p| crypto(Some("RSA"), p, None);
        assert_eq!(random_output("Sign", &rsa(Some("PSS"))), pss);
        assert_eq!(random_output("Sign", &rsa(Some("PKCS1V1_5"))), None);
        assert_eq!(
            random_output("Sign", &crypto(Some("ECDSA"), None, None)),
            der
        );
        assert_eq!(
            random_output("Sign", &crypto(Some("Ed25519"), None, None)),
            None
        );
        assert_eq!(random_output("MAC", &rsa(Some("PSS"))), None);
    }

    #[test]
    fn the_requests_parameters_override_the_keys_field_by_field() {
        let key = crypto(Some("RSA"), Some("PSS"), None);
        let asked = crypto(None, Some("PKCS1V1_5"), None);
        assert_eq!(
            asked.over(&key),
            crypto(Some("RSA"), Some("PKCS1V1_5"), None)
        );
        assert_eq!(Crypto::default().over(&key), key);
    }
}
