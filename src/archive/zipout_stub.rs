//! TEMPORARY single-threaded stand-in for the streaming writer (same API as `stream::ZipOut`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

pub struct Written {
    pub size: u64,
    pub sha256: String,
}

pub struct ZipOut {
    dest: PathBuf,
    partial: PathBuf,
    zip: Option<zip::ZipWriter<std::io::BufWriter<std::fs::File>>>,
    options: zip::write::SimpleFileOptions,
    done: bool,
}

impl Drop for ZipOut {
    fn drop(&mut self) {
        if !self.done {
            self.zip = None;
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

impl ZipOut {
    pub fn create(dest: &Path, _stamp: time::OffsetDateTime) -> Result<ZipOut, String> {
        let partial = super::sidecar(dest, "partial");
        let f = crate::util::create_output(&partial).map_err(|e| e.to_string())?;
        Ok(ZipOut {
            dest: dest.to_path_buf(),
            partial,
            zip: Some(zip::ZipWriter::new(std::io::BufWriter::new(f))),
            options: zip::write::SimpleFileOptions::default().large_file(true),
            done: false,
        })
    }

    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<Written, String> {
        let z = self.zip.as_mut().ok_or("closed")?;
        z.start_file(name, self.options)
            .map_err(|e| e.to_string())?;
        z.write_all(bytes).map_err(|e| e.to_string())?;
        Ok(Written {
            size: bytes.len() as u64,
            sha256: super::sha256_hex(bytes),
        })
    }

    pub fn add_parallel<T, X, F, S>(
        &mut self,
        name: &str,
        items: impl Iterator<Item = T>,
        work: F,
        mut side: S,
        cancel: &AtomicBool,
    ) -> Result<Written, String>
    where
        T: Send,
        X: Send,
        F: Fn(T) -> (Vec<u8>, X) + Sync,
        S: FnMut(X) -> Result<(), String>,
    {
        use sha2::Digest;
        let z = self.zip.as_mut().ok_or("closed")?;
        z.start_file(name, self.options)
            .map_err(|e| e.to_string())?;
        let mut h = sha2::Sha256::new();
        let mut size = 0u64;
        for it in items {
            if cancel.load(Ordering::SeqCst) {
                return Err(
                    "interrupted while writing the bundle; the partial file was removed".into(),
                );
            }
            let (b, x) = work(it);
            h.update(&b);
            size += b.len() as u64;
            z.write_all(&b).map_err(|e| e.to_string())?;
            side(x)?;
        }
        Ok(Written {
            size,
            sha256: hex::encode(h.finalize()),
        })
    }

    pub fn finish(mut self, cancel: &AtomicBool) -> Result<String, String> {
        let z = self.zip.take().ok_or("closed")?;
        let f = z
            .finish()
            .map_err(|e| e.to_string())?
            .into_inner()
            .map_err(|e| e.to_string())?;
        f.sync_all().map_err(|e| e.to_string())?;
        drop(f);
        if cancel.load(Ordering::SeqCst) {
            return Err(
                "interrupted while writing the bundle; the partial file was removed".into(),
            );
        }
        let sha = super::sha256_file(&self.partial).map_err(|e| e.to_string())?;
        std::fs::rename(&self.partial, &self.dest).map_err(|e| e.to_string())?;
        self.done = true;
        Ok(sha)
    }
}
