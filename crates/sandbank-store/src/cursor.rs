//! Opaque pagination cursors: the position of the last item of a page, as base64url (no
//! padding) of a small JSON object. Clients must not build or read them; the store refuses any
//! cursor it could not have issued.

use serde::{Deserialize, Serialize};

use crate::error::{StoreError, StoreResult};

/// Where a page of transactions ended: the booking time (microseconds) and id of its last item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Position {
    /// Booking time, microseconds since the epoch.
    pub(crate) t: i64,
    /// Transaction id.
    pub(crate) id: String,
}

impl Position {
    /// The opaque cursor for this position.
    pub(crate) fn encode(&self) -> String {
        // A struct of an integer and a string always serializes.
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64url_encode(&json)
    }

    /// The position a cursor stands for.
    pub(crate) fn decode(cursor: &str) -> StoreResult<Position> {
        let json = base64url_decode(cursor).ok_or(StoreError::InvalidCursor)?;
        serde_json::from_slice(&json).map_err(|_| StoreError::InvalidCursor)
    }
}

/// The cursor of the page that follows `transaction` in an account's newest-first list: what
/// [`Store::transactions`](crate::Store::transactions) puts in `next_cursor` when a page ends
/// with it. For building links outside the store (the OpenAPI examples).
pub fn cursor_after(transaction: &sandbank_schemas::Transaction) -> String {
    Position {
        t: crate::encode::micros(transaction.booking_date_time),
        id: transaction.transaction_id.to_string(),
    }
    .encode()
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            let value = ALPHABET.iter().position(|&a| a == c)? as u32;
            n |= value << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
        // Unused low bits must be zero, so that every cursor has exactly one spelling.
        if n & (0xFF_FFFF >> (8 * (chunk.len() - 1))) != 0 {
            return None;
        }
    }
    Some(out)
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
    }

    #[test]
    fn foreign_cursors_are_refused() {
        for bad in ["", "!!!!", "a", "aGVsbG8_Ph", "eyJ0IjoxfQ"] {
            assert!(Position::decode(bad).is_err(), "{bad:?}");
        }
        let position = Position {
            t: 1_700_000_000_000_000,
            id: "txn-1".into(),
        };
        assert_eq!(Position::decode(&position.encode()).unwrap(), position);
    }
}
