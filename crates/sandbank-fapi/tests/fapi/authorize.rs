//! FAPI.md A9, A14, A15, A16 (state) and the login and consent pages.

use reqwest::StatusCode;
use sandbank_fapi::state::kinds;
use sandbank_schemas::consent::{Consent, ConsentStatus};
use serde_json::json;

use crate::harness::{
    PASSWORD, REDIRECT_URI, TestServer, location, new_key, new_pkce, start, start_with,
};

/// An HTML page the authorization server answered with.
pub struct Page {
    pub status: StatusCode,
    pub cookie: Option<String>,
    pub html: String,
}

pub async fn page(response: reqwest::Response) -> Page {
    assert!(
        response.headers().get("location").is_none(),
        "an error page must not redirect"
    );
    let status = response.status();
    let cookie = response
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    Page {
        status,
        cookie,
        html: response.text().await.unwrap(),
    }
}

/// The values of `<input name="{name}" value="…">`.
pub fn inputs(html: &str, name: &str) -> Vec<String> {
    let needle = format!("name=\"{name}\" value=\"");
    html.match_indices(&needle)
        .map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

/// Logs in on the login page of `request_uri`; returns the consent page, the cookie and the
/// interaction id.
pub async fn log_in(
    ts: &TestServer,
    client_id: &str,
    request_uri: &str,
    password: &str,
) -> (Page, String, String) {
    let login = page(ts.get_authorize(client_id, request_uri).await).await;
    assert_eq!(login.status, StatusCode::OK);
    let cookie = login.cookie.clone().unwrap();
    let interaction = inputs(&login.html, "interaction").remove(0);
    let response = ts
        .http
        .post(ts.url("/login"))
        .header("Cookie", &cookie)
        .form(&[
            ("interaction", interaction.as_str()),
            ("username", "alice"),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    (page(response).await, cookie, interaction)
}

pub async fn consent(
    ts: &TestServer,
    cookie: &str,
    interaction: &str,
    accounts: &[String],
    decision: &str,
) -> reqwest::Response {
    let mut form = vec![("interaction", interaction), ("decision", decision)];
    for account in accounts {
        form.push(("account", account.as_str()));
    }
    ts.http
        .post(ts.url("/consent"))
        .header("Cookie", cookie)
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a9_authorize_with_plain_query_parameters_is_an_error_page() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let pkce = new_pkce();
    let response = ts
        .http
        .get(ts.url("/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", client.client_id.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("scope", "accounts"),
            ("code_challenge", pkce.challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    let error = page(response).await;
    assert_eq!(error.status, StatusCode::BAD_REQUEST);
    assert!(error.html.contains("PAR"));
    let bare = page(ts.http.get(ts.url("/authorize")).send().await.unwrap()).await;
    assert_eq!(bare.status, StatusCode::BAD_REQUEST);
    let unknown = page(
        ts.get_authorize(&client.client_id, "urn:ietf:params:oauth:request_uri:nope")
            .await,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a14_request_uri_of_client_a_used_with_client_b_is_an_error() {
    let ts = start().await;
    let a = ts.auto_client().await;
    let b = ts.auto_client().await;
    let request_uri = ts.push(&a, &new_pkce(), &[], None).await;
    let error = page(ts.get_authorize(&b.client_id, &request_uri).await).await;
    assert_eq!(error.status, StatusCode::BAD_REQUEST);
    assert!(error.html.contains("another app"));
    // Still good for A.
    location(&ts.get_authorize(&a.client_id, &request_uri).await);
}

#[tokio::test]
async fn a14_expired_request_uri_is_an_error() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let request_uri = ts.push(&client, &new_pkce(), &[], None).await;
    ts.server.clock.advance(chrono::Duration::seconds(91));
    let error = page(ts.get_authorize(&client.client_id, &request_uri).await).await;
    assert_eq!(error.status, StatusCode::BAD_REQUEST);
    assert!(error.html.contains("expired"));
}

#[tokio::test]
async fn a14_request_uri_reused_after_the_user_finished_is_an_error() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let request_uri = ts.push(&client, &new_pkce(), &[], None).await;
    location(&ts.get_authorize(&client.client_id, &request_uri).await);
    let error = page(ts.get_authorize(&client.client_id, &request_uri).await).await;
    assert_eq!(error.status, StatusCode::BAD_REQUEST);
    assert!(error.html.contains("already been completed"));
}

#[tokio::test]
async fn a14_request_uri_reloaded_before_the_user_finished_still_works() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let request_uri = ts.push(&client, &new_pkce(), &[], None).await;
    let first = page(ts.get_authorize(&client.client_id, &request_uri).await).await;
    assert_eq!(first.status, StatusCode::OK);
    // Past the request_uri's 90 s: a customer on the page may take longer than that.
    ts.server.clock.advance(chrono::Duration::seconds(120));
    let (consent_page, cookie, interaction) =
        log_in(&ts, &client.client_id, &request_uri, PASSWORD).await;
    assert_eq!(consent_page.status, StatusCode::OK);
    let accounts = inputs(&consent_page.html, "account");
    let done = consent(&ts, &cookie, &interaction, &accounts, "approve").await;
    assert!(location(&done).contains_key("code"));
    // And once finished, the same request_uri is spent.
    let error = page(ts.get_authorize(&client.client_id, &request_uri).await).await;
    assert_eq!(error.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a15_success_and_errors_are_303_with_iss_and_state_only_when_sent() {
    let ts = start().await;
    let auto = ts.auto_client().await;
    let with_state = ts.push(&auto, &new_pkce(), &[("state", "s-1")], None).await;
    let response = ts.get_authorize(&auto.client_id, &with_state).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let query = location(&response);
    assert_eq!(query["iss"], ts.base);
    assert_eq!(query["state"], "s-1");
    assert!(query["code"].len() >= 43);

    let without_state = ts.push(&auto, &new_pkce(), &[("state", "")], None).await;
    let query = location(&ts.get_authorize(&auto.client_id, &without_state).await);
    assert_eq!(query["iss"], ts.base);
    assert!(!query.contains_key("state"));
    assert!(query.contains_key("code"));

    // access_denied from the consent page carries iss (and state) too.
    let client = ts.register(json!({})).await;
    let request_uri = ts
        .push(&client, &new_pkce(), &[("state", "s-2")], None)
        .await;
    let (_, cookie, interaction) = log_in(&ts, &client.client_id, &request_uri, PASSWORD).await;
    let denied = consent(&ts, &cookie, &interaction, &[], "deny").await;
    let query = location(&denied);
    assert_eq!(query["error"], "access_denied");
    assert_eq!(query["iss"], ts.base);
    assert_eq!(query["state"], "s-2");
    assert!(!query.contains_key("code"));
}

#[tokio::test]
async fn a16_long_state_is_echoed_intact() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let state: String = "a&b=c+d/é ü%20?#".repeat(120);
    let request_uri = ts
        .push(&client, &new_pkce(), &[("state", &state)], None)
        .await;
    let query = location(&ts.get_authorize(&client.client_id, &request_uri).await);
    assert_eq!(query["state"], state);
}

#[tokio::test]
async fn wrong_password_shows_the_login_page_again_with_an_error_and_no_code() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let request_uri = ts.push(&client, &new_pkce(), &[], None).await;
    let (again, _, _) = log_in(&ts, &client.client_id, &request_uri, "wrong").await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.html.contains("role=\"alert\""));
    assert!(again.html.contains("not right"));
    assert!(again.html.contains("name=\"password\""));
    // Accessible without scripts or outside assets: labelled fields, a language, no <script>.
    assert!(again.html.contains("<html lang=\"en\">"));
    assert!(again.html.contains("<label for=\"username\">"));
    assert!(again.html.contains("<label for=\"password\">"));
    assert!(
        !again.html.contains("<script")
            && !again.html.contains("http://")
            && !again.html.contains("https://")
    );
    assert!(inputs(&again.html, "account").is_empty());
}

#[tokio::test]
async fn the_consent_page_names_the_app_and_what_it_asks_and_grants_only_the_chosen_accounts() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let details =
        json!([{"type": "account_information", "permissions": ["transactions"]}]).to_string();
    let pkce = new_pkce();
    let request_uri = ts
        .push(
            &client,
            &pkce,
            &[
                ("scope", "openid accounts balances"),
                ("authorization_details", &details),
            ],
            None,
        )
        .await;
    let (consent_page, cookie, interaction) =
        log_in(&ts, &client.client_id, &request_uri, PASSWORD).await;
    let html = &consent_page.html;
    assert!(html.contains("<html lang=\"en\">"));
    assert!(
        html.contains("Budget Buddy &lt;test&gt;"),
        "the app name is escaped"
    );
    assert!(html.contains("See your account balances"));
    assert!(html.contains("See your account details"));
    assert!(html.contains("On the accounts you choose: See your transactions"));
    assert!(html.contains("<label"));
    assert!(!html.contains("<script"));
    let accounts = inputs(html, "account");
    assert!(accounts.len() >= 2, "alice has several accounts");

    // Approving with no account is refused on the page.
    let none = page(consent(&ts, &cookie, &interaction, &[], "approve").await).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert!(none.html.contains("Choose at least one account"));

    let chosen = vec![accounts[0].clone()];
    let query = location(&consent(&ts, &cookie, &interaction, &chosen, "approve").await);
    let key = new_key();
    let response = ts.redeem(&client, &query["code"], &pkce, &key).await;
    let tokens: serde_json::Value = response.json().await.unwrap();
    let grant: Consent = ts
        .server
        .read(kinds::GRANT, tokens["grant_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grant.status, ConsentStatus::Active);
    let granted: Vec<String> = grant
        .account_ids
        .iter()
        .map(|a| a.as_str().to_owned())
        .collect();
    assert_eq!(granted, chosen);
    assert_eq!(
        tokens["authorization_details"][0]["accounts"],
        json!(chosen)
    );
}

#[tokio::test]
async fn login_and_consent_posts_without_the_interaction_cookie_are_refused() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let request_uri = ts.push(&client, &new_pkce(), &[], None).await;
    let login = page(ts.get_authorize(&client.client_id, &request_uri).await).await;
    let interaction = inputs(&login.html, "interaction").remove(0);
    let response = ts
        .http
        .post(ts.url("/login"))
        .form(&[
            ("interaction", interaction.as_str()),
            ("username", "alice"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let refused = page(response).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let response = ts
        .http
        .post(ts.url("/consent"))
        .header("Cookie", "sandbank_interaction=forged")
        .form(&[
            ("interaction", interaction.as_str()),
            ("decision", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page(response).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn server_wide_auto_consent_grants_everything_asked_on_all_the_customers_accounts() {
    let ts = start_with("sqlite::memory:", |c| c.auto_consent = true).await;
    let client = ts.register(json!({})).await;
    let key = new_key();
    let tokens = ts.tokens(&client, &key).await;
    let grant: Consent = ts
        .server
        .read(kinds::GRANT, tokens["grant_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    let alice = ts
        .server
        .store
        .customer_by_username("alice")
        .await
        .unwrap()
        .unwrap();
    let all = ts
        .server
        .store
        .accounts_of_party(&alice.party_id)
        .await
        .unwrap();
    assert_eq!(grant.customer_id, alice.party_id);
    assert_eq!(grant.account_ids.len(), all.len());
    assert_eq!(grant.client_id.as_str(), client.client_id);
    // Without a known login_hint the pages are shown.
    let request_uri = ts
        .push(&client, &new_pkce(), &[("login_hint", "nobody")], None)
        .await;
    let login = page(ts.get_authorize(&client.client_id, &request_uri).await).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.html.contains("value=\"nobody\""));
}
