//! Grants: what a customer consented to, stored under [`kinds::GRANT`] by `grant_id` as a
//! [`Consent`] (`consent_id` = `grant_id`). Tokens issued on a grant work while it is `ACTIVE`.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use sandbank_schemas::common::{AccountId, ClientId, ConsentId, PartyId};
use sandbank_schemas::consent::{AuthorizationDetail, Consent, ConsentStatus, Permission};

use crate::error::OAuthError;
use crate::jose::random_token;
use crate::par::PushedRequest;
use crate::scope;
use crate::state::{AuthServer, kinds};

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
/// detail is kept when its debtor account, if any, is the customer's.
pub fn decide(request: &PushedRequest, owned: &[AccountId], chosen: &[AccountId]) -> Decision {
    let chosen: BTreeSet<&AccountId> = chosen.iter().filter(|a| owned.contains(a)).collect();
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
            AuthorizationDetail::PaymentInitiation { debtor_account, .. } => {
                if debtor_account.as_ref().is_none_or(|a| owned.contains(a)) {
                    permissions.insert(Permission::Payments);
                    details.push(detail.clone());
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

/// Whether the customer must choose accounts: data scopes or an `account_information` detail
/// were asked.
pub fn needs_accounts(request: &PushedRequest) -> bool {
    !scope::permissions(&request.scope).is_empty()
        || request
            .authorization_details
            .iter()
            .any(|d| matches!(d, AuthorizationDetail::AccountInformation { .. }))
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

/// The grant, when it exists and is in force.
pub async fn active(server: &AuthServer, grant_id: &str) -> Result<Option<Consent>, OAuthError> {
    let grant: Option<Consent> = server.read(kinds::GRANT, grant_id).await?;
    Ok(grant.filter(|g| is_active(g, server.now())))
}

/// Marks a grant `REVOKED`: every token issued on it stops working at once.
pub async fn revoke(server: &AuthServer, grant_id: &str) -> Result<(), OAuthError> {
    let Some(mut grant) = server.read::<Consent>(kinds::GRANT, grant_id).await? else {
        return Ok(());
    };
    let now = server.now();
    grant.status = ConsentStatus::Revoked;
    grant.updated_at = now;
    let ttl = grant
        .expires_at
        .map(|e| e - now)
        .unwrap_or(server.config.lifetimes.grant)
        .max(Duration::seconds(1));
    server.write(kinds::GRANT, grant_id, &grant, ttl).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> AccountId {
        AccountId::new(s).unwrap()
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
        }
    }

    #[test]
    fn only_the_customers_chosen_accounts_are_granted() {
        let owned = [id("a1"), id("a2"), id("a3")];
        let decision = decide(
            &request(&["accounts", "balances", "openid"], vec![]),
            &owned,
            &[id("a1"), id("a3"), id("someone-elses")],
        );
        assert_eq!(decision.account_ids, vec![id("a1"), id("a3")]);
        assert_eq!(
            decision.permissions,
            vec![Permission::Accounts, Permission::Balances]
        );
    }

    #[test]
    fn account_information_details_are_narrowed_to_the_chosen_accounts() {
        let owned = [id("a1"), id("a2")];
        let detail = AuthorizationDetail::AccountInformation {
            accounts: vec![id("a2"), id("x9")],
            permissions: vec![Permission::Transactions],
        };
        let decision = decide(&request(&[], vec![detail]), &owned, &owned);
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
}
