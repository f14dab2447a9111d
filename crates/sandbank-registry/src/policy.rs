//! The versioning policy: a schema whose model changed in a way that is not BACKWARD compatible
//! with its latest frozen version must bump its major version.

use std::fmt;
use std::fs;
use std::io;
use std::path::Path;

use sandbank_schemas::catalogue;
use serde_json::Value;

use crate::compat::{self, CompatibilityMode};
use crate::files::version_key;

/// A schema whose current version breaks the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Schema name.
    pub name: String,
    /// The version the code produces.
    pub current: String,
    /// The latest frozen version it was compared with.
    pub frozen: String,
    /// Why: each incompatibility, or a version ordering problem.
    pub messages: Vec<String>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} {} is not BACKWARD compatible with frozen {} and keeps major version {}; bump the major version in crates/sandbank-schemas/src/catalogue.rs (or undo the change):",
            self.name,
            self.current,
            self.frozen,
            major(&self.current)
        )?;
        for message in &self.messages {
            writeln!(f, "  {message}")?;
        }
        Ok(())
    }
}

fn major(version: &str) -> u64 {
    version_key(version).first().copied().unwrap_or(0)
}

/// Checks one schema: `current` (version and document) against the frozen versions.
pub fn check_schema(
    name: &str,
    current_version: &str,
    current: &Value,
    frozen: &[(String, Value)],
) -> Option<Violation> {
    let newest = frozen
        .iter()
        .filter(|(version, _)| version != current_version)
        .max_by_key(|(version, _)| version_key(version))?;
    let (frozen_version, frozen_document) = newest;
    if version_key(frozen_version) > version_key(current_version) {
        return Some(Violation {
            name: name.to_owned(),
            current: current_version.to_owned(),
            frozen: frozen_version.clone(),
            messages: vec![format!(
                "frozen version {frozen_version} is newer than the current version {current_version}"
            )],
        });
    }
    if major(current_version) > major(frozen_version) {
        return None;
    }
    let messages = match compat::check(
        CompatibilityMode::Backward,
        current,
        std::slice::from_ref(frozen_document),
    ) {
        Ok(findings) if findings.is_empty() => return None,
        Ok(findings) => findings.iter().map(ToString::to_string).collect(),
        Err(too_complex) => vec![too_complex.to_string()],
    };
    Some(Violation {
        name: name.to_owned(),
        current: current_version.to_owned(),
        frozen: frozen_version.clone(),
        messages,
    })
}

/// Checks every catalogue schema against the frozen versions in `dir/<name>/`.
pub fn check_dir(dir: &Path) -> io::Result<Vec<Violation>> {
    let current: Vec<(&str, &str, Value)> = catalogue()
        .iter()
        .map(|def| (def.name, def.version, def.document()))
        .collect();
    check_dir_with(dir, &current)
}

/// Checks `(name, current version, current document)` triples against the frozen versions in
/// `dir/<name>/` (files other than the current version).
pub fn check_dir_with(dir: &Path, current: &[(&str, &str, Value)]) -> io::Result<Vec<Violation>> {
    let mut violations = Vec::new();
    for (name, current_version, document) in current {
        let folder = dir.join(name);
        let entries = match fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
            Err(error) => return Err(error),
        };
        let mut frozen = Vec::new();
        for entry in entries {
            let path = entry?.path();
            let Some(version) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".json"))
            else {
                continue;
            };
            if version == *current_version {
                continue;
            }
            let text = fs::read_to_string(&path)?;
            let frozen_document: Value = serde_json::from_str(&text)
                .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))?;
            frozen.push((version.to_owned(), frozen_document));
        }
        if let Some(violation) = check_schema(name, current_version, document, &frozen) {
            violations.push(violation);
        }
    }
    Ok(violations)
}
