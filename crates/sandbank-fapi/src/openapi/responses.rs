//! Responses the authorization server's endpoints share, and the resource-server guard's errors
//! that every protected operation can answer (the bank API documents them through these too).
//!
//! utoipa's `responses(...)` takes tuples or types implementing [`IntoResponses`]; the shared
//! sets here are such types, built from plain functions so that the bank API can use the same
//! responses when it documents its own operations.

use std::collections::BTreeMap;

use utoipa::IntoResponses;
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, Ref, RefOr, Response, ResponseBuilder, schema::Type,
};

/// The media type of OAuth error bodies.
pub const JSON: &str = "application/json";

/// Name of the OAuth error body's component.
pub const OAUTH_ERROR: &str = "OAuthError";

/// A response header whose value is a string.
pub fn header(description: &str) -> utoipa::openapi::Header {
    HeaderBuilder::new()
        .schema(Some(
            utoipa::openapi::ObjectBuilder::new().schema_type(Type::String),
        ))
        .description(Some(description))
        .build()
}

/// An OAuth error response: `description`, and the [`OAUTH_ERROR`] body.
pub fn oauth_error(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        JSON,
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(OAUTH_ERROR)))
            .build(),
    )
}

/// `WWW-Authenticate` on a resource server's 401 and 403.
fn dpop_challenge() -> utoipa::openapi::Header {
    header(
        "The challenge (RFC 9449 §7.1, RFC 6750 §3): `DPoP algs=\"PS256 ES256 EdDSA\"`, with \
         `error` and `error_description` when a token was presented, and `scope` naming the \
         missing permission on 403.",
    )
}

/// 400 from the resource-server guard: a token in the query string, or two `Authorization`
/// headers.
pub fn guard_bad_request() -> Response {
    oauth_error(
        "The request is malformed (`invalid_request`): an access token in the query string, or \
         more than one `Authorization` header.",
    )
    .header("WWW-Authenticate", dpop_challenge())
    .build()
}

/// 401 from the resource-server guard.
pub fn unauthorized() -> Response {
    oauth_error(
        "No access token, or one that cannot be used here: unknown, expired or revoked, its \
         grant no longer active, a missing or invalid DPoP proof (`invalid_dpop_proof`), or a \
         proof or client certificate that does not match the token's binding \
         (`invalid_token`).",
    )
    .header("WWW-Authenticate", dpop_challenge())
    .build()
}

/// 403 from the resource-server guard: the token lacks `scope`.
pub fn insufficient_scope(scope: &str) -> Response {
    oauth_error(&format!(
        "The token lacks the `{scope}` permission, or was not issued on a customer's consent \
         (`insufficient_scope`)."
    ))
    .header("WWW-Authenticate", dpop_challenge())
    .build()
}

/// 500 `server_error`: the server failed; the cause is logged, never sent.
pub fn server_error() -> Response {
    oauth_error("The server could not complete the request (`server_error`).").build()
}

/// 401 `invalid_client` at an endpoint that authenticates the client.
pub fn invalid_client() -> Response {
    oauth_error(
        "Client authentication failed (`invalid_client`): no or a bad `client_assertion`, an \
         unknown client, or a client certificate that does not match the registration.",
    )
    .header(
        "WWW-Authenticate",
        header("`Bearer realm=\"sandbank\", error=\"invalid_client\"`."),
    )
    .build()
}

fn map(entries: Vec<(&str, Response)>) -> BTreeMap<String, RefOr<Response>> {
    entries
        .into_iter()
        .map(|(status, response)| (status.to_owned(), RefOr::T(response)))
        .collect()
}

/// The errors of an endpoint that authenticates its client (`/par`, `/token`, `/introspect`,
/// `/revoke`) besides its own 400: 401 `invalid_client` and 500.
pub struct ClientAuthErrors;

impl IntoResponses for ClientAuthErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        map(vec![("401", invalid_client()), ("500", server_error())])
    }
}

/// The errors of `/userinfo`: the guard's 400 and 401, 403 without `openid`, and 500.
pub struct UserinfoErrors;

impl IntoResponses for UserinfoErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        map(vec![
            ("400", guard_bad_request()),
            ("401", unauthorized()),
            ("403", insufficient_scope("openid")),
            ("500", server_error()),
        ])
    }
}

/// The errors of the grant management endpoint (`/grants/{grant_id}`): the guard's 400 and
/// 401, 403 for a token without the operation's scope or another client's grant, 404 for a
/// grant unknown or no longer active, and 500.
pub struct GrantErrors;

impl IntoResponses for GrantErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let forbidden = oauth_error(
            "The token lacks the operation's scope (`insufficient_scope`: \
             `grant_management_query` to read, `grant_management_revoke` to revoke), or the \
             grant belongs to another client (`access_denied`).",
        )
        .header("WWW-Authenticate", dpop_challenge())
        .build();
        let not_found = oauth_error(
            "No grant has this id, or it is no longer active (revoked or expired) \
             (`invalid_grant_id`).",
        )
        .build();
        map(vec![
            ("400", guard_bad_request()),
            ("401", unauthorized()),
            ("403", forbidden),
            ("404", not_found),
            ("500", server_error()),
        ])
    }
}

/// The errors of RFC 7592 client management: 401 without the registration access token, and
/// 500.
pub struct RegistrationTokenErrors;

impl IntoResponses for RegistrationTokenErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let unauthorized = oauth_error(
            "No registration access token, a wrong one, or an unknown client \
             (`invalid_token`).",
        )
        .header(
            "WWW-Authenticate",
            header("`Bearer error=\"invalid_token\"`."),
        )
        .build();
        map(vec![("401", unauthorized), ("500", server_error())])
    }
}

/// The responses of the browser-facing pages' error cases: 400 with an HTML error page (never
/// a redirect to an unverified URI), and 500 when a page cannot be rendered.
pub struct PageErrors;

impl IntoResponses for PageErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        map(vec![
            (
                "400",
                html(
                    "An error page: the request is unknown, expired, already used or for \
                     another app, the form is incomplete, or the interaction cookie is missing. \
                     At `/consent`, also the consent page again when no account was chosen.",
                ),
            ),
            ("500", html("The page could not be rendered.")),
        ])
    }
}

/// A `text/html` response.
pub fn html(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            super::HTML,
            ContentBuilder::new()
                .schema(Some(
                    utoipa::openapi::ObjectBuilder::new().schema_type(Type::String),
                ))
                .build(),
        )
        .build()
}
