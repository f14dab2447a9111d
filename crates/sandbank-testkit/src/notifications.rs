//! A payment-notification endpoint for a test: a loopback HTTP listener that records what the
//! sandbox POSTs to a client's `payment_notification_uri`, answering as the test asks (202, or
//! a chosen status for the first requests, to make the sandbox retry), and
//! [`TestClient::verify_notification`] to check a notification's signature with the server's
//! JWKS, as a client must.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use sandbank_testkit::{NotificationListener, Sandbox};
//!
//! let sandbox = Sandbox::start().await?;
//! let listener = NotificationListener::start().await?;
//! let client = sandbox
//!     .register_client()
//!     .payment_notification_uri(listener.url())
//!     .await?;
//! # let _ = client;
//! // ... consent to a payment and make it, then:
//! // let received = listener.wait_for(3, Duration::from_secs(10)).await?;
//! // let claims = client.verify_notification(&received[0].token).await?;
//! # let _ = Duration::from_secs(1);
//! # Ok(())
//! # }
//! ```

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::client::TestClient;
use crate::error::{Error, Result};

/// One request the listener received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedNotification {
    /// Its `Content-Type` (`application/secevent+jwt` from the sandbox).
    pub content_type: Option<String>,
    /// Its body: the signed Security Event Token.
    pub token: String,
    /// The status the listener answered with.
    pub answered: u16,
}

#[derive(Debug, Default)]
struct Shared {
    received: Mutex<Vec<ReceivedNotification>>,
    answers: Mutex<std::collections::VecDeque<u16>>,
    arrived: Notify,
}

/// A loopback endpoint that records the notifications POSTed to it; it stops when dropped.
#[derive(Debug)]
pub struct NotificationListener {
    url: String,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl NotificationListener {
    /// Listens on `127.0.0.1` and a free port, answering every request 202 (RFC 8935's
    /// "accepted").
    pub async fn start() -> Result<NotificationListener> {
        NotificationListener::answering([]).await
    }

    /// Listens, answering the first requests with `statuses` in turn (500 to make the sandbox
    /// retry, 400 to make it give up, ...), then 202.
    pub async fn answering(
        statuses: impl IntoIterator<Item = u16>,
    ) -> Result<NotificationListener> {
        let shared = Arc::new(Shared {
            answers: Mutex::new(statuses.into_iter().collect()),
            ..Shared::default()
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| Error::Start(Box::new(e)))?;
        let address = listener
            .local_addr()
            .map_err(|e| Error::Start(Box::new(e)))?;
        let app = axum::Router::new()
            .route("/notifications", post(receive))
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(NotificationListener {
            url: format!("http://{address}/notifications"),
            shared,
            task,
        })
    }

    /// The URL to register as `payment_notification_uri`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Everything received so far, in order of arrival.
    pub fn received(&self) -> Vec<ReceivedNotification> {
        self.shared
            .received
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// Waits until `count` requests have arrived (at most `timeout`); all received then.
    pub async fn wait_for(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<ReceivedNotification>> {
        let waiting = async {
            loop {
                let arrived = self.shared.arrived.notified();
                let received = self.received();
                if received.len() >= count {
                    return received;
                }
                arrived.await;
            }
        };
        tokio::time::timeout(timeout, waiting).await.map_err(|_| {
            Error::Protocol(format!(
                "{} of {count} notifications arrived within {timeout:?}",
                self.received().len()
            ))
        })
    }
}

impl Drop for NotificationListener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let answered = shared
        .answers
        .lock()
        .ok()
        .and_then(|mut answers| answers.pop_front())
        .unwrap_or(202);
    let received = ReceivedNotification {
        content_type: headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        token: String::from_utf8_lossy(&body).into_owned(),
        answered,
    };
    if let Ok(mut all) = shared.received.lock() {
        all.push(received);
    }
    shared.arrived.notify_waiters();
    StatusCode::from_u16(answered).unwrap_or(StatusCode::ACCEPTED)
}

impl TestClient {
    /// Verifies a payment notification the way a client must: a JWT of `typ` `secevent+jwt`,
    /// signed by the key of the server's `/jwks` its `kid` names, `iss` the issuer and `aud`
    /// this client. Its claims; the payment event is `claims["events"][<payment-event $id>]`.
    pub async fn verify_notification(&self, token: &str) -> Result<Value> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| Error::Protocol(format!("the notification is not a JWT: {e}")))?;
        if header.typ.as_deref() != Some("secevent+jwt") {
            return Err(Error::Protocol(format!(
                "the notification's typ is {:?}, not secevent+jwt",
                header.typ
            )));
        }
        // A Security Event Token states a past event: it has no expiry (RFC 8417 §2.2).
        self.verify_server_jwt(token, "notification", |validation| {
            validation.required_spec_claims.clear();
            validation.validate_exp = false;
        })
        .await
    }
}
