//! Expired authorization-server state, deleted in the background.
//!
//! Every pushed request, code, interaction, DPoP proof and client assertion `jti` leaves a
//! row that lives until it expires, and an expired row is treated as absent but kept. Left
//! alone they only grow: a test suite's server on `sqlite::memory:` holds them in memory for
//! as long as it runs. The purge deletes them every [`crate::config::AsConfig::purge_interval`].
//!
//! It goes by real time, not the sandbox clock: the sandbox clock never runs behind real time,
//! so a row expired by real time stays expired whatever the clock does next (a move forward,
//! or a reset back to real time), and a clock moved ahead never deletes what a reset would
//! bring back to life.

use std::sync::Arc;
use std::time::Duration;

use sandbank_store::Store;
use tokio::time::MissedTickBehavior;

use crate::clock::Clock;

/// The running purge of a server; it stops when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct Purge(#[allow(dead_code, reason = "held for its drop")] Arc<AbortOnDrop>);

#[derive(Debug)]
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Purge {
    /// Deletes `store`'s expired authorization-server state every `every`, the first time
    /// after one interval.
    pub fn start(store: Store, clock: Clock, every: Duration) -> Purge {
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            // The first tick is at once.
            ticks.tick().await;
            loop {
                ticks.tick().await;
                match store.auth_state().purge_expired(clock.read().real).await {
                    Ok(0) => {}
                    Ok(purged) => {
                        tracing::debug!(purged, "deleted expired authorization-server state");
                    }
                    Err(error) => {
                        tracing::warn!(%error, "could not delete expired authorization-server state");
                    }
                }
            }
        });
        Purge(Arc::new(AbortOnDrop(task.abort_handle())))
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration as Ago;
    use serde_json::json;

    use super::*;

    #[tokio::test]
    async fn expired_state_is_deleted_by_real_time_and_live_state_kept() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        let clock = Clock::system();
        let auth = store.auth_state();
        let real = clock.read().real;
        let value = json!({"n": 1});
        auth.put(
            "par",
            "expired",
            &value,
            real - Ago::hours(2),
            real - Ago::hours(1),
        )
        .await
        .unwrap();
        auth.put("par", "live", &value, real, real + Ago::hours(1))
            .await
            .unwrap();
        // Expired by the sandbox clock only: a reset would bring it back, so it stays.
        clock.advance(Ago::days(1));
        let _purge = Purge::start(store.clone(), clock.clone(), Duration::from_millis(20));
        tokio::time::sleep(Duration::from_millis(300)).await;
        // Nothing left for a purge by real time to delete: the background one did.
        assert_eq!(auth.purge_expired(clock.read().real).await.unwrap(), 0);
        assert!(auth.get("par", "live", real).await.unwrap().is_some());
        // And the expired row is gone for good, not only hidden.
        assert_eq!(
            auth.purge_expired(real + Ago::days(365)).await.unwrap(),
            1,
            "only the live row is left"
        );
    }
}
