//! The login and consent pages' form posts: `POST /login` and `POST /consent`.
//!
//! Both need the interaction id twice: in the form and in the cookie set by `GET /authorize`,
//! so a form posted from another site (which cannot read or set that cookie) is refused.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use sandbank_schemas::common::AccountId;
use sandbank_schemas::consent::AuthorizationDetail;
use sandbank_schemas::{Account, Customer};
use serde::Serialize;

use crate::client::Client;
use crate::form::pairs;
use crate::grant;
use crate::openapi::forms::{ConsentForm, LoginForm};
use crate::openapi::responses::PageErrors;
use crate::openapi::{FORM, HTML};
use crate::pages;
use crate::routes::authorize::{
    Interaction, LoggedIn, Pending, accounts_of, approve, deny, interaction_cookie, pending,
};
use crate::scope;
use crate::state::{AuthServer, kinds};
use crate::{payments, rar};

/// The login page.
pub fn login_page(
    client: &Client,
    interaction: &str,
    username: &str,
    error: Option<&str>,
) -> Response {
    pages::render(
        StatusCode::OK,
        "login.html",
        minijinja::context! {
            client_name => client.metadata.client_name.clone(),
            interaction => interaction,
            username => username,
            error => error,
        },
    )
}

#[derive(Debug, Clone, Serialize)]
struct AccountChoice {
    id: String,
    name: String,
    number: String,
    checked: bool,
}

async fn consent_page(
    server: &AuthServer,
    pending: &Pending,
    interaction: &str,
    who: &LoggedIn,
    error: Option<&str>,
) -> Response {
    let accounts = match server.store.accounts_of_party(&who.party_id).await {
        Ok(accounts) => accounts,
        Err(e) => {
            tracing::error!(error = %e, "reading a customer's accounts failed");
            return pages::error("The server could not read your accounts. Try again.");
        }
    };
    let request = &pending.request;
    let named: Vec<&str> = request
        .authorization_details
        .iter()
        .flat_map(|d| match d {
            AuthorizationDetail::AccountInformation { accounts, .. } => {
                accounts.iter().map(|a| a.as_str()).collect::<Vec<_>>()
            }
            AuthorizationDetail::PaymentInitiation(_) => Vec::new(),
        })
        .collect();
    let choice = |a: &Account, checked: bool| AccountChoice {
        id: a.account_id.as_str().to_owned(),
        name: a.nickname.clone().unwrap_or_else(|| a.display_name.clone()),
        number: pages::masked_number(a),
        checked,
    };
    let choices: Vec<AccountChoice> = accounts
        .iter()
        .map(|a| {
            choice(
                a,
                named.is_empty() || named.contains(&a.account_id.as_str()),
            )
        })
        .collect();
    // A payment that leaves the account open: the customer picks the account to pay from,
    // offered the one headless consent would take.
    let open_payment = grant::payment_asked(request).filter(|p| p.debtor_account.is_none());
    let payers: Vec<AccountChoice> = open_payment
        .map(|payment| {
            let all: Vec<AccountId> = accounts.iter().map(|a| a.account_id.clone()).collect();
            let offered = payments::debtor(payment, &accounts, &all, None);
            payments::payers(&accounts, payment.instructed_amount.currency)
                .map(|a| choice(a, offered.as_ref() == Some(&a.account_id)))
                .collect()
        })
        .unwrap_or_default();
    let today = server.now().date_naive();
    let asks: Vec<String> = request
        .scope
        .iter()
        .map(|s| scope::describe(s))
        .chain(
            request
                .authorization_details
                .iter()
                .map(|d| rar::describe(d, &accounts, today)),
        )
        .collect();
    let grant_change = match request.grant_management_action {
        Some(grant::Action::Merge) => Some("merge"),
        Some(grant::Action::Replace) => Some("replace"),
        Some(grant::Action::Create) | None => None,
    };
    pages::render(
        if error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        },
        "consent.html",
        minijinja::context! {
            client_name => pending.client.metadata.client_name.clone(),
            customer_name => who.display_name.clone(),
            interaction => interaction,
            asks => asks,
            grant_change => grant_change,
            accounts => minijinja::value::Serde(if grant::shares_data(request) { choices } else { Vec::new() }),
            payers => minijinja::value::Serde(payers),
            payment_open => open_payment.is_some(),
            error => error,
        },
    )
}

/// The interaction a form post continues, checked against the browser's cookie.
async fn continued(
    server: &AuthServer,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<(String, Interaction, Pending), Response> {
    let Some(id) = form.get("interaction").filter(|i| !i.is_empty()) else {
        return Err(pages::error("The form is incomplete."));
    };
    if interaction_cookie(headers).as_deref() != Some(id.as_str()) {
        return Err(pages::error(
            "This sign-in was started in another browser or window, or your browser refused its cookie. Start again from the app.",
        ));
    }
    let interaction: Interaction = match server.read(kinds::INTERACTION, id).await {
        Ok(Some(interaction)) => interaction,
        Ok(None) => {
            return Err(pages::error(
                "This sign-in has expired. Start again from the app.",
            ));
        }
        Err(e) => return Err(pages::error(e.description)),
    };
    let pending = pending(server, &interaction.request_uri, &interaction.client_id).await?;
    Ok((id.clone(), interaction, pending))
}

/// A sign-in form's `username` (trimmed, lower-cased, for the page to show again) and the
/// customer it signs in, when the username is a customer's and `password` the sandbox password
/// (compared in constant time). The login page and the privacy dashboard's sign-in both use it.
pub async fn credentials(
    server: &AuthServer,
    form: &HashMap<String, String>,
) -> Result<(String, Option<Customer>), sandbank_store::StoreError> {
    let username = form
        .get("username")
        .map(|u| u.trim().to_lowercase())
        .unwrap_or_default();
    let password = form.get("password").map(String::as_str).unwrap_or_default();
    let password_ok = aws_lc_rs::constant_time::verify_slices_are_equal(
        password.as_bytes(),
        server.config.sandbox_password.as_bytes(),
    )
    .is_ok();
    if username.is_empty() || !password_ok {
        return Ok((username, None));
    }
    let customer = server.store.customer_by_username(&username).await?;
    Ok((username, customer))
}

/// Log in on the login page.
///
/// The login page's form: the customer's username and the sandbox password. Right: the
/// consent page. Wrong: the login page again, with a message.
#[utoipa::path(
    post,
    path = "/login",
    operation_id = "login",
    tag = "authorization",
    security(()),
    request_body(content = LoginForm, content_type = FORM, description = "The login form, with the `sandbank_interaction` cookie."),
    responses(
        (status = 200, description = "The consent page, or the login page again when the username or password is not right.", content_type = HTML, body = String),
        PageErrors
    )
)]
pub async fn login(
    State(server): State<AuthServer>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form: HashMap<String, String> = pairs(&body).into_iter().collect();
    let (id, mut interaction, pending) = match continued(&server, &headers, &form).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let (username, customer) = match credentials(&server, &form).await {
        Ok(checked) => checked,
        Err(e) => {
            tracing::error!(error = %e, "looking up a customer failed");
            return pages::error("The server could not check your sign-in. Try again.");
        }
    };
    let Some(customer) = customer else {
        return login_page(
            &pending.client,
            &id,
            &username,
            Some("The username or password is not right. Try again."),
        );
    };
    let who = LoggedIn {
        party_id: customer.party_id,
        display_name: customer.display_name,
        auth_time: server.now().timestamp(),
    };
    interaction.customer = Some(who.clone());
    if let Err(e) = server
        .write(
            kinds::INTERACTION,
            &id,
            &interaction,
            server.config.lifetimes.interaction,
        )
        .await
    {
        return pages::error(e.description);
    }
    consent_page(&server, &pending, &id, &who, None).await
}

/// Approve or deny on the consent page.
///
/// The consent page's form: the accounts chosen and the decision. Either way the answer is
/// the authorization response to the client's redirect URI: `code` when approved,
/// `error=access_denied` when denied.
#[utoipa::path(
    post,
    path = "/consent",
    operation_id = "consent",
    tag = "authorization",
    security(()),
    request_body(content = ConsentForm, content_type = FORM, description = "The consent form, with the `sandbank_interaction` cookie."),
    responses(
        (status = 303, description = "The authorization response, to the redirect URI with `code` or `error`, `state` and `iss` (RFC 9207).",
            headers(("Location" = String, description = "The client's redirect URI with the response parameters."))),
        PageErrors
    )
)]
pub async fn consent(
    State(server): State<AuthServer>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let all = pairs(&body);
    let chosen: Vec<AccountId> = all
        .iter()
        .filter(|(name, _)| name == "account")
        .filter_map(|(_, value)| AccountId::new(value.as_str()).ok())
        .collect();
    let form: HashMap<String, String> = all.into_iter().collect();
    let (id, interaction, pending) = match continued(&server, &headers, &form).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let Some(who) = interaction.customer else {
        return pages::error("Sign in first.");
    };
    let response = match form.get("decision").map(String::as_str) {
        Some("deny") => deny(&server, &pending).await,
        Some("approve") => {
            let owned = match accounts_of(&server, &who.party_id).await {
                Ok(owned) => owned,
                Err(page) => return page,
            };
            let payer = form
                .get("debtor_account")
                .and_then(|id| AccountId::new(id.as_str()).ok());
            let request = &pending.request;
            let problem = if let Some(payment) = grant::payment_asked(request)
                && payments::debtor(payment, &owned, &[], payer.as_ref()).is_none()
            {
                Some(if payment.debtor_account.is_none() {
                    "Choose the account to pay from, or deny the request."
                } else {
                    "The account this payment is from cannot make it. Deny the request."
                })
            } else if grant::shares_data(request)
                && !chosen
                    .iter()
                    .any(|a| owned.iter().any(|o| &o.account_id == a))
            {
                Some("Choose at least one account to share, or deny the request.")
            } else {
                None
            };
            if let Some(problem) = problem {
                return consent_page(&server, &pending, &id, &who, Some(problem)).await;
            }
            approve(&server, &pending, &who, &owned, &chosen, payer.as_ref()).await
        }
        _ => return pages::error("Choose Approve or Deny."),
    };
    if let Err(e) = server.auth().delete(kinds::INTERACTION, &id).await {
        tracing::warn!(error = %e, "deleting a finished interaction failed");
    }
    response
}
