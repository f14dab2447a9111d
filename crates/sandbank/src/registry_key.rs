//! The registry's optional write key: `serve --registry-key KEY` (`SANDBANK_REGISTRY_KEY`).
//!
//! When it is set, every write to the Confluent-compatible registry (each `POST` and `PUT`
//! under `/registry`: registering, looking up and testing schemas, setting levels) needs it,
//! sent as `Authorization: Bearer KEY` or as HTTP Basic with any user name and the key as the
//! password (what Confluent clients send with `basic.auth.user.info = "user:KEY"`); otherwise
//! 401 with `WWW-Authenticate`, in Confluent's error format. Reads stay open, and so does the
//! native API (`/schemas`), whose two `POST`s only check a document and change nothing. The
//! key is compared in constant time by [`AdminKey::matches`], as the admin key is.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::errors::Family;
use crate::sandbox::AdminKey;

/// The realm of the `WWW-Authenticate` challenges.
pub const REALM: &str = "sandbank-registry";
/// The OpenAPI security scheme of the key sent as a bearer token.
pub const BEARER_SCHEME: &str = "registryKey";
/// The OpenAPI security scheme of the key sent as the HTTP Basic password.
pub const BASIC_SCHEME: &str = "registryBasic";

/// Whether `method` on `path` writes to the registry: a Confluent `POST`, `PUT` or `DELETE`.
pub fn is_registry_write(method: &Method, path: &str) -> bool {
    Family::of(path) == Family::Confluent
        && [Method::POST, Method::PUT, Method::DELETE].contains(method)
}

/// The key the request presents: the bearer token, or the Basic password.
fn presented(request: &Request) -> Option<String> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, credentials) = value.trim().split_once(' ')?;
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(credentials.to_owned());
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(credentials).ok()?).ok()?;
    let (_user, password) = decoded.split_once(':')?;
    Some(password.to_owned())
}

/// Refuses a registry write without the key (when one is set) with 401.
pub async fn guard(State(key): State<Option<AdminKey>>, request: Request, next: Next) -> Response {
    let Some(key) = key else {
        return next.run(request).await;
    };
    if !is_registry_write(request.method(), request.uri().path()) {
        return next.run(request).await;
    }
    let (detail, error) = match presented(&request) {
        Some(candidate) if key.matches(&candidate) => return next.run(request).await,
        Some(_) => ("the registry key is wrong", ", error=\"invalid_token\""),
        None => (
            "writing to this registry needs its key (serve --registry-key): send it as a Bearer token or as the Basic password",
            "",
        ),
    };
    let mut response = crate::errors::refusal(
        request.headers(),
        request.uri().path(),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Unauthorized",
        detail,
    );
    let challenge = format!("Bearer realm=\"{REALM}\"{error}, Basic realm=\"{REALM}\"");
    if let Ok(challenge) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, challenge);
    }
    response
}

/// Documents the key in the OpenAPI document: its two security schemes, and on every registry
/// write the requirement (the key either way, or nothing when the server runs without one)
/// and the 401 answer.
pub fn document(document: &mut Value) {
    let description = "The registry's write key, when `sandbank serve` was started with \
                       `--registry-key` (`SANDBANK_REGISTRY_KEY`); writes are open otherwise.";
    if let Some(schemes) = document
        .pointer_mut("/components/securitySchemes")
        .and_then(Value::as_object_mut)
    {
        schemes.insert(
            BEARER_SCHEME.into(),
            json!({"type": "http", "scheme": "bearer", "description": format!("{description} Sent as `Authorization: Bearer KEY`.")}),
        );
        schemes.insert(
            BASIC_SCHEME.into(),
            json!({"type": "http", "scheme": "basic", "description": format!("{description} Sent as HTTP Basic with any user name and the key as the password (Confluent's `basic.auth.user.info = \"user:KEY\"`).")}),
        );
    }
    let refused = json!({
        "description": "Error code 401: the server has a registry key and the request did not send it, or sent another.",
        "headers": {"WWW-Authenticate": {
            "description": format!("`Bearer realm=\"{REALM}\", Basic realm=\"{REALM}\"`"),
            "schema": {"type": "string"}
        }},
        "content": {Family::Confluent.media_type(): {"schema": {"$ref": format!("#/components/schemas/{}", Family::Confluent.schema_name())}}}
    });
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            let Ok(method) = method.to_ascii_uppercase().parse::<Method>() else {
                continue;
            };
            if !is_registry_write(&method, path) {
                continue;
            }
            let Some(operation) = operation.as_object_mut() else {
                continue;
            };
            operation.insert(
                "security".into(),
                json!([{BEARER_SCHEME: []}, {BASIC_SCHEME: []}, {}]),
            );
            if let Some(Value::Object(responses)) = operation.get_mut("responses") {
                responses.insert("401".into(), refused.clone());
            }
        }
    }
}
