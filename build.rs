//! Embeds the shipped data files: every `playbooks/*.toml` (playbooks) and every
//! `playbooks/checks/*.toml` (check documentation). Generating the lists here means a helper
//! who adds a data file never has to touch the Rust list that embeds it.

use std::fmt::Write as _;
use std::path::Path;

fn toml_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| n.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn write_list(out_dir: &Path, file: &str, rel_dir: &str, prefix: &str) {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let dir = Path::new(&manifest).join(rel_dir);
    let mut code = String::from("&[\n");
    for name in toml_files(&dir) {
        let path = dir.join(&name);
        let _ = writeln!(
            code,
            "    ({:?}, include_str!({:?})),",
            format!("{prefix}{name}"),
            path.display().to_string()
        );
    }
    code.push(']');
    if let Err(e) = std::fs::write(out_dir.join(file), code) {
        panic!("build.rs cannot write {file}: {e}");
    }
    println!("cargo:rerun-if-changed={rel_dir}");
}

fn main() {
    let out_dir = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    let out_dir = Path::new(&out_dir);
    write_list(out_dir, "shipped_playbooks.rs", "playbooks", "");
    write_list(
        out_dir,
        "shipped_check_docs.rs",
        "playbooks/checks",
        "checks/",
    );
    println!("cargo:rerun-if-changed=build.rs");
}
