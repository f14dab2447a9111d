//! The authorization server in OpenAPI: the bodies its endpoints' `#[utoipa::path]`
//! annotations name ([`forms`], [`bodies`]), the responses they share ([`responses`]), the
//! request headers ([`DpopHeader`]) and the security schemes ([`security`]).
//!
//! The routes themselves are documented where they are handled (`crate::routes`), and
//! [`crate::routes::openapi_router`] assembles them, so an endpoint cannot exist undocumented.

pub mod bodies;
pub mod forms;
pub mod responses;
pub mod security;

use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{OpenApi, RefOr, Required};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use crate::error::OAuthErrorBody;

/// The media type of form bodies.
pub const FORM: &str = "application/x-www-form-urlencoded";
/// The media type of the login, consent and error pages.
pub const HTML: &str = "text/html";

/// The `DPoP` request header (RFC 9449), optional: only described, never parsed from here.
#[derive(Debug, Clone)]
pub struct DpopHeader;

impl IntoParams for DpopHeader {
    fn into_params(parameter_in: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![header_parameter(
            "DPoP",
            parameter_in,
            "A DPoP proof: a JWT (`typ: dpop+jwt`, PS256, ES256 or EdDSA, the public key in \
             `jwk`) with `htm` and `htu` naming this request, `iat`, a `jti` used once and, with \
             an access token, `ath` (its SHA-256). Required with `Authorization: DPoP`; at \
             `/token` and `/par` it binds what is issued to its key. Anything but a compact JWS \
             (three base64url parts) is refused as malformed.",
            pattern_schema(crate::jose::COMPACT_JWS_PATTERN, None),
        )]
    }
}

/// An optional request header with its schema.
pub fn header_parameter(
    name: &str,
    parameter_in: impl Fn() -> Option<ParameterIn>,
    description: &str,
    schema: Schema,
) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(parameter_in().unwrap_or(ParameterIn::Header))
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// A string schema with the pattern the server checks (and a format, where one says the same).
pub fn pattern_schema(pattern: &str, format: Option<&str>) -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .format(format.map(|format| SchemaFormat::Custom(format.into())))
        .into()
}

/// The form bodies whose other parameters the handler ignores (RFC 6749 §3.1: "the
/// authorization server MUST ignore unrecognized request parameters"), so long as each is
/// sent once, like every parameter (§3.2: "parameters MUST NOT be included more than once").
const EXTENSIBLE_FORMS: [&str; 6] = [
    "PushedAuthorizationRequest",
    "SignedPushedAuthorizationRequest",
    "BackchannelAuthenticationRequest",
    "SignedBackchannelAuthenticationRequest",
    "TokenRequest",
    "TokenQuestion",
];

/// Adds what the authorization server's operations refer to but no body names: the security
/// schemes and the [`OAuthErrorBody`] component that shared responses point at. Declares, on
/// the extensible forms, that a parameter they do not name is a single string: a form value
/// sent twice is a list, which the server refuses as a repeated parameter.
pub fn add_components(openapi: &mut OpenApi) {
    let components = openapi.components.get_or_insert_with(Default::default);
    for (name, scheme) in security::schemes() {
        components
            .security_schemes
            .insert(name.to_owned(), utoipa::openapi::RefOr::T(scheme));
    }
    components.schemas.insert(
        OAuthErrorBody::name().into_owned(),
        OAuthErrorBody::schema(),
    );
    for name in EXTENSIBLE_FORMS {
        let Some(RefOr::T(Schema::AllOf(form))) = components.schemas.get_mut(name) else {
            continue;
        };
        for part in &mut form.items {
            if let RefOr::T(Schema::Object(object)) = part {
                let single = ObjectBuilder::new().schema_type(Type::String).into();
                object.additional_properties =
                    Some(Box::new(AdditionalProperties::RefOr(RefOr::T(single))));
            }
        }
    }
}
