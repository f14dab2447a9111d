//! The security schemes of Sandbank's OpenAPI document.
//!
//! OpenAPI has no DPoP scheme: the `oauth2` scheme's description says how tokens are bound and
//! presented, and every protected operation documents the `DPoP` request header
//! ([`super::DpopHeader`]).

use utoipa::openapi::security::{
    AuthorizationCode, ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, OpenIdConnect,
    Scopes, SecurityScheme,
};

use crate::routes::discovery::SCOPES;
use crate::scope;

/// The OAuth 2.0 scheme; an operation names its scope with `security(("oauth2" = ["<scope>"]))`.
pub const OAUTH2: &str = "oauth2";
/// OpenID Connect discovery.
pub const OPENID_CONNECT: &str = "openIdConnect";
/// Mutual TLS with a client certificate (OpenAPI 3.1 `mutualTLS`).
pub const CLIENT_CERTIFICATE: &str = "clientCertificate";
/// The RFC 7592 registration access token.
pub const REGISTRATION_ACCESS_TOKEN: &str = "registrationAccessToken";

const OAUTH2_DESCRIPTION: &str = "FAPI 2.0 Security Profile. Clients register at `/register` \
(RFC 7591) and authenticate with `private_key_jwt`, or over `serve --tls` with a client \
certificate (`tls_client_auth`, `self_signed_tls_client_auth`). Authorization requests are \
pushed first (`/par`, PKCE S256 required), then the browser goes to `/authorize` with \
`client_id` and `request_uri`.\n\n\
**Tokens are sender-constrained.** OpenAPI has no DPoP scheme, so it is described here: with a \
DPoP proof (RFC 9449) at `/token`, access and refresh tokens are DPoP-bound (`token_type: \
DPoP`, `cnf.jkt`) and every protected request sends `Authorization: DPoP <token>` with a fresh \
proof in the `DPoP` header (`htm`, `htu` and `ath` of that request, a new `jti`). Over the TLS \
listener without a proof, tokens are bound to the client certificate (RFC 8705, `token_type: \
Bearer`, `cnf.x5t#S256`) and sent as `Authorization: Bearer <token>` on a connection with the \
same certificate. Unbound tokens are never issued. With `serve --dpop-nonces` the \
authorization server asks for server nonces (`use_dpop_nonce`, `DPoP-Nonce`).\n\n\
The scopes are the bank's permissions: a customer grants them on the consent page, for the \
accounts they choose. Each operation lists the one it needs.";

/// Every scope the server knows, with what it lets an app do (as the consent page says it).
pub fn scopes() -> Scopes {
    Scopes::from_iter(
        SCOPES
            .iter()
            .map(|name| (name.to_string(), scope::describe(name))),
    )
}

/// The security schemes, by name.
pub fn schemes() -> Vec<(&'static str, SecurityScheme)> {
    let code = AuthorizationCode::with_refresh_url("/authorize", "/token", scopes(), "/token");
    let client = ClientCredentials::new("/token", Scopes::new());
    vec![
        (
            OAUTH2,
            SecurityScheme::OAuth2(OAuth2::with_description(
                [
                    Flow::AuthorizationCode(code),
                    Flow::ClientCredentials(client),
                ],
                OAUTH2_DESCRIPTION,
            )),
        ),
        (
            OPENID_CONNECT,
            SecurityScheme::OpenIdConnect(OpenIdConnect::with_description(
                "/.well-known/openid-configuration",
                "The same authorization server, described by OpenID Connect Discovery: \
                 endpoints, algorithms, scopes and client authentication methods.",
            )),
        ),
        (
            CLIENT_CERTIFICATE,
            SecurityScheme::MutualTls {
                description: Some(
                    "A client certificate on the TLS listener (`serve --tls`), for \
                     `tls_client_auth` and `self_signed_tls_client_auth` clients (RFC 8705): \
                     the client sends `client_id` in the form and no assertion."
                        .to_owned(),
                ),
                deprecated: None,
                extensions: None,
            },
        ),
        (
            REGISTRATION_ACCESS_TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The `registration_access_token` returned by `POST /register` \
                         (RFC 7592), for reading, updating and deleting that registration.",
                    ))
                    .build(),
            ),
        ),
    ]
}
