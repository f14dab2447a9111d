//! `/.well-known/openid-configuration`, `/.well-known/oauth-authorization-server` and the JWKS.

use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use crate::client::{
    AUTHORIZATION_DETAILS_TYPES, BACKCHANNEL_SIGNING_ALGORITHMS, DeliveryMode, GrantType,
    SERVER_SIGNING_ALGORITHMS,
};
use crate::grant::{self, Action};
use crate::jose::ALLOWED_ALGORITHMS;
use crate::openapi::bodies::{Jwks, ServerMetadata};
use crate::state::AuthServer;

/// Scopes the server knows: one per data family, plus OpenID and grant management.
pub const SCOPES: [&str; 14] = [
    "openid",
    "accounts",
    "balances",
    "transactions",
    "statements",
    "investments",
    "insurance",
    "cards",
    "parties",
    "card_controls",
    "payments",
    "insurance_claims",
    GRANT_MANAGEMENT_QUERY,
    GRANT_MANAGEMENT_REVOKE,
];

/// The scope a token needs for `GET /grants/{grant_id}` (Grant Management).
pub const GRANT_MANAGEMENT_QUERY: &str = "grant_management_query";

/// The scope a token needs for `DELETE /grants/{grant_id}` (Grant Management).
pub const GRANT_MANAGEMENT_REVOKE: &str = "grant_management_revoke";

/// The metadata document (RFC 8414 / OpenID Connect Discovery).
pub fn metadata(server: &AuthServer) -> Value {
    let config = &server.config;
    let mut document = json!({
        "issuer": config.issuer,
        "authorization_endpoint": config.url("/authorize"),
        "pushed_authorization_request_endpoint": config.url("/par"),
        "require_pushed_authorization_requests": true,
        "token_endpoint": config.url("/token"),
        "backchannel_authentication_endpoint": config.url(super::backchannel::PATH),
        "backchannel_token_delivery_modes_supported": DeliveryMode::names(),
        "backchannel_user_code_parameter_supported": true,
        "backchannel_authentication_request_signing_alg_values_supported": BACKCHANNEL_SIGNING_ALGORITHMS,
        "jwks_uri": config.url("/jwks"),
        "registration_endpoint": config.url("/register"),
        "introspection_endpoint": config.url("/introspect"),
        "revocation_endpoint": config.url("/revoke"),
        "userinfo_endpoint": config.url("/userinfo"),
        "scopes_supported": SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "jwt", "query.jwt"],
        "authorization_signing_alg_values_supported": SERVER_SIGNING_ALGORITHMS,
        "introspection_signing_alg_values_supported": SERVER_SIGNING_ALGORITHMS,
        "request_object_signing_alg_values_supported": ALLOWED_ALGORITHMS,
        "grant_types_supported": GrantType::names(),
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ALLOWED_ALGORITHMS,
        "introspection_endpoint_auth_methods_supported": ["private_key_jwt"],
        "revocation_endpoint_auth_methods_supported": ["private_key_jwt"],
        "id_token_signing_alg_values_supported": SERVER_SIGNING_ALGORITHMS,
        "dpop_signing_alg_values_supported": ALLOWED_ALGORITHMS,
        "subject_types_supported": ["public"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "name", "given_name", "family_name", "email"],
        "authorization_response_iss_parameter_supported": true,
        "authorization_details_types_supported": AUTHORIZATION_DETAILS_TYPES,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": true,
        "grant_management_actions_supported": Action::names(),
        "grant_management_action_required": config.grant_management_action_required,
        "grant_management_endpoint": config.url(grant::ENDPOINT_PATH),
    });
    if config.require_signed_request_object
        && let Some(map) = document.as_object_mut()
    {
        map.insert("require_signed_request_object".into(), Value::Bool(true));
    }
    if let (Some(base), Some(map)) = (&config.mtls_base, document.as_object_mut()) {
        map.insert(
            "tls_client_certificate_bound_access_tokens".into(),
            Value::Bool(true),
        );
        let methods = json!([
            "private_key_jwt",
            "tls_client_auth",
            "self_signed_tls_client_auth"
        ]);
        for name in [
            "token_endpoint_auth_methods_supported",
            "introspection_endpoint_auth_methods_supported",
            "revocation_endpoint_auth_methods_supported",
        ] {
            map.insert(name.into(), methods.clone());
        }
        map.insert(
            "mtls_endpoint_aliases".into(),
            json!({
                "token_endpoint": format!("{base}/token"),
                "pushed_authorization_request_endpoint": format!("{base}/par"),
                "backchannel_authentication_endpoint": format!("{base}{}", super::backchannel::PATH),
                "introspection_endpoint": format!("{base}/introspect"),
                "revocation_endpoint": format!("{base}/revoke"),
                "userinfo_endpoint": format!("{base}/userinfo"),
            }),
        );
    }
    document
}

/// OpenID Connect Discovery metadata.
///
/// The authorization server's endpoints, algorithms, scopes and client authentication methods
/// (OpenID Connect Discovery 1.0). The same document as
/// `/.well-known/oauth-authorization-server`.
#[utoipa::path(
    get,
    path = "/.well-known/openid-configuration",
    operation_id = "getOpenIdConfiguration",
    tag = "discovery",
    security(()),
    responses((status = 200, description = "The metadata.", body = ServerMetadata))
)]
pub async fn get_openid_configuration(State(server): State<AuthServer>) -> impl IntoResponse {
    Json(metadata(&server))
}

/// OAuth 2.0 authorization server metadata.
///
/// RFC 8414 metadata: the same document as `/.well-known/openid-configuration`.
#[utoipa::path(
    get,
    path = "/.well-known/oauth-authorization-server",
    operation_id = "getAuthorizationServerMetadata",
    tag = "discovery",
    security(()),
    responses((status = 200, description = "The metadata.", body = ServerMetadata))
)]
pub async fn get_authorization_server_metadata(
    State(server): State<AuthServer>,
) -> impl IntoResponse {
    Json(metadata(&server))
}

/// The server's public signing keys.
///
/// The keys that sign ID tokens (RFC 7517), kept in the database so every instance publishes
/// the same set.
#[utoipa::path(
    get,
    path = "/jwks",
    operation_id = "getJwks",
    tag = "discovery",
    security(()),
    responses((status = 200, description = "The JSON Web Key Set.", body = Jwks))
)]
pub async fn get_jwks(State(server): State<AuthServer>) -> impl IntoResponse {
    Json(server.keys.jwks())
}
