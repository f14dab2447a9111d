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
