//! keyhold's cryptography.
//!
//! What it does:
//! - [`CryptoProvider`]: the operations keyhold needs, as small traits
//!   gathered in one plain struct (rustls style), and [`software()`], the
//!   provider backed by aws-lc-rs: AES-GCM, ChaCha20-Poly1305, AES-KWP,
//!   HMAC-SHA-2, RSA (PSS, PKCS#1 v1.5, OAEP), ECDSA P-256/P-384, Ed25519,
//!   ML-DSA-65 and ML-KEM-768; and three-key Triple-DES keys, generated
//!   (odd parity, three distinct keys) and checked but never used.
//! - [`KeyMaterial`] and [`SecretBytes`]: key material that always parses
//!   for its algorithm, and secrets that are zeroized and never printed.
//! - [`cipher`]: raw AES modes (ECB, CBC, CTR, GCM) and ChaCha20-Poly1305
//!   with caller-chosen IVs, for KMIP clients.
//! - [`hash`]: SHA-1 and SHA-2 digests (KMIP Hash).
//! - [`legacy`]: RSA keys of 1024 bits and DSA keys, parsed, checked for
//!   shape and kept for a KMIP client to inventory and retire, never used.
//! - [`envelope`]: the self-describing ciphertext format and the AAD that
//!   binds a ciphertext to its tenant, key, version and context.
//! - [`hierarchy`]: the root key, tenant KEKs and sealed key material.
//! - [`seal::shamir`]: Shamir sharing of the root key, checked by a canary.
//! - [`transfer`]: wrapping key material for import and export.
//! - [`audit_chain`]: SHA-256 links and HMAC for the audit hash chain.
//! - [`audit_signing`]: Ed25519 signed audit checkpoints, and
//!   [`audit_verify`]: offline verification of an exported trail.
//! - [`backup`]: the encrypted, chunked backup file format.
//! - [`cert_facts`]: what KMIP reports of a certificate keyhold keeps
//!   (length, subject CN, names and serial in DER).
//! - [`cert_subject`]: a certificate's subject DN as RFC 4514 text (x509
//!   parsing from x509-parser), the form principals are bound by.
//! - [`totp`]: RFC 6238 one-time codes with replay refusal, for step-up MFA.
//! - [`transfer`]: key material wrapped to a recipient's RSA or ML-KEM
//!   public key (RSA-OAEP + AES-KWP, as AWS KMS and Vault import), for
//!   import and export.
//!
//! What it does not do: no I/O, no storage, no policy or lifecycle decisions
//! (that is `keyhold-core` and the server), no key caching, and no
//! cryptography of its own: every primitive comes from aws-lc-rs, or from
//! the AWS-LC under it through keyhold-awslc where aws-lc-rs does not
//! expose what KMIP needs (RSA-OAEP whose MGF1 hash differs from its label
//! hash, RSA-PSS with other salt lengths or MGF1 hashes; [`rsa_pss`]);
//! Shamir's GF(2^8) arithmetic comes from vsss-rs; the shape checks of
//! legacy keys from crypto-bigint, which signs and encrypts nothing. It is
//! not a FIPS build.

pub mod audit_chain;
pub mod audit_signing;
pub mod audit_verify;
pub mod backup;
pub mod cert_facts;
pub mod cert_subject;
pub mod cipher;
pub mod envelope;
pub mod error;
pub mod hash;
pub mod hierarchy;
pub mod key_export;
pub mod key_import;
pub mod legacy;
pub mod material;
pub mod provider;
pub mod rsa_padding;
pub mod rsa_pss;
pub mod scheme;
pub mod seal;
pub mod secret;
pub mod software;
mod spki;
#[cfg(test)]
mod test_support;
pub mod totp;
pub mod transfer;

pub use error::{CryptoError, SealLayer};
pub use material::KeyMaterial;
pub use provider::{
    Aead, AsymmetricEncryption, CryptoProvider, Kem, KeyGenerator, KeyWrap, Mac, RawCipher, Sealed,
    SecureRandom, Signatures,
};
pub use scheme::SignatureScheme;
pub use secret::SecretBytes;
pub use software::{SOFTWARE, software};
