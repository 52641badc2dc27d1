//! Usage Limits (KMIP 1.4 section 3.21, KMIP 2.1 section 4.59): how much a
//! key a KMIP client limited may still protect. Only KMIP encryption is
//! metered: each one takes the plaintext's bytes (or one object) off what
//! is left once it has succeeded, and any other protection with a limited
//! key (sign, MAC, wrap, data keys, REST envelopes: `envelope::sealer`) is
//! refused, so no protection goes uncounted. Processing (decrypt, verify) is never
//! limited.
//!
//! The charge is its own store write, checked again inside it, so two
//! encryptions racing for the last bytes cannot both pass. It is
//! bookkeeping of the request, like the key-use flush: the request's audit
//! event follows as for every request. Limited keys never run on the hot
//! path (`key_cache::KeyCache::fresh_algorithm`).

use keyhold_core::{CoreError, Direction, Key, KeyOperation};
use keyhold_store::TxError;

use super::Operations;
use crate::error::ServerError;
use crate::vault::tx_error;

/// Refuses `op` on `key` when its usage limits forbid it before any work:
/// a protection other than encryption, or an encryption with nothing left.
pub(super) fn check_limits(key: &Key, op: KeyOperation) -> Result<(), ServerError> {
    let Some(limits) = key.kmip.usage_limits else {
        return Ok(());
    };
    match op.direction() {
        Direction::Process => Ok(()),
        Direction::Protect if op != KeyOperation::Encrypt => Err(ServerError::InvalidRequest {
            detail: format!("a key with Usage Limits only encrypts; {op} is not metered"),
        }),
        Direction::Protect if limits.remaining == 0 => {
            Err(ServerError::Core(CoreError::UsageLimitReached {
                remaining: 0,
            }))
        }
        Direction::Protect => Ok(()),
    }
}

impl Operations {
    /// Takes an encryption of `bytes` bytes off `key`'s usage limits (none:
    /// nothing to do), or refuses it whole when what is left is too little:
    /// the caller then gives nothing out.
    pub(super) fn charge_usage(&self, key: &Key, bytes: usize) -> Result<(), ServerError> {
        if key.kmip.usage_limits.is_none() {
            return Ok(());
        }
        let (tenant, id) = (key.tenant, key.id);
        let charged = self.store.write(|tx| {
            let mut current = tx
                .key_get(tenant, id)?
                .ok_or(TxError::Abort(ServerError::KeyNotFound))?;
            let limits = current.kmip.usage_limits.as_mut().ok_or(TxError::Abort(
                ServerError::Internal {
                    what: "a key's usage limits vanished",
                },
            ))?;
            limits
                .charge(bytes)
                .map_err(|e| TxError::Abort(ServerError::Core(e)))?;
            tx.key_update(&current)?;
            Ok(())
        });
        self.key_cache.invalidate(id);
        charged.map_err(tx_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyhold_core::{KmipMeta, UsageLimits, UsageLimitsUnit};

    #[test]
    fn a_limited_key_only_encrypts_while_something_is_left() {
        let mut key = crate::ops::key_cache::tests::key(1, "limited");
        check_limits(&key, KeyOperation::Sign).unwrap();
        let mut limits = UsageLimits::new(UsageLimitsUnit::Byte, 4).unwrap();
        key.kmip = KmipMeta {
            usage_limits: Some(limits),
            ..KmipMeta::default()
        };
        check_limits(&key, KeyOperation::Encrypt).unwrap();
        check_limits(&key, KeyOperation::Decrypt).unwrap();
        for op in [
            KeyOperation::Sign,
            KeyOperation::MacGenerate,
            KeyOperation::WrapKey,
        ] {
            assert!(matches!(
                check_limits(&key, op),
                Err(ServerError::InvalidRequest { .. })
            ));
        }
        limits.charge(4).unwrap();
        key.kmip.usage_limits = Some(limits);
        assert!(matches!(
            check_limits(&key, KeyOperation::Encrypt),
            Err(ServerError::Core(CoreError::UsageLimitReached {
                remaining: 0
            }))
        ));
        check_limits(&key, KeyOperation::Decrypt).unwrap();
    }
}
