//! The BingX wire protocol mounted on `exch-testkit` (feature `sim`): the spot and perpetual
//! swap REST paths the client uses, with BingX's envelope, its signature check (HMAC-SHA256
//! over the decoded parameters as sent, `signature` last), its timestamp window (code 100421),
//! its error codes, and order ids above 2^53 written as JSON numbers.
//!
//! [`BingxSim::start`] seeds BTC and LTC spot and perpetual markets (precision and limits of
//! BingX's own instrument records as CCXT recorded them), books around 30000/70 and balances
//! for the key [`exch_testkit::SIM_API_KEY`].
//!
//! The public market-data WebSockets are served at `/market` (spot) and `/swap-market` (swap)
//! on the same port: `sub`/`unsub` requests are acknowledged in each market's documented shape,
//! every server frame is gzip, swap clients answer the text `Ping` with `Pong` and spot clients
//! answer `{"ping":..}` with `{"pong":..}`. Subscribing to `<native>@incrDepth` sends an
//! `action:"all"` snapshot of the simulator's stream book (seeded from the state's book) and
//! `<native>@depth<N>` the top `N` levels; tests then push frames with [`publish`],
//! [`depth_update`] and [`data_frame`], or script them per topic on the kit's
//! [`exch_testkit::WsHub`].

use std::str::FromStr;

use exch_core::{
    AccountKind, Balance, IncomeKind, Level, MarginMode, Market, MarketKind, MarketStatus, Order, OrderRef,
    OrderStatus, OrderType, PositionMode, PositionSide, Side, Symbol, TimeInForce, Venue,
};
use exch_testkit::axum::body::Body;
use exch_testkit::axum::extract::{State, WebSocketUpgrade};
use exch_testkit::axum::http::{Method, StatusCode};
use exch_testkit::axum::response::{IntoResponse, Response};
use exch_testkit::axum::routing::get;
use exch_testkit::axum::Router;
use exch_testkit::{
    check_timestamp, ApiKey, AuthFailure, NewOrder, RawRequest, SimHandle, SimReject, SimServer, VenueSim, WsFrame,
    WsProtocol, WsSession, DEFAULT_ACCOUNT,
};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::config::API_KEY_HEADER;
use crate::sign;
use crate::stream::{SPOT_WS_PATH, SWAP_WS_PATH};

/// The BingX simulator.
#[derive(Debug, Clone, Copy, Default)]
pub struct BingxSim;

impl VenueSim for BingxSim {
    const VENUE: Venue = Venue::Bingx;

    async fn start() -> std::io::Result<SimServer> {
        let sim = SimHandle::new();
        seed(&sim);
        SimServer::start(sim, router()).await
    }
}

/// The BingX protocol as an axum router: the public market-data WebSockets (spot
/// [`SPOT_WS_PATH`], swap [`SWAP_WS_PATH`]) and one fallback handler dispatching REST calls on
/// method and path.
pub fn router() -> Router<SimHandle> {
    Router::new()
        .route(SPOT_WS_PATH, get(spot_ws))
        .route(SWAP_WS_PATH, get(swap_ws))
        .fallback(dispatch)
}

fn market(symbol: &str, native: &str, tick: Decimal, step: Decimal, min_qty: Decimal, min_notional: Decimal) -> Market {
    let symbol: Symbol = symbol.parse().expect("seed symbol");
    Market {
        kind: symbol.kind(),
        symbol,
        venue_symbol: native.into(),
        status: MarketStatus::Trading,
        tick_size: tick,
        step_size: step,
        min_qty: Some(min_qty),
        max_qty: None,
        min_notional: Some(min_notional),
        contract_size: Decimal::ONE,
    }
}

/// Seeds markets, books and balances, and the conventional simulator key.
pub fn seed(sim: &SimHandle) {
    sim.keys().add(ApiKey::sim_default());
    let d = |s: &str| Decimal::from_str(s).expect("seed decimal");
    let mut st = sim.state();
    // Precision and limits from BingX's records in shared/conformance/ccxt/markets/bingx.json.
    st.add_market(market(
        "BTC/USDT:USDT",
        "BTC-USDT",
        d("0.1"),
        d("0.0001"),
        d("0.0001"),
        d("2"),
    ));
    st.add_market(market(
        "LTC/USDT:USDT",
        "LTC-USDT",
        d("0.01"),
        d("0.1"),
        d("0.1"),
        d("2"),
    ));
    st.add_market(market(
        "BTC/USDT",
        "BTC-USDT",
        d("0.01"),
        d("0.00001"),
        d("0.0001826"),
        d("5"),
    ));
    st.add_market(market(
        "LTC/USDT",
        "LTC-USDT",
        d("0.01"),
        d("0.0001"),
        d("0.0537"),
        d("5"),
    ));
    let lvl = |p: &str, q: &str| Level { price: d(p), qty: d(q) };
    for s in ["BTC/USDT:USDT", "BTC/USDT"] {
        let sym: Symbol = s.parse().expect("seed symbol");
        st.set_book(
            &sym,
            vec![lvl("29999", "1"), lvl("29998", "2")],
            vec![lvl("30001", "1"), lvl("30002", "2")],
        );
    }
    for s in ["LTC/USDT:USDT", "LTC/USDT"] {
        let sym: Symbol = s.parse().expect("seed symbol");
        st.set_book(&sym, vec![lvl("69.99", "50")], vec![lvl("70.01", "50")]);
    }
    st.deposit(DEFAULT_ACCOUNT, AccountKind::Spot, "USDT", d("100000"));
    st.deposit(DEFAULT_ACCOUNT, AccountKind::Spot, "BTC", d("1"));
    st.deposit(DEFAULT_ACCOUNT, AccountKind::Perpetual, "USDT", d("100000"));
}

fn ok(data: Value) -> Response {
    let body = json!({"code": 0, "msg": "", "data": data});
    json_response(StatusCode::OK, &body)
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".into());
    (status, [("content-type", "application/json")], Body::from(text)).into_response()
}

fn fail(code: i64, msg: &str) -> Response {
    json_response(StatusCode::OK, &json!({"code": code, "msg": msg, "data": {}}))
}

fn auth_fail(f: AuthFailure) -> Response {
    match f {
        AuthFailure::MissingKey
        | AuthFailure::UnknownKey
        | AuthFailure::MissingPassphrase
        | AuthFailure::BadPassphrase => fail(100413, "Incorrect apiKey"),
        AuthFailure::MissingSignature => fail(100412, "Null signature"),
        AuthFailure::BadSignature => fail(100001, "Signature verification failed"),
        AuthFailure::MissingTimestamp | AuthFailure::TimestampOutsideWindow => {
            fail(100421, "Null timestamp or timestamp mismatch")
        }
    }
}

fn reject(r: &SimReject, swap: bool) -> Response {
    match r {
        SimReject::UnknownSymbol | SimReject::WrongMarketKind => {
            if swap {
                fail(109400, "symbol not exist")
            } else {
                fail(100421, "contract not exist")
            }
        }
        SimReject::MarketClosed => fail(101415, "This trading pair is suspended from opening new position"),
        SimReject::UnknownAccount => fail(100413, "Incorrect apiKey"),
        SimReject::InsufficientFunds => {
            if swap {
                fail(101204, "Insufficient margin")
            } else {
                fail(100202, "Insufficient assets")
            }
        }
        SimReject::DuplicateClientOrderId => fail(101481, "clientOrderID cannot be repeated"),
        SimReject::OrderNotFound => {
            if swap {
                fail(80016, "order does not exist")
            } else {
                fail(100400, "order not exist")
            }
        }
        SimReject::OrderClosed => {
            if swap {
                fail(80018, "order is already filled or cancelled")
            } else {
                fail(
                    100400,
                    "order is FILLED or CANCELLED already, or is not a valid order id",
                )
            }
        }
        SimReject::PositionSideMismatch => fail(
            109400,
            "In the One-way mode, the 'PositionSide' field can only be set to BOTH; in the Hedge mode LONG or SHORT",
        ),
        other => {
            if swap {
                fail(109400, &format!("Invalid parameters, {}", other.message()))
            } else {
                fail(100400, &format!("Invalid parameters, {}", other.message()))
            }
        }
    }
}

/// Checks key, signature (over the decoded parameters as sent) and timestamp; returns the key.
fn authenticate(sim: &SimHandle, req: &RawRequest) -> Result<ApiKey, AuthFailure> {
    let key = sim.keys().lookup(req.header(API_KEY_HEADER), None)?;
    let params = req.params();
    let sent = params
        .iter()
        .find(|(k, _)| k == "signature")
        .map(|(_, v)| v.clone())
        .ok_or(AuthFailure::MissingSignature)?;
    let unsigned: Vec<(String, String)> = params.into_iter().filter(|(k, _)| k != "signature").collect();
    let expected = sign::signature(&key.secret, &sign::prehash(&unsigned));
    if !exch_testkit::auth::signatures_equal(&expected, &sent) {
        return Err(AuthFailure::BadSignature);
    }
    let ts: i64 = req
        .param("timestamp")
        .and_then(|t| t.parse().ok())
        .ok_or(AuthFailure::MissingTimestamp)?;
    let window: i64 = req.param("recvWindow").and_then(|t| t.parse().ok()).unwrap_or(5000);
    check_timestamp(ts, sim.server_time_ms(), window, 1000)?;
    Ok(key)
}

fn num(id: &str) -> Value {
    serde_json::Number::from_str(id).map_or_else(|_| Value::String(id.into()), Value::Number)
}

fn dec(d: Option<Decimal>) -> String {
    d.map(|d| d.normalize().to_string()).unwrap_or_else(|| "0".into())
}

fn status_code(s: OrderStatus, swap: bool) -> &'static str {
    match s {
        OrderStatus::Pending | OrderStatus::New => {
            if swap {
                "NEW"
            } else {
                "PENDING"
            }
        }
        OrderStatus::PartiallyFilled => "PARTIALLY_FILLED",
        OrderStatus::Filled => "FILLED",
        // The swap docs spell it with two Ls; the client accepts both.
        OrderStatus::Canceled | OrderStatus::Expired => {
            if swap {
                "CANCELLED"
            } else {
                "CANCELED"
            }
        }
        OrderStatus::Rejected => "FAILED",
    }
}

fn render_order(sim: &SimHandle, o: &Order, swap: bool) -> Value {
    let native = sim
        .state()
        .market(&o.symbol)
        .map(|m| m.venue_symbol.clone())
        .unwrap_or_default();
    let cum_quote = sim.state().cum_quote(&o.id);
    let kind = if swap {
        MarketKind::LinearPerpetual
    } else {
        MarketKind::Spot
    };
    let mut v = json!({
        "symbol": native,
        "orderId": num(&o.id),
        "side": match o.side { Side::Buy => "BUY", Side::Sell => "SELL" },
        "type": crate::order_type_name(kind, o.order_type),
        "origQty": dec(Some(o.qty)),
        "price": dec(o.price),
        "executedQty": dec(Some(o.filled_qty)),
        "status": status_code(o.status, swap),
        "time": o.created_at.unwrap_or_default(),
        "updateTime": o.updated_at.unwrap_or_default(),
    });
    if swap {
        v["positionSide"] = json!(match o.position_side {
            Some(PositionSide::Long) => "LONG",
            Some(PositionSide::Short) => "SHORT",
            None => "BOTH",
        });
        v["avgPrice"] = json!(dec(o.avg_price));
        v["cumQuote"] = json!(dec(cum_quote));
        v["stopPrice"] = json!(o.trigger_price.map(|d| d.normalize().to_string()).unwrap_or_default());
        v["clientOrderId"] = json!(o.client_order_id.clone().unwrap_or_default());
        v["reduceOnly"] = json!(o.reduce_only);
        v["workingType"] = json!("MARK_PRICE");
        if let Some(t) = o.time_in_force {
            v["timeInForce"] = json!(tif_code(t));
        }
    } else {
        v["cummulativeQuoteQty"] = json!(dec(cum_quote));
        v["StopPrice"] = json!(dec(o.trigger_price));
        v["clientOrderID"] = json!(o.client_order_id.clone().unwrap_or_default());
        v["origQuoteOrderQty"] = json!("0");
    }
    v
}

fn tif_code(t: TimeInForce) -> &'static str {
    match t {
        TimeInForce::Gtc => "GTC",
        TimeInForce::Ioc => "IOC",
        TimeInForce::Fok => "FOK",
        TimeInForce::PostOnly => "PostOnly",
    }
}

fn parse_type(kind: MarketKind, s: &str) -> Option<OrderType> {
    crate::parse::order_type(kind, s)
}

fn symbol_of(sim: &SimHandle, req: &RawRequest, kind: MarketKind) -> Option<Symbol> {
    let native = req.param("symbol")?;
    sim.state()
        .market_by_venue_symbol(kind, &native)
        .map(|m| m.symbol.clone())
}

fn decimal(req: &RawRequest, k: &str) -> Option<Decimal> {
    req.param(k).and_then(|v| Decimal::from_str(&v).ok())
}

fn order_ref(req: &RawRequest) -> Option<OrderRef> {
    if let Some(id) = req.param("orderId") {
        return Some(OrderRef::Id(id));
    }
    req.param("clientOrderId")
        .or_else(|| req.param("clientOrderID"))
        .map(|c| OrderRef::Client(c.to_ascii_lowercase()))
}

fn place(sim: &SimHandle, req: &RawRequest, account: &str, swap: bool) -> Response {
    let kind = if swap {
        MarketKind::LinearPerpetual
    } else {
        MarketKind::Spot
    };
    let Some(symbol) = symbol_of(sim, req, kind) else {
        return reject(&SimReject::UnknownSymbol, swap);
    };
    let side = match req.param("side").as_deref() {
        Some("BUY") => Side::Buy,
        Some("SELL") => Side::Sell,
        _ => return fail(if swap { 109400 } else { 100400 }, "Invalid parameters, side"),
    };
    let Some(order_type) = req.param("type").and_then(|t| parse_type(kind, &t)) else {
        return fail(if swap { 109400 } else { 100400 }, "Invalid parameters, type");
    };
    let Some(qty) = decimal(req, "quantity") else {
        return fail(if swap { 109400 } else { 100400 }, "Invalid parameters, quantity");
    };
    let position_side = match req.param("positionSide").as_deref() {
        Some("LONG") => Some(PositionSide::Long),
        Some("SHORT") => Some(PositionSide::Short),
        _ => None,
    };
    let time_in_force = match req.param("timeInForce").as_deref() {
        Some("IOC") => Some(TimeInForce::Ioc),
        Some("FOK") => Some(TimeInForce::Fok),
        Some("PostOnly") => Some(TimeInForce::PostOnly),
        Some("GTC") => Some(TimeInForce::Gtc),
        _ => None,
    };
    let client = if swap {
        req.param("clientOrderId").map(|c| c.to_ascii_lowercase())
    } else {
        req.param("newClientOrderId")
    };
    let trigger = if order_type == OrderType::TrailingStop {
        decimal(req, "activationPrice")
    } else {
        decimal(req, "stopPrice")
    };
    let new = NewOrder {
        symbol,
        side,
        order_type,
        qty,
        price: decimal(req, "price"),
        trigger_price: trigger,
        time_in_force,
        reduce_only: req.param("reduceOnly").as_deref() == Some("true"),
        position_side,
        client_order_id: client,
    };
    let placed = sim.state().place(account, new);
    match placed {
        Ok(o) => {
            let v = render_order(sim, &o, swap);
            if swap {
                ok(json!({ "order": v }))
            } else {
                let mut v = v;
                v["transactTime"] = json!(o.created_at.unwrap_or_default());
                ok(v)
            }
        }
        Err(r) => reject(&r, swap),
    }
}

fn balances_json(b: &[Balance], swap: bool) -> Value {
    if swap {
        Value::Array(
            b.iter()
                .map(|x| {
                    json!({
                        "asset": x.asset,
                        "balance": dec(Some(x.total)),
                        "equity": dec(Some(x.total)),
                        "unrealizedProfit": "0",
                        "realisedProfit": "0",
                        "availableMargin": dec(Some(x.free)),
                        "usedMargin": dec(Some(x.locked)),
                        "freezedMargin": "0",
                    })
                })
                .collect(),
        )
    } else {
        json!({"balances": b.iter().map(|x| json!({
            "asset": x.asset, "free": dec(Some(x.free)), "locked": dec(Some(x.locked))
        })).collect::<Vec<_>>()})
    }
}

async fn dispatch(State(sim): State<SimHandle>, req: RawRequest) -> Response {
    let path = req.path.clone();
    let method = req.method.clone();
    let swap = path.starts_with("/openApi/swap/");
    let kind = if swap {
        MarketKind::LinearPerpetual
    } else {
        MarketKind::Spot
    };

    // Public endpoints.
    match (method.as_str(), path.as_str()) {
        ("GET", "/openApi/swap/v2/server/time") | ("GET", "/openApi/spot/v1/server/time") => {
            return ok(json!({"serverTime": sim.server_time_ms()}));
        }
        ("GET", "/openApi/swap/v2/quote/contracts") => {
            let rows: Vec<Value> = sim
                .state()
                .markets()
                .filter(|m| m.kind == MarketKind::LinearPerpetual)
                .map(|m| {
                    json!({
                        "symbol": m.venue_symbol,
                        "asset": m.symbol.base(),
                        "currency": m.symbol.quote(),
                        "pricePrecision": m.tick_size.normalize().scale(),
                        "quantityPrecision": m.step_size.normalize().scale(),
                        "tradeMinQuantity": dec(m.min_qty),
                        "tradeMinUSDT": dec(m.min_notional),
                        "size": "0",
                        "status": 1,
                        "apiStateOpen": "true",
                        "apiStateClose": "true",
                    })
                })
                .collect();
            return ok(Value::Array(rows));
        }
        ("GET", "/openApi/spot/v1/common/symbols") => {
            let rows: Vec<Value> = sim
                .state()
                .markets()
                .filter(|m| m.kind == MarketKind::Spot)
                .map(|m| {
                    json!({
                        "symbol": m.venue_symbol,
                        "tickSize": m.tick_size,
                        "stepSize": m.step_size,
                        "minQty": dec(m.min_qty),
                        "maxQty": "0",
                        "minNotional": dec(m.min_notional),
                        "status": 1,
                        "apiStateBuy": true,
                        "apiStateSell": true,
                    })
                })
                .collect();
            return ok(json!({ "symbols": rows }));
        }
        ("GET", "/openApi/swap/v2/quote/ticker") | ("GET", "/openApi/spot/v1/ticker/24hr") => {
            let st = sim.state();
            let wanted = req.param("symbol");
            let rows: Vec<Value> = st
                .markets()
                .filter(|m| m.kind == kind && wanted.as_deref().is_none_or(|w| w == m.venue_symbol))
                .filter_map(|m| {
                    let t = st.ticker(&m.symbol)?;
                    Some(json!({
                        "symbol": m.venue_symbol,
                        "lastPrice": dec(t.last), "bidPrice": dec(t.bid), "bidQty": dec(t.bid_qty),
                        "askPrice": dec(t.ask), "askQty": dec(t.ask_qty),
                        "openPrice": dec(t.open), "highPrice": dec(t.high), "lowPrice": dec(t.low),
                        "volume": dec(t.base_volume), "quoteVolume": dec(t.quote_volume),
                        "priceChangePercent": dec(t.change_percent),
                        "closeTime": t.timestamp.unwrap_or_default(),
                    }))
                })
                .collect();
            drop(st);
            return if swap && wanted.is_some() {
                match rows.into_iter().next() {
                    Some(r) => ok(r),
                    None => reject(&SimReject::UnknownSymbol, swap),
                }
            } else {
                ok(Value::Array(rows))
            };
        }
        ("GET", "/openApi/swap/v2/quote/depth") | ("GET", "/openApi/spot/v1/market/depth") => {
            let Some(symbol) = symbol_of(&sim, &req, kind) else {
                return reject(&SimReject::UnknownSymbol, swap);
            };
            let limit = req.param("limit").and_then(|l| l.parse().ok());
            let book = sim.state().book(&symbol, limit);
            let Some(book) = book else {
                return reject(&SimReject::UnknownSymbol, swap);
            };
            let side = |ls: &[Level]| -> Vec<Value> {
                ls.iter()
                    .map(|l| json!([l.price.normalize().to_string(), l.qty.normalize().to_string()]))
                    .collect()
            };
            let time_key = if swap { "T" } else { "ts" };
            let mut v = json!({"bids": side(&book.bids), "asks": side(&book.asks)});
            v[time_key] = json!(sim.server_time_ms());
            return ok(v);
        }
        ("GET", "/openApi/swap/v2/quote/trades") | ("GET", "/openApi/spot/v1/market/trades") => {
            let Some(symbol) = symbol_of(&sim, &req, kind) else {
                return reject(&SimReject::UnknownSymbol, swap);
            };
            let limit = req.param("limit").and_then(|l| l.parse().ok());
            let trades = sim.state().trades(&symbol, limit);
            let rows: Vec<Value> = trades
                .iter()
                .map(|t| {
                    let maker_buyer = t.side == Some(Side::Sell);
                    if swap {
                        json!({"time": t.timestamp, "isBuyerMaker": maker_buyer,
                               "price": dec(Some(t.price)), "qty": dec(Some(t.qty)),
                               "quoteQty": dec(Some(t.price * t.qty))})
                    } else {
                        json!({"id": num(&t.id), "price": t.price, "qty": t.qty,
                               "time": t.timestamp, "buyerMaker": maker_buyer})
                    }
                })
                .collect();
            return ok(Value::Array(rows));
        }
        ("GET", "/openApi/swap/v3/quote/klines") | ("GET", "/openApi/spot/v2/market/kline") => {
            // The simulated state keeps no bars.
            return ok(json!([]));
        }
        _ => {}
    }

    // Private endpoints.
    let key = match authenticate(&sim, &req) {
        Ok(k) => k,
        Err(f) => return auth_fail(f),
    };
    let account = key.account.as_str();
    match (method.as_str(), path.as_str()) {
        ("POST", "/openApi/swap/v2/trade/order") | ("POST", "/openApi/spot/v1/trade/order") => {
            place(&sim, &req, account, swap)
        }
        ("GET", "/openApi/swap/v2/trade/order")
        | ("GET", "/openApi/spot/v1/trade/query")
        | ("DELETE", "/openApi/swap/v2/trade/order")
        | ("POST", "/openApi/spot/v1/trade/cancel") => {
            let Some(symbol) = symbol_of(&sim, &req, kind) else {
                return reject(&SimReject::UnknownSymbol, swap);
            };
            let Some(which) = order_ref(&req) else {
                return fail(if swap { 109400 } else { 100400 }, "Invalid parameters, orderId");
            };
            let r = if method == Method::GET {
                sim.state().order(account, Some(&symbol), &which)
            } else {
                sim.state().cancel(account, Some(&symbol), &which)
            };
            match r {
                Ok(o) => {
                    let v = render_order(&sim, &o, swap);
                    if swap {
                        ok(json!({ "order": v }))
                    } else {
                        ok(v)
                    }
                }
                Err(e) => reject(&e, swap),
            }
        }
        ("DELETE", "/openApi/swap/v2/trade/allOpenOrders") | ("POST", "/openApi/spot/v1/trade/cancelOpenOrders") => {
            let symbol = symbol_of(&sim, &req, kind);
            let cancelled = sim.state().cancel_all(account, symbol.as_ref());
            let rows: Vec<Value> = cancelled.iter().map(|o| render_order(&sim, o, swap)).collect();
            if swap {
                ok(json!({"success": rows, "failed": null}))
            } else {
                ok(json!({ "orders": rows }))
            }
        }
        ("GET", "/openApi/swap/v2/trade/openOrders") | ("GET", "/openApi/spot/v1/trade/openOrders") => {
            let symbol = symbol_of(&sim, &req, kind);
            let orders = sim.state().open_orders(account, symbol.as_ref());
            let rows: Vec<Value> = orders
                .iter()
                .filter(|o| o.symbol.kind() == kind)
                .map(|o| render_order(&sim, o, swap))
                .collect();
            ok(json!({ "orders": rows }))
        }
        ("GET", "/openApi/swap/v2/trade/allOrders") | ("GET", "/openApi/spot/v1/trade/historyOrders") => {
            let symbol = symbol_of(&sim, &req, kind);
            let orders = sim.state().order_history(account, symbol.as_ref());
            let rows: Vec<Value> = orders
                .iter()
                .filter(|o| o.symbol.kind() == kind)
                .map(|o| render_order(&sim, o, swap))
                .collect();
            ok(json!({ "orders": rows }))
        }
        ("GET", "/openApi/swap/v3/user/balance") | ("GET", "/openApi/spot/v1/account/balance") => {
            let wallet = if swap {
                AccountKind::Perpetual
            } else {
                AccountKind::Spot
            };
            let b = sim.state().balances(account, wallet);
            match b {
                Ok(b) => ok(balances_json(&b, swap)),
                Err(e) => reject(&e, swap),
            }
        }
        ("GET", "/openApi/swap/v2/user/positions") => {
            let symbol = symbol_of(&sim, &req, kind);
            let ps = sim.state().positions(account, symbol.as_ref());
            match ps {
                Ok(ps) => {
                    let st = sim.state();
                    let rows: Vec<Value> = ps
                        .iter()
                        .map(|p| {
                            let native = st.market(&p.symbol).map(|m| m.venue_symbol.clone()).unwrap_or_default();
                            json!({
                                "symbol": native,
                                "positionId": "0",
                                "positionSide": match p.side { PositionSide::Long => "LONG", PositionSide::Short => "SHORT" },
                                "isolated": p.margin_mode == Some(MarginMode::Isolated),
                                "positionAmt": dec(Some(p.size)),
                                "availableAmt": dec(Some(p.size)),
                                "avgPrice": dec(p.entry_price),
                                "markPrice": dec(p.mark_price),
                                "liquidationPrice": dec(p.liquidation_price),
                                "unrealizedProfit": dec(p.unrealized_pnl),
                                "leverage": p.leverage.map(|l| l.normalize().to_string()).unwrap_or_default(),
                                "onlyOnePosition": p.position_mode != Some(PositionMode::Hedge),
                                "updateTime": p.timestamp.unwrap_or_default(),
                            })
                        })
                        .collect();
                    ok(Value::Array(rows))
                }
                Err(e) => reject(&e, swap),
            }
        }
        ("POST", "/openApi/swap/v2/trade/leverage") => {
            let Some(symbol) = symbol_of(&sim, &req, kind) else {
                return reject(&SimReject::UnknownSymbol, swap);
            };
            let Some(lev) = decimal(&req, "leverage") else {
                return fail(109400, "Invalid parameters, leverage");
            };
            let r = sim.state().set_leverage(account, &symbol, lev);
            match r {
                Ok(()) => ok(json!({"leverage": lev.normalize().to_string(), "symbol": req.param("symbol")})),
                Err(e) => reject(&e, swap),
            }
        }
        ("POST", "/openApi/swap/v2/trade/marginType") => {
            let Some(symbol) = symbol_of(&sim, &req, kind) else {
                return reject(&SimReject::UnknownSymbol, swap);
            };
            let mode = match req.param("marginType").as_deref() {
                Some("ISOLATED") => MarginMode::Isolated,
                Some("CROSSED") => MarginMode::Cross,
                _ => return fail(109400, "Invalid parameters, marginType"),
            };
            let r = sim.state().set_margin_mode(account, &symbol, mode);
            match r {
                Ok(()) | Err(SimReject::NoChange) => ok(json!({})),
                Err(e) => reject(&e, swap),
            }
        }
        ("GET", "/openApi/swap/v1/positionSide/dual") => {
            let hedge = sim.state().position_mode(account) == PositionMode::Hedge;
            ok(json!({"dualSidePosition": hedge.to_string()}))
        }
        ("POST", "/openApi/swap/v1/positionSide/dual") => {
            let mode = match req.param("dualSidePosition").as_deref() {
                Some("true") => PositionMode::Hedge,
                Some("false") => PositionMode::OneWay,
                _ => return fail(109400, "Invalid parameters, dualSidePosition"),
            };
            let r = sim.state().set_position_mode(account, mode);
            match r {
                Ok(()) | Err(SimReject::NoChange) => {
                    ok(json!({"dualSidePosition": (mode == PositionMode::Hedge).to_string()}))
                }
                Err(e) => reject(&e, swap),
            }
        }
        ("GET", "/openApi/swap/v2/user/income") => {
            let symbol = symbol_of(&sim, &req, kind);
            let kind_filter = req.param("incomeType").map(|t| crate::parse::income_kind(&t));
            let r = sim.state().income(account, symbol.as_ref(), kind_filter.as_ref());
            match r {
                Ok(rows) => {
                    let st = sim.state();
                    let v: Vec<Value> = rows
                        .iter()
                        .map(|i| {
                            let native = i
                                .symbol
                                .as_ref()
                                .and_then(|s| st.market(s))
                                .map(|m| m.venue_symbol.clone())
                                .unwrap_or_default();
                            json!({
                                "symbol": native,
                                "incomeType": crate::parse::income_type_param(&i.kind),
                                "income": dec(Some(i.amount)),
                                "asset": i.asset,
                                "info": match i.kind { IncomeKind::Funding => "Funding Fee", _ => "" },
                                "time": i.timestamp,
                                "tranId": i.id.clone().unwrap_or_default(),
                            })
                        })
                        .collect();
                    ok(Value::Array(v))
                }
                Err(e) => reject(&e, swap),
            }
        }
        ("POST", "/openApi/swap/v2/trade/closeAllPositions") => {
            let symbol = symbol_of(&sim, &req, kind);
            let positions = sim.state().positions(account, symbol.as_ref()).unwrap_or_default();
            let mut ids = Vec::new();
            for p in positions {
                let hedge = p.position_mode == Some(PositionMode::Hedge);
                let mut o = NewOrder::market(p.symbol.clone(), p.side.closing_side(), p.size);
                if hedge {
                    o = o.position_side(p.side);
                } else {
                    o = o.reduce_only();
                }
                let placed = sim.state().place(account, o);
                if let Ok(o) = placed {
                    ids.push(num(&o.id));
                }
            }
            ok(json!({"success": ids, "failed": null}))
        }
        _ => json_response(
            StatusCode::NOT_FOUND,
            &json!({"code": 100404, "msg": format!("{method} {path} is not simulated")}),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Public market-data WebSocket.

/// The market of a WebSocket path.
fn ws_kind(path: &str) -> MarketKind {
    if path == SPOT_WS_PATH {
        MarketKind::Spot
    } else {
        MarketKind::LinearPerpetual
    }
}

async fn spot_ws(State(sim): State<SimHandle>, upgrade: WebSocketUpgrade) -> Response {
    sim.ws()
        .accept(sim.clone(), upgrade, SPOT_WS_PATH, std::sync::Arc::new(BingxWs))
}

async fn swap_ws(State(sim): State<SimHandle>, upgrade: WebSocketUpgrade) -> Response {
    sim.ws()
        .accept(sim.clone(), upgrade, SWAP_WS_PATH, std::sync::Arc::new(BingxWs))
}

/// The simulated BingX market-data WebSocket protocol (both markets; the session path tells
/// which).
#[derive(Debug, Clone, Copy, Default)]
pub struct BingxWs;

impl WsProtocol for BingxWs {
    fn on_text(&self, session: &WsSession, sim: &SimHandle, text: &str) -> Vec<WsFrame> {
        let kind = ws_kind(session.path());
        let t = text.trim();
        if t == "Pong" {
            return Vec::new();
        }
        let Ok(v) = serde_json::from_str::<Value>(t) else {
            return Vec::new();
        };
        if v.get("pong").is_some() {
            return Vec::new();
        }
        let id = v.get("id").cloned().unwrap_or(Value::Null);
        let data_type = v.get("dataType").and_then(Value::as_str).unwrap_or("").to_string();
        let ack = if kind == MarketKind::Spot {
            json!({"code": 0, "id": id, "msg": "SUCCESS", "timestamp": sim.server_time_ms()})
        } else {
            json!({"id": id, "code": 0, "msg": "", "dataType": "", "data": null})
        };
        let mut out = vec![WsFrame::Gzip(ack.to_string())];
        match v.get("reqType").and_then(Value::as_str) {
            Some("sub") => {
                if let Some(snapshot) = initial_snapshot(sim, kind, &data_type) {
                    out.push(WsFrame::Gzip(snapshot));
                }
                // Frames scripted for the topic follow the ack and the snapshot.
                session.subscribe(&data_type);
            }
            Some("unsub") => session.unsubscribe(&data_type),
            _ => return Vec::new(),
        }
        out
    }
}

/// A data frame of `kind` carrying `data` for `data_type`, in the envelope BingX documents:
/// swap `{"code":0,"dataType":..,"data":..}`, spot the same plus `"success":true` and
/// `"timestamp"`. Send it gzipped ([`WsFrame::Gzip`]) or with [`publish`].
pub fn data_frame(kind: MarketKind, data_type: &str, data: Value, timestamp: i64) -> String {
    if kind == MarketKind::Spot {
        json!({"code": 0, "dataType": data_type, "data": data, "success": true, "timestamp": timestamp}).to_string()
    } else {
        json!({"code": 0, "dataType": data_type, "data": data}).to_string()
    }
}

/// The server heartbeat of `kind`: swap `Ping`, spot `{"ping":"<id>","time":"<ts>"}`.
pub fn ping_frame(kind: MarketKind, id: &str, time: &str) -> String {
    if kind == MarketKind::Spot {
        json!({"ping": id, "time": time}).to_string()
    } else {
        "Ping".to_string()
    }
}

/// Sends `text` gzipped to every open session of `kind` subscribed to `data_type`; returns
/// how many sessions got it.
pub fn publish(sim: &SimHandle, kind: MarketKind, data_type: &str, text: &str) -> usize {
    let mut n = 0;
    for s in sim.ws().sessions() {
        if !s.is_closed() && ws_kind(s.path()) == kind && s.subscriptions().iter().any(|t| t == data_type) {
            s.send(WsFrame::Gzip(text.to_string()));
            n += 1;
        }
    }
    n
}

/// The stream-side book of one market: levels and the last `lastUpdateId`.
#[derive(Debug, Clone, Default)]
struct WsBook {
    bids: std::collections::BTreeMap<Decimal, Decimal>,
    asks: std::collections::BTreeMap<Decimal, Decimal>,
    last_update_id: u64,
}

#[derive(Debug, Clone, Default)]
struct WsBooks(std::collections::HashMap<Symbol, WsBook>);

/// The first `lastUpdateId` of a stream book.
pub const FIRST_UPDATE_ID: u64 = 1000;

fn with_ws_book<T>(sim: &SimHandle, symbol: &Symbol, f: impl FnOnce(&mut WsBook) -> T) -> T {
    let seed = {
        let st = sim.state();
        st.book(symbol, None)
    };
    let mut ext = sim.extensions();
    if ext.get::<WsBooks>().is_none() {
        ext.insert(WsBooks::default());
    }
    let books = ext.get_mut::<WsBooks>().expect("inserted above");
    let book = books.0.entry(symbol.clone()).or_insert_with(|| {
        let mut b = WsBook {
            last_update_id: FIRST_UPDATE_ID,
            ..WsBook::default()
        };
        if let Some(ob) = seed {
            b.bids = ob.bids.iter().map(|l| (l.price, l.qty)).collect();
            b.asks = ob.asks.iter().map(|l| (l.price, l.qty)).collect();
        }
        b
    });
    f(book)
}

fn rows<'a>(levels: impl Iterator<Item = (&'a Decimal, &'a Decimal)>, n: usize) -> Value {
    Value::Array(
        levels
            .take(n)
            .map(|(p, q)| json!([p.normalize().to_string(), q.normalize().to_string()]))
            .collect(),
    )
}

fn symbol_of_native(sim: &SimHandle, kind: MarketKind, native: &str) -> Option<Symbol> {
    sim.state()
        .markets()
        .find(|m| m.kind == kind && m.venue_symbol == native)
        .map(|m| m.symbol.clone())
}

/// The snapshot BingX sends right after a book subscription, if `data_type` is a book.
fn initial_snapshot(sim: &SimHandle, kind: MarketKind, data_type: &str) -> Option<String> {
    let (native, topic) = data_type.split_once('@')?;
    let symbol = symbol_of_native(sim, kind, native)?;
    let now = sim.server_time_ms();
    if topic == "incrDepth" {
        let data = with_ws_book(sim, &symbol, |b| {
            json!({"action": "all", "lastUpdateId": b.last_update_id,
                "bids": rows(b.bids.iter().rev(), usize::MAX), "asks": rows(b.asks.iter(), usize::MAX)})
        });
        return Some(data_frame(kind, data_type, data, now));
    }
    let depth: usize = topic.strip_prefix("depth")?.split('@').next()?.parse().ok()?;
    let data = with_ws_book(
        sim,
        &symbol,
        |b| json!({"bids": rows(b.bids.iter().rev(), depth), "asks": rows(b.asks.iter(), depth)}),
    );
    Some(data_frame(kind, data_type, data, now))
}

/// Applies a change (absolute quantities, 0 deletes) to the stream book of `symbol`, bumps its
/// `lastUpdateId` and returns the `action:"update"` frame for `<native>@incrDepth`, unsent:
/// [`publish`] it, or drop it to simulate a lost update (a sequence gap).
pub fn depth_update(sim: &SimHandle, symbol: &Symbol, bids: &[Level], asks: &[Level]) -> Option<String> {
    let native = sim.state().market(symbol)?.venue_symbol.clone();
    let kind = symbol.kind();
    let id = with_ws_book(sim, symbol, |b| {
        for l in bids {
            if l.qty.is_zero() {
                b.bids.remove(&l.price);
            } else {
                b.bids.insert(l.price, l.qty);
            }
        }
        for l in asks {
            if l.qty.is_zero() {
                b.asks.remove(&l.price);
            } else {
                b.asks.insert(l.price, l.qty);
            }
        }
        b.last_update_id += 1;
        b.last_update_id
    });
    let side = |ls: &[Level]| -> Value {
        Value::Array(
            ls.iter()
                .map(|l| json!([l.price.normalize().to_string(), l.qty.normalize().to_string()]))
                .collect(),
        )
    };
    let data = json!({"action": "update", "lastUpdateId": id, "bids": side(bids), "asks": side(asks)});
    Some(data_frame(
        kind,
        &format!("{native}@incrDepth"),
        data,
        sim.server_time_ms(),
    ))
}

/// The stream book of `symbol` as the simulator holds it: `(bids best first, asks best
/// first, lastUpdateId)`.
pub fn stream_book(sim: &SimHandle, symbol: &Symbol) -> (Vec<Level>, Vec<Level>, u64) {
    with_ws_book(sim, symbol, |b| {
        (
            b.bids.iter().rev().map(|(p, q)| Level { price: *p, qty: *q }).collect(),
            b.asks.iter().map(|(p, q)| Level { price: *p, qty: *q }).collect(),
            b.last_update_id,
        )
    })
}
