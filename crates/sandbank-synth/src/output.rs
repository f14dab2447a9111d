//! Writing a dataset as NDJSON files: one file per kind of record, one compact JSON record per
//! line, plus `manifest.json`. Bundles are written as they come, so memory stays bounded.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use sandbank_schemas::dataset::CustomerData;
use serde::Serialize;

use crate::{DatasetCounts, Manifest};

/// The files of a dataset folder, in the order they are listed, with the schema each record
/// follows (`None` for the customer list, which is Sandbank's own login table).
pub const FILES: &[(&str, Option<&str>)] = &[
    ("customers.ndjson", None),
    ("parties.ndjson", Some("party")),
    ("accounts.ndjson", Some("account")),
    ("account-parties.ndjson", Some("account-party")),
    ("balances.ndjson", Some("balance")),
    ("transactions.ndjson", Some("transaction")),
    ("statements.ndjson", Some("statement")),
    ("holdings.ndjson", Some("holding")),
    ("insurance-policies.ndjson", Some("insurance-policy")),
    ("insurance-claims.ndjson", Some("insurance-claim")),
    ("cards.ndjson", Some("card")),
];

/// Name of the manifest file.
pub const MANIFEST: &str = "manifest.json";

/// Writes bundles into a folder.
pub struct NdjsonWriter {
    dir: PathBuf,
    files: Vec<BufWriter<File>>,
    counts: DatasetCounts,
}

impl NdjsonWriter {
    /// Creates (or truncates) the dataset files in `dir`.
    pub fn create(dir: &Path) -> io::Result<NdjsonWriter> {
        fs::create_dir_all(dir)?;
        let files = FILES
            .iter()
            .map(|(name, _)| {
                File::create(dir.join(name)).map(|f| BufWriter::with_capacity(1 << 16, f))
            })
            .collect::<io::Result<Vec<_>>>()?;
        Ok(NdjsonWriter {
            dir: dir.to_owned(),
            files,
            counts: DatasetCounts::default(),
        })
    }

    /// Appends one bundle.
    pub fn write(&mut self, data: &CustomerData) -> io::Result<()> {
        self.counts.add(data);
        write_all(&mut self.files, 0, &data.customers)?;
        write_all(&mut self.files, 1, &data.parties)?;
        write_all(&mut self.files, 2, &data.accounts)?;
        write_all(&mut self.files, 3, &data.account_parties)?;
        write_all(&mut self.files, 4, &data.balances)?;
        write_all(&mut self.files, 5, &data.transactions)?;
        write_all(&mut self.files, 6, &data.statements)?;
        write_all(&mut self.files, 7, &data.holdings)?;
        write_all(&mut self.files, 8, &data.policies)?;
        write_all(&mut self.files, 9, &data.claims)?;
        write_all(&mut self.files, 10, &data.cards)
    }

    /// Records written so far.
    pub fn counts(&self) -> &DatasetCounts {
        &self.counts
    }

    /// Flushes every file and writes the manifest.
    pub fn finish(mut self, config: crate::Config) -> io::Result<Manifest> {
        for file in &mut self.files {
            file.flush()?;
        }
        let manifest = Manifest::new(config, self.counts);
        let mut text = serde_json::to_string_pretty(&manifest).map_err(io::Error::other)?;
        text.push('\n');
        fs::write(self.dir.join(MANIFEST), text)?;
        Ok(manifest)
    }
}

fn write_all<T: Serialize>(
    files: &mut [BufWriter<File>],
    index: usize,
    records: &[T],
) -> io::Result<()> {
    let Some(file) = files.get_mut(index) else {
        return Ok(());
    };
    for record in records {
        serde_json::to_writer(&mut *file, record).map_err(io::Error::other)?;
        file.write_all(b"\n")?;
    }
    Ok(())
}
