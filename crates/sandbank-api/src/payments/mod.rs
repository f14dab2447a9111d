//! Payment initiation: `POST /payments` under a `payment_initiation` consent, and reading
//! payments back (`GET /payments`, `GET /payments/{paymentId}`, its events).
//!
//! A consent (a grant with one `payment_initiation` authorization detail, RFC 9396) pays once.
//! The body must say exactly what the customer approved; the `Idempotency-Key` header makes a
//! retry safe: the same key and body give back the same payment, with the same status code,
//! however many times and on whichever instance it is sent. Both rules are the database's
//! (unique grant, unique client and key), so they hold under any concurrency.
//!
//! Checks run in the order that reveals nothing to a stranger: the token and the `payments`
//! permission (401, 403), the consent (403), then the request (400, 415); then the key (a
//! retry is answered as the first time; another body under a used key is 422), the body
//! against the consent (400) and whether the consent was used (403). On any error nothing
//! changes.

pub mod engine;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::SubsecRound;
use sandbank_fapi::jose::random_token;
use sandbank_fapi::{AuthServer, Authorized};
use sandbank_schemas::common::AccountIdentificationScheme;
use sandbank_schemas::{
    AccountId, AuthorizationDetail, Consent, ConsentId, Page, Payment, PaymentEvent, PaymentId,
    PaymentRequest, PaymentStatus, Permission, Problem, ProblemError,
};
use sandbank_store::StoredPayment;

use crate::access::{customer, one_page};
use crate::body::{self, BodySchema, JSON};
use crate::fapi_request::Details;
use crate::problem::{ApiError, PROBLEM_JSON};

/// The request body's schema: the catalogue's `payment-request`.
static REQUEST: BodySchema = BodySchema::new("payment-request");

/// The header that makes a payment request safe to retry.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The longest `Idempotency-Key` taken.
pub const IDEMPOTENCY_KEY_MAX: usize = 255;

/// A page of payments.
pub type PaymentPage = Page<Payment>;
/// A page of payment events.
pub type PaymentEventPage = Page<PaymentEvent>;

/// The payment the token's grant consents to: its `payment_initiation` detail.
fn consented<'a>(
    authorized: &'a Authorized,
    instance: &str,
) -> Result<(&'a Consent, &'a PaymentRequest), ApiError> {
    let grant = authorized.grant.as_ref();
    let payment =
        grant.and_then(|grant| AuthorizationDetail::payment_of(&grant.authorization_details));
    match (grant, payment) {
        (Some(grant), Some(payment)) => Ok((grant, payment)),
        _ => Err(ApiError::Forbidden {
            instance: instance.to_owned(),
            detail: "the token's grant has no payment_initiation consent: ask the customer to \
                     consent to this payment (authorization_details of type payment_initiation)"
                .to_owned(),
        }),
    }
}

/// The `Idempotency-Key` header: required, 1 to 255 visible ASCII characters.
fn idempotency_key(headers: &HeaderMap, instance: &str) -> Result<String, ApiError> {
    optional_idempotency_key(headers, instance)?.ok_or_else(|| {
        ApiError::invalid(
            instance,
            "Idempotency-Key",
            "required: send a unique key (a UUID) with each new payment, and the same key when retrying it",
        )
    })
}

/// The `Idempotency-Key` header when one is sent: once, 1 to 255 visible ASCII characters
/// (else 400 naming the header).
pub(crate) fn optional_idempotency_key(
    headers: &HeaderMap,
    instance: &str,
) -> Result<Option<String>, ApiError> {
    let invalid = |detail: &str| ApiError::invalid(instance, "Idempotency-Key", detail);
    let mut values = headers.get_all(IDEMPOTENCY_KEY).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(invalid("send the header once"));
    }
    let key = value
        .to_str()
        .ok()
        .filter(|k| {
            !k.is_empty()
                && k.len() <= IDEMPOTENCY_KEY_MAX
                && k.bytes().all(|b| b.is_ascii_graphic())
        })
        .ok_or_else(|| invalid("must be 1 to 255 visible ASCII characters"))?;
    Ok(Some(key.to_owned()))
}

/// Each field where `asked` differs from `consented` (a debtor account left out of the body
/// means the consented one).
fn differences(asked: &PaymentRequest, consented: &PaymentRequest) -> Vec<ProblemError> {
    let mut errors = Vec::new();
    let mut differ = |pointer: &str, what: &str| {
        errors.push(ProblemError {
            pointer: pointer.to_owned(),
            detail: format!("differs from the consent: the customer approved {what}"),
        });
    };
    if asked.instructed_amount != consented.instructed_amount {
        differ("/instructedAmount", &shown(&consented.instructed_amount));
    }
    if asked.creditor_name != consented.creditor_name {
        differ("/creditorName", &shown(&consented.creditor_name));
    }
    if asked.creditor_account != consented.creditor_account {
        differ("/creditorAccount", &shown(&consented.creditor_account));
    }
    if asked.debtor_account.is_some() && asked.debtor_account != consented.debtor_account {
        differ("/debtorAccount", &shown(&consented.debtor_account));
    }
    if asked.remittance_information != consented.remittance_information {
        differ(
            "/remittanceInformation",
            &shown(&consented.remittance_information),
        );
    }
    if asked.requested_execution_date != consented.requested_execution_date {
        differ(
            "/requestedExecutionDate",
            &shown(&consented.requested_execution_date),
        );
    }
    errors
}

/// A value as the JSON the client sends, `none` when absent: how a difference names the
/// consented value.
fn shown<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Null) | Err(_) => "none".to_owned(),
        Ok(value) => value.to_string(),
    }
}

/// The answer to a request under a key already used: the payment it made, as the first
/// answer gave it (201), when the body is the same; 422 when it is not.
fn replayed(
    server: &AuthServer,
    existing: StoredPayment,
    fingerprint: &str,
    instance: &str,
) -> Result<Response, ApiError> {
    let path = payment_path(&existing.payment);
    replay(
        server,
        &existing.fingerprint,
        fingerprint,
        &path,
        existing.payment,
        instance,
    )
}

/// What a request under an `Idempotency-Key` already used answers: what the first one made,
/// `body` at `path`, 201 as the first time, when its fingerprint (`stored`) is this request's;
/// 422 `idempotency-key-reused` when it is not.
pub(crate) fn replay<T: serde::Serialize>(
    server: &AuthServer,
    stored: &str,
    fingerprint: &str,
    path: &str,
    body: T,
    instance: &str,
) -> Result<Response, ApiError> {
    if stored == fingerprint {
        Ok(created_at(server, path, body))
    } else {
        Err(ApiError::IdempotencyKeyReused {
            instance: instance.to_owned(),
        })
    }
}

/// 201 with the payment and its `Location`.
fn created(server: &AuthServer, payment: Payment) -> Response {
    let path = payment_path(&payment);
    created_at(server, &path, payment)
}

/// Where a payment is read.
fn payment_path(payment: &Payment) -> String {
    format!("/payments/{}", payment.payment_id)
}

/// 201 with `body` and a `Location` naming `path` on this server.
pub(crate) fn created_at<T: serde::Serialize>(
    server: &AuthServer,
    path: &str,
    body: T,
) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&server.config.url(path)) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Make the payment the customer consented to.
///
/// Needs the `payments` permission, from a grant with a `payment_initiation` authorization
/// detail; the grant pays once.
///
/// The body repeats the consented payment field by field (`debtorAccount` may be left out: the
/// consented one is used). The payment is checked and, when it is due now, accepted and settled
/// before the answer — the answer shows where it got to (`SETTLED`, or `PENDING`/`ACCEPTED`
/// when it waits for its execution date or a scenario, or `REJECTED` with the reason). See the
/// README's scenario table: the cents of the amount choose an outcome.
#[utoipa::path(
    post,
    path = "/payments",
    operation_id = "createPayment",
    tag = "payments",
    security(("oauth2" = ["payments"])),
    params(
        ("Idempotency-Key" = String, Header, description = "A key unique to this payment (a UUID): sending the same key and body again returns the same payment, with the same status code; the same key with another body is refused (422). 1 to 255 visible ASCII characters.")
    ),
    request_body(
        description = "The payment, exactly as the customer consented to it.",
        content((PaymentRequest = "application/json", example = json!({
            "instructedAmount": {"amount": "42.17", "currency": "GBP"},
            "creditorName": "Harbourline Ltd",
            "creditorAccount": {"scheme": "SORT_CODE_ACCOUNT_NUMBER", "identification": "20000055779911"},
            "remittanceInformation": "INV-0042"
        })))
    ),
    responses(
        (status = 201, description = "The payment, with its status; `Location` names it. A retry with the same `Idempotency-Key` and body answers the same.", body = Payment,
            headers(("Location" = String, description = "The payment's URL."))),
        (status = 400, description = "`invalid-request`: no or a malformed `Idempotency-Key`, or a query parameter. `invalid-body`: the body is not JSON, breaks the `PaymentRequest` schema, or differs from the consent (each differing field named by its pointer, with the consented value).", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "The token's grant has no `payment_initiation` consent, or its consent has already been used for a payment (a consent pays once).", body = Problem, content_type = PROBLEM_JSON),
        (status = 413, description = "The body is larger than the server takes (`serve --max-body-bytes`, 1 MiB by default).", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, description = "The body is not sent as `application/json`.", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "`idempotency-key-reused`: this `Idempotency-Key` was used for a request with another body.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn create(
    State(server): State<AuthServer>,
    authorized: Authorized,
    details: Details,
    headers: HeaderMap,
    request: Bytes,
) -> Result<Response, ApiError> {
    let instance = "/payments";
    let party_id = customer(&authorized, Permission::Payments)?.clone();
    let (grant, consented) = consented(&authorized, instance)?;
    details.nothing_more(instance)?;
    let key = idempotency_key(&headers, instance)?;
    let asked: PaymentRequest = body::parse(&headers, &request, &REQUEST, &[JSON], instance)?;
    let fingerprint =
        serde_json::to_string(&asked).map_err(|e| ApiError::Internal(e.to_string()))?;
    let client_id = authorized.token.client_id.clone();
    // Routed before the transaction starts: the creditor is looked up outside the write lock.
    let identification = &consented.creditor_account.identification;
    let identified = match consented.creditor_account.scheme {
        AccountIdentificationScheme::AccountId => None,
        _ => Some(server.store.account_identified_by(identification).await?),
    };
    let internal = identified.as_ref().is_none_or(Option::is_some);
    // The accounts the payment moves money between, read with the first statement of the
    // transaction: the debtor, and the creditor when it banks here.
    let creditor = match &identified {
        None => AccountId::new(identification.as_str()).ok(),
        Some(found) => found.clone(),
    };
    let parties: Vec<AccountId> = consented
        .debtor_account
        .iter()
        .chain(creditor.as_ref())
        .cloned()
        .collect();
    let order = Order {
        client_id,
        party_id: party_id.to_string(),
        key,
        consent_id: grant.consent_id.clone(),
        consented: consented.clone(),
        asked,
        fingerprint,
        identified,
        parties,
        internal,
        notify: authorized
            .client
            .metadata
            .payment_notification_uri
            .is_some(),
    };
    // The transaction runs where the store writes quickest (a SQLite file's writer thread): it
    // holds the write lock from its first statement to its commit.
    let store = server.store.clone();
    store.writing(make(server, order)).await?
}

/// What `POST /payments` makes a payment of, checked and read before the transaction.
struct Order {
    client_id: String,
    party_id: String,
    key: String,
    consent_id: ConsentId,
    consented: PaymentRequest,
    asked: PaymentRequest,
    /// The request as the store keeps it, to tell a retry from another body under its key.
    fingerprint: String,
    /// The creditor found by its identification: `None` for an internal account id.
    identified: Option<Option<AccountId>>,
    /// The accounts the payment moves money between: the debtor, and the creditor when it
    /// banks here.
    parties: Vec<AccountId>,
    internal: bool,
    notify: bool,
}

/// The payment `order` asks for, made, accepted and settled as far as the scenario allows in
/// one transaction; or the payment a retry of it made.
async fn make(server: AuthServer, order: Order) -> Result<Response, ApiError> {
    let instance = "/payments";
    let Order {
        client_id,
        party_id,
        key,
        consent_id,
        consented,
        asked,
        fingerprint,
        identified,
        parties,
        internal,
        notify,
    } = order;
    let consented = &consented;
    let identification = &consented.creditor_account.identification;
    let parties: Vec<&AccountId> = parties.iter().collect();
    // Two attempts: on PostgreSQL a retry racing this one may insert first; the second round
    // then finds its payment.
    for _ in 0..2 {
        // Times are kept to the microsecond, as the store keeps them.
        let now = server.now().trunc_subsecs(6);
        let mut tx = server.store.begin_payment_change().await?;
        if let Some(account) = &identified {
            tx.identified_before(identification, account.clone());
        }
        let clashes = tx
            .clashes_holding(&client_id, &key, consent_id.as_str(), &parties)
            .await?;
        if let Some(existing) = clashes.by_key {
            tx.rollback().await?;
            return replayed(&server, existing, &fingerprint, instance);
        }
        let errors = differences(&asked, consented);
        if !errors.is_empty() {
            tx.rollback().await?;
            return Err(ApiError::InvalidBody {
                instance: instance.to_owned(),
                errors,
            });
        }
        if let Some(used) = clashes.by_grant {
            tx.rollback().await?;
            // A retry under the same key that committed between the two reads (PostgreSQL
            // reads each statement's own snapshot): the same answer as the first time.
            if used.client_id == client_id && used.payment.idempotency_key == key {
                return replayed(&server, used, &fingerprint, instance);
            }
            return Err(ApiError::Forbidden {
                instance: instance.to_owned(),
                detail: "this consent has already been used for a payment: a consent pays once; \
                         ask the customer to consent to the next payment"
                    .to_owned(),
            });
        }
        let Some(debtor) = consented.debtor_account.clone() else {
            tx.rollback().await?;
            return Err(ApiError::Internal(
                "a granted payment consent names no debtor account".to_owned(),
            ));
        };
        let payment_id = PaymentId::new(format!("pmt-{}", random_token(15)))
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let mut stored = StoredPayment {
            payment: Payment {
                payment_id,
                status: PaymentStatus::Pending,
                status_reason: None,
                consent_id: consent_id.clone(),
                idempotency_key: key.clone(),
                instructed_amount: consented.instructed_amount,
                creditor_name: consented.creditor_name.clone(),
                creditor_account: consented.creditor_account.clone(),
                debtor_account: debtor,
                remittance_information: consented.remittance_information.clone(),
                requested_execution_date: consented.requested_execution_date,
                scheme: engine::scheme_for(consented, internal),
                created_at: now,
                status_updated_at: now,
                transaction_ids: Vec::new(),
            },
            client_id: client_id.clone(),
            party_id: party_id.to_string(),
            fingerprint: fingerprint.clone(),
            due_at: None,
            notify,
        };
        // Everything was read with the clashes: from here on the writes go out together.
        if !tx.insert_payment(&stored).await? {
            tx.rollback().await?;
            continue;
        }
        let submitted = PaymentEvent {
            payment_id: stored.payment.payment_id.clone(),
            sequence: 1,
            status: PaymentStatus::Pending,
            status_reason: None,
            at: now,
            notification: None,
        };
        tx.add_event(&stored, &submitted).await?;
        engine::advance(&mut tx, &mut stored, now).await?;
        tx.update_payment(&stored).await?;
        tx.commit().await?;
        // Only a payment whose events are notified gives the worker anything to do.
        if stored.notify {
            server.notifier.wake();
        }
        return Ok(created(&server, stored.payment));
    }
    Err(ApiError::Internal(
        "a payment with this key or consent was being made at the same time and could not be read back"
            .to_owned(),
    ))
}

/// The payment `raw_id` when this client made it for this token's customer; 404 otherwise.
async fn own_payment(
    server: &AuthServer,
    authorized: &Authorized,
    raw_id: &str,
    instance: &str,
) -> Result<Payment, ApiError> {
    let party_id = customer(authorized, Permission::Payments)?;
    let Ok(id) = PaymentId::new(raw_id) else {
        return Err(ApiError::not_found(instance));
    };
    match server.store.payment(&id).await? {
        Some(stored)
            if stored.client_id == authorized.token.client_id
                && stored.party_id == party_id.as_str() =>
        {
            Ok(stored.payment)
        }
        _ => Err(ApiError::not_found(instance)),
    }
}

/// Read a payment and where it is in its lifecycle.
#[utoipa::path(
    get,
    path = "/payments/{paymentId}",
    operation_id = "getPayment",
    tag = "payments",
    security(("oauth2" = ["payments"])),
    params(("paymentId" = String, Path, description = "The payment.")),
    responses(
        (status = 200, description = "The payment.", body = Payment),
        (status = 400, description = "A query parameter was given; this operation takes none.", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "This client made no payment with this id for this customer.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn get(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path(payment_id): Path<String>,
    details: Details,
) -> Result<Json<Payment>, ApiError> {
    let instance = format!("/payments/{payment_id}");
    let payment = own_payment(&server, &authorized, &payment_id, &instance).await?;
    details.nothing_more(&instance)?;
    Ok(Json(payment))
}

/// List the payments this client made for the customer, oldest first.
#[utoipa::path(
    get,
    path = "/payments",
    operation_id = "listPayments",
    tag = "payments",
    security(("oauth2" = ["payments"])),
    params(("status" = Option<String>, Query, description = "Only payments in this status: `PENDING`, `ACCEPTED`, `SETTLED` or `REJECTED`.")),
    responses(
        (status = 200, description = "Every payment this client made for the token's customer (`Page` of `Payment`, on one page).", body = PaymentPage),
        (status = 400, description = "An unknown, repeated or invalid query parameter.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn list(
    State(server): State<AuthServer>,
    authorized: Authorized,
    details: Details,
) -> Result<Json<PaymentPage>, ApiError> {
    let instance = "/payments";
    let party_id = customer(&authorized, Permission::Payments)?.clone();
    details.headers(instance)?;
    let status = status_filter(details.query(), instance)?;
    let payments = server
        .store
        .payments_of_client(&authorized.token.client_id, party_id.as_str(), status)
        .await?
        .into_iter()
        .map(|stored| stored.payment)
        .collect();
    let url = match (details.query(), status) {
        (Some(query), Some(_)) => server.config.url(&format!("{instance}?{query}")),
        _ => server.config.url(instance),
    };
    Ok(Json(one_page(url, payments)))
}

/// The `status` query parameter, the only one `GET /payments` takes.
fn status_filter(query: Option<&str>, instance: &str) -> Result<Option<PaymentStatus>, ApiError> {
    let mut status = None;
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if name != "status" {
            return Err(ApiError::invalid(
                instance,
                &name,
                "unknown parameter; this operation takes only status",
            ));
        }
        if status.is_some() {
            return Err(ApiError::invalid(instance, "status", "give status once"));
        }
        let parsed: PaymentStatus = serde_json::from_value(serde_json::Value::from(value.as_ref()))
            .map_err(|_| {
                ApiError::invalid(
                    instance,
                    "status",
                    "must be PENDING, ACCEPTED, SETTLED or REJECTED",
                )
            })?;
        status = Some(parsed);
    }
    Ok(status)
}

/// List a payment's status changes, in order.
///
/// Each is also POSTed to the client's `payment_notification_uri`, when it registered one, as
/// a signed Security Event Token (RFC 8417, pushed as RFC 8935 says); each event's
/// `notification` says where that delivery stands (pending, delivered, failed, not
/// registered), with the attempts made and the last error.
#[utoipa::path(
    get,
    path = "/payments/{paymentId}/events",
    operation_id = "listPaymentEvents",
    tag = "payments",
    security(("oauth2" = ["payments"])),
    params(("paymentId" = String, Path, description = "The payment.")),
    responses(
        (status = 200, description = "The payment's status changes, first to last (`Page` of `PaymentEvent`, on one page).", body = PaymentEventPage),
        (status = 400, description = "A query parameter was given; this operation takes none.", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "This client made no payment with this id for this customer.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn events(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path(payment_id): Path<String>,
    details: Details,
) -> Result<Json<PaymentEventPage>, ApiError> {
    let instance = format!("/payments/{payment_id}/events");
    let payment = own_payment(&server, &authorized, &payment_id, &instance).await?;
    details.nothing_more(&instance)?;
    let events = server.store.payment_events(&payment.payment_id).await?;
    Ok(Json(one_page(server.config.url(&instance), events)))
}

/// The examples of the payment operations, by operation id, status and body: the catalogue's
/// payment examples (the dataset holds no payment until an app makes one, so these cannot come
/// from it as the read examples do), with links on `base_url`.
pub fn examples(base_url: &str) -> Vec<(&'static str, &'static str, serde_json::Value)> {
    fn json<T: serde::Serialize>(value: T) -> serde_json::Value {
        serde_json::to_value(value).unwrap_or_default()
    }
    let payments = sandbank_schemas::examples::payments();
    let Some(payment) = payments.first() else {
        return Vec::new();
    };
    let events_url = format!("{base_url}/payments/{}/events", payment.payment_id);
    vec![
        ("createPayment", "201", json(payment)),
        ("getPayment", "200", json(payment)),
        (
            "listPayments",
            "200",
            json(one_page(format!("{base_url}/payments"), payments.clone())),
        ),
        (
            "listPaymentEvents",
            "200",
            json(one_page(
                events_url,
                sandbank_schemas::examples::payment_events(),
            )),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use sandbank_schemas::examples;

    use super::*;

    #[test]
    fn every_differing_field_is_named_with_the_consented_value() {
        let consented = examples::payment_requests().remove(0);
        assert!(differences(&consented, &consented).is_empty());
        let without_debtor = PaymentRequest {
            debtor_account: None,
            ..consented.clone()
        };
        assert!(differences(&without_debtor, &consented).is_empty());
        let asked = PaymentRequest {
            creditor_name: "Someone Else".into(),
            remittance_information: None,
            ..consented.clone()
        };
        let errors = differences(&asked, &consented);
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/creditorName", "/remittanceInformation"]);
        assert!(errors[0].detail.contains("\"Bristol Lettings Ltd\""));
    }

    #[test]
    fn the_status_filter_takes_one_known_status() {
        assert_eq!(status_filter(None, "/payments").unwrap(), None);
        assert_eq!(
            status_filter(Some("status=SETTLED"), "/payments").unwrap(),
            Some(PaymentStatus::Settled)
        );
        for bad in [
            "status=settled",
            "status=X",
            "other=1",
            "status=PENDING&status=SETTLED",
        ] {
            assert!(status_filter(Some(bad), "/payments").is_err(), "{bad}");
        }
    }
}
