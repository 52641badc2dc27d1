//! The root key: seals tenant KEKs, proves itself with a canary and derives
//! the audit and backup keys.

use std::fmt;

use aws_lc_rs::constant_time::verify_slices_are_equal;
use keyhold_core::{SealedBlob, TenantId};
use zeroize::{ZeroizeOnDrop, Zeroizing};

use super::{Kek, key_array, open, seal};
use crate::error::{CryptoError, SealLayer};
use crate::provider::CryptoProvider;
use crate::secret::SecretBytes;
use crate::software::hkdf_sha256;

const CANARY_AAD: &[u8] = b"keyhold root canary v1\0";
const CANARY_PLAINTEXT: &[u8] = b"keyhold root key canary: this root key opens this store";
const KEK_AAD_LABEL: &[u8] = b"keyhold kek v1\0";
const ROOT_AAD_LABEL: &[u8] = b"keyhold root key v1\0";
const SEED_AAD_LABEL: &[u8] = b"keyhold derivation seed v1\0";
/// The HKDF salt (RFC 5869 section 3.1: a fixed, non-secret salt is fine).
const DERIVE_SALT: &[u8] = b"keyhold root key derivation v1";

/// What a key derived from the root key is for. Each purpose has its own
/// HKDF info label, so the derived keys are independent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DerivedPurpose {
    /// The key that MACs the audit hash chain.
    AuditMac,
    /// The seed of the key that signs audit checkpoints.
    AuditSigning,
    /// The key that encrypts backups.
    Backup,
}

impl DerivedPurpose {
    /// The HKDF info string (RFC 5869 section 2.3).
    pub const fn info(self) -> &'static [u8] {
        match self {
            Self::AuditMac => b"keyhold derived key v1: audit mac",
            Self::AuditSigning => b"keyhold derived key v1: audit signing",
            Self::Backup => b"keyhold derived key v1: backup",
        }
    }
}

/// The 256-bit root of the key hierarchy. Lives only in memory while the
/// server is unsealed; zeroized on drop; never printed.
#[derive(ZeroizeOnDrop)]
pub struct RootKey {
    key: [u8; 32],
}

impl RootKey {
    /// A new random root key.
    pub fn generate(provider: &CryptoProvider) -> Result<Self, CryptoError> {
        let mut root = Self { key: [0; 32] };
        provider.random.fill(&mut root.key)?;
        Ok(root)
    }

    /// The root key rebuilt by a seal; must be 32 bytes.
    pub fn from_secret(secret: SecretBytes) -> Result<Self, CryptoError> {
        let key = key_array(secret.expose()).ok_or(CryptoError::InvalidInput {
            what: "root key",
            reason: "must be 32 bytes",
        })?;
        Ok(Self { key })
    }

    /// The raw key, only for a seal to split or store it.
    pub fn expose_for_seal(&self) -> &[u8] {
        &self.key
    }

    /// A known value sealed under this key, stored so that a rebuilt root
    /// key can be recognised ([`RootKey::check_canary`]).
    pub fn canary(&self, provider: &CryptoProvider) -> Result<SealedBlob, CryptoError> {
        seal(provider, &self.key, CANARY_AAD, CANARY_PLAINTEXT)
    }

    /// Whether this is the root key that made `canary`; any other key (or a
    /// modified canary) gets [`CryptoError::CanaryMismatch`].
    pub fn check_canary(&self, canary: &SealedBlob) -> Result<(), CryptoError> {
        let plaintext = open(&self.key, CANARY_AAD, canary).ok_or(CryptoError::CanaryMismatch)?;
        verify_slices_are_equal(plaintext.expose(), CANARY_PLAINTEXT)
            .map_err(|_| CryptoError::CanaryMismatch)
    }

    /// Seals a tenant's KEK. The AAD binds the tenant, the root key
    /// generation and the KEK's own generation, so the blob opens for no
    /// other tenant or generation (a current KEK never opens as a retiring
    /// one, nor the reverse).
    pub fn seal_kek(
        &self,
        provider: &CryptoProvider,
        tenant: TenantId,
        generations: KekGenerations,
        kek: &Kek,
    ) -> Result<SealedBlob, CryptoError> {
        seal(
            provider,
            &self.key,
            &kek_aad(tenant, generations),
            kek.expose(),
        )
    }

    /// Opens a tenant's KEK sealed by [`RootKey::seal_kek`].
    pub fn open_kek(
        &self,
        tenant: TenantId,
        generations: KekGenerations,
        blob: &SealedBlob,
    ) -> Result<Kek, CryptoError> {
        let failed = || CryptoError::Unseal {
            layer: SealLayer::Kek,
        };
        let secret = open(&self.key, &kek_aad(tenant, generations), blob).ok_or_else(failed)?;
        Kek::from_secret(&secret).ok_or_else(failed)
    }

    /// An independent copy, for the holder that needs the same key twice
    /// (the seal key that is also the first root key).
    pub fn duplicate(&self) -> Self {
        Self { key: self.key }
    }

    /// Seals `root`, the root key of `generation`, under this key (the
    /// seal key the shares or the dev file rebuild). The AAD binds the
    /// generation, so a blob of one generation never opens as another.
    pub fn seal_root(
        &self,
        provider: &CryptoProvider,
        generation: u32,
        root: &RootKey,
    ) -> Result<SealedBlob, CryptoError> {
        let aad = generation_aad(ROOT_AAD_LABEL, generation);
        seal(provider, &self.key, &aad, &root.key)
    }

    /// Opens a root key sealed by [`RootKey::seal_root`].
    pub fn open_root(&self, generation: u32, blob: &SealedBlob) -> Result<RootKey, CryptoError> {
        self.open_child(ROOT_AAD_LABEL, SealLayer::Root, generation, blob)
    }

    /// Seals the derivation seed (the key the audit and backup keys are
    /// derived from) under this root key of `generation`.
    pub fn seal_seed(
        &self,
        provider: &CryptoProvider,
        generation: u32,
        seed: &RootKey,
    ) -> Result<SealedBlob, CryptoError> {
        let aad = generation_aad(SEED_AAD_LABEL, generation);
        seal(provider, &self.key, &aad, &seed.key)
    }

    /// Opens a derivation seed sealed by [`RootKey::seal_seed`].
    pub fn open_seed(&self, generation: u32, blob: &SealedBlob) -> Result<RootKey, CryptoError> {
        self.open_child(SEED_AAD_LABEL, SealLayer::DerivationSeed, generation, blob)
    }

    fn open_child(
        &self,
        label: &[u8],
        layer: SealLayer,
        generation: u32,
        blob: &SealedBlob,
    ) -> Result<RootKey, CryptoError> {
        let secret = open(&self.key, &generation_aad(label, generation), blob)
            .ok_or(CryptoError::Unseal { layer })?;
        let key = key_array(secret.expose()).ok_or(CryptoError::Unseal { layer })?;
        Ok(RootKey { key })
    }

    /// A 32-byte key for `purpose`: HKDF-SHA256 (RFC 5869) of the root key
    /// with a fixed salt and the purpose's info label.
    pub fn derive(&self, purpose: DerivedPurpose) -> Result<SecretBytes, CryptoError> {
        let mut out = Zeroizing::new([0u8; 32]);
        hkdf_sha256(DERIVE_SALT, &self.key, purpose.info(), out.as_mut())?;
        Ok(SecretBytes::copy_from(out.as_ref()))
    }
}

fn generation_aad(label: &[u8], generation: u32) -> Vec<u8> {
    let mut aad = Vec::with_capacity(label.len() + 4);
    aad.extend_from_slice(label);
    aad.extend_from_slice(&generation.to_be_bytes());
    aad
}

/// The generations a sealed KEK is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KekGenerations {
    /// The root key generation that seals it.
    pub root: u32,
    /// The KEK's own generation (1 for the tenant's first KEK).
    pub kek: u32,
}

/// label ‖ tenant ‖ root generation, then the KEK generation unless it is
/// 1 (so KEKs sealed before KEK rotation existed keep opening).
fn kek_aad(tenant: TenantId, generations: KekGenerations) -> Vec<u8> {
    let mut aad = Vec::with_capacity(KEK_AAD_LABEL.len() + 24);
    aad.extend_from_slice(KEK_AAD_LABEL);
    aad.extend_from_slice(tenant.as_bytes());
    aad.extend_from_slice(&generations.root.to_be_bytes());
    if generations.kek != 1 {
        aad.extend_from_slice(&generations.kek.to_be_bytes());
    }
    aad
}

impl fmt::Debug for RootKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RootKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::software::SOFTWARE;

    fn tenant(n: u8) -> TenantId {
        TenantId::from_bytes([n; 16])
    }

    fn gens(root: u32, kek: u32) -> KekGenerations {
        KekGenerations { root, kek }
    }

    #[test]
    fn from_secret_checks_the_length() {
        for len in [0, 31, 33, 64] {
            assert!(RootKey::from_secret(SecretBytes::new(vec![1; len])).is_err());
        }
        let root = RootKey::from_secret(SecretBytes::new(vec![1; 32])).unwrap();
        assert_eq!(root.expose_for_seal(), &[1; 32]);
    }

    #[test]
    fn the_canary_recognises_its_root_key_only() {
        let root = RootKey::generate(&SOFTWARE).unwrap();
        let canary = root.canary(&SOFTWARE).unwrap();
        root.check_canary(&canary).unwrap();
        let other = RootKey::generate(&SOFTWARE).unwrap();
        assert!(matches!(
            other.check_canary(&canary),
            Err(CryptoError::CanaryMismatch)
        ));
        let mut bytes = canary.as_bytes().to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(matches!(
            root.check_canary(&SealedBlob::new(bytes)),
            Err(CryptoError::CanaryMismatch)
        ));
        assert!(root.check_canary(&SealedBlob::new(vec![1, 2, 3])).is_err());
    }

    #[test]
    fn a_kek_opens_only_for_its_tenant_generation_and_root() {
        let root = RootKey::generate(&SOFTWARE).unwrap();
        let kek = Kek::generate(&SOFTWARE).unwrap();
        let blob = root
            .seal_kek(&SOFTWARE, tenant(1), gens(3, 1), &kek)
            .unwrap();
        let opened = root.open_kek(tenant(1), gens(3, 1), &blob).unwrap();
        assert_eq!(opened.expose(), kek.expose());
        let next = root
            .seal_kek(&SOFTWARE, tenant(1), gens(3, 2), &kek)
            .unwrap();
        assert!(root.open_kek(tenant(1), gens(3, 2), &next).is_ok());
        let other_root = RootKey::generate(&SOFTWARE).unwrap();
        for result in [
            root.open_kek(tenant(2), gens(3, 1), &blob),
            root.open_kek(tenant(1), gens(4, 1), &blob),
            root.open_kek(tenant(1), gens(3, 2), &blob),
            root.open_kek(tenant(1), gens(3, 1), &next),
            other_root.open_kek(tenant(1), gens(3, 1), &blob),
        ] {
            assert!(matches!(
                result,
                Err(CryptoError::Unseal {
                    layer: SealLayer::Kek
                })
            ));
        }
        let mut bytes = blob.as_bytes().to_vec();
        bytes[20] ^= 0x40;
        assert!(
            root.open_kek(tenant(1), gens(3, 1), &SealedBlob::new(bytes))
                .is_err()
        );
    }

    #[test]
    fn a_canary_is_not_a_kek_and_blobs_differ_each_time() {
        let root = RootKey::generate(&SOFTWARE).unwrap();
        let canary = root.canary(&SOFTWARE).unwrap();
        assert!(root.open_kek(tenant(1), gens(1, 1), &canary).is_err());
        assert_ne!(
            root.canary(&SOFTWARE).unwrap(),
            canary,
            "fresh nonce every seal"
        );
    }

    #[test]
    fn derived_keys_are_stable_distinct_and_root_specific() {
        let root = RootKey::from_secret(SecretBytes::new(vec![7; 32])).unwrap();
        let purposes = [
            DerivedPurpose::AuditMac,
            DerivedPurpose::AuditSigning,
            DerivedPurpose::Backup,
        ];
        let keys: Vec<SecretBytes> = purposes.iter().map(|p| root.derive(*p).unwrap()).collect();
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(k.len(), 32);
            assert_eq!(k.expose(), root.derive(purposes[i]).unwrap().expose());
            for other in keys.iter().skip(i + 1) {
                assert_ne!(k.expose(), other.expose());
            }
        }
        let other = RootKey::from_secret(SecretBytes::new(vec![8; 32])).unwrap();
        assert_ne!(
            other.derive(DerivedPurpose::Backup).unwrap().expose(),
            keys[2].expose()
        );
    }

    #[test]
    fn a_sealed_root_or_seed_opens_only_for_its_generation_and_layer() {
        let seal_key = RootKey::generate(&SOFTWARE).unwrap();
        let next = RootKey::generate(&SOFTWARE).unwrap();
        let blob = seal_key.seal_root(&SOFTWARE, 2, &next).unwrap();
        let opened = seal_key.open_root(2, &blob).unwrap();
        assert_eq!(opened.expose_for_seal(), next.expose_for_seal());
        let wrong = [
            seal_key.open_root(3, &blob).err(),
            seal_key.open_seed(2, &blob).err(),
            next.open_root(2, &blob).err(),
        ];
        for e in wrong {
            assert!(matches!(e, Some(CryptoError::Unseal { .. })), "{e:?}");
        }
        let seed = seal_key.duplicate();
        let sealed_seed = next.seal_seed(&SOFTWARE, 2, &seed).unwrap();
        let back = next.open_seed(2, &sealed_seed).unwrap();
        assert_eq!(
            back.derive(DerivedPurpose::AuditMac).unwrap().expose(),
            seal_key.derive(DerivedPurpose::AuditMac).unwrap().expose()
        );
        assert!(matches!(
            next.open_root(2, &sealed_seed),
            Err(CryptoError::Unseal {
                layer: SealLayer::Root
            })
        ));
    }

    #[test]
    fn debug_redacts() {
        let root = RootKey::from_secret(SecretBytes::new(vec![0xAB; 32])).unwrap();
        assert_eq!(format!("{root:?}"), "RootKey(<redacted>)");
    }
}
