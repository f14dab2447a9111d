//! Deterministic synthetic bank data.
//!
//! A [`Generator`] turns a [`Config`] (seed, number of customers, months of history) into a
//! stream of [`CustomerData`] bundles: first the hand-written personas of
//! `seed-data/personas.json`, with their history generated around them, then the synthetic
//! population. The same configuration gives byte-identical records on every machine.
//!
//! Every customer is simulated day by day: salary on a fixed day, rent or mortgage, bills,
//! subscriptions, weekend-heavy card spending at real-looking merchants with their merchant
//! category codes, trips abroad with foreign-exchange detail, refunds, fees and interest, card
//! statements paid in full or at the minimum, investments bought against a price series and
//! paying dividends, insurance premiums and the odd claim. Businesses get customer receipts,
//! payroll, suppliers, VAT and corporate card spend. Balances, statements and holdings are
//! derived from the simulated entries, so they agree by construction.

mod customer;
pub mod data;
mod ledger;
mod money;
pub mod output;
mod records;
pub mod seed;
mod sim;
pub mod spec;

use std::sync::Arc;

use chrono::{Months, NaiveDate};
pub use sandbank_schemas::DatasetCounts;
use sandbank_schemas::dataset::CustomerData;
use serde::{Deserialize, Serialize};

use crate::customer::{World, build, draw, persona_seed};
use crate::seed::Seed;
use crate::spec::{CustomerSpec, PersonaFile};

/// Version of the generator's output. Bump it whenever a change alters generated records, so
/// that a manifest says which generator produced a dataset.
pub const GENERATOR_VERSION: &str = "1";

/// The personas, as committed in `seed-data/personas.json`.
pub const PERSONAS_JSON: &str = include_str!("../../../seed-data/personas.json");

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    /// Root seed.
    pub seed: u64,
    /// Synthetic customers, besides the personas.
    pub customers: u32,
    /// Months of history.
    pub months: u32,
    /// Share of synthetic customers that are businesses, in percent.
    pub commercial_share_percent: u32,
    /// The day the history ends ("today" in the dataset), exclusive.
    pub as_of: NaiveDate,
    /// Whether to include the personas.
    pub personas: bool,
}

/// The day the default dataset's history ends.
pub fn default_as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default()
}

impl Default for Config {
    /// The default dataset: personas plus a modest population, a year of history.
    fn default() -> Self {
        Config {
            seed: 42,
            customers: 12,
            months: 12,
            commercial_share_percent: 10,
            as_of: default_as_of(),
            personas: true,
        }
    }
}

/// Why generation could not start.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// The personas file is malformed.
    #[error("seed-data/personas.json is invalid: {0}")]
    Personas(#[from] serde_json::Error),
    /// The configuration cannot be generated.
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// Generates datasets.
pub struct Generator {
    config: Config,
    world: World,
    password: String,
}

impl Generator {
    /// A generator for `config`.
    pub fn new(config: Config) -> Result<Generator, SynthError> {
        let personas: PersonaFile = serde_json::from_str(PERSONAS_JSON)?;
        if config.months == 0 || config.months > 120 {
            return Err(SynthError::Config(
                "months must be between 1 and 120".to_owned(),
            ));
        }
        let start = config
            .as_of
            .checked_sub_months(Months::new(config.months))
            .ok_or_else(|| SynthError::Config("history starts before the calendar".to_owned()))?;
        let root = Seed::root(config.seed);
        let days = (config.as_of - start).num_days().max(1) as usize + 1;
        let world = World {
            root,
            start,
            end: config.as_of,
            prices: Arc::new(sim::price_series(root, days)),
            personas: Arc::new(personas.personas),
        };
        Ok(Generator {
            config,
            world,
            password: personas.password,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The password every persona and synthetic customer logs in with.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The persona specs.
    pub fn personas(&self) -> &[CustomerSpec] {
        &self.world.personas
    }

    /// How many bundles [`Generator::customers`] yields.
    pub fn len(&self) -> usize {
        let personas = if self.config.personas {
            self.world.personas.len()
        } else {
            0
        };
        personas + self.config.customers as usize
    }

    /// Whether there is nothing to generate.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `index`-th bundle: personas first, then synthetic customers.
    pub fn customer(&self, index: usize) -> Option<CustomerData> {
        let personas = if self.config.personas {
            self.world.personas.len()
        } else {
            0
        };
        if index < personas {
            let spec = self.world.personas.get(index)?;
            let seed = persona_seed(self.world.root, &spec.username);
            return Some(build(&self.world, spec, seed, true));
        }
        let n = (index - personas) as u64;
        if n >= u64::from(self.config.customers) {
            return None;
        }
        let seed = self.world.root.child("synthetic").nth(n);
        let spec = draw(seed, n + 1, self.config.commercial_share_percent);
        Some(build(&self.world, &spec, seed, false))
    }

    /// Every bundle, one at a time, so memory stays bounded whatever the size.
    pub fn customers(&self) -> impl Iterator<Item = CustomerData> + '_ {
        (0..self.len()).filter_map(|index| self.customer(index))
    }
}

/// What a generated dataset is: enough to regenerate it and to check it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Always `sandbank-synth`.
    pub generator: String,
    /// [`GENERATOR_VERSION`] at generation time.
    pub generator_version: String,
    /// The configuration.
    pub config: Config,
    /// Record counts.
    pub counts: DatasetCounts,
}

impl Manifest {
    /// The manifest for `config` with `counts`.
    pub fn new(config: Config, counts: DatasetCounts) -> Manifest {
        Manifest {
            generator: "sandbank-synth".to_owned(),
            generator_version: GENERATOR_VERSION.to_owned(),
            config,
            counts,
        }
    }
}
