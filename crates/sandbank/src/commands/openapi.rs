//! `sandbank openapi export [--check]`.

use std::process::ExitCode;

use crate::cli::OpenapiExportArgs;
use crate::openapi;

/// Writes the OpenAPI document and its YAML twin, or checks the committed ones.
pub fn export(args: &OpenapiExportArgs) -> ExitCode {
    if args.check {
        return check(args);
    }
    let files = match openapi::files(&args.path) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    for (path, text) in files {
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
            && let Err(error) = std::fs::create_dir_all(parent)
        {
            eprintln!("error: could not create {}: {error}", parent.display());
            return ExitCode::from(2);
        }
        if let Err(error) = std::fs::write(&path, text) {
            eprintln!("error: could not write {}: {error}", path.display());
            return ExitCode::from(2);
        }
        println!("wrote {}", path.display());
    }
    ExitCode::SUCCESS
}

fn check(args: &OpenapiExportArgs) -> ExitCode {
    let stale = match openapi::check(&args.path) {
        Ok(stale) => stale,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    if stale.is_empty() {
        println!(
            "{} and {} are up to date",
            args.path.display(),
            openapi::yaml_path(&args.path).display()
        );
        return ExitCode::SUCCESS;
    }
    for (path, diff) in stale {
        if diff.is_empty() {
            eprintln!(
                "{} is missing; run `sandbank openapi export`",
                path.display()
            );
            continue;
        }
        eprintln!(
            "{} does not match the code; run `sandbank openapi export` (or the tests with SANDBANK_OVERWRITE=1):",
            path.display()
        );
        for line in diff.lines().take(80) {
            eprintln!("  {line}");
        }
    }
    ExitCode::from(1)
}
