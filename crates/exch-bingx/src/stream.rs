//! BingX public market-data WebSocket (spot and perpetual swap) as an
//! [`exch_core::stream::StreamProtocol`]: [`BingxStreams`].
//!
//! Wire facts (`shared/venues/bingx.md` §7):
//!
//! * Hosts: spot `wss://open-api-ws.bingx.com/market`, swap
//!   `wss://open-api-swap.bingx.com/swap-market`, swap demo (VST)
//!   `wss://vst-open-api-ws.bingx.com/swap-market`. A spot demo is not documented, so spot
//!   streams in [`Environment::Demo`] are `Unsupported` unless a base URL is overridden. The
//!   API name [`API_WS`] (or `*`, whose `http(s)://` becomes `ws(s)://`) overrides both hosts:
//!   spot is then served at `<base>/market` and swap at `<base>/swap-market`, as the simulator does.
//! * One request per topic: `{"id":"…","reqType":"sub","dataType":"BTC-USDT@trade"}`
//!   (`"unsub"` to leave); acks carry `code` 0 and an empty or absent `dataType`.
//! * Every server frame is gzip ([`Compression::Gzip`]). Swap pings with the text `Ping`
//!   (answered `Pong`); spot pings with `{"ping":"<id>","time":"<ts>"}` (answered
//!   `{"pong":"<id>","time":"<ts>"}`); both via [`Inbound::Reply`].
//! * Channels: ticker `@ticker`, trades `@trade`, candles `@kline_<code>` (swap codes `1m … 1M`,
//!   spot codes `1min … 1month`), books:
//!   * [`Channel::BOOK`] (no depth) is the documented **incremental** book `@incrDepth`: the
//!     first message after subscribing is `action:"all"` (a full snapshot with
//!     `lastUpdateId`), then `action:"update"` deltas whose `lastUpdateId` is the previous
//!     one + 1 ([`SequenceRule::Consecutive`]); a gap re-subscribes that book
//!     ([`BookSync::Stream`]), which makes BingX send a fresh `all`;
//!   * `Channel::Book { depth: Some(n) }` is the partial book `@depth<N>` (swap
//!     `@depth<N>@500ms`), a snapshot on every push (no sequence), with `N` the smallest of
//!     5, 10, 20, 50, 100 that is at least `n`.
//!
//! Spot and swap share native symbols (`BTC-USDT`) and topic names, and a frame does not say
//! which market it came from. The market is the one whose loaded symbol list holds the native
//! symbol; when both do (both markets subscribed), the frame's documented spot-only marks
//! decide: spot data frames carry `"success"`, a spot trade is one object with `"e":"trade"`, a
//! spot kline has `data.K` and a spot interval code.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use exch_core::stream::{
    BookMessage, BookSync, Channel, Compression, Heartbeat, Inbound, SequenceRule, StreamEvent, StreamProtocol,
    Subscription,
};
use exch_core::{
    Candle, ClientConfig, Environment, Error, ErrorKind, Interval, Level, MarketKind, Result, Side, Symbol, Ticker,
    Trade, Venue,
};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::symbols::SymbolMap;
use crate::wire::de;

/// The API name that overrides the WebSocket base URL in [`ClientConfig::base_url`]
/// (`ws://host:port`; spot at `/market`, swap at `/swap-market`). `*` overrides it too.
pub const API_WS: &str = "ws";

/// Production spot market-data WebSocket.
pub const PROD_WS_SPOT: &str = "wss://open-api-ws.bingx.com/market";

/// Production perpetual swap market-data WebSocket.
pub const PROD_WS_SWAP: &str = "wss://open-api-swap.bingx.com/swap-market";

/// Demo (VST) perpetual swap market-data WebSocket.
pub const VST_WS_SWAP: &str = "wss://vst-open-api-ws.bingx.com/swap-market";

/// Path of the spot market-data WebSocket.
pub const SPOT_WS_PATH: &str = "/market";

/// Path of the swap market-data WebSocket.
pub const SWAP_WS_PATH: &str = "/swap-market";

/// A swap connection silent this long is dead (the server pings about every 5 s).
pub const SWAP_SILENCE: Duration = Duration::from_secs(30);

/// A spot connection silent this long is dead (the spot ping interval is not documented).
pub const SPOT_SILENCE: Duration = Duration::from_secs(60);

/// Book depths BingX publishes as partial-book streams.
pub const PARTIAL_DEPTHS: [u32; 5] = [5, 10, 20, 50, 100];

/// The market-data WebSocket URLs of a configuration: `(spot, swap)`; spot is `None` where
/// BingX documents no spot stream (the VST demo).
pub fn ws_urls(config: &ClientConfig) -> Result<(Option<String>, String)> {
    let base = config
        .base_urls
        .get(API_WS)
        .cloned()
        .or_else(|| config.base_urls.get("*").map(|u| to_ws_scheme(u)));
    if let Some(b) = base {
        let b = b.trim_end_matches('/');
        return Ok((Some(format!("{b}{SPOT_WS_PATH}")), format!("{b}{SWAP_WS_PATH}")));
    }
    match config.environment {
        Environment::Production => Ok((Some(PROD_WS_SPOT.into()), PROD_WS_SWAP.into())),
        Environment::Demo => Ok((None, VST_WS_SWAP.into())),
        Environment::Testnet => Err(Error::new(
            ErrorKind::Config,
            "BingX has no testnet; use Environment::Demo (VST stream vst-open-api-ws.bingx.com)",
        )
        .with_venue(Venue::Bingx)),
    }
}

fn to_ws_scheme(url: &str) -> String {
    if let Some(rest) = url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        url.to_string()
    }
}

/// The smallest partial-book depth BingX publishes that holds `n` levels (100 at most).
pub fn partial_depth(n: u32) -> u32 {
    PARTIAL_DEPTHS.iter().copied().find(|d| *d >= n).unwrap_or(100)
}

/// The spot WebSocket kline code of `i` (`1min`, `2hour`, `1day`, ...); `None` where spot has
/// none (`1s`, `3d`).
pub fn spot_kline_code(i: Interval) -> Option<&'static str> {
    Some(match i {
        Interval::M1 => "1min",
        Interval::M3 => "3min",
        Interval::M5 => "5min",
        Interval::M15 => "15min",
        Interval::M30 => "30min",
        Interval::H1 => "60min",
        Interval::H2 => "2hour",
        Interval::H4 => "4hour",
        Interval::H6 => "6hour",
        Interval::H8 => "8hour",
        Interval::H12 => "12hour",
        Interval::D1 => "1day",
        Interval::W1 => "1week",
        Interval::Mo1 => "1month",
        _ => return None,
    })
}

/// The swap WebSocket kline code of `i` (`1m`, `1h`, `1M`, ...); `None` for `1s`.
pub fn swap_kline_code(i: Interval) -> Option<&'static str> {
    crate::rest::interval_code(i)
}

fn interval_of(code: &str) -> Option<(Interval, MarketKind)> {
    Interval::ALL.iter().find_map(|i| {
        if swap_kline_code(*i) == Some(code) {
            Some((*i, MarketKind::LinearPerpetual))
        } else if spot_kline_code(*i) == Some(code) {
            Some((*i, MarketKind::Spot))
        } else {
            None
        }
    })
}

/// The BingX public stream protocol for spot and perpetual swap, with the symbol maps of the
/// markets it may carry. Build it with [`BingxStreams::new`] and [`BingxStreams::with_markets`]
/// (or let [`crate::Bingx::stream`] do both).
#[derive(Debug, Clone)]
pub struct BingxStreams {
    spot_url: Option<String>,
    swap_url: String,
    spot: Option<Arc<SymbolMap>>,
    swap: Option<Arc<SymbolMap>>,
    next_id: Arc<AtomicU64>,
}

impl BingxStreams {
    /// A protocol for the hosts of `config` (see [`ws_urls`]) with no markets loaded yet.
    pub fn new(config: &ClientConfig) -> Result<Self> {
        let (spot_url, swap_url) = ws_urls(config)?;
        Ok(BingxStreams {
            spot_url,
            swap_url,
            spot: None,
            swap: None,
            next_id: Arc::new(AtomicU64::new(1)),
        })
    }

    /// Adds the symbol map of the markets of `kind` (from [`crate::Bingx::symbol_map`]).
    pub fn with_markets(mut self, kind: MarketKind, map: Arc<SymbolMap>) -> Self {
        match kind {
            MarketKind::Spot => self.spot = Some(map),
            _ => self.swap = Some(map),
        }
        self
    }

    /// The WebSocket URL of the market `kind`.
    pub fn url_of(&self, kind: MarketKind) -> Result<String> {
        match kind {
            MarketKind::Spot => self.spot_url.clone().ok_or_else(|| {
                Error::new(
                    ErrorKind::Unsupported,
                    "the BingX VST demo has no spot market-data stream (perpetual swap only)",
                )
                .with_venue(Venue::Bingx)
            }),
            MarketKind::LinearPerpetual => Ok(self.swap_url.clone()),
            MarketKind::InversePerpetual => Err(Error::unsupported(Venue::Bingx, "coin-margined swap streams")),
        }
    }

    fn map(&self, kind: MarketKind) -> Result<&SymbolMap> {
        let m = match kind {
            MarketKind::Spot => self.spot.as_deref(),
            MarketKind::LinearPerpetual => self.swap.as_deref(),
            MarketKind::InversePerpetual => None,
        };
        m.ok_or_else(|| {
            Error::new(
                ErrorKind::BadSymbol,
                format!("no BingX {kind} markets loaded for this stream"),
            )
            .with_venue(Venue::Bingx)
        })
    }

    /// The BingX `dataType` of `sub` (`BTC-USDT@trade`, `BTC-USDT@incrDepth`, ...).
    pub fn data_type(&self, sub: &Subscription) -> Result<String> {
        let kind = sub.symbol.kind();
        self.url_of(kind)?;
        let native = self.map(kind)?.native(&sub.symbol)?;
        let spot = kind == MarketKind::Spot;
        Ok(match sub.channel {
            Channel::Ticker => format!("{native}@ticker"),
            Channel::Trades => format!("{native}@trade"),
            Channel::Book { depth: None } => format!("{native}@incrDepth"),
            Channel::Book { depth: Some(n) } if spot => format!("{native}@depth{}", partial_depth(n)),
            Channel::Book { depth: Some(n) } => format!("{native}@depth{}@500ms", partial_depth(n)),
            Channel::Candles(i) => {
                let code = if spot { spot_kline_code(i) } else { swap_kline_code(i) };
                let code = code.ok_or_else(|| {
                    Error::new(
                        ErrorKind::Unsupported,
                        format!("BingX {kind} streams have no {i} candles"),
                    )
                    .with_venue(Venue::Bingx)
                })?;
                format!("{native}@kline_{code}")
            }
        })
    }

    fn requests(&self, subs: &[Subscription], req_type: &str) -> Result<Vec<String>> {
        subs.iter()
            .map(|s| {
                let data_type = self.data_type(s)?;
                let id = self.next_id.fetch_add(1, Ordering::Relaxed);
                Ok(json!({"id": format!("exch-{id}"), "reqType": req_type, "dataType": data_type}).to_string())
            })
            .collect()
    }

    /// The market of a data frame for `native` (see the module docs); `None` when neither
    /// loaded market lists it.
    fn kind_of(&self, native: &str, topic: &str, v: &Value) -> Option<MarketKind> {
        let has = |m: &Option<Arc<SymbolMap>>, k| m.as_ref().is_some_and(|m| m.unified(k, native).is_ok());
        match (
            has(&self.spot, MarketKind::Spot),
            has(&self.swap, MarketKind::LinearPerpetual),
        ) {
            (true, false) => Some(MarketKind::Spot),
            (false, true) => Some(MarketKind::LinearPerpetual),
            (false, false) => None,
            (true, true) => {
                let data = &v["data"];
                let spot = v.get("success").is_some()
                    || data.get("e").and_then(Value::as_str) == Some("trade")
                    || data.get("K").is_some()
                    || topic
                        .strip_prefix("kline_")
                        .and_then(interval_of)
                        .is_some_and(|(_, k)| k == MarketKind::Spot);
                Some(if spot {
                    MarketKind::Spot
                } else {
                    MarketKind::LinearPerpetual
                })
            }
        }
    }
}

/// Decodes one frame field by field; errors name the frame's `dataType`.
struct Frame<'a> {
    text: &'a str,
    data_type: &'a str,
}

impl Frame<'_> {
    fn err(&self, cause: impl std::fmt::Display) -> Error {
        Error::decode(&format!("ws {}", self.data_type), self.text.as_bytes(), cause).with_venue(Venue::Bingx)
    }

    fn dec(&self, v: &Value, field: &str) -> Result<Option<Decimal>> {
        de::value_decimal(&v[field]).map_err(|e| self.err(format!("{field}: {e}")))
    }

    fn req_dec(&self, v: &Value, field: &str) -> Result<Decimal> {
        self.dec(v, field)?
            .ok_or_else(|| self.err(format!("missing `{field}`")))
    }

    fn int(&self, v: &Value, field: &str) -> Result<Option<i64>> {
        de::value_i64(&v[field]).map_err(|e| self.err(format!("{field}: {e}")))
    }

    fn id(&self, v: &Value, field: &str) -> Result<Option<String>> {
        de::value_id(&v[field]).map_err(|e| self.err(format!("{field}: {e}")))
    }

    fn bool(&self, v: &Value, field: &str) -> Result<Option<bool>> {
        de::value_bool(&v[field]).map_err(|e| self.err(format!("{field}: {e}")))
    }

    /// `data` as a list of objects (BingX sends one object or an array of them).
    fn items<'v>(&self, data: &'v Value) -> Result<Vec<&'v Value>> {
        match data {
            Value::Array(a) => {
                if a.iter().all(Value::is_object) {
                    Ok(a.iter().collect())
                } else {
                    Err(self.err("`data` holds a non-object"))
                }
            }
            Value::Object(_) => Ok(vec![data]),
            _ => Err(self.err("`data` is neither an object nor an array")),
        }
    }

    fn trades(&self, symbol: &Symbol, data: &Value) -> Result<Vec<Inbound>> {
        self.items(data)?
            .into_iter()
            .map(|t| {
                let maker_buys = self.bool(t, "m")?;
                Ok(Inbound::Event(StreamEvent::Trade(Trade {
                    symbol: symbol.clone(),
                    id: self.id(t, "t")?.unwrap_or_default(),
                    price: self.req_dec(t, "p")?,
                    qty: self.req_dec(t, "q")?,
                    // Buyer is maker → the taker sold.
                    side: maker_buys.map(Side::taker),
                    timestamp: self.int(t, "T")?.ok_or_else(|| self.err("missing `T`"))?,
                })))
            })
            .collect()
    }

    fn ticker(&self, symbol: &Symbol, data: &Value) -> Result<Vec<Inbound>> {
        self.items(data)?
            .into_iter()
            .map(|t| {
                let last = self.dec(t, "c")?;
                if last.is_none() {
                    return Err(self.err("ticker without a last price `c`"));
                }
                Ok(Inbound::Event(StreamEvent::Ticker(Ticker {
                    symbol: symbol.clone(),
                    last,
                    bid: self.dec(t, "b")?,
                    bid_qty: self.dec(t, "B")?,
                    ask: self.dec(t, "a")?,
                    ask_qty: self.dec(t, "A")?,
                    open: self.dec(t, "o")?,
                    high: self.dec(t, "h")?,
                    low: self.dec(t, "l")?,
                    base_volume: self.dec(t, "v")?,
                    quote_volume: self.dec(t, "q")?,
                    change_percent: self.dec(t, "P")?,
                    timestamp: match self.int(t, "E")? {
                        Some(e) => Some(e),
                        None => self.int(t, "C")?,
                    },
                })))
            })
            .collect()
    }

    fn levels(&self, v: &Value, side: &str) -> Result<Vec<Level>> {
        let rows = match &v[side] {
            Value::Null => return Ok(Vec::new()),
            Value::Array(a) => a,
            _ => return Err(self.err(format!("`{side}` is not an array"))),
        };
        rows.iter()
            .map(|row| {
                let (p, q) = match row {
                    Value::Array(pq) if pq.len() >= 2 => (&pq[0], &pq[1]),
                    Value::Object(o) => (o.get("p").unwrap_or(&Value::Null), o.get("v").unwrap_or(&Value::Null)),
                    _ => return Err(self.err(format!("bad `{side}` level {row}"))),
                };
                let price = de::value_decimal(p).map_err(|e| self.err(e))?;
                let qty = de::value_decimal(q).map_err(|e| self.err(e))?;
                match (price, qty) {
                    (Some(price), Some(qty)) if qty >= Decimal::ZERO => Ok(Level { price, qty }),
                    _ => Err(self.err(format!("bad `{side}` level {row}"))),
                }
            })
            .collect()
    }

    fn book(&self, symbol: &Symbol, v: &Value, incremental: bool) -> Result<Vec<Inbound>> {
        let data = &v["data"];
        if !data.is_object() {
            return Err(self.err("book `data` is not an object"));
        }
        let bids = self.levels(data, "bids")?;
        let asks = self.levels(data, "asks")?;
        let ts = match self.int(data, "T")? {
            Some(t) => Some(t),
            None => self.int(data, "E")?,
        };
        let mut m = if incremental {
            let action = data
                .get("action")
                .or_else(|| v.get("action"))
                .and_then(Value::as_str)
                .ok_or_else(|| self.err("incremental book without `action`"))?;
            let id = match self.int(data, "lastUpdateId")? {
                Some(id) => Some(id),
                None => self.int(v, "lastUpdateId")?,
            };
            let id = id
                .and_then(|i| u64::try_from(i).ok())
                .ok_or_else(|| self.err("incremental book without `lastUpdateId`"))?;
            match action {
                "all" => BookMessage::snapshot(symbol.clone(), bids, asks),
                "update" => BookMessage::delta(symbol.clone(), bids, asks),
                other => return Err(self.err(format!("unknown book action `{other}`"))),
            }
            .with_last_id(id)
        } else {
            BookMessage::snapshot(symbol.clone(), bids, asks)
        };
        if let Some(t) = ts {
            m = m.with_timestamp(t);
        }
        Ok(vec![Inbound::Book(m)])
    }

    fn candles(&self, symbol: &Symbol, interval: Interval, data: &Value) -> Result<Vec<Inbound>> {
        // Spot: `data.K {t,T,o,c,h,l,v,q,...}`; swap: `data [{o,c,h,l,v,T}]`.
        if let Some(k) = data.get("K") {
            let candle = Candle {
                open_time: self.int(k, "t")?.ok_or_else(|| self.err("kline without `t`"))?,
                open: self.req_dec(k, "o")?,
                high: self.req_dec(k, "h")?,
                low: self.req_dec(k, "l")?,
                close: self.req_dec(k, "c")?,
                volume: self.req_dec(k, "v")?,
                quote_volume: self.dec(k, "q")?,
                closed: None,
            };
            return Ok(vec![Inbound::Event(StreamEvent::Candle {
                symbol: symbol.clone(),
                interval,
                candle,
            })]);
        }
        self.items(data)?
            .into_iter()
            .map(|k| {
                let t = self.int(k, "T")?.ok_or_else(|| self.err("kline without `T`"))?;
                let candle = Candle {
                    open_time: swap_open_time(t, interval),
                    open: self.req_dec(k, "o")?,
                    high: self.req_dec(k, "h")?,
                    low: self.req_dec(k, "l")?,
                    close: self.req_dec(k, "c")?,
                    volume: self.req_dec(k, "v")?,
                    quote_volume: None,
                    closed: None,
                };
                Ok(Inbound::Event(StreamEvent::Candle {
                    symbol: symbol.clone(),
                    interval,
                    candle,
                }))
            })
            .collect()
    }
}

/// The open time of a swap kline whose `T` is either its open time or, as in BingX's own
/// example (`1649832779999`), the last millisecond of the bar.
fn swap_open_time(t: i64, interval: Interval) -> i64 {
    if t.rem_euclid(1000) == 999 {
        t.saturating_add(1).saturating_sub(interval.millis())
    } else {
        t
    }
}

impl StreamProtocol for BingxStreams {
    fn url(&self, sub: &Subscription) -> Result<String> {
        self.url_of(sub.symbol.kind())
    }

    fn subscribe_messages(&self, subs: &[Subscription]) -> Result<Vec<String>> {
        self.requests(subs, "sub")
    }

    fn unsubscribe_messages(&self, subs: &[Subscription]) -> Result<Vec<String>> {
        self.requests(subs, "unsub")
    }

    fn decode(&self, text: &str) -> Result<Vec<Inbound>> {
        let t = text.trim();
        match t {
            "Ping" => return Ok(vec![Inbound::Reply("Pong".into())]),
            "Pong" => return Ok(vec![Inbound::Ignore]),
            _ => {}
        }
        let mut frame = Frame { text, data_type: "" };
        let v: Value = serde_json::from_str(t).map_err(|e| frame.err(e))?;
        if !v.is_object() {
            return Err(frame.err("a frame is not a JSON object"));
        }
        if let Some(ping) = v.get("ping") {
            let time = v.get("time").cloned().unwrap_or(Value::Null);
            return Ok(vec![Inbound::Reply(json!({"pong": ping, "time": time}).to_string())]);
        }
        let data_type = v.get("dataType").and_then(Value::as_str).unwrap_or("");
        frame.data_type = data_type;
        let code = frame.int(&v, "code")?.unwrap_or(0);
        if code != 0 {
            let msg = v.get("msg").and_then(Value::as_str).unwrap_or("");
            let endpoint = format!("ws {data_type}");
            let e = crate::errors::business_error(code, msg, &endpoint, 200);
            return Ok(vec![Inbound::Event(StreamEvent::Error(e))]);
        }
        let data = v.get("data").unwrap_or(&Value::Null);
        let Some((native, topic)) = data_type.split_once('@') else {
            // Acks (`dataType` empty or absent) and notices.
            return Ok(vec![Inbound::Ignore]);
        };
        if data.is_null() {
            return Ok(vec![Inbound::Ignore]);
        }
        let Some(kind) = self.kind_of(native, topic, &v) else {
            return Ok(vec![Inbound::Ignore]);
        };
        let symbol = self.map(kind)?.unified(kind, native)?;
        match topic {
            "trade" => frame.trades(&symbol, data),
            "ticker" => frame.ticker(&symbol, data),
            "incrDepth" => frame.book(&symbol, &v, true),
            t if t.starts_with("depth") => frame.book(&symbol, &v, false),
            t if t.starts_with("kline_") => {
                let code = &t["kline_".len()..];
                let (interval, _) =
                    interval_of(code).ok_or_else(|| frame.err(format!("unknown kline code `{code}`")))?;
                frame.candles(&symbol, interval, data)
            }
            _ => Ok(vec![Inbound::Ignore]),
        }
    }

    fn compression(&self) -> Compression {
        Compression::Gzip
    }

    fn heartbeat(&self, url: &str) -> Heartbeat {
        // The server pings: swap about every 5 s (30 s of silence is a dead socket); the spot
        // interval is not documented, so spot gets the default 60 s.
        if url.ends_with(SWAP_WS_PATH) {
            Heartbeat::server(SWAP_SILENCE)
        } else {
            Heartbeat::server(SPOT_SILENCE)
        }
    }

    fn sequence_rule(&self, sub: &Subscription) -> SequenceRule {
        match sub.channel {
            Channel::Book { depth: None } => SequenceRule::Consecutive,
            _ => SequenceRule::None,
        }
    }

    fn book_sync(&self, _sub: &Subscription) -> BookSync {
        BookSync::Stream
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exch_core::{Market, MarketStatus};

    fn market(sym: &str, native: &str) -> Market {
        let symbol: Symbol = sym.parse().unwrap();
        Market {
            kind: symbol.kind(),
            symbol,
            venue_symbol: native.into(),
            status: MarketStatus::Trading,
            tick_size: Decimal::new(1, 1),
            step_size: Decimal::new(1, 4),
            min_qty: None,
            max_qty: None,
            min_notional: None,
            contract_size: Decimal::ONE,
        }
    }

    fn proto(spot: bool, swap: bool) -> BingxStreams {
        let mut p = BingxStreams::new(&ClientConfig::new()).unwrap();
        if spot {
            let m = SymbolMap::from_markets(&[market("BTC/USDT", "BTC-USDT")]);
            p = p.with_markets(MarketKind::Spot, Arc::new(m));
        }
        if swap {
            let m = SymbolMap::from_markets(&[market("BTC/USDT:USDT", "BTC-USDT")]);
            p = p.with_markets(MarketKind::LinearPerpetual, Arc::new(m));
        }
        p
    }

    #[test]
    fn hosts_per_environment_and_overrides() {
        let (spot, swap) = ws_urls(&ClientConfig::new()).unwrap();
        assert_eq!(spot.as_deref(), Some(PROD_WS_SPOT));
        assert_eq!(swap, PROD_WS_SWAP);
        let (spot, swap) = ws_urls(&ClientConfig::new().environment(Environment::Demo)).unwrap();
        assert_eq!((spot, swap.as_str()), (None, VST_WS_SWAP));
        let t = ws_urls(&ClientConfig::new().environment(Environment::Testnet)).unwrap_err();
        assert_eq!(t.kind(), ErrorKind::Config);
        let all = ClientConfig::new().base_url("*", "http://127.0.0.1:9");
        assert_eq!(
            ws_urls(&all).unwrap(),
            (
                Some("ws://127.0.0.1:9/market".into()),
                "ws://127.0.0.1:9/swap-market".into()
            )
        );
        let ws = ClientConfig::new()
            .base_url("*", "https://example.invalid")
            .base_url(API_WS, "ws://127.0.0.1:7/");
        assert_eq!(ws_urls(&ws).unwrap().1, "ws://127.0.0.1:7/swap-market");
        assert_eq!(to_ws_scheme("https://h"), "wss://h");
    }

    #[test]
    fn data_types_per_market() {
        let p = proto(true, true);
        let spot: Symbol = "BTC/USDT".parse().unwrap();
        let perp: Symbol = "BTC/USDT:USDT".parse().unwrap();
        let dt = |s: &Symbol, c| p.data_type(&Subscription::new(s.clone(), c)).unwrap();
        assert_eq!(dt(&perp, Channel::Trades), "BTC-USDT@trade");
        assert_eq!(dt(&spot, Channel::Ticker), "BTC-USDT@ticker");
        assert_eq!(dt(&perp, Channel::BOOK), "BTC-USDT@incrDepth");
        assert_eq!(dt(&perp, Channel::Book { depth: Some(7) }), "BTC-USDT@depth10@500ms");
        assert_eq!(dt(&spot, Channel::Book { depth: Some(500) }), "BTC-USDT@depth100");
        assert_eq!(dt(&perp, Channel::Candles(Interval::H1)), "BTC-USDT@kline_1h");
        assert_eq!(dt(&spot, Channel::Candles(Interval::H1)), "BTC-USDT@kline_60min");
        let e = p
            .data_type(&Subscription::candles(spot.clone(), Interval::D3))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        let eth: Symbol = "ETH/USDT:USDT".parse().unwrap();
        assert_eq!(
            p.data_type(&Subscription::trades(eth)).unwrap_err().kind(),
            ErrorKind::BadSymbol
        );
        let inverse: Symbol = "BTC/USD:BTC".parse().unwrap();
        assert_eq!(
            p.url(&Subscription::trades(inverse)).unwrap_err().kind(),
            ErrorKind::Unsupported
        );
    }

    #[test]
    fn subscribe_frames_are_one_per_topic_with_fresh_ids() {
        let p = proto(false, true);
        let perp: Symbol = "BTC/USDT:USDT".parse().unwrap();
        let msgs = p
            .subscribe_messages(&[Subscription::trades(perp.clone()), Subscription::book(perp.clone())])
            .unwrap();
        let v: Vec<Value> = msgs.iter().map(|m| serde_json::from_str(m).unwrap()).collect();
        assert_eq!(v[0]["reqType"], "sub");
        assert_eq!(v[0]["dataType"], "BTC-USDT@trade");
        assert_eq!(v[1]["dataType"], "BTC-USDT@incrDepth");
        assert_ne!(v[0]["id"], v[1]["id"]);
        let u = p.unsubscribe_messages(&[Subscription::book(perp)]).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&u[0]).unwrap()["reqType"], "unsub");
    }

    #[test]
    fn demo_has_no_spot_stream() {
        let p = BingxStreams::new(&ClientConfig::new().environment(Environment::Demo)).unwrap();
        let spot: Symbol = "BTC/USDT".parse().unwrap();
        assert_eq!(
            p.url(&Subscription::trades(spot)).unwrap_err().kind(),
            ErrorKind::Unsupported
        );
    }

    #[test]
    fn heartbeats_of_both_markets() {
        let p = proto(true, true);
        assert!(matches!(&p.decode("Ping").unwrap()[..], [Inbound::Reply(r)] if r == "Pong"));
        let spot = p
            .decode(r#"{"ping":"abc","time":"2024-01-01T00:00:00.000+0800"}"#)
            .unwrap();
        let [Inbound::Reply(r)] = &spot[..] else {
            panic!("{spot:?}")
        };
        assert_eq!(
            serde_json::from_str::<Value>(r).unwrap(),
            json!({"pong": "abc", "time": "2024-01-01T00:00:00.000+0800"})
        );
    }

    #[test]
    fn market_of_a_shared_topic() {
        let p = proto(true, true);
        let spot_trade = r#"{"code":0,"dataType":"BTC-USDT@trade","data":{"e":"trade","E":1,"s":"BTC-USDT","t":"9","p":"1","q":"2","T":1,"m":false},"success":true}"#;
        let swap_trade =
            r#"{"code":0,"dataType":"BTC-USDT@trade","data":[{"q":"2","p":"1","T":1,"m":true,"s":"BTC-USDT"}]}"#;
        let sym = |text: &str| match &p.decode(text).unwrap()[..] {
            [Inbound::Event(StreamEvent::Trade(t))] => t.symbol.to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(sym(spot_trade), "BTC/USDT");
        assert_eq!(sym(swap_trade), "BTC/USDT:USDT");
        let only_swap = proto(false, true);
        assert!(matches!(
            &only_swap.decode(spot_trade).unwrap()[..],
            [Inbound::Event(StreamEvent::Trade(t))] if t.symbol.to_string() == "BTC/USDT:USDT"
        ));
    }

    #[test]
    fn heartbeat_timeouts_per_market() {
        let p = proto(true, true);
        assert_eq!(p.heartbeat(PROD_WS_SWAP).timeout, SWAP_SILENCE);
        assert_eq!(p.heartbeat(VST_WS_SWAP).ping_text, None, "the server pings");
        assert_eq!(p.heartbeat(PROD_WS_SPOT).timeout, SPOT_SILENCE);
        assert_eq!(p.compression(), Compression::Gzip);
        let perp: Symbol = "BTC/USDT:USDT".parse().unwrap();
        assert_eq!(
            p.sequence_rule(&Subscription::book(perp.clone())),
            SequenceRule::Consecutive
        );
        let partial = Subscription::new(perp, Channel::Book { depth: Some(5) });
        assert_eq!(p.sequence_rule(&partial), SequenceRule::None);
    }

    #[test]
    fn swap_kline_close_time_becomes_open_time() {
        assert_eq!(swap_open_time(1_649_832_779_999, Interval::M1), 1_649_832_720_000);
        assert_eq!(swap_open_time(1_649_832_720_000, Interval::M1), 1_649_832_720_000);
    }

    #[test]
    fn malformed_frames_are_decode_errors() {
        let p = proto(false, true);
        for bad in [
            "{",
            "[1,2]",
            r#"{"code":0,"dataType":"BTC-USDT@trade","data":[{"p":"x","q":"1","T":1}]}"#,
            r#"{"code":0,"dataType":"BTC-USDT@trade","data":"oops"}"#,
            r#"{"code":0,"dataType":"BTC-USDT@incrDepth","data":{"action":"update","bids":[],"asks":[]}}"#,
            r#"{"code":0,"dataType":"BTC-USDT@incrDepth","data":{"action":"all","lastUpdateId":1,"bids":[["1"]],"asks":[]}}"#,
        ] {
            let e = p.decode(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Decode, "{bad}");
        }
    }

    #[test]
    fn venue_errors_become_error_events() {
        let p = proto(false, true);
        let out = p
            .decode(r#"{"id":"exch-1","code":100400,"msg":"invalid dataType","dataType":"","data":null}"#)
            .unwrap();
        assert!(
            matches!(&out[..], [Inbound::Event(StreamEvent::Error(e))] if e.message().contains("invalid dataType"))
        );
    }

    proptest::proptest! {
        #[test]
        fn decode_never_panics(text in "[\\[\\]{}\",:0-9a-zA-Z@.\\-]{0,120}") {
            let p = proto(true, true);
            let _ = p.decode(&text);
        }
    }
}
