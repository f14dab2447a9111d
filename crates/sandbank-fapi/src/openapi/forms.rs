//! The form-encoded request bodies (`application/x-www-form-urlencoded`) of the authorization
//! server, as OpenAPI schemas. The handlers parse forms strictly by parameter name
//! ([`crate::form`]); these types only describe those parameters, so each field's doc comment
//! says what the handler does with it. Every parameter may be sent once.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::client::GrantType;

/// Client authentication in a form body. With `private_key_jwt` (RFC 7523, FAPI 2.0): a
/// `client_assertion` signed with the client's registered key. Over the TLS listener with a
/// client certificate (`tls_client_auth`, `self_signed_tls_client_auth`, RFC 8705): `client_id`
/// alone.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ClientAuthentication {
    /// The client. Required with a client certificate; with an assertion, optional and equal
    /// to its `iss`.
    #[serde(default)]
    pub client_id: String,
    /// `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`, with `client_assertion`.
    #[serde(default)]
    #[schema(example = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")]
    pub client_assertion_type: String,
    /// A JWT signed (PS256, ES256 or EdDSA) with a key of the client's `jwks`: `iss` and `sub`
    /// the client id, `aud` the issuer identifier (a single string), `exp`, and a `jti` that
    /// is accepted once.
    #[serde(default)]
    pub client_assertion: String,
}

/// A pushed authorization request (RFC 9126, FAPI 2.0): the authorization request's
/// parameters, sent by the authenticated client before the browser goes to `/authorize`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PushedAuthorizationRequest {
    /// `code`, the only response type.
    #[schema(example = "code")]
    pub response_type: String,
    /// One of the client's registered redirect URIs.
    #[schema(example = "http://127.0.0.1:9000/callback")]
    pub redirect_uri: String,
    /// PKCE: base64url SHA-256 of the code verifier, 43 characters.
    #[schema(example = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")]
    pub code_challenge: String,
    /// `S256`, the only method.
    #[schema(example = "S256")]
    pub code_challenge_method: String,
    /// Space-separated scopes (see the `oauth2` security scheme). At least one scope or
    /// authorization detail is required.
    #[serde(default)]
    #[schema(example = "openid accounts balances transactions")]
    pub scope: String,
    /// RFC 9396 authorization details, as a JSON array (`account_information`, or
    /// `payment_initiation` when the client registered it).
    #[serde(default)]
    pub authorization_details: String,
    /// Echoed in the authorization response.
    #[serde(default)]
    pub state: String,
    /// Carried into the ID token.
    #[serde(default)]
    pub nonce: String,
    /// The customer's username. With `serve --auto-consent` or a client registered with
    /// `sandbox_auto_consent`, `/authorize` grants at once for this customer.
    #[serde(default)]
    #[schema(example = "alice")]
    pub login_hint: String,
    /// Binds the authorization code to this DPoP key thumbprint (RFC 9449 §10). A DPoP proof
    /// sent with the request binds it as well; both must then agree.
    #[serde(default)]
    pub dpop_jkt: String,
    /// `query` (the default), or `jwt` / `query.jwt` for a JWT-secured authorization response
    /// (JARM): the redirect then carries one `response` parameter, a JWT signed by the server
    /// (`authorization_signed_response_alg`, ES256 by default). Clients registered with
    /// `authorization_signed_response_alg` must ask for `jwt`.
    #[serde(default)]
    pub response_mode: String,
    /// Grant Management: `create` (a new grant, whose id the token response returns as
    /// `grant_id`), `merge` (add what the customer approves now to the grant `grant_id`) or
    /// `replace` (swap the permissions of the grant `grant_id` for what the customer approves
    /// now). Required under `serve --require-grant-management-action`.
    #[serde(default)]
    #[schema(example = "merge")]
    pub grant_management_action: String,
    /// Grant Management: the grant to `merge` into or `replace`, one of the client's active
    /// grants (else `invalid_grant_id`). Only with `merge` or `replace`.
    #[serde(default)]
    #[schema(example = "grant-4f1f0c2b9a7d3e5c")]
    pub grant_id: String,
    /// How the client authenticates.
    #[serde(flatten)]
    pub client: ClientAuthentication,
}

/// A pushed authorization request as one signed request object (JAR, RFC 9101; FAPI 2.0
/// Message Signing). Only the parameters inside the object count; others beside it, apart from
/// the client's authentication, are ignored.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SignedPushedAuthorizationRequest {
    /// A JWT signed (PS256, ES256 or EdDSA; the client's `request_object_signing_alg` when it
    /// registered one) by a key of the client, `typ` `oauth-authz-req+jwt` or `JWT` when
    /// present. Its claims are the authorization request's parameters (as in the plain form;
    /// `authorization_details` may be a JSON array) plus `client_id` (the client), `aud` (the
    /// issuer, or an array holding it), `nbf` (at most 60 minutes old) and `exp` (at most 60
    /// minutes after `nbf`); `iss`, when present, is the client. No `request` or `request_uri`
    /// inside.
    #[schema(pattern = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")]
    pub request: String,
    /// How the client authenticates.
    #[serde(flatten)]
    pub client: ClientAuthentication,
}

/// The body of `POST /par`: the authorization request's parameters, or one signed request
/// object carrying them.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(
    clippy::large_enum_variant,
    reason = "a description for the OpenAPI document, never built at run time"
)]
pub enum PushedAuthorizationRequestBody {
    /// The parameters in the form.
    Plain(PushedAuthorizationRequest),
    /// The parameters inside a signed request object.
    Signed(SignedPushedAuthorizationRequest),
}

/// A CIBA backchannel authentication request (OpenID CIBA Core §7.1, FAPI-CIBA). Exactly one
/// of `login_hint` and `id_token_hint` names the customer.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct BackchannelAuthenticationRequest {
    /// Space-separated scopes; must include `openid`.
    #[schema(example = "openid accounts balances")]
    pub scope: String,
    /// The customer's username (`alice`, `sam`, ...). An unknown one is `unknown_user_id`.
    #[serde(default)]
    #[schema(example = "alice")]
    pub login_hint: String,
    /// An ID token this server issued to the client: its `sub` is the customer (its expiry is
    /// not checked).
    #[serde(default)]
    pub id_token_hint: String,
    /// Not supported: refused with `invalid_request`.
    #[serde(default)]
    pub login_hint_token: String,
    /// Shown to the customer with the request (at most 128 printable characters), to match
    /// against what the client's device shows.
    #[serde(default)]
    #[schema(example = "W4SCT")]
    pub binding_message: String,
    /// For clients registered with `backchannel_user_code_parameter`: shown to the customer;
    /// the sandbox does not check it (at most 64 printable characters).
    #[serde(default)]
    pub user_code: String,
    /// Seconds the `auth_req_id` should live (a positive integer; 300 by default, at most
    /// 1800).
    #[serde(default)]
    #[schema(example = "120")]
    pub requested_expiry: String,
    /// Ping mode (required there): the bearer token the server sends with the notification;
    /// 22 to 1024 characters of an RFC 6750 `b64token`, with at least 128 bits of entropy.
    #[serde(default)]
    pub client_notification_token: String,
    /// RFC 9396 authorization details, as a JSON array.
    #[serde(default)]
    pub authorization_details: String,
    /// How the client authenticates.
    #[serde(flatten)]
    pub client: ClientAuthentication,
}

/// A CIBA authentication request as one signed request object (CIBA Core §7.1.1). Only the
/// parameters inside the object count.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SignedBackchannelAuthenticationRequest {
    /// A JWT signed (PS256 or ES256; the client's
    /// `backchannel_authentication_request_signing_alg` when registered) by a key of the
    /// client. Its claims are the request's parameters plus `aud` (the issuer), `iss` (the
    /// client), `exp` (at most 60 minutes after `nbf`), `iat`, `nbf` (at most 60 minutes old)
    /// and `jti` (accepted once). `requested_expiry` may be a number.
    #[schema(pattern = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")]
    pub request: String,
    /// How the client authenticates.
    #[serde(flatten)]
    pub client: ClientAuthentication,
}

/// The body of `POST /backchannel`: the authentication request's parameters, or one signed
/// request object carrying them.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(
    clippy::large_enum_variant,
    reason = "a description for the OpenAPI document, never built at run time"
)]
pub enum BackchannelAuthenticationRequestBody {
    /// The parameters in the form.
    Plain(BackchannelAuthenticationRequest),
    /// The parameters inside a signed request object.
    Signed(SignedBackchannelAuthenticationRequest),
}

/// A token request (RFC 6749 §4.1.3, §6, §4.4). The tokens are bound to the request's DPoP
/// proof, or over the TLS listener to the client certificate.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// The grant type.
    pub grant_type: GrantType,
    /// `authorization_code`: the code from the authorization response.
    #[serde(default)]
    pub code: String,
    /// `authorization_code`: the redirect URI of the pushed request.
    #[serde(default)]
    pub redirect_uri: String,
    /// `authorization_code`: the PKCE code verifier.
    #[serde(default)]
    pub code_verifier: String,
    /// `refresh_token`: the refresh token.
    #[serde(default)]
    pub refresh_token: String,
    /// `refresh_token`: a narrower scope than was granted; `client_credentials`: the scopes
    /// (none of the bank's scopes can be had without a customer's consent).
    #[serde(default)]
    pub scope: String,
    /// `urn:openid:params:grant-type:ciba`: the `auth_req_id` from `/backchannel`.
    #[serde(default)]
    pub auth_req_id: String,
    /// How the client authenticates.
    #[serde(flatten)]
    pub client: ClientAuthentication,
}

/// An introspection (RFC 7662) or revocation (RFC 7009) request about one of the client's own
/// tokens.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TokenQuestion {
    /// The access or refresh token.
    pub token: String,
    /// `access_token` or `refresh_token`: where to look first.
    #[serde(default)]
    pub token_type_hint: String,
    /// How the client authenticates.
    #[serde(flatten)]
    pub client: ClientAuthentication,
}

/// The login page's form. The interaction id must also be in the `sandbank_interaction` cookie
/// that `/authorize` set, so a form posted from another site is refused.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct LoginForm {
    /// The interaction id from the page.
    pub interaction: String,
    /// The customer's username (`alice`, `sam`, `ivan`, `harbourline`, `edge`, ...).
    #[schema(example = "alice")]
    pub username: String,
    /// The sandbox password, the same for every customer (`sandbank` by default).
    #[schema(example = "sandbank")]
    pub password: String,
}

/// What the customer decided on the consent page.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Grant what the app asked, on the chosen accounts.
    Approve,
    /// Refuse: the app gets `access_denied`.
    Deny,
}

/// The consent page's form. The interaction id must also be in the `sandbank_interaction`
/// cookie.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ConsentForm {
    /// The interaction id from the page.
    pub interaction: String,
    /// Approve or deny.
    pub decision: Decision,
    /// An account to share; repeat the parameter for each (checkboxes). At least one when the
    /// request needs accounts and the customer approves.
    #[serde(default)]
    pub account: Vec<String>,
}

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;

    use super::*;

    /// The `request` parameter is documented with the pattern the server checks.
    #[test]
    fn a_request_object_is_documented_as_a_compact_jws() {
        for schema in [
            SignedPushedAuthorizationRequest::schema(),
            SignedBackchannelAuthenticationRequest::schema(),
        ] {
            let text = serde_json::to_value(schema).unwrap().to_string();
            let pattern = serde_json::to_string(crate::jose::COMPACT_JWS_PATTERN).unwrap();
            assert!(text.contains(&format!("\"pattern\":{pattern}")), "{text}");
        }
    }

    /// The documented `grant_type` values are exactly the grant types `/token` dispatches on
    /// (and discovery lists).
    #[test]
    fn the_documented_grant_types_are_the_token_endpoints() {
        let schema = serde_json::to_value(GrantType::schema()).unwrap();
        let documented: Vec<&str> = schema["enum"]
            .as_array()
            .map(|values| values.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_else(|| {
                schema["oneOf"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|v| v["enum"].as_array().unwrap().iter())
                    .filter_map(|v| v.as_str())
                    .collect()
            });
        assert_eq!(documented, GrantType::names());
        assert!(documented.contains(&"urn:openid:params:grant-type:ciba"));
    }
}
