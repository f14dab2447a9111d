//! What the sandbox has changed, kept in the database: how far its clock is ahead of real time
//! and the customers it created. The dataset follows from it (the seed's dataset, simulated on
//! by the clock's whole days, plus the created customers), and the two always change together
//! in one transaction, so a restart on the same database finds the dataset its state describes.
//!
//! It is one authorization-server entry (kind `sandbox`, key `state`), so it needs no table of
//! its own; a reset deletes it.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sandbank_fapi::state::{forever, kinds};
use sandbank_schemas::DatasetCounts;
use sandbank_store::{DatasetManifest, Store, StoreError};
use sandbank_synth::spec::CustomerSpec;
use sandbank_synth::{Config, Generator};
use serde::{Deserialize, Serialize};

use super::error::SandboxError;
use crate::app::AppState;
use crate::dataset::{bundles, manifest_with};

/// The entry's kind in `auth_state`.
pub const KIND: &str = "sandbox";
/// The entry's key.
const KEY: &str = "state";

/// What a reset or a change of dataset drops: the authorization server's state that referred to
/// the old one. Clients, signing keys and the TLS CA stay.
pub const DROPPED_ON_RESET: [&str; 10] = [
    kinds::PAR,
    kinds::CIBA,
    kinds::CIBA_DECIDED,
    kinds::CIBA_POLL,
    kinds::INTERACTION,
    kinds::CODE,
    kinds::ACCESS_TOKEN,
    kinds::REFRESH_TOKEN,
    kinds::GRANT,
    KIND,
];

/// The sandbox's changes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxState {
    /// How far the sandbox clock is ahead of real time, in milliseconds.
    #[serde(default)]
    pub clock_offset_ms: i64,
    /// Customers created with `POST /sandbox/customers`, in the order they were created.
    #[serde(default)]
    pub customers: Vec<CustomerSpec>,
}

impl SandboxState {
    /// The state kept in `store`, or none (a fresh sandbox) when there is none.
    pub async fn load(store: &Store, now: DateTime<Utc>) -> Result<SandboxState, StoreError> {
        match store.auth_state().get(KIND, KEY, now).await? {
            Some(entry) => {
                serde_json::from_value(entry.value).map_err(|e| StoreError::Corrupt(Box::new(e)))
            }
            None => Ok(SandboxState::default()),
        }
    }

    /// How far the clock is ahead.
    pub fn clock_offset(&self) -> Duration {
        Duration::milliseconds(self.clock_offset_ms)
    }

    /// Whole days the clock has moved: how far the dataset's history end has moved.
    pub fn elapsed_days(&self) -> i64 {
        self.clock_offset_ms.div_euclid(86_400_000).max(0)
    }

    /// The dataset's history end (exclusive) for the seed's dataset `seed`.
    pub fn data_as_of(&self, seed: &Config) -> NaiveDate {
        seed.origin() + Duration::days(self.elapsed_days())
    }

    /// The generator configuration of the dataset: the seed's, simulated on by the elapsed days.
    pub fn dataset(&self, seed: &Config) -> Config {
        match self.elapsed_days() {
            0 => seed.clone(),
            _ => seed.advanced_to(self.data_as_of(seed)),
        }
    }

    /// The manifest of the dataset this state describes.
    pub fn manifest(&self, seed: &Config) -> DatasetManifest {
        manifest_with(&self.dataset(seed), &self.customers)
    }
}

/// Gets a database ready to serve `seed`'s dataset: reads the sandbox's state, loads the
/// dataset it describes if the database does not hold it yet, and moves `clock` where the state
/// left it (a database the control API never moved leaves `clock` alone). Every start runs this
/// before anything else, so a restart carries on with the clock and the customers of the last
/// run.
pub async fn open(
    store: &Store,
    seed: &Config,
    clock: &sandbank_fapi::Clock,
) -> anyhow::Result<crate::dataset::Loaded> {
    let state = SandboxState::load(store, clock.now()).await?;
    if state.clock_offset() != chrono::Duration::zero() {
        clock.set_offset(state.clock_offset());
    }
    let loaded =
        crate::dataset::load_with(store, &state.dataset(seed), &state.customers, |_| {}).await?;
    Ok(loaded)
}

/// Replaces the dataset with the one `state` describes (the seed's own with `None`) and records
/// `state`, in one transaction; `dropped` names the authorization-server kinds deleted with
/// it. Then sets the clock to the state's offset. The caller holds the change lock.
pub async fn rebuild(
    app: &AppState,
    state: Option<&SandboxState>,
    dropped: &[&str],
) -> Result<DatasetCounts, SandboxError> {
    let seed = app.sandbox.dataset();
    let fresh = SandboxState::default();
    let target = state.unwrap_or(&fresh);
    let generator = Generator::new(target.dataset(seed))?;
    let mut loader = app.store.begin_replace(&target.manifest(seed)).await?;
    loader
        .insert_all(bundles(generator, target.customers.clone()), |_| {})
        .await?;
    loader.delete_auth_state(dropped).await?;
    if dropped.contains(&kinds::GRANT) {
        // A reset: the grants go, and with them their history, the payments made on them and
        // the claims filed under them.
        loader.clear_access_log().await?;
        loader.clear_payments().await?;
        loader.clear_claims().await?;
    }
    // The money payments and claims moved stays moved on the regenerated accounts.
    loader.replay_ledger().await?;
    if let Some(state) = state {
        write(&mut loader, app, state).await?;
    }
    let loaded = loader.commit().await?;
    app.auth.clock.set_offset(target.clock_offset());
    Ok(loaded.counts)
}

/// Records `state` in the transaction of `loader`.
pub async fn write(
    loader: &mut sandbank_store::BulkLoader,
    app: &AppState,
    state: &SandboxState,
) -> Result<(), SandboxError> {
    let value = serde_json::to_value(state).map_err(SandboxError::internal)?;
    let now = app.auth.now();
    loader
        .put_auth_state(KIND, KEY, &value, now, now + forever())
        .await?;
    Ok(())
}

/// Records `state` on its own (when the dataset does not change).
pub async fn save(app: &AppState, state: &SandboxState) -> Result<(), SandboxError> {
    let value = serde_json::to_value(state).map_err(SandboxError::internal)?;
    let now = app.auth.now();
    app.store
        .auth_state()
        .put(KIND, KEY, &value, now, now + forever())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_moves_by_whole_days_of_the_clock() {
        let seed = Config::default();
        let mut state = SandboxState::default();
        assert_eq!(state.dataset(&seed), seed);
        state.clock_offset_ms = 86_400_000 - 1;
        assert_eq!(state.elapsed_days(), 0);
        assert_eq!(state.dataset(&seed), seed);
        state.clock_offset_ms = 3 * 86_400_000 + 5;
        assert_eq!(state.elapsed_days(), 3);
        let advanced = state.dataset(&seed);
        assert_eq!(advanced.as_of, seed.as_of + Duration::days(3));
        assert_eq!(advanced.advanced_from, Some(seed.as_of));
        assert_eq!(state.data_as_of(&seed), advanced.as_of);
        assert_ne!(
            state.manifest(&seed),
            SandboxState::default().manifest(&seed)
        );
    }
}
