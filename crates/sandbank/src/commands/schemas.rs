//! `sandbank schemas export` and `sandbank schemas validate`.

use std::io::Read;
use std::process::ExitCode;

use sandbank_registry::files::CheckError;
use sandbank_registry::{CompiledSchema, Issue};
use serde_json::Value;

use crate::cli::{ExportArgs, ValidateArgs};

/// Exit status when a document was checked and found invalid, or a folder found stale.
const FAILED: u8 = 1;
/// Exit status when the job could not be done at all.
const COULD_NOT_RUN: u8 = 2;

/// `sandbank schemas export [--check]`.
pub fn export(args: &ExportArgs) -> ExitCode {
    if args.check {
        return match sandbank_registry::check(&args.dir) {
            Ok(()) => {
                println!("{} is up to date", args.dir.display());
                ExitCode::SUCCESS
            }
            Err(CheckError::Drift(drift)) => {
                eprint!("{drift}");
                ExitCode::from(FAILED)
            }
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::from(COULD_NOT_RUN)
            }
        };
    }
    match sandbank_registry::write(&args.dir) {
        Ok(written) => {
            println!("wrote {} files to {}", written.len(), args.dir.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: could not write {}: {error}", args.dir.display());
            ExitCode::from(COULD_NOT_RUN)
        }
    }
}

/// `sandbank schemas validate <name> <file>`.
pub fn validate(args: &ValidateArgs) -> ExitCode {
    match validate_file(args) {
        Ok(issues) if issues.is_empty() => {
            println!("valid: {} matches {}", args.file.display(), args.name);
            ExitCode::SUCCESS
        }
        Ok(issues) => {
            println!(
                "invalid: {} does not match {} ({} error{})",
                args.file.display(),
                args.name,
                issues.len(),
                if issues.len() == 1 { "" } else { "s" }
            );
            for issue in issues {
                let at = if issue.instance_path.is_empty() {
                    "/"
                } else {
                    issue.instance_path.as_str()
                };
                println!("  at {at}: {} [keyword: {}]", issue.message, issue.keyword);
            }
            ExitCode::from(FAILED)
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(COULD_NOT_RUN)
        }
    }
}

fn validate_file(args: &ValidateArgs) -> Result<Vec<Issue>, String> {
    let Some(def) = sandbank_schemas::catalogue::find(&args.name) else {
        let names: Vec<&str> = sandbank_schemas::catalogue()
            .iter()
            .map(|def| def.name)
            .collect();
        return Err(format!(
            "unknown schema {:?}; known schemas: {}",
            args.name,
            names.join(", ")
        ));
    };
    let text = if args.file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|error| format!("could not read standard input: {error}"))?;
        text
    } else {
        std::fs::read_to_string(&args.file)
            .map_err(|error| format!("could not read {}: {error}", args.file.display()))?
    };
    let instance: Value = serde_json::from_str(&text)
        .map_err(|error| format!("{} is not valid JSON: {error}", args.file.display()))?;
    let schema = CompiledSchema::compile(&def.document())
        .map_err(|error| format!("schema {} does not compile: {error}", def.name))?;
    Ok(schema.issues(&instance))
}
