//! `x-fapi-interaction-id` (FAPI 2.0 / Open Banking): every resource-server response carries
//! one — the client's, when it sent a valid one, or a fresh UUID v4 — and `Cache-Control:
//! no-store`, errors included.

use std::sync::LazyLock;

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use regex::Regex;

/// The header's name.
pub const HEADER: &str = "x-fapi-interaction-id";

/// What a request's interaction id must look like: a UUID in its RFC 9562 string form (hex
/// digits in either case), as the OpenAPI document gives it.
pub const PATTERN: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

static COMPILED: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(PATTERN).ok());

/// Whether `value` is an interaction id a request may send ([`PATTERN`]).
pub fn is_valid(value: &str) -> bool {
    COMPILED.as_ref().is_some_and(|re| re.is_match(value))
}

/// The interaction id of a request, as the middleware put it into the request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionId(pub String);

/// The id to answer with: the request's own when it is valid ([`is_valid`]), a fresh UUID v4
/// otherwise (the bank API refuses such a request, but still answers with an id).
pub fn interaction_id(headers: &HeaderMap) -> String {
    headers
        .get(HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|value| is_valid(value))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

/// Middleware for resource-server routes: sets `x-fapi-interaction-id` and `Cache-Control:
/// no-store` on every response.
pub async fn fapi_headers(mut request: Request, next: Next) -> Response {
    let id = interaction_id(request.headers());
    request.extensions_mut().insert(InteractionId(id.clone()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&id) {
        headers.insert(HEADER, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_id_is_echoed_and_anything_else_replaced() {
        let mut headers = HeaderMap::new();
        let generated = interaction_id(&headers);
        assert_eq!(
            uuid::Uuid::parse_str(&generated).unwrap().get_version_num(),
            4
        );
        let sent = "c770aef3-6784-41f7-8e0e-ff5f97bddb3a";
        headers.insert(HEADER, HeaderValue::from_static(sent));
        assert_eq!(interaction_id(&headers), sent);
        for other in [
            "<script>",
            // Other forms `uuid` parses, which are not the RFC 9562 string form.
            "c770aef3678441f78e0eff5f97bddb3a",
            "{c770aef3-6784-41f7-8e0e-ff5f97bddb3a}",
            "urn:uuid:c770aef3-6784-41f7-8e0e-ff5f97bddb3a",
        ] {
            headers.insert(HEADER, HeaderValue::from_static(other));
            let replaced = interaction_id(&headers);
            assert_ne!(replaced, other);
            assert!(is_valid(&replaced));
        }
    }
}
