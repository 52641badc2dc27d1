//! RSAES-OAEP (RFC 8017 section 7.1) with any label hash, MGF1 hash and
//! label.

use aws_lc_sys::RSA_PKCS1_OAEP_PADDING;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::ffi::{Pkey, PkeyCtx};
use crate::hash::Hash;

/// RSAES-OAEP's parameters (RFC 8017 appendix A.2.1: hashAlgorithm,
/// maskGenAlgorithm MGF1 with its hash, pSourceAlgorithm's label).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct OaepParams<'a> {
    /// The hash of the label (lHash), which also sets how much OAEP holds.
    pub hash: Hash,
    /// MGF1's hash.
    pub mgf1_hash: Hash,
    /// The label L (KMIP's P Source); empty by default. Bound to the
    /// ciphertext, not hidden by it.
    pub label: &'a [u8],
}

impl std::fmt::Debug for OaepParams<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OaepParams")
            .field("hash", &self.hash)
            .field("mgf1_hash", &self.mgf1_hash)
            .field("label_len", &self.label.len())
            .finish()
    }
}

/// A context on `key` set up for OAEP with `params`, for encryption or
/// decryption.
fn context(key: &Pkey, params: &OaepParams<'_>, decrypt: bool) -> Result<PkeyCtx, Error> {
    let mut ctx = PkeyCtx::new(key)?;
    if decrypt {
        ctx.decrypt_init()?;
    } else {
        ctx.encrypt_init()?;
    }
    ctx.set_padding(RSA_PKCS1_OAEP_PADDING)?;
    ctx.set_oaep_hash(params.hash)?;
    ctx.set_mgf1_hash(params.mgf1_hash)?;
    ctx.set_oaep_label(params.label)?;
    Ok(ctx)
}

/// The longest message OAEP holds under a `k`-byte modulus: `k - 2 hLen -
/// 2` (RFC 8017 section 7.1.1 step 1.b).
fn max_message_len(k: usize, hash: Hash) -> usize {
    k.saturating_sub(2 * hash.output_len() + 2)
}

/// Encrypts `plaintext` to the RSA public key `spki` (X.509
/// SubjectPublicKeyInfo DER).
///
/// # Errors
/// [`Error::InvalidKey`] for a key that is not an RSA public key,
/// [`Error::InvalidInput`] for a plaintext longer than OAEP holds under it.
pub fn oaep_encrypt(
    spki: &[u8],
    params: &OaepParams<'_>,
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    let key = Pkey::public_spki(spki)?;
    if plaintext.len() > max_message_len(key.size(), params.hash) {
        return Err(Error::InvalidInput {
            what: "plaintext",
            reason: "too long for this RSA key and OAEP hash",
        });
    }
    let mut ctx = context(&key, params, false)?;
    let mut out = vec![0u8; key.size()];
    let len = ctx.encrypt(plaintext, &mut out)?;
    out.truncate(len);
    Ok(out)
}

/// Decrypts `ciphertext` with the RSA private key `pkcs8` (PKCS#8 DER).
///
/// # Errors
/// [`Error::InvalidKey`] for a key that is not an RSA private key; for
/// anything wrong with the ciphertext (length, range, padding, label,
/// hash), the one [`Error::Decrypt`].
pub fn oaep_decrypt(
    pkcs8: &[u8],
    params: &OaepParams<'_>,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let key = Pkey::private_pkcs8(pkcs8)?;
    let mut ctx = context(&key, params, true)?;
    let mut out = Zeroizing::new(vec![0u8; key.size()]);
    let len = ctx.decrypt(ciphertext, &mut out)?;
    out.truncate(len);
    Ok(out)
}

#[cfg(test)]
#[path = "oaep_tests.rs"]
mod tests;
