//! Sandbank's bank API: the read endpoints of accounts, balances, transactions, statements,
//! holdings, parties, insurance and cards, and the writes (card controls, payments, insurance
//! claims), each behind the FAPI guard.
//!
//! Every route checks the permission it needs and that what it reads belongs to an account the
//! token and its grant reach, owned by the token's customer. Anything else — another customer's
//! id, an account not shared, an id that does not exist — is the same 404, so the answer reveals
//! nothing about other customers. Routes are built with [`OpenApiRouter`], so each carries its
//! OpenAPI operation; [`router`] works in any state the [`AuthServer`] can be taken from.
//! [`openapi`] says how a route documents itself (its permission, its responses) and adds
//! what every route shares; [`examples`] builds the response examples from a dataset.

pub mod access;
pub mod accounts;
pub mod body;
pub mod card_controls;
pub mod claims;
pub mod customer;
pub mod examples;
pub mod fapi_request;
pub mod history;
pub mod openapi;
pub mod payments;
pub mod problem;
pub mod transactions;

use axum::extract::FromRef;
use sandbank_fapi::AuthServer;
use sandbank_fapi::interaction::fapi_headers;
use sandbank_fapi::signatures::message_signatures;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use problem::ApiError;

/// Every bank-API route, with the FAPI response headers (`x-fapi-interaction-id`,
/// `Cache-Control: no-store`) on every response, errors included (the FAPI request headers are
/// checked by each handler, after the access checks: [`fapi_request::Details`]), and HTTP
/// message signatures (RFC 9421) checked on requests and made on responses
/// ([`sandbank_fapi::signatures`], which needs the `AuthServer` as an `axum::Extension`); what
/// that adds to each operation is documented by [`openapi::document`].
pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    AuthServer: FromRef<S>,
{
    let mut router = OpenApiRouter::new()
        .routes(routes!(accounts::list))
        .routes(routes!(accounts::get))
        .routes(routes!(accounts::balances))
        .routes(routes!(transactions::list))
        .routes(routes!(accounts::statements))
        .routes(routes!(accounts::statement))
        .routes(routes!(accounts::holdings))
        .routes(routes!(accounts::parties))
        .routes(routes!(customer::me))
        .routes(routes!(customer::policies))
        .routes(routes!(customer::policy))
        .routes(routes!(customer::claims, claims::create))
        .routes(routes!(claims::get))
        .routes(routes!(customer::cards))
        .routes(routes!(customer::card))
        .routes(routes!(card_controls::update))
        .routes(routes!(payments::create, payments::list))
        .routes(routes!(payments::get))
        .routes(routes!(payments::events));
    openapi::document(router.get_openapi_mut());
    router
        .layer(axum::middleware::from_fn(history::record_access))
        .layer(axum::middleware::from_fn(fapi_headers))
        .layer(axum::middleware::from_fn(message_signatures))
}
