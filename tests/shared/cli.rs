//! Shared by the offline CLI tests (tests/input_errors.rs, tests/help_pages.rs,
//! tests/cli_first_contact.rs): the binary with no SCIM endpoint or token from the
//! environment and no colour, and the "not refused" assertion on its exit code.
#![allow(dead_code)]

use assert_cmd::Command;
use std::process::Output;

/// The binary with `SCIM_BASE_URL` and `SCIM_TOKEN` removed and `NO_COLOR=1`.
pub fn bin() -> Command {
    let mut c = Command::cargo_bin("scim-doctor").expect("binary");
    c.env_remove("SCIM_BASE_URL")
        .env_remove("SCIM_TOKEN")
        .env("NO_COLOR", "1");
    c
}

/// Asserts the run was not refused (exit code other than 2), printing stderr when it was.
#[track_caller]
pub fn assert_not_refused(out: &Output) {
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
