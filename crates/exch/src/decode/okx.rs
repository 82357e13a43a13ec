//! OKX V5 payloads (`{"code":"0","data":[...]}` envelopes), decoded with `exch_okx`'s wire
//! types and parsers. Quantities of SWAP instruments are in contracts on the wire; converting
//! them to base units needs the instrument's `ctVal`, so most kinds need `--markets` (a
//! `GET /api/v5/public/instruments` payload).

use exch_core::{Market, Result, Symbol, Venue};
use exch_okx::symbols::MarketMap;
use exch_okx::{parse, wire};
use serde_json::Value;

use super::{json, needs, DecodeKind, DecodeRequest};

/// The markets of `--markets`, indexed by instrument id and symbol.
fn markets_map(req: &DecodeRequest<'_>) -> Result<Option<MarketMap>> {
    let Some(raw) = req.markets else { return Ok(None) };
    let insts: Vec<wire::Instrument> = parse::envelope("--markets (instruments)", 200, raw)?;
    Ok(Some(MarketMap::new(parse::markets(&insts)?)))
}

fn require_map(map: Option<&MarketMap>, kind: DecodeKind) -> Result<&MarketMap> {
    map.ok_or_else(|| {
        needs(format!(
            "an OKX {kind} payload needs the instruments (symbols and contract sizes): pass --markets with a \
             /api/v5/public/instruments payload"
        ))
    })
}

/// The market of a payload that does not name its instrument: `--symbol` looked up in `--markets`.
fn by_symbol<'m>(req: &DecodeRequest<'_>, map: Option<&'m MarketMap>) -> Result<&'m Market> {
    let map = require_map(map, req.kind)?;
    let symbol: &Symbol = req.symbol.as_ref().ok_or_else(|| {
        needs(format!(
            "an OKX {} payload does not name its instrument: pass --symbol",
            req.kind
        ))
    })?;
    map.market(symbol)
}

/// One object when the envelope held one row, else an array.
fn one_or_many<T: serde::Serialize>(mut rows: Vec<T>) -> Result<Value> {
    if rows.len() == 1 {
        json(&rows.remove(0))
    } else {
        json(&rows)
    }
}

/// Decodes one OKX payload.
pub(super) fn decode(req: &DecodeRequest<'_>) -> Result<Value> {
    let endpoint = format!("{} {} payload", Venue::Okx, req.kind);
    let ep = endpoint.as_str();
    let body = req.payload;
    let map = markets_map(req)?;
    let map = map.as_ref();
    match req.kind {
        DecodeKind::Markets => {
            let insts: Vec<wire::Instrument> = parse::envelope(ep, 200, body)?;
            json(&parse::markets(&insts)?)
        }
        DecodeKind::Ticker => {
            let rows: Vec<wire::Ticker> = parse::envelope(ep, 200, body)?;
            let map = require_map(map, req.kind)?;
            let tickers = rows
                .iter()
                .map(|t| Ok(parse::ticker(t, map.by_inst_id(&t.inst_id)?)))
                .collect::<Result<Vec<_>>>()?;
            one_or_many(tickers)
        }
        DecodeKind::Book => {
            let rows: Vec<wire::Book> = parse::envelope(ep, 200, body)?;
            json(&parse::order_book(&rows, by_symbol(req, map)?)?)
        }
        DecodeKind::Trades => {
            let rows: Vec<wire::Trade> = parse::envelope(ep, 200, body)?;
            let map = require_map(map, req.kind)?;
            let trades = rows
                .iter()
                .map(|t| parse::trade(t, map.by_inst_id(&t.inst_id)?))
                .collect::<Result<Vec<_>>>()?;
            json(&trades)
        }
        DecodeKind::Candles => {
            let rows: Vec<wire::CandleRow> = parse::envelope(ep, 200, body)?;
            json(&parse::candles(&rows, by_symbol(req, map)?)?)
        }
        DecodeKind::Order | DecodeKind::Orders => {
            let rows: Vec<wire::Order> = parse::envelope(ep, 200, body)?;
            let map = require_map(map, req.kind)?;
            let orders = rows
                .iter()
                .map(|o| parse::order(o, map.by_inst_id(&o.inst_id)?))
                .collect::<Result<Vec<_>>>()?;
            if req.kind == DecodeKind::Order {
                one_or_many(orders)
            } else {
                json(&orders)
            }
        }
        DecodeKind::Balances => {
            let rows: Vec<wire::AccountBalance> = parse::envelope(ep, 200, body)?;
            json(&parse::balances(&rows))
        }
        DecodeKind::Positions => {
            let rows: Vec<wire::Position> = parse::envelope(ep, 200, body)?;
            json(&parse::positions(&rows, require_map(map, req.kind)?)?)
        }
    }
}
