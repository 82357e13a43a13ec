//! Candle pagination: one driver that turns a candle range into page requests, fetches them one
//! after another and returns the bars ascending by open time, without duplicates.
//!
//! The venue supplies its page size (`page_max(t)`, which may depend on how old the data at `t`
//! is) and one page fetch per [`Window`]; a [`Strategy`] says how the venue pages:
//!
//! * With `since`, the walk goes **forward** from `since` up to `until`, either in contiguous
//!   time [windows](Forward::Windows) of one page each (empty windows, i.e. gaps in trading, do
//!   not stop the walk) or from a [cursor](Forward::Cursor) just after the newest bar received
//!   (for venues that anchor a page at its start; a short page ends the walk).
//! * Without `since`, the **latest** bars up to `until` (or the venue's newest) are fetched
//!   either in [backward pages](Latest::Pages), each ending just before the oldest bar received,
//!   or as [one forward range](Latest::Range) of `limit` bars ending at `until` (for venues that
//!   only page forward reliably).
//!
//! In every case bars outside the window asked for are dropped, a repeated bar is kept once,
//! and at most `limit` bars are returned (the first ones forward, the latest ones otherwise).
//! A walk never exceeds [`MAX_PAGES`] requests.

use std::collections::BTreeMap;
use std::future::Future;

use crate::error::Result;
use crate::model::{Candle, CandleQuery, TimestampMs};

/// Upper bound on pages in one call, a guard against a venue that keeps answering.
pub const MAX_PAGES: usize = 10_000;

/// One page to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// At most `count` bars opening at or after `start` and, when `end` is set, at or before
    /// `end` (inclusive ms bounds). [`Forward::Windows`] always sets `end` to the last open time
    /// that fits in the page; [`Forward::Cursor`] passes the range's `until`.
    Forward {
        /// First open time (inclusive).
        start: TimestampMs,
        /// Last open time (inclusive), if bounded.
        end: Option<TimestampMs>,
        /// Bars wanted (the page size).
        count: usize,
    },
    /// The latest bars opening at or before `end` (`None`: the venue's newest bars), at most
    /// `count` of them (`None`: the venue's default page, when the caller set no limit).
    Backward {
        /// Last open time (inclusive), or `None` for the newest bars.
        end: Option<TimestampMs>,
        /// Bars wanted, or `None` for the venue's default.
        count: Option<usize>,
    },
}

/// The range to collect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// Bar length, ms (values below 1 are treated as 1).
    pub interval_ms: i64,
    /// First open time (inclusive); `None` asks for the latest bars.
    pub since: Option<TimestampMs>,
    /// Last open time (inclusive). Forward [windows](Forward::Windows) need it to know where to
    /// stop: pass the venue's "now" when the caller gave none (without it, the first empty
    /// window ends the walk).
    pub until: Option<TimestampMs>,
    /// Total bars wanted; `None` = every bar of the range (forward) or `default_limit` (latest).
    pub limit: Option<usize>,
    /// Bars returned for the latest bars when `limit` is unset; `None` = one page of the
    /// venue's own default size (a single [`Window::Backward`] with `count: None`).
    pub default_limit: Option<usize>,
}

impl Range {
    /// The range of `query` as the caller gave it (no default limit; set `until` to the venue's
    /// "now" for forward windows).
    pub fn of(query: &CandleQuery) -> Self {
        Range {
            interval_ms: query.interval.millis(),
            since: query.since,
            until: query.until,
            limit: query.limit,
            default_limit: None,
        }
    }
}

/// How a forward walk (a range with `since`) advances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forward {
    /// Contiguous, non-overlapping windows `[start, start + count × interval − 1]` of one page
    /// each (at most `count` bars whatever the alignment of `start`), clamped to `until`; the
    /// next window starts 1 ms after the previous end. Empty
    /// windows do not stop the walk; reaching `until` or `limit` does.
    Windows,
    /// From a cursor up to `until`: each page asks for the bars from the cursor on, and the
    /// cursor moves to 1 ms after the newest bar received. A page shorter than asked, or one
    /// without a new bar, ends the walk.
    Cursor,
}

/// How the latest bars (a range without `since`) are fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latest {
    /// Backward pages from `until` (or the newest bar), each ending 1 ms before the oldest bar
    /// received, until the limit is reached or a page brings nothing new. With
    /// `short_page_ends`, a page shorter than asked ends the walk too.
    Pages {
        /// A page with fewer bars than asked means there is no older data.
        short_page_ends: bool,
    },
    /// One backward page of the newest bars when they fit in one page and no `until` was
    /// given; otherwise a forward [windows](Forward::Windows) walk over the `limit` intervals
    /// ending at `until` (or `now`), i.e. `(end − limit × interval, end]`, keeping the latest
    /// `limit` bars.
    Range {
        /// The venue's current time, ms (the end of the range when `until` is unset).
        now: TimestampMs,
    },
}

/// How a venue pages candles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Strategy {
    /// Ranges with `since`.
    pub forward: Forward,
    /// Ranges without `since`.
    pub latest: Latest,
}

/// Collects the candles of `range` with `strategy`. `page_max(t)` is the venue's page size for
/// a page starting (forward) or ending (backward) at `t` (values below 1 are treated as 1);
/// `fetch` fetches one window and may return bars outside it (they are dropped) in any order.
/// The first failed fetch ends the walk with its error.
pub async fn candles<P, F, Fut>(range: Range, strategy: Strategy, page_max: P, mut fetch: F) -> Result<Vec<Candle>>
where
    P: Fn(TimestampMs) -> usize,
    F: FnMut(Window) -> Fut,
    Fut: Future<Output = Result<Vec<Candle>>>,
{
    let iv = range.interval_ms.max(1);
    let page = |t: TimestampMs| page_max(t).max(1);
    match range.since {
        Some(since) => {
            let mut got = Bars::default();
            match strategy.forward {
                Forward::Windows => windows(iv, since, range.until, range.limit, &page, &mut fetch, &mut got).await?,
                Forward::Cursor => cursor(since, range.until, range.limit, &page, &mut fetch, &mut got).await?,
            }
            Ok(got.first(range.limit))
        }
        None => {
            let Some(want) = range.limit.or(range.default_limit) else {
                // No limit at all: the venue's default page of the newest bars.
                let mut got = Bars::default();
                let rows = fetch(Window::Backward {
                    end: range.until,
                    count: None,
                })
                .await?;
                got.extend(rows, |t| range.until.is_none_or(|e| t <= e));
                return Ok(got.first(None));
            };
            let want = want.max(1);
            let mut got = Bars::default();
            match strategy.latest {
                Latest::Pages { short_page_ends } => {
                    backward(range.until, want, short_page_ends, &page, &mut fetch, &mut got).await?
                }
                Latest::Range { now } => {
                    if range.until.is_none() && want <= page(now) {
                        let rows = fetch(Window::Backward {
                            end: None,
                            count: Some(want),
                        })
                        .await?;
                        got.extend(rows, |_| true);
                    } else {
                        // `want` slots of `iv` ms ending at `end` hold the latest `want` bars
                        // whatever the alignment of `end`.
                        let end = range.until.unwrap_or(now);
                        let start = end.saturating_sub(iv.saturating_mul(to_i64(want))).saturating_add(1);
                        windows(iv, start, Some(end), None, &page, &mut fetch, &mut got).await?;
                    }
                }
            }
            Ok(got.last(want))
        }
    }
}

/// Bars by open time; the first copy of a bar wins.
#[derive(Default)]
struct Bars(BTreeMap<TimestampMs, Candle>);

impl Bars {
    fn len(&self) -> usize {
        self.0.len()
    }

    /// Adds the bars whose open time passes `keep`; returns the oldest and newest added.
    fn extend(&mut self, rows: Vec<Candle>, keep: impl Fn(TimestampMs) -> bool) -> Option<(TimestampMs, TimestampMs)> {
        let mut span: Option<(TimestampMs, TimestampMs)> = None;
        for c in rows {
            let t = c.open_time;
            if keep(t) {
                span = Some(span.map_or((t, t), |(lo, hi)| (lo.min(t), hi.max(t))));
                self.0.entry(t).or_insert(c);
            }
        }
        span
    }

    fn first(self, limit: Option<usize>) -> Vec<Candle> {
        let mut out: Vec<Candle> = self.0.into_values().collect();
        if let Some(l) = limit {
            out.truncate(l);
        }
        out
    }

    fn last(self, n: usize) -> Vec<Candle> {
        let mut out: Vec<Candle> = self.0.into_values().collect();
        let excess = out.len().saturating_sub(n);
        out.drain(..excess);
        out
    }
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

async fn windows<P, F, Fut>(
    iv: i64,
    since: TimestampMs,
    until: Option<TimestampMs>,
    limit: Option<usize>,
    page: &P,
    fetch: &mut F,
    got: &mut Bars,
) -> Result<()>
where
    P: Fn(TimestampMs) -> usize,
    F: FnMut(Window) -> Fut,
    Fut: Future<Output = Result<Vec<Candle>>>,
{
    let last = until.unwrap_or(TimestampMs::MAX);
    let mut start = since;
    let mut pages = 0;
    while start <= last && pages < MAX_PAGES {
        let remaining = limit.map(|l| l.saturating_sub(got.len()));
        if remaining == Some(0) {
            break;
        }
        let count = page(start).min(remaining.unwrap_or(usize::MAX));
        // `count` slots of `iv` ms hold at most `count` bars whatever the alignment of `start`.
        let end = start
            .saturating_add(iv.saturating_mul(to_i64(count)).saturating_sub(1))
            .min(last);
        let rows = fetch(Window::Forward {
            start,
            end: Some(end),
            count,
        })
        .await?;
        let added = got.extend(rows, |t| t >= start && t <= end);
        pages += 1;
        if end == TimestampMs::MAX || (until.is_none() && added.is_none()) {
            break;
        }
        start = end + 1;
    }
    Ok(())
}

async fn cursor<P, F, Fut>(
    since: TimestampMs,
    until: Option<TimestampMs>,
    limit: Option<usize>,
    page: &P,
    fetch: &mut F,
    got: &mut Bars,
) -> Result<()>
where
    P: Fn(TimestampMs) -> usize,
    F: FnMut(Window) -> Fut,
    Fut: Future<Output = Result<Vec<Candle>>>,
{
    let mut start = since;
    for _ in 0..MAX_PAGES {
        let remaining = limit.map(|l| l.saturating_sub(got.len()));
        if remaining == Some(0) || until.is_some_and(|u| start > u) {
            break;
        }
        let count = page(start).min(remaining.unwrap_or(usize::MAX));
        let rows = fetch(Window::Forward {
            start,
            end: until,
            count,
        })
        .await?;
        let n = rows.len();
        let added = got.extend(rows, |t| t >= start && until.is_none_or(|u| t <= u));
        match added {
            Some((_, newest)) if n >= count && newest < TimestampMs::MAX => start = newest + 1,
            _ => break,
        }
    }
    Ok(())
}

async fn backward<P, F, Fut>(
    until: Option<TimestampMs>,
    want: usize,
    short_page_ends: bool,
    page: &P,
    fetch: &mut F,
    got: &mut Bars,
) -> Result<()>
where
    P: Fn(TimestampMs) -> usize,
    F: FnMut(Window) -> Fut,
    Fut: Future<Output = Result<Vec<Candle>>>,
{
    let mut end = until;
    let mut pages = 0;
    while got.len() < want && pages < MAX_PAGES {
        let count = page(end.unwrap_or(TimestampMs::MAX)).min(want - got.len());
        let rows = fetch(Window::Backward {
            end,
            count: Some(count),
        })
        .await?;
        let n = rows.len();
        let before = got.len();
        let added = got.extend(rows, |t| end.is_none_or(|e| t <= e));
        pages += 1;
        if short_page_ends && n < count {
            break;
        }
        match added {
            Some((oldest, _)) if got.len() > before && oldest > TimestampMs::MIN => end = Some(oldest - 1),
            _ => break,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Strategy;
    use super::*;
    use crate::model::Interval;
    use crate::symbol::Symbol;
    use proptest::prelude::*;
    use rust_decimal::Decimal;
    use std::cell::RefCell;

    const WINDOWS: Strategy = Strategy {
        forward: Forward::Windows,
        latest: Latest::Pages { short_page_ends: false },
    };
    const CURSOR: Strategy = Strategy {
        forward: Forward::Cursor,
        latest: Latest::Pages { short_page_ends: true },
    };

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

    fn times(c: &[Candle]) -> Vec<i64> {
        c.iter().map(|c| c.open_time).collect()
    }

    /// A venue holding `bars` (ascending). Forward pages are anchored at their start, backward
    /// pages at their end; `count: None` means 500. It answers newest first and, when
    /// `careless`, adds one bar on each side of a forward window.
    fn serve(bars: &[i64], w: Window, careless: bool) -> Vec<Candle> {
        let mut rows: Vec<i64> = match w {
            Window::Forward { start, end, count } => {
                let pad = if careless { 1 } else { 0 };
                let lo = bars.partition_point(|t| *t < start).saturating_sub(pad);
                let mut v: Vec<i64> = bars[lo..]
                    .iter()
                    .copied()
                    .take_while(|t| end.is_none_or(|e| *t <= e))
                    .take(count)
                    .collect();
                if careless {
                    if let Some(next) = bars.get(lo + v.len()) {
                        v.push(*next);
                    }
                }
                v
            }
            Window::Backward { end, count } => {
                let mut v: Vec<i64> = bars.iter().copied().filter(|t| end.is_none_or(|e| *t <= e)).collect();
                let skip = v.len().saturating_sub(count.unwrap_or(500));
                v.drain(..skip);
                v
            }
        };
        rows.reverse();
        rows.into_iter().map(bar).collect()
    }

    async fn run(
        bars: &[i64],
        range: Range,
        strategy: Strategy,
        page: usize,
        careless: bool,
    ) -> (Vec<i64>, Vec<Window>) {
        let seen = RefCell::new(Vec::new());
        let out = candles(
            range,
            strategy,
            |_| page,
            |w| {
                seen.borrow_mut().push(w);
                let rows = serve(bars, w, careless);
                async move { Ok(rows) }
            },
        )
        .await
        .unwrap();
        (times(&out), seen.into_inner())
    }

    /// Bars every 10 ms from 0 to 990, missing 300..400 (a gap in trading).
    fn gappy() -> Vec<i64> {
        (0..100).map(|i| i * 10).filter(|t| !(300..400).contains(t)).collect()
    }

    fn range(since: Option<i64>, until: Option<i64>, limit: Option<usize>) -> Range {
        Range {
            interval_ms: 10,
            since,
            until,
            limit,
            default_limit: Some(100),
        }
    }

    #[tokio::test]
    async fn forward_windows_cover_gaps_without_duplicates() {
        let (ts, windows) = run(&gappy(), range(Some(0), Some(990), None), WINDOWS, 7, true).await;
        assert_eq!(ts, gappy());
        for w in windows.windows(2) {
            if let (Window::Forward { end: Some(end), .. }, Window::Forward { start, .. }) = (w[0], w[1]) {
                assert_eq!(start, end + 1, "contiguous windows");
            }
        }
        assert_eq!(windows.len(), 15, "100 slots of 10 ms in windows of 7");
    }

    #[tokio::test]
    async fn forward_windows_honour_limit_and_unaligned_since() {
        let (ts, windows) = run(&gappy(), range(Some(15), Some(990), Some(5)), WINDOWS, 3, true).await;
        assert_eq!(ts, vec![20, 30, 40, 50, 60]);
        // The last window asks only for what is still missing.
        assert_eq!(
            windows[1],
            Window::Forward {
                start: 45,
                end: Some(64),
                count: 2
            }
        );
    }

    #[tokio::test]
    async fn forward_windows_without_until_stop_at_the_first_empty_window() {
        let (ts, windows) = run(&gappy(), range(Some(900), None, None), WINDOWS, 4, false).await;
        assert_eq!(ts, (90..100).map(|i| i * 10).collect::<Vec<_>>());
        assert_eq!(windows.len(), 4, "3 windows with bars, then an empty one");
    }

    #[tokio::test]
    async fn cursor_pages_start_after_the_newest_bar() {
        // Binance's shape: 5000 one-minute bars in pages of the 1000 maximum.
        let m = 60_000;
        let t0 = 1_700_000_000_000 - 1_700_000_000_000 % m;
        let bars: Vec<i64> = (0..=10_000).map(|i| t0 + i * m).collect();
        let r = Range {
            interval_ms: m,
            since: Some(t0),
            until: None,
            limit: Some(5000),
            default_limit: None,
        };
        let (ts, calls) = run(&bars, r, CURSOR, 1000, false).await;
        assert_eq!(ts.len(), 5000);
        assert!(ts.windows(2).all(|w| w[1] == w[0] + m));
        assert_eq!(ts[0], t0);
        assert_eq!(calls.len(), 5);
        assert!(calls.iter().all(|w| matches!(
            w,
            Window::Forward {
                count: 1000,
                end: None,
                ..
            }
        )));
        assert_eq!(
            calls[1],
            Window::Forward {
                start: t0 + 999 * m + 1,
                end: None,
                count: 1000
            }
        );
    }

    #[tokio::test]
    async fn cursor_ends_at_until_or_a_short_page() {
        let m = 60_000;
        let t0 = 1_700_000_000_000 - 1_700_000_000_000 % m;
        let bars: Vec<i64> = (0..=10_000).map(|i| t0 + i * m).collect();
        let r = Range {
            interval_ms: m,
            since: Some(t0),
            until: Some(t0 + 3999 * m),
            limit: None,
            default_limit: None,
        };
        let (ts, calls) = run(&bars, r, CURSOR, 1500, false).await;
        assert_eq!(ts.len(), 4000);
        assert_eq!(*ts.last().unwrap(), t0 + 3999 * m);
        assert_eq!(calls.len(), 3, "1500 + 1500 + 1000 (short: the end)");
        assert!(calls
            .iter()
            .all(|w| matches!(w, Window::Forward { end: Some(e), .. } if *e == t0 + 3999 * m)));
        // Without `until`, the short last page ends the walk.
        let r = Range { until: None, ..r };
        let (ts, calls) = run(
            &bars,
            Range {
                since: Some(t0 + 9000 * m),
                ..r
            },
            CURSOR,
            600,
            false,
        )
        .await;
        assert_eq!(ts.len(), 1001);
        assert_eq!(calls.len(), 2);
    }

    #[tokio::test]
    async fn cursor_stops_when_the_venue_repeats_itself() {
        // A venue ignoring `start` and always answering the same page.
        let calls = RefCell::new(0);
        let r = range(Some(0), None, None);
        let out = candles(
            r,
            CURSOR,
            |_| 3,
            |_| {
                *calls.borrow_mut() += 1;
                async { Ok(vec![bar(0), bar(10), bar(20)]) }
            },
        )
        .await
        .unwrap();
        assert_eq!(times(&out), vec![0, 10, 20]);
        assert_eq!(*calls.borrow(), 2, "the second page brought nothing new");
    }

    #[tokio::test]
    async fn backward_pages_take_the_latest() {
        let (ts, windows) = run(&gappy(), range(None, None, Some(12)), WINDOWS, 5, false).await;
        assert_eq!(ts, (88..100).map(|i| i * 10).collect::<Vec<_>>());
        assert_eq!(
            windows[0],
            Window::Backward {
                end: None,
                count: Some(5)
            }
        );
        assert_eq!(
            windows[2],
            Window::Backward {
                end: Some(899),
                count: Some(2)
            }
        );
        let (ts, _) = run(&gappy(), range(None, Some(415), Some(4)), WINDOWS, 3, false).await;
        assert_eq!(ts, vec![280, 290, 400, 410], "skips the gap");
    }

    #[tokio::test]
    async fn backward_pages_stop_at_the_start_of_data() {
        let (ts, windows) = run(&gappy(), range(None, Some(50), Some(100)), WINDOWS, 4, false).await;
        assert_eq!(ts, vec![0, 10, 20, 30, 40, 50]);
        assert_eq!(windows.len(), 3, "4, then 2 (short), then an empty page");
        let (ts, windows) = run(&gappy(), range(None, Some(50), Some(100)), CURSOR, 4, false).await;
        assert_eq!(ts, vec![0, 10, 20, 30, 40, 50]);
        assert_eq!(windows.len(), 2, "a short page ends the walk");
    }

    #[tokio::test]
    async fn no_limit_at_all_is_one_default_page() {
        let r = Range {
            default_limit: None,
            ..range(None, Some(600), None)
        };
        let (ts, windows) = run(&gappy(), r, CURSOR, 1000, false).await;
        assert_eq!(
            windows,
            vec![Window::Backward {
                end: Some(600),
                count: None
            }]
        );
        assert_eq!(ts.len(), 51);
        assert_eq!(ts.last(), Some(&600));
        // With a default limit, that many bars.
        let (ts, _) = run(&gappy(), range(None, None, None), WINDOWS, 30, false).await;
        assert_eq!(ts.len(), 90, "all 90 bars, fewer than the 100 default");
    }

    /// BingX's shape: one-minute bars from 0 to 10 000 min, pages of 1440.
    fn minutes() -> Vec<i64> {
        (0..=10_000).map(|i| i * 60_000).collect()
    }

    fn latest_range(now: i64) -> Strategy {
        Strategy {
            forward: Forward::Windows,
            latest: Latest::Range { now },
        }
    }

    fn query() -> CandleQuery {
        CandleQuery::new("BTC/USDT:USDT".parse::<Symbol>().unwrap(), Interval::M1)
    }

    #[tokio::test]
    async fn any_range_is_complete_ascending_and_unique() {
        let m = 60_000;
        let r = Range::of(&query().since(100 * m).until(3_100 * m));
        assert_eq!(r.interval_ms, m);
        let (ts, calls) = run(&minutes(), r, latest_range(10_000 * m), 1440, true).await;
        assert_eq!(ts.len(), 3001);
        assert_eq!((ts[0], ts[3000]), (100 * m, 3_100 * m));
        assert!(ts.windows(2).all(|w| w[1] - w[0] == m));
        assert_eq!(calls.len(), 3);
    }

    #[tokio::test]
    async fn latest_range_beyond_one_page_walks_forward() {
        let m = 60_000;
        let now = 10_000 * m;
        let r = Range {
            default_limit: Some(500),
            ..Range::of(&query().limit(2000))
        };
        let (ts, calls) = run(&minutes(), r, latest_range(now), 1440, false).await;
        assert_eq!(ts.len(), 2000);
        assert_eq!(*ts.last().unwrap(), now);
        assert!(ts.windows(2).all(|w| w[1] - w[0] == m));
        assert!(matches!(calls[0], Window::Forward { start, .. } if start == now - 2000 * m + 1));
        // Within one page and without `until`: one request for the newest bars.
        let (ts, calls) = run(
            &minutes(),
            Range { limit: Some(3), ..r },
            latest_range(now),
            1440,
            false,
        )
        .await;
        assert_eq!(ts, vec![9_998 * m, 9_999 * m, now]);
        assert_eq!(
            calls,
            vec![Window::Backward {
                end: None,
                count: Some(3)
            }]
        );
        // With `until`, a range even when it fits one page.
        let (ts, calls) = run(
            &minutes(),
            Range {
                limit: None,
                until: Some(50 * m),
                ..r
            },
            latest_range(now),
            1440,
            false,
        )
        .await;
        assert_eq!(ts.len(), 51, "500 asked, 51 exist");
        assert_eq!(calls.len(), 1);
    }

    #[tokio::test]
    async fn since_with_limit_stops_early() {
        let r = Range::of(&query().since(0).limit(10));
        let (ts, calls) = run(&minutes(), r, latest_range(i64::MAX), 1440, false).await;
        assert_eq!(ts.len(), 10);
        assert_eq!(ts[0], 0);
        assert_eq!(calls.len(), 1);
    }

    #[tokio::test]
    async fn a_failed_page_ends_the_walk_with_its_error() {
        use crate::error::{Error, ErrorKind};
        let calls = RefCell::new(0);
        let r = range(Some(0), Some(990), None);
        let e = candles(
            r,
            WINDOWS,
            |_| 10,
            |w| {
                *calls.borrow_mut() += 1;
                let fail = *calls.borrow() == 2;
                let rows = serve(&gappy(), w, false);
                async move {
                    if fail {
                        Err(Error::new(ErrorKind::Unavailable, "down"))
                    } else {
                        Ok(rows)
                    }
                }
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert_eq!(*calls.borrow(), 2);
    }

    #[tokio::test]
    async fn extreme_bounds_do_not_overflow() {
        let r = Range {
            interval_ms: i64::MAX,
            since: Some(i64::MAX - 5),
            until: None,
            limit: None,
            default_limit: None,
        };
        let (ts, _) = run(&[i64::MAX - 1, i64::MAX], r, WINDOWS, 1000, false).await;
        assert_eq!(ts, vec![i64::MAX - 1, i64::MAX]);
        let (ts, _) = run(&[i64::MAX - 1, i64::MAX], r, CURSOR, 2, false).await;
        assert_eq!(ts, vec![i64::MAX - 1, i64::MAX]);
        let r = Range {
            interval_ms: 0,
            since: None,
            until: Some(i64::MIN),
            limit: Some(3),
            default_limit: None,
        };
        let (ts, _) = run(&[i64::MIN], r, WINDOWS, 0, false).await;
        assert_eq!(ts, vec![i64::MIN]);
    }

    fn block_on<T>(f: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Every strategy returns exactly what a naive filter over the venue's bars returns.
        #[test]
        fn agrees_with_a_naive_filter(
            present in proptest::collection::vec(any::<bool>(), 0..120),
            since in proptest::option::of(0i64..1300),
            until in proptest::option::of(0i64..1300),
            limit in proptest::option::of(1usize..60),
            page in 1usize..25,
            careless in any::<bool>(),
            strategy in 0usize..3,
        ) {
            let bars: Vec<i64> = present.iter().enumerate().filter(|(_, p)| **p).map(|(i, _)| i as i64 * 10).collect();
            let strategy = [WINDOWS, CURSOR, latest_range(1200)][strategy];
            // Forward windows need `until` (the venues pass "now").
            let until = match (since, strategy.forward) {
                (Some(_), Forward::Windows) => Some(until.unwrap_or(1200)),
                _ => until,
            };
            let r = range(since, until, limit);
            let (ts, calls) = block_on(run(&bars, r, strategy, page, careless));
            let in_range: Vec<i64> = bars
                .iter()
                .copied()
                .filter(|t| since.is_none_or(|s| *t >= s) && until.is_none_or(|u| *t <= u))
                .collect();
            let n = limit.unwrap_or(100);
            let expect: Vec<i64> = match (since, strategy.latest) {
                (Some(_), _) => in_range.iter().copied().take(limit.unwrap_or(usize::MAX)).collect(),
                // The latest `n` bars as a time range: the `n` slots ending at `until` (or now).
                (None, Latest::Range { now }) if until.is_some() || n > page => {
                    let end = until.unwrap_or(now);
                    in_range.iter().copied().filter(|t| *t > end - n as i64 * 10).collect()
                }
                (None, _) => {
                    let skip = in_range.len().saturating_sub(n);
                    in_range[skip..].to_vec()
                }
            };
            prop_assert_eq!(&ts, &expect);
            prop_assert!(ts.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(calls.len() <= 200);
        }
    }
}
