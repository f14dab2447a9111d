//! `/accounts` and what hangs off one account: balances, statements, holdings and parties.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use sandbank_fapi::{AuthServer, Authorized};
use sandbank_schemas::{
    Account, AccountParty, Balance, Holding, Page, Permission, Problem, Statement, StatementId,
};

use crate::access::{
    customer, no_query, shared_account_without_query, visible_accounts, whole_list,
};
use crate::problem::{ApiError, PROBLEM_JSON, PageSchema};

/// The accounts the customer shared with the client. Needs the `accounts` permission.
#[utoipa::path(
    get,
    path = "/accounts",
    operation_id = "listAccounts",
    tag = "accounts",
    responses(
        (status = 200, description = "The shared accounts, on one page (`Page` of `Account`).", body = PageSchema),
        (status = 400, description = "A query parameter was given; this operation takes none.", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "No access token, or an invalid one (`WWW-Authenticate` says why)."),
        (status = 403, description = "The token lacks the `accounts` permission (`insufficient_scope`)."),
        (status = 500, description = "The bank could not answer.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn list(
    State(server): State<AuthServer>,
    authorized: Authorized,
    RawQuery(query): RawQuery,
) -> Result<Json<Page<Account>>, ApiError> {
    let customer = customer(&authorized, Permission::Accounts)?;
    no_query(query.as_deref(), "/accounts")?;
    let all = server.store.accounts_of_party(customer).await?;
    let data = visible_accounts(&authorized, all);
    Ok(Json(whole_list(&server, "/accounts", data)))
}

/// One shared account. Needs the `accounts` permission.
#[utoipa::path(
    get,
    path = "/accounts/{accountId}",
    operation_id = "getAccount",
    tag = "accounts",
    params(("accountId" = String, Path, description = "The account.")),
    responses(
        (status = 200, description = "The account.", body = Account),
        (status = 400, description = "A query parameter was given; this operation takes none.", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "No access token, or an invalid one (`WWW-Authenticate` says why)."),
        (status = 403, description = "The token lacks the `accounts` permission (`insufficient_scope`)."),
        (status = 404, description = "No account with this id is shared with this client.", body = Problem, content_type = PROBLEM_JSON),
        (status = 500, description = "The bank could not answer.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn get(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path(account_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Account>, ApiError> {
    let instance = format!("/accounts/{account_id}");
    let account = shared_account_without_query(
        &server,
        &authorized,
        Permission::Accounts,
        &account_id,
        &instance,
        query.as_deref(),
    )
    .await?;
    Ok(Json(account))
}

/// The balances of one shared account. Needs the `balances` permission.
#[utoipa::path(
    get,
    path = "/accounts/{accountId}/balances",
    operation_id = "listBalances",
    tag = "accounts",
    params(("accountId" = String, Path, description = "The account.")),
    responses(
        (status = 200, description = "The account's balances, on one page (`Page` of `Balance`).", body = PageSchema),
        (status = 400, description = "A query parameter was given; this operation takes none.", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "No access token, or an invalid one (`WWW-Authenticate` says why)."),
        (status = 403, description = "The token lacks the `balances` permission (`insufficient_scope`)."),
        (status = 404, description = "No account with this id is shared with this client.", body = Problem, content_type = PROBLEM_JSON),
        (status = 500, description = "The bank could not answer.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn balances(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path(account_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Page<Balance>>, ApiError> {
    let instance = format!("/accounts/{account_id}/balances");
    let account = shared_account_without_query(
        &server,
        &authorized,
        Permission::Balances,
        &account_id,
        &instance,
        query.as_deref(),
    )
    .await?;
    let data = server.store.balances(&account.account_id).await?;
    Ok(Json(whole_list(&server, &instance, data)))
}

/// The statements of one shared account, newest first. Needs the `statements` permission.
#[utoipa::path(
    get,
    path = "/accounts/{accountId}/statements",
    operation_id = "listStatements",
    tag = "accounts",
    params(("accountId" = String, Path, description = "The account.")),
    responses(
        (status = 200, description = "The account's statements, newest first, on one page (`Page` of `Statement`).", body = PageSchema),
        (status = 400, description = "A query parameter was given; this operation takes none.", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "No access token, or an invalid one (`WWW-Authenticate` says why)."),
        (status = 403, description = "The token lacks the `statements` permission (`insufficient_scope`)."),
        (status = 404, description = "No account with this id is shared with this client.", body = Problem, content_type = PROBLEM_JSON),
        (status = 500, description = "The bank could not answer.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn statements(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path(account_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Page<Statement>>, ApiError> {
    let instance = format!("/accounts/{account_id}/statements");
    let account = shared_account_without_query(
        &server,
        &authorized,
        Permission::Statements,
        &account_id,
        &instance,
        query.as_deref(),
    )
    .await?;
    let data = server.store.statements(&account.account_id).await?;
    Ok(Json(whole_list(&server, &instance, data)))
}

/// One statement of a shared account, with its transactions. Needs the `statements` permission.
#[utoipa::path(
    get,
    path = "/accounts/{accountId}/statements/{statementId}",
    operation_id = "getStatement",
    tag = "accounts",
    params(
        ("accountId" = String, Path, description = "The account."),
        ("statementId" = String, Path, description = "The statement.")
    ),
    responses(
        (status = 200, description = "The statement, with its transactions.", body = Statement),
        (status = 400, description = "A query parameter was given; this operation takes none.", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "No access token, or an invalid one (`WWW-Authenticate` says why)."),
        (status = 403, description = "The token lacks the `statements` permission (`insufficient_scope`)."),
        (status = 404, description = "No such statement of an account shared with this client.", body = Problem, content_type = PROBLEM_JSON),
        (status = 500, description = "The bank could not answer.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn statement(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path((account_id, statement_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Json<Statement>, ApiError> {
    let instance = format!("/accounts/{account_id}/statements/{statement_id}");
    let account = shared_account_without_query(
        &server,
        &authorized,
        Permission::Statements,
        &account_id,
        &instance,
        query.as_deref(),
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

/// The investment holdings of one shared account. Needs the `investments` permission.
#[utoipa::path(
    get,
    path = "/accounts/{accountId}/holdings",
    operation_id = "listHoldings",
    tag = "accounts",
    params(("accountId" = String, Path, description = "The account.")),
    responses(
        (status = 200, description = "The account's holdings, on one page (`Page` of `Holding`).", body = PageSchema),
        (status = 400, description = "A query parameter was given; this operation takes none.", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "No access token, or an invalid one (`WWW-Authenticate` says why)."),
        (status = 403, description = "The token lacks the `investments` permission (`insufficient_scope`)."),
        (status = 404, description = "No account with this id is shared with this client.", body = Problem, content_type = PROBLEM_JSON),
        (status = 500, description = "The bank could not answer.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn holdings(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path(account_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Page<Holding>>, ApiError> {
    let instance = format!("/accounts/{account_id}/holdings");
    let account = shared_account_without_query(
        &server,
        &authorized,
        Permission::Investments,
        &account_id,
        &instance,
        query.as_deref(),
    )
    .await?;
    let data = server.store.holdings(&account.account_id).await?;
    Ok(Json(whole_list(&server, &instance, data)))
}

/// The parties related to one shared account and how. Needs the `parties` permission.
#[utoipa::path(
    get,
    path = "/accounts/{accountId}/parties",
    operation_id = "listAccountParties",
    tag = "accounts",
    params(("accountId" = String, Path, description = "The account.")),
    responses(
        (status = 200, description = "Who is related to the account and how, on one page (`Page` of `AccountParty`).", body = PageSchema),
        (status = 400, description = "A query parameter was given; this operation takes none.", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "No access token, or an invalid one (`WWW-Authenticate` says why)."),
        (status = 403, description = "The token lacks the `parties` permission (`insufficient_scope`)."),
        (status = 404, description = "No account with this id is shared with this client.", body = Problem, content_type = PROBLEM_JSON),
        (status = 500, description = "The bank could not answer.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn parties(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path(account_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Page<AccountParty>>, ApiError> {
    let instance = format!("/accounts/{account_id}/parties");
    let account = shared_account_without_query(
        &server,
        &authorized,
        Permission::Parties,
        &account_id,
        &instance,
        query.as_deref(),
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
