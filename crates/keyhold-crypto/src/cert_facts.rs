//! What a KMIP server reports of an X.509 certificate it keeps (KMIP 1.4
//! sections 3.9–3.13, KMIP 2.1 section 4): read from the DER each time,
//! never used to decide anything cryptographic. keyhold keeps
//! certificates as data objects; this module is the one place that reads
//! them.

use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

/// The parts of one X.509 certificate a KMIP attribute reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateFacts {
    /// The DER length of the whole certificate, in bytes (Certificate
    /// Length, KMIP 1.4 section 3.10).
    pub length: usize,
    /// The first Common Name of the subject that is a string (Certificate
    /// Subject CN, KMIP 2.1 section 4), if any.
    pub subject_cn: Option<String>,
    /// The subject's distinguished name, DER (X.509 Certificate Subject,
    /// KMIP 1.4 section 3.12).
    pub subject_dn: Vec<u8>,
    /// The issuer's distinguished name, DER (X.509 Certificate Issuer and
    /// Identifier, KMIP 1.4 sections 3.11 and 3.13).
    pub issuer_dn: Vec<u8>,
    /// The serial number's bytes, big-endian as encoded (X.509 Certificate
    /// Identifier, KMIP 1.4 section 3.11).
    pub serial: Vec<u8>,
}

impl CertificateFacts {
    /// The facts of `der`, or `None` unless `der` is exactly one X.509
    /// certificate (trailing bytes refused).
    pub fn of_der(der: &[u8]) -> Option<Self> {
        let (rest, cert) = X509Certificate::from_der(der).ok()?;
        if !rest.is_empty() {
            return None;
        }
        let subject_cn = cert
            .subject()
            .iter_common_name()
            .find_map(|cn| cn.as_str().ok())
            .map(str::to_owned);
        Some(Self {
            length: der.len(),
            subject_cn,
            subject_dn: cert.subject().as_raw().to_vec(),
            issuer_dn: cert.issuer().as_raw().to_vec(),
            serial: cert.raw_serial().to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate(cn: Option<&str>) -> Vec<u8> {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        if let Some(cn) = cn {
            params
                .distinguished_name
                .push(rcgen::DnType::CommonName, cn);
        }
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn a_certificate_gives_its_length_names_and_serial() {
        let der = certificate(Some("svc.example"));
        let facts = CertificateFacts::of_der(&der).unwrap();
        assert_eq!(facts.length, der.len());
        assert_eq!(facts.subject_cn.as_deref(), Some("svc.example"));
        assert_eq!(facts.subject_dn, facts.issuer_dn);
        assert!(!facts.serial.is_empty());
        let nameless = CertificateFacts::of_der(&certificate(None)).unwrap();
        assert_eq!(nameless.subject_cn, None);
    }

    #[test]
    fn anything_but_one_certificate_is_refused() {
        let der = certificate(Some("a"));
        let mut trailing = der.clone();
        trailing.push(0);
        for bad in [
            &b""[..],
            b"not a certificate",
            &der[..der.len() - 1],
            &trailing,
        ] {
            assert_eq!(CertificateFacts::of_der(bad), None);
        }
    }
}
