//! The authorization server's HTTP endpoints.

pub mod account;
pub mod authorize;
pub mod backchannel;
pub mod discovery;
pub mod grants;
pub mod introspect;
pub mod login;
pub mod par;
pub mod register;
pub mod revoke;
pub mod token;
pub mod userinfo;

use std::sync::LazyLock;

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
        .routes(routes!(backchannel::backchannel))
        .routes(routes!(authorize::authorize))
        .routes(routes!(login::login))
        .routes(routes!(login::consent))
        .routes(routes!(token::token))
        .routes(routes!(userinfo::userinfo))
        .routes(routes!(introspect::introspect))
        .routes(routes!(revoke::revoke))
        .routes(routes!(grants::query, grants::revoke));
    crate::openapi::add_components(router.get_openapi_mut());
    router
}

/// The privacy dashboard's pages ([`account`]), each with its OpenAPI operation. Kept apart
/// from [`openapi_router`]: its refusals are HTML pages, not OAuth error JSON.
pub fn dashboard_router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    AuthServer: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(account::overview))
        .routes(routes!(account::login))
        .routes(routes!(account::logout))
        .routes(routes!(account::app_history))
        .routes(routes!(account::remove_account))
        .routes(routes!(account::revoke_grant))
        .routes(routes!(account::lock_card))
        .routes(routes!(account::approve_request))
        .routes(routes!(account::deny_request))
}

/// Whether `path` (a request path, or an OpenAPI path template) is one of the authorization
/// server's endpoints, whose refusals are OAuth error JSON (RFC 6749 §5.2) rather than
/// problem+json. The endpoints are read from [`openapi_router`]'s own paths, so a route added
/// there is counted without a second list; `{parameter}` segments match any one segment
/// (`/register/{client_id}`, RFC 7592).
pub fn is_endpoint(path: &str) -> bool {
    static TEMPLATES: LazyLock<Vec<String>> = LazyLock::new(|| {
        openapi_router::<AuthServer>()
            .into_openapi()
            .paths
            .paths
            .into_keys()
            .collect()
    });
    TEMPLATES
        .iter()
        .any(|template| template_matches(template, path))
}

/// Whether `path` fills `template` segment by segment.
fn template_matches(template: &str, path: &str) -> bool {
    let mut templates = template.split('/');
    let mut segments = path.split('/');
    loop {
        match (templates.next(), segments.next()) {
            (None, None) => return true,
            (Some(expected), Some(segment))
                if expected == segment
                    || (expected.starts_with('{')
                        && expected.ends_with('}')
                        && !segment.is_empty()) => {}
            _ => return false,
        }
    }
}

/// Every authorization-server route on `server`, without the documentation.
pub fn router(server: AuthServer) -> Router {
    let (router, _) = openapi_router::<AuthServer>().split_for_parts();
    router.with_state(server)
}

#[cfg(test)]
mod tests {
    use super::is_endpoint;

    #[test]
    fn the_endpoints_are_the_documented_paths_and_nothing_else() {
        for path in [
            "/par",
            "/backchannel",
            "/token",
            "/register",
            "/register/abc",
            "/introspect",
            "/revoke",
            "/login",
            "/consent",
            "/authorize",
            "/grants/grant-abc",
        ] {
            assert!(is_endpoint(path), "{path}");
        }
        for path in [
            "/",
            "/accounts",
            "/tokens",
            "/register/",
            "/register/a/b",
            "/grants",
            "/grants/a/b",
            "/sandbox/reset",
            "/schemas/x",
        ] {
            assert!(!is_endpoint(path), "{path}");
        }
        assert!(
            is_endpoint("/register/{client_id}"),
            "a path template counts too"
        );
    }
}
