//! Pushing market data from a simulated venue to the clients streaming from it, in each
//! venue's own wire shapes: the one entry point behind `SimVenue::publish_*`.
//!
//! Binance's simulator has publishers for every channel (`exch_binance::sim::publish_*`);
//! they are called as they are. BingX's has the incremental book (`depth_update`) and a raw
//! `publish`, OKX's a live book snapshot and the hub's topic broadcast: the remaining frames
//! (BingX ticker, trades, klines and partial books; OKX tickers, trades, candles and book
//! updates) are built here from the simulator's state in the shapes the venues document
//! (`shared/venues/bingx.md` §7, `fixtures/okx/ws/`). They belong in those crates' `sim.rs`
//! next to the others (reported to the lead); this module is kept isolated so that they can
//! move there as they are.

// Binance's publishers live in its crate: with neither OKX nor BingX, the helpers here are unused.
#![cfg_attr(not(any(feature = "okx", feature = "bingx")), allow(dead_code, unused_imports))]

use std::collections::HashMap;
use std::sync::Mutex;

use exch_core::{Candle, Decimal, Error, ErrorKind, Interval, Level, Market, Result, Symbol, Trade, Venue};
use exch_testkit::SimHandle;

/// Per-session book sequence numbers of the simulated OKX `books` channel:
/// `(session id, instId)` → `(subscriptions seen, last seqId sent)`.
#[derive(Debug, Default)]
pub(crate) struct OkxSeqs(
    #[cfg_attr(not(feature = "okx"), allow(dead_code))] Mutex<HashMap<(usize, String), (usize, u64)>>,
);

/// The simulated market of `symbol`, or a `BadSymbol` error.
pub(crate) fn market(sim: &SimHandle, venue: Venue, symbol: &Symbol) -> Result<Market> {
    sim.state().market(symbol).cloned().ok_or_else(|| {
        Error::new(
            ErrorKind::BadSymbol,
            format!("the {venue} simulator does not list {symbol}"),
        )
        .with_venue(venue)
    })
}

/// The bar of `symbol` at `interval` that contains now: the recorded trades inside it, or a
/// flat bar at the last (or mark) price without volume when there were none.
pub(crate) fn forming_bar(sim: &SimHandle, symbol: &Symbol, interval: Interval) -> Candle {
    let now = sim.server_time_ms();
    let step = interval.millis();
    let open_time = now.div_euclid(step) * step;
    let st = sim.state();
    let trades: Vec<Trade> = st
        .trades(symbol, None)
        .into_iter()
        .filter(|t| t.timestamp >= open_time && t.timestamp < open_time + step)
        .collect();
    let px = st
        .last_price(symbol)
        .or_else(|| st.mark_price(symbol))
        .unwrap_or(Decimal::ONE_HUNDRED);
    let prices = || trades.iter().map(|t| t.price);
    Candle {
        open_time,
        open: trades.first().map_or(px, |t| t.price),
        high: prices().max().unwrap_or(px),
        low: prices().min().unwrap_or(px),
        close: trades.last().map_or(px, |t| t.price),
        volume: trades.iter().map(|t| t.qty).sum(),
        quote_volume: Some(trades.iter().map(|t| t.qty * t.price).sum()),
        closed: Some(false),
    }
}

/// The levels whose quantity differs between `old` and `new`, with the new quantity (0 for a
/// removed level), by ascending price.
pub(crate) fn diff(old: &[Level], new: &[Level]) -> Vec<Level> {
    let mut prices: Vec<Decimal> = old.iter().chain(new).map(|l| l.price).collect();
    prices.sort();
    prices.dedup();
    let qty = |ls: &[Level], p: Decimal| ls.iter().find(|l| l.price == p).map_or(Decimal::ZERO, |l| l.qty);
    prices
        .into_iter()
        .filter(|p| qty(old, *p) != qty(new, *p))
        .map(|p| Level {
            price: p,
            qty: qty(new, p),
        })
        .collect()
}

fn s(d: Decimal) -> String {
    d.normalize().to_string()
}

#[cfg(feature = "bingx")]
pub(crate) mod bingx {
    //! BingX frames (`shared/venues/bingx.md` §7): gzip data frames `{"code":0,"dataType",
    //! "data"}` (spot adds `success` and `timestamp`) on `<native>@<topic>`.

    use super::*;
    use exch_bingx::sim as bsim;
    use exch_bingx::stream::{spot_kline_code, swap_kline_code, SPOT_WS_PATH};
    use exch_core::{MarketKind, Side};
    use serde_json::{json, Map, Value};

    fn rows(levels: &[Level], n: usize) -> Value {
        Value::Array(levels.iter().take(n).map(|l| json!([s(l.price), s(l.qty)])).collect())
    }

    /// Replaces the book and pushes the change: an `action:"update"` on `@incrDepth` and a
    /// fresh top-`N` snapshot to every `@depth<N>` subscriber of the market.
    pub(crate) fn book(sim: &SimHandle, symbol: &Symbol, bids: Vec<Level>, asks: Vec<Level>) -> Result<usize> {
        let m = market(sim, Venue::Bingx, symbol)?;
        // The stream book is seeded from the engine's book on first use: read it before the change.
        let (old_bids, old_asks, _) = bsim::stream_book(sim, symbol);
        sim.state().set_book(symbol, bids.clone(), asks.clone());
        let after = sim.state().book(symbol, None);
        let (new_bids, new_asks) = after.map(|b| (b.bids, b.asks)).unwrap_or((bids, asks));
        let (db, da) = (diff(&old_bids, &new_bids), diff(&old_asks, &new_asks));
        let mut n = 0;
        if !(db.is_empty() && da.is_empty()) {
            if let Some(frame) = bsim::depth_update(sim, symbol, &db, &da) {
                n += bsim::publish(sim, m.kind, &format!("{}@incrDepth", m.venue_symbol), &frame);
            }
        }
        let (sb, sa, _) = bsim::stream_book(sim, symbol);
        let prefix = format!("{}@depth", m.venue_symbol);
        let spot_path = m.kind == MarketKind::Spot;
        let mut topics: Vec<String> = sim
            .ws()
            .sessions()
            .iter()
            .filter(|x| !x.is_closed() && (x.path() == SPOT_WS_PATH) == spot_path)
            .flat_map(|x| x.subscriptions())
            .filter(|t| t.starts_with(&prefix))
            .collect();
        topics.sort();
        topics.dedup();
        for topic in topics {
            let Some(depth) = topic[prefix.len()..]
                .split('@')
                .next()
                .and_then(|d| d.parse::<usize>().ok())
            else {
                continue;
            };
            let data = json!({"bids": rows(&sb, depth), "asks": rows(&sa, depth)});
            let frame = bsim::data_frame(m.kind, &topic, data, sim.server_time_ms());
            n += bsim::publish(sim, m.kind, &topic, &frame);
        }
        Ok(n)
    }

    /// A trade: swap `[{q,p,T,m,s}]`, spot `{e:"trade",E,s,t,p,q,T,m}` (`m`: the buyer was
    /// the maker, i.e. the taker sold).
    pub(crate) fn trade(sim: &SimHandle, t: &Trade) -> Result<usize> {
        let m = market(sim, Venue::Bingx, &t.symbol)?;
        let maker_buys = t.side == Some(Side::Sell);
        let now = sim.server_time_ms();
        let data = if m.kind == MarketKind::Spot {
            json!({"e": "trade", "E": now, "s": m.venue_symbol, "t": t.id, "p": s(t.price), "q": s(t.qty),
                   "T": t.timestamp, "m": maker_buys})
        } else {
            json!([{"q": s(t.qty), "p": s(t.price), "T": t.timestamp, "m": maker_buys, "s": m.venue_symbol}])
        };
        let topic = format!("{}@trade", m.venue_symbol);
        Ok(bsim::publish(
            sim,
            m.kind,
            &topic,
            &bsim::data_frame(m.kind, &topic, data, now),
        ))
    }

    /// The simulated 24 h ticker (`24hTicker` on `@ticker`); fields the simulator has no value
    /// for are left out.
    pub(crate) fn ticker(sim: &SimHandle, symbol: &Symbol) -> Result<usize> {
        let m = market(sim, Venue::Bingx, symbol)?;
        let Some(t) = sim.state().ticker(symbol) else {
            return Ok(0);
        };
        let now = sim.server_time_ms();
        let mut o = Map::new();
        o.insert("e".into(), json!("24hTicker"));
        o.insert("E".into(), json!(now));
        o.insert("s".into(), json!(m.venue_symbol));
        let change = match (t.last, t.open) {
            (Some(l), Some(op)) => Some(l - op),
            _ => None,
        };
        for (k, v) in [
            ("p", change),
            ("P", t.change_percent.map(|c| c.round_dp(2))),
            ("o", t.open),
            ("h", t.high),
            ("l", t.low),
            ("c", t.last),
            ("v", t.base_volume),
            ("q", t.quote_volume),
            ("b", t.bid),
            ("B", t.bid_qty),
            ("a", t.ask),
            ("A", t.ask_qty),
        ] {
            if let Some(v) = v {
                o.insert(k.into(), json!(s(v)));
            }
        }
        o.insert("O".into(), json!(now - 86_400_000));
        o.insert("C".into(), json!(now));
        let topic = format!("{}@ticker", m.venue_symbol);
        let frame = bsim::data_frame(m.kind, &topic, Value::Object(o), now);
        Ok(bsim::publish(sim, m.kind, &topic, &frame))
    }

    /// The forming bar: swap `[{o,c,h,l,v,T}]` on `@kline_<1m…>`, spot `{e:"kline",K:{…}}` on
    /// `@kline_<1min…>`.
    pub(crate) fn candle(sim: &SimHandle, symbol: &Symbol, interval: Interval) -> Result<usize> {
        let m = market(sim, Venue::Bingx, symbol)?;
        let spot = m.kind == MarketKind::Spot;
        let code = if spot {
            spot_kline_code(interval)
        } else {
            swap_kline_code(interval)
        }
        .ok_or_else(|| Error::unsupported(Venue::Bingx, &format!("{interval} candles on the stream")))?;
        let c = forming_bar(sim, symbol, interval);
        let now = sim.server_time_ms();
        let data = if spot {
            json!({"e": "kline", "E": now, "s": m.venue_symbol, "K": {
                "t": c.open_time, "T": c.open_time + interval.millis() - 1, "s": m.venue_symbol, "i": code,
                "o": s(c.open), "c": s(c.close), "h": s(c.high), "l": s(c.low), "v": s(c.volume),
                "q": s(c.quote_volume.unwrap_or_default()), "n": 0}})
        } else {
            json!([{"o": s(c.open), "c": s(c.close), "h": s(c.high), "l": s(c.low), "v": s(c.volume), "T": c.open_time}])
        };
        let topic = format!("{}@kline_{code}", m.venue_symbol);
        Ok(bsim::publish(
            sim,
            m.kind,
            &topic,
            &bsim::data_frame(m.kind, &topic, data, now),
        ))
    }
}

#[cfg(feature = "okx")]
pub(crate) mod okx {
    //! OKX frames (`fixtures/okx/ws/`): `{"arg":{"channel","instId"},"data":[…]}` on the hub
    //! topic `channel:instId`; SWAP sizes in contracts.

    use super::*;
    use exch_core::stream::crc32_interleaved_levels;
    use exch_core::{MarketKind, Side};
    use exch_okx::sim::ws_topic;
    use exch_okx::stream::{candle_channel, CHECKSUM_DEPTH};
    use exch_testkit::WsFrame;
    use serde_json::{json, Value};

    fn inst_type(m: &Market) -> &'static str {
        if m.kind == MarketKind::Spot {
            "SPOT"
        } else {
            "SWAP"
        }
    }

    fn wire(m: &Market, l: &Level) -> Level {
        Level {
            price: l.price.normalize(),
            qty: m.base_to_contracts(l.qty).normalize(),
        }
    }

    /// How many `books` subscriptions for `inst_id` the session sent so far.
    fn book_subscriptions(session: &exch_testkit::WsSession, inst_id: &str) -> usize {
        session
            .received()
            .iter()
            .filter_map(|t| serde_json::from_str::<Value>(t).ok())
            .filter(|v| v["op"] == "subscribe")
            .map(|v| {
                v["args"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|a| a["channel"] == "books" && a["instId"] == inst_id)
                    .count()
            })
            .sum()
    }

    /// Replaces the book and pushes the change to each `books` subscriber as an `update`
    /// linked to what that session got before (`prevSeqId` → `seqId`), with OKX's checksum of
    /// the new top 25 levels. Each subscription starts from the simulator's live snapshot
    /// (`seqId` 1).
    pub(crate) fn book(
        sim: &SimHandle,
        seqs: &OkxSeqs,
        symbol: &Symbol,
        bids: Vec<Level>,
        asks: Vec<Level>,
    ) -> Result<usize> {
        let m = market(sim, Venue::Okx, symbol)?;
        let (before, after, now) = {
            let mut st = sim.state();
            let before = st.book(symbol, None);
            st.set_book(symbol, bids, asks);
            (before, st.book(symbol, None), st.now_ms())
        };
        let (Some(before), Some(after)) = (before, after) else {
            return Ok(0);
        };
        let w = |ls: &[Level]| ls.iter().map(|l| wire(&m, l)).collect::<Vec<_>>();
        let (db, da) = (w(&diff(&before.bids, &after.bids)), w(&diff(&before.asks, &after.asks)));
        if db.is_empty() && da.is_empty() {
            return Ok(0);
        }
        let checksum = crc32_interleaved_levels(w(&after.bids), w(&after.asks), CHECKSUM_DEPTH);
        let lv = |l: &Level| json!([l.price.to_string(), l.qty.to_string(), "0", "1"]);
        let topic = ws_topic("books", &m.venue_symbol);
        let mut map = seqs.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut n = 0;
        for session in sim.ws().sessions() {
            if session.is_closed() || !session.subscriptions().contains(&topic) {
                continue;
            }
            let subscribed = book_subscriptions(&session, &m.venue_symbol);
            let entry = map.entry((session.id(), m.venue_symbol.clone())).or_insert((0, 1));
            if entry.0 != subscribed {
                // A new subscription: the live snapshot it got carried seqId 1.
                *entry = (subscribed, 1);
            }
            let prev = entry.1;
            entry.1 += 1;
            session.send(WsFrame::json(&json!({
                "arg": {"channel": "books", "instId": m.venue_symbol},
                "action": "update",
                "data": [{
                    "asks": da.iter().map(lv).collect::<Vec<_>>(),
                    "bids": db.iter().rev().map(lv).collect::<Vec<_>>(),
                    "ts": now.to_string(),
                    "checksum": checksum,
                    "prevSeqId": prev,
                    "seqId": prev + 1,
                }],
            })));
            n += 1;
        }
        Ok(n)
    }

    /// A trade on `trades` (`side` is the taker's).
    pub(crate) fn trade(sim: &SimHandle, t: &Trade) -> Result<usize> {
        let m = market(sim, Venue::Okx, &t.symbol)?;
        let side = match t.side {
            Some(Side::Sell) => "sell",
            _ => "buy",
        };
        let v = json!({
            "arg": {"channel": "trades", "instId": m.venue_symbol},
            "data": [{"instId": m.venue_symbol, "tradeId": t.id, "px": s(t.price),
                      "sz": s(m.base_to_contracts(t.qty)), "side": side,
                      "ts": t.timestamp.to_string(), "count": "1"}],
        });
        Ok(sim
            .ws()
            .broadcast(&ws_topic("trades", &m.venue_symbol), WsFrame::json(&v)))
    }

    /// The simulated ticker on `tickers` (sizes in contracts for SWAP; `vol24h` contracts,
    /// `volCcy24h` base for SWAP and quote for SPOT).
    pub(crate) fn ticker(sim: &SimHandle, symbol: &Symbol) -> Result<usize> {
        let m = market(sim, Venue::Okx, symbol)?;
        let Some(t) = sim.state().ticker(symbol) else {
            return Ok(0);
        };
        let o = |d: Option<Decimal>| s(d.unwrap_or_default());
        let c = |d: Option<Decimal>| s(m.base_to_contracts(d.unwrap_or_default()));
        let (vol, vol_ccy) = if m.kind == MarketKind::Spot {
            (o(t.base_volume), o(t.quote_volume))
        } else {
            (c(t.base_volume), o(t.base_volume))
        };
        let v = json!({
            "arg": {"channel": "tickers", "instId": m.venue_symbol},
            "data": [{"instType": inst_type(&m), "instId": m.venue_symbol,
                      "last": o(t.last), "lastSz": "0",
                      "askPx": o(t.ask), "askSz": c(t.ask_qty), "bidPx": o(t.bid), "bidSz": c(t.bid_qty),
                      "open24h": o(t.open), "high24h": o(t.high.or(t.last)), "low24h": o(t.low.or(t.last)),
                      "volCcy24h": vol_ccy, "vol24h": vol, "sodUtc0": o(t.open), "sodUtc8": o(t.open),
                      "ts": t.timestamp.unwrap_or_else(|| sim.server_time_ms()).to_string()}],
        });
        Ok(sim
            .ws()
            .broadcast(&ws_topic("tickers", &m.venue_symbol), WsFrame::json(&v)))
    }

    /// The forming bar on `candle<bar>` (`/ws/v5/business`):
    /// `[ts,o,h,l,c,vol,volCcy,volCcyQuote,confirm]`.
    pub(crate) fn candle(sim: &SimHandle, symbol: &Symbol, interval: Interval) -> Result<usize> {
        let m = market(sim, Venue::Okx, symbol)?;
        let channel = candle_channel(interval)?;
        let k = forming_bar(sim, symbol, interval);
        let quote = s(k.quote_volume.unwrap_or_default());
        let (vol, vol_ccy) = if m.kind == MarketKind::Spot {
            (s(k.volume), quote.clone())
        } else {
            (s(m.base_to_contracts(k.volume)), s(k.volume))
        };
        let v = json!({
            "arg": {"channel": channel, "instId": m.venue_symbol},
            "data": [[k.open_time.to_string(), s(k.open), s(k.high), s(k.low), s(k.close), vol, vol_ccy, quote, "0"]],
        });
        Ok(sim
            .ws()
            .broadcast(&ws_topic(&channel, &m.venue_symbol), WsFrame::json(&v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lv(p: i64, q: i64) -> Level {
        Level {
            price: Decimal::from(p),
            qty: Decimal::from(q),
        }
    }

    #[test]
    fn diff_keeps_changed_levels_with_zero_for_removed() {
        let d = diff(&[lv(1, 1), lv(2, 2)], &[lv(2, 3), lv(3, 1)]);
        assert_eq!(d, vec![lv(1, 0), lv(2, 3), lv(3, 1)]);
        assert!(diff(&[lv(1, 1)], &[lv(1, 1)]).is_empty());
    }
}
