//! Building blocks shared by every model: money, currencies, rates, identifiers, addresses.
//!
//! Money is never a float. Amounts travel as decimal strings (`"1234.50"`) next to an ISO 4217
//! currency code; whether money goes in or out is said by a [`CreditDebitIndicator`], never by a
//! sign, so an [`Amount`] is always non-negative.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

/// A value that does not have the shape its type requires (a malformed amount, an unknown
/// currency, an empty identifier...). The message names the rule that was broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidValue(String);

impl InvalidValue {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for InvalidValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidValue {}

/// Checks the textual form of a decimal string: optional `-` (when `signed`), no leading zeros,
/// at most `max_integer_digits` before the point and `max_scale` after it, no exponent, no
/// spaces. The JSON Schema `pattern` of each decimal type says the same thing.
fn parse_decimal(
    text: &str,
    signed: bool,
    max_integer_digits: usize,
    max_scale: usize,
) -> Result<Decimal, InvalidValue> {
    let unsigned = match text.strip_prefix('-') {
        Some(rest) if signed => rest,
        Some(_) => return Err(InvalidValue::new("must not be negative")),
        None => text,
    };
    let (integer, fraction) = match unsigned.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (unsigned, None),
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(integer) || integer.len() > max_integer_digits {
        return Err(InvalidValue::new(format!(
            "{text:?} is not a decimal string with at most {max_integer_digits} integer digits"
        )));
    }
    if integer.len() > 1 && integer.starts_with('0') {
        return Err(InvalidValue::new(format!("{text:?} has a leading zero")));
    }
    if let Some(fraction) = fraction
        && (!digits(fraction) || fraction.len() > max_scale)
    {
        return Err(InvalidValue::new(format!(
            "{text:?} must have between 1 and {max_scale} digits after the decimal point"
        )));
    }
    Decimal::from_str(text).map_err(|_| InvalidValue::new(format!("{text:?} is not a decimal")))
}

/// Declares a decimal-string newtype: serialized as a JSON string, parsed strictly, described
/// in JSON Schema by a pattern that matches exactly what the parser accepts.
macro_rules! decimal_string {
    (
        $(#[$meta:meta])*
        $name:ident {
            signed: $signed:literal,
            integer_digits: $int:literal,
            scale: $scale:literal,
            pattern: $pattern:literal,
            description: $description:literal,
            example: $example:literal $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Decimal);

        impl $name {
            /// Zero.
            pub const ZERO: $name = $name(Decimal::ZERO);

            /// Wraps a decimal, checking it fits this type (sign, digits, scale).
            pub fn new(value: Decimal) -> Result<Self, InvalidValue> {
                Self::from_str(&value.to_string())
            }

            /// The decimal value.
            pub fn value(&self) -> Decimal {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = InvalidValue;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                parse_decimal(text, $signed, $int, $scale).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = Cow::<'de, str>::deserialize(deserializer)?;
                Self::from_str(&text).map_err(serde::de::Error::custom)
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "pattern": $pattern,
                    "description": $description,
                    "examples": [$example],
                })
            }
        }
    };
}

decimal_string! {
    /// A non-negative amount of money as a decimal string, e.g. `"1234.50"`.
    Amount {
        signed: false,
        integer_digits: 15,
        scale: 5,
        pattern: "^(0|[1-9][0-9]{0,14})(\\.[0-9]{1,5})?$",
        description: "A non-negative amount of money as a decimal string: up to 15 digits, optionally a point and up to 5 decimals. Never a JSON number. Direction (in or out) is given by a credit/debit indicator, not by a sign.",
        example: "1234.50",
    }
}

decimal_string! {
    /// A percentage as a decimal string, e.g. `"4.25"` for 4.25 %. May be negative.
    Rate {
        signed: true,
        integer_digits: 4,
        scale: 6,
        pattern: "^-?(0|[1-9][0-9]{0,3})(\\.[0-9]{1,6})?$",
        description: "A percentage as a decimal string (\"4.25\" means 4.25 %). May be negative.",
        example: "4.25",
    }
}

decimal_string! {
    /// A number of units (shares, fund units) as a non-negative decimal string.
    Quantity {
        signed: false,
        integer_digits: 15,
        scale: 8,
        pattern: "^(0|[1-9][0-9]{0,14})(\\.[0-9]{1,8})?$",
        description: "A number of units (shares, fund units) as a non-negative decimal string with up to 8 decimals.",
        example: "12.5",
    }
}

decimal_string! {
    /// How many units of one currency buy one unit of another, as a decimal string.
    ExchangeRate {
        signed: false,
        integer_digits: 10,
        scale: 10,
        pattern: "^(0|[1-9][0-9]{0,9})(\\.[0-9]{1,10})?$",
        description: "An exchange rate as a non-negative decimal string: units of the target currency for one unit of the source currency.",
        example: "1.1675",
    }
}

impl Amount {
    /// The largest amount in minor units that fits the 15 integer digits of the format.
    pub const MAX_MINOR: u64 = 99_999_999_999_999_999;

    /// An amount from minor units (pence, cents): `Amount::from_minor(123450)` is `"1234.50"`.
    /// Values above [`Amount::MAX_MINOR`] are clamped to it.
    pub fn from_minor(minor: u64) -> Amount {
        let minor = minor.min(Self::MAX_MINOR);
        Amount(Decimal::from_i128_with_scale(i128::from(minor), 2))
    }
}

/// Currency codes that ISO 4217 lists as in use (funds codes included; precious metals, bond
/// units, testing and "no currency" codes excluded).
pub const ISO_4217_CODES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN",
    "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUP", "CVE", "CZK",
    "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS",
    "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD",
    "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD",
    "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT",
    "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK",
    "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD",
    "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP",
    "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS",
    "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND", "VUV", "WST",
    "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
];

/// An ISO 4217 alphabetic currency code, e.g. `GBP`. Only codes in [`ISO_4217_CODES`] exist.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Pound sterling.
    pub const GBP: Currency = Currency(*b"GBP");
    /// Euro.
    pub const EUR: Currency = Currency(*b"EUR");
    /// US dollar.
    pub const USD: Currency = Currency(*b"USD");

    /// The three-letter code.
    pub fn as_str(&self) -> &str {
        // Only ever built from an entry of ISO_4217_CODES, which is ASCII.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl FromStr for Currency {
    type Err = InvalidValue;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        match ISO_4217_CODES.binary_search(&code) {
            Ok(index) => {
                let bytes = ISO_4217_CODES[index].as_bytes();
                Ok(Currency([bytes[0], bytes[1], bytes[2]]))
            }
            Err(_) => Err(InvalidValue::new(format!(
                "{code:?} is not an ISO 4217 currency code in use"
            ))),
        }
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = Cow::<'de, str>::deserialize(deserializer)?;
        Currency::from_str(&code).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Currency {
    fn schema_name() -> Cow<'static, str> {
        "Currency".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "An ISO 4217 alphabetic currency code in use, upper case.",
            "enum": ISO_4217_CODES,
        })
    }
}

/// An amount of money in a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Money {
    /// The amount, a non-negative decimal string.
    pub amount: Amount,
    /// The ISO 4217 currency of the amount.
    pub currency: Currency,
}

impl Money {
    /// Money from an amount and a currency.
    pub fn new(amount: Amount, currency: Currency) -> Self {
        Self { amount, currency }
    }
}

/// Whether money goes into an account (credit) or out of it (debit). For a balance: whether the
/// customer is in credit, or owes the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CreditDebitIndicator {
    /// Money in; or, for a balance, in the customer's favour.
    Credit,
    /// Money out; or, for a balance, owed to the bank.
    Debit,
}

/// A signed amount of money: an amount, its currency, and on which side of zero it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BalanceAmount {
    /// The size of the balance, a non-negative decimal string.
    pub amount: Amount,
    /// The ISO 4217 currency of the balance.
    pub currency: Currency,
    /// `CREDIT` when the balance is in the customer's favour, `DEBIT` when it is owed to the bank.
    pub credit_debit_indicator: CreditDebitIndicator,
}

impl BalanceAmount {
    /// The balance as a signed decimal: negative when it is owed to the bank (`DEBIT`).
    pub fn signed(&self) -> Decimal {
        match self.credit_debit_indicator {
            CreditDebitIndicator::Credit => self.amount.value(),
            CreditDebitIndicator::Debit => -self.amount.value(),
        }
    }

    /// A balance from a signed decimal: `CREDIT` at zero and above, `DEBIT` below. Fails when
    /// the size does not fit an [`Amount`].
    pub fn from_signed(value: Decimal, currency: Currency) -> Result<Self, InvalidValue> {
        Ok(BalanceAmount {
            amount: Amount::new(value.abs())?,
            currency,
            credit_debit_indicator: if value.is_sign_negative() && !value.is_zero() {
                CreditDebitIndicator::Debit
            } else {
                CreditDebitIndicator::Credit
            },
        })
    }
}

/// What every identifier newtype can do.
pub trait Identifier: Sized {
    /// A well-formed identifier from a prefix and a number, e.g. `acc-00000000000004d2`, for
    /// generated data. A prefix that is not itself well-formed is dropped, so this cannot fail.
    fn generated(prefix: &str, value: u64) -> Self;

    /// The identifier as text.
    fn text(&self) -> &str;
}

/// Declares an opaque string identifier: never empty, at most 128 URL-safe characters.
macro_rules! identifier {
    ($(#[$meta:meta])* $name:ident, $description:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Wraps an identifier, checking its length and characters.
            pub fn new(value: impl Into<String>) -> Result<Self, InvalidValue> {
                let value = value.into();
                let valid = !value.is_empty()
                    && value.len() <= 128
                    && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~:".contains(&b))
                    && value.as_bytes()[0].is_ascii_alphanumeric();
                if valid {
                    Ok(Self(value))
                } else {
                    Err(InvalidValue::new(format!(
                        "{value:?} is not a valid identifier (1-128 of A-Z a-z 0-9 - _ . ~ :, starting with a letter or digit)"
                    )))
                }
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Identifier for $name {
            fn generated(prefix: &str, value: u64) -> Self {
                Self::new(format!("{prefix}-{value:016x}"))
                    .unwrap_or_else(|_| Self(format!("{value:016x}")))
            }

            fn text(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidValue;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 128,
                    "pattern": "^[A-Za-z0-9][A-Za-z0-9._~:-]*$",
                    "description": $description,
                })
            }
        }
    };
}

identifier!(
    /// Identifies an account.
    AccountId,
    "Opaque identifier of an account, stable for a given dataset seed."
);
identifier!(
    /// Identifies a transaction.
    TransactionId,
    "Opaque identifier of a transaction, stable for a given dataset seed."
);
identifier!(
    /// Identifies a statement.
    StatementId,
    "Opaque identifier of a statement."
);
identifier!(
    /// Identifies an investment holding.
    HoldingId,
    "Opaque identifier of an investment holding."
);
identifier!(
    /// Identifies an insurance policy.
    PolicyId,
    "Opaque identifier of an insurance policy."
);
identifier!(
    /// Identifies an insurance claim.
    ClaimId,
    "Opaque identifier of an insurance claim."
);
identifier!(
    /// Identifies a payment card.
    CardId,
    "Opaque identifier of a payment card (never the card number)."
);
identifier!(
    /// Identifies a party: a person or an organisation.
    PartyId,
    "Opaque identifier of a party (a person or an organisation)."
);
identifier!(
    /// Identifies a payment.
    PaymentId,
    "Opaque identifier of a payment."
);
identifier!(
    /// Identifies a consent (an OAuth grant).
    ConsentId,
    "Opaque identifier of a consent; the same value as the OAuth grant_id."
);
identifier!(
    /// Identifies an OAuth client (a third-party application).
    ClientId,
    "The OAuth client_id of a third-party application."
);

/// Declares a string newtype checked against a pattern by a plain function.
macro_rules! checked_string {
    ($(#[$meta:meta])* $name:ident, check: $check:expr, pattern: $pattern:literal, description: $description:literal, example: $example:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Wraps a value, checking its form.
            pub fn new(value: impl Into<String>) -> Result<Self, InvalidValue> {
                let value = value.into();
                let check: fn(&str) -> bool = $check;
                if check(&value) {
                    Ok(Self(value))
                } else {
                    Err(InvalidValue::new(format!(
                        "{value:?} does not match {}",
                        $pattern
                    )))
                }
            }

            /// The value as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidValue;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "pattern": $pattern,
                    "description": $description,
                    "examples": [$example],
                })
            }
        }
    };
}

checked_string!(
    /// An ISO 3166-1 alpha-2 country code, e.g. `GB`.
    CountryCode,
    check: |s| s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase()),
    pattern: "^[A-Z]{2}$",
    description: "An ISO 3166-1 alpha-2 country code, upper case.",
    example: "GB"
);

checked_string!(
    /// A card number showing only its last four digits, e.g. `****1234`.
    MaskedPan,
    check: |s| s.len() == 8 && s.starts_with("****") && s[4..].bytes().all(|b| b.is_ascii_digit()),
    pattern: "^\\*{4}[0-9]{4}$",
    description: "A card number masked down to its last four digits. A full card number is never accepted.",
    example: "****4242"
);

checked_string!(
    /// An account number masked down to its last two to four characters, e.g. `****6789`.
    MaskedAccountNumber,
    check: |s| {
        let visible = s.trim_start_matches('*');
        let stars = s.len() - visible.len();
        stars >= 2 && (2..=4).contains(&visible.len()) && visible.bytes().all(|b| b.is_ascii_alphanumeric())
    },
    pattern: "^\\*{2,}[A-Za-z0-9]{2,4}$",
    description: "An account number masked down to its last two to four characters.",
    example: "****6789"
);

checked_string!(
    /// A merchant category code (ISO 18245), four digits.
    MerchantCategoryCode,
    check: |s| s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()),
    pattern: "^[0-9]{4}$",
    description: "A merchant category code (MCC, ISO 18245): four digits.",
    example: "5411"
);

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// Street lines, most specific first.
    pub lines: Vec<String>,
    /// Town or city.
    pub city: String,
    /// State, county or region, when the country uses one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Postal or ZIP code.
    pub postal_code: String,
    /// Country of the address.
    pub country: CountryCode,
}

/// How an account is identified for payments, by scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountIdentificationScheme {
    /// UK sort code (6 digits) followed by account number (8 digits), 14 digits in all.
    SortCodeAccountNumber,
    /// International Bank Account Number (ISO 13616).
    Iban,
    /// US ABA routing number (9 digits), a hyphen, then the account number.
    AbaRoutingAccount,
    /// An account at this bank, by its `accountId` (payments between Sandbank accounts).
    AccountId,
}

/// The identification of an account in a payment scheme.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountIdentification {
    /// Which scheme the identification belongs to.
    pub scheme: AccountIdentificationScheme,
    /// The identification itself, as the scheme writes it without spaces.
    pub identification: String,
    /// The name on the account, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Payment schemes money moves through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentScheme {
    /// Between two accounts of this bank.
    Internal,
    /// UK Faster Payments.
    FasterPayments,
    /// UK Bacs (direct debits, payroll).
    Bacs,
    /// UK CHAPS (high value, same day).
    Chaps,
    /// SEPA Credit Transfer.
    SepaCreditTransfer,
    /// SEPA Instant Credit Transfer.
    SepaInstant,
    /// US ACH.
    Ach,
    /// Wire transfer (Fedwire, SWIFT).
    Wire,
    /// A card network (Visa Direct, Mastercard Send...).
    Card,
}

impl CountryCode {
    /// The United Kingdom.
    pub fn gb() -> CountryCode {
        CountryCode("GB".to_owned())
    }
}

impl MaskedPan {
    /// `****` and the last four digits of `number` (any number; only its last four are kept).
    pub fn from_number(number: u64) -> MaskedPan {
        MaskedPan(format!("****{:04}", number % 10_000))
    }
}

impl MaskedAccountNumber {
    /// `****` and the last four digits of `number`.
    pub fn from_number(number: u64) -> MaskedAccountNumber {
        MaskedAccountNumber(format!("****{:04}", number % 10_000))
    }
}
