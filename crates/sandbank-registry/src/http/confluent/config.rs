//! Compatibility levels, global and per subject.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::Value;

use super::error::{ConfluentError, Sr, codes, parse_body};
use super::extract::{SrBody, SrQuery, Subject};
use super::{ConfigLevel, ConfigUpdate, ErrorMessage, SCHEMA_REGISTRY_JSON, SubjectParam};
use crate::compat::CompatibilityMode;
use crate::registry::Registry;

/// Reads `{"compatibility": LEVEL}`; an unknown level is error 42203.
fn parse_level(body: &[u8]) -> Result<CompatibilityMode, ConfluentError> {
    let value: Value = parse_body(body)?;
    let level = value
        .get("compatibility")
        .or_else(|| value.get("compatibilityLevel"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ConfluentError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::INVALID_COMPATIBILITY_LEVEL,
                "Invalid compatibility level: expected {\"compatibility\": LEVEL}",
            )
        })?;
    level.parse().map_err(|error: crate::compat::UnknownMode| {
        ConfluentError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::INVALID_COMPATIBILITY_LEVEL,
            format!("Invalid compatibility level: {error}"),
        )
    })
}

/// Get the global compatibility level.
#[utoipa::path(
    get,
    path = "/config",
    operation_id = "confluentGetGlobalConfig",
    tag = "confluent",
    responses(
        (status = 200, description = "The global level (BACKWARD unless set).", body = ConfigLevel, content_type = SCHEMA_REGISTRY_JSON),
        (status = 500, description = "Error code 50001: the backend data store failed.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
    )
)]
pub(super) async fn get_global(
    State(registry): State<Arc<Registry>>,
) -> Result<Sr<ConfigLevel>, ConfluentError> {
    Ok(Sr(ConfigLevel {
        compatibility_level: registry.config(None, true).await?,
    }))
}

/// Set the global compatibility level.
#[utoipa::path(
    put,
    path = "/config",
    operation_id = "confluentPutGlobalConfig",
    tag = "confluent",
    request_body(description = "The new level.", content(
        (ConfigUpdate = "application/vnd.schemaregistry.v1+json"),
        (ConfigUpdate = "application/vnd.schemaregistry+json"),
        (ConfigUpdate = "application/json"),
    )),
    responses(
        (status = 200, description = "The level now in force.", body = ConfigUpdate, content_type = SCHEMA_REGISTRY_JSON),
        (status = 400, description = "Error code 400: the body is not JSON.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 415, description = "Error code 415: the body is not sent as JSON.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 422, description = "Error code 42203: invalid compatibility level.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 500, description = "Error code 50001: the backend data store failed.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
    )
)]
pub(super) async fn put_global(
    State(registry): State<Arc<Registry>>,
    SrBody(body): SrBody,
) -> Result<Sr<ConfigUpdate>, ConfluentError> {
    let compatibility = parse_level(&body)?;
    registry.set_config(None, compatibility).await?;
    Ok(Sr(ConfigUpdate { compatibility }))
}

/// Get a subject's compatibility level.
#[utoipa::path(
    get,
    path = "/config/{subject}",
    operation_id = "confluentGetSubjectConfig",
    tag = "confluent",
    params(
        SubjectParam,
        ("defaultToGlobal" = Option<bool>, Query, description = "Answer the global level when the subject has none of its own."),
    ),
    responses(
        (status = 200, description = "The subject's level.", body = ConfigLevel, content_type = SCHEMA_REGISTRY_JSON),
        (status = 400, description = "Error code 400: a malformed query parameter.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 404, description = "Error code 40408: the subject has no level of its own.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 422, description = "Error code 42208: invalid subject name.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 500, description = "Error code 50001: the backend data store failed.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
    )
)]
pub(super) async fn get_subject(
    State(registry): State<Arc<Registry>>,
    Subject(subject): Subject,
    query: SrQuery,
) -> Result<Sr<ConfigLevel>, ConfluentError> {
    let default_to_global = query.flag("defaultToGlobal")?;
    Ok(Sr(ConfigLevel {
        compatibility_level: registry
            .config(Some(subject.as_str()), default_to_global)
            .await?,
    }))
}

/// Set a subject's compatibility level.
#[utoipa::path(
    put,
    path = "/config/{subject}",
    operation_id = "confluentPutSubjectConfig",
    tag = "confluent",
    params(SubjectParam),
    request_body(description = "The new level.", content(
        (ConfigUpdate = "application/vnd.schemaregistry.v1+json"),
        (ConfigUpdate = "application/vnd.schemaregistry+json"),
        (ConfigUpdate = "application/json"),
    )),
    responses(
        (status = 200, description = "The level now in force for the subject.", body = ConfigUpdate, content_type = SCHEMA_REGISTRY_JSON),
        (status = 400, description = "Error code 400: the body is not JSON.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 415, description = "Error code 415: the body is not sent as JSON.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 422, description = "Error code 42203: invalid compatibility level; 42208: invalid subject name.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
        (status = 500, description = "Error code 50001: the backend data store failed.", body = ErrorMessage, content_type = SCHEMA_REGISTRY_JSON),
    )
)]
pub(super) async fn put_subject(
    State(registry): State<Arc<Registry>>,
    Subject(subject): Subject,
    SrBody(body): SrBody,
) -> Result<Sr<ConfigUpdate>, ConfluentError> {
    let compatibility = parse_level(&body)?;
    registry
        .set_config(Some(subject.as_str()), compatibility)
        .await?;
    Ok(Sr(ConfigUpdate { compatibility }))
}
