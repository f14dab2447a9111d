//! Testing a schema against a version of a subject.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};

use super::error::{ConfluentError, Sr, SrParams, parse_schema_request};
use super::{CompatibilityResult, ErrorMessage, SCHEMA_REGISTRY_JSON, SchemaRequest};
use crate::registry::{Registry, VersionRef};

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
        ("subject" = String, Path, description = "Subject name."),
        ("version" = String, Path, description = "A version number, `latest` or -1."),
        ("verbose" = Option<bool>, Query, description = "Include the reasons in `messages`."),
    ),
    request_body(content = SchemaRequest, description = "The schema to test.", content_type = SCHEMA_REGISTRY_JSON),
    responses(
        (status = 200, description = "Whether the schema is compatible.", body = CompatibilityResult, content_type = SCHEMA_REGISTRY_JSON),
        (status = 400, description = "Error code 400: the body is not JSON or not a schema request.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 404, description = "Error code 40401: subject not found; 40402: version not found.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 422, description = "Error code 42201: invalid schema; 42202: invalid version.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 500, description = "Error code 50001: the backend data store failed.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
    )
)]
pub(super) async fn test_compatibility(
    State(registry): State<Arc<Registry>>,
    SrParams((subject, version)): SrParams<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Sr<CompatibilityResult>, ConfluentError> {
    let version = VersionRef::parse_subject_version(&version)?;
    let schema = parse_schema_request(&body)?;
    let report = registry
        .test_compatibility(&subject, &version, &schema)
        .await?;
    let verbose = query
        .get("verbose")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    Ok(Sr(CompatibilityResult {
        is_compatible: report.compatible,
        messages: verbose.then_some(report.messages),
    }))
}
