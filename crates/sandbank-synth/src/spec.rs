//! What a customer has, before any history is generated: the hand-written personas in
//! `seed-data/personas.json` and the randomly drawn synthetic customers share this shape.

use serde::{Deserialize, Serialize};

/// A product the bank sells; decides the account's category, type and behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Product {
    /// Current account with a debit card; salary comes in, bills go out.
    Checking,
    /// Instant-access savings fed by a monthly transfer.
    Savings,
    /// Fixed-term deposit.
    TermDeposit,
    /// Money market account.
    MoneyMarket,
    /// Credit card account.
    CreditCard,
    /// Charge card account (paid in full each month).
    ChargeCard,
    /// Mortgage.
    Mortgage,
    /// Car finance.
    AutoLoan,
    /// Personal loan.
    PersonalLoan,
    /// Brokerage account with holdings.
    Brokerage,
    /// Retirement account with holdings.
    Retirement,
    /// Term life insurance.
    TermLife,
    /// Whole life insurance.
    WholeLife,
    /// Motor insurance.
    AutoInsurance,
    /// Home insurance.
    HomeInsurance,
    /// Travel insurance.
    TravelInsurance,
    /// Business current account: customer receipts, payroll, suppliers.
    CommercialDeposit,
    /// Business credit facility with corporate cards.
    CommercialLineOfCredit,
    /// Business term loan.
    CommercialLoan,
}

impl Product {
    /// Whether the product is an insurance policy.
    pub fn is_insurance(self) -> bool {
        matches!(
            self,
            Product::TermLife
                | Product::WholeLife
                | Product::AutoInsurance
                | Product::HomeInsurance
                | Product::TravelInsurance
        )
    }

    /// Whether the product is revolving credit.
    pub fn is_credit(self) -> bool {
        matches!(
            self,
            Product::CreditCard | Product::ChargeCard | Product::CommercialLineOfCredit
        )
    }

    /// Whether the product is a loan.
    pub fn is_loan(self) -> bool {
        matches!(
            self,
            Product::Mortgage | Product::AutoLoan | Product::PersonalLoan | Product::CommercialLoan
        )
    }

    /// Whether the product holds investments.
    pub fn is_investment(self) -> bool {
        matches!(self, Product::Brokerage | Product::Retirement)
    }
}

/// One account of a customer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountSpec {
    /// Local name, unique within the customer (used to derive ids).
    pub key: String,
    /// The product.
    pub product: Product,
    /// ISO 4217 currency; GBP when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Nickname the customer gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// Balance before the generated history, in major units ("1520.00"); drawn when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opening_balance: Option<String>,
    /// Credit limit or overdraft, in major units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    /// Amount borrowed, for loans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// Opened this many months before the history ends; before the history starts when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_months_ago: Option<u32>,
    /// Closed this many months before the history ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_months_ago: Option<u32>,
    /// No activity at all during the history.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dormant: bool,
    /// Spending outruns income, so the account ends overdrawn.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overdrawn: bool,
    /// The account's card is locked.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub card_locked: bool,
    /// At least this many small card transactions (for paging tests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_transactions: Option<u32>,
    /// Username of another persona who holds the account jointly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joint_with: Option<String>,
    /// Keys of employees who get a corporate card on this account (business customers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cardholders: Vec<String>,
    /// An insurance claim was made and paid.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub claim: bool,
}

impl AccountSpec {
    /// An account of `product` with nothing set by hand: balances, limits, rates and dates
    /// are drawn by the simulation.
    pub fn new(key: impl Into<String>, product: Product) -> AccountSpec {
        AccountSpec {
            key: key.into(),
            product,
            currency: None,
            nickname: None,
            opening_balance: None,
            limit: None,
            principal: None,
            opened_months_ago: None,
            closed_months_ago: None,
            dormant: false,
            overdrawn: false,
            card_locked: false,
            min_transactions: None,
            joint_with: None,
            cardholders: Vec::new(),
            claim: false,
        }
    }
}

/// Someone who works for a business customer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmployeeSpec {
    /// Local name, referred to by `cardholders`.
    pub key: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Role in the business.
    pub role: String,
}

/// A business customer's organisation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrganisationSpec {
    /// Registered name.
    pub legal_name: String,
    /// Trading name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trading_name: Option<String>,
    /// UK SIC 2007 code and its meaning.
    pub sic_code: String,
    /// What the SIC code means.
    pub industry: String,
    /// People who work there; the first is the director who logs in.
    pub employees: Vec<EmployeeSpec>,
    /// Monthly payroll headcount (named employees plus others).
    pub headcount: u32,
}

/// A customer: a persona from `seed-data/personas.json`, or a drawn synthetic customer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomerSpec {
    /// Login name.
    pub username: String,
    /// One line about the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Given name (individuals); for businesses, the director's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Family name (individuals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Present for business customers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<OrganisationSpec>,
    /// Net monthly salary in major units (individuals); drawn when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salary: Option<String>,
    /// Accounts.
    pub accounts: Vec<AccountSpec>,
}

/// The personas file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersonaFile {
    /// The password every persona logs in with on the sandbox.
    pub password: String,
    /// The personas.
    pub personas: Vec<CustomerSpec>,
}

impl CustomerSpec {
    /// A person who holds one account of each of `products` (keys `account-1`, `account-2`...
    /// in that order), as the sandbox creates them at run time. Names left out are drawn.
    ///
    /// Income, bills and card spending go through the first GBP [`Product::Checking`]
    /// account, so `products` should hold one: without it the first account carries them,
    /// whatever it is.
    pub fn individual(
        username: impl Into<String>,
        given_name: Option<String>,
        family_name: Option<String>,
        products: &[Product],
    ) -> CustomerSpec {
        CustomerSpec {
            username: username.into(),
            summary: None,
            given_name,
            family_name,
            organisation: None,
            salary: None,
            accounts: numbered(products),
        }
    }

    /// A business named `legal_name` that holds one account of each of `products`; its
    /// director (whose name is drawn) is the one who logs in. Receipts, payroll and suppliers
    /// go through the first [`Product::CommercialDeposit`] account, so `products` should hold
    /// one.
    pub fn business(
        username: impl Into<String>,
        legal_name: impl Into<String>,
        products: &[Product],
    ) -> CustomerSpec {
        CustomerSpec {
            username: username.into(),
            summary: None,
            given_name: None,
            family_name: None,
            organisation: Some(OrganisationSpec {
                legal_name: legal_name.into(),
                trading_name: None,
                sic_code: "62012".to_owned(),
                industry: "Business and domestic software development".to_owned(),
                // The first employee is the customer's own person: their name comes from
                // `given_name` and `family_name` (drawn when absent), not from here.
                employees: vec![EmployeeSpec {
                    key: "director".to_owned(),
                    given_name: String::new(),
                    family_name: String::new(),
                    role: "Director".to_owned(),
                }],
                headcount: 4,
            }),
            salary: None,
            accounts: numbered(products),
        }
    }
}

fn numbered(products: &[Product]) -> Vec<AccountSpec> {
    products
        .iter()
        .enumerate()
        .map(|(n, product)| AccountSpec::new(format!("account-{}", n + 1), *product))
        .collect()
}
