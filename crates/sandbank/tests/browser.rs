#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The login and consent pages in a real headless Chromium, driven over WebDriver by a local
//! `chromedriver`: a persona signs in (after a wrong password), reads what the app asks for,
//! chooses accounts and approves; then, on a second request, denies. Then the privacy
//! dashboard: the persona sees the app and what it did, stops sharing an account, locks a card
//! and revokes the grant, each checked by the app's next call, and approves a decoupled (CIBA)
//! request after which the polling app gets tokens.
//!
//! Everything is real and on loopback: the `sandbank` binary, a client registered and pushing
//! its requests over HTTP, the browser, and the client's redirect URI (a small listener here).
//!
//! Needs `chromium` and `chromedriver` on `PATH` (Debian: `apt-get install chromium
//! chromium-driver`; `.ci/run` installs them). Without them the test is skipped with a printed
//! reason, except when `CI` is set: then it fails.
//!
//! Screenshots of the pages land in `target/browser/` for humans to look at.

use std::collections::{BTreeSet, HashMap};
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

#[path = "support/keys.rs"]
mod keys;

use keys::{ClientKey, random, sha256};

const PASSWORD: &str = "sandbank";
const CLIENT_NAME: &str = "Budget Buddy";
/// How long any one wait (a page, a process, a redirect) may take.
const PATIENCE: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------------
// Tools: chromium and chromedriver.

/// An executable named `name` on `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Chromium and chromedriver, or `None` (after saying why) when the test is to be skipped.
fn browser_tools() -> Option<(PathBuf, PathBuf)> {
    match (on_path("chromium"), on_path("chromedriver")) {
        (Some(chromium), Some(driver)) => Some((chromium, driver)),
        (chromium, driver) => {
            let missing: Vec<&str> = [("chromium", chromium), ("chromedriver", driver)]
                .into_iter()
                .filter(|(_, found)| found.is_none())
                .map(|(name, _)| name)
                .collect();
            let reason = format!(
                "{} not found on PATH (Debian: apt-get install chromium chromium-driver)",
                missing.join(" and ")
            );
            if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
                panic!("CI is set, so the browser test must run, but {reason}");
            }
            eprintln!("skipping the browser test: {reason}");
            None
        }
    }
}

/// A free port on loopback (for chromedriver, which must be told one).
fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `target/`, found from the binary under test (`target/<profile>/sandbank`), so that
/// `CARGO_TARGET_DIR` is honoured.
fn target_dir() -> PathBuf {
    let binary = Path::new(env!("CARGO_BIN_EXE_sandbank"));
    binary
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("target"))
}

/// A headless Chromium session through a chromedriver of our own.
struct Browser {
    client: Client,
    _driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start(chromium: &Path, chromedriver: &Path) -> Browser {
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let webdriver = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + PATIENCE;
        loop {
            let ready = match http.get(format!("{webdriver}/status")).send().await {
                Ok(response) => response
                    .json::<Value>()
                    .await
                    .is_ok_and(|status| status["value"]["ready"] == true),
                Err(_) => false,
            };
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        // A fresh profile, and nothing that reaches out to the (closed) network.
        let profile = tempfile::tempdir().unwrap();
        let args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--window-size=900,1000".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".to_owned(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            json!({"binary": chromium, "args": args}),
        );
        capabilities.insert(
            "timeouts".to_owned(),
            json!({"pageLoad": PATIENCE.as_millis() as u64, "script": 10_000, "implicit": 0}),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&webdriver)
            .await
            .unwrap();
        Browser {
            client,
            _driver: driver,
            _profile: profile,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The sandbank binary.

/// `sandbank serve` on a free port with an in-memory database; killed when dropped.
struct Sandbank {
    issuer: String,
    _child: Child,
}

impl Sandbank {
    async fn start() -> Sandbank {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sandbank"))
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--database-url",
                "sqlite::memory:",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut line = String::new();
        let stdout = child.stdout.take().unwrap();
        tokio::time::timeout(
            Duration::from_secs(120),
            BufReader::new(stdout).read_line(&mut line),
        )
        .await
        .expect("sandbank serve printed no ready line in time")
        .unwrap();
        let ready: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(ready["event"], "ready", "{line}");
        Sandbank {
            issuer: ready["issuer"].as_str().unwrap().to_owned(),
            _child: child,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }
}

// ---------------------------------------------------------------------------------------------
// The client: its redirect URI, its key, PAR, token and resource requests.

/// The client's redirect URI: a listener on loopback that answers every request with a small
/// page and reports the `/cb` requests it got.
struct RedirectTarget {
    uri: String,
    hits: mpsc::UnboundedReceiver<String>,
}

impl RedirectTarget {
    async fn start() -> RedirectTarget {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let uri = format!("http://{}/cb", listener.local_addr().unwrap());
        let (sender, hits) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let sender = sender.clone();
                // One task per connection: the browser may open connections it never uses.
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buffer = [0u8; 4096];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buffer[..n]),
                        }
                    }
                    let text = String::from_utf8_lossy(&request);
                    let target = text.split(' ').nth(1).unwrap_or_default().to_owned();
                    if target.starts_with("/cb") {
                        let _ = sender.send(target);
                    }
                    let body = "<!doctype html><html lang=\"en\"><title>Budget Buddy</title><p>Back at the app.</p></html>";
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                });
            }
        });
        RedirectTarget { uri, hits }
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A client registered at `/register` with a `private_key_jwt` key.
struct App {
    client_id: String,
    key: ClientKey,
    redirect_uri: String,
    http: reqwest::Client,
}

/// One authorization request pushed by the app.
struct Pushed {
    request_uri: String,
    state: String,
    verifier: String,
}

impl App {
    async fn register(sandbank: &Sandbank, redirect_uri: &str) -> App {
        let key = ClientKey::generate();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        // The code flow, and CIBA in poll mode for the dashboard's decoupled request.
        let mut registration = key.registration(CLIENT_NAME, redirect_uri);
        registration["grant_types"] = json!([
            "authorization_code",
            "refresh_token",
            "urn:openid:params:grant-type:ciba"
        ]);
        registration["backchannel_token_delivery_mode"] = json!("poll");
        let response = http
            .post(sandbank.url("/register"))
            .json(&registration)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let registration: Value = response.json().await.unwrap();
        assert_eq!(status, reqwest::StatusCode::CREATED, "{registration}");
        App {
            client_id: registration["client_id"].as_str().unwrap().to_owned(),
            key,
            redirect_uri: redirect_uri.to_owned(),
            http,
        }
    }

    /// The `private_key_jwt` client authentication parameters.
    fn authentication(&self, sandbank: &Sandbank) -> Vec<(String, String)> {
        self.key
            .authentication(&self.client_id, &sandbank.issuer, now())
    }

    /// Pushes an authorization request for accounts and balances, with transactions through
    /// `authorization_details`, and no `login_hint`: the customer signs in on the page.
    async fn push(&self, sandbank: &Sandbank) -> Pushed {
        let verifier = random();
        let state = format!("state-{}", random());
        let details = json!([{"type": "account_information", "permissions": ["transactions"]}]);
        let mut form: Vec<(String, String)> = [
            ("response_type", "code"),
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("scope", "openid accounts balances"),
            ("authorization_details", &details.to_string()),
            ("code_challenge", &sha256(&verifier)),
            ("code_challenge_method", "S256"),
            ("state", &state),
            ("nonce", &random()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        form.extend(self.authentication(sandbank));
        let response = self
            .http
            .post(sandbank.url("/par"))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, reqwest::StatusCode::CREATED, "{body}");
        Pushed {
            request_uri: body["request_uri"].as_str().unwrap().to_owned(),
            state,
            verifier,
        }
    }

    /// The URL the app sends the customer's browser to.
    fn authorize_url(&self, sandbank: &Sandbank, pushed: &Pushed) -> String {
        let mut url = url::Url::parse(&sandbank.url("/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", &self.client_id)
            .append_pair("request_uri", &pushed.request_uri);
        url.into()
    }

    /// Redeems a code for a DPoP-bound access token.
    async fn redeem(&self, sandbank: &Sandbank, code: &str, pushed: &Pushed) -> Value {
        let token_url = sandbank.url("/token");
        let mut form: Vec<(String, String)> = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &self.redirect_uri),
            ("code_verifier", &pushed.verifier),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        form.extend(self.authentication(sandbank));
        let response = self
            .http
            .post(&token_url)
            .header("DPoP", self.key.key.dpop("POST", &token_url, None, now()))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, reqwest::StatusCode::OK, "{body}");
        assert_eq!(body["token_type"], "DPoP");
        body
    }

    /// Starts a decoupled (CIBA) request for `login_hint`'s accounts; its `auth_req_id`.
    async fn backchannel(&self, sandbank: &Sandbank, login_hint: &str, binding: &str) -> String {
        let mut form: Vec<(String, String)> = [
            ("scope", "openid accounts"),
            ("login_hint", login_hint),
            ("binding_message", binding),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        form.extend(self.authentication(sandbank));
        let response = self
            .http
            .post(sandbank.url("/backchannel"))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, reqwest::StatusCode::OK, "{body}");
        body["auth_req_id"].as_str().unwrap().to_owned()
    }

    /// Polls `/token` for a decoupled request once: the status and the body.
    async fn poll(&self, sandbank: &Sandbank, auth_req_id: &str) -> (u16, Value) {
        let token_url = sandbank.url("/token");
        let mut form: Vec<(String, String)> = [
            ("grant_type", "urn:openid:params:grant-type:ciba"),
            ("auth_req_id", auth_req_id),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        form.extend(self.authentication(sandbank));
        let response = self
            .http
            .post(&token_url)
            .header("DPoP", self.key.key.dpop("POST", &token_url, None, now()))
            .form(&form)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// The status of `GET path` with this access token.
    async fn status_of(&self, sandbank: &Sandbank, access_token: &str, path: &str) -> u16 {
        let url = sandbank.url(path);
        self.http
            .get(&url)
            .header("Authorization", format!("DPoP {access_token}"))
            .header(
                "DPoP",
                self.key.key.dpop("GET", &url, Some(access_token), now()),
            )
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// The account ids `GET /accounts` shows to this access token.
    async fn shared_accounts(&self, sandbank: &Sandbank, access_token: &str) -> BTreeSet<String> {
        let url = sandbank.url("/accounts");
        let response = self
            .http
            .get(&url)
            .header("Authorization", format!("DPoP {access_token}"))
            .header(
                "DPoP",
                self.key.key.dpop("GET", &url, Some(access_token), now()),
            )
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, reqwest::StatusCode::OK, "{body}");
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|account| account["accountId"].as_str().unwrap().to_owned())
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Browser helpers.

/// Waits until the browser is at a URL starting with `prefix`; returns that URL.
async fn wait_for_url(browser: &Client, prefix: &str) -> url::Url {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let url = browser.current_url().await.unwrap();
        if url.as_str().starts_with(prefix) {
            return url;
        }
        assert!(
            Instant::now() < deadline,
            "the browser stayed at {url}, expected {prefix}…"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text_of(browser: &Client, css: &str) -> String {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Saves a screenshot of the current page as `target/browser/{name}.png`.
async fn screenshot(browser: &Client, name: &str) {
    let dir = target_dir().join("browser");
    std::fs::create_dir_all(&dir).unwrap();
    let png = browser.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Checks what every page promises: a language, a title, no script and nothing loaded from
/// anywhere (not even from the server itself: the styles are inline).
async fn check_page_basics(browser: &Client, title: &str) {
    let html = browser.find(Locator::Css("html")).await.unwrap();
    assert_eq!(html.attr("lang").await.unwrap().as_deref(), Some("en"));
    let page_title = browser.title().await.unwrap();
    assert!(page_title.contains(title), "title: {page_title}");
    let scripts = browser.find_all(Locator::Css("script")).await.unwrap();
    assert!(scripts.is_empty(), "a page has a <script>");
    let resources = browser
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(resources, json!([]), "the page loaded other resources");
}

/// On the login page: fills in and submits the form.
async fn sign_in(browser: &Client, username: &str, password: &str) {
    let user = browser.find(Locator::Id("username")).await.unwrap();
    user.clear().await.unwrap();
    user.send_keys(username).await.unwrap();
    let secret = browser.find(Locator::Id("password")).await.unwrap();
    secret.clear().await.unwrap();
    secret.send_keys(password).await.unwrap();
    browser
        .find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The query of a URL as a map.
fn query(url: &url::Url) -> HashMap<String, String> {
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The flows.

struct World {
    sandbank: Sandbank,
    app: App,
    target: RedirectTarget,
}

/// Wrong password, then alice signs in, shares all accounts but one and approves; the app's
/// access token.
async fn approve_flow(browser: &Client, world: &mut World) -> String {
    let World {
        sandbank,
        app,
        target,
    } = world;
    let pushed = app.push(sandbank).await;
    browser
        .goto(&app.authorize_url(sandbank, &pushed))
        .await
        .unwrap();

    // The login page: labelled fields, the app's name, nothing from elsewhere.
    check_page_basics(browser, "Sign in").await;
    assert_eq!(text_of(browser, "h1").await, "Sign in to Sandbank");
    assert!(text_of(browser, "main").await.contains(CLIENT_NAME));
    assert_eq!(text_of(browser, "label[for=username]").await, "Username");
    assert_eq!(text_of(browser, "label[for=password]").await, "Password");
    let password = browser.find(Locator::Id("password")).await.unwrap();
    assert_eq!(
        password.attr("type").await.unwrap().as_deref(),
        Some("password")
    );
    screenshot(browser, "login").await;

    // A wrong password: the login page again with an error, no redirect, no code.
    sign_in(browser, "alice", "not-the-password").await;
    let alert = browser
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css("[role=alert]"))
        .await
        .unwrap();
    assert!(
        alert.text().await.unwrap().contains("not right"),
        "{}",
        alert.text().await.unwrap()
    );
    let url = browser.current_url().await.unwrap();
    assert!(url.as_str().starts_with(&sandbank.issuer), "{url}");
    assert!(!url.as_str().contains("code="), "{url}");
    assert!(target.hits.try_recv().is_err(), "the client was called");
    assert!(browser.find(Locator::Id("password")).await.is_ok());
    // The username typed is kept; the field points at the error for screen readers.
    let username = browser.find(Locator::Id("username")).await.unwrap();
    assert_eq!(
        username.prop("value").await.unwrap().as_deref(),
        Some("alice")
    );
    assert_eq!(
        username.attr("aria-describedby").await.unwrap().as_deref(),
        Some("login-error")
    );
    screenshot(browser, "login-error").await;

    // The right password: the consent page names the app and says what it asks for in words.
    sign_in(browser, "alice", PASSWORD).await;
    browser
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css("input[name=account]"))
        .await
        .unwrap();
    check_page_basics(browser, "Allow access").await;
    assert_eq!(
        text_of(browser, "h1").await,
        format!("{CLIENT_NAME} asks for access")
    );
    let main = text_of(browser, "main").await;
    assert!(main.contains("Alice Carter"), "{main}");
    let asks: Vec<String> = {
        let mut asks = Vec::new();
        for item in browser.find_all(Locator::Css("main li")).await.unwrap() {
            asks.push(item.text().await.unwrap());
        }
        asks
    };
    for expected in [
        "Confirm who you are (your customer id)",
        "See your account details (names, numbers, type)",
        "See your account balances",
        "On the accounts you choose: See your transactions",
    ] {
        assert!(asks.iter().any(|a| a == expected), "{expected} in {asks:?}");
    }
    assert_eq!(
        text_of(browser, "fieldset legend").await,
        "Accounts to share"
    );

    // Every account is offered, ticked, and named by its label; untick the second.
    let boxes = browser
        .find_all(Locator::Css("input[type=checkbox][name=account]"))
        .await
        .unwrap();
    assert!(boxes.len() >= 3, "alice has several accounts");
    let mut offered = Vec::new();
    for checkbox in &boxes {
        assert!(checkbox.is_selected().await.unwrap());
        let labelled = browser
            .execute(
                "return arguments[0].labels.length === 1 && arguments[0].labels[0].textContent.trim().length > 0;",
                vec![serde_json::to_value(checkbox).unwrap()],
            )
            .await
            .unwrap();
        assert_eq!(labelled, json!(true), "an account checkbox has no label");
        offered.push(checkbox.attr("value").await.unwrap().unwrap());
    }
    boxes[1].click().await.unwrap();
    assert!(!boxes[1].is_selected().await.unwrap());
    let chosen: BTreeSet<String> = offered
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, id)| id.clone())
        .collect();
    screenshot(browser, "consent").await;

    // Approve: the browser lands on the client's redirect URI with code, state and iss.
    browser
        .find(Locator::Css("button[name=decision][value=approve]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let landed = wait_for_url(browser, &app.redirect_uri).await;
    let params = query(&landed);
    assert_eq!(params["iss"], sandbank.issuer);
    assert_eq!(params["state"], pushed.state);
    assert!(!params.contains_key("error"), "{landed}");
    let code = params["code"].clone();
    let hit = tokio::time::timeout(PATIENCE, target.hits.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(hit.contains(&format!("code={code}")), "{hit}");

    // The app redeems the code; only the ticked accounts are shared.
    let tokens = app.redeem(sandbank, &code, &pushed).await;
    let shared = app
        .shared_accounts(sandbank, tokens["access_token"].as_str().unwrap())
        .await;
    assert_eq!(shared, chosen);
    assert!(!shared.contains(&offered[1]));
    tokens["access_token"].as_str().unwrap().to_owned()
}

/// alice signs in and denies: access_denied back to the app, with iss and state, no code.
async fn deny_flow(browser: &Client, world: &mut World) {
    let World {
        sandbank,
        app,
        target,
    } = world;
    let pushed = app.push(sandbank).await;
    browser
        .goto(&app.authorize_url(sandbank, &pushed))
        .await
        .unwrap();
    sign_in(browser, "alice", PASSWORD).await;
    let deny = browser
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css("button[name=decision][value=deny]"))
        .await
        .unwrap();
    deny.click().await.unwrap();
    let landed = wait_for_url(browser, &app.redirect_uri).await;
    let params = query(&landed);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["iss"], sandbank.issuer);
    assert_eq!(params["state"], pushed.state);
    assert!(!params.contains_key("code"), "{landed}");
    let hit = tokio::time::timeout(PATIENCE, target.hits.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(hit.contains("error=access_denied"), "{hit}");
}

/// Clicks `element` (a link, or a form's button) and waits for the page the form leads to: until the
/// element is gone with the old page, then until the new page has its heading.
async fn click_and_wait(browser: &Client, element: fantoccini::elements::Element) {
    element.clone().click().await.unwrap();
    let deadline = Instant::now() + PATIENCE;
    while element.tag_name().await.is_ok() {
        assert!(Instant::now() < deadline, "the page did not change");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    browser
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css("h1"))
        .await
        .unwrap();
}

/// Clicks the button whose `aria-label` is `label`, and waits for the page it leads to.
async fn click_labelled(browser: &Client, label: &str) {
    let button = browser
        .find(Locator::Css(&format!("button[aria-label=\"{label}\"]")))
        .await
        .unwrap_or_else(|_| panic!("no button labelled {label}"));
    click_and_wait(browser, button).await;
}

/// The privacy dashboard: alice signs in, sees the app that just used her data and what it
/// did, stops sharing one account (the app's next read of it is 404), locks a card, and revokes
/// the grant (the app's next call is 401).
async fn dashboard_flow(browser: &Client, world: &mut World, access_token: &str) {
    let World { sandbank, app, .. } = world;
    let accounts: Vec<String> = app
        .shared_accounts(sandbank, access_token)
        .await
        .into_iter()
        .collect();
    let first = accounts[0].clone();
    assert_eq!(
        app.status_of(
            sandbank,
            access_token,
            &format!("/accounts/{first}/balances")
        )
        .await,
        200
    );

    browser.goto(&sandbank.url("/account")).await.unwrap();
    check_page_basics(browser, "Privacy dashboard").await;
    assert_eq!(text_of(browser, "h1").await, "Your privacy dashboard");
    sign_in(browser, "alice", PASSWORD).await;
    browser
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Id("apps"))
        .await
        .unwrap();
    check_page_basics(browser, "Privacy dashboard").await;
    let main = text_of(browser, "main").await;
    assert!(main.contains("Alice Carter"), "{main}");
    assert!(main.contains(CLIENT_NAME), "{main}");
    assert!(main.contains("See your account balances"), "{main}");
    assert!(!main.contains("Last used\nNot yet"), "{main}");
    screenshot(browser, "dashboard").await;

    // What the app did, newest first.
    let history = browser
        .find(Locator::LinkText(&format!(
            "What {CLIENT_NAME} did with your data"
        )))
        .await
        .unwrap();
    click_and_wait(browser, history).await;
    let table = browser
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css("table tbody"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let balances = table
        .find("List an account's balances")
        .expect("balances call");
    let listing = table
        .find("List the shared accounts")
        .expect("accounts call");
    assert!(balances < listing, "{table}");
    check_page_basics(browser, CLIENT_NAME).await;
    screenshot(browser, "dashboard-history").await;
    let back = browser
        .find(Locator::LinkText("Back to your privacy dashboard"))
        .await
        .unwrap();
    click_and_wait(browser, back).await;

    // Stop sharing the first account: the app's next read of it is refused.
    let stop = browser
        .find(Locator::Css("button[aria-label^=\"Stop sharing\"]"))
        .await
        .unwrap();
    let label = stop.attr("aria-label").await.unwrap().unwrap();
    click_labelled(browser, &label).await;
    let after = app.shared_accounts(sandbank, access_token).await;
    assert_eq!(after.len(), accounts.len() - 1, "{label}");
    let removed = accounts.iter().find(|a| !after.contains(*a)).unwrap();
    assert_eq!(
        app.status_of(sandbank, access_token, &format!("/accounts/{removed}"))
            .await,
        404
    );

    // Lock a card: the dashboard then offers to unlock it.
    let lock = browser
        .find(Locator::Css("button[aria-label^=\"Lock \"]"))
        .await
        .unwrap();
    let label = lock.attr("aria-label").await.unwrap().unwrap();
    click_labelled(browser, &label).await;
    let card = label.trim_start_matches("Lock ").to_owned();
    assert!(
        browser
            .find(Locator::Css(&format!(
                "button[aria-label=\"Unlock {card}\"]"
            )))
            .await
            .is_ok(),
        "{card} is locked"
    );

    // Revoke the grant: the app's next call is 401.
    click_labelled(browser, &format!("Revoke {CLIENT_NAME}'s access")).await;
    assert!(
        text_of(browser, "main")
            .await
            .contains("No app can reach your data.")
    );
    assert_eq!(
        app.status_of(sandbank, access_token, "/accounts").await,
        401
    );
    screenshot(browser, "dashboard-revoked").await;

    // A decoupled request: the app asks from the till, alice approves on the dashboard, the
    // app's next poll gets tokens.
    let auth_req_id = app.backchannel(sandbank, "alice", "TILL-4217").await;
    let (status, body) = app.poll(sandbank, &auth_req_id).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("authorization_pending"))
    );
    browser.goto(&sandbank.url("/account")).await.unwrap();
    let pending = browser
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Id("pending"))
        .await
        .unwrap();
    assert_eq!(pending.text().await.unwrap(), "Requests waiting for you");
    assert_eq!(text_of(browser, "strong.binding").await, "TILL-4217");
    screenshot(browser, "dashboard-ciba").await;
    let approve = browser
        .find(Locator::Css("section.app form button.primary"))
        .await
        .unwrap();
    click_and_wait(browser, approve).await;
    assert!(browser.find(Locator::Id("pending")).await.is_err());
    // The app waits out the interval before it polls again.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (status, tokens) = app.poll(sandbank, &auth_req_id).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "DPoP");
    let token = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.status_of(sandbank, token, "/accounts").await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persona_signs_in_chooses_accounts_and_approves_or_denies_in_chromium() {
    let Some((chromium, chromedriver)) = browser_tools() else {
        return;
    };
    let sandbank = Sandbank::start().await;
    let target = RedirectTarget::start().await;
    let app = App::register(&sandbank, &target.uri).await;
    let mut world = World {
        sandbank,
        app,
        target,
    };
    let browser = Browser::start(&chromium, &chromedriver).await;

    // The flows run in a task so that the browser session is closed even when one fails.
    let session = browser.client.clone();
    let outcome = tokio::spawn(async move {
        let access_token = approve_flow(&session, &mut world).await;
        deny_flow(&session, &mut world).await;
        dashboard_flow(&session, &mut world, &access_token).await;
    })
    .await;
    let _ = browser.client.clone().close().await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}
