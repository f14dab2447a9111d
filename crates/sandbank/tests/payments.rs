//! Payments over real sockets: a `payment_initiation` consent, `POST /payments` with an
//! `Idempotency-Key`, the lifecycle by the sandbox clock and the scenario amounts, the money
//! moving on both sides, and every refusal leaving the store as it was.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use reqwest::StatusCode;
use rust_decimal::Decimal;
use sandbank_schemas::account::AccountDetails;
use sandbank_schemas::{Account, AccountId};
use sandbank_testkit::{Sandbox, Session, TestClient};
use serde_json::{Value, json};

#[path = "support/ledger.rs"]
mod ledger;
use ledger::{accounts_of, backends, balances, builder, dec, opening};

/// The first open deposit account of `username` in GBP.
async fn current_account(sandbox: &Sandbox, username: &str) -> Account {
    accounts_of(sandbox, username)
        .await
        .into_iter()
        .find(|a| {
            matches!(
                a.details,
                AccountDetails::Deposit { .. }
                    | AccountDetails::Commercial {
                        deposit: Some(_),
                        ..
                    }
            ) && a.status == sandbank_schemas::AccountStatus::Open
                && a.currency.as_str() == "GBP"
        })
        .unwrap()
}

/// A payment of `amount` GBP to `creditor` (an account of this bank, by id).
fn to_account(amount: &str, creditor: &AccountId) -> Value {
    json!({
        "instructedAmount": {"amount": amount, "currency": "GBP"},
        "creditorName": "Harbourline Ltd",
        "creditorAccount": {"scheme": "ACCOUNT_ID", "identification": creditor.as_str()},
        "remittanceInformation": "INV-0042"
    })
}

/// A payment of `amount` GBP to an account at another bank.
fn elsewhere(amount: &str) -> Value {
    json!({
        "instructedAmount": {"amount": amount, "currency": "GBP"},
        "creditorName": "Bristol Lettings Ltd",
        "creditorAccount": {"scheme": "SORT_CODE_ACCOUNT_NUMBER", "identification": "20000055779911"},
        "remittanceInformation": "RENT FLAT 2"
    })
}

async fn consent(client: &TestClient, username: &str, payment: Value) -> Session {
    client
        .login_as(username)
        .with_scopes(["openid"])
        .paying(payment)
        .await
        .unwrap()
}

async fn post(session: &Session, key: &str, body: &Value) -> (StatusCode, Value) {
    let response = session
        .post("/payments")
        .header("idempotency-key", key)
        .json(body)
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A payment's status as the store has it (a clock move of a day outlives the session's
/// access token).
async fn status_of(sandbox: &Sandbox, payment: &Value) -> Value {
    let stored = stored_payment(sandbox, payment["paymentId"].as_str().unwrap()).await;
    serde_json::to_value(stored).unwrap()
}

/// The payment `id` as the store has it.
async fn stored_payment(sandbox: &Sandbox, id: &str) -> sandbank_schemas::Payment {
    let id = sandbank_schemas::PaymentId::new(id).unwrap();
    sandbox.store().payment(&id).await.unwrap().unwrap().payment
}

/// The `side` (`debit` or `credit`) transaction payment `id` made on `account`, if there is one.
async fn payment_transaction(
    sandbox: &Sandbox,
    account: &AccountId,
    id: &str,
    side: &str,
) -> Option<sandbank_schemas::Transaction> {
    let transaction = sandbank_schemas::TransactionId::new(format!("{id}-{side}")).unwrap();
    sandbox
        .store()
        .transaction(account, &transaction)
        .await
        .unwrap()
}

async fn advance(sandbox: &Sandbox, by: &str) {
    sandbox.admin().advance_clock(by).await.unwrap();
}

#[tokio::test]
async fn a_payment_between_two_customers_settles_and_moves_the_money_on_both_sides() {
    let sandbox = builder().start().await.unwrap();
    let client = sandbox.register_client().await.unwrap();
    let alice = current_account(&sandbox, "alice").await;
    let harbourline = current_account(&sandbox, "harbourline").await;
    let (alice_before, alice_available_before) = balances(&sandbox, &alice.account_id).await;
    let (harbour_before, _) = balances(&sandbox, &harbourline.account_id).await;

    let session = consent(
        &client,
        "alice",
        to_account("42.17", &harbourline.account_id),
    )
    .await;
    let consented = session.consented_payment().unwrap();
    assert_eq!(
        consented["debtorAccount"],
        alice.account_id.as_str(),
        "the customer's account"
    );
    let payment = session.pay_with_key("key-1").await.unwrap();
    assert_eq!(payment["status"], "SETTLED", "{payment}");
    assert_eq!(payment["scheme"], "INTERNAL");
    assert_eq!(payment["transactionIds"].as_array().unwrap().len(), 2);

    let (alice_after, alice_available) = balances(&sandbox, &alice.account_id).await;
    let (harbour_after, _) = balances(&sandbox, &harbourline.account_id).await;
    assert_eq!(alice_after, alice_before - dec("42.17"));
    assert_eq!(harbour_after, harbour_before + dec("42.17"));
    // The hold became the booking: available moved by the amount once, like booked.
    assert_eq!(alice_available, alice_available_before - dec("42.17"));

    // The same key and body: the same payment, the same status code; the money moved once.
    let (status, again) = post(&session, "key-1", &consented).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(again["paymentId"], payment["paymentId"]);
    assert_eq!(balances(&sandbox, &alice.account_id).await.0, alice_after);
    // The same key, another body: 422. A new key: the consent is used, 403.
    let mut other = consented.clone();
    other["remittanceInformation"] = json!("INV-0043");
    let (status, problem) = post(&session, "key-1", &other).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, problem) = post(&session, "key-2", &consented).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert_eq!(balances(&sandbox, &alice.account_id).await.0, alice_after);

    // The read endpoints show it.
    let id = payment["paymentId"].as_str().unwrap();
    assert_eq!(session.payment(id).await.unwrap(), payment);
    let response = session.get("/payments?status=SETTLED").await.unwrap();
    let page: Value = response.json().await.unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    let events: Value = session
        .get(&format!("/payments/{id}/events"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let statuses: Vec<&str> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["PENDING", "ACCEPTED", "SETTLED"]);
    let debit = payment_transaction(&sandbox, &alice.account_id, id, "debit")
        .await
        .unwrap();
    assert_eq!(debit.balance_after.unwrap().signed(), alice_after);

    // A clock move regenerates the data: the money stays moved.
    advance(&sandbox, "P1D").await;
    let credit = payment_transaction(&sandbox, &harbourline.account_id, id, "credit").await;
    assert!(credit.is_some(), "the credit survives the rebuild");
}

#[tokio::test]
async fn the_body_must_be_the_consented_payment() {
    let sandbox = builder().start().await.unwrap();
    let client = sandbox.register_client().await.unwrap();
    let session = consent(&client, "alice", elsewhere("950.00")).await;
    let mut body = session.consented_payment().unwrap();
    body["instructedAmount"]["amount"] = json!("951.00");
    body["creditorName"] = json!("Mallory");
    let (status, problem) = post(&session, "k", &body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/instructedAmount", "/creditorName"]);
    // No key: 400 naming the header.
    let response = session
        .post("/payments")
        .json(&session.consented_payment().unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["errors"][0]["pointer"], "Idempotency-Key");
    // Nothing was made.
    let list: Value = session
        .get("/payments")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"], json!([]));
    // Paid to another bank: one side only.
    let payment = session.pay().await.unwrap();
    assert_eq!(payment["status"], "SETTLED", "{payment}");
    assert_eq!(payment["scheme"], "FASTER_PAYMENTS");
    assert_eq!(payment["transactionIds"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn scenario_amounts_give_their_outcomes() {
    let sandbox = builder().start().await.unwrap();
    let client = sandbox.register_client().await.unwrap();
    let alice = current_account(&sandbox, "alice").await;
    let (start, _) = balances(&sandbox, &alice.account_id).await;
    let mut made = Vec::new();
    for (amount, status, reason) in [
        ("10.01", "PENDING", None),
        ("10.02", "REJECTED", Some("INSUFFICIENT_FUNDS")),
        ("10.03", "ACCEPTED", None),
        ("10.04", "ACCEPTED", None),
        ("10.05", "REJECTED", Some("ACCOUNT_BLOCKED")),
        ("10.06", "REJECTED", Some("LIMIT_EXCEEDED")),
        ("250000.10", "REJECTED", Some("LIMIT_EXCEEDED")),
        ("10.00", "SETTLED", None),
    ] {
        let session = consent(&client, "alice", elsewhere(amount)).await;
        let payment = session.pay().await.unwrap();
        assert_eq!(payment["status"], status, "{amount}: {payment}");
        assert_eq!(
            payment["statusReason"]["code"].as_str(),
            reason,
            "{amount}: {payment}"
        );
        made.push((amount, session, payment));
    }
    // Booked: only the settled 10.00. Available: also the holds of 10.03 and 10.04.
    let (booked, _) = balances(&sandbox, &alice.account_id).await;
    assert_eq!(booked, start - dec("10.00"));

    // A day later: .01 is paid, .03 is returned, .04 settles.
    advance(&sandbox, "P1D").await;
    let expected = [
        ("10.01", "SETTLED"),
        ("10.03", "REJECTED"),
        ("10.04", "SETTLED"),
    ];
    for (amount, status) in expected {
        let (_, _, payment) = made.iter().find(|(a, _, _)| *a == amount).unwrap();
        let now = status_of(&sandbox, payment).await;
        assert_eq!(now["status"], status, "{amount}: {now}");
    }
}

#[tokio::test]
async fn a_future_dated_payment_settles_when_the_clock_reaches_its_day() {
    let sandbox = builder().start().await.unwrap();
    let client = sandbox.register_client().await.unwrap();
    let today = sandbox.auth_server().now().date_naive();
    let day = today + chrono::Duration::days(3);
    let mut body = elsewhere("25.00");
    body["requestedExecutionDate"] = json!(day.to_string());
    let session = consent(&client, "alice", body).await;
    let payment = session.pay().await.unwrap();
    assert_eq!(payment["status"], "PENDING");
    advance(&sandbox, "P2D").await;
    assert_eq!(status_of(&sandbox, &payment).await["status"], "PENDING");
    advance(&sandbox, "P1D").await;
    let settled = status_of(&sandbox, &payment).await;
    assert_eq!(settled["status"], "SETTLED", "{settled}");
}

#[tokio::test]
async fn a_test_forces_the_transitions_of_the_lifecycle_and_no_other() {
    let sandbox = builder().start().await.unwrap();
    let client = sandbox.register_client().await.unwrap();
    let session = consent(&client, "alice", elsewhere("5.01")).await;
    let payment = session.pay().await.unwrap();
    let id = payment["paymentId"].as_str().unwrap();
    let force = |status: &str| {
        let request = sandbox
            .admin()
            .request(
                reqwest::Method::POST,
                &format!("/sandbox/payments/{id}/status"),
            )
            .json(&json!({"status": status}));
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(force("SETTLED").await, StatusCode::CONFLICT);
    assert_eq!(force("ACCEPTED").await, StatusCode::OK);
    // PENDING is no status to force: not a SandboxPaymentStatus.
    assert_eq!(force("PENDING").await, StatusCode::BAD_REQUEST);
    assert_eq!(force("SETTLED").await, StatusCode::OK);
    assert_eq!(force("REJECTED").await, StatusCode::CONFLICT);
    assert_eq!(session.payment(id).await.unwrap()["status"], "SETTLED");
}

// ---------------------------------------------------------------------------------------------
// Exactly once, and no overdraft, under concurrency, on every backend
// ---------------------------------------------------------------------------------------------

/// Sends `body` with `key` `n` times at once, spread over `sessions` in turn; the answers.
async fn at_once(
    sessions: &[std::sync::Arc<Session>],
    n: usize,
    key: &str,
    body: &Value,
) -> Vec<(StatusCode, Value)> {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let session = std::sync::Arc::clone(&sessions[i % sessions.len()]);
        let key = key.to_owned();
        let body = body.clone();
        tasks.spawn(async move { post(&session, &key, &body).await });
    }
    let mut answers = Vec::new();
    while let Some(answer) = tasks.join_next().await {
        answers.push(answer.unwrap());
    }
    answers
}

/// 50 concurrent `POST /payments` with one key, spread over the instances given: one payment,
/// the same answer to all, the balance moved once.
async fn fifty_retries_make_one_payment(instances: &[&Sandbox]) {
    let sandbox = instances[0];
    let client = sandbox.register_client().await.unwrap();
    let alice = current_account(sandbox, "alice").await;
    let (before, _) = balances(sandbox, &alice.account_id).await;
    let session = consent(&client, "alice", elsewhere("12.34")).await;
    let sessions: Vec<std::sync::Arc<Session>> = instances
        .iter()
        .map(|s| std::sync::Arc::new(session.at(s).unwrap()))
        .collect();
    let body = session.consented_payment().unwrap();
    let answers = at_once(&sessions, 50, "one-key", &body).await;
    let ids: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|(status, payment)| {
            assert_eq!(*status, StatusCode::CREATED, "{payment}");
            payment["paymentId"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let (after, _) = balances(sandbox, &alice.account_id).await;
    assert_eq!(after, before - dec("12.34"));
    let listed: Value = session
        .get("/payments")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn fifty_concurrent_retries_make_one_payment_on_every_backend() {
    for db in backends().await {
        let sandbox = builder().database_url(&db.url).start().await.unwrap();
        fifty_retries_make_one_payment(&[&sandbox]).await;
        drop(sandbox);
        db.close().await.unwrap();
    }
}

/// Two instances on one new PostgreSQL database, or `None` (the reason printed) when there is
/// no PostgreSQL to share.
async fn two_instances() -> Option<(sandbank_store::testing::TestDb, Sandbox, Sandbox)> {
    let Some(server) = sandbank_store::testing::postgres_server() else {
        eprintln!(
            "skipped: {} is not set, so there is no PostgreSQL for two instances to share (CI sets it)",
            sandbank_store::testing::POSTGRES_ENV
        );
        return None;
    };
    let db = sandbank_store::testing::postgres(&server).await.unwrap();
    let a = builder().database_url(&db.url).start().await.unwrap();
    let b = builder().database_url(&db.url).start().await.unwrap();
    Some((db, a, b))
}

#[tokio::test]
async fn fifty_concurrent_retries_through_two_instances_make_one_payment() {
    let Some((db, a, b)) = two_instances().await else {
        return;
    };
    fifty_retries_make_one_payment(&[&a, &b]).await;
    drop((a, b));
    db.close().await.unwrap();
}

/// Payments racing for one balance: exactly the ones that fit settle, the others are refused
/// for insufficient funds, and the account never goes past its overdraft limit.
#[tokio::test]
async fn concurrent_payments_never_spend_the_same_money_twice_on_every_backend() {
    for db in backends().await {
        let sandbox = builder().database_url(&db.url).start().await.unwrap();
        let client = sandbox.register_client().await.unwrap();
        let alice = current_account(&sandbox, "alice").await;
        let (_, available) = balances(&sandbox, &alice.account_id).await;
        assert!(available > dec("20"), "{available}");
        // Each payment is two fifths of what is available, in whole pounds (no scenario
        // cents): two fit, the third cannot.
        let amount = (available * dec("0.4")).floor();
        let mut sessions = Vec::new();
        for _ in 0..5 {
            sessions.push(consent(&client, "alice", elsewhere(&format!("{amount}.00"))).await);
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (i, session) in sessions.into_iter().enumerate() {
            tasks.spawn(async move {
                let body = session.consented_payment().unwrap();
                post(&session, &format!("race-{i}"), &body).await
            });
        }
        let mut settled = 0;
        let mut refused = 0;
        while let Some(answer) = tasks.join_next().await {
            let (status, payment) = answer.unwrap();
            assert_eq!(status, StatusCode::CREATED, "{payment}");
            match payment["status"].as_str().unwrap() {
                "SETTLED" => settled += 1,
                "REJECTED" => {
                    assert_eq!(payment["statusReason"]["code"], "INSUFFICIENT_FUNDS");
                    refused += 1;
                }
                other => panic!("{other}: {payment}"),
            }
        }
        assert_eq!((settled, refused), (2, 3), "{}", db.label);
        let (_, left) = balances(&sandbox, &alice.account_id).await;
        assert!(left >= Decimal::ZERO, "{}: {left}", db.label);
        assert_eq!(left, available - amount * dec("2"));
        drop(sandbox);
        db.close().await.unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// Authorization and refusals
// ---------------------------------------------------------------------------------------------

/// What a refusal must leave as it was: every payment, and the balances of alice's and
/// harbourline's accounts.
async fn snapshot(sandbox: &Sandbox) -> Vec<String> {
    let mut seen = Vec::new();
    for username in ["alice", "harbourline"] {
        for account in accounts_of(sandbox, username).await {
            let account = sandbox
                .store()
                .account(&account.account_id)
                .await
                .unwrap()
                .unwrap();
            seen.push(serde_json::to_string(&account).unwrap());
        }
    }
    let payments = sandbox
        .store()
        .payments_due(chrono::DateTime::<chrono::Utc>::MAX_UTC)
        .await
        .unwrap();
    seen.push(format!("{payments:?}"));
    seen
}

/// Every documented payment operation answers 200/201 with its permission, 401 without a
/// token, 403 without the `payments` permission, and 404 for a payment of another client or
/// customer. The list of operations walked is checked against the bank API's OpenAPI document,
/// so a payment route added without these tests fails here (the forged-session authorization
/// test in `sandbank-api/tests/api.rs` leaves payment routes to this one: they need real
/// consents).
/// `method path` through `session` (a POST with `body` and a fixed key); the status.
async fn send(session: &Session, method: &str, path: &str, body: &Value) -> StatusCode {
    let request = match method {
        "POST" => session
            .post(path)
            .header("idempotency-key", "auth-walk")
            .json(body),
        _ => session.get(path),
    };
    request.await.unwrap().status()
}

#[tokio::test]
async fn every_payment_operation_is_authorized_like_the_rest_of_the_bank_api() {
    let sandbox = builder().start().await.unwrap();
    let client = sandbox.register_client().await.unwrap();
    let session = consent(&client, "alice", elsewhere("7.00")).await;
    let payment = session.pay().await.unwrap();
    let id = payment["paymentId"].as_str().unwrap();
    let body = session.consented_payment().unwrap();
    // Without the permission: a data session of alice's, same client.
    let reader = client
        .login_as("alice")
        .with_scopes(["openid", "accounts"])
        .await
        .unwrap();
    // Another client, and another customer of the same client.
    let other_client = sandbox.register_client().await.unwrap();
    let stranger = consent(&other_client, "alice", elsewhere("8.00")).await;
    let bob = consent(&client, "harbourline", elsewhere("9.00")).await;

    let operations = [
        ("POST", "/payments".to_owned()),
        ("GET", "/payments".to_owned()),
        ("GET", format!("/payments/{id}")),
        ("GET", format!("/payments/{id}/events")),
    ];
    let document = sandbank_api::router::<sandbank_fapi::AuthServer>().into_openapi();
    let mut documented = Vec::new();
    for (template, item) in &document.paths.paths {
        if template.starts_with("/payments") {
            let methods = serde_json::to_value(item).unwrap();
            for method in ["get", "post", "put", "patch", "delete"] {
                if methods.get(method).is_some() {
                    documented.push(format!("{} {template}", method.to_uppercase()));
                }
            }
        }
    }
    documented.sort();
    let mut walked: Vec<String> = operations
        .iter()
        .map(|(m, p)| format!("{m} {}", p.replace(id, "{paymentId}")))
        .collect();
    walked.sort();
    assert_eq!(walked, documented, "every payment operation is walked");

    let before = snapshot(&sandbox).await;
    for (method, path) in &operations {
        // No token at all.
        let anonymous = reqwest::Client::new()
            .request(method.parse().unwrap(), sandbox.endpoint(path))
            .send()
            .await
            .unwrap();
        assert_eq!(
            anonymous.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
        assert_eq!(
            send(&reader, method, path, &body).await,
            StatusCode::FORBIDDEN,
            "{method} {path}"
        );
        if path.contains(id) {
            assert_eq!(
                send(&stranger, method, path, &body).await,
                StatusCode::NOT_FOUND,
                "{method} {path}: other client"
            );
            assert_eq!(
                send(&bob, method, path, &body).await,
                StatusCode::NOT_FOUND,
                "{method} {path}: other customer"
            );
            assert_eq!(
                send(&session, method, path, &body).await,
                StatusCode::OK,
                "{method} {path}"
            );
        }
    }
    assert_eq!(
        snapshot(&sandbox).await,
        before,
        "no refusal changed anything"
    );
    // The lists are each client's and customer's own.
    let mine: Value = session
        .get("/payments")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["data"].as_array().unwrap().len(), 1);
    let theirs: Value = stranger
        .get("/payments")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["data"], json!([]));
}

#[tokio::test]
async fn refused_payments_change_nothing() {
    let sandbox = builder().start().await.unwrap();
    let client = sandbox.register_client().await.unwrap();
    let harbourline = current_account(&sandbox, "harbourline").await;
    let session = consent(&client, "alice", elsewhere("20.00")).await;
    let consented = session.consented_payment().unwrap();
    let before = snapshot(&sandbox).await;

    // Another customer's account to pay from: the body differs from the consent.
    let mut foreign = consented.clone();
    foreign["debtorAccount"] = json!(harbourline.account_id.as_str());
    let (status, problem) = post(&session, "a", &foreign).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["errors"][0]["pointer"], "/debtorAccount");
    // A field the schema does not have, a wrong media type, a malformed key.
    let mut extra = consented.clone();
    extra["chargeBearer"] = json!("SHAR");
    assert_eq!(post(&session, "b", &extra).await.0, StatusCode::BAD_REQUEST);
    let response = session
        .post("/payments")
        .header("idempotency-key", "c")
        .header("content-type", "text/plain")
        .body(consented.to_string())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        post(&session, "bad key with spaces", &consented).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(snapshot(&sandbox).await, before, "nothing changed");

    // Used once; then reused with another key: 403, nothing more moves.
    session.pay_with_key("first").await.unwrap();
    let after_first = snapshot(&sandbox).await;
    assert_eq!(
        post(&session, "second", &consented).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(snapshot(&sandbox).await, after_first);

    // An expired consent (the grant lives 90 days): the token no longer works.
    let late = consent(&client, "alice", elsewhere("21.00")).await;
    let late_body = late.consented_payment().unwrap();
    advance(&sandbox, "P91D").await;
    let moved = snapshot(&sandbox).await;
    assert_eq!(
        post(&late, "late", &late_body).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(snapshot(&sandbox).await, moved);
}

// ---------------------------------------------------------------------------------------------
// The ledger invariant
// ---------------------------------------------------------------------------------------------

/// Random sequences of payments (every scenario, internal and to other banks), forced moves and
/// clock moves, from seeds fixed so a failure reproduces: after each sequence, every account
/// touched still holds its opening balance plus its posted transactions, and available never
/// exceeds booked plus overdraft for money held.
#[tokio::test]
async fn the_ledger_balances_after_any_sequence_of_payments_and_clock_moves() {
    use rand::{RngExt, SeedableRng};
    for seed in 0..5u64 {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let sandbox = builder().start().await.unwrap();
        let client = sandbox.register_client().await.unwrap();
        let alice = current_account(&sandbox, "alice").await.account_id;
        let harbourline = current_account(&sandbox, "harbourline").await.account_id;
        let accounts = [alice.clone(), harbourline.clone()];
        let mut openings = Vec::new();
        for id in &accounts {
            openings.push(opening(&sandbox, id).await);
        }
        let mut made: Vec<String> = Vec::new();
        let mut steps = Vec::new();
        for _ in 0..12 {
            match rng.random_range(0..10) {
                0..=4 => {
                    let cents = ["00", "01", "02", "03", "04", "17"][rng.random_range(0..6)];
                    let pounds = rng.random_range(1..400);
                    let amount = format!("{pounds}.{cents}");
                    let (payer, body) = if rng.random_bool(0.5) {
                        ("alice", to_account(&amount, &harbourline))
                    } else if rng.random_bool(0.5) {
                        ("harbourline", to_account(&amount, &alice))
                    } else {
                        ("alice", elsewhere(&amount))
                    };
                    steps.push(format!("{payer} pays {amount}"));
                    let session = consent(&client, payer, body).await;
                    let payment = session.pay().await.unwrap();
                    made.push(payment["paymentId"].as_str().unwrap().to_owned());
                }
                5..=7 => {
                    let by = ["PT6H", "P1D", "P1D"][rng.random_range(0..3)];
                    steps.push(format!("clock {by}"));
                    advance(&sandbox, by).await;
                }
                _ => {
                    if let Some(id) = made.get(rng.random_range(0..made.len().max(1))) {
                        let to = ["ACCEPTED", "SETTLED", "REJECTED"][rng.random_range(0..3)];
                        steps.push(format!("force {id} {to}"));
                        // Refused (409) when the lifecycle does not allow it: also a step.
                        sandbox
                            .admin()
                            .request(
                                reqwest::Method::POST,
                                &format!("/sandbox/payments/{id}/status"),
                            )
                            .json(&json!({"status": to}))
                            .send()
                            .await
                            .unwrap();
                    }
                }
            }
            for (id, expected) in accounts.iter().zip(&openings) {
                assert_eq!(
                    opening(&sandbox, id).await,
                    *expected,
                    "seed {seed}, account {id}, after {steps:?}"
                );
            }
            // And every payment shows where it got to: a posted debit once settled (and a
            // posted credit when paid into an account here), a pending one while accepted,
            // none otherwise.
            for id in &made {
                let stored = stored_payment(&sandbox, id).await;
                let debit = payment_transaction(&sandbox, &stored.debtor_account, id, "debit")
                    .await
                    .map(|t| t.status);
                use sandbank_schemas::transaction::TransactionStatus as T;
                let expected = match stored.status {
                    sandbank_schemas::PaymentStatus::Settled => Some(T::Posted),
                    sandbank_schemas::PaymentStatus::Accepted => Some(T::Pending),
                    _ => None,
                };
                assert_eq!(
                    debit, expected,
                    "seed {seed}, payment {id}, after {steps:?}"
                );
            }
        }
    }
}

/// The README's claims about who can be paid here: an account of this bank named by its sort
/// code and account number is credited like one named by `accountId`; paying one's own credit
/// card lowers what is owed and raises the available credit; paying a loan lowers its principal.
#[tokio::test]
async fn accounts_here_are_credited_by_identification_and_by_kind() {
    use sandbank_schemas::account::AccountDetails as D;
    let sandbox = builder().start().await.unwrap();
    let client = sandbox.register_client().await.unwrap();
    let harbourline = current_account(&sandbox, "harbourline").await;
    let (harbour_before, _) = balances(&sandbox, &harbourline.account_id).await;
    let identification = harbourline
        .account_identifications
        .iter()
        .find(|i| {
            i.scheme == sandbank_schemas::common::AccountIdentificationScheme::SortCodeAccountNumber
        })
        .unwrap();
    let by_sort_code = json!({
        "instructedAmount": {"amount": "15.00", "currency": "GBP"},
        "creditorName": "Harbourline Ltd",
        "creditorAccount": {"scheme": "SORT_CODE_ACCOUNT_NUMBER", "identification": identification.identification},
    });
    let payment = consent(&client, "alice", by_sort_code)
        .await
        .pay()
        .await
        .unwrap();
    assert_eq!(payment["status"], "SETTLED", "{payment}");
    assert_eq!(payment["scheme"], "INTERNAL");
    assert_eq!(
        balances(&sandbox, &harbourline.account_id).await.0,
        harbour_before + dec("15.00")
    );

    let accounts = accounts_of(&sandbox, "alice").await;
    let card = accounts
        .iter()
        .find(|a| matches!(a.details, D::LineOfCredit { .. }))
        .unwrap();
    let mortgage = accounts
        .iter()
        .find(|a| matches!(a.details, D::Loan { .. }))
        .unwrap();
    let credit = |account: &Account| match &account.details {
        D::LineOfCredit { line_of_credit, .. } => (
            line_of_credit.current_balance.signed(),
            line_of_credit.available_credit.amount.value(),
            line_of_credit.credit_limit.amount.value(),
        ),
        other => panic!("{other:?}"),
    };
    let principal = |account: &Account| match &account.details {
        D::Loan { loan, .. } => loan.principal_balance.amount.value(),
        other => panic!("{other:?}"),
    };
    let reread = |id: AccountId| {
        let store = sandbox.store().clone();
        async move { store.account(&id).await.unwrap().unwrap() }
    };
    let (owed_before, _, limit) = credit(card);
    let principal_before = principal(mortgage);
    for (to, amount) in [
        (&card.account_id, "50.00"),
        (&mortgage.account_id, "100.00"),
    ] {
        let payment = consent(&client, "alice", to_account(amount, to))
            .await
            .pay()
            .await
            .unwrap();
        assert_eq!(payment["status"], "SETTLED", "{payment}");
    }
    let (owed_after, available_after, _) = credit(&reread(card.account_id.clone()).await);
    assert_eq!(owed_after, owed_before + dec("50.00"));
    assert_eq!(available_after, (limit + owed_after).max(Decimal::ZERO));
    assert_eq!(
        principal(&reread(mortgage.account_id.clone()).await),
        principal_before - dec("100.00")
    );
}

/// The statuses a listener's notifications carry, verified with the server's JWKS, in order
/// of arrival, each with the status the listener answered.
async fn notified(
    client: &TestClient,
    received: &[sandbank_testkit::ReceivedNotification],
) -> Vec<(String, u16)> {
    let event_type = sandbank_fapi::notifications::event_type();
    let mut jtis = std::collections::HashSet::new();
    let mut statuses = Vec::new();
    for notification in received {
        assert_eq!(
            notification.content_type.as_deref(),
            Some("application/secevent+jwt")
        );
        let claims = client
            .verify_notification(&notification.token)
            .await
            .unwrap();
        assert_eq!(claims["aud"], client.client_id());
        assert!(jtis.insert(claims["jti"].to_string()), "a jti per token");
        let event = &claims["events"][&event_type];
        assert_eq!(claims["txn"], event["paymentId"]);
        assert!(event.get("notification").is_none(), "{event}");
        statuses.push((
            event["status"].as_str().unwrap().to_owned(),
            notification.answered,
        ));
    }
    statuses
}

/// The payment's events (as the store keeps them, the clock may have moved past the session's
/// token) once none is waiting to be notified.
async fn events_once_notified(sandbox: &Sandbox, id: &str) -> Vec<Value> {
    let id = sandbank_schemas::PaymentId::new(id.to_owned()).unwrap();
    for _ in 0..100 {
        let events = sandbox.store().payment_events(&id).await.unwrap();
        let events = serde_json::to_value(events).unwrap();
        let events = events.as_array().unwrap().clone();
        if events
            .iter()
            .all(|e| e["notification"]["status"] != "PENDING")
        {
            return events;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("notifications still pending");
}

/// A sandbox, a notification listener answering the first requests with `answers`, and a
/// client registered to be notified there.
async fn notified_client(
    answers: impl IntoIterator<Item = u16>,
) -> (Sandbox, sandbank_testkit::NotificationListener, TestClient) {
    let sandbox = builder().start().await.unwrap();
    let listener = sandbank_testkit::NotificationListener::answering(answers)
        .await
        .unwrap();
    let client = sandbox
        .register_client()
        .payment_notification_uri(listener.url())
        .await
        .unwrap();
    (sandbox, listener, client)
}

#[tokio::test]
async fn notifications_are_signed_retried_on_5xx_and_kept_in_order() {
    // The first two attempts fail: the first event is sent three times, and the payment's
    // later events wait for it.
    let (sandbox, listener, client) = notified_client([500, 503]).await;
    let session = consent(&client, "alice", elsewhere("42.17")).await;
    let payment = session.pay_with_key("notify-1").await.unwrap();
    assert_eq!(payment["status"], "SETTLED");

    let received = listener
        .wait_for(5, std::time::Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(
        notified(&client, &received).await,
        [
            ("PENDING".to_owned(), 500),
            ("PENDING".to_owned(), 503),
            ("PENDING".to_owned(), 202),
            ("ACCEPTED".to_owned(), 202),
            ("SETTLED".to_owned(), 202),
        ]
    );
    let id = payment["paymentId"].as_str().unwrap();
    let events = events_once_notified(&sandbox, id).await;
    // The API lists them as the store has them.
    let page: Value = session
        .get(&format!("/payments/{id}/events"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["data"], json!(events));
    let notifications: Vec<(&str, u64)> = events
        .iter()
        .map(|e| {
            (
                e["notification"]["status"].as_str().unwrap(),
                e["notification"]["attempts"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        notifications,
        [("DELIVERED", 3), ("DELIVERED", 1), ("DELIVERED", 1)]
    );
    // Delivered is delivered: nothing more is sent.
    tokio::time::sleep(sandbank_fapi::notifications::TICK * 3).await;
    assert_eq!(listener.received().len(), 5);
}

#[tokio::test]
async fn a_refused_notification_is_not_retried_and_clock_moves_notify_too() {
    let (sandbox, listener, client) = notified_client([404]).await;
    // `.04`: accepted now, settled when the clock has moved a day.
    let session = consent(&client, "alice", elsewhere("10.04")).await;
    let payment = session.pay_with_key("notify-2").await.unwrap();
    assert_eq!(payment["status"], "ACCEPTED");
    let id = payment["paymentId"].as_str().unwrap();
    listener
        .wait_for(2, std::time::Duration::from_secs(10))
        .await
        .unwrap();
    advance(&sandbox, "P1D").await;
    let received = listener
        .wait_for(3, std::time::Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        notified(&client, &received).await,
        [
            ("PENDING".to_owned(), 404),
            ("ACCEPTED".to_owned(), 202),
            ("SETTLED".to_owned(), 202),
        ]
    );
    let events = events_once_notified(&sandbox, id).await;
    assert_eq!(events[0]["notification"]["status"], "FAILED");
    assert_eq!(events[0]["notification"]["attempts"], 1);
    assert!(
        events[0]["notification"]["lastError"]
            .as_str()
            .unwrap()
            .starts_with("HTTP 404"),
        "{}",
        events[0]
    );
    tokio::time::sleep(sandbank_fapi::notifications::TICK * 3).await;
    assert_eq!(listener.received().len(), 3, "the 404 was not retried");

    // A client that registered no URI: its events are not sent, and say so.
    let quiet = sandbox.register_client().await.unwrap();
    let session = consent(&quiet, "alice", elsewhere("11.00")).await;
    let payment = session.pay_with_key("notify-3").await.unwrap();
    let events = events_once_notified(&sandbox, payment["paymentId"].as_str().unwrap()).await;
    assert!(
        events
            .iter()
            .all(|e| e["notification"] == json!({"status": "NOT_REGISTERED", "attempts": 0})),
        "{events:?}"
    );
}

#[tokio::test]
async fn two_instances_on_one_database_notify_each_event_once_and_in_order() {
    let Some((db, a, b)) = two_instances().await else {
        return;
    };
    let listener = sandbank_testkit::NotificationListener::start()
        .await
        .unwrap();
    let client = a
        .register_client()
        .payment_notification_uri(listener.url())
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (n, instance) in [&a, &b, &a, &b, &a, &b].into_iter().enumerate() {
        let here = client.at(instance).unwrap();
        let session = consent(&here, "alice", elsewhere(&format!("{}.00", n + 1))).await;
        let payment = session.pay_with_key(&format!("both-{n}")).await.unwrap();
        ids.push(payment["paymentId"].as_str().unwrap().to_owned());
    }
    let received = listener
        .wait_for(18, std::time::Duration::from_secs(20))
        .await
        .unwrap();
    // Both workers have had time to send anything twice.
    tokio::time::sleep(sandbank_fapi::notifications::TICK * 4).await;
    assert_eq!(listener.received().len(), 18, "each event once");
    let event_type = sandbank_fapi::notifications::event_type();
    let at_b = client.at(&b).unwrap();
    for id in &ids {
        let mut statuses = Vec::new();
        for notification in &received {
            // Either worker sends: the token names its own instance's issuer (behind a load
            // balancer both would have the same public URL).
            let claims = match client.verify_notification(&notification.token).await {
                Ok(claims) => claims,
                Err(_) => at_b.verify_notification(&notification.token).await.unwrap(),
            };
            if claims["txn"] == id.as_str() {
                statuses.push(claims["events"][&event_type]["status"].clone());
            }
        }
        assert_eq!(statuses, ["PENDING", "ACCEPTED", "SETTLED"], "{id}");
    }
    drop((a, b));
    db.close().await.unwrap();
}

#[tokio::test]
async fn a_client_that_removes_its_uri_is_not_notified_of_what_follows() {
    let (sandbox, listener, client) = notified_client([]).await;
    // `.04`: accepted now (two events sent), settled a day later.
    let session = consent(&client, "alice", elsewhere("12.04")).await;
    let payment = session.pay_with_key("notify-removed").await.unwrap();
    let id = payment["paymentId"].as_str().unwrap();
    listener
        .wait_for(2, std::time::Duration::from_secs(10))
        .await
        .unwrap();

    // RFC 7592: the client replaces its metadata without the notification URI.
    let registration = client.registration();
    let uri = registration["registration_client_uri"].as_str().unwrap();
    let token = registration["registration_access_token"].as_str().unwrap();
    let read: Value = client
        .http()
        .get(uri)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut metadata = read.as_object().unwrap().clone();
    for field in [
        "registration_client_uri",
        "client_id_issued_at",
        "payment_notification_uri",
    ] {
        metadata.remove(field);
    }
    let put = client
        .http()
        .put(uri)
        .bearer_auth(token)
        .json(&metadata)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);

    advance(&sandbox, "P1D").await;
    let events = events_once_notified(&sandbox, id).await;
    let notifications: Vec<&str> = events
        .iter()
        .map(|e| e["notification"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(notifications, ["DELIVERED", "DELIVERED", "NOT_REGISTERED"]);
    assert_eq!(events[2]["status"], "SETTLED");
    assert_eq!(listener.received().len(), 2);
}
