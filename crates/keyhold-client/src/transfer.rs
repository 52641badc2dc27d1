//! Secure key transfer: import tokens, import and export
//! (`keyhold_api::transfer`). The client only carries wrapped material; the
//! wrapping itself (`keyhold_crypto::transfer`) is the caller's, so no
//! plaintext key material ever passes through this crate.

use keyhold_api::keys::KeyInfo;
use keyhold_api::transfer::{
    ExportKeyRequest, ExportKeyResponse, ImportKeyRequest, ImportTokenRequest, ImportTokenResponse,
};
use keyhold_core::KeyRef;
use reqwest::Method;

use crate::{Client, ClientError, key_path};

impl Client {
    /// `POST /v1/keys/import-token`: a public key to wrap material to.
    pub async fn import_token(
        &self,
        req: &ImportTokenRequest,
    ) -> Result<ImportTokenResponse, ClientError> {
        self.call(Method::POST, "/v1/keys/import-token", Some(req))
            .await
    }

    /// `POST /v1/keys/import`: a new key from wrapped material.
    pub async fn import_key(&self, req: &ImportKeyRequest) -> Result<KeyInfo, ClientError> {
        self.call(Method::POST, "/v1/keys/import", Some(req)).await
    }

    /// `POST /v1/keys/{key}/export`: an exportable key's material, wrapped
    /// to the caller's public key.
    pub async fn export_key(
        &self,
        key: &KeyRef,
        req: &ExportKeyRequest,
    ) -> Result<ExportKeyResponse, ClientError> {
        self.call(Method::POST, &key_path(key, "/export"), Some(req))
            .await
    }
}
