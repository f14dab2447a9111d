//! How records and their indexed values become column values, and back.

use chrono::{DateTime, NaiveDate, Utc};
use sandbank_schemas::Amount;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{StoreError, StoreResult};

/// The record as the JSON stored in its `body` column.
pub(crate) fn body<T: Serialize>(record: &T) -> StoreResult<String> {
    serde_json::to_string(record).map_err(StoreError::Encode)
}

/// A record read back from its `body` column.
pub(crate) fn from_body<T: DeserializeOwned>(body: &str) -> StoreResult<T> {
    serde_json::from_str(body).map_err(StoreError::corrupt)
}

/// Records read back from their `body` columns, in order.
pub(crate) fn from_bodies<T: DeserializeOwned>(rows: Vec<(String,)>) -> StoreResult<Vec<T>> {
    rows.iter().map(|(body,)| from_body(body)).collect()
}

/// The name a unit enum variant serializes to (`TransactionStatus::Posted` → `POSTED`).
pub(crate) fn variant_name<T: Serialize>(value: &T) -> StoreResult<String> {
    match serde_json::to_value(value).map_err(StoreError::Encode)? {
        serde_json::Value::String(name) => Ok(name),
        other => Err(StoreError::Encode(serde::ser::Error::custom(format!(
            "expected a unit variant, got {other}"
        )))),
    }
}

/// A time as stored: microseconds since the Unix epoch.
pub(crate) fn micros(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros()
}

/// A stored time back as a time.
pub(crate) fn from_micros(micros: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros).ok_or_else(|| {
        StoreError::corrupt(std::io::Error::other(format!(
            "timestamp {micros} is out of range"
        )))
    })
}

/// Microseconds at midnight UTC starting `date`.
pub(crate) fn day_start_micros(date: NaiveDate) -> i64 {
    micros(date.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// Microseconds at midnight UTC ending `date` (the start of the next day).
pub(crate) fn day_end_micros(date: NaiveDate) -> i64 {
    date.succ_opt().map_or(i64::MAX, day_start_micros)
}

/// An amount as a text key whose byte order is numeric order: 15 integer digits and 5
/// decimals, zero-padded (`"1234.5"` → `"000000000001234.50000"`). Amounts are never negative.
pub(crate) fn amount_key(amount: &Amount) -> String {
    let text = amount.to_string();
    let (integer, fraction) = text.split_once('.').unwrap_or((&text, ""));
    format!("{integer:0>15}.{fraction:0<5}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amount_keys_sort_numerically() {
        let keys: Vec<String> = [
            "0",
            "0.5",
            "9.99",
            "10",
            "10.01",
            "1234.5",
            "999999999999999.99999",
        ]
        .iter()
        .map(|text| amount_key(&text.parse().unwrap()))
        .collect();
        assert_eq!(keys[5], "000000000001234.50000");
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert!(keys.iter().all(|key| key.len() == 21));
    }

    #[test]
    fn day_bounds_are_a_day_apart() {
        let date = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        assert_eq!(
            day_end_micros(date) - day_start_micros(date),
            86_400_000_000
        );
    }
}
