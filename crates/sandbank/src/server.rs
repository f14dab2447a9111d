//! `sandbank serve`: bind, announce readiness on stdout, serve until told to stop.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;
use tokio::net::TcpListener;

use std::sync::Arc;

use sandbank_fapi::tls::LocalCa;
use sandbank_fapi::{AsConfig, AuthServer, Clock};
use sandbank_registry::Registry;
use sandbank_store::Store;

use crate::app::AppState;
use crate::cli::ServeArgs;
use crate::dataset::Loaded;

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
    let store = Store::connect(&args.database_url)
        .await
        .map_err(|error| anyhow::anyhow!("could not open {}: {error}", args.database_url))?;
    let config = sandbank_synth::Config {
        seed: args.seed,
        ..sandbank_synth::Config::default()
    };
    match crate::dataset::load(&store, &config, |_| {}).await? {
        Loaded::Written(counts) => tracing::info!(
            transactions = counts.transactions,
            "loaded the dataset of seed {}",
            args.seed
        ),
        Loaded::AlreadyThere(_) => tracing::info!("the database already holds its dataset"),
    }
    let listener = TcpListener::bind(args.addr)
        .await
        .map_err(|error| anyhow::anyhow!("could not listen on {}: {error}", args.addr))?;
    let local = listener.local_addr()?;
    let scheme = if args.tls { "https" } else { "http" };
    let url = format!("{scheme}://{local}");
    let issuer = args.public_url.clone().unwrap_or_else(|| url.clone());
    let generator = sandbank_synth::Generator::new(config.clone())?;
    let as_config = authorization_server_config(&args, &issuer, generator.password());
    let auth = AuthServer::start(store.clone(), as_config, Clock::system()).await?;
    let tls = match args.tls {
        true => Some(prepare_tls(&auth, &args).await?),
        false => None,
    };
    let ready = ReadyLine {
        event: "ready",
        url,
        issuer: auth.config.issuer.clone(),
        version: env!("CARGO_PKG_VERSION"),
        ca_file: tls.as_ref().map(|(path, _)| path.display().to_string()),
    };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", serde_json::to_string(&ready)?)?;
    stdout.flush()?;
    drop(stdout);
    tracing::info!(url = %ready.url, elapsed_ms = started.elapsed().as_millis() as u64, "sandbank is ready");
    let app = crate::app::router(AppState {
        registry: Arc::new(Registry::new(Arc::new(store.clone()))),
        store: store.clone(),
        auth,
    });
    match tls {
        Some((_, config)) => {
            sandbank_fapi::tls::serve(listener.into_std()?, app, config, shutdown_signal()).await?
        }
        None => {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .await?
        }
    }
    store.close().await;
    tracing::info!("sandbank stopped");
    Ok(())
}

/// Loads (or creates) the local CA, writes its certificate where `--tls-ca-file` says and
/// builds the rustls configuration: the CA file's absolute path and the configuration.
async fn prepare_tls(
    auth: &AuthServer,
    args: &ServeArgs,
) -> anyhow::Result<(PathBuf, Arc<rustls::ServerConfig>)> {
    let ca = LocalCa::load_or_create(auth).await?;
    let path = std::path::absolute(&args.tls_ca_file).map_err(|error| {
        anyhow::anyhow!("bad --tls-ca-file {}: {error}", args.tls_ca_file.display())
    })?;
    std::fs::write(&path, &ca.certificate_pem)
        .map_err(|error| anyhow::anyhow!("could not write {}: {error}", path.display()))?;
    // The public URL's host, when it is not loopback, goes into the server certificate too.
    let extra_names: Vec<String> = args
        .public_url
        .as_deref()
        .and_then(|public| url::Url::parse(public).ok())
        .and_then(|public| public.host_str().map(str::to_owned))
        .into_iter()
        .collect();
    let config = ca.server_config(auth.now(), &extra_names)?;
    Ok((path, config))
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

/// The authorization server's configuration for these `serve` options.
pub fn authorization_server_config(args: &ServeArgs, issuer: &str, password: &str) -> AsConfig {
    let mut config = AsConfig::new(issuer, password);
    config.auto_consent = args.auto_consent;
    config.dpop_nonces = args.dpop_nonces;
    if args.tls {
        // One listener serves both: the mutual-TLS aliases are the endpoints themselves.
        config.mtls_base = Some(config.issuer.clone());
    }
    config
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::authorization_server_config;
    use crate::cli::Cli;

    #[test]
    fn serve_options_reach_the_authorization_server() {
        let cli = Cli::parse_from(["sandbank", "serve"]);
        let Some(crate::cli::Command::Serve(args)) = cli.command else {
            panic!("not serve");
        };
        let config = authorization_server_config(&args, "http://127.0.0.1:1/", "pw");
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
        let config = authorization_server_config(&args, "https://127.0.0.1:1", "pw");
        assert!(config.auto_consent && config.dpop_nonces);
        assert_eq!(config.mtls_base.as_deref(), Some("https://127.0.0.1:1"));
        assert_eq!(config.sandbox_password, "pw");
    }
}
