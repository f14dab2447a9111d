//! The HTTP application: every route Sandbank serves.

use axum::Router;
use axum::routing::get;

/// Builds the application.
pub fn router() -> Router {
    Router::new()
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
}

/// The process is up.
async fn live() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "live" }))
}

/// The process can serve requests.
async fn ready() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "ready" }))
}
