#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The request-size limits over a real socket: a declared `Content-Length` over the limit and a
//! chunked body that grows past it are both 413, in problem+json on the bank API, Confluent's
//! format on `/registry` and OAuth JSON on the token endpoint; a body of exactly the limit
//! still reaches its handler; `serve --max-body-bytes` and `SANDBANK_MAX_BODY_BYTES` set the
//! limit. Refusals before any handler (405, 404, 414, 431) have a body of the same format.
//!
//! Oversize requests are written by hand on a TCP stream, so that the test controls what the
//! server has seen when it answers: only the head (a declared length), or a chunked body whose
//! last chunk crosses the limit and is never terminated (the server must answer without waiting
//! for the end).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};

use sandbank::app::AppState;
use sandbank::body_limit::DEFAULT_MAX_BODY_BYTES;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[path = "support/instance.rs"]
mod instance;

/// The application with `max_body_bytes`, served on a loopback port.
async fn serve(max_body_bytes: usize) -> SocketAddr {
    let state = AppState {
        max_body_bytes,
        ..AppState::ephemeral().await.unwrap()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = sandbank::app::router(state);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// A response read off the wire.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Writes `head` (request line and headers, without the blank line) and `body` as they are,
/// then reads one response.
async fn exchange(addr: SocketAddr, head: &str, body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut request = format!("{head}\r\nHost: {addr}\r\n\r\n").into_bytes();
    request.extend_from_slice(body);
    stream.write_all(&request).await.unwrap();
    let mut raw = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let read = stream.read(&mut buffer).await.unwrap();
        raw.extend_from_slice(&buffer[..read]);
        if let Some(answer) = parse(&raw) {
            return answer;
        }
        assert!(read > 0, "connection closed mid-response: {raw:?}");
    }
}

/// One complete response in `raw`, if it is all there.
fn parse(raw: &[u8]) -> Option<Answer> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8(raw[..end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.trim().to_owned(), value.trim().to_owned())
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .map(|(_, value)| value.parse().unwrap())
        .expect("a Content-Length on every answer here");
    let body = raw.get(end + 4..end + 4 + length)?;
    Some(Answer {
        status,
        headers,
        body: serde_json::from_slice(body).unwrap_or(Value::Null),
    })
}

/// `head` declaring a body of `length` bytes; nothing of the body is sent.
async fn declared(addr: SocketAddr, head: &str, length: usize) -> Answer {
    exchange(addr, &format!("{head}\r\nContent-Length: {length}"), b"").await
}

/// `head` with a chunked body of 64 KiB chunks whose last one makes it `total` bytes; the
/// terminating chunk is never sent.
async fn chunked(addr: SocketAddr, head: &str, total: usize) -> Answer {
    let mut body = Vec::new();
    let mut left = total;
    while left > 0 {
        let size = left.min(64 * 1024);
        body.extend_from_slice(format!("{size:x}\r\n").as_bytes());
        body.resize(body.len() + size, b' ');
        left -= size;
        if left > 0 {
            body.extend_from_slice(b"\r\n");
        }
    }
    exchange(
        addr,
        &format!("{head}\r\nTransfer-Encoding: chunked"),
        &body,
    )
    .await
}

const PATCH: &str = "PATCH /cards/card-1/controls HTTP/1.1\r\nContent-Type: application/json";
const REGISTER: &str = "POST /registry/subjects/big-value/versions HTTP/1.1\r\n\
                        Content-Type: application/vnd.schemaregistry.v1+json";
const TOKEN: &str = "POST /token HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded";

fn assert_problem_413(answer: &Answer, instance: &str, max: usize) {
    assert_eq!(answer.status, 413, "{answer:?}");
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert!(answer.header("x-fapi-interaction-id").is_some());
    assert_eq!(
        answer.body["type"],
        "https://sandbank.example/problems/request-too-large"
    );
    assert_eq!(answer.body["status"], 413);
    assert_eq!(answer.body["instance"], instance);
    assert!(
        answer.body["detail"]
            .as_str()
            .unwrap()
            .contains(&max.to_string()),
        "{answer:?}"
    );
    let schema = sandbank_schemas::catalogue::find("problem")
        .unwrap()
        .document();
    assert!(jsonschema::is_valid(&schema, &answer.body), "{answer:?}");
}

/// A refusal in Confluent's format (`/registry`): `{"error_code": status, "message"}`.
fn assert_confluent_error(answer: &Answer, status: u16) {
    assert_eq!(answer.status, status, "{answer:?}");
    assert_eq!(
        answer.header("content-type"),
        Some("application/vnd.schemaregistry.v1+json")
    );
    assert_eq!(answer.body["error_code"], status, "{answer:?}");
    assert!(answer.body["message"].is_string(), "{answer:?}");
    assert_eq!(answer.body.as_object().unwrap().len(), 2, "{answer:?}");
}

/// A refusal in RFC 9457 format with the given `type` slug.
fn assert_problem(answer: &Answer, status: u16, kind: &str) {
    assert_eq!(answer.status, status, "{answer:?}");
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(
        answer.body["type"],
        format!("https://sandbank.example/problems/{kind}")
    );
    assert_eq!(answer.body["status"], status);
    assert!(answer.body["detail"].is_string(), "{answer:?}");
}

/// A refusal in RFC 6749 format: `invalid_request` and a description.
fn assert_oauth_error(answer: &Answer, status: u16) {
    assert_eq!(answer.status, status, "{answer:?}");
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.body["error"], "invalid_request", "{answer:?}");
    assert!(answer.body["error_description"].is_string());
}

fn assert_oauth_413(answer: &Answer) {
    assert_eq!(answer.status, 413, "{answer:?}");
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert_eq!(answer.body["error"], "invalid_request");
    assert!(answer.body["error_description"].is_string());
    assert_eq!(answer.body.as_object().unwrap().len(), 2, "{answer:?}");
}

/// How an oversize body is sent.
#[derive(Debug, Clone, Copy)]
enum Oversize {
    /// Only a head declaring the length.
    Declared,
    /// A chunked body that grows to that length.
    Chunked,
}

/// `head` with a body of `length` bytes sent the `how` way.
async fn oversize(addr: SocketAddr, how: Oversize, head: &str, length: usize) -> Answer {
    match how {
        Oversize::Declared => declared(addr, head, length).await,
        Oversize::Chunked => chunked(addr, head, length).await,
    }
}

/// A bank-API PATCH, a registry POST and the token endpoint each refuse a body one byte over
/// `max`, in their own format.
async fn assert_refused_everywhere(addr: SocketAddr, how: Oversize, max: usize) {
    let answer = oversize(addr, how, PATCH, max + 1).await;
    assert_problem_413(&answer, "/cards/card-1/controls", max);
    let answer = oversize(addr, how, REGISTER, max + 1).await;
    assert_confluent_error(&answer, 413);
    assert_oauth_413(&oversize(addr, how, TOKEN, max + 1).await);
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_413_before_the_body_is_sent() {
    let max = DEFAULT_MAX_BODY_BYTES;
    let addr = serve(max).await;
    assert_refused_everywhere(addr, Oversize::Declared, max).await;
    // Client management (RFC 7592) is an OAuth endpoint too.
    assert_oauth_413(&declared(addr, "PUT /register/some-client HTTP/1.1", 10 * max).await);
}

#[tokio::test]
async fn a_chunked_body_growing_over_the_limit_is_413_without_waiting_for_its_end() {
    let max = DEFAULT_MAX_BODY_BYTES;
    let addr = serve(max).await;
    assert_refused_everywhere(addr, Oversize::Chunked, max).await;
}

/// A schema registration request of exactly `size` bytes (the schema padded with spaces).
fn registration(size: usize) -> String {
    let schema = json!({"type": "object", "title": "big value"}).to_string();
    let mut body = json!({ "schema": schema }).to_string();
    let padding = size - body.len();
    body.insert_str(1, &" ".repeat(padding));
    assert_eq!(body.len(), size);
    body
}

/// What a request with a body of exactly the limit gets: what its handler says.
#[tokio::test]
async fn a_body_of_exactly_the_limit_reaches_its_handler() {
    let max = DEFAULT_MAX_BODY_BYTES;
    let addr = serve(max).await;
    let http = reqwest::Client::new();
    let url = |path: &str| format!("http://{addr}{path}");

    let response = http
        .post(url("/registry/subjects/big-value/versions"))
        .header("content-type", "application/vnd.schemaregistry.v1+json")
        .body(registration(max))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let registered: Value = response.json().await.unwrap();
    assert!(registered["id"].is_u64(), "{registered}");

    // The token endpoint reads the whole form, then refuses the client it names.
    let mut form = "grant_type=client_credentials&client_id=nobody&padding=".to_owned();
    form.push_str(&"x".repeat(max - form.len()));
    let response = http
        .post(url("/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_ne!(response.status(), 413);
    let error: Value = response.json().await.unwrap();
    assert!(error["error"].is_string(), "{error}");
    assert!(
        !error["error_description"]
            .as_str()
            .unwrap()
            .contains("larger than"),
        "{error}"
    );

    // The bank API's guard answers: no token.
    let mut controls = r#"{"locked": true}"#.to_owned();
    controls.push_str(&" ".repeat(max - controls.len()));
    let response = http
        .patch(url("/cards/card-1/controls"))
        .header("content-type", "application/json")
        .body(controls)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

/// A limit above axum's own default for extractors (2 MB) holds: the extractors get the same
/// limit, so they never refuse first (and in another format).
#[tokio::test]
async fn a_limit_above_axums_default_lets_bigger_bodies_through() {
    let max = 3 * 1024 * 1024;
    let addr = serve(max).await;
    let response = reqwest::Client::new()
        .post(format!(
            "http://{addr}/registry/subjects/big-value/versions"
        ))
        .header("content-type", "application/vnd.schemaregistry.v1+json")
        .body(registration(max - 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer = declared(addr, REGISTER, max + 1).await;
    assert_confluent_error(&answer, 413);
    assert!(
        answer.body["message"]
            .as_str()
            .unwrap()
            .contains(&max.to_string())
    );
}

/// `serve --max-body-bytes` and `SANDBANK_MAX_BODY_BYTES` reach the server.
#[tokio::test]
async fn the_limit_is_set_on_the_command_line_or_in_the_environment() {
    for (flag, env) in [(Some("2048"), None), (None, Some("2048"))] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sandbank"));
        command
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--database-url",
                "sqlite::memory:",
            ])
            .env_remove("SANDBANK_MAX_BODY_BYTES")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(value) = flag {
            command.args(["--max-body-bytes", value]);
        }
        if let Some(value) = env {
            command.env("SANDBANK_MAX_BODY_BYTES", value);
        }
        let mut child = command.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ready: Value = serde_json::from_str(&line).unwrap();
        let addr: SocketAddr = ready["url"]
            .as_str()
            .unwrap()
            .trim_start_matches("http://")
            .parse()
            .unwrap();
        assert_refused_everywhere(addr, Oversize::Declared, 2048).await;
        child.kill().unwrap();
        child.wait().unwrap();
    }
    let refused = Command::new(env!("CARGO_BIN_EXE_sandbank"))
        .args(["serve", "--max-body-bytes", "0"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
}

/// A body that cannot be read (here a malformed chunk) is a 400 in the endpoint's format.
#[tokio::test]
async fn an_unreadable_body_is_400_in_the_format_of_the_endpoint() {
    let addr = serve(DEFAULT_MAX_BODY_BYTES).await;
    let malformed = b"zz\r\n{}\r\n0\r\n\r\n";
    let answer = exchange(
        addr,
        &format!("{PATCH}\r\nTransfer-Encoding: chunked"),
        malformed,
    )
    .await;
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(
        answer.body["type"],
        "https://sandbank.example/problems/bad-request"
    );
    let answer = exchange(
        addr,
        &format!("{TOKEN}\r\nTransfer-Encoding: chunked"),
        malformed,
    )
    .await;
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(answer.body["error"], "invalid_request");
}

/// A method a route does not take is 405 with its `Allow` header and a body in the format of
/// the path's API; a path no route matches is 404 the same way.
#[tokio::test]
async fn a_method_a_path_does_not_take_is_405_with_allow_and_a_body() {
    let addr = serve(DEFAULT_MAX_BODY_BYTES).await;
    let answer = exchange(addr, "DELETE /registry/subjects HTTP/1.1", b"").await;
    assert_confluent_error(&answer, 405);
    assert!(
        answer.header("allow").unwrap().contains("GET"),
        "{answer:?}"
    );
    let answer = exchange(addr, "DELETE /schemas HTTP/1.1", b"").await;
    assert_problem(&answer, 405, "method-not-allowed");
    assert!(
        answer.header("allow").unwrap().contains("GET"),
        "{answer:?}"
    );
    assert_eq!(answer.body["instance"], "/schemas");
    let answer = exchange(addr, "GET /token HTTP/1.1", b"").await;
    assert_oauth_error(&answer, 405);
    assert!(
        answer.header("allow").unwrap().contains("POST"),
        "{answer:?}"
    );

    let answer = exchange(addr, "GET /registry/no-such-thing HTTP/1.1", b"").await;
    assert_confluent_error(&answer, 404);
    let answer = exchange(addr, "GET /no-such-thing HTTP/1.1", b"").await;
    assert_problem(&answer, 404, "not-found");
}

/// The server as `sandbank serve` runs it (hyper configured by the instance), on a tiny
/// dataset.
async fn serve_instance() -> SocketAddr {
    let instance = sandbank::instance::Instance::start(instance::tiny_dataset_options())
        .await
        .unwrap();
    let addr = instance.url.trim_start_matches("http://").parse().unwrap();
    tokio::spawn(instance.serve(std::future::pending()));
    addr
}

/// A URI over 8 KiB is 414, and a header section over 32 KiB or 100 fields 431, each with a
/// body in the format of the path's API (hyper's own answers would have none); a URI and
/// headers just within the limits are served.
#[tokio::test]
async fn an_over_long_uri_is_414_and_over_large_headers_431_with_a_body() {
    let addr = serve_instance().await;
    let long = "x".repeat(sandbank::head_limit::MAX_URI_BYTES);
    let big_header = format!("X-Big: {}", "y".repeat(40 * 1024));
    let many_headers: Vec<String> = (0..150).map(|i| format!("X-Many-{i}: v")).collect();
    let many_headers = many_headers.join("\r\n");
    for head in [
        format!("GET /registry/subjects?pad={long} HTTP/1.1"),
        format!("GET /registry/subjects HTTP/1.1\r\n{big_header}"),
        format!("GET /registry/subjects HTTP/1.1\r\n{many_headers}"),
    ] {
        let answer = exchange(addr, &head, b"").await;
        let status = if head.contains("pad=") { 414 } else { 431 };
        assert_confluent_error(&answer, status);
    }
    let answer = exchange(addr, &format!("GET /schemas?pad={long} HTTP/1.1"), b"").await;
    assert_problem(&answer, 414, "uri-too-long");
    assert_eq!(answer.body["instance"], "/schemas");
    let answer = exchange(addr, &format!("GET /schemas HTTP/1.1\r\n{big_header}"), b"").await;
    assert_problem(&answer, 431, "request-header-fields-too-large");
    let answer = exchange(
        addr,
        &format!("GET /schemas HTTP/1.1\r\n{many_headers}"),
        b"",
    )
    .await;
    assert_problem(&answer, 431, "request-header-fields-too-large");
    let answer = exchange(addr, &format!("POST /token?pad={long} HTTP/1.1"), b"").await;
    assert_oauth_error(&answer, 414);
    let answer = exchange(addr, &format!("POST /token HTTP/1.1\r\n{big_header}"), b"").await;
    assert_oauth_error(&answer, 431);
    let answer = exchange(
        addr,
        &format!("POST /token HTTP/1.1\r\n{many_headers}"),
        b"",
    )
    .await;
    assert_oauth_error(&answer, 431);

    // Just within the limits: served.
    let within = "x".repeat(sandbank::head_limit::MAX_URI_BYTES - 64);
    let few: Vec<String> = (0..90)
        .map(|i| format!("X-Few-{i}: {}", "z".repeat(300)))
        .collect();
    let answer = exchange(
        addr,
        &format!(
            "GET /registry/subjects?pad={within} HTTP/1.1\r\n{}",
            few.join("\r\n")
        ),
        b"",
    )
    .await;
    assert_eq!(answer.status, 200, "{answer:?}");
}

/// With a registry key, every Confluent write needs it (Bearer, or Basic with any user and the
/// key as the password) and is 401 with `WWW-Authenticate` otherwise, in Confluent's format;
/// reads and the native API's checks stay open.
#[tokio::test]
async fn registry_writes_need_the_registry_key_when_one_is_set() {
    let state = AppState {
        registry_key: Some(sandbank::sandbox::AdminKey::new("s3cret").unwrap()),
        ..AppState::ephemeral().await.unwrap()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = sandbank::app::router(state);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let body = json!({"schema": json!({"type": "object"}).to_string()}).to_string();
    let write = |authorization: &str| {
        format!(
            "POST /registry/subjects/keyed-value/versions HTTP/1.1\r\n\
             Content-Type: application/vnd.schemaregistry.v1+json\r\n\
             Content-Length: {}{authorization}",
            body.len()
        )
    };
    use base64::Engine;
    let basic =
        |userinfo: &str| base64::engine::general_purpose::STANDARD.encode(userinfo.as_bytes());
    for authorization in [
        String::new(),
        "\r\nAuthorization: Bearer wrong".to_owned(),
        "\r\nAuthorization: Bearer s3cre".to_owned(),
        format!("\r\nAuthorization: Basic {}", basic("s3cret:")),
        format!("\r\nAuthorization: Basic {}", basic("user:wrong")),
        "\r\nAuthorization: Basic !!!".to_owned(),
    ] {
        let answer = exchange(addr, &write(&authorization), body.as_bytes()).await;
        assert_confluent_error(&answer, 401);
        let challenge = answer.header("www-authenticate").unwrap();
        assert!(
            challenge.contains("Bearer realm=\"sandbank-registry\""),
            "{challenge}"
        );
        assert!(
            challenge.contains("Basic realm=\"sandbank-registry\""),
            "{challenge}"
        );
    }
    let level = r#"{"compatibility": "NONE"}"#;
    let answer = exchange(
        addr,
        &format!(
            "PUT /registry/config HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {}",
            level.len()
        ),
        level.as_bytes(),
    )
    .await;
    assert_confluent_error(&answer, 401);
    // Nothing was written, and reads are open.
    let answer = exchange(
        addr,
        "GET /registry/subjects/keyed-value/versions HTTP/1.1",
        b"",
    )
    .await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.body["error_code"], 40401);
    let answer = exchange(addr, "GET /registry/config HTTP/1.1", b"").await;
    assert_eq!(answer.body["compatibilityLevel"], "BACKWARD");

    for authorization in [
        "\r\nAuthorization: Bearer s3cret".to_owned(),
        format!("\r\nAuthorization: Basic {}", basic("any-user:s3cret")),
        format!("\r\nAuthorization: basic {}", basic(":s3cret")),
    ] {
        let answer = exchange(addr, &write(&authorization), body.as_bytes()).await;
        assert_eq!(answer.status, 200, "{authorization}: {answer:?}");
    }
    let check = r#"{"schema": {"type": "object"}}"#;
    let answer = exchange(
        addr,
        &format!("POST /schemas/account/compatibility HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {}", check.len()),
        check.as_bytes(),
    )
    .await;
    assert_eq!(answer.status, 200, "{answer:?}");
}
