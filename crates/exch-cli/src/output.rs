//! Output: aligned tables for people, JSON (the unified model) for machines, and the table
//! layout of every model.

use std::fmt::Display;
use std::io::{self, Write};

use exch::{Balance, Candle, Decimal, Market, MarketStatus, Order, OrderBook, Position, Ticker, Trade};
use serde::Serialize;

use crate::time::format_ms;

/// A text table: a header row and rows of cells; numeric columns are right-aligned.
#[derive(Debug, Clone, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Self {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row (missing cells print empty, extra cells are dropped).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn numeric(&self, col: usize) -> bool {
        let mut any = false;
        for r in &self.rows {
            match r.get(col).map(String::as_str) {
                None | Some("") | Some("-") => {}
                Some(c) => {
                    if c.parse::<Decimal>().is_err() {
                        return false;
                    }
                    any = true;
                }
            }
        }
        any
    }

    /// Writes the table; a table without rows prints `(none)` under its header.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        let n = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().take(n).enumerate() {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
        let right: Vec<bool> = (0..n).map(|i| self.numeric(i)).collect();
        let line = |cells: &[String], out: &mut dyn Write| -> io::Result<()> {
            let mut text = String::new();
            for i in 0..n {
                let cell = cells.get(i).map(String::as_str).unwrap_or("");
                let pad = widths[i].saturating_sub(cell.chars().count());
                if i > 0 {
                    text.push_str("  ");
                }
                if right[i] {
                    text.extend(std::iter::repeat_n(' ', pad));
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    if i + 1 < n {
                        text.extend(std::iter::repeat_n(' ', pad));
                    }
                }
            }
            writeln!(out, "{}", text.trim_end())
        };
        line(&self.headers, out)?;
        if self.rows.is_empty() {
            writeln!(out, "(none)")?;
        }
        for r in &self.rows {
            line(r, out)?;
        }
        Ok(())
    }
}

/// Writes `value` as pretty JSON followed by a newline.
pub fn write_json<T: Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::other)?;
    writeln!(out)
}

/// An optional value, `-` when absent.
pub fn opt<T: Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// A decimal without trailing zeros.
pub fn dec(d: Decimal) -> String {
    d.normalize().to_string()
}

/// An optional decimal without trailing zeros, `-` when absent.
pub fn opt_dec(d: Option<Decimal>) -> String {
    d.map_or_else(|| "-".to_string(), dec)
}

/// An optional time, `-` when absent.
pub fn opt_time(ms: Option<i64>) -> String {
    ms.map_or_else(|| "-".to_string(), format_ms)
}

/// A serde enum value as its wire name (`partially_filled`), for table cells.
pub fn name<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "?".to_string(),
    }
}

/// Markets with precision and limits.
pub fn markets_table(markets: &[Market]) -> Table {
    let mut t = Table::new([
        "symbol",
        "venue symbol",
        "status",
        "tick",
        "step",
        "min qty",
        "min notional",
        "contract",
    ]);
    for m in markets {
        let status = match &m.status {
            MarketStatus::Unknown(s) => s.clone(),
            other => name(other),
        };
        t.row(vec![
            m.symbol.to_string(),
            m.venue_symbol.clone(),
            status,
            dec(m.tick_size),
            dec(m.step_size),
            opt_dec(m.min_qty),
            opt_dec(m.min_notional),
            dec(m.contract_size),
        ]);
    }
    t
}

/// Tickers, one per row.
pub fn tickers_table(tickers: &[Ticker]) -> Table {
    let mut t = Table::new(["symbol", "last", "bid", "ask", "high", "low", "base volume", "change %"]);
    for x in tickers {
        t.row(vec![
            x.symbol.to_string(),
            opt_dec(x.last),
            opt_dec(x.bid),
            opt_dec(x.ask),
            opt_dec(x.high),
            opt_dec(x.low),
            opt_dec(x.base_volume),
            opt_dec(x.change_percent),
        ]);
    }
    t
}

/// An order book, bids and asks side by side, best first.
pub fn book_table(book: &OrderBook) -> Table {
    let mut t = Table::new(["bid qty", "bid", "ask", "ask qty"]);
    let depth = book.bids.len().max(book.asks.len());
    for i in 0..depth {
        let b = book.bids.get(i);
        let a = book.asks.get(i);
        t.row(vec![
            opt_dec(b.map(|l| l.qty)),
            opt_dec(b.map(|l| l.price)),
            opt_dec(a.map(|l| l.price)),
            opt_dec(a.map(|l| l.qty)),
        ]);
    }
    t
}

/// Public trades.
pub fn trades_table(trades: &[Trade]) -> Table {
    let mut t = Table::new(["time", "id", "side", "price", "qty"]);
    for x in trades {
        t.row(vec![
            format_ms(x.timestamp),
            x.id.clone(),
            opt(x.side),
            dec(x.price),
            dec(x.qty),
        ]);
    }
    t
}

/// Candles.
pub fn candles_table(candles: &[Candle]) -> Table {
    let mut t = Table::new(["open time", "open", "high", "low", "close", "volume"]);
    for c in candles {
        t.row(vec![
            format_ms(c.open_time),
            dec(c.open),
            dec(c.high),
            dec(c.low),
            dec(c.close),
            dec(c.volume),
        ]);
    }
    t
}

/// Balances.
pub fn balances_table(balances: &[Balance]) -> Table {
    let mut t = Table::new(["asset", "free", "locked", "total"]);
    for b in balances {
        t.row(vec![b.asset.clone(), dec(b.free), dec(b.locked), dec(b.total)]);
    }
    t
}

/// Positions.
pub fn positions_table(positions: &[Position]) -> Table {
    let mut t = Table::new([
        "symbol",
        "side",
        "size",
        "contracts",
        "entry",
        "mark",
        "liquidation",
        "unrealized pnl",
        "leverage",
    ]);
    for p in positions {
        t.row(vec![
            p.symbol.to_string(),
            name(&p.side),
            dec(p.size),
            dec(p.contracts),
            opt_dec(p.entry_price),
            opt_dec(p.mark_price),
            opt_dec(p.liquidation_price),
            opt_dec(p.unrealized_pnl),
            opt_dec(p.leverage),
        ]);
    }
    t
}

/// Orders.
pub fn orders_table(orders: &[Order]) -> Table {
    let mut t = Table::new([
        "symbol",
        "id",
        "client id",
        "side",
        "type",
        "price",
        "qty",
        "filled",
        "status",
        "created",
    ]);
    for o in orders {
        t.row(vec![
            o.symbol.to_string(),
            o.id.clone(),
            o.client_order_id.clone().unwrap_or_else(|| "-".to_string()),
            o.side.to_string(),
            name(&o.order_type),
            opt_dec(o.price),
            dec(o.qty),
            dec(o.filled_qty),
            name(&o.status),
            opt_time(o.created_at),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(t: &Table) -> String {
        let mut buf = Vec::new();
        t.write(&mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn aligns_text_left_and_numbers_right() {
        let mut t = Table::new(["asset", "free"]);
        t.row(vec!["BTC".into(), "1.5".into()]);
        t.row(vec!["USDT".into(), "100".into()]);
        assert_eq!(render(&t), "asset  free\nBTC     1.5\nUSDT    100\n");
    }

    #[test]
    fn empty_tables_say_none() {
        let t = Table::new(["a", "b"]);
        assert_eq!(render(&t), "a  b\n(none)\n");
    }

    #[test]
    fn enum_names_are_the_wire_names() {
        assert_eq!(name(&exch::OrderStatus::PartiallyFilled), "partially_filled");
        assert_eq!(name(&exch::PositionSide::Short), "short");
        assert_eq!(opt_dec(Some(Decimal::new(1500, 3))), "1.5");
        assert_eq!(opt_dec(None), "-");
    }
}
