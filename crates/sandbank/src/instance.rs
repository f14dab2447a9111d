//! Starting one Sandbank instance: the database and its dataset, the listener, the
//! authorization server, TLS and the router.
//!
//! `sandbank serve` and the Rust test kit (`sandbank-testkit`) both start through
//! [`Instance::start`] and [`Instance::serve`], so a test runs exactly what the binary serves.
//! What only the binary does (the ready line, the CA file, signals) stays in
//! [`crate::server`].

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sandbank_fapi::tls::LocalCa;
use sandbank_fapi::{AsConfig, AuthServer, Clock};
use sandbank_registry::Registry;
use sandbank_store::Store;
use tokio::net::TcpListener;

use crate::app::AppState;
use crate::dataset::Loaded;
use crate::sandbox::{AdminKey, Sandbox};

/// After a shutdown signal, how long requests in flight may go on by default: 10 seconds.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// How to start an instance. `sandbank serve` fills it from its flags; the default is what a
/// test wants: a free loopback port, an in-memory database, the default dataset, real time.
#[derive(Debug, Clone)]
pub struct Options {
    /// Address to listen on; port 0 picks a free port.
    pub addr: SocketAddr,
    /// `sqlite:FILE`, `sqlite::memory:` or `postgres://...`.
    pub database_url: String,
    /// The dataset loaded into an empty database (a database that holds it is used as it is).
    pub dataset: sandbank_synth::Config,
    /// The URL clients reach the server at, used as the OAuth issuer; the bound URL when
    /// absent.
    pub public_url: Option<String>,
    /// Headless consent for authorization requests with `login_hint`.
    pub auto_consent: bool,
    /// Require server-provided DPoP nonces at the authorization server.
    pub dpop_nonces: bool,
    /// Every client's pushed requests must be signed request objects.
    pub require_signed_request_object: bool,
    /// Every pushed request must carry `grant_management_action` (Grant Management).
    pub require_grant_management_action: bool,
    /// Sign the bank API's responses (RFC 9421).
    pub sign_responses: bool,
    /// Record the access history of the privacy dashboard.
    pub access_history: bool,
    /// Serve HTTPS with the local CA, asking clients for certificates.
    pub tls: bool,
    /// The sandbox clock every expiry is measured on.
    pub clock: Clock,
    /// The largest request body accepted; larger ones are refused with 413.
    pub max_body_bytes: usize,
    /// How long one request may take before it is answered 503.
    pub request_timeout: Duration,
    /// After the shutdown signal, how long requests in flight may go on before the server
    /// stops anyway.
    pub shutdown_timeout: Duration,
    /// The sandbox control API's key; a random one when absent.
    pub admin_key: Option<String>,
    /// The key registry writes need ([`crate::registry_key`]); writes are open when absent.
    pub registry_key: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: "sqlite::memory:".to_owned(),
            dataset: sandbank_synth::Config::default(),
            public_url: None,
            auto_consent: false,
            dpop_nonces: false,
            require_signed_request_object: false,
            require_grant_management_action: false,
            sign_responses: true,
            access_history: true,
            tls: false,
            clock: Clock::system(),
            max_body_bytes: crate::body_limit::DEFAULT_MAX_BODY_BYTES,
            request_timeout: crate::deadline::DEFAULT_REQUEST_TIMEOUT,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            admin_key: None,
            registry_key: None,
        }
    }
}

/// The HTTPS side of an instance started with [`Options::tls`].
#[derive(Debug, Clone)]
pub struct Tls {
    /// The local CA's certificate (PEM): what clients trust.
    pub ca_certificate_pem: String,
    config: Arc<rustls::ServerConfig>,
}

/// An instance bound to its port with its dataset loaded, ready to [`serve`](Self::serve).
#[derive(Debug)]
pub struct Instance {
    /// Base URL with the port actually bound (`http://` or `https://`).
    pub url: String,
    /// The application's state: store, registry and authorization server.
    pub state: AppState,
    /// With [`Options::tls`]: the CA and the server's TLS configuration.
    pub tls: Option<Tls>,
    /// Whether the dataset was written now or was already there.
    pub loaded: Loaded,
    listener: TcpListener,
    shutdown_timeout: Duration,
}

impl Instance {
    /// Opens the database, loads the dataset when it is missing, binds the listener and starts
    /// the authorization server (and the local CA with TLS). Nothing is served yet.
    pub async fn start(options: Options) -> anyhow::Result<Instance> {
        let store = Store::connect(&options.database_url)
            .await
            .map_err(|error| anyhow::anyhow!("could not open {}: {error}", options.database_url))?;
        // A chosen admin key is checked now; a random one is made after the load, so that the
        // random generator's first (slow) seeding happens on the key-making thread below.
        let chosen_admin_key = options
            .admin_key
            .as_deref()
            .map(AdminKey::new)
            .transpose()?;
        let registry_key = options
            .registry_key
            .as_deref()
            .map(AdminKey::new)
            .transpose()
            .map_err(|error| anyhow::anyhow!("bad --registry-key: {error}"))?;
        // An empty database needs signing keys: they are made on a blocking thread while the
        // dataset is generated on another and written on this one.
        let keys_ahead = AuthServer::make_keys_ahead(&store, options.clock.now()).await?;
        // What the sandbox control API changed on this database (a clock move, created
        // customers) decides which dataset it holds, and where the clock stands.
        let loaded = crate::sandbox::state::open(&store, &options.dataset, &options.clock).await?;
        let admin_key = match chosen_admin_key {
            Some(chosen) => chosen,
            None => AdminKey::generate()?,
        };
        match &loaded {
            Loaded::Written(counts) => tracing::info!(
                transactions = counts.transactions,
                "loaded the dataset of seed {}",
                options.dataset.seed
            ),
            Loaded::AlreadyThere(_) => tracing::info!("the database already holds its dataset"),
        }
        let listener = TcpListener::bind(options.addr)
            .await
            .map_err(|error| anyhow::anyhow!("could not listen on {}: {error}", options.addr))?;
        let scheme = if options.tls { "https" } else { "http" };
        let url = format!("{scheme}://{}", listener.local_addr()?);
        let issuer = options.public_url.clone().unwrap_or_else(|| url.clone());
        let password = sandbank_synth::password()?;
        let as_config = authorization_server_config(&options, &issuer, &password);
        let auth =
            AuthServer::start_with(store.clone(), as_config, options.clock.clone(), keys_ahead)
                .await?;
        let tls = match options.tls {
            true => Some(prepare_tls(&auth, options.public_url.as_deref()).await?),
            false => None,
        };
        let state = AppState {
            registry: Arc::new(Registry::new(Arc::new(store.clone()))),
            store,
            auth,
            max_body_bytes: options.max_body_bytes,
            request_timeout: options.request_timeout,
            registry_key,
            sandbox: Arc::new(Sandbox::new(admin_key, options.dataset.clone())),
        };
        Ok(Instance {
            url,
            state,
            tls,
            loaded,
            listener,
            shutdown_timeout: options.shutdown_timeout,
        })
    }

    /// The OAuth issuer (discovery at `{issuer}/.well-known/openid-configuration`).
    pub fn issuer(&self) -> &str {
        &self.state.auth.config.issuer
    }

    /// Serves [`crate::app::router`] until `shutdown` completes, then stops accepting
    /// connections and finishes the requests in flight, for at most
    /// [`Options::shutdown_timeout`]: past it, `serve` returns anyway and the requests still
    /// running are dropped.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let app = crate::app::router(self.state);
        let grace = self.shutdown_timeout;
        let (signalled, on_signal) = tokio::sync::oneshot::channel::<()>();
        let shutdown = async move {
            shutdown.await;
            let _ = signalled.send(());
        };
        let listener = self.listener.into_std()?;
        let serving = async move {
            match self.tls {
                Some(tls) => {
                    sandbank_fapi::tls::serve(
                        listener,
                        app,
                        tls.config,
                        crate::head_limit::configure,
                        shutdown,
                        grace,
                    )
                    .await?
                }
                None => {
                    // axum_server rather than `axum::serve`, which cannot set hyper's limits.
                    let handle = axum_server::Handle::new();
                    let stopper = handle.clone();
                    tokio::spawn(async move {
                        shutdown.await;
                        stopper.graceful_shutdown(Some(grace));
                    });
                    let mut server = axum_server::from_tcp(listener)?;
                    crate::head_limit::configure(server.http_builder());
                    server.handle(handle).serve(app.into_make_service()).await?
                }
            }
            anyhow::Ok(())
        };
        // The servers' own grace ends the connections; this ends `serve` itself, whatever a
        // request still holds.
        let deadline = async move {
            match on_signal.await {
                Ok(()) => tokio::time::sleep(grace + Duration::from_millis(500)).await,
                // The server stopped without a signal (it failed): nothing to wait for.
                Err(_) => std::future::pending().await,
            }
        };
        tokio::select! {
            served = serving => served,
            () = deadline => {
                tracing::warn!(
                    grace_ms = grace.as_millis() as u64,
                    "requests still running when the shutdown grace ran out: stopping anyway"
                );
                Ok(())
            }
        }
    }
}

/// Loads (or creates) the local CA and builds the rustls configuration. The public URL's host,
/// when there is one, goes into the server certificate too.
async fn prepare_tls(auth: &AuthServer, public_url: Option<&str>) -> anyhow::Result<Tls> {
    let ca = LocalCa::load_or_create(auth).await?;
    let extra_names: Vec<String> = public_url
        .and_then(|public| url::Url::parse(public).ok())
        .and_then(|public| public.host_str().map(str::to_owned))
        .into_iter()
        .collect();
    let config = ca.server_config(auth.now(), &extra_names)?;
    Ok(Tls {
        ca_certificate_pem: ca.certificate_pem,
        config,
    })
}

/// The authorization server's configuration for these options.
pub fn authorization_server_config(options: &Options, issuer: &str, password: &str) -> AsConfig {
    let mut config = AsConfig::new(issuer, password);
    config.auto_consent = options.auto_consent;
    config.dpop_nonces = options.dpop_nonces;
    config.require_signed_request_object = options.require_signed_request_object;
    config.grant_management_action_required = options.require_grant_management_action;
    config.sign_responses = options.sign_responses;
    config.record_access = options.access_history;
    if options.tls {
        // One listener serves both: the mutual-TLS aliases are the endpoints themselves.
        config.mtls_base = Some(config.issuer.clone());
    }
    config
}
