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
