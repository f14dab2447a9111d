//! The committed default dataset in `seed-data/default/` is exactly what the generator
//! produces, and every record in it validates against its schema.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use sandbank_synth::output::{FILES, MANIFEST, NdjsonWriter};
use sandbank_synth::{Config, Generator};

/// Both tests read `seed-data/default`; one may rewrite it first (SANDBANK_OVERWRITE).
static FOLDER: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seed-data/default")
}

fn write_default(dir: &Path) {
    let generator = Generator::new(Config::default()).unwrap();
    let mut writer = NdjsonWriter::create(dir).unwrap();
    for bundle in generator.customers() {
        writer.write(&bundle).unwrap();
    }
    writer.finish(Config::default()).unwrap();
}

/// Fails when `seed-data/default` differs from the generator; `SANDBANK_OVERWRITE=1` rewrites it.
#[test]
fn committed_default_dataset_matches_the_generator() {
    let _folder = FOLDER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if std::env::var_os("SANDBANK_OVERWRITE").is_some() {
        write_default(&committed());
    }
    let fresh = tempfile::tempdir().unwrap();
    write_default(fresh.path());
    let mut stale = Vec::new();
    for name in FILES.iter().map(|(name, _)| *name).chain([MANIFEST]) {
        let want = std::fs::read(fresh.path().join(name)).unwrap();
        match std::fs::read(committed().join(name)) {
            Ok(have) if have == want => {}
            Ok(_) => stale.push(format!("differs: seed-data/default/{name}")),
            Err(_) => stale.push(format!("missing: seed-data/default/{name}")),
        }
    }
    assert!(
        stale.is_empty(),
        "seed-data/default is stale; regenerate with `SANDBANK_OVERWRITE=1 cargo test -p sandbank-synth --test seed_data` or `cargo run -- generate --out seed-data/default`:\n{}",
        stale.join("\n")
    );
}

#[test]
fn every_committed_record_validates_against_its_schema() {
    let _folder = FOLDER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for (file, schema) in FILES {
        let Some(schema) = schema else { continue };
        let def = sandbank_schemas::catalogue::find(schema).unwrap();
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&def.document())
            .unwrap();
        let text = std::fs::read_to_string(committed().join(file)).unwrap();
        let mut lines = 0;
        for (n, line) in text.lines().enumerate() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            if let Some(error) = validator.iter_errors(&value).next() {
                panic!("{file}:{}: {error} at {}", n + 1, error.instance_path());
            }
            lines += 1;
        }
        assert!(lines > 0, "{file} is empty");
    }
}
