//! Replays every committed fuzz input (the seed corpora in fuzz/corpus/<target>/ and every
//! input a fuzz run ever crashed on, kept in fuzz/regressions/<target>/) through the same
//! entry points the fuzz targets use, so a fixed crash can never come back unnoticed.

use scim_doctor::fuzz_entry::{run, TARGETS};
use std::path::Path;

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Proves every seed and every recorded crash input runs through its target without a panic.
#[test]
fn every_committed_fuzz_input_runs_without_panicking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut ran = 0;
    for target in TARGETS {
        for kind in ["corpus", "regressions"] {
            for input in inputs(&root.join(kind).join(target)) {
                let Ok(data) = std::fs::read(&input) else {
                    continue;
                };
                let outcome = std::panic::catch_unwind(|| run(target, &data));
                assert!(outcome.is_ok(), "{target} panicked on {}", input.display());
                ran += 1;
            }
        }
    }
    assert!(
        ran >= TARGETS.len(),
        "expected at least one seed per target, ran {ran}"
    );
}

/// Proves the target list matches the fuzz crate's [[bin]] entries (a new target gets a corpus).
#[test]
fn every_fuzz_target_is_declared_and_seeded() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("fuzz/Cargo.toml");
    for target in TARGETS {
        assert!(
            manifest.contains(&format!("name = \"{target}\"")),
            "{target} missing from fuzz/Cargo.toml"
        );
        assert!(
            root.join("fuzz_targets")
                .join(format!("{target}.rs"))
                .is_file(),
            "{target}.rs missing"
        );
        assert!(
            !inputs(&root.join("corpus").join(target)).is_empty(),
            "no seed corpus for {target}"
        );
    }
}
