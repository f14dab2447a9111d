//! `sandbank schemas compat <name> <candidate.json> [--mode M]`.

use serde_json::json;

use crate::{sandbank, text, write_json};

fn account() -> serde_json::Value {
    sandbank_schemas::catalogue::find("account")
        .unwrap()
        .document()
}

#[test]
fn the_current_schema_is_compatible_with_itself() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_json(&dir, "account.json", &account());
    let out = sandbank(&["schemas", "compat", "account", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("compatible:"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn an_incompatible_candidate_lists_each_problem_with_its_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let mut candidate = account();
    candidate["required"]
        .as_array_mut()
        .unwrap()
        .push(json!("nickname"));
    candidate["properties"]["nickname"]["maxLength"] = json!(3);
    let file = write_json(&dir, "account.json", &candidate);
    let out = sandbank(&["schemas", "compat", "account", &file]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("not BACKWARD compatible"), "{stdout}");
    assert!(stdout.contains("(2 problems)"), "{stdout}");
    assert!(stdout.contains("REQUIRED_ADDED at /required"), "{stdout}");
    assert!(
        stdout.contains("MAX_LENGTH_DECREASED at /properties/nickname/maxLength"),
        "{stdout}"
    );
    // Narrowing is forward compatible.
    let out = sandbank(&["schemas", "compat", "account", &file, "--mode", "forward"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn compat_cannot_run_on_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_json(&dir, "account.json", &account());
    let bad_json = dir.path().join("bad.json");
    std::fs::write(&bad_json, "{").unwrap();
    let bad_schema = write_json(&dir, "bad-schema.json", &json!({"type": "no-such-type"}));
    for args in [
        vec!["schemas", "compat", "no-such", file.as_str()],
        vec![
            "schemas",
            "compat",
            "account",
            file.as_str(),
            "--mode",
            "SIDEWAYS",
        ],
        vec!["schemas", "compat", "account", "/no/such/file.json"],
        vec!["schemas", "compat", "account", bad_json.to_str().unwrap()],
        vec!["schemas", "compat", "account", bad_schema.as_str()],
    ] {
        let out = sandbank(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).starts_with("error:"),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}
