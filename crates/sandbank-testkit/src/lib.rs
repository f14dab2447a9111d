//! Start a Sandbank inside a Rust test and get an authorized FAPI 2.0 session in a line.
//!
//! [`Sandbox::start`] runs the very server `sandbank serve` runs (the same start-up,
//! [`sandbank::instance::Instance`]) in-process, on `127.0.0.1` and a free port, with an
//! in-memory database and the default dataset. [`Sandbox::register_client`] registers an OAuth
//! client through Dynamic Client Registration with a key of its own, and
//! [`TestClient::login_as`] performs the real flow over HTTP: PAR with `private_key_jwt`, PKCE
//! S256 and a DPoP proof, `/authorize` with headless consent, then `/token`. The [`Session`]
//! it gives attaches `Authorization: DPoP <token>` and a fresh DPoP proof to every request.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use serde_json::Value;
//!
//! let sandbox = sandbank_testkit::Sandbox::start().await?;
//! let client = sandbox.register_client().await?;
//! let alice = client
//!     .login_as("alice")
//!     .with_scopes(["accounts", "transactions"])
//!     .await?;
//!
//! let accounts: Value = alice.get("/accounts").await?.json().await?;
//! let account = accounts["data"][0]["accountId"].as_str().ok_or("no account")?;
//! let page: Value = alice
//!     .get(&format!("/accounts/{account}/transactions?pageSize=5"))
//!     .await?
//!     .json()
//!     .await?;
//! for transaction in page["data"].as_array().ok_or("no transactions")? {
//!     println!("{} {}", transaction["bookingDateTime"], transaction["amount"]["amount"]);
//! }
//! # assert_eq!(page["data"].as_array().map(Vec::len), Some(5));
//! # Ok(())
//! # }
//! ```
//!
//! Everything client-side (keys, client assertions, DPoP proofs, PKCE) is built here with
//! `jsonwebtoken` and aws-lc-rs ([`jose`]), never with the server's own JOSE code, so a test can
//! catch a server bug rather than share it.
//!
//! Options ([`Sandbox::builder`]): seed, dataset size, TLS with the local CA, a [`Clock`] the
//! test keeps and advances (expiries without sleeping), headless consent on or off, server
//! DPoP nonces, another database, the admin key. The sandbox stops when dropped.
//!
//! [`Sandbox::admin`] drives the sandbox control API (`/sandbox`) over HTTP: move the clock,
//! reset to the seed's dataset, list personas, create customers, and approve or deny the
//! pending authorization a [`Login::pending`] leaves waiting.
//!
//! [`TestClient::login_decoupled`] runs the decoupled flow (OpenID CIBA, poll mode):
//! `/backchannel` with `login_hint`, a decision through [`Admin::approve_ciba`], then `/token`
//! with the `auth_req_id` and a DPoP proof ([`PendingDecoupled::wait`]).

#![warn(missing_docs)]

mod admin;
mod client;
mod decoupled;
mod error;
mod forge;
pub mod jose;
mod login;
mod notifications;
mod sandbox;
mod session;
pub mod signatures;

pub use admin::Admin;
pub use client::{DEFAULT_REDIRECT_URI, RegisterClient, TestClient};
pub use decoupled::{CIBA_GRANT, DecoupledLogin, PendingDecoupled};
pub use error::{Error, Result};
pub use forge::ForgeSession;
pub use jose::SigningKey;
pub use login::{Login, PendingLogin, READ_PERMISSIONS};
pub use notifications::{NotificationListener, ReceivedNotification};
pub use sandbank::sandbox::{
    Approval, AuthorizationList, CibaApproval, CibaDecision, CibaList, CreatedCustomer,
    DecisionOutcome, NewAccount, NewCustomer, PendingAuthorizationView, PendingCibaView,
    PersonaAccount, PersonaList, SandboxClock, SandboxPersona,
};
pub use sandbank_fapi::Clock;
pub use sandbox::{Sandbox, SandboxBuilder, http_client};
pub use session::{Session, SessionRequest};
