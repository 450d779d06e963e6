//! `environment.json`: what produced the bundle. Tool version, OS/arch, the command line
//! with every secret-bearing value masked, the flags that change how results must be read,
//! the local time zone and the UTC time.

use serde_json::{json, Value};

/// Flags whose value is masked whatever it is: credentials, and the paths and names that
/// lead to them.
const SECRET_FLAGS: &[&str] = &[
    "--token",
    "--token-file",
    "--password-file",
    "--username",
    "--header",
];

/// The file paths on a command line (the program, inputs, `--out`, `--baseline`,
/// `--map-file`, `--playbooks`...): values that name a file or directory that exists, or
/// whose parent directory exists, with a path separator in them. With `--redact-pii` they
/// are pseudonymised, since a directory may be named after a person (/home/alice.smith/).
/// Secret-bearing values are never returned (they must not reach the pseudonym map).
pub fn path_args(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut secret_next = false;
    for a in args {
        if std::mem::take(&mut secret_next) {
            continue;
        }
        if SECRET_FLAGS.contains(&a.as_str()) {
            secret_next = true;
            continue;
        }
        let value = match a.split_once('=') {
            Some((flag, _)) if SECRET_FLAGS.contains(&flag) => continue,
            Some((flag, v)) if flag.starts_with("--") => v,
            _ if a.starts_with('-') => continue,
            _ => a.as_str(),
        };
        let p = std::path::Path::new(value);
        let on_disk = p.exists()
            || p.parent()
                .is_some_and(|d| !d.as_os_str().is_empty() && d.exists());
        if (value.contains('/') || value.contains('\\')) && !value.contains("://") && on_disk {
            out.push(value.to_string());
        }
    }
    out
}

/// Masks secret-bearing values (`--token X`, `--token=X`) and scrubs every argument.
pub fn mask_command_line(args: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut mask_next = false;
    for a in args {
        if mask_next {
            out.push(crate::secret::REDACTED.to_string());
            mask_next = false;
            continue;
        }
        if let Some((flag, _)) = a.split_once('=') {
            if SECRET_FLAGS.contains(&flag) {
                out.push(format!("{flag}={}", crate::secret::REDACTED));
                continue;
            }
        }
        if SECRET_FLAGS.contains(&a.as_str()) {
            mask_next = true;
        }
        out.push(crate::secret::scrub(a));
    }
    out
}

fn time_zone() -> String {
    if let Ok(tz) = std::env::var("TZ") {
        if !tz.is_empty() {
            return tz;
        }
    }
    if let Ok(tz) = std::fs::read_to_string("/etc/timezone") {
        let tz = tz.trim();
        if !tz.is_empty() {
            return tz.to_string();
        }
    }
    if let Ok(target) = std::fs::read_link("/etc/localtime") {
        let s = target.to_string_lossy();
        if let Some((_, zone)) = s.split_once("zoneinfo/") {
            return zone.to_string();
        }
    }
    "unknown (timestamps in this bundle are UTC)".to_string()
}

pub struct Notable {
    pub insecure: bool,
    pub redact_pii: bool,
    pub keep_domains: bool,
    pub no_snapshot: bool,
}

pub fn build(command_line: &[String], notable: &Notable, report: &crate::report::Report) -> Value {
    json!({
        "tool": { "name": env!("CARGO_PKG_NAME"), "version": env!("CARGO_PKG_VERSION") },
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "command_line": mask_command_line(command_line),
        "flags": {
            "insecure": notable.insecure,
            "redact_pii": notable.redact_pii,
            "keep_domains": notable.keep_domains,
            "no_snapshot": notable.no_snapshot,
        },
        "source": report.source,
        "time_zone": time_zone(),
        "utc_time": crate::util::now_rfc3339(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_flag_values_are_masked_in_both_spellings() {
        let args: Vec<String> = [
            "scim-doctor",
            "check",
            "--token",
            "tok-abc",
            "--header=X-Key:v1",
            "--base-url",
            "https://h/scim",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let masked = mask_command_line(&args);
        assert!(
            !masked
                .iter()
                .any(|a| a.contains("tok-abc") || a.contains("v1")),
            "{masked:?}"
        );
        assert_eq!(masked[3], crate::secret::REDACTED);
        assert_eq!(masked[6], "https://h/scim");
    }

    #[test]
    fn path_args_lists_paths_never_secrets_or_urls() {
        let dir = std::env::temp_dir();
        let file = dir.join("given.json").display().to_string();
        let secret = dir.join("token.txt").display().to_string();
        let args: Vec<String> = [
            "check",
            "--scope-filter",
            &file,
            &format!("--out={}", dir.join("b.zip").display()),
            "--token-file",
            &secret,
            &format!("--token-file={secret}"),
            "--base-url",
            "https://h/scim",
            "--label",
            "N/A",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let paths = path_args(&args);
        assert_eq!(
            paths,
            vec![file, dir.join("b.zip").display().to_string()],
            "{paths:?}"
        );
    }
}
