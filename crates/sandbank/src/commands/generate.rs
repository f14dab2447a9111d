//! `sandbank generate`: a synthetic dataset at any size, streamed with bounded memory into
//! NDJSON files or straight into a database.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use sandbank_store::Store;
use sandbank_synth::output::NdjsonWriter;
use sandbank_synth::{DatasetCounts, Generator};

use crate::cli::GenerateArgs;
use crate::dataset::Loaded;

/// Runs the command.
pub fn run(args: &GenerateArgs) -> ExitCode {
    let result = match (&args.out, &args.database_url) {
        (Some(_), _) => to_files(args),
        (None, Some(url)) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
            .and_then(|runtime| runtime.block_on(to_database(args, url))),
        (None, None) => Err("give --out DIR or --database-url URL".to_owned()),
    };
    match result {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn summary(
    where_to: &str,
    customers: u64,
    accounts: u64,
    transactions: u64,
    total: u64,
    started: Instant,
) -> String {
    let seconds = started.elapsed().as_secs_f64();
    format!(
        "generated {customers} customers, {accounts} accounts, {transactions} transactions ({total} records) into {where_to} in {seconds:.2} s ({:.0} records/s)",
        total as f64 / seconds.max(1e-9),
    )
}

fn to_files(args: &GenerateArgs) -> Result<String, String> {
    let Some(out) = &args.out else {
        return Err("no --out folder".to_owned());
    };
    let config = args.config();
    let generator = Generator::new(config.clone()).map_err(|e| e.to_string())?;
    let mut writer = NdjsonWriter::create(out)
        .map_err(|e| format!("could not create {}: {e}", out.display()))?;
    let progress = progress_bar(generator.len() as u64);
    let started = Instant::now();
    for bundle in generator.customers() {
        writer
            .write(&bundle)
            .map_err(|e| format!("could not write to {}: {e}", out.display()))?;
        progress.inc(1);
        progress.set_message(format!("{} transactions", writer.counts().transactions));
    }
    progress.finish_and_clear();
    let manifest = writer
        .finish(config)
        .map_err(|e| format!("could not write the manifest: {e}"))?;
    let DatasetCounts {
        customers,
        accounts,
        transactions,
        ..
    } = manifest.counts;
    Ok(summary(
        &out.display().to_string(),
        customers,
        accounts,
        transactions,
        manifest.counts.total(),
        started,
    ))
}

async fn to_database(args: &GenerateArgs, url: &str) -> Result<String, String> {
    let config = args.config();
    let store = Store::connect(url)
        .await
        .map_err(|e| format!("could not open {url}: {e}"))?;
    let len = Generator::new(config.clone())
        .map_err(|e| e.to_string())?
        .len();
    let progress = progress_bar(len as u64);
    let started = Instant::now();
    let loaded = crate::dataset::load(&store, &config, |counts| {
        progress.inc(1);
        progress.set_message(format!("{} transactions", counts.transactions));
    })
    .await
    .map_err(|e| e.to_string())?;
    progress.finish_and_clear();
    store.close().await;
    match loaded {
        Loaded::Written(c) => Ok(summary(
            url,
            c.customers,
            c.accounts,
            c.transactions,
            c.total(),
            started,
        )),
        Loaded::AlreadyThere(_) => Ok(format!("{url} already holds this dataset; nothing written")),
    }
}

/// A bar on a terminal; nothing when stderr is not one (CI logs, pipes).
fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(
        "{elapsed_precise} [{bar:40}] {pos}/{len} customers, {msg} ({eta} left)",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
