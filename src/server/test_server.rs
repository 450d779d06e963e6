//! `TestServer`: the embedded server for synchronous tests (assert_cmd), on its own thread and
//! tokio runtime. It stops when dropped, and also by itself after `IDLE_LIMIT` without a
//! request or `ABSOLUTE_LIMIT` in total, so a test that leaks one leaves nothing behind.

use super::{net, ServerConfig};
use crate::model::Tenant;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub const IDLE_LIMIT: Duration = Duration::from_secs(120);
pub const ABSOLUTE_LIMIT: Duration = Duration::from_secs(900);

pub struct TestServer {
    view: super::ServerView,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts the server and returns once it accepts connections.
    pub fn start(tenant: Tenant, config: ServerConfig) -> std::io::Result<TestServer> {
        Self::start_with_limits(tenant, config, IDLE_LIMIT, ABSOLUTE_LIMIT)
    }

    /// Like `start`, with other self-stop limits (no request for `idle`, or `absolute` in total).
    pub fn start_with_limits(
        tenant: Tenant,
        config: ServerConfig,
        idle: Duration,
        absolute: Duration,
    ) -> std::io::Result<TestServer> {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("scim-doctor-test-server".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let server = match net::start(tenant, config).await {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let shared = server.shared();
                    let _ = ready_tx.send(Ok((
                        server.base_url().to_string(),
                        server.addr(),
                        shared.clone(),
                    )));
                    let started = Instant::now();
                    let mut last_seen = (0usize, Instant::now());
                    loop {
                        tokio::select! {
                            _ = &mut stop_rx => break,
                            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                        }
                        let n = shared.request_count();
                        if n != last_seen.0 {
                            last_seen = (n, Instant::now());
                        }
                        if last_seen.1.elapsed() > idle || started.elapsed() > absolute {
                            break;
                        }
                    }
                    server.stop().await;
                });
            })?;
        match ready_rx.recv() {
            Ok(Ok((base_url, addr, shared))) => Ok(TestServer {
                view: super::ServerView {
                    base_url,
                    addr,
                    shared,
                },
                stop: Some(stop_tx),
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(std::io::Error::other(
                    "the test server thread ended before it was ready",
                ))
            }
        }
    }

    /// Stops the server now (same as dropping it).
    pub fn stop(self) {}
}

impl std::ops::Deref for TestServer {
    type Target = super::ServerView;
    fn deref(&self) -> &super::ServerView {
        &self.view
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
