//! What a venue crate implements to get a market stream: [`StreamProtocol`].
//!
//! The driver ([`super::subscribe`]) owns sockets, heartbeats, reconnects, backoff, local books,
//! resyncs and watchdogs; the protocol only knows the venue's wire: where to connect, how to
//! (un)subscribe, how to decode a frame into [`Inbound`] items, which heartbeat and compression
//! the venue uses, and how its books are sequenced and (re)synced.

use std::time::Duration;

use futures::future::BoxFuture;

use crate::error::{Error, ErrorKind, Result};
use crate::symbol::Symbol;

use super::book::{BookMessage, ChecksumFn, SequenceRule};
use super::event::{StreamEvent, Subscription};

/// One item decoded from a frame.
#[derive(Debug)]
#[non_exhaustive]
pub enum Inbound {
    /// A ready event (ticker, trade, candle, or an `Error` for a venue error reply), passed on
    /// as is.
    Event(StreamEvent),
    /// A book snapshot or delta, applied by the driver to the symbol's [`super::LocalBook`].
    Book(BookMessage),
    /// Text to send back at once (an application-level ping answer, e.g. `Pong`).
    Reply(String),
    /// The venue announced a disconnect (maintenance, shutdown): reconnect now.
    Reconnect,
    /// Nothing to do (subscription acks, pongs, notices).
    Ignore,
}

/// How binary frames are compressed. Text frames are never decompressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Compression {
    /// Binary frames hold plain UTF-8 text.
    #[default]
    None,
    /// Binary frames are gzip streams.
    Gzip,
    /// Binary frames are raw deflate (no zlib header).
    Deflate,
    /// Gzip when the frame starts with the gzip magic bytes, else zlib when it has a zlib
    /// header, else raw deflate.
    Auto,
}

/// The venue's heartbeat.
///
/// Protocol-level ping frames from the server are always answered with a pong carrying the
/// same payload. Application-level pings from the server (text such as `Ping`) are answered by
/// the protocol returning [`Inbound::Reply`] from [`StreamProtocol::decode`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heartbeat {
    /// Text the client sends after `ping_after` without receiving anything (e.g. `ping`);
    /// `None` when the venue pings the client instead.
    pub ping_text: Option<String>,
    /// How long the connection may be silent before the client sends `ping_text`.
    pub ping_after: Duration,
    /// No frame at all (data, ping, pong) for this long means the socket is dead: reconnect.
    pub timeout: Duration,
}

impl Default for Heartbeat {
    /// No client ping; a socket silent for 60 s is dead.
    fn default() -> Self {
        Heartbeat {
            ping_text: None,
            ping_after: Duration::from_secs(20),
            timeout: Duration::from_secs(60),
        }
    }
}

impl Heartbeat {
    /// The server pings (or pushes data often enough); dead after `timeout` of silence.
    pub fn server(timeout: Duration) -> Self {
        Heartbeat {
            timeout,
            ..Self::default()
        }
    }

    /// The client sends `text` after `after` of silence; dead after `timeout` of silence.
    pub fn client_text(text: impl Into<String>, after: Duration, timeout: Duration) -> Self {
        Heartbeat {
            ping_text: Some(text.into()),
            ping_after: after,
            timeout,
        }
    }
}

/// Where a book's snapshots come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BookSync {
    /// The stream itself sends a snapshot after each subscribe; a resync unsubscribes and
    /// subscribes that one book again.
    #[default]
    Stream,
    /// The stream sends deltas only: the driver buffers them, fetches
    /// [`StreamProtocol::fetch_snapshot`] and applies the buffered deltas that follow it.
    Rest,
}

/// A venue's public WebSocket wire, implemented by each venue crate (`stream.rs`).
///
/// Only [`url`](Self::url), [`subscribe_messages`](Self::subscribe_messages) and
/// [`decode`](Self::decode) are required; the defaults describe an uncompressed venue whose
/// server pings, without book sequencing, checksums or REST snapshots.
///
/// `decode` must never panic: a malformed frame is an `Err` (`ErrorKind::Decode`, ideally
/// built with [`Error::decode`]), which the driver turns into a [`StreamEvent::Error`] while the
/// stream goes on.
pub trait StreamProtocol: Send + Sync + 'static {
    /// The WebSocket URL that carries `sub`. Subscriptions with the same URL share one
    /// connection; a venue with routed paths (one host for books, another for candles)
    /// returns different URLs and gets one connection each.
    fn url(&self, sub: &Subscription) -> Result<String>;

    /// The text frames that subscribe to `subs` (all on one connection), sent after each
    /// connect and for each resync. Return several frames where the venue takes one topic per
    /// request; `Err` with `ErrorKind::Unsupported` for a channel the venue lacks.
    fn subscribe_messages(&self, subs: &[Subscription]) -> Result<Vec<String>>;

    /// The text frames that unsubscribe from `subs` (used before re-subscribing one book on
    /// a resync). Default: none (the subscribe is sent again on its own).
    fn unsubscribe_messages(&self, _subs: &[Subscription]) -> Result<Vec<String>> {
        Ok(Vec::new())
    }

    /// Decodes one frame (text, or a binary frame after decompression).
    fn decode(&self, text: &str) -> Result<Vec<Inbound>>;

    /// How binary frames are compressed.
    fn compression(&self) -> Compression {
        Compression::None
    }

    /// The heartbeat on connections to `url`.
    fn heartbeat(&self, _url: &str) -> Heartbeat {
        Heartbeat::default()
    }

    /// How the book of `sub` is sequenced.
    fn sequence_rule(&self, _sub: &Subscription) -> SequenceRule {
        SequenceRule::None
    }

    /// The venue's book checksum, if it publishes one.
    fn checksum(&self, _sub: &Subscription) -> Option<ChecksumFn> {
        None
    }

    /// Base units per quantity unit of the book of `sub` (contracts → base). Default 1.
    fn contract_size(&self, _sub: &Subscription) -> rust_decimal::Decimal {
        rust_decimal::Decimal::ONE
    }

    /// Where the book of `sub` gets its snapshots.
    fn book_sync(&self, _sub: &Subscription) -> BookSync {
        BookSync::Stream
    }

    /// Fetches a book snapshot over REST (for [`BookSync::Rest`]). The message must be a
    /// [`BookKind::Snapshot`](super::BookKind::Snapshot) carrying the snapshot's update id.
    fn fetch_snapshot(&self, symbol: &Symbol) -> BoxFuture<'static, Result<BookMessage>> {
        let e = Error::new(
            ErrorKind::Unsupported,
            format!("no REST book snapshot for {symbol} in this stream protocol"),
        );
        Box::pin(async move { Err(e) })
    }
}
