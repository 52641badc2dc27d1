//! Key transport: key material wrapped to a recipient's public key, for
//! import ("bring your own key") and export. Both schemes are hybrid: a
//! fresh 256-bit AES key wraps the material with AES key wrap with padding
//! (KWP, RFC 5649 / NIST SP 800-38F section 6.3), and the recipient's public
//! key protects that AES key.
//!
//! ```text
//! rsa-oaep-sha256+aes-kwp
//!   RSA-OAEP(SHA-256, MGF1-SHA-256, empty label)(k) ‖ KWP(k, material)
//!   the first part is exactly the modulus length: 256, 384 or 512 bytes
//!
//! ml-kem-768+aes-kwp
//!   c ‖ KWP(k, material)   where (c, ss) = ML-KEM-768.Encaps(ek)   (FIPS 203 section 7.2)
//!                          and   k = HKDF-SHA256(salt = "", ikm = ss, info = LABEL, L = 32)
//!   c is 1088 bytes; LABEL is "keyhold key transport v1 ml-kem-768+aes-kwp"
//! ```
//!
//! The RSA scheme is the one of AWS KMS (`RSA_AES_KEY_WRAP_SHA_256`),
//! HashiCorp Vault's BYOK import and PKCS#11 `CKM_RSA_AES_KEY_WRAP`, so a
//! blob made by their tooling imports here and an export unwraps there. The
//! ML-KEM scheme is the same construction with the RSA step replaced by a
//! post-quantum KEM; the HKDF step turns the shared secret into a key that
//! is used for this one purpose only.
//!
//! The material is the [`crate::material`] encoding of its algorithm: raw
//! bytes for symmetric keys, PKCS#8 DER for RSA, ECDSA, Ed25519 and ML-DSA,
//! the FIPS 203 `dk` for ML-KEM.
//!
//! [`unwrap`] answers every cryptographic failure (an RSA-OAEP decoding
//! error, an ephemeral key of the wrong size, a KWP integrity failure) with
//! the same [`CryptoError::Unwrap`]: telling them apart would hand a caller
//! who can submit blobs repeatedly a padding oracle on the recipient key
//! (Manger's attack on RSA-OAEP).

use keyhold_core::{Algorithm, KeyOperation};

use crate::error::CryptoError;
use crate::material::KeyMaterial;
use crate::provider::CryptoProvider;
use crate::secret::SecretBytes;
use crate::software::hkdf_sha256;
use crate::software::keys;

/// The length of an ML-KEM-768 ciphertext (FIPS 203 table 3).
pub const ML_KEM_768_CIPHERTEXT_LEN: usize = 1088;
/// The shortest KWP output: one 8-byte integrity block and one 8-byte block
/// of padded material (RFC 5649 section 4.1).
const MIN_KWP_LEN: usize = 16;
/// The HKDF `info` of the ML-KEM scheme: binds the derived key to this use.
const ML_KEM_LABEL: &[u8] = b"keyhold key transport v1 ml-kem-768+aes-kwp";

/// How material is wrapped to a recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransportScheme {
    /// RSA-OAEP-SHA-256 protects an ephemeral AES-KWP key. The recipient
    /// is an RSA public key of 2048, 3072 or 4096 bits (SubjectPublicKeyInfo
    /// DER, RFC 5280 section 4.1.2.7).
    RsaOaepSha256AesKwp,
    /// ML-KEM-768 encapsulates a secret from which the AES-KWP key is
    /// derived. The recipient is the raw 1184-byte encapsulation key `ek`
    /// (FIPS 203 section 7.1).
    MlKem768AesKwp,
}

impl TransportScheme {
    /// The scheme whose blobs a private key of `algorithm` unwraps: RSA for
    /// the RSA algorithms, ML-KEM for ML-KEM-768, `None` otherwise.
    pub fn for_recipient(algorithm: Algorithm) -> Option<Self> {
        match algorithm {
            Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => {
                Some(Self::RsaOaepSha256AesKwp)
            }
            Algorithm::MlKem768 => Some(Self::MlKem768AesKwp),
            _ => None,
        }
    }
}

/// Wraps `material` to `recipient` (a public key in the encoding of
/// `scheme`). A recipient key that does not parse is
/// [`CryptoError::InvalidPublicKey`]; empty material is
/// [`CryptoError::InvalidInput`].
pub fn wrap(
    provider: &CryptoProvider,
    scheme: TransportScheme,
    recipient: &[u8],
    material: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let (header, kek) = match scheme {
        TransportScheme::RsaOaepSha256AesKwp => {
            let kek = provider.keygen.generate(Algorithm::Aes256KeyWrap)?;
            let header = provider
                .asymmetric
                .encrypt(recipient, kek.secret().expose())?;
            (header, kek)
        }
        TransportScheme::MlKem768AesKwp => {
            let (ciphertext, shared) = provider.kem.encapsulate(recipient)?;
            (ciphertext, derive_kek(&shared)?)
        }
    };
    let body = provider.key_wrap.wrap(&kek, material)?;
    let mut out = header;
    out.extend_from_slice(&body);
    Ok(out)
}

/// Unwraps a blob made by [`wrap`] with the private key `recipient` (RSA
/// or ML-KEM-768; any other algorithm is
/// [`CryptoError::UnsupportedAlgorithm`]). A blob too short to hold the
/// recipient's part and a KWP block is [`CryptoError::InvalidInput`]; every
/// other failure is [`CryptoError::Unwrap`].
pub fn unwrap(
    provider: &CryptoProvider,
    recipient: &KeyMaterial,
    wrapped: &[u8],
) -> Result<SecretBytes, CryptoError> {
    let algorithm = recipient.algorithm();
    let scheme =
        TransportScheme::for_recipient(algorithm).ok_or(CryptoError::UnsupportedAlgorithm {
            algorithm,
            operation: KeyOperation::UnwrapKey,
        })?;
    let header_len = match scheme {
        TransportScheme::RsaOaepSha256AesKwp => keys::rsa_bits(algorithm).unwrap_or_default() / 8,
        TransportScheme::MlKem768AesKwp => ML_KEM_768_CIPHERTEXT_LEN,
    };
    let (header, body) = split(wrapped, header_len)?;
    let kek = match scheme {
        TransportScheme::RsaOaepSha256AesKwp => {
            let secret = provider
                .asymmetric
                .decrypt(recipient, header)
                .map_err(|_| CryptoError::Unwrap)?;
            KeyMaterial::from_parts(Algorithm::Aes256KeyWrap, secret)
                .map_err(|_| CryptoError::Unwrap)?
        }
        TransportScheme::MlKem768AesKwp => {
            let shared = provider
                .kem
                .decapsulate(recipient, header)
                .map_err(|_| CryptoError::Unwrap)?;
            derive_kek(&shared)?
        }
    };
    provider
        .key_wrap
        .unwrap(&kek, body)
        .map_err(|_| CryptoError::Unwrap)
}

/// Splits a blob into the recipient's part and the KWP part.
fn split(wrapped: &[u8], header_len: usize) -> Result<(&[u8], &[u8]), CryptoError> {
    let too_short = CryptoError::InvalidInput {
        what: "wrapped key material",
        reason: "too short for the wrapping key's part and a 16-byte key wrap",
    };
    if header_len == 0 || wrapped.len() < header_len + MIN_KWP_LEN {
        return Err(too_short);
    }
    Ok(wrapped.split_at(header_len))
}

/// The KWP key of the ML-KEM scheme: HKDF-SHA256 of the shared secret.
fn derive_kek(shared: &SecretBytes) -> Result<KeyMaterial, CryptoError> {
    let mut okm = zeroize::Zeroizing::new([0u8; 32]);
    hkdf_sha256(&[], shared.expose(), ML_KEM_LABEL, okm.as_mut_slice())?;
    KeyMaterial::from_parts(
        Algorithm::Aes256KeyWrap,
        SecretBytes::copy_from(okm.as_slice()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::software::SOFTWARE;
    use crate::test_support::{material, public_key};

    const RSA: [Algorithm; 3] = [Algorithm::Rsa2048, Algorithm::Rsa3072, Algorithm::Rsa4096];

    fn recipients() -> Vec<(TransportScheme, Algorithm)> {
        let mut all: Vec<_> = RSA
            .iter()
            .map(|a| (TransportScheme::RsaOaepSha256AesKwp, *a))
            .collect();
        all.push((TransportScheme::MlKem768AesKwp, Algorithm::MlKem768));
        all
    }

    #[test]
    fn round_trips_for_every_recipient_and_material_length() {
        for (scheme, alg) in recipients() {
            let (private, public) = (material(alg), public_key(alg));
            for len in [1usize, 16, 32, 33, 64, 1300] {
                let secret: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
                let blob = wrap(&SOFTWARE, scheme, &public, &secret).unwrap();
                let header = match scheme {
                    TransportScheme::RsaOaepSha256AesKwp => keys::rsa_bits(alg).unwrap() / 8,
                    TransportScheme::MlKem768AesKwp => ML_KEM_768_CIPHERTEXT_LEN,
                };
                assert_eq!(blob.len(), header + len.div_ceil(8) * 8 + 8, "{alg} {len}");
                let back = unwrap(&SOFTWARE, &private, &blob).unwrap();
                assert_eq!(back.expose(), &secret[..], "{alg} {len}");
            }
        }
    }

    /// The RSA blob is exactly the AWS KMS / Vault layout: unwrap it by hand
    /// with the two primitives, and build one by hand that [`unwrap`] opens.
    #[test]
    fn rsa_layout_is_oaep_of_the_ephemeral_key_then_kwp() {
        let private = material(Algorithm::Rsa3072);
        let public = public_key(Algorithm::Rsa3072);
        let blob = wrap(
            &SOFTWARE,
            TransportScheme::RsaOaepSha256AesKwp,
            &public,
            b"k",
        )
        .unwrap();
        let (head, body) = blob.split_at(384);
        let eph = SOFTWARE.asymmetric.decrypt(&private, head).unwrap();
        assert_eq!(eph.len(), 32);
        let eph = KeyMaterial::from_parts(Algorithm::Aes256KeyWrap, eph).unwrap();
        assert_eq!(SOFTWARE.key_wrap.unwrap(&eph, body).unwrap().expose(), b"k");

        let kek = material(Algorithm::Aes256KeyWrap);
        let mut manual = SOFTWARE
            .asymmetric
            .encrypt(&public, kek.secret().expose())
            .unwrap();
        manual.extend(SOFTWARE.key_wrap.wrap(&kek, &[9; 32]).unwrap());
        assert_eq!(
            unwrap(&SOFTWARE, &private, &manual).unwrap().expose(),
            &[9; 32]
        );
    }

    #[test]
    fn ml_kem_layout_is_ciphertext_then_kwp_under_the_hkdf_key() {
        let private = material(Algorithm::MlKem768);
        let blob = wrap(
            &SOFTWARE,
            TransportScheme::MlKem768AesKwp,
            &public_key(Algorithm::MlKem768),
            b"material",
        )
        .unwrap();
        let (ct, body) = blob.split_at(ML_KEM_768_CIPHERTEXT_LEN);
        let shared = SOFTWARE.kem.decapsulate(&private, ct).unwrap();
        let mut okm = [0u8; 32];
        hkdf_sha256(&[], shared.expose(), ML_KEM_LABEL, &mut okm).unwrap();
        let kek = KeyMaterial::from_parts(Algorithm::Aes256KeyWrap, SecretBytes::copy_from(&okm))
            .unwrap();
        assert_eq!(
            SOFTWARE.key_wrap.unwrap(&kek, body).unwrap().expose(),
            b"material"
        );
        // The raw shared secret is not the KWP key: the HKDF step is there.
        let raw = KeyMaterial::from_parts(Algorithm::Aes256KeyWrap, shared.duplicate()).unwrap();
        assert!(SOFTWARE.key_wrap.unwrap(&raw, body).is_err());
    }

    #[test]
    fn any_modified_byte_is_the_same_unwrap_error() {
        for (scheme, alg) in recipients() {
            let private = material(alg);
            let blob = wrap(&SOFTWARE, scheme, &public_key(alg), &[5; 32]).unwrap();
            for i in [0, 1, blob.len() / 3, blob.len() - 20, blob.len() - 1] {
                let mut bad = blob.clone();
                bad[i] ^= 0x10;
                assert!(
                    matches!(unwrap(&SOFTWARE, &private, &bad), Err(CryptoError::Unwrap)),
                    "{alg} byte {i}"
                );
            }
            // Cut by one KWP block: still long enough, fails integrity.
            let cut = &blob[..blob.len() - 8];
            assert!(matches!(
                unwrap(&SOFTWARE, &private, cut),
                Err(CryptoError::Unwrap)
            ));
        }
    }

    #[test]
    fn the_wrong_recipient_cannot_unwrap() {
        let blob = wrap(
            &SOFTWARE,
            TransportScheme::RsaOaepSha256AesKwp,
            &public_key(Algorithm::Rsa2048),
            &[1; 32],
        )
        .unwrap();
        let other = SOFTWARE.keygen.generate(Algorithm::Rsa2048).unwrap();
        assert!(matches!(
            unwrap(&SOFTWARE, &other, &blob),
            Err(CryptoError::Unwrap)
        ));
        // An RSA-2048 blob given to an RSA-3072 key: the split is wrong too.
        assert!(matches!(
            unwrap(&SOFTWARE, &material(Algorithm::Rsa3072), &blob),
            Err(CryptoError::InvalidInput { .. } | CryptoError::Unwrap)
        ));
    }

    #[test]
    fn short_blobs_bad_recipients_and_empty_material_are_refused() {
        let rsa = material(Algorithm::Rsa2048);
        for len in [0, 1, 255, 256, 271] {
            assert!(
                matches!(
                    unwrap(&SOFTWARE, &rsa, &vec![0; len]),
                    Err(CryptoError::InvalidInput { .. })
                ),
                "{len}"
            );
        }
        assert!(matches!(
            unwrap(&SOFTWARE, &material(Algorithm::MlKem768), &[0; 1103]),
            Err(CryptoError::InvalidInput { .. })
        ));
        assert!(matches!(
            unwrap(&SOFTWARE, &material(Algorithm::Aes256Gcm), &[0; 300]),
            Err(CryptoError::UnsupportedAlgorithm {
                algorithm: Algorithm::Aes256Gcm,
                operation: KeyOperation::UnwrapKey
            })
        ));
        let rsa_public = public_key(Algorithm::Rsa2048);
        let ml_kem_public = public_key(Algorithm::MlKem768);
        let bad = [
            (TransportScheme::RsaOaepSha256AesKwp, &ml_kem_public[..]),
            (TransportScheme::RsaOaepSha256AesKwp, &[0x30; 40][..]),
            (TransportScheme::MlKem768AesKwp, &rsa_public[..]),
            (
                TransportScheme::RsaOaepSha256AesKwp,
                &public_key(Algorithm::EcdsaP256)[..],
            ),
        ];
        for (scheme, recipient) in bad {
            assert!(
                matches!(
                    wrap(&SOFTWARE, scheme, recipient, &[1; 32]),
                    Err(CryptoError::InvalidPublicKey { .. })
                ),
                "{scheme:?}"
            );
        }
        assert!(matches!(
            wrap(
                &SOFTWARE,
                TransportScheme::RsaOaepSha256AesKwp,
                &rsa_public,
                &[]
            ),
            Err(CryptoError::InvalidInput { .. })
        ));
    }
}
