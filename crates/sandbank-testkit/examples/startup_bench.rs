//! How long a test waits for its bank: `Sandbox::start()` (default dataset, in-memory
//! database; the personas only with `personas`), then `register_client` +
//! `login_as("alice")`, each run from nothing. Prints the median, fastest and slowest of each
//! over the runs.
//!
//! ```sh
//! cargo run --release -p sandbank-testkit --example startup_bench -- 20
//! cargo run --release -p sandbank-testkit --example startup_bench -- 20 personas
//! ```

use std::time::{Duration, Instant};

use sandbank_testkit::Sandbox;

fn summary(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = match times.len() {
        0 => return,
        n if n % 2 == 1 => ms(times[n / 2]),
        n => (ms(times[n / 2 - 1]) + ms(times[n / 2])) / 2.0,
    };
    println!(
        "{name:<40} median {median:7.1} ms   min {:7.1} ms   max {:7.1} ms   ({} runs)",
        ms(times[0]),
        ms(times[times.len() - 1]),
        times.len()
    );
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = match std::env::args().nth(1) {
        Some(runs) => runs.parse()?,
        None => 10,
    };
    let personas_only = std::env::args().nth(2).as_deref() == Some("personas");
    let mut start = Vec::with_capacity(runs);
    let mut login = Vec::with_capacity(runs);
    let mut total = Vec::with_capacity(runs);
    for _ in 0..runs {
        let began = Instant::now();
        let sandbox = match personas_only {
            true => Sandbox::builder().personas_only().start().await?,
            false => Sandbox::start().await?,
        };
        let started = began.elapsed();
        let client = sandbox.register_client().await?;
        let alice = client
            .login_as("alice")
            .with_scopes(["accounts", "transactions"])
            .await?;
        let all = began.elapsed();
        if !alice.get("/accounts").await?.status().is_success() {
            return Err("GET /accounts failed".into());
        }
        sandbox.shutdown().await?;
        start.push(started);
        login.push(all - started);
        total.push(all);
    }
    summary("Sandbox::start()", start);
    summary("register_client + login_as(\"alice\")", login);
    summary("both", total);
    Ok(())
}
