//! Subjects: list them, read their versions, look a schema up, register a new version.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::error::{ConfluentError, Sr, parse_schema_request};
use super::extract::{SrBody, SrQuery, Subject, Version};
use super::{
    ErrorMessage, RegisteredId, SCHEMA_REGISTRY_JSON, SCHEMA_TYPE, SchemaRequest, SubjectParam,
    SubjectSchema, VersionParam,
};
use crate::registry::{Registry, SchemaVersion};

/// `items` after `offset`, at most `limit` of them (-1: all).
fn page<T>(items: Vec<T>, query: &SrQuery) -> Result<Vec<T>, ConfluentError> {
    let offset = query.integer("offset", 0)?.unwrap_or(0);
    let limit = query.integer("limit", -1)?.unwrap_or(-1);
    let offset = usize::try_from(offset).unwrap_or(usize::MAX);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    Ok(items.into_iter().skip(offset).take(limit).collect())
}

/// Whether the client asked only for deleted entries (`deleted_only=true`): Sandbank deletes
/// nothing, so there are none. `deleted` (include deleted ones) is checked and changes nothing.
fn deleted_only(query: &SrQuery) -> Result<bool, ConfluentError> {
    query.flag("deleted")?;
    query.flag("deleted_only")
}

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
    params(
        ("subjectPrefix" = Option<String>, Query, description = "Only subjects whose name starts with this."),
        ("deleted" = Option<bool>, Query, description = "Include deleted subjects (Sandbank deletes none)."),
        ("deleted_only" = Option<bool>, Query, description = "Only deleted subjects: none."),
        ("offset" = Option<i64>, Query, minimum = 0, description = "Skip this many subjects."),
        ("limit" = Option<i64>, Query, minimum = -1, description = "At most this many subjects; -1 (the default) for all."),
    ),
    responses(
        (status = 200, description = "Every subject: Sandbank's own schemas, then registered subjects.", body = Vec<String>, content_type = SCHEMA_REGISTRY_JSON),
        (status = 400, description = "Error code 400: a malformed query parameter.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 500, description = "Error code 50001: the backend data store failed.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
    )
)]
pub(super) async fn list_subjects(
    State(registry): State<Arc<Registry>>,
    query: SrQuery,
) -> Result<Sr<Vec<String>>, ConfluentError> {
    let prefix = query.get("subjectPrefix")?.unwrap_or("").to_owned();
    if deleted_only(&query)? {
        return Ok(Sr(Vec::new()));
    }
    let mut subjects = registry.subjects().await?;
    subjects.retain(|subject| subject.starts_with(&prefix));
    Ok(Sr(page(subjects, &query)?))
}

/// List the versions of a subject.
#[utoipa::path(
    get,
    path = "/subjects/{subject}/versions",
    operation_id = "confluentListVersions",
    tag = "confluent",
    params(
        SubjectParam,
        ("deleted" = Option<bool>, Query, description = "Include deleted versions (Sandbank deletes none)."),
        ("deleted_only" = Option<bool>, Query, description = "Only deleted versions: none."),
        ("offset" = Option<i64>, Query, minimum = 0, description = "Skip this many versions."),
        ("limit" = Option<i64>, Query, minimum = -1, description = "At most this many versions; -1 (the default) for all."),
    ),
    responses(
        (status = 200, description = "Version numbers, ascending.", body = Vec<u32>, content_type = SCHEMA_REGISTRY_JSON),
        (status = 400, description = "Error code 400: a malformed query parameter.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 404, description = "Error code 40401: subject not found.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 422, description = "Error code 42208: invalid subject name.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 500, description = "Error code 50001: the backend data store failed.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
    )
)]
pub(super) async fn list_versions(
    State(registry): State<Arc<Registry>>,
    Subject(subject): Subject,
    query: SrQuery,
) -> Result<Sr<Vec<u32>>, ConfluentError> {
    let only_deleted = deleted_only(&query)?;
    let versions = registry.versions(subject.as_str()).await?;
    if only_deleted {
        return Ok(Sr(Vec::new()));
    }
    let numbers = versions.iter().map(|v| v.subject_version).collect();
    Ok(Sr(page(numbers, &query)?))
}

/// Get a version of a subject.
#[utoipa::path(
    get,
    path = "/subjects/{subject}/versions/{version}",
    operation_id = "confluentGetVersion",
    tag = "confluent",
    params(
        SubjectParam,
        VersionParam,
        ("deleted" = Option<bool>, Query, description = "Also find a deleted version (Sandbank deletes none)."),
    ),
    responses(
        (status = 200, description = "The schema with its subject, version and id.", body = SubjectSchema, content_type = SCHEMA_REGISTRY_JSON),
        (status = 404, description = "Error code 40401: subject not found; 40402: version not found.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 400, description = "Error code 400: a malformed query parameter.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 422, description = "Error code 42202: invalid version; 42208: invalid subject name.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 500, description = "Error code 50001: the backend data store failed.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
    )
)]
pub(super) async fn get_version(
    State(registry): State<Arc<Registry>>,
    Subject(subject): Subject,
    Version(version): Version,
    query: SrQuery,
) -> Result<Sr<SubjectSchema>, ConfluentError> {
    query.flags(&["deleted"])?;
    let found = registry.subject_version(subject.as_str(), &version).await?;
    Ok(Sr(subject_schema(&found)))
}

/// Get only the schema of a version of a subject.
#[utoipa::path(
    get,
    path = "/subjects/{subject}/versions/{version}/schema",
    operation_id = "confluentGetVersionSchema",
    tag = "confluent",
    params(
        SubjectParam,
        VersionParam,
        ("deleted" = Option<bool>, Query, description = "Also find a deleted version (Sandbank deletes none)."),
    ),
    responses(
        (status = 200, description = "The JSON Schema itself (not wrapped in a string).", body = crate::http::native::JsonSchemaDocument, content_type = SCHEMA_REGISTRY_JSON),
        (status = 404, description = "Error code 40401: subject not found; 40402: version not found.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 400, description = "Error code 400: a malformed query parameter.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 422, description = "Error code 42202: invalid version; 42208: invalid subject name.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 500, description = "Error code 50001: the backend data store failed.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
    )
)]
pub(super) async fn get_version_schema(
    State(registry): State<Arc<Registry>>,
    Subject(subject): Subject,
    Version(version): Version,
    query: SrQuery,
) -> Result<Response, ConfluentError> {
    query.flags(&["deleted"])?;
    let found = registry.subject_version(subject.as_str(), &version).await?;
    Ok(Sr(&*found.document).into_response())
}

/// Look up a schema under a subject.
#[utoipa::path(
    post,
    path = "/subjects/{subject}",
    operation_id = "confluentLookupSchema",
    tag = "confluent",
    params(
        SubjectParam,
        ("normalize" = Option<bool>, Query, description = "Accepted; schemas are always compared in canonical form."),
        ("deleted" = Option<bool>, Query, description = "Also find a deleted version (Sandbank deletes none)."),
    ),
    request_body(description = "The schema to look for.", content(
        (SchemaRequest = "application/vnd.schemaregistry.v1+json"),
        (SchemaRequest = "application/vnd.schemaregistry+json"),
        (SchemaRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "The version of the subject that has this schema.", body = SubjectSchema, content_type = SCHEMA_REGISTRY_JSON),
        (status = 400, description = "Error code 400: the body is not JSON or not a schema request, or a malformed query parameter.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 404, description = "Error code 40401: subject not found; 40403: schema not found under it.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 415, description = "Error code 415: the body is not sent as JSON.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 422, description = "Error code 42201: invalid schema or schema type; 42208: invalid subject name.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 500, description = "Error code 50001: the backend data store failed.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
    )
)]
pub(super) async fn lookup(
    State(registry): State<Arc<Registry>>,
    Subject(subject): Subject,
    query: SrQuery,
    SrBody(body): SrBody,
) -> Result<Sr<SubjectSchema>, ConfluentError> {
    query.flags(&["normalize", "deleted"])?;
    let schema = parse_schema_request(&body).await?;
    let found = registry.lookup(subject.as_str(), &schema).await?;
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
    params(
        SubjectParam,
        ("normalize" = Option<bool>, Query, description = "Accepted; schemas are always compared in canonical form."),
    ),
    request_body(description = "The schema to register.", content(
        (SchemaRequest = "application/vnd.schemaregistry.v1+json"),
        (SchemaRequest = "application/vnd.schemaregistry+json"),
        (SchemaRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "The schema's id.", body = RegisteredId, content_type = SCHEMA_REGISTRY_JSON),
        (status = 400, description = "Error code 400: the body is not JSON or not a schema request, or a malformed query parameter.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 409, description = "Error code 409: incompatible with an earlier version.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 415, description = "Error code 415: the body is not sent as JSON.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 422, description = "Error code 42201: invalid schema or schema type; 42205: the subject is one of Sandbank's own and read-only; 42208: invalid subject name.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 500, description = "Error code 50001: the backend data store failed.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
    )
)]
pub(super) async fn register(
    State(registry): State<Arc<Registry>>,
    Subject(subject): Subject,
    query: SrQuery,
    SrBody(body): SrBody,
) -> Result<Sr<RegisteredId>, ConfluentError> {
    query.flags(&["normalize"])?;
    let schema = parse_schema_request(&body).await?;
    let id = registry.register(subject.as_str(), &schema).await?;
    Ok(Sr(RegisteredId { id }))
}
