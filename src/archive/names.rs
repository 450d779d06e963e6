//! The entry names a bundle zip may hold, and nothing else: every reader (`check`, `bundle`,
//! `explain-user --snapshot`, `diff`, `bundle verify`) refuses a zip with any other name, and
//! any manifest (`manifest.json`, `inputs/inputs.json`) that lists one. A name is first
//! *plain* (relative, every `/`-separated component a normal file name: no empty component,
//! no `.` or `..`, no backslash, colon or control character), then *defined*: one of the
//! names `bundle::prepare` writes. This is what keeps a hostile zip from steering a reader
//! to a path of its choosing (the overrides of `inputs/playbooks/` are written to disk).
//! `bundle::layout` checks the names `inputs/inputs.json` lists, field by field, with the
//! same pieces.

/// The files of a snapshot as the readers open them (`source::snapshot`: its own layout and
/// the curl layout), each also as `.gz`; a test there keeps the two lists equal.
pub const SNAPSHOT_FILES: &[&str] = &[
    "snapshot.json",
    "users.ndjson",
    "groups.ndjson",
    "requests.jsonl",
    "discovery/ServiceProviderConfig.json",
    "discovery/Schemas.json",
    "discovery/ResourceTypes.json",
    "Users.json",
    "Groups.json",
    "search.json",
    ".search.json",
    "Resources.json",
];

/// Whether `name`, relative to a snapshot's root, is one of `SNAPSHOT_FILES`.
pub fn is_snapshot_file(name: &str) -> bool {
    SNAPSHOT_FILES.contains(&name.strip_suffix(".gz").unwrap_or(name))
}

/// Longest entry name accepted (bytes); the writer's longest is well under 200.
const MAX_NAME: usize = 512;

/// A plain relative entry name: every `/`-separated component is a normal file name. A
/// directory entry (`checks/`) may end with one `/`.
pub fn check_plain(name: &str) -> Result<(), String> {
    let body = name.strip_suffix('/').unwrap_or(name);
    let why = if body.is_empty() {
        Some("empty")
    } else if name.len() > MAX_NAME {
        Some("longer than 512 bytes")
    } else if body.starts_with('/') {
        Some("absolute")
    } else if body.contains('\\') {
        Some("a backslash")
    } else if body.contains(':') {
        Some("a colon (drive letter or stream)")
    } else if body.chars().any(char::is_control) {
        Some("a control character")
    } else if body.split('/').any(str::is_empty) {
        Some("an empty path component")
    } else if body.split('/').any(|c| c == "." || c == "..") {
        Some("a `.` or `..` component")
    } else {
        None
    };
    match why {
        Some(w) => Err(format!(
            "unsafe entry name `{}` ({w}): a bundle holds only plain relative names",
            name.escape_default()
        )),
        None => Ok(()),
    }
}

/// One path component as `sanitize` writes it: `[A-Za-z0-9._-]`, not `.` or `..`.
pub fn segment(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// `<stem>.<extension>` with a plain extension (`inputs/idp-users.csv`).
pub fn with_ext(name: &str, stem: &str) -> bool {
    name.strip_prefix(stem)
        .and_then(|r| r.strip_prefix('.'))
        .is_some_and(|ext| segment(ext) && !ext.contains('.'))
}

/// `<n>-<file name>` (`inputs/provisioning-logs/1-auditlogs.csv`).
pub fn numbered(rest: &str) -> bool {
    let Some((n, base)) = rest.split_once('-') else {
        return false;
    };
    !n.is_empty() && n.len() <= 6 && n.bytes().all(|b| b.is_ascii_digit()) && segment(base)
}

/// `inputs/other-<n>/`.
pub fn other_prefix(name: &str) -> Option<&str> {
    let rest = name.strip_prefix("inputs/other-")?;
    let (n, tail) = rest.split_once('/')?;
    (!n.is_empty() && n.len() <= 6 && n.bytes().all(|b| b.is_ascii_digit())).then_some(tail)
}

/// An override file under `inputs/playbooks/`: `<x>.toml` or `profiles/<x>.toml`.
pub fn override_relative(name: &str) -> Option<&str> {
    let rel = name.strip_prefix("inputs/playbooks/")?;
    let file = rel.strip_prefix("profiles/").unwrap_or(rel);
    (segment(file) && file.ends_with(".toml") && file.len() > ".toml".len()).then_some(rel)
}

/// Whether `name` is a file name the bundle format defines (see `bundle::prepare`).
pub fn is_defined(name: &str) -> bool {
    if check_plain(name).is_err() {
        return false;
    }
    match name {
        "summary.md"
        | "report.json"
        | "report.html"
        | "diff.md"
        | "diff.json"
        | "requests.jsonl"
        | "environment.json"
        | "manifest.json"
        | "inputs/inputs.json"
        | "inputs/scope-verdicts.json" => return true,
        _ => {}
    }
    if let Some(rest) = name.strip_prefix("checks/") {
        return rest
            .strip_suffix(".csv")
            .is_some_and(|id| segment(id) && !id.contains('.'));
    }
    if let Some(rest) = name.strip_prefix("snapshot/") {
        return is_snapshot_file(rest);
    }
    if let Some(rest) = other_prefix(name) {
        return is_snapshot_file(rest);
    }
    if let Some(rest) = name.strip_prefix("inputs/provisioning-logs/") {
        return numbered(rest);
    }
    if let Some(rest) = name.strip_prefix("inputs/idp-config/") {
        return numbered(rest);
    }
    with_ext(name, "inputs/idp-users")
        || with_ext(name, "inputs/scope-filter")
        || with_ext(name, "inputs/ldap-groups")
        || override_relative(name).is_some()
}

/// A zip entry as any reader accepts it: plain, and either a directory entry or a name the
/// format defines.
pub fn check_entry(name: &str, is_dir: bool) -> Result<(), String> {
    check_plain(name)?;
    if is_dir || is_defined(name) {
        Ok(())
    } else {
        Err(undefined(name, "the zip holds"))
    }
}

pub fn undefined(name: &str, whose: &str) -> String {
    format!(
        "{whose} `{}`, a name the bundle format does not define (the zip was changed after scim-doctor wrote it, or another tool wrote it); refusing to read it",
        name.escape_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Proves every name the writer produces is defined, and that escapes, empty
    /// components and names outside the layout are not.
    #[test]
    fn defined_names_are_exactly_the_layout() {
        for good in [
            "summary.md",
            "manifest.json",
            "checks/checks.csv",
            "checks/duplicate-email.csv",
            "snapshot/users.ndjson",
            "snapshot/users.ndjson.gz",
            "snapshot/discovery/Schemas.json",
            "snapshot/Users.json",
            "inputs/inputs.json",
            "inputs/idp-users.csv",
            "inputs/scope-filter.json",
            "inputs/ldap-groups.txt",
            "inputs/provisioning-logs/1-auditlogs.csv",
            "inputs/idp-config/12-schema.json",
            "inputs/other-1/snapshot.json",
            "inputs/playbooks/mine.toml",
            "inputs/playbooks/profiles/strict.toml",
        ] {
            assert!(is_defined(good), "{good}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "inputs/playbooks//home/u/.ssh/authorized_keys",
            "inputs/playbooks/../x.toml",
            "inputs/playbooks/./x.toml",
            "inputs/playbooks/a/b.toml",
            "inputs/playbooks/x.sh",
            "inputs/playbooks/.toml",
            "C:/x",
            "a\\..\\x",
            "snapshot/evil.sh",
            "snapshot/discovery/../users.ndjson",
            "checks/a.b.csv",
            "inputs/other-x/users.ndjson",
            "inputs/provisioning-logs/x",
            "notes.txt",
            "summary.md/",
            "inputs/idp-users.c\u{1b}sv",
        ] {
            assert!(!is_defined(bad), "{bad:?}");
        }
    }

    #[test]
    fn plain_names_allow_one_trailing_slash_for_directories_only() {
        assert!(check_plain("checks/").is_ok());
        assert!(check_plain("checks//").is_err());
        assert!(check_entry("checks/", true).is_ok());
        assert!(check_entry("elsewhere/x", false).is_err());
    }
}
