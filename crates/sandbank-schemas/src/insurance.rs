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
    /// What kind of loss the claim is for, when it was said (claims filed through
    /// `POST /insurance/policies/{policyId}/claims` always say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_type: Option<ClaimType>,
    /// The account a payout is credited to, when the claim was filed through the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payout_account_id: Option<AccountId>,
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

/// The kind of loss a claim is for. Which kinds a policy takes depends on its line of business
/// ([`ClaimType::allowed_for`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClaimType {
    /// A vehicle damaged in a collision (auto).
    Collision,
    /// A vehicle or belongings stolen (auto, home).
    Theft,
    /// A windscreen or window broken (auto).
    Glass,
    /// Damage or injury caused to someone else (auto).
    ThirdParty,
    /// Water leaking from pipes, tanks or appliances (home).
    EscapeOfWater,
    /// Fire or smoke damage (home).
    Fire,
    /// Storm or flood damage (home).
    Storm,
    /// Accidental damage to the home or its contents (home).
    AccidentalDamage,
    /// Medical treatment (health).
    Treatment,
    /// A trip cancelled or cut short (travel).
    Cancellation,
    /// Medical expenses abroad (travel).
    Medical,
    /// Baggage lost, stolen or damaged (travel).
    Baggage,
    /// The insured person died (life).
    Death,
    /// The insured person was diagnosed with a terminal illness (life).
    TerminalIllness,
    /// Income lost through illness or injury (disability).
    IncomeLoss,
}

impl ClaimType {
    /// The kinds of claim a policy of `line` takes.
    pub fn allowed_for(line: InsuranceLine) -> &'static [ClaimType] {
        use ClaimType::*;
        match line {
            InsuranceLine::Auto => &[Collision, Theft, Glass, ThirdParty],
            InsuranceLine::Home => &[EscapeOfWater, Fire, Storm, Theft, AccidentalDamage],
            InsuranceLine::Health => &[Treatment],
            InsuranceLine::Travel => &[Cancellation, Medical, Baggage],
            InsuranceLine::TermLife | InsuranceLine::WholeLife | InsuranceLine::UniversalLife => {
                &[Death, TerminalIllness]
            }
            InsuranceLine::Disability => &[IncomeLoss],
        }
    }
}

/// A first notice of loss: what a customer tells the insurer to open a claim on one of their
/// policies (`POST /insurance/policies/{policyId}/claims`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClaimRequest {
    /// Day the incident happened: not after today by the sandbox clock, and within the
    /// policy's cover (on or after its start, not after its end).
    pub incident_date: NaiveDate,
    /// What kind of loss: one the policy's line of business takes (auto: `COLLISION`, `THEFT`,
    /// `GLASS`, `THIRD_PARTY`; home: `ESCAPE_OF_WATER`, `FIRE`, `STORM`, `THEFT`,
    /// `ACCIDENTAL_DAMAGE`; health: `TREATMENT`; travel: `CANCELLATION`, `MEDICAL`, `BAGGAGE`;
    /// life: `DEATH`, `TERMINAL_ILLNESS`; disability: `INCOME_LOSS`).
    pub claim_type: ClaimType,
    /// What happened, in the customer's words.
    #[schemars(length(min = 1, max = 2000))]
    pub description: String,
    /// How much is claimed, in the policy's currency (its premium's).
    pub claimed_amount: Money,
    /// The account a payout is credited to: one of the customer's own open accounts in the
    /// policy's currency. Absent: the account the premiums are collected from, else the
    /// customer's first open deposit account in that currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payout_account_id: Option<AccountId>,
}
