//! Everything the bank holds about one customer, as one unit: what the generator produces and
//! what the store loads. A dataset is a sequence of these, so it can be streamed with bounded
//! memory whatever its size.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::PartyId;
use crate::{
    Account, AccountParty, Balance, Card, Holding, InsuranceClaim, InsurancePolicy, Party,
    Statement, Transaction,
};

/// A customer who can log in to the sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    /// The party that is the customer (a person, or an organisation for business banking).
    pub party_id: PartyId,
    /// Login name on the sandbox's login page (lower case, unique).
    pub username: String,
    /// Name shown on the login and consent pages.
    pub display_name: String,
    /// Whether the customer is one of the hand-written personas.
    pub persona: bool,
    /// One line about who this customer is, for the README and the developer portal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// Every record that belongs to one customer. Records shared by two customers (a joint account)
/// appear in the bundle of the customer who owns them first; the other bundle lists only the
/// [`AccountParty`] relation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerData {
    /// Who can log in: usually one customer. Parties that are only employees or second joint
    /// holders of someone else's account have no login of their own unless listed here.
    pub customers: Vec<Customer>,
    /// People and organisations.
    pub parties: Vec<Party>,
    /// Accounts.
    pub accounts: Vec<Account>,
    /// Who relates to which account, and how.
    pub account_parties: Vec<AccountParty>,
    /// Balances of the accounts.
    pub balances: Vec<Balance>,
    /// Transactions of the accounts, oldest first within each account.
    pub transactions: Vec<Transaction>,
    /// Statements (without embedded transactions: a statement's transactions are the posted
    /// transactions of its account booked within its period).
    pub statements: Vec<Statement>,
    /// Investment holdings.
    pub holdings: Vec<Holding>,
    /// Insurance policies.
    pub policies: Vec<InsurancePolicy>,
    /// Insurance claims.
    pub claims: Vec<InsuranceClaim>,
    /// Payment cards.
    pub cards: Vec<Card>,
}

/// How many records of each kind a dataset holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetCounts {
    /// Customers who can log in.
    pub customers: u64,
    /// Parties.
    pub parties: u64,
    /// Accounts.
    pub accounts: u64,
    /// Party–account relations.
    pub account_parties: u64,
    /// Balances.
    pub balances: u64,
    /// Transactions.
    pub transactions: u64,
    /// Statements.
    pub statements: u64,
    /// Investment holdings.
    pub holdings: u64,
    /// Insurance policies.
    pub policies: u64,
    /// Insurance claims.
    pub claims: u64,
    /// Cards.
    pub cards: u64,
}

impl DatasetCounts {
    /// Adds the records of one bundle.
    pub fn add(&mut self, data: &CustomerData) {
        let n = |len: usize| u64::try_from(len).unwrap_or(u64::MAX);
        self.customers += n(data.customers.len());
        self.parties += n(data.parties.len());
        self.accounts += n(data.accounts.len());
        self.account_parties += n(data.account_parties.len());
        self.balances += n(data.balances.len());
        self.transactions += n(data.transactions.len());
        self.statements += n(data.statements.len());
        self.holdings += n(data.holdings.len());
        self.policies += n(data.policies.len());
        self.claims += n(data.claims.len());
        self.cards += n(data.cards.len());
    }

    /// Adds the records another count holds.
    pub fn merge(&mut self, other: &DatasetCounts) {
        self.customers += other.customers;
        self.parties += other.parties;
        self.accounts += other.accounts;
        self.account_parties += other.account_parties;
        self.balances += other.balances;
        self.transactions += other.transactions;
        self.statements += other.statements;
        self.holdings += other.holdings;
        self.policies += other.policies;
        self.claims += other.claims;
        self.cards += other.cards;
    }

    /// Records of every kind together.
    pub fn total(&self) -> u64 {
        self.customers
            + self.parties
            + self.accounts
            + self.account_parties
            + self.balances
            + self.transactions
            + self.statements
            + self.holdings
            + self.policies
            + self.claims
            + self.cards
    }
}
