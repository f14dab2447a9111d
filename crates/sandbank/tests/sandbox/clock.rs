//! `GET`/`POST /sandbox/clock`: the clock moves forward only; codes, pushed requests, access
//! and refresh tokens and grants expire by it as they would in real time; each whole day adds a
//! day of synthetic history that the bank API serves at once.

use chrono::{DateTime, NaiveDate, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::client::Client;
use crate::{Bank, Options};

fn date(text: &Value) -> NaiveDate {
    text.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_clock_moves_forward_only_and_days_move_the_data() {
    let bank = Bank::start(Options::default()).await;
    let (status, clock) = bank.admin(Method::GET, "/sandbox/clock", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(clock["offsetSeconds"], 0);
    assert_eq!(
        date(&clock["dataAsOf"]),
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
    );

    // Less than a day: the clock moves, the data does not.
    let clock = bank.advance("PT23H").await;
    assert_eq!(clock["offsetSeconds"], 23 * 3600);
    assert_eq!(
        date(&clock["dataAsOf"]),
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
    );
    let now: DateTime<Utc> = clock["now"].as_str().unwrap().parse().unwrap();
    assert!(now - bank.state.auth.now() < chrono::Duration::seconds(5));
    // The hour that completes the day moves the data by one day.
    let (status, clock) = bank
        .admin(
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
    let clock = bank.advance("P1W").await;
    assert_eq!(
        date(&clock["dataAsOf"]),
        NaiveDate::from_ymd_opt(2026, 11, 9).unwrap()
    );

    // Backwards, malformed, both or neither, too far: 400, nothing moves.
    for (body, pointer) in [
        (json!({"advanceBy": "-P1D"}), "/advanceBy"),
        (json!({"advanceBySeconds": -1}), "/advanceBySeconds"),
        (json!({"advanceBy": "3 days"}), "/advanceBy"),
        (json!({"advanceBy": "P1D", "advanceBySeconds": 1}), ""),
        (json!({}), ""),
        (json!({"advanceBy": 3}), "/advanceBy"),
        (json!({"advanceBy": "P1D", "extra": true}), "/extra"),
        (json!({"advanceBy": "P20Y"}), ""),
    ] {
        let (status, problem) = bank
            .admin(Method::POST, "/sandbox/clock", Some(body.clone()))
            .await;
        crate::assert_invalid(status, &problem, pointer, &body);
    }
    let (_, clock) = bank.admin(Method::GET, "/sandbox/clock", None).await;
    assert_eq!(clock["offsetSeconds"], 8 * 24 * 3600);
}

#[tokio::test]
async fn codes_and_pushed_requests_expire_by_the_sandbox_clock() {
    let bank = Bank::start(Options::default()).await;
    let client = Client::register(&bank).await;

    // A code lives 60 s: two minutes later it is refused.
    let (code, pushed) = client.code_for(&bank, "alice").await;
    bank.advance("PT2M").await;
    let (status, body) = client.redeem(&bank, &code, &pushed).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_grant");

    // A request_uri lives 90 s.
    let pushed = client.push(&bank, Some("alice")).await;
    bank.advance("PT2M").await;
    let response = client.authorize(&bank, &pushed).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.unwrap().contains("expired"));
}

#[tokio::test]
async fn access_tokens_refresh_tokens_and_grants_expire_by_the_sandbox_clock() {
    let bank = Bank::start(Options::default()).await;
    let client = Client::register(&bank).await;

    // An access token lives 10 minutes.
    let tokens = client.log_in(&bank, "alice").await;
    assert_eq!(
        client.get(&bank, "/accounts", &tokens.access_token).await.0,
        StatusCode::OK
    );
    bank.advance("PT11M").await;
    let (status, _) = client.get(&bank, "/accounts", &tokens.access_token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A refresh token lives 30 days.
    let tokens = client.log_in(&bank, "alice").await;
    bank.advance("P29D").await;
    let (status, body) = client.refresh(&bank, &tokens.refresh_token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    bank.advance("P2D").await;
    let (status, body) = client.refresh(&bank, &tokens.refresh_token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn a_grant_ends_when_its_consent_expires() {
    // Grants of two days, so that one ends well before its refresh token would.
    let bank = Bank::start(Options {
        grant_lifetime: Some(chrono::Duration::days(2)),
        ..Options::default()
    })
    .await;
    let client = Client::register(&bank).await;
    let tokens = client.log_in(&bank, "alice").await;
    bank.advance("P1DT23H").await;
    let (status, body) = client.refresh(&bank, &tokens.refresh_token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let access_token = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        client.get(&bank, "/accounts", &access_token).await.0,
        StatusCode::OK
    );
    // An access token never outlives its grant: this one has an hour, not ten minutes.
    assert!(body["expires_in"].as_i64().unwrap() <= 3600, "{body}");
    bank.advance("PT61M").await;
    let (status, _) = client.get(&bank, "/accounts", &access_token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = client.refresh(&bank, &tokens.refresh_token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_grant");
}

/// The transactions of `account` newest first, all pages.
async fn transactions(bank: &Bank, client: &Client, token: &str, account: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut path = format!("/accounts/{account}/transactions?pageSize=1000");
    loop {
        let (status, page) = client.get(bank, &path, token).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        all.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["links"]["next"].as_str() {
            Some(next) => {
                path = next.strip_prefix(&bank.url).unwrap_or(next).to_owned();
            }
            None => return all,
        }
    }
}

#[tokio::test]
async fn advancing_days_brings_new_transactions_to_the_bank_api() {
    let bank = Bank::start(Options::default()).await;
    let client = Client::register(&bank).await;
    let tokens = client.log_in(&bank, "alice").await;
    let accounts = client.account_ids(&bank, &tokens.access_token).await;
    let current = bank
        .accounts_of("alice")
        .await
        .into_iter()
        .find(|a| a.nickname.is_none() && a.display_name.contains("Current"))
        .unwrap()
        .account_id
        .to_string();
    let before = transactions(&bank, &client, &tokens.access_token, &current).await;
    let newest = |txns: &[Value]| -> DateTime<Utc> {
        txns.first().unwrap()["bookingDateTime"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    assert!(newest(&before).date_naive() < as_of);

    bank.advance("P10D").await;
    // The access token expired with the ten days; the refresh token and grant did not, and
    // the grant still reaches the same accounts (ids are stable).
    let (status, body) = client.refresh(&bank, &tokens.refresh_token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let access_token = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(client.account_ids(&bank, &access_token).await, accounts);
    let after = transactions(&bank, &client, &access_token, &current).await;
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
