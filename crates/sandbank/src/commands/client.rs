//! `sandbank client create`: onboarding in one command. Registers a client straight into the
//! database (under the same rules as Dynamic Client Registration) and writes its private key
//! and settings to files.
//!
//! Exit status 0: registered, 1: registration refused, 2: could not register (no database or
//! no dataset where `--database-url` points, unwritable files).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use sandbank_fapi::client::DeliveryMode;
use sandbank_fapi::keys::ClientKey;
use sandbank_fapi::onboarding::{
    CibaRegistration, MessageSigning, NewClient, RemoteError, create_client, register_remote,
};
use sandbank_fapi::{AsConfig, AuthServer, Clock};
use sandbank_store::Store;

/// `sandbank client ...`
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a client and write, under `clients/` (readable by the owner only),
    /// `<client_id>.key.pem` (private key, PKCS#8), `<client_id>.jwk.json` (private JWK) and
    /// `<client_id>.json` (settings: issuer, client_id, redirect URI, authentication method,
    /// private JWK, endpoints).
    Create(ClientCreateArgs),
}

/// Options of `sandbank client create`.
#[derive(Debug, Clone, Args)]
pub struct ClientCreateArgs {
    /// Where authorization responses go: https, or http on a loopback address.
    #[arg(long, env = "SANDBANK_REDIRECT_URI")]
    pub redirect_uri: String,
    /// The app's name, shown to customers on the consent page.
    #[arg(long, env = "SANDBANK_CLIENT_NAME")]
    pub name: Option<String>,
    /// Let authorization requests whose PAR carries `login_hint` skip the login and consent
    /// pages (`sandbox_auto_consent`).
    #[arg(long, env = "SANDBANK_CLIENT_AUTO_CONSENT")]
    pub auto_consent: bool,
    /// FAPI 2.0 Message Signing: its pushed authorization requests must be signed request
    /// objects (`require_signed_request_object`, ES256).
    #[arg(long)]
    pub signed_request_objects: bool,
    /// FAPI 2.0 Message Signing: authorization responses are JARM JWTs
    /// (`authorization_signed_response_alg: ES256`; PAR must then send `response_mode=jwt`).
    #[arg(long)]
    pub jarm: bool,
    /// FAPI 2.0 Message Signing: signed introspection responses (RFC 9701,
    /// `introspection_signed_response_alg: ES256`).
    #[arg(long)]
    pub signed_introspection: bool,
    /// FAPI 2.0 Message Signing: bank-API requests must carry RFC 9421 HTTP message signatures
    /// (`require_signed_resource_requests`).
    #[arg(long)]
    pub signed_resource_requests: bool,
    /// CIBA: register the `urn:openid:params:grant-type:ciba` grant too, with this delivery
    /// mode (`poll`, or `ping` with `--ciba-notification-endpoint`).
    #[arg(long, value_name = "MODE", value_parser = ["poll", "ping"])]
    pub ciba: Option<String>,
    /// CIBA ping mode: where the server POSTs its notifications (https, or http on loopback).
    #[arg(long, value_name = "URL", requires = "ciba")]
    pub ciba_notification_endpoint: Option<String>,
    /// Register through the running server at this URL (its Dynamic Client Registration
    /// endpoint, found in its discovery document) instead of writing into the database; the
    /// issuer and endpoints written out are then the ones the server announces, and
    /// `--database-url` and `--issuer` are not used.
    #[arg(long, env = "SANDBANK_SERVER")]
    pub server: Option<String>,
    /// The database `sandbank serve` uses. It must exist and hold a dataset: `client create`
    /// never creates one.
    #[arg(
        long,
        env = "SANDBANK_DATABASE_URL",
        default_value = "sqlite:sandbank.db"
    )]
    pub database_url: String,
    /// The issuer (base URL) the server is reached at; written into the settings.
    #[arg(long, env = "SANDBANK_ISSUER", default_value = "http://127.0.0.1:8080")]
    pub issuer: String,
    /// Folder to write the files into, created when missing. The default, `clients` in the
    /// current directory, is ignored by the repository's `.gitignore`.
    #[arg(long, env = "SANDBANK_OUT_DIR", default_value = "clients")]
    pub out_dir: PathBuf,
}

/// Runs `sandbank client ...`.
pub fn run(command: &ClientCommand) -> ExitCode {
    let ClientCommand::Create(args) = command;
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::CouldNotRun(format!("could not start the async runtime: {e}")))
        .and_then(|runtime| runtime.block_on(create(args)));
    match result {
        Ok(written) => {
            println!("registered client {}", written.client_id);
            println!("private key (PEM): {}", written.pem.display());
            println!("private key (JWK): {}", written.jwk.display());
            println!("settings:          {}", written.settings.display());
            ExitCode::SUCCESS
        }
        Err(Failure::Refused(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(REFUSED)
        }
        Err(Failure::CouldNotRun(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(COULD_NOT_RUN)
        }
    }
}

/// Exit status when the registration was refused.
const REFUSED: u8 = 1;
/// Exit status when nothing could be registered.
const COULD_NOT_RUN: u8 = 2;

/// Why `client create` failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The registration was refused (a bad redirect URI...): exit status 1.
    Refused(String),
    /// Nothing could be registered: no database, no dataset, files not writable. Exit status 2.
    CouldNotRun(String),
}

/// What `client create` wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// The new client's id.
    pub client_id: String,
    /// The private key, PKCS#8 PEM.
    pub pem: PathBuf,
    /// The private key as a JWK.
    pub jwk: PathBuf,
    /// The settings document.
    pub settings: PathBuf,
}

/// What a registration gave, on either path: the id, the key and the settings document.
type Registered = (String, ClientKey, serde_json::Value);

/// Registers the client (through `--server`, or into the database) and writes its files.
pub async fn create(args: &ClientCreateArgs) -> Result<Written, Failure> {
    let request = NewClient {
        redirect_uri: args.redirect_uri.clone(),
        client_name: args.name.clone(),
        auto_consent: args.auto_consent,
        signing: MessageSigning {
            request_objects: args.signed_request_objects,
            jarm: args.jarm,
            introspection: args.signed_introspection,
            resource_requests: args.signed_resource_requests,
        },
        ciba: args.ciba.as_deref().map(|mode| CibaRegistration {
            mode: if mode == "ping" {
                DeliveryMode::Ping
            } else {
                DeliveryMode::Poll
            },
            notification_endpoint: args.ciba_notification_endpoint.clone(),
        }),
    };
    let (id, key, settings) = match &args.server {
        Some(url) => {
            create_out_dir(&args.out_dir)?;
            let created = register_remote(&reqwest::Client::new(), url, &request)
                .await
                .map_err(|e| match e {
                    RemoteError::Refused { .. } => Failure::Refused(e.to_string()),
                    RemoteError::Unreachable(_) => Failure::CouldNotRun(e.to_string()),
                })?;
            (created.client_id, created.key, created.settings)
        }
        None => {
            let store = open_existing(&args.database_url).await?;
            let result = match create_out_dir(&args.out_dir) {
                Ok(()) => register(&store, &args.issuer, &request).await,
                Err(e) => Err(e),
            };
            store.close().await;
            result?
        }
    };
    let written = Written {
        pem: args.out_dir.join(format!("{id}.key.pem")),
        jwk: args.out_dir.join(format!("{id}.jwk.json")),
        settings: args.out_dir.join(format!("{id}.json")),
        client_id: id,
    };
    write_secret(&written.pem, key.private_pem.as_bytes())
        .and_then(|()| write_secret(&written.jwk, &pretty(&key.private_jwk)?))
        .and_then(|()| write_secret(&written.settings, &pretty(&settings)?))
        .map_err(Failure::CouldNotRun)?;
    Ok(written)
}

fn create_out_dir(dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::CouldNotRun(format!("could not create {}: {e}", dir.display())))
}

/// Opens the database `sandbank serve` uses, refusing to create one: a client registered
/// into a new (or empty) database would be unknown to the server the user runs.
async fn open_existing(url: &str) -> Result<Store, Failure> {
    let advice = "pass the server's --database-url, or start `sandbank serve` first (it creates \
                  the database and loads its dataset)";
    if let Some(path) = Store::sqlite_file(url)
        && !path.is_file()
    {
        return Err(Failure::CouldNotRun(format!(
            "no database at {}: {advice}",
            path.display()
        )));
    }
    let store = Store::connect(url)
        .await
        .map_err(|e| Failure::CouldNotRun(format!("could not open {url}: {e}")))?;
    match store.dataset().await {
        Ok(Some(_)) => Ok(store),
        Ok(None) => {
            store.close().await;
            Err(Failure::CouldNotRun(format!(
                "the database {url} holds no dataset, so no server runs on it: {advice}"
            )))
        }
        Err(e) => {
            store.close().await;
            Err(Failure::CouldNotRun(format!("could not read {url}: {e}")))
        }
    }
}

async fn register(store: &Store, issuer: &str, request: &NewClient) -> Result<Registered, Failure> {
    let server = AuthServer::start(
        store.clone(),
        AsConfig::new(issuer, "sandbank"),
        Clock::system(),
    )
    .await
    .map_err(|e| Failure::CouldNotRun(e.description))?;
    create_client(&server, request)
        .await
        .map(|created| (created.client.client_id, created.key, created.settings))
        .map_err(|e| {
            let message = format!("{}: {}", e.code, e.description);
            match e.code {
                "server_error" => Failure::CouldNotRun(message),
                _ => Failure::Refused(message),
            }
        })
}

fn pretty(value: &serde_json::Value) -> Result<Vec<u8>, String> {
    let mut text = serde_json::to_vec_pretty(value).map_err(|e| e.to_string())?;
    text.push(b'\n');
    Ok(text)
}

/// Writes a new file readable by its owner only (it holds a private key).
fn write_secret(path: &Path, contents: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| format!("could not create {}: {e}", path.display()))?;
    file.write_all(contents)
        .map_err(|e| format!("could not write {}: {e}", path.display()))
}
