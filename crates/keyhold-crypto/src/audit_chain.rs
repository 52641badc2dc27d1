//! The audit hash chain's cryptography: SHA-256 links and HMAC-SHA-256 MACs
//! under the audit MAC key derived from the root key (DESIGN.md section 7).
//! Implements `keyhold_core::audit::ChainCrypto`.
//!
//! link(n) = SHA-256("keyhold-audit-link-v1" ‖ link(n-1) ‖ n ‖ record(n)),
//! mac(n)  = HMAC-SHA-256(audit key, link(n)).

use std::fmt;

use aws_lc_rs::{digest, hmac};
use keyhold_core::audit::{ChainCrypto, ChainHash};

use crate::error::CryptoError;
use crate::hierarchy::{DerivedPurpose, RootKey};

const LINK_LABEL: &[u8] = b"keyhold-audit-link-v1";

/// Links and MACs audit events. Without the MAC key (offline), it links and
/// answers "unknown" for MACs.
pub struct AuditChain {
    mac_key: Option<hmac::Key>,
}

impl fmt::Debug for AuditChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditChain")
            .field("mac_key", &self.mac_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl AuditChain {
    /// With the MAC key derived from `root`.
    pub fn with_root(root: &RootKey) -> Result<Self, CryptoError> {
        let key = root.derive(DerivedPurpose::AuditMac)?;
        Ok(Self {
            mac_key: Some(hmac::Key::new(hmac::HMAC_SHA256, key.expose())),
        })
    }

    /// Without a MAC key: links only (offline verification).
    pub fn offline() -> Self {
        Self { mac_key: None }
    }

    /// The MAC of a link; `None` offline.
    pub fn mac(&self, hash: &ChainHash) -> Option<Vec<u8>> {
        self.mac_key
            .as_ref()
            .map(|k| hmac::sign(k, &hash.0).as_ref().to_vec())
    }
}

impl ChainCrypto for AuditChain {
    fn link(&self, prev: &ChainHash, seq: u64, record: &[u8]) -> ChainHash {
        let mut ctx = digest::Context::new(&digest::SHA256);
        ctx.update(LINK_LABEL);
        ctx.update(&prev.0);
        ctx.update(&seq.to_be_bytes());
        ctx.update(record);
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        ChainHash(out)
    }

    fn check_mac(&self, hash: &ChainHash, mac: &[u8]) -> Option<bool> {
        self.mac_key
            .as_ref()
            .map(|k| hmac::verify(k, &hash.0, mac).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretBytes;

    fn root(byte: u8) -> RootKey {
        RootKey::from_secret(SecretBytes::new(vec![byte; 32])).unwrap()
    }

    #[test]
    fn links_depend_on_every_input() {
        let c = AuditChain::offline();
        let zero = ChainHash::default();
        let base = c.link(&zero, 1, b"record");
        assert_eq!(base, c.link(&zero, 1, b"record"));
        assert_ne!(base, c.link(&ChainHash([1; 32]), 1, b"record"));
        assert_ne!(base, c.link(&zero, 2, b"record"));
        assert_ne!(base, c.link(&zero, 1, b"recorD"));
    }

    #[test]
    fn macs_need_the_same_root() {
        let a = AuditChain::with_root(&root(1)).unwrap();
        let b = AuditChain::with_root(&root(2)).unwrap();
        let h = a.link(&ChainHash::default(), 1, b"r");
        let mac = a.mac(&h).unwrap();
        assert_eq!(a.check_mac(&h, &mac), Some(true));
        assert_eq!(b.check_mac(&h, &mac), Some(false));
        assert_eq!(a.check_mac(&ChainHash([9; 32]), &mac), Some(false));
        assert_eq!(AuditChain::offline().check_mac(&h, &mac), None);
        assert!(format!("{a:?}").contains("<redacted>"));
    }
}
