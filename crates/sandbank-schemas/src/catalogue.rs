//! The schema catalogue: every published schema with its name, version and generator.
//!
//! Bump a schema's `version` when its model changes: the minor version for a change that keeps
//! old documents valid, the major version for one that does not (the registry's compatibility
//! test enforces this). The previous version's file stays in `schemas/` as a frozen record.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};
use serde_json::{Map, Value};

use crate::{
    Account, AccountParty, AuthorizationDetail, Balance, Card, CardControlsUpdate, ClaimRequest,
    Consent, Holding, InsuranceClaim, InsurancePolicy, Page, Party, Payment, PaymentEvent,
    PaymentRequest, Problem, Statement, Transaction,
};

/// Where every schema `$id` starts. The host is a reserved example domain: identifiers are
/// names, not addresses, and resolve inside the registry without any network access.
pub const SCHEMA_ID_BASE: &str = "https://sandbank.example/schemas/";

/// The JSON Schema dialect every document declares.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// One published schema.
#[derive(Debug, Clone, Copy)]
pub struct SchemaDef {
    /// Kebab-case name, e.g. `insurance-policy`.
    pub name: &'static str,
    /// Semantic version of the current model.
    pub version: &'static str,
    /// Human title.
    pub title: &'static str,
    generate: fn() -> Schema,
}

impl SchemaDef {
    /// The document's `$id`.
    pub fn id(&self) -> String {
        format!("{SCHEMA_ID_BASE}{}/{}.json", self.name, self.version)
    }

    /// Path of the document relative to the `schemas/` folder.
    pub fn path(&self) -> String {
        format!("{}/{}.json", self.name, self.version)
    }

    /// The JSON Schema 2020-12 document, self-contained (`$defs`), with `$schema`, `$id` and
    /// `title` first.
    pub fn document(&self) -> Value {
        let generated = (self.generate)().to_value();
        let mut document = Map::new();
        document.insert("$schema".into(), Value::from(DIALECT));
        document.insert("$id".into(), Value::from(self.id()));
        document.insert("title".into(), Value::from(self.title));
        if let Value::Object(fields) = generated {
            for (key, value) in fields {
                if !matches!(key.as_str(), "$schema" | "$id" | "title") {
                    document.insert(key, value);
                }
            }
        }
        Value::Object(document)
    }
}

fn generate<T: JsonSchema>() -> Schema {
    SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>()
}

macro_rules! def {
    ($name:literal, $version:literal, $title:literal, $ty:ty) => {
        SchemaDef {
            name: $name,
            version: $version,
            title: $title,
            generate: generate::<$ty>,
        }
    };
}

const CATALOGUE: &[SchemaDef] = &[
    def!("account", "1.1.0", "Account", Account),
    def!("balance", "1.0.0", "Balance", Balance),
    def!("transaction", "1.0.0", "Transaction", Transaction),
    def!("statement", "1.0.0", "Statement", Statement),
    def!("holding", "1.0.0", "Investment holding", Holding),
    def!(
        "insurance-policy",
        "1.0.0",
        "Insurance policy",
        InsurancePolicy
    ),
    def!(
        "insurance-claim",
        "2.0.0",
        "Insurance claim",
        InsuranceClaim
    ),
    def!(
        "insurance-claim-request",
        "1.0.0",
        "Insurance claim request (first notice of loss)",
        ClaimRequest
    ),
    def!("card", "1.0.0", "Card", Card),
    def!(
        "card-controls-update",
        "1.0.0",
        "Card controls update",
        CardControlsUpdate
    ),
    def!("party", "1.0.0", "Party", Party),
    def!(
        "account-party",
        "1.0.0",
        "Account party relationship",
        AccountParty
    ),
    def!(
        "payment-request",
        "2.0.0",
        "Payment request",
        PaymentRequest
    ),
    def!("payment", "2.0.0", "Payment", Payment),
    def!(
        "payment-event",
        "1.0.0",
        "Payment status change",
        PaymentEvent
    ),
    def!("consent", "2.1.0", "Consent", Consent),
    def!(
        "authorization-detail",
        "2.1.0",
        "Authorization detail (RFC 9396)",
        AuthorizationDetail
    ),
    def!("page", "1.0.0", "Page of a list", Page<serde_json::Value>),
    def!("problem", "1.0.0", "Problem details (RFC 9457)", Problem),
];

/// Every current schema, in a fixed order.
pub fn catalogue() -> &'static [SchemaDef] {
    CATALOGUE
}

/// The current schema of that name.
pub fn find(name: &str) -> Option<&'static SchemaDef> {
    CATALOGUE.iter().find(|def| def.name == name)
}
