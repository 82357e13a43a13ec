//! Candles for a whole portfolio `{venue: [symbols]}`, aligned across venues.
//!
//! Alignment, as implemented by [`align_candles`]:
//!
//! 1. Each candle's `open_time` is snapped to the nearest point of the interval grid
//!    ([`grid_time`]). A candle farther than the tolerance from the grid is dropped and listed
//!    in `dropped`; so is a second candle of the same series on the same grid point (the one
//!    nearer the grid is kept, the earlier one on a tie).
//! 2. The aligned timestamps are the grid points present in **every** series that was fetched
//!    successfully (the intersection); each aligned series holds exactly one candle per aligned
//!    timestamp, with `open_time` set to the grid point, so the series can be zipped.
//! 3. Nothing is interpolated: a grid point present in some series but missing in another is
//!    reported in `gaps` for the series that lacks it.
//!
//! The grid: multiples of the interval from the Unix epoch, except weeks (which start on
//! Monday 00:00 UTC, as the venues' weekly bars do) and months (calendar months, UTC).

use std::collections::{BTreeMap, BTreeSet};

use exch_core::{Candle, Interval, Symbol, TimestampMs, Venue};
use serde::{Deserialize, Serialize};

use crate::results::ErrorReport;

/// Which symbols to fetch on which venue.
pub type Portfolio = BTreeMap<Venue, Vec<Symbol>>;

/// A value per venue and symbol.
pub type PerSeries<T> = BTreeMap<Venue, BTreeMap<Symbol, T>>;

const DAY_MS: i64 = 86_400_000;
/// 1970-01-05, the first Monday after the epoch.
const FIRST_MONDAY_MS: i64 = 4 * DAY_MS;

/// What to fetch for every series of a portfolio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortfolioCandleQuery {
    /// The bar interval.
    pub interval: Interval,
    /// First open time wanted (inclusive).
    pub since: Option<TimestampMs>,
    /// Last open time wanted (inclusive).
    pub until: Option<TimestampMs>,
    /// Maximum number of candles per series.
    pub limit: Option<usize>,
    /// How far (ms) an open time may sit from the interval grid and still count as on it.
    pub tolerance_ms: i64,
}

impl PortfolioCandleQuery {
    /// A query for the latest bars at `interval` with a tolerance of one second.
    pub fn new(interval: Interval) -> Self {
        PortfolioCandleQuery {
            interval,
            since: None,
            until: None,
            limit: None,
            tolerance_ms: 1_000,
        }
    }

    /// Sets the first open time.
    pub fn since(mut self, ms: TimestampMs) -> Self {
        self.since = Some(ms);
        self
    }

    /// Sets the last open time.
    pub fn until(mut self, ms: TimestampMs) -> Self {
        self.until = Some(ms);
        self
    }

    /// Sets the number of candles per series.
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = Some(n);
        self
    }

    /// Sets the alignment tolerance in ms.
    pub fn tolerance_ms(mut self, ms: i64) -> Self {
        self.tolerance_ms = ms;
        self
    }
}

/// Candles of several series aligned on common timestamps.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AlignedCandles {
    /// The grid points every successful series has, ascending.
    pub timestamps: Vec<TimestampMs>,
    /// Per series, one candle per entry of `timestamps` (open time snapped to the grid).
    pub series: PerSeries<Vec<Candle>>,
    /// Per series, the grid points some other series has but this one lacks (only non-empty lists).
    pub gaps: PerSeries<Vec<TimestampMs>>,
    /// Per series, the raw open times dropped: off the grid or duplicates (only non-empty lists).
    pub dropped: PerSeries<Vec<TimestampMs>>,
}

/// The result of [`crate::Router::portfolio_candles`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortfolioCandles {
    /// The interval.
    pub interval: Interval,
    /// The tolerance used, in ms.
    pub tolerance_ms: i64,
    /// The aligned series (failed series take no part).
    #[serde(flatten)]
    pub aligned: AlignedCandles,
    /// The series that could not be fetched, and why.
    pub errors: PerSeries<ErrorReport>,
}

/// Days since the epoch → (year, month 1-12), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month)
}

/// (year, month 1-12) → days since the epoch of its first day.
fn days_from_civil(year: i64, month: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The grid point of `interval` nearest to `t`, or `None` when `t` is out of range.
pub fn grid_time(t: TimestampMs, interval: Interval) -> Option<TimestampMs> {
    // Keep far from the i64 edges so that the arithmetic below cannot overflow.
    const LIMIT: i64 = 1 << 52;
    if !(-LIMIT..=LIMIT).contains(&t) {
        return None;
    }
    if interval == Interval::Mo1 {
        let (y, m) = civil_from_days(t.div_euclid(DAY_MS));
        let start = days_from_civil(y, m) * DAY_MS;
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        let next = days_from_civil(ny, nm) * DAY_MS;
        return Some(if next - t < t - start { next } else { start });
    }
    let len = interval.millis();
    let origin = if interval == Interval::W1 { FIRST_MONDAY_MS } else { 0 };
    let k = (t - origin + len / 2).div_euclid(len);
    Some(origin + k * len)
}

/// Aligns fetched series on the interval grid (see the module docs for the rules).
pub fn align_candles(interval: Interval, tolerance_ms: i64, fetched: &PerSeries<Vec<Candle>>) -> AlignedCandles {
    let tolerance = tolerance_ms.max(0);
    let mut snapped: PerSeries<BTreeMap<TimestampMs, (i64, &Candle)>> = BTreeMap::new();
    let mut out = AlignedCandles::default();
    for (venue, per_symbol) in fetched {
        for (symbol, candles) in per_symbol {
            let mut grid: BTreeMap<TimestampMs, (i64, &Candle)> = BTreeMap::new();
            let mut dropped = Vec::new();
            for c in candles {
                let Some(g) = grid_time(c.open_time, interval) else {
                    dropped.push(c.open_time);
                    continue;
                };
                let dev = (c.open_time - g).abs();
                if dev > tolerance {
                    dropped.push(c.open_time);
                    continue;
                }
                match grid.get(&g) {
                    Some((kept, _)) if *kept <= dev => dropped.push(c.open_time),
                    Some((_, other)) => {
                        dropped.push(other.open_time);
                        grid.insert(g, (dev, c));
                    }
                    None => {
                        grid.insert(g, (dev, c));
                    }
                }
            }
            if !dropped.is_empty() {
                dropped.sort_unstable();
                out.dropped.entry(*venue).or_default().insert(symbol.clone(), dropped);
            }
            snapped.entry(*venue).or_default().insert(symbol.clone(), grid);
        }
    }
    let all_series = || snapped.values().flat_map(BTreeMap::values);
    let union: BTreeSet<TimestampMs> = all_series().flat_map(|g| g.keys().copied()).collect();
    let common: Vec<TimestampMs> = union
        .iter()
        .copied()
        .filter(|t| all_series().all(|g| g.contains_key(t)))
        .collect();
    for (venue, per_symbol) in &snapped {
        for (symbol, grid) in per_symbol {
            let series = common
                .iter()
                .filter_map(|t| {
                    grid.get(t).map(|(_, c)| Candle {
                        open_time: *t,
                        ..(*c).clone()
                    })
                })
                .collect();
            out.series.entry(*venue).or_default().insert(symbol.clone(), series);
            let gaps: Vec<TimestampMs> = union.iter().copied().filter(|t| !grid.contains_key(t)).collect();
            if !gaps.is_empty() {
                out.gaps.entry(*venue).or_default().insert(symbol.clone(), gaps);
            }
        }
    }
    out.timestamps = common;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use exch_core::Decimal;

    fn candle(t: i64, close: i64) -> Candle {
        let p = Decimal::from(close);
        Candle {
            open_time: t,
            open: p,
            high: p,
            low: p,
            close: p,
            volume: Decimal::ONE,
            quote_volume: None,
            closed: Some(true),
        }
    }

    fn sym(s: &str) -> Symbol {
        s.parse().unwrap()
    }

    const M: i64 = 60_000;
    const T0: i64 = 1_700_000_040_000; // a whole minute

    #[test]
    fn grid_points() {
        assert_eq!(grid_time(T0 + 400, Interval::M1), Some(T0));
        assert_eq!(grid_time(T0 - 400, Interval::M1), Some(T0));
        assert_eq!(grid_time(T0 + 40_000, Interval::M1), Some(T0 + M));
        // 2024-03-04 is a Monday; 2024-03-06 12:00 snaps back to it, 2024-03-08 forward to the 11th.
        let monday = 1_709_510_400_000;
        assert_eq!(grid_time(monday + 2 * DAY_MS + DAY_MS / 2, Interval::W1), Some(monday));
        assert_eq!(
            grid_time(monday + 4 * DAY_MS + 1, Interval::W1),
            Some(monday + 7 * DAY_MS)
        );
        // Calendar months: 2024-02-01 and 2024-03-01 (29 days apart in a leap year).
        let feb = 1_706_745_600_000;
        let mar = 1_709_251_200_000;
        assert_eq!(grid_time(feb + 3_600_000, Interval::Mo1), Some(feb));
        assert_eq!(grid_time(mar - 3_600_000, Interval::Mo1), Some(mar));
        assert_eq!(grid_time(-1, Interval::Mo1), Some(0));
        assert_eq!(grid_time(i64::MAX, Interval::M1), None);
        assert_eq!(grid_time(i64::MIN, Interval::Mo1), None);
    }

    #[test]
    fn aligns_within_tolerance_and_reports_gaps() {
        let btc = sym("BTC/USDT:USDT");
        let mut fetched: PerSeries<Vec<Candle>> = BTreeMap::new();
        // Binance: exact grid, 4 bars.
        fetched
            .entry(Venue::Binance)
            .or_default()
            .insert(btc.clone(), (0..4).map(|i| candle(T0 + i * M, 100 + i)).collect());
        // OKX: 300 ms late, misses the third bar, has one bar far off the grid.
        fetched.entry(Venue::Okx).or_default().insert(
            btc.clone(),
            vec![
                candle(T0 + 300, 200),
                candle(T0 + M + 300, 201),
                candle(T0 + 2 * M + 25_000, 299),
                candle(T0 + 3 * M + 300, 203),
            ],
        );
        let a = align_candles(Interval::M1, 1_000, &fetched);
        assert_eq!(a.timestamps, vec![T0, T0 + M, T0 + 3 * M]);
        let okx = &a.series[&Venue::Okx][&btc];
        assert_eq!(okx.iter().map(|c| c.open_time).collect::<Vec<_>>(), a.timestamps);
        assert_eq!(
            okx.iter().map(|c| c.close).collect::<Vec<_>>(),
            vec![Decimal::from(200), Decimal::from(201), Decimal::from(203)]
        );
        let bn = &a.series[&Venue::Binance][&btc];
        assert_eq!(
            bn.iter().map(|c| c.close).collect::<Vec<_>>(),
            vec![Decimal::from(100), Decimal::from(101), Decimal::from(103)]
        );
        assert_eq!(a.gaps[&Venue::Okx][&btc], vec![T0 + 2 * M]);
        assert!(!a.gaps.contains_key(&Venue::Binance));
        assert_eq!(a.dropped[&Venue::Okx][&btc], vec![T0 + 2 * M + 25_000]);

        // With a tolerance of 100 ms every OKX bar is off the grid: nothing is common.
        let strict = align_candles(Interval::M1, 100, &fetched);
        assert!(strict.timestamps.is_empty());
        assert_eq!(strict.dropped[&Venue::Okx][&btc].len(), 4);
        assert_eq!(strict.gaps[&Venue::Okx][&btc].len(), 4);
    }

    #[test]
    fn duplicates_keep_the_bar_nearest_the_grid() {
        let eth = sym("ETH/USDT");
        let mut fetched: PerSeries<Vec<Candle>> = BTreeMap::new();
        fetched.entry(Venue::Gate).or_default().insert(
            eth.clone(),
            vec![candle(T0 + 800, 1), candle(T0 + 200, 2), candle(T0 - 200, 3)],
        );
        let a = align_candles(Interval::M1, 1_000, &fetched);
        assert_eq!(a.timestamps, vec![T0]);
        assert_eq!(
            a.series[&Venue::Gate][&eth][0].close,
            Decimal::from(2),
            "earlier of two equally near bars"
        );
        assert_eq!(a.dropped[&Venue::Gate][&eth], vec![T0 - 200, T0 + 800]);
    }

    proptest::proptest! {
        #[test]
        fn grid_points_are_nearest_and_on_the_grid(t in -(1i64 << 45)..(1i64 << 45), i in 0usize..Interval::ALL.len()) {
            let interval = Interval::ALL[i];
            let g = grid_time(t, interval).unwrap();
            if interval == Interval::Mo1 {
                let days = g.div_euclid(DAY_MS);
                let (y, m) = civil_from_days(days);
                proptest::prop_assert_eq!(days_from_civil(y, m), days, "a month starts on its first day");
                proptest::prop_assert_eq!(g.rem_euclid(DAY_MS), 0);
                proptest::prop_assert!((g - t).abs() <= 16 * DAY_MS);
            } else {
                let origin = if interval == Interval::W1 { FIRST_MONDAY_MS } else { 0 };
                proptest::prop_assert_eq!((g - origin).rem_euclid(interval.millis()), 0);
                proptest::prop_assert!((g - t).abs() <= interval.millis() / 2);
            }
            proptest::prop_assert_eq!(grid_time(g, interval), Some(g), "a grid point is its own grid point");
        }

        #[test]
        fn aligned_series_zip_and_gaps_account_for_the_rest(
            series in proptest::collection::vec(
                proptest::collection::vec((0i64..40, -400i64..400), 0..30),
                1..4,
            )
        ) {
            let venues = [Venue::Binance, Venue::Okx, Venue::Gate, Venue::Kraken];
            let btc = sym("BTC/USDT:USDT");
            let mut fetched: PerSeries<Vec<Candle>> = BTreeMap::new();
            for (venue, bars) in venues.iter().zip(&series) {
                let candles = bars.iter().map(|(k, jitter)| candle(T0 + k * M + jitter, 1)).collect();
                fetched.entry(*venue).or_default().insert(btc.clone(), candles);
            }
            let a = align_candles(Interval::M1, 500, &fetched);
            proptest::prop_assert!(a.timestamps.windows(2).all(|w| w[0] < w[1]));
            for (venue, bars) in venues.iter().zip(&series) {
                let aligned = &a.series[venue][&btc];
                let times: Vec<i64> = aligned.iter().map(|c| c.open_time).collect();
                proptest::prop_assert_eq!(&times, &a.timestamps);
                let kept: BTreeSet<i64> = bars.iter().map(|(k, _)| T0 + k * M).collect();
                let gaps = a.gaps.get(venue).and_then(|g| g.get(&btc)).cloned().unwrap_or_default();
                let dropped = a.dropped.get(venue).and_then(|g| g.get(&btc)).map_or(0, Vec::len);
                // Every input bar is either kept once on the grid or listed as dropped.
                proptest::prop_assert_eq!(kept.len() + dropped, bars.len());
                for t in &gaps {
                    proptest::prop_assert!(!kept.contains(t));
                }
                for t in &a.timestamps {
                    proptest::prop_assert!(kept.contains(t));
                }
            }
        }
    }

    #[test]
    fn nothing_fetched() {
        let a = align_candles(Interval::H1, 0, &BTreeMap::new());
        assert_eq!(a, AlignedCandles::default());
    }
}
