//! Loading tenants from files: a directory with `Users.json` / `Groups.json` as `curl`
//! returns them (a SCIM ListResponse) or as a JSON array. The fetch work adds the NDJSON
//! snapshot directory; the bundle work adds bundle zips (`load_zip`).

use crate::model::{parse_group, parse_list_or_array, parse_user, Tenant};
use anyhow::{bail, Context};
use std::path::Path;

fn find_file(dir: &Path, names: &[&str]) -> Option<std::path::PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    let files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    names.iter().find_map(|n| {
        files
            .iter()
            .find(|p| p.file_name().and_then(|f| f.to_str()).is_some_and(|f| f.eq_ignore_ascii_case(n)))
            .cloned()
    })
}

fn read_resources(path: &Path) -> anyhow::Result<Vec<serde_json::Value>> {
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value: serde_json::Value = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not valid JSON", path.display()))?;
    parse_list_or_array(value).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

pub fn load(path: &Path) -> anyhow::Result<Tenant> {
    if !path.exists() {
        bail!("snapshot {} does not exist", path.display());
    }
    if path.is_file() {
        return load_zip(path);
    }
    if !path.is_dir() {
        bail!("snapshot {} is not a directory", path.display());
    }
    let label = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let mut tenant = Tenant::new(label);
    let users = find_file(path, &["Users.json", "users.json"]);
    let groups = find_file(path, &["Groups.json", "groups.json"]);
    if users.is_none() && groups.is_none() {
        bail!(
            "{} holds neither Users.json nor Groups.json (nor a scim-doctor snapshot)",
            path.display()
        );
    }
    if let Some(p) = users {
        for (i, v) in read_resources(&p)?.into_iter().enumerate() {
            match parse_user(v, &format!("Users.json item {i}")) {
                Ok(u) => tenant.users.push(u),
                Err(e) => tenant.parse_issues.push(e),
            }
        }
    }
    if let Some(p) = groups {
        for (i, v) in read_resources(&p)?.into_iter().enumerate() {
            match parse_group(v, &format!("Groups.json item {i}")) {
                Ok(g) => tenant.groups.push(g),
                Err(e) => tenant.parse_issues.push(e),
            }
        }
    }
    Ok(tenant)
}

/// Loads the `snapshot/` entries of a bundle zip (read with the safe-reading caps of
/// `bundle::archive::ReadLimits`: no path escapes, entry-count and size limits).
pub fn load_zip(path: &Path) -> anyhow::Result<Tenant> {
    use crate::bundle::archive;
    let mut head = [0u8; 4];
    let is_zip = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .map(|_| head == *b"PK\x03\x04" || head == *b"PK\x05\x06")
        .unwrap_or(false);
    if !is_zip {
        bail!(
            "snapshot {} is a file but not a zip: give a snapshot directory, a directory with Users.json/Groups.json, or a bundle zip",
            path.display()
        );
    }
    let entries = archive::read_file(path, archive::ReadLimits::default(), &|n| n.starts_with("snapshot/"))
        .map_err(anyhow::Error::msg)?;
    let mut files = std::collections::HashMap::new();
    for e in entries {
        let data = e.data.map_err(|err| anyhow::anyhow!("{}: entry {}: {err}", path.display(), e.name))?;
        files.insert(e.name["snapshot/".len()..].to_string(), data);
    }
    if files.is_empty() {
        bail!(
            "{} holds no snapshot/ (the bundle was written with --no-snapshot, or is not a scim-doctor bundle)",
            path.display()
        );
    }
    let label = path
        .file_stem()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    crate::bundle::layout::from_files(&label, &|name| files.get(name).cloned())
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}
