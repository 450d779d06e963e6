//! A hostile server hands the credential back in every spelling it can take, and at the
//! places where the tool cuts text: raw, JSON-escaped (`\/`, `\u002B`, every character as
//! `\uXXXX`), percent-encoded, inside base64, straddling the transcript's excerpt cut, the
//! human report's clip and the HTML report's clip. No output may carry the credential or a
//! recognisable piece of it: stdout, stderr, the replay transcript, every bundle file, every
//! `--format`. Runs once with `SCIM_TOKEN` and once with the token given only as
//! `--header "Authorization: Bearer X"` (it must be registered as a secret as well).
//!
//! The server listens on 127.0.0.1 only and stops on its own (on drop, or after 120 s).

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `/` and `+` make the JSON and percent spellings differ from the raw one.
const TOKEN: &str = "SECRETTOKEN/9f+Qa=Zx7-planted";
const HEADER_TOKEN: &str = "HDRSECRET/4d+Wq=Lm2-planted";

/// The transcript keeps this many bytes of each body (`source::http::BODY_EXCERPT_BYTES`).
const EXCERPT: usize = 2048;

fn json_escaped_slash(s: &str) -> String {
    s.replace('/', "\\/").replace('+', "\\u002B")
}

fn json_escaped_all(s: &str) -> String {
    s.chars().map(|c| format!("\\u{:04x}", c as u32)).collect()
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// One answer for every path: the credential planted in the user, in an error detail that
/// straddles the transcript's cut, and in headers.
fn respond(mut s: TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = std::io::BufReader::new(match s.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    let mut first = String::new();
    let _ = reader.read_line(&mut first);
    let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut cred = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("authorization") {
                let v = v.trim();
                cred = v.split_once(' ').map_or(v, |(_, c)| c).to_string();
            }
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body_in = vec![0u8; length.min(1 << 20)];
    let _ = reader.read_exact(&mut body_in);
    let b64 = scim_doctor::source::http::base64_encode(format!("k:{cred}").as_bytes());
    let users_first = path.contains("/Users")
        && (!path.contains("startIndex=") || path.contains("startIndex=1&"))
        && !path.contains("filter=");
    let (status, body) = if users_first {
        // userName: the human report keeps 133 characters of a long value, then its last 66:
        // the credential sits across both cuts. externalId: the HTML report keeps 666 and 333.
        let user = format!(
            concat!(
                "{{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"id\":\"u-1\",",
                "\"userName\":\"{un}\",\"externalId\":\"{ext}\",\"active\":true,",
                "\"title\":\"{j1}\",\"nickName\":\"{j2}\",\"displayName\":\"{pct}\",",
                "\"profileUrl\":\"https://x.example/{b64}\",",
                "\"emails\":[{{\"value\":\"{cred} is not an email\",\"primary\":true}}]}}"
            ),
            un = format!(
                "{}{}{}",
                "x".repeat(125),
                json_escaped_slash(&cred),
                "y".repeat(50)
            ),
            ext = format!(
                "{}{}{}",
                "e".repeat(660),
                cred.replace('/', "\\/"),
                "f".repeat(400)
            ),
            j1 = json_escaped_slash(&cred),
            j2 = json_escaped_all(&cred),
            pct = percent(&cred),
            b64 = b64,
            cred = cred,
        );
        (
            "200 OK",
            format!(
                "{{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],\"totalResults\":1,\"startIndex\":1,\"itemsPerPage\":1,\"Resources\":[{user}]}}"
            ),
        )
    } else if path.contains("/Users") || path.contains("/Groups") {
        (
            "200 OK",
            "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],\"totalResults\":0,\"Resources\":[]}".to_string(),
        )
    } else {
        // The raw credential starts 12 bytes before the excerpt's cut: a cut without a
        // scrub first would leave `SECRETTOKEN/`.
        let head = "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\"status\":\"404\",\"detail\":\"";
        let pad = EXCERPT - head.len() - 12;
        (
            "404 Not Found",
            format!(
                "{head}{}{cred} {}\"}}",
                "a".repeat(pad),
                json_escaped_slash(&cred)
            ),
        )
    };
    let _ = write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: application/scim+json\r\nX-Echo: {}\r\nX-Echo-Escaped: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        cred,
        percent(&cred),
        body.len()
    );
}

/// A hostile responder on 127.0.0.1 that stops on drop or after two minutes.
struct Hostile {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Hostile {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let until = Instant::now() + Duration::from_secs(120);
            while !flag.load(Ordering::SeqCst) && Instant::now() < until {
                match listener.accept() {
                    Ok((s, _)) => {
                        let _ = s.set_nonblocking(false);
                        std::thread::spawn(move || respond(s));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Hostile {
            addr,
            stop,
            handle: Some(handle),
        }
    }

    fn base_url(&self) -> String {
        format!("http://{}/scim/v2", self.addr)
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// How the credential is handed to the tool.
#[derive(Clone, Copy)]
enum Given {
    Env,
    Header,
}

impl Given {
    fn token(self) -> &'static str {
        match self {
            Given::Env => TOKEN,
            Given::Header => HEADER_TOKEN,
        }
    }
}

fn doctor(given: Given, base: &str, args: &[&str]) -> (String, std::process::Output) {
    let mut c = Command::cargo_bin("scim-doctor").expect("binary");
    c.env_remove("SCIM_TOKEN")
        .env_remove("SCIM_BASE_URL")
        .env("NO_COLOR", "1")
        .env("SCIM_DOCTOR_FIXED_TIME", "2026-11-26T08:00:00Z")
        .args(args)
        .args(["--base-url", base, "--timeout", "5"]);
    if !args.contains(&"replay") {
        c.args(["--retries", "0"]);
    }
    c.timeout(Duration::from_secs(120));
    match given {
        Given::Env => {
            c.env("SCIM_TOKEN", TOKEN);
        }
        Given::Header => {
            c.args(["--header", &format!("Authorization: Bearer {HEADER_TOKEN}")]);
        }
    }
    let out = c.output().expect("run");
    (args.join(" "), out)
}

fn zip_entries(path: &Path) -> BTreeMap<String, String> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).expect("zip")).expect("zip");
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).expect("entry");
        let mut buf = Vec::new();
        e.read_to_end(&mut buf).expect("read");
        out.insert(
            e.name().to_string(),
            String::from_utf8_lossy(&buf).into_owned(),
        );
    }
    out
}

/// Every recognisable piece of `token`: any 8 characters of it raw, any 10 characters of
/// its escaped spellings, and the base64 of it (the part that does not depend on what
/// surrounds it in `k:<token>`).
fn pieces(token: &str) -> Vec<String> {
    let mut out = Vec::new();
    let windows = |s: &str, n: usize, out: &mut Vec<String>| {
        let chars: Vec<char> = s.chars().collect();
        for w in chars.windows(n) {
            out.push(w.iter().collect());
        }
    };
    windows(token, 8, &mut out);
    for form in [
        json_escaped_slash(token),
        token.replace('/', "\\/"),
        json_escaped_all(token),
        percent(token),
    ] {
        windows(&form, 10, &mut out);
    }
    let b64 = scim_doctor::source::http::base64_encode(format!("k:{token}").as_bytes());
    // "k:" is 2 bytes: the credential's own base64 starts at character 3.
    out.push(b64[3..b64.len() - 4].to_string());
    out.sort();
    out.dedup();
    out
}

fn assert_clean(given: Given, outputs: &[(String, String)]) {
    let pieces = pieces(given.token());
    for (name, text) in outputs {
        for p in &pieces {
            assert!(
                !text.contains(p.as_str()),
                "{name} carries {p:?} of the planted credential:\n{}",
                &text[text.find(p.as_str()).unwrap_or(0).saturating_sub(200)..]
                    .chars()
                    .take(400)
                    .collect::<String>()
            );
        }
    }
}

fn every_output(given: Given) {
    let server = Hostile::start();
    let base = server.base_url();
    let dir = tempfile::tempdir().expect("tmp");
    let zip = dir.path().join("hostile.zip");
    let transcript = dir.path().join("writes.jsonl");
    let mut outputs: Vec<(String, String)> = Vec::new();
    let mut record = |(what, out): (String, std::process::Output)| {
        outputs.push((
            format!("{what}: stdout"),
            String::from_utf8_lossy(&out.stdout).into(),
        ));
        outputs.push((
            format!("{what}: stderr"),
            String::from_utf8_lossy(&out.stderr).into(),
        ));
        out
    };

    let bundle = record(doctor(
        given,
        &base,
        &[
            "-v",
            "bundle",
            "--format",
            "human",
            "--bundle",
            zip.to_str().unwrap(),
        ],
    ));
    assert!(
        matches!(bundle.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&bundle.stderr)
    );
    let human = String::from_utf8_lossy(&bundle.stdout).to_string();
    assert!(
        human.contains("characters clipped") && human.contains("[REDACTED]"),
        "the human report cut the planted userName: {human}"
    );
    for format in ["json", "markdown", "csv", "html", "junit"] {
        record(doctor(given, &base, &["check", "--format", format]));
    }
    record(doctor(
        given,
        &base,
        &[
            "replay",
            "--idp",
            "okta",
            "--allow-writes",
            "--deadline",
            "30",
            "--format",
            "json",
            "--transcript",
            transcript.to_str().unwrap(),
        ],
    ));
    drop(server);

    let files = zip_entries(&zip);
    let requests = files.get("requests.jsonl").expect("requests.jsonl");
    assert!(
        requests.contains("[REDACTED]"),
        "the credential reached the transcript, so scrubbing was exercised"
    );
    for (name, text) in files {
        outputs.push((format!("bundle {name}"), text));
    }
    outputs.push((
        "replay --transcript".into(),
        std::fs::read_to_string(&transcript).expect("the replay transcript was written"),
    ));
    for f in std::fs::read_dir(dir.path()).expect("dir") {
        let p = f.expect("entry").path();
        if p != zip && p != transcript {
            outputs.push((
                p.display().to_string(),
                String::from_utf8_lossy(&std::fs::read(&p).expect("read")).into(),
            ));
        }
    }
    assert_clean(given, &outputs);
}

/// Proves the credential given as SCIM_TOKEN leaves in no spelling and no cut piece.
#[test]
fn a_token_echoed_in_every_spelling_and_cut_leaves_nowhere() {
    every_output(Given::Env);
}

/// Proves the credential inside `--header "Authorization: Bearer X"` is a secret too.
#[test]
fn a_header_credential_echoed_in_every_spelling_and_cut_leaves_nowhere() {
    every_output(Given::Header);
}

/// Proves the test's own detector sees the planted pieces (so a pass means something).
#[test]
fn the_detector_finds_each_planted_spelling() {
    let p = pieces(TOKEN);
    for planted in [
        format!("x {TOKEN} y"),
        format!("\"{}\"", json_escaped_slash(TOKEN)),
        format!("\"{}\"", json_escaped_all(TOKEN)),
        percent(TOKEN),
        scim_doctor::source::http::base64_encode(format!("k:{TOKEN}").as_bytes()),
        format!("{}…", &TOKEN[..10]),
    ] {
        assert!(
            p.iter().any(|x| planted.contains(x.as_str())),
            "{planted} not detected"
        );
    }
}
