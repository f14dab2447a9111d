//! Subjects: list them, read their versions, look a schema up, register a new version.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::error::{ConfluentError, Sr, SrParams, parse_schema_request};
use super::{
    ErrorMessage, RegisteredId, SCHEMA_REGISTRY_JSON, SCHEMA_TYPE, SchemaRequest, SubjectSchema,
};
use crate::registry::{Registry, SchemaVersion, VersionRef};

fn subject_schema(version: &SchemaVersion) -> SubjectSchema {
    SubjectSchema {
        subject: version.name.clone(),
        id: version.id,
        version: version.subject_version,
        schema_type: SCHEMA_TYPE.to_owned(),
        schema: version.compact(),
    }
}

/// List subjects.
#[utoipa::path(
    get,
    path = "/subjects",
    operation_id = "confluentListSubjects",
    tag = "confluent",
    responses(
        (status = 200, description = "Every subject: Sandbank's own schemas, then registered subjects.", body = Vec<String>, content_type = SCHEMA_REGISTRY_JSON),
        (status = 500, description = "Error code 50001: the backend data store failed.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
    )
)]
pub(super) async fn list_subjects(
    State(registry): State<Arc<Registry>>,
) -> Result<Sr<Vec<String>>, ConfluentError> {
    Ok(Sr(registry.subjects().await?))
}

/// List the versions of a subject.
#[utoipa::path(
    get,
    path = "/subjects/{subject}/versions",
    operation_id = "confluentListVersions",
    tag = "confluent",
    params(("subject" = String, Path, description = "Subject name.")),
    responses(
        (status = 200, description = "Version numbers, ascending.", body = Vec<u32>, content_type = SCHEMA_REGISTRY_JSON),
        (status = 404, description = "Error code 40401: subject not found.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 500, description = "Error code 50001: the backend data store failed.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
    )
)]
pub(super) async fn list_versions(
    State(registry): State<Arc<Registry>>,
    SrParams(subject): SrParams<String>,
) -> Result<Sr<Vec<u32>>, ConfluentError> {
    let versions = registry.versions(&subject).await?;
    Ok(Sr(versions.iter().map(|v| v.subject_version).collect()))
}

/// Get a version of a subject.
#[utoipa::path(
    get,
    path = "/subjects/{subject}/versions/{version}",
    operation_id = "confluentGetVersion",
    tag = "confluent",
    params(
        ("subject" = String, Path, description = "Subject name."),
        ("version" = String, Path, description = "A version number, `latest` or -1."),
    ),
    responses(
        (status = 200, description = "The schema with its subject, version and id.", body = SubjectSchema, content_type = SCHEMA_REGISTRY_JSON),
        (status = 404, description = "Error code 40401: subject not found; 40402: version not found.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 422, description = "Error code 42202: invalid version.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 500, description = "Error code 50001: the backend data store failed.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
    )
)]
pub(super) async fn get_version(
    State(registry): State<Arc<Registry>>,
    SrParams((subject, version)): SrParams<(String, String)>,
) -> Result<Sr<SubjectSchema>, ConfluentError> {
    let version = VersionRef::parse_subject_version(&version)?;
    let found = registry.subject_version(&subject, &version).await?;
    Ok(Sr(subject_schema(&found)))
}

/// Get only the schema of a version of a subject.
#[utoipa::path(
    get,
    path = "/subjects/{subject}/versions/{version}/schema",
    operation_id = "confluentGetVersionSchema",
    tag = "confluent",
    params(
        ("subject" = String, Path, description = "Subject name."),
        ("version" = String, Path, description = "A version number, `latest` or -1."),
    ),
    responses(
        (status = 200, description = "The JSON Schema itself (not wrapped in a string).", body = crate::http::native::JsonSchemaDocument, content_type = SCHEMA_REGISTRY_JSON),
        (status = 404, description = "Error code 40401: subject not found; 40402: version not found.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 422, description = "Error code 42202: invalid version.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 500, description = "Error code 50001: the backend data store failed.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
    )
)]
pub(super) async fn get_version_schema(
    State(registry): State<Arc<Registry>>,
    SrParams((subject, version)): SrParams<(String, String)>,
) -> Result<Response, ConfluentError> {
    let version = VersionRef::parse_subject_version(&version)?;
    let found = registry.subject_version(&subject, &version).await?;
    Ok(Sr(&*found.document).into_response())
}

/// Look up a schema under a subject.
#[utoipa::path(
    post,
    path = "/subjects/{subject}",
    operation_id = "confluentLookupSchema",
    tag = "confluent",
    params(("subject" = String, Path, description = "Subject name.")),
    request_body(content = SchemaRequest, description = "The schema to look for.", content_type = SCHEMA_REGISTRY_JSON),
    responses(
        (status = 200, description = "The version of the subject that has this schema.", body = SubjectSchema, content_type = SCHEMA_REGISTRY_JSON),
        (status = 400, description = "Error code 400: the body is not JSON or not a schema request.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 404, description = "Error code 40401: subject not found; 40403: schema not found under it.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 422, description = "Error code 42201: invalid schema or schema type.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 500, description = "Error code 50001: the backend data store failed.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
    )
)]
pub(super) async fn lookup(
    State(registry): State<Arc<Registry>>,
    SrParams(subject): SrParams<String>,
    body: Bytes,
) -> Result<Sr<SubjectSchema>, ConfluentError> {
    let schema = parse_schema_request(&body)?;
    let found = registry.lookup(&subject, &schema).await?;
    Ok(Sr(subject_schema(&found)))
}

/// Register a schema under a subject.
///
/// The schema must be compatible with the subject's earlier versions under its compatibility
/// level. Registering a schema the subject already has returns the same id. Sandbank's own
/// subjects are read-only.
#[utoipa::path(
    post,
    path = "/subjects/{subject}/versions",
    operation_id = "confluentRegisterSchema",
    tag = "confluent",
    params(("subject" = String, Path, description = "Subject name.")),
    request_body(content = SchemaRequest, description = "The schema to register.", content_type = SCHEMA_REGISTRY_JSON),
    responses(
        (status = 200, description = "The schema's id.", body = RegisteredId, content_type = SCHEMA_REGISTRY_JSON),
        (status = 400, description = "Error code 400: the body is not JSON or not a schema request.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 409, description = "Error code 409: incompatible with an earlier version.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 422, description = "Error code 42201: invalid schema or schema type; 42205: the subject is one of Sandbank's own and read-only.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 500, description = "Error code 50001: the backend data store failed.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
    )
)]
pub(super) async fn register(
    State(registry): State<Arc<Registry>>,
    SrParams(subject): SrParams<String>,
    body: Bytes,
) -> Result<Sr<RegisteredId>, ConfluentError> {
    let schema = parse_schema_request(&body)?;
    let id = registry.register(&subject, &schema).await?;
    Ok(Sr(RegisteredId { id }))
}
