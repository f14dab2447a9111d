//! `GET`/`POST /sandbox/clock`: the clock moves forward only; codes, pushed requests, access
//! and refresh tokens and grants expire by it as they would in real time; each whole day adds a
//! day of synthetic history that the bank API serves at once.

use chrono::{DateTime, NaiveDate, Utc};
use reqwest::{Method, StatusCode};
use sandbank_testkit::{Sandbox, Session, TestClient};
use serde_json::{Value, json};

use crate::{admin, advance, get, oauth_error, session_account_ids};

fn date(text: &Value) -> NaiveDate {
    text.as_str().unwrap().parse().unwrap()
}

/// A client and a session for alice (accounts, balances and transactions, with refresh).
async fn alice(sandbox: &Sandbox) -> (TestClient, Session) {
    let client = sandbox.register_client().await.unwrap();
    let session = client
        .login_as("alice")
        .with_scopes(["openid", "accounts", "balances", "transactions"])
        .await
        .unwrap();
    (client, session)
}

#[tokio::test]
async fn the_clock_moves_forward_only_and_days_move_the_data() {
    let sandbox = crate::start().await;
    let (status, clock) = admin(&sandbox, Method::GET, "/sandbox/clock", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(clock["offsetSeconds"], 0);
    assert_eq!(
        date(&clock["dataAsOf"]),
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
    );

    // Less than a day: the clock moves, the data does not.
    let clock = advance(&sandbox, "PT23H").await;
    assert_eq!(clock.offset_seconds, 23 * 3600);
    assert_eq!(
        clock.data_as_of,
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
    );
    assert!(clock.now - sandbox.auth_server().now() < chrono::Duration::seconds(5));
    // The hour that completes the day moves the data by one day.
    let (status, clock) = admin(
        &sandbox,
        Method::POST,
        "/sandbox/clock",
        Some(json!({"advanceBySeconds": 3600})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{clock}");
    assert_eq!(clock["offsetSeconds"], 24 * 3600);
    assert_eq!(
        date(&clock["dataAsOf"]),
        NaiveDate::from_ymd_opt(2026, 11, 2).unwrap()
    );
    let clock = advance(&sandbox, "P1W").await;
    assert_eq!(
        clock.data_as_of,
        NaiveDate::from_ymd_opt(2026, 11, 9).unwrap()
    );

    // Backwards, malformed, both or neither: 400, nothing moves.
    for (body, pointer) in [
        (json!({"advanceBy": "-P1D"}), "/advanceBy"),
        (json!({"advanceBySeconds": -1}), "/advanceBySeconds"),
        (json!({"advanceBy": "3 days"}), "/advanceBy"),
        (json!({"advanceBy": "P1D", "advanceBySeconds": 1}), ""),
        (json!({}), ""),
        (json!({"advanceBy": 3}), "/advanceBy"),
        (json!({"advanceBy": "P1D", "extra": true}), "/extra"),
        (json!({"advanceBy": "-PT0S"}), "/advanceBy"),
        (json!({"advanceBy": null, "advanceBySeconds": null}), ""),
    ] {
        let (status, problem) =
            admin(&sandbox, Method::POST, "/sandbox/clock", Some(body.clone())).await;
        crate::assert_invalid(status, &problem, pointer, &body);
    }
    // Well formed but too far for where the clock is (at most ten years ahead): 409.
    for body in [
        json!({"advanceBy": "P20Y"}),
        json!({"advanceBy": "P99999999999999999999D"}),
        json!({"advanceBySeconds": i64::MAX}),
        json!({"advanceBy": "P3650D"}),
    ] {
        let (status, problem) =
            admin(&sandbox, Method::POST, "/sandbox/clock", Some(body.clone())).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}: {problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("3650 days"),
            "{problem}"
        );
    }
    let (_, clock) = admin(&sandbox, Method::GET, "/sandbox/clock", None).await;
    assert_eq!(clock["offsetSeconds"], 8 * 24 * 3600);
    // The kit's helpers read and move the same clock.
    assert_eq!(
        sandbox.admin().clock().await.unwrap().offset_seconds,
        8 * 24 * 3600
    );
    let clock = sandbox.admin().advance_clock_seconds(60).await.unwrap();
    assert_eq!(clock.offset_seconds, 8 * 24 * 3600 + 60);
}

#[tokio::test]
async fn codes_and_pushed_requests_expire_by_the_sandbox_clock() {
    let sandbox = crate::start().await;
    let client = sandbox.register_client().await.unwrap();

    // A code lives 60 s: two minutes later it is refused.
    let pushed = client.login_as("alice").pending().await.unwrap();
    let response = pushed.open().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        crate::query(&location)["state"],
        pushed.state(),
        "{location}"
    );
    advance(&sandbox, "PT2M").await;
    let (status, error) = oauth_error(pushed.finish(&location).await);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error, "invalid_grant");

    // A request_uri lives 90 s.
    let pushed = client.login_as("alice").pending().await.unwrap();
    advance(&sandbox, "PT2M").await;
    let response = pushed.open().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.unwrap().contains("expired"));
}

#[tokio::test]
async fn access_tokens_refresh_tokens_and_grants_expire_by_the_sandbox_clock() {
    let sandbox = crate::start().await;

    // An access token lives 10 minutes.
    let (client, session) = alice(&sandbox).await;
    assert_eq!(get(&session, "/accounts").await.0, StatusCode::OK);
    advance(&sandbox, "PT11M").await;
    let (status, _) = get(&session, "/accounts").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A refresh token lives 30 days.
    let mut session = client
        .login_as("alice")
        .with_scopes(["openid", "accounts", "balances", "transactions"])
        .await
        .unwrap();
    advance(&sandbox, "P29D").await;
    session.refresh().await.unwrap();
    advance(&sandbox, "P2D").await;
    let (status, error) = oauth_error(session.refresh().await);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error, "invalid_grant");
}

#[tokio::test]
async fn a_grant_ends_when_its_consent_expires() {
    let sandbox = crate::start().await;
    let (_, mut session) = alice(&sandbox).await;
    // A consent of two days, so that it ends well before its refresh token would: the grant
    // the login made is shortened in the store (the server's configuration is not the test's
    // to change).
    let grants = sandbox.store().auth_state();
    let grant_id = session.grant_id().unwrap().to_owned();
    let now = sandbox.clock().now();
    let entry = grants
        .get(sandbank_fapi::state::kinds::GRANT, &grant_id, now)
        .await
        .unwrap()
        .unwrap();
    let mut grant = entry.value;
    let ends = entry.created_at + chrono::Duration::days(2);
    grant["expiresAt"] = json!(ends);
    grants
        .put(
            sandbank_fapi::state::kinds::GRANT,
            &grant_id,
            &grant,
            entry.created_at,
            ends,
        )
        .await
        .unwrap();

    advance(&sandbox, "P1DT23H").await;
    session.refresh().await.unwrap();
    assert_eq!(get(&session, "/accounts").await.0, StatusCode::OK);
    // An access token never outlives its grant: this one has an hour, not ten minutes.
    let expires_in = session.token_response()["expires_in"].as_i64().unwrap();
    assert!(expires_in <= 3600, "{expires_in}");
    advance(&sandbox, "PT61M").await;
    let (status, _) = get(&session, "/accounts").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, error) = oauth_error(session.refresh().await);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error, "invalid_grant");
}

/// The transactions of `account` newest first, all pages.
async fn transactions(session: &Session, account: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut path = format!("/accounts/{account}/transactions?pageSize=1000");
    loop {
        let (status, page) = get(session, &path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        all.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["links"]["next"].as_str() {
            // An absolute URL: the session sends it to the sandbox's socket.
            Some(next) => path = next.to_owned(),
            None => return all,
        }
    }
}

#[tokio::test]
async fn advancing_days_brings_new_transactions_to_the_bank_api() {
    let sandbox = crate::start().await;
    let (_, mut session) = alice(&sandbox).await;
    let accounts = session_account_ids(&session).await;
    let party = sandbox.party_id("alice").await.unwrap();
    let current = sandbox
        .store()
        .accounts_of_party(&party)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.nickname.is_none() && a.display_name.contains("Current"))
        .unwrap()
        .account_id
        .to_string();
    let before = transactions(&session, &current).await;
    let newest = |txns: &[Value]| -> DateTime<Utc> {
        txns.first().unwrap()["bookingDateTime"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    assert!(newest(&before).date_naive() < as_of);

    advance(&sandbox, "P10D").await;
    // The access token expired with the ten days; the refresh token and grant did not, and
    // the grant still reaches the same accounts (ids are stable).
    assert_eq!(get(&session, "/accounts").await.0, StatusCode::UNAUTHORIZED);
    session.refresh().await.unwrap();
    assert_eq!(session_account_ids(&session).await, accounts);
    let after = transactions(&session, &current).await;
    assert!(newest(&after).date_naive() >= as_of);
    assert!(newest(&after).date_naive() < as_of + chrono::Days::new(10));
    let new: Vec<&Value> = after
        .iter()
        .filter(|t| {
            let booked: DateTime<Utc> = t["bookingDateTime"].as_str().unwrap().parse().unwrap();
            booked.date_naive() >= as_of
        })
        .collect();
    assert!(
        new.len() >= 5,
        "only {} transactions in ten new days",
        new.len()
    );
    // Everything settled before the old end is still there, unchanged.
    let settled: Vec<&Value> = before
        .iter()
        .filter(|t| {
            let booked: DateTime<Utc> = t["bookingDateTime"].as_str().unwrap().parse().unwrap();
            booked.date_naive() < as_of - chrono::Days::new(2)
        })
        .collect();
    for txn in settled {
        assert!(after.contains(txn), "{txn} changed");
    }
}

#[tokio::test]
async fn a_client_on_real_time_keeps_working_after_the_clock_moves() {
    let sandbox = crate::start().await;
    let (client, old) = alice(&sandbox).await;
    let mut session = client.login_as("alice").await.unwrap();
    let shared = session_account_ids(&old).await;
    advance(&sandbox, "P1D").await;
    let real = || sandbox.clock().read().real.timestamp();
    assert!(sandbox.now() - real() >= 86_400 - 1);

    // The moved clock still expires what was issued before the move.
    assert_eq!(get(&old, "/accounts").await.0, StatusCode::UNAUTHORIZED);

    // A refresh signed by the client's own clock: assertion and proof dated by real time.
    let key = session.dpop_key().clone();
    let refresh_token = session.refresh_token().unwrap().to_owned();
    let token_url = format!("{}/token", sandbox.issuer());
    let response = client
        .http()
        .post(sandbox.endpoint("/token"))
        .header(
            "dpop",
            key.dpop_proof("POST", &token_url, real(), None).unwrap(),
        )
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_token),
            ("client_assertion_type", sandbank_testkit::jose::JWT_BEARER),
            (
                "client_assertion",
                &client
                    .key()
                    .client_assertion(client.client_id(), sandbox.issuer(), real())
                    .unwrap(),
            ),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status();
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let access_token = tokens["access_token"].as_str().unwrap();

    // The bank API takes proofs dated by real time.
    let accounts_url = format!("{}/accounts", sandbox.issuer());
    let response = client
        .http()
        .get(sandbox.endpoint("/accounts"))
        .header("authorization", format!("DPoP {access_token}"))
        .header(
            "dpop",
            key.dpop_proof("GET", &accounts_url, real(), Some(access_token))
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let status = response.status();
    let accounts: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{accounts}");
    assert_eq!(crate::account_ids(&accounts["data"]), shared);
    // And the kit's own proofs, dated by the sandbox clock, as before.
    session.refresh().await.unwrap();
    assert_eq!(get(&session, "/accounts").await.0, StatusCode::OK);
}
