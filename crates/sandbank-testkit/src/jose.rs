//! The client side of JOSE: P-256 keys made with aws-lc-rs, JWTs signed with `jsonwebtoken`,
//! client assertions, DPoP proofs and PKCE.
//!
//! None of this calls the server's own JOSE code (`sandbank_fapi::jose`): a test whose client
//! and server shared one implementation could not catch a bug in it. Thumbprints and hashes
//! are computed here by hand, from the RFCs.

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Header};
use serde_json::{Value, json};

use crate::error::{Error, Result};

/// The `client_assertion_type` of `private_key_jwt` (RFC 7523).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long a client assertion is valid, in seconds.
const ASSERTION_LIFETIME_SECONDS: i64 = 60;

/// How long a request object is valid, in seconds.
const REQUEST_OBJECT_LIFETIME_SECONDS: i64 = 300;

/// Base64url without padding.
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of `bytes`, base64url: PKCE challenges, `ath`, thumbprints.
pub fn sha256_b64url(bytes: &[u8]) -> String {
    b64url(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref())
}

/// `bytes` random bytes, base64url: `jti`s, `state`, `nonce`, PKCE verifiers.
pub fn random_token(bytes: usize) -> Result<String> {
    let mut buffer = vec![0u8; bytes];
    aws_lc_rs::rand::fill(&mut buffer).map_err(|_| Error::Crypto("no random bytes".into()))?;
    Ok(b64url(&buffer))
}

/// The claims of a compact JWT, decoded without checking anything (to read an ID token's
/// claims in a test).
pub fn unverified_claims(jwt: &str) -> Result<Value> {
    let part = jwt
        .split('.')
        .nth(1)
        .ok_or_else(|| Error::Protocol(format!("{jwt:?} is not a compact JWT")))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| Error::Protocol("a JWT's claims are not base64url".into()))?;
    serde_json::from_slice(&bytes)
        .map_err(|_| Error::Protocol("a JWT's claims are not a JSON object".into()))
}

/// A PKCE verifier and its S256 challenge (RFC 7636).
#[derive(Clone)]
pub struct Pkce {
    /// The secret sent to the token endpoint.
    pub verifier: String,
    /// `BASE64URL(SHA256(verifier))`, sent with the authorization request.
    pub challenge: String,
}

impl Pkce {
    /// A fresh verifier of 32 random bytes.
    pub fn new() -> Result<Pkce> {
        let verifier = random_token(32)?;
        Ok(Pkce {
            challenge: sha256_b64url(verifier.as_bytes()),
            verifier,
        })
    }
}

impl std::fmt::Debug for Pkce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkce")
            .field("challenge", &self.challenge)
            .finish_non_exhaustive()
    }
}

/// An ECDSA P-256 key (ES256) generated with aws-lc-rs: a client's signing key or a DPoP key.
#[derive(Clone)]
pub struct SigningKey {
    /// Parsed once: `jsonwebtoken::encode` would parse PKCS#8 DER again for every proof.
    pair: std::sync::Arc<EcdsaKeyPair>,
    pkcs8: Vec<u8>,
    x: String,
    y: String,
    kid: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh key with a random `kid`.
    pub fn generate() -> Result<SigningKey> {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .map_err(|_| Error::Crypto("could not generate a P-256 key".into()))?;
        let pkcs8 = pair
            .to_pkcs8v1()
            .map_err(|_| Error::Crypto("could not export a P-256 key".into()))?;
        // An uncompressed point: 0x04, then x and y, 32 bytes each.
        let point = pair.public_key().as_ref();
        let (x, y) = match point {
            [0x04, rest @ ..] if rest.len() == 64 => (b64url(&rest[..32]), b64url(&rest[32..])),
            _ => return Err(Error::Crypto("unexpected P-256 public key encoding".into())),
        };
        Ok(SigningKey {
            pkcs8: pkcs8.as_ref().to_vec(),
            x,
            y,
            kid: random_token(8)?,
            pair: std::sync::Arc::new(pair),
        })
    }

    /// The same key under another `kid`: for tests of a signature whose `keyid` names a key
    /// it was not made with.
    pub fn with_kid(&self, kid: &str) -> SigningKey {
        SigningKey {
            kid: kid.to_owned(),
            ..self.clone()
        }
    }

    /// The key id, sent in the `kid` header of client assertions.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The private key as PKCS#8 DER (for a client certificate of this key, say).
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public JWK: `kty`, `crv`, `x`, `y` only, as a DPoP proof's `jwk` header carries it.
    pub fn bare_jwk(&self) -> Value {
        json!({"kty": "EC", "crv": "P-256", "x": self.x, "y": self.y})
    }

    /// The public JWK with `kid`, `use` and `alg`, as a client registers it.
    pub fn public_jwk(&self) -> Value {
        let mut jwk = self.bare_jwk();
        jwk["kid"] = json!(self.kid);
        jwk["use"] = json!("sig");
        jwk["alg"] = json!("ES256");
        jwk
    }

    /// The RFC 7638 thumbprint (what `dpop_jkt` and `cnf.jkt` carry), computed by hand: the
    /// required members in lexicographic order, no whitespace.
    pub fn thumbprint(&self) -> String {
        let canonical = format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            self.x, self.y
        );
        sha256_b64url(canonical.as_bytes())
    }

    /// Signs `claims` with `header`, ES256 whatever `header.alg` says.
    pub fn sign(&self, header: &Header, claims: &Value) -> Result<String> {
        let mut header = header.clone();
        header.alg = Algorithm::ES256;
        let header = serde_json::to_value(&header)
            .map_err(|e| Error::Crypto(format!("could not encode a JWS header: {e}")))?;
        self.sign_raw(&header, claims)
    }

    /// Signs `claims` under exactly the JSON `header` given (ES256), however wrong it is: for
    /// tests of what the server refuses.
    pub fn sign_raw(&self, header: &Value, claims: &Value) -> Result<String> {
        let input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes())
        );
        let signature = self
            .pair
            .sign(&aws_lc_rs::rand::SystemRandom::new(), input.as_bytes())
            .map_err(|_| Error::Crypto("could not sign with a P-256 key".into()))?;
        Ok(format!("{input}.{}", b64url(signature.as_ref())))
    }

    /// A `private_key_jwt` client assertion (RFC 7523, FAPI 2.0): `iss` = `sub` = the client,
    /// `aud` = the issuer as a single string, valid for 60 s from `now` (seconds since the
    /// epoch, on the sandbox clock), a fresh `jti`.
    pub fn client_assertion(&self, client_id: &str, issuer: &str, now: i64) -> Result<String> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        self.sign(
            &header,
            &json!({
                "iss": client_id,
                "sub": client_id,
                "aud": issuer,
                "iat": now,
                "exp": now + ASSERTION_LIFETIME_SECONDS,
                "jti": random_token(16)?,
            }),
        )
    }

    /// A signed request object (JAR, RFC 9101, with FAPI 2.0 Message Signing's claims): the
    /// authorization request `params` (a JSON object) plus `iss` and `client_id` (the client),
    /// `aud` (the issuer), `nbf` = `now` and `exp` five minutes later, a fresh `jti`, under
    /// `typ: oauth-authz-req+jwt` and the key's `kid`.
    pub fn request_object(
        &self,
        client_id: &str,
        issuer: &str,
        now: i64,
        params: &Value,
    ) -> Result<String> {
        let mut claims = json!({
            "iss": client_id,
            "client_id": client_id,
            "aud": issuer,
            "iat": now,
            "nbf": now,
            "exp": now + REQUEST_OBJECT_LIFETIME_SECONDS,
            "jti": random_token(16)?,
        });
        if let (Some(claims), Some(params)) = (claims.as_object_mut(), params.as_object()) {
            for (name, value) in params {
                claims.insert(name.clone(), value.clone());
            }
        }
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        header.typ = Some("oauth-authz-req+jwt".to_owned());
        self.sign(&header, &claims)
    }

    /// The claims of a DPoP proof (RFC 9449 §4.2) for `htm` on `htu` at `now`: a fresh `jti`,
    /// `ath` when an access token is presented, `nonce` when the server asked for one.
    pub fn dpop_claims(
        htm: &str,
        htu: &str,
        now: i64,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<Value> {
        let mut claims = json!({
            "jti": random_token(16)?,
            "htm": htm,
            "htu": htu,
            "iat": now,
        });
        if let Some(token) = access_token {
            claims["ath"] = json!(sha256_b64url(token.as_bytes()));
        }
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        Ok(claims)
    }

    /// A DPoP proof of these claims: header `typ: dpop+jwt`, `alg: ES256` and this key's
    /// public `jwk`.
    pub fn dpop_proof_with(&self, claims: &Value) -> Result<String> {
        self.sign(&self.dpop_header()?, claims)
    }

    /// The header of this key's DPoP proofs: `typ: dpop+jwt`, `alg: ES256` and the public
    /// `jwk`. Change a field and [`sign`](Self::sign) to make a proof the server must refuse.
    pub fn dpop_header(&self) -> Result<Header> {
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("dpop+jwt".to_owned());
        header.jwk = Some(serde_json::from_value(self.bare_jwk())?);
        Ok(header)
    }

    /// A fresh DPoP proof for `htm` on `htu` at `now`, with `ath` for `access_token`.
    pub fn dpop_proof(
        &self,
        htm: &str,
        htu: &str,
        now: i64,
        access_token: Option<&str>,
    ) -> Result<String> {
        self.dpop_proof_with(&Self::dpop_claims(htm, htu, now, access_token, None)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thumbprint_follows_rfc_7638() {
        // RFC 7638 §3.1 gives an RSA example; for EC the same rule applies. Recompute it from
        // the canonical JSON serde would produce, to check the hand-written string.
        let key = SigningKey::generate().unwrap();
        let jwk = key.bare_jwk();
        let canonical = serde_json::to_string(&json!({
            "crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"], "y": jwk["y"],
        }))
        .unwrap();
        assert_eq!(key.thumbprint(), sha256_b64url(canonical.as_bytes()));
    }

    #[test]
    fn pkce_challenges_are_the_s256_of_the_verifier() {
        let pkce = Pkce::new().unwrap();
        assert_eq!(pkce.verifier.len(), 43);
        assert_eq!(pkce.challenge, sha256_b64url(pkce.verifier.as_bytes()));
        // RFC 7636 Appendix B.
        assert_eq!(
            sha256_b64url(b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn proofs_carry_the_dpop_header_and_claims() {
        let key = SigningKey::generate().unwrap();
        let proof = key
            .dpop_proof("GET", "http://127.0.0.1:1/accounts", 1_000, Some("token"))
            .unwrap();
        let header = jsonwebtoken::decode_header(&proof).unwrap();
        assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
        assert_eq!(header.alg, Algorithm::ES256);
        let claims = unverified_claims(&proof).unwrap();
        assert_eq!(claims["htm"], "GET");
        assert_eq!(claims["iat"], 1_000);
        assert_eq!(claims["ath"], sha256_b64url(b"token"));
        let other = key
            .dpop_proof("GET", "http://127.0.0.1:1/accounts", 1_000, Some("token"))
            .unwrap();
        assert_ne!(unverified_claims(&other).unwrap()["jti"], claims["jti"]);
    }
}
