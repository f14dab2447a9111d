//! `GET /sandbox/clock` and `POST /sandbox/clock`: the sandbox's time, and moving it forward.
//!
//! The clock is the authorization server's: codes, pushed requests, tokens and grants expire
//! by it. Each whole day it moves also moves the dataset's history end by a day, and the days
//! in between are simulated — new salaries, card payments, statements — exactly as if the
//! dataset had been generated that much later (see `sandbank_synth::Config::advanced_to`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sandbank_schemas::Problem;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::auth::{Admin, AdminKeyRefused};
use super::body;
use super::duration::{DurationError, IsoDuration};
use super::error::SandboxError;
use super::state::{self, SandboxState};
use crate::app::AppState;
use sandbank_api::problem::PROBLEM_JSON;

/// The furthest the clock may move from real time: ten years. The dataset is simulated on to
/// the new day at every move, so there has to be an end.
pub const MAX_OFFSET_DAYS: i64 = 3_650;

/// The sandbox's time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SandboxClock")]
#[serde(rename_all = "camelCase")]
pub struct SandboxClock {
    /// Now, by the sandbox clock: what expiries are measured against.
    pub now: DateTime<Utc>,
    /// How far the sandbox clock is ahead of real time, in whole seconds. Clients need not
    /// follow it: a DPoP proof or client assertion is accepted when it is dated fresh by real
    /// time or by the sandbox clock (real time plus this).
    pub offset_seconds: i64,
    /// The last day of the dataset's history is the day before this one: transactions are
    /// booked up to (not including) `dataAsOf`. It moves by whole days with the clock.
    pub data_as_of: NaiveDate,
}

sandbank_schemas::openapi_component!(SandboxClock => "SandboxClock");

/// How far to move the clock: exactly one of the two.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SandboxClockAdvance")]
#[schemars(extend("oneOf" = [
    {"required": ["advanceBy"], "properties": {"advanceBy": {"type": "string"}}},
    {"required": ["advanceBySeconds"], "properties": {"advanceBySeconds": {"type": "integer"}}}
]))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClockAdvance {
    /// An ISO 8601 duration: `P3D`, `PT2H30M`, `P1M` (calendar months and years count from
    /// the sandbox's now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = super::duration::DURATION_PATTERN))]
    pub advance_by: Option<String>,
    /// Seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub advance_by_seconds: Option<i64>,
}

sandbank_schemas::openapi_component!(ClockAdvance => "SandboxClockAdvance");

/// The sandbox's time now.
pub async fn clock(app: &AppState) -> Result<SandboxClock, SandboxError> {
    let state = SandboxState::load(&app.store, app.auth.now()).await?;
    Ok(view(app, &state))
}

fn view(app: &AppState, state: &SandboxState) -> SandboxClock {
    SandboxClock {
        now: app.auth.now(),
        offset_seconds: app.auth.clock.offset().num_seconds(),
        data_as_of: state.data_as_of(app.sandbox.dataset()),
    }
}

/// Why a move too far is refused: a 409, as it depends on where the clock is now.
fn beyond_the_limit() -> SandboxError {
    SandboxError::Conflict(format!(
        "the sandbox clock cannot move more than {MAX_OFFSET_DAYS} days ahead of real time"
    ))
}

/// Why a move back is refused.
const FORWARD_ONLY: &str = "the sandbox clock only moves forward (reset goes back to real time)";

/// Moves the sandbox clock forward by `by` (never back: a negative duration is refused). When
/// that completes one or more days, the dataset is simulated on to the new day and replaced in
/// one transaction; ids stay, so grants and tokens still reach their accounts, and the money
/// payments moved stays moved (the ledger is replayed). Then every payment and filed claim due
/// by the new now moves on (`sandbank_api::payments::engine::run_due`,
/// `sandbank_api::claims::engine::run_due`).
pub async fn advance_clock(app: &AppState, by: Duration) -> Result<SandboxClock, SandboxError> {
    if by < Duration::zero() {
        return Err(SandboxError::invalid("", FORWARD_ONLY));
    }
    let _change = app.sandbox.changes.lock().await;
    let mut state = SandboxState::load(&app.store, app.auth.now()).await?;
    let before = state.elapsed_days();
    let offset = state
        .clock_offset()
        .checked_add(&by)
        .filter(|offset| *offset <= Duration::days(MAX_OFFSET_DAYS))
        .ok_or_else(beyond_the_limit)?;
    state.clock_offset_ms = offset.num_milliseconds();
    if state.elapsed_days() == before {
        state::save(app, &state).await?;
        app.auth.clock.set_offset(offset);
    } else {
        state::rebuild(app, Some(&state), &[]).await?;
    }
    // Payments waiting for a day (future-dated, or a scenario's wait) move on now, and so do
    // filed insurance claims (reviewed, decided, paid by the days of the clock).
    if sandbank_api::payments::engine::run_due(&app.store, app.auth.now()).await? > 0 {
        app.auth.notifier.wake();
    }
    sandbank_api::claims::engine::run_due(&app.store, app.auth.now()).await?;
    Ok(view(app, &state))
}

/// The sandbox's time.
#[utoipa::path(
    get,
    path = "/sandbox/clock",
    operation_id = "getSandboxClock",
    tag = "sandbox",
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "Now by the sandbox clock, its offset from real time and the dataset's history end.", body = SandboxClock),
        AdminKeyRefused,
        (status = 500, description = "The sandbox could not read its state.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn get_clock(
    _admin: Admin,
    State(app): State<AppState>,
) -> Result<Json<SandboxClock>, SandboxError> {
    clock(&app).await.map(Json)
}

/// Moves the sandbox clock forward.
///
/// Codes, pushed requests, access and refresh tokens and grants expire as they would in real
/// time, and each whole day adds a day of synthetic history (salaries, card payments,
/// statements...) to every customer.
#[utoipa::path(
    post,
    path = "/sandbox/clock",
    operation_id = "advanceSandboxClock",
    tag = "sandbox",
    security(("adminKey" = [])),
    request_body(content = ClockAdvance, description = "`{\"advanceBy\": \"P3D\"}` (ISO 8601) or `{\"advanceBySeconds\": 600}`."),
    responses(
        (status = 200, description = "The clock after the move. After it, sign DPoP proofs and client assertions by the sandbox clock (`now`, or real time plus `offsetSeconds`).", body = SandboxClock),
        (status = 400, description = "Not exactly one of `advanceBy` and `advanceBySeconds`, a malformed duration, or a negative one (`errors[].pointer` names the field).", body = Problem, content_type = PROBLEM_JSON),
        (status = 409, description = "The move would put the clock more than ten years ahead of real time.", body = Problem, content_type = PROBLEM_JSON),
        AdminKeyRefused,
        (status = 500, description = "The sandbox could not move its clock; nothing changed.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn post_clock(
    _admin: Admin,
    State(app): State<AppState>,
    bytes: Bytes,
) -> Result<Json<SandboxClock>, SandboxError> {
    let request: ClockAdvance = body::json(&bytes, false)?;
    let (pointer, by) = match (&request.advance_by, request.advance_by_seconds) {
        (Some(text), None) => {
            let duration = match IsoDuration::parse(text) {
                Ok(duration) => duration,
                Err(DurationError::TooLong(_)) => return Err(beyond_the_limit()),
                Err(error) => return Err(SandboxError::invalid("/advanceBy", error.to_string())),
            };
            if duration.negative {
                return Err(SandboxError::invalid("/advanceBy", FORWARD_ONLY));
            }
            let now = app.auth.now();
            let by = duration
                .after(now)
                .map(|then| then - now)
                .ok_or_else(beyond_the_limit)?;
            ("/advanceBy", by)
        }
        (None, Some(seconds)) => {
            if seconds < 0 {
                return Err(SandboxError::invalid("/advanceBySeconds", FORWARD_ONLY));
            }
            let by = Duration::try_seconds(seconds).ok_or_else(beyond_the_limit)?;
            ("/advanceBySeconds", by)
        }
        _ => {
            return Err(SandboxError::invalid(
                "",
                "give exactly one of advanceBy (an ISO 8601 duration such as P3D) and advanceBySeconds",
            ));
        }
    };
    if by < Duration::zero() {
        return Err(SandboxError::invalid(pointer, FORWARD_ONLY));
    }
    advance_clock(&app, by).await.map(Json)
}
