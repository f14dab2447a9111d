//! `POST /token`: client authentication, a sender constraint (required: a DPoP proof, or over
//! the TLS listener the client certificate), then the grant type's own rules.
//!
//! With a DPoP proof the tokens are DPoP-bound (`token_type: DPoP`, `cnf.jkt`). Without one,
//! a request that arrived with a client certificate gets certificate-bound tokens (RFC 8705
//! §3: `token_type: Bearer`, `cnf.x5t#S256`). Without either: 400 `invalid_dpop_proof`.

mod authorization_code;
mod ciba;
mod client_credentials;
mod refresh_token;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use sandbank_schemas::consent::Consent;
use serde_json::{Value, json};

use crate::client::{Client, GrantType};
use crate::client_auth;
use crate::dpop::Proof;
use crate::error::{OAuthError, OAuthErrorBody};
use crate::form::Params;
use crate::jose::random_token;
use crate::mtls::ClientCertificate;
use crate::openapi::bodies::TokenResponse;
use crate::openapi::forms::TokenRequest;
use crate::openapi::responses::ClientAuthErrors;
use crate::openapi::{DpopHeader, FORM};
use crate::sender;
use crate::state::{AuthServer, kinds};
use crate::tokens::{Confirmation, TokenRecord, token_key};

/// Parses `grant_type`: anything but a [`GrantType`] (password, implicit, …) is
/// `unsupported_grant_type`.
pub fn parse_grant_type(value: Option<&str>) -> Result<GrantType, OAuthError> {
    let value = value.ok_or_else(|| OAuthError::invalid_request("grant_type is required"))?;
    GrantType::from_name(value).ok_or_else(|| {
        OAuthError::unsupported_grant_type(format!("grant_type {value} is not supported"))
    })
}

/// Get tokens.
///
/// The token endpoint (RFC 6749): `authorization_code` with PKCE, `refresh_token`,
/// `client_credentials` and `urn:openid:params:grant-type:ciba` (an `auth_req_id` from
/// `/backchannel`, OpenID CIBA Core §10.1), for an authenticated client. Tokens are bound to the request's DPoP
/// proof (RFC 9449) or, over the TLS listener, to the client certificate (RFC 8705); a request
/// with neither is refused.
#[utoipa::path(
    post,
    path = "/token",
    operation_id = "token",
    tag = "tokens",
    security((), ("clientCertificate" = [])),
    params(DpopHeader),
    request_body(content = TokenRequest, content_type = FORM, description = "The grant and the client's authentication."),
    responses(
        (status = 200, description = "The tokens.", body = TokenResponse,
            headers(
                ("Cache-Control" = String, description = "`no-store`."),
                ("Pragma" = String, description = "`no-cache`.")
            )),
        (status = 400, description = "The request is refused: `invalid_request`, `invalid_grant` (code unknown, used, expired or for another client; PKCE or redirect URI mismatch; refresh token unknown or bound to another key; `auth_req_id` unknown, already redeemed or another client's), `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`, for the CIBA grant `authorization_pending` (not decided yet), `slow_down` (polled faster than the interval, which grows by 5 s), `expired_token` (the `auth_req_id` expired) and `access_denied` (the customer refused), `invalid_dpop_proof` (also when no proof and no client certificate was sent), or `use_dpop_nonce` with a `DPoP-Nonce` header under `serve --dpop-nonces`.", body = OAuthErrorBody,
            headers(("DPoP-Nonce" = String, description = "With `use_dpop_nonce`: the nonce to put in the next proof."))),
        ClientAuthErrors
    )
)]
pub async fn token(
    State(server): State<AuthServer>,
    headers: HeaderMap,
    certificate: Option<Extension<ClientCertificate>>,
    body: axum::body::Bytes,
) -> Result<Response, OAuthError> {
    let params = Params::parse(&body)?;
    let certificate = certificate.as_deref();
    let client = client_auth::authenticate(&server, params.as_map(), certificate).await?;
    let grant_type = parse_grant_type(params.get("grant_type"))?;
    if !client.allows_grant(grant_type.name()) {
        return Err(OAuthError::unauthorized_client(format!(
            "the client is not registered for the {} grant",
            grant_type.name()
        )));
    }
    let proof = match sender::proof(&server, &headers, "POST", "/token", None).await? {
        Some(proof) => Binding::Dpop(proof),
        None => match certificate {
            Some(certificate) => Binding::Certificate(certificate.thumbprint()),
            None => {
                return Err(OAuthError::invalid_dpop_proof(
                    "sender-constrained tokens are required: send a DPoP proof in the DPoP header, or use the TLS listener with a client certificate",
                ));
            }
        },
    };
    let body = match grant_type {
        GrantType::AuthorizationCode => {
            authorization_code::exchange(&server, &client, &params, &proof).await?
        }
        GrantType::RefreshToken => {
            refresh_token::refresh(&server, &client, &params, &proof).await?
        }
        GrantType::ClientCredentials => {
            client_credentials::issue(&server, &client, &params, &proof).await?
        }
        GrantType::Ciba => ciba::redeem(&server, &client, &params, &proof).await?,
    };
    let mut response = Json(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// What the tokens of a request are bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// The key of the request's DPoP proof (RFC 9449).
    Dpop(Proof),
    /// The client certificate of the connection, by `x5t#S256` thumbprint (RFC 8705 §3).
    Certificate(String),
}

impl Binding {
    /// The DPoP key thumbprint, for DPoP-bound requests.
    fn jkt(&self) -> Option<&str> {
        match self {
            Binding::Dpop(proof) => Some(&proof.jkt),
            Binding::Certificate(_) => None,
        }
    }

    /// The confirmation of tokens issued on this request.
    fn confirmation(&self) -> Confirmation {
        match self {
            Binding::Dpop(proof) => Confirmation {
                jkt: Some(proof.jkt.clone()),
                x5t_s256: None,
            },
            Binding::Certificate(x5t) => Confirmation {
                jkt: None,
                x5t_s256: Some(x5t.clone()),
            },
        }
    }

    /// Whether a token confirmed by `cnf` may be used by this request: same DPoP key, or
    /// same certificate.
    fn holds(&self, cnf: &Confirmation) -> bool {
        cnf.is_bound() && *cnf == self.confirmation()
    }

    fn token_type(&self) -> &'static str {
        match self {
            Binding::Dpop(_) => "DPoP",
            Binding::Certificate(_) => "Bearer",
        }
    }
}

/// What an access token is issued on.
struct Issue<'a> {
    client: &'a Client,
    grant: Option<&'a Consent>,
    scope: Vec<String>,
    proof: &'a Binding,
    auth_time: Option<i64>,
}

/// Stores an access token (and, when asked, a refresh token) and returns the token response
/// fields they make.
async fn issue_tokens(
    server: &AuthServer,
    issue: Issue<'_>,
    with_refresh: bool,
) -> Result<serde_json::Map<String, Value>, OAuthError> {
    let now = server.now();
    let lifetimes = &server.config.lifetimes;
    let grant_left = issue.grant.and_then(|g| g.expires_at).map(|e| e - now);
    let access_ttl = grant_left.map_or(lifetimes.access_token, |left| {
        left.min(lifetimes.access_token)
    });
    let refresh_ttl = grant_left.map_or(lifetimes.refresh_token, |left| {
        left.min(lifetimes.refresh_token)
    });
    let record = |ttl: chrono::Duration| TokenRecord {
        client_id: issue.client.client_id.clone(),
        sub: issue.grant.map(|g| g.customer_id.as_str().to_owned()),
        grant_id: issue.grant.map(|g| g.consent_id.as_str().to_owned()),
        scope: issue.scope.clone(),
        accounts: issue
            .grant
            .map(|g| {
                g.account_ids
                    .iter()
                    .map(|a| a.as_str().to_owned())
                    .collect()
            })
            .unwrap_or_default(),
        permissions: issue
            .grant
            .map(|g| g.permissions.clone())
            .unwrap_or_default(),
        authorization_details: issue
            .grant
            .map(|g| g.authorization_details.clone())
            .unwrap_or_default(),
        cnf: issue.proof.confirmation(),
        iat: now.timestamp(),
        exp: (now + ttl).timestamp(),
        auth_time: issue.auth_time,
    };
    let access_token = random_token(32);
    server
        .write(
            kinds::ACCESS_TOKEN,
            &token_key(&access_token),
            &record(access_ttl),
            access_ttl,
        )
        .await?;
    let mut body = serde_json::Map::new();
    body.insert("access_token".into(), Value::from(access_token));
    body.insert("token_type".into(), Value::from(issue.proof.token_type()));
    body.insert("expires_in".into(), Value::from(access_ttl.num_seconds()));
    body.insert("scope".into(), Value::from(issue.scope.join(" ")));
    if with_refresh {
        let refresh_token = random_token(32);
        server
            .write(
                kinds::REFRESH_TOKEN,
                &token_key(&refresh_token),
                &record(refresh_ttl),
                refresh_ttl,
            )
            .await?;
        body.insert("refresh_token".into(), Value::from(refresh_token));
    }
    if let Some(grant) = issue.grant {
        body.insert(
            "authorization_details".into(),
            serde_json::to_value(&grant.authorization_details).unwrap_or_else(|_| json!([])),
        );
        body.insert("grant_id".into(), Value::from(grant.consent_id.as_str()));
    }
    Ok(body)
}
