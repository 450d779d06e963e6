//! Writing a prepared bundle: the zip streams the snapshot's users and groups from the
//! tenant (pseudonymised resource by resource with `--redact-pii`, on every core, each
//! value going to the private map as it goes), then adds the manifest, moves the zip into
//! place atomically and writes `<zip>.sha256` and the map. Memory stays that of a few
//! batches of resources, whatever the tenant's size.

use super::mapfile::{push_entry, EntryRef, MapWriter, Recently};
use super::policy::Policy;
use super::recent::Recent;
use super::redacted_line::{push_line, LineScratch};
use super::{structural, BundleWritten, Prepared};
use crate::archive::{self, ZipOut};
use std::sync::atomic::AtomicBool;

/// The entries streamed from the tenant (they stand empty in `Prepared::files`).
pub const STREAMED: [&str; 2] = ["snapshot/users.ndjson", "snapshot/groups.ndjson"];

/// Resources per batch: a batch is serialised, pseudonymised and deflated by one thread.
const BATCH: usize = 2048;

/// The pseudonym the snapshot gives the email domain `d` (its runs are pseudonymised
/// whatever the local part before them), for the report's chart of domains.
pub fn domain_pseudonym(policy: &Policy, d: &str) -> String {
    policy
        .pseudonym(&format!("x@{d}"))
        .and_then(|p| p.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()))
        .unwrap_or_else(|| d.to_string())
}

/// What a batch hands back besides its lines: the map entries it made (`push_entry`
/// lines) and how many resources it held.
struct BatchMap {
    lines: Vec<u8>,
    count: usize,
}

/// Values of a bundle's resources that a thread met lately, for one bundle (`run`).
#[derive(Default)]
struct Lately {
    run: u64,
    /// Their pseudonyms, so that a value met again (a title, a department, the userName
    /// again as the email) costs one lookup; every value held here was written to the map
    /// by this thread when it came in.
    values: Recent<VALUE_BYTES>,
    /// The values too long for `values` that this thread wrote to the map lately.
    written: Recently,
}

/// The longest value (and pseudonym) `Lately::values` holds, in bytes.
const VALUE_BYTES: usize = 63;

thread_local! {
    /// A value repeated across users (a department, a title, a first name) is pseudonymised
    /// and written to the map once, not once per user.
    static LATELY: std::cell::RefCell<Lately> = Default::default();
}

/// The writer's `Replacer`: each value's pseudonym from the thread's recent values, else
/// from the policy, and a map line for each value not met lately.
struct Recording<'a> {
    lately: &'a mut Lately,
    lines: &'a mut Vec<u8>,
}

impl structural::Replacer for Recording<'_> {
    fn replace_into(&mut self, p: &Policy, field: &str, v: &str, out: &mut Vec<u8>) -> bool {
        let values = &mut self.lately.values;
        let fp = values.fingerprint(v);
        if let Some(ps) = values.get(fp, v) {
            out.extend_from_slice(ps);
            return true;
        }
        let before = out.len();
        if !p.pseudonym_bytes(v, out) {
            return false;
        }
        let ps = &out[before..];
        // A value `values` holds is new lately (it missed); a longer one asks `written`.
        if Recent::<VALUE_BYTES>::holds(v, ps) || self.lately.written.fresh(v) {
            let e = EntryRef {
                field,
                original: v,
                pseudonym: ps,
            };
            push_entry(self.lines, &e);
        }
        values.put(fp, v, ps);
        true
    }
}

/// One batch of resources as NDJSON lines, pseudonymised by `policy` when given.
fn batch<R>(
    items: &[R],
    to_json: fn(&R) -> serde_json::Value,
    policy: Option<&Policy>,
    run: u64,
) -> (Vec<u8>, BatchMap) {
    let mut out = archive::buffer(items.len() * 700);
    let mut map = BatchMap {
        lines: match policy {
            Some(_) => archive::buffer(items.len() * 400),
            None => Vec::new(),
        },
        count: items.len(),
    };
    let Some(p) = policy else {
        for r in items {
            // Scrubbed of any registered secret, line by line.
            let _ = crate::source::snapshot::write_line(&mut out, &to_json(r));
        }
        return (out, map);
    };
    LATELY.with_borrow_mut(|lately| {
        if lately.run != run {
            lately.written.clear();
            lately.values = Recent::new((run, 0));
            lately.run = run;
        }
        let mut rec = Recording {
            lately,
            lines: &mut map.lines,
        };
        let mut scratch = LineScratch::default();
        for r in items {
            let v = to_json(r);
            // The tenant's ids went through `keep_ids` (`prepare`).
            let id_kept = v
                .get("id")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|id| structural::own_id_kept(p, id));
            push_line(&mut out, p, &mut rec, &v, id_kept, &mut scratch);
        }
    });
    if !crate::secret::is_clean_bytes(&map.lines) {
        map.lines = crate::secret::scrub(&String::from_utf8_lossy(&map.lines)).into_bytes();
    }
    (out, map)
}

fn bar(show: bool, len: usize, what: &str) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(len as u64);
    b.set_style(
        indicatif::ProgressStyle::with_template(
            // At most 36 + 1 + 20 + 1 + 19 = 77 columns for a million resources.
            "{msg} {bar:20} {human_pos}/{human_len}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    b.set_message(what.to_string());
    b
}

/// Streams one kind of resource into the zip.
#[allow(clippy::too_many_arguments)]
fn stream<R: Sync>(
    zip: &mut ZipOut,
    name: &str,
    items: &[R],
    to_json: fn(&R) -> serde_json::Value,
    policy: Option<&Policy>,
    map: &mut Option<MapWriter>,
    progress: bool,
    cancel: &AtomicBool,
) -> Result<archive::Written, String> {
    let what = match (policy.is_some(), name.contains("users")) {
        (true, true) => "pseudonymising and compressing users",
        (true, false) => "pseudonymising and compressing groups",
        (false, true) => "compressing users",
        (false, false) => "compressing groups",
    };
    let b = bar(progress && items.len() >= 10_000, items.len(), what);
    // Tells this bundle's batches from an earlier one's on a reused thread.
    let run: u64 = rand::random::<u64>() | 1;
    let written = zip.add_parallel(
        name,
        items.chunks(BATCH),
        |chunk| batch(chunk, to_json, policy, run),
        |m: BatchMap| {
            if let Some(w) = map.as_mut() {
                w.lines(&m.lines)?;
            }
            archive::recycle(m.lines);
            b.inc(m.count as u64);
            Ok(())
        },
        cancel,
    );
    b.finish_and_clear();
    written
}

impl Prepared<'_> {
    /// Writes the zip atomically, then `<zip>.sha256` and the pseudonym map. An error or
    /// an interruption removes the partial zip and the partial map.
    pub fn commit(self, cancel: &AtomicBool) -> Result<BundleWritten, String> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                return Err(format!(
                    "cannot write the bundle: directory {} does not exist",
                    dir.display()
                ));
            }
        }
        let mut zip = ZipOut::create(&self.path, crate::util::now())?;
        let mut map_writer = match &self.map {
            Some((m, p)) => {
                let mut w = MapWriter::create(p, &m.policy)?;
                if let Some(old) = &m.extends {
                    w.copy_from(old)?;
                }
                Some(w)
            }
            None => None,
        };
        let policy = self.map.as_ref().map(|(m, _)| &m.policy);
        let mut manifest = Vec::new();
        for (name, bytes) in &self.files {
            let written = match (self.tenant, STREAMED.iter().position(|s| s == name)) {
                (Some(t), Some(0)) => stream(
                    &mut zip,
                    name,
                    &t.users,
                    crate::source::snapshot::user_json,
                    policy,
                    &mut map_writer,
                    self.progress,
                    cancel,
                )?,
                (Some(t), Some(_)) => stream(
                    &mut zip,
                    name,
                    &t.groups,
                    crate::source::snapshot::group_json,
                    policy,
                    &mut map_writer,
                    self.progress,
                    cancel,
                )?,
                _ => zip.add(name, bytes)?,
            };
            manifest.push(archive::ManifestEntry {
                path: name.clone(),
                size: written.size,
                sha256: written.sha256,
            });
        }
        let manifest = archive::Manifest {
            format: archive::MANIFEST_FORMAT.to_string(),
            generated_at: self.generated_at.clone(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            files: manifest,
        };
        zip.add(
            archive::MANIFEST,
            &serde_json::to_vec_pretty(&manifest).unwrap_or_default(),
        )?;
        // The map's entries for the free-text files, then the map is complete; the zip
        // goes into place after it, so that a bundle never exists without its map.
        let map_path = match (&self.map, map_writer) {
            (Some((m, p)), Some(mut w)) => {
                for e in m.entries() {
                    w.entry(&e.field, &e.original, &e.pseudonym)?;
                }
                w.finish()?;
                Some(p.clone())
            }
            _ => None,
        };
        let sha256 = zip.finish(cancel)?;
        let file_name = self
            .path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let side = archive::sidecar(&self.path, "sha256");
        crate::util::create_output(&side)
            .and_then(|mut f| {
                std::io::Write::write_all(&mut f, format!("{sha256}  {file_name}\n").as_bytes())
            })
            .map_err(|e| format!("cannot write {}: {e}", side.display()))?;
        Ok(BundleWritten {
            path: self.path,
            sha256,
            map_path,
            privacy_notes: self.privacy_notes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::pseudo::Pseudonymiser;
    use structural::Replacer;

    fn lines(map: &[u8]) -> Vec<String> {
        String::from_utf8_lossy(map)
            .lines()
            .map(String::from)
            .collect()
    }

    /// A value met again gets the same pseudonym from the thread's recent values and no
    /// second map line, whatever its field; a value too long for them is written once too
    /// (`Recently`); a kept value gets neither a pseudonym nor a line.
    #[test]
    fn a_value_met_again_is_pseudonymised_and_listed_once() {
        let mut p = Policy::new(Pseudonymiser::new([9; 32]), false);
        p.keep_value("Keep Me");
        let mut lately = Lately {
            values: Recent::new((7, 0)),
            ..Default::default()
        };
        let mut map = Vec::new();
        let mut rec = Recording {
            lately: &mut lately,
            lines: &mut map,
        };
        let long = "a-title-longer-than-sixty-three-bytes-".repeat(2);
        let first = rec.replace(&p, "userName", "ann@x.example").unwrap();
        assert_eq!(first, p.pseudonym("ann@x.example").unwrap());
        assert_eq!(
            rec.replace(&p, "emails.value", "ann@x.example"),
            Some(first)
        );
        let l1 = rec.replace(&p, "title", &long).unwrap();
        assert_eq!(rec.replace(&p, "title", &long), Some(l1));
        assert_eq!(rec.replace(&p, "department", "Keep Me"), None);
        let got = lines(&map);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].contains("\"field\":\"userName\""), "{got:?}");
        assert!(got[1].contains(&long), "{got:?}");
    }
}
