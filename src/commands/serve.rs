//! `serve`: the embedded read-only SCIM server on a snapshot, the bundled demo tenant or a
//! generated tenant, on 127.0.0.1 only. The base URL is the first line on stdout (scripts
//! read it); notes go to stderr. Runs until Ctrl-C or SIGTERM. It answers only to local
//! host names and refuses cross-site writes (`server::guard`), and a snapshot is served
//! only with a token or an explicit `--no-token`.

use crate::cli::args::ServeArgs;
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};
use crate::model::Tenant;
use crate::secret::SecretString;
use crate::server::{self, Faults, ServerConfig};
use anyhow::Context;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

fn tenant(a: &ServeArgs) -> Result<Tenant, ToolError> {
    match (&a.snapshot, a.demo, a.generate) {
        (Some(path), _, _) if path.is_file() => Ok(from_bundle(path)?),
        (Some(path), _, _) => Ok(crate::source::snapshot::load(path)?),
        (None, true, Some(_)) => Err(ToolError(
            "give either --demo or --generate, not both".into(),
        )),
        (None, true, None) => Ok(crate::demo::fixture::demo_tenant()?),
        (None, false, Some(n)) => Ok(crate::demo::generate(n, crate::demo::DEMO_SEED)),
        (None, false, None) => Err(ToolError(
            "nothing to serve: give --snapshot PATH, --demo or --generate USERS".into(),
        )),
    }
}

/// A bundle zip carries its snapshot under `snapshot/` (same layout as a snapshot directory).
fn from_bundle(path: &Path) -> anyhow::Result<Tenant> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let archive = zip::ZipArchive::new(file).with_context(|| {
        format!(
            "{} is neither a snapshot directory nor a bundle zip",
            path.display()
        )
    })?;
    let archive = std::cell::RefCell::new(archive);
    let read = |name: &str| -> Option<Vec<u8>> {
        let mut archive = archive.borrow_mut();
        let mut entry = archive.by_name(&format!("snapshot/{name}")).ok()?;
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).ok()?;
        Some(bytes)
    };
    let label = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    crate::source::snapshot::from_files(&label, &read)
}

pub async fn run(a: ServeArgs, out: &Output) -> CmdResult {
    if a.max_page_size == Some(0) {
        return Err(ToolError("--max-page-size must be at least 1".into()));
    }
    // The input is read first: a file that is not a snapshot is the first thing to hear of.
    let tenant = tenant(&a)?;
    let (users, groups) = (tenant.users.len(), tenant.groups.len());
    let token = a
        .token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(SecretString::new);
    let open = token.is_none();
    // A customer's snapshot holds real people: served without a token, any local program,
    // and any web page that finds the port, can read it. The demo and generated tenants are
    // synthetic and stay open for trials.
    if open && a.snapshot.is_some() && !a.no_token {
        return Err(ToolError(
            "serving a snapshot needs a bearer token: give --token (or SCIM_DOCTOR_SERVE_TOKEN), or --no-token to let every local client read it".into(),
        ));
    }
    if !a.quirks.is_empty() && !a.writable {
        return Err(ToolError(
            "--quirk reproduces a write bug, so it needs --writable (without it the server is read-only); add --writable".into(),
        ));
    }
    let writable = if a.writable {
        let mut q = server::Quirks::default();
        for name in &a.quirks {
            q.enable(name).map_err(ToolError)?;
        }
        Some(q)
    } else {
        None
    };
    let mode = if writable.is_some() {
        "writable"
    } else {
        "read-only"
    };
    let config = ServerConfig {
        writable,
        token,
        local_only: true,
        max_page_size: a.max_page_size,
        port: a.port,
        faults: Faults {
            latency: Duration::from_millis(a.latency_ms),
            ..Default::default()
        },
        ..Default::default()
    };
    let shutdown = Shutdown::install();
    let server = server::start(tenant, config)
        .await
        .map_err(|e| ToolError(format!("cannot listen on 127.0.0.1:{}: {e}", a.port)))?;
    out.print(&format!("{}\n", server.base_url()))?;
    out.note(&format!(
        "serving {users} users and {groups} groups {mode} on {} ({}); Ctrl-C to stop",
        server.base_url(),
        if open {
            "no --token: every request is accepted"
        } else {
            "bearer token required"
        }
    ));
    shutdown.wait().await;
    let served = server.request_count();
    server.stop().await;
    out.note(&format!(
        "stopped after {}",
        crate::util::plural(served as usize, "request", "requests")
    ));
    Ok(0)
}

/// Ctrl-C / SIGTERM, with the handlers installed when this is created: before the base URL
/// is printed, so a caller that signals right after reading it does not kill the process.
struct Shutdown {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Shutdown {
    fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let signals = signal(SignalKind::terminate())
                .and_then(|t| Ok((t, signal(SignalKind::interrupt())?)));
            Shutdown {
                signals: signals.ok(),
            }
        }
        #[cfg(not(unix))]
        Shutdown {}
    }

    async fn wait(self) {
        #[cfg(unix)]
        if let Some((mut term, mut int)) = self.signals {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}
