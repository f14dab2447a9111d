//! Opaque pagination cursors: the account whose list it pages, a position in that list (the
//! booking time and id of an item) and which way to read from it, as base64url (no padding) of a
//! small JSON object. Clients must not build or read them; the store refuses any cursor it could
//! not have issued, one issued for another account's list, and any other spelling of one it did.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sandbank_schemas::{AccountId, TransactionId};
use serde::{Deserialize, Serialize};

use crate::error::{StoreError, StoreResult};

/// Which way a cursor reads from its position, in the list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Direction {
    /// The items after the position (`links.next`): the position is the last item of the page
    /// before.
    #[default]
    Next,
    /// The items before the position (`links.prev`): the position is the first item of the page
    /// after.
    Prev,
}

impl Direction {
    fn is_next(&self) -> bool {
        *self == Direction::Next
    }
}

/// Where a page starts: the items strictly after (or before) one item of one account's list,
/// named by its booking time and id.
///
/// A `next` cursor is written without its direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Cursor {
    /// The account whose list the cursor pages: it is refused on any other.
    pub(crate) acc: String,
    /// The item's booking time, microseconds since the epoch.
    pub(crate) t: i64,
    /// The item's transaction id.
    pub(crate) id: String,
    /// Which way the page is read from the item (itself excluded).
    #[serde(default, rename = "dir", skip_serializing_if = "Direction::is_next")]
    pub(crate) direction: Direction,
}

impl Cursor {
    /// The opaque cursor text.
    pub(crate) fn encode(&self) -> String {
        // A struct of an integer, a string and a unit enum always serializes.
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64url_encode(&json)
    }

    /// The cursor some text stands for in `account`'s list; [`StoreError::InvalidCursor`]
    /// unless it is one this store could have issued for that list: well-formed, naming a
    /// well-formed transaction id and `account`, and spelt exactly as [`Cursor::encode`]
    /// writes it.
    pub(crate) fn decode(text: &str, account: &AccountId) -> StoreResult<Cursor> {
        let json = base64url_decode(text).ok_or(StoreError::InvalidCursor)?;
        let cursor: Cursor =
            serde_json::from_slice(&json).map_err(|_| StoreError::InvalidCursor)?;
        // An id that no transaction could have (control characters, NUL...) would reach the
        // database otherwise, and PostgreSQL refuses some of them with an error.
        TransactionId::new(cursor.id.as_str()).map_err(|_| StoreError::InvalidCursor)?;
        if cursor.acc != account.as_str() || cursor.encode() != text {
            return Err(StoreError::InvalidCursor);
        }
        Ok(cursor)
    }
}

/// The cursor of the page that follows `transaction` in an account's newest-first list: what
/// [`Store::transactions`](crate::Store::transactions) puts in `next_cursor` when a page ends
/// with it. For building links outside the store (the OpenAPI examples).
pub fn cursor_after(transaction: &sandbank_schemas::Transaction) -> String {
    Cursor {
        acc: transaction.account_id.to_string(),
        t: crate::encode::micros(transaction.booking_date_time),
        id: transaction.transaction_id.to_string(),
        direction: Direction::Next,
    }
    .encode()
}

/// Base64url without padding. Decoding refuses padding and non-zero trailing bits (the
/// engine's defaults), so every cursor has exactly one spelling.
fn base64url_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips() {
        for len in 0..20 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 250) as u8).collect();
            let text = base64url_encode(&bytes);
            assert!(!text.contains('='));
            assert_eq!(base64url_decode(&text), Some(bytes));
        }
        assert_eq!(base64url_encode(b"hello?>"), "aGVsbG8_Pg");
        // One spelling per cursor: no padding, no stray low bits.
        assert_eq!(base64url_decode("aGVsbG8_Pg=="), None);
        assert_eq!(base64url_decode("aGVsbG8_Ph"), None);
        assert_eq!(base64url_decode("aGVsbG8_P"), None);
    }

    fn cursor(json: &str) -> String {
        base64url_encode(json.as_bytes())
    }

    fn account(id: &str) -> AccountId {
        AccountId::new(id).unwrap()
    }

    #[test]
    fn foreign_cursors_are_refused() {
        let bad = [
            String::new(),
            "!!!!".into(),
            "a".into(),
            "aGVsbG8_Ph".into(),
            cursor(r#"{"acc":"acc-1","t":1}"#),
            cursor(r#"{"acc":"acc-1","t":1,"id":"txn-1","dir":"sideways"}"#),
            cursor(r#"{"acc":"acc-1","t":1,"id":"txn-1","extra":true}"#),
            cursor(r#"{"acc":"acc-1","t":1e3,"id":"txn-1"}"#),
            cursor(r#"{"acc":"acc-1","t":99999999999999999999,"id":"txn-1"}"#),
            cursor(r#"{"acc":"acc-1","t":1,"id":""}"#),
            cursor(r#"{"acc":"acc-1","t":1,"id":"txn\u0000"}"#),
            cursor(r#"{"acc":"acc-1","t":1,"id":"txn 1"}"#),
            // Without its account (as written before cursors named one), or another's.
            cursor(r#"{"t":1,"id":"txn-1"}"#),
            cursor(r#"{"acc":"acc-2","t":1,"id":"txn-1"}"#),
            // Other spellings of a good cursor: fields reordered, spaces, `next` spelt out.
            cursor(r#"{"t":1,"acc":"acc-1","id":"txn-1"}"#),
            cursor(r#"{"acc":"acc-1", "t":1,"id":"txn-1"}"#),
            cursor(r#"{"acc":"acc-1","t":1,"id":"txn-1","dir":"next"}"#),
        ];
        for text in &bad {
            assert!(Cursor::decode(text, &account("acc-1")).is_err(), "{text:?}");
        }
        let good = cursor(r#"{"acc":"acc-1","t":1,"id":"txn-1"}"#);
        assert!(Cursor::decode(&good, &account("acc-1")).is_ok());
    }

    #[test]
    fn cursors_round_trip_and_next_ones_are_written_without_a_direction() {
        for direction in [Direction::Next, Direction::Prev] {
            let cursor = Cursor {
                acc: "acc-1".into(),
                t: 1_700_000_000_000_000,
                id: "txn-1".into(),
                direction,
            };
            let text = cursor.encode();
            assert_eq!(Cursor::decode(&text, &account("acc-1")).unwrap(), cursor);
        }
        let written = cursor(r#"{"acc":"acc-1","t":5,"id":"txn-1"}"#);
        let next = Cursor::decode(&written, &account("acc-1")).unwrap();
        assert_eq!(next.direction, Direction::Next);
        assert_eq!(next.encode(), written);
        let prev = Cursor {
            direction: Direction::Prev,
            ..next
        };
        assert_eq!(
            prev.encode(),
            cursor(r#"{"acc":"acc-1","t":5,"id":"txn-1","dir":"prev"}"#)
        );
    }
}
