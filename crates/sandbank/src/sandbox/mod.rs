//! The sandbox control API, under `/sandbox`: what a test suite uses to steer the bank it
//! started. Reset it to its seed's dataset, move its clock (and with it the data) forward, list
//! the personas, create customers, approve or deny pending consents and CIBA requests, list
//! the grants.
//!
//! Every route needs the admin key (`Authorization: Bearer <adminKey>`, the key of the ready
//! line). Each operation is also a plain async function on [`AppState`] ([`reset`],
//! [`advance_clock`], [`create_customer`], [`approve`]...), so a Rust test kit running the bank
//! in-process calls them directly.
//!
//! What the sandbox changed — the clock's offset, the customers it created — is kept in the
//! database with the dataset it shaped, and changes with it in one transaction, so a restart on
//! a SQLite file or PostgreSQL finds both as they were.
//!
//! [`AppState`]: crate::app::AppState

pub mod admin_key;
mod auth;
mod authorizations;
mod body;
mod ciba;
mod clock;
mod customers;
pub mod duration;
mod error;
mod grants;
mod payments;
mod personas;
mod reset;
pub mod state;

use sandbank_registry::openapi::{ComponentConflict, Components};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use admin_key::AdminKey;
pub use auth::Admin;
pub use authorizations::{
    Approval, AuthorizationList, DecisionOutcome, PendingAuthorizationView, approve, deny,
    pending_authorizations,
};
pub use ciba::{
    CibaApproval, CibaDecision, CibaList, PendingCibaView, approve_ciba, deny_ciba, pending_ciba,
};
pub use clock::{ClockAdvance, SandboxClock, advance_clock, clock};
pub use customers::{CreatedCustomer, NewAccount, NewCustomer, create_customer};
pub use error::SandboxError;
pub use grants::{GrantFilter, GrantList, SandboxGrant, grants};
pub use payments::{ForcedStatus, force_status};
pub use personas::{PersonaAccount, PersonaList, SandboxPersona, personas};
pub use reset::reset;

use crate::app::AppState;

/// The URL path every control route starts with.
pub const PATH_PREFIX: &str = "/sandbox";

/// The name of the admin key's security scheme in the OpenAPI document.
pub const SECURITY_SCHEME: &str = "adminKey";

/// What the control API needs besides the store and the authorization server: the key that
/// opens it, the dataset a reset goes back to, and a lock so that one change runs at a time.
#[derive(Debug)]
pub struct Sandbox {
    admin_key: AdminKey,
    dataset: sandbank_synth::Config,
    changes: tokio::sync::Mutex<()>,
}

impl Sandbox {
    /// The control API opened by `admin_key`, over the dataset of `dataset` (what `serve`
    /// loads into an empty database, and what a reset restores).
    pub fn new(admin_key: AdminKey, dataset: sandbank_synth::Config) -> Sandbox {
        Sandbox {
            admin_key,
            dataset,
            changes: tokio::sync::Mutex::new(()),
        }
    }

    /// The key of `Authorization: Bearer`.
    pub fn admin_key(&self) -> &AdminKey {
        &self.admin_key
    }

    /// The seed's dataset, before any clock move.
    pub fn dataset(&self) -> &sandbank_synth::Config {
        &self.dataset
    }
}

/// Every control route, documented, each behind the admin key (whose security scheme the
/// router's OpenAPI document carries).
pub fn router() -> OpenApiRouter<AppState> {
    let mut components = utoipa::openapi::Components::new();
    components.add_security_scheme(SECURITY_SCHEME, security_scheme());
    let mut openapi = utoipa::openapi::OpenApi::default();
    openapi.components = Some(components);
    OpenApiRouter::with_openapi(openapi)
        .routes(routes!(reset::post_reset))
        .routes(routes!(clock::get_clock, clock::post_clock))
        .routes(routes!(personas::get_personas))
        .routes(routes!(customers::post_customer))
        .routes(routes!(authorizations::get_authorizations))
        .routes(routes!(authorizations::post_approve))
        .routes(routes!(authorizations::post_deny))
        .routes(routes!(ciba::get_ciba))
        .routes(routes!(ciba::post_approve_ciba))
        .routes(routes!(ciba::post_deny_ciba))
        .routes(routes!(grants::get_grants))
        .routes(routes!(payments::post_status))
        .layer(axum::middleware::from_fn(auth::no_store))
}

/// Adds the schemas of the control API's bodies to the OpenAPI components.
pub fn add_components(components: &mut Components) -> Result<(), ComponentConflict> {
    components.add_type::<SandboxClock>("SandboxClock")?;
    components.add_type::<ForcedStatus>("SandboxPaymentStatus")?;
    components.add_type::<ClockAdvance>("SandboxClockAdvance")?;
    components.add_type::<PersonaList>("SandboxPersonaList")?;
    components.add_type::<NewCustomer>("SandboxNewCustomer")?;
    components.add_type::<CreatedCustomer>("SandboxCreatedCustomer")?;
    components.add_type::<AuthorizationList>("SandboxAuthorizationList")?;
    components.add_type::<Approval>("SandboxApproval")?;
    components.add_type::<DecisionOutcome>("SandboxDecision")?;
    components.add_type::<CibaList>("SandboxCibaList")?;
    components.add_type::<CibaApproval>("SandboxCibaApproval")?;
    components.add_type::<CibaDecision>("SandboxCibaDecision")?;
    components.add_type::<GrantList>("SandboxGrantList")?;
    Ok(())
}

/// The admin key as an OpenAPI security scheme (HTTP bearer).
pub fn security_scheme() -> utoipa::openapi::security::SecurityScheme {
    use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
    SecurityScheme::Http(
        HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "The admin key of the sandbox control API: the `adminKey` of the ready line \
                 `sandbank serve` prints (set with `--admin-key` / `SANDBANK_ADMIN_KEY`, random \
                 otherwise).",
            ))
            .build(),
    )
}
