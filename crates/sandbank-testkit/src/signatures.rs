//! The client side of HTTP message signatures (RFC 9421) and `Content-Digest` (RFC 9530), with
//! the `httpsig` crate (RustCrypto) for the signature bases and the cryptography — never with
//! the server's own code (`sandbank_fapi::httpsig`), so a bug on one side shows on the other.
//!
//! [`sign_request`] signs a request the way FAPI 2.0 asks (tag `fapi-2-request`, covering
//! `@method`, `@target-uri`, `authorization`, `dpop` and `content-digest` when present) with
//! the client's P-256 key (`ecdsa-p256-sha256`, raw `r || s`, as ES256). [`verify_response`]
//! checks a response's `Content-Digest` and its `fapi-2-response` signature against the
//! server's JWKS. What `httpsig` leaves to its caller is done here: reading each component's
//! value from the message (header fields joined with `, `, `@status`, and `;req` components
//! from the request).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use httpsig::prelude::message_component::{HttpMessageComponent, HttpMessageComponentId};
use httpsig::prelude::{
    AlgorithmName, HttpSignatureBase, HttpSignatureHeaders, HttpSignatureParams, PublicKey,
    SecretKey,
};
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::jose::SigningKey;

/// The `tag` of a FAPI 2.0 request signature.
pub const REQUEST_TAG: &str = "fapi-2-request";
/// The `tag` of a FAPI 2.0 response signature.
pub const RESPONSE_TAG: &str = "fapi-2-response";
/// The label of the kit's request signatures.
pub const REQUEST_LABEL: &str = "sig1";

fn signature_error(message: impl std::fmt::Display) -> Error {
    Error::Signature(message.to_string())
}

/// The request a response answers, as its `;req` components need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSummary {
    /// The method.
    pub method: String,
    /// The URL the client used: the issuer's, with path and query.
    pub target_uri: String,
    /// The `Authorization` header it sent, if any.
    pub authorization: Option<String>,
}

/// `Content-Digest` for `body`: `sha-256=:<base64>:` (RFC 9530), computed with aws-lc-rs.
pub fn content_digest(body: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, body);
    format!(
        "sha-256=:{}:",
        base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
    )
}

/// The value of header `name` in `headers`: every field line trimmed, joined with `, `.
fn field(headers: &HeaderMap, name: &str) -> Result<Option<String>> {
    let mut values = Vec::new();
    for value in headers.get_all(name) {
        let text = value
            .to_str()
            .map_err(|_| signature_error(format!("{name} is not text")))?;
        values.push(text.trim().to_owned());
    }
    Ok((!values.is_empty()).then(|| values.join(", ")))
}

fn component(id: &str, value: &str) -> Result<HttpMessageComponent> {
    HttpMessageComponent::try_from(format!("{id}: {value}").as_str()).map_err(signature_error)
}

fn component_id(id: &str) -> Result<HttpMessageComponentId> {
    HttpMessageComponentId::try_from(id).map_err(signature_error)
}

/// The `Signature-Input` and `Signature` values signing a request with `key` at `created`:
/// tag `fapi-2-request`, `keyid` the key's, covering `@method`, `@target-uri`,
/// `authorization`, then `dpop` and `content-digest` when `headers` has them. `covered`, when
/// given, replaces that list (to make a signature the server must refuse).
pub fn sign_request(
    key: &SigningKey,
    method: &str,
    target_uri: &str,
    headers: &HeaderMap,
    created: i64,
    covered: Option<&[&str]>,
) -> Result<(String, String)> {
    let mut names = vec!["@method", "@target-uri", "authorization"];
    for optional in ["dpop", "content-digest"] {
        if headers.contains_key(optional) {
            names.push(optional);
        }
    }
    let names = covered.map_or(names, <[&str]>::to_vec);
    let mut ids = Vec::new();
    let mut lines = Vec::new();
    for name in &names {
        let value = match *name {
            "@method" => Some(method.to_owned()),
            "@target-uri" => Some(target_uri.to_owned()),
            header => field(headers, header)?,
        }
        .ok_or_else(|| signature_error(format!("the request has no {name} to cover")))?;
        let id = format!("\"{name}\"");
        ids.push(component_id(&id)?);
        lines.push(component(&id, &value)?);
    }
    let mut params = HttpSignatureParams::try_new(&ids).map_err(signature_error)?;
    params
        .set_created(u64::try_from(created).map_err(signature_error)?)
        .set_keyid(key.kid())
        .set_tag(REQUEST_TAG);
    let secret = SecretKey::from_der(&AlgorithmName::EcdsaP256Sha256, key.pkcs8_der())
        .map_err(signature_error)?;
    let base = HttpSignatureBase::try_new(&lines, &params).map_err(signature_error)?;
    let headers = base
        .build_signature_headers(&secret, Some(REQUEST_LABEL))
        .map_err(signature_error)?;
    Ok((
        headers.signature_input_header_value(),
        headers.signature_header_value(),
    ))
}

/// The P-256 public key of a JWK (`kty` EC, `crv` P-256) as httpsig's, from `x` and `y`.
fn p256_key(jwk: &Value) -> Result<PublicKey> {
    let coordinate = |name: &str| -> Result<Vec<u8>> {
        let text = jwk[name]
            .as_str()
            .ok_or_else(|| signature_error(format!("the server's JWK has no {name}")))?;
        URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| signature_error(format!("the server's JWK {name} is not base64url")))
    };
    if jwk["kty"] != "EC" || jwk["crv"] != "P-256" {
        return Err(signature_error(
            "the response was signed with a key that is not P-256",
        ));
    }
    let mut point = vec![0x04];
    point.extend(coordinate("x")?);
    point.extend(coordinate("y")?);
    PublicKey::from_bytes(&AlgorithmName::EcdsaP256Sha256, &point).map_err(signature_error)
}

/// Checks a response (FAPI.md B5): `Content-Digest` is the SHA-256 of `body`, and a signature
/// tagged `fapi-2-response` covers `@status`, `content-digest`, and the request's `@method`
/// and `@target-uri` (`;req`), was made within `max_age` seconds of `now`, by the key of
/// `jwks` its `keyid` names, and verifies. The error says what failed.
pub fn verify_response(
    jwks: &Value,
    request: &RequestSummary,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<()> {
    let digest = field(headers, "content-digest")?
        .ok_or_else(|| signature_error("the response has no Content-Digest"))?;
    let parsed: sfv::Dictionary = sfv::Parser::new(&digest)
        .parse()
        .map_err(|_| signature_error("Content-Digest is not a dictionary"))?;
    let expected = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, body);
    match parsed.get("sha-256") {
        Some(sfv::ListEntry::Item(item))
            if item.bare_item.as_byte_sequence() == Some(expected.as_ref()) => {}
        _ => return Err(signature_error("Content-Digest does not match the body")),
    }
    let input = field(headers, "signature-input")?
        .ok_or_else(|| signature_error("the response has no Signature-Input"))?;
    let value = field(headers, "signature")?
        .ok_or_else(|| signature_error("the response has no Signature"))?;
    let signatures = HttpSignatureHeaders::try_parse(&value, &input).map_err(signature_error)?;
    let signature = signatures
        .values()
        .find(|s| s.signature_params().tag.as_deref() == Some(RESPONSE_TAG))
        .ok_or_else(|| signature_error("no signature of the response has tag fapi-2-response"))?;
    let params = signature.signature_params();
    let covered: Vec<String> = params
        .covered_components
        .iter()
        .map(ToString::to_string)
        .collect();
    for required in [
        "\"@status\"",
        "\"content-digest\"",
        "\"@method\";req",
        "\"@target-uri\";req",
    ] {
        if !covered.iter().any(|c| c == required) {
            return Err(signature_error(format!(
                "the response signature does not cover {required}"
            )));
        }
    }
    let created = params
        .created
        .and_then(|c| i64::try_from(c).ok())
        .ok_or_else(|| signature_error("the response signature has no created"))?;
    if (now - created).abs() > 300 {
        return Err(signature_error(format!(
            "the response signature was made {} s from now",
            now - created
        )));
    }
    let keyid = params
        .keyid
        .as_deref()
        .ok_or_else(|| signature_error("the response signature has no keyid"))?;
    let jwk = jwks["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|k| k["kid"] == keyid)
        .ok_or_else(|| signature_error(format!("no key of the server's JWKS has kid {keyid}")))?;
    let mut lines = Vec::new();
    for id in &covered {
        let value = match id.as_str() {
            "\"@status\"" => Some(status.to_string()),
            "\"@method\";req" => Some(request.method.clone()),
            "\"@target-uri\";req" => Some(request.target_uri.clone()),
            "\"authorization\";req" => request.authorization.clone(),
            other if !other.contains(';') && !other.starts_with("\"@") => {
                field(headers, other.trim_matches('"'))?
            }
            other => {
                return Err(signature_error(format!(
                    "the response signature covers {other}, which the kit does not know"
                )));
            }
        }
        .ok_or_else(|| signature_error(format!("{id} is not in the message")))?;
        lines.push(component(id, &value)?);
    }
    let base = HttpSignatureBase::try_new(&lines, params).map_err(signature_error)?;
    base.verify_signature_headers(&p256_key(jwk)?, signature)
        .map_err(|e| signature_error(format!("the response signature does not verify: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_9530_example_digest() {
        assert_eq!(
            content_digest(br#"{"hello": "world"}"#),
            "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
        );
    }

    #[test]
    fn a_request_signature_covers_what_fapi_asks() {
        let key = SigningKey::generate().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "DPoP abc".parse().unwrap());
        headers.insert("dpop", "x.y.z".parse().unwrap());
        let (input, signature) = sign_request(
            &key,
            "GET",
            "http://127.0.0.1:1/accounts",
            &headers,
            1_000,
            None,
        )
        .unwrap();
        assert_eq!(
            input,
            format!(
                "sig1=(\"@method\" \"@target-uri\" \"authorization\" \"dpop\");created=1000;\
                 keyid=\"{}\";tag=\"fapi-2-request\"",
                key.kid()
            )
        );
        assert!(signature.starts_with("sig1=:"));
    }
}
