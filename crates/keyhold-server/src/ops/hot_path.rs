//! The hot path: a request whose credential and key are already in memory
//! runs on the async worker that received it, instead of hopping to the
//! blocking pool and back.
//!
//! The hop costs two thread wake-ups per request, which measured as the
//! largest single cost of a warm encrypt (docs/benchmarks.md, "hot
//! path"). A request runs inline only when nothing it does reads the
//! store: its credential is the root token or a cached principal, it
//! carries no TOTP code (checking one writes) and names no other tenant
//! (that is a read), and its key is fresh in the key cache. Anything else
//! takes the blocking pool as before, and so do RSA private-key operations
//! (milliseconds of CPU that would stall the worker's other connections).
//! A version not yet cached (the first decrypt of an old version) is the
//! one read that may still happen inline: one indexed row, after which it
//! is cached.

use std::sync::Arc;

use keyhold_core::{Action, Algorithm, KeyRef, VersionId};

use super::key_cache::Wanted;
use super::request::Ran;
use super::rsa_cipher::is_rsa;
use super::{Caller, Credentials, Operations};
use crate::error::ServerError;

impl Operations {
    /// [`perform`](Self::perform) for a request on `key`: inline when it is
    /// warm (see the module documentation), else on the blocking pool.
    /// The audit event, the authorization and the answer are the same
    /// either way.
    pub async fn perform_on<T, F>(
        self: &Arc<Self>,
        creds: Credentials,
        action: Action,
        key: KeyRef,
        f: F,
    ) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce(&Operations, &Caller, &KeyRef) -> Result<T, ServerError> + Send + 'static,
    {
        let caller = match self.admit_warm(&creds, action) {
            Warm::Cold => {
                return self
                    .perform(creds, action, move |ops, c| f(ops, c, &key))
                    .await;
            }
            Warm::Refused(refused) => return self.settle(refused).await,
            Warm::Admitted(caller) => caller,
        };
        let cached = self
            .key_cache
            .fresh_algorithm(caller.tenant.id, Wanted::Key(&key, None));
        self.run_warm(caller, action, cached, move |ops, c| f(ops, c, &key))
            .await
    }

    /// [`perform_on`](Self::perform_on) for a request on one key version
    /// (a KMIP object).
    pub async fn perform_on_version<T, F>(
        self: &Arc<Self>,
        creds: Credentials,
        action: Action,
        version: VersionId,
        f: F,
    ) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce(&Operations, &Caller) -> Result<T, ServerError> + Send + 'static,
    {
        let caller = match self.admit_warm(&creds, action) {
            Warm::Cold => return self.perform(creds, action, f).await,
            Warm::Refused(refused) => return self.settle(refused).await,
            Warm::Admitted(caller) => caller,
        };
        let cached = self
            .key_cache
            .fresh_algorithm(caller.tenant.id, Wanted::Version(version));
        self.run_warm(caller, action, cached, f).await
    }

    /// Authenticates on the worker when that reads nothing.
    fn admit_warm<T>(&self, creds: &Credentials, action: Action) -> Warm<T> {
        let Some(identified) = self.identify_from_memory(creds) else {
            return Warm::Cold;
        };
        match self.admitted(
            creds,
            action,
            self.authenticate_as(creds, action, identified),
        ) {
            Ok(caller) => Warm::Admitted(caller),
            Err(refused) => Warm::Refused(refused),
        }
    }

    /// Runs `f` as `caller`: here when its key is cached (`cached` is its
    /// algorithm) and the operation is quick, else on the blocking pool.
    async fn run_warm<T, F>(
        self: &Arc<Self>,
        caller: Caller,
        action: Action,
        cached: Option<Algorithm>,
        f: F,
    ) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce(&Operations, &Caller) -> Result<T, ServerError> + Send + 'static,
    {
        let ran = if cached.is_some_and(|algorithm| runs_quickly(algorithm, action)) {
            self.run_as(&caller, f)
        } else {
            let ops = Arc::clone(self);
            tokio::task::spawn_blocking(move || ops.run_as(&caller, f))
                .await
                .map_err(|_| ServerError::Internal {
                    what: "operation task failed",
                })?
        };
        self.settle(ran).await
    }
}

/// Whether a request authenticated on the worker.
enum Warm<T> {
    /// Authenticating would read the store: go to the blocking pool.
    Cold,
    /// Refused at authentication, its event on its way.
    Refused(Ran<T>),
    /// The caller.
    Admitted(Caller),
}

/// Whether `action` with an `algorithm` key takes microseconds, not
/// milliseconds: all but RSA's private-key operations.
fn runs_quickly(algorithm: Algorithm, action: Action) -> bool {
    !(is_rsa(algorithm) && matches!(action, Action::KeySign | Action::KeyDecrypt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rsa_private_key_operations_leave_the_worker() {
        assert!(!runs_quickly(Algorithm::Rsa2048, Action::KeySign));
        assert!(!runs_quickly(Algorithm::Rsa4096, Action::KeyDecrypt));
        assert!(runs_quickly(Algorithm::Rsa3072, Action::KeyVerify));
        assert!(runs_quickly(Algorithm::Rsa2048, Action::KeyEncrypt));
        assert!(runs_quickly(Algorithm::Ed25519, Action::KeySign));
        assert!(runs_quickly(Algorithm::Aes256Gcm, Action::KeyDecrypt));
    }
}
