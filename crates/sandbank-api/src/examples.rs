//! Response examples for the OpenAPI document, taken from a dataset rather than written by
//! hand: alice's accounts, balances, transactions, statements, parties and cards, and ivan's
//! holdings, policies and claims. The document is assembled from the default dataset, so the
//! examples change when the data does (and the drift test says so).
//!
//! Each example is what `GET path` answers a token of `username` that holds every permission
//! on all their accounts; `tests/api.rs` sends exactly those requests and compares, so an
//! example that no longer matches the API fails there.

use chrono::NaiveDate;
use sandbank_schemas::dataset::CustomerData;
use sandbank_schemas::transaction::TransactionStatus;
use sandbank_schemas::{
    Account, AccountId, AccountParty, Links, Page, PageMeta, PartyId, Statement, Transaction,
};
use serde::Serialize;
use serde_json::Value;

use crate::access::one_page;

/// The customer most examples are about: retail, with every kind of everyday account.
pub const ALICE: &str = "alice";
/// The customer with holdings, policies and a claim.
pub const IVAN: &str = "ivan";
/// Transactions on the example page of `listTransactions`.
pub const TRANSACTION_PAGE_SIZE: usize = 3;

/// One response example.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The operation it illustrates.
    pub operation_id: &'static str,
    /// Whose token the request carries.
    pub username: &'static str,
    /// The request path and query.
    pub path: String,
    /// The 200 response's body.
    pub body: Value,
}

/// Every example `customers` (bundles of a dataset that hold alice and ivan) allow, with links
/// on `base_url` (the issuer, e.g. `http://127.0.0.1:8080`).
pub fn examples(base_url: &str, customers: &[CustomerData]) -> Vec<Example> {
    let data = Data {
        base_url,
        customers,
    };
    let mut out = Vec::new();
    if let Some(party) = data.party(ALICE) {
        data.alice(&party, &mut Collector::new(&mut out, ALICE));
    }
    if let Some(party) = data.party(IVAN) {
        data.ivan(&party, &mut Collector::new(&mut out, IVAN));
    }
    out
}

/// Collects one customer's examples.
struct Collector<'a> {
    out: &'a mut Vec<Example>,
    username: &'static str,
}

impl<'a> Collector<'a> {
    fn new(out: &'a mut Vec<Example>, username: &'static str) -> Self {
        Collector { out, username }
    }

    fn add(&mut self, operation_id: &'static str, path: String, body: Value) {
        self.out.push(Example {
            operation_id,
            username: self.username,
            path,
            body,
        });
    }
}

struct Data<'a> {
    base_url: &'a str,
    customers: &'a [CustomerData],
}

fn json(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

impl Data<'_> {
    fn bundles(&self) -> impl Iterator<Item = &CustomerData> {
        self.customers.iter()
    }

    fn party(&self, username: &str) -> Option<PartyId> {
        self.bundles()
            .flat_map(|c| &c.customers)
            .find(|c| c.username == username)
            .map(|c| c.party_id.clone())
    }

    /// The party's accounts in the store's order (by id).
    fn accounts(&self, party: &PartyId) -> Vec<&Account> {
        let related: Vec<&AccountId> = self
            .bundles()
            .flat_map(|c| &c.account_parties)
            .filter(|r| &r.party_id == party)
            .map(|r| &r.account_id)
            .collect();
        let mut accounts: Vec<&Account> = self
            .bundles()
            .flat_map(|c| &c.accounts)
            .filter(|a| related.contains(&&a.account_id))
            .collect();
        accounts.sort_by(|a, b| a.account_id.as_str().cmp(b.account_id.as_str()));
        accounts
    }

    /// A whole list on one page, as the list routes answer.
    fn page<T: Serialize>(&self, path: &str, data: Vec<&T>) -> Value {
        json(&one_page(format!("{}{path}", self.base_url), data))
    }

    fn alice(&self, party: &PartyId, out: &mut Collector<'_>) {
        let accounts = self.accounts(party);
        out.add(
            "listAccounts",
            "/accounts".into(),
            self.page("/accounts", accounts.clone()),
        );
        let current = accounts
            .iter()
            .find(|a| json(&a.details)["accountType"] == "CHECKING")
            .or(accounts.first());
        if let Some(account) = current {
            let id = &account.account_id;
            out.add("getAccount", format!("/accounts/{id}"), json(account));
            let path = format!("/accounts/{id}/balances");
            let balances = self
                .bundles()
                .flat_map(|c| &c.balances)
                .filter(|b| &b.account_id == id)
                .collect();
            out.add("listBalances", path.clone(), self.page(&path, balances));
            let (path, page) = self.transactions(id);
            out.add("listTransactions", path, page);
            let path = format!("/accounts/{id}/statements");
            let mut statements: Vec<&Statement> = self.statements(id).collect();
            statements.reverse();
            out.add("listStatements", path.clone(), self.page(&path, statements));
        }
        if let Some((path, statement)) = self.shortest_statement(&accounts) {
            out.add("getStatement", path, statement);
        }
        if let Some(joint) = accounts
            .iter()
            .max_by_key(|a| (a.holders.len(), std::cmp::Reverse(a.account_id.as_str())))
        {
            let id = &joint.account_id;
            let path = format!("/accounts/{id}/parties");
            let mut relations: Vec<&AccountParty> = self
                .bundles()
                .flat_map(|c| &c.account_parties)
                .filter(|r| &r.account_id == id)
                .collect();
            relations.sort_by_key(|r| (r.party_id.as_str(), json(&r.relationship).to_string()));
            out.add(
                "listAccountParties",
                path.clone(),
                self.page(&path, relations),
            );
        }
        if let Some(me) = self
            .bundles()
            .flat_map(|c| &c.parties)
            .find(|p| &p.party_id == party)
        {
            out.add("getMe", "/parties/me".into(), json(me));
        }
        let mut cards: Vec<_> = self
            .bundles()
            .flat_map(|c| &c.cards)
            .filter(|c| &c.cardholder_party_id == party)
            .collect();
        cards.sort_by(|a, b| a.card_id.as_str().cmp(b.card_id.as_str()));
        if let Some(card) = cards.first() {
            out.add("getCard", format!("/cards/{}", card.card_id), json(card));
        }
        out.add("listCards", "/cards".into(), self.page("/cards", cards));
    }

    fn ivan(&self, party: &PartyId, out: &mut Collector<'_>) {
        let accounts = self.accounts(party);
        let holdings = accounts.iter().find_map(|a| {
            let held: Vec<_> = self
                .bundles()
                .flat_map(|c| &c.holdings)
                .filter(|h| h.account_id == a.account_id)
                .collect();
            (!held.is_empty()).then_some((&a.account_id, held))
        });
        if let Some((id, held)) = holdings {
            let path = format!("/accounts/{id}/holdings");
            out.add("listHoldings", path.clone(), self.page(&path, held));
        }
        let mut policies: Vec<_> = self
            .bundles()
            .flat_map(|c| &c.policies)
            .filter(|p| &p.policyholder == party)
            .collect();
        policies.sort_by(|a, b| a.policy_id.as_str().cmp(b.policy_id.as_str()));
        let claimed = policies.iter().find(|p| {
            self.bundles()
                .flat_map(|c| &c.claims)
                .any(|c| c.policy_id == p.policy_id)
        });
        if let Some(policy) = claimed.or(policies.first()) {
            let id = &policy.policy_id;
            out.add(
                "getPolicy",
                format!("/insurance/policies/{id}"),
                json(policy),
            );
            let path = format!("/insurance/policies/{id}/claims");
            let mut claims: Vec<_> = self
                .bundles()
                .flat_map(|c| &c.claims)
                .filter(|c| &c.policy_id == id)
                .collect();
            claims.sort_by(|a, b| a.claim_id.as_str().cmp(b.claim_id.as_str()));
            if let Some(claim) = claims.first() {
                out.add(
                    "getClaim",
                    format!("{path}/{}", claim.claim_id),
                    json(claim),
                );
            }
            out.add("listClaims", path.clone(), self.page(&path, claims));
        }
        out.add(
            "listPolicies",
            "/insurance/policies".into(),
            self.page("/insurance/policies", policies),
        );
    }

    /// The first page of an account's transactions, newest first, with its links.
    fn transactions(&self, id: &AccountId) -> (String, Value) {
        let mut all: Vec<&Transaction> = self
            .bundles()
            .flat_map(|c| &c.transactions)
            .filter(|t| &t.account_id == id)
            .collect();
        all.sort_by(|a, b| {
            (b.booking_date_time, b.transaction_id.as_str())
                .cmp(&(a.booking_date_time, a.transaction_id.as_str()))
        });
        let size = TRANSACTION_PAGE_SIZE;
        let path = format!("/accounts/{id}/transactions?pageSize={size}");
        let first = format!("{}{path}", self.base_url);
        let next = (all.len() > size)
            .then(|| all.get(size - 1))
            .flatten()
            .map(|last| format!("{first}&cursor={}", sandbank_store::cursor_after(last)));
        all.truncate(size);
        let page = json(&Page {
            data: all,
            links: Links {
                self_link: first.clone(),
                first: Some(first),
                prev: None,
                next,
            },
            meta: PageMeta {
                page_size: size as u32,
                total_records: None,
            },
        });
        (path, page)
    }

    /// An account's statements, oldest first.
    fn statements<'s>(&'s self, id: &'s AccountId) -> impl Iterator<Item = &'s Statement> {
        let mut statements: Vec<&Statement> = self
            .bundles()
            .flat_map(|c| &c.statements)
            .filter(move |s| &s.account_id == id)
            .collect();
        statements.sort_by_key(|s| (s.start_date, s.statement_id.as_str()));
        statements.into_iter()
    }

    /// The statement with the fewest transactions among `accounts` (newest on a tie), with
    /// its transactions: the account's posted ones booked in its period, oldest first.
    fn shortest_statement(&self, accounts: &[&Account]) -> Option<(String, Value)> {
        let statement = accounts
            .iter()
            .flat_map(|a| self.statements(&a.account_id))
            .min_by_key(|s| (s.transaction_count, std::cmp::Reverse(s.start_date)))?;
        let day = |date: NaiveDate| date.and_time(chrono::NaiveTime::MIN).and_utc();
        let (from, to) = (
            day(statement.start_date),
            statement.end_date.succ_opt().map(day),
        );
        let mut transactions: Vec<Transaction> = self
            .bundles()
            .flat_map(|c| &c.transactions)
            .filter(|t| {
                t.account_id == statement.account_id
                    && t.status == TransactionStatus::Posted
                    && t.booking_date_time >= from
                    && to.is_none_or(|to| t.booking_date_time < to)
            })
            .cloned()
            .collect();
        transactions.sort_by(|a, b| {
            (a.booking_date_time, a.transaction_id.as_str())
                .cmp(&(b.booking_date_time, b.transaction_id.as_str()))
        });
        let mut statement = statement.clone();
        statement.transactions = Some(transactions);
        let path = format!(
            "/accounts/{}/statements/{}",
            statement.account_id, statement.statement_id
        );
        Some((path, json(&statement)))
    }
}
