//! The bundle benchmark's compression floor when Info-ZIP's `zip` is not installed (issue
//! 26): a plain zip of the given files, one entry each (named by the file's name), deflated
//! at level 6 (what `zip -6` uses) on one thread by the `zip` crate, with the same deflate
//! backend as scim-doctor's own writer. `scripts/bench-bundle.sh` times it next to `bundle`.
//!
//!     cargo run --release --example deflate_floor -- OUT.zip FILE...
//!
//! Each file is streamed through a fixed buffer, so memory stays bounded whatever its size.
//! Exit 2, with a message, on bad arguments or an I/O error.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const LEVEL: i64 = 6;
const BUFFER: usize = 1 << 20;

fn run(out: &Path, files: &[String]) -> anyhow::Result<()> {
    let mut names = std::collections::HashSet::new();
    let mut zip = ZipWriter::new(BufWriter::with_capacity(
        BUFFER,
        File::create(out).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", out.display()))?,
    ));
    for file in files {
        let path = Path::new(file);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| anyhow::anyhow!("{file}: not a file name in UTF-8"))?;
        if !names.insert(name.to_owned()) {
            anyhow::bail!("{file}: a second file named {name} (entries are named by file name)");
        }
        let input = File::open(path).map_err(|e| anyhow::anyhow!("cannot open {file}: {e}"))?;
        let size = input.metadata()?.len();
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(LEVEL))
            // ZIP64 only where the sizes need it, as Info-ZIP does.
            .large_file(size >= u64::from(u32::MAX));
        zip.start_file(name, options)?;
        std::io::copy(&mut BufReader::with_capacity(BUFFER, input), &mut zip)
            .map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    }
    zip.finish()?.into_inner()?;
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: deflate_floor OUT.zip FILE...");
        std::process::exit(2);
    }
    if let Err(e) = run(Path::new(&args[0]), &args[1..]) {
        eprintln!("deflate_floor: {e:#}");
        std::process::exit(2);
    }
}
