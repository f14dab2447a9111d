//! The FAPI request headers a client may send on behalf of its customer:
//! `x-fapi-auth-date` (when the customer last logged in to the client, an HTTP-date) and
//! `x-fapi-customer-ip-address` (the customer's IP address, when they are present). Both are
//! accepted; a malformed value is a 400 problem naming the header, so a client finds its bug
//! in the sandbox rather than at a bank that enforces them.

use std::net::IpAddr;

use axum::extract::Request;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::ApiError;

/// `x-fapi-auth-date`.
pub const AUTH_DATE: &str = "x-fapi-auth-date";
/// `x-fapi-customer-ip-address`.
pub const CUSTOMER_IP_ADDRESS: &str = "x-fapi-customer-ip-address";

/// The first malformed FAPI request header, with what is wrong with it.
pub fn malformed(headers: &HeaderMap) -> Option<(&'static str, &'static str)> {
    let text = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or(""));
    if let Some(date) = text(AUTH_DATE)
        && chrono::DateTime::parse_from_rfc2822(date.trim()).is_err()
    {
        return Some((
            AUTH_DATE,
            "must be an HTTP-date, e.g. Sun, 10 Sep 2017 19:43:31 GMT",
        ));
    }
    if let Some(address) = text(CUSTOMER_IP_ADDRESS)
        && address.trim().parse::<IpAddr>().is_err()
    {
        return Some((
            CUSTOMER_IP_ADDRESS,
            "must be an IPv4 or IPv6 address, e.g. 203.0.113.7",
        ));
    }
    None
}

/// Middleware: refuses a request whose FAPI request headers are malformed.
pub async fn check(request: Request, next: Next) -> Response {
    if let Some((header, detail)) = malformed(request.headers()) {
        return ApiError::invalid(request.uri().path(), header, detail).into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn well_formed_headers_pass_and_malformed_ones_are_named() {
        assert_eq!(malformed(&headers(&[])), None);
        assert_eq!(
            malformed(&headers(&[
                (AUTH_DATE, "Sun, 10 Sep 2017 19:43:31 GMT"),
                (CUSTOMER_IP_ADDRESS, "2001:db8::1"),
            ])),
            None
        );
        assert_eq!(
            malformed(&headers(&[(AUTH_DATE, "yesterday")])).map(|m| m.0),
            Some(AUTH_DATE)
        );
        assert_eq!(
            malformed(&headers(&[(CUSTOMER_IP_ADDRESS, "999.1.1.1")])).map(|m| m.0),
            Some(CUSTOMER_IP_ADDRESS)
        );
    }
}
