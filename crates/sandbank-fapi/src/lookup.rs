//! Finding a presented token and deciding whether it is still usable — the one rule the
//! resource-server guard, introspection and revocation share.
//!
//! A token is usable while its store entry is live and not consumed, its record's `exp` is in
//! the future, its grant (if it has one) exists, belongs to the same client, is `ACTIVE` and
//! has not expired, and its client is still registered.

use chrono::{DateTime, Utc};
use sandbank_schemas::Consent;
use sandbank_schemas::consent::ConsentStatus;
use sandbank_store::Link;

use crate::client::Client;
use crate::error::OAuthError;
use crate::state::{AuthServer, kinds};
use crate::tokens::{TokenRecord, token_key};

/// Access or refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An access token.
    Access,
    /// A refresh token.
    Refresh,
}

impl TokenKind {
    /// The store kind its records live under.
    pub fn store_kind(self) -> &'static str {
        match self {
            TokenKind::Access => kinds::ACCESS_TOKEN,
            TokenKind::Refresh => kinds::REFRESH_TOKEN,
        }
    }

    /// The kinds to search, in order, for an RFC 7009/7662 `token_type_hint`. An unknown
    /// hint is ignored (RFC 7009 §2.1 lets the server search everywhere).
    pub fn search_order(hint: Option<&str>) -> [TokenKind; 2] {
        match hint {
            Some("refresh_token") => [TokenKind::Refresh, TokenKind::Access],
            _ => [TokenKind::Access, TokenKind::Refresh],
        }
    }
}

/// Why a token the server knows is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    /// Its `exp` has passed.
    Expired,
    /// It was revoked (its entry is consumed).
    Revoked,
    /// Its grant is missing, belongs to someone else, or is not `ACTIVE`.
    GrantNotActive,
    /// Its grant has expired.
    GrantExpired,
    /// Its client is no longer registered.
    ClientGone,
}

impl Unusable {
    /// Why, for a person (safe to send).
    pub fn describe(self) -> &'static str {
        match self {
            Unusable::Expired => "the access token has expired",
            Unusable::Revoked => "the access token has been revoked",
            Unusable::GrantNotActive => "the grant behind the token is no longer active",
            Unusable::GrantExpired => "the grant behind the token has expired",
            Unusable::ClientGone => "the client the token was issued to is no longer registered",
        }
    }
}

/// A token found in the store, with its grant and the verdict on it.
#[derive(Debug, Clone)]
pub struct FoundToken {
    /// Access or refresh token.
    pub kind: TokenKind,
    /// Its store key (SHA-256 of the token).
    pub key: String,
    /// What the store remembers about it.
    pub record: TokenRecord,
    /// Its grant, when it has one and the grant is still stored.
    pub grant: Option<Consent>,
    /// `Ok` when the token is usable.
    pub verdict: Result<(), Unusable>,
    /// The client it was issued to, while it is registered.
    pub client: Option<Client>,
}

/// Decides whether a token is usable. `consumed`: its store entry is marked consumed;
/// `grant`: the stored grant named by `record.grant_id`, if any; `client_registered`: its
/// client still exists.
pub fn check_usable(
    record: &TokenRecord,
    consumed: bool,
    grant: Option<&Consent>,
    client_registered: bool,
    now: DateTime<Utc>,
) -> Result<(), Unusable> {
    if consumed {
        return Err(Unusable::Revoked);
    }
    if record.exp <= now.timestamp() {
        return Err(Unusable::Expired);
    }
    if !client_registered {
        return Err(Unusable::ClientGone);
    }
    if let Some(grant_id) = &record.grant_id {
        let Some(grant) = grant else {
            return Err(Unusable::GrantNotActive);
        };
        if grant.consent_id.as_str() != grant_id
            || grant.client_id.as_str() != record.client_id
            || grant.status != ConsentStatus::Active
        {
            return Err(Unusable::GrantNotActive);
        }
        if grant.expires_at.is_some_and(|at| at <= now) {
            return Err(Unusable::GrantExpired);
        }
    }
    Ok(())
}

/// Finds `token` among the kinds in `order` (first hit wins) and judges it. `None`: the server
/// does not know it (never issued, expired out of the store, or deleted by revocation).
pub async fn find(
    server: &AuthServer,
    token: &str,
    order: &[TokenKind],
) -> Result<Option<FoundToken>, OAuthError> {
    if token.is_empty() {
        return Ok(None);
    }
    let key = token_key(token);
    let now = server.now();
    // The token, its grant and its client in one read.
    let links = [
        Link {
            kind: kinds::GRANT,
            field: "grant_id",
        },
        Link {
            kind: kinds::CLIENT,
            field: "client_id",
        },
    ];
    for kind in order {
        let found = server
            .auth()
            .get_linked(kind.store_kind(), &key, links, now)
            .await
            .map_err(OAuthError::server_error)?;
        let Some((entry, [grant, client])) = found else {
            continue;
        };
        let record: TokenRecord =
            serde_json::from_value(entry.value).map_err(OAuthError::server_error)?;
        let grant: Option<Consent> = grant
            .map(|grant| serde_json::from_value(grant.value))
            .transpose()
            .map_err(OAuthError::server_error)?;
        let client: Option<Client> = client
            .map(|client| serde_json::from_value(client.value))
            .transpose()
            .map_err(OAuthError::server_error)?;
        let verdict = check_usable(
            &record,
            entry.consumed_at.is_some(),
            grant.as_ref(),
            client.is_some(),
            now,
        );
        return Ok(Some(FoundToken {
            kind: *kind,
            key,
            record,
            grant,
            verdict,
            client,
        }));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use sandbank_schemas::{ClientId, ConsentId, PartyId};

    use super::*;
    use crate::tokens::Confirmation;

    fn record(now: DateTime<Utc>) -> TokenRecord {
        TokenRecord {
            client_id: "c1".into(),
            sub: Some("p1".into()),
            grant_id: Some("g1".into()),
            scope: vec!["accounts".into()],
            accounts: vec![],
            permissions: vec![],
            authorization_details: vec![],
            cnf: Confirmation::default(),
            iat: now.timestamp(),
            exp: (now + Duration::minutes(5)).timestamp(),
            auth_time: None,
        }
    }

    fn grant(now: DateTime<Utc>, status: ConsentStatus) -> Consent {
        Consent {
            consent_id: ConsentId::new("g1").unwrap(),
            customer_id: PartyId::new("p1").unwrap(),
            client_id: ClientId::new("c1").unwrap(),
            client_name: "App".into(),
            status,
            scopes: vec![],
            account_ids: vec![],
            permissions: vec![],
            authorization_details: vec![],
            created_at: now,
            updated_at: now,
            expires_at: None,
        }
    }

    #[test]
    fn every_reason_a_known_token_stops_working() {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let active = grant(now, ConsentStatus::Active);
        let token = record(now);
        assert_eq!(
            check_usable(&token, false, Some(&active), true, now),
            Ok(())
        );
        assert_eq!(
            check_usable(&token, true, Some(&active), true, now),
            Err(Unusable::Revoked)
        );
        let later = now + Duration::minutes(5);
        assert_eq!(
            check_usable(&token, false, Some(&active), true, later),
            Err(Unusable::Expired)
        );
        assert_eq!(
            check_usable(&token, false, Some(&active), false, now),
            Err(Unusable::ClientGone)
        );
        assert_eq!(
            check_usable(&token, false, None, true, now),
            Err(Unusable::GrantNotActive)
        );
        for status in [ConsentStatus::Revoked, ConsentStatus::Expired] {
            assert_eq!(
                check_usable(&token, false, Some(&grant(now, status)), true, now),
                Err(Unusable::GrantNotActive)
            );
        }
        let mut other_client = active.clone();
        other_client.client_id = ClientId::new("c2").unwrap();
        assert_eq!(
            check_usable(&token, false, Some(&other_client), true, now),
            Err(Unusable::GrantNotActive)
        );
        let mut expired = active.clone();
        expired.expires_at = Some(now);
        assert_eq!(
            check_usable(&token, false, Some(&expired), true, now),
            Err(Unusable::GrantExpired)
        );
        let mut no_grant = token.clone();
        no_grant.grant_id = None;
        assert_eq!(check_usable(&no_grant, false, None, true, now), Ok(()));
    }
}
