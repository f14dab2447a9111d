//! The JSON bodies of the authorization server's endpoints, as OpenAPI schemas. The handlers
//! build these documents field by field (RFC 8414, 7591, 7662 and 6749 each name their own
//! members); these types describe those members, and the OpenAPI tests of the `sandbank` crate
//! check that every member a handler writes is described here.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::client::{ClientMetadata, GrantType};

/// The answer to a pushed authorization request (RFC 9126 §2.2).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParResponse {
    /// Send this to `/authorize` with `client_id`; it works once.
    #[schema(example = "urn:ietf:params:oauth:request_uri:Zm9vYmFyYmF6")]
    pub request_uri: String,
    /// Seconds the `request_uri` stays usable.
    #[schema(example = 90)]
    pub expires_in: i64,
}

/// The answer to a CIBA backchannel authentication request (CIBA Core §7.3).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BackchannelResponse {
    /// The request's id: send it to `/token` with
    /// `grant_type=urn:openid:params:grant-type:ciba`.
    #[schema(example = "1c266114-a1be-4252-8ad1-04986c5b9ac1")]
    pub auth_req_id: String,
    /// Seconds until the request expires.
    #[schema(example = 300)]
    pub expires_in: i64,
    /// Seconds to wait between polls of `/token`; polling faster gets `slow_down`.
    #[schema(example = 5)]
    pub interval: i64,
}

/// A token response (RFC 6749 §5.1).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenResponse {
    /// The access token. Send it as `Authorization: DPoP <token>` with a DPoP proof, or as
    /// `Authorization: Bearer <token>` over the TLS listener with the same client certificate.
    pub access_token: String,
    /// `DPoP` for DPoP-bound tokens, `Bearer` for certificate-bound ones.
    #[schema(example = "DPoP")]
    pub token_type: String,
    /// Seconds the access token lives.
    #[schema(example = 600)]
    pub expires_in: i64,
    /// The granted scopes, space-separated.
    #[schema(example = "openid accounts balances transactions")]
    pub scope: String,
    /// A refresh token, bound like the access token, when the client may refresh.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The ID token, when `openid` was granted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// The granted RFC 9396 authorization details (with the accounts the customer chose).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub authorization_details: Option<Value>,
    /// The grant (the customer's consent) the tokens were issued on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
}

/// An introspection response (RFC 7662 §2.2). For a token that is unknown, expired, revoked,
/// or another client's, only `{"active": false}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntrospectionResponse {
    /// Whether the token is usable.
    pub active: bool,
    /// The issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// The client the token was issued to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The customer (party id), for tokens issued on a customer's consent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The scopes, space-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Issued at (seconds since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Expires at (seconds since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// `DPoP` or `Bearer`, for access tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// What the token is bound to: `jkt` (DPoP key thumbprint) or `x5t#S256` (certificate
    /// thumbprint).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub cnf: Option<Value>,
    /// The granted RFC 9396 authorization details.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub authorization_details: Option<Value>,
    /// The grant the token was issued on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    /// When the customer logged in (seconds since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
}

/// A grant, as the grant management endpoint shows it (Grant Management for OAuth 2.0 §5.3).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrantView {
    /// The scopes granted: one entry holding them all, space-separated; empty when only
    /// authorization details were granted.
    pub scopes: Vec<GrantScope>,
    /// The RFC 9396 authorization details granted, with the accounts the customer chose.
    #[schema(value_type = Vec<Object>)]
    pub authorization_details: Value,
    /// When the customer gave the grant (RFC 3339, UTC).
    #[schema(example = "2026-12-03T13:20:37Z")]
    pub created_at: String,
    /// When it last changed: a `merge` or `replace`, an account removed (RFC 3339, UTC).
    #[schema(example = "2026-12-03T13:25:02Z")]
    pub updated_at: String,
    /// When it ends (RFC 3339, UTC), when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "2027-03-03T13:25:02Z")]
    pub expires_at: Option<String>,
}

/// Scopes granted, in a grant (Grant Management for OAuth 2.0 §5.3).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrantScope {
    /// Space-separated scopes.
    #[schema(example = "openid accounts balances")]
    pub scope: String,
}

/// OpenID Connect claims about the customer (Core §5.3.2).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserInfo {
    /// The customer's party id.
    #[schema(example = "pty-alice")]
    pub sub: String,
    /// Full name, or the organisation's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Given name, for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Family name, for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// The primary e-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// The authorization server's metadata (RFC 8414, OpenID Connect Discovery 1.0). Both
/// well-known documents are the same.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServerMetadata {
    /// The issuer identifier: the server's base URL.
    #[schema(example = "http://127.0.0.1:8080")]
    pub issuer: String,
    /// `/authorize`.
    pub authorization_endpoint: String,
    /// `/par`.
    pub pushed_authorization_request_endpoint: String,
    /// Always `true` (FAPI 2.0): authorization requests are pushed first.
    pub require_pushed_authorization_requests: bool,
    /// `/token`.
    pub token_endpoint: String,
    /// `/backchannel` (OpenID CIBA).
    pub backchannel_authentication_endpoint: String,
    /// `poll` and `ping` (FAPI-CIBA forbids `push`).
    #[schema(value_type = Vec<crate::client::DeliveryMode>)]
    pub backchannel_token_delivery_modes_supported: Vec<String>,
    /// `true`: clients registered with `backchannel_user_code_parameter` may send `user_code`.
    pub backchannel_user_code_parameter_supported: bool,
    /// Algorithms of signed CIBA authentication requests: `PS256`, `ES256`.
    #[schema(value_type = Vec<ServerSigningAlgorithm>)]
    pub backchannel_authentication_request_signing_alg_values_supported: Vec<String>,
    /// `/jwks`.
    pub jwks_uri: String,
    /// `/register`.
    pub registration_endpoint: String,
    /// `/introspect`.
    pub introspection_endpoint: String,
    /// `/revoke`.
    pub revocation_endpoint: String,
    /// `/userinfo`.
    pub userinfo_endpoint: String,
    /// Every scope the server knows.
    pub scopes_supported: Vec<String>,
    /// `code`.
    pub response_types_supported: Vec<String>,
    /// `query`, and for JWT-secured authorization responses (JARM) `jwt` and `query.jwt`.
    pub response_modes_supported: Vec<String>,
    /// Algorithms of JARM responses: `PS256`, `ES256`.
    pub authorization_signing_alg_values_supported: Vec<String>,
    /// Algorithms of signed introspection responses (RFC 9701): `PS256`, `ES256`.
    pub introspection_signing_alg_values_supported: Vec<String>,
    /// Algorithms of request objects (JAR) at `/par`: `PS256`, `ES256`, `EdDSA`.
    pub request_object_signing_alg_values_supported: Vec<String>,
    /// Under `serve --require-signed-request-object`: `true`, every pushed authorization
    /// request must be a signed request object (RFC 9101 §10.5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_signed_request_object: Option<bool>,
    /// Grant types.
    #[schema(value_type = Vec<GrantType>)]
    pub grant_types_supported: Vec<String>,
    /// `S256`.
    pub code_challenge_methods_supported: Vec<String>,
    /// `private_key_jwt`, plus the mutual-TLS methods over `serve --tls`.
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// Algorithms of client assertions.
    pub token_endpoint_auth_signing_alg_values_supported: Vec<String>,
    /// As for the token endpoint.
    pub introspection_endpoint_auth_methods_supported: Vec<String>,
    /// As for the token endpoint.
    pub revocation_endpoint_auth_methods_supported: Vec<String>,
    /// `PS256`, `ES256`.
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// Algorithms of DPoP proofs.
    pub dpop_signing_alg_values_supported: Vec<String>,
    /// `public`.
    pub subject_types_supported: Vec<String>,
    /// Claims of ID tokens and userinfo.
    pub claims_supported: Vec<String>,
    /// `true` (RFC 9207): authorization responses carry `iss`.
    pub authorization_response_iss_parameter_supported: bool,
    /// RFC 9396 types.
    pub authorization_details_types_supported: Vec<String>,
    /// `false`: `/authorize` takes no `request` parameter; send request objects to `/par`.
    pub request_parameter_supported: bool,
    /// `true`.
    pub request_uri_parameter_supported: bool,
    /// Grant Management: the `grant_management_action` values supported.
    #[schema(example = json!(["create", "merge", "replace"]))]
    pub grant_management_actions_supported: Vec<String>,
    /// Grant Management: whether every authorization request must carry a
    /// `grant_management_action` (`serve --require-grant-management-action`).
    pub grant_management_action_required: bool,
    /// Grant Management: the URL a grant id is appended to (`/grants/{grant_id}`), for
    /// querying and revoking a grant.
    #[schema(example = "http://127.0.0.1:8080/grants")]
    pub grant_management_endpoint: String,
    /// Over `serve --tls`: `true`, tokens may be bound to the client certificate (RFC 8705).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_client_certificate_bound_access_tokens: Option<bool>,
    /// Over `serve --tls`: the endpoints on the mutual-TLS listener (RFC 8705 §5).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub mtls_endpoint_aliases: Option<Value>,
}

/// A JSON Web Key Set (RFC 7517): the public keys that sign ID tokens, JARM responses, signed
/// introspection responses and the bank API's HTTP message signatures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Jwks {
    /// The keys (RSA for PS256, P-256 for ES256), each with `kid`, `use` and `alg`.
    #[schema(value_type = Vec<Object>)]
    pub keys: Vec<Value>,
}

/// The response types a client may register (`response_types`).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResponseType {
    /// The authorization code flow, the only one FAPI 2.0 allows.
    Code,
}

/// The RFC 9396 authorization details types a client may register
/// (`authorization_details_types`): [`crate::client::AUTHORIZATION_DETAILS_TYPES`].
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthorizationDetailsType {
    /// Reading accounts, balances, transactions...
    AccountInformation,
    /// Initiating a payment.
    PaymentInitiation,
}

impl AuthorizationDetailsType {
    /// Every type, as [`crate::client::AUTHORIZATION_DETAILS_TYPES`] lists them.
    pub const ALL: [AuthorizationDetailsType; 2] = [
        AuthorizationDetailsType::AccountInformation,
        AuthorizationDetailsType::PaymentInitiation,
    ];
}

/// A JWS algorithm FAPI 2.0 allows for what a client signs:
/// [`crate::jose::ALLOWED_ALGORITHMS`].
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub enum SigningAlgorithm {
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// Ed25519.
    EdDSA,
}

/// A JWS algorithm the server signs with: [`crate::client::SERVER_SIGNING_ALGORITHMS`].
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub enum ServerSigningAlgorithm {
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// ECDSA on P-256 with SHA-256.
    ES256,
}

/// A client registration request (RFC 7591 §2). Unknown members are ignored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClientRegistrationRequest {
    /// Where authorization responses may go: https, or http on the loopback interface only.
    /// Required with the `authorization_code` grant (a CIBA-only client needs none).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = json!(["http://127.0.0.1:9000/callback"]))]
    pub redirect_uris: Option<Vec<String>>,
    /// `private_key_jwt` (the default), `tls_client_auth` or `self_signed_tls_client_auth`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::client::AuthMethod>)]
    pub token_endpoint_auth_method: Option<String>,
    /// The client's public keys by value (no private members; RSA at least 2048 bits).
    /// Required for `private_key_jwt` and `self_signed_tls_client_auth` unless `jwks_uri` is
    /// given.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub jwks: Option<Value>,
    /// Where the client publishes its keys: loopback http(s) URLs only in this sandbox.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// The app's logo, linked from the privacy dashboard (never loaded by its pages): an https
    /// URL, or http on loopback, of at most 2,000 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
    /// Subject DN of the client certificate, required for `tls_client_auth`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_subject_dn: Option<String>,
    /// Shown to customers on the consent page; at most 100 characters (`Unnamed app`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    /// Grant types (`authorization_code` and `refresh_token` by default).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<GrantType>>)]
    pub grant_types: Option<Vec<String>>,
    /// `code` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<ResponseType>>)]
    pub response_types: Option<Vec<String>>,
    /// The scopes the client may ask for, space-separated (all when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// RFC 9396 types (`account_information` by default).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<AuthorizationDetailsType>>)]
    pub authorization_details_types: Option<Vec<String>>,
    /// Pushed authorization requests must be one signed request object (JAR, RFC 9101), the
    /// `request` parameter; parameters beside it are refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_signed_request_object: Option<bool>,
    /// The algorithm request objects must be signed with (any of PS256, ES256, EdDSA when
    /// absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<SigningAlgorithm>)]
    pub request_object_signing_alg: Option<String>,
    /// JARM: authorization responses are JWTs signed with this algorithm, and the client must
    /// ask for `response_mode=jwt` (or `query.jwt`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ServerSigningAlgorithm>)]
    pub authorization_signed_response_alg: Option<String>,
    /// RFC 9701: introspection answers asked with `Accept: application/token-introspection+jwt`
    /// are JWTs signed with this algorithm (ES256 when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ServerSigningAlgorithm>)]
    pub introspection_signed_response_alg: Option<String>,
    /// Sandbank's own: the bank API refuses this client's requests (401) unless they carry an
    /// RFC 9421 HTTP message signature tagged `fapi-2-request` by one of the client's keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_signed_resource_requests: Option<bool>,
    /// Recorded; tokens are sender-constrained in any case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dpop_bound_access_tokens: Option<bool>,
    /// Sandbox only: authorization requests with `login_hint` skip the login and consent
    /// pages and grant everything asked on all the customer's accounts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sandbox_auto_consent: Option<bool>,
    /// CIBA (required with the `urn:openid:params:grant-type:ciba` grant): `poll` or `ping`;
    /// `push` is refused (FAPI-CIBA).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::client::DeliveryMode>)]
    pub backchannel_token_delivery_mode: Option<String>,
    /// CIBA ping mode (required there): where the server POSTs `{"auth_req_id": ...}` with
    /// `Authorization: Bearer <client_notification_token>`; https, or http on loopback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backchannel_client_notification_endpoint: Option<String>,
    /// CIBA: backchannel requests must be signed request objects with this algorithm.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ServerSigningAlgorithm>)]
    pub backchannel_authentication_request_signing_alg: Option<String>,
    /// CIBA: the client may send `user_code` (shown to the customer, not checked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backchannel_user_code_parameter: Option<bool>,
    /// Sandbank's own: where every status change of this client's payments is POSTed as a
    /// Security Event Token (RFC 8417, RFC 8935 push delivery: `application/secevent+jwt`,
    /// signed with a key of the server's JWKS); https, or http on loopback. Retried on 408,
    /// 429, 5xx and connection failures with a bounded backoff; the event list of a payment
    /// shows each notification's state.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 2000,
        pattern = r"^(https://([A-Za-z][A-Za-z0-9-]*\.)*[A-Za-z][A-Za-z0-9-]*|http://(127\.0\.0\.1|localhost|\[::1\]))(:[0-9]{1,4})?(/[^\s#]*)?$",
        example = "http://127.0.0.1:9000/payment-events"
    )]
    pub payment_notification_uri: Option<String>,
}

/// A registered client (RFC 7591 §3.2.1, RFC 7592 §3): its metadata with the server's
/// defaults filled in, and how to manage it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClientRegistration {
    /// The metadata as the server keeps it.
    #[serde(flatten)]
    pub metadata: ClientMetadata,
    /// The client identifier.
    pub client_id: String,
    /// When it was registered (seconds since the epoch).
    pub client_id_issued_at: i64,
    /// Where to read, update or delete the registration (RFC 7592).
    pub registration_client_uri: String,
    /// The bearer token for `registration_client_uri`; only in the answer to the
    /// registration, so keep it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_access_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented algorithm enums are the server's own lists.
    #[test]
    fn documented_algorithms_are_the_servers() {
        let names = |values: Vec<Value>| -> Vec<String> {
            values
                .into_iter()
                .map(|v| v.as_str().unwrap_or_default().to_owned())
                .collect()
        };
        let client = [
            SigningAlgorithm::PS256,
            SigningAlgorithm::ES256,
            SigningAlgorithm::EdDSA,
        ]
        .iter()
        .map(|a| serde_json::to_value(a).unwrap())
        .collect();
        assert_eq!(names(client), crate::jose::ALLOWED_ALGORITHMS);
        let server = [ServerSigningAlgorithm::PS256, ServerSigningAlgorithm::ES256]
            .iter()
            .map(|a| serde_json::to_value(a).unwrap())
            .collect();
        assert_eq!(names(server), crate::client::SERVER_SIGNING_ALGORITHMS);
    }

    /// The registration document lists exactly the types the server registers.
    #[test]
    fn documented_authorization_details_types_are_the_servers() {
        let documented: Vec<Value> = AuthorizationDetailsType::ALL
            .iter()
            .map(|t| serde_json::to_value(t).unwrap())
            .collect();
        assert_eq!(
            documented,
            crate::client::AUTHORIZATION_DETAILS_TYPES
                .iter()
                .map(|t| Value::from(*t))
                .collect::<Vec<_>>()
        );
    }
}
