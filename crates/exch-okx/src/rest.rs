//! Request building for every OKX endpoint the client uses (method, path, query, body,
//! headers) and the endpoint rate limits.
//!
//! Builders are pure: they take market data and return a [`RestRequest`], so the request side
//! is snapshot-tested and compared with CCXT without a network. [`RestRequest::headers`] signs
//! with a given clock and key. [`RestClient`] sends them through the core transport,
//! limiter and clock.

use std::time::Duration;

use exch_core::sign::Query;
use exch_core::{
    Credentials, Decimal, Error, ErrorKind, Interval, MarginMode, Market, MarketKind, OrderRef, OrderRequest,
    OrderType, PositionMode, PositionSide, Result, Side, TimeInForce, TimestampMs, Venue,
};
use std::sync::Arc;

use exch_core::paginate::{self, Window};
use exch_core::transport::{self, HttpTransport, VenueHooks};
use exch_core::{ClockSync, LimiterKey, LimiterRegistry, ScopeQuota};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::config::{OkxConfig, DEMO_HEADER};
use crate::sign::{auth_headers, iso_timestamp};
use crate::symbols::inst_type;

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Method {
    /// GET: parameters in the query, signed with the path.
    #[serde(rename = "GET")]
    Get,
    /// POST: JSON body, signed as sent.
    #[serde(rename = "POST")]
    Post,
}

impl Method {
    /// `GET` or `POST`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// What a rate limit is keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKey {
    /// Per IP (public endpoints).
    Ip,
    /// Per user id (private endpoints).
    Uid,
    /// Per user id and instrument (trading endpoints).
    UidInstrument,
}

/// One endpoint with its documented limit (`limit` requests per `interval`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// Method.
    pub method: Method,
    /// Path from `/api/v5/`.
    pub path: &'static str,
    /// True when the request is signed.
    pub private: bool,
    /// Requests allowed per interval.
    pub limit: u32,
    /// The interval, ms.
    pub interval_ms: u64,
    /// What the limit is keyed by.
    pub key: LimitKey,
}

impl Endpoint {
    /// `METHOD path`, the rate-limit scope name and the endpoint label of errors.
    pub fn label(&self) -> String {
        format!("{} {}", self.method.as_str(), self.path)
    }

    /// The limit window.
    pub fn interval(&self) -> Duration {
        Duration::from_millis(self.interval_ms)
    }
}

const fn ep(method: Method, path: &'static str, private: bool, limit: u32, key: LimitKey) -> Endpoint {
    Endpoint {
        method,
        path,
        private,
        limit,
        interval_ms: 2000,
        key,
    }
}

use LimitKey::{Ip, Uid, UidInstrument};
use Method::{Get, Post};

/// Every endpoint, with the limits of `shared/venues/okx.md` §4 (N requests per 2 s).
pub mod endpoints {
    use super::*;
    /// Server time: 10/2s IP.
    pub const TIME: Endpoint = ep(Get, "/api/v5/public/time", false, 10, Ip);
    /// Instruments: 20/2s IP.
    pub const INSTRUMENTS: Endpoint = ep(Get, "/api/v5/public/instruments", false, 20, Ip);
    /// One ticker: 20/2s IP.
    pub const TICKER: Endpoint = ep(Get, "/api/v5/market/ticker", false, 20, Ip);
    /// All tickers: 20/2s IP.
    pub const TICKERS: Endpoint = ep(Get, "/api/v5/market/tickers", false, 20, Ip);
    /// Order book up to 400 levels: 40/2s IP.
    pub const BOOKS: Endpoint = ep(Get, "/api/v5/market/books", false, 40, Ip);
    /// Order book up to 5000 levels: 10/2s IP.
    pub const BOOKS_FULL: Endpoint = ep(Get, "/api/v5/market/books-full", false, 10, Ip);
    /// Recent trades: 100/2s IP.
    pub const TRADES: Endpoint = ep(Get, "/api/v5/market/trades", false, 100, Ip);
    /// Recent candles (latest 1440 bars, 300 per call): 40/2s IP.
    pub const CANDLES: Endpoint = ep(Get, "/api/v5/market/candles", false, 40, Ip);
    /// Older candles (100 per call): 20/2s IP.
    pub const HISTORY_CANDLES: Endpoint = ep(Get, "/api/v5/market/history-candles", false, 20, Ip);
    /// Place order: 60/2s per UID and instrument.
    pub const PLACE: Endpoint = ep(Post, "/api/v5/trade/order", true, 60, UidInstrument);
    /// Place algo order: 20/2s UID.
    pub const PLACE_ALGO: Endpoint = ep(Post, "/api/v5/trade/order-algo", true, 20, Uid);
    /// Cancel order: 60/2s per UID and instrument.
    pub const CANCEL: Endpoint = ep(Post, "/api/v5/trade/cancel-order", true, 60, UidInstrument);
    /// Batch cancel (≤20 orders): 300 orders/2s, counted here as 15 calls of 20.
    pub const CANCEL_BATCH: Endpoint = ep(Post, "/api/v5/trade/cancel-batch-orders", true, 15, UidInstrument);
    /// Cancel algo orders: 20/2s UID.
    pub const CANCEL_ALGOS: Endpoint = ep(Post, "/api/v5/trade/cancel-algos", true, 20, Uid);
    /// Order details: 60/2s UID.
    pub const ORDER: Endpoint = ep(Get, "/api/v5/trade/order", true, 60, Uid);
    /// Algo order details: 20/2s UID.
    pub const ORDER_ALGO: Endpoint = ep(Get, "/api/v5/trade/order-algo", true, 20, Uid);
    /// Open orders: 60/2s UID.
    pub const ORDERS_PENDING: Endpoint = ep(Get, "/api/v5/trade/orders-pending", true, 60, Uid);
    /// Order history (7 days): 40/2s UID.
    pub const ORDERS_HISTORY: Endpoint = ep(Get, "/api/v5/trade/orders-history", true, 40, Uid);
    /// Trading-account balance: 10/2s UID.
    pub const BALANCE: Endpoint = ep(Get, "/api/v5/account/balance", true, 10, Uid);
    /// Positions: 10/2s UID.
    pub const POSITIONS: Endpoint = ep(Get, "/api/v5/account/positions", true, 10, Uid);
    /// Account configuration (position mode): 5/2s UID.
    pub const ACCOUNT_CONFIG: Endpoint = ep(Get, "/api/v5/account/config", true, 5, Uid);
    /// Set leverage: 20/2s UID.
    pub const SET_LEVERAGE: Endpoint = ep(Post, "/api/v5/account/set-leverage", true, 20, Uid);
    /// Set position mode: 5/2s UID.
    pub const SET_POSITION_MODE: Endpoint = ep(Post, "/api/v5/account/set-position-mode", true, 5, Uid);
    /// Bills (7 days): 5/s UID, i.e. 10/2s.
    pub const BILLS: Endpoint = ep(Get, "/api/v5/account/bills", true, 10, Uid);

    /// Every endpoint above.
    pub const ALL: &[Endpoint] = &[
        TIME,
        INSTRUMENTS,
        TICKER,
        TICKERS,
        BOOKS,
        BOOKS_FULL,
        TRADES,
        CANDLES,
        HISTORY_CANDLES,
        PLACE,
        PLACE_ALGO,
        CANCEL,
        CANCEL_BATCH,
        CANCEL_ALGOS,
        ORDER,
        ORDER_ALGO,
        ORDERS_PENDING,
        ORDERS_HISTORY,
        BALANCE,
        POSITIONS,
        ACCOUNT_CONFIG,
        SET_LEVERAGE,
        SET_POSITION_MODE,
        BILLS,
    ];
}

use endpoints as e;

/// Maximum orders per `cancel-batch-orders` call.
pub const CANCEL_BATCH_MAX: usize = 20;
/// Maximum rows per `/market/candles` call.
pub const CANDLES_MAX: usize = 300;
/// Maximum rows per `/market/history-candles` call.
pub const HISTORY_CANDLES_MAX: usize = 100;
/// Bars reachable through `/market/candles` (older ones need `history-candles`).
pub const CANDLES_RECENT_BARS: i64 = 1440;
/// Bars returned for the latest candles when the caller sets no limit (OKX's and CCXT's default).
pub const CANDLES_DEFAULT: usize = 100;

/// How OKX pages candles: forward windows bounded on both sides (`before`/`after`), and
/// backward pages (`after`) for the latest bars; a short page is not the end (the page size
/// changes at the `history-candles` boundary).
pub const CANDLE_PAGING: paginate::Strategy = paginate::Strategy {
    forward: paginate::Forward::Windows,
    latest: paginate::Latest::Pages { short_page_ends: false },
};

/// The [`paginate::Range`] of `q` at time `now`: forward walks end at `until` or `now`.
pub fn candle_range(q: &exch_core::CandleQuery, now: TimestampMs) -> paginate::Range {
    paginate::Range {
        until: q.until.or(q.since.map(|_| now)),
        default_limit: Some(CANDLES_DEFAULT),
        ..paginate::Range::of(q)
    }
}
/// Maximum rows per page of order history and bills.
pub const PAGE_MAX: usize = 100;
/// Maximum `sz` of `/market/books`.
pub const BOOKS_MAX: usize = 400;
/// Maximum `sz` of `/market/books-full`.
pub const BOOKS_FULL_MAX: usize = 5000;

/// A request ready to sign and send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestRequest {
    /// Method.
    pub method: Method,
    /// Path, e.g. `/api/v5/trade/order`.
    pub path: &'static str,
    /// Query string without `?` (GET), in send order.
    pub query: String,
    /// JSON body exactly as sent (POST).
    pub body: Option<String>,
    /// True when signed.
    pub private: bool,
    /// The instrument, for per-instrument rate limits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inst_id: Option<String>,
    /// The endpoint and its limit.
    #[serde(skip)]
    pub endpoint: Endpoint,
}

impl RestRequest {
    fn get(endpoint: Endpoint, query: Query) -> Self {
        RestRequest {
            method: Method::Get,
            path: endpoint.path,
            query: query.into_string(),
            body: None,
            private: endpoint.private,
            inst_id: None,
            endpoint,
        }
    }

    fn post<T: Serialize + ?Sized>(endpoint: Endpoint, body: &T) -> Result<Self> {
        let body = serde_json::to_string(body)
            .map_err(|err| Error::new(ErrorKind::BadRequest, format!("cannot encode request: {err}")))?;
        Ok(RestRequest {
            method: Method::Post,
            path: endpoint.path,
            query: String::new(),
            body: Some(body),
            private: endpoint.private,
            inst_id: None,
            endpoint,
        })
    }

    fn for_inst(mut self, inst_id: &str) -> Self {
        self.inst_id = Some(inst_id.to_string());
        self
    }

    /// The path with `?query` when there is one: what GET requests sign.
    pub fn request_path(&self) -> String {
        if self.query.is_empty() {
            self.path.to_string()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }

    /// The body text (empty for GET).
    pub fn body_text(&self) -> &str {
        self.body.as_deref().unwrap_or("")
    }

    /// The headers to send at `now_ms`: content type, the demo header in demo mode, and for
    /// private requests the four `OK-ACCESS-*` headers. A private request without credentials
    /// is an `Auth` error.
    pub fn headers(
        &self,
        credentials: Option<&Credentials>,
        now_ms: TimestampMs,
        demo: bool,
    ) -> Result<Vec<(String, String)>> {
        let mut h = vec![("Content-Type".to_string(), "application/json".to_string())];
        if demo {
            h.push((DEMO_HEADER.to_string(), "1".to_string()));
        }
        if self.private {
            let c = credentials.ok_or_else(|| {
                Error::new(
                    ErrorKind::Auth,
                    "this OKX endpoint needs credentials (key, secret, passphrase)",
                )
                .with_venue(Venue::Okx)
                .with_endpoint(self.endpoint.label())
            })?;
            let ts = iso_timestamp(now_ms);
            for (k, v) in auth_headers(c, &ts, self.method.as_str(), &self.request_path(), self.body_text()) {
                h.push((k.to_string(), v));
            }
        }
        Ok(h)
    }
}

/// A decimal as OKX expects it: plain notation, no trailing zeros.
pub fn num(d: Decimal) -> String {
    d.normalize().to_string()
}

/// `GET /api/v5/public/time`.
pub fn server_time() -> RestRequest {
    RestRequest::get(e::TIME, Query::new())
}

/// `GET /api/v5/public/instruments?instType=`.
pub fn instruments(kind: MarketKind) -> RestRequest {
    let mut q = Query::new();
    q.push("instType", inst_type(kind));
    RestRequest::get(e::INSTRUMENTS, q)
}

/// `GET /api/v5/market/ticker?instId=`.
pub fn ticker(inst_id: &str) -> RestRequest {
    let mut q = Query::new();
    q.push("instId", inst_id);
    RestRequest::get(e::TICKER, q)
}

/// `GET /api/v5/market/tickers?instType=`.
pub fn tickers(kind: MarketKind) -> RestRequest {
    let mut q = Query::new();
    q.push("instType", inst_type(kind));
    RestRequest::get(e::TICKERS, q)
}

/// The accepted depth for a requested one: 1–400 on `/books`, up to 5000 on `/books-full`;
/// `None` asks for the 400 levels of `/books` (OKX's own default is 1).
pub fn accepted_depth(depth: Option<usize>) -> usize {
    depth.unwrap_or(BOOKS_MAX).clamp(1, BOOKS_FULL_MAX)
}

/// `GET /api/v5/market/books?instId=&sz=` (or `books-full` above 400 levels).
pub fn order_book(inst_id: &str, depth: Option<usize>) -> RestRequest {
    let sz = accepted_depth(depth);
    let mut q = Query::new();
    q.push("instId", inst_id).push("sz", sz);
    RestRequest::get(if sz > BOOKS_MAX { e::BOOKS_FULL } else { e::BOOKS }, q)
}

/// `GET /api/v5/market/trades?instId=&limit=` (limit 1–500).
pub fn trades(inst_id: &str, limit: Option<usize>) -> RestRequest {
    let mut q = Query::new();
    q.push("instId", inst_id)
        .push_opt("limit", limit.map(|l| l.clamp(1, 500)));
    RestRequest::get(e::TRADES, q)
}

/// The OKX `bar` code of an interval. Bars of 6 h and longer use the UTC-aligned codes
/// (`6Hutc`, `1Dutc`, ...); 8 h has no OKX bar.
pub fn bar(interval: Interval) -> Result<&'static str> {
    Ok(match interval {
        Interval::S1 => "1s",
        Interval::M1 => "1m",
        Interval::M3 => "3m",
        Interval::M5 => "5m",
        Interval::M15 => "15m",
        Interval::M30 => "30m",
        Interval::H1 => "1H",
        Interval::H2 => "2H",
        Interval::H4 => "4H",
        Interval::H6 => "6Hutc",
        Interval::H12 => "12Hutc",
        Interval::D1 => "1Dutc",
        Interval::D3 => "3Dutc",
        Interval::W1 => "1Wutc",
        Interval::Mo1 => "1Mutc",
        other => {
            return Err(Error::new(ErrorKind::BadRequest, format!("OKX has no {other} candles")).with_venue(Venue::Okx))
        }
    })
}

/// One page of candles: `after` = rows older than this ts, `before` = rows newer than it
/// (both exclusive). `history` selects `/market/history-candles`.
pub fn candles(
    inst_id: &str,
    interval: Interval,
    after: Option<TimestampMs>,
    before: Option<TimestampMs>,
    limit: usize,
    history: bool,
) -> Result<RestRequest> {
    let max = if history { HISTORY_CANDLES_MAX } else { CANDLES_MAX };
    let mut q = Query::new();
    q.push("instId", inst_id)
        .push("bar", bar(interval)?)
        .push_opt("after", after)
        .push_opt("before", before)
        .push("limit", limit.clamp(1, max));
    Ok(RestRequest::get(
        if history { e::HISTORY_CANDLES } else { e::CANDLES },
        q,
    ))
}

/// The candle request for one page window of [`paginate::candles`] at time `now`: forward
/// windows set `before = start - 1` and `after = end + 1` (OKX bounds are exclusive), backward
/// ones `after = end + 1`. Windows older than the latest 1440 bars use `history-candles`.
pub fn candle_window(inst_id: &str, interval: Interval, window: Window, now: TimestampMs) -> Result<RestRequest> {
    match window {
        Window::Forward { start, end, count } => {
            let history = needs_history(interval, start, now);
            candles(
                inst_id,
                interval,
                end.map(|e| e.saturating_add(1)),
                Some(start.saturating_sub(1)),
                count,
                history,
            )
        }
        Window::Backward { end, count } => {
            let count = count.unwrap_or(CANDLES_DEFAULT);
            let oldest = end
                .unwrap_or(now)
                .saturating_sub(interval.millis().saturating_mul(count as i64));
            let history = needs_history(interval, oldest, now);
            candles(
                inst_id,
                interval,
                end.map(|e| e.saturating_add(1)),
                None,
                count,
                history,
            )
        }
    }
}

/// True when a bar opening at `t` is older than the latest 1440 bars reachable through
/// `/market/candles`.
pub fn needs_history(interval: Interval, t: TimestampMs, now: TimestampMs) -> bool {
    t < now.saturating_sub(interval.millis().saturating_mul(CANDLES_RECENT_BARS - 1))
}

/// The page size for a window starting (forward) or ending (backward) at `t`.
pub fn candle_page_max(interval: Interval, t: TimestampMs, now: TimestampMs) -> usize {
    let page_start = t
        .min(now)
        .saturating_sub(interval.millis().saturating_mul(CANDLES_MAX as i64));
    if needs_history(interval, t.min(now), now) || needs_history(interval, page_start, now) {
        HISTORY_CANDLES_MAX
    } else {
        CANDLES_MAX
    }
}

/// An attached take-profit / stop-loss (`attachAlgoOrds[]` element).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachAlgo {
    /// Take-profit trigger price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tp_trigger_px: Option<String>,
    /// Take-profit order price (`-1` = market).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tp_ord_px: Option<String>,
    /// Take-profit trigger price type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tp_trigger_px_type: Option<&'static str>,
    /// Stop-loss trigger price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sl_trigger_px: Option<String>,
    /// Stop-loss order price (`-1` = market).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sl_ord_px: Option<String>,
    /// Stop-loss trigger price type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sl_trigger_px_type: Option<&'static str>,
}

/// The body of `POST /api/v5/trade/order`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaceBody {
    /// Instrument.
    pub inst_id: String,
    /// `cash` (spot), `cross` or `isolated` (swap).
    pub td_mode: &'static str,
    /// `buy` / `sell`.
    pub side: &'static str,
    /// `long` / `short` in long/short mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pos_side: Option<&'static str>,
    /// `market`, `limit`, `post_only`, `ioc`, `fok`.
    pub ord_type: &'static str,
    /// Price (limit types).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub px: Option<String>,
    /// Size: base units for spot, contracts for swaps.
    pub sz: String,
    /// `base_ccy` for spot market orders (the unified API sizes in base units).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tgt_ccy: Option<&'static str>,
    /// Reduce-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reduce_only: Option<bool>,
    /// Client order id.
    pub cl_ord_id: String,
    /// Attached TP/SL.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attach_algo_ords: Vec<AttachAlgo>,
}

/// The body of `POST /api/v5/trade/order-algo`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlgoBody {
    /// Instrument.
    pub inst_id: String,
    /// `cash`, `cross` or `isolated`.
    pub td_mode: &'static str,
    /// `buy` / `sell`.
    pub side: &'static str,
    /// `long` / `short` in long/short mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pos_side: Option<&'static str>,
    /// `trigger`, `conditional` or `move_order_stop`.
    pub ord_type: &'static str,
    /// Size: base units for spot, contracts for swaps.
    pub sz: String,
    /// `base_ccy` for spot orders.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tgt_ccy: Option<&'static str>,
    /// Trigger price (`trigger`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_px: Option<String>,
    /// Order price after the trigger, `-1` = market (`trigger`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_px: Option<String>,
    /// Take-profit trigger (`conditional`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tp_trigger_px: Option<String>,
    /// Take-profit order price, `-1` = market.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tp_ord_px: Option<String>,
    /// Take-profit trigger price type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tp_trigger_px_type: Option<&'static str>,
    /// Trailing callback ratio (0.05 = 5 %).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_ratio: Option<String>,
    /// Trailing activation price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_px: Option<String>,
    /// Reduce-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reduce_only: Option<bool>,
    /// Client id of the algo order.
    pub algo_cl_ord_id: String,
}

fn side_str(s: Side) -> &'static str {
    match s {
        Side::Buy => "buy",
        Side::Sell => "sell",
    }
}

/// `long` / `short`.
pub fn pos_side_str(s: PositionSide) -> &'static str {
    match s {
        PositionSide::Long => "long",
        PositionSide::Short => "short",
    }
}

/// The `tdMode` / `mgnMode` string of a margin mode.
pub fn margin_str(m: MarginMode) -> &'static str {
    match m {
        MarginMode::Cross => "cross",
        MarginMode::Isolated => "isolated",
    }
}

/// The wire size of a base-unit quantity: base units for spot, contracts (`qty / ctVal`) for
/// swaps. A quantity that is not a whole number of lots is an `InvalidOrder` error: the
/// unified API never rounds silently (round with `Market::round_qty` first).
pub fn wire_size(qty: Decimal, m: &Market) -> Result<String> {
    let contracts = m.base_to_contracts(qty).normalize();
    if m.kind.is_perpetual() && !exch_core::precision::is_aligned(qty, m.step_size) {
        return Err(
            Error::invalid_order(exch_core::precision::OrderRule::StepSize { step: m.step_size, qty })
                .with_venue(Venue::Okx),
        );
    }
    Ok(num(contracts))
}

/// The request for placing `req` on market `m` with client id `client_id`; margin mode
/// `margin` applies to swaps (spot is `cash`). Conditional types go to `order-algo`.
pub fn place_order(req: &OrderRequest, m: &Market, client_id: &str, margin: MarginMode) -> Result<RestRequest> {
    req.check()?;
    let spot = m.kind == MarketKind::Spot;
    let td_mode = if spot { "cash" } else { margin_str(margin) };
    let sz = wire_size(req.qty, m)?;
    let side = side_str(req.side);
    let pos_side = req.position_side.map(pos_side_str);
    let reduce_only = req.reduce_only.then_some(true);
    let market_px = |p: Option<Decimal>| p.map(num).unwrap_or_else(|| "-1".to_string());
    if req.order_type.is_conditional() {
        if req.take_profit.is_some() || req.stop_loss.is_some() {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "OKX attaches take-profit/stop-loss to regular orders only",
            )
            .with_venue(Venue::Okx));
        }
        let mut body = AlgoBody {
            inst_id: m.venue_symbol.clone(),
            td_mode,
            side,
            pos_side,
            ord_type: "trigger",
            sz,
            tgt_ccy: spot.then_some("base_ccy"),
            trigger_px: None,
            order_px: None,
            tp_trigger_px: None,
            tp_ord_px: None,
            tp_trigger_px_type: None,
            callback_ratio: None,
            active_px: None,
            reduce_only,
            algo_cl_ord_id: client_id.to_string(),
        };
        match req.order_type {
            OrderType::StopMarket | OrderType::StopLimit => {
                body.trigger_px = req.trigger_price.map(num);
                body.order_px = Some(market_px(req.price));
            }
            OrderType::TakeProfitMarket | OrderType::TakeProfitLimit => {
                body.ord_type = "conditional";
                body.tp_trigger_px = req.trigger_price.map(num);
                body.tp_ord_px = Some(market_px(req.price));
                body.tp_trigger_px_type = Some("last");
            }
            OrderType::TrailingStop => {
                body.ord_type = "move_order_stop";
                let rate = req.callback_rate.unwrap_or_default() / Decimal::ONE_HUNDRED;
                body.callback_ratio = Some(num(rate));
                body.active_px = req.trigger_price.map(num);
            }
            OrderType::Market | OrderType::Limit => unreachable_type()?,
        }
        return Ok(RestRequest::post(e::PLACE_ALGO, &body)?.for_inst(&m.venue_symbol));
    }
    let ord_type = match (req.order_type, req.time_in_force) {
        (OrderType::Market, _) => "market",
        (_, None | Some(TimeInForce::Gtc)) => "limit",
        (_, Some(TimeInForce::PostOnly)) => "post_only",
        (_, Some(TimeInForce::Ioc)) => "ioc",
        (_, Some(TimeInForce::Fok)) => "fok",
    };
    let mut attach = AttachAlgo::default();
    if let Some(tp) = &req.take_profit {
        attach.tp_trigger_px = Some(num(tp.trigger_price));
        attach.tp_ord_px = Some(market_px(tp.price));
        attach.tp_trigger_px_type = Some("last");
    }
    if let Some(sl) = &req.stop_loss {
        attach.sl_trigger_px = Some(num(sl.trigger_price));
        attach.sl_ord_px = Some(market_px(sl.price));
        attach.sl_trigger_px_type = Some("last");
    }
    let body = PlaceBody {
        inst_id: m.venue_symbol.clone(),
        td_mode,
        side,
        pos_side,
        ord_type,
        px: req.price.filter(|_| req.order_type == OrderType::Limit).map(num),
        sz,
        tgt_ccy: (spot && req.order_type == OrderType::Market).then_some("base_ccy"),
        reduce_only,
        cl_ord_id: client_id.to_string(),
        attach_algo_ords: if req.take_profit.is_some() || req.stop_loss.is_some() {
            vec![attach]
        } else {
            Vec::new()
        },
    };
    Ok(RestRequest::post(e::PLACE, &body)?.for_inst(&m.venue_symbol))
}

fn unreachable_type() -> Result<()> {
    Err(Error::new(ErrorKind::BadRequest, "not a conditional order type").with_venue(Venue::Okx))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OrderIdBody<'a> {
    inst_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ord_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cl_ord_id: Option<&'a str>,
}

fn id_body<'a>(inst_id: &'a str, order: &'a OrderRef) -> OrderIdBody<'a> {
    match order {
        OrderRef::Id(id) => OrderIdBody {
            inst_id,
            ord_id: Some(id),
            cl_ord_id: None,
        },
        OrderRef::Client(id) => OrderIdBody {
            inst_id,
            ord_id: None,
            cl_ord_id: Some(id),
        },
    }
}

/// `POST /api/v5/trade/cancel-order {instId, ordId|clOrdId}`.
pub fn cancel_order(inst_id: &str, order: &OrderRef) -> Result<RestRequest> {
    Ok(RestRequest::post(e::CANCEL, &id_body(inst_id, order))?.for_inst(inst_id))
}

/// `POST /api/v5/trade/cancel-batch-orders [{instId, ordId|clOrdId}, …]`, at most 20 orders.
pub fn cancel_batch(inst_id: &str, orders: &[OrderRef]) -> Result<RestRequest> {
    if orders.is_empty() || orders.len() > CANCEL_BATCH_MAX {
        return Err(Error::new(
            ErrorKind::BadRequest,
            format!(
                "a batch cancel takes 1 to {CANCEL_BATCH_MAX} orders, not {}",
                orders.len()
            ),
        )
        .with_venue(Venue::Okx));
    }
    let body: Vec<OrderIdBody<'_>> = orders.iter().map(|o| id_body(inst_id, o)).collect();
    Ok(RestRequest::post(e::CANCEL_BATCH, &body)?.for_inst(inst_id))
}

/// `POST /api/v5/trade/cancel-algos [{algoId|algoClOrdId, instId}]`.
pub fn cancel_algo(inst_id: &str, order: &OrderRef) -> Result<RestRequest> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct B<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        algo_id: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        algo_cl_ord_id: Option<&'a str>,
        inst_id: &'a str,
    }
    let b = match order {
        OrderRef::Id(id) => B {
            algo_id: Some(id),
            algo_cl_ord_id: None,
            inst_id,
        },
        OrderRef::Client(id) => B {
            algo_id: None,
            algo_cl_ord_id: Some(id),
            inst_id,
        },
    };
    RestRequest::post(e::CANCEL_ALGOS, &[b])
}

/// `GET /api/v5/trade/order?instId=&ordId=|clOrdId=`.
pub fn get_order(inst_id: &str, order: &OrderRef) -> RestRequest {
    let mut q = Query::new();
    q.push("instId", inst_id);
    match order {
        OrderRef::Id(id) => q.push("ordId", id),
        OrderRef::Client(id) => q.push("clOrdId", id),
    };
    RestRequest::get(e::ORDER, q)
}

/// `GET /api/v5/trade/order-algo?algoId=|algoClOrdId=`.
pub fn get_algo_order(order: &OrderRef) -> RestRequest {
    let mut q = Query::new();
    match order {
        OrderRef::Id(id) => q.push("algoId", id),
        OrderRef::Client(id) => q.push("algoClOrdId", id),
    };
    RestRequest::get(e::ORDER_ALGO, q)
}

/// `GET /api/v5/trade/orders-pending`: one instrument, or every instrument of a kind;
/// `after` pages by order id (older than it).
pub fn open_orders(inst_id: Option<&str>, kind: MarketKind, after: Option<&str>) -> RestRequest {
    let mut q = Query::new();
    match inst_id {
        Some(id) => q.push("instId", id),
        None => q.push("instType", inst_type(kind)),
    };
    q.push_opt("after", after);
    RestRequest::get(e::ORDERS_PENDING, q)
}

/// `GET /api/v5/trade/orders-history?instType=&instId=&begin=&end=&after=&limit=`.
pub fn order_history(
    kind: MarketKind,
    inst_id: Option<&str>,
    begin: Option<TimestampMs>,
    end: Option<TimestampMs>,
    after: Option<&str>,
    limit: usize,
) -> RestRequest {
    let mut q = Query::new();
    q.push("instType", inst_type(kind))
        .push_opt("instId", inst_id)
        .push_opt("begin", begin)
        .push_opt("end", end)
        .push_opt("after", after)
        .push("limit", limit.clamp(1, PAGE_MAX));
    RestRequest::get(e::ORDERS_HISTORY, q)
}

/// `GET /api/v5/account/balance`.
pub fn balance() -> RestRequest {
    RestRequest::get(e::BALANCE, Query::new())
}

/// `GET /api/v5/account/positions?instType=SWAP[&instId=]`.
pub fn positions(inst_id: Option<&str>) -> RestRequest {
    let mut q = Query::new();
    q.push("instType", "SWAP").push_opt("instId", inst_id);
    RestRequest::get(e::POSITIONS, q)
}

/// `GET /api/v5/account/config`.
pub fn account_config() -> RestRequest {
    RestRequest::get(e::ACCOUNT_CONFIG, Query::new())
}

/// `POST /api/v5/account/set-leverage {instId, lever, mgnMode[, posSide]}` (`posSide` only
/// for isolated margin in long/short mode).
pub fn set_leverage(
    inst_id: &str,
    leverage: u32,
    margin: MarginMode,
    pos_side: Option<PositionSide>,
) -> Result<RestRequest> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct B<'a> {
        inst_id: &'a str,
        lever: String,
        mgn_mode: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        pos_side: Option<&'static str>,
    }
    if leverage == 0 {
        return Err(Error::new(ErrorKind::BadRequest, "leverage must be at least 1").with_venue(Venue::Okx));
    }
    RestRequest::post(
        e::SET_LEVERAGE,
        &B {
            inst_id,
            lever: leverage.to_string(),
            mgn_mode: margin_str(margin),
            pos_side: pos_side.map(pos_side_str),
        },
    )
}

/// `POST /api/v5/account/set-position-mode {posMode}`.
pub fn set_position_mode(mode: PositionMode) -> Result<RestRequest> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct B {
        pos_mode: &'static str,
    }
    let pos_mode = match mode {
        PositionMode::Hedge => "long_short_mode",
        PositionMode::OneWay => "net_mode",
    };
    RestRequest::post(e::SET_POSITION_MODE, &B { pos_mode })
}

/// `GET /api/v5/account/bills?instType=SWAP&type=&instId=&begin=&end=&after=&limit=`.
pub fn bills(
    bill_type: Option<&str>,
    inst_id: Option<&str>,
    begin: Option<TimestampMs>,
    end: Option<TimestampMs>,
    after: Option<&str>,
    limit: usize,
) -> RestRequest {
    let mut q = Query::new();
    q.push("instType", "SWAP")
        .push_opt("instId", inst_id)
        .push_opt("type", bill_type)
        .push_opt("begin", begin)
        .push_opt("end", end)
        .push_opt("after", after)
        .push("limit", limit.clamp(1, PAGE_MAX));
    RestRequest::get(e::BILLS, q)
}

// ------------------------------------------------------------------------------- sending

/// Maps OKX responses to errors for the core transport: the `{code,msg,data}` envelope with a
/// code other than `"0"`/`"2"` (HTTP 200 included), the first failing `sCode` first.
#[derive(Debug, Clone, Copy, Default)]
pub struct OkxHooks;

impl VenueHooks for OkxHooks {
    fn venue(&self) -> Venue {
        Venue::Okx
    }

    fn map_error(&self, status: u16, _headers: &http::HeaderMap, body: &[u8], endpoint: &str) -> Option<Error> {
        crate::parse::reply_error(endpoint, status, body)
    }
}

/// The rate-limit quota of an endpoint.
pub fn quota(ep: &Endpoint) -> Result<ScopeQuota> {
    ScopeQuota::new(ep.limit, ep.interval())
}

/// Sends [`RestRequest`]s through the core transport: public requests on the public limiter
/// (keyed by the base URL, i.e. per server), private ones signed on the key's limiter, with
/// clock-synced timestamps; reads retried, writes sent once.
#[derive(Debug, Clone)]
pub struct RestClient {
    base_url: String,
    demo: bool,
    credentials: Option<Credentials>,
    public: HttpTransport,
    private: Option<HttpTransport>,
    clock: Arc<ClockSync>,
}

impl RestClient {
    /// Builds both transports and the clock sync for `cfg`.
    pub fn new(cfg: &OkxConfig) -> Result<Self> {
        let scopes: Vec<(&str, ScopeQuota)> = Vec::new();
        let registry = LimiterRegistry::global();
        let public_key = LimiterKey::public_at(Venue::Okx, &cfg.rest_url);
        let public_limiter = registry.limiter_with_scopes(&public_key, &scopes);
        for ep in endpoints::ALL.iter().filter(|e| !e.private) {
            public_limiter.ensure_scope(&ep.label(), quota(ep)?);
        }
        let hooks: Arc<dyn VenueHooks> = Arc::new(OkxHooks);
        let public = HttpTransport::new(&cfg.client, hooks.clone(), public_limiter)?;
        let private = match &cfg.credentials {
            Some(c) => {
                let key = LimiterKey::api_key(Venue::Okx, &format!("{}@{}", c.api_key, cfg.rest_url));
                let limiter = registry.limiter_with_scopes(&key, &scopes);
                for ep in endpoints::ALL.iter().filter(|e| e.private) {
                    limiter.ensure_scope(&ep.label(), quota(ep)?);
                }
                Some(HttpTransport::new(&cfg.client, hooks, limiter)?)
            }
            None => None,
        };
        let probe_transport = public.clone();
        let probe_base = cfg.rest_url.clone();
        let probe_demo = cfg.demo;
        let clock = ClockSync::from_config(&cfg.client, move || {
            let t = probe_transport.clone();
            let base = probe_base.clone();
            async move {
                let req = server_time();
                let core = to_core(&req, &base, &[], probe_demo, None, 0)?;
                let resp = t.send_read(core).await?;
                let rows: Vec<crate::wire::ServerTime> =
                    crate::parse::envelope(&req.endpoint.label(), resp.status, &resp.body)?;
                crate::parse::server_time(&rows)
            }
        });
        Ok(RestClient {
            base_url: cfg.rest_url.clone(),
            demo: cfg.demo,
            credentials: cfg.credentials.clone(),
            public,
            private,
            clock: Arc::new(clock),
        })
    }

    /// The clock sync (server-time offset).
    pub fn clock(&self) -> &Arc<ClockSync> {
        &self.clock
    }

    /// True when credentials are configured.
    pub fn has_credentials(&self) -> bool {
        self.credentials.is_some()
    }

    fn scope(&self, t: &HttpTransport, req: &RestRequest) -> Result<Vec<(String, u32)>> {
        let label = req.endpoint.label();
        let name = match (&req.endpoint.key, &req.inst_id) {
            (LimitKey::UidInstrument, Some(inst)) => {
                let n = format!("{label} {inst}");
                t.limiter().ensure_scope(&n, quota(&req.endpoint)?);
                n
            }
            _ => label,
        };
        Ok(vec![(name, 1)])
    }

    /// Sends `req` and returns the envelope's rows.
    pub async fn call<T: DeserializeOwned>(&self, req: &RestRequest) -> Result<Vec<T>> {
        self.call_with(req, crate::parse::envelope).await
    }

    /// Sends `req` and decodes the reply with `decode(endpoint label, HTTP status, body)`
    /// instead of [`crate::parse::envelope`] (e.g. a one-pass scanner with that as fallback).
    pub async fn call_with<R>(
        &self,
        req: &RestRequest,
        decode: impl FnOnce(&str, u16, &[u8]) -> Result<R>,
    ) -> Result<R> {
        let label = req.endpoint.label();
        if !req.private {
            let costs = self.scope(&self.public, req)?;
            let core = to_core(req, &self.base_url, &costs, self.demo, None, 0)?;
            let resp = self.public.send_read(core).await?;
            return decode(&label, resp.status, &resp.body);
        }
        let transport = self.private.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::Auth,
                "this OKX endpoint needs credentials (key, secret, passphrase)",
            )
            .with_venue(Venue::Okx)
            .with_endpoint(label.clone())
        })?;
        let costs = self.scope(transport, req)?;
        self.clock.ensure_fresh().await?;
        let creds = self.credentials.as_ref();
        let resp = if req.method == Method::Get {
            // Reads: retried on 429/5xx/network errors under the transport's policy, signed
            // afresh each time; a timestamp rejection is not retried as is: the clock is
            // re-measured once and the read sent once more (`send_read_synced`).
            transport
                .send_read_synced(&self.clock, |now| {
                    to_core(req, &self.base_url, &costs, self.demo, creds, now)
                })
                .await?
        } else {
            // Writes are sent once; an unknown outcome is the caller's to reconcile.
            transport
                .send(to_core(
                    req,
                    &self.base_url,
                    &costs,
                    self.demo,
                    creds,
                    self.clock.now_ms(),
                )?)
                .await?
        };
        decode(&label, resp.status, &resp.body)
    }
}

/// The core transport request for `req`, signed at `now_ms` when private.
pub fn to_core(
    req: &RestRequest,
    base_url: &str,
    costs: &[(String, u32)],
    demo: bool,
    credentials: Option<&Credentials>,
    now_ms: TimestampMs,
) -> Result<transport::Request> {
    let mut r = match req.method {
        Method::Get => transport::Request::get(base_url, req.path),
        Method::Post => transport::Request::post(base_url, req.path),
    };
    r = r.query(req.query.clone()).endpoint(req.endpoint.label());
    if let Some(b) = &req.body {
        r = r.json_body(b.clone());
    }
    for (k, v) in req.headers(credentials, now_ms, demo)? {
        if k == "Content-Type" {
            continue;
        }
        r = if k.starts_with("OK-ACCESS") {
            r.secret_header(&k, &v)?
        } else {
            r.header(&k, &v)?
        };
    }
    for (scope, w) in costs {
        r = r.cost(scope.clone(), *w);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depths_and_bars() {
        assert_eq!(accepted_depth(None), 400);
        assert_eq!(accepted_depth(Some(0)), 1);
        assert_eq!(accepted_depth(Some(9999)), 5000);
        assert_eq!(order_book("BTC-USDT", Some(401)).path, "/api/v5/market/books-full");
        assert_eq!(order_book("BTC-USDT", Some(5)).query, "instId=BTC-USDT&sz=5");
        assert_eq!(bar(Interval::H1).unwrap(), "1H");
        assert_eq!(bar(Interval::D1).unwrap(), "1Dutc");
        assert_eq!(bar(Interval::H8).unwrap_err().kind(), ErrorKind::BadRequest);
    }

    #[test]
    fn batch_limits() {
        let refs: Vec<OrderRef> = (0..21).map(|i| OrderRef::Id(i.to_string())).collect();
        assert!(cancel_batch("X", &refs).is_err());
        assert!(cancel_batch("X", &refs[..20]).is_ok());
        assert!(cancel_batch("X", &[]).is_err());
    }

    #[test]
    fn every_endpoint_has_a_limit() {
        for ep in endpoints::ALL {
            assert!(ep.limit > 0 && ep.interval_ms > 0, "{}", ep.label());
            assert!(ep.path.starts_with("/api/v5/"));
        }
    }

    #[test]
    fn candle_windows_pick_the_endpoint() {
        let now = 1_700_000_000_000;
        let h = Interval::H1.millis();
        // Recent forward window: /candles with exclusive bounds around it.
        let r = candle_window(
            "BTC-USDT",
            Interval::H1,
            Window::Forward {
                start: now - 10 * h,
                end: Some(now),
                count: 11,
            },
            now,
        )
        .unwrap();
        assert_eq!(r.path, "/api/v5/market/candles");
        assert_eq!(
            r.query,
            format!(
                "instId=BTC-USDT&bar=1H&after={}&before={}&limit=11",
                now + 1,
                now - 10 * h - 1
            )
        );
        // Older than the latest 1440 bars: history-candles, 100 per page.
        let old = now - 2000 * h;
        assert_eq!(candle_page_max(Interval::H1, old, now), HISTORY_CANDLES_MAX);
        let r = candle_window(
            "BTC-USDT",
            Interval::H1,
            Window::Forward {
                start: old,
                end: Some(old + 99 * h),
                count: 100,
            },
            now,
        )
        .unwrap();
        assert_eq!(r.path, "/api/v5/market/history-candles");
        // The newest bars, backward without an end: no `after`.
        assert_eq!(candle_page_max(Interval::H1, i64::MAX, now), CANDLES_MAX);
        let r = candle_window(
            "BTC-USDT",
            Interval::M1,
            Window::Backward {
                end: None,
                count: Some(100),
            },
            now,
        )
        .unwrap();
        assert_eq!(r.query, "instId=BTC-USDT&bar=1m&limit=100");
    }

    #[test]
    fn swap_sizes_must_be_whole_lots() {
        let m = Market {
            symbol: "BTC/USDT:USDT".parse().unwrap(),
            venue_symbol: "BTC-USDT-SWAP".into(),
            kind: MarketKind::LinearPerpetual,
            status: exch_core::MarketStatus::Trading,
            tick_size: Decimal::new(1, 1),
            step_size: Decimal::new(1, 3),
            min_qty: None,
            max_qty: None,
            min_notional: None,
            contract_size: Decimal::new(1, 2),
        };
        assert_eq!(wire_size(Decimal::new(5, 2), &m).unwrap(), "5");
        assert_eq!(wire_size(Decimal::new(1, 3), &m).unwrap(), "0.1");
        assert_eq!(
            wire_size(Decimal::new(5, 4), &m).unwrap_err().kind(),
            ErrorKind::InvalidOrder
        );
    }

    proptest::proptest! {
        /// Any whole number of lots is sent as contracts that convert back to the same base
        /// quantity, in a body that is valid JSON and signs as sent.
        #[test]
        fn swap_orders_round_trip_contracts(lots in 1i64..1_000_000, buy in proptest::bool::ANY, limit in proptest::bool::ANY) {
            let m = Market {
                symbol: "ETH/USDT:USDT".parse().unwrap(),
                venue_symbol: "ETH-USDT-SWAP".into(),
                kind: MarketKind::LinearPerpetual,
                status: exch_core::MarketStatus::Trading,
                tick_size: Decimal::new(1, 2),
                step_size: Decimal::new(1, 2),
                min_qty: None,
                max_qty: None,
                min_notional: None,
                contract_size: Decimal::new(1, 1),
            };
            let qty = Decimal::from(lots) * m.step_size;
            let side = if buy { Side::Buy } else { Side::Sell };
            let b = if limit {
                OrderRequest::limit(m.symbol.clone(), side, qty, Decimal::new(300_001, 2))
            } else {
                OrderRequest::market(m.symbol.clone(), side, qty)
            };
            let r = place_order(&b.build().unwrap(), &m, "cid", MarginMode::Cross).unwrap();
            let body: serde_json::Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
            let sz: Decimal = body["sz"].as_str().unwrap().parse().unwrap();
            proptest::prop_assert_eq!(m.contracts_to_base(sz), qty);
            proptest::prop_assert_eq!(body["instId"].as_str(), Some("ETH-USDT-SWAP"));
            let c = Credentials::new("k", "s").with_passphrase("p");
            let h = r.headers(Some(&c), 0, false).unwrap();
            let sig = &h.iter().find(|(k, _)| k == "OK-ACCESS-SIGN").unwrap().1;
            let expect = crate::sign::sign("s", &iso_timestamp(0), "POST", r.path, r.body_text());
            proptest::prop_assert_eq!(sig, &expect);
        }
    }

    #[test]
    fn private_needs_credentials() {
        let e = balance().headers(None, 0, false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Auth);
        let h = server_time().headers(None, 0, true).unwrap();
        assert!(h.iter().any(|(k, v)| k == DEMO_HEADER && v == "1"));
    }
}
