//! Decoding raw venue payloads into the unified model, for inspecting captures and bug
//! reports (`exch decode`).
//!
//! [`decode`] runs the venue crate's own parser on a payload exactly as the venue sent it and
//! returns the unified model as JSON. A venue crate that has no public parser for a kind
//! answers `Unsupported`.

use std::fmt;
use std::str::FromStr;

use exch_core::{Error, ErrorKind, MarketKind, Result, Symbol, Venue};
use serde::Serialize;

#[cfg(feature = "binance")]
mod binance;
#[cfg(feature = "bingx")]
mod bingx;
#[cfg(feature = "okx")]
mod okx;

/// What a raw payload holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecodeKind {
    /// One 24 h ticker (or a list of them).
    Ticker,
    /// An order book snapshot.
    Book,
    /// Recent public trades.
    Trades,
    /// Candles (klines).
    Candles,
    /// One order.
    Order,
    /// A list of orders.
    Orders,
    /// Account balances.
    Balances,
    /// Perpetual positions.
    Positions,
    /// Market (instrument) metadata.
    Markets,
}

impl DecodeKind {
    /// Every kind, in a stable order.
    pub const ALL: [DecodeKind; 9] = [
        DecodeKind::Ticker,
        DecodeKind::Book,
        DecodeKind::Trades,
        DecodeKind::Candles,
        DecodeKind::Order,
        DecodeKind::Orders,
        DecodeKind::Balances,
        DecodeKind::Positions,
        DecodeKind::Markets,
    ];

    /// The lower-case name used on the command line.
    pub const fn as_str(self) -> &'static str {
        match self {
            DecodeKind::Ticker => "ticker",
            DecodeKind::Book => "book",
            DecodeKind::Trades => "trades",
            DecodeKind::Candles => "candles",
            DecodeKind::Order => "order",
            DecodeKind::Orders => "orders",
            DecodeKind::Balances => "balances",
            DecodeKind::Positions => "positions",
            DecodeKind::Markets => "markets",
        }
    }
}

impl fmt::Display for DecodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DecodeKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let lower = s.trim().to_ascii_lowercase();
        DecodeKind::ALL
            .into_iter()
            .find(|k| k.as_str() == lower)
            .ok_or_else(|| {
                let names: Vec<&str> = DecodeKind::ALL.iter().map(|k| k.as_str()).collect();
                Error::new(
                    ErrorKind::BadRequest,
                    format!("unknown payload kind `{s}` (one of {})", names.join(", ")),
                )
            })
    }
}

/// A raw payload to decode and what is known about it.
#[derive(Debug, Clone)]
pub struct DecodeRequest<'a> {
    /// The venue that sent the payload.
    pub venue: Venue,
    /// What the payload holds.
    pub kind: DecodeKind,
    /// Whether it comes from the venue's spot or perpetual API.
    pub market: MarketKind,
    /// The payload exactly as the venue sent it.
    pub payload: &'a [u8],
    /// The venue's raw markets payload (same `market`), for payloads whose symbols or contract
    /// sizes can only be resolved with market data.
    pub markets: Option<&'a [u8]>,
    /// The unified symbol of a payload that does not name its market (e.g. a book snapshot).
    pub symbol: Option<Symbol>,
}

/// Decodes a raw payload into the unified model serialized as JSON.
///
/// Errors: `Config` when the venue is not compiled in, `Unsupported` when the venue crate
/// exposes no parser for the kind, `BadRequest` when market data or a symbol is needed but
/// missing, `Decode` when the payload does not parse.
pub fn decode(request: &DecodeRequest<'_>) -> Result<serde_json::Value> {
    let venue = request.venue;
    match venue {
        #[cfg(feature = "binance")]
        Venue::Binance => binance::decode(request),
        #[cfg(feature = "okx")]
        Venue::Okx => okx::decode(request),
        #[cfg(feature = "bingx")]
        Venue::Bingx => bingx::decode(request),
        other if !crate::is_enabled(other) => Err(crate::venues::not_enabled(other)),
        other => Err(Error::new(
            ErrorKind::Unsupported,
            format!("decoding {} payloads is not supported for {other} yet", request.kind),
        )
        .with_venue(other)),
    }
}

/// True when the payload is a JSON array (after leading whitespace).
#[cfg_attr(not(feature = "binance"), allow(dead_code))]
fn is_array(payload: &[u8]) -> bool {
    payload.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
}

/// The unified model as JSON.
#[cfg_attr(not(any(feature = "binance", feature = "okx", feature = "bingx")), allow(dead_code))]
fn json<T: Serialize>(value: &T) -> Result<serde_json::Value> {
    Ok(serde_json::to_value(value)?)
}

/// A request that lacks what decoding needs (`--markets`, `--symbol`, `--market`): a usage
/// problem, so it carries no venue.
#[cfg_attr(not(any(feature = "binance", feature = "okx", feature = "bingx")), allow(dead_code))]
fn needs(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::BadRequest, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in DecodeKind::ALL {
            assert_eq!(k.as_str().parse::<DecodeKind>().unwrap(), k);
        }
        assert_eq!("BOOK".parse::<DecodeKind>().unwrap(), DecodeKind::Book);
        let e = "depth".parse::<DecodeKind>().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadRequest);
        assert!(e.message().contains("ticker, book"));
    }
}
