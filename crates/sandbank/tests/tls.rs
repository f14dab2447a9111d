#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `sandbank serve --tls` as a user runs it: the ready line names the CA file, HTTPS works for
//! a client that trusts that CA and fails for one that does not, and a restart on the same
//! database keeps the same CA (FAPI.md A1 with TLS; the CLI contract of ARCHITECTURE.md).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// A running `sandbank serve --tls` and its ready line.
struct Server {
    child: Child,
    ready: Value,
}

impl Server {
    fn start(dir: &Path, extra: &[&str]) -> Server {
        let mut args = vec!["serve", "--tls", "--addr", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let mut child = Command::new(env!("CARGO_BIN_EXE_sandbank"))
            .args(&args)
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ready: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        Server { child, ready }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.ready["url"].as_str().unwrap())
    }

    fn ca_file(&self) -> String {
        self.ready["caFile"].as_str().unwrap().to_owned()
    }

    fn stop(mut self) {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(self.child.wait().unwrap().success());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn trusting(ca_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap()])
        .build()
        .unwrap()
}

#[tokio::test]
async fn serve_tls_names_its_ca_file_and_serves_https_to_clients_that_trust_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &["--database-url", "sqlite::memory:", "--auto-consent"],
    );
    assert_eq!(server.ready["event"], "ready");
    let url = server.ready["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with("https://127.0.0.1:") && !url.ends_with(":0"),
        "{url}"
    );
    assert_eq!(server.ready["issuer"], server.ready["url"]);
    // The default CA file is sandbank-ca.pem in the working directory, named absolutely.
    let ca_file = server.ca_file();
    assert!(Path::new(&ca_file).is_absolute(), "{ca_file}");
    assert_eq!(
        Path::new(&ca_file).canonicalize().unwrap(),
        dir.path().join("sandbank-ca.pem").canonicalize().unwrap()
    );
    let ca_pem = std::fs::read_to_string(&ca_file).unwrap();
    assert!(
        ca_pem.starts_with("-----BEGIN CERTIFICATE-----"),
        "{ca_pem}"
    );

    let http = trusting(&ca_pem);
    let response = http.get(server.url("/health/live")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["status"], "live");
    // The certificate names localhost too.
    let port = url.rsplit(':').next().unwrap();
    let response = http
        .get(format!("https://localhost:{port}/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // Without the CA: the handshake fails, with the system's roots or with another CA.
    if let Ok(untrusting) = reqwest::Client::builder().build() {
        assert!(
            untrusting
                .get(server.url("/health/live"))
                .send()
                .await
                .is_err()
        );
    }
    let other_ca = sandbank_fapi::tls::LocalCa::generate(chrono::DateTime::UNIX_EPOCH)
        .unwrap()
        .certificate_pem;
    let result = trusting(&other_ca)
        .get(server.url("/health/live"))
        .send()
        .await;
    assert!(result.is_err(), "a client trusting another CA got through");

    // A1 with TLS: certificate-bound tokens and the mutual-TLS aliases.
    let metadata: Value = http
        .get(server.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["issuer"], server.ready["issuer"]);
    assert_eq!(metadata["tls_client_certificate_bound_access_tokens"], true);
    assert_eq!(
        metadata["mtls_endpoint_aliases"]["token_endpoint"],
        server.url("/token")
    );
    assert!(
        metadata["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&Value::from("self_signed_tls_client_auth"))
    );
    server.stop();
}

#[tokio::test]
async fn serve_tls_keeps_its_ca_in_the_database_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("sandbank.db").display());
    let ca_path = dir.path().join("ca").join("local-ca.pem");
    std::fs::create_dir_all(ca_path.parent().unwrap()).unwrap();
    let ca_arg = ca_path.display().to_string();
    let args = [
        "--database-url",
        database.as_str(),
        "--tls-ca-file",
        &ca_arg,
    ];

    let first = Server::start(dir.path(), &args);
    assert_eq!(Path::new(&first.ca_file()), ca_path.as_path());
    let ca_pem = std::fs::read_to_string(&ca_path).unwrap();
    let response = trusting(&ca_pem)
        .get(first.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    first.stop();

    std::fs::remove_file(&ca_path).unwrap();
    let second = Server::start(dir.path(), &args);
    let again = std::fs::read_to_string(&ca_path).unwrap();
    assert_eq!(
        again, ca_pem,
        "a restart must reuse the CA kept in the database"
    );
    // A client that trusted the CA before the restart still trusts the new server certificate.
    let response = trusting(&ca_pem)
        .get(second.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    second.stop();
}
