//! The privacy dashboard at `/account`: a customer signs in and sees every app that holds a
//! grant on their data — what it may read or do, on which accounts, until when, and what it
//! did — and can take an account out of a grant, revoke a grant, answer decoupled (CIBA)
//! requests, and lock or unlock their cards.
//!
//! Server-rendered pages in the style of the login and consent pages: no scripts, no outside
//! assets. Every change is a form post carrying the session's CSRF token (see
//! [`crate::dashboard`]); the answer is a redirect back to the page (303), so a reload never
//! posts twice. A form naming another customer's grant, card or request changes nothing.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sandbank_schemas::common::{AccountId, CardId, PartyId};
use sandbank_schemas::consent::{AuthorizationDetail, Consent};
use sandbank_schemas::{Account, CardControlsUpdate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::dashboard::{self, AccountSession, LOGIN_COOKIE, SESSION_COOKIE, tokens_match, when};
use crate::decision::DecisionError;
use crate::error::OAuthError;
use crate::form::pairs;
use crate::openapi::{FORM, HTML};
use crate::routes::login;
use crate::state::AuthServer;
use crate::{ciba, grant, pages, rar, scope};

/// How many history entries one page shows.
const HISTORY_PAGE: u32 = 20;

/// The dashboard's sign-in form.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AccountLoginForm {
    /// The form's CSRF token, from the page (and its `sandbank_account_login` cookie).
    pub csrf: String,
    /// The customer's username.
    #[schema(example = "alice")]
    pub username: String,
    /// The sandbox password.
    #[schema(example = "sandbank")]
    pub password: String,
}

/// A dashboard form that changes something: only the session's CSRF token.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AccountForm {
    /// The session's CSRF token, from the page.
    pub csrf: String,
}

/// The form that takes one account out of a grant.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RemoveAccountForm {
    /// The session's CSRF token, from the page.
    pub csrf: String,
    /// The account to take out.
    pub account: String,
}

/// The form that approves a decoupled request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ApproveRequestForm {
    /// The session's CSRF token, from the page.
    pub csrf: String,
    /// An account to share; repeat the field for each (checkboxes).
    #[serde(default)]
    pub account: Vec<String>,
}

/// The form that locks or unlocks a card.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CardLockForm {
    /// The session's CSRF token, from the page.
    pub csrf: String,
    /// `true` to lock, `false` to unlock.
    pub locked: bool,
}

/// Which page of an app's history.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Show entries older than this one (the "Older" link gives it); anything that is not
    /// such an id shows the newest entries.
    #[param(value_type = Option<String>)]
    pub before: Option<i64>,
}

impl HistoryQuery {
    /// The query of a history page, leniently: a page link that is not understood shows the
    /// newest entries rather than an error.
    fn parse(query: Option<&str>) -> HistoryQuery {
        let before = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .find(|(name, _)| name == "before")
            .and_then(|(_, value)| value.parse::<i64>().ok())
            .filter(|id| *id > 0);
        HistoryQuery { before }
    }
}

fn page_error(server: &AuthServer, status: StatusCode, message: &str) -> Response {
    pages::render(
        status,
        "account_error.html",
        minijinja::context! { message => message, base => dashboard::path(server, "") },
    )
}

fn failed(server: &AuthServer, error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "a dashboard page failed");
    page_error(
        server,
        StatusCode::INTERNAL_SERVER_ERROR,
        "The dashboard could not be shown. Try again.",
    )
}

fn refused_form(server: &AuthServer) -> Response {
    page_error(
        server,
        StatusCode::FORBIDDEN,
        "This form has expired or did not come from your dashboard. Reload the dashboard and try again.",
    )
}

fn not_yours(server: &AuthServer) -> Response {
    page_error(
        server,
        StatusCode::NOT_FOUND,
        "There is nothing like that on your dashboard.",
    )
}

fn back_to(server: &AuthServer, rest: &str) -> Response {
    Redirect::to(&dashboard::path(server, rest)).into_response()
}

/// The session of a request, or the sign-in page.
async fn signed_in(
    server: &AuthServer,
    headers: &HeaderMap,
) -> Result<(String, AccountSession), Response> {
    match dashboard::current(server, headers).await {
        Ok(Some(session)) => Ok(session),
        Ok(None) => Err(login_page(server, StatusCode::OK, "", None)),
        Err(e) => Err(failed(server, e.description)),
    }
}

/// The session of a form post whose CSRF token matches; a refusal page otherwise.
async fn form_session(
    server: &AuthServer,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<AccountSession, Response> {
    let (_, session) = match dashboard::current(server, headers).await {
        Ok(Some(session)) => session,
        Ok(None) => return Err(refused_form(server)),
        Err(e) => return Err(failed(server, e.description)),
    };
    if !tokens_match(&session.csrf, form.get("csrf").map(String::as_str)) {
        return Err(refused_form(server));
    }
    Ok(session)
}

fn login_page(
    server: &AuthServer,
    status: StatusCode,
    username: &str,
    error: Option<&str>,
) -> Response {
    let (token, max_age) = dashboard::login_form_token();
    let mut page = pages::render(
        status,
        "account_login.html",
        minijinja::context! {
            action => dashboard::path(server, "/login"),
            csrf => &token,
            username => username,
            error => error,
        },
    );
    if let Some(cookie) = dashboard::cookie(server, LOGIN_COOKIE, &token, max_age) {
        page.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    page
}

/// An account as the dashboard names it: `Everyday Current ••1234`.
fn account_name(account: &Account) -> String {
    let number = pages::masked_number(account);
    let name = account
        .nickname
        .clone()
        .unwrap_or_else(|| account.display_name.clone());
    format!("{name} {number}").trim().to_owned()
}

#[derive(Debug, Serialize)]
struct AccountView {
    id: String,
    name: String,
}

#[derive(Debug, Serialize)]
struct GrantView {
    id: String,
    consented: String,
    expires: Option<String>,
    can: Vec<String>,
    accounts: Vec<AccountView>,
}

#[derive(Debug, Serialize)]
struct AppView {
    client_id: String,
    name: String,
    logo_uri: Option<String>,
    last_used: Option<String>,
    history: String,
    grants: Vec<GrantView>,
}

#[derive(Debug, Serialize)]
struct RequestView {
    id: String,
    client_name: String,
    binding_message: Option<String>,
    user_code: Option<String>,
    asks: Vec<String>,
    asked: String,
    expires: String,
    needs_accounts: bool,
}

#[derive(Debug, Serialize)]
struct CardView {
    id: String,
    name: String,
    status: String,
    locked: bool,
    can_change: bool,
}

/// The live, `ACTIVE` grants of a customer, newest first.
async fn grants_of(server: &AuthServer, customer: &PartyId) -> Result<Vec<Consent>, Response> {
    grant::grants_of_customer(server, customer)
        .await
        .map_err(|e| failed(server, e.description))
}

/// What a grant lets its app do, in words; accounts by their names.
fn can(grant: &Consent, names: &BTreeMap<String, String>) -> Vec<String> {
    let detail = |detail: &AuthorizationDetail| match detail {
        AuthorizationDetail::AccountInformation {
            accounts,
            permissions,
        } if !accounts.is_empty() => {
            let what: Vec<String> = permissions
                .iter()
                .map(|p| scope::describe_permission(*p))
                .collect();
            let on: Vec<&str> = accounts
                .iter()
                .map(|a| names.get(a.as_str()).map_or(a.as_str(), String::as_str))
                .collect();
            format!("On {}: {}", on.join(", "), what.join("; "))
        }
        other => rar::describe(other, &[], grant.created_at.date_naive()),
    };
    grant
        .scopes
        .iter()
        .filter(|s| scope::permission(s).is_some() || s.as_str() == "openid")
        .map(|s| scope::describe(s))
        .chain(grant.authorization_details.iter().map(detail))
        .collect()
}

fn grant_view(grant: &Consent, names: &BTreeMap<String, String>) -> GrantView {
    GrantView {
        id: grant.consent_id.as_str().to_owned(),
        consented: when(grant.created_at),
        expires: grant.expires_at.map(when),
        can: can(grant, names),
        accounts: grant
            .account_ids
            .iter()
            .map(|id| AccountView {
                id: id.as_str().to_owned(),
                name: names
                    .get(id.as_str())
                    .cloned()
                    .unwrap_or_else(|| id.as_str().to_owned()),
            })
            .collect(),
    }
}

async fn account_names(
    server: &AuthServer,
    customer: &PartyId,
) -> Result<BTreeMap<String, String>, Response> {
    Ok(server
        .store
        .accounts_of_party(customer)
        .await
        .map_err(|e| failed(server, e))?
        .iter()
        .map(|a| (a.account_id.as_str().to_owned(), account_name(a)))
        .collect())
}

/// The connected apps: the customer's grants grouped by client, apps in order of their newest
/// grant.
async fn apps(
    server: &AuthServer,
    session: &AccountSession,
    names: &BTreeMap<String, String>,
) -> Result<Vec<AppView>, Response> {
    let grants = grants_of(server, &session.party_id).await?;
    let last_used: HashMap<String, String> = server
        .store
        .last_accesses(session.party_id.as_str())
        .await
        .map_err(|e| failed(server, e))?
        .into_iter()
        .map(|(client, at)| (client, when(at)))
        .collect();
    let mut apps: Vec<AppView> = Vec::new();
    for grant in &grants {
        let client_id = grant.client_id.as_str();
        if let Some(app) = apps.iter_mut().find(|a| a.client_id == client_id) {
            app.grants.push(grant_view(grant, names));
            continue;
        }
        let client = server
            .client(client_id)
            .await
            .map_err(|e| failed(server, e.description))?;
        apps.push(AppView {
            client_id: client_id.to_owned(),
            name: client.as_ref().map_or_else(
                || grant.client_name.clone(),
                |c| c.metadata.client_name.clone(),
            ),
            logo_uri: client.and_then(|c| c.metadata.logo_uri),
            last_used: last_used.get(client_id).cloned(),
            history: dashboard::path(server, &format!("/apps/{}", urlencoding(client_id))),
            grants: vec![grant_view(grant, names)],
        });
    }
    Ok(apps)
}

fn urlencoding(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect()
}

/// The decoupled (CIBA) requests waiting for the customer, oldest first.
async fn requests(server: &AuthServer, customer: &PartyId) -> Result<Vec<RequestView>, Response> {
    let pending = ciba::pending_for_customer(server, customer)
        .await
        .map_err(|e| failed(server, e.description))?;
    let today = server.now().date_naive();
    Ok(pending
        .into_iter()
        .map(|request| RequestView {
            asks: request
                .scopes
                .iter()
                .map(|s| scope::describe(s))
                .chain(
                    request
                        .authorization_details
                        .iter()
                        .map(|d| rar::describe(d, &[], today)),
                )
                .collect(),
            id: urlencoding(&request.auth_req_id),
            client_name: request.client_name,
            binding_message: request.binding_message,
            user_code: request.user_code,
            asked: when(request.created_at),
            expires: when(request.expires_at),
            needs_accounts: request.needs_accounts,
        })
        .collect())
}

async fn cards(server: &AuthServer, customer: &PartyId) -> Result<Vec<CardView>, Response> {
    Ok(server
        .store
        .cards_of_party(customer)
        .await
        .map_err(|e| failed(server, e))?
        .into_iter()
        .map(|card| {
            let status = serde_json::to_value(card.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let pan = serde_json::to_value(&card.masked_pan)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            CardView {
                id: card.card_id.as_str().to_owned(),
                name: format!("{} {pan}", card.product_name),
                can_change: matches!(status.as_str(), "ACTIVE" | "LOCKED"),
                locked: card.controls.locked,
                status,
            }
        })
        .collect())
}

/// The privacy dashboard.
///
/// Signed in: the customer's connected apps (each app holding a live grant: what it may do, on
/// which accounts, since and until when, when it last reached the data), pending decoupled
/// requests, and cards. Not signed in: the sign-in page, which sets the
/// `sandbank_account_login` cookie its form's CSRF token is checked against.
#[utoipa::path(
    get,
    path = "/account",
    operation_id = "accountDashboard",
    tag = "privacy",
    security(()),
    responses(
        (status = 200, description = "The dashboard, or the sign-in page when the `sandbank_account` session cookie is missing or expired.", content_type = HTML, body = String,
            headers(("Set-Cookie" = String, description = "On the sign-in page: `sandbank_account_login`, the sign-in form's CSRF token (HttpOnly, SameSite=Lax, Secure under HTTPS)."))),
        (status = 500, description = "The page could not be shown.", content_type = HTML, body = String)
    )
)]
pub async fn overview(State(server): State<AuthServer>, headers: HeaderMap) -> Response {
    let (_, session) = match signed_in(&server, &headers).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    // Everything this instance answered before the page is in the history.
    server.access_log.flush().await;
    let names = match account_names(&server, &session.party_id).await {
        Ok(names) => names,
        Err(page) => return page,
    };
    let apps = match apps(&server, &session, &names).await {
        Ok(apps) => apps,
        Err(page) => return page,
    };
    let cards = match cards(&server, &session.party_id).await {
        Ok(cards) => cards,
        Err(page) => return page,
    };
    let requests = match requests(&server, &session.party_id).await {
        Ok(requests) => requests,
        Err(page) => return page,
    };
    let accounts: Vec<AccountView> = names
        .iter()
        .map(|(id, name)| AccountView {
            id: id.clone(),
            name: name.clone(),
        })
        .collect();
    pages::render(
        StatusCode::OK,
        "account.html",
        minijinja::context! {
            base => dashboard::path(&server, ""),
            customer_name => session.display_name,
            csrf => session.csrf,
            apps => minijinja::value::Serde(apps),
            cards => minijinja::value::Serde(cards),
            requests => minijinja::value::Serde(requests),
            accounts => minijinja::value::Serde(accounts),
        },
    )
}

/// Sign in to the privacy dashboard.
///
/// The persona's username and the sandbox password, as on the login page. Right: a session
/// (the `sandbank_account` cookie) and a redirect to the dashboard. Wrong: the sign-in page
/// again with a message. Without the form's CSRF token (matching its cookie): 403.
#[utoipa::path(
    post,
    path = "/account/login",
    operation_id = "accountLogin",
    tag = "privacy",
    security(()),
    request_body(content = AccountLoginForm, content_type = FORM, description = "The sign-in form, with the `sandbank_account_login` cookie."),
    responses(
        (status = 303, description = "Signed in: to the dashboard.",
            headers(
                ("Location" = String, description = "The dashboard."),
                ("Set-Cookie" = String, description = "`sandbank_account`: the session (HttpOnly, SameSite=Lax, Secure under HTTPS, 30 minutes).")
            )),
        (status = 200, description = "The username or password is not right: the sign-in page again, with a message.", content_type = HTML, body = String),
        (status = 403, description = "The form's CSRF token is missing or does not match its cookie.", content_type = HTML, body = String)
    )
)]
pub async fn login(
    State(server): State<AuthServer>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form: HashMap<String, String> = pairs(&body).into_iter().collect();
    let expected = dashboard::read_cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if !tokens_match(&expected, form.get("csrf").map(String::as_str)) {
        return refused_form(&server);
    }
    let (username, customer) = match login::credentials(&server, &form).await {
        Ok(checked) => checked,
        Err(e) => return failed(&server, e),
    };
    let Some(customer) = customer else {
        return login_page(
            &server,
            StatusCode::OK,
            &username,
            Some("The username or password is not right. Try again."),
        );
    };
    let id = match dashboard::start(&server, customer.party_id, customer.display_name).await {
        Ok(id) => id,
        Err(e) => return failed(&server, e.description),
    };
    let mut response = back_to(&server, "");
    let cookies = [
        dashboard::cookie(
            &server,
            SESSION_COOKIE,
            &id,
            dashboard::session_lifetime().num_seconds(),
        ),
        dashboard::cookie(&server, LOGIN_COOKIE, "", 0),
    ];
    for cookie in cookies.into_iter().flatten() {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// Sign out of the privacy dashboard.
#[utoipa::path(
    post,
    path = "/account/logout",
    operation_id = "accountLogout",
    tag = "privacy",
    security(()),
    request_body(content = AccountForm, content_type = FORM, description = "The session's CSRF token."),
    responses(
        (status = 303, description = "Signed out: to the sign-in page; the session cookie is cleared.",
            headers(("Location" = String, description = "The dashboard's sign-in page."))),
        (status = 403, description = "No session, or the CSRF token does not match it.", content_type = HTML, body = String)
    )
)]
pub async fn logout(
    State(server): State<AuthServer>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form: HashMap<String, String> = pairs(&body).into_iter().collect();
    if let Err(page) = form_session(&server, &headers, &form).await {
        return page;
    }
    if let Some(id) = dashboard::read_cookie(&headers, SESSION_COOKIE)
        && let Err(e) = dashboard::end(&server, &id).await
    {
        return failed(&server, e.description);
    }
    let mut response = back_to(&server, "");
    if let Some(cookie) = dashboard::cookie(&server, SESSION_COOKIE, "", 0) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

#[derive(Debug, Serialize)]
struct HistoryEntry {
    when: String,
    action: String,
    accounts: Vec<String>,
    outcome: String,
}

/// An app's access history.
///
/// Every bank-API request the app made with the customer's grants, newest first, 20 to a
/// page: when, what (in words), which accounts it reached, and how it was answered.
#[utoipa::path(
    get,
    path = "/account/apps/{clientId}",
    operation_id = "accountAppHistory",
    tag = "privacy",
    security(()),
    params(("clientId" = String, Path, description = "The app."), HistoryQuery),
    responses(
        (status = 200, description = "The app's grants and access history; the sign-in page without a session.", content_type = HTML, body = String),
        (status = 404, description = "No such app.", content_type = HTML, body = String)
    )
)]
pub async fn app_history(
    State(server): State<AuthServer>,
    headers: HeaderMap,
    Path(client_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = HistoryQuery::parse(query.as_deref());
    let (_, session) = match signed_in(&server, &headers).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let client = match server.client(&client_id).await {
        Ok(Some(client)) => client,
        Ok(None) => return not_yours(&server),
        Err(e) => return failed(&server, e.description),
    };
    server.access_log.flush().await;
    let names = match account_names(&server, &session.party_id).await {
        Ok(names) => names,
        Err(page) => return page,
    };
    let grants: Vec<GrantView> = match grants_of(&server, &session.party_id).await {
        Ok(grants) => grants
            .iter()
            .filter(|g| g.client_id.as_str() == client_id)
            .map(|g| grant_view(g, &names))
            .collect(),
        Err(page) => return page,
    };
    let stored = match server
        .store
        .accesses(
            session.party_id.as_str(),
            &client_id,
            query.before,
            HISTORY_PAGE,
        )
        .await
    {
        Ok(stored) => stored,
        Err(e) => return failed(&server, e),
    };
    let older = (stored.len() == HISTORY_PAGE as usize)
        .then(|| stored.last().map(|s| s.id))
        .flatten()
        .map(|id| {
            dashboard::path(
                &server,
                &format!("/apps/{}?before={id}", urlencoding(&client_id)),
            )
        });
    let entries: Vec<HistoryEntry> = stored
        .into_iter()
        .map(|s| HistoryEntry {
            when: when(s.record.at),
            action: s.record.action,
            accounts: s
                .record
                .accounts
                .iter()
                .map(|id| names.get(id).cloned().unwrap_or_else(|| id.clone()))
                .collect(),
            outcome: outcome(s.record.status),
        })
        .collect();
    pages::render(
        StatusCode::OK,
        "account_app.html",
        minijinja::context! {
            base => dashboard::path(&server, ""),
            customer_name => session.display_name,
            csrf => session.csrf,
            app_name => client.metadata.client_name,
            grants => minijinja::value::Serde(grants),
            entries => minijinja::value::Serde(entries),
            newest => dashboard::path(&server, &format!("/apps/{}", urlencoding(&client_id))),
            paged => query.before.is_some(),
            older => older,
        },
    )
}

/// How a request was answered, in words.
fn outcome(status: u16) -> String {
    match status {
        200..=299 => "Answered".to_owned(),
        403 => "Refused: not allowed by the grant".to_owned(),
        404 => "Refused: not shared".to_owned(),
        400..=499 => format!("Refused ({status})"),
        _ => format!("Failed ({status})"),
    }
}

/// The customer's grant `grant_id`, when it is theirs and in force.
async fn own_grant(
    server: &AuthServer,
    session: &AccountSession,
    grant_id: &str,
) -> Result<Consent, Response> {
    match grant::active(server, grant_id).await {
        Ok(Some(grant)) if grant.customer_id == session.party_id => Ok(grant),
        Ok(_) => Err(not_yours(server)),
        Err(e) => Err(failed(server, e.description)),
    }
}

/// Take an account out of a grant.
///
/// The app's next request for that account is refused (404, as for any account not shared);
/// its other accounts stay shared. A grant for account data left with no account is revoked.
#[utoipa::path(
    post,
    path = "/account/grants/{grantId}/remove-account",
    operation_id = "accountRemoveAccount",
    tag = "privacy",
    security(()),
    params(("grantId" = String, Path, description = "The grant.")),
    request_body(content = RemoveAccountForm, content_type = FORM, description = "The account, and the session's CSRF token."),
    responses(
        (status = 303, description = "Done: back to the dashboard.",
            headers(("Location" = String, description = "The dashboard."))),
        (status = 403, description = "No session, or the CSRF token does not match it.", content_type = HTML, body = String),
        (status = 404, description = "The grant is not the customer's, is no longer in force, or does not hold the account.", content_type = HTML, body = String)
    )
)]
pub async fn remove_account(
    State(server): State<AuthServer>,
    headers: HeaderMap,
    Path(grant_id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let form: HashMap<String, String> = pairs(&body).into_iter().collect();
    let session = match form_session(&server, &headers, &form).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let grant = match own_grant(&server, &session, &grant_id).await {
        Ok(grant) => grant,
        Err(page) => return page,
    };
    let Some(account) = form
        .get("account")
        .and_then(|a| AccountId::new(a.as_str()).ok())
        .filter(|a| grant.account_ids.contains(a))
    else {
        return not_yours(&server);
    };
    // A grant left with no account is revoked; concurrent changes are all kept.
    match grant::remove_account(&server, &grant_id, &account).await {
        Ok(_) => back_to(&server, ""),
        Err(grant::GrantError::NotActive) => not_yours(&server),
        Err(e) => failed(&server, OAuthError::from(e).description),
    }
}

/// Revoke a grant.
///
/// Every access and refresh token issued on it stops working at once, on every instance.
#[utoipa::path(
    post,
    path = "/account/grants/{grantId}/revoke",
    operation_id = "accountRevokeGrant",
    tag = "privacy",
    security(()),
    params(("grantId" = String, Path, description = "The grant.")),
    request_body(content = AccountForm, content_type = FORM, description = "The session's CSRF token."),
    responses(
        (status = 303, description = "Revoked: back to the dashboard.",
            headers(("Location" = String, description = "The dashboard."))),
        (status = 403, description = "No session, or the CSRF token does not match it.", content_type = HTML, body = String),
        (status = 404, description = "The grant is not the customer's, or is no longer in force.", content_type = HTML, body = String)
    )
)]
pub async fn revoke_grant(
    State(server): State<AuthServer>,
    headers: HeaderMap,
    Path(grant_id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let form: HashMap<String, String> = pairs(&body).into_iter().collect();
    let session = match form_session(&server, &headers, &form).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    if let Err(page) = own_grant(&server, &session, &grant_id).await {
        return page;
    }
    match grant::revoke(&server, &grant_id).await {
        Ok(()) => back_to(&server, ""),
        Err(e) => failed(&server, e.description),
    }
}

/// Lock or unlock a card.
///
/// The same change as `PATCH /cards/{cardId}/controls` with `{"locked": …}`: the card moves
/// between `ACTIVE` and `LOCKED`; a lost, stolen or expired card cannot be changed here.
#[utoipa::path(
    post,
    path = "/account/cards/{cardId}/lock",
    operation_id = "accountLockCard",
    tag = "privacy",
    security(()),
    params(("cardId" = String, Path, description = "The card.")),
    request_body(content = CardLockForm, content_type = FORM, description = "Lock or unlock, and the session's CSRF token."),
    responses(
        (status = 303, description = "Done: back to the dashboard.",
            headers(("Location" = String, description = "The dashboard."))),
        (status = 400, description = "`locked` is neither `true` nor `false`.", content_type = HTML, body = String),
        (status = 403, description = "No session, or the CSRF token does not match it.", content_type = HTML, body = String),
        (status = 404, description = "The card is not the customer's.", content_type = HTML, body = String)
    )
)]
pub async fn lock_card(
    State(server): State<AuthServer>,
    headers: HeaderMap,
    Path(card_id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let form: HashMap<String, String> = pairs(&body).into_iter().collect();
    let session = match form_session(&server, &headers, &form).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let locked = match form.get("locked").map(String::as_str) {
        Some("true") => true,
        Some("false") => false,
        _ => return page_error(&server, StatusCode::BAD_REQUEST, "Choose Lock or Unlock."),
    };
    let Ok(card_id) = CardId::new(card_id) else {
        return not_yours(&server);
    };
    match server.store.card(&card_id).await {
        Ok(Some(card)) if card.cardholder_party_id == session.party_id => {}
        Ok(_) => return not_yours(&server),
        Err(e) => return failed(&server, e),
    }
    let update = CardControlsUpdate {
        locked: Some(locked),
        ..CardControlsUpdate::default()
    };
    match server
        .store
        .change_card(&card_id, |card| update.apply_to(card))
        .await
    {
        Ok(Some(_)) => back_to(&server, ""),
        Ok(None) => not_yours(&server),
        Err(e) => failed(&server, e),
    }
}

/// Approve a decoupled (CIBA) request.
///
/// The customer approves, on this second device, what an app asked through
/// `/backchannel`, sharing the accounts ticked (at least one when account data is asked). The
/// app's next poll at `/token` gets tokens; in ping mode it is notified first.
#[utoipa::path(
    post,
    path = "/account/requests/{authReqId}/approve",
    operation_id = "accountApproveRequest",
    tag = "privacy",
    security(()),
    params(("authReqId" = String, Path, description = "The request's `auth_req_id`.")),
    request_body(content = ApproveRequestForm, content_type = FORM, description = "The accounts to share, and the session's CSRF token."),
    responses(
        (status = 303, description = "Approved: back to the dashboard.",
            headers(("Location" = String, description = "The dashboard."))),
        (status = 400, description = "The request asks for account data and no account of the customer's was ticked.", content_type = HTML, body = String),
        (status = 403, description = "No session, or the CSRF token does not match it.", content_type = HTML, body = String),
        (status = 404, description = "No such request is waiting for this customer (unknown, another customer's, expired or already answered), or an account is not theirs.", content_type = HTML, body = String)
    )
)]
pub async fn approve_request(
    State(server): State<AuthServer>,
    headers: HeaderMap,
    Path(auth_req_id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let all = pairs(&body);
    let chosen: Vec<AccountId> = all
        .iter()
        .filter(|(name, _)| name == "account")
        .filter_map(|(_, value)| AccountId::new(value.as_str()).ok())
        .collect();
    let form: HashMap<String, String> = all.into_iter().collect();
    let session = match form_session(&server, &headers, &form).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    match ciba::approve(
        &server,
        &auth_req_id,
        Some(&session.party_id),
        Some(&chosen),
    )
    .await
    {
        Ok(_) => back_to(&server, ""),
        Err(error) => decision_failed(&server, error),
    }
}

/// Deny a decoupled (CIBA) request.
///
/// The app's next poll at `/token` gets `access_denied`; in ping mode it is notified first.
#[utoipa::path(
    post,
    path = "/account/requests/{authReqId}/deny",
    operation_id = "accountDenyRequest",
    tag = "privacy",
    security(()),
    params(("authReqId" = String, Path, description = "The request's `auth_req_id`.")),
    request_body(content = AccountForm, content_type = FORM, description = "The session's CSRF token."),
    responses(
        (status = 303, description = "Denied: back to the dashboard.",
            headers(("Location" = String, description = "The dashboard."))),
        (status = 403, description = "No session, or the CSRF token does not match it.", content_type = HTML, body = String),
        (status = 404, description = "No such request is waiting for this customer.", content_type = HTML, body = String)
    )
)]
pub async fn deny_request(
    State(server): State<AuthServer>,
    headers: HeaderMap,
    Path(auth_req_id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let form: HashMap<String, String> = pairs(&body).into_iter().collect();
    let session = match form_session(&server, &headers, &form).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    match ciba::deny(&server, &auth_req_id, Some(&session.party_id)).await {
        Ok(()) => back_to(&server, ""),
        Err(error) => decision_failed(&server, error),
    }
}

fn decision_failed(server: &AuthServer, error: DecisionError) -> Response {
    match error {
        DecisionError::NoAccountChosen => page_error(
            server,
            StatusCode::BAD_REQUEST,
            "The app asks for account data: tick at least one account to share, or deny the request.",
        ),
        DecisionError::NoPayer => page_error(
            server,
            StatusCode::BAD_REQUEST,
            "The app asks for a payment: tick an open account in the payment's currency to pay from, or deny the request.",
        ),
        DecisionError::Server(message) => failed(server, message),
        _ => not_yours(server),
    }
}
