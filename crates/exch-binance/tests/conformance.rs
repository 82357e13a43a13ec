//! Conformance against CCXT's recorded Binance cases (`shared/conformance/ccxt`, see its
//! README): request side (our request for each unified call has CCXT's method, path and
//! business parameters) and response side (our parse of each raw payload agrees with CCXT's
//! parsed result on the fields we model). Markets are loaded from the raw `info` entries of
//! `markets/binance.json`, as CCXT's runner does.
//!
//! Each case is *out of scope* (inverse, options, margin, portfolio margin, and CCXT-only
//! parameters, with the reason printed), *agrees*, or *disagrees*. Every disagreement must be
//! listed in [`EXPLAINED`] with the case it names and why; the test fails on any unexplained
//! disagreement and on any stale explanation. Per method it prints how many cases agree.
//!
//! Set `EXCH_SKIP_CONFORMANCE=1` to skip when `shared/` is not checked out next to the repo.

use std::collections::{BTreeMap, HashMap};

use exch_binance::config::Api;
use exch_binance::rest::{self, Auth, Call};
use exch_binance::symbols::SymbolMap;
use exch_binance::{parse, wire};
use exch_core::{
    Balance, Candle, Income, MarginMode, Market, Order, OrderBook, OrderRef, OrderRequest, OrderStatus, OrderType,
    Position, PositionMode, PositionSide, Side, Symbol, Ticker, TimeInForce, Trade,
};
use exch_testkit::conformance::{self, falsy, query_pairs};
use rust_decimal::Decimal;
use serde_json::Value;

/// Disagreements we keep on purpose: (method, case description, reason).
const EXPLAINED: &[(&str, &str, &str)] = &[
    // --- request side ---
    (
        "createOrder",
        "Spot market buy order",
        "CCXT turns a market buy with a price into quoteOrderQty=amount*price; we send the base quantity as given",
    ),
    (
        "createOrder",
        "spot order with weird amount",
        "CCXT silently rounds 0.00078565… to the step; we reject with InvalidOrder(StepSize) before sending (rounding is explicit)",
    ),
    (
        "createOrder",
        "spot order with weird price/amount",
        "CCXT silently rounds price and amount; we reject with InvalidOrder(TickSize) before sending",
    ),
    (
        "createOrder",
        "spot limit buy with weird price/amount",
        "CCXT silently rounds price and amount; we reject with InvalidOrder(TickSize) before sending",
    ),
    (
        "createOrder",
        "swap limit buy with weird price/amount",
        "CCXT silently rounds price and amount; we reject with InvalidOrder(TickSize) before sending",
    ),
    (
        "createOrder",
        "Swap limit buy with triggerPrice",
        "algo orders: Binance names the client id clientAlgoId (binance.md §4b); CCXT sends newClientOrderId and newOrderRespType",
    ),
    (
        "createOrder",
        "Swap limit sell with takeProfitPrice (type 2)",
        "algo orders: we send clientAlgoId (binance.md §4b); CCXT sends newClientOrderId and newOrderRespType",
    ),
    (
        "createOrder",
        "Swap limit sell with stopLossPrice (type 2)",
        "algo orders: we send clientAlgoId (binance.md §4b); CCXT sends newClientOrderId and newOrderRespType",
    ),
    (
        "createOrder",
        "Swap trailingPercent order",
        "algo orders: we send clientAlgoId (binance.md §4b); CCXT sends newClientOrderId and newOrderRespType",
    ),
    (
        "createOrder",
        "linear swap conditional createOrder",
        "algo orders: we send clientAlgoId (binance.md §4b); CCXT sends newClientOrderId and newOrderRespType",
    ),
    (
        "fetchTickers",
        "spot fetch tickers with symbols",
        "tickers(kind) fetches every ticker of the kind (no symbols filter) and the caller filters",
    ),
    (
        "fetchTickers",
        "spot tickers",
        "tickers(kind) fetches every ticker of the kind (no symbols filter) and the caller filters",
    ),
    (
        "fetchTrades",
        "Fetch Trades - spot",
        "recent trades use /api/v3/trades (binance.md §4a); CCXT uses aggTrades with a time window",
    ),
    (
        "fetchTrades",
        "Fetch Trades - linear",
        "recent trades use /fapi/v1/trades (binance.md §4b); CCXT uses aggTrades with a time window",
    ),
    (
        "fetchTrades",
        "spot fetchTrades",
        "recent trades use /api/v3/trades (binance.md §4a); CCXT uses aggTrades",
    ),
    (
        "fetchTrades",
        "swap fetchTrades",
        "recent trades use /fapi/v1/trades (binance.md §4b); CCXT uses aggTrades",
    ),
    (
        "fetchOHLCV",
        "spot ohlcv",
        "without a range we leave the venue's default page (500) implicit; CCXT sends limit=500",
    ),
    (
        "fetchOHLCV",
        "swap ohlcv",
        "without a range we leave the venue's default page (500) implicit; CCXT sends limit=500",
    ),
    (
        "fetchOHLCV",
        "ohlcv with since and until should use maxLimit swap",
        "a range is paged with the futures maximum 1500 (binance.md §4b); CCXT uses 1000",
    ),
    (
        "fetchBalance",
        "Spot fetch balance",
        "we add omitZeroBalances=true (balances without zero rows, binance.md §4a)",
    ),
    (
        "fetchBalance",
        "Swap fetchBalance",
        "futures balances come from /fapi/v3/balance (binance.md §4b); CCXT reads /fapi/v3/account",
    ),
    (
        "fetchClosedOrders",
        "closed orders, should not provide limit in the request",
        "order_history passes the caller's limit to allOrders; CCXT drops it because it filters closed orders locally",
    ),
    // --- response side ---
    (
        "createOrder",
        "spot market buy order with trailingPercent and stopLossOrTakeProfit params",
        "CCXT reports timestamp -1 (workingTime of an untriggered trailing order); we report transactTime",
    ),
];

/// CCXT parameters that select features this crate does not offer (margin, portfolio margin,
/// inverse, options, order features without a unified field, ...).
const OUT_OF_SCOPE_PARAMS: &[&str] = &[
    "portfolioMargin",
    "marginMode",
    "selfTradePrevention",
    "icebergAmount",
    "test",
    "priceMatch",
    "stopLossOrTakeProfit",
    "rpi",
    "rolling",
    "useV2",
    "method",
    "price",
    "stop",
];

/// The CCXT methods that map onto our operations (request side).
const OUR_REQUEST_METHODS: &[&str] = &[
    "fetchTime",
    "fetchTicker",
    "fetchTickers",
    "fetchOrderBook",
    "fetchTrades",
    "fetchOHLCV",
    "createOrder",
    "cancelOrder",
    "cancelOrderWithClientOrderId",
    "cancelAllOrders",
    "fetchOrder",
    "fetchOrderWithClientOrderId",
    "fetchOpenOrders",
    "fetchOrders",
    "fetchClosedOrders",
    "fetchBalance",
    "fetchPositions",
    "setLeverage",
    "setMarginMode",
    "setPositionMode",
    "fetchFundingHistory",
    "fetchLedger",
];

struct Env {
    map: SymbolMap,
    markets: HashMap<Symbol, Market>,
}

fn load_markets(snapshot: &Value) -> Env {
    let mut map = SymbolMap::new();
    let mut markets = HashMap::new();
    for (kind, info) in conformance::market_infos(snapshot) {
        let api = match kind {
            "spot" => Api::Spot,
            "swap" => Api::Futures,
            _ => continue,
        };
        let info: wire::SymbolInfo = serde_json::from_value(info.clone()).unwrap();
        if let Some(market) = parse::market(api, &info) {
            map.insert(api, market.symbol.clone(), market.venue_symbol.clone());
            markets.insert(market.symbol.clone(), market);
        }
    }
    Env { map, markets }
}

#[derive(Default)]
struct Tally {
    agree: usize,
    explained: usize,
    out_of_scope: usize,
}

#[derive(Default)]
struct Report {
    per_method: BTreeMap<String, Tally>,
    unexplained: Vec<String>,
    used_explanations: Vec<(String, String)>,
}

enum Outcome {
    OutOfScope(String),
    Compared(Vec<String>),
}

impl Report {
    fn record(&mut self, side: &str, method: &str, desc: &str, outcome: Outcome) {
        let t = self.per_method.entry(format!("{side} {method}")).or_default();
        match outcome {
            Outcome::OutOfScope(why) => {
                t.out_of_scope += 1;
                println!("  [{side}] {method} / {desc}: out of scope ({why})");
            }
            Outcome::Compared(diffs) if diffs.is_empty() => t.agree += 1,
            Outcome::Compared(diffs) => {
                if let Some((_, _, why)) = EXPLAINED.iter().find(|(m, d, _)| *m == method && *d == desc) {
                    t.explained += 1;
                    self.used_explanations.push((method.to_string(), desc.to_string()));
                    println!("  [{side}] {method} / {desc}: differs, explained: {why}");
                } else {
                    self.unexplained
                        .push(format!("[{side}] {method} / {desc}:\n      {}", diffs.join("\n      ")));
                }
            }
        }
    }

    fn finish(self) {
        println!("\nper method: agree / compared (explained disagreements, out of scope)");
        for (m, t) in &self.per_method {
            println!(
                "  {m:<40} {:>3} / {:<3} ({} explained, {} out of scope)",
                t.agree,
                t.agree + t.explained,
                t.explained,
                t.out_of_scope
            );
        }
        let stale: Vec<_> = EXPLAINED
            .iter()
            .filter(|(m, d, _)| !self.used_explanations.iter().any(|(um, ud)| um == m && ud == d))
            .collect();
        assert!(
            self.unexplained.is_empty(),
            "unexplained disagreements with CCXT:\n{}",
            self.unexplained.join("\n")
        );
        assert!(
            stale.is_empty(),
            "explanations that no longer match a disagreement: {stale:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Request side
// ---------------------------------------------------------------------------------------------

const SKIP_KEYS: &[&str] = &[
    "signature",
    "timestamp",
    "recvWindow",
    "newClientOrderId",
    "newClientStrategyId",
];

/// CCXT's request comparison: path; then the body map when a body exists, else the query map
/// (same number of keys, skipped keys ignored, values strictly equal).
fn compare_request(case: &Value, prepared: &rest::Prepared) -> Vec<String> {
    let url = case["url"].as_str().unwrap();
    let (path, query) = (conformance::url_path(url), conformance::url_query(url));
    let mut diffs = Vec::new();
    if path != prepared.path {
        diffs.push(format!("path: ours {} ccxt {path}", prepared.path));
        return diffs;
    }
    let theirs_body = case.get("output").and_then(Value::as_str).unwrap_or("");
    let (ours, theirs) = if !theirs_body.is_empty() || !prepared.body.is_empty() {
        (query_pairs(&prepared.body), query_pairs(theirs_body))
    } else {
        (query_pairs(&prepared.query), query_pairs(query))
    };
    if ours.len() != theirs.len() {
        diffs.push(format!(
            "parameter count: ours {:?} ccxt {:?}",
            ours.keys().collect::<Vec<_>>(),
            theirs.keys().collect::<Vec<_>>()
        ));
    }
    for (k, v) in &theirs {
        if SKIP_KEYS.contains(&k.as_str()) {
            continue;
        }
        match ours.get(k) {
            None => diffs.push(format!("missing {k}={v}")),
            Some(o) if o != v => diffs.push(format!("{k}: ours {o} ccxt {v}")),
            _ => {}
        }
    }
    diffs
}

/// A CCXT number, normalized like our own decoders' (`"0.0100"` is `0.01`).
fn num(v: &Value) -> Option<Decimal> {
    conformance::number(v).map(|d| d.normalize())
}

fn int(v: &Value) -> Option<i64> {
    exch_core::de::value_int(v).ok().flatten()
}

/// Builds our call for one CCXT request case, or says why the case is out of scope.
fn our_call(env: &Env, method: &str, input: &[Value]) -> Result<Result<Call, exch_core::Error>, String> {
    let params = input
        .iter()
        .rev()
        .find(|v| v.is_object())
        .cloned()
        .unwrap_or(Value::Null);
    if let Some(k) = OUT_OF_SCOPE_PARAMS.iter().find(|k| params.get(**k).is_some()) {
        return Err(format!("CCXT parameter `{k}`"));
    }
    if params.get("subType").and_then(Value::as_str) == Some("inverse") {
        return Err("inverse (subType)".into());
    }
    if let Some(t) = params.get("type").and_then(Value::as_str) {
        if t != "swap" && t != "spot" {
            return Err(format!("CCXT account type `{t}`"));
        }
    }
    let symbol_at = |i: usize| -> Result<(Api, String), String> {
        let s = input.get(i).and_then(Value::as_str).ok_or("no symbol")?;
        let sym: Symbol = s
            .parse()
            .map_err(|_| format!("{s} is not a spot or perpetual symbol"))?;
        let api = Api::for_kind(sym.kind()).ok_or(format!("{s} is inverse"))?;
        let venue = env
            .map
            .to_venue(&sym)
            .map_err(|_| format!("{s} is not in CCXT's market snapshot"))?;
        Ok((api, venue.to_string()))
    };
    let trigger = params.get("trigger").and_then(Value::as_bool) == Some(true);
    let get = |i: usize| input.get(i).cloned().unwrap_or(Value::Null);
    let client_id = params.get("clientOrderId").and_then(Value::as_str).map(str::to_string);
    Ok(Ok(match method {
        "fetchTime" => rest::server_time(Api::Spot),
        "fetchTicker" => {
            let (api, v) = symbol_at(0)?;
            rest::ticker_24h(api, Some(&v))
        }
        "fetchTickers" => {
            let syms = get(0);
            let first = syms
                .as_array()
                .and_then(|a| a.first())
                .and_then(Value::as_str)
                .ok_or("no symbols")?;
            let kind = first.parse::<Symbol>().map_err(|_| "not a unified symbol")?.kind();
            rest::ticker_24h(Api::for_kind(kind).ok_or("inverse")?, None)
        }
        "fetchOrderBook" => {
            let (api, v) = symbol_at(0)?;
            rest::depth(api, &v, int(&get(1)).map(|d| d as usize))
        }
        "fetchTrades" => {
            let (api, v) = symbol_at(0)?;
            rest::recent_trades(api, &v, int(&get(2)).map(|d| d as usize))
        }
        "fetchOHLCV" => {
            let (api, v) = symbol_at(0)?;
            let tf = get(1).as_str().unwrap_or("1m").parse().map_err(|_| "interval")?;
            let since = int(&get(2));
            let limit = int(&get(3)).map(|l| l as usize);
            let until = params.get("until").and_then(int);
            let page = exch_binance::rest::candle_page_size(api, since, until, limit);
            match rest::klines(api, &v, tf, since, until, page) {
                Ok(c) => c,
                Err(e) => return Ok(Err(e)),
            }
        }
        "createOrder" => {
            let (api, v) = symbol_at(0)?;
            let sym: Symbol = get(0).as_str().unwrap().parse().unwrap();
            let req = match order_request(&sym, input, &params)? {
                Ok(r) => r,
                Err(e) => return Ok(Err(e)),
            };
            if let Err(e) = env.markets[&sym].validate(&req, None) {
                return Ok(Err(e));
            }
            match rest::new_order(api, &v, &req, "xConformanceClientId") {
                Ok(c) => c,
                Err(e) => return Ok(Err(e)),
            }
        }
        "cancelOrder" | "fetchOrder" | "cancelOrderWithClientOrderId" | "fetchOrderWithClientOrderId" => {
            let (api, v) = symbol_at(1)?;
            let id = get(0)
                .as_str()
                .map(str::to_string)
                .or_else(|| int(&get(0)).map(|i| i.to_string()));
            let r = if method.ends_with("WithClientOrderId") {
                OrderRef::Client(id.ok_or("no id")?)
            } else {
                match (client_id, id.filter(|s| !s.is_empty())) {
                    (Some(c), _) => OrderRef::Client(c),
                    (None, Some(i)) => OrderRef::Id(i),
                    _ => return Err("no order id".into()),
                }
            };
            match (method.starts_with("cancel"), trigger) {
                (true, false) => rest::cancel_order(api, &v, &r),
                (true, true) => rest::cancel_algo_order(&v, &r),
                (false, false) => rest::query_order(api, &v, &r),
                (false, true) => rest::query_algo_order(&v, &r),
            }
        }
        "cancelAllOrders" => {
            let (api, v) = symbol_at(0)?;
            if trigger {
                rest::cancel_all_algo(&v)
            } else {
                rest::cancel_all(api, &v)
            }
        }
        "fetchOpenOrders" => {
            let (api, v) = symbol_at(0)?;
            if trigger {
                rest::open_algo_orders(Some(&v))
            } else {
                rest::open_orders(api, Some(&v))
            }
        }
        "fetchOrders" | "fetchClosedOrders" => {
            let (api, v) = symbol_at(0)?;
            let since = int(&get(1));
            let limit = int(&get(2)).map(|l| l as usize);
            if trigger {
                rest::all_algo_orders(&v, since, None, limit)
            } else {
                rest::all_orders(api, &v, since, None, limit)
            }
        }
        "fetchBalance" => match params.get("type").and_then(Value::as_str) {
            Some("swap") => rest::futures_balance(),
            _ if params.as_object().is_some_and(|o| !o.is_empty()) => return Err("CCXT account parameters".into()),
            _ => rest::spot_account(),
        },
        "fetchPositions" => {
            if get(0).is_array() {
                return Err("CCXT symbols filter".into());
            }
            rest::position_risk(None)
        }
        "setLeverage" => {
            let (_, v) = symbol_at(1)?;
            rest::leverage(&v, int(&get(0)).ok_or("leverage")? as u32).map_err(|e| e.to_string())?
        }
        "setMarginMode" => {
            let (_, v) = symbol_at(1)?;
            let mode = match get(0).as_str().map(str::to_ascii_lowercase).as_deref() {
                Some("cross") => MarginMode::Cross,
                Some("isolated") => MarginMode::Isolated,
                _ => return Err("margin mode".into()),
            };
            rest::margin_type(&v, mode)
        }
        "setPositionMode" => rest::position_mode(if get(0).as_bool() == Some(true) {
            PositionMode::Hedge
        } else {
            PositionMode::OneWay
        }),
        "fetchFundingHistory" => {
            let (_, v) = symbol_at(0)?;
            rest::income(
                Some(&v),
                Some("FUNDING_FEE"),
                int(&get(1)),
                None,
                int(&get(2)).map(|l| l as usize),
            )
        }
        "fetchLedger" => {
            if params.get("type").and_then(Value::as_str) != Some("swap") {
                return Err("spot ledger".into());
            }
            rest::income(None, None, int(&get(1)), None, int(&get(2)).map(|l| l as usize))
        }
        other => unreachable!("{other} is filtered by OUR_REQUEST_METHODS"),
    }))
}

/// CCXT `createOrder(symbol, type, side, amount, price, params)` → our [`OrderRequest`].
fn order_request(
    sym: &Symbol,
    input: &[Value],
    params: &Value,
) -> Result<Result<OrderRequest, exch_core::Error>, String> {
    const KNOWN: &[&str] = &[
        "postOnly",
        "reduceOnly",
        "triggerPrice",
        "stopLossPrice",
        "takeProfitPrice",
        "trailingPercent",
        "timeInForce",
        "positionSide",
        "hedged",
        "clientOrderId",
    ];
    if let Some(o) = params.as_object() {
        if let Some(k) = o.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(format!("CCXT parameter `{k}`"));
        }
    }
    let ty = input[1].as_str().unwrap_or("");
    let side = match input[2].as_str() {
        Some("buy") => Side::Buy,
        _ => Side::Sell,
    };
    let amount = num(&input[3]).ok_or("amount")?;
    let price = input.get(4).and_then(num);
    let p = |k: &str| params.get(k).and_then(num);
    let trigger = p("triggerPrice").or(p("stopLossPrice")).or(p("takeProfitPrice"));
    let is_tp = p("takeProfitPrice").is_some();
    let trailing = p("trailingPercent");
    let order_type = match (ty, trigger.is_some(), trailing.is_some(), is_tp) {
        (_, _, true, _) => OrderType::TrailingStop,
        ("market", false, _, _) => OrderType::Market,
        ("limit", false, _, _) => OrderType::Limit,
        ("market", true, _, false) => OrderType::StopMarket,
        ("market", true, _, true) => OrderType::TakeProfitMarket,
        ("limit", true, _, false) => OrderType::StopLimit,
        ("limit", true, _, true) => OrderType::TakeProfitLimit,
        _ => return Err(format!("order type {ty}")),
    };
    let mut b = OrderRequest::builder(sym.clone(), side, order_type, amount);
    if order_type.needs_price() {
        if let Some(px) = price {
            b = b.price(px);
        }
    } else if order_type == OrderType::Market && price.is_some() && sym.is_spot() {
        // CCXT turns this into quoteOrderQty; we send the base quantity (see EXPLAINED).
    }
    if let Some(t) = trigger {
        b = b.trigger_price(t);
    }
    if let Some(r) = trailing {
        b = b.callback_rate(r);
    }
    if params.get("postOnly").and_then(Value::as_bool) == Some(true) {
        b = b.post_only();
    }
    match params.get("timeInForce").and_then(Value::as_str) {
        Some("IOC") => b = b.ioc(),
        Some("FOK") => b = b.fok(),
        Some("PO") => b = b.post_only(),
        _ => {}
    }
    let reduce = params.get("reduceOnly").and_then(Value::as_bool) == Some(true);
    let hedged = params.get("hedged").and_then(Value::as_bool) == Some(true);
    match params.get("positionSide").and_then(Value::as_str) {
        Some("LONG") => b = b.position_side(PositionSide::Long),
        Some("SHORT") => b = b.position_side(PositionSide::Short),
        _ if hedged && reduce => {
            // Closing in hedge mode: the opposite side of the position being reduced.
            b = b.position_side(if side == Side::Sell {
                PositionSide::Long
            } else {
                PositionSide::Short
            });
        }
        _ => {}
    }
    if reduce && !hedged {
        b = b.reduce_only(true);
    }
    if let Some(c) = params.get("clientOrderId").and_then(Value::as_str) {
        b = b.client_order_id(c);
    }
    Ok(b.build())
}

fn request_side(env: &Env, report: &mut Report) {
    let auth = Auth {
        api_key: "key",
        secret: "secretsecret",
        recv_window_ms: 10_000,
        timestamp_ms: 1_700_000_000_000,
    };
    for file in ["request/binance.json", "request/binanceusdm.json"] {
        let Some(v) = conformance::load(file) else { continue };
        for (method, cases) in v["methods"].as_object().unwrap() {
            if !OUR_REQUEST_METHODS.contains(&method.as_str()) {
                continue;
            }
            for case in cases.as_array().unwrap() {
                let desc = case["description"].as_str().unwrap_or("");
                if case
                    .get("disabled")
                    .is_some_and(|d| d.as_bool() == Some(true) || d.as_str().is_some_and(|s| !s.is_empty()))
                {
                    continue;
                }
                let input = case["input"].as_array().cloned().unwrap_or_default();
                let case_options = case.get("options").and_then(Value::as_object);
                let outcome = match our_call(env, method, &input) {
                    _ if case_options.is_some_and(|o| o.contains_key("portfolioMargin")) => {
                        Outcome::OutOfScope("case option `portfolioMargin`".into())
                    }
                    Err(why) => Outcome::OutOfScope(why),
                    Ok(Err(e)) => Outcome::Compared(vec![format!("we refuse before sending: {e}")]),
                    Ok(Ok(call)) => Outcome::Compared(compare_request(case, &call.prepare(Some(&auth)).unwrap())),
                };
                report.record("request", method, desc, outcome);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Response side
// ---------------------------------------------------------------------------------------------

/// One projected value of ours, compared loosely with CCXT's (numbers by value; null, 0, ""
/// and false are interchangeable).
enum V {
    Num(Option<Decimal>),
    Int(Option<i64>),
    Str(Option<String>),
    Bool(Option<bool>),
}

fn loose_eq(ours: &V, theirs: Option<&Value>) -> bool {
    let ours_falsy = match ours {
        V::Num(d) => d.is_none_or(|d| d.is_zero()),
        V::Int(i) => i.is_none_or(|i| i == 0),
        V::Str(s) => s.as_deref().is_none_or(str::is_empty),
        V::Bool(b) => b.is_none_or(|b| !b),
    };
    if ours_falsy && theirs.is_none_or(falsy) {
        return true;
    }
    match (ours, theirs) {
        // CCXT holds numbers as doubles: equal as doubles is equal (e.g. 1723237251.70184720).
        (V::Num(Some(a)), Some(Value::Number(n))) => {
            num(&Value::Number(n.clone())) == Some(*a)
                || n.to_string().parse::<f64>().ok() == a.to_string().parse::<f64>().ok()
        }
        (V::Int(Some(a)), Some(Value::Number(n))) => n.to_string() == a.to_string(),
        (V::Str(Some(a)), Some(Value::String(s))) => a == s,
        (V::Bool(Some(a)), Some(Value::Bool(b))) => a == b,
        _ => false,
    }
}

fn show(v: &V) -> String {
    match v {
        V::Num(d) => format!("{d:?}"),
        V::Int(i) => format!("{i:?}"),
        V::Str(s) => format!("{s:?}"),
        V::Bool(b) => format!("{b:?}"),
    }
}

fn compare_fields(prefix: &str, fields: Vec<(&str, V)>, theirs: &Value, diffs: &mut Vec<String>) {
    for (k, ours) in fields {
        if !loose_eq(&ours, theirs.get(k)) {
            diffs.push(format!(
                "{prefix}{k}: ours {} ccxt {}",
                show(&ours),
                theirs.get(k).unwrap_or(&Value::Null)
            ));
        }
    }
}

fn s(x: &impl ToString) -> V {
    V::Str(Some(x.to_string()))
}

fn ticker_fields(t: &Ticker) -> Vec<(&'static str, V)> {
    vec![
        ("symbol", s(&t.symbol)),
        ("last", V::Num(t.last)),
        ("bid", V::Num(t.bid)),
        ("bidVolume", V::Num(t.bid_qty)),
        ("ask", V::Num(t.ask)),
        ("askVolume", V::Num(t.ask_qty)),
        ("open", V::Num(t.open)),
        ("high", V::Num(t.high)),
        ("low", V::Num(t.low)),
        ("baseVolume", V::Num(t.base_volume)),
        ("quoteVolume", V::Num(t.quote_volume)),
        ("percentage", V::Num(t.change_percent)),
        ("timestamp", V::Int(t.timestamp)),
    ]
}

fn ccxt_order_type(api: Api, o: &Order) -> &'static str {
    match (api, o.order_type) {
        (_, OrderType::Market) => "market",
        (_, OrderType::Limit) => "limit",
        (Api::Spot, OrderType::StopMarket | OrderType::TrailingStop) => "stop_loss",
        (Api::Spot, OrderType::StopLimit) => "stop_loss_limit",
        (Api::Spot, OrderType::TakeProfitMarket) => "take_profit",
        (Api::Spot, OrderType::TakeProfitLimit) => "take_profit_limit",
        (Api::Futures, OrderType::StopMarket) => "stop_market",
        (Api::Futures, OrderType::StopLimit) => "stop",
        (Api::Futures, OrderType::TakeProfitMarket) => "take_profit_market",
        (Api::Futures, OrderType::TakeProfitLimit) => "take_profit",
        (Api::Futures, OrderType::TrailingStop) => "trailing_stop_market",
    }
}

fn order_fields(api: Api, o: &Order) -> Vec<(&'static str, V)> {
    let status = match o.status {
        OrderStatus::Pending | OrderStatus::New | OrderStatus::PartiallyFilled => "open",
        OrderStatus::Filled => "closed",
        OrderStatus::Canceled => "canceled",
        OrderStatus::Expired => "expired",
        OrderStatus::Rejected => "rejected",
    };
    let mut f = vec![
        ("id", s(&o.id)),
        ("clientOrderId", V::Str(o.client_order_id.clone())),
        ("symbol", s(&o.symbol)),
        ("side", s(&o.side)),
        ("type", V::Str(Some(ccxt_order_type(api, o).into()))),
        (
            "postOnly",
            V::Bool(Some(o.time_in_force == Some(TimeInForce::PostOnly))),
        ),
        ("amount", V::Num(Some(o.qty))),
        ("filled", V::Num(Some(o.filled_qty))),
        ("average", V::Num(o.avg_price)),
        ("status", V::Str(Some(status.into()))),
        ("timestamp", V::Int(o.created_at)),
        ("lastUpdateTimestamp", V::Int(o.updated_at)),
        ("reduceOnly", V::Bool(Some(o.reduce_only))),
        ("triggerPrice", V::Num(o.trigger_price)),
    ];
    if o.order_type.needs_price() {
        f.push(("price", V::Num(o.price)));
    }
    match o.time_in_force {
        Some(TimeInForce::Gtc) => f.push(("timeInForce", V::Str(Some("GTC".into())))),
        Some(TimeInForce::Ioc) => f.push(("timeInForce", V::Str(Some("IOC".into())))),
        Some(TimeInForce::Fok) => f.push(("timeInForce", V::Str(Some("FOK".into())))),
        _ => {}
    }
    f
}

fn compare_orders(api: Api, ours: &[Order], theirs: &Value, diffs: &mut Vec<String>) {
    let theirs: Vec<Value> = match theirs {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    if ours.len() != theirs.len() {
        diffs.push(format!("order count: ours {} ccxt {}", ours.len(), theirs.len()));
        return;
    }
    for (i, (o, t)) in ours.iter().zip(&theirs).enumerate() {
        compare_fields(&format!("[{i}]."), order_fields(api, o), t, diffs);
    }
}

fn level_rows(levels: &[exch_core::Level]) -> Vec<(Decimal, Decimal)> {
    levels.iter().map(|l| (l.price, l.qty)).collect()
}

fn ccxt_pairs(v: &Value) -> Vec<(Option<Decimal>, Option<Decimal>)> {
    v.as_array()
        .map(|a| a.iter().map(|r| (num(&r[0]), num(&r[1]))).collect())
        .unwrap_or_default()
}

fn compare_book(b: &OrderBook, t: &Value, diffs: &mut Vec<String>) {
    compare_fields(
        "",
        vec![
            ("symbol", s(&b.symbol)),
            ("nonce", V::Int(b.sequence.map(|x| x as i64))),
            ("timestamp", V::Int(b.timestamp)),
        ],
        t,
        diffs,
    );
    for (name, ours) in [("bids", level_rows(&b.bids)), ("asks", level_rows(&b.asks))] {
        let theirs = ccxt_pairs(&t[name]);
        let ours: Vec<_> = ours.into_iter().map(|(p, q)| (Some(p), Some(q))).collect();
        if ours != theirs {
            diffs.push(format!("{name} differ"));
        }
    }
}

fn compare_candles(c: &[Candle], t: &Value, diffs: &mut Vec<String>) {
    let theirs: Vec<Vec<Option<Decimal>>> = t
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| r.as_array().unwrap().iter().map(num).collect())
                .collect()
        })
        .unwrap_or_default();
    let ours: Vec<Vec<Option<Decimal>>> = c
        .iter()
        .map(|k| {
            vec![
                Some(Decimal::from(k.open_time)),
                Some(k.open),
                Some(k.high),
                Some(k.low),
                Some(k.close),
                Some(k.volume),
            ]
        })
        .collect();
    if ours != theirs {
        diffs.push(format!("candles differ: ours {ours:?} ccxt {theirs:?}"));
    }
}

fn compare_trades(tr: &[Trade], t: &Value, diffs: &mut Vec<String>) {
    let theirs = t.as_array().cloned().unwrap_or_default();
    if tr.len() != theirs.len() {
        diffs.push("trade count".into());
        return;
    }
    for (i, (o, t)) in tr.iter().zip(&theirs).enumerate() {
        compare_fields(
            &format!("[{i}]."),
            vec![
                ("symbol", s(&o.symbol)),
                ("id", s(&o.id)),
                ("price", V::Num(Some(o.price))),
                ("amount", V::Num(Some(o.qty))),
                ("side", V::Str(o.side.map(|x| x.to_string()))),
                ("timestamp", V::Int(Some(o.timestamp))),
            ],
            t,
            diffs,
        );
    }
}

fn compare_balances(b: &[Balance], t: &Value, diffs: &mut Vec<String>) {
    for x in b {
        compare_fields(
            &format!("{}.", x.asset),
            vec![
                ("free", V::Num(Some(x.free))),
                ("used", V::Num(Some(x.locked))),
                ("total", V::Num(Some(x.total))),
            ],
            &t[&x.asset],
            diffs,
        );
    }
    // Every non-zero CCXT balance must be among ours (we drop zero rows).
    if let Some(total) = t["total"].as_object() {
        for (asset, v) in total {
            if !falsy(v) && !b.iter().any(|x| &x.asset == asset) {
                diffs.push(format!("missing balance {asset}"));
            }
        }
    }
}

fn compare_positions(p: &[Position], t: &Value, diffs: &mut Vec<String>) {
    let theirs = t.as_array().cloned().unwrap_or_default();
    if p.len() != theirs.len() {
        diffs.push(format!("position count: ours {} ccxt {}", p.len(), theirs.len()));
        return;
    }
    for (i, (o, t)) in p.iter().zip(&theirs).enumerate() {
        let side = match o.side {
            PositionSide::Long => "long",
            PositionSide::Short => "short",
        };
        compare_fields(
            &format!("[{i}]."),
            vec![
                ("symbol", s(&o.symbol)),
                ("side", V::Str(Some(side.into()))),
                ("contracts", V::Num(Some(o.contracts))),
                ("contractSize", V::Num(Some(o.contract_size))),
                ("entryPrice", V::Num(o.entry_price)),
                ("markPrice", V::Num(o.mark_price)),
                ("liquidationPrice", V::Num(o.liquidation_price)),
                ("unrealizedPnl", V::Num(o.unrealized_pnl)),
                ("leverage", V::Num(o.leverage)),
                (
                    "marginMode",
                    V::Str(o.margin_mode.map(|m| match m {
                        MarginMode::Cross => "cross".to_string(),
                        MarginMode::Isolated => "isolated".to_string(),
                    })),
                ),
                ("hedged", V::Bool(Some(o.position_mode == Some(PositionMode::Hedge)))),
                ("timestamp", V::Int(o.timestamp)),
            ],
            t,
            diffs,
        );
    }
}

fn compare_income(r: &[Income], t: &Value, diffs: &mut Vec<String>) {
    let theirs = t.as_array().cloned().unwrap_or_default();
    if r.len() != theirs.len() {
        diffs.push("income count".into());
        return;
    }
    for (i, (o, t)) in r.iter().zip(&theirs).enumerate() {
        compare_fields(
            &format!("[{i}]."),
            vec![
                ("symbol", V::Str(o.symbol.as_ref().map(ToString::to_string))),
                ("code", s(&o.asset)),
                ("amount", V::Num(Some(o.amount))),
                ("id", V::Str(o.id.clone())),
                ("timestamp", V::Int(Some(o.timestamp))),
            ],
            t,
            diffs,
        );
    }
}

fn api_of(input: &[Value]) -> Result<Api, String> {
    let sym = input
        .iter()
        .find_map(|v| v.as_str().and_then(|s| s.parse::<Symbol>().ok()))
        .ok_or("no unified symbol")?;
    Api::for_kind(sym.kind()).ok_or_else(|| "inverse".to_string())
}

fn response_case(env: &Env, method: &str, input: &[Value], raw: &Value, parsed: &Value) -> Outcome {
    let params = input
        .iter()
        .rev()
        .find(|v| v.is_object())
        .cloned()
        .unwrap_or(Value::Null);
    for k in ["method", "price"] {
        if params.get(k).is_some() {
            return Outcome::OutOfScope(format!("CCXT parameter `{k}`"));
        }
    }
    if params.get("subType").and_then(Value::as_str) == Some("inverse") {
        return Outcome::OutOfScope("inverse (subType)".into());
    }
    if params
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t != "swap" && t != "spot")
    {
        return Outcome::OutOfScope("CCXT account type".into());
    }
    let bytes = serde_json::to_vec(raw).unwrap();
    let mut diffs = Vec::new();
    macro_rules! decode {
        ($t:ty) => {
            match parse::decode::<$t>(method, &bytes) {
                Ok(v) => v,
                Err(e) => return Outcome::Compared(vec![format!("decode: {e}")]),
            }
        };
    }
    macro_rules! ok {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(e) => return Outcome::Compared(vec![format!("parse: {e}")]),
            }
        };
    }
    let sym0 = || -> Option<Symbol> { input.first()?.as_str()?.parse().ok() };
    match method {
        "fetchTicker" => {
            let t = parse::ticker(sym0().unwrap(), &decode!(wire::Ticker24h));
            compare_fields("", ticker_fields(&t), parsed, &mut diffs);
        }
        "fetchTickers" => {
            let api = ok!(api_of(
                input
                    .first()
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
            ));
            for t in parse::tickers(&env.map, api, &decode!(Vec<wire::Ticker24h>)) {
                compare_fields(
                    &format!("{}.", t.symbol),
                    ticker_fields(&t),
                    &parsed[t.symbol.to_string()],
                    &mut diffs,
                );
            }
        }
        "fetchOrderBook" => compare_book(
            &parse::order_book(sym0().unwrap(), &decode!(wire::Depth)),
            parsed,
            &mut diffs,
        ),
        "fetchOHLCV" => compare_candles(
            &ok!(parse::candles(&decode!(Vec<wire::KlineRow>), None)),
            parsed,
            &mut diffs,
        ),
        "fetchTrades" => compare_trades(
            &parse::trades(&sym0().unwrap(), &decode!(Vec<wire::PublicTrade>)),
            parsed,
            &mut diffs,
        ),
        "createOrder" | "fetchOrder" | "fetchOpenOrder" => {
            let api = ok!(api_of(input));
            let o = decode!(wire::OrderResp);
            let sym = match env.map.from_venue(api, &o.symbol) {
                Some(s) => s.clone(),
                None => sym0().unwrap(),
            };
            compare_orders(api, &[ok!(parse::order(api, sym, &o))], parsed, &mut diffs);
        }
        "fetchOpenOrders" | "fetchOrders" | "createOrders" => {
            let api = match input.first().and_then(Value::as_array) {
                Some(orders) => ok!(api_of(&[orders[0]["symbol"].clone()])),
                None => ok!(api_of(input)),
            };
            let rows = decode!(Vec<wire::OrderResp>);
            compare_orders(api, &ok!(parse::orders(&env.map, api, &rows)), parsed, &mut diffs);
        }
        "fetchBalance" => {
            let b = if params.get("type").and_then(Value::as_str) == Some("swap") {
                parse::futures_balances(&decode!(wire::FuturesAccount).assets)
            } else {
                parse::spot_balances(&decode!(wire::SpotAccount))
            };
            compare_balances(&b, parsed, &mut diffs);
        }
        "fetchPositions" => compare_positions(
            &ok!(parse::positions(&env.map, &decode!(Vec<wire::PositionRisk>))),
            parsed,
            &mut diffs,
        ),
        "fetchFundingHistory" => compare_income(
            &parse::income(&env.map, &decode!(Vec<wire::IncomeRow>)),
            parsed,
            &mut diffs,
        ),
        _ => unreachable!(),
    }
    Outcome::Compared(diffs)
}

fn response_side(env: &Env, report: &mut Report) {
    let Some(v) = conformance::load("response/binance.json") else {
        return;
    };
    const OURS: &[&str] = &[
        "fetchTicker",
        "fetchTickers",
        "fetchOrderBook",
        "fetchOHLCV",
        "fetchTrades",
        "createOrder",
        "fetchOrder",
        "fetchOpenOrder",
        "fetchOpenOrders",
        "fetchOrders",
        "createOrders",
        "fetchBalance",
        "fetchPositions",
        "fetchFundingHistory",
    ];
    for (method, cases) in v["methods"].as_object().unwrap() {
        if !OURS.contains(&method.as_str()) {
            continue;
        }
        for case in cases.as_array().unwrap() {
            if case.get("disabled").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let desc = case["description"].as_str().unwrap_or("");
            let input = case["input"].as_array().cloned().unwrap_or_default();
            let outcome = response_case(env, method, &input, &case["httpResponse"], &case["parsedResponse"]);
            report.record("response", method, desc, outcome);
        }
    }
}

#[test]
fn ccxt_binance_cases() {
    let Some(snapshot) = conformance::load("markets/binance.json") else {
        return;
    };
    let env = load_markets(&snapshot);
    assert!(
        env.map.len() >= 14,
        "markets loaded from CCXT's snapshot: {}",
        env.map.len()
    );
    let mut report = Report::default();
    request_side(&env, &mut report);
    response_side(&env, &mut report);
    report.finish();
}
