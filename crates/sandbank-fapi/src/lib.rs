//! Sandbank's built-in FAPI 2.0 authorization server.
//!
//! Protocol decisions live in plain functions that take `now` and their inputs and return a
//! decision ([`dpop::verify`], [`pkce::verify`], [`client::validate_registration`]); the HTTP
//! handlers only parse, call and map.

pub mod access_log;
pub mod ciba;
pub mod client;
pub mod client_auth;
pub mod clock;
pub mod code;
pub mod config;
pub mod dashboard;
pub mod decision;
pub mod dpop;
pub mod error;
pub mod form;
pub mod grant;
pub mod guard;
pub mod httpsig;
pub mod id_token;
pub mod interaction;
pub mod introspection;
pub mod jose;
pub mod keys;
pub mod lookup;
pub mod mtls;
pub mod notifications;
pub mod onboarding;
pub mod openapi;
pub mod pages;
pub mod par;
pub mod payments;
pub mod ping;
pub mod pkce;
pub mod purge;
pub mod rar;
pub mod request_object;
pub mod revocation;
pub mod routes;
pub mod scope;
pub mod sender;
pub mod signatures;
pub mod state;
pub mod tls;
pub mod tokens;

pub use clock::{Clock, Reading};
pub use config::AsConfig;
pub use error::OAuthError;
pub use guard::Authorized;
pub use state::AuthServer;
