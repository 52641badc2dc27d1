//! Root-key rotation through the real operations service on a Shamir
//! server: shares stay valid, key material rows are untouched, old
//! ciphertexts decrypt, the audit chain verifies, earlier backups restore,
//! and refused rotations change nothing.

use std::sync::Arc;

use keyhold_api::ErrorCode;
use keyhold_api::keys::{CreateKeyRequest, DecryptRequest, EncryptRequest};
use keyhold_core::audit::Interface;
use keyhold_core::{Action, Algorithm, KeyRef, SealedBlob};
use keyhold_store::{Store, SystemKey, TxError};
use zeroize::Zeroizing;

use crate::error::ServerError;
use crate::ops::{Credentials, Operations, Proof};
use crate::vault::Vault;

pub(crate) struct Server {
    pub(crate) ops: Operations,
    pub(crate) store: Store,
    pub(crate) vault: Arc<Vault>,
    pub(crate) shares: Vec<String>,
    pub(crate) token: String,
    _dir: tempfile::TempDir,
}

pub(crate) fn shamir_server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("keyhold.db")).unwrap();
    let crypto = keyhold_crypto::software();
    let vault = Arc::new(Vault::load(store.clone(), crypto).unwrap());
    let clock: Arc<dyn keyhold_core::ports::Clock> = Arc::new(crate::clock::SystemClock);
    let init = vault.init(3, 2, clock.now()).unwrap();
    let ops = Operations::new(store.clone(), crypto, Arc::clone(&vault), clock);
    Server {
        ops,
        store,
        vault,
        shares: init.shares,
        token: init.root_token,
        _dir: dir,
    }
}

pub(crate) fn creds(token: &str) -> Credentials {
    Credentials {
        request_id: keyhold_core::RequestId::from_uuid(uuid::Uuid::new_v4()),
        interface: Interface::Rest,
        source: Some("10.1.2.3".parse().unwrap()),
        proof: Proof::Bearer(Zeroizing::new(token.to_owned())),
        tenant: None,
        mfa: None,
        approval: None,
    }
}

impl Server {
    pub(crate) fn run<T: Send + 'static>(
        &self,
        action: Action,
        f: impl FnOnce(&Operations, &crate::ops::Caller) -> Result<T, ServerError> + Send + 'static,
    ) -> Result<T, ServerError> {
        self.ops.perform_blocking(creds(&self.token), action, f)
    }

    pub(crate) fn create_key(&self, name: &str) {
        let req = CreateKeyRequest::new(name.parse().unwrap(), Algorithm::Aes256Gcm);
        self.run(Action::KeyCreate, |ops, c| ops.create_key(c, req))
            .unwrap();
    }

    pub(crate) fn encrypt(&self, name: &str) -> Vec<u8> {
        let key: KeyRef = name.parse().unwrap();
        let req: EncryptRequest =
            serde_json::from_value(serde_json::json!({"plaintext": "c2VjcmV0"})).unwrap();
        self.run(Action::KeyEncrypt, move |ops, c| ops.encrypt(c, &key, req))
            .unwrap()
            .ciphertext
            .0
    }

    pub(crate) fn decrypt(&self, name: &str, ciphertext: &[u8]) -> Result<Vec<u8>, ServerError> {
        let key: KeyRef = name.parse().unwrap();
        let req = DecryptRequest {
            ciphertext: keyhold_api::b64::Base64(ciphertext.to_vec()),
            context: Default::default(),
        };
        self.run(Action::KeyDecrypt, move |ops, c| ops.decrypt(c, &key, req))
            .map(|r| r.plaintext.0.clone())
    }

    fn rotate(&self) -> Result<keyhold_api::sys::RotateRootResponse, ServerError> {
        self.run(Action::SysRotateRoot, |ops, c| ops.rotate_root(c))
    }

    /// Every version's sealed material, as stored.
    pub(crate) fn material_rows(&self) -> Vec<Option<SealedBlob>> {
        self.store
            .read(|tx| {
                let mut rows = Vec::new();
                for t in tx.tenants()? {
                    let q = keyhold_store::KeyQuery {
                        limit: 100,
                        ..Default::default()
                    };
                    for k in tx.keys(t.id, &q)? {
                        rows.extend(tx.versions(k.id)?.into_iter().map(|v| v.sealed_material));
                    }
                }
                Ok::<_, TxError<ServerError>>(rows)
            })
            .unwrap()
    }

    fn system(&self, key: SystemKey) -> Option<Vec<u8>> {
        self.store
            .read(|tx| Ok::<_, TxError<ServerError>>(tx.system_get(key)?))
            .unwrap()
    }

    pub(crate) fn audit_ok(&self) -> bool {
        self.run(Action::AuditVerify, |ops, c| ops.verify_audit(c))
            .unwrap()
            .ok
    }
}

#[test]
fn rotation_reseals_keks_only_and_keeps_shares_backups_and_audit_valid() {
    let s = shamir_server();
    s.create_key("app");
    let ciphertext = s.encrypt("app");
    let backup = s.run(Action::SysBackup, |ops, c| ops.backup(c)).unwrap();
    let material = s.material_rows();
    let kek_before = s
        .store
        .read(|tx| Ok::<_, TxError<ServerError>>(tx.tenants()?))
        .unwrap();

    let rotated = s.rotate().unwrap();
    assert_eq!((rotated.previous_generation, rotated.generation), (1, 2));
    assert_eq!(rotated.tenants, 1);
    assert_eq!(s.material_rows(), material, "material rows untouched");
    let tenants = s
        .store
        .read(|tx| Ok::<_, TxError<ServerError>>(tx.tenants()?))
        .unwrap();
    assert_eq!(tenants[0].root_generation, 2);
    assert_ne!(tenants[0].sealed_kek, kek_before[0].sealed_kek);
    assert_eq!(
        s.system(SystemKey::RootGeneration),
        Some(2u32.to_be_bytes().to_vec())
    );
    assert!(s.system(SystemKey::SealedRoot).is_some());
    assert_eq!(s.decrypt("app", &ciphertext).unwrap(), b"secret");
    s.create_key("after");
    let later = s.encrypt("after");
    assert_eq!(s.rotate().unwrap().generation, 3);
    assert!(s.audit_ok(), "the chain verifies across rotations");

    // The original shares unseal the rotated server.
    s.vault.seal().unwrap();
    assert_eq!(
        ServerError::Sealed.public().0,
        s.rotate().unwrap_err().public().0
    );
    s.vault.unseal(&s.shares[2]).unwrap();
    assert!(!s.vault.unseal(&s.shares[0]).unwrap().sealed);
    assert_eq!(s.vault.unlocked().unwrap().generation(), 3);
    assert_eq!(s.decrypt("app", &ciphertext).unwrap(), b"secret");
    assert_eq!(s.decrypt("after", &later).unwrap(), b"secret");
    assert!(s.audit_ok());

    // The backup taken before the rotations verifies and restores.
    let file = backup.clone();
    s.run(Action::SysBackup, move |ops, c| ops.verify_backup(c, &file))
        .unwrap();
    s.run(Action::SysRestore, move |ops, c| ops.restore(c, &backup))
        .unwrap();
    assert_eq!(s.vault.unlocked().unwrap().generation(), 1);
    assert_eq!(s.decrypt("app", &ciphertext).unwrap(), b"secret");
    assert!(s.audit_ok());
    assert_eq!(
        s.rotate().unwrap().generation,
        2,
        "rotates again after a restore"
    );
    assert_eq!(s.decrypt("app", &ciphertext).unwrap(), b"secret");
}

#[test]
fn a_concurrent_rotation_or_a_stale_tenant_is_refused_and_changes_nothing() {
    let s = shamir_server();
    let first = s.vault.prepare_root_rotation().unwrap();
    let second = s.vault.prepare_root_rotation().unwrap();
    let stale = s
        .vault
        .new_tenant("late".parse().unwrap(), s.ops.now())
        .unwrap();
    let crypto = keyhold_crypto::software();
    s.store.write(|tx| first.apply(tx, &crypto)).unwrap();
    s.vault.finish_root_rotation(first).unwrap();
    let conflict = s.store.write(|tx| second.apply(tx, &crypto)).unwrap_err();
    assert!(matches!(
        conflict,
        TxError::Abort(ServerError::RotationConflict { .. })
    ));
    s.vault.finish_root_rotation(second).unwrap();
    assert_eq!(
        s.vault.unlocked().unwrap().generation(),
        2,
        "the loser is not installed"
    );
    let refused = s
        .store
        .write(|tx| {
            crate::vault::check_generation(tx, stale.root_generation)?;
            Ok(tx.tenant_insert(&stale)?)
        })
        .unwrap_err();
    assert!(matches!(
        refused,
        TxError::Abort(ServerError::RotationConflict { .. })
    ));
    assert_eq!(
        ErrorCode::RotationConflict,
        ServerError::RotationConflict { what: "x" }.public().0
    );
    let tenants = s
        .store
        .read(|tx| Ok::<_, TxError<ServerError>>(tx.tenants()?))
        .unwrap();
    assert_eq!(tenants.len(), 1);
}

#[test]
fn rotation_is_for_global_callers_only_and_unknown_tokens_change_nothing() {
    let s = shamir_server();
    let refused = s
        .ops
        .perform_blocking(creds("kht_nobody"), Action::SysRotateRoot, |ops, c| {
            ops.rotate_root(c)
        })
        .unwrap_err();
    assert_eq!(refused.public().0, ErrorCode::Unauthenticated);
    assert_eq!(s.system(SystemKey::RootGeneration), None);
    assert_eq!(s.vault.unlocked().unwrap().generation(), 1);
}

impl Server {
    /// A server over parts made elsewhere (a fresh restore's).
    pub(crate) fn over(ops: Operations, vault: Arc<Vault>, token: String) -> Self {
        Self {
            store: ops.store.clone(),
            ops,
            vault,
            shares: Vec::new(),
            token,
            _dir: tempfile::tempdir().unwrap(),
        }
    }

    pub(crate) fn rotate_root_for_test(&self) {
        self.rotate().unwrap();
    }
}
