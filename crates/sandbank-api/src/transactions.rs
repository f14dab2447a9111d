//! `GET /accounts/{accountId}/transactions`: filtered, newest first, cursor-paged both ways.

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use sandbank_fapi::{AuthServer, Authorized};
use sandbank_schemas::{Links, Page, PageMeta, Permission, Problem, Transaction};
use sandbank_store::{MAX_PAGE_SIZE, StoreError, TransactionFilter};
use serde::de::DeserializeOwned;

use crate::access::shared_account;
use crate::fapi_request::Details;
use crate::openapi::pages::TransactionPage;
use crate::problem::{ApiError, PROBLEM_JSON};

/// Transactions on a page unless `pageSize` says otherwise.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// The query of a transactions request, parsed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransactionQuery {
    /// Which transactions.
    pub filter: TransactionFilter,
    /// How many on a page.
    pub page_size: u32,
    /// Where the page starts.
    pub cursor: Option<String>,
    /// The filter parameters as given, in order, to carry into the links (`pageSize` and
    /// `cursor` are added there).
    pub carried: Vec<(String, String)>,
}

fn enum_value<T: DeserializeOwned>(value: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(value.to_owned())).ok()
}

/// Parses `query`. Unknown, repeated or invalid parameters are errors (one per parameter).
pub fn parse_query(query: Option<&str>, instance: &str) -> Result<TransactionQuery, ApiError> {
    let mut parsed = TransactionQuery {
        page_size: DEFAULT_PAGE_SIZE,
        ..TransactionQuery::default()
    };
    let mut errors = Vec::new();
    let mut seen = Vec::new();
    let mut error = |name: &str, detail: &str| {
        errors.push(sandbank_schemas::ProblemError {
            pointer: name.to_owned(),
            detail: detail.to_owned(),
        });
    };
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let (name, value) = (name.into_owned(), value.into_owned());
        if seen.contains(&name) {
            error(&name, "given more than once");
            continue;
        }
        seen.push(name.clone());
        let time = || {
            DateTime::parse_from_rfc3339(&value)
                .ok()
                .map(|t| t.with_timezone(&Utc))
        };
        let ok = match name.as_str() {
            "fromBookingDateTime" => time().map(|t| parsed.filter.from = Some(t)).is_some(),
            "toBookingDateTime" => time().map(|t| parsed.filter.to = Some(t)).is_some(),
            "status" => enum_value(&value)
                .map(|s| parsed.filter.status = Some(s))
                .is_some(),
            "category" => enum_value(&value)
                .map(|c| parsed.filter.category = Some(c))
                .is_some(),
            "minAmount" => enum_value(&value)
                .map(|a| parsed.filter.min_amount = Some(a))
                .is_some(),
            "maxAmount" => enum_value(&value)
                .map(|a| parsed.filter.max_amount = Some(a))
                .is_some(),
            "pageSize" => match value.parse::<u32>() {
                Ok(size) if (1..=MAX_PAGE_SIZE).contains(&size) => {
                    parsed.page_size = size;
                    true
                }
                _ => false,
            },
            "cursor" => {
                parsed.cursor = Some(value.clone());
                true
            }
            _ => {
                error(&name, "unknown query parameter");
                continue;
            }
        };
        if !ok {
            let detail = match name.as_str() {
                "fromBookingDateTime" | "toBookingDateTime" => "not an RFC 3339 date-time",
                "status" | "category" => "not one of the allowed values",
                "minAmount" | "maxAmount" => "not a non-negative decimal amount",
                _ => "not a whole number from 1 to 1000",
            };
            error(&name, detail);
        } else if name != "cursor" && name != "pageSize" {
            parsed.carried.push((name, value));
        }
    }
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(ApiError::InvalidRequest {
            instance: instance.to_owned(),
            errors,
        })
    }
}

fn link(server: &AuthServer, path: &str, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return server.config.url(path);
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    server.config.url(&format!("{path}?{query}"))
}

/// List an account's transactions.
///
/// A shared account's transactions, newest first (booking time, then transaction id), filtered
/// and cursor-paged. Follow `links.next` to the end to read every matching transaction exactly
/// once; `links.prev` leads back to the page before, the same transactions in the same order as
/// when it was reached forward. Filters and `pageSize` carry into every link.
#[utoipa::path(
    get,
    path = "/accounts/{accountId}/transactions",
    operation_id = "listTransactions",
    tag = "accounts",
    security(("oauth2" = ["transactions"])),
    params(
        ("accountId" = String, Path, description = "The account."),
        ("fromBookingDateTime" = Option<String>, Query, format = DateTime, description = "Booked at or after this time (RFC 3339)."),
        ("toBookingDateTime" = Option<String>, Query, format = DateTime, description = "Booked at or before this time (RFC 3339)."),
        ("status" = Option<String>, Query, description = "Only transactions in this status (`PENDING`, `POSTED`, `AUTHORIZATION` or `REJECTED`)."),
        ("category" = Option<String>, Query, description = "Only transactions in this category."),
        ("minAmount" = Option<String>, Query, description = "Amount at least this, whatever the direction (decimal string)."),
        ("maxAmount" = Option<String>, Query, description = "Amount at most this, whatever the direction (decimal string)."),
        ("pageSize" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "Transactions on a page: 1 to 1000, 100 by default."),
        ("cursor" = Option<String>, Query, description = "Where the page starts: taken from `links.next` or `links.prev`; opaque.")
    ),
    responses(
        (status = 200, description = "A page of transactions (`Page` of `Transaction`); `links.next` leads to the next one (absent on the last page), `links.prev` to the one before (absent on the first).", body = TransactionPage),
        (status = 400, description = "An unknown, repeated or invalid query parameter, or a cursor this server did not issue for this account.", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No account with this id is shared with this client.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn list(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path(account_id): Path<String>,
    details: Details,
) -> Result<Json<Page<Transaction>>, ApiError> {
    let instance = format!("/accounts/{account_id}/transactions");
    let account = shared_account(
        &server,
        &authorized,
        Permission::Transactions,
        &account_id,
        &instance,
    )
    .await?;
    details.headers(&instance)?;
    let parsed = parse_query(details.query(), &instance)?;
    let page = server
        .store
        .transactions(
            &account.account_id,
            &parsed.filter,
            parsed.page_size,
            parsed.cursor.as_deref(),
        )
        .await
        .map_err(|error| match error {
            StoreError::InvalidCursor => ApiError::invalid(
                &instance,
                "cursor",
                "not a cursor this server issued for this account's transactions",
            ),
            other => other.into(),
        })?;
    let mut pairs = parsed.carried.clone();
    pairs.push(("pageSize".to_owned(), parsed.page_size.to_string()));
    // Every link carries the filters and the page size; all but `first` a cursor too.
    let at = |cursor: Option<&str>| {
        let mut with_cursor = pairs.clone();
        with_cursor.extend(cursor.map(|cursor| ("cursor".to_owned(), cursor.to_owned())));
        link(&server, &instance, &with_cursor)
    };
    let first = at(None);
    let self_link = at(parsed.cursor.as_deref());
    let next = page.next_cursor.as_deref().map(|cursor| at(Some(cursor)));
    let prev = page.prev_cursor.as_deref().map(|cursor| at(Some(cursor)));
    Ok(Json(Page {
        data: page.transactions,
        links: Links {
            self_link,
            first: Some(first),
            prev,
            next,
        },
        meta: PageMeta {
            page_size: parsed.page_size,
            total_records: None,
        },
    }))
}
