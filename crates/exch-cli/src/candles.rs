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
