//! `sandbank generate`: a synthetic dataset at any size, streamed with bounded memory.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use sandbank_synth::Generator;
use sandbank_synth::output::NdjsonWriter;

use crate::cli::GenerateArgs;

/// Runs the command.
pub fn run(args: &GenerateArgs) -> ExitCode {
    match generate(args) {
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

fn generate(args: &GenerateArgs) -> Result<String, String> {
    let config = args.config();
    let generator = Generator::new(config.clone()).map_err(|e| e.to_string())?;
    let mut writer = NdjsonWriter::create(&args.out)
        .map_err(|e| format!("could not create {}: {e}", args.out.display()))?;
    let progress = progress_bar(generator.len() as u64);
    let started = Instant::now();
    for bundle in generator.customers() {
        writer
            .write(&bundle)
            .map_err(|e| format!("could not write to {}: {e}", args.out.display()))?;
        progress.inc(1);
        progress.set_message(format!("{} transactions", writer.counts().transactions));
    }
    progress.finish_and_clear();
    let manifest = writer
        .finish(config)
        .map_err(|e| format!("could not write the manifest: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let counts = &manifest.counts;
    Ok(format!(
        "generated {} customers, {} accounts, {} transactions ({} records) into {} in {seconds:.2} s ({:.0} records/s)",
        counts.customers,
        counts.accounts,
        counts.transactions,
        counts.total(),
        args.out.display(),
        counts.total() as f64 / seconds.max(1e-9),
    ))
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
