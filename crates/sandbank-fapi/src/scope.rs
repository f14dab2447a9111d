//! Scopes: parsed into a set, checked against what the server knows and the client may ask.

use std::collections::BTreeSet;

use sandbank_schemas::consent::Permission;

use crate::client::Client;
use crate::error::OAuthError;
use crate::routes::discovery::{GRANT_MANAGEMENT_QUERY, GRANT_MANAGEMENT_REVOKE, SCOPES};

/// A parsed `scope` parameter: order and repeats do not matter.
pub type ScopeSet = BTreeSet<String>;

/// Parses a space-separated scope list. Unknown scopes are refused with `invalid_scope` rather
/// than silently dropped, so a typo shows at once; so are scopes outside the client's
/// registered `scope`.
pub fn parse(scope: Option<&str>, client: &Client) -> Result<ScopeSet, OAuthError> {
    let requested: ScopeSet = scope
        .unwrap_or_default()
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if let Some(unknown) = requested.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return Err(OAuthError::invalid_scope(format!(
            "unknown scope {unknown}; supported scopes: {}",
            SCOPES.join(" ")
        )));
    }
    if let Some(allowed) = &client.metadata.scope {
        let allowed: BTreeSet<&str> = allowed.split(' ').collect();
        if let Some(denied) = requested.iter().find(|s| !allowed.contains(s.as_str())) {
            return Err(OAuthError::invalid_scope(format!(
                "the client is not registered for the scope {denied}"
            )));
        }
    }
    Ok(requested)
}

/// The permission a scope stands for; `openid` stands for none.
pub fn permission(scope: &str) -> Option<Permission> {
    serde_json::from_value(serde_json::Value::String(scope.to_owned())).ok()
}

/// The permissions a set of scopes stands for.
pub fn permissions(scopes: &ScopeSet) -> BTreeSet<Permission> {
    scopes.iter().filter_map(|s| permission(s)).collect()
}

/// A scope in plain words, for the consent page.
pub fn describe(scope: &str) -> String {
    match scope {
        "openid" => "Confirm who you are (your customer id)".to_owned(),
        GRANT_MANAGEMENT_QUERY => "Look up what you have allowed it to do".to_owned(),
        GRANT_MANAGEMENT_REVOKE => "Withdraw what you have allowed it to do".to_owned(),
        other => permission(other)
            .map(describe_permission)
            .unwrap_or_else(|| other.to_owned()),
    }
}

/// A permission in plain words.
pub fn describe_permission(permission: Permission) -> String {
    match permission {
        Permission::Accounts => "See your account details (names, numbers, type)",
        Permission::Balances => "See your account balances",
        Permission::Transactions => "See your transactions",
        Permission::Statements => "See your statements",
        Permission::Investments => "See your investment holdings",
        Permission::Insurance => "See your insurance policies and claims",
        Permission::Cards => "See your cards",
        Permission::Parties => "See your name, contact details and who holds your accounts",
        Permission::CardControls => "Change your card controls (lock, limits)",
        Permission::Payments => "Make payments from your accounts",
        Permission::InsuranceClaims => "File insurance claims on your policies",
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_map_to_permissions_of_the_same_name() {
        assert_eq!(permission("balances"), Some(Permission::Balances));
        assert_eq!(permission("card_controls"), Some(Permission::CardControls));
        assert_eq!(
            permission("insurance_claims"),
            Some(Permission::InsuranceClaims)
        );
        assert_eq!(permission("openid"), None);
    }
}
