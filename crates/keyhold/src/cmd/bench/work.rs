//! The requests a run sends, built once before the clock starts: one
//! pre-serialized request per key (the body is the same every time), or, to
//! create keys, a fresh name per request.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderMap, HeaderValue};
use hyper::{Method, Request, Uri};
use keyhold_core::{Algorithm, KeyName};

use super::BenchError;
use super::target::Target;

/// One request, ready to send again and again.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    method: Method,
    uri: Uri,
    body: Bytes,
}

/// What the workers send.
#[derive(Debug)]
pub(crate) struct Work {
    headers: HeaderMap,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// The same requests, one per key, in turn.
    Fixed(Vec<Template>),
    /// `POST /v1/keys` with a new name `{prefix}-{worker}-{n}` each time.
    CreateKey {
        uri: Uri,
        prefix: String,
        algorithm: Algorithm,
    },
}

impl Work {
    /// Requests sent in turn (at least one).
    pub(crate) fn fixed(
        target: &Target,
        token: Option<&str>,
        templates: Vec<Template>,
    ) -> Result<Self, BenchError> {
        Ok(Self {
            headers: headers(target, token)?,
            kind: Kind::Fixed(templates),
        })
    }

    /// Key creations named `{prefix}-{worker}-{n}`; `prefix` must be a key
    /// name of letters, digits and dashes (it is put in JSON unescaped).
    pub(crate) fn create_keys(
        target: &Target,
        token: Option<&str>,
        prefix: String,
        algorithm: Algorithm,
    ) -> Result<Self, BenchError> {
        let plain = prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !plain || prefix.parse::<KeyName>().is_err() {
            return Err(BenchError::KeyPrefix { prefix });
        }
        Ok(Self {
            headers: headers(target, token)?,
            kind: Kind::CreateKey {
                uri: uri(target, "/v1/keys")?,
                prefix,
                algorithm,
            },
        })
    }

    /// The `seq`th request of worker `worker`. Workers start on different
    /// keys and move to the next one each request.
    pub(crate) fn request(&self, worker: usize, seq: u64) -> Request<Full<Bytes>> {
        let (method, uri, body) = match &self.kind {
            Kind::Fixed(templates) => {
                let n = templates.len().max(1);
                let turn = worker.wrapping_add(usize::try_from(seq % n as u64).unwrap_or(0)) % n;
                match templates.get(turn) {
                    Some(t) => (t.method.clone(), t.uri.clone(), t.body.clone()),
                    None => (Method::GET, Uri::from_static("/"), Bytes::new()),
                }
            }
            Kind::CreateKey {
                uri,
                prefix,
                algorithm,
            } => {
                let body = format!(
                    r#"{{"name":"{prefix}-{worker}-{seq}","algorithm":"{}"}}"#,
                    algorithm.as_str()
                );
                (Method::POST, uri.clone(), Bytes::from(body))
            }
        };
        let mut req = Request::new(Full::new(body));
        *req.method_mut() = method;
        *req.uri_mut() = uri;
        *req.headers_mut() = self.headers.clone();
        req
    }
}

impl Template {
    /// A `GET` with no body.
    pub(crate) fn get(target: &Target, path: &str) -> Result<Self, BenchError> {
        Ok(Self {
            method: Method::GET,
            uri: uri(target, path)?,
            body: Bytes::new(),
        })
    }

    /// A `POST` of `body` as JSON.
    pub(crate) fn post<T: serde::Serialize>(
        target: &Target,
        path: &str,
        body: &T,
    ) -> Result<Self, BenchError> {
        let body = serde_json::to_vec(body).map_err(BenchError::Encode)?;
        Ok(Self {
            method: Method::POST,
            uri: uri(target, path)?,
            body: Bytes::from(body),
        })
    }
}

/// The request URI: origin form (`/v1/...`) for HTTP/1.1, absolute for
/// HTTP/2 (its `:scheme` and `:authority`, RFC 9113 section 8.3.1).
fn uri(target: &Target, path: &str) -> Result<Uri, BenchError> {
    let text = if target.http2() {
        format!("{}://{}{path}", target.scheme, target.authority)
    } else {
        path.to_owned()
    };
    text.parse().map_err(|_| BenchError::Address {
        addr: format!("{}://{}{path}", target.scheme, target.authority),
    })
}

/// Names the tenant to act in (`--tenant`).
const TENANT: &str = "x-keyhold-tenant";

fn headers(target: &Target, token: Option<&str>) -> Result<HeaderMap, BenchError> {
    let mut headers = HeaderMap::new();
    if !target.http2() {
        let host = HeaderValue::from_str(&target.authority).map_err(|_| BenchError::Address {
            addr: target.authority.clone(),
        })?;
        headers.insert(HOST, host);
    }
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(t) = token {
        let mut value =
            HeaderValue::from_str(&format!("Bearer {t}")).map_err(|_| BenchError::Token)?;
        value.set_sensitive(true);
        headers.insert(AUTHORIZATION, value);
    }
    if let Some(tenant) = &target.tenant {
        let value = HeaderValue::from_str(tenant).map_err(|_| BenchError::Tenant)?;
        headers.insert(TENANT, value);
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use keyhold_api::keys::CreateKeyRequest;

    use super::*;
    use crate::cli::Conn;

    fn target(http2: bool) -> Target {
        let conn = Conn {
            addr: "http://127.0.0.1:8200".to_owned(),
            token: None,
            ca_cert: None,
            json: false,
            request: crate::cli::RequestOpts::default(),
        };
        Target::new(&conn, http2).unwrap()
    }

    #[test]
    fn workers_spread_requests_over_every_key() {
        let t = target(false);
        let templates = ["/a", "/b", "/c"]
            .iter()
            .map(|p| Template::get(&t, p).unwrap())
            .collect();
        let work = Work::fixed(&t, Some("tok"), templates).unwrap();
        let paths: Vec<String> = (0..6)
            .map(|seq| work.request(1, seq).uri().path().to_owned())
            .collect();
        assert_eq!(paths, ["/b", "/c", "/a", "/b", "/c", "/a"]);
        let req = work.request(0, 0);
        assert_eq!(req.headers()[AUTHORIZATION], "Bearer tok");
        assert!(req.headers()[AUTHORIZATION].is_sensitive());
        assert_eq!(req.headers()[HOST], "127.0.0.1:8200");
    }

    #[test]
    fn http2_requests_carry_an_absolute_uri() {
        let t = target(true);
        let work = Work::fixed(&t, None, vec![Template::get(&t, "/v1/sys/health").unwrap()]);
        let req = work.unwrap().request(0, 0);
        assert_eq!(req.uri().to_string(), "http://127.0.0.1:8200/v1/sys/health");
        assert!(req.headers().get(AUTHORIZATION).is_none());
    }

    #[test]
    fn each_created_key_has_a_new_valid_name() {
        let t = target(false);
        let work = Work::create_keys(&t, None, "bench-x".into(), Algorithm::Ed25519).unwrap();
        let body = |worker, seq| {
            let req = work.request(worker, seq);
            let bytes = req.into_body();
            let bytes = futures_body(bytes);
            serde_json::from_slice::<CreateKeyRequest>(&bytes).unwrap()
        };
        let (a, b) = (body(0, 0), body(0, 1));
        assert_eq!(a.name.as_str(), "bench-x-0-0");
        assert_eq!(a.algorithm, Algorithm::Ed25519);
        assert_ne!(a.name, b.name);
        assert_ne!(body(1, 0).name, a.name);
    }

    #[test]
    fn a_prefix_that_needs_escaping_is_refused() {
        let t = target(false);
        for bad in ["a\"b", "", "-x", "a/b"] {
            assert!(Work::create_keys(&t, None, bad.into(), Algorithm::Aes256Gcm).is_err());
        }
    }

    fn futures_body(body: Full<Bytes>) -> Bytes {
        use http_body_util::BodyExt as _;
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(body.collect()).unwrap().to_bytes()
    }
}
