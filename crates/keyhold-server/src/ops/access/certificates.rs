//! Certificate identities of a principal
//! (`/v1/principals/{name}/certificates`): bind a certificate by its
//! SHA-256 fingerprint, by its subject DN, or from a PEM certificate (whose
//! fingerprint or subject the server computes, the subject as
//! [`keyhold_crypto::cert_subject`] renders it for a connecting client);
//! list; unbind. A certificate names one principal only, across tenants.

use aws_lc_rs::digest;
use keyhold_api::access::{
    BindCertificateRequest, CertificateInfo, CertificateList, CertificateMatch,
};
use keyhold_api::approvals::ChangeKind;
use keyhold_core::{CertBinding, CertMatcher, PrincipalName};
use keyhold_crypto::cert_subject;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject as _;

use super::guarded::{Guarded, UnbindBody};
use super::support::{abort, conflict_is, missing_is, principal_named};
use crate::error::ServerError;
use crate::ops::{Caller, Operations};
use crate::vault::tx_error;

/// The prefix of a fingerprint binding's reference.
const FINGERPRINT_REF: &str = "sha256:";
/// The prefix of a subject binding's reference.
const SUBJECT_REF: &str = "subject:";

impl Operations {
    /// Binds a certificate to a principal.
    pub fn bind_certificate(
        &self,
        caller: &Caller,
        name: &PrincipalName,
        req: BindCertificateRequest,
    ) -> Result<CertificateInfo, ServerError> {
        let matcher = matcher_of(&req)?;
        caller.note("principal_name", name.as_str());
        let change = Guarded::new(ChangeKind::CertificateBind, name, &req)?;
        let tenant = caller.tenant.id;
        self.write_access_for(caller, &change, |tx| {
            let p = principal_named(tx, tenant, name)?;
            let binding = CertBinding {
                tenant,
                principal: p.id,
                matcher: matcher.clone(),
            };
            tx.cert_bind(&binding)
                .map_err(conflict_is(ServerError::CertificateAlreadyBound))
        })?;
        Ok(certificate_info(&matcher))
    }

    /// A principal's certificate bindings.
    pub fn certificates(
        &self,
        caller: &Caller,
        name: &PrincipalName,
    ) -> Result<CertificateList, ServerError> {
        let tenant = caller.tenant.id;
        let bindings = self
            .store
            .read(|tx| {
                let p = principal_named(tx, tenant, name)?;
                Ok(tx.cert_bindings(tenant, p.id)?)
            })
            .map_err(tx_error)?;
        Ok(CertificateList {
            certificates: bindings
                .iter()
                .map(|b| certificate_info(&b.matcher))
                .collect(),
        })
    }

    /// Removes one of a principal's bindings, named by its reference
    /// (`sha256:<hex>` or `subject:<DN>`).
    pub fn unbind_certificate(
        &self,
        caller: &Caller,
        name: &PrincipalName,
        reference: &str,
    ) -> Result<(), ServerError> {
        let matcher = parse_reference(reference)?;
        caller.note("principal_name", name.as_str());
        let body = UnbindBody {
            reference: reference.to_owned(),
        };
        let change = Guarded::new(ChangeKind::CertificateUnbind, name, &body)?;
        let tenant = caller.tenant.id;
        self.write_access_for(caller, &change, |tx| {
            let p = principal_named(tx, tenant, name)?;
            let bound = tx.cert_bindings(tenant, p.id)?;
            if !bound.iter().any(|b| b.matcher == matcher) {
                return Err(abort(ServerError::CertificateNotFound));
            }
            tx.cert_unbind(tenant, &matcher)
                .map_err(missing_is(ServerError::CertificateNotFound))
        })
    }
}

/// The matcher a bind request asks for.
fn matcher_of(req: &BindCertificateRequest) -> Result<CertMatcher, ServerError> {
    match req {
        BindCertificateRequest::Fingerprint(hex) => {
            parse_fingerprint(hex).map(CertMatcher::Fingerprint)
        }
        BindCertificateRequest::Subject(dn) => Ok(CertMatcher::subject(dn)?),
        BindCertificateRequest::Pem(pem) => {
            Ok(CertMatcher::Fingerprint(sha256(pem_der(pem)?.as_ref())))
        }
        BindCertificateRequest::SubjectOfPem(pem) => {
            let dn = cert_subject::subject_dn(pem_der(pem)?.as_ref()).ok_or_else(|| {
                ServerError::InvalidRequest {
                    detail: "the certificate's subject is empty or holds a value that is not \
                             a string: bind it by fingerprint"
                        .into(),
                }
            })?;
            Ok(CertMatcher::subject(&dn)?)
        }
    }
}

/// The DER of a PEM certificate.
fn pem_der(pem: &str) -> Result<CertificateDer<'static>, ServerError> {
    CertificateDer::from_pem_slice(pem.as_bytes()).map_err(|_| ServerError::InvalidRequest {
        detail: "pem must hold a PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
    })
}

/// 64 hex digits, in either case, optionally separated by colons.
fn parse_fingerprint(text: &str) -> Result<[u8; 32], ServerError> {
    let digits: String = text.chars().filter(|c| *c != ':').collect();
    let mut out = [0u8; 32];
    hex::decode_to_slice(&digits, &mut out).map_err(|_| ServerError::InvalidRequest {
        detail: "fingerprint must be the SHA-256 of the certificate's DER: 64 hex digits".into(),
    })?;
    Ok(out)
}

/// A binding named by its reference.
fn parse_reference(reference: &str) -> Result<CertMatcher, ServerError> {
    if let Some(hex) = reference.strip_prefix(FINGERPRINT_REF) {
        return parse_fingerprint(hex).map(CertMatcher::Fingerprint);
    }
    if let Some(dn) = reference.strip_prefix(SUBJECT_REF) {
        return Ok(CertMatcher::subject(dn)?);
    }
    Err(ServerError::InvalidRequest {
        detail: "a certificate reference is sha256:<hex> or subject:<DN>".into(),
    })
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let d = digest::digest(&digest::SHA256, bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// The public view of a binding.
fn certificate_info(m: &CertMatcher) -> CertificateInfo {
    let (matches, value, prefix) = match m {
        CertMatcher::Fingerprint(f) => (
            CertificateMatch::Fingerprint,
            hex::encode(f),
            FINGERPRINT_REF,
        ),
        CertMatcher::Subject(dn) => (CertificateMatch::Subject, dn.clone(), SUBJECT_REF),
    };
    CertificateInfo {
        matches,
        reference: format!("{prefix}{value}"),
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_64_hex_digits_with_optional_colons() {
        let hex = "ab".repeat(32);
        assert_eq!(parse_fingerprint(&hex).unwrap(), [0xab; 32]);
        let colons = vec!["AB"; 32].join(":");
        assert_eq!(parse_fingerprint(&colons).unwrap(), [0xab; 32]);
        for bad in ["", "ab", &"zz".repeat(32), &"ab".repeat(33)] {
            assert!(parse_fingerprint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn references_round_trip() {
        for m in [
            CertMatcher::Fingerprint([7; 32]),
            CertMatcher::subject("CN=svc, O=Example").unwrap(),
        ] {
            let info = certificate_info(&m);
            assert_eq!(parse_reference(&info.reference).unwrap(), m);
        }
        assert!(parse_reference("md5:00").is_err());
        assert!(parse_reference("subject:").is_err());
    }

    #[test]
    fn a_pem_certificate_binds_by_the_fingerprint_of_its_der() {
        let der = b"not really a certificate, but DER bytes all the same";
        let pem = CertificateDer::from(der.to_vec());
        let text = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, pem.as_ref())
        );
        let m = matcher_of(&BindCertificateRequest::Pem(text)).unwrap();
        assert_eq!(m, CertMatcher::Fingerprint(sha256(der)));
        assert!(matcher_of(&BindCertificateRequest::Pem("nope".into())).is_err());
    }

    #[test]
    fn a_pem_certificate_binds_by_its_rendered_subject() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        let dn = &mut params.distinguished_name;
        dn.push(rcgen::DnType::OrganizationName, "Example, Inc");
        dn.push(rcgen::DnType::CommonName, "svc");
        let pem = params.self_signed(&key).unwrap().pem();
        let m = matcher_of(&BindCertificateRequest::SubjectOfPem(pem)).unwrap();
        assert_eq!(m, CertMatcher::subject(r"CN=svc,O=Example\, Inc").unwrap());
        let empty = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        let mut empty = empty;
        empty.distinguished_name = rcgen::DistinguishedName::new();
        let pem = empty.self_signed(&key).unwrap().pem();
        assert!(matcher_of(&BindCertificateRequest::SubjectOfPem(pem)).is_err());
        assert!(matcher_of(&BindCertificateRequest::SubjectOfPem("nope".into())).is_err());
    }
}
