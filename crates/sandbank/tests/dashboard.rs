//! The privacy dashboard (`/account`) over real sockets, as a browser without scripts uses it:
//! cookies kept by hand, forms posted with the CSRF token the page carries, redirects read
//! rather than followed. The apps are test-kit clients doing the real FAPI flow; what the
//! dashboard changes is checked through those apps' own next calls.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use sandbank_testkit::{Sandbox, Session, TestClient};
use serde_json::Value;

/// A browser: its cookies, no redirects followed.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
}

/// A page as the browser got it.
struct Page {
    status: StatusCode,
    location: Option<String>,
    html: String,
}

impl Page {
    /// The CSRF token of the page's first form.
    fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.html.find(marker).expect("a form with a CSRF token") + marker.len();
        let end = self.html[start..].find('"').unwrap() + start;
        self.html[start..end].to_owned()
    }
}

impl Browser {
    fn new(sandbox: &Sandbox) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: sandbox.url().trim_end_matches('/').to_owned(),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn keep(&mut self, response: reqwest::Response) -> Page {
        for cookie in response.headers().get_all(SET_COOKIE) {
            let cookie = cookie.to_str().unwrap();
            let (pair, attributes) = cookie.split_once(';').unwrap_or((cookie, ""));
            let (name, value) = pair.split_once('=').unwrap();
            assert!(attributes.contains("HttpOnly"), "{cookie}");
            assert!(attributes.contains("SameSite=Lax"), "{cookie}");
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Page {
            status: response.status(),
            location: response
                .headers()
                .get(LOCATION)
                .map(|l| l.to_str().unwrap().to_owned()),
            html: response.text().await.unwrap(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(response).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep(response).await
    }

    /// Signs in as `username` through the sign-in page; the dashboard.
    async fn sign_in(&mut self, username: &str, password: &str) -> Page {
        let login = self.get("/account").await;
        assert_eq!(login.status, StatusCode::OK);
        assert!(login.html.contains("Sign in"), "{}", login.html);
        let csrf = login.csrf();
        let signed_in = self
            .post(
                "/account/login",
                &[
                    ("csrf", csrf.as_str()),
                    ("username", username),
                    ("password", password),
                ],
            )
            .await;
        assert_eq!(
            signed_in.status,
            StatusCode::SEE_OTHER,
            "{}",
            signed_in.html
        );
        assert_eq!(signed_in.location.as_deref(), Some("/account"));
        self.get("/account").await
    }
}

async fn sandbox() -> Sandbox {
    Sandbox::builder()
        .dataset(sandbank_synth::Config {
            customers: 2,
            months: 2,
            ..sandbank_synth::Config::default()
        })
        .start()
        .await
        .unwrap()
}

async fn app(sandbox: &Sandbox, name: &str) -> TestClient {
    sandbox
        .register_client()
        .client_name(name)
        .send()
        .await
        .unwrap()
}

async fn login(client: &TestClient, username: &str) -> Session {
    client
        .login_as(username)
        .with_scopes(["accounts", "transactions"])
        .await
        .unwrap()
}

async fn status(session: &Session, path: &str) -> StatusCode {
    session.get(path).await.unwrap().status()
}

async fn first_accounts(session: &Session) -> Vec<String> {
    let accounts: Value = session
        .get("/accounts")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    accounts["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["accountId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_customer_signs_in_and_sees_the_app_and_what_it_did() {
    let sandbox = sandbox().await;
    let budget = app(&sandbox, "Budget Buddy").await;
    let alice = login(&budget, "alice").await;
    let accounts = first_accounts(&alice).await;
    let account = &accounts[0];
    let path = format!("/accounts/{account}/transactions?pageSize=3");
    assert_eq!(status(&alice, &path).await, StatusCode::OK);

    let mut browser = Browser::new(&sandbox);
    // A wrong password: the sign-in page again, no session.
    let login_page = browser.get("/account").await;
    let wrong = browser
        .post(
            "/account/login",
            &[
                ("csrf", login_page.csrf().as_str()),
                ("username", "alice"),
                ("password", "not-it"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert!(wrong.html.contains("not right"));
    assert!(!browser.cookies.contains_key("sandbank_account"));

    let dashboard = browser.sign_in("alice", sandbox.password()).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(
        dashboard.html.contains("Budget Buddy"),
        "{}",
        dashboard.html
    );
    assert!(dashboard.html.contains("See your transactions"));
    assert!(!dashboard.html.contains("Last used</dt><dd>Not yet"));
    assert!(dashboard.html.contains("Stop sharing"));

    let history = browser
        .get(&format!("/account/apps/{}", budget.client_id()))
        .await;
    assert_eq!(history.status, StatusCode::OK);
    let transactions = history
        .html
        .find("List an account&#x27;s transactions")
        .expect("the transactions call");
    let listing = history
        .html
        .find("List the shared accounts")
        .expect("the accounts call");
    assert!(transactions < listing, "newest first");
    assert!(history.html.contains("Answered"));
}

#[tokio::test]
async fn forms_without_the_csrf_token_change_nothing() {
    let sandbox = sandbox().await;
    let budget = app(&sandbox, "Budget Buddy").await;
    let alice = login(&budget, "alice").await;
    let grant = alice.grant_id().unwrap().to_owned();

    // Sign-in without the form's token, or with another one, is refused.
    let mut browser = Browser::new(&sandbox);
    browser.get("/account").await;
    for csrf in [None, Some("forged")] {
        let mut form = vec![("username", "alice"), ("password", sandbox.password())];
        if let Some(csrf) = csrf {
            form.push(("csrf", csrf));
        }
        let refused = browser.post("/account/login", &form).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(!browser.cookies.contains_key("sandbank_account"));
    }

    browser.sign_in("alice", sandbox.password()).await;
    let revoke = format!("/account/grants/{grant}/revoke");
    assert_eq!(
        browser.post(&revoke, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        browser.post(&revoke, &[("csrf", "forged")]).await.status,
        StatusCode::FORBIDDEN
    );
    // A form from another browser's session carries that session's token, not this one's.
    let mut other = Browser::new(&sandbox);
    let other_csrf = other.sign_in("alice", sandbox.password()).await.csrf();
    assert_eq!(
        browser.post(&revoke, &[("csrf", &other_csrf)]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(status(&alice, "/accounts").await, StatusCode::OK);
}

#[tokio::test]
async fn another_customers_grant_or_card_is_refused() {
    let sandbox = sandbox().await;
    let budget = app(&sandbox, "Budget Buddy").await;
    let sam = login(&budget, "sam").await;
    let sams_grant = sam.grant_id().unwrap().to_owned();
    let sams_account = first_accounts(&sam).await.remove(0);
    let sam_id = sandbox.party_id("sam").await.unwrap();
    let sams_card = sandbox.store().cards_of_party(&sam_id).await.unwrap();

    let mut browser = Browser::new(&sandbox);
    let csrf = browser.sign_in("alice", sandbox.password()).await.csrf();
    assert!(!browser.get("/account").await.html.contains(&sams_grant));
    let refused = browser
        .post(
            &format!("/account/grants/{sams_grant}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let refused = browser
        .post(
            &format!("/account/grants/{sams_grant}/remove-account"),
            &[("csrf", &csrf), ("account", &sams_account)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    if let Some(card) = sams_card.first() {
        let refused = browser
            .post(
                &format!("/account/cards/{}/lock", card.card_id.as_str()),
                &[("csrf", &csrf), ("locked", "true")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        let stored = sandbox.store().card(&card.card_id).await.unwrap().unwrap();
        assert_eq!(stored.controls.locked, card.controls.locked);
    }
    // Sam's app still reaches Sam's data, and Alice's history does not show it.
    assert_eq!(status(&sam, "/accounts").await, StatusCode::OK);
    let history = browser
        .get(&format!("/account/apps/{}", budget.client_id()))
        .await;
    assert!(history.html.contains("has not reached your data yet"));
}

#[tokio::test]
async fn removing_an_account_then_revoking_the_grant_cut_the_app_off() {
    let sandbox = sandbox().await;
    let budget = app(&sandbox, "Budget Buddy").await;
    let alice = login(&budget, "alice").await;
    let grant = alice.grant_id().unwrap().to_owned();
    let accounts = first_accounts(&alice).await;
    assert!(accounts.len() >= 2, "alice has several accounts");
    let (removed, kept) = (&accounts[0], &accounts[1]);

    let mut browser = Browser::new(&sandbox);
    let csrf = browser.sign_in("alice", sandbox.password()).await.csrf();
    let done = browser
        .post(
            &format!("/account/grants/{grant}/remove-account"),
            &[("csrf", &csrf), ("account", removed)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        status(&alice, &format!("/accounts/{removed}")).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status(&alice, &format!("/accounts/{kept}")).await,
        StatusCode::OK
    );
    assert!(!first_accounts(&alice).await.contains(removed));

    let done = browser
        .post(
            &format!("/account/grants/{grant}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(status(&alice, "/accounts").await, StatusCode::UNAUTHORIZED);
    let dashboard = browser.get("/account").await;
    assert!(dashboard.html.contains("No app can reach your data."));
    // Revoked: a form naming it again changes nothing.
    let again = browser
        .post(
            &format!("/account/grants/{grant}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_card_is_locked_and_unlocked_from_the_dashboard() {
    let sandbox = sandbox().await;
    let alice_id = sandbox.party_id("alice").await.unwrap();
    let cards = sandbox.store().cards_of_party(&alice_id).await.unwrap();
    let card = cards
        .iter()
        .find(|c| !c.controls.locked && format!("{:?}", c.status) == "Active")
        .expect("alice has an active card");

    let mut browser = Browser::new(&sandbox);
    let csrf = browser.sign_in("alice", sandbox.password()).await.csrf();
    let lock = format!("/account/cards/{}/lock", card.card_id.as_str());
    let bad = browser
        .post(&lock, &[("csrf", &csrf), ("locked", "maybe")])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let done = browser
        .post(&lock, &[("csrf", &csrf), ("locked", "true")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let stored = sandbox.store().card(&card.card_id).await.unwrap().unwrap();
    assert!(stored.controls.locked);
    assert_eq!(format!("{:?}", stored.status), "Locked");
    assert!(browser.get("/account").await.html.contains("Unlock"));
    browser
        .post(&lock, &[("csrf", &csrf), ("locked", "false")])
        .await;
    let stored = sandbox.store().card(&card.card_id).await.unwrap().unwrap();
    assert!(!stored.controls.locked);
    assert_eq!(format!("{:?}", stored.status), "Active");
}

#[tokio::test]
async fn the_history_is_paged_newest_first() {
    let sandbox = sandbox().await;
    let budget = app(&sandbox, "Budget Buddy").await;
    let alice = login(&budget, "alice").await;
    let accounts = first_accounts(&alice).await;
    for _ in 0..24 {
        assert_eq!(
            status(&alice, &format!("/accounts/{}/transactions", accounts[0])).await,
            StatusCode::OK
        );
    }
    // 25 calls in all: a page of 20, then one of 5.
    let mut browser = Browser::new(&sandbox);
    browser.sign_in("alice", sandbox.password()).await;
    let first = browser
        .get(&format!("/account/apps/{}", budget.client_id()))
        .await;
    assert_eq!(first.html.matches("<td>Answered</td>").count(), 20);
    assert!(!first.html.contains("List the shared accounts"));
    let marker = "href=\"";
    let older = first
        .html
        .match_indices(marker)
        .map(|(i, _)| {
            let start = i + marker.len();
            &first.html[start..start + first.html[start..].find('"').unwrap()]
        })
        .find(|href| href.contains("before="))
        .expect("an Older link")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&");
    let second = browser.get(&older).await;
    assert_eq!(second.html.matches("<td>Answered</td>").count(), 5);
    assert!(second.html.contains("List the shared accounts"));
}

#[tokio::test]
async fn no_history_is_kept_when_it_is_off() {
    let sandbox = Sandbox::builder()
        .dataset(sandbank_synth::Config {
            customers: 2,
            months: 2,
            ..sandbank_synth::Config::default()
        })
        .access_history(false)
        .start()
        .await
        .unwrap();
    let budget = app(&sandbox, "Budget Buddy").await;
    let alice = login(&budget, "alice").await;
    first_accounts(&alice).await;
    let mut browser = Browser::new(&sandbox);
    let dashboard = browser.sign_in("alice", sandbox.password()).await;
    assert!(dashboard.html.contains("Budget Buddy"));
    assert!(dashboard.html.contains("Last used</dt><dd>Not yet"));
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let sandbox = sandbox().await;
    let mut browser = Browser::new(&sandbox);
    let csrf = browser.sign_in("alice", sandbox.password()).await.csrf();
    let session = browser.cookies["sandbank_account"].clone();
    let out = browser.post("/account/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(!browser.cookies.contains_key("sandbank_account"));
    assert!(browser.get("/account").await.html.contains("Sign in"));
    // The old cookie is dead on the server too.
    browser
        .cookies
        .insert("sandbank_account".to_owned(), session);
    assert!(browser.get("/account").await.html.contains("Sign in"));
    let refused = browser.post("/account/logout", &[("csrf", &csrf)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_sandbox_reset_drops_the_grants_and_their_history() {
    let sandbox = sandbox().await;
    let budget = app(&sandbox, "Budget Buddy").await;
    let alice = login(&budget, "alice").await;
    first_accounts(&alice).await;
    let alice_id = sandbox.party_id("alice").await.unwrap();
    sandbox.auth_server().access_log.flush().await;
    let before = sandbox
        .store()
        .accesses(alice_id.as_str(), budget.client_id(), None, 10)
        .await
        .unwrap();
    assert_eq!(before.len(), 1);

    sandbox.admin().reset().await.unwrap();
    let after = sandbox
        .store()
        .accesses(alice_id.as_str(), budget.client_id(), None, 10)
        .await
        .unwrap();
    assert!(after.is_empty(), "{after:?}");
    let mut browser = Browser::new(&sandbox);
    let dashboard = browser.sign_in("alice", sandbox.password()).await;
    assert!(dashboard.html.contains("No app can reach your data."));
}

#[tokio::test]
async fn a_decoupled_request_is_approved_on_the_dashboard_and_the_app_gets_tokens() {
    let sandbox = sandbox().await;
    let till = app(&sandbox, "Corner Shop Till").await;
    let pending = till
        .login_decoupled("alice")
        .with_scopes(["openid", "accounts"])
        .with_binding_message("TILL-4217")
        .start()
        .await
        .unwrap();
    assert!(pending.poll().await.unwrap().is_none());

    let mut browser = Browser::new(&sandbox);
    let dashboard = browser.sign_in("alice", sandbox.password()).await;
    assert!(dashboard.html.contains("Requests waiting for you"));
    assert!(dashboard.html.contains("Corner Shop Till asks for access"));
    assert!(dashboard.html.contains("TILL-4217"));
    let csrf = dashboard.csrf();
    let alice_accounts = sandbox.accounts_of("alice").await.unwrap();
    let chosen = alice_accounts[0].as_str().to_owned();
    let approve = format!(
        "/account/requests/{}/approve",
        url::form_urlencoded::byte_serialize(pending.auth_req_id().as_bytes()).collect::<String>()
    );
    // Without a CSRF token, or with no account ticked: nothing is decided.
    assert_eq!(
        browser.post(&approve, &[("account", &chosen)]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        browser.post(&approve, &[("csrf", &csrf)]).await.status,
        StatusCode::BAD_REQUEST
    );
    assert!(pending.poll().await.unwrap().is_none());

    let done = browser
        .post(&approve, &[("csrf", &csrf), ("account", &chosen)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let session = pending.wait().await.unwrap();
    assert_eq!(first_accounts(&session).await, vec![chosen]);
    let dashboard = browser.get("/account").await;
    assert!(!dashboard.html.contains("Requests waiting for you"));
    assert!(dashboard.html.contains("Corner Shop Till"));
    // Answered: a second decision is refused.
    assert_eq!(
        browser.post(&approve, &[("csrf", &csrf)]).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_decoupled_request_denied_on_the_dashboard_is_access_denied_and_others_cannot_answer_it()
{
    let sandbox = sandbox().await;
    let till = app(&sandbox, "Corner Shop Till").await;
    let pending = till
        .login_decoupled("alice")
        .with_scopes(["openid", "accounts"])
        .start()
        .await
        .unwrap();
    let id: String =
        url::form_urlencoded::byte_serialize(pending.auth_req_id().as_bytes()).collect();

    // Sam sees nothing of it and cannot answer it.
    let mut sam = Browser::new(&sandbox);
    let sams = sam.sign_in("sam", sandbox.password()).await;
    assert!(!sams.html.contains("Corner Shop Till"));
    let refused = sam
        .post(
            &format!("/account/requests/{id}/deny"),
            &[("csrf", &sams.csrf())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(pending.poll().await.unwrap().is_none());

    let mut alice = Browser::new(&sandbox);
    let csrf = alice.sign_in("alice", sandbox.password()).await.csrf();
    let done = alice
        .post(&format!("/account/requests/{id}/deny"), &[("csrf", &csrf)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    match pending.poll().await {
        Err(sandbank_testkit::Error::OAuth { error, .. }) => assert_eq!(error, "access_denied"),
        other => panic!("expected access_denied, got {other:?}"),
    }
}

/// FAPI.md D4: the grants Grant Management shows the app are the ones the customer sees and
/// revokes on the dashboard, and a grant the app revokes leaves the dashboard.
#[tokio::test]
async fn d4_the_customer_sees_and_revokes_the_grants_of_grant_management() {
    let sandbox = sandbox().await;
    let budget = app(&sandbox, "Budget Buddy").await;
    let scopes = [
        "accounts",
        "grant_management_query",
        "grant_management_revoke",
    ];
    let first = budget.login_as("alice").with_scopes(scopes).await.unwrap();
    let second = budget.login_as("alice").with_scopes(scopes).await.unwrap();
    let (kept, revoked) = (
        first.grant_id().unwrap().to_owned(),
        second.grant_id().unwrap().to_owned(),
    );
    let shown = first.grant().await.unwrap();
    assert_eq!(
        shown["scopes"][0]["scope"]
            .as_str()
            .map(|s| s.contains("accounts")),
        Some(true)
    );

    let mut browser = Browser::new(&sandbox);
    let dashboard = browser.sign_in("alice", sandbox.password()).await;
    assert!(dashboard.html.contains(&format!("/grants/{kept}/revoke")));
    assert!(
        dashboard
            .html
            .contains(&format!("/grants/{revoked}/revoke"))
    );

    // The app revokes one through Grant Management: it leaves the dashboard.
    second.revoke_grant().await.unwrap();
    let dashboard = browser.get("/account").await;
    assert!(
        !dashboard
            .html
            .contains(&format!("/grants/{revoked}/revoke"))
    );

    // The customer revokes the other on the dashboard: Grant Management no longer serves it.
    let done = browser
        .post(
            &format!("/account/grants/{kept}/revoke"),
            &[("csrf", &dashboard.csrf())],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(first.grant().await.is_err());
    assert_eq!(status(&first, "/accounts").await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_history_link_that_is_not_understood_shows_the_newest_entries() {
    let sandbox = sandbox().await;
    let budget = app(&sandbox, "Budget Buddy").await;
    let alice = login(&budget, "alice").await;
    first_accounts(&alice).await;
    let mut browser = Browser::new(&sandbox);
    browser.sign_in("alice", sandbox.password()).await;
    for before in ["9223372036854775808", "-1", "x", ""] {
        let page = browser
            .get(&format!(
                "/account/apps/{}?before={before}",
                budget.client_id()
            ))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{before}");
        assert!(page.html.contains("List the shared accounts"), "{before}");
    }
}

#[tokio::test]
async fn a_registered_logo_is_linked_and_never_loaded() {
    let sandbox = sandbox().await;
    let logo = "https://budget-buddy.example/logo.png";
    let budget = sandbox
        .register_client()
        .client_name("Budget Buddy")
        .metadata("logo_uri", logo)
        .send()
        .await
        .unwrap();
    login(&budget, "alice").await;
    let mut browser = Browser::new(&sandbox);
    let dashboard = browser.sign_in("alice", sandbox.password()).await;
    let escaped = logo.replace('/', "&#x2f;");
    assert!(
        dashboard.html.contains(&format!("<a href=\"{escaped}\"")),
        "{}",
        dashboard.html
    );
    assert!(!dashboard.html.contains("<img"));
    // Registration refuses a logo that is not https (or http on loopback).
    for bad in ["http://budget-buddy.example/logo.png", "not a url"] {
        let refused = sandbox
            .register_client()
            .metadata("logo_uri", bad)
            .send()
            .await;
        let Err(error) = refused else {
            panic!("{bad}: a bad logo_uri was registered");
        };
        let error = error.to_string();
        assert!(
            error.contains("invalid_client_metadata") && error.contains("logo_uri"),
            "{bad}: {error}"
        );
    }
}
