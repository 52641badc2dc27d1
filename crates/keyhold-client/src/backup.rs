//! `/v1/sys/backup`, `/v1/sys/backup/verify`, `/v1/sys/restore`,
//! `/v1/sys/init/restore`: the backup
//! file travels as raw bytes.

use keyhold_api::backup::BackupReport;
use keyhold_api::sys::SealStatus;
use reqwest::Method;

use crate::{Client, ClientError, decode, error_from};

const OCTET_STREAM: &str = "application/octet-stream";

impl Client {
    /// `POST /v1/sys/backup`: the encrypted backup file of the whole store.
    pub async fn backup(&self) -> Result<Vec<u8>, ClientError> {
        let resp = self.request(Method::POST, "/v1/sys/backup").send().await?;
        let status = resp.status();
        let body = resp.bytes().await?;
        if !status.is_success() {
            return Err(error_from(status.as_u16(), &body));
        }
        Ok(body.to_vec())
    }

    /// `POST /v1/sys/backup/verify`: what the file holds, if it opens whole
    /// with the server's backup key.
    pub async fn verify_backup(&self, file: Vec<u8>) -> Result<BackupReport, ClientError> {
        self.send_file("/v1/sys/backup/verify", file).await
    }

    /// `POST /v1/sys/restore`: replaces the server's whole store with the
    /// backup's.
    pub async fn restore(&self, file: Vec<u8>) -> Result<BackupReport, ClientError> {
        self.send_file("/v1/sys/restore", file).await
    }

    /// `POST /v1/sys/init/restore`: an uninitialized server holds the
    /// backup until the unseal shares of its server are given.
    pub async fn init_restore(&self, file: Vec<u8>) -> Result<SealStatus, ClientError> {
        self.send_file("/v1/sys/init/restore", file).await
    }

    async fn send_file<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        file: Vec<u8>,
    ) -> Result<T, ClientError> {
        let resp = self
            .request(Method::POST, path)
            .header("content-type", OCTET_STREAM)
            .body(file)
            .send()
            .await?;
        decode(resp).await
    }
}
