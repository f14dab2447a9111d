//! Registered clients and the rules a registration must follow (RFC 7591, FAPI 2.0).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use url::Url;

use crate::error::OAuthError;
use crate::jose::{ALLOWED_ALGORITHMS, check_key_strength, has_private_material, parse_jwk};

/// How a client authenticates at the token, PAR, introspection and revocation endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A JWT signed with the client's registered key (RFC 7523).
    PrivateKeyJwt,
    /// A client certificate issued by a CA, matched by subject DN (RFC 8705).
    TlsClientAuth,
    /// A self-signed client certificate, matched against the registered JWKS (RFC 8705).
    SelfSignedTlsClientAuth,
}

/// The grant types of the token endpoint: what `/token` dispatches on, what discovery
/// advertises (`grant_types_supported`) and what a registration may ask for (`grant_types`),
/// all from this one list, so none can offer a grant the others do not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// Exchange an authorization code (with PKCE); RFC 6749 §4.1.
    AuthorizationCode,
    /// A new access token from a refresh token; RFC 6749 §6.
    RefreshToken,
    /// A token for the client itself, on no customer's behalf; RFC 6749 §4.4.
    ClientCredentials,
    /// Redeem the `auth_req_id` of a decoupled (backchannel) authentication request once the
    /// customer approved it; OpenID CIBA Core §10.1.
    #[serde(rename = "urn:openid:params:grant-type:ciba")]
    Ciba,
}

impl GrantType {
    /// Every grant type, in the order discovery lists them.
    pub const ALL: [GrantType; 4] = [
        GrantType::AuthorizationCode,
        GrantType::RefreshToken,
        GrantType::ClientCredentials,
        GrantType::Ciba,
    ];

    /// The `grant_type` value.
    pub fn name(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
            GrantType::Ciba => "urn:openid:params:grant-type:ciba",
        }
    }

    /// The grant type a `grant_type` value names, if the server has it.
    pub fn from_name(name: &str) -> Option<GrantType> {
        GrantType::ALL.into_iter().find(|g| g.name() == name)
    }

    /// Every `grant_type` value: discovery's `grant_types_supported`.
    pub fn names() -> Vec<&'static str> {
        GrantType::ALL.map(GrantType::name).to_vec()
    }
}

/// The algorithms the server signs with (ID tokens, JARM responses, signed introspection):
/// it holds one PS256 and one ES256 key.
pub const SERVER_SIGNING_ALGORITHMS: [&str; 2] = ["PS256", "ES256"];

/// How a CIBA client learns that its request was decided (CIBA Core §5). `push` is not
/// offered: FAPI-CIBA forbids it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMode {
    /// The client polls `/token` with the `auth_req_id`.
    Poll,
    /// The server POSTs `{"auth_req_id": ...}` to the client's
    /// `backchannel_client_notification_endpoint` once the request is decided; the client then
    /// calls `/token` as in poll mode.
    Ping,
}

impl DeliveryMode {
    /// Every mode, in the order discovery lists them.
    pub const ALL: [DeliveryMode; 2] = [DeliveryMode::Poll, DeliveryMode::Ping];

    /// The `backchannel_token_delivery_mode` value.
    pub fn name(self) -> &'static str {
        match self {
            DeliveryMode::Poll => "poll",
            DeliveryMode::Ping => "ping",
        }
    }

    /// Every mode's name: discovery's `backchannel_token_delivery_modes_supported`.
    pub fn names() -> Vec<&'static str> {
        DeliveryMode::ALL.map(DeliveryMode::name).to_vec()
    }
}

/// The algorithms a signed CIBA authentication request may use (FAPI-CIBA: PS256 or ES256).
pub const BACKCHANNEL_SIGNING_ALGORITHMS: [&str; 2] = ["PS256", "ES256"];

/// Authorization details types the server knows (RFC 9396).
pub const AUTHORIZATION_DETAILS_TYPES: [&str; 2] = ["account_information", "payment_initiation"];

/// A registered client's metadata as the server keeps it (and returns it from RFC 7592).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClientMetadata {
    /// Where authorization responses may be sent.
    pub redirect_uris: Vec<String>,
    /// How the client authenticates.
    pub token_endpoint_auth_method: AuthMethod,
    /// The client's public keys, by value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks: Option<Value>,
    /// Where the client publishes its public keys (loopback URLs only in this sandbox); read
    /// each time the keys are needed, so a rotated key works at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// Subject DN of the client certificate, for `tls_client_auth`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_subject_dn: Option<String>,
    /// Name shown to customers on the consent page.
    pub client_name: String,
    /// The app's logo (RFC 7591): an `https` URL, or `http` on the loopback interface. The
    /// privacy dashboard links to it; no page loads it (the pages load nothing from elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
    /// Grant types.
    pub grant_types: Vec<String>,
    /// Response types (only `code`).
    pub response_types: Vec<String>,
    /// Scopes the client may ask for, space-separated; all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Authorization details types the client may ask for.
    pub authorization_details_types: Vec<String>,
    /// Authorization requests must be signed request objects (JAR).
    #[serde(default)]
    pub require_signed_request_object: bool,
    /// Access tokens must be DPoP-bound.
    #[serde(default)]
    pub dpop_bound_access_tokens: bool,
    /// The algorithm its request objects must be signed with (RFC 9101 §10.5); any FAPI
    /// algorithm when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_object_signing_alg: Option<String>,
    /// Sign authorization responses (JARM) with this algorithm: the client must then ask for
    /// `response_mode=jwt` (or `query.jwt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_signed_response_alg: Option<String>,
    /// Sign introspection responses (RFC 9701) with this algorithm when the client asks for
    /// `application/token-introspection+jwt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introspection_signed_response_alg: Option<String>,
    /// Sandbank's own metadata: the bank API refuses this client's requests unless they carry
    /// an HTTP message signature (RFC 9421, tag `fapi-2-request`) by one of its keys.
    #[serde(default)]
    pub require_signed_resource_requests: bool,
    /// Sandbox only: authorization requests with `login_hint` skip the pages and consent to
    /// everything asked on all the customer's accounts.
    #[serde(default)]
    pub sandbox_auto_consent: bool,
    /// CIBA: how the client learns its backchannel request was decided (`poll` or `ping`);
    /// required with the `urn:openid:params:grant-type:ciba` grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backchannel_token_delivery_mode: Option<DeliveryMode>,
    /// CIBA ping mode: where the server POSTs the notification (https, or http on loopback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backchannel_client_notification_endpoint: Option<String>,
    /// CIBA: backchannel authentication requests must be signed request objects with this
    /// algorithm (PS256 or ES256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backchannel_authentication_request_signing_alg: Option<String>,
    /// CIBA: the client may send a `user_code` with its backchannel requests.
    #[serde(default)]
    pub backchannel_user_code_parameter: bool,
    /// Sandbank's own: where the status changes of this client's payments are POSTed as
    /// signed Security Event Tokens ([`crate::notifications`]); https, or http on loopback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_notification_uri: Option<String>,
}

/// A registered client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Client {
    /// The client identifier.
    pub client_id: String,
    /// When it was registered (seconds since the epoch).
    pub client_id_issued_at: i64,
    /// SHA-256 of the registration access token (RFC 7592).
    pub registration_token_hash: String,
    /// Its metadata.
    #[serde(flatten)]
    pub metadata: ClientMetadata,
}

impl Client {
    /// The client's public keys as JSON: registered by value, or fetched from its `jwks_uri`
    /// (and checked by the same rules as keys registered by value).
    pub async fn keys(&self) -> Result<Value, OAuthError> {
        if let Some(jwks) = &self.metadata.jwks {
            return Ok(jwks.clone());
        }
        let Some(uri) = &self.metadata.jwks_uri else {
            return Ok(serde_json::json!({ "keys": [] }));
        };
        fetch_jwks(uri).await
    }

    /// The client's keys as `jsonwebtoken` keys.
    pub async fn jwk_set(&self) -> Result<jsonwebtoken::jwk::JwkSet, OAuthError> {
        serde_json::from_value(self.keys().await?)
            .map_err(|_| OAuthError::invalid_client("the client's JWKS is malformed"))
    }

    /// Whether the client may use `grant_type`.
    pub fn allows_grant(&self, grant_type: &str) -> bool {
        self.metadata.grant_types.iter().any(|g| g == grant_type)
    }
}

/// Whether a redirect URI is acceptable: absolute, no fragment, https, or http only to a
/// loopback address.
pub fn redirect_uri_is_acceptable(uri: &str) -> Result<(), String> {
    let url = Url::parse(uri).map_err(|_| format!("{uri} is not an absolute URL"))?;
    if url.fragment().is_some() {
        return Err(format!("{uri} must not contain a fragment"));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        "http" => Err(format!(
            "{uri} uses http on a host that is not loopback; use https"
        )),
        other => Err(format!("{uri} uses the {other} scheme; use https")),
    }
}

/// Whether a URL's host is the loopback interface.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    }
}

fn metadata_error(message: impl Into<String>) -> OAuthError {
    OAuthError::invalid_client_metadata(message)
}

fn string_list(
    request: &Map<String, Value>,
    name: &str,
) -> Result<Option<Vec<String>>, OAuthError> {
    match request.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| metadata_error(format!("{name} must be an array of strings")))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(metadata_error(format!(
            "{name} must be an array of strings"
        ))),
    }
}

fn optional_string(request: &Map<String, Value>, name: &str) -> Result<Option<String>, OAuthError> {
    match request.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(metadata_error(format!("{name} must be a string"))),
    }
}

fn optional_bool(request: &Map<String, Value>, name: &str) -> Result<bool, OAuthError> {
    match request.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(metadata_error(format!("{name} must be a boolean"))),
    }
}

/// Checks a registration request and turns it into metadata. Every refusal is an RFC 7591
/// error: `invalid_redirect_uri`, `invalid_client_metadata` or `invalid_software_statement`.
pub fn validate_registration(request: &Value) -> Result<ClientMetadata, OAuthError> {
    let Some(request) = request.as_object() else {
        return Err(metadata_error(
            "the registration request must be a JSON object",
        ));
    };
    if request.contains_key("software_statement") {
        // No software statement issuer is trusted by this sandbox, so none can be verified.
        return Err(OAuthError::invalid_software_statement(
            "software statements cannot be verified by this sandbox: no statement issuer is trusted; register without one",
        ));
    }
    let grant_types = string_list(request, "grant_types")?
        .unwrap_or_else(|| vec!["authorization_code".to_owned(), "refresh_token".to_owned()]);
    if let Some(bad) = grant_types
        .iter()
        .find(|g| GrantType::from_name(g).is_none())
    {
        return Err(metadata_error(format!("grant type {bad} is not supported")));
    }
    let redirect_uris = string_list(request, "redirect_uris")
        .map_err(|e| OAuthError::invalid_redirect_uri(e.description))?
        .unwrap_or_default();
    // Redirect URIs belong to the code flow: a client without it (CIBA only) needs none.
    let redirects = grant_types
        .iter()
        .any(|g| g == GrantType::AuthorizationCode.name());
    if redirect_uris.is_empty() && redirects {
        return Err(OAuthError::invalid_redirect_uri(
            "redirect_uris is required",
        ));
    }
    for uri in &redirect_uris {
        redirect_uri_is_acceptable(uri).map_err(OAuthError::invalid_redirect_uri)?;
    }
    let method = match optional_string(request, "token_endpoint_auth_method")?.as_deref() {
        None | Some("private_key_jwt") => AuthMethod::PrivateKeyJwt,
        Some("tls_client_auth") => AuthMethod::TlsClientAuth,
        Some("self_signed_tls_client_auth") => AuthMethod::SelfSignedTlsClientAuth,
        Some(other) => {
            return Err(metadata_error(format!(
                "token_endpoint_auth_method {other} is not allowed by FAPI 2.0; use private_key_jwt, tls_client_auth or self_signed_tls_client_auth"
            )));
        }
    };
    let jwks = match request.get("jwks") {
        None | Some(Value::Null) => None,
        Some(value) => Some(validate_jwks(value)?),
    };
    let jwks_uri = optional_string(request, "jwks_uri")?;
    if let Some(uri) = &jwks_uri {
        check_jwks_uri(uri)?;
        if jwks.is_some() {
            return Err(metadata_error("send jwks or jwks_uri, not both"));
        }
    }
    if matches!(
        method,
        AuthMethod::PrivateKeyJwt | AuthMethod::SelfSignedTlsClientAuth
    ) && jwks.is_none()
        && jwks_uri.is_none()
    {
        return Err(metadata_error(
            "jwks or jwks_uri is required for this token_endpoint_auth_method",
        ));
    }
    let tls_client_auth_subject_dn = optional_string(request, "tls_client_auth_subject_dn")?;
    if method == AuthMethod::TlsClientAuth && tls_client_auth_subject_dn.is_none() {
        return Err(metadata_error(
            "tls_client_auth needs tls_client_auth_subject_dn",
        ));
    }
    let backchannel = validate_backchannel(request, &grant_types)?;
    let response_types =
        string_list(request, "response_types")?.unwrap_or_else(|| vec!["code".to_owned()]);
    if response_types.iter().any(|r| r != "code") {
        return Err(metadata_error("only the code response type is supported"));
    }
    let authorization_details_types = string_list(request, "authorization_details_types")?
        .unwrap_or_else(|| vec!["account_information".to_owned()]);
    if let Some(bad) = authorization_details_types
        .iter()
        .find(|t| !AUTHORIZATION_DETAILS_TYPES.contains(&t.as_str()))
    {
        return Err(metadata_error(format!(
            "authorization details type {bad} is not supported"
        )));
    }
    for name in [
        "request_object_signing_alg",
        "token_endpoint_auth_signing_alg",
    ] {
        if let Some(alg) = optional_string(request, name)?
            && !ALLOWED_ALGORITHMS.contains(&alg.as_str())
        {
            return Err(metadata_error(format!(
                "{name} {alg} is not allowed; use PS256, ES256 or EdDSA"
            )));
        }
    }
    // What the server signs for the client, it signs with its own keys: PS256 or ES256.
    for name in [
        "id_token_signed_response_alg",
        "authorization_signed_response_alg",
        "introspection_signed_response_alg",
    ] {
        if let Some(alg) = optional_string(request, name)?
            && !SERVER_SIGNING_ALGORITHMS.contains(&alg.as_str())
        {
            return Err(metadata_error(format!(
                "{name} {alg} is not supported; use PS256 or ES256"
            )));
        }
    }
    let client_name =
        optional_string(request, "client_name")?.unwrap_or_else(|| "Unnamed app".to_owned());
    if client_name.chars().count() > 100 {
        return Err(metadata_error("client_name is longer than 100 characters"));
    }
    let logo_uri = optional_string(request, "logo_uri")?;
    if let Some(uri) = &logo_uri {
        check_logo_uri(uri)?;
    }
    let payment_notification_uri = optional_string(request, "payment_notification_uri")?;
    if let Some(uri) = &payment_notification_uri {
        check_notification_uri(uri)?;
    }
    Ok(ClientMetadata {
        logo_uri,
        redirect_uris,
        token_endpoint_auth_method: method,
        jwks,
        jwks_uri,
        tls_client_auth_subject_dn,
        client_name,
        grant_types,
        response_types,
        scope: optional_string(request, "scope")?,
        authorization_details_types,
        require_signed_request_object: optional_bool(request, "require_signed_request_object")?,
        dpop_bound_access_tokens: optional_bool(request, "dpop_bound_access_tokens")?,
        request_object_signing_alg: optional_string(request, "request_object_signing_alg")?,
        authorization_signed_response_alg: optional_string(
            request,
            "authorization_signed_response_alg",
        )?,
        introspection_signed_response_alg: optional_string(
            request,
            "introspection_signed_response_alg",
        )?,
        require_signed_resource_requests: optional_bool(
            request,
            "require_signed_resource_requests",
        )?,
        sandbox_auto_consent: optional_bool(request, "sandbox_auto_consent")?,
        backchannel_token_delivery_mode: backchannel.mode,
        backchannel_client_notification_endpoint: backchannel.notification_endpoint,
        backchannel_authentication_request_signing_alg: backchannel.signing_alg,
        backchannel_user_code_parameter: backchannel.user_code,
        payment_notification_uri,
    })
}

/// The CIBA metadata of a registration.
struct Backchannel {
    mode: Option<DeliveryMode>,
    notification_endpoint: Option<String>,
    signing_alg: Option<String>,
    user_code: bool,
}

/// Checks the CIBA metadata (CIBA Core §4, FAPI-CIBA §5.2.2): a client with the CIBA grant
/// names its delivery mode, `poll` or `ping` (`push` is refused); `ping` needs a notification
/// endpoint (https, or http on loopback); signed requests are PS256 or ES256.
fn validate_backchannel(
    request: &Map<String, Value>,
    grant_types: &[String],
) -> Result<Backchannel, OAuthError> {
    let mode = match optional_string(request, "backchannel_token_delivery_mode")?.as_deref() {
        None => None,
        Some("poll") => Some(DeliveryMode::Poll),
        Some("ping") => Some(DeliveryMode::Ping),
        Some("push") => {
            return Err(metadata_error(
                "backchannel_token_delivery_mode push is not allowed by FAPI-CIBA; use poll or ping",
            ));
        }
        Some(other) => {
            return Err(metadata_error(format!(
                "backchannel_token_delivery_mode {other} is not supported; use poll or ping"
            )));
        }
    };
    let ciba = grant_types.iter().any(|g| g == GrantType::Ciba.name());
    if ciba && mode.is_none() {
        return Err(metadata_error(format!(
            "backchannel_token_delivery_mode (poll or ping) is required with the {} grant",
            GrantType::Ciba.name()
        )));
    }
    let notification_endpoint =
        optional_string(request, "backchannel_client_notification_endpoint")?;
    match (&notification_endpoint, mode) {
        (Some(uri), _) => redirect_uri_is_acceptable(uri).map_err(|why| {
            metadata_error(format!("backchannel_client_notification_endpoint: {why}"))
        })?,
        (None, Some(DeliveryMode::Ping)) => {
            return Err(metadata_error(
                "backchannel_client_notification_endpoint is required for the ping delivery mode",
            ));
        }
        (None, _) => {}
    }
    let signing_alg = optional_string(request, "backchannel_authentication_request_signing_alg")?;
    if let Some(alg) = &signing_alg
        && !BACKCHANNEL_SIGNING_ALGORITHMS.contains(&alg.as_str())
    {
        return Err(metadata_error(format!(
            "backchannel_authentication_request_signing_alg {alg} is not allowed by FAPI-CIBA; use PS256 or ES256"
        )));
    }
    Ok(Backchannel {
        mode,
        notification_endpoint,
        signing_alg,
        user_code: optional_bool(request, "backchannel_user_code_parameter")?,
    })
}

/// A `logo_uri` must be an `https` URL (or `http` on the loopback interface) of at most 2,000
/// characters.
fn check_logo_uri(uri: &str) -> Result<(), OAuthError> {
    let bad = || {
        metadata_error(
            "logo_uri must be an https URL (http only on the loopback interface) of at most 2000 characters",
        )
    };
    if uri.len() > 2000 {
        return Err(bad());
    }
    let url = Url::parse(uri).map_err(|_| bad())?;
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        _ => Err(bad()),
    }
}

/// A `payment_notification_uri` is where webhooks go: like a redirect URI (absolute, no
/// fragment, https, or http on loopback), at most 2,000 characters.
fn check_notification_uri(uri: &str) -> Result<(), OAuthError> {
    if uri.len() > 2000 {
        return Err(metadata_error(
            "payment_notification_uri is longer than 2000 characters",
        ));
    }
    redirect_uri_is_acceptable(uri)
        .map_err(|why| metadata_error(format!("payment_notification_uri: {why}")))
}

/// A `jwks_uri` must be an http(s) URL on the loopback interface: the sandbox reaches nothing
/// else, and fetching other hosts from a server would be an open request forger.
fn check_jwks_uri(uri: &str) -> Result<Url, OAuthError> {
    let url = Url::parse(uri)
        .map_err(|_| metadata_error(format!("jwks_uri {uri} is not an absolute URL")))?;
    if !matches!(url.scheme(), "http" | "https") || !is_loopback(&url) {
        return Err(metadata_error(format!(
            "jwks_uri {uri} must be an http(s) URL on the loopback interface (127.0.0.1, ::1 or localhost); register other keys by value in jwks"
        )));
    }
    Ok(url)
}

/// Reads a client's JWKS from its loopback `jwks_uri`: 5 s at most, no redirects, 64 KiB at
/// most, the same key rules as keys registered by value. Failures are `invalid_client`.
async fn fetch_jwks(uri: &str) -> Result<Value, OAuthError> {
    let unusable = |why: &str| {
        OAuthError::invalid_client(format!("the client's jwks_uri could not be used: {why}"))
    };
    let url = check_jwks_uri(uri).map_err(|e| unusable(&e.description))?;
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|_| unusable("no HTTP client"))?;
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|_| unusable("it did not answer"))?;
    if !response.status().is_success() {
        return Err(unusable(&format!("it answered {}", response.status())));
    }
    let body = response
        .bytes()
        .await
        .map_err(|_| unusable("the body could not be read"))?;
    if body.len() > 64 * 1024 {
        return Err(unusable("the JWKS is larger than 64 KiB"));
    }
    let jwks: Value = serde_json::from_slice(&body).map_err(|_| unusable("it is not JSON"))?;
    validate_jwks(&jwks).map_err(|e| unusable(&e.description))
}

/// Checks a JWKS: public keys only, of supported types, strong enough.
fn validate_jwks(value: &Value) -> Result<Value, OAuthError> {
    let keys = value
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| metadata_error("jwks must be an object with a keys array"))?;
    if keys.is_empty() {
        return Err(metadata_error("jwks has no keys"));
    }
    for key in keys {
        let Some(raw) = key.as_object() else {
            return Err(metadata_error("every key in jwks must be an object"));
        };
        if has_private_material(raw) {
            return Err(metadata_error(
                "jwks contains private key material; register public keys only",
            ));
        }
        let jwk = parse_jwk(raw).map_err(|e| metadata_error(e.0))?;
        let alg = match (
            raw.get("kty").and_then(Value::as_str),
            raw.get("alg").and_then(Value::as_str),
        ) {
            (_, Some("PS256")) | (Some("RSA"), None) => jsonwebtoken::Algorithm::PS256,
            (_, Some("ES256")) | (Some("EC"), None) => jsonwebtoken::Algorithm::ES256,
            (_, Some("EdDSA")) | (Some("OKP"), None) => jsonwebtoken::Algorithm::EdDSA,
            (_, Some(other)) => {
                return Err(metadata_error(format!(
                    "key algorithm {other} is not allowed"
                )));
            }
            _ => return Err(metadata_error("unsupported key type")),
        };
        check_key_strength(&jwk, alg).map_err(|e| metadata_error(e.0))?;
    }
    Ok(value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pattern the OpenAPI document gives `payment_notification_uri` promises acceptance:
    /// whatever matches it (up to 2,000 characters), the registration takes.
    #[test]
    fn a_notification_uri_matching_the_documented_pattern_is_accepted() {
        use utoipa::PartialSchema;
        let schema =
            serde_json::to_value(crate::openapi::bodies::ClientRegistrationRequest::schema())
                .unwrap();
        let pattern = schema["properties"]["payment_notification_uri"]["pattern"]
            .as_str()
            .unwrap()
            .to_owned();
        let pattern = regex::Regex::new(&pattern).unwrap();
        for uri in [
            "https://a",
            "https://A-.b--c:0/",
            "https://bank.example:8443/x/%zz?y=z&\\w",
            "https://a.b/\u{e9}\u{1}",
            "http://localhost",
            "http://127.0.0.1:9999/events",
            "http://[::1]:80/p?q",
        ] {
            assert!(pattern.is_match(uri), "{uri}");
            assert_eq!(check_notification_uri(uri).ok(), Some(()), "{uri}");
        }
        for uri in ["https://1.2.3.4", "http://bank.example/", "https://a#f", ""] {
            assert!(!pattern.is_match(uri), "{uri}");
        }
    }

    #[test]
    fn grant_type_names_are_their_serde_names_and_parse_back() {
        for grant in GrantType::ALL {
            assert_eq!(serde_json::to_value(grant).unwrap(), grant.name());
            assert_eq!(GrantType::from_name(grant.name()), Some(grant));
        }
        assert_eq!(GrantType::from_name("password"), None);
    }
    use serde_json::json;

    fn ec_key() -> Value {
        crate::keys::generate_client_key().unwrap().public_jwk
    }

    #[test]
    fn a_fapi_registration_is_accepted_with_defaults() {
        let metadata = validate_registration(&json!({
            "redirect_uris": ["https://app.example/cb", "http://127.0.0.1:9000/cb"],
            "jwks": {"keys": [ec_key()]},
        }))
        .unwrap();
        assert_eq!(
            metadata.token_endpoint_auth_method,
            AuthMethod::PrivateKeyJwt
        );
        assert_eq!(
            metadata.grant_types,
            vec!["authorization_code", "refresh_token"]
        );
    }

    #[test]
    fn bad_registrations_get_the_rfc_7591_error() {
        let jwks = json!({"keys": [ec_key()]});
        let cases = [
            (json!({"jwks": jwks}), "invalid_redirect_uri"),
            (
                json!({"redirect_uris": [], "jwks": jwks}),
                "invalid_redirect_uri",
            ),
            (
                json!({"redirect_uris": ["http://app.example/cb"], "jwks": jwks}),
                "invalid_redirect_uri",
            ),
            (
                json!({"redirect_uris": ["https://app.example/cb#x"], "jwks": jwks}),
                "invalid_redirect_uri",
            ),
            (
                json!({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "none"}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "client_secret_basic"}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "client_secret_post"}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": ["https://a.example/cb"]}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": ["https://a.example/cb"], "jwks": jwks, "grant_types": ["implicit"]}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": ["https://a.example/cb"], "jwks": jwks, "id_token_signed_response_alg": "RS256"}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": ["https://a.example/cb"], "jwks": {"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]}}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": ["https://a.example/cb"], "jwks": jwks, "software_statement": "e30.e30.sig"}),
                "invalid_software_statement",
            ),
        ];
        for (request, code) in cases {
            let error = validate_registration(&request).unwrap_err();
            assert_eq!(error.code, code, "{request}");
        }
        let mut private = crate::keys::generate_client_key().unwrap().private_jwk;
        private["alg"] = json!("ES256");
        let error = validate_registration(
            &json!({"redirect_uris": ["https://a.example/cb"], "jwks": {"keys": [private]}}),
        )
        .unwrap_err();
        assert_eq!(error.code, "invalid_client_metadata");
    }
}
