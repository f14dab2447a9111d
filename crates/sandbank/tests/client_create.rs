//! `sandbank client create` as a user runs it: a client registered in the database, its key
//! and settings written to files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sandbank_fapi::{AsConfig, AuthServer, Clock};
use sandbank_store::Store;
use serde_json::Value;

#[path = "support/instance.rs"]
mod instance;

fn sandbank(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sandbank"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs `sandbank` with `dir` as its current directory.
fn sandbank_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sandbank"))
        .current_dir(dir)
        .env_remove("SANDBANK_OUT_DIR")
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// [`sandbank_in`] off the async runtime, so that a server on this runtime can answer it.
async fn sandbank_in_background(dir: &Path, args: &[&str]) -> Output {
    let dir = dir.to_owned();
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        sandbank_in(&dir, &args)
    })
    .await
    .unwrap()
}

/// The client id `client create` announces on its first line.
fn registered_client_id(stdout: &str) -> String {
    stdout
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("registered client "))
        .unwrap()
        .to_owned()
}

/// `client create` run in `dir` on `database`, as a user who forgot to start the server.
fn create_on(dir: &Path, database: &str) -> Output {
    sandbank_in(
        dir,
        &[
            "client",
            "create",
            "--redirect-uri",
            "http://127.0.0.1:3000/callback",
            "--database-url",
            database,
        ],
    )
}

/// A SQLite database in `dir` as `sandbank serve` leaves it: migrated, with a (tiny) dataset.
async fn served_database(dir: &Path) -> String {
    let database = format!("sqlite:{}", dir.join("sandbank.db").display());
    let options = sandbank::instance::Options {
        database_url: database.clone(),
        ..instance::tiny_dataset_options()
    };
    let instance = sandbank::instance::Instance::start(options).await.unwrap();
    instance.state.store.close().await;
    database
}

#[tokio::test]
async fn client_create_registers_a_client_and_writes_its_key_and_settings() {
    let dir = tempfile::tempdir().unwrap();
    let database = served_database(dir.path()).await;
    // Without --out-dir the files go to `clients/` in the current directory (which the
    // repository's .gitignore covers), never beside the user's sources.
    let out_dir = dir.path().join("clients");
    let out = sandbank_in(
        dir.path(),
        &[
            "client",
            "create",
            "--redirect-uri",
            "http://127.0.0.1:3000/callback",
            "--name",
            "My fintech",
            "--auto-consent",
            "--database-url",
            &database,
            "--issuer",
            "http://127.0.0.1:9999",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let client_id = registered_client_id(&stdout);
    let pem = out_dir.join(format!("{client_id}.key.pem"));
    let jwk = out_dir.join(format!("{client_id}.jwk.json"));
    let settings = out_dir.join(format!("{client_id}.json"));
    let relative = |path: &Path| path.strip_prefix(dir.path()).unwrap().display().to_string();
    for path in [&pem, &jwk, &settings] {
        assert!(stdout.contains(&relative(path)), "{stdout}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o777,
                0o600,
                "{} is readable by others",
                path.display()
            );
        }
    }
    let pem_text = std::fs::read_to_string(&pem).unwrap();
    assert!(pem_text.starts_with("-----BEGIN PRIVATE KEY-----"));
    let private_jwk: Value = serde_json::from_str(&std::fs::read_to_string(&jwk).unwrap()).unwrap();
    assert!(private_jwk["d"].is_string());
    let settings: Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    assert_eq!(settings["issuer"], "http://127.0.0.1:9999");
    assert_eq!(settings["client_id"], client_id.as_str());
    assert_eq!(settings["redirect_uri"], "http://127.0.0.1:3000/callback");
    assert_eq!(settings["token_endpoint_auth_method"], "private_key_jwt");
    assert_eq!(settings["private_jwk"], private_jwk);
    assert_eq!(
        settings["endpoints"]["token"],
        "http://127.0.0.1:9999/token"
    );
    // The client is in the database that `sandbank serve` will use, with the public key only.
    let store = Store::connect(&database).await.unwrap();
    let server = AuthServer::start(
        store.clone(),
        AsConfig::new("http://127.0.0.1:9999", "sandbank"),
        Clock::system(),
    )
    .await
    .unwrap();
    let client = server.client(&client_id).await.unwrap().unwrap();
    assert!(client.metadata.sandbox_auto_consent);
    assert_eq!(client.metadata.client_name, "My fintech");
    let registered = &client.metadata.jwks.as_ref().unwrap()["keys"][0];
    assert_eq!(registered["x"], private_jwk["x"]);
    assert_eq!(registered["y"], private_jwk["y"]);
    assert!(registered.get("d").is_none());
    store.close().await;
}

#[tokio::test]
async fn client_create_refuses_what_registration_refuses_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let database = served_database(dir.path()).await;
    let out_dir: PathBuf = dir.path().join("out");
    let out = sandbank(&[
        "client",
        "create",
        "--redirect-uri",
        "http://app.example/callback",
        "--database-url",
        &database,
        "--out-dir",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("invalid_redirect_uri"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 0);
}

/// Without a database where `--database-url` points, `client create` creates none (the
/// client would be registered where no server looks): it says where it looked and what to do,
/// with the "could not run" exit status.
#[test]
fn client_create_never_creates_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("typo.db");
    let database = format!("sqlite:{}", file.display());
    let out = create_on(dir.path(), &database);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(file.to_str().unwrap()), "{stderr}");
    assert!(stderr.contains("--database-url"), "{stderr}");
    assert!(stderr.contains("sandbank serve"), "{stderr}");
    assert!(!file.exists(), "client create created {}", file.display());
    assert!(!dir.path().join("clients").exists());
}

/// A database that holds no dataset (created by something else, or by an older
/// `client create`) is no server's database: refused, naming it.
#[tokio::test]
async fn client_create_refuses_a_database_without_a_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("empty.db").display());
    Store::connect(&database).await.unwrap().close().await;
    let out = create_on(dir.path(), &database);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&database), "{stderr}");
    assert!(stderr.contains("holds no dataset"), "{stderr}");
    assert!(stderr.contains("--database-url"), "{stderr}");
    assert!(!dir.path().join("clients").exists());
}

/// With `--server`, the client is registered through the running server's DCR endpoint (no
/// database opened), and every URL written out is the one its discovery document announces,
/// not one derived from the `--server` URL or `--issuer`.
#[tokio::test]
async fn client_create_with_server_registers_through_its_registration_endpoint() {
    let instance = sandbank::instance::Instance::start(instance::tiny_dataset_options())
        .await
        .unwrap();
    let issuer = instance.issuer().to_owned();
    let auth = instance.state.auth.clone();
    tokio::spawn(instance.serve(std::future::pending()));
    // The same server under another name: `localhost` where the issuer says 127.0.0.1.
    let server = format!("{}/", issuer.replace("127.0.0.1", "localhost"));
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("sqlite:{}", dir.path().join("none.db").display());
    let out = sandbank_in_background(
        dir.path(),
        &[
            "client",
            "create",
            "--redirect-uri",
            "http://127.0.0.1:3000/callback",
            "--auto-consent",
            "--signed-request-objects",
            "--jarm",
            "--signed-introspection",
            "--signed-resource-requests",
            "--ciba",
            "ping",
            "--ciba-notification-endpoint",
            "http://127.0.0.1:3000/ciba",
            "--server",
            &server,
            "--database-url",
            &missing,
            "--issuer",
            "http://wrong.example",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let client_id = registered_client_id(&stdout);
    let clients = dir.path().join("clients");
    let settings: Value = serde_json::from_str(
        &std::fs::read_to_string(clients.join(format!("{client_id}.json"))).unwrap(),
    )
    .unwrap();
    let private_jwk: Value = serde_json::from_str(
        &std::fs::read_to_string(clients.join(format!("{client_id}.jwk.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(settings["issuer"], issuer.as_str());
    assert_eq!(settings["client_id"], client_id.as_str());
    assert_eq!(settings["endpoints"]["token"], format!("{issuer}/token"));
    assert_eq!(
        settings["endpoints"]["discovery"],
        format!("{issuer}/.well-known/openid-configuration")
    );
    assert_eq!(
        settings["registration_client_uri"],
        format!("{issuer}/register/{client_id}")
    );
    assert!(settings["registration_access_token"].is_string());
    assert_eq!(settings["private_jwk"], private_jwk);
    let client = auth.client(&client_id).await.unwrap().unwrap();
    assert!(client.metadata.sandbox_auto_consent);
    // The message-signing flags are registered, and the settings say so.
    let metadata = &client.metadata;
    assert!(metadata.require_signed_request_object);
    assert_eq!(
        metadata.request_object_signing_alg.as_deref(),
        Some("ES256")
    );
    assert_eq!(
        metadata.authorization_signed_response_alg.as_deref(),
        Some("ES256")
    );
    assert_eq!(
        metadata.introspection_signed_response_alg.as_deref(),
        Some("ES256")
    );
    assert!(metadata.require_signed_resource_requests);
    // So is CIBA, in ping mode, next to the code flow.
    assert!(client.allows_grant("urn:openid:params:grant-type:ciba"));
    assert!(client.allows_grant("authorization_code"));
    assert_eq!(
        metadata.backchannel_token_delivery_mode,
        Some(sandbank_fapi::client::DeliveryMode::Ping)
    );
    assert_eq!(
        metadata.backchannel_client_notification_endpoint.as_deref(),
        Some("http://127.0.0.1:3000/ciba")
    );
    assert_eq!(settings["require_signed_request_object"], true);
    assert_eq!(settings["authorization_signed_response_alg"], "ES256");
    let registered = &client.metadata.jwks.as_ref().unwrap()["keys"][0];
    assert_eq!(registered["x"], private_jwk["x"]);
    assert!(registered.get("d").is_none());
    assert!(!dir.path().join("none.db").exists());
    // What the server refuses is refused with its OAuth error, exit status 1.
    let out = sandbank_in_background(
        dir.path(),
        &[
            "client",
            "create",
            "--redirect-uri",
            "http://app.example/callback",
            "--server",
            &issuer,
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("invalid_redirect_uri"));
    assert_eq!(std::fs::read_dir(&clients).unwrap().count(), 3);
}
