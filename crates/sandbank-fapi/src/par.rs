//! Pushed authorization requests (RFC 9126): what a valid one is, and what the server keeps of
//! it until the customer finishes at the authorization endpoint.

use sandbank_schemas::consent::AuthorizationDetail;
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::OAuthError;
use crate::form::Params;
use crate::grant::Action;
use crate::{pkce, rar, scope};

/// Prefix of every `request_uri` this server issues.
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// Longest `state` and `nonce` accepted.
pub const MAX_STATE_LENGTH: usize = 4096;

/// An authorization request as pushed and checked, stored under the `request_uri`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushedRequest {
    /// The client that pushed it.
    pub client_id: String,
    /// Where to send the response (one of the client's registered URIs, exactly).
    pub redirect_uri: String,
    /// Scopes asked.
    pub scope: scope::ScopeSet,
    /// Rich authorization details asked.
    pub authorization_details: Vec<AuthorizationDetail>,
    /// The client's `state`, echoed exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The OpenID `nonce`, echoed in the ID token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Username of the customer the client expects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_hint: Option<String>,
    /// PKCE S256 challenge.
    pub code_challenge: String,
    /// Thumbprint of the DPoP key the code is bound to (RFC 9449 §10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_jkt: Option<String>,
    /// Whether the customer has reached the authorization endpoint with it (its lifetime is
    /// then extended to the length of a login and consent).
    #[serde(default)]
    pub started: bool,
    /// JARM (`response_mode=jwt` or `query.jwt`): the algorithm the authorization response is
    /// signed with. `None`: a plain query response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_signing_alg: Option<String>,
    /// Grant Management: what the request does to grants (`create`, `merge`, `replace`);
    /// `None` when the client sent no `grant_management_action` (a new grant, as `create`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_management_action: Option<Action>,
    /// Grant Management: the grant to `merge` into or `replace` (checked at PAR to be an
    /// active grant of the client, and again when the customer approves).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
}

/// Checks `grant_management_action` and `grant_id` (Grant Management for OAuth 2.0 §4.1):
/// an unknown action, `create` with a `grant_id`, `merge` or `replace` without one, a
/// `grant_id` without an action, or no action when `action_required` (`serve
/// --require-grant-management-action`) are `invalid_request`. Whether the grant exists and is
/// the client's is [`crate::grant::target`]'s question (it needs the store).
pub fn grant_management(
    params: &Params,
    action_required: bool,
) -> Result<(Option<Action>, Option<String>), OAuthError> {
    let action = match params.get("grant_management_action") {
        None => None,
        Some(name) => Some(Action::from_name(name).ok_or_else(|| {
            OAuthError::invalid_request(format!(
                "grant_management_action {name} is not supported; use one of: {}",
                Action::names().join(", ")
            ))
        })?),
    };
    let grant_id = match params.get("grant_id") {
        Some("") => return Err(OAuthError::invalid_request("grant_id is empty")),
        Some(id) if id.len() > MAX_STATE_LENGTH => {
            return Err(OAuthError::invalid_request(format!(
                "grant_id is longer than {MAX_STATE_LENGTH} characters"
            )));
        }
        other => other.map(str::to_owned),
    };
    match (action, &grant_id) {
        (None, Some(_)) => Err(OAuthError::invalid_request(
            "grant_id needs a grant_management_action (merge or replace)",
        )),
        (None, None) if action_required => Err(OAuthError::invalid_request(
            "this server requires grant_management_action (create, merge or replace)",
        )),
        (Some(Action::Create), Some(_)) => Err(OAuthError::invalid_request(
            "grant_management_action=create makes a new grant: send no grant_id",
        )),
        (Some(action), None) if action.needs_grant_id() => {
            Err(OAuthError::invalid_request(format!(
                "grant_management_action={} needs the grant_id of the grant to change",
                action.name()
            )))
        }
        _ => Ok((action, grant_id)),
    }
}

/// The JARM algorithm when the client registered none: ES256 (JARM's own default, RS256, is
/// not allowed by FAPI 2.0).
pub const DEFAULT_JARM_ALG: &str = "ES256";

fn bounded<'a>(params: &'a Params, name: &str) -> Result<Option<&'a str>, OAuthError> {
    match params.get(name) {
        Some(value) if value.len() > MAX_STATE_LENGTH => Err(OAuthError::invalid_request(format!(
            "{name} is longer than {MAX_STATE_LENGTH} characters"
        ))),
        other => Ok(other),
    }
}

/// Checks the parameters of a pushed authorization request from an authenticated `client`:
/// the form's, or those inside its verified request object
/// ([`crate::request_object::parameters`]). `proof_jkt` is the thumbprint of the DPoP proof
/// sent with the request, if any; `grant_management_action_required` is the server's
/// `grant_management_action_required` ([`grant_management`]).
pub fn validate(
    client: &Client,
    params: &Params,
    proof_jkt: Option<&str>,
    grant_management_action_required: bool,
) -> Result<PushedRequest, OAuthError> {
    if params.contains("request_uri") {
        return Err(OAuthError::invalid_request(
            "request_uri must not be sent to the pushed authorization request endpoint",
        ));
    }
    if !client.allows_grant("authorization_code") {
        return Err(OAuthError::unauthorized_client(
            "the client is not registered for the authorization_code grant",
        ));
    }
    match params.get("response_type") {
        Some("code") => {}
        Some(other) => {
            return Err(OAuthError::unsupported_response_type(format!(
                "response_type {other} is not supported; use code"
            )));
        }
        None => return Err(OAuthError::invalid_request("response_type is required")),
    }
    let registered_jarm = client.metadata.authorization_signed_response_alg.as_deref();
    let response_signing_alg = match params.get("response_mode") {
        None | Some("query") if registered_jarm.is_some() => {
            return Err(OAuthError::invalid_request(
                "the client is registered with authorization_signed_response_alg (JARM): send response_mode=jwt",
            ));
        }
        None | Some("query") => None,
        Some("jwt" | "query.jwt") => Some(registered_jarm.unwrap_or(DEFAULT_JARM_ALG).to_owned()),
        Some("fragment.jwt" | "form_post.jwt" | "fragment" | "form_post") => {
            return Err(OAuthError::invalid_request(
                "only query responses are supported with the code flow: use response_mode=jwt (or query.jwt), or query",
            ));
        }
        Some(other) => {
            return Err(OAuthError::invalid_request(format!(
                "response_mode {other} is not supported; use jwt, query.jwt or query"
            )));
        }
    };
    let redirect_uri = params.require("redirect_uri")?;
    if !client
        .metadata
        .redirect_uris
        .iter()
        .any(|r| r == redirect_uri)
    {
        return Err(OAuthError::invalid_request(
            "redirect_uri is not one of the client's registered redirect URIs",
        ));
    }
    let code_challenge = params.get("code_challenge").ok_or_else(|| {
        OAuthError::invalid_request("code_challenge is required (PKCE with S256)")
    })?;
    match params.get("code_challenge_method") {
        Some("S256") => {}
        Some(other) => {
            return Err(OAuthError::invalid_request(format!(
                "code_challenge_method {other} is not allowed; use S256"
            )));
        }
        None => {
            return Err(OAuthError::invalid_request(
                "code_challenge_method is required and must be S256",
            ));
        }
    }
    if !pkce::challenge_is_well_formed(code_challenge) {
        return Err(OAuthError::invalid_request(
            "code_challenge must be 43 base64url characters (S256)",
        ));
    }
    let scope = scope::parse(params.get("scope"), client)?;
    let authorization_details = rar::parse(params.get("authorization_details"), client)?;
    if scope.is_empty() && authorization_details.is_empty() {
        return Err(OAuthError::invalid_scope(
            "ask for at least one scope or authorization detail",
        ));
    }
    let dpop_jkt = match (params.get("dpop_jkt"), proof_jkt) {
        (Some(param), Some(proof)) if param != proof => {
            return Err(OAuthError::invalid_dpop_proof(
                "dpop_jkt differs from the thumbprint of the DPoP proof's key",
            ));
        }
        (Some(param), _) => Some(param.to_owned()),
        (None, proof) => proof.map(str::to_owned),
    };
    let (grant_management_action, grant_id) =
        grant_management(params, grant_management_action_required)?;
    Ok(PushedRequest {
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        scope,
        authorization_details,
        state: bounded(params, "state")?.map(str::to_owned),
        nonce: bounded(params, "nonce")?.map(str::to_owned),
        login_hint: bounded(params, "login_hint")?.map(str::to_owned),
        code_challenge: code_challenge.to_owned(),
        dpop_jkt,
        started: false,
        response_signing_alg,
        grant_management_action,
        grant_id,
    })
}
