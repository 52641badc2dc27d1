//! The OpenAPI 3.1 document of the REST API v1, generated from the code:
//! every handler carries a `#[utoipa::path]` and the router is built with
//! `utoipa_axum`'s `routes!`, so a route cannot exist without its entry in
//! the document. Served at `GET /v1/openapi.json`.
//!
//! Errors: every error status of an operation answers with
//! [`ErrorBody`]; each status's description lists the stable codes that
//! carry it (from [`ErrorCode::ALL`], so it cannot drift). 405 and 500 can
//! come from any operation and are added to all of them here.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::response::{IntoResponse, Response};
use keyhold_api::{ErrorBody, ErrorCode};
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};

/// The document's fixed parts; the paths come from the router.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "keyhold REST API",
        description = "Key management: keys, their lifecycle, and cryptographic operations. \
            Authenticated operations take `Authorization: Bearer <token>`. Every error answers \
            `{\"error\": {\"code\", \"message\", \"request_id\"}}` with a stable code \
            (docs/api.md). Any path answers 405 `method_not_allowed` to a method it does not \
            have, and any operation may answer 500 `internal_error`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "sys", description = "Health, initialization and the seal."),
        (name = "keys", description = "Keys and their lifecycle."),
        (name = "crypto", description = "Cryptographic operations."),
        (name = "transfer", description = "Key import (BYOK) and export."),
        (name = "access", description = "Tenants, principals, tokens, certificates, policies, roles, MFA and approvals."),
        (name = "audit", description = "The audit trail: events, verification, export."),
    )
)]
pub(super) struct ApiDoc;

/// The `bearer` security scheme named by authenticated operations.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Adds 405 and 500 to every operation; [`finish`] runs it once the router
/// has added every path.
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for op in ops.into_iter().flatten() {
                for (status, response) in Common::responses() {
                    op.responses.responses.entry(status).or_insert(response);
                }
            }
        }
    }
}

/// Completes the document once the router has added every path.
pub(super) fn finish(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    CommonErrors.modify(&mut doc);
    for item in doc.paths.paths.values_mut() {
        let ops = [&mut item.post, &mut item.put, &mut item.patch];
        for body in ops
            .into_iter()
            .flatten()
            .filter_map(|op| op.request_body.as_mut())
        {
            for content in body.content.values_mut() {
                if let Some(schema) = content.schema.take() {
                    content.schema = Some(without_null(schema));
                }
            }
        }
    }
    doc
}

/// An optional body is documented as `Option<T>`, which utoipa renders as
/// `oneOf: [null, T]` (and `required: false`). The server reads a missing
/// body as `T::default()` but refuses a `null` one, so the schema is `T`.
fn without_null(schema: RefOr<Schema>) -> RefOr<Schema> {
    let RefOr::T(Schema::OneOf(one_of)) = &schema else {
        return schema;
    };
    let is_null = |s: &RefOr<Schema>| matches!(s, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null));
    let mut rest = one_of.items.iter().filter(|s| !is_null(s));
    match (rest.next(), rest.next()) {
        (Some(only), None) if one_of.items.len() == 2 => only.clone(),
        _ => schema,
    }
}

/// An error response of `status`: an [`ErrorBody`], described by the codes
/// that carry this status.
fn error_response(status: u16, what: &str) -> RefOr<utoipa::openapi::Response> {
    let codes: Vec<String> = ErrorCode::ALL
        .iter()
        .filter(|c| c.http_status() == status)
        .map(|c| format!("`{}`", c.as_str()))
        .collect();
    let content = ContentBuilder::new()
        .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
            ErrorBody::name(),
        ))))
        .build();
    ResponseBuilder::new()
        .description(format!("{what}; error code one of {}.", codes.join(", ")))
        .content("application/json", content)
        .into()
}

/// Defines a set of error responses, usable in `responses(...)`.
macro_rules! error_set {
    ($($(#[$doc:meta])* $name:ident: [$(($status:literal, $what:literal)),+ $(,)?];)*) => {
        $(
            $(#[$doc])*
            pub(super) struct $name;

            impl IntoResponses for $name {
                fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
                    [$(($status, $what)),+]
                        .into_iter()
                        .map(|(s, w): (u16, &str)| (s.to_string(), error_response(s, w)))
                        .collect()
                }
            }
        )*
    };
}

error_set! {
    /// Any operation: the method is not allowed or the server failed.
    Common: [(405, "Method not allowed"), (500, "Internal error")];
    /// An operation that needs a bearer token.
    AuthErrors: [
        (401, "No valid bearer token"),
        (403, "The token may not do this"),
        (503, "The server is sealed or not initialized"),
    ];
    /// Malformed input (body, query, path).
    BadRequest: [(400, "Malformed request")];
    /// An operation with a JSON body.
    BodyErrors: [
        (413, "Body or batch too large"),
        (415, "The body is not JSON"),
    ];
    /// An operation on a key named in the path (or by the ciphertext).
    NotFound: [(404, "No such key or version")];
    /// The key's state forbids the operation, or the name is taken.
    Conflict: [(409, "Conflict with the key's state")];
    /// The key's material is destroyed (a tombstone remains).
    Gone: [(410, "The key's material is destroyed")];
    /// The key's algorithm or usage does not allow the operation.
    Unprocessable: [(422, "Not possible with this key")];
    /// The server is not initialized (unseal).
    ServiceUnavailable: [(503, "The server is not initialized")];
    /// An access-management resource named in the path or the body is
    /// missing.
    AccessNotFound: [(404, "No such tenant, principal, role, policy, token or certificate")];
    /// A name is taken, a built-in role is named, a separation-of-duties
    /// rule is broken, or a certificate is bound already.
    AccessConflict: [(409, "Name taken, built-in role, separation of duties, or certificate bound")];
    /// An invalid policy, settings, quorum or token time to live.
    AccessUnprocessable: [(422, "Invalid policy, settings, quorum or token time to live")];
    /// An unauthenticated read that needs the server unsealed.
    SealedErrors: [(503, "The server is sealed or not initialized")];
    /// Too many outstanding import tokens.
    TooMany: [(429, "Too many outstanding import tokens")];
}

/// The generated document, as JSON.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "sys",
    responses((status = 200, description = "This OpenAPI 3.1 document", body = Object))
)]
pub(super) async fn openapi_json(
    Extension(doc): Extension<Arc<utoipa::openapi::OpenApi>>,
) -> Response {
    axum::Json(doc.as_ref()).into_response()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;
    use crate::rest::routes;

    fn document() -> Value {
        let (_router, doc) = routes().split_for_parts();
        serde_json::to_value(finish(doc)).unwrap()
    }

    fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                out.push((path.clone(), method.clone(), op));
            }
        }
        out
    }

    fn statuses(op: &Value) -> BTreeSet<u16> {
        op["responses"]
            .as_object()
            .unwrap()
            .keys()
            .map(|s| s.parse().unwrap())
            .collect()
    }

    #[test]
    fn document_is_openapi_3_1_and_round_trips() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        let text = serde_json::to_string(&doc).unwrap();
        let back: utoipa::openapi::OpenApi = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_value(back).unwrap(), doc);
    }

    #[test]
    fn every_route_is_documented() {
        let doc = document();
        let paths: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
        for want in [
            "/v1/openapi.json",
            "/v1/sys/health",
            "/v1/sys/seal",
            "/v1/sys/backup",
            "/v1/sys/backup/verify",
            "/v1/sys/restore",
            "/v1/keys",
            "/v1/keys/{key}",
            "/v1/keys/{key}/encrypt/batch",
            "/v1/keys/import-token",
            "/v1/decrypt",
            "/v1/random",
            "/v1/audit/events",
            "/v1/audit/verify",
            "/v1/audit/public-key",
            "/v1/audit/export",
        ] {
            assert!(paths.contains(want), "{want} missing");
        }
        assert_eq!(operations(&doc).len(), 86);
    }

    #[test]
    fn every_ref_resolves() {
        let doc = document();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let text = serde_json::to_string(&doc).unwrap();
        let prefix = "\"#/components/schemas/";
        for piece in text.split(prefix).skip(1) {
            let name = piece.split('"').next().unwrap();
            assert!(schemas.contains_key(name), "dangling $ref {name}");
        }
    }

    #[test]
    fn error_statuses_are_where_they_should_be() {
        let doc = document();
        let mut seen = BTreeSet::new();
        for (path, method, op) in operations(&doc) {
            let st = statuses(op);
            assert!(st.contains(&500) && st.contains(&405), "{method} {path}");
            let authed = op.get("security").is_some();
            if authed {
                assert!(st.is_superset(&[401, 403, 503].into()), "{method} {path}");
            }
            if path.contains("{key}") {
                assert!(st.is_superset(&[400, 404].into()), "{method} {path}");
            }
            if op.get("requestBody").is_some() {
                assert!(st.is_superset(&[400, 413, 415].into()), "{method} {path}");
            }
            for (status, resp) in op["responses"].as_object().unwrap() {
                if !status.starts_with('2') && path != "/v1/sys/health" {
                    let schema = &resp["content"]["application/json"]["schema"]["$ref"];
                    assert_eq!(schema, "#/components/schemas/ErrorBody", "{method} {path}");
                }
            }
            seen.extend(st);
        }
        for code in ErrorCode::ALL {
            assert!(seen.contains(&code.http_status()), "{code} undocumented");
        }
    }

    #[test]
    fn optional_bodies_are_optional_objects_not_null() {
        let doc = document();
        for path in ["/v1/keys/{key}/rotate", "/v1/keys/import-token"] {
            let body = &doc["paths"][path]["post"]["requestBody"];
            assert_ne!(body["required"], true, "{path}");
            let schema = &body["content"]["application/json"]["schema"];
            assert!(schema["$ref"].is_string(), "{path}: {schema}");
        }
        let create = &doc["paths"]["/v1/keys"]["post"]["requestBody"];
        assert_eq!(create["required"], true);
    }

    #[test]
    fn request_bodies_refuse_unknown_fields() {
        let doc = document();
        let create = &doc["components"]["schemas"]["CreateKeyRequest"];
        assert_eq!(create["additionalProperties"], false);
        assert_eq!(create["required"], serde_json::json!(["name"]));
    }
}
