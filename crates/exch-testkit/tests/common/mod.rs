//! A tiny generic venue protocol for the kit's own tests, and a signing client for it.
//!
//! Wire: JSON bodies, responses `{"code": 0, "data": ...}` or `{"code": <n>, "msg": ...}`.
//! Private endpoints carry `X-KEY`, `X-TS` and `X-SIGN = hex(hmac_sha256(secret, ts + METHOD +
//! path + query + body))`, plus `X-PASS` for keys with a passphrase.

// Each test binary uses part of this module; handlers return `Result<_, Response>` the axum way.
#![allow(dead_code, clippy::result_large_err)]

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{State, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use exch_core::{
    AccountKind, Level, MarginMode, Market, MarketKind, MarketStatus, OrderRef, OrderType, PositionMode, PositionSide,
    Side, Symbol, TimeInForce,
};
use exch_testkit::auth::{check_timestamp, signatures_equal};
use exch_testkit::{
    ApiKey, AuthFailure, NewOrder, RawRequest, SimHandle, SimReject, SimServer, WsFrame, WsProtocol, WsSession,
    DEFAULT_ACCOUNT,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{json, Value};

pub const KEY: &str = "test-key";
pub const SECRET: &str = "test-secret";
pub const PASS_KEY: &str = "pass-key";
pub const PASSPHRASE: &str = "open sesame";
pub const WINDOW_MS: i64 = 5_000;

pub fn spot() -> Symbol {
    "BTC/USDT".parse().unwrap()
}

pub fn perp() -> Symbol {
    "BTC/USDT:USDT".parse().unwrap()
}

fn market(symbol: Symbol, kind: MarketKind) -> Market {
    Market {
        symbol,
        venue_symbol: "BTCUSDT".into(),
        kind,
        status: MarketStatus::Trading,
        tick_size: dec!(0.1),
        step_size: dec!(0.001),
        min_qty: Some(dec!(0.001)),
        max_qty: None,
        min_notional: Some(dec!(5)),
        contract_size: Decimal::ONE,
    }
}

fn lv(price: Decimal, qty: Decimal) -> Level {
    Level { price, qty }
}

/// Seeds a spot and a perpetual BTC market, books around 100, balances and keys.
pub fn seed(sim: &SimHandle) {
    sim.keys().add(ApiKey::new(KEY, SECRET));
    sim.keys().add(
        ApiKey::new(PASS_KEY, SECRET)
            .with_passphrase(PASSPHRASE)
            .for_account("other"),
    );
    let mut st = sim.state();
    st.add_market(market(spot(), MarketKind::Spot));
    st.add_market(market(perp(), MarketKind::LinearPerpetual));
    for s in [spot(), perp()] {
        st.set_book(
            &s,
            vec![lv(dec!(99), dec!(1)), lv(dec!(98), dec!(2))],
            vec![lv(dec!(101), dec!(1)), lv(dec!(102), dec!(2))],
        );
    }
    st.deposit(DEFAULT_ACCOUNT, AccountKind::Spot, "USDT", dec!(10000));
    st.deposit(DEFAULT_ACCOUNT, AccountKind::Spot, "BTC", dec!(5));
    st.deposit(DEFAULT_ACCOUNT, AccountKind::Perpetual, "USDT", dec!(10000));
    st.deposit("other", AccountKind::Spot, "USDT", dec!(10000));
    st.deposit("other", AccountKind::Spot, "BTC", dec!(5));
    st.deposit("other", AccountKind::Perpetual, "USDT", dec!(10000));
}

fn ok(data: Value) -> Response {
    Json(json!({"code": 0, "data": data})).into_response()
}

fn err(status: StatusCode, code: i64, msg: &str) -> Response {
    (status, Json(json!({"code": code, "msg": msg}))).into_response()
}

/// The protocol's error table for engine rejections.
pub fn reject_code(r: &SimReject) -> i64 {
    match r {
        SimReject::UnknownSymbol => 1001,
        SimReject::InsufficientFunds => 2001,
        SimReject::DuplicateClientOrderId => 2002,
        SimReject::OrderNotFound => 2003,
        SimReject::OrderClosed => 2004,
        SimReject::PostOnlyWouldTake => 2005,
        SimReject::ReduceOnlyRejected => 2006,
        SimReject::PositionSideMismatch => 2007,
        SimReject::OpenPositionOrOrders => 2008,
        SimReject::NoChange => 2009,
        SimReject::Filter(_) => 2010,
        _ => 2999,
    }
}

fn rejected(r: SimReject) -> Response {
    let status = if r == SimReject::OrderNotFound {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::BAD_REQUEST
    };
    err(status, reject_code(&r), &r.message())
}

/// The protocol's auth error table.
pub fn auth_code(f: AuthFailure) -> (StatusCode, i64) {
    match f {
        AuthFailure::MissingKey | AuthFailure::UnknownKey => (StatusCode::UNAUTHORIZED, 401),
        AuthFailure::MissingPassphrase | AuthFailure::BadPassphrase => (StatusCode::UNAUTHORIZED, 402),
        AuthFailure::MissingSignature | AuthFailure::BadSignature => (StatusCode::UNAUTHORIZED, 403),
        AuthFailure::MissingTimestamp | AuthFailure::TimestampOutsideWindow => (StatusCode::BAD_REQUEST, 408),
    }
}

pub fn sign(secret: &str, ts: &str, method: &str, path: &str, query: &str, body: &str) -> String {
    let prehash = format!("{ts}{method}{path}{query}{body}");
    exch_core::sign::hmac_sha256_hex(secret.as_bytes(), prehash.as_bytes())
}

/// Authenticates a private request; returns the account.
fn auth(sim: &SimHandle, req: &RawRequest) -> Result<String, Response> {
    let fail = |f: AuthFailure| {
        let (s, c) = auth_code(f);
        err(s, c, &f.to_string())
    };
    let key = sim
        .keys()
        .lookup(req.header("x-key"), req.header("x-pass"))
        .map_err(fail)?;
    let ts = req.header("x-ts").ok_or_else(|| fail(AuthFailure::MissingTimestamp))?;
    let ts_ms: i64 = ts.parse().map_err(|_| fail(AuthFailure::MissingTimestamp))?;
    check_timestamp(ts_ms, sim.server_time_ms(), WINDOW_MS, 1_000).map_err(fail)?;
    let given = req
        .header("x-sign")
        .ok_or_else(|| fail(AuthFailure::MissingSignature))?;
    let want = sign(
        &key.secret,
        ts,
        req.method.as_str(),
        &req.path,
        &req.query,
        &req.body_str(),
    );
    if !signatures_equal(given, &want) {
        return Err(fail(AuthFailure::BadSignature));
    }
    Ok(key.account)
}

fn symbol_param(req: &RawRequest, body: &Value) -> Result<Symbol, Response> {
    let s = req
        .query_param("symbol")
        .or_else(|| body["symbol"].as_str().map(str::to_string))
        .ok_or_else(|| err(StatusCode::BAD_REQUEST, 1000, "symbol required"))?;
    s.parse().map_err(|_| err(StatusCode::BAD_REQUEST, 1001, "bad symbol"))
}

fn dec_field(v: &Value, name: &str) -> Option<Decimal> {
    v[name].as_str().and_then(|s| s.parse().ok())
}

async fn time(State(sim): State<SimHandle>) -> Response {
    ok(json!({"serverTime": sim.server_time_ms()}))
}

async fn book(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let s = match symbol_param(&req, &Value::Null) {
        Ok(s) => s,
        Err(e) => return e,
    };
    match sim.state().book(&s, Some(10)) {
        Some(b) => ok(serde_json::to_value(b).unwrap()),
        None => rejected(SimReject::UnknownSymbol),
    }
}

async fn place(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let account = match auth(&sim, &req) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let body = req.json().unwrap_or(Value::Null);
    let symbol = match symbol_param(&req, &body) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let side = match body["side"].as_str().and_then(|s| s.parse::<Side>().ok()) {
        Some(s) => s,
        None => return err(StatusCode::BAD_REQUEST, 1000, "side required"),
    };
    let order_type = match body["type"].as_str() {
        Some("market") => OrderType::Market,
        Some("limit") => OrderType::Limit,
        _ => return err(StatusCode::BAD_REQUEST, 1000, "type must be market or limit"),
    };
    let tif = match body["tif"].as_str() {
        Some("ioc") => Some(TimeInForce::Ioc),
        Some("fok") => Some(TimeInForce::Fok),
        Some("post_only") => Some(TimeInForce::PostOnly),
        Some("gtc") => Some(TimeInForce::Gtc),
        _ => None,
    };
    let position_side = match body["positionSide"].as_str() {
        Some("long") => Some(PositionSide::Long),
        Some("short") => Some(PositionSide::Short),
        _ => None,
    };
    let new = NewOrder {
        symbol,
        side,
        order_type,
        qty: dec_field(&body, "qty").unwrap_or_default(),
        price: dec_field(&body, "price"),
        trigger_price: None,
        time_in_force: tif,
        reduce_only: body["reduceOnly"].as_bool().unwrap_or(false),
        position_side,
        client_order_id: body["clientId"].as_str().map(str::to_string),
    };
    let placed = sim.state().place(&account, new);
    match placed {
        Ok(o) => ok(serde_json::to_value(o).unwrap()),
        Err(r) => rejected(r),
    }
}

fn order_ref(req: &RawRequest) -> Result<OrderRef, Response> {
    req.query_param("id")
        .map(OrderRef::Id)
        .or_else(|| req.query_param("clientId").map(OrderRef::Client))
        .ok_or_else(|| err(StatusCode::BAD_REQUEST, 1000, "id or clientId required"))
}

async fn get_order(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let account = match auth(&sim, &req) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let which = match order_ref(&req) {
        Ok(w) => w,
        Err(e) => return e,
    };
    let found = sim.state().order(&account, None, &which);
    match found {
        Ok(o) => ok(serde_json::to_value(o).unwrap()),
        Err(r) => rejected(r),
    }
}

async fn cancel(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let account = match auth(&sim, &req) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let which = match order_ref(&req) {
        Ok(w) => w,
        Err(e) => return e,
    };
    let done = sim.state().cancel(&account, None, &which);
    match done {
        Ok(o) => ok(serde_json::to_value(o).unwrap()),
        Err(r) => rejected(r),
    }
}

async fn cancel_all(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let account = match auth(&sim, &req) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let symbol = req.query_param("symbol").and_then(|s| s.parse::<Symbol>().ok());
    let done = sim.state().cancel_all(&account, symbol.as_ref());
    ok(serde_json::to_value(done).unwrap())
}

async fn open_orders(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let account = match auth(&sim, &req) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let orders = sim.state().open_orders(&account, None);
    ok(serde_json::to_value(orders).unwrap())
}

async fn balances(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let account = match auth(&sim, &req) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let wallet = if req.query_param("wallet").as_deref() == Some("perp") {
        AccountKind::Perpetual
    } else {
        AccountKind::Spot
    };
    let rows = sim.state().balances(&account, wallet);
    match rows {
        Ok(b) => ok(serde_json::to_value(b).unwrap()),
        Err(r) => rejected(r),
    }
}

async fn positions(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let account = match auth(&sim, &req) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let rows = sim.state().positions(&account, None);
    match rows {
        Ok(p) => ok(serde_json::to_value(p).unwrap()),
        Err(r) => rejected(r),
    }
}

async fn settings(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let account = match auth(&sim, &req) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let body = req.json().unwrap_or(Value::Null);
    let mut st = sim.state();
    let result = match req.path.as_str() {
        "/leverage" => match symbol_param(&req, &body) {
            Ok(s) => st.set_leverage(&account, &s, dec_field(&body, "leverage").unwrap_or_default()),
            Err(e) => return e,
        },
        "/marginMode" => {
            let mode = if body["mode"] == "isolated" {
                MarginMode::Isolated
            } else {
                MarginMode::Cross
            };
            match symbol_param(&req, &body) {
                Ok(s) => st.set_margin_mode(&account, &s, mode),
                Err(e) => return e,
            }
        }
        _ => {
            let mode = if body["mode"] == "hedge" {
                PositionMode::Hedge
            } else {
                PositionMode::OneWay
            };
            st.set_position_mode(&account, mode)
        }
    };
    match result {
        Ok(()) => ok(json!("ok")),
        Err(r) => rejected(r),
    }
}

async fn income(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let account = match auth(&sim, &req) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let rows = sim.state().income(&account, None, None);
    match rows {
        Ok(i) => ok(serde_json::to_value(i).unwrap()),
        Err(r) => rejected(r),
    }
}

/// WS protocol: `{"op":"subscribe","topic":T}` → `{"event":"subscribed","topic":T}`;
/// `"ping"` → `"pong"`.
pub struct GenericWs;

impl WsProtocol for GenericWs {
    fn on_connect(&self, _session: &WsSession, _sim: &SimHandle) -> Vec<WsFrame> {
        vec![WsFrame::Text(r#"{"event":"welcome"}"#.into())]
    }

    fn on_text(&self, session: &WsSession, _sim: &SimHandle, text: &str) -> Vec<WsFrame> {
        if text == "ping" {
            return vec![WsFrame::Text("pong".into())];
        }
        let msg: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        match (msg["op"].as_str(), msg["topic"].as_str()) {
            (Some("subscribe"), Some(topic)) => {
                let ack = WsFrame::json(&json!({"event": "subscribed", "topic": topic}));
                session.subscribe(topic);
                vec![ack]
            }
            (Some("unsubscribe"), Some(topic)) => {
                session.unsubscribe(topic);
                vec![WsFrame::json(&json!({"event": "unsubscribed", "topic": topic}))]
            }
            _ => vec![WsFrame::json(&json!({"event": "error", "msg": "bad request"}))],
        }
    }
}

async fn ws(State(sim): State<SimHandle>, upgrade: WebSocketUpgrade) -> Response {
    sim.ws().accept(sim.clone(), upgrade, "/ws", Arc::new(GenericWs))
}

pub fn router() -> Router<SimHandle> {
    Router::new()
        .route("/time", get(time))
        .route("/book", get(book))
        .route("/order", post(place).get(get_order).delete(cancel))
        .route("/orders", axum::routing::delete(cancel_all))
        .route("/openOrders", get(open_orders))
        .route("/balances", get(balances))
        .route("/positions", get(positions))
        .route("/leverage", post(settings))
        .route("/marginMode", post(settings))
        .route("/positionMode", post(settings))
        .route("/income", get(income))
        .route("/ws", get(ws))
}

/// Starts the generic venue, seeded.
pub async fn start() -> SimServer {
    let sim = SimHandle::new();
    seed(&sim);
    SimServer::start(sim, router()).await.expect("bind 127.0.0.1")
}

/// A signing client for the generic protocol.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub key: String,
    pub secret: String,
    pub passphrase: Option<String>,
    /// Added to the local clock when stamping requests.
    pub offset_ms: i64,
}

/// The outcome of a call: HTTP status and JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    pub fn code(&self) -> i64 {
        self.body["code"].as_i64().unwrap_or(-1)
    }

    pub fn data(&self) -> &Value {
        &self.body["data"]
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

impl Client {
    pub fn new(server: &SimServer) -> Self {
        Self::with_timeout(server, Duration::from_secs(5))
    }

    pub fn with_timeout(server: &SimServer, timeout: Duration) -> Self {
        Client {
            http: reqwest::Client::builder().timeout(timeout).build().unwrap(),
            base: server.base_url(),
            key: KEY.into(),
            secret: SECRET.into(),
            passphrase: None,
            offset_ms: 0,
        }
    }

    /// Sends a signed request; `Err` on transport failures (timeouts, resets).
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        query: &str,
        body: Option<Value>,
    ) -> reqwest::Result<reqwest::Response> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let ts = (now_ms() + self.offset_ms).to_string();
        let sig = sign(&self.secret, &ts, method, path, query, &body);
        let url = if query.is_empty() {
            format!("{}{}", self.base, path)
        } else {
            format!("{}{}?{}", self.base, path, query)
        };
        let mut rb = self
            .http
            .request(method.parse().unwrap(), url)
            .header("x-key", &self.key)
            .header("x-ts", ts)
            .header("x-sign", sig);
        if let Some(p) = &self.passphrase {
            rb = rb.header("x-pass", p);
        }
        if !body.is_empty() {
            rb = rb.header("content-type", "application/json").body(body);
        }
        rb.send().await
    }

    /// Sends and decodes; panics on transport or decode failures.
    pub async fn call(&self, method: &str, path: &str, query: &str, body: Option<Value>) -> Reply {
        let resp = self.send(method, path, query, body).await.expect("transport");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or_else(|e| panic!("decode {text:?}: {e}")),
        }
    }

    pub async fn place(&self, order: Value) -> Reply {
        self.call("POST", "/order", "", Some(order)).await
    }
}

pub fn d(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a decimal string: {v}"))
        .parse()
        .unwrap()
}
