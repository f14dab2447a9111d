//! `/registry`: the Confluent Schema Registry REST API for JSON schemas, every endpoint and
//! every error code it documents.

use axum::Router;
use axum::http::{Method, StatusCode};
use sandbank_registry::BUILTIN_ID_BASE;
use sandbank_schemas::catalogue;
use serde_json::{Value, json};

use crate::http::{Reply, app, assert_confluent_error, get, post, send};

const SR: &str = "application/vnd.schemaregistry.v1+json";

/// POST with Confluent's own media type, as its clients send.
async fn sr_post(app: &Router, uri: &str, body: &str) -> Reply {
    send(app, Method::POST, uri, Some(body), &[("content-type", SR)]).await
}

async fn sr_put(app: &Router, uri: &str, body: &str) -> Reply {
    send(app, Method::PUT, uri, Some(body), &[("content-type", SR)]).await
}

fn schema_request(schema: &Value) -> String {
    json!({"schema": schema.to_string(), "schemaType": "JSON"}).to_string()
}

fn person(extra_required: &[&str]) -> Value {
    let mut required = vec!["name"];
    required.extend_from_slice(extra_required);
    json!({"type": "object",
           "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
           "required": required})
}

fn assert_ok(reply: &Reply) -> Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.header("content-type"), SR);
    reply.json()
}

#[tokio::test]
async fn subjects_list_sandbanks_schemas_then_registered_ones() {
    let app = app();
    let subjects = assert_ok(&get(&app, "/registry/subjects").await);
    let subjects: Vec<&str> = subjects
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for def in catalogue() {
        assert!(subjects.contains(&def.name), "{}", def.name);
    }
    assert_ok(
        &sr_post(
            &app,
            "/registry/subjects/people-value/versions",
            &schema_request(&person(&[])),
        )
        .await,
    );
    // Confluent's Python client sends these query parameters.
    let subjects = assert_ok(
        &get(
            &app,
            "/registry/subjects?deleted=False&deleted_only=False&offset=0&limit=-1",
        )
        .await,
    );
    assert_eq!(subjects.as_array().unwrap().last().unwrap(), "people-value");
}

#[tokio::test]
async fn versions_of_a_subject() {
    let app = app();
    assert_eq!(
        assert_ok(&get(&app, "/registry/subjects/balance/versions").await),
        json!([1])
    );
    let message = assert_confluent_error(
        &get(&app, "/registry/subjects/nope/versions").await,
        StatusCode::NOT_FOUND,
        40401,
    );
    assert!(message.contains("nope"));
}

#[tokio::test]
async fn a_version_by_number_latest_or_minus_one() {
    let app = app();
    let document = catalogue::find("balance").unwrap().document();
    for version in ["1", "latest", "-1"] {
        let body = assert_ok(
            &get(
                &app,
                &format!("/registry/subjects/balance/versions/{version}"),
            )
            .await,
        );
        assert_eq!(body["subject"], "balance");
        assert_eq!(body["version"], 1);
        assert_eq!(body["schemaType"], "JSON");
        assert!(body["id"].as_u64().unwrap() >= u64::from(BUILTIN_ID_BASE));
        let schema: Value = serde_json::from_str(body["schema"].as_str().unwrap()).unwrap();
        assert_eq!(schema, document);
    }
    let raw = assert_ok(&get(&app, "/registry/subjects/balance/versions/1/schema").await);
    assert_eq!(raw, document);
    let raw = assert_ok(&get(&app, "/registry/subjects/balance/versions/latest/schema").await);
    assert_eq!(raw, document);
}

#[tokio::test]
async fn version_errors() {
    let app = app();
    for uri in [
        "/registry/subjects/balance/versions/2",
        "/registry/subjects/balance/versions/2/schema",
    ] {
        assert_confluent_error(&get(&app, uri).await, StatusCode::NOT_FOUND, 40402);
    }
    for uri in [
        "/registry/subjects/balance/versions/abc",
        "/registry/subjects/balance/versions/0",
        "/registry/subjects/balance/versions/1.0.0/schema",
    ] {
        assert_confluent_error(
            &get(&app, uri).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            42202,
        );
    }
    for uri in [
        "/registry/subjects/nope/versions/1",
        "/registry/subjects/nope/versions/latest/schema",
    ] {
        assert_confluent_error(&get(&app, uri).await, StatusCode::NOT_FOUND, 40401);
    }
}

#[tokio::test]
async fn schemas_by_id() {
    let app = app();
    let account = assert_ok(&get(&app, "/registry/subjects/account/versions/latest").await);
    let id = account["id"].as_u64().unwrap();
    let body = assert_ok(&get(&app, &format!("/registry/schemas/ids/{id}")).await);
    assert_eq!(body["schemaType"], "JSON");
    assert_eq!(body["schema"], account["schema"]);

    let registered = assert_ok(
        &sr_post(
            &app,
            "/registry/subjects/p/versions",
            &schema_request(&person(&[])),
        )
        .await,
    );
    let id = registered["id"].as_u64().unwrap();
    assert_eq!(id, 1);
    let body = assert_ok(&get(&app, "/registry/schemas/ids/1").await);
    let schema: Value = serde_json::from_str(body["schema"].as_str().unwrap()).unwrap();
    assert_eq!(schema, person(&[]));

    for uri in ["/registry/schemas/ids/999", "/registry/schemas/ids/abc"] {
        assert_confluent_error(&get(&app, uri).await, StatusCode::NOT_FOUND, 40403);
    }
}

#[tokio::test]
async fn register_is_idempotent_checks_compatibility_and_refuses_incompatible() {
    let app = app();
    let uri = "/registry/subjects/people-value/versions";
    let first = assert_ok(&sr_post(&app, uri, &schema_request(&person(&[]))).await);
    let again = assert_ok(&sr_post(&app, uri, &schema_request(&person(&[]))).await);
    assert_eq!(first, again, "same schema, same id");
    // Key order does not matter.
    let reordered = json!({"required": ["name"], "type": "object",
        "properties": {"age": {"type": "integer"}, "name": {"type": "string"}}});
    assert_eq!(
        assert_ok(&sr_post(&app, uri, &schema_request(&reordered)).await),
        first
    );

    // Dropping a requirement: new readers accept all old data (BACKWARD).
    let looser = json!({"type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}});
    let second = assert_ok(&sr_post(&app, uri, &schema_request(&looser)).await);
    assert_ne!(second["id"], first["id"]);
    assert_eq!(
        assert_ok(&get(&app, "/registry/subjects/people-value/versions").await),
        json!([1, 2])
    );

    // Requiring `age` again would reject old data.
    let message = assert_confluent_error(
        &sr_post(&app, uri, &schema_request(&person(&["age"]))).await,
        StatusCode::CONFLICT,
        409,
    );
    assert!(
        message.contains("REQUIRED_ADDED") && message.contains("/required"),
        "{message}"
    );
    assert_eq!(
        assert_ok(&get(&app, "/registry/subjects/people-value/versions").await),
        json!([1, 2])
    );
}

#[tokio::test]
async fn register_accepts_plain_json_requests() {
    let app = app();
    let reply = post(
        &app,
        "/registry/subjects/s/versions",
        &schema_request(&person(&[])),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({"id": 1}));
    // What newer clients send alongside: nulls and fields this registry does not use.
    let body = json!({"schema": person(&[]).to_string(), "schemaType": "JSON",
                      "references": null, "metadata": null, "ruleSet": null});
    let reply = post(
        &app,
        "/registry/subjects/s/versions?normalize=false",
        &body.to_string(),
    )
    .await;
    assert_eq!(reply.json(), json!({"id": 1}));
}

#[tokio::test]
async fn register_errors() {
    let app = app();
    let uri = "/registry/subjects/s/versions";
    assert_confluent_error(&sr_post(&app, uri, "{").await, StatusCode::BAD_REQUEST, 400);
    assert_confluent_error(
        &sr_post(&app, uri, "{}").await,
        StatusCode::BAD_REQUEST,
        400,
    );
    for body in [
        json!({"schema": "not json", "schemaType": "JSON"}),
        json!({"schema": "{\"type\": \"no-such-type\"}", "schemaType": "JSON"}),
        json!({"schema": "42", "schemaType": "JSON"}),
        json!({"schema": "{\"type\": \"record\", \"name\": \"x\", \"fields\": []}", "schemaType": "AVRO"}),
        json!({"schema": "{}", "schemaType": "JSON", "references": [{"name": "a", "subject": "b", "version": 1}]}),
    ] {
        assert_confluent_error(
            &sr_post(&app, uri, &body.to_string()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            42201,
        );
    }
}

#[tokio::test]
async fn sandbanks_own_subjects_are_read_only() {
    let app = app();
    let document = catalogue::find("card").unwrap().document();
    let existing = assert_ok(&get(&app, "/registry/subjects/card/versions/latest").await);
    let same = assert_ok(
        &sr_post(
            &app,
            "/registry/subjects/card/versions",
            &schema_request(&document),
        )
        .await,
    );
    assert_eq!(same["id"], existing["id"]);
    let message = assert_confluent_error(
        &sr_post(
            &app,
            "/registry/subjects/card/versions",
            &schema_request(&json!({"type": "object"})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        42205,
    );
    assert!(message.contains("read-only"), "{message}");
}

#[tokio::test]
async fn lookup_finds_a_registered_schema() {
    let app = app();
    let document = catalogue::find("balance").unwrap().document();
    let found = assert_ok(
        &sr_post(
            &app,
            "/registry/subjects/balance",
            &schema_request(&document),
        )
        .await,
    );
    assert_eq!(found["subject"], "balance");
    assert_eq!(found["version"], 1);
    assert_eq!(found["schemaType"], "JSON");

    assert_confluent_error(
        &sr_post(
            &app,
            "/registry/subjects/balance",
            &schema_request(&json!({"type": "string"})),
        )
        .await,
        StatusCode::NOT_FOUND,
        40403,
    );
    assert_confluent_error(
        &sr_post(
            &app,
            "/registry/subjects/nope",
            &schema_request(&json!({"type": "string"})),
        )
        .await,
        StatusCode::NOT_FOUND,
        40401,
    );
    assert_confluent_error(
        &sr_post(&app, "/registry/subjects/balance", "[").await,
        StatusCode::BAD_REQUEST,
        400,
    );
    assert_confluent_error(
        &sr_post(
            &app,
            "/registry/subjects/balance",
            &json!({"schema": "{"}).to_string(),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        42201,
    );
}

#[tokio::test]
async fn compatibility_test_with_and_without_verbose() {
    let app = app();
    assert_ok(
        &sr_post(
            &app,
            "/registry/subjects/p/versions",
            &schema_request(&person(&[])),
        )
        .await,
    );
    let compatible = json!({"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}});
    for version in ["latest", "1", "-1"] {
        let body = assert_ok(
            &sr_post(
                &app,
                &format!("/registry/compatibility/subjects/p/versions/{version}"),
                &schema_request(&compatible),
            )
            .await,
        );
        assert_eq!(body, json!({"is_compatible": true}));
    }
    let uri = "/registry/compatibility/subjects/p/versions/latest";
    let body = assert_ok(&sr_post(&app, uri, &schema_request(&person(&["age"]))).await);
    assert_eq!(body, json!({"is_compatible": false}));
    let body = assert_ok(
        &sr_post(
            &app,
            &format!("{uri}?verbose=true"),
            &schema_request(&person(&["age"])),
        )
        .await,
    );
    assert_eq!(body["is_compatible"], false);
    let messages = body["messages"].as_array().unwrap();
    assert!(
        messages[0].as_str().unwrap().contains("/required"),
        "{messages:?}"
    );

    // A subject with no versions accepts anything.
    let body = assert_ok(
        &sr_post(
            &app,
            "/registry/compatibility/subjects/new/versions/latest",
            &schema_request(&compatible),
        )
        .await,
    );
    assert_eq!(body["is_compatible"], true);
}

#[tokio::test]
async fn compatibility_test_errors() {
    let app = app();
    assert_ok(
        &sr_post(
            &app,
            "/registry/subjects/p/versions",
            &schema_request(&person(&[])),
        )
        .await,
    );
    let request = schema_request(&person(&[]));
    assert_confluent_error(
        &sr_post(
            &app,
            "/registry/compatibility/subjects/p/versions/7",
            &request,
        )
        .await,
        StatusCode::NOT_FOUND,
        40402,
    );
    assert_confluent_error(
        &sr_post(
            &app,
            "/registry/compatibility/subjects/nope/versions/1",
            &request,
        )
        .await,
        StatusCode::NOT_FOUND,
        40401,
    );
    assert_confluent_error(
        &sr_post(
            &app,
            "/registry/compatibility/subjects/p/versions/x",
            &request,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        42202,
    );
    assert_confluent_error(
        &sr_post(
            &app,
            "/registry/compatibility/subjects/p/versions/latest",
            &json!({"schema": "nope", "schemaType": "JSON"}).to_string(),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        42201,
    );
    assert_confluent_error(
        &sr_post(
            &app,
            "/registry/compatibility/subjects/p/versions/latest",
            "{",
        )
        .await,
        StatusCode::BAD_REQUEST,
        400,
    );
}

#[tokio::test]
async fn global_and_subject_config() {
    let app = app();
    assert_eq!(
        assert_ok(&get(&app, "/registry/config").await),
        json!({"compatibilityLevel": "BACKWARD"})
    );
    assert_eq!(
        assert_ok(&sr_put(&app, "/registry/config", "{\"compatibility\": \"FULL\"}").await),
        json!({"compatibility": "FULL"})
    );
    assert_eq!(
        assert_ok(&get(&app, "/registry/config").await),
        json!({"compatibilityLevel": "FULL"})
    );

    assert_confluent_error(
        &get(&app, "/registry/config/p").await,
        StatusCode::NOT_FOUND,
        40408,
    );
    assert_eq!(
        assert_ok(&get(&app, "/registry/config/p?defaultToGlobal=true").await),
        json!({"compatibilityLevel": "FULL"})
    );
    assert_eq!(
        assert_ok(&sr_put(&app, "/registry/config/p", "{\"compatibility\": \"NONE\"}").await),
        json!({"compatibility": "NONE"})
    );
    assert_eq!(
        assert_ok(&get(&app, "/registry/config/p").await),
        json!({"compatibilityLevel": "NONE"})
    );

    // Under NONE anything registers.
    assert_ok(
        &sr_post(
            &app,
            "/registry/subjects/p/versions",
            &schema_request(&json!({"type": "string"})),
        )
        .await,
    );
    assert_ok(
        &sr_post(
            &app,
            "/registry/subjects/p/versions",
            &schema_request(&json!({"type": "integer"})),
        )
        .await,
    );
}

#[tokio::test]
async fn config_errors() {
    let app = app();
    for uri in ["/registry/config", "/registry/config/p"] {
        assert_confluent_error(
            &sr_put(&app, uri, "{\"compatibility\": \"SIDEWAYS\"}").await,
            StatusCode::UNPROCESSABLE_ENTITY,
            42203,
        );
        assert_confluent_error(
            &sr_put(&app, uri, "{}").await,
            StatusCode::UNPROCESSABLE_ENTITY,
            42203,
        );
        assert_confluent_error(&sr_put(&app, uri, "{").await, StatusCode::BAD_REQUEST, 400);
    }
    // The level in force is unchanged.
    assert_eq!(
        assert_ok(&get(&app, "/registry/config").await),
        json!({"compatibilityLevel": "BACKWARD"})
    );
}

#[tokio::test]
async fn transitive_levels_check_every_version() {
    let app = app();
    let uri = "/registry/subjects/t/versions";
    let v1 = json!({"type": "string", "maxLength": 5});
    let v2 = json!({"type": "string", "maxLength": 10});
    let v3 = json!({"type": "string", "maxLength": 7});
    assert_ok(
        &sr_put(
            &app,
            "/registry/config/t",
            "{\"compatibility\": \"FORWARD\"}",
        )
        .await,
    );
    assert_ok(&sr_post(&app, uri, &schema_request(&v2)).await);
    // FORWARD: v2 (old) must read v3 data; it can.
    assert_ok(&sr_post(&app, uri, &schema_request(&v3)).await);
    assert_ok(
        &sr_put(
            &app,
            "/registry/config/t",
            "{\"compatibility\": \"BACKWARD_TRANSITIVE\"}",
        )
        .await,
    );
    // BACKWARD_TRANSITIVE: v1 must read all of v2 and v3's data; it cannot.
    assert_confluent_error(
        &sr_post(&app, uri, &schema_request(&v1)).await,
        StatusCode::CONFLICT,
        409,
    );
}
