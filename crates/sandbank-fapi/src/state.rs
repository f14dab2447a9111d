//! The authorization server's shared state: configuration, store, clock and signing keys.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::Algorithm;
use sandbank_store::{AuthState, Store};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::access_log::AccessLog;
use crate::client::Client;
use crate::clock::Clock;
use crate::config::AsConfig;
use crate::error::OAuthError;
use crate::keys::{KeyError, KeySet, SigningKey, StoredKey};

/// Names of the kinds of entry the authorization server keeps in the store.
pub mod kinds {
    /// Registered clients, by `client_id`.
    pub const CLIENT: &str = "client";
    /// Signing keys, by `kid`.
    pub const SIGNING_KEY: &str = "signing-key";
    /// Marker claimed by the instance that creates the signing keys.
    pub const SIGNING_KEYS_CREATED: &str = "signing-keys-created";
    /// Pushed authorization requests, by `request_uri`.
    pub const PAR: &str = "par";
    /// Authorization codes, by SHA-256 of the code.
    pub const CODE: &str = "code";
    /// Access tokens, by SHA-256 of the token.
    pub const ACCESS_TOKEN: &str = "access-token";
    /// Refresh tokens, by SHA-256 of the token.
    pub const REFRESH_TOKEN: &str = "refresh-token";
    /// Grants, by `grant_id`.
    pub const GRANT: &str = "grant";
    /// DPoP proof `jti`s seen, by thumbprint and `jti`.
    pub const DPOP_JTI: &str = "dpop-jti";
    /// Client assertion `jti`s seen, by client and `jti`.
    pub const ASSERTION_JTI: &str = "assertion-jti";
    /// Login and consent interactions in progress, by interaction id.
    pub const INTERACTION: &str = "interaction";
    /// DPoP nonces the server handed out, by nonce.
    pub const DPOP_NONCE: &str = "dpop-nonce";
    /// Privacy-dashboard sessions, by session id.
    pub const ACCOUNT_SESSION: &str = "account-session";
    /// CIBA backchannel authentication requests, by `auth_req_id` ([`crate::ciba`]).
    pub const CIBA: &str = "ciba-request";
    /// The one decision of a CIBA request, claimed by `auth_req_id`.
    pub const CIBA_DECIDED: &str = "ciba-decided";
    /// When a CIBA request was last polled, and its interval, by `auth_req_id`.
    pub const CIBA_POLL: &str = "ciba-poll";
    /// `jti`s of signed CIBA requests seen, by client and `jti`.
    pub const CIBA_REQUEST_JTI: &str = "ciba-request-jti";
    /// The local certificate authority of the TLS listener (key `v1`).
    pub const TLS_CA: &str = "tls-ca";
}

/// Lifetime of entries that do not expire (clients, keys): a century.
pub fn forever() -> Duration {
    Duration::days(36_500)
}

/// The authorization server.
#[derive(Debug, Clone)]
pub struct AuthServer {
    /// Configuration.
    pub config: Arc<AsConfig>,
    /// The database.
    pub store: Store,
    /// The sandbox clock.
    pub clock: Clock,
    /// Signing keys.
    pub keys: Arc<KeySet>,
    /// Where the bank API records the access history ([`crate::access_log`]).
    pub access_log: AccessLog,
    /// Wakes the payment-notification worker ([`crate::notifications`]).
    pub notifier: crate::notifications::Notifier,
    /// Deletes expired state in the background ([`crate::purge`]).
    pub purge: crate::purge::Purge,
}

/// The first signing keys of a database that has none, being made on a blocking thread while
/// the caller gets on with the rest of its start-up (making an RSA key is the slowest part of
/// starting an empty database). See [`AuthServer::make_keys_ahead`].
#[derive(Debug)]
pub struct KeysAhead(tokio::task::JoinHandle<Result<Vec<StoredKey>, KeyError>>);

impl KeysAhead {
    /// Starts making the keys.
    fn spawn() -> KeysAhead {
        KeysAhead(tokio::task::spawn_blocking(new_signing_keys))
    }

    /// The keys, once made.
    async fn keys(self) -> Result<Vec<StoredKey>, OAuthError> {
        self.0
            .await
            .map_err(OAuthError::server_error)?
            .map_err(OAuthError::server_error)
    }
}

/// One new key of each algorithm the server signs with.
fn new_signing_keys() -> Result<Vec<StoredKey>, KeyError> {
    [Algorithm::PS256, Algorithm::ES256]
        .into_iter()
        .map(|alg| SigningKey::generate(alg, "").map(|(_, stored)| stored))
        .collect()
}

impl AuthServer {
    /// When `store` holds no signing keys yet, starts making them on a blocking thread, for
    /// [`AuthServer::start_with`] to store; `None` when it has them. Call it before other
    /// long start-up work (loading a dataset) so that the two overlap.
    pub async fn make_keys_ahead(
        store: &Store,
        now: DateTime<Utc>,
    ) -> Result<Option<KeysAhead>, OAuthError> {
        let stored = load_keys(&store.auth_state(), now).await?;
        Ok(stored.is_empty().then(KeysAhead::spawn))
    }

    /// Loads the signing keys from the store, creating them on the very first start, so that
    /// every instance sharing a database publishes the same JWKS.
    pub async fn start(
        store: Store,
        config: AsConfig,
        clock: Clock,
    ) -> Result<AuthServer, OAuthError> {
        AuthServer::start_with(store, config, clock, None).await
    }

    /// [`AuthServer::start`], storing the keys `ahead` made if this start is the one that
    /// creates the database's keys (otherwise they are dropped, and the stored keys used).
    pub async fn start_with(
        store: Store,
        config: AsConfig,
        clock: Clock,
        ahead: Option<KeysAhead>,
    ) -> Result<AuthServer, OAuthError> {
        let auth = store.auth_state();
        let now = clock.now();
        let mut stored = load_keys(&auth, now).await?;
        if stored.is_empty() {
            let created = auth
                .remember_once(kinds::SIGNING_KEYS_CREATED, "v1", now, now + forever())
                .await
                .map_err(OAuthError::server_error)?;
            if created {
                let ahead = ahead.unwrap_or_else(KeysAhead::spawn);
                for mut key in ahead.keys().await? {
                    key.created_at = now.to_rfc3339();
                    let value = serde_json::to_value(&key).map_err(OAuthError::server_error)?;
                    auth.put(kinds::SIGNING_KEY, &key.kid, &value, now, now + forever())
                        .await
                        .map_err(OAuthError::server_error)?;
                }
            } else {
                // Another instance is creating them: wait for its keys.
                for _ in 0..50 {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    stored = load_keys(&auth, now).await?;
                    if stored.len() >= 2 {
                        break;
                    }
                }
            }
            stored = load_keys(&auth, now).await?;
        }
        let keys = stored
            .iter()
            .map(SigningKey::from_stored)
            .collect::<Result<Vec<_>, _>>()
            .map_err(OAuthError::server_error)?;
        let access_log = if config.record_access {
            AccessLog::start(store.clone())
        } else {
            AccessLog::off()
        };
        let purge = crate::purge::Purge::start(store.clone(), clock.clone(), config.purge_interval);
        let server = AuthServer {
            config: Arc::new(config),
            access_log,
            store,
            clock,
            keys: Arc::new(KeySet::new(keys)),
            notifier: crate::notifications::Notifier::default(),
            purge,
        };
        crate::notifications::start(server.clone());
        Ok(server)
    }

    /// The store's authorization-server state.
    pub fn auth(&self) -> AuthState {
        self.store.auth_state()
    }

    /// Now, by the sandbox clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Reads an entry as `T` (live entries only; consumed ones too).
    pub async fn read<T: DeserializeOwned>(
        &self,
        kind: &str,
        key: &str,
    ) -> Result<Option<T>, OAuthError> {
        let entry = self
            .auth()
            .get(kind, key, self.now())
            .await
            .map_err(OAuthError::server_error)?;
        match entry {
            Some(entry) => serde_json::from_value(entry.value)
                .map(Some)
                .map_err(OAuthError::server_error),
            None => Ok(None),
        }
    }

    /// Writes an entry that lives for `ttl`.
    pub async fn write<T: Serialize>(
        &self,
        kind: &str,
        key: &str,
        value: &T,
        ttl: Duration,
    ) -> Result<(), OAuthError> {
        let now = self.now();
        let value: Value = serde_json::to_value(value).map_err(OAuthError::server_error)?;
        self.auth()
            .put(kind, key, &value, now, now + ttl)
            .await
            .map_err(OAuthError::server_error)
    }

    /// A registered client.
    pub async fn client(&self, client_id: &str) -> Result<Option<Client>, OAuthError> {
        self.read(kinds::CLIENT, client_id).await
    }
}

async fn load_keys(auth: &AuthState, now: DateTime<Utc>) -> Result<Vec<StoredKey>, OAuthError> {
    let entries = auth
        .list(kinds::SIGNING_KEY, now)
        .await
        .map_err(OAuthError::server_error)?;
    let mut keys: Vec<StoredKey> = entries
        .into_iter()
        .filter_map(|(_, entry)| serde_json::from_value(entry.value).ok())
        .collect();
    keys.sort_by(|a, b| {
        (a.alg.clone(), a.created_at.clone()).cmp(&(b.alg.clone(), b.created_at.clone()))
    });
    Ok(keys)
}
