#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The authorization server over HTTP on a real socket, one module per section of
//! `shared/spec/FAPI.md`; each test is named after the line it proves.
//!
//! The test client's keys, assertions, DPoP proofs and PKCE come from `sandbank_testkit::jose`
//! (`jsonwebtoken` and `aws-lc-rs` keys), never from the server's own JOSE code.

mod harness;

mod authorize;
mod ciba;
mod client_auth;
mod clock_moved;
mod dcr;
mod discovery;
mod dpop;
mod grants;
mod message_signing;
mod mtls;
mod par;
mod rar;
mod restart;
mod token;
mod userinfo;
