//! An owned `EVP_PKEY_CTX`: one RSA operation, its padding and hashes set.

use std::os::raw::c_int;
use std::ptr::{self, NonNull};

use aws_lc_sys::{
    EVP_PKEY_CTX, EVP_PKEY_CTX_free, EVP_PKEY_CTX_new, EVP_PKEY_CTX_set_rsa_mgf1_md,
    EVP_PKEY_CTX_set_rsa_oaep_md, EVP_PKEY_CTX_set_rsa_padding, EVP_PKEY_CTX_set_rsa_pss_saltlen,
    EVP_PKEY_CTX_set_signature_md, EVP_PKEY_CTX_set0_rsa_oaep_label, EVP_PKEY_decrypt,
    EVP_PKEY_decrypt_init, EVP_PKEY_encrypt, EVP_PKEY_encrypt_init, EVP_PKEY_sign,
    EVP_PKEY_sign_init, EVP_PKEY_verify, EVP_PKEY_verify_init, OPENSSL_free, OPENSSL_malloc,
};

use super::digest::md;
use super::{Pkey, clear_errors, failed};
use crate::error::Error;
use crate::hash::Hash;

/// An operation context on one key; freed on drop.
#[derive(Debug)]
pub(crate) struct PkeyCtx(NonNull<EVP_PKEY_CTX>);

impl Drop for PkeyCtx {
    fn drop(&mut self) {
        // SAFETY: `self.0` came from EVP_PKEY_CTX_new and is freed only here
        // (with the label and key references it holds).
        unsafe { EVP_PKEY_CTX_free(self.0.as_ptr()) };
    }
}

/// A return value of 1 is success; anything else is `call` failing.
fn check(ret: c_int, call: &'static str) -> Result<(), Error> {
    if ret == 1 { Ok(()) } else { Err(failed(call)) }
}

impl PkeyCtx {
    /// A context on `key` (which it keeps its own reference to).
    pub(crate) fn new(key: &Pkey) -> Result<Self, Error> {
        // SAFETY: `key` is a live EVP_PKEY; the context takes a reference of
        // its own, so it stays valid for the context's life; a null engine
        // is the default one.
        let raw = unsafe { EVP_PKEY_CTX_new(key.as_ptr(), ptr::null_mut()) };
        NonNull::new(raw)
            .map(Self)
            .ok_or_else(|| failed("EVP_PKEY_CTX_new"))
    }

    fn ptr(&self) -> *mut EVP_PKEY_CTX {
        self.0.as_ptr()
    }

    /// Prepares for encryption.
    pub(crate) fn encrypt_init(&mut self) -> Result<(), Error> {
        // SAFETY: `self.0` is a live context owned by us.
        check(
            unsafe { EVP_PKEY_encrypt_init(self.ptr()) },
            "EVP_PKEY_encrypt_init",
        )
    }

    /// Prepares for decryption.
    pub(crate) fn decrypt_init(&mut self) -> Result<(), Error> {
        // SAFETY: `self.0` is a live context owned by us.
        check(
            unsafe { EVP_PKEY_decrypt_init(self.ptr()) },
            "EVP_PKEY_decrypt_init",
        )
    }

    /// Prepares for signing a digest.
    pub(crate) fn sign_init(&mut self) -> Result<(), Error> {
        // SAFETY: `self.0` is a live context owned by us.
        check(
            unsafe { EVP_PKEY_sign_init(self.ptr()) },
            "EVP_PKEY_sign_init",
        )
    }

    /// Prepares for verifying a signature over a digest.
    pub(crate) fn verify_init(&mut self) -> Result<(), Error> {
        // SAFETY: `self.0` is a live context owned by us.
        check(
            unsafe { EVP_PKEY_verify_init(self.ptr()) },
            "EVP_PKEY_verify_init",
        )
    }

    /// Sets the RSA padding (`RSA_PKCS1_OAEP_PADDING`, `RSA_PKCS1_PSS_PADDING`).
    pub(crate) fn set_padding(&mut self, padding: c_int) -> Result<(), Error> {
        // SAFETY: `self.0` is a live context owned by us; the padding is a
        // plain integer AWS-LC checks.
        let ret = unsafe { EVP_PKEY_CTX_set_rsa_padding(self.ptr(), padding) };
        check(ret, "EVP_PKEY_CTX_set_rsa_padding")
    }

    /// Sets OAEP's label hash.
    pub(crate) fn set_oaep_hash(&mut self, hash: Hash) -> Result<(), Error> {
        // SAFETY: `self.0` is a live context owned by us; `md` returns one
        // of AWS-LC's static EVP_MD tables.
        let ret = unsafe { EVP_PKEY_CTX_set_rsa_oaep_md(self.ptr(), md(hash)) };
        check(ret, "EVP_PKEY_CTX_set_rsa_oaep_md")
    }

    /// Sets MGF1's hash (OAEP or PSS).
    pub(crate) fn set_mgf1_hash(&mut self, hash: Hash) -> Result<(), Error> {
        // SAFETY: as for `set_oaep_hash`.
        let ret = unsafe { EVP_PKEY_CTX_set_rsa_mgf1_md(self.ptr(), md(hash)) };
        check(ret, "EVP_PKEY_CTX_set_rsa_mgf1_md")
    }

    /// Sets the hash of the signed digest (PSS).
    pub(crate) fn set_signature_hash(&mut self, hash: Hash) -> Result<(), Error> {
        // SAFETY: as for `set_oaep_hash`.
        let ret = unsafe { EVP_PKEY_CTX_set_signature_md(self.ptr(), md(hash)) };
        check(ret, "EVP_PKEY_CTX_set_signature_md")
    }

    /// Sets PSS's salt length: a length in bytes, or AWS-LC's
    /// `RSA_PSS_SALTLEN_DIGEST` / `RSA_PSS_SALTLEN_AUTO`.
    pub(crate) fn set_salt_len(&mut self, salt_len: c_int) -> Result<(), Error> {
        // SAFETY: `self.0` is a live context owned by us; the length is a
        // plain integer AWS-LC checks.
        let ret = unsafe { EVP_PKEY_CTX_set_rsa_pss_saltlen(self.ptr(), salt_len) };
        check(ret, "EVP_PKEY_CTX_set_rsa_pss_saltlen")
    }

    /// Sets OAEP's label. AWS-LC takes ownership of a buffer it allocated
    /// (it frees it with `OPENSSL_free`), so the label is copied into one.
    pub(crate) fn set_oaep_label(&mut self, label: &[u8]) -> Result<(), Error> {
        if label.is_empty() {
            // SAFETY: a null label of length 0 is the empty label; nothing
            // is handed over.
            let ret = unsafe { EVP_PKEY_CTX_set0_rsa_oaep_label(self.ptr(), ptr::null_mut(), 0) };
            return check(ret, "EVP_PKEY_CTX_set0_rsa_oaep_label");
        }
        let buffer = OpenSslBuffer::copy_of(label)?;
        // SAFETY: `buffer` holds `label.len()` bytes from OPENSSL_malloc; on
        // success the context owns them and frees them itself.
        let ret =
            unsafe { EVP_PKEY_CTX_set0_rsa_oaep_label(self.ptr(), buffer.as_ptr(), label.len()) };
        check(ret, "EVP_PKEY_CTX_set0_rsa_oaep_label")?;
        buffer.hand_over();
        Ok(())
    }

    /// Encrypts `input` into `out` (at least the modulus length); returns
    /// the ciphertext's length.
    pub(crate) fn encrypt(&mut self, input: &[u8], out: &mut [u8]) -> Result<usize, Error> {
        let mut len = out.len();
        // SAFETY: `out` is writable for `len` bytes and AWS-LC writes at most
        // `len` (it fails otherwise); `input` is readable for its length.
        let ret = unsafe {
            EVP_PKEY_encrypt(
                self.ptr(),
                out.as_mut_ptr(),
                &mut len,
                input.as_ptr(),
                input.len(),
            )
        };
        check(ret, "EVP_PKEY_encrypt")?;
        Ok(len)
    }

    /// Decrypts `input` into `out`; returns the plaintext's length. Every
    /// failure is [`Error::Decrypt`].
    pub(crate) fn decrypt(&mut self, input: &[u8], out: &mut [u8]) -> Result<usize, Error> {
        let mut len = out.len();
        // SAFETY: as for `encrypt`.
        let ret = unsafe {
            EVP_PKEY_decrypt(
                self.ptr(),
                out.as_mut_ptr(),
                &mut len,
                input.as_ptr(),
                input.len(),
            )
        };
        if ret != 1 {
            clear_errors();
            return Err(Error::Decrypt);
        }
        Ok(len)
    }

    /// Signs `digest` into `out` (at least the modulus length); returns the
    /// signature's length.
    pub(crate) fn sign(&mut self, digest: &[u8], out: &mut [u8]) -> Result<usize, Error> {
        let mut len = out.len();
        // SAFETY: as for `encrypt`, with the digest as input.
        let ret = unsafe {
            EVP_PKEY_sign(
                self.ptr(),
                out.as_mut_ptr(),
                &mut len,
                digest.as_ptr(),
                digest.len(),
            )
        };
        check(ret, "EVP_PKEY_sign")?;
        Ok(len)
    }

    /// Whether `signature` is valid over `digest`; every failure is
    /// [`Error::BadSignature`].
    pub(crate) fn verify(&mut self, signature: &[u8], digest: &[u8]) -> Result<(), Error> {
        // SAFETY: both slices are readable for their lengths; AWS-LC only
        // reads them.
        let ret = unsafe {
            EVP_PKEY_verify(
                self.ptr(),
                signature.as_ptr(),
                signature.len(),
                digest.as_ptr(),
                digest.len(),
            )
        };
        if ret != 1 {
            clear_errors();
            return Err(Error::BadSignature);
        }
        Ok(())
    }
}

/// Bytes in a buffer from `OPENSSL_malloc`, freed on drop unless handed
/// over to AWS-LC.
#[derive(Debug)]
struct OpenSslBuffer(NonNull<u8>);

impl OpenSslBuffer {
    /// A copy of `bytes` (not empty).
    fn copy_of(bytes: &[u8]) -> Result<Self, Error> {
        // SAFETY: OPENSSL_malloc returns `bytes.len()` writable bytes or null.
        let raw = unsafe { OPENSSL_malloc(bytes.len()) };
        let buffer = NonNull::new(raw.cast::<u8>())
            .map(Self)
            .ok_or_else(|| failed("OPENSSL_malloc"))?;
        // SAFETY: the buffer is `bytes.len()` bytes long, freshly allocated,
        // so it cannot overlap `bytes`.
        unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), buffer.as_ptr(), bytes.len()) };
        Ok(buffer)
    }

    fn as_ptr(&self) -> *mut u8 {
        self.0.as_ptr()
    }

    /// Gives up ownership: AWS-LC frees the buffer now.
    fn hand_over(self) {
        std::mem::forget(self);
    }
}

impl Drop for OpenSslBuffer {
    fn drop(&mut self) {
        // SAFETY: the buffer came from OPENSSL_malloc and was not handed
        // over (that forgets it), so it is ours to free, once.
        unsafe { OPENSSL_free(self.as_ptr().cast()) };
    }
}
