//! The records of the zip container that `stream` writes, as bytes (APPNOTE.TXT 4.3.7 local
//! file header, 4.3.12 central directory header, 4.3.14 to 4.3.16 end records, 4.5.3 the
//! zip64 extended information field). Pure functions: no I/O here.

/// A size or offset at or above this is stored in the zip64 extra field (APPNOTE 4.4.8).
pub(super) const ZIP64_SIZE: u64 = 0xFFFF_FFFF;
/// This many entries or more need the zip64 end of central directory record (4.4.21).
pub(super) const ZIP64_ENTRIES: u64 = 0xFFFF;

/// Bit 11 of the general purpose flags: the name is UTF-8 (APPNOTE appendix D).
const FLAG_UTF8: u16 = 1 << 11;
pub(super) const METHOD_STORED: u16 = 0;
pub(super) const METHOD_DEFLATED: u16 = 8;
/// "Version made by": high byte 3 = UNIX (the external attributes hold a mode), low byte
/// the APPNOTE version the writer follows (4.5).
const MADE_BY: u16 = (3 << 8) | 45;
/// Regular file, rw-r--r--, in the high 16 bits of the external attributes.
const EXTERNAL_ATTRS: u32 = (0o100644u32) << 16;
/// Bytes of the local header before the name.
const LOCAL_FIXED: u64 = 30;
/// Header id 0x0001, data size 16, uncompressed size, compressed size.
const LOCAL_ZIP64_EXTRA: u16 = 20;

/// Where the zip64 formats start: the APPNOTE limits, lowered by tests to reach the zip64
/// records without writing 4 GiB.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub size: u64,
    pub entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            size: ZIP64_SIZE,
            entries: ZIP64_ENTRIES,
        }
    }
}

/// One entry as the central directory records it.
#[derive(Debug, Clone)]
pub(super) struct Record {
    pub name: String,
    pub method: u16,
    pub crc: u32,
    pub compressed: u64,
    pub size: u64,
    pub offset: u64,
    /// The local header carries a zip64 extra field (the sizes were not known in advance).
    pub zip64_local: bool,
}

/// MS-DOS time and date of `stamp` in UTC, clamped to the years the format can hold
/// (1980 to 2107); seconds are stored in 2-second steps.
pub(super) fn dos_time(stamp: time::OffsetDateTime) -> (u16, u16) {
    let t = stamp.to_offset(time::UtcOffset::UTC);
    if t.year() < 1980 {
        return (0, (1 << 5) | 1);
    }
    if t.year() > 2107 {
        return ((23 << 11) | (59 << 5) | 29, (127 << 9) | (12 << 5) | 31);
    }
    let time =
        (u16::from(t.hour()) << 11) | (u16::from(t.minute()) << 5) | u16::from(t.second() / 2);
    let date = (((t.year() - 1980) as u16) << 9)
        | (u16::from(u8::from(t.month())) << 5)
        | u16::from(t.day());
    (time, date)
}

fn version_needed(method: u16, zip64: bool) -> u16 {
    match (zip64, method) {
        (true, _) => 45,
        (false, METHOD_STORED) => 10,
        _ => 20,
    }
}

/// The local header with the CRC and sizes left at zero (`patches` fills them in once the
/// data is written). With `zip64` the sizes say 0xFFFFFFFF and live in a zip64 extra field.
pub(super) fn local_header(name: &str, method: u16, dos: (u16, u16), zip64: bool) -> Vec<u8> {
    let mut h = Vec::with_capacity(LOCAL_FIXED as usize + name.len() + 20);
    h.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    h.extend_from_slice(&version_needed(method, zip64).to_le_bytes());
    h.extend_from_slice(&FLAG_UTF8.to_le_bytes());
    h.extend_from_slice(&method.to_le_bytes());
    h.extend_from_slice(&dos.0.to_le_bytes());
    h.extend_from_slice(&dos.1.to_le_bytes());
    h.extend_from_slice(&0u32.to_le_bytes()); // CRC-32, patched
    let placeholder: u32 = if zip64 { u32::MAX } else { 0 };
    h.extend_from_slice(&placeholder.to_le_bytes()); // compressed size
    h.extend_from_slice(&placeholder.to_le_bytes()); // uncompressed size
    h.extend_from_slice(&(name.len() as u16).to_le_bytes());
    let extra = if zip64 { LOCAL_ZIP64_EXTRA } else { 0 };
    h.extend_from_slice(&extra.to_le_bytes());
    h.extend_from_slice(name.as_bytes());
    if zip64 {
        h.extend_from_slice(&1u16.to_le_bytes());
        h.extend_from_slice(&16u16.to_le_bytes());
        h.extend_from_slice(&[0; 16]); // sizes, patched
    }
    h
}

/// The bytes to write over the local header of `r` once its data is known: (absolute file
/// offset, bytes), in file order.
pub(super) fn patches(r: &Record) -> Vec<(u64, Vec<u8>)> {
    let at_crc = r.offset + 14;
    if r.zip64_local {
        let mut sizes = r.size.to_le_bytes().to_vec();
        sizes.extend_from_slice(&r.compressed.to_le_bytes());
        vec![
            (at_crc, r.crc.to_le_bytes().to_vec()),
            (r.offset + LOCAL_FIXED + r.name.len() as u64 + 4, sizes),
        ]
    } else {
        let mut b = r.crc.to_le_bytes().to_vec();
        b.extend_from_slice(&(r.compressed as u32).to_le_bytes());
        b.extend_from_slice(&(r.size as u32).to_le_bytes());
        vec![(at_crc, b)]
    }
}

/// The central directory header of `r`; a size or offset at or above `limits.size` is
/// 0xFFFFFFFF there and sits in the zip64 extra field, in the APPNOTE 4.5.3 order.
pub(super) fn central_header(r: &Record, dos: (u16, u16), limits: Limits) -> Vec<u8> {
    let mut extra = Vec::new();
    let mut field = |v: u64| -> u32 {
        if v >= limits.size {
            extra.extend_from_slice(&v.to_le_bytes());
            u32::MAX
        } else {
            v as u32
        }
    };
    let size = field(r.size);
    let compressed = field(r.compressed);
    let offset = field(r.offset);
    let zip64 = r.zip64_local || !extra.is_empty();
    let mut h = Vec::with_capacity(46 + r.name.len() + extra.len() + 4);
    h.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    h.extend_from_slice(&MADE_BY.to_le_bytes());
    h.extend_from_slice(&version_needed(r.method, zip64).to_le_bytes());
    h.extend_from_slice(&FLAG_UTF8.to_le_bytes());
    h.extend_from_slice(&r.method.to_le_bytes());
    h.extend_from_slice(&dos.0.to_le_bytes());
    h.extend_from_slice(&dos.1.to_le_bytes());
    h.extend_from_slice(&r.crc.to_le_bytes());
    h.extend_from_slice(&compressed.to_le_bytes());
    h.extend_from_slice(&size.to_le_bytes());
    h.extend_from_slice(&(r.name.len() as u16).to_le_bytes());
    let extra_len = if extra.is_empty() { 0 } else { extra.len() + 4 };
    h.extend_from_slice(&(extra_len as u16).to_le_bytes());
    h.extend_from_slice(&0u16.to_le_bytes()); // comment length
    h.extend_from_slice(&0u16.to_le_bytes()); // disk number start
    h.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
    h.extend_from_slice(&EXTERNAL_ATTRS.to_le_bytes());
    h.extend_from_slice(&offset.to_le_bytes());
    h.extend_from_slice(r.name.as_bytes());
    if !extra.is_empty() {
        h.extend_from_slice(&1u16.to_le_bytes());
        h.extend_from_slice(&(extra.len() as u16).to_le_bytes());
        h.extend_from_slice(&extra);
    }
    h
}

/// The end of the archive for a central directory of `entries` records, `cd_size` bytes
/// long, starting at `cd_offset`: the zip64 end record and its locator when a value does
/// not fit the classic one (4.3.14, 4.3.15), then the end of central directory record.
pub(super) fn end_records(entries: u64, cd_size: u64, cd_offset: u64, limits: Limits) -> Vec<u8> {
    let zip64 = entries >= limits.entries || cd_size >= limits.size || cd_offset >= limits.size;
    let mut e = Vec::with_capacity(98);
    if zip64 {
        let at = cd_offset + cd_size;
        e.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
        e.extend_from_slice(&44u64.to_le_bytes()); // size of the rest of this record
        e.extend_from_slice(&MADE_BY.to_le_bytes());
        e.extend_from_slice(&45u16.to_le_bytes());
        e.extend_from_slice(&0u32.to_le_bytes()); // this disk
        e.extend_from_slice(&0u32.to_le_bytes()); // disk of the central directory
        e.extend_from_slice(&entries.to_le_bytes());
        e.extend_from_slice(&entries.to_le_bytes());
        e.extend_from_slice(&cd_size.to_le_bytes());
        e.extend_from_slice(&cd_offset.to_le_bytes());
        e.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
        e.extend_from_slice(&0u32.to_le_bytes()); // disk of the zip64 end record
        e.extend_from_slice(&at.to_le_bytes());
        e.extend_from_slice(&1u32.to_le_bytes()); // total disks
    }
    let count = if entries >= limits.entries {
        u16::MAX
    } else {
        entries as u16
    };
    let small = |v: u64| if v >= limits.size { u32::MAX } else { v as u32 };
    e.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    e.extend_from_slice(&0u16.to_le_bytes());
    e.extend_from_slice(&0u16.to_le_bytes());
    e.extend_from_slice(&count.to_le_bytes());
    e.extend_from_slice(&count.to_le_bytes());
    e.extend_from_slice(&small(cd_size).to_le_bytes());
    e.extend_from_slice(&small(cd_offset).to_le_bytes());
    e.extend_from_slice(&0u16.to_le_bytes()); // comment length
    e
}
