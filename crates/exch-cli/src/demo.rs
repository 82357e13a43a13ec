//! `exch demo`: a guided tour of the unified API on every venue of this build, against the
//! venues' simulators started in-process on 127.0.0.1. No keys, no network.
//!
//! The tour: markets with their precision, tickers side by side, a consolidated quote, an
//! order placed and cancelled on each venue, and positions opened on the perpetuals and
//! aggregated across venues by the router. A failing step is reported and the tour goes on;
//! the exit code is 1 if any step failed.

use std::io::Write;
use std::sync::Arc;

use exch::precision::round_to_step;
use exch::router::{aggregate_positions, ConsolidatedQuote, VenueResults};
use exch::{Decimal, Exchange, Market, MarketKind, OrderRequest, Rounding, Side, Symbol, Venue};
use futures::future::join_all;

use crate::cli::Global;
use crate::failure::Failure;
use crate::output::{self, dec, opt_dec, Table};

/// One connected simulated venue.
struct Leg {
    venue: Venue,
    ex: Arc<dyn Exchange>,
    _sim: exch::sim::SimVenue,
}

/// Counts failed steps while the tour goes on.
#[derive(Default)]
struct Tally {
    failures: Vec<String>,
}

impl Tally {
    fn fail(&mut self, out: &mut dyn Write, venue: Venue, step: &str, e: &exch::Error) -> std::io::Result<()> {
        writeln!(out, "  ! {venue}: {step} failed: {e}")?;
        self.failures.push(format!("{venue}: {step}: {e}"));
        Ok(())
    }
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
        "exch demo: the same typed API on every venue, against simulators on 127.0.0.1."
    )?;
    writeln!(
        out,
        "No keys, no network: each venue's own wire protocol is served in-process.\n"
    )?;
    let mut legs = Vec::new();
    let mut tally = Tally::default();
    for venue in venues {
        match exch::sim::connect(venue).await {
            Ok((sim, ex)) => legs.push(Leg { venue, ex, _sim: sim }),
            Err(e) => tally.fail(out, venue, "starting the simulator", &e)?,
        }
    }
    let names: Vec<&str> = legs.iter().map(|l| l.venue.as_str()).collect();
    writeln!(out, "Venues: {}\n", names.join(", "))?;

    // 1. Markets.
    writeln!(
        out,
        "1. Markets: `ex.markets(MarketKind::Spot)`, with precision and limits"
    )?;
    let mut spot: Vec<(Venue, Vec<Market>)> = Vec::new();
    let mut perp: Vec<(Venue, Vec<Market>)> = Vec::new();
    for leg in &legs {
        for (kind, into) in [(MarketKind::Spot, &mut spot), (MarketKind::LinearPerpetual, &mut perp)] {
            match leg.ex.markets(kind).await {
                Ok(m) => into.push((leg.venue, m)),
                Err(e) => tally.fail(out, leg.venue, &format!("markets({kind})"), &e)?,
            }
        }
    }
    let mut counts = Table::new(["venue", "spot markets", "perpetual markets"]);
    for leg in &legs {
        let n = |list: &[(Venue, Vec<Market>)]| {
            list.iter()
                .find(|(v, _)| *v == leg.venue)
                .map_or("-".to_string(), |(_, m)| m.len().to_string())
        };
        counts.row(vec![leg.venue.to_string(), n(&spot), n(&perp)]);
    }
    counts.write(out)?;
    let spot_symbol = common_symbol(&spot);
    let perp_symbol = common_symbol(&perp);
    if let Some(sym) = &spot_symbol {
        writeln!(
            out,
            "\n{sym} on each venue (unified symbol, the venue's own id, tick and step):"
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
        for (venue, markets) in &spot {
            if let Some(m) = markets.iter().find(|m| &m.symbol == sym) {
                t.row(vec![
                    venue.to_string(),
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
    }

    // 2. Tickers side by side, 3. consolidated quote.
    let Some(sym) = spot_symbol else {
        writeln!(
            out,
            "\nNo spot market is listed on every venue; skipping tickers and orders."
        )?;
        return finish(out, tally);
    };
    writeln!(
        out,
        "\n2. Tickers side by side: `ex.ticker(&\"{sym}\".parse()?)` on every venue"
    )?;
    let tickers = join_all(legs.iter().map(|l| {
        let sym = sym.clone();
        async move { (l.venue, l.ex.ticker(&sym).await) }
    }))
    .await;
    let mut results = VenueResults::new();
    let mut t = Table::new(["venue", "last", "bid", "ask", "24h volume"]);
    for (venue, r) in tickers {
        match &r {
            Ok(x) => t.row(vec![
                venue.to_string(),
                opt_dec(x.last),
                opt_dec(x.bid),
                opt_dec(x.ask),
                opt_dec(x.base_volume),
            ]),
            Err(e) => tally.fail(out, venue, "ticker", e)?,
        }
        results.insert(venue, r);
    }
    t.write(out)?;
    writeln!(
        out,
        "\n3. Consolidated quote (router): the best bid and ask across venues"
    )?;
    let preference: Vec<Venue> = legs.iter().map(|l| l.venue).collect();
    let quote = ConsolidatedQuote::from_tickers(sym.clone(), results, &preference);
    let side = |q: &Option<exch::router::VenueQuote>| {
        q.as_ref()
            .map_or("-".to_string(), |q| format!("{} on {}", dec(q.price), q.venue))
    };
    writeln!(out, "  best bid {}", side(&quote.best_bid))?;
    writeln!(out, "  best ask {}", side(&quote.best_ask))?;
    writeln!(out, "  spread   {}", opt_dec(quote.spread()))?;

    // 4. An order placed and cancelled.
    writeln!(
        out,
        "\n4. An order placed and cancelled: a limit buy of {sym} 10% under the bid, rounded to the market's tick and step"
    )?;
    let mut placed = Vec::new();
    for leg in &legs {
        let Some(market) = spot
            .iter()
            .find(|(v, _)| *v == leg.venue)
            .and_then(|(_, ms)| ms.iter().find(|m| m.symbol == sym))
        else {
            continue;
        };
        let reference = quote
            .tickers
            .get(&leg.venue)
            .and_then(|t| t.bid.or(t.last))
            .or_else(|| quote.best_bid.as_ref().map(|b| b.price));
        let Some(reference) = reference else {
            writeln!(out, "  {}: no price to place against", leg.venue)?;
            continue;
        };
        match place_and_cancel(&*leg.ex, market, reference).await {
            Ok((o, c)) => {
                placed.push(o);
                placed.push(c);
            }
            Err(e) => tally.fail(out, leg.venue, "place and cancel", &e)?,
        }
    }
    output::orders_table(&placed).write(out)?;

    // 5. Positions aggregated by the router.
    let Some(psym) = perp_symbol else {
        writeln!(out, "\nNo perpetual is listed on every venue; skipping positions.")?;
        return finish(out, tally);
    };
    writeln!(
        out,
        "\n5. Positions: a market order on {psym} per venue (long on one, short on the next), then the router's aggregation"
    )?;
    for (i, leg) in legs.iter().enumerate() {
        let Some(market) = perp
            .iter()
            .find(|(v, _)| *v == leg.venue)
            .and_then(|(_, ms)| ms.iter().find(|m| m.symbol == psym))
        else {
            continue;
        };
        let side = if i % 2 == 0 { Side::Buy } else { Side::Sell };
        let qty = market.min_qty.unwrap_or(market.step_size).max(market.step_size);
        let request = match OrderRequest::market(psym.clone(), side, qty).build() {
            Ok(r) => r,
            Err(e) => {
                tally.fail(out, leg.venue, "building the order", &e)?;
                continue;
            }
        };
        match leg.ex.place_order(&request).await {
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
    let fetched = join_all(
        legs.iter()
            .map(|l| async move { (l.venue, l.ex.positions(None).await) }),
    )
    .await;
    let mut all = Vec::new();
    for (venue, r) in fetched {
        match r {
            Ok(ps) => all.extend(ps.into_iter().map(|p| (venue, p))),
            Err(e) => tally.fail(out, venue, "positions", &e)?,
        }
    }
    let mut t = Table::new(["venue", "symbol", "side", "size", "entry", "unrealized pnl"]);
    for (venue, p) in &all {
        t.row(vec![
            venue.to_string(),
            p.symbol.to_string(),
            output::name(&p.side),
            dec(p.size),
            opt_dec(p.entry_price),
            opt_dec(p.unrealized_pnl),
        ]);
    }
    t.write(out)?;
    match aggregate_positions(all.iter().map(|(v, p)| (*v, p))) {
        Ok(agg) => {
            writeln!(out, "\nAggregated by base asset (net = long - short, in base units):")?;
            let mut t = Table::new(["base", "legs", "long", "short", "net", "unrealized pnl"]);
            for (base, a) in &agg.by_base {
                t.row(vec![
                    base.clone(),
                    a.total.legs.to_string(),
                    dec(a.total.long_size),
                    dec(a.total.short_size),
                    dec(a.total.net_size),
                    dec(a.total.unrealized_pnl),
                ]);
            }
            t.write(out)?;
        }
        Err(e) => {
            writeln!(out, "  ! aggregation failed: {e}")?;
            tally.failures.push(format!("aggregation: {e}"));
        }
    }
    finish(out, tally)
}

/// The first symbol (in symbol order) that every venue of `lists` lists, preferring BTC.
fn common_symbol(lists: &[(Venue, Vec<Market>)]) -> Option<Symbol> {
    let (_, first) = lists.first()?;
    let mut candidates: Vec<&Symbol> = first
        .iter()
        .map(|m| &m.symbol)
        .filter(|s| lists.iter().all(|(_, ms)| ms.iter().any(|m| &m.symbol == *s)))
        .collect();
    candidates.sort();
    candidates
        .iter()
        .find(|s| s.base() == "BTC")
        .or(candidates.first())
        .map(|s| (*s).clone())
}

/// Places a resting limit buy 10% under `reference` and cancels it.
async fn place_and_cancel(
    ex: &dyn Exchange,
    market: &Market,
    reference: Decimal,
) -> exch::Result<(exch::Order, exch::Order)> {
    let price = round_to_step(reference * Decimal::new(9, 1), market.tick_size, Rounding::Down).max(market.tick_size);
    let mut qty = market.min_qty.unwrap_or(market.step_size).max(market.step_size);
    if let Some(notional) = market.min_notional {
        // Twice the minimum notional, so that rounding never lands under it.
        let needed = round_to_step(notional * Decimal::TWO / price, market.step_size, Rounding::Up);
        qty = qty.max(needed);
    }
    let request = OrderRequest::limit(market.symbol.clone(), Side::Buy, qty, price).build()?;
    let placed = ex.place_order(&request).await?;
    let cancelled = ex
        .cancel_order(&market.symbol, &exch::OrderRef::Id(placed.id.clone()))
        .await?;
    Ok((placed, cancelled))
}

fn finish(out: &mut dyn Write, tally: Tally) -> Result<(), Failure> {
    if tally.failures.is_empty() {
        writeln!(
            out,
            "\nDone. Every call above goes through `Arc<dyn exch::Exchange>`: the same code runs on every venue."
        )?;
        writeln!(
            out,
            "Next: `exch ticker --venue binance BTC/USDT` (real venue) or add --sim to any command."
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
