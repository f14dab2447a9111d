//! Every request has a deadline: no request holds a connection, a worker or a database
//! connection forever, whatever it asked for.
//!
//! Work that is CPU-bound (compiling, comparing and validating schemas) is bounded where it is
//! done ([`sandbank_registry::cost`]) and runs on the blocking pool; this layer is the last line,
//! for anything else that would wait too long (a database locked by another writer, a client
//! that sends its body a byte a minute). Past the deadline the request's future is dropped and the
//! client gets 503 in the format of the endpoint, with `Retry-After`.

use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use sandbank_fapi::interaction;

/// The default deadline of a request, 30 seconds: far above what any request needs (the
/// slowest, a compatibility check at its step bound, takes well under a second).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// `router` with every request cut off after `timeout`.
pub fn limit_time(router: Router, timeout: Duration) -> Router {
    router.layer(axum::middleware::from_fn_with_state(timeout, deadline))
}

async fn deadline(State(timeout): State<Duration>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    // What the refusal echoes of the request: its interaction id.
    let mut echoed = HeaderMap::new();
    if let Some(id) = request.headers().get(interaction::HEADER) {
        echoed.insert(interaction::HEADER, id.clone());
    }
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(%path, timeout_ms = timeout.as_millis() as u64, "request cut off at its deadline");
            let mut response = crate::errors::refusal(
                &echoed,
                &path,
                StatusCode::SERVICE_UNAVAILABLE,
                "request-timeout",
                "Request took too long",
                format!(
                    "the request took longer than the {} seconds this server allows one request",
                    timeout.as_secs_f64()
                ),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
    }
}
