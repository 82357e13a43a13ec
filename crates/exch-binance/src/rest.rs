//! Request building (method, path, query or form body, headers) for every endpoint this crate
//! uses, with the request weights of binance.md §4, and signing with a given clock and key.
//!
//! Building is pure: [`Call`] describes an unsigned request and [`Call::prepare`] turns it
//! into the exact bytes to send for a timestamp and key, so request-side snapshot tests pin
//! everything with a fixed clock. Sending lives in [`crate::client`].
//!
//! Placement of parameters follows the docs: `GET` and `DELETE` carry them in the query string,
//! `POST` in an `application/x-www-form-urlencoded` body; signed requests append `recvWindow`,
//! `timestamp` and finally `signature` (binance.md §2).

use exch_core::sign::Query;
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

/// The API of `market`'s kind, or `Unsupported`.
pub fn api_for(market: &Market) -> Result<Api> {
    Api::for_kind(market.kind).ok_or_else(|| unsupported("inverse perpetuals are not supported by exch-binance"))
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
}
