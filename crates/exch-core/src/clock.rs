//! Clock synchronisation with the venue, for request timestamps.
//!
//! Signed requests carry a timestamp the venue checks against its own clock (Binance rejects
//! one outside `recvWindow` with `-1021`). [`ClockSync`] measures the offset of the venue's
//! clock from ours with a probe the venue crate supplies (its server-time endpoint), taking the
//! round-trip midpoint as the moment the server read its clock:
//!
//! `offset = server_time - (t_send + t_recv) / 2`
//!
//! The measurement is cached and re-taken when older than the refresh interval
//! (`ClientConfig::clock_refresh`) or on demand with [`ClockSync::resync`] (after a
//! timestamp-window rejection). Concurrent callers share one probe.
//!
//! The local clock is injectable ([`LocalClock`]); tests and signing snapshots use
//! [`ManualClock`].

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;

use crate::config::ClientConfig;
use crate::error::{ErrorKind, Result};

/// A source of local wall-clock time in ms since the Unix epoch.
pub trait LocalClock: Send + Sync + fmt::Debug {
    /// The current local time, ms since the epoch.
    fn now_ms(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl LocalClock for SystemClock {
    fn now_ms(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
        }
    }
}

/// A clock that only moves when told to (tests, deterministic signing snapshots).
#[derive(Debug, Default)]
pub struct ManualClock {
    ms: AtomicI64,
}

impl ManualClock {
    /// A clock reading `ms`.
    pub fn new(ms: i64) -> Self {
        ManualClock { ms: AtomicI64::new(ms) }
    }

    /// Sets the reading.
    pub fn set(&self, ms: i64) {
        self.ms.store(ms, Ordering::SeqCst);
    }

    /// Moves the reading forward by `d`.
    pub fn advance(&self, d: Duration) {
        let add = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        self.ms.fetch_add(add, Ordering::SeqCst);
    }
}

impl LocalClock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.ms.load(Ordering::SeqCst)
    }
}

/// The venue's server-time probe: resolves to the server's time in ms since the epoch.
pub type TimeProbe = Arc<dyn Fn() -> BoxFuture<'static, Result<i64>> + Send + Sync>;

/// One offset measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measurement {
    /// Server time minus local time, ms (positive when the server is ahead).
    pub offset_ms: i64,
    /// The probe's round-trip time, ms.
    pub rtt_ms: i64,
    /// Local time when the probe returned, ms.
    pub measured_at_ms: i64,
}

#[derive(Debug, Default)]
struct State {
    last: Option<Measurement>,
    generation: u64,
}

/// The cached offset to one venue's clock.
pub struct ClockSync {
    probe: TimeProbe,
    local: Arc<dyn LocalClock>,
    refresh: Duration,
    state: Mutex<State>,
    probing: tokio::sync::Mutex<()>,
}

impl fmt::Debug for ClockSync {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClockSync")
            .field("local", &self.local)
            .field("refresh", &self.refresh)
            .field("last", &self.measurement())
            .finish()
    }
}

impl ClockSync {
    /// Clock sync over the system clock, re-measuring when the offset is older than `refresh`.
    /// `probe` returns the venue's server time in ms.
    pub fn new<F, Fut>(refresh: Duration, probe: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<i64>> + Send + 'static,
    {
        ClockSync {
            probe: Arc::new(move || -> BoxFuture<'static, Result<i64>> { Box::pin(probe()) }),
            local: Arc::new(SystemClock),
            refresh,
            state: Mutex::new(State::default()),
            probing: tokio::sync::Mutex::new(()),
        }
    }

    /// [`new`](Self::new) with the refresh interval `config.clock_refresh`.
    pub fn from_config<F, Fut>(config: &ClientConfig, probe: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<i64>> + Send + 'static,
    {
        Self::new(config.clock_refresh, probe)
    }

    /// Replaces the local clock (tests).
    pub fn with_local_clock(mut self, clock: Arc<dyn LocalClock>) -> Self {
        self.local = clock;
        self
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The local clock's time, ms.
    pub fn local_now_ms(&self) -> i64 {
        self.local.now_ms()
    }

    /// The last measurement, fresh or not.
    pub fn measurement(&self) -> Option<Measurement> {
        self.state().last
    }

    /// The cached offset (server minus local, ms), if measured.
    pub fn offset_ms(&self) -> Option<i64> {
        self.measurement().map(|m| m.offset_ms)
    }

    /// Estimated server time now: local time plus the cached offset (no offset before the
    /// first measurement). Never probes; use [`timestamp_ms`](Self::timestamp_ms) for a
    /// timestamp backed by a fresh offset.
    pub fn now_ms(&self) -> i64 {
        self.local.now_ms().saturating_add(self.offset_ms().unwrap_or(0))
    }

    fn fresh(&self) -> Option<Measurement> {
        let m = self.state().last?;
        let age = self.local.now_ms().saturating_sub(m.measured_at_ms);
        let max = i64::try_from(self.refresh.as_millis()).unwrap_or(i64::MAX);
        (0..max).contains(&age).then_some(m)
    }

    /// True when a measurement exists and is younger than the refresh interval.
    pub fn is_fresh(&self) -> bool {
        self.fresh().is_some()
    }

    /// The current measurement, probing first if none is fresh (concurrent callers share
    /// one probe). A probe error is returned and the old measurement kept.
    pub async fn ensure_fresh(&self) -> Result<Measurement> {
        if let Some(m) = self.fresh() {
            return Ok(m);
        }
        let _guard = self.probing.lock().await;
        if let Some(m) = self.fresh() {
            return Ok(m);
        }
        self.probe_now().await
    }

    /// A request timestamp: estimated server time in ms, on a fresh offset.
    pub async fn timestamp_ms(&self) -> Result<i64> {
        let m = self.ensure_fresh().await?;
        Ok(self.local.now_ms().saturating_add(m.offset_ms))
    }

    /// Re-measures now, e.g. after the venue rejected a timestamp. Callers that arrive while
    /// a probe is running share its result instead of probing again.
    pub async fn resync(&self) -> Result<Measurement> {
        let generation = self.state().generation;
        let _guard = self.probing.lock().await;
        {
            let st = self.state();
            if st.generation != generation {
                if let Some(m) = st.last {
                    return Ok(m);
                }
            }
        }
        self.probe_now().await
    }

    /// Runs the read `op`; if it fails with `ClockSkew` (the venue refused the timestamp),
    /// re-measures the offset once and runs `op` once more. `op` must take its timestamp
    /// afresh on each call (e.g. from [`now_ms`](Self::now_ms)). Other errors, a failed
    /// resync, and an outcome-unknown error are returned as they are.
    pub async fn with_resync<T, F, Fut>(&self, mut op: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        match op().await {
            Err(e) if e.kind() == ErrorKind::ClockSkew && !e.is_outcome_unknown() => {
                tracing::warn!(error = %e, "timestamp rejected; resyncing the clock");
                self.resync().await?;
                op().await
            }
            other => other,
        }
    }

    async fn probe_now(&self) -> Result<Measurement> {
        let t_send = self.local.now_ms();
        let server = (self.probe)().await?;
        let t_recv = self.local.now_ms();
        let rtt_ms = t_recv.saturating_sub(t_send);
        let midpoint = t_send.saturating_add(rtt_ms / 2);
        let m = Measurement {
            offset_ms: server.saturating_sub(midpoint),
            rtt_ms,
            measured_at_ms: t_recv,
        };
        tracing::debug!(offset_ms = m.offset_ms, rtt_ms, "clock offset measured");
        let mut st = self.state();
        st.last = Some(m);
        st.generation += 1;
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU32;

    use super::*;
    use crate::error::Error;

    /// A probe reporting `server_ahead_ms` past the manual clock, taking `rtt` of that clock,
    /// counting its calls.
    fn probe(
        clock: Arc<ManualClock>,
        server_ahead_ms: i64,
        rtt: Duration,
        calls: Arc<AtomicU32>,
    ) -> impl Fn() -> BoxFuture<'static, Result<i64>> + Send + Sync + 'static {
        move || {
            let clock = clock.clone();
            let calls = calls.clone();
            Box::pin(async move {
                calls.fetch_add(1, Ordering::SeqCst);
                // Half the round trip out, the server reads its clock, half back.
                clock.advance(rtt / 2);
                let server = clock.now_ms() + server_ahead_ms;
                tokio::task::yield_now().await;
                clock.advance(rtt / 2);
                Ok(server)
            })
        }
    }

    fn setup(ahead: i64, rtt: Duration, refresh: Duration) -> (ClockSync, Arc<ManualClock>, Arc<AtomicU32>) {
        let clock = Arc::new(ManualClock::new(1_700_000_000_000));
        let calls = Arc::new(AtomicU32::new(0));
        let sync =
            ClockSync::new(refresh, probe(clock.clone(), ahead, rtt, calls.clone())).with_local_clock(clock.clone());
        (sync, clock, calls)
    }

    #[tokio::test]
    async fn offset_from_a_probe() {
        let (sync, clock, calls) = setup(500, Duration::ZERO, Duration::from_secs(300));
        assert_eq!(sync.offset_ms(), None);
        assert_eq!(sync.now_ms(), clock.now_ms());
        assert!(!sync.is_fresh());
        let ts = sync.timestamp_ms().await.unwrap();
        assert_eq!(ts, clock.now_ms() + 500);
        assert_eq!(sync.offset_ms(), Some(500));
        assert_eq!(sync.now_ms(), clock.now_ms() + 500);
        clock.advance(Duration::from_millis(10));
        assert_eq!(sync.now_ms(), clock.now_ms() + 500);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(format!("{sync:?}").contains("offset_ms: 500"));
    }

    #[tokio::test]
    async fn rtt_midpoint() {
        // The server is 950 ms behind and the round trip takes 100 ms: sent at t, the server
        // reads its clock at t + 50, the reply lands at t + 100.
        let (sync, clock, _) = setup(-950, Duration::from_millis(100), Duration::from_secs(300));
        let t_send = clock.now_ms();
        let m = sync.ensure_fresh().await.unwrap();
        assert_eq!(m.rtt_ms, 100);
        assert_eq!(m.offset_ms, -950);
        assert_eq!(m.measured_at_ms, t_send + 100);
        // Worked by hand: server = t + 50 - 950, midpoint = (t + t + 100) / 2 = t + 50.
        let server = t_send + 50 - 950;
        assert_eq!(m.offset_ms, server - (t_send + (t_send + 100)) / 2);
    }

    #[tokio::test]
    async fn refresh_after_the_interval() {
        let (sync, clock, calls) = setup(20, Duration::ZERO, Duration::from_secs(60));
        sync.timestamp_ms().await.unwrap();
        clock.advance(Duration::from_secs(59));
        sync.timestamp_ms().await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(sync.is_fresh());
        clock.advance(Duration::from_secs(1));
        assert!(!sync.is_fresh());
        sync.timestamp_ms().await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        // A clock that jumped backwards also forces a new measurement.
        clock.advance(Duration::from_secs(1));
        clock.set(clock.now_ms() - 10_000);
        sync.timestamp_ms().await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn resync_on_demand() {
        let (sync, _clock, calls) = setup(7, Duration::ZERO, Duration::from_secs(300));
        sync.ensure_fresh().await.unwrap();
        assert!(sync.is_fresh());
        let m = sync.resync().await.unwrap();
        assert_eq!(m.offset_ms, 7);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        sync.resync().await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn concurrent_callers_do_one_probe() {
        let (sync, clock, calls) = setup(42, Duration::from_millis(30), Duration::from_secs(300));
        let sync = Arc::new(sync);
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let s = sync.clone();
            tasks.push(tokio::spawn(async move { s.timestamp_ms().await }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(sync.now_ms(), clock.now_ms() + 42);

        // Resyncs arriving together also share one probe.
        let (a, b, c) = tokio::join!(sync.resync(), sync.resync(), sync.resync());
        assert_eq!(a.unwrap(), b.unwrap());
        c.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn probe_failure_is_returned_and_keeps_the_old_offset() {
        let clock = Arc::new(ManualClock::new(1_000));
        let fail = Arc::new(AtomicU32::new(0));
        let f = fail.clone();
        let c = clock.clone();
        let sync = ClockSync::new(Duration::from_secs(1), move || {
            let fail = f.load(Ordering::SeqCst) == 1;
            let now = c.now_ms();
            async move {
                if fail {
                    Err(Error::new(ErrorKind::Network, "down"))
                } else {
                    Ok(now + 300)
                }
            }
        })
        .with_local_clock(clock.clone());
        assert_eq!(sync.timestamp_ms().await.unwrap(), 1_300);
        fail.store(1, Ordering::SeqCst);
        clock.advance(Duration::from_secs(2));
        assert_eq!(sync.timestamp_ms().await.unwrap_err().kind(), ErrorKind::Network);
        assert_eq!(sync.resync().await.unwrap_err().kind(), ErrorKind::Network);
        assert_eq!(sync.offset_ms(), Some(300));
        assert_eq!(sync.now_ms(), 3_300);
    }

    #[tokio::test]
    async fn with_resync_retries_a_clock_skew_once() {
        let (sync, clock, probes) = setup(1_000, Duration::ZERO, Duration::from_secs(300));
        let start = clock.now_ms();
        let attempts = AtomicU32::new(0);
        // The first attempt goes out with the unsynchronised clock and is refused.
        let ts = sync
            .with_resync(|| {
                let n = attempts.fetch_add(1, Ordering::SeqCst);
                let ts = sync.now_ms();
                async move {
                    if n == 0 {
                        Err(Error::new(
                            ErrorKind::ClockSkew,
                            "Timestamp for this request is outside of the recvWindow.",
                        ))
                    } else {
                        Ok(ts)
                    }
                }
            })
            .await
            .unwrap();
        assert_eq!(ts, start + 1_000);
        assert_eq!(attempts.load(Ordering::SeqCst), 2);
        assert_eq!(probes.load(Ordering::SeqCst), 1);

        // A second skew is returned; other errors are not retried at all.
        attempts.store(0, Ordering::SeqCst);
        let e = sync
            .with_resync(|| {
                attempts.fetch_add(1, Ordering::SeqCst);
                async { Err::<(), _>(Error::new(ErrorKind::ClockSkew, "skew")) }
            })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ClockSkew);
        assert_eq!(attempts.load(Ordering::SeqCst), 2);
        attempts.store(0, Ordering::SeqCst);
        let e = sync
            .with_resync(|| {
                attempts.fetch_add(1, Ordering::SeqCst);
                async { Err::<(), _>(Error::new(ErrorKind::Auth, "bad key")) }
            })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Auth);
        assert_eq!(attempts.load(Ordering::SeqCst), 1);
        assert_eq!(probes.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn clocks() {
        let sys = SystemClock.now_ms();
        assert!(sys > 1_600_000_000_000, "{sys}");
        let m = ManualClock::new(5);
        m.advance(Duration::from_millis(7));
        assert_eq!(m.now_ms(), 12);
        m.set(-1);
        assert_eq!(m.now_ms(), -1);
        let c = ClockSync::from_config(&ClientConfig::new(), || async { Ok(0) });
        assert!(c.local_now_ms() > 1_600_000_000_000);
        assert_eq!(c.measurement(), None);
    }
}
