//! The signals that stop a write run: SIGINT (Ctrl-C), SIGTERM (`timeout`, `docker stop`, CI
//! cancellation) and SIGHUP (a closed terminal or SSH session). Each stops the sequence;
//! the cleanup still runs, and the command then exits with the shell's code for the signal
//! (128 + its number). The handlers are installed before the first request and stay for
//! the life of the process, so a second signal during the cleanup cannot cut it short.

/// A signal that stopped the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupt {
    pub name: &'static str,
    /// The exit code a shell reports for a process killed by it: 128 + the signal number.
    pub exit_code: i32,
}

pub const SIGINT: Interrupt = Interrupt {
    name: "SIGINT",
    exit_code: 130,
};
pub const SIGTERM: Interrupt = Interrupt {
    name: "SIGTERM",
    exit_code: 143,
};
pub const SIGHUP: Interrupt = Interrupt {
    name: "SIGHUP",
    exit_code: 129,
};

pub struct Interrupts {
    #[cfg(unix)]
    signals: Vec<(Interrupt, tokio::signal::unix::Signal)>,
}

impl Interrupts {
    /// Installs the handlers. A signal that cannot be watched (no such signal on this
    /// system) keeps its default action.
    pub fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let signals = [
                (SIGINT, SignalKind::interrupt()),
                (SIGTERM, SignalKind::terminate()),
                (SIGHUP, SignalKind::hangup()),
            ]
            .into_iter()
            .filter_map(|(i, kind)| signal(kind).ok().map(|s| (i, s)))
            .collect();
            Interrupts { signals }
        }
        #[cfg(not(unix))]
        Interrupts {}
    }

    /// Waits for the first of the watched signals.
    pub async fn next(&mut self) -> Interrupt {
        #[cfg(unix)]
        {
            if self.signals.is_empty() {
                return std::future::pending().await;
            }
            let waits = self.signals.iter_mut().map(|(i, s)| {
                let i = *i;
                Box::pin(async move {
                    s.recv().await;
                    i
                })
            });
            futures::future::select_all(waits).await.0
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            SIGINT
        }
    }
}
