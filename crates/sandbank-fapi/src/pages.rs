//! The login, consent and error pages: server-rendered HTML (minijinja, every value escaped),
//! no scripts, no external assets.

use std::sync::OnceLock;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::Environment;

const TEMPLATES: [(&str, &str); 8] = [
    ("base.html", include_str!("templates/base.html")),
    ("login.html", include_str!("templates/login.html")),
    ("consent.html", include_str!("templates/consent.html")),
    ("error.html", include_str!("templates/error.html")),
    (
        "account_login.html",
        include_str!("templates/account_login.html"),
    ),
    ("account.html", include_str!("templates/account.html")),
    (
        "account_app.html",
        include_str!("templates/account_app.html"),
    ),
    (
        "account_error.html",
        include_str!("templates/account_error.html"),
    ),
];

fn environment() -> &'static Result<Environment<'static>, minijinja::Error> {
    static ENVIRONMENT: OnceLock<Result<Environment<'static>, minijinja::Error>> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let mut env = Environment::new();
        // Templates named *.html are HTML-escaped automatically.
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        Ok(env)
    })
}

/// Renders a page with the headers every page carries: no caching, no framing, no referrer,
/// nothing loaded from elsewhere.
pub fn render(status: StatusCode, template: &str, context: minijinja::Value) -> Response {
    let rendered = match environment() {
        Ok(env) => env.get_template(template).and_then(|t| t.render(context)),
        Err(e) => Err(minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("templates failed to load: {e}"),
        )),
    };
    let (status, body) = match rendered {
        Ok(body) => (status, body),
        Err(e) => {
            tracing::error!(error = %e, template, "a page could not be rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "<!doctype html><html lang=\"en\"><title>Error</title><p>Something went wrong.</p></html>".to_owned(),
            )
        }
    };
    let mut response = (status, Html(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// An account's masked number as the pages show it (`****1234`).
pub fn masked_number(account: &sandbank_schemas::Account) -> String {
    serde_json::to_value(&account.masked_account_number)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The value of cookie `name` in a request (the pages' own cookies: the login interaction's,
/// the privacy dashboard's session and sign-in form).
pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_owned())
}

/// The error page of the authorization endpoint: 400, never a redirect.
pub fn error(message: impl Into<String>) -> Response {
    render(
        StatusCode::BAD_REQUEST,
        "error.html",
        minijinja::context! { message => message.into() },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_escapes() {
        let env = environment().as_ref().unwrap();
        let html = env
            .get_template("error.html")
            .unwrap()
            .render(minijinja::context! { message => "<script>x</script>" })
            .unwrap();
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("<html lang=\"en\">"));
    }
}
