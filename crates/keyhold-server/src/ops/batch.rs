//! Batch encrypt and decrypt: 1 to [`MAX_BATCH_ITEMS`] items under one key,
//! one result per item, in order.
//!
//! What concerns the whole batch fails the whole request, and then nothing
//! is done: too many items, no such key, a usage or algorithm that cannot do
//! the operation, and (encrypt) a primary version that may not encrypt.
//! What concerns one item fails only that item, with the code it would have
//! got alone: a malformed or tampered ciphertext, another key's ciphertext,
//! a wrong context, a version whose state forbids decrypting. Key material
//! is opened once per batch (decrypt: once per version the items name).

use std::collections::HashMap;

use keyhold_api::ErrorCode;
use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::crypto::{
    BatchDecryptRequest, BatchEncryptRequest, BatchResponse, BatchResult, DecryptedItem,
    EncryptedItem, ItemError, ItemFailure, MAX_BATCH_ITEMS,
};
use keyhold_api::keys::DecryptRequest;
use keyhold_core::{Key, KeyOperation, KeyRef, VersionNumber};
use keyhold_crypto::envelope::Envelope;

use super::envelope::Opener;
use super::{Caller, Operations};
use crate::error::ServerError;

impl Operations {
    /// Encrypts every item with the key's primary version.
    pub fn encrypt_batch(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: BatchEncryptRequest,
    ) -> Result<BatchResponse<EncryptedItem>, ServerError> {
        check_size(req.items.len())?;
        caller.note("items", req.items.len().to_string());
        let (key, version) = self.key_and_version(caller, key, None)?;
        let sealer = self.sealer(caller, &key, &version, KeyOperation::Encrypt)?;
        let results = req
            .items
            .iter()
            .map(|item| {
                let sealed = sealer.seal(&self.crypto, &item.plaintext.0, &item.context);
                result(sealed.map_err(item_error).map(|ct| EncryptedItem {
                    ciphertext: Base64(ct),
                    version: sealer.version(),
                }))
            })
            .collect();
        Ok(BatchResponse {
            key_id: key.id,
            results,
        })
    }

    /// Decrypts every item; each must be an envelope of the key in the path.
    pub fn decrypt_batch(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: BatchDecryptRequest,
    ) -> Result<BatchResponse<DecryptedItem>, ServerError> {
        check_size(req.items.len())?;
        caller.note("items", req.items.len().to_string());
        let key = self.find_key(caller, key)?;
        KeyOperation::Decrypt.check(key.algorithm, key.usage)?;
        let mut openers = Openers {
            ops: self,
            caller,
            key: &key,
            by_version: HashMap::new(),
        };
        let results = req
            .items
            .iter()
            .map(|item| result(openers.decrypt(item)))
            .collect();
        Ok(BatchResponse {
            key_id: key.id,
            results,
        })
    }
}

/// The openers of one key's versions, each made (checked and opened) at
/// most once per batch; a version that cannot decrypt keeps its error.
struct Openers<'a> {
    ops: &'a Operations,
    caller: &'a Caller,
    key: &'a Key,
    by_version: HashMap<VersionNumber, Result<Opener, ItemError>>,
}

impl Openers<'_> {
    fn decrypt(&mut self, item: &DecryptRequest) -> Result<DecryptedItem, ItemError> {
        let env = Envelope::parse(&item.ciphertext.0)
            .map_err(|e| item_error(ServerError::InvalidCiphertext(e)))?;
        if env.key != self.key.id {
            return Err(item_error(ServerError::KeyMismatch));
        }
        if env.algorithm != self.key.algorithm {
            return Err(item_error(ServerError::DecryptionFailed));
        }
        let crypto = self.ops.crypto;
        let opener = self.opener(env.version)?;
        let plaintext = opener
            .open(&crypto, &env, &item.context)
            .map_err(item_error)?;
        Ok(DecryptedItem {
            plaintext: SecretBase64(plaintext.expose().to_vec()),
            version: env.version,
        })
    }

    fn opener(&mut self, version: VersionNumber) -> Result<&Opener, ItemError> {
        let (ops, caller, key) = (self.ops, self.caller, self.key);
        self.by_version
            .entry(version)
            .or_insert_with(|| {
                let stored = ops.find_version(key, version).map_err(|e| match e {
                    ServerError::VersionNotFound { .. } => ServerError::DecryptionFailed,
                    other => other,
                });
                stored
                    .and_then(|v| ops.opener(caller, key, &v))
                    .map_err(item_error)
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// A batch must hold 1 to [`MAX_BATCH_ITEMS`] items.
fn check_size(items: usize) -> Result<(), ServerError> {
    match items {
        0 => Err(ServerError::InvalidRequest {
            detail: "a batch needs at least one item".into(),
        }),
        n if n > MAX_BATCH_ITEMS => Err(ServerError::BatchTooLarge {
            items: n,
            max: MAX_BATCH_ITEMS,
        }),
        _ => Ok(()),
    }
}

/// One item's failure, as the client would see it alone.
fn item_error(e: ServerError) -> ItemError {
    let (code, message) = e.public();
    if code == ErrorCode::InternalError {
        tracing::error!(error = ?e, "batch item failed");
    }
    ItemError {
        code,
        message: message.into_owned(),
    }
}

fn result<T>(r: Result<T, ItemError>) -> BatchResult<T> {
    match r {
        Ok(v) => BatchResult::Ok(v),
        Err(error) => BatchResult::Err(ItemFailure { error }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_sizes() {
        check_size(1).unwrap();
        check_size(MAX_BATCH_ITEMS).unwrap();
        assert!(matches!(
            check_size(0),
            Err(ServerError::InvalidRequest { .. })
        ));
        assert!(matches!(
            check_size(MAX_BATCH_ITEMS + 1),
            Err(ServerError::BatchTooLarge {
                items: 1001,
                max: 1000
            })
        ));
    }

    #[test]
    fn item_errors_carry_the_public_code_and_message() {
        let e = item_error(ServerError::DecryptionFailed);
        assert_eq!(e.code, ErrorCode::DecryptionFailed);
        assert_eq!(e.message, "decryption failed");
        let e = item_error(ServerError::Internal {
            what: "secret detail",
        });
        assert_eq!(e.code, ErrorCode::InternalError);
        assert!(!e.message.contains("secret detail"));
    }
}
