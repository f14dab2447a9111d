//! HTTP message signatures (RFC 9421) and digests (RFC 9530) as FAPI 2.0 uses them on the bank
//! API: small pure functions, no HTTP framework.
//!
//! - [`parse`] reads `Signature-Input` and `Signature` (RFC 8941 dictionaries, with `sfv`).
//! - [`signature_base`] builds the signature base of RFC 9421 §2.5: one line per covered
//!   component (`"@method": GET`, `"authorization": DPoP ...`, `"@status";req` taken from the
//!   request), then `"@signature-params"`.
//! - [`verify`] checks a signature with a JWK, the algorithm being the JWK's (RFC 9421 §3.3.7:
//!   ES256 is `ecdsa-p256-sha256`'s raw `r || s`, PS256, EdDSA); [`verify_request`] applies
//!   FAPI's rules for requests (tag `fapi-2-request`, the components it must cover, `created`
//!   within [`MAX_AGE_SECONDS`], `keyid` in the client's JWKS).
//! - [`sign_response`] signs a response with the server's key (tag `fapi-2-response`).
//! - [`content_digest`] and [`check_content_digest`] compute and check `Content-Digest`.
//!
//! Signatures are computed and verified by `jsonwebtoken` on aws-lc-rs, the server's one crypto
//! provider; the `httpsig` crates are not used here because they bring a second one and have
//! no JWS-algorithm mode.

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey};
use sfv::{BareItem, Dictionary, FieldType, InnerList, Item, Key, List, ListEntry, Parameters};

use crate::clock::Reading;
use crate::jose::check_key_strength;
use crate::keys::SigningKey;

/// `Signature-Input`.
pub const SIGNATURE_INPUT: &str = "signature-input";
/// `Signature`.
pub const SIGNATURE: &str = "signature";
/// `Content-Digest` (RFC 9530).
pub const CONTENT_DIGEST: &str = "content-digest";
/// The `tag` of a FAPI 2.0 request signature.
pub const REQUEST_TAG: &str = "fapi-2-request";
/// The `tag` of a FAPI 2.0 response signature.
pub const RESPONSE_TAG: &str = "fapi-2-response";
/// The label of the server's response signature.
pub const RESPONSE_LABEL: &str = "sig";
/// How far a request signature's `created` may be from now, either way, in seconds (by the
/// sandbox's time or by real time: see [`crate::clock`]).
pub const MAX_AGE_SECONDS: i64 = 60;

/// Why a signature or digest was refused. The message is safe to show to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SignatureError(pub String);

fn err(message: impl Into<String>) -> SignatureError {
    SignatureError(message.into())
}

/// One covered component: its name (`@method`, `content-digest`) and whether it is the
/// request's (`;req`, in a response signature).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// The component name, lower case.
    pub name: String,
    /// Taken from the request that caused the response (`;req`).
    pub req: bool,
}

impl Component {
    /// A component of the message itself.
    pub fn own(name: &str) -> Component {
        Component {
            name: name.to_owned(),
            req: false,
        }
    }

    /// A component of the request, in a response signature (`;req`).
    pub fn of_request(name: &str) -> Component {
        Component {
            name: name.to_owned(),
            req: true,
        }
    }

    /// The component identifier as a signature base line starts with: `"@method";req`.
    pub fn identifier(&self) -> String {
        let req = if self.req { ";req" } else { "" };
        format!("\"{}\"{req}", self.name)
    }
}

/// One signature of a message: its `Signature-Input` member and its `Signature` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The label (dictionary key), e.g. `sig1`.
    pub label: String,
    /// The covered components, in order.
    pub components: Vec<Component>,
    /// `created`, seconds since the epoch.
    pub created: Option<i64>,
    /// `expires`, seconds since the epoch.
    pub expires: Option<i64>,
    /// `keyid`.
    pub keyid: Option<String>,
    /// `alg`.
    pub alg: Option<String>,
    /// `tag`.
    pub tag: Option<String>,
    /// The `@signature-params` value: the `Signature-Input` member serialised (RFC 9421 §2.3).
    pub params: String,
    /// The signature bytes.
    pub value: Vec<u8>,
}

/// The values of all the field lines named `name`, trimmed and joined with `, ` (RFC 9421
/// §2.1); `None` when there is none.
pub fn field_value(headers: &HeaderMap, name: &str) -> Result<Option<String>, SignatureError> {
    let mut values = Vec::new();
    for value in headers.get_all(name) {
        let text = value
            .to_str()
            .map_err(|_| err(format!("the {name} header is not visible ASCII")))?;
        values.push(text.trim().to_owned());
    }
    Ok((!values.is_empty()).then(|| values.join(", ")))
}

fn integer(item: &BareItem, what: &str) -> Result<i64, SignatureError> {
    item.as_integer()
        .map(i64::from)
        .ok_or_else(|| err(format!("the {what} signature parameter must be an integer")))
}

fn string(item: &BareItem, what: &str) -> Result<String, SignatureError> {
    item.as_string()
        .map(|s| s.as_str().to_owned())
        .ok_or_else(|| err(format!("the {what} signature parameter must be a string")))
}

fn components_of(label: &str, inner: &InnerList) -> Result<Vec<Component>, SignatureError> {
    let mut components: Vec<Component> = Vec::new();
    for item in &inner.items {
        let name = item.bare_item.as_string().ok_or_else(|| {
            err(format!(
                "signature {label}: covered components must be strings (\"@method\")"
            ))
        })?;
        let name = name.as_str();
        if name != name.to_ascii_lowercase() {
            return Err(err(format!(
                "signature {label}: component \"{name}\" must be lower case"
            )));
        }
        let mut req = false;
        for (key, value) in &item.params {
            match (key.as_str(), value) {
                ("req", BareItem::Boolean(true)) => req = true,
                (other, _) => {
                    return Err(err(format!(
                        "signature {label}: component parameter {other} is not supported"
                    )));
                }
            }
        }
        let component = Component {
            name: name.to_owned(),
            req,
        };
        if components.contains(&component) {
            return Err(err(format!(
                "signature {label}: component {} is covered twice",
                component.identifier()
            )));
        }
        components.push(component);
    }
    Ok(components)
}

fn parse_dictionary(value: &str, header: &str) -> Result<Dictionary, SignatureError> {
    sfv::Parser::new(value).parse::<Dictionary>().map_err(|_| {
        err(format!(
            "{header} is not a structured-field dictionary (RFC 8941)"
        ))
    })
}

/// The signatures of a message, from its `Signature-Input` and `Signature` values.
pub fn parse(signature_input: &str, signature: &str) -> Result<Vec<Signature>, SignatureError> {
    let inputs = parse_dictionary(signature_input, "Signature-Input")?;
    let values = parse_dictionary(signature, "Signature")?;
    let mut signatures = Vec::new();
    for (label, entry) in &inputs {
        let label = label.as_str();
        let ListEntry::InnerList(inner) = entry else {
            return Err(err(format!(
                "Signature-Input {label} must be an inner list of components"
            )));
        };
        let value = match values.get(label) {
            Some(ListEntry::Item(item)) => item.bare_item.as_byte_sequence().map(<[u8]>::to_vec),
            _ => None,
        }
        .ok_or_else(|| err(format!("Signature has no byte sequence for label {label}")))?;
        let mut signature = Signature {
            label: label.to_owned(),
            components: components_of(label, inner)?,
            created: None,
            expires: None,
            keyid: None,
            alg: None,
            tag: None,
            params: serialize_params(inner)?,
            value,
        };
        for (key, item) in &inner.params {
            match key.as_str() {
                "created" => signature.created = Some(integer(item, "created")?),
                "expires" => signature.expires = Some(integer(item, "expires")?),
                "keyid" => signature.keyid = Some(string(item, "keyid")?),
                "alg" => signature.alg = Some(string(item, "alg")?),
                "tag" => signature.tag = Some(string(item, "tag")?),
                // `nonce` and parameters registered later are covered by the base as sent.
                _ => {}
            }
        }
        signatures.push(signature);
    }
    Ok(signatures)
}

fn serialize_params(inner: &InnerList) -> Result<String, SignatureError> {
    let list: List = vec![ListEntry::InnerList(inner.clone())];
    list.serialize()
        .ok_or_else(|| err("the signature parameters cannot be serialised"))
}

/// What a message gives its components: a request (method, target URI) or a response
/// (status), and its headers.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// The request method.
    pub method: Option<&'a str>,
    /// The request's target URI: the absolute URL the client used.
    pub target_uri: Option<&'a str>,
    /// The response status.
    pub status: Option<u16>,
    /// The headers.
    pub headers: &'a HeaderMap,
}

fn target(message: &Message<'_>, name: &str) -> Result<url::Url, SignatureError> {
    let uri = message
        .target_uri
        .ok_or_else(|| err(format!("{name} is a request component")))?;
    url::Url::parse(uri).map_err(|_| err(format!("the target URI {uri} is not absolute")))
}

/// The value of one component of `message` (RFC 9421 §2.1, §2.2): a header field, or one of
/// the derived components `@method`, `@target-uri`, `@authority`, `@scheme`, `@path`,
/// `@query`, `@request-target` and `@status`.
pub fn component_value(message: &Message<'_>, name: &str) -> Result<String, SignatureError> {
    match name {
        "@method" => message
            .method
            .map(str::to_owned)
            .ok_or_else(|| err("@method is a request component")),
        "@target-uri" => message
            .target_uri
            .map(str::to_owned)
            .ok_or_else(|| err("@target-uri is a request component")),
        "@status" => message
            .status
            .map(|status| status.to_string())
            .ok_or_else(|| err("@status is a response component")),
        "@authority" => {
            let url = target(message, name)?;
            let host = url.host_str().unwrap_or("").to_ascii_lowercase();
            Ok(match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        }
        "@scheme" => Ok(target(message, name)?.scheme().to_owned()),
        "@path" => {
            let url = target(message, name)?;
            Ok(if url.path().is_empty() {
                "/".to_owned()
            } else {
                url.path().to_owned()
            })
        }
        "@query" => Ok(format!("?{}", target(message, name)?.query().unwrap_or(""))),
        "@request-target" => {
            let url = target(message, name)?;
            Ok(match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            })
        }
        derived if derived.starts_with('@') => Err(err(format!(
            "the derived component {derived} is not supported"
        ))),
        field => field_value(message.headers, field)?
            .ok_or_else(|| err(format!("the covered {field} header is not in the message"))),
    }
}

/// The signature base (RFC 9421 §2.5): a line `"<component>": <value>` for each covered
/// component, `;req` ones from `request`, then `"@signature-params": <params>`.
pub fn signature_base(
    components: &[Component],
    params: &str,
    message: &Message<'_>,
    request: Option<&Message<'_>>,
) -> Result<String, SignatureError> {
    let mut base = String::new();
    for component in components {
        let source = if component.req {
            request.ok_or_else(|| {
                err(format!(
                    "{} names the request, but this is a request",
                    component.identifier()
                ))
            })?
        } else {
            message
        };
        let value = component_value(source, &component.name)?;
        if value.contains('\n') || value.contains('\r') {
            return Err(err(format!(
                "{} contains a line break",
                component.identifier()
            )));
        }
        base.push_str(&component.identifier());
        base.push_str(": ");
        base.push_str(&value);
        base.push('\n');
    }
    base.push_str("\"@signature-params\": ");
    base.push_str(params);
    Ok(base)
}

/// The JWS algorithm a JWK signs with: its `alg`, or what its key type implies (EC P-256:
/// ES256, OKP: EdDSA, RSA: PS256). Others are refused.
pub fn algorithm_of(jwk: &Jwk) -> Result<Algorithm, SignatureError> {
    match (&jwk.common.key_algorithm, &jwk.algorithm) {
        (Some(KeyAlgorithm::ES256), _) => Ok(Algorithm::ES256),
        (Some(KeyAlgorithm::PS256), _) => Ok(Algorithm::PS256),
        (Some(KeyAlgorithm::EdDSA), _) => Ok(Algorithm::EdDSA),
        (Some(other), _) => Err(err(format!(
            "the key's alg {other:?} is not allowed; use ES256, PS256 or EdDSA"
        ))),
        (None, AlgorithmParameters::EllipticCurve(ec)) if ec.curve == EllipticCurve::P256 => {
            Ok(Algorithm::ES256)
        }
        (None, AlgorithmParameters::OctetKeyPair(_)) => Ok(Algorithm::EdDSA),
        (None, AlgorithmParameters::RSA(_)) => Ok(Algorithm::PS256),
        (None, _) => Err(err("the key is neither P-256, Ed25519 nor RSA")),
    }
}

/// The RFC 9421 algorithm name equivalent to a JWS algorithm, where the registry has one.
fn registered_name(alg: Algorithm) -> Option<&'static str> {
    match alg {
        Algorithm::ES256 => Some("ecdsa-p256-sha256"),
        Algorithm::EdDSA => Some("ed25519"),
        _ => None,
    }
}

/// Verifies `signature` over `base` with `jwk`, by the JWK's algorithm ([`algorithm_of`]).
/// An `alg` signature parameter, when given, must name that same algorithm.
pub fn verify(
    jwk: &Jwk,
    alg: Option<&str>,
    base: &str,
    signature: &[u8],
) -> Result<(), SignatureError> {
    let algorithm = algorithm_of(jwk)?;
    if let Some(alg) = alg
        && registered_name(algorithm) != Some(alg)
    {
        return Err(err(format!(
            "alg=\"{alg}\" does not fit the key, which signs with {algorithm:?}"
        )));
    }
    check_key_strength(jwk, algorithm).map_err(|e| err(e.0))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|_| err("the key cannot verify signatures"))?;
    let encoded = URL_SAFE_NO_PAD.encode(signature);
    match jsonwebtoken::crypto::verify(&encoded, base.as_bytes(), &key, algorithm) {
        Ok(true) => Ok(()),
        _ => Err(err("the signature does not verify")),
    }
}

/// A signature whose signature base was rebuilt and verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Its label.
    pub label: String,
    /// The key it was made with.
    pub keyid: String,
    /// The `@target-uri` it was verified with.
    pub target_uri: String,
}

/// Why a request signature was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestSignatureError {
    /// The request has no `fapi-2-request` signature (no headers, or none with the tag).
    Missing(String),
    /// It has one, and it is wrong.
    Invalid(String),
}

/// What a request gives its signature's check.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// The method.
    pub method: &'a str,
    /// The headers.
    pub headers: &'a HeaderMap,
    /// The URLs the client may have used (the issuer's and the mutual-TLS base's, plus path
    /// and query); the signature must verify with one of them as `@target-uri`.
    pub target_uris: &'a [String],
    /// Whether the request has a body (then `content-digest` must be covered).
    pub has_body: bool,
}

/// The components a FAPI 2.0 request signature must cover: `@method`, `@target-uri`,
/// `authorization`, `dpop` when the request has a DPoP header, `content-digest` when it has a
/// body.
pub fn required_request_components(headers: &HeaderMap, has_body: bool) -> Vec<&'static str> {
    let mut required = vec!["@method", "@target-uri", "authorization"];
    if headers.contains_key("dpop") {
        required.push("dpop");
    }
    if has_body {
        required.push(CONTENT_DIGEST);
    }
    required
}

/// Checks `created` (required) is within [`MAX_AGE_SECONDS`] of now, by the sandbox's time or
/// by real time, and `expires`, when given, has not passed.
pub fn check_created(signature: &Signature, now: Reading) -> Result<(), SignatureError> {
    let created = signature
        .created
        .ok_or_else(|| err("the signature has no created parameter"))?;
    let [sandbox, real] = now.both().map(|at| at.timestamp());
    if [sandbox, real]
        .iter()
        .any(|now| (now - created).abs() <= MAX_AGE_SECONDS)
    {
        if let Some(expires) = signature.expires
            && expires < real.min(sandbox)
        {
            return Err(err("the signature has expired (expires is past)"));
        }
        return Ok(());
    }
    let age = real - created;
    Err(err(if age > 0 {
        format!("created is {age} s in the past; a signature is accepted for {MAX_AGE_SECONDS} s")
    } else {
        format!(
            "created is {} s in the future; at most {MAX_AGE_SECONDS} s of clock skew is accepted",
            -age
        )
    }))
}

/// Verifies a request's FAPI 2.0 signature (FAPI.md B5): the first one tagged
/// `fapi-2-request`, covering [`required_request_components`], `created` fresh
/// ([`check_created`]), `keyid` naming a key of `jwks`, verifying with that key over the base
/// built with one of the request's possible target URIs.
pub fn verify_request(
    request: &SignedRequest<'_>,
    jwks: &JwkSet,
    now: Reading,
) -> Result<Verified, RequestSignatureError> {
    use RequestSignatureError::{Invalid, Missing};
    let input = field_value(request.headers, SIGNATURE_INPUT).map_err(|e| Invalid(e.0))?;
    let value = field_value(request.headers, SIGNATURE).map_err(|e| Invalid(e.0))?;
    let (input, value) = match (input, value) {
        (Some(input), Some(value)) => (input, value),
        (None, None) => {
            return Err(Missing(format!(
                "the request has no Signature-Input and Signature headers; sign it (RFC 9421) \
                 with tag=\"{REQUEST_TAG}\""
            )));
        }
        (Some(_), None) => return Err(Invalid("Signature-Input without Signature".into())),
        (None, Some(_)) => return Err(Invalid("Signature without Signature-Input".into())),
    };
    let signatures = parse(&input, &value).map_err(|e| Invalid(e.0))?;
    let Some(signature) = signatures
        .into_iter()
        .find(|s| s.tag.as_deref() == Some(REQUEST_TAG))
    else {
        return Err(Missing(format!(
            "no signature in Signature-Input has tag=\"{REQUEST_TAG}\""
        )));
    };
    let label = signature.label.clone();
    let invalid = |message: String| Invalid(format!("signature {label}: {message}"));
    for required in required_request_components(request.headers, request.has_body) {
        if !signature.components.contains(&Component::own(required)) {
            return Err(invalid(format!(
                "the signature does not cover \"{required}\"; a {REQUEST_TAG} signature covers \
                 {}",
                required_request_components(request.headers, request.has_body)
                    .iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(" ")
            )));
        }
    }
    check_created(&signature, now).map_err(|e| invalid(e.0))?;
    let keyid = signature
        .keyid
        .clone()
        .ok_or_else(|| invalid("the signature has no keyid parameter".into()))?;
    let jwk = jwks.find(&keyid).ok_or_else(|| {
        invalid(format!(
            "keyid \"{keyid}\" names no key of the client's registered JWKS"
        ))
    })?;
    let mut failure = None;
    for target_uri in request.target_uris {
        let message = Message {
            method: Some(request.method),
            target_uri: Some(target_uri),
            status: None,
            headers: request.headers,
        };
        let base = signature_base(&signature.components, &signature.params, &message, None)
            .map_err(|e| invalid(e.0))?;
        match verify(jwk, signature.alg.as_deref(), &base, &signature.value) {
            Ok(()) => {
                return Ok(Verified {
                    label: label.clone(),
                    keyid,
                    target_uri: target_uri.clone(),
                });
            }
            Err(error) => {
                failure.get_or_insert(format!(
                    "{error} with key {keyid} over the signature base {base:?}"
                ));
            }
        }
    }
    Err(invalid(
        failure.unwrap_or_else(|| "the request has no target URI".into()),
    ))
}

fn sf_string(value: &str) -> Result<BareItem, SignatureError> {
    sfv::String::from_string(value.to_owned())
        .map(BareItem::String)
        .map_err(|_| err(format!("{value:?} cannot be a structured-field string")))
}

fn sf_key(name: &str) -> Result<Key, SignatureError> {
    Key::from_string(name.to_owned()).map_err(|_| err(format!("{name} is not a key")))
}

/// The `Signature-Input` member (an inner list with `created`, `keyid`, `tag`) of a signature
/// covering `components`.
pub fn signature_params(
    components: &[Component],
    created: i64,
    keyid: &str,
    tag: &str,
) -> Result<InnerList, SignatureError> {
    let mut items = Vec::new();
    for component in components {
        let mut params = Parameters::new();
        if component.req {
            params.insert(sf_key("req")?, BareItem::Boolean(true));
        }
        items.push(Item::with_params(sf_string(&component.name)?, params));
    }
    let mut params = Parameters::new();
    let created = sfv::Integer::try_from(created).map_err(|_| err("created is out of range"))?;
    params.insert(sf_key("created")?, BareItem::Integer(created));
    params.insert(sf_key("keyid")?, sf_string(keyid)?);
    params.insert(sf_key("tag")?, sf_string(tag)?);
    Ok(InnerList::with_params(items, params))
}

/// The `Signature-Input` and `Signature` values of one signature labelled `label`.
pub fn signature_headers(
    label: &str,
    params: &InnerList,
    signature: &[u8],
) -> Result<(String, String), SignatureError> {
    let mut input = Dictionary::new();
    input.insert(sf_key(label)?, ListEntry::InnerList(params.clone()));
    let mut value = Dictionary::new();
    value.insert(
        sf_key(label)?,
        ListEntry::Item(Item::new(BareItem::ByteSequence(signature.to_vec()))),
    );
    match (input.serialize(), value.serialize()) {
        (Some(input), Some(value)) => Ok((input, value)),
        _ => Err(err("the signature headers cannot be serialised")),
    }
}

/// The components the server's response signature covers, following FAPI 2.0 HTTP Signatures
/// (<https://openid.net/specs/fapi-message-signing-2_0-final.html> and the draft at
/// <https://openid.github.io/fapi/PREVIEW-DO-NOT-USE/pr-855/fapi-2_0-http-signatures.html>):
/// `@status`, `content-digest`, `content-type` (when the response has one), and, to bind the
/// response to its request, the request's `@method`, `@target-uri` and `authorization` (when
/// it had one) through `;req`. The request's own signature is not covered with `;req`: as the
/// FAPI working group noted (openid/fapi issue 575), a signature over a signature cannot be
/// relied on for that binding, while the request components themselves can.
pub fn response_components(response: &HeaderMap, request: &HeaderMap) -> Vec<Component> {
    let mut components = vec![Component::own("@status"), Component::own(CONTENT_DIGEST)];
    if response.contains_key(axum::http::header::CONTENT_TYPE) {
        components.push(Component::own("content-type"));
    }
    components.push(Component::of_request("@method"));
    components.push(Component::of_request("@target-uri"));
    if request.contains_key(axum::http::header::AUTHORIZATION) {
        components.push(Component::of_request("authorization"));
    }
    components
}

/// Signs a response (FAPI.md B5) with `key`: the `Signature-Input` and `Signature` values of a
/// signature labelled [`RESPONSE_LABEL`], tag [`RESPONSE_TAG`], covering
/// [`response_components`], made at `created`. `response.headers` must already carry
/// `Content-Digest`.
pub fn sign_response(
    key: &SigningKey,
    response: &Message<'_>,
    request: &Message<'_>,
    created: i64,
) -> Result<(String, String), SignatureError> {
    let components = response_components(response.headers, request.headers);
    let params = signature_params(&components, created, &key.kid, RESPONSE_TAG)?;
    let base = signature_base(
        &components,
        &serialize_params(&params)?,
        response,
        Some(request),
    )?;
    let signature = key
        .sign_bytes(base.as_bytes())
        .map_err(|e| err(e.to_string()))?;
    signature_headers(RESPONSE_LABEL, &params, &signature)
}

/// `Content-Digest` of `body` (RFC 9530): `sha-256=:<base64>:`.
pub fn content_digest(body: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, body);
    format!("sha-256=:{}:", STANDARD.encode(digest.as_ref()))
}

/// Checks a `Content-Digest` value against `body`: every `sha-256` and `sha-512` member must
/// match, other algorithms are ignored, and at least one of the two must be there.
pub fn check_content_digest(header: &str, body: &[u8]) -> Result<(), SignatureError> {
    let members = parse_dictionary(header, "Content-Digest")?;
    let mut checked = false;
    for (name, entry) in &members {
        let algorithm = match name.as_str() {
            "sha-256" => &aws_lc_rs::digest::SHA256,
            "sha-512" => &aws_lc_rs::digest::SHA512,
            _ => continue,
        };
        let sent = match entry {
            ListEntry::Item(item) => item.bare_item.as_byte_sequence(),
            ListEntry::InnerList(_) => None,
        }
        .ok_or_else(|| {
            err(format!(
                "Content-Digest {} must be a byte sequence (:base64:)",
                name.as_str()
            ))
        })?;
        let actual = aws_lc_rs::digest::digest(algorithm, body);
        if sent != actual.as_ref() {
            return Err(err(format!(
                "Content-Digest {} does not match the body, whose digest is :{}:",
                name.as_str(),
                STANDARD.encode(actual.as_ref())
            )));
        }
        checked = true;
    }
    if checked {
        Ok(())
    } else {
        Err(err(
            "Content-Digest names no algorithm the server knows; use sha-256 or sha-512",
        ))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use chrono::DateTime;

    use super::*;

    /// RFC 9421 Appendix B.2's request headers.
    fn rfc_request_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("host", "example.com"),
            ("date", "Tue, 20 Apr 2021 02:07:55 GMT"),
            ("content-type", "application/json"),
            (
                "content-digest",
                "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
            ),
            ("content-length", "18"),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        headers
    }

    const RFC_TARGET: &str = "https://example.com/foo?param=Value&Pet=dog";

    /// RFC 9421 Appendix B.1.4's Ed25519 test key, public part.
    fn rfc_ed25519() -> Jwk {
        serde_json::from_value(serde_json::json!({
            "kty": "OKP", "crv": "Ed25519", "kid": "test-key-ed25519",
            "x": "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"
        }))
        .unwrap()
    }

    #[test]
    fn rfc9421_b26_the_signature_base_is_byte_identical_and_verifies() {
        let signatures = parse(
            r#"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#,
            "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
        )
        .unwrap();
        let [signature] = signatures.as_slice() else {
            panic!("one signature")
        };
        assert_eq!(signature.created, Some(1_618_884_473));
        assert_eq!(signature.keyid.as_deref(), Some("test-key-ed25519"));
        let headers = rfc_request_headers();
        let message = Message {
            method: Some("POST"),
            target_uri: Some(RFC_TARGET),
            status: None,
            headers: &headers,
        };
        let base =
            signature_base(&signature.components, &signature.params, &message, None).unwrap();
        assert_eq!(
            base,
            "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n\
             \"@method\": POST\n\
             \"@path\": /foo\n\
             \"@authority\": example.com\n\
             \"content-type\": application/json\n\
             \"content-length\": 18\n\
             \"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \
             \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\""
        );
        verify(&rfc_ed25519(), None, &base, &signature.value).unwrap();
        let mut tampered = base.replace("POST", "PUT");
        assert!(verify(&rfc_ed25519(), None, &tampered, &signature.value).is_err());
        tampered = base.clone();
        assert!(
            verify(
                &rfc_ed25519(),
                Some("ecdsa-p256-sha256"),
                &tampered,
                &signature.value
            )
            .is_err()
        );
    }

    #[test]
    fn rfc9421_b24_a_response_signature_with_the_p256_test_key_verifies() {
        // RFC 9421 B.1.3's P-256 public key (SubjectPublicKeyInfo): the point is the last 65
        // bytes.
        let spki = STANDARD
            .decode("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lfw0EkjqF7xB4FivAxzic30tMM4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==")
            .unwrap();
        let point = &spki[spki.len() - 64..];
        let jwk: Jwk = serde_json::from_value(serde_json::json!({
            "kty": "EC", "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(&point[..32]),
            "y": URL_SAFE_NO_PAD.encode(&point[32..]),
        }))
        .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert(
            "content-digest",
            HeaderValue::from_static("sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:"),
        );
        headers.insert("content-length", HeaderValue::from_static("23"));
        check_content_digest(
            headers["content-digest"].to_str().unwrap(),
            br#"{"message": "good dog"}"#,
        )
        .unwrap();
        let signatures = parse(
            r#"sig-b24=("@status" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-ecc-p256""#,
            "sig-b24=:wNmSUAhwb5LxtOtOpNa6W5xj067m5hFrj0XQ4fvpaCLx0NKocgPquLgyahnzDnDAUy5eCdlYUEkLIj+32oiasw==:",
        )
        .unwrap();
        let message = Message {
            method: None,
            target_uri: None,
            status: Some(200),
            headers: &headers,
        };
        let base = signature_base(
            &signatures[0].components,
            &signatures[0].params,
            &message,
            None,
        )
        .unwrap();
        assert!(base.starts_with("\"@status\": 200\n\"content-type\": application/json\n"));
        verify(&jwk, None, &base, &signatures[0].value).unwrap();
        let other = Message {
            status: Some(201),
            ..message
        };
        let base = signature_base(
            &signatures[0].components,
            &signatures[0].params,
            &other,
            None,
        )
        .unwrap();
        assert!(verify(&jwk, None, &base, &signatures[0].value).is_err());
    }

    #[test]
    fn derived_components_come_from_the_target_uri() {
        let headers = HeaderMap::new();
        let message = Message {
            method: Some("GET"),
            target_uri: Some("http://127.0.0.1:8080/accounts/a1/transactions?pageSize=5"),
            status: None,
            headers: &headers,
        };
        for (name, value) in [
            ("@authority", "127.0.0.1:8080"),
            ("@scheme", "http"),
            ("@path", "/accounts/a1/transactions"),
            ("@query", "?pageSize=5"),
            ("@request-target", "/accounts/a1/transactions?pageSize=5"),
            ("@method", "GET"),
        ] {
            assert_eq!(component_value(&message, name).unwrap(), value, "{name}");
        }
        assert!(component_value(&message, "@status").is_err());
        assert!(component_value(&message, "@query-param").is_err());
        assert!(component_value(&message, "authorization").is_err());
    }

    #[test]
    fn malformed_inputs_are_errors_not_panics() {
        for (input, signature) in [
            ("sig=", "sig=:AAAA:"),
            ("sig=(\"@method\")", ""),
            ("sig=(\"@method\")", "sig=\"text\""),
            ("sig=\"@method\"", "sig=:AAAA:"),
            ("sig=(@method)", "sig=:AAAA:"),
            ("sig=(\"@METHOD\")", "sig=:AAAA:"),
            ("sig=(\"@method\";sf)", "sig=:AAAA:"),
            ("sig=(\"@method\" \"@method\")", "sig=:AAAA:"),
            ("sig=(\"@method\");created=\"x\"", "sig=:AAAA:"),
            ("sig=(\"@method\");keyid=1", "sig=:AAAA:"),
            ("\u{1F600}", "sig=:AAAA:"),
        ] {
            assert!(parse(input, signature).is_err(), "{input} / {signature}");
        }
        for header in [
            "",
            "sha-256=x",
            "md5=:AAAA:",
            "sha-256=:AAAA:",
            "(",
            "sha-256=(1)",
        ] {
            assert!(check_content_digest(header, b"x").is_err(), "{header}");
        }
    }

    #[test]
    fn content_digests_follow_rfc_9530() {
        // RFC 9530 §2 / RFC 9421 B.2's request body.
        let body = br#"{"hello": "world"}"#;
        assert_eq!(
            content_digest(body),
            "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
        );
        check_content_digest(&content_digest(body), body).unwrap();
        check_content_digest(
            "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:, unixsum=:AAA=:",
            body,
        )
        .unwrap();
        let wrong = check_content_digest(&content_digest(b"other"), body).unwrap_err();
        assert!(wrong.0.contains("does not match"), "{wrong}");
    }

    fn at(seconds: i64) -> Reading {
        Reading::unmoved(DateTime::from_timestamp(seconds, 0).unwrap())
    }

    #[test]
    fn created_is_fresh_for_a_minute_either_way_on_either_clock() {
        let signature = |created| Signature {
            label: "sig".into(),
            components: Vec::new(),
            created,
            expires: None,
            keyid: None,
            alg: None,
            tag: None,
            params: String::new(),
            value: Vec::new(),
        };
        let now = 1_000_000;
        for created in [now, now - 60, now + 60] {
            check_created(&signature(Some(created)), at(now)).unwrap();
        }
        assert!(
            check_created(&signature(Some(now - 61)), at(now))
                .unwrap_err()
                .0
                .contains("61 s in the past")
        );
        assert!(
            check_created(&signature(Some(now + 61)), at(now))
                .unwrap_err()
                .0
                .contains("in the future")
        );
        assert!(check_created(&signature(None), at(now)).is_err());
        let moved = Reading {
            sandbox: DateTime::from_timestamp(now + 86_400, 0).unwrap(),
            real: DateTime::from_timestamp(now, 0).unwrap(),
        };
        check_created(&signature(Some(now)), moved).unwrap();
        check_created(&signature(Some(now + 86_400)), moved).unwrap();
    }

    #[test]
    fn a_signed_response_verifies_and_names_its_request() {
        let (key, _) = SigningKey::generate(Algorithm::ES256, "").unwrap();
        let mut request_headers = HeaderMap::new();
        request_headers.insert("authorization", HeaderValue::from_static("DPoP abc"));
        let request = Message {
            method: Some("GET"),
            target_uri: Some("http://127.0.0.1:1/accounts"),
            status: None,
            headers: &request_headers,
        };
        let body = b"{}";
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert(
            "content-digest",
            HeaderValue::from_str(&content_digest(body)).unwrap(),
        );
        let response = Message {
            method: None,
            target_uri: None,
            status: Some(200),
            headers: &headers,
        };
        let (input, signature) = sign_response(&key, &response, &request, 1_000).unwrap();
        assert_eq!(
            input,
            format!(
                "sig=(\"@status\" \"content-digest\" \"content-type\" \"@method\";req \
                 \"@target-uri\";req \"authorization\";req);created=1000;keyid=\"{}\";\
                 tag=\"fapi-2-response\"",
                key.kid
            )
        );
        let parsed = parse(&input, &signature).unwrap();
        let base = signature_base(
            &parsed[0].components,
            &parsed[0].params,
            &response,
            Some(&request),
        )
        .unwrap();
        assert!(base.contains("\"@target-uri\";req: http://127.0.0.1:1/accounts\n"));
        verify(&key.public, None, &base, &parsed[0].value).unwrap();
        assert_eq!(parsed[0].value.len(), 64, "ES256 is raw r || s");
    }
}
