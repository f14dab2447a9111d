//! Rich Authorization Requests (RFC 9396): parsing, checking and describing
//! `authorization_details`.

use sandbank_schemas::consent::AuthorizationDetail;
use serde_json::Value;

use crate::client::{AUTHORIZATION_DETAILS_TYPES, Client};
use crate::error::OAuthError;
use crate::scope::describe_permission;

fn bad(message: impl Into<String>) -> OAuthError {
    OAuthError::invalid_authorization_details(message)
}

/// Parses the `authorization_details` parameter: a JSON array of objects, each with a `type`
/// the server knows and the client registered, and the fields that type needs.
pub fn parse(raw: Option<&str>, client: &Client) -> Result<Vec<AuthorizationDetail>, OAuthError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let value: Value =
        serde_json::from_str(raw).map_err(|_| bad("authorization_details is not valid JSON"))?;
    let Value::Array(items) = value else {
        return Err(bad("authorization_details must be a JSON array"));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let Some(kind) = item.get("type").and_then(Value::as_str).map(str::to_owned) else {
                return Err(bad(format!("authorization_details[{index}] has no type")));
            };
            if !AUTHORIZATION_DETAILS_TYPES.contains(&kind.as_str()) {
                return Err(bad(format!(
                    "authorization_details[{index}]: unknown type {kind}; supported: {}",
                    AUTHORIZATION_DETAILS_TYPES.join(", ")
                )));
            }
            if !client.metadata.authorization_details_types.contains(&kind) {
                return Err(bad(format!(
                    "authorization_details[{index}]: the client is not registered for type {kind}"
                )));
            }
            serde_json::from_value(item).map_err(|e| {
                bad(format!(
                    "authorization_details[{index}] of type {kind} is malformed: {e}"
                ))
            })
        })
        .collect()
}

/// An authorization detail in plain words, for the consent page.
pub fn describe(detail: &AuthorizationDetail) -> String {
    match detail {
        AuthorizationDetail::AccountInformation {
            accounts,
            permissions,
        } => {
            let what = permissions
                .iter()
                .map(|p| describe_permission(*p))
                .collect::<Vec<_>>()
                .join("; ");
            if accounts.is_empty() {
                format!("On the accounts you choose: {what}")
            } else {
                let ids = accounts
                    .iter()
                    .map(|a| a.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("On accounts {ids}: {what}")
            }
        }
        AuthorizationDetail::PaymentInitiation {
            instructed_amount,
            creditor_name,
            remittance_information,
            ..
        } => {
            let amount = format!(
                "{} {}",
                instructed_amount.amount, instructed_amount.currency
            );
            match remittance_information {
                Some(reference) => {
                    format!("Pay {amount} to {creditor_name} (reference: {reference})")
                }
                None => format!("Pay {amount} to {creditor_name}"),
            }
        }
    }
}
