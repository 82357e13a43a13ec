//! OKX public WebSocket streams: [`OkxStreams`], the OKX wire for
//! [`exch_core::stream::subscribe`] (usually reached through [`crate::Okx::stream`]).
//!
//! * Endpoints: tickers, trades and books on `/ws/v5/public`; candles on `/ws/v5/business`
//!   (OKX refuses candle channels on `/public`), so a set with candles opens two connections.
//!   Production `wss://ws.okx.com:8443`, demo trading `wss://wspap.okx.com:8443`.
//! * URL override: `ClientConfig::base_url("ws", origin)` ([`API_WS`]) sets the WebSocket origin
//!   (`wss://host:port`; the `/ws/v5/...` paths are appended). Without it, an override of
//!   `"rest"` or `"*"` with an `http://` / `https://` URL (the simulator) is turned into
//!   `ws://` / `wss://` on the same host, which is where the simulated OKX serves its sockets.
//! * Subscribe: `{"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"},…]}`, one
//!   frame per connection; a resync sends `unsubscribe` + `subscribe` for that one book.
//! * Channels: `tickers`, `trades`, `books` (400 levels, snapshot then 100 ms increments linked
//!   by `prevSeqId` → `seqId`, [`SequenceRule::Linked`]; CRC-32 of the top 25 levels
//!   interleaved, compared signed: [`okx_checksum`]) and `candle<bar>` (the UTC-aligned bar
//!   codes of [`crate::rest::bar`]). A `Book { depth: Some(n) }` subscription is served by the
//!   same `books` channel, whose local book hands out `StreamConfig::book_depth` levels.
//! * SWAP sizes are contracts on the wire: books are kept in contracts (so the checksum sees the
//!   venue's strings) and handed out in base units through
//!   [`StreamProtocol::contract_size`] (`ctVal × ctMult`); trades, tickers and candle volumes are
//!   converted while decoding.
//! * Heartbeat: the client sends the text `ping` after 25 s without a frame and expects the text
//!   `pong` (OKX closes a connection silent for 30 s); dead after 40 s of silence.
//! * `{"event":"error",…}` becomes a [`StreamEvent::Error`] carrying OKX's code; the notice
//!   `64008` (service upgrade, the server closes in 30 s) makes the driver reconnect at once.
//!
//! ```no_run
//! use exch_core::stream::{StreamConfig, StreamEvent, Subscription};
//! use exch_core::{ClientConfig, Interval};
//! use exch_okx::Okx;
//! use futures::StreamExt;
//! # async fn run() -> exch_core::Result<()> {
//! let okx = Okx::new(ClientConfig::new())?;
//! let perp = "BTC/USDT:USDT".parse()?;
//! let mut events = okx
//!     .stream(
//!         [Subscription::book(perp), Subscription::candles("BTC/USDT".parse()?, Interval::M1)],
//!         StreamConfig::default(),
//!     )
//!     .await?;
//! while let Some(ev) = events.next().await {
//!     if let StreamEvent::BookUpdate(u) = ev {
//!         // Base units (BTC), not contracts.
//!         println!("best bid {:?}", u.book.best_bid());
//!     }
//! }
//! # Ok(()) }
//! ```

use std::time::Duration;

use exch_core::stream::{
    crc32_interleaved, BookMessage, Channel, ChecksumFn, Heartbeat, Inbound, LocalBook, SequenceRule, StreamEvent,
    StreamProtocol, Subscription,
};
use exch_core::{Candle, Decimal, Error, ErrorKind, Interval, Level, Market, Result, Venue};
use serde::Deserialize;
use serde_json::Value;

use crate::config::{OkxConfig, API_REST};
use crate::errors::venue_error;
use crate::symbols::MarketMap;
use crate::{parse, rest, wire};

/// The API name of the WebSocket origin in `ClientConfig::base_url("ws", "wss://host:port")`.
pub const API_WS: &str = "ws";
/// Path of the public endpoint (tickers, trades, books).
pub const PATH_PUBLIC: &str = "/ws/v5/public";
/// Path of the business endpoint (candles).
pub const PATH_BUSINESS: &str = "/ws/v5/business";
/// The notice code announcing a disconnect for a service upgrade.
pub const NOTICE_SERVICE_UPGRADE: &str = "64008";
/// Levels per side in OKX's book checksum.
pub const CHECKSUM_DEPTH: usize = 25;

/// The endpoint label carried by errors of the stream.
const ENDPOINT: &str = "ws /ws/v5";

/// OKX's order-book checksum of a local book: CRC-32 of the first 25 bids and asks interleaved
/// (`bid1px:bid1sz:ask1px:ask1sz:…`, the longer side continuing alone), as a signed 32-bit
/// value. The book must hold the venue's own price and size strings (contracts for SWAP).
pub fn okx_checksum(book: &LocalBook) -> i64 {
    crc32_interleaved(book, CHECKSUM_DEPTH)
}

/// Turns a base URL into a WebSocket origin: `http` → `ws`, `https` → `wss`; `ws`/`wss` kept.
fn ws_origin(url: &str) -> Result<String> {
    let url = url.trim_end_matches('/');
    let origin = if let Some(rest) = url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else if url.starts_with("ws://") || url.starts_with("wss://") {
        url.to_string()
    } else {
        return Err(
            Error::new(ErrorKind::Config, format!("invalid OKX WebSocket base URL `{url}`")).with_venue(Venue::Okx),
        );
    };
    // An origin given with one of the endpoint paths is accepted too.
    Ok(origin
        .strip_suffix(PATH_PUBLIC)
        .or_else(|| origin.strip_suffix(PATH_BUSINESS))
        .unwrap_or(&origin)
        .to_string())
}

/// The public and business WebSocket URLs of a configuration: the `"ws"` override, else a
/// `"rest"` / `"*"` override turned into `ws(s)://`, else the environment's hosts.
pub fn ws_urls(config: &OkxConfig) -> Result<(String, String)> {
    let urls = &config.client.base_urls;
    let origin = match urls.get(API_WS) {
        Some(u) => Some(u.as_str()),
        None => urls.get(API_REST).or_else(|| urls.get("*")).map(String::as_str),
    };
    match origin {
        Some(u) => {
            let o = ws_origin(u)?;
            Ok((format!("{o}{PATH_PUBLIC}"), format!("{o}{PATH_BUSINESS}")))
        }
        None => Ok((config.ws_public().to_string(), config.ws_business().to_string())),
    }
}

/// The `candle<bar>` channel suffix of an interval (UTC-aligned codes).
pub fn candle_channel(interval: Interval) -> Result<String> {
    match rest::bar(interval) {
        Ok(bar) => Ok(format!("candle{bar}")),
        Err(_) => {
            Err(Error::new(ErrorKind::Unsupported, format!("OKX streams no {interval} candles")).with_venue(Venue::Okx))
        }
    }
}

/// The interval of a candle channel's bar code: the UTC-aligned codes this crate subscribes to,
/// and OKX's UTC+8-aligned ones (`1D`, `1W`, ...) for the same bar lengths.
pub fn interval_of_bar(bar: &str) -> Option<Interval> {
    let utc = format!("{bar}utc");
    Interval::ALL
        .into_iter()
        .find(|i| rest::bar(*i).is_ok_and(|b| b == bar || (!bar.ends_with("utc") && b == utc)))
}

/// The OKX channel name of a subscription.
pub fn channel_name(channel: Channel) -> Result<String> {
    match channel {
        Channel::Ticker => Ok("tickers".into()),
        Channel::Trades => Ok("trades".into()),
        Channel::Book { .. } => Ok("books".into()),
        Channel::Candles(i) => candle_channel(i),
    }
}

/// OKX's public WebSocket protocol over a set of loaded markets (SPOT and SWAP).
#[derive(Debug, Clone)]
pub struct OkxStreams {
    markets: MarketMap,
    public_url: String,
    business_url: String,
    heartbeat: Heartbeat,
}

impl OkxStreams {
    /// The protocol for `config` (hosts per environment and overrides, see [`ws_urls`]) over
    /// `markets`, which map unified symbols to `instId`s and carry the contract sizes.
    pub fn new(config: &OkxConfig, markets: MarketMap) -> Result<Self> {
        let (public_url, business_url) = ws_urls(config)?;
        Ok(Self::with_urls(markets, public_url, business_url))
    }

    /// The protocol with explicit endpoint URLs.
    pub fn with_urls(markets: MarketMap, public_url: impl Into<String>, business_url: impl Into<String>) -> Self {
        OkxStreams {
            markets,
            public_url: public_url.into(),
            business_url: business_url.into(),
            heartbeat: Self::default_heartbeat(),
        }
    }

    /// OKX's heartbeat: the text `ping` after 25 s of silence (the server drops a connection
    /// silent for 30 s), dead after 40 s without any frame.
    pub fn default_heartbeat() -> Heartbeat {
        Heartbeat::client_text("ping", Duration::from_secs(25), Duration::from_secs(40))
    }

    /// Replaces the heartbeat (tests shorten it; keep `ping_text` = `ping` for OKX).
    pub fn with_heartbeat(mut self, heartbeat: Heartbeat) -> Self {
        self.heartbeat = heartbeat;
        self
    }

    /// The public endpoint URL (tickers, trades, books).
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The business endpoint URL (candles).
    pub fn business_url(&self) -> &str {
        &self.business_url
    }

    /// The markets the protocol maps symbols with.
    pub fn markets(&self) -> &MarketMap {
        &self.markets
    }

    fn arg(&self, sub: &Subscription) -> Result<Value> {
        let market = self.markets.market(&sub.symbol)?;
        Ok(serde_json::json!({"channel": channel_name(sub.channel)?, "instId": market.venue_symbol}))
    }

    fn op(&self, op: &str, subs: &[Subscription]) -> Result<Vec<String>> {
        let args = subs.iter().map(|s| self.arg(s)).collect::<Result<Vec<_>>>()?;
        Ok(vec![serde_json::json!({"op": op, "args": args}).to_string()])
    }
}

fn bad(text: &str, what: impl std::fmt::Display) -> Error {
    Error::decode(ENDPOINT, text.as_bytes(), what).with_venue(Venue::Okx)
}

/// A frame: an event (`subscribe`, `error`, `notice`, ...) or a push (`arg` + `data`).
#[derive(Debug, Deserialize)]
struct Frame {
    #[serde(default)]
    event: Option<String>,
    #[serde(default, deserialize_with = "wire::string_or_number")]
    code: String,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    arg: Option<Arg>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    data: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Arg {
    channel: String,
    #[serde(default)]
    inst_id: String,
}

/// One `books` message: levels `[px, sz, "0", numOrders]`; ids and checksum are numbers
/// (accepted as strings too).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BookData {
    #[serde(default)]
    asks: Vec<Vec<String>>,
    #[serde(default)]
    bids: Vec<Vec<String>>,
    #[serde(default)]
    ts: String,
    #[serde(default, deserialize_with = "wire::string_or_number")]
    checksum: String,
    #[serde(default, deserialize_with = "wire::string_or_number")]
    prev_seq_id: String,
    #[serde(default, deserialize_with = "wire::string_or_number")]
    seq_id: String,
}

/// Book levels in the venue's units (contracts for SWAP), with the decimals as sent so that
/// the checksum text matches OKX's.
fn raw_levels(rows: &[Vec<String>]) -> Result<Vec<Level>> {
    rows.iter()
        .map(|r| {
            let px = r.first().map(String::as_str).unwrap_or("");
            let sz = r.get(1).map(String::as_str).unwrap_or("");
            Ok(Level {
                price: parse::dec("book price", px)?,
                qty: parse::dec("book size", sz)?,
            })
        })
        .collect()
}

fn book_message(text: &str, market: &Market, action: Option<&str>, d: &BookData) -> Result<BookMessage> {
    let (bids, asks) = (raw_levels(&d.bids)?, raw_levels(&d.asks)?);
    let symbol = market.symbol.clone();
    let seq: u64 = d
        .seq_id
        .parse()
        .map_err(|_| bad(text, format!("bad seqId `{}`", d.seq_id)))?;
    let mut m = match action {
        Some("snapshot") => BookMessage::snapshot(symbol, bids, asks).with_last_id(seq),
        Some("update") => {
            let prev: u64 = d
                .prev_seq_id
                .parse()
                .map_err(|_| bad(text, format!("bad prevSeqId `{}`", d.prev_seq_id)))?;
            BookMessage::delta(symbol, bids, asks)
                .with_last_id(seq)
                .with_prev_id(prev)
        }
        other => return Err(bad(text, format!("unknown book action {other:?}"))),
    };
    if !d.checksum.is_empty() {
        let c: i64 = d.checksum.parse().map_err(|_| bad(text, "bad checksum"))?;
        m = m.with_checksum(c);
    }
    if let Some(ts) = parse::opt_ms(&d.ts) {
        m = m.with_timestamp(ts);
    }
    Ok(m)
}

fn candle_rows(text: &str, market: &Market, interval: Interval, data: Value) -> Result<Vec<Inbound>> {
    let rows: Vec<wire::CandleRow> = serde_json::from_value(data).map_err(|e| bad(text, e))?;
    rows.iter()
        .map(|r| {
            let candle: Candle = parse::candle(r, market)?;
            Ok(Inbound::Event(StreamEvent::Candle {
                symbol: market.symbol.clone(),
                interval,
                candle,
            }))
        })
        .collect()
}

impl OkxStreams {
    fn decode_push(&self, text: &str, arg: Arg, action: Option<&str>, data: Value) -> Result<Vec<Inbound>> {
        let channel = arg.channel.as_str();
        let interval = match channel.strip_prefix("candle") {
            Some(bar) => Some(interval_of_bar(bar).ok_or_else(|| bad(text, format!("unknown bar `{bar}`")))?),
            None if matches!(channel, "tickers" | "trades" | "books") => None,
            // Channels this protocol never subscribes to.
            None => return Ok(vec![Inbound::Ignore]),
        };
        let market = self.markets.by_inst_id(&arg.inst_id)?;
        if let Some(interval) = interval {
            return candle_rows(text, market, interval, data);
        }
        match channel {
            "tickers" => {
                let rows: Vec<wire::Ticker> = serde_json::from_value(data).map_err(|e| bad(text, e))?;
                Ok(rows
                    .iter()
                    .map(|t| Inbound::Event(StreamEvent::Ticker(parse::ticker(t, market))))
                    .collect())
            }
            "trades" => {
                let rows: Vec<wire::Trade> = serde_json::from_value(data).map_err(|e| bad(text, e))?;
                rows.iter()
                    .map(|t| Ok(Inbound::Event(StreamEvent::Trade(parse::trade(t, market)?))))
                    .collect()
            }
            _ => {
                let rows: Vec<BookData> = serde_json::from_value(data).map_err(|e| bad(text, e))?;
                rows.iter()
                    .map(|d| Ok(Inbound::Book(book_message(text, market, action, d)?)))
                    .collect()
            }
        }
    }
}

impl StreamProtocol for OkxStreams {
    fn url(&self, sub: &Subscription) -> Result<String> {
        // Reject unknown symbols and unsupported channels before connecting.
        self.arg(sub)?;
        Ok(match sub.channel {
            Channel::Candles(_) => self.business_url.clone(),
            _ => self.public_url.clone(),
        })
    }

    fn subscribe_messages(&self, subs: &[Subscription]) -> Result<Vec<String>> {
        self.op("subscribe", subs)
    }

    fn unsubscribe_messages(&self, subs: &[Subscription]) -> Result<Vec<String>> {
        self.op("unsubscribe", subs)
    }

    fn decode(&self, text: &str) -> Result<Vec<Inbound>> {
        if text == "pong" {
            return Ok(vec![Inbound::Ignore]);
        }
        let frame: Frame = serde_json::from_str(text).map_err(|e| bad(text, e))?;
        match frame.event.as_deref() {
            Some("error") => {
                let e = venue_error(&frame.code, &frame.msg, None, ENDPOINT);
                return Ok(vec![Inbound::Event(StreamEvent::Error(e))]);
            }
            Some("notice") if frame.code == NOTICE_SERVICE_UPGRADE => return Ok(vec![Inbound::Reconnect]),
            // Acks (subscribe, unsubscribe), other notices, connection counts.
            Some(_) => return Ok(vec![Inbound::Ignore]),
            None => {}
        }
        match (frame.arg, frame.data) {
            (Some(arg), Some(data)) => self.decode_push(text, arg, frame.action.as_deref(), data),
            _ => Err(bad(text, "neither an event nor a push")),
        }
    }

    fn heartbeat(&self, _url: &str) -> Heartbeat {
        self.heartbeat.clone()
    }

    fn sequence_rule(&self, _sub: &Subscription) -> SequenceRule {
        SequenceRule::Linked
    }

    fn checksum(&self, _sub: &Subscription) -> Option<ChecksumFn> {
        Some(okx_checksum as ChecksumFn)
    }

    fn contract_size(&self, sub: &Subscription) -> Decimal {
        self.markets
            .market(&sub.symbol)
            .map(|m| m.contract_size)
            .unwrap_or(Decimal::ONE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exch_core::stream::BookKind;
    use exch_core::{ClientConfig, Environment, Side, Symbol};
    use rust_decimal_macros::dec;

    fn fixture(name: &str) -> String {
        let path = format!("{}/../../fixtures/okx/ws/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn markets() -> MarketMap {
        let insts: Vec<wire::Instrument> = serde_json::from_str(SEED).unwrap();
        MarketMap::new(parse::markets(&insts).unwrap())
    }

    // OKX's instrument records of BTC-USDT and BTC-USDT-SWAP (as in the simulator's seed).
    const SEED: &str = r#"[
{"instType":"SPOT","instId":"BTC-USDT","baseCcy":"BTC","quoteCcy":"USDT","settleCcy":"","ctVal":"","ctMult":"","ctValCcy":"","ctType":"","instFamily":"","uly":"","tickSz":"0.1","lotSz":"0.00000001","minSz":"0.00001","maxLmtSz":"9999999999","maxMktSz":"1000000","state":"live","lever":"10"},
{"instType":"SWAP","instId":"BTC-USDT-SWAP","baseCcy":"","quoteCcy":"","settleCcy":"USDT","ctVal":"0.01","ctMult":"1","ctValCcy":"BTC","ctType":"linear","instFamily":"BTC-USDT","uly":"BTC-USDT","tickSz":"0.1","lotSz":"0.1","minSz":"0.1","maxLmtSz":"100000000","maxMktSz":"12000","state":"live","lever":"100"}
]"#;

    fn proto() -> OkxStreams {
        OkxStreams::with_urls(markets(), "ws://public", "ws://business")
    }

    fn btc() -> Symbol {
        "BTC/USDT".parse().unwrap()
    }

    fn perp() -> Symbol {
        "BTC/USDT:USDT".parse().unwrap()
    }

    fn lv(p: &str, q: &str) -> Level {
        Level {
            price: p.parse().unwrap(),
            qty: q.parse().unwrap(),
        }
    }

    fn book(bids: Vec<Level>, asks: Vec<Level>) -> LocalBook {
        let mut b = LocalBook::new(btc(), SequenceRule::Linked);
        b.apply(&BookMessage::snapshot(btc(), bids, asks)).unwrap();
        b
    }

    #[test]
    fn checksum_vectors_c1_c2() {
        // okx.md §2, C1: 3366.1:7:3366.8:9:3366:6:3368:8 (more than one level each side).
        let c1 = book(
            vec![lv("3366.1", "7"), lv("3366", "6")],
            vec![lv("3366.8", "9"), lv("3368", "8")],
        );
        assert_eq!(okx_checksum(&c1), -1_881_014_294);
        // C2: 3366.1:7:3366.8:9:3368:8:3372:8 (the ask side continues alone).
        let c2 = book(
            vec![lv("3366.1", "7")],
            vec![lv("3366.8", "9"), lv("3368", "8"), lv("3372", "8")],
        );
        assert_eq!(okx_checksum(&c2), 831_078_360);
        // Through the protocol, as the driver calls it.
        let f = proto().checksum(&Subscription::book(btc())).unwrap();
        assert_eq!(f(&c1), -1_881_014_294);
        assert_eq!(f(&c2), 831_078_360);
    }

    #[test]
    fn book_frames_from_the_docs() {
        let p = proto();
        let items = p.decode(&fixture("books_snapshot.json")).unwrap();
        let [Inbound::Book(snap)] = items.as_slice() else {
            panic!("{items:?}")
        };
        assert_eq!(snap.kind, BookKind::Snapshot);
        assert_eq!(snap.symbol, btc());
        assert_eq!(snap.last_id, Some(123_456));
        assert_eq!(snap.bids.len(), 8);
        assert_eq!(snap.asks[0], lv("8476.98", "415"));
        assert_eq!(snap.bids[7], lv("8446", "95"));
        assert_eq!(snap.checksum, Some(-855_196_043));
        assert_eq!(snap.timestamp, Some(1_597_026_383_085));
        let items = p.decode(&fixture("books_update.json")).unwrap();
        let [Inbound::Book(upd)] = items.as_slice() else {
            panic!("{items:?}")
        };
        assert_eq!(upd.kind, BookKind::Delta);
        assert_eq!((upd.prev_id, upd.last_id), (Some(123_456), Some(123_457)));
        // The update links to the snapshot under OKX's rule. (The docs' checksum value is a
        // placeholder that does not match the printed levels, so the book here is kept without
        // checksum verification; the vectors above check the function.)
        let mut b = LocalBook::new(btc(), p.sequence_rule(&Subscription::book(btc())));
        b.apply(snap).unwrap();
        b.apply(upd).unwrap();
        assert_eq!(b.last_id(), Some(123_457));
        assert_eq!(b.best_bid(), Some(lv("8476.97", "256")));
        // The checksum text keeps the strings as sent ("8446", not "8446.00").
        assert_eq!(b.asks().next().unwrap().price.to_string(), "8476.98");
    }

    /// OKX's documented sequence example: snapshot (prevSeqId -1, seqId 10), update 10 → 15,
    /// an unchanged-book heartbeat 15 → 15, a reset after maintenance 15 → 3, then 3 → 5.
    #[test]
    fn documented_sequence_with_heartbeat_and_reset_links() {
        let p = proto();
        let frame = |action: &str, prev: i64, seq: i64, bids: Value| {
            serde_json::json!({"arg": {"channel": "books", "instId": "BTC-USDT"}, "action": action,
                "data": [{"asks": [], "bids": bids, "ts": "1597026383085", "prevSeqId": prev, "seqId": seq}]})
            .to_string()
        };
        let mut b = LocalBook::new(btc(), p.sequence_rule(&Subscription::book(btc())));
        let steps = [
            frame("snapshot", -1, 10, serde_json::json!([["3366.1", "7", "0", "1"]])),
            frame("update", 10, 15, serde_json::json!([["3366", "6", "0", "1"]])),
            frame("update", 15, 15, serde_json::json!([])),
            frame("update", 15, 3, serde_json::json!([["3366", "0", "0", "0"]])),
            frame("update", 3, 5, serde_json::json!([["3366.1", "8", "0", "2"]])),
        ];
        for text in &steps {
            let items = p.decode(text).unwrap();
            let [Inbound::Book(m)] = items.as_slice() else {
                panic!("{items:?}")
            };
            b.apply(m).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
        assert_eq!(b.last_id(), Some(5));
        assert_eq!(b.to_order_book(5).bids, vec![lv("3366.1", "8")]);
        // An update whose prevSeqId (6) is not the book's last seqId (5) is a gap.
        let items = p.decode(&frame("update", 6, 7, serde_json::json!([]))).unwrap();
        let [Inbound::Book(m)] = items.as_slice() else {
            panic!("{items:?}")
        };
        assert!(matches!(b.apply(m), Err(exch_core::stream::BookError::Gap { .. })));
    }

    #[test]
    fn swap_book_sizes_are_contracts_handed_out_in_base_units() {
        let p = proto();
        assert_eq!(p.contract_size(&Subscription::book(perp())), dec!(0.01));
        assert_eq!(p.contract_size(&Subscription::book(btc())), Decimal::ONE);
        // A books push with the levels of okx.md's checksum vector C1, on the swap.
        let frame = serde_json::json!({"arg": {"channel": "books", "instId": "BTC-USDT-SWAP"}, "action": "snapshot",
            "data": [{"asks": [["3366.8", "9", "0", "1"], ["3368", "8", "0", "1"]],
                      "bids": [["3366.1", "7", "0", "1"], ["3366", "6", "0", "1"]],
                      "ts": "1597026383085", "checksum": -1_881_014_294_i64, "prevSeqId": -1, "seqId": 10}]});
        let items = p.decode(&frame.to_string()).unwrap();
        let [Inbound::Book(m)] = items.as_slice() else {
            panic!("{items:?}")
        };
        assert_eq!(m.symbol, perp());
        let sub = Subscription::book(perp());
        let mut b = LocalBook::new(perp(), SequenceRule::Linked)
            .with_contract_size(p.contract_size(&sub))
            .with_checksum(p.checksum(&sub).unwrap());
        // The checksum is over the contract sizes as sent.
        b.apply(m).unwrap();
        // 9 contracts of 0.01 BTC.
        assert_eq!(b.best_ask().unwrap().qty, dec!(0.09));
        assert_eq!(b.to_order_book(5).bids[1].qty, dec!(0.06));
    }

    #[test]
    fn ticker_trade_candle_frames_from_the_docs() {
        let p = proto();
        let items = p.decode(&fixture("tickers.json")).unwrap();
        let [Inbound::Event(StreamEvent::Ticker(t))] = items.as_slice() else {
            panic!("{items:?}")
        };
        assert_eq!(t.symbol, btc());
        assert_eq!(
            (t.last, t.bid, t.ask),
            (Some(dec!(9999.99)), Some(dec!(8888.88)), Some(dec!(9999.99)))
        );
        assert_eq!(t.base_volume, Some(dec!(2222)));
        assert_eq!(t.timestamp, Some(1_597_026_383_085));

        let items = p.decode(&fixture("trades.json")).unwrap();
        let [Inbound::Event(StreamEvent::Trade(t))] = items.as_slice() else {
            panic!("{items:?}")
        };
        assert_eq!(
            (t.id.as_str(), t.price, t.qty, t.side, t.timestamp),
            (
                "130639474",
                dec!(42219.9),
                dec!(0.12060306),
                Some(Side::Buy),
                1_630_048_897_897
            )
        );

        let items = p.decode(&fixture("candle1D.json")).unwrap();
        let [Inbound::Event(StreamEvent::Candle {
            symbol,
            interval,
            candle,
        })] = items.as_slice()
        else {
            panic!("{items:?}")
        };
        assert_eq!((symbol, *interval), (&btc(), Interval::D1));
        assert_eq!(candle.open_time, 1_597_026_383_085);
        assert_eq!(
            (candle.open, candle.close, candle.volume),
            (dec!(8533.02), dec!(8548.26), dec!(45247))
        );
        assert_eq!(candle.closed, Some(false));
    }

    #[test]
    fn events_acks_errors_and_notices() {
        let p = proto();
        assert!(matches!(
            p.decode(&fixture("subscribe_ack.json")).unwrap()[..],
            [Inbound::Ignore]
        ));
        assert!(matches!(p.decode("pong").unwrap()[..], [Inbound::Ignore]));
        assert!(matches!(
            p.decode(&fixture("notice_64008.json")).unwrap()[..],
            [Inbound::Reconnect]
        ));
        let items = p.decode(&fixture("error.json")).unwrap();
        let [Inbound::Event(StreamEvent::Error(e))] = items.as_slice() else {
            panic!("{items:?}")
        };
        assert_eq!(e.code(), Some("60012"));
        assert!(e.message().starts_with("Invalid request"), "{e}");
        let e = p
            .decode(r#"{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":"#)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        let e = p.decode(r#"{"hello":1}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
    }

    #[test]
    fn subscribe_messages_and_routing() {
        let p = proto();
        let subs = [
            Subscription::ticker(btc()),
            Subscription::book(perp()),
            Subscription::candles(btc(), Interval::M1),
        ];
        let msgs = p.subscribe_messages(&subs).unwrap();
        let v: Value = serde_json::from_str(&msgs[0]).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"op": "subscribe", "args": [
                {"channel": "tickers", "instId": "BTC-USDT"},
                {"channel": "books", "instId": "BTC-USDT-SWAP"},
                {"channel": "candle1m", "instId": "BTC-USDT"}
            ]})
        );
        let un: Value = serde_json::from_str(&p.unsubscribe_messages(&subs[1..2]).unwrap()[0]).unwrap();
        assert_eq!(un["op"], "unsubscribe");
        assert_eq!(p.url(&subs[0]).unwrap(), "ws://public");
        assert_eq!(p.url(&subs[1]).unwrap(), "ws://public");
        assert_eq!(p.url(&subs[2]).unwrap(), "ws://business");
        assert_eq!(candle_channel(Interval::D1).unwrap(), "candle1Dutc");
        assert_eq!(interval_of_bar("1Dutc"), Some(Interval::D1));
        assert_eq!(interval_of_bar("1M"), Some(Interval::Mo1));
        assert_eq!(interval_of_bar("1m"), Some(Interval::M1));
        let e = p.url(&Subscription::candles(btc(), Interval::H8)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        let e = p.url(&Subscription::ticker("DOGE/USDT".parse().unwrap())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadSymbol);
    }

    #[test]
    fn urls_per_environment_and_overrides() {
        let cfg = |c: ClientConfig| OkxConfig::from_client(c).unwrap();
        let (p, b) = ws_urls(&cfg(ClientConfig::new())).unwrap();
        assert_eq!(
            (p.as_str(), b.as_str()),
            (crate::config::WS_PUBLIC, crate::config::WS_BUSINESS)
        );
        let (p, b) = ws_urls(&cfg(ClientConfig::new().environment(Environment::Demo))).unwrap();
        assert_eq!(
            (p.as_str(), b.as_str()),
            (crate::config::WS_PUBLIC_DEMO, crate::config::WS_BUSINESS_DEMO)
        );
        let (p, b) = ws_urls(&cfg(ClientConfig::new().base_url("rest", "http://127.0.0.1:9"))).unwrap();
        assert_eq!(
            (p.as_str(), b.as_str()),
            ("ws://127.0.0.1:9/ws/v5/public", "ws://127.0.0.1:9/ws/v5/business")
        );
        let (p, _) = ws_urls(&cfg(ClientConfig::new().base_url("*", "https://okx.example"))).unwrap();
        assert_eq!(p, "wss://okx.example/ws/v5/public");
        let c = ClientConfig::new()
            .base_url("rest", "http://127.0.0.1:9")
            .base_url(API_WS, "wss://ws.example:8443/ws/v5/public");
        let (p, b) = ws_urls(&cfg(c)).unwrap();
        assert_eq!(
            (p.as_str(), b.as_str()),
            (
                "wss://ws.example:8443/ws/v5/public",
                "wss://ws.example:8443/ws/v5/business"
            )
        );
        let e = ws_urls(&cfg(ClientConfig::new().base_url(API_WS, "ftp://x"))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
    }
}
