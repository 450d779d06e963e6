//! Writing a zip atomically: a `.partial` file in the target directory, fsync, rename;
//! removed on error or interruption.

use super::sha256_file;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Removes the partial file unless the write was committed.
struct PartialGuard {
    path: PathBuf,
    committed: bool,
}

impl Drop for PartialGuard {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Writes `files` (already final: scrubbed, redacted, manifest included) to `dest`
/// atomically and returns the zip's SHA-256. `cancel` is checked between entries.
pub fn write_zip(
    dest: &Path,
    files: &[(String, Vec<u8>)],
    stamp: time::OffsetDateTime,
    cancel: &AtomicBool,
) -> Result<String, String> {
    let file_name = dest
        .file_name()
        .ok_or_else(|| format!("{} is not a file path", dest.display()))?
        .to_string_lossy()
        .into_owned();
    let partial = dest.with_file_name(format!("{file_name}.partial"));
    let mut guard = PartialGuard {
        path: partial.clone(),
        committed: false,
    };
    let what =
        |e: &dyn std::fmt::Display| format!("cannot write the bundle {}: {e}", partial.display());
    // Never through a link planted at `<zip>.partial`.
    let file = crate::util::create_output(&partial).map_err(|e| what(&e))?;
    let t = stamp.to_offset(time::UtcOffset::UTC);
    let modified = zip::DateTime::from_date_and_time(
        t.year().clamp(1980, 2107) as u16,
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    )
    .unwrap_or_default();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(modified)
        .unix_permissions(0o644)
        .large_file(false);
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    for (name, bytes) in files {
        if cancel.load(Ordering::SeqCst) {
            return Err(
                "interrupted while writing the bundle; the partial file was removed".into(),
            );
        }
        let opts = if bytes.len() as u64 >= u32::MAX as u64 {
            options.large_file(true)
        } else {
            options
        };
        zip.start_file(name.as_str(), opts).map_err(|e| what(&e))?;
        zip.write_all(bytes).map_err(|e| what(&e))?;
    }
    let buffered = zip.finish().map_err(|e| what(&e))?;
    let file = buffered
        .into_inner()
        .map_err(|e| what(&e.error().to_string()))?;
    file.sync_all().map_err(|e| what(&e))?;
    drop(file);
    if cancel.load(Ordering::SeqCst) {
        return Err("interrupted while writing the bundle; the partial file was removed".into());
    }
    let sha = sha256_file(&partial).map_err(|e| what(&e))?;
    std::fs::rename(&partial, dest).map_err(|e| {
        format!(
            "cannot move the bundle into place at {}: {e}",
            dest.display()
        )
    })?;
    guard.committed = true;
    // The directory entry of the rename: without this a crash could lose the file.
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(sha)
}
