//! RSASSA-PSS (RFC 8017 section 8.1) with any hash, MGF1 hash and salt
//! length, over a message or its digest.

use std::os::raw::c_int;

use aws_lc_sys::{RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_AUTO, RSA_PSS_SALTLEN_DIGEST};

use crate::error::Error;
use crate::ffi::{self, Pkey, PkeyCtx};
use crate::hash::Hash;

/// The length of PSS's salt (sLen, RFC 8017 section 9.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaltLength {
    /// The hash's output length (the usual choice, FIPS 186-5 section
    /// 5.4).
    HashLength,
    /// This many bytes.
    Exactly(u16),
    /// Verification only: any length, read from the encoded message
    /// (RFC 8017 section 9.1.2 step 10 finds where the salt starts).
    Any,
}

/// RSASSA-PSS's parameters (RFC 8017 appendix A.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PssParams {
    /// The message hash.
    pub hash: Hash,
    /// MGF1's hash.
    pub mgf1_hash: Hash,
    /// The salt length.
    pub salt: SaltLength,
}

/// What a signature covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signed<'a> {
    /// The message itself, hashed here.
    Message(&'a [u8]),
    /// Its digest under the parameters' hash.
    Digest(&'a [u8]),
}

impl Signed<'_> {
    /// The digest PSS encodes.
    fn digest(self, hash: Hash) -> Result<Vec<u8>, Error> {
        match self {
            Self::Message(m) => ffi::digest(hash, m),
            Self::Digest(d) if d.len() == hash.output_len() => Ok(d.to_vec()),
            Self::Digest(_) => Err(Error::InvalidInput {
                what: "digest",
                reason: "its length is not the hash's",
            }),
        }
    }
}

/// The longest salt a `bits`-bit modulus holds with `hash`: emLen - hLen -
/// 2, emLen = ceil((bits - 1) / 8) (RFC 8017 section 9.1.1 step 3).
fn max_salt_len(bits: usize, hash: Hash) -> usize {
    bits.saturating_sub(1)
        .div_ceil(8)
        .saturating_sub(hash.output_len() + 2)
}

/// A context on `key` set up for PSS with `params`.
fn context(key: &Pkey, params: &PssParams, sign: bool) -> Result<PkeyCtx, Error> {
    let salt_len: c_int = match params.salt {
        SaltLength::HashLength => RSA_PSS_SALTLEN_DIGEST,
        SaltLength::Exactly(n) => c_int::from(n),
        SaltLength::Any => RSA_PSS_SALTLEN_AUTO,
    };
    let mut ctx = PkeyCtx::new(key)?;
    if sign {
        ctx.sign_init()?;
    } else {
        ctx.verify_init()?;
    }
    ctx.set_padding(RSA_PKCS1_PSS_PADDING)?;
    ctx.set_signature_hash(params.hash)?;
    ctx.set_mgf1_hash(params.mgf1_hash)?;
    ctx.set_salt_len(salt_len)?;
    Ok(ctx)
}

/// Signs with the RSA private key `pkcs8` (PKCS#8 DER).
///
/// # Errors
/// [`Error::InvalidKey`] for a key that is not an RSA private key;
/// [`Error::InvalidInput`] for [`SaltLength::Any`], a salt longer than the
/// key holds or a digest of the wrong length.
pub fn pss_sign(pkcs8: &[u8], params: &PssParams, signed: Signed<'_>) -> Result<Vec<u8>, Error> {
    let key = Pkey::private_pkcs8(pkcs8)?;
    let salt_fits = match params.salt {
        SaltLength::HashLength => params.hash.output_len() <= max_salt_len(key.bits(), params.hash),
        SaltLength::Exactly(n) => usize::from(n) <= max_salt_len(key.bits(), params.hash),
        SaltLength::Any => false,
    };
    if !salt_fits {
        return Err(Error::InvalidInput {
            what: "salt length",
            reason: "signing needs a salt length this key holds",
        });
    }
    let digest = signed.digest(params.hash)?;
    let mut ctx = context(&key, params, true)?;
    let mut out = vec![0u8; key.size()];
    let len = ctx.sign(&digest, &mut out)?;
    out.truncate(len);
    Ok(out)
}

/// Verifies `signature` with the RSA public key `spki` (X.509
/// SubjectPublicKeyInfo DER).
///
/// # Errors
/// [`Error::InvalidKey`] for a key that is not an RSA public key,
/// [`Error::InvalidInput`] for a digest of the wrong length, and
/// [`Error::BadSignature`] for a signature that does not verify (any
/// reason).
pub fn pss_verify(
    spki: &[u8],
    params: &PssParams,
    signed: Signed<'_>,
    signature: &[u8],
) -> Result<(), Error> {
    let key = Pkey::public_spki(spki)?;
    let digest = signed.digest(params.hash)?;
    let mut ctx = context(&key, params, false)?;
    ctx.verify(signature, &digest)
}

#[cfg(test)]
#[path = "pss_tests.rs"]
mod tests;
