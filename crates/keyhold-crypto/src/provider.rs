//! The crypto provider: one plain struct whose fields are small traits, one
//! per family of operations, in the style of rustls' `CryptoProvider`. A
//! caller swaps one field (an HSM signer, a deterministic random source for
//! a known-answer test) and keeps the rest.
//!
//! Every trait says whether its implementation is FIPS 140-3 approved, and
//! [`CryptoProvider::fips_approved`] reports the weakest.

use std::fmt::Debug;

use keyhold_core::Algorithm;

use crate::cipher::{CipherSpec, RawCiphertext};
use crate::error::CryptoError;
use crate::material::KeyMaterial;
use crate::rsa_padding::RsaPadding;
use crate::rsa_pss::{PssParams, Signed};
use crate::scheme::SignatureScheme;
use crate::secret::SecretBytes;

/// The cryptographic capabilities keyhold uses. Copy it freely: it holds
/// only references to static implementations.
#[derive(Clone, Copy, Debug)]
pub struct CryptoProvider {
    /// Cryptographically secure random bytes.
    pub random: &'static dyn SecureRandom,
    /// Key generation and public-key export.
    pub keygen: &'static dyn KeyGenerator,
    /// Authenticated encryption of data.
    pub aead: &'static dyn Aead,
    /// Signing and signature verification.
    pub signatures: &'static dyn Signatures,
    /// HMAC.
    pub mac: &'static dyn Mac,
    /// AES key wrap with padding.
    pub key_wrap: &'static dyn KeyWrap,
    /// RSA-OAEP encryption.
    pub asymmetric: &'static dyn AsymmetricEncryption,
    /// ML-KEM encapsulation.
    pub kem: &'static dyn Kem,
    /// Raw cipher modes with caller-chosen IVs (KMIP only).
    pub raw_cipher: &'static dyn RawCipher,
}

impl CryptoProvider {
    /// Whether every part of the provider is FIPS approved.
    pub fn fips_approved(&self) -> bool {
        self.random.fips_approved()
            && self.keygen.fips_approved()
            && self.aead.fips_approved()
            && self.signatures.fips_approved()
            && self.mac.fips_approved()
            && self.key_wrap.fips_approved()
            && self.asymmetric.fips_approved()
            && self.kem.fips_approved()
            && self.raw_cipher.fips_approved()
    }
}

/// A source of cryptographically secure random bytes.
pub trait SecureRandom: Send + Sync + Debug {
    /// Fills `out` entirely with random bytes.
    fn fill(&self, out: &mut [u8]) -> Result<(), CryptoError>;
    /// Whether this implementation is FIPS approved.
    fn fips_approved(&self) -> bool;
}

/// Generates keys and exports their public halves.
pub trait KeyGenerator: Send + Sync + Debug {
    /// A new key of `algorithm`, in the encoding described in
    /// [`crate::material`].
    fn generate(&self, algorithm: Algorithm) -> Result<KeyMaterial, CryptoError>;
    /// The public key of an asymmetric key: X.509 SubjectPublicKeyInfo DER
    /// (RFC 5280 section 4.1.2.7) for RSA, ECDSA, Ed25519 and ML-DSA-65; the
    /// raw 1184-byte encapsulation key `ek` (FIPS 203 section 7.1) for
    /// ML-KEM-768, for which the crypto library has no SPKI encoding.
    /// `None` for symmetric keys.
    fn public_key(&self, material: &KeyMaterial) -> Result<Option<Vec<u8>>, CryptoError>;
    /// Whether this implementation is FIPS approved.
    fn fips_approved(&self) -> bool;
}

/// The output of authenticated encryption.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Sealed {
    /// The nonce (96 bits for both AEADs keyhold uses).
    pub nonce: Vec<u8>,
    /// The ciphertext with the 16-byte tag appended.
    pub ciphertext: Vec<u8>,
}

/// Authenticated encryption with associated data: AES-256-GCM (NIST SP
/// 800-38D) and ChaCha20-Poly1305 (RFC 8439 section 2.8).
pub trait Aead: Send + Sync + Debug {
    /// Encrypts under a fresh random 96-bit nonce.
    fn encrypt(
        &self,
        key: &KeyMaterial,
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Sealed, CryptoError>;
    /// Decrypts and authenticates; any mismatch is [`CryptoError::Decrypt`].
    fn decrypt(
        &self,
        key: &KeyMaterial,
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<SecretBytes, CryptoError>;
    /// Whether this implementation is FIPS approved.
    fn fips_approved(&self) -> bool;
}

/// Raw cipher modes with a caller-chosen IV ([`crate::cipher`]), for keys
/// of the raw-cipher algorithms only; any other key is
/// [`CryptoError::UnsupportedAlgorithm`].
pub trait RawCipher: Send + Sync + Debug {
    /// Encrypts `plaintext` with `spec` under `iv` (empty for ECB);
    /// `aad` is authenticated by the AEAD modes and must be empty for the
    /// others. A wrong IV length, a tag length out of range or unpadded
    /// data that is not whole blocks is [`CryptoError::InvalidInput`].
    fn encrypt(
        &self,
        key: &KeyMaterial,
        spec: CipherSpec,
        iv: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<RawCiphertext, CryptoError>;
    /// Decrypts; a tag that does not verify or bad padding is
    /// [`CryptoError::Decrypt`], malformed input as for encryption.
    fn decrypt(
        &self,
        key: &KeyMaterial,
        spec: CipherSpec,
        iv: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
        tag: &[u8],
    ) -> Result<SecretBytes, CryptoError>;
    /// Whether this implementation is FIPS approved.
    fn fips_approved(&self) -> bool;
}

/// Digital signatures.
pub trait Signatures: Send + Sync + Debug {
    /// Signs `message` (the whole message, not a digest) with `scheme`, which
    /// must fit the key's algorithm.
    fn sign(
        &self,
        key: &KeyMaterial,
        scheme: SignatureScheme,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;
    /// Verifies `signature` over `message` with a public key given as X.509
    /// SubjectPublicKeyInfo DER. A bad signature is
    /// [`CryptoError::BadSignature`]; a malformed public key is
    /// [`CryptoError::InvalidPublicKey`].
    fn verify(
        &self,
        algorithm: Algorithm,
        scheme: SignatureScheme,
        public_key_spki: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError>;
    /// Signs a pre-hashed `digest` (the output of the scheme's hash over the
    /// message) with `scheme`: the signature is the one [`Signatures::sign`]
    /// makes over that message. Only schemes with a
    /// [`SignatureScheme::digest_len`] can; the others get
    /// [`CryptoError::DigestNotSupported`], and a digest of the wrong length
    /// gets [`CryptoError::DigestLength`].
    fn sign_digest(
        &self,
        key: &KeyMaterial,
        scheme: SignatureScheme,
        digest: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;
    /// Verifies `signature` over a pre-hashed `digest`; errors as
    /// [`Signatures::verify`] and [`Signatures::sign_digest`].
    fn verify_digest(
        &self,
        algorithm: Algorithm,
        scheme: SignatureScheme,
        public_key_spki: &[u8],
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError>;
    /// Signs with an RSA key and RSASSA-PSS under `params` (a KMIP
    /// client's Cryptographic Parameters), over a message or its digest.
    /// SHA-1 signs nothing and a salt longer than the key holds is refused
    /// ([`CryptoError::InvalidInput`]); a digest of the wrong length is
    /// [`CryptoError::InvalidInput`] too.
    fn sign_pss(
        &self,
        key: &KeyMaterial,
        params: &PssParams,
        signed: Signed<'_>,
    ) -> Result<Vec<u8>, CryptoError>;
    /// Verifies an RSASSA-PSS signature under `params` with an RSA public
    /// key (SubjectPublicKeyInfo DER); SHA-1 is accepted here, for legacy
    /// signatures. Errors as [`Signatures::verify`].
    fn verify_pss(
        &self,
        algorithm: Algorithm,
        params: &PssParams,
        public_key_spki: &[u8],
        signed: Signed<'_>,
        signature: &[u8],
    ) -> Result<(), CryptoError>;
    /// Whether this implementation is FIPS approved.
    fn fips_approved(&self) -> bool;
}

/// HMAC (RFC 2104) with SHA-256, SHA-384 or SHA-512.
pub trait Mac: Send + Sync + Debug {
    /// The full-length tag of `data`.
    fn compute(&self, key: &KeyMaterial, data: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// Checks `tag` in constant time; a mismatch is [`CryptoError::BadMac`].
    fn verify(&self, key: &KeyMaterial, data: &[u8], tag: &[u8]) -> Result<(), CryptoError>;
    /// The tag of `data` under the HMAC `hmac` (an `Algorithm::Hmac*`)
    /// keyed with the bytes of `key`, a key of another algorithm: a KMIP
    /// raw-cipher key whose Cryptographic Parameters name the HMAC (KMIP
    /// 1.4 section 4.33).
    fn compute_keyed(
        &self,
        hmac: Algorithm,
        key: &KeyMaterial,
        data: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;
    /// [`verify`](Self::verify) under [`compute_keyed`](Self::compute_keyed)'s key.
    fn verify_keyed(
        &self,
        hmac: Algorithm,
        key: &KeyMaterial,
        data: &[u8],
        tag: &[u8],
    ) -> Result<(), CryptoError>;
    /// Whether this implementation is FIPS approved.
    fn fips_approved(&self) -> bool;
}

/// AES-256 key wrap with padding (RFC 5649, NIST SP 800-38F KWP), and
/// without (RFC 3394, NIST SP 800-38F KW) for the KMIP clients that ask
/// for it (KMIP Block Cipher Mode NISTKeyWrap).
pub trait KeyWrap: Send + Sync + Debug {
    /// Wraps `key` under the key-encryption key `kek` (KWP).
    fn wrap(&self, kek: &KeyMaterial, key: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// Unwraps; a wrong KEK or a modified blob is [`CryptoError::Unwrap`].
    fn unwrap(&self, kek: &KeyMaterial, wrapped: &[u8]) -> Result<SecretBytes, CryptoError>;
    /// Wraps `key` under `kek` with KW (RFC 3394): `key` is a multiple of
    /// 8 bytes, at least 16, else [`CryptoError::InvalidInput`].
    fn wrap_kw(&self, kek: &KeyMaterial, key: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// Unwraps a KW blob; failure is [`CryptoError::Unwrap`].
    fn unwrap_kw(&self, kek: &KeyMaterial, wrapped: &[u8]) -> Result<SecretBytes, CryptoError>;
    /// Whether this implementation is FIPS approved.
    fn fips_approved(&self) -> bool;
}

/// RSA-OAEP with SHA-256 and MGF1-SHA-256, empty label (RFC 8017 section 7.1).
pub trait AsymmetricEncryption: Send + Sync + Debug {
    /// Encrypts to an RSA public key given as SubjectPublicKeyInfo DER.
    fn encrypt(&self, public_key_spki: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// Decrypts with an RSA private key; failure is [`CryptoError::Decrypt`].
    fn decrypt(&self, key: &KeyMaterial, ciphertext: &[u8]) -> Result<SecretBytes, CryptoError>;
    /// Encrypts with the OAEP label `label` (RFC 8017 section 7.1.1: the
    /// label is associated data, bound to the ciphertext but not hidden).
    fn encrypt_with_label(
        &self,
        public_key_spki: &[u8],
        label: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;
    /// Decrypts a ciphertext made with the same `label`; another label,
    /// like any other mismatch, is [`CryptoError::Decrypt`].
    fn decrypt_with_label(
        &self,
        key: &KeyMaterial,
        label: &[u8],
        ciphertext: &[u8],
    ) -> Result<SecretBytes, CryptoError>;
    /// Encrypts to an RSA public key (SubjectPublicKeyInfo DER) with the
    /// padding a client names (KMIP Encrypt).
    fn encrypt_padded(
        &self,
        public_key_spki: &[u8],
        padding: &RsaPadding,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;
    /// Decrypts with an RSA private key and `padding`; every failure of the
    /// ciphertext is the one [`CryptoError::Decrypt`].
    fn decrypt_padded(
        &self,
        key: &KeyMaterial,
        padding: &RsaPadding,
        ciphertext: &[u8],
    ) -> Result<SecretBytes, CryptoError>;
    /// The longest plaintext RSA-OAEP-SHA-256 can encrypt with a key of
    /// `algorithm` (`k - 2 * 32 - 2` bytes, RFC 8017 section 7.1.1); `None`
    /// for a non-RSA algorithm.
    fn max_plaintext_len(&self, algorithm: Algorithm) -> Option<usize>;
    /// Whether this implementation is FIPS approved.
    fn fips_approved(&self) -> bool;
}

/// ML-KEM-768 (FIPS 203).
pub trait Kem: Send + Sync + Debug {
    /// Encapsulates to a raw encapsulation key: returns the ciphertext and
    /// the 32-byte shared secret.
    fn encapsulate(&self, public_key: &[u8]) -> Result<(Vec<u8>, SecretBytes), CryptoError>;
    /// Decapsulates. ML-KEM rejects implicitly: a modified ciphertext yields
    /// a different shared secret, not an error (FIPS 203 section 6.3).
    fn decapsulate(&self, key: &KeyMaterial, ciphertext: &[u8])
    -> Result<SecretBytes, CryptoError>;
    /// Whether this implementation is FIPS approved.
    fn fips_approved(&self) -> bool;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::software;

    #[derive(Debug)]
    struct ApprovedRandom;

    impl SecureRandom for ApprovedRandom {
        fn fill(&self, out: &mut [u8]) -> Result<(), CryptoError> {
            out.fill(0x42);
            Ok(())
        }
        fn fips_approved(&self) -> bool {
            true
        }
    }

    static APPROVED: ApprovedRandom = ApprovedRandom;

    #[test]
    fn the_software_provider_is_not_fips_and_one_field_can_be_swapped() {
        let p = software::software();
        assert!(!p.fips_approved());
        let swapped = CryptoProvider {
            random: &APPROVED,
            ..p
        };
        let mut buf = [0u8; 4];
        swapped.random.fill(&mut buf).unwrap();
        assert_eq!(buf, [0x42; 4]);
        assert!(
            !swapped.fips_approved(),
            "the weakest part decides: the rest is still not FIPS"
        );
    }
}
