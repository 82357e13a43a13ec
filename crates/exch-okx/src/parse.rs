//! OKX wire types → core models. Never panics: malformed numbers and unknown states become
//! `Decode` errors (or `None` for optional fields).
//!
//! SWAP sizes are contracts on the wire; every quantity here is converted to base units with
//! the market's `contract_size` (`ctVal × ctMult`), and positions report both.

use std::str::FromStr;

use exch_core::scan::{self, once, Cells, LevelSpec, Scanner};
use exch_core::{
    Balance, Candle, Decimal, Error, ErrorKind, Income, IncomeKind, Level, MarginMode, Market, MarketKind,
    MarketStatus, Order, OrderBook, OrderStatus, OrderType, Position, PositionMode, PositionSide, Result, Side, Ticker,
    TimeInForce, TimestampMs, Trade, Venue,
};
use serde::de::DeserializeOwned;

use crate::errors::venue_error;
use crate::symbols::{unified_symbol, MarketMap};
use crate::wire;

/// An optional decimal: empty → `None`; plain or scientific notation, scale as sent
/// ([`exch_core::de::parse_decimal`]: the result of `decimal_from_text`, without allocating).
pub fn opt_dec(s: &str) -> Option<Decimal> {
    exch_core::de::parse_decimal(s)
}

fn bad(what: &str, value: &str) -> Error {
    Error::new(ErrorKind::Decode, format!("bad OKX {what} `{value}`")).with_venue(Venue::Okx)
}

/// A required decimal.
pub fn dec(what: &str, s: &str) -> Result<Decimal> {
    opt_dec(s).ok_or_else(|| bad(what, s))
}

/// An optional ms timestamp.
pub fn opt_ms(s: &str) -> Option<TimestampMs> {
    s.trim().parse().ok()
}

/// A required ms timestamp.
pub fn ms(what: &str, s: &str) -> Result<TimestampMs> {
    opt_ms(s).ok_or_else(|| bad(what, s))
}

/// `q × cs`, without the multiplication when the contract size is one (spot): the same value,
/// and callers normalize it.
fn times(q: Decimal, cs: Decimal) -> Decimal {
    if cs == Decimal::ONE {
        q
    } else {
        q * cs
    }
}

/// A quantity in base units: `(q × cs).normalize()`.
fn base_qty(q: Decimal, cs: Decimal) -> Decimal {
    times(q, cs).normalize()
}

/// Decodes an envelope and returns its rows when `code` is `"0"` (or `"2"`, partial batch
/// success, whose rows carry their own `sCode`). Otherwise the error of the first failing
/// item's `sCode` (the real reason), or of the top-level code.
///
/// A success reply is decoded in one pass into `wire::Envelope<T>` (the body checked as UTF-8
/// once, not string by string); anything else (an error code, a body or row that does not
/// decode) takes the general path below, which reads the reply as a `serde_json::Value`
/// first, so errors are the same either way.
pub fn envelope<T: DeserializeOwned>(endpoint: &str, status: u16, body: &[u8]) -> Result<Vec<T>> {
    if let Ok(text) = std::str::from_utf8(body) {
        if let Ok(e) = serde_json::from_str::<wire::Envelope<T>>(text) {
            if e.code == "0" || e.code == "2" {
                return Ok(e.data);
            }
        }
    }
    envelope_general(endpoint, status, body)
}

/// The error of a reply whose `code` is not `"0"`/`"2"` (HTTP 200 included), as [`envelope`]
/// reports it; `None` for a success reply or a body that is not an envelope. This is the
/// transport's error hook, run on every reply: a success reply is read for its `code` only
/// (the rows skipped, no `Value` tree).
pub fn reply_error(endpoint: &str, status: u16, body: &[u8]) -> Option<Error> {
    // Invalid UTF-8 never decodes as an envelope (`Value` rejects it too).
    let text = std::str::from_utf8(body).ok()?;
    let env: wire::Envelope<serde::de::IgnoredAny> = serde_json::from_str(text).ok()?;
    if env.code == "0" || env.code == "2" {
        return None;
    }
    envelope_general::<serde_json::Value>(endpoint, status, body).err()
}

/// [`envelope`] through a `serde_json::Value` tree: the error of an error reply, or the rows.
fn envelope_general<T: DeserializeOwned>(endpoint: &str, status: u16, body: &[u8]) -> Result<Vec<T>> {
    let raw: wire::Envelope<serde_json::Value> = match serde_json::from_slice(body) {
        Ok(e) => e,
        Err(e) => {
            let err = Error::decode(endpoint, body, e)
                .with_venue(Venue::Okx)
                .with_http_status(status);
            return Err(err);
        }
    };
    if raw.code != "0" && raw.code != "2" {
        for item in &raw.data {
            let s_code = item.get("sCode").and_then(json_str).unwrap_or_default();
            if !s_code.is_empty() && s_code != "0" {
                let s_msg = item.get("sMsg").and_then(json_str).unwrap_or_default();
                return Err(venue_error(&s_code, &s_msg, Some(status), endpoint));
            }
        }
        return Err(venue_error(&raw.code, &raw.msg, Some(status), endpoint));
    }
    raw.data
        .into_iter()
        .map(|v| serde_json::from_value(v).map_err(|e| Error::decode(endpoint, body, e).with_venue(Venue::Okx)))
        .collect()
}

fn json_str(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The error of a failed per-item acknowledgement (`sCode` other than `"0"`), if any.
pub fn ack_error(ack: &wire::OrderAck, endpoint: &str) -> Option<Error> {
    (!ack.s_code.is_empty() && ack.s_code != "0").then(|| venue_error(&ack.s_code, &ack.s_msg, Some(200), endpoint))
}

/// Server time in ms.
pub fn server_time(rows: &[wire::ServerTime]) -> Result<TimestampMs> {
    let row = rows.first().ok_or_else(|| bad("server time", "<empty>"))?;
    ms("server time", &row.ts)
}

/// Base units per contract of an instrument: `ctVal × ctMult` for swaps, 1 for spot.
pub fn contract_size(inst: &wire::Instrument) -> Result<Decimal> {
    if inst.inst_type != "SWAP" {
        return Ok(Decimal::ONE);
    }
    let val = dec("ctVal", &inst.ct_val)?;
    let mult = opt_dec(&inst.ct_mult).unwrap_or(Decimal::ONE);
    Ok((val * mult).normalize())
}

/// A unified market from an instrument; `Ok(None)` for kinds this crate does not trade
/// (futures, options, inverse swaps).
pub fn market(inst: &wire::Instrument) -> Result<Option<Market>> {
    let Some(symbol) = unified_symbol(inst) else {
        return Ok(None);
    };
    // Coin-margined swaps size contracts in USD, not base units: out of scope.
    if inst.ct_type == "inverse" {
        return Ok(None);
    }
    let cs = contract_size(inst)?;
    let status = match inst.state.as_str() {
        "live" => MarketStatus::Trading,
        "suspend" => MarketStatus::Halted,
        "expired" => MarketStatus::Closed,
        other => MarketStatus::Unknown(other.to_string()),
    };
    let tick = dec("tickSz", &inst.tick_sz)?;
    let lot = dec("lotSz", &inst.lot_sz)?;
    let base = |d: Decimal| base_qty(d, cs);
    Ok(Some(Market {
        kind: symbol.kind(),
        symbol,
        venue_symbol: inst.inst_id.clone(),
        status,
        tick_size: tick.normalize(),
        step_size: base(lot),
        min_qty: opt_dec(&inst.min_sz).map(base),
        max_qty: opt_dec(&inst.max_lmt_sz).map(base),
        // OKX documents no minimum-notional field.
        min_notional: None,
        contract_size: cs,
    }))
}

/// Every SPOT and SWAP market of an instrument list.
pub fn markets(insts: &[wire::Instrument]) -> Result<Vec<Market>> {
    let mut out = Vec::with_capacity(insts.len());
    for i in insts {
        if let Some(m) = market(i)? {
            out.push(m);
        }
    }
    Ok(out)
}

/// A ticker. Swap sizes are contracts on the wire (converted); swap `vol24h` is contracts,
/// `volCcy24h` base; spot `vol24h` is base, `volCcy24h` quote.
pub fn ticker(t: &wire::Ticker, m: &Market) -> Ticker {
    let cs = m.contract_size;
    let last = opt_dec(&t.last);
    let open = opt_dec(&t.open_24h);
    let (base_volume, quote_volume) = if m.kind == MarketKind::Spot {
        (opt_dec(&t.vol_24h), opt_dec(&t.vol_ccy_24h))
    } else {
        (opt_dec(&t.vol_24h).map(|v| base_qty(v, cs)), None)
    };
    let change_percent = match (last, open) {
        (Some(l), Some(o)) if !o.is_zero() => Some(((l - o) / o * Decimal::ONE_HUNDRED).normalize()),
        _ => None,
    };
    Ticker {
        symbol: m.symbol.clone(),
        last,
        bid: opt_dec(&t.bid_px),
        bid_qty: opt_dec(&t.bid_sz).map(|q| base_qty(q, cs)),
        ask: opt_dec(&t.ask_px),
        ask_qty: opt_dec(&t.ask_sz).map(|q| base_qty(q, cs)),
        open,
        high: opt_dec(&t.high_24h),
        low: opt_dec(&t.low_24h),
        base_volume,
        quote_volume,
        change_percent,
        timestamp: opt_ms(&t.ts),
    }
}

/// A required decimal read while decoding; the text as sent in the error.
fn cell(what: &str, c: &wire::DecimalText) -> Result<Decimal> {
    match c {
        wire::DecimalText::Decimal(d) => Ok(*d),
        wire::DecimalText::Text(t) => Err(bad(what, t)),
    }
}

fn levels(rows: &[wire::BookLevel], cs: Decimal) -> Result<Vec<Level>> {
    rows.iter()
        .map(|r| {
            Ok(Level {
                price: cell("book price", &r.px)?,
                qty: base_qty(cell("book size", &r.sz)?, cs),
            })
        })
        .collect()
}

/// An order book (swap sizes converted to base units).
pub fn order_book(rows: &[wire::Book], m: &Market) -> Result<OrderBook> {
    let b = rows.first().ok_or_else(|| bad("order book", "<empty>"))?;
    Ok(OrderBook {
        symbol: m.symbol.clone(),
        bids: levels(&b.bids, m.contract_size)?,
        asks: levels(&b.asks, m.contract_size)?,
        sequence: None,
        timestamp: opt_ms(&b.ts),
    })
}

/// A `GET /api/v5/market/books` reply decoded into an order book: in one pass with
/// [`exch_core::scan`] when the reply is an ordinary success (`code` `"0"`, one row, string
/// cells, no escapes), otherwise [`envelope`] + [`order_book`], so the result and every error
/// are exactly theirs. This is what the client calls.
pub fn order_book_reply(endpoint: &str, status: u16, body: &[u8], m: &Market) -> Result<OrderBook> {
    if let Some(b) = scan_order_book(body, m) {
        return Ok(b);
    }
    order_book(&envelope::<wire::Book>(endpoint, status, body)?, m)
}

/// A `GET /api/v5/market/trades` reply decoded into trades: in one pass with
/// [`exch_core::scan`] when the reply is an ordinary success, otherwise [`envelope`] +
/// [`trade`] (same results, same errors). This is what the client calls.
pub fn trades_reply(endpoint: &str, status: u16, body: &[u8], m: &Market) -> Result<Vec<Trade>> {
    if let Some(t) = scan_trades(body, m) {
        return Ok(t);
    }
    envelope::<wire::Trade>(endpoint, status, body)?
        .iter()
        .map(|t| trade(t, m))
        .collect()
}

/// Scans `{"code":"0","msg":…,"data":[…]}` (keys in any order, others skipped), handing the
/// scanner to `data` at the `data` array. `None` unless `code` is the string `"0"`.
fn scan_envelope<'a>(body: &'a [u8], mut data: impl FnMut(&mut Scanner<'a>) -> Option<()>) -> Option<()> {
    let mut sc = Scanner::from_bytes(body)?;
    let (mut code, mut msg, mut rows) = (None, None, None);
    sc.object(|k, sc| match k {
        "code" => once(&mut code, sc.str()?),
        "msg" => once(&mut msg, sc.str()?),
        "data" => {
            once(&mut rows, ())?;
            data(sc)
        }
        _ => sc.skip_value(),
    })?;
    sc.end()?;
    (code? == "0" && rows.is_some()).then_some(())
}

/// The one-pass book of [`order_book_reply`], or `None` (take the serde path).
fn scan_order_book(body: &[u8], m: &Market) -> Option<OrderBook> {
    let cs = m.contract_size;
    let one = cs == Decimal::ONE;
    // Prices as sent; sizes normalized while parsing when there is nothing to multiply.
    let spec = LevelSpec {
        cells: Cells::Strings,
        normalize_price: false,
        normalize_qty: one,
        more_cells: true,
    };
    let mut book = None;
    scan_envelope(body, |sc| {
        sc.array(|sc| {
            if book.is_some() {
                return None; // more than one row: left to the serde path
            }
            let (mut asks, mut bids, mut ts) = (None, None, None);
            sc.object(|k, sc| match k {
                "asks" => once(&mut asks, sc.levels(spec)?),
                "bids" => once(&mut bids, sc.levels(spec)?),
                "ts" => once(&mut ts, sc.str()?),
                _ => sc.skip_value(),
            })?;
            book = Some((asks.unwrap_or_default(), bids.unwrap_or_default(), ts.unwrap_or("")));
            Some(())
        })
    })?;
    let (mut asks, mut bids, ts): (Vec<Level>, Vec<Level>, &str) = book?;
    if !one {
        for l in asks.iter_mut().chain(bids.iter_mut()) {
            l.qty = base_qty(l.qty, cs);
        }
    }
    Some(OrderBook {
        symbol: m.symbol.clone(),
        bids,
        asks,
        sequence: None,
        timestamp: opt_ms(ts),
    })
}

/// The one-pass trades of [`trades_reply`], or `None` (take the serde path).
fn scan_trades(body: &[u8], m: &Market) -> Option<Vec<Trade>> {
    let cs = m.contract_size;
    let one = cs == Decimal::ONE;
    let mut out = Vec::new();
    scan_envelope(body, |sc| {
        sc.array(|sc| {
            // instId, tradeId, px, sz, side, ts (`wire::Trade`; absent fields are empty).
            let mut f: [Option<&str>; 6] = [None; 6];
            sc.object(|k, sc| {
                let i = match k {
                    "instId" => 0,
                    "tradeId" => 1,
                    "px" => 2,
                    "sz" => 3,
                    "side" => 4,
                    "ts" => 5,
                    _ => return sc.skip_value(),
                };
                once(&mut f[i], sc.str()?)
            })?;
            let g = |i: usize| f[i].unwrap_or("");
            let qty = if one {
                scan::decimal(g(3), true)?
            } else {
                base_qty(scan::decimal(g(3), false)?, cs)
            };
            out.push(Trade {
                symbol: m.symbol.clone(),
                id: g(1).to_string(),
                price: scan::decimal(g(2), false)?,
                qty,
                side: Side::from_str(g(4)).ok(),
                timestamp: opt_ms(g(5))?,
            });
            Some(())
        })
    })?;
    Some(out)
}

/// A public trade.
pub fn trade(t: &wire::Trade, m: &Market) -> Result<Trade> {
    Ok(Trade {
        symbol: m.symbol.clone(),
        id: t.trade_id.clone(),
        price: dec("trade price", &t.px)?,
        qty: base_qty(dec("trade size", &t.sz)?, m.contract_size),
        side: Side::from_str(&t.side).ok(),
        timestamp: ms("trade time", &t.ts)?,
    })
}

/// A candle row `[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]`. Swap `vol` is
/// contracts (converted to base).
pub fn candle(row: &[String], m: &Market) -> Result<Candle> {
    let f = |i: usize| row.get(i).map(String::as_str).unwrap_or("");
    Ok(Candle {
        open_time: ms("candle time", f(0))?,
        open: dec("candle open", f(1))?,
        high: dec("candle high", f(2))?,
        low: dec("candle low", f(3))?,
        close: dec("candle close", f(4))?,
        volume: base_qty(dec("candle volume", f(5))?, m.contract_size),
        quote_volume: opt_dec(f(7)),
        closed: match f(8) {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        },
    })
}

/// Candle rows (newest first on the wire) in ascending order.
pub fn candles(rows: &[wire::CandleRow], m: &Market) -> Result<Vec<Candle>> {
    let mut out = rows.iter().map(|r| candle(r, m)).collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|c| c.open_time);
    out.dedup_by_key(|c| c.open_time);
    Ok(out)
}

/// Maps an order state (strict).
pub fn order_status(state: &str) -> Result<OrderStatus> {
    Ok(match state {
        "live" => OrderStatus::New,
        "partially_filled" => OrderStatus::PartiallyFilled,
        "filled" => OrderStatus::Filled,
        "canceled" | "mmp_canceled" => OrderStatus::Canceled,
        other => return Err(bad("order state", other)),
    })
}

/// Maps an `ordType` to the unified type and time in force (strict).
pub fn order_kind(ord_type: &str) -> Result<(OrderType, Option<TimeInForce>)> {
    Ok(match ord_type {
        "market" => (OrderType::Market, None),
        "optimal_limit_ioc" => (OrderType::Market, Some(TimeInForce::Ioc)),
        "limit" => (OrderType::Limit, Some(TimeInForce::Gtc)),
        "post_only" => (OrderType::Limit, Some(TimeInForce::PostOnly)),
        "fok" => (OrderType::Limit, Some(TimeInForce::Fok)),
        "ioc" => (OrderType::Limit, Some(TimeInForce::Ioc)),
        other => return Err(bad("order type", other)),
    })
}

fn position_side(s: &str) -> Option<PositionSide> {
    match s {
        "long" => Some(PositionSide::Long),
        "short" => Some(PositionSide::Short),
        _ => None,
    }
}

/// A regular order. Spot market buys sized in quote currency (`tgtCcy=quote_ccy`) report
/// their filled base quantity as `qty`.
pub fn order(o: &wire::Order, m: &Market) -> Result<Order> {
    let (order_type, time_in_force) = order_kind(&o.ord_type)?;
    let cs = m.contract_size;
    let side = Side::from_str(&o.side).map_err(|_| bad("side", &o.side))?;
    let filled = times(opt_dec(&o.acc_fill_sz).unwrap_or(Decimal::ZERO), cs);
    let sz = dec("order size", &o.sz)?;
    let quote_sized = m.kind == MarketKind::Spot && o.tgt_ccy == "quote_ccy" && order_type == OrderType::Market;
    let qty = if quote_sized { filled } else { times(sz, cs) };
    Ok(Order {
        symbol: m.symbol.clone(),
        id: o.ord_id.clone(),
        client_order_id: (!o.cl_ord_id.is_empty()).then(|| o.cl_ord_id.clone()),
        side,
        order_type,
        time_in_force,
        price: opt_dec(&o.px).filter(|p| !p.is_zero()),
        trigger_price: None,
        qty: qty.normalize(),
        filled_qty: filled.normalize(),
        avg_price: opt_dec(&o.avg_px).filter(|p| !p.is_zero()),
        status: order_status(&o.state)?,
        reduce_only: o.reduce_only == "true",
        position_side: position_side(&o.pos_side),
        created_at: opt_ms(&o.c_time),
        updated_at: opt_ms(&o.u_time),
    })
}

/// The order just placed, from its acknowledgement and the request that was sent: OKX
/// acknowledges with ids only, so the rest comes from the request. Regular orders start
/// `New`, algo orders `Pending` (waiting for the trigger).
pub fn order_from_ack(ack: &wire::OrderAck, req: &exch_core::OrderRequest, m: &Market) -> Order {
    let algo = req.order_type.is_conditional();
    let (id, cid) = if algo {
        (
            &ack.algo_id,
            if ack.algo_cl_ord_id.is_empty() {
                &ack.cl_ord_id
            } else {
                &ack.algo_cl_ord_id
            },
        )
    } else {
        (&ack.ord_id, &ack.cl_ord_id)
    };
    Order {
        symbol: m.symbol.clone(),
        id: id.clone(),
        client_order_id: (!cid.is_empty())
            .then(|| cid.clone())
            .or_else(|| req.client_order_id.clone()),
        side: req.side,
        order_type: req.order_type,
        time_in_force: match req.order_type {
            OrderType::Limit => Some(req.time_in_force.unwrap_or(TimeInForce::Gtc)),
            _ => None,
        },
        price: req.price,
        trigger_price: req.trigger_price,
        qty: req.qty,
        filled_qty: Decimal::ZERO,
        avg_price: None,
        status: if algo { OrderStatus::Pending } else { OrderStatus::New },
        reduce_only: req.reduce_only,
        position_side: req.position_side,
        created_at: opt_ms(&ack.ts),
        updated_at: opt_ms(&ack.ts),
    }
}

/// Maps an algo order state (strict).
pub fn algo_status(state: &str) -> Result<OrderStatus> {
    Ok(match state {
        "live" | "pause" => OrderStatus::Pending,
        "partially_effective" => OrderStatus::PartiallyFilled,
        "effective" => OrderStatus::Filled,
        "canceled" => OrderStatus::Canceled,
        "order_failed" => OrderStatus::Rejected,
        other => return Err(bad("algo state", other)),
    })
}

/// An algo order (stop, take-profit, trigger, trailing) as a unified order; the algo id is
/// the order id.
pub fn algo_order(o: &wire::AlgoOrder, m: &Market) -> Result<Order> {
    let limit_px = |s: &str| opt_dec(s).filter(|p| *p > Decimal::ZERO);
    let (order_type, trigger, price) = match o.ord_type.as_str() {
        "trigger" => {
            let px = limit_px(&o.ord_px);
            let t = if px.is_some() {
                OrderType::StopLimit
            } else {
                OrderType::StopMarket
            };
            (t, opt_dec(&o.trigger_px), px)
        }
        "conditional" | "oco" if !o.sl_trigger_px.is_empty() && o.tp_trigger_px.is_empty() => {
            let px = limit_px(&o.sl_ord_px);
            let t = if px.is_some() {
                OrderType::StopLimit
            } else {
                OrderType::StopMarket
            };
            (t, opt_dec(&o.sl_trigger_px), px)
        }
        "conditional" | "oco" => {
            let px = limit_px(&o.tp_ord_px);
            let t = if px.is_some() {
                OrderType::TakeProfitLimit
            } else {
                OrderType::TakeProfitMarket
            };
            (t, opt_dec(&o.tp_trigger_px), px)
        }
        "move_order_stop" => (OrderType::TrailingStop, opt_dec(&o.active_px), None),
        other => return Err(bad("algo order type", other)),
    };
    let side = Side::from_str(&o.side).map_err(|_| bad("side", &o.side))?;
    Ok(Order {
        symbol: m.symbol.clone(),
        id: o.algo_id.clone(),
        client_order_id: (!o.algo_cl_ord_id.is_empty()).then(|| o.algo_cl_ord_id.clone()),
        side,
        order_type,
        time_in_force: None,
        price,
        trigger_price: trigger,
        qty: base_qty(opt_dec(&o.sz).unwrap_or(Decimal::ZERO), m.contract_size),
        filled_qty: Decimal::ZERO,
        avg_price: None,
        status: algo_status(&o.state)?,
        reduce_only: o.reduce_only == "true",
        position_side: position_side(&o.pos_side),
        created_at: opt_ms(&o.c_time),
        updated_at: opt_ms(&o.u_time),
    })
}

/// Non-zero balances of the trading account: `free = availBal`, `total = cashBal` (or `eq`
/// when absent), `locked = min(frozenBal, total - free)`.
pub fn balances(rows: &[wire::AccountBalance]) -> Vec<Balance> {
    let mut out = Vec::new();
    for row in rows {
        for d in &row.details {
            let free = opt_dec(&d.avail_bal).unwrap_or(Decimal::ZERO);
            let frozen = opt_dec(&d.frozen_bal).unwrap_or(Decimal::ZERO);
            let total = opt_dec(&d.cash_bal).or_else(|| opt_dec(&d.eq)).unwrap_or(free + frozen);
            // `frozenBal` can exceed the cash balance (margin borrowed in multi-currency
            // mode); `locked` never exceeds `total - free`.
            let locked = (total - free).max(Decimal::ZERO).min(frozen.max(Decimal::ZERO));
            if total.is_zero() && free.is_zero() && locked.is_zero() {
                continue;
            }
            out.push(Balance {
                asset: d.ccy.clone(),
                free: free.normalize(),
                locked: locked.normalize(),
                total: total.normalize(),
            });
        }
    }
    out
}

/// A position; `Ok(None)` for a zero position. `pos` is signed in net mode, so the side comes
/// from the sign there and from `posSide` in long/short mode.
pub fn position(p: &wire::Position, m: &Market) -> Result<Option<Position>> {
    let pos = dec("position size", &p.pos)?;
    if pos.is_zero() {
        return Ok(None);
    }
    let (side, mode) = match p.pos_side.as_str() {
        "long" => (PositionSide::Long, PositionMode::Hedge),
        "short" => (PositionSide::Short, PositionMode::Hedge),
        _ if pos.is_sign_negative() => (PositionSide::Short, PositionMode::OneWay),
        _ => (PositionSide::Long, PositionMode::OneWay),
    };
    let contracts = pos.abs().normalize();
    Ok(Some(Position {
        symbol: m.symbol.clone(),
        side,
        size: base_qty(contracts, m.contract_size),
        contracts,
        contract_size: m.contract_size,
        entry_price: opt_dec(&p.avg_px),
        mark_price: opt_dec(&p.mark_px),
        liquidation_price: opt_dec(&p.liq_px).filter(|x| !x.is_zero()),
        unrealized_pnl: opt_dec(&p.upl),
        leverage: opt_dec(&p.lever),
        margin_mode: match p.mgn_mode.as_str() {
            "cross" => Some(MarginMode::Cross),
            "isolated" => Some(MarginMode::Isolated),
            _ => None,
        },
        position_mode: Some(mode),
        timestamp: opt_ms(&p.u_time).or_else(|| opt_ms(&p.c_time)),
    }))
}

/// Non-zero positions of known markets.
pub fn positions(rows: &[wire::Position], markets: &MarketMap) -> Result<Vec<Position>> {
    let mut out = Vec::new();
    for p in rows {
        let Ok(m) = markets.by_inst_id(&p.inst_id) else {
            continue;
        };
        if let Some(pos) = position(p, m)? {
            out.push(pos);
        }
    }
    Ok(out)
}

/// The income kind of a bill `type`.
pub fn income_kind(bill_type: &str) -> IncomeKind {
    match bill_type {
        "8" => IncomeKind::Funding,
        "1" => IncomeKind::Transfer,
        "2" => IncomeKind::Other("trade".into()),
        other => IncomeKind::Other(format!("bill_type_{other}")),
    }
}

/// An income record from a bill; the amount is the balance change.
pub fn income(b: &wire::Bill, markets: &MarketMap) -> Result<Income> {
    Ok(Income {
        symbol: markets.symbol(&b.inst_id).ok().cloned(),
        kind: income_kind(&b.bill_type),
        amount: dec("bill balance change", &b.bal_chg)?.normalize(),
        asset: b.ccy.clone(),
        id: (!b.bill_id.is_empty()).then(|| b.bill_id.clone()),
        timestamp: ms("bill time", &b.ts)?,
    })
}

/// An income record of the wanted kind from a bill, or `None` when the bill holds none of it.
/// Trade bills (`type` 2) carry the realized PnL in `pnl` and the fee in `fee`; other kinds
/// take the balance change of bills of their type.
pub fn income_of_kind(b: &wire::Bill, markets: &MarketMap, kind: &IncomeKind) -> Result<Option<Income>> {
    let pick = |value: &str, k: IncomeKind| -> Result<Option<Income>> {
        let Some(amount) = opt_dec(value).filter(|v| !v.is_zero()) else {
            return Ok(None);
        };
        let mut i = income(b, markets)?;
        i.kind = k;
        i.amount = amount.normalize();
        Ok(Some(i))
    };
    match kind {
        IncomeKind::RealizedPnl if b.bill_type == "2" => pick(&b.pnl, IncomeKind::RealizedPnl),
        IncomeKind::Fee if b.bill_type == "2" => pick(&b.fee, IncomeKind::Fee),
        IncomeKind::RealizedPnl | IncomeKind::Fee => Ok(None),
        k => {
            let i = income(b, markets)?;
            Ok((&i.kind == k).then_some(i))
        }
    }
}

/// The position mode from `GET /api/v5/account/config`.
pub fn position_mode(rows: &[wire::AccountConfig]) -> Result<PositionMode> {
    match rows.first().map(|r| r.pos_mode.as_str()) {
        Some("long_short_mode") => Ok(PositionMode::Hedge),
        Some("net_mode") => Ok(PositionMode::OneWay),
        other => Err(bad("posMode", other.unwrap_or("<empty>"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn swap() -> wire::Instrument {
        serde_json::from_str(
            r#"{"instType":"SWAP","instId":"BTC-USDT-SWAP","instFamily":"BTC-USDT","settleCcy":"USDT",
            "ctVal":"0.01","ctMult":"1","ctValCcy":"BTC","ctType":"linear","tickSz":"0.1","lotSz":"0.1",
            "minSz":"0.1","maxLmtSz":"100000000","state":"live"}"#,
        )
        .unwrap()
    }

    #[test]
    fn swap_market_is_in_base_units() {
        let m = market(&swap()).unwrap().unwrap();
        assert_eq!(m.contract_size, dec!(0.01));
        assert_eq!(m.step_size, dec!(0.001));
        assert_eq!(m.min_qty, Some(dec!(0.001)));
        assert_eq!(m.symbol.to_string(), "BTC/USDT:USDT");
    }

    #[test]
    fn envelope_surfaces_scode() {
        let body = br#"{"code":"1","msg":"All operations failed","data":[{"ordId":"","clOrdId":"a","sCode":"51008","sMsg":"Insufficient balance"}]}"#;
        let e = envelope::<wire::OrderAck>("POST /api/v5/trade/order", 200, body).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InsufficientFunds);
        assert_eq!(e.code(), Some("51008"));
        let e = envelope::<wire::OrderAck>("x", 200, br#"{"code":"50113","msg":"Invalid Sign"}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidSignature);
        let e = envelope::<wire::OrderAck>("x", 200, b"<html>").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
    }

    #[test]
    fn net_mode_short_from_sign() {
        let m = market(&swap()).unwrap().unwrap();
        let p = wire::Position {
            inst_id: "BTC-USDT-SWAP".into(),
            pos: "-3".into(),
            pos_side: "net".into(),
            ..Default::default()
        };
        let pos = position(&p, &m).unwrap().unwrap();
        assert_eq!(pos.side, PositionSide::Short);
        assert_eq!(pos.contracts, dec!(3));
        assert_eq!(pos.size, dec!(0.03));
        assert_eq!(pos.position_mode, Some(PositionMode::OneWay));
        let zero = wire::Position { pos: "0".into(), ..p };
        assert!(position(&zero, &m).unwrap().is_none());
    }

    #[test]
    fn states_are_strict() {
        assert_eq!(order_status("live").unwrap(), OrderStatus::New);
        assert_eq!(order_status("partially_filled").unwrap(), OrderStatus::PartiallyFilled);
        assert_eq!(order_status("filled").unwrap(), OrderStatus::Filled);
        assert_eq!(order_status("canceled").unwrap(), OrderStatus::Canceled);
        assert_eq!(order_status("mmp_canceled").unwrap(), OrderStatus::Canceled);
        assert_eq!(order_status("weird").unwrap_err().kind(), ErrorKind::Decode);
        assert_eq!(algo_status("effective").unwrap(), OrderStatus::Filled);
        assert_eq!(algo_status("order_failed").unwrap(), OrderStatus::Rejected);
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/../../fixtures/okx/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The one-pass envelope against the general (`Value` tree) path: same rows, same errors.
    fn same<T: DeserializeOwned + std::fmt::Debug>(body: &[u8]) {
        let fast = envelope::<T>("x", 200, body);
        let general = envelope_general::<T>("x", 200, body);
        assert_eq!(
            format!("{fast:?}"),
            format!("{general:?}"),
            "{}",
            String::from_utf8_lossy(body)
        );
    }

    #[test]
    fn one_pass_envelope_equals_the_general_path() {
        for f in ["market_books_spot.json", "market_books_swap.json"] {
            same::<wire::Book>(&fixture(f));
        }
        same::<wire::Trade>(&fixture("market_trades_spot.json"));
        same::<wire::Ticker>(&fixture("market_ticker_spot.json"));
        same::<wire::CandleRow>(&fixture("market_candles_spot.json"));
        for f in [
            "trade_order_spot.json",
            "trade_orders_history_swap.json",
            "trade_orders_pending_swap.json",
        ] {
            same::<wire::Order>(&fixture(f));
        }
        for f in ["account_positions_swap.json", "account_positions_ltc.json"] {
            same::<wire::Position>(&fixture(f));
        }
        for f in ["trade_order_ack.json", "trade_order_algo_ack.json"] {
            same::<wire::OrderAck>(&fixture(f));
        }
        same::<wire::AlgoOrder>(&fixture("trade_orders_algo_pending_swap.json"));
        same::<wire::AccountBalance>(&fixture("account_balance.json"));
        same::<wire::Bill>(&fixture("account_bills.json"));
        same::<wire::Instrument>(&fixture("public_instruments_swap.json"));
        same::<wire::ServerTime>(&fixture("public_time.json"));
        for body in [
            &br#"{"code":"2","msg":"","data":[{"ordId":"1","sCode":"0"},{"ordId":"","sCode":"51008","sMsg":"x"}]}"#[..],
            br#"{"code":0,"msg":"","data":[{"ordId":"1","sCode":0}]}"#,
            br#"{"code":"1","msg":"All operations failed","data":[{"sCode":"51008","sMsg":"Insufficient balance"}]}"#,
            br#"{"code":"50113","msg":"Invalid Sign"}"#,
            br#"{"code":"0","data":[{"ordId":"1","ordId":"2"}]}"#,
            br#"{"code":"0","data":[],"data":[{"ordId":"2"}]}"#,
            br#"{"code":"0","data":[{"ordId":1}]}"#,
            br#"{"code":"0","data":{}}"#,
            br#"{"code":"0","data":[]} x"#,
            b"<html>",
            b"{\"code\":\"0\",\"data\":[{\"ordId\":\"\xff\"}]}",
            b"{\"code\":\"0\",\"data\":[{\"ordId\":\"1\"}]}\xff",
        ] {
            same::<wire::OrderAck>(body);
            same::<wire::Order>(body);
        }
    }

    #[test]
    fn reply_error_equals_the_value_check() {
        fn before(body: &[u8]) -> Option<Error> {
            let env: wire::Envelope<serde_json::Value> = serde_json::from_slice(body).ok()?;
            if env.code == "0" || env.code == "2" {
                return None;
            }
            envelope::<serde_json::Value>("x", 400, body).err()
        }
        let mut bodies: Vec<Vec<u8>> = [
            "market_books_spot.json",
            "trade_order_ack.json",
            "account_positions_swap.json",
            "public_time.json",
        ]
        .iter()
        .map(|f| fixture(f))
        .collect();
        for b in [
            &br#"{"code":"1","msg":"All operations failed","data":[{"sCode":"51008","sMsg":"Insufficient balance"}]}"#
                [..],
            br#"{"code":"50113","msg":"Invalid Sign"}"#,
            br#"{"code":50011,"msg":"Too Many Requests","data":[]}"#,
            br#"{"code":"2","data":[{"sCode":"51008"}]}"#,
            br#"{"code":"51000","data":{}}"#,
            br#"{"code":"51000","data":[1e400, {"a":[]}]}"#,
            br#"{"code":null}"#,
            br#"{"msg":"x"}"#,
            b"{\"code\":\"1\",\"data\":[\"\xff\"]}",
            b"<html>",
            b"",
        ] {
            bodies.push(b.to_vec());
        }
        for b in &bodies {
            let got = reply_error("x", 400, b);
            let want = before(b);
            assert_eq!(
                format!("{got:?}"),
                format!("{want:?}"),
                "{}",
                String::from_utf8_lossy(b)
            );
        }
        assert_eq!(
            reply_error("x", 200, &bodies[4]).map(|e| e.kind()),
            Some(ErrorKind::InsufficientFunds)
        );
    }

    #[test]
    fn book_levels_read_in_place_keep_scale_and_errors() {
        let m = market(&swap()).unwrap().unwrap();
        let spot = Market {
            contract_size: Decimal::ONE,
            ..m.clone()
        };
        let book = |levels: &str| -> Result<OrderBook> {
            let body = format!(r#"{{"code":"0","msg":"","data":[{{"asks":[],"bids":{levels},"ts":"1"}}]}}"#);
            let rows = envelope::<wire::Book>("x", 200, body.as_bytes())?;
            same::<wire::Book>(body.as_bytes());
            order_book(&rows, &spot)
        };
        let b = book(r#"[["1.50","2.000","0","3"],[" 1e-5 ","0"]]"#).unwrap();
        assert_eq!(b.bids[0].price.to_string(), "1.50", "price keeps its scale");
        assert_eq!(b.bids[0].qty.to_string(), "2", "size normalized");
        assert_eq!(b.bids[1].price, dec!(0.00001));
        assert_eq!(b.bids[1].qty.to_string(), "0");
        let err = |levels: &str| book(levels).unwrap_err().to_string();
        assert!(err(r#"[["x","1"]]"#).contains("bad OKX book price `x`"));
        assert!(err(r#"[["1"]]"#).contains("bad OKX book size ``"));
        assert!(err(r#"[[]]"#).contains("bad OKX book price ``"));
        assert!(
            err(r#"[["1","2",3]]"#).contains("cannot decode"),
            "every cell is a string"
        );
        assert!(err(r#"[[1,"2"]]"#).contains("cannot decode"));
        assert!(err(r#"[{"px":"1"}]"#).contains("cannot decode"));
        // Swap sizes are contracts: converted with the contract size.
        let body = br#"{"code":"0","data":[{"asks":[["100.0","3"]],"bids":[],"ts":"1"}]}"#;
        let b = order_book(&envelope::<wire::Book>("x", 200, body).unwrap(), &m).unwrap();
        assert_eq!(b.asks[0].qty.to_string(), "0.03");
        assert_eq!(b.asks[0].price.to_string(), "100.0");
    }

    /// The scanner path of the book and trades against the serde path (`envelope` + `order_book`
    /// / `trade`): the same result or the same error, scale included; returns whether the
    /// scanner took the (book, trades) reply itself.
    fn replies_agree(body: &[u8], m: &Market) -> (bool, bool) {
        let want = envelope::<wire::Book>("x", 200, body).and_then(|r| order_book(&r, m));
        let got = order_book_reply("x", 200, body, m);
        assert_eq!(
            format!("{got:?}"),
            format!("{want:?}"),
            "{}",
            String::from_utf8_lossy(body)
        );
        let scanned = scan_order_book(body, m);
        if let Some(b) = &scanned {
            assert_eq!(format!("{:?}", Ok::<_, Error>(b)), format!("{:?}", want.as_ref()));
        }
        let want: Result<Vec<Trade>> =
            envelope::<wire::Trade>("x", 200, body).and_then(|r| r.iter().map(|t| trade(t, m)).collect());
        let got = trades_reply("x", 200, body, m);
        assert_eq!(
            format!("{got:?}"),
            format!("{want:?}"),
            "{}",
            String::from_utf8_lossy(body)
        );
        let trades = scan_trades(body, m);
        if let Some(t) = &trades {
            assert_eq!(format!("{:?}", Ok::<_, Error>(t)), format!("{:?}", want.as_ref()));
        }
        (scanned.is_some(), trades.is_some())
    }

    fn markets_for_tests() -> [Market; 2] {
        let swap = market(&swap()).unwrap().unwrap();
        let spot = Market {
            contract_size: Decimal::ONE,
            ..swap.clone()
        };
        [spot, swap]
    }

    #[test]
    fn scanner_equals_serde_on_fixtures() {
        let bench = |name: &str| {
            let path = format!("{}/../../fixtures/bench/okx/{name}", env!("CARGO_MANIFEST_DIR"));
            std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
        };
        for m in &markets_for_tests() {
            for body in [
                fixture("market_books_spot.json"),
                fixture("market_books_swap.json"),
                bench("books.json"),
            ] {
                assert!(replies_agree(&body, m).0, "the scanner reads the recorded books");
            }
            for body in [fixture("market_trades_spot.json"), bench("trades.json")] {
                assert!(replies_agree(&body, m).1, "the scanner reads the recorded trades");
            }
            for name in [
                "trade_order_ack.json",
                "account_balance.json",
                "public_time.json",
                "market_ticker_spot.json",
            ] {
                replies_agree(&fixture(name), m);
            }
        }
    }

    #[test]
    fn scanner_declines_the_unusual_with_the_same_errors() {
        let [spot, swap] = markets_for_tests();
        for body in [
            r#"{"code":"0","data":[{"asks":[["1","2"]]},{"asks":[]}]}"#,
            r#"{"code":"0","code":"0","data":[{"asks":[["1","2"]]}]}"#,
            r#"{"code":"0","data":[{"asks":[["1","2"]],"asks":[]}]}"#,
            r#"{"code":"0","data":[{"bids":[["1","x"]],"ts":"5"}]}"#,
            r#"{"code":"0","data":[{"bids":[["1","2",3]],"ts":"5"}]}"#,
            r#"{"code":"0","data":[{"bids":[["1\u0030","2"]],"ts":"5"}]}"#,
            r#"{"code":"0","msg":null,"data":[{"bids":[["1","2"]]}]}"#,
            r#"{"code":0,"data":[{"bids":[["1","2"]]}]}"#,
            r#"{"code":"2","data":[{"bids":[["1","2"]]}]}"#,
            r#"{"code":"51001","msg":"Instrument ID does not exist","data":[]}"#,
            r#"{"code":"0","data":[{"px":"1","sz":"2","ts":"x"}]}"#,
            r#"{"code":"0","data":[{"px":"1","sz":"2","ts":"3","tradeId":null}]}"#,
            r#"{"code":"0","data":[{"px":"1","sz":"2","ts":"3","side":"buy","px":"1"}]}"#,
            r#"{"code":"0","data":[{"px":"1","sz":"2","ts":"3"}]} x"#,
        ] {
            for m in [&spot, &swap] {
                let (book, trades) = replies_agree(body.as_bytes(), m);
                assert!(!trades, "{body}");
                // A trade row is a valid (empty) book row: only the book bodies are declined as books.
                assert!(!book || (body.contains("\"px\"") && !body.ends_with('x')), "{body}");
            }
        }
        // No rows: no book (the serde path's error), and no trades.
        assert_eq!(replies_agree(br#"{"code":"0","data":[]}"#, &spot), (false, true));
        // Accepted: unknown keys, whitespace, an empty book side, missing fields that default.
        let body =
            br#" { "data" : [ { "x" : [1, {"y": null}], "bids": [ ["1.50", "2.000", "0", "1"] ] } ], "code" : "0" } "#;
        assert_eq!(replies_agree(body, &spot), (true, false));
        let b = order_book_reply("x", 200, body, &spot).unwrap();
        assert_eq!(
            (b.bids[0].price.to_string(), b.bids[0].qty.to_string()),
            ("1.50".into(), "2".into())
        );
        assert_eq!(b.timestamp, None);
        let body = br#"{"code":"0","msg":"","data":[{"px":"1.0","sz":"3","side":"weird","ts":" 7 ","extra":{}}]}"#;
        assert_eq!(replies_agree(body, &swap), (true, true));
        let t = trades_reply("x", 200, body, &swap).unwrap();
        assert_eq!(
            (t[0].qty.to_string(), t[0].side, t[0].timestamp),
            ("0.03".into(), None, 7)
        );
    }

    proptest! {
        /// Random books and trades: the scanner agrees with the serde path or declines.
        #[test]
        fn scanner_agrees_or_declines(
            rows in proptest::collection::vec((
                proptest::sample::select(vec!["1", "0.10", "-2.5", "1e3", "x", "", "007", "1.00000000000000000001", "9999999999999999999999"]),
                proptest::sample::select(vec!["2", "0.0100", "3E-2", " 4", "y", "0", "-0"]),
                0usize..4,
            ), 0..5),
            code in proptest::sample::select(vec!["\"0\"", "\"1\"", "0", "\"2\""]),
            ts in proptest::sample::select(vec!["\"1700000000000\"", "\"\"", "\"x\"", "1", "null"]),
            side in proptest::sample::select(vec!["buy", "sell", "", "B"]),
            spaced in any::<bool>(),
        ) {
            let cells = |(p, q, n): &(&str, &str, usize)| {
                let mut c = vec![format!("\"{p}\""), format!("\"{q}\"")];
                c.extend((0..*n).map(|k| format!("\"{k}\"")));
                format!("[{}]", c.join(","))
            };
            let levels = rows.iter().map(cells).collect::<Vec<_>>().join(",");
            let sp = if spaced { " \n" } else { "" };
            let book = format!(r#"{{"code":{code},{sp}"msg":"","data":[{{"asks":[{levels}],"bids":[{levels}],"ts":{ts}}}]}}"#);
            let trades = rows.iter().map(|(p, q, _)| format!(
                r#"{{"instId":"BTC-USDT","tradeId":"1","px":"{p}","sz":"{q}",{sp}"side":"{side}","ts":{ts}}}"#
            )).collect::<Vec<_>>().join(",");
            let trades = format!(r#"{{"code":{code},"msg":"","data":[{trades}]}}"#);
            for m in &markets_for_tests() {
                replies_agree(book.as_bytes(), m);
                replies_agree(trades.as_bytes(), m);
            }
        }

        /// Any bytes, or a recorded reply cut or with one byte changed: the paths agree.
        #[test]
        fn scanner_agrees_on_damaged_replies(
            body in proptest::collection::vec(any::<u8>(), 0..120),
            cut in 0usize..2000,
            at in 0usize..2000,
            byte in any::<u8>(),
        ) {
            let [spot, swap] = markets_for_tests();
            replies_agree(&body, &spot);
            for f in ["market_books_swap.json", "market_trades_spot.json"] {
                let mut b = fixture(f);
                let n = b.len();
                b[at % n] = byte;
                replies_agree(&b, &swap);
                b.truncate(cut % n);
                replies_agree(&b, &spot);
            }
        }

        /// Skipping the multiplication by a contract size of one gives the same decimal, scale
        /// included.
        #[test]
        fn contract_size_one_is_skipped_exactly(m in any::<i64>(), scale in 0u32..28) {
            let q = Decimal::new(m, scale);
            let want = (q * Decimal::ONE).normalize();
            let got = base_qty(q, Decimal::ONE);
            prop_assert_eq!(got, want);
            prop_assert_eq!(got.to_string(), want.to_string());
            prop_assert_eq!(got.is_sign_negative(), want.is_sign_negative());
        }

        /// The one-pass and general envelope paths agree on any bytes.
        #[test]
        fn envelope_paths_agree(body in proptest::collection::vec(any::<u8>(), 0..120)) {
            same::<wire::Book>(&body);
            same::<wire::OrderAck>(&body);
        }

        #[test]
        fn parsers_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200), s in ".{0,20}") {
            let _ = envelope::<wire::Order>("x", 200, &body);
            let _ = envelope::<wire::CandleRow>("x", 200, &body);
            let _ = opt_dec(&s);
            let m = market(&swap()).unwrap().unwrap();
            let row = vec![s.clone(), s.clone(), s.clone()];
            let _ = candle(&row, &m);
            let o = wire::Order { sz: s.clone(), state: s.clone(), ord_type: s.clone(), side: s.clone(), ..Default::default() };
            let _ = order(&o, &m);
        }
    }
}
