//! The OpenAPI document: committed, generated from the routes, components equal to the JSON
//! Schemas, served at /openapi.json with Swagger UI at /docs.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use sandbank::openapi::{DOCUMENT_PATH, document, files, render, render_yaml};
use sandbank_registry::openapi::hoist;
use sandbank_schemas::catalogue;
use sandbank_schemas::openapi::component_name;
use serde_json::Value;
use tower::ServiceExt;

use crate::{sandbank, text};

fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(DOCUMENT_PATH)
}

/// Fails when `openapi/sandbank.json` or its YAML twin differs from the code.
/// `SANDBANK_OVERWRITE=1` rewrites them.
#[test]
fn committed_openapi_matches_the_code() {
    let files = files(&committed()).unwrap();
    if std::env::var_os("SANDBANK_OVERWRITE").is_some() {
        for (path, want) in &files {
            std::fs::write(path, want).unwrap();
        }
    }
    for (path, want) in &files {
        let have = std::fs::read_to_string(path).unwrap_or_default();
        if have != *want {
            let diff = similar::TextDiff::from_lines(&have, want)
                .unified_diff()
                .context_radius(2)
                .to_string();
            panic!(
                "{} is stale; run `sandbank openapi export` or the tests with SANDBANK_OVERWRITE=1:\n{}",
                path.display(),
                diff.lines().take(60).collect::<Vec<_>>().join("\n")
            );
        }
    }
}

/// The YAML twin says exactly what the JSON document says.
#[test]
fn the_yaml_twin_is_the_same_document() {
    let yaml: Value = yaml_serde::from_str(&render_yaml().unwrap()).unwrap();
    assert_eq!(yaml, document().unwrap());
}

#[test]
fn the_document_is_openapi_3_1_with_every_route() {
    let doc = document().unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    for path in [
        "/schemas",
        "/schemas/{name}",
        "/schemas/{name}/{version}",
        "/schemas/{name}/{version}/validate",
        "/schemas/{name}/compatibility",
        "/registry/subjects",
        "/registry/subjects/{subject}",
        "/registry/subjects/{subject}/versions",
        "/registry/subjects/{subject}/versions/{version}",
        "/registry/subjects/{subject}/versions/{version}/schema",
        "/registry/schemas/ids/{id}",
        "/registry/compatibility/subjects/{subject}/versions/{version}",
        "/registry/config",
        "/registry/config/{subject}",
        "/health/live",
        "/health/ready",
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
        "/jwks",
        "/register",
        "/register/{client_id}",
        "/par",
        "/backchannel",
        "/authorize",
        "/login",
        "/consent",
        "/token",
        "/userinfo",
        "/introspect",
        "/revoke",
    ] {
        assert!(paths.iter().any(|p| *p == path), "missing {path}");
    }
}

#[test]
fn every_operation_describes_every_response_and_its_errors() {
    let doc = document().unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            assert!(!responses.is_empty(), "{method} {path}");
            for (status, response) in responses {
                let description = response["description"].as_str().unwrap_or("");
                assert!(!description.is_empty(), "{method} {path} {status}");
            }
            // Health, discovery and the JWKS answer from memory and cannot fail.
            let infallible =
                path.starts_with("/health") || path.starts_with("/.well-known/") || path == "/jwks";
            if !infallible {
                assert!(
                    responses
                        .keys()
                        .any(|s| s.starts_with('4') || s.starts_with('5')),
                    "{method} {path} documents no error"
                );
            }
        }
    }
}

#[test]
fn components_are_the_catalogue_schemas() {
    let doc = document().unwrap();
    let components = doc["components"]["schemas"].as_object().unwrap();
    for def in catalogue() {
        let name = component_name(def.name);
        let parts = hoist(&name, &def.document());
        let (_, root) = &parts[0];
        assert_eq!(components.get(&name), Some(root), "{name}");
        for (def_name, schema) in &parts[1..] {
            let mut component = components[def_name].clone();
            let mut expected = schema.clone();
            // A type that is also a catalogue root keeps its root's title.
            for value in [&mut component, &mut expected] {
                value.as_object_mut().unwrap().remove("title");
            }
            assert_eq!(component, expected, "{def_name} in {}", def.name);
        }
    }
    // Bodies refer to components by the models' names.
    let problem_ref = &doc["paths"]["/schemas/{name}"]["get"]["responses"]["404"]["content"]["application/problem+json"]
        ["schema"]["$ref"];
    assert_eq!(problem_ref, "#/components/schemas/Problem");
    assert!(sandbank_registry::openapi::dangling_refs(&doc).is_empty());
}

#[test]
fn openapi_export_check_reports_drift() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("openapi/sandbank.json");
    let yaml = dir.path().join("openapi/sandbank.yaml");
    let path = path.to_str().unwrap();
    let out = sandbank(&["openapi", "export", "--check", "--path", path]);
    assert_eq!(out.status.code(), Some(1), "missing files are stale");
    let out = sandbank(&["openapi", "export", "--path", path]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(path).unwrap(), render().unwrap());
    assert_eq!(
        std::fs::read_to_string(&yaml).unwrap(),
        render_yaml().unwrap()
    );
    let out = sandbank(&["openapi", "export", "--check", "--path", path]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::write(path, render().unwrap().replace("Sandbank", "Sandbox")).unwrap();
    let out = sandbank(&["openapi", "export", "--check", "--path", path]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("+    \"title\": \"Sandbank\""),
        "{}",
        text(&out.stderr)
    );
    // The YAML twin is checked too.
    std::fs::write(path, render().unwrap()).unwrap();
    std::fs::write(&yaml, render_yaml().unwrap().replace("Sandbank", "Sandbox")).unwrap();
    let out = sandbank(&["openapi", "export", "--check", "--path", path]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("sandbank.yaml does not match"),
        "{}",
        text(&out.stderr)
    );
}

async fn get(uri: &str) -> (StatusCode, String, Vec<u8>) {
    let state = sandbank::app::AppState::ephemeral().await.unwrap();
    let response = sandbank::app::router(state)
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, content_type, body)
}

#[tokio::test]
async fn the_document_and_swagger_ui_are_served() {
    let (status, content_type, body) = get("/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let served: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(served, document().unwrap());

    let (status, content_type, body) = get("/docs/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(String::from_utf8_lossy(&body).contains("swagger-ui"));
    // The bundle is vendored: served by the binary itself.
    let (status, _, body) = get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.len() > 100_000);
    let (status, _, body) = get("/docs/swagger-initializer.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&body).contains("/openapi.json"));
}

#[tokio::test]
async fn unknown_paths_are_problems() {
    let (status, content_type, body) = get("/no/such/path").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(content_type, "application/problem+json");
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem["status"], 404);
}
