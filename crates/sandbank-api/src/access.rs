//! What a request may see: the shared-account check every route makes, list envelopes and the
//! query-parameter rule.

use sandbank_fapi::{AuthServer, Authorized};
use sandbank_schemas::{Account, AccountId, Links, Page, PageMeta, PartyId, Permission};

use crate::fapi_request::Details;
use crate::problem::ApiError;

/// The accounts a request may see: those of `customer_accounts` (every account the customer is
/// related to) that the token and its grant reach, in the store's order.
pub fn visible_accounts(authorized: &Authorized, customer_accounts: Vec<Account>) -> Vec<Account> {
    let reachable = authorized.account_ids();
    customer_accounts
        .into_iter()
        .filter(|account| reachable.contains(&account.account_id))
        .collect()
}

/// The permission and the customer of a request: the guard's 403 without the permission.
pub fn customer(authorized: &Authorized, permission: Permission) -> Result<&PartyId, ApiError> {
    authorized.require(permission)?;
    Ok(authorized.require_customer()?)
}

/// The account `raw_id` when `permission` is granted and the account is shared with the client
/// and related to its customer; 404 (`instance`) otherwise, whatever the reason.
pub async fn shared_account(
    server: &AuthServer,
    authorized: &Authorized,
    permission: Permission,
    raw_id: &str,
    instance: &str,
) -> Result<Account, ApiError> {
    let customer = customer(authorized, permission)?;
    let Ok(id) = AccountId::new(raw_id) else {
        return Err(ApiError::not_found(instance));
    };
    if !authorized.reaches(&id) {
        return Err(ApiError::not_found(instance));
    }
    server
        .store
        .account_for_party(customer, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(instance))
}

/// [`shared_account`] for operations that take no query parameters: the access checks first
/// (so a stranger learns nothing from a 400), then a malformed FAPI request header or any query
/// parameter is a 400.
pub async fn shared_account_without_query(
    server: &AuthServer,
    authorized: &Authorized,
    permission: Permission,
    raw_id: &str,
    instance: &str,
    details: &Details,
) -> Result<Account, ApiError> {
    let account = shared_account(server, authorized, permission, raw_id, instance).await?;
    details.nothing_more(instance)?;
    Ok(account)
}

/// Whether the token reaches `account_id` (the resource hangs off that account).
pub fn reaches(
    authorized: &Authorized,
    account_id: &AccountId,
    instance: &str,
) -> Result<(), ApiError> {
    if authorized.reaches(account_id) {
        Ok(())
    } else {
        Err(ApiError::not_found(instance))
    }
}

/// A whole list on one page.
pub fn whole_list<T>(server: &AuthServer, path: &str, data: Vec<T>) -> Page<T> {
    one_page(server.config.url(path), data)
}

/// A whole list on one page at `url`.
pub fn one_page<T>(url: String, data: Vec<T>) -> Page<T> {
    let count = data.len();
    Page {
        data,
        links: Links {
            self_link: url,
            first: None,
            prev: None,
            next: None,
        },
        meta: PageMeta {
            page_size: u32::try_from(count).unwrap_or(u32::MAX),
            total_records: Some(count as u64),
        },
    }
}

/// Routes without query parameters reject any: an ignored parameter would hide a client's
/// mistake.
pub fn no_query(query: Option<&str>, instance: &str) -> Result<(), ApiError> {
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return Ok(());
    };
    let name = url::form_urlencoded::parse(query.as_bytes())
        .next()
        .map(|(name, _)| name.into_owned())
        .unwrap_or_default();
    Err(ApiError::invalid(
        instance,
        &name,
        "this operation takes no query parameters",
    ))
}
