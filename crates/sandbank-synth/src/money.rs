//! Integer money: the generator counts in minor units (pence, cents) and converts to the
//! schema's decimal strings only at the edge, so no float ever touches an amount.

use rust_decimal::{Decimal, RoundingStrategy};
use sandbank_schemas::common::{
    Amount, BalanceAmount, CreditDebitIndicator, Currency, Money, Rate,
};

/// Money of `minor` units (the sign is dropped: direction lives elsewhere).
pub fn money(minor: i64, currency: Currency) -> Money {
    Money::new(Amount::from_minor(minor.unsigned_abs()), currency)
}

/// A signed balance: negative means owed to the bank (`DEBIT`).
pub fn balance(minor: i64, currency: Currency) -> BalanceAmount {
    BalanceAmount {
        amount: Amount::from_minor(minor.unsigned_abs()),
        currency,
        credit_debit_indicator: indicator(minor),
    }
}

/// `CREDIT` for zero and above, `DEBIT` below.
pub fn indicator(minor: i64) -> CreditDebitIndicator {
    if minor < 0 {
        CreditDebitIndicator::Debit
    } else {
        CreditDebitIndicator::Credit
    }
}

/// A percentage from basis points: 375 is "3.75". Rates fit four integer digits, so anything
/// from 1,000,000 bp (10,000 %) up is clamped below that.
pub fn rate_bp(bp: u32) -> Rate {
    Rate::new(Decimal::new(i64::from(bp.min(999_999)), 2)).unwrap_or(Rate::ZERO)
}

/// One month of interest on `minor` at `bp` basis points a year, rounded half-even.
pub fn monthly_interest(minor: i64, bp: u32) -> i64 {
    let interest = Decimal::from(minor) * Decimal::from(bp) / Decimal::from(120_000);
    interest
        .round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven)
        .try_into()
        .unwrap_or(0)
}

/// `part` basis points of `minor`, rounded half-even.
pub fn basis_points(minor: i64, bp: u64) -> i64 {
    let value = Decimal::from(minor) * Decimal::from(bp) / Decimal::from(10_000);
    value
        .round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven)
        .try_into()
        .unwrap_or(0)
}

/// The fixed monthly payment that repays `principal` over `months` at `bp` a year (annuity),
/// in minor units, rounded up to the next minor unit.
pub fn annuity_payment(principal: i64, bp: u32, months: u32) -> i64 {
    if months == 0 {
        return principal;
    }
    let rate = Decimal::from(bp) / Decimal::from(120_000);
    if rate.is_zero() {
        return principal / i64::from(months) + 1;
    }
    let mut growth = Decimal::ONE;
    for _ in 0..months {
        growth *= Decimal::ONE + rate;
    }
    let payment = Decimal::from(principal) * rate * growth / (growth - Decimal::ONE);
    payment
        .round_dp_with_strategy(0, RoundingStrategy::AwayFromZero)
        .try_into()
        .unwrap_or(principal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interest_and_annuities_are_exact_integers() {
        assert_eq!(monthly_interest(1_200_000, 500), 5_000);
        assert_eq!(basis_points(10_000, 275), 275);
        // £240,000 over 25 years at 4.79 %: about £1,370 a month.
        let payment = annuity_payment(24_000_000, 479, 300);
        assert!((136_000..138_000).contains(&payment), "{payment}");
        assert_eq!(money(-1234, Currency::GBP).amount.to_string(), "12.34");
        assert_eq!(
            balance(-5, Currency::GBP).credit_debit_indicator,
            CreditDebitIndicator::Debit
        );
        assert_eq!(rate_bp(375).to_string(), "3.75");
    }
}
