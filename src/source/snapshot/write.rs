//! Writing a snapshot: the directory `scim-doctor snapshot` leaves behind, and the same
//! files in memory for a bundle zip. Every line passes through the secret scrubber.

use super::{
    SnapshotMeta, GROUPS_FILE, META_FILE, REQUESTS_FILE, RESOURCE_TYPES_FILE, SCHEMAS_FILE,
    SPC_FILE, USERS_FILE,
};
use crate::model::Tenant;
use crate::source::http::TranscriptEntry;
use anyhow::{bail, Context};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One JSON document per line, scrubbed of any registered secret.
pub fn write_line<W: Write + ?Sized>(w: &mut W, value: &impl Serialize) -> std::io::Result<()> {
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
pub fn user_json(u: &crate::model::User) -> serde_json::Value {
    u.to_scim()
}

pub fn group_json(g: &crate::model::Group) -> serde_json::Value {
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

/// Writes one file's content into the writer it is given.
type WriteFile<'a> = dyn FnMut(&mut dyn Write) -> std::io::Result<()> + 'a;
/// Receives (file name, content writer) for each snapshot file.
type Emit<'a> = dyn FnMut(&str, &mut WriteFile) -> std::io::Result<()> + 'a;

/// Writes every snapshot file through `emit(name, writer-callback)`: shared by the
/// in-memory form (`to_files`) and the streaming directory writer (`write_dir`).
fn emit_all(
    tenant: &Tenant,
    transcript: &[TranscriptEntry],
    meta: &SnapshotMeta,
    emit: &mut Emit,
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

/// The snapshot files other than the users and groups (meta, discovery, transcript), for
/// a bundle that streams the resources itself (`bundle::writer`).
pub fn other_files(
    tenant: &Tenant,
    transcript: &[TranscriptEntry],
    meta: &SnapshotMeta,
) -> Vec<(String, Vec<u8>)> {
    files_where(tenant, transcript, meta, |name| {
        name != USERS_FILE && name != GROUPS_FILE
    })
}

/// The snapshot files whose names `keep` accepts, as (relative path, bytes) pairs.
fn files_where(
    tenant: &Tenant,
    transcript: &[TranscriptEntry],
    meta: &SnapshotMeta,
    keep: impl Fn(&str) -> bool,
) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = emit_all(tenant, transcript, meta, &mut |name, write| {
        if keep(name) {
            let mut buf = Vec::new();
            write(&mut buf)?;
            files.push((name.to_string(), buf));
        }
        Ok(())
    });
    files
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
    files_where(tenant, transcript, meta, |_| true)
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
            let f = crate::util::create_new_file(&tmp.join(file))?;
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
