//! `grant_type=client_credentials`: a token for the client itself, on no customer's behalf.
//! Every data scope reaches a customer's data, so only the grant management scopes can be
//! asked here: a client manages its grants (`/grants/{grant_id}`) with a token of its own.

use serde_json::Value;

use super::{Binding, Issue, issue_tokens};
use crate::client::Client;
use crate::error::OAuthError;
use crate::form::Params;
use crate::routes::discovery::{GRANT_MANAGEMENT_QUERY, GRANT_MANAGEMENT_REVOKE};
use crate::scope;
use crate::state::AuthServer;

/// Scopes a client may get for itself.
pub const CLIENT_SCOPES: [&str; 2] = [GRANT_MANAGEMENT_QUERY, GRANT_MANAGEMENT_REVOKE];

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
