//! Multi-part KMIP Encrypt (KMIP 1.4 section 4.29, KMIP 2.1 section
//! 6.1.17: Init Indicator, Correlation Value, Final Indicator) with AES-GCM
//! under a raw AES key: each part's ciphertext at once, the tag with the
//! last part. Every part is its own request: authorized, checked against
//! the key's state and usage, metered and audited as a single-part Encrypt
//! ([`super::gcm_streams`] keeps what lies between parts).
//!
//! Multi-part Decrypt is not offered: GCM decryption in parts would hand
//! out plaintext before the tag that authenticates it is checked.

use std::time::Instant;

use keyhold_core::{CryptoParams, KeyOperation, VersionId};
use keyhold_crypto::cipher::CipherMode;
use keyhold_crypto::software::GcmEncryption;

use super::access::identity::principal_id;
use super::gcm_streams::{CORRELATION_LEN, Correlation, StreamOwner};
use super::raw_cipher::{CipherRequest, cipher_error, raw_spec};
use super::{Caller, Operations};
use crate::error::ServerError;

/// Which part of a multi-part encryption a request is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// The first (Init Indicator): `last` if it is also the final one.
    First {
        /// Final Indicator.
        last: bool,
    },
    /// A later part of the stream the Correlation Value names.
    Next {
        /// The Correlation Value the previous part answered.
        correlation: Vec<u8>,
        /// Final Indicator.
        last: bool,
    },
}

impl Part {
    fn is_last(&self) -> bool {
        match self {
            Self::First { last } | Self::Next { last, .. } => *last,
        }
    }
}

/// One part's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartOutput {
    /// This part's ciphertext.
    pub ciphertext: Vec<u8>,
    /// The IV the server chose (first part, when the client sent none).
    pub iv: Option<Vec<u8>>,
    /// The tag (last part only).
    pub tag: Option<Vec<u8>>,
    /// The Correlation Value for the next part (all but the last part).
    pub correlation: Option<Vec<u8>>,
}

impl Operations {
    /// One part of a multi-part AES-GCM encryption under version `id`;
    /// `build` makes the request from the key's default Cryptographic
    /// Parameters (first part only: later parts continue the first's).
    pub fn kmip_encrypt_part(
        &self,
        caller: &Caller,
        id: VersionId,
        part: Part,
        build: impl FnOnce(Option<&CryptoParams>) -> Result<CipherRequest, ServerError>,
        plaintext: &[u8],
    ) -> Result<PartOutput, ServerError> {
        if matches!(part, Part::First { .. }) && !part.is_last() {
            self.gcm_streams.check_room(Instant::now())?;
        }
        let (key, version) = self.cipher_version(caller, id, KeyOperation::Encrypt)?;
        let owner = StreamOwner {
            tenant: caller.tenant.id,
            principal: principal_id(&caller.identity),
            version: id,
        };
        let material = self.usable_material(caller, &key, &version, KeyOperation::Encrypt)?;
        let (mut stream, iv, correlation) = match &part {
            Part::First { .. } => {
                let req = build(key.crypto_params.as_ref())?;
                if !key.algorithm.is_raw_cipher() {
                    return Err(not_gcm());
                }
                let mode = raw_spec(key.algorithm, &req)?.mode;
                let CipherMode::Gcm { tag_len } = mode else {
                    return Err(not_gcm());
                };
                let chosen = self.chosen_iv(&req, mode.iv_len())?;
                let iv = req.iv.as_deref().or(chosen.as_deref()).unwrap_or_default();
                let stream =
                    GcmEncryption::start(&material, iv, &req.aad, tag_len).map_err(cipher_error)?;
                (stream, chosen, self.new_correlation()?)
            }
            Part::Next { correlation, .. } => {
                let (kept, stream) = self.gcm_streams.take(correlation, owner, Instant::now())?;
                (stream, None, kept)
            }
        };
        let ciphertext = stream.update(&material, plaintext).map_err(cipher_error)?;
        self.charge_usage(&key, plaintext.len())?;
        if part.is_last() {
            let tag = stream.finish(&material).map_err(cipher_error)?;
            return Ok(PartOutput {
                ciphertext,
                iv,
                tag: Some(tag),
                correlation: None,
            });
        }
        self.gcm_streams
            .keep(correlation, owner, stream, Instant::now())?;
        Ok(PartOutput {
            ciphertext,
            iv,
            tag: None,
            correlation: Some(correlation.to_vec()),
        })
    }

    fn new_correlation(&self) -> Result<Correlation, ServerError> {
        let mut c = [0u8; CORRELATION_LEN];
        self.fill_random(&mut c)?;
        Ok(c)
    }
}

fn not_gcm() -> ServerError {
    ServerError::InvalidRequest {
        detail: "multi-part Encrypt is served for AES-GCM under a raw AES key only".into(),
    }
}
