//! Venue-neutral candle pagination: turns a [`CandleQuery`](exch_core::CandleQuery)-style range into page windows,
//! fetches them one after another, and returns the candles ascending and de-duplicated.
//!
//! Written here because exch-core has no such driver yet; nothing in this module is OKX
//! specific, so it can be hoisted into exch-core as is (Binance pages forward by `startTime`,
//! OKX both ways with `after`/`before`; both fit the two [`Window`] forms).
//!
//! * With `since`: **forward** windows `[start, end]` (inclusive ms bounds, contiguous, never
//!   overlapping) from `since` up to `until`, each holding at most one page of bars. Empty
//!   windows (gaps in trading) do not stop the walk; reaching `until` or `limit` does.
//! * Without `since`: **backward** pages ending at `until` (or the venue's latest bar), each
//!   continuing just before the oldest bar received, until `limit` bars or an empty page.

use std::collections::BTreeMap;
use std::future::Future;

use exch_core::{Candle, Result, TimestampMs};

/// One page to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Bars opening in `[start, end]` (inclusive), at most `count` of them.
    Forward {
        /// First open time (inclusive).
        start: TimestampMs,
        /// Last open time (inclusive).
        end: TimestampMs,
        /// Bars that fit in the window (the page size).
        count: usize,
    },
    /// The latest `count` bars opening at or before `end` (`None`: the venue's latest bars).
    Backward {
        /// Last open time (inclusive), or `None` for the newest bars.
        end: Option<TimestampMs>,
        /// Bars wanted.
        count: usize,
    },
}

/// The range to collect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// Bar length, ms (> 0).
    pub interval_ms: i64,
    /// First open time (inclusive).
    pub since: Option<TimestampMs>,
    /// Last open time (inclusive); forward walks need it (pass "now" when the caller gave none).
    pub until: Option<TimestampMs>,
    /// Total bars wanted; `None` = every bar of the range (forward) or one default page
    /// (backward, see `default_limit`).
    pub limit: Option<usize>,
    /// Bars returned by a backward walk when `limit` is unset.
    pub default_limit: usize,
}

/// Upper bound on pages in one call, a guard against a venue that keeps answering.
pub const MAX_PAGES: usize = 10_000;

/// Collects candles over `range`. `page_max(t)` is the venue's page size for a window at
/// time `t` (some venues page older data in smaller batches); `fetch` fetches one window and
/// may return bars outside it (they are filtered).
pub async fn collect<P, F, Fut>(range: Range, page_max: P, mut fetch: F) -> Result<Vec<Candle>>
where
    P: Fn(TimestampMs) -> usize,
    F: FnMut(Window) -> Fut,
    Fut: Future<Output = Result<Vec<Candle>>>,
{
    let iv = range.interval_ms.max(1);
    let mut got: BTreeMap<TimestampMs, Candle> = BTreeMap::new();
    match range.since {
        Some(since) => {
            let until = range.until.unwrap_or(TimestampMs::MAX);
            let mut start = since;
            let mut pages = 0;
            while start <= until && pages < MAX_PAGES {
                let remaining = range.limit.map(|l| l.saturating_sub(got.len()));
                if remaining == Some(0) {
                    break;
                }
                let count = page_max(start).max(1).min(remaining.unwrap_or(usize::MAX));
                let span = iv.saturating_mul(count as i64 - 1);
                let end = start.saturating_add(span).min(until);
                let rows = fetch(Window::Forward { start, end, count }).await?;
                for c in rows {
                    if c.open_time >= start && c.open_time <= end {
                        got.insert(c.open_time, c);
                    }
                }
                pages += 1;
                if end == TimestampMs::MAX {
                    break;
                }
                start = end + 1;
            }
            let mut out: Vec<Candle> = got.into_values().collect();
            if let Some(l) = range.limit {
                out.truncate(l);
            }
            Ok(out)
        }
        None => {
            let want = range.limit.unwrap_or(range.default_limit).max(1);
            let mut end = range.until;
            let mut pages = 0;
            while got.len() < want && pages < MAX_PAGES {
                let count = page_max(end.unwrap_or(TimestampMs::MAX)).max(1).min(want - got.len());
                let rows = fetch(Window::Backward { end, count }).await?;
                let before = got.len();
                let mut oldest: Option<TimestampMs> = None;
                for c in rows {
                    if end.is_none_or(|e| c.open_time <= e) {
                        oldest = Some(oldest.map_or(c.open_time, |o: TimestampMs| o.min(c.open_time)));
                        got.insert(c.open_time, c);
                    }
                }
                pages += 1;
                match oldest {
                    Some(o) if got.len() > before => end = Some(o - 1),
                    _ => break,
                }
            }
            let mut out: Vec<Candle> = got.into_values().collect();
            let excess = out.len().saturating_sub(want);
            out.drain(..excess);
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exch_core::Decimal;
    use std::cell::RefCell;

    fn bar(t: i64) -> Candle {
        Candle {
            open_time: t,
            open: Decimal::ONE,
            high: Decimal::ONE,
            low: Decimal::ONE,
            close: Decimal::ONE,
            volume: Decimal::ONE,
            quote_volume: None,
            closed: Some(true),
        }
    }

    /// A venue with bars every 10 ms from 0 to 990, missing 300..400 (a gap); it answers
    /// newest first and overlaps one bar on each side of the window, like a careless venue.
    fn venue(w: Window) -> Vec<Candle> {
        let all: Vec<i64> = (0..100).map(|i| i * 10).filter(|t| !(300..400).contains(t)).collect();
        let mut rows: Vec<i64> = match w {
            Window::Forward { start, end, count } => all
                .iter()
                .copied()
                .filter(|t| *t >= start - 10 && *t <= end + 10)
                .take(count + 2)
                .collect(),
            Window::Backward { end, count } => {
                let mut v: Vec<i64> = all.iter().copied().filter(|t| end.is_none_or(|e| *t <= e)).collect();
                let skip = v.len().saturating_sub(count);
                v.drain(..skip);
                v
            }
        };
        rows.reverse();
        rows.into_iter().map(bar).collect()
    }

    async fn run(range: Range, page: usize) -> (Vec<i64>, Vec<Window>) {
        let seen = RefCell::new(Vec::new());
        let out = collect(
            range,
            |_| page,
            |w| {
                seen.borrow_mut().push(w);
                async move { Ok(venue(w)) }
            },
        )
        .await
        .unwrap();
        (out.iter().map(|c| c.open_time).collect(), seen.into_inner())
    }

    fn range(since: Option<i64>, until: Option<i64>, limit: Option<usize>) -> Range {
        Range {
            interval_ms: 10,
            since,
            until,
            limit,
            default_limit: 100,
        }
    }

    #[tokio::test]
    async fn forward_covers_gaps_without_duplicates() {
        let (ts, windows) = run(range(Some(0), Some(990), None), 7).await;
        let expect: Vec<i64> = (0..100).map(|i| i * 10).filter(|t| !(300..400).contains(t)).collect();
        assert_eq!(ts, expect);
        for w in windows.windows(2) {
            if let (Window::Forward { end, .. }, Window::Forward { start, .. }) = (w[0], w[1]) {
                assert_eq!(start, end + 1, "contiguous windows");
            }
        }
    }

    #[tokio::test]
    async fn forward_honours_limit_and_unaligned_since() {
        let (ts, _) = run(range(Some(15), Some(990), Some(5)), 3).await;
        assert_eq!(ts, vec![20, 30, 40, 50, 60]);
    }

    #[tokio::test]
    async fn backward_takes_the_latest() {
        let (ts, windows) = run(range(None, None, Some(12)), 5).await;
        assert_eq!(ts, (88..100).map(|i| i * 10).collect::<Vec<_>>());
        assert_eq!(windows[0], Window::Backward { end: None, count: 5 });
        let (ts, _) = run(range(None, Some(415), Some(4)), 3).await;
        assert_eq!(ts, vec![280, 290, 400, 410], "skips the gap");
    }

    #[tokio::test]
    async fn backward_stops_at_the_start_of_data() {
        let (ts, _) = run(range(None, Some(50), Some(100)), 4).await;
        assert_eq!(ts, vec![0, 10, 20, 30, 40, 50]);
    }
}
