//! CIBA requests decided headless: `GET /sandbox/ciba` lists what waits for the customer,
//! `POST /sandbox/ciba/{authReqId}/approve|deny` decides as the dashboard would, and the
//! client's next poll of `/token` gets the tokens (or `access_denied`).

use reqwest::{Method, StatusCode};
use sandbank_testkit::{Error, Sandbox};
use serde_json::json;

use crate::{admin, assert_invalid, session_account_ids};

#[tokio::test]
async fn a_ciba_request_is_listed_approved_on_chosen_accounts_and_redeemed() {
    let sandbox = crate::start().await;
    let client = sandbox
        .register_client()
        .client_name("CIBA tests")
        .await
        .unwrap();
    let pending = client
        .login_decoupled("alice")
        .with_scopes(["accounts", "balances"])
        .with_binding_message("W4SCT")
        .await
        .unwrap();
    let id = pending.auth_req_id().to_owned();
    assert!(pending.poll().await.unwrap().is_none());

    let (status, list) = admin(&sandbox, Method::GET, "/sandbox/ciba", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(
        serde_json::to_value(sandbox.admin().pending_ciba().await.unwrap()).unwrap(),
        list
    );
    let entry = crate::entry(&list, "authReqId", &id);
    assert_eq!(entry["clientId"], client.client_id());
    assert_eq!(entry["clientName"], "CIBA tests");
    assert_eq!(
        entry["customerId"],
        sandbox.party_id("alice").await.unwrap().as_str()
    );
    assert_eq!(entry["bindingMessage"], "W4SCT");
    assert_eq!(entry["deliveryMode"], "poll");
    assert_eq!(entry["scopes"], json!(["accounts", "balances", "openid"]));

    let accounts = sandbox.accounts_of("alice").await.unwrap();
    let chosen = &accounts[..1];
    let decision = sandbox
        .admin()
        .approve_ciba(&id, Some(chosen))
        .await
        .unwrap();
    assert_eq!(decision.status, "approved");
    assert_eq!(decision.account_ids, vec![chosen[0].as_str().to_owned()]);
    let session = pending.wait().await.unwrap();
    assert_eq!(
        session_account_ids(&session).await,
        vec![chosen[0].as_str().to_owned()]
    );
    // Decided once; gone from the list.
    let (status, problem) = admin(
        &sandbox,
        Method::POST,
        &format!("/sandbox/ciba/{id}/deny"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    assert_eq!(
        problem["type"],
        "https://sandbank.example/problems/not-found"
    );
    let (_, list) = admin(&sandbox, Method::GET, "/sandbox/ciba", None).await;
    assert_eq!(list["data"], json!([]));
}

#[tokio::test]
async fn a_denied_ciba_request_gets_access_denied() {
    let sandbox = crate::start().await;
    let client = sandbox.register_client().await.unwrap();
    let pending = client.login_decoupled("sam").await.unwrap();
    let decision = sandbox
        .admin()
        .deny_ciba(pending.auth_req_id())
        .await
        .unwrap();
    assert_eq!(decision.status, "denied");
    match pending.wait().await {
        Err(Error::OAuth { error, .. }) => assert_eq!(error, "access_denied"),
        other => panic!("not a denial: {other:?}"),
    }
}

#[tokio::test]
async fn ciba_decisions_are_refused_as_problems() {
    let sandbox: Sandbox = crate::start().await;
    let client = sandbox.register_client().await.unwrap();
    let pending = client.login_decoupled("alice").await.unwrap();
    let approve = format!("/sandbox/ciba/{}/approve", pending.auth_req_id());

    let (status, problem) = admin(
        &sandbox,
        Method::POST,
        "/sandbox/ciba/no-such-id/approve",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    let sams = sandbox.accounts_of("sam").await.unwrap();
    for (body, pointer) in [
        (json!({"accounts": [sams[0].as_str()]}), "/accounts"),
        (json!({"accounts": []}), "/accounts"),
        (json!({"accounts": ["not an id!"]}), "/accounts/0"),
        (json!({"username": "alice"}), ""),
    ] {
        let (status, problem) = admin(&sandbox, Method::POST, &approve, Some(body.clone())).await;
        if pointer.is_empty() {
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {problem}");
        } else {
            assert_invalid(status, &problem, pointer, &body);
        }
    }
    let response = sandbox
        .http()
        .get(sandbox.endpoint("/sandbox/ciba"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    // Still pending after the refusals.
    assert!(pending.poll().await.unwrap().is_none());
}
