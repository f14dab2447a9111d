//! `GET /sandbox/grants`: every grant the bank holds — active, revoked or expired — with its
//! client, customer, scopes and accounts, for a test to check what a flow left behind.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{RawQuery, State};
use chrono::{DateTime, Utc};
use sandbank_api::problem::PROBLEM_JSON;
use sandbank_schemas::consent::ConsentStatus;
use sandbank_schemas::{AuthorizationDetail, Consent, Permission, Problem};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::auth::{Admin, AdminKeyRefused};
use super::error::SandboxError;
use crate::app::AppState;

/// The grants, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SandboxGrantList")]
#[serde(rename_all = "camelCase")]
pub struct GrantList {
    /// Newest first.
    pub data: Vec<SandboxGrant>,
}

sandbank_schemas::openapi_component!(GrantList => "SandboxGrantList");

/// A grant: what a customer allowed a client to do, and whether it still holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SandboxGrant")]
#[serde(rename_all = "camelCase")]
pub struct SandboxGrant {
    /// The `grant_id` of the token response (`/grants/{grant_id}`).
    pub grant_id: String,
    /// `ACTIVE`, `REVOKED` or `EXPIRED` (an active grant past its `expiresAt`).
    pub status: ConsentStatus,
    /// The client.
    pub client_id: String,
    /// The client's name.
    pub client_name: String,
    /// The customer's party (the `sub` of the grant's tokens).
    pub customer_id: String,
    /// The customer's name, when the party is still in the dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    /// Scopes granted.
    pub scopes: Vec<String>,
    /// Accounts the grant reaches.
    pub account_ids: Vec<String>,
    /// Permissions on them.
    pub permissions: Vec<Permission>,
    /// Rich authorization details granted (RFC 9396).
    pub authorization_details: Vec<AuthorizationDetail>,
    /// When the customer gave it.
    pub created_at: DateTime<Utc>,
    /// When it last changed (merge, replace, revocation, an account removed).
    pub updated_at: DateTime<Utc>,
    /// When it ends, when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// Which grants to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GrantFilter {
    /// Only this customer's (by username).
    pub customer: Option<String>,
    /// Only this client's.
    pub client_id: Option<String>,
}

impl GrantFilter {
    /// The filter of a query string: `customer` and `clientId`, each at most once; anything
    /// else is refused, naming the parameter.
    pub fn parse(query: Option<&str>) -> Result<GrantFilter, SandboxError> {
        let mut filter = GrantFilter::default();
        for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            let slot = match name.as_ref() {
                "customer" => &mut filter.customer,
                "clientId" => &mut filter.client_id,
                other => {
                    return Err(SandboxError::invalid(
                        other,
                        format!("unknown query parameter {other}; use customer or clientId"),
                    ));
                }
            };
            if slot.is_some() {
                return Err(SandboxError::invalid(&name, format!("{name} is repeated")));
            }
            if value.trim().is_empty() {
                return Err(SandboxError::invalid(&name, format!("{name} is empty")));
            }
            *slot = Some(value.into_owned());
        }
        Ok(filter)
    }
}

/// The grants `filter` picks, newest first.
pub async fn grants(app: &AppState, filter: &GrantFilter) -> Result<GrantList, SandboxError> {
    let customer = match &filter.customer {
        Some(username) => {
            let username = username.trim().to_lowercase();
            match app.store.customer_by_username(&username).await? {
                Some(customer) => Some(customer.party_id),
                None => {
                    return Err(SandboxError::NotFound(format!(
                        "no customer logs in as {username:?}"
                    )));
                }
            }
        }
        None => None,
    };
    let now = app.auth.now();
    let mut names: HashMap<String, Option<String>> = HashMap::new();
    let mut data = Vec::new();
    for grant in sandbank_fapi::grant::all(&app.auth).await? {
        if customer.as_ref().is_some_and(|c| *c != grant.customer_id)
            || filter
                .client_id
                .as_deref()
                .is_some_and(|c| c != grant.client_id.as_str())
        {
            continue;
        }
        let party = grant.customer_id.as_str().to_owned();
        let customer_name = match names.get(&party) {
            Some(name) => name.clone(),
            None => {
                let name = app
                    .store
                    .party(&grant.customer_id)
                    .await?
                    .map(|p| p.display_name);
                names.insert(party, name.clone());
                name
            }
        };
        data.push(view(grant, customer_name, now));
    }
    Ok(GrantList { data })
}

fn view(grant: Consent, customer_name: Option<String>, now: DateTime<Utc>) -> SandboxGrant {
    let status =
        if grant.status == ConsentStatus::Active && grant.expires_at.is_some_and(|e| e <= now) {
            ConsentStatus::Expired
        } else {
            grant.status
        };
    SandboxGrant {
        grant_id: grant.consent_id.to_string(),
        status,
        client_id: grant.client_id.to_string(),
        client_name: grant.client_name,
        customer_id: grant.customer_id.to_string(),
        customer_name,
        scopes: grant.scopes,
        account_ids: grant.account_ids.iter().map(ToString::to_string).collect(),
        permissions: grant.permissions,
        authorization_details: grant.authorization_details,
        created_at: grant.created_at,
        updated_at: grant.updated_at,
        expires_at: grant.expires_at,
    }
}

/// The grants the bank holds.
#[utoipa::path(
    get,
    path = "/sandbox/grants",
    operation_id = "listSandboxGrants",
    tag = "sandbox",
    security(("adminKey" = [])),
    params(
        ("customer" = Option<String>, Query, description = "Only this customer's grants, by username (`alice`).", pattern = r"\S"),
        ("clientId" = Option<String>, Query, description = "Only this client's grants.", pattern = r"\S")
    ),
    responses(
        (status = 200, description = "Every grant stored — active, revoked (kept until it would have expired) or expired — newest first, with its status, client, customer, scopes, accounts, permissions, authorization details and timestamps.", body = GrantList),
        (status = 400, description = "An unknown, repeated or empty query parameter (`errors[].pointer` names the parameter).", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No customer logs in as `customer`.", body = Problem, content_type = PROBLEM_JSON),
        AdminKeyRefused,
        (status = 500, description = "The sandbox could not read the grants.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn get_grants(
    _admin: Admin,
    State(app): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<GrantList>, SandboxError> {
    let filter = GrantFilter::parse(query.as_deref())?;
    grants(&app, &filter).await.map(Json)
}
