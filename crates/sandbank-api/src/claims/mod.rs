//! Insurance claims filed through the bank API: `POST /insurance/policies/{policyId}/claims`
//! (a first notice of loss, under the `insurance_claims` permission) and
//! `GET /insurance/policies/{policyId}/claims/{claimId}`.
//!
//! A filed claim is kept beside the dataset's claims, not among them (a clock move regenerates
//! those), and read back with them. It then moves through its lifecycle by the sandbox clock
//! ([`engine`]); a paid claim credits the customer's payout account.
//!
//! Checks run in the order that reveals nothing to a stranger, as card controls do: the token
//! and the permission (401, 403), whether the policy is the customer's and shared (404), then
//! the request (400 for a FAPI header, a query or a malformed `Idempotency-Key`; 415; 400 for
//! the body against the `insurance-claim-request` schema). Then the key: a retry with the same
//! key and body is answered with the claim it made, another body under a used key is 422.
//! Then what only the policy can say (400 naming the field, or 422 when the policy is not in
//! force or there is nowhere to pay). On any error nothing changes.

pub mod engine;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{NaiveDate, SubsecRound};
use sandbank_fapi::jose::random_hex;
use sandbank_fapi::{AuthServer, Authorized};
use sandbank_schemas::insurance::PolicyStatus;
use sandbank_schemas::{
    Account, AccountId, ClaimId, ClaimRequest, ClaimStatus, ClaimType, InsuranceClaim,
    InsurancePolicy, PartyId, Permission, Problem, ProblemError,
};
use sandbank_store::StoredClaim;

use crate::body::{self, BodySchema, JSON};
use crate::customer::policy_without_query;
use crate::fapi_request::Details;
use crate::payments::{created_at, optional_idempotency_key, replay};
use crate::problem::{ApiError, PROBLEM_JSON};

/// The request body's schema: the catalogue's `insurance-claim-request`.
static REQUEST: BodySchema = BodySchema::new("insurance-claim-request");

/// A claim's path.
fn claim_path(claim: &InsuranceClaim) -> String {
    format!(
        "/insurance/policies/{}/claims/{}",
        claim.policy_id, claim.claim_id
    )
}

/// A new claim's id (`clm-` and 16 hex digits, like the dataset's) and its claim number (`CLM-`
/// and the id's last 8 digits, upper case, as the dataset prints them).
fn new_claim_id() -> Result<(ClaimId, String), ApiError> {
    let hex = random_hex(8);
    let number = format!("CLM-{}", hex[8..].to_uppercase());
    let id = ClaimId::new(format!("clm-{hex}")).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((id, number))
}

/// Each way `asked` does not fit `policy` on `today` (the sandbox clock's day), as errors
/// pointing into the body: the claim type, the currency, the amount, the incident date and the
/// description.
pub fn misfits(
    policy: &InsurancePolicy,
    asked: &ClaimRequest,
    today: NaiveDate,
) -> Vec<ProblemError> {
    let mut errors = Vec::new();
    let mut error = |pointer: &str, detail: String| {
        errors.push(ProblemError {
            pointer: pointer.to_owned(),
            detail,
        });
    };
    let allowed = ClaimType::allowed_for(policy.line_of_business);
    if !allowed.contains(&asked.claim_type) {
        error(
            "/claimType",
            format!(
                "this policy ({}) takes claims of type {}",
                shown(&policy.line_of_business),
                allowed.iter().map(shown).collect::<Vec<_>>().join(", ")
            ),
        );
    }
    let currency = policy.premium.amount.currency;
    if asked.claimed_amount.currency != currency {
        error(
            "/claimedAmount/currency",
            format!("must be the policy's currency, {currency}"),
        );
    }
    if asked.claimed_amount.amount.value().is_zero() {
        error("/claimedAmount/amount", "must be more than zero".to_owned());
    }
    let day = asked.incident_date;
    let term = &policy.term;
    if day > today {
        error(
            "/incidentDate",
            format!("is after today ({today}) by the sandbox clock"),
        );
    } else if day < term.start_date {
        error(
            "/incidentDate",
            format!("is before the policy's cover starts ({})", term.start_date),
        );
    } else if let Some(end) = term.end_date.filter(|end| day > *end) {
        error(
            "/incidentDate",
            format!("is after the policy's cover ended ({end})"),
        );
    }
    if asked.description.trim().is_empty() {
        error("/description", "must say what happened".to_owned());
    }
    errors
}

/// Claims are filed on policies in force: any other status is a 422.
fn in_force(policy: &InsurancePolicy, instance: &str) -> Result<(), ApiError> {
    if policy.status == PolicyStatus::Active {
        return Ok(());
    }
    Err(ApiError::Unprocessable {
        instance: instance.to_owned(),
        errors: vec![ProblemError {
            pointer: String::new(),
            detail: format!(
                "the policy is {}: claims are filed on policies in force",
                shown(&policy.status)
            ),
        }],
    })
}

/// An enum value as its JSON name.
fn shown<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The account a payout goes to: the one asked for when it is the customer's own and can take
/// it (else 400 naming `payoutAccountId`); without one, the policy's premium account when it
/// can, else the customer's first open deposit account in the policy's currency (else 422).
async fn payout_account(
    server: &AuthServer,
    party: &PartyId,
    policy: &InsurancePolicy,
    asked: Option<&AccountId>,
    instance: &str,
) -> Result<AccountId, ApiError> {
    let currency = policy.premium.amount.currency;
    let takes = |account: &Account| engine::takes_payout(account, currency);
    if let Some(id) = asked {
        return match server.store.account_for_party(party, id).await? {
            Some(account) if takes(&account) => Ok(account.account_id),
            _ => Err(ApiError::invalid_body(
                instance,
                "/payoutAccountId",
                format!("must be one of your own open deposit accounts in {currency}"),
            )),
        };
    }
    let accounts = server.store.accounts_of_party(party).await?;
    let premium = policy.premium.payment_account_id.as_ref();
    accounts
        .iter()
        .filter(|account| takes(account))
        .find(|account| Some(&account.account_id) == premium)
        .or_else(|| accounts.iter().find(|account| takes(account)))
        .map(|account| account.account_id.clone())
        .ok_or_else(|| ApiError::Unprocessable {
            instance: instance.to_owned(),
            errors: vec![ProblemError {
                pointer: "/payoutAccountId".to_owned(),
                detail: format!(
                    "you have no open deposit account in {currency} to pay a claim into; \
                     name one with payoutAccountId"
                ),
            }],
        })
}

/// The answer to a request under a key already used: the claim it made (201) when the request
/// is the same; 422 when it is not.
fn replayed(
    server: &AuthServer,
    existing: StoredClaim,
    fingerprint: &str,
    instance: &str,
) -> Result<Response, ApiError> {
    let path = claim_path(&existing.claim);
    replay(
        server,
        &existing.fingerprint,
        fingerprint,
        &path,
        existing.claim,
        instance,
    )
}

/// File a claim on an insurance policy.
///
/// A first notice of loss; needs the `insurance_claims` permission. The claim is `SUBMITTED`,
/// and moves on by the sandbox clock: `UNDER_REVIEW` a day later, decided two days after that
/// (`APPROVED`, `PARTIALLY_APPROVED` — the coverage's deductible off, capped at its limit — or
/// `DENIED`), and `PAID` a day after approval, the approved amount credited to the payout
/// account. The cents of the claimed amount choose a scenario
/// (see the README): `.02` is denied, `.07` approved at half.
#[utoipa::path(
    post,
    path = "/insurance/policies/{policyId}/claims",
    operation_id = "createClaim",
    tag = "insurance",
    security(("oauth2" = ["insurance_claims"])),
    params(
        ("policyId" = String, Path, description = "The policy claimed on."),
        ("Idempotency-Key" = Option<String>, Header, description = "Optional. A key unique to this claim (a UUID): sending the same key and body again returns the same claim; the same key with another body is refused (422). 1 to 255 visible ASCII characters.")
    ),
    request_body(
        description = "What happened: the day, the kind of loss (one the policy's line takes), a description, the amount claimed in the policy's currency and, optionally, the account to pay into.",
        content((ClaimRequest = "application/json", example = json!({
            "incidentDate": "2026-10-30",
            "claimType": "COLLISION",
            "description": "Rear bumper and tailgate damaged by a reversing van in a car park",
            "claimedAmount": {"amount": "1477.35", "currency": "GBP"}
        })))
    ),
    responses(
        (status = 201, description = "The claim, `SUBMITTED`; `Location` names it. A retry with the same `Idempotency-Key` and body answers the same claim.", body = InsuranceClaim,
            headers(("Location" = String, description = "The claim's URL."))),
        (status = 400, description = "`invalid-body`: the body is not JSON, breaks the `InsuranceClaimRequest` schema (an unknown field, a wrong type, a description longer than 2000 characters), or does not fit the policy: a claim type its line does not take, another currency than the policy's, a zero amount, an incident date after today (sandbox clock) or outside the cover, a payout account that is not the customer's own open deposit account in the policy's currency; each of `errors[]` has a JSON pointer into the body. `invalid-request`: a query parameter, a malformed FAPI header or `Idempotency-Key`.", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No policy with this id is shared with this client.", body = Problem, content_type = PROBLEM_JSON),
        (status = 413, description = "The body is larger than the server takes (`serve --max-body-bytes`, 1 MiB by default).", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, description = "The body is not sent as `application/json`.", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "`idempotency-key-reused`: this `Idempotency-Key` was used for another request. `unprocessable`: the policy is not in force (lapsed, cancelled, expired, pending), or no payout account was named and the customer has no open deposit account in the policy's currency.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn create(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path(policy_id): Path<String>,
    details: Details,
    headers: HeaderMap,
    request: Bytes,
) -> Result<Response, ApiError> {
    let instance = format!("/insurance/policies/{policy_id}/claims");
    let policy = policy_without_query(
        &server,
        &authorized,
        Permission::InsuranceClaims,
        &policy_id,
        &instance,
        &details,
    )
    .await?;
    let key = optional_idempotency_key(&headers, &instance)?;
    let asked: ClaimRequest = body::parse(&headers, &request, &REQUEST, &[JSON], &instance)?;
    // The policy is part of the request: the same key and body on another policy is another
    // request.
    let fingerprint = format!(
        "{} {}",
        policy.policy_id,
        serde_json::to_string(&asked).map_err(|e| ApiError::Internal(e.to_string()))?
    );
    let client_id = authorized.token.client_id.clone();
    if let Some(key) = &key
        && let Some(existing) = server.store.filed_claim_by_key(&client_id, key).await?
    {
        return replayed(&server, existing, &fingerprint, &instance);
    }
    // Times are kept to the microsecond, as the store keeps them.
    let now = server.now().trunc_subsecs(6);
    let errors = misfits(&policy, &asked, now.date_naive());
    if !errors.is_empty() {
        return Err(ApiError::InvalidBody { instance, errors });
    }
    in_force(&policy, &instance)?;
    let party = policy.policyholder.clone();
    let payout = payout_account(
        &server,
        &party,
        &policy,
        asked.payout_account_id.as_ref(),
        &instance,
    )
    .await?;
    let (claim_id, claim_number) = new_claim_id()?;
    let stored = StoredClaim {
        claim: InsuranceClaim {
            claim_id,
            policy_id: policy.policy_id.clone(),
            claim_number,
            status: ClaimStatus::Submitted,
            incident_date: asked.incident_date,
            reported_date: now.date_naive(),
            closed_date: None,
            description: asked.description,
            claimed_amount: asked.claimed_amount,
            approved_amount: None,
            paid_amount: None,
            claim_type: Some(asked.claim_type),
            payout_account_id: Some(payout),
        },
        party_id: party.to_string(),
        client_id: client_id.clone(),
        idempotency_key: key.clone(),
        fingerprint: fingerprint.clone(),
        created_at: now,
        due_at: engine::first_due(now),
    };
    let mut tx = server.store.begin_payment_change().await?;
    if !tx.insert_claim(&stored).await? {
        tx.rollback().await?;
        // A retry under the same key that committed first: its answer.
        let existing = match &key {
            Some(key) => server.store.filed_claim_by_key(&client_id, key).await?,
            None => None,
        };
        return match existing {
            Some(existing) => replayed(&server, existing, &fingerprint, &instance),
            None => Err(ApiError::Internal(
                "a claim with this key was being filed at the same time and could not be read back"
                    .to_owned(),
            )),
        };
    }
    tx.commit().await?;
    let path = claim_path(&stored.claim);
    Ok(created_at(&server, &path, stored.claim))
}

/// Get a claim on an insurance policy.
///
/// One of the bank's record of past claims, or one filed through the API, where it is in its
/// lifecycle.
#[utoipa::path(
    get,
    path = "/insurance/policies/{policyId}/claims/{claimId}",
    operation_id = "getClaim",
    tag = "insurance",
    security(("oauth2" = ["insurance"])),
    params(
        ("policyId" = String, Path, description = "The policy."),
        ("claimId" = String, Path, description = "The claim.")
    ),
    responses(
        (status = 200, description = "The claim.", body = InsuranceClaim),
        (status = 404, description = "No policy with this id is shared with this client, or it has no claim with this id.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn get(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path((policy_id, claim_id)): Path<(String, String)>,
    details: Details,
) -> Result<Json<InsuranceClaim>, ApiError> {
    let instance = format!("/insurance/policies/{policy_id}/claims/{claim_id}");
    let policy = policy_without_query(
        &server,
        &authorized,
        Permission::Insurance,
        &policy_id,
        &instance,
        &details,
    )
    .await?;
    let Ok(id) = ClaimId::new(claim_id.as_str()) else {
        return Err(ApiError::not_found(instance));
    };
    if let Some(stored) = server.store.filed_claim(&id).await?
        && stored.claim.policy_id == policy.policy_id
    {
        return Ok(Json(stored.claim));
    }
    server
        .store
        .claims(&policy.policy_id)
        .await?
        .into_iter()
        .find(|claim| claim.claim_id == id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(instance))
}

/// The examples of the claim-filing operation, by operation id, status and body: the
/// catalogue's filed claim (the dataset holds none until an app files one).
pub fn examples() -> Vec<(&'static str, &'static str, serde_json::Value)> {
    let claim = sandbank_schemas::examples::filed_claim();
    serde_json::to_value(claim)
        .map(|claim| vec![("createClaim", "201", claim)])
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use sandbank_schemas::insurance::InsuranceLine;
    use sandbank_schemas::{Amount, Currency, Money, examples};

    use super::*;

    fn motor_policy() -> InsurancePolicy {
        let mut policy = examples::insurance_policies().remove(0);
        policy.line_of_business = InsuranceLine::Auto;
        policy.term.start_date = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        policy.term.end_date = NaiveDate::from_ymd_opt(2026, 12, 31);
        policy.premium.amount.currency = Currency::GBP;
        policy
    }

    fn request() -> ClaimRequest {
        examples::claim_requests().remove(0)
    }

    fn pointers(errors: &[ProblemError]) -> Vec<&str> {
        errors.iter().map(|e| e.pointer.as_str()).collect()
    }

    #[test]
    fn a_claim_that_fits_the_policy_has_no_misfits() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        assert!(misfits(&motor_policy(), &request(), today).is_empty());
    }

    #[test]
    fn every_misfit_is_named_by_its_pointer() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let asked = ClaimRequest {
            claim_type: ClaimType::Fire,
            claimed_amount: Money::new(Amount::from_minor(0), Currency::EUR),
            incident_date: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            description: "   ".into(),
            ..request()
        };
        let errors = misfits(&motor_policy(), &asked, today);
        assert_eq!(
            pointers(&errors),
            [
                "/claimType",
                "/claimedAmount/currency",
                "/claimedAmount/amount",
                "/incidentDate",
                "/description"
            ]
        );
        assert!(
            errors[0]
                .detail
                .contains("COLLISION, THEFT, GLASS, THIRD_PARTY")
        );
        for (day, says) in [((2025, 12, 31), "before"), ((2027, 1, 1), "ended")] {
            let asked = ClaimRequest {
                incident_date: NaiveDate::from_ymd_opt(day.0, day.1, day.2).unwrap(),
                ..request()
            };
            let later = NaiveDate::from_ymd_opt(2027, 6, 1).unwrap();
            let errors = misfits(&motor_policy(), &asked, later);
            assert_eq!(pointers(&errors), ["/incidentDate"]);
            assert!(errors[0].detail.contains(says), "{}", errors[0].detail);
        }
    }

    #[test]
    fn only_a_policy_in_force_takes_claims() {
        let mut policy = motor_policy();
        assert!(in_force(&policy, "/x").is_ok());
        for status in [
            PolicyStatus::Pending,
            PolicyStatus::Lapsed,
            PolicyStatus::Cancelled,
            PolicyStatus::Expired,
        ] {
            policy.status = status;
            match in_force(&policy, "/x") {
                Err(ApiError::Unprocessable { errors, .. }) => {
                    assert!(errors[0].detail.contains(&shown(&status)), "{errors:?}");
                }
                other => panic!("{status:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_claim_id_and_number_look_like_the_datasets() {
        let (id, number) = new_claim_id().unwrap();
        assert_eq!(id.as_str().len(), 20);
        assert!(id.as_str().starts_with("clm-"));
        assert_eq!(number, format!("CLM-{}", id.as_str()[12..].to_uppercase()));
    }
}
