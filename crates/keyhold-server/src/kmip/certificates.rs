//! Certificates (KMIP 1.4 section 2.2.1, KMIP 2.1 section 2.2) as keyhold
//! data objects: an X.509 certificate's DER, kept sealed as a version's
//! material like any data object's bytes, given back as registered, and
//! the attributes KMIP has the server set for it, read from the DER each
//! time they are asked for ([`CertificateFacts`]). keyhold never uses a
//! certificate for cryptography.

use keyhold_core::{DataObject, DataType};
use keyhold_crypto::SecretBytes as CryptoSecret;
use keyhold_crypto::cert_facts::CertificateFacts;
use keyhold_kmip::{AttributeValue, CertificateType, ProtocolVersion, ResultReason, tags};
use keyhold_ttlv::{Tag, Ttlv, Value};

use super::errors::ItemFailure;

/// The data object and bytes of a Register of a Certificate: X.509 only,
/// and the value must be exactly one DER certificate; anything else
/// (another Certificate Type such as PGP, bytes that do not parse) is
/// Invalid Field and nothing is stored.
pub(crate) fn registered(
    certificate_type: CertificateType,
    value: &[u8],
) -> Result<(DataObject, CryptoSecret), ItemFailure> {
    if certificate_type != CertificateType::X509 {
        let m = "keyhold registers X.509 certificates only";
        return Err(ItemFailure::new(ResultReason::InvalidField, m));
    }
    if CertificateFacts::of_der(value).is_none() {
        let m = "the Certificate Value is not one DER X.509 certificate";
        return Err(ItemFailure::new(ResultReason::InvalidField, m));
    }
    let data = DataObject::Certificate {
        certificate_type: DataType::new(u32::from(certificate_type)),
    };
    Ok((data, CryptoSecret::new(value.to_vec())))
}

/// The attributes the server sets for a certificate of type
/// `certificate_type` and DER `der` (all read-only): Certificate Type and
/// Certificate Length (KMIP 1.4 sections 3.9, 3.10), X.509 Certificate
/// Identifier, Subject and Issuer (KMIP 1.4 sections 3.11–3.13, KMIP 2.1
/// section 4), and in 2.x the Certificate Subject CN (KMIP 2.1 section 4)
/// when the subject has one. Bytes that no longer parse give the type
/// and length only.
pub(crate) fn attributes(
    certificate_type: DataType,
    der: &[u8],
    version: ProtocolVersion,
) -> Vec<AttributeValue> {
    let mut out = vec![
        other(
            tags::CERTIFICATE_TYPE,
            Value::Enumeration(certificate_type.value()),
        ),
        other(tags::CERTIFICATE_LENGTH, Value::Integer(length(der.len()))),
    ];
    let Some(facts) = CertificateFacts::of_der(der) else {
        return out;
    };
    out.push(structure(
        tags::X_509_CERTIFICATE_IDENTIFIER,
        vec![
            bytes(tags::ISSUER_DISTINGUISHED_NAME, &facts.issuer_dn),
            bytes(tags::CERTIFICATE_SERIAL_NUMBER, &facts.serial),
        ],
    ));
    out.push(structure(
        tags::X_509_CERTIFICATE_SUBJECT,
        vec![bytes(tags::SUBJECT_DISTINGUISHED_NAME, &facts.subject_dn)],
    ));
    out.push(structure(
        tags::X_509_CERTIFICATE_ISSUER,
        vec![bytes(tags::ISSUER_DISTINGUISHED_NAME, &facts.issuer_dn)],
    ));
    if let Some(cn) = facts.subject_cn.filter(|_| version.is_v2()) {
        out.push(other(tags::CERTIFICATE_SUBJECT_CN, Value::TextString(cn)));
    }
    out
}

/// A length as a KMIP Integer (a certificate is at most 64 KiB, the
/// largest data object keyhold keeps).
fn length(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn other(tag: Tag, value: Value) -> AttributeValue {
    AttributeValue::Other { tag, value }
}

fn structure(tag: Tag, items: Vec<Ttlv>) -> AttributeValue {
    other(tag, Value::Structure(items))
}

fn bytes(tag: Tag, value: &[u8]) -> Ttlv {
    Ttlv::new(tag, Value::ByteString(value.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn der() -> Vec<u8> {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "svc");
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    fn tags_of(attrs: &[AttributeValue]) -> Vec<Tag> {
        attrs
            .iter()
            .filter_map(|a| match a {
                AttributeValue::Other { tag, .. } => Some(*tag),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn only_one_x509_certificate_registers() {
        let der = der();
        let (data, bytes) = registered(CertificateType::X509, &der).unwrap();
        assert_eq!(bytes.expose(), &der[..]);
        assert_eq!(data.algorithm(), keyhold_core::Algorithm::Certificate);
        for (t, v) in [
            (CertificateType::PGP, &der[..]),
            (CertificateType::X509, b"garbage"),
        ] {
            let e = registered(t, v).err().map(|e| e.reason);
            assert_eq!(e, Some(ResultReason::InvalidField));
        }
    }

    #[test]
    fn attributes_are_read_from_the_der_and_the_cn_is_2x_only() {
        let der = der();
        let x509 = DataType::new(1);
        let v2 = attributes(x509, &der, ProtocolVersion::new(2, 1));
        assert!(tags_of(&v2).contains(&tags::CERTIFICATE_SUBJECT_CN));
        let Some(AttributeValue::Other { value, .. }) = v2.get(1) else {
            panic!("Certificate Length");
        };
        assert_eq!(*value, Value::Integer(length(der.len())));
        let v1 = attributes(x509, &der, ProtocolVersion::new(1, 4));
        assert!(!tags_of(&v1).contains(&tags::CERTIFICATE_SUBJECT_CN));
        assert_eq!(v1.len(), 5);
        assert_eq!(attributes(x509, b"x", ProtocolVersion::new(2, 1)).len(), 2);
    }
}
