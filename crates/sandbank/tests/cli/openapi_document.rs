//! What the OpenAPI document says about the whole server: security schemes and each
//! operation's requirement, error responses and their bodies, typed pages, and examples that
//! validate against their schemas.

use std::collections::BTreeSet;

use sandbank::openapi::document;
use sandbank_fapi::routes::discovery::SCOPES;
use sandbank_schemas::Permission;
use serde_json::{Value, json};

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

/// Every operation: (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                out.push((method.to_owned(), path.clone(), operation.clone()));
            }
        }
    }
    out
}

fn is_bank_api(operation: &Value) -> bool {
    let tag = operation["tags"][0].as_str().unwrap_or_default();
    ["accounts", "parties", "insurance", "cards", "payments"].contains(&tag)
}

#[test]
fn every_operation_is_named_summarised_tagged_and_says_who_may_call_it() {
    let doc = document().unwrap();
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    let mut ids = BTreeSet::new();
    for (method, path, operation) in operations(&doc) {
        let id = operation["operationId"].as_str().unwrap_or_default();
        assert!(
            ids.insert(id.to_owned()),
            "{method} {path}: operationId {id:?} again"
        );
        assert!(
            id.chars().next().is_some_and(|c| c.is_ascii_lowercase()),
            "{method} {path}: {id}"
        );
        let summary = operation["summary"].as_str().unwrap_or_default();
        assert!(
            !summary.is_empty() && !summary.contains('\n'),
            "{method} {path}: summary {summary:?}"
        );
        assert!(operation["tags"][0].is_string(), "{method} {path}: no tag");
        let security = operation["security"].as_array();
        let security = security.unwrap_or_else(|| panic!("{method} {path}: no security"));
        for requirement in security {
            for (scheme, scopes) in requirement.as_object().unwrap() {
                assert!(schemes.contains_key(scheme), "{method} {path}: {scheme}");
                for scope in scopes.as_array().unwrap() {
                    assert!(
                        SCOPES.contains(&scope.as_str().unwrap()),
                        "{method} {path}: {scope}"
                    );
                }
            }
        }
    }
}

#[test]
fn public_operations_say_so_and_protected_ones_name_their_scheme() {
    let doc = document().unwrap();
    let security_of = |method: &str, path: &str| doc["paths"][path][method]["security"].clone();
    for path in [
        "/health/live",
        "/schemas",
        "/registry/subjects",
        "/.well-known/openid-configuration",
        "/jwks",
        "/authorize",
    ] {
        assert_eq!(security_of("get", path), json!([]), "{path}");
    }
    assert_eq!(security_of("post", "/register"), json!([]));
    assert_eq!(
        security_of("get", "/register/{client_id}"),
        json!([{"registrationAccessToken": []}])
    );
    assert_eq!(
        security_of("post", "/token"),
        json!([{}, {"clientCertificate": []}])
    );
    assert_eq!(
        security_of("get", "/userinfo"),
        json!([{"oauth2": ["openid"]}, {"openIdConnect": ["openid"]}])
    );
}

/// Every bank-API operation needs exactly one permission, as an `oauth2` scope; its 403 names
/// it, and it takes the DPoP and FAPI request headers.
#[test]
fn every_bank_operation_names_its_one_permission() {
    let doc = document().unwrap();
    let mut seen = 0;
    for (method, path, operation) in operations(&doc).into_iter().filter(|o| is_bank_api(&o.2)) {
        seen += 1;
        let security = operation["security"].as_array().unwrap();
        assert_eq!(security.len(), 1, "{method} {path}");
        let scopes = security[0]["oauth2"].as_array().unwrap();
        assert_eq!(scopes.len(), 1, "{method} {path}");
        let scope = scopes[0].as_str().unwrap();
        let permission: Result<Permission, _> = serde_json::from_value(json!(scope));
        assert!(permission.is_ok(), "{method} {path}: {scope}");
        let forbidden = operation["responses"]["403"]["description"]
            .as_str()
            .unwrap();
        assert!(forbidden.contains(&format!("`{scope}`")), "{method} {path}");
        let headers: Vec<(&str, &Value)> = operation["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "header")
            .map(|p| (p["name"].as_str().unwrap(), &p["schema"]))
            .collect();
        // Each with the format the server checks (issue 20 item 8), not a bare string.
        for (header, format) in [
            ("DPoP", "pattern"),
            ("x-fapi-interaction-id", "pattern"),
            ("x-fapi-auth-date", "pattern"),
            ("x-fapi-customer-ip-address", "anyOf"),
        ] {
            let schema = headers.iter().find(|(name, _)| *name == header);
            let schema = schema
                .unwrap_or_else(|| panic!("{method} {path}: {header}"))
                .1;
            assert!(
                schema.get(format).is_some(),
                "{method} {path}: {header} {schema}"
            );
        }
    }
    assert!(seen >= 14, "{seen} bank operations");
}

#[test]
fn the_oauth2_scheme_has_the_authorization_servers_urls_and_scopes() {
    let doc = document().unwrap();
    let schemes = &doc["components"]["securitySchemes"];
    let oauth2 = &schemes["oauth2"];
    assert_eq!(oauth2["type"], "oauth2");
    let code = &oauth2["flows"]["authorizationCode"];
    assert_eq!(code["authorizationUrl"], "/authorize");
    assert_eq!(code["tokenUrl"], "/token");
    assert_eq!(code["refreshUrl"], "/token");
    let scopes: BTreeSet<&str> = code["scopes"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(scopes, SCOPES.iter().copied().collect());
    assert_eq!(
        code["scopes"]["transactions"],
        sandbank_fapi::scope::describe("transactions")
    );
    assert_eq!(oauth2["flows"]["clientCredentials"]["tokenUrl"], "/token");
    let description = oauth2["description"].as_str().unwrap();
    for words in [
        "Authorization: DPoP <token>",
        "`DPoP` header",
        "certificate",
    ] {
        assert!(description.contains(words), "{words}");
    }
    assert_eq!(
        schemes["openIdConnect"]["openIdConnectUrl"],
        "/.well-known/openid-configuration"
    );
    assert_eq!(schemes["clientCertificate"]["type"], "mutualTLS");
    assert_eq!(doc["servers"][0]["url"], sandbank::openapi::DEFAULT_SERVER);
}

/// Errors have the right body: OAuth endpoints (and the guard) the RFC 6749 `OAuthError`, the
/// rest RFC 9457 problems; 401s carry `WWW-Authenticate`; every body can be refused with 413.
#[test]
fn every_error_response_has_its_body_and_headers() {
    let doc = document().unwrap();
    let oauth = [
        "/register",
        "/register/{client_id}",
        "/par",
        "/backchannel",
        "/token",
        "/userinfo",
        "/introspect",
        "/revoke",
        "/grants/{grant_id}",
    ];
    let pages = ["/authorize", "/login", "/consent"];
    for (method, path, operation) in operations(&doc) {
        let responses = operation["responses"].as_object().unwrap();
        for (status, response) in responses {
            let where_ = format!("{method} {path} {status}");
            assert!(
                !response["description"].as_str().unwrap_or("").is_empty(),
                "{where_}"
            );
            let error = status.starts_with('4') || status.starts_with('5');
            // 413 comes from the body limit, before any handler; readiness answers `Health`.
            if !error || status == "413" || path.starts_with("/health") {
                continue;
            }
            let content = response["content"].as_object();
            let content = content.unwrap_or_else(|| panic!("{where_}: no body"));
            let schema_of = |media: &str| content.get(media).map(|c| c["schema"].clone());
            if oauth.contains(&path.as_str()) {
                assert_eq!(
                    schema_of("application/json"),
                    Some(json!({"$ref": "#/components/schemas/OAuthError"})),
                    "{where_}"
                );
            } else if pages.contains(&path.as_str())
                || path == "/account"
                || path.starts_with("/account/")
            {
                // The login and consent pages, and the privacy dashboard's.
                assert!(content.contains_key("text/html"), "{where_}");
            } else if path.starts_with("/registry") {
                // Confluent's own error body, as its clients expect.
                assert_eq!(
                    schema_of("application/vnd.schemaregistry.v1+json"),
                    Some(json!({"$ref": "#/components/schemas/ConfluentErrorMessage"})),
                    "{where_}"
                );
            } else if is_bank_api(&operation) && ["400", "401", "403"].contains(&status.as_str()) {
                // The guard answers OAuth errors; the bank's own 400s are problems.
                assert_eq!(
                    schema_of("application/json"),
                    Some(json!({"$ref": "#/components/schemas/OAuthError"})),
                    "{where_}"
                );
            } else {
                assert_eq!(
                    schema_of("application/problem+json"),
                    Some(json!({"$ref": "#/components/schemas/Problem"})),
                    "{where_}"
                );
            }
            if status == "401" {
                assert!(
                    response["headers"].get("WWW-Authenticate").is_some(),
                    "{where_}"
                );
            }
        }
        if operation.get("requestBody").is_some() {
            assert!(responses.contains_key("413"), "{method} {path}");
        }
        if is_bank_api(&operation) {
            for status in ["400", "401", "403", "500"] {
                assert!(responses.contains_key(status), "{method} {path} {status}");
            }
            for (status, response) in responses {
                assert!(
                    response["headers"].get("x-fapi-interaction-id").is_some(),
                    "{method} {path} {status}"
                );
            }
        }
    }
}

#[test]
fn the_authorization_servers_browser_endpoints_answer_html_and_redirects() {
    let doc = document().unwrap();
    let authorize = &doc["paths"]["/authorize"]["get"]["responses"];
    assert!(authorize["200"]["content"]["text/html"].is_object());
    assert!(authorize["303"]["headers"]["Location"].is_object());
    let consent = &doc["paths"]["/consent"]["post"];
    assert!(consent["responses"]["303"]["headers"]["Location"].is_object());
    let form = &consent["requestBody"]["content"]["application/x-www-form-urlencoded"];
    assert_eq!(form["schema"]["$ref"], "#/components/schemas/ConsentForm");
    let token = &doc["paths"]["/token"]["post"];
    let form = &token["requestBody"]["content"]["application/x-www-form-urlencoded"];
    assert_eq!(form["schema"]["$ref"], "#/components/schemas/TokenRequest");
    assert!(
        token["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "DPoP" && p["in"] == "header")
    );
    assert!(token["responses"]["400"]["headers"]["DPoP-Nonce"].is_object());
    let components = &doc["components"]["schemas"];
    for name in [
        "TokenRequest",
        "PushedAuthorizationRequest",
        "TokenQuestion",
        "OAuthError",
    ] {
        assert!(components[name].is_object(), "{name}");
    }
    assert_eq!(
        components["OAuthError"]["required"],
        json!(["error", "error_description"])
    );
}

/// Lists answer typed pages: `AccountPage` is the catalogue's `Page` with `Account` items.
#[test]
fn lists_answer_typed_pages() {
    let doc = document().unwrap();
    let schema = |path: &str| {
        doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            ["$ref"]
            .clone()
    };
    assert_eq!(
        schema("/accounts/{accountId}/transactions"),
        "#/components/schemas/TransactionPage"
    );
    assert_eq!(schema("/cards"), "#/components/schemas/CardPage");
    let page = &doc["components"]["schemas"]["TransactionPage"];
    assert_eq!(page["allOf"][0]["$ref"], "#/components/schemas/Page");
    assert_eq!(
        page["allOf"][1]["properties"]["data"]["items"]["$ref"],
        "#/components/schemas/Transaction"
    );
}

/// The examples (from the default dataset on the bank API, written by hand elsewhere) each
/// validate against the schema next to them.
#[test]
fn every_example_validates_against_its_schema() {
    let doc = document().unwrap();
    let mut checked = 0;
    let mut bank_examples = BTreeSet::new();
    for (method, path, operation) in operations(&doc) {
        let mut media = Vec::new();
        if let Some(content) = operation["requestBody"]["content"].as_object() {
            media.extend(
                content
                    .iter()
                    .map(|(m, c)| (format!("request {m}"), c.clone())),
            );
        }
        for (status, response) in operation["responses"].as_object().unwrap() {
            if let Some(content) = response["content"].as_object() {
                media.extend(
                    content
                        .iter()
                        .map(|(m, c)| (format!("{status} {m}"), c.clone())),
                );
            }
        }
        for (what, content) in media {
            let Some(example) = content.get("example") else {
                continue;
            };
            let schema = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": doc["components"],
                "allOf": [content["schema"]],
            });
            let validator = jsonschema::validator_for(&schema).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(example)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .take(5)
                .collect();
            assert!(errors.is_empty(), "{method} {path} {what}: {errors:?}");
            checked += 1;
            if is_bank_api(&operation) {
                bank_examples.insert(operation["operationId"].as_str().unwrap().to_owned());
            }
        }
    }
    let bank: BTreeSet<String> = operations(&doc)
        .into_iter()
        .filter(|o| is_bank_api(&o.2))
        .map(|o| o.2["operationId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(bank_examples, bank, "every bank operation has an example");
    assert!(checked >= bank.len());
    let account = &doc["paths"]["/accounts/{accountId}"]["get"]["responses"]["200"]["content"]["application/json"]
        ["example"];
    assert_eq!(account["holders"][0]["name"], "Alice Carter");
}

/// Every member the discovery handler writes is described (with and without mutual TLS).
#[tokio::test]
async fn the_metadata_schema_describes_every_member() {
    let doc = document().unwrap();
    let schema = &doc["components"]["schemas"]["ServerMetadata"]["properties"];
    let state = sandbank::app::AppState::ephemeral().await.unwrap();
    let mut config = (*state.auth.config).clone();
    config.mtls_base = Some("https://127.0.0.1:8443".into());
    let mut with_mtls = state.auth.clone();
    with_mtls.config = std::sync::Arc::new(config);
    for server in [&state.auth, &with_mtls] {
        let metadata = sandbank_fapi::routes::discovery::metadata(server);
        for member in metadata.as_object().unwrap().keys() {
            assert!(schema.get(member).is_some(), "{member} is not documented");
        }
    }
}
