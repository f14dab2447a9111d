//! The access history of the privacy dashboard, as the bank API serves: [`record_access`]
//! notes every request the guard let through on a customer's grant (see
//! [`sandbank_fapi::access_log`]).

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use sandbank_fapi::AuthServer;
use sandbank_fapi::access_log::AccessSlot;
use sandbank_store::AccessRecord;

/// Middleware for bank-API routes: after the response, when the request was authorized on a
/// customer's grant, hands an [`AccessRecord`] to the server's access log (which needs the
/// `AuthServer` as an `axum::Extension`; without it, or with the history off, nothing is
/// recorded).
pub async fn record_access(mut request: Request, next: Next) -> Response {
    let Some(server) = request
        .extensions()
        .get::<AuthServer>()
        .filter(|server| server.access_log.is_on())
        .cloned()
    else {
        return next.run(request).await;
    };
    let slot = AccessSlot::default();
    request.extensions_mut().insert(slot.clone());
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| path.clone(), |matched| matched.as_str().to_owned());
    let response = next.run(request).await;
    if let Some(who) = slot.take() {
        let status = response.status();
        let accounts = if status.is_success() {
            reached(&route, &path, who.accounts)
        } else {
            Vec::new()
        };
        server
            .access_log
            .record(AccessRecord {
                party_id: who.party_id,
                client_id: who.client_id,
                grant_id: who.grant_id,
                at: server.now(),
                action: action(&method, &route),
                method,
                route,
                path,
                status: status.as_u16(),
                accounts,
            })
            .await;
    }
    response
}

/// What a request did, in words: the summary of its operation in the bank API's OpenAPI
/// document (`List the shared accounts`), read once from the router's own documentation.
fn action(method: &str, route: &str) -> String {
    static SUMMARIES: LazyLock<HashMap<(String, String), String>> = LazyLock::new(|| {
        let mut summaries = HashMap::new();
        for (path, item) in crate::router::<AuthServer>().into_openapi().paths.paths {
            let operations = [
                ("GET", &item.get),
                ("PUT", &item.put),
                ("POST", &item.post),
                ("DELETE", &item.delete),
                ("PATCH", &item.patch),
            ];
            for (method, operation) in operations {
                if let Some(summary) = operation.as_ref().and_then(|o| o.summary.clone()) {
                    // Its first sentence: "Change a card's controls. Needs …" → "Change a
                    // card's controls".
                    let first = summary.split(". ").next().unwrap_or(&summary);
                    let summary = first.trim_end_matches('.').to_owned();
                    summaries.insert((method.to_owned(), path.clone()), summary);
                }
            }
        }
        summaries
    });
    SUMMARIES
        .get(&(method.to_owned(), route.to_owned()))
        .cloned()
        .unwrap_or_else(|| format!("{method} {route}"))
}

/// The accounts a successful request reached: the one its path names (`{accountId}`), or every
/// account the token reaches for routes that name none (lists, the customer's own records).
fn reached(route: &str, path: &str, reachable: Vec<String>) -> Vec<String> {
    let named = route
        .split('/')
        .zip(path.split('/'))
        .find(|(template, _)| *template == "{accountId}")
        .map(|(_, value)| value);
    match named {
        Some(id) => reachable.into_iter().filter(|a| a == id).collect(),
        None => reachable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_naming_an_account_reached_only_that_one() {
        let reachable = vec!["acc-1".to_owned(), "acc-2".to_owned()];
        assert_eq!(
            reached(
                "/accounts/{accountId}/transactions",
                "/accounts/acc-2/transactions",
                reachable.clone()
            ),
            vec!["acc-2"]
        );
        assert_eq!(
            reached(
                "/accounts/{accountId}",
                "/accounts/acc-9",
                reachable.clone()
            ),
            Vec::<String>::new()
        );
        assert_eq!(
            reached("/accounts", "/accounts", reachable.clone()),
            reachable
        );
    }

    #[test]
    fn every_operation_is_described_in_words() {
        assert_eq!(action("GET", "/accounts"), "List the shared accounts");
        assert_eq!(
            action("PATCH", "/cards/{cardId}/controls"),
            "Change a card's controls"
        );
        assert_eq!(action("GET", "/nowhere"), "GET /nowhere");
    }
}
