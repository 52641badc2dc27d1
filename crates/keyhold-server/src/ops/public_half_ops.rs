//! Lifecycle changes of a key pair's Public Key object when it keeps its
//! own state ([`keyhold_core::public_half`]): KMIP Activate, Revoke and
//! Destroy of its Unique Identifier (KMIP 1.4 sections 4.19, 4.20, 4.21;
//! KMIP 2.1 sections 6.1.1, 6.1.45, 6.1.15) move it alone, through the
//! same state machine, authorized and audited as the request's action
//! (context `object: public_key`). A public key is no secret: its Destroy
//! takes effect at once, without the waiting period the private key's
//! material gets.

use keyhold_core::lifecycle::Lifecycle;
use keyhold_core::{LifecycleEvent, VersionId};
use keyhold_store::TxError;

use super::{Caller, Operations};
use crate::error::ServerError;

impl Operations {
    /// Applies `event` to the Public Key object of version `id` when that
    /// object keeps its own state, and answers `true`; `false` (nothing
    /// done) when the pair's halves share the version's state, for the
    /// caller to act on the version.
    pub fn change_public_half(
        &self,
        caller: &Caller,
        id: VersionId,
        event: LifecycleEvent,
    ) -> Result<bool, ServerError> {
        let (key, version) = self.key_by_version_id(caller, id)?;
        if version.public_half.is_none() {
            return Ok(false);
        }
        caller.note("object", "public_key");
        let (key_id, number, now) = (key.id, version.version, self.now());
        self.write_audited(caller, |tx| {
            let gone = || TxError::Abort(ServerError::KeyNotFound);
            let mut stored = tx.version_get(key_id, number)?.ok_or_else(gone)?;
            let mut half = stored.meta.public_half.ok_or_else(gone)?;
            half.apply(event, now)
                .map_err(|e| TxError::Abort(ServerError::Core(e)))?;
            stored.meta.public_half = Some(half);
            tx.version_update(&stored)?;
            Ok(())
        })?;
        Ok(true)
    }
}
