//! `POST /sandbox/reset`: back to the seed's dataset and real time.

use axum::Json;
use axum::extract::State;
use sandbank_api::problem::PROBLEM_JSON;
use sandbank_schemas::Problem;

use super::auth::{Admin, AdminKeyRefused};
use super::clock::{SandboxClock, clock};
use super::error::SandboxError;
use super::state::{DROPPED_ON_RESET, rebuild};
use crate::app::AppState;

/// Restores the seed's dataset exactly, as a fresh start would load it: every customer record
/// is deleted (customers created at run time too) and the seed's dataset is loaded again; the
/// clock goes back to real time; pushed requests, interactions, codes, tokens and grants are
/// dropped (they referred to the old state). Registered clients, signing keys, the TLS CA and
/// schemas registered in the registry stay, so a test suite keeps its client across resets.
/// All of it in one transaction.
pub async fn reset(app: &AppState) -> Result<SandboxClock, SandboxError> {
    {
        let _change = app.sandbox.changes.lock().await;
        rebuild(app, None, &DROPPED_ON_RESET).await?;
    }
    clock(app).await
}

/// Restores the seed's dataset and real time.
#[utoipa::path(
    post,
    path = "/sandbox/reset",
    operation_id = "resetSandbox",
    tag = "sandbox",
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The seed's dataset is back, byte for byte as a fresh start loads it; customers created at run time are gone; the clock is on real time; pushed requests, codes, tokens and grants are dropped. Registered clients and signing keys stay. The body is the clock after the reset.", body = SandboxClock),
        AdminKeyRefused,
        (status = 500, description = "The sandbox could not reset; nothing changed.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn post_reset(
    _admin: Admin,
    State(app): State<AppState>,
) -> Result<Json<SandboxClock>, SandboxError> {
    reset(&app).await.map(Json)
}
