//! Embeds the committed `schemas/` folder (every `<name>/<version>.json`) into the library, so
//! the server serves frozen versions without any file at run time.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let schemas = manifest.join("../../schemas");
    println!("cargo::rerun-if-changed={}", schemas.display());
    let mut files = Vec::new();
    collect(&schemas, &mut files);
    files.sort();
    let mut out = String::from(
        "/// Every `(name, version, text)` of the committed schemas folder.\npub static EMBEDDED: &[(&str, &str, &str)] = &[\n",
    );
    for (name, version, path) in files {
        let _ = writeln!(
            out,
            "    ({name:?}, {version:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    out.push_str("];\n");
    let target = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default()).join("embedded.rs");
    if let Err(error) = fs::write(&target, out) {
        println!("cargo::error=could not write {}: {error}", target.display());
    }
}

fn collect(dir: &Path, files: &mut Vec<(String, String, PathBuf)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let folder = entry.path();
        if !folder.is_dir() {
            continue;
        }
        let Some(name) = folder
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_owned)
        else {
            continue;
        };
        let Ok(versions) = fs::read_dir(&folder) else {
            continue;
        };
        for file in versions.flatten() {
            let path = file.path();
            let Some(version) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".json"))
                .map(str::to_owned)
            else {
                continue;
            };
            let absolute = fs::canonicalize(&path).unwrap_or(path);
            files.push((name.clone(), version, absolute));
        }
    }
}
