//! Ctrl-C, SIGTERM or SIGHUP while the zip is being written: the run stops with a clear
//! message and leaves no `.partial` file and no half-written zip (if the signal lands after
//! the rename, the zip is complete and verifies).

#[cfg(unix)]
#[test]
fn ctrl_c_while_writing_leaves_no_partial_or_broken_zip() {
    interrupted_while_writing("INT", "Ctrl-C");
}

/// Proves `timeout`, CI cancellation and `docker stop` (SIGTERM) clean up as Ctrl-C does.
#[cfg(unix)]
#[test]
fn sigterm_while_writing_leaves_no_partial_or_broken_zip() {
    interrupted_while_writing("TERM", "SIGTERM");
}

/// Proves a closed terminal (SIGHUP) cleans up as Ctrl-C does.
#[cfg(unix)]
#[test]
fn sighup_while_writing_leaves_no_partial_or_broken_zip() {
    interrupted_while_writing("HUP", "SIGHUP");
}

#[cfg(unix)]
fn interrupted_while_writing(signal: &str, named: &str) {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    // A tenant big enough that writing the zip takes a noticeable moment.
    let snap = dir.path().join("big");
    std::fs::create_dir(&snap).unwrap();
    let mut users = String::from("[");
    for i in 0..30_000 {
        if i > 0 {
            users.push(',');
        }
        users.push_str(&format!(
            r#"{{"id":"u{i}","userName":"user{i}@example.com","active":true,"displayName":"User Number {i}","emails":[{{"value":"user{i}@example.com","primary":true}}],"title":"{:x}"}}"#,
            (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ));
    }
    users.push(']');
    std::fs::write(snap.join("Users.json"), users).unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let zip = out_dir.join("b.zip");
    let partial = out_dir.join("b.zip.partial");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("scim-doctor"))
        .args(["-q", "check", "--format", "json", "--snapshot"])
        .arg(&snap)
        .arg("--bundle")
        .arg(&zip)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut signalled = false;
    while Instant::now() < deadline {
        if partial.exists() {
            let _ = std::process::Command::new("kill")
                .args([&format!("-{signal}"), &child.id().to_string()])
                .status();
            signalled = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!partial.exists(), "the partial file was removed");
    eprintln!("exit {:?}, signalled {signalled}", out.status.code());
    match out.status.code() {
        Some(2) => {
            assert!(signalled);
            assert!(
                stderr.contains(&format!("interrupted ({named})")),
                "{stderr}"
            );
            assert!(!zip.exists(), "no zip after an interrupted write");
        }
        Some(0) | Some(1) => {
            // The signal arrived after the rename (or the write beat the poll): the zip must be whole.
            let v = scim_doctor::archive::verify(&zip, Default::default()).unwrap();
            assert!(v.problems.is_empty(), "{:?}", v.problems);
        }
        other => panic!("unexpected exit {other:?}: {stderr}"),
    }
}
