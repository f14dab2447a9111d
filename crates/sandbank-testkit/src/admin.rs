//! The sandbox control API (`/sandbox`) with the sandbox's admin key: move the clock, reset,
//! list personas, create customers, decide pending authorizations — over HTTP, as any test
//! suite would.

use reqwest::{Method, RequestBuilder, StatusCode};
use sandbank::sandbox::{
    AuthorizationList, CibaDecision, CibaList, CreatedCustomer, DecisionOutcome, PersonaList,
    SandboxClock,
};
use sandbank_schemas::AccountId;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::client::expect_json;
use crate::error::{Error, Result};
use crate::sandbox::Bank;

/// The sandbox control API, authenticated with the admin key; from
/// [`Sandbox::admin`](crate::Sandbox::admin).
///
/// Each helper sends one request and returns the body of a success, typed as the server's own
/// [`sandbank::sandbox`] types (re-exported here); any other answer is
/// an [`Error::Unexpected`](crate::Error::Unexpected) carrying the status and the problem
/// (RFC 9457) the sandbox sent. For the refusals themselves, build the request with
/// [`request`](Self::request) and look at the response.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let sandbox = sandbank_testkit::Sandbox::builder().personas_only().start().await?;
/// let admin = sandbox.admin();
/// let clock = admin.advance_clock("P3D").await?;
/// assert_eq!(clock.offset_seconds, 3 * 86_400);
/// admin.reset().await?;
/// assert_eq!(admin.clock().await?.offset_seconds, 0);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Admin {
    bank: Bank,
    key: String,
}

impl Admin {
    pub(crate) fn new(bank: Bank, key: String) -> Admin {
        Admin { bank, key }
    }

    /// The admin key (`Authorization: Bearer <key>`).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// A request to `path` on the sandbox with the admin key, to add a body to and send.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.bank
            .http
            .request(method, self.bank.socket_url(path))
            .bearer_auth(&self.key)
    }

    /// Sends `body` (when given) with `method` to `path`; the body of a response with the
    /// `expected` status, as a `T`.
    async fn call<T: DeserializeOwned>(
        &self,
        step: &'static str,
        method: Method,
        path: &str,
        body: Option<&(impl Serialize + ?Sized)>,
        expected: StatusCode,
    ) -> Result<T> {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(body);
        }
        let body = expect_json(request.send().await?, step, expected).await?;
        serde_json::from_value(body)
            .map_err(|error| Error::Protocol(format!("{step}: unexpected body: {error}")))
    }

    /// `GET /sandbox/clock`: `now`, `offsetSeconds` (how far ahead of real time) and
    /// `dataAsOf` (the end of the simulated history).
    pub async fn clock(&self) -> Result<SandboxClock> {
        self.call(
            "sandbox clock",
            Method::GET,
            "/sandbox/clock",
            None::<&()>,
            StatusCode::OK,
        )
        .await
    }

    /// `POST /sandbox/clock` by an ISO 8601 duration (`PT11M`, `P3D`, `P1W`); the clock after
    /// the move. Codes, tokens and consents expire by it; each whole day adds a day of history.
    pub async fn advance_clock(&self, by: &str) -> Result<SandboxClock> {
        self.move_clock(&json!({ "advanceBy": by })).await
    }

    /// `POST /sandbox/clock` by `seconds`; the clock after the move.
    pub async fn advance_clock_seconds(&self, seconds: i64) -> Result<SandboxClock> {
        self.move_clock(&json!({ "advanceBySeconds": seconds }))
            .await
    }

    async fn move_clock(&self, body: &serde_json::Value) -> Result<SandboxClock> {
        self.call(
            "sandbox clock move",
            Method::POST,
            "/sandbox/clock",
            Some(body),
            StatusCode::OK,
        )
        .await
    }

    /// `POST /sandbox/reset`: the seed's dataset again, real time, no pushed requests, codes,
    /// tokens or grants (registered clients stay); the clock after the reset.
    pub async fn reset(&self) -> Result<SandboxClock> {
        self.call(
            "sandbox reset",
            Method::POST,
            "/sandbox/reset",
            None::<&()>,
            StatusCode::OK,
        )
        .await
    }

    /// `GET /sandbox/personas`: the personas and created customers with their accounts, and
    /// the `password` they sign in with.
    pub async fn personas(&self) -> Result<PersonaList> {
        self.call(
            "sandbox personas",
            Method::GET,
            "/sandbox/personas",
            None::<&()>,
            StatusCode::OK,
        )
        .await
    }

    /// `POST /sandbox/customers` with `customer`, a [`NewCustomer`](crate::NewCustomer) or its
    /// JSON (`{"username": "zoe", "accounts": [{"accountType": "CHECKING"}]}`); the created
    /// customer, who can log in at once.
    pub async fn create_customer(
        &self,
        customer: &(impl Serialize + ?Sized),
    ) -> Result<CreatedCustomer> {
        self.call(
            "sandbox create customer",
            Method::POST,
            "/sandbox/customers",
            Some(customer),
            StatusCode::CREATED,
        )
        .await
    }

    /// `GET /sandbox/authorizations`: the pending authorization requests (`{"data": [...]}`,
    /// oldest first).
    pub async fn pending_authorizations(&self) -> Result<AuthorizationList> {
        self.call(
            "sandbox authorizations",
            Method::GET,
            "/sandbox/authorizations",
            None::<&()>,
            StatusCode::OK,
        )
        .await
    }

    /// Approves the pending request `id` (its `request_uri`, or its interaction) as the
    /// customer who signed in or the request's `login_hint`, sharing all their accounts; the
    /// authorization response URL (`redirectTo`) to give
    /// [`PendingLogin::finish`](crate::PendingLogin::finish).
    pub async fn approve(&self, id: &str) -> Result<String> {
        self.decide(id, "approve", None::<&()>).await
    }

    /// Approves the pending request `id` as `approval` says, an [`Approval`](crate::Approval)
    /// or its JSON: `{"username": "alice", "accounts": ["..."]}` (either may be left out); the
    /// authorization response URL.
    pub async fn approve_with(
        &self,
        id: &str,
        approval: &(impl Serialize + ?Sized),
    ) -> Result<String> {
        self.decide(id, "approve", Some(approval)).await
    }

    /// Denies the pending request `id`; the authorization response URL
    /// (`error=access_denied`).
    pub async fn deny(&self, id: &str) -> Result<String> {
        self.decide(id, "deny", None::<&()>).await
    }

    /// `GET /sandbox/ciba`: the CIBA requests waiting for the customer (`{"data": [...]}`,
    /// oldest first), each with its `authReqId`, the customer and the binding message.
    pub async fn pending_ciba(&self) -> Result<CibaList> {
        self.call(
            "sandbox CIBA requests",
            Method::GET,
            "/sandbox/ciba",
            None::<&()>,
            StatusCode::OK,
        )
        .await
    }

    /// Approves the CIBA request `auth_req_id` (from
    /// [`PendingDecoupled::auth_req_id`](crate::PendingDecoupled::auth_req_id)) as the
    /// customer it names, sharing `accounts` (all the customer's when `None`); the decision,
    /// with the grant made. The client's next poll gets its tokens.
    pub async fn approve_ciba(
        &self,
        auth_req_id: &str,
        accounts: Option<&[AccountId]>,
    ) -> Result<CibaDecision> {
        let body = accounts.map(|ids| json!({ "accounts": ids }));
        self.call(
            "sandbox CIBA approval",
            Method::POST,
            &format!("/sandbox/ciba/{auth_req_id}/approve"),
            body.as_ref(),
            StatusCode::OK,
        )
        .await
    }

    /// Denies the CIBA request `auth_req_id`: the client's next poll gets `access_denied`.
    pub async fn deny_ciba(&self, auth_req_id: &str) -> Result<CibaDecision> {
        self.call(
            "sandbox CIBA denial",
            Method::POST,
            &format!("/sandbox/ciba/{auth_req_id}/deny"),
            None::<&()>,
            StatusCode::OK,
        )
        .await
    }

    async fn decide(
        &self,
        id: &str,
        decision: &str,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<String> {
        let outcome: DecisionOutcome = self
            .call(
                "sandbox authorization decision",
                Method::POST,
                &format!("/sandbox/authorizations/{id}/{decision}"),
                body,
                StatusCode::OK,
            )
            .await?;
        Ok(outcome.redirect_to)
    }
}
