//! `/schemas`: catalogue, versions, documents with caching headers, validation and
//! compatibility, with problem+json errors.

use axum::http::{Method, StatusCode};
use sandbank_schemas::catalogue;
use serde_json::{Value, json};

use crate::committed_schemas;
use crate::http::{app, assert_problem, get, post, send};

#[tokio::test]
async fn list_schemas_names_every_catalogue_schema() {
    let app = app();
    let reply = get(&app, "/schemas").await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    let names: Vec<&str> = body["schemas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = catalogue().iter().map(|d| d.name).collect();
    assert_eq!(names, expected);
    assert_eq!(body["schemas"][0]["latest"], catalogue()[0].version);
    assert_eq!(body["schemas"][0]["builtin"], true);
}

#[tokio::test]
async fn list_versions_and_unknown_schema() {
    let app = app();
    let reply = get(&app, "/schemas/balance").await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    assert_eq!(body["name"], "balance");
    assert_eq!(body["versions"][0]["version"], "1.0.0");
    assert_eq!(body["versions"][0]["subjectVersion"], 1);
    assert_eq!(body["versions"][0]["latest"], true);
    assert_eq!(
        body["versions"][0]["schemaId"],
        "https://sandbank.example/schemas/balance/1.0.0.json"
    );
    let problem = assert_problem(&get(&app, "/schemas/no-such").await, StatusCode::NOT_FOUND);
    assert!(problem["detail"].as_str().unwrap().contains("no-such"));
}

#[tokio::test]
async fn a_document_is_served_as_committed_with_caching_headers() {
    let app = app();
    let committed =
        std::fs::read_to_string(committed_schemas().join("transaction/1.0.0.json")).unwrap();
    let exact = get(&app, "/schemas/transaction/1.0.0").await;
    assert_eq!(exact.status, StatusCode::OK);
    assert_eq!(exact.header("content-type"), "application/schema+json");
    assert_eq!(exact.text(), committed);
    let etag = exact.header("etag").to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong: {etag}"
    );
    assert_eq!(exact.header("cache-control"), "public, max-age=3600");

    let latest = get(&app, "/schemas/transaction/latest").await;
    assert_eq!(latest.text(), committed);
    assert_eq!(latest.header("etag"), etag);
    assert_eq!(latest.header("cache-control"), "public, max-age=60");

    for tag in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"x\", {etag}"),
        "*".into(),
    ] {
        let reply = send(
            &app,
            Method::GET,
            "/schemas/transaction/1.0.0",
            None,
            &[("if-none-match", &tag)],
        )
        .await;
        assert_eq!(reply.status, StatusCode::NOT_MODIFIED, "{tag}");
        assert!(reply.body.is_empty());
        assert_eq!(reply.header("etag"), etag);
    }
    let other = send(
        &app,
        Method::GET,
        "/schemas/transaction/1.0.0",
        None,
        &[("if-none-match", "\"something-else\"")],
    )
    .await;
    assert_eq!(other.status, StatusCode::OK);
    // Different documents, different tags.
    assert_ne!(
        get(&app, "/schemas/account/1.0.0").await.header("etag"),
        etag
    );
}

#[tokio::test]
async fn unknown_versions_are_problems() {
    let app = app();
    let problem = assert_problem(
        &get(&app, "/schemas/account/9.9.9").await,
        StatusCode::NOT_FOUND,
    );
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .ends_with("version-not-found")
    );
    assert_problem(
        &get(&app, "/schemas/nope/latest").await,
        StatusCode::NOT_FOUND,
    );
}

#[tokio::test]
async fn validate_reports_valid_and_every_error() {
    let app = app();
    let txn = serde_json::to_value(&sandbank_schemas::examples::transactions()[0]).unwrap();
    let reply = post(
        &app,
        "/schemas/transaction/latest/validate",
        &txn.to_string(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({"valid": true, "errors": []}));

    let mut bad = txn.clone();
    bad["amount"]["currency"] = json!("gbp");
    bad["status"] = json!("DONE");
    let reply = post(
        &app,
        "/schemas/transaction/1.0.0/validate",
        &bad.to_string(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    assert_eq!(body["valid"], false);
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{body}");
    let at: Vec<&str> = errors
        .iter()
        .map(|e| e["instancePath"].as_str().unwrap())
        .collect();
    assert!(
        at.contains(&"/amount/currency") && at.contains(&"/status"),
        "{at:?}"
    );
    for error in errors {
        assert!(error["schemaPath"].as_str().unwrap().starts_with('/'));
        assert!(error["keyword"].is_string() && error["message"].is_string());
    }
}

#[tokio::test]
async fn validate_errors_are_problems() {
    let app = app();
    for body in ["{", "", "not json"] {
        assert_problem(
            &post(&app, "/schemas/account/latest/validate", body).await,
            StatusCode::BAD_REQUEST,
        );
    }
    assert_problem(
        &post(&app, "/schemas/nope/latest/validate", "{}").await,
        StatusCode::NOT_FOUND,
    );
    assert_problem(
        &post(&app, "/schemas/account/0.0.1/validate", "{}").await,
        StatusCode::NOT_FOUND,
    );
}

fn account() -> Value {
    catalogue::find("account").unwrap().document()
}

#[tokio::test]
async fn compatibility_of_the_same_schema_and_of_a_narrowed_one() {
    let app = app();
    let same = json!({"schema": account()}).to_string();
    let reply = post(&app, "/schemas/account/compatibility", &same).await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    assert_eq!(body["compatible"], true);
    assert_eq!(body["mode"], "BACKWARD");
    assert_eq!(body["messages"], json!([]));

    let mut narrowed = account();
    narrowed["properties"]["nickname"]["maxLength"] = json!(5);
    let reply = post(
        &app,
        "/schemas/account/compatibility",
        &json!({"schema": narrowed, "mode": "FULL"}).to_string(),
    )
    .await;
    let body = reply.json();
    assert_eq!(body["compatible"], false, "{body}");
    assert_eq!(body["mode"], "FULL");
    let message = body["messages"][0].as_str().unwrap();
    assert!(
        message.contains("/properties/nickname/maxLength")
            && message.contains("MAX_LENGTH_DECREASED"),
        "{message}"
    );
    assert_eq!(
        body["incompatibilities"][0]["incompatibility"]["pointer"],
        "/properties/nickname/maxLength"
    );
    // Narrowing is forward compatible.
    let reply = post(
        &app,
        "/schemas/account/compatibility",
        &json!({"schema": narrowed, "mode": "FORWARD"}).to_string(),
    )
    .await;
    assert_eq!(reply.json()["compatible"], true);
}

#[tokio::test]
async fn compatibility_errors_are_problems() {
    let app = app();
    assert_problem(
        &post(&app, "/schemas/account/compatibility", "{").await,
        StatusCode::BAD_REQUEST,
    );
    assert_problem(
        &post(
            &app,
            "/schemas/account/compatibility",
            &json!({"schema": {}, "mode": "SIDEWAYS"}).to_string(),
        )
        .await,
        StatusCode::BAD_REQUEST,
    );
    assert_problem(
        &post(
            &app,
            "/schemas/account/compatibility",
            "{\"mode\": \"FULL\"}",
        )
        .await,
        StatusCode::BAD_REQUEST,
    );
    assert_problem(
        &post(
            &app,
            "/schemas/account/compatibility",
            &json!({"schema": {"type": "no-such-type"}}).to_string(),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_problem(
        &post(
            &app,
            "/schemas/nope/compatibility",
            &json!({"schema": {}}).to_string(),
        )
        .await,
        StatusCode::NOT_FOUND,
    );
}

#[tokio::test]
async fn registered_subjects_are_listed_served_and_validate() {
    let app = app();
    let register = json!({"schema": json!({"type": "object", "required": ["n"]}).to_string(), "schemaType": "JSON"});
    let reply = post(
        &app,
        "/registry/subjects/orders-value/versions",
        &register.to_string(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());

    let list = get(&app, "/schemas").await.json();
    let last = list["schemas"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["name"], "orders-value");
    assert_eq!(last["builtin"], false);
    assert_eq!(last["versions"], json!(["1"]));

    let document = get(&app, "/schemas/orders-value/1").await;
    assert_eq!(document.status, StatusCode::OK);
    assert_eq!(
        document.json(),
        json!({"required": ["n"], "type": "object"})
    );
    let report = post(&app, "/schemas/orders-value/latest/validate", "{}")
        .await
        .json();
    assert_eq!(report["valid"], false);
    assert_eq!(report["errors"][0]["keyword"], "required");
}
