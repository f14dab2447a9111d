//! Loading a generated dataset into a store: at `serve` start-up and from `sandbank generate`.

use sandbank_store::{BulkStart, DatasetCounts, DatasetManifest, Store};
use sandbank_synth::{Config, GENERATOR_VERSION, Generator};

/// What a load did.
#[derive(Debug, Clone)]
pub enum Loaded {
    /// The dataset was written now.
    Written(DatasetCounts),
    /// The database already held it.
    AlreadyThere(DatasetCounts),
}

/// The manifest that identifies a generated dataset in the store: generator version, seed and
/// every setting that shapes the data.
pub fn manifest(config: &Config) -> DatasetManifest {
    DatasetManifest {
        seed: config.seed,
        generator_version: GENERATOR_VERSION.to_owned(),
        content_hash: Some(format!(
            "customers={};months={};commercial={};as_of={};personas={}",
            config.customers,
            config.months,
            config.commercial_share_percent,
            config.as_of,
            config.personas
        )),
    }
}

/// Generates `config`'s dataset into `store` in one transaction, bundle by bundle; a no-op
/// when the store already holds it. `progress` is called after each bundle.
pub async fn load(
    store: &Store,
    config: &Config,
    mut progress: impl FnMut(&DatasetCounts),
) -> anyhow::Result<Loaded> {
    let generator = Generator::new(config.clone())?;
    match store.begin_bulk(&manifest(config)).await? {
        BulkStart::AlreadyLoaded(dataset) => Ok(Loaded::AlreadyThere(dataset.counts)),
        BulkStart::Started(mut loader) => {
            for bundle in generator.customers() {
                loader.insert(&bundle).await?;
                progress(loader.counts());
            }
            let dataset = loader.commit().await?;
            Ok(Loaded::Written(dataset.counts))
        }
    }
}
