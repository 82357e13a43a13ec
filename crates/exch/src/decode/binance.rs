//! Binance payloads: the spot API (`--market spot`) and the USDⓈ-M futures API (`--market perp`),
//! decoded with `exch_binance`'s wire types and parsers.

use exch_binance::config::Api;
use exch_binance::symbols::SymbolMap;
use exch_binance::{parse, wire};
use exch_core::{Error, ErrorKind, MarketKind, Result, Symbol, Venue};
use serde_json::Value;

use super::{is_array, json, needs, DecodeKind, DecodeRequest};

fn api(market: MarketKind) -> Result<Api> {
    Api::for_kind(market).ok_or_else(|| needs(format!("Binance has no {market} API in exch")))
}

/// The symbol map from `--markets` (an `exchangeInfo` payload of the same API).
fn markets_map(req: &DecodeRequest<'_>, api: Api) -> Result<Option<SymbolMap>> {
    let Some(raw) = req.markets else { return Ok(None) };
    let info: wire::ExchangeInfo = parse::decode("--markets (exchangeInfo)", raw)?;
    let mut map = SymbolMap::new();
    map.extend(api, &info.symbols);
    Ok(Some(map))
}

/// The unified symbol of the Binance symbol `venue_symbol`: from `--markets`, else `--symbol`.
fn resolve(req: &DecodeRequest<'_>, map: Option<&SymbolMap>, api: Api, venue_symbol: &str) -> Result<Symbol> {
    match (map, &req.symbol) {
        (Some(map), _) => map.from_venue(api, venue_symbol).cloned().ok_or_else(|| {
            Error::new(
                ErrorKind::BadSymbol,
                format!(
                    "Binance {} symbol {venue_symbol} is not in the --markets payload",
                    api.name()
                ),
            )
            .with_venue(Venue::Binance)
        }),
        (None, Some(s)) => Ok(s.clone()),
        (None, None) => Err(needs(format!(
            "Binance symbol {venue_symbol} needs market data: pass --markets with the {} exchangeInfo payload, or --symbol",
            api.name()
        ))),
    }
}

/// A map for rows naming `venue_symbols`: from `--markets`, else `--symbol` when every row has
/// the same venue symbol.
fn rows_map<'a>(
    req: &DecodeRequest<'_>,
    map: Option<SymbolMap>,
    api: Api,
    mut venue_symbols: impl Iterator<Item = &'a str>,
) -> Result<SymbolMap> {
    if let Some(map) = map {
        return Ok(map);
    }
    let mut single = SymbolMap::new();
    if let Some(first) = venue_symbols.next() {
        let symbol = resolve(req, None, api, first)?;
        if venue_symbols.any(|s| s != first) {
            return Err(needs(
                "rows of several symbols need market data: pass --markets with the exchangeInfo payload",
            ));
        }
        single.insert(api, symbol, first.to_string());
    }
    Ok(single)
}

/// Decodes one Binance payload.
pub(super) fn decode(req: &DecodeRequest<'_>) -> Result<Value> {
    let api = api(req.market)?;
    let endpoint = format!("{} {} payload", Venue::Binance, req.kind);
    let ep = endpoint.as_str();
    let map = markets_map(req, api)?;
    let payload = req.payload;
    match req.kind {
        DecodeKind::Markets => json(&parse::markets(api, &parse::decode::<wire::ExchangeInfo>(ep, payload)?)),
        DecodeKind::Ticker if is_array(payload) => {
            let rows: Vec<wire::Ticker24h> = parse::decode(ep, payload)?;
            let map = rows_map(req, map, api, rows.iter().map(|r| r.symbol.as_str()))?;
            json(&parse::tickers(&map, api, &rows))
        }
        DecodeKind::Ticker => {
            let t: wire::Ticker24h = parse::decode(ep, payload)?;
            json(&parse::ticker(resolve(req, map.as_ref(), api, &t.symbol)?, &t))
        }
        DecodeKind::Book => {
            let d: wire::Depth = parse::decode(ep, payload)?;
            let symbol = req
                .symbol
                .clone()
                .ok_or_else(|| needs("a Binance depth payload does not name its symbol: pass --symbol"))?;
            json(&parse::order_book(symbol, &d))
        }
        DecodeKind::Trades => {
            let rows: Vec<wire::PublicTrade> = parse::decode(ep, payload)?;
            let symbol = req
                .symbol
                .clone()
                .ok_or_else(|| needs("a Binance trades payload does not name its symbol: pass --symbol"))?;
            json(&parse::trades(&symbol, &rows))
        }
        DecodeKind::Candles => json(&parse::candles(
            &parse::decode::<Vec<wire::KlineRow>>(ep, payload)?,
            None,
        )?),
        DecodeKind::Order => {
            let o: wire::OrderResp = parse::decode(ep, payload)?;
            json(&parse::order(api, resolve(req, map.as_ref(), api, &o.symbol)?, &o)?)
        }
        DecodeKind::Orders => {
            let rows: Vec<wire::OrderResp> = parse::decode(ep, payload)?;
            let map = rows_map(req, map, api, rows.iter().map(|r| r.symbol.as_str()))?;
            json(&parse::orders(&map, api, &rows)?)
        }
        DecodeKind::Balances => match api {
            Api::Spot => json(&parse::spot_balances(&parse::decode::<wire::SpotAccount>(ep, payload)?)),
            Api::Futures if is_array(payload) => json(&parse::futures_balances(&parse::decode::<
                Vec<wire::FuturesBalance>,
            >(ep, payload)?)),
            Api::Futures => json(&parse::futures_balances(
                &parse::decode::<wire::FuturesAccount>(ep, payload)?.assets,
            )),
        },
        DecodeKind::Positions => {
            if api != Api::Futures {
                return Err(needs("Binance positions come from the futures API: pass --market perp"));
            }
            let rows: Vec<wire::PositionRisk> = parse::decode(ep, payload)?;
            let map = rows_map(req, map, api, rows.iter().map(|r| r.symbol.as_str()))?;
            json(&parse::positions(&map, &rows)?)
        }
    }
}
