//! BingX wire types → exch-core models. Never panics: malformed input is a `Decode` error that
//! names the endpoint and keeps an excerpt of the payload (checked by proptest below).

use std::str::FromStr;

use exch_core::scan::{self, Cells, LevelSpec, Scanner};
use exch_core::{
    Balance, Candle, Error, ErrorKind, Income, IncomeKind, Level, MarginMode, Market, MarketKind, MarketStatus, Order,
    OrderBook, OrderRequest, OrderStatus, OrderType, Position, PositionMode, PositionSide, Result, Side, Symbol,
    Ticker, TimeInForce, Trade, Venue,
};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::errors::business_error;
use crate::symbols::SymbolMap;
use crate::wire::{self, de, WireOrder};

fn decode_err(endpoint: &str, body: &[u8], cause: impl std::fmt::Display) -> Error {
    Error::decode(endpoint, body, cause).with_venue(Venue::Bingx)
}

/// Checks the envelope and returns `data`: `code` 0 (or absent) is success, anything else is
/// the venue's business error.
pub fn envelope(body: &[u8], endpoint: &str) -> Result<Value> {
    let env: wire::Envelope = serde_json::from_slice(body).map_err(|e| decode_err(endpoint, body, e))?;
    match env.code {
        None | Some(0) => Ok(env.data),
        Some(code) => Err(business_error(code, env.msg.as_deref().unwrap_or(""), endpoint, 200)),
    }
}

fn typed<T: DeserializeOwned>(v: Value, body: &[u8], endpoint: &str) -> Result<T> {
    serde_json::from_value(v).map_err(|e| decode_err(endpoint, body, e))
}

/// The one-pass decode: `data` typed straight from the body when `code` is 0 (or absent) and
/// `data` is present and not `null`. `None` sends the caller to the general path
/// ([`envelope`] then [`typed`]), which gives the same value or the typed error.
fn fast<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Option<T> {
    match serde_json::from_slice::<wire::Reply<T>>(body) {
        Ok(wire::Reply {
            code: None | Some(0),
            data: Some(d),
            ..
        }) => Some(d),
        _ => None,
    }
}

/// `data` as `T`: one pass when that works, else [`envelope`] and [`typed`].
fn data<T: DeserializeOwned>(body: &[u8], endpoint: &str) -> Result<T> {
    match fast(body) {
        Some(d) => Ok(d),
        None => typed(envelope(body, endpoint)?, body, endpoint),
    }
}

/// `data` as a list of `T`, `null` or absent being empty.
fn rows_or_empty<T: DeserializeOwned>(body: &[u8], endpoint: &str) -> Result<Vec<T>> {
    if let Some(d) = fast(body) {
        return Ok(d);
    }
    match envelope(body, endpoint)? {
        Value::Null => Ok(Vec::new()),
        data => typed(data, body, endpoint),
    }
}

/// Server time in ms from `GET /openApi/swap/v2/server/time` (or the spot twin).
pub fn server_time(body: &[u8], endpoint: &str) -> Result<i64> {
    let t: wire::ServerTime = data(body, endpoint)?;
    t.server_time
        .ok_or_else(|| decode_err(endpoint, body, "missing data.serverTime"))
}

fn pow10_neg(decimals: i64) -> Option<Decimal> {
    let d = u32::try_from(decimals).ok().filter(|d| *d <= 28)?;
    Some(Decimal::new(1, d))
}

fn split_native(native: &str) -> Option<(&str, &str)> {
    let (b, q) = native.split_once('-')?;
    (!b.is_empty() && !q.is_empty() && !q.contains('-')).then_some((b, q))
}

/// Perpetual contracts from `GET /openApi/swap/v2/quote/contracts`. Base and settle assets
/// come from `asset`/`currency`; tick and step from the precision digits; one contract is one
/// coin. Rows that cannot form a symbol are skipped.
pub fn swap_contracts(body: &[u8], endpoint: &str) -> Result<Vec<Market>> {
    let rows: Vec<wire::SwapContract> = data(body, endpoint)?;
    let mut out = Vec::with_capacity(rows.len());
    for c in rows {
        let (base, quote) = match (c.asset.as_deref(), c.currency.as_deref()) {
            (Some(a), Some(q)) if !a.is_empty() && !q.is_empty() => (a.to_string(), q.to_string()),
            _ => match split_native(&c.symbol) {
                Some((b, q)) => (b.to_string(), q.to_string()),
                None => continue,
            },
        };
        let Ok(symbol) = Symbol::linear(&base, &quote) else {
            tracing::debug!(native = %c.symbol, "skipping BingX contract with an unusable symbol");
            continue;
        };
        let status = match c.status {
            Some(1) if c.api_state_open != Some(false) => MarketStatus::Trading,
            Some(1) | Some(25) | Some(5) => MarketStatus::Halted,
            Some(0) => MarketStatus::Closed,
            Some(other) => MarketStatus::Unknown(other.to_string()),
            None => MarketStatus::Unknown(String::new()),
        };
        out.push(Market {
            symbol,
            venue_symbol: c.symbol.clone(),
            kind: MarketKind::LinearPerpetual,
            status,
            tick_size: c.price_precision.and_then(pow10_neg).unwrap_or(Decimal::ZERO),
            step_size: c.quantity_precision.and_then(pow10_neg).unwrap_or(Decimal::ZERO),
            min_qty: c.trade_min_quantity.filter(|d| !d.is_zero()),
            max_qty: None,
            min_notional: c.trade_min_usdt.filter(|d| !d.is_zero()),
            contract_size: Decimal::ONE,
        });
    }
    Ok(out)
}

/// Spot symbols from `GET /openApi/spot/v1/common/symbols` (`data.symbols`).
pub fn spot_symbols(body: &[u8], endpoint: &str) -> Result<Vec<Market>> {
    let d: wire::SpotSymbols = data(body, endpoint)?;
    let mut out = Vec::with_capacity(d.symbols.len());
    for s in d.symbols {
        let Some((b, q)) = split_native(&s.symbol) else {
            continue;
        };
        let Ok(symbol) = Symbol::spot(b, q) else { continue };
        let api_ok = s.api_state_buy != Some(false) && s.api_state_sell != Some(false);
        let status = match s.status {
            Some(1) if api_ok => MarketStatus::Trading,
            Some(1) => MarketStatus::Halted,
            Some(0) => MarketStatus::Closed,
            Some(other) => MarketStatus::Unknown(other.to_string()),
            None => MarketStatus::Unknown(String::new()),
        };
        out.push(Market {
            symbol,
            venue_symbol: s.symbol.clone(),
            kind: MarketKind::Spot,
            status,
            tick_size: s.tick_size.unwrap_or(Decimal::ZERO).normalize(),
            step_size: s.step_size.unwrap_or(Decimal::ZERO).normalize(),
            min_qty: s.min_qty.filter(|d| !d.is_zero()),
            max_qty: s.max_qty.filter(|d| !d.is_zero()),
            min_notional: s.min_notional.filter(|d| !d.is_zero()),
            contract_size: Decimal::ONE,
        });
    }
    Ok(out)
}

fn ticker_of(t: wire::WireTicker, symbol: Symbol) -> Ticker {
    Ticker {
        symbol,
        last: t.last_price,
        bid: t.bid_price,
        bid_qty: t.bid_qty,
        ask: t.ask_price,
        ask_qty: t.ask_qty,
        open: t.open_price,
        high: t.high_price,
        low: t.low_price,
        base_volume: t.volume,
        quote_volume: t.quote_volume,
        change_percent: t.price_change_percent,
        timestamp: t.close_time,
    }
}

/// Tickers from swap `quote/ticker` (object or array) or spot `ticker/24hr` (array). Rows of
/// markets that are not loaded are skipped.
pub fn tickers(body: &[u8], endpoint: &str, kind: MarketKind, map: &SymbolMap) -> Result<Vec<Ticker>> {
    let rows: Vec<wire::WireTicker> = match fast::<wire::OneOrMany<wire::WireTicker>>(body) {
        Some(r) => r.0,
        None => match envelope(body, endpoint)? {
            data @ Value::Array(_) => typed(data, body, endpoint)?,
            Value::Null => Vec::new(),
            other => vec![typed(other, body, endpoint)?],
        },
    };
    Ok(rows
        .into_iter()
        .filter_map(|t| {
            let s = map.unified(kind, &t.symbol).ok()?;
            Some(ticker_of(t, s))
        })
        .collect())
}

/// The ticker of `symbol` from a one-symbol ticker response.
pub fn ticker(body: &[u8], endpoint: &str, symbol: &Symbol, map: &SymbolMap) -> Result<Ticker> {
    let native = map.native(symbol)?;
    let rows: Vec<wire::WireTicker> = match fast::<wire::OneOrMany<wire::WireTicker>>(body) {
        Some(r) => r.0,
        None => match envelope(body, endpoint)? {
            data @ Value::Array(_) => typed(data, body, endpoint)?,
            other => vec![typed(other, body, endpoint)?],
        },
    };
    rows.into_iter()
        .find(|t| t.symbol == native)
        .map(|t| ticker_of(t, symbol.clone()))
        .ok_or_else(|| decode_err(endpoint, body, format!("no ticker for {native}")))
}

fn levels(rows: &[Vec<Value>], body: &[u8], endpoint: &str) -> Result<Vec<Level>> {
    rows.iter()
        .map(|r| {
            let p = r.first().map(de::value_decimal);
            let q = r.get(1).map(de::value_decimal);
            match (p, q) {
                (Some(Ok(Some(price))), Some(Ok(Some(qty)))) => Ok(Level { price, qty }),
                _ => Err(decode_err(endpoint, body, "bad [price, qty] level")),
            }
        })
        .collect()
}

/// `bids`, `asks` and the time (`T`, else `ts`) of a scanned depth reply.
type ScannedBook = (Vec<Level>, Vec<Level>, Option<i64>);

/// BingX's `[price, qty]` rows: exactly two decimal strings, scale kept.
const LEVELS: LevelSpec = LevelSpec {
    cells: Cells::Strings,
    normalize_price: false,
    normalize_qty: false,
    more_cells: false,
};

/// A JSON integer that fits an `i64` (at most 18 digits; longer ones take the serde path).
fn scan_i64(sc: &mut Scanner<'_>) -> Option<i64> {
    let (neg, v) = sc.int()?;
    let v = i64::try_from(v).ok()?;
    Some(if neg { -v } else { v })
}

/// A time in ms: a JSON integer as [`scan_i64`] reads it, or a string of `-?digits` (spot
/// replies send both).
fn scan_time(sc: &mut Scanner<'_>) -> Option<i64> {
    if sc.peek()? != b'"' {
        return scan_i64(sc);
    }
    let (neg, v) = scan::digits18(sc.str()?)?;
    let v = i64::try_from(v).ok()?;
    Some(if neg { -v } else { v })
}

/// The reply envelope scanned with [`exch_core::scan`]: the keys `code` (`0` or `"0"`), `msg`
/// and `timestamp`, each at most once, and `data`, read by `data`. Anything else (another key,
/// a repeated key, escapes, an error code) declines (`None`) and the caller takes the serde
/// path, which gives the same result or the typed error.
fn scan_reply<'a, T>(body: &'a [u8], data: impl FnOnce(&mut Scanner<'a>) -> Option<T>) -> Option<T> {
    let mut sc = Scanner::from_bytes(body)?;
    let mut read = Some(data);
    let (mut code, mut msg, mut stamp, mut out) = (None, None, None, None);
    sc.object(|k, sc| match k {
        "code" => {
            let zero = if sc.peek()? == b'"' {
                sc.str()? == "0"
            } else {
                scan_i64(sc)? == 0
            };
            scan::once(&mut code, ()).filter(|()| zero)
        }
        "msg" => scan::once(&mut msg, sc.str()?),
        "timestamp" => {
            if sc.peek()? == b'"' {
                sc.str()?;
            } else {
                scan_i64(sc)?;
            }
            scan::once(&mut stamp, ())
        }
        "data" => {
            let v = read.take()?(sc)?;
            scan::once(&mut out, v)
        }
        _ => None,
    })?;
    sc.end()?;
    out
}

/// A depth reply in one pass: `data` holds `bids`/`asks` and `T`/`ts`, each at most once
/// (other keys are skipped).
fn scan_depth(body: &[u8]) -> Option<ScannedBook> {
    scan_reply(body, |sc| {
        let (mut bids, mut asks, mut t, mut ts) = (None, None, None, None);
        sc.object(|k, sc| match k {
            "bids" => scan::once(&mut bids, sc.levels(LEVELS)?),
            "asks" => scan::once(&mut asks, sc.levels(LEVELS)?),
            "T" => scan::once(&mut t, scan_i64(sc)?),
            "ts" => scan::once(&mut ts, scan_i64(sc)?),
            _ => sc.skip_value(),
        })?;
        Some((bids.unwrap_or_default(), asks.unwrap_or_default(), t.or(ts)))
    })
}

/// A decimal cell written as a string (read as the lenient decoder reads its text, scale
/// kept) or as a number without exponent.
fn scan_any_decimal(sc: &mut Scanner<'_>) -> Option<Decimal> {
    if sc.peek()? == b'"' {
        return sc.decimal_cell(Cells::Strings, false);
    }
    let t = sc.number()?;
    if t.contains(['e', 'E']) {
        None
    } else if t.contains('.') {
        // Not an integer: read as its text (what `number_cell` does for it).
        exch_core::de::parse_decimal(t)
    } else {
        crate::wire::de::number_cell::<Decimal>(t).ok().flatten()
    }
}

/// A trade id: a string (trimmed; blank is no id) or an integer, as the general path writes it.
fn scan_id(sc: &mut Scanner<'_>) -> Option<Option<String>> {
    if sc.peek()? == b'"' {
        let t = sc.str()?.trim();
        return Some((!t.is_empty()).then(|| t.to_string()));
    }
    let t = sc.number()?;
    if t.len() < 20 && t.bytes().all(|c| c.is_ascii_digit()) {
        // A canonical u64 (no sign, no leading zero): its own text.
        return Some(Some(t.to_string()));
    }
    match t.parse::<u64>() {
        Ok(n) => Some(Some(n.to_string())),
        // `-0` is `0`; a fraction or exponent declines.
        Err(_) => Some(Some(t.parse::<i64>().ok()?.to_string())),
    }
}

/// A trades reply in one pass, straight into [`Trade`]s: `data` is a list of objects with
/// `id`, `price`, `qty`, `time` and `buyerMaker`/`isBuyerMaker`, each at most once (other keys
/// are skipped).
fn scan_trades(body: &[u8], symbol: &Symbol) -> Option<Vec<Trade>> {
    scan_reply(body, |sc| {
        let mut out = Vec::with_capacity(body.len() / 96 + 1);
        sc.array(|sc| {
            let (mut id, mut price, mut qty, mut time, mut maker) = (None, None, None, None, None);
            sc.object(|k, sc| match k {
                "id" => scan::once(&mut id, scan_id(sc)?),
                "price" => scan::once(&mut price, scan_any_decimal(sc)?),
                "qty" => scan::once(&mut qty, scan_any_decimal(sc)?),
                "time" => scan::once(&mut time, scan_time(sc)?),
                "buyerMaker" | "isBuyerMaker" => scan::once(&mut maker, sc.bool()?),
                // Other fields (`quoteQty`) are ignored, as serde ignores them.
                _ => sc.skip_value(),
            })?;
            out.push(Trade {
                symbol: symbol.clone(),
                id: id.flatten().unwrap_or_default(),
                price: price?,
                qty: qty?,
                side: maker.map(Side::taker),
                timestamp: time?,
            });
            Some(())
        })?;
        Some(out)
    })
}

/// An order book from swap `quote/depth` or spot `market/depth`: bids descending, asks
/// ascending.
pub fn order_book(body: &[u8], endpoint: &str, symbol: &Symbol) -> Result<OrderBook> {
    let scanned = scan_depth(body);
    let (bids, asks, time) =
        match scanned.or_else(|| fast::<wire::WireBook>(body).map(|b| (b.bids, b.asks, b.t.or(b.ts)))) {
            Some(b) => b,
            None => {
                let d: wire::WireDepth = typed(envelope(body, endpoint)?, body, endpoint)?;
                (
                    levels(&d.bids, body, endpoint)?,
                    levels(&d.asks, body, endpoint)?,
                    d.t.or(d.ts),
                )
            }
        };
    let mut book = OrderBook {
        symbol: symbol.clone(),
        bids,
        asks,
        sequence: None,
        timestamp: time,
    };
    book.sort_sides();
    Ok(book)
}

/// Public trades (swap `quote/trades` has no trade id: the id is then empty). The taker side is
/// the opposite of the maker: buyer maker → taker sold.
pub fn trades(body: &[u8], endpoint: &str, symbol: &Symbol) -> Result<Vec<Trade>> {
    if let Some(t) = scan_trades(body, symbol) {
        return Ok(t);
    }
    let rows: Vec<wire::WireTrade> = data(body, endpoint)?;
    rows.into_iter()
        .map(|t| {
            let (Some(price), Some(qty), Some(ts)) = (t.price, t.qty, t.time) else {
                return Err(decode_err(endpoint, body, "trade without price, qty or time"));
            };
            Ok(Trade {
                symbol: symbol.clone(),
                id: t.id.unwrap_or_default(),
                price,
                qty,
                side: t.is_buyer_maker.map(Side::taker),
                timestamp: ts,
            })
        })
        .collect()
}

fn candle_from(v: &Value) -> std::result::Result<Candle, String> {
    let dec = |x: Option<&Value>| -> std::result::Result<Decimal, String> {
        de::value_decimal(x.unwrap_or(&Value::Null))?.ok_or_else(|| "missing candle field".to_string())
    };
    match v {
        Value::Array(a) => Ok(Candle {
            open_time: de::value_i64(a.first().unwrap_or(&Value::Null))?.ok_or("missing open time")?,
            open: dec(a.get(1))?,
            high: dec(a.get(2))?,
            low: dec(a.get(3))?,
            close: dec(a.get(4))?,
            volume: dec(a.get(5))?,
            quote_volume: a.get(7).map(de::value_decimal).transpose()?.flatten(),
            closed: None,
        }),
        Value::Object(o) => Ok(Candle {
            open_time: de::value_i64(o.get("time").unwrap_or(&Value::Null))?.ok_or("missing time")?,
            open: dec(o.get("open"))?,
            high: dec(o.get("high"))?,
            low: dec(o.get("low"))?,
            close: dec(o.get("close"))?,
            volume: dec(o.get("volume"))?,
            quote_volume: None,
            closed: None,
        }),
        _ => Err("a candle is an array or an object".into()),
    }
}

/// Candles from swap `v3/quote/klines` (objects) or spot `v2/market/kline` (arrays, newest
/// first): returned ascending by open time without duplicates.
pub fn candles(body: &[u8], endpoint: &str) -> Result<Vec<Candle>> {
    let data = envelope(body, endpoint)?;
    let rows: Vec<Value> = match data {
        Value::Array(a) => a,
        Value::Null => Vec::new(),
        other => vec![other],
    };
    let mut out = rows
        .iter()
        .map(candle_from)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| decode_err(endpoint, body, e))?;
    out.sort_by_key(|c| c.open_time);
    out.dedup_by_key(|c| c.open_time);
    Ok(out)
}

/// Maps a BingX status (either market; swap docs also spell `CANCELLED`).
pub fn order_status(s: &str) -> Option<OrderStatus> {
    Some(match s.to_ascii_uppercase().as_str() {
        "NEW" | "PENDING" => OrderStatus::New,
        "WORKING" | "TRIGGERED" => OrderStatus::Pending,
        "PARTIALLY_FILLED" => OrderStatus::PartiallyFilled,
        "FILLED" => OrderStatus::Filled,
        "CANCELED" | "CANCELLED" | "PARTIALLY_CANCELED" => OrderStatus::Canceled,
        "FAILED" | "REJECTED" => OrderStatus::Rejected,
        "EXPIRED" => OrderStatus::Expired,
        _ => return None,
    })
}

/// Maps a BingX order type of `kind`.
pub fn order_type(kind: MarketKind, s: &str) -> Option<OrderType> {
    Some(match (kind, s.to_ascii_uppercase().as_str()) {
        (_, "LIMIT") => OrderType::Limit,
        (_, "MARKET") => OrderType::Market,
        (_, "STOP_MARKET") | (_, "TRIGGER_MARKET") | (_, "TAKE_STOP_MARKET") => OrderType::StopMarket,
        (_, "STOP") | (_, "TRIGGER_LIMIT") | (_, "TAKE_STOP_LIMIT") => OrderType::StopLimit,
        (_, "TAKE_PROFIT_MARKET") => OrderType::TakeProfitMarket,
        (_, "TAKE_PROFIT") => OrderType::TakeProfitLimit,
        (_, "TRAILING_STOP_MARKET") | (_, "TRAILING_TP_SL") => OrderType::TrailingStop,
        _ => return None,
    })
}

fn tif(s: &str) -> Option<TimeInForce> {
    match s.to_ascii_uppercase().as_str() {
        "GTC" => Some(TimeInForce::Gtc),
        "IOC" => Some(TimeInForce::Ioc),
        "FOK" => Some(TimeInForce::Fok),
        "POSTONLY" | "PO" => Some(TimeInForce::PostOnly),
        _ => None,
    }
}

fn nonzero(d: Option<Decimal>) -> Option<Decimal> {
    d.filter(|x| !x.is_zero())
}

/// One wire order → [`Order`]. `hint` is the symbol the caller asked about; orders of other,
/// unloaded markets are `BadSymbol`.
pub fn order_from_wire(
    w: WireOrder,
    kind: MarketKind,
    map: &SymbolMap,
    hint: Option<&Symbol>,
    body: &[u8],
    endpoint: &str,
) -> Result<Order> {
    let symbol = match (&w.symbol, hint) {
        (Some(n), _) if !n.is_empty() => map.unified_or(kind, n, hint)?,
        (_, Some(h)) => h.clone(),
        _ => return Err(decode_err(endpoint, body, "order without symbol")),
    };
    let id = w
        .order_id
        .clone()
        .ok_or_else(|| decode_err(endpoint, body, "order without orderId"))?;
    let side = w
        .side
        .as_deref()
        .and_then(|s| Side::from_str(s).ok())
        .ok_or_else(|| decode_err(endpoint, body, format!("unknown side {:?}", w.side)))?;
    let order_type = w
        .order_type
        .as_deref()
        .and_then(|t| order_type(kind, t))
        .ok_or_else(|| decode_err(endpoint, body, format!("unknown order type {:?}", w.order_type)))?;
    let status = match w.status.as_deref() {
        None | Some("") => OrderStatus::New,
        Some(s) => order_status(s).ok_or_else(|| decode_err(endpoint, body, format!("unknown order status {s}")))?,
    };
    let filled = w.executed_qty.unwrap_or(Decimal::ZERO);
    let mut qty = nonzero(w.orig_qty).or(nonzero(w.quantity)).unwrap_or(Decimal::ZERO);
    if qty.is_zero() && kind == MarketKind::Spot {
        // Spot market buys by quote amount report origQty 0: the size is what filled.
        qty = filled;
    }
    let avg_price = match kind {
        MarketKind::Spot => match (w.cummulative_quote_qty, filled.is_zero()) {
            (Some(quote), false) if !quote.is_zero() => Some((quote / filled).round_dp(12).normalize()),
            _ => None,
        },
        _ => nonzero(w.avg_price),
    };
    let position_side = match w.position_side.as_deref() {
        Some("LONG") => Some(PositionSide::Long),
        Some("SHORT") => Some(PositionSide::Short),
        _ => None,
    };
    Ok(Order {
        symbol,
        id,
        client_order_id: w.client_order_id.filter(|c| !c.is_empty()),
        side,
        order_type,
        time_in_force: w.time_in_force.as_deref().and_then(tif),
        price: nonzero(w.price),
        trigger_price: nonzero(w.stop_price),
        qty,
        filled_qty: filled,
        avg_price,
        status,
        reduce_only: w.reduce_only.unwrap_or(false),
        position_side,
        created_at: w.time.or(w.transact_time),
        updated_at: w.update_time.or(w.time).or(w.transact_time),
    })
}

/// One order from swap `data.order` or spot `data` (placement, query, cancel).
pub fn order(body: &[u8], endpoint: &str, kind: MarketKind, map: &SymbolMap, hint: Option<&Symbol>) -> Result<Order> {
    let w = match fast::<wire::MapOnly<WireOrder>>(body) {
        // Spot: `data` is the order.
        Some(wire::MapOnly(w)) if !w.order_key => w,
        // Swap: `data.order`.
        _ => match fast::<wire::MapOnly<wire::WireOrderData>>(body) {
            Some(wire::MapOnly(d)) => d.order,
            None => {
                let mut data = envelope(body, endpoint)?;
                if let Some(inner) = data.get_mut("order") {
                    data = inner.take();
                }
                typed(data, body, endpoint)?
            }
        },
    };
    order_from_wire(w, kind, map, hint, body, endpoint)
}

/// A list of orders from `data.orders` (open orders, history) or `data.success` (swap
/// cancel-all). With no `hint`, rows of unloaded markets are skipped.
pub fn orders(
    body: &[u8],
    endpoint: &str,
    kind: MarketKind,
    map: &SymbolMap,
    hint: Option<&Symbol>,
) -> Result<Vec<Order>> {
    let data = envelope(body, endpoint)?;
    let rows: Vec<WireOrder> = match data {
        Value::Null => Vec::new(),
        Value::Array(_) => typed(data, body, endpoint)?,
        Value::Object(ref o) if o.contains_key("success") => {
            let c: wire::WireCancelAll = typed(data, body, endpoint)?;
            c.success.unwrap_or_default()
        }
        other => {
            let w: wire::WireOrders = typed(other, body, endpoint)?;
            w.orders.unwrap_or_default()
        }
    };
    let mut out = Vec::with_capacity(rows.len());
    for w in rows {
        match order_from_wire(w, kind, map, hint, body, endpoint) {
            Ok(o) => out.push(o),
            Err(e) if e.kind() == ErrorKind::BadSymbol && hint.is_none() => {
                tracing::debug!(error = %e, "skipping an order of an unloaded BingX market");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Fills what a placement acknowledgement leaves out (BingX echoes only part of the order)
/// from the request that was sent.
pub fn merge_placed(mut order: Order, req: &OrderRequest, client_order_id: &str) -> Order {
    if order.qty.is_zero() {
        order.qty = req.qty;
    }
    if order.price.is_none() {
        order.price = req.price;
    }
    if order.trigger_price.is_none() {
        order.trigger_price = req.trigger_price;
    }
    if order.client_order_id.is_none() {
        order.client_order_id = Some(client_order_id.to_string());
    }
    if order.time_in_force.is_none() {
        order.time_in_force = req.time_in_force;
    }
    order.reduce_only |= req.reduce_only;
    if order.position_side.is_none() {
        order.position_side = req.position_side;
    }
    order
}

fn nonneg(d: Option<Decimal>) -> Decimal {
    d.unwrap_or(Decimal::ZERO)
}

/// Swap balances from `/openApi/swap/v3/user/balance` (array) or v2 (`data.balance`): free is
/// the available margin, locked the used plus frozen margin, total the wallet balance. Zero
/// rows are dropped.
pub fn swap_balances(body: &[u8], endpoint: &str) -> Result<Vec<Balance>> {
    let data = envelope(body, endpoint)?;
    let rows: Vec<wire::SwapBalance> = match data {
        Value::Array(_) => typed(data, body, endpoint)?,
        Value::Object(mut o) if o.contains_key("balance") => {
            vec![typed(o.remove("balance").unwrap_or_default(), body, endpoint)?]
        }
        Value::Null => Vec::new(),
        other => vec![typed(other, body, endpoint)?],
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let free = nonneg(r.available_margin);
            let locked = nonneg(r.used_margin) + nonneg(r.freezed_margin);
            Balance {
                total: r.balance.unwrap_or(free + locked),
                asset: r.asset,
                free,
                locked,
            }
        })
        .filter(|b| !(b.total.is_zero() && b.free.is_zero() && b.locked.is_zero()))
        .collect())
}

/// Spot balances from `/openApi/spot/v1/account/balance` (`data.balances`); zero rows dropped.
pub fn spot_balances(body: &[u8], endpoint: &str) -> Result<Vec<Balance>> {
    let d: wire::SpotBalances = data(body, endpoint)?;
    Ok(d.balances
        .into_iter()
        .map(|r| {
            let free = nonneg(r.free);
            let locked = nonneg(r.locked);
            Balance {
                asset: r.asset,
                free,
                locked,
                total: free + locked,
            }
        })
        .filter(|b| !b.total.is_zero())
        .collect())
}

/// Positions from `/openApi/swap/v2/user/positions`; zero-size rows dropped, both sides kept
/// in hedge mode. `BOTH` positions take their side from the sign of `positionAmt`.
pub fn positions(body: &[u8], endpoint: &str, map: &SymbolMap) -> Result<Vec<Position>> {
    let rows: Vec<wire::WirePosition> = rows_or_empty(body, endpoint)?;
    let mut out = Vec::new();
    for p in rows {
        let amt = p.position_amt.unwrap_or(Decimal::ZERO);
        if amt.is_zero() {
            continue;
        }
        let Ok(symbol) = map.unified(MarketKind::LinearPerpetual, &p.symbol) else {
            tracing::debug!(native = %p.symbol, "skipping a position of an unloaded BingX contract");
            continue;
        };
        let (side, mode) = match p.position_side.as_deref() {
            Some("LONG") => (PositionSide::Long, PositionMode::Hedge),
            Some("SHORT") => (PositionSide::Short, PositionMode::Hedge),
            _ if amt < Decimal::ZERO => (PositionSide::Short, PositionMode::OneWay),
            _ => (PositionSide::Long, PositionMode::OneWay),
        };
        let mode = match p.only_one_position {
            Some(true) => PositionMode::OneWay,
            Some(false) => PositionMode::Hedge,
            None => mode,
        };
        let size = amt.abs();
        out.push(Position {
            symbol,
            side,
            size,
            contracts: size,
            contract_size: Decimal::ONE,
            entry_price: nonzero(p.avg_price),
            mark_price: nonzero(p.mark_price),
            liquidation_price: nonzero(p.liquidation_price),
            unrealized_pnl: p.unrealized_profit,
            leverage: nonzero(p.leverage),
            margin_mode: p
                .isolated
                .map(|i| if i { MarginMode::Isolated } else { MarginMode::Cross }),
            position_mode: Some(mode),
            timestamp: p.update_time,
        });
    }
    Ok(out)
}

/// BingX `incomeType` → [`IncomeKind`].
pub fn income_kind(s: &str) -> IncomeKind {
    match s {
        "FUNDING_FEE" => IncomeKind::Funding,
        "REALIZED_PNL" => IncomeKind::RealizedPnl,
        "TRADING_FEE" | "COMMISSION" => IncomeKind::Fee,
        "TRANSFER" => IncomeKind::Transfer,
        other => IncomeKind::Other(other.to_string()),
    }
}

/// [`IncomeKind`] → BingX `incomeType` (for the query filter).
pub fn income_type_param(k: &IncomeKind) -> String {
    match k {
        IncomeKind::Funding => "FUNDING_FEE".into(),
        IncomeKind::RealizedPnl => "REALIZED_PNL".into(),
        IncomeKind::Fee => "TRADING_FEE".into(),
        IncomeKind::Transfer => "TRANSFER".into(),
        IncomeKind::Other(s) => s.clone(),
    }
}

/// Income records from `/openApi/swap/v2/user/income`, ascending by time.
pub fn income(body: &[u8], endpoint: &str, map: &SymbolMap) -> Result<Vec<Income>> {
    let rows: Vec<wire::WireIncome> = rows_or_empty(body, endpoint)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (Some(amount), Some(ts)) = (r.income, r.time) else {
            return Err(decode_err(endpoint, body, "income without amount or time"));
        };
        let symbol = r
            .symbol
            .as_deref()
            .filter(|s| !s.is_empty())
            .and_then(|s| map.unified(MarketKind::LinearPerpetual, s).ok());
        out.push(Income {
            symbol,
            kind: income_kind(r.income_type.as_deref().unwrap_or("")),
            amount,
            asset: r.asset.unwrap_or_default(),
            id: r.tran_id,
            timestamp: ts,
        });
    }
    out.sort_by_key(|i| i.timestamp);
    Ok(out)
}

/// A plain acknowledgement (`code` 0) with no payload we use. Success is checked without
/// building `data` (the same answer as [`envelope`], which gives the error otherwise), so this
/// is also the cheap check of any reply's envelope.
pub fn ack(body: &[u8], endpoint: &str) -> Result<()> {
    match serde_json::from_slice::<wire::Reply<serde::de::IgnoredAny>>(body) {
        Ok(wire::Reply {
            code: None | Some(0), ..
        }) => Ok(()),
        _ => envelope(body, endpoint).map(|_| ()),
    }
}

/// The account's position mode from `GET /openApi/swap/v1/positionSide/dual`
/// (`dualSidePosition` `"true"` = hedge).
pub fn position_mode(body: &[u8], endpoint: &str) -> Result<PositionMode> {
    let data = envelope(body, endpoint)?;
    let v = data.get("dualSidePosition").cloned().unwrap_or(Value::Null);
    match de::value_bool(&v) {
        Ok(Some(true)) => Ok(PositionMode::Hedge),
        Ok(Some(false)) => Ok(PositionMode::OneWay),
        _ => Err(decode_err(endpoint, body, "missing data.dualSidePosition")),
    }
}

/// Ids of the orders a close-all-positions call sent.
pub fn close_all(body: &[u8], endpoint: &str) -> Result<Vec<String>> {
    let data = envelope(body, endpoint)?;
    if data.is_null() {
        return Ok(Vec::new());
    }
    let c: wire::WireCloseAll = typed(data, body, endpoint)?;
    Ok(c.success
        .unwrap_or_default()
        .iter()
        .filter_map(|v| de::value_id(v).ok().flatten())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn map() -> SymbolMap {
        let body = br#"{"code":0,"msg":"","data":[{"symbol":"BTC-USDT","asset":"BTC","currency":"USDT","pricePrecision":1,"quantityPrecision":4,"tradeMinQuantity":"0.0001","tradeMinUSDT":"2","status":1}]}"#;
        SymbolMap::from_markets(&swap_contracts(body, "GET /c").unwrap())
    }

    #[test]
    fn business_errors_are_typed() {
        let e = envelope(br#"{"code":80016,"msg":"order does not exist","data":{}}"#, "GET /o").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::OrderNotFound);
        assert_eq!(e.code(), Some("80016"));
        let e = envelope(br#"{"code":"100001","msg":"signature verification failed"}"#, "GET /o").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidSignature);
    }

    #[test]
    fn malformed_json_is_decode_with_excerpt() {
        let e = envelope(b"{\"code\":0,\"data\":[", "GET /openApi/swap/v2/quote/depth").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert_eq!(e.endpoint(), Some("GET /openApi/swap/v2/quote/depth"));
        assert!(e.excerpt().unwrap().starts_with("{\"code\":0"));
    }

    #[test]
    fn order_id_above_2_pow_53_is_exact() {
        let body = br#"{"code":0,"msg":"","data":{"order":{"symbol":"BTC-USDT","orderId":1736011869418901234,"side":"BUY","positionSide":"LONG","type":"LIMIT","origQty":"0.0010","price":"30000.0","executedQty":"0","status":"NEW","time":1700000000000}}}"#;
        let o = order(body, "GET /o", MarketKind::LinearPerpetual, &map(), None).unwrap();
        assert_eq!(o.id, "1736011869418901234");
        assert_eq!(o.position_side, Some(PositionSide::Long));
        assert_eq!(o.status, OrderStatus::New);
    }

    #[test]
    fn statuses_are_strict_and_complete() {
        for (s, want) in [
            ("NEW", OrderStatus::New),
            ("PENDING", OrderStatus::New),
            ("WORKING", OrderStatus::Pending),
            ("PARTIALLY_FILLED", OrderStatus::PartiallyFilled),
            ("FILLED", OrderStatus::Filled),
            ("CANCELED", OrderStatus::Canceled),
            ("CANCELLED", OrderStatus::Canceled),
            ("FAILED", OrderStatus::Rejected),
            ("EXPIRED", OrderStatus::Expired),
        ] {
            assert_eq!(order_status(s), Some(want), "{s}");
        }
        assert_eq!(order_status("SOMETHING_NEW"), None);
    }

    /// The one-pass decode, when it takes a reply, gives what the general path
    /// (`envelope` then `typed`) gives.
    fn agree(body: &[u8]) {
        fn same<T: DeserializeOwned + std::fmt::Debug>(body: &[u8]) {
            if let Some(f) = fast::<T>(body) {
                let s: Result<T> = envelope(body, "x").and_then(|d| typed(d, body, "x"));
                assert_eq!(
                    format!("{f:?}"),
                    format!("{:?}", s.unwrap()),
                    "{}",
                    String::from_utf8_lossy(body)
                );
            }
        }
        assert_eq!(
            format!("{:?}", ack(body, "x")),
            format!("{:?}", envelope(body, "x").map(|_| ())),
            "{}",
            String::from_utf8_lossy(body)
        );
        same::<wire::ServerTime>(body);
        same::<Vec<wire::SwapContract>>(body);
        same::<wire::SpotSymbols>(body);
        same::<Vec<wire::WireTrade>>(body);
        same::<Vec<wire::WireTicker>>(body);
        same::<wire::WireTicker>(body);
        same::<WireOrder>(body);
        same::<wire::WireOrderData>(body);
        // `order` as a whole against the general path (`data.order` or `data`).
        let general = envelope(body, "x").and_then(|mut d| {
            if let Some(inner) = d.get_mut("order") {
                d = inner.take();
            }
            typed::<WireOrder>(d, body, "x")
        });
        let one_pass = match fast::<wire::MapOnly<WireOrder>>(body) {
            Some(wire::MapOnly(w)) if !w.order_key => Some(w),
            _ => fast::<wire::MapOnly<wire::WireOrderData>>(body).map(|d| d.0.order),
        };
        if let Some(w) = one_pass {
            assert_eq!(
                format!("{w:?}"),
                format!("{:?}", general.unwrap()),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        same::<wire::SpotBalances>(body);
        same::<Vec<wire::WirePosition>>(body);
        same::<Vec<wire::WireIncome>>(body);
        if let Some(t) = fast::<wire::OneOrMany<wire::WireTicker>>(body) {
            let d = envelope(body, "x").unwrap();
            let s: Vec<wire::WireTicker> = match d {
                Value::Array(_) => typed(d, body, "x").unwrap(),
                other => vec![typed(other, body, "x").unwrap()],
            };
            assert_eq!(format!("{:?}", t.0), format!("{s:?}"));
        }
        let sym: Symbol = "BTC/USDT:USDT".parse().unwrap();
        if let Some(fast) = scan_trades(body, &sym) {
            let w: Vec<wire::WireTrade> = typed(envelope(body, "x").unwrap(), body, "x").unwrap();
            let slow: Vec<Trade> = w
                .into_iter()
                .map(|t| Trade {
                    symbol: sym.clone(),
                    id: t.id.unwrap_or_default(),
                    price: t.price.unwrap(),
                    qty: t.qty.unwrap(),
                    side: t.is_buyer_maker.map(Side::taker),
                    timestamp: t.time.unwrap(),
                })
                .collect();
            assert_eq!(
                format!("{fast:?}"),
                format!("{slow:?}"),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        if let Some((bids, asks, t)) = scan_depth(body) {
            let d: wire::WireDepth = typed(envelope(body, "x").unwrap(), body, "x").unwrap();
            let slow = (
                levels(&d.bids, body, "x").unwrap(),
                levels(&d.asks, body, "x").unwrap(),
                d.t.or(d.ts),
            );
            assert_eq!(format!("{:?}", (bids, asks, t)), format!("{slow:?}"));
        }
        if let Some(b) = fast::<wire::WireBook>(body) {
            let d: wire::WireDepth = typed(envelope(body, "x").unwrap(), body, "x").unwrap();
            let slow = (
                levels(&d.bids, body, "x").unwrap(),
                levels(&d.asks, body, "x").unwrap(),
                d.t,
                d.ts,
            );
            assert_eq!(format!("{:?}", (b.bids, b.asks, b.t, b.ts)), format!("{slow:?}"));
        }
    }

    fn json_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                json_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }

    #[test]
    fn one_pass_agrees_with_the_general_path_on_every_fixture() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut files = Vec::new();
        json_files(&root.join("bingx"), &mut files);
        json_files(&root.join("bench/bingx"), &mut files);
        assert!(files.len() > 20, "fixtures found: {}", files.len());
        // The fixtures are replies as the venue sends them.
        for f in &files {
            agree(&std::fs::read(f).unwrap());
        }
        // The replies as BingX sends them take the one-pass scan (the bench's speed).
        let sym: Symbol = "BTC/USDT:USDT".parse().unwrap();
        for (name, body) in files
            .iter()
            .map(|f| (f.display().to_string(), std::fs::read(f).unwrap()))
        {
            if name.ends_with("depth.json") {
                assert!(scan_depth(&body).is_some(), "{name} takes the depth scan");
            }
            if name.ends_with("trades.json") {
                assert!(scan_trades(&body, &sym).is_some(), "{name} takes the trades scan");
            }
        }
        // Edge replies: ids beyond 2^53, numbers and strings mixed, swap `data.order`, `null`.
        for b in [
            r#"{"code":0,"msg":"","data":{"order":{"symbol":"BTC-USDT","orderId":1736011869418901234,"side":"BUY","type":"LIMIT","origQty":"0.0010","price":30000.10,"status":"NEW","time":"1700000000000"}}}"#,
            r#"{"code":"0","data":{"bids":[["1.50","2"],[1.5,2.000,"x"]],"asks":[],"T":1700000000000}}"#,
            r#"{"code":0,"data":null}"#,
            r#"{"code":0,"data":[{"order":{"orderId":1,"symbol":"BTC-USDT"}}]}"#,
            r#"{"code":0,"data":{"order":null,"orderId":5}}"#,
            r#"{"code":0,"data":{"order":{"orderId":"7"},"orderId":5}}"#,
            r#"{"code":0,"data":{"bids":[["1.50"]]}}"#,
            r#"{"code":80016,"msg":"order does not exist","data":{}}"#,
        ] {
            agree(b.as_bytes());
        }
    }

    proptest! {
        #[test]
        fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let m = map();
            let s: Symbol = "BTC/USDT:USDT".parse().unwrap();
            let _ = envelope(&bytes, "x");
            let _ = swap_contracts(&bytes, "x");
            let _ = spot_symbols(&bytes, "x");
            let _ = tickers(&bytes, "x", MarketKind::LinearPerpetual, &m);
            let _ = order_book(&bytes, "x", &s);
            let _ = trades(&bytes, "x", &s);
            let _ = candles(&bytes, "x");
            let _ = order(&bytes, "x", MarketKind::LinearPerpetual, &m, Some(&s));
            let _ = orders(&bytes, "x", MarketKind::Spot, &m, None);
            let _ = swap_balances(&bytes, "x");
            let _ = spot_balances(&bytes, "x");
            let _ = positions(&bytes, "x", &m);
            let _ = income(&bytes, "x", &m);
            let _ = server_time(&bytes, "x");
        }

        #[test]
        fn json_shaped_inputs_never_panic(code in 0i64..3, data in "[\\[\\]{}\",:0-9a-zA-Z.\\-]{0,80}") {
            let body = format!("{{\"code\":{code},\"msg\":\"\",\"data\":{data}}}");
            let m = map();
            let s: Symbol = "BTC/USDT:USDT".parse().unwrap();
            let _ = order(body.as_bytes(), "x", MarketKind::LinearPerpetual, &m, Some(&s));
            let _ = candles(body.as_bytes(), "x");
            let _ = order_book(body.as_bytes(), "x", &s);
            let _ = positions(body.as_bytes(), "x", &m);
            let _ = swap_balances(body.as_bytes(), "x");
            agree(body.as_bytes());
        }

        #[test]
        fn book_scan_agrees(
            levels in proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof![
                        "-?[0-9]{1,22}(\\.[0-9]{0,12})?".prop_map(|s| format!("\"{s}\"")),
                        "-?[0-9]{1,7}(\\.[0-9]{1,7})?",
                        Just("\" 1.50 \"".to_string()),
                        Just("\"\"".to_string()),
                        Just("\"1e2\"".to_string()),
                        Just("\"2.5%\"".to_string()),
                        Just("\"-0\"".to_string()),
                        Just("null".to_string()),
                    ],
                    0..4,
                ),
                0..6,
            ),
            code in prop_oneof![Just("0"), Just("\"0\""), Just("-0"), Just("1"), Just("\" 0\"")],
            time in prop_oneof![Just(r#","T":1700000000000"#), Just(r#","ts":"17""#), Just(""), Just(r#","T":1.5"#), Just(r#","T":-3,"ts":4"#)],
        ) {
            let rows: Vec<String> = levels.iter().map(|l| format!("[{}]", l.join(","))).collect();
            let side = format!("[{}]", rows.join(","));
            agree(format!(r#"{{"code":{code},"msg":"","data":{{"bids":{side},"asks":{side}{time}}}}}"#).as_bytes());
            agree(format!(r#" {{ "timestamp" : 1 , "data" : {{ "asks" : {side} }} , "code" : {code} }} "#).as_bytes());
        }

        #[test]
        fn trades_scan_agrees(
            rows in proptest::collection::vec(
                (
                    prop_oneof![
                        "(0|[1-9][0-9]{0,21})",
                        Just("-0".to_string()),
                        Just("-7".to_string()),
                        Just("\" 12 \"".to_string()),
                        Just("\"\"".to_string()),
                        Just("1.5".to_string()),
                    ],
                    prop_oneof![
                        "-?(0|[1-9][0-9]{0,6})(\\.[0-9]{1,7})?",
                        "-?(0|[1-9][0-9]{0,6})(\\.[0-9]{1,7})?".prop_map(|s| format!("\"{s}\"")),
                        Just("-0".to_string()),
                        Just("1e2".to_string()),
                    ],
                    prop_oneof![Just("1700000000000"), Just("-0"), Just("\"5\""), Just("1.0")],
                    prop_oneof![Just(r#","buyerMaker":true"#), Just(r#","isBuyerMaker":false"#), Just(""), Just(r#","buyerMaker":"true""#)],
                ),
                0..4,
            )
        ) {
            let objs: Vec<String> = rows
                .iter()
                .map(|(id, px, t, m)| format!(r#"{{"id":{id},"price":{px},"qty":{px},"time":{t}{m}}}"#))
                .collect();
            agree(format!(r#"{{"code":0,"timestamp":1,"data":[{}]}}"#, objs.join(",")).as_bytes());
        }

        #[test]
        fn one_pass_agrees_on_json_shaped_rows(
            rows in proptest::collection::vec(
                proptest::collection::vec(
                    (
                        prop_oneof![
                            Just("price"), Just("qty"), Just("time"), Just("id"), Just("symbol"),
                            Just("orderId"), Just("positionAmt"), Just("lastPrice"), Just("order"),
                            Just("buyerMaker"), Just("isBuyerMaker"),
                        ],
                        prop_oneof![
                            "[0-9.]{1,12}".prop_map(|s| format!("\"{s}\"")),
                            "[0-9]{1,22}",
                            Just("null".to_string()),
                            Just("true".to_string()),
                            Just("\"\"".to_string()),
                            Just("\"BTC-USDT\"".to_string()),
                            Just("false".to_string()),
                            Just("-0".to_string()),
                            Just("-1.50".to_string()),
                            Just("1e2".to_string()),
                            Just("\" 7 \"".to_string()),
                        ],
                    ),
                    0..5,
                ),
                0..4,
            )
        ) {
            let objs: Vec<String> = rows
                .iter()
                .map(|r| {
                    let fields: Vec<String> = r.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                    format!("{{{}}}", fields.join(","))
                })
                .collect();
            agree(format!(r#"{{"code":0,"data":[{}]}}"#, objs.join(",")).as_bytes());
            if let Some(first) = objs.first() {
                agree(format!(r#"{{"code":0,"data":{first}}}"#).as_bytes());
            }
        }
    }
}
