//! `sandbank serve`: bind, announce readiness on stdout, serve until told to stop.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;
use tokio::net::TcpListener;

use std::sync::Arc;

use sandbank_fapi::tls::LocalCa;
use sandbank_fapi::{AsConfig, AuthServer};
use sandbank_registry::Registry;
use sandbank_store::Store;

use crate::app::AppState;
use crate::cli::ServeArgs;
use crate::dataset::Loaded;
use crate::sandbox::{AdminKey, Sandbox};

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
    /// The bearer token of the sandbox control API (`/sandbox`): `--admin-key`, or the random
    /// key made at this start.
    #[serde(rename = "adminKey")]
    pub admin_key: String,
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

/// A server that is ready to accept connections.
struct Prepared {
    listener: TcpListener,
    tls: Option<(PathBuf, Arc<rustls::ServerConfig>)>,
    ready: ReadyLine,
    state: AppState,
}

/// Serves until SIGINT or SIGTERM (or, with `--ephemeral`, until a piped stdin closes). A
/// signal that arrives while the dataset loads stops the server as cleanly as one after.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut stop = Box::pin(shutdown_signal(args.ephemeral)?);
    let prepared = tokio::select! {
        prepared = prepare(&args) => prepared?,
        () = &mut stop => {
            tracing::info!("stopped before it was ready");
            return Ok(());
        }
    };
    let Prepared {
        listener,
        tls,
        ready,
        state,
    } = prepared;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", serde_json::to_string(&ready)?)?;
    stdout.flush()?;
    drop(stdout);
    tracing::info!(url = %ready.url, elapsed_ms = started.elapsed().as_millis() as u64, "sandbank is ready");
    let store = state.store.clone();
    let app = crate::app::router(state);
    match tls {
        Some((_, config)) => {
            sandbank_fapi::tls::serve(listener.into_std()?, app, config, stop).await?
        }
        None => {
            axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await?
        }
    }
    store.close().await;
    tracing::info!("sandbank stopped");
    Ok(())
}

/// Everything before the ready line: the database and its dataset, the listener, the
/// authorization server and, with `--tls`, the local CA.
async fn prepare(args: &ServeArgs) -> anyhow::Result<Prepared> {
    let database_url = args.database_url().map_err(anyhow::Error::msg)?;
    let admin_key = AdminKey::chosen_or_generated(args.admin_key.as_deref())?;
    let store = Store::connect(database_url)
        .await
        .map_err(|error| anyhow::anyhow!("could not open {database_url}: {error}"))?;
    let config = sandbank_synth::Config {
        seed: args.seed,
        ..sandbank_synth::Config::default()
    };
    // What the sandbox control API changed on this database (a clock move, created customers)
    // decides which dataset it holds, and where the clock stands.
    let (clock, loaded) = crate::sandbox::state::open(&store, &config).await?;
    match loaded {
        Loaded::Written(counts) => tracing::info!(
            transactions = counts.transactions,
            "loaded the dataset of seed {}",
            args.seed
        ),
        Loaded::AlreadyThere(_) => tracing::info!("the database already holds its dataset"),
    }
    let addr = args.addr();
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|error| anyhow::anyhow!("could not listen on {addr}: {error}"))?;
    let local = listener.local_addr()?;
    let scheme = if args.tls { "https" } else { "http" };
    let url = format!("{scheme}://{local}");
    let issuer = args.public_url.clone().unwrap_or_else(|| url.clone());
    let generator = sandbank_synth::Generator::new(config.clone())?;
    let as_config = authorization_server_config(args, &issuer, generator.password());
    let auth = AuthServer::start(store.clone(), as_config, clock).await?;
    let tls = match args.tls {
        true => Some(prepare_tls(&auth, args).await?),
        false => None,
    };
    let ready = ReadyLine {
        event: "ready",
        url,
        issuer: auth.config.issuer.clone(),
        version: env!("CARGO_PKG_VERSION"),
        ca_file: tls.as_ref().map(|(path, _)| path.display().to_string()),
        admin_key: admin_key.expose().to_owned(),
    };
    let state = AppState {
        registry: Arc::new(Registry::new(Arc::new(store.clone()))),
        store,
        auth,
        sandbox: Arc::new(Sandbox::new(admin_key, config)),
    };
    Ok(Prepared {
        listener,
        tls,
        ready,
        state,
    })
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

/// Resolves on SIGINT or SIGTERM, and with `watch_stdin` also when standard input is a pipe
/// (or socket) and reaches end of file. A terminal or `/dev/null` on stdin is not watched: a
/// bank started by hand, or in the background of a shell, must not stop because of it.
///
/// The handlers are installed now, not when the future is first polled, so a signal during
/// start-up is not fatal.
fn shutdown_signal(
    watch_stdin: bool,
) -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    let stdin_closed = watch_stdin.then(stdin_closed).flatten();
    #[cfg(unix)]
    let (mut interrupt, mut terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
        )
    };
    Ok(async move {
        #[cfg(unix)]
        let (interrupt, terminate) = (interrupt.recv(), terminate.recv());
        #[cfg(not(unix))]
        let (interrupt, terminate) = (tokio::signal::ctrl_c(), std::future::pending::<()>());
        let stdin = async {
            match stdin_closed {
                Some(closed) => {
                    let _ = closed.await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = interrupt => tracing::info!("interrupted"),
            _ = terminate => tracing::info!("terminated"),
            () = stdin => tracing::info!("standard input closed"),
        }
    })
}

/// When stdin is a pipe or a socket: a receiver that completes once it reaches end of file
/// (or fails). A plain thread reads it, so the runtime never waits for it at exit.
#[cfg(unix)]
fn stdin_closed() -> Option<tokio::sync::oneshot::Receiver<()>> {
    use std::io::Read;
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileTypeExt;

    let stdin = std::io::stdin();
    let kind = stdin
        .as_fd()
        .try_clone_to_owned()
        .and_then(|fd| std::fs::File::from(fd).metadata())
        .ok()?
        .file_type();
    if !(kind.is_fifo() || kind.is_socket()) {
        return None;
    }
    let (closed, receiver) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("stdin-watch".to_owned())
        .spawn(move || {
            let mut stdin = stdin.lock();
            let mut buffer = [0u8; 1024];
            loop {
                match stdin.read(&mut buffer) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = closed.send(());
        })
        .ok()?;
    Some(receiver)
}

#[cfg(not(unix))]
fn stdin_closed() -> Option<tokio::sync::oneshot::Receiver<()>> {
    None
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
    config.auto_consent = args.auto_consent();
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

    fn serve_args(args: &[&str]) -> crate::cli::ServeArgs {
        let cli = Cli::try_parse_from(args).unwrap();
        match cli.command {
            Some(crate::cli::Command::Serve(args)) => args,
            _ => panic!("not serve"),
        }
    }

    #[test]
    fn ephemeral_means_memory_a_free_port_and_auto_consent() {
        let args = serve_args(&["sandbank", "serve", "--ephemeral"]);
        assert_eq!(args.database_url(), Ok("sqlite::memory:"));
        assert_eq!(args.addr().to_string(), "127.0.0.1:0");
        assert!(authorization_server_config(&args, "http://x", "pw").auto_consent);

        let args = serve_args(&[
            "sandbank",
            "serve",
            "--ephemeral",
            "--addr",
            "127.0.0.1:9911",
        ]);
        assert_eq!(args.addr().to_string(), "127.0.0.1:9911");

        let args = serve_args(&[
            "sandbank",
            "serve",
            "--ephemeral",
            "--database-url",
            "sqlite:x.db",
        ]);
        assert!(args.database_url().unwrap_err().contains("--ephemeral"));

        let args = serve_args(&["sandbank", "serve"]);
        assert_eq!(args.database_url(), Ok("sqlite:sandbank.db"));
        assert_eq!(args.addr().to_string(), "127.0.0.1:8080");
        assert!(!authorization_server_config(&args, "http://x", "pw").auto_consent);
    }
}
