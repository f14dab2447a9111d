//! Grants: what a customer consented to, stored under [`kinds::GRANT`] by `grant_id` as a
//! [`Consent`] (`consent_id` = `grant_id`). Tokens issued on a grant work while it is `ACTIVE`:
//! every use of a token reads its grant ([`crate::lookup::check_usable`]), so a change here —
//! revoked, an account removed, permissions replaced — holds for every token at once, on every
//! instance sharing the database.
//!
//! Grant Management for OAuth 2.0: an authorization request may ask to `create` a grant,
//! `merge` what it asks into an existing one or `replace` an existing one's permissions
//! ([`Action`]); the client queries and revokes its grants at `/grants/{grant_id}`
//! ([`crate::routes::grants`]).
//!
//! Every change to a stored grant is a read, a change and a compare-and-swap
//! ([`sandbank_store::AuthState::replace_if`]): of two changes racing (a merge on one instance,
//! a revocation on another), neither is lost — the later one reads the earlier one's result and
//! applies itself to it.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use sandbank_schemas::common::{AccountId, ClientId, ConsentId, PartyId};
use sandbank_schemas::consent::{AuthorizationDetail, Consent, ConsentStatus, Permission};
use sandbank_schemas::{Account, PaymentRequest};
use serde::{Deserialize, Serialize};

use crate::error::OAuthError;
use crate::jose::random_token;
use crate::par::PushedRequest;
use crate::state::{AuthServer, kinds};
use crate::{payments, scope};

/// The path the grant management endpoint's grant ids are appended to
/// (`grant_management_endpoint` is the issuer plus this).
pub const ENDPOINT_PATH: &str = "/grants";

/// How many times a change is retried when another change to the same grant lands between
/// its read and its write.
const WRITE_ATTEMPTS: usize = 8;

/// `grant_management_action` (Grant Management for OAuth 2.0 §4.1): what an authorization
/// request does to grants. Discovery's `grant_management_actions_supported` is
/// [`Action::ALL`], so the metadata names exactly what is implemented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A new grant; its id is in the token response (`grant_id`).
    Create,
    /// Adds what is approved now to the grant `grant_id`: scopes, accounts, permissions and
    /// authorization details become the union of both.
    Merge,
    /// Replaces the permissions of the grant `grant_id` with what is approved now; its id
    /// stays.
    Replace,
}

impl Action {
    /// Every action the server supports.
    pub const ALL: [Action; 3] = [Action::Create, Action::Merge, Action::Replace];

    /// Its name in requests and metadata.
    pub fn name(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Merge => "merge",
            Action::Replace => "replace",
        }
    }

    /// The action named `name`, if the server supports it.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|action| action.name() == name)
    }

    /// The names of [`Action::ALL`], for the metadata.
    pub fn names() -> Vec<&'static str> {
        Action::ALL.into_iter().map(Action::name).collect()
    }

    /// Whether the action works on an existing grant, named by `grant_id`.
    pub fn needs_grant_id(self) -> bool {
        !matches!(self, Action::Create)
    }
}

/// Why a change to a grant was not made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GrantError {
    /// No grant has this id, or it is no longer active (revoked, expired).
    #[error("the grant is unknown or no longer active")]
    NotActive,
    /// The grant belongs to another client.
    #[error("the grant belongs to another client")]
    OtherClient,
    /// The grant was given by another customer than the one approving.
    #[error("the grant was given by another customer")]
    OtherCustomer,
    /// Other changes to the grant kept landing between this one's read and write.
    #[error("the grant kept changing while it was being updated; try again")]
    Contended,
    /// The server failed (logged).
    #[error("{0}")]
    Server(OAuthError),
}

impl From<OAuthError> for GrantError {
    fn from(error: OAuthError) -> Self {
        GrantError::Server(error)
    }
}

impl From<GrantError> for OAuthError {
    fn from(error: GrantError) -> Self {
        match error {
            GrantError::Server(error) => error,
            GrantError::Contended => OAuthError::server_error(GrantError::Contended),
            other => OAuthError::invalid_grant_id(other.to_string()),
        }
    }
}

/// What a customer grants, decided from the request and the accounts they chose.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Scopes granted.
    pub scopes: Vec<String>,
    /// Accounts the grant reaches.
    pub account_ids: Vec<AccountId>,
    /// Permissions on them.
    pub permissions: Vec<Permission>,
    /// Authorization details granted, with their accounts narrowed to what was chosen.
    pub authorization_details: Vec<AuthorizationDetail>,
}

/// Decides what is granted when the customer who holds `owned` accounts chooses `chosen`.
///
/// Accounts that are not the customer's are never granted, whatever was chosen or asked. Data
/// scopes reach every chosen account; an `account_information` detail reaches the accounts it
/// names among the chosen ones (all chosen ones when it names none); a `payment_initiation`
/// detail is kept when an account of the customer's pays it ([`payments::debtor`]: the one it
/// names, else `payer`, else the first chosen account that can), and the granted detail names
/// that account.
pub fn decide(
    request: &PushedRequest,
    owned: &[Account],
    picked: &[AccountId],
    payer: Option<&AccountId>,
) -> Decision {
    let owned_ids: Vec<&AccountId> = owned.iter().map(|a| &a.account_id).collect();
    let chosen: BTreeSet<&AccountId> = picked.iter().filter(|a| owned_ids.contains(a)).collect();
    let scope_permissions = scope::permissions(&request.scope);
    let mut permissions: BTreeSet<Permission> = scope_permissions.clone();
    let mut accounts: BTreeSet<AccountId> = if scope_permissions.is_empty() {
        BTreeSet::new()
    } else {
        chosen.iter().map(|a| (*a).clone()).collect()
    };
    let mut details = Vec::new();
    for detail in &request.authorization_details {
        match detail {
            AuthorizationDetail::AccountInformation {
                accounts: asked,
                permissions: asked_permissions,
            } => {
                let granted: Vec<AccountId> = if asked.is_empty() {
                    chosen.iter().map(|a| (*a).clone()).collect()
                } else {
                    asked
                        .iter()
                        .filter(|a| chosen.contains(a))
                        .cloned()
                        .collect()
                };
                accounts.extend(granted.iter().cloned());
                permissions.extend(asked_permissions.iter().copied());
                details.push(AuthorizationDetail::AccountInformation {
                    accounts: granted,
                    permissions: asked_permissions.clone(),
                });
            }
            AuthorizationDetail::PaymentInitiation(payment) => {
                if let Some(debtor) = payments::debtor(payment, owned, picked, payer) {
                    permissions.insert(Permission::Payments);
                    details.push(AuthorizationDetail::PaymentInitiation(PaymentRequest {
                        debtor_account: Some(debtor),
                        ..payment.clone()
                    }));
                }
            }
        }
    }
    Decision {
        scopes: request.scope.iter().cloned().collect(),
        account_ids: accounts.into_iter().collect(),
        permissions: permissions.into_iter().collect(),
        authorization_details: details,
    }
}

/// Whether the request asks to share account data: data scopes or an `account_information`
/// detail.
pub fn shares_data(request: &PushedRequest) -> bool {
    !scope::permissions(&request.scope).is_empty()
        || request
            .authorization_details
            .iter()
            .any(|d| matches!(d, AuthorizationDetail::AccountInformation { .. }))
}

/// Whether the customer must choose accounts: to share account data ([`shares_data`]), or to
/// pay from, when the payment asked leaves that open.
pub fn needs_accounts(request: &PushedRequest) -> bool {
    shares_data(request) || payment_asked(request).is_some_and(|p| p.debtor_account.is_none())
}

/// The payment a request asks the customer to consent to, if any.
pub fn payment_asked(request: &PushedRequest) -> Option<&PaymentRequest> {
    AuthorizationDetail::payment_of(&request.authorization_details)
}

/// Stores a new `ACTIVE` grant and returns it.
pub async fn create(
    server: &AuthServer,
    customer: &PartyId,
    client_id: &str,
    client_name: &str,
    decision: Decision,
) -> Result<Consent, OAuthError> {
    let now = server.now();
    let lifetime = server.config.lifetimes.grant;
    let consent = Consent {
        consent_id: ConsentId::new(format!("grant-{}", random_token(16)))
            .map_err(OAuthError::server_error)?,
        customer_id: customer.clone(),
        client_id: ClientId::new(client_id).map_err(OAuthError::server_error)?,
        client_name: client_name.to_owned(),
        status: ConsentStatus::Active,
        scopes: decision.scopes,
        account_ids: decision.account_ids,
        permissions: decision.permissions,
        authorization_details: decision.authorization_details,
        created_at: now,
        updated_at: now,
        expires_at: Some(now + lifetime),
    };
    server
        .write(
            kinds::GRANT,
            consent.consent_id.as_str(),
            &consent,
            lifetime,
        )
        .await?;
    Ok(consent)
}

/// Whether a grant is in force at `now`.
pub fn is_active(grant: &Consent, now: DateTime<Utc>) -> bool {
    grant.status == ConsentStatus::Active && grant.expires_at.is_none_or(|e| e > now)
}

/// The grant as stored, whatever its status (revoked grants stay until they would have
/// expired).
pub async fn stored(server: &AuthServer, grant_id: &str) -> Result<Option<Consent>, OAuthError> {
    server.read(kinds::GRANT, grant_id).await
}

/// The grant, when it exists and is in force.
pub async fn active(server: &AuthServer, grant_id: &str) -> Result<Option<Consent>, OAuthError> {
    let grant = stored(server, grant_id).await?;
    Ok(grant.filter(|g| is_active(g, server.now())))
}

/// The grant a pushed request wants to `merge` into or `replace`: it must be active and
/// `client_id`'s. Otherwise `invalid_grant_id`, with one description for unknown, inactive and
/// foreign grants so that no client learns about another's.
pub async fn target(
    server: &AuthServer,
    client_id: &str,
    grant_id: &str,
) -> Result<Consent, OAuthError> {
    match active(server, grant_id).await? {
        Some(grant) if grant.client_id.as_str() == client_id => Ok(grant),
        _ => Err(OAuthError::invalid_grant_id(
            "grant_id names no active grant of this client",
        )),
    }
}

/// Every grant stored (active, revoked, expired), newest first.
pub async fn all(server: &AuthServer) -> Result<Vec<Consent>, OAuthError> {
    let mut grants: Vec<Consent> = server
        .auth()
        .list(kinds::GRANT, server.now())
        .await
        .map_err(OAuthError::server_error)?
        .into_iter()
        .filter_map(|(_, entry)| serde_json::from_value(entry.value).ok())
        .collect();
    grants.sort_by(|a, b| {
        (b.created_at, b.consent_id.as_str()).cmp(&(a.created_at, a.consent_id.as_str()))
    });
    Ok(grants)
}

/// The customer's grants in force, newest first: what the privacy dashboard lists.
pub async fn grants_of_customer(
    server: &AuthServer,
    customer: &PartyId,
) -> Result<Vec<Consent>, OAuthError> {
    let now = server.now();
    Ok(all(server)
        .await?
        .into_iter()
        .filter(|grant| grant.customer_id == *customer && is_active(grant, now))
        .collect())
}

/// Reads grant `grant_id`, applies `change` and writes the result back only if nobody changed
/// the grant in between (compare-and-swap), retrying on the fresh grant otherwise. `updated_at`
/// is set to now; the store entry lives until the grant's `expires_at`.
async fn update<F>(
    server: &AuthServer,
    grant_id: &str,
    mut change: F,
) -> Result<Consent, GrantError>
where
    F: FnMut(&mut Consent, DateTime<Utc>) -> Result<(), GrantError>,
{
    let auth = server.auth();
    for _ in 0..WRITE_ATTEMPTS {
        let now = server.now();
        let entry = auth
            .get(kinds::GRANT, grant_id, now)
            .await
            .map_err(OAuthError::server_error)?
            .ok_or(GrantError::NotActive)?;
        let mut grant: Consent =
            serde_json::from_value(entry.value.clone()).map_err(OAuthError::server_error)?;
        change(&mut grant, now)?;
        grant.updated_at = now;
        let keep_until = grant
            .expires_at
            .unwrap_or(now + server.config.lifetimes.grant)
            .max(now + Duration::seconds(1));
        let value = serde_json::to_value(&grant).map_err(OAuthError::server_error)?;
        let written = auth
            .replace_if(
                kinds::GRANT,
                grant_id,
                &entry.value,
                &value,
                now,
                keep_until,
            )
            .await
            .map_err(OAuthError::server_error)?;
        if written {
            return Ok(grant);
        }
    }
    Err(GrantError::Contended)
}

/// The grant, if it may be changed by an approval of `client_id`'s request by `customer`.
fn changeable(
    grant: &Consent,
    client_id: &str,
    customer: &PartyId,
    now: DateTime<Utc>,
) -> Result<(), GrantError> {
    if !is_active(grant, now) {
        return Err(GrantError::NotActive);
    }
    if grant.client_id.as_str() != client_id {
        return Err(GrantError::OtherClient);
    }
    if grant.customer_id != *customer {
        return Err(GrantError::OtherCustomer);
    }
    Ok(())
}

/// `merge`: the grant keeps its id and gains what `decision` grants — scopes, accounts,
/// permissions and authorization details become the union of both (details that are equal are
/// kept once). The customer approving must be the one who gave the grant. The grant's expiry
/// starts again from now, as for a new consent.
pub async fn merge(
    server: &AuthServer,
    grant_id: &str,
    client_id: &str,
    customer: &PartyId,
    decision: &Decision,
) -> Result<Consent, GrantError> {
    let lifetime = server.config.lifetimes.grant;
    update(server, grant_id, |grant, now| {
        changeable(grant, client_id, customer, now)?;
        let scopes: BTreeSet<String> = grant
            .scopes
            .iter()
            .chain(&decision.scopes)
            .cloned()
            .collect();
        grant.scopes = scopes.into_iter().collect();
        let accounts: BTreeSet<AccountId> = grant
            .account_ids
            .iter()
            .chain(&decision.account_ids)
            .cloned()
            .collect();
        grant.account_ids = accounts.into_iter().collect();
        let permissions: BTreeSet<Permission> = grant
            .permissions
            .iter()
            .chain(&decision.permissions)
            .copied()
            .collect();
        grant.permissions = permissions.into_iter().collect();
        for detail in &decision.authorization_details {
            if !grant.authorization_details.contains(detail) {
                grant.authorization_details.push(detail.clone());
            }
        }
        grant.expires_at = Some(now + lifetime);
        Ok(())
    })
    .await
}

/// `replace`: the grant keeps its id and its permissions become exactly what `decision`
/// grants; tokens issued on it before lose what the new permissions lack at once (the
/// resource-server guard intersects every token with its grant). The customer approving must
/// be the one who gave the grant. The grant's expiry starts again from now.
pub async fn replace(
    server: &AuthServer,
    grant_id: &str,
    client_id: &str,
    customer: &PartyId,
    decision: &Decision,
) -> Result<Consent, GrantError> {
    let lifetime = server.config.lifetimes.grant;
    update(server, grant_id, |grant, now| {
        changeable(grant, client_id, customer, now)?;
        grant.scopes = decision.scopes.clone();
        grant.account_ids = decision.account_ids.clone();
        grant.permissions = decision.permissions.clone();
        grant.authorization_details = decision.authorization_details.clone();
        grant.expires_at = Some(now + lifetime);
        Ok(())
    })
    .await
}

/// Marks the grant `REVOKED` and returns it: every token issued on it stops working at once.
/// [`GrantError::NotActive`] when it is unknown or no longer active.
pub async fn revoke_grant(server: &AuthServer, grant_id: &str) -> Result<Consent, GrantError> {
    update(server, grant_id, |grant, now| {
        if !is_active(grant, now) {
            return Err(GrantError::NotActive);
        }
        grant.status = ConsentStatus::Revoked;
        Ok(())
    })
    .await
}

/// Marks a grant `REVOKED`: every token issued on it stops working at once. A grant that is
/// unknown or no longer active is left as it is.
pub async fn revoke(server: &AuthServer, grant_id: &str) -> Result<(), OAuthError> {
    match revoke_grant(server, grant_id).await {
        Ok(_) | Err(GrantError::NotActive) => Ok(()),
        Err(other) => Err(other.into()),
    }
}

/// Stops sharing `account` on the grant: it leaves `account_ids` and every
/// `account_information` detail (a detail left with no account is dropped). When the grant
/// reached accounts and now reaches none, it is revoked instead, since it no longer grants the
/// data it was given for. An account the grant does not reach changes nothing. Returns the
/// grant as it now is; [`GrantError::NotActive`] when it is unknown or no longer active.
pub async fn remove_account(
    server: &AuthServer,
    grant_id: &str,
    account: &AccountId,
) -> Result<Consent, GrantError> {
    update(server, grant_id, |grant, now| {
        if !is_active(grant, now) {
            return Err(GrantError::NotActive);
        }
        without_account(grant, account);
        Ok(())
    })
    .await
}

/// [`remove_account`]'s change: `account` leaves the grant's accounts, its
/// `account_information` details (a detail left with none is dropped) and its
/// `payment_initiation` details from that account; a grant that reached accounts and now
/// reaches none is `REVOKED`.
pub fn without_account(grant: &mut Consent, account: &AccountId) {
    let had_accounts = !grant.account_ids.is_empty();
    grant.account_ids.retain(|a| a != account);
    grant
        .authorization_details
        .retain_mut(|detail| match detail {
            AuthorizationDetail::AccountInformation { accounts, .. } => {
                let before = accounts.len();
                accounts.retain(|a| a != account);
                before == 0 || !accounts.is_empty()
            }
            AuthorizationDetail::PaymentInitiation(payment) => {
                payment.debtor_account.as_ref() != Some(account)
            }
        });
    if had_accounts && grant.account_ids.is_empty() {
        grant.status = ConsentStatus::Revoked;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> AccountId {
        AccountId::new(s).unwrap()
    }

    /// Accounts with these ids: the example deposit account under each.
    fn accounts(ids: &[&str]) -> Vec<Account> {
        let template = sandbank_schemas::examples::accounts()
            .into_iter()
            .find(payments::pays_from)
            .unwrap();
        ids.iter()
            .map(|i| Account {
                account_id: id(i),
                ..template.clone()
            })
            .collect()
    }

    fn request(scope: &[&str], details: Vec<AuthorizationDetail>) -> PushedRequest {
        PushedRequest {
            client_id: "c".into(),
            redirect_uri: "https://a.example/cb".into(),
            scope: scope.iter().map(|s| s.to_string()).collect(),
            authorization_details: details,
            state: None,
            nonce: None,
            login_hint: None,
            code_challenge: String::new(),
            dpop_jkt: None,
            started: false,
            response_signing_alg: None,
            grant_management_action: None,
            grant_id: None,
        }
    }

    #[test]
    fn only_the_customers_chosen_accounts_are_granted() {
        let owned = accounts(&["a1", "a2", "a3"]);
        let decision = decide(
            &request(&["accounts", "balances", "openid"], vec![]),
            &owned,
            &[id("a1"), id("a3"), id("someone-elses")],
            None,
        );
        assert_eq!(decision.account_ids, vec![id("a1"), id("a3")]);
        assert_eq!(
            decision.permissions,
            vec![Permission::Accounts, Permission::Balances]
        );
    }

    #[test]
    fn account_information_details_are_narrowed_to_the_chosen_accounts() {
        let owned = accounts(&["a1", "a2"]);
        let detail = AuthorizationDetail::AccountInformation {
            accounts: vec![id("a2"), id("x9")],
            permissions: vec![Permission::Transactions],
        };
        let decision = decide(
            &request(&[], vec![detail]),
            &owned,
            &[id("a1"), id("a2")],
            None,
        );
        assert_eq!(decision.account_ids, vec![id("a2")]);
        assert_eq!(decision.permissions, vec![Permission::Transactions]);
        assert_eq!(
            decision.authorization_details,
            vec![AuthorizationDetail::AccountInformation {
                accounts: vec![id("a2")],
                permissions: vec![Permission::Transactions],
            }]
        );
    }

    #[test]
    fn a_payment_is_granted_from_the_account_that_pays_it() {
        let owned = accounts(&["a1", "a2"]);
        let open = PaymentRequest {
            debtor_account: None,
            ..sandbank_schemas::examples::payment_requests().remove(0)
        };
        let asked = request(
            &[],
            vec![AuthorizationDetail::PaymentInitiation(open.clone())],
        );
        let decision = decide(&asked, &owned, &[id("a1")], Some(&id("a2")));
        assert_eq!(decision.permissions, vec![Permission::Payments]);
        assert_eq!(
            decision.authorization_details,
            vec![AuthorizationDetail::PaymentInitiation(PaymentRequest {
                debtor_account: Some(id("a2")),
                ..open.clone()
            })]
        );
        // A payment-only consent shares no account data.
        assert!(decision.account_ids.is_empty());
        // No account of the customer's pays it: nothing is granted.
        let foreign = PaymentRequest {
            debtor_account: Some(id("someone-elses")),
            ..open
        };
        let decision = decide(
            &request(&[], vec![AuthorizationDetail::PaymentInitiation(foreign)]),
            &owned,
            &[id("a1")],
            None,
        );
        assert!(decision.authorization_details.is_empty() && decision.permissions.is_empty());
    }

    fn grant(accounts: &[&str], details: Vec<AuthorizationDetail>) -> Consent {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        Consent {
            consent_id: ConsentId::new("grant-1").unwrap(),
            customer_id: PartyId::new("p1").unwrap(),
            client_id: ClientId::new("c1").unwrap(),
            client_name: "App".into(),
            status: ConsentStatus::Active,
            scopes: vec!["accounts".into()],
            account_ids: accounts.iter().map(|a| id(a)).collect(),
            permissions: vec![Permission::Accounts, Permission::Transactions],
            authorization_details: details,
            created_at: now,
            updated_at: now,
            expires_at: None,
        }
    }

    #[test]
    fn a_removed_account_leaves_the_grant_and_its_details() {
        let mut g = grant(
            &["a1", "a2"],
            vec![
                AuthorizationDetail::AccountInformation {
                    accounts: vec![id("a1"), id("a2")],
                    permissions: vec![Permission::Transactions],
                },
                AuthorizationDetail::AccountInformation {
                    accounts: vec![id("a2")],
                    permissions: vec![Permission::Balances],
                },
            ],
        );
        without_account(&mut g, &id("a2"));
        assert_eq!(g.account_ids, vec![id("a1")]);
        assert_eq!(
            g.authorization_details,
            vec![AuthorizationDetail::AccountInformation {
                accounts: vec![id("a1")],
                permissions: vec![Permission::Transactions],
            }]
        );
        assert_eq!(g.status, ConsentStatus::Active);
        // An account the grant does not reach changes nothing.
        let before = g.clone();
        without_account(&mut g, &id("zz"));
        assert_eq!(g, before);
        // The last account: the grant no longer grants the data it was given for.
        without_account(&mut g, &id("a1"));
        assert!(g.account_ids.is_empty() && g.authorization_details.is_empty());
        assert_eq!(g.status, ConsentStatus::Revoked);
    }

    #[test]
    fn the_actions_are_named_as_in_the_specification() {
        assert_eq!(Action::names(), vec!["create", "merge", "replace"]);
        for action in Action::ALL {
            assert_eq!(Action::from_name(action.name()), Some(action));
            assert_eq!(
                serde_json::to_value(action).unwrap(),
                serde_json::Value::from(action.name())
            );
        }
        assert_eq!(Action::from_name("update"), None);
        assert_eq!(Action::from_name("Create"), None);
    }
}
