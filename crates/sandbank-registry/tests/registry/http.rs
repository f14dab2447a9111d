//! Driving the registry router without a socket.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use sandbank_registry::Registry;
use serde_json::Value;
use tower::ServiceExt;

/// The registry's routes on a fresh in-memory registry.
pub fn app() -> Router {
    let (router, _) =
        sandbank_registry::http::router(Arc::new(Registry::in_memory())).split_for_parts();
    router
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }
}

pub async fn send(
    app: &Router,
    method: Method,
    uri: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned())))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

pub async fn get(app: &Router, uri: &str) -> Reply {
    send(app, Method::GET, uri, None, &[]).await
}

pub async fn post(app: &Router, uri: &str, body: &str) -> Reply {
    send(
        app,
        Method::POST,
        uri,
        Some(body),
        &[("content-type", "application/json")],
    )
    .await
}

/// Asserts an RFC 9457 problem with that status.
pub fn assert_problem(reply: &Reply, status: StatusCode) -> Value {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(reply.header("content-type"), "application/problem+json");
    let problem = reply.json();
    assert_eq!(problem["status"], status.as_u16());
    assert!(problem["type"].as_str().unwrap().starts_with("https://"));
    assert!(problem["title"].is_string());
    problem
}

/// Asserts a Confluent error with that status and code.
pub fn assert_confluent_error(reply: &Reply, status: StatusCode, code: u32) -> String {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        "application/vnd.schemaregistry.v1+json"
    );
    let body = reply.json();
    assert_eq!(body["error_code"], code, "{body}");
    body["message"].as_str().unwrap().to_owned()
}
