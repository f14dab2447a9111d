//! A Confluent Schema Registry–compatible API for JSON schemas (`schemaType: "JSON"`).
//!
//! Mounted under `/registry`, it lets Confluent's clients (and any other that speaks the same
//! REST API) list subjects, fetch schemas by subject version or id, look schemas up, register
//! new versions under a compatibility level, test compatibility and read or set levels.
//!
//! Sandbank's own schemas are subjects too, one per schema name (`account`, `transaction`...),
//! versions numbered 1, 2... in semantic-version order. They are read-only: registering into one
//! returns the id of an identical existing version, and is refused with error code 42205
//! otherwise. Responses use `application/vnd.schemaregistry.v1+json`; errors are
//! `{"error_code", "message"}` with Confluent's codes.

mod compatibility;
mod config;
mod error;
mod extract;
mod schemas;
mod subjects;

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::{ConfluentError, codes};
pub use extract::BODY_MEDIA_TYPES;

use crate::Registry;
use crate::compat::CompatibilityMode;
use crate::openapi::{ComponentConflict, Components};

/// The media type of every response.
pub const SCHEMA_REGISTRY_JSON: &str = "application/vnd.schemaregistry.v1+json";

/// The only schema type this registry serves.
pub const SCHEMA_TYPE: &str = "JSON";

/// A schema to register or look up. Other members (`metadata`, `ruleSet`...) are ignored.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchemaRequest {
    /// The JSON Schema, as a string holding a JSON object or boolean (error 42201 otherwise).
    pub schema: String,
    /// `JSON`, or absent or null (then `JSON` is assumed); any other type is error 42201.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema_type_schema")]
    pub schema_type: Option<String>,
    /// Schema references; none are supported, so this must be empty, null or absent (error
    /// 42201 otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 0))]
    pub references: Option<Vec<serde_json::Value>>,
}

/// `schemaType`: `JSON` or null.
fn schema_type_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": ["string", "null"], "enum": [SCHEMA_TYPE, null] })
}

/// The `{subject}` path parameter ([`crate::subject`]).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SubjectParam {
    /// Subject name: 1 to 255 characters, none of them a control character (error 42208
    /// otherwise).
    #[param(
        min_length = 1,
        max_length = 255,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$"
    )]
    pub subject: String,
}

/// The `{version}` path parameter of a subject.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct VersionParam {
    /// A version number (decimal digits), `latest` (any case) or `-1` (also the latest); error
    /// 42202 otherwise.
    #[param(pattern = "^(?:[Ll][Aa][Tt][Ee][Ss][Tt]|-1|0*[1-9][0-9]*)$")]
    pub version: String,
}

/// The id of a registered schema.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct RegisteredId {
    /// Global schema id.
    pub id: u32,
}

/// A schema under a subject.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubjectSchema {
    /// Subject name.
    pub subject: String,
    /// Global schema id.
    pub id: u32,
    /// Version within the subject, from 1.
    pub version: u32,
    /// Always `JSON`.
    pub schema_type: String,
    /// The JSON Schema, as a string.
    pub schema: String,
}

/// A schema by id.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchemaString {
    /// The JSON Schema, as a string.
    pub schema: String,
    /// Always `JSON`.
    pub schema_type: String,
}

/// The outcome of a compatibility test.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct CompatibilityResult {
    /// Whether the schema is compatible.
    pub is_compatible: bool,
    /// The reasons, when asked for with `?verbose=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<String>>,
}

/// A compatibility level, as `GET /config` reports it.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigLevel {
    /// The level.
    pub compatibility_level: CompatibilityMode,
}

/// A compatibility level, as `PUT /config` takes and returns it.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ConfigUpdate {
    /// The level.
    pub compatibility: CompatibilityMode,
}

/// An error, Confluent style.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ErrorMessage {
    /// Confluent error code, e.g. 40401 (subject not found) or 42201 (invalid schema).
    pub error_code: u32,
    /// What went wrong, for a person.
    pub message: String,
}

sandbank_schemas::openapi_component!(
    SchemaRequest => "ConfluentSchemaRequest",
    RegisteredId => "ConfluentRegisteredId",
    SubjectSchema => "ConfluentSubjectSchema",
    SchemaString => "ConfluentSchemaString",
    CompatibilityResult => "ConfluentCompatibilityResult",
    ConfigLevel => "ConfluentConfigLevel",
    ConfigUpdate => "ConfluentConfigUpdate",
    ErrorMessage => "ConfluentErrorMessage",
);

pub(super) fn router() -> OpenApiRouter<Arc<Registry>> {
    OpenApiRouter::new()
        .routes(routes!(subjects::list_subjects))
        .routes(routes!(subjects::list_versions))
        .routes(routes!(subjects::get_version))
        .routes(routes!(subjects::get_version_schema))
        .routes(routes!(subjects::lookup))
        .routes(routes!(subjects::register))
        .routes(routes!(schemas::get_by_id))
        .routes(routes!(compatibility::test_compatibility))
        .routes(routes!(config::get_global, config::put_global))
        .routes(routes!(config::get_subject, config::put_subject))
}

pub(super) fn add_components(components: &mut Components) -> Result<(), ComponentConflict> {
    components.add_type::<SchemaRequest>("ConfluentSchemaRequest")?;
    components.add_type::<RegisteredId>("ConfluentRegisteredId")?;
    components.add_type::<SubjectSchema>("ConfluentSubjectSchema")?;
    components.add_type::<SchemaString>("ConfluentSchemaString")?;
    components.add_type::<CompatibilityResult>("ConfluentCompatibilityResult")?;
    components.add_type::<ConfigLevel>("ConfluentConfigLevel")?;
    components.add_type::<ConfigUpdate>("ConfluentConfigUpdate")?;
    components.add_type::<ErrorMessage>("ConfluentErrorMessage")?;
    Ok(())
}
