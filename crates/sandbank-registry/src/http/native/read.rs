//! Reading the catalogue: every schema, the versions of one, and a document.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sandbank_schemas::Problem;

use super::problem::{ApiError, Params};
use super::{JsonSchemaDocument, PROBLEM_JSON, SCHEMA_JSON, SchemaList, SchemaVersions};
use crate::registry::{Registry, VersionRef};

/// How long clients may cache a document asked for by exact version, in seconds.
pub const EXACT_MAX_AGE: u32 = 3600;
/// How long clients may cache `latest`, in seconds.
pub const LATEST_MAX_AGE: u32 = 60;

/// List every schema.
#[utoipa::path(
    get,
    path = "/schemas",
    operation_id = "listSchemas",
    tag = "schemas",
    responses(
        (status = 200, description = "Every schema with its versions: Sandbank's own, then those registered at run time.", body = SchemaList),
        (status = 500, description = "The registry storage failed.", body = Problem, content_type = PROBLEM_JSON),
    )
)]
pub(super) async fn list_schemas(
    State(registry): State<Arc<Registry>>,
) -> Result<Json<SchemaList>, ApiError> {
    Ok(Json(SchemaList {
        schemas: registry.summaries().await?,
    }))
}

/// List the versions of a schema.
#[utoipa::path(
    get,
    path = "/schemas/{name}",
    operation_id = "listSchemaVersions",
    tag = "schemas",
    params(("name" = String, Path, description = "Schema name, e.g. `account`, or a registered subject.")),
    responses(
        (status = 200, description = "The versions, oldest first.", body = SchemaVersions),
        (status = 404, description = "No schema has that name.", body = Problem, content_type = PROBLEM_JSON),
        (status = 500, description = "The registry storage failed.", body = Problem, content_type = PROBLEM_JSON),
    )
)]
pub(super) async fn list_versions(
    State(registry): State<Arc<Registry>>,
    Params(name): Params<String>,
) -> Result<Json<SchemaVersions>, ApiError> {
    let versions = registry.version_summaries(&name).await?;
    Ok(Json(SchemaVersions { name, versions }))
}

/// Get a schema document.
///
/// The body is the JSON Schema exactly as committed in `schemas/`. Responses carry a strong
/// `ETag`; send it back in `If-None-Match` to get `304 Not Modified`.
#[utoipa::path(
    get,
    path = "/schemas/{name}/{version}",
    operation_id = "getSchemaDocument",
    tag = "schemas",
    params(
        ("name" = String, Path, description = "Schema name, e.g. `account`."),
        ("version" = String, Path, description = "A version such as `1.0.0` (a number for registered subjects), or `latest`."),
        ("If-None-Match" = Option<String>, Header, description = "An entity tag from an earlier response."),
    ),
    responses(
        (status = 200, description = "The JSON Schema document.", body = JsonSchemaDocument, content_type = "application/schema+json",
            headers(
                ("ETag" = String, description = "Strong entity tag of the document."),
                ("Cache-Control" = String, description = "Public; an hour for an exact version, a minute for `latest`."),
            )),
        (status = 304, description = "The document has not changed since the entity tag was issued."),
        (status = 404, description = "No such schema or version.", body = Problem, content_type = PROBLEM_JSON),
        (status = 500, description = "The registry storage failed.", body = Problem, content_type = PROBLEM_JSON),
    )
)]
pub(super) async fn get_document(
    State(registry): State<Arc<Registry>>,
    Params((name, version)): Params<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let version = VersionRef::parse(&version);
    let found = registry.get(&name, &version).await?;
    let etag = found.etag();
    let max_age = match version {
        VersionRef::Latest => LATEST_MAX_AGE,
        VersionRef::Exact(_) => EXACT_MAX_AGE,
    };
    let mut response = if matches_etag(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = found.text.to_string().into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCHEMA_JSON));
        response
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    Ok(response)
}

/// Whether `If-None-Match` names the entity tag (weak comparison, as RFC 9110 asks).
fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}
