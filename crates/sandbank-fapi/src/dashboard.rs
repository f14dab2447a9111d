//! The privacy dashboard's sessions and forms: who is signed in at `/account`, and the checks
//! every form post passes before it changes anything.
//!
//! A customer signs in with the persona's username and the sandbox password (the login page's
//! rule). The session is an entry in the store (kind [`kinds::ACCOUNT_SESSION`]), so every
//! instance on one database knows it; the browser holds only its random id, in the
//! `sandbank_account` cookie (`HttpOnly`, `SameSite=Lax`, `Secure` when the issuer is HTTPS,
//! `Path` the dashboard's). Each session has its own random CSRF token, sent in a hidden field
//! of every form and compared in constant time; the sign-in form, which comes before any
//! session, is protected the same way by a token in a short-lived cookie of its own (a
//! double-submit), so that another site can neither post a change nor sign a browser in.

use aws_lc_rs::constant_time::verify_slices_are_equal;
use axum::http::{HeaderMap, HeaderValue};
use chrono::{DateTime, Duration, Utc};
use sandbank_schemas::common::PartyId;
use serde::{Deserialize, Serialize};

use crate::error::OAuthError;
use crate::jose::random_token;
pub use crate::pages::read_cookie;
use crate::state::{AuthServer, kinds};

/// The cookie holding the session id.
pub const SESSION_COOKIE: &str = "sandbank_account";
/// The cookie holding the sign-in form's CSRF token.
pub const LOGIN_COOKIE: &str = "sandbank_account_login";
/// How long a session lasts from sign-in.
pub fn session_lifetime() -> Duration {
    Duration::minutes(30)
}
/// How long the sign-in form may be left open.
fn login_form_lifetime() -> Duration {
    Duration::minutes(15)
}

/// A signed-in customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSession {
    /// The customer.
    pub party_id: PartyId,
    /// Their name, for the page.
    pub display_name: String,
    /// The token every form of this session carries.
    pub csrf: String,
}

/// The path of the dashboard page `rest` (`""`, `/login`, `/apps/…`) under the issuer's own
/// path, for links and form actions.
pub fn path(server: &AuthServer, rest: &str) -> String {
    let base = url::Url::parse(&server.config.issuer)
        .map(|url| url.path().trim_end_matches('/').to_owned())
        .unwrap_or_default();
    format!("{base}/account{rest}")
}

/// A `Set-Cookie` value for the dashboard: `HttpOnly; SameSite=Lax`, `Secure` under HTTPS,
/// scoped to the dashboard's path. `max_age` 0 deletes the cookie.
pub fn cookie(server: &AuthServer, name: &str, value: &str, max_age: i64) -> Option<HeaderValue> {
    let secure = if server.config.issuer.starts_with("https:") {
        "; Secure"
    } else {
        ""
    };
    let path = path(server, "");
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .ok()
}

/// Whether two tokens are equal, in constant time; an empty token never matches.
pub fn tokens_match(expected: &str, sent: Option<&str>) -> bool {
    match sent {
        Some(sent) if !expected.is_empty() => {
            verify_slices_are_equal(expected.as_bytes(), sent.as_bytes()).is_ok()
        }
        _ => false,
    }
}

/// A fresh token for the sign-in form (also set in [`LOGIN_COOKIE`]).
pub fn login_form_token() -> (String, i64) {
    (random_token(24), login_form_lifetime().num_seconds())
}

/// The session a request's cookie names, with its id, while it lasts.
pub async fn current(
    server: &AuthServer,
    headers: &HeaderMap,
) -> Result<Option<(String, AccountSession)>, OAuthError> {
    let Some(id) = read_cookie(headers, SESSION_COOKIE).filter(|id| !id.is_empty()) else {
        return Ok(None);
    };
    let session: Option<AccountSession> = server.read(kinds::ACCOUNT_SESSION, &id).await?;
    Ok(session.map(|session| (id, session)))
}

/// Starts a session for a customer; returns its id.
pub async fn start(
    server: &AuthServer,
    party_id: PartyId,
    display_name: String,
) -> Result<String, OAuthError> {
    let id = random_token(32);
    let session = AccountSession {
        party_id,
        display_name,
        csrf: random_token(24),
    };
    server
        .write(kinds::ACCOUNT_SESSION, &id, &session, session_lifetime())
        .await?;
    Ok(id)
}

/// Ends a session.
pub async fn end(server: &AuthServer, id: &str) -> Result<(), OAuthError> {
    server
        .auth()
        .delete(kinds::ACCOUNT_SESSION, id)
        .await
        .map(|_| ())
        .map_err(OAuthError::server_error)
}

/// A time as the dashboard shows it: `3 Dec 2026, 13:20 UTC`.
pub fn when(time: DateTime<Utc>) -> String {
    time.format("%-d %b %Y, %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use axum::http::header;

    use super::*;

    #[test]
    fn tokens_match_only_when_equal_and_present() {
        assert!(tokens_match("abc", Some("abc")));
        assert!(!tokens_match("abc", Some("abd")));
        assert!(!tokens_match("abc", Some("ab")));
        assert!(!tokens_match("abc", None));
        assert!(!tokens_match("", Some("")));
    }

    #[test]
    fn cookies_are_read_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; sandbank_account=xyz; b=2"),
        );
        assert_eq!(
            read_cookie(&headers, SESSION_COOKIE).as_deref(),
            Some("xyz")
        );
        assert_eq!(read_cookie(&headers, LOGIN_COOKIE), None);
    }

    #[test]
    fn times_read_like_a_bank_statement() {
        let time = DateTime::from_timestamp(1_796_300_400, 0).unwrap();
        assert_eq!(when(time), "3 Dec 2026, 12:20 UTC");
    }
}
