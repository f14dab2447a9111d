//! `GET /authorize`: takes a pushed request's `request_uri`, then either finishes at once
//! (sandbox auto-consent) or starts the login and consent pages. Every authorization response
//! is a 303 to the registered redirect URI with `iss` (RFC 9207); anything that cannot be sent
//! there safely is an error page.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sandbank_schemas::Account;
use sandbank_schemas::common::{AccountId, PartyId};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::client::Client;
use crate::code::{self, CodeRecord};
use crate::form::Params;
use crate::grant::{self, Action, GrantError};
use crate::jose::random_token;
use crate::openapi::HTML;
use crate::openapi::responses::PageErrors;
use crate::pages;
use crate::par::PushedRequest;
use crate::routes::login;
use crate::state::{AuthServer, kinds};

/// Name of the cookie that ties an interaction to the browser that started it.
pub const INTERACTION_COOKIE: &str = "sandbank_interaction";

/// A login and consent in progress, stored under [`kinds::INTERACTION`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    /// The pushed request being answered.
    pub request_uri: String,
    /// Its client.
    pub client_id: String,
    /// The customer, once logged in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<LoggedIn>,
}

/// A customer who logged in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedIn {
    /// Their party id (the `sub`).
    pub party_id: PartyId,
    /// Name shown on the pages.
    pub display_name: String,
    /// When they logged in (seconds since the epoch).
    pub auth_time: i64,
}

/// A pushed request that may still be answered, with its client.
pub struct Pending {
    /// The `request_uri`.
    pub request_uri: String,
    /// The request.
    pub request: PushedRequest,
    /// The client.
    pub client: Client,
}

/// Why a pushed request cannot be answered, in words for the error page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unanswerable {
    /// Unknown, expired, already answered, another client's, or its client is gone.
    Gone(&'static str),
    /// The server failed.
    Failed(&'static str),
}

impl Unanswerable {
    /// The words for the error page.
    pub fn message(self) -> &'static str {
        match self {
            Unanswerable::Gone(message) | Unanswerable::Failed(message) => message,
        }
    }
}

/// The pushed request `request_uri` if it can still be answered, with its client; `client_id`,
/// when given, must be the client that pushed it.
pub async fn find_pending(
    server: &AuthServer,
    request_uri: &str,
    client_id: Option<&str>,
) -> Result<Pending, Unanswerable> {
    let entry = server
        .auth()
        .get(kinds::PAR, request_uri, server.now())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "reading a pushed request failed");
            Unanswerable::Failed("The server could not read this request. Try again.")
        })?;
    let Some(entry) = entry else {
        return Err(Unanswerable::Gone(
            "This authorization request is unknown or has expired.",
        ));
    };
    if entry.consumed_at.is_some() {
        return Err(Unanswerable::Gone(
            "This authorization request has already been completed.",
        ));
    }
    let request: PushedRequest = serde_json::from_value(entry.value).map_err(|e| {
        tracing::error!(error = %e, "a stored pushed request is unreadable");
        Unanswerable::Failed("This authorization request is unreadable.")
    })?;
    if client_id.is_some_and(|client_id| request.client_id != client_id) {
        return Err(Unanswerable::Gone(
            "This authorization request belongs to another app (client_id does not match).",
        ));
    }
    let client = match server.client(&request.client_id).await {
        Ok(Some(client)) => client,
        Ok(None) => return Err(Unanswerable::Gone("The app is no longer registered.")),
        Err(_) => return Err(Unanswerable::Failed("The server could not read this app.")),
    };
    Ok(Pending {
        request_uri: request_uri.to_owned(),
        request,
        client,
    })
}

/// Why a pushed request cannot be used, as the error page.
pub async fn pending(
    server: &AuthServer,
    request_uri: &str,
    client_id: &str,
) -> Result<Pending, Response> {
    find_pending(server, request_uri, Some(client_id))
        .await
        .map_err(|e| pages::error(e.message()))
}

/// Start the authorization in the browser.
///
/// The browser arrives with the `request_uri` of a pushed request and its `client_id`. The
/// answer is the login page, which sets the interaction cookie; or, with auto-consent
/// (`serve --auto-consent`, or a client registered with `sandbox_auto_consent`) and a
/// `login_hint`, the authorization response at once. Errors that cannot safely go to the
/// client's redirect URI are an error page.
#[utoipa::path(
    get,
    path = "/authorize",
    operation_id = "authorize",
    tag = "authorization",
    security(()),
    params(
        ("client_id" = String, Query, description = "The client that pushed the request."),
        ("request_uri" = String, Query, description = "The `request_uri` from `/par`.")
    ),
    responses(
        (status = 200, description = "The login page.", content_type = HTML, body = String,
            headers(("Set-Cookie" = String, description = "`sandbank_interaction`: ties the login and consent to this browser (HttpOnly, SameSite=Lax)."))),
        (status = 303, description = "Auto-consent: the authorization response, to the redirect URI with `code` (or `error`), `state` and `iss` (RFC 9207).",
            headers(("Location" = String, description = "The client's redirect URI with the response parameters."))),
        PageErrors
    )
)]
pub async fn authorize(State(server): State<AuthServer>, RawQuery(query): RawQuery) -> Response {
    let params = match Params::parse(query.unwrap_or_default().as_bytes()) {
        Ok(params) => params,
        Err(e) => return pages::error(e.description),
    };
    let Some(request_uri) = params.get("request_uri") else {
        return pages::error(
            "Authorization requests must be pushed first (PAR): call the pushed authorization request endpoint and send its request_uri here with client_id.",
        );
    };
    let Some(client_id) = params.get("client_id") else {
        return pages::error("client_id is required.");
    };
    let mut pending = match pending(&server, request_uri, client_id).await {
        Ok(pending) => pending,
        Err(page) => return page,
    };
    if !pending.request.started {
        // The request_uri has done its job; give the customer the time of a login and consent.
        pending.request.started = true;
        if let Err(e) = server
            .write(
                kinds::PAR,
                request_uri,
                &pending.request,
                server.config.lifetimes.interaction,
            )
            .await
        {
            return pages::error(e.description);
        }
    }
    if server.config.auto_consent || pending.client.metadata.sandbox_auto_consent {
        let customer = match &pending.request.login_hint {
            Some(hint) => match server.store.customer_by_username(hint).await {
                Ok(customer) => customer,
                Err(e) => {
                    tracing::error!(error = %e, "looking up the login_hint failed");
                    None
                }
            },
            None => None,
        };
        if let Some(customer) = customer {
            let owned = match accounts_of(&server, &customer.party_id).await {
                Ok(owned) => owned,
                Err(page) => return page,
            };
            let who = LoggedIn {
                party_id: customer.party_id,
                display_name: customer.display_name,
                auth_time: server.now().timestamp(),
            };
            let all: Vec<AccountId> = owned.iter().map(|a| a.account_id.clone()).collect();
            return approve(&server, &pending, &who, &owned, &all, None).await;
        }
    }
    let interaction = Interaction {
        request_uri: request_uri.to_owned(),
        client_id: client_id.to_owned(),
        customer: None,
    };
    let id = random_token(32);
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
    let mut page = login::login_page(
        &pending.client,
        &id,
        pending.request.login_hint.as_deref().unwrap_or_default(),
        None,
    );
    let cookie = format!(
        "{INTERACTION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax{}",
        if server.config.issuer.starts_with("https:") {
            "; Secure"
        } else {
            ""
        }
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        page.headers_mut().insert(header::SET_COOKIE, value);
    }
    page
}

/// The customer's accounts.
pub async fn accounts_of(
    server: &AuthServer,
    party_id: &PartyId,
) -> Result<Vec<Account>, Response> {
    server.store.accounts_of_party(party_id).await.map_err(|e| {
        tracing::error!(error = %e, "reading a customer's accounts failed");
        pages::error("The server could not read your accounts. Try again.")
    })
}

/// Consumes the pushed request (once: a second completion finds it used).
async fn finish(server: &AuthServer, pending: &Pending) -> Result<(), Unanswerable> {
    match server
        .auth()
        .consume_once(kinds::PAR, &pending.request_uri, server.now())
        .await
    {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(Unanswerable::Gone(
            "This authorization request has already been completed or has expired.",
        )),
        Err(e) => {
            tracing::error!(error = %e, "consuming a pushed request failed");
            Err(Unanswerable::Failed(
                "The server could not complete this request.",
            ))
        }
    }
}

/// The customer approved: grant, code, redirect.
pub async fn approve(
    server: &AuthServer,
    pending: &Pending,
    who: &LoggedIn,
    owned: &[Account],
    chosen: &[AccountId],
    payer: Option<&AccountId>,
) -> Response {
    respond(approved(server, pending, who, owned, chosen, payer).await)
}

/// The customer approved: the grant and the code are issued, and the answer is the
/// authorization response URL (with `code`, or `error=server_error` if issuing failed).
///
/// With Grant Management, `merge` and `replace` change the grant the request names instead of
/// making one ([`grant::merge`], [`grant::replace`]); the code carries that grant's id and its
/// scopes after the change. When that grant is no longer active (revoked since PAR), the answer
/// is `error=invalid_grant_id`; when the customer approving is not the one who gave it,
/// `error=access_denied` — another customer cannot extend or replace someone's grant. The
/// consent page and the sandbox control API's approve both come here, so they agree.
pub async fn approved(
    server: &AuthServer,
    pending: &Pending,
    who: &LoggedIn,
    owned: &[Account],
    chosen: &[AccountId],
    payer: Option<&AccountId>,
) -> Result<Url, Unanswerable> {
    finish(server, pending).await?;
    let request = &pending.request;
    let decision = grant::decide(request, owned, chosen, payer);
    let client_id = pending.client.client_id.as_str();
    let granted = match (request.grant_management_action, &request.grant_id) {
        (Some(Action::Merge), Some(grant_id)) => {
            grant::merge(server, grant_id, client_id, &who.party_id, &decision).await
        }
        (Some(Action::Replace), Some(grant_id)) => {
            grant::replace(server, grant_id, client_id, &who.party_id, &decision).await
        }
        _ => grant::create(
            server,
            &who.party_id,
            client_id,
            &pending.client.metadata.client_name,
            decision,
        )
        .await
        .map_err(GrantError::from),
    };
    let grant = match granted {
        Ok(grant) => grant,
        Err(GrantError::NotActive | GrantError::OtherClient) => {
            return response_url(
                server,
                request,
                &[
                    ("error", "invalid_grant_id"),
                    (
                        "error_description",
                        "the grant to change is no longer active",
                    ),
                ],
            );
        }
        Err(GrantError::OtherCustomer) => {
            return response_url(
                server,
                request,
                &[
                    ("error", "access_denied"),
                    (
                        "error_description",
                        "the grant to change was given by another customer",
                    ),
                ],
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "issuing a grant failed");
            return server_error(server, request);
        }
    };
    let issued = code::issue(
        server,
        &CodeRecord {
            client_id: pending.client.client_id.clone(),
            redirect_uri: request.redirect_uri.clone(),
            code_challenge: request.code_challenge.clone(),
            dpop_jkt: request.dpop_jkt.clone(),
            grant_id: grant.consent_id.as_str().to_owned(),
            sub: who.party_id.as_str().to_owned(),
            scope: grant.scopes.clone(),
            nonce: request.nonce.clone(),
            auth_time: who.auth_time,
        },
    )
    .await;
    match issued {
        Ok(code) => response_url(server, request, &[("code", &code)]),
        Err(_) => server_error(server, request),
    }
}

/// The authorization response for a failure to issue.
fn server_error(server: &AuthServer, request: &PushedRequest) -> Result<Url, Unanswerable> {
    response_url(
        server,
        request,
        &[
            ("error", "server_error"),
            ("error_description", "the server could not issue a code"),
        ],
    )
}

/// The customer denied: `access_denied`.
pub async fn deny(server: &AuthServer, pending: &Pending) -> Response {
    respond(denied(server, pending).await)
}

/// The customer denied: the authorization response URL, with `error=access_denied`.
pub async fn denied(server: &AuthServer, pending: &Pending) -> Result<Url, Unanswerable> {
    finish(server, pending).await?;
    response_url(
        server,
        &pending.request,
        &[
            ("error", "access_denied"),
            ("error_description", "the customer denied the request"),
        ],
    )
}

/// An authorization response: 303 to the request's redirect URI with `params`, `state` when
/// the client sent one, and `iss`.
pub fn redirect(server: &AuthServer, request: &PushedRequest, params: &[(&str, &str)]) -> Response {
    respond(response_url(server, request, params))
}

/// The authorization response URL: the request's redirect URI with `params`, `state` when the
/// client sent one, and `iss`. With JARM (the request's `response_signing_alg`), the same
/// members are the claims of one signed `response` JWT instead ([`jarm_response`]).
pub fn response_url(
    server: &AuthServer,
    request: &PushedRequest,
    params: &[(&str, &str)],
) -> Result<Url, Unanswerable> {
    let Ok(mut url) = Url::parse(&request.redirect_uri) else {
        return Err(Unanswerable::Gone("The app's redirect URI is invalid."));
    };
    if let Some(alg) = &request.response_signing_alg {
        let response = jarm_response(server, request, alg, params)?;
        url.query_pairs_mut().append_pair("response", &response);
        return Ok(url);
    }
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in params {
            query.append_pair(name, value);
        }
        if let Some(state) = &request.state {
            query.append_pair("state", state);
        }
        query.append_pair("iss", &server.config.issuer);
    }
    Ok(url)
}

/// How long a JARM response is valid: FAPI.md B3 allows at most 10 minutes.
pub const JARM_LIFETIME_SECONDS: i64 = 5 * 60;

/// A JWT-secured authorization response (JARM §4.1; FAPI.md B3): `iss`, `aud` (the client),
/// `iat`, `exp`, the response's `params` (`code`, or `error` and `error_description`) and
/// `state`, signed with the server's `alg` key, whose `kid` is in the JWKS. Dated by real time,
/// which is what the client's clock checks it against.
pub fn jarm_response(
    server: &AuthServer,
    request: &PushedRequest,
    alg: &str,
    params: &[(&str, &str)],
) -> Result<String, Unanswerable> {
    let now = server.clock.read().real.timestamp();
    let mut claims = serde_json::Map::new();
    claims.insert("iss".into(), server.config.issuer.clone().into());
    claims.insert("aud".into(), request.client_id.clone().into());
    claims.insert("iat".into(), now.into());
    claims.insert("exp".into(), (now + JARM_LIFETIME_SECONDS).into());
    for (name, value) in params {
        claims.insert((*name).to_owned(), (*value).into());
    }
    if let Some(state) = &request.state {
        claims.insert("state".into(), state.clone().into());
    }
    let algorithm = match alg {
        "PS256" => jsonwebtoken::Algorithm::PS256,
        _ => jsonwebtoken::Algorithm::ES256,
    };
    let failed = || Unanswerable::Failed("The server could not sign the authorization response.");
    let signer = server.keys.signer(algorithm).ok_or_else(failed)?;
    signer
        .sign(Some("JWT"), &serde_json::Value::Object(claims))
        .map_err(|e| {
            tracing::error!(error = %e, "signing a JARM response failed");
            failed()
        })
}

/// A 303 to an authorization response, or the error page.
fn respond(result: Result<Url, Unanswerable>) -> Response {
    let url = match result {
        Ok(url) => url,
        Err(e) => return pages::error(e.message()),
    };
    match HeaderValue::from_str(url.as_str()) {
        Ok(location) => (
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, location),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        Err(_) => pages::error("The app's redirect URI is invalid."),
    }
}

/// The interaction id from the browser's cookie.
pub fn interaction_cookie(headers: &HeaderMap) -> Option<String> {
    crate::pages::read_cookie(headers, INTERACTION_COOKIE)
}
