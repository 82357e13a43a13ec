//! Public market-data streams: subscribe to `(symbol, channel)` pairs and get a
//! [`futures::Stream`] of typed [`StreamEvent`]s.
//!
//! The machinery here is venue-neutral; each venue crate implements [`StreamProtocol`] in its
//! `stream.rs` (URLs, subscribe messages, frame decoding, heartbeat, compression, book
//! sequencing, checksum, snapshot source) and hands it to [`subscribe`].
//!
//! What the driver does for every venue:
//! - connects with tokio-tungstenite over rustls, one connection per [`StreamProtocol::url`];
//! - answers protocol pings, sends the venue's text ping when the socket is quiet, and treats
//!   a socket silent past the [`Heartbeat::timeout`] as dead;
//! - decompresses binary frames (gzip, raw deflate, zlib) as [`StreamProtocol::compression`]
//!   says;
//! - reconnects with exponential backoff and jitter ([`ConnectionState::Reconnecting`]),
//!   subscribing everything again; every book then rebuilds from a fresh snapshot, so no delta
//!   is applied twice or lost;
//! - keeps a [`LocalBook`] per book subscription: deltas are checked with the venue's
//!   [`SequenceRule`] and checksum; a gap or bad checksum emits
//!   [`ConnectionState::Resyncing`] and rebuilds that book alone (from a REST snapshot or by
//!   re-subscribing, per [`BookSync`]), then emits a [`StreamEvent::BookSnapshot`] and
//!   [`ConnectionState::Resynced`] while the connection stays up;
//! - turns a malformed frame into a [`StreamEvent::Error`] and goes on;
//! - watches data age per subscription ([`StreamConfig::stale_after`] →
//!   [`ConnectionState::Stale`]).
//!
//! # Implementing a venue
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! use exch_core::stream::{
//!     subscribe, BookMessage, Channel, Heartbeat, Inbound, SequenceRule, StreamConfig, StreamEvent,
//!     StreamProtocol, Subscription,
//! };
//! use exch_core::{Error, ErrorKind, Level, Result, Symbol, Trade};
//! use futures::StreamExt;
//!
//! /// A venue whose frames look like `{"topic":"trades.BTCUSDT","px":"1.5","sz":"2","id":"7","ts":1}`
//! /// and `{"topic":"book.BTCUSDT","type":"delta","bids":[["1.4","0"]],"asks":[],"seq":8,"prev":7}`.
//! struct Demo;
//!
//! fn topic(sub: &Subscription) -> Result<String> {
//!     let id = format!("{}{}", sub.symbol.base(), sub.symbol.quote());
//!     match sub.channel {
//!         Channel::Trades => Ok(format!("trades.{id}")),
//!         Channel::Book { .. } => Ok(format!("book.{id}")),
//!         _ => Err(Error::new(ErrorKind::Unsupported, format!("{} is not streamed", sub.channel))),
//!     }
//! }
//!
//! fn levels(v: &serde_json::Value) -> Vec<Level> {
//!     v.as_array().into_iter().flatten().filter_map(|l| {
//!         Some(Level { price: l[0].as_str()?.parse().ok()?, qty: l[1].as_str()?.parse().ok()? })
//!     }).collect()
//! }
//!
//! impl StreamProtocol for Demo {
//!     fn url(&self, _sub: &Subscription) -> Result<String> {
//!         Ok("wss://stream.example.com/ws".into())
//!     }
//!     fn subscribe_messages(&self, subs: &[Subscription]) -> Result<Vec<String>> {
//!         let topics = subs.iter().map(topic).collect::<Result<Vec<_>>>()?;
//!         Ok(vec![serde_json::json!({"op": "subscribe", "args": topics}).to_string()])
//!     }
//!     fn decode(&self, text: &str) -> Result<Vec<Inbound>> {
//!         if text == "ping" {
//!             return Ok(vec![Inbound::Reply("pong".into())]);
//!         }
//!         let v: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::decode("ws", text.as_bytes(), e))?;
//!         let symbol: Symbol = "BTC/USDT".parse()?; // a real venue maps the topic through its markets
//!         let topic = v["topic"].as_str().unwrap_or_default();
//!         if topic.starts_with("trades.") {
//!             let trade = Trade {
//!                 symbol,
//!                 id: v["id"].as_str().unwrap_or_default().to_string(),
//!                 price: v["px"].as_str().and_then(|s| s.parse().ok()).ok_or_else(|| Error::decode("ws", text.as_bytes(), "px"))?,
//!                 qty: v["sz"].as_str().and_then(|s| s.parse().ok()).ok_or_else(|| Error::decode("ws", text.as_bytes(), "sz"))?,
//!                 side: None,
//!                 timestamp: v["ts"].as_i64().unwrap_or_default(),
//!             };
//!             return Ok(vec![Inbound::Event(StreamEvent::Trade(trade))]);
//!         }
//!         if topic.starts_with("book.") {
//!             let (bids, asks) = (levels(&v["bids"]), levels(&v["asks"]));
//!             let seq = v["seq"].as_u64().unwrap_or_default();
//!             let m = if v["type"] == "snapshot" {
//!                 BookMessage::snapshot(symbol, bids, asks).with_last_id(seq)
//!             } else {
//!                 BookMessage::delta(symbol, bids, asks).with_last_id(seq).with_prev_id(v["prev"].as_u64().unwrap_or_default())
//!             };
//!             return Ok(vec![Inbound::Book(m)]);
//!         }
//!         Ok(vec![Inbound::Ignore])
//!     }
//!     fn heartbeat(&self, _url: &str) -> Heartbeat {
//!         Heartbeat::client_text("ping", Duration::from_secs(20), Duration::from_secs(30))
//!     }
//!     fn sequence_rule(&self, _sub: &Subscription) -> SequenceRule {
//!         SequenceRule::Linked
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<()> {
//! let btc: Symbol = "BTC/USDT".parse()?;
//! let mut events = subscribe(
//!     Arc::new(Demo),
//!     [Subscription::trades(btc.clone()), Subscription::book(btc)],
//!     StreamConfig::default().stale_after(Duration::from_secs(30)),
//! )?;
//! while let Some(event) = events.next().await {
//!     match event {
//!         StreamEvent::Trade(t) => println!("trade {} @ {}", t.qty, t.price),
//!         StreamEvent::BookUpdate(u) => println!("best bid {:?}", u.book.best_bid()),
//!         StreamEvent::Error(e) => eprintln!("{e}"),
//!         other => println!("{other:?}"),
//!     }
//! }
//! # Ok(())
//! # }
//! ```

pub mod book;
pub mod connection;
pub mod event;
pub mod protocol;

pub use book::{
    crc32_interleaved, crc32_interleaved_levels, Applied, BookError, BookKind, BookMessage, ChecksumFn, LocalBook,
    SequenceRule,
};
pub use connection::{inflate, subscribe, MarketStream, StreamConfig, MAX_INFLATED_LEN};
pub use event::{BookUpdate, Channel, ConnectionState, StreamEvent, Subscription};
pub use protocol::{BookSync, Compression, Heartbeat, Inbound, StreamProtocol};
