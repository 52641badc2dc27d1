//! Key lifecycle: update, versions, public key, rotate, activate,
//! deactivate, suspend, resume, revoke, schedule-destroy, cancel-destroy,
//! archive, recover. Each state change answers with the updated key.

use keyhold_api::keys::KeyInfo;
use keyhold_api::lifecycle::{
    KeyVersions, PublicKeyQuery, PublicKeyResponse, RevokeRequest, ScheduleDestroyRequest,
    UpdateKeyRequest,
};
use keyhold_core::KeyRef;
use reqwest::Method;

use crate::{Client, ClientError, key_path, serde_urlencoded_query};

impl Client {
    /// `PATCH /v1/keys/{key}`: description, tags (replaced whole), rotation
    /// period.
    pub async fn update_key(
        &self,
        key: &KeyRef,
        req: &UpdateKeyRequest,
    ) -> Result<KeyInfo, ClientError> {
        self.call(Method::PATCH, &key_path(key, ""), Some(req))
            .await
    }

    /// `GET /v1/keys/{key}/versions`.
    pub async fn key_versions(&self, key: &KeyRef) -> Result<KeyVersions, ClientError> {
        self.call(Method::GET, &key_path(key, "/versions"), None::<&()>)
            .await
    }

    /// `GET /v1/keys/{key}/public-key`.
    pub async fn public_key(
        &self,
        key: &KeyRef,
        query: &PublicKeyQuery,
    ) -> Result<PublicKeyResponse, ClientError> {
        let qs = serde_urlencoded_query(query)?;
        let path = key_path(key, &format!("/public-key{qs}"));
        self.call(Method::GET, &path, None::<&()>).await
    }

    /// `POST /v1/keys/{key}/rotate`: a new Active primary version.
    pub async fn rotate_key(&self, key: &KeyRef) -> Result<KeyInfo, ClientError> {
        self.lifecycle_post(key, "/rotate").await
    }

    /// `POST /v1/keys/{key}/activate`.
    pub async fn activate_key(&self, key: &KeyRef) -> Result<KeyInfo, ClientError> {
        self.lifecycle_post(key, "/activate").await
    }

    /// `POST /v1/keys/{key}/deactivate`.
    pub async fn deactivate_key(&self, key: &KeyRef) -> Result<KeyInfo, ClientError> {
        self.lifecycle_post(key, "/deactivate").await
    }

    /// `POST /v1/keys/{key}/suspend`.
    pub async fn suspend_key(&self, key: &KeyRef) -> Result<KeyInfo, ClientError> {
        self.lifecycle_post(key, "/suspend").await
    }

    /// `POST /v1/keys/{key}/resume`.
    pub async fn resume_key(&self, key: &KeyRef) -> Result<KeyInfo, ClientError> {
        self.lifecycle_post(key, "/resume").await
    }

    /// `POST /v1/keys/{key}/revoke`.
    pub async fn revoke_key(
        &self,
        key: &KeyRef,
        req: &RevokeRequest,
    ) -> Result<KeyInfo, ClientError> {
        self.call(Method::POST, &key_path(key, "/revoke"), Some(req))
            .await
    }

    /// `POST /v1/keys/{key}/schedule-destroy`.
    pub async fn schedule_key_destroy(
        &self,
        key: &KeyRef,
        req: &ScheduleDestroyRequest,
    ) -> Result<KeyInfo, ClientError> {
        self.call(Method::POST, &key_path(key, "/schedule-destroy"), Some(req))
            .await
    }

    /// `POST /v1/keys/{key}/cancel-destroy`.
    pub async fn cancel_key_destroy(&self, key: &KeyRef) -> Result<KeyInfo, ClientError> {
        self.lifecycle_post(key, "/cancel-destroy").await
    }

    /// `POST /v1/keys/{key}/archive`.
    pub async fn archive_key(&self, key: &KeyRef) -> Result<KeyInfo, ClientError> {
        self.lifecycle_post(key, "/archive").await
    }

    /// `POST /v1/keys/{key}/recover`.
    pub async fn recover_key(&self, key: &KeyRef) -> Result<KeyInfo, ClientError> {
        self.lifecycle_post(key, "/recover").await
    }

    /// A bodiless POST to `/v1/keys/{key}{suffix}`.
    async fn lifecycle_post(&self, key: &KeyRef, suffix: &str) -> Result<KeyInfo, ClientError> {
        self.call(Method::POST, &key_path(key, suffix), None::<&()>)
            .await
    }
}

#[cfg(test)]
mod tests {
    use keyhold_api::lifecycle::PublicKeyEncoding;
    use keyhold_core::VersionNumber;

    use super::*;

    #[test]
    fn public_key_query_is_encoded() {
        let q = PublicKeyQuery {
            format: Some(PublicKeyEncoding::Der),
            version: Some(VersionNumber::new(3).unwrap()),
        };
        assert_eq!(serde_urlencoded_query(&q).unwrap(), "?format=der&version=3");
        assert_eq!(
            serde_urlencoded_query(&PublicKeyQuery::default()).unwrap(),
            ""
        );
    }
}
