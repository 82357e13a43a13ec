//! The Binance wire protocol on `exch-testkit` (feature `sim`): spot (`/api/v3`) and USDⓈ-M
//! futures (`/fapi`) served on two loopback ports (API names `spot` and `futures`, as in
//! [`crate::config`]), with HMAC signature and `recvWindow` checks, Binance error codes and
//! Binance JSON, over the generic simulated exchange state.
//!
//! The same ports serve the public WebSocket streams (binance.md §7) through `exch-testkit`'s
//! hub: spot `/ws` and `/stream` (combined, wrapped frames), futures `/public/ws|stream`
//! (books only), `/market/ws|stream` (everything else) and the legacy `/ws`, `/stream`, which
//! reach `/public` streams only; a stream subscribed on the wrong path is acknowledged and
//! silently delivers nothing. Trades made by simulated orders are streamed as they happen;
//! [`publish_depth`], [`publish_ticker`] and [`publish_kline`] push the book changes, tickers
//! and bars of the simulated state, [`ws_push`] and [`ws_send_text`] any frame.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use exch_core::{Credentials, Exchange, MarketKind};
//! let server = exch_binance::sim::start().await?;
//! let config = server
//!     .client_config()
//!     .credentials(Credentials::new(exch_binance::sim::SIM_API_KEY, exch_binance::sim::SIM_API_SECRET));
//! let binance = exch_binance::Binance::new(config)?;
//! assert!(!binance.markets(MarketKind::Spot).await?.is_empty());
//! # Ok(()) }
//! ```

// Helpers return the venue's error response as their `Err`: a simulator, not a hot path.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use exch_core::sign::hmac_sha256_hex;
use exch_core::{
    AccountKind, Interval, Level, MarginMode, Market, MarketKind, MarketStatus, Order, OrderRef, OrderStatus,
    OrderType, PositionMode, PositionSide, Side, Symbol, TimeInForce, Trade, Venue,
};
use exch_testkit::auth::signatures_equal;
use exch_testkit::axum::extract::State;
use exch_testkit::axum::extract::WebSocketUpgrade;
use exch_testkit::axum::http::StatusCode;
use exch_testkit::axum::response::{IntoResponse, Response};
use exch_testkit::axum::routing::{get, MethodRouter};
use exch_testkit::axum::Router;
use exch_testkit::{
    check_timestamp, ApiKey, AuthFailure, NewOrder, RawRequest, SimHandle, SimReject, SimServer, VenueSim, WsFrame,
    WsProtocol, WsSession, DEFAULT_ACCOUNT,
};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::config::{Api, FUTURES_DEPTHS, FUTURES_MAX_KLINES, SPOT_MAX_KLINES};
use crate::wire::de::parse_decimal;

/// The API key the seeded simulator accepts.
pub const SIM_API_KEY: &str = "exch-binance-sim-key";
/// The secret of [`SIM_API_KEY`].
pub const SIM_API_SECRET: &str = "exch-binance-sim-secret";

/// The simulated Binance for `exch-testkit`'s venue registry.
#[derive(Debug, Clone, Copy)]
pub struct BinanceSim;

impl VenueSim for BinanceSim {
    const VENUE: Venue = Venue::Binance;

    fn start() -> impl std::future::Future<Output = std::io::Result<SimServer>> + Send + 'static {
        start()
    }
}

/// Starts a seeded simulator ([`seed`]) that accepts [`SIM_API_KEY`].
pub async fn start() -> std::io::Result<SimServer> {
    let handle = SimHandle::new();
    seed(&handle);
    handle.keys().add(ApiKey::new(SIM_API_KEY, SIM_API_SECRET));
    start_with(handle).await
}

/// Serves `handle` with the spot API (`spot`) and the futures API (`futures`).
pub async fn start_with(handle: SimHandle) -> std::io::Result<SimServer> {
    SimServer::builder(handle)
        .api(crate::config::API_SPOT, router(Api::Spot))
        .api(crate::config::API_FUTURES, router(Api::Futures))
        .start()
        .await
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn d(s: &str) -> Decimal {
    parse_decimal(s).unwrap_or_default()
}

/// Seeds BTC/USDT and ETH/USDT (spot), BTC/USDT:USDT and ETH/USDT:USDT (perpetual) with the
/// tick, step and notional rules Binance lists for them, two-sided books, and 100 000 USDT in
/// each wallet of the default account (plus 2 BTC on spot).
pub fn seed(handle: &SimHandle) {
    let mut st = handle.state();
    let markets = [
        ("BTC/USDT", "BTCUSDT", "0.01", "0.00001", "0.00001", "9000", "30000"),
        ("ETH/USDT", "ETHUSDT", "0.01", "0.0001", "0.0001", "9000", "2000"),
        ("BTC/USDT:USDT", "BTCUSDT", "0.1", "0.001", "0.001", "1000", "30000"),
        ("ETH/USDT:USDT", "ETHUSDT", "0.01", "0.001", "0.001", "10000", "2000"),
    ];
    for (sym, venue, tick, step, min_qty, max_qty, mid) in markets {
        let Ok(symbol) = sym.parse::<Symbol>() else { continue };
        let tick = d(tick);
        let mid = d(mid);
        st.add_market(Market {
            kind: symbol.kind(),
            symbol: symbol.clone(),
            venue_symbol: venue.into(),
            status: MarketStatus::Trading,
            tick_size: tick,
            step_size: d(step),
            min_qty: Some(d(min_qty)),
            max_qty: Some(d(max_qty)),
            min_notional: Some(Decimal::from(5)),
            contract_size: Decimal::ONE,
        });
        let lvl = |p: Decimal, q: &str| Level { price: p, qty: d(q) };
        st.set_book(
            &symbol,
            vec![lvl(mid - tick, "1"), lvl(mid - tick * Decimal::from(100), "2")],
            vec![lvl(mid + tick, "0.5"), lvl(mid + tick * Decimal::from(100), "2")],
        );
        if symbol.is_perpetual() {
            st.set_mark_price(&symbol, Some(mid));
        }
    }
    st.deposit(DEFAULT_ACCOUNT, AccountKind::Spot, "USDT", Decimal::from(100_000));
    st.deposit(DEFAULT_ACCOUNT, AccountKind::Spot, "BTC", Decimal::from(2));
    st.deposit(DEFAULT_ACCOUNT, AccountKind::Perpetual, "USDT", Decimal::from(100_000));
}

/// The router of one API: REST and the public WebSocket streams.
pub fn router(api: Api) -> Router<SimHandle> {
    ws_routes(api, rest_router(api))
}

fn rest_router(api: Api) -> Router<SimHandle> {
    match api {
        Api::Spot => Router::new()
            .route("/api/v3/time", get(time))
            .route("/api/v3/exchangeInfo", get(spot_exchange_info))
            .route("/api/v3/ticker/24hr", get(spot_ticker))
            .route("/api/v3/depth", get(spot_depth))
            .route("/api/v3/trades", get(spot_trades))
            .route("/api/v3/klines", get(spot_klines))
            .route(
                "/api/v3/order",
                get(spot_query).post(spot_new_order).delete(spot_cancel),
            )
            .route("/api/v3/openOrders", get(spot_open_orders).delete(spot_cancel_all))
            .route("/api/v3/allOrders", get(spot_all_orders))
            .route("/api/v3/account", get(spot_account)),
        Api::Futures => Router::new()
            .route("/fapi/v1/time", get(time))
            .route("/fapi/v1/exchangeInfo", get(fut_exchange_info))
            .route("/fapi/v1/ticker/24hr", get(fut_ticker))
            .route("/fapi/v1/depth", get(fut_depth))
            .route("/fapi/v1/trades", get(fut_trades))
            .route("/fapi/v1/klines", get(fut_klines))
            .route("/fapi/v1/order", get(fut_query).post(fut_new_order).delete(fut_cancel))
            .route(
                "/fapi/v1/algoOrder",
                get(algo_query).post(algo_new_order).delete(algo_cancel),
            )
            .route("/fapi/v1/openOrders", get(fut_open_orders))
            .route("/fapi/v1/openAlgoOrders", get(algo_open_orders))
            .route(
                "/fapi/v1/allOpenOrders",
                exch_testkit::axum::routing::delete(fut_cancel_all),
            )
            .route(
                "/fapi/v1/algoOpenOrders",
                exch_testkit::axum::routing::delete(algo_cancel_all),
            )
            .route("/fapi/v1/allOrders", get(fut_all_orders))
            .route("/fapi/v1/allAlgoOrders", get(algo_all_orders))
            .route("/fapi/v3/balance", get(fut_balance))
            .route("/fapi/v3/positionRisk", get(fut_positions))
            .route("/fapi/v1/leverage", exch_testkit::axum::routing::post(fut_leverage))
            .route(
                "/fapi/v1/marginType",
                exch_testkit::axum::routing::post(fut_margin_type),
            )
            .route("/fapi/v1/positionSide/dual", get(fut_get_dual).post(fut_set_dual))
            .route("/fapi/v1/income", get(fut_income)),
    }
}

// ----- responses -----------------------------------------------------------------------------

fn ok(v: Value) -> Response {
    (StatusCode::OK, exch_testkit::axum::Json(v)).into_response()
}

fn err(status: u16, code: i64, msg: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, exch_testkit::axum::Json(json!({ "code": code, "msg": msg }))).into_response()
}

/// An id as a JSON number (ids above 2^53 keep every digit).
fn num(id: &str) -> Value {
    serde_json::from_str(id).unwrap_or_else(|_| Value::String(id.to_string()))
}

fn s(x: impl ToString) -> Value {
    Value::String(x.to_string())
}

fn opt(x: Option<Decimal>) -> Value {
    s(x.unwrap_or_default())
}

// ----- authentication ------------------------------------------------------------------------

fn auth_error(f: AuthFailure) -> Response {
    match f {
        AuthFailure::MissingKey => err(401, -2014, "API-key format invalid."),
        AuthFailure::UnknownKey | AuthFailure::MissingPassphrase | AuthFailure::BadPassphrase => {
            err(401, -2015, "Invalid API-key, IP, or permissions for action.")
        }
        AuthFailure::MissingSignature | AuthFailure::BadSignature => {
            err(400, -1022, "Signature for this request is not valid.")
        }
        AuthFailure::MissingTimestamp => err(400, -1102, "Mandatory parameter 'timestamp' was not sent."),
        AuthFailure::TimestampOutsideWindow => {
            err(400, -1021, "Timestamp for this request is outside of the recvWindow.")
        }
    }
}

/// `text` without its `signature=` parameter, and that signature.
fn strip_signature(text: &str) -> (String, Option<String>) {
    let mut sig = None;
    let kept: Vec<&str> = text
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| match p.strip_prefix("signature=") {
            Some(v) => {
                sig = Some(v.to_string());
                false
            }
            None => true,
        })
        .collect();
    (kept.join("&"), sig)
}

/// Checks `X-MBX-APIKEY`, the HMAC signature over query + body (binance.md §2) and the
/// `timestamp`/`recvWindow` window (1000 ms lead allowed).
fn authenticate(sim: &SimHandle, req: &RawRequest) -> Result<ApiKey, Response> {
    let key = sim
        .keys()
        .lookup(req.header("x-mbx-apikey"), None)
        .map_err(auth_error)?;
    let (query, qsig) = strip_signature(&req.query);
    let (body, bsig) = strip_signature(&req.body_str());
    let sig = qsig.or(bsig).ok_or_else(|| auth_error(AuthFailure::MissingSignature))?;
    let expected = hmac_sha256_hex(key.secret.as_bytes(), format!("{query}{body}").as_bytes());
    if !signatures_equal(&expected, &sig.to_ascii_lowercase()) {
        return Err(auth_error(AuthFailure::BadSignature));
    }
    let ts: i64 = req
        .param("timestamp")
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| auth_error(AuthFailure::MissingTimestamp))?;
    let window: i64 = req
        .param("recvWindow")
        .and_then(|w| w.parse::<exch_core::Decimal>().ok())
        .and_then(|w| rust_decimal::prelude::ToPrimitive::to_i64(&w.trunc()))
        .unwrap_or(5000);
    check_timestamp(ts, sim.server_time_ms(), window, 1000).map_err(auth_error)?;
    Ok(key)
}

macro_rules! auth {
    ($sim:expr, $req:expr) => {
        match authenticate(&$sim, &$req) {
            Ok(k) => k,
            Err(r) => return r,
        }
    };
}

macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

const fn kind(api: Api) -> MarketKind {
    match api {
        Api::Spot => MarketKind::Spot,
        Api::Futures => MarketKind::LinearPerpetual,
    }
}

fn market(sim: &SimHandle, api: Api, req: &RawRequest) -> Result<Market, Response> {
    let name = req
        .param("symbol")
        .ok_or_else(|| err(400, -1102, "Mandatory parameter 'symbol' was not sent."))?;
    sim.state()
        .market_by_venue_symbol(kind(api), &name)
        .cloned()
        .ok_or_else(|| err(400, -1121, "Invalid symbol."))
}

fn opt_market(sim: &SimHandle, api: Api, req: &RawRequest) -> Result<Option<Market>, Response> {
    match req.param("symbol") {
        Some(_) => market(sim, api, req).map(Some),
        None => Ok(None),
    }
}

fn dec_param(req: &RawRequest, name: &str) -> Result<Option<Decimal>, Response> {
    match req.param(name) {
        None => Ok(None),
        Some(v) => parse_decimal(&v)
            .map(Some)
            .ok_or_else(|| err(400, -1100, &format!("Illegal characters found in parameter '{name}'."))),
    }
}

fn int_param(req: &RawRequest, name: &str) -> Option<i64> {
    req.param(name).and_then(|v| v.parse().ok())
}

/// What a request was doing when the engine refused it (codes differ by operation).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Place,
    Cancel,
    Query,
    Setting,
}

fn reject(api: Api, op: Op, r: SimReject) -> Response {
    let fut = api == Api::Futures;
    match r {
        SimReject::UnknownSymbol | SimReject::WrongMarketKind => err(400, -1121, "Invalid symbol."),
        SimReject::UnknownAccount => err(401, -2015, "Invalid API-key, IP, or permissions for action."),
        SimReject::MarketClosed => err(400, -1013, "Market is closed."),
        SimReject::InvalidQty if fut => err(400, -4003, "Quantity less than or equal to zero."),
        SimReject::InvalidQty => err(400, -1013, "Invalid quantity."),
        SimReject::InvalidPrice => err(400, -1013, "Invalid price."),
        SimReject::Filter(rule) if fut && rule.contains("TickSize") => {
            err(400, -4014, "Price not increased by tick size.")
        }
        SimReject::Filter(rule) if fut && rule.contains("StepSize") => {
            err(400, -4023, "Quantity not increased by step size.")
        }
        SimReject::Filter(rule) if fut && rule.contains("MinNotional") => err(
            400,
            -4164,
            "Order's notional must be no smaller than 5 (unless you choose reduce only).",
        ),
        SimReject::Filter(rule) => {
            let f = if rule.contains("TickSize") {
                "PRICE_FILTER"
            } else if rule.contains("MinNotional") {
                "NOTIONAL"
            } else {
                "LOT_SIZE"
            };
            err(400, -1013, &format!("Filter failure: {f}"))
        }
        SimReject::InsufficientFunds if fut => err(400, -2019, "Margin is insufficient."),
        SimReject::InsufficientFunds => err(400, -2010, "Account has insufficient balance for requested action."),
        SimReject::DuplicateClientOrderId if fut => err(400, -4116, "ClientOrderId is duplicated."),
        SimReject::DuplicateClientOrderId => err(400, -2010, "Duplicate order sent."),
        SimReject::OrderNotFound | SimReject::OrderClosed if op == Op::Cancel => err(400, -2011, "Unknown order sent."),
        SimReject::OrderNotFound | SimReject::OrderClosed => err(400, -2013, "Order does not exist."),
        SimReject::PostOnlyWouldTake if fut => err(
            400,
            -5022,
            "Due to the order could not be executed as maker, the Post Only order will be rejected.",
        ),
        SimReject::PostOnlyWouldTake => err(400, -2010, "Order would immediately match and take."),
        SimReject::ReduceOnlyRejected => err(400, -2022, "ReduceOnly Order is rejected."),
        SimReject::PositionSideMismatch => err(400, -4061, "Order's position side does not match user's setting."),
        SimReject::InvalidLeverage => err(400, -4028, "Leverage is not valid."),
        SimReject::OpenPositionOrOrders => err(
            400,
            -4068,
            "The position side cannot be changed if there exists position.",
        ),
        SimReject::NoChange if op == Op::Setting => err(400, -4059, "No need to change position side."),
        SimReject::NoChange => err(400, -1000, "No change."),
    }
}

// ----- rendering -----------------------------------------------------------------------------

fn status_str(s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::Pending | OrderStatus::New => "NEW",
        OrderStatus::PartiallyFilled => "PARTIALLY_FILLED",
        OrderStatus::Filled => "FILLED",
        OrderStatus::Canceled => "CANCELED",
        OrderStatus::Rejected => "REJECTED",
        OrderStatus::Expired => "EXPIRED",
    }
}

fn side_str(s: Side) -> &'static str {
    match s {
        Side::Buy => "BUY",
        Side::Sell => "SELL",
    }
}

fn tif_str(api: Api, t: Option<TimeInForce>) -> &'static str {
    match t {
        None | Some(TimeInForce::Gtc) => "GTC",
        Some(TimeInForce::Ioc) => "IOC",
        Some(TimeInForce::Fok) => "FOK",
        Some(TimeInForce::PostOnly) if api == Api::Futures => "GTX",
        Some(TimeInForce::PostOnly) => "GTC",
    }
}

fn type_str(api: Api, o: &Order) -> &'static str {
    match (api, o.order_type) {
        (Api::Spot, OrderType::Limit) if o.time_in_force == Some(TimeInForce::PostOnly) => "LIMIT_MAKER",
        (_, OrderType::Limit) => "LIMIT",
        (_, OrderType::Market) => "MARKET",
        (Api::Spot, OrderType::StopMarket | OrderType::TrailingStop) => "STOP_LOSS",
        (Api::Spot, OrderType::StopLimit) => "STOP_LOSS_LIMIT",
        (Api::Spot, OrderType::TakeProfitMarket) => "TAKE_PROFIT",
        (Api::Spot, OrderType::TakeProfitLimit) => "TAKE_PROFIT_LIMIT",
        (Api::Futures, OrderType::StopMarket) => "STOP_MARKET",
        (Api::Futures, OrderType::StopLimit) => "STOP",
        (Api::Futures, OrderType::TakeProfitMarket) => "TAKE_PROFIT_MARKET",
        (Api::Futures, OrderType::TakeProfitLimit) => "TAKE_PROFIT",
        (Api::Futures, OrderType::TrailingStop) => "TRAILING_STOP_MARKET",
    }
}

fn position_side_str(p: Option<PositionSide>) -> &'static str {
    match p {
        Some(PositionSide::Long) => "LONG",
        Some(PositionSide::Short) => "SHORT",
        None => "BOTH",
    }
}

fn venue_symbol(sim: &SimHandle, o: &Order) -> String {
    sim.state()
        .market(&o.symbol)
        .map(|m| m.venue_symbol.clone())
        .unwrap_or_default()
}

fn render_order(sim: &SimHandle, api: Api, o: &Order) -> Value {
    let cum = sim.state().cum_quote(&o.id).unwrap_or_default();
    let created = o.created_at.unwrap_or_default();
    let updated = o.updated_at.unwrap_or(created);
    let mut v = json!({
        "symbol": venue_symbol(sim, o),
        "orderId": num(&o.id),
        "clientOrderId": o.client_order_id.clone().unwrap_or_default(),
        "price": opt(o.price),
        "origQty": s(o.qty),
        "executedQty": s(o.filled_qty),
        "status": status_str(o.status),
        "timeInForce": tif_str(api, o.time_in_force),
        "type": type_str(api, o),
        "side": side_str(o.side),
        "stopPrice": opt(o.trigger_price),
        "time": created,
        "updateTime": updated,
    });
    let m = v.as_object_mut().expect("object literal");
    match api {
        Api::Spot => {
            m.insert("orderListId".into(), json!(-1));
            m.insert("transactTime".into(), json!(updated));
            m.insert("cummulativeQuoteQty".into(), s(cum));
        }
        Api::Futures => {
            m.insert("avgPrice".into(), opt(o.avg_price));
            m.insert("cumQuote".into(), s(cum));
            m.insert("reduceOnly".into(), json!(o.reduce_only));
            m.insert("positionSide".into(), s(position_side_str(o.position_side)));
            m.insert("origType".into(), s(type_str(api, o)));
        }
    }
    v
}

fn render_algo(sim: &SimHandle, o: &Order) -> Value {
    let status = match o.status {
        OrderStatus::Pending => "NEW",
        OrderStatus::New | OrderStatus::PartiallyFilled => "TRIGGERED",
        OrderStatus::Filled => "FINISHED",
        OrderStatus::Canceled => "CANCELED",
        OrderStatus::Rejected => "REJECTED",
        OrderStatus::Expired => "EXPIRED",
    };
    json!({
        "algoId": num(&o.id),
        "clientAlgoId": o.client_order_id.clone().unwrap_or_default(),
        "algoType": "CONDITIONAL",
        "orderType": type_str(Api::Futures, o),
        "symbol": venue_symbol(sim, o),
        "side": side_str(o.side),
        "positionSide": position_side_str(o.position_side),
        "timeInForce": tif_str(Api::Futures, o.time_in_force),
        "quantity": s(o.qty),
        "algoStatus": status,
        "triggerPrice": opt(o.trigger_price),
        "price": opt(o.price),
        "reduceOnly": o.reduce_only,
        "executedQty": s(o.filled_qty),
        "avgPrice": opt(o.avg_price),
        "createTime": o.created_at.unwrap_or_default(),
        "updateTime": o.updated_at.or(o.created_at).unwrap_or_default(),
    })
}

// ----- market data ---------------------------------------------------------------------------

async fn time(State(sim): State<SimHandle>) -> Response {
    ok(json!({ "serverTime": sim.server_time_ms() }))
}

fn exchange_info(sim: &SimHandle, api: Api) -> Response {
    let st = sim.state();
    let symbols: Vec<Value> = st
        .markets()
        .filter(|m| m.kind == kind(api))
        .map(|m| {
            let mut v = json!({
                "symbol": m.venue_symbol,
                "status": if m.status == MarketStatus::Trading { "TRADING" } else { "BREAK" },
                "baseAsset": m.symbol.base(),
                "quoteAsset": m.symbol.quote(),
                "filters": [
                    { "filterType": "PRICE_FILTER", "tickSize": s(m.tick_size) },
                    { "filterType": "LOT_SIZE", "stepSize": s(m.step_size), "minQty": opt(m.min_qty), "maxQty": opt(m.max_qty) },
                    if api == Api::Spot {
                        json!({ "filterType": "NOTIONAL", "minNotional": opt(m.min_notional) })
                    } else {
                        json!({ "filterType": "MIN_NOTIONAL", "notional": opt(m.min_notional) })
                    },
                ],
            });
            if api == Api::Futures {
                let o = v.as_object_mut().expect("object literal");
                o.insert("contractType".into(), s("PERPETUAL"));
                o.insert("marginAsset".into(), s(m.symbol.settle().unwrap_or(m.symbol.quote())));
            }
            v
        })
        .collect();
    ok(json!({ "timezone": "UTC", "serverTime": st.now_ms(), "symbols": symbols }))
}

async fn spot_exchange_info(State(sim): State<SimHandle>) -> Response {
    exchange_info(&sim, Api::Spot)
}

async fn fut_exchange_info(State(sim): State<SimHandle>) -> Response {
    exchange_info(&sim, Api::Futures)
}

fn ticker(sim: &SimHandle, api: Api, req: &RawRequest) -> Response {
    let one = tri!(opt_market(sim, api, req));
    let st = sim.state();
    let markets: Vec<Market> = match &one {
        Some(m) => vec![m.clone()],
        None => st.markets().filter(|m| m.kind == kind(api)).cloned().collect(),
    };
    let rows: Vec<Value> = markets
        .iter()
        .filter_map(|m| {
            let t = st.ticker(&m.symbol)?;
            let mut v = json!({
                "symbol": m.venue_symbol,
                "lastPrice": opt(t.last),
                "openPrice": opt(t.open),
                "highPrice": opt(t.high),
                "lowPrice": opt(t.low),
                "volume": opt(t.base_volume),
                "quoteVolume": opt(t.quote_volume),
                "priceChangePercent": opt(t.change_percent.map(|c| c.round_dp(3))),
                "closeTime": t.timestamp.unwrap_or_default(),
            });
            if api == Api::Spot {
                let o = v.as_object_mut().expect("object literal");
                o.insert("bidPrice".into(), opt(t.bid));
                o.insert("bidQty".into(), opt(t.bid_qty));
                o.insert("askPrice".into(), opt(t.ask));
                o.insert("askQty".into(), opt(t.ask_qty));
            }
            Some(v)
        })
        .collect();
    match one {
        Some(_) => ok(rows.into_iter().next().unwrap_or(Value::Null)),
        None => ok(Value::Array(rows)),
    }
}

async fn spot_ticker(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    ticker(&sim, Api::Spot, &req)
}

async fn fut_ticker(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    ticker(&sim, Api::Futures, &req)
}

fn depth(sim: &SimHandle, api: Api, req: &RawRequest) -> Response {
    let m = tri!(market(sim, api, req));
    let limit = int_param(req, "limit").map(|l| l as usize);
    let limit = match (api, limit) {
        (Api::Futures, Some(l)) if !FUTURES_DEPTHS.contains(&l) => {
            return err(
                400,
                -1100,
                "Illegal characters found in parameter 'limit'; legal range is '5, 10, 20, 50, 100, 500, 1000'.",
            )
        }
        (Api::Spot, Some(l)) if !(1..=5000).contains(&l) => {
            return err(400, -1100, "Illegal characters found in parameter 'limit'.")
        }
        (Api::Spot, l) => l.unwrap_or(100),
        (Api::Futures, l) => l.unwrap_or(500),
    };
    let Some(book) = sim.state().book(&m.symbol, Some(limit)) else {
        return err(400, -1121, "Invalid symbol.");
    };
    let lv = |ls: &[Level]| -> Vec<Value> { ls.iter().map(|l| json!([s(l.price), s(l.qty)])).collect() };
    let seq = book.sequence.unwrap_or_default();
    let mut v = json!({
        "lastUpdateId": if api == Api::Futures { futures_snapshot_id(seq) } else { seq },
        "bids": lv(&book.bids),
        "asks": lv(&book.asks),
    });
    if api == Api::Futures {
        let o = v.as_object_mut().expect("object literal");
        o.insert("E".into(), json!(book.timestamp.unwrap_or_default()));
        o.insert("T".into(), json!(book.timestamp.unwrap_or_default()));
    }
    ok(v)
}

async fn spot_depth(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    depth(&sim, Api::Spot, &req)
}

async fn fut_depth(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    depth(&sim, Api::Futures, &req)
}

fn trades(sim: &SimHandle, api: Api, req: &RawRequest) -> Response {
    let m = tri!(market(sim, api, req));
    let limit = int_param(req, "limit").map_or(500, |l| l.clamp(1, 1000) as usize);
    let rows: Vec<Value> = sim
        .state()
        .trades(&m.symbol, Some(limit))
        .iter()
        .map(|t| {
            json!({
                "id": num(&t.id),
                "price": s(t.price),
                "qty": s(t.qty),
                "quoteQty": s(t.price * t.qty),
                "time": t.timestamp,
                "isBuyerMaker": t.side == Some(Side::Sell),
            })
        })
        .collect();
    ok(Value::Array(rows))
}

async fn spot_trades(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    trades(&sim, Api::Spot, &req)
}

async fn fut_trades(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    trades(&sim, Api::Futures, &req)
}

/// Synthetic klines: one flat bar per interval at the last (or mid) price, for every open time
/// up to now. Pages follow Binance: from `startTime` ascending, else the latest bars up to
/// `endTime`; `limit` defaults to 500 and is capped at the venue maximum.
fn klines(sim: &SimHandle, api: Api, req: &RawRequest) -> Response {
    let m = tri!(market(sim, api, req));
    let Some(interval) = req.param("interval").and_then(|i| i.parse::<Interval>().ok()) else {
        return err(400, -1120, "Invalid interval.");
    };
    if api == Api::Futures && interval == Interval::S1 {
        return err(400, -1120, "Invalid interval.");
    }
    let max = if api == Api::Spot {
        SPOT_MAX_KLINES
    } else {
        FUTURES_MAX_KLINES
    } as i64;
    let limit = int_param(req, "limit").unwrap_or(500).clamp(1, max);
    let step = interval.millis();
    let now = sim.server_time_ms();
    let end = int_param(req, "endTime").unwrap_or(now).min(now);
    let times: Vec<i64> = match int_param(req, "startTime") {
        Some(start) => {
            let first = (start + step - 1).div_euclid(step) * step;
            (0..limit).map(|i| first + i * step).take_while(|t| *t <= end).collect()
        }
        None => {
            let last = end.div_euclid(step) * step;
            (0..limit).rev().map(|i| last - i * step).collect()
        }
    };
    let px = {
        let st = sim.state();
        st.last_price(&m.symbol)
            .or_else(|| st.mark_price(&m.symbol))
            .unwrap_or(Decimal::ONE_HUNDRED)
    };
    let rows: Vec<Value> = times
        .into_iter()
        .map(|t| {
            json!([
                t,
                s(px),
                s(px),
                s(px),
                s(px),
                "1",
                t + step - 1,
                s(px),
                1,
                "0",
                "0",
                "0"
            ])
        })
        .collect();
    ok(Value::Array(rows))
}

async fn spot_klines(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    klines(&sim, Api::Spot, &req)
}

async fn fut_klines(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    klines(&sim, Api::Futures, &req)
}

// ----- orders --------------------------------------------------------------------------------

fn order_ref(req: &RawRequest, algo: bool) -> Result<OrderRef, Response> {
    let (id, cid) = if algo {
        ("algoId", "clientAlgoId")
    } else {
        ("orderId", "origClientOrderId")
    };
    match (req.param(id), req.param(cid)) {
        (Some(i), _) => Ok(OrderRef::Id(i)),
        (None, Some(c)) => Ok(OrderRef::Client(c)),
        (None, None) => Err(err(
            400,
            -1102,
            &format!("Param '{id}' or '{cid}' must be sent, but both were empty/null!"),
        )),
    }
}

fn parse_side(req: &RawRequest) -> Result<Side, Response> {
    match req.param("side").as_deref() {
        Some("BUY") => Ok(Side::Buy),
        Some("SELL") => Ok(Side::Sell),
        _ => Err(err(400, -1102, "Mandatory parameter 'side' was not sent.")),
    }
}

fn parse_position_side(req: &RawRequest) -> Option<PositionSide> {
    match req.param("positionSide").as_deref() {
        Some("LONG") => Some(PositionSide::Long),
        Some("SHORT") => Some(PositionSide::Short),
        _ => None,
    }
}

fn parse_tif(req: &RawRequest) -> Option<TimeInForce> {
    match req.param("timeInForce").as_deref() {
        Some("IOC") => Some(TimeInForce::Ioc),
        Some("FOK") => Some(TimeInForce::Fok),
        Some("GTX") => Some(TimeInForce::PostOnly),
        Some(_) => Some(TimeInForce::Gtc),
        None => None,
    }
}

/// Places `order` and streams the public trades it made ([`publish_trade`]).
fn place(sim: &SimHandle, account: &str, api: Api, order: NewOrder) -> Result<Order, Response> {
    let symbol = order.symbol.clone();
    let before = sim.state().trades(&symbol, None).len();
    let placed = sim.state().place(account, order).map_err(|r| reject(api, Op::Place, r));
    let made: Vec<Trade> = sim.state().trades(&symbol, None).into_iter().skip(before).collect();
    for t in &made {
        publish_trade(sim, t);
    }
    placed
}

async fn spot_new_order(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let key = auth!(sim, req);
    let m = tri!(market(&sim, Api::Spot, &req));
    let side = tri!(parse_side(&req));
    let trailing = req.param("trailingDelta").is_some();
    let (order_type, tif) = match req.param("type").as_deref() {
        Some("LIMIT") => (OrderType::Limit, parse_tif(&req).or(Some(TimeInForce::Gtc))),
        Some("LIMIT_MAKER") => (OrderType::Limit, Some(TimeInForce::PostOnly)),
        Some("MARKET") => (OrderType::Market, None),
        Some("STOP_LOSS") if trailing && req.param("stopPrice").is_none() => (OrderType::TrailingStop, None),
        Some("STOP_LOSS") => (OrderType::StopMarket, None),
        Some("STOP_LOSS_LIMIT") => (OrderType::StopLimit, parse_tif(&req)),
        Some("TAKE_PROFIT") => (OrderType::TakeProfitMarket, None),
        Some("TAKE_PROFIT_LIMIT") => (OrderType::TakeProfitLimit, parse_tif(&req)),
        _ => return err(400, -1116, "Invalid orderType."),
    };
    let order = NewOrder {
        symbol: m.symbol,
        side,
        order_type,
        qty: tri!(dec_param(&req, "quantity")).unwrap_or_default(),
        price: tri!(dec_param(&req, "price")),
        trigger_price: tri!(dec_param(&req, "stopPrice")),
        time_in_force: tif,
        reduce_only: false,
        position_side: None,
        client_order_id: req.param("newClientOrderId"),
    };
    let o = tri!(place(&sim, &key.account, Api::Spot, order));
    ok(render_order(&sim, Api::Spot, &o))
}

async fn fut_new_order(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let key = auth!(sim, req);
    let m = tri!(market(&sim, Api::Futures, &req));
    let side = tri!(parse_side(&req));
    let order_type = match req.param("type").as_deref() {
        Some("LIMIT") => OrderType::Limit,
        Some("MARKET") => OrderType::Market,
        Some("STOP" | "STOP_MARKET" | "TAKE_PROFIT" | "TAKE_PROFIT_MARKET" | "TRAILING_STOP_MARKET") => {
            return err(
                400,
                -4120,
                "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.",
            )
        }
        _ => return err(400, -1116, "Invalid orderType."),
    };
    let position_side = parse_position_side(&req);
    let reduce_only = req.param("reduceOnly").as_deref() == Some("true");
    if reduce_only && position_side.is_some() {
        return err(400, -1106, "Parameter 'reduceonly' sent when not required.");
    }
    let order = NewOrder {
        symbol: m.symbol,
        side,
        order_type,
        qty: tri!(dec_param(&req, "quantity")).unwrap_or_default(),
        price: tri!(dec_param(&req, "price")),
        trigger_price: None,
        time_in_force: if order_type == OrderType::Limit {
            parse_tif(&req)
        } else {
            None
        },
        reduce_only,
        position_side,
        client_order_id: req.param("newClientOrderId"),
    };
    let o = tri!(place(&sim, &key.account, Api::Futures, order));
    ok(render_order(&sim, Api::Futures, &o))
}

async fn algo_new_order(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let key = auth!(sim, req);
    let m = tri!(market(&sim, Api::Futures, &req));
    let side = tri!(parse_side(&req));
    if req.param("algoType").as_deref() != Some("CONDITIONAL") {
        return err(400, -1102, "Mandatory parameter 'algoType' was not sent.");
    }
    let order_type = match req.param("type").as_deref() {
        Some("STOP") => OrderType::StopLimit,
        Some("STOP_MARKET") => OrderType::StopMarket,
        Some("TAKE_PROFIT") => OrderType::TakeProfitLimit,
        Some("TAKE_PROFIT_MARKET") => OrderType::TakeProfitMarket,
        Some("TRAILING_STOP_MARKET") => OrderType::TrailingStop,
        _ => return err(400, -1116, "Invalid orderType."),
    };
    let position_side = parse_position_side(&req);
    let trigger = if order_type == OrderType::TrailingStop {
        tri!(dec_param(&req, "activatePrice"))
    } else {
        tri!(dec_param(&req, "triggerPrice"))
    };
    let order = NewOrder {
        symbol: m.symbol,
        side,
        order_type,
        qty: tri!(dec_param(&req, "quantity")).unwrap_or_default(),
        price: tri!(dec_param(&req, "price")),
        trigger_price: trigger,
        time_in_force: if order_type.needs_price() {
            parse_tif(&req)
        } else {
            None
        },
        reduce_only: req.param("reduceOnly").as_deref() == Some("true"),
        position_side,
        client_order_id: req.param("clientAlgoId"),
    };
    let o = tri!(place(&sim, &key.account, Api::Futures, order));
    ok(render_algo(&sim, &o))
}

/// Finds an order of the right family: regular orders on the regular endpoints, conditional
/// ones on the algo endpoints (futures).
fn find(
    sim: &SimHandle,
    account: &str,
    api: Api,
    m: &Market,
    r: &OrderRef,
    algo: bool,
    op: Op,
) -> Result<Order, Response> {
    let o = sim
        .state()
        .order(account, Some(&m.symbol), r)
        .map_err(|e| reject(api, op, e))?;
    let conditional_family = api == Api::Futures && o.order_type.is_conditional();
    if conditional_family != algo {
        return Err(reject(api, op, SimReject::OrderNotFound));
    }
    Ok(o)
}

fn query(sim: &SimHandle, api: Api, req: &RawRequest, algo: bool) -> Response {
    let key = auth!(sim, req);
    let m = tri!(market(sim, api, req));
    let r = tri!(order_ref(req, algo));
    let o = tri!(find(sim, &key.account, api, &m, &r, algo, Op::Query));
    ok(render_any(sim, api, &o, algo))
}

/// An order as its endpoint family shows it: the algo form or the regular one.
fn render_any(sim: &SimHandle, api: Api, o: &Order, algo: bool) -> Value {
    if algo {
        render_algo(sim, o)
    } else {
        render_order(sim, api, o)
    }
}

fn cancel(sim: &SimHandle, api: Api, req: &RawRequest, algo: bool) -> Response {
    let key = auth!(sim, req);
    let m = tri!(market(sim, api, req));
    let r = tri!(order_ref(req, algo));
    let found = tri!(find(sim, &key.account, api, &m, &r, algo, Op::Cancel));
    let o = tri!(sim
        .state()
        .cancel(&key.account, Some(&m.symbol), &OrderRef::Id(found.id.clone()))
        .map_err(|e| reject(api, Op::Cancel, e)));
    if algo {
        ok(json!({ "algoId": num(&o.id), "clientAlgoId": o.client_order_id, "code": "200", "msg": "success" }))
    } else {
        ok(render_order(sim, api, &o))
    }
}

async fn spot_query(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    query(&sim, Api::Spot, &req, false)
}

async fn fut_query(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    query(&sim, Api::Futures, &req, false)
}

async fn algo_query(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    query(&sim, Api::Futures, &req, true)
}

async fn spot_cancel(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    cancel(&sim, Api::Spot, &req, false)
}

async fn fut_cancel(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    cancel(&sim, Api::Futures, &req, false)
}

async fn algo_cancel(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    cancel(&sim, Api::Futures, &req, true)
}

fn open_of(sim: &SimHandle, account: &str, api: Api, symbol: Option<&Symbol>, algo: bool) -> Vec<Order> {
    sim.state()
        .open_orders(account, symbol)
        .into_iter()
        .filter(|o| o.symbol.kind() == kind(api))
        .filter(|o| (api == Api::Futures && o.order_type.is_conditional()) == algo)
        .collect()
}

fn open_orders(sim: &SimHandle, api: Api, req: &RawRequest, algo: bool) -> Response {
    let key = auth!(sim, req);
    let m = tri!(opt_market(sim, api, req));
    let rows: Vec<Value> = open_of(sim, &key.account, api, m.as_ref().map(|m| &m.symbol), algo)
        .iter()
        .map(|o| render_any(sim, api, o, algo))
        .collect();
    ok(Value::Array(rows))
}

async fn spot_open_orders(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    open_orders(&sim, Api::Spot, &req, false)
}

async fn fut_open_orders(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    open_orders(&sim, Api::Futures, &req, false)
}

async fn algo_open_orders(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    open_orders(&sim, Api::Futures, &req, true)
}

async fn spot_cancel_all(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let key = auth!(sim, req);
    let m = tri!(market(&sim, Api::Spot, &req));
    let cancelled = sim.state().cancel_all(&key.account, Some(&m.symbol));
    ok(Value::Array(
        cancelled.iter().map(|o| render_order(&sim, Api::Spot, o)).collect(),
    ))
}

fn fut_cancel_family(sim: &SimHandle, req: &RawRequest, algo: bool) -> Response {
    let key = auth!(sim, req);
    let m = tri!(market(sim, Api::Futures, req));
    for o in open_of(sim, &key.account, Api::Futures, Some(&m.symbol), algo) {
        let _ = sim.state().cancel(&key.account, Some(&m.symbol), &OrderRef::Id(o.id));
    }
    ok(json!({ "code": 200, "msg": "The operation of cancel all open order is done." }))
}

async fn fut_cancel_all(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    fut_cancel_family(&sim, &req, false)
}

async fn algo_cancel_all(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    fut_cancel_family(&sim, &req, true)
}

fn all_orders(sim: &SimHandle, api: Api, req: &RawRequest, algo: bool) -> Response {
    let key = auth!(sim, req);
    let m = tri!(market(sim, api, req));
    let since = int_param(req, "startTime");
    let until = int_param(req, "endTime");
    let limit = int_param(req, "limit").map_or(500, |l| l.clamp(1, 1000) as usize);
    let mut rows: Vec<Order> = sim
        .state()
        .order_history(&key.account, Some(&m.symbol))
        .into_iter()
        .filter(|o| (api == Api::Futures && o.order_type.is_conditional()) == algo)
        .filter(|o| {
            let t = o.created_at.unwrap_or_default();
            since.is_none_or(|s| t >= s) && until.is_none_or(|u| t <= u)
        })
        .collect();
    let drop = rows.len().saturating_sub(limit);
    rows.drain(..drop);
    ok(Value::Array(
        rows.iter().map(|o| render_any(sim, api, o, algo)).collect(),
    ))
}

async fn spot_all_orders(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    all_orders(&sim, Api::Spot, &req, false)
}

async fn fut_all_orders(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    all_orders(&sim, Api::Futures, &req, false)
}

async fn algo_all_orders(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    all_orders(&sim, Api::Futures, &req, true)
}

// ----- account -------------------------------------------------------------------------------

async fn spot_account(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let key = auth!(sim, req);
    let balances = tri!(sim
        .state()
        .balances(&key.account, AccountKind::Spot)
        .map_err(|e| reject(Api::Spot, Op::Query, e)));
    let rows: Vec<Value> = balances
        .iter()
        .map(|b| json!({ "asset": b.asset, "free": s(b.free), "locked": s(b.locked) }))
        .collect();
    ok(json!({ "canTrade": true, "accountType": "SPOT", "balances": rows }))
}

async fn fut_balance(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let key = auth!(sim, req);
    let balances = tri!(sim
        .state()
        .balances(&key.account, AccountKind::Perpetual)
        .map_err(|e| reject(Api::Futures, Op::Query, e)));
    let rows: Vec<Value> = balances
        .iter()
        .map(|b| {
            json!({
                "asset": b.asset,
                "balance": s(b.total),
                "crossWalletBalance": s(b.total),
                "availableBalance": s(b.free),
                "maxWithdrawAmount": s(b.free),
                "updateTime": sim.server_time_ms(),
            })
        })
        .collect();
    ok(Value::Array(rows))
}

async fn fut_positions(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let key = auth!(sim, req);
    let m = tri!(opt_market(&sim, Api::Futures, &req));
    let positions = tri!(sim
        .state()
        .positions(&key.account, m.as_ref().map(|m| &m.symbol))
        .map_err(|e| reject(Api::Futures, Op::Query, e)));
    let rows: Vec<Value> = positions
        .iter()
        .map(|p| {
            let signed = p.signed_size();
            let venue = sim
                .state()
                .market(&p.symbol)
                .map(|m| m.venue_symbol.clone())
                .unwrap_or_default();
            let isolated = p.margin_mode == Some(MarginMode::Isolated);
            let margin = match (p.entry_price, p.leverage) {
                (Some(e), Some(l)) if isolated && !l.is_zero() => e * p.size / l,
                _ => Decimal::ZERO,
            };
            json!({
                "symbol": venue,
                "positionSide": if p.position_mode == Some(PositionMode::Hedge) {
                    position_side_str(Some(p.side))
                } else {
                    "BOTH"
                },
                "positionAmt": s(signed),
                "entryPrice": opt(p.entry_price),
                "markPrice": opt(p.mark_price),
                "unRealizedProfit": opt(p.unrealized_pnl),
                "liquidationPrice": opt(p.liquidation_price),
                "isolatedWallet": s(margin),
                "notional": s(p.mark_price.unwrap_or_default() * signed),
                "marginAsset": p.symbol.settle().unwrap_or_default(),
                "updateTime": p.timestamp.unwrap_or_default(),
            })
        })
        .collect();
    ok(Value::Array(rows))
}

async fn fut_leverage(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let key = auth!(sim, req);
    let m = tri!(market(&sim, Api::Futures, &req));
    let Some(lev) = int_param(&req, "leverage") else {
        return err(400, -1102, "Mandatory parameter 'leverage' was not sent.");
    };
    tri!(sim
        .state()
        .set_leverage(&key.account, &m.symbol, Decimal::from(lev))
        .map_err(|e| reject(Api::Futures, Op::Setting, e)));
    ok(json!({ "leverage": lev, "maxNotionalValue": "1000000", "symbol": m.venue_symbol }))
}

async fn fut_margin_type(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let key = auth!(sim, req);
    let m = tri!(market(&sim, Api::Futures, &req));
    let mode = match req.param("marginType").as_deref() {
        Some("ISOLATED") => MarginMode::Isolated,
        Some("CROSSED") => MarginMode::Cross,
        _ => return err(400, -1102, "Mandatory parameter 'marginType' was not sent."),
    };
    match sim.state().set_margin_mode(&key.account, &m.symbol, mode) {
        Ok(()) => ok(json!({ "code": 200, "msg": "success" })),
        Err(SimReject::NoChange) => err(400, -4046, "No need to change margin type."),
        Err(e) => reject(Api::Futures, Op::Setting, e),
    }
}

async fn fut_set_dual(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let key = auth!(sim, req);
    let mode = match req.param("dualSidePosition").as_deref() {
        Some("true") => PositionMode::Hedge,
        Some("false") => PositionMode::OneWay,
        _ => return err(400, -1102, "Mandatory parameter 'dualSidePosition' was not sent."),
    };
    match sim.state().set_position_mode(&key.account, mode) {
        Ok(()) => ok(json!({ "code": 200, "msg": "success" })),
        Err(e) => reject(Api::Futures, Op::Setting, e),
    }
}

async fn fut_get_dual(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let key = auth!(sim, req);
    let hedge = sim.state().position_mode(&key.account) == PositionMode::Hedge;
    ok(json!({ "dualSidePosition": hedge }))
}

async fn fut_income(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let key = auth!(sim, req);
    let m = tri!(opt_market(&sim, Api::Futures, &req));
    let kind = req.param("incomeType").map(|t| crate::parse::income_kind(&t));
    let since = int_param(&req, "startTime");
    let until = int_param(&req, "endTime");
    let limit = int_param(&req, "limit").map_or(100, |l| l.clamp(1, 1000) as usize);
    let rows = tri!(sim
        .state()
        .income(&key.account, m.as_ref().map(|m| &m.symbol), kind.as_ref())
        .map_err(|e| reject(Api::Futures, Op::Query, e)));
    let st = sim.state();
    let out: Vec<Value> = rows
        .iter()
        .filter(|i| since.is_none_or(|s| i.timestamp >= s) && until.is_none_or(|u| i.timestamp <= u))
        .take(limit)
        .map(|i| {
            let venue = i
                .symbol
                .as_ref()
                .and_then(|s| st.market(s))
                .map(|m| m.venue_symbol.clone())
                .unwrap_or_default();
            json!({
                "symbol": venue,
                "incomeType": crate::parse::income_type(&i.kind),
                "income": s(i.amount),
                "asset": i.asset,
                "info": crate::parse::income_type(&i.kind),
                "time": i.timestamp,
                "tranId": i.id.as_deref().map(num).unwrap_or(Value::Null),
                "tradeId": "",
            })
        })
        .collect();
    ok(Value::Array(out))
}

// ----- WebSocket streams ---------------------------------------------------------------------

/// Which streams a WebSocket path serves (binance.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WsRoute {
    /// Spot `/ws` and `/stream`: every stream.
    Spot,
    /// Futures `/public/…` and the legacy `/ws`, `/stream`: books and book tickers only.
    Public,
    /// Futures `/market/…`: trades, klines, tickers, mark prices, liquidations.
    Market,
}

/// True for the streams futures serves under `/public`: depth (diff and partial), RPI depth
/// and book tickers.
pub fn is_public_stream(stream: &str) -> bool {
    stream.contains("@depth")
        || stream.contains("@rpiDepth")
        || stream.ends_with("@bookTicker")
        || stream == "!bookTicker"
}

impl WsRoute {
    fn serves(self, stream: &str) -> bool {
        match self {
            WsRoute::Spot => true,
            WsRoute::Public => is_public_stream(stream),
            WsRoute::Market => !is_public_stream(stream),
        }
    }
}

/// The API of each WebSocket session and whether it is a combined-stream connection (frames
/// wrapped as `{"stream":…,"data":…}`), by session id; kept in the handle's extensions.
#[derive(Debug, Clone, Default)]
struct WsConns(Arc<Mutex<HashMap<usize, (Api, bool)>>>);

fn ws_conns(sim: &SimHandle) -> WsConns {
    let mut ext = sim.extensions();
    if let Some(c) = ext.get::<WsConns>() {
        return c.clone();
    }
    let c = WsConns::default();
    ext.insert(c.clone());
    c
}

/// The Binance stream protocol of one path: `SUBSCRIBE` / `UNSUBSCRIBE` /
/// `LIST_SUBSCRIPTIONS` with ids. A stream the path does not serve is acknowledged but never
/// recorded, so it delivers nothing, as on the venue.
struct BinanceWs {
    api: Api,
    route: WsRoute,
    combined: bool,
}

impl WsProtocol for BinanceWs {
    fn on_connect(&self, session: &WsSession, sim: &SimHandle) -> Vec<WsFrame> {
        let conns = ws_conns(sim);
        lock(&conns.0).insert(session.id(), (self.api, self.combined));
        Vec::new()
    }

    fn on_text(&self, session: &WsSession, _sim: &SimHandle, text: &str) -> Vec<WsFrame> {
        let Ok(v) = serde_json::from_str::<Value>(text) else {
            return vec![WsFrame::json(
                &json!({"code": 3, "msg": "Invalid JSON: expected value at line 1 column 1"}),
            )];
        };
        let id = v.get("id").cloned().unwrap_or(Value::Null);
        let params: Vec<&str> = v["params"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let reply = match v["method"].as_str() {
            Some("SUBSCRIBE") => {
                for p in params.iter().filter(|p| self.route.serves(p)) {
                    session.subscribe(p);
                }
                json!({"result": null, "id": id})
            }
            Some("UNSUBSCRIBE") => {
                for p in &params {
                    session.unsubscribe(p);
                }
                json!({"result": null, "id": id})
            }
            Some("LIST_SUBSCRIPTIONS") => json!({"result": session.subscriptions(), "id": id}),
            Some(other) => json!({"code": 2, "msg": format!(
                "Invalid request: unknown variant `{other}`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` at line 1 column 28"
            ), "id": id}),
            None => json!({"code": 2, "msg": "Invalid request: missing field `method` at line 1 column 73", "id": id}),
        };
        vec![WsFrame::json(&reply)]
    }
}

fn ws_route(api: Api, route: WsRoute, combined: bool, path: &'static str) -> MethodRouter<SimHandle> {
    get(move |State(sim): State<SimHandle>, up: WebSocketUpgrade| async move {
        let proto = Arc::new(BinanceWs { api, route, combined });
        sim.ws().accept(sim.clone(), up, path, proto)
    })
}

/// The WebSocket routes of one API: spot `/ws` (raw) and `/stream` (combined); futures
/// `/public/ws`, `/public/stream`, `/market/ws`, `/market/stream`, and the legacy `/ws` and
/// `/stream`, which reach `/public` streams only.
fn ws_routes(api: Api, r: Router<SimHandle>) -> Router<SimHandle> {
    match api {
        Api::Spot => r
            .route("/ws", ws_route(api, WsRoute::Spot, false, "/ws"))
            .route("/stream", ws_route(api, WsRoute::Spot, true, "/stream")),
        Api::Futures => r
            .route("/public/ws", ws_route(api, WsRoute::Public, false, "/public/ws"))
            .route("/public/stream", ws_route(api, WsRoute::Public, true, "/public/stream"))
            .route("/market/ws", ws_route(api, WsRoute::Market, false, "/market/ws"))
            .route("/market/stream", ws_route(api, WsRoute::Market, true, "/market/stream"))
            .route("/ws", ws_route(api, WsRoute::Public, false, "/ws"))
            .route("/stream", ws_route(api, WsRoute::Public, true, "/stream")),
    }
}

/// Sends `payload` on `stream` to every open WebSocket session of `api` subscribed to it
/// (wrapped as `{"stream":…,"data":…}` on combined connections); returns how many got it.
pub fn ws_push(sim: &SimHandle, api: Api, stream: &str, payload: &Value) -> usize {
    let conns = lock(&ws_conns(sim).0).clone();
    let mut n = 0;
    for s in sim.ws().sessions() {
        let Some(&(a, combined)) = conns.get(&s.id()) else {
            continue;
        };
        if a != api || s.is_closed() || !s.subscriptions().iter().any(|t| t == stream) {
            continue;
        }
        let frame = if combined {
            json!({"stream": stream, "data": payload})
        } else {
            payload.clone()
        };
        s.send(WsFrame::json(&frame));
        n += 1;
    }
    n
}

/// Sends `text` as is to every open WebSocket session of `api` (notices, malformed frames);
/// returns how many got it.
pub fn ws_send_text(sim: &SimHandle, api: Api, text: &str) -> usize {
    let conns = lock(&ws_conns(sim).0).clone();
    let mut n = 0;
    for s in sim.ws().sessions() {
        if conns.get(&s.id()).is_some_and(|(a, _)| *a == api) && !s.is_closed() {
            s.send(WsFrame::Text(text.to_string()));
            n += 1;
        }
    }
    n
}

/// Announces a planned disconnect to every session of `api` with the documented
/// `serverShutdown` event; returns how many got it.
pub fn ws_server_shutdown(sim: &SimHandle, api: Api) -> usize {
    let text = json!({"event": {"e": "serverShutdown", "E": sim.server_time_ms()}}).to_string();
    ws_send_text(sim, api, &text)
}

/// The lower-case stream prefix (`btcusdt`) and API of a simulated market.
fn stream_symbol(sim: &SimHandle, symbol: &Symbol) -> Option<(Api, String, String)> {
    let m = sim.state().market(symbol).cloned()?;
    let api = Api::for_kind(m.kind)?;
    Some((api, m.venue_symbol.to_ascii_lowercase(), m.venue_symbol))
}

/// The futures book update id of a simulated book at sequence `seq` as a REST snapshot reports
/// it. Futures diff events span two ids per change (`U = 2s+1`, `u = 2s+2`, `pu = 2s` for the
/// change from sequence `s` to `s+1`) and a snapshot's `lastUpdateId` falls inside the next
/// event (`2s+1`), so that the documented first-event rule `U <= lastUpdateId <= u` holds.
pub const fn futures_snapshot_id(seq: u64) -> u64 {
    seq.saturating_mul(2).saturating_add(1)
}

/// Replaces the external book of `symbol` like [`exch_testkit::SimState::set_book`] and pushes
/// the change as a `depthUpdate` on `<s>@depth` / `<s>@depth@100ms` / `<s>@depth@500ms`: the
/// levels whose quantity changed (0 for removed ones), spot `U = u = seq` (the book's new
/// sequence, which the REST snapshot reports as `lastUpdateId`), futures `U`/`u`/`pu` as in
/// [`futures_snapshot_id`]. Returns how many sessions got it.
pub fn publish_depth(sim: &SimHandle, symbol: &Symbol, bids: Vec<Level>, asks: Vec<Level>) -> usize {
    let Some((api, lower, venue)) = stream_symbol(sim, symbol) else {
        return 0;
    };
    let (before, after, now) = {
        let mut st = sim.state();
        let before = st.book(symbol, None);
        st.set_book(symbol, bids, asks);
        (before, st.book(symbol, None), st.now_ms())
    };
    let (Some(before), Some(after)) = (before, after) else {
        return 0;
    };
    let diff = |old: &[Level], new: &[Level]| -> Vec<Value> {
        let mut prices: Vec<Decimal> = old.iter().chain(new).map(|l| l.price).collect();
        prices.sort();
        prices.dedup();
        let qty = |ls: &[Level], p: Decimal| ls.iter().find(|l| l.price == p).map_or(Decimal::ZERO, |l| l.qty);
        prices
            .into_iter()
            .filter(|p| qty(old, *p) != qty(new, *p))
            .map(|p| json!([s(p), s(qty(new, p))]))
            .collect()
    };
    let (prev, seq) = (before.sequence.unwrap_or_default(), after.sequence.unwrap_or_default());
    let mut v = json!({
        "e": "depthUpdate",
        "E": now,
        "s": venue,
        "U": prev + 1,
        "u": seq,
        "b": diff(&before.bids, &after.bids),
        "a": diff(&before.asks, &after.asks),
    });
    if api == Api::Futures {
        let o = v.as_object_mut().expect("object literal");
        o.insert("T".into(), json!(now));
        o.insert("U".into(), json!(futures_snapshot_id(prev)));
        o.insert("u".into(), json!(futures_snapshot_id(seq) - 1));
        o.insert("pu".into(), json!(futures_snapshot_id(prev) - 1));
    }
    ["@depth", "@depth@100ms", "@depth@500ms"]
        .iter()
        .map(|suffix| ws_push(sim, api, &format!("{lower}{suffix}"), &v))
        .sum()
}

/// Pushes a public trade: spot as `trade` on `<s>@trade` and `aggTrade` on `<s>@aggTrade`,
/// futures as `aggTrade` on `<s>@aggTrade` (`m`: the buyer was the maker, i.e. the taker
/// sold). Returns how many sessions got it.
pub fn publish_trade(sim: &SimHandle, trade: &Trade) -> usize {
    let Some((api, lower, venue)) = stream_symbol(sim, &trade.symbol) else {
        return 0;
    };
    let now = sim.server_time_ms();
    let maker_buys = trade.side == Some(Side::Sell);
    let agg = json!({
        "e": "aggTrade", "E": now, "s": venue, "a": num(&trade.id), "p": s(trade.price), "q": s(trade.qty),
        "f": num(&trade.id), "l": num(&trade.id), "T": trade.timestamp, "m": maker_buys,
    });
    let mut n = ws_push(sim, api, &format!("{lower}@aggTrade"), &agg);
    if api == Api::Spot {
        let raw = json!({
            "e": "trade", "E": now, "s": venue, "t": num(&trade.id), "p": s(trade.price), "q": s(trade.qty),
            "T": trade.timestamp, "m": maker_buys, "M": true,
        });
        n += ws_push(sim, api, &format!("{lower}@trade"), &raw);
    }
    n
}

/// Pushes the simulated 24 h ticker of `symbol` (`24hrTicker` on `<s>@ticker`; best bid and
/// ask on spot only). Returns how many sessions got it.
pub fn publish_ticker(sim: &SimHandle, symbol: &Symbol) -> usize {
    let Some((api, lower, venue)) = stream_symbol(sim, symbol) else {
        return 0;
    };
    let Some(t) = sim.state().ticker(symbol) else {
        return 0;
    };
    let now = sim.server_time_ms();
    let change = match (t.last, t.open) {
        (Some(l), Some(o)) => Some(l - o),
        _ => None,
    };
    let mut v = json!({
        "e": "24hrTicker", "E": now, "s": venue,
        "p": opt(change), "P": opt(t.change_percent.map(|c| c.round_dp(3))),
        "c": opt(t.last), "o": opt(t.open), "h": opt(t.high), "l": opt(t.low),
        "v": opt(t.base_volume), "q": opt(t.quote_volume),
        "O": now - 86_400_000, "C": now,
    });
    if api == Api::Spot {
        let o = v.as_object_mut().expect("object literal");
        o.insert("b".into(), opt(t.bid));
        o.insert("B".into(), opt(t.bid_qty));
        o.insert("a".into(), opt(t.ask));
        o.insert("A".into(), opt(t.ask_qty));
    }
    ws_push(sim, api, &format!("{lower}@ticker"), &v)
}

/// Pushes the forming bar of `symbol` at `interval` (`kline` on `<s>@kline_<interval>`): the
/// simulated trades of the current bar (open, high, low, close, volumes, count), or a flat bar
/// at the last (or mark) price without volume when there were none. Returns how many sessions
/// got it.
pub fn publish_kline(sim: &SimHandle, symbol: &Symbol, interval: Interval) -> usize {
    let Some((api, lower, venue)) = stream_symbol(sim, symbol) else {
        return 0;
    };
    let now = sim.server_time_ms();
    let step = interval.millis();
    let open_time = now.div_euclid(step) * step;
    let (trades, px) = {
        let st = sim.state();
        let trades: Vec<Trade> = st
            .trades(symbol, None)
            .into_iter()
            .filter(|t| t.timestamp >= open_time && t.timestamp < open_time + step)
            .collect();
        let px = st
            .last_price(symbol)
            .or_else(|| st.mark_price(symbol))
            .unwrap_or(Decimal::ONE_HUNDRED);
        (trades, px)
    };
    let prices = || trades.iter().map(|t| t.price);
    let first = trades.first().map_or(px, |t| t.price);
    let k = json!({
        "t": open_time, "T": open_time + step - 1, "s": venue, "i": interval.as_str(),
        "f": trades.first().map_or(Value::from(-1), |t| num(&t.id)),
        "L": trades.last().map_or(Value::from(-1), |t| num(&t.id)),
        "o": s(first),
        "c": s(trades.last().map_or(px, |t| t.price)),
        "h": s(prices().max().unwrap_or(px)),
        "l": s(prices().min().unwrap_or(px)),
        "v": s(trades.iter().map(|t| t.qty).sum::<Decimal>()),
        "n": trades.len(),
        "x": false,
        "q": s(trades.iter().map(|t| t.qty * t.price).sum::<Decimal>()),
        "V": "0", "Q": "0", "B": "0",
    });
    let v = json!({"e": "kline", "E": now, "s": venue, "k": k});
    ws_push(sim, api, &format!("{lower}@kline_{}", interval.as_str()), &v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_stripped_wherever_it_is() {
        assert_eq!(
            strip_signature("a=1&b=2&signature=abc"),
            ("a=1&b=2".to_string(), Some("abc".to_string()))
        );
        assert_eq!(strip_signature(""), (String::new(), None));
    }
}
