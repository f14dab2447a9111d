//! The OpenAPI 3.1 document: assembled from the documented routes, with component schemas
//! taken from the JSON Schemas (one derive engine, no drift), and written to
//! `openapi/sandbank.json`.

use std::path::Path;

use sandbank_registry::openapi::{ComponentConflict, dangling_refs, fill_components};
use serde_json::Value;
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{InfoBuilder, LicenseBuilder};

use std::sync::Arc;

use sandbank_registry::Registry;

use crate::app::{Health, api};

/// Where the document is committed, relative to the repository root.
pub const DOCUMENT_PATH: &str = "openapi/sandbank.json";

/// Why the document could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum OpenApiError {
    /// Two schemas claim the same component name.
    #[error(transparent)]
    Conflict(#[from] ComponentConflict),
    /// A reference points at no component.
    #[error("the OpenAPI document refers to missing components: {0:?}")]
    Dangling(Vec<String>),
    /// Serialization failed.
    #[error("could not serialize the OpenAPI document: {0}")]
    Json(#[from] serde_json::Error),
}

/// The OpenAPI document as JSON.
pub fn document() -> Result<Value, OpenApiError> {
    let mut openapi = api(Arc::new(Registry::in_memory())).into_openapi();
    openapi.info = InfoBuilder::new()
        .title("Sandbank")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "A mock bank for open-finance developers. This document covers the JSON schema \
             registry (Sandbank's own API under /schemas and a Confluent Schema \
             Registry-compatible API under /registry), the bank API (accounts, balances, transactions, statements, holdings, \
             parties, insurance and cards, behind the FAPI 2.0 guard), the sandbox control API \
             under /sandbox (behind the admin key) and the health checks.",
        ))
        .license(Some(LicenseBuilder::new().name("Apache-2.0").build()))
        .build();
    openapi.tags = Some(vec![
        TagBuilder::new()
            .name("schemas")
            .description(Some(
                "Sandbank's schema registry: catalogue, documents, validation and compatibility.",
            ))
            .build(),
        TagBuilder::new()
            .name("confluent")
            .description(Some(
                "Confluent Schema Registry-compatible API for JSON schemas, under /registry.",
            ))
            .build(),
        TagBuilder::new()
            .name("accounts")
            .description(Some(
                "The bank API: accounts and what hangs off them — balances, transactions, \
                 statements, holdings, parties. Behind the FAPI 2.0 guard (DPoP- or \
                 certificate-bound access tokens).",
            ))
            .build(),
        TagBuilder::new()
            .name("parties")
            .description(Some("The bank API: the customer who granted the token."))
            .build(),
        TagBuilder::new()
            .name("insurance")
            .description(Some("The bank API: insurance policies and their claims."))
            .build(),
        TagBuilder::new()
            .name("cards")
            .description(Some("The bank API: payment cards."))
            .build(),
        TagBuilder::new()
            .name("sandbox")
            .description(Some(
                "The sandbox control API, for test suites: reset, clock, personas, customers, \
                 pending consents. Every operation needs the admin key of the ready line.",
            ))
            .build(),
        TagBuilder::new()
            .name("health")
            .description(Some("Liveness and readiness."))
            .build(),
    ]);
    let mut value = serde_json::to_value(&openapi)?;
    let mut components = sandbank_registry::http::components()?;
    components.add_type::<Health>("Health")?;
    crate::sandbox::add_components(&mut components)?;
    fill_components(&mut value, &components);
    let dangling = dangling_refs(&value);
    if !dangling.is_empty() {
        return Err(OpenApiError::Dangling(dangling));
    }
    Ok(value)
}

/// The committed text: pretty JSON and a final newline.
pub fn render() -> Result<String, OpenApiError> {
    let mut text = serde_json::to_string_pretty(&document()?)?;
    text.push('\n');
    Ok(text)
}

/// Whether the file at `path` holds exactly [`render`]'s text; `Err` with a unified diff
/// (empty when the file is missing) otherwise.
pub fn check(path: &Path) -> Result<Result<(), String>, OpenApiError> {
    let want = render()?;
    Ok(match std::fs::read_to_string(path) {
        Ok(have) if have == want => Ok(()),
        Ok(have) => Err(similar::TextDiff::from_lines(&have, &want)
            .unified_diff()
            .context_radius(2)
            .header("committed", "generated")
            .to_string()),
        Err(_) => Err(String::new()),
    })
}
