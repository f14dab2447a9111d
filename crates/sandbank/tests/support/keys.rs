//! What a test client signs with: its own P-256 keys and JOSE helpers, built on aws-lc-rs and
//! jsonwebtoken rather than the server's code, so the tests check the server against an
//! independent implementation.

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// base64url of the SHA-256 of `input` (PKCE challenges, DPoP `ath`).
pub fn sha256(input: &str) -> String {
    b64(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, input.as_bytes()).as_ref())
}

/// 256 random bits, base64url.
pub fn random() -> String {
    let mut buffer = [0u8; 32];
    aws_lc_rs::rand::fill(&mut buffer).unwrap();
    b64(&buffer)
}

/// A P-256 key that signs client assertions or DPoP proofs.
pub struct Key {
    encoding: EncodingKey,
    /// The public key as a JWK.
    pub jwk: Value,
}

impl Key {
    pub fn generate() -> Key {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let der = pair.to_pkcs8v1().unwrap();
        let point = pair.public_key().as_ref();
        Key {
            encoding: EncodingKey::from_ec_der(der.as_ref()),
            jwk: json!({"kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65])}),
        }
    }

    pub fn sign(&self, header: &Header, claims: &Value) -> String {
        jsonwebtoken::encode(header, claims, &self.encoding).unwrap()
    }
}

impl Key {
    /// A DPoP proof for `htm htu` dated `iat`, bound to `access_token` when given.
    pub fn dpop(&self, htm: &str, htu: &str, access_token: Option<&str>, iat: i64) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("dpop+jwt".to_owned());
        header.jwk = Some(serde_json::from_value(self.jwk.clone()).unwrap());
        let mut claims = json!({"jti": random(), "htm": htm, "htu": htu, "iat": iat});
        if let Some(token) = access_token {
            claims["ath"] = json!(sha256(token));
        }
        self.sign(&header, &claims)
    }
}

/// A client's `private_key_jwt` key: a P-256 key and its `kid`.
pub struct ClientKey {
    pub key: Key,
    pub kid: String,
}

impl ClientKey {
    pub fn generate() -> ClientKey {
        ClientKey {
            key: Key::generate(),
            kid: random(),
        }
    }

    /// The Dynamic Client Registration body of a client with this key: the authorization
    /// code and refresh token grants, `account_information` details.
    pub fn registration(&self, client_name: &str, redirect_uri: &str) -> Value {
        let mut jwk = self.key.jwk.clone();
        jwk["kid"] = json!(self.kid);
        jwk["use"] = json!("sig");
        jwk["alg"] = json!("ES256");
        json!({
            "client_name": client_name,
            "redirect_uris": [redirect_uri],
            "jwks": {"keys": [jwk]},
            "grant_types": ["authorization_code", "refresh_token"],
            "authorization_details_types": ["account_information"],
        })
    }

    /// The `private_key_jwt` client authentication form parameters, dated `now`.
    pub fn authentication(
        &self,
        client_id: &str,
        audience: &str,
        now: i64,
    ) -> Vec<(String, String)> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        let claims = json!({
            "iss": client_id, "sub": client_id, "aud": audience,
            "jti": random(), "iat": now, "exp": now + 60,
        });
        vec![
            (
                "client_assertion_type".to_owned(),
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
            ),
            (
                "client_assertion".to_owned(),
                self.key.sign(&header, &claims),
            ),
        ]
    }
}
