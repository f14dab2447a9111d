//! Validating an instance against a schema version.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use sandbank_schemas::Problem;

use super::problem::{ApiError, JsonBody, Params};
use super::{Instance, PROBLEM_JSON};
use crate::http::json_body;
use crate::registry::{Registry, ValidationReport, VersionRef};

/// Validate an instance.
///
/// Answers 200 whether or not the instance is valid; `valid` says which, and `errors` lists
/// every error with its instance path, schema path, keyword and message.
#[utoipa::path(
    post,
    path = "/schemas/{name}/{version}/validate",
    operation_id = "validateInstance",
    tag = "schemas",
    params(
        ("name" = String, Path, description = "Schema name, e.g. `transaction`."),
        ("version" = String, Path, description = "A version such as `1.0.0`, or `latest`."),
    ),
    request_body(content = Instance, description = "Any JSON document.", content_type = "application/json"),
    responses(
        (status = 200, description = "The outcome: valid or not, with every error.", body = ValidationReport),
        (status = 400, description = "The body is not JSON.", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such schema or version.", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, description = "The body is not sent as `application/json`.", body = Problem, content_type = PROBLEM_JSON),
        (status = 500, description = "The registry storage failed.", body = Problem, content_type = PROBLEM_JSON),
    )
)]
pub(super) async fn validate(
    State(registry): State<Arc<Registry>>,
    Params((name, version)): Params<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Json<ValidationReport>, ApiError> {
    let instance = json_body(&body).map_err(ApiError::bad_request)?;
    Ok(Json(
        registry
            .validate(&name, &VersionRef::parse(&version), instance)
            .await?,
    ))
}
