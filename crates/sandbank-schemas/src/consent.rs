//! Consents: what a customer allowed an app to do. A consent is the customer's view of an
//! OAuth grant and shares its identifier.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{AccountId, ClientId, ConsentId, PartyId};
use crate::payment::PaymentRequest;

/// A customer's consent for an app to reach their data or act on their accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Consent {
    /// Opaque identifier of the consent; the same value as the OAuth `grant_id`.
    pub consent_id: ConsentId,
    /// The customer who gave it.
    pub customer_id: PartyId,
    /// The app it was given to.
    pub client_id: ClientId,
    /// The app's name as the customer saw it.
    pub client_name: String,
    /// Lifecycle status.
    pub status: ConsentStatus,
    /// OAuth scopes granted.
    pub scopes: Vec<String>,
    /// Accounts the app may reach.
    pub account_ids: Vec<AccountId>,
    /// What the app may do with them.
    pub permissions: Vec<Permission>,
    /// Rich authorization details (RFC 9396) granted.
    pub authorization_details: Vec<AuthorizationDetail>,
    /// When the consent was given.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it stops being valid, if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// Lifecycle of a consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConsentStatus {
    /// Requested; the customer has not answered yet.
    AwaitingAuthorisation,
    /// Given and in force.
    Active,
    /// Refused by the customer.
    Rejected,
    /// Withdrawn by the customer or the app.
    Revoked,
    /// Past its expiry.
    Expired,
}

/// What an app may do. Each read permission is also an OAuth scope of the same name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read account details.
    Accounts,
    /// Read balances.
    Balances,
    /// Read transactions.
    Transactions,
    /// Read statements.
    Statements,
    /// Read investment holdings.
    Investments,
    /// Read insurance policies and claims.
    Insurance,
    /// Read cards.
    Cards,
    /// Read the customer's and account parties' details.
    Parties,
    /// Change card controls (lock, limits).
    CardControls,
    /// Initiate payments.
    Payments,
    /// File insurance claims on the customer's policies.
    InsuranceClaims,
}

/// A rich authorization detail (RFC 9396). `type` chooses the variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AuthorizationDetail {
    /// Read access to chosen accounts.
    #[serde(rename_all = "camelCase")]
    AccountInformation {
        /// Accounts covered; empty in a request means "let the customer choose".
        #[serde(default)]
        accounts: Vec<AccountId>,
        /// Permissions on them.
        permissions: Vec<Permission>,
    },
    /// One payment from the customer's account, exactly as `POST /payments` will then ask for
    /// it. A grant with this detail makes one payment.
    PaymentInitiation(PaymentRequest),
}

impl AuthorizationDetail {
    /// The payment, for a `payment_initiation` detail.
    pub fn payment(&self) -> Option<&PaymentRequest> {
        match self {
            AuthorizationDetail::PaymentInitiation(payment) => Some(payment),
            AuthorizationDetail::AccountInformation { .. } => None,
        }
    }

    /// The payment among `details` (a consent carries at most one).
    pub fn payment_of(details: &[AuthorizationDetail]) -> Option<&PaymentRequest> {
        details.iter().find_map(AuthorizationDetail::payment)
    }
}
