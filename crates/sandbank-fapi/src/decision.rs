//! Deciding a pending authorization request without its pages, for the sandbox control API: a
//! test suite approves or denies what a customer would have in the browser, and gets back the
//! very authorization response the browser would have been redirected to.
//!
//! The decision goes through the same code as the consent page ([`authorize::approved`],
//! [`authorize::denied`], [`grant::decide`]): the grant, the code and the redirect are what a
//! click on Approve or Deny makes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sandbank_schemas::common::AccountId;

use crate::error::OAuthError;
use crate::par::{PushedRequest, REQUEST_URI_PREFIX};
use crate::routes::authorize::{self, Interaction, LoggedIn, Pending, Unanswerable};
use crate::state::{AuthServer, kinds};
use crate::{grant, payments};

/// An authorization request pushed and not yet answered.
#[derive(Debug, Clone)]
pub struct PendingAuthorization {
    /// Its `request_uri`, which the client knows: the id to approve or deny it by.
    pub request_uri: String,
    /// The login and consent pages' interaction, once a browser reached `/authorize`.
    pub interaction_id: Option<String>,
    /// The request.
    pub request: PushedRequest,
    /// The client's name.
    pub client_name: String,
    /// When it can no longer be answered.
    pub expires_at: DateTime<Utc>,
    /// The customer who signed in on the login page, if one did.
    pub customer: Option<LoggedIn>,
}

/// Why a decision could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DecisionError {
    /// No pending request has this id: unknown, expired, or already answered.
    #[error("no pending authorization request has this id (unknown, expired or already answered)")]
    NotFound,
    /// No customer logs in with this username.
    #[error("no customer logs in as {0:?}")]
    UnknownCustomer(String),
    /// No username was given, and the request names no customer (`login_hint`) nor has one
    /// signed in on the page.
    #[error(
        "say which customer approves: give a username (the request has no login_hint and nobody signed in)"
    )]
    NoCustomer,
    /// An account to share is not the customer's.
    #[error("account {1} is not {0}'s")]
    NotTheirs(String, AccountId),
    /// The request asks for account data and no account was chosen.
    #[error("the request asks for account data: choose at least one of the customer's accounts")]
    NoAccountChosen,
    /// The request asks for a payment and none of the accounts chosen (or the one it names) can
    /// make it: an open deposit account of the customer's in the payment's currency.
    #[error(
        "the request asks for a payment: choose an open deposit account of the customer's in the payment's currency to pay from"
    )]
    NoPayer,
    /// The server failed.
    #[error("{0}")]
    Server(String),
}

impl From<OAuthError> for DecisionError {
    fn from(error: OAuthError) -> Self {
        DecisionError::Server(error.description)
    }
}

impl From<Unanswerable> for DecisionError {
    fn from(error: Unanswerable) -> Self {
        match error {
            Unanswerable::Gone(_) => DecisionError::NotFound,
            Unanswerable::Failed(message) => DecisionError::Server(message.to_owned()),
        }
    }
}

/// Every pushed request that can still be answered, oldest first.
pub async fn pending_authorizations(
    server: &AuthServer,
) -> Result<Vec<PendingAuthorization>, OAuthError> {
    let now = server.now();
    let auth = server.auth();
    let interactions = interactions_by_request_uri(server).await?;
    let mut client_names: HashMap<String, String> = HashMap::new();
    let mut pending = Vec::new();
    let mut requests = auth
        .list(kinds::PAR, now)
        .await
        .map_err(OAuthError::server_error)?;
    requests.sort_by_key(|(_, entry)| entry.created_at);
    for (request_uri, entry) in requests {
        if entry.consumed_at.is_some() {
            continue;
        }
        let Ok(request) = serde_json::from_value::<PushedRequest>(entry.value) else {
            continue;
        };
        let client_name = match client_names.get(&request.client_id) {
            Some(name) => name.clone(),
            None => {
                let Some(client) = server.client(&request.client_id).await? else {
                    continue;
                };
                let name = client.metadata.client_name;
                client_names.insert(request.client_id.clone(), name.clone());
                name
            }
        };
        let interaction = interactions.get(&request_uri);
        pending.push(PendingAuthorization {
            interaction_id: interaction.map(|(id, _)| id.clone()),
            customer: interaction.and_then(|(_, i)| i.customer.clone()),
            request_uri,
            request,
            client_name,
            expires_at: entry.expires_at,
        });
    }
    Ok(pending)
}

/// The interaction (a login page a browser opened) of each pushed request, by `request_uri`,
/// with its id. A request opened more than once has several; the one where a customer signed in
/// stands for it, and among equals the latest.
async fn interactions_by_request_uri(
    server: &AuthServer,
) -> Result<HashMap<String, (String, Interaction)>, OAuthError> {
    let mut entries: Vec<_> = server
        .auth()
        .list(kinds::INTERACTION, server.now())
        .await
        .map_err(OAuthError::server_error)?
        .into_iter()
        .filter_map(|(id, entry)| {
            let interaction: Interaction = serde_json::from_value(entry.value).ok()?;
            Some((
                (interaction.customer.is_some(), entry.created_at),
                id,
                interaction,
            ))
        })
        .collect();
    // Later entries overwrite earlier ones in the map: the preferred one goes last.
    entries.sort_by_key(|(rank, _, _)| *rank);
    Ok(entries
        .into_iter()
        .map(|(_, id, interaction)| (interaction.request_uri.clone(), (id, interaction)))
        .collect())
}

/// The request `id` names — its `request_uri`, or the id of an interaction that answers it —
/// and the interaction, if a browser started one.
async fn resolve(
    server: &AuthServer,
    id: &str,
) -> Result<(Pending, Option<(String, Interaction)>), DecisionError> {
    let (request_uri, interaction) = if id.starts_with(REQUEST_URI_PREFIX) {
        let interaction = interactions_by_request_uri(server).await?.remove(id);
        (id.to_owned(), interaction)
    } else {
        match server.read::<Interaction>(kinds::INTERACTION, id).await? {
            Some(interaction) => (
                interaction.request_uri.clone(),
                Some((id.to_owned(), interaction)),
            ),
            None => return Err(DecisionError::NotFound),
        }
    };
    let pending = authorize::find_pending(server, &request_uri, None).await?;
    Ok((pending, interaction))
}

/// The page's interaction is over once the request is answered.
async fn forget(server: &AuthServer, interaction: Option<(String, Interaction)>) {
    if let Some((id, _)) = interaction
        && let Err(e) = server.auth().delete(kinds::INTERACTION, &id).await
    {
        tracing::warn!(error = %e, "deleting a finished interaction failed");
    }
}

/// Approves request `id` (a `request_uri` or an interaction id) as `username` — by default the
/// customer who signed in on the page, else the request's `login_hint` — sharing `accounts` (by
/// default all the customer's accounts). Returns the authorization response URL: the client's
/// redirect URI with `code`, `state` and `iss`.
pub async fn approve(
    server: &AuthServer,
    id: &str,
    username: Option<&str>,
    accounts: Option<&[AccountId]>,
) -> Result<String, DecisionError> {
    let (pending, interaction) = resolve(server, id).await?;
    let signed_in = interaction.as_ref().and_then(|(_, i)| i.customer.clone());
    let who = match (username, signed_in, &pending.request.login_hint) {
        (Some(username), _, _) => customer(server, username).await?,
        (None, Some(signed_in), _) => signed_in,
        (None, None, Some(hint)) => customer(server, hint).await?,
        (None, None, None) => return Err(DecisionError::NoCustomer),
    };
    let owned = server
        .store
        .accounts_of_party(&who.party_id)
        .await
        .map_err(OAuthError::server_error)?;
    let owned_ids: Vec<AccountId> = owned.iter().map(|a| a.account_id.clone()).collect();
    let chosen = match accounts {
        Some(chosen) => {
            if let Some(foreign) = chosen.iter().find(|a| !owned_ids.contains(a)) {
                return Err(DecisionError::NotTheirs(
                    who.display_name.clone(),
                    foreign.clone(),
                ));
            }
            chosen.to_vec()
        }
        None => owned_ids,
    };
    if grant::needs_accounts(&pending.request) && chosen.is_empty() {
        return Err(DecisionError::NoAccountChosen);
    }
    if let Some(payment) = grant::payment_asked(&pending.request)
        && payments::debtor(payment, &owned, &chosen, None).is_none()
    {
        return Err(DecisionError::NoPayer);
    }
    let url = authorize::approved(server, &pending, &who, &owned, &chosen, None).await?;
    forget(server, interaction).await;
    Ok(url.into())
}

/// Denies request `id`: the authorization response URL carries `error=access_denied`.
pub async fn deny(server: &AuthServer, id: &str) -> Result<String, DecisionError> {
    let (pending, interaction) = resolve(server, id).await?;
    let url = authorize::denied(server, &pending).await?;
    forget(server, interaction).await;
    Ok(url.into())
}

async fn customer(server: &AuthServer, username: &str) -> Result<LoggedIn, DecisionError> {
    let username = username.trim().to_lowercase();
    match server.store.customer_by_username(&username).await {
        Ok(Some(customer)) => Ok(LoggedIn {
            party_id: customer.party_id,
            display_name: customer.display_name,
            auth_time: server.now().timestamp(),
        }),
        Ok(None) => Err(DecisionError::UnknownCustomer(username)),
        Err(e) => Err(OAuthError::server_error(e).into()),
    }
}
