//! Client-Initiated Backchannel Authentication (OpenID CIBA Core 1.0, FAPI-CIBA profile), poll
//! and ping modes.
//!
//! A client asks `POST /backchannel` to authenticate a customer it names (`login_hint`, or an
//! ID token this server issued in `id_token_hint`); the customer decides elsewhere — on the
//! dashboard, or a test suite through the sandbox control API — with [`approve`] or [`deny`];
//! the client polls `/token` with the `auth_req_id` (or, in ping mode, is told by a POST to its
//! notification endpoint first, [`crate::ping`]).
//!
//! What the server keeps, all in the store so every instance on one database shares it:
//!
//! - [`kinds::CIBA`]: the [`CibaRequest`] by `auth_req_id`. Written when the request is made
//!   and once more when it is decided; the token grant consumes it once
//!   (`consume_once`), so two concurrent redemptions give one token response.
//! - [`kinds::CIBA_DECIDED`]: a marker claimed atomically by the first decision
//!   (`remember_once`), so an approval and a denial racing each other cannot both win.
//! - [`kinds::CIBA_POLL`]: when the client last polled and its current interval, kept apart
//!   from the request so a poll never overwrites a decision made meanwhile.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sandbank_schemas::common::{AccountId, PartyId};
use sandbank_schemas::consent::{AuthorizationDetail, Consent};
use serde::{Deserialize, Serialize};

use crate::client::{Client, DeliveryMode, GrantType};
use crate::decision::DecisionError;
use crate::error::OAuthError;
use crate::form::Params;
use crate::jose::{peek, random_token};
use crate::par::PushedRequest;
use crate::state::{AuthServer, kinds};
use crate::{grant, payments, ping, rar, scope};

/// Longest `binding_message` accepted, in characters.
pub const MAX_BINDING_MESSAGE: usize = 128;
/// Longest `user_code` accepted, in characters.
pub const MAX_USER_CODE: usize = 64;
/// Shortest `client_notification_token`: 22 base64url characters carry 128 bits, the least
/// entropy CIBA Core §7.1 asks of it.
pub const MIN_NOTIFICATION_TOKEN: usize = 22;
/// Longest `client_notification_token` (CIBA Core §7.1: at most 1024 characters).
pub const MAX_NOTIFICATION_TOKEN: usize = 1024;
/// How much `slow_down` adds to a request's interval (CIBA Core §11).
pub const SLOW_DOWN_STEP_SECONDS: i64 = 5;
/// How long after its expiry an `auth_req_id` is still known, to answer `expired_token` rather
/// than `invalid_grant`.
pub fn expired_memory() -> Duration {
    Duration::minutes(10)
}

/// The bearer token the client gave for its ping notification. Redacted in `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NotificationToken(String);

impl NotificationToken {
    /// The token, to send as `Authorization: Bearer`.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NotificationToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NotificationToken(<redacted>)")
    }
}

/// Where a request stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CibaStatus {
    /// The customer has not decided.
    Pending,
    /// The customer approved: the grant it made, and when.
    Approved {
        /// The grant ([`crate::grant`]) the tokens are issued on.
        grant_id: String,
        /// When the customer approved (seconds since the epoch): the ID token's `auth_time`.
        auth_time: i64,
    },
    /// The customer refused.
    Denied,
}

/// A backchannel authentication request, as the store keeps it under its `auth_req_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CibaRequest {
    /// The client that made it.
    pub client_id: String,
    /// The customer it asks to authenticate.
    pub party_id: PartyId,
    /// The customer's name, as the pages show it.
    pub customer_name: String,
    /// Scopes asked (always `openid`).
    pub scope: scope::ScopeSet,
    /// Rich authorization details asked.
    pub authorization_details: Vec<AuthorizationDetail>,
    /// Shown to the customer, to tie the request to what the client's device shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding_message: Option<String>,
    /// The `user_code` the client sent (clients registered with
    /// `backchannel_user_code_parameter`), shown to the customer; not checked by the sandbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_code: Option<String>,
    /// How the client learns of the decision.
    pub delivery_mode: DeliveryMode,
    /// Ping mode: where to POST the notification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_endpoint: Option<String>,
    /// Ping mode: the bearer token of the notification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_token: Option<NotificationToken>,
    /// Thumbprint of the DPoP key of the proof sent with the request, if any: the tokens must
    /// then be bound to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_jkt: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it can no longer be decided nor redeemed (`expires_in` after `created_at`).
    pub expires_at: DateTime<Utc>,
    /// Where it stands.
    #[serde(flatten)]
    pub status: CibaStatus,
}

/// When the client last polled, and how long it must now wait between polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollState {
    /// The last poll.
    pub last_poll: DateTime<Utc>,
    /// Seconds to wait between polls (grows by [`SLOW_DOWN_STEP_SECONDS`] at each `slow_down`).
    pub interval: i64,
}

/// What a poll of a pending request gets: `slow_down` when it came before the interval since
/// the last poll was over (and the interval grows by 5 s, CIBA Core §11), else
/// `authorization_pending`. Returns whether to answer `slow_down`, and the state to keep.
pub fn pace(previous: Option<PollState>, interval: i64, now: DateTime<Utc>) -> (bool, PollState) {
    match previous {
        Some(previous) if now < previous.last_poll + Duration::seconds(previous.interval) => (
            true,
            PollState {
                last_poll: now,
                interval: previous.interval + SLOW_DOWN_STEP_SECONDS,
            },
        ),
        Some(previous) => (
            false,
            PollState {
                last_poll: now,
                interval: previous.interval,
            },
        ),
        None => (
            false,
            PollState {
                last_poll: now,
                interval,
            },
        ),
    }
}

/// Who the request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hint {
    /// `login_hint`: a customer's username.
    LoginHint(String),
    /// `id_token_hint`: an ID token this server issued to the client.
    IdTokenHint(String),
}

/// A backchannel request whose parameters passed [`validate`]; the customer is still to be
/// found ([`start`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// Who it names.
    pub hint: Hint,
    /// Scopes asked.
    pub scope: scope::ScopeSet,
    /// Authorization details asked.
    pub authorization_details: Vec<AuthorizationDetail>,
    /// The binding message.
    pub binding_message: Option<String>,
    /// The user code.
    pub user_code: Option<String>,
    /// How long the `auth_req_id` lives.
    pub expires_in: Duration,
    /// Ping mode: the notification token.
    pub notification_token: Option<NotificationToken>,
    /// How the client is told.
    pub delivery_mode: DeliveryMode,
}

fn printable(value: &str) -> bool {
    !value.chars().any(char::is_control)
}

/// RFC 6750 `b64token`: what may follow `Bearer ` in a header.
fn is_b64token(value: &str) -> bool {
    let body = value.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// Parses `requested_expiry`: a positive number of seconds, as a string (a form parameter) or
/// a JSON number inside a signed request; shortened to `max`.
pub fn requested_expiry(
    raw: Option<&str>,
    default: Duration,
    max: Duration,
) -> Result<Duration, OAuthError> {
    let Some(raw) = raw else {
        return Ok(default);
    };
    let seconds: i64 = raw
        .trim()
        .parse::<i64>()
        .ok()
        .or_else(|| {
            // A JSON number such as 120.0 inside a request object.
            raw.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.fract() == 0.0 && f.is_finite() && f.abs() < 1e12)
                .map(|f| f as i64)
        })
        .filter(|s| *s > 0)
        .ok_or_else(|| {
            OAuthError::invalid_request("requested_expiry must be a positive number of seconds")
        })?;
    Ok(Duration::seconds(seconds).min(max))
}

/// Checks the parameters of a backchannel authentication request from the authenticated
/// `client` (CIBA Core §7.1, FAPI-CIBA §5.2.2): the form's, or those inside its verified signed
/// request. Finding the customer the hint names is [`start`]'s.
pub fn validate(
    client: &Client,
    params: &Params,
    default_expiry: Duration,
    max_expiry: Duration,
) -> Result<Checked, OAuthError> {
    if !client.allows_grant(GrantType::Ciba.name()) {
        return Err(OAuthError::unauthorized_client(format!(
            "the client is not registered for the {} grant",
            GrantType::Ciba.name()
        )));
    }
    let Some(delivery_mode) = client.metadata.backchannel_token_delivery_mode else {
        return Err(OAuthError::unauthorized_client(
            "the client registered no backchannel_token_delivery_mode",
        ));
    };
    let hints: Vec<&str> = ["login_hint", "login_hint_token", "id_token_hint"]
        .into_iter()
        .filter(|name| params.get(name).is_some())
        .collect();
    let hint = match hints.as_slice() {
        ["login_hint"] => Hint::LoginHint(params.require("login_hint")?.to_owned()),
        ["id_token_hint"] => Hint::IdTokenHint(params.require("id_token_hint")?.to_owned()),
        ["login_hint_token"] => {
            return Err(OAuthError::invalid_request(
                "login_hint_token is not supported; name the customer with login_hint (their username) or id_token_hint (an ID token this server issued you)",
            ));
        }
        [] => {
            return Err(OAuthError::invalid_request(
                "name the customer with exactly one of login_hint, login_hint_token or id_token_hint",
            ));
        }
        several => {
            return Err(OAuthError::invalid_request(format!(
                "send exactly one of login_hint, login_hint_token or id_token_hint, not {}",
                several.join(" and ")
            )));
        }
    };
    let scope = scope::parse(params.get("scope"), client)?;
    if !scope.contains("openid") {
        return Err(OAuthError::invalid_request(
            "the scope must include openid (CIBA is an OpenID Connect flow)",
        ));
    }
    let authorization_details = rar::parse(params.get("authorization_details"), client)?;
    let binding_message = match params.get("binding_message") {
        Some(message) if message.chars().count() > MAX_BINDING_MESSAGE => {
            return Err(OAuthError::invalid_binding_message(format!(
                "binding_message is longer than {MAX_BINDING_MESSAGE} characters"
            )));
        }
        Some(message) if !printable(message) => {
            return Err(OAuthError::invalid_binding_message(
                "binding_message must be plain printable text (no control characters)",
            ));
        }
        other => other.map(str::to_owned),
    };
    let user_code = match params.get("user_code") {
        Some(_) if !client.metadata.backchannel_user_code_parameter => {
            return Err(OAuthError::invalid_request(
                "user_code was sent, but the client did not register backchannel_user_code_parameter",
            ));
        }
        Some(code) if code.chars().count() > MAX_USER_CODE || !printable(code) => {
            return Err(OAuthError::invalid_request(format!(
                "user_code must be printable text of at most {MAX_USER_CODE} characters"
            )));
        }
        other => other.map(str::to_owned),
    };
    let expires_in = requested_expiry(params.get("requested_expiry"), default_expiry, max_expiry)?;
    let notification_token = match (delivery_mode, params.get("client_notification_token")) {
        (DeliveryMode::Ping, None) => {
            return Err(OAuthError::invalid_request(
                "client_notification_token is required in ping mode",
            ));
        }
        (DeliveryMode::Ping, Some(token))
            if token.len() < MIN_NOTIFICATION_TOKEN
                || token.len() > MAX_NOTIFICATION_TOKEN
                || !is_b64token(token) =>
        {
            return Err(OAuthError::invalid_request(format!(
                "client_notification_token must be {MIN_NOTIFICATION_TOKEN} to {MAX_NOTIFICATION_TOKEN} characters of a bearer token (RFC 6750 b64token), with at least 128 bits of entropy"
            )));
        }
        (DeliveryMode::Ping, Some(token)) => Some(NotificationToken(token.to_owned())),
        (DeliveryMode::Poll, _) => None,
    };
    Ok(Checked {
        hint,
        scope,
        authorization_details,
        binding_message,
        user_code,
        expires_in,
        notification_token,
        delivery_mode,
    })
}

/// The customer a hint names: the party, and the name to show.
async fn customer_of(
    server: &AuthServer,
    client: &Client,
    hint: &Hint,
) -> Result<(PartyId, String), OAuthError> {
    match hint {
        Hint::LoginHint(username) => {
            let username = username.trim().to_lowercase();
            match server
                .store
                .customer_by_username(&username)
                .await
                .map_err(OAuthError::server_error)?
            {
                Some(customer) => Ok((customer.party_id, customer.display_name)),
                None => Err(OAuthError::unknown_user_id(
                    "login_hint names no customer of this bank",
                )),
            }
        }
        Hint::IdTokenHint(token) => {
            let sub = id_token_subject(server, client, token)?;
            let party_id = PartyId::new(sub.as_str()).map_err(|_| {
                OAuthError::unknown_user_id("the id_token_hint's sub names no customer")
            })?;
            match server
                .store
                .party(&party_id)
                .await
                .map_err(OAuthError::server_error)?
            {
                Some(party) => Ok((party_id, party.display_name)),
                None => Err(OAuthError::unknown_user_id(
                    "the id_token_hint's sub names no customer of this bank",
                )),
            }
        }
    }
}

/// The `sub` of an ID token this server issued to `client`: signed by one of the server's keys,
/// `iss` the issuer, `aud` the client. An expired ID token still names its customer (OpenID
/// Connect Core §3.1.2.1 lets an OP accept one as a hint), so `exp` is not checked.
fn id_token_subject(
    server: &AuthServer,
    client: &Client,
    token: &str,
) -> Result<String, OAuthError> {
    let bad = |why: &str| OAuthError::invalid_request(format!("id_token_hint rejected: {why}"));
    let jwt = peek(token).map_err(|e| bad(&e.0))?;
    jwt.verify_with(&server.keys.jwks())
        .map_err(|_| bad("it is not an ID token signed by this server"))?;
    if jwt.claim_str("iss") != Some(server.config.issuer.as_str()) {
        return Err(bad("its iss is not this server"));
    }
    let for_client = match jwt.claims.get("aud") {
        Some(serde_json::Value::String(aud)) => *aud == client.client_id,
        Some(serde_json::Value::Array(auds)) => auds
            .iter()
            .any(|a| a.as_str() == Some(client.client_id.as_str())),
        _ => false,
    };
    if !for_client {
        return Err(bad("it was issued to another client"));
    }
    jwt.claim_str("sub")
        .map(str::to_owned)
        .ok_or_else(|| bad("it has no sub"))
}

/// The answer to an accepted backchannel request (CIBA Core §7.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    /// The request's id, for `/token` (and the decision).
    pub auth_req_id: String,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// Seconds to wait between polls.
    pub interval: i64,
}

/// Finds the customer a checked request names and stores the request; `dpop_jkt` is the
/// thumbprint of the DPoP proof sent with it, if any.
pub async fn start(
    server: &AuthServer,
    client: &Client,
    checked: Checked,
    dpop_jkt: Option<String>,
) -> Result<Started, OAuthError> {
    let (party_id, customer_name) = customer_of(server, client, &checked.hint).await?;
    let now = server.now();
    let auth_req_id = random_token(32);
    let request = CibaRequest {
        client_id: client.client_id.clone(),
        party_id,
        customer_name,
        scope: checked.scope,
        authorization_details: checked.authorization_details,
        binding_message: checked.binding_message,
        user_code: checked.user_code,
        delivery_mode: checked.delivery_mode,
        notification_endpoint: match checked.delivery_mode {
            DeliveryMode::Ping => client
                .metadata
                .backchannel_client_notification_endpoint
                .clone(),
            DeliveryMode::Poll => None,
        },
        notification_token: checked.notification_token,
        dpop_jkt,
        created_at: now,
        expires_at: now + checked.expires_in,
        status: CibaStatus::Pending,
    };
    server
        .write(
            kinds::CIBA,
            &auth_req_id,
            &request,
            checked.expires_in + expired_memory(),
        )
        .await?;
    tracing::info!(client_id = %client.client_id, "accepted a backchannel authentication request");
    Ok(Started {
        auth_req_id,
        expires_in: checked.expires_in.num_seconds(),
        interval: server.config.lifetimes.ciba_interval.num_seconds(),
    })
}

/// A backchannel request waiting for the customer, as the dashboard and the control API show
/// it.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingCiba {
    /// Its `auth_req_id`: the id to approve or deny it by.
    pub auth_req_id: String,
    /// The client.
    pub client_id: String,
    /// The client's name.
    pub client_name: String,
    /// The customer it asks.
    pub party_id: PartyId,
    /// The customer's name.
    pub customer_name: String,
    /// Scopes asked.
    pub scopes: Vec<String>,
    /// Authorization details asked.
    pub authorization_details: Vec<AuthorizationDetail>,
    /// The binding message to show.
    pub binding_message: Option<String>,
    /// The user code the client sent, to show (the sandbox does not check it).
    pub user_code: Option<String>,
    /// `poll` or `ping`.
    pub delivery_mode: DeliveryMode,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it can no longer be decided.
    pub expires_at: DateTime<Utc>,
    /// Whether it asks for account data, so that approving it needs at least one account
    /// ([`grant::needs_accounts`], the consent page's rule).
    pub needs_accounts: bool,
}

/// Every request still waiting for a decision, oldest first.
pub async fn pending(server: &AuthServer) -> Result<Vec<PendingCiba>, OAuthError> {
    pending_where(server, |_| true).await
}

/// The requests waiting for `customer`'s decision, oldest first: one read of the store's CIBA
/// entries, filtered.
pub async fn pending_for_customer(
    server: &AuthServer,
    customer: &PartyId,
) -> Result<Vec<PendingCiba>, OAuthError> {
    pending_where(server, |request| request.party_id == *customer).await
}

async fn pending_where(
    server: &AuthServer,
    keep: impl Fn(&CibaRequest) -> bool,
) -> Result<Vec<PendingCiba>, OAuthError> {
    let now = server.now();
    let entries = server
        .auth()
        .list(kinds::CIBA, now)
        .await
        .map_err(OAuthError::server_error)?;
    let mut names: HashMap<String, String> = HashMap::new();
    let mut pending = Vec::new();
    for (auth_req_id, entry) in entries {
        if entry.consumed_at.is_some() {
            continue;
        }
        let Ok(request) = serde_json::from_value::<CibaRequest>(entry.value) else {
            continue;
        };
        if request.status != CibaStatus::Pending || request.expires_at <= now || !keep(&request) {
            continue;
        }
        let client_name = match names.get(&request.client_id) {
            Some(name) => name.clone(),
            None => {
                let Some(client) = server.client(&request.client_id).await? else {
                    continue;
                };
                names.insert(
                    request.client_id.clone(),
                    client.metadata.client_name.clone(),
                );
                client.metadata.client_name
            }
        };
        let needs_accounts = grant::needs_accounts(&as_authorization_request(&request));
        pending.push(PendingCiba {
            needs_accounts,
            auth_req_id,
            client_id: request.client_id,
            client_name,
            party_id: request.party_id,
            customer_name: request.customer_name,
            scopes: request.scope.into_iter().collect(),
            authorization_details: request.authorization_details,
            binding_message: request.binding_message,
            user_code: request.user_code,
            delivery_mode: request.delivery_mode,
            created_at: request.created_at,
            expires_at: request.expires_at,
        });
    }
    pending.sort_by(|a, b| (a.created_at, &a.auth_req_id).cmp(&(b.created_at, &b.auth_req_id)));
    Ok(pending)
}

/// The request `auth_req_id` while it waits for a decision (and, with `customer`, only when it
/// asks that customer), with how long its entry lives.
async fn undecided(
    server: &AuthServer,
    auth_req_id: &str,
    customer: Option<&PartyId>,
) -> Result<(CibaRequest, DateTime<Utc>), DecisionError> {
    let now = server.now();
    let entry = server
        .auth()
        .get(kinds::CIBA, auth_req_id, now)
        .await
        .map_err(OAuthError::server_error)?
        .filter(|entry| entry.consumed_at.is_none())
        .ok_or(DecisionError::NotFound)?;
    let request: CibaRequest =
        serde_json::from_value(entry.value).map_err(OAuthError::server_error)?;
    if request.status != CibaStatus::Pending
        || request.expires_at <= now
        || customer.is_some_and(|c| *c != request.party_id)
    {
        return Err(DecisionError::NotFound);
    }
    Ok((request, entry.expires_at))
}

/// Claims the one decision a request gets: `false` when another was made first.
async fn claim_decision(
    server: &AuthServer,
    auth_req_id: &str,
    until: DateTime<Utc>,
) -> Result<bool, DecisionError> {
    Ok(server
        .auth()
        .remember_once(kinds::CIBA_DECIDED, auth_req_id, server.now(), until)
        .await
        .map_err(OAuthError::server_error)?)
}

/// Stores the decided request for the rest of its entry's life.
async fn record(
    server: &AuthServer,
    auth_req_id: &str,
    request: &CibaRequest,
    until: DateTime<Utc>,
) -> Result<(), OAuthError> {
    let ttl = (until - server.now()).max(Duration::seconds(1));
    server.write(kinds::CIBA, auth_req_id, request, ttl).await
}

/// The request as [`grant::decide`] reads an authorization request: only its scopes and
/// authorization details count there, so the CIBA grant is decided by the very rules of the
/// consent page.
fn as_authorization_request(request: &CibaRequest) -> PushedRequest {
    PushedRequest {
        client_id: request.client_id.clone(),
        redirect_uri: String::new(),
        scope: request.scope.clone(),
        authorization_details: request.authorization_details.clone(),
        state: None,
        nonce: None,
        login_hint: None,
        code_challenge: String::new(),
        dpop_jkt: None,
        started: false,
        response_signing_alg: None,
        // A decoupled request always makes a new grant.
        grant_management_action: None,
        grant_id: None,
    }
}

/// Approves request `auth_req_id` for the customer it asks — when `customer` is given, only if
/// it is theirs (the dashboard passes the signed-in customer; the control API none) — sharing
/// `accounts` (by default all the customer's accounts). The grant is made as the consent page
/// makes it ([`grant::decide`], [`grant::create`]): only the customer's accounts, at least one
/// when account data is asked. In ping mode the client is notified. Returns the grant.
pub async fn approve(
    server: &AuthServer,
    auth_req_id: &str,
    customer: Option<&PartyId>,
    accounts: Option<&[AccountId]>,
) -> Result<Consent, DecisionError> {
    let (mut request, until) = undecided(server, auth_req_id, customer).await?;
    let owned = server
        .store
        .accounts_of_party(&request.party_id)
        .await
        .map_err(OAuthError::server_error)?;
    let owned_ids: Vec<AccountId> = owned.iter().map(|a| a.account_id.clone()).collect();
    let chosen = match accounts {
        Some(chosen) => {
            if let Some(foreign) = chosen.iter().find(|a| !owned_ids.contains(a)) {
                return Err(DecisionError::NotTheirs(
                    request.customer_name.clone(),
                    foreign.clone(),
                ));
            }
            chosen.to_vec()
        }
        None => owned_ids,
    };
    let asked = as_authorization_request(&request);
    if grant::needs_accounts(&asked) && chosen.is_empty() {
        return Err(DecisionError::NoAccountChosen);
    }
    if let Some(payment) = grant::payment_asked(&asked)
        && payments::debtor(payment, &owned, &chosen, None).is_none()
    {
        return Err(DecisionError::NoPayer);
    }
    let client = server
        .client(&request.client_id)
        .await?
        .ok_or(DecisionError::NotFound)?;
    if !claim_decision(server, auth_req_id, until).await? {
        return Err(DecisionError::NotFound);
    }
    let decision = grant::decide(&asked, &owned, &chosen, None);
    let consent = grant::create(
        server,
        &request.party_id,
        &client.client_id,
        &client.metadata.client_name,
        decision,
    )
    .await?;
    request.status = CibaStatus::Approved {
        grant_id: consent.consent_id.as_str().to_owned(),
        auth_time: server.now().timestamp(),
    };
    record(server, auth_req_id, &request, until).await?;
    ping::notify(auth_req_id, &request);
    Ok(consent)
}

/// Denies request `auth_req_id` (when `customer` is given, only if it is theirs): the client's
/// next poll gets `access_denied`. In ping mode the client is notified.
pub async fn deny(
    server: &AuthServer,
    auth_req_id: &str,
    customer: Option<&PartyId>,
) -> Result<(), DecisionError> {
    let (mut request, until) = undecided(server, auth_req_id, customer).await?;
    if !claim_decision(server, auth_req_id, until).await? {
        return Err(DecisionError::NotFound);
    }
    request.status = CibaStatus::Denied;
    record(server, auth_req_id, &request, until).await?;
    ping::notify(auth_req_id, &request);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn polling_faster_than_the_interval_slows_down_by_five_seconds() {
        let (slow, first) = pace(None, 5, at(0));
        assert!(!slow);
        assert_eq!(first.interval, 5);
        let (slow, second) = pace(Some(first), 5, at(2));
        assert!(slow);
        assert_eq!(second.interval, 10);
        let (slow, third) = pace(Some(second), 5, at(9));
        assert!(slow, "9 s after a poll is too early with a 10 s interval");
        assert_eq!(third.interval, 15);
        let (slow, fourth) = pace(Some(third), 5, at(24));
        assert!(!slow);
        assert_eq!(fourth.interval, 15);
    }

    #[test]
    fn requested_expiry_is_a_positive_number_as_text_bounded() {
        let default = Duration::seconds(300);
        let max = Duration::seconds(1800);
        let parse = |raw| requested_expiry(raw, default, max);
        assert_eq!(parse(None).unwrap(), default);
        assert_eq!(parse(Some("120")).unwrap(), Duration::seconds(120));
        assert_eq!(parse(Some("120.0")).unwrap(), Duration::seconds(120));
        assert_eq!(parse(Some("99999999")).unwrap(), max);
        for bad in ["0", "-5", "soon", "1.5", "NaN", ""] {
            assert_eq!(
                parse(Some(bad)).unwrap_err().code,
                "invalid_request",
                "{bad}"
            );
        }
    }

    #[test]
    fn notification_tokens_must_fit_a_bearer_header() {
        assert!(is_b64token("abcDEF123-._~+/=="));
        assert!(!is_b64token("has space"));
        assert!(!is_b64token("new\nline"));
        assert!(!is_b64token("==="));
    }

    #[test]
    fn the_notification_token_is_redacted() {
        let token = NotificationToken("very-secret-notification-token".into());
        assert!(!format!("{token:?}").contains("secret"));
    }
}
