//! `x-fapi-interaction-id` (FAPI 2.0 / Open Banking): every resource-server response carries
//! one — the client's, when it sent a valid one, or a fresh UUID v4 — and `Cache-Control:
//! no-store`, errors included.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The header's name.
pub const HEADER: &str = "x-fapi-interaction-id";

/// The interaction id of a request, as the middleware put it into the request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionId(pub String);

/// The id to answer with: the request's own when it is a UUID, a fresh UUID v4 otherwise.
pub fn interaction_id(headers: &HeaderMap) -> String {
    headers
        .get(HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| value.len() <= 64 && uuid::Uuid::try_parse(value).is_ok())
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
        headers.insert(HEADER, HeaderValue::from_static("<script>"));
        let replaced = interaction_id(&headers);
        assert_ne!(replaced, "<script>");
        assert!(uuid::Uuid::parse_str(&replaced).is_ok());
    }
}
