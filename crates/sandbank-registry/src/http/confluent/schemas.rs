//! Schemas by global id.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;

use super::error::{ConfluentError, Sr, SrParams, codes};
use super::extract::{SrQuery, subject_name};
use super::{ErrorMessage, SCHEMA_REGISTRY_JSON, SCHEMA_TYPE, SchemaString};
use crate::registry::Registry;

/// Get a schema by id.
#[utoipa::path(
    get,
    path = "/schemas/ids/{id}",
    operation_id = "confluentGetSchemaById",
    tag = "confluent",
    params(
        ("id" = u32, Path, description = "Global schema id."),
        ("subject" = Option<String>, Query, min_length = 1, max_length = 255, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$", description = "The subject the client found the id under: checked as a subject name (error 42208), otherwise no effect (ids are global)."),
        ("fetchMaxId" = Option<bool>, Query, description = "Accepted; changes nothing."),
    ),
    responses(
        (status = 200, description = "The schema.", body = SchemaString, content_type = SCHEMA_REGISTRY_JSON),
        (status = 400, description = "Error code 400: a malformed query parameter.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 404, description = "Error code 40403: schema not found.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 422, description = "Error code 42208: invalid subject name.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 500, description = "Error code 50001: the backend data store failed.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
    )
)]
pub(super) async fn get_by_id(
    State(registry): State<Arc<Registry>>,
    SrParams(id): SrParams<String>,
    query: SrQuery,
) -> Result<Sr<SchemaString>, ConfluentError> {
    if let Some(subject) = query.get("subject")? {
        subject_name(subject.to_owned())?;
    }
    query.flags(&["fetchMaxId"])?;
    let id: u32 = id.parse().map_err(|_| {
        ConfluentError::new(
            StatusCode::NOT_FOUND,
            codes::SCHEMA_NOT_FOUND,
            format!("schema {id} not found"),
        )
    })?;
    Ok(Sr(SchemaString {
        schema: registry.by_id(id).await?,
        schema_type: SCHEMA_TYPE.to_owned(),
    }))
}
