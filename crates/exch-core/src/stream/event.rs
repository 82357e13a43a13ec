//! What a market stream subscribes to ([`Subscription`], [`Channel`]) and what it yields
//! ([`StreamEvent`], [`ConnectionState`]).

use std::fmt;
use std::time::Duration;

use crate::error::Error;
use crate::model::{Candle, Interval, Level, OrderBook, Ticker, TimestampMs, Trade};
use crate::symbol::Symbol;

use super::book::BookError;

/// A public market-data channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// 24 h ticker updates.
    Ticker,
    /// Public trades.
    Trades,
    /// The order book. `depth: None` asks for the venue's diff (incremental) stream kept in a
    /// local book; `Some(n)` asks for a top-`n` snapshot stream where the venue has one (the
    /// venue picks the nearest depth it supports).
    Book {
        /// Levels per side, or `None` for the full incremental book.
        depth: Option<u32>,
    },
    /// Candles (klines) of one interval.
    Candles(Interval),
}

impl Channel {
    /// The incremental (diff) order book.
    pub const BOOK: Channel = Channel::Book { depth: None };

    /// True for a book channel of any depth.
    pub const fn is_book(&self) -> bool {
        matches!(self, Channel::Book { .. })
    }

    /// True when `other` is the same kind of channel; book depths are ignored, intervals are not.
    pub fn same_kind(&self, other: &Channel) -> bool {
        match (self, other) {
            (Channel::Book { .. }, Channel::Book { .. }) => true,
            (a, b) => a == b,
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Channel::Ticker => f.write_str("ticker"),
            Channel::Trades => f.write_str("trades"),
            Channel::Book { depth: None } => f.write_str("book"),
            Channel::Book { depth: Some(n) } => write!(f, "book{n}"),
            Channel::Candles(i) => write!(f, "candles:{i}"),
        }
    }
}

/// One `(symbol, channel)` pair of a stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subscription {
    /// The unified symbol.
    pub symbol: Symbol,
    /// The channel.
    pub channel: Channel,
}

impl Subscription {
    /// A subscription to `channel` for `symbol`.
    pub fn new(symbol: Symbol, channel: Channel) -> Self {
        Subscription { symbol, channel }
    }

    /// The ticker of `symbol`.
    pub fn ticker(symbol: Symbol) -> Self {
        Self::new(symbol, Channel::Ticker)
    }

    /// The public trades of `symbol`.
    pub fn trades(symbol: Symbol) -> Self {
        Self::new(symbol, Channel::Trades)
    }

    /// The incremental order book of `symbol`.
    pub fn book(symbol: Symbol) -> Self {
        Self::new(symbol, Channel::BOOK)
    }

    /// The candles of `symbol` at `interval`.
    pub fn candles(symbol: Symbol, interval: Interval) -> Self {
        Self::new(symbol, Channel::Candles(interval))
    }

    /// True when `event` carries data for this subscription (book depths are not compared).
    pub fn matches(&self, event: &StreamEvent) -> bool {
        match (event.symbol(), event.channel()) {
            (Some(s), Some(c)) => *s == self.symbol && self.channel.same_kind(&c),
            _ => false,
        }
    }
}

impl fmt::Display for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.symbol, self.channel)
    }
}

/// An incremental change of a local book, with the book's top levels after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookUpdate {
    /// The unified symbol.
    pub symbol: Symbol,
    /// Changed bid levels, absolute quantities in base units; quantity 0 removed the level.
    pub bids: Vec<Level>,
    /// Changed ask levels, as `bids`.
    pub asks: Vec<Level>,
    /// The book's sequence / update id after the change, where the venue has one.
    pub sequence: Option<u64>,
    /// Event time, where the venue sends one.
    pub timestamp: Option<TimestampMs>,
    /// The top levels of the local book after the change
    /// ([`StreamConfig::book_depth`](super::StreamConfig::book_depth) per side).
    pub book: OrderBook,
}

/// The state of a stream's connection or of one of its books.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionState {
    /// Connected to `url` and every subscription of that connection was sent.
    Connected {
        /// The WebSocket URL.
        url: String,
    },
    /// The connection was lost (or could not be made); the next attempt starts after `delay`.
    Reconnecting {
        /// 1 for the first retry after a loss, then 2, 3, ...
        attempt: u32,
        /// The backoff delay before the attempt.
        delay: Duration,
    },
    /// The local book of `symbol` found a gap or a bad checksum and is being rebuilt; the
    /// connection stays up and other subscriptions are not affected.
    Resyncing {
        /// The book's symbol.
        symbol: Symbol,
        /// Why.
        reason: BookError,
    },
    /// The local book of `symbol` was rebuilt from a fresh snapshot (after a resync or a
    /// reconnect); a [`StreamEvent::BookSnapshot`] precedes this event.
    Resynced {
        /// The book's symbol.
        symbol: Symbol,
    },
    /// No data arrived for `subscription` within
    /// [`StreamConfig::stale_after`](super::StreamConfig::stale_after). Emitted once per
    /// silence; data arriving again clears it.
    Stale {
        /// The silent subscription.
        subscription: Subscription,
    },
}

/// One item of a market stream.
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamEvent {
    /// A ticker update.
    Ticker(Ticker),
    /// A public trade.
    Trade(Trade),
    /// A full book (top levels) after a snapshot was applied.
    BookSnapshot(OrderBook),
    /// An incremental book change and the resulting top levels.
    BookUpdate(BookUpdate),
    /// A candle update (the bar may still be forming; see [`Candle::closed`]).
    Candle {
        /// The unified symbol.
        symbol: Symbol,
        /// The bar interval.
        interval: Interval,
        /// The bar.
        candle: Candle,
    },
    /// A connection or book state change.
    State(ConnectionState),
    /// Something failed but the stream goes on: a malformed frame (`ErrorKind::Decode`), a venue
    /// error reply, a failed connection attempt or snapshot fetch.
    Error(Error),
}

impl StreamEvent {
    /// The symbol of a data event (`None` for state and error events).
    pub fn symbol(&self) -> Option<&Symbol> {
        match self {
            StreamEvent::Ticker(t) => Some(&t.symbol),
            StreamEvent::Trade(t) => Some(&t.symbol),
            StreamEvent::BookSnapshot(b) => Some(&b.symbol),
            StreamEvent::BookUpdate(u) => Some(&u.symbol),
            StreamEvent::Candle { symbol, .. } => Some(symbol),
            StreamEvent::State(_) | StreamEvent::Error(_) => None,
        }
    }

    /// The channel of a data event (books report [`Channel::BOOK`]).
    pub fn channel(&self) -> Option<Channel> {
        match self {
            StreamEvent::Ticker(_) => Some(Channel::Ticker),
            StreamEvent::Trade(_) => Some(Channel::Trades),
            StreamEvent::BookSnapshot(_) | StreamEvent::BookUpdate(_) => Some(Channel::BOOK),
            StreamEvent::Candle { interval, .. } => Some(Channel::Candles(*interval)),
            StreamEvent::State(_) | StreamEvent::Error(_) => None,
        }
    }

    /// True for market data (not a state or error event).
    pub fn is_data(&self) -> bool {
        self.symbol().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn btc() -> Symbol {
        "BTC/USDT".parse().unwrap()
    }

    #[test]
    fn subscription_matches_events_by_symbol_and_kind() {
        let trade = StreamEvent::Trade(Trade {
            symbol: btc(),
            id: "28457".into(),
            price: dec!(4.00000100),
            qty: dec!(10),
            side: None,
            timestamp: 1_672_515_782_136,
        });
        assert!(Subscription::trades(btc()).matches(&trade));
        assert!(!Subscription::ticker(btc()).matches(&trade));
        assert!(!Subscription::trades("ETH/USDT".parse().unwrap()).matches(&trade));
        let book = StreamEvent::BookSnapshot(OrderBook {
            symbol: btc(),
            bids: vec![],
            asks: vec![],
            sequence: Some(1),
            timestamp: None,
        });
        assert!(Subscription::new(btc(), Channel::Book { depth: Some(20) }).matches(&book));
        let candle = StreamEvent::Candle {
            symbol: btc(),
            interval: Interval::M1,
            candle: Candle {
                open_time: 0,
                open: dec!(1),
                high: dec!(1),
                low: dec!(1),
                close: dec!(1),
                volume: dec!(0),
                quote_volume: None,
                closed: Some(false),
            },
        };
        assert!(Subscription::candles(btc(), Interval::M1).matches(&candle));
        assert!(!Subscription::candles(btc(), Interval::H1).matches(&candle));
        assert!(
            !Subscription::ticker(btc()).matches(&StreamEvent::State(ConnectionState::Connected {
                url: "ws://127.0.0.1:1".into()
            }))
        );
    }

    #[test]
    fn display() {
        assert_eq!(Subscription::book(btc()).to_string(), "BTC/USDT book");
        assert_eq!(Channel::Book { depth: Some(5) }.to_string(), "book5");
        assert_eq!(Channel::Candles(Interval::H4).to_string(), "candles:4h");
    }
}
