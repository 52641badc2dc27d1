//! The cryptographic endpoints: decrypt without a key, reencrypt, data keys,
//! sign and verify, MAC, ML-KEM, random bytes and batches.

use keyhold_api::crypto::{
    BatchDecryptRequest, BatchEncryptRequest, BatchResponse, DecapsulateRequest,
    DecapsulateResponse, DecryptedItem, EncapsulateRequest, EncapsulateResponse, EncryptedItem,
    GenerateDataKeyRequest, GenerateDataKeyResponse, MacRequest, MacResponse, MacVerifyRequest,
    MacVerifyResponse, RandomRequest, RandomResponse, ReencryptRequest, ReencryptResponse,
    SignRequest, SignResponse, VerifyRequest, VerifyResponse,
};
use keyhold_api::keys::{DecryptRequest, DecryptResponse};
use keyhold_core::KeyRef;
use reqwest::Method;

use crate::{Client, ClientError, key_path};

impl Client {
    /// `POST /v1/decrypt`: decrypts under the key the envelope names.
    pub async fn decrypt_any(&self, req: &DecryptRequest) -> Result<DecryptResponse, ClientError> {
        self.call(Method::POST, "/v1/decrypt", Some(req)).await
    }

    /// `POST /v1/keys/{key}/reencrypt`.
    pub async fn reencrypt(
        &self,
        key: &KeyRef,
        req: &ReencryptRequest,
    ) -> Result<ReencryptResponse, ClientError> {
        self.call(Method::POST, &key_path(key, "/reencrypt"), Some(req))
            .await
    }

    /// `POST /v1/keys/{key}/generate-data-key`.
    pub async fn generate_data_key(
        &self,
        key: &KeyRef,
        req: &GenerateDataKeyRequest,
    ) -> Result<GenerateDataKeyResponse, ClientError> {
        self.call(
            Method::POST,
            &key_path(key, "/generate-data-key"),
            Some(req),
        )
        .await
    }

    /// `POST /v1/keys/{key}/sign`.
    pub async fn sign(&self, key: &KeyRef, req: &SignRequest) -> Result<SignResponse, ClientError> {
        self.call(Method::POST, &key_path(key, "/sign"), Some(req))
            .await
    }

    /// `POST /v1/keys/{key}/verify`. An invalid signature is `Ok` with
    /// `valid: false`.
    pub async fn verify(
        &self,
        key: &KeyRef,
        req: &VerifyRequest,
    ) -> Result<VerifyResponse, ClientError> {
        self.call(Method::POST, &key_path(key, "/verify"), Some(req))
            .await
    }

    /// `POST /v1/keys/{key}/mac`.
    pub async fn mac(&self, key: &KeyRef, req: &MacRequest) -> Result<MacResponse, ClientError> {
        self.call(Method::POST, &key_path(key, "/mac"), Some(req))
            .await
    }

    /// `POST /v1/keys/{key}/mac-verify`. An invalid tag is `Ok` with
    /// `valid: false`.
    pub async fn mac_verify(
        &self,
        key: &KeyRef,
        req: &MacVerifyRequest,
    ) -> Result<MacVerifyResponse, ClientError> {
        self.call(Method::POST, &key_path(key, "/mac-verify"), Some(req))
            .await
    }

    /// `POST /v1/keys/{key}/encapsulate`.
    pub async fn encapsulate(&self, key: &KeyRef) -> Result<EncapsulateResponse, ClientError> {
        let req = EncapsulateRequest {};
        self.call(Method::POST, &key_path(key, "/encapsulate"), Some(&req))
            .await
    }

    /// `POST /v1/keys/{key}/decapsulate`.
    pub async fn decapsulate(
        &self,
        key: &KeyRef,
        req: &DecapsulateRequest,
    ) -> Result<DecapsulateResponse, ClientError> {
        self.call(Method::POST, &key_path(key, "/decapsulate"), Some(req))
            .await
    }

    /// `POST /v1/random`: `bytes` (1 to 1024) random bytes.
    pub async fn random(&self, bytes: u32) -> Result<RandomResponse, ClientError> {
        let req = RandomRequest { bytes };
        self.call(Method::POST, "/v1/random", Some(&req)).await
    }

    /// `POST /v1/keys/{key}/encrypt/batch`.
    pub async fn encrypt_batch(
        &self,
        key: &KeyRef,
        req: &BatchEncryptRequest,
    ) -> Result<BatchResponse<EncryptedItem>, ClientError> {
        self.call(Method::POST, &key_path(key, "/encrypt/batch"), Some(req))
            .await
    }

    /// `POST /v1/keys/{key}/decrypt/batch`.
    pub async fn decrypt_batch(
        &self,
        key: &KeyRef,
        req: &BatchDecryptRequest,
    ) -> Result<BatchResponse<DecryptedItem>, ClientError> {
        self.call(Method::POST, &key_path(key, "/decrypt/batch"), Some(req))
            .await
    }
}
