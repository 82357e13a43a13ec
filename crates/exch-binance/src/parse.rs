//! Wire types → core models. Nothing here panics: a payload the models cannot hold becomes a
//! `Decode` error naming the endpoint and quoting the start of the payload.

use exch_core::scan::{self, Cells, LevelSpec, Scanner};
use exch_core::{
    Balance, Candle, Error, ErrorKind, Income, IncomeKind, Level, MarginMode, Market, MarketStatus, Order, OrderBook,
    OrderStatus, OrderType, Position, PositionMode, PositionSide, Result, Side, Symbol, Ticker, TimeInForce, Trade,
    Venue,
};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;

use crate::config::Api;
use crate::symbols::{self, Resolve};
use crate::wire::{self, de::parse_decimal};

/// Decodes a JSON payload, mapping failures to a `Decode` error for `endpoint`.
pub fn decode<T: DeserializeOwned>(endpoint: &str, payload: &[u8]) -> Result<T> {
    serde_json::from_slice(payload).map_err(|e| Error::decode(endpoint, payload, e).with_venue(Venue::Binance))
}

/// Decodes a depth payload: the one-pass scan of [`fast_depth`] when the payload has Binance's
/// usual shape, [`decode`] otherwise. The result (or error) is `decode::<wire::Depth>`'s.
pub fn depth(endpoint: &str, payload: &[u8]) -> Result<wire::Depth> {
    match fast_depth(payload) {
        Some(d) => Ok(d),
        None => decode(endpoint, payload),
    }
}

/// Decodes a trades payload (`trades` or `aggTrades`): the one-pass scan of
/// [`fast_public_trades`] when the payload has Binance's usual shape, [`decode`] otherwise.
/// The result (or error) is `decode::<Vec<wire::PublicTrade>>`'s.
pub fn public_trades(endpoint: &str, payload: &[u8]) -> Result<Vec<wire::PublicTrade>> {
    match fast_public_trades(payload) {
        Some(t) => Ok(t),
        None => decode(endpoint, payload),
    }
}

/// A trades payload of the shape Binance sends, scanned in one pass: a list of objects whose
/// known keys (`id`/`a`, `price`/`p`, `qty`/`q`, `time`/`T`, `isBuyerMaker`/`m`) hold integers,
/// decimal strings and booleans, each once. `None` for anything else (the caller then decodes
/// with serde). When `Some`, the result equals `serde_json::from_slice::<Vec<wire::PublicTrade>>`.
pub fn fast_public_trades(payload: &[u8]) -> Option<Vec<wire::PublicTrade>> {
    scan_trades(payload, |id, price, qty, time, is_buyer_maker| wire::PublicTrade {
        id,
        price,
        qty,
        time,
        is_buyer_maker,
    })
}

/// The trades of a trades payload, scanned in one pass straight into [`Trade`]s as
/// [`fast_public_trades`] does; `None` when the scan does not take the payload. When `Some`,
/// equal to [`trades`] on `serde_json::from_slice::<Vec<wire::PublicTrade>>`.
pub fn fast_trades(symbol: &Symbol, payload: &[u8]) -> Option<Vec<Trade>> {
    scan_trades(payload, |id, price, qty, timestamp, maker| Trade {
        symbol: symbol.clone(),
        id,
        price,
        qty,
        side: Some(Side::taker(maker)),
        timestamp,
    })
}

/// The trades of a trades payload: [`fast_trades`], or [`decode`] and [`trades`] (the same
/// trades, or the decode error). This is what the client calls.
pub fn trades_of(symbol: &Symbol, endpoint: &str, payload: &[u8]) -> Result<Vec<Trade>> {
    match fast_trades(symbol, payload) {
        Some(t) => Ok(t),
        None => Ok(trades(symbol, &decode::<Vec<wire::PublicTrade>>(endpoint, payload)?)),
    }
}

/// A depth payload of the shape Binance sends, scanned in one pass: an object whose keys are
/// `lastUpdateId`, `E`, `T` (integers) and `bids`, `asks` (lists of `["price", "qty"]` decimal
/// strings), each once. `None` for anything else (the caller then decodes with serde, which
/// gives the same result or the error). When `Some`, the result equals
/// `serde_json::from_slice::<wire::Depth>` digit for digit.
pub fn fast_depth(payload: &[u8]) -> Option<wire::Depth> {
    let (seq, ts, bids, asks) = scan_depth(payload)?;
    let rows = |v: Vec<Level>| v.into_iter().map(|l| [l.price, l.qty]).collect();
    Some(wire::Depth {
        last_update_id: seq,
        bids: rows(bids),
        asks: rows(asks),
        transaction_time: ts,
    })
}

/// The order book of a depth payload, scanned in one pass straight into [`Level`]s as
/// [`fast_depth`] does; `None` when the scan does not take the payload. When `Some`, equal to
/// [`order_book`] on `serde_json::from_slice::<wire::Depth>`.
pub fn fast_order_book(symbol: &Symbol, payload: &[u8]) -> Option<OrderBook> {
    let (seq, ts, bids, asks) = scan_depth(payload)?;
    Some(OrderBook {
        symbol: symbol.clone(),
        bids,
        asks,
        sequence: seq,
        timestamp: ts,
    })
}

/// The order book of a depth payload: [`fast_order_book`], or [`decode`] and [`order_book`]
/// (the same book, or the decode error).
pub fn order_book_of(symbol: &Symbol, endpoint: &str, payload: &[u8]) -> Result<OrderBook> {
    match fast_order_book(symbol, payload) {
        Some(b) => Ok(b),
        None => Ok(order_book(symbol.clone(), &decode(endpoint, payload)?)),
    }
}

/// Binance's `[price, qty]` rows: exactly two decimal strings, both normalized.
const LEVELS: LevelSpec = LevelSpec {
    cells: Cells::Strings,
    normalize_price: true,
    normalize_qty: true,
    more_cells: false,
};

/// An integer as a JSON number or as a string of `-?digits` (what the lenient decoders read as
/// the same integer), at most 18 digits, with its sign.
fn integer(sc: &mut Scanner<'_>) -> Option<(bool, u64)> {
    if sc.peek()? == b'"' {
        scan::digits18(sc.str()?)
    } else {
        sc.int()
    }
}

/// A signed time in ms written as [`integer`] takes it.
fn time_ms(sc: &mut Scanner<'_>) -> Option<i64> {
    let (neg, v) = integer(sc)?;
    let v = i64::try_from(v).ok()?;
    Some(if neg { -v } else { v })
}

/// The text of an integer id as written: a JSON integer or a string of `-?digits`, at most 18
/// digits.
fn id_text(sc: &mut Scanner<'_>) -> Option<String> {
    let t = if sc.peek()? == b'"' { sc.str()? } else { sc.number()? };
    scan::digits18(t)?;
    Some(t.to_string())
}

/// The update id, time, bids and asks of a depth payload.
#[allow(clippy::type_complexity)]
fn scan_depth(payload: &[u8]) -> Option<(Option<u64>, Option<i64>, Vec<Level>, Vec<Level>)> {
    let mut sc = Scanner::from_bytes(payload)?;
    let (mut seq, mut ts, mut bids, mut asks, mut e) = (None, None, None, None, None);
    sc.object(|k, sc| match k {
        "lastUpdateId" => match integer(sc)? {
            (false, v) => scan::once(&mut seq, v),
            (true, _) => None,
        },
        "T" => scan::once(&mut ts, time_ms(sc)?),
        "E" => scan::once(&mut e, integer(sc)?),
        "bids" => scan::once(&mut bids, sc.levels(LEVELS)?),
        "asks" => scan::once(&mut asks, sc.levels(LEVELS)?),
        _ => None,
    })?;
    sc.end()?;
    Some((seq, ts, bids?, asks?))
}

/// A list of trade objects, each made by `mk(id, price, qty, time, is_buyer_maker)`.
fn scan_trades<T>(payload: &[u8], mut mk: impl FnMut(String, Decimal, Decimal, i64, bool) -> T) -> Option<Vec<T>> {
    let mut sc = Scanner::from_bytes(payload)?;
    let mut out = Vec::with_capacity(payload.len() / 96 + 1);
    sc.array(|sc| {
        let (mut id, mut price, mut qty, mut time, mut maker) = (None, None, None, None, None);
        sc.object(|k, sc| match k {
            "id" | "a" => scan::once(&mut id, id_text(sc)?),
            "price" | "p" => scan::once(&mut price, sc.decimal_cell(Cells::Strings, true)?),
            "qty" | "q" => scan::once(&mut qty, sc.decimal_cell(Cells::Strings, true)?),
            "time" | "T" => scan::once(&mut time, time_ms(sc)?),
            "isBuyerMaker" | "m" => scan::once(&mut maker, sc.bool()?),
            _ => sc.skip_value(),
        })?;
        out.push(mk(id?, price?, qty?, time?, maker.unwrap_or(false)));
        Some(())
    })?;
    sc.end()?;
    Some(out)
}

fn bad(what: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Decode, what.to_string()).with_venue(Venue::Binance)
}

fn positive(d: Option<Decimal>) -> Option<Decimal> {
    d.filter(|v| *v > Decimal::ZERO)
}

/// The market of one `exchangeInfo` entry; `None` for what this crate does not trade.
pub fn market(api: Api, info: &wire::SymbolInfo) -> Option<Market> {
    let symbol = symbols::unified(api, info)?;
    let filter = |t: &str| info.filters.iter().find(|f| f.filter_type == t);
    let price = filter("PRICE_FILTER");
    let lot = filter("LOT_SIZE");
    let min_notional = filter("NOTIONAL")
        .and_then(|f| f.min_notional)
        .or_else(|| filter("MIN_NOTIONAL").and_then(|f| f.min_notional.or(f.notional)));
    let status = match info.status.as_deref() {
        Some("TRADING") => MarketStatus::Trading,
        Some("BREAK" | "HALT" | "AUCTION_MATCH" | "PENDING_TRADING" | "PRE_TRADING" | "SETTLING") => {
            MarketStatus::Halted
        }
        Some("CLOSE" | "END_OF_DAY" | "DELIVERING" | "DELIVERED" | "POST_TRADING") => MarketStatus::Closed,
        Some(other) => MarketStatus::Unknown(other.to_string()),
        None => MarketStatus::Unknown(String::new()),
    };
    Some(Market {
        kind: symbol.kind(),
        symbol,
        venue_symbol: info.symbol.clone(),
        status,
        tick_size: price.and_then(|f| f.tick_size).unwrap_or_default().normalize(),
        step_size: lot.and_then(|f| f.step_size).unwrap_or_default().normalize(),
        min_qty: positive(lot.and_then(|f| f.min_qty)),
        max_qty: positive(lot.and_then(|f| f.max_qty)),
        min_notional: positive(min_notional),
        contract_size: Decimal::ONE,
    })
}

/// Every tradable market of one API's `exchangeInfo`.
pub fn markets(api: Api, info: &wire::ExchangeInfo) -> Vec<Market> {
    info.symbols.iter().filter_map(|s| market(api, s)).collect()
}

/// A 24 h ticker.
pub fn ticker(symbol: Symbol, t: &wire::Ticker24h) -> Ticker {
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

/// Tickers of every row whose symbol is in `map` for `api` (other rows are skipped).
pub fn tickers<R: Resolve + ?Sized>(map: &R, api: Api, rows: &[wire::Ticker24h]) -> Vec<Ticker> {
    rows.iter()
        .filter_map(|t| map.resolve(api, &t.symbol).map(|s| ticker(s, t)))
        .collect()
}

/// An order book snapshot.
pub fn order_book(symbol: Symbol, d: &wire::Depth) -> OrderBook {
    let level = |l: &[Decimal; 2]| Level { price: l[0], qty: l[1] };
    OrderBook {
        symbol,
        bids: d.bids.iter().map(level).collect(),
        asks: d.asks.iter().map(level).collect(),
        sequence: d.last_update_id,
        timestamp: d.transaction_time,
    }
}

/// Public trades; the taker side is the opposite of the maker's.
pub fn trades(symbol: &Symbol, rows: &[wire::PublicTrade]) -> Vec<Trade> {
    rows.iter()
        .map(|t| Trade {
            symbol: symbol.clone(),
            id: t.id.clone(),
            price: t.price,
            qty: t.qty,
            side: Some(Side::taker(t.is_buyer_maker)),
            timestamp: t.time,
        })
        .collect()
}

/// One kline row.
pub fn candle(row: &wire::KlineRow, now_ms: Option<i64>) -> Result<Candle> {
    use serde_json::Value;
    let text = |i: usize| -> Option<String> {
        match row.get(i)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let dec = |i: usize| -> Result<Decimal> {
        text(i)
            .and_then(|s| parse_decimal(&s))
            .ok_or_else(|| bad(format!("kline column {i} is not a number")))
    };
    let int = |i: usize| -> Option<i64> { text(i).and_then(|s| s.parse().ok()) };
    let open_time = int(0).ok_or_else(|| bad("kline open time is not an integer"))?;
    let close_time = int(6);
    Ok(Candle {
        open_time,
        open: dec(1)?,
        high: dec(2)?,
        low: dec(3)?,
        close: dec(4)?,
        volume: dec(5)?,
        quote_volume: text(7).and_then(|s| parse_decimal(&s)),
        closed: match (close_time, now_ms) {
            (Some(c), Some(now)) => Some(c < now),
            _ => None,
        },
    })
}

/// Kline rows, as returned (ascending).
pub fn candles(rows: &[wire::KlineRow], now_ms: Option<i64>) -> Result<Vec<Candle>> {
    rows.iter().map(|r| candle(r, now_ms)).collect()
}

/// `BUY`/`SELL` → [`Side`].
pub fn side(s: &str) -> Result<Side> {
    match s {
        "BUY" => Ok(Side::Buy),
        "SELL" => Ok(Side::Sell),
        other => Err(bad(format!("unknown side `{other}`"))),
    }
}

/// Binance order status → [`OrderStatus`] (strict: an unknown status is a decode error).
pub fn order_status(s: &str) -> Result<OrderStatus> {
    Ok(match s {
        "PENDING_NEW" => OrderStatus::Pending,
        "NEW" => OrderStatus::New,
        "PARTIALLY_FILLED" => OrderStatus::PartiallyFilled,
        "FILLED" => OrderStatus::Filled,
        "CANCELED" | "PENDING_CANCEL" => OrderStatus::Canceled,
        "REJECTED" => OrderStatus::Rejected,
        "EXPIRED" | "EXPIRED_IN_MATCH" => OrderStatus::Expired,
        other => return Err(bad(format!("unknown order status `{other}`"))),
    })
}

/// Binance order type → ([`OrderType`], post-only). Spot and futures spell stops differently.
pub fn order_type(api: Api, s: &str) -> Result<(OrderType, bool)> {
    Ok(match (api, s) {
        (_, "LIMIT") => (OrderType::Limit, false),
        (_, "MARKET") => (OrderType::Market, false),
        (Api::Spot, "LIMIT_MAKER") => (OrderType::Limit, true),
        (Api::Spot, "STOP_LOSS") | (Api::Futures, "STOP_MARKET") => (OrderType::StopMarket, false),
        (Api::Spot, "STOP_LOSS_LIMIT") | (Api::Futures, "STOP") => (OrderType::StopLimit, false),
        (Api::Spot, "TAKE_PROFIT") | (Api::Futures, "TAKE_PROFIT_MARKET") => (OrderType::TakeProfitMarket, false),
        (Api::Spot, "TAKE_PROFIT_LIMIT") | (Api::Futures, "TAKE_PROFIT") => (OrderType::TakeProfitLimit, false),
        (Api::Futures, "TRAILING_STOP_MARKET") => (OrderType::TrailingStop, false),
        (_, other) => return Err(bad(format!("unknown order type `{other}`"))),
    })
}

/// Binance time in force → [`TimeInForce`]; `GTD`/`RPI` have no unified value.
pub fn time_in_force(s: Option<&str>) -> Option<TimeInForce> {
    match s? {
        "GTC" => Some(TimeInForce::Gtc),
        "IOC" => Some(TimeInForce::Ioc),
        "FOK" => Some(TimeInForce::Fok),
        "GTX" => Some(TimeInForce::PostOnly),
        _ => None,
    }
}

/// `BOTH`/`LONG`/`SHORT` → the hedge-mode side (`None` for one-way `BOTH`).
pub fn position_side(s: Option<&str>) -> Option<PositionSide> {
    match s? {
        "LONG" => Some(PositionSide::Long),
        "SHORT" => Some(PositionSide::Short),
        _ => None,
    }
}

/// A regular order (spot or futures).
pub fn order(api: Api, symbol: Symbol, o: &wire::OrderResp) -> Result<Order> {
    let (order_type, post_only) = order_type(api, &o.order_type)?;
    let filled = o.executed_qty.unwrap_or_default();
    let quote = o.cummulative_quote_qty.or(o.cum_quote);
    let avg_price = positive(o.avg_price).or_else(|| match quote {
        Some(q) if filled > Decimal::ZERO && q > Decimal::ZERO => Some((q / filled).normalize()),
        _ => None,
    });
    let tif = if post_only {
        Some(TimeInForce::PostOnly)
    } else {
        time_in_force(o.time_in_force.as_deref())
    };
    Ok(Order {
        symbol,
        id: o.order_id.clone(),
        client_order_id: o.client_order_id.clone().filter(|s| !s.is_empty()),
        side: side(&o.side)?,
        order_type,
        time_in_force: tif,
        price: if order_type.needs_price() {
            positive(o.price)
        } else {
            None
        },
        trigger_price: positive(o.stop_price),
        qty: o.orig_qty.unwrap_or_default(),
        filled_qty: filled,
        avg_price,
        status: order_status(&o.status)?,
        reduce_only: o.reduce_only,
        position_side: position_side(o.position_side.as_deref()),
        // Futures placement responses carry only `updateTime`, which is then the creation time.
        created_at: o.time.or(o.transact_time).or(o.update_time),
        updated_at: o.update_time.or(o.transact_time),
    })
}

/// A futures conditional (algo) order. Until it triggers its status is `Pending`.
pub fn algo_order(symbol: Symbol, o: &wire::AlgoOrderResp) -> Result<Order> {
    let (order_type, _) = order_type(Api::Futures, &o.order_type)?;
    let qty = o.quantity.unwrap_or_default();
    let filled = o.executed_qty.unwrap_or_default();
    let status = match o.algo_status.as_str() {
        "NEW" => OrderStatus::Pending,
        "TRIGGERING" | "TRIGGERED" => {
            if filled > Decimal::ZERO {
                OrderStatus::PartiallyFilled
            } else {
                OrderStatus::New
            }
        }
        "FINISHED" => {
            if o.executed_qty.is_none() || (qty > Decimal::ZERO && filled >= qty) {
                OrderStatus::Filled
            } else {
                OrderStatus::Canceled
            }
        }
        "CANCELED" => OrderStatus::Canceled,
        "REJECTED" => OrderStatus::Rejected,
        "EXPIRED" => OrderStatus::Expired,
        other => return Err(bad(format!("unknown algo status `{other}`"))),
    };
    Ok(Order {
        symbol,
        id: o.algo_id.clone(),
        client_order_id: o.client_algo_id.clone().filter(|s| !s.is_empty()),
        side: side(&o.side)?,
        order_type,
        time_in_force: time_in_force(o.time_in_force.as_deref()),
        price: if order_type.needs_price() {
            positive(o.price)
        } else {
            None
        },
        trigger_price: positive(o.trigger_price).or(positive(o.activate_price)),
        qty,
        filled_qty: filled,
        avg_price: positive(o.avg_price),
        status,
        reduce_only: o.reduce_only,
        position_side: position_side(o.position_side.as_deref()),
        created_at: o.create_time,
        updated_at: o.update_time.or(o.create_time),
    })
}

/// Orders of `api`, resolving each symbol through `map`.
pub fn orders<R: Resolve + ?Sized>(map: &R, api: Api, rows: &[wire::OrderResp]) -> Result<Vec<Order>> {
    rows.iter()
        .map(|o| order(api, map.require(api, &o.symbol)?, o))
        .collect()
}

/// Algo orders, resolving each symbol through `map`.
pub fn algo_orders<R: Resolve + ?Sized>(map: &R, rows: &[wire::AlgoOrderResp]) -> Result<Vec<Order>> {
    rows.iter()
        .map(|o| algo_order(map.require(Api::Futures, &o.symbol)?, o))
        .collect()
}

/// Spot balances without zero rows.
pub fn spot_balances(a: &wire::SpotAccount) -> Vec<Balance> {
    a.balances
        .iter()
        .filter(|b| !(b.free + b.locked).is_zero())
        .map(|b| Balance {
            asset: b.asset.clone(),
            free: b.free,
            locked: b.locked,
            total: b.free + b.locked,
        })
        .collect()
}

/// Futures balances without zero rows: total is the wallet balance, free the available balance.
pub fn futures_balances(rows: &[wire::FuturesBalance]) -> Vec<Balance> {
    rows.iter()
        .filter(|b| !b.balance.is_zero())
        .map(|b| {
            let free = b.available_balance.unwrap_or(b.balance);
            Balance {
                asset: b.asset.clone(),
                free,
                locked: (b.balance - free).max(Decimal::ZERO).normalize(),
                total: b.balance,
            }
        })
        .collect()
}

/// Positions without zero rows. `BOTH` rows are one-way (side from the sign); `LONG`/`SHORT`
/// rows are hedge-mode sides.
pub fn positions<R: Resolve + ?Sized>(map: &R, rows: &[wire::PositionRisk]) -> Result<Vec<Position>> {
    let mut out = Vec::new();
    for p in rows.iter().filter(|p| !p.position_amt.is_zero()) {
        let symbol = map.require(Api::Futures, &p.symbol)?;
        let hedge = position_side(p.position_side.as_deref());
        let side = hedge.unwrap_or(if p.position_amt > Decimal::ZERO {
            PositionSide::Long
        } else {
            PositionSide::Short
        });
        let margin_mode = match p.margin_type.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("isolated") => Some(MarginMode::Isolated),
            Some("cross" | "crossed") => Some(MarginMode::Cross),
            _ => Some(if p.isolated_wallet.is_some_and(|w| !w.is_zero()) {
                MarginMode::Isolated
            } else {
                MarginMode::Cross
            }),
        };
        let size = p.position_amt.abs();
        out.push(Position {
            symbol,
            side,
            size,
            contracts: size,
            contract_size: Decimal::ONE,
            entry_price: positive(p.entry_price),
            mark_price: positive(p.mark_price),
            liquidation_price: positive(p.liquidation_price),
            unrealized_pnl: p.un_realized_profit,
            leverage: positive(p.leverage),
            margin_mode,
            position_mode: Some(if hedge.is_some() {
                PositionMode::Hedge
            } else {
                PositionMode::OneWay
            }),
            timestamp: p.update_time,
        });
    }
    Ok(out)
}

/// Binance income type → [`IncomeKind`].
pub fn income_kind(s: &str) -> IncomeKind {
    match s {
        "FUNDING_FEE" => IncomeKind::Funding,
        "REALIZED_PNL" => IncomeKind::RealizedPnl,
        "COMMISSION" => IncomeKind::Fee,
        "TRANSFER" => IncomeKind::Transfer,
        other => IncomeKind::Other(other.to_string()),
    }
}

/// [`IncomeKind`] → Binance `incomeType`.
pub fn income_type(k: &IncomeKind) -> &str {
    match k {
        IncomeKind::Funding => "FUNDING_FEE",
        IncomeKind::RealizedPnl => "REALIZED_PNL",
        IncomeKind::Fee => "COMMISSION",
        IncomeKind::Transfer => "TRANSFER",
        IncomeKind::Other(s) => s,
    }
}

/// Income rows; a symbol not in the map (delisted) leaves the record without a symbol.
pub fn income<R: Resolve + ?Sized>(map: &R, rows: &[wire::IncomeRow]) -> Vec<Income> {
    rows.iter()
        .map(|r| Income {
            symbol: r
                .symbol
                .as_deref()
                .filter(|s| !s.is_empty())
                .and_then(|s| map.resolve(Api::Futures, s)),
            kind: income_kind(&r.income_type),
            amount: r.income,
            asset: r.asset.clone(),
            id: r.tran_id.clone(),
            timestamp: r.time,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn statuses_are_mapped_strictly() {
        for (s, want) in [
            ("NEW", OrderStatus::New),
            ("PARTIALLY_FILLED", OrderStatus::PartiallyFilled),
            ("FILLED", OrderStatus::Filled),
            ("CANCELED", OrderStatus::Canceled),
            ("PENDING_CANCEL", OrderStatus::Canceled),
            ("REJECTED", OrderStatus::Rejected),
            ("EXPIRED", OrderStatus::Expired),
            ("EXPIRED_IN_MATCH", OrderStatus::Expired),
            ("PENDING_NEW", OrderStatus::Pending),
        ] {
            assert_eq!(order_status(s).unwrap(), want, "{s}");
        }
        assert_eq!(order_status("NOPE").unwrap_err().kind(), ErrorKind::Decode);
        assert_eq!(side("BUY").unwrap(), Side::Buy);
        assert_eq!(side("SELL").unwrap(), Side::Sell);
        assert!(side("buy").is_err());
    }

    #[test]
    fn types_per_api() {
        assert_eq!(order_type(Api::Spot, "LIMIT_MAKER").unwrap(), (OrderType::Limit, true));
        assert_eq!(order_type(Api::Spot, "STOP_LOSS").unwrap().0, OrderType::StopMarket);
        assert_eq!(order_type(Api::Futures, "STOP").unwrap().0, OrderType::StopLimit);
        assert_eq!(
            order_type(Api::Futures, "TAKE_PROFIT").unwrap().0,
            OrderType::TakeProfitLimit
        );
        assert_eq!(
            order_type(Api::Futures, "TRAILING_STOP_MARKET").unwrap().0,
            OrderType::TrailingStop
        );
        assert!(order_type(Api::Spot, "TRAILING_STOP_MARKET").is_err());
        assert!(order_type(Api::Futures, "LIMIT_MAKER").is_err());
    }

    /// The serde decode of a depth payload, and the one-pass scan when it takes the payload.
    fn both(b: &[u8]) -> (Result<wire::Depth>, Option<wire::Depth>) {
        (decode::<wire::Depth>("x", b), fast_depth(b))
    }

    #[test]
    fn the_depth_scan_equals_serde_digit_for_digit() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut books: Vec<Vec<u8>> = Vec::new();
        for p in [
            "binance/spot/depth.json",
            "binance/futures/depth.json",
            "bench/binance/depth.json",
        ] {
            if let Ok(b) = std::fs::read(root.join(p)) {
                books.push(b);
            }
        }
        assert!(books.len() >= 2, "the recorded depth fixtures");
        let taken = books.iter().filter(|b| fast_depth(b).is_some()).count();
        assert_eq!(taken, books.len(), "the recorded payloads take the scan");
        for edge in [
            &br#"{"lastUpdateId":7,"bids":[["1.50","2",3]],"asks":[[" 2 ","1e-3"]],"T":12}"#[..],
            br#"{"bids":[[1.5,2]],"asks":[]}"#,
            br#" { "lastUpdateId" : 1 , "E":5, "T":-3, "bids" : [ [ "1.0" , "2.50" ] ] , "asks":[] } "#,
            br#"{"lastUpdateId":"9","bids":[],"asks":[["0.1","0"]]}"#,
            br#"{"bids":[["00012.340","1.0000000000000000000"],["-0.5","123."]],"asks":[["1e-5",".5"]]}"#,
            br#"{"bids":[["12345678901234567890","0.00000000"],["9999999999999999999","0.0000000000000000001"]],"asks":[["-0","-0.0"]]}"#,
            br#"{"lastUpdateId":null,"bids":[],"asks":[],"extra":{"a":[1]}}"#,
            br#"{"lastUpdateId":-0,"T":-0,"bids":[],"asks":[]}"#,
            br#"{"lastUpdateId":123456789012345678,"T":-123456789012345678,"E":0,"bids":[],"asks":[]}"#,
            br#"{"lastUpdateId":1234567890123456789,"bids":[],"asks":[]}"#,
            br#"{"lastUpdateId":01,"bids":[],"asks":[]}"#,
            br#"{"lastUpdateId":"007","T":"-0","E":"x","bids":[],"asks":[]}"#,
            br#"{"lastUpdateId":"-1","bids":[],"asks":[]}"#,
            br#"{"lastUpdateId":"+1","T":" 5","bids":[],"asks":[]}"#,
            br#"{"lastUpdateId":"1","T":"-9223372036854775808","bids":[],"asks":[]}"#,
            br#"{"lastUpdateId":1.0,"bids":[],"asks":[]}"#,
            br#"{"lastUpdateId":1e2,"bids":[],"asks":[]}"#,
            br#"{"lastUpdateId":1,"bids":[["1","2"]],"asks":[["3","4"]],"bids":[]}"#,
            br#"{"bids":[["1\u0030","2"]],"asks":[]}"#,
            br#"{"b\u0069ds":[],"asks":[],"bids":[]}"#,
            br#"{"bids":[["1","2"]],"asks":[["3","4"]]} x"#,
            br#"{"bids":[["1","2"],],"asks":[]}"#,
            br#"{"bids":[["1","2"]"asks":[]}"#,
            br#"{"bids":[["1","2"]],"asks":[]"#,
            br#"{"bids":[],"asks":[],}"#,
            br#"{}"#,
            b"",
            b"[]",
            br#"{"bids":[["1"]],"asks":[]}"#,
            br#"{"bids":[["1",""]],"asks":[]}"#,
            br#"{"bids":[["x","1"]],"asks":[]}"#,
            br#"{"bids":[["0.10000000","431.00000000"]],"asks":[["-12.5000","0.000"]],"T":9223372036854775807}"#,
        ] {
            books.push(edge.to_vec());
        }
        for b in &books {
            let (want, got) = both(b);
            if let Some(got) = got {
                let want = want
                    .unwrap_or_else(|e| panic!("{}: scan took what serde rejects: {e}", String::from_utf8_lossy(b)));
                assert_eq!(
                    format!("{got:?}"),
                    format!("{want:?}"),
                    "{}",
                    String::from_utf8_lossy(b)
                );
                assert_eq!(got, want);
            }
            let via = depth("x", b);
            assert_eq!(format!("{via:?}"), format!("{:?}", decode::<wire::Depth>("x", b)));
            let btc = Symbol::spot("BTC", "USDT").unwrap();
            let book = order_book_of(&btc, "x", b);
            let want = decode::<wire::Depth>("x", b).map(|d| order_book(btc.clone(), &d));
            assert_eq!(format!("{book:?}"), format!("{want:?}"));
        }
    }

    #[test]
    fn the_trades_scan_equals_serde() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut payloads: Vec<Vec<u8>> = Vec::new();
        for p in ["binance/spot/agg_trades.json", "bench/binance/trades.json"] {
            if let Ok(b) = std::fs::read(root.join(p)) {
                payloads.push(b);
            }
        }
        assert!(!payloads.is_empty(), "the recorded trades fixtures");
        for p in &payloads {
            assert!(fast_public_trades(p).is_some(), "the recorded payloads take the scan");
        }
        for edge in [
            &br#"[{"a":1,"p":"2.0","q":"3","T":4,"m":true},{"id":"5","price":"1","qty":"1","time":1}]"#[..],
            br#"[]"#,
            br#" [ { "id" : -0 , "price" : "1.50" , "qty" : "2" , "time" : "-0" , "x" : null , "y" : -1.5e+3 } ] "#,
            br#"[{"id":1,"price":"1","qty":"1","time":1,"a":2}]"#,
            br#"[{"id":1,"price":"1","qty":"1","time":1,"isBuyerMaker":true,"m":false}]"#,
            br#"[{"id":1,"price":"1","qty":"1","time":1,"isBuyerMaker":"true"}]"#,
            br#"[{"id":1,"price":"1","qty":"1","time":1,"isBuyerMaker":null}]"#,
            br#"[{"id":"007","price":"1","qty":"1","time":1}]"#,
            br#"[{"id":" 7 ","price":"1","qty":"1","time":1}]"#,
            br#"[{"id":12345678901234567890,"price":"1","qty":"1","time":1}]"#,
            br#"[{"id":1,"price":1,"qty":"1","time":1}]"#,
            br#"[{"id":1,"price":"1","qty":"1"}]"#,
            br#"[{"id":1,"price":"1","qty":"1","time":1.5}]"#,
            br#"[{"id":1,"price":"1","qty":"1","time":01}]"#,
            br#"[{"id":1,"price":"1","qty":"1","time":1,"z":01}]"#,
            br#"[{"id":1,"price":"1","qty":"1","time":1,"z":1.}]"#,
            br#"[{"id":1,"price":"1","qty":"1","time":1,"z":{}}]"#,
            br#"[{"id":1,"price":"1","qty":"1","time":1,"z":"\u00e9"}]"#,
            br#"[{"id":1,"price":"1","qty":"1","time":1,"z":truex}]"#,
            br#"[{"id":1,"price":"1","qty":"1","time":1},]"#,
            br#"[{"id":1,"price":"1","qty":"1","time":1}] x"#,
            br#"[{"id":1,"price":"1","qty":"1","time":1}"#,
            br#"{}"#,
            b"",
        ] {
            payloads.push(edge.to_vec());
        }
        for b in &payloads {
            let want = decode::<Vec<wire::PublicTrade>>("x", b);
            if let Some(got) = fast_public_trades(b) {
                let want = want
                    .as_ref()
                    .unwrap_or_else(|e| panic!("{}: scan took what serde rejects: {e}", String::from_utf8_lossy(b)));
                assert_eq!(
                    format!("{got:?}"),
                    format!("{want:?}"),
                    "{}",
                    String::from_utf8_lossy(b)
                );
            }
            let via = public_trades("x", b);
            assert_eq!(format!("{via:?}"), format!("{want:?}"));
            let btc = Symbol::spot("BTC", "USDT").unwrap();
            let direct = trades_of(&btc, "x", b);
            let want = want.map(|rows| trades(&btc, &rows));
            assert_eq!(format!("{direct:?}"), format!("{want:?}"));
        }
    }

    proptest! {
        /// The scan never panics, and whatever it takes serde decodes to the same value.
        #[test]
        fn the_depth_scan_agrees_with_serde(s in r#"\{ ?("(lastUpdateId|T|E|bids|asks|x)" ?: ?(-?[0-9]{1,20}|\[ ?(\[ ?"-?[0-9]{0,12}(\.[0-9]{0,12})?" ?, ?"[0-9.e-]{0,8}" ?\] ?,? ?){0,3}\]) ?,? ?){0,6}\} ?"#) {
            let (want, got) = both(s.as_bytes());
            if let Some(got) = got {
                prop_assert_eq!(Some(got), want.ok());
            }
        }

        #[test]
        fn the_trades_scan_agrees_with_serde(s in r#"\[ ?(\{ ?("(id|a|price|p|qty|q|time|T|m|isBuyerMaker|x)" ?: ?(-?[0-9]{1,20}(\.[0-9]{0,3})?|"-?[0-9]{0,8}(\.[0-9]{0,4})?"|true|false|null) ?,? ?){0,7}\} ?,? ?){0,3}\] ?"#) {
            let want = decode::<Vec<wire::PublicTrade>>("x", s.as_bytes());
            if let Some(got) = fast_public_trades(s.as_bytes()) {
                prop_assert_eq!(Some(got), want.ok());
            }
        }

        #[test]
        fn the_trades_scan_never_panics(s in ".{0,200}") {
            let want = decode::<Vec<wire::PublicTrade>>("x", s.as_bytes());
            if let Some(got) = fast_public_trades(s.as_bytes()) {
                prop_assert_eq!(Some(got), want.ok());
            }
        }

        #[test]
        fn the_depth_scan_never_panics(s in ".{0,200}") {
            let (want, got) = both(s.as_bytes());
            if let Some(got) = got {
                prop_assert_eq!(Some(got), want.ok());
            }
        }
    }

    proptest! {
        #[test]
        fn decoders_never_panic(s in ".{0,200}") {
            let b = s.as_bytes();
            let _ = decode::<wire::ExchangeInfo>("x", b);
            let _ = decode::<Vec<wire::OrderResp>>("x", b);
            let _ = decode::<wire::Depth>("x", b);
            let _ = decode::<Vec<wire::KlineRow>>("x", b).map(|r| candles(&r, None));
            let _ = decode::<Vec<wire::PositionRisk>>("x", b);
        }

        #[test]
        fn kline_rows_never_panic(cells in proptest::collection::vec(
            prop_oneof![Just(serde_json::json!("1.5")), Just(serde_json::json!(3)), Just(serde_json::json!(null)),
                        Just(serde_json::json!("x")), Just(serde_json::json!(-1e300))], 0..14)) {
            let _ = candle(&cells, Some(0));
        }
    }
}
