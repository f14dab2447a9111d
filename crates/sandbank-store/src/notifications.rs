//! The outbox of payment notifications: every payment event is stored `PENDING` with its
//! notification (see the `payment_events` table), and a delivery worker takes them from here.
//!
//! The rules live in the queries, so they hold with several instances on one database:
//! - **order**: [`Store::notifications_due`] offers a payment's event only once every earlier
//!   event of that payment is settled (delivered, given up or not to be sent), so a client
//!   never sees `SETTLED` before `ACCEPTED`;
//! - **one sender at a time**: [`Store::take_notification`] leases a due event by moving its
//!   next attempt past the time a delivery may take, and only when nobody moved it first — an
//!   instance that crashes mid-delivery leaves an event that falls due again when the lease
//!   ends (hence *at least once*).
//!
//! Times here are real time (microseconds), not the sandbox clock: retries wait for real
//! seconds, whatever the clock says.

use chrono::{DateTime, Utc};
use sandbank_schemas::{EventNotification, NotificationStatus, PaymentEvent, PaymentId};

use crate::Store;
use crate::db::Bind;
use crate::encode::{from_body, micros, variant_name};
use crate::error::StoreResult;

/// A payment event whose notification is due.
#[derive(Debug, Clone, PartialEq)]
pub struct DueNotification {
    /// The client to notify (the payment's).
    pub client_id: String,
    /// The event, as stored.
    pub event: PaymentEvent,
    /// How many times it was sent before.
    pub attempts: u32,
    /// When it fell due (microseconds of real time): what [`Store::take_notification`]
    /// compares with, to know nobody took it meanwhile.
    pub due_micros: i64,
}

/// How one attempt at a notification ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationOutcome {
    /// The client's endpoint answered 2xx.
    Delivered,
    /// Send again at `at`; `error` says what went wrong.
    Retry {
        /// When to try again.
        at: DateTime<Utc>,
        /// What went wrong.
        error: String,
    },
    /// Give up; `error` says what went wrong.
    Failed {
        /// What went wrong.
        error: String,
    },
}

type DueRow = (String, i64, i64, i64, String, String);

impl Store {
    /// Up to `limit` notifications due at `now`, soonest first, at most one per payment: the
    /// earliest of its events not yet settled, and only when that one is due.
    pub async fn notifications_due(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<DueNotification>> {
        let rows: Vec<DueRow> = self
            .pool
            .fetch_all(
                "SELECT e.payment_id, e.sequence, e.attempts, e.next_attempt_at, p.client_id, e.body \
                 FROM payment_events e JOIN payments p ON p.payment_id = e.payment_id \
                 WHERE e.delivery = 'PENDING' AND e.next_attempt_at <= $1 \
                 AND NOT EXISTS (SELECT 1 FROM payment_events o WHERE o.payment_id = e.payment_id \
                 AND o.sequence < e.sequence AND o.delivery = 'PENDING') \
                 ORDER BY e.next_attempt_at, e.payment_id, e.sequence LIMIT $2",
                vec![Bind::Int(micros(now)), Bind::Int(i64::from(limit))],
            )
            .await?;
        rows.into_iter()
            .map(|(_, _, attempts, due_micros, client_id, body)| {
                Ok(DueNotification {
                    client_id,
                    event: from_body(&body)?,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    due_micros,
                })
            })
            .collect()
    }

    /// Takes `due` for sending until `lease_until`; `false` when another sender took it (or it
    /// was settled) since it was read.
    pub async fn take_notification(
        &self,
        due: &DueNotification,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let taken = self
            .pool
            .execute(
                "UPDATE payment_events SET next_attempt_at = $4 \
                 WHERE payment_id = $1 AND sequence = $2 AND delivery = 'PENDING' \
                 AND next_attempt_at = $3",
                vec![
                    Bind::Text(due.event.payment_id.to_string()),
                    Bind::Int(i64::from(due.event.sequence)),
                    Bind::Int(due.due_micros),
                    Bind::Int(micros(lease_until)),
                ],
            )
            .await?;
        Ok(taken == 1)
    }

    /// Records how an attempt at the notification of `payment_id`'s event `sequence` ended,
    /// at `now`.
    pub async fn notification_attempted(
        &self,
        payment_id: &PaymentId,
        sequence: u32,
        outcome: &NotificationOutcome,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let key = [
            Bind::Text(payment_id.to_string()),
            Bind::Int(i64::from(sequence)),
        ];
        let (sql, rest) = match outcome {
            NotificationOutcome::Delivered => (
                "UPDATE payment_events SET delivery = 'DELIVERED', attempts = attempts + 1, \
                 delivered_at = $3, last_error = NULL WHERE payment_id = $1 AND sequence = $2",
                vec![Bind::Int(micros(now))],
            ),
            NotificationOutcome::Retry { at, error } => (
                "UPDATE payment_events SET attempts = attempts + 1, next_attempt_at = $3, \
                 last_error = $4 WHERE payment_id = $1 AND sequence = $2",
                vec![Bind::Int(micros(*at)), Bind::Text(error.clone())],
            ),
            NotificationOutcome::Failed { error } => (
                "UPDATE payment_events SET delivery = 'FAILED', attempts = attempts + 1, \
                 last_error = $3 WHERE payment_id = $1 AND sequence = $2",
                vec![Bind::Text(error.clone())],
            ),
        };
        self.pool
            .execute(sql, key.into_iter().chain(rest).collect())
            .await?;
        Ok(())
    }

    /// Marks every pending notification of `client_id`'s payments as not to be sent: the client
    /// has no notification URI. How many were marked.
    pub async fn notifications_unregistered(&self, client_id: &str) -> StoreResult<u64> {
        self.pool
            .execute(
                "UPDATE payment_events SET delivery = 'NOT_REGISTERED' \
                 WHERE delivery = 'PENDING' AND payment_id IN \
                 (SELECT payment_id FROM payments WHERE client_id = $1)",
                vec![Bind::Text(client_id.to_owned())],
            )
            .await
    }

    /// The status changes of `payment_id`, in order, each with where its notification stands.
    pub async fn payment_events(&self, payment_id: &PaymentId) -> StoreResult<Vec<PaymentEvent>> {
        let rows: Vec<(String, String, i64, Option<String>)> = self
            .pool
            .fetch_all(
                "SELECT body, delivery, attempts, last_error FROM payment_events \
                 WHERE payment_id = $1 ORDER BY sequence",
                vec![Bind::Text(payment_id.to_string())],
            )
            .await?;
        rows.into_iter()
            .map(|(body, delivery, attempts, last_error)| {
                let mut event: PaymentEvent = from_body(&body)?;
                event.notification = Some(EventNotification {
                    status: status_of(&delivery)?,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    last_error,
                });
                Ok(event)
            })
            .collect()
    }
}

/// The [`NotificationStatus`] a `delivery` column holds.
fn status_of(delivery: &str) -> StoreResult<NotificationStatus> {
    [
        NotificationStatus::Pending,
        NotificationStatus::Delivered,
        NotificationStatus::Failed,
        NotificationStatus::NotRegistered,
    ]
    .into_iter()
    .find(|status| variant_name(status).is_ok_and(|name| name == delivery))
    .ok_or_else(|| {
        crate::StoreError::Corrupt(format!("unknown notification delivery state {delivery}").into())
    })
}
