//! The generated `schemas/` folder: one document per `(name, version)` plus `index.json`.
//!
//! The current version of each schema is rendered from the Rust models. Older versions stay in
//! the folder untouched (frozen) and are listed in the index next to the current one.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use sandbank_schemas::{SchemaDef, catalogue};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Name of the catalogue file at the root of the schemas folder.
pub const INDEX_FILE: &str = "index.json";

/// An entry of `schemas/index.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaFile {
    /// Kebab-case schema name.
    pub name: String,
    /// Semantic version.
    pub version: String,
    /// The document's `$id`.
    pub id: String,
    /// Human title.
    pub title: String,
    /// Path relative to the schemas folder.
    pub path: String,
    /// Whether this is the version the code currently produces.
    pub latest: bool,
}

#[derive(Debug, Serialize, Deserialize)]
struct Index {
    schemas: Vec<SchemaFile>,
}

/// The text of a schema document as committed: pretty JSON and a final newline.
pub fn render(def: &SchemaDef) -> String {
    pretty(&def.document())
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// Orders versions numerically (`1.10.0` after `1.9.0`); anything unparsable sorts first.
pub(crate) fn version_key(version: &str) -> Vec<u64> {
    version
        .split('.')
        .map(|part| part.parse().unwrap_or(0))
        .collect()
}

/// Frozen versions found in `dir/<name>/`: every `*.json` other than the current version.
fn frozen(dir: &Path, def: &SchemaDef) -> io::Result<Vec<SchemaFile>> {
    let folder = dir.join(def.name);
    let entries = match fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut files = Vec::new();
    for entry in entries {
        let file_name = entry?.file_name();
        let Some(version) = file_name.to_str().and_then(|n| n.strip_suffix(".json")) else {
            continue;
        };
        if version == def.version {
            continue;
        }
        let text = fs::read_to_string(folder.join(&file_name))?;
        let document: Value = serde_json::from_str(&text)
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))?;
        let field = |key: &str| document.get(key).and_then(Value::as_str).unwrap_or("");
        files.push(SchemaFile {
            name: def.name.to_owned(),
            version: version.to_owned(),
            id: field("$id").to_owned(),
            title: field("title").to_owned(),
            path: format!("{}/{version}.json", def.name),
            latest: false,
        });
    }
    Ok(files)
}

/// The index for `dir`: every frozen version on disk and every current version, by name in
/// catalogue order, then by version.
pub fn index(dir: &Path) -> io::Result<Vec<SchemaFile>> {
    let mut all = Vec::new();
    for def in catalogue() {
        let mut files = frozen(dir, def)?;
        files.push(SchemaFile {
            name: def.name.to_owned(),
            version: def.version.to_owned(),
            id: def.id(),
            title: def.title.to_owned(),
            path: def.path(),
            latest: true,
        });
        files.sort_by_key(|file| version_key(&file.version));
        all.extend(files);
    }
    Ok(all)
}

fn render_index(dir: &Path) -> io::Result<String> {
    let index = Index {
        schemas: index(dir)?,
    };
    Ok(pretty(
        &serde_json::to_value(&index).map_err(io::Error::other)?,
    ))
}

/// Writes every current schema and the index into `dir`; returns the files written.
pub fn write(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for def in catalogue() {
        let path = dir.join(def.path());
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, render(def))?;
        written.push(path);
    }
    let index_path = dir.join(INDEX_FILE);
    fs::write(&index_path, render_index(dir)?)?;
    written.push(index_path);
    Ok(written)
}

/// One file of the schemas folder that does not match the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftedFile {
    /// Path relative to the schemas folder.
    pub path: String,
    /// A unified diff from the committed file to what the code produces; empty when missing.
    pub diff: String,
    /// Whether the file is missing altogether.
    pub missing: bool,
}

/// Everything in the schemas folder that does not match the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// The files that differ or are missing.
    pub files: Vec<DriftedFile>,
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} schema file(s) do not match the code; run `sandbank schemas export` (or the tests with SANDBANK_OVERWRITE=1) to regenerate:",
            self.files.len()
        )?;
        for file in &self.files {
            if file.missing {
                writeln!(f, "  missing: {}", file.path)?;
            } else {
                writeln!(f, "  differs: {}", file.path)?;
                for line in file.diff.lines().take(40) {
                    writeln!(f, "    {line}")?;
                }
            }
        }
        Ok(())
    }
}

impl std::error::Error for Drift {}

/// Compares `dir` with what the code produces. A file that cannot be read for any reason other
/// than being absent is an I/O error, not drift.
pub fn check(dir: &Path) -> Result<(), CheckError> {
    let mut expected: Vec<(String, String)> = catalogue()
        .iter()
        .map(|def| (def.path(), render(def)))
        .collect();
    expected.push((INDEX_FILE.to_owned(), render_index(dir)?));
    let mut files = Vec::new();
    for (path, want) in expected {
        match fs::read_to_string(dir.join(&path)) {
            Ok(have) if have == want => {}
            Ok(have) => files.push(DriftedFile {
                diff: similar::TextDiff::from_lines(&have, &want)
                    .unified_diff()
                    .context_radius(2)
                    .header(&format!("committed/{path}"), &format!("generated/{path}"))
                    .to_string(),
                path,
                missing: false,
            }),
            Err(error) if error.kind() == io::ErrorKind::NotFound => files.push(DriftedFile {
                path,
                diff: String::new(),
                missing: true,
            }),
            Err(error) => return Err(CheckError::Io(error)),
        }
    }
    if files.is_empty() {
        Ok(())
    } else {
        Err(CheckError::Drift(Drift { files }))
    }
}

/// Why a check did not pass.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The folder differs from the code.
    #[error("{0}")]
    Drift(Drift),
    /// The folder could not be read.
    #[error("could not read the schemas folder: {0}")]
    Io(#[from] io::Error),
}
