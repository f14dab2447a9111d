//! What belongs to the customer rather than to one account path: the customer's own party,
//! insurance policies and cards. A policy or card is visible when its account is shared with the
//! client and it belongs to the token's customer.

use axum::Json;
use axum::extract::{Path, State};
use sandbank_fapi::{AuthServer, Authorized};
use sandbank_schemas::{
    Card, CardId, InsuranceClaim, InsurancePolicy, Page, Party, Permission, PolicyId, Problem,
};

use crate::access::{customer, whole_list};
use crate::fapi_request::Details;
use crate::openapi::pages::{CardPage, InsuranceClaimPage, InsurancePolicyPage};
use crate::problem::{ApiError, PROBLEM_JSON};

/// Get the customer.
///
/// The party of the customer who granted the token.
#[utoipa::path(
    get,
    path = "/parties/me",
    operation_id = "getMe",
    tag = "parties",
    security(("oauth2" = ["parties"])),
    responses(
        (status = 200, description = "The customer's party.", body = Party),
        (status = 404, description = "The customer's party is gone.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn me(
    State(server): State<AuthServer>,
    authorized: Authorized,
    details: Details,
) -> Result<Json<Party>, ApiError> {
    let customer = customer(&authorized, Permission::Parties)?;
    details.nothing_more("/parties/me")?;
    server
        .store
        .party(customer)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("/parties/me"))
}

/// List insurance policies.
///
/// The customer's insurance policies on shared accounts, on one page.
#[utoipa::path(
    get,
    path = "/insurance/policies",
    operation_id = "listPolicies",
    tag = "insurance",
    security(("oauth2" = ["insurance"])),
    responses(
        (status = 200, description = "The policies, on one page (`Page` of `InsurancePolicy`).", body = InsurancePolicyPage)
    )
)]
pub async fn policies(
    State(server): State<AuthServer>,
    authorized: Authorized,
    details: Details,
) -> Result<Json<Page<InsurancePolicy>>, ApiError> {
    let customer = customer(&authorized, Permission::Insurance)?;
    details.nothing_more("/insurance/policies")?;
    let data = server
        .store
        .policies_of_party(customer)
        .await?
        .into_iter()
        .filter(|policy| authorized.reaches(&policy.account_id))
        .collect();
    Ok(Json(whole_list(&server, "/insurance/policies", data)))
}

/// The policy `raw_id` if the request may reach it with `permission`: its account shared with
/// the client and the token's customer its policyholder; 404 otherwise.
async fn visible_policy(
    server: &AuthServer,
    authorized: &Authorized,
    permission: Permission,
    raw_id: &str,
    instance: &str,
) -> Result<InsurancePolicy, ApiError> {
    let customer = customer(authorized, permission)?;
    let Ok(id) = PolicyId::new(raw_id) else {
        return Err(ApiError::not_found(instance));
    };
    server
        .store
        .policy(&id)
        .await?
        .filter(|policy| &policy.policyholder == customer && authorized.reaches(&policy.account_id))
        .ok_or_else(|| ApiError::not_found(instance))
}

/// [`visible_policy`], then [`Details::nothing_more`]: what
/// [`crate::access::shared_account_without_query`] is to accounts, for policies.
pub(crate) async fn policy_without_query(
    server: &AuthServer,
    authorized: &Authorized,
    permission: Permission,
    raw_id: &str,
    instance: &str,
    details: &Details,
) -> Result<InsurancePolicy, ApiError> {
    let policy = visible_policy(server, authorized, permission, raw_id, instance).await?;
    details.nothing_more(instance)?;
    Ok(policy)
}

/// Get an insurance policy.
#[utoipa::path(
    get,
    path = "/insurance/policies/{policyId}",
    operation_id = "getPolicy",
    tag = "insurance",
    security(("oauth2" = ["insurance"])),
    params(("policyId" = String, Path, description = "The policy.")),
    responses(
        (status = 200, description = "The policy.", body = InsurancePolicy),
        (status = 404, description = "No policy with this id is shared with this client.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn policy(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path(policy_id): Path<String>,
    details: Details,
) -> Result<Json<InsurancePolicy>, ApiError> {
    let instance = format!("/insurance/policies/{policy_id}");
    let policy = policy_without_query(
        &server,
        &authorized,
        Permission::Insurance,
        &policy_id,
        &instance,
        &details,
    )
    .await?;
    Ok(Json(policy))
}

/// List a policy's claims.
///
/// The claims on one insurance policy, on one page: the bank's record of past claims, then
/// those filed through `POST /insurance/policies/{policyId}/claims`, in the order they were
/// filed, each where it is in its lifecycle.
#[utoipa::path(
    get,
    path = "/insurance/policies/{policyId}/claims",
    operation_id = "listClaims",
    tag = "insurance",
    security(("oauth2" = ["insurance"])),
    params(("policyId" = String, Path, description = "The policy.")),
    responses(
        (status = 200, description = "The policy's claims, on one page (`Page` of `InsuranceClaim`).", body = InsuranceClaimPage),
        (status = 404, description = "No policy with this id is shared with this client.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn claims(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path(policy_id): Path<String>,
    details: Details,
) -> Result<Json<Page<InsuranceClaim>>, ApiError> {
    let instance = format!("/insurance/policies/{policy_id}/claims");
    let policy = policy_without_query(
        &server,
        &authorized,
        Permission::Insurance,
        &policy_id,
        &instance,
        &details,
    )
    .await?;
    let mut data = server.store.claims(&policy.policy_id).await?;
    let filed = server.store.filed_claims(&policy.policy_id).await?;
    data.extend(filed.into_iter().map(|stored| stored.claim));
    Ok(Json(whole_list(&server, &instance, data)))
}

/// List cards.
///
/// The customer's cards on shared accounts, on one page.
#[utoipa::path(
    get,
    path = "/cards",
    operation_id = "listCards",
    tag = "cards",
    security(("oauth2" = ["cards"])),
    responses(
        (status = 200, description = "The cards, on one page (`Page` of `Card`).", body = CardPage)
    )
)]
pub async fn cards(
    State(server): State<AuthServer>,
    authorized: Authorized,
    details: Details,
) -> Result<Json<Page<Card>>, ApiError> {
    let customer = customer(&authorized, Permission::Cards)?;
    details.nothing_more("/cards")?;
    let data = server
        .store
        .cards_of_party(customer)
        .await?
        .into_iter()
        .filter(|card| authorized.reaches(&card.account_id))
        .collect();
    Ok(Json(whole_list(&server, "/cards", data)))
}

/// Get a card.
#[utoipa::path(
    get,
    path = "/cards/{cardId}",
    operation_id = "getCard",
    tag = "cards",
    security(("oauth2" = ["cards"])),
    params(("cardId" = String, Path, description = "The card.")),
    responses(
        (status = 200, description = "The card.", body = Card),
        (status = 404, description = "No card with this id is shared with this client.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn card(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path(card_id): Path<String>,
    details: Details,
) -> Result<Json<Card>, ApiError> {
    let instance = format!("/cards/{card_id}");
    let card = visible_card(&server, &authorized, Permission::Cards, &card_id, &instance).await?;
    details.nothing_more(&instance)?;
    Ok(Json(card))
}

/// The card `raw_id` if the request may see it with `permission`: its account shared with the
/// client and the token's customer its cardholder; 404 otherwise.
pub(crate) async fn visible_card(
    server: &AuthServer,
    authorized: &Authorized,
    permission: Permission,
    raw_id: &str,
    instance: &str,
) -> Result<Card, ApiError> {
    let customer = customer(authorized, permission)?;
    let Ok(id) = CardId::new(raw_id) else {
        return Err(ApiError::not_found(instance));
    };
    server
        .store
        .card(&id)
        .await?
        .filter(|card| {
            &card.cardholder_party_id == customer && authorized.reaches(&card.account_id)
        })
        .ok_or_else(|| ApiError::not_found(instance))
}
