//! The subject distinguished name of an X.509 certificate as text, the one
//! way both the server (matching a client certificate against the
//! `subject:` bindings of principals) and the CLI (`keyhold principal
//! bind-cert --subject-of FILE`) write it, so the two always agree.
//!
//! The rendering follows RFC 4514 section 2: the RDNs in reverse order of
//! the certificate's `RDNSequence`, separated by `,`; multi-valued RDNs
//! joined by `+`; attribute types by their RFC 4514 short name (CN, L, ST,
//! O, OU, C, STREET, DC, UID) or, for any other type, its dotted OID; values
//! escaped as section 2.4 says. Only string values (UTF8String,
//! PrintableString, IA5String, NumericString) are rendered; a name holding
//! any other value kind has no text form here, and such a certificate can
//! be bound by its fingerprint only.

use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

/// RFC 4514 section 3 short names, by dotted OID.
const SHORT_NAMES: [(&str, &str); 9] = [
    ("2.5.4.3", "CN"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.6", "C"),
    ("2.5.4.9", "STREET"),
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("0.9.2342.19200300.100.1.1", "UID"),
];

/// The subject DN of the DER certificate `der`, or `None` when it does
/// not parse, its subject is empty, or a value is not a string.
pub fn subject_dn(der: &[u8]) -> Option<String> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    name_text(cert.subject())
}

/// An X.509 name as RFC 4514 text.
fn name_text(name: &X509Name<'_>) -> Option<String> {
    let mut rdns = name
        .iter_rdn()
        .map(|rdn| {
            rdn.iter()
                .map(attribute_text)
                .collect::<Option<Vec<_>>>()
                .map(|parts| parts.join("+"))
        })
        .collect::<Option<Vec<_>>>()?;
    if rdns.is_empty() {
        return None;
    }
    rdns.reverse();
    Some(rdns.join(","))
}

/// `type=value` for one attribute.
fn attribute_text(atv: &AttributeTypeAndValue<'_>) -> Option<String> {
    let oid = atv.attr_type().to_id_string();
    let kind = SHORT_NAMES
        .iter()
        .find(|(dotted, _)| *dotted == oid)
        .map_or(oid.as_str(), |(_, short)| short);
    let value = atv.as_str().ok()?;
    Some(format!("{kind}={}", escape(value)))
}

/// Escapes a value as RFC 4514 section 2.4 requires: `"`, `+`, `,`, `;`,
/// `<`, `>` and `\` anywhere, `#` or a space at the start, a space at the
/// end, and NUL as `\00`.
fn escape(value: &str) -> String {
    let last = value.chars().count().saturating_sub(1);
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '\0' => out.push_str("\\00"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};

    use super::*;

    fn cert_with(dn: DistinguishedName) -> Vec<u8> {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name = dn;
        let key = KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn renders_in_reverse_order_with_short_names() {
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "FR");
        dn.push(DnType::OrganizationName, "Example Corp");
        dn.push(DnType::OrganizationalUnitName, "Payments");
        dn.push(DnType::CommonName, "db-01.example.com");
        assert_eq!(
            subject_dn(&cert_with(dn)).as_deref(),
            Some("CN=db-01.example.com,OU=Payments,O=Example Corp,C=FR")
        );
    }

    #[test]
    fn escapes_special_characters() {
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "#lead, \"quoted\"+plus;<x>\\ ");
        assert_eq!(
            subject_dn(&cert_with(dn)).as_deref(),
            Some(r#"CN=\#lead\, \"quoted\"\+plus\;\<x\>\\\ "#)
        );
        assert_eq!(escape(" a b "), "\\ a b\\ ");
        assert_eq!(escape("a\0b"), "a\\00b");
    }

    #[test]
    fn unknown_types_use_their_dotted_oid() {
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CustomDnType(vec![1, 3, 6, 1, 4, 1, 99999, 1]), "x");
        dn.push(DnType::CommonName, "svc");
        assert_eq!(
            subject_dn(&cert_with(dn)).as_deref(),
            Some("CN=svc,1.3.6.1.4.1.99999.1=x")
        );
    }

    #[test]
    fn garbage_and_empty_subjects_have_no_text() {
        assert_eq!(subject_dn(b"not a certificate"), None);
        assert_eq!(subject_dn(&cert_with(DistinguishedName::new())), None);
    }
}
