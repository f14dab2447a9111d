//! The HTTP application: every route Sandbank serves.
//!
//! Documented routes are assembled in [`api`] (an `OpenApiRouter`, so each route carries its
//! OpenAPI operation); [`router`] adds the OpenAPI document at `/openapi.json`, Swagger UI at
//! `/docs` and a 404 fallback, limits the size of every request head ([`crate::head_limit`])
//! and body ([`crate::body_limit`]), and gives every refusal a body in the error format of its
//! path's API ([`crate::errors`]).

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use sandbank_fapi::{AsConfig, AuthServer, Clock};
use sandbank_registry::Registry;
use sandbank_store::Store;
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
    /// The database.
    pub store: Store,
    /// The authorization server.
    pub auth: AuthServer,
    /// The largest request body the server reads, in bytes; larger ones are 413.
    pub max_body_bytes: usize,
    /// How long one request may take before it is answered 503 ([`crate::deadline`]).
    pub request_timeout: std::time::Duration,
    /// The key registry writes need; open when absent ([`crate::registry_key`]).
    pub registry_key: Option<crate::sandbox::AdminKey>,
    /// The sandbox control API's key and seed dataset.
    pub sandbox: Arc<crate::sandbox::Sandbox>,
}

impl axum::extract::FromRef<AppState> for AuthServer {
    fn from_ref(state: &AppState) -> AuthServer {
        state.auth.clone()
    }
}

impl AppState {
    /// State on an empty in-memory database (no dataset), for tests that need no data.
    pub async fn ephemeral() -> anyhow::Result<Self> {
        let store = Store::connect("sqlite::memory:").await?;
        let config = AsConfig::new("http://127.0.0.1", "sandbank");
        let auth = AuthServer::start(store.clone(), config, Clock::system()).await?;
        let sandbox = crate::sandbox::Sandbox::new(
            crate::sandbox::AdminKey::generate()?,
            sandbank_synth::Config::default(),
        );
        Ok(Self {
            registry: Arc::new(Registry::in_memory()),
            store,
            auth,
            max_body_bytes: crate::body_limit::DEFAULT_MAX_BODY_BYTES,
            request_timeout: crate::deadline::DEFAULT_REQUEST_TIMEOUT,
            registry_key: None,
            sandbox: Arc::new(sandbox),
        })
    }
}

/// Every route, each with its OpenAPI operation: health, the registry, the authorization
/// server and the bank API. The registry is captured by its routes; everything else comes from
/// [`AppState`]. Building this needs no database, so the OpenAPI document can be assembled
/// offline.
pub fn api(registry: Arc<Registry>) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(live))
        .routes(routes!(ready))
        .merge(sandbank_registry::http::router(registry))
        .merge(sandbank_fapi::routes::openapi_router())
        .merge(sandbank_fapi::routes::dashboard_router())
        .merge(sandbank_api::router())
        .merge(crate::sandbox::router())
}

/// Builds the application around `state`: documented routes, `/openapi.json`, `/docs` and a
/// 404 fallback, every request head limited ([`crate::head_limit`]), every body to
/// `state.max_body_bytes` and every request to `state.request_timeout`, and errors without a
/// body given one ([`crate::errors`]).
pub fn router(state: AppState) -> Router {
    let (max_body_bytes, request_timeout) = (state.max_body_bytes, state.request_timeout);
    let registry_key = state.registry_key.clone();
    let auth = state.auth.clone();
    let (router, _) = api(state.registry.clone()).split_for_parts();
    let router = router.with_state(state);
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
    let router =
        crate::body_limit::limit_bodies(router.merge(docs).fallback(not_found), max_body_bytes)
            .layer(axum::middleware::from_fn_with_state(
                registry_key,
                crate::registry_key::guard,
            ));
    // Outside the body limit, so that the deadline covers reading the body too.
    crate::deadline::limit_time(router, request_timeout)
        .layer(axum::middleware::from_fn(crate::errors::fill_bare_errors))
        .layer(axum::middleware::from_fn(crate::head_limit::enforce))
        // The bank API's message-signature layer reads the server's keys and configuration.
        .layer(axum::Extension(auth))
}

/// No route matches: 404 in the error format of the path's API.
async fn not_found(request: axum::extract::Request) -> Response {
    crate::errors::refusal(
        request.headers(),
        request.uri().path(),
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

/// The process can serve requests: its database answers and holds a dataset.
#[utoipa::path(
    get,
    path = "/health/ready",
    operation_id = "ready",
    tag = "health",
    responses(
        (status = 200, description = "The database answers and holds a dataset.", body = Health),
        (status = 503, description = "The dataset is still loading, or the database does not answer.", body = Health)
    )
)]
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let (status, text) = match state.store.dataset().await {
        Ok(Some(_)) => (StatusCode::OK, "ready"),
        Ok(None) => (StatusCode::SERVICE_UNAVAILABLE, "loading"),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    };
    (
        status,
        Json(Health {
            status: text.into(),
        }),
    )
}
