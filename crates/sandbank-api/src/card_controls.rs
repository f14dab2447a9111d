//! `PATCH /cards/{cardId}/controls`: the bank API's first write. A customer (or an app they
//! allowed) locks and unlocks a card, switches online, contactless and abroad use, and sets or
//! removes a spending limit.
//!
//! Checks run in the order that reveals nothing to a stranger: the token and the
//! `card_controls` permission (401, 403), whether the card is visible (404, exactly as `GET
//! /cards/{cardId}`), then the request itself (415, 400). On any error nothing changes. The
//! change is applied in one store transaction to the card as it is then, so two concurrent
//! updates each keep the other's fields (last write wins per field).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use sandbank_fapi::{AuthServer, Authorized};
use sandbank_schemas::{Card, CardControlsUpdate, Permission, Problem};

use crate::body::{self, BodySchema, JSON, MERGE_PATCH_JSON};
use crate::customer::visible_card;
use crate::fapi_request::Details;
use crate::problem::{ApiError, PROBLEM_JSON};

/// The request body's schema: the catalogue's `card-controls-update`.
static UPDATE: BodySchema = BodySchema::new("card-controls-update");

/// The request body's media types. The body is a JSON merge patch (RFC 7396) of the controls
/// either way; `application/json` is what most clients send.
const ACCEPTED: &[&str] = &[JSON, MERGE_PATCH_JSON];

/// Change a card's controls. Needs the `card_controls` permission.
///
/// Only the fields in the body change. `locked` also moves the card between `ACTIVE` and
/// `LOCKED`; a `LOST`, `STOLEN` or `EXPIRED` card keeps its status, blocked whatever the
/// switch says. A spending limit must be in the currency of the card's account;
/// `"spendingLimit": null` removes the limit. A body that changes nothing (`{}`, or only
/// `null` switches) is refused: it is most likely a client's mistake.
#[utoipa::path(
    patch,
    path = "/cards/{cardId}/controls",
    operation_id = "updateCardControls",
    tag = "cards",
    security(("oauth2" = ["card_controls"])),
    params(("cardId" = String, Path, description = "The card.")),
    request_body(
        description = "The controls to change; fields left out keep their value.",
        content(
            (CardControlsUpdate = "application/json", example = json!({"locked": true, "abroadAllowed": false})),
            (CardControlsUpdate = "application/merge-patch+json", example = json!({"spendingLimit": {"amount": {"amount": "250.00", "currency": "GBP"}, "period": "DAILY"}}))
        )
    ),
    responses(
        (status = 200, description = "The card, with its controls changed.", body = Card),
        (status = 400, description = "`invalid-body`: the body is not JSON, breaks the `CardControlsUpdate` schema (an unknown field at any depth, a wrong type, money that is not a non-negative decimal string in an ISO 4217 currency), sets a limit in another currency than the account's, or changes nothing; each of `errors[]` has a JSON pointer into the body. `invalid-request`: a query parameter was given; this operation takes none.", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No card with this id is shared with this client.", body = Problem, content_type = PROBLEM_JSON),
        (status = 413, description = "The body is larger than the server takes (`serve --max-body-bytes`, 1 MiB by default).", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, description = "The body is not sent as `application/json` or `application/merge-patch+json`.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn update(
    State(server): State<AuthServer>,
    authorized: Authorized,
    Path(card_id): Path<String>,
    details: Details,
    headers: HeaderMap,
    request: Bytes,
) -> Result<Json<Card>, ApiError> {
    let instance = format!("/cards/{card_id}/controls");
    let card = visible_card(
        &server,
        &authorized,
        Permission::CardControls,
        &card_id,
        &instance,
    )
    .await?;
    details.nothing_more(&instance)?;
    let update: CardControlsUpdate = body::parse(&headers, &request, &UPDATE, ACCEPTED, &instance)?;
    check(&server, &card, &update, &instance).await?;
    server
        .store
        .change_card(&card.card_id, |card| apply(&update, card))
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(instance))
}

/// What the schema cannot say: the update changes something, and a limit is in the
/// account's currency.
async fn check(
    server: &AuthServer,
    card: &Card,
    update: &CardControlsUpdate,
    instance: &str,
) -> Result<(), ApiError> {
    if update == &CardControlsUpdate::default() {
        return Err(ApiError::invalid_body(
            instance,
            "",
            "nothing to change: give at least one of locked, onlineAllowed, \
             contactlessAllowed, abroadAllowed or spendingLimit",
        ));
    }
    if let Some(Some(limit)) = &update.spending_limit
        && let Some(account) = server.store.account(&card.account_id).await?
        && limit.amount.currency != account.currency
    {
        return Err(ApiError::invalid_body(
            instance,
            "/spendingLimit/amount/currency",
            format!(
                "must be the currency of the card's account, {}",
                account.currency
            ),
        ));
    }
    Ok(())
}

/// `card` after `update`: the fields the update carries replace the card's
/// ([`CardControlsUpdate::apply_to`], which the privacy dashboard's card lock uses too).
pub fn apply(update: &CardControlsUpdate, card: &mut Card) {
    update.apply_to(card);
}

#[cfg(test)]
mod tests {
    use sandbank_schemas::card::CardStatus;
    use sandbank_schemas::card::{SpendingLimit, SpendingLimitPeriod};
    use sandbank_schemas::{Amount, CardControls, Currency, Money, examples};

    use super::*;

    fn card(status: CardStatus, locked: bool) -> Card {
        let mut card = examples::cards()[0].clone();
        card.status = status;
        card.controls.locked = locked;
        card
    }

    #[test]
    fn only_the_fields_given_change() {
        let before = card(CardStatus::Active, false);
        let mut after = before.clone();
        apply(
            &CardControlsUpdate {
                online_allowed: Some(!before.controls.online_allowed),
                ..CardControlsUpdate::default()
            },
            &mut after,
        );
        assert_eq!(
            after.controls,
            CardControls {
                online_allowed: !before.controls.online_allowed,
                ..before.controls.clone()
            }
        );
        assert_eq!(after.status, before.status);
    }

    #[test]
    fn a_limit_is_set_and_removed() {
        let mut card = card(CardStatus::Active, false);
        let limit = SpendingLimit {
            amount: Money::new(Amount::from_minor(25_000), Currency::GBP),
            period: SpendingLimitPeriod::Daily,
        };
        let set = CardControlsUpdate {
            spending_limit: Some(Some(limit.clone())),
            ..CardControlsUpdate::default()
        };
        apply(&set, &mut card);
        assert_eq!(card.controls.spending_limit, Some(limit));
        let remove = CardControlsUpdate {
            spending_limit: Some(None),
            ..CardControlsUpdate::default()
        };
        apply(&remove, &mut card);
        assert_eq!(card.controls.spending_limit, None);
    }

    #[test]
    fn locking_moves_an_active_card_and_never_revives_a_blocked_one() {
        let lock = CardControlsUpdate {
            locked: Some(true),
            ..CardControlsUpdate::default()
        };
        let unlock = CardControlsUpdate {
            locked: Some(false),
            ..CardControlsUpdate::default()
        };
        let mut active = card(CardStatus::Active, false);
        apply(&lock, &mut active);
        assert_eq!(
            (active.status, active.controls.locked),
            (CardStatus::Locked, true)
        );
        apply(&unlock, &mut active);
        assert_eq!(
            (active.status, active.controls.locked),
            (CardStatus::Active, false)
        );
        for blocked in [CardStatus::Lost, CardStatus::Stolen, CardStatus::Expired] {
            let mut card = card(blocked, true);
            apply(&unlock, &mut card);
            assert_eq!((card.status, card.controls.locked), (blocked, false));
        }
    }
}
