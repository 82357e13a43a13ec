//! `exch watch`: live market data of one symbol and channel, one line per event.
//!
//! Data events go to stdout: a readable line each, or one JSON object per line with `--json`
//! (`{"event":"ticker"|"trade"|"book_snapshot"|"book_update"|"candle","venue":…,"data":…}`).
//! Connection-state events (connected, reconnecting, resyncing, resynced, stale) and stream
//! errors go to stderr as `* …` / `! …` lines; with `--json` they are JSON lines on stdout too
//! (`"event":"state"` / `"event":"error"`), so that a consumer sees the whole stream in order.
//! `--count N` stops after N data events; Ctrl-C stops cleanly.
//!
//! With `--sim`, the venue's simulator runs in-process and a small scripted market moves the
//! symbol every `--tick` milliseconds (book, trade, ticker and candle pushed through the
//! simulator's WebSockets); a banner on stderr says so.

use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;

use exch::sim::SimVenue;
use exch::stream::{BookUpdate, Channel, ConnectionState, MarketStream, StreamConfig, StreamEvent, Subscription};
use exch::{Candle, Decimal, Interval, Level, OrderBook, Side, Symbol, Ticker, Trade, Venue};
use serde_json::{json, Value};

use crate::cli::{ChannelArg, Global, WatchArgs};
use crate::failure::Failure;
use crate::output::{dec, opt_dec};
use crate::session;

/// Runs `exch watch`.
pub async fn run(g: &Global, args: &WatchArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let venue = args.venue.venue;
    if args.count == Some(0) {
        return Err(Failure::Usage("--count must be at least 1".to_string()));
    }
    if args.depth == 0 {
        return Err(Failure::Usage("--depth must be at least 1".to_string()));
    }
    if args.tick.is_some() && !g.sim {
        return Err(Failure::Usage(
            "--tick drives the scripted market of --sim; add --sim".to_string(),
        ));
    }
    let channel = match args.channel {
        ChannelArg::Book => Channel::BOOK,
        ChannelArg::Trades => Channel::Trades,
        ChannelArg::Ticker => Channel::Ticker,
        ChannelArg::Candles => Channel::Candles(args.interval),
    };
    let sub = Subscription::new(args.symbol.clone(), channel);
    let cfg = StreamConfig::default().book_depth(args.depth);
    let mut stderr = io::stderr();

    let mut script = None;
    let (stream, _sim) = if g.sim {
        if g.testnet || !g.base_url.is_empty() {
            return Err(Failure::Usage(
                "--sim cannot be combined with --testnet or --base-url".to_string(),
            ));
        }
        let sim = Arc::new(exch::sim::start(venue).await?);
        let stream = sim.stream([sub.clone()], cfg).await?;
        let tick = Duration::from_millis(args.tick.unwrap_or(DEFAULT_TICK_MS).max(1));
        let market = Script::new(&sim, &args.symbol, args.interval)?;
        writeln!(
            stderr,
            "* simulated {venue} on 127.0.0.1: a scripted market moves {} every {} ms (not real market data)",
            args.symbol,
            tick.as_millis()
        )?;
        let driver = sim.clone();
        script = Some(tokio::spawn(async move {
            let mut market = market;
            let mut every = tokio::time::interval(tick);
            loop {
                every.tick().await;
                // A publishing error (it cannot happen for a listed symbol) ends the script.
                if market.step(&driver).is_err() {
                    break;
                }
            }
        }));
        (stream, Some(sim))
    } else {
        let stream = exch::stream(venue, session::config(venue, g), [sub.clone()], cfg).await?;
        (stream, None)
    };
    if !g.json {
        writeln!(stderr, "* watching {sub} on {venue} (Ctrl-C to stop)")?;
    }
    let result = pump(g.json, venue, stream, args.count, out).await;
    if let Some(s) = script {
        s.abort();
    }
    result
}

/// The scripted market's default interval.
const DEFAULT_TICK_MS: u64 = 1000;

/// Prints events until `count` data events, the end of the stream, or Ctrl-C.
async fn pump(
    json: bool,
    venue: Venue,
    mut stream: MarketStream,
    count: Option<usize>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let mut data = 0usize;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let event = tokio::select! {
            e = stream.next_event() => e,
            _ = &mut ctrl_c => {
                if !json {
                    writeln!(io::stderr(), "* interrupted after {data} events")?;
                }
                return Ok(());
            }
        };
        let Some(event) = event else {
            writeln!(io::stderr(), "* the stream ended")?;
            return Ok(());
        };
        let is_data = event.is_data();
        if json {
            writeln!(out, "{}", event_json(venue, &event))?;
        } else if is_data {
            writeln!(out, "{}", event_line(&event))?;
        } else {
            writeln!(io::stderr(), "{}", event_line(&event))?;
        }
        out.flush()?;
        if is_data {
            data += 1;
            if count.is_some_and(|n| data >= n) {
                return Ok(());
            }
        }
    }
}

fn levels(ls: &[Level]) -> String {
    if ls.is_empty() {
        return "-".to_string();
    }
    ls.iter()
        .map(|l| format!("{} x {}", dec(l.price), dec(l.qty)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn side(s: Option<Side>) -> &'static str {
    match s {
        Some(Side::Buy) => "buy ",
        Some(Side::Sell) => "sell",
        None => "-   ",
    }
}

fn book_line(kind: &str, b: &OrderBook) -> String {
    format!(
        "book    {} {kind}{}  bids {}  |  asks {}",
        b.symbol,
        b.sequence.map(|s| format!(" seq {s}")).unwrap_or_default(),
        levels(&b.bids),
        levels(&b.asks)
    )
}

fn ticker_line(t: &Ticker) -> String {
    format!(
        "ticker  {} last {}  bid {} x {}  ask {} x {}  24h open {} high {} low {} vol {}",
        t.symbol,
        opt_dec(t.last),
        opt_dec(t.bid),
        opt_dec(t.bid_qty),
        opt_dec(t.ask),
        opt_dec(t.ask_qty),
        opt_dec(t.open),
        opt_dec(t.high),
        opt_dec(t.low),
        opt_dec(t.base_volume),
    )
}

fn candle_line(symbol: &Symbol, interval: Interval, c: &Candle) -> String {
    let state = match c.closed {
        Some(true) => "closed",
        Some(false) => "forming",
        None => "",
    };
    format!(
        "candle  {symbol} {interval} {}  o {} h {} l {} c {} v {} {state}",
        crate::time::format_ms(c.open_time),
        dec(c.open),
        dec(c.high),
        dec(c.low),
        dec(c.close),
        dec(c.volume),
    )
    .trim_end()
    .to_string()
}

/// The readable line of an event (state and error lines start with `*` / `!`).
pub fn event_line(e: &StreamEvent) -> String {
    match e {
        StreamEvent::Ticker(t) => ticker_line(t),
        StreamEvent::Trade(t) => format!(
            "trade   {} {} {} @ {}{}",
            t.symbol,
            side(t.side),
            dec(t.qty),
            dec(t.price),
            if t.id.is_empty() {
                String::new()
            } else {
                format!("  id {}", t.id)
            }
        ),
        StreamEvent::BookSnapshot(b) => book_line("snapshot", b),
        StreamEvent::BookUpdate(u) => book_line("update", &u.book),
        StreamEvent::Candle {
            symbol,
            interval,
            candle,
        } => candle_line(symbol, *interval, candle),
        StreamEvent::State(s) => format!("* {}", state_text(s)),
        StreamEvent::Error(err) => format!("! {}: {}", err.kind(), err.message()),
        other => format!("* {other:?}"),
    }
}

fn state_text(s: &ConnectionState) -> String {
    match s {
        ConnectionState::Connected { url } => format!("connected to {url}"),
        ConnectionState::Reconnecting { attempt, delay } => {
            format!("reconnecting (attempt {attempt}) in {} ms", delay.as_millis())
        }
        ConnectionState::Resyncing { symbol, reason } => format!("resyncing the {symbol} book: {reason}"),
        ConnectionState::Resynced { symbol } => format!("resynced the {symbol} book"),
        ConnectionState::Stale { subscription } => format!("stale: no data for {subscription}"),
        other => format!("{other:?}"),
    }
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn update_json(u: &BookUpdate) -> Value {
    json!({
        "symbol": u.symbol.to_string(),
        "bids": to_value(&u.bids),
        "asks": to_value(&u.asks),
        "sequence": u.sequence,
        "timestamp": u.timestamp,
        "book": to_value(&u.book),
    })
}

/// The JSON line of an event.
pub fn event_json(venue: Venue, e: &StreamEvent) -> Value {
    let (event, mut v) = match e {
        StreamEvent::Ticker(t) => ("ticker", json!({"data": to_value(t)})),
        StreamEvent::Trade(t) => ("trade", json!({"data": to_value(t)})),
        StreamEvent::BookSnapshot(b) => ("book_snapshot", json!({"data": to_value(b)})),
        StreamEvent::BookUpdate(u) => ("book_update", json!({"data": update_json(u)})),
        StreamEvent::Candle {
            symbol,
            interval,
            candle,
        } => (
            "candle",
            json!({"data": {"symbol": symbol.to_string(), "interval": interval.as_str(), "candle": to_value(candle)}}),
        ),
        StreamEvent::State(s) => ("state", state_json(s)),
        StreamEvent::Error(err) => (
            "error",
            json!({"kind": err.kind().to_string(), "code": err.code(), "message": err.message()}),
        ),
        other => ("other", json!({"debug": format!("{other:?}")})),
    };
    if let Value::Object(o) = &mut v {
        o.insert("event".into(), json!(event));
        o.insert("venue".into(), json!(venue.as_str()));
    }
    v
}

fn state_json(s: &ConnectionState) -> Value {
    match s {
        ConnectionState::Connected { url } => json!({"state": "connected", "url": url}),
        ConnectionState::Reconnecting { attempt, delay } => {
            json!({"state": "reconnecting", "attempt": attempt, "delay_ms": u64::try_from(delay.as_millis()).unwrap_or(u64::MAX)})
        }
        ConnectionState::Resyncing { symbol, reason } => {
            json!({"state": "resyncing", "symbol": symbol.to_string(), "reason": reason.to_string()})
        }
        ConnectionState::Resynced { symbol } => json!({"state": "resynced", "symbol": symbol.to_string()}),
        ConnectionState::Stale { subscription } => json!({"state": "stale", "subscription": subscription.to_string()}),
        other => json!({"state": format!("{other:?}")}),
    }
}

/// The scripted market of `--sim`: the mid walks a fixed zig-zag of price steps around the
/// simulator's seeded mid; each step replaces the book (five levels a side), prints a trade
/// against the best bid or ask, and pushes the ticker and the forming candle.
#[derive(Debug)]
struct Script {
    symbol: Symbol,
    interval: Interval,
    mid: Decimal,
    step: Decimal,
    unit: Decimal,
    n: u64,
}

/// The zig-zag of the mid, in steps.
const WALK: [i64; 12] = [0, 1, 2, 3, 2, 1, 0, -1, -2, -3, -2, -1];

impl Script {
    fn new(sim: &SimVenue, symbol: &Symbol, interval: Interval) -> Result<Script, Failure> {
        let st = sim.server().state();
        let market = st.market(symbol).cloned().ok_or_else(|| {
            exch::Error::new(
                exch::ErrorKind::BadSymbol,
                format!("the {} simulator does not list {symbol}", sim.venue()),
            )
            .with_venue(sim.venue())
        })?;
        let book = st.book(symbol, Some(1));
        let mid = match book.as_ref().and_then(|b| Some((b.best_bid()?, b.best_ask()?))) {
            Some((b, a)) => (b.price + a.price) / Decimal::TWO,
            None => st.mark_price(symbol).unwrap_or(Decimal::ONE_HUNDRED),
        };
        let tick = if market.tick_size > Decimal::ZERO {
            market.tick_size
        } else {
            Decimal::new(1, 2)
        };
        // About 1 bp of the price, on the tick grid.
        let step = ((mid / Decimal::from(10_000) / tick).floor() * tick).max(tick);
        // Sizes in steps of 0.001 base units at least, and whole contracts where the venue
        // counts contracts.
        let mut unit = market.step_size.max(Decimal::new(1, 3));
        if market.contract_size != Decimal::ONE {
            unit = unit.max(market.contract_size);
        }
        Ok(Script {
            symbol: symbol.clone(),
            interval,
            mid: (mid / tick).round() * tick,
            step,
            unit,
            n: 0,
        })
    }

    fn step(&mut self, sim: &SimVenue) -> exch::Result<()> {
        let k = self.n;
        self.n += 1;
        let mid = self.mid + self.step * Decimal::from(WALK[(k % WALK.len() as u64) as usize]);
        let qty = |i: u64| self.unit * Decimal::from(10 * (i + 1) + (k + i) % 7);
        let bids: Vec<Level> = (0..5)
            .map(|i| Level {
                price: mid - self.step * Decimal::from(i + 1),
                qty: qty(i),
            })
            .collect();
        let asks: Vec<Level> = (0..5)
            .map(|i| Level {
                price: mid + self.step * Decimal::from(i + 1),
                qty: qty(i + 1),
            })
            .collect();
        let (side, price) = if k % 2 == 0 {
            (Side::Buy, asks[0].price)
        } else {
            (Side::Sell, bids[0].price)
        };
        sim.publish_book(&self.symbol, bids, asks)?;
        sim.publish_trade(&Trade {
            symbol: self.symbol.clone(),
            id: (k + 1).to_string(),
            price,
            qty: self.unit * Decimal::from(k % 5 + 1),
            side: Some(side),
            timestamp: sim.server().server_time_ms(),
        })?;
        sim.publish_ticker(&self.symbol)?;
        sim.publish_candle(&self.symbol, self.interval)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn btc() -> Symbol {
        "BTC/USDT".parse().unwrap()
    }

    #[test]
    fn lines_and_json_of_each_event() {
        let trade = StreamEvent::Trade(Trade {
            symbol: btc(),
            id: "7".into(),
            price: "30000.50".parse().unwrap(),
            qty: "0.010".parse().unwrap(),
            side: Some(Side::Sell),
            timestamp: 1_700_000_000_000,
        });
        assert_eq!(event_line(&trade), "trade   BTC/USDT sell 0.01 @ 30000.5  id 7");
        let v = event_json(Venue::Okx, &trade);
        assert_eq!((v["event"].as_str(), v["venue"].as_str()), (Some("trade"), Some("okx")));
        assert_eq!(v["data"]["symbol"], "BTC/USDT");
        let state = StreamEvent::State(ConnectionState::Reconnecting {
            attempt: 2,
            delay: Duration::from_millis(500),
        });
        assert_eq!(event_line(&state), "* reconnecting (attempt 2) in 500 ms");
        let v = event_json(Venue::Binance, &state);
        assert_eq!(
            (v["state"].as_str(), v["delay_ms"].as_u64()),
            (Some("reconnecting"), Some(500))
        );
        let book = StreamEvent::BookSnapshot(OrderBook {
            symbol: btc(),
            bids: vec![Level {
                price: Decimal::from(2),
                qty: Decimal::ONE,
            }],
            asks: vec![],
            sequence: Some(9),
            timestamp: None,
        });
        assert_eq!(
            event_line(&book),
            "book    BTC/USDT snapshot seq 9  bids 2 x 1  |  asks -"
        );
        assert_eq!(event_json(Venue::Bingx, &book)["event"], "book_snapshot");
    }
}
