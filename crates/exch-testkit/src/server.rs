//! The loopback server: [`SimHandle`] (the shared state a venue protocol's handlers receive)
//! and [`SimServer`] (listeners on `127.0.0.1`, ephemeral ports, one per API name, wrapped in
//! the generic layer that logs requests and applies scripted faults).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::auth::KeyStore;
use crate::fault::{Fault, Faults};
use crate::log::{lock, LoggedRequest, RequestLog};
use crate::state::{Counters, SimClock, SimState};
use crate::ws::WsHub;

struct Inner {
    state: Mutex<SimState>,
    clock: SimClock,
    log: RequestLog,
    faults: Faults,
    keys: KeyStore,
    ws: WsHub,
    extensions: Mutex<http::Extensions>,
}

/// The shared simulation: exchange state, clock, key store, request log, fault script and
/// WebSocket hub. It is the axum state of every venue router (`Router<SimHandle>`); cloning
/// shares it.
#[derive(Clone)]
pub struct SimHandle {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("requests", &self.inner.log.len())
            .field("counters", &self.counters())
            .finish_non_exhaustive()
    }
}

impl Default for SimHandle {
    fn default() -> Self {
        Self::new()
    }
}

impl SimHandle {
    /// A fresh simulation: empty state (with the default account), no keys, no faults.
    pub fn new() -> Self {
        let clock = SimClock::new();
        SimHandle {
            inner: Arc::new(Inner {
                state: Mutex::new(SimState::new(clock.clone())),
                clock,
                log: RequestLog::new(),
                faults: Faults::new(),
                keys: KeyStore::new(),
                ws: WsHub::new(),
                extensions: Mutex::new(http::Extensions::new()),
            }),
        }
    }

    /// Locks the exchange state. Never hold the guard across an `.await`.
    pub fn state(&self) -> MutexGuard<'_, SimState> {
        lock(&self.inner.state)
    }

    /// The server clock (set a skew on it to simulate clock drift).
    pub fn clock(&self) -> &SimClock {
        &self.inner.clock
    }

    /// The server time in ms (with skew): what the venue's time endpoint reports and what its
    /// timestamp check compares against.
    pub fn server_time_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// The request log.
    pub fn log(&self) -> &RequestLog {
        &self.inner.log
    }

    /// The fault script.
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// The API keys the venue accepts.
    pub fn keys(&self) -> &KeyStore {
        &self.inner.keys
    }

    /// The WebSocket hub.
    pub fn ws(&self) -> &WsHub {
        &self.inner.ws
    }

    /// The order counters of the state.
    pub fn counters(&self) -> Counters {
        self.state().counters()
    }

    /// Venue-specific extra state (listen keys, ...), keyed by type.
    pub fn extensions(&self) -> MutexGuard<'_, http::Extensions> {
        lock(&self.inner.extensions)
    }
}

/// A running simulated venue: one listener per API name on `127.0.0.1`. Dereferences to its
/// [`SimHandle`]. Dropping it stops the listeners.
#[derive(Debug)]
pub struct SimServer {
    handle: SimHandle,
    apis: Vec<(String, SocketAddr)>,
    shutdown: watch::Sender<bool>,
}

/// Builds a [`SimServer`] with several named APIs (e.g. `spot` and `futures` when their
/// paths could collide); every API shares one [`SimHandle`].
#[derive(Debug)]
pub struct SimServerBuilder {
    handle: SimHandle,
    apis: Vec<(String, Router<SimHandle>)>,
}

impl SimServerBuilder {
    /// Adds an API served by `router` on its own port.
    pub fn api(mut self, name: impl Into<String>, router: Router<SimHandle>) -> Self {
        self.apis.push((name.into(), router));
        self
    }

    /// Binds every API on `127.0.0.1:0` and starts serving.
    pub async fn start(self) -> std::io::Result<SimServer> {
        let (shutdown, rx) = watch::channel(false);
        let mut apis = Vec::new();
        for (name, router) in self.apis {
            let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
            let addr = listener.local_addr()?;
            let app: Router = router
                .layer(middleware::from_fn_with_state(
                    (self.handle.clone(), Arc::<str>::from(name.as_str())),
                    kit_layer,
                ))
                .with_state(self.handle.clone());
            tokio::spawn(serve(listener, app, rx.clone()));
            apis.push((name, addr));
        }
        Ok(SimServer {
            handle: self.handle,
            apis,
            shutdown,
        })
    }
}

impl SimServer {
    /// A builder for a server with several named APIs.
    pub fn builder(handle: SimHandle) -> SimServerBuilder {
        SimServerBuilder {
            handle,
            apis: Vec::new(),
        }
    }

    /// Starts one API named `*` (every API of the venue) served by `router`.
    pub async fn start(handle: SimHandle, router: Router<SimHandle>) -> std::io::Result<SimServer> {
        Self::builder(handle).api("*", router).start().await
    }

    /// The shared simulation.
    pub fn handle(&self) -> &SimHandle {
        &self.handle
    }

    /// `http://127.0.0.1:<port>` of the first API.
    pub fn base_url(&self) -> String {
        self.apis
            .first()
            .map(|(_, a)| format!("http://{a}"))
            .unwrap_or_default()
    }

    /// `ws://127.0.0.1:<port>` of the first API.
    pub fn ws_url(&self) -> String {
        self.apis.first().map(|(_, a)| format!("ws://{a}")).unwrap_or_default()
    }

    /// `http://127.0.0.1:<port>` of a named API.
    pub fn url(&self, api: &str) -> Option<String> {
        self.addr(api).map(|a| format!("http://{a}"))
    }

    /// `ws://127.0.0.1:<port>` of a named API.
    pub fn ws_url_of(&self, api: &str) -> Option<String> {
        self.addr(api).map(|a| format!("ws://{a}"))
    }

    /// The socket address of a named API.
    pub fn addr(&self, api: &str) -> Option<SocketAddr> {
        self.apis.iter().find(|(n, _)| n == api).map(|(_, a)| *a)
    }

    /// Base URLs by API name, ready for `ClientConfig::base_url(name, url)`.
    pub fn urls(&self) -> BTreeMap<String, String> {
        self.apis
            .iter()
            .map(|(n, a)| (n.clone(), format!("http://{a}")))
            .collect()
    }

    /// A client configuration whose base URLs point at this server.
    pub fn client_config(&self) -> exch_core::ClientConfig {
        self.apis.iter().fold(exch_core::ClientConfig::new(), |c, (n, a)| {
            c.base_url(n.clone(), format!("http://{a}"))
        })
    }

    /// [`SimServer::client_config`] with credentials (e.g. [`crate::VenueSim::credentials`]).
    pub fn client_config_with(&self, credentials: exch_core::Credentials) -> exch_core::ClientConfig {
        self.client_config().credentials(credentials)
    }

    /// Stops accepting connections and closes open ones (also done on drop).
    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
        self.handle.ws().close_all();
    }
}

impl std::ops::Deref for SimServer {
    type Target = SimHandle;
    fn deref(&self) -> &SimHandle {
        &self.handle
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Marker on a response: drop the connection instead of sending it.
#[derive(Debug, Clone, Copy)]
struct DropConnection;

#[derive(Debug)]
struct ConnectionDropped;

impl std::fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault script")
    }
}

impl std::error::Error for ConnectionDropped {}

async fn serve(listener: TcpListener, app: Router, mut shutdown: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.changed() => return,
            a = listener.accept() => a,
        };
        let Ok((stream, _)) = accepted else { continue };
        let tower = TowerToHyperService::new(app.clone());
        let svc = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let tower = tower.clone();
            async move {
                let resp: Response = match hyper::service::Service::call(&tower, req).await {
                    Ok(r) => r,
                    Err(never) => match never {},
                };
                if resp.extensions().get::<DropConnection>().is_some() {
                    return Err(ConnectionDropped);
                }
                Ok::<_, ConnectionDropped>(resp)
            }
        });
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .with_upgrades();
            tokio::select! {
                _ = conn => {}
                _ = stop.changed() => {}
            }
        });
    }
}

fn drop_connection() -> Response {
    let mut r = Response::new(Body::empty());
    r.extensions_mut().insert(DropConnection);
    r
}

fn json_response(status: u16, body: String, retry_after: Option<u64>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(secs) = retry_after {
        r.headers_mut()
            .insert(http::header::RETRY_AFTER, HeaderValue::from(secs));
    }
    r
}

async fn replace_body(resp: Response, f: impl FnOnce(Vec<u8>) -> Vec<u8>) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    parts.headers.remove(http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(f(bytes.to_vec())))
}

/// The generic layer around every venue router: logs the request, then applies the first
/// matching scripted fault.
async fn kit_layer(State((sim, api)): State<(SimHandle, Arc<str>)>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let fault = sim.faults().take(&api, &method, &path);
    sim.log().push(LoggedRequest {
        api: api.to_string(),
        method,
        path,
        query: parts.uri.query().map(str::to_string),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        time_ms: sim.server_time_ms(),
        fault: fault.as_ref().map(|f| format!("{f:?}")),
    });
    let req = Request::from_parts(parts, Body::from(bytes));
    let Some(fault) = fault else {
        return next.run(req).await;
    };
    tracing::debug!(?fault, "exch-testkit: applying fault");
    match fault {
        Fault::Delay(d) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        Fault::Status {
            status,
            retry_after,
            body,
        } => json_response(status, body, retry_after),
        Fault::Respond { status, body } => json_response(status, body, None),
        Fault::RespondAfterHandler { status, body } => {
            let _ = next.run(req).await;
            json_response(status, body, None)
        }
        Fault::Malformed => {
            let resp = next.run(req).await;
            replace_body(resp, |_| b"{\"code\": 0, \"data\": [1, 2,, <html>".to_vec()).await
        }
        Fault::Truncated => {
            let resp = next.run(req).await;
            replace_body(resp, |mut b| {
                b.truncate(b.len() / 2);
                b
            })
            .await
        }
        Fault::Hang(hold) => {
            tokio::time::sleep(hold).await;
            drop_connection()
        }
        Fault::Reset => drop_connection(),
        Fault::LoseResponse(hold) => {
            let _ = next.run(req).await;
            tokio::time::sleep(hold).await;
            drop_connection()
        }
    }
}
