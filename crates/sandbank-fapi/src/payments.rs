//! What the authorization server knows about payments: which of a customer's accounts can pay,
//! which one pays a `payment_initiation` consent that leaves the debtor account open, and how a
//! payment reads in words on the consent page and the privacy dashboard.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use sandbank_schemas::account::AccountDetails;
use sandbank_schemas::common::{
    AccountId, AccountIdentification, AccountIdentificationScheme, Currency, Money,
};
use sandbank_schemas::{Account, AccountStatus, PaymentRequest};

/// Whether payments can be made from `account`: a deposit account, a retail one or a
/// business's. Its status is not looked at here: a payment from a closed or restricted account
/// is consented to, then rejected by the bank (`ACCOUNT_BLOCKED`), as a real bank would.
pub fn pays_from(account: &Account) -> bool {
    match &account.details {
        AccountDetails::Deposit { .. } => true,
        AccountDetails::Commercial { deposit, .. } => deposit.is_some(),
        _ => false,
    }
}

/// The accounts of `accounts` a customer may choose to pay `currency` from: open deposit
/// accounts in that currency, in the order given.
pub fn payers(accounts: &[Account], currency: Currency) -> impl Iterator<Item = &Account> {
    accounts.iter().filter(move |account| {
        pays_from(account) && account.status == AccountStatus::Open && account.currency == currency
    })
}

/// The account that pays `payment`: the one it names, when that is one of `owned` and can pay;
/// else, when it names none, `payer` if that is one of [`payers`] (the customer's choice on the
/// consent page), else of the [`payers`] among `chosen` the first whose available balance
/// covers the amount, or the first. `None` when no account can pay it.
pub fn debtor(
    payment: &PaymentRequest,
    owned: &[Account],
    chosen: &[AccountId],
    payer: Option<&AccountId>,
) -> Option<AccountId> {
    if let Some(named) = &payment.debtor_account {
        return owned
            .iter()
            .find(|a| &a.account_id == named && pays_from(a))
            .map(|a| a.account_id.clone());
    }
    let candidates: Vec<&Account> = payers(owned, payment.instructed_amount.currency).collect();
    let candidate = |id: &AccountId| candidates.iter().find(|a| &a.account_id == id).copied();
    if let Some(payer) = payer {
        return candidate(payer).map(|a| a.account_id.clone());
    }
    // Of the accounts chosen, the first that can cover the amount, else the first that can pay.
    let chosen: Vec<&Account> = chosen.iter().filter_map(candidate).collect();
    let covers = |a: &&&Account| {
        sandbank_store::ledger::available(a)
            .is_some_and(|funds| funds >= payment.instructed_amount.amount.value())
    };
    chosen
        .iter()
        .find(covers)
        .or_else(|| chosen.first())
        .map(|a| a.account_id.clone())
}

/// Money as a customer reads it: `£1,250.00`, `€42.17`, `$3.50`, or `CHF 12.00`.
pub fn money_in_words(money: &Money) -> String {
    let value: Decimal = money.amount.value();
    let text = format!("{:.2}", value.round_dp(2));
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let symbol = match money.currency.as_str() {
        "GBP" => Some("£"),
        "EUR" => Some("€"),
        "USD" => Some("$"),
        _ => None,
    };
    match symbol {
        Some(symbol) => format!("{symbol}{grouped}.{fraction}"),
        None => format!("{} {grouped}.{fraction}", money.currency),
    }
}

/// An account as the pages name it: its nickname or display name and its masked number,
/// `Everyday Current ••6789`.
pub fn account_in_words(account: &Account) -> String {
    let name = account.nickname.as_deref().unwrap_or(&account.display_name);
    let number = crate::pages::masked_number(account);
    format!("{name} ••{}", number.trim_start_matches('*'))
}

/// The creditor's account in words: one of the customer's own by name, `an account at
/// Sandbank` for another account here, else `account ending 9911`.
fn creditor_account_in_words(account: &AccountIdentification, known: &[Account]) -> String {
    if account.scheme == AccountIdentificationScheme::AccountId {
        return match known
            .iter()
            .find(|a| a.account_id.as_str() == account.identification)
        {
            Some(own) => format!("your {}", account_in_words(own)),
            None => "an account at Sandbank".to_owned(),
        };
    }
    let id = account.identification.as_str();
    // The last four characters (identifications are the client's input: any text).
    let tail = id
        .char_indices()
        .rev()
        .nth(3)
        .map_or(id, |(at, _)| &id[at..]);
    format!("account ending {tail}")
}

/// A day in words: `3 December`, with the year when it is not `today`'s.
fn day_in_words(day: NaiveDate, today: NaiveDate) -> String {
    if day.year() == today.year() {
        day.format("%-d %B").to_string()
    } else {
        day.format("%-d %B %Y").to_string()
    }
}

/// A payment in words, for the customer: "Pay £42.17 to Harbourline Ltd (account ending 9911)
/// from Everyday Current ••1234 on 3 December, reference INV-0042". `accounts` are the
/// customer's, to name the debtor account; when the payment names none (or one not among them),
/// it reads "from the account you choose".
pub fn describe(payment: &PaymentRequest, accounts: &[Account], today: NaiveDate) -> String {
    let amount = money_in_words(&payment.instructed_amount);
    let creditor = creditor_account_in_words(&payment.creditor_account, accounts);
    let from = match &payment.debtor_account {
        Some(id) => match accounts.iter().find(|a| &a.account_id == id) {
            Some(account) => account_in_words(account),
            None => format!("account {id}"),
        },
        None => "the account you choose".to_owned(),
    };
    let when = match payment.requested_execution_date {
        Some(day) if day > today => format!("on {}", day_in_words(day, today)),
        _ => "today".to_owned(),
    };
    let mut words = format!(
        "Pay {amount} to {} ({creditor}) from {from} {when}",
        payment.creditor_name
    );
    if let Some(reference) = &payment.remittance_information {
        words.push_str(&format!(", reference {reference}"));
    }
    words
}

#[cfg(test)]
mod tests {
    use sandbank_schemas::{Amount, examples};

    use super::*;

    fn gbp(minor: u64) -> Money {
        Money::new(Amount::from_minor(minor), Currency::GBP)
    }

    #[test]
    fn money_reads_as_a_customer_writes_it() {
        assert_eq!(money_in_words(&gbp(4217)), "£42.17");
        assert_eq!(money_in_words(&gbp(125_000)), "£1,250.00");
        assert_eq!(money_in_words(&gbp(123_456_789)), "£1,234,567.89");
        assert_eq!(
            money_in_words(&Money::new(
                Amount::from_minor(1200),
                "CHF".parse().unwrap()
            )),
            "CHF 12.00"
        );
    }

    #[test]
    fn any_creditor_identification_reads_without_panicking() {
        let account = |identification: &str| AccountIdentification {
            scheme: AccountIdentificationScheme::Iban,
            identification: identification.into(),
            name: None,
        };
        assert_eq!(
            creditor_account_in_words(&account("GB33BUKB2020"), &[]),
            "account ending 2020"
        );
        assert_eq!(
            creditor_account_in_words(&account("ab"), &[]),
            "account ending ab"
        );
        assert_eq!(
            creditor_account_in_words(&account("xxééé€"), &[]),
            "account ending ééé€"
        );
    }

    #[test]
    fn a_payment_reads_in_words() {
        let accounts = examples::accounts();
        let debtor = accounts.iter().find(|a| pays_from(a)).unwrap();
        let request = PaymentRequest {
            instructed_amount: gbp(4217),
            creditor_name: "Harbourline Ltd".into(),
            creditor_account: AccountIdentification {
                scheme: AccountIdentificationScheme::SortCodeAccountNumber,
                identification: "20000055779911".into(),
                name: None,
            },
            debtor_account: Some(debtor.account_id.clone()),
            remittance_information: Some("INV-0042".into()),
            requested_execution_date: NaiveDate::from_ymd_opt(2026, 12, 3),
        };
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(
            describe(&request, &accounts, today),
            format!(
                "Pay £42.17 to Harbourline Ltd (account ending 9911) from {} on 3 December, \
                 reference INV-0042",
                account_in_words(debtor)
            )
        );
        let open = PaymentRequest {
            debtor_account: None,
            requested_execution_date: None,
            remittance_information: None,
            ..request
        };
        assert_eq!(
            describe(&open, &accounts, today),
            "Pay £42.17 to Harbourline Ltd (account ending 9911) from the account you choose today"
        );
    }

    #[test]
    fn an_open_debtor_is_the_payer_chosen_else_the_first_chosen_that_can_pay() {
        let accounts = examples::accounts();
        let payer = payers(&accounts, Currency::GBP).next().unwrap().clone();
        let other = accounts.iter().find(|a| !pays_from(a)).unwrap().clone();
        let request = examples::payment_requests().remove(0);
        let open = PaymentRequest {
            debtor_account: None,
            ..request.clone()
        };
        let chosen = [other.account_id.clone(), payer.account_id.clone()];
        assert_eq!(
            debtor(&open, &accounts, &chosen, None),
            Some(payer.account_id.clone())
        );
        assert_eq!(
            debtor(&open, &accounts, &[], Some(&payer.account_id)),
            Some(payer.account_id.clone())
        );
        assert_eq!(
            debtor(
                &open,
                &accounts,
                std::slice::from_ref(&other.account_id),
                None
            ),
            None
        );
        let named_other = PaymentRequest {
            debtor_account: Some(other.account_id.clone()),
            ..request
        };
        assert_eq!(debtor(&named_other, &accounts, &chosen, None), None);
    }
}
