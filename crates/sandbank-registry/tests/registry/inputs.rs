//! What the registry APIs refuse before doing anything: bodies not sent as JSON (415, so no web
//! page can write to a developer's registry with a cross-origin `text/plain` request), subject
//! names that are empty, too long or hold control characters (422, 42208), malformed query
//! parameters (400, naming the parameter) and versions that are not versions; and that the
//! OpenAPI document says exactly what the server accepts.

use axum::Router;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::http::{Reply, app, assert_confluent_error, assert_problem, get, send};

const SR: &str = "application/vnd.schemaregistry.v1+json";

fn schema_request() -> String {
    json!({"schema": json!({"type": "object"}).to_string(), "schemaType": "JSON"}).to_string()
}

async fn with_type(
    app: &Router,
    method: Method,
    uri: &str,
    body: &str,
    media: Option<&str>,
) -> Reply {
    let headers: Vec<(&str, &str)> = media.map(|m| ("content-type", m)).into_iter().collect();
    send(app, method, uri, Some(body), &headers).await
}

/// Every Confluent write, with a body it would accept.
fn confluent_writes() -> Vec<(Method, &'static str, String)> {
    let level = json!({"compatibility": "NONE"}).to_string();
    vec![
        (
            Method::POST,
            "/registry/subjects/web-value/versions",
            schema_request(),
        ),
        (
            Method::POST,
            "/registry/subjects/web-value",
            schema_request(),
        ),
        (
            Method::POST,
            "/registry/compatibility/subjects/web-value/versions/latest",
            schema_request(),
        ),
        (Method::PUT, "/registry/config", level.clone()),
        (Method::PUT, "/registry/config/web-value", level),
    ]
}

#[tokio::test]
async fn confluent_writes_need_a_json_media_type() {
    let app = app();
    for (method, uri, body) in confluent_writes() {
        for media in [
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            None,
        ] {
            let reply = with_type(&app, method.clone(), uri, &body, media).await;
            let message = assert_confluent_error(&reply, StatusCode::UNSUPPORTED_MEDIA_TYPE, 415);
            assert!(message.contains("application/json"), "{message}");
        }
    }
    // Nothing was written.
    assert_confluent_error(
        &get(&app, "/registry/subjects/web-value/versions").await,
        StatusCode::NOT_FOUND,
        40401,
    );
    assert_eq!(
        get(&app, "/registry/config").await.json()["compatibilityLevel"],
        "BACKWARD"
    );

    for media in [
        SR,
        "application/vnd.schemaregistry+json",
        "application/json",
        "Application/JSON; charset=utf-8",
    ] {
        let reply = with_type(
            &app,
            Method::POST,
            "/registry/subjects/web-value/versions",
            &schema_request(),
            Some(media),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{media}: {}", reply.text());
    }
}

#[tokio::test]
async fn native_checks_need_a_json_media_type() {
    let app = app();
    let compat = json!({"schema": {"type": "object"}}).to_string();
    for (uri, body) in [
        ("/schemas/account/latest/validate", "{}"),
        ("/schemas/account/compatibility", compat.as_str()),
    ] {
        for media in [Some("text/plain"), None, Some(SR)] {
            let reply = with_type(&app, Method::POST, uri, body, media).await;
            let problem = assert_problem(&reply, StatusCode::UNSUPPORTED_MEDIA_TYPE);
            assert_eq!(
                problem["type"],
                "https://sandbank.example/problems/unsupported-media-type"
            );
        }
        let reply = with_type(
            &app,
            Method::POST,
            uri,
            body,
            Some("application/json; charset=utf-8"),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    }
}

#[tokio::test]
async fn bad_subject_names_are_refused_everywhere_and_never_listed() {
    let app = app();
    let long = "x".repeat(256);
    for subject in [
        "a%00b",
        "new%0Aline",
        "tab%09",
        "del%7F",
        "c1%C2%85",
        long.as_str(),
    ] {
        let mut replies = Vec::new();
        for (method, uri, body) in confluent_writes() {
            let uri = uri.replace("web-value", subject);
            if uri == "/registry/config" {
                continue;
            }
            replies.push(with_type(&app, method, &uri, &body, Some(SR)).await);
        }
        for uri in [
            format!("/registry/subjects/{subject}/versions"),
            format!("/registry/subjects/{subject}/versions/latest"),
            format!("/registry/subjects/{subject}/versions/1/schema"),
            format!("/registry/config/{subject}"),
            format!("/registry/schemas/ids/1?subject={subject}"),
        ] {
            replies.push(get(&app, &uri).await);
        }
        for reply in replies {
            let message = assert_confluent_error(&reply, StatusCode::UNPROCESSABLE_ENTITY, 42208);
            assert!(message.starts_with("Invalid subject"), "{message}");
        }
    }
    let subjects = get(&app, "/registry/subjects").await.json();
    assert!(
        subjects.as_array().unwrap().iter().all(|s| {
            let s = s.as_str().unwrap();
            !s.chars().any(char::is_control) && s.chars().count() <= 255 && !s.is_empty()
        }),
        "{subjects}"
    );
    // 255 characters of two bytes each is a name.
    let longest = "é".repeat(255);
    let reply = with_type(
        &app,
        Method::POST,
        &format!("/registry/subjects/{longest}/versions"),
        &schema_request(),
        Some(SR),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

#[tokio::test]
async fn boolean_and_integer_query_parameters_are_checked() {
    let app = app();
    let compat = "/registry/compatibility/subjects/account/versions/latest";
    for (method, uri, parameter) in [
        (Method::POST, format!("{compat}?verbose=banana"), "verbose"),
        (Method::POST, format!("{compat}?normalize=1"), "normalize"),
        (
            Method::GET,
            "/registry/config/account?defaultToGlobal=banana".to_owned(),
            "defaultToGlobal",
        ),
        (
            Method::GET,
            "/registry/config/account?defaultToGlobal=true&defaultToGlobal=false".to_owned(),
            "defaultToGlobal",
        ),
        (
            Method::POST,
            "/registry/subjects/x/versions?normalize=yes".to_owned(),
            "normalize",
        ),
        (
            Method::POST,
            "/registry/subjects/account?deleted=nope".to_owned(),
            "deleted",
        ),
        (
            Method::GET,
            "/registry/subjects?deleted=maybe".to_owned(),
            "deleted",
        ),
        (
            Method::GET,
            "/registry/subjects?deleted_only=0".to_owned(),
            "deleted_only",
        ),
        (
            Method::GET,
            "/registry/subjects?offset=-1".to_owned(),
            "offset",
        ),
        (
            Method::GET,
            "/registry/subjects?limit=ten".to_owned(),
            "limit",
        ),
        (
            Method::GET,
            "/registry/subjects/account/versions?limit=-2".to_owned(),
            "limit",
        ),
        (
            Method::GET,
            "/registry/subjects/account/versions/1?deleted=2".to_owned(),
            "deleted",
        ),
        (
            Method::GET,
            "/registry/schemas/ids/1?fetchMaxId=sure".to_owned(),
            "fetchMaxId",
        ),
    ] {
        let reply = with_type(&app, method, &uri, &schema_request(), Some(SR)).await;
        let message = assert_confluent_error(&reply, StatusCode::BAD_REQUEST, 400);
        assert!(
            message.contains(&format!("'{parameter}'")),
            "{uri}: {message}"
        );
    }
    // Any case of true and false, as Confluent's Python client sends them.
    let reply = with_type(
        &app,
        Method::POST,
        &format!("{compat}?verbose=TRUE&normalize=False"),
        &schema_request(),
        Some(SR),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(reply.json()["messages"].is_array());
    let reply = get(&app, "/registry/config/account?defaultToGlobal=True").await;
    assert_eq!(reply.json()["compatibilityLevel"], "BACKWARD");
    // Paging, prefixes and deleted_only (nothing is ever deleted).
    let all = get(&app, "/registry/subjects").await.json();
    let all = all.as_array().unwrap();
    assert_eq!(
        get(&app, "/registry/subjects?offset=1&limit=2")
            .await
            .json(),
        Value::from(all[1..3].to_vec())
    );
    assert_eq!(
        get(&app, "/registry/subjects?subjectPrefix=insurance-")
            .await
            .json(),
        json!([
            "insurance-claim",
            "insurance-claim-request",
            "insurance-policy"
        ])
    );
    assert_eq!(
        get(&app, "/registry/subjects?deleted_only=true")
            .await
            .json(),
        json!([])
    );
}

#[tokio::test]
async fn versions_are_positive_integers_latest_or_minus_one() {
    let app = app();
    for version in ["+1", "0", "000", "1e0", " 1", "-2", "latest2"] {
        let reply = get(
            &app,
            &format!(
                "/registry/subjects/account/versions/{}",
                version.replace(' ', "%20")
            ),
        )
        .await;
        assert_confluent_error(&reply, StatusCode::UNPROCESSABLE_ENTITY, 42202);
    }
    for version in ["1", "01", "LATEST", "-1"] {
        let reply = get(
            &app,
            &format!("/registry/subjects/account/versions/{version}"),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{version}: {}", reply.text());
    }
    // A number too large to be a version is a version no subject has.
    let reply = get(
        &app,
        "/registry/subjects/account/versions/99999999999999999999",
    )
    .await;
    assert_confluent_error(&reply, StatusCode::NOT_FOUND, 40402);
}

#[tokio::test]
async fn the_schema_type_is_json_exactly() {
    let app = app();
    for kind in ["json", "AVRO", "PROTOBUF"] {
        let body = json!({"schema": "{}", "schemaType": kind}).to_string();
        let reply = with_type(
            &app,
            Method::POST,
            "/registry/subjects/t/versions",
            &body,
            Some(SR),
        )
        .await;
        assert_confluent_error(&reply, StatusCode::UNPROCESSABLE_ENTITY, 42201);
    }
}

/// The OpenAPI parameter schemas of the Confluent API, by name.
fn parameter_schema(name: &str) -> Value {
    let (_, openapi) = sandbank_registry::http::router::<()>(std::sync::Arc::new(
        sandbank_registry::Registry::in_memory(),
    ))
    .split_for_parts();
    let document = serde_json::to_value(openapi).unwrap();
    let item = &document["paths"]["/registry/subjects/{subject}/versions/{version}"]["get"];
    item["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap()["schema"]
        .clone()
}

#[test]
fn the_documented_subject_and_version_are_what_the_server_accepts() {
    let subject = jsonschema::validator_for(&parameter_schema("subject")).unwrap();
    let mut names: Vec<String> = ["", "a", "orders-value", "é", "a b", "a/b", "日本"]
        .map(str::to_owned)
        .to_vec();
    names.push("x".repeat(255));
    names.push("x".repeat(256));
    names.push("é".repeat(255));
    names.push("é".repeat(256));
    for c in (0..0x110000)
        .filter_map(char::from_u32)
        .filter(|c| (*c as u32) < 0x200 || c.is_control())
    {
        names.push(format!("a{c}b"));
    }
    for name in names {
        assert_eq!(
            subject.is_valid(&Value::from(name.as_str())),
            sandbank_registry::SubjectName::new(name.as_str()).is_ok(),
            "{name:?}"
        );
    }
    let version = jsonschema::validator_for(&parameter_schema("version")).unwrap();
    for text in [
        "1",
        "01",
        "10",
        "0",
        "00",
        "-1",
        "-2",
        "+1",
        "latest",
        "LaTeSt",
        "latest ",
        "1.0",
        "",
        "99999999999999999999",
    ] {
        assert_eq!(
            version.is_valid(&Value::from(text)),
            sandbank_registry::VersionRef::parse_subject_version(text).is_ok(),
            "{text:?}"
        );
    }
}
