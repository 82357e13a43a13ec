//! A venue-neutral harness for stream tests: read a [`MarketStream`] with a deadline, keep
//! every event seen, and wait on the kit's WebSocket sessions.
//!
//! Every wait here is bounded by [`WAIT`] and panics with what it was waiting for (and, for
//! [`Events`], every event seen so far), so that a broken stream fails its test instead of
//! hanging it.
//!
//! ```no_run
//! use exch_core::stream::{subscribe, Subscription};
//! use exch_testkit::stream_harness::{fast, is_snapshot, Events};
//! # async fn demo(proto: std::sync::Arc<dyn exch_core::stream::StreamProtocol>, sub: Subscription) {
//! let mut ev = Events::new(subscribe(proto, vec![sub], fast()).expect("subscribe"));
//! let i = ev.until("book snapshot", is_snapshot).await;
//! assert!(matches!(ev.seen[i], exch_core::stream::StreamEvent::BookSnapshot(_)));
//! # }
//! ```

use std::future::Future;
use std::time::Duration;

use exch_core::stream::{BookUpdate, ConnectionState, MarketStream, StreamConfig, StreamEvent};
use exch_core::{Error, OrderBook};
use futures::StreamExt;
use serde_json::Value;

use crate::WsSession;

/// How long any single wait of the harness may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// Reads a stream, keeping every event it saw.
pub struct Events {
    /// The stream under test.
    pub stream: MarketStream,
    /// Every event read so far, in order.
    pub seen: Vec<StreamEvent>,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events")
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

impl Events {
    /// Starts reading `stream` with nothing seen yet.
    pub fn new(stream: MarketStream) -> Self {
        Events {
            stream,
            seen: Vec::new(),
        }
    }

    /// Waits (at most [`WAIT`]) for the next event matching `pred` and returns its index in
    /// [`seen`](Self::seen).
    ///
    /// # Panics
    ///
    /// When the stream ends or no such event arrives in time (naming `what` and listing every
    /// event seen).
    pub async fn until(&mut self, what: &str, mut pred: impl FnMut(&StreamEvent) -> bool) -> usize {
        let fut = async {
            loop {
                let ev = self.stream.next().await.expect("the stream ended");
                let hit = pred(&ev);
                self.seen.push(ev);
                if hit {
                    return self.seen.len() - 1;
                }
            }
        };
        match tokio::time::timeout(WAIT, fut).await {
            Ok(i) => i,
            Err(_) => panic!("no {what} within {WAIT:?}; saw {:#?}", self.seen),
        }
    }

    /// The index of the first event matching `pred`, seen already or waited for with
    /// [`until`](Self::until).
    pub async fn any(&mut self, what: &str, pred: impl Fn(&StreamEvent) -> bool) -> usize {
        match self.seen.iter().position(&pred) {
            Some(i) => i,
            None => self.until(what, pred).await,
        }
    }

    /// The sequence of every book snapshot among the first `upto + 1` events seen, in order
    /// (e.g. to prove a reconnect brought one fresh snapshot and no replay).
    pub fn snapshot_sequences(&self, upto: usize) -> Vec<Option<u64>> {
        self.seen
            .iter()
            .take(upto.saturating_add(1))
            .filter_map(|e| match e {
                StreamEvent::BookSnapshot(b) => Some(b.sequence),
                _ => None,
            })
            .collect()
    }

    /// How many of the events seen so far match `pred`.
    pub fn count(&self, pred: impl Fn(&StreamEvent) -> bool) -> usize {
        self.seen.iter().filter(|e| pred(e)).count()
    }

    /// The errors among the events seen so far.
    pub fn errors(&self) -> Vec<&Error> {
        self.seen
            .iter()
            .filter_map(|e| match e {
                StreamEvent::Error(e) => Some(e),
                _ => None,
            })
            .collect()
    }

    /// Waits for the next book snapshot and returns it.
    pub async fn snapshot(&mut self) -> OrderBook {
        let i = self.until("book snapshot", is_snapshot).await;
        match &self.seen[i] {
            StreamEvent::BookSnapshot(b) => b.clone(),
            _ => unreachable!("until returned a non-matching event"),
        }
    }

    /// Waits for the next book update and returns it.
    pub async fn update(&mut self) -> BookUpdate {
        let i = self.until("book update", is_update).await;
        match &self.seen[i] {
            StreamEvent::BookUpdate(u) => u.clone(),
            _ => unreachable!("until returned a non-matching event"),
        }
    }
}

/// A book snapshot.
pub fn is_snapshot(e: &StreamEvent) -> bool {
    matches!(e, StreamEvent::BookSnapshot(_))
}

/// A book update.
pub fn is_update(e: &StreamEvent) -> bool {
    matches!(e, StreamEvent::BookUpdate(_))
}

/// A trade.
pub fn is_trade(e: &StreamEvent) -> bool {
    matches!(e, StreamEvent::Trade(_))
}

/// [`ConnectionState::Connected`].
pub fn is_connected(e: &StreamEvent) -> bool {
    matches!(e, StreamEvent::State(ConnectionState::Connected { .. }))
}

/// [`ConnectionState::Reconnecting`].
pub fn is_reconnecting(e: &StreamEvent) -> bool {
    matches!(e, StreamEvent::State(ConnectionState::Reconnecting { .. }))
}

/// [`ConnectionState::Resyncing`].
pub fn is_resyncing(e: &StreamEvent) -> bool {
    matches!(e, StreamEvent::State(ConnectionState::Resyncing { .. }))
}

/// [`ConnectionState::Resynced`].
pub fn is_resynced(e: &StreamEvent) -> bool {
    matches!(e, StreamEvent::State(ConnectionState::Resynced { .. }))
}

/// Awaits `fut` for at most [`WAIT`].
///
/// # Panics
///
/// When `fut` does not finish in time, naming `what`.
pub async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, fut)
        .await
        .unwrap_or_else(|_| panic!("{what} did not happen within {WAIT:?}"))
}

/// Waits (at most [`WAIT`]) until `session` holds `n` client messages, and returns them all.
pub async fn received(session: &WsSession, n: usize) -> Vec<String> {
    within(&format!("{n} client messages"), session.wait_received(n)).await;
    session.received()
}

/// Like [`received`], each message parsed as JSON (a message that is not JSON becomes a JSON
/// string).
pub async fn received_json(session: &WsSession, n: usize) -> Vec<Value> {
    received(session, n)
        .await
        .into_iter()
        .map(|m| serde_json::from_str(&m).unwrap_or(Value::String(m)))
        .collect()
}

/// A stream configuration for tests: reconnects after 5 ms, doubling up to 50 ms, without
/// jitter.
pub fn fast() -> StreamConfig {
    StreamConfig::new()
        .backoff(Duration::from_millis(5), Duration::from_millis(50))
        .jitter(false)
}
