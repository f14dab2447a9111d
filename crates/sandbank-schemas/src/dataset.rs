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

impl CustomerData {
    /// Number of records of every kind together.
    pub fn record_count(&self) -> usize {
        self.customers.len()
            + self.parties.len()
            + self.accounts.len()
            + self.account_parties.len()
            + self.balances.len()
            + self.transactions.len()
            + self.statements.len()
            + self.holdings.len()
            + self.policies.len()
            + self.claims.len()
            + self.cards.len()
    }
}
