//! Accounts: one [`Account`] shape for every kind of account a bank or insurer holds, with a
//! category that says which detail object it carries.
//!
//! ```json
//! { "accountId": "acc-1", "accountCategory": "DEPOSIT", "accountType": "CHECKING",
//!   "deposit": { "currentBalance": { ... }, ... }, ... }
//! ```

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{
    AccountId, AccountIdentification, BalanceAmount, CountryCode, Currency, MaskedAccountNumber,
    Money, PartyId, PolicyId, Rate,
};
use crate::insurance::InsuranceLine;

/// A financial account: deposit, commercial, investment, loan, line of credit or insurance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Opaque identifier of the account, used in every other path and record.
    pub account_id: AccountId,
    /// Lifecycle status of the account.
    pub status: AccountStatus,
    /// Main currency of the account.
    pub currency: Currency,
    /// Name the bank displays for the account.
    pub display_name: String,
    /// Name the customer gave the account, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// Account number masked to its last digits, for display.
    pub masked_account_number: MaskedAccountNumber,
    /// Identifications of the account in payment schemes (sort code and number, IBAN, ABA).
    pub account_identifications: Vec<AccountIdentification>,
    /// Marketing name of the product.
    pub product_name: String,
    /// Day the account was opened.
    pub opening_date: NaiveDate,
    /// Day the account was closed, when it is closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing_date: Option<NaiveDate>,
    /// Whether the account is held by one person, jointly, or by a business.
    pub ownership: AccountOwnership,
    /// Everyone who holds or may use the account.
    pub holders: Vec<AccountHolder>,
    /// The institution that services the account.
    pub servicer: Servicer,
    /// When the figures in this record were computed.
    pub as_of: DateTime<Utc>,
    /// Category, type and category-specific detail.
    #[serde(flatten)]
    pub details: AccountDetails,
}

/// The broad family of an account; it decides which detail object the account carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountCategory {
    /// Checking, savings, term deposits, money market.
    Deposit,
    /// Accounts of businesses: deposits, loans, lines of credit, investments.
    Commercial,
    /// Brokerage, retirement and education savings accounts.
    Investment,
    /// Mortgages, auto, personal, student and small-business loans.
    Loan,
    /// Credit and charge cards, lines of credit, home equity lines.
    LineOfCredit,
    /// Insurance policies held as accounts.
    Insurance,
}

/// Category of the account with its type and detail. The `accountCategory` field chooses the
/// variant; each variant names its `accountType` and carries one detail object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "accountCategory", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountDetails {
    /// A retail deposit account.
    #[serde(rename_all = "camelCase")]
    Deposit {
        /// The kind of deposit account.
        account_type: DepositAccountType,
        /// Balances, rates and terms of the deposit.
        deposit: DepositDetails,
    },
    /// An account held by a business.
    #[serde(rename_all = "camelCase")]
    Commercial {
        /// The kind of commercial account.
        account_type: CommercialAccountType,
        /// The business that owns the account and the people allowed to use it.
        commercial: CommercialDetails,
        /// Deposit detail, for commercial deposits.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deposit: Option<Box<DepositDetails>>,
        /// Loan detail, for commercial loans.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        loan: Option<Box<LoanDetails>>,
        /// Credit detail, for commercial lines of credit and business cards.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        line_of_credit: Option<Box<LineOfCreditDetails>>,
        /// Investment detail, for commercial investment accounts.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        investment: Option<Box<InvestmentDetails>>,
    },
    /// An investment account.
    #[serde(rename_all = "camelCase")]
    Investment {
        /// The kind of investment account.
        account_type: InvestmentAccountType,
        /// Value, cash and tax wrapper of the investment account.
        investment: InvestmentDetails,
    },
    /// A loan.
    #[serde(rename_all = "camelCase")]
    Loan {
        /// The kind of loan.
        account_type: LoanAccountType,
        /// Principal, rate, term and payments of the loan.
        loan: LoanDetails,
    },
    /// A revolving credit account.
    #[serde(rename_all = "camelCase")]
    LineOfCredit {
        /// The kind of credit account.
        account_type: LineOfCreditAccountType,
        /// Limit, balance, payments and APRs.
        line_of_credit: LineOfCreditDetails,
    },
    /// An insurance policy held as an account.
    #[serde(rename_all = "camelCase")]
    Insurance {
        /// The line of insurance business.
        account_type: InsuranceLine,
        /// The policies behind the account and their values.
        insurance: InsuranceAccountDetails,
    },
}

impl AccountDetails {
    /// The category of these details.
    pub fn category(&self) -> AccountCategory {
        match self {
            AccountDetails::Deposit { .. } => AccountCategory::Deposit,
            AccountDetails::Commercial { .. } => AccountCategory::Commercial,
            AccountDetails::Investment { .. } => AccountCategory::Investment,
            AccountDetails::Loan { .. } => AccountCategory::Loan,
            AccountDetails::LineOfCredit { .. } => AccountCategory::LineOfCredit,
            AccountDetails::Insurance { .. } => AccountCategory::Insurance,
        }
    }
}

/// Lifecycle status of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountStatus {
    /// Open and usable.
    Open,
    /// Closed; history remains readable.
    Closed,
    /// Applied for, not yet open.
    PendingOpen,
    /// Closure requested, not yet complete.
    PendingClose,
    /// Restricted or frozen by the bank: no debits allowed.
    Restricted,
    /// Payments are overdue.
    Delinquent,
    /// A loan or credit account that has been fully repaid.
    PaidOff,
}

/// Who owns an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountOwnership {
    /// One person.
    Sole,
    /// Two or more people.
    Joint,
    /// A business or other organisation.
    Business,
}

/// How a party relates to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountRelationship {
    /// The (sole) holder.
    Holder,
    /// One of several joint holders.
    JointHolder,
    /// The organisation that owns a commercial account.
    BusinessOwner,
    /// Someone allowed to use the account without owning it.
    AuthorisedUser,
    /// Someone who receives the benefit of the account (life insurance, trusts).
    Beneficiary,
}

/// A party's place on an account, as listed on the account itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountHolder {
    /// The party.
    pub party_id: PartyId,
    /// The party's name as shown on the account.
    pub name: String,
    /// How the party relates to the account.
    pub relationship: AccountRelationship,
}

/// The institution that services an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Servicer {
    /// Name of the institution.
    pub name: String,
    /// Its BIC (ISO 9362), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bic: Option<String>,
    /// Country where the account is held.
    pub country: CountryCode,
}

/// Kinds of retail deposit account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DepositAccountType {
    /// Current / checking account.
    Checking,
    /// Instant-access savings.
    Savings,
    /// Term deposit or certificate of deposit, locked until maturity.
    TermDeposit,
    /// Money market account.
    MoneyMarket,
}

/// Kinds of commercial account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CommercialAccountType {
    /// Business current or savings account.
    CommercialDeposit,
    /// Term loan to a business.
    CommercialLoan,
    /// Revolving credit facility or business credit card account.
    CommercialLineOfCredit,
    /// Business investment account.
    CommercialInvestment,
}

/// Kinds of investment account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InvestmentAccountType {
    /// Taxable brokerage / general investment account.
    Brokerage,
    /// Retirement account (IRA, 401(k), personal pension, SIPP).
    Retirement,
    /// Education savings (529 plan, junior ISA).
    EducationSavings,
}

/// Kinds of loan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LoanAccountType {
    /// Loan secured on a home.
    Mortgage,
    /// Vehicle finance.
    Auto,
    /// Unsecured personal loan.
    Personal,
    /// Student loan.
    Student,
    /// Loan to a small business or sole trader.
    SmallBusiness,
}

/// Kinds of revolving credit account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LineOfCreditAccountType {
    /// Credit card: balance may be carried over.
    CreditCard,
    /// Charge card: balance due in full each cycle.
    ChargeCard,
    /// Personal line of credit.
    LineOfCredit,
    /// Home equity line of credit (HELOC).
    HomeEquity,
}

/// Detail of a deposit account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DepositDetails {
    /// Booked balance: everything posted so far.
    pub current_balance: BalanceAmount,
    /// What the customer can spend now: booked balance, less pending debits, plus any overdraft.
    pub available_balance: BalanceAmount,
    /// Interest rate paid on credit balances, per year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interest_rate: Option<Rate>,
    /// Arranged overdraft limit, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overdraft_limit: Option<Money>,
    /// Day a term deposit matures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maturity_date: Option<NaiveDate>,
    /// Interest earned so far this calendar year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interest_earned_ytd: Option<Money>,
}

/// Detail of a commercial account: who owns it and who may use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommercialDetails {
    /// The organisation that owns the account.
    pub business_owner: PartyId,
    /// Legal name of the owning organisation.
    pub business_name: String,
    /// People authorised to operate the account.
    pub authorised_users: Vec<AuthorisedUser>,
}

/// A person authorised to operate a commercial account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthorisedUser {
    /// The person.
    pub party_id: PartyId,
    /// The person's name.
    pub name: String,
    /// Their role in the business, e.g. "Finance director".
    pub role: String,
}

/// Tax treatment of an investment account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaxWrapper {
    /// Taxable.
    Taxable,
    /// Tax-deferred (traditional IRA, 401(k), pension).
    TaxDeferred,
    /// Tax-free (Roth IRA, ISA).
    TaxFree,
    /// Education savings wrapper (529, junior ISA).
    Education,
}

/// Detail of an investment account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvestmentDetails {
    /// Market value of all holdings plus cash.
    pub current_value: Money,
    /// Uninvested cash.
    pub cash_balance: Money,
    /// When prices were last taken.
    pub balance_as_of: DateTime<Utc>,
    /// Tax treatment.
    pub tax_wrapper: TaxWrapper,
    /// Plan name for retirement and education accounts (e.g. "Roth IRA", "SIPP").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_type: Option<String>,
}

/// Whether a loan rate is fixed or moves with a reference rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InterestRateType {
    /// Fixed for the term (or the fixed period).
    Fixed,
    /// Follows a reference rate.
    Variable,
}

/// How often a scheduled amount falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Frequency {
    /// Every week.
    Weekly,
    /// Every two weeks.
    Fortnightly,
    /// Every month.
    Monthly,
    /// Every three months.
    Quarterly,
    /// Every six months.
    SemiAnnual,
    /// Every year.
    Annual,
}

/// Detail of a loan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoanDetails {
    /// Principal still owed.
    pub principal_balance: Money,
    /// Principal lent at the start.
    pub original_principal: Money,
    /// Interest rate per year.
    pub interest_rate: Rate,
    /// Fixed or variable.
    pub interest_rate_type: InterestRateType,
    /// Length of the loan in months.
    pub term_months: u32,
    /// How often repayments fall due.
    pub payment_frequency: Frequency,
    /// Amount of the next scheduled repayment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_payment_amount: Option<Money>,
    /// Day the next repayment falls due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_payment_date: Option<NaiveDate>,
    /// Amount of the last repayment received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_payment_amount: Option<Money>,
    /// Day the last repayment was received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_payment_date: Option<NaiveDate>,
    /// Day the loan ends.
    pub maturity_date: NaiveDate,
    /// Escrow balance held for taxes and insurance (mortgages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escrow_balance: Option<Money>,
    /// Interest paid so far this calendar year.
    pub interest_paid_ytd: Money,
}

/// Detail of a revolving credit account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LineOfCreditDetails {
    /// Credit limit.
    pub credit_limit: Money,
    /// Credit still available: limit less balance (zero when over limit).
    pub available_credit: Money,
    /// Balance: `DEBIT` when the customer owes the bank, `CREDIT` after an overpayment.
    pub current_balance: BalanceAmount,
    /// Minimum payment due on the last statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_payment: Option<Money>,
    /// Day the minimum payment is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_due_date: Option<NaiveDate>,
    /// Amount past its due date.
    pub past_due_amount: Money,
    /// Closing balance of the last statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_statement_balance: Option<Money>,
    /// Day the last statement was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_statement_date: Option<NaiveDate>,
    /// Annual percentage rate on purchases.
    pub purchase_apr: Rate,
    /// Annual percentage rate on cash advances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash_advance_apr: Option<Rate>,
}

/// Detail of an insurance account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InsuranceAccountDetails {
    /// The policies this account holds (see the `insurance-policy` schema).
    pub policy_ids: Vec<PolicyId>,
    /// Cash surrender value, for whole and universal life.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash_value: Option<Money>,
    /// Premium due next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_premium_amount: Option<Money>,
    /// Day the next premium is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_premium_date: Option<NaiveDate>,
}
