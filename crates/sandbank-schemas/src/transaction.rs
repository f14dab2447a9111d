//! Transactions: one [`Transaction`] shape with a `transactionType` that says which detail
//! object it carries (card, transfer, investment, loan, insurance), or none.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{
    AccountId, BalanceAmount, CardId, ClaimId, CountryCode, CreditDebitIndicator, ExchangeRate,
    MaskedAccountNumber, MaskedPan, MerchantCategoryCode, Money, PaymentScheme, PolicyId, Quantity,
    TransactionId,
};
use crate::holding::Security;

/// A movement of money on an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    /// Opaque identifier of the transaction.
    pub transaction_id: TransactionId,
    /// The account the transaction is on.
    pub account_id: AccountId,
    /// Where the transaction is in its lifecycle.
    pub status: TransactionStatus,
    /// When the transaction was booked (or authorised, while pending).
    pub booking_date_time: DateTime<Utc>,
    /// When the money starts or stops earning interest, if different from booking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_date_time: Option<DateTime<Utc>>,
    /// Text as it appears on the statement.
    pub description: String,
    /// `CREDIT` for money in, `DEBIT` for money out.
    pub credit_debit_indicator: CreditDebitIndicator,
    /// Amount in the account's currency.
    pub amount: Money,
    /// Original amount and exchange rate, for transactions made in another currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_exchange: Option<CurrencyExchange>,
    /// What the money was for.
    pub category: TransactionCategory,
    /// Bank transaction code as `DOMAIN-FAMILY-SUBFAMILY` (ISO 20022 style), e.g. `PMNT-RCDT-ESCT`.
    pub bank_transaction_code: String,
    /// Payment reference, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Booked balance of the account right after this transaction (posted transactions only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance_after: Option<BalanceAmount>,
    /// Type and type-specific detail.
    #[serde(flatten)]
    pub details: TransactionDetails,
}

/// Lifecycle of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TransactionStatus {
    /// Known, not yet booked; does not count in the booked balance.
    Pending,
    /// Booked.
    Posted,
    /// A card authorisation hold.
    Authorization,
    /// Refused; moved no money.
    Rejected,
}

/// What a transaction was for. Useful for filtering and budgeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TransactionCategory {
    /// Salary and wages received.
    Income,
    /// Rent paid.
    Rent,
    /// Mortgage repayments.
    Mortgage,
    /// Electricity, gas, water, telecoms.
    Utilities,
    /// Recurring subscriptions (streaming, software, gyms).
    Subscriptions,
    /// Supermarkets and groceries.
    Groceries,
    /// Restaurants, cafés, takeaways.
    Dining,
    /// Public transport, fuel, taxis.
    Transport,
    /// Flights, hotels, holidays.
    Travel,
    /// Retail shopping.
    Shopping,
    /// Cinema, events, games.
    Entertainment,
    /// Pharmacies, doctors, dentists.
    Health,
    /// Cash withdrawals.
    Cash,
    /// Transfers between accounts and to other people.
    Transfer,
    /// Money returned by a merchant.
    Refund,
    /// Bank fees and charges.
    Fees,
    /// Interest paid or charged.
    Interest,
    /// Premiums paid and claims received.
    Insurance,
    /// Trades, dividends, contributions.
    Investment,
    /// Loan and card repayments.
    LoanPayment,
    /// Wages paid by a business.
    Payroll,
    /// Payments to a business's suppliers.
    Suppliers,
    /// Tax payments and refunds.
    Taxes,
    /// Anything else.
    Other,
}

/// Original amount and exchange rate of a transaction made in another currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CurrencyExchange {
    /// Amount in the currency the transaction was made in.
    pub original_amount: Money,
    /// Units of the account's currency for one unit of the original currency.
    pub exchange_rate: ExchangeRate,
    /// When the rate was fixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quotation_date: Option<DateTime<Utc>>,
}

/// Type of the transaction with its detail. `transactionType` chooses the variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "transactionType", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TransactionDetails {
    /// A card payment, refund or cash withdrawal.
    Card {
        /// Merchant, card and channel.
        card: CardTransactionDetails,
    },
    /// A credit transfer, direct debit or other account-to-account payment.
    Transfer {
        /// Counterparty and scheme.
        transfer: TransferDetails,
    },
    /// A trade, dividend or fee in an investment account.
    Investment {
        /// Security, units, price and costs.
        investment: InvestmentTransactionDetails,
    },
    /// A loan repayment or drawdown.
    Loan {
        /// How the payment splits into principal, interest and escrow.
        loan: LoanTransactionDetails,
    },
    /// An insurance premium or claim payout.
    Insurance {
        /// Policy and kind of movement.
        insurance: InsuranceTransactionDetails,
    },
    /// A fee charged by the bank.
    Fee,
    /// Interest paid or charged by the bank.
    Interest,
    /// Anything else.
    Other,
}

/// How a card was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CardChannel {
    /// Chip and PIN in a shop.
    InStore,
    /// Tapped in a shop.
    Contactless,
    /// Online or over the phone.
    Online,
    /// Cash machine.
    Atm,
    /// Through a mobile wallet.
    MobileWallet,
}

/// Where a card transaction happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MerchantLocation {
    /// Town or city.
    pub city: String,
    /// Country.
    pub country: CountryCode,
}

/// Detail of a card transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CardTransactionDetails {
    /// Merchant name as the network reports it.
    pub merchant_name: String,
    /// Merchant category code.
    pub merchant_category_code: MerchantCategoryCode,
    /// The card used.
    pub card_id: CardId,
    /// The card used, masked.
    pub masked_pan: MaskedPan,
    /// How the card was used.
    pub channel: CardChannel,
    /// Where, for in-person transactions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<MerchantLocation>,
}

/// Detail of a transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransferDetails {
    /// Name of the other party.
    pub counterparty_name: String,
    /// The other party's account, masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty_account: Option<MaskedAccountNumber>,
    /// Payment scheme used.
    pub scheme: PaymentScheme,
    /// End-to-end identifier set by the payer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_to_end_id: Option<String>,
    /// Whether this is a standing order, direct debit or one-off payment.
    pub kind: TransferKind,
}

/// Kinds of transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TransferKind {
    /// A one-off payment.
    SinglePayment,
    /// A recurring payment the payer set up.
    StandingOrder,
    /// A recurring collection the payee set up.
    DirectDebit,
    /// Salary, pension or benefits received.
    Credit,
    /// Between two accounts of the same customer.
    OwnAccountTransfer,
}

/// Kinds of investment movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TradeType {
    /// Units bought.
    Buy,
    /// Units sold.
    Sell,
    /// Dividend received.
    Dividend,
    /// Interest or coupon received.
    Interest,
    /// Management or platform fee.
    Fee,
    /// Cash paid in.
    Contribution,
    /// Cash taken out.
    Withdrawal,
}

/// Detail of an investment transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvestmentTransactionDetails {
    /// What happened.
    pub trade_type: TradeType,
    /// The security traded, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<Security>,
    /// Units traded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<Quantity>,
    /// Price per unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Money>,
    /// Fees charged on the trade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fees: Option<Money>,
    /// Broker commission on the trade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commission: Option<Money>,
    /// Day the trade settles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement_date: Option<NaiveDate>,
}

/// Detail of a loan payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoanTransactionDetails {
    /// Part of the payment that reduces the principal.
    pub principal: Money,
    /// Part of the payment that pays interest.
    pub interest: Money,
    /// Part of the payment put into escrow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escrow: Option<Money>,
    /// The loan account paid, when the payment is seen from the paying account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loan_account_id: Option<AccountId>,
}

/// Kinds of insurance movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InsuranceTransactionKind {
    /// Premium paid to the insurer.
    Premium,
    /// Claim paid out by the insurer.
    ClaimPayout,
    /// Premium refunded.
    Refund,
}

/// Detail of an insurance transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InsuranceTransactionDetails {
    /// Premium, payout or refund.
    pub kind: InsuranceTransactionKind,
    /// The policy concerned.
    pub policy_id: PolicyId,
    /// The claim, for payouts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_id: Option<ClaimId>,
}
