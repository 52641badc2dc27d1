//! Cryptographic operations with managed keys: encrypt and decrypt.

use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::keys::{DecryptRequest, DecryptResponse, EncryptRequest, EncryptResponse};
use keyhold_core::usage_rule::{Permit, UseContext, check_use};
use keyhold_core::{Key, KeyOperation, KeyRef};
use keyhold_crypto::envelope::{self, Envelope};
use keyhold_crypto::hierarchy::MaterialAad;
use keyhold_crypto::{CryptoError, KeyMaterial};
use keyhold_store::StoredVersion;

use super::{Caller, Operations};
use crate::error::ServerError;

impl Operations {
    /// Encrypts with the key's primary version into a self-describing envelope.
    pub fn encrypt(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: EncryptRequest,
    ) -> Result<EncryptResponse, ServerError> {
        let (key, version) = self.key_with_version(caller, key, None)?;
        let material = self.usable_material(caller, &key, &version, KeyOperation::Encrypt)?;
        let mut env = Envelope {
            key: key.id,
            version: version.meta.version,
            algorithm: key.algorithm,
            nonce: Vec::new(),
            ciphertext: Vec::new(),
        };
        let aad = envelope::data_aad(caller.tenant.id, &env, &req.context);
        let sealed = self
            .crypto
            .aead
            .encrypt(&material, &aad, &req.plaintext.0)
            .map_err(ServerError::Crypto)?;
        env.nonce = sealed.nonce;
        env.ciphertext = sealed.ciphertext;
        Ok(EncryptResponse {
            ciphertext: Base64(env.encode()),
            key_id: key.id,
            version: version.meta.version,
        })
    }

    /// Decrypts an envelope. The envelope names the key and version; the
    /// key in the path must be that key.
    pub fn decrypt(
        &self,
        caller: &Caller,
        path_key: &KeyRef,
        req: DecryptRequest,
    ) -> Result<DecryptResponse, ServerError> {
        let env = Envelope::parse(&req.ciphertext.0).map_err(ServerError::InvalidCiphertext)?;
        let (key, version) =
            self.key_with_version(caller, &KeyRef::Id(env.key), Some(env.version))?;
        if !names(path_key, &key) {
            return Err(ServerError::KeyMismatch);
        }
        if env.algorithm != key.algorithm {
            return Err(ServerError::DecryptionFailed);
        }
        let material = self.usable_material(caller, &key, &version, KeyOperation::Decrypt)?;
        let aad = envelope::data_aad(caller.tenant.id, &env, &req.context);
        let plaintext = self
            .crypto
            .aead
            .decrypt(&material, &env.nonce, &aad, &env.ciphertext)
            .map_err(|e| match e {
                CryptoError::Decrypt => ServerError::DecryptionFailed,
                other => ServerError::Crypto(other),
            })?;
        Ok(DecryptResponse {
            plaintext: SecretBase64(plaintext.expose().to_vec()),
            key_id: key.id,
            version: version.meta.version,
        })
    }

    /// Checks the operation against the key's usage and the version's state,
    /// then opens the version's material.
    fn usable_material(
        &self,
        caller: &Caller,
        key: &Key,
        version: &StoredVersion,
        op: KeyOperation,
    ) -> Result<KeyMaterial, ServerError> {
        op.check(key.algorithm, key.usage)?;
        let ctx = UseContext {
            state: version.meta.state,
            is_primary: version.meta.version == key.primary_version,
            archived: version.meta.archived,
            may_use_compromised: false,
        };
        if matches!(check_use(&ctx, op)?, Permit::CompromisedUse) {
            tracing::warn!(key = %key.id, version = %version.meta.version, %op, "compromised key version used");
        }
        let sealed = version
            .sealed_material
            .as_ref()
            .ok_or(ServerError::MaterialGone {
                state: version.meta.state,
            })?;
        let kek = self.vault.unlocked()?.kek(&caller.tenant)?;
        let aad = MaterialAad {
            tenant: key.tenant,
            key: key.id,
            version: version.meta.version,
            algorithm: key.algorithm,
        };
        kek.open_material(&aad, sealed).map_err(ServerError::Crypto)
    }
}

/// Whether the reference in the path names this key.
fn names(key_ref: &KeyRef, key: &Key) -> bool {
    match key_ref {
        KeyRef::Id(id) => *id == key.id,
        KeyRef::Name(name) => *name == key.name,
    }
}
