//! Small shared helpers: clock (overridable for deterministic tests), text normalisation.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Set `SCIM_DOCTOR_FIXED_TIME` (an RFC 3339 UTC timestamp) to make every timestamp the tool
/// prints deterministic, for snapshot tests.
pub const FIXED_TIME_ENV: &str = "SCIM_DOCTOR_FIXED_TIME";

pub fn now() -> OffsetDateTime {
    if let Ok(fixed) = std::env::var(FIXED_TIME_ENV) {
        if let Ok(t) = OffsetDateTime::parse(&fixed, &Rfc3339) {
            return t;
        }
    }
    OffsetDateTime::now_utc()
}

pub fn now_rfc3339() -> String {
    rfc3339(now())
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Compact UTC timestamp for file names: 20261126T073800Z.
pub fn file_stamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Email/userName normal form used for duplicate detection: trimmed, lowercased.
pub fn norm_key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Header and attribute-name normal form: letters and digits only, lowercased, so that
/// `Employee ID`, `employee_id` and `EMPLOYEEID` compare equal (a byte-order mark goes too).
/// Runs for every header, key path and attribute a file names, hence the ASCII fast path.
pub fn fold_name(name: &str) -> String {
    if name.is_ascii() {
        let mut out = String::with_capacity(name.len());
        out.extend(
            name.bytes()
                .filter(u8::is_ascii_alphanumeric)
                .map(|b| char::from(b.to_ascii_lowercase())),
        );
        return out;
    }
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// "1 user" / "3 users".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The `*.toml` files directly in `dir`, sorted by name (user-supplied playbook, check-doc
/// and profile directories).
pub fn toml_files(dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read directory {}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    Ok(paths)
}
