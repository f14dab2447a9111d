//! Recording the access history the privacy dashboard shows: every bank-API request answered
//! for a token issued on a customer's grant becomes an [`AccessRecord`] in the store.
//!
//! Recording stays off the request's path: the resource server hands each record to an
//! [`AccessLog`], whose writer task gathers records for up to 50 ms (or 512 records) and
//! appends them in one transaction, so that under load the history takes the database's write
//! lock a few times a second rather than once per request (the load benchmark measures what it
//! costs, `bench/wrk.sh`). The queue is bounded: when the writer falls
//! behind, requests wait for room rather than lose their record. [`AccessLog::flush`] waits until
//! everything queued before it is stored, so a dashboard page shows every request this instance
//! answered before it; requests answered by other instances sharing the database appear as soon
//! as their writer has stored them.
//!
//! How a request's record is assembled: the bank API's middleware puts an [`AccessSlot`] into
//! the request's extensions, the [`Authorized`](crate::Authorized) extractor fills it with the
//! token's customer, client, grant and reachable accounts when it lets the request through, and
//! after the response the middleware adds the route, status and time and calls
//! [`AccessLog::record`].

use std::sync::{Arc, Mutex};

use sandbank_store::{AccessRecord, Store};
use tokio::sync::{mpsc, oneshot};

/// How many records may wait for the writer.
const QUEUE: usize = 4096;

/// The most records one transaction appends.
const BATCH: usize = 512;

/// How long the writer gathers records before it writes them (unless a flush is waiting).
const WINDOW: std::time::Duration = std::time::Duration::from_millis(50);

#[derive(Debug)]
enum Message {
    Record(AccessRecord),
    Flush(oneshot::Sender<()>),
}

/// Where the resource server sends its access records (cheap to clone).
#[derive(Debug, Clone)]
pub struct AccessLog {
    sender: Option<mpsc::Sender<Message>>,
}

impl AccessLog {
    /// Starts the writer task that appends records to `store`. Needs a Tokio runtime.
    pub fn start(store: Store) -> AccessLog {
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(write(store, receiver));
        AccessLog {
            sender: Some(sender),
        }
    }

    /// A log that records nothing (`serve --access-history false`).
    pub fn off() -> AccessLog {
        AccessLog { sender: None }
    }

    /// Whether records are kept.
    pub fn is_on(&self) -> bool {
        self.sender.is_some()
    }

    /// Queues a record, waiting for room when the queue is full.
    pub async fn record(&self, record: AccessRecord) {
        if let Some(sender) = &self.sender
            && sender.send(Message::Record(record)).await.is_err()
        {
            tracing::warn!("the access history's writer has stopped; a record was lost");
        }
    }

    /// Waits until every record queued before this call is stored (or failed to be).
    pub async fn flush(&self) {
        let Some(sender) = &self.sender else { return };
        let (done, stored) = oneshot::channel();
        if sender.send(Message::Flush(done)).await.is_ok() {
            let _ = stored.await;
        }
    }
}

async fn write(store: Store, mut receiver: mpsc::Receiver<Message>) {
    let mut records = Vec::with_capacity(BATCH);
    let mut flushes = Vec::new();
    while let Some(first) = receiver.recv().await {
        // Gather what arrives within the window (or until the batch is full, or someone waits
        // for a flush), so that a busy bank API shares one write transaction among many
        // requests instead of contending for the database's write lock with each.
        let window = tokio::time::sleep(WINDOW);
        tokio::pin!(window);
        let mut next = Some(first);
        loop {
            match next.take() {
                Some(Message::Record(record)) => records.push(record),
                Some(Message::Flush(done)) => flushes.push(done),
                None => {}
            }
            if records.len() >= BATCH || !flushes.is_empty() {
                break;
            }
            tokio::select! {
                message = receiver.recv() => match message {
                    Some(message) => next = Some(message),
                    None => break,
                },
                () = &mut window => break,
            }
        }
        if let Err(error) = store.record_accesses(&records).await {
            tracing::warn!(%error, count = records.len(), "storing access history failed");
        }
        records.clear();
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
    }
}

/// Who a request was let through for, as the guard saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accessor {
    /// The customer.
    pub party_id: String,
    /// The client.
    pub client_id: String,
    /// The grant the token was issued on.
    pub grant_id: String,
    /// The accounts the token reaches.
    pub accounts: Vec<String>,
}

/// A request extension the [`Authorized`](crate::Authorized) extractor fills when it lets a
/// request through on a customer's grant (see the module documentation).
#[derive(Debug, Clone, Default)]
pub struct AccessSlot(Arc<Mutex<Option<Accessor>>>);

impl AccessSlot {
    /// Records who the request is for.
    pub fn fill(&self, accessor: Accessor) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(accessor);
        }
    }

    /// Who the request was for, if the guard let it through on a grant.
    pub fn take(&self) -> Option<Accessor> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}
