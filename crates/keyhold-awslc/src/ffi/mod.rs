//! Every call into AWS-LC, and the only unsafe code of the crate. Owners
//! free what AWS-LC allocates when they drop ([`Pkey`], [`PkeyCtx`]); every
//! return value is checked; a failed call clears AWS-LC's thread-local
//! error queue so a later, unrelated caller does not find our errors
//! there.

mod ctx;
mod digest;
mod pkey;

pub(crate) use ctx::PkeyCtx;
pub(crate) use digest::digest;
pub(crate) use pkey::Pkey;

use crate::error::Error;

/// The error of a failed AWS-LC call, the error queue cleared.
fn failed(call: &'static str) -> Error {
    clear_errors();
    Error::Library { call }
}

/// Empties AWS-LC's error queue of this thread.
fn clear_errors() {
    // SAFETY: ERR_clear_error takes no arguments and only frees this
    // thread's error queue entries.
    unsafe { aws_lc_sys::ERR_clear_error() };
}
