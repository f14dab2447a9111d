//! JSON request bodies, checked in the order a client can act on: the media type (415), then
//! the JSON itself, the catalogue schema the operation documents, and the model (400, every
//! error with a JSON pointer into the body). What the server accepts is what the published
//! schema says, and a field the model would silently drop is refused too: an ignored field
//! hides a client's mistake.

use std::sync::OnceLock;

use axum::http::{HeaderMap, header};
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use sandbank_schemas::ProblemError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::problem::ApiError;

/// `application/json`.
pub const JSON: &str = "application/json";
/// `application/merge-patch+json` (RFC 7396): a JSON object whose fields replace the
/// target's, `null` removing one.
pub const MERGE_PATCH_JSON: &str = "application/merge-patch+json";

/// Enumerations at most this long are spelled out in error details.
const ENUM_SHOWN: usize = 8;

/// A request body's schema from the catalogue, compiled on first use and kept.
#[derive(Debug)]
pub struct BodySchema {
    name: &'static str,
    validator: OnceLock<Option<Validator>>,
}

impl BodySchema {
    /// The catalogue schema `name` (e.g. `card-controls-update`), not compiled yet.
    pub const fn new(name: &'static str) -> Self {
        BodySchema {
            name,
            validator: OnceLock::new(),
        }
    }

    /// The compiled validator; an internal error when the catalogue lacks the schema or it does
    /// not compile (a bug, caught by the tests).
    fn validator(&self) -> Result<&Validator, ApiError> {
        self.validator
            .get_or_init(|| {
                let document = sandbank_schemas::catalogue::find(self.name)?.document();
                jsonschema::draft202012::options()
                    .should_validate_formats(true)
                    .build(&document)
                    .inspect_err(|error| tracing::error!(%error, schema = self.name, "body schema"))
                    .ok()
            })
            .as_ref()
            .ok_or_else(|| ApiError::Internal(format!("no body schema {}", self.name)))
    }
}

/// The body as a `T`: its media type must be one of `accepted` (else 415), and it must be JSON
/// valid under `schema` with no field `T` would drop (else 400 listing every error).
pub fn parse<T>(
    headers: &HeaderMap,
    body: &[u8],
    schema: &BodySchema,
    accepted: &'static [&'static str],
    instance: &str,
) -> Result<T, ApiError>
where
    T: DeserializeOwned + Serialize,
{
    if !media_type_is_one_of(headers, accepted) {
        return Err(ApiError::UnsupportedMediaType {
            instance: instance.to_owned(),
            accepted,
        });
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid_body(
            instance,
            "",
            "the body is empty; a JSON object is expected",
        ));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| ApiError::invalid_body(instance, "", format!("not JSON: {error}")))?;
    let mut errors = Vec::new();
    for error in schema.validator()?.iter_errors(&value) {
        describe(&error, &mut errors);
    }
    if errors.is_empty() {
        let parsed = T::deserialize(&value)
            .map_err(|error| ApiError::invalid_body(instance, "", error.to_string()))?;
        let kept =
            serde_json::to_value(&parsed).map_err(|error| ApiError::Internal(error.to_string()))?;
        dropped_fields(&value, &kept, "", &mut errors);
        if errors.is_empty() {
            return Ok(parsed);
        }
    }
    errors.dedup();
    Err(ApiError::InvalidBody {
        instance: instance.to_owned(),
        errors,
    })
}

/// Whether `Content-Type` names one of `accepted` (parameters such as `charset` aside).
fn media_type_is_one_of(headers: &HeaderMap, accepted: &[&str]) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|given| {
            accepted
                .iter()
                .any(|media_type| given.trim().eq_ignore_ascii_case(media_type))
        })
}

/// `pointer` with one more reference token, escaped (RFC 6901).
fn child(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", token.replace('~', "~0").replace('/', "~1"))
}

fn push(errors: &mut Vec<ProblemError>, pointer: impl Into<String>, detail: impl Into<String>) {
    errors.push(ProblemError {
        pointer: pointer.into(),
        detail: detail.into(),
    });
}

/// The JSON type(s) of a `type` error, `null` last ("boolean or null").
fn type_names(kind: &TypeKind) -> String {
    let mut names: Vec<&str> = match kind {
        TypeKind::Single(single) => vec![single.as_str()],
        TypeKind::Multiple(set) => set.iter().map(|one| one.as_str()).collect(),
    };
    names.sort_by_key(|name| *name == "null");
    names.join(" or ")
}

/// A schema value as a client would write it: strings bare, anything else as JSON.
fn shown(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

/// Whether a branch of `anyOf`/`oneOf` failed only because the value at `pointer` is of
/// another type or not the branch's constant: it says nothing about what is wrong inside a
/// value of the right kind.
fn only_wrong_kind(branch: &[ValidationError<'_>], pointer: &str) -> bool {
    branch.iter().all(|error| {
        error.instance_path().as_str() == pointer
            && matches!(
                error.kind(),
                ValidationErrorKind::Type { .. } | ValidationErrorKind::Constant { .. }
            )
    })
}

/// What a value matching none of the branches should have been, when no branch says more:
/// one of the constants, or of one of the types.
fn expected_kinds(context: &[Vec<ValidationError<'static>>]) -> String {
    let mut values: Vec<String> = Vec::new();
    let mut types: Vec<String> = Vec::new();
    for error in context.iter().flatten() {
        match error.kind() {
            ValidationErrorKind::Constant { expected_value } => values.push(shown(expected_value)),
            ValidationErrorKind::Type { kind } => types.push(type_names(kind)),
            _ => {}
        }
    }
    types.dedup();
    if values.is_empty() {
        format!("must be of type {}", types.join(" or "))
    } else {
        format!("must be one of {}", values.join(", "))
    }
}

/// One validation error as problem errors, in words a client developer reads: no echo of the
/// value (it may be large), the JSON pointer says where.
fn describe(error: &ValidationError<'_>, errors: &mut Vec<ProblemError>) {
    let at = error.instance_path().as_str();
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            for name in unexpected {
                push(errors, child(at, name), "unknown field");
            }
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            push(errors, child(at, name), "required");
        }
        ValidationErrorKind::Type { kind } => {
            push(errors, at, format!("must be of type {}", type_names(kind)));
        }
        ValidationErrorKind::Enum { options } => {
            let options = options.as_array().map(Vec::as_slice).unwrap_or_default();
            let detail = if options.len() <= ENUM_SHOWN {
                let names: Vec<String> = options.iter().map(shown).collect();
                format!("must be one of {}", names.join(", "))
            } else {
                format!(
                    "is not one of the {} values the schema lists",
                    options.len()
                )
            };
            push(errors, at, detail);
        }
        ValidationErrorKind::Pattern { pattern } => {
            push(errors, at, format!("must match the pattern {pattern}"));
        }
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            let telling: Vec<_> = context
                .iter()
                .filter(|branch| !only_wrong_kind(branch, at))
                .collect();
            if telling.is_empty() {
                push(errors, at, expected_kinds(context));
            } else {
                for error in telling.into_iter().flatten() {
                    describe(error, errors);
                }
            }
        }
        other => push(
            errors,
            at,
            format!("breaks the schema's `{}` rule", other.keyword()),
        ),
    }
}

/// Fields of `given` that are not in `kept` (the body as the model read it, written back):
/// fields the model ignores. A `null` counts as absent, as it does for the model.
fn dropped_fields(given: &Value, kept: &Value, at: &str, errors: &mut Vec<ProblemError>) {
    match (given, kept) {
        (Value::Object(given), Value::Object(kept)) => {
            for (name, value) in given {
                let pointer = child(at, name);
                match kept.get(name) {
                    Some(kept) => dropped_fields(value, kept, &pointer, errors),
                    None if value.is_null() => {}
                    None => push(errors, pointer, "unknown field"),
                }
            }
        }
        (Value::Array(given), Value::Array(kept)) => {
            for (index, (given, kept)) in given.iter().zip(kept).enumerate() {
                dropped_fields(given, kept, &child(at, &index.to_string()), errors);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use sandbank_schemas::CardControlsUpdate;
    use serde_json::json;

    use super::*;

    static SCHEMA: BodySchema = BodySchema::new("card-controls-update");

    fn json_headers(content_type: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers
    }

    /// The (pointer, detail) pairs of parsing `body`, or none when it parses.
    fn errors(body: Value) -> Vec<(String, String)> {
        let headers = json_headers(JSON);
        match parse::<CardControlsUpdate>(
            &headers,
            body.to_string().as_bytes(),
            &SCHEMA,
            &[JSON],
            "/x",
        ) {
            Ok(_) => Vec::new(),
            Err(ApiError::InvalidBody { errors, .. }) => errors
                .into_iter()
                .map(|error| (error.pointer, error.detail))
                .collect(),
            Err(other) => panic!("{other:?}"),
        }
    }

    fn pointers(body: Value) -> Vec<String> {
        errors(body)
            .into_iter()
            .map(|(pointer, _)| pointer)
            .collect()
    }

    #[test]
    fn a_valid_body_parses() {
        let headers = json_headers("Application/JSON; charset=utf-8");
        let parsed: CardControlsUpdate = parse(
            &headers,
            br#"{"locked": true, "spendingLimit": null}"#,
            &SCHEMA,
            &[JSON],
            "/x",
        )
        .unwrap();
        assert_eq!(parsed.locked, Some(true));
        assert_eq!(parsed.spending_limit, Some(None));
    }

    #[test]
    fn every_error_is_reported_with_a_pointer_and_without_the_value() {
        let found = errors(json!({
            "locked": "yes",
            "colour": "blue",
            "spendingLimit": {"amount": {"amount": 12.5, "currency": "gbp"}}
        }));
        let expected = [
            ("/colour", "unknown field"),
            ("/locked", "must be of type boolean or null"),
            ("/spendingLimit/period", "required"),
            ("/spendingLimit/amount/amount", "must be of type string"),
            (
                "/spendingLimit/amount/currency",
                &format!(
                    "is not one of the {} values the schema lists",
                    sandbank_schemas::common::ISO_4217_CODES.len()
                ),
            ),
        ];
        for (pointer, detail) in &expected {
            assert!(
                found.iter().any(|(p, d)| p == pointer && d == detail),
                "{pointer}: {found:?}"
            );
        }
        assert_eq!(found.len(), expected.len(), "{found:?}");
    }

    #[test]
    fn short_enumerations_are_spelled_out_and_wrong_kinds_named() {
        let found = errors(json!({
            "spendingLimit": {"amount": {"amount": "-5", "currency": "GBP"}, "period": "YEARLY"}
        }));
        assert!(found.contains(&(
            "/spendingLimit/period".into(),
            "must be one of PER_TRANSACTION, DAILY, WEEKLY, MONTHLY".into()
        )));
        assert!(found.iter().any(
            |(pointer, detail)| pointer == "/spendingLimit/amount/amount"
                && detail.starts_with("must match the pattern")
        ));
        assert_eq!(
            errors(json!({"spendingLimit": 5})),
            [(
                "/spendingLimit".to_owned(),
                "must be of type object or null".to_owned()
            )]
        );
        assert_eq!(
            errors(json!([])),
            [("".to_owned(), "must be of type object".to_owned())]
        );
        assert_eq!(
            errors(json!({"spendingLimit": {
                "amount": {"amount": "1", "currency": "GBP"}, "period": 7
            }})),
            [(
                "/spendingLimit/period".to_owned(),
                "must be one of PER_TRANSACTION, DAILY, WEEKLY, MONTHLY".to_owned()
            )]
        );
    }

    #[test]
    fn fields_the_model_would_drop_are_unknown() {
        let mut found = pointers(json!({"spendingLimit": {
            "amount": {"amount": "10", "currency": "GBP", "scale": 2},
            "period": "DAILY", "perod": "x", "a/b~": 1
        }}));
        found.sort();
        assert_eq!(
            found,
            [
                "/spendingLimit/amount/scale",
                "/spendingLimit/a~1b~0",
                "/spendingLimit/perod"
            ]
        );
        // Null is absent to the model, so it is not a dropped field.
        assert!(pointers(json!({"locked": null})).is_empty());
    }

    #[test]
    fn the_media_type_comes_first_and_json_second() {
        for headers in [HeaderMap::new(), json_headers("text/plain")] {
            let result = parse::<CardControlsUpdate>(&headers, b"{", &SCHEMA, &[JSON], "/x");
            assert!(matches!(result, Err(ApiError::UnsupportedMediaType { .. })));
        }
        assert_eq!(pointers(json!(null)), [""]);
        for body in [&b""[..], b"  ", b"{\"locked\": tru"] {
            let result =
                parse::<CardControlsUpdate>(&json_headers(JSON), body, &SCHEMA, &[JSON], "/x");
            let Err(ApiError::InvalidBody { errors, .. }) = result else {
                panic!("{body:?}");
            };
            assert_eq!(errors[0].pointer, "");
        }
    }
}
