//! `sandbank serve --ephemeral` as a test runner in any language uses it: spawn the binary with
//! a pipe on stdin, read the ready line, talk to the URL it names, and stop it with SIGTERM or
//! by closing the pipe.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/http.rs"]
mod http;

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use http::{http_get, http_post};

/// A running `sandbank serve`, its stdin (when piped) and its ready line.
struct Bank {
    child: Child,
    stdin: Option<ChildStdin>,
    ready: Value,
}

impl Bank {
    fn start(args: &[&str], stdin: Stdio) -> Bank {
        Bank::start_in(std::env::temp_dir().as_path(), args, stdin)
    }

    fn start_in(dir: &std::path::Path, args: &[&str], stdin: Stdio) -> Bank {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sandbank"))
            .args(args)
            .current_dir(dir)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ready: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        let stdin = child.stdin.take();
        Bank {
            child,
            stdin,
            ready,
        }
    }

    fn url(&self) -> &str {
        self.ready["url"].as_str().unwrap()
    }

    fn get(&self, path: &str) -> (u16, String) {
        http_get(self.url(), path, None)
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to end. The deadline only keeps a broken build from hanging the
    /// test run; it is not a measurement.
    fn exit_status(&mut self) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "sandbank did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Bank {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn ephemeral_announces_a_free_port_and_an_admin_key_and_stops_when_stdin_closes() {
    let mut bank = Bank::start(&["serve", "--ephemeral"], Stdio::piped());
    let ready = bank.ready.clone();
    assert_eq!(ready["event"], "ready");
    assert_eq!(ready["version"], env!("CARGO_PKG_VERSION"));
    let url = bank.url().to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
        "{url}"
    );
    assert_eq!(ready["issuer"], ready["url"]);
    assert!(ready.get("caFile").is_none());
    let key = ready["adminKey"].as_str().unwrap();
    assert!(
        URL_SAFE_NO_PAD.decode(key).unwrap().len() >= 16,
        "at least 128 bits: {key}"
    );

    // The default dataset is in memory and the authorization server is up.
    assert_eq!(bank.get("/health/ready").0, 200);
    let (status, body) = bank.get("/.well-known/openid-configuration");
    assert_eq!(status, 200);
    let metadata: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(metadata["issuer"], ready["issuer"]);

    // The key opens the sandbox control API, and nothing else does.
    let (status, body) = http_get(&url, "/sandbox/clock", Some(key));
    assert_eq!(status, 200, "{body}");
    let clock: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(clock["offsetSeconds"], 0);
    assert_eq!(http_get(&url, "/sandbox/clock", None).0, 401);
    assert_eq!(http_get(&url, "/sandbox/clock", Some("not-the-key")).0, 401);

    // The test runner's end closes the pipe: the bank goes with it, cleanly.
    drop(bank.stdin.take());
    let status = bank.exit_status();
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[test]
fn ephemeral_stops_cleanly_on_sigterm_and_on_sigint() {
    for signal in ["-TERM", "-INT"] {
        let mut bank = Bank::start(&["serve", "--ephemeral"], Stdio::piped());
        assert_eq!(bank.get("/health/live").0, 200);
        let status = Command::new("kill")
            .args([signal, &bank.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let status = bank.exit_status();
        assert_eq!(status.code(), Some(0), "{signal}: {status:?}");
    }
}

#[test]
fn two_ephemeral_banks_get_their_own_port_and_key() {
    let one = Bank::start(&["serve", "--ephemeral"], Stdio::piped());
    let two = Bank::start(&["serve", "--ephemeral"], Stdio::piped());
    assert_ne!(one.ready["url"], two.ready["url"]);
    assert_ne!(one.ready["adminKey"], two.ready["adminKey"]);
    assert_eq!(one.get("/health/ready").0, 200);
    assert_eq!(two.get("/health/ready").0, 200);
}

#[test]
fn ephemeral_takes_an_explicit_address_seed_and_admin_key() {
    // Ask the OS for a free port, then give it back for sandbank to take.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let bank = Bank::start(
        &[
            "serve",
            "--ephemeral",
            "--addr",
            &addr,
            "--seed",
            "7",
            "--admin-key",
            "my-test-key",
        ],
        Stdio::piped(),
    );
    assert_eq!(bank.ready["url"], format!("http://{addr}"));
    assert_eq!(bank.ready["adminKey"], "my-test-key");
    assert_eq!(bank.get("/health/ready").0, 200);
    let (status, body) = http_get(bank.url(), "/sandbox/personas", Some("my-test-key"));
    assert_eq!(status, 200, "{body}");
    // Seed 7's dataset has the same five personas.
    let personas: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(personas["data"].as_array().unwrap().len(), 5);
}

#[test]
fn ephemeral_with_tls_names_its_ca_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut bank = Bank::start_in(
        dir.path(),
        &["serve", "--ephemeral", "--tls"],
        Stdio::piped(),
    );
    let url = bank.url().to_owned();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let ca_file = bank.ready["caFile"].as_str().unwrap().to_owned();
    assert!(
        std::fs::read_to_string(&ca_file)
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    drop(bank.stdin.take());
    assert_eq!(bank.exit_status().code(), Some(0));
}

#[test]
fn stdin_is_watched_only_when_it_is_a_pipe_and_only_with_ephemeral() {
    // /dev/null on stdin (a CI job, `nohup`): no pipe to watch, so the bank stays up.
    let mut bank = Bank::start(&["serve", "--ephemeral"], Stdio::null());
    assert_eq!(bank.get("/health/ready").0, 200);
    assert!(bank.child.try_wait().unwrap().is_none());
    bank.terminate();
    assert_eq!(bank.exit_status().code(), Some(0));

    // Without --ephemeral a closed pipe changes nothing either.
    let mut bank = Bank::start(
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--database-url",
            "sqlite::memory:",
        ],
        Stdio::piped(),
    );
    drop(bank.stdin.take());
    assert_eq!(bank.get("/health/ready").0, 200);
    assert!(bank.child.try_wait().unwrap().is_none());
    assert!(
        bank.ready["adminKey"]
            .as_str()
            .is_some_and(|k| !k.is_empty())
    );
    bank.terminate();
    assert_eq!(bank.exit_status().code(), Some(0));
}

#[test]
fn contradictory_or_malformed_options_are_refused_before_anything_starts() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_sandbank"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = run(&["serve", "--ephemeral", "--database-url", "sqlite::memory:"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--ephemeral keeps its data in memory"),
        "{stderr}"
    );

    let out = run(&["serve", "--ephemeral", "--admin-key", "not a token"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("admin key"), "{stderr}");

    for (flag, value) in [
        ("--request-timeout", "0"),
        ("--request-timeout", "banana"),
        ("--shutdown-timeout", "-1"),
        ("--shutdown-timeout", "100000"),
    ] {
        let out = run(&["serve", "--ephemeral", &format!("{flag}={value}")]);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("expected a number of seconds"),
            "{flag} {value}: {stderr}"
        );
    }
}

/// Opens a request to `path` that declares a body and never sends it: a client gone quiet.
fn stuck_request(url: &str, path: &str) -> std::net::TcpStream {
    use std::io::Write;
    let host = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    )
    .unwrap();
    stream
}

/// The status, headers and body of the one response on `stream`.
fn read_answer(stream: &mut std::net::TcpStream) -> (u16, String, Value) {
    use std::io::Read;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut raw = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(read @ 1..) = stream.read(&mut buffer) {
        raw.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&raw);
        if let Some((head, body)) = text.split_once("\r\n\r\n")
            && let Ok(body) = serde_json::from_str::<Value>(body)
        {
            return (
                head[9..12].parse().unwrap(),
                head.to_ascii_lowercase(),
                body,
            );
        }
    }
    panic!("no answer: {:?}", String::from_utf8_lossy(&raw));
}

#[test]
fn a_request_past_its_deadline_is_answered_503_in_the_format_of_its_endpoint() {
    let bank = Bank::start(
        &["serve", "--ephemeral", "--request-timeout", "0.5"],
        Stdio::piped(),
    );
    let mut registry = stuck_request(bank.url(), "/schemas/account/latest/validate");
    let mut token = stuck_request(bank.url(), "/token");
    let (status, head, body) = read_answer(&mut registry);
    assert_eq!(status, 503, "{body}");
    assert!(
        head.contains("content-type: application/problem+json"),
        "{head}"
    );
    assert!(head.contains("retry-after: 1"), "{head}");
    assert_eq!(
        body["type"],
        "https://sandbank.example/problems/request-timeout"
    );
    let (status, _, body) = read_answer(&mut token);
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "temporarily_unavailable");
    assert_eq!(bank.get("/health/live").0, 200);
}

#[test]
fn sigterm_stops_a_server_whose_requests_are_stuck_once_the_grace_runs_out() {
    let mut bank = Bank::start(
        &[
            "serve",
            "--ephemeral",
            "--request-timeout",
            "600",
            "--shutdown-timeout",
            "1",
        ],
        Stdio::piped(),
    );
    let _stuck = stuck_request(bank.url(), "/schemas/account/latest/validate");
    std::thread::sleep(Duration::from_millis(200));
    let signalled = Instant::now();
    bank.terminate();
    let status = bank.exit_status();
    assert_eq!(status.code(), Some(0), "{status:?}");
    // Not a measurement: without the grace deadline the process waits for the request (here,
    // ten minutes), and `exit_status` gives up after a minute.
    assert!(
        signalled.elapsed() < Duration::from_secs(20),
        "{:?}",
        signalled.elapsed()
    );
}

/// `levels` definitions, each `shape` around ten references to the next one.
fn fan_out(levels: usize, shape: fn(Value) -> Value) -> Value {
    let mut defs = serde_json::Map::new();
    for level in 0..levels {
        let schema = if level + 1 == levels {
            serde_json::json!({"type": "string"})
        } else {
            shape(serde_json::json!({"$ref": format!("#/$defs/l{}", level + 1)}))
        };
        defs.insert(format!("l{level}"), schema);
    }
    serde_json::json!({"$ref": "#/$defs/l0", "$defs": defs})
}

#[test]
fn hostile_schemas_are_refused_promptly_while_the_server_stays_live() {
    use serde_json::json;
    let bank = Bank::start(&["serve", "--ephemeral"], Stdio::piped());
    let url = bank.url().to_owned();
    let mut chain = serde_json::Map::new();
    for level in 0..400 {
        chain.insert(
            format!("c{level}"),
            json!({"$ref": format!("#/$defs/c{}", level + 1)}),
        );
    }
    chain.insert("c400".into(), json!({"type": "string"}));
    let shapes: Vec<(&str, Value)> = vec![
        ("allOf", fan_out(30, |r| json!({"allOf": vec![r; 10]}))),
        ("anyOf", fan_out(30, |r| json!({"anyOf": vec![r; 10]}))),
        ("oneOf", fan_out(30, |r| json!({"oneOf": vec![r; 10]}))),
        (
            "items",
            fan_out(
                30,
                |r| json!({"type": "array", "prefixItems": vec![r.clone(); 10], "items": r}),
            ),
        ),
        (
            "properties",
            fan_out(30, |r| {
                let properties: serde_json::Map<String, Value> =
                    (0..10).map(|i| (format!("p{i}"), r.clone())).collect();
                json!({"type": "object", "properties": properties})
            }),
        ),
        ("deep", json!({"$ref": "#/$defs/c0", "$defs": chain})),
        (
            "loop",
            json!({"$defs": {"a": {"anyOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}),
        ),
    ];

    // /health/live is asked all along, and must keep answering.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let prober = {
        let (url, stop) = (url.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut slowest = Duration::ZERO;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let asked = Instant::now();
                assert_eq!(http_get(&url, "/health/live", None).0, 200);
                slowest = slowest.max(asked.elapsed());
                std::thread::sleep(Duration::from_millis(20));
            }
            slowest
        })
    };
    for (name, schema) in &shapes {
        let text = schema.to_string();
        let wrapped = json!({"schema": text}).to_string();
        let native = json!({"schema": schema}).to_string();
        for (path, body) in [
            ("/schemas/account/compatibility".to_owned(), native.clone()),
            (
                format!("/registry/subjects/hostile-{name}/versions"),
                wrapped.clone(),
            ),
            (
                format!("/registry/compatibility/subjects/hostile-{name}/versions/latest"),
                wrapped.clone(),
            ),
        ] {
            let asked = Instant::now();
            let (status, answer) = http_post(&url, &path, "application/json", &body);
            assert_eq!(status, 422, "{name} {path}: {answer}");
            assert!(
                answer.contains("too complex") || answer.contains("loops"),
                "{name} {path}: {answer}"
            );
            // A hang guard, not a measurement: the refusal comes from counting, not from a
            // timeout.
            assert!(
                asked.elapsed() < Duration::from_secs(10),
                "{name} {path}: {:?}",
                asked.elapsed()
            );
        }
    }

    // Schemas that are fine to register but costly to validate against, with instances that
    // would take a validator hours: refused before validating.
    let doubling = json!({
        "$defs": {"node": {"properties": {"c": {"allOf": [{"$ref": "#/$defs/node"}, {"$ref": "#/$defs/node"}]}}}},
        "$ref": "#/$defs/node"
    });
    let wide = json!({"items": {"allOf": vec![json!({"type": "integer"}); 2000]}});
    let mut deep_instance = json!({});
    for _ in 0..60 {
        deep_instance = json!({"c": deep_instance});
    }
    let long_instance = Value::Array(vec![json!(1); 50_000]);
    for (name, schema, instance) in [
        ("doubling", doubling, deep_instance),
        ("wide", wide, long_instance),
    ] {
        let body = json!({"schema": schema.to_string()}).to_string();
        let (status, answer) = http_post(
            &url,
            &format!("/registry/subjects/{name}/versions"),
            "application/json",
            &body,
        );
        assert_eq!(status, 200, "{name}: {answer}");
        let asked = Instant::now();
        let (status, answer) = http_post(
            &url,
            &format!("/schemas/{name}/1/validate"),
            "application/json",
            &instance.to_string(),
        );
        assert_eq!(status, 422, "{name}: {answer}");
        assert!(answer.contains("schema-too-complex"), "{name}: {answer}");
        assert!(
            asked.elapsed() < Duration::from_secs(10),
            "{name}: {:?}",
            asked.elapsed()
        );
        // A small instance still validates.
        let (status, answer) = http_post(
            &url,
            &format!("/schemas/{name}/1/validate"),
            "application/json",
            "{}",
        );
        assert_eq!(status, 200, "{name}: {answer}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let slowest = prober.join().unwrap();
    assert!(
        slowest < Duration::from_secs(5),
        "/health/live took {slowest:?}"
    );
}
