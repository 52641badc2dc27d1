//! A typed, async client for the keyhold REST API v1, used by the CLI, the
//! benchmark and the end-to-end tests.
//!
//! It speaks HTTP/1.1 or HTTP/2 over TLS (rustls) or, for a development
//! server on loopback, plain HTTP. It does no retries and holds no cache:
//! every method is one request, and every failure comes back as a
//! [`ClientError`] carrying the server's stable error code.

mod access;
mod approvals;
mod audit;
mod backup;
mod crypto;
mod error;
mod lifecycle;
mod mfa;
mod transfer;

use std::time::Duration;

use keyhold_api::ErrorBody;
use keyhold_api::keys::{
    CreateKeyRequest, DecryptRequest, DecryptResponse, EncryptRequest, EncryptResponse, KeyInfo,
    KeyList, ListKeysQuery,
};
use keyhold_api::sys::{
    Health, InitRequest, InitResponse, RotateRootResponse, SealStatus, UnsealRequest,
};
use keyhold_core::KeyRef;
use reqwest::{Method, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

pub use error::ClientError;

/// A connection to one keyhold server.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<Zeroizing<String>>,
    tenant: Option<String>,
    mfa: Option<Zeroizing<String>>,
    approval: Option<String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("tenant", &self.tenant)
            .field("mfa", &self.mfa.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// How to reach the server.
#[derive(Debug, Default)]
pub struct ClientOptions {
    /// Extra CA certificate (PEM) to trust, for a server with a private CA.
    pub ca_cert_pem: Option<Vec<u8>>,
    /// Per-request timeout; 30 s when not set.
    pub timeout: Option<Duration>,
}

impl Client {
    /// A client for `addr` (`http://127.0.0.1:8200` or `https://kms.example:8200`).
    pub fn new(addr: &str, token: Option<String>) -> Result<Self, ClientError> {
        Self::with_options(addr, token, ClientOptions::default())
    }

    /// A client with extra options.
    pub fn with_options(
        addr: &str,
        token: Option<String>,
        options: ClientOptions,
    ) -> Result<Self, ClientError> {
        let base = addr.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ClientError::InvalidAddress { addr: base });
        }
        let mut builder = reqwest::Client::builder()
            .timeout(options.timeout.unwrap_or(Duration::from_secs(30)))
            .pool_max_idle_per_host(64);
        if let Some(pem) = options.ca_cert_pem {
            let cert = reqwest::Certificate::from_pem(&pem).map_err(ClientError::Tls)?;
            builder = builder.add_root_certificate(cert);
        }
        let http = builder.build().map_err(ClientError::Tls)?;
        Ok(Self {
            http,
            base,
            token: token.map(Zeroizing::new),
            tenant: None,
            mfa: None,
            approval: None,
        })
    }

    /// The same client, acting in `tenant` (`X-Keyhold-Tenant`: the root
    /// token and global admins only).
    #[must_use]
    pub fn in_tenant(&self, tenant: &str) -> Self {
        Self {
            tenant: Some(tenant.to_owned()),
            ..self.clone()
        }
    }

    /// The same client, carrying out an approved quorum request
    /// (`X-Keyhold-Approval`).
    #[must_use]
    pub fn with_approval(&self, id: keyhold_core::ApprovalId) -> Self {
        Self {
            approval: Some(id.to_string()),
            ..self.clone()
        }
    }

    /// The same client, sending a TOTP code with every request
    /// (`X-Keyhold-MFA`); a code is accepted once.
    #[must_use]
    pub fn with_mfa(&self, code: &str) -> Self {
        Self {
            mfa: Some(Zeroizing::new(code.to_owned())),
            ..self.clone()
        }
    }

    /// The server address.
    pub fn addr(&self) -> &str {
        &self.base
    }

    /// `GET /v1/sys/health` (answers whatever the seal state).
    pub async fn health(&self) -> Result<Health, ClientError> {
        let resp = self.request(Method::GET, "/v1/sys/health").send().await?;
        // 503 with a health body is an answer, not a failure.
        if resp.status().as_u16() == 503 {
            return Ok(resp.json().await?);
        }
        decode(resp).await
    }

    /// `GET /v1/sys/seal-status`.
    pub async fn seal_status(&self) -> Result<SealStatus, ClientError> {
        self.call(Method::GET, "/v1/sys/seal-status", None::<&()>)
            .await
    }

    /// `POST /v1/sys/init`.
    pub async fn init(&self, req: &InitRequest) -> Result<InitResponse, ClientError> {
        self.call(Method::POST, "/v1/sys/init", Some(req)).await
    }

    /// `POST /v1/sys/unseal` with one share.
    pub async fn unseal(&self, share: &str) -> Result<SealStatus, ClientError> {
        let req = UnsealRequest {
            share: share.to_owned(),
        };
        self.call(Method::POST, "/v1/sys/unseal", Some(&req)).await
    }

    /// `POST /v1/sys/seal`.
    pub async fn seal(&self) -> Result<SealStatus, ClientError> {
        self.call(Method::POST, "/v1/sys/seal", None::<&()>).await
    }

    /// `POST /v1/sys/rotate-root`.
    pub async fn rotate_root(&self) -> Result<RotateRootResponse, ClientError> {
        self.call(Method::POST, "/v1/sys/rotate-root", None::<&()>)
            .await
    }

    /// `POST /v1/keys`.
    pub async fn create_key(&self, req: &CreateKeyRequest) -> Result<KeyInfo, ClientError> {
        self.call(Method::POST, "/v1/keys", Some(req)).await
    }

    /// `GET /v1/keys`, one page.
    pub async fn list_keys(&self, query: &ListKeysQuery) -> Result<KeyList, ClientError> {
        let qs = serde_urlencoded_query(query)?;
        self.call(Method::GET, &format!("/v1/keys{qs}"), None::<&()>)
            .await
    }

    /// `GET /v1/keys/{key}`.
    pub async fn key(&self, key: &KeyRef) -> Result<KeyInfo, ClientError> {
        self.call(Method::GET, &key_path(key, ""), None::<&()>)
            .await
    }

    /// `POST /v1/keys/{key}/encrypt`.
    pub async fn encrypt(
        &self,
        key: &KeyRef,
        req: &EncryptRequest,
    ) -> Result<EncryptResponse, ClientError> {
        self.call(Method::POST, &key_path(key, "/encrypt"), Some(req))
            .await
    }

    /// `POST /v1/keys/{key}/decrypt`.
    pub async fn decrypt(
        &self,
        key: &KeyRef,
        req: &DecryptRequest,
    ) -> Result<DecryptResponse, ClientError> {
        self.call(Method::POST, &key_path(key, "/decrypt"), Some(req))
            .await
    }

    /// Sends any request and returns the raw response (for tests of bad input).
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Response, ClientError> {
        let mut req = self.request(method, path);
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body);
        }
        Ok(req.send().await?)
    }

    pub(crate) async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let mut req = self.request(method, path);
        if let Some(body) = body {
            req = req.json(body);
        }
        decode(req.send().await?).await
    }

    /// A request whose success has no body (`204 No Content`).
    pub(crate) async fn call_empty(&self, method: Method, path: &str) -> Result<(), ClientError> {
        let resp = self.request(method, path).send().await?;
        if resp.status().is_success() {
            return Ok(());
        }
        decode::<serde_json::Value>(resp).await.map(drop)
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t.as_str());
        }
        if let Some(t) = &self.tenant {
            req = req.header("x-keyhold-tenant", t.as_str());
        }
        if let Some(code) = &self.mfa {
            req = req.header("x-keyhold-mfa", code.as_str());
        }
        if let Some(id) = &self.approval {
            req = req.header("x-keyhold-approval", id.as_str());
        }
        req
    }
}

/// `/v1/keys/{key}{suffix}`, with `/` in names percent-encoded so a name is
/// one path segment.
pub(crate) fn key_path(key: &KeyRef, suffix: &str) -> String {
    let segment = key.to_string().replace('%', "%25").replace('/', "%2F");
    format!("/v1/keys/{segment}{suffix}")
}

/// `?name=value&...` for a query-string type (empty when every field is
/// absent).
pub(crate) fn serde_urlencoded_query<Q: Serialize>(query: &Q) -> Result<String, ClientError> {
    let value = serde_json::to_value(query).map_err(ClientError::Encode)?;
    let mut pairs = Vec::new();
    if let serde_json::Value::Object(map) = value {
        for (k, v) in map {
            let text = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            pairs.push(format!("{k}={}", percent_encode(&text)));
        }
    }
    Ok(if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    })
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub(crate) fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

async fn decode<T: DeserializeOwned>(resp: Response) -> Result<T, ClientError> {
    let status = resp.status();
    let bytes = resp.bytes().await?;
    if status.is_success() {
        return serde_json::from_slice(&bytes).map_err(ClientError::Decode);
    }
    Err(error_from(status.as_u16(), &bytes))
}

/// The error of a failed answer with HTTP `status` and `body`.
pub(crate) fn error_from(status: u16, body: &[u8]) -> ClientError {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(body) => ClientError::Api {
            status,
            code: body.error.code,
            message: body.error.message,
            request_id: body.error.request_id,
        },
        Err(_) => ClientError::UnexpectedStatus { status },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_slashes_are_one_segment() {
        let key: KeyRef = "app/db".parse().unwrap();
        assert_eq!(key_path(&key, "/encrypt"), "/v1/keys/app%2Fdb/encrypt");
    }

    #[test]
    fn list_query_is_encoded() {
        let q = ListKeysQuery {
            prefix: Some("a/b c".into()),
            limit: Some(5),
            ..Default::default()
        };
        assert_eq!(
            serde_urlencoded_query(&q).unwrap(),
            "?limit=5&prefix=a%2Fb%20c"
        );
        assert_eq!(
            serde_urlencoded_query(&ListKeysQuery::default()).unwrap(),
            ""
        );
    }

    #[test]
    fn addresses_need_a_scheme_and_tokens_are_redacted() {
        assert!(Client::new("127.0.0.1:8200", None).is_err());
        let c = Client::new("http://127.0.0.1:8200/", Some("s3cret".into())).unwrap();
        assert_eq!(c.addr(), "http://127.0.0.1:8200");
        assert!(!format!("{c:?}").contains("s3cret"));
    }
}
