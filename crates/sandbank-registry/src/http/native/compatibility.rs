//! Checking a candidate schema against the versions of a schema.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use sandbank_schemas::Problem;

use super::problem::{ApiError, JsonBody, Params};
use super::{CompatibilityRequest, PROBLEM_JSON};
use crate::http::json_body;
use crate::registry::{CompatibilityReport, Registry};

/// Check a candidate schema's compatibility.
///
/// Compares the candidate with the schema's versions under the mode (BACKWARD: the candidate
/// accepts everything the latest version accepted; FORWARD: the reverse; FULL: both; the
/// `_TRANSITIVE` modes compare with every version). Each incompatibility comes with a JSON
/// pointer and a reason.
#[utoipa::path(
    post,
    path = "/schemas/{name}/compatibility",
    operation_id = "checkCompatibility",
    tag = "schemas",
    params(("name" = String, Path, description = "Schema name, e.g. `account`.")),
    request_body(content = CompatibilityRequest, description = "The candidate schema and the mode.", content_type = "application/json"),
    responses(
        (status = 200, description = "The outcome: compatible or not, with every incompatibility.", body = CompatibilityReport),
        (status = 400, description = "The body is not JSON, or not `{schema, mode}`.", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No schema has that name.", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, description = "The body is not sent as `application/json`.", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "The candidate is not a valid JSON Schema.", body = Problem, content_type = PROBLEM_JSON),
        (status = 500, description = "The registry storage failed.", body = Problem, content_type = PROBLEM_JSON),
    )
)]
pub(super) async fn check(
    State(registry): State<Arc<Registry>>,
    Params(name): Params<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<CompatibilityReport>, ApiError> {
    let value = json_body(&body).map_err(ApiError::bad_request)?;
    let request: CompatibilityRequest = serde_json::from_value(value).map_err(|error| {
        ApiError::bad_request(format!("expected {{\"schema\", \"mode\"}}: {error}"))
    })?;
    Ok(Json(
        registry
            .check_compatibility(&name, &request.schema, request.mode)
            .await?,
    ))
}
