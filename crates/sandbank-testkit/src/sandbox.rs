//! A sandbox: the `sandbank serve` server, in-process on a Tokio task.

use sandbank::app::AppState;
use sandbank::instance::{Instance, Options};
use sandbank_fapi::{AuthServer, Clock};
use sandbank_schemas::{AccountId, PartyId};
use sandbank_store::Store;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::admin::Admin;
use crate::client::RegisterClient;
use crate::error::{Error, Result};

/// Where a sandbox is and how to talk to it: what clients and sessions keep, so they outlive
/// borrows of the [`Sandbox`].
#[derive(Debug, Clone)]
pub(crate) struct Bank {
    /// Base URL of the socket (`http://127.0.0.1:PORT`).
    pub url: String,
    /// The issuer: the base of `htu` and `aud` (the socket's URL unless a public URL was set).
    pub issuer: String,
    /// The sandbox clock, for `iat` and `exp`.
    pub clock: Clock,
    /// The password of every sandbox customer.
    pub password: String,
    /// With TLS: the local CA's certificate (PEM).
    pub ca_pem: Option<String>,
    /// A client that trusts the sandbox's CA and follows no redirects.
    pub http: reqwest::Client,
}

impl Bank {
    /// Now on the sandbox clock, in seconds since the epoch.
    pub fn now(&self) -> i64 {
        self.clock.now().timestamp()
    }

    /// Where to send a request for `path_or_url`: a path is taken on the socket; an absolute
    /// URL on the issuer (a `links.next`, say) is moved onto the socket.
    pub fn socket_url(&self, path_or_url: &str) -> String {
        match under(path_or_url, &self.issuer) {
            Some(path) => format!("{}{path}", self.url),
            None if path_or_url.starts_with('/') => format!("{}{path_or_url}", self.url),
            None => path_or_url.to_owned(),
        }
    }

    /// The URL a request signature names as `@target-uri` for `path_or_url`: on the issuer,
    /// with the query.
    pub fn target_uri(&self, path_or_url: &str) -> String {
        match under(path_or_url, &self.url) {
            Some(path) => format!("{}{path}", self.issuer),
            None if path_or_url.starts_with('/') => format!("{}{path_or_url}", self.issuer),
            None => path_or_url.to_owned(),
        }
    }

    /// The URL a DPoP proof names (`htu`) for `path_or_url`: on the issuer, without query or
    /// fragment.
    pub fn htu(&self, path_or_url: &str) -> String {
        let full = match under(path_or_url, &self.url) {
            Some(path) => format!("{}{path}", self.issuer),
            None if path_or_url.starts_with('/') => format!("{}{path_or_url}", self.issuer),
            None => path_or_url.to_owned(),
        };
        match full.find(['?', '#']) {
            Some(end) => full[..end].to_owned(),
            None => full,
        }
    }
}

/// The rest of `url` when it lies under `base` (`http://h:1/x` under `http://h:1`, but not
/// `http://h:10/x`).
fn under<'a>(url: &'a str, base: &str) -> Option<&'a str> {
    url.strip_prefix(base)
        .filter(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
}

/// How to start a [`Sandbox`]; from [`Sandbox::builder`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `.start().await`"]
pub struct SandboxBuilder {
    options: Options,
}

impl SandboxBuilder {
    /// The dataset's seed (42, the default dataset's, unless set).
    pub fn seed(mut self, seed: u64) -> Self {
        self.options.dataset.seed = seed;
        self
    }

    /// How many synthetic customers to generate besides the personas (12 by default).
    pub fn customers(mut self, customers: u32) -> Self {
        self.options.dataset.customers = customers;
        self
    }

    /// Only the five personas, with a month of history (no generated customers): the
    /// smallest dataset, for tests that need no more. Keeps the seed.
    pub fn personas_only(mut self) -> Self {
        self.options.dataset.customers = 0;
        self.options.dataset.months = 1;
        self
    }

    /// How many months of history the dataset holds (12 by default; 1 with
    /// [`personas_only`](Self::personas_only)). Keeps the seed and the customers.
    pub fn months(mut self, months: u32) -> Self {
        self.options.dataset.months = months;
        self
    }

    /// The whole dataset configuration (seed, customers, months, ...), for full control.
    pub fn dataset(mut self, dataset: sandbank_synth::Config) -> Self {
        self.options.dataset = dataset;
        self
    }

    /// Sign every bank-API response with an HTTP message signature (RFC 9421, tag
    /// `fapi-2-response`), as `sandbank serve --sign-responses`; on by default.
    pub fn sign_responses(mut self, sign: bool) -> Self {
        self.options.sign_responses = sign;
        self
    }

    /// Record the access history of the privacy dashboard (`/account`), as `sandbank serve
    /// --access-history`; on by default.
    pub fn access_history(mut self, record: bool) -> Self {
        self.options.access_history = record;
        self
    }

    /// Serve HTTPS with the local CA, as `sandbank serve --tls`; the sandbox's HTTP client,
    /// and every client and session made from it, trust that CA.
    pub fn tls(mut self, tls: bool) -> Self {
        self.options.tls = tls;
        self
    }

    /// The sandbox clock. Keep a clone and [`Clock::advance`] it to expire codes, tokens and
    /// consents without sleeping; proofs and assertions made by this kit follow it.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.options.clock = clock;
        self
    }

    /// Headless consent for authorization requests that name their customer (`login_hint`):
    /// on by default. Off, [`Login`](crate::Login) signs in and consents through the login and
    /// consent pages instead, over HTTP.
    pub fn auto_consent(mut self, auto_consent: bool) -> Self {
        self.options.auto_consent = auto_consent;
        self
    }

    /// Require server-provided DPoP nonces at the authorization server (off by default); the
    /// kit's flows answer `use_dpop_nonce` by retrying with the nonce.
    pub fn dpop_nonces(mut self, dpop_nonces: bool) -> Self {
        self.options.dpop_nonces = dpop_nonces;
        self
    }

    /// The database: `sqlite::memory:` (the default), `sqlite:FILE` or `postgres://...`. A
    /// database that already holds the dataset is used as it is.
    pub fn database_url(mut self, url: impl Into<String>) -> Self {
        self.options.database_url = url.into();
        self
    }

    /// The URL clients reach the sandbox at, used as the issuer (another instance's URL, to
    /// run two on one database as one deployment).
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.options.public_url = Some(url.into());
        self
    }

    /// The key of the sandbox control API (`/sandbox`), instead of a random one: for tests
    /// that send it themselves. [`Sandbox::admin`] knows the key either way.
    pub fn admin_key(mut self, key: impl Into<String>) -> Self {
        self.options.admin_key = Some(key.into());
        self
    }

    /// Starts the sandbox: the same start-up as `sandbank serve`
    /// ([`sandbank::instance::Instance`]), then serving on a Tokio task of the current
    /// runtime.
    pub async fn start(self) -> Result<Sandbox> {
        let clock = self.options.clock.clone();
        let instance = Instance::start(self.options)
            .await
            .map_err(|error| Error::Start(error.into()))?;
        let ca_certificate_pem = instance
            .tls
            .as_ref()
            .map(|tls| tls.ca_certificate_pem.clone());
        let http = http_client(ca_certificate_pem.as_deref(), None)
            .map_err(|error| Error::Start(error.into()))?;
        let bank = Bank {
            url: instance.url.clone(),
            issuer: instance.issuer().to_owned(),
            clock,
            password: instance.state.auth.config.sandbox_password.clone(),
            ca_pem: ca_certificate_pem.clone(),
            http,
        };
        let state = instance.state.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let stopped = async {
                // A dropped sender stops the server too.
                let _ = stopped.await;
            };
            instance
                .serve(stopped)
                .await
                .map_err(|error| format!("{error:#}"))
        });
        Ok(Sandbox {
            bank,
            state,
            ca_certificate_pem,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// An HTTP client as the kit's own: it follows no redirects (a flow reads `Location` itself),
/// with `ca_pem` trusts only that CA (a sandbox's
/// [`ca_certificate_pem`](Sandbox::ca_certificate_pem)), and with `identity` (PEM certificate
/// and private key) presents it as its client certificate, for mutual-TLS tests with
/// certificates of your own.
pub fn http_client(
    ca_pem: Option<&str>,
    identity: Option<&str>,
) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    if let Some(ca) = ca_pem {
        builder = builder.tls_certs_only([reqwest::Certificate::from_pem(ca.as_bytes())?]);
    }
    if let Some(identity) = identity {
        builder = builder.identity(reqwest::Identity::from_pem(identity.as_bytes())?);
    }
    builder.build()
}

/// A running Sandbank: the server `sandbank serve` runs, in-process on `127.0.0.1` and a free
/// port, on a task of the current Tokio runtime. Dropping it stops the server (and closes the
/// port); [`Sandbox::shutdown`] does so and waits.
#[derive(Debug)]
pub struct Sandbox {
    bank: Bank,
    state: AppState,
    ca_certificate_pem: Option<String>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), String>>>,
}

impl Sandbox {
    /// A sandbox with the defaults: in-memory database, the default dataset (seed 42, the
    /// personas and 12 generated customers), plain HTTP, real time, headless consent.
    pub async fn start() -> Result<Sandbox> {
        Sandbox::builder().start().await
    }

    /// A builder for other options: seed, dataset size, TLS, clock, consent, database.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder {
            options: Options {
                auto_consent: true,
                ..Options::default()
            },
        }
    }

    /// Where the sandbox is, for clients and sessions moved onto it.
    pub(crate) fn bank(&self) -> &Bank {
        &self.bank
    }

    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.bank.url
    }

    /// The OAuth issuer (discovery at `{issuer}/.well-known/openid-configuration`). The same
    /// as [`url`](Self::url) unless a public URL was set.
    pub fn issuer(&self) -> &str {
        &self.bank.issuer
    }

    /// `path` on the sandbox's socket: `sandbox.endpoint("/accounts")`.
    pub fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.bank.url)
    }

    /// The sandbox's database.
    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// The sandbox clock: [`Clock::advance`] moves time for the server and for this kit's
    /// proofs and assertions.
    pub fn clock(&self) -> &Clock {
        &self.bank.clock
    }

    /// Now on the sandbox clock, in seconds since the epoch (for hand-made `iat` claims).
    pub fn now(&self) -> i64 {
        self.bank.now()
    }

    /// The authorization server inside the sandbox (its configuration, store and keys).
    pub fn auth_server(&self) -> &AuthServer {
        &self.state.auth
    }

    /// The password every sandbox customer signs in with.
    pub fn password(&self) -> &str {
        &self.bank.password
    }

    /// With TLS: the local CA's certificate (PEM), for clients of your own to trust.
    pub fn ca_certificate_pem(&self) -> Option<&str> {
        self.ca_certificate_pem.as_deref()
    }

    /// An HTTP client for the sandbox: trusts its CA, follows no redirects, sends no
    /// credentials.
    pub fn http(&self) -> &reqwest::Client {
        &self.bank.http
    }

    /// The key of the sandbox control API: the one set with
    /// [`SandboxBuilder::admin_key`], or the random one made at start.
    pub fn admin_key(&self) -> &str {
        self.state.sandbox.admin_key().expose()
    }

    /// The sandbox control API (`/sandbox`) with the admin key: move the clock, reset, list
    /// personas, create customers, approve or deny pending authorizations, over HTTP.
    pub fn admin(&self) -> Admin {
        Admin::new(self.bank.clone(), self.admin_key().to_owned())
    }

    /// Registers a new OAuth client through Dynamic Client Registration (`POST /register`),
    /// with a key of its own (`private_key_jwt`). Await it, or set options first.
    pub fn register_client(&self) -> RegisterClient {
        RegisterClient::new(self.bank.clone())
    }

    /// The party id of the customer who signs in as `username`.
    pub async fn party_id(&self, username: &str) -> Result<PartyId> {
        self.state
            .store
            .customer_by_username(username)
            .await?
            .map(|customer| customer.party_id)
            .ok_or_else(|| Error::NotFound(format!("no customer signs in as {username:?}")))
    }

    /// The ids of every account `username` holds (alone or jointly), in id order.
    pub async fn accounts_of(&self, username: &str) -> Result<Vec<AccountId>> {
        let party = self.party_id(username).await?;
        Ok(self
            .state
            .store
            .accounts_of_party(&party)
            .await?
            .into_iter()
            .map(|account| account.account_id)
            .collect())
    }

    /// Stops the server and waits until it has: the port is closed and the requests in flight
    /// are answered.
    pub async fn shutdown(mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => match task.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(error)) => Err(Error::Server(error)),
                Err(error) => Err(Error::Server(error.to_string())),
            },
            None => Ok(()),
        }
    }
}

impl Drop for Sandbox {
    /// Tells the server to stop; it closes its port as soon as its task next runs.
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank(url: &str, issuer: &str) -> Bank {
        Bank {
            url: url.to_owned(),
            issuer: issuer.to_owned(),
            clock: Clock::system(),
            password: String::new(),
            ca_pem: None,
            http: reqwest::Client::new(),
        }
    }

    #[test]
    fn paths_and_issuer_urls_go_to_the_socket_and_proofs_name_the_issuer() {
        let bank = bank("http://127.0.0.1:4000", "https://bank.example");
        assert_eq!(
            bank.socket_url("/accounts?x=1"),
            "http://127.0.0.1:4000/accounts?x=1"
        );
        assert_eq!(
            bank.socket_url("https://bank.example/accounts"),
            "http://127.0.0.1:4000/accounts"
        );
        assert_eq!(bank.htu("/accounts?x=1#f"), "https://bank.example/accounts");
        assert_eq!(
            bank.htu("http://127.0.0.1:4000/accounts"),
            "https://bank.example/accounts"
        );
        // Another port that merely starts with the same digits is another server.
        let bank = self::bank("http://127.0.0.1:4000", "http://127.0.0.1:4000");
        assert_eq!(
            bank.socket_url("http://127.0.0.1:40001/x"),
            "http://127.0.0.1:40001/x"
        );
        assert_eq!(
            bank.htu("http://127.0.0.1:40001/x"),
            "http://127.0.0.1:40001/x"
        );
    }
}
