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
use axum::extract::FromRef;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AuthServer;

/// Every authorization-server route with its OpenAPI operation, in any state the
/// [`AuthServer`] can be taken from, plus the security schemes and shared components the
/// operations refer to. The resource server's routes are the bank API's (`sandbank-api`).
pub fn openapi_router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    AuthServer: FromRef<S>,
{
    let mut router = OpenApiRouter::new()
        .routes(routes!(discovery::get_openid_configuration))
        .routes(routes!(discovery::get_authorization_server_metadata))
        .routes(routes!(discovery::get_jwks))
        .routes(routes!(register::register))
        .routes(routes!(register::read, register::update, register::delete))
        .routes(routes!(par::push))
        .routes(routes!(authorize::authorize))
        .routes(routes!(login::login))
        .routes(routes!(login::consent))
        .routes(routes!(token::token))
        .routes(routes!(userinfo::userinfo))
        .routes(routes!(introspect::introspect))
        .routes(routes!(revoke::revoke));
    crate::openapi::add_components(router.get_openapi_mut());
    router
}

/// Every authorization-server route on `server`, without the documentation.
pub fn router(server: AuthServer) -> Router {
    let (router, _) = openapi_router::<AuthServer>().split_for_parts();
    router.with_state(server)
}
