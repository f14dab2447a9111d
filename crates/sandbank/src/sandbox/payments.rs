//! `POST /sandbox/payments/{paymentId}/status`: a test moves a payment along its lifecycle
//! without waiting for the clock or choosing a scenario amount.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use sandbank_api::payments::engine::{self, ForceError};
use sandbank_api::problem::PROBLEM_JSON;
use sandbank_schemas::payment::PaymentStatusReason;
use sandbank_schemas::{Payment, PaymentId, PaymentStatus, Problem};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::auth::{Admin, AdminKeyRefused};
use super::body;
use super::error::SandboxError;
use crate::app::AppState;

/// Where to move a payment: `{"status": "SETTLED"}`, or `{"status": "REJECTED", "reason":
/// {...}}` (a reason goes only with `REJECTED`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SandboxPaymentStatus")]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum ForcedStatus {
    // Struct variants, even empty: serde lets a unit variant of an internally tagged enum
    // ignore other fields, and a reason sent with SETTLED must be refused.
    /// From `PENDING`: the amount is held, without the checks.
    Accepted {},
    /// From `ACCEPTED`: the money moves.
    Settled {},
    /// From `PENDING` or `ACCEPTED`: a hold is released.
    Rejected {
        /// Why (by default `ACCOUNT_BLOCKED`, "rejected by the sandbox control API").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<PaymentStatusReason>,
    },
}

impl ForcedStatus {
    /// The status to move to.
    pub fn status(&self) -> PaymentStatus {
        match self {
            ForcedStatus::Accepted {} => PaymentStatus::Accepted,
            ForcedStatus::Settled {} => PaymentStatus::Settled,
            ForcedStatus::Rejected { .. } => PaymentStatus::Rejected,
        }
    }
}

sandbank_schemas::openapi_component!(ForcedStatus => "SandboxPaymentStatus");

/// Moves payment `payment_id` to the status `forced` names, at the sandbox clock's now.
pub async fn force_status(
    app: &AppState,
    payment_id: &str,
    forced: ForcedStatus,
) -> Result<Payment, SandboxError> {
    let not_found = || SandboxError::NotFound(format!("no payment has the id {payment_id:?}"));
    let id = PaymentId::new(payment_id).map_err(|_| not_found())?;
    match engine::force(
        &app.store,
        &id,
        forced.status(),
        match forced {
            ForcedStatus::Rejected { reason } => reason,
            ForcedStatus::Accepted {} | ForcedStatus::Settled {} => None,
        },
        app.auth.now(),
    )
    .await?
    {
        Ok(payment) => {
            app.auth.notifier.wake();
            Ok(payment)
        }
        Err(ForceError::NotFound) => Err(not_found()),
        Err(ForceError::NotAllowed(from, to)) => Err(SandboxError::Conflict(format!(
            "a payment does not move from {} to {}: PENDING goes to ACCEPTED or REJECTED, \
             ACCEPTED to SETTLED or REJECTED; SETTLED and REJECTED are final",
            name(from),
            name(to)
        ))),
    }
}

fn name(status: PaymentStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Moves a payment along its lifecycle.
///
/// Only the lifecycle's own transitions: `PENDING` → `ACCEPTED` (the amount is held, without
/// the funds check), `ACCEPTED` → `SETTLED` (the money moves), `PENDING` or `ACCEPTED` →
/// `REJECTED` (a hold is released). Each is recorded as a payment event and notified like any
/// other. A payment forced to `ACCEPTED` settles on the next day of the sandbox clock unless
/// moved on before.
#[utoipa::path(
    post,
    path = "/sandbox/payments/{paymentId}/status",
    operation_id = "forceSandboxPaymentStatus",
    tag = "sandbox",
    security(("adminKey" = [])),
    params(("paymentId" = String, Path, description = "The payment.")),
    request_body(content = ForcedStatus, description = "`{\"status\": \"SETTLED\"}`, or `{\"status\": \"REJECTED\", \"reason\": {\"code\": \"INSUFFICIENT_FUNDS\", \"message\": \"...\"}}`."),
    responses(
        (status = 200, description = "The payment after the move.", body = Payment),
        (status = 400, description = "The body is not a `SandboxPaymentStatus` (a reason with a status other than `REJECTED` included; `errors[].pointer` names the field).", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No payment has this id.", body = Problem, content_type = PROBLEM_JSON),
        (status = 409, description = "The lifecycle does not go from the payment's status to the one asked (`SETTLED` and `REJECTED` are final).", body = Problem, content_type = PROBLEM_JSON),
        AdminKeyRefused,
        (status = 500, description = "The sandbox could not move the payment; nothing changed.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn post_status(
    _admin: Admin,
    State(app): State<AppState>,
    Path(payment_id): Path<String>,
    bytes: Bytes,
) -> Result<Json<Payment>, SandboxError> {
    let forced: ForcedStatus = body::json(&bytes, false)?;
    force_status(&app, &payment_id, forced).await.map(Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_goes_only_with_rejected() {
        let parse = |text: &str| body::json::<ForcedStatus>(text.as_bytes(), false);
        assert_eq!(
            parse(r#"{"status": "SETTLED"}"#).ok(),
            Some(ForcedStatus::Settled {})
        );
        assert_eq!(
            parse(r#"{"status": "REJECTED"}"#).ok(),
            Some(ForcedStatus::Rejected { reason: None })
        );
        assert!(matches!(
            parse(
                r#"{"status": "REJECTED", "reason": {"code": "INSUFFICIENT_FUNDS", "message": "no"}}"#
            ),
            Ok(ForcedStatus::Rejected { reason: Some(_) })
        ));
        for refused in [
            r#"{"status": "SETTLED", "reason": {"code": "INSUFFICIENT_FUNDS", "message": "no"}}"#,
            r#"{"status": "ACCEPTED", "other": 1}"#,
            r#"{"status": "PENDING"}"#,
            r#"{}"#,
        ] {
            assert!(
                matches!(parse(refused), Err(SandboxError::Invalid { .. })),
                "{refused}"
            );
        }
        let schema = serde_json::to_value(schemars::schema_for!(ForcedStatus)).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        assert!(!validator.is_valid(&serde_json::json!({
            "status": "SETTLED", "reason": {"code": "INSUFFICIENT_FUNDS", "message": "no"}
        })));
        assert!(validator.is_valid(&serde_json::json!({"status": "SETTLED"})));
    }
}
