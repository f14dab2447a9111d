//! The authorization server's HTTP endpoints.

pub mod discovery;
pub mod register;

use axum::Router;
use axum::routing::get;

use crate::state::AuthServer;

/// Every authorization-server route.
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
        .route("/register", axum::routing::post(register::register))
        .route(
            "/register/{client_id}",
            get(register::read)
                .put(register::update)
                .delete(register::delete),
        )
        .with_state(server)
}
