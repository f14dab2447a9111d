//! Insurance policies and claims.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::account::Frequency;
use crate::common::{AccountId, Address, ClaimId, Money, PartyId, PolicyId, Rate};

/// Lines of insurance business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InsuranceLine {
    /// Term life: pays out on death within the term, no cash value.
    TermLife,
    /// Whole life: lifelong cover, builds cash value.
    WholeLife,
    /// Universal life: flexible premiums, builds cash value.
    UniversalLife,
    /// Motor insurance.
    Auto,
    /// Buildings and contents.
    Home,
    /// Medical cover.
    Health,
    /// Income protection.
    Disability,
    /// Trip cancellation, medical and baggage cover.
    Travel,
}

/// An insurance policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InsurancePolicy {
    /// Opaque identifier of the policy.
    pub policy_id: PolicyId,
    /// The insurance account that holds the policy.
    pub account_id: AccountId,
    /// Policy number as printed on documents.
    pub policy_number: String,
    /// Line of business.
    pub line_of_business: InsuranceLine,
    /// Marketing name of the product.
    pub product_name: String,
    /// Lifecycle status.
    pub status: PolicyStatus,
    /// Who holds (and pays for) the policy.
    pub policyholder: PartyId,
    /// Who or what is insured.
    pub insured: Vec<InsuredSubject>,
    /// Who receives the benefit (life policies).
    pub beneficiaries: Vec<Beneficiary>,
    /// What is covered, with limits and deductibles.
    pub coverages: Vec<Coverage>,
    /// The premium and how it is paid.
    pub premium: Premium,
    /// Start, end and renewal of the policy.
    pub term: PolicyTerm,
    /// Cash surrender value, for whole and universal life.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash_value: Option<Money>,
}

/// Lifecycle of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PolicyStatus {
    /// Applied for, not yet in force.
    Pending,
    /// In force.
    Active,
    /// Stopped because premiums went unpaid.
    Lapsed,
    /// Cancelled by the holder or the insurer.
    Cancelled,
    /// Reached the end of its term.
    Expired,
}

/// Someone or something a policy insures. `subjectType` chooses the variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "subjectType", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InsuredSubject {
    /// A person (life, health, disability, travel).
    #[serde(rename_all = "camelCase")]
    Person {
        /// The person, when they are a party of the bank.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        party_id: Option<PartyId>,
        /// Full name.
        name: String,
        /// Date of birth.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        date_of_birth: Option<NaiveDate>,
    },
    /// A vehicle (auto).
    #[serde(rename_all = "camelCase")]
    Vehicle {
        /// Manufacturer.
        make: String,
        /// Model.
        model: String,
        /// Model year.
        year: u16,
        /// Registration plate.
        registration: String,
        /// Vehicle identification number, masked to its last characters.
        masked_vin: String,
    },
    /// A property (home).
    #[serde(rename_all = "camelCase")]
    Property {
        /// Where the property is.
        address: Address,
        /// House, flat, bungalow...
        property_type: String,
        /// Year the property was built.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        year_built: Option<u16>,
        /// Sum insured for rebuilding.
        rebuild_value: Money,
    },
}

/// Someone who receives the benefit of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Beneficiary {
    /// Full name.
    pub name: String,
    /// Relationship to the insured, e.g. "Spouse".
    pub relationship: String,
    /// Share of the benefit, as a percentage.
    pub share_percent: Rate,
}

/// One cover within a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    /// Name of the cover, e.g. "Third-party liability".
    pub name: String,
    /// Most the insurer pays, when limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<Money>,
    /// What the insured pays first on each claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deductible: Option<Money>,
}

/// How a premium is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PremiumPaymentMethod {
    /// Collected from a bank account.
    DirectDebit,
    /// Charged to a card.
    Card,
    /// Paid by the holder by transfer.
    BankTransfer,
}

/// The premium of a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Premium {
    /// Amount of each instalment.
    pub amount: Money,
    /// How often it is due.
    pub frequency: Frequency,
    /// Day the next instalment is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_due_date: Option<NaiveDate>,
    /// How it is paid.
    pub payment_method: PremiumPaymentMethod,
    /// The account premiums are collected from, when it is at this bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_account_id: Option<AccountId>,
}

/// Start, end and renewal of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyTerm {
    /// First day of cover.
    pub start_date: NaiveDate,
    /// Last day of cover; absent for lifelong policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<NaiveDate>,
    /// Day the policy renews, when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal_date: Option<NaiveDate>,
    /// Whether it renews automatically.
    pub auto_renew: bool,
}

/// A claim made on a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InsuranceClaim {
    /// Opaque identifier of the claim.
    pub claim_id: ClaimId,
    /// The policy claimed on.
    pub policy_id: PolicyId,
    /// Claim number as printed on letters.
    pub claim_number: String,
    /// Lifecycle status.
    pub status: ClaimStatus,
    /// Day the incident happened.
    pub incident_date: NaiveDate,
    /// Day it was reported to the insurer.
    pub reported_date: NaiveDate,
    /// Day the claim was closed, once it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_date: Option<NaiveDate>,
    /// What happened.
    pub description: String,
    /// Amount claimed.
    pub claimed_amount: Money,
    /// Amount the insurer agreed to pay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_amount: Option<Money>,
    /// Amount paid so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_amount: Option<Money>,
}

/// Lifecycle of a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClaimStatus {
    /// Received.
    Submitted,
    /// Being assessed.
    UnderReview,
    /// Accepted in full.
    Approved,
    /// Accepted in part.
    PartiallyApproved,
    /// Refused.
    Denied,
    /// Paid out.
    Paid,
    /// Closed.
    Closed,
    /// Withdrawn by the claimant.
    Withdrawn,
}
