//! The hub's HTTP server: axum over rustls (tokio-rustls, ring provider) with the state
//! directory's certificate, bounded (body limit, header and request timeouts, a connection cap,
//! a TLS handshake timeout) and shut down gracefully with a deadline. Plain HTTP only on loopback.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use axum::body::Bytes;
use dealerdesk_sync::wire::{self, Signed};

use crate::{EnrolRequest, Hub, HubError};

/// The server's bounds.
#[derive(Debug, Clone)]
pub struct Limits {
    pub body_bytes: usize,
    pub header_timeout: Duration,
    pub request_timeout: Duration,
    pub handshake_timeout: Duration,
    pub max_connections: usize,
    pub shutdown_deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_bytes: 64 * 1024,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(10),
            max_connections: 256,
            shutdown_deadline: Duration::from_secs(10),
        }
    }
}

/// Refuses plain HTTP on an address that is not loopback.
pub fn check_bind(addr: &SocketAddr, insecure_http: bool) -> Result<(), HubError> {
    if insecure_http && !addr.ip().is_loopback() {
        return Err(HubError::invalid(
            "bind",
            format!(
                "plain HTTP is refused on {addr}: it is allowed only on a loopback address \
                 (127.0.0.1 or ::1); drop --insecure-http to serve over TLS"
            ),
        ));
    }
    Ok(())
}

struct ApiError(HubError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self.0 {
            HubError::Invalid { .. } => StatusCode::BAD_REQUEST,
            HubError::NotFound(_) => StatusCode::NOT_FOUND,
            HubError::Forbidden(_) => StatusCode::FORBIDDEN,
            HubError::Conflict(_) => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self.0, "hub request failed");
            "the hub could not complete this request".to_string()
        } else {
            self.0.to_string()
        };
        let body = json!({ "error": { "message": message, "field": self.0.field() } });
        (status, Json(body)).into_response()
    }
}

async fn health(State(hub): State<Arc<Hub>>) -> Response {
    match sqlx::Executor::execute(hub.store.pool(), "SELECT 1").await {
        Ok(_) => Json(json!({ "status": "ok", "group_id": hub.group_id })).into_response(),
        Err(e) => ApiError(e.into()).into_response(),
    }
}

/// Reads a JSON body; a body that is not the expected JSON gets the `{error}` answer every other
/// refusal gets (not axum's plain-text rejection).
fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError(HubError::invalid(
            "body",
            format!("is not the expected JSON: {e}"),
        ))
    })
}

async fn enrol(State(hub): State<Arc<Hub>>, body: Bytes) -> Result<Response, ApiError> {
    let req: EnrolRequest = json_body(&body)?;
    let answer = hub.enrol(&req, Utc::now()).await.map_err(ApiError)?;
    Ok(Json(answer).into_response())
}

async fn push(State(hub): State<Arc<Hub>>, body: Bytes) -> Result<Response, ApiError> {
    let signed: Signed = json_body(&body)?;
    let answer = hub.push(&signed, Utc::now()).await.map_err(ApiError)?;
    Ok(Json(answer).into_response())
}

async fn pull(State(hub): State<Arc<Hub>>, body: Bytes) -> Result<Response, ApiError> {
    let signed: Signed = json_body(&body)?;
    let page = hub.pull(&signed, Utc::now()).await.map_err(ApiError)?;
    Ok(Json(page).into_response())
}

async fn audit(State(hub): State<Arc<Hub>>, body: Bytes) -> Result<Response, ApiError> {
    let signed: Signed = json_body(&body)?;
    let answer = hub
        .take_audit(&signed, Utc::now())
        .await
        .map_err(ApiError)?;
    Ok(Json(answer).into_response())
}

/// The hub's routes: enrolment and health take small bodies; push, pull and desks' audit logs up to
/// `wire::MAX_MESSAGE_BYTES`.
pub fn router(hub: Arc<Hub>, limits: &Limits) -> Router {
    let small = Router::new()
        .route("/v1/health", get(health))
        .route("/v1/enrol", post(enrol))
        .layer(DefaultBodyLimit::max(limits.body_bytes))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            limits.body_bytes,
        ));
    let sync = Router::new()
        .route(wire::PUSH_PATH, post(push))
        .route(wire::PULL_PATH, post(pull))
        .route(wire::AUDIT_PATH, post(audit))
        .layer(DefaultBodyLimit::max(wire::MAX_MESSAGE_BYTES))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            wire::MAX_MESSAGE_BYTES,
        ));
    small
        .merge(sync)
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .with_state(hub)
}

/// The TLS acceptor for the state directory's certificate.
pub fn tls_acceptor(hub: &Hub) -> Result<tokio_rustls::TlsAcceptor, HubError> {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let id = hub.state.tls()?;
    let provider = crate::tls_provider();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key_der.to_vec()));
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| HubError::State(format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(id.cert_der.clone())], key)
        .map_err(|e| HubError::State(format!("the hub's certificate or key: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Serves on `listener` (TLS unless `tls` is `None`) until `shutdown` completes, then stops
/// accepting and gives open connections `limits.shutdown_deadline` to finish.
pub async fn serve(
    hub: Hub,
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> Result<(), HubError> {
    let app = router(Arc::new(hub), &limits);
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(64 * 1024);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (tcp, _peer) = tokio::select! {
            _ = &mut shutdown => break,
            a = listener.accept() => match a {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let service = TowerToHyperService::new(app.clone());
        match &tls {
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                let http = http.clone();
                let watcher = graceful.watcher();
                let handshake = limits.handshake_timeout;
                tokio::spawn(async move {
                    let stream = match tokio::time::timeout(handshake, acceptor.accept(tcp)).await {
                        Ok(Ok(s)) => s,
                        _ => return,
                    };
                    let conn = http.serve_connection(TokioIo::new(stream), service);
                    let _ = watcher.watch(conn).await;
                    drop(permit);
                });
            }
            None => {
                let conn = http.serve_connection(TokioIo::new(tcp), service);
                let fut = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = fut.await;
                    drop(permit);
                });
            }
        }
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_deadline, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open at the shutdown deadline were dropped");
    }
    Ok(())
}
