//! `sandbank schemas export` and `sandbank schemas validate`.

use std::io::Read;
use std::process::ExitCode;

use sandbank_registry::compat::CompatibilityMode;
use sandbank_registry::files::CheckError;
use sandbank_registry::registry::CompatibilityReport;
use sandbank_registry::{CompiledSchema, Issue, Registry, RegistryError};
use serde_json::Value;

use crate::cli::{CompatArgs, ExportArgs, ValidateArgs};

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

/// `sandbank schemas compat <name> <candidate.json> [--mode M]`.
pub fn compat(args: &CompatArgs) -> ExitCode {
    match compat_report(args) {
        Ok(report) if report.compatible => {
            println!(
                "compatible: {} is {} compatible with {}",
                args.candidate.display(),
                report.mode,
                args.name
            );
            ExitCode::SUCCESS
        }
        Ok(report) => {
            println!(
                "incompatible: {} is not {} compatible with {} ({} problem{})",
                args.candidate.display(),
                report.mode,
                args.name,
                report.messages.len(),
                if report.messages.len() == 1 { "" } else { "s" }
            );
            for message in &report.messages {
                println!("  {message}");
            }
            ExitCode::from(FAILED)
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(COULD_NOT_RUN)
        }
    }
}

fn compat_report(args: &CompatArgs) -> Result<CompatibilityReport, String> {
    let mode: CompatibilityMode = args.mode.parse().map_err(|error| format!("{error}"))?;
    let text = read_input(&args.candidate)?;
    let candidate: Value = serde_json::from_str(&text)
        .map_err(|error| format!("{} is not valid JSON: {error}", args.candidate.display()))?;
    let registry = Registry::in_memory();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|error| format!("could not start the async runtime: {error}"))?;
    runtime.block_on(async {
        registry
            .check_compatibility(&args.name, &candidate, Some(mode))
            .await
            .map_err(|error| match error {
                RegistryError::SubjectNotFound(_) => format!(
                    "unknown schema {:?}; known schemas: {}",
                    args.name,
                    known_names()
                ),
                RegistryError::InvalidSchema(_) | RegistryError::TooComplex(_) => format!(
                    "{} is not a usable JSON Schema: {error}",
                    args.candidate.display()
                ),
                other => other.to_string(),
            })
    })
}

fn known_names() -> String {
    sandbank_schemas::catalogue()
        .iter()
        .map(|def| def.name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn read_input(path: &std::path::Path) -> Result<String, String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|error| format!("could not read standard input: {error}"))?;
        Ok(text)
    } else {
        std::fs::read_to_string(path)
            .map_err(|error| format!("could not read {}: {error}", path.display()))
    }
}

fn validate_file(args: &ValidateArgs) -> Result<Vec<Issue>, String> {
    let Some(def) = sandbank_schemas::catalogue::find(&args.name) else {
        return Err(format!(
            "unknown schema {:?}; known schemas: {}",
            args.name,
            known_names()
        ));
    };
    let text = read_input(&args.file)?;
    let instance: Value = serde_json::from_str(&text)
        .map_err(|error| format!("{} is not valid JSON: {error}", args.file.display()))?;
    let schema = CompiledSchema::compile(&def.document())
        .map_err(|error| format!("schema {} does not compile: {error}", def.name))?;
    Ok(schema.issues(&instance))
}
