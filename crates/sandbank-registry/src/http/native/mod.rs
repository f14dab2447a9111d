//! Sandbank's own registry API: `/schemas`, `/schemas/{name}`, `/schemas/{name}/{version}`,
//! validation and compatibility. Errors are `application/problem+json`.

mod compatibility;
mod problem;
mod read;
mod validate;

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use problem::ApiError;

use crate::Registry;
use crate::compat::CompatibilityMode;
use crate::openapi::{ComponentConflict, Components};
use crate::registry::{CompatibilityReport, SchemaSummary, ValidationReport, VersionSummary};

/// The media type of a JSON Schema document.
pub const SCHEMA_JSON: &str = "application/schema+json";
/// The media type of request bodies.
pub const JSON: &str = "application/json";
/// The media type of RFC 9457 problems.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// `GET /schemas`: every schema.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SchemaList {
    /// Sandbank's own schemas in catalogue order, then schemas registered at run time.
    pub schemas: Vec<SchemaSummary>,
}

/// `GET /schemas/{name}`: the versions of one schema.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SchemaVersions {
    /// Schema or subject name.
    pub name: String,
    /// Every version, oldest first.
    pub versions: Vec<VersionSummary>,
}

/// A JSON Schema 2020-12 document.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct JsonSchemaDocument(pub serde_json::Value);

/// Any JSON value to validate.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Instance(pub serde_json::Value);

/// `POST /schemas/{name}/compatibility`: a candidate schema and the mode to check it under.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompatibilityRequest {
    /// The candidate JSON Schema: an object or a boolean (422 otherwise).
    #[schemars(schema_with = "json_schema_schema")]
    pub schema: serde_json::Value,
    /// The mode; the subject's configured level (BACKWARD by default) when absent.
    #[serde(default)]
    pub mode: Option<CompatibilityMode>,
}

/// A JSON Schema document: an object or a boolean.
fn json_schema_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": ["object", "boolean"] })
}

sandbank_schemas::openapi_component!(
    SchemaList => "SchemaList",
    SchemaVersions => "SchemaVersions",
    JsonSchemaDocument => "JsonSchemaDocument",
    Instance => "Instance",
    CompatibilityRequest => "CompatibilityRequest",
    ValidationReport => "ValidationReport",
    CompatibilityReport => "CompatibilityReport",
);

pub(super) fn router() -> OpenApiRouter<Arc<Registry>> {
    OpenApiRouter::new()
        .routes(routes!(read::list_schemas))
        .routes(routes!(read::list_versions))
        .routes(routes!(read::get_document))
        .routes(routes!(validate::validate))
        .routes(routes!(compatibility::check))
}

pub(super) fn add_components(components: &mut Components) -> Result<(), ComponentConflict> {
    components.add_type::<SchemaList>("SchemaList")?;
    components.add_type::<SchemaVersions>("SchemaVersions")?;
    components.add_type::<JsonSchemaDocument>("JsonSchemaDocument")?;
    components.add_type::<Instance>("Instance")?;
    components.add_type::<CompatibilityRequest>("CompatibilityRequest")?;
    components.add_type::<ValidationReport>("ValidationReport")?;
    components.add_type::<CompatibilityReport>("CompatibilityReport")?;
    Ok(())
}
