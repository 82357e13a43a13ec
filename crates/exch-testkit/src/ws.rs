//! WebSocket endpoints: a venue protocol answers client messages ([`WsProtocol`]); tests
//! script what the server pushes ([`WsSession::send`], [`WsHub::on_subscribe`]): text frames,
//! gzip or raw-deflate compressed binary frames, pings, a clean close or a forced disconnect.
//! The hub records every session, the messages it received, its subscriptions and pongs.
//!
//! ```
//! use std::sync::Arc;
//! use axum::{extract::{State, WebSocketUpgrade}, response::Response, routing::get, Router};
//! use exch_testkit::{SimHandle, SimServer, WsFrame, WsProtocol, WsSession};
//! use futures::{SinkExt, StreamExt};
//! use tokio_tungstenite::tungstenite::Message;
//!
//! struct Echo;
//! impl WsProtocol for Echo {
//!     fn on_text(&self, session: &WsSession, _sim: &SimHandle, text: &str) -> Vec<WsFrame> {
//!         session.subscribe(text);
//!         vec![WsFrame::Text(format!("ok {text}"))]
//!     }
//! }
//! async fn ws(State(sim): State<SimHandle>, up: WebSocketUpgrade) -> Response {
//!     sim.ws().accept(sim.clone(), up, "/ws", Arc::new(Echo))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = SimServer::start(SimHandle::new(), Router::new().route("/ws", get(ws))).await?;
//! server.ws().on_subscribe("trades", vec![WsFrame::Gzip("[1,2,3]".into())]);
//! let (mut client, _) = tokio_tungstenite::connect_async(format!("{}/ws", server.ws_url())).await?;
//! client.send(Message::Text("trades".into())).await?;
//! assert_eq!(client.next().await.unwrap()?, Message::Text("ok trades".into()));
//! assert!(matches!(client.next().await.unwrap()?, Message::Binary(_)));
//! let session = server.ws().session(0).await;
//! assert_eq!(session.subscriptions(), ["trades"]);
//! session.disconnect();
//! session.wait_closed().await;
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use flate2::write::{DeflateEncoder, GzEncoder};
use flate2::Compression;
use futures::{SinkExt, StreamExt};
use tokio::sync::{mpsc, Notify};

use crate::log::lock;
use crate::server::SimHandle;

/// A frame the server sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsFrame {
    /// A text frame.
    Text(String),
    /// A binary frame, as is.
    Binary(Vec<u8>),
    /// A binary frame holding the gzip-compressed text (HTX style).
    Gzip(String),
    /// A binary frame holding the raw-deflate-compressed text (OKX style).
    Deflate(String),
    /// A protocol-level ping.
    Ping(Vec<u8>),
    /// A close frame, then the connection ends.
    Close,
    /// The TCP connection is dropped without a close frame.
    Disconnect,
}

impl WsFrame {
    /// A text frame holding `value` as JSON.
    pub fn json(value: &serde_json::Value) -> Self {
        WsFrame::Text(value.to_string())
    }
}

/// Gzip-compresses text.
pub fn gzip(text: &str) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    let _ = e.write_all(text.as_bytes());
    e.finish().unwrap_or_default()
}

/// Raw-deflate-compresses text (no zlib header).
pub fn deflate(text: &str) -> Vec<u8> {
    let mut e = DeflateEncoder::new(Vec::new(), Compression::default());
    let _ = e.write_all(text.as_bytes());
    e.finish().unwrap_or_default()
}

fn to_message(frame: WsFrame) -> Option<Message> {
    Some(match frame {
        WsFrame::Text(t) => Message::Text(t.into()),
        WsFrame::Binary(b) => Message::Binary(b.into()),
        WsFrame::Gzip(t) => Message::Binary(gzip(&t).into()),
        WsFrame::Deflate(t) => Message::Binary(deflate(&t).into()),
        WsFrame::Ping(p) => Message::Ping(p.into()),
        WsFrame::Close => Message::Close(None),
        WsFrame::Disconnect => return None,
    })
}

/// A venue's WebSocket protocol: how the server answers client messages.
pub trait WsProtocol: Send + Sync + 'static {
    /// Frames sent when a client connects (a welcome message, for example).
    fn on_connect(&self, _session: &WsSession, _sim: &SimHandle) -> Vec<WsFrame> {
        Vec::new()
    }

    /// Answers a text message: typically parses a subscribe request, calls
    /// [`WsSession::subscribe`] for each topic and returns the acknowledgement. Application
    /// pings (`"ping"` → `"pong"`) are answered here too.
    fn on_text(&self, session: &WsSession, sim: &SimHandle, text: &str) -> Vec<WsFrame>;

    /// Answers a binary message (default: ignored).
    fn on_binary(&self, _session: &WsSession, _sim: &SimHandle, _data: &[u8]) -> Vec<WsFrame> {
        Vec::new()
    }
}

#[derive(Debug, Default)]
struct Record {
    received: Vec<String>,
    subscriptions: Vec<String>,
    pongs: usize,
    pings: usize,
    closed: bool,
}

/// One client connection. Cloning shares it.
#[derive(Debug, Clone)]
pub struct WsSession {
    id: usize,
    path: String,
    tx: mpsc::UnboundedSender<WsFrame>,
    record: Arc<Mutex<Record>>,
    changed: Arc<Notify>,
    hub: WsHub,
}

impl WsSession {
    /// The session number (0 for the first connection to the server).
    pub fn id(&self) -> usize {
        self.id
    }

    /// The path the client connected to.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Queues a frame for the client.
    pub fn send(&self, frame: WsFrame) {
        let _ = self.tx.send(frame);
    }

    /// Queues several frames.
    pub fn send_all(&self, frames: impl IntoIterator<Item = WsFrame>) {
        for f in frames {
            self.send(f);
        }
    }

    /// Drops the connection without a close frame.
    pub fn disconnect(&self) {
        self.send(WsFrame::Disconnect);
    }

    /// Records a subscription (called by the protocol) and queues the frames scripted for the
    /// topic with [`WsHub::on_subscribe`].
    pub fn subscribe(&self, topic: &str) {
        lock(&self.record).subscriptions.push(topic.to_string());
        for f in self.hub.scripted(topic) {
            self.send(f);
        }
        self.changed.notify_waiters();
    }

    /// Removes a subscription (called by the protocol).
    pub fn unsubscribe(&self, topic: &str) {
        lock(&self.record).subscriptions.retain(|t| t != topic);
        self.changed.notify_waiters();
    }

    /// The current subscriptions.
    pub fn subscriptions(&self) -> Vec<String> {
        lock(&self.record).subscriptions.clone()
    }

    /// Text messages received from the client (binary ones as lossy UTF-8).
    pub fn received(&self) -> Vec<String> {
        lock(&self.record).received.clone()
    }

    /// Pong frames received (answers to the server's pings).
    pub fn pongs(&self) -> usize {
        lock(&self.record).pongs
    }

    /// Protocol ping frames received from the client.
    pub fn pings(&self) -> usize {
        lock(&self.record).pings
    }

    /// True once the connection ended.
    pub fn is_closed(&self) -> bool {
        lock(&self.record).closed
    }

    /// Waits until `cond` holds on this session (checked on every change).
    pub async fn wait_until(&self, mut cond: impl FnMut(&WsSession) -> bool) {
        loop {
            let notified = self.changed.notified();
            if cond(self) {
                return;
            }
            notified.await;
        }
    }

    /// Waits until the client is subscribed to `topic`.
    pub async fn wait_subscribed(&self, topic: &str) {
        self.wait_until(|s| s.subscriptions().iter().any(|t| t == topic)).await;
    }

    /// Waits until the client sent `n` messages in total.
    pub async fn wait_received(&self, n: usize) {
        self.wait_until(|s| s.received().len() >= n).await;
    }

    /// Waits until the connection ended.
    pub async fn wait_closed(&self) {
        self.wait_until(WsSession::is_closed).await;
    }
}

#[derive(Debug, Default)]
struct HubInner {
    sessions: Vec<WsSession>,
    scripts: BTreeMap<String, Vec<WsFrame>>,
    ping_interval: Option<Duration>,
    idle_timeout: Option<Duration>,
}

/// Every WebSocket session of a server, and the hub-wide scripts. Cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct WsHub {
    inner: Arc<Mutex<HubInner>>,
    changed: Arc<Notify>,
}

impl WsHub {
    /// An empty hub.
    pub fn new() -> Self {
        Self::default()
    }

    /// Scripts the frames sent to every session right after it subscribes to `topic`
    /// (a snapshot, then deltas, gaps or bad checksums, ...). Re-subscribing after a
    /// reconnect replays them.
    pub fn on_subscribe(&self, topic: &str, frames: Vec<WsFrame>) {
        lock(&self.inner).scripts.insert(topic.to_string(), frames);
    }

    fn scripted(&self, topic: &str) -> Vec<WsFrame> {
        lock(&self.inner).scripts.get(topic).cloned().unwrap_or_default()
    }

    /// Makes the server send a ping frame on every session at this interval.
    pub fn set_ping_interval(&self, every: Option<Duration>) {
        lock(&self.inner).ping_interval = every;
    }

    /// Disconnects a session that sent nothing (no message, ping or pong) for this long: the
    /// venue-side heartbeat expectation.
    pub fn set_idle_timeout(&self, timeout: Option<Duration>) {
        lock(&self.inner).idle_timeout = timeout;
    }

    /// Every session so far, in connection order.
    pub fn sessions(&self) -> Vec<WsSession> {
        lock(&self.inner).sessions.clone()
    }

    /// Waits for the `n`-th session (0-based) and returns it.
    pub async fn session(&self, n: usize) -> WsSession {
        loop {
            let notified = self.changed.notified();
            if let Some(s) = lock(&self.inner).sessions.get(n).cloned() {
                return s;
            }
            notified.await;
        }
    }

    /// Sends `frame` to every open session subscribed to `topic`; returns how many got it.
    pub fn broadcast(&self, topic: &str, frame: WsFrame) -> usize {
        let mut n = 0;
        for s in self.sessions() {
            if !s.is_closed() && s.subscriptions().iter().any(|t| t == topic) {
                s.send(frame.clone());
                n += 1;
            }
        }
        n
    }

    /// Disconnects every open session.
    pub fn close_all(&self) {
        for s in self.sessions() {
            s.disconnect();
        }
    }

    /// Accepts an upgrade: call it from the venue's WebSocket route handler.
    pub fn accept(
        &self,
        sim: SimHandle,
        upgrade: WebSocketUpgrade,
        path: &str,
        protocol: Arc<dyn WsProtocol>,
    ) -> Response {
        let hub = self.clone();
        let path = path.to_string();
        upgrade.on_upgrade(move |socket| async move { hub.run(sim, socket, path, protocol).await })
    }

    async fn run(self, sim: SimHandle, socket: WebSocket, path: String, protocol: Arc<dyn WsProtocol>) {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (ping_every, idle) = {
            let inner = lock(&self.inner);
            (inner.ping_interval, inner.idle_timeout)
        };
        let session = {
            let mut inner = lock(&self.inner);
            let s = WsSession {
                id: inner.sessions.len(),
                path,
                tx,
                record: Arc::default(),
                changed: Arc::default(),
                hub: self.clone(),
            };
            inner.sessions.push(s.clone());
            s
        };
        self.changed.notify_waiters();
        let (mut sink, mut stream) = socket.split();
        session.send_all(protocol.on_connect(&session, &sim));
        let far = Duration::from_secs(86_400);
        let mut ping = tokio::time::interval(ping_every.unwrap_or(far));
        ping.tick().await;
        let idle_for = idle.unwrap_or(far);
        let mut deadline = tokio::time::Instant::now() + idle_for;
        loop {
            tokio::select! {
                frame = rx.recv() => {
                    let Some(frame) = frame else { break };
                    let close = frame == WsFrame::Close;
                    let Some(msg) = to_message(frame) else { break };
                    if sink.send(msg).await.is_err() || close {
                        break;
                    }
                }
                msg = stream.next() => {
                    deadline = tokio::time::Instant::now() + idle_for;
                    let replies = match msg {
                        Some(Ok(Message::Text(t))) => {
                            lock(&session.record).received.push(t.to_string());
                            protocol.on_text(&session, &sim, t.as_str())
                        }
                        Some(Ok(Message::Binary(b))) => {
                            lock(&session.record).received.push(String::from_utf8_lossy(&b).into_owned());
                            protocol.on_binary(&session, &sim, &b)
                        }
                        Some(Ok(Message::Pong(_))) => {
                            lock(&session.record).pongs += 1;
                            Vec::new()
                        }
                        Some(Ok(Message::Ping(_))) => {
                            lock(&session.record).pings += 1;
                            Vec::new()
                        }
                        Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                    };
                    session.changed.notify_waiters();
                    let mut failed = false;
                    for f in replies {
                        let Some(msg) = to_message(f) else { failed = true; break };
                        if sink.send(msg).await.is_err() {
                            failed = true;
                            break;
                        }
                    }
                    if failed {
                        break;
                    }
                }
                _ = ping.tick(), if ping_every.is_some() => {
                    if sink.send(Message::Ping(Vec::new().into())).await.is_err() {
                        break;
                    }
                }
                _ = tokio::time::sleep_until(deadline), if idle.is_some() => break,
            }
        }
        lock(&session.record).closed = true;
        session.changed.notify_waiters();
    }
}
