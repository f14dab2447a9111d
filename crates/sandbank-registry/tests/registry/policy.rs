//! The versioning policy: a change that is not BACKWARD compatible with the latest frozen
//! version needs a major version bump.

use sandbank_registry::policy::{check_dir, check_dir_with};
use sandbank_schemas::catalogue;
use serde_json::{Value, json};

use crate::{committed_schemas, copy_dir};

#[test]
fn committed_schemas_follow_the_versioning_policy() {
    let violations = check_dir(&committed_schemas()).unwrap();
    assert!(
        violations.is_empty(),
        "{}",
        violations
            .iter()
            .map(ToString::to_string)
            .collect::<String>()
    );
}

fn account() -> Value {
    catalogue::find("account").unwrap().document()
}

/// A temp schemas folder where `account/1.0.0.json` is frozen (the committed document).
fn frozen_account() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    copy_dir(&committed_schemas(), temp.path());
    temp
}

#[test]
fn an_incompatible_change_without_a_major_bump_fails() {
    let temp = frozen_account();
    let mut changed = account();
    changed["required"]
        .as_array_mut()
        .unwrap()
        .push(json!("nickname"));
    let violations = check_dir_with(temp.path(), &[("account", "1.1.0", changed.clone())]).unwrap();
    assert_eq!(violations.len(), 1);
    let report = violations[0].to_string();
    assert!(
        report.contains("account 1.1.0") && report.contains("frozen 1.0.0"),
        "{report}"
    );
    assert!(report.contains("REQUIRED_ADDED at /required"), "{report}");

    // The same change with the major version bumped is allowed.
    assert!(
        check_dir_with(temp.path(), &[("account", "2.0.0", changed)])
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_compatible_change_needs_only_a_minor_bump() {
    let temp = frozen_account();
    let mut changed = account();
    // Widening: nickname may now be any JSON value, not only a string or null.
    changed["properties"]["nickname"] = json!({"description": "Anything."});
    let violations = check_dir_with(temp.path(), &[("account", "1.1.0", changed)]).unwrap();
    assert!(violations.is_empty(), "{violations:?}");
}

#[test]
fn a_frozen_version_newer_than_the_code_fails() {
    let temp = frozen_account();
    std::fs::write(
        temp.path().join("account/1.2.0.json"),
        serde_json::to_string(&account()).unwrap(),
    )
    .unwrap();
    let violations = check_dir(temp.path()).unwrap();
    assert_eq!(violations.len(), 1);
    assert!(
        violations[0].messages[0].contains("newer"),
        "{:?}",
        violations[0]
    );
}

#[test]
fn an_older_major_may_differ_freely() {
    let temp = frozen_account();
    // A fabricated 0.9.0 that allowed things 1.0.0 no longer does.
    let old =
        json!({"type": "object", "properties": {"accountId": {"type": ["string", "integer"]}}});
    std::fs::write(temp.path().join("account/0.9.0.json"), old.to_string()).unwrap();
    assert!(check_dir(temp.path()).unwrap().is_empty());
    // But as 1.0.0's frozen predecessor 1.0.0 → 1.1.0, the same would fail.
    let violations = check_dir_with(temp.path(), &[("account", "0.9.5", account())]).unwrap();
    assert_eq!(violations.len(), 1, "0.9.0 -> 0.9.5 narrows accountId");
}
