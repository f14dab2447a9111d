//! CIBA ping mode (CIBA Core §10.2): once a request is approved or denied, the server POSTs
//! `{"auth_req_id": "..."}` (`application/json`) with `Authorization: Bearer
//! <client_notification_token>` to the client's `backchannel_client_notification_endpoint`.
//!
//! The delivery runs off the request path (a spawned task), follows no redirect, gives up
//! after [`TIMEOUT`], and is attempted **once**: there is no retry, after a 401 or 403 nor after
//! any other failure — the client can always poll `/token`, which answers exactly as it would
//! have after a ping. A failure is logged (`tracing::warn`) without the token.

use std::time::Duration;

use serde_json::json;

use crate::ciba::{CibaRequest, NotificationToken};
use crate::client::DeliveryMode;

/// How long a notification may take.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Why a notification was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PingError {
    /// The endpoint answered something other than 2xx (a redirect included: none is followed).
    #[error("the notification endpoint answered {0}")]
    Status(u16),
    /// The endpoint could not be reached, or did not answer in time.
    #[error("the notification endpoint could not be reached: {0}")]
    Unreachable(String),
}

/// POSTs the notification for `auth_req_id` to `endpoint`, once.
pub async fn deliver(
    endpoint: &str,
    token: &NotificationToken,
    auth_req_id: &str,
) -> Result<(), PingError> {
    let http = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|_| PingError::Unreachable("no HTTP client".into()))?;
    let response = http
        .post(endpoint)
        .bearer_auth(token.secret())
        .json(&json!({ "auth_req_id": auth_req_id }))
        .send()
        .await
        .map_err(|e| PingError::Unreachable(without_url(&e)))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(PingError::Status(status.as_u16()))
    }
}

/// A reqwest error's kind, without the URL it carries.
pub(crate) fn without_url(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "connection failed".to_owned()
    } else {
        "request failed".to_owned()
    }
}

/// In ping mode, starts delivering the notification for the decided `request` and returns at
/// once; in poll mode does nothing.
pub fn notify(auth_req_id: &str, request: &CibaRequest) {
    if request.delivery_mode != DeliveryMode::Ping {
        return;
    }
    let (Some(endpoint), Some(token)) = (
        request.notification_endpoint.clone(),
        request.notification_token.clone(),
    ) else {
        tracing::warn!(
            client_id = %request.client_id,
            "a ping-mode CIBA request has no notification endpoint or token; nothing sent"
        );
        return;
    };
    let auth_req_id = auth_req_id.to_owned();
    let client_id = request.client_id.clone();
    tokio::spawn(async move {
        match deliver(&endpoint, &token, &auth_req_id).await {
            Ok(()) => tracing::info!(%client_id, "delivered a CIBA ping notification"),
            Err(error) => tracing::warn!(
                %client_id,
                %error,
                "the CIBA ping notification was not delivered (not retried; the client can poll /token)"
            ),
        }
    });
}
