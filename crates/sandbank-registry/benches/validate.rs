//! Validating a typical transaction with the compiled validator the registry caches.
//!
//! `cargo bench -p sandbank-registry` — the README records the figure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sandbank_registry::{Registry, VersionRef};

fn validate(c: &mut Criterion) {
    let registry = Registry::in_memory();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let version = runtime
        .block_on(registry.get("transaction", &VersionRef::Latest))
        .unwrap();
    let validator = registry.validator(&version).unwrap();
    // A card payment: the most common transaction, with merchant and card detail.
    let transaction = serde_json::to_value(&sandbank_schemas::examples::transactions()[0]).unwrap();
    assert!(validator.is_valid(&transaction));
    let mut invalid = transaction.clone();
    invalid["amount"]["currency"] = serde_json::json!("gbp");

    let mut group = c.benchmark_group("transaction");
    group.throughput(Throughput::Elements(1));
    group.bench_function("is_valid", |b| {
        b.iter(|| validator.is_valid(black_box(&transaction)))
    });
    group.bench_function("issues_valid", |b| {
        b.iter(|| validator.issues(black_box(&transaction)))
    });
    group.bench_function("issues_invalid", |b| {
        b.iter(|| validator.issues(black_box(&invalid)))
    });
    group.finish();
}

criterion_group!(benches, validate);
criterion_main!(benches);
