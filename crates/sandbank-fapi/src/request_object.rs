//! Signed request objects at the pushed authorization request endpoint (JAR, RFC 9101, with
//! FAPI 2.0 Message Signing's rules, FAPI.md B1–B2).
//!
//! A client sends its authorization request as one JWT in the `request` parameter, signed by
//! one of its registered keys. Only what is inside counts: [`parameters`] turns the verified
//! claims into the [`Params`] that [`crate::par::validate`] checks as it would a plain form, and
//! whatever else the form carried (apart from client authentication) is ignored.

use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::JwkSet;
use serde_json::Value;

use crate::client::Client;
use crate::clock::Reading;
use crate::error::OAuthError;
use crate::form::Params;
use crate::jose::{MAX_FUTURE_SKEW_SECONDS, peek};

/// The media type a request object may name in `typ` (RFC 9101 §10.8), beside the generic
/// `JWT`.
pub const TYP: &str = "oauth-authz-req+jwt";

/// The longest a request object may be valid (`exp - nbf`), and how old its `nbf` may be:
/// 60 minutes (FAPI 2.0 Message Signing §5.3.1).
pub const MAX_LIFETIME_SECONDS: i64 = 60 * 60;

fn bad(message: impl std::fmt::Display) -> OAuthError {
    OAuthError::invalid_request_object(format!("request object rejected: {message}"))
}

/// Whether the pushed request must be a signed request object: the client registered
/// `require_signed_request_object`, or the server requires it of everyone.
pub fn required(client: &Client, server_wide: bool) -> bool {
    server_wide || client.metadata.require_signed_request_object
}

/// Verifies the request object `jwt` of `client` (whose keys are `jwks`) for the server
/// `issuer` at `now`, and returns the authorization request's parameters from inside it. Every
/// refusal is 400 `invalid_request_object` naming the rule.
pub fn parameters(
    client: &Client,
    jwks: &JwkSet,
    jwt: &str,
    issuer: &str,
    now: Reading,
) -> Result<Params, OAuthError> {
    let object = peek(jwt).map_err(|e| bad(e.0))?;
    match object.header_str("typ") {
        None => {}
        Some(typ) if typ.eq_ignore_ascii_case(TYP) || typ.eq_ignore_ascii_case("JWT") => {}
        Some(other) => return Err(bad(format!("typ {other} is not {TYP}"))),
    }
    let alg = object.algorithm().map_err(|e| bad(e.0))?;
    if let Some(registered) = &client.metadata.request_object_signing_alg
        && format!("{alg:?}") != *registered
    {
        return Err(bad(format!(
            "the client registered request_object_signing_alg {registered}, the object is signed {alg:?}"
        )));
    }
    object.verify_with(jwks).map_err(|e| {
        bad(format!(
            "{e} (it must be signed by one of the client's keys)"
        ))
    })?;
    if let Some(iss) = object.claims.get("iss")
        && iss.as_str() != Some(client.client_id.as_str())
    {
        return Err(bad("iss must be the client_id"));
    }
    match object.claims.get("client_id") {
        Some(Value::String(id)) if *id == client.client_id => {}
        Some(_) => {
            return Err(bad(
                "client_id inside the object is not the authenticated client",
            ));
        }
        None => return Err(bad("client_id is required inside the object")),
    }
    check_audience(object.claims.get("aud"), issuer)?;
    check_lifetime(&object, now)?;
    for forbidden in ["request", "request_uri"] {
        if object.claims.contains_key(forbidden) {
            return Err(bad(format!(
                "{forbidden} must not be inside a request object"
            )));
        }
    }
    Ok(claims_as_params(&object))
}

/// A signed CIBA authentication request, verified: its parameters, and the `jti` and `exp` to
/// remember the `jti` by (so the same object is accepted once).
#[derive(Debug, Clone)]
pub struct BackchannelObject {
    /// The authentication request's parameters, from inside the object.
    pub params: Params,
    /// The object's `jti`.
    pub jti: String,
    /// The object's `exp` (seconds since the epoch).
    pub exp: i64,
}

/// Verifies the signed authentication request `jwt` of `client` at the backchannel endpoint
/// (CIBA Core §7.1.1): signed by one of the client's keys (with its
/// `backchannel_authentication_request_signing_alg` when registered), `aud` the issuer, `iss`
/// the client, `exp`, `iat`, `nbf` and `jti` present, with the lifetime rules of
/// [`parameters`]. Every refusal is 400 `invalid_request` (CIBA Core §13 has no
/// `invalid_request_object`), naming the rule.
pub fn backchannel_parameters(
    client: &Client,
    jwks: &JwkSet,
    jwt: &str,
    issuer: &str,
    now: Reading,
) -> Result<BackchannelObject, OAuthError> {
    let as_request = |error: OAuthError| OAuthError::invalid_request(error.description);
    let object = peek(jwt).map_err(|e| as_request(bad(e.0)))?;
    let alg = object.algorithm().map_err(|e| as_request(bad(e.0)))?;
    if let Some(registered) = &client
        .metadata
        .backchannel_authentication_request_signing_alg
        && format!("{alg:?}") != *registered
    {
        return Err(as_request(bad(format!(
            "the client registered backchannel_authentication_request_signing_alg {registered}, the object is signed {alg:?}"
        ))));
    }
    object.verify_with(jwks).map_err(|e| {
        as_request(bad(format!(
            "{e} (it must be signed by one of the client's keys)"
        )))
    })?;
    match object.claims.get("iss") {
        Some(Value::String(iss)) if *iss == client.client_id => {}
        Some(_) => return Err(as_request(bad("iss must be the client_id"))),
        None => return Err(as_request(bad("iss is required and must be the client_id"))),
    }
    if let Some(id) = object.claims.get("client_id")
        && id.as_str() != Some(client.client_id.as_str())
    {
        return Err(as_request(bad(
            "client_id inside the object is not the authenticated client",
        )));
    }
    check_audience(object.claims.get("aud"), issuer).map_err(as_request)?;
    check_lifetime(&object, now).map_err(as_request)?;
    let iat = object
        .claim_time("iat")
        .map_err(|e| as_request(bad(e.0)))?
        .ok_or_else(|| as_request(bad("iat is required")))?;
    let [sandbox, real] = now.both();
    if iat > sandbox.timestamp() + MAX_FUTURE_SKEW_SECONDS
        && iat > real.timestamp() + MAX_FUTURE_SKEW_SECONDS
    {
        return Err(as_request(bad("iat is in the future")));
    }
    let jti = object
        .claim_str("jti")
        .filter(|jti| !jti.is_empty())
        .ok_or_else(|| as_request(bad("jti is required")))?
        .to_owned();
    let exp = object
        .claim_time("exp")
        .map_err(|e| as_request(bad(e.0)))?
        .unwrap_or(0);
    for forbidden in ["request", "request_uri"] {
        if object.claims.contains_key(forbidden) {
            return Err(as_request(bad(format!(
                "{forbidden} must not be inside a request object"
            ))));
        }
    }
    Ok(BackchannelObject {
        params: claims_as_params(&object),
        jti,
        exp,
    })
}

/// The claims of a request object as parameters, without the JWT's own claims.
fn claims_as_params(object: &crate::jose::UnverifiedJwt<'_>) -> Params {
    let mut params = Vec::with_capacity(object.claims.len());
    for (name, value) in &object.claims {
        if matches!(name.as_str(), "iss" | "aud" | "exp" | "nbf" | "iat" | "jti") {
            continue;
        }
        // Parameters are strings; a JSON value inside the object (authorization_details as an
        // array, max_age as a number) stands for its JSON text (RFC 9101 §4, RFC 9396 §3).
        let text = match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        params.push((name.clone(), text));
    }
    Params::from_pairs(params)
}

/// `aud` is the issuer, or an array holding it (FAPI.md B2).
fn check_audience(aud: Option<&Value>, issuer: &str) -> Result<(), OAuthError> {
    let holds = match aud {
        Some(Value::String(aud)) => aud == issuer,
        Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(issuer)),
        Some(_) => false,
        None => return Err(bad(format!("aud is required and must be {issuer}"))),
    };
    if holds {
        Ok(())
    } else {
        Err(bad(format!("aud must be the issuer identifier, {issuer}")))
    }
}

/// `exp` and `nbf` are required; `nbf` at most 60 minutes old and not in the future beyond the
/// skew every JWT gets; `exp` not past and at most 60 minutes after `nbf`. The client dates its
/// object by its own clock, so the checks pass by the sandbox's time or by real time.
fn check_lifetime(object: &crate::jose::UnverifiedJwt<'_>, now: Reading) -> Result<(), OAuthError> {
    let exp = object
        .claim_time("exp")
        .map_err(|e| bad(e.0))?
        .ok_or_else(|| bad("exp is required"))?;
    let nbf = object
        .claim_time("nbf")
        .map_err(|e| bad(e.0))?
        .ok_or_else(|| bad("nbf is required"))?;
    let at = |now: DateTime<Utc>| -> Result<(), OAuthError> {
        let now = now.timestamp();
        if exp <= now {
            return Err(bad("it has expired"));
        }
        if nbf > now + MAX_FUTURE_SKEW_SECONDS {
            return Err(bad("nbf is in the future"));
        }
        if nbf < now - MAX_LIFETIME_SECONDS {
            return Err(bad("nbf is more than 60 minutes in the past"));
        }
        Ok(())
    };
    let [sandbox, real] = now.both();
    at(sandbox).or_else(|error| at(real).map_err(|_| error))?;
    if exp - nbf > MAX_LIFETIME_SECONDS {
        return Err(bad("exp must be at most 60 minutes after nbf"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(claims: Value) -> String {
        use base64::Engine;
        let b64 = |v: &Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string().as_bytes())
        };
        format!(
            "{}.{}.c2ln",
            b64(&serde_json::json!({"alg": "ES256"})),
            b64(&claims)
        )
    }

    #[test]
    fn lifetimes_follow_fapi_message_signing() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let t = now.timestamp();
        let reading = Reading::unmoved(now);
        let check = |claims: Value| {
            let token = object(claims);
            let jwt = peek(&token).unwrap();
            check_lifetime(&jwt, reading).map_err(|e| e.description)
        };
        assert!(check(serde_json::json!({"nbf": t, "exp": t + 300})).is_ok());
        assert!(check(serde_json::json!({"nbf": t + 8, "exp": t + 300})).is_ok());
        assert!(check(serde_json::json!({"nbf": t - 3500, "exp": t + 60})).is_ok());
        for (claims, why) in [
            (serde_json::json!({"exp": t + 300}), "nbf is required"),
            (serde_json::json!({"nbf": t}), "exp is required"),
            (serde_json::json!({"nbf": t - 600, "exp": t - 1}), "expired"),
            (
                serde_json::json!({"nbf": t + 120, "exp": t + 300}),
                "future",
            ),
            (
                serde_json::json!({"nbf": t - 3700, "exp": t + 60}),
                "60 minutes in the past",
            ),
            (
                serde_json::json!({"nbf": t, "exp": t + 3700}),
                "60 minutes after nbf",
            ),
        ] {
            let error = check(claims.clone()).unwrap_err();
            assert!(error.contains(why), "{claims}: {error}");
        }
    }

    #[test]
    fn the_audience_is_the_issuer_or_an_array_holding_it() {
        let issuer = "https://bank.example";
        assert!(check_audience(Some(&Value::from(issuer)), issuer).is_ok());
        assert!(check_audience(Some(&serde_json::json!(["x", issuer])), issuer).is_ok());
        for aud in [
            serde_json::json!("https://bank.example/par"),
            serde_json::json!(["x"]),
            serde_json::json!(1),
        ] {
            assert!(check_audience(Some(&aud), issuer).is_err(), "{aud}");
        }
        assert!(check_audience(None, issuer).is_err());
    }
}
