//! `sandbank client create` as a user runs it: a client registered in the database, its key
//! and settings written to files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sandbank_fapi::{AsConfig, AuthServer, Clock};
use sandbank_store::Store;
use serde_json::Value;

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

#[tokio::test]
async fn client_create_registers_a_client_and_writes_its_key_and_settings() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("sandbank.db").display());
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
    let client_id = stdout
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("registered client "))
        .unwrap()
        .to_owned();
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

#[test]
fn client_create_refuses_what_registration_refuses_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("sandbank.db").display());
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
