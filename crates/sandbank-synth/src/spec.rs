//! What a customer has, before any history is generated: the hand-written personas in
//! `seed-data/personas.json` and the randomly drawn synthetic customers share this shape.

use serde::Deserialize;

/// A product the bank sells; decides the account's category, type and behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
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
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountSpec {
    /// Local name, unique within the customer (used to derive ids).
    pub key: String,
    /// The product.
    pub product: Product,
    /// ISO 4217 currency; GBP when absent.
    #[serde(default)]
    pub currency: Option<String>,
    /// Nickname the customer gave it.
    #[serde(default)]
    pub nickname: Option<String>,
    /// Balance before the generated history, in major units ("1520.00"); drawn when absent.
    #[serde(default)]
    pub opening_balance: Option<String>,
    /// Credit limit or overdraft, in major units.
    #[serde(default)]
    pub limit: Option<String>,
    /// Amount borrowed, for loans.
    #[serde(default)]
    pub principal: Option<String>,
    /// Opened this many months before the history ends; before the history starts when absent.
    #[serde(default)]
    pub opened_months_ago: Option<u32>,
    /// Closed this many months before the history ends.
    #[serde(default)]
    pub closed_months_ago: Option<u32>,
    /// No activity at all during the history.
    #[serde(default)]
    pub dormant: bool,
    /// Spending outruns income, so the account ends overdrawn.
    #[serde(default)]
    pub overdrawn: bool,
    /// The account's card is locked.
    #[serde(default)]
    pub card_locked: bool,
    /// At least this many small card transactions (for paging tests).
    #[serde(default)]
    pub min_transactions: Option<u32>,
    /// Username of another persona who holds the account jointly.
    #[serde(default)]
    pub joint_with: Option<String>,
    /// Keys of employees who get a corporate card on this account (business customers).
    #[serde(default)]
    pub cardholders: Vec<String>,
    /// An insurance claim was made and paid.
    #[serde(default)]
    pub claim: bool,
}

/// Someone who works for a business customer.
#[derive(Debug, Clone, Deserialize)]
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
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrganisationSpec {
    /// Registered name.
    pub legal_name: String,
    /// Trading name.
    #[serde(default)]
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
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomerSpec {
    /// Login name.
    pub username: String,
    /// One line about the customer.
    #[serde(default)]
    pub summary: Option<String>,
    /// Given name (individuals); for businesses, the director's.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Family name (individuals).
    #[serde(default)]
    pub family_name: Option<String>,
    /// Present for business customers.
    #[serde(default)]
    pub organisation: Option<OrganisationSpec>,
    /// Net monthly salary in major units (individuals); drawn when absent.
    #[serde(default)]
    pub salary: Option<String>,
    /// Accounts.
    pub accounts: Vec<AccountSpec>,
}

/// The personas file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersonaFile {
    /// The password every persona logs in with on the sandbox.
    pub password: String,
    /// The personas.
    pub personas: Vec<CustomerSpec>,
}
