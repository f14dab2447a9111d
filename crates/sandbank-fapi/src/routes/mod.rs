//! The authorization server's HTTP endpoints.

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

use crate::state::AuthServer;

/// Every authorization-server route. The resource server's routes are the bank API's
/// (`sandbank-api`).
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
        .with_state(server)
}
