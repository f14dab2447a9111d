//! Instances for tests that need a running server but not the default dataset.

/// Instance options with a tiny dataset (no personas, no customers, one month): quick to load.
pub fn tiny_dataset_options() -> sandbank::instance::Options {
    sandbank::instance::Options {
        dataset: sandbank_synth::Config {
            customers: 0,
            months: 1,
            personas: false,
            ..sandbank_synth::Config::default()
        },
        ..sandbank::instance::Options::default()
    }
}
