//! Rich Authorization Requests (RFC 9396): parsing, checking and describing
//! `authorization_details`.

use std::sync::OnceLock;

use chrono::NaiveDate;
use jsonschema::Validator;
use sandbank_schemas::Account;
use sandbank_schemas::consent::AuthorizationDetail;
use serde_json::Value;

use crate::client::{AUTHORIZATION_DETAILS_TYPES, Client};
use crate::error::OAuthError;
use crate::payments;
use crate::scope::describe_permission;

fn bad(message: impl Into<String>) -> OAuthError {
    OAuthError::invalid_authorization_details(message)
}

/// The catalogue's `authorization-detail` schema, compiled on first use: every detail is
/// checked against the published document, so what the server accepts is what it documents.
fn schema() -> Option<&'static Validator> {
    static VALIDATOR: OnceLock<Option<Validator>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            let document = sandbank_schemas::catalogue::find("authorization-detail")?.document();
            jsonschema::draft202012::options()
                .should_validate_formats(true)
                .build(&document)
                .inspect_err(|error| tracing::error!(%error, "authorization-detail schema"))
                .ok()
        })
        .as_ref()
}

/// Parses the `authorization_details` parameter: a JSON array of objects, each with a `type`
/// the server knows and the client registered, valid under the catalogue's
/// `authorization-detail` schema (the first error is named with its JSON pointer). At most one
/// `payment_initiation`: a consent pays once. The dates are [`check_dates`]'.
pub fn parse(raw: Option<&str>, client: &Client) -> Result<Vec<AuthorizationDetail>, OAuthError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let value: Value =
        serde_json::from_str(raw).map_err(|_| bad("authorization_details is not valid JSON"))?;
    let Value::Array(items) = value else {
        return Err(bad("authorization_details must be a JSON array"));
    };
    let validator = schema().ok_or_else(|| {
        OAuthError::server_error("the authorization-detail schema does not compile")
    })?;
    let details = items
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
            if let Some(error) = validator.iter_errors(&item).next() {
                let pointer = error.instance_path().to_string();
                return Err(bad(format!(
                    "authorization_details[{index}] of type {kind} is invalid at {}: {error}",
                    if pointer.is_empty() { "/" } else { &pointer }
                )));
            }
            serde_json::from_value(item).map_err(|e| {
                bad(format!(
                    "authorization_details[{index}] of type {kind} is malformed: {e}"
                ))
            })
        })
        .collect::<Result<Vec<AuthorizationDetail>, OAuthError>>()?;
    let payments = details
        .iter()
        .filter_map(AuthorizationDetail::payment)
        .count();
    if payments > 1 {
        return Err(bad(
            "at most one payment_initiation detail per request: a consent makes one payment",
        ));
    }
    Ok(details)
}

/// A payment must not be dated before `today` (the sandbox clock's day): a future date makes a
/// future-dated payment, today's or none an immediate one.
pub fn check_dates(details: &[AuthorizationDetail], today: NaiveDate) -> Result<(), OAuthError> {
    for (index, detail) in details.iter().enumerate() {
        if let Some(day) = detail.payment().and_then(|p| p.requested_execution_date)
            && day < today
        {
            return Err(bad(format!(
                "authorization_details[{index}]: requestedExecutionDate {day} is before today \
                 ({today}) by the sandbox clock"
            )));
        }
    }
    Ok(())
}

/// An authorization detail in plain words, for the consent page and the privacy dashboard.
/// `accounts` are the customer's (to name the account a payment is made from); `today` is the
/// day the words are read on (a payment dated today reads "today").
pub fn describe(detail: &AuthorizationDetail, accounts: &[Account], today: NaiveDate) -> String {
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
        AuthorizationDetail::PaymentInitiation(payment) => {
            payments::describe(payment, accounts, today)
        }
    }
}
