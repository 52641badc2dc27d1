//! Lifecycle changes of a key pair's Public Key object when it keeps its
//! own state ([`keyhold_core::public_half`]): KMIP Activate, Revoke and
//! Destroy of its Unique Identifier (KMIP 1.4 sections 4.19, 4.20, 4.21;
//! KMIP 2.1 sections 6.1.1, 6.1.45, 6.1.15) move it alone, through the
//! same state machine, authorized and audited as the request's action
//! (context `object: public_key`). A public key is no secret: its Destroy
//! takes effect at once, without the waiting period the private key's
//! material gets.

use keyhold_core::lifecycle::Lifecycle;
use keyhold_core::{KeyRef, LifecycleEvent, VersionId};

use super::lifecycle::Tombstone;
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
        let number = version.version;
        // The key's one read-decide-write path: a quorum rule on the action
        // binds the public key's change too, and the key's `updated_at`
        // moves. A destroyed private key leaves its public key changeable.
        let request = serde_json::json!({});
        self.change_key_rows(
            caller,
            &KeyRef::Id(key.id),
            Tombstone::Reach,
            &request,
            |rows, now| {
                let gone = || ServerError::KeyNotFound;
                let half = rows
                    .version_mut(number)?
                    .public_half
                    .as_mut()
                    .ok_or_else(gone)?;
                half.apply(event, now).map_err(ServerError::Core)
            },
        )?;
        Ok(true)
    }
}
