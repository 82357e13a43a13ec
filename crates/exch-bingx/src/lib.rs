//! # exch-bingx
//!
//! BingX spot (`/openApi/spot/...`) and USDT-margined perpetual swap V2
//! (`/openApi/swap/v2/...`) for the exch unified API, including the VST demo host.
//!
//! ```no_run
//! use exch_bingx::Bingx;
//! use exch_core::{ClientConfig, Credentials, Environment, Exchange, OrderRequest, Side, Symbol};
//! use rust_decimal::Decimal;
//!
//! # async fn run() -> exch_core::Result<()> {
//! // The demo (VST) host: same API, virtual USDT, perpetual swap only.
//! let config = ClientConfig::new()
//!     .environment(Environment::Demo)
//!     .credentials(Credentials::new("api-key", "secret"));
//! let bingx = Bingx::new(config)?;
//! let btc: Symbol = "BTC/USDT:USDT".parse()?; // sent as BTC-USDT
//! let book = bingx.order_book(&btc, Some(20)).await?;
//! let bid = book.best_bid().map(|l| l.price).unwrap_or(Decimal::ONE);
//! let order = OrderRequest::limit(btc, Side::Buy, Decimal::new(1, 3), bid)
//!     .post_only()
//!     .take_profit(bid * Decimal::new(11, 1), None)
//!     .build()?;
//! let placed = bingx.place_order(&order).await?;
//! println!("order {} is {:?}", placed.id, placed.status); // ids above 2^53 stay exact
//! # Ok(())
//! # }
//! ```
//!
//! What the client does for every call:
//!
//! * **Clock**: signed requests carry a timestamp on the server's clock; the offset is measured
//!   with `GET /openApi/swap/v2/server/time` (round-trip midpoint), cached and refreshed, and
//!   re-measured once after a timestamp-window rejection (code 100421).
//! * **Contracts**: spot symbols and perpetual contracts are discovered and cached for one
//!   hour (`ClientConfig::markets_ttl`). When a refresh fails, the previous list is used (with a
//!   warning); when there is none, the call fails with the discovery error. An order for a
//!   symbol BingX does not list is rejected before it is sent (`BadSymbol`), and an order that
//!   breaks tick, step, minimum quantity or minimum notional is rejected as `InvalidOrder`.
//! * **Limits**: 1200 requests per minute per IP, 1000 per minute for market data, 5 (swap)
//!   and 10 (spot) order calls per second, fed to the shared core limiter; HTTP 429 pauses the
//!   limiter for `Retry-After`.
//! * **Placement** is never retried: on an unknown outcome the order is looked up by its client
//!   order id ([`exch_core::order::place_reconciled`]). Reads retry with backoff.
//!
//! # Streams
//!
//! [`Bingx::stream`] subscribes to public market data of spot and perpetual swap symbols
//! (ticker, trades, order books, candles) on BingX's market-data WebSockets and returns a
//! reconnecting [`MarketStream`] of typed [`StreamEvent`]s; the wire lives in [`stream`]
//! ([`BingxStreams`]): one `sub` request per `dataType`, gzip frames, the swap `Ping`/`Pong`
//! and the spot `{"ping":..}`/`{"pong":..}` heartbeats. [`exch_core::stream::Channel::BOOK`]
//! is BingX's incremental book (`@incrDepth`: a full `action:"all"` snapshot, then deltas
//! whose `lastUpdateId` increases by one; a gap re-subscribes that book alone), and a book
//! with a depth is the partial-book snapshot stream (`@depth<N>`).
//!
//! ```no_run
//! use exch_bingx::{Bingx, StreamConfig, StreamEvent, Subscription};
//! use exch_core::{ClientConfig, Interval, Symbol};
//! use futures::StreamExt;
//!
//! # async fn run() -> exch_core::Result<()> {
//! let bingx = Bingx::new(ClientConfig::new())?;
//! let perp: Symbol = "BTC/USDT:USDT".parse()?;
//! let spot: Symbol = "BTC/USDT".parse()?; // same `BTC-USDT` on the wire, another connection
//! let subs = [
//!     Subscription::book(perp.clone()),
//!     Subscription::candles(perp, Interval::M1),
//!     Subscription::trades(spot),
//! ];
//! let mut events = bingx.stream(subs, StreamConfig::default()).await?;
//! while let Some(event) = events.next().await {
//!     match event {
//!         StreamEvent::BookUpdate(u) => println!("{} best ask {:?}", u.symbol, u.book.best_ask()),
//!         StreamEvent::Trade(t) => println!("{} {} @ {}", t.symbol, t.qty, t.price),
//!         StreamEvent::Error(e) => eprintln!("{e}"), // a bad frame; the stream goes on
//!         other => println!("{other:?}"),
//!     }
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod config;
pub mod errors;
pub mod parse;
pub mod rest;
pub mod sign;
#[cfg(feature = "sim")]
pub mod sim;
pub mod stream;
pub mod symbols;
pub mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use exch_core::clock::LocalClock;
use exch_core::paginate;
use exch_core::transport::{retry_after, HttpTransport, Request, VenueHooks};
use exch_core::{
    AccountKind, Balance, Candle, CandleQuery, Capabilities, ClientConfig, ClockSync, Environment, Error, ErrorKind,
    Exchange, Income, IncomeQuery, LimiterKey, LimiterRegistry, MarginMode, Market, MarketCache, MarketKind, MarketSet,
    Order, OrderBook, OrderQuery, OrderRef, OrderRequest, OrderType, Position, PositionMode, PositionSide, RateLimiter,
    Result, ScopeQuota, Support, Symbol, Ticker, TimestampMs, Trade, Venue,
};
use http::HeaderMap;

use crate::rest::Call;
use crate::symbols::SymbolMap;

pub use crate::stream::BingxStreams;
pub use exch_core::stream::{MarketStream, StreamConfig, StreamEvent, Subscription};

/// The BingX error table and usage headers, plugged into the core transport.
#[derive(Debug, Clone, Copy, Default)]
pub struct BingxHooks;

impl VenueHooks for BingxHooks {
    fn venue(&self) -> Venue {
        Venue::Bingx
    }

    fn map_error(&self, status: u16, headers: &HeaderMap, body: &[u8], endpoint: &str) -> Option<Error> {
        if (200..300).contains(&status) {
            // Business errors come in a 200 envelope; an undecodable body is left to the parser
            // (which reports `Decode` with an excerpt).
            // `ack` reads only the code (the data is skipped, not built): the body is decoded
            // once, by the parser.
            return parse::ack(body, endpoint)
                .err()
                .filter(|e| e.kind() != ErrorKind::Decode);
        }
        let text = String::from_utf8_lossy(body);
        let mut e = errors::http_error(status, &text, endpoint, retry_after(headers));
        if let Ok(env) = serde_json::from_slice::<wire::Envelope>(body) {
            if let Some(code) = env.code.filter(|c| *c != 0) {
                let b = errors::business_error(code, env.msg.as_deref().unwrap_or(""), endpoint, status);
                e = if matches!(status, 429 | 418 | 403) || status >= 500 {
                    b.with_kind(e.kind()).with_outcome_unknown(e.is_outcome_unknown())
                } else {
                    b
                };
                if let Some(d) = retry_after(headers) {
                    e = e.with_retry_after(d);
                }
            }
        }
        Some(e)
    }

    fn observe_headers(&self, headers: &HeaderMap, limiter: &RateLimiter) {
        // `X-RateLimit-Requests-Remain`: calls left in the current window.
        let remain = headers
            .get("X-RateLimit-Requests-Remain")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let (Some(remain), Some(q)) = (remain, limiter.quota(rest::SCOPE_ALL)) {
            limiter.observe_used(rest::SCOPE_ALL, u64::from(q.limit()).saturating_sub(remain));
        }
    }
}

/// The limiter scopes of a BingX client (`shared/venues/bingx.md` §5 and the issue's 1200/min).
pub fn limiter_scopes() -> Result<Vec<(&'static str, ScopeQuota)>> {
    Ok(vec![
        (rest::SCOPE_ALL, ScopeQuota::per_minute(config::REQUESTS_PER_MINUTE)?),
        (rest::SCOPE_MARKET, ScopeQuota::per_minute(config::MARKET_PER_MINUTE)?),
        (rest::SCOPE_SWAP_ORDER, ScopeQuota::per_second(5)?),
        (rest::SCOPE_SPOT_ORDER, ScopeQuota::per_second(10)?),
        (rest::SCOPE_MARGIN_TYPE, ScopeQuota::per_second(2)?),
    ])
}

/// A market list and the symbol map built from it.
type MapEntry = (Arc<MarketSet>, Arc<SymbolMap>);

struct Inner {
    config: ClientConfig,
    base_url: String,
    transport: HttpTransport,
    clock: ClockSync,
    markets: MarketCache,
    maps: Mutex<HashMap<MarketKind, MapEntry>>,
}

/// The BingX client: spot and USDT-margined perpetual swap.
#[derive(Clone)]
pub struct Bingx {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Bingx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bingx")
            .field("base_url", &self.inner.base_url)
            .field("environment", &self.inner.config.environment)
            .field("credentials", &self.inner.config.credentials)
            .field("clock", &self.inner.clock)
            .field("markets", &self.inner.markets)
            .finish()
    }
}

async fn fetch_server_time(transport: HttpTransport, base_url: String) -> Result<i64> {
    let call = rest::server_time();
    let local = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    let req = call.prepare(&base_url, None, local, config::DEFAULT_RECV_WINDOW_MS)?;
    let resp = transport.send_read(req).await?;
    parse::server_time(&resp.body, &call.endpoint())
}

impl Bingx {
    /// A client for `config`: production (`open-api.bingx.com`) or demo
    /// (`Environment::Demo`, the VST host `open-api-vst.bingx.com`); the API name `rest` (or
    /// `*`) overrides the host. BingX has no testnet (`Config` error).
    pub fn new(config: ClientConfig) -> Result<Bingx> {
        Self::with_registry(config, LimiterRegistry::global())
    }

    /// Like [`Bingx::new`] with a private limiter registry (tests).
    pub fn with_registry(config: ClientConfig, registry: &LimiterRegistry) -> Result<Bingx> {
        let base_url = config::rest_base_url(&config)?;
        let key = LimiterKey::for_credentials_at(Venue::Bingx, config.credentials.as_ref(), &base_url);
        let limiter = registry.limiter_with_scopes(&key, &limiter_scopes()?);
        let transport = HttpTransport::new(&config, Arc::new(BingxHooks), limiter)?;
        let probe_transport = transport.clone();
        let probe_base = base_url.clone();
        let clock = ClockSync::from_config(&config, move || {
            fetch_server_time(probe_transport.clone(), probe_base.clone())
        });
        Ok(Bingx {
            inner: Arc::new(Inner {
                markets: MarketCache::from_config(&config),
                config,
                base_url,
                transport,
                clock,
                maps: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// Replaces the local clock used for request timestamps (tests and fixed-clock drills).
    pub fn with_local_clock(self, clock: Arc<dyn LocalClock>) -> Result<Bingx> {
        let inner = Arc::try_unwrap(self.inner).map_err(|_| {
            Error::new(ErrorKind::Config, "set the local clock before cloning the client").with_venue(Venue::Bingx)
        })?;
        let probe_transport = inner.transport.clone();
        let probe_base = inner.base_url.clone();
        let clock = ClockSync::from_config(&inner.config, move || {
            fetch_server_time(probe_transport.clone(), probe_base.clone())
        })
        .with_local_clock(clock);
        Ok(Bingx {
            inner: Arc::new(Inner { clock, ..inner }),
        })
    }

    /// The REST base URL in use.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The clock synchronisation state (offset to BingX's clock).
    pub fn clock(&self) -> &ClockSync {
        &self.inner.clock
    }

    /// The shared rate limiter of this client's key.
    pub fn limiter(&self) -> &Arc<RateLimiter> {
        self.inner.transport.limiter()
    }

    fn recv_window_ms(&self) -> u64 {
        u64::try_from(self.inner.config.recv_window.as_millis()).unwrap_or(config::DEFAULT_RECV_WINDOW_MS)
    }

    fn prepare(&self, call: &Call, timestamp: i64) -> Result<Request> {
        call.prepare(
            &self.inner.base_url,
            self.inner.config.credentials.as_ref(),
            timestamp,
            self.recv_window_ms(),
        )
    }

    /// Sends one call and returns the response body.
    ///
    /// * Reads go through the transport's retry policy (5xx, 429 after `Retry-After`, network
    ///   errors), re-signed on every attempt; a timestamp-window rejection (code 100421
    ///   "timestamp mismatch") re-measures the clock offset and sends the read once more
    ///   ([`HttpTransport::send_read_synced`]).
    /// * Writes are sent once; a timestamp-window rejection of a signed write re-measures the
    ///   clock and sends it once more, freshly signed ([`ClockSync::with_resync`]): BingX
    ///   rejects a bad timestamp before doing anything, so the write was not executed.
    pub async fn send(&self, call: &Call) -> Result<Vec<u8>> {
        if call.signed && self.inner.config.credentials.is_none() {
            return Err(Error::new(
                ErrorKind::Auth,
                format!("{} needs API credentials (ClientConfig::credentials)", call.endpoint()),
            )
            .with_venue(Venue::Bingx));
        }
        let clock = &self.inner.clock;
        let transport = &self.inner.transport;
        if call.signed {
            if let Err(e) = clock.ensure_fresh().await {
                tracing::warn!(error = %e, "BingX server time unavailable; signing with the local clock");
            }
        }
        let resp = if call.idempotent() {
            transport.send_read_synced(clock, |now| self.prepare(call, now)).await?
        } else if call.signed {
            clock
                .with_resync(|| async { transport.send(self.prepare(call, clock.now_ms())?).await })
                .await?
        } else {
            transport.send(self.prepare(call, clock.now_ms())?).await?
        };
        Ok(resp.body.to_vec())
    }

    async fn load_markets(&self, kind: MarketKind) -> Result<Vec<Market>> {
        let (call, spot) = match kind {
            MarketKind::Spot => {
                if self.inner.config.environment == Environment::Demo
                    && !self.inner.config.base_urls.contains_key(config::API_REST)
                    && !self.inner.config.base_urls.contains_key("*")
                {
                    return Err(Error::new(
                        ErrorKind::Unsupported,
                        "the BingX VST demo covers the perpetual swap only (no spot demo)",
                    )
                    .with_venue(Venue::Bingx));
                }
                (rest::spot_symbols(), true)
            }
            MarketKind::LinearPerpetual => (rest::swap_contracts(), false),
            MarketKind::InversePerpetual => return Err(Error::unsupported(Venue::Bingx, "coin-margined swaps")),
        };
        let body = self.send(&call).await?;
        if spot {
            parse::spot_symbols(&body, &call.endpoint())
        } else {
            parse::swap_contracts(&body, &call.endpoint())
        }
    }

    /// The markets of `kind` (cached one hour). When a refresh fails and an older list exists,
    /// the older list is used and a warning logged; with no list at all the error is returned,
    /// saying that discovery failed ([`MarketCache::get_or_stale`]).
    pub async fn market_set(&self, kind: MarketKind) -> Result<Arc<MarketSet>> {
        self.inner
            .markets
            .get_or_stale(kind, || self.load_markets(kind))
            .await
            .map_err(|e| e.with_venue(Venue::Bingx))
    }

    /// The symbol map of `kind`, rebuilt only when the market list changes.
    pub async fn symbol_map(&self, kind: MarketKind) -> Result<Arc<SymbolMap>> {
        let set = self.market_set(kind).await?;
        let mut maps = self.inner.maps.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((s, m)) = maps.get(&kind) {
            if Arc::ptr_eq(s, &set) {
                return Ok(m.clone());
            }
        }
        let m = Arc::new(SymbolMap::from_markets(set.markets()));
        maps.insert(kind, (set, m.clone()));
        Ok(m)
    }

    /// The public market-data stream protocol of this client's hosts (see [`stream::ws_urls`]),
    /// with the symbol maps of the markets `subs` use loaded.
    pub async fn stream_protocol(&self, subs: &[Subscription]) -> Result<BingxStreams> {
        let mut proto = BingxStreams::new(&self.inner.config)?;
        let mut kinds: Vec<MarketKind> = subs.iter().map(|s| s.symbol.kind()).collect();
        kinds.sort();
        kinds.dedup();
        for kind in kinds {
            // Fails early (without loading) for a market BingX does not stream here.
            proto.url_of(kind)?;
            proto = proto.with_markets(kind, self.symbol_map(kind).await?);
        }
        Ok(proto)
    }

    /// Subscribes to public market data (ticker, trades, books, candles) of spot
    /// (`BTC/USDT`) and perpetual swap (`BTC/USDT:USDT`) symbols and returns the reconnecting
    /// stream of typed events.
    ///
    /// Loads the markets of the subscribed kinds first (a symbol BingX does not list is a
    /// `BadSymbol` error, a channel it lacks `Unsupported`), then hands [`BingxStreams`] to
    /// [`exch_core::stream::subscribe`]. [`exch_core::stream::Channel::BOOK`] is BingX's
    /// incremental book (`@incrDepth`, checked for consecutive update ids, re-subscribed on a
    /// gap); a book with a depth is the partial-book snapshot stream (`@depth<N>`).
    ///
    /// ```no_run
    /// use exch_bingx::{Bingx, StreamConfig, StreamEvent, Subscription};
    /// use exch_core::{ClientConfig, Symbol};
    /// use futures::StreamExt;
    ///
    /// # async fn run() -> exch_core::Result<()> {
    /// let bingx = Bingx::new(ClientConfig::new())?;
    /// let perp: Symbol = "BTC/USDT:USDT".parse()?;
    /// let mut events = bingx
    ///     .stream([Subscription::book(perp.clone()), Subscription::trades(perp)], StreamConfig::default())
    ///     .await?;
    /// while let Some(ev) = events.next().await {
    ///     if let StreamEvent::BookUpdate(u) = ev {
    ///         println!("best bid {:?}", u.book.best_bid());
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
        let proto = self.stream_protocol(&subs).await?;
        exch_core::stream::subscribe(Arc::new(proto), subs, config)
    }

    async fn native(&self, symbol: &Symbol) -> Result<(Arc<SymbolMap>, String)> {
        let map = self.symbol_map(symbol.kind()).await?;
        let native = map.native(symbol)?.to_string();
        Ok((map, native))
    }

    fn perp_only(&self, symbol: &Symbol, op: &str) -> Result<()> {
        if symbol.kind() == MarketKind::LinearPerpetual {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::BadSymbol,
                format!("{op} applies to BingX perpetual swaps (BASE/USDT:USDT), not {symbol}"),
            )
            .with_venue(Venue::Bingx))
        }
    }

    /// The account's position mode (hedge or one-way).
    pub async fn position_mode(&self) -> Result<PositionMode> {
        let call = rest::get_position_mode();
        let body = self.send(&call).await?;
        parse::position_mode(&body, &call.endpoint())
    }

    /// Asks the demo (VST) environment for virtual USDT (`POST /openApi/swap/v1/trade/getVst`).
    /// Only in `Environment::Demo`; elsewhere a `Config` error, and nothing is sent.
    pub async fn request_demo_funds(&self) -> Result<()> {
        if self.inner.config.environment != Environment::Demo {
            return Err(Error::new(
                ErrorKind::Config,
                "demo funds (VST) exist only in Environment::Demo (open-api-vst.bingx.com)",
            )
            .with_venue(Venue::Bingx));
        }
        let call = rest::get_vst();
        let body = self.send(&call).await?;
        parse::ack(&body, &call.endpoint())
    }

    async fn send_order(&self, kind: MarketKind, native: &str, req: &OrderRequest, cid: &str) -> Result<Order> {
        let call = rest::place_order(kind, native, req, cid)?;
        let body = self.send(&call).await?;
        let map = self.symbol_map(kind).await?;
        let o = parse::order(&body, &call.endpoint(), kind, &map, Some(&req.symbol))?;
        Ok(parse::merge_placed(o, req, cid))
    }

    async fn closing_orders(&self, symbol: &Symbol) -> Result<Vec<String>> {
        let (_, native) = self.native(symbol).await?;
        let call = rest::close_all_positions(Some(&native));
        let body = self.send(&call).await?;
        parse::close_all(&body, &call.endpoint())
    }
}

#[async_trait]
impl Exchange for Bingx {
    fn venue(&self) -> Venue {
        Venue::Bingx
    }

    fn capabilities(&self) -> Capabilities {
        let kinds = if self.inner.config.environment == Environment::Demo {
            vec![MarketKind::LinearPerpetual]
        } else {
            vec![MarketKind::Spot, MarketKind::LinearPerpetual]
        };
        let mut c = Capabilities::all_native(Venue::Bingx, kinds);
        c.candles = Support::Emulated; // paginated client-side over the venue's 1440-bar pages
        c
    }

    async fn server_time(&self) -> Result<TimestampMs> {
        let call = rest::server_time();
        let body = self.send(&call).await?;
        parse::server_time(&body, &call.endpoint())
    }

    async fn markets(&self, kind: MarketKind) -> Result<Vec<Market>> {
        Ok(self.market_set(kind).await?.markets().to_vec())
    }

    async fn ticker(&self, symbol: &Symbol) -> Result<Ticker> {
        let (map, native) = self.native(symbol).await?;
        let call = rest::ticker(symbol.kind(), Some(&native))?;
        let body = self.send(&call).await?;
        parse::ticker(&body, &call.endpoint(), symbol, &map)
    }

    async fn tickers(&self, kind: MarketKind) -> Result<Vec<Ticker>> {
        let map = self.symbol_map(kind).await?;
        let call = rest::ticker(kind, None)?;
        let body = self.send(&call).await?;
        parse::tickers(&body, &call.endpoint(), kind, &map)
    }

    async fn order_book(&self, symbol: &Symbol, depth: Option<usize>) -> Result<OrderBook> {
        let (_, native) = self.native(symbol).await?;
        let call = rest::order_book(symbol.kind(), &native, depth)?;
        let body = self.send(&call).await?;
        let mut book = parse::order_book(&body, &call.endpoint(), symbol)?;
        if let Some(d) = depth {
            book.bids.truncate(d);
            book.asks.truncate(d);
        }
        Ok(book)
    }

    async fn trades(&self, symbol: &Symbol, limit: Option<usize>) -> Result<Vec<Trade>> {
        let (_, native) = self.native(symbol).await?;
        let call = rest::trades(symbol.kind(), &native, limit)?;
        let body = self.send(&call).await?;
        parse::trades(&body, &call.endpoint(), symbol)
    }

    async fn candles(&self, query: &CandleQuery) -> Result<Vec<Candle>> {
        let (_, native) = self.native(&query.symbol).await?;
        let kind = query.symbol.kind();
        rest::klines(kind, &native, query.interval, None, None, None)?;
        let now = self.inner.clock.now_ms();
        // Windows of exactly one page (1440 bars) fit one response whether BingX anchors a
        // too-large answer at the start or the end; the latest bars are read as one such range.
        let range = paginate::Range {
            until: query.until.or(query.since.map(|_| now)),
            default_limit: Some(rest::DEFAULT_KLINES),
            ..paginate::Range::of(query)
        };
        let strategy = paginate::Strategy {
            forward: paginate::Forward::Windows,
            latest: paginate::Latest::Range { now },
        };
        paginate::candles(
            range,
            strategy,
            |_| rest::MAX_KLINES,
            |w| {
                let (start, end, limit) = match w {
                    paginate::Window::Forward { start, end, count } => (Some(start), end, Some(count)),
                    paginate::Window::Backward { end, count } => (None, end, count),
                };
                let native = native.clone();
                async move {
                    let call = rest::klines(kind, &native, query.interval, start, end, limit)?;
                    let body = self.send(&call).await?;
                    parse::candles(&body, &call.endpoint())
                }
            },
        )
        .await
    }

    async fn place_order(&self, request: &OrderRequest) -> Result<Order> {
        request.check()?;
        let kind = request.symbol.kind();
        // The contract must exist (and follow its rules) before anything is sent.
        let set = self.market_set(kind).await?;
        let market = set.get(&request.symbol).cloned().ok_or_else(|| {
            Error::new(
                ErrorKind::BadSymbol,
                format!("{} is not listed on BingX; the order was not sent", request.symbol),
            )
            .with_venue(Venue::Bingx)
        })?;
        market.validate(request, None).map_err(|e| e.with_venue(Venue::Bingx))?;
        let native = market.venue_symbol.clone();
        let mut cid = request
            .client_order_id
            .clone()
            .unwrap_or_else(exch_core::new_client_order_id);
        if kind == MarketKind::LinearPerpetual {
            // BingX stores swap client ids lower-cased; use that form for the lookup too.
            cid = cid.to_ascii_lowercase();
        }
        rest::check_client_order_id(&cid)?;
        let symbol = request.symbol.clone();
        let lookup_id = OrderRef::Client(cid.clone());
        exch_core::order::place_reconciled(&cid, self.send_order(kind, &native, request, &cid), || {
            self.order(&symbol, &lookup_id)
        })
        .await
    }

    async fn cancel_order(&self, symbol: &Symbol, order: &OrderRef) -> Result<Order> {
        let (map, native) = self.native(symbol).await?;
        let call = rest::cancel_order(symbol.kind(), &native, order)?;
        let body = self.send(&call).await?;
        parse::order(&body, &call.endpoint(), symbol.kind(), &map, Some(symbol))
    }

    async fn cancel_all_orders(&self, symbol: &Symbol) -> Result<Vec<Order>> {
        let (map, native) = self.native(symbol).await?;
        let call = rest::cancel_all(symbol.kind(), &native)?;
        let body = self.send(&call).await?;
        parse::orders(&body, &call.endpoint(), symbol.kind(), &map, Some(symbol))
    }

    async fn order(&self, symbol: &Symbol, order: &OrderRef) -> Result<Order> {
        let (map, native) = self.native(symbol).await?;
        let call = rest::get_order(symbol.kind(), &native, order)?;
        let body = self.send(&call).await?;
        parse::order(&body, &call.endpoint(), symbol.kind(), &map, Some(symbol))
    }

    async fn open_orders(&self, symbol: Option<&Symbol>, kind: MarketKind) -> Result<Vec<Order>> {
        let kind = symbol.map_or(kind, Symbol::kind);
        let map = self.symbol_map(kind).await?;
        let native = symbol.map(|s| map.native(s).map(str::to_string)).transpose()?;
        let call = rest::open_orders(kind, native.as_deref())?;
        let body = self.send(&call).await?;
        parse::orders(&body, &call.endpoint(), kind, &map, symbol)
    }

    async fn order_history(&self, query: &OrderQuery) -> Result<Vec<Order>> {
        let symbol = query.symbol.as_ref().ok_or_else(|| {
            Error::new(ErrorKind::BadRequest, "BingX order history needs a symbol").with_venue(Venue::Bingx)
        })?;
        let (map, native) = self.native(symbol).await?;
        let call = rest::order_history(symbol.kind(), Some(&native), query.since, query.until, query.limit)?;
        let body = self.send(&call).await?;
        let mut orders = parse::orders(&body, &call.endpoint(), symbol.kind(), &map, Some(symbol))?;
        orders.sort_by_key(|o| o.created_at);
        Ok(orders)
    }

    async fn balances(&self, account: AccountKind) -> Result<Vec<Balance>> {
        let kind = match account {
            AccountKind::Spot => MarketKind::Spot,
            AccountKind::Perpetual => MarketKind::LinearPerpetual,
        };
        let call = rest::balances(kind)?;
        let body = self.send(&call).await?;
        match kind {
            MarketKind::Spot => parse::spot_balances(&body, &call.endpoint()),
            _ => parse::swap_balances(&body, &call.endpoint()),
        }
    }

    async fn positions(&self, symbol: Option<&Symbol>) -> Result<Vec<Position>> {
        if let Some(s) = symbol {
            self.perp_only(s, "positions")?;
        }
        let map = self.symbol_map(MarketKind::LinearPerpetual).await?;
        let native = symbol.map(|s| map.native(s).map(str::to_string)).transpose()?;
        let call = rest::positions(native.as_deref());
        let body = self.send(&call).await?;
        let mut out = parse::positions(&body, &call.endpoint(), &map)?;
        if let Some(s) = symbol {
            out.retain(|p| &p.symbol == s);
        }
        Ok(out)
    }

    async fn set_leverage(&self, symbol: &Symbol, leverage: u32) -> Result<()> {
        self.perp_only(symbol, "set_leverage")?;
        let (_, native) = self.native(symbol).await?;
        let sides: &[&str] = match self.position_mode().await? {
            PositionMode::Hedge => &["LONG", "SHORT"],
            PositionMode::OneWay => &["BOTH"],
        };
        for side in sides {
            let call = rest::set_leverage(&native, leverage, side);
            let body = self.send(&call).await?;
            parse::ack(&body, &call.endpoint())?;
        }
        Ok(())
    }

    async fn set_margin_mode(&self, symbol: &Symbol, mode: MarginMode) -> Result<()> {
        self.perp_only(symbol, "set_margin_mode")?;
        let (_, native) = self.native(symbol).await?;
        let call = rest::set_margin_mode(&native, mode);
        let body = self.send(&call).await?;
        parse::ack(&body, &call.endpoint())
    }

    async fn set_position_mode(&self, mode: PositionMode) -> Result<()> {
        let call = rest::set_position_mode(mode);
        let body = self.send(&call).await?;
        parse::ack(&body, &call.endpoint())
    }

    async fn income(&self, query: &IncomeQuery) -> Result<Vec<Income>> {
        let map = self.symbol_map(MarketKind::LinearPerpetual).await?;
        let native = query
            .symbol
            .as_ref()
            .map(|s| map.native(s).map(str::to_string))
            .transpose()?;
        let call = rest::income(native.as_deref(), query);
        let body = self.send(&call).await?;
        parse::income(&body, &call.endpoint(), &map)
    }

    /// With `side == None`, BingX's own close (`POST /openApi/swap/v2/trade/closeAllPositions`
    /// for the symbol, every side) and the first closing order as BingX reports it; with a side,
    /// a market order closing that side.
    async fn close_position(&self, symbol: &Symbol, side: Option<PositionSide>) -> Result<Order> {
        self.perp_only(symbol, "close_position")?;
        if side.is_some() {
            return exch_core::exchange::close_position_by_market(self, symbol, side).await;
        }
        let ids = self.closing_orders(symbol).await?;
        let id = ids.into_iter().next().ok_or_else(|| {
            Error::new(ErrorKind::BadRequest, format!("no open position on {symbol}")).with_venue(Venue::Bingx)
        })?;
        self.order(symbol, &OrderRef::Id(id)).await
    }
}

/// The order type BingX uses for an order (for logs and the CLI).
pub fn order_type_name(kind: MarketKind, t: OrderType) -> &'static str {
    match (kind, t) {
        (MarketKind::Spot, OrderType::StopMarket) => "TRIGGER_MARKET",
        (MarketKind::Spot, OrderType::StopLimit) => "TRIGGER_LIMIT",
        (MarketKind::Spot, OrderType::TakeProfitMarket) => "TAKE_STOP_MARKET",
        (MarketKind::Spot, OrderType::TakeProfitLimit) => "TAKE_STOP_LIMIT",
        (_, OrderType::Market) => "MARKET",
        (_, OrderType::Limit) => "LIMIT",
        (_, OrderType::StopMarket) => "STOP_MARKET",
        (_, OrderType::StopLimit) => "STOP",
        (_, OrderType::TakeProfitMarket) => "TAKE_PROFIT_MARKET",
        (_, OrderType::TakeProfitLimit) => "TAKE_PROFIT",
        (_, OrderType::TrailingStop) => "TRAILING_STOP_MARKET",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_uses_the_vst_host_and_overrides_win() {
        let reg = LimiterRegistry::new();
        let demo = Bingx::with_registry(ClientConfig::new().environment(Environment::Demo), &reg).unwrap();
        assert_eq!(demo.base_url(), config::VST_REST);
        assert_eq!(demo.capabilities().market_kinds, vec![MarketKind::LinearPerpetual]);
        let prod = Bingx::with_registry(ClientConfig::new(), &reg).unwrap();
        assert_eq!(prod.base_url(), config::PROD_REST);
        let sim = Bingx::with_registry(ClientConfig::new().base_url("rest", "http://127.0.0.1:9"), &reg).unwrap();
        assert_eq!(sim.base_url(), "http://127.0.0.1:9");
        let e = Bingx::with_registry(ClientConfig::new().environment(Environment::Testnet), &reg).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
    }

    #[tokio::test]
    async fn demo_has_no_spot_and_demo_funds_need_demo() {
        let reg = LimiterRegistry::new();
        let demo = Bingx::with_registry(ClientConfig::new().environment(Environment::Demo), &reg).unwrap();
        let e = demo.markets(MarketKind::Spot).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
        let prod = Bingx::with_registry(ClientConfig::new(), &reg).unwrap();
        assert_eq!(prod.request_demo_funds().await.unwrap_err().kind(), ErrorKind::Config);
        assert_eq!(
            prod.markets(MarketKind::InversePerpetual).await.unwrap_err().kind(),
            ErrorKind::Unsupported
        );
    }

    #[test]
    fn usage_header_feeds_the_limiter() {
        let reg = LimiterRegistry::new();
        let bx = Bingx::with_registry(ClientConfig::new(), &reg).unwrap();
        let mut hm = HeaderMap::new();
        hm.insert("X-RateLimit-Requests-Remain", "0".parse().unwrap());
        BingxHooks.observe_headers(&hm, bx.limiter());
        assert_eq!(
            bx.limiter().usage(rest::SCOPE_ALL).map(|u| u.used),
            Some(u64::from(config::REQUESTS_PER_MINUTE))
        );
        assert!(bx.limiter().scope_paused_until(rest::SCOPE_ALL).is_some());
    }

    #[test]
    fn hooks_map_business_errors_in_200() {
        let h = BingxHooks;
        let e = h
            .map_error(
                200,
                &HeaderMap::new(),
                br#"{"code":100413,"msg":"Incorrect apiKey"}"#,
                "GET /x",
            )
            .unwrap();
        assert_eq!(e.kind(), ErrorKind::Auth);
        assert!(h
            .map_error(200, &HeaderMap::new(), br#"{"code":0,"data":{}}"#, "GET /x")
            .is_none());
        assert!(h.map_error(200, &HeaderMap::new(), b"{not json", "GET /x").is_none());
        let mut hm = HeaderMap::new();
        hm.insert("retry-after", "3".parse().unwrap());
        let e = h.map_error(429, &hm, b"", "GET /x").unwrap();
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(3)));
    }
}
