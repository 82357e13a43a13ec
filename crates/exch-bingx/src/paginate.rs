//! Candle pagination driver: any range, ascending, without duplicates.
//!
//! Venue-neutral (a candidate for `exch-core`): the venue supplies one page fetch
//! `(start, end, limit) -> candles` and its page size. The range is walked in windows of
//! exactly `max_per_page` bars (`start .. start + (max - 1) × interval`), so a window fits in one
//! response whether the venue anchors a too-large answer at the start or at the end of the
//! range; there are no gaps and no repeats across windows. Empty windows (no trading) are
//! skipped until the end of the range.

use std::future::Future;

use exch_core::{Candle, CandleQuery, Result, TimestampMs};

/// How many bars a query without `limit` returns (the venues' usual default).
pub const DEFAULT_LIMIT: usize = 500;

/// Fetches the candles of `query` page by page with `fetch(start, end, limit)`.
///
/// * `since` set: bars from `since` up to `until` (or `now_ms`), at most `limit` (first ones).
/// * `since` unset: the latest `limit` bars (default [`DEFAULT_LIMIT`]) up to `until`/now;
///   one request when that fits one page.
pub async fn paginate_candles<F, Fut>(
    query: &CandleQuery,
    max_per_page: usize,
    now_ms: TimestampMs,
    mut fetch: F,
) -> Result<Vec<Candle>>
where
    F: FnMut(Option<TimestampMs>, Option<TimestampMs>, Option<usize>) -> Fut,
    Fut: Future<Output = Result<Vec<Candle>>>,
{
    let step = query.interval.millis().max(1);
    let max = max_per_page.max(1);
    let until = query.until.unwrap_or(now_ms);
    let (since, limit, keep_last) = match query.since {
        Some(s) => (s, query.limit, false),
        None => {
            let want = query.limit.unwrap_or(DEFAULT_LIMIT).max(1);
            if want <= max && query.until.is_none() {
                let mut page = fetch(None, None, Some(want)).await?;
                normalize(&mut page);
                let skip = page.len().saturating_sub(want);
                return Ok(page.split_off(skip));
            }
            let span = i64::try_from(want)
                .unwrap_or(i64::MAX)
                .saturating_sub(1)
                .saturating_mul(step);
            (until.saturating_sub(span), Some(want), true)
        }
    };
    let mut out: Vec<Candle> = Vec::new();
    let window = i64::try_from(max)
        .unwrap_or(i64::MAX)
        .saturating_sub(1)
        .saturating_mul(step);
    let mut start = since;
    while start <= until {
        let end = start.saturating_add(window).min(until);
        let mut page = fetch(Some(start), Some(end), Some(max)).await?;
        page.retain(|c| c.open_time >= start && c.open_time <= end);
        out.append(&mut page);
        if !keep_last && limit.is_some_and(|l| out.len() >= l) {
            break;
        }
        start = match end.checked_add(step) {
            Some(s) if end < until => s,
            _ => break,
        };
    }
    normalize(&mut out);
    if let Some(l) = limit {
        if keep_last {
            let skip = out.len().saturating_sub(l);
            out.drain(..skip);
        } else {
            out.truncate(l);
        }
    }
    Ok(out)
}

/// Sorts ascending by open time and drops repeated bars.
pub fn normalize(candles: &mut Vec<Candle>) {
    candles.sort_by_key(|c| c.open_time);
    candles.dedup_by_key(|c| c.open_time);
}

#[cfg(test)]
mod tests {
    use super::*;
    use exch_core::{Interval, Symbol};
    use rust_decimal::Decimal;
    use std::sync::Mutex;

    fn bar(t: i64) -> Candle {
        Candle {
            open_time: t,
            open: Decimal::ONE,
            high: Decimal::ONE,
            low: Decimal::ONE,
            close: Decimal::ONE,
            volume: Decimal::ONE,
            quote_volume: None,
            closed: None,
        }
    }

    /// A venue with bars every minute from 0 to 10_000 min that answers newest-first and,
    /// when more than `limit` bars match, keeps the latest ones (end-anchored).
    fn venue(start: Option<i64>, end: Option<i64>, limit: Option<usize>) -> Vec<Candle> {
        let m = 60_000;
        let lo = start.unwrap_or(0).max(0);
        let hi = end.unwrap_or(10_000 * m).min(10_000 * m);
        let mut v: Vec<Candle> = (0..=10_000)
            .map(|i| i * m)
            .filter(|t| *t >= lo && *t <= hi)
            .map(bar)
            .collect();
        let l = limit.unwrap_or(500);
        let skip = v.len().saturating_sub(l);
        v.drain(..skip);
        v.reverse();
        v
    }

    fn q() -> CandleQuery {
        CandleQuery::new("BTC/USDT:USDT".parse::<Symbol>().unwrap(), Interval::M1)
    }

    #[tokio::test]
    async fn any_range_is_complete_ascending_and_unique() {
        let calls = Mutex::new(0);
        let m = 60_000;
        let query = q().since(100 * m).until(3_100 * m);
        let out = paginate_candles(&query, 1440, 10_000 * m, |s, e, l| {
            *calls.lock().unwrap() += 1;
            let v = venue(s, e, l);
            async move { Ok(v) }
        })
        .await
        .unwrap();
        assert_eq!(out.len(), 3001);
        assert_eq!(out.first().unwrap().open_time, 100 * m);
        assert_eq!(out.last().unwrap().open_time, 3_100 * m);
        assert!(out.windows(2).all(|w| w[1].open_time - w[0].open_time == m));
        assert_eq!(*calls.lock().unwrap(), 3);
    }

    #[tokio::test]
    async fn latest_n_beyond_one_page() {
        let m = 60_000;
        let out = paginate_candles(&q().limit(2000), 1440, 10_000 * m, |s, e, l| {
            let v = venue(s, e, l);
            async move { Ok(v) }
        })
        .await
        .unwrap();
        assert_eq!(out.len(), 2000);
        assert_eq!(out.last().unwrap().open_time, 10_000 * m);
        let one = paginate_candles(&q().limit(3), 1440, 10_000 * m, |s, e, l| {
            let v = venue(s, e, l);
            async move { Ok(v) }
        })
        .await
        .unwrap();
        assert_eq!(
            one.iter().map(|c| c.open_time).collect::<Vec<_>>(),
            vec![9_998 * m, 9_999 * m, 10_000 * m]
        );
    }

    #[tokio::test]
    async fn since_with_limit_stops_early() {
        let m = 60_000;
        let calls = Mutex::new(0);
        let out = paginate_candles(&q().since(0).limit(10), 1440, 10_000 * m, |s, e, l| {
            *calls.lock().unwrap() += 1;
            let v = venue(s, e, l);
            async move { Ok(v) }
        })
        .await
        .unwrap();
        assert_eq!(out.len(), 10);
        assert_eq!(out[0].open_time, 0);
        assert_eq!(*calls.lock().unwrap(), 1);
    }
}
