//! The command line. Every flag can also be set by an environment variable `SANDBANK_*`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// A mock bank for open-finance developers: FAPI 2.0 authorization server, bank API and JSON
/// schema registry in one binary. Without a subcommand it serves (`sandbank serve`).
#[derive(Debug, Parser)]
#[command(name = "sandbank", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to do; `serve` when absent.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `serve`, accepted here so that `sandbank --addr ...` serves too.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the sandbox over HTTP.
    Serve(ServeArgs),
    /// Generate a synthetic dataset: the personas plus as many customers as asked for.
    Generate(GenerateArgs),
    /// Register OAuth clients (onboarding), into the database or through a running server.
    Client {
        /// What to do.
        #[command(subcommand)]
        command: crate::commands::client::ClientCommand,
    },
    /// Work with the JSON Schemas generated from the data models.
    Schemas {
        /// What to do with the schemas.
        #[command(subcommand)]
        command: SchemasCommand,
    },
    /// Work with the OpenAPI document that describes Sandbank's HTTP API.
    Openapi {
        /// What to do with the document.
        #[command(subcommand)]
        command: OpenapiCommand,
    },
}

/// `sandbank openapi ...`
#[derive(Debug, Subcommand)]
pub enum OpenapiCommand {
    /// Write the OpenAPI 3.1 document and its YAML twin (beside it, `.yaml`), or check that
    /// the committed ones are up to date.
    Export(OpenapiExportArgs),
}

/// Options of `sandbank openapi export`.
#[derive(Debug, Args)]
pub struct OpenapiExportArgs {
    /// The JSON document's path; the YAML twin is written beside it with the `.yaml`
    /// extension.
    #[arg(
        long,
        env = "SANDBANK_OPENAPI_PATH",
        default_value = "openapi/sandbank.json"
    )]
    pub path: PathBuf,
    /// Write nothing; exit 1 and show a diff when the file differs from the code.
    #[arg(long)]
    pub check: bool,
}

/// Options of `sandbank serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080, or 127.0.0.1:0 with `--ephemeral`]. Port
    /// 0 picks a free port; the ready line says which.
    #[arg(long, env = "SANDBANK_ADDR")]
    pub addr: Option<SocketAddr>,
    /// Database: `sqlite:FILE`, `sqlite::memory:` or `postgres://...` [default:
    /// sqlite:sandbank.db]. An empty database gets the dataset of `--seed` at start; one that
    /// already holds it is used as it is.
    #[arg(long, env = "SANDBANK_DATABASE_URL")]
    pub database_url: Option<String>,
    /// A throwaway bank for a test suite: an in-memory database, a free port (unless `--addr`
    /// says otherwise) and `--auto-consent`. It stops on SIGTERM or SIGINT and, when its
    /// standard input is a pipe, as soon as that pipe closes, so a test runner that dies
    /// takes the bank with it.
    #[arg(long, env = "SANDBANK_EPHEMERAL")]
    pub ephemeral: bool,
    /// Seed of the dataset loaded into an empty database.
    #[arg(long, env = "SANDBANK_SEED", default_value_t = 42)]
    pub seed: u64,
    /// The URL clients reach this server at, used as the OAuth issuer. Defaults to
    /// `http://ADDR` with the port actually bound.
    #[arg(long, env = "SANDBANK_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Authorization requests whose PAR carried `login_hint=<username>` skip the login and
    /// consent pages and grant what was asked on all that customer's accounts. For test
    /// suites; PAR, PKCE, client authentication and DPoP still apply. Implied by
    /// `--ephemeral`.
    #[arg(long, env = "SANDBANK_AUTO_CONSENT")]
    pub auto_consent: bool,
    /// Require server-provided DPoP nonces at the authorization server's endpoints (RFC 9449
    /// §8): a proof without the current nonce gets `use_dpop_nonce` and a `DPoP-Nonce` header.
    #[arg(long, env = "SANDBANK_DPOP_NONCES")]
    pub dpop_nonces: bool,
    /// Every client's pushed authorization requests must be one signed request object (JAR,
    /// RFC 9101) in the `request` parameter, as if each had registered
    /// `require_signed_request_object`; discovery says so.
    #[arg(long, env = "SANDBANK_REQUIRE_SIGNED_REQUEST_OBJECT")]
    pub require_signed_request_object: bool,
    /// Every pushed authorization request must carry `grant_management_action` (`create`,
    /// `merge` or `replace`; Grant Management); discovery's `grant_management_action_required`
    /// says so.
    #[arg(long, env = "SANDBANK_REQUIRE_GRANT_MANAGEMENT_ACTION")]
    pub require_grant_management_action: bool,
    /// Whether the bank API signs its responses with HTTP message signatures (RFC 9421, tag
    /// `fapi-2-response`, key in the JWKS).
    #[arg(long, env = "SANDBANK_SIGN_RESPONSES", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub sign_responses: bool,
    /// Whether the bank API records each request made on a customer's grant, for the privacy
    /// dashboard's access history at `/account`.
    #[arg(long, env = "SANDBANK_ACCESS_HISTORY", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub access_history: bool,
    /// Serve HTTPS with a local certificate authority (created on first start and kept in the
    /// database), asking clients for certificates (mutual TLS: `tls_client_auth`,
    /// `self_signed_tls_client_auth`, certificate-bound tokens).
    #[arg(long, env = "SANDBANK_TLS")]
    pub tls: bool,
    /// With `--tls`: where to write the local CA's certificate (PEM) for clients to trust. The
    /// ready line names it as `caFile`.
    #[arg(long, env = "SANDBANK_TLS_CA_FILE", default_value = "sandbank-ca.pem")]
    pub tls_ca_file: PathBuf,
    /// The bearer token of the sandbox control API (`/sandbox`). A random one is made at each
    /// start when absent; the ready line prints it as `adminKey` either way.
    #[arg(long, env = "SANDBANK_ADMIN_KEY", hide_env_values = true)]
    pub admin_key: Option<String>,
    /// A key every write to the Confluent-compatible registry (`POST`/`PUT` under `/registry`)
    /// must send, as `Authorization: Bearer KEY` or as the HTTP Basic password; writes are open
    /// when absent. Reads never need it.
    #[arg(long, env = "SANDBANK_REGISTRY_KEY", hide_env_values = true)]
    pub registry_key: Option<String>,
    /// The largest request body accepted, in bytes, on every endpoint; a larger one is refused
    /// with 413 (problem+json, or OAuth JSON on the authorization server's endpoints).
    #[arg(
        long,
        env = "SANDBANK_MAX_BODY_BYTES",
        default_value_t = crate::body_limit::DEFAULT_MAX_BODY_BYTES as u64,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub max_body_bytes: u64,
    /// How long one request may take, in seconds; past it the request is dropped and answered
    /// 503 (problem+json, or OAuth JSON `temporarily_unavailable`), so that nothing holds a
    /// connection or a worker forever.
    #[arg(
        long,
        env = "SANDBANK_REQUEST_TIMEOUT",
        default_value_t = crate::deadline::DEFAULT_REQUEST_TIMEOUT.as_secs_f64(),
        value_parser = seconds
    )]
    pub request_timeout: f64,
    /// After SIGTERM or SIGINT, how long requests in flight may finish, in seconds; then the
    /// process exits anyway.
    #[arg(
        long,
        env = "SANDBANK_SHUTDOWN_TIMEOUT",
        default_value_t = crate::instance::DEFAULT_SHUTDOWN_TIMEOUT.as_secs_f64(),
        value_parser = seconds
    )]
    pub shutdown_timeout: f64,
}

/// A positive number of seconds, at most a day (fractions allowed: `0.5`).
fn seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if value > 0.0 && value <= 86_400.0 => Ok(value),
        _ => Err(format!(
            "expected a number of seconds above 0 and at most 86400, got {text:?}"
        )),
    }
}

/// Where `serve` listens when `--addr` is not given.
pub const DEFAULT_ADDR: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8080);

/// Where `serve --ephemeral` listens when `--addr` is not given: a free loopback port.
pub const EPHEMERAL_ADDR: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

/// The database `serve` opens when `--database-url` is not given.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:sandbank.db";

/// The database of `serve --ephemeral`.
pub const EPHEMERAL_DATABASE_URL: &str = "sqlite::memory:";

impl ServeArgs {
    /// The address to listen on, with `--ephemeral`'s default.
    pub fn addr(&self) -> SocketAddr {
        match (self.addr, self.ephemeral) {
            (Some(addr), _) => addr,
            (None, true) => EPHEMERAL_ADDR,
            (None, false) => DEFAULT_ADDR,
        }
    }

    /// The database to open. `--ephemeral` keeps everything in memory, so naming a database
    /// as well is a mistake worth stopping for.
    pub fn database_url(&self) -> Result<&str, String> {
        match (&self.database_url, self.ephemeral) {
            (Some(url), true) => Err(format!(
                "--ephemeral keeps its data in memory; leave out --database-url {url} (or SANDBANK_DATABASE_URL)"
            )),
            (Some(url), false) => Ok(url),
            (None, true) => Ok(EPHEMERAL_DATABASE_URL),
            (None, false) => Ok(DEFAULT_DATABASE_URL),
        }
    }

    /// Whether authorization requests with a `login_hint` skip the pages.
    pub fn auto_consent(&self) -> bool {
        self.auto_consent || self.ephemeral
    }
}

/// `sandbank schemas ...`
#[derive(Debug, Subcommand)]
pub enum SchemasCommand {
    /// Write the JSON Schemas to the schemas folder, or check that it is up to date.
    Export(ExportArgs),
    /// Validate a JSON document against a schema. Exit status 0: valid, 1: invalid, 2: could
    /// not validate (unknown schema, unreadable file, not JSON).
    Validate(ValidateArgs),
    /// Check a candidate schema's compatibility with a schema's versions. Exit status 0:
    /// compatible, 1: not compatible, 2: could not check.
    Compat(CompatArgs),
}

/// Options of `sandbank schemas compat`.
#[derive(Debug, Args)]
pub struct CompatArgs {
    /// Schema name, e.g. `account`.
    pub name: String,
    /// The candidate JSON Schema file; `-` reads standard input.
    pub candidate: PathBuf,
    /// BACKWARD (default), BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL,
    /// FULL_TRANSITIVE or NONE.
    #[arg(long, default_value = "BACKWARD")]
    pub mode: String,
}

/// Options of `sandbank schemas export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The schemas folder.
    #[arg(long, env = "SANDBANK_SCHEMAS_DIR", default_value = "schemas")]
    pub dir: PathBuf,
    /// Write nothing; exit 1 and name each file that differs from the code.
    #[arg(long)]
    pub check: bool,
}

/// Options of `sandbank schemas validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Schema name, e.g. `account` or `insurance-policy` (`sandbank schemas export` lists them in
    /// schemas/index.json).
    pub name: String,
    /// The JSON file to validate; `-` reads standard input.
    pub file: PathBuf,
}

/// Options of `sandbank generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Root seed: the same seed gives byte-identical data.
    #[arg(long, env = "SANDBANK_SEED", default_value_t = 42)]
    pub seed: u64,
    /// Synthetic customers to generate besides the personas.
    #[arg(long, default_value_t = 12)]
    pub customers: u32,
    /// Months of history.
    #[arg(long, default_value_t = 12)]
    pub months: u32,
    /// Share of synthetic customers that are businesses, in percent.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub commercial_share: u32,
    /// Last day of history (exclusive), as YYYY-MM-DD.
    #[arg(long)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Leave the personas out.
    #[arg(long)]
    pub no_personas: bool,
    /// Write NDJSON files and a manifest into this folder.
    #[arg(
        long,
        required_unless_present = "database_url",
        conflicts_with = "database_url"
    )]
    pub out: Option<PathBuf>,
    /// Load into this database instead (`sqlite:FILE` or `postgres://...`); it must be empty
    /// or already hold this very dataset.
    #[arg(long)]
    pub database_url: Option<String>,
}

impl GenerateArgs {
    /// The generator configuration these options describe.
    pub fn config(&self) -> sandbank_synth::Config {
        let defaults = sandbank_synth::Config::default();
        sandbank_synth::Config {
            seed: self.seed,
            customers: self.customers,
            months: self.months,
            commercial_share_percent: self.commercial_share,
            as_of: self.as_of.unwrap_or(defaults.as_of),
            personas: !self.no_personas,
            advanced_from: None,
        }
    }
}
