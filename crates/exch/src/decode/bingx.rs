//! BingX payloads (`{"code":0,"data":...}` envelopes) from the spot API (`--market spot`) or
//! the perpetual swap V2 API (`--market perp`), decoded with `exch_bingx`'s parsers. Symbols
//! are resolved through the markets of `--markets` (`spot/v1/common/symbols` or
//! `swap/v2/quote/contracts`), or taken from `--symbol` where the payload concerns one market.

use exch_bingx::parse;
use exch_bingx::symbols::SymbolMap;
use exch_core::{MarketKind, Result, Venue};
use serde_json::Value;

use super::{json, needs, DecodeKind, DecodeRequest};

fn markets(kind: MarketKind, body: &[u8], endpoint: &str) -> Result<Vec<exch_core::Market>> {
    match kind {
        MarketKind::Spot => parse::spot_symbols(body, endpoint),
        _ => parse::swap_contracts(body, endpoint),
    }
}

/// Decodes one BingX payload.
pub(super) fn decode(req: &DecodeRequest<'_>) -> Result<Value> {
    let endpoint = format!("{} {} payload", Venue::Bingx, req.kind);
    let ep = endpoint.as_str();
    let body = req.payload;
    let kind = req.market;
    let map = match req.markets {
        Some(raw) => SymbolMap::from_markets(&markets(kind, raw, "--markets")?),
        None => SymbolMap::new(),
    };
    let need_markets = || {
        needs(format!(
            "a BingX {} payload names markets by their BingX symbol: pass --markets with the {} markets payload",
            req.kind,
            if kind == MarketKind::Spot { "spot" } else { "swap" }
        ))
    };
    let need_symbol = || {
        needs(format!(
            "a BingX {} payload does not name its market: pass --symbol",
            req.kind
        ))
    };
    match req.kind {
        DecodeKind::Markets => json(&markets(kind, body, ep)?),
        DecodeKind::Ticker => match &req.symbol {
            Some(symbol) if !map.is_empty() => json(&parse::ticker(body, ep, symbol, &map)?),
            _ if map.is_empty() => Err(need_markets()),
            _ => json(&parse::tickers(body, ep, kind, &map)?),
        },
        DecodeKind::Book => json(&parse::order_book(
            body,
            ep,
            req.symbol.as_ref().ok_or_else(need_symbol)?,
        )?),
        DecodeKind::Trades => json(&parse::trades(body, ep, req.symbol.as_ref().ok_or_else(need_symbol)?)?),
        DecodeKind::Candles => json(&parse::candles(body, ep)?),
        DecodeKind::Order | DecodeKind::Orders => {
            if map.is_empty() && req.symbol.is_none() {
                return Err(need_markets());
            }
            if req.kind == DecodeKind::Order {
                json(&parse::order(body, ep, kind, &map, req.symbol.as_ref())?)
            } else {
                json(&parse::orders(body, ep, kind, &map, req.symbol.as_ref())?)
            }
        }
        DecodeKind::Balances => match kind {
            MarketKind::Spot => json(&parse::spot_balances(body, ep)?),
            _ => json(&parse::swap_balances(body, ep)?),
        },
        DecodeKind::Positions => {
            if map.is_empty() {
                return Err(need_markets());
            }
            json(&parse::positions(body, ep, &map)?)
        }
    }
}
