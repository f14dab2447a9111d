#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The database-backed registry store (`sandbank_store::Store`) on every available backend:
//! SQLite in memory and in a file always, PostgreSQL when `SANDBANK_TEST_POSTGRES_URL` names a
//! server (each test then gets its own database). It keeps the `RegistryStore` contract, stays
//! consistent under concurrent registrations, and what the HTTP API registers survives a
//! restart.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::http::{Method, StatusCode};
use sandbank_registry::{BUILTIN_ID_BASE, Registry, RegistryStore, StoreError, conformance};
use sandbank_store::Store;
use serde_json::{Value, json};

#[allow(dead_code)]
#[path = "registry/http.rs"]
mod http;

// ---------------------------------------------------------------------------------------------
// Backends

use sandbank_store::testing::Db;

/// Runs `body` against each backend in turn (see `sandbank_store::testing`).
async fn on_each_backend<F, Fut>(body: F)
where
    F: Fn(Db) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    sandbank_store::testing::on_each_backend(body)
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// The contract

#[tokio::test]
async fn the_database_store_keeps_the_contract() {
    on_each_backend(|db| async move {
        if let Err(deviation) = conformance(&db.store).await {
            panic!("{}: {deviation}", db.label);
        }
    })
    .await;
}

#[tokio::test]
async fn long_schemas_and_odd_subjects_are_stored_as_given() {
    on_each_backend(|db| async move {
        // Longer than a PostgreSQL index entry may be: uniqueness is on the text's hash.
        let long = format!("{{\"description\":\"{}\"}}", "x".repeat(20_000));
        let subject = "a subject/with ünïcode & 'quotes'";
        let first = db.store.register(subject, &long, None).await.unwrap();
        assert!(first.created);
        let again = db.store.register("other", &long, None).await.unwrap();
        assert_eq!(again.id, first.id);
        assert_eq!(
            db.store.schema_by_id(first.id).await.unwrap(),
            Some(long.clone())
        );
        let versions = db.store.versions(subject).await.unwrap();
        assert_eq!(versions.len(), 1);
        assert_eq!(versions[0].schema, long);
        // Subjects sort byte-wise on every backend.
        db.store.register("B", "{}", None).await.unwrap();
        db.store.register("a", "{}", None).await.unwrap();
        assert_eq!(
            db.store.subjects().await.unwrap(),
            vec!["B", "a", subject, "other"]
        );
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Concurrency

/// Registers `text` as the next version of `subject`, re-reading the latest version after each
/// conflict, as the registry does.
async fn register_retrying(store: &Store, subject: &str, text: &str) -> (u32, u32) {
    for _ in 0..1000 {
        let latest = store
            .versions(subject)
            .await
            .unwrap()
            .last()
            .map(|v| v.version);
        match store.register(subject, text, latest).await {
            Ok(registration) => return (registration.version, registration.id),
            Err(StoreError::Conflict) => tokio::task::yield_now().await,
            Err(error) => panic!("{error}"),
        }
    }
    panic!("{subject}: still conflicting after 1000 attempts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_registrations_get_consecutive_versions_and_distinct_ids() {
    on_each_backend(|db| async move {
        // Two handles, as two instances sharing a database would have (one for memory).
        let second = if db.persistent() {
            Store::connect(&db.url).await.unwrap()
        } else {
            db.store.clone()
        };
        const TASKS: usize = 16;
        const SHARED: usize = 4;
        let mut tasks = Vec::new();
        for n in 0..TASKS {
            let store = if n % 2 == 0 {
                db.store.clone()
            } else {
                second.clone()
            };
            tasks.push(tokio::spawn(async move {
                // A text of its own into the common subject, and a text shared with other tasks
                // into a subject of its own: both race for new ids.
                let own = register_retrying(&store, "s", &format!("{{\"n\":{n}}}")).await;
                let shared = register_retrying(
                    &store,
                    &format!("t{n}"),
                    &format!("{{\"shared\":{}}}", n % SHARED),
                )
                .await;
                (n, own, shared)
            }));
        }
        let mut versions = Vec::new();
        let mut own_ids = BTreeSet::new();
        let mut shared_ids: BTreeMap<usize, BTreeSet<u32>> = BTreeMap::new();
        for task in tasks {
            let (n, (version, id), (shared_version, shared_id)) = task.await.unwrap();
            versions.push(version);
            own_ids.insert(id);
            assert_eq!(shared_version, 1);
            shared_ids.entry(n % SHARED).or_default().insert(shared_id);
        }
        versions.sort_unstable();
        assert_eq!(versions, (1..=TASKS as u32).collect::<Vec<_>>());
        assert_eq!(own_ids.len(), TASKS, "every text has its own id");
        for ids in shared_ids.values() {
            assert_eq!(ids.len(), 1, "one text, one id: {shared_ids:?}");
        }
        let all: BTreeSet<u32> = own_ids
            .iter()
            .chain(shared_ids.values().flatten())
            .copied()
            .collect();
        assert_eq!(all.len(), TASKS + SHARED);
        // Ids are 1, 2, 3... without gaps: a registration that lost a race gave its id back.
        assert_eq!(
            all.into_iter().collect::<Vec<_>>(),
            (1..=(TASKS + SHARED) as u32).collect::<Vec<_>>()
        );

        // What each handle reads back agrees.
        let stored = db.store.versions("s").await.unwrap();
        assert_eq!(stored, second.versions("s").await.unwrap());
        assert_eq!(
            stored.iter().map(|v| v.version).collect::<Vec<_>>(),
            (1..=TASKS as u32).collect::<Vec<_>>()
        );
        if db.persistent() {
            second.close().await;
        }
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Persistence through the HTTP API

const SR: &str = "application/vnd.schemaregistry.v1+json";

fn app_on(store: &Store) -> Router {
    let registry = Registry::new(Arc::new(store.clone()));
    let (router, _) = sandbank_registry::http::router(Arc::new(registry)).split_for_parts();
    router
}

async fn sr(app: &Router, method: Method, uri: &str, body: &Value) -> Value {
    let reply = http::send(
        app,
        method,
        uri,
        Some(&body.to_string()),
        &[("content-type", SR)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text());
    reply.json()
}

async fn get_ok(app: &Router, uri: &str) -> Value {
    let reply = http::get(app, uri).await;
    assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text());
    reply.json()
}

fn schema_request(schema: &Value) -> Value {
    json!({"schema": schema.to_string(), "schemaType": "JSON"})
}

#[tokio::test]
async fn registered_schemas_survive_a_restart() {
    on_each_backend(|db| async move {
        if !db.persistent() {
            return; // nothing outlives an in-memory database
        }
        let person = json!({"type": "object", "properties": {"name": {"type": "string"}}});
        let newer = json!({"type": "object",
                           "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}});
        let app = app_on(&db.store);
        sr(
            &app,
            Method::PUT,
            "/registry/config/people-value",
            &json!({"compatibility": "NONE"}),
        )
        .await;
        let first = sr(
            &app,
            Method::POST,
            "/registry/subjects/people-value/versions",
            &schema_request(&person),
        )
        .await["id"]
            .as_u64()
            .unwrap();
        let second = sr(
            &app,
            Method::POST,
            "/registry/subjects/people-value/versions",
            &schema_request(&newer),
        )
        .await["id"]
            .as_u64()
            .unwrap();
        assert_eq!((first, second), (1, 2));
        sr(
            &app,
            Method::PUT,
            "/registry/config",
            &json!({"compatibility": "FULL"}),
        )
        .await;
        drop(app);
        db.store.close().await;

        // A new process on the same database.
        let store = Store::connect(&db.url).await.unwrap();
        let app = app_on(&store);
        let subjects = get_ok(&app, "/registry/subjects").await;
        assert!(
            subjects
                .as_array()
                .unwrap()
                .contains(&json!("people-value")),
            "{subjects}"
        );
        assert_eq!(
            get_ok(&app, "/registry/subjects/people-value/versions").await,
            json!([1, 2])
        );
        for (version, id, schema) in [(1, first, &person), (2, second, &newer)] {
            let found = get_ok(
                &app,
                &format!("/registry/subjects/people-value/versions/{version}"),
            )
            .await;
            assert_eq!(found["id"], json!(id), "{found}");
            assert_eq!(found["version"], json!(version), "{found}");
            let text: Value = serde_json::from_str(found["schema"].as_str().unwrap()).unwrap();
            assert_eq!(&text, schema);
            let by_id = get_ok(&app, &format!("/registry/schemas/ids/{id}")).await;
            let text: Value = serde_json::from_str(by_id["schema"].as_str().unwrap()).unwrap();
            assert_eq!(&text, schema);
        }
        assert_eq!(
            get_ok(&app, "/registry/config/people-value").await,
            json!({"compatibilityLevel": "NONE"})
        );
        assert_eq!(
            get_ok(&app, "/registry/config").await,
            json!({"compatibilityLevel": "FULL"})
        );
        // Registering the same schema again after the restart finds it; a new one gets the
        // next id.
        let again = sr(
            &app,
            Method::POST,
            "/registry/subjects/people-value/versions",
            &schema_request(&person),
        )
        .await;
        assert_eq!(again["id"], json!(first));
        let third = sr(
            &app,
            Method::POST,
            "/registry/subjects/people-value/versions",
            &schema_request(&json!({"type": "object"})),
        )
        .await;
        assert_eq!(third["id"], json!(3));
        assert!(third["id"].as_u64().unwrap() < u64::from(BUILTIN_ID_BASE));
        store.close().await;
    })
    .await;
}
