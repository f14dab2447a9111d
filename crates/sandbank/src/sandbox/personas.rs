//! `GET /sandbox/personas`: who a test can log in as, and what they hold.

use axum::Json;
use axum::extract::State;
use sandbank_api::problem::PROBLEM_JSON;
use sandbank_schemas::party::PartyDetails;
use sandbank_schemas::{Account, Customer, Problem};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::auth::{Admin, AdminKeyRefused};
use super::error::SandboxError;
use super::state::SandboxState;
use crate::app::AppState;

/// The personas and the customers created at run time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SandboxPersonaList")]
#[serde(rename_all = "camelCase")]
pub struct PersonaList {
    /// The password every customer logs in with.
    pub password: String,
    /// The hand-written personas, by username, then the customers created with
    /// `POST /sandbox/customers`, in the order they were created.
    pub data: Vec<SandboxPersona>,
}

sandbank_schemas::openapi_component!(PersonaList => "SandboxPersonaList");

/// Someone a test can log in as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SandboxPersona")]
#[serde(rename_all = "camelCase")]
pub struct SandboxPersona {
    /// The login name (`login_hint`, or the login page's username).
    pub username: String,
    /// The name the pages show: the person's, or the organisation's.
    pub name: String,
    /// The customer's party (the `sub` of their tokens).
    pub party_id: String,
    /// `INDIVIDUAL` or `ORGANISATION`.
    pub party_type: String,
    /// Who they are, for the personas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Whether the customer was created at run time (`POST /sandbox/customers`).
    pub created: bool,
    /// Their accounts.
    pub accounts: Vec<PersonaAccount>,
}

/// One account, as a test needs to pick it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SandboxPersonaAccount")]
#[serde(rename_all = "camelCase")]
pub struct PersonaAccount {
    /// The account id (`/accounts/{accountId}`).
    pub account_id: String,
    /// `DEPOSIT`, `LINE_OF_CREDIT`, `LOAN`, `INVESTMENT`, `INSURANCE` or `COMMERCIAL`.
    pub account_category: String,
    /// The type within the category (`CHECKING`, `CREDIT_CARD`, `MORTGAGE`...).
    pub account_type: String,
    /// The product's name.
    pub display_name: String,
    /// The customer's name for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// ISO 4217 currency.
    pub currency: String,
    /// `OPEN`, `CLOSED`...
    pub status: String,
}

/// The personas, then the customers created at run time, from the store.
pub async fn personas(app: &AppState) -> Result<PersonaList, SandboxError> {
    let mut customers = app.store.personas().await?;
    let state = SandboxState::load(&app.store, app.auth.now()).await?;
    for spec in &state.customers {
        if let Some(customer) = app.store.customer_by_username(&spec.username).await? {
            customers.push(customer);
        }
    }
    let mut data = Vec::with_capacity(customers.len());
    for customer in customers {
        data.push(persona(app, customer).await?);
    }
    Ok(PersonaList {
        password: app.auth.config.sandbox_password.clone(),
        data,
    })
}

/// A customer with their party type and accounts.
pub async fn persona(app: &AppState, customer: Customer) -> Result<SandboxPersona, SandboxError> {
    let party_type = match app.store.party(&customer.party_id).await? {
        Some(party) => match party.details {
            PartyDetails::Individual { .. } => "INDIVIDUAL",
            PartyDetails::Organisation { .. } => "ORGANISATION",
        },
        None => "INDIVIDUAL",
    };
    let accounts = app
        .store
        .accounts_of_party(&customer.party_id)
        .await?
        .iter()
        .map(account)
        .collect();
    Ok(SandboxPersona {
        username: customer.username,
        name: customer.display_name,
        party_id: customer.party_id.to_string(),
        party_type: party_type.to_owned(),
        summary: customer.summary,
        created: !customer.persona,
        accounts,
    })
}

/// The summary of an account.
pub fn account(account: &Account) -> PersonaAccount {
    let json = serde_json::to_value(account).unwrap_or_default();
    let text = |name: &str| json[name].as_str().unwrap_or_default().to_owned();
    PersonaAccount {
        account_id: account.account_id.to_string(),
        account_category: text("accountCategory"),
        account_type: text("accountType"),
        display_name: account.display_name.clone(),
        nickname: account.nickname.clone(),
        currency: text("currency"),
        status: text("status"),
    }
}

/// The personas (and customers created at run time), with their accounts.
#[utoipa::path(
    get,
    path = "/sandbox/personas",
    operation_id = "listSandboxPersonas",
    tag = "sandbox",
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The hand-written personas (alice, sam, ivan, harbourline, edge), then the customers created at run time, each with their accounts' ids, categories and types. Every one logs in with the password `sandbank` (also in `password`).", body = PersonaList),
        AdminKeyRefused,
        (status = 500, description = "The sandbox could not read its customers.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn get_personas(
    _admin: Admin,
    State(app): State<AppState>,
) -> Result<Json<PersonaList>, SandboxError> {
    personas(&app).await.map(Json)
}
