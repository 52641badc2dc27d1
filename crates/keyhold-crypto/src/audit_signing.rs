//! Signed audit checkpoints (DESIGN.md section 7): an Ed25519 key derived
//! from the root key signs "the chain reached this link at this event", so a
//! copy of the trail can be verified offline with the public key alone.
//!
//! The signing key's seed is `HKDF(root, "audit signing")`
//! ([`DerivedPurpose::AuditSigning`]): the same root key always gives the
//! same key pair, so checkpoints made before a restart verify after it. The
//! signature covers [`Checkpoint::signed_bytes`]; the checkpoint's `signer`
//! is the SHA-256 fingerprint of the public key, so a verifier holding
//! several keys (across root rotations) picks the right one.

use std::fmt;

use aws_lc_rs::digest;
use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair as _, UnparsedPublicKey};
use keyhold_core::Timestamp;
use keyhold_core::audit::{ChainHash, Checkpoint};

use crate::error::CryptoError;
use crate::hierarchy::{DerivedPurpose, RootKey};

/// Length of an Ed25519 public key.
pub const PUBLIC_KEY_LEN: usize = 32;

/// Signs audit checkpoints with the key derived from the root key.
///
/// The seed lives only for the construction (it is zeroized on drop); the
/// private key then lives inside aws-lc, which wipes it when the key pair is
/// freed. Never printed.
pub struct AuditSigner {
    pair: Ed25519KeyPair,
    public_key: [u8; PUBLIC_KEY_LEN],
    fingerprint: [u8; 32],
}

impl fmt::Debug for AuditSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditSigner")
            .field("key", &"<redacted>")
            .field("fingerprint", &hex8(&self.fingerprint))
            .finish()
    }
}

impl AuditSigner {
    /// The signer whose key is derived from `root`.
    pub fn with_root(root: &RootKey) -> Result<Self, CryptoError> {
        let seed = root.derive(DerivedPurpose::AuditSigning)?;
        let pair =
            Ed25519KeyPair::from_seed_unchecked(seed.expose()).map_err(|_| CryptoError::Derive)?;
        let public_key: [u8; PUBLIC_KEY_LEN] = pair
            .public_key()
            .as_ref()
            .try_into()
            .map_err(|_| CryptoError::Derive)?;
        Ok(Self {
            pair,
            fingerprint: fingerprint(&public_key),
            public_key,
        })
    }

    /// The raw 32-byte Ed25519 public key (RFC 8032 section 5.1.5).
    pub fn public_key(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.public_key
    }

    /// SHA-256 of the public key: the `signer` of every checkpoint it makes.
    pub fn fingerprint(&self) -> [u8; 32] {
        self.fingerprint
    }

    /// A checkpoint stating that event `seq` has link `hash`, made at `time`.
    pub fn sign(&self, seq: u64, hash: &ChainHash, time: Timestamp) -> Checkpoint {
        let mut checkpoint = Checkpoint {
            seq,
            hash: *hash,
            time,
            signer: self.fingerprint.to_vec(),
            signature: Vec::new(),
        };
        checkpoint.signature = self.pair.sign(&checkpoint.signed_bytes()).as_ref().to_vec();
        checkpoint
    }
}

/// SHA-256 of a public key.
pub fn fingerprint(public_key: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest::digest(&digest::SHA256, public_key).as_ref());
    out
}

/// Whether `checkpoint` was signed by the Ed25519 `public_key`: its signer
/// must be that key's fingerprint and its signature must verify over
/// [`Checkpoint::signed_bytes`].
pub fn verify_checkpoint(public_key: &[u8], checkpoint: &Checkpoint) -> bool {
    if public_key.len() != PUBLIC_KEY_LEN || checkpoint.signer != fingerprint(public_key) {
        return false;
    }
    UnparsedPublicKey::new(&ED25519, public_key)
        .verify(&checkpoint.signed_bytes(), &checkpoint.signature)
        .is_ok()
}

fn hex8(bytes: &[u8]) -> String {
    bytes.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretBytes;

    fn root(byte: u8) -> RootKey {
        RootKey::from_secret(SecretBytes::new(vec![byte; 32])).unwrap()
    }

    fn time() -> Timestamp {
        Timestamp::from_unix_seconds(1_800_000_000)
    }

    #[test]
    fn a_checkpoint_verifies_under_its_key() {
        let signer = AuditSigner::with_root(&root(1)).unwrap();
        let c = signer.sign(42, &ChainHash([7; 32]), time());
        assert_eq!((c.seq, c.hash, c.time), (42, ChainHash([7; 32]), time()));
        assert_eq!(c.signer, signer.fingerprint().to_vec());
        assert_eq!(c.signature.len(), 64);
        assert!(verify_checkpoint(&signer.public_key(), &c));
    }

    #[test]
    fn any_changed_field_fails() {
        let signer = AuditSigner::with_root(&root(1)).unwrap();
        let pk = signer.public_key();
        let c = signer.sign(42, &ChainHash([7; 32]), time());
        let mut flipped_sig = c.signature.clone();
        flipped_sig[0] ^= 1;
        let changed = [
            Checkpoint {
                seq: 43,
                ..c.clone()
            },
            Checkpoint {
                hash: ChainHash([8; 32]),
                ..c.clone()
            },
            Checkpoint {
                time: time().plus_seconds(1),
                ..c.clone()
            },
            Checkpoint {
                signer: vec![0; 32],
                ..c.clone()
            },
            Checkpoint {
                signature: flipped_sig,
                ..c.clone()
            },
            Checkpoint {
                signature: vec![],
                ..c.clone()
            },
        ];
        for (i, bad) in changed.iter().enumerate() {
            assert!(!verify_checkpoint(&pk, bad), "change {i} accepted");
        }
        assert!(!verify_checkpoint(&pk[..31], &c));
        assert!(!verify_checkpoint(&[], &c));
    }

    #[test]
    fn another_roots_key_fails() {
        let a = AuditSigner::with_root(&root(1)).unwrap();
        let b = AuditSigner::with_root(&root(2)).unwrap();
        assert_ne!(a.public_key(), b.public_key());
        let c = a.sign(1, &ChainHash([1; 32]), time());
        assert!(!verify_checkpoint(&b.public_key(), &c));
        // Even with the signer field pointing at b's key, a's signature fails.
        let relabelled = Checkpoint {
            signer: b.fingerprint().to_vec(),
            ..c
        };
        assert!(!verify_checkpoint(&b.public_key(), &relabelled));
    }

    #[test]
    fn the_key_is_deterministic_per_root_and_redacted() {
        let a = AuditSigner::with_root(&root(1)).unwrap();
        let again = AuditSigner::with_root(&root(1)).unwrap();
        assert_eq!(a.public_key(), again.public_key());
        assert_eq!(a.fingerprint(), fingerprint(&a.public_key()));
        let c = a.sign(5, &ChainHash([5; 32]), time());
        assert!(verify_checkpoint(&again.public_key(), &c));
        assert_eq!(
            c,
            again.sign(5, &ChainHash([5; 32]), time()),
            "Ed25519 is deterministic"
        );
        let debug = format!("{a:?}");
        assert!(debug.contains("<redacted>"));
        let seed = root(1).derive(DerivedPurpose::AuditSigning).unwrap();
        let seed_hex: String = seed.expose().iter().map(|b| format!("{b:02x}")).collect();
        assert!(!debug.contains(&seed_hex[..16]));
    }
}
