//! The multi-part AES-GCM encryptions under way (KMIP's streaming Encrypt:
//! Init Indicator, Correlation Value, Final Indicator; KMIP 1.4 section
//! 4.29, KMIP 2.1 section 6.1.17), by Correlation Value.
//!
//! A Correlation Value is 16 random bytes, good only for the principal
//! (and tenant) that started the encryption and for the one key version it
//! started under. The table holds no key: each part fetches, authorizes and
//! audits the key like a single-part Encrypt, so a key revoked or a grant
//! withdrawn between parts stops the stream.
//!
//! Bounds: at most [`MAX_STREAMS`] encryptions at once; one left idle for
//! [`IDLE`] is dropped (its state wiped) at the next call. A part takes its
//! stream out of the table while it runs, so two parts of one stream never
//! run at once, and a part that fails ends the stream.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use keyhold_core::{PrincipalId, TenantId, VersionId};
use keyhold_crypto::software::GcmEncryption;

use crate::error::ServerError;

/// The most multi-part encryptions under way at once.
pub(super) const MAX_STREAMS: usize = 1024;
/// How long a stream may wait for its next part.
pub(super) const IDLE: Duration = Duration::from_secs(300);
/// A Correlation Value's length, in bytes.
pub(super) const CORRELATION_LEN: usize = 16;

/// A Correlation Value.
pub(super) type Correlation = [u8; CORRELATION_LEN];

/// Whose stream it is: a Correlation Value is good for no one else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct StreamOwner {
    /// The tenant the encryption ran in.
    pub tenant: TenantId,
    /// Its principal (none for the root token).
    pub principal: Option<PrincipalId>,
    /// The key version it encrypts under.
    pub version: VersionId,
}

#[derive(Debug)]
struct Entry {
    owner: StreamOwner,
    stream: GcmEncryption,
    touched: Instant,
}

/// The table of multi-part encryptions under way.
#[derive(Debug, Default)]
pub(super) struct GcmStreams {
    entries: Mutex<HashMap<Correlation, Entry>>,
}

impl GcmStreams {
    fn lock(&self) -> MutexGuard<'_, HashMap<Correlation, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Refuses a new stream when [`MAX_STREAMS`] are under way (idle ones
    /// dropped first): checked before a first part does any work, so a
    /// refusal costs the key no use. [`keep`](Self::keep) checks again.
    pub(super) fn check_room(&self, now: Instant) -> Result<(), ServerError> {
        room(&mut self.lock(), now)
    }

    /// Keeps `stream` for its next part under `correlation` (a new one, or
    /// the one it came under). Refused when [`MAX_STREAMS`] are under way.
    pub(super) fn keep(
        &self,
        correlation: Correlation,
        owner: StreamOwner,
        stream: GcmEncryption,
        now: Instant,
    ) -> Result<(), ServerError> {
        let mut entries = self.lock();
        room(&mut entries, now)?;
        let touched = now;
        entries.insert(
            correlation,
            Entry {
                owner,
                stream,
                touched,
            },
        );
        Ok(())
    }

    /// Takes the stream under `correlation` for its next part, if `owner`
    /// started it and it has not idled out. Anything else is one answer:
    /// unknown Correlation Value (nothing tells another principal's stream
    /// from none). Taking another's leaves it in place.
    pub(super) fn take(
        &self,
        correlation: &[u8],
        owner: StreamOwner,
        now: Instant,
    ) -> Result<(Correlation, GcmEncryption), ServerError> {
        let unknown = || ServerError::InvalidRequest {
            detail: "unknown or expired Correlation Value".into(),
        };
        let key: Correlation = correlation.try_into().map_err(|_| unknown())?;
        let mut entries = self.lock();
        entries.retain(|_, e| now.saturating_duration_since(e.touched) < IDLE);
        match entries.get(&key) {
            Some(e) if e.owner == owner => {}
            _ => return Err(unknown()),
        }
        entries
            .remove(&key)
            .map(|e| (key, e.stream))
            .ok_or_else(unknown)
    }

    /// How many are under way (tests).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.lock().len()
    }
}

/// Drops the idle streams of `entries`, and refuses a new one when
/// [`MAX_STREAMS`] are still under way.
fn room(entries: &mut HashMap<Correlation, Entry>, now: Instant) -> Result<(), ServerError> {
    entries.retain(|_, e| now.saturating_duration_since(e.touched) < IDLE);
    if entries.len() >= MAX_STREAMS {
        return Err(ServerError::TooManyStreams { max: MAX_STREAMS });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyhold_core::Algorithm;
    use keyhold_crypto::{KeyMaterial, SecretBytes};

    fn stream() -> GcmEncryption {
        let key =
            KeyMaterial::from_parts(Algorithm::Aes128Raw, SecretBytes::new(vec![7; 16])).unwrap();
        GcmEncryption::start(&key, &[1; 12], b"", 16).unwrap()
    }

    fn owner(n: u8) -> StreamOwner {
        StreamOwner {
            tenant: TenantId::from_uuid(uuid::Uuid::from_bytes([1; 16])),
            principal: Some(PrincipalId::from_uuid(uuid::Uuid::from_bytes([n; 16]))),
            version: VersionId::from_uuid(uuid::Uuid::from_bytes([9; 16])),
        }
    }

    #[test]
    fn only_its_owner_takes_a_stream_and_only_once() {
        let t = GcmStreams::default();
        let now = Instant::now();
        t.keep([5; 16], owner(1), stream(), now).unwrap();
        assert!(t.take(&[5; 16], owner(2), now).is_err());
        let mut other_version = owner(1);
        other_version.version = VersionId::from_uuid(uuid::Uuid::from_bytes([8; 16]));
        assert!(t.take(&[5; 16], other_version, now).is_err());
        assert!(t.take(&[5; 15], owner(1), now).is_err());
        assert_eq!(t.len(), 1, "a refused take leaves the stream");
        assert!(t.take(&[5; 16], owner(1), now).is_ok());
        assert!(t.take(&[5; 16], owner(1), now).is_err());
    }

    #[test]
    fn idle_streams_go_and_the_table_is_bounded() {
        let t = GcmStreams::default();
        let start = Instant::now();
        t.keep([1; 16], owner(1), stream(), start).unwrap();
        let later = start + IDLE;
        assert!(t.take(&[1; 16], owner(1), later).is_err());
        for i in 0..MAX_STREAMS {
            let mut c = [0u8; 16];
            c[..8].copy_from_slice(&(i as u64).to_be_bytes());
            t.keep(c, owner(1), stream(), later).unwrap();
        }
        assert!(matches!(
            t.keep([0xff; 16], owner(1), stream(), later),
            Err(ServerError::TooManyStreams { max: MAX_STREAMS })
        ));
        // A first part is told before it does any work.
        assert!(matches!(
            t.check_room(later),
            Err(ServerError::TooManyStreams { max: MAX_STREAMS })
        ));
        assert!(t.check_room(later + IDLE).is_ok());
        // Once they idle out, there is room again.
        t.keep([0xff; 16], owner(1), stream(), later + IDLE)
            .unwrap();
        assert_eq!(t.len(), 1);
    }
}
