//! Mutual TLS (RFC 8705): what the TLS listener tells the rest of the server about the client
//! certificate of a connection.
//!
//! The TLS listener ([`crate::tls`]) puts a [`ClientCertificate`] into the extensions of every
//! request that arrived with a client certificate ([`client_certificate`]); the resource-server
//! guard compares its thumbprint with the `cnf.x5t#S256` of certificate-bound tokens, and client
//! authentication ([`crate::client_auth`]) matches it against the registered client:
//!
//! - `tls_client_auth`: the certificate's subject DN equals the registered
//!   `tls_client_auth_subject_dn` ([`subject_dn_matches`]);
//! - `self_signed_tls_client_auth`: the certificate's public key is one of the keys in the
//!   registered `jwks` ([`public_key_thumbprint`], compared by RFC 7638 thumbprint).
//!
//! # Subject DN format
//!
//! `tls_client_auth_subject_dn` is an RFC 4514 string, e.g. `CN=budget-buddy,O=Budget Buddy
//! Ltd,C=GB`. Comparison is normalised: attribute types are case-insensitive and may be short
//! names (`CN`, `O`, `OU`, `C`, `L`, `ST`, `STREET`, `DC`, `UID`, `SERIALNUMBER`,
//! `EMAILADDRESS` or `E`) or dotted OIDs (`2.5.4.3`, `OID.2.5.4.3`); values are compared after
//! RFC 4514 unescaping (`\,`, `\+`, `\2C`, ...), trimming, collapsing runs of spaces and
//! ignoring case; RDNs may be written in RFC 4514 order (most specific first, as `openssl x509
//! -subject -nameopt RFC2253` prints them) or in the certificate's own order (as `openssl`
//! prints by default, with `, ` separators); the attributes of a multi-valued RDN (`+`) may come
//! in any order. Values given as `#hex` (BER) are not supported.

use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use axum_server::tls::TlsInfo;
use serde_json::{Map, Value};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::jose::{b64, sha256_b64, thumbprint};

/// The client certificate presented on the connection a request arrived on (DER).
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    /// The certificate, DER-encoded.
    pub der: Vec<u8>,
}

impl ClientCertificate {
    /// The certificate's `x5t#S256` thumbprint: base64url SHA-256 of its DER encoding.
    pub fn thumbprint(&self) -> String {
        sha256_b64(&self.der)
    }
}

impl std::fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("x5t#S256", &self.thumbprint())
            .finish()
    }
}

/// Middleware for the TLS listener: turns the connection's TLS information (put into the
/// request by `axum-server`) into a [`ClientCertificate`] extension when the client presented
/// a certificate.
pub async fn client_certificate(mut request: Request, next: Next) -> Response {
    let certificate = request
        .extensions()
        .get::<Arc<TlsInfo>>()
        .and_then(|info| info.peer_certificates.first())
        .map(|der| ClientCertificate { der: der.clone() });
    if let Some(certificate) = certificate {
        request.extensions_mut().insert(certificate);
    }
    next.run(request).await
}

/// One attribute of a distinguished name: normalised type and value.
type Attribute = (String, String);
/// A relative distinguished name: its attributes, sorted.
type Rdn = Vec<Attribute>;

/// Short names of the attribute types, by OID.
const ATTRIBUTE_NAMES: [(&str, &str); 11] = [
    ("2.5.4.3", "CN"),
    ("2.5.4.6", "C"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.9", "STREET"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.5", "SERIALNUMBER"),
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("0.9.2342.19200300.100.1.1", "UID"),
    ("1.2.840.113549.1.9.1", "EMAILADDRESS"),
];

fn attribute_type(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    let upper = upper.strip_prefix("OID.").unwrap_or(&upper).to_owned();
    if upper == "E" {
        return "EMAILADDRESS".to_owned();
    }
    ATTRIBUTE_NAMES
        .iter()
        .find(|(oid, _)| *oid == upper)
        .map_or(upper, |(_, short)| (*short).to_owned())
}

fn attribute_value(value: &str) -> String {
    value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The subject of a certificate as RDNs in the certificate's order; `None` when the
/// certificate cannot be parsed or an attribute value is not a string.
fn certificate_subject(der: &[u8]) -> Option<Vec<Rdn>> {
    let (_, certificate) = X509Certificate::from_der(der).ok()?;
    certificate
        .subject()
        .iter()
        .map(|rdn| {
            let mut attributes = rdn
                .iter()
                .map(|attribute| {
                    let value = attribute.as_str().ok().map(str::to_owned).or_else(|| {
                        // Other string types: accepted when their bytes are UTF-8.
                        String::from_utf8(attribute.as_slice().to_vec()).ok()
                    })?;
                    Some((
                        attribute_type(&attribute.attr_type().to_id_string()),
                        attribute_value(&value),
                    ))
                })
                .collect::<Option<Vec<_>>>()?;
            attributes.sort();
            Some(attributes)
        })
        .collect()
}

/// Splits `text` on unescaped `separator`s.
fn split_unescaped(text: &str, separators: &[char]) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            current.push(c);
            if let Some(next) = chars.next() {
                current.push(next);
            }
        } else if separators.contains(&c) {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
}

/// RFC 4514 §3 unescaping: `\` followed by a special character, or by two hex digits.
fn unescape(value: &str) -> Option<String> {
    let mut bytes = Vec::new();
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buffer = [0u8; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            continue;
        }
        let first = chars.next()?;
        match (
            first.to_digit(16),
            chars.peek().and_then(|c| c.to_digit(16)),
        ) {
            (Some(high), Some(low)) => {
                chars.next();
                bytes.push(u8::try_from(high * 16 + low).ok()?);
            }
            _ => {
                let mut buffer = [0u8; 4];
                bytes.extend_from_slice(first.encode_utf8(&mut buffer).as_bytes());
            }
        }
    }
    String::from_utf8(bytes).ok()
}

/// Parses an RFC 4514 distinguished name into RDNs in the order written; `None` when it is
/// malformed.
fn parse_dn(text: &str) -> Option<Vec<Rdn>> {
    if text.trim().is_empty() {
        return None;
    }
    split_unescaped(text, &[',', ';'])
        .iter()
        .map(|rdn| {
            let mut attributes = split_unescaped(rdn, &['+'])
                .iter()
                .map(|attribute| {
                    let (name, value) = attribute.split_once('=')?;
                    let value = value.trim();
                    if name.trim().is_empty() || value.starts_with('#') {
                        return None;
                    }
                    Some((attribute_type(name), attribute_value(&unescape(value)?)))
                })
                .collect::<Option<Vec<_>>>()?;
            attributes.sort();
            Some(attributes)
        })
        .collect()
}

/// Whether the certificate's subject is the distinguished name `registered` (see the module
/// documentation for the format and normalisation).
pub fn subject_dn_matches(certificate: &ClientCertificate, registered: &str) -> bool {
    let (Some(subject), Some(mut wanted)) =
        (certificate_subject(&certificate.der), parse_dn(registered))
    else {
        return false;
    };
    if subject.is_empty() {
        return false;
    }
    if wanted == subject {
        return true;
    }
    wanted.reverse();
    wanted == subject
}

fn unsigned(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    &bytes[start..]
}

/// The certificate's public key as a public JWK (RSA, EC P-256/P-384/P-521 or Ed25519);
/// `None` for other keys or an unparseable certificate.
pub fn public_jwk(certificate: &ClientCertificate) -> Option<Map<String, Value>> {
    let (_, parsed) = X509Certificate::from_der(&certificate.der).ok()?;
    let spki = parsed.public_key();
    let mut jwk = Map::new();
    if spki.algorithm.algorithm.to_id_string() == "1.3.101.112" {
        jwk.insert("kty".into(), "OKP".into());
        jwk.insert("crv".into(), "Ed25519".into());
        jwk.insert("x".into(), b64(&spki.subject_public_key.data).into());
        return Some(jwk);
    }
    match spki.parsed().ok()? {
        PublicKey::RSA(rsa) => {
            jwk.insert("kty".into(), "RSA".into());
            jwk.insert("n".into(), b64(unsigned(rsa.modulus)).into());
            jwk.insert("e".into(), b64(unsigned(rsa.exponent)).into());
        }
        PublicKey::EC(point) => {
            let data = point.data();
            let (curve, size) = match data.len() {
                65 => ("P-256", 32),
                97 => ("P-384", 48),
                133 => ("P-521", 66),
                _ => return None,
            };
            if data.first() != Some(&4) {
                return None;
            }
            jwk.insert("kty".into(), "EC".into());
            jwk.insert("crv".into(), curve.into());
            jwk.insert("x".into(), b64(data.get(1..=size)?).into());
            jwk.insert("y".into(), b64(data.get(size + 1..)?).into());
        }
        _ => return None,
    }
    Some(jwk)
}

/// The RFC 7638 thumbprint of the certificate's public key.
pub fn public_key_thumbprint(certificate: &ClientCertificate) -> Option<String> {
    thumbprint(&public_jwk(certificate)?).ok()
}

/// Whether the certificate's public key is one of the keys of the JWKS `jwks` (by RFC 7638
/// thumbprint).
pub fn public_key_in(certificate: &ClientCertificate, jwks: Option<&Value>) -> bool {
    let Some(wanted) = public_key_thumbprint(certificate) else {
        return false;
    };
    jwks.and_then(|jwks| jwks.get("keys"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .filter_map(|key| thumbprint(key).ok())
        .any(|registered| registered == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate(names: &[(rcgen::DnType, &str)]) -> (ClientCertificate, rcgen::KeyPair) {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = rcgen::CertificateParams::default();
        let mut name = rcgen::DistinguishedName::new();
        for (ty, value) in names {
            name.push(ty.clone(), *value);
        }
        params.distinguished_name = name;
        let der = params.self_signed(&key).unwrap().der().to_vec();
        (ClientCertificate { der }, key)
    }

    #[test]
    fn subject_dns_match_in_either_order_with_normalised_types_and_values() {
        use rcgen::DnType;
        let (cert, _) = certificate(&[
            (DnType::CountryName, "GB"),
            (DnType::OrganizationName, "Budget, Buddy Ltd"),
            (DnType::CommonName, "budget-buddy"),
        ]);
        for dn in [
            "CN=budget-buddy,O=Budget\\, Buddy Ltd,C=GB",
            "cn=Budget-Buddy, o=budget\\2c  buddy ltd, c=gb",
            "C=GB, O=Budget\\, Buddy Ltd, CN=budget-buddy",
            "2.5.4.3=budget-buddy,OID.2.5.4.10=Budget\\, Buddy Ltd,C=GB",
        ] {
            assert!(subject_dn_matches(&cert, dn), "{dn}");
        }
        for dn in [
            "CN=budget-buddy,O=Budget Buddy Ltd,C=GB",
            "CN=budget-buddy,C=GB",
            "CN=other,O=Budget\\, Buddy Ltd,C=GB",
            "O=Budget\\, Buddy Ltd,CN=budget-buddy,C=GB",
            "CN=#0c03616263",
            "",
            "not a dn",
        ] {
            assert!(!subject_dn_matches(&cert, dn), "{dn}");
        }
        assert!(!subject_dn_matches(
            &ClientCertificate {
                der: b"junk".to_vec()
            },
            "CN=x"
        ));
    }

    #[test]
    fn the_public_key_of_a_certificate_is_found_in_a_jwks() {
        let (cert, key) = certificate(&[(rcgen::DnType::CommonName, "x")]);
        let point = key.public_key_raw();
        let jwk = serde_json::json!({
            "kty": "EC", "crv": "P-256", "kid": "k",
            "x": b64(&point[1..33]), "y": b64(&point[33..65]),
        });
        let (other, _) = certificate(&[(rcgen::DnType::CommonName, "x")]);
        let jwks = serde_json::json!({"keys": [jwk]});
        assert!(public_key_in(&cert, Some(&jwks)));
        assert!(!public_key_in(&other, Some(&jwks)));
        assert!(!public_key_in(&cert, None));
        assert!(!public_key_in(
            &cert,
            Some(&serde_json::json!({"keys": "x"}))
        ));
    }

    #[test]
    fn the_thumbprint_is_the_base64url_sha256_of_the_der() {
        let certificate = ClientCertificate {
            der: b"abc".to_vec(),
        };
        // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.
        assert_eq!(
            certificate.thumbprint(),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
    }
}
