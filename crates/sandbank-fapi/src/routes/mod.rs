//! The authorization server's HTTP endpoints.

pub mod accounts;
pub mod authorize;
pub mod discovery;
pub mod introspect;
pub mod login;
pub mod par;
pub mod register;
pub mod revoke;
pub mod token;
pub mod userinfo;

use axum::Router;
use axum::routing::{get, post};

use crate::interaction::fapi_headers;
use crate::state::AuthServer;

/// Every authorization-server route, and the resource server's `/accounts` (until the bank-API
/// crate takes it over).
pub fn router(server: AuthServer) -> Router {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::get_metadata),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(discovery::get_metadata),
        )
        .route("/jwks", get(discovery::get_jwks))
        .route("/register", post(register::register))
        .route("/par", post(par::push))
        .route("/authorize", get(authorize::authorize))
        .route("/login", post(login::login))
        .route("/consent", post(login::consent))
        .route("/token", post(token::token))
        .route("/userinfo", get(userinfo::userinfo))
        .route(
            "/register/{client_id}",
            get(register::read)
                .put(register::update)
                .delete(register::delete),
        )
        .route("/introspect", post(introspect::introspect))
        .route("/revoke", post(revoke::revoke))
        .merge(resource_routes())
        .with_state(server)
}

/// The resource-server routes, with the FAPI response headers (`x-fapi-interaction-id`,
/// `Cache-Control: no-store`) on every response, errors included.
pub fn resource_routes() -> Router<AuthServer> {
    Router::new()
        .route("/accounts", get(accounts::list))
        .route("/accounts/{account_id}", get(accounts::get))
        .layer(axum::middleware::from_fn(fapi_headers))
}
