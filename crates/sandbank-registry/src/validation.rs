//! Compiled validators and the errors they report.

use serde::Serialize;
use serde_json::Value;

/// A schema that could not be compiled.
#[derive(Debug, thiserror::Error)]
#[error("invalid JSON Schema: {0}")]
pub struct SchemaError(String);

/// One reason an instance does not match a schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    /// JSON pointer (RFC 6901) to the offending part of the instance; `""` is the whole instance.
    pub instance_path: String,
    /// JSON pointer to the schema keyword that failed.
    pub schema_path: String,
    /// The failing keyword, e.g. `pattern`, `required`, `enum`.
    pub keyword: String,
    /// What went wrong, for a person.
    pub message: String,
}

/// A JSON Schema 2020-12 document compiled once, to validate many instances.
///
/// Formats (`date`, `date-time`, `email`...) are asserted, not only annotated: a transaction
/// dated `"yesterday"` is invalid. References never leave the document: every schema Sandbank
/// publishes is self-contained, and remote `$ref` fetching is compiled out.
#[derive(Debug)]
pub struct CompiledSchema {
    validator: jsonschema::Validator,
}

impl CompiledSchema {
    /// Compiles a schema document.
    pub fn compile(schema: &Value) -> Result<Self, SchemaError> {
        jsonschema::meta::validate(schema).map_err(|error| SchemaError(error.to_string()))?;
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(schema)
            .map_err(|error| SchemaError(error.to_string()))?;
        Ok(Self { validator })
    }

    /// Whether the instance is valid; faster than collecting issues.
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.validator.is_valid(instance)
    }

    /// Every issue with the instance, in document order; empty when it is valid.
    pub fn issues(&self, instance: &Value) -> Vec<Issue> {
        self.validator
            .iter_errors(instance)
            .map(|error| Issue {
                instance_path: error.instance_path().to_string(),
                schema_path: error.schema_path().to_string(),
                keyword: error.kind().keyword().to_owned(),
                message: error.to_string(),
            })
            .collect()
    }
}
