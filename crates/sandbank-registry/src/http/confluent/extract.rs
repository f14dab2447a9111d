//! Extractors of the Confluent-compatible API, each refusing in Confluent's format: the body
//! (of a JSON media type), the `{subject}` and `{version}` path parameters, and the query.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::error::{ConfluentError, codes};
use crate::registry::VersionRef;
use crate::subject::SubjectName;

/// The media types a request body may be sent as: Confluent's own (both spellings its clients
/// use) and plain JSON, with or without parameters.
pub const BODY_MEDIA_TYPES: [&str; 3] = [
    super::SCHEMA_REGISTRY_JSON,
    "application/vnd.schemaregistry+json",
    "application/json",
];

/// A request body sent as one of [`BODY_MEDIA_TYPES`]; any other (or none) is error 415.
#[derive(Debug)]
pub struct SrBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for SrBody {
    type Rejection = ConfluentError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !crate::http::has_media_type(request.headers(), &BODY_MEDIA_TYPES) {
            return Err(ConfluentError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                codes::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "the request body must be sent as {}",
                    BODY_MEDIA_TYPES.join(", ")
                ),
            ));
        }
        Bytes::from_request(request, state)
            .await
            .map(SrBody)
            .map_err(|_| ConfluentError::bad_request("the request body could not be read"))
    }
}

/// One path parameter, percent-decoded.
async fn path_param<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    name: &str,
) -> Result<String, ConfluentError> {
    let Path(mut params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .map_err(|rejection| ConfluentError::bad_request(rejection.body_text()))?;
    params
        .remove(name)
        .ok_or_else(|| ConfluentError::bad_request(format!("no {name} in the path")))
}

/// The `{subject}` path parameter, a valid [`SubjectName`]; error 42208 otherwise.
#[derive(Debug)]
pub struct Subject(pub SubjectName);

impl<S: Send + Sync> FromRequestParts<S> for Subject {
    type Rejection = ConfluentError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        subject_name(path_param(parts, state, "subject").await?).map(Subject)
    }
}

/// `name` as a subject name; error 42208 when it is not one.
pub fn subject_name(name: String) -> Result<SubjectName, ConfluentError> {
    SubjectName::new(name).map_err(|error| {
        ConfluentError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::INVALID_SUBJECT,
            format!("Invalid subject: {error}"),
        )
    })
}

/// The `{version}` path parameter: a positive integer, `-1` or `latest`; error 42202
/// otherwise.
#[derive(Debug)]
pub struct Version(pub VersionRef);

impl<S: Send + Sync> FromRequestParts<S> for Version {
    type Rejection = ConfluentError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let text = path_param(parts, state, "version").await?;
        Ok(Version(VersionRef::parse_subject_version(&text)?))
    }
}

/// The query string. Parameters an operation documents are read with [`SrQuery::flag`] and
/// friends, which refuse a malformed or repeated value (error 400, naming the parameter);
/// others are ignored, as Confluent does (clients send some this registry has no use for,
/// such as `format`).
#[derive(Debug)]
pub struct SrQuery(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for SrQuery {
    type Rejection = ConfluentError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map(|Query(pairs)| SrQuery(pairs))
            .map_err(|rejection| ConfluentError::bad_request(rejection.body_text()))
    }
}

impl SrQuery {
    /// The value of `name`, when given once; error 400 when given more than once.
    pub fn get(&self, name: &str) -> Result<Option<&str>, ConfluentError> {
        let mut values = self.0.iter().filter(|(key, _)| key == name);
        match (values.next(), values.next()) {
            (None, _) => Ok(None),
            (Some((_, value)), None) => Ok(Some(value)),
            (Some(_), Some(_)) => Err(ConfluentError::bad_request(format!(
                "the query parameter '{name}' is given more than once"
            ))),
        }
    }

    /// A boolean parameter: `true` or `false` in any case (Confluent's Python client sends
    /// `False`), `false` when absent; error 400 for anything else.
    pub fn flag(&self, name: &str) -> Result<bool, ConfluentError> {
        match self.get(name)? {
            None => Ok(false),
            Some(value) if value.eq_ignore_ascii_case("true") => Ok(true),
            Some(value) if value.eq_ignore_ascii_case("false") => Ok(false),
            Some(value) => Err(ConfluentError::bad_request(format!(
                "Invalid value '{value}' for the query parameter '{name}': expected true or false"
            ))),
        }
    }

    /// Reads each of `names` as a [flag](Self::flag), for parameters that change nothing here
    /// but are still checked.
    pub fn flags(&self, names: &[&str]) -> Result<(), ConfluentError> {
        names.iter().try_for_each(|name| self.flag(name).map(drop))
    }

    /// An integer parameter of at least `min`; error 400 for anything else.
    pub fn integer(&self, name: &str, min: i64) -> Result<Option<i64>, ConfluentError> {
        let Some(value) = self.get(name)? else {
            return Ok(None);
        };
        match value.parse::<i64>() {
            Ok(number) if number >= min => Ok(Some(number)),
            _ => Err(ConfluentError::bad_request(format!(
                "Invalid value '{value}' for the query parameter '{name}': expected an integer of at least {min}"
            ))),
        }
    }
}
