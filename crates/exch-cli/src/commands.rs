//! The market-data, account and order subcommands: one venue call each, printed as a table or
//! as JSON (`--json`); `watch` streams (see [`crate::watch`]).

use std::io::{self, Read, Write};

use exch::{AccountKind, MarketKind, OrderQuery, OrderRef, OrderRequest, OrderType, Symbol};

use crate::cli::{Cli, Command, DecodeArgs, Global, MarketArg, OrderCommand, OrderRefArgs, PlaceArgs};
use crate::failure::Failure;
use crate::output::{self, Table};
use crate::session::{self, Session};
use crate::{candles, demo, watch};

/// Runs a parsed command line, writing results to `out`.
pub async fn run(cli: Cli, out: &mut dyn Write) -> Result<(), Failure> {
    let g = &cli.global;
    match cli.command {
        Command::Demo => demo::run(g, out).await,
        Command::Markets { venue, symbol, market } => {
            let s = session::open(venue.venue, g).await?;
            let markets = match &symbol {
                Some(sym) => vec![s.ex.market(sym).await?],
                None => {
                    let kinds = match market {
                        Some(m) => vec![m.kind()],
                        None => traded_kinds(&s),
                    };
                    let mut all = Vec::new();
                    for k in kinds {
                        all.extend(s.ex.markets(k).await?);
                    }
                    all
                }
            };
            emit(g, out, &markets, output::markets_table)
        }
        Command::Ticker { venue, symbol, market } => {
            let s = session::open(venue.venue, g).await?;
            let tickers = match &symbol {
                Some(sym) => vec![s.ex.ticker(sym).await?],
                None => s.ex.tickers(market.kind()).await?,
            };
            if g.json && symbol.is_some() {
                return Ok(output::write_json(out, &tickers[0])?);
            }
            emit(g, out, &tickers, output::tickers_table)
        }
        Command::Book { venue, symbol, depth } => {
            let s = session::open(venue.venue, g).await?;
            let mut book = s.ex.order_book(&symbol, Some(depth)).await?;
            book.bids.truncate(depth);
            book.asks.truncate(depth);
            if g.json {
                return Ok(output::write_json(out, &book)?);
            }
            writeln!(
                out,
                "{} on {}{}",
                book.symbol,
                venue.venue,
                book.timestamp
                    .map(|t| format!(" at {}", crate::time::format_ms(t)))
                    .unwrap_or_default()
            )?;
            Ok(output::book_table(&book).write(out)?)
        }
        Command::Trades { venue, symbol, limit } => {
            let s = session::open(venue.venue, g).await?;
            let trades = s.ex.trades(&symbol, limit).await?;
            emit(g, out, &trades, output::trades_table)
        }
        Command::Candles(args) => {
            let s = session::open(args.venue.venue, g).await?;
            candles::run(&*s.ex, &args, g.json, out).await
        }
        Command::Balances { venue, account } => {
            let s = session::open(venue.venue, g).await?;
            let kind = match account {
                MarketArg::Spot => AccountKind::Spot,
                MarketArg::Perp => AccountKind::Perpetual,
            };
            let balances = s.ex.balances(kind).await?;
            emit(g, out, &balances, output::balances_table)
        }
        Command::Positions { venue, symbol } => {
            let s = session::open(venue.venue, g).await?;
            let positions = s.ex.positions(symbol.as_ref()).await?;
            emit(g, out, &positions, output::positions_table)
        }
        Command::Orders {
            venue,
            symbol,
            market,
            history,
        } => {
            let s = session::open(venue.venue, g).await?;
            let kind = symbol.as_ref().map_or(market.kind(), Symbol::kind);
            let orders = if history {
                let query = OrderQuery {
                    symbol: symbol.clone(),
                    since: None,
                    until: None,
                    limit: None,
                };
                s.ex.order_history(&query).await?
            } else {
                s.ex.open_orders(symbol.as_ref(), kind).await?
            };
            emit(g, out, &orders, output::orders_table)
        }
        Command::Order(cmd) => order(g, cmd, out).await,
        Command::Decode(args) => decode(&args, out),
        Command::Watch(args) => watch::run(g, &args, out).await,
    }
}

/// The spot and linear-perpetual kinds the venue trades (both when it does not say).
fn traded_kinds(s: &Session) -> Vec<MarketKind> {
    let kinds: Vec<MarketKind> =
        s.ex.capabilities()
            .market_kinds
            .into_iter()
            .filter(|k| matches!(k, MarketKind::Spot | MarketKind::LinearPerpetual))
            .collect();
    if kinds.is_empty() {
        vec![MarketKind::Spot, MarketKind::LinearPerpetual]
    } else {
        kinds
    }
}

/// Prints `rows` as JSON or as the table `table` builds.
fn emit<T: serde::Serialize>(
    g: &Global,
    out: &mut dyn Write,
    rows: &[T],
    table: fn(&[T]) -> Table,
) -> Result<(), Failure> {
    if g.json {
        output::write_json(out, rows)?;
    } else {
        table(rows).write(out)?;
    }
    Ok(())
}

fn order_ref(args: &OrderRefArgs) -> Result<OrderRef, Failure> {
    match (&args.client_id, &args.id) {
        (Some(c), _) => Ok(OrderRef::Client(c.clone())),
        (None, Some(id)) => Ok(OrderRef::Id(id.clone())),
        (None, None) => Err(Failure::Usage("name the order: ID or --client-id".to_string())),
    }
}

/// Builds the order request `exch order place` describes.
pub fn place_request(p: &PlaceArgs) -> Result<OrderRequest, Failure> {
    let order_type = p.order_type.map(OrderType::from).unwrap_or(if p.price.is_some() {
        OrderType::Limit
    } else {
        OrderType::Market
    });
    if order_type == OrderType::Market && p.price.is_some() {
        return Err(Failure::Usage(
            "--price does not apply to a market order (drop --type market to place a limit order)".to_string(),
        ));
    }
    let mut b = OrderRequest::builder(p.symbol.clone(), p.side.into(), order_type, p.qty);
    if let Some(price) = p.price {
        b = b.price(price);
    }
    if let Some(t) = p.trigger {
        b = b.trigger_price(t);
    }
    if let Some(tif) = p.tif {
        b = b.time_in_force(tif.into());
    }
    if p.reduce_only {
        b = b.reduce_only(true);
    }
    if let Some(side) = p.position_side {
        b = b.position_side(side.into());
    }
    if let Some(id) = &p.client_id {
        b = b.client_order_id(id.clone());
    }
    b.build().map_err(|e| Failure::Usage(e.message().to_string()))
}

async fn order(g: &Global, cmd: OrderCommand, out: &mut dyn Write) -> Result<(), Failure> {
    match cmd {
        OrderCommand::Place(p) => {
            let request = place_request(&p)?;
            let s = session::open(p.venue.venue, g).await?;
            let placed = s.ex.place_order(&request).await?;
            show_order(g, out, &placed)
        }
        OrderCommand::Cancel(a) => {
            let s = session::open(a.venue.venue, g).await?;
            let cancelled = s.ex.cancel_order(&a.symbol, &order_ref(&a)?).await?;
            show_order(g, out, &cancelled)
        }
        OrderCommand::Get(a) => {
            let s = session::open(a.venue.venue, g).await?;
            let found = s.ex.order(&a.symbol, &order_ref(&a)?).await?;
            show_order(g, out, &found)
        }
        OrderCommand::CancelAll { venue, symbol } => {
            let s = session::open(venue.venue, g).await?;
            let cancelled = s.ex.cancel_all_orders(&symbol).await?;
            emit(g, out, &cancelled, output::orders_table)
        }
    }
}

fn show_order(g: &Global, out: &mut dyn Write, o: &exch::Order) -> Result<(), Failure> {
    if g.json {
        output::write_json(out, o)?;
    } else {
        output::orders_table(std::slice::from_ref(o)).write(out)?;
    }
    Ok(())
}

fn decode(args: &DecodeArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let payload = match &args.file {
        Some(path) => {
            std::fs::read(path).map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?
        }
        None => {
            let mut buf = Vec::new();
            io::stdin().read_to_end(&mut buf)?;
            buf
        }
    };
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Err(Failure::Usage(
            "no payload: pipe the raw venue response into stdin or pass --file".to_string(),
        ));
    }
    let markets = match &args.markets {
        Some(path) => {
            Some(std::fs::read(path).map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?)
        }
        None => None,
    };
    let request = exch::decode::DecodeRequest {
        venue: args.venue.venue,
        kind: args.kind,
        market: args.market.kind(),
        payload: &payload,
        markets: markets.as_deref(),
        symbol: args.symbol.clone(),
    };
    let value = exch::decode::decode(&request)?;
    output::write_json(out, &value)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn place(args: &[&str]) -> Result<OrderRequest, Failure> {
        let mut argv = vec!["exch", "order", "place", "--venue", "binance"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv).unwrap().command {
            Command::Order(OrderCommand::Place(p)) => place_request(&p),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn place_picks_the_type_from_the_price() {
        let limit = place(&["BTC/USDT", "buy", "0.5", "--price", "100", "--client-id", "abc"]).unwrap();
        assert_eq!(limit.order_type, OrderType::Limit);
        assert_eq!(limit.client_order_id.as_deref(), Some("abc"));
        let market = place(&["BTC/USDT:USDT", "sell", "2", "--reduce-only"]).unwrap();
        assert_eq!(market.order_type, OrderType::Market);
        assert!(market.reduce_only);
        assert_eq!(market.symbol.kind(), MarketKind::LinearPerpetual);
    }

    #[test]
    fn place_rejects_contradictions_as_usage() {
        let e = place(&["BTC/USDT", "buy", "1", "--type", "market", "--price", "5"]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let e = place(&["BTC/USDT", "buy", "1", "--type", "limit"]).unwrap_err();
        assert_eq!(e.exit_code(), 2, "{e:?}");
    }
}
