//! The OKX V5 wire protocol mounted on `exch-testkit` (feature `sim`): the same paths,
//! envelope, signature check, error codes and contract sizing as the venue, over the kit's
//! venue-neutral engine ([`SimState`](exch_testkit::SimState) works in base units; this module converts contracts).
//!
//! * Private requests are verified like OKX does: key, passphrase, ISO-8601 timestamp within
//!   30 s of the server clock, and the base64 HMAC over `ts + METHOD + path?query + body`;
//!   failures answer HTTP 401 with `50111`/`50105`/`50113`/`50102`/....
//! * Trading errors answer HTTP 200 with `code:"1"` and the reason in `data[0].sCode`; queries
//!   answer with the code at the top level (`51603`).
//! * Candles come from a series the test installs with [`set_candles`]; the
//!   `/market/candles` endpoint serves only the latest 1440 bars of it, like OKX.
//! * Seed ([`seed`]): BTC-USDT and ETH-USDT spot, BTC-USDT-SWAP and ETH-USDT-SWAP
//!   (instrument records as OKX publishes them), books around 50 000 / 3 000, USDT and BTC;
//!   [`start`] adds the simulator key ([`SIM_API_KEY`], [`SIM_API_SECRET`], [`SIM_PASSPHRASE`]).
//! * Public WebSocket on the same port: `/ws/v5/public` (tickers, trades, books) and
//!   `/ws/v5/business` (candles), on the kit's hub. The text `ping` is answered `pong`;
//!   `subscribe`/`unsubscribe` are acknowledged like OKX (`{"event":"subscribe","arg":…}`) and
//!   recorded as hub topics [`ws_topic`] (`books:BTC-USDT`), for which tests script pushes with
//!   `server.ws().on_subscribe(..)`; a channel on the wrong endpoint, an unknown channel or
//!   instrument gets `{"event":"error",…}` (`64001`/`64002`/`60018`/`60012`). With
//!   [`set_live_books`] a `books` subscription also gets a snapshot of the engine's book.

// Handlers return `Result<_, Response>` the axum way; the large error variant is intended.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::str::FromStr;

use exch_core::{
    AccountKind, Candle, Credentials, Decimal, IncomeKind, Level, Market, MarketKind, Order, OrderRef, OrderStatus,
    OrderType, PositionMode, PositionSide, Side, Symbol, TimeInForce, Venue,
};
use exch_testkit::axum::extract::{State, WebSocketUpgrade};
use exch_testkit::axum::http::StatusCode;
use exch_testkit::axum::response::{IntoResponse, Response};
use exch_testkit::axum::routing::get;
use exch_testkit::axum::{Json, Router};
use exch_testkit::{
    check_timestamp, ApiKey, AuthFailure, NewOrder, RawRequest, SimHandle, SimReject, SimServer, VenueSim, WsFrame,
    WsProtocol, WsSession, DEFAULT_ACCOUNT, SIM_API_KEY, SIM_API_SECRET, SIM_PASSPHRASE,
};
use serde_json::{json, Value};

use crate::sign::{parse_iso_timestamp, sign, HEADER_KEY, HEADER_PASSPHRASE, HEADER_SIGN, HEADER_TIMESTAMP};
use crate::wire::Instrument;

/// Instrument records served by `/public/instruments` (copied from OKX's own records, as
/// recorded in CCXT's market snapshot).
pub const SEED_INSTRUMENTS: &str = r#"[
{"instType":"SPOT","instId":"BTC-USDT","baseCcy":"BTC","quoteCcy":"USDT","settleCcy":"","ctVal":"","ctMult":"","ctValCcy":"","ctType":"","instFamily":"","uly":"","tickSz":"0.1","lotSz":"0.00000001","minSz":"0.00001","maxLmtSz":"9999999999","maxMktSz":"1000000","state":"live","lever":"10"},
{"instType":"SPOT","instId":"ETH-USDT","baseCcy":"ETH","quoteCcy":"USDT","settleCcy":"","ctVal":"","ctMult":"","ctValCcy":"","ctType":"","instFamily":"","uly":"","tickSz":"0.01","lotSz":"0.000001","minSz":"0.0001","maxLmtSz":"999999999999","maxMktSz":"1000000","state":"live","lever":"10"},
{"instType":"SWAP","instId":"BTC-USDT-SWAP","baseCcy":"","quoteCcy":"","settleCcy":"USDT","ctVal":"0.01","ctMult":"1","ctValCcy":"BTC","ctType":"linear","instFamily":"BTC-USDT","uly":"BTC-USDT","tickSz":"0.1","lotSz":"0.1","minSz":"0.1","maxLmtSz":"100000000","maxMktSz":"12000","state":"live","lever":"100"},
{"instType":"SWAP","instId":"ETH-USDT-SWAP","baseCcy":"","quoteCcy":"","settleCcy":"USDT","ctVal":"0.1","ctMult":"1","ctValCcy":"ETH","ctType":"linear","instFamily":"ETH-USDT","uly":"ETH-USDT","tickSz":"0.01","lotSz":"0.1","minSz":"0.1","maxLmtSz":"100000000","maxMktSz":"20000","state":"live","lever":"100"}
]"#;

/// The accepted distance of a request timestamp from the server clock.
pub const TIMESTAMP_WINDOW_MS: i64 = 30_000;

/// Candle series per `instId`, installed by tests.
#[derive(Debug, Clone, Default)]
struct SimCandles(BTreeMap<String, Vec<Candle>>);

/// Instrument records served by `/public/instruments`.
#[derive(Debug, Clone, Default)]
struct SimInstruments(Vec<Instrument>);

/// The simulated OKX venue.
#[derive(Debug, Clone, Copy, Default)]
pub struct OkxSim;

impl VenueSim for OkxSim {
    const VENUE: Venue = Venue::Okx;

    fn start() -> impl std::future::Future<Output = std::io::Result<SimServer>> + Send + 'static {
        start()
    }

    fn credentials() -> Credentials {
        Credentials::new(SIM_API_KEY, SIM_API_SECRET).with_passphrase(SIM_PASSPHRASE)
    }
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default()
}

/// Starts a seeded simulator ([`seed`]) that accepts [`SIM_API_KEY`] with [`SIM_PASSPHRASE`]
/// (see [`OkxSim::credentials`]).
pub async fn start() -> std::io::Result<SimServer> {
    let handle = SimHandle::new();
    seed(&handle);
    handle
        .keys()
        .add(ApiKey::new(SIM_API_KEY, SIM_API_SECRET).with_passphrase(SIM_PASSPHRASE));
    start_with(handle).await
}

/// Serves `handle` with the OKX protocol on `127.0.0.1`, API name `rest` (the name
/// `ClientConfig::base_url` takes for OKX).
pub async fn start_with(handle: SimHandle) -> std::io::Result<SimServer> {
    SimServer::builder(handle)
        .api(crate::config::API_REST, router())
        .start()
        .await
}

/// The OKX protocol as a router on the kit: REST, and the public and business WebSockets.
pub fn router() -> Router<SimHandle> {
    Router::new()
        .route(crate::stream::PATH_PUBLIC, get(ws_public))
        .route(crate::stream::PATH_BUSINESS, get(ws_business))
        .fallback(dispatch)
}

/// Installs instruments (spot and linear swap records) as markets and as the
/// `/public/instruments` answer.
pub fn add_instruments(handle: &SimHandle, instruments: Vec<Instrument>) {
    let markets = crate::parse::markets(&instruments).unwrap_or_default();
    handle.state().add_markets(markets);
    let mut ext = handle.extensions();
    let list = ext.get_or_insert_default::<SimInstruments>();
    list.0.extend(instruments);
}

/// Seeds the markets of [`SEED_INSTRUMENTS`], two-sided books around 50 000 (BTC) and 3 000
/// (ETH) with mark prices for the swaps, and in the default account 1 000 000 USDT in each
/// wallet plus 10 BTC on spot. Add a key to trade (as [`start`] does).
pub fn seed(handle: &SimHandle) {
    let insts: Vec<Instrument> = serde_json::from_str(SEED_INSTRUMENTS).unwrap_or_default();
    add_instruments(handle, insts);
    let lv = |p: &str, q: &str| Level { price: d(p), qty: d(q) };
    let mut st = handle.state();
    for (sym, bid, ask, mark) in [
        ("BTC/USDT", ["50000", "49999.9"], ["50000.1", "50000.2"], None),
        (
            "BTC/USDT:USDT",
            ["50000", "49999.9"],
            ["50000.1", "50000.2"],
            Some("50000"),
        ),
        ("ETH/USDT", ["3000", "2999.99"], ["3000.01", "3000.02"], None),
        (
            "ETH/USDT:USDT",
            ["3000", "2999.99"],
            ["3000.01", "3000.02"],
            Some("3000"),
        ),
    ] {
        let Ok(s) = Symbol::from_str(sym) else { continue };
        st.set_book(
            &s,
            vec![lv(bid[0], "2"), lv(bid[1], "3")],
            vec![lv(ask[0], "2"), lv(ask[1], "3")],
        );
        st.set_mark_price(&s, mark.map(d));
    }
    st.deposit(DEFAULT_ACCOUNT, AccountKind::Spot, "USDT", d("1000000"));
    st.deposit(DEFAULT_ACCOUNT, AccountKind::Spot, "BTC", d("10"));
    st.deposit(DEFAULT_ACCOUNT, AccountKind::Perpetual, "USDT", d("1000000"));
}

/// Installs the candle series of `inst_id` (any order; served newest first).
pub fn set_candles(handle: &SimHandle, inst_id: &str, mut candles: Vec<Candle>) {
    candles.sort_by_key(|c| c.open_time);
    candles.dedup_by_key(|c| c.open_time);
    handle
        .extensions()
        .get_or_insert_default::<SimCandles>()
        .0
        .insert(inst_id.to_string(), candles);
}

// ------------------------------------------------------------------------------ plumbing

fn reply(status: u16, body: Value) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (code, Json(body)).into_response()
}

fn ok(data: Vec<Value>) -> Response {
    reply(200, json!({"code": "0", "msg": "", "data": data}))
}

fn fail(status: u16, code: &str, msg: &str) -> Response {
    reply(status, json!({"code": code, "msg": msg, "data": []}))
}

/// A failed trading call: `code:"1"` with the reason in `sCode`.
fn fail_item(code: &str, msg: &str, item: Value) -> Response {
    let mut item = item;
    if let Some(o) = item.as_object_mut() {
        o.insert("sCode".into(), json!(code));
        o.insert("sMsg".into(), json!(msg));
    }
    reply(
        200,
        json!({"code": "1", "msg": "All operations failed", "data": [item]}),
    )
}

fn num(d: Decimal) -> String {
    d.normalize().to_string()
}

fn opt_num(d: Option<Decimal>) -> String {
    d.map(num).unwrap_or_default()
}

/// The OKX code and message for an engine rejection; `cancel` selects the cancel codes.
fn reject_code(r: &SimReject, cancel: bool) -> (&'static str, String) {
    let code = match r {
        SimReject::UnknownSymbol => "51001",
        SimReject::MarketClosed => "51022",
        SimReject::UnknownAccount => "50119",
        SimReject::InvalidQty | SimReject::InvalidPrice => "51000",
        SimReject::Filter(_) => "51121",
        SimReject::InsufficientFunds => "51008",
        SimReject::DuplicateClientOrderId => "51016",
        SimReject::OrderNotFound | SimReject::OrderClosed if cancel => "51400",
        SimReject::OrderNotFound | SimReject::OrderClosed => "51603",
        SimReject::PostOnlyWouldTake => "51000",
        SimReject::ReduceOnlyRejected => "51170",
        SimReject::PositionSideMismatch => "51000",
        SimReject::WrongMarketKind => "51015",
        SimReject::InvalidLeverage => "59102",
        SimReject::OpenPositionOrOrders => "59000",
        SimReject::NoChange => "0",
    };
    (code, r.message())
}

fn auth_fail(f: AuthFailure) -> Response {
    let (code, msg) = match f {
        AuthFailure::MissingKey => ("50103", "Request header OK-ACCESS-KEY cannot be empty."),
        AuthFailure::UnknownKey => ("50111", "Invalid OK-ACCESS-KEY."),
        AuthFailure::MissingPassphrase => ("50104", "Request header OK-ACCESS-PASSPHRASE cannot be empty."),
        AuthFailure::BadPassphrase => ("50105", "Invalid OK-ACCESS-PASSPHRASE."),
        AuthFailure::MissingSignature => ("50106", "Request header OK-ACCESS-SIGN cannot be empty."),
        AuthFailure::BadSignature => ("50113", "Invalid Sign."),
        AuthFailure::MissingTimestamp => ("50107", "Request header OK-ACCESS-TIMESTAMP cannot be empty."),
        AuthFailure::TimestampOutsideWindow => ("50102", "Timestamp request expired."),
    };
    fail(401, code, msg)
}

/// Verifies a private request the way OKX does; returns the key's account.
fn authenticate(sim: &SimHandle, req: &RawRequest) -> Result<String, Response> {
    let key = sim
        .keys()
        .lookup(req.header(HEADER_KEY), req.header(HEADER_PASSPHRASE))
        .map_err(auth_fail)?;
    let ts = req
        .header(HEADER_TIMESTAMP)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| auth_fail(AuthFailure::MissingTimestamp))?;
    let ms = parse_iso_timestamp(ts).ok_or_else(|| fail(401, "50112", "Invalid OK-ACCESS-TIMESTAMP."))?;
    check_timestamp(ms, sim.server_time_ms(), TIMESTAMP_WINDOW_MS, TIMESTAMP_WINDOW_MS).map_err(auth_fail)?;
    let given = req
        .header(HEADER_SIGN)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| auth_fail(AuthFailure::MissingSignature))?;
    let path = if req.query.is_empty() {
        req.path.clone()
    } else {
        format!("{}?{}", req.path, req.query)
    };
    let expected = sign(&key.secret, ts, req.method.as_str(), &path, &req.body_str());
    if !exch_testkit::auth::signatures_equal(&expected, given) {
        return Err(auth_fail(AuthFailure::BadSignature));
    }
    Ok(key.account)
}

fn kind_of(inst_id: &str) -> MarketKind {
    if inst_id.ends_with("-SWAP") {
        MarketKind::LinearPerpetual
    } else {
        MarketKind::Spot
    }
}

fn market_of(sim: &SimHandle, inst_id: &str) -> Result<Market, Response> {
    sim.state()
        .market_by_venue_symbol(kind_of(inst_id), inst_id)
        .cloned()
        .ok_or_else(|| fail(200, "51001", "Instrument ID doesn't exist."))
}

fn inst_type_matches(m: &Market, inst_type: Option<&str>) -> bool {
    match inst_type {
        None | Some("") => true,
        Some("SPOT") => m.kind == MarketKind::Spot,
        Some("SWAP") => m.kind == MarketKind::LinearPerpetual,
        Some(_) => false,
    }
}

// ------------------------------------------------------------------------------ rendering

fn contracts(qty: Decimal, m: &Market) -> Decimal {
    m.base_to_contracts(qty)
}

fn ord_type(o: &Order) -> &'static str {
    match (o.order_type, o.time_in_force) {
        (OrderType::Market, _) => "market",
        (_, Some(TimeInForce::PostOnly)) => "post_only",
        (_, Some(TimeInForce::Ioc)) => "ioc",
        (_, Some(TimeInForce::Fok)) => "fok",
        _ => "limit",
    }
}

fn pos_side(s: Option<PositionSide>) -> &'static str {
    match s {
        Some(PositionSide::Long) => "long",
        Some(PositionSide::Short) => "short",
        None => "net",
    }
}

fn render_order(sim: &SimHandle, account: &str, o: &Order, m: &Market) -> Value {
    let st = sim.state();
    let fills = st.fills(account, Some(&o.id));
    let fee: Decimal = fills.iter().map(|f| f.fee).sum();
    let fee_ccy = fills.first().map(|f| f.fee_asset.clone()).unwrap_or_default();
    let td_mode = if m.kind == MarketKind::Spot {
        "cash".to_string()
    } else {
        match st.margin_mode(account, &m.symbol) {
            exch_core::MarginMode::Cross => "cross".into(),
            exch_core::MarginMode::Isolated => "isolated".into(),
        }
    };
    drop(st);
    let state = match o.status {
        OrderStatus::Pending | OrderStatus::New => "live",
        OrderStatus::PartiallyFilled => "partially_filled",
        OrderStatus::Filled => "filled",
        OrderStatus::Canceled | OrderStatus::Expired | OrderStatus::Rejected => "canceled",
    };
    json!({
        "instType": if m.kind == MarketKind::Spot { "SPOT" } else { "SWAP" },
        "instId": m.venue_symbol,
        "ordId": o.id,
        "clOrdId": o.client_order_id.clone().unwrap_or_default(),
        "side": o.side.to_string(),
        "ordType": ord_type(o),
        "px": opt_num(o.price),
        "sz": num(contracts(o.qty, m)),
        "accFillSz": num(contracts(o.filled_qty, m)),
        "avgPx": opt_num(o.avg_price),
        "state": state,
        "reduceOnly": if o.reduce_only { "true" } else { "false" },
        "posSide": pos_side(o.position_side),
        "tdMode": td_mode,
        "tgtCcy": if m.kind == MarketKind::Spot && o.order_type == OrderType::Market { "base_ccy" } else { "" },
        "fee": num(-fee),
        "feeCcy": fee_ccy,
        "cTime": o.created_at.unwrap_or_default().to_string(),
        "uTime": o.updated_at.unwrap_or_default().to_string(),
    })
}

fn render_algo(o: &Order, m: &Market) -> Value {
    let state = match o.status {
        OrderStatus::Pending => "live",
        OrderStatus::New | OrderStatus::PartiallyFilled | OrderStatus::Filled => "effective",
        OrderStatus::Canceled | OrderStatus::Expired => "canceled",
        OrderStatus::Rejected => "order_failed",
    };
    let px = o.price.map(num).unwrap_or_else(|| "-1".into());
    let (ord_type, trig, ord_px, tp, tp_px) = match o.order_type {
        OrderType::TakeProfitMarket | OrderType::TakeProfitLimit => (
            "conditional",
            String::new(),
            String::new(),
            opt_num(o.trigger_price),
            px,
        ),
        OrderType::TrailingStop => (
            "move_order_stop",
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ),
        _ => ("trigger", opt_num(o.trigger_price), px, String::new(), String::new()),
    };
    json!({
        "instType": if m.kind == MarketKind::Spot { "SPOT" } else { "SWAP" },
        "instId": m.venue_symbol,
        "algoId": o.id,
        "algoClOrdId": o.client_order_id.clone().unwrap_or_default(),
        "ordType": ord_type,
        "side": o.side.to_string(),
        "sz": num(contracts(o.qty, m)),
        "state": state,
        "triggerPx": trig,
        "ordPx": ord_px,
        "tpTriggerPx": tp,
        "tpOrdPx": tp_px,
        "slTriggerPx": "",
        "slOrdPx": "",
        "posSide": pos_side(o.position_side),
        "reduceOnly": if o.reduce_only { "true" } else { "false" },
        "cTime": o.created_at.unwrap_or_default().to_string(),
        "uTime": o.updated_at.unwrap_or_default().to_string(),
    })
}

// ------------------------------------------------------------------------------ handlers

async fn dispatch(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let method = req.method.as_str().to_string();
    let path = req.path.clone();
    let public = match (method.as_str(), path.as_str()) {
        ("GET", "/api/v5/public/time") => Some(ok(vec![json!({"ts": sim.server_time_ms().to_string()})])),
        ("GET", "/api/v5/public/instruments") => Some(instruments(&sim, &req)),
        ("GET", "/api/v5/market/ticker") => Some(ticker(&sim, &req)),
        ("GET", "/api/v5/market/tickers") => Some(tickers(&sim, &req)),
        ("GET", "/api/v5/market/books") => Some(books(&sim, &req, 400)),
        ("GET", "/api/v5/market/books-full") => Some(books(&sim, &req, 5000)),
        ("GET", "/api/v5/market/trades") => Some(trades(&sim, &req)),
        ("GET", "/api/v5/market/candles") => Some(candles(&sim, &req, false)),
        ("GET", "/api/v5/market/history-candles") => Some(candles(&sim, &req, true)),
        _ => None,
    };
    if let Some(r) = public {
        return r;
    }
    let account = match authenticate(&sim, &req) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let body = req.json().unwrap_or(Value::Null);
    if method == "POST" && body.is_null() {
        return fail(400, "50002", "JSON syntax error");
    }
    match (method.as_str(), path.as_str()) {
        ("POST", "/api/v5/trade/order") => place(&sim, &account, &body, false),
        ("POST", "/api/v5/trade/order-algo") => place(&sim, &account, &body, true),
        ("POST", "/api/v5/trade/cancel-order") => cancel(&sim, &account, &body),
        ("POST", "/api/v5/trade/cancel-batch-orders") => cancel_batch(&sim, &account, &body),
        ("POST", "/api/v5/trade/cancel-algos") => cancel_algos(&sim, &account, &body),
        ("GET", "/api/v5/trade/order") => get_order(&sim, &account, &req, false),
        ("GET", "/api/v5/trade/order-algo") => get_order(&sim, &account, &req, true),
        ("GET", "/api/v5/trade/orders-pending") => list_orders(&sim, &account, &req, true),
        ("GET", "/api/v5/trade/orders-history") => list_orders(&sim, &account, &req, false),
        ("GET", "/api/v5/account/balance") => balance(&sim, &account),
        ("GET", "/api/v5/account/positions") => positions(&sim, &account, &req),
        ("GET", "/api/v5/account/config") => {
            let mode = match sim.state().position_mode(&account) {
                PositionMode::Hedge => "long_short_mode",
                PositionMode::OneWay => "net_mode",
            };
            ok(vec![json!({"posMode": mode, "acctLv": "2"})])
        }
        ("POST", "/api/v5/account/set-leverage") => set_leverage(&sim, &account, &body),
        ("POST", "/api/v5/account/set-position-mode") => {
            let mode = match body["posMode"].as_str() {
                Some("long_short_mode") => PositionMode::Hedge,
                Some("net_mode") => PositionMode::OneWay,
                _ => return fail(200, "51000", "Parameter posMode error"),
            };
            match sim.state().set_position_mode(&account, mode) {
                Ok(()) | Err(SimReject::NoChange) => ok(vec![json!({"posMode": body["posMode"]})]),
                Err(r) => {
                    let (c, m) = reject_code(&r, false);
                    fail(200, c, &m)
                }
            }
        }
        ("GET", "/api/v5/account/bills") => bills(&sim, &account, &req),
        _ => fail(404, "50005", "API endpoint not found in the simulator"),
    }
}

fn instruments(sim: &SimHandle, req: &RawRequest) -> Response {
    let t = req.query_param("instType").unwrap_or_default();
    let list = sim.extensions().get::<SimInstruments>().cloned().unwrap_or_default();
    ok(list
        .0
        .iter()
        .filter(|i| i.inst_type == t)
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect())
}

fn render_ticker(t: &exch_core::Ticker, m: &Market) -> Value {
    let cs = |q: Option<Decimal>| opt_num(q.map(|q| contracts(q, m)));
    let (vol, vol_ccy) = if m.kind == MarketKind::Spot {
        (opt_num(t.base_volume), opt_num(t.quote_volume))
    } else {
        (cs(t.base_volume), opt_num(t.base_volume))
    };
    json!({
        "instType": if m.kind == MarketKind::Spot { "SPOT" } else { "SWAP" },
        "instId": m.venue_symbol,
        "last": opt_num(t.last),
        "askPx": opt_num(t.ask), "askSz": cs(t.ask_qty),
        "bidPx": opt_num(t.bid), "bidSz": cs(t.bid_qty),
        "open24h": opt_num(t.open), "high24h": opt_num(t.high), "low24h": opt_num(t.low),
        "vol24h": vol, "volCcy24h": vol_ccy,
        "ts": t.timestamp.unwrap_or_default().to_string(),
    })
}

fn ticker(sim: &SimHandle, req: &RawRequest) -> Response {
    let m = match market_of(sim, &req.query_param("instId").unwrap_or_default()) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let t = sim.state().ticker(&m.symbol);
    match t {
        Some(t) => ok(vec![render_ticker(&t, &m)]),
        None => ok(vec![]),
    }
}

fn tickers(sim: &SimHandle, req: &RawRequest) -> Response {
    let t = req.query_param("instType");
    let st = sim.state();
    let rows = st
        .markets()
        .filter(|m| inst_type_matches(m, t.as_deref()))
        .filter_map(|m| st.ticker(&m.symbol).map(|t| render_ticker(&t, m)))
        .collect();
    ok(rows)
}

fn books(sim: &SimHandle, req: &RawRequest, max: usize) -> Response {
    let m = match market_of(sim, &req.query_param("instId").unwrap_or_default()) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let sz = req
        .query_param("sz")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, max);
    let book = sim.state().book(&m.symbol, Some(sz));
    let Some(b) = book else { return ok(vec![]) };
    let lv = |l: &Level| json!([num(l.price), num(contracts(l.qty, &m)), "0", "1"]);
    ok(vec![json!({
        "asks": b.asks.iter().map(lv).collect::<Vec<_>>(),
        "bids": b.bids.iter().map(lv).collect::<Vec<_>>(),
        "ts": b.timestamp.unwrap_or_else(|| sim.server_time_ms()).to_string(),
    })])
}

fn trades(sim: &SimHandle, req: &RawRequest) -> Response {
    let m = match market_of(sim, &req.query_param("instId").unwrap_or_default()) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let limit = req
        .query_param("limit")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(100)
        .clamp(1, 500);
    let mut rows = sim.state().trades(&m.symbol, Some(limit));
    rows.sort_by(|a, b| b.timestamp.cmp(&a.timestamp).then_with(|| b.id.cmp(&a.id)));
    ok(rows
        .iter()
        .map(|t| {
            json!({
                "instId": m.venue_symbol, "tradeId": t.id, "px": num(t.price),
                "sz": num(contracts(t.qty, &m)),
                "side": t.side.map(|s| s.to_string()).unwrap_or_default(),
                "ts": t.timestamp.to_string(),
            })
        })
        .collect())
}

fn candles(sim: &SimHandle, req: &RawRequest, history: bool) -> Response {
    let inst = req.query_param("instId").unwrap_or_default();
    let m = match market_of(sim, &inst) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let max = if history { 100 } else { 300 };
    let limit = req
        .query_param("limit")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(100)
        .clamp(1, max);
    let after = req.query_param("after").and_then(|s| s.parse::<i64>().ok());
    let before = req.query_param("before").and_then(|s| s.parse::<i64>().ok());
    let series = sim
        .extensions()
        .get::<SimCandles>()
        .and_then(|c| c.0.get(&inst).cloned())
        .unwrap_or_default();
    // `/market/candles` reaches only the latest 1440 bars.
    let start = if history { 0 } else { series.len().saturating_sub(1440) };
    let rows: Vec<Value> = series[start..]
        .iter()
        .rev()
        .filter(|c| after.is_none_or(|a| c.open_time < a) && before.is_none_or(|b| c.open_time > b))
        .take(limit)
        .map(|c| {
            json!([
                c.open_time.to_string(),
                num(c.open),
                num(c.high),
                num(c.low),
                num(c.close),
                num(contracts(c.volume, &m)),
                num(c.volume),
                opt_num(c.quote_volume),
                if c.closed == Some(false) { "0" } else { "1" }
            ])
        })
        .collect();
    ok(rows)
}

fn decode_order(m: &Market, b: &Value, algo: bool) -> Result<NewOrder, (&'static str, String)> {
    let s = |k: &str| b[k].as_str().unwrap_or_default().to_string();
    let side = match s("side").as_str() {
        "buy" => Side::Buy,
        "sell" => Side::Sell,
        _ => return Err(("51000", "Parameter side error".into())),
    };
    let sz = Decimal::from_str(&s("sz")).map_err(|_| ("51000", "Parameter sz error".to_string()))?;
    let qty = m.contracts_to_base(sz);
    if m.kind == MarketKind::Spot && s("ordType") == "market" && s("tgtCcy") != "base_ccy" && side == Side::Buy {
        return Err((
            "51000",
            "quote-sized market buys are not simulated (send tgtCcy=base_ccy)".into(),
        ));
    }
    let px = |k: &str| Decimal::from_str(&s(k)).ok().filter(|p| *p > Decimal::ZERO);
    let (order_type, tif, price, trigger) = if algo {
        match s("ordType").as_str() {
            "trigger" => {
                let p = px("orderPx");
                let t = if p.is_some() {
                    OrderType::StopLimit
                } else {
                    OrderType::StopMarket
                };
                (t, None, p, px("triggerPx"))
            }
            "conditional" if !s("tpTriggerPx").is_empty() => {
                let p = px("tpOrdPx");
                let t = if p.is_some() {
                    OrderType::TakeProfitLimit
                } else {
                    OrderType::TakeProfitMarket
                };
                (t, None, p, px("tpTriggerPx"))
            }
            "conditional" => {
                let p = px("slOrdPx");
                let t = if p.is_some() {
                    OrderType::StopLimit
                } else {
                    OrderType::StopMarket
                };
                (t, None, p, px("slTriggerPx"))
            }
            other => return Err(("51000", format!("algo ordType {other} is not simulated"))),
        }
    } else {
        match s("ordType").as_str() {
            "market" => (OrderType::Market, None, None, None),
            "limit" => (OrderType::Limit, Some(TimeInForce::Gtc), px("px"), None),
            "post_only" => (OrderType::Limit, Some(TimeInForce::PostOnly), px("px"), None),
            "ioc" => (OrderType::Limit, Some(TimeInForce::Ioc), px("px"), None),
            "fok" => (OrderType::Limit, Some(TimeInForce::Fok), px("px"), None),
            other => return Err(("51000", format!("Parameter ordType error: {other}"))),
        }
    };
    let cid = if algo { s("algoClOrdId") } else { s("clOrdId") };
    Ok(NewOrder {
        symbol: m.symbol.clone(),
        side,
        order_type,
        qty,
        price,
        trigger_price: trigger,
        time_in_force: tif,
        reduce_only: b["reduceOnly"].as_bool().unwrap_or(false),
        position_side: match s("posSide").as_str() {
            "long" => Some(PositionSide::Long),
            "short" => Some(PositionSide::Short),
            _ => None,
        },
        client_order_id: (!cid.is_empty()).then_some(cid),
    })
}

fn place(sim: &SimHandle, account: &str, b: &Value, algo: bool) -> Response {
    let inst = b["instId"].as_str().unwrap_or_default();
    let cid_key = if algo { "algoClOrdId" } else { "clOrdId" };
    let cid = b[cid_key].as_str().unwrap_or_default().to_string();
    let id_key = if algo { "algoId" } else { "ordId" };
    let item = json!({id_key: "", cid_key: cid, "tag": ""});
    let m = match market_of(sim, inst) {
        Ok(m) => m,
        Err(_) => return fail_item("51001", "Instrument ID doesn't exist.", item),
    };
    let valid_cid = cid.len() <= 32 && cid.bytes().all(|c| c.is_ascii_alphanumeric());
    if !valid_cid {
        return fail_item("51000", "Parameter clOrdId error", item);
    }
    let new = match decode_order(&m, b, algo) {
        Ok(n) => n,
        Err((c, msg)) => return fail_item(c, &msg, item),
    };
    if new.order_type.is_conditional() != algo {
        return fail_item("51000", "Parameter ordType error", item);
    }
    let placed = sim.state().place(account, new);
    match placed {
        Ok(o) => {
            let now = sim.server_time_ms().to_string();
            let cid = o.client_order_id.unwrap_or_default();
            let row = if algo {
                json!({"algoId": o.id, "algoClOrdId": cid, "clOrdId": cid, "tag": "", "sCode": "0", "sMsg": ""})
            } else {
                json!({"ordId": o.id, "clOrdId": cid, "tag": "", "ts": now, "sCode": "0", "sMsg": "Order placed"})
            };
            ok(vec![row])
        }
        Err(r) => {
            let (c, msg) = reject_code(&r, false);
            fail_item(c, &msg, item)
        }
    }
}

fn order_ref(b: &Value, id: &str, cid: &str) -> Option<OrderRef> {
    let get = |k: &str| b[k].as_str().filter(|s| !s.is_empty()).map(str::to_string);
    get(id).map(OrderRef::Id).or_else(|| get(cid).map(OrderRef::Client))
}

fn cancel_one(sim: &SimHandle, account: &str, b: &Value, algo: bool) -> Value {
    let (idk, cidk) = if algo {
        ("algoId", "algoClOrdId")
    } else {
        ("ordId", "clOrdId")
    };
    let mut item = json!({idk: b[idk].as_str().unwrap_or_default(), cidk: b[cidk].as_str().unwrap_or_default()});
    let result = (|| {
        let m = market_of(sim, b["instId"].as_str().unwrap_or_default()).map_err(|_| SimReject::UnknownSymbol)?;
        let which = order_ref(b, idk, cidk).ok_or(SimReject::OrderNotFound)?;
        let mut st = sim.state();
        let existing = st.order(account, Some(&m.symbol), &which)?;
        if existing.order_type.is_conditional() != algo {
            return Err(SimReject::OrderNotFound);
        }
        st.cancel(account, Some(&m.symbol), &which)
    })();
    let (code, msg) = match &result {
        Ok(o) => {
            item[idk] = json!(o.id);
            item[cidk] = json!(o.client_order_id.clone().unwrap_or_default());
            ("0", String::new())
        }
        Err(r) => reject_code(r, true),
    };
    item["sCode"] = json!(code);
    item["sMsg"] = json!(msg);
    item
}

fn batch_reply(items: Vec<Value>) -> Response {
    let failed = items.iter().filter(|i| i["sCode"] != "0").count();
    let code = if failed == 0 {
        "0"
    } else if failed == items.len() {
        "1"
    } else {
        "2"
    };
    reply(200, json!({"code": code, "msg": "", "data": items}))
}

fn cancel(sim: &SimHandle, account: &str, b: &Value) -> Response {
    batch_reply(vec![cancel_one(sim, account, b, false)])
}

fn cancel_batch(sim: &SimHandle, account: &str, b: &Value) -> Response {
    let Some(list) = b.as_array() else {
        return fail(400, "50002", "JSON syntax error");
    };
    if list.is_empty() || list.len() > 20 {
        return fail(200, "51000", "Parameter error: 1 to 20 orders per batch");
    }
    batch_reply(list.iter().map(|o| cancel_one(sim, account, o, false)).collect())
}

fn cancel_algos(sim: &SimHandle, account: &str, b: &Value) -> Response {
    let Some(list) = b.as_array() else {
        return fail(400, "50002", "JSON syntax error");
    };
    batch_reply(list.iter().map(|o| cancel_one(sim, account, o, true)).collect())
}

fn get_order(sim: &SimHandle, account: &str, req: &RawRequest, algo: bool) -> Response {
    let (idk, cidk) = if algo {
        ("algoId", "algoClOrdId")
    } else {
        ("ordId", "clOrdId")
    };
    let which = match (req.query_param(idk), req.query_param(cidk)) {
        (Some(id), _) => OrderRef::Id(id),
        (None, Some(c)) => OrderRef::Client(c),
        _ => return fail(200, "51000", "Parameter ordId error"),
    };
    let symbol = match req.query_param("instId") {
        Some(inst) => match market_of(sim, &inst) {
            Ok(m) => Some(m.symbol),
            Err(r) => return r,
        },
        None if algo => None,
        None => return fail(200, "50014", "Parameter instId cannot be empty"),
    };
    let found = sim.state().order(account, symbol.as_ref(), &which);
    match found {
        Ok(o) if o.order_type.is_conditional() == algo => {
            let m = match sim.state().market(&o.symbol).cloned() {
                Some(m) => m,
                None => return fail(200, "51001", "Instrument ID doesn't exist."),
            };
            let row = if algo {
                render_algo(&o, &m)
            } else {
                render_order(sim, account, &o, &m)
            };
            ok(vec![row])
        }
        _ => fail(200, "51603", "Order does not exist"),
    }
}

fn list_orders(sim: &SimHandle, account: &str, req: &RawRequest, open: bool) -> Response {
    let symbol = match req.query_param("instId") {
        Some(inst) => match market_of(sim, &inst) {
            Ok(m) => Some(m.symbol),
            Err(r) => return r,
        },
        None => None,
    };
    let inst_type = req.query_param("instType");
    if !open && inst_type.is_none() {
        return fail(200, "50014", "Parameter instType cannot be empty");
    }
    let after = req.query_param("after").and_then(|s| s.parse::<u128>().ok());
    let begin = req.query_param("begin").and_then(|s| s.parse::<i64>().ok());
    let end = req.query_param("end").and_then(|s| s.parse::<i64>().ok());
    let limit = req
        .query_param("limit")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(100)
        .clamp(1, 100);
    let orders = {
        let st = sim.state();
        if open {
            st.open_orders(account, symbol.as_ref())
        } else {
            st.order_history(account, symbol.as_ref())
                .into_iter()
                .filter(|o| !o.status.is_open())
                .collect()
        }
    };
    let mut rows: Vec<(u128, Order, Market)> = orders
        .into_iter()
        .filter(|o| !o.order_type.is_conditional())
        .filter_map(|o| {
            let m = sim.state().market(&o.symbol).cloned()?;
            let id = o.id.parse::<u128>().ok()?;
            Some((id, o, m))
        })
        .filter(|(id, o, m)| {
            inst_type_matches(m, inst_type.as_deref())
                && after.is_none_or(|a| *id < a)
                && begin.is_none_or(|b| o.created_at.unwrap_or(0) >= b)
                && end.is_none_or(|e| o.created_at.unwrap_or(0) <= e)
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    ok(rows
        .iter()
        .take(limit)
        .map(|(_, o, m)| render_order(sim, account, o, m))
        .collect())
}

fn balance(sim: &SimHandle, account: &str) -> Response {
    let st = sim.state();
    let mut by_ccy: BTreeMap<String, (Decimal, Decimal, Decimal)> = BTreeMap::new();
    for wallet in [AccountKind::Spot, AccountKind::Perpetual] {
        for b in st.balances(account, wallet).unwrap_or_default() {
            let e = by_ccy.entry(b.asset.clone()).or_default();
            e.0 += b.free;
            e.1 += b.locked;
            e.2 += b.total;
        }
    }
    let details: Vec<Value> = by_ccy
        .iter()
        .map(|(ccy, (free, locked, total))| {
            json!({"ccy": ccy, "availBal": num(*free), "frozenBal": num(*locked), "ordFrozen": num(*locked),
                   "cashBal": num(*total), "eq": num(*total), "availEq": num(*free),
                   "uTime": st.now_ms().to_string()})
        })
        .collect();
    let now = st.now_ms().to_string();
    drop(st);
    ok(vec![json!({"uTime": now, "details": details})])
}

fn positions(sim: &SimHandle, account: &str, req: &RawRequest) -> Response {
    let symbol = match req.query_param("instId") {
        Some(inst) => match market_of(sim, &inst) {
            Ok(m) => Some(m.symbol),
            Err(r) => return r,
        },
        None => None,
    };
    let st = sim.state();
    let list = st.positions(account, symbol.as_ref()).unwrap_or_default();
    let rows = list
        .iter()
        .filter_map(|p| {
            let m = st.market(&p.symbol)?;
            let hedge = p.position_mode == Some(PositionMode::Hedge);
            let pos = if hedge { p.contracts } else { num_signed(p) };
            Some(json!({
                "instType": "SWAP",
                "instId": m.venue_symbol,
                "mgnMode": match p.margin_mode { Some(exch_core::MarginMode::Isolated) => "isolated", _ => "cross" },
                "posSide": if hedge { pos_side(Some(p.side)) } else { "net" },
                "pos": num(pos),
                "avgPx": opt_num(p.entry_price),
                "markPx": opt_num(p.mark_price),
                "liqPx": opt_num(p.liquidation_price),
                "lever": opt_num(p.leverage),
                "upl": opt_num(p.unrealized_pnl),
                "posId": format!("{}-{}", m.venue_symbol, pos_side(Some(p.side))),
                "cTime": p.timestamp.unwrap_or_default().to_string(),
                "uTime": p.timestamp.unwrap_or_default().to_string(),
            }))
        })
        .collect();
    ok(rows)
}

fn num_signed(p: &exch_core::Position) -> Decimal {
    match p.side {
        PositionSide::Long => p.contracts,
        PositionSide::Short => -p.contracts,
    }
}

fn set_leverage(sim: &SimHandle, account: &str, b: &Value) -> Response {
    let m = match market_of(sim, b["instId"].as_str().unwrap_or_default()) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let lever = b["lever"]
        .as_str()
        .and_then(|s| Decimal::from_str(s).ok())
        .unwrap_or_default();
    let r = sim.state().set_leverage(account, &m.symbol, lever);
    match r {
        Ok(()) => ok(vec![
            json!({"instId": m.venue_symbol, "lever": num(lever), "mgnMode": b["mgnMode"], "posSide": b["posSide"]}),
        ]),
        Err(r) => {
            let (c, msg) = reject_code(&r, false);
            fail(200, c, &msg)
        }
    }
}

fn bills(sim: &SimHandle, account: &str, req: &RawRequest) -> Response {
    let ty = req.query_param("type");
    let begin = req.query_param("begin").and_then(|s| s.parse::<i64>().ok());
    let end = req.query_param("end").and_then(|s| s.parse::<i64>().ok());
    let after = req.query_param("after").and_then(|s| s.parse::<u128>().ok());
    let limit = req
        .query_param("limit")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(100)
        .clamp(1, 100);
    let st = sim.state();
    let mut rows: Vec<(u128, Value)> = st
        .income(account, None, None)
        .unwrap_or_default()
        .iter()
        .filter_map(|i| {
            let code = match &i.kind {
                IncomeKind::Funding => "8",
                IncomeKind::Transfer => "1",
                IncomeKind::RealizedPnl | IncomeKind::Fee => "2",
                IncomeKind::Other(_) => "0",
            };
            let id: u128 = i.id.as_deref().and_then(|s| s.parse().ok()).unwrap_or(0);
            let inst = i
                .symbol
                .as_ref()
                .and_then(|s| st.market(s))
                .map(|m| m.venue_symbol.clone())
                .unwrap_or_default();
            let keep = ty.as_deref().is_none_or(|t| t == code)
                && begin.is_none_or(|b| i.timestamp >= b)
                && end.is_none_or(|e| i.timestamp <= e)
                && after.is_none_or(|a| id < a);
            keep.then(|| {
                (
                    id,
                    json!({"billId": id.to_string(), "instType": "SWAP", "instId": inst, "ccy": i.asset,
                           "balChg": num(i.amount), "type": code, "subType": "", "ts": i.timestamp.to_string(),
                           "pnl": if i.kind == IncomeKind::RealizedPnl { num(i.amount) } else { "0".into() },
                           "fee": if i.kind == IncomeKind::Fee { num(i.amount) } else { "0".into() }}),
                )
            })
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    ok(rows.into_iter().take(limit).map(|(_, v)| v).collect())
}

// ------------------------------------------------------------------------------ websocket

/// The hub topic recorded for an OKX subscription: `channel:instId`, e.g. `books:BTC-USDT` or
/// `candle1m:BTC-USDT` (script pushes for it with `server.ws().on_subscribe(topic, frames)`).
pub fn ws_topic(channel: &str, inst_id: &str) -> String {
    format!("{channel}:{inst_id}")
}

/// Whether a `books` subscription also gets a snapshot of the engine's book.
#[derive(Debug, Clone, Copy, Default)]
struct LiveBooks(bool);

/// When `on`, each `books` subscription is answered with a snapshot of the engine's book
/// (`seqId` 1, sizes in contracts for swaps, OKX's checksum) after the acknowledgement.
pub fn set_live_books(handle: &SimHandle, on: bool) {
    handle.extensions().insert(LiveBooks(on));
}

/// A `books` snapshot push of the engine's book of `inst_id` (top 400 levels), if listed.
pub fn live_book_frame(handle: &SimHandle, inst_id: &str) -> Option<WsFrame> {
    let m = market_of(handle, inst_id).ok()?;
    let book = handle.state().book(&m.symbol, Some(400))?;
    let to_wire = |l: &Level| Level {
        price: l.price.normalize(),
        qty: contracts(l.qty, &m).normalize(),
    };
    let bids: Vec<Level> = book.bids.iter().map(to_wire).collect();
    let asks: Vec<Level> = book.asks.iter().map(to_wire).collect();
    let checksum = exch_core::stream::crc32_interleaved_levels(
        bids.iter().copied(),
        asks.iter().copied(),
        crate::stream::CHECKSUM_DEPTH,
    );
    let lv = |l: &Level| json!([l.price.to_string(), l.qty.to_string(), "0", "1"]);
    Some(WsFrame::json(&json!({
        "arg": {"channel": "books", "instId": inst_id},
        "action": "snapshot",
        "data": [{
            "asks": asks.iter().map(lv).collect::<Vec<_>>(),
            "bids": bids.iter().map(lv).collect::<Vec<_>>(),
            "ts": handle.server_time_ms().to_string(),
            "checksum": checksum,
            "prevSeqId": -1,
            "seqId": 1,
        }],
    })))
}

/// OKX's WebSocket on one endpoint (`business` carries candles, `public` the rest).
struct OkxWs {
    business: bool,
}

fn ws_error(session: &WsSession, code: &str, msg: String) -> WsFrame {
    WsFrame::json(&json!({"event": "error", "code": code, "msg": msg, "connId": conn_id(session)}))
}

fn conn_id(session: &WsSession) -> String {
    format!("{:08x}", session.id())
}

impl OkxWs {
    /// Checks one subscription argument; `Err` is the error frame OKX sends.
    fn check(&self, session: &WsSession, sim: &SimHandle, channel: &str, inst_id: &str) -> Result<(), WsFrame> {
        let candle = channel
            .strip_prefix("candle")
            .is_some_and(|bar| crate::stream::interval_of_bar(bar).is_some());
        let public = matches!(channel, "tickers" | "trades" | "books");
        if candle && !self.business {
            let msg = format!("channel:{channel},instId:{inst_id} doesn't exist on this endpoint; use /ws/v5/business");
            return Err(ws_error(session, "64001", msg));
        }
        if public && self.business {
            let msg = format!("channel:{channel},instId:{inst_id} isn't supported on /ws/v5/business");
            return Err(ws_error(session, "64002", msg));
        }
        if !(candle || public) || market_of(sim, inst_id).is_err() {
            let msg = format!("Wrong URL or channel:{channel},instId:{inst_id} doesn't exist.");
            return Err(ws_error(session, "60018", msg));
        }
        Ok(())
    }
}

impl WsProtocol for OkxWs {
    fn on_text(&self, session: &WsSession, sim: &SimHandle, text: &str) -> Vec<WsFrame> {
        if text == "ping" {
            return vec![WsFrame::Text("pong".into())];
        }
        let invalid = || vec![ws_error(session, "60012", format!("Invalid request: {text}"))];
        let Ok(v) = serde_json::from_str::<Value>(text) else {
            return invalid();
        };
        let (Some(op @ ("subscribe" | "unsubscribe")), Some(args)) = (v["op"].as_str(), v["args"].as_array()) else {
            return invalid();
        };
        let live = sim.extensions().get::<LiveBooks>().copied().unwrap_or_default().0;
        let mut out = Vec::new();
        for arg in args {
            let channel = arg["channel"].as_str().unwrap_or_default();
            let inst_id = arg["instId"].as_str().unwrap_or_default();
            if let Err(frame) = self.check(session, sim, channel, inst_id) {
                out.push(frame);
                continue;
            }
            out.push(WsFrame::json(&json!({
                "event": op,
                "arg": {"channel": channel, "instId": inst_id},
                "connId": conn_id(session),
            })));
            let topic = ws_topic(channel, inst_id);
            if op == "subscribe" {
                // Scripted pushes are queued behind the acknowledgement.
                session.subscribe(&topic);
                if live && channel == "books" {
                    if let Some(f) = live_book_frame(sim, inst_id) {
                        session.send(f);
                    }
                }
            } else {
                session.unsubscribe(&topic);
            }
        }
        out
    }
}

async fn ws_public(State(sim): State<SimHandle>, upgrade: WebSocketUpgrade) -> Response {
    sim.ws().accept(
        sim.clone(),
        upgrade,
        crate::stream::PATH_PUBLIC,
        std::sync::Arc::new(OkxWs { business: false }),
    )
}

async fn ws_business(State(sim): State<SimHandle>, upgrade: WebSocketUpgrade) -> Response {
    sim.ws().accept(
        sim.clone(),
        upgrade,
        crate::stream::PATH_BUSINESS,
        std::sync::Arc::new(OkxWs { business: true }),
    )
}
