//! `/accounts` and what hangs off one account: balances, statements, holdings and parties.

use axum::Json;
use axum::extract::{Path, State};
use sandbank_fapi::{AuthServer, Authorized};
use sandbank_schemas::{
    Account, AccountParty, Balance, Holding, Page, Permission, Problem, Statement, StatementId,
};

use crate::access::{customer, shared_account_without_query, visible_accounts, whole_list};
use crate::fapi_request::Details;
use crate::openapi::pages::{
    AccountPage, AccountPartyPage, BalancePage, HoldingPage, StatementPage,
};
use crate::problem::{ApiError, PROBLEM_JSON};

/// List the shared accounts.
///
/// The accounts the customer shared with the client, on one page.
#[utoipa::path(
    get,
    path = "/accounts",
    operation_id = "listAccounts",
    tag = "accounts",
    security(("oauth2" = ["accounts"])),
    responses(
        (status = 200, description = "The shared accounts, on one page (`Page` of `Account`).", body = AccountPage)
    )
)]
pub async fn list(
    State(server): State<AuthServer>,
    authorized: Authorized,
    details: Details,
) -> Result<Json<Page<Account>>, ApiError> {
    let customer = customer(&authorized, Permission::Accounts)?;
    details.nothing_more("/accounts")?;
    let all = server.store.accounts_of_party(customer).await?;
    let data = visible_accounts(&authorized, all);
    Ok(Json(whole_list(&server, "/accounts", data)))
}

/// Get a shared account.
#[utoipa::path(
    get,
    path = "/accounts/{accountId}",
    operation_id = "getAccount",
    tag = "accounts",
    security(("oauth2" = ["accounts"])),
    params(("accountId" = String, Path, description = "The account.")),
    responses(
        (status = 200, description = "The account.", body = Account),
        (status = 404, description = "No account with this id is shared with this client.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn get(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path(account_id): Path<String>,
    details: Details,
) -> Result<Json<Account>, ApiError> {
    let instance = format!("/accounts/{account_id}");
    let account = shared_account_without_query(
        &server,
        &authorized,
        Permission::Accounts,
        &account_id,
        &instance,
        &details,
    )
    .await?;
    Ok(Json(account))
}

/// List an account's balances.
///
/// The balances of one shared account, on one page.
#[utoipa::path(
    get,
    path = "/accounts/{accountId}/balances",
    operation_id = "listBalances",
    tag = "accounts",
    security(("oauth2" = ["balances"])),
    params(("accountId" = String, Path, description = "The account.")),
    responses(
        (status = 200, description = "The account's balances, on one page (`Page` of `Balance`).", body = BalancePage),
        (status = 404, description = "No account with this id is shared with this client.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn balances(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path(account_id): Path<String>,
    details: Details,
) -> Result<Json<Page<Balance>>, ApiError> {
    let instance = format!("/accounts/{account_id}/balances");
    let account = shared_account_without_query(
        &server,
        &authorized,
        Permission::Balances,
        &account_id,
        &instance,
        &details,
    )
    .await?;
    let data = server.store.balances(&account.account_id).await?;
    Ok(Json(whole_list(&server, &instance, data)))
}

/// List an account's statements.
///
/// The statements of one shared account, newest first, on one page, without their
/// transactions.
#[utoipa::path(
    get,
    path = "/accounts/{accountId}/statements",
    operation_id = "listStatements",
    tag = "accounts",
    security(("oauth2" = ["statements"])),
    params(("accountId" = String, Path, description = "The account.")),
    responses(
        (status = 200, description = "The account's statements, newest first, on one page (`Page` of `Statement`).", body = StatementPage),
        (status = 404, description = "No account with this id is shared with this client.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn statements(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path(account_id): Path<String>,
    details: Details,
) -> Result<Json<Page<Statement>>, ApiError> {
    let instance = format!("/accounts/{account_id}/statements");
    let account = shared_account_without_query(
        &server,
        &authorized,
        Permission::Statements,
        &account_id,
        &instance,
        &details,
    )
    .await?;
    let data = server.store.statements(&account.account_id).await?;
    Ok(Json(whole_list(&server, &instance, data)))
}

/// Get a statement with its transactions.
///
/// One statement of a shared account, with its transactions: the account's posted
/// transactions booked in the statement's period, oldest first.
#[utoipa::path(
    get,
    path = "/accounts/{accountId}/statements/{statementId}",
    operation_id = "getStatement",
    tag = "accounts",
    security(("oauth2" = ["statements"])),
    params(
        ("accountId" = String, Path, description = "The account."),
        ("statementId" = String, Path, description = "The statement.")
    ),
    responses(
        (status = 200, description = "The statement, with its transactions.", body = Statement),
        (status = 404, description = "No such statement of an account shared with this client.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn statement(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path((account_id, statement_id)): Path<(String, String)>,
    details: Details,
) -> Result<Json<Statement>, ApiError> {
    let instance = format!("/accounts/{account_id}/statements/{statement_id}");
    let account = shared_account_without_query(
        &server,
        &authorized,
        Permission::Statements,
        &account_id,
        &instance,
        &details,
    )
    .await?;
    let Ok(statement_id) = StatementId::new(statement_id) else {
        return Err(ApiError::not_found(instance));
    };
    server
        .store
        .statement_with_transactions(&account.account_id, &statement_id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(instance))
}

/// List an account's investment holdings.
///
/// The holdings of one shared investment account, on one page.
#[utoipa::path(
    get,
    path = "/accounts/{accountId}/holdings",
    operation_id = "listHoldings",
    tag = "accounts",
    security(("oauth2" = ["investments"])),
    params(("accountId" = String, Path, description = "The account.")),
    responses(
        (status = 200, description = "The account's holdings, on one page (`Page` of `Holding`).", body = HoldingPage),
        (status = 404, description = "No account with this id is shared with this client.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn holdings(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path(account_id): Path<String>,
    details: Details,
) -> Result<Json<Page<Holding>>, ApiError> {
    let instance = format!("/accounts/{account_id}/holdings");
    let account = shared_account_without_query(
        &server,
        &authorized,
        Permission::Investments,
        &account_id,
        &instance,
        &details,
    )
    .await?;
    let data = server.store.holdings(&account.account_id).await?;
    Ok(Json(whole_list(&server, &instance, data)))
}

/// List who holds an account.
///
/// The parties related to one shared account and how, on one page.
#[utoipa::path(
    get,
    path = "/accounts/{accountId}/parties",
    operation_id = "listAccountParties",
    tag = "accounts",
    security(("oauth2" = ["parties"])),
    params(("accountId" = String, Path, description = "The account.")),
    responses(
        (status = 200, description = "Who is related to the account and how, on one page (`Page` of `AccountParty`).", body = AccountPartyPage),
        (status = 404, description = "No account with this id is shared with this client.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn parties(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path(account_id): Path<String>,
    details: Details,
) -> Result<Json<Page<AccountParty>>, ApiError> {
    let instance = format!("/accounts/{account_id}/parties");
    let account = shared_account_without_query(
        &server,
        &authorized,
        Permission::Parties,
        &account_id,
        &instance,
        &details,
    )
    .await?;
    let data = server
        .store
        .parties_of_account(&account.account_id)
        .await?
        .into_iter()
        .map(|detail| detail.relation)
        .collect();
    Ok(Json(whole_list(&server, &instance, data)))
}
