//! The software provider: every operation done in memory by aws-lc-rs (the
//! non-FIPS build), one file per family. [`SOFTWARE`] is the provider the
//! server uses; the structs are public so a caller can assemble a provider
//! with some parts replaced (a fixed random source in a known-answer test).

mod aead;
mod asymmetric;
mod block_modes;
mod chacha20_stream;
mod gcm_any_iv;
mod gcm_stream;
mod kdf;
mod kem;
mod key_wrap;
mod keygen;
pub(crate) mod keys;
mod mac;
mod random;
mod raw_aead;
mod raw_cipher;
mod rsa_padded;
mod rsa_pss;
mod signatures;
mod tdes;

pub use aead::AwsLcAead;
pub(crate) use aead::{open_aes_256_gcm, seal_aes_256_gcm};
pub use asymmetric::AwsLcRsaOaep;
pub use gcm_stream::GcmEncryption;
pub(crate) use kdf::hkdf_sha256;
pub use kem::AwsLcMlKem;
pub use key_wrap::AwsLcKeyWrap;
pub use keygen::AwsLcKeyGenerator;
pub use mac::AwsLcHmac;
pub use random::SystemRandom;
pub use raw_cipher::AwsLcRawCipher;
pub use signatures::AwsLcSignatures;

use crate::provider::CryptoProvider;

static RANDOM: SystemRandom = SystemRandom;
static KEYGEN: AwsLcKeyGenerator = AwsLcKeyGenerator::new(&RANDOM);
static AEAD: AwsLcAead = AwsLcAead::new(&RANDOM);
static SIGNATURES: AwsLcSignatures = AwsLcSignatures;
static MAC: AwsLcHmac = AwsLcHmac;
static KEY_WRAP: AwsLcKeyWrap = AwsLcKeyWrap;
static ASYMMETRIC: AwsLcRsaOaep = AwsLcRsaOaep;
static KEM: AwsLcMlKem = AwsLcMlKem;
static RAW_CIPHER: AwsLcRawCipher = AwsLcRawCipher;

/// The software provider, backed by aws-lc-rs and the system random
/// generator.
pub static SOFTWARE: CryptoProvider = CryptoProvider {
    random: &RANDOM,
    keygen: &KEYGEN,
    aead: &AEAD,
    signatures: &SIGNATURES,
    mac: &MAC,
    key_wrap: &KEY_WRAP,
    asymmetric: &ASYMMETRIC,
    kem: &KEM,
    raw_cipher: &RAW_CIPHER,
};

/// The software provider (a copy of [`SOFTWARE`]).
pub fn software() -> CryptoProvider {
    SOFTWARE
}
