//! The resource-server guard: who may read what, for every protected request.
//!
//! [`Authorized`] is an axum extractor. It takes the access token from
//! `Authorization: DPoP <token>` (or `Bearer` for certificate-bound tokens), checks that the
//! token is usable ([`lookup::check_usable`]) and that the caller
//! holds the key it is bound to — a DPoP proof (RFC 9449 §7: `ath`, `htm`, `htu`, `iat`,
//! replay) or the client certificate of the connection (RFC 8705 §3) — and yields the token,
//! its grant and the customer. Failures are RFC 6750 / RFC 9449 errors with a
//! `WWW-Authenticate: DPoP ...` challenge:
//!
//! | problem | status | `error` |
//! |---|---|---|
//! | no credentials | 401 | (none in the challenge) |
//! | token in the query string, two `Authorization` headers | 400 | `invalid_request` |
//! | proof missing, malformed, replayed, wrong `htm`/`htu`/`ath`, ... | 401 | `invalid_dpop_proof` |
//! | token unknown, expired, revoked, grant not active, client deleted, wrong key or certificate | 401 | `invalid_token` |
//! | permission not granted ([`Authorized::require`]) | 403 | `insufficient_scope` |
//! | HTTP message signature missing (client registered with `require_signed_resource_requests`) or invalid, whoever sent it | 401 | `invalid_signature` |
//! | `Content-Digest` that does not match the body | 400 | `invalid_request` |
//!
//! The message signature (RFC 9421, FAPI.md B5) is checked after the token, so a stranger gets
//! the token's 401 first: a `fapi-2-request` signature by a key of the token's client covering
//! what [`httpsig::verify_request`] lists. A client that did not register for signatures may
//! still send them, and a wrong one is refused just the same, so that a developer finds the
//! mistake before switching the requirement on; other signatures (another tag) are ignored
//! for such a client.
//!
//! Server-provided DPoP nonces are not asked for at the resource server.

use axum::extract::{FromRef, FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use sandbank_schemas::{AccountId, Consent, PartyId, Permission};

use crate::access_log::{AccessSlot, Accessor};
use crate::client::Client;
use crate::dpop::{self, DpopError, Expected};
use crate::error::OAuthError;
use crate::httpsig::{self, RequestSignatureError, SignedRequest};
use crate::jose::peek;
use crate::lookup::{self, TokenKind};
use crate::mtls::ClientCertificate;
use crate::signatures::RequestBody;
use crate::state::AuthServer;
use crate::tokens::TokenRecord;

/// DPoP proof algorithms the resource server accepts, as the `algs` challenge parameter says.
pub const DPOP_ALGS: &str = "PS256 ES256 EdDSA";

/// A request the guard let through: the token, its grant and whose data it reaches.
#[derive(Debug, Clone)]
pub struct Authorized {
    /// The access token's record.
    pub token: TokenRecord,
    /// The grant (the customer's consent) behind the token, if it was issued on one.
    pub grant: Option<Consent>,
    /// The customer whose data the token reaches; `None` for client-only tokens.
    pub customer: Option<PartyId>,
    /// The client the token was issued to, as registered now.
    pub client: Client,
}

impl Authorized {
    /// Whether the token carries `permission`: it must be in the token's permissions and,
    /// when there is a grant, in the grant's too. Otherwise 403 `insufficient_scope`.
    pub fn require(&self, permission: Permission) -> Result<(), OAuthError> {
        let in_token = self.token.permissions.contains(&permission);
        let in_grant = self
            .grant
            .as_ref()
            .is_none_or(|grant| grant.permissions.contains(&permission));
        if in_token && in_grant {
            return Ok(());
        }
        let scope = permission_name(permission);
        Err(OAuthError::insufficient_scope(format!(
            "the access token does not grant the {scope} permission"
        ))
        .with_www_authenticate(format!(
            "DPoP error=\"insufficient_scope\", scope=\"{scope}\", algs=\"{DPOP_ALGS}\""
        )))
    }

    /// The customer, or 403 `insufficient_scope` for a token that was not issued on a
    /// customer's consent.
    pub fn require_customer(&self) -> Result<&PartyId, OAuthError> {
        self.customer.as_ref().ok_or_else(|| {
            OAuthError::insufficient_scope(
                "the access token was not issued on a customer's consent",
            )
            .with_www_authenticate(format!(
                "DPoP error=\"insufficient_scope\", algs=\"{DPOP_ALGS}\""
            ))
        })
    }

    /// The accounts the token reaches: the token's accounts that the grant (when there is
    /// one) still covers, in the token's order.
    pub fn account_ids(&self) -> Vec<AccountId> {
        self.token
            .accounts
            .iter()
            .filter(|account| {
                self.grant.as_ref().is_none_or(|grant| {
                    grant
                        .account_ids
                        .iter()
                        .any(|id| id.as_str() == account.as_str())
                })
            })
            .filter_map(|account| AccountId::new(account.clone()).ok())
            .collect()
    }

    /// Whether the token reaches `account_id`.
    pub fn reaches(&self, account_id: &AccountId) -> bool {
        self.account_ids().contains(account_id)
    }
}

/// The permission's scope name (`accounts`, `card_controls`, ...).
pub fn permission_name(permission: Permission) -> String {
    serde_json::to_value(permission)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl<S> FromRequestParts<S> for Authorized
where
    AuthServer: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = OAuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let server = AuthServer::from_ref(state);
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or_else(|| parts.uri.clone(), |original| original.0.clone());
        let request = Request {
            method: &parts.method,
            path: uri.path(),
            query: uri.query(),
            headers: &parts.headers,
            certificate: parts.extensions.get::<ClientCertificate>(),
            body: parts.extensions.get::<RequestBody>(),
        };
        let authorized = authorize(&server, &request).await?;
        if let Some(slot) = parts.extensions.get::<AccessSlot>()
            && let (Some(customer), Some(grant_id)) =
                (&authorized.customer, &authorized.token.grant_id)
        {
            slot.fill(Accessor {
                party_id: customer.as_str().to_owned(),
                client_id: authorized.token.client_id.clone(),
                grant_id: grant_id.clone(),
                accounts: authorized
                    .account_ids()
                    .into_iter()
                    .map(|id| id.as_str().to_owned())
                    .collect(),
            });
        }
        Ok(authorized)
    }
}

/// What the guard looks at in a request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The method (`htm`).
    pub method: &'a Method,
    /// The path as the client sent it, before any routing prefix was stripped (`htu`).
    pub path: &'a str,
    /// The query string, if any.
    pub query: Option<&'a str>,
    /// The headers (`Authorization`, `DPoP`).
    pub headers: &'a HeaderMap,
    /// The connection's client certificate, from the TLS listener.
    pub certificate: Option<&'a ClientCertificate>,
    /// What the message-signature layer learnt about the body ([`crate::signatures`]); `None`
    /// outside that layer, where the body is judged by its headers alone.
    pub body: Option<&'a RequestBody>,
}

fn challenge(error: &str, description: &str) -> String {
    let description: String = description
        .chars()
        .filter(|c| *c != '"' && *c != '\\' && !c.is_control())
        .collect();
    format!("DPoP error=\"{error}\", error_description=\"{description}\", algs=\"{DPOP_ALGS}\"")
}

fn token_error(description: &str) -> OAuthError {
    OAuthError::invalid_token(description)
        .with_www_authenticate(challenge("invalid_token", description))
}

fn proof_error(description: &str) -> OAuthError {
    OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_dpop_proof", description)
        .with_www_authenticate(challenge("invalid_dpop_proof", description))
}

fn request_error(description: &str) -> OAuthError {
    OAuthError::invalid_request(description)
        .with_www_authenticate(challenge("invalid_request", description))
}

fn no_credentials() -> OAuthError {
    OAuthError::invalid_token(
        "an access token is required: send Authorization: DPoP <token> with a DPoP proof",
    )
    .with_www_authenticate(format!("DPoP algs=\"{DPOP_ALGS}\""))
}

/// How the token was presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `Authorization: DPoP` (RFC 9449).
    Dpop,
    /// `Authorization: Bearer` (RFC 6750), for certificate-bound tokens.
    Bearer,
}

/// The scheme and token of the request's `Authorization` header. `Ok(None)`: no header, or a
/// scheme other than DPoP and Bearer.
pub fn credentials(headers: &HeaderMap) -> Result<Option<(Scheme, &str)>, OAuthError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let value = match (values.next(), values.next()) {
        (None, _) => return Ok(None),
        (Some(value), None) => value,
        (Some(_), Some(_)) => return Err(request_error("more than one Authorization header")),
    };
    let value = value
        .to_str()
        .map_err(|_| request_error("the Authorization header is not text"))?;
    let Some((scheme, token)) = value.trim().split_once(' ') else {
        return Ok(None);
    };
    let scheme = if scheme.eq_ignore_ascii_case("dpop") {
        Scheme::Dpop
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Scheme::Bearer
    } else {
        return Ok(None);
    };
    let token = token.trim();
    if token.is_empty() {
        return Ok(None);
    }
    Ok(Some((scheme, token)))
}

/// Whether a query string carries an `access_token` parameter (RFC 6750 §2.3, which FAPI
/// forbids).
pub fn token_in_query(query: Option<&str>) -> bool {
    query.is_some_and(|query| {
        url::form_urlencoded::parse(query.as_bytes()).any(|(name, _)| name == "access_token")
    })
}

/// The URL the proof must name: this server's base (the issuer, or the mutual-TLS base when the
/// proof names that one) plus the request path.
fn expected_url(server: &AuthServer, path: &str, proof: &str) -> String {
    let on_issuer = server.config.url(path);
    if let Some(base) = &server.config.mtls_base {
        let on_mtls = format!("{}{path}", base.trim_end_matches('/'));
        let htu = peek(proof)
            .ok()
            .and_then(|jwt| jwt.claim_str("htu").map(str::to_owned));
        if htu.is_some_and(|htu| dpop::same_target(&htu, &on_mtls)) {
            return on_mtls;
        }
    }
    on_issuer
}

/// Authorizes a request: the decision behind the [`Authorized`] extractor, callable without it.
pub async fn authorize(
    server: &AuthServer,
    request: &Request<'_>,
) -> Result<Authorized, OAuthError> {
    if token_in_query(request.query) {
        return Err(request_error(
            "access tokens are not accepted in the query string; send Authorization: DPoP <token>",
        ));
    }
    let Some((scheme, token)) = credentials(request.headers)? else {
        return Err(no_credentials());
    };
    let proof = match scheme {
        Scheme::Dpop => {
            let Some(raw) = dpop::header(request.headers).map_err(dpop_problem)? else {
                return Err(proof_error(
                    "the DPoP scheme needs a DPoP proof in the DPoP header",
                ));
            };
            let url = expected_url(server, request.path, raw);
            let expected = Expected {
                method: request.method.as_str(),
                url: &url,
                access_token: Some(token),
                nonce: None,
            };
            dpop::check_request(server, request.headers, expected)
                .await
                .map_err(dpop_problem)?
        }
        Scheme::Bearer => None,
    };
    let found = lookup::find(server, token, &[TokenKind::Access])
        .await?
        .ok_or_else(|| token_error("the access token is unknown, expired or revoked"))?;
    found.verdict.map_err(|why| token_error(why.describe()))?;
    let record = found.record;
    match (&record.cnf.jkt, scheme, &proof) {
        (Some(_), Scheme::Bearer, _) => {
            return Err(token_error(
                "the access token is DPoP-bound: send it with the DPoP scheme and a DPoP proof",
            ));
        }
        (Some(jkt), Scheme::Dpop, Some(proof)) if *jkt == proof.jkt => {}
        (Some(_), Scheme::Dpop, _) => {
            return Err(token_error(
                "the DPoP proof is not signed with the key the access token is bound to",
            ));
        }
        (None, Scheme::Dpop, _) => {
            return Err(token_error("the access token is not DPoP-bound"));
        }
        (None, Scheme::Bearer, _) if record.cnf.x5t_s256.is_none() => {
            return Err(token_error("the access token is not sender-constrained"));
        }
        (None, Scheme::Bearer, _) => {}
    }
    if let Some(x5t) = &record.cnf.x5t_s256
        && request
            .certificate
            .map(ClientCertificate::thumbprint)
            .as_ref()
            != Some(x5t)
    {
        return Err(token_error(
            "the access token is bound to a client certificate this connection did not present",
        ));
    }
    let client = found
        .client
        .ok_or_else(|| token_error(lookup::Unusable::ClientGone.describe()))?;
    check_signature(server, request, &client).await?;
    let customer = customer_of(&record, found.grant.as_ref())?;
    Ok(Authorized {
        token: record,
        grant: found.grant,
        customer,
        client,
    })
}

fn signature_error(description: &str) -> OAuthError {
    // The challenge carries the start of the description; the body carries all of it (with
    // the signature base the server built, when the signature did not verify).
    let short: String = description.chars().take(200).collect();
    OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_signature", description)
        .with_www_authenticate(challenge("invalid_signature", &short))
}

/// Whether a request has a body, by its headers: a non-zero `Content-Length`, or any
/// `Transfer-Encoding`.
fn has_body_by_headers(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0")
}

/// The URLs a client may have sent the request to: the issuer's, and the mutual-TLS base's when
/// it differs, with the path and query.
fn target_uris(server: &AuthServer, request: &Request<'_>) -> Vec<String> {
    let path_and_query = match request.query {
        Some(query) => format!("{}?{query}", request.path),
        None => request.path.to_owned(),
    };
    let mut uris = vec![server.config.url(&path_and_query)];
    if let Some(base) = &server.config.mtls_base {
        let on_mtls = format!("{}{path_and_query}", base.trim_end_matches('/'));
        if !uris.contains(&on_mtls) {
            uris.push(on_mtls);
        }
    }
    uris
}

/// The request's HTTP message signature and `Content-Digest` (see the module documentation).
async fn check_signature(
    server: &AuthServer,
    request: &Request<'_>,
    client: &Client,
) -> Result<(), OAuthError> {
    let required = client.metadata.require_signed_resource_requests;
    let has_body = request.body.map_or_else(
        || has_body_by_headers(request.headers),
        |body| body.has_body,
    );
    let sent = request.headers.contains_key(httpsig::SIGNATURE_INPUT)
        || request.headers.contains_key(httpsig::SIGNATURE);
    if sent || required {
        // The keys are read only when there is a signature to check.
        let jwks = if sent {
            client.jwk_set().await?
        } else {
            jsonwebtoken::jwk::JwkSet { keys: Vec::new() }
        };
        let uris = target_uris(server, request);
        let signed = SignedRequest {
            method: request.method.as_str(),
            headers: request.headers,
            target_uris: &uris,
            has_body,
        };
        match httpsig::verify_request(&signed, &jwks, server.clock.read()) {
            Ok(_) => {}
            Err(RequestSignatureError::Missing(_)) if !required => {}
            Err(RequestSignatureError::Missing(why)) => {
                return Err(signature_error(&format!(
                    "this client is registered with require_signed_resource_requests: {why}"
                )));
            }
            Err(RequestSignatureError::Invalid(why)) => return Err(signature_error(&why)),
        }
    }
    match request.body {
        Some(RequestBody {
            digest: Some(Err(why)),
            ..
        }) => Err(request_error(why)),
        Some(_) => Ok(()),
        None if request.headers.contains_key(httpsig::CONTENT_DIGEST) => Err(
            OAuthError::server_error("Content-Digest sent outside the message-signature layer"),
        ),
        None => Ok(()),
    }
}

fn dpop_problem(error: DpopError) -> OAuthError {
    match error {
        DpopError::Invalid(message) => proof_error(&message),
        DpopError::NonceRequired => proof_error("the DPoP proof lacks the expected nonce"),
    }
}

/// The customer a token reaches: its grant's customer, which must agree with the token's
/// `sub` when both are there.
fn customer_of(
    record: &TokenRecord,
    grant: Option<&Consent>,
) -> Result<Option<PartyId>, OAuthError> {
    let from_sub = record.sub.as_deref().and_then(|sub| PartyId::new(sub).ok());
    match (grant.map(|g| g.customer_id.clone()), from_sub) {
        (Some(from_grant), Some(from_sub)) if from_grant != from_sub => {
            Err(token_error("the access token does not match its grant"))
        }
        (Some(customer), _) | (None, Some(customer)) => Ok(Some(customer)),
        (None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn the_scheme_is_case_insensitive_and_others_are_ignored() {
        let mut headers = HeaderMap::new();
        for (value, expected) in [
            ("DPoP abc", Some((Scheme::Dpop, "abc"))),
            ("dpop abc", Some((Scheme::Dpop, "abc"))),
            ("DPOP  abc ", Some((Scheme::Dpop, "abc"))),
            ("Bearer abc", Some((Scheme::Bearer, "abc"))),
            ("bearer abc", Some((Scheme::Bearer, "abc"))),
            ("Basic abc", None),
            ("DPoP", None),
            ("DPoP ", None),
        ] {
            headers.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
            assert_eq!(credentials(&headers).unwrap(), expected, "{value}");
        }
        headers.append(header::AUTHORIZATION, HeaderValue::from_static("DPoP x"));
        assert_eq!(credentials(&headers).unwrap_err().code, "invalid_request");
    }

    #[test]
    fn a_token_in_the_query_is_noticed() {
        assert!(token_in_query(Some("access_token=abc")));
        assert!(token_in_query(Some("a=1&access_token=")));
        assert!(!token_in_query(Some("a=1&token=abc")));
        assert!(!token_in_query(None));
    }

    #[test]
    fn permission_names_are_the_scope_names() {
        assert_eq!(permission_name(Permission::Accounts), "accounts");
        assert_eq!(permission_name(Permission::CardControls), "card_controls");
    }
}
