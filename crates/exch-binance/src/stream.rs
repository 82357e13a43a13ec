//! Binance public market-data WebSocket streams (spot and USDⓈ-M perpetuals) as an
//! [`exch_core::stream::StreamProtocol`]: [`BinanceStreams`], and [`Binance::stream`].
//!
//! Wire facts (`shared/venues/binance.md` §1 and §7):
//!
//! * Hosts per [`Environment`] ([`default_ws_host`]): spot `wss://stream.binance.com:9443`
//!   (testnet `wss://stream.testnet.binance.vision`, demo `wss://demo-stream.binance.com:9443`),
//!   futures `wss://fstream.binance.com` (testnet and demo `wss://fstream.binancefuture.com`).
//!   Override them with `ClientConfig::base_url("spot_ws" | "futures_ws", "wss://host:port")`
//!   ([`API_SPOT_WS`], [`API_FUTURES_WS`]); without one, an override of the REST API (`spot`,
//!   `futures`, or `*`) is used with `http(s)://` turned into `ws(s)://` (how the simulator
//!   serves both on its REST ports). See [`ws_base`].
//! * Paths ([`Route`]): spot is read from the **combined** endpoint `/stream`, whose frames are
//!   wrapped as `{"stream":"<name>","data":{…}}`. Futures streams are **routed**: depth and
//!   book tickers live under `/public/ws`, trades (`@aggTrade`), klines and tickers under
//!   `/market/ws`, and a stream subscribed on the wrong path silently delivers nothing. Each
//!   route is its own connection (the driver opens one per URL).
//! * Spot and futures share symbol names (`BTCUSDT`) and payload shapes, and a payload does not
//!   say which market it belongs to; the connection does. Since futures frames arrive raw and
//!   spot frames arrive wrapped, the wrapper is what tells them apart in [`StreamProtocol::decode`].
//! * `{"method":"SUBSCRIBE","params":["btcusdt@trade",…],"id":1}` (`UNSUBSCRIBE` likewise), one
//!   frame per connection with every stream; replies `{"result":null,"id":1}` are ignored,
//!   error replies (`{"code":2,"msg":…}`) become [`StreamEvent::Error`]. Stream names are
//!   lower-case; symbols come from the loaded markets, never from string splitting.
//! * Channels ([`stream_name`]): ticker `<s>@ticker`; trades `<s>@trade` on spot and
//!   `<s>@aggTrade` on futures (which has no `@trade`); candles `<s>@kline_<interval>` (no `1s`
//!   on futures); books `<s>@depth@100ms`, the diff stream, kept in a local book synced over
//!   REST ([`BookSync::Rest`]): spot `GET /api/v3/depth?limit=5000` with
//!   [`SequenceRule::Range`] on `U`/`u`, futures `GET /fapi/v1/depth?limit=1000` with
//!   [`SequenceRule::RangeWithPrev`] on `U`/`u`/`pu`. Every book subscription, with or without a
//!   depth, is this diff stream; `StreamConfig::book_depth` picks the levels emitted.
//! * Heartbeat: the server pings (spot every 20 s, futures every 3 minutes); the driver answers
//!   with pongs. A connection silent for [`SPOT_HEARTBEAT_TIMEOUT`] (spot) or
//!   [`FUTURES_HEARTBEAT_TIMEOUT`] (futures) is dead.
//! * A `serverShutdown` event precedes planned disconnects: the driver reconnects at once
//!   ([`Inbound::Reconnect`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use exch_core::stream::{
    BookMessage, BookSync, Channel, Heartbeat, Inbound, MarketStream, SequenceRule, StreamConfig, StreamEvent,
    StreamProtocol, Subscription,
};
use exch_core::{
    Candle, ClientConfig, Environment, Error, ErrorKind, Interval, Level, MarketKind, MarketSet, Result, Side, Symbol,
    Ticker, Trade, Venue,
};
use futures::future::BoxFuture;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::config::Api;
use crate::symbols::Resolve;
use crate::wire::de::parse_decimal;
use crate::{rest, wire, Binance};

/// The API name that overrides the spot WebSocket base (`wss://host:port`, no path) in
/// [`ClientConfig::base_url`].
pub const API_SPOT_WS: &str = "spot_ws";
/// The API name that overrides the futures WebSocket base (`wss://host`, no path) in
/// [`ClientConfig::base_url`].
pub const API_FUTURES_WS: &str = "futures_ws";

/// The spot path: the combined-stream endpoint (frames wrapped with their stream name).
pub const SPOT_PATH: &str = "/stream";
/// The futures path of high-frequency book streams (`@depth…`, `@bookTicker`).
pub const FUTURES_PUBLIC_PATH: &str = "/public/ws";
/// The futures path of every other market stream (`@aggTrade`, `@kline_…`, `@ticker`, …).
pub const FUTURES_MARKET_PATH: &str = "/market/ws";

/// Levels of the spot REST snapshot that seeds a local book (`/api/v3/depth?limit=5000`,
/// as binance.md §7 recommends).
pub const SPOT_SNAPSHOT_LIMIT: usize = 5000;
/// Levels of the futures REST snapshot that seeds a local book (`/fapi/v1/depth?limit=1000`).
pub const FUTURES_SNAPSHOT_LIMIT: usize = 1000;

/// Streams Binance accepts on one connection.
pub const MAX_STREAMS_PER_CONNECTION: usize = 1024;

/// No frame for this long on a spot connection means it is dead (the server pings every 20 s).
pub const SPOT_HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(60);
/// No frame for this long on a futures connection means it is dead (the server pings every
/// 3 minutes and closes after 10 minutes without a pong).
pub const FUTURES_HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(240);

/// The default WebSocket base of `api` in `env` (binance.md §1).
pub const fn default_ws_host(api: Api, env: Environment) -> &'static str {
    match (api, env) {
        (Api::Spot, Environment::Production) => "wss://stream.binance.com:9443",
        (Api::Spot, Environment::Testnet) => "wss://stream.testnet.binance.vision",
        (Api::Spot, Environment::Demo) => "wss://demo-stream.binance.com:9443",
        (Api::Futures, Environment::Production) => "wss://fstream.binance.com",
        (Api::Futures, Environment::Testnet | Environment::Demo) => "wss://fstream.binancefuture.com",
    }
}

/// The API name of the WebSocket override of `api`.
pub const fn ws_api_name(api: Api) -> &'static str {
    match api {
        Api::Spot => API_SPOT_WS,
        Api::Futures => API_FUTURES_WS,
    }
}

/// The WebSocket base (scheme, host, port; no path) of `api` for `config`: the `spot_ws` /
/// `futures_ws` override, else the REST override of `api` (or `*`) with its scheme turned into
/// `ws`/`wss`, else the host of the configured environment.
pub fn ws_base(api: Api, config: &ClientConfig) -> String {
    if let Some(u) = config.base_urls.get(ws_api_name(api)) {
        return u.trim_end_matches('/').to_string();
    }
    match config.base_urls.get(api.name()).or_else(|| config.base_urls.get("*")) {
        Some(u) => to_ws_scheme(u.trim_end_matches('/')),
        None => default_ws_host(api, config.environment).to_string(),
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

/// The connection (path) that carries a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Route {
    /// Spot, the combined endpoint [`SPOT_PATH`].
    Spot,
    /// Futures books, [`FUTURES_PUBLIC_PATH`].
    FuturesPublic,
    /// Futures trades, klines and tickers, [`FUTURES_MARKET_PATH`].
    FuturesMarket,
}

impl Route {
    /// The route of `sub`; `Unsupported` for inverse perpetuals.
    pub fn of(sub: &Subscription) -> Result<Route> {
        match sub.symbol.kind() {
            MarketKind::Spot => Ok(Route::Spot),
            MarketKind::LinearPerpetual if sub.channel.is_book() => Ok(Route::FuturesPublic),
            MarketKind::LinearPerpetual => Ok(Route::FuturesMarket),
            MarketKind::InversePerpetual => Err(Error::unsupported(Venue::Binance, "inverse perpetual streams")),
        }
    }

    /// The URL path of the route.
    pub const fn path(self) -> &'static str {
        match self {
            Route::Spot => SPOT_PATH,
            Route::FuturesPublic => FUTURES_PUBLIC_PATH,
            Route::FuturesMarket => FUTURES_MARKET_PATH,
        }
    }

    /// The API the route belongs to.
    pub const fn api(self) -> Api {
        match self {
            Route::Spot => Api::Spot,
            Route::FuturesPublic | Route::FuturesMarket => Api::Futures,
        }
    }
}

/// The stream name of `channel` for the Binance symbol `venue_symbol` on `api` (lower-case):
/// `btcusdt@ticker`, `btcusdt@trade` (spot) / `btcusdt@aggTrade` (futures),
/// `btcusdt@depth@100ms`, `btcusdt@kline_1m`. `Unsupported` for `1s` candles on futures.
pub fn stream_name(api: Api, venue_symbol: &str, channel: Channel) -> Result<String> {
    let s = venue_symbol.to_ascii_lowercase();
    Ok(match channel {
        Channel::Ticker => format!("{s}@ticker"),
        Channel::Trades => match api {
            Api::Spot => format!("{s}@trade"),
            Api::Futures => format!("{s}@aggTrade"),
        },
        Channel::Book { .. } => format!("{s}@depth@100ms"),
        Channel::Candles(Interval::S1) if api == Api::Futures => {
            return Err(
                Error::new(ErrorKind::Unsupported, "Binance futures streams have no 1s candles")
                    .with_venue(Venue::Binance),
            )
        }
        Channel::Candles(i) => format!("{s}@kline_{}", i.as_str()),
    })
}

/// The Binance public stream protocol, with the markets it may carry and the client that
/// fetches REST book snapshots. Build it with [`BinanceStreams::new`] and
/// [`BinanceStreams::with_markets`], or let [`Binance::stream`] do both.
#[derive(Debug, Clone)]
pub struct BinanceStreams {
    client: Binance,
    spot_base: String,
    futures_base: String,
    spot: Option<Arc<MarketSet>>,
    futures: Option<Arc<MarketSet>>,
    next_id: Arc<AtomicU64>,
}

impl BinanceStreams {
    /// A protocol for the hosts of `client`'s configuration ([`ws_base`]), without markets yet;
    /// book snapshots are fetched through `client`.
    pub fn new(client: &Binance) -> Self {
        let config = &client.inner.config;
        BinanceStreams {
            spot_base: ws_base(Api::Spot, config),
            futures_base: ws_base(Api::Futures, config),
            client: client.clone(),
            spot: None,
            futures: None,
            next_id: Arc::new(AtomicU64::new(1)),
        }
    }

    /// Adds the loaded markets of `kind` (symbols are mapped through them both ways).
    pub fn with_markets(mut self, kind: MarketKind, markets: Arc<MarketSet>) -> Self {
        match kind {
            MarketKind::Spot => self.spot = Some(markets),
            MarketKind::LinearPerpetual => self.futures = Some(markets),
            MarketKind::InversePerpetual => {}
        }
        self
    }

    /// The WebSocket URL of `route`.
    pub fn url_of(&self, route: Route) -> String {
        let base = match route.api() {
            Api::Spot => &self.spot_base,
            Api::Futures => &self.futures_base,
        };
        format!("{base}{}", route.path())
    }

    fn markets(&self, api: Api) -> Option<&MarketSet> {
        match api {
            Api::Spot => self.spot.as_deref(),
            Api::Futures => self.futures.as_deref(),
        }
    }

    /// The Binance symbol of `symbol` from the loaded markets.
    fn venue_symbol(&self, api: Api, symbol: &Symbol) -> Result<&str> {
        let set = self.markets(api).ok_or_else(|| {
            Error::new(
                ErrorKind::BadSymbol,
                format!("no Binance {} markets loaded for this stream", api.name()),
            )
            .with_venue(Venue::Binance)
        })?;
        set.get(symbol).map(|m| m.venue_symbol.as_str()).ok_or_else(|| {
            Error::new(ErrorKind::BadSymbol, format!("{symbol} is not listed on Binance")).with_venue(Venue::Binance)
        })
    }

    /// The stream name of `sub` (see [`stream_name`]).
    pub fn stream_of(&self, sub: &Subscription) -> Result<String> {
        let api = Route::of(sub)?.api();
        stream_name(api, self.venue_symbol(api, &sub.symbol)?, sub.channel)
    }

    fn request(&self, method: &str, subs: &[Subscription]) -> Result<Vec<String>> {
        let names = subs.iter().map(|s| self.stream_of(s)).collect::<Result<Vec<_>>>()?;
        if names.len() > MAX_STREAMS_PER_CONNECTION {
            return Err(Error::new(
                ErrorKind::BadRequest,
                format!(
                    "{} Binance streams on one connection; the venue takes at most {MAX_STREAMS_PER_CONNECTION}",
                    names.len()
                ),
            )
            .with_venue(Venue::Binance));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        Ok(vec![json!({"method": method, "params": names, "id": id}).to_string()])
    }

    fn symbol_of(&self, api: Api, venue: &str) -> Option<Symbol> {
        self.markets(api)?.resolve(api, venue)
    }
}

/// Decodes one payload field by field; errors name the stream (or event) and quote the frame.
struct Frame<'a> {
    text: &'a str,
    what: &'a str,
}

impl Frame<'_> {
    fn err(&self, cause: impl std::fmt::Display) -> Error {
        Error::decode(&format!("ws {}", self.what), self.text.as_bytes(), cause).with_venue(Venue::Binance)
    }

    fn text_of(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    fn dec(&self, v: &Value, field: &str) -> Result<Option<Decimal>> {
        match v.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(x) => Self::text_of(x)
                .and_then(|s| parse_decimal(&s))
                .map(Some)
                .ok_or_else(|| self.err(format!("`{field}` is not a decimal: {x}"))),
        }
    }

    fn req_dec(&self, v: &Value, field: &str) -> Result<Decimal> {
        self.dec(v, field)?
            .ok_or_else(|| self.err(format!("missing `{field}`")))
    }

    fn int(&self, v: &Value, field: &str) -> Result<Option<i64>> {
        match v.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(x) => Self::text_of(x)
                .and_then(|s| s.parse().ok())
                .map(Some)
                .ok_or_else(|| self.err(format!("`{field}` is not an integer: {x}"))),
        }
    }

    fn req_int(&self, v: &Value, field: &str) -> Result<i64> {
        self.int(v, field)?
            .ok_or_else(|| self.err(format!("missing `{field}`")))
    }

    fn req_id(&self, v: &Value, field: &str) -> Result<u64> {
        match v.get(field) {
            Some(x) => Self::text_of(x)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| self.err(format!("`{field}` is not an update id: {x}"))),
            None => Err(self.err(format!("missing `{field}`"))),
        }
    }

    fn trade(&self, symbol: Symbol, d: &Value, id_field: &str) -> Result<Inbound> {
        let id = d
            .get(id_field)
            .and_then(Self::text_of)
            .ok_or_else(|| self.err(format!("missing trade id `{id_field}`")))?;
        let side = match d.get("m") {
            Some(Value::Bool(maker_buys)) => Some(Side::taker(*maker_buys)),
            None | Some(Value::Null) => None,
            Some(x) => return Err(self.err(format!("`m` is not a boolean: {x}"))),
        };
        Ok(Inbound::Event(StreamEvent::Trade(Trade {
            symbol,
            id,
            price: self.req_dec(d, "p")?,
            qty: self.req_dec(d, "q")?,
            side,
            timestamp: self.req_int(d, "T")?,
        })))
    }

    fn ticker(&self, symbol: Symbol, d: &Value) -> Result<Inbound> {
        let last = self.dec(d, "c")?;
        if last.is_none() {
            return Err(self.err("ticker without a last price `c`"));
        }
        Ok(Inbound::Event(StreamEvent::Ticker(Ticker {
            symbol,
            last,
            bid: self.dec(d, "b")?,
            bid_qty: self.dec(d, "B")?,
            ask: self.dec(d, "a")?,
            ask_qty: self.dec(d, "A")?,
            open: self.dec(d, "o")?,
            high: self.dec(d, "h")?,
            low: self.dec(d, "l")?,
            base_volume: self.dec(d, "v")?,
            quote_volume: self.dec(d, "q")?,
            change_percent: self.dec(d, "P")?,
            timestamp: self.int(d, "E")?,
        })))
    }

    fn candle(&self, symbol: Symbol, d: &Value) -> Result<Inbound> {
        let k = d
            .get("k")
            .filter(|k| k.is_object())
            .ok_or_else(|| self.err("kline without `k`"))?;
        let code = k
            .get("i")
            .and_then(Value::as_str)
            .ok_or_else(|| self.err("kline without `i`"))?;
        let interval: Interval = code
            .parse()
            .map_err(|_| self.err(format!("unknown kline interval `{code}`")))?;
        let closed = match k.get("x") {
            Some(Value::Bool(b)) => Some(*b),
            None | Some(Value::Null) => None,
            Some(x) => return Err(self.err(format!("`x` is not a boolean: {x}"))),
        };
        let candle = Candle {
            open_time: self.req_int(k, "t")?,
            open: self.req_dec(k, "o")?,
            high: self.req_dec(k, "h")?,
            low: self.req_dec(k, "l")?,
            close: self.req_dec(k, "c")?,
            volume: self.req_dec(k, "v")?,
            quote_volume: self.dec(k, "q")?,
            closed,
        };
        Ok(Inbound::Event(StreamEvent::Candle {
            symbol,
            interval,
            candle,
        }))
    }

    fn levels(&self, d: &Value, side: &str) -> Result<Vec<Level>> {
        let rows = match d.get(side) {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(a)) => a,
            Some(_) => return Err(self.err(format!("`{side}` is not an array"))),
        };
        rows.iter()
            .map(|row| {
                let pq = row.as_array().filter(|a| a.len() >= 2);
                let parse = |i: usize| pq.and_then(|a| Self::text_of(&a[i])).and_then(|s| parse_decimal(&s));
                match (parse(0), parse(1)) {
                    (Some(price), Some(qty)) if qty >= Decimal::ZERO => Ok(Level { price, qty }),
                    _ => Err(self.err(format!("bad `{side}` level {row}"))),
                }
            })
            .collect()
    }

    fn depth(&self, symbol: Symbol, d: &Value) -> Result<Inbound> {
        let first = self.req_id(d, "U")?;
        let last = self.req_id(d, "u")?;
        if first > last {
            return Err(self.err(format!("`U` {first} is above `u` {last}")));
        }
        let mut m = BookMessage::delta(symbol, self.levels(d, "b")?, self.levels(d, "a")?).with_ids(first, last);
        if d.get("pu").is_some() {
            m = m.with_prev_id(self.req_id(d, "pu")?);
        }
        if let Some(t) = self.int(d, "T")?.or(self.int(d, "E")?) {
            m = m.with_timestamp(t);
        }
        Ok(Inbound::Book(m))
    }
}

fn is_shutdown(v: &Value) -> bool {
    let e = |x: &Value| x.get("e").and_then(Value::as_str) == Some("serverShutdown");
    e(v) || v.get("event").is_some_and(e)
}

impl StreamProtocol for BinanceStreams {
    fn url(&self, sub: &Subscription) -> Result<String> {
        let route = Route::of(sub)?;
        // Fails early for an unlisted symbol or a channel the market lacks.
        self.stream_of(sub)?;
        Ok(self.url_of(route))
    }

    fn subscribe_messages(&self, subs: &[Subscription]) -> Result<Vec<String>> {
        self.request("SUBSCRIBE", subs)
    }

    fn unsubscribe_messages(&self, subs: &[Subscription]) -> Result<Vec<String>> {
        self.request("UNSUBSCRIBE", subs)
    }

    fn decode(&self, text: &str) -> Result<Vec<Inbound>> {
        let mut frame = Frame { text, what: "frame" };
        let v: Value = serde_json::from_str(text.trim()).map_err(|e| frame.err(e))?;
        let Some(obj) = v.as_object() else {
            return Err(frame.err("a frame is not a JSON object"));
        };
        if is_shutdown(&v) {
            return Ok(vec![Inbound::Reconnect]);
        }
        // Replies to SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS.
        if obj.contains_key("result") && obj.contains_key("id") {
            return Ok(vec![Inbound::Ignore]);
        }
        let error = obj.get("error").filter(|e| e.is_object()).unwrap_or(&v);
        if !obj.contains_key("e") && error.get("code").is_some() && error.get("msg").is_some() {
            let code = error.get("code").and_then(Frame::text_of).unwrap_or_default();
            let msg = error.get("msg").and_then(Value::as_str).unwrap_or_default();
            let e = Error::new(ErrorKind::BadRequest, format!("Binance stream request rejected: {msg}"))
                .with_venue(Venue::Binance)
                .with_code(code)
                .with_endpoint("ws");
            return Ok(vec![Inbound::Event(StreamEvent::Error(e))]);
        }
        // Spot frames come wrapped (combined endpoint), futures frames raw (routed endpoints).
        let (api, data, stream) = match (obj.get("stream").and_then(Value::as_str), obj.get("data")) {
            (Some(stream), Some(data)) => (Api::Spot, data, stream),
            _ => (Api::Futures, &v, ""),
        };
        if is_shutdown(data) {
            return Ok(vec![Inbound::Reconnect]);
        }
        let Some(event) = data.get("e").and_then(Value::as_str) else {
            // Book tickers and partial books carry no event type; nothing here subscribes them.
            return Ok(vec![Inbound::Ignore]);
        };
        frame.what = if stream.is_empty() { event } else { stream };
        let venue = data
            .get("s")
            .and_then(Value::as_str)
            .ok_or_else(|| frame.err("missing symbol `s`"))?;
        let Some(symbol) = self.symbol_of(api, venue) else {
            // Not a market of this stream.
            return Ok(vec![Inbound::Ignore]);
        };
        let item = match event {
            "trade" => frame.trade(symbol, data, "t")?,
            "aggTrade" => frame.trade(symbol, data, "a")?,
            "24hrTicker" => frame.ticker(symbol, data)?,
            "kline" => frame.candle(symbol, data)?,
            "depthUpdate" => frame.depth(symbol, data)?,
            _ => Inbound::Ignore,
        };
        Ok(vec![item])
    }

    fn heartbeat(&self, url: &str) -> Heartbeat {
        if url.ends_with(FUTURES_PUBLIC_PATH) || url.ends_with(FUTURES_MARKET_PATH) {
            Heartbeat::server(FUTURES_HEARTBEAT_TIMEOUT)
        } else {
            Heartbeat::server(SPOT_HEARTBEAT_TIMEOUT)
        }
    }

    fn sequence_rule(&self, sub: &Subscription) -> SequenceRule {
        match (sub.channel.is_book(), sub.symbol.kind()) {
            (true, MarketKind::Spot) => SequenceRule::Range,
            (true, _) => SequenceRule::RangeWithPrev,
            (false, _) => SequenceRule::None,
        }
    }

    fn book_sync(&self, _sub: &Subscription) -> BookSync {
        BookSync::Rest
    }

    fn fetch_snapshot(&self, symbol: &Symbol) -> BoxFuture<'static, Result<BookMessage>> {
        let client = self.client.clone();
        let symbol = symbol.clone();
        Box::pin(async move { client.book_snapshot(&symbol).await })
    }
}

impl Binance {
    /// The REST snapshot that seeds the local book of `symbol`: `lastUpdateId` and the
    /// levels of `/api/v3/depth?limit=5000` (spot) or `/fapi/v1/depth?limit=1000` (futures).
    pub async fn book_snapshot(&self, symbol: &Symbol) -> Result<BookMessage> {
        let (api, _, v) = self.resolve(symbol).await?;
        let limit = match api {
            Api::Spot => SPOT_SNAPSHOT_LIMIT,
            Api::Futures => FUTURES_SNAPSHOT_LIMIT,
        };
        let call = rest::depth(api, &v, Some(limit));
        let d: wire::Depth = self.call(&call).await?;
        let id = d.last_update_id.ok_or_else(|| {
            Error::new(ErrorKind::Decode, "depth snapshot without `lastUpdateId`")
                .with_venue(Venue::Binance)
                .with_endpoint(call.endpoint())
        })?;
        let level = |l: &[Decimal; 2]| Level { price: l[0], qty: l[1] };
        let mut m = BookMessage::snapshot(
            symbol.clone(),
            d.bids.iter().map(level).collect(),
            d.asks.iter().map(level).collect(),
        )
        .with_last_id(id);
        if let Some(t) = d.transaction_time {
            m = m.with_timestamp(t);
        }
        Ok(m)
    }

    /// The stream protocol of this client's hosts ([`ws_base`]) with the markets of the kinds
    /// `subs` use loaded.
    pub async fn stream_protocol(&self, subs: &[Subscription]) -> Result<BinanceStreams> {
        let mut proto = BinanceStreams::new(self);
        let mut kinds: Vec<MarketKind> = subs.iter().map(|s| s.symbol.kind()).collect();
        kinds.sort();
        kinds.dedup();
        for kind in kinds {
            let api = Api::for_kind(kind).ok_or_else(|| Error::unsupported(Venue::Binance, "inverse perpetuals"))?;
            proto = proto.with_markets(kind, self.loaded(api).await?);
        }
        Ok(proto)
    }

    /// Subscribes to public market data (ticker, trades, books, candles) of spot (`BTC/USDT`)
    /// and USDⓈ-M perpetual (`BTC/USDT:USDT`) symbols and returns the reconnecting stream of
    /// typed events.
    ///
    /// Loads the markets of the subscribed kinds first (a symbol Binance does not list is a
    /// `BadSymbol` error, a channel a market lacks `Unsupported`), then hands
    /// [`BinanceStreams`] to [`exch_core::stream::subscribe`]. Books are Binance's diff-depth
    /// streams kept in local books seeded from REST snapshots, checked update id by update id
    /// and rebuilt from a fresh snapshot on a gap (see the [module docs](self)).
    ///
    /// ```no_run
    /// use exch_binance::{Binance, StreamConfig, StreamEvent, Subscription};
    /// use exch_core::{ClientConfig, Symbol};
    /// use futures::StreamExt;
    ///
    /// # async fn run() -> exch_core::Result<()> {
    /// let binance = Binance::new(ClientConfig::new())?;
    /// let perp: Symbol = "BTC/USDT:USDT".parse()?;
    /// let mut events = binance
    ///     .stream([Subscription::book(perp.clone()), Subscription::trades(perp)], StreamConfig::default())
    ///     .await?;
    /// while let Some(ev) = events.next().await {
    ///     match ev {
    ///         StreamEvent::BookUpdate(u) => println!("best bid {:?}", u.book.best_bid()),
    ///         StreamEvent::Trade(t) => println!("trade {} @ {}", t.qty, t.price),
    ///         other => println!("{other:?}"),
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn stream(
        &self,
        subs: impl IntoIterator<Item = Subscription>,
        config: StreamConfig,
    ) -> Result<MarketStream> {
        let subs: Vec<Subscription> = subs.into_iter().collect();
        for s in &subs {
            Route::of(s)?;
        }
        let proto = self.stream_protocol(&subs).await?;
        exch_core::stream::subscribe(Arc::new(proto), subs, config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exch_core::{Market, MarketStatus};
    use rust_decimal_macros::dec;

    fn market(sym: &str, venue: &str) -> Market {
        let symbol: Symbol = sym.parse().unwrap();
        Market {
            kind: symbol.kind(),
            symbol,
            venue_symbol: venue.into(),
            status: MarketStatus::Trading,
            tick_size: dec!(0.01),
            step_size: dec!(0.001),
            min_qty: None,
            max_qty: None,
            min_notional: None,
            contract_size: Decimal::ONE,
        }
    }

    /// Spot BNB/BTC, BTC/USDT and the BTC/USDT perpetual (the symbols of the documented frames).
    fn proto_with(config: ClientConfig) -> BinanceStreams {
        let client = Binance::new(config).unwrap();
        let spot = MarketSet::new(vec![market("BNB/BTC", "BNBBTC"), market("BTC/USDT", "BTCUSDT")]);
        let perp = MarketSet::new(vec![market("BTC/USDT:USDT", "BTCUSDT")]);
        BinanceStreams::new(&client)
            .with_markets(MarketKind::Spot, Arc::new(spot))
            .with_markets(MarketKind::LinearPerpetual, Arc::new(perp))
    }

    fn proto() -> BinanceStreams {
        proto_with(ClientConfig::new())
    }

    fn fixture(name: &str) -> String {
        let path = format!("{}/../../fixtures/binance/ws/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// A documented spot payload as the combined endpoint delivers it.
    fn wrapped(stream: &str, name: &str) -> String {
        let data: Value = serde_json::from_str(&fixture(name)).unwrap();
        json!({"stream": stream, "data": data}).to_string()
    }

    fn one(p: &BinanceStreams, text: &str) -> Inbound {
        let mut items = p.decode(text).unwrap();
        assert_eq!(items.len(), 1, "{items:?}");
        items.remove(0)
    }

    fn bnb() -> Symbol {
        "BNB/BTC".parse().unwrap()
    }

    fn perp() -> Symbol {
        "BTC/USDT:USDT".parse().unwrap()
    }

    #[test]
    fn hosts_per_environment_and_overrides() {
        let base = |api, c: &ClientConfig| ws_base(api, c);
        let prod = ClientConfig::new();
        assert_eq!(base(Api::Spot, &prod), "wss://stream.binance.com:9443");
        assert_eq!(base(Api::Futures, &prod), "wss://fstream.binance.com");
        let t = ClientConfig::new().environment(Environment::Testnet);
        assert_eq!(base(Api::Spot, &t), "wss://stream.testnet.binance.vision");
        assert_eq!(base(Api::Futures, &t), "wss://fstream.binancefuture.com");
        let d = ClientConfig::new().environment(Environment::Demo);
        assert_eq!(base(Api::Spot, &d), "wss://demo-stream.binance.com:9443");
        assert_eq!(base(Api::Futures, &d), "wss://fstream.binancefuture.com");
        // REST overrides (the simulator's) become ws:// on the same host.
        let sim = ClientConfig::new()
            .base_url("spot", "http://127.0.0.1:1")
            .base_url("futures", "http://127.0.0.1:2");
        assert_eq!(base(Api::Spot, &sim), "ws://127.0.0.1:1");
        assert_eq!(base(Api::Futures, &sim), "ws://127.0.0.1:2");
        let all = ClientConfig::new().base_url("*", "https://proxy.example");
        assert_eq!(base(Api::Futures, &all), "wss://proxy.example");
        // The WebSocket names win over REST overrides.
        let ws = ClientConfig::new()
            .base_url("*", "http://127.0.0.1:3")
            .base_url(API_SPOT_WS, "wss://data-stream.binance.vision/")
            .base_url(API_FUTURES_WS, "ws://127.0.0.1:4");
        assert_eq!(base(Api::Spot, &ws), "wss://data-stream.binance.vision");
        assert_eq!(base(Api::Futures, &ws), "ws://127.0.0.1:4");
    }

    #[test]
    fn each_channel_goes_to_its_routed_path() {
        let p = proto();
        let spot: Symbol = "BTC/USDT".parse().unwrap();
        let url = |s: Subscription| p.url(&s).unwrap();
        assert_eq!(url(Subscription::book(perp())), "wss://fstream.binance.com/public/ws");
        assert_eq!(
            url(Subscription::new(perp(), Channel::Book { depth: Some(20) })),
            "wss://fstream.binance.com/public/ws"
        );
        for s in [
            Subscription::trades(perp()),
            Subscription::ticker(perp()),
            Subscription::candles(perp(), Interval::M1),
        ] {
            assert_eq!(url(s), "wss://fstream.binance.com/market/ws");
        }
        for s in [
            Subscription::book(spot.clone()),
            Subscription::trades(spot.clone()),
            Subscription::ticker(spot.clone()),
            Subscription::candles(spot, Interval::S1),
        ] {
            assert_eq!(url(s), "wss://stream.binance.com:9443/stream");
        }
        let inverse: Symbol = "BTC/USD:BTC".parse().unwrap();
        assert_eq!(
            p.url(&Subscription::trades(inverse)).unwrap_err().kind(),
            ErrorKind::Unsupported
        );
        let eth: Symbol = "ETH/USDT:USDT".parse().unwrap();
        assert_eq!(
            p.url(&Subscription::trades(eth)).unwrap_err().kind(),
            ErrorKind::BadSymbol
        );
    }

    #[test]
    fn stream_names_are_lower_case_per_market() {
        let p = proto();
        let spot: Symbol = "BTC/USDT".parse().unwrap();
        let name = |s: Subscription| p.stream_of(&s).unwrap();
        assert_eq!(name(Subscription::ticker(spot.clone())), "btcusdt@ticker");
        assert_eq!(name(Subscription::trades(spot.clone())), "btcusdt@trade");
        assert_eq!(name(Subscription::trades(perp())), "btcusdt@aggTrade");
        assert_eq!(name(Subscription::book(spot.clone())), "btcusdt@depth@100ms");
        assert_eq!(name(Subscription::book(perp())), "btcusdt@depth@100ms");
        assert_eq!(
            name(Subscription::candles(spot.clone(), Interval::Mo1)),
            "btcusdt@kline_1M"
        );
        assert_eq!(name(Subscription::candles(spot, Interval::S1)), "btcusdt@kline_1s");
        let e = p.stream_of(&Subscription::candles(perp(), Interval::S1)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
    }

    #[test]
    fn subscribe_frames_carry_every_stream_and_fresh_ids() {
        let p = proto();
        let subs = [Subscription::trades(perp()), Subscription::ticker(perp())];
        let a: Value = serde_json::from_str(&p.subscribe_messages(&subs).unwrap()[0]).unwrap();
        assert_eq!(a["method"], "SUBSCRIBE");
        assert_eq!(a["params"], json!(["btcusdt@aggTrade", "btcusdt@ticker"]));
        let b: Value = serde_json::from_str(&p.unsubscribe_messages(&subs[..1]).unwrap()[0]).unwrap();
        assert_eq!(b["method"], "UNSUBSCRIBE");
        assert_eq!(b["params"], json!(["btcusdt@aggTrade"]));
        assert!(a["id"].as_u64().is_some());
        assert_ne!(a["id"], b["id"]);
    }

    #[test]
    fn heartbeat_timeouts_exceed_the_server_ping_intervals() {
        let p = proto();
        let spot = p.heartbeat("wss://stream.binance.com:9443/stream");
        assert_eq!(spot.ping_text, None);
        assert!(spot.timeout > Duration::from_secs(20));
        let fut = p.heartbeat("wss://fstream.binance.com/market/ws");
        assert_eq!(fut.ping_text, None);
        assert!(fut.timeout > Duration::from_secs(180));
        assert_eq!(
            p.heartbeat("ws://127.0.0.1:9/public/ws").timeout,
            FUTURES_HEARTBEAT_TIMEOUT
        );
    }

    #[test]
    fn book_sequencing_per_market() {
        let p = proto();
        let spot: Symbol = "BTC/USDT".parse().unwrap();
        assert_eq!(p.sequence_rule(&Subscription::book(spot.clone())), SequenceRule::Range);
        assert_eq!(
            p.sequence_rule(&Subscription::book(perp())),
            SequenceRule::RangeWithPrev
        );
        assert_eq!(p.sequence_rule(&Subscription::trades(spot.clone())), SequenceRule::None);
        assert_eq!(p.book_sync(&Subscription::book(spot)), BookSync::Rest);
    }

    #[test]
    fn documented_spot_trade() {
        let p = proto();
        let Inbound::Event(StreamEvent::Trade(t)) = one(&p, &wrapped("bnbbtc@trade", "spot_trade.json")) else {
            panic!()
        };
        assert_eq!(t.symbol, bnb());
        assert_eq!(t.id, "12345");
        assert_eq!((t.price, t.qty), (dec!(0.001), dec!(100)));
        // The buyer was the maker: the taker sold.
        assert_eq!(t.side, Some(Side::Sell));
        assert_eq!(t.timestamp, 1_672_515_782_136);
        let Inbound::Event(StreamEvent::Trade(a)) = one(&p, &wrapped("bnbbtc@aggTrade", "spot_agg_trade.json")) else {
            panic!()
        };
        assert_eq!((a.id.as_str(), a.price, a.qty), ("12345", dec!(0.001), dec!(100)));
    }

    #[test]
    fn documented_spot_ticker() {
        let p = proto();
        let Inbound::Event(StreamEvent::Ticker(t)) = one(&p, &wrapped("bnbbtc@ticker", "spot_ticker.json")) else {
            panic!()
        };
        assert_eq!(t.symbol, bnb());
        assert_eq!(t.last, Some(dec!(0.0025)));
        assert_eq!((t.bid, t.bid_qty), (Some(dec!(0.0024)), Some(dec!(10))));
        assert_eq!((t.ask, t.ask_qty), (Some(dec!(0.0026)), Some(dec!(100))));
        assert_eq!(
            (t.open, t.high, t.low),
            (Some(dec!(0.0010)), Some(dec!(0.0025)), Some(dec!(0.0010)))
        );
        assert_eq!((t.base_volume, t.quote_volume), (Some(dec!(10000)), Some(dec!(18))));
        assert_eq!(t.change_percent, Some(dec!(250)));
        assert_eq!(t.timestamp, Some(1_672_515_782_136));
    }

    #[test]
    fn documented_spot_kline() {
        let p = proto();
        let Inbound::Event(StreamEvent::Candle {
            symbol,
            interval,
            candle,
        }) = one(&p, &wrapped("bnbbtc@kline_1m", "spot_kline.json"))
        else {
            panic!()
        };
        assert_eq!((symbol, interval), (bnb(), Interval::M1));
        assert_eq!(candle.open_time, 1_672_515_780_000);
        assert_eq!(
            (candle.open, candle.high, candle.low, candle.close),
            (dec!(0.0010), dec!(0.0025), dec!(0.0015), dec!(0.0020))
        );
        assert_eq!((candle.volume, candle.quote_volume), (dec!(1000), Some(dec!(1))));
        assert_eq!(candle.closed, Some(false));
    }

    #[test]
    fn documented_spot_diff_depth() {
        let p = proto();
        let Inbound::Book(m) = one(&p, &wrapped("bnbbtc@depth@100ms", "spot_depth_update.json")) else {
            panic!()
        };
        assert_eq!(m.symbol, bnb());
        assert!(!m.is_snapshot());
        assert_eq!((m.first_id, m.last_id, m.prev_id), (Some(157), Some(160), None));
        assert_eq!(
            m.bids,
            vec![Level {
                price: dec!(0.0024),
                qty: dec!(10)
            }]
        );
        assert_eq!(
            m.asks,
            vec![Level {
                price: dec!(0.0026),
                qty: dec!(100)
            }]
        );
        assert_eq!(m.timestamp, Some(1_672_515_782_136));
    }

    #[test]
    fn documented_futures_frames_arrive_raw() {
        let p = proto();
        let Inbound::Book(m) = one(&p, &fixture("futures_depth_update.json")) else {
            panic!()
        };
        assert_eq!(m.symbol, perp());
        assert_eq!((m.first_id, m.last_id, m.prev_id), (Some(157), Some(160), Some(149)));
        assert_eq!(
            m.bids,
            vec![Level {
                price: dec!(0.0024),
                qty: dec!(10)
            }]
        );
        assert_eq!(m.timestamp, Some(123_456_788), "transaction time `T`");
        let Inbound::Event(StreamEvent::Trade(t)) = one(&p, &fixture("futures_agg_trade.json")) else {
            panic!()
        };
        assert_eq!(t.symbol, perp());
        assert_eq!((t.id.as_str(), t.price, t.qty), ("5933014", dec!(0.001), dec!(100)));
        assert_eq!((t.side, t.timestamp), (Some(Side::Sell), 123_456_785));
        // The same symbol on spot resolves to the spot market: the wrapper tells them apart.
        let data: Value = serde_json::from_str(&fixture("futures_agg_trade.json")).unwrap();
        let spot = json!({"stream": "btcusdt@aggTrade", "data": data}).to_string();
        let Inbound::Event(StreamEvent::Trade(s)) = one(&p, &spot) else {
            panic!()
        };
        assert_eq!(s.symbol.to_string(), "BTC/USDT");
    }

    #[test]
    fn replies_shutdown_and_errors() {
        let p = proto();
        assert!(matches!(one(&p, &fixture("subscribe_response.json")), Inbound::Ignore));
        assert!(matches!(one(&p, &fixture("server_shutdown.json")), Inbound::Reconnect));
        assert!(matches!(
            one(&p, r#"{"e":"serverShutdown","E":1770123456789}"#),
            Inbound::Reconnect
        ));
        let Inbound::Event(StreamEvent::Error(e)) = one(
            &p,
            r#"{"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"}"#,
        ) else {
            panic!()
        };
        assert_eq!(e.code(), Some("2"));
        assert!(e.message().contains("request ID"), "{e}");
        // A frame for a symbol this stream does not carry is skipped.
        let eth = r#"{"e":"aggTrade","E":1,"s":"ETHUSDT","a":1,"p":"1","q":"1","f":1,"l":1,"T":1,"m":true}"#;
        assert!(matches!(one(&p, eth), Inbound::Ignore));
    }

    #[test]
    fn malformed_frames_are_decode_errors() {
        let p = proto();
        for bad in [
            "{",
            "[1,2]",
            r#"{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"x","q":"1","T":1,"m":true}"#,
            r#"{"e":"aggTrade","E":1,"s":"BTCUSDT","p":"1","q":"1","T":1,"m":true}"#,
            r#"{"e":"depthUpdate","E":1,"s":"BTCUSDT","u":2,"pu":1,"b":[],"a":[]}"#,
            r#"{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":3,"u":2,"pu":1,"b":[],"a":[]}"#,
            r#"{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"pu":1,"b":[["1"]],"a":[]}"#,
            r#"{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"pu":1,"b":[["1","-1"]],"a":[]}"#,
            r#"{"e":"kline","E":1,"s":"BTCUSDT","k":{"t":1,"i":"7m","o":"1","h":"1","l":"1","c":"1","v":"1"}}"#,
            r#"{"e":"24hrTicker","E":1,"s":"BTCUSDT","o":"1"}"#,
            r#"{"e":"trade","E":1}"#,
        ] {
            let e = p.decode(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Decode, "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn decode_never_panics(text in "[\\[\\]{}\",:0-9a-zA-Z@.\\-]{0,160}") {
            let _ = proto().decode(&text);
        }

        #[test]
        fn decode_never_panics_on_depth_fields(u in proptest::num::u64::ANY, pu in proptest::num::i64::ANY, p in "[0-9.e-]{0,12}") {
            let text = format!(r#"{{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":{u},"u":{u},"pu":{pu},"b":[["{p}","1"]],"a":[]}}"#);
            let _ = proto().decode(&text);
        }
    }
}
