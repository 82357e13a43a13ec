//! Position aggregation across venues, per unified symbol and per base asset.
//!
//! Everything is [`Decimal`] arithmetic: sums are exact, so the result does not depend on the
//! order of the venues or of the positions; the one division (the size-weighted average entry)
//! happens once, at the end. Outputs are normalized (`1.50` prints as `1.5`) and maps are keyed
//! by symbol, asset and venue, so the serialized form is deterministic.
//!
//! Definitions, over the legs (venue positions) of a group:
//!
//! * `net_size` = Σ long size − Σ short size (base units); `gross_size` = Σ |size|.
//! * `net_notional` = Σ signed size × mark; `gross_exposure` = Σ size × mark (legs without a
//!   mark price count in `missing_mark` and add nothing).
//! * `avg_entry` = Σ size × entry / Σ size over the legs with an entry price (and per side in
//!   `avg_entry_long` / `avg_entry_short`).
//! * `unrealized_pnl` = Σ unrealized PnL (legs without one count in `missing_pnl`).
//!
//! PnL and notionals are in each position's quote (settlement) asset. A per-base-asset group
//! may mix quote assets (`BTC/USDT:USDT` and `BTC/USDC:USDC`); its `quote_assets` lists them so
//! that a caller can tell whether the money sums mix currencies.

use std::collections::{BTreeMap, BTreeSet};

use exch_core::{Decimal, Error, ErrorKind, Position, PositionSide, Result, Symbol, Venue};
use serde::{Deserialize, Serialize};

/// Totals of a group of positions (all venues, or one venue's part).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exposure {
    /// Number of positions (legs) in the group.
    pub legs: usize,
    /// Long minus short, in base units.
    pub net_size: Decimal,
    /// Sum of long sizes, in base units.
    pub long_size: Decimal,
    /// Sum of short sizes (positive), in base units.
    pub short_size: Decimal,
    /// Sum of absolute sizes, in base units.
    pub gross_size: Decimal,
    /// Σ signed size × mark price, in the quote asset.
    pub net_notional: Decimal,
    /// Σ size × mark price (absolute exposure), in the quote asset.
    pub gross_exposure: Decimal,
    /// Size-weighted average entry price over every leg with an entry price.
    pub avg_entry: Option<Decimal>,
    /// Size-weighted average entry price of the long legs.
    pub avg_entry_long: Option<Decimal>,
    /// Size-weighted average entry price of the short legs.
    pub avg_entry_short: Option<Decimal>,
    /// Σ unrealized PnL, in the settlement asset.
    pub unrealized_pnl: Decimal,
    /// Legs without a mark price (left out of the notionals).
    pub missing_mark: usize,
    /// Legs without an entry price (left out of the averages).
    pub missing_entry: usize,
    /// Legs without an unrealized PnL (left out of the sum).
    pub missing_pnl: usize,
}

/// Aggregated positions of one unified symbol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolPositions {
    /// The symbol.
    pub symbol: Symbol,
    /// Totals over every venue.
    pub total: Exposure,
    /// Each venue's part; the additive fields sum to `total`.
    pub by_venue: BTreeMap<Venue, Exposure>,
}

/// Aggregated positions of one base asset, over every symbol with that base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetPositions {
    /// The base asset, e.g. `BTC`.
    pub base: String,
    /// The symbols that contributed, in order.
    pub symbols: BTreeSet<Symbol>,
    /// The quote assets the money fields are summed over.
    pub quote_assets: BTreeSet<String>,
    /// Totals over every venue and symbol.
    pub total: Exposure,
    /// Each venue's part; the additive fields sum to `total`.
    pub by_venue: BTreeMap<Venue, Exposure>,
}

/// Positions aggregated per symbol and per base asset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionAggregation {
    /// Per unified symbol.
    pub by_symbol: BTreeMap<Symbol, SymbolPositions>,
    /// Per base asset.
    pub by_base: BTreeMap<String, AssetPositions>,
}

/// Running sums; every operation is checked so that absurd inputs give an error, not a panic.
#[derive(Debug, Clone, Default)]
struct Acc {
    legs: usize,
    long: Decimal,
    short: Decimal,
    net_notional: Decimal,
    gross_exposure: Decimal,
    entry_weight: [Decimal; 2],
    entry_size: [Decimal; 2],
    pnl: Decimal,
    missing_mark: usize,
    missing_entry: usize,
    missing_pnl: usize,
}

fn overflow() -> Error {
    Error::new(
        ErrorKind::BadRequest,
        "position values are out of the decimal range; cannot aggregate",
    )
}

fn add(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_add(b).ok_or_else(overflow)
}

fn mul(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_mul(b).ok_or_else(overflow)
}

fn avg(weight: Decimal, size: Decimal) -> Result<Option<Decimal>> {
    if size.is_zero() {
        return Ok(None);
    }
    weight
        .checked_div(size)
        .map(|d| Some(d.normalize()))
        .ok_or_else(overflow)
}

impl Acc {
    fn add(&mut self, p: &Position) -> Result<()> {
        let size = p.size.abs();
        let side = match p.side {
            PositionSide::Long => 0,
            PositionSide::Short => 1,
        };
        let signed = if side == 0 { size } else { -size };
        self.legs += 1;
        if side == 0 {
            self.long = add(self.long, size)?;
        } else {
            self.short = add(self.short, size)?;
        }
        match p.mark_price {
            Some(mark) => {
                self.net_notional = add(self.net_notional, mul(signed, mark)?)?;
                self.gross_exposure = add(self.gross_exposure, mul(size, mark.abs())?)?;
            }
            None => self.missing_mark += 1,
        }
        match p.entry_price {
            Some(entry) => {
                self.entry_weight[side] = add(self.entry_weight[side], mul(size, entry)?)?;
                self.entry_size[side] = add(self.entry_size[side], size)?;
            }
            None => self.missing_entry += 1,
        }
        match p.unrealized_pnl {
            Some(pnl) => self.pnl = add(self.pnl, pnl)?,
            None => self.missing_pnl += 1,
        }
        Ok(())
    }

    fn finish(&self) -> Result<Exposure> {
        Ok(Exposure {
            legs: self.legs,
            net_size: (self.long - self.short).normalize(),
            long_size: self.long.normalize(),
            short_size: self.short.normalize(),
            gross_size: add(self.long, self.short)?.normalize(),
            net_notional: self.net_notional.normalize(),
            gross_exposure: self.gross_exposure.normalize(),
            avg_entry: avg(
                add(self.entry_weight[0], self.entry_weight[1])?,
                add(self.entry_size[0], self.entry_size[1])?,
            )?,
            avg_entry_long: avg(self.entry_weight[0], self.entry_size[0])?,
            avg_entry_short: avg(self.entry_weight[1], self.entry_size[1])?,
            unrealized_pnl: self.pnl.normalize(),
            missing_mark: self.missing_mark,
            missing_entry: self.missing_entry,
            missing_pnl: self.missing_pnl,
        })
    }
}

#[derive(Default)]
struct Group {
    total: Acc,
    by_venue: BTreeMap<Venue, Acc>,
}

impl Group {
    fn add(&mut self, venue: Venue, p: &Position) -> Result<()> {
        self.total.add(p)?;
        self.by_venue.entry(venue).or_default().add(p)
    }

    fn finish(&self) -> Result<(Exposure, BTreeMap<Venue, Exposure>)> {
        let by_venue = self
            .by_venue
            .iter()
            .map(|(v, a)| Ok((*v, a.finish()?)))
            .collect::<Result<_>>()?;
        Ok((self.total.finish()?, by_venue))
    }
}

/// Aggregates venue positions per symbol and per base asset.
///
/// The result does not depend on the order of `positions`. Errors only when a sum leaves the
/// decimal range (`ErrorKind::BadRequest`).
pub fn aggregate_positions<'a, I>(positions: I) -> Result<PositionAggregation>
where
    I: IntoIterator<Item = (Venue, &'a Position)>,
{
    let mut symbols: BTreeMap<Symbol, Group> = BTreeMap::new();
    let mut bases: BTreeMap<String, (Group, BTreeSet<Symbol>, BTreeSet<String>)> = BTreeMap::new();
    for (venue, p) in positions {
        symbols.entry(p.symbol.clone()).or_default().add(venue, p)?;
        let (group, syms, quotes) = bases.entry(p.symbol.base().to_string()).or_default();
        group.add(venue, p)?;
        syms.insert(p.symbol.clone());
        quotes.insert(p.symbol.settle().unwrap_or(p.symbol.quote()).to_string());
    }
    let mut out = PositionAggregation::default();
    for (symbol, group) in symbols {
        let (total, by_venue) = group.finish()?;
        out.by_symbol.insert(
            symbol.clone(),
            SymbolPositions {
                symbol,
                total,
                by_venue,
            },
        );
    }
    for (base, (group, symbols, quote_assets)) in bases {
        let (total, by_venue) = group.finish()?;
        out.by_base.insert(
            base.clone(),
            AssetPositions {
                base,
                symbols,
                quote_assets,
                total,
                by_venue,
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use exch_core::{MarginMode, PositionMode};
    use proptest::prelude::*;

    fn pos(symbol: &str, side: PositionSide, size: i64, entry: i64, mark: i64) -> Position {
        let size = Decimal::new(size, 3);
        let entry = Decimal::new(entry, 1);
        let mark = Decimal::new(mark, 1);
        let signed = if side == PositionSide::Long { size } else { -size };
        Position {
            symbol: symbol.parse().unwrap(),
            side,
            size,
            contracts: size,
            contract_size: Decimal::ONE,
            entry_price: Some(entry),
            mark_price: Some(mark),
            liquidation_price: None,
            unrealized_pnl: Some(signed * (mark - entry)),
            leverage: Some(Decimal::from(5)),
            margin_mode: Some(MarginMode::Cross),
            position_mode: Some(PositionMode::OneWay),
            timestamp: None,
        }
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn worked_example() {
        let a = pos("BTC/USDT:USDT", PositionSide::Long, 2000, 1_000_000, 1_010_000); // 2 @ 100000, mark 101000
        let b = pos("BTC/USDT:USDT", PositionSide::Short, 500, 1_020_000, 1_010_000); // 0.5 @ 102000
        let c = pos("BTC/USDC:USDC", PositionSide::Long, 1000, 990_000, 1_000_000); // 1 @ 99000, mark 100000
        let mut no_mark = pos("ETH/USDT:USDT", PositionSide::Short, 3000, 30_000, 30_500);
        no_mark.mark_price = None;
        no_mark.unrealized_pnl = None;
        let legs = [
            (Venue::Binance, &a),
            (Venue::Okx, &b),
            (Venue::Okx, &c),
            (Venue::Bingx, &no_mark),
        ];
        let agg = aggregate_positions(legs).unwrap();

        let btc = &agg.by_symbol[&"BTC/USDT:USDT".parse::<Symbol>().unwrap()];
        assert_eq!(btc.total.legs, 2);
        assert_eq!(btc.total.net_size, d("1.5"));
        assert_eq!(btc.total.gross_size, d("2.5"));
        assert_eq!(btc.total.net_notional, d("151500"));
        assert_eq!(btc.total.gross_exposure, d("252500"));
        // (2*100000 + 0.5*102000) / 2.5
        assert_eq!(btc.total.avg_entry, Some(d("100400")));
        assert_eq!(btc.total.avg_entry_long, Some(d("100000")));
        assert_eq!(btc.total.avg_entry_short, Some(d("102000")));
        // 2*1000 + (-0.5)*(-1000)
        assert_eq!(btc.total.unrealized_pnl, d("2500"));
        assert_eq!(btc.by_venue[&Venue::Okx].net_size, d("-0.5"));
        assert_eq!(btc.by_venue[&Venue::Binance].net_size, d("2"));

        let base = &agg.by_base["BTC"];
        assert_eq!(base.total.net_size, d("2.5"));
        assert_eq!(base.symbols.len(), 2);
        assert_eq!(
            base.quote_assets.iter().map(String::as_str).collect::<Vec<_>>(),
            vec!["USDC", "USDT"]
        );
        assert_eq!(base.by_venue[&Venue::Okx].legs, 2);
        assert_eq!(base.by_venue[&Venue::Okx].net_size, d("0.5"));

        let eth = &agg.by_base["ETH"];
        assert_eq!(eth.total.net_size, d("-3"));
        assert_eq!(eth.total.missing_mark, 1);
        assert_eq!(eth.total.missing_pnl, 1);
        assert_eq!(eth.total.net_notional, Decimal::ZERO);
        assert_eq!(eth.total.avg_entry, Some(d("3000")));

        let json = serde_json::to_value(&agg).unwrap();
        assert_eq!(
            json["by_symbol"]["BTC/USDT:USDT"]["total"]["net_size"],
            serde_json::json!("1.5")
        );
        assert_eq!(json["by_base"]["BTC"]["by_venue"]["okx"]["legs"], serde_json::json!(2));
    }

    #[test]
    fn out_of_range_is_an_error_not_a_panic() {
        let mut p = pos("BTC/USDT:USDT", PositionSide::Long, 1, 1, 1);
        p.size = Decimal::MAX;
        p.mark_price = Some(Decimal::MAX);
        let e = aggregate_positions([(Venue::Okx, &p)]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadRequest);
    }

    #[test]
    fn empty_input() {
        let agg = aggregate_positions(std::iter::empty()).unwrap();
        assert!(agg.by_symbol.is_empty() && agg.by_base.is_empty());
    }

    const SYMBOLS: [&str; 4] = ["BTC/USDT:USDT", "BTC/USDC:USDC", "ETH/USDT:USDT", "SOL/USDT:USDT"];

    fn leg() -> impl Strategy<Value = (Venue, Position)> {
        (
            prop::sample::select(vec![Venue::Binance, Venue::Okx, Venue::Bingx, Venue::Bybit]),
            prop::sample::select(SYMBOLS.to_vec()),
            any::<bool>(),
            1i64..10_000_000,
            1i64..100_000_000,
            1i64..100_000_000,
            any::<bool>(),
        )
            .prop_map(|(venue, symbol, long, size, entry, mark, has_mark)| {
                let side = if long { PositionSide::Long } else { PositionSide::Short };
                let mut p = pos(symbol, side, size, entry, mark);
                if !has_mark {
                    p.mark_price = None;
                }
                (venue, p)
            })
    }

    fn run(legs: &[(Venue, Position)]) -> PositionAggregation {
        aggregate_positions(legs.iter().map(|(v, p)| (*v, p))).unwrap()
    }

    fn assert_parts_sum(total: &Exposure, parts: &BTreeMap<Venue, Exposure>) {
        let sum = |f: fn(&Exposure) -> Decimal| parts.values().map(f).sum::<Decimal>();
        assert_eq!(sum(|e| e.net_size), total.net_size);
        assert_eq!(sum(|e| e.long_size), total.long_size);
        assert_eq!(sum(|e| e.short_size), total.short_size);
        assert_eq!(sum(|e| e.gross_size), total.gross_size);
        assert_eq!(sum(|e| e.net_notional), total.net_notional);
        assert_eq!(sum(|e| e.gross_exposure), total.gross_exposure);
        assert_eq!(sum(|e| e.unrealized_pnl), total.unrealized_pnl);
        assert_eq!(parts.values().map(|e| e.legs).sum::<usize>(), total.legs);
        assert_eq!(
            parts.values().map(|e| e.missing_mark).sum::<usize>(),
            total.missing_mark
        );
    }

    proptest! {
        #[test]
        fn independent_of_venue_order(
            (legs, shuffled) in prop::collection::vec(leg(), 0..12)
                .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle()))
        ) {
            let a = run(&legs);
            let b = run(&shuffled);
            prop_assert_eq!(&a, &b);
            prop_assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
        }

        #[test]
        fn mirrored_positions_net_to_zero(
            legs in prop::collection::vec(leg(), 1..10),
            other in prop::sample::select(vec![Venue::Gate, Venue::Kraken, Venue::Okx]),
        ) {
            let mut all = legs.clone();
            for (_, p) in &legs {
                let mut m = p.clone();
                m.side = match p.side { PositionSide::Long => PositionSide::Short, PositionSide::Short => PositionSide::Long };
                m.unrealized_pnl = p.unrealized_pnl.map(|x| -x);
                all.push((other, m));
            }
            let agg = run(&all);
            let single = run(&legs);
            for (symbol, s) in &agg.by_symbol {
                prop_assert_eq!(s.total.net_size, Decimal::ZERO);
                prop_assert_eq!(s.total.net_notional, Decimal::ZERO);
                prop_assert_eq!(s.total.unrealized_pnl, Decimal::ZERO);
                prop_assert_eq!(s.total.long_size, s.total.short_size);
                prop_assert_eq!(s.total.gross_size, single.by_symbol[symbol].total.gross_size * Decimal::TWO);
            }
            for b in agg.by_base.values() {
                prop_assert_eq!(b.total.net_size, Decimal::ZERO);
                prop_assert_eq!(b.total.net_notional, Decimal::ZERO);
            }
        }

        #[test]
        fn per_venue_parts_sum_to_total(legs in prop::collection::vec(leg(), 0..16)) {
            let agg = run(&legs);
            prop_assert_eq!(agg.by_symbol.values().map(|s| s.total.legs).sum::<usize>(), legs.len());
            prop_assert_eq!(agg.by_base.values().map(|s| s.total.legs).sum::<usize>(), legs.len());
            for s in agg.by_symbol.values() {
                assert_parts_sum(&s.total, &s.by_venue);
            }
            for b in agg.by_base.values() {
                assert_parts_sum(&b.total, &b.by_venue);
                let per_symbol: Decimal = b.symbols.iter().map(|s| agg.by_symbol[s].total.net_size).sum();
                prop_assert_eq!(per_symbol, b.total.net_size);
            }
        }
    }
}
