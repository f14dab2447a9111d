//! `grant_type=client_credentials`: a token for the client itself, on no customer's behalf.
//! Every scope the server knows reaches a customer's data, so none can be asked here.

use serde_json::Value;

use super::{Binding, Issue, issue_tokens};
use crate::client::Client;
use crate::error::OAuthError;
use crate::form::Params;
use crate::scope;
use crate::state::AuthServer;

/// Scopes a client may get for itself.
pub const CLIENT_SCOPES: [&str; 0] = [];

/// Issues a client token.
pub async fn issue(
    server: &AuthServer,
    client: &Client,
    params: &Params,
    proof: &Binding,
) -> Result<Value, OAuthError> {
    let asked = scope::parse(params.get("scope"), client)?;
    if let Some(denied) = asked.iter().find(|s| !CLIENT_SCOPES.contains(&s.as_str())) {
        return Err(OAuthError::invalid_scope(format!(
            "the scope {denied} needs a customer's consent; use the authorization code flow"
        )));
    }
    let body = issue_tokens(
        server,
        Issue {
            client,
            grant: None,
            scope: asked.into_iter().collect(),
            proof,
            auth_time: None,
        },
        false,
    )
    .await?;
    Ok(Value::Object(body))
}
