//! AWS-LC's hash tables and one-shot digests.

use std::os::raw::c_uint;
use std::ptr;

use aws_lc_sys::{
    EVP_Digest, EVP_MAX_MD_SIZE, EVP_MD, EVP_sha1, EVP_sha224, EVP_sha256, EVP_sha384, EVP_sha512,
};

use super::failed;
use crate::error::Error;
use crate::hash::Hash;

/// AWS-LC's static table of `hash`.
pub(super) fn md(hash: Hash) -> *const EVP_MD {
    let table: unsafe extern "C" fn() -> *const EVP_MD = match hash {
        Hash::Sha1 => EVP_sha1,
        Hash::Sha224 => EVP_sha224,
        Hash::Sha256 => EVP_sha256,
        Hash::Sha384 => EVP_sha384,
        Hash::Sha512 => EVP_sha512,
    };
    // SAFETY: each of these functions takes nothing and returns a pointer
    // to a static table that lives as long as the program.
    unsafe { table() }
}

/// The digest of `data` under `hash`.
pub(crate) fn digest(hash: Hash, data: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = [0u8; EVP_MAX_MD_SIZE as usize];
    let mut len: c_uint = 0;
    // SAFETY: `data` is readable for its length; `out` holds
    // EVP_MAX_MD_SIZE bytes, the most any digest writes; a null engine is
    // the default one.
    let ret = unsafe {
        EVP_Digest(
            data.as_ptr().cast(),
            data.len(),
            out.as_mut_ptr(),
            &mut len,
            md(hash),
            ptr::null_mut(),
        )
    };
    if ret != 1 {
        return Err(failed("EVP_Digest"));
    }
    let len = usize::try_from(len).map_err(|_| failed("EVP_Digest"))?;
    out.get(..len)
        .map(<[u8]>::to_vec)
        .ok_or_else(|| failed("EVP_Digest"))
}
