//! How the bank API documents itself in OpenAPI, and the convention every route follows.
//!
//! # The convention
//!
//! Each route's `#[utoipa::path]` declares what is particular to it:
//!
//! - `operation_id` (camelCase, verb first: `listTransactions`, `getCard`), a `tag`, and a doc
//!   comment whose first line is a short summary.
//! - **Its permission, once, as `security(("oauth2" = ["<scope>"]))`** — the scope named after
//!   the [`Permission`](sandbank_schemas::Permission) the handler passes to its access check
//!   (`Permission::CardControls` → `card_controls`). The authorization tests in
//!   `tests/api.rs` check that every documented operation is walked, answers 200 with exactly
//!   the documented scope and 403 without it, so the two cannot disagree.
//! - The 200 (or 201/204) response: a model (`body = Account`) or a typed page through an
//!   alias from [`pages`] (`body = AccountPage`), never the untyped `Page`.
//! - 404 when an id in the path can name something the token does not reach, 400 when the
//!   route has its own query parameters or body to get wrong, and for a route that takes a
//!   body: `request_body(...)` and 415 for a wrong media type (the app documents 413 for every
//!   body at once).
//!
//! [`document`] adds what every route has because of the router's layers and the guard, so
//! that no route can forget it: the `DPoP` and FAPI request headers, `x-fapi-interaction-id`
//! and `Cache-Control` on every response, the guard's 401 and 403 (naming the route's scope),
//! 500, and 400 for a malformed FAPI header (appended to the route's own 400, or a 400 of its
//! own for routes without query parameters). Response examples come from the default dataset
//! ([`crate::examples`]).
//!
//! APIs outside this router with another credential (the sandbox admin API's `adminKey`) name
//! their own scheme the same way, `security(("adminKey" = []))`, and add it beside `oauth2`
//! when the document is assembled.

use sandbank_fapi::interaction;
use sandbank_fapi::openapi::responses::{
    JSON, guard_bad_request, header, insufficient_scope, unauthorized,
};
use sandbank_fapi::openapi::security::OAUTH2;
use sandbank_fapi::openapi::{DpopHeader, header_parameter, pattern_schema};
use utoipa::IntoParams;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::schema::{
    AnyOfBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};

use crate::fapi_request;
use crate::problem::PROBLEM_JSON;

/// Typed pages: each list's response body. utoipa cannot name a generic body, so each list
/// names its page through an alias; `Page<T>`'s schema (`allOf` the catalogue's `Page` with
/// `data` narrowed to `T`) and its component name (`AccountPage`) come from one impl in
/// `sandbank-schemas`.
pub mod pages {
    use sandbank_schemas::{
        Account, AccountParty, Balance, Card, Holding, InsuranceClaim, InsurancePolicy, Page,
        Statement, Transaction,
    };

    /// A page of accounts.
    pub type AccountPage = Page<Account>;
    /// A page of balances.
    pub type BalancePage = Page<Balance>;
    /// A page of transactions.
    pub type TransactionPage = Page<Transaction>;
    /// A page of statements.
    pub type StatementPage = Page<Statement>;
    /// A page of holdings.
    pub type HoldingPage = Page<Holding>;
    /// A page of account parties.
    pub type AccountPartyPage = Page<AccountParty>;
    /// A page of insurance policies.
    pub type InsurancePolicyPage = Page<InsurancePolicy>;
    /// A page of insurance claims.
    pub type InsuranceClaimPage = Page<InsuranceClaim>;
    /// A page of cards.
    pub type CardPage = Page<Card>;
}

fn string_schema() -> Schema {
    ObjectBuilder::new().schema_type(Type::String).into()
}

/// The FAPI request headers a client may send on its customer's behalf, with the formats
/// [`crate::fapi_request`] checks.
#[derive(Debug, Clone)]
pub struct FapiRequestHeaders;

impl IntoParams for FapiRequestHeaders {
    fn into_params(parameter_in: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let ip = |format| {
            Schema::from(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(format))),
            )
        };
        vec![
            header_parameter(
                interaction::HEADER,
                &parameter_in,
                "An id for this request, a UUID (`c770aef3-6784-41f7-8e0e-ff5f97bddb3a`): echoed \
                 in the response (a fresh one when it is missing), so client and bank logs can \
                 be matched. Optional; a malformed value is a 400.",
                pattern_schema(interaction::PATTERN, Some("uuid")),
            ),
            header_parameter(
                "Signature-Input",
                &parameter_in,
                "RFC 9421 signature parameters: a signature tagged `fapi-2-request` covering \
                 `\"@method\" \"@target-uri\" \"authorization\"`, `\"dpop\"` with a DPoP \
                 header and `\"content-digest\"` with a body, with `created` (within 60 s) and \
                 `keyid` (a key of the client's JWKS; the algorithm is the JWK's). Optional; \
                 required for clients registered with `require_signed_resource_requests`. A \
                 missing or invalid signature is a 401 `invalid_signature`.",
                string_schema(),
            ),
            header_parameter(
                "Signature",
                &parameter_in,
                "The RFC 9421 signature named in `Signature-Input` (ES256 as raw `r || s`, \
                 PS256, EdDSA). Optional; required for clients registered with \
                 `require_signed_resource_requests`.",
                string_schema(),
            ),
            header_parameter(
                "Content-Digest",
                &parameter_in,
                "RFC 9530 digest of the body (`sha-256=:<base64>:`; `sha-512` too). Optional; \
                 required in a signed request with a body. A digest that does not match the \
                 body is a 400 `invalid_request`.",
                string_schema(),
            ),
            header_parameter(
                fapi_request::AUTH_DATE,
                &parameter_in,
                "When the customer last logged in to the client, as an HTTP-date in its \
                 IMF-fixdate form (RFC 9110 §5.6.7: `Sun, 10 Sep 2017 19:43:31 GMT`), the only \
                 form a sender may generate. Optional; a malformed value is a 400.",
                pattern_schema(fapi_request::AUTH_DATE_PATTERN, None),
            ),
            header_parameter(
                fapi_request::CUSTOMER_IP_ADDRESS,
                &parameter_in,
                "The customer's IP address (IPv4 or IPv6), when they are present. Optional; a \
                 malformed value is a 400.",
                AnyOfBuilder::new()
                    .item(ip(KnownFormat::Ipv4))
                    .item(ip(KnownFormat::Ipv6))
                    .into(),
            ),
        ]
    }
}

const HEADER_400: &str = "A malformed `x-fapi-interaction-id`, `x-fapi-auth-date` or \
`x-fapi-customer-ip-address` is a problem naming the header in `errors[].pointer`; an access token in the query string or two \
`Authorization` headers is the guard's `invalid_request` (`application/json`).";

/// Documents the FAPI conventions on every operation of `openapi` (see the module
/// documentation).
pub fn document(openapi: &mut OpenApi) {
    for item in openapi.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            document_operation(operation);
        }
    }
}

/// The scopes an operation's `oauth2` requirement names.
pub fn oauth2_scopes(operation: &Operation) -> Vec<String> {
    operation
        .security
        .iter()
        .flatten()
        .filter_map(|requirement| serde_json::to_value(requirement).ok())
        .filter_map(|requirement| requirement.get(OAUTH2).cloned())
        .filter_map(|scopes| serde_json::from_value::<Vec<String>>(scopes).ok())
        .flatten()
        .collect()
}

fn document_operation(operation: &mut Operation) {
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    for parameter in DpopHeader::into_params(|| Some(ParameterIn::Header))
        .into_iter()
        .chain(FapiRequestHeaders::into_params(|| {
            Some(ParameterIn::Header)
        }))
    {
        parameters.push(RefOr::T(parameter));
    }
    let scope = oauth2_scopes(operation).join(" ");
    let responses = &mut operation.responses.responses;
    match responses.get_mut("400") {
        Some(RefOr::T(own)) => {
            own.description = format!("{} {HEADER_400}", own.description);
            add_guard_content(own);
        }
        _ => {
            let mut generic = ResponseBuilder::new()
                .description(format!(
                    "A query parameter was given (this operation takes none). {HEADER_400}"
                ))
                .content(PROBLEM_JSON, problem_content())
                .build();
            add_guard_content(&mut generic);
            responses.insert("400".into(), RefOr::T(generic));
        }
    }
    responses
        .entry("401".into())
        .or_insert_with(|| RefOr::T(unauthorized()));
    match responses.get_mut("403") {
        // The route's own 403 (a problem) beside the guard's (an OAuth error).
        Some(RefOr::T(own)) => {
            let guard = insufficient_scope(&scope);
            own.description = format!("{} Or: {}", guard.description, own.description);
            own.content.extend(guard.content);
            own.headers.extend(guard.headers);
        }
        _ => {
            responses.insert("403".into(), RefOr::T(insufficient_scope(&scope)));
        }
    }
    responses.insert(
        "500".into(),
        RefOr::T(
            ResponseBuilder::new()
                .description("The bank could not answer; try again.")
                .content(PROBLEM_JSON, problem_content())
                .build(),
        ),
    );
    for response in responses.values_mut() {
        if let RefOr::T(response) = response {
            response.headers.insert(
                sandbank_fapi::interaction::HEADER.into(),
                RefOr::T(header(
                    "The request's `x-fapi-interaction-id` when it sent a valid one, a fresh UUID \
                     otherwise.",
                )),
            );
            response.headers.insert(
                "Cache-Control".into(),
                RefOr::T(header("`no-store`: nothing from the bank API is cached.")),
            );
            for (name, description) in [
                (
                    "Content-Digest",
                    "SHA-256 of the body (RFC 9530), when the server signs responses \
                     (`serve --sign-responses`, on by default).",
                ),
                (
                    "Signature-Input",
                    "The response signature's parameters (RFC 9421): label `sig`, tag \
                     `fapi-2-response`, covering `\"@status\" \"content-digest\" \
                     \"content-type\"` and the request's `\"@method\";req \
                     \"@target-uri\";req \"authorization\";req`, `keyid` the server's ES256 key \
                     in `/jwks`. When the server signs responses.",
                ),
                (
                    "Signature",
                    "The response signature (ES256, raw `r || s`), when the server signs \
                     responses.",
                ),
            ] {
                response
                    .headers
                    .insert(name.into(), RefOr::T(header(description)));
            }
        }
    }
}

fn problem_content() -> utoipa::openapi::Content {
    ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Problem")))
        .build()
}

/// The guard's `invalid_request` beside a route's own 400 problem.
fn add_guard_content(response: &mut Response) {
    if let Some(RefOr::T(guard)) = guard_bad_request().content.shift_remove(JSON) {
        response.content.insert(JSON.into(), RefOr::T(guard));
    }
    let challenge = guard_bad_request().headers;
    response.headers.extend(challenge);
}
