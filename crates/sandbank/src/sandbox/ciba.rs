//! `GET /sandbox/ciba` and `POST /sandbox/ciba/{authReqId}/approve|deny`: CIBA backchannel
//! requests waiting for the customer, decided headless. The decision is the dashboard's own
//! (`sandbank_fapi::ciba::approve` / `deny`): the same grant rules, and in ping mode the same
//! notification to the client. The client then redeems its `auth_req_id` at `/token`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use sandbank_api::problem::PROBLEM_JSON;
use sandbank_fapi::ciba::{self, PendingCiba};
use sandbank_schemas::{AccountId, AuthorizationDetail, Problem};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::auth::{Admin, AdminKeyRefused};
use super::body;
use super::error::SandboxError;
use crate::app::AppState;

/// The CIBA requests waiting for a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SandboxCibaList")]
#[serde(rename_all = "camelCase")]
pub struct CibaList {
    /// Oldest first.
    pub data: Vec<PendingCibaView>,
}

sandbank_schemas::openapi_component!(CibaList => "SandboxCibaList");

/// A backchannel authentication request (`POST /backchannel`) the customer has not decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SandboxPendingCiba")]
#[serde(rename_all = "camelCase")]
pub struct PendingCibaView {
    /// The `auth_req_id` the client got: what to approve or deny it by.
    pub auth_req_id: String,
    /// The client.
    pub client_id: String,
    /// The client's name.
    pub client_name: String,
    /// The customer it asks (their party id).
    pub customer_id: String,
    /// The customer's name.
    pub customer_name: String,
    /// Scopes asked.
    pub scopes: Vec<String>,
    /// Rich authorization details asked (RFC 9396).
    pub authorization_details: Vec<AuthorizationDetail>,
    /// The binding message the client sent, shown to the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding_message: Option<String>,
    /// The user code the client sent, shown to the customer (the sandbox does not check it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_code: Option<String>,
    /// `poll` or `ping`: in ping mode a decision notifies the client.
    pub delivery_mode: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it can no longer be decided.
    pub expires_at: DateTime<Utc>,
}

/// What the customer shares when approving.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SandboxCibaApproval")]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CibaApproval {
    /// The accounts to share, all the customer's. By default every account they hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Vec<AccountId>>")]
    pub accounts: Option<Vec<String>>,
}

sandbank_schemas::openapi_component!(CibaApproval => "SandboxCibaApproval");

/// A decided CIBA request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SandboxCibaDecision")]
#[serde(rename_all = "camelCase")]
pub struct CibaDecision {
    /// The request.
    pub auth_req_id: String,
    /// `approved` or `denied`.
    pub status: String,
    /// Approved: the grant the tokens will be issued on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    /// Approved: the accounts the grant reaches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub account_ids: Vec<String>,
}

sandbank_schemas::openapi_component!(CibaDecision => "SandboxCibaDecision");

impl From<PendingCiba> for PendingCibaView {
    fn from(pending: PendingCiba) -> Self {
        PendingCibaView {
            auth_req_id: pending.auth_req_id,
            client_id: pending.client_id,
            client_name: pending.client_name,
            customer_id: pending.party_id.as_str().to_owned(),
            customer_name: pending.customer_name,
            scopes: pending.scopes,
            authorization_details: pending.authorization_details,
            binding_message: pending.binding_message,
            user_code: pending.user_code,
            delivery_mode: pending.delivery_mode.name().to_owned(),
            created_at: pending.created_at,
            expires_at: pending.expires_at,
        }
    }
}

/// Every CIBA request waiting for a decision.
pub async fn pending_ciba(app: &AppState) -> Result<CibaList, SandboxError> {
    let data = ciba::pending(&app.auth)
        .await?
        .into_iter()
        .map(PendingCibaView::from)
        .collect();
    Ok(CibaList { data })
}

/// Approves CIBA request `auth_req_id` for the customer it names.
pub async fn approve_ciba(
    app: &AppState,
    auth_req_id: &str,
    approval: &CibaApproval,
) -> Result<CibaDecision, SandboxError> {
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
    let grant = ciba::approve(&app.auth, auth_req_id, None, accounts.as_deref()).await?;
    Ok(CibaDecision {
        auth_req_id: auth_req_id.to_owned(),
        status: "approved".to_owned(),
        grant_id: Some(grant.consent_id.as_str().to_owned()),
        account_ids: grant
            .account_ids
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect(),
    })
}

/// Denies CIBA request `auth_req_id`.
pub async fn deny_ciba(app: &AppState, auth_req_id: &str) -> Result<CibaDecision, SandboxError> {
    ciba::deny(&app.auth, auth_req_id, None).await?;
    Ok(CibaDecision {
        auth_req_id: auth_req_id.to_owned(),
        status: "denied".to_owned(),
        grant_id: None,
        account_ids: Vec::new(),
    })
}

/// The CIBA requests waiting for the customer.
#[utoipa::path(
    get,
    path = "/sandbox/ciba",
    operation_id = "listSandboxCibaRequests",
    tag = "sandbox",
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "Every backchannel authentication request (`POST /backchannel`) not yet decided nor expired: its `authReqId`, the client, the customer, scopes, authorization details, binding message and user code.", body = CibaList),
        AdminKeyRefused,
        (status = 500, description = "The sandbox could not read the requests.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn get_ciba(
    _admin: Admin,
    State(app): State<AppState>,
) -> Result<Json<CibaList>, SandboxError> {
    pending_ciba(&app).await.map(Json)
}

/// Approves a CIBA request, as the customer would on the dashboard.
#[utoipa::path(
    post,
    path = "/sandbox/ciba/{authReqId}/approve",
    operation_id = "approveSandboxCibaRequest",
    tag = "sandbox",
    security(("adminKey" = [])),
    params(("authReqId" = String, Path, description = "The `auth_req_id` `/backchannel` gave the client.")),
    request_body(content = CibaApproval, description = "Optional: `{\"accounts\": [\"acc-…\"]}`. An empty body shares all the customer's accounts."),
    responses(
        (status = 200, description = "Approved: a grant was made for the customer the request names; in ping mode the client is notified. Its next poll of `/token` gets the tokens.", body = CibaDecision),
        (status = 400, description = "A malformed body; an account that is not the customer's, or none chosen when the request asks for account data (`errors[].pointer` names the field).", body = Problem, content_type = PROBLEM_JSON),
        AdminKeyRefused,
        (status = 404, description = "No CIBA request waits under this id: unknown, expired, or already decided.", body = Problem, content_type = PROBLEM_JSON),
        (status = 500, description = "The sandbox could not decide.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn post_approve_ciba(
    _admin: Admin,
    State(app): State<AppState>,
    Path(auth_req_id): Path<String>,
    bytes: Bytes,
) -> Result<Json<CibaDecision>, SandboxError> {
    let approval: CibaApproval = body::json(&bytes, true)?;
    approve_ciba(&app, &auth_req_id, &approval).await.map(Json)
}

/// Denies a CIBA request, as the customer would on the dashboard.
#[utoipa::path(
    post,
    path = "/sandbox/ciba/{authReqId}/deny",
    operation_id = "denySandboxCibaRequest",
    tag = "sandbox",
    security(("adminKey" = [])),
    params(("authReqId" = String, Path, description = "The `auth_req_id` `/backchannel` gave the client.")),
    responses(
        (status = 200, description = "Denied; in ping mode the client is notified. Its next poll of `/token` gets `access_denied`.", body = CibaDecision),
        AdminKeyRefused,
        (status = 404, description = "No CIBA request waits under this id: unknown, expired, or already decided.", body = Problem, content_type = PROBLEM_JSON),
        (status = 500, description = "The sandbox could not decide.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn post_deny_ciba(
    _admin: Admin,
    State(app): State<AppState>,
    Path(auth_req_id): Path<String>,
) -> Result<Json<CibaDecision>, SandboxError> {
    deny_ciba(&app, &auth_req_id).await.map(Json)
}
