//! FAPI.md A1, A2, E3: discovery metadata and the JWKS.

use serde_json::{Value, json};

use crate::harness::{REDIRECT_URI, new_key, oauth_error, start};

#[tokio::test]
async fn a1_both_metadata_documents_name_the_issuer_and_fapi_capabilities() {
    let ts = start().await;
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let response = ts.http.get(ts.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let m: Value = response.json().await.unwrap();
        assert_eq!(m["issuer"], ts.base);
        assert_eq!(m["pushed_authorization_request_endpoint"], ts.url("/par"));
        assert_eq!(m["authorization_endpoint"], ts.url("/authorize"));
        assert_eq!(m["token_endpoint"], ts.url("/token"));
        assert_eq!(m["userinfo_endpoint"], ts.url("/userinfo"));
        assert_eq!(m["require_pushed_authorization_requests"], true);
        assert_eq!(m["authorization_response_iss_parameter_supported"], true);
        assert_eq!(
            m["code_challenge_methods_supported"],
            serde_json::json!(["S256"])
        );
        assert_eq!(m["response_types_supported"], serde_json::json!(["code"]));
        for method in m["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
        {
            assert!(
                [
                    "private_key_jwt",
                    "tls_client_auth",
                    "self_signed_tls_client_auth"
                ]
                .contains(&method.as_str().unwrap())
            );
        }
        assert!(m["dpop_signing_alg_values_supported"].is_array());
        for (name, values) in m.as_object().unwrap() {
            if name.ends_with("_signing_alg_values_supported") {
                for alg in values.as_array().unwrap() {
                    assert!(
                        ["PS256", "ES256", "EdDSA"].contains(&alg.as_str().unwrap()),
                        "{name}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn a2_jwks_has_public_keys_only_with_kid_and_alg() {
    let ts = start().await;
    let jwks = ts.get_json::<Value>("/jwks").await;
    let keys = jwks["keys"].as_array().unwrap();
    assert!(keys.len() >= 2);
    for key in keys {
        assert!(key["kid"].is_string());
        assert!(key["alg"].is_string() || key["use"].is_string());
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(key.get(private).is_none(), "private material {private}");
        }
        match key["kty"].as_str().unwrap() {
            "RSA" => {
                let n = base64::Engine::decode(
                    &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                    key["n"].as_str().unwrap(),
                )
                .unwrap();
                assert!(n.len() * 8 >= 2048);
            }
            "EC" => assert_eq!(key["crv"], "P-256"),
            other => panic!("unexpected key type {other}"),
        }
    }
}

#[tokio::test]
async fn e3_metadata_lists_authorization_details_types() {
    let ts = start().await;
    let m: Value = ts
        .http
        .get(ts.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let types = m["authorization_details_types_supported"]
        .as_array()
        .unwrap();
    assert!(types.contains(&Value::from("account_information")));
}

/// Issue 20 item 9: discovery advertises exactly the grants `/token` serves. A client
/// registers for every advertised grant (so registration accepts them all), and each one sent
/// to `/token` is answered by that grant's own rules, never `unsupported_grant_type`; a grant
/// the server lacks is `unsupported_grant_type`, at registration too.
#[tokio::test]
async fn discovery_lists_exactly_the_grants_the_token_endpoint_accepts() {
    let ts = start().await;
    let metadata = ts
        .get_json::<Value>("/.well-known/openid-configuration")
        .await;
    let advertised = metadata["grant_types_supported"].clone();
    assert!(!advertised.as_array().unwrap().is_empty());
    let client = ts
        .register(json!({"grant_types": advertised, "backchannel_token_delivery_mode": "poll"}))
        .await;
    for grant in advertised.as_array().unwrap() {
        let grant = grant.as_str().unwrap();
        let response = ts
            .post_form("/token", &client, &[("grant_type", grant)], None)
            .await;
        let (status, error) = oauth_error(response).await;
        assert_eq!(status, 400, "{grant}");
        assert_ne!(error, "unsupported_grant_type", "{grant}");
    }
    for missing in ["password", "urn:ietf:params:oauth:grant-type:device_code"] {
        let response = ts
            .post_form("/token", &client, &[("grant_type", missing)], None)
            .await;
        assert_eq!(oauth_error(response).await.1, "unsupported_grant_type");
        let refused = ts
            .http
            .post(ts.url("/register"))
            .json(&json!({
                "redirect_uris": [REDIRECT_URI],
                "jwks": {"keys": [new_key().public_jwk()]},
                "grant_types": [missing],
            }))
            .send()
            .await
            .unwrap();
        let body: Value = refused.json().await.unwrap();
        let description = body["error_description"].as_str().unwrap_or_default();
        assert!(description.contains("not supported"), "{missing}: {body}");
    }
}
