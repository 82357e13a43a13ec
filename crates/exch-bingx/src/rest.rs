//! Request building (method, path, parameters) for every BingX operation, and the step that
//! turns a [`Call`] into a signed [`exch_core::transport::Request`] for the core transport.
//!
//! Builders are pure: they take native symbols and typed arguments and return a [`Call`].
//! [`Call::prepare`] adds `timestamp` (and `recvWindow` on signed calls), sorts the
//! parameters by key, signs the raw string and percent-encodes the values for the wire
//! (`shared/venues/bingx.md` §2). Every call carries its rate-limit costs.

use exch_core::transport::Request;
use exch_core::{
    Credentials, Error, ErrorKind, IncomeQuery, Interval, MarginMode, MarketKind, OrderRef, OrderRequest, OrderType,
    PositionMode, PositionSide, Result, Side, TimeInForce, Venue,
};
use http::Method;
use rust_decimal::Decimal;

use crate::config::API_KEY_HEADER;
use crate::sign;

/// Limiter scope of every request: BingX's 1200 requests per minute per IP.
pub const SCOPE_ALL: &str = "ip";
/// Limiter scope of public market data (group 1: 1000 requests per minute per IP).
pub const SCOPE_MARKET: &str = "market";
/// Limiter scope of swap order placement and cancellation (5 per second per account).
pub const SCOPE_SWAP_ORDER: &str = "swap_order";
/// Limiter scope of spot order placement and cancellation (10 per second per account).
pub const SCOPE_SPOT_ORDER: &str = "spot_order";
/// Limiter scope of margin-mode changes (2 per second per account).
pub const SCOPE_MARGIN_TYPE: &str = "margin_type";

/// Swap order-book depths BingX accepts.
pub const SWAP_DEPTHS: [usize; 7] = [5, 10, 20, 50, 100, 500, 1000];
/// Maximum candles per request (swap and spot).
pub const MAX_KLINES: usize = 1440;
/// Bars returned for the latest candles when the caller sets no limit (the venue's default).
pub const DEFAULT_KLINES: usize = 500;
/// Maximum swap public trades per request.
pub const MAX_SWAP_TRADES: usize = 1000;
/// Maximum spot public trades per request.
pub const MAX_SPOT_TRADES: usize = 500;
/// Maximum swap orders per history request.
pub const MAX_SWAP_HISTORY: usize = 1000;
/// Maximum spot orders per history page.
pub const MAX_SPOT_HISTORY: usize = 100;
/// Maximum income records per request.
pub const MAX_INCOME: usize = 1000;

/// One BingX REST call before timestamping and signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// HTTP method.
    pub method: Method,
    /// Path, e.g. `/openApi/swap/v2/trade/order`.
    pub path: &'static str,
    /// Business parameters in insertion order (sorted when prepared).
    pub params: Vec<(String, String)>,
    /// Needs the API key and a signature.
    pub signed: bool,
    /// Rate-limit costs `(scope, weight)`.
    pub costs: Vec<(&'static str, u32)>,
}

impl Call {
    fn new(method: Method, path: &'static str, signed: bool) -> Self {
        let mut costs = vec![(SCOPE_ALL, 1)];
        if !signed {
            costs.push((SCOPE_MARKET, 1));
        }
        Call {
            method,
            path,
            params: Vec::new(),
            signed,
            costs,
        }
    }

    fn get(path: &'static str) -> Self {
        Call::new(Method::GET, path, false)
    }

    fn private(method: Method, path: &'static str) -> Self {
        Call::new(method, path, true)
    }

    fn p(mut self, k: &str, v: impl ToString) -> Self {
        self.params.push((k.to_string(), v.to_string()));
        self
    }

    fn opt(self, k: &str, v: Option<impl ToString>) -> Self {
        match v {
            Some(v) => self.p(k, v),
            None => self,
        }
    }

    fn cost(mut self, scope: &'static str, w: u32) -> Self {
        self.costs.push((scope, w));
        self
    }

    /// The endpoint label, e.g. `POST /openApi/swap/v2/trade/order`.
    pub fn endpoint(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// True for calls that may be repeated safely (GET).
    pub fn idempotent(&self) -> bool {
        self.method == Method::GET
    }

    /// The value of a business parameter.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The wire query: business parameters plus `timestamp` (and `recvWindow` when signed),
    /// sorted by key, values encoded, `signature` last on signed calls.
    pub fn query(&self, credentials: Option<&Credentials>, timestamp_ms: i64, recv_window_ms: u64) -> Result<String> {
        let mut params = self.params.clone();
        params.push(("timestamp".into(), timestamp_ms.to_string()));
        if self.signed {
            let c = credentials.ok_or_else(|| {
                Error::new(
                    ErrorKind::Auth,
                    format!("{} needs API credentials (ClientConfig::credentials)", self.endpoint()),
                )
                .with_venue(Venue::Bingx)
            })?;
            params.push(("recvWindow".into(), recv_window_ms.to_string()));
            Ok(sign::signed_query(c.secret.expose(), &mut params))
        } else {
            sign::sort_params(&mut params);
            Ok(sign::wire_query(&params))
        }
    }

    /// The transport request: `base_url` + path, the signed query, the `X-BX-APIKEY` header,
    /// the endpoint label, costs and idempotence.
    pub fn prepare(
        &self,
        base_url: &str,
        credentials: Option<&Credentials>,
        timestamp_ms: i64,
        recv_window_ms: u64,
    ) -> Result<Request> {
        let query = self.query(credentials, timestamp_ms, recv_window_ms)?;
        let mut req = Request::new(self.method.clone(), base_url, self.path)
            .query(query)
            .endpoint(self.endpoint())
            .idempotent(self.idempotent());
        if let Some(c) = credentials {
            req = req.header(API_KEY_HEADER, &c.api_key)?;
        }
        for (scope, w) in &self.costs {
            req = req.cost(*scope, *w);
        }
        Ok(req)
    }
}

fn is_swap(kind: MarketKind) -> Result<bool> {
    match kind {
        MarketKind::Spot => Ok(false),
        MarketKind::LinearPerpetual => Ok(true),
        MarketKind::InversePerpetual => Err(Error::unsupported(Venue::Bingx, "coin-margined swaps")),
    }
}

/// Formats a decimal without trailing zeros or exponent.
pub fn fmt_dec(d: Decimal) -> String {
    d.normalize().to_string()
}

/// `GET /openApi/swap/v2/server/time`.
pub fn server_time() -> Call {
    Call::get("/openApi/swap/v2/server/time")
}

/// `GET /openApi/swap/v2/quote/contracts`.
pub fn swap_contracts() -> Call {
    Call::get("/openApi/swap/v2/quote/contracts")
}

/// `GET /openApi/spot/v1/common/symbols`.
pub fn spot_symbols() -> Call {
    Call::get("/openApi/spot/v1/common/symbols")
}

/// 24 h ticker of one symbol, or of all symbols when `native` is `None`.
pub fn ticker(kind: MarketKind, native: Option<&str>) -> Result<Call> {
    let c = if is_swap(kind)? {
        Call::get("/openApi/swap/v2/quote/ticker")
    } else {
        Call::get("/openApi/spot/v1/ticker/24hr")
    };
    Ok(c.opt("symbol", native))
}

/// The swap depth BingX accepts for a wanted depth (rounded up; 1000 at most).
pub fn swap_depth(depth: usize) -> usize {
    SWAP_DEPTHS.into_iter().find(|d| *d >= depth).unwrap_or(1000)
}

/// Order book; `depth` rounded up to an accepted value (swap) or capped at 1000 (spot).
pub fn order_book(kind: MarketKind, native: &str, depth: Option<usize>) -> Result<Call> {
    Ok(if is_swap(kind)? {
        Call::get("/openApi/swap/v2/quote/depth")
            .p("symbol", native)
            .opt("limit", depth.map(swap_depth))
    } else {
        Call::get("/openApi/spot/v1/market/depth")
            .p("symbol", native)
            .opt("limit", depth.map(|d| d.clamp(1, 1000)))
    })
}

/// Recent public trades (`limit` capped at the venue maximum).
pub fn trades(kind: MarketKind, native: &str, limit: Option<usize>) -> Result<Call> {
    Ok(if is_swap(kind)? {
        Call::get("/openApi/swap/v2/quote/trades")
            .p("symbol", native)
            .opt("limit", limit.map(|l| l.clamp(1, MAX_SWAP_TRADES)))
    } else {
        Call::get("/openApi/spot/v1/market/trades")
            .p("symbol", native)
            .opt("limit", limit.map(|l| l.clamp(1, MAX_SPOT_TRADES)))
    })
}

/// BingX kline interval code (REST, both markets); `None` for `1s`.
pub fn interval_code(i: Interval) -> Option<&'static str> {
    (i != Interval::S1).then(|| i.as_str())
}

/// One page of candles: swap `GET /openApi/swap/v3/quote/klines`, spot
/// `GET /openApi/spot/v2/market/kline`.
pub fn klines(
    kind: MarketKind,
    native: &str,
    interval: Interval,
    start: Option<i64>,
    end: Option<i64>,
    limit: Option<usize>,
) -> Result<Call> {
    let code = interval_code(interval).ok_or_else(|| {
        Error::new(ErrorKind::BadRequest, format!("BingX has no {interval} candles")).with_venue(Venue::Bingx)
    })?;
    let c = if is_swap(kind)? {
        Call::get("/openApi/swap/v3/quote/klines")
    } else {
        Call::get("/openApi/spot/v2/market/kline")
    };
    Ok(c.p("symbol", native)
        .p("interval", code)
        .opt("startTime", start)
        .opt("endTime", end)
        .opt("limit", limit.map(|l| l.clamp(1, MAX_KLINES))))
}

fn side_code(s: Side) -> &'static str {
    match s {
        Side::Buy => "BUY",
        Side::Sell => "SELL",
    }
}

fn tif_code(t: TimeInForce) -> &'static str {
    match t {
        TimeInForce::Gtc => "GTC",
        TimeInForce::Ioc => "IOC",
        TimeInForce::Fok => "FOK",
        TimeInForce::PostOnly => "PostOnly",
    }
}

fn swap_type(t: OrderType) -> &'static str {
    match t {
        OrderType::Market => "MARKET",
        OrderType::Limit => "LIMIT",
        OrderType::StopMarket => "STOP_MARKET",
        OrderType::StopLimit => "STOP",
        OrderType::TakeProfitMarket => "TAKE_PROFIT_MARKET",
        OrderType::TakeProfitLimit => "TAKE_PROFIT",
        OrderType::TrailingStop => "TRAILING_STOP_MARKET",
    }
}

fn spot_type(t: OrderType) -> Result<&'static str> {
    Ok(match t {
        OrderType::Market => "MARKET",
        OrderType::Limit => "LIMIT",
        OrderType::StopMarket => "TRIGGER_MARKET",
        OrderType::StopLimit => "TRIGGER_LIMIT",
        OrderType::TakeProfitMarket => "TAKE_STOP_MARKET",
        OrderType::TakeProfitLimit => "TAKE_STOP_LIMIT",
        OrderType::TrailingStop => return Err(Error::unsupported(Venue::Bingx, "spot trailing stop orders")),
    })
}

/// Checks a client order id against BingX's rule (1–40 of `[A-Za-z0-9_-]`).
pub fn check_client_order_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > 40 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return Err(Error::new(
            ErrorKind::BadRequest,
            format!("BingX client order ids are 1-40 characters of [A-Za-z0-9_-], got `{id}`"),
        )
        .with_venue(Venue::Bingx));
    }
    Ok(())
}

/// The JSON string of an attached take-profit or stop-loss (`takeProfit`/`stopLoss`).
fn attached_json(kind: &str, trigger: Decimal, price: Option<Decimal>) -> String {
    let ty = match (kind, price.is_some()) {
        ("tp", false) => "TAKE_PROFIT_MARKET",
        ("tp", true) => "TAKE_PROFIT",
        (_, false) => "STOP_MARKET",
        (_, true) => "STOP",
    };
    let mut s = format!("{{\"type\":\"{ty}\",\"stopPrice\":{}", fmt_dec(trigger));
    if let Some(p) = price {
        s.push_str(&format!(",\"price\":{}", fmt_dec(p)));
    }
    s.push_str(",\"workingType\":\"MARK_PRICE\"}");
    s
}

/// Place an order. `client_order_id` is always sent (swap `clientOrderId`, spot
/// `newClientOrderId`); swap stores it lower-cased, so swap ids are lower-cased here.
/// One-way perpetual orders carry `positionSide=BOTH`; hedge orders `LONG`/`SHORT` (and no
/// `reduceOnly`, which BingX rejects in hedge mode: the side already says open or close).
pub fn place_order(kind: MarketKind, native: &str, req: &OrderRequest, client_order_id: &str) -> Result<Call> {
    check_client_order_id(client_order_id)?;
    let swap = is_swap(kind)?;
    let mut c = if swap {
        Call::private(Method::POST, "/openApi/swap/v2/trade/order").cost(SCOPE_SWAP_ORDER, 1)
    } else {
        Call::private(Method::POST, "/openApi/spot/v1/trade/order").cost(SCOPE_SPOT_ORDER, 1)
    };
    c = c.p("symbol", native).p("side", side_code(req.side));
    if swap {
        c = c
            .p("type", swap_type(req.order_type))
            .p(
                "positionSide",
                match req.position_side {
                    Some(PositionSide::Long) => "LONG",
                    Some(PositionSide::Short) => "SHORT",
                    None => "BOTH",
                },
            )
            .p("quantity", fmt_dec(req.qty));
        if req.reduce_only && req.position_side.is_none() {
            c = c.p("reduceOnly", "true");
        }
        if req.order_type == OrderType::TrailingStop {
            let rate = req.callback_rate.unwrap_or_default() / Decimal::ONE_HUNDRED;
            c = c
                .p("priceRate", fmt_dec(rate))
                .opt("activationPrice", req.trigger_price.map(fmt_dec));
        } else {
            c = c.opt("stopPrice", req.trigger_price.map(fmt_dec));
        }
        if let Some(tp) = &req.take_profit {
            c = c.p("takeProfit", attached_json("tp", tp.trigger_price, tp.price));
        }
        if let Some(sl) = &req.stop_loss {
            c = c.p("stopLoss", attached_json("sl", sl.trigger_price, sl.price));
        }
        c = c.p("clientOrderId", client_order_id.to_ascii_lowercase());
    } else {
        if req.take_profit.is_some() || req.stop_loss.is_some() {
            return Err(Error::unsupported(
                Venue::Bingx,
                "attached take-profit/stop-loss on spot orders",
            ));
        }
        c = c
            .p("type", spot_type(req.order_type)?)
            .p("quantity", fmt_dec(req.qty))
            .opt("stopPrice", req.trigger_price.map(fmt_dec))
            .p("newClientOrderId", client_order_id);
    }
    c = c.opt("price", req.price.map(fmt_dec));
    if req.order_type != OrderType::Market && req.order_type != OrderType::StopMarket {
        c = c.opt("timeInForce", req.time_in_force.map(tif_code));
    } else if let Some(t) = req.time_in_force.filter(|t| *t != TimeInForce::Gtc) {
        c = c.p("timeInForce", tif_code(t));
    }
    Ok(c)
}

fn order_ref(c: Call, swap: bool, order: &OrderRef) -> Call {
    match (order, swap) {
        (OrderRef::Id(id), _) => c.p("orderId", id),
        (OrderRef::Client(id), true) => c.p("clientOrderId", id.to_ascii_lowercase()),
        (OrderRef::Client(id), false) => c.p("clientOrderID", id),
    }
}

/// Cancel one order: swap `DELETE /openApi/swap/v2/trade/order`, spot
/// `POST /openApi/spot/v1/trade/cancel`.
pub fn cancel_order(kind: MarketKind, native: &str, order: &OrderRef) -> Result<Call> {
    let swap = is_swap(kind)?;
    let c = if swap {
        Call::private(Method::DELETE, "/openApi/swap/v2/trade/order").cost(SCOPE_SWAP_ORDER, 1)
    } else {
        Call::private(Method::POST, "/openApi/spot/v1/trade/cancel").cost(SCOPE_SPOT_ORDER, 1)
    };
    Ok(order_ref(c.p("symbol", native), swap, order))
}

/// Cancel every open order of a symbol.
pub fn cancel_all(kind: MarketKind, native: &str) -> Result<Call> {
    Ok(if is_swap(kind)? {
        Call::private(Method::DELETE, "/openApi/swap/v2/trade/allOpenOrders")
            .cost(SCOPE_SWAP_ORDER, 1)
            .p("symbol", native)
    } else {
        Call::private(Method::POST, "/openApi/spot/v1/trade/cancelOpenOrders")
            .cost(SCOPE_SPOT_ORDER, 1)
            .p("symbol", native)
    })
}

/// One order by id or client id.
pub fn get_order(kind: MarketKind, native: &str, order: &OrderRef) -> Result<Call> {
    let swap = is_swap(kind)?;
    let c = if swap {
        Call::private(Method::GET, "/openApi/swap/v2/trade/order")
    } else {
        Call::private(Method::GET, "/openApi/spot/v1/trade/query")
    };
    Ok(order_ref(c.p("symbol", native), swap, order))
}

/// Open orders of one symbol or all.
pub fn open_orders(kind: MarketKind, native: Option<&str>) -> Result<Call> {
    let c = if is_swap(kind)? {
        Call::private(Method::GET, "/openApi/swap/v2/trade/openOrders")
    } else {
        Call::private(Method::GET, "/openApi/spot/v1/trade/openOrders")
    };
    Ok(c.opt("symbol", native))
}

/// Finished orders over a range: swap `allOrders` (`limit` ≤ 1000), spot `historyOrders`
/// (`pageSize` ≤ 100).
pub fn order_history(
    kind: MarketKind,
    native: Option<&str>,
    since: Option<i64>,
    until: Option<i64>,
    limit: Option<usize>,
) -> Result<Call> {
    Ok(if is_swap(kind)? {
        Call::private(Method::GET, "/openApi/swap/v2/trade/allOrders")
            .opt("symbol", native)
            .opt("startTime", since)
            .opt("endTime", until)
            .opt("limit", limit.map(|l| l.clamp(1, MAX_SWAP_HISTORY)))
    } else {
        Call::private(Method::GET, "/openApi/spot/v1/trade/historyOrders")
            .opt("symbol", native)
            .opt("startTime", since)
            .opt("endTime", until)
            .opt("pageSize", limit.map(|l| l.clamp(1, MAX_SPOT_HISTORY)))
    })
}

/// Balances: swap `GET /openApi/swap/v3/user/balance`, spot `GET /openApi/spot/v1/account/balance`.
pub fn balances(kind: MarketKind) -> Result<Call> {
    Ok(if is_swap(kind)? {
        Call::private(Method::GET, "/openApi/swap/v3/user/balance")
    } else {
        Call::private(Method::GET, "/openApi/spot/v1/account/balance")
    })
}

/// Perpetual positions, of one symbol or all.
pub fn positions(native: Option<&str>) -> Call {
    Call::private(Method::GET, "/openApi/swap/v2/user/positions").opt("symbol", native)
}

/// Set leverage of one side (`LONG`/`SHORT` in hedge mode, `BOTH` in one-way mode).
pub fn set_leverage(native: &str, leverage: u32, side: &str) -> Call {
    Call::private(Method::POST, "/openApi/swap/v2/trade/leverage")
        .p("symbol", native)
        .p("side", side)
        .p("leverage", leverage)
}

/// Set cross (`CROSSED`) or isolated (`ISOLATED`) margin.
pub fn set_margin_mode(native: &str, mode: MarginMode) -> Call {
    Call::private(Method::POST, "/openApi/swap/v2/trade/marginType")
        .cost(SCOPE_MARGIN_TYPE, 1)
        .p("symbol", native)
        .p(
            "marginType",
            match mode {
                MarginMode::Cross => "CROSSED",
                MarginMode::Isolated => "ISOLATED",
            },
        )
}

/// Read the account's position mode.
pub fn get_position_mode() -> Call {
    Call::private(Method::GET, "/openApi/swap/v1/positionSide/dual")
}

/// Set hedge (`dualSidePosition=true`) or one-way (`false`) mode.
pub fn set_position_mode(mode: PositionMode) -> Call {
    Call::private(Method::POST, "/openApi/swap/v1/positionSide/dual")
        .p("dualSidePosition", matches!(mode, PositionMode::Hedge))
}

/// Income history (funding, realized PnL, fees, transfers).
pub fn income(native: Option<&str>, q: &IncomeQuery) -> Call {
    Call::private(Method::GET, "/openApi/swap/v2/user/income")
        .opt("symbol", native)
        .opt("incomeType", q.kind.as_ref().map(crate::parse::income_type_param))
        .opt("startTime", q.since)
        .opt("endTime", q.until)
        .opt("limit", q.limit.map(|l| l.clamp(1, MAX_INCOME)))
}

/// Request demo funds (VST): `POST /openApi/swap/v1/trade/getVst`, VST host only, 1 per second.
pub fn get_vst() -> Call {
    Call::private(Method::POST, "/openApi/swap/v1/trade/getVst")
}

/// Close every position of a symbol (or all) with market orders.
pub fn close_all_positions(native: Option<&str>) -> Call {
    Call::private(Method::POST, "/openApi/swap/v2/trade/closeAllPositions")
        .cost(SCOPE_SWAP_ORDER, 1)
        .opt("symbol", native)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    const S1: &str = "mheO6dR8ovSsxZQCOYEFCtelpuxcWGTfHw7te326y6jOwq5WpvFQ9JNljoTwBXZGv5It07m9RXSPpDQEK2w";

    #[test]
    fn b9_through_the_builder() {
        let req = OrderRequest::limit("BTC/USDT:USDT".parse().unwrap(), Side::Buy, dec!(0.001), dec!(30000))
            .time_in_force(TimeInForce::Gtc)
            .position_side(PositionSide::Long)
            .build()
            .unwrap();
        let c = place_order(MarketKind::LinearPerpetual, "BTC-USDT", &req, "abc123").unwrap();
        let creds = Credentials::new("key", S1);
        let q = c.query(Some(&creds), 1_700_000_000_000, 5000).unwrap();
        assert_eq!(
            q,
            "clientOrderId=abc123&positionSide=LONG&price=30000&quantity=0.001&recvWindow=5000&side=BUY&symbol=BTC-USDT&timeInForce=GTC&timestamp=1700000000000&type=LIMIT&signature=2d827a69a8b096e646c3f9c53d8a1f8779a1ce0f0e86b9ccc9736d24ecf94280"
        );
    }

    #[test]
    fn depths_round_up() {
        assert_eq!(swap_depth(1), 5);
        assert_eq!(swap_depth(20), 20);
        assert_eq!(swap_depth(21), 50);
        assert_eq!(swap_depth(5000), 1000);
    }

    #[test]
    fn signed_without_credentials_is_auth() {
        let e = balances(MarketKind::Spot).unwrap().query(None, 1, 5000).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Auth);
        assert!(server_time().query(None, 1, 5000).is_ok());
    }

    #[test]
    fn inverse_and_spot_trailing_are_unsupported() {
        let inv = MarketKind::InversePerpetual;
        assert_eq!(ticker(inv, None).unwrap_err().kind(), ErrorKind::Unsupported);
        let req = OrderRequest::builder(
            "BTC/USDT".parse().unwrap(),
            Side::Sell,
            OrderType::TrailingStop,
            dec!(1),
        )
        .callback_rate(dec!(1))
        .build()
        .unwrap();
        assert_eq!(
            place_order(MarketKind::Spot, "BTC-USDT", &req, "c1")
                .unwrap_err()
                .kind(),
            ErrorKind::Unsupported
        );
        assert_eq!(
            check_client_order_id("bad id").unwrap_err().kind(),
            ErrorKind::BadRequest
        );
    }
}
