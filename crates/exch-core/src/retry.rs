//! Retrying idempotent reads with exponential backoff and jitter, on [`backon`].
//!
//! **Reads only.** Order placement, amendment and anything else that changes state must never
//! go through [`retry_read`]: a retried timeout can place an order twice. Placement uses
//! `order::place_reconciled`, which sends once and reconciles by client order id. The
//! transport applies this policy only to requests marked idempotent
//! (`transport::HttpTransport::send_read`).
//!
//! An error is retried only when [`Error::is_retryable`] holds and the error is not
//! [outcome-unknown](Error::is_outcome_unknown). A clock-skew rejection is not retried here:
//! it needs a resync first ([`ClockSync::with_resync`](crate::clock::ClockSync::with_resync),
//! or `transport::HttpTransport::send_read_synced` for signed reads). A venue's [`Error::retry_after`] is honoured:
//! the next attempt waits at least that long, and when it is longer than
//! [`RetryPolicy::max_retry_after`] the error is returned at once instead of waiting.

use std::future::Future;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable, TokioSleeper};

use crate::error::{Error, Result};

/// How [`retry_read`] retries: attempts, delays and jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first one (1 disables retrying; 0 is treated as 1).
    pub max_attempts: u32,
    /// The delay before the first retry; each later delay doubles.
    pub min_delay: Duration,
    /// The longest backoff delay (a venue's `retry_after` may exceed it).
    pub max_delay: Duration,
    /// The longest `retry_after` worth waiting for; a longer one returns the error at once.
    pub max_retry_after: Duration,
    /// Adds a random part of up to the current delay to each delay (spreads out clients).
    pub jitter: bool,
}

impl Default for RetryPolicy {
    /// 4 attempts, delays from 250 ms doubling up to 5 s, with jitter; waits up to 60 s for a
    /// venue's `retry_after`.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            min_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// The default policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// A policy that never retries (one attempt).
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets the total number of attempts.
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    /// Sets the first retry delay and the largest backoff delay.
    pub fn delays(mut self, min_delay: Duration, max_delay: Duration) -> Self {
        self.min_delay = min_delay;
        self.max_delay = max_delay.max(min_delay);
        self
    }

    /// Sets the longest `retry_after` worth waiting for.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// Enables or disables jitter.
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    fn backoff(&self) -> ExponentialBuilder {
        let retries = self.max_attempts.saturating_sub(1) as usize;
        let b = ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay.max(self.min_delay))
            .with_factor(2.0)
            .with_max_times(retries);
        if self.jitter {
            b.with_jitter().with_jitter_seed(rand::random())
        } else {
            b
        }
    }

    /// Whether `e` may be retried under this policy (ignoring the attempt count).
    pub fn should_retry(&self, e: &Error) -> bool {
        e.is_retryable() && !e.is_outcome_unknown() && e.retry_after().is_none_or(|ra| ra <= self.max_retry_after)
    }
}

/// Runs the **idempotent read** `op`, retrying it under `policy`.
///
/// `op` is called once per attempt and must build the request afresh each time (a signed
/// request needs a new timestamp and signature). Never use this for order placement or any
/// other state-changing request.
///
/// ```
/// # use exch_core::retry::{retry_read, RetryPolicy};
/// # async fn demo() -> exch_core::Result<u32> {
/// let ticker = retry_read(&RetryPolicy::default(), || async { Ok::<u32, exch_core::Error>(42) }).await?;
/// # Ok(ticker) }
/// ```
pub async fn retry_read<T, F, Fut>(policy: &RetryPolicy, op: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let max_delay = policy.max_delay.max(policy.min_delay);
    op.retry(policy.backoff())
        .sleep(TokioSleeper)
        .when(|e: &Error| policy.should_retry(e))
        .adjust(move |e: &Error, next: Option<Duration>| {
            next.map(|d| {
                let d = d.min(max_delay);
                e.retry_after().map_or(d, |ra| d.max(ra))
            })
        })
        .notify(|e: &Error, d: Duration| {
            tracing::warn!(
                error = %e,
                kind = e.kind().as_str(),
                delay_ms = d.as_millis() as u64,
                "retrying read"
            );
        })
        .await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use tokio::time::Instant;

    use super::*;
    use crate::error::ErrorKind;

    fn fast() -> RetryPolicy {
        RetryPolicy::new()
            .delays(Duration::from_millis(10), Duration::from_millis(100))
            .jitter(false)
    }

    #[tokio::test(start_paused = true)]
    async fn retries_a_retryable_error_then_succeeds() {
        let calls = AtomicU32::new(0);
        let r = retry_read(&fast(), || async {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            if n < 3 {
                Err(Error::new(ErrorKind::Unavailable, "busy"))
            } else {
                Ok(n)
            }
        })
        .await;
        assert_eq!(r.unwrap(), 3);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn does_not_retry_a_non_retryable_error() {
        let calls = AtomicU32::new(0);
        let r: Result<()> = retry_read(&fast(), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Error::new(ErrorKind::Auth, "bad key"))
        })
        .await;
        assert_eq!(r.unwrap_err().kind(), ErrorKind::Auth);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn does_not_retry_an_outcome_unknown_error() {
        let calls = AtomicU32::new(0);
        let r: Result<()> = retry_read(&fast(), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Error::new(ErrorKind::Timeout, "t").with_outcome_unknown(true))
        })
        .await;
        assert!(r.unwrap_err().is_outcome_unknown());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn honours_retry_after() {
        let calls = AtomicU32::new(0);
        let start = Instant::now();
        let r = retry_read(&fast().jitter(true), || async {
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                Err(Error::new(ErrorKind::RateLimited, "slow down").with_retry_after(Duration::from_secs(7)))
            } else {
                Ok(())
            }
        })
        .await;
        r.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        let waited = Instant::now() - start;
        assert!(waited >= Duration::from_secs(7), "{waited:?}");
        // The backoff delay (at most 100 ms here) does not add to a longer retry_after.
        assert!(waited < Duration::from_secs(8), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn too_long_retry_after_is_returned_at_once() {
        let calls = AtomicU32::new(0);
        let start = Instant::now();
        let r: Result<()> = retry_read(&fast().max_retry_after(Duration::from_secs(5)), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Error::new(ErrorKind::RateLimited, "x").with_retry_after(Duration::from_secs(120)))
        })
        .await;
        assert_eq!(r.unwrap_err().retry_after(), Some(Duration::from_secs(120)));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(Instant::now(), start);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_max_attempts_with_capped_delays() {
        let calls = AtomicU32::new(0);
        let start = Instant::now();
        let policy = RetryPolicy::new()
            .max_attempts(5)
            .delays(Duration::from_secs(1), Duration::from_secs(2))
            .jitter(false);
        let r: Result<()> = retry_read(&policy, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Error::new(ErrorKind::Timeout, "t"))
        })
        .await;
        assert_eq!(r.unwrap_err().kind(), ErrorKind::Timeout);
        assert_eq!(calls.load(Ordering::SeqCst), 5);
        // Delays 1 s, 2 s, then capped at 2 s, 2 s.
        assert_eq!(Instant::now() - start, Duration::from_secs(7));
    }

    #[tokio::test(start_paused = true)]
    async fn none_means_one_attempt() {
        for policy in [RetryPolicy::none(), RetryPolicy::new().max_attempts(0)] {
            let calls = AtomicU32::new(0);
            let r: Result<()> = retry_read(&policy, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Error::new(ErrorKind::Network, "reset"))
            })
            .await;
            assert_eq!(r.unwrap_err().kind(), ErrorKind::Network);
            assert_eq!(calls.load(Ordering::SeqCst), 1);
        }
    }

    #[test]
    fn classification() {
        let p = RetryPolicy::default();
        assert!(p.should_retry(&Error::new(ErrorKind::Network, "x")));
        assert!(
            !p.should_retry(&Error::new(ErrorKind::ClockSkew, "x")),
            "a stale timestamp needs a resync (ClockSync::with_resync), not the same request again"
        );
        assert!(!p.should_retry(&Error::new(ErrorKind::Banned, "x")));
        assert!(!p.should_retry(&Error::new(ErrorKind::Decode, "x")));
        assert!(p.should_retry(&Error::new(ErrorKind::RateLimited, "x").with_retry_after(Duration::from_secs(60))));
        assert!(!p.should_retry(&Error::new(ErrorKind::RateLimited, "x").with_retry_after(Duration::from_secs(61))));
        assert_eq!(p.max_attempts, 4);
    }
}
