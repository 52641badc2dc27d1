//! Encrypt, decrypt (with or without a key in the path) and reencrypt.

use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::crypto::{ReencryptRequest, ReencryptResponse};
use keyhold_api::keys::{
    DecryptRequest, DecryptResponse, EncryptRequest, EncryptResponse, EncryptionContext,
};
use keyhold_core::{KeyId, KeyOperation, KeyRef, VersionNumber};
use keyhold_crypto::SecretBytes;
use keyhold_crypto::envelope::Envelope;

use super::crypto::names;
use super::{Caller, Operations};
use crate::error::ServerError;

/// A decrypted envelope and who decrypted it.
#[derive(Debug)]
pub(super) struct Decrypted {
    pub(super) plaintext: SecretBytes,
    pub(super) key: KeyId,
    pub(super) version: VersionNumber,
}

impl Operations {
    /// Encrypts with the key's primary version into a self-describing
    /// envelope (an AEAD, or RSA-OAEP for RSA keys).
    pub fn encrypt(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: EncryptRequest,
    ) -> Result<EncryptResponse, ServerError> {
        caller.note_context(&req.context);
        let (key, version) = self.key_and_version(caller, key, None)?;
        let sealer = self.sealer(caller, &key, &version, KeyOperation::Encrypt)?;
        let ciphertext = sealer.seal(&self.crypto, &req.plaintext.0, &req.context)?;
        Ok(EncryptResponse {
            ciphertext: Base64(ciphertext),
            key_id: key.id,
            version: sealer.version(),
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
        self.decrypt_envelope(caller, Some(path_key), &req.ciphertext.0, &req.context)
            .map(decrypt_response)
    }

    /// Decrypts an envelope under the key and version it names
    /// (`POST /v1/decrypt`).
    pub fn decrypt_any(
        &self,
        caller: &Caller,
        req: DecryptRequest,
    ) -> Result<DecryptResponse, ServerError> {
        self.decrypt_envelope(caller, None, &req.ciphertext.0, &req.context)
            .map(decrypt_response)
    }

    /// Decrypts an envelope under its key, then encrypts the plaintext under
    /// the destination key's primary version (the path key's when none is
    /// named). The plaintext never leaves the server. The destination is
    /// checked first, so a refused destination decrypts nothing.
    pub fn reencrypt(
        &self,
        caller: &Caller,
        path_key: &KeyRef,
        req: ReencryptRequest,
    ) -> Result<ReencryptResponse, ServerError> {
        let destination = req.destination_key.as_ref().unwrap_or(path_key);
        let (dest_key, dest_version) = self.key_and_version(caller, destination, None)?;
        let sealer = self.sealer(caller, &dest_key, &dest_version, KeyOperation::Encrypt)?;
        let source =
            self.decrypt_envelope(caller, Some(path_key), &req.ciphertext.0, &req.context)?;
        let context = req.destination_context.as_ref().unwrap_or(&req.context);
        let ciphertext = sealer.seal(&self.crypto, source.plaintext.expose(), context)?;
        Ok(ReencryptResponse {
            ciphertext: Base64(ciphertext),
            key_id: dest_key.id,
            version: sealer.version(),
            source_key_id: source.key,
            source_version: source.version,
        })
    }

    /// Parses and decrypts an envelope under the key and version it names;
    /// `path_key`, when given, must name that key.
    pub(super) fn decrypt_envelope(
        &self,
        caller: &Caller,
        path_key: Option<&KeyRef>,
        ciphertext: &[u8],
        context: &EncryptionContext,
    ) -> Result<Decrypted, ServerError> {
        caller.note_context(context);
        let env = Envelope::parse(ciphertext).map_err(ServerError::InvalidCiphertext)?;
        let (key, version) = self
            .key_and_version(caller, &KeyRef::Id(env.key), Some(env.version))
            .map_err(|e| match e {
                // The key exists but never had this version: not a real envelope.
                ServerError::VersionNotFound { .. } => ServerError::DecryptionFailed,
                other => other,
            })?;
        if path_key.is_some_and(|p| !names(p, &key)) {
            return Err(ServerError::KeyMismatch);
        }
        if env.algorithm != key.algorithm {
            return Err(ServerError::DecryptionFailed);
        }
        let opener = self.opener(caller, &key, &version)?;
        Ok(Decrypted {
            plaintext: opener.open(&self.crypto, &env, context)?,
            key: key.id,
            version: version.meta.version,
        })
    }
}

fn decrypt_response(d: Decrypted) -> DecryptResponse {
    DecryptResponse {
        plaintext: SecretBase64(d.plaintext.expose().to_vec()),
        key_id: d.key,
        version: d.version,
    }
}
