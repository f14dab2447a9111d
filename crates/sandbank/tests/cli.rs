//! The `sandbank` binary as a user runs it: exit codes, messages, the ready line; the
//! application's OpenAPI document and documentation pages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "cli/compat.rs"]
mod compat;
#[path = "support/http.rs"]
mod http;
#[path = "cli/openapi.rs"]
mod openapi;
#[path = "cli/openapi_document.rs"]
mod openapi_document;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use http::http_get;

pub fn sandbank(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sandbank"))
        .args(args)
        .output()
        .unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn write_json(dir: &tempfile::TempDir, name: &str, value: &Value) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn validate_accepts_a_valid_document() {
    let dir = tempfile::tempdir().unwrap();
    let account = serde_json::to_value(&sandbank_schemas::examples::accounts()[0]).unwrap();
    let file = write_json(&dir, "account.json", &account);
    let out = sandbank(&["schemas", "validate", "account", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("valid:"));
}

#[test]
fn validate_lists_every_error_with_its_path_and_keyword() {
    let dir = tempfile::tempdir().unwrap();
    let mut txn = serde_json::to_value(&sandbank_schemas::examples::transactions()[0]).unwrap();
    txn["amount"]["amount"] = json!(12.5);
    txn["amount"]["currency"] = json!("gbp");
    txn["status"] = json!("DONE");
    let file = write_json(&dir, "txn.json", &txn);
    let out = sandbank(&["schemas", "validate", "transaction", &file]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("(3 errors)"), "{stdout}");
    assert!(
        stdout.contains("at /amount/amount:") && stdout.contains("[keyword: type]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("at /amount/currency:") && stdout.contains("[keyword: enum]"),
        "{stdout}"
    );
    assert!(stdout.contains("at /status:"), "{stdout}");
}

#[test]
fn validate_reads_standard_input() {
    let card = serde_json::to_value(&sandbank_schemas::examples::cards()[0]).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sandbank"))
        .args(["schemas", "validate", "card", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(card.to_string().as_bytes())
        .unwrap();
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(0));
}

#[test]
fn validate_cannot_run_on_unknown_schema_missing_file_or_bad_json() {
    let dir = tempfile::tempdir().unwrap();
    let good = write_json(&dir, "ok.json", &json!({}));
    let out = sandbank(&["schemas", "validate", "acount", &good]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("unknown schema \"acount\"") && stderr.contains("account"),
        "{stderr}"
    );

    let out = sandbank(&["schemas", "validate", "account", "/no/such/file.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("could not read /no/such/file.json"));

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{ not json").unwrap();
    let out = sandbank(&["schemas", "validate", "account", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is not valid JSON"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn export_writes_and_check_reports_drift() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("schemas");
    let folder = folder.to_str().unwrap();

    let out = sandbank(&["schemas", "export", "--dir", folder, "--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("missing: account/1.1.0.json"));

    let out = sandbank(&["schemas", "export", "--dir", folder]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = sandbank(&["schemas", "export", "--dir", folder, "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let card = dir.path().join("schemas/card/1.0.0.json");
    let edited = std::fs::read_to_string(&card)
        .unwrap()
        .replace("Expiry month", "Month");
    std::fs::write(&card, edited).unwrap();
    let out = sandbank(&["schemas", "export", "--dir", folder, "--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("differs: card/1.0.0.json"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn serve_prints_the_ready_line_answers_health_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sandbank"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--database-url",
            "sqlite::memory:",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(ready["event"], "ready");
    let url = ready["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
        "{url}"
    );
    // Every serve prints the sandbox control API's key, generated when not chosen.
    assert!(
        ready["adminKey"]
            .as_str()
            .is_some_and(|key| key.len() >= 22)
    );

    let (status, body) = http_get(&url, "/health/live", None);
    assert_eq!(status, 200);
    assert!(body.contains("live"));
    let (status, _) = http_get(&url, "/health/ready", None);
    assert_eq!(status, 200);

    // The authorization server answers on the same listener, with the issuer of the ready line.
    assert_eq!(ready["issuer"], ready["url"]);
    let (status, body) = http_get(&url, "/.well-known/openid-configuration", None);
    assert_eq!(status, 200);
    let metadata: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(metadata["issuer"], ready["issuer"]);
    assert_eq!(metadata["require_pushed_authorization_requests"], true);
    let (status, body) = http_get(&url, "/jwks", None);
    assert_eq!(status, 200);
    let jwks: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
}
