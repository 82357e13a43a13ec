//! The reconnecting WebSocket driver behind [`subscribe`] and the [`MarketStream`] it returns.
//!
//! One task per connection URL: connect (tokio-tungstenite over rustls), send every
//! subscription, read frames (decompressing binary ones as the protocol declares), answer pings,
//! keep the local books, and emit [`StreamEvent`]s into a bounded channel. When the socket dies
//! (error, close, or no frame within the heartbeat timeout) the task waits an exponential
//! backoff with jitter and reconnects, subscribing everything again; each book then rebuilds
//! from a fresh snapshot, so nothing is applied twice and nothing is skipped. A book that finds a
//! gap or a bad checksum is rebuilt alone while the connection stays up. Dropping the
//! [`MarketStream`] stops every task.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{SinkExt, Stream, StreamExt};
use rand::Rng;
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::{Error, ErrorKind, Result};
use crate::symbol::Symbol;

use super::book::{Applied, BookError, BookMessage, LocalBook};
use super::event::{BookUpdate, Channel, ConnectionState, StreamEvent, Subscription};
use super::protocol::{BookSync, Compression, Heartbeat, Inbound, StreamProtocol};

/// Tuning of a market stream. `Default` suits live venues; tests shorten the durations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamConfig {
    /// The first reconnect delay; each later one doubles.
    pub backoff_min: Duration,
    /// The longest reconnect delay.
    pub backoff_max: Duration,
    /// Randomizes each delay within `[delay / 2, delay]` so that clients spread out.
    pub jitter: bool,
    /// Gives up connecting after this long.
    pub connect_timeout: Duration,
    /// Overrides the protocol's heartbeat timeout (no frame for this long → reconnect).
    pub heartbeat_timeout: Option<Duration>,
    /// The data-age watchdog: a subscription without data for this long gets one
    /// [`ConnectionState::Stale`] event. `None` disables it.
    pub stale_after: Option<Duration>,
    /// Levels per side in the books carried by [`StreamEvent::BookSnapshot`] and
    /// [`BookUpdate::book`].
    pub book_depth: usize,
    /// Book deltas kept while a book waits for its snapshot (the oldest are dropped beyond).
    pub max_buffered_deltas: usize,
    /// For books synced over REST: the snapshot is fetched when the first delta arrives (so that
    /// it overlaps the buffered deltas), or after this long without any delta.
    pub rest_snapshot_after: Duration,
    /// Events buffered for a slow consumer before the connection task waits for it.
    pub channel_capacity: usize,
}

impl Default for StreamConfig {
    /// Backoff 250 ms doubling to 30 s with jitter, 10 s connect timeout, the protocol's
    /// heartbeat, no watchdog, 20 book levels, 10 000 buffered deltas, REST snapshots after the
    /// first delta or 1 s, 1024 queued events.
    fn default() -> Self {
        StreamConfig {
            backoff_min: Duration::from_millis(250),
            backoff_max: Duration::from_secs(30),
            jitter: true,
            connect_timeout: Duration::from_secs(10),
            heartbeat_timeout: None,
            stale_after: None,
            book_depth: 20,
            max_buffered_deltas: 10_000,
            rest_snapshot_after: Duration::from_secs(1),
            channel_capacity: 1024,
        }
    }
}

impl StreamConfig {
    /// The default configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the reconnect backoff range.
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.backoff_min = min;
        self.backoff_max = max.max(min);
        self
    }

    /// Turns jitter on or off.
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// Overrides the heartbeat timeout.
    pub fn heartbeat_timeout(mut self, t: Duration) -> Self {
        self.heartbeat_timeout = Some(t);
        self
    }

    /// Enables the data-age watchdog.
    pub fn stale_after(mut self, t: Duration) -> Self {
        self.stale_after = Some(t);
        self
    }

    /// Sets the levels per side of emitted books.
    pub fn book_depth(mut self, n: usize) -> Self {
        self.book_depth = n.max(1);
        self
    }

    /// The reconnect delay before `attempt` (1-based), before jitter.
    pub fn backoff_delay(&self, attempt: u32) -> Duration {
        let shift = attempt.saturating_sub(1).min(30);
        self.backoff_min
            .checked_mul(1u32 << shift)
            .unwrap_or(self.backoff_max)
            .min(self.backoff_max)
    }

    fn jittered(&self, attempt: u32) -> Duration {
        let d = self.backoff_delay(attempt);
        if !self.jitter || d.is_zero() {
            return d;
        }
        let half = d / 2;
        let extra = rand::thread_rng().gen_range(0..=half.as_micros().min(u128::from(u64::MAX)) as u64);
        half + Duration::from_micros(extra)
    }
}

/// Subscribes to `subs` through `protocol` and returns the stream of their events.
///
/// Duplicate subscriptions are merged; subscriptions are grouped by
/// [`StreamProtocol::url`] into one connection each. Fails at once (without connecting) when
/// `subs` is empty or the protocol rejects a subscription (`ErrorKind::Unsupported`,
/// `ErrorKind::BadSymbol`); connection failures later become [`StreamEvent::Error`] and
/// [`ConnectionState::Reconnecting`] events, never the end of the stream.
///
/// Must be called inside a tokio runtime. The stream never ends on its own; drop it to stop.
pub fn subscribe(
    protocol: Arc<dyn StreamProtocol>,
    subs: impl IntoIterator<Item = Subscription>,
    config: StreamConfig,
) -> Result<MarketStream> {
    let subs: BTreeSet<Subscription> = subs.into_iter().collect();
    if subs.is_empty() {
        return Err(Error::new(
            ErrorKind::BadRequest,
            "a market stream needs at least one subscription",
        ));
    }
    let mut books = BTreeSet::new();
    for s in subs.iter().filter(|s| s.channel.is_book()) {
        if !books.insert(&s.symbol) {
            return Err(Error::new(
                ErrorKind::BadRequest,
                format!("one book subscription per symbol: {} is subscribed twice", s.symbol),
            ));
        }
    }
    let mut groups: BTreeMap<String, Vec<Subscription>> = BTreeMap::new();
    for s in subs {
        groups.entry(protocol.url(&s)?).or_default().push(s);
    }
    for subs in groups.values() {
        protocol.subscribe_messages(subs)?;
    }
    let (tx, rx) = mpsc::channel(config.channel_capacity.max(1));
    let tasks = groups
        .into_iter()
        .map(|(url, subs)| {
            let conn = Conn::new(protocol.clone(), url, subs, config.clone(), tx.clone());
            tokio::spawn(conn.run())
        })
        .collect();
    Ok(MarketStream { rx, tasks })
}

/// The events of a set of subscriptions: a [`futures::Stream`] of [`StreamEvent`]. Dropping it
/// closes its connections.
#[derive(Debug)]
pub struct MarketStream {
    rx: mpsc::Receiver<StreamEvent>,
    tasks: Vec<JoinHandle<()>>,
}

impl MarketStream {
    /// The next event (`None` only if every connection task stopped).
    pub async fn next_event(&mut self) -> Option<StreamEvent> {
        self.rx.recv().await
    }
}

impl Stream for MarketStream {
    type Item = StreamEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<StreamEvent>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for MarketStream {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

type Ws = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// Messages from helper tasks (snapshot fetches, delayed resubscribes) to the connection task.
enum Cmd {
    Snapshot {
        symbol: Symbol,
        gen: u64,
        result: Box<Result<BookMessage>>,
    },
    Resubscribe {
        symbol: Symbol,
        gen: u64,
    },
    /// Fetch the REST snapshot now unless a delta already started it.
    Fetch {
        symbol: Symbol,
        gen: u64,
    },
}

enum Sync {
    /// Waiting for a snapshot; deltas are buffered (REST sync) or dropped (stream sync).
    Waiting {
        buffer: Vec<BookMessage>,
        fetching: bool,
    },
    Live,
}

struct BookSlot {
    sub: Subscription,
    book: LocalBook,
    mode: BookSync,
    sync: Sync,
    /// Bumped on every (re)sync so that late snapshot fetches are ignored.
    gen: u64,
    /// Consecutive failed syncs (for the resync backoff).
    failures: u32,
    ever_synced: bool,
}

struct Watch {
    sub: Subscription,
    last: Instant,
    stale: bool,
}

/// Why a session ended.
enum End {
    /// The consumer dropped the stream.
    Stop,
    /// The socket died; reconnect.
    Lost { had_data: bool, reason: &'static str },
}

struct Conn {
    proto: Arc<dyn StreamProtocol>,
    url: String,
    subs: Vec<Subscription>,
    cfg: StreamConfig,
    heartbeat: Heartbeat,
    tx: mpsc::Sender<StreamEvent>,
    books: HashMap<Symbol, BookSlot>,
    watches: Vec<Watch>,
    cmd_tx: mpsc::UnboundedSender<Cmd>,
    cmd_rx: mpsc::UnboundedReceiver<Cmd>,
    helpers: JoinSet<()>,
    /// Set by [`Inbound::Reconnect`]: end the session after this frame.
    reconnect_requested: bool,
}

impl Conn {
    fn new(
        proto: Arc<dyn StreamProtocol>,
        url: String,
        subs: Vec<Subscription>,
        cfg: StreamConfig,
        tx: mpsc::Sender<StreamEvent>,
    ) -> Self {
        let mut heartbeat = proto.heartbeat(&url);
        if let Some(t) = cfg.heartbeat_timeout {
            heartbeat.timeout = t;
        }
        let mut books = HashMap::new();
        for s in subs.iter().filter(|s| s.channel.is_book()) {
            let mut book =
                LocalBook::new(s.symbol.clone(), proto.sequence_rule(s)).with_contract_size(proto.contract_size(s));
            if let Some(f) = proto.checksum(s) {
                book = book.with_checksum(f);
            }
            books.entry(s.symbol.clone()).or_insert(BookSlot {
                sub: s.clone(),
                book,
                mode: proto.book_sync(s),
                sync: Sync::Waiting {
                    buffer: Vec::new(),
                    fetching: false,
                },
                gen: 0,
                failures: 0,
                ever_synced: false,
            });
        }
        let now = Instant::now();
        let watches = subs
            .iter()
            .map(|s| Watch {
                sub: s.clone(),
                last: now,
                stale: false,
            })
            .collect();
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        Conn {
            proto,
            url,
            subs,
            cfg,
            heartbeat,
            tx,
            books,
            watches,
            cmd_tx,
            cmd_rx,
            helpers: JoinSet::new(),
            reconnect_requested: false,
        }
    }

    async fn run(mut self) {
        let mut attempt: u32 = 0;
        loop {
            let connected = tokio::select! {
                r = tokio::time::timeout(self.cfg.connect_timeout, tokio_tungstenite::connect_async(self.url.as_str())) => r,
                _ = self.tx.closed() => return,
            };
            match connected {
                Ok(Ok((ws, _))) => match self.session(ws).await {
                    End::Stop => return,
                    End::Lost { had_data, reason } => {
                        tracing::warn!(url = %self.url, reason, "stream connection lost; reconnecting");
                        if had_data {
                            attempt = 0;
                        }
                    }
                },
                Ok(Err(e)) => {
                    let err =
                        Error::new(ErrorKind::Network, format!("cannot connect to {}: {e}", self.url)).with_source(e);
                    if !self.emit(StreamEvent::Error(err)).await {
                        return;
                    }
                }
                Err(_) => {
                    let err = Error::new(ErrorKind::Timeout, format!("connecting to {} timed out", self.url));
                    if !self.emit(StreamEvent::Error(err)).await {
                        return;
                    }
                }
            }
            attempt = attempt.saturating_add(1);
            let delay = self.cfg.jittered(attempt);
            if !self
                .emit(StreamEvent::State(ConnectionState::Reconnecting { attempt, delay }))
                .await
            {
                return;
            }
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.tx.closed() => return,
            }
        }
    }

    /// Sends an event; false when the consumer is gone.
    async fn emit(&self, ev: StreamEvent) -> bool {
        self.tx.send(ev).await.is_ok()
    }

    /// Records data for the watchdog.
    fn touch(&mut self, symbol: &Symbol, channel: Channel) {
        let now = Instant::now();
        for w in &mut self.watches {
            if w.sub.symbol == *symbol && w.sub.channel.same_kind(&channel) {
                w.last = now;
                w.stale = false;
            }
        }
    }

    fn next_stale_deadline(&self) -> Option<Instant> {
        let after = self.cfg.stale_after?;
        self.watches.iter().filter(|w| !w.stale).map(|w| w.last + after).min()
    }

    async fn session(&mut self, mut ws: Ws) -> End {
        // Every book starts over from a fresh snapshot on each connection.
        let symbols: Vec<Symbol> = self.books.keys().cloned().collect();
        for s in &symbols {
            self.restart_sync(s);
        }
        let rest_books: Vec<(Symbol, u64)> = self
            .books
            .values()
            .filter(|b| b.mode == BookSync::Rest)
            .map(|b| (b.sub.symbol.clone(), b.gen))
            .collect();
        let grace = self.cfg.rest_snapshot_after;
        for (symbol, gen) in rest_books {
            let tx = self.cmd_tx.clone();
            self.spawn_helper(async move {
                tokio::time::sleep(grace).await;
                let _ = tx.send(Cmd::Fetch { symbol, gen });
            });
        }
        match self.proto.subscribe_messages(&self.subs) {
            Ok(msgs) => {
                for m in msgs {
                    if ws.send(Message::Text(m.into())).await.is_err() {
                        return End::Lost {
                            had_data: false,
                            reason: "cannot send the subscriptions",
                        };
                    }
                }
            }
            Err(e) => {
                if !self.emit(StreamEvent::Error(e)).await {
                    return End::Stop;
                }
            }
        }
        let url = self.url.clone();
        if !self.emit(StreamEvent::State(ConnectionState::Connected { url })).await {
            return End::Stop;
        }
        let mut had_data = false;
        let mut last_rx = Instant::now();
        let mut last_ping = last_rx;
        let far = Duration::from_secs(86_400 * 365);
        loop {
            let dead_at = last_rx + self.heartbeat.timeout;
            let ping_at = last_rx.max(last_ping) + self.heartbeat.ping_after;
            let stale_at = self.next_stale_deadline();
            let tx = self.tx.clone();
            let outgoing: Vec<String> = tokio::select! {
                _ = tx.closed() => return End::Stop,
                msg = ws.next() => {
                    last_rx = Instant::now();
                    match msg {
                        Some(Ok(Message::Text(t))) => {
                            had_data = true;
                            match self.handle_text(t.as_str()).await {
                                Some(out) => out,
                                None => return End::Stop,
                            }
                        }
                        Some(Ok(Message::Binary(b))) => {
                            had_data = true;
                            match inflate(self.proto.compression(), &b) {
                                Ok(text) => match self.handle_text(&text).await {
                                    Some(out) => out,
                                    None => return End::Stop,
                                },
                                Err(e) => {
                                    let err = Error::decode(&self.url, &b, format!("cannot decompress a binary frame: {e}"));
                                    if !self.emit(StreamEvent::Error(err)).await {
                                        return End::Stop;
                                    }
                                    Vec::new()
                                }
                            }
                        }
                        Some(Ok(Message::Ping(_))) => {
                            // tungstenite queued the pong; push it out now.
                            if ws.flush().await.is_err() {
                                return End::Lost { had_data, reason: "cannot answer a ping" };
                            }
                            Vec::new()
                        }
                        Some(Ok(Message::Pong(_) | Message::Frame(_))) => Vec::new(),
                        Some(Ok(Message::Close(_))) => return End::Lost { had_data, reason: "closed by the venue" },
                        Some(Err(_)) | None => return End::Lost { had_data, reason: "connection dropped" },
                    }
                }
                cmd = self.cmd_rx.recv() => match cmd {
                    Some(cmd) => match self.handle_cmd(cmd).await {
                        Some(out) => out,
                        None => return End::Stop,
                    },
                    None => Vec::new(),
                },
                _ = tokio::time::sleep_until(dead_at) => {
                    return End::Lost { had_data, reason: "no frame within the heartbeat timeout" };
                }
                _ = tokio::time::sleep_until(ping_at), if self.heartbeat.ping_text.is_some() => {
                    last_ping = Instant::now();
                    self.heartbeat.ping_text.iter().cloned().collect()
                }
                _ = tokio::time::sleep_until(stale_at.unwrap_or(Instant::now() + far)), if stale_at.is_some() => {
                    if !self.check_stale().await {
                        return End::Stop;
                    }
                    Vec::new()
                }
            };
            for text in outgoing {
                if ws.send(Message::Text(text.into())).await.is_err() {
                    return End::Lost {
                        had_data,
                        reason: "cannot send",
                    };
                }
            }
            if self.reconnect_requested {
                self.reconnect_requested = false;
                return End::Lost {
                    had_data,
                    reason: "the venue announced a disconnect",
                };
            }
        }
    }

    /// Decodes one frame and acts on it; returns the text frames to send, `None` when the
    /// consumer is gone.
    async fn handle_text(&mut self, text: &str) -> Option<Vec<String>> {
        let items = match self.proto.decode(text) {
            Ok(items) => items,
            Err(e) => return self.emit(StreamEvent::Error(e)).await.then(Vec::new),
        };
        let mut out = Vec::new();
        for item in items {
            match item {
                Inbound::Event(ev) => {
                    if let (Some(s), Some(c)) = (ev.symbol(), ev.channel()) {
                        let s = s.clone();
                        self.touch(&s, c);
                    }
                    if !self.emit(ev).await {
                        return None;
                    }
                }
                Inbound::Book(m) => out.extend(self.on_book(m).await?),
                Inbound::Reply(t) => out.push(t),
                Inbound::Reconnect => self.reconnect_requested = true,
                Inbound::Ignore => {}
            }
        }
        Some(out)
    }

    async fn on_book(&mut self, m: BookMessage) -> Option<Vec<String>> {
        let symbol = m.symbol.clone();
        if !self.books.contains_key(&symbol) {
            return Some(Vec::new());
        }
        self.touch(&symbol, Channel::BOOK);
        let max_buffered = self.cfg.max_buffered_deltas.max(1);
        let Some(slot) = self.books.get_mut(&symbol) else {
            return Some(Vec::new());
        };
        if m.is_snapshot() {
            return self.complete_sync(&symbol, m).await;
        }
        match &mut slot.sync {
            Sync::Waiting { buffer, fetching } => {
                if slot.mode == BookSync::Rest {
                    if buffer.len() >= max_buffered {
                        buffer.remove(0);
                    }
                    buffer.push(m);
                    if !*fetching {
                        *fetching = true;
                        let gen = slot.gen;
                        self.spawn_fetch(symbol, gen, Duration::ZERO);
                    }
                }
                // Stream sync: deltas before the snapshot belong to the old subscription.
                Some(Vec::new())
            }
            Sync::Live => match slot.book.apply(&m) {
                Ok(Applied::Delta) => {
                    slot.failures = 0;
                    let update = BookUpdate {
                        symbol,
                        bids: m.bids.iter().map(|l| slot.book.to_base(*l)).collect(),
                        asks: m.asks.iter().map(|l| slot.book.to_base(*l)).collect(),
                        sequence: slot.book.last_id(),
                        timestamp: m.timestamp,
                        book: slot.book.to_order_book(self.cfg.book_depth),
                    };
                    self.emit(StreamEvent::BookUpdate(update)).await.then(Vec::new)
                }
                Ok(_) => Some(Vec::new()),
                Err(e) => self.resync(&symbol, e, vec![m]).await,
            },
        }
    }

    /// Applies a snapshot (from the stream or a fetch) and the deltas buffered behind it.
    async fn complete_sync(&mut self, symbol: &Symbol, snapshot: BookMessage) -> Option<Vec<String>> {
        let depth = self.cfg.book_depth;
        let Some(slot) = self.books.get_mut(symbol) else {
            return Some(Vec::new());
        };
        let was_waiting = matches!(slot.sync, Sync::Waiting { .. });
        let buffer = match std::mem::replace(&mut slot.sync, Sync::Live) {
            Sync::Waiting { buffer, .. } => buffer,
            Sync::Live => Vec::new(),
        };
        if let Err(e) = slot.book.apply(&snapshot) {
            return self.resync(symbol, e, buffer).await;
        }
        let mut rest = buffer.into_iter();
        while let Some(d) = rest.next() {
            if let Err(e) = slot.book.apply(&d) {
                let mut carry = vec![d];
                carry.extend(rest);
                return self.resync(symbol, e, carry).await;
            }
        }
        let announce = was_waiting && slot.ever_synced;
        slot.ever_synced = true;
        let book = slot.book.to_order_book(depth);
        if !self.emit(StreamEvent::BookSnapshot(book)).await {
            return None;
        }
        if announce {
            let state = ConnectionState::Resynced { symbol: symbol.clone() };
            if !self.emit(StreamEvent::State(state)).await {
                return None;
            }
        }
        Some(Vec::new())
    }

    /// Starts over the book of `symbol` alone after `reason`; `carry` are deltas still worth
    /// applying after the next snapshot (REST sync only).
    async fn resync(&mut self, symbol: &Symbol, reason: BookError, carry: Vec<BookMessage>) -> Option<Vec<String>> {
        tracing::debug!(%symbol, %reason, "resyncing book");
        let state = ConnectionState::Resyncing {
            symbol: symbol.clone(),
            reason,
        };
        if !self.emit(StreamEvent::State(state)).await {
            return None;
        }
        let Some(slot) = self.books.get_mut(symbol) else {
            return Some(Vec::new());
        };
        slot.failures = slot.failures.saturating_add(1);
        slot.gen += 1;
        slot.book.clear();
        let gen = slot.gen;
        let delay = if slot.failures <= 1 {
            Duration::ZERO
        } else {
            self.cfg.jittered(slot.failures - 1)
        };
        match slot.mode {
            BookSync::Rest => {
                slot.sync = Sync::Waiting {
                    buffer: carry,
                    fetching: true,
                };
                self.spawn_fetch(symbol.clone(), gen, delay);
                Some(Vec::new())
            }
            BookSync::Stream => {
                slot.sync = Sync::Waiting {
                    buffer: Vec::new(),
                    fetching: false,
                };
                if delay.is_zero() {
                    let sub = slot.sub.clone();
                    self.resubscribe_messages(&sub).await
                } else {
                    let tx = self.cmd_tx.clone();
                    let symbol = symbol.clone();
                    self.spawn_helper(async move {
                        tokio::time::sleep(delay).await;
                        let _ = tx.send(Cmd::Resubscribe { symbol, gen });
                    });
                    Some(Vec::new())
                }
            }
        }
    }

    async fn resubscribe_messages(&mut self, sub: &Subscription) -> Option<Vec<String>> {
        let one = std::slice::from_ref(sub);
        let msgs = self.proto.unsubscribe_messages(one).and_then(|mut u| {
            u.extend(self.proto.subscribe_messages(one)?);
            Ok(u)
        });
        match msgs {
            Ok(m) => Some(m),
            Err(e) => self.emit(StreamEvent::Error(e)).await.then(Vec::new),
        }
    }

    fn spawn_helper(&mut self, fut: impl std::future::Future<Output = ()> + Send + 'static) {
        while self.helpers.try_join_next().is_some() {}
        self.helpers.spawn(fut);
    }

    fn spawn_fetch(&mut self, symbol: Symbol, gen: u64, delay: Duration) {
        let fetch = self.proto.fetch_snapshot(&symbol);
        let tx = self.cmd_tx.clone();
        self.spawn_helper(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let result = fetch.await;
            let _ = tx.send(Cmd::Snapshot {
                symbol,
                gen,
                result: Box::new(result),
            });
        });
    }

    async fn handle_cmd(&mut self, cmd: Cmd) -> Option<Vec<String>> {
        match cmd {
            Cmd::Snapshot { symbol, gen, result } => {
                let Some(slot) = self.books.get_mut(&symbol) else {
                    return Some(Vec::new());
                };
                if slot.gen != gen || matches!(slot.sync, Sync::Live) {
                    return Some(Vec::new());
                }
                match *result {
                    Ok(m) if m.is_snapshot() && m.symbol == symbol => self.complete_sync(&symbol, m).await,
                    Ok(_) => {
                        let e = Error::new(
                            ErrorKind::Decode,
                            format!("the snapshot fetch for {symbol} returned no snapshot of that book"),
                        );
                        self.snapshot_failed(symbol, e).await
                    }
                    Err(e) => self.snapshot_failed(symbol, e).await,
                }
            }
            Cmd::Fetch { symbol, gen } => {
                if let Some(slot) = self.books.get_mut(&symbol) {
                    if let Sync::Waiting { fetching, .. } = &mut slot.sync {
                        if slot.gen == gen && !*fetching {
                            *fetching = true;
                            self.spawn_fetch(symbol, gen, Duration::ZERO);
                        }
                    }
                }
                Some(Vec::new())
            }
            Cmd::Resubscribe { symbol, gen } => {
                let Some(slot) = self.books.get(&symbol) else {
                    return Some(Vec::new());
                };
                if slot.gen != gen {
                    return Some(Vec::new());
                }
                let sub = slot.sub.clone();
                self.resubscribe_messages(&sub).await
            }
        }
    }

    async fn snapshot_failed(&mut self, symbol: Symbol, e: Error) -> Option<Vec<String>> {
        if !self.emit(StreamEvent::Error(e)).await {
            return None;
        }
        let Some(slot) = self.books.get_mut(&symbol) else {
            return Some(Vec::new());
        };
        slot.failures = slot.failures.saturating_add(1);
        let (gen, failures) = (slot.gen, slot.failures);
        let delay = self.cfg.jittered(failures);
        self.spawn_fetch(symbol, gen, delay);
        Some(Vec::new())
    }

    /// Marks a new connection: every book waits for a fresh snapshot.
    fn restart_sync(&mut self, symbol: &Symbol) {
        if let Some(slot) = self.books.get_mut(symbol) {
            slot.gen += 1;
            slot.book.clear();
            slot.sync = Sync::Waiting {
                buffer: Vec::new(),
                fetching: false,
            };
        }
    }

    /// Emits `Stale` for every subscription silent past the watchdog; false when the consumer
    /// is gone.
    async fn check_stale(&mut self) -> bool {
        let Some(after) = self.cfg.stale_after else {
            return true;
        };
        let now = Instant::now();
        let mut stale = Vec::new();
        for w in &mut self.watches {
            if !w.stale && now >= w.last + after {
                w.stale = true;
                stale.push(w.sub.clone());
            }
        }
        for subscription in stale {
            if !self
                .emit(StreamEvent::State(ConnectionState::Stale { subscription }))
                .await
            {
                return false;
            }
        }
        true
    }
}

/// The largest text a compressed frame may inflate to (guards against decompression bombs).
pub const MAX_INFLATED_LEN: u64 = 64 << 20;

/// Decompresses a binary frame into text (at most [`MAX_INFLATED_LEN`] bytes).
pub fn inflate(compression: Compression, data: &[u8]) -> std::io::Result<String> {
    fn read_all(r: impl Read) -> std::io::Result<String> {
        let mut text = String::new();
        r.take(MAX_INFLATED_LEN + 1).read_to_string(&mut text)?;
        if text.len() as u64 > MAX_INFLATED_LEN {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("frame inflates beyond {MAX_INFLATED_LEN} bytes"),
            ));
        }
        Ok(text)
    }
    match compression {
        Compression::None => {
            String::from_utf8(data.to_vec()).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        }
        Compression::Gzip => read_all(flate2::read::MultiGzDecoder::new(data)),
        Compression::Deflate => read_all(flate2::read::DeflateDecoder::new(data)),
        Compression::Auto => {
            let zlib =
                data.len() >= 2 && data[0] & 0x0f == 8 && (u16::from(data[0]) << 8 | u16::from(data[1])) % 31 == 0;
            if data.starts_with(&[0x1f, 0x8b]) {
                read_all(flate2::read::MultiGzDecoder::new(data))
            } else if zlib {
                read_all(flate2::read::ZlibDecoder::new(data))
            } else {
                read_all(flate2::read::DeflateDecoder::new(data))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let c = StreamConfig::new()
            .backoff(Duration::from_millis(100), Duration::from_secs(1))
            .jitter(false);
        let d: Vec<u64> = (1..=6).map(|a| c.backoff_delay(a).as_millis() as u64).collect();
        assert_eq!(d, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(c.backoff_delay(u32::MAX), Duration::from_secs(1));
        let j = c.clone().jitter(true);
        for a in 1..=6 {
            let x = j.jittered(a);
            assert!(x >= c.backoff_delay(a) / 2 && x <= c.backoff_delay(a), "{x:?}");
        }
    }

    #[test]
    fn inflate_gzip_deflate_zlib_and_plain() {
        let text = r#"{"dataType":"BTC-USDT@trade"}"#;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let mut df = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        df.write_all(text.as_bytes()).unwrap();
        let df = df.finish().unwrap();
        let mut zl = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        zl.write_all(text.as_bytes()).unwrap();
        let zl = zl.finish().unwrap();
        assert_eq!(inflate(Compression::Gzip, &gz).unwrap(), text);
        assert_eq!(inflate(Compression::Deflate, &df).unwrap(), text);
        for b in [&gz, &df, &zl] {
            assert_eq!(inflate(Compression::Auto, b).unwrap(), text);
        }
        assert_eq!(inflate(Compression::None, text.as_bytes()).unwrap(), text);
        assert!(inflate(Compression::Gzip, b"not gzip").is_err());
        assert!(inflate(Compression::None, &[0xff, 0xfe]).is_err());
    }
}
