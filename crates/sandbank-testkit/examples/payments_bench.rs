//! `POST /payments` throughput on a SQLite file: each request DPoP-verified, its
//! `Idempotency-Key` checked, the consent checked and used, the payment accepted and settled
//! (balances moved, transactions written) before the answer.
//!
//! A consent pays once, so the consents are made first (headless logins, not timed); then
//! `WORKERS` tasks send the payments, one each, as fast as the server answers. Prints
//! payments/s and the latency percentiles.
//!
//! ```sh
//! cargo run --release -p sandbank-testkit --example payments_bench -- 4000 8
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use sandbank_testkit::{Sandbox, Session};
use serde_json::json;

/// The allocator the `sandbank` binary serves with, so that this in-process server is measured
/// as it is shipped (with glibc's malloc it makes about a tenth fewer payments per second).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let payments: usize = args.next().map_or(Ok(2000), |a| a.parse())?;
    let workers: usize = args.next().map_or(Ok(8), |a| a.parse())?;
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite:{}", dir.path().join("bench.db").display());
    let sandbox = Sandbox::builder()
        .personas_only()
        .database_url(&url)
        .start()
        .await?;
    let client = sandbox.register_client().await?;
    let body = json!({
        "instructedAmount": {"amount": "0.10", "currency": "GBP"},
        "creditorName": "Bristol Lettings Ltd",
        "creditorAccount": {"scheme": "SORT_CODE_ACCOUNT_NUMBER", "identification": "20000055779911"}
    });
    eprintln!("making {payments} consents...");
    let made = Instant::now();
    let mut consents: Vec<Session> = Vec::with_capacity(payments);
    for _ in 0..payments {
        consents.push(
            client
                .login_as("alice")
                .with_scopes(["openid"])
                .paying(body.clone())
                .await?,
        );
    }
    eprintln!("consents made in {:.1} s", made.elapsed().as_secs_f64());

    let queue = Arc::new(tokio::sync::Mutex::new(consents));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let queue = Arc::clone(&queue);
        tasks.spawn(async move {
            let mut latencies: Vec<Duration> = Vec::new();
            let mut failed = 0usize;
            loop {
                let Some(session) = queue.lock().await.pop() else {
                    break;
                };
                let sent = Instant::now();
                match session.pay().await {
                    Ok(payment) if payment["status"] == "SETTLED" => {
                        latencies.push(sent.elapsed());
                    }
                    _ => failed += 1,
                }
            }
            (latencies, failed)
        });
    }
    let mut latencies = Vec::new();
    let mut failed = 0;
    while let Some(done) = tasks.join_next().await {
        let (mine, bad) = done?;
        latencies.extend(mine);
        failed += bad;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |q: f64| {
        let index = ((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1));
        latencies
            .get(index)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{} payments settled in {:.2} s with {workers} workers: {:.0} payments/s, p50 {:.1} ms, \
         p99 {:.1} ms, {failed} not settled",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        at(0.50),
        at(0.99),
    );
    Ok(())
}
