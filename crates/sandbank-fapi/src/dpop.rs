//! DPoP proofs (RFC 9449), as both the authorization server and the resource server check
//! them.

use axum::http::HeaderMap;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use url::Url;

use crate::clock::Reading;
use crate::jose::{
    MAX_FUTURE_SKEW_SECONDS, has_private_material, parse_jwk, peek, sha256_b64, thumbprint,
};
use crate::state::{AuthServer, kinds};

/// How old a proof's `iat` may be.
pub const MAX_PROOF_AGE_SECONDS: i64 = 120;

/// What the request the proof travels with looks like.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// The URL the request was sent to (query and fragment are ignored).
    pub url: &'a str,
    /// The access token presented with the proof (resource server): `ath` must match it.
    pub access_token: Option<&'a str>,
    /// The nonce the server requires, if any.
    pub nonce: Option<&'a str>,
}

/// A valid proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// SHA-256 thumbprint of the proof's key: what tokens are bound to.
    pub jkt: String,
    /// The proof's unique id.
    pub jti: String,
    /// When the client says it made the proof (seconds since the epoch).
    pub iat: i64,
}

/// Why a proof was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DpopError {
    /// The proof is invalid; the message says why.
    Invalid(String),
    /// The proof lacks the server nonce (or has a stale one).
    NonceRequired,
}

fn invalid(message: impl Into<String>) -> DpopError {
    DpopError::Invalid(message.into())
}

/// Checks a proof's form, key, signature and claims (everything but replay). Its `iat` is
/// checked by [`iat_is_fresh`]: by the sandbox's time or by real time.
pub fn verify(proof: &str, expected: &Expected<'_>, now: Reading) -> Result<Proof, DpopError> {
    let jwt = peek(proof).map_err(|e| invalid(format!("malformed DPoP proof: {e}")))?;
    if jwt.header_str("typ") != Some("dpop+jwt") {
        return Err(invalid("the DPoP proof's typ must be dpop+jwt"));
    }
    jwt.algorithm().map_err(|e| invalid(e.0))?;
    let Some(Value::Object(jwk)) = jwt.header.get("jwk") else {
        return Err(invalid("the DPoP proof has no jwk header"));
    };
    if has_private_material(jwk) {
        return Err(invalid("the DPoP proof's jwk contains a private key"));
    }
    let key = parse_jwk(jwk).map_err(|e| invalid(e.0))?;
    jwt.verify(&key).map_err(|e| invalid(e.0))?;
    let jti = jwt
        .claim_str("jti")
        .filter(|j| !j.is_empty() && j.len() <= 256)
        .ok_or_else(|| invalid("the DPoP proof has no jti"))?;
    let htm = jwt
        .claim_str("htm")
        .ok_or_else(|| invalid("the DPoP proof has no htm"))?;
    if htm != expected.method {
        return Err(invalid(format!(
            "htm {htm} does not match the request method"
        )));
    }
    let htu = jwt
        .claim_str("htu")
        .ok_or_else(|| invalid("the DPoP proof has no htu"))?;
    if !same_target(htu, expected.url) {
        return Err(invalid("htu does not match the request URL"));
    }
    let iat = jwt
        .claim_time("iat")
        .map_err(|e| invalid(e.0))?
        .ok_or_else(|| invalid("the DPoP proof has no iat"))?;
    if !iat_is_fresh(iat, now) {
        return Err(invalid(
            "the DPoP proof's iat is outside the accepted window",
        ));
    }
    if let Some(token) = expected.access_token {
        let ath = jwt
            .claim_str("ath")
            .ok_or_else(|| invalid("the DPoP proof has no ath"))?;
        if ath != sha256_b64(token.as_bytes()) {
            return Err(invalid("ath does not match the access token"));
        }
    }
    if let Some(nonce) = expected.nonce
        && jwt.claim_str("nonce") != Some(nonce)
    {
        return Err(DpopError::NonceRequired);
    }
    Ok(Proof {
        jkt: thumbprint(jwk).map_err(|e| invalid(e.0))?,
        jti: jti.to_owned(),
        iat,
    })
}

/// Whether a proof dated `iat` is fresh: at most [`MAX_FUTURE_SKEW_SECONDS`] ahead and at most
/// [`MAX_PROOF_AGE_SECONDS`] old, by the sandbox's time or by real time. A client dates its
/// proofs by its own clock, which does not move when the sandbox's does; a client that follows
/// the sandbox clock is served too.
pub fn iat_is_fresh(iat: i64, now: Reading) -> bool {
    now.both().iter().any(|now| {
        let now = now.timestamp();
        iat <= now + MAX_FUTURE_SKEW_SECONDS && iat >= now - MAX_PROOF_AGE_SECONDS
    })
}

/// Until when, on real time, the `jti` of a fresh proof dated `iat` is remembered: past the
/// last instant either clock could accept it. Real time, not the sandbox's, because the
/// sandbox clock jumps forward: an entry timed on it would lapse at a clock move while the
/// proof is still fresh by real time, and the proof could be replayed.
pub fn replay_memory_until(iat: i64, now: Reading) -> DateTime<Utc> {
    let iat = DateTime::from_timestamp(iat, 0).unwrap_or(now.real);
    (iat + Duration::seconds(MAX_PROOF_AGE_SECONDS + 1)).max(now.real + Duration::seconds(1))
}

/// Whether two URLs name the same resource: scheme, host, port and path, ignoring query and
/// fragment (RFC 9449 §4.3).
pub fn same_target(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => {
            a.scheme() == b.scheme()
                && a.host_str().map(str::to_ascii_lowercase)
                    == b.host_str().map(str::to_ascii_lowercase)
                && a.port_or_known_default() == b.port_or_known_default()
                && a.path() == b.path()
        }
        _ => false,
    }
}

/// The single `DPoP` header of a request: `Ok(None)` when there is none, an error when there
/// are several or it is not text.
pub fn header(headers: &HeaderMap) -> Result<Option<&str>, DpopError> {
    let mut values = headers.get_all("dpop").iter();
    match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some(value), None) => value
            .to_str()
            .map(Some)
            .map_err(|_| invalid("the DPoP header is not text")),
        (Some(_), Some(_)) => Err(invalid("more than one DPoP header")),
    }
}

/// Verifies the request's proof, if it has one, and refuses a `jti` already seen by any
/// instance sharing the database.
pub async fn check_request(
    server: &AuthServer,
    headers: &HeaderMap,
    expected: Expected<'_>,
) -> Result<Option<Proof>, DpopError> {
    let Some(proof) = header(headers)? else {
        return Ok(None);
    };
    let now = server.clock.read();
    let proof = verify(proof, &expected, now)?;
    let fresh = server
        .auth()
        .remember_once(
            kinds::DPOP_JTI,
            &format!("{}:{}", proof.jkt, proof.jti),
            now.real,
            replay_memory_until(proof.iat, now),
        )
        .await
        .map_err(|_| invalid("the DPoP proof could not be checked"))?;
    if !fresh {
        return Err(invalid("the DPoP proof has been used before"));
    }
    Ok(Some(proof))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    const T: i64 = 1_800_000_000;
    const DAY: i64 = 86_400;

    #[test]
    fn a_proof_is_fresh_by_the_sandbox_clock_or_by_real_time() {
        let unmoved = Reading::unmoved(at(T));
        assert!(iat_is_fresh(T, unmoved));
        assert!(iat_is_fresh(T - MAX_PROOF_AGE_SECONDS, unmoved));
        assert!(!iat_is_fresh(T - MAX_PROOF_AGE_SECONDS - 1, unmoved));
        assert!(iat_is_fresh(T + MAX_FUTURE_SKEW_SECONDS, unmoved));
        assert!(!iat_is_fresh(T + MAX_FUTURE_SKEW_SECONDS + 1, unmoved));
        // The sandbox clock a day ahead: a proof by either clock is fresh, one in between not.
        let moved = Reading {
            sandbox: at(T + DAY),
            real: at(T),
        };
        assert!(iat_is_fresh(T, moved));
        assert!(iat_is_fresh(T + DAY, moved));
        assert!(!iat_is_fresh(T + DAY / 2, moved));
        assert!(!iat_is_fresh(T - MAX_PROOF_AGE_SECONDS - 1, moved));
        assert!(!iat_is_fresh(T + DAY + MAX_FUTURE_SKEW_SECONDS + 1, moved));
    }

    #[test]
    fn a_jti_is_remembered_on_real_time_until_no_clock_accepts_its_proof() {
        // Real-time proof, sandbox a day ahead: remembered until it is too old by real time,
        // however the sandbox clock moves meanwhile.
        let moved = Reading {
            sandbox: at(T + DAY),
            real: at(T),
        };
        let until = replay_memory_until(T, moved);
        assert!(until > at(T + MAX_PROOF_AGE_SECONDS));
        assert!(until <= at(T + MAX_PROOF_AGE_SECONDS + MAX_FUTURE_SKEW_SECONDS));
        // A proof dated by the sandbox clock a day ahead is fresh again by real time a day
        // later: it is remembered that long.
        let until = replay_memory_until(T + DAY, moved);
        assert!(until > at(T + DAY + MAX_PROOF_AGE_SECONDS));
        // Never already lapsed.
        assert!(replay_memory_until(0, Reading::unmoved(at(T))) > at(T));
    }

    #[test]
    fn htu_ignores_query_fragment_case_and_default_ports() {
        assert!(same_target(
            "https://AS.example/token?x=1#f",
            "https://as.example:443/token"
        ));
        assert!(!same_target(
            "https://as.example/token",
            "https://as.example/par"
        ));
        assert!(!same_target(
            "http://as.example/token",
            "https://as.example/token"
        ));
        assert!(!same_target("not a url", "https://as.example/token"));
    }
}
