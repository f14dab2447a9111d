//! Writing datasets: a whole dataset atomically and idempotently, bundle by bundle with bounded
//! memory, or one customer's bundle at a time.

use sandbank_schemas::CustomerData;
pub use sandbank_schemas::DatasetCounts;
use serde::{Deserialize, Serialize};

use crate::Store;
use crate::auth_state::{DELETE_KIND, PUT_ENTRY, put_binds};
use crate::db::{Bind, TableSpec, Tx};
use crate::encode::{body, from_body};
use crate::error::{StoreError, StoreResult};
use crate::tables;

/// What identifies a dataset: loading the same manifest twice is a no-op.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetManifest {
    /// The seed the generator ran with.
    pub seed: u64,
    /// The generator's version: the same seed under another version is another dataset.
    pub generator_version: String,
    /// A hash of the dataset's content, when the producer computed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
}

/// A dataset as recorded in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedDataset {
    /// What identifies it.
    pub manifest: DatasetManifest,
    /// What it holds.
    pub counts: DatasetCounts,
}

/// What [`Store::load_dataset`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadOutcome {
    /// The dataset was written.
    Loaded(LoadedDataset),
    /// The database already held this dataset; nothing was written.
    AlreadyLoaded(LoadedDataset),
}

/// What [`Store::begin_bulk`] found.
#[derive(Debug)]
pub enum BulkStart {
    /// The database was empty: write the dataset into this loader, then commit it.
    Started(BulkLoader),
    /// The database already holds this dataset; there is nothing to write.
    AlreadyLoaded(LoadedDataset),
}

const SELECT_DATASET: &str =
    "SELECT seed, generator_version, content_hash, counts FROM dataset WHERE id = 1";

const INSERT_DATASET: &str = "INSERT INTO dataset (id, seed, generator_version, content_hash, counts) \
     VALUES (1, $1, $2, $3, $4)";

fn manifest_binds(manifest: &DatasetManifest, counts: &DatasetCounts) -> StoreResult<Vec<Bind>> {
    Ok(vec![
        Bind::Text(manifest.seed.to_string()),
        Bind::Text(manifest.generator_version.clone()),
        Bind::OptText(manifest.content_hash.clone()),
        Bind::Text(body(counts)?),
    ])
}

type DatasetRow = (String, String, Option<String>, String);

fn dataset_from_row(
    (seed, generator_version, content_hash, counts): DatasetRow,
) -> StoreResult<LoadedDataset> {
    Ok(LoadedDataset {
        manifest: DatasetManifest {
            seed: seed.parse().map_err(StoreError::corrupt)?,
            generator_version,
            content_hash,
        },
        counts: from_body(&counts)?,
    })
}

impl Store {
    /// The dataset this database holds, if one was loaded.
    pub async fn dataset(&self) -> StoreResult<Option<LoadedDataset>> {
        self.pool
            .fetch_optional::<DatasetRow>(SELECT_DATASET, vec![])
            .await?
            .map(dataset_from_row)
            .transpose()
    }

    /// Loads a whole dataset in one transaction: all of it, or (on any error) none of it.
    ///
    /// Into a database that already holds the same manifest this writes nothing and returns
    /// [`LoadOutcome::AlreadyLoaded`]; into one that holds anything else it fails with
    /// [`StoreError::NotEmpty`]. The bundles are consumed one at a time; `next()` runs on the
    /// calling task, so a slow generator should rather drive [`Store::begin_bulk`] itself.
    pub async fn load_dataset<I>(
        &self,
        manifest: &DatasetManifest,
        bundles: I,
    ) -> StoreResult<LoadOutcome>
    where
        I: IntoIterator<Item = CustomerData>,
    {
        match self.begin_bulk(manifest).await? {
            BulkStart::AlreadyLoaded(dataset) => Ok(LoadOutcome::AlreadyLoaded(dataset)),
            BulkStart::Started(mut loader) => {
                for bundle in bundles {
                    loader.insert(&bundle).await?;
                }
                Ok(LoadOutcome::Loaded(loader.commit().await?))
            }
        }
    }

    /// Starts loading a dataset bundle by bundle, in one transaction that
    /// [`BulkLoader::commit`] ends. Dropping the loader (or any error) rolls everything back.
    ///
    /// Returns [`BulkStart::AlreadyLoaded`] when the database already holds this manifest, and
    /// fails with [`StoreError::NotEmpty`] when it holds anything else. While the load runs it
    /// holds the database's write lock: on SQLite other writers wait (and give up after the
    /// busy timeout); on an in-memory database every other operation waits.
    pub async fn begin_bulk(&self, manifest: &DatasetManifest) -> StoreResult<BulkStart> {
        let mut tx = self.pool.begin().await?;
        // Claim the single dataset row first: a concurrent loader blocks here until this one
        // commits or rolls back, then finds the row (or not) and decides.
        let claimed = tx
            .execute(
                "INSERT INTO dataset (id, seed, generator_version, content_hash, counts) \
                 VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
                manifest_binds(manifest, &DatasetCounts::default())?,
            )
            .await?;
        if claimed == 0 {
            let existing = tx
                .fetch_optional::<DatasetRow>(SELECT_DATASET, vec![])
                .await?;
            tx.rollback().await?;
            return match existing.map(dataset_from_row).transpose()? {
                Some(dataset) if dataset.manifest == *manifest => {
                    Ok(BulkStart::AlreadyLoaded(dataset))
                }
                _ => Err(StoreError::NotEmpty),
            };
        }
        let (has_records,) = tx
            .fetch_optional::<(bool,)>(
                "SELECT EXISTS (SELECT 1 FROM parties) OR EXISTS (SELECT 1 FROM accounts) \
                 OR EXISTS (SELECT 1 FROM customers)",
                vec![],
            )
            .await?
            .unwrap_or((false,));
        if has_records {
            tx.rollback().await?;
            return Err(StoreError::NotEmpty);
        }
        Ok(BulkStart::Started(BulkLoader {
            tx,
            rows: Box::default(),
            manifest: manifest.clone(),
            counts: DatasetCounts::default(),
        }))
    }

    /// Starts replacing the database's dataset, whatever it is (or none), with another, in one
    /// transaction that [`BulkLoader::commit`] ends: every record of the old dataset — and
    /// records added to it since — is deleted, then the new bundles are inserted. Until the
    /// commit, readers see the old dataset; dropping the loader (or any error) keeps it.
    ///
    /// What is not dataset stays: the authorization server's state (unless the loader is told
    /// otherwise with [`BulkLoader::delete_auth_state`]) and the schema registry's.
    pub async fn begin_replace(&self, manifest: &DatasetManifest) -> StoreResult<BulkLoader> {
        let mut tx = self.pool.begin_write().await?;
        // Every table the loader writes, in reverse: records that refer to others first.
        let tables: Vec<&str> = Rows::default()
            .buffers()
            .iter()
            .rev()
            .map(|(table, _)| table.name)
            .chain(["dataset"])
            .collect();
        for table in tables {
            // The names are the loader's own constants, never input.
            tx.execute(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")), vec![])
                .await?;
        }
        tx.execute(
            INSERT_DATASET,
            manifest_binds(manifest, &DatasetCounts::default())?,
        )
        .await?;
        Ok(BulkLoader {
            tx,
            rows: Box::default(),
            manifest: manifest.clone(),
            counts: DatasetCounts::default(),
        })
    }

    /// Starts adding bundles to the dataset the database holds, which from then on goes by
    /// `manifest`, in one transaction that [`BulkLoader::commit`] ends. Fails with
    /// [`StoreError::NoDataset`] when no dataset is loaded.
    pub async fn begin_extend(&self, manifest: &DatasetManifest) -> StoreResult<BulkLoader> {
        let mut tx = self.pool.begin_write().await?;
        let Some(existing) = tx
            .fetch_optional::<DatasetRow>(SELECT_DATASET, vec![])
            .await?
        else {
            tx.rollback().await?;
            return Err(StoreError::NoDataset);
        };
        let existing = dataset_from_row(existing)?;
        tx.execute(
            "UPDATE dataset SET seed = $1, generator_version = $2, content_hash = $3, \
             counts = $4 WHERE id = 1",
            manifest_binds(manifest, &existing.counts)?,
        )
        .await?;
        Ok(BulkLoader {
            tx,
            rows: Box::default(),
            manifest: manifest.clone(),
            counts: existing.counts,
        })
    }

    /// Writes one customer's bundle in its own transaction, outside any dataset (for records
    /// added after the dataset, and for tests). A bundle that refers to records not yet stored
    /// (a joint account's relation before the account itself) fails and writes nothing.
    pub async fn load_customer(&self, data: &CustomerData) -> StoreResult<()> {
        let mut rows = Rows::default();
        rows.push(data)?;
        let mut tx = self.pool.begin().await?;
        rows.flush(&mut tx, true).await?;
        tx.commit().await
    }
}

/// A dataset being written in one transaction. Rows are buffered per table and written in
/// multi-row statements as each table's buffer fills, so memory stays bounded whatever the
/// size of the dataset.
#[derive(Debug)]
pub struct BulkLoader {
    tx: Tx,
    rows: Box<Rows>,
    manifest: DatasetManifest,
    counts: DatasetCounts,
}

impl BulkLoader {
    /// Adds one customer's bundle. Records may refer to records of bundles not yet inserted:
    /// references are checked when the load commits.
    pub async fn insert(&mut self, data: &CustomerData) -> StoreResult<()> {
        self.insert_encoded(EncodedBundle::encode(data)?).await
    }

    /// Adds one customer's bundle, already turned into rows (see [`EncodedBundle`]).
    pub async fn insert_encoded(&mut self, bundle: EncodedBundle) -> StoreResult<()> {
        let EncodedBundle { mut rows, counts } = bundle;
        self.rows.append(&mut rows);
        self.counts.merge(&counts);
        self.rows.flush(&mut self.tx, false).await
    }

    /// Adds every bundle `bundles` yields, in order, calling `progress` after each. The
    /// bundles are made and encoded on a blocking thread of their own, a few ahead of the
    /// writes, so a generator's work overlaps the database's instead of adding to it. The
    /// first error (from encoding or from the database) stops both sides and is returned.
    pub async fn insert_all<I>(
        &mut self,
        bundles: I,
        mut progress: impl FnMut(&DatasetCounts),
    ) -> StoreResult<()>
    where
        I: IntoIterator<Item = CustomerData> + Send + 'static,
    {
        let (sender, mut receiver) = tokio::sync::mpsc::channel(ENCODED_AHEAD);
        let encoder = tokio::task::spawn_blocking(move || {
            for data in bundles {
                let encoded = EncodedBundle::encode(&data);
                let failed = encoded.is_err();
                // A closed channel means the writer gave up: stop making bundles.
                if sender.blocking_send(encoded).is_err() || failed {
                    break;
                }
            }
        });
        while let Some(encoded) = receiver.recv().await {
            self.insert_encoded(encoded?).await?;
            progress(&self.counts);
        }
        // The channel closes when the encoder returns, or if it panicked: then bundles are
        // missing, and the load must not commit.
        encoder.await.map_err(|_| StoreError::EncoderStopped)
    }

    /// The records inserted so far.
    pub fn counts(&self) -> &DatasetCounts {
        &self.counts
    }

    /// Writes what is still buffered, records the dataset's counts and commits. Fails with
    /// [`StoreError::MissingReference`] (and writes nothing at all) when a record refers to one
    /// the dataset lacks.
    pub async fn commit(mut self) -> StoreResult<LoadedDataset> {
        self.rows.flush(&mut self.tx, true).await?;
        self.tx
            .execute(
                "UPDATE dataset SET counts = $1 WHERE id = 1",
                vec![Bind::Text(body(&self.counts)?)],
            )
            .await?;
        self.tx.commit().await?;
        Ok(LoadedDataset {
            manifest: self.manifest,
            counts: self.counts,
        })
    }

    /// Stores an authorization-server entry (see [`crate::AuthState::put`]) in the load's
    /// transaction, so that the dataset and state that describes it change together.
    pub async fn put_auth_state(
        &mut self,
        kind: &str,
        key: &str,
        value: &serde_json::Value,
        now: chrono::DateTime<chrono::Utc>,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()> {
        self.tx
            .execute(PUT_ENTRY, put_binds(kind, key, value, now, expires_at)?)
            .await?;
        Ok(())
    }

    /// Deletes every authorization-server entry of these kinds in the load's transaction (state
    /// that refers to the dataset being replaced); returns how many.
    pub async fn delete_auth_state(&mut self, kinds: &[&str]) -> StoreResult<u64> {
        let mut deleted = 0;
        for kind in kinds {
            deleted += self
                .tx
                .execute(DELETE_KIND, vec![Bind::Text((*kind).to_owned())])
                .await?;
        }
        Ok(deleted)
    }

    /// Deletes the whole access history in the load's transaction (with the grants it belongs
    /// to).
    pub async fn clear_access_log(&mut self) -> StoreResult<()> {
        self.tx.execute("DELETE FROM access_log", vec![]).await?;
        Ok(())
    }

    /// Deletes every payment, payment event and ledger entry in the load's transaction (a reset:
    /// the grants they were made under go too).
    pub async fn clear_payments(&mut self) -> StoreResult<()> {
        for table in ["payment_events", "payments", "ledger_entries"] {
            // The names are constants, never input.
            self.tx
                .execute(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")), vec![])
                .await?;
        }
        Ok(())
    }

    /// Deletes every claim filed through the API in the load's transaction (a reset: the
    /// dataset's own claims are regenerated with it; the money paid claims moved goes with the
    /// ledger, in [`BulkLoader::clear_payments`]).
    pub async fn clear_claims(&mut self) -> StoreResult<()> {
        self.tx.execute("DELETE FROM filed_claims", vec![]).await?;
        Ok(())
    }

    /// Replays the ledger ([`crate::ledger`]) onto the dataset loaded so far: the money
    /// payments and claims moved stays moved when the dataset is rebuilt. Call it after the
    /// last bundle; returns how many entries were replayed.
    pub async fn replay_ledger(&mut self) -> StoreResult<usize> {
        self.rows.flush(&mut self.tx, true).await?;
        crate::ledger::replay(&mut self.tx).await
    }

    /// Abandons the load: nothing of it is written.
    pub async fn rollback(self) -> StoreResult<()> {
        self.tx.rollback().await
    }
}

/// How many encoded bundles [`BulkLoader::insert_all`] keeps ready ahead of the writes.
const ENCODED_AHEAD: usize = 8;

/// One customer's bundle turned into the rows that store it: the CPU-bound half of
/// [`BulkLoader::insert`] (serializing every record to JSON, computing the indexed columns),
/// which can run on another thread than the writes. [`BulkLoader::insert_encoded`] writes it.
#[derive(Debug, Default)]
pub struct EncodedBundle {
    rows: Rows,
    counts: DatasetCounts,
}

impl EncodedBundle {
    /// Encodes every record of `data`.
    pub fn encode(data: &CustomerData) -> StoreResult<EncodedBundle> {
        let mut rows = Rows::default();
        rows.push(data)?;
        let mut counts = DatasetCounts::default();
        counts.add(data);
        Ok(EncodedBundle { rows, counts })
    }
}

/// Rows waiting to be written, one buffer per table.
#[derive(Debug, Default)]
struct Rows {
    customers: Vec<Vec<Bind>>,
    parties: Vec<Vec<Bind>>,
    accounts: Vec<Vec<Bind>>,
    account_identifications: Vec<Vec<Bind>>,
    account_parties: Vec<Vec<Bind>>,
    balances: Vec<Vec<Bind>>,
    transactions: Vec<Vec<Bind>>,
    statements: Vec<Vec<Bind>>,
    holdings: Vec<Vec<Bind>>,
    policies: Vec<Vec<Bind>>,
    claims: Vec<Vec<Bind>>,
    cards: Vec<Vec<Bind>>,
}

impl Rows {
    /// Turns every record of a bundle into rows.
    fn push(&mut self, data: &CustomerData) -> StoreResult<()> {
        for customer in &data.customers {
            self.customers.push(tables::customer_row(customer)?);
        }
        for party in &data.parties {
            self.parties.push(tables::party_row(party)?);
        }
        for account in &data.accounts {
            self.accounts.push(tables::account_row(account)?);
            self.account_identifications
                .extend(tables::account_identification_rows(account));
        }
        for relation in &data.account_parties {
            self.account_parties
                .push(tables::account_party_row(relation)?);
        }
        for (index, balance) in data.balances.iter().enumerate() {
            self.balances.push(tables::balance_row(index, balance)?);
        }
        for transaction in &data.transactions {
            self.transactions
                .push(tables::transaction_row(transaction)?);
        }
        for statement in &data.statements {
            self.statements.push(tables::statement_row(statement)?);
        }
        for (index, holding) in data.holdings.iter().enumerate() {
            self.holdings.push(tables::holding_row(index, holding)?);
        }
        for policy in &data.policies {
            self.policies.push(tables::policy_row(policy)?);
        }
        for claim in &data.claims {
            self.claims.push(tables::claim_row(claim)?);
        }
        for card in &data.cards {
            self.cards.push(tables::card_row(card)?);
        }
        Ok(())
    }

    /// Moves every row of `other` to the end of these buffers.
    fn append(&mut self, other: &mut Rows) {
        for ((_, mine), (_, theirs)) in self.buffers().into_iter().zip(other.buffers()) {
            mine.append(theirs);
        }
    }

    /// Each table with its buffer, in the order rows are written: referenced tables first.
    fn buffers(&mut self) -> [(&'static TableSpec, &mut Vec<Vec<Bind>>); 12] {
        [
            (&tables::PARTIES, &mut self.parties),
            (&tables::CUSTOMERS, &mut self.customers),
            (&tables::ACCOUNTS, &mut self.accounts),
            (
                &tables::ACCOUNT_IDENTIFICATIONS,
                &mut self.account_identifications,
            ),
            (&tables::ACCOUNT_PARTIES, &mut self.account_parties),
            (&tables::BALANCES, &mut self.balances),
            (&tables::TRANSACTIONS, &mut self.transactions),
            (&tables::STATEMENTS, &mut self.statements),
            (&tables::HOLDINGS, &mut self.holdings),
            (&tables::POLICIES, &mut self.policies),
            (&tables::CLAIMS, &mut self.claims),
            (&tables::CARDS, &mut self.cards),
        ]
    }

    /// Writes every full statement's worth of rows, or with `everything` all rows.
    async fn flush(&mut self, tx: &mut Tx, everything: bool) -> StoreResult<()> {
        for (table, rows) in self.buffers() {
            let ready = if everything {
                rows.len()
            } else {
                rows.len() - rows.len() % table.rows_per_statement()
            };
            if ready > 0 {
                tx.insert_rows(table, rows.drain(..ready).collect()).await?;
            }
        }
        Ok(())
    }
}
