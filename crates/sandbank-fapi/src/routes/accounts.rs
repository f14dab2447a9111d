//! `GET /accounts` and `GET /accounts/{accountId}`: the resource server's first routes, here to
//! prove the [`Authorized`] guard until the bank-API crate takes them over.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sandbank_schemas::{Account, AccountId, Links, Page, PageMeta, Permission, Problem};

use crate::error::OAuthError;
use crate::guard::Authorized;
use crate::state::AuthServer;

/// The accounts a request may see: those of `customer_accounts` (every account the customer is
/// related to) that the token and its grant reach, in the store's order.
pub fn visible_accounts(authorized: &Authorized, customer_accounts: Vec<Account>) -> Vec<Account> {
    let reachable = authorized.account_ids();
    customer_accounts
        .into_iter()
        .filter(|account| reachable.contains(&account.account_id))
        .collect()
}

/// `GET /accounts`: the accounts the customer shared with the client. Needs the `accounts`
/// permission.
pub async fn list(
    State(server): State<AuthServer>,
    authorized: Authorized,
) -> Result<Response, OAuthError> {
    authorized.require(Permission::Accounts)?;
    let customer = authorized.require_customer()?;
    let all = server
        .store
        .accounts_of_party(customer)
        .await
        .map_err(OAuthError::server_error)?;
    let data = visible_accounts(&authorized, all);
    let count = data.len();
    let page = Page {
        data,
        links: Links {
            self_link: server.config.url("/accounts"),
            first: None,
            prev: None,
            next: None,
        },
        meta: PageMeta {
            page_size: u32::try_from(count).unwrap_or(u32::MAX),
            total_records: Some(count as u64),
        },
    };
    Ok(Json(page).into_response())
}

/// `GET /accounts/{accountId}`: one shared account. An account the token does not reach —
/// another customer's, or one the customer did not share — is 404, exactly like one that does
/// not exist, so the answer reveals nothing about other customers.
pub async fn get(
    State(server): State<AuthServer>,
    path: Result<Path<String>, PathRejection>,
    authorized: Authorized,
) -> Result<Response, OAuthError> {
    authorized.require(Permission::Accounts)?;
    let customer = authorized.require_customer()?;
    let account_id = path.map(|Path(id)| id).unwrap_or_default();
    let not_found = || not_found(&format!("/accounts/{account_id}"));
    let Ok(id) = AccountId::new(account_id.clone()) else {
        return Ok(not_found());
    };
    if !authorized.reaches(&id) {
        return Ok(not_found());
    }
    let account = server
        .store
        .account_for_party(customer, &id)
        .await
        .map_err(OAuthError::server_error)?;
    Ok(match account {
        Some(account) => Json(account).into_response(),
        None => not_found(),
    })
}

fn not_found(instance: &str) -> Response {
    let problem = Problem {
        problem_type: "about:blank".to_owned(),
        title: "Not Found".to_owned(),
        status: 404,
        detail: Some("no account with this id is shared with this client".to_owned()),
        instance: Some(instance.to_owned()),
        errors: Vec::new(),
    };
    let mut response = (StatusCode::NOT_FOUND, Json(problem)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/problem+json"),
    );
    response
}
