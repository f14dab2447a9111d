//! Insurance claims over real sockets: `POST /insurance/policies/{policyId}/claims` under the
//! `insurance_claims` permission, the lifecycle by the sandbox clock with the payout credited
//! through the ledger (and kept when a clock move rebuilds the dataset), the scenario cents,
//! the `Idempotency-Key`, and every refusal leaving the store as it was.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use reqwest::StatusCode;
use sandbank_schemas::insurance::InsuranceLine;
use sandbank_schemas::{AccountId, ClaimId, InsuranceClaim, InsurancePolicy};
use sandbank_testkit::{Sandbox, Session, TestClient};
use serde_json::{Value, json};

#[path = "support/ledger.rs"]
mod ledger;
use ledger::{accounts_of, backends, balances, builder, dec, opening};

/// `username`'s policy of `line`, as the store has it.
async fn policy_of(sandbox: &Sandbox, username: &str, line: InsuranceLine) -> InsurancePolicy {
    let party = sandbox.party_id(username).await.unwrap();
    sandbox
        .store()
        .policies_of_party(&party)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.line_of_business == line)
        .unwrap_or_else(|| panic!("{username} has no {line:?} policy"))
}

/// Today by the sandbox clock.
fn today(sandbox: &Sandbox) -> NaiveDate {
    sandbox.auth_server().now().date_naive()
}

/// A claim of `claim_type` for `amount` in the policy's currency, for an incident today (or on
/// the cover's last day, when it ended).
fn claim(sandbox: &Sandbox, policy: &InsurancePolicy, claim_type: &str, amount: &str) -> Value {
    let mut day = today(sandbox);
    if let Some(end) = policy.term.end_date {
        day = day.min(end);
    }
    json!({
        "incidentDate": day.max(policy.term.start_date),
        "claimType": claim_type,
        "description": "Rear bumper and tailgate damaged by a reversing van in a car park",
        "claimedAmount": {"amount": amount, "currency": policy.premium.amount.currency.as_str()}
    })
}

/// A login of `username` that may file claims and read policies, accounts and transactions.
async fn claimant(client: &TestClient, username: &str) -> Session {
    client
        .login_as(username)
        .with_scopes(["insurance", "insurance_claims", "accounts", "transactions"])
        .await
        .unwrap()
}

/// `POST .../claims` on `policy_id` with a raw body of `content_type` and, when given, a key;
/// the status and the body.
async fn post(
    session: &Session,
    policy_id: &str,
    key: Option<&str>,
    content_type: &str,
    body: String,
) -> (StatusCode, Value) {
    let mut request = session
        .post(&format!("/insurance/policies/{policy_id}/claims"))
        .header("content-type", content_type)
        .body(body);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let response = request.await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The filed claim `id` as the store has it (a clock move of a day outlives a session's access
/// token).
async fn stored(sandbox: &Sandbox, id: &Value) -> InsuranceClaim {
    let id = ClaimId::new(id.as_str().unwrap()).unwrap();
    sandbox
        .store()
        .filed_claim(&id)
        .await
        .unwrap()
        .unwrap()
        .claim
}

async fn advance(sandbox: &Sandbox, by: &str) {
    sandbox.admin().advance_clock(by).await.unwrap();
}

/// The payout transaction of claim `claim_id` as `GET /accounts/{id}/transactions` shows it
/// (every page read), if it is there.
async fn payout_through_the_api(
    session: &Session,
    account: &AccountId,
    claim_id: &str,
) -> Option<Value> {
    let mut target = Some(format!("/accounts/{account}/transactions?pageSize=1000"));
    while let Some(page) = target {
        let response = session.get(&page).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        let found = body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["transactionId"] == format!("{claim_id}-payout"))
            .cloned();
        if found.is_some() {
            return found;
        }
        target = body["links"]["next"].as_str().map(str::to_owned);
    }
    None
}

/// A motor claim from filing to payout on `sandbox`: `SUBMITTED`, a day later `UNDER_REVIEW`,
/// two days later `PARTIALLY_APPROVED` (the accidental-damage deductible off), a day later
/// `PAID`, the payout account's balance up by exactly the paid amount and a `CREDIT` shown
/// among its transactions; a further day's rebuild keeps the money where it is.
async fn a_motor_claim_goes_from_filing_to_payout(sandbox: &Sandbox) {
    let client = sandbox.register_client().await.unwrap();
    // Half a day in, so that the payout (four days after filing) falls half a day after the
    // dataset's day changes: that move rebuilds nothing, and the balance moves by the payout
    // alone.
    advance(sandbox, "PT12H").await;
    let policy = policy_of(sandbox, "ivan", InsuranceLine::Auto).await;
    let session = claimant(&client, "ivan").await;
    let body = claim(sandbox, &policy, "COLLISION", "1477.35");
    let response = session
        .post(&format!("/insurance/policies/{}/claims", policy.policy_id))
        .json(&body)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let filed: Value = response.json().await.unwrap();
    assert_eq!(filed["status"], "SUBMITTED", "{filed}");
    assert_eq!(filed["claimType"], "COLLISION");
    assert_eq!(filed["policyId"], policy.policy_id.as_str());
    assert_eq!(filed["reportedDate"], today(sandbox).to_string());
    let claim_id = filed["claimId"].as_str().unwrap().to_owned();
    assert!(
        claim_id.starts_with("clm-") && claim_id.len() == 20,
        "{claim_id}"
    );
    assert_eq!(
        filed["claimNumber"],
        format!("CLM-{}", claim_id[12..].to_uppercase())
    );
    assert!(
        location.ends_with(&format!(
            "/insurance/policies/{}/claims/{claim_id}",
            policy.policy_id
        )),
        "{location}"
    );
    // The payout goes to the account the premiums come from.
    let payout = AccountId::new(filed["payoutAccountId"].as_str().unwrap()).unwrap();
    assert_eq!(Some(&payout), policy.premium.payment_account_id.as_ref());

    // Listed beside the dataset's claims, and read singly, as filed; valid claims.
    let listed: Value = session
        .get(&format!("/insurance/policies/{}/claims", policy.policy_id))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed = listed["data"].as_array().unwrap();
    assert_eq!(listed.last(), Some(&filed), "{listed:?}");
    assert_eq!(
        session
            .claim(policy.policy_id.as_str(), &claim_id)
            .await
            .unwrap(),
        filed
    );
    let schema = sandbank_schemas::catalogue::find("insurance-claim").unwrap();
    assert!(jsonschema::is_valid(&schema.document(), &filed));

    let opening_before = opening(sandbox, &payout).await;
    advance(sandbox, "P1D").await;
    let claim = stored(sandbox, &filed["claimId"]).await;
    assert_eq!(serde_json::to_value(claim.status).unwrap(), "UNDER_REVIEW");
    advance(sandbox, "P2D").await;
    let claim = stored(sandbox, &filed["claimId"]).await;
    assert_eq!(
        serde_json::to_value(&claim).unwrap()["status"],
        "PARTIALLY_APPROVED"
    );
    let deductible = policy
        .coverages
        .iter()
        .find(|c| c.name == "Accidental damage")
        .and_then(|c| c.deductible)
        .unwrap()
        .amount
        .value();
    let approved = dec("1477.35") - deductible;
    assert_eq!(claim.approved_amount.unwrap().amount.value(), approved);
    assert_eq!(claim.paid_amount, None);
    // Into the next day of the dataset (a rebuild): still approved, not yet paid.
    advance(sandbox, "PT12H").await;
    let claim = stored(sandbox, &filed["claimId"]).await;
    assert_eq!(claim.paid_amount, None);
    let (booked_before, available_before) = balances(sandbox, &payout).await;

    advance(sandbox, "PT12H1M").await;
    let claim = stored(sandbox, &filed["claimId"]).await;
    assert_eq!(serde_json::to_value(claim.status).unwrap(), "PAID");
    assert_eq!(claim.paid_amount.unwrap().amount.value(), approved);
    assert_eq!(claim.closed_date, Some(today(sandbox)));
    let (booked, available) = balances(sandbox, &payout).await;
    assert_eq!(booked, booked_before + approved);
    assert_eq!(available, available_before + approved);

    // The credit, through the API, to a new login (the first one's token is long expired).
    let later = claimant(&client, "ivan").await;
    let credit = payout_through_the_api(&later, &payout, &claim_id)
        .await
        .expect("the payout among the account's transactions");
    assert_eq!(credit["creditDebitIndicator"], "CREDIT");
    assert_eq!(credit["amount"]["amount"], approved.to_string());
    assert_eq!(credit["transactionType"], "INSURANCE");
    assert_eq!(credit["insurance"]["claimId"], claim_id.as_str());
    let read = later
        .claim(policy.policy_id.as_str(), &claim_id)
        .await
        .unwrap();
    assert_eq!(read["status"], "PAID");
    assert_eq!(read["paidAmount"]["amount"], approved.to_string());

    // A further day regenerates the account's history; the payout is replayed onto it: the
    // account holds what it held before the claim plus its history, the payout included.
    assert_eq!(opening(sandbox, &payout).await, opening_before);
    advance(sandbox, "P1D").await;
    assert_eq!(opening(sandbox, &payout).await, opening_before);
    let later = claimant(&client, "ivan").await;
    assert!(
        payout_through_the_api(&later, &payout, &claim_id)
            .await
            .is_some()
    );
    let claim = stored(sandbox, &filed["claimId"]).await;
    assert_eq!(serde_json::to_value(claim.status).unwrap(), "PAID");
}

#[tokio::test]
async fn a_filed_claim_is_listed_and_paid_by_the_clock_on_every_backend() {
    for db in backends().await {
        eprintln!("backend: {}", db.label);
        let sandbox = builder().database_url(&db.url).start().await.unwrap();
        a_motor_claim_goes_from_filing_to_payout(&sandbox).await;
        drop(sandbox);
        db.close().await.unwrap();
    }
}

#[tokio::test]
async fn life_cover_pays_in_full_and_the_scenario_cents_deny_or_halve() {
    let sandbox = builder().start().await.unwrap();
    let client = sandbox.register_client().await.unwrap();
    let life = policy_of(&sandbox, "ivan", InsuranceLine::WholeLife).await;
    let motor = policy_of(&sandbox, "ivan", InsuranceLine::Auto).await;
    let session = claimant(&client, "ivan").await;
    let full = session
        .file_claim(
            life.policy_id.as_str(),
            &claim(&sandbox, &life, "TERMINAL_ILLNESS", "5000.00"),
        )
        .await
        .unwrap();
    let denied = session
        .file_claim(
            life.policy_id.as_str(),
            &claim(&sandbox, &life, "DEATH", "1000.02"),
        )
        .await
        .unwrap();
    let halved = session
        .file_claim(
            motor.policy_id.as_str(),
            &claim(&sandbox, &motor, "GLASS", "300.07"),
        )
        .await
        .unwrap();
    let payout = AccountId::new(full["payoutAccountId"].as_str().unwrap()).unwrap();
    let opening_before = opening(&sandbox, &payout).await;

    advance(&sandbox, "P4DT1M").await;
    let full = stored(&sandbox, &full["claimId"]).await;
    let as_json = serde_json::to_value(&full).unwrap();
    assert_eq!(as_json["status"], "PAID", "{as_json}");
    assert_eq!(as_json["approvedAmount"]["amount"], "5000.00");
    assert_eq!(as_json["paidAmount"]["amount"], "5000.00");

    // .02: denied at the end of the review, closed, and no money moves.
    let denied = serde_json::to_value(stored(&sandbox, &denied["claimId"]).await).unwrap();
    assert_eq!(denied["status"], "DENIED", "{denied}");
    assert!(denied.get("approvedAmount").is_none());
    assert!(denied.get("paidAmount").is_none());
    assert!(denied.get("closedDate").is_some());
    let denied_payout = sandbank_schemas::TransactionId::new(format!(
        "{}-payout",
        denied["claimId"].as_str().unwrap()
    ))
    .unwrap();
    assert!(
        sandbox
            .store()
            .transaction(&payout, &denied_payout)
            .await
            .unwrap()
            .is_none()
    );

    // .07: half of what the windscreen cover gives ((300.07 - 75.00) / 2, rounded down).
    let halved = serde_json::to_value(stored(&sandbox, &halved["claimId"]).await).unwrap();
    assert_eq!(halved["status"], "PAID", "{halved}");
    let windscreen = motor
        .coverages
        .iter()
        .find(|c| c.name == "Windscreen")
        .and_then(|c| c.deductible)
        .unwrap()
        .amount
        .value();
    let half = ((dec("300.07") - windscreen) / dec("2"))
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero);
    assert_eq!(halved["paidAmount"]["amount"], half.to_string());

    // The two payouts, and nothing for the denial, on top of the account's history.
    let paid = dec("5000.00")
        + if halved["payoutAccountId"] == payout.as_str() {
            half
        } else {
            dec("0")
        };
    let mut sum = dec("0");
    for id in [&as_json["claimId"], &halved["claimId"]] {
        let transaction =
            sandbank_schemas::TransactionId::new(format!("{}-payout", id.as_str().unwrap()))
                .unwrap();
        if let Some(t) = sandbox
            .store()
            .transaction(&payout, &transaction)
            .await
            .unwrap()
        {
            sum += t.amount.amount.value();
        }
    }
    assert_eq!(sum, paid);
    assert_eq!(opening(&sandbox, &payout).await, opening_before);
}

/// What a refusal must leave as it was: ivan's and alice's accounts, the claims filed on ivan's
/// policies, and every claim waiting for the clock.
async fn snapshot(sandbox: &Sandbox) -> Vec<String> {
    let mut seen = Vec::new();
    for username in ["ivan", "alice"] {
        for account in accounts_of(sandbox, username).await {
            seen.push(serde_json::to_string(&account).unwrap());
        }
        let party = sandbox.party_id(username).await.unwrap();
        for policy in sandbox.store().policies_of_party(&party).await.unwrap() {
            let filed = sandbox
                .store()
                .filed_claims(&policy.policy_id)
                .await
                .unwrap();
            seen.push(format!("{filed:?}"));
        }
    }
    let due = sandbox
        .store()
        .claims_due(chrono::DateTime::<chrono::Utc>::MAX_UTC)
        .await
        .unwrap();
    seen.push(format!("{due:?}"));
    seen
}

#[tokio::test]
async fn refused_claims_change_nothing() {
    let sandbox = builder().start().await.unwrap();
    let client = sandbox.register_client().await.unwrap();
    let motor = policy_of(&sandbox, "ivan", InsuranceLine::Auto).await;
    let policy_id = motor.policy_id.as_str();
    let ivan = claimant(&client, "ivan").await;
    let good = claim(&sandbox, &motor, "COLLISION", "640.00");
    let before = snapshot(&sandbox).await;
    let json = "application/json";

    // Without the permission: 403, whatever the body.
    let reader = client
        .login_as("ivan")
        .with_scopes(["insurance"])
        .await
        .unwrap();
    let (status, _) = post(&reader, policy_id, None, json, good.to_string()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Someone else's policy is not found, as an unknown one.
    let alice = claimant(&client, "alice").await;
    for other in [policy_id, "pol-0000000000000000"] {
        let (status, problem) = post(&alice, other, None, json, good.to_string()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
        assert_eq!(
            problem["type"],
            "https://sandbank.example/problems/not-found"
        );
    }
    // A body that breaks the schema, or does not fit the policy: 400 naming the field.
    let mut other_currency = good.clone();
    other_currency["claimedAmount"]["currency"] = json!("EUR");
    let mut fire = good.clone();
    fire["claimType"] = json!("FIRE");
    let mut tomorrow = good.clone();
    tomorrow["incidentDate"] = json!(today(&sandbox).succ_opt().unwrap());
    let mut before_cover = good.clone();
    before_cover["incidentDate"] = json!(motor.term.start_date.pred_opt().unwrap());
    let mut unknown = good.clone();
    unknown["witness"] = json!("the van driver");
    let mut long = good.clone();
    long["description"] = json!("x".repeat(2001));
    let alices = accounts_of(&sandbox, "alice").await[0].account_id.clone();
    let mut foreign_payout = good.clone();
    foreign_payout["payoutAccountId"] = json!(alices.as_str());
    for (body, pointer) in [
        (&other_currency, "/claimedAmount/currency"),
        (&fire, "/claimType"),
        (&tomorrow, "/incidentDate"),
        (&before_cover, "/incidentDate"),
        (&unknown, ""),
        (&long, "/description"),
        (&foreign_payout, "/payoutAccountId"),
    ] {
        let (status, problem) = post(&ivan, policy_id, None, json, body.to_string()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {problem}");
        assert_eq!(
            problem["type"],
            "https://sandbank.example/problems/invalid-body"
        );
        let pointers: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["pointer"].as_str().unwrap())
            .collect();
        assert!(
            pointers.iter().any(|p| *p == pointer || pointer.is_empty()),
            "{body}: {problem}"
        );
        assert!(!problem.to_string().contains("sqlx"), "{problem}");
    }
    // Not JSON by its media type: 415; not JSON at all: 400.
    let (status, _) = post(&ivan, policy_id, None, "text/plain", good.to_string()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _) = post(&ivan, policy_id, None, json, "{".to_owned()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A malformed key.
    let (status, problem) = post(&ivan, policy_id, Some("a key"), json, good.to_string()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["errors"][0]["pointer"], "Idempotency-Key");
    assert_eq!(snapshot(&sandbox).await, before);
}

#[tokio::test]
async fn a_retry_with_the_same_key_files_one_claim() {
    let sandbox = builder().start().await.unwrap();
    let client = sandbox.register_client().await.unwrap();
    let motor = policy_of(&sandbox, "ivan", InsuranceLine::Auto).await;
    let policy_id = motor.policy_id.as_str();
    let ivan = claimant(&client, "ivan").await;
    let body = claim(&sandbox, &motor, "THEFT", "900.00");
    let first = ivan
        .file_claim_with_key(policy_id, &body, "claim-key-1")
        .await
        .unwrap();
    let again = ivan
        .file_claim_with_key(policy_id, &body, "claim-key-1")
        .await
        .unwrap();
    assert_eq!(again, first);
    let filed = sandbox
        .store()
        .filed_claims(&motor.policy_id)
        .await
        .unwrap();
    assert_eq!(filed.len(), 1);
    // The same key with another body: 422, and nothing new.
    let mut other = body.clone();
    other["claimedAmount"]["amount"] = json!("901.00");
    let before = snapshot(&sandbox).await;
    let (status, problem) = post(
        &ivan,
        policy_id,
        Some("claim-key-1"),
        "application/json",
        other.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        problem["type"],
        "https://sandbank.example/problems/idempotency-key-reused"
    );
    assert_eq!(snapshot(&sandbox).await, before);
    // Without a key, each request is a new claim.
    ivan.file_claim(policy_id, &body).await.unwrap();
    ivan.file_claim(policy_id, &body).await.unwrap();
    assert_eq!(
        sandbox
            .store()
            .filed_claims(&motor.policy_id)
            .await
            .unwrap()
            .len(),
        3
    );
}

/// 20 retries at once with one key, on every backend: one claim, the same answer to all.
#[tokio::test]
async fn concurrent_retries_with_one_key_file_one_claim_on_every_backend() {
    for db in backends().await {
        let sandbox = builder().database_url(&db.url).start().await.unwrap();
        let client = sandbox.register_client().await.unwrap();
        let motor = policy_of(&sandbox, "ivan", InsuranceLine::Auto).await;
        let session = std::sync::Arc::new(claimant(&client, "ivan").await);
        let body = claim(&sandbox, &motor, "THEFT", "350.00");
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let session = std::sync::Arc::clone(&session);
            let policy_id = motor.policy_id.to_string();
            let body = body.clone();
            tasks.spawn(async move {
                session
                    .file_claim_with_key(&policy_id, &body, "at-once")
                    .await
                    .unwrap()
            });
        }
        let mut ids = std::collections::BTreeSet::new();
        while let Some(answer) = tasks.join_next().await {
            ids.insert(answer.unwrap()["claimId"].as_str().unwrap().to_owned());
        }
        assert_eq!(ids.len(), 1, "{}: {ids:?}", db.label);
        let filed = sandbox
            .store()
            .filed_claims(&motor.policy_id)
            .await
            .unwrap();
        assert_eq!(filed.len(), 1, "{}", db.label);
        drop(sandbox);
        db.close().await.unwrap();
    }
}

#[tokio::test]
async fn a_reset_forgets_filed_claims() {
    let sandbox = builder().start().await.unwrap();
    let client = sandbox.register_client().await.unwrap();
    let motor = policy_of(&sandbox, "ivan", InsuranceLine::Auto).await;
    let ivan = claimant(&client, "ivan").await;
    ivan.file_claim(
        motor.policy_id.as_str(),
        &claim(&sandbox, &motor, "COLLISION", "100.00"),
    )
    .await
    .unwrap();
    // A clock move keeps it; a reset does not.
    advance(&sandbox, "P1D").await;
    let store = sandbox.store();
    assert_eq!(store.filed_claims(&motor.policy_id).await.unwrap().len(), 1);
    sandbox.admin().reset().await.unwrap();
    assert!(
        store
            .filed_claims(&motor.policy_id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn insurance_claims_is_granted_through_an_account_information_detail_too() {
    let sandbox = builder().start().await.unwrap();
    let client = sandbox.register_client().await.unwrap();
    let motor = policy_of(&sandbox, "ivan", InsuranceLine::Auto).await;
    let session = client
        .login_as("ivan")
        .with_scopes(["openid"])
        .with_authorization_details([json!({
            "type": "account_information",
            "permissions": ["insurance_claims"]
        })])
        .await
        .unwrap();
    let granted = &session.token_response()["authorization_details"][0]["permissions"];
    assert_eq!(granted, &json!(["insurance_claims"]));
    let filed = session
        .file_claim(
            motor.policy_id.as_str(),
            &claim(&sandbox, &motor, "GLASS", "120.00"),
        )
        .await
        .unwrap();
    assert_eq!(filed["status"], "SUBMITTED");
    // It files; it does not read: that is the insurance permission.
    let response = session
        .get(&format!("/insurance/policies/{}/claims", motor.policy_id))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
