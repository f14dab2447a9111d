//! `GET /sandbox/authorizations` and `POST /sandbox/authorizations/{id}/approve|deny`: pending
//! consents, decided without a browser (for flows without auto-consent). The decision is made
//! by the consent page's own code (`sandbank_fapi::decision`); the answer is the URL the
//! browser would have been sent to, for the test to follow.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use sandbank_api::problem::PROBLEM_JSON;
use sandbank_fapi::decision::{self, DecisionError};
use sandbank_schemas::{AccountId, AuthorizationDetail, Problem};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::auth::{Admin, AdminKeyRefused};
use super::body;
use super::error::SandboxError;
use crate::app::AppState;

/// The pending authorization requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SandboxAuthorizationList")]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationList {
    /// Oldest first.
    pub data: Vec<PendingAuthorizationView>,
}

sandbank_schemas::openapi_component!(AuthorizationList => "SandboxAuthorizationList");

/// An authorization request pushed (PAR) and not yet answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SandboxPendingAuthorization")]
#[serde(rename_all = "camelCase")]
pub struct PendingAuthorizationView {
    /// What to approve or deny it by: its `request_uri`, which the client got from PAR.
    pub id: String,
    /// The `request_uri`.
    pub request_uri: String,
    /// The login page's interaction, once a browser reached `/authorize` (also accepted as
    /// the id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interaction_id: Option<String>,
    /// The client.
    pub client_id: String,
    /// The client's name.
    pub client_name: String,
    /// Where the answer goes.
    pub redirect_uri: String,
    /// Scopes asked.
    pub scopes: Vec<String>,
    /// Rich authorization details asked (RFC 9396).
    pub authorization_details: Vec<AuthorizationDetail>,
    /// The customer the client expects (`login_hint`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_hint: Option<String>,
    /// The client's `state`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The name of the customer who signed in on the login page, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_in: Option<String>,
    /// When it can no longer be answered.
    pub expires_at: DateTime<Utc>,
}

/// How to approve: as whom, sharing what.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SandboxApproval")]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Approval {
    /// Who approves. By default the customer who signed in on the login page, else the
    /// request's `login_hint`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The accounts to share, all the customer's. By default every account they hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Vec<AccountId>>")]
    pub accounts: Option<Vec<String>>,
}

sandbank_schemas::openapi_component!(Approval => "SandboxApproval");

/// What the browser would have been sent to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SandboxDecision")]
#[serde(rename_all = "camelCase")]
pub struct DecisionOutcome {
    /// The authorization response: the client's redirect URI with `code` (or
    /// `error=access_denied`), `state` and `iss`.
    pub redirect_to: String,
}

sandbank_schemas::openapi_component!(DecisionOutcome => "SandboxDecision");

impl From<DecisionError> for SandboxError {
    fn from(error: DecisionError) -> Self {
        match error {
            DecisionError::NotFound => SandboxError::NotFound(error.to_string()),
            DecisionError::UnknownCustomer(_) | DecisionError::NoCustomer => {
                SandboxError::invalid("/username", error.to_string())
            }
            DecisionError::NotTheirs(..)
            | DecisionError::NoAccountChosen
            | DecisionError::NoPayer => SandboxError::invalid("/accounts", error.to_string()),
            DecisionError::Server(cause) => SandboxError::internal(cause),
        }
    }
}

/// Every authorization request that can still be answered.
pub async fn pending_authorizations(app: &AppState) -> Result<AuthorizationList, SandboxError> {
    let data = decision::pending_authorizations(&app.auth)
        .await?
        .into_iter()
        .map(|pending| PendingAuthorizationView {
            id: pending.request_uri.clone(),
            request_uri: pending.request_uri,
            interaction_id: pending.interaction_id,
            client_id: pending.request.client_id,
            client_name: pending.client_name,
            redirect_uri: pending.request.redirect_uri,
            scopes: pending.request.scope.iter().cloned().collect(),
            authorization_details: pending.request.authorization_details,
            login_hint: pending.request.login_hint,
            state: pending.request.state,
            signed_in: pending.customer.map(|c| c.display_name),
            expires_at: pending.expires_at,
        })
        .collect();
    Ok(AuthorizationList { data })
}

/// Approves request `id` (its `request_uri`, or the login page's interaction id).
pub async fn approve(
    app: &AppState,
    id: &str,
    approval: &Approval,
) -> Result<DecisionOutcome, SandboxError> {
    let accounts = approval
        .accounts
        .as_ref()
        .map(|ids| {
            ids.iter()
                .enumerate()
                .map(|(n, id)| {
                    AccountId::new(id.as_str()).map_err(|_| {
                        SandboxError::invalid(&format!("/accounts/{n}"), "not an account id")
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let redirect_to = decision::approve(
        &app.auth,
        id,
        approval.username.as_deref(),
        accounts.as_deref(),
    )
    .await?;
    Ok(DecisionOutcome { redirect_to })
}

/// Denies request `id`.
pub async fn deny(app: &AppState, id: &str) -> Result<DecisionOutcome, SandboxError> {
    let redirect_to = decision::deny(&app.auth, id).await?;
    Ok(DecisionOutcome { redirect_to })
}

/// The pending authorization requests.
#[utoipa::path(
    get,
    path = "/sandbox/authorizations",
    operation_id = "listSandboxAuthorizations",
    tag = "sandbox",
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "Every pushed authorization request not yet answered nor expired: client, scopes, authorization details, login_hint, and its id (the `request_uri`).", body = AuthorizationList),
        AdminKeyRefused,
        (status = 500, description = "The sandbox could not read the requests.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn get_authorizations(
    _admin: Admin,
    State(app): State<AppState>,
) -> Result<Json<AuthorizationList>, SandboxError> {
    pending_authorizations(&app).await.map(Json)
}

/// Approves a pending authorization request, as the customer would on the consent page.
#[utoipa::path(
    post,
    path = "/sandbox/authorizations/{id}/approve",
    operation_id = "approveSandboxAuthorization",
    tag = "sandbox",
    security(("adminKey" = [])),
    params(("id" = String, Path, description = "The request's `request_uri` (from PAR), or the login page's interaction id.")),
    request_body(content = Approval, description = "Optional: `{\"username\": \"alice\", \"accounts\": [\"acc-…\"]}`. An empty body approves as the signed-in customer or the `login_hint`, sharing all their accounts."),
    responses(
        (status = 200, description = "Approved: a grant and a code were issued. `redirectTo` is the authorization response (`code`, `state`, `iss`) the browser would have followed.", body = DecisionOutcome),
        (status = 400, description = "A malformed body; an unknown username, or none known; an account that is not the customer's, or none chosen when the request asks for account data (`errors[].pointer` names the field).", body = Problem, content_type = PROBLEM_JSON),
        AdminKeyRefused,
        (status = 404, description = "No pending request has this id: unknown, expired, or already answered.", body = Problem, content_type = PROBLEM_JSON),
        (status = 500, description = "The sandbox could not decide.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn post_approve(
    _admin: Admin,
    State(app): State<AppState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<DecisionOutcome>, SandboxError> {
    let approval: Approval = body::json(&bytes, true)?;
    approve(&app, &id, &approval).await.map(Json)
}

/// Denies a pending authorization request, as the customer would on the consent page.
#[utoipa::path(
    post,
    path = "/sandbox/authorizations/{id}/deny",
    operation_id = "denySandboxAuthorization",
    tag = "sandbox",
    security(("adminKey" = [])),
    params(("id" = String, Path, description = "The request's `request_uri` (from PAR), or the login page's interaction id.")),
    responses(
        (status = 200, description = "Denied. `redirectTo` is the authorization response (`error=access_denied`, `state`, `iss`) the browser would have followed.", body = DecisionOutcome),
        AdminKeyRefused,
        (status = 404, description = "No pending request has this id: unknown, expired, or already answered.", body = Problem, content_type = PROBLEM_JSON),
        (status = 500, description = "The sandbox could not decide.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn post_deny(
    _admin: Admin,
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<DecisionOutcome>, SandboxError> {
    deny(&app, &id).await.map(Json)
}
