//! JOSE helpers: the checks every signed JWT goes through here (algorithm allow-list, key
//! selection, signature, time claims). Signatures are computed and verified by
//! `jsonwebtoken` on aws-lc-rs; only FAPI's rules are written by hand.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use crate::clock::Reading;

/// Why a JWT was refused. The message is safe to show to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JoseError(pub String);

fn err(message: impl Into<String>) -> JoseError {
    JoseError(message.into())
}

/// Signing algorithms FAPI 2.0 allows: PS256, ES256 and EdDSA. RS256, HMAC and `none` are
/// refused everywhere.
pub const ALLOWED_ALGORITHMS: [&str; 3] = ["PS256", "ES256", "EdDSA"];

/// Base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of `input`, base64url-encoded (PKCE challenges, `ath`, `x5t#S256`).
pub fn sha256_b64(input: &[u8]) -> String {
    b64(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, input).as_ref())
}

/// A random URL-safe string carrying `bytes` bytes (8 × bytes bits) of entropy from the
/// system's CSPRNG.
pub fn random_token(bytes: usize) -> String {
    b64(&random_bytes(bytes))
}

/// `bytes` random bytes as lower-case hex digits (identifiers shaped like the dataset's).
pub fn random_hex(bytes: usize) -> String {
    random_bytes(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn random_bytes(bytes: usize) -> Vec<u8> {
    let mut buffer = vec![0u8; bytes];
    // aws-lc-rs' system RNG fails only if the OS has no entropy source at all.
    if aws_lc_rs::rand::fill(&mut buffer).is_err() {
        tracing::error!("the system random number generator failed");
    }
    buffer
}

/// A JWT split and decoded, signature not yet checked.
#[derive(Debug, Clone)]
pub struct UnverifiedJwt<'a> {
    /// The raw token.
    pub token: &'a str,
    /// The protected header as JSON.
    pub header: Map<String, Value>,
    /// The claims as JSON.
    pub claims: Map<String, Value>,
}

fn decode_part(part: &str, what: &str) -> Result<Map<String, Value>, JoseError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| err(format!("the JWT {what} is not base64url")))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(err(format!("the JWT {what} is not a JSON object"))),
    }
}

/// The shape of a compact JWS (RFC 7515 §7.1): three non-empty base64url parts. [`peek`] refuses
/// anything else; the OpenAPI document gives it as the `DPoP` header's pattern.
pub const COMPACT_JWS_PATTERN: &str = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$";

/// Splits and decodes a compact JWS.
pub fn peek(token: &str) -> Result<UnverifiedJwt<'_>, JoseError> {
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(err("not a compact JWS (three dot-separated parts)"));
    };
    if signature.is_empty() {
        return Err(err("the JWT is unsigned"));
    }
    Ok(UnverifiedJwt {
        token,
        header: decode_part(header, "header")?,
        claims: decode_part(claims, "payload")?,
    })
}

impl UnverifiedJwt<'_> {
    /// The `alg` header, if it is one FAPI allows.
    pub fn algorithm(&self) -> Result<Algorithm, JoseError> {
        let alg = self.header.get("alg").and_then(Value::as_str).unwrap_or("");
        match alg {
            "PS256" => Ok(Algorithm::PS256),
            "ES256" => Ok(Algorithm::ES256),
            "EdDSA" => Ok(Algorithm::EdDSA),
            "" => Err(err("the JWT header has no alg")),
            other => Err(err(format!(
                "alg {other} is not allowed; use PS256, ES256 or EdDSA"
            ))),
        }
    }

    /// A string header.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    /// A string claim.
    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// A numeric date claim (seconds since the epoch).
    pub fn claim_time(&self, name: &str) -> Result<Option<i64>, JoseError> {
        match self.claims.get(name) {
            None => Ok(None),
            Some(value) => value
                .as_i64()
                .or_else(|| value.as_f64().map(|f| f as i64))
                .map(Some)
                .ok_or_else(|| err(format!("claim {name} is not a number"))),
        }
    }

    /// Verifies the signature with `jwk`.
    pub fn verify(&self, jwk: &Jwk) -> Result<(), JoseError> {
        let alg = self.algorithm()?;
        check_key_strength(jwk, alg)?;
        let key = DecodingKey::from_jwk(jwk).map_err(|_| err("the key cannot verify this JWT"))?;
        let mut validation = Validation::new(alg);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        jsonwebtoken::decode::<Value>(self.token, &key, &validation)
            .map(|_| ())
            .map_err(|_| err("the JWT signature is invalid"))
    }

    /// Verifies the signature with the key of `jwks` the header names (by `kid`, or the only
    /// key that fits the algorithm when there is no `kid`).
    pub fn verify_with(&self, jwks: &JwkSet) -> Result<(), JoseError> {
        let alg = self.algorithm()?;
        let key = match self.header_str("kid") {
            Some(kid) => jwks
                .find(kid)
                .ok_or_else(|| err(format!("no registered key has kid {kid}")))?,
            None => {
                let fitting: Vec<&Jwk> = jwks.keys.iter().filter(|k| fits(k, alg)).collect();
                match fitting.as_slice() {
                    [only] => *only,
                    [] => return Err(err("no registered key fits the JWT's alg")),
                    _ => return Err(err("several keys fit; the JWT header must carry a kid")),
                }
            }
        };
        self.verify(key)
    }

    /// Checks `iat` and `nbf` are not in the future (10 s of skew accepted, 60 s refused) and
    /// `exp`, when present or `require_exp`, is not past.
    pub fn check_times(&self, now: DateTime<Utc>, require_exp: bool) -> Result<(), JoseError> {
        let now = now.timestamp();
        for name in ["iat", "nbf"] {
            if let Some(at) = self.claim_time(name)?
                && at > now + MAX_FUTURE_SKEW_SECONDS
            {
                return Err(err(format!("claim {name} is in the future")));
            }
        }
        match self.claim_time("exp")? {
            Some(exp) if exp <= now => Err(err("the JWT has expired")),
            None if require_exp => Err(err("the JWT has no exp claim")),
            _ => Ok(()),
        }
    }

    /// [`check_times`](Self::check_times) for a claim a client dated itself: it passes when it
    /// holds by the sandbox's time or by real time (a client's own clock does not follow the
    /// sandbox's). The error is the sandbox time's.
    pub fn check_times_either(&self, now: Reading, require_exp: bool) -> Result<(), JoseError> {
        let [sandbox, real] = now.both();
        self.check_times(sandbox, require_exp)
            .or_else(|error| self.check_times(real, require_exp).map_err(|_| error))
    }
}

/// Clock skew tolerated for `iat`/`nbf` in the future: more than 10 s (FAPI 2.0 §5.3.2.1-13
/// requires accepting 10 s), less than 60 s (which must be refused).
pub const MAX_FUTURE_SKEW_SECONDS: i64 = 30;

fn fits(jwk: &Jwk, alg: Algorithm) -> bool {
    use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve};
    matches!(
        (&jwk.algorithm, alg),
        (AlgorithmParameters::RSA(_), Algorithm::PS256)
            | (AlgorithmParameters::EllipticCurve(_), Algorithm::ES256)
            | (AlgorithmParameters::OctetKeyPair(_), Algorithm::EdDSA)
    ) && match &jwk.algorithm {
        AlgorithmParameters::EllipticCurve(ec) => ec.curve == EllipticCurve::P256,
        _ => true,
    }
}

/// RSA keys must have at least 2048 bits; EC keys must be P-256; the key type must fit `alg`.
pub fn check_key_strength(jwk: &Jwk, alg: Algorithm) -> Result<(), JoseError> {
    use jsonwebtoken::jwk::AlgorithmParameters;
    if !fits(jwk, alg) {
        return Err(err("the key type does not fit the algorithm"));
    }
    if let AlgorithmParameters::RSA(rsa) = &jwk.algorithm {
        let bits = URL_SAFE_NO_PAD
            .decode(&rsa.n)
            .map(|n| n.iter().skip_while(|b| **b == 0).count() * 8)
            .unwrap_or(0);
        if bits < 2048 {
            return Err(err("RSA keys must have at least 2048 bits"));
        }
    }
    Ok(())
}

/// Members that only private keys carry.
const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "k"];

/// Whether a raw JWK (as JSON) carries private key material.
pub fn has_private_material(jwk: &Map<String, Value>) -> bool {
    PRIVATE_MEMBERS.iter().any(|m| jwk.contains_key(*m))
}

/// The RFC 7638 SHA-256 thumbprint of a public JWK given as JSON.
pub fn thumbprint(jwk: &Map<String, Value>) -> Result<String, JoseError> {
    let kty = jwk.get("kty").and_then(Value::as_str).unwrap_or("");
    let members: &[&str] = match kty {
        "RSA" => &["e", "kty", "n"],
        "EC" => &["crv", "kty", "x", "y"],
        "OKP" => &["crv", "kty", "x"],
        _ => return Err(err("unsupported key type")),
    };
    let mut canonical = Map::new();
    for member in members {
        let value = jwk
            .get(*member)
            .and_then(Value::as_str)
            .ok_or_else(|| err(format!("the JWK lacks {member}")))?;
        canonical.insert((*member).to_owned(), Value::from(value));
    }
    // serde_json keeps insertion order here, which is the required lexicographic order.
    let text = serde_json::to_string(&Value::Object(canonical)).map_err(|_| err("bad JWK"))?;
    Ok(sha256_b64(text.as_bytes()))
}

/// A raw JWK (JSON) as a `jsonwebtoken` key.
pub fn parse_jwk(jwk: &Map<String, Value>) -> Result<Jwk, JoseError> {
    serde_json::from_value(Value::Object(jwk.clone())).map_err(|_| err("the JWK is malformed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7638_example_thumbprint() {
        // RFC 7638 §3.1.
        let jwk: Map<String, Value> = serde_json::from_str(r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#).unwrap();
        assert_eq!(
            thumbprint(&jwk).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn malformed_tokens_are_errors_not_panics() {
        for token in [
            "",
            "a",
            "a.b",
            "a.b.c.d",
            "e30.e30.",
            "!!.e30.sig",
            "e30.!!.sig",
        ] {
            assert!(peek(token).is_err(), "{token}");
        }
        let unverified = peek("eyJhbGciOiJub25lIn0.e30.c2ln").unwrap();
        assert!(unverified.algorithm().is_err());
    }
}
