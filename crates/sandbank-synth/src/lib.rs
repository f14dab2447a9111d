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
    /// Set when the history has been simulated on past the day it was first generated for:
    /// that first `as_of`. The history then still starts `months` before it, and what a spec
    /// counts back from "the end" (an account opened three months ago, a card locked twenty
    /// days ago) counts back from it, so that every day before it is the same as in the
    /// dataset first generated — the later dataset extends that one, it does not shift it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advanced_from: Option<NaiveDate>,
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
            advanced_from: None,
        }
    }
}

impl Config {
    /// The day the history was first generated for: what specs count back from.
    pub fn origin(&self) -> NaiveDate {
        self.advanced_from.unwrap_or(self.as_of)
    }

    /// The first day of history: `months` before [`Config::origin`].
    pub fn start(&self) -> Option<NaiveDate> {
        self.origin().checked_sub_months(Months::new(self.months))
    }

    /// The same dataset simulated on until `as_of` (exclusive). Every day before the current
    /// end stays as it was, except that card payments still pending in its last two days may
    /// have settled.
    pub fn advanced_to(&self, as_of: NaiveDate) -> Config {
        Config {
            as_of,
            advanced_from: Some(self.origin()),
            ..self.clone()
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

/// The password every persona and synthetic customer logs in with, without building a
/// [`Generator`] (what [`Generator::password`] gives).
pub fn password() -> Result<String, SynthError> {
    let personas: PersonaFile = serde_json::from_str(PERSONAS_JSON)?;
    Ok(personas.password)
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
            .start()
            .ok_or_else(|| SynthError::Config("history starts before the calendar".to_owned()))?;
        if config.as_of < config.origin() {
            return Err(SynthError::Config(
                "as_of is before advanced_from: a history can only be extended".to_owned(),
            ));
        }
        let root = Seed::root(config.seed);
        let days = (config.as_of - start).num_days().max(1) as usize + 1;
        let world = World {
            root,
            start,
            origin: config.origin(),
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

    /// A customer created at run time from `spec` (the sandbox's `POST /sandbox/customers`),
    /// simulated like everyone else over the same history, from a seed of its own derived
    /// from the root seed and the username: the same spec in the same dataset gives the same
    /// records, and it changes nobody else's.
    pub fn created(&self, spec: &CustomerSpec) -> CustomerData {
        let seed = self.world.root.child("created").child(&spec.username);
        build(&self.world, spec, seed, false)
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
