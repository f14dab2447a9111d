//! Form-encoded request bodies, parsed strictly: a parameter sent twice is an error
//! (RFC 6749 §3.1), except for the few that are lists on purpose (checkboxes).

use std::collections::HashMap;

use crate::error::OAuthError;

/// The parameters of a form body, each at most once.
#[derive(Debug, Clone, Default)]
pub struct Params(HashMap<String, String>);

impl Params {
    /// Parses `body`, refusing repeated parameters.
    pub fn parse(body: &[u8]) -> Result<Params, OAuthError> {
        let mut map = HashMap::new();
        for (name, value) in url::form_urlencoded::parse(body) {
            if map.insert(name.to_string(), value.to_string()).is_some() {
                return Err(OAuthError::invalid_request(format!(
                    "the parameter {name} is repeated"
                )));
            }
        }
        Ok(Params(map))
    }

    /// Parameters from `(name, value)` pairs whose names are distinct (the claims of a request
    /// object).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Params {
        Params(pairs.into_iter().collect())
    }

    /// A parameter; an empty value counts as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Whether the parameter was sent at all.
    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// A required parameter.
    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::invalid_request(format!("{name} is required")))
    }

    /// The parameters as a map (for client authentication).
    pub fn as_map(&self) -> &HashMap<String, String> {
        &self.0
    }
}

/// Every `(name, value)` pair of a form body, repeats kept (HTML forms with checkboxes).
pub fn pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Parses a form body whose `Content-Type` must be `application/x-www-form-urlencoded`; a wrong
/// content type or a repeated parameter is `invalid_request`.
pub fn parse(
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> Result<HashMap<String, String>, OAuthError> {
    let form_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|value| {
            value
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_type {
        return Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    Params::parse(body).map(|params| params.0)
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header};

    use super::*;

    #[test]
    fn forms_parse_once_per_parameter() {
        let mut headers = HeaderMap::new();
        assert!(parse(&headers, b"a=1").is_err());
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=UTF-8"),
        );
        let form = parse(&headers, b"token=a%2Bb&token_type_hint=access_token").unwrap();
        assert_eq!(form["token"], "a+b");
        assert_eq!(
            parse(&headers, b"a=1&a=2").unwrap_err().code,
            "invalid_request"
        );
        assert_eq!(pairs(b"account=a&account=b").len(), 2);
    }
}
