//! Every control operation needs the admin key. The operations are enumerated from the OpenAPI
//! document, so a new one cannot skip the check.

use reqwest::{Method, StatusCode};

use crate::{ADMIN_KEY, admin};

/// Every `/sandbox` operation the OpenAPI document lists: method and path, with `{id}` filled.
fn control_operations() -> Vec<(Method, String)> {
    let document = sandbank::openapi::document().unwrap();
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        if !path.starts_with("/sandbox") {
            continue;
        }
        for (method, operation) in item.as_object().unwrap() {
            assert_eq!(
                operation["security"],
                serde_json::json!([{"adminKey": []}]),
                "{method} {path} must declare the adminKey scheme"
            );
            assert!(
                operation["responses"]["401"].is_object(),
                "{method} {path} must document its 401"
            );
            operations.push((
                method.to_uppercase().parse().unwrap(),
                path.replace("{id}", "urn:ietf:params:oauth:request_uri:x"),
            ));
        }
    }
    operations
}

#[tokio::test]
async fn every_control_operation_needs_the_admin_key() {
    let operations = control_operations();
    assert!(operations.len() >= 8, "{operations:?}");
    let document = sandbank::openapi::document().unwrap();
    assert_eq!(
        document["components"]["securitySchemes"]["adminKey"],
        serde_json::json!({"type": "http", "scheme": "bearer", "description": document["components"]["securitySchemes"]["adminKey"]["description"]})
    );
    let sandbox = crate::start().await;
    assert_eq!(sandbox.admin_key(), ADMIN_KEY);
    for (method, path) in &operations {
        for (credentials, wrong) in [
            (None, false),
            (Some(format!("Bearer {ADMIN_KEY}x")), true),
            // A scheme without a token (HTTP trims the trailing space) is no key at all.
            (Some("Bearer ".to_owned()), false),
            (Some(format!("Basic {ADMIN_KEY}")), false),
            (Some(ADMIN_KEY.to_owned()), false),
        ] {
            let mut request = sandbox
                .http()
                .request(method.clone(), sandbox.endpoint(path))
                .json(&serde_json::json!({}));
            if let Some(credentials) = &credentials {
                request = request.header("Authorization", credentials);
            }
            let response = request.send().await.unwrap();
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path} with {credentials:?}"
            );
            let challenge = response.headers()["www-authenticate"].to_str().unwrap();
            assert!(
                challenge.starts_with("Bearer realm=\"sandbank-admin\""),
                "{challenge}"
            );
            assert_eq!(challenge.contains("invalid_token"), wrong, "{challenge}");
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json"
            );
            let problem: serde_json::Value = response.json().await.unwrap();
            assert_eq!(
                problem["type"],
                "https://sandbank.example/problems/admin-key-required"
            );
            assert_eq!(problem["status"], 401);
        }
        // With the key (its scheme in any case) the request gets past the check.
        let response = sandbox
            .http()
            .request(method.clone(), sandbox.endpoint(path))
            .header("Authorization", format!("bearer {ADMIN_KEY}"))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert_ne!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
        assert_eq!(response.headers()["cache-control"], "no-store");
    }
    // Nothing changed: the clock is where it was.
    let (status, clock) = admin(&sandbox, Method::GET, "/sandbox/clock", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(clock["offsetSeconds"], 0);
}

#[tokio::test]
async fn personas_are_listed_with_their_accounts_and_password() {
    let sandbox = crate::start().await;
    let (status, list) = admin(&sandbox, Method::GET, "/sandbox/personas", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["password"], "sandbank");
    let usernames: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["username"].as_str().unwrap())
        .collect();
    assert_eq!(usernames, ["alice", "edge", "harbourline", "ivan", "sam"]);
    let persona = |name: &str| crate::entry(&list, "username", name);
    let alice = persona("alice");
    assert_eq!(alice["name"], "Alice Carter");
    assert_eq!(alice["partyType"], "INDIVIDUAL");
    assert_eq!(alice["created"], false);
    let types: Vec<(&str, &str)> = alice["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["accountCategory"].as_str().unwrap(),
                a["accountType"].as_str().unwrap(),
            )
        })
        .collect();
    for expected in [
        ("DEPOSIT", "CHECKING"),
        ("DEPOSIT", "SAVINGS"),
        ("LINE_OF_CREDIT", "CREDIT_CARD"),
        ("LOAN", "MORTGAGE"),
    ] {
        assert!(types.contains(&expected), "{types:?}");
    }
    assert_eq!(persona("harbourline")["partyType"], "ORGANISATION");
    // The ids are the store's: the personas' own.
    let stored = sandbox.party_id("alice").await.unwrap();
    assert_eq!(alice["partyId"], stored.to_string());
    // The kit's helper reads the same list.
    assert_eq!(
        serde_json::to_value(sandbox.admin().personas().await.unwrap()).unwrap(),
        list
    );
}
