//! `exch candles`: the latest bars, or any range downloaded window by window with a progress
//! bar (only when stderr is a terminal), written as a table, CSV or JSON.
//!
//! A range is cut into windows of [`WINDOW_BARS`] bars; each window is one
//! [`Exchange::candles`] call (which pages through the venue's own limit). Bars are kept in
//! ascending open time, each once, inside `[since, until]`, so windows never repeat or skip a
//! bar even when a venue returns one past the window's edge.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;

use exch::{Candle, CandleQuery, Exchange};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{CandlesArgs, Format};
use crate::failure::Failure;
use crate::output;
use crate::time::{format_ms, now_ms};

/// Bars per window of a range download.
pub const WINDOW_BARS: i64 = 1000;

/// Writes candles one at a time in a format.
pub trait CandleSink {
    /// Writes one candle.
    fn push(&mut self, c: &Candle) -> io::Result<()>;
    /// Finishes the output (closing brackets, the table).
    fn finish(&mut self) -> io::Result<()>;
}

/// CSV with a header line; times in ms and as UTC text.
#[derive(Debug)]
pub struct CsvSink<W: Write> {
    out: W,
    header: bool,
}

impl<W: Write> CsvSink<W> {
    /// A CSV writer.
    pub fn new(out: W) -> Self {
        CsvSink { out, header: false }
    }
}

impl<W: Write> CandleSink for CsvSink<W> {
    fn push(&mut self, c: &Candle) -> io::Result<()> {
        if !self.header {
            writeln!(
                self.out,
                "open_time,open_time_utc,open,high,low,close,volume,quote_volume,closed"
            )?;
            self.header = true;
        }
        writeln!(
            self.out,
            "{},{},{},{},{},{},{},{},{}",
            c.open_time,
            format_ms(c.open_time),
            c.open,
            c.high,
            c.low,
            c.close,
            c.volume,
            c.quote_volume.map(|v| v.to_string()).unwrap_or_default(),
            c.closed.map(|v| v.to_string()).unwrap_or_default()
        )
    }

    fn finish(&mut self) -> io::Result<()> {
        if !self.header {
            writeln!(
                self.out,
                "open_time,open_time_utc,open,high,low,close,volume,quote_volume,closed"
            )?;
            self.header = true;
        }
        self.out.flush()
    }
}

/// A JSON array of unified candles, streamed.
#[derive(Debug)]
pub struct JsonSink<W: Write> {
    out: W,
    count: usize,
}

impl<W: Write> JsonSink<W> {
    /// A JSON writer.
    pub fn new(out: W) -> Self {
        JsonSink { out, count: 0 }
    }
}

impl<W: Write> CandleSink for JsonSink<W> {
    fn push(&mut self, c: &Candle) -> io::Result<()> {
        self.out.write_all(if self.count == 0 { b"[\n  " } else { b",\n  " })?;
        serde_json::to_writer(&mut self.out, c).map_err(io::Error::other)?;
        self.count += 1;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }
}

/// A table, printed at the end.
#[derive(Debug)]
pub struct TableSink<W: Write> {
    out: W,
    rows: Vec<Candle>,
}

impl<W: Write> CandleSink for TableSink<W> {
    fn push(&mut self, c: &Candle) -> io::Result<()> {
        self.rows.push(c.clone());
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        output::candles_table(&self.rows).write(&mut self.out)?;
        self.out.flush()
    }
}

/// The format `args` ask for: `--format`, else `--json`, else JSON/CSV by the output file's
/// extension, else a table.
pub fn format_of(args: &CandlesArgs, json: bool) -> Format {
    if let Some(f) = args.format {
        return f;
    }
    if json {
        return Format::Json;
    }
    match &args.output {
        Some(path) if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) => Format::Json,
        Some(_) => Format::Csv,
        None => Format::Table,
    }
}

fn sink<'a, W: Write + 'a>(format: Format, out: W) -> Box<dyn CandleSink + 'a> {
    match format {
        Format::Csv => Box::new(CsvSink::new(out)),
        Format::Json => Box::new(JsonSink::new(out)),
        Format::Table => Box::new(TableSink { out, rows: Vec::new() }),
    }
}

/// Runs `exch candles`.
pub async fn run(ex: &dyn Exchange, args: &CandlesArgs, json: bool, out: &mut dyn Write) -> Result<(), Failure> {
    let format = format_of(args, json);
    if let (Some(since), Some(until)) = (args.since, args.until) {
        if until < since {
            return Err(Failure::Usage(format!(
                "--until ({}) is before --since ({})",
                format_ms(until),
                format_ms(since)
            )));
        }
    }
    match &args.output {
        Some(path) => {
            let file = create(path)?;
            let mut s = sink(format, BufWriter::new(file));
            let n = download(ex, args, &mut *s).await?;
            s.finish()?;
            eprintln!("wrote {n} candles to {}", path.display());
            Ok(())
        }
        None => {
            let mut s = sink(format, out);
            download(ex, args, &mut *s).await?;
            Ok(s.finish()?)
        }
    }
}

fn create(path: &Path) -> Result<File, Failure> {
    File::create(path).map_err(|e| Failure::Usage(format!("cannot create {}: {e}", path.display())))
}

/// Fetches the candles `args` describe into `sink`; returns how many were written.
pub async fn download(ex: &dyn Exchange, args: &CandlesArgs, sink: &mut dyn CandleSink) -> Result<usize, Failure> {
    let Some(since) = args.since else {
        // The latest bars: one call, the venue's default count (or --limit).
        let mut q = CandleQuery::new(args.symbol.clone(), args.interval);
        q.until = args.until;
        q.limit = args.limit;
        let candles = ex.candles(&q).await?;
        for c in &candles {
            sink.push(c)?;
        }
        return Ok(candles.len());
    };
    let until = args.until.unwrap_or_else(now_ms);
    let step = args.interval.millis();
    let window = step.saturating_mul(WINDOW_BARS);
    let span = u64::try_from(until - since).unwrap_or(0).max(1);
    let bar = if io::stderr().is_terminal() {
        let pb = ProgressBar::new(span);
        if let Ok(style) = ProgressStyle::with_template("{spinner} {bar:40} {percent:>3}% {msg} ({eta} left)") {
            pb.set_style(style);
        }
        pb
    } else {
        ProgressBar::hidden()
    };
    let mut written = 0usize;
    let mut last_open: Option<i64> = None;
    let mut from = since;
    while from <= until {
        let to = from.saturating_add(window - 1).min(until);
        let q = CandleQuery::new(args.symbol.clone(), args.interval)
            .since(from)
            .until(to);
        let batch = ex.candles(&q).await?;
        for c in batch {
            if c.open_time < from || c.open_time > to || last_open.is_some_and(|l| c.open_time <= l) {
                continue;
            }
            if args.limit.is_some_and(|l| written >= l) {
                break;
            }
            last_open = Some(c.open_time);
            sink.push(&c)?;
            written += 1;
        }
        bar.set_position(u64::try_from(to - since).unwrap_or(0));
        bar.set_message(format!("{written} candles, up to {}", format_ms(to)));
        if args.limit.is_some_and(|l| written >= l) || to == until {
            break;
        }
        from = to + 1;
    }
    bar.finish_and_clear();
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use exch::Decimal;

    fn candle(t: i64) -> Candle {
        Candle {
            open_time: t,
            open: Decimal::new(101, 1),
            high: Decimal::new(12, 0),
            low: Decimal::new(9, 0),
            close: Decimal::new(11, 0),
            volume: Decimal::new(5, 0),
            quote_volume: None,
            closed: Some(true),
        }
    }

    /// A venue whose only operation is candles: a bar every interval inside the query's range,
    /// plus a repeat of the first bar and one bar past the end (as some venues send).
    #[derive(Debug, Default)]
    struct Bars {
        calls: std::sync::Mutex<Vec<(i64, i64)>>,
    }

    fn no<T>(op: &str) -> exch::Result<T> {
        Err(exch::Error::unsupported(exch::Venue::Binance, op))
    }

    #[async_trait::async_trait]
    impl Exchange for Bars {
        fn venue(&self) -> exch::Venue {
            exch::Venue::Binance
        }
        fn capabilities(&self) -> exch::Capabilities {
            exch::Capabilities::none(exch::Venue::Binance)
        }
        async fn candles(&self, q: &CandleQuery) -> exch::Result<Vec<Candle>> {
            let (since, until) = (q.since.unwrap_or(0), q.until.unwrap_or(0));
            self.calls.lock().unwrap().push((since, until));
            let step = q.interval.millis();
            let mut out = vec![candle(since)];
            let mut t = since;
            while t <= until + step {
                out.push(candle(t));
                t += step;
            }
            Ok(out)
        }
        async fn server_time(&self) -> exch::Result<i64> {
            no("server_time")
        }
        async fn markets(&self, _kind: exch::MarketKind) -> exch::Result<Vec<exch::Market>> {
            no("markets")
        }
        async fn ticker(&self, _symbol: &exch::Symbol) -> exch::Result<exch::Ticker> {
            no("ticker")
        }
        async fn tickers(&self, _kind: exch::MarketKind) -> exch::Result<Vec<exch::Ticker>> {
            no("tickers")
        }
        async fn order_book(&self, _symbol: &exch::Symbol, _depth: Option<usize>) -> exch::Result<exch::OrderBook> {
            no("order_book")
        }
        async fn trades(&self, _symbol: &exch::Symbol, _limit: Option<usize>) -> exch::Result<Vec<exch::Trade>> {
            no("trades")
        }
        async fn place_order(&self, _request: &exch::OrderRequest) -> exch::Result<exch::Order> {
            no("place_order")
        }
        async fn cancel_order(&self, _symbol: &exch::Symbol, _order: &exch::OrderRef) -> exch::Result<exch::Order> {
            no("cancel_order")
        }
        async fn cancel_all_orders(&self, _symbol: &exch::Symbol) -> exch::Result<Vec<exch::Order>> {
            no("cancel_all_orders")
        }
        async fn order(&self, _symbol: &exch::Symbol, _order: &exch::OrderRef) -> exch::Result<exch::Order> {
            no("order")
        }
        async fn open_orders(
            &self,
            _symbol: Option<&exch::Symbol>,
            _kind: exch::MarketKind,
        ) -> exch::Result<Vec<exch::Order>> {
            no("open_orders")
        }
        async fn order_history(&self, _query: &exch::OrderQuery) -> exch::Result<Vec<exch::Order>> {
            no("order_history")
        }
        async fn balances(&self, _account: exch::AccountKind) -> exch::Result<Vec<exch::Balance>> {
            no("balances")
        }
        async fn positions(&self, _symbol: Option<&exch::Symbol>) -> exch::Result<Vec<exch::Position>> {
            no("positions")
        }
        async fn set_leverage(&self, _symbol: &exch::Symbol, _leverage: u32) -> exch::Result<()> {
            no("set_leverage")
        }
        async fn set_margin_mode(&self, _symbol: &exch::Symbol, _mode: exch::MarginMode) -> exch::Result<()> {
            no("set_margin_mode")
        }
        async fn set_position_mode(&self, _mode: exch::PositionMode) -> exch::Result<()> {
            no("set_position_mode")
        }
        async fn income(&self, _query: &exch::IncomeQuery) -> exch::Result<Vec<exch::Income>> {
            no("income")
        }
    }

    fn args(extra: &[&str]) -> CandlesArgs {
        use clap::Parser;
        let mut argv = vec!["exch", "candles", "--venue", "binance", "BTC/USDT", "--interval", "1m"];
        argv.extend_from_slice(extra);
        match crate::cli::Cli::try_parse_from(argv).unwrap().command {
            crate::cli::Command::Candles(a) => a,
            other => panic!("{other:?}"),
        }
    }

    #[derive(Default)]
    struct Collect(Vec<i64>);

    impl CandleSink for Collect {
        fn push(&mut self, c: &Candle) -> io::Result<()> {
            self.0.push(c.open_time);
            Ok(())
        }
        fn finish(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_range_is_fetched_window_by_window_without_repeats_or_gaps() {
        let ex = Bars::default();
        // 2500 one-minute bars: three windows of at most 1000.
        let since = 1_704_067_200_000;
        let until = since + 2499 * 60_000;
        let a = args(&["--since", &since.to_string(), "--until", &until.to_string()]);
        let mut sink = Collect::default();
        let n = download(&ex, &a, &mut sink).await.unwrap();
        assert_eq!(n, 2500);
        let expected: Vec<i64> = (0..2500).map(|i| since + i * 60_000).collect();
        assert_eq!(sink.0, expected);
        let calls = ex.calls.lock().unwrap().clone();
        assert_eq!(
            calls,
            vec![
                (since, since + 999 * 60_000 + 59_999),
                (since + 1000 * 60_000, since + 1999 * 60_000 + 59_999),
                (since + 2000 * 60_000, until),
            ]
        );
    }

    #[tokio::test]
    async fn limit_stops_the_download() {
        let ex = Bars::default();
        let a = args(&["--since", "2024-01-01", "--until", "2024-01-03", "--limit", "1500"]);
        let mut sink = Collect::default();
        assert_eq!(download(&ex, &a, &mut sink).await.unwrap(), 1500);
        assert_eq!(ex.calls.lock().unwrap().len(), 2);
        assert!(sink.0.windows(2).all(|w| w[1] - w[0] == 60_000));
    }

    #[test]
    fn csv_and_json_writers() {
        let mut buf = Vec::new();
        let mut s = CsvSink::new(&mut buf);
        s.push(&candle(60_000)).unwrap();
        s.finish().unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "open_time,open_time_utc,open,high,low,close,volume,quote_volume,closed\n\
             60000,1970-01-01 00:01:00,10.1,12,9,11,5,,true\n"
        );
        let mut buf = Vec::new();
        let mut s = JsonSink::new(&mut buf);
        s.push(&candle(0)).unwrap();
        s.push(&candle(60_000)).unwrap();
        s.finish().unwrap();
        let back: Vec<Candle> = serde_json::from_slice(&buf).unwrap();
        assert_eq!(back, vec![candle(0), candle(60_000)]);
        let mut buf = Vec::new();
        JsonSink::new(&mut buf).finish().unwrap();
        assert_eq!(serde_json::from_slice::<Vec<Candle>>(&buf).unwrap(), vec![]);
    }
}
