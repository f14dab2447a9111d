//! Loading a generated dataset into a store: at `serve` start-up and from `sandbank generate`.

use std::sync::Arc;

use sandbank_schemas::CustomerData;
use sandbank_store::{BulkStart, DatasetCounts, DatasetManifest, Store};
use sandbank_synth::spec::CustomerSpec;
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
    manifest_with(config, &[])
}

/// The manifest of `config`'s dataset with the customers the sandbox created at run time.
/// The seed's own dataset keeps the manifest it always had, so databases loaded before the
/// sandbox existed are still recognised.
pub fn manifest_with(config: &Config, created: &[CustomerSpec]) -> DatasetManifest {
    let mut content = format!(
        "customers={};months={};commercial={};as_of={};personas={}",
        config.customers,
        config.months,
        config.commercial_share_percent,
        config.as_of,
        config.personas
    );
    if let Some(from) = config.advanced_from {
        content.push_str(&format!(";advanced_from={from}"));
    }
    if !created.is_empty() {
        let specs = serde_json::to_vec(created).unwrap_or_default();
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &specs);
        let hex: String = digest.as_ref()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        content.push_str(&format!(";created={}:{hex}", created.len()));
    }
    DatasetManifest {
        seed: config.seed,
        generator_version: GENERATOR_VERSION.to_owned(),
        content_hash: Some(content),
    }
}

/// Every bundle of the dataset: the generator's, then the created customers'. The iterator owns
/// what it needs, so a loader can make the bundles on a thread of their own
/// ([`sandbank_store::BulkLoader::insert_all`]).
pub fn bundles(
    generator: Generator,
    created: Vec<CustomerSpec>,
) -> impl Iterator<Item = CustomerData> + Send + 'static {
    let generator = Arc::new(generator);
    let for_created = Arc::clone(&generator);
    (0..generator.len())
        .filter_map(move |index| generator.customer(index))
        .chain(
            created
                .into_iter()
                .map(move |spec| for_created.created(&spec)),
        )
}

/// Generates `config`'s dataset into `store` in one transaction, bundle by bundle; a no-op
/// when the store already holds it. `progress` is called after each bundle.
pub async fn load(
    store: &Store,
    config: &Config,
    progress: impl FnMut(&DatasetCounts),
) -> anyhow::Result<Loaded> {
    load_with(store, config, &[], progress).await
}

/// [`load`] with the customers the sandbox created at run time. The bundles are generated and
/// encoded on another thread while the database writes the ones before.
pub async fn load_with(
    store: &Store,
    config: &Config,
    created: &[CustomerSpec],
    progress: impl FnMut(&DatasetCounts),
) -> anyhow::Result<Loaded> {
    let generator = Generator::new(config.clone())?;
    match store.begin_bulk(&manifest_with(config, created)).await? {
        BulkStart::AlreadyLoaded(dataset) => Ok(Loaded::AlreadyThere(dataset.counts)),
        BulkStart::Started(mut loader) => {
            loader
                .insert_all(bundles(generator, created.to_vec()), progress)
                .await?;
            let dataset = loader.commit().await?;
            Ok(Loaded::Written(dataset.counts))
        }
    }
}
