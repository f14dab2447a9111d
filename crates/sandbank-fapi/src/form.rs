//! Form-encoded OAuth request bodies (RFC 6749 §3.2): `application/x-www-form-urlencoded`,
//! every parameter at most once.

use std::collections::HashMap;

use axum::http::{HeaderMap, header};

use crate::error::OAuthError;

/// Parses a form body. A wrong content type or a repeated parameter is `invalid_request`.
pub fn parse(headers: &HeaderMap, body: &[u8]) -> Result<HashMap<String, String>, OAuthError> {
    let form_type = headers
        .get(header::CONTENT_TYPE)
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
    let mut form = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(body) {
        if form.insert(name.to_string(), value.to_string()).is_some() {
            return Err(OAuthError::invalid_request(format!(
                "the parameter {name} is repeated"
            )));
        }
    }
    Ok(form)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

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
    }
}
