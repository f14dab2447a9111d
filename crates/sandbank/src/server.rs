//! `sandbank serve`: bind, announce readiness on stdout, serve until told to stop.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sandbank_fapi::Clock;
use serde::Serialize;

use crate::cli::ServeArgs;
use crate::instance::{Instance, Options};

/// The one JSON line printed on stdout once the server accepts connections. Test harnesses in
/// any language wait for it and read the URL from it.
#[derive(Debug, Serialize)]
pub struct ReadyLine {
    /// Always `"ready"`.
    pub event: &'static str,
    /// Base URL of the server, with the port actually bound.
    pub url: String,
    /// The OAuth issuer (discovery at `{issuer}/.well-known/openid-configuration`).
    pub issuer: String,
    /// Sandbank version.
    pub version: &'static str,
    /// With `--tls`: absolute path of the file holding the local CA's certificate (PEM).
    #[serde(rename = "caFile", skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
}

/// Runs the server on a new Tokio runtime until SIGINT or SIGTERM.
pub fn run_blocking(args: ServeArgs) -> ExitCode {
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: could not start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Serves until SIGINT or SIGTERM.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let instance = Instance::start(args.instance_options()).await?;
    let ca_file = match &instance.tls {
        Some(tls) => Some(write_ca_file(&args.tls_ca_file, &tls.ca_certificate_pem)?),
        None => None,
    };
    let ready = ReadyLine {
        event: "ready",
        url: instance.url.clone(),
        issuer: instance.issuer().to_owned(),
        version: env!("CARGO_PKG_VERSION"),
        ca_file: ca_file.map(|path| path.display().to_string()),
    };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", serde_json::to_string(&ready)?)?;
    stdout.flush()?;
    drop(stdout);
    tracing::info!(url = %ready.url, elapsed_ms = started.elapsed().as_millis() as u64, "sandbank is ready");
    let store = instance.state.store.clone();
    instance.serve(shutdown_signal()).await?;
    store.close().await;
    tracing::info!("sandbank stopped");
    Ok(())
}

/// Writes the local CA's certificate where `--tls-ca-file` says; its absolute path.
fn write_ca_file(path: &Path, pem: &str) -> anyhow::Result<PathBuf> {
    let path = std::path::absolute(path)
        .map_err(|error| anyhow::anyhow!("bad --tls-ca-file {}: {error}", path.display()))?;
    std::fs::write(&path, pem)
        .map_err(|error| anyhow::anyhow!("could not write {}: {error}", path.display()))?;
    Ok(path)
}

async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

/// Logs go to stderr so that stdout carries only the ready line.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SANDBANK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

impl ServeArgs {
    /// The instance these options describe: the dataset of `--seed`, on real time.
    pub fn instance_options(&self) -> Options {
        Options {
            addr: self.addr,
            database_url: self.database_url.clone(),
            dataset: sandbank_synth::Config {
                seed: self.seed,
                ..sandbank_synth::Config::default()
            },
            public_url: self.public_url.clone(),
            auto_consent: self.auto_consent,
            dpop_nonces: self.dpop_nonces,
            tls: self.tls,
            clock: Clock::system(),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::Cli;
    use crate::instance::authorization_server_config;

    #[test]
    fn serve_options_reach_the_authorization_server() {
        let cli = Cli::parse_from(["sandbank", "serve"]);
        let Some(crate::cli::Command::Serve(args)) = cli.command else {
            panic!("not serve");
        };
        let config =
            authorization_server_config(&args.instance_options(), "http://127.0.0.1:1/", "pw");
        assert_eq!(config.issuer, "http://127.0.0.1:1");
        assert!(!config.auto_consent && !config.dpop_nonces && config.mtls_base.is_none());

        let cli = Cli::parse_from([
            "sandbank",
            "serve",
            "--auto-consent",
            "--dpop-nonces",
            "--tls",
        ]);
        let Some(crate::cli::Command::Serve(args)) = cli.command else {
            panic!("not serve");
        };
        let config =
            authorization_server_config(&args.instance_options(), "https://127.0.0.1:1", "pw");
        assert!(config.auto_consent && config.dpop_nonces);
        assert_eq!(config.mtls_base.as_deref(), Some("https://127.0.0.1:1"));
        assert_eq!(config.sandbox_password, "pw");
    }
}
