//! Unsealing, and the restore onto a fresh Shamir server
//! (`POST /v1/sys/init/restore`, then `POST /v1/sys/unseal` with the
//! backup's shares; `vault/fresh_restore.rs`). When the shares open the
//! staged backup the store is replaced: the caches built from the empty
//! store are dropped and the restore writes its audit event as the next
//! event of the restored chain (action `sys:restore`, from the server
//! itself: nobody is authenticated on an uninitialized server, the shares
//! are the authority, as at init).

use keyhold_api::sys::SealStatus;
use keyhold_core::Action;
use keyhold_core::audit::Interface;

use super::{Credentials, Operations};
use crate::error::ServerError;

impl Operations {
    /// Holds a backup on an uninitialized server until its shares come.
    pub fn stage_restore(&self, file: Vec<u8>) -> Result<SealStatus, ServerError> {
        self.vault.stage_restore(file)?;
        Ok(self.vault.status())
    }

    /// One unseal share; when it completes a staged restore, the restored
    /// store takes over.
    pub fn unseal(&self, share: &str) -> Result<SealStatus, ServerError> {
        let restoring = self.vault.restore_pending();
        let status = self.vault.unseal(share)?;
        if restoring && !status.sealed {
            self.after_restore()?;
            let tenant = self.default_tenant()?.id;
            let creds = Credentials::internal(tenant, Interface::Rest);
            self.perform_blocking(creds, Action::SysRestore, |_, caller| {
                caller.note("restore.onto", "fresh-server");
                Ok(())
            })?;
        }
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use keyhold_api::ErrorCode;
    use keyhold_core::Action;
    use keyhold_store::Store;

    use crate::ops::Operations;
    use crate::ops::rotate_root::tests::shamir_server;
    use crate::vault::Vault;

    fn fresh() -> (Operations, Arc<Vault>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("keyhold.db")).unwrap();
        let crypto = keyhold_crypto::software();
        let vault = Arc::new(Vault::load(store.clone(), crypto).unwrap());
        let clock: Arc<dyn keyhold_core::ports::Clock> = Arc::new(crate::clock::SystemClock);
        let ops = Operations::new(store, crypto, Arc::clone(&vault), clock);
        (ops, vault, dir)
    }

    #[test]
    fn a_fresh_server_restores_a_backup_once_its_shares_are_given() {
        let a = shamir_server();
        a.create_key("app");
        let ciphertext = a.encrypt("app");
        a.rotate_root_for_test();
        let file = a.run(Action::SysBackup, |ops, c| ops.backup(c)).unwrap();

        let (ops, vault, _dir) = fresh();
        let foreign = shamir_server();
        let status = ops.stage_restore(file.clone()).unwrap();
        assert!(status.restore_pending && !status.initialized);
        // Shares of another server never open it.
        for share in &foreign.shares {
            assert!(ops.unseal(share).unwrap().sealed);
        }
        let status = ops.stage_restore(file).unwrap();
        assert_eq!(status.progress, 0, "staging again starts over");
        assert!(ops.unseal(&a.shares[1]).unwrap().sealed);
        let code = ops.unseal(&a.shares[1]).unwrap_err().public().0;
        assert_eq!(code, ErrorCode::DuplicateShare);
        let status = ops.unseal(&a.shares[0]).unwrap();
        assert!(!status.sealed && status.initialized && !status.restore_pending);
        assert_eq!(vault.unlocked().unwrap().generation(), 2);

        let b = crate::ops::rotate_root::tests::Server::over(ops, vault, a.token.clone());
        assert_eq!(b.decrypt("app", &ciphertext).unwrap(), b"secret");
        assert!(b.audit_ok());
        let code = b.ops.stage_restore(vec![0; 10]).unwrap_err().public().0;
        assert_eq!(code, ErrorCode::BackupInvalid);
    }

    #[test]
    fn only_a_whole_root_layer_backup_is_staged_on_an_uninitialized_server() {
        let a = shamir_server();
        let file = a.run(Action::SysBackup, |ops, c| ops.backup(c)).unwrap();
        let code = a.ops.stage_restore(file.clone()).unwrap_err().public().0;
        assert_eq!(code, ErrorCode::AlreadyInitialized);
        let (ops, vault, _dir) = fresh();
        for bad in [&file[..20], b"not a backup at all".as_slice()] {
            assert!(ops.stage_restore(bad.to_vec()).is_err());
            assert!(!vault.restore_pending());
        }
        let code = ops.unseal(&a.shares[0]).unwrap_err().public().0;
        assert_eq!(code, ErrorCode::NotInitialized);
        ops.stage_restore(file).unwrap();
        let init = vault.init(3, 2, ops.now()).unwrap_err().public().0;
        assert_eq!(
            init,
            ErrorCode::InvalidRequest,
            "no init over a staged restore"
        );
        assert!(vault.restore_pending());
    }
}
