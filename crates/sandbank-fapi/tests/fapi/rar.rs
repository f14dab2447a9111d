//! FAPI.md E1, E2: rich authorization requests.

use reqwest::StatusCode;
use sandbank_fapi::state::kinds;
use sandbank_fapi::tokens::{TokenRecord, token_key};
use serde_json::{Value, json};

use crate::harness::{new_key, new_pkce, oauth_error, start};

#[tokio::test]
async fn e1_malformed_unknown_or_unregistered_authorization_details_are_refused() {
    let ts = start().await;
    let client = ts
        .register(json!({"authorization_details_types": ["account_information"]}))
        .await;
    let pkce = new_pkce();
    for (case, details) in [
        ("not JSON", "[{".to_owned()),
        ("not an array", json!({"type": "account_information"}).to_string()),
        ("no type", json!([{"permissions": ["accounts"]}]).to_string()),
        ("unknown type", json!([{"type": "crystal_ball"}]).to_string()),
        (
            "type not registered",
            json!([{"type": "payment_initiation", "instructedAmount": {"amount": "10.00", "currency": "GBP"},
                    "creditorName": "Bob", "creditorAccount": {"scheme": "IBAN", "identification": "GB33BUKB20201555555555"}}])
            .to_string(),
        ),
        (
            "malformed element",
            json!([{"type": "account_information", "permissions": ["telepathy"]}]).to_string(),
        ),
    ] {
        let response = ts
            .par(&client, &pkce, &[("authorization_details", &details)], None)
            .await;
        assert_eq!(
            oauth_error(response).await,
            (StatusCode::BAD_REQUEST, "invalid_authorization_details".to_owned()),
            "{case}"
        );
    }
}

#[tokio::test]
async fn e2_token_response_and_token_record_carry_the_granted_details() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let key = new_key();
    let alice = ts
        .server
        .store
        .customer_by_username("alice")
        .await
        .unwrap()
        .unwrap();
    let accounts = ts
        .server
        .store
        .accounts_of_party(&alice.party_id)
        .await
        .unwrap();
    let mine = accounts[0].account_id.as_str().to_owned();
    let details = json!([{
        "type": "account_information",
        "accounts": [mine, "acc-not-alices"],
        "permissions": ["balances", "transactions"],
    }])
    .to_string();
    let pkce = new_pkce();
    let code = ts
        .code(
            &client,
            &pkce,
            &[("scope", "openid"), ("authorization_details", &details)],
            None,
        )
        .await;
    let body: Value = ts
        .redeem(&client, &code, &pkce, &key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["authorization_details"],
        json!([{"type": "account_information", "accounts": [mine], "permissions": ["balances", "transactions"]}])
    );
    let record: TokenRecord = ts
        .server
        .read(
            kinds::ACCESS_TOKEN,
            &token_key(body["access_token"].as_str().unwrap()),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.accounts, vec![mine]);
    assert_eq!(
        serde_json::to_value(&record.permissions).unwrap(),
        json!(["balances", "transactions"])
    );
}

#[tokio::test]
async fn e2_the_consent_page_describes_a_payment_in_words_and_the_token_carries_it() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let details = json!([{
        "type": "payment_initiation",
        "instructedAmount": {"amount": "10.00", "currency": "GBP"},
        "creditorName": "Bob's <Bakery>",
        "creditorAccount": {"scheme": "SORT_CODE_ACCOUNT_NUMBER", "identification": "40000212345678"},
        "remittanceInformation": "Invoice 42",
    }])
    .to_string();
    let pkce = new_pkce();
    let request_uri = ts
        .push(
            &client,
            &pkce,
            &[("scope", "openid"), ("authorization_details", &details)],
            None,
        )
        .await;
    let (consent_page, cookie, interaction) = crate::authorize::log_in(
        &ts,
        &client.client_id,
        &request_uri,
        crate::harness::PASSWORD,
    )
    .await;
    assert!(
        consent_page.html.contains(
            "Pay £10.00 to Bob&#x27;s &lt;Bakery&gt; (account ending 5678) from the account you \
             choose today, reference Invoice 42"
        ),
        "{}",
        consent_page.html
    );
    // No account data is shared; the customer picks the account to pay from.
    assert!(crate::authorize::inputs(&consent_page.html, "account").is_empty());
    let payers = crate::authorize::inputs(&consent_page.html, "debtor_account");
    assert!(!payers.is_empty(), "{}", consent_page.html);
    // Approving without choosing one is refused on the page; the request stays open.
    let refused = crate::authorize::consent(&ts, &cookie, &interaction, &[], "approve").await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Choose the account to pay from")
    );
    let done = ts
        .http
        .post(ts.url("/consent"))
        .header("Cookie", &cookie)
        .form(&[
            ("interaction", interaction.as_str()),
            ("decision", "approve"),
            ("debtor_account", payers[0].as_str()),
        ])
        .send()
        .await
        .unwrap();
    let query = crate::harness::location(&done);
    let key = new_key();
    let body: Value = ts
        .redeem(&client, &query["code"], &pkce, &key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["authorization_details"][0]["type"],
        "payment_initiation"
    );
    assert_eq!(
        body["authorization_details"][0]["creditorName"],
        "Bob's <Bakery>"
    );
    assert_eq!(
        body["authorization_details"][0]["debtorAccount"],
        payers[0].as_str(),
        "the granted detail names the account chosen"
    );
}

#[tokio::test]
async fn e2_a_request_for_data_and_a_payment_needs_both_an_account_to_share_and_one_to_pay_from() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let details = json!([{
        "type": "payment_initiation",
        "instructedAmount": {"amount": "10.00", "currency": "GBP"},
        "creditorName": "Bob",
        "creditorAccount": {"scheme": "SORT_CODE_ACCOUNT_NUMBER", "identification": "40000212345678"},
    }])
    .to_string();
    let pkce = new_pkce();
    let request_uri = ts
        .push(
            &client,
            &pkce,
            &[
                ("scope", "openid accounts"),
                ("authorization_details", &details),
            ],
            None,
        )
        .await;
    let (page, cookie, interaction) = crate::authorize::log_in(
        &ts,
        &client.client_id,
        &request_uri,
        crate::harness::PASSWORD,
    )
    .await;
    let payers = crate::authorize::inputs(&page.html, "debtor_account");
    assert!(!crate::authorize::inputs(&page.html, "account").is_empty());
    // A payer but nothing shared: refused on the page, as a data request alone would be.
    let refused = ts
        .http
        .post(ts.url("/consent"))
        .header("Cookie", &cookie)
        .form(&[
            ("interaction", interaction.as_str()),
            ("decision", "approve"),
            ("debtor_account", payers[0].as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Choose at least one account to share")
    );
}
