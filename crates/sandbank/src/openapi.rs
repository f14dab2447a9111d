//! The OpenAPI 3.1 document of the whole server: assembled from the documented routes
//! ([`crate::app::api`]: health, the registry, the authorization server and the bank API), with
//! component schemas taken from the JSON Schemas (one derive engine, no drift), response
//! examples taken from the default dataset, and written to `openapi/sandbank.json` and its YAML
//! twin `openapi/sandbank.yaml`.
//!
//! What each route documents is its own (see `sandbank_api::openapi` for the bank API's
//! convention); what holds for every operation of the app is added here, in one place:
//!
//! - an operation that declares no security is public, and says so with `security: []`;
//! - an operation that takes a body can be refused with 413 (the request size limit);
//! - a registry write may need the registry key ([`crate::registry_key`]).

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use sandbank_registry::Registry;
use sandbank_registry::openapi::{ComponentConflict, dangling_refs, fill_components};
use serde_json::{Map, Value, json};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{InfoBuilder, LicenseBuilder, ServerBuilder};

use crate::app::{Health, api};

/// Where the document is committed, relative to the repository root.
pub const DOCUMENT_PATH: &str = "openapi/sandbank.json";

/// The server the document describes: `sandbank serve` with its defaults. The issuer, and so
/// every link in the examples, is this URL.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// The HTTP methods an OpenAPI path item can hold operations for.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Why the document could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum OpenApiError {
    /// Two schemas claim the same component name.
    #[error(transparent)]
    Conflict(#[from] ComponentConflict),
    /// A reference points at no component.
    #[error("the OpenAPI document refers to missing components: {0:?}")]
    Dangling(Vec<String>),
    /// The default dataset could not be generated for the examples.
    #[error("the default dataset could not be generated for the examples: {0}")]
    Dataset(#[from] sandbank_synth::SynthError),
    /// Serialization failed.
    #[error("could not serialize the OpenAPI document: {0}")]
    Json(#[from] serde_json::Error),
    /// YAML serialization failed.
    #[error("could not write the OpenAPI document as YAML: {0}")]
    Yaml(#[from] yaml_serde::Error),
}

/// The OpenAPI document as JSON. Assembled once per process (it depends on nothing but the
/// code and the default dataset) and cloned after that.
pub fn document() -> Result<Value, OpenApiError> {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    if let Some(document) = DOCUMENT.get() {
        return Ok(document.clone());
    }
    let document = assemble()?;
    Ok(DOCUMENT.get_or_init(|| document).clone())
}

fn assemble() -> Result<Value, OpenApiError> {
    let mut openapi = api(Arc::new(Registry::in_memory())).into_openapi();
    openapi.info = InfoBuilder::new()
        .title("Sandbank")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "A mock bank for open-finance developers, in one binary. This document covers all \
             of it: the bank API (accounts, balances, transactions, statements, holdings, \
             parties, insurance and cards, behind the FAPI 2.0 guard), the FAPI 2.0 \
             authorization server (discovery, JWKS, dynamic client registration, PAR, the \
             login and consent pages, tokens, userinfo, introspection and revocation), the \
             JSON schema registry (Sandbank's own API under /schemas and a Confluent Schema \
             Registry-compatible API under /registry), the sandbox control API under /sandbox (for \
             test suites, behind the admin key) and the health checks.\n\n\
             Examples are real answers from the default dataset (seed 42): alice's and ivan's \
             data, as `sandbank serve` on its default address gives them.",
        ))
        .license(Some(
            LicenseBuilder::new()
                .name("Apache-2.0")
                .identifier(Some("Apache-2.0"))
                .build(),
        ))
        .build();
    openapi.servers = Some(vec![
        ServerBuilder::new()
            .url(DEFAULT_SERVER)
            .description(Some(
                "`sandbank serve` with its defaults. Relative URLs in this document (the OAuth \
                 endpoints of the security schemes) are on this server.",
            ))
            .build(),
    ]);
    openapi.tags = Some(
        TAGS.iter()
            .map(|(name, description)| {
                TagBuilder::new()
                    .name(*name)
                    .description(Some(*description))
                    .build()
            })
            .collect(),
    );
    let mut value = serde_json::to_value(&openapi)?;
    let mut components = sandbank_registry::http::components()?;
    components.add_type::<Health>("Health")?;
    crate::sandbox::add_components(&mut components)?;
    fill_components(&mut value, &components);
    for operation in operations_mut(&mut value) {
        mark_public(operation);
    }
    document_body_limit(&mut value);
    crate::registry_key::document(&mut value);
    add_examples(&mut value)?;
    let dangling = dangling_refs(&value);
    if !dangling.is_empty() {
        return Err(OpenApiError::Dangling(dangling));
    }
    Ok(value)
}

/// The tags, in the order readers meet them.
const TAGS: [(&str, &str); 15] = [
    (
        "accounts",
        "The bank API: accounts and what hangs off them — balances, transactions, statements, \
         holdings, parties. Behind the FAPI 2.0 guard: DPoP- or certificate-bound access \
         tokens (see the `oauth2` security scheme), each operation needing one permission.",
    ),
    (
        "parties",
        "The bank API: the customer who granted the token.",
    ),
    (
        "insurance",
        "The bank API: insurance policies and their claims.",
    ),
    ("cards", "The bank API: payment cards."),
    (
        "payments",
        "The bank API: payments made under a payment_initiation consent, their lifecycle and \
         their status changes.",
    ),
    (
        "discovery",
        "The authorization server's metadata and signing keys.",
    ),
    (
        "registration",
        "Dynamic client registration (RFC 7591) and its management (RFC 7592).",
    ),
    (
        "authorization",
        "The authorization flow: pushed authorization requests, then the customer's browser at \
         /authorize, the login page and the consent page.",
    ),
    (
        "tokens",
        "Tokens: the token endpoint, userinfo, introspection and revocation.",
    ),
    (
        "grants",
        "Grant Management for OAuth 2.0: a client reads or revokes one of its grants at \
         /grants/{grant_id}, with an access token carrying grant_management_query or \
         grant_management_revoke.",
    ),
    (
        "schemas",
        "Sandbank's schema registry: catalogue, documents, validation and compatibility.",
    ),
    (
        "confluent",
        "Confluent Schema Registry-compatible API for JSON schemas, under /registry.",
    ),
    (
        "sandbox",
        "The sandbox control API, for test suites: reset, clock, personas, customers, pending \
         consents. Every operation needs the admin key of the ready line.",
    ),
    (
        "privacy",
        "The customer's privacy dashboard at /account: server-rendered pages (no scripts) where a \
         customer signs in, sees every app holding a grant and what it did, takes accounts out \
         of a grant, revokes it, and locks cards. Every form carries a CSRF token.",
    ),
    ("health", "Liveness and readiness."),
];

/// Every operation object of the document.
fn operations_mut(document: &mut Value) -> impl Iterator<Item = &mut Map<String, Value>> {
    document
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .flat_map(item_operations)
}

/// The operation objects of one path item.
fn item_operations(item: &mut Value) -> impl Iterator<Item = &mut Map<String, Value>> {
    item.as_object_mut()
        .into_iter()
        .flat_map(|item| item.iter_mut())
        .filter(|(method, _)| METHODS.contains(&method.as_str()))
        .filter_map(|(_, operation)| operation.as_object_mut())
}

/// An operation that declares no security, or only the anonymous alternative, is public:
/// `security: []`, so a reader (and Redocly's `security-defined`) sees that it is meant.
fn mark_public(operation: &mut Map<String, Value>) {
    let anonymous_only = match operation.get("security") {
        None => true,
        Some(Value::Array(requirements)) => requirements.iter().all(|r| r == &json!({})),
        Some(_) => false,
    };
    if anonymous_only {
        operation.insert("security".into(), json!([]));
    }
}

/// Every body is read under the app's request size limit; a larger one is refused with 413, in
/// the error format of its endpoint (`crate::body_limit`).
fn document_body_limit(document: &mut Value) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let family = crate::errors::Family::of(path);
        let (media, schema) = (family.media_type(), family.schema_name());
        let response = json!({
            "description": "The request body is larger than the server accepts (`serve --max-body-bytes`, 1 MiB by default).",
            "content": { media: { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
        });
        let operations =
            item_operations(item).filter(|operation| operation.contains_key("requestBody"));
        for operation in operations {
            if let Some(Value::Object(responses)) = operation.get_mut("responses") {
                responses.entry("413").or_insert_with(|| response.clone());
            }
        }
    }
}

/// Puts each bank-API example from the default dataset on its operation's 200 response.
fn add_examples(document: &mut Value) -> Result<(), OpenApiError> {
    let examples = sandbank_api::examples::examples(DEFAULT_SERVER, &example_customers()?);
    for operation in operations_mut(document) {
        let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        let Some(example) = examples.iter().find(|e| e.operation_id == id) else {
            continue;
        };
        let content = operation
            .get_mut("responses")
            .and_then(|responses| responses.pointer_mut("/200/content/application~1json"))
            .and_then(Value::as_object_mut);
        if let Some(content) = content {
            content.insert("example".into(), example.body.clone());
        }
    }
    let written = sandbank_api::payments::examples(DEFAULT_SERVER)
        .into_iter()
        .chain(sandbank_api::claims::examples());
    for (id, status, body) in written {
        let operation = operations_mut(document)
            .into_iter()
            .find(|o| o.get("operationId").and_then(Value::as_str) == Some(id));
        let content = operation
            .and_then(|o| o.get_mut("responses"))
            .and_then(|r| r.pointer_mut(&format!("/{status}/content/application~1json")))
            .and_then(Value::as_object_mut);
        if let Some(content) = content {
            content.insert("example".into(), body);
        }
    }
    Ok(())
}

/// The bundles of the default dataset the examples come from: alice, ivan, and sam (the other
/// holder of alice's joint account). Personas are generated independently of each other and
/// of the rest of the dataset, so these are the default dataset's records.
fn example_customers() -> Result<Vec<sandbank_schemas::dataset::CustomerData>, OpenApiError> {
    let generator = sandbank_synth::Generator::new(sandbank_synth::Config::default())?;
    let wanted = [
        sandbank_api::examples::ALICE,
        "sam",
        sandbank_api::examples::IVAN,
    ];
    Ok(generator
        .personas()
        .iter()
        .enumerate()
        .filter(|(_, persona)| wanted.contains(&persona.username.as_str()))
        .filter_map(|(index, _)| generator.customer(index))
        .collect())
}

/// The committed JSON text: pretty JSON and a final newline.
pub fn render() -> Result<String, OpenApiError> {
    let mut text = serde_json::to_string_pretty(&document()?)?;
    text.push('\n');
    Ok(text)
}

/// The committed YAML twin: the same document.
pub fn render_yaml() -> Result<String, OpenApiError> {
    Ok(yaml_serde::to_string(&document()?)?)
}

/// Where the YAML twin of the JSON document at `json_path` lives: beside it, `.yaml`.
pub fn yaml_path(json_path: &Path) -> PathBuf {
    json_path.with_extension("yaml")
}

/// The files of the document at `json_path` and the text each must hold: the JSON document and
/// its YAML twin.
pub fn files(json_path: &Path) -> Result<[(PathBuf, String); 2], OpenApiError> {
    Ok([
        (json_path.to_owned(), render()?),
        (yaml_path(json_path), render_yaml()?),
    ])
}

/// Whether the files at `json_path` (and its YAML twin) hold exactly what [`files`] says; for
/// each that does not, its path and a unified diff (empty when the file is missing).
pub fn check(json_path: &Path) -> Result<Vec<(PathBuf, String)>, OpenApiError> {
    let mut stale = Vec::new();
    for (path, want) in files(json_path)? {
        match std::fs::read_to_string(&path) {
            Ok(have) if have == want => {}
            Ok(have) => {
                let diff = similar::TextDiff::from_lines(&have, &want)
                    .unified_diff()
                    .context_radius(2)
                    .header("committed", "generated")
                    .to_string();
                stale.push((path, diff));
            }
            Err(_) => stale.push((path, String::new())),
        }
    }
    Ok(stale)
}
