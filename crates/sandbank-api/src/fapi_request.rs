//! The FAPI request headers a client may send: `x-fapi-interaction-id` (a UUID to match logs
//! by), and on behalf of its customer `x-fapi-auth-date` (when the customer last logged in to
//! the client, an HTTP-date) and `x-fapi-customer-ip-address` (the customer's IP address, when
//! they are present). All are optional; a malformed value is a 400 problem naming the header,
//! so a client finds its bug in the sandbox rather than at a bank that enforces them. The
//! OpenAPI document gives each the format checked here ([`crate::openapi`]).
//!
//! The headers are checked with the query string, by each handler through [`Details`], after
//! the access checks (401, 403, 404): a stranger learns nothing from a 400.

use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

use regex::Regex;
use sandbank_fapi::interaction;

use crate::access::no_query;
use crate::problem::ApiError;

/// `x-fapi-auth-date`.
pub const AUTH_DATE: &str = "x-fapi-auth-date";
/// `x-fapi-customer-ip-address`.
pub const CUSTOMER_IP_ADDRESS: &str = "x-fapi-customer-ip-address";

/// The form of `x-fapi-auth-date`: an HTTP-date as IMF-fixdate (RFC 9110 §5.6.7), the one form
/// a sender may generate (the obsolete RFC 850 and asctime forms are refused: a client that
/// sends them has a bug to find here). Only the grammar is checked, not that the weekday fits.
pub const AUTH_DATE_PATTERN: &str = "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (0[1-9]|[12][0-9]|3[01]) \
(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} ([01][0-9]|2[0-3]):[0-5][0-9]:\
([0-5][0-9]|60) GMT$";

static AUTH_DATE_FORM: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(AUTH_DATE_PATTERN).ok());

/// Whether `value` is an `x-fapi-auth-date` ([`AUTH_DATE_PATTERN`]).
pub fn is_auth_date(value: &str) -> bool {
    AUTH_DATE_FORM.as_ref().is_some_and(|re| re.is_match(value))
}

/// The first malformed FAPI request header, with what is wrong with it.
pub fn malformed(headers: &HeaderMap) -> Option<(&'static str, &'static str)> {
    let text = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or(""));
    if let Some(id) = text(interaction::HEADER)
        && !interaction::is_valid(id)
    {
        return Some((
            interaction::HEADER,
            "must be a UUID, e.g. c770aef3-6784-41f7-8e0e-ff5f97bddb3a",
        ));
    }
    if let Some(date) = text(AUTH_DATE)
        && !is_auth_date(date)
    {
        return Some((
            AUTH_DATE,
            "must be an HTTP-date in IMF-fixdate form, e.g. Sun, 10 Sep 2017 19:43:31 GMT",
        ));
    }
    if let Some(address) = text(CUSTOMER_IP_ADDRESS)
        && address.parse::<IpAddr>().is_err()
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
                (interaction::HEADER, "C770AEF3-6784-41f7-8e0e-ff5f97bddb3a"),
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
        for id in [
            "<script>",
            "c770aef3678441f78e0eff5f97bddb3a",
            "{c770aef3-6784-41f7-8e0e-ff5f97bddb3a}",
        ] {
            assert_eq!(
                malformed(&headers(&[(interaction::HEADER, id)])).map(|m| m.0),
                Some(interaction::HEADER),
                "{id}"
            );
        }
    }

    #[test]
    fn an_auth_date_is_an_imf_fixdate_and_nothing_else() {
        assert!(AUTH_DATE_FORM.is_some(), "the pattern compiles");
        for date in [
            "Sun, 10 Sep 2017 19:43:31 GMT",
            "Thu, 29 Feb 2024 00:00:60 GMT",
        ] {
            assert!(is_auth_date(date), "{date}");
        }
        for date in [
            // RFC 2822 forms chrono accepts, which are not HTTP-dates.
            "Sun, 10 Sep 2017 19:43:31 +0000",
            "10 Sep 2017 19:43:31 GMT",
            "Sun, 10 Sep 2017 19:43 GMT",
            "Sun, 10 Sep 2017 19:43:31 EST",
            " Sun, 10 Sep 2017 19:43:31 GMT",
            // The obsolete HTTP-date forms (RFC 850, asctime).
            "Sunday, 10-Sep-17 19:43:31 GMT",
            "Sun Sep 10 19:43:31 2017",
            "sun, 10 sep 2017 19:43:31 GMT",
            "Sun, 32 Sep 2017 19:43:31 GMT",
            "Sun, 10 Sep 2017 24:43:31 GMT",
        ] {
            assert!(!is_auth_date(date), "{date}");
        }
    }
}
