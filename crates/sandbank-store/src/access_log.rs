//! The access history: which bank-API requests each app made with a customer's grant, for the
//! privacy dashboard. The resource server appends [`AccessRecord`]s in batches
//! ([`Store::record_accesses`]); the dashboard reads them back per customer and app, newest
//! first ([`Store::accesses`]), and the last use of each app ([`Store::last_accesses`]).

use chrono::{DateTime, Utc};

use crate::Store;
use crate::db::{Bind, TableSpec};
use crate::encode::{from_micros, micros};
use crate::error::{StoreError, StoreResult};

const ACCESS_LOG: TableSpec = TableSpec {
    name: "access_log",
    columns: &[
        "party_id",
        "client_id",
        "grant_id",
        "at",
        "method",
        "route",
        "action",
        "path",
        "status",
        "accounts",
    ],
};

/// One bank-API request made with a token issued on a customer's grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRecord {
    /// The customer whose data it reached.
    pub party_id: String,
    /// The app that made it.
    pub client_id: String,
    /// The grant its token was issued on.
    pub grant_id: String,
    /// When it was answered, by the sandbox clock.
    pub at: DateTime<Utc>,
    /// HTTP method.
    pub method: String,
    /// The route it matched, as a template (`/accounts/{accountId}/transactions`).
    pub route: String,
    /// What it did, in words (`List the shared accounts`).
    pub action: String,
    /// The path it asked for, without the query.
    pub path: String,
    /// The status it was answered with.
    pub status: u16,
    /// The accounts it reached.
    pub accounts: Vec<String>,
}

/// A stored [`AccessRecord`] with its position in the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAccess {
    /// Increasing with every record appended: pass the last one seen as `before` to read the
    /// next page of [`Store::accesses`].
    pub id: i64,
    /// The record.
    pub record: AccessRecord,
}

type AccessRow = (
    i64,
    String,
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
    i64,
    String,
);

fn row(record: &AccessRecord) -> StoreResult<Vec<Bind>> {
    Ok(vec![
        Bind::Text(record.party_id.clone()),
        Bind::Text(record.client_id.clone()),
        Bind::Text(record.grant_id.clone()),
        Bind::Int(micros(record.at)),
        Bind::Text(record.method.clone()),
        Bind::Text(record.route.clone()),
        Bind::Text(record.action.clone()),
        Bind::Text(record.path.clone()),
        Bind::Int(i64::from(record.status)),
        Bind::Text(serde_json::to_string(&record.accounts).map_err(StoreError::Encode)?),
    ])
}

fn from_row(
    (id, party_id, client_id, grant_id, at, method, route, action, path, status, accounts): AccessRow,
) -> StoreResult<StoredAccess> {
    Ok(StoredAccess {
        id,
        record: AccessRecord {
            party_id,
            client_id,
            grant_id,
            at: from_micros(at)?,
            method,
            route,
            action,
            path,
            status: u16::try_from(status).map_err(StoreError::corrupt)?,
            accounts: serde_json::from_str(&accounts).map_err(StoreError::corrupt)?,
        },
    })
}

impl Store {
    /// Appends `records` to the access history, in one transaction.
    pub async fn record_accesses(&self, records: &[AccessRecord]) -> StoreResult<()> {
        if records.is_empty() {
            return Ok(());
        }
        let rows = records.iter().map(row).collect::<StoreResult<Vec<_>>>()?;
        self.pool.insert_rows(&ACCESS_LOG, rows).await
    }

    /// The customer's history with one app, newest first: at most `limit` records, older than
    /// the record `before` when given.
    pub async fn accesses(
        &self,
        party_id: &str,
        client_id: &str,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<StoredAccess>> {
        let rows = self
            .pool
            .fetch_all::<AccessRow>(
                "SELECT id, party_id, client_id, grant_id, at, method, route, action, path, status, \
                 accounts FROM access_log WHERE party_id = $1 AND client_id = $2 AND id < $3 \
                 ORDER BY id DESC LIMIT $4",
                vec![
                    Bind::Text(party_id.to_owned()),
                    Bind::Text(client_id.to_owned()),
                    Bind::Int(before.unwrap_or(i64::MAX)),
                    Bind::Int(i64::from(limit)),
                ],
            )
            .await?;
        rows.into_iter().map(from_row).collect()
    }

    /// When each app last reached the customer's data: `(client_id, at)`, by client id.
    pub async fn last_accesses(&self, party_id: &str) -> StoreResult<Vec<(String, DateTime<Utc>)>> {
        let rows = self
            .pool
            .fetch_all::<(String, i64)>(
                "SELECT client_id, MAX(at) FROM access_log WHERE party_id = $1 \
                 GROUP BY client_id ORDER BY client_id",
                vec![Bind::Text(party_id.to_owned())],
            )
            .await?;
        rows.into_iter()
            .map(|(client, at)| Ok((client, from_micros(at)?)))
            .collect()
    }
}
