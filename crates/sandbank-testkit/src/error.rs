//! What can go wrong between a test and its sandbox.

use reqwest::StatusCode;

/// The test kit's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a sandbox, a client or a session could not do what was asked. Each message names the
/// step and what the server said, so a failing test explains itself.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The sandbox could not start (database, dataset, port, keys or TLS).
    #[error("the sandbox could not start: {0}")]
    Start(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The sandbox's server stopped with an error.
    #[error("the sandbox server failed: {0}")]
    Server(String),
    /// An HTTP request could not be sent or its body read.
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    /// An OAuth endpoint refused the request (RFC 6749 §5.2 error response).
    #[error("{step} refused ({status}): {error}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    OAuth {
        /// The step of the flow: `registration`, `PAR`, `token`, ...
        step: &'static str,
        /// The HTTP status.
        status: StatusCode,
        /// The `error` code.
        error: String,
        /// The `error_description`, if any.
        description: Option<String>,
    },
    /// The authorization endpoint redirected back with an error (`access_denied`, ...).
    #[error("the authorization was refused: {error}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Authorization {
        /// The `error` parameter of the redirect.
        error: String,
        /// The `error_description` parameter, if any.
        description: Option<String>,
    },
    /// The sandbox's login page refused the customer (unknown username).
    #[error("the sandbox refused to sign in {username:?}: no such customer, or a wrong password")]
    Login {
        /// The username tried.
        username: String,
    },
    /// A response the flow did not expect: wrong status, missing field, a redirect that does
    /// not match the request. A test kit that finds one has found a server bug or a misuse.
    #[error("{step}: unexpected response ({status}): {body}")]
    Unexpected {
        /// The step of the flow.
        step: &'static str,
        /// The HTTP status.
        status: StatusCode,
        /// The body, or what was wrong with it.
        body: String,
    },
    /// Something in a response breaks the protocol (a `state` or `iss` that does not match,
    /// an ID token for someone else).
    #[error("protocol: {0}")]
    Protocol(String),
    /// An HTTP message signature (RFC 9421) could not be made, or a response's signature or
    /// `Content-Digest` does not verify.
    #[error("HTTP message signature: {0}")]
    Signature(String),
    /// A key could not be made or used.
    #[error("crypto: {0}")]
    Crypto(String),
    /// A JWT could not be signed.
    #[error("JWT: {0}")]
    Jwt(#[from] jsonwebtoken::errors::Error),
    /// JSON could not be built or read.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The store could not be read.
    #[error("store: {0}")]
    Store(#[from] sandbank_store::StoreError),
    /// A user or account the test named does not exist in the dataset.
    #[error("not in the dataset: {0}")]
    NotFound(String),
}
