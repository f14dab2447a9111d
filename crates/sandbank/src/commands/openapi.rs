//! `sandbank openapi export [--check]`.

use std::process::ExitCode;

use crate::cli::OpenapiExportArgs;
use crate::openapi;

/// Writes the OpenAPI document, or checks the committed one.
pub fn export(args: &OpenapiExportArgs) -> ExitCode {
    if args.check {
        return match openapi::check(&args.path) {
            Ok(Ok(())) => {
                println!("{} is up to date", args.path.display());
                ExitCode::SUCCESS
            }
            Ok(Err(diff)) if diff.is_empty() => {
                eprintln!(
                    "{} is missing; run `sandbank openapi export`",
                    args.path.display()
                );
                ExitCode::from(1)
            }
            Ok(Err(diff)) => {
                eprintln!(
                    "{} does not match the code; run `sandbank openapi export` (or the tests with SANDBANK_OVERWRITE=1):",
                    args.path.display()
                );
                for line in diff.lines().take(80) {
                    eprintln!("  {line}");
                }
                ExitCode::from(1)
            }
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::from(2)
            }
        };
    }
    let text = match openapi::render() {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    if let Some(parent) = args.path.parent()
        && !parent.as_os_str().is_empty()
        && let Err(error) = std::fs::create_dir_all(parent)
    {
        eprintln!("error: could not create {}: {error}", parent.display());
        return ExitCode::from(2);
    }
    match std::fs::write(&args.path, text) {
        Ok(()) => {
            println!("wrote {}", args.path.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: could not write {}: {error}", args.path.display());
            ExitCode::from(2)
        }
    }
}
