//! Tenants on disk: the snapshot directory `scim-doctor snapshot` writes, and the plain
//! directory holding `Users.json` / `Groups.json` as `curl` returns them (a SCIM
//! ListResponse or a JSON array). Bundles reuse the snapshot layout through `to_files` /
//! `from_files`, and `load` also reads a bundle zip's `snapshot/` entries (`load_zip`).
//!
//! Snapshot layout (format version 1):
//! - `snapshot.json`: meta (format, version, label, scrubbed base URL, fetched_at,
//!   completeness, counts, parse issues)
//! - `users.ndjson`, `groups.ndjson`: one SCIM resource per line (`User::to_scim()`)
//! - `discovery/ServiceProviderConfig.json`, `discovery/Schemas.json`,
//!   `discovery/ResourceTypes.json`: when they were fetched
//! - `requests.jsonl`: the transcript, one `TranscriptEntry` per line
//!
//! NDJSON is read line by line so that a snapshot of a million users loads without ever
//! holding the raw file in memory.

use super::http::TranscriptEntry;
use crate::model::{
    parse_group, parse_list_or_array, parse_user, Completeness, ParseIssue, Tenant,
};
use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

pub const FORMAT: &str = "scim-doctor-snapshot";
pub const VERSION: u32 = 1;
pub const META_FILE: &str = "snapshot.json";
pub const USERS_FILE: &str = "users.ndjson";
pub const GROUPS_FILE: &str = "groups.ndjson";
pub const REQUESTS_FILE: &str = "requests.jsonl";
pub const SPC_FILE: &str = "discovery/ServiceProviderConfig.json";
pub const SCHEMAS_FILE: &str = "discovery/Schemas.json";
pub const RESOURCE_TYPES_FILE: &str = "discovery/ResourceTypes.json";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub users: usize,
    pub groups: usize,
    #[serde(default)]
    pub parse_issues: usize,
    #[serde(default)]
    pub requests: usize,
}

/// The content of `snapshot.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotMeta {
    pub format: String,
    pub version: u32,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    pub fetched_at: String,
    pub completeness: Completeness,
    pub counts: Counts,
    /// Resources the model could not use when fetched (kept so that offline runs see the
    /// same tenant as the live run did).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parse_issues: Vec<ParseIssue>,
}

impl SnapshotMeta {
    pub fn of(tenant: &Tenant, transcript_len: usize, base_url: Option<&str>) -> Self {
        SnapshotMeta {
            format: FORMAT.into(),
            version: VERSION,
            label: tenant.label.clone(),
            base_url: base_url.map(crate::secret::scrub),
            fetched_at: crate::util::now_rfc3339(),
            completeness: tenant.completeness.clone(),
            counts: Counts {
                users: tenant.users.len(),
                groups: tenant.groups.len(),
                parse_issues: tenant.parse_issues.len(),
                requests: transcript_len,
            },
            parse_issues: tenant.parse_issues.clone(),
        }
    }
}

/// One JSON document per line, scrubbed of any registered secret.
fn write_line<W: Write + ?Sized>(w: &mut W, value: &impl Serialize) -> std::io::Result<()> {
    let text = serde_json::to_string(value).map_err(std::io::Error::other)?;
    if crate::secret::is_clean(&text) {
        w.write_all(text.as_bytes())?;
    } else {
        w.write_all(crate::secret::scrub(&text).as_bytes())?;
    }
    w.write_all(b"\n")
}

fn pretty(value: &impl Serialize) -> Vec<u8> {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into());
    text = crate::secret::scrub(&text);
    text.push('\n');
    text.into_bytes()
}

/// `User::to_scim()`. Its `schemas` are the ones the server sent, or the list implied by the
/// extensions present (the parser keeps `schemas` only when it says something else), so that
/// re-reading the snapshot gives the same model.
fn user_json(u: &crate::model::User) -> serde_json::Value {
    u.to_scim()
}

fn group_json(g: &crate::model::Group) -> serde_json::Value {
    let mut v = g.to_scim();
    if let Some(m) = v.as_object_mut() {
        match g.extra.as_deref().and_then(|e| e.get("schemas")) {
            Some(sent) => {
                m.insert("schemas".into(), sent.clone());
            }
            None => {
                m.remove("schemas");
            }
        }
    }
    v
}

/// Writes one JSON line per resource, in order. Serialising is most of the cost of writing
/// a large snapshot, so batches are serialised on every core and written in order.
fn write_resources<R: Sync>(
    w: &mut dyn Write,
    items: &[R],
    to_json: fn(&R) -> serde_json::Value,
) -> std::io::Result<()> {
    const CHUNK: usize = 2048;
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    let serialise = |chunk: &[R]| -> std::io::Result<Vec<u8>> {
        let mut buf = Vec::with_capacity(chunk.len() * 512);
        for r in chunk {
            write_line(&mut buf, &to_json(r))?;
        }
        Ok(buf)
    };
    for batch in items.chunks(CHUNK * threads) {
        let bufs: Vec<std::io::Result<Vec<u8>>> = if threads == 1 || batch.len() <= CHUNK {
            vec![serialise(batch)]
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = batch
                    .chunks(CHUNK)
                    .map(|c| scope.spawn(move || serialise(c)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(std::io::Error::other("a serialising thread failed"))
                        })
                    })
                    .collect()
            })
        };
        for b in bufs {
            w.write_all(&b?)?;
        }
    }
    Ok(())
}

/// `emit(name, writer-callback)`: writes one snapshot file by calling back with its writer.
type EmitFn<'a> = dyn FnMut(&str, &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()>
    + 'a;

/// Writes every snapshot file through `emit(name, writer-callback)`: shared by the
/// in-memory form (`to_files`) and the streaming directory writer (`write_dir`).
fn emit_all(
    tenant: &Tenant,
    transcript: &[TranscriptEntry],
    meta: &SnapshotMeta,
    emit: &mut EmitFn<'_>,
) -> std::io::Result<()> {
    emit(META_FILE, &mut |w| w.write_all(&pretty(meta)))?;
    emit(USERS_FILE, &mut |w| {
        write_resources(w, &tenant.users, user_json)
    })?;
    emit(GROUPS_FILE, &mut |w| {
        write_resources(w, &tenant.groups, group_json)
    })?;
    let d = &tenant.discovery;
    for (name, doc) in [
        (SPC_FILE, &d.service_provider_config),
        (SCHEMAS_FILE, &d.schemas),
        (RESOURCE_TYPES_FILE, &d.resource_types),
    ] {
        if let Some(doc) = doc {
            emit(name, &mut |w| w.write_all(&pretty(doc)))?;
        }
    }
    emit(REQUESTS_FILE, &mut |w| {
        for e in transcript {
            write_line(w, e)?;
        }
        Ok(())
    })
}

/// The snapshot as (relative path, bytes) pairs, for the bundle zip.
pub fn to_files(tenant: &Tenant, transcript: &[TranscriptEntry]) -> Vec<(String, Vec<u8>)> {
    let meta = SnapshotMeta::of(tenant, transcript.len(), None);
    to_files_with(tenant, transcript, &meta)
}

/// `to_files` with explicit meta (to record the base URL).
pub fn to_files_with(
    tenant: &Tenant,
    transcript: &[TranscriptEntry],
    meta: &SnapshotMeta,
) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = emit_all(tenant, transcript, meta, &mut |name, write| {
        let mut buf = Vec::new();
        write(&mut buf)?;
        files.push((name.to_string(), buf));
        Ok(())
    });
    files
}

/// Writes the snapshot into `out`, which must not exist or be empty. The files are written
/// into a temporary directory beside `out` and renamed at the end, so an interrupted run
/// never leaves a half-written snapshot behind under the final name.
pub fn write_dir(
    out: &Path,
    tenant: &Tenant,
    transcript: &[TranscriptEntry],
    meta: &SnapshotMeta,
) -> anyhow::Result<()> {
    if out.exists() {
        if !out.is_dir() {
            bail!("{} exists and is not a directory", out.display());
        }
        let mut entries =
            std::fs::read_dir(out).with_context(|| format!("cannot read {}", out.display()))?;
        if entries.next().is_some() {
            bail!(
                "{} is not empty: choose a new directory for the snapshot",
                out.display()
            );
        }
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "snapshot".into());
    let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)
            .with_context(|| format!("cannot remove stale {}", tmp.display()))?;
    }
    let result = (|| -> anyhow::Result<()> {
        std::fs::create_dir_all(tmp.join("discovery"))?;
        emit_all(tenant, transcript, meta, &mut |file, write| {
            let f = std::fs::File::create(tmp.join(file))?;
            let mut w = std::io::BufWriter::with_capacity(1 << 16, f);
            write(&mut w)?;
            w.flush()
        })
        .with_context(|| format!("cannot write the snapshot into {}", tmp.display()))?;
        if out.exists() {
            // Only an empty directory reaches here; rename cannot replace it on every OS.
            std::fs::remove_dir(out)
                .with_context(|| format!("cannot replace {}", out.display()))?;
        }
        std::fs::rename(&tmp, out)
            .with_context(|| format!("cannot rename {} to {}", tmp.display(), out.display()))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// Parses NDJSON resources line by line into the tenant; a bad line is a parse issue.
fn read_ndjson<R: BufRead>(
    reader: R,
    file: &str,
    tenant: &mut Tenant,
    users: bool,
) -> anyhow::Result<()> {
    for (i, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {file}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let pos = format!("{file} line {}", i + 1);
        let value: serde_json::Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                tenant.parse_issues.push(ParseIssue {
                    kind: if users { "user" } else { "group" }.into(),
                    position: pos,
                    problem: format!("line is not valid JSON: {e}"),
                });
                continue;
            }
        };
        if users {
            match parse_user(value, &pos) {
                Ok(u) => tenant.users.push(u),
                Err(e) => tenant.parse_issues.push(e),
            }
        } else {
            match parse_group(value, &pos) {
                Ok(g) => tenant.groups.push(g),
                Err(e) => tenant.parse_issues.push(e),
            }
        }
    }
    Ok(())
}

fn read_json_doc(bytes: &[u8], name: &str) -> anyhow::Result<serde_json::Value> {
    serde_json::from_slice(bytes).with_context(|| format!("{name} is not valid JSON"))
}

/// Applies the meta to a tenant whose resources were read, noting a count mismatch (a
/// truncated copy) as incompleteness rather than failing.
fn apply_meta(tenant: &mut Tenant, meta: SnapshotMeta, fallback_label: &str) {
    tenant.label = if meta.label.trim().is_empty() {
        fallback_label.to_string()
    } else {
        meta.label
    };
    tenant.completeness = meta.completeness;
    let read_issues = std::mem::take(&mut tenant.parse_issues);
    tenant.parse_issues = meta.parse_issues;
    let parsed_users = tenant.users.len();
    let parsed_groups = tenant.groups.len();
    if parsed_users != meta.counts.users {
        tenant.completeness.users_complete = false;
        tenant.completeness.notes.push(format!(
            "{USERS_FILE} holds {parsed_users} usable users but {META_FILE} records {}: the snapshot copy may be truncated",
            meta.counts.users
        ));
    }
    if parsed_groups != meta.counts.groups {
        tenant.completeness.groups_complete = false;
        tenant.completeness.notes.push(format!(
            "{GROUPS_FILE} holds {parsed_groups} usable groups but {META_FILE} records {}: the snapshot copy may be truncated",
            meta.counts.groups
        ));
    }
    tenant.parse_issues.extend(read_issues);
}

fn parse_meta(bytes: &[u8]) -> anyhow::Result<SnapshotMeta> {
    let meta: SnapshotMeta = serde_json::from_slice(bytes)
        .context("snapshot.json is not a scim-doctor snapshot meta file")?;
    if meta.format != FORMAT {
        bail!(
            "snapshot.json has format `{}`, expected `{FORMAT}`",
            meta.format
        );
    }
    if meta.version > VERSION {
        bail!(
            "snapshot.json is format version {}, this scim-doctor reads up to {VERSION}: upgrade scim-doctor",
            meta.version
        );
    }
    Ok(meta)
}

/// Reads a snapshot from any file store (a bundle zip): `read(relative path)` returns the
/// bytes or `None` when absent. Accepts the snapshot layout and, failing that, the
/// `Users.json` / `Groups.json` curl layout. The tenant is labelled as recorded in the
/// snapshot, else `label`.
pub fn from_files(label: &str, read: &dyn Fn(&str) -> Option<Vec<u8>>) -> anyhow::Result<Tenant> {
    let mut tenant = Tenant::new(label);
    if let Some(meta_bytes) = read(META_FILE) {
        let meta = parse_meta(&meta_bytes)?;
        if let Some(b) = read(USERS_FILE) {
            read_ndjson(&b[..], USERS_FILE, &mut tenant, true)?;
        }
        if let Some(b) = read(GROUPS_FILE) {
            read_ndjson(&b[..], GROUPS_FILE, &mut tenant, false)?;
        }
        tenant.discovery.service_provider_config = read(SPC_FILE)
            .map(|b| read_json_doc(&b, SPC_FILE))
            .transpose()?;
        tenant.discovery.schemas = read(SCHEMAS_FILE)
            .map(|b| read_json_doc(&b, SCHEMAS_FILE))
            .transpose()?;
        tenant.discovery.resource_types = read(RESOURCE_TYPES_FILE)
            .map(|b| read_json_doc(&b, RESOURCE_TYPES_FILE))
            .transpose()?;
        apply_meta(&mut tenant, meta, label);
        return Ok(tenant);
    }
    let users = read("Users.json").or_else(|| read("users.json"));
    let groups = read("Groups.json").or_else(|| read("groups.json"));
    if users.is_none() && groups.is_none() {
        bail!("{label} holds neither a scim-doctor snapshot ({META_FILE}) nor Users.json / Groups.json");
    }
    if let Some(b) = users {
        add_curl_resources(&mut tenant, &b, "Users.json", true)?;
    }
    if let Some(b) = groups {
        add_curl_resources(&mut tenant, &b, "Groups.json", false)?;
    }
    Ok(tenant)
}

fn add_curl_resources(
    tenant: &mut Tenant,
    bytes: &[u8],
    name: &str,
    users: bool,
) -> anyhow::Result<()> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).with_context(|| format!("{name} is not valid JSON"))?;
    let items = parse_list_or_array(value).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    for (i, v) in items.into_iter().enumerate() {
        let pos = format!("{name} item {i}");
        if users {
            match parse_user(v, &pos) {
                Ok(u) => tenant.users.push(u),
                Err(e) => tenant.parse_issues.push(e),
            }
        } else {
            match parse_group(v, &pos) {
                Ok(g) => tenant.groups.push(g),
                Err(e) => tenant.parse_issues.push(e),
            }
        }
    }
    Ok(())
}

/// Finds a file in `dir` by name, ignoring case (`users.json` from a Windows copy).
fn find_file(dir: &Path, names: &[&str]) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    let files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    names.iter().find_map(|n| {
        files
            .iter()
            .find(|p| {
                p.file_name()
                    .and_then(|f| f.to_str())
                    .is_some_and(|f| f.eq_ignore_ascii_case(n))
            })
            .cloned()
    })
}

/// Loads a snapshot directory (streaming the NDJSON) or a curl-output directory.
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
    let meta_path = path.join(META_FILE);
    if meta_path.is_file() {
        return load_snapshot_dir(path, &meta_path, &label);
    }
    let read = |name: &str| -> Option<Vec<u8>> {
        let p = find_file(path, &[name])?;
        std::fs::read(p).ok()
    };
    from_files(&label, &read).map_err(|e| {
        if e.to_string().contains("holds neither") {
            anyhow::anyhow!(
                "{} holds neither Users.json nor Groups.json (nor a scim-doctor snapshot)",
                path.display()
            )
        } else {
            e.context(format!("cannot load snapshot {}", path.display()))
        }
    })
}

fn load_snapshot_dir(dir: &Path, meta_path: &Path, label: &str) -> anyhow::Result<Tenant> {
    let meta_bytes =
        std::fs::read(meta_path).with_context(|| format!("cannot read {}", meta_path.display()))?;
    let meta = parse_meta(&meta_bytes)
        .with_context(|| format!("cannot load snapshot {}", dir.display()))?;
    let mut tenant = Tenant::new(label);
    // The meta says how many users to expect: reserving once avoids the list doubling (and
    // briefly holding two copies) on its way to a million entries. A lying count costs at
    // most the cap.
    tenant.users.reserve(meta.counts.users.min(20_000_000));
    for (file, users) in [(USERS_FILE, true), (GROUPS_FILE, false)] {
        let p = dir.join(file);
        if p.is_file() {
            let f =
                std::fs::File::open(&p).with_context(|| format!("cannot open {}", p.display()))?;
            read_ndjson(
                BufReader::with_capacity(1 << 16, f),
                file,
                &mut tenant,
                users,
            )?;
        }
    }
    let doc = |name: &str| -> anyhow::Result<Option<serde_json::Value>> {
        let p = dir.join(name);
        if !p.is_file() {
            return Ok(None);
        }
        let b = std::fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?;
        Ok(Some(read_json_doc(&b, name)?))
    };
    tenant.discovery.service_provider_config = doc(SPC_FILE)?;
    tenant.discovery.schemas = doc(SCHEMAS_FILE)?;
    tenant.discovery.resource_types = doc(RESOURCE_TYPES_FILE)?;
    apply_meta(&mut tenant, meta, label);
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
    let entries = archive::read_file(path, archive::ReadLimits::default(), &|n| {
        n.starts_with("snapshot/")
    })
    .map_err(anyhow::Error::msg)?;
    let mut files = std::collections::HashMap::new();
    for e in entries {
        let data = e
            .data
            .map_err(|err| anyhow::anyhow!("{}: entry {}: {err}", path.display(), e.name))?;
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
    from_files(&label, &|name| files.get(name).cloned())
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Reads `requests.jsonl` back (for bundles and for `serve --snapshot` evidence).
pub fn read_transcript(bytes: &[u8]) -> Vec<TranscriptEntry> {
    bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .filter_map(|l| serde_json::from_slice(l).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Email, Group, Member, User};
    use serde_json::json;
    use std::collections::HashMap;

    fn sample() -> Tenant {
        let mut t = Tenant::new("scim.example.test");
        let mut u = parse_user(
            json!({"id": "u1", "userName": "alice@example.test", "active": true,
                "name": {"givenName": "Alice", "familyName": "A", "formatted": "Alice A"},
                "emails": [{"value": "alice@example.test", "type": "work", "primary": true}],
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"},
                "meta": {"resourceType": "User", "created": "2026-01-01T00:00:00Z"}}),
            "t",
        )
        .unwrap();
        u.external_id = Some("ext-1".into());
        t.users.push(u);
        t.users.push(User {
            id: "u2".into(),
            user_name: Some("bob@example.test".into()),
            emails: vec![Email {
                value: "bob@example.test".into(),
                kind: None,
                primary: false,
            }],
            active: Some(false),
            ..Default::default()
        });
        t.groups.push(Group {
            id: "g1".into(),
            display_name: Some("Sales".into()),
            members: vec![Member {
                value: "u1".into(),
                kind: Some("User".into()),
                display: None,
            }],
            ..Default::default()
        });
        t.discovery.service_provider_config =
            Some(json!({"filter": {"supported": true, "maxResults": 200}}));
        t.completeness.users_complete = false;
        t.completeness
            .notes
            .push("stopped after 3 pages: raise --max-pages".into());
        t.parse_issues.push(ParseIssue {
            kind: "user".into(),
            position: "Users startIndex 1 item 4".into(),
            problem: "resource has no id".into(),
        });
        t
    }

    fn assert_same(a: &Tenant, b: &Tenant) {
        assert_eq!(a.label, b.label);
        assert_eq!(a.users, b.users);
        assert_eq!(a.groups, b.groups);
        assert_eq!(a.discovery, b.discovery);
        assert_eq!(a.completeness, b.completeness);
        assert_eq!(a.parse_issues, b.parse_issues);
    }

    #[test]
    fn to_files_then_from_files_gives_the_same_tenant() {
        let t = sample();
        let files: HashMap<String, Vec<u8>> = to_files(&t, &[]).into_iter().collect();
        let back = from_files("bundle.zip", &|n| files.get(n).cloned()).unwrap();
        assert_same(&t, &back);
    }

    #[test]
    fn directory_written_and_loaded_gives_the_same_tenant() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("snap");
        let t = sample();
        write_dir(
            &out,
            &t,
            &[],
            &SnapshotMeta::of(&t, 0, Some("https://x/scim/v2")),
        )
        .unwrap();
        assert!(out.join("discovery/ServiceProviderConfig.json").is_file());
        assert!(!out.join("discovery/Schemas.json").exists());
        let back = load(&out).unwrap();
        assert_same(&t, &back);
    }

    #[test]
    fn a_non_empty_output_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("keep.txt"), "x").unwrap();
        let t = sample();
        let err = write_dir(dir.path(), &t, &[], &SnapshotMeta::of(&t, 0, None)).unwrap_err();
        assert!(err.to_string().contains("is not empty"), "{err}");
        assert!(dir.path().join("keep.txt").is_file());
    }

    #[test]
    fn a_truncated_users_file_marks_the_tenant_incomplete() {
        let t = sample();
        let mut files: HashMap<String, Vec<u8>> = to_files(&t, &[]).into_iter().collect();
        let users = String::from_utf8(files[USERS_FILE].clone()).unwrap();
        let first = users.lines().next().unwrap().to_string();
        files.insert(
            USERS_FILE.into(),
            format!("{first}\n{{\"id\": \"broken").into_bytes(),
        );
        let back = from_files("x", &|n| files.get(n).cloned()).unwrap();
        assert_eq!(back.users.len(), 1);
        assert!(!back.completeness.users_complete);
        assert!(back
            .completeness
            .notes
            .iter()
            .any(|n| n.contains("truncated")));
        assert!(back
            .parse_issues
            .iter()
            .any(|p| p.position == "users.ndjson line 2"));
    }

    #[test]
    fn curl_list_response_files_load_through_from_files() {
        let users =
            json!({"totalResults": 1, "Resources": [{"id": "1", "userName": "a@x"}]}).to_string();
        let groups = json!([{"id": "g", "displayName": "G"}]).to_string();
        let back = from_files("dir", &|n| match n {
            "Users.json" => Some(users.clone().into_bytes()),
            "Groups.json" => Some(groups.clone().into_bytes()),
            _ => None,
        })
        .unwrap();
        assert_eq!((back.users.len(), back.groups.len()), (1, 1));
    }

    #[test]
    fn a_newer_snapshot_version_is_refused_with_the_fix() {
        let t = sample();
        let mut meta = SnapshotMeta::of(&t, 0, None);
        meta.version = VERSION + 1;
        let files: HashMap<String, Vec<u8>> = to_files_with(&t, &[], &meta).into_iter().collect();
        let err = from_files("x", &|n| files.get(n).cloned()).unwrap_err();
        assert!(err.to_string().contains("upgrade scim-doctor"), "{err}");
    }
}
