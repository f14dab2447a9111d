//! The bank API's HTTP message-signature layer (FAPI.md B5), around every bank-API route.
//!
//! On the way in, [`message_signatures`] reads the request body (already read, and limited in
//! size, by the application's body limit) and checks its `Content-Digest` against it, leaving
//! a [`RequestBody`] for the guard: the guard checks the request's signature after the access
//! token ([`crate::guard::authorize`]), so a stranger gets the token's 401 first, and refuses a
//! mismatched digest with 400 `invalid_request`.
//!
//! On the way out, when [`AsConfig::sign_responses`](crate::AsConfig::sign_responses) is set,
//! every response gets `Content-Digest` (SHA-256 of its body) and a signature by the server's
//! ES256 key, tag `fapi-2-response` ([`crate::httpsig::sign_response`]). The request's
//! `@target-uri` is taken as the issuer's URL of the path and query the client sent. An error
//! the router answers with no body at all (axum's 405) is left unsigned here: the application
//! gives it a body outside this layer, which would not match a digest taken here.
//!
//! The layer needs the [`AuthServer`] as a request extension (`axum::Extension`), which the
//! application adds once for every route; without it the bank API answers 500.

use axum::body::Body;
use axum::extract::{OriginalUri, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jsonwebtoken::Algorithm;

use crate::error::OAuthError;
use crate::httpsig::{self, CONTENT_DIGEST, Message};
use crate::state::AuthServer;

/// What the layer learnt about a request's body, for the guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestBody {
    /// Whether the request has a non-empty body (then its signature must cover
    /// `content-digest`).
    pub has_body: bool,
    /// The verdict on its `Content-Digest`, when it sent one: `Err` says what is wrong.
    pub digest: Option<Result<(), String>>,
}

impl RequestBody {
    /// The verdict on `body` and the `Content-Digest` value sent with it.
    pub fn judge(content_digest: Option<&str>, body: &[u8]) -> RequestBody {
        RequestBody {
            has_body: !body.is_empty(),
            digest: content_digest
                .map(|header| httpsig::check_content_digest(header, body).map_err(|e| e.0)),
        }
    }
}

/// Middleware for bank-API routes: see the module documentation.
pub async fn message_signatures(request: Request, next: Next) -> Response {
    let Some(server) = request.extensions().get::<AuthServer>().cloned() else {
        return OAuthError::server_error("the bank API is served without its AuthServer extension")
            .into_response();
    };
    let (mut parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return OAuthError::invalid_request("the request body could not be read")
                .into_response();
        }
    };
    let digest = httpsig::field_value(&parts.headers, CONTENT_DIGEST).unwrap_or_else(|_| {
        // Not visible ASCII: no digest can match it.
        Some(String::new())
    });
    parts
        .extensions
        .insert(RequestBody::judge(digest.as_deref(), &bytes));
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map_or_else(|| parts.uri.clone(), |original| original.0.clone());
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let target_uri = server.config.url(path);
    let method = parts.method.clone();
    let mut request_headers = axum::http::HeaderMap::new();
    if let Some(authorization) = parts.headers.get(header::AUTHORIZATION) {
        request_headers.insert(header::AUTHORIZATION, authorization.clone());
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if !server.config.sign_responses {
        return response;
    }
    let request = Message {
        method: Some(method.as_str()),
        target_uri: Some(&target_uri),
        status: None,
        headers: &request_headers,
    };
    sign(&server, response, &request).await
}

/// `response` with `Content-Digest`, `Signature-Input` and `Signature`; a 500 when it cannot be
/// signed.
async fn sign(server: &AuthServer, response: Response, request: &Message<'_>) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(error) => return OAuthError::server_error(error).into_response(),
    };
    let bare = bytes.is_empty()
        && !parts.headers.contains_key(header::CONTENT_TYPE)
        && (parts.status.is_client_error() || parts.status.is_server_error());
    if bare {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let Some(key) = server.keys.signer(Algorithm::ES256) else {
        return OAuthError::server_error("the server has no ES256 key to sign responses with")
            .into_response();
    };
    match HeaderValue::from_str(&httpsig::content_digest(&bytes)) {
        Ok(value) => parts.headers.insert(CONTENT_DIGEST, value),
        Err(error) => return OAuthError::server_error(error).into_response(),
    };
    let message = Message {
        method: None,
        target_uri: None,
        status: Some(parts.status.as_u16()),
        headers: &parts.headers,
    };
    let created = server.clock.read().real.timestamp();
    let signed =
        httpsig::sign_response(key, &message, request, created).and_then(|(i, s)| {
            match (HeaderValue::from_str(&i), HeaderValue::from_str(&s)) {
                (Ok(i), Ok(s)) => Ok((i, s)),
                _ => Err(httpsig::SignatureError("not a header value".into())),
            }
        });
    match signed {
        Ok((input, signature)) => {
            parts.headers.insert(httpsig::SIGNATURE_INPUT, input);
            parts.headers.insert(httpsig::SIGNATURE, signature);
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(error) => OAuthError::server_error(error).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_verdict_says_what_the_guard_needs() {
        assert_eq!(
            RequestBody::judge(None, b""),
            RequestBody {
                has_body: false,
                digest: None
            }
        );
        let digest = httpsig::content_digest(b"{}");
        assert_eq!(
            RequestBody::judge(Some(&digest), b"{}").digest,
            Some(Ok(()))
        );
        let judged = RequestBody::judge(Some(&digest), b"{ }");
        assert!(judged.has_body);
        assert!(matches!(judged.digest, Some(Err(_))));
        assert!(matches!(
            RequestBody::judge(Some(""), b"").digest,
            Some(Err(_))
        ));
    }
}
