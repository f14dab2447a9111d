//! Sandbank's built-in FAPI 2.0 authorization server.
//!
//! Protocol decisions live in plain functions that take `now` and their inputs and return a
//! decision ([`dpop`], [`assertion`], [`pkce`]); the HTTP handlers only parse, call and map.

pub mod clock;
pub mod error;
pub mod jose;
pub mod keys;

pub use clock::Clock;
pub use error::OAuthError;
