//! Limits on the request head: the URI and the header section.
//!
//! hyper refuses a head it will not parse (a URI over 64 KiB, more headers than it has room
//! for, a head larger than its read buffer) with a bare 414 or 431 before axum sees the
//! request, so the answer would have no body. Instead the server is configured
//! ([`configure`]) with hyper's limits well above Sandbank's, and [`enforce`], the first layer
//! of the application, refuses a URI longer than [`MAX_URI_BYTES`] with 414 and a header
//! section over [`MAX_HEADER_BYTES`] or [`MAX_HEADERS`] with 431, each in the error format of
//! the path's API ([`crate::errors::refusal`]). Only a head beyond hyper's own limits (a URI of
//! more than 64 KiB, which hyper cannot be told to accept, or a head over [`HYPER_MAX_HEAD`])
//! still gets hyper's bare answer.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use hyper_util::rt::TokioExecutor;
use hyper_util::server::conn::auto::Builder;

/// The longest request target (path and query) accepted, in bytes: 8 KiB.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header bytes accepted (names and values), in bytes: 32 KiB.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// The most header fields accepted.
pub const MAX_HEADERS: usize = 100;
/// hyper's HTTP/1 read buffer, which a whole request head must fit in: 1 MiB.
pub const HYPER_MAX_HEAD: usize = 1024 * 1024;
/// The header fields hyper parses in HTTP/1, above [`MAX_HEADERS`] so that ours answers.
const HYPER_MAX_HEADERS: usize = 1024;

/// Sets hyper's own head limits above Sandbank's, so that [`enforce`] answers instead.
pub fn configure(builder: &mut Builder<TokioExecutor>) {
    builder
        .http1()
        .max_headers(HYPER_MAX_HEADERS)
        .max_buf_size(HYPER_MAX_HEAD);
    builder
        .http2()
        .max_header_list_size(u32::try_from(HYPER_MAX_HEAD).unwrap_or(u32::MAX));
}

/// Refuses a request whose URI or header section is over the limits: 414 or 431, in the
/// error format of its path.
pub async fn enforce(request: Request, next: Next) -> Response {
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    let (status, kind, title, detail) = if target > MAX_URI_BYTES {
        (
            StatusCode::URI_TOO_LONG,
            "uri-too-long",
            "URI too long",
            format!(
                "the request URI is {target} bytes; this server accepts at most {MAX_URI_BYTES}"
            ),
        )
    } else if request.headers().len() > MAX_HEADERS {
        (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request-header-fields-too-large",
            "Request header fields too large",
            format!(
                "the request has {} header fields; this server accepts at most {MAX_HEADERS}",
                request.headers().len()
            ),
        )
    } else {
        let bytes: usize = request
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum();
        if bytes <= MAX_HEADER_BYTES {
            return next.run(request).await;
        }
        (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request-header-fields-too-large",
            "Request header fields too large",
            format!(
                "the request's header fields are {bytes} bytes; this server accepts at most {MAX_HEADER_BYTES}"
            ),
        )
    };
    // The path is only used to choose the error format; a long one is not echoed whole.
    let path = request.uri().path();
    let path = match path.char_indices().nth(256) {
        Some((cut, _)) => &path[..cut],
        None => path,
    };
    crate::errors::refusal(request.headers(), path, status, kind, title, detail)
}
