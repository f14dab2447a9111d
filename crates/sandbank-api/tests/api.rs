#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The bank API over HTTP on a real socket, with the authorization server beside it and the
//! personas loaded: every endpoint answers 200 with the permission, 401 without a token, 403
//! without the permission and 404 for another customer's ids; every body matches its schema
//! from the catalogue; transaction filters and paging.
//!
//! Each test runs a `sandbank_testkit::Sandbox` (the server `sandbank serve` runs) with a client
//! registered on it. Tokens and grants are forged into the store through the contract of
//! `sandbank_fapi::tokens` (`Sandbox::forge_session`), as in `sandbank-fapi`'s resource tests;
//! DPoP proofs come from the test kit, built with `jsonwebtoken` and aws-lc-rs keys, never with
//! the server's own JOSE code.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use reqwest::{Method, StatusCode};
use sandbank_fapi::AuthServer;
use sandbank_registry::{Registry, VersionRef};
use sandbank_schemas::{AccountId, Permission};
use sandbank_store::{Store, TransactionFilter};
use sandbank_testkit::{READ_PERMISSIONS, Sandbox, SandboxBuilder, Session, TestClient};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

/// Every permission: the read permissions, `card_controls` and `insurance_claims`.
fn all_permissions() -> Vec<Permission> {
    READ_PERMISSIONS
        .into_iter()
        .chain([Permission::CardControls, Permission::InsuranceClaims])
        .collect()
}

/// A sandbox and a client registered on it: sessions are forged for that client.
struct TestApp {
    sandbox: Sandbox,
    client: TestClient,
    /// Base URL (the issuer): what links start with.
    url: String,
}

/// The personas with a month of history.
async fn start() -> TestApp {
    start_from(Sandbox::builder().personas_only()).await
}

/// The personas with `months` of history (12 gives the default dataset's personas exactly).
async fn start_with(months: u32) -> TestApp {
    start_from(Sandbox::builder().personas_only().months(months)).await
}

/// The app on the database at `url`, holding the personas with a month of history (loaded
/// unless already there).
async fn start_on(database_url: &str) -> TestApp {
    start_from(
        Sandbox::builder()
            .personas_only()
            .database_url(database_url),
    )
    .await
}

async fn start_from(builder: SandboxBuilder) -> TestApp {
    let sandbox = builder.start().await.unwrap();
    let client = sandbox.register_client().await.unwrap();
    TestApp {
        url: sandbox.url().to_owned(),
        sandbox,
        client,
    }
}

impl TestApp {
    fn store(&self) -> &Store {
        self.sandbox.store()
    }

    async fn accounts_of(&self, username: &str) -> Vec<AccountId> {
        self.sandbox.accounts_of(username).await.unwrap()
    }

    /// A grant by `username` over `accounts` with `permissions`, and a DPoP-bound access token
    /// on it (30 minutes: the longest walks take a while).
    async fn issue_with(
        &self,
        username: &str,
        accounts: &[AccountId],
        permissions: &[Permission],
    ) -> Session {
        self.sandbox
            .forge_session(&self.client, username)
            .accounts(accounts.to_vec())
            .permissions(permissions.iter().copied())
            .lifetime(Duration::minutes(30))
            .await
            .unwrap()
    }

    /// Every account of `username`, every permission but `without`.
    async fn issue_all(&self, username: &str, without: Option<Permission>) -> Session {
        let accounts = self.accounts_of(username).await;
        let permissions: Vec<Permission> = all_permissions()
            .into_iter()
            .filter(|p| Some(*p) != without)
            .collect();
        self.issue_with(username, &accounts, &permissions).await
    }

    /// `GET target` (a path or a full URL on this server), with `issued`'s token and a fresh
    /// proof.
    async fn get(&self, target: &str, issued: Option<&Session>) -> reqwest::Response {
        self.get_with(target, issued, &[]).await
    }

    /// `GET target` with extra request headers.
    async fn get_with(
        &self,
        target: &str,
        issued: Option<&Session>,
        extra: &[(&str, &str)],
    ) -> reqwest::Response {
        self.send(Method::GET, target, issued, extra, None).await
    }

    /// `PATCH target` with a body of `content_type`.
    async fn patch(
        &self,
        target: &str,
        issued: Option<&Session>,
        content_type: Option<&str>,
        body: impl Into<Vec<u8>>,
    ) -> reqwest::Response {
        let extra: Vec<(&str, &str)> = content_type
            .map(|value| ("content-type", value))
            .into_iter()
            .collect();
        self.send(Method::PATCH, target, issued, &extra, Some(body.into()))
            .await
    }

    /// `PATCH target` with a JSON body.
    async fn patch_json(
        &self,
        target: &str,
        issued: Option<&Session>,
        body: &Value,
    ) -> reqwest::Response {
        self.patch(target, issued, Some("application/json"), body.to_string())
            .await
    }

    /// `method target` with extra request headers and a body: through `issued` (its token
    /// and a fresh proof for that method), or with no credentials at all.
    async fn send(
        &self,
        method: Method,
        target: &str,
        issued: Option<&Session>,
        extra: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> reqwest::Response {
        let mut request = match issued {
            Some(session) => session.request(method, target),
            None => self.sandbox.request(method, target),
        };
        for (name, value) in extra {
            request = request.header(name, value);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        request.await.unwrap()
    }

    /// The example's request: a GET, or a PATCH or POST with a valid body.
    async fn call(&self, example: &Example, issued: Option<&Session>) -> reqwest::Response {
        self.call_with_query(example, "", issued).await
    }

    /// [`TestApp::call`] with `query` appended to the path.
    async fn call_with_query(
        &self,
        example: &Example,
        query: &str,
        issued: Option<&Session>,
    ) -> reqwest::Response {
        self.call_with(example, query, &[], issued).await
    }

    /// [`TestApp::call_with_query`] with extra request headers.
    async fn call_with(
        &self,
        example: &Example,
        query: &str,
        extra: &[(&str, &str)],
        issued: Option<&Session>,
    ) -> reqwest::Response {
        let target = format!("{}{query}", example.path);
        match example.method {
            "GET" => self.get_with(&target, issued, extra).await,
            "PATCH" => {
                let mut extra = extra.to_vec();
                extra.push(("content-type", "application/json"));
                let body = valid_controls().to_string().into_bytes();
                self.send(Method::PATCH, &target, issued, &extra, Some(body))
                    .await
            }
            "POST" => {
                // One key for every call of an example: a repeat answers the claim the first
                // call filed, so the walks file one claim whatever they send.
                let mut extra = extra.to_vec();
                extra.push(("content-type", "application/json"));
                extra.push(("idempotency-key", "authorization-walk"));
                let body = example.body.as_ref().map(|b| b.to_string().into_bytes());
                self.send(Method::POST, &target, issued, &extra, body).await
            }
            other => panic!("no example request for {other}"),
        }
    }

    /// `GET target` expecting 200 and FAPI headers; the body.
    async fn ok(&self, target: &str, issued: &Session) -> Value {
        ok_body(self.get(target, Some(issued)).await, target).await
    }
}

/// The body of a 200 with FAPI headers.
async fn ok_body(response: reqwest::Response, target: &str) -> Value {
    body_of(response, StatusCode::OK, target).await
}

/// The body of a `status` answer with FAPI headers.
async fn body_of(response: reqwest::Response, expected: StatusCode, target: &str) -> Value {
    let status = response.status();
    assert_fapi_headers(&response, target);
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, expected, "{target}: {body}");
    body
}

fn assert_fapi_headers(response: &reqwest::Response, target: &str) {
    assert!(
        response.headers().contains_key("x-fapi-interaction-id"),
        "{target}: no x-fapi-interaction-id"
    );
    assert_eq!(
        response.headers()["cache-control"],
        "no-store",
        "{target}: Cache-Control"
    );
}

/// Fails unless `body` matches the catalogue schema `name`, formats asserted.
fn assert_valid(name: &str, body: &Value, target: &str) {
    let def = sandbank_schemas::catalogue::find(name).unwrap();
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&def.document())
        .unwrap();
    if let Some(error) = validator.iter_errors(body).next() {
        panic!(
            "{target}: not a valid {name}: {error} at {}",
            error.instance_path()
        );
    }
}

/// Fails unless `body` is a page whose items each match `item`.
fn assert_valid_page(item: &str, body: &Value, target: &str) {
    assert_valid("page", body, target);
    for element in body["data"].as_array().unwrap() {
        assert_valid(item, element, target);
    }
}

/// Expects a problem+json of `status` with the `type` ending in `kind`; the body.
async fn assert_problem(response: reqwest::Response, status: StatusCode, kind: &str) -> Value {
    let target = response.url().to_string();
    assert_eq!(response.status(), status, "{target}");
    assert_fapi_headers(&response, &target);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "{target}"
    );
    let body: Value = response.json().await.unwrap();
    assert_valid("problem", &body, &target);
    assert_eq!(
        body["type"],
        format!("https://sandbank.example/problems/{kind}"),
        "{target}"
    );
    body
}

fn id(value: &Value, field: &str) -> String {
    value[field].as_str().unwrap().to_owned()
}

// ---------------------------------------------------------------------------------------------
// One example of each route, for the authorization matrix
// ---------------------------------------------------------------------------------------------

/// One request of an operation: its method, a path with ids `username` may use, and the
/// permission it needs. [`TestApp::call`] sends it (a PATCH with a valid body).
struct Example {
    method: &'static str,
    path: String,
    permission: Permission,
    /// A POST's body.
    body: Option<Value>,
}

/// A claim on `username`'s first policy, stored as if filed through the API (idempotent: the
/// same claim every time), for the operations that read one claim; its path.
async fn seeded_claim(app: &TestApp, username: &str) -> String {
    let party = app.sandbox.party_id(username).await.unwrap();
    let policy = app.store().policies_of_party(&party).await.unwrap()[0].clone();
    let claim = sandbank_schemas::InsuranceClaim {
        claim_id: sandbank_schemas::ClaimId::new("clm-5eeded0000000001").unwrap(),
        policy_id: policy.policy_id.clone(),
        ..sandbank_schemas::examples::filed_claim()
    };
    let now = app.sandbox.auth_server().now();
    let stored = sandbank_store::StoredClaim {
        claim: claim.clone(),
        party_id: party.to_string(),
        client_id: "sandbox-seeded".to_owned(),
        idempotency_key: None,
        fingerprint: String::new(),
        created_at: now,
        due_at: None,
    };
    let mut tx = app.store().begin_payment_change().await.unwrap();
    tx.insert_claim(&stored).await.unwrap();
    tx.commit().await.unwrap();
    format!(
        "/insurance/policies/{}/claims/{}",
        policy.policy_id, claim.claim_id
    )
}

/// A first notice of loss `policy` takes: its line's first claim type, in its currency, on its
/// first day of cover.
fn claim_body(policy: &sandbank_schemas::InsurancePolicy) -> Value {
    let claim_type = sandbank_schemas::ClaimType::allowed_for(policy.line_of_business)[0];
    json!({
        "incidentDate": policy.term.start_date,
        "claimType": claim_type,
        "description": "Windscreen cracked by a stone on the motorway",
        "claimedAmount": {"amount": "100.00", "currency": policy.premium.amount.currency.as_str()}
    })
}

/// A card-controls change every card accepts.
fn valid_controls() -> Value {
    json!({"onlineAllowed": false, "contactlessAllowed": true})
}

/// An example of each operation.
async fn examples(app: &TestApp, username: &str) -> Vec<Example> {
    let party = app.sandbox.party_id(username).await.unwrap();
    let store = app.store();
    let accounts = app.accounts_of(username).await;
    let account = &accounts[0];
    let mut statement_of = None;
    let mut holding_account = None;
    for account in &accounts {
        if statement_of.is_none()
            && let Some(statement) = store.statements(account).await.unwrap().first()
        {
            statement_of = Some((account.clone(), statement.statement_id.clone()));
        }
        if holding_account.is_none() && !store.holdings(account).await.unwrap().is_empty() {
            holding_account = Some(account.clone());
        }
    }
    let (statement_account, statement) = statement_of.expect("a statement");
    let holding_account = holding_account.expect("an account with holdings");
    let first_policy = store.policies_of_party(&party).await.unwrap()[0].clone();
    let policy = first_policy.policy_id.clone();
    let claim = seeded_claim(app, username).await;
    let card = store.cards_of_party(&party).await.unwrap()[0]
        .card_id
        .clone();
    let reads: Vec<(String, Permission)> = vec![
        ("/accounts".into(), Permission::Accounts),
        (format!("/accounts/{account}"), Permission::Accounts),
        (
            format!("/accounts/{account}/balances"),
            Permission::Balances,
        ),
        (
            format!("/accounts/{account}/transactions"),
            Permission::Transactions,
        ),
        (
            format!("/accounts/{account}/statements"),
            Permission::Statements,
        ),
        (
            format!("/accounts/{statement_account}/statements/{statement}"),
            Permission::Statements,
        ),
        (
            format!("/accounts/{holding_account}/holdings"),
            Permission::Investments,
        ),
        (format!("/accounts/{account}/parties"), Permission::Parties),
        ("/parties/me".into(), Permission::Parties),
        ("/insurance/policies".into(), Permission::Insurance),
        (
            format!("/insurance/policies/{policy}"),
            Permission::Insurance,
        ),
        (
            format!("/insurance/policies/{policy}/claims"),
            Permission::Insurance,
        ),
        (claim, Permission::Insurance),
        ("/cards".into(), Permission::Cards),
        (format!("/cards/{card}"), Permission::Cards),
    ];
    let mut examples: Vec<Example> = reads
        .into_iter()
        .map(|(path, permission)| Example {
            method: "GET",
            path,
            permission,
            body: None,
        })
        .collect();
    examples.push(Example {
        method: "PATCH",
        path: format!("/cards/{card}/controls"),
        permission: Permission::CardControls,
        body: None,
    });
    examples.push(Example {
        method: "POST",
        path: format!("/insurance/policies/{policy}/claims"),
        permission: Permission::InsuranceClaims,
        body: Some(claim_body(&first_policy)),
    });
    examples
}

/// Ivan has holdings, policies and cards: every route has an example.
const RICH: &str = "ivan";

#[tokio::test]
async fn every_route_answers_200_with_its_permission_and_the_body_matches_its_schema() {
    let app = start().await;
    let issued = app.issue_all(RICH, None).await;
    for example in examples(&app, RICH).await {
        let path = example.path.clone();
        // The one permission the route needs is enough.
        let accounts = app.accounts_of(RICH).await;
        let narrow = app.issue_with(RICH, &accounts, &[example.permission]).await;
        // A POST files a claim (201); the second call, with the same key, answers the same.
        let expected = if example.method == "POST" {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        let body = body_of(app.call(&example, Some(&narrow)).await, expected, &path).await;
        let full = body_of(app.call(&example, Some(&issued)).await, expected, &path).await;
        assert_eq!(body, full, "{path}");
        let schema = match path.as_str() {
            _ if example.method == "POST" => Some("insurance-claim"),
            "/parties/me" => Some("party"),
            p if p.contains("/claims/") => Some("insurance-claim"),
            p if p.starts_with("/cards/") => Some("card"),
            p if p.ends_with("/claims") => None,
            p if p.starts_with("/insurance/policies/") => Some("insurance-policy"),
            p if p.contains("/statements/") => Some("statement"),
            p if p.starts_with("/accounts/") && p.matches('/').count() == 2 => Some("account"),
            _ => None,
        };
        match schema {
            Some(schema) => assert_valid(schema, &body, &path),
            None => {
                let item = match path.rsplit('/').next().unwrap() {
                    "accounts" => "account",
                    "balances" => "balance",
                    "transactions" => "transaction",
                    "statements" => "statement",
                    "holdings" => "holding",
                    "parties" => "account-party",
                    "policies" => "insurance-policy",
                    "claims" => "insurance-claim",
                    "cards" => "card",
                    other => panic!("no schema for {other}"),
                };
                assert_valid_page(item, &body, &path);
                let own = if path.ends_with("/transactions") {
                    format!("{}{path}?pageSize=100", app.url)
                } else {
                    format!("{}{path}", app.url)
                };
                assert_eq!(body["links"]["self"], own.as_str(), "{path}");
            }
        }
    }
}

#[tokio::test]
async fn every_route_is_401_without_a_token_and_403_without_its_permission() {
    let app = start().await;
    for example in examples(&app, RICH).await {
        let path = &example.path;
        let response = app.call(&example, None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert!(
            response.headers().contains_key("www-authenticate"),
            "{path}"
        );
        assert_fapi_headers(&response, path);
        let without = app.issue_all(RICH, Some(example.permission)).await;
        let response = app.call(&example, Some(&without)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        let challenge = response.headers()["www-authenticate"].to_str().unwrap();
        assert!(
            challenge.contains("insufficient_scope"),
            "{path}: {challenge}"
        );
        assert_fapi_headers(&response, path);
    }
}

#[tokio::test]
async fn another_customers_ids_and_unshared_accounts_are_404_like_unknown_ones() {
    let app = start().await;
    // Alice may read everything of hers; every id of Ivan's is 404 to her.
    let alice = app.issue_all("alice", None).await;
    for example in examples(&app, RICH).await {
        if matches!(
            example.path.as_str(),
            "/accounts" | "/parties/me" | "/insurance/policies" | "/cards"
        ) {
            continue;
        }
        let response = app.call(&example, Some(&alice)).await;
        assert_problem(response, StatusCode::NOT_FOUND, "not-found").await;
    }
    // An account of Ivan's he did not share is 404 too, and absent from the lists.
    let accounts = app.accounts_of(RICH).await;
    let shared = app
        .issue_with(RICH, &accounts[..1], &all_permissions())
        .await;
    let listed = app.ok("/accounts", &shared).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    assert_eq!(listed["meta"]["totalRecords"], 1);
    for account in &accounts[1..] {
        for suffix in [
            "",
            "/balances",
            "/transactions",
            "/statements",
            "/holdings",
            "/parties",
        ] {
            let response = app
                .get(&format!("/accounts/{account}{suffix}"), Some(&shared))
                .await;
            assert_problem(response, StatusCode::NOT_FOUND, "not-found").await;
        }
    }
    for list in ["/cards", "/insurance/policies"] {
        let body = app.ok(list, &shared).await;
        for item in body["data"].as_array().unwrap() {
            assert_eq!(item["accountId"], accounts[0].as_str(), "{list}");
        }
    }
    // Ids that exist nowhere, or are not even ids.
    for path in [
        "/accounts/acc-nope",
        "/accounts/%20",
        "/cards/nope",
        "/insurance/policies/nope/claims",
    ] {
        let response = app.get(path, Some(&alice)).await;
        assert_problem(response, StatusCode::NOT_FOUND, "not-found").await;
    }
}

#[tokio::test]
async fn unknown_query_parameters_are_400_problems() {
    let app = start().await;
    let issued = app.issue_all(RICH, None).await;
    for example in examples(&app, RICH).await {
        let response = app
            .call_with_query(&example, "?colour=blue", Some(&issued))
            .await;
        let body = assert_problem(response, StatusCode::BAD_REQUEST, "invalid-request").await;
        assert_eq!(body["errors"][0]["pointer"], "colour", "{}", example.path);
    }
    let account = &app.accounts_of(RICH).await[0];
    let transactions = format!("/accounts/{account}/transactions");
    for query in [
        "pageSize=0",
        "pageSize=1001",
        "pageSize=ten",
        "status=lost",
        "category=nonsense",
        "minAmount=-1",
        "fromBookingDateTime=yesterday",
        "cursor=not-a-cursor",
        "status=POSTED&status=PENDING",
    ] {
        let response = app
            .get(&format!("{transactions}?{query}"), Some(&issued))
            .await;
        let body = assert_problem(response, StatusCode::BAD_REQUEST, "invalid-request").await;
        let name = query.split('=').next().unwrap();
        assert_eq!(body["errors"][0]["pointer"], name, "{query}");
    }
}

// ---------------------------------------------------------------------------------------------
// Transactions: filters and paging
// ---------------------------------------------------------------------------------------------

/// The edge persona's busy account: the one with the most transactions (at least 5,000).
async fn busy_account(app: &TestApp) -> (AccountId, Vec<String>) {
    let mut best: (Option<AccountId>, Vec<String>) = (None, Vec::new());
    for account in app.accounts_of("edge").await {
        let mut ids = Vec::new();
        let mut cursor = None;
        loop {
            let page = app
                .store()
                .transactions(
                    &account,
                    &TransactionFilter::default(),
                    1000,
                    cursor.as_deref(),
                )
                .await
                .unwrap();
            ids.extend(
                page.transactions
                    .iter()
                    .map(|t| t.transaction_id.to_string()),
            );
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        if ids.len() > best.1.len() {
            best = (Some(account), ids);
        }
    }
    assert!(best.1.len() >= 5000, "{}", best.1.len());
    (best.0.unwrap(), best.1)
}

/// The busy account, read through a token with only the `transactions` permission on it.
struct Busy {
    /// Its transactions' ids, newest first, as the store lists them.
    expected: Vec<String>,
    /// The token.
    issued: Session,
    /// `/accounts/{accountId}/transactions`.
    path: String,
}

async fn busy(app: &TestApp) -> Busy {
    let (account, expected) = busy_account(app).await;
    let issued = app
        .issue_with(
            "edge",
            std::slice::from_ref(&account),
            &[Permission::Transactions],
        )
        .await;
    Busy {
        expected,
        issued,
        path: format!("/accounts/{account}/transactions"),
    }
}

/// Follows `links.next` from `first`; every page's body, in order.
async fn pages(app: &TestApp, issued: &Session, first: &str) -> Vec<Value> {
    let mut pages = vec![app.ok(first, issued).await];
    while let Some(next) = pages.last().unwrap()["links"]["next"].as_str() {
        assert!(next.contains("cursor="), "{next}");
        let next = next.to_owned();
        pages.push(app.ok(&next, issued).await);
    }
    pages
}

/// Follows `links.next` from `first`; every transaction in order, and the number of pages.
async fn walk(app: &TestApp, issued: &Session, first: &str) -> (Vec<Value>, usize) {
    let pages = pages(app, issued, first).await;
    let count = pages.len();
    let all = pages
        .into_iter()
        .flat_map(|page| page["data"].as_array().unwrap().clone())
        .collect();
    (all, count)
}

#[tokio::test]
async fn walking_every_page_of_the_busy_account_returns_each_transaction_once() {
    let app = start().await;
    let Busy {
        expected,
        issued,
        path,
        ..
    } = busy(&app).await;
    // Default page size: 100.
    let first = app.ok(&path, &issued).await;
    assert_eq!(first["data"].as_array().unwrap().len(), 100);
    assert_eq!(first["meta"]["pageSize"], 100);
    assert_valid_page("transaction", &first, &path);
    let (all, pages) = walk(&app, &issued, &format!("{path}?pageSize=1000")).await;
    assert_eq!(pages, expected.len().div_ceil(1000));
    let ids: Vec<String> = all.iter().map(|t| id(t, "transactionId")).collect();
    assert_eq!(ids, expected, "every transaction once, newest first");
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
    // Newest first: booking times never increase.
    let times: Vec<DateTime<Utc>> = all
        .iter()
        .map(|t| id(t, "bookingDateTime").parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
}

#[tokio::test]
async fn transaction_filters_select_what_they_say_and_carry_into_the_next_link() {
    let app = start().await;
    let Busy { issued, path, .. } = busy(&app).await;
    let (all, _) = walk(&app, &issued, &format!("{path}?pageSize=1000")).await;
    // Pick filter values from the data itself.
    let mut by_category: BTreeMap<String, usize> = BTreeMap::new();
    for t in &all {
        *by_category.entry(id(t, "category")).or_default() += 1;
    }
    let (category, count) = by_category.iter().max_by_key(|(_, n)| **n).unwrap();
    let (matching, _) = walk(
        &app,
        &issued,
        &format!("{path}?category={category}&pageSize=50"),
    )
    .await;
    assert_eq!(matching.len(), *count);
    assert!(matching.iter().all(|t| t["category"] == category.as_str()));
    // The next link carries the filter.
    let first = app
        .ok(&format!("{path}?category={category}&pageSize=1"), &issued)
        .await;
    let next = first["links"]["next"].as_str().unwrap();
    assert!(next.contains(&format!("category={category}")), "{next}");
    assert!(next.contains("pageSize=1"), "{next}");

    for status in ["POSTED", "PENDING"] {
        let expected = all.iter().filter(|t| t["status"] == status).count();
        let (got, _) = walk(
            &app,
            &issued,
            &format!("{path}?status={status}&pageSize=1000"),
        )
        .await;
        assert_eq!(got.len(), expected, "{status}");
        assert!(got.iter().all(|t| t["status"] == status));
    }

    let amount = |t: &Value| -> f64 { t["amount"]["amount"].as_str().unwrap().parse().unwrap() };
    let (got, _) = walk(
        &app,
        &issued,
        &format!("{path}?minAmount=10.00&maxAmount=50.00&pageSize=1000"),
    )
    .await;
    let expected = all
        .iter()
        .filter(|t| (10.0..=50.0).contains(&amount(t)))
        .count();
    assert_eq!(got.len(), expected);
    assert!(!got.is_empty());
    assert!(got.iter().all(|t| (10.0..=50.0).contains(&amount(t))));

    // A time window: the middle of the list, both ends inclusive.
    let to = id(&all[all.len() / 4], "bookingDateTime");
    let from = id(&all[all.len() / 2], "bookingDateTime");
    let (got, _) = walk(
        &app,
        &issued,
        &format!(
            "{path}?fromBookingDateTime={}&toBookingDateTime={}&pageSize=1000",
            urlencode(&from),
            urlencode(&to)
        ),
    )
    .await;
    let (from, to): (DateTime<Utc>, DateTime<Utc>) = (from.parse().unwrap(), to.parse().unwrap());
    let expected = all
        .iter()
        .filter(|t| {
            let at: DateTime<Utc> = id(t, "bookingDateTime").parse().unwrap();
            from <= at && at <= to
        })
        .count();
    assert_eq!(got.len(), expected);
    assert!(got.len() >= all.len() / 4);
}

/// The `cursor` parameter of a link.
fn cursor_of(link: &str) -> String {
    let url = url::Url::parse(link).unwrap();
    let (_, cursor) = url
        .query_pairs()
        .find(|(name, _)| name == "cursor")
        .unwrap();
    cursor.into_owned()
}

/// A page body without its `self` link (which names the cursor the page was reached by).
fn without_self(page: &Value) -> Value {
    let mut page = page.clone();
    page["links"].as_object_mut().unwrap().remove("self");
    page
}

#[tokio::test]
async fn following_prev_from_the_last_page_returns_every_page_back_to_the_first() {
    let app = start().await;
    let Busy { issued, path, .. } = busy(&app).await;
    for query in ["pageSize=500", "status=POSTED&minAmount=5.00&pageSize=300"] {
        let forward = pages(&app, &issued, &format!("{path}?{query}")).await;
        let count = forward.len();
        assert!(count > 5, "{query}: {count} pages");
        for (n, page) in forward.iter().enumerate() {
            let prev = page["links"]["prev"].as_str();
            assert_eq!(prev.is_some(), n > 0, "{query}: page {n} of {count}");
            assert_eq!(
                page["links"]["next"].is_string(),
                n + 1 < count,
                "{query}: page {n} of {count}"
            );
            // `prev` carries the filters and the page size, like `next`.
            if let Some(prev) = prev {
                for pair in query.split('&') {
                    assert!(prev.contains(pair), "{prev} lacks {pair}");
                }
            }
        }
        // From the last page back to the first through `prev`: each page as it was reached
        // forward (same transactions in the same order, same `first`/`prev`/`next` links).
        let mut back = vec![forward.last().unwrap().clone()];
        while let Some(prev) = back.last().unwrap()["links"]["prev"].as_str() {
            let prev = prev.to_owned();
            let page = app.ok(&prev, &issued).await;
            // (Its items are the forward page's, compared below.)
            assert_valid("page", &page, &prev);
            assert_eq!(page["links"]["self"], prev.as_str());
            back.push(page);
        }
        back.reverse();
        assert_eq!(back.len(), count, "{query}");
        for (n, (back, forward)) in back.iter().zip(&forward).enumerate() {
            assert_eq!(
                without_self(back),
                without_self(forward),
                "{query}: page {n} of {count}"
            );
        }
    }

    // A tampered `prev` cursor is a 400 naming `cursor`, never a 500: a changed character, a
    // direction this server does not know, an id no transaction has (NUL included).
    let second = pages(&app, &issued, &format!("{path}?pageSize=1000")).await[1].clone();
    let cursor = cursor_of(second["links"]["prev"].as_str().unwrap());
    let json: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&cursor).unwrap()).unwrap();
    assert_eq!(json["dir"], "prev");
    let forge = |change: &dyn Fn(&mut Value)| {
        let mut forged = json.clone();
        change(&mut forged);
        URL_SAFE_NO_PAD.encode(forged.to_string())
    };
    let mut flipped = cursor.clone().into_bytes();
    flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
    for bad in [
        String::from_utf8(flipped).unwrap(),
        format!("{cursor}x"),
        forge(&|c| c["dir"] = json!("sideways")),
        forge(&|c| c["id"] = json!("txn\u{0}")),
        forge(&|c| c["t"] = json!("yesterday")),
    ] {
        let response = app
            .get(&format!("{path}?cursor={}", urlencode(&bad)), Some(&issued))
            .await;
        let body = assert_problem(response, StatusCode::BAD_REQUEST, "invalid-request").await;
        assert_eq!(body["errors"][0]["pointer"], "cursor", "{bad}");
    }
}

/// Issue 20 item 7: a cursor pages the list of the account it was issued for. On another account
/// of the same customer, shared with the same token, it is a 400 naming `cursor`, like any
/// cursor this server did not issue; on its own account it still leads to the next page.
#[tokio::test]
async fn a_cursor_issued_for_one_account_is_refused_on_another() {
    let app = start().await;
    let issued = app.issue_all("edge", None).await;
    let (busy, ids) = busy_account(&app).await;
    let first = app
        .ok(
            &format!("/accounts/{busy}/transactions?pageSize=2"),
            &issued,
        )
        .await;
    let next = first["links"]["next"].as_str().unwrap();
    let cursor = cursor_of(next);
    let own = app.ok(next, &issued).await;
    assert_eq!(own["data"][0]["transactionId"], ids[2].as_str());
    let mut refused = 0;
    for other in app.accounts_of("edge").await {
        if other == busy {
            continue;
        }
        let target = format!(
            "/accounts/{other}/transactions?cursor={}",
            urlencode(&cursor)
        );
        let response = app.get(&target, Some(&issued)).await;
        let body = assert_problem(response, StatusCode::BAD_REQUEST, "invalid-request").await;
        assert_eq!(body["errors"][0]["pointer"], "cursor", "{other}");
        refused += 1;
    }
    assert!(refused > 0, "edge has one account only");
}

/// `text` percent-encoded for a query value.
fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Issue 6 item 3: `x-fapi-auth-date` and `x-fapi-customer-ip-address` are accepted; malformed
/// values (and a malformed `x-fapi-interaction-id`, issue 20 item 8) are a 400 problem naming
/// the header (with an interaction id still on it).
#[tokio::test]
async fn fapi_request_headers_are_accepted_and_checked() {
    let app = start().await;
    let issued = app.issue_all(RICH, None).await;
    let response = app
        .get_with(
            "/accounts",
            Some(&issued),
            &[
                ("x-fapi-auth-date", "Tue, 24 Nov 2026 09:12:00 GMT"),
                ("x-fapi-customer-ip-address", "203.0.113.7"),
                (
                    "x-fapi-interaction-id",
                    "93bac548-d2de-4546-b106-880a5018460d",
                ),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["x-fapi-interaction-id"],
        "93bac548-d2de-4546-b106-880a5018460d"
    );
    for (name, value) in [
        ("x-fapi-auth-date", "last tuesday"),
        // RFC 2822 but not an HTTP-date (IMF-fixdate), as the OpenAPI document's pattern says.
        ("x-fapi-auth-date", "Tue, 24 Nov 2026 09:12:00 +0000"),
        ("x-fapi-customer-ip-address", "not-an-ip"),
        ("x-fapi-interaction-id", "not-a-uuid"),
        ("x-fapi-interaction-id", "93bac548d2de4546b106880a5018460d"),
    ] {
        let response = app
            .get_with("/accounts", Some(&issued), &[(name, value)])
            .await;
        let body = assert_problem(response, StatusCode::BAD_REQUEST, "invalid-request").await;
        assert_eq!(body["errors"][0]["pointer"], name);
    }
}

/// Issue 20 item 6: the FAPI request headers are checked after the access checks, so a
/// stranger learns nothing from them. On every route a malformed header is 401 without a token,
/// 403 without the permission and 404 on what the token does not reach (the card-controls order,
/// 401/403 -> 404 -> 400/415, holds for headers too); only then a 400 naming the header.
#[tokio::test]
async fn malformed_fapi_headers_are_400_only_after_authentication_and_access() {
    let app = start().await;
    let issued = app.issue_all(RICH, None).await;
    let alice = app.issue_all("alice", None).await;
    let malformed = [
        ("x-fapi-auth-date", "last tuesday"),
        ("x-fapi-customer-ip-address", "not-an-ip"),
        ("x-fapi-interaction-id", "<not a uuid>"),
    ];
    for example in examples(&app, RICH).await {
        let path = &example.path;
        let without = app.issue_all(RICH, Some(example.permission)).await;
        for header in malformed {
            let response = app.call_with(&example, "", &[header], None).await;
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{path} {header:?}"
            );
            assert!(
                response.headers().contains_key("www-authenticate"),
                "{path}"
            );
            let response = app.call_with(&example, "", &[header], Some(&without)).await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{path} {header:?}"
            );
            let names_an_id = !matches!(
                path.as_str(),
                "/accounts" | "/parties/me" | "/insurance/policies" | "/cards"
            );
            if names_an_id {
                let response = app.call_with(&example, "", &[header], Some(&alice)).await;
                assert_problem(response, StatusCode::NOT_FOUND, "not-found").await;
            }
            let response = app.call_with(&example, "", &[header], Some(&issued)).await;
            let body = assert_problem(response, StatusCode::BAD_REQUEST, "invalid-request").await;
            assert_eq!(body["errors"][0]["pointer"], header.0, "{path}");
        }
    }
}

/// The payment routes need real payment consents and payments, which forged sessions do not
/// have: `crates/sandbank/tests/payments.rs` walks every one of them (200/201, 401, 403, 404,
/// and fails when a documented payment operation is not walked), and validates their bodies.
fn is_payment_route(template: &str) -> bool {
    template == "/payments" || template.starts_with("/payments/")
}

/// Does a concrete path fill in an OpenAPI path template (`{name}` matches one segment)?
fn fills(template: &str, path: &str) -> bool {
    let (template, path): (Vec<&str>, Vec<&str>) =
        (template.split('/').collect(), path.split('/').collect());
    template.len() == path.len()
        && template
            .iter()
            .zip(&path)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
}

/// Issue 6 item 6: authorization coverage. Every operation the bank API documents must appear
/// among the examples that the 200, 401, 403 and 404 tests above walk, so a route added without
/// authorization tests fails here. And the permission it documents (`security`, scope
/// `oauth2`) must be the one those tests found it needs: 200 with it alone, 403 without it.
#[tokio::test]
async fn every_documented_operation_has_authorization_tests() {
    let app = start().await;
    let examples = examples(&app, RICH).await;
    let document = sandbank_api::router::<AuthServer>().into_openapi();
    let mut operations = 0;
    for (template, item) in &document.paths.paths {
        if is_payment_route(template) {
            continue;
        }
        let methods = serde_json::to_value(item).unwrap();
        for method in ["get", "post", "put", "patch", "delete"] {
            if methods.get(method).is_none() {
                continue;
            }
            operations += 1;
            let method = method.to_uppercase();
            let tested = examples
                .iter()
                .find(|example| example.method == method && fills(template, &example.path));
            let Some(example) = tested else {
                panic!(
                    "{method} {template} has no authorization tests: add an example for it to \
                     examples() (and a request for its method to TestApp::call_with_query)"
                )
            };
            let operation = match method.as_str() {
                "GET" => item.get.as_ref(),
                "POST" => item.post.as_ref(),
                "PUT" => item.put.as_ref(),
                "PATCH" => item.patch.as_ref(),
                _ => item.delete.as_ref(),
            }
            .unwrap();
            assert_eq!(
                sandbank_api::openapi::oauth2_scopes(operation),
                vec![sandbank_fapi::guard::permission_name(example.permission)],
                "{method} {template} documents another permission than the one it needs"
            );
        }
    }
    assert_eq!(operations, examples.len(), "one example per operation");
    assert!(fills(
        "/accounts/{accountId}/statements/{statementId}",
        "/accounts/a/statements/s"
    ));
    assert!(!fills("/accounts/{accountId}", "/accounts/a/balances"));
}

// ---------------------------------------------------------------------------------------------
// The schema walk (issue 6, item 4): every GET endpoint, for every persona, every page of every
// list, each body validated through the schema registry
// ---------------------------------------------------------------------------------------------

/// Transactions on a page during the walk: few, so that busy accounts take many pages.
const WALK_PAGE_SIZE: u32 = 10;

/// Every persona's username, as `sandbank_synth` reads them from `seed-data/personas.json`: a
/// persona added there is walked too.
fn persona_usernames() -> Vec<String> {
    sandbank_synth::Generator::new(sandbank_synth::Config::default())
        .unwrap()
        .personas()
        .iter()
        .map(|persona| persona.username.clone())
        .collect()
}

/// Why `body` is not a valid `name` (the latest version, through the registry's cached
/// validator); empty when it is valid.
async fn registry_issues(registry: &Registry, name: &str, body: &Value) -> Vec<String> {
    let report = registry
        .validate(name, &VersionRef::Latest, body.clone())
        .await
        .unwrap();
    assert_eq!(report.valid, report.errors.is_empty());
    report
        .errors
        .into_iter()
        .map(|issue| format!("{} at {:?}", issue.message, issue.instance_path))
        .collect()
}

/// One persona's walk: a token with every read permission on all the persona's accounts, and
/// what the walk fetched.
struct SchemaWalk<'a> {
    app: &'a TestApp,
    registry: &'a Registry,
    issued: Session,
    /// Bodies fetched and validated.
    bodies: usize,
    /// Items validated inside page envelopes.
    items: usize,
    /// Pages of transactions fetched.
    transaction_pages: usize,
    /// Paths fetched (no query), to match against the documented operations.
    visited: BTreeSet<String>,
}

impl SchemaWalk<'_> {
    /// `GET target` (a path or a link), expecting 200; the body, checked against `schema`.
    async fn one(&mut self, target: &str, schema: &str) -> Value {
        let body = self.app.ok(target, &self.issued).await;
        let path = target.strip_prefix(&self.app.url).unwrap_or(target);
        self.visited
            .insert(path.split('?').next().unwrap_or_default().to_owned());
        self.bodies += 1;
        let issues = registry_issues(self.registry, schema, &body).await;
        assert!(
            issues.is_empty(),
            "{target}: not a valid {schema}: {issues:#?}"
        );
        body
    }

    /// `GET target` as [`SchemaWalk::one`], a `page` whose items are each a valid `item`; the
    /// items.
    async fn page(&mut self, target: &str, item: &str) -> (Vec<Value>, Option<String>) {
        let body = self.one(target, "page").await;
        let data = body["data"].as_array().unwrap().clone();
        for (n, element) in data.iter().enumerate() {
            let issues = registry_issues(self.registry, item, element).await;
            assert!(
                issues.is_empty(),
                "{target}: data/{n} is not a valid {item}: {issues:#?}"
            );
        }
        self.items += data.len();
        let next = body["links"]["next"].as_str().map(str::to_owned);
        (data, next)
    }

    /// Every GET endpoint the persona's data reaches.
    async fn run(&mut self) {
        let (accounts, _) = self.page("/accounts", "account").await;
        for account in &accounts {
            let base = format!("/accounts/{}", id(account, "accountId"));
            self.one(&base, "account").await;
            self.page(&format!("{base}/balances"), "balance").await;
            let mut target = Some(format!("{base}/transactions?pageSize={WALK_PAGE_SIZE}"));
            while let Some(page) = target {
                (_, target) = self.page(&page, "transaction").await;
                self.transaction_pages += 1;
            }
            let (statements, _) = self.page(&format!("{base}/statements"), "statement").await;
            for statement in &statements {
                let statement_id = id(statement, "statementId");
                self.one(&format!("{base}/statements/{statement_id}"), "statement")
                    .await;
            }
            self.page(&format!("{base}/holdings"), "holding").await;
            self.page(&format!("{base}/parties"), "account-party").await;
        }
        self.one("/parties/me", "party").await;
        let (policies, _) = self.page("/insurance/policies", "insurance-policy").await;
        for policy in &policies {
            let base = format!("/insurance/policies/{}", id(policy, "policyId"));
            self.one(&base, "insurance-policy").await;
            let (claims, _) = self
                .page(&format!("{base}/claims"), "insurance-claim")
                .await;
            for claim in &claims {
                let claim_id = id(claim, "claimId");
                self.one(&format!("{base}/claims/{claim_id}"), "insurance-claim")
                    .await;
            }
        }
        let (cards, _) = self.page("/cards", "card").await;
        for card in &cards {
            self.one(&format!("/cards/{}", id(card, "cardId")), "card")
                .await;
        }
    }
}

#[tokio::test]
async fn every_body_of_every_persona_matches_its_schema_through_the_registry() {
    let app = start().await;
    // A claim filed through the API, so that one claim is read singly whatever the dataset.
    seeded_claim(&app, RICH).await;
    let registry = Registry::in_memory();
    let personas = persona_usernames();
    // The list is the generator's, and the loaded dataset holds exactly those personas.
    let mut loaded: Vec<String> = app
        .store()
        .personas()
        .await
        .unwrap()
        .into_iter()
        .map(|customer| customer.username)
        .collect();
    loaded.sort();
    let mut listed = personas.clone();
    listed.sort();
    assert_eq!(loaded, listed);
    assert!(personas.len() >= 5, "{personas:?}");

    let mut visited = BTreeSet::new();
    for username in &personas {
        let accounts = app.accounts_of(username).await;
        let mut walk = SchemaWalk {
            app: &app,
            registry: &registry,
            issued: app.issue_all(username, None).await,
            bodies: 0,
            items: 0,
            transaction_pages: 0,
            visited: BTreeSet::new(),
        };
        walk.run().await;
        eprintln!(
            "{username}: {} accounts, {} bodies, {} items, {} pages of transactions",
            accounts.len(),
            walk.bodies,
            walk.items,
            walk.transaction_pages
        );
        // Not a vacuous walk: every account was listed and walked (account, balances,
        // statements, holdings, parties and at least one page of transactions each, besides
        // /accounts, /parties/me, policies and cards), and some account took several pages.
        let walked_accounts = walk
            .visited
            .iter()
            .filter(|path| path.matches('/').count() == 2 && path.starts_with("/accounts/"))
            .count();
        assert!(!accounts.is_empty(), "{username}");
        assert_eq!(walked_accounts, accounts.len(), "{username}");
        assert!(walk.bodies >= 4 + 6 * accounts.len(), "{username}");
        assert!(walk.items >= walk.bodies, "{username}");
        assert!(
            walk.transaction_pages > accounts.len(),
            "{username}: no account had more than one page of transactions"
        );
        visited.extend(walk.visited);
    }

    // Every documented GET operation was visited at least once, over all personas.
    let document = sandbank_api::router::<AuthServer>().into_openapi();
    for (template, item) in &document.paths.paths {
        if is_payment_route(template) {
            continue;
        }
        if serde_json::to_value(item).unwrap().get("get").is_some() {
            assert!(
                visited.iter().any(|path| fills(template, path)),
                "the walk never reached GET {template}"
            );
        }
    }

    // And the check has teeth: a transaction with a numeric amount, or a page without links,
    // is refused.
    let Busy { issued, path, .. } = busy(&app).await;
    let mut page = app.ok(&format!("{path}?pageSize=1"), &issued).await;
    let mut transaction = page["data"][0].clone();
    assert!(
        registry_issues(&registry, "transaction", &transaction)
            .await
            .is_empty()
    );
    transaction["amount"]["amount"] = json!(42.17);
    assert!(
        !registry_issues(&registry, "transaction", &transaction)
            .await
            .is_empty()
    );
    page.as_object_mut().unwrap().remove("links");
    assert!(!registry_issues(&registry, "page", &page).await.is_empty());
}

/// The response examples of the OpenAPI document are real answers: built from the default
/// dataset's personas, they equal what the API answers for the same requests.
#[tokio::test]
async fn every_openapi_example_is_the_real_response() {
    let app = start_with(sandbank_synth::Config::default().months).await;
    let generator = sandbank_synth::Generator::new(sandbank_synth::Config {
        customers: 0,
        ..Default::default()
    })
    .unwrap();
    let customers: Vec<_> = generator.customers().collect();
    let examples = sandbank_api::examples::examples(&app.url, &customers);
    let document = sandbank_api::router::<AuthServer>().into_openapi();
    let documented: BTreeSet<String> = document
        .paths
        .paths
        .values()
        .filter_map(|item| item.get.as_ref()?.operation_id.clone())
        // The dataset holds no payment: their examples are the catalogue's
        // (`sandbank_api::payments::examples`), checked against the schema elsewhere.
        .filter(|id| !id.contains("Payment"))
        .collect();
    let illustrated: BTreeSet<String> =
        examples.iter().map(|e| e.operation_id.to_owned()).collect();
    assert_eq!(illustrated, documented, "one example per operation");
    for example in &examples {
        let issued = app.issue_all(example.username, None).await;
        let body = app.ok(&example.path, &issued).await;
        assert_eq!(
            body, example.body,
            "{}: {}",
            example.operation_id, example.path
        );
    }
    let transactions = examples
        .iter()
        .find(|e| e.operation_id == "listTransactions")
        .unwrap();
    assert!(
        transactions.body["links"]["next"].is_string(),
        "a page with a next link"
    );
}

// ---------------------------------------------------------------------------------------------
// Card controls
// ---------------------------------------------------------------------------------------------

/// Ivan's first card, its controls path, and a token with `cards` and `card_controls` on all his
/// accounts.
async fn controls_of_a_card(app: &TestApp) -> (Value, String, Session) {
    let issued = app
        .issue_with(
            RICH,
            &app.accounts_of(RICH).await,
            &[Permission::Cards, Permission::CardControls],
        )
        .await;
    let cards = app.ok("/cards", &issued).await;
    let card = cards["data"][0].clone();
    let path = format!("/cards/{}/controls", id(&card, "cardId"));
    (card, path, issued)
}

/// The currency of the card's account, and another one.
async fn currencies(app: &TestApp, card: &Value) -> (String, String) {
    let account = AccountId::new(id(card, "accountId")).unwrap();
    let own = app
        .store()
        .account(&account)
        .await
        .unwrap()
        .unwrap()
        .currency
        .to_string();
    let other = if own == "EUR" { "USD" } else { "EUR" };
    (own, other.to_owned())
}

/// Fails unless the card reads back as `expected`, singly and in the list.
async fn assert_card_reads(app: &TestApp, issued: &Session, expected: &Value) {
    let path = format!("/cards/{}", id(expected, "cardId"));
    assert_eq!(&app.ok(&path, issued).await, expected, "{path}");
    let listed = app.ok("/cards", issued).await;
    assert!(
        listed["data"].as_array().unwrap().contains(expected),
        "/cards: {listed}"
    );
}

#[tokio::test]
async fn changed_card_controls_persist_and_show_in_later_reads() {
    let app = start().await;
    let (before, path, issued) = controls_of_a_card(&app).await;
    assert_eq!(before["status"], "ACTIVE");
    let (currency, _) = currencies(&app, &before).await;
    let limit = json!({"amount": {"amount": "250.00", "currency": currency}, "period": "DAILY"});
    let response = app
        .patch_json(
            &path,
            Some(&issued),
            &json!({"locked": true, "abroadAllowed": false, "spendingLimit": limit}),
        )
        .await;
    let changed = ok_body(response, &path).await;
    assert_valid("card", &changed, &path);
    let mut expected = before.clone();
    expected["status"] = json!("LOCKED");
    expected["controls"]["locked"] = json!(true);
    expected["controls"]["abroadAllowed"] = json!(false);
    expected["controls"]["spendingLimit"] = limit;
    assert_eq!(changed, expected);
    assert_card_reads(&app, &issued, &expected).await;

    // A merge patch: unlock and remove the limit; the abroad switch stays as it was set.
    let response = app
        .patch(
            &path,
            Some(&issued),
            Some("application/merge-patch+json"),
            r#"{"locked": false, "spendingLimit": null}"#,
        )
        .await;
    let changed = ok_body(response, &path).await;
    assert_valid("card", &changed, &path);
    let mut expected = before.clone();
    expected["controls"]["abroadAllowed"] = json!(false);
    assert_eq!(changed, expected);
    assert_card_reads(&app, &issued, &expected).await;
}

#[tokio::test]
async fn changed_card_controls_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("bank.db").display());
    let app = start_on(&url).await;
    let (before, path, issued) = controls_of_a_card(&app).await;
    let changed = ok_body(
        app.patch_json(&path, Some(&issued), &json!({"contactlessAllowed": false}))
            .await,
        &path,
    )
    .await;
    assert_ne!(changed, before);
    let store = app.store().clone();
    app.sandbox.shutdown().await.unwrap();
    store.close().await;
    // A new server on the same file: the token is in the database too.
    let restarted = start_on(&url).await;
    let issued = issued.at(&restarted.sandbox).unwrap();
    assert_card_reads(&restarted, &issued, &changed).await;
}

#[tokio::test]
async fn card_controls_need_the_card_controls_permission_not_cards() {
    let app = start().await;
    let (_, path, _) = controls_of_a_card(&app).await;
    let accounts = app.accounts_of(RICH).await;
    let reader = app.issue_with(RICH, &accounts, &[Permission::Cards]).await;
    let response = app
        .patch_json(&path, Some(&reader), &valid_controls())
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let challenge = response.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.contains("insufficient_scope"), "{challenge}");
    // ... and `card_controls` alone changes a card it cannot read.
    let writer = app
        .issue_with(RICH, &accounts, &[Permission::CardControls])
        .await;
    let response = app
        .patch_json(&path, Some(&writer), &valid_controls())
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let card = path.trim_end_matches("/controls");
    assert_eq!(
        app.get(card, Some(&writer)).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn strangers_get_404_before_anything_about_their_request() {
    let app = start().await;
    let (before, path, issued) = controls_of_a_card(&app).await;
    // Ivan's card through a grant without its account, and through Alice's token: 404 for a
    // valid body, an invalid one and a wrong media type alike.
    let account = id(&before, "accountId");
    let others: Vec<AccountId> = app
        .accounts_of(RICH)
        .await
        .into_iter()
        .filter(|a| a.as_str() != account)
        .collect();
    assert!(!others.is_empty());
    let unshared = app
        .issue_with(
            RICH,
            &others,
            &[Permission::Cards, Permission::CardControls],
        )
        .await;
    let alice = app.issue_all("alice", None).await;
    for stranger in [&unshared, &alice] {
        for response in [
            app.patch_json(&path, Some(stranger), &valid_controls())
                .await,
            app.patch_json(&path, Some(stranger), &json!({"colour": 1}))
                .await,
            app.patch(&path, Some(stranger), Some("text/plain"), "x")
                .await,
            app.patch_json(
                &format!("{path}?colour=blue"),
                Some(stranger),
                &valid_controls(),
            )
            .await,
        ] {
            let body = assert_problem(response, StatusCode::NOT_FOUND, "not-found").await;
            assert_eq!(body["instance"], path.as_str());
        }
    }
    for unknown in ["/cards/nope/controls", "/cards/%20/controls"] {
        let response = app
            .patch_json(unknown, Some(&issued), &valid_controls())
            .await;
        assert_problem(response, StatusCode::NOT_FOUND, "not-found").await;
    }
    assert_card_reads(&app, &issued, &before).await;
}

#[tokio::test]
async fn invalid_card_controls_are_400_with_a_pointer_and_change_nothing() {
    let app = start().await;
    let (before, path, issued) = controls_of_a_card(&app).await;
    let (currency, other) = currencies(&app, &before).await;
    let limit = |amount: Value, currency: &str| json!({"spendingLimit": {"amount": {"amount": amount, "currency": currency}, "period": "DAILY"}});
    let cases: Vec<(String, &str)> = vec![
        ("{\"locked\": tru".into(), ""),
        ("".into(), ""),
        ("[]".into(), ""),
        ("{}".into(), ""),
        (r#"{"locked": null}"#.into(), ""),
        (r#"{"colour": "blue"}"#.into(), "/colour"),
        (r#"{"locked": "yes"}"#.into(), "/locked"),
        (r#"{"onlineAllowed": 1}"#.into(), "/onlineAllowed"),
        (r#"{"spendingLimit": 250}"#.into(), "/spendingLimit"),
        (limit(json!(250.0), &currency).to_string(), "/spendingLimit/amount/amount"),
        (limit(json!("-5.00"), &currency).to_string(), "/spendingLimit/amount/amount"),
        (limit(json!("1.5e3"), &currency).to_string(), "/spendingLimit/amount/amount"),
        (limit(json!("10.00"), &currency.to_lowercase()).to_string(), "/spendingLimit/amount/currency"),
        (limit(json!("10.00"), "XYZ").to_string(), "/spendingLimit/amount/currency"),
        (limit(json!("10.00"), &other).to_string(), "/spendingLimit/amount/currency"),
        (
            json!({"spendingLimit": {"amount": {"amount": "10.00", "currency": currency}}}).to_string(),
            "/spendingLimit/period",
        ),
        (
            json!({"spendingLimit": {"amount": {"amount": "10.00", "currency": currency}, "period": "YEARLY"}}).to_string(),
            "/spendingLimit/period",
        ),
        (
            json!({"spendingLimit": {"amount": {"amount": "10.00", "currency": currency}, "period": "DAILY", "perod": "x"}}).to_string(),
            "/spendingLimit/perod",
        ),
    ];
    for (body, pointer) in cases {
        let response = app
            .patch(&path, Some(&issued), Some("application/json"), body.clone())
            .await;
        let problem = assert_problem(response, StatusCode::BAD_REQUEST, "invalid-body").await;
        assert_eq!(problem["instance"], path.as_str(), "{body}");
        let pointers: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|error| error["pointer"].as_str().unwrap())
            .collect();
        assert!(pointers.contains(&pointer), "{body}: {problem}");
    }
    // Several mistakes at once are all reported.
    let problem = assert_problem(
        app.patch_json(&path, Some(&issued), &json!({"locked": 1, "colour": 2}))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid-body",
    )
    .await;
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2, "{problem}");
    assert_card_reads(&app, &issued, &before).await;
}

#[tokio::test]
async fn card_controls_are_sent_as_json_or_they_are_415() {
    let app = start().await;
    let (before, path, issued) = controls_of_a_card(&app).await;
    let body = valid_controls().to_string();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/json-patch+json"),
    ] {
        let response = app
            .patch(&path, Some(&issued), content_type, body.clone())
            .await;
        let problem = assert_problem(
            response,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
        )
        .await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("application/merge-patch+json"),
            "{problem}"
        );
    }
    assert_card_reads(&app, &issued, &before).await;
    let response = app
        .patch(
            &path,
            Some(&issued),
            Some("application/json; charset=utf-8"),
            body,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// Concurrent changes of different controls each keep the others': every request changes one
/// field, all at once, and every change is there afterwards (a handler that wrote back the
/// whole card it had read would undo some of them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_changes_of_different_controls_are_all_kept() {
    let app = std::sync::Arc::new(start().await);
    let (before, path, issued) = controls_of_a_card(&app).await;
    let issued = std::sync::Arc::new(issued);
    let (currency, _) = currencies(&app, &before).await;
    let mut expected = before.clone();
    for round in 0..3 {
        let controls = &expected["controls"];
        let changes = [
            json!({"locked": !controls["locked"].as_bool().unwrap()}),
            json!({"onlineAllowed": !controls["onlineAllowed"].as_bool().unwrap()}),
            json!({"contactlessAllowed": !controls["contactlessAllowed"].as_bool().unwrap()}),
            json!({"abroadAllowed": !controls["abroadAllowed"].as_bool().unwrap()}),
            json!({"spendingLimit": {
                "amount": {"amount": format!("{}.00", 100 + round), "currency": currency},
                "period": "WEEKLY"
            }}),
        ];
        let mut tasks = Vec::new();
        for change in &changes {
            let (app, issued, path, change) =
                (app.clone(), issued.clone(), path.clone(), change.clone());
            tasks.push(tokio::spawn(async move {
                let response = app.patch_json(&path, Some(&issued), &change).await;
                assert_eq!(response.status(), StatusCode::OK);
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        for change in changes {
            for (field, value) in change.as_object().unwrap() {
                expected["controls"][field] = value.clone();
            }
        }
        let locked = expected["controls"]["locked"].as_bool().unwrap();
        expected["status"] = json!(if locked { "LOCKED" } else { "ACTIVE" });
        assert_card_reads(&app, &issued, &expected).await;
    }
}
