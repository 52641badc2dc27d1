//! A tenant's key-encryption key: seals the material of the tenant's key
//! versions.

use std::fmt;

use keyhold_core::{Algorithm, KeyId, PrincipalId, SealedBlob, TenantId, VersionNumber};
use zeroize::ZeroizeOnDrop;

use super::{key_array, open, seal};
use crate::error::{CryptoError, SealLayer};
use crate::material::KeyMaterial;
use crate::provider::CryptoProvider;
use crate::secret::SecretBytes;

const MATERIAL_AAD_LABEL: &[u8] = b"keyhold material v1\0";

/// The identity a key version's sealed material is bound to (DESIGN.md
/// section 1, invariant 1): the blob opens only for this tenant, key,
/// version and algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MaterialAad {
    /// The key's tenant.
    pub tenant: TenantId,
    /// The key.
    pub key: KeyId,
    /// The version.
    pub version: VersionNumber,
    /// The key's algorithm.
    pub algorithm: Algorithm,
}

impl MaterialAad {
    /// label ‖ tenant (16) ‖ key id (16) ‖ version (4, BE) ‖ algorithm code (1).
    fn encode(&self) -> Vec<u8> {
        let mut aad = Vec::with_capacity(MATERIAL_AAD_LABEL.len() + 37);
        aad.extend_from_slice(MATERIAL_AAD_LABEL);
        aad.extend_from_slice(self.tenant.as_bytes());
        aad.extend_from_slice(self.key.as_bytes());
        aad.extend_from_slice(&self.version.get().to_be_bytes());
        aad.push(self.algorithm.code());
        aad
    }
}

/// A tenant's 256-bit key-encryption key. Zeroized on drop; never printed.
#[derive(ZeroizeOnDrop)]
pub struct Kek {
    key: [u8; 32],
}

impl Kek {
    /// A new random KEK.
    pub fn generate(provider: &CryptoProvider) -> Result<Self, CryptoError> {
        let mut kek = Self { key: [0; 32] };
        provider.random.fill(&mut kek.key)?;
        Ok(kek)
    }

    /// A KEK from opened bytes; `None` unless exactly 32.
    pub(super) fn from_secret(secret: &SecretBytes) -> Option<Self> {
        key_array(secret.expose()).map(|key| Self { key })
    }

    /// The raw key, for sealing under the root key.
    pub(super) fn expose(&self) -> &[u8] {
        &self.key
    }

    /// Seals a key version's material, bound to `aad`. The material's
    /// algorithm must be the one in `aad`.
    pub fn seal_material(
        &self,
        provider: &CryptoProvider,
        aad: &MaterialAad,
        material: &KeyMaterial,
    ) -> Result<SealedBlob, CryptoError> {
        if material.algorithm() != aad.algorithm {
            return Err(CryptoError::InvalidInput {
                what: "key material",
                reason: "its algorithm differs from the one it is sealed for",
            });
        }
        seal(
            provider,
            &self.key,
            &aad.encode(),
            material.secret().expose(),
        )
    }

    /// Opens material sealed by [`Kek::seal_material`] with the same `aad`.
    /// Any difference (tenant, key, version, algorithm, KEK, a flipped bit)
    /// gets [`CryptoError::Unseal`].
    pub fn open_material(
        &self,
        aad: &MaterialAad,
        blob: &SealedBlob,
    ) -> Result<KeyMaterial, CryptoError> {
        let secret = open(&self.key, &aad.encode(), blob).ok_or(CryptoError::Unseal {
            layer: SealLayer::Material,
        })?;
        KeyMaterial::from_parts(aad.algorithm, secret)
    }
}

/// Label of the AAD that binds a principal's sealed secret.
const PRINCIPAL_SECRET_AAD_LABEL: &[u8] = b"keyhold principal secret v1\0";

impl Kek {
    /// Seals a secret that belongs to a principal (a TOTP seed), bound to
    /// the tenant, the principal and `purpose`: it opens for nothing else.
    pub fn seal_principal_secret(
        &self,
        provider: &CryptoProvider,
        tenant: TenantId,
        principal: PrincipalId,
        purpose: &str,
        secret: &SecretBytes,
    ) -> Result<SealedBlob, CryptoError> {
        let aad = principal_aad(tenant, principal, purpose);
        seal(provider, &self.key, &aad, secret.expose())
    }

    /// Opens a secret sealed by [`Kek::seal_principal_secret`] with the
    /// same tenant, principal and purpose.
    pub fn open_principal_secret(
        &self,
        tenant: TenantId,
        principal: PrincipalId,
        purpose: &str,
        blob: &SealedBlob,
    ) -> Result<SecretBytes, CryptoError> {
        let aad = principal_aad(tenant, principal, purpose);
        open(&self.key, &aad, blob).ok_or(CryptoError::Unseal {
            layer: SealLayer::Material,
        })
    }
}

fn principal_aad(tenant: TenantId, principal: PrincipalId, purpose: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(PRINCIPAL_SECRET_AAD_LABEL.len() + 32 + purpose.len());
    aad.extend_from_slice(PRINCIPAL_SECRET_AAD_LABEL);
    aad.extend_from_slice(tenant.as_bytes());
    aad.extend_from_slice(principal.as_bytes());
    aad.extend_from_slice(purpose.as_bytes());
    aad
}

impl fmt::Debug for Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Kek(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::software::SOFTWARE;
    use crate::test_support::material;

    fn aad(algorithm: Algorithm) -> MaterialAad {
        MaterialAad {
            tenant: TenantId::from_bytes([1; 16]),
            key: KeyId::from_bytes([2; 16]),
            version: VersionNumber::new(3).unwrap(),
            algorithm,
        }
    }

    #[test]
    fn material_of_every_algorithm_round_trips() {
        let kek = Kek::generate(&SOFTWARE).unwrap();
        for alg in Algorithm::ALL {
            let m = material(alg);
            let blob = kek.seal_material(&SOFTWARE, &aad(alg), &m).unwrap();
            assert!(
                !blob
                    .as_bytes()
                    .windows(16)
                    .any(|w| m.secret().expose().starts_with(w)),
                "{alg}: sealed blob contains plaintext material"
            );
            let opened = kek.open_material(&aad(alg), &blob).unwrap();
            assert_eq!(opened.algorithm(), alg);
            assert_eq!(opened.secret().expose(), m.secret().expose());
        }
    }

    #[test]
    fn changing_any_aad_field_fails() {
        let kek = Kek::generate(&SOFTWARE).unwrap();
        let base = aad(Algorithm::Aes256Gcm);
        let blob = kek
            .seal_material(&SOFTWARE, &base, &material(Algorithm::Aes256Gcm))
            .unwrap();
        let changed = [
            MaterialAad {
                tenant: TenantId::from_bytes([9; 16]),
                ..base
            },
            MaterialAad {
                key: KeyId::from_bytes([9; 16]),
                ..base
            },
            MaterialAad {
                version: VersionNumber::FIRST,
                ..base
            },
            MaterialAad {
                algorithm: Algorithm::ChaCha20Poly1305,
                ..base
            },
        ];
        for other in changed {
            let e = kek.open_material(&other, &blob).unwrap_err();
            assert!(
                matches!(
                    e,
                    CryptoError::Unseal {
                        layer: SealLayer::Material
                    }
                ),
                "{other:?} opened"
            );
        }
        kek.open_material(&base, &blob).unwrap();
    }

    #[test]
    fn a_flipped_bit_or_another_kek_fails() {
        let kek = Kek::generate(&SOFTWARE).unwrap();
        let base = aad(Algorithm::HmacSha512);
        let blob = kek
            .seal_material(&SOFTWARE, &base, &material(Algorithm::HmacSha512))
            .unwrap();
        for i in 0..blob.as_bytes().len() {
            let mut bytes = blob.as_bytes().to_vec();
            bytes[i] ^= 0x01;
            assert!(
                kek.open_material(&base, &SealedBlob::new(bytes)).is_err(),
                "byte {i}"
            );
        }
        let other = Kek::generate(&SOFTWARE).unwrap();
        assert!(other.open_material(&base, &blob).is_err());
        assert!(
            kek.open_material(&base, &SealedBlob::new(Vec::new()))
                .is_err()
        );
    }

    #[test]
    fn a_blob_sealed_for_one_key_does_not_open_for_another() {
        let kek = Kek::generate(&SOFTWARE).unwrap();
        let a = aad(Algorithm::Aes256Gcm);
        let b = MaterialAad {
            key: KeyId::from_bytes([3; 16]),
            ..a
        };
        let blob_a = kek
            .seal_material(&SOFTWARE, &a, &material(Algorithm::Aes256Gcm))
            .unwrap();
        let blob_b = kek
            .seal_material(&SOFTWARE, &b, &material(Algorithm::Aes256Gcm))
            .unwrap();
        assert!(kek.open_material(&b, &blob_a).is_err());
        assert!(kek.open_material(&a, &blob_b).is_err());
    }

    #[test]
    fn material_must_match_the_aad_algorithm() {
        let kek = Kek::generate(&SOFTWARE).unwrap();
        let e = kek
            .seal_material(
                &SOFTWARE,
                &aad(Algorithm::ChaCha20Poly1305),
                &material(Algorithm::Aes256Gcm),
            )
            .unwrap_err();
        assert!(matches!(e, CryptoError::InvalidInput { .. }));
        assert_eq!(format!("{kek:?}"), "Kek(<redacted>)");
    }

    #[test]
    fn principal_secrets_open_only_for_their_principal_and_purpose() {
        let kek = Kek::generate(&SOFTWARE).unwrap();
        let t = TenantId::from_bytes([1; 16]);
        let p = PrincipalId::from_bytes([2; 16]);
        let secret = SecretBytes::new(vec![9; 20]);
        let blob = kek
            .seal_principal_secret(&SOFTWARE, t, p, "totp", &secret)
            .unwrap();
        let opened = kek.open_principal_secret(t, p, "totp", &blob).unwrap();
        assert_eq!(opened.expose(), secret.expose());
        let other = PrincipalId::from_bytes([3; 16]);
        assert!(kek.open_principal_secret(t, other, "totp", &blob).is_err());
        assert!(kek.open_principal_secret(t, p, "other", &blob).is_err());
        let other_kek = Kek::generate(&SOFTWARE).unwrap();
        assert!(
            other_kek
                .open_principal_secret(t, p, "totp", &blob)
                .is_err()
        );
    }
}
