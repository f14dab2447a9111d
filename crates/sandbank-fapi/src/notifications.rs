//! Payment notifications: every status change of a client's payments is POSTed to the client's
//! `payment_notification_uri` as a Security Event Token (RFC 8417), pushed the way RFC 8935
//! says (`Content-Type: application/secevent+jwt`, the token as the body).
//!
//! The token is signed (ES256) with a key of the server's JWKS, `typ` `secevent+jwt`; its
//! claims are `iss` (the issuer), `aud` (the client id), `iat`, `jti`, `txn` (the payment id)
//! and `events`, whose one member is named by the `payment-event` schema's `$id`
//! ([`event_type`]) and holds the [`PaymentEvent`] (sequence, status, reason, time).
//!
//! Delivery is **at least once**, in each payment's order, off every request's path:
//! - the events wait in the store's outbox ([`sandbank_store::DueNotification`]); a worker
//!   started with the server sends them, woken at once when this instance records an event
//!   ([`Notifier::wake`]) and every [`TICK`] otherwise (events recorded by other instances on
//!   the same database, retries falling due);
//! - a 2xx answer delivers; 408, 429, 5xx, a timeout ([`TIMEOUT`]) or a failed connection is
//!   retried after 1 s, 2 s, 4 s, … up to [`LONGEST_RETRY`], for [`MAX_ATTEMPTS`] attempts in all;
//!   any other answer (a redirect is not followed) fails at once: the endpoint said no;
//! - a payment's next event is not sent before the one before it is delivered or given up,
//!   so a client sees `ACCEPTED` before `SETTLED`, and retries cannot reorder them;
//! - a payment made by a client without a notification URI records its events
//!   `NOT_REGISTERED` (nothing for the worker to do); a client that removed its URI since has
//!   its waiting events marked so.
//!
//! `GET /payments/{paymentId}/events` shows where each event's notification stands.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::Algorithm;
use sandbank_schemas::PaymentEvent;
use sandbank_store::{DueNotification, NotificationOutcome, StoreResult};
use serde_json::json;
use tokio::sync::Notify;

use crate::AuthServer;
use crate::jose::random_token;

/// How long one delivery may take.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// How many times a notification is sent before it is given up.
pub const MAX_ATTEMPTS: u32 = 8;

/// The wait before the first retry; each next one waits twice as long …
pub const FIRST_RETRY: Duration = Duration::from_secs(1);

/// … up to this.
pub const LONGEST_RETRY: Duration = Duration::from_secs(30);

/// How often the worker looks for due notifications when nothing woke it.
pub const TICK: Duration = Duration::from_millis(500);

/// How long a taken notification is left to its sender before another may take it.
const LEASE: Duration = Duration::from_secs(15);

/// The most notifications one round takes (at most one per payment).
const BATCH: u32 = 64;

/// The media type of a pushed Security Event Token (RFC 8935 §2).
pub const SECEVENT_JWT: &str = "application/secevent+jwt";

/// Wakes the notification worker when this instance has recorded payment events (cheap to
/// clone; every clone wakes the same worker).
#[derive(Debug, Clone, Default)]
pub struct Notifier(Arc<Notify>);

impl Notifier {
    /// Asks the worker to look for due notifications now.
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// The event type the notifications carry: the `$id` of the `payment-event` schema their
/// payload follows.
pub fn event_type() -> String {
    sandbank_schemas::catalogue::find("payment-event")
        .map(|schema| schema.id())
        .unwrap_or_default()
}

/// The signed Security Event Token telling `client_id` of `event`.
pub fn event_token(
    server: &AuthServer,
    client_id: &str,
    event: &PaymentEvent,
) -> Result<String, String> {
    let signer = server
        .keys
        .signer(Algorithm::ES256)
        .ok_or_else(|| "no ES256 signing key".to_owned())?;
    let mut payload = event.clone();
    payload.notification = None;
    let claims = json!({
        "iss": server.config.issuer,
        "aud": client_id,
        "iat": server.now().timestamp(),
        "jti": random_token(16),
        "txn": event.payment_id,
        "events": { event_type(): payload },
    });
    signer
        .sign(Some("secevent+jwt"), &claims)
        .map_err(|e| e.to_string())
}

/// The wait before attempt `attempt + 1`, after `attempt` failed ones (from 1).
pub fn backoff(attempt: u32) -> Duration {
    let doubled = FIRST_RETRY.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    doubled.min(LONGEST_RETRY)
}

/// What one attempt's answer means, when it was attempt number `attempt` (from 1).
pub fn outcome(
    answer: Result<u16, String>,
    attempt: u32,
    now: DateTime<Utc>,
) -> NotificationOutcome {
    let error = match answer {
        Ok(status) if (200..300).contains(&status) => return NotificationOutcome::Delivered,
        Ok(status) if status == 408 || status == 429 || status >= 500 => format!("HTTP {status}"),
        Ok(status) => {
            return NotificationOutcome::Failed {
                error: format!("HTTP {status} (not retried: only 408, 429 and 5xx are)"),
            };
        }
        Err(why) => why,
    };
    if attempt >= MAX_ATTEMPTS {
        return NotificationOutcome::Failed {
            error: format!("{error} (given up after {MAX_ATTEMPTS} attempts)"),
        };
    }
    let wait = chrono::Duration::from_std(backoff(attempt)).unwrap_or(chrono::Duration::MAX);
    NotificationOutcome::Retry {
        at: now + wait,
        error,
    }
}

/// Starts the worker that delivers `server`'s notifications. It stops once nothing else holds
/// `server` (the instance is gone).
pub fn start(server: AuthServer) {
    tokio::spawn(async move {
        let http = match reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
        {
            Ok(http) => http,
            Err(error) => {
                tracing::error!(%error, "no HTTP client: payment notifications are not sent");
                return;
            }
        };
        let wake = server.notifier.0.clone();
        loop {
            // The worker's own clone of the server, and `wake`, hold two references.
            if Arc::strong_count(&wake) <= 2 {
                break;
            }
            match round(&server, &http).await {
                // Some were sent: the payments' next events may be due at once.
                Ok(sent) if sent > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "could not read the payment notifications"),
            }
            let _ = tokio::time::timeout(TICK, wake.notified()).await;
        }
    });
}

/// Real time, which retries wait on: the sandbox clock may jump a day, or stand still in a
/// test, while the worker's waits are real seconds.
#[allow(clippy::disallowed_methods)]
fn real_now() -> DateTime<Utc> {
    Utc::now()
}

/// One pass over the due notifications: sends each (those of different payments at the same
/// time). How many were attempted.
async fn round(server: &AuthServer, http: &reqwest::Client) -> StoreResult<usize> {
    let due = server.store.notifications_due(real_now(), BATCH).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let mut endpoints: HashMap<String, Option<String>> = HashMap::new();
    let mut sending = tokio::task::JoinSet::new();
    for notification in due {
        if !endpoints.contains_key(&notification.client_id) {
            let endpoint = match server.client(&notification.client_id).await {
                Ok(client) => client.and_then(|c| c.metadata.payment_notification_uri),
                // Tried again next round.
                Err(error) => {
                    tracing::warn!(client_id = %notification.client_id, %error, "could not read a client to notify");
                    continue;
                }
            };
            if endpoint.is_none() {
                server
                    .store
                    .notifications_unregistered(&notification.client_id)
                    .await?;
            }
            endpoints.insert(notification.client_id.clone(), endpoint);
        }
        let Some(Some(endpoint)) = endpoints.get(&notification.client_id).cloned() else {
            continue;
        };
        let lease = real_now() + chrono::Duration::from_std(LEASE).unwrap_or_default();
        if !server.store.take_notification(&notification, lease).await? {
            continue;
        }
        let server = server.clone();
        let http = http.clone();
        sending.spawn(async move { send(&server, &http, &endpoint, notification).await });
    }
    let mut attempted = 0;
    while let Some(done) = sending.join_next().await {
        attempted += 1;
        if let Ok(Err(error)) = done {
            tracing::warn!(%error, "could not record a payment notification's delivery");
        }
    }
    Ok(attempted)
}

/// Sends one notification and records how it went.
async fn send(
    server: &AuthServer,
    http: &reqwest::Client,
    endpoint: &str,
    due: DueNotification,
) -> StoreResult<()> {
    let attempt = due.attempts.saturating_add(1);
    let answer = match event_token(server, &due.client_id, &due.event) {
        Ok(token) => http
            .post(endpoint)
            .header(reqwest::header::CONTENT_TYPE, SECEVENT_JWT)
            .header(reqwest::header::ACCEPT, "application/json")
            .body(token)
            .send()
            .await
            .map(|response| response.status().as_u16())
            .map_err(|e| crate::ping::without_url(&e)),
        Err(why) => Err(format!("could not sign the notification: {why}")),
    };
    let outcome = outcome(answer, attempt, real_now());
    match &outcome {
        NotificationOutcome::Delivered => {}
        NotificationOutcome::Retry { error, .. } | NotificationOutcome::Failed { error } => {
            tracing::info!(
                client_id = %due.client_id,
                payment_id = %due.event.payment_id,
                sequence = due.event.sequence,
                attempt,
                %error,
                "a payment notification was not delivered"
            );
        }
    }
    server
        .store
        .notification_attempted(
            &due.event.payment_id,
            due.event.sequence,
            &outcome,
            real_now(),
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_thirty_seconds() {
        let waits: Vec<u64> = (1..=8).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(backoff(u32::MAX), LONGEST_RETRY);
    }

    #[test]
    fn answers_decide_delivered_retried_or_failed() {
        let now = real_now();
        assert_eq!(outcome(Ok(202), 1, now), NotificationOutcome::Delivered);
        assert_eq!(outcome(Ok(204), 8, now), NotificationOutcome::Delivered);
        for retried in [
            Ok(500),
            Ok(503),
            Ok(408),
            Ok(429),
            Err("timed out".to_owned()),
        ] {
            match outcome(retried.clone(), 2, now) {
                NotificationOutcome::Retry { at, .. } => {
                    assert_eq!(at - now, chrono::Duration::seconds(2), "{retried:?}");
                }
                other => panic!("{retried:?} gave {other:?}"),
            }
            assert!(
                matches!(
                    outcome(retried, MAX_ATTEMPTS, now),
                    NotificationOutcome::Failed { .. }
                ),
                "the last attempt gives up"
            );
        }
        for refused in [301, 400, 401, 404, 410] {
            assert!(matches!(
                outcome(Ok(refused), 1, now),
                NotificationOutcome::Failed { .. }
            ));
        }
    }

    #[test]
    fn the_event_type_is_the_payment_event_schema() {
        assert!(event_type().ends_with("/payment-event/1.0.0.json"));
    }
}
