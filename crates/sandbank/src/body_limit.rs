//! One request-size limit for the whole server: bank API, registry, authorization server and
//! whatever else [`crate::app::router`] serves.
//!
//! The limit is a middleware around every route rather than axum's `DefaultBodyLimit` or
//! tower-http's `RequestBodyLimitLayer` alone, because both of those answer a plain-text 413
//! (the extractor's rejection, or an empty body) whose format depends on where the body was
//! read. Here the body is read, up to the limit, before any handler runs: a declared
//! `Content-Length` over the limit is refused before a byte is read, and a chunked body is
//! refused as soon as it grows past it. Either way the 413 is in the format of the endpoint
//! ([`crate::errors::refusal`]): RFC 6749 JSON (`invalid_request`) on the OAuth endpoints,
//! Confluent's `{"error_code": 413, ...}` under `/registry`, an RFC 9457 problem
//! (`.../problems/request-too-large`) everywhere else. Handlers then get the body from memory,
//! and axum's own extractor limit (2 MB by default) is set to the same value so that it never
//! cuts in first.

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::{BodyExt, LengthLimitError, Limited};

/// The default limit, 1 MiB. The largest bodies a client has reason to send are far below it:
/// the largest catalogue schema (registered through the registry APIs) is 36 kB, and a page of
/// 1,000 transactions (the most one response holds, which a client may post to
/// `/schemas/page/latest/validate`) about 0.6 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// `router` with request bodies limited to `max_bytes`.
pub fn limit_bodies(router: Router, max_bytes: usize) -> Router {
    router
        // Extractors (`Bytes`, `Json`, `Form`) check their own limit (2 MB by default); set to
        // this one, it never cuts in below it, with a plain-text 413.
        .layer(DefaultBodyLimit::max(max_bytes))
        .layer(axum::middleware::from_fn_with_state(max_bytes, read_body))
}

/// Reads the body, up to `max_bytes`, and hands the request on with it in memory.
async fn read_body(State(max_bytes): State<usize>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > max_bytes as u64) {
        return refuse(&request, Refusal::TooLarge(max_bytes));
    }
    let (parts, body) = request.into_parts();
    match Limited::new(body, max_bytes).collect().await {
        Ok(collected) => {
            next.run(Request::from_parts(parts, Body::from(collected.to_bytes())))
                .await
        }
        Err(error) => {
            let request = Request::from_parts(parts, Body::empty());
            if error.is::<LengthLimitError>() {
                refuse(&request, Refusal::TooLarge(max_bytes))
            } else {
                tracing::debug!(%error, "unreadable request body");
                refuse(&request, Refusal::Unreadable)
            }
        }
    }
}

/// Why a request was refused before any handler saw it.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    /// The body is larger than the limit (in bytes).
    TooLarge(usize),
    /// The body could not be read: the client went away, or sent a malformed chunk.
    Unreadable,
}

/// The refusal in the format of the endpoint `request` was for ([`crate::errors::refusal`]).
fn refuse(request: &Request, refusal: Refusal) -> Response {
    let (status, kind, title, detail) = match refusal {
        Refusal::TooLarge(max_bytes) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "request-too-large",
            "Request too large",
            format!("the request body is larger than the {max_bytes} bytes this server accepts"),
        ),
        Refusal::Unreadable => (
            StatusCode::BAD_REQUEST,
            "bad-request",
            "Bad request",
            "the request body could not be read".to_owned(),
        ),
    };
    crate::errors::refusal(
        request.headers(),
        request.uri().path(),
        status,
        kind,
        title,
        detail,
    )
}
