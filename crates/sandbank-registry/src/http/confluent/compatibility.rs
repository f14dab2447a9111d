//! Testing a schema against a version of a subject.

use std::sync::Arc;

use axum::extract::State;

use super::error::{ConfluentError, Sr, parse_schema_request};
use super::extract::{SrBody, SrQuery, Subject, Version};
use super::{
    CompatibilityResult, ErrorMessage, SCHEMA_REGISTRY_JSON, SchemaRequest, SubjectParam,
    VersionParam,
};
use crate::registry::Registry;

/// Test a schema's compatibility with a version of a subject.
///
/// Uses the subject's compatibility level. Against `latest`, transitive levels compare with
/// every version. A subject with no versions is compatible with anything.
#[utoipa::path(
    post,
    path = "/compatibility/subjects/{subject}/versions/{version}",
    operation_id = "confluentTestCompatibility",
    tag = "confluent",
    params(
        SubjectParam,
        VersionParam,
        ("verbose" = Option<bool>, Query, description = "Include the reasons in `messages`."),
        ("normalize" = Option<bool>, Query, description = "Accepted; schemas are always compared in canonical form."),
    ),
    request_body(description = "The schema to test.", content(
        (SchemaRequest = "application/vnd.schemaregistry.v1+json"),
        (SchemaRequest = "application/vnd.schemaregistry+json"),
        (SchemaRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "Whether the schema is compatible.", body = CompatibilityResult, content_type = SCHEMA_REGISTRY_JSON),
        (status = 400, description = "Error code 400: the body is not JSON or not a schema request, or a malformed query parameter.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 404, description = "Error code 40401: subject not found; 40402: version not found.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 415, description = "Error code 415: the body is not sent as JSON.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 422, description = "Error code 42201: invalid schema; 42202: invalid version; 42208: invalid subject name.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 500, description = "Error code 50001: the backend data store failed.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
    )
)]
pub(super) async fn test_compatibility(
    State(registry): State<Arc<Registry>>,
    Subject(subject): Subject,
    Version(version): Version,
    query: SrQuery,
    SrBody(body): SrBody,
) -> Result<Sr<CompatibilityResult>, ConfluentError> {
    let verbose = query.flag("verbose")?;
    query.flags(&["normalize"])?;
    let schema = parse_schema_request(&body).await?;
    let report = registry
        .test_compatibility(subject.as_str(), &version, &schema)
        .await?;
    Ok(Sr(CompatibilityResult {
        is_compatible: report.compatible,
        messages: verbose.then_some(report.messages),
    }))
}
