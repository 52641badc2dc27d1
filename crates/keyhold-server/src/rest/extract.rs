//! Extractors that turn HTTP input into typed values, mapping every axum
//! rejection to a [`ServerError`] with a stable code.

use std::fmt;
use std::marker::PhantomData;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use keyhold_core::audit::Interface;
use keyhold_core::{KeyRef, RequestId};
use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

use crate::auth::bearer;
use crate::error::ServerError;
use crate::ops::{CertIdentity, Credentials, Proof};

/// A JSON body of type `T` (unknown fields refused by `T` itself).
#[derive(Debug)]
pub(super) struct ApiJson<T>(pub(super) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ServerError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<ObjectOnly<T>>::from_request(req, state).await {
            Ok(axum::Json(ObjectOnly(v))) => Ok(Self(v)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

/// A `T` read from a JSON object only. serde's derived `Deserialize` also
/// reads a struct from a sequence (`[null, null]`), which would make every
/// request body accept an array in place of the documented object.
#[derive(Debug)]
pub(super) struct ObjectOnly<T>(pub(super) T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ObjectVisitor(PhantomData))
    }
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = ObjectOnly<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(ObjectOnly)
    }
}

fn json_rejection(r: &JsonRejection) -> ServerError {
    match r {
        JsonRejection::MissingJsonContentType(_) => ServerError::UnsupportedMediaType,
        JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ServerError::PayloadTooLarge
        }
        other => ServerError::InvalidRequest {
            detail: other.body_text(),
        },
    }
}

/// A query string of type `T`.
#[derive(Debug)]
pub(super) struct ApiQuery<T>(pub(super) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|r: QueryRejection| ServerError::InvalidRequest {
                detail: r.body_text(),
            })
    }
}

/// The `{key}` path segment: a key id or name.
#[derive(Debug)]
pub(super) struct KeyPath(pub(super) KeyRef);

impl<S: Send + Sync> FromRequestParts<S> for KeyPath {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|r| ServerError::InvalidRequest {
                    detail: r.body_text(),
                })?;
        raw.parse().map(Self).map_err(ServerError::Core)
    }
}

/// The request id given by the middleware.
pub(super) fn request_id(parts: &Parts) -> Result<RequestId, ServerError> {
    parts
        .extensions
        .get::<RequestId>()
        .copied()
        .ok_or(ServerError::Internal {
            what: "request id missing",
        })
}

/// Names the tenant to act in (root token and global admins only).
pub(super) const TENANT_HEADER: &str = "x-keyhold-tenant";
/// Carries a TOTP code.
pub(super) const MFA_HEADER: &str = "x-keyhold-mfa";
/// Names the approved quorum request a request carries out.
pub(super) const APPROVAL_HEADER: &str = "x-keyhold-approval";

/// A header's value as text; not UTF-8/visible ASCII is a bad request.
fn header_text<'a>(parts: &'a Parts, name: &str) -> Result<Option<&'a str>, ServerError> {
    parts
        .headers
        .get(name)
        .map(|v| {
            v.to_str().map_err(|_| ServerError::InvalidRequest {
                detail: format!("the {name} header is not text"),
            })
        })
        .transpose()
}

/// The peer address of a connection, put on each request by the listener.
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub std::net::SocketAddr);

/// What a request presents before authentication: its id, the peer and
/// the bearer token. Authentication itself (and its audit event) happens in
/// [`Operations::perform`](crate::ops::Operations::perform).
#[derive(Debug)]
pub(super) struct Creds(pub(super) Credentials);

impl<S: Send + Sync> FromRequestParts<S> for Creds {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let request_id = request_id(parts)?;
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        // A bearer token wins over the connection's client certificate, so
        // a tool on a mutual-TLS connection can still act as someone else.
        let cert = parts.extensions.get::<CertIdentity>();
        let proof = match (bearer(header), cert) {
            (Some(token), _) => Proof::Bearer(Zeroizing::new(token.to_owned())),
            (None, Some(cert)) => Proof::Certificate(cert.clone()),
            (None, None) => Proof::None,
        };
        let source = parts.extensions.get::<PeerAddr>().map(|p| p.0.ip());
        let tenant = match header_text(parts, TENANT_HEADER)? {
            Some(name) => Some(name.parse().map_err(ServerError::Core)?),
            None => None,
        };
        let mfa = header_text(parts, MFA_HEADER)?.map(|c| Zeroizing::new(c.to_owned()));
        let approval = match header_text(parts, APPROVAL_HEADER)? {
            Some(id) => Some(id.parse().map_err(ServerError::Core)?),
            None => None,
        };
        Ok(Self(Credentials {
            request_id,
            interface: Interface::Rest,
            source,
            proof,
            tenant,
            mfa,
            approval,
        }))
    }
}

#[cfg(test)]
mod tests {
    use keyhold_api::crypto::RandomRequest;
    use keyhold_api::transfer::ImportTokenRequest;

    use super::*;

    #[test]
    fn bodies_are_objects_only() {
        let ok: ObjectOnly<RandomRequest> = serde_json::from_str(r#"{"bytes": 16}"#).unwrap();
        assert_eq!(ok.0.bytes, 16);
        // Plain serde would read both of these as structs.
        assert!(serde_json::from_str::<RandomRequest>("[16]").is_ok());
        for bad in ["[16]", "[null, null]", "null", "16", "\"x\""] {
            assert!(
                serde_json::from_str::<ObjectOnly<RandomRequest>>(bad).is_err(),
                "{bad}"
            );
            assert!(
                serde_json::from_str::<ObjectOnly<ImportTokenRequest>>(bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn object_rules_still_apply() {
        let unknown = serde_json::from_str::<ObjectOnly<RandomRequest>>(r#"{"bytes": 1, "x": 2}"#);
        assert!(unknown.unwrap_err().to_string().contains("unknown field"));
        let missing = serde_json::from_str::<ObjectOnly<RandomRequest>>("{}");
        assert!(missing.unwrap_err().to_string().contains("missing field"));
        let empty: ObjectOnly<ImportTokenRequest> = serde_json::from_str("{}").unwrap();
        assert_eq!(empty.0, ImportTokenRequest::default());
    }
}
