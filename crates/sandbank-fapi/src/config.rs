//! How the authorization server is set up.

use chrono::Duration;

/// Lifetimes of what the server issues.
#[derive(Debug, Clone)]
pub struct Lifetimes {
    /// A pushed authorization request (`request_uri`): under 600 s (FAPI 2.0).
    pub par: Duration,
    /// An authorization code: at most 60 s (FAPI 2.0 §5.3.2.1-11).
    pub code: Duration,
    /// An access token.
    pub access_token: Duration,
    /// A refresh token.
    pub refresh_token: Duration,
    /// An ID token.
    pub id_token: Duration,
    /// A grant (consent) when the client asks for no shorter one.
    pub grant: Duration,
    /// How long a seen `jti` is remembered.
    pub jti_memory: Duration,
    /// The login and consent session of one authorization request.
    pub interaction: Duration,
    /// A CIBA backchannel request (`auth_req_id`) whose client asked for no
    /// `requested_expiry`.
    pub ciba: Duration,
    /// The longest `requested_expiry` a CIBA request gets; longer ones are shortened to it.
    pub ciba_max: Duration,
    /// How long a CIBA client waits between polls of `/token` (`interval`).
    pub ciba_interval: Duration,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            par: Duration::seconds(90),
            code: Duration::seconds(60),
            access_token: Duration::minutes(10),
            refresh_token: Duration::days(30),
            id_token: Duration::minutes(10),
            grant: Duration::days(90),
            jti_memory: Duration::minutes(10),
            interaction: Duration::minutes(15),
            ciba: Duration::minutes(5),
            ciba_max: Duration::minutes(30),
            ciba_interval: Duration::seconds(5),
        }
    }
}

/// The authorization server's configuration.
#[derive(Debug, Clone)]
pub struct AsConfig {
    /// The issuer identifier: the base URL, without a trailing slash.
    pub issuer: String,
    /// Base URL of the mutual-TLS listener, when there is one (`mtls_endpoint_aliases`).
    pub mtls_base: Option<String>,
    /// Authorization requests whose PAR carried `login_hint` skip the login and consent pages
    /// and grant what was asked on all the customer's accounts.
    pub auto_consent: bool,
    /// Require server-provided DPoP nonces.
    pub dpop_nonces: bool,
    /// Every client's pushed authorization requests must be signed request objects (JAR), as
    /// if each had registered `require_signed_request_object`.
    pub require_signed_request_object: bool,
    /// Every pushed authorization request must carry `grant_management_action` (Grant
    /// Management's `grant_management_action_required`).
    pub grant_management_action_required: bool,
    /// Sign every bank-API response with an HTTP message signature (RFC 9421, tag
    /// `fapi-2-response`).
    pub sign_responses: bool,
    /// Record every bank-API request made on a customer's grant, for the privacy dashboard's
    /// access history ([`crate::access_log`]).
    pub record_access: bool,
    /// Lifetimes.
    pub lifetimes: Lifetimes,
    /// How often expired state is deleted ([`crate::purge`]).
    pub purge_interval: std::time::Duration,
    /// The password every sandbox customer logs in with.
    pub sandbox_password: String,
}

impl AsConfig {
    /// A configuration for `issuer` with defaults.
    pub fn new(issuer: impl Into<String>, sandbox_password: impl Into<String>) -> AsConfig {
        AsConfig {
            issuer: issuer.into().trim_end_matches('/').to_owned(),
            mtls_base: None,
            auto_consent: false,
            dpop_nonces: false,
            require_signed_request_object: false,
            grant_management_action_required: false,
            sign_responses: true,
            record_access: true,
            lifetimes: Lifetimes::default(),
            purge_interval: std::time::Duration::from_secs(60),
            sandbox_password: sandbox_password.into(),
        }
    }

    /// An endpoint URL on the issuer.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }
}
