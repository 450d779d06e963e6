//! Writing a whole zip from files in memory, atomically: a `.partial` file in the target
//! directory, fsync, rename; removed on error or interruption (`stream::ZipOut` does the
//! work).

use super::stream::{ZipOut, INTERRUPTED};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Writes `files` (already final: scrubbed, redacted, manifest included) to `dest`
/// atomically and returns the zip's SHA-256. `cancel` is checked between entries (and
/// between the pieces of a big one).
pub fn write_zip(
    dest: &Path,
    files: &[(String, Vec<u8>)],
    stamp: time::OffsetDateTime,
    cancel: &AtomicBool,
) -> Result<String, String> {
    let mut zip = ZipOut::create(dest, stamp)?;
    for (name, bytes) in files {
        if cancel.load(Ordering::SeqCst) {
            return Err(INTERRUPTED.into());
        }
        zip.add_cancellable(name, bytes, cancel)?;
    }
    zip.finish(cancel)
}
