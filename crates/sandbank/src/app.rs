//! The HTTP application: every route Sandbank serves.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use sandbank_store::Store;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
}

/// Builds the application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .with_state(state)
}

/// The process is up.
async fn live() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "live" }))
}

/// The process can serve requests: its database answers and holds a dataset.
async fn ready(State(state): State<AppState>) -> (StatusCode, axum::Json<serde_json::Value>) {
    match state.store.dataset().await {
        Ok(Some(_)) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({ "status": "ready" })),
        ),
        Ok(None) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({ "status": "loading" })),
        ),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({ "status": "database unavailable" })),
            )
        }
    }
}
