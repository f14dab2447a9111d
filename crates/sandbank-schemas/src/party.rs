//! Parties: the people and organisations the bank knows, and how they relate to accounts.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::account::AccountRelationship;
use crate::common::{AccountId, Address, PartyId};

/// A customer or other party: a person or an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    /// Opaque identifier of the party.
    pub party_id: PartyId,
    /// Name to display: full name of a person, legal name of an organisation.
    pub display_name: String,
    /// Email addresses.
    pub emails: Vec<Email>,
    /// Phone numbers.
    pub phones: Vec<Phone>,
    /// Postal addresses.
    pub addresses: Vec<Address>,
    /// Whether the party is a person or an organisation, with its detail.
    #[serde(flatten)]
    pub details: PartyDetails,
}

/// Person or organisation detail. `partyType` chooses the variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "partyType", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PartyDetails {
    /// A natural person.
    Individual {
        /// Names and date of birth.
        individual: Individual,
    },
    /// A company, partnership, charity or other organisation.
    Organisation {
        /// Legal identity and the people who act for it.
        organisation: Organisation,
    },
}

/// A natural person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Individual {
    /// Title, e.g. "Ms".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Given (first) name.
    pub given_name: String,
    /// Middle names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub middle_names: Vec<String>,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// Occupation, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occupation: Option<String>,
}

/// An organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Organisation {
    /// Registered legal name.
    pub legal_name: String,
    /// Name it trades under, if different.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trading_name: Option<String>,
    /// Company registration number.
    pub registration_number: String,
    /// Country of registration.
    pub registration_country: crate::common::CountryCode,
    /// Industry classification.
    pub industry: IndustryCode,
    /// Day the organisation was established.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub established_date: Option<NaiveDate>,
    /// People who may act for the organisation.
    pub authorised_people: Vec<AuthorisedPerson>,
}

/// An industry classification code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IndustryCode {
    /// The classification scheme.
    pub scheme: IndustryCodeScheme,
    /// The code.
    pub code: String,
    /// What the code means.
    pub description: String,
}

/// Industry classification schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IndustryCodeScheme {
    /// UK Standard Industrial Classification (2007).
    Sic2007,
    /// North American Industry Classification System.
    Naics,
    /// EU NACE rev. 2.
    Nace,
}

/// A person who acts for an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthorisedPerson {
    /// The person, as a party of the bank.
    pub party_id: PartyId,
    /// Full name.
    pub name: String,
    /// Role, e.g. "Director".
    pub role: String,
}

/// An email address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Email {
    /// The address.
    #[schemars(email)]
    pub address: String,
    /// Whether this is the preferred address.
    pub is_primary: bool,
}

/// Kinds of phone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PhoneType {
    /// Mobile.
    Mobile,
    /// Home landline.
    Home,
    /// Work.
    Work,
}

/// A phone number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Phone {
    /// The number in E.164 form, e.g. `+447700900123`.
    #[schemars(regex(pattern = r"^\+[1-9][0-9]{6,14}$"))]
    pub number: String,
    /// Kind of number.
    #[serde(rename = "type")]
    pub phone_type: PhoneType,
    /// Whether this is the preferred number.
    pub is_primary: bool,
}

/// How a party relates to an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountParty {
    /// The account.
    pub account_id: AccountId,
    /// The party.
    pub party_id: PartyId,
    /// The relationship.
    pub relationship: AccountRelationship,
}
