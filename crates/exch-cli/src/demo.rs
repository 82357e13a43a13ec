//! `exch demo`: a guided tour of the unified API on every venue of this build, against the
//! venues' simulators started in-process on 127.0.0.1. No keys, no network.
//!
//! The tour: markets with their precision, tickers side by side and a consolidated quote
//! through the router, an order placed and cancelled on each venue, and positions opened on
//! the perpetuals and aggregated across venues by the router. A failing step is reported and
//! the tour goes on; the exit code is 1 if any step failed.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use exch::precision::round_to_step;
use exch::router::{Router, SymbolMap, VenueQuote};
use exch::{Decimal, Exchange, Market, MarketKind, Order, OrderRef, OrderRequest, Rounding, Side, Symbol, Venue};

use crate::cli::Global;
use crate::failure::Failure;
use crate::output::{self, dec, opt_dec, Table};

/// One connected simulated venue.
struct Leg {
    venue: Venue,
    ex: Arc<dyn Exchange>,
    /// Keeps the simulator running.
    _sim: exch::sim::SimVenue,
    /// Spot and perpetual markets, as loaded in step 1.
    markets: Vec<Market>,
}

impl Leg {
    fn market(&self, symbol: &Symbol) -> Option<&Market> {
        self.markets.iter().find(|m| &m.symbol == symbol)
    }
}

/// The failed steps; the tour goes on after a failure.
#[derive(Default)]
struct Tally {
    failures: Vec<String>,
}

impl Tally {
    fn fail(
        &mut self,
        out: &mut dyn Write,
        venue: Venue,
        step: &str,
        e: &dyn std::fmt::Display,
    ) -> std::io::Result<()> {
        writeln!(out, "  ! {venue}: {step} failed: {e}")?;
        self.failures.push(format!("{venue}: {step}: {e}"));
        Ok(())
    }
}

/// Seeds the BTC books of the `i`-th simulator around one common price, each venue a few
/// ticks apart, so that the consolidated quote compares like with like (each simulator on its
/// own seeds its books from its venue's fixtures, at unrelated prices).
fn seed_books(sim: exch::sim::SimVenue, i: usize) -> exch::sim::SimVenue {
    const OFFSETS: [i64; 3] = [0, 3, -2]; // tenths of a dollar
    let mid = Decimal::from(30_000) + Decimal::new(OFFSETS[i % OFFSETS.len()], 1);
    let level = |price: Decimal, qty: i64| exch::Level {
        price,
        qty: Decimal::new(qty, 1),
    };
    let half = Decimal::new(5, 1);
    let bids: Vec<_> = (0..5i64)
        .map(|k| level(mid - half - Decimal::from(k), 5 + 5 * k))
        .collect();
    let asks: Vec<_> = (0..5i64)
        .map(|k| level(mid + half + Decimal::from(k), 5 + 5 * k))
        .collect();
    for symbol in ["BTC/USDT", "BTC/USDT:USDT"] {
        if let Ok(symbol) = symbol.parse::<Symbol>() {
            let mut state = sim.server().state();
            if state.book(&symbol, Some(1)).is_some() {
                state.set_book(&symbol, bids.clone(), asks.clone());
                state.set_mark_price(&symbol, None);
            }
        }
    }
    sim
}

/// Runs the tour.
pub async fn run(g: &Global, out: &mut dyn Write) -> Result<(), Failure> {
    if g.testnet || !g.base_url.is_empty() {
        return Err(Failure::Usage(
            "the demo runs on simulated venues; it takes no --testnet or --base-url".to_string(),
        ));
    }
    let venues = exch::sim::simulated_venues();
    if venues.is_empty() {
        return Err(exch::Error::new(
            exch::ErrorKind::Config,
            "this build has no simulated venue: build exch-cli with the exch features `full` and `sim`",
        )
        .into());
    }
    writeln!(
        out,
        "exch demo: one typed API on every venue, against simulators on 127.0.0.1."
    )?;
    writeln!(
        out,
        "No keys, no network: each venue's own wire protocol is served in-process."
    )?;
    let mut tally = Tally::default();
    let mut legs = Vec::new();
    for (i, venue) in venues.into_iter().enumerate() {
        match exch::sim::connect(venue).await {
            Ok((sim, ex)) => legs.push(Leg {
                _sim: seed_books(sim, i),
                venue,
                ex,
                markets: Vec::new(),
            }),
            Err(e) => tally.fail(out, venue, "starting the simulator", &e)?,
        }
    }
    let names: Vec<&str> = legs.iter().map(|l| l.venue.as_str()).collect();
    writeln!(out, "Venues: {}", names.join(", "))?;

    // 1. Markets.
    writeln!(
        out,
        "\n1. Markets: `ex.markets(MarketKind::Spot)` and `(MarketKind::LinearPerpetual)` on each venue"
    )?;
    let mut counts = Table::new(["venue", "spot markets", "perpetual markets"]);
    for leg in &mut legs {
        let mut row = vec![leg.venue.to_string()];
        for kind in [MarketKind::Spot, MarketKind::LinearPerpetual] {
            match leg.ex.markets(kind).await {
                Ok(ms) => {
                    row.push(ms.len().to_string());
                    leg.markets.extend(ms);
                }
                Err(e) => {
                    row.push("-".to_string());
                    tally.fail(out, leg.venue, &format!("markets({kind})"), &e)?;
                }
            }
        }
        counts.row(row);
    }
    counts.write(out)?;
    let router = Router::builder()
        .venues(legs.iter().map(|l| Arc::clone(&l.ex)))
        .timeout(Duration::from_secs(10))
        .build()?;
    let map = SymbolMap::from_markets(legs.iter().map(|l| (l.venue, l.markets.iter())));
    router.set_symbol_map(map.clone());
    let Some(sym) = common_symbol(&map, MarketKind::Spot, legs.len()) else {
        writeln!(out, "\nNo spot market is listed on every venue; the tour stops here.")?;
        return finish(out, tally);
    };
    writeln!(
        out,
        "\nThe router maps {sym} to {} venue(s). Its market on each venue (precision and limits are data, not guesses):",
        legs.len()
    )?;
    let mut t = Table::new([
        "venue",
        "symbol",
        "venue symbol",
        "tick",
        "step",
        "min qty",
        "min notional",
    ]);
    for leg in &legs {
        if let Some(m) = leg.market(&sym) {
            t.row(vec![
                leg.venue.to_string(),
                m.symbol.to_string(),
                m.venue_symbol.clone(),
                dec(m.tick_size),
                dec(m.step_size),
                opt_dec(m.min_qty),
                opt_dec(m.min_notional),
            ]);
        }
    }
    t.write(out)?;

    // 2. Tickers side by side.
    writeln!(
        out,
        "\n2. Tickers side by side: `router.ticker(&\"{sym}\".parse()?)` asks every venue at once"
    )?;
    let tickers = router.ticker(&sym).await?;
    let mut t = Table::new(["venue", "last", "bid", "ask", "24h volume"]);
    for (venue, r) in tickers.iter() {
        match r {
            Ok(x) => t.row(vec![
                venue.to_string(),
                opt_dec(x.last),
                opt_dec(x.bid),
                opt_dec(x.ask),
                opt_dec(x.base_volume),
            ]),
            Err(e) => tally.fail(out, venue, "ticker", e)?,
        }
    }
    t.write(out)?;

    // 3. Consolidated quote.
    writeln!(
        out,
        "\n3. Consolidated quote: `router.quote(&symbol)`, the best bid and ask across venues"
    )?;
    let quote = router.quote(&sym).await?;
    let best = |q: &Option<VenueQuote>| {
        q.as_ref()
            .map_or("-".to_string(), |q| format!("{} on {}", dec(q.price), q.venue))
    };
    writeln!(out, "  best bid  {}", best(&quote.best_bid))?;
    writeln!(out, "  best ask  {}", best(&quote.best_ask))?;
    writeln!(out, "  spread    {}", opt_dec(quote.spread()))?;
    if quote.is_crossed() {
        writeln!(
            out,
            "  crossed: one venue bids above another's ask (the simulators seed their books independently)"
        )?;
    }

    // 4. An order placed and cancelled.
    writeln!(
        out,
        "\n4. An order placed and cancelled: a limit buy of {sym} 10% under the bid, rounded to each market's tick and step"
    )?;
    let mut shown: Vec<Order> = Vec::new();
    for leg in &legs {
        let Some(market) = leg.market(&sym) else { continue };
        let reference = quote
            .tickers
            .get(&leg.venue)
            .and_then(|t| t.bid.or(t.last))
            .or_else(|| quote.best_bid.as_ref().map(|b| b.price));
        let Some(reference) = reference else {
            tally.fail(out, leg.venue, "finding a price", &"no bid and no last price")?;
            continue;
        };
        match place_and_cancel(&*leg.ex, market, reference).await {
            Ok((placed, cancelled)) => {
                shown.push(placed);
                shown.push(cancelled);
            }
            Err(e) => tally.fail(out, leg.venue, "place and cancel", &e)?,
        }
    }
    output::orders_table(&shown).write(out)?;

    // 5. Positions aggregated by the router.
    let Some(psym) = common_symbol(&map, MarketKind::LinearPerpetual, legs.len()) else {
        writeln!(out, "\nNo perpetual is listed on every venue; skipping positions.")?;
        return finish(out, tally);
    };
    writeln!(
        out,
        "\n5. Positions: a market order on {psym} per venue (long on the first, short on the next, ...)"
    )?;
    let perp_quote = router.quote(&psym).await?;
    for (i, leg) in legs.iter().enumerate() {
        let Some(market) = leg.market(&psym) else { continue };
        let side = if i % 2 == 0 { Side::Buy } else { Side::Sell };
        let price = perp_quote
            .tickers
            .get(&leg.venue)
            .and_then(|t| t.ask.or(t.last))
            .or(perp_quote.mid());
        // The smallest order the market takes, in base units (contracts are converted by the client).
        let qty = min_order_qty(market, price);
        let placed = match OrderRequest::market(psym.clone(), side, qty).build() {
            Ok(request) => leg.ex.place_order(&request).await,
            Err(e) => Err(e),
        };
        match placed {
            Ok(o) => writeln!(
                out,
                "  {}: {} {} {} -> {}",
                leg.venue,
                o.side,
                dec(o.qty),
                o.symbol,
                output::name(&o.status)
            )?,
            Err(e) => tally.fail(out, leg.venue, "market order", &e)?,
        }
    }
    writeln!(
        out,
        "\n`router.position_report(None)`: every venue's positions aggregated (sizes in base units, net = long - short)"
    )?;
    let report = router.position_report(None).await?;
    let mut t = Table::new([
        "symbol",
        "venue",
        "legs",
        "long",
        "short",
        "net",
        "avg entry",
        "unrealized pnl",
    ]);
    for (symbol, p) in &report.aggregation.by_symbol {
        let rows = p.by_venue.iter().map(|(v, x)| (v.to_string(), x));
        for (venue, x) in rows.chain(std::iter::once(("all".to_string(), &p.total))) {
            t.row(vec![
                symbol.to_string(),
                venue,
                x.legs.to_string(),
                dec(x.long_size),
                dec(x.short_size),
                dec(x.net_size),
                opt_dec(x.avg_entry.map(|d| d.round_dp(8))),
                dec(x.unrealized_pnl),
            ]);
        }
    }
    t.write(out)?;
    for (venue, e) in &report.errors {
        tally.fail(out, *venue, "positions", &format!("{} {}", e.kind, e.message))?;
    }
    finish(out, tally)
}

/// A symbol of `kind` that at least `venues` venues list, preferring BTC.
fn common_symbol(map: &SymbolMap, kind: MarketKind, venues: usize) -> Option<Symbol> {
    let candidates: Vec<&Symbol> = map
        .iter()
        .filter(|(s, vs)| s.kind() == kind && vs.len() >= venues)
        .map(|(s, _)| s)
        .collect();
    candidates
        .iter()
        .find(|s| s.base() == "BTC")
        .or(candidates.first())
        .map(|s| (*s).clone())
}

/// The smallest quantity `market` accepts at `price`: its minimum quantity and step, and twice
/// its minimum notional (so that rounding never lands under it).
fn min_order_qty(market: &Market, price: Option<Decimal>) -> Decimal {
    let mut qty = market.min_qty.unwrap_or(market.step_size).max(market.step_size);
    if let (Some(notional), Some(price)) = (market.min_notional, price.filter(|p| !p.is_zero())) {
        qty = qty.max(round_to_step(
            notional * Decimal::TWO / price,
            market.step_size,
            Rounding::Up,
        ));
    }
    qty.normalize()
}

/// Places a resting limit buy 10% under `reference`, then cancels it.
async fn place_and_cancel(ex: &dyn Exchange, market: &Market, reference: Decimal) -> exch::Result<(Order, Order)> {
    let price = round_to_step(reference * Decimal::new(9, 1), market.tick_size, Rounding::Down).max(market.tick_size);
    let qty = min_order_qty(market, Some(price));
    let request = OrderRequest::limit(market.symbol.clone(), Side::Buy, qty, price).build()?;
    let placed = ex.place_order(&request).await?;
    let cancelled = ex
        .cancel_order(&market.symbol, &OrderRef::Id(placed.id.clone()))
        .await?;
    Ok((placed, cancelled))
}

fn finish(out: &mut dyn Write, tally: Tally) -> Result<(), Failure> {
    if tally.failures.is_empty() {
        writeln!(
            out,
            "\nDone. Every call above went through `Arc<dyn exch::Exchange>`: the same code runs on every venue."
        )?;
        writeln!(
            out,
            "Next: add --sim to any command (`exch ticker --sim --venue binance BTC/USDT`), or drop it for the real venue."
        )?;
        Ok(())
    } else {
        Err(exch::Error::new(
            exch::ErrorKind::Venue,
            format!(
                "{} demo step(s) failed: {}",
                tally.failures.len(),
                tally.failures.join("; ")
            ),
        )
        .into())
    }
}
