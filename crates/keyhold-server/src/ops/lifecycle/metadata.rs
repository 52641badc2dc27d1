//! A key's mutable metadata (PATCH), its versions and its public key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use keyhold_api::keys::KeyInfo;
use keyhold_api::lifecycle::{
    KeyVersions, Patch, PublicKeyEncoding, PublicKeyFormat, PublicKeyQuery, PublicKeyResponse,
    UpdateKeyRequest, VersionInfo,
};
use keyhold_core::{
    Algorithm, CoreError, Cryptoperiod, KeyKind, KeyRef, KeyVersion, VersionNumber,
};

use super::validate::{check_description, check_rotation_period, check_tags};
use crate::error::ServerError;
use crate::ops::{Caller, Operations};

impl Operations {
    /// Changes the description, replaces the tags, sets or clears the
    /// rotation period (the next rotation is then counted from now) or
    /// either cryptoperiod (which applies at once, from each version's
    /// activation date). Name, algorithm, usage and exportability never
    /// change.
    pub fn update_key(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: UpdateKeyRequest,
    ) -> Result<KeyInfo, ServerError> {
        check_update(&req)?;
        self.change_key(caller, key, |rows, _| {
            let k = &mut rows.key;
            if let Some(description) = req.description {
                k.description = description;
            }
            if let Some(tags) = req.tags {
                keyhold_core::kmip_custom::check_apart_from_tags(&k.kmip.custom, &tags)?;
                k.tags = tags;
            }
            let period = match req.rotation_period_secs {
                Patch::Keep => k.rotation_period_secs,
                Patch::Clear => None,
                Patch::Set(secs) => Some(secs),
            };
            if period != k.rotation_period_secs {
                k.rotation_period_secs = period;
                k.next_rotation_at = None;
            }
            k.cryptoperiod = patched_cryptoperiod(
                k.cryptoperiod,
                req.originator_usage_period_secs,
                req.recipient_usage_period_secs,
            )?;
            Ok(())
        })
    }

    /// Every version of a key with its state and dates, oldest first.
    pub fn key_versions(&self, caller: &Caller, key: &KeyRef) -> Result<KeyVersions, ServerError> {
        let rows = self.key_rows(caller, key)?;
        let primary = rows.key.primary_version;
        Ok(KeyVersions {
            key_id: rows.key.id,
            name: rows.key.name,
            primary_version: primary,
            versions: rows
                .versions
                .iter()
                .map(|v| version_info(&v.meta, primary))
                .collect(),
        })
    }

    /// The public key of an asymmetric key's primary version (or of
    /// `q.version`): SubjectPublicKeyInfo as PEM or DER, or, for ML-KEM-768,
    /// the raw encapsulation key (format `raw`, whatever was asked).
    pub fn public_key(
        &self,
        caller: &Caller,
        key: &KeyRef,
        q: PublicKeyQuery,
    ) -> Result<PublicKeyResponse, ServerError> {
        let rows = self.key_rows(caller, key)?;
        let algorithm = rows.key.algorithm;
        if algorithm.kind() == KeyKind::Symmetric {
            return Err(ServerError::NoPublicKey { algorithm });
        }
        let number = q.version.unwrap_or(rows.key.primary_version);
        let version = &rows.version(number)?.meta;
        let bytes = version.public_key.as_deref().ok_or(ServerError::Internal {
            what: "asymmetric key version without a public key",
        })?;
        let (format, public_key) = encode(algorithm, q.format.unwrap_or_default(), bytes);
        Ok(PublicKeyResponse {
            key_id: rows.key.id,
            version: number,
            state: version.state,
            algorithm,
            format,
            public_key,
        })
    }
}

/// Checks a PATCH body: it changes something, and what it sets is valid.
fn check_update(req: &UpdateKeyRequest) -> Result<(), CoreError> {
    if req.is_empty() {
        return Err(CoreError::InvalidValue {
            field: "body",
            reason: "names no field to change (description, tags, rotation_period_secs, \
                     originator_usage_period_secs, recipient_usage_period_secs)",
        });
    }
    if let Some(d) = &req.description {
        check_description(d)?;
    }
    if let Some(tags) = &req.tags {
        check_tags(tags)?;
    }
    if let Patch::Set(secs) = req.rotation_period_secs {
        check_rotation_period(secs)?;
    }
    Ok(())
}

/// The key's cryptoperiod with the request's changes, checked as a whole
/// (the recipient-usage period no shorter than the originator-usage one).
fn patched_cryptoperiod(
    current: Cryptoperiod,
    originator: Patch<u64>,
    recipient: Patch<u64>,
) -> Result<Cryptoperiod, CoreError> {
    let next = Cryptoperiod {
        originator_usage_secs: originator.apply(current.originator_usage_secs),
        recipient_usage_secs: recipient.apply(current.recipient_usage_secs),
    };
    next.check()?;
    Ok(next)
}

fn version_info(v: &KeyVersion, primary: VersionNumber) -> VersionInfo {
    VersionInfo {
        version: v.version,
        id: v.id,
        state: v.state,
        primary: v.version == primary,
        archived: v.archived,
        created_at: v.created_at,
        activation_date: v.activation_date,
        deactivation_date: v.deactivation_date,
        compromise_date: v.compromise_date,
        destroy_date: v.destroy_date,
        revocation_reason: v.revocation_reason,
    }
}

/// A stored public key in the asked encoding. ML-KEM-768 stores its raw
/// encapsulation key (no SubjectPublicKeyInfo is standardized for it yet),
/// so it is always given raw.
fn encode(
    algorithm: Algorithm,
    asked: PublicKeyEncoding,
    bytes: &[u8],
) -> (PublicKeyFormat, String) {
    match (algorithm, asked) {
        (Algorithm::MlKem768, _) => (PublicKeyFormat::Raw, STANDARD.encode(bytes)),
        (_, PublicKeyEncoding::Der) => (PublicKeyFormat::Der, STANDARD.encode(bytes)),
        (_, PublicKeyEncoding::Pem) => (PublicKeyFormat::Pem, pem(bytes)),
    }
}

/// SubjectPublicKeyInfo DER as PEM (RFC 7468 section 13): base64 in lines of
/// 64 characters between `PUBLIC KEY` boundaries.
fn pem(der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 60);
    out.push_str("-----BEGIN PUBLIC KEY-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END PUBLIC KEY-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_wraps_base64_at_64_columns() {
        let der: Vec<u8> = (0..=200u8).collect();
        let text = pem(&der);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.first(), Some(&"-----BEGIN PUBLIC KEY-----"));
        assert_eq!(lines.last(), Some(&"-----END PUBLIC KEY-----"));
        let body = &lines[1..lines.len() - 1];
        assert!(body.iter().rev().skip(1).all(|l| l.len() == 64));
        assert!(body.last().is_some_and(|l| !l.is_empty() && l.len() <= 64));
        assert_eq!(STANDARD.decode(body.concat()).unwrap(), der);
        assert!(text.ends_with("-----\n"));
    }

    #[test]
    fn ml_kem_is_always_raw() {
        for asked in [PublicKeyEncoding::Pem, PublicKeyEncoding::Der] {
            let (format, text) = encode(Algorithm::MlKem768, asked, &[1, 2, 3]);
            assert_eq!((format, text.as_str()), (PublicKeyFormat::Raw, "AQID"));
        }
        let (format, text) = encode(Algorithm::Ed25519, PublicKeyEncoding::Der, &[1, 2, 3]);
        assert_eq!((format, text.as_str()), (PublicKeyFormat::Der, "AQID"));
        let (format, _) = encode(Algorithm::Ed25519, PublicKeyEncoding::Pem, &[1, 2, 3]);
        assert_eq!(format, PublicKeyFormat::Pem);
    }

    #[test]
    fn empty_and_invalid_patches_are_refused() {
        assert!(check_update(&UpdateKeyRequest::default()).is_err());
        let short = UpdateKeyRequest {
            rotation_period_secs: Patch::Set(60),
            ..Default::default()
        };
        assert!(check_update(&short).is_err());
        let clear = UpdateKeyRequest {
            rotation_period_secs: Patch::Clear,
            ..Default::default()
        };
        assert!(check_update(&clear).is_ok());
    }

    #[test]
    fn cryptoperiod_patches_apply_to_the_current_periods_and_are_checked_whole() {
        let day = 86_400;
        let current = Cryptoperiod {
            originator_usage_secs: Some(30 * day),
            recipient_usage_secs: Some(90 * day),
        };
        let keep = patched_cryptoperiod(current, Patch::Keep, Patch::Keep).unwrap();
        assert_eq!(keep, current);
        let longer = patched_cryptoperiod(current, Patch::Set(60 * day), Patch::Keep).unwrap();
        assert_eq!(longer.originator_usage_secs, Some(60 * day));
        assert_eq!(longer.recipient_usage_secs, Some(90 * day));
        let cleared = patched_cryptoperiod(current, Patch::Clear, Patch::Clear).unwrap();
        assert_eq!(cleared, Cryptoperiod::NONE);
        // The originator-usage period may not outlast the recipient one.
        assert!(patched_cryptoperiod(current, Patch::Set(91 * day), Patch::Keep).is_err());
        assert!(patched_cryptoperiod(current, Patch::Keep, Patch::Set(60)).is_err());
        let only = UpdateKeyRequest {
            recipient_usage_period_secs: Patch::Clear,
            ..Default::default()
        };
        assert!(
            check_update(&only).is_ok(),
            "a cryptoperiod alone is a change"
        );
    }
}
