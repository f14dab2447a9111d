//! The committed `schemas/` folder matches the code, drift is caught, validation reports
//! every error with its paths and keyword, version bumps follow compatibility, and every
//! endpoint of the native and Confluent-compatible APIs behaves, errors included.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

#[path = "registry/confluent_api.rs"]
mod confluent_api;
#[path = "registry/http.rs"]
mod http;
#[path = "registry/inputs.rs"]
mod inputs;
#[path = "registry/native_api.rs"]
mod native_api;
#[path = "registry/policy.rs"]
mod policy;

use sandbank_registry::files::{CheckError, INDEX_FILE, index};
use sandbank_registry::{CompiledSchema, check, write};
use sandbank_schemas::catalogue;
use serde_json::{Value, json};

pub fn committed_schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

/// Fails when `schemas/` differs from the code. `SANDBANK_OVERWRITE=1` rewrites it instead.
#[test]
fn committed_schemas_match_the_code() {
    let dir = committed_schemas();
    if std::env::var_os("SANDBANK_OVERWRITE").is_some() {
        write(&dir).unwrap();
    }
    if let Err(error) = check(&dir) {
        panic!("{error}");
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn a_model_change_without_regeneration_is_drift() {
    let temp = tempfile::tempdir().unwrap();
    write(temp.path()).unwrap();
    check(temp.path()).unwrap();

    // What the files would hold had the Account model lost a field since they were generated.
    let path = temp.path().join("account/1.1.0.json");
    let mut document: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    document["properties"]
        .as_object_mut()
        .unwrap()
        .remove("nickname");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&document).unwrap() + "\n",
    )
    .unwrap();
    std::fs::remove_file(temp.path().join("card/1.0.0.json")).unwrap();

    let Err(CheckError::Drift(drift)) = check(temp.path()) else {
        panic!("drift not detected");
    };
    let report = drift.to_string();
    assert!(report.contains("differs: account/1.1.0.json"), "{report}");
    assert!(
        report.contains("+    \"nickname\""),
        "diff shows the field: {report}"
    );
    assert!(report.contains("missing: card/1.0.0.json"), "{report}");
    assert_eq!(drift.files.len(), 2);
}

#[test]
fn frozen_versions_stay_and_are_listed() {
    let temp = tempfile::tempdir().unwrap();
    copy_dir(&committed_schemas(), temp.path());
    let old = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://sandbank.example/schemas/account/0.9.0.json",
        "title": "Account",
        "type": "object"
    });
    std::fs::write(temp.path().join("account/0.9.0.json"), old.to_string()).unwrap();
    write(temp.path()).unwrap();
    let frozen = std::fs::read_to_string(temp.path().join("account/0.9.0.json")).unwrap();
    assert_eq!(
        frozen,
        old.to_string(),
        "export must not touch frozen versions"
    );

    let entries = index(temp.path()).unwrap();
    let accounts: Vec<(&str, bool)> = entries
        .iter()
        .filter(|e| e.name == "account")
        .map(|e| (e.version.as_str(), e.latest))
        .collect();
    assert_eq!(
        accounts,
        vec![("0.9.0", false), ("1.0.0", false), ("1.1.0", true)]
    );
    let text = std::fs::read_to_string(temp.path().join(INDEX_FILE)).unwrap();
    assert!(text.contains("account/0.9.0.json"));
}

#[test]
fn index_lists_every_schema_with_its_fields() {
    let text = std::fs::read_to_string(committed_schemas().join(INDEX_FILE)).unwrap();
    let index: Value = serde_json::from_str(&text).unwrap();
    // Every version is listed; the latest of each name is the catalogue's current one.
    let all = index["schemas"].as_array().unwrap();
    let entries: Vec<&Value> = all.iter().filter(|e| e["latest"] == true).collect();
    assert_eq!(entries.len(), catalogue().len());
    for file in all {
        let path = committed_schemas().join(file["path"].as_str().unwrap());
        assert!(path.is_file(), "{file}");
    }
    for (entry, def) in entries.into_iter().zip(catalogue()) {
        assert_eq!(entry["name"], def.name);
        assert_eq!(entry["version"], def.version);
        assert_eq!(entry["id"], def.id().as_str());
        assert_eq!(entry["title"], def.title);
        assert_eq!(entry["path"], def.path().as_str());
        let file = committed_schemas().join(entry["path"].as_str().unwrap());
        let document: Value =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        assert_eq!(document["$id"], entry["id"]);
    }
}

#[test]
fn validation_reports_every_error_with_paths_and_keyword() {
    let schema = CompiledSchema::compile(&catalogue::find("card").unwrap().document()).unwrap();
    let mut card = serde_json::to_value(&sandbank_schemas::examples::cards()[0]).unwrap();
    assert!(schema.is_valid(&card));
    assert!(schema.issues(&card).is_empty());

    card["maskedPan"] = json!("4242424242424242");
    card["expiryMonth"] = json!(13);
    card.as_object_mut().unwrap().remove("network");
    let issues = schema.issues(&card);
    assert!(!schema.is_valid(&card));
    let found: Vec<(&str, &str)> = issues
        .iter()
        .map(|i| (i.instance_path.as_str(), i.keyword.as_str()))
        .collect();
    assert!(found.contains(&("/maskedPan", "pattern")), "{found:?}");
    assert!(found.contains(&("/expiryMonth", "maximum")), "{found:?}");
    assert!(found.contains(&("", "required")), "{found:?}");
    let pan = issues
        .iter()
        .find(|i| i.instance_path == "/maskedPan")
        .unwrap();
    assert!(pan.schema_path.ends_with("/pattern"), "{}", pan.schema_path);
    assert!(pan.message.contains("4242424242424242"), "{}", pan.message);
}

#[test]
fn compiling_an_invalid_schema_is_an_error_not_a_panic() {
    assert!(CompiledSchema::compile(&json!({"type": "no-such-type"})).is_err());
    assert!(CompiledSchema::compile(&json!({"$ref": "https://elsewhere.example/x.json"})).is_err());
}
