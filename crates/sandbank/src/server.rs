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
    let outcome = runtime.block_on(run(args));
    // Work still running on the blocking pool (bounded, but maybe not done) must not keep the
    // process alive: dropping the runtime would wait for it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Serves until SIGINT or SIGTERM (or, with `--ephemeral`, until a piped stdin closes). A
/// signal that arrives while the dataset loads stops the server as cleanly as one after.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut stop = Box::pin(shutdown_signal(args.ephemeral)?);
    let options = args.instance_options().map_err(anyhow::Error::msg)?;
    let instance = tokio::select! {
        instance = Instance::start(options) => instance?,
        () = &mut stop => {
            tracing::info!("stopped before it was ready");
            return Ok(());
        }
    };
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
        admin_key: instance.state.sandbox.admin_key().expose().to_owned(),
    };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", serde_json::to_string(&ready)?)?;
    stdout.flush()?;
    drop(stdout);
    tracing::info!(url = %ready.url, elapsed_ms = started.elapsed().as_millis() as u64, "sandbank is ready");
    let store = instance.state.store.clone();
    instance.serve(stop).await?;
    // A request dropped at the shutdown deadline may still hold a connection: closing waits
    // for it, so not for long.
    if tokio::time::timeout(std::time::Duration::from_secs(1), store.close())
        .await
        .is_err()
    {
        tracing::warn!("the database did not close within a second");
    }
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

impl ServeArgs {
    /// The instance these options describe: the dataset of `--seed`, on real time.
    /// `Err` with a message for the user when the flags contradict each other.
    pub fn instance_options(&self) -> Result<Options, String> {
        Ok(Options {
            addr: self.addr(),
            database_url: self.database_url()?.to_owned(),
            dataset: sandbank_synth::Config {
                seed: self.seed,
                ..sandbank_synth::Config::default()
            },
            public_url: self.public_url.clone(),
            auto_consent: self.auto_consent(),
            dpop_nonces: self.dpop_nonces,
            require_signed_request_object: self.require_signed_request_object,
            require_grant_management_action: self.require_grant_management_action,
            sign_responses: self.sign_responses,
            access_history: self.access_history,
            tls: self.tls,
            clock: Clock::system(),
            max_body_bytes: usize::try_from(self.max_body_bytes).unwrap_or(usize::MAX),
            request_timeout: std::time::Duration::from_secs_f64(self.request_timeout),
            shutdown_timeout: std::time::Duration::from_secs_f64(self.shutdown_timeout),
            admin_key: self.admin_key.clone(),
            registry_key: self.registry_key.clone(),
        })
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
        let config = authorization_server_config(
            &args.instance_options().unwrap(),
            "http://127.0.0.1:1/",
            "pw",
        );
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
        let config = authorization_server_config(
            &args.instance_options().unwrap(),
            "https://127.0.0.1:1",
            "pw",
        );
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
        assert!(args.instance_options().unwrap().auto_consent);

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
        assert!(!args.instance_options().unwrap().auto_consent);
    }
}
