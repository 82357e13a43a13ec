//! Request building (method, path, query or form body, headers) for every endpoint this crate
//! uses, with the request weights of binance.md §4, and signing with a given clock and key.
//!
//! Building is pure: [`Call`] describes an unsigned request and [`Call::prepare`] turns it
//! into the exact bytes to send for a timestamp and key, so request-side snapshot tests pin
//! everything with a fixed clock. [`Rest`] sends prepared calls through the core
//! [`HttpTransport`] (shared rate limiter, usage headers, typed errors) with timestamps from
//! the core [`ClockSync`]; reads are retried under the core [`RetryPolicy`], writes never.
//!
//! Placement of parameters follows the docs: `GET` and `DELETE` carry them in the query string,
//! `POST` in an `application/x-www-form-urlencoded` body; signed requests append `recvWindow`,
//! `timestamp` and finally `signature` (binance.md §2).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use exch_core::limiter::{LimiterKey, LimiterRegistry, RateLimiter, ScopeQuota};
use exch_core::paginate::{self, Window};
use exch_core::sign::Query;
use exch_core::transport::{HttpTransport, Request, Response, VenueHooks};
use exch_core::{Candle, CandleQuery, ClientConfig, ClockSync, Credentials, RetryPolicy};
use exch_core::{
    Error, ErrorKind, Interval, MarginMode, Market, OrderRef, OrderRequest, OrderType, PositionMode, PositionSide,
    Result, Side, TimeInForce, TimestampMs, Venue,
};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::config::{
    Api, FUTURES_DEPTHS, FUTURES_MAX_KLINES, MAX_INCOME, MAX_ORDERS, MAX_TRADES, SPOT_MAX_DEPTH, SPOT_MAX_KLINES,
};

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Method {
    /// `GET`.
    #[serde(rename = "GET")]
    Get,
    /// `POST`.
    #[serde(rename = "POST")]
    Post,
    /// `DELETE`.
    #[serde(rename = "DELETE")]
    Delete,
}

impl Method {
    /// The method name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// An unsigned request: endpoint, business parameters in send order, and its cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Call {
    /// Method.
    pub method: Method,
    /// Which API (host).
    pub api: Api,
    /// Path, e.g. `/api/v3/order`.
    pub path: &'static str,
    /// Business parameters in send order (values unencoded).
    pub params: Vec<(&'static str, String)>,
    /// Needs `timestamp` + `signature` (TRADE / USER_DATA).
    pub signed: bool,
    /// Request weight on the IP limit.
    pub weight: u32,
    /// Count on the account's order limits.
    pub orders: u32,
}

/// The key, secret and clock reading a signed request is prepared with.
#[derive(Clone, Copy)]
pub struct Auth<'a> {
    /// API key (`X-MBX-APIKEY`).
    pub api_key: &'a str,
    /// Secret (never printed).
    pub secret: &'a str,
    /// `recvWindow` in ms.
    pub recv_window_ms: u64,
    /// `timestamp` in ms (local clock plus the measured server offset).
    pub timestamp_ms: TimestampMs,
}

impl std::fmt::Debug for Auth<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("api_key", &self.api_key)
            .field("secret", &"<redacted>")
            .field("recv_window_ms", &self.recv_window_ms)
            .field("timestamp_ms", &self.timestamp_ms)
            .finish()
    }
}

/// A request ready to send: exactly these bytes are signed and sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Prepared {
    /// Method.
    pub method: Method,
    /// Which API (host).
    pub api: Api,
    /// Path.
    pub path: &'static str,
    /// Query string without `?` (may be empty).
    pub query: String,
    /// Form body (may be empty).
    pub body: String,
    /// Headers to add.
    pub headers: Vec<(String, String)>,
}

impl Prepared {
    /// `GET /api/v3/order`-style name used in errors and logs.
    pub fn endpoint(&self) -> String {
        format!("{} {}", self.method.as_str(), self.path)
    }

    /// Path plus query.
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            self.path.to_string()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }
}

impl Call {
    fn new(method: Method, api: Api, path: &'static str, signed: bool, weight: u32) -> Self {
        Call {
            method,
            api,
            path,
            params: Vec::new(),
            signed,
            weight,
            orders: 0,
        }
    }

    fn param(mut self, k: &'static str, v: impl ToString) -> Self {
        self.params.push((k, v.to_string()));
        self
    }

    fn opt<V: ToString>(self, k: &'static str, v: Option<V>) -> Self {
        match v {
            Some(v) => self.param(k, v),
            None => self,
        }
    }

    /// `GET /api/v3/order`-style name.
    pub fn endpoint(&self) -> String {
        format!("{} {}", self.method.as_str(), self.path)
    }

    /// The value of a parameter, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str())
    }

    /// Encodes, and for signed calls signs, the request. A signed call without `auth` is an
    /// `Auth` error; a public call ignores `auth` except for the API-key header.
    pub fn prepare(&self, auth: Option<&Auth<'_>>) -> Result<Prepared> {
        let mut q = Query::new();
        for (k, v) in &self.params {
            q.push(k, v);
        }
        let mut headers = Vec::new();
        if self.signed {
            let a = auth.ok_or_else(|| {
                Error::new(
                    ErrorKind::Auth,
                    format!("{} needs API credentials (ClientConfig::credentials)", self.endpoint()),
                )
                .with_venue(Venue::Binance)
            })?;
            q.push("recvWindow", a.recv_window_ms).push("timestamp", a.timestamp_ms);
            let sig = crate::sign::signature(a.secret, q.as_str(), "");
            q.push_raw("signature", &sig);
            headers.push(("X-MBX-APIKEY".to_string(), a.api_key.to_string()));
        }
        let (query, body) = match self.method {
            Method::Post => {
                headers.push((
                    "Content-Type".to_string(),
                    "application/x-www-form-urlencoded".to_string(),
                ));
                (String::new(), q.into_string())
            }
            Method::Get | Method::Delete => (q.into_string(), String::new()),
        };
        Ok(Prepared {
            method: self.method,
            api: self.api,
            path: self.path,
            query,
            body,
            headers,
        })
    }
}

fn fmt_dec(d: Decimal) -> String {
    d.normalize().to_string()
}

fn bad_request(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::BadRequest, msg).with_venue(Venue::Binance)
}

fn unsupported(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Unsupported, msg).with_venue(Venue::Binance)
}

/// `GET /api/v3/time` / `GET /fapi/v1/time` (weight 1).
pub fn server_time(api: Api) -> Call {
    match api {
        Api::Spot => Call::new(Method::Get, api, "/api/v3/time", false, 1),
        Api::Futures => Call::new(Method::Get, api, "/fapi/v1/time", false, 1),
    }
}

/// `GET /api/v3/exchangeInfo` (weight 20) / `GET /fapi/v1/exchangeInfo` (weight 1).
pub fn exchange_info(api: Api) -> Call {
    match api {
        Api::Spot => Call::new(Method::Get, api, "/api/v3/exchangeInfo", false, 20),
        Api::Futures => Call::new(Method::Get, api, "/fapi/v1/exchangeInfo", false, 1),
    }
}

/// 24 h ticker of one symbol, or of all when `symbol` is `None`.
pub fn ticker_24h(api: Api, symbol: Option<&str>) -> Call {
    let (path, one, all) = match api {
        Api::Spot => ("/api/v3/ticker/24hr", 2, 80),
        Api::Futures => ("/fapi/v1/ticker/24hr", 1, 40),
    };
    Call::new(Method::Get, api, path, false, if symbol.is_some() { one } else { all }).opt("symbol", symbol)
}

/// The depth limit sent for a requested depth: spot accepts 1–5000, futures only
/// 5/10/20/50/100/500/1000 (rounded up, capped at 1000). `None` keeps the venue default.
pub fn depth_limit(api: Api, depth: Option<usize>) -> Option<usize> {
    let d = depth?.max(1);
    Some(match api {
        Api::Spot => d.min(SPOT_MAX_DEPTH),
        Api::Futures => FUTURES_DEPTHS.into_iter().find(|&x| x >= d).unwrap_or(1000),
    })
}

/// `GET /api/v3/depth` / `GET /fapi/v1/depth` with weights by limit.
pub fn depth(api: Api, symbol: &str, depth: Option<usize>) -> Call {
    let limit = depth_limit(api, depth);
    let (path, weight) = match api {
        Api::Spot => {
            let n = limit.unwrap_or(100);
            let w = match n {
                0..=100 => 5,
                101..=500 => 25,
                501..=1000 => 50,
                _ => 250,
            };
            ("/api/v3/depth", w)
        }
        Api::Futures => {
            let n = limit.unwrap_or(500);
            let w = match n {
                0..=50 => 2,
                51..=100 => 5,
                101..=500 => 10,
                _ => 20,
            };
            ("/fapi/v1/depth", w)
        }
    };
    Call::new(Method::Get, api, path, false, weight)
        .param("symbol", symbol)
        .opt("limit", limit)
}

/// `GET /api/v3/trades` (weight 25) / `GET /fapi/v1/trades` (weight 5); limit capped at 1000.
pub fn recent_trades(api: Api, symbol: &str, limit: Option<usize>) -> Call {
    let (path, w) = match api {
        Api::Spot => ("/api/v3/trades", 25),
        Api::Futures => ("/fapi/v1/trades", 5),
    };
    Call::new(Method::Get, api, path, false, w)
        .param("symbol", symbol)
        .opt("limit", limit.map(|l| l.clamp(1, MAX_TRADES)))
}

/// The largest kline page of `api`.
pub const fn max_klines(api: Api) -> usize {
    match api {
        Api::Spot => SPOT_MAX_KLINES,
        Api::Futures => FUTURES_MAX_KLINES,
    }
}

/// `GET /api/v3/klines` (weight 2) / `GET /fapi/v1/klines` (weight by limit).
pub fn klines(
    api: Api,
    symbol: &str,
    interval: Interval,
    start: Option<TimestampMs>,
    end: Option<TimestampMs>,
    limit: Option<usize>,
) -> Result<Call> {
    if api == Api::Futures && interval == Interval::S1 {
        return Err(unsupported("1s candles exist on spot only"));
    }
    let limit = limit.map(|l| l.clamp(1, max_klines(api)));
    let (path, weight) = match api {
        Api::Spot => ("/api/v3/klines", 2),
        Api::Futures => {
            let w = match limit.unwrap_or(500) {
                0..=99 => 1,
                100..=499 => 2,
                500..=1000 => 5,
                _ => 10,
            };
            ("/fapi/v1/klines", w)
        }
    };
    Ok(Call::new(Method::Get, api, path, false, weight)
        .param("symbol", symbol)
        .param("interval", interval.as_str())
        .opt("startTime", start)
        .opt("endTime", end)
        .opt("limit", limit))
}

fn side_str(s: Side) -> &'static str {
    match s {
        Side::Buy => "BUY",
        Side::Sell => "SELL",
    }
}

fn position_side_str(s: PositionSide) -> &'static str {
    match s {
        PositionSide::Long => "LONG",
        PositionSide::Short => "SHORT",
    }
}

fn tif_str(api: Api, t: Option<TimeInForce>) -> &'static str {
    match t {
        None | Some(TimeInForce::Gtc) => "GTC",
        Some(TimeInForce::Ioc) => "IOC",
        Some(TimeInForce::Fok) => "FOK",
        Some(TimeInForce::PostOnly) => match api {
            Api::Spot => "GTC",
            Api::Futures => "GTX",
        },
    }
}

/// True when a futures order goes to the algo-order endpoint (conditional types).
pub fn is_algo(api: Api, t: OrderType) -> bool {
    api == Api::Futures && t.is_conditional()
}

/// The placement request for `req` on `market` with client order id `cid`: spot
/// `POST /api/v3/order`, futures `POST /fapi/v1/order`, futures conditional types
/// `POST /fapi/v1/algoOrder`.
pub fn new_order(api: Api, venue_symbol: &str, req: &OrderRequest, cid: &str) -> Result<Call> {
    if req.take_profit.is_some() || req.stop_loss.is_some() {
        return Err(unsupported(
            "Binance has no take-profit/stop-loss attached to an entry order; place separate conditional orders",
        ));
    }
    if req.order_type == OrderType::Market && req.time_in_force.is_some_and(|t| t != TimeInForce::Gtc) {
        return Err(bad_request("a market order takes no time in force on Binance"));
    }
    let qty = fmt_dec(req.qty);
    let price = req.price.map(fmt_dec);
    let trigger = req.trigger_price.map(fmt_dec);
    match api {
        Api::Spot => {
            let ty = match (req.order_type, req.time_in_force) {
                (OrderType::Limit, Some(TimeInForce::PostOnly)) => "LIMIT_MAKER",
                (OrderType::Limit, _) => "LIMIT",
                (OrderType::Market, _) => "MARKET",
                (OrderType::StopMarket | OrderType::TrailingStop, _) => "STOP_LOSS",
                (OrderType::StopLimit, _) => "STOP_LOSS_LIMIT",
                (OrderType::TakeProfitMarket, _) => "TAKE_PROFIT",
                (OrderType::TakeProfitLimit, _) => "TAKE_PROFIT_LIMIT",
            };
            if req.order_type != OrderType::Limit && req.time_in_force == Some(TimeInForce::PostOnly) {
                return Err(bad_request("post-only applies to limit orders"));
            }
            let tif = (req.order_type.needs_price() && ty != "LIMIT_MAKER").then(|| tif_str(api, req.time_in_force));
            // Trailing: callbackRate in percent → trailingDelta in basis points.
            let trailing = match req.order_type {
                OrderType::TrailingStop => req.callback_rate.map(|r| fmt_dec(r * Decimal::ONE_HUNDRED)),
                _ => None,
            };
            let mut c = Call::new(Method::Post, api, "/api/v3/order", true, 1)
                .param("symbol", venue_symbol)
                .param("side", side_str(req.side))
                .param("type", ty)
                .opt("timeInForce", tif)
                .param("quantity", qty)
                .opt("price", price)
                .opt("stopPrice", trigger)
                .opt("trailingDelta", trailing)
                .param("newClientOrderId", cid)
                .param("newOrderRespType", "FULL");
            c.orders = 1;
            Ok(c)
        }
        Api::Futures if !req.order_type.is_conditional() => {
            let ty = match req.order_type {
                OrderType::Market => "MARKET",
                _ => "LIMIT",
            };
            let tif = (req.order_type == OrderType::Limit).then(|| tif_str(api, req.time_in_force));
            let mut c = Call::new(Method::Post, api, "/fapi/v1/order", true, 0)
                .param("symbol", venue_symbol)
                .param("side", side_str(req.side))
                .opt("positionSide", req.position_side.map(position_side_str))
                .param("type", ty)
                .opt("timeInForce", tif)
                .param("quantity", qty)
                .opt("price", price)
                // reduceOnly is forbidden in hedge mode (binance.md quirk 5).
                .opt(
                    "reduceOnly",
                    (req.reduce_only && req.position_side.is_none()).then_some("true"),
                )
                .param("newClientOrderId", cid)
                .param("newOrderRespType", "RESULT");
            c.orders = 1;
            Ok(c)
        }
        Api::Futures => {
            let ty = match req.order_type {
                OrderType::StopMarket => "STOP_MARKET",
                OrderType::StopLimit => "STOP",
                OrderType::TakeProfitMarket => "TAKE_PROFIT_MARKET",
                OrderType::TakeProfitLimit => "TAKE_PROFIT",
                OrderType::TrailingStop => "TRAILING_STOP_MARKET",
                OrderType::Market | OrderType::Limit => "MARKET",
            };
            let trailing = req.order_type == OrderType::TrailingStop;
            let tif = req.order_type.needs_price().then(|| tif_str(api, req.time_in_force));
            let mut c = Call::new(Method::Post, api, "/fapi/v1/algoOrder", true, 0)
                .param("algoType", "CONDITIONAL")
                .param("symbol", venue_symbol)
                .param("side", side_str(req.side))
                .opt("positionSide", req.position_side.map(position_side_str))
                .param("type", ty)
                .opt("timeInForce", tif)
                .param("quantity", qty)
                .opt("price", price);
            c = if trailing {
                c.opt("activatePrice", trigger)
                    .opt("callbackRate", req.callback_rate.map(fmt_dec))
            } else {
                c.opt("triggerPrice", trigger)
            };
            c = c
                .opt(
                    "reduceOnly",
                    (req.reduce_only && req.position_side.is_none()).then_some("true"),
                )
                .param("clientAlgoId", cid);
            c.orders = 1;
            Ok(c)
        }
    }
}

fn order_ref(c: Call, r: &OrderRef, algo: bool) -> Call {
    match (r, algo) {
        (OrderRef::Id(id), false) => c.param("orderId", id),
        (OrderRef::Client(id), false) => c.param("origClientOrderId", id),
        (OrderRef::Id(id), true) => c.param("algoId", id),
        (OrderRef::Client(id), true) => c.param("clientAlgoId", id),
    }
}

/// `DELETE /api/v3/order` / `DELETE /fapi/v1/order` (weight 1).
pub fn cancel_order(api: Api, symbol: &str, r: &OrderRef) -> Call {
    let path = match api {
        Api::Spot => "/api/v3/order",
        Api::Futures => "/fapi/v1/order",
    };
    order_ref(
        Call::new(Method::Delete, api, path, true, 1).param("symbol", symbol),
        r,
        false,
    )
}

/// `DELETE /fapi/v1/algoOrder` (weight 1; not in binance.md, assumed like the regular cancel).
pub fn cancel_algo_order(symbol: &str, r: &OrderRef) -> Call {
    order_ref(
        Call::new(Method::Delete, Api::Futures, "/fapi/v1/algoOrder", true, 1).param("symbol", symbol),
        r,
        true,
    )
}

/// `DELETE /api/v3/openOrders` / `DELETE /fapi/v1/allOpenOrders` (weight 1).
pub fn cancel_all(api: Api, symbol: &str) -> Call {
    let path = match api {
        Api::Spot => "/api/v3/openOrders",
        Api::Futures => "/fapi/v1/allOpenOrders",
    };
    Call::new(Method::Delete, api, path, true, 1).param("symbol", symbol)
}

/// `DELETE /fapi/v1/algoOpenOrders` (weight 1; assumed).
pub fn cancel_all_algo(symbol: &str) -> Call {
    Call::new(Method::Delete, Api::Futures, "/fapi/v1/algoOpenOrders", true, 1).param("symbol", symbol)
}

/// `GET /api/v3/order` (weight 4) / `GET /fapi/v1/order` (weight 1).
pub fn query_order(api: Api, symbol: &str, r: &OrderRef) -> Call {
    let (path, w) = match api {
        Api::Spot => ("/api/v3/order", 4),
        Api::Futures => ("/fapi/v1/order", 1),
    };
    order_ref(
        Call::new(Method::Get, api, path, true, w).param("symbol", symbol),
        r,
        false,
    )
}

/// `GET /fapi/v1/algoOrder` (weight 1; assumed).
pub fn query_algo_order(symbol: &str, r: &OrderRef) -> Call {
    order_ref(
        Call::new(Method::Get, Api::Futures, "/fapi/v1/algoOrder", true, 1).param("symbol", symbol),
        r,
        true,
    )
}

/// `GET /api/v3/openOrders` (6 / 80 without symbol) / `GET /fapi/v1/openOrders` (1 / 40).
pub fn open_orders(api: Api, symbol: Option<&str>) -> Call {
    let (path, one, all) = match api {
        Api::Spot => ("/api/v3/openOrders", 6, 80),
        Api::Futures => ("/fapi/v1/openOrders", 1, 40),
    };
    Call::new(Method::Get, api, path, true, if symbol.is_some() { one } else { all }).opt("symbol", symbol)
}

/// `GET /fapi/v1/openAlgoOrders` (weight assumed 1 with a symbol, 40 without, as open orders).
pub fn open_algo_orders(symbol: Option<&str>) -> Call {
    Call::new(
        Method::Get,
        Api::Futures,
        "/fapi/v1/openAlgoOrders",
        true,
        if symbol.is_some() { 1 } else { 40 },
    )
    .opt("symbol", symbol)
}

/// `GET /api/v3/allOrders` (weight 20) / `GET /fapi/v1/allOrders` (weight 5); limit ≤ 1000.
pub fn all_orders(
    api: Api,
    symbol: &str,
    since: Option<TimestampMs>,
    until: Option<TimestampMs>,
    limit: Option<usize>,
) -> Call {
    let (path, w) = match api {
        Api::Spot => ("/api/v3/allOrders", 20),
        Api::Futures => ("/fapi/v1/allOrders", 5),
    };
    Call::new(Method::Get, api, path, true, w)
        .param("symbol", symbol)
        .opt("startTime", since)
        .opt("endTime", until)
        .opt("limit", limit.map(|l| l.clamp(1, MAX_ORDERS)))
}

/// `GET /fapi/v1/allAlgoOrders` (weight assumed 5, as all orders).
pub fn all_algo_orders(
    symbol: &str,
    since: Option<TimestampMs>,
    until: Option<TimestampMs>,
    limit: Option<usize>,
) -> Call {
    Call::new(Method::Get, Api::Futures, "/fapi/v1/allAlgoOrders", true, 5)
        .param("symbol", symbol)
        .opt("startTime", since)
        .opt("endTime", until)
        .opt("limit", limit.map(|l| l.clamp(1, MAX_ORDERS)))
}

/// `GET /api/v3/account?omitZeroBalances=true` (weight 20).
pub fn spot_account() -> Call {
    Call::new(Method::Get, Api::Spot, "/api/v3/account", true, 20).param("omitZeroBalances", "true")
}

/// `GET /fapi/v3/balance` (weight 5).
pub fn futures_balance() -> Call {
    Call::new(Method::Get, Api::Futures, "/fapi/v3/balance", true, 5)
}

/// `GET /fapi/v3/positionRisk` (weight 5).
pub fn position_risk(symbol: Option<&str>) -> Call {
    Call::new(Method::Get, Api::Futures, "/fapi/v3/positionRisk", true, 5).opt("symbol", symbol)
}

/// `POST /fapi/v1/leverage` (weight 1); leverage 1–125.
pub fn leverage(symbol: &str, leverage: u32) -> Result<Call> {
    if !(1..=125).contains(&leverage) {
        return Err(bad_request(format!("leverage {leverage} is outside 1..=125")));
    }
    Ok(Call::new(Method::Post, Api::Futures, "/fapi/v1/leverage", true, 1)
        .param("symbol", symbol)
        .param("leverage", leverage))
}

/// `POST /fapi/v1/marginType` (weight 1): `ISOLATED` or `CROSSED`.
pub fn margin_type(symbol: &str, mode: MarginMode) -> Call {
    Call::new(Method::Post, Api::Futures, "/fapi/v1/marginType", true, 1)
        .param("symbol", symbol)
        .param(
            "marginType",
            match mode {
                MarginMode::Isolated => "ISOLATED",
                MarginMode::Cross => "CROSSED",
            },
        )
}

/// `POST /fapi/v1/positionSide/dual` (weight 1): `true` for hedge mode.
pub fn position_mode(mode: PositionMode) -> Call {
    Call::new(Method::Post, Api::Futures, "/fapi/v1/positionSide/dual", true, 1)
        .param("dualSidePosition", matches!(mode, PositionMode::Hedge))
}

/// `GET /fapi/v1/positionSide/dual` (weight 30 per the futures docs is not in binance.md; 1 assumed).
pub fn get_position_mode() -> Call {
    Call::new(Method::Get, Api::Futures, "/fapi/v1/positionSide/dual", true, 1)
}

/// `GET /fapi/v1/income` (weight 30); limit ≤ 1000.
pub fn income(
    symbol: Option<&str>,
    income_type: Option<&str>,
    since: Option<TimestampMs>,
    until: Option<TimestampMs>,
    limit: Option<usize>,
) -> Call {
    Call::new(Method::Get, Api::Futures, "/fapi/v1/income", true, 30)
        .opt("symbol", symbol)
        .opt("incomeType", income_type)
        .opt("startTime", since)
        .opt("endTime", until)
        .opt("limit", limit.map(|l| l.clamp(1, MAX_INCOME)))
}

/// The page size of the first (and every full) kline request for a candle query: the caller's
/// total when it fits in one page, the venue maximum for ranges, else the venue default.
pub fn candle_page_size(
    api: Api,
    since: Option<TimestampMs>,
    until: Option<TimestampMs>,
    limit: Option<usize>,
) -> Option<usize> {
    let max = max_klines(api);
    match (limit, since, until) {
        (Some(n), _, _) => Some(n.clamp(1, max)),
        (None, Some(_), _) => Some(max),
        (None, None, _) => None,
    }
}

/// How Binance pages klines: forward from a cursor just after the newest bar received (pages
/// are anchored at `startTime`), backward from `endTime` for the latest bars; a page shorter
/// than asked is the end of the data either way.
pub const CANDLE_PAGING: paginate::Strategy = paginate::Strategy {
    forward: paginate::Forward::Cursor,
    latest: paginate::Latest::Pages { short_page_ends: true },
};

/// Fetches the candles of `q` in pages of at most the venue maximum, ascending by open time and
/// without duplicates, through the core driver ([`paginate::candles`] with [`CANDLE_PAGING`]).
/// `fetch(start, end, limit)` performs one kline request.
///
/// With `since`, pages walk forward from `since` (up to `until`, or until a short page);
/// without it, pages walk backward from `until` (or now) until `limit` candles are collected.
/// Without `since` and `limit`, one request returns the venue's latest page.
pub async fn paginate_candles<F, Fut>(api: Api, q: &CandleQuery, mut fetch: F) -> Result<Vec<Candle>>
where
    F: FnMut(Option<TimestampMs>, Option<TimestampMs>, Option<usize>) -> Fut,
    Fut: Future<Output = Result<Vec<Candle>>>,
{
    let max = max_klines(api);
    paginate::candles(
        paginate::Range::of(q),
        CANDLE_PAGING,
        |_| max,
        |w| match w {
            Window::Forward { start, end, count } => fetch(Some(start), end, Some(count)),
            Window::Backward { end, count } => fetch(None, end, count),
        },
    )
    .await
}

/// The widest `startTime`..`endTime` range futures history endpoints accept (under 7 days).
pub const FUTURES_HISTORY_WINDOW_MS: TimestampMs = 7 * 24 * 3_600_000 - 1;

/// Splits `since..=until` into consecutive inclusive windows of at most `span` ms.
pub fn time_windows(
    since: TimestampMs,
    until: TimestampMs,
    span: TimestampMs,
) -> Vec<(Option<TimestampMs>, Option<TimestampMs>)> {
    let span = span.max(1);
    let mut out = Vec::new();
    let mut start = since;
    loop {
        let end = start.saturating_add(span - 1).min(until);
        out.push((Some(start), Some(end)));
        if end >= until {
            break;
        }
        start = end + 1;
    }
    out
}

/// The API of `market`'s kind, or `Unsupported`.
pub fn api_for(market: &Market) -> Result<Api> {
    Api::for_kind(market.kind).ok_or_else(|| unsupported("inverse perpetuals are not supported by exch-binance"))
}

/// Rate-limit scope of the IP request weight of `api`.
pub const fn weight_scope(api: Api) -> &'static str {
    match api {
        Api::Spot => "binance_spot_weight",
        Api::Futures => "binance_futures_weight",
    }
}

/// Rate-limit scope of the account's order count on `api`.
pub const fn orders_scope(api: Api) -> &'static str {
    match api {
        Api::Spot => "binance_spot_orders",
        Api::Futures => "binance_futures_orders",
    }
}

/// The scopes and their default quotas (binance.md §5: spot 6000 weight/min and 50 orders/10 s;
/// futures 2400 weight/min and 1200 orders/min).
pub fn default_scopes() -> Vec<(&'static str, ScopeQuota)> {
    let q = |n, secs| ScopeQuota::new(n, Duration::from_secs(secs)).expect("positive quota");
    vec![
        (weight_scope(Api::Spot), q(6000, 60)),
        (weight_scope(Api::Futures), q(2400, 60)),
        (orders_scope(Api::Spot), q(50, 10)),
        (orders_scope(Api::Futures), q(1200, 60)),
    ]
}

/// The transport hooks of one API: the error table and the usage headers.
#[derive(Debug, Clone, Copy)]
pub struct Hooks {
    api: Api,
}

impl VenueHooks for Hooks {
    fn venue(&self) -> Venue {
        Venue::Binance
    }

    fn map_error(&self, status: u16, headers: &http::HeaderMap, body: &[u8], endpoint: &str) -> Option<Error> {
        if (200..300).contains(&status) {
            return None;
        }
        let ra = headers.get(http::header::RETRY_AFTER).and_then(|v| v.to_str().ok());
        Some(crate::errors::from_response(status, ra, body, endpoint))
    }

    /// Reads `X-MBX-USED-WEIGHT-1M` into the weight scope, and the order counters
    /// (`X-MBX-ORDER-COUNT-10S` on spot, `-1M` on futures) into the orders scope.
    fn observe_headers(&self, headers: &http::HeaderMap, limiter: &RateLimiter) {
        let num = |name: &str| -> Option<u64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
        if let Some(used) = num("x-mbx-used-weight-1m") {
            limiter.observe_used(weight_scope(self.api), used);
        }
        let orders = match self.api {
            Api::Spot => num("x-mbx-order-count-10s"),
            Api::Futures => num("x-mbx-order-count-1m"),
        };
        if let Some(used) = orders {
            limiter.observe_used(orders_scope(self.api), used);
        }
    }
}

/// Sends calls of both APIs: one transport and one clock per API, one shared limiter.
pub struct Rest {
    credentials: Option<Credentials>,
    recv_window_ms: u64,
    urls: [String; 2],
    transports: [HttpTransport; 2],
    clocks: [Arc<ClockSync>; 2],
    retry: RetryPolicy,
}

impl std::fmt::Debug for Rest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rest")
            .field("credentials", &self.credentials)
            .field("recv_window_ms", &self.recv_window_ms)
            .field("urls", &self.urls)
            .field("clocks", &self.clocks)
            .field("retry", &self.retry)
            .finish()
    }
}

const fn idx(api: Api) -> usize {
    match api {
        Api::Spot => 0,
        Api::Futures => 1,
    }
}

impl Rest {
    /// Transports, clocks and the shared limiter for `config`.
    pub fn new(config: &ClientConfig, retry: RetryPolicy) -> Result<Self> {
        // Unauthenticated clients get public buckets per server (keyed by the spot base URL, which
        // tells production, testnet and a simulator apart).
        let key =
            LimiterKey::for_credentials_at(Venue::Binance, config.credentials.as_ref(), &Api::Spot.base_url(config));
        let limiter = LimiterRegistry::global().limiter_with_scopes(&key, &default_scopes());
        for (name, quota) in default_scopes() {
            limiter.ensure_scope(name, quota);
        }
        let urls = [Api::Spot.base_url(config), Api::Futures.base_url(config)];
        for u in &urls {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(
                    Error::new(ErrorKind::Config, format!("invalid Binance base URL `{u}`")).with_venue(Venue::Binance)
                );
            }
        }
        let transport = |api| -> Result<HttpTransport> {
            Ok(HttpTransport::new(config, Arc::new(Hooks { api }), limiter.clone())?.with_retry_policy(retry))
        };
        let transports = [transport(Api::Spot)?, transport(Api::Futures)?];
        let clock = |api: Api| {
            let t = transports[idx(api)].clone();
            let base = urls[idx(api)].clone();
            Arc::new(ClockSync::from_config(config, move || {
                let t = t.clone();
                let base = base.clone();
                async move {
                    let p = server_time(api).prepare(None)?;
                    let resp = t.send(to_request(&base, &p, &server_time(api))?).await?;
                    Ok(resp.json::<crate::wire::ServerTime>()?.server_time)
                }
            }))
        };
        let clocks = [clock(Api::Spot), clock(Api::Futures)];
        Ok(Rest {
            credentials: config.credentials.clone(),
            recv_window_ms: crate::config::recv_window_ms(config),
            urls,
            transports,
            clocks,
            retry,
        })
    }

    /// The clock of `api`.
    pub fn clock(&self, api: Api) -> &ClockSync {
        &self.clocks[idx(api)]
    }

    /// The base URL of `api`.
    pub fn base_url(&self, api: Api) -> &str {
        &self.urls[idx(api)]
    }

    /// The shared rate limiter.
    pub fn limiter(&self) -> &Arc<RateLimiter> {
        self.transports[0].limiter()
    }

    fn prepare(&self, call: &Call, timestamp_ms: Option<TimestampMs>) -> Result<Request> {
        let prepared = match (&self.credentials, timestamp_ms) {
            (Some(c), Some(ts)) if call.signed => call.prepare(Some(&Auth {
                api_key: &c.api_key,
                secret: c.secret.expose(),
                recv_window_ms: self.recv_window_ms,
                timestamp_ms: ts,
            }))?,
            _ => call.prepare(None)?,
        };
        to_request(self.base_url(call.api), &prepared, call)
    }

    async fn timestamp(&self, call: &Call) -> Result<Option<TimestampMs>> {
        if call.signed && self.credentials.is_some() {
            Ok(Some(self.clock(call.api).timestamp_ms().await?))
        } else {
            Ok(None)
        }
    }

    /// Sends a read (`GET`): retried under the retry policy and signed afresh for every
    /// attempt; a `-1021` resyncs the clock once and the read is sent again with a fresh
    /// timestamp ([`HttpTransport::send_read_synced`]).
    pub async fn read(&self, call: &Call) -> Result<Response> {
        let signed = call.signed && self.credentials.is_some();
        let clock = self.clock(call.api);
        if signed {
            clock.ensure_fresh().await?;
        }
        self.transports[idx(call.api)]
            .send_read_synced(clock, |now| self.prepare(call, signed.then_some(now)))
            .await
    }

    /// Sends a write once, never retried. A `-1021` resyncs the clock for the next request.
    pub async fn write(&self, call: &Call) -> Result<Response> {
        let ts = self.timestamp(call).await?;
        let r = self.transports[idx(call.api)].send(self.prepare(call, ts)?).await;
        if let Err(e) = &r {
            if e.kind() == ErrorKind::ClockSkew {
                let _ = self.clock(call.api).resync().await;
            }
        }
        r
    }

    /// Sends `call` as a read or a write according to its method.
    pub async fn send(&self, call: &Call) -> Result<Response> {
        match call.method {
            Method::Get => self.read(call).await,
            Method::Post | Method::Delete => self.write(call).await,
        }
    }
}

/// Converts a prepared call into a core transport request with its limiter costs.
pub fn to_request(base_url: &str, p: &Prepared, call: &Call) -> Result<Request> {
    let mut r = match p.method {
        Method::Get => Request::get(base_url, p.path),
        Method::Post => Request::post(base_url, p.path),
        Method::Delete => Request::delete(base_url, p.path),
    }
    .query(p.query.clone());
    if p.method == Method::Post {
        r = r.body(p.body.clone(), "application/x-www-form-urlencoded");
    }
    for (k, v) in &p.headers {
        if k.eq_ignore_ascii_case("content-type") {
            continue;
        }
        r = r.secret_header(k, v)?;
    }
    if call.weight > 0 {
        r = r.cost(weight_scope(call.api), call.weight);
    }
    if call.orders > 0 {
        r = r.cost(orders_scope(call.api), call.orders);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPOT_KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
    const SPOT_SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

    #[test]
    fn signed_get_matches_vector_b4() {
        let c = query_order(Api::Spot, "BTCUSDT", &OrderRef::Id("12345".into()));
        let p = c
            .prepare(Some(&Auth {
                api_key: SPOT_KEY,
                secret: SPOT_SECRET,
                recv_window_ms: 5000,
                timestamp_ms: 1_700_000_000_000,
            }))
            .unwrap();
        assert_eq!(
            p.query,
            "symbol=BTCUSDT&orderId=12345&recvWindow=5000&timestamp=1700000000000&signature=4dac6a9e88a0b8ee48458050696ec45cb73f6adad35eb4550d1fc0315e810d0e"
        );
        assert!(p.body.is_empty());
        assert_eq!(p.headers[0], ("X-MBX-APIKEY".to_string(), SPOT_KEY.to_string()));
        assert_eq!(c.weight, 4);
    }

    #[test]
    fn signed_without_credentials_is_auth() {
        assert_eq!(spot_account().prepare(None).unwrap_err().kind(), ErrorKind::Auth);
        assert!(server_time(Api::Spot).prepare(None).unwrap().headers.is_empty());
    }

    #[test]
    fn depth_limits_the_venue_accepts() {
        assert_eq!(depth_limit(Api::Futures, Some(7)), Some(10));
        assert_eq!(depth_limit(Api::Futures, Some(1)), Some(5));
        assert_eq!(depth_limit(Api::Futures, Some(600)), Some(1000));
        assert_eq!(depth_limit(Api::Futures, Some(99_999)), Some(1000));
        assert_eq!(depth_limit(Api::Spot, Some(7)), Some(7));
        assert_eq!(depth_limit(Api::Spot, Some(99_999)), Some(5000));
        assert_eq!(depth_limit(Api::Spot, None), None);
        assert_eq!(depth(Api::Spot, "BTCUSDT", Some(5000)).weight, 250);
        assert_eq!(depth(Api::Spot, "BTCUSDT", Some(101)).weight, 25);
        assert_eq!(depth(Api::Futures, "BTCUSDT", Some(20)).weight, 2);
        assert_eq!(depth(Api::Futures, "BTCUSDT", Some(100)).weight, 5);
        assert_eq!(depth(Api::Futures, "BTCUSDT", None).weight, 10);
        assert_eq!(depth(Api::Futures, "BTCUSDT", Some(1000)).weight, 20);
    }

    #[test]
    fn weights_follow_binance_md() {
        assert_eq!(ticker_24h(Api::Spot, None).weight, 80);
        assert_eq!(ticker_24h(Api::Spot, Some("BTCUSDT")).weight, 2);
        assert_eq!(ticker_24h(Api::Futures, None).weight, 40);
        assert_eq!(open_orders(Api::Spot, None).weight, 80);
        assert_eq!(open_orders(Api::Futures, None).weight, 40);
        assert_eq!(exchange_info(Api::Spot).weight, 20);
        assert_eq!(income(None, None, None, None, None).weight, 30);
        let k = |l| {
            klines(Api::Futures, "X", Interval::M1, None, None, Some(l))
                .unwrap()
                .weight
        };
        assert_eq!((k(99), k(100), k(500), k(1001)), (1, 2, 5, 10));
        assert!(klines(Api::Futures, "X", Interval::S1, None, None, None).is_err());
        assert_eq!(
            klines(Api::Spot, "X", Interval::M1, None, None, Some(5000))
                .unwrap()
                .get("limit"),
            Some("1000")
        );
    }

    #[test]
    fn post_carries_a_form_body() {
        let p = leverage("BTCUSDT", 10)
            .unwrap()
            .prepare(Some(&Auth {
                api_key: "k",
                secret: "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9",
                recv_window_ms: 5000,
                timestamp_ms: 1_700_000_000_000,
            }))
            .unwrap();
        assert!(p.query.is_empty());
        assert!(p
            .body
            .starts_with("symbol=BTCUSDT&leverage=10&recvWindow=5000&timestamp=1700000000000&signature="));
        assert!(leverage("BTCUSDT", 0).is_err());
        assert!(leverage("BTCUSDT", 126).is_err());
    }

    type Calls = std::cell::RefCell<Vec<(Option<i64>, Option<i64>, Option<usize>)>>;

    #[test]
    fn history_windows_cover_the_range_without_overlap() {
        let w = time_windows(0, 25, 10);
        assert_eq!(w, vec![(Some(0), Some(9)), (Some(10), Some(19)), (Some(20), Some(25))]);
        assert_eq!(time_windows(5, 5, 10), vec![(Some(5), Some(5))]);
        let day = 24 * 3_600_000;
        assert_eq!(time_windows(0, 20 * day, FUTURES_HISTORY_WINDOW_MS).len(), 3);
        assert!(time_windows(0, 20 * day, FUTURES_HISTORY_WINDOW_MS)
            .iter()
            .all(|(s, e)| e.unwrap() - s.unwrap() < 7 * day));
    }

    #[test]
    fn usage_headers_reach_the_limiter_and_costs_the_weights() {
        let limiter = RateLimiter::new();
        for (name, q) in default_scopes() {
            limiter.ensure_scope(name, q);
        }
        let mut h = http::HeaderMap::new();
        h.insert("x-mbx-used-weight-1m", http::HeaderValue::from_static("1234"));
        h.insert("x-mbx-order-count-10s", http::HeaderValue::from_static("7"));
        Hooks { api: Api::Spot }.observe_headers(&h, &limiter);
        assert_eq!(limiter.usage(weight_scope(Api::Spot)).unwrap().used, 1234);
        assert_eq!(limiter.usage(orders_scope(Api::Spot)).unwrap().used, 7);
        assert!(limiter.usage(weight_scope(Api::Futures)).is_none());
        // Costs: spot placement = 1 weight + 1 order; futures placement = 0 weight + 1 order.
        let req = OrderRequest::market("BTC/USDT".parse().unwrap(), Side::Buy, Decimal::ONE)
            .build()
            .unwrap();
        let c = new_order(Api::Spot, "BTCUSDT", &req, "x1").unwrap();
        let r = to_request(
            "http://127.0.0.1:1",
            &c.prepare(None).unwrap_or_else(|_| unsigned(&c)),
            &c,
        )
        .unwrap();
        assert_eq!(
            r.costs,
            vec![
                (weight_scope(Api::Spot).to_string(), 1),
                (orders_scope(Api::Spot).to_string(), 1)
            ]
        );
        let perp = OrderRequest::market("BTC/USDT:USDT".parse().unwrap(), Side::Buy, Decimal::ONE)
            .build()
            .unwrap();
        let c = new_order(Api::Futures, "BTCUSDT", &perp, "x1").unwrap();
        let r = to_request("http://127.0.0.1:1", &unsigned(&c), &c).unwrap();
        assert_eq!(r.costs, vec![(orders_scope(Api::Futures).to_string(), 1)]);
        let c = depth(Api::Spot, "BTCUSDT", Some(5000));
        let r = to_request("http://127.0.0.1:1", &c.prepare(None).unwrap(), &c).unwrap();
        assert_eq!(r.costs, vec![(weight_scope(Api::Spot).to_string(), 250)]);
    }

    /// A signed call prepared with a throwaway key (only the costs matter here).
    fn unsigned(c: &Call) -> Prepared {
        c.prepare(Some(&Auth {
            api_key: "k",
            secret: "s",
            recv_window_ms: 5000,
            timestamp_ms: 1,
        }))
        .unwrap()
    }

    fn bar(t: i64) -> Candle {
        Candle {
            open_time: t,
            open: Decimal::ONE,
            high: Decimal::ONE,
            low: Decimal::ONE,
            close: Decimal::ONE,
            volume: Decimal::ONE,
            quote_volume: None,
            closed: Some(true),
        }
    }

    /// A venue with one-minute bars from `first` to `last`: returns up to `limit` bars from
    /// `start` (ascending), or the last `limit` bars up to `end`, like Binance.
    fn venue(
        first: i64,
        last: i64,
        calls: &Calls,
        start: Option<i64>,
        end: Option<i64>,
        limit: Option<usize>,
    ) -> std::future::Ready<Result<Vec<Candle>>> {
        calls.borrow_mut().push((start, end, limit));
        let n = limit.unwrap_or(500);
        let all: Vec<i64> = (first..=last)
            .step_by(60_000)
            .filter(|t| start.is_none_or(|s| *t >= s) && end.is_none_or(|e| *t <= e))
            .collect();
        let pick: Vec<i64> = if start.is_some() {
            all.into_iter().take(n).collect()
        } else {
            let skip = all.len().saturating_sub(n);
            all.into_iter().skip(skip).collect()
        };
        std::future::ready(Ok(pick.into_iter().map(bar).collect()))
    }

    #[tokio::test]
    async fn five_thousand_minutes_in_pages_of_the_maximum() {
        let t0 = 1_700_000_000_000 - 1_700_000_000_000 % 60_000;
        let calls = std::cell::RefCell::new(Vec::new());
        let sym: exch_core::Symbol = "BTC/USDT".parse().unwrap();
        let q = CandleQuery::new(sym, Interval::M1).since(t0).limit(5000);
        let got = paginate_candles(Api::Spot, &q, |s, e, l| {
            venue(t0, t0 + 10_000 * 60_000, &calls, s, e, l)
        })
        .await
        .unwrap();
        assert_eq!(got.len(), 5000);
        assert!(got.windows(2).all(|w| w[1].open_time == w[0].open_time + 60_000));
        assert_eq!(got[0].open_time, t0);
        let calls = calls.into_inner();
        assert_eq!(calls.len(), 5);
        assert!(calls.iter().all(|c| c.2 == Some(1000)));
        assert_eq!(calls[1].0, Some(t0 + 999 * 60_000 + 1));
    }

    #[tokio::test]
    async fn a_range_ends_at_until_and_backwards_pages_join_without_duplicates() {
        let t0 = 1_700_000_000_000 - 1_700_000_000_000 % 60_000;
        let calls = std::cell::RefCell::new(Vec::new());
        let sym: exch_core::Symbol = "BTC/USDT:USDT".parse().unwrap();
        let q = CandleQuery::new(sym.clone(), Interval::M1)
            .since(t0)
            .until(t0 + 3999 * 60_000);
        let got = paginate_candles(Api::Futures, &q, |s, e, l| {
            venue(t0, t0 + 10_000 * 60_000, &calls, s, e, l)
        })
        .await
        .unwrap();
        assert_eq!(got.len(), 4000);
        assert_eq!(got.last().unwrap().open_time, t0 + 3999 * 60_000);
        assert_eq!(calls.borrow().len(), 3, "1500 + 1500 + 1000");
        // No start: walk back from `until`.
        let calls = std::cell::RefCell::new(Vec::new());
        let q = CandleQuery::new(sym, Interval::M1)
            .until(t0 + 9_999 * 60_000)
            .limit(2500);
        let got = paginate_candles(Api::Futures, &q, |s, e, l| {
            venue(t0, t0 + 10_000 * 60_000, &calls, s, e, l)
        })
        .await
        .unwrap();
        assert_eq!(got.len(), 2500);
        assert!(got.windows(2).all(|w| w[1].open_time == w[0].open_time + 60_000));
        assert_eq!(got.last().unwrap().open_time, t0 + 9_999 * 60_000);
        assert_eq!(calls.borrow().len(), 2);
    }
}
