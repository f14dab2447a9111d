//! The FAPI request headers a client may send on behalf of its customer:
//! `x-fapi-auth-date` (when the customer last logged in to the client, an HTTP-date) and
//! `x-fapi-customer-ip-address` (the customer's IP address, when they are present). Both are
//! accepted; a malformed value is a 400 problem naming the header, so a client finds its bug
//! in the sandbox rather than at a bank that enforces them.
//!
//! The headers are checked with the query string, by each handler through [`Details`], after
//! the access checks (401, 403, 404): a stranger learns nothing from a 400.

use std::convert::Infallible;
use std::net::IpAddr;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::access::no_query;
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

/// What a bank-API request gives beside its path: the query string and the verdict on its FAPI
/// request headers. Extracting it refuses nothing; a handler calls [`Details::headers`] or
/// [`Details::nothing_more`] once the token, the permission and the resource have been checked.
#[derive(Debug, Clone, Default)]
pub struct Details {
    query: Option<String>,
    malformed: Option<(&'static str, &'static str)>,
}

impl Details {
    /// The raw query string, if any.
    pub fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }

    /// A 400 problem naming the first malformed FAPI request header, if there is one.
    pub fn headers(&self, instance: &str) -> Result<(), ApiError> {
        match self.malformed {
            Some((header, detail)) => Err(ApiError::invalid(instance, header, detail)),
            None => Ok(()),
        }
    }

    /// For operations that take no query parameters: [`Details::headers`], then any query
    /// parameter is a 400.
    pub fn nothing_more(&self, instance: &str) -> Result<(), ApiError> {
        self.headers(instance)?;
        no_query(self.query(), instance)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Details {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self {
            query: parts.uri.query().map(str::to_owned),
            malformed: malformed(&parts.headers),
        })
    }
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
