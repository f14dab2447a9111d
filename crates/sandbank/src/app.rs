//! The HTTP application: every route Sandbank serves.
//!
//! Documented routes are assembled in [`api`] (an `OpenApiRouter`, so each route carries its
//! OpenAPI operation); [`router`] adds the OpenAPI document at `/openapi.json`, Swagger UI at
//! `/docs` and a problem+json fallback.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use sandbank_registry::Registry;
use sandbank_registry::http::native::ApiError;
use schemars::JsonSchema;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/openapi.json";
/// Where Swagger UI is served.
pub const DOCS_PATH: &str = "/docs";

/// Whether the process is up or ready.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Health {
    /// `live` or `ready`.
    pub status: String,
}

sandbank_schemas::openapi_component!(Health => "Health");

/// The shared state of the application.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The schema registry.
    pub registry: Arc<Registry>,
}

impl AppState {
    /// State with an in-memory registry store.
    pub fn in_memory() -> Self {
        Self {
            registry: Arc::new(Registry::in_memory()),
        }
    }
}

/// Every documented route.
pub fn api(state: &AppState) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(live))
        .routes(routes!(ready))
        .merge(sandbank_registry::http::router(state.registry.clone()))
}

/// Builds the application with an in-memory registry store.
pub fn router() -> Router {
    router_with(&AppState::in_memory())
}

/// Builds the application around `state`.
pub fn router_with(state: &AppState) -> Router {
    let (router, _) = api(state).split_for_parts();
    let docs: Router = match crate::openapi::document() {
        Ok(document) => SwaggerUi::new(DOCS_PATH)
            .external_url_unchecked(OPENAPI_PATH, document)
            .into(),
        Err(error) => {
            // Covered by tests; never expected in a release.
            tracing::error!(%error, "the OpenAPI document could not be assembled");
            Router::new()
        }
    };
    router.merge(docs).fallback(not_found)
}

async fn not_found() -> impl IntoResponse {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not found",
        "no route matches this path",
    )
}

/// The process is up.
#[utoipa::path(
    get,
    path = "/health/live",
    operation_id = "live",
    tag = "health",
    responses((status = 200, description = "The process is up.", body = Health))
)]
async fn live() -> Json<Health> {
    Json(Health {
        status: "live".into(),
    })
}

/// The process can serve requests.
#[utoipa::path(
    get,
    path = "/health/ready",
    operation_id = "ready",
    tag = "health",
    responses((status = 200, description = "The process can serve requests.", body = Health))
)]
async fn ready() -> Json<Health> {
    Json(Health {
        status: "ready".into(),
    })
}
