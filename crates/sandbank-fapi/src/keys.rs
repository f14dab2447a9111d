//! Signing keys: the authorization server's own (ID tokens, JARM, signed introspection) and
//! freshly generated client keys for onboarding. Keys are generated with aws-lc-rs and kept as
//! PKCS#8 PEM, so they can be stored in the database and shared by every instance.

use std::sync::Arc;

use aws_lc_rs::encoding::{AsBigEndian, AsDer};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::jose::{b64, thumbprint};

/// A key problem: generation or parsing failed. Internal; never shown to clients as is.
#[derive(Debug, thiserror::Error)]
#[error("key error: {0}")]
pub struct KeyError(String);

/// A private key as stored: algorithm, kid and PKCS#8 PEM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKey {
    /// Key id.
    pub kid: String,
    /// `PS256` or `ES256`.
    pub alg: String,
    /// PKCS#8 PEM of the private key.
    pub pem: String,
    /// Creation time, RFC 3339.
    pub created_at: String,
}

/// A private signing key ready to use.
#[derive(Clone)]
pub struct SigningKey {
    /// Key id.
    pub kid: String,
    /// Algorithm.
    pub alg: Algorithm,
    parsed: ParsedKey,
    /// The public JWK (with `kid`, `use`, `alg`).
    pub public: Jwk,
}

/// The private key, parsed once when it is loaded. (`jsonwebtoken::encode` parses its
/// `EncodingKey`'s DER again for every signature: a response signature per request.) The same
/// aws-lc-rs key types and parsing that jsonwebtoken's aws-lc provider uses.
#[derive(Clone)]
enum ParsedKey {
    Ec(Arc<EcdsaKeyPair>),
    Rsa(Arc<aws_lc_rs::rsa::KeyPair>),
}

impl ParsedKey {
    fn new(alg: Algorithm, encoding: &EncodingKey) -> Result<ParsedKey, KeyError> {
        match alg {
            Algorithm::PS256 => aws_lc_rs::rsa::KeyPair::from_der(encoding.as_bytes())
                .map(|pair| ParsedKey::Rsa(Arc::new(pair)))
                .map_err(|e| KeyError(format!("RSA key: {e}"))),
            Algorithm::ES256 => {
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, encoding.as_bytes())
                    .map(|pair| ParsedKey::Ec(Arc::new(pair)))
                    .map_err(|e| KeyError(format!("EC key: {e}")))
            }
            other => Err(KeyError(format!("cannot sign with {other:?}"))),
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        match self {
            ParsedKey::Ec(pair) => pair
                .sign(&rng, message)
                .map(|signature| signature.as_ref().to_vec())
                .map_err(|_| KeyError("EC signing failed".into())),
            ParsedKey::Rsa(pair) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(
                    &aws_lc_rs::signature::RSA_PSS_SHA256,
                    &rng,
                    message,
                    &mut signature,
                )
                .map_err(|_| KeyError("RSA signing failed".into()))?;
                Ok(signature)
            }
        }
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

/// PEM armour around DER.
pub fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut text = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        text.push_str(&String::from_utf8_lossy(chunk));
        text.push('\n');
    }
    text.push_str(&format!("-----END {label}-----\n"));
    text
}

fn pkcs8(alg: Algorithm) -> Result<Vec<u8>, KeyError> {
    match alg {
        Algorithm::PS256 => {
            let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .map_err(|_| KeyError("RSA generation failed".into()))?;
            let der = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der<'_>>::as_der(&pair)
                .map_err(|_| KeyError("RSA export failed".into()))?;
            Ok(der.as_ref().to_vec())
        }
        Algorithm::ES256 => {
            let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                .map_err(|_| KeyError("EC generation failed".into()))?;
            let doc = pair
                .to_pkcs8v1()
                .map_err(|_| KeyError("EC export failed".into()))?;
            Ok(doc.as_ref().to_vec())
        }
        other => Err(KeyError(format!("cannot generate {other:?} keys"))),
    }
}

impl SigningKey {
    /// A new key for `alg` (PS256: RSA 2048; ES256: P-256), with a thumbprint `kid`.
    pub fn generate(alg: Algorithm, created_at: &str) -> Result<(SigningKey, StoredKey), KeyError> {
        let der = pkcs8(alg)?;
        let mut stored = StoredKey {
            kid: String::new(),
            alg: format!("{alg:?}"),
            pem: pem("PRIVATE KEY", &der),
            created_at: created_at.to_owned(),
        };
        let key = SigningKey::from_stored(&stored)?;
        stored.kid = key.kid.clone();
        Ok((key, stored))
    }

    /// Loads a stored key. Without a kid, the JWK thumbprint becomes the kid.
    pub fn from_stored(stored: &StoredKey) -> Result<SigningKey, KeyError> {
        let alg = match stored.alg.as_str() {
            "PS256" => Algorithm::PS256,
            "ES256" => Algorithm::ES256,
            other => return Err(KeyError(format!("unsupported algorithm {other}"))),
        };
        let encoding = match alg {
            Algorithm::PS256 => EncodingKey::from_rsa_pem(stored.pem.as_bytes()),
            _ => EncodingKey::from_ec_pem(stored.pem.as_bytes()),
        }
        .map_err(|e| KeyError(e.to_string()))?;
        let mut public =
            Jwk::from_encoding_key(&encoding, alg).map_err(|e| KeyError(e.to_string()))?;
        let raw = match serde_json::to_value(&public) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        let kid = if stored.kid.is_empty() {
            thumbprint(&raw).map_err(|e| KeyError(e.0))?
        } else {
            stored.kid.clone()
        };
        public.common.key_id = Some(kid.clone());
        public.common.public_key_use = Some(PublicKeyUse::Signature);
        public.common.key_algorithm = Some(match alg {
            Algorithm::PS256 => KeyAlgorithm::PS256,
            _ => KeyAlgorithm::ES256,
        });
        Ok(SigningKey {
            kid,
            alg,
            parsed: ParsedKey::new(alg, &encoding)?,
            public,
        })
    }

    /// Signs `claims` with header `typ` (when given), `alg` and `kid`.
    pub fn sign(&self, typ: Option<&str>, claims: &Value) -> Result<String, KeyError> {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        header.typ = typ.map(str::to_owned);
        // A JWS in compact serialization, as `jsonwebtoken::encode` writes it.
        let header = serde_json::to_vec(&header).map_err(|e| KeyError(e.to_string()))?;
        let claims = serde_json::to_vec(claims).map_err(|e| KeyError(e.to_string()))?;
        let input = format!("{}.{}", b64(&header), b64(&claims));
        let signature = self.sign_bytes(input.as_bytes())?;
        Ok(format!("{input}.{}", b64(&signature)))
    }

    /// Signs `message` as it is (an HTTP message signature base, say) with the key's algorithm:
    /// for ES256 the raw `r || s` of 64 bytes (RFC 9421 `ecdsa-p256-sha256`), for PS256 the
    /// RSASSA-PSS signature.
    pub fn sign_bytes(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.parsed.sign(message)
    }
}

/// The server's keys; the first of each algorithm signs.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: Vec<SigningKey>,
}

impl KeySet {
    /// A key set.
    pub fn new(keys: Vec<SigningKey>) -> KeySet {
        KeySet { keys }
    }

    /// The key that signs with `alg`.
    pub fn signer(&self, alg: Algorithm) -> Option<&SigningKey> {
        self.keys.iter().find(|k| k.alg == alg)
    }

    /// The public JWKS.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: self.keys.iter().map(|k| k.public.clone()).collect(),
        }
    }
}

/// A client key pair for onboarding: ES256 (P-256).
#[derive(Debug, Clone)]
pub struct ClientKey {
    /// PKCS#8 PEM of the private key.
    pub private_pem: String,
    /// Private JWK (with `d`).
    pub private_jwk: Value,
    /// Public JWK.
    pub public_jwk: Value,
}

/// Generates an ES256 client key with a thumbprint kid.
pub fn generate_client_key() -> Result<ClientKey, KeyError> {
    let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
        .map_err(|_| KeyError("EC generation failed".into()))?;
    let der = pair
        .to_pkcs8v1()
        .map_err(|_| KeyError("EC export failed".into()))?;
    let point = pair.public_key().as_ref();
    if point.len() != 65 {
        return Err(KeyError("unexpected EC point".into()));
    }
    let d = pair
        .private_key()
        .as_be_bytes()
        .map_err(|_| KeyError("EC export failed".into()))?;
    let mut public = Map::new();
    public.insert("kty".into(), "EC".into());
    public.insert("crv".into(), "P-256".into());
    public.insert("x".into(), b64(&point[1..33]).into());
    public.insert("y".into(), b64(&point[33..65]).into());
    let kid = thumbprint(&public).map_err(|e| KeyError(e.0))?;
    public.insert("kid".into(), kid.into());
    public.insert("use".into(), "sig".into());
    public.insert("alg".into(), "ES256".into());
    let mut private = public.clone();
    private.insert("d".into(), b64(d.as_ref()).into());
    Ok(ClientKey {
        private_pem: pem("PRIVATE KEY", der.as_ref()),
        private_jwk: Value::Object(private),
        public_jwk: Value::Object(public),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::{parse_jwk, peek};

    #[test]
    fn generated_keys_sign_what_their_public_jwk_verifies() {
        for alg in [Algorithm::PS256, Algorithm::ES256] {
            let (key, stored) = SigningKey::generate(alg, "2026-01-01T00:00:00Z").unwrap();
            let again = SigningKey::from_stored(&stored).unwrap();
            assert_eq!(again.kid, key.kid);
            let token = key
                .sign(Some("JWT"), &serde_json::json!({"sub": "x"}))
                .unwrap();
            let jwt = peek(&token).unwrap();
            assert_eq!(jwt.header_str("kid"), Some(key.kid.as_str()));
            jwt.verify(&key.public).unwrap();
            let jwks = KeySet::new(vec![key.clone()]).jwks();
            jwt.verify_with(&jwks).unwrap();
            let json = serde_json::to_value(&jwks).unwrap();
            assert!(
                json["keys"][0].get("d").is_none(),
                "private material in the JWKS"
            );
        }
    }

    #[test]
    fn client_keys_round_trip_through_pem_and_jwk() {
        let client = generate_client_key().unwrap();
        let encoding = EncodingKey::from_ec_pem(client.private_pem.as_bytes()).unwrap();
        let mut header = Header::new(Algorithm::ES256);
        header.kid = client.public_jwk["kid"].as_str().map(str::to_owned);
        let token = jsonwebtoken::encode(&header, &serde_json::json!({"a": 1}), &encoding).unwrap();
        let public = parse_jwk(client.public_jwk.as_object().unwrap()).unwrap();
        peek(&token).unwrap().verify(&public).unwrap();
        assert!(client.private_jwk.get("d").is_some());
    }
}
