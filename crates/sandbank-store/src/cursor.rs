//! Opaque pagination cursors: a position in a list (the booking time and id of an item) and
//! which way to read from it, as base64url (no padding) of a small JSON object. Clients must not
//! build or read them; the store refuses any cursor it could not have issued.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sandbank_schemas::TransactionId;
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

/// Where a page starts: the items strictly after (or before) one item of the list, named by
/// its booking time and id.
///
/// A `next` cursor is written without its direction, so cursors issued before `prev` existed
/// keep their meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Cursor {
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

    /// The cursor some text stands for; [`StoreError::InvalidCursor`] unless it is one this
    /// store could have issued (well-formed, and naming a well-formed transaction id).
    pub(crate) fn decode(text: &str) -> StoreResult<Cursor> {
        let json = base64url_decode(text).ok_or(StoreError::InvalidCursor)?;
        let cursor: Cursor =
            serde_json::from_slice(&json).map_err(|_| StoreError::InvalidCursor)?;
        // An id that no transaction could have (control characters, NUL...) would reach the
        // database otherwise, and PostgreSQL refuses some of them with an error.
        TransactionId::new(cursor.id.as_str()).map_err(|_| StoreError::InvalidCursor)?;
        Ok(cursor)
    }
}

/// The cursor of the page that follows `transaction` in an account's newest-first list: what
/// [`Store::transactions`](crate::Store::transactions) puts in `next_cursor` when a page ends
/// with it. For building links outside the store (the OpenAPI examples).
pub fn cursor_after(transaction: &sandbank_schemas::Transaction) -> String {
    Cursor {
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

    #[test]
    fn foreign_cursors_are_refused() {
        let bad = [
            String::new(),
            "!!!!".into(),
            "a".into(),
            "aGVsbG8_Ph".into(),
            cursor(r#"{"t":1}"#),
            cursor(r#"{"t":1,"id":"txn-1","dir":"sideways"}"#),
            cursor(r#"{"t":1,"id":"txn-1","extra":true}"#),
            cursor(r#"{"t":1e3,"id":"txn-1"}"#),
            cursor(r#"{"t":99999999999999999999,"id":"txn-1"}"#),
            cursor(r#"{"t":1,"id":""}"#),
            cursor(r#"{"t":1,"id":"txn\u0000"}"#),
            cursor(r#"{"t":1,"id":"txn 1"}"#),
        ];
        for text in &bad {
            assert!(Cursor::decode(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn cursors_round_trip_and_next_ones_keep_their_old_spelling() {
        for direction in [Direction::Next, Direction::Prev] {
            let cursor = Cursor {
                t: 1_700_000_000_000_000,
                id: "txn-1".into(),
                direction,
            };
            assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        }
        let next = Cursor::decode(&cursor(r#"{"t":5,"id":"txn-1"}"#)).unwrap();
        assert_eq!(next.direction, Direction::Next);
        assert_eq!(next.encode(), cursor(r#"{"t":5,"id":"txn-1"}"#));
        let prev = Cursor {
            direction: Direction::Prev,
            ..next
        };
        assert_eq!(
            prev.encode(),
            cursor(r#"{"t":5,"id":"txn-1","dir":"prev"}"#)
        );
    }
}
