//! Listening and lifetime: binds 127.0.0.1 only, serves HTTP/1.1 (optionally over TLS with a
//! given PEM certificate), and stops by aborting the accept loop together with every open
//! connection, so a stopped server leaves nothing running behind.

use super::{http, ServerConfig, Shared, TlsPem, BASE_PATH};
use crate::model::Tenant;
use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::io;
use std::net::Ipv4Addr;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

/// A server running on the current tokio runtime. Dropping it stops it too.
pub struct RunningServer {
    view: super::ServerView,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Starts serving `tenant` on 127.0.0.1 (never any other interface).
pub async fn start(tenant: Tenant, config: ServerConfig) -> io::Result<RunningServer> {
    let acceptor = match &config.tls {
        Some(pem) => Some(tls_acceptor(pem)?),
        None => None,
    };
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
    let addr = listener.local_addr()?;
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    let base_url = format!("{scheme}://{addr}{BASE_PATH}");
    let shared = Arc::new(Shared::new(tenant, config, base_url.clone()));
    let router = Router::new()
        .fallback(http::handle)
        .with_state(shared.clone());
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(accept_loop(listener, router, acceptor, rx));
    Ok(RunningServer {
        view: super::ServerView {
            addr,
            base_url,
            shared,
        },
        shutdown: Some(tx),
        task: Some(task),
    })
}

async fn accept_loop(
    listener: TcpListener,
    router: Router,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: oneshot::Receiver<()>,
) {
    // Owning every connection task here means dropping this future aborts them all.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let router = router.clone();
                let acceptor = acceptor.clone();
                connections.spawn(async move {
                    match acceptor {
                        Some(acceptor) => {
                            // A client that rejects the certificate fails the handshake here.
                            if let Ok(tls) = acceptor.accept(stream).await {
                                serve_connection(tls, router).await;
                            }
                        }
                        None => serve_connection(stream, router).await,
                    }
                });
            }
        }
    }
    connections.shutdown().await;
}

async fn serve_connection<S>(stream: S, router: Router)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = TowerToHyperService::new(router);
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

fn tls_acceptor(pem: &TlsPem) -> io::Result<tokio_rustls::TlsAcceptor> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        io::Error::new(io::ErrorKind::InvalidInput, format!("{what}: {e}"))
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem.cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| bad("cannot read the TLS certificate PEM", &e))?;
    if certs.is_empty() {
        return Err(bad(
            "cannot read the TLS certificate PEM",
            &"no certificate found",
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(&pem.key_pem)
        .map_err(|e| bad("cannot read the TLS key PEM", &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad("TLS setup failed", &e))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| bad("the TLS certificate and key do not fit together", &e))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

impl RunningServer {
    pub(crate) fn shared(&self) -> Arc<Shared> {
        self.view.shared.clone()
    }

    /// Stops accepting and drops every open connection.
    pub async fn stop(mut self) {
        self.halt();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn halt(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl std::ops::Deref for RunningServer {
    type Target = super::ServerView;
    fn deref(&self) -> &super::ServerView {
        &self.view
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.halt();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
