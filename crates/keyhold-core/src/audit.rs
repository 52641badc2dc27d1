//! The audit record of one request (DESIGN.md section 7), its canonical
//! byte encoding, and the hash chain that links records into one
//! tamper-evident sequence.
//!
//! The hashing itself comes through the [`ChainCrypto`] port (the crypto
//! crate implements it with SHA-256 and HMAC), so the chain rules here stay
//! pure: [`verify_chain`] says which sequence number breaks and how.
//!
//! A record never holds plaintext, ciphertext, key material, tokens or
//! one-time codes: its fields are identifiers, names, codes and the
//! non-secret context the operations service chooses to record.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::ids::{KeyId, PrincipalId, RequestId, TenantId, VersionNumber};
use crate::time::Timestamp;

/// Which interface a request came through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Interface {
    /// The REST API.
    Rest,
    /// The KMIP listener.
    Kmip,
    /// The server's own scheduler.
    Scheduler,
}

/// How the caller proved who it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMethod {
    /// No credentials (or none that were valid).
    None,
    /// The root token made at init.
    RootToken,
    /// A principal's bearer token.
    Token,
    /// A TLS client certificate.
    ClientCertificate,
    /// The server itself (scheduler).
    Internal,
}

impl Interface {
    /// Every interface, in a stable order.
    pub const ALL: [Self; 3] = [Self::Rest, Self::Kmip, Self::Scheduler];

    /// The interface's stable name (as serialized). Never rename one.
    pub const fn as_str(self) -> &'static str {
        interface_name(self)
    }
}

impl AuthMethod {
    /// Every authentication method, in a stable order.
    pub const ALL: [Self; 5] = [
        Self::None,
        Self::RootToken,
        Self::Token,
        Self::ClientCertificate,
        Self::Internal,
    ];

    /// The method's stable name (as serialized). Never rename one.
    pub const fn as_str(self) -> &'static str {
        auth_name(self)
    }
}

/// How a request ended, without the error code: what audit queries filter on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutcomeKind {
    /// Done.
    Ok,
    /// Refused by authentication or authorization.
    Denied,
    /// Failed.
    Error,
}

impl OutcomeKind {
    /// Every kind, in a stable order.
    pub const ALL: [Self; 3] = [Self::Ok, Self::Denied, Self::Error];

    /// The kind's stable name (the `result` tag of a serialized [`Outcome`]).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Denied => "denied",
            Self::Error => "error",
        }
    }
}

/// How the request ended.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Outcome {
    /// Done.
    Ok,
    /// Refused by authentication or authorization, with the error code.
    Denied {
        /// The stable error code.
        code: String,
    },
    /// Failed, with the error code.
    Error {
        /// The stable error code.
        code: String,
    },
}

impl Outcome {
    /// The kind of outcome, without its code.
    pub const fn kind(&self) -> OutcomeKind {
        match self {
            Self::Ok => OutcomeKind::Ok,
            Self::Denied { .. } => OutcomeKind::Denied,
            Self::Error { .. } => OutcomeKind::Error,
        }
    }

    /// The error code; `None` for [`Outcome::Ok`].
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Ok => None,
            Self::Denied { code } | Self::Error { code } => Some(code),
        }
    }
}

/// What one request did, before it takes its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRecord {
    /// When the request arrived.
    pub time: Timestamp,
    /// The request's id.
    pub request_id: RequestId,
    /// The caller's tenant, once known.
    pub tenant: Option<TenantId>,
    /// The caller, once authenticated.
    pub principal: Option<PrincipalId>,
    /// How the caller authenticated.
    pub auth: AuthMethod,
    /// The peer address.
    pub source: Option<IpAddr>,
    /// The interface.
    pub interface: Interface,
    /// What was asked.
    pub action: Action,
    /// The key concerned.
    pub key: Option<KeyId>,
    /// The key version concerned.
    pub version: Option<VersionNumber>,
    /// How it ended.
    pub outcome: Outcome,
    /// Non-secret detail: algorithm, encryption-context keys and values, ...
    pub context: BTreeMap<String, String>,
}

/// Format tag of [`AuditRecord::canonical_bytes`]; bump on any change.
const CANONICAL_V1: &[u8] = b"keyhold-audit-record-v1";

impl AuditRecord {
    /// The record as bytes that depend only on its values: every field in a
    /// fixed order, each length-prefixed, so no two records share an encoding.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        field(&mut out, CANONICAL_V1);
        field(&mut out, &self.time.unix_micros().to_be_bytes());
        field(&mut out, self.request_id.as_bytes());
        field(
            &mut out,
            self.tenant.as_ref().map_or(&[][..], |t| &t.as_bytes()[..]),
        );
        field(
            &mut out,
            self.principal
                .as_ref()
                .map_or(&[][..], |p| &p.as_bytes()[..]),
        );
        field(&mut out, auth_name(self.auth).as_bytes());
        field(
            &mut out,
            self.source
                .map(|s| s.to_string())
                .unwrap_or_default()
                .as_bytes(),
        );
        field(&mut out, interface_name(self.interface).as_bytes());
        field(&mut out, self.action.as_str().as_bytes());
        field(
            &mut out,
            self.key.as_ref().map_or(&[][..], |k| &k.as_bytes()[..]),
        );
        let version = self.version.map(|v| v.get().to_be_bytes());
        field(&mut out, version.as_ref().map_or(&[][..], |v| &v[..]));
        let (result, code) = match &self.outcome {
            Outcome::Ok => ("ok", ""),
            Outcome::Denied { code } => ("denied", code.as_str()),
            Outcome::Error { code } => ("error", code.as_str()),
        };
        field(&mut out, result.as_bytes());
        field(&mut out, code.as_bytes());
        field(&mut out, &u64_len(self.context.len()));
        for (k, v) in &self.context {
            field(&mut out, k.as_bytes());
            field(&mut out, v.as_bytes());
        }
        out
    }
}

fn u64_len(n: usize) -> [u8; 8] {
    u64::try_from(n).unwrap_or(u64::MAX).to_be_bytes()
}

fn field(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&u64_len(bytes.len()));
    out.extend_from_slice(bytes);
}

const fn auth_name(a: AuthMethod) -> &'static str {
    match a {
        AuthMethod::None => "none",
        AuthMethod::RootToken => "root-token",
        AuthMethod::Token => "token",
        AuthMethod::ClientCertificate => "client-certificate",
        AuthMethod::Internal => "internal",
    }
}

const fn interface_name(i: Interface) -> &'static str {
    match i {
        Interface::Rest => "rest",
        Interface::Kmip => "kmip",
        Interface::Scheduler => "scheduler",
    }
}

/// A link of the hash chain (SHA-256 output).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ChainHash(pub [u8; 32]);

impl fmt::Debug for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex: String = self.0.iter().take(8).map(|b| format!("{b:02x}")).collect();
        write!(f, "ChainHash({hex}..)")
    }
}

/// A record in its place: sequence number, the previous link, its own link
/// and a MAC of its link under the audit key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    /// Position in the one total order, from 1, without gaps.
    pub seq: u64,
    /// The link of the event before (all zeros before the first).
    pub prev: ChainHash,
    /// This event's link.
    pub hash: ChainHash,
    /// MAC of `hash` under the audit MAC key.
    pub mac: Vec<u8>,
    /// What happened.
    pub record: AuditRecord,
}

/// The hashing the chain needs (implemented in `keyhold-crypto`).
pub trait ChainCrypto {
    /// The link of record `seq` after `prev`.
    fn link(&self, prev: &ChainHash, seq: u64, record: &[u8]) -> ChainHash;
    /// Whether `mac` authenticates `hash`; `None` when the MAC key is not
    /// at hand (offline verification relies on signed checkpoints instead).
    fn check_mac(&self, hash: &ChainHash, mac: &[u8]) -> Option<bool>;
}

/// Where a chain breaks, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BreakKind {
    /// A sequence number is missing (deleted event) or repeated (inserted).
    Sequence {
        /// The number that should have come.
        expected: u64,
    },
    /// The event does not follow the one before it (reordered or inserted).
    Prev,
    /// The event's content does not match its link (edited).
    Hash,
    /// The link's MAC is wrong (forged or recomputed without the key).
    Mac,
    /// The stored event cannot be read back as an audit event (a damaged
    /// row: an unknown name, a bad id or length).
    Malformed,
}

/// The first event at which verification failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainBreak {
    /// The sequence number where it breaks.
    pub seq: u64,
    /// What is wrong there.
    pub kind: BreakKind,
}

/// The end of a verified chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainHead {
    /// Last sequence number seen (the start's when no event was given).
    pub seq: u64,
    /// Its link.
    pub hash: ChainHash,
}

impl ChainHead {
    /// Before the first event.
    pub const GENESIS: Self = Self {
        seq: 0,
        hash: ChainHash([0; 32]),
    };
}

/// A signed statement that the chain reached `hash` at event `seq`, so a
/// copy of the trail can be verified offline and a truncation after the
/// checkpoint is detected (DESIGN.md section 7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The sequence number of the event it covers.
    pub seq: u64,
    /// That event's link.
    pub hash: ChainHash,
    /// When the checkpoint was made.
    pub time: Timestamp,
    /// Which key signed it (a fingerprint of its public key, say), so a
    /// verifier picks the right public key across rotations.
    pub signer: Vec<u8>,
    /// The signature over the checkpoint's content.
    pub signature: Vec<u8>,
}

/// Format tag of [`Checkpoint::signed_bytes`]; bump on any change.
const CHECKPOINT_V1: &[u8] = b"keyhold-audit-checkpoint-v1";

impl Checkpoint {
    /// The bytes the signature covers: a format tag, the sequence number,
    /// the link and the time in microseconds, each length-prefixed like
    /// [`AuditRecord::canonical_bytes`]. The signer is not covered: it only
    /// names the key, and a verifier checks it against that key.
    pub fn signed_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(96);
        field(&mut out, CHECKPOINT_V1);
        field(&mut out, &self.seq.to_be_bytes());
        field(&mut out, &self.hash.0);
        field(&mut out, &self.time.unix_micros().to_be_bytes());
        out
    }
}

/// Verifies that `events` continue the chain from `start`: consecutive
/// numbers, each linked to the one before, each link matching its content
/// and (when the key is at hand) its MAC. Returns the new head, or the first
/// break.
pub fn verify_chain<'a>(
    events: impl IntoIterator<Item = &'a AuditEvent>,
    crypto: &dyn ChainCrypto,
    start: ChainHead,
) -> Result<ChainHead, ChainBreak> {
    let mut head = start;
    for e in events {
        let expected = head.seq.saturating_add(1);
        let broken = |kind| Err(ChainBreak { seq: e.seq, kind });
        if e.seq != expected {
            return broken(BreakKind::Sequence { expected });
        }
        if e.prev != head.hash {
            return broken(BreakKind::Prev);
        }
        if crypto.link(&e.prev, e.seq, &e.record.canonical_bytes()) != e.hash {
            return broken(BreakKind::Hash);
        }
        if crypto.check_mac(&e.hash, &e.mac) == Some(false) {
            return broken(BreakKind::Mac);
        }
        head = ChainHead {
            seq: e.seq,
            hash: e.hash,
        };
    }
    Ok(head)
}

#[cfg(test)]
mod tests;
