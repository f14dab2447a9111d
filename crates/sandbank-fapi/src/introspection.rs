//! Token introspection (RFC 7662): what an authenticated client may learn about a token.
//!
//! A client learns about its own usable tokens only; for anything else — unknown, expired,
//! revoked, grant no longer active, client deleted, another client's token — the answer is
//! `{"active": false}` and nothing more, so introspection is no oracle for other clients'
//! tokens.

use serde_json::{Map, Value, json};

use crate::client::Client;
use crate::error::OAuthError;
use crate::lookup::{self, FoundToken, TokenKind};
use crate::state::AuthServer;

/// The answer for an inactive (or foreign) token.
pub fn inactive() -> Value {
    json!({ "active": false })
}

/// The introspection response for `found`, asked by `client_id`, on the server `issuer`.
pub fn response(found: Option<&FoundToken>, client_id: &str, issuer: &str) -> Value {
    let Some(found) = found else {
        return inactive();
    };
    let record = &found.record;
    if found.verdict.is_err() || record.client_id != client_id {
        return inactive();
    }
    let mut body = Map::new();
    body.insert("active".into(), Value::Bool(true));
    body.insert("iss".into(), Value::from(issuer));
    body.insert("client_id".into(), Value::from(record.client_id.clone()));
    if let Some(sub) = &record.sub {
        body.insert("sub".into(), Value::from(sub.clone()));
    }
    body.insert("scope".into(), Value::from(record.scope.join(" ")));
    body.insert("iat".into(), Value::from(record.iat));
    body.insert("exp".into(), Value::from(record.exp));
    if found.kind == TokenKind::Access {
        let token_type = if record.cnf.jkt.is_some() {
            "DPoP"
        } else {
            "Bearer"
        };
        body.insert("token_type".into(), Value::from(token_type));
    }
    if record.cnf.is_bound() {
        body.insert(
            "cnf".into(),
            serde_json::to_value(&record.cnf).unwrap_or(Value::Null),
        );
    }
    body.insert(
        "authorization_details".into(),
        serde_json::to_value(&record.authorization_details).unwrap_or(Value::Array(Vec::new())),
    );
    if let Some(grant_id) = &record.grant_id {
        body.insert("grant_id".into(), Value::from(grant_id.clone()));
    }
    if let Some(auth_time) = record.auth_time {
        body.insert("auth_time".into(), Value::from(auth_time));
    }
    Value::Object(body)
}

/// The media type of a signed introspection response (RFC 9701 §4).
pub const JWT_MEDIA_TYPE: &str = "application/token-introspection+jwt";

/// The `typ` of a signed introspection response (RFC 9701 §5).
pub const JWT_TYP: &str = "token-introspection+jwt";

/// Whether the request asks for a signed answer: its `Accept` header names
/// [`JWT_MEDIA_TYPE`] (with any parameters, among other types).
pub fn wants_jwt(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(axum::http::header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|item| item.split(';').next())
        .any(|media| media.trim().eq_ignore_ascii_case(JWT_MEDIA_TYPE))
}

/// The signed introspection response (RFC 9701 §5) for `client`: `iss`, `aud`, `iat` and the
/// answer as `token_introspection`, signed with the client's `introspection_signed_response_alg`
/// (ES256 when it registered none).
pub fn sign(server: &AuthServer, client: &Client, answer: Value) -> Result<String, OAuthError> {
    let alg = match client.metadata.introspection_signed_response_alg.as_deref() {
        Some("PS256") => jsonwebtoken::Algorithm::PS256,
        _ => jsonwebtoken::Algorithm::ES256,
    };
    let claims = json!({
        "iss": server.config.issuer,
        "aud": client.client_id,
        "iat": server.clock.read().real.timestamp(),
        "token_introspection": answer,
    });
    server
        .keys
        .signer(alg)
        .ok_or_else(|| OAuthError::server_error(format!("no {alg:?} signing key")))?
        .sign(Some(JWT_TYP), &claims)
        .map_err(OAuthError::server_error)
}

/// Introspects `token` for `client`; `hint` is the request's `token_type_hint`.
pub async fn introspect(
    server: &AuthServer,
    client: &Client,
    token: &str,
    hint: Option<&str>,
) -> Result<Value, OAuthError> {
    let found = lookup::find(server, token, &TokenKind::search_order(hint)).await?;
    Ok(response(
        found.as_ref(),
        &client.client_id,
        &server.config.issuer,
    ))
}
