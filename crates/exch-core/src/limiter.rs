//! Client-side rate limiting on [`governor`], shared per venue and API key.
//!
//! A venue publishes several quotas ("2400 request weight per minute per IP", "50 orders per
//! 10 s per account", ...). Each becomes a named *scope* of a [`RateLimiter`] with a
//! [`ScopeQuota`]; a request [acquires](RateLimiter::acquire) its weight in every scope it
//! counts against and waits until the buckets have room.
//!
//! Every client of the same venue and key must draw on the same buckets, so limiters live in a
//! process-wide [`LimiterRegistry`] keyed by [`LimiterKey`] (venue plus API key, or `public`).
//!
//! When the venue says stop (HTTP 429/418 with `Retry-After`), the transport calls
//! [`RateLimiter::pause_until`]; every acquire then waits until the pause ends. Venue usage
//! headers (e.g. a used-weight counter) are recorded with [`RateLimiter::observe_used`], which
//! also pauses the scope when the venue reports the budget exhausted.
//!
//! # Time source
//!
//! The limiter's clock is tokio's clock ([`tokio::time::Instant`]): the buckets, the pauses and
//! the waits all use it. Tests pause tokio's clock (`#[tokio::test(start_paused = true)]` or
//! `tokio::time::pause`) and advance it explicitly, which makes every decision deterministic
//! with no real sleeping. Scopes should be created inside the runtime whose clock they use.

use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::Quota;
use tokio::time::Instant;

use crate::credentials::Credentials;
use crate::error::{Error, ErrorKind, Result};
use crate::venue::Venue;

/// A governor clock reading tokio's (pausable) clock, as the time elapsed since its creation.
#[derive(Debug, Clone, Copy)]
struct TokioClock {
    origin: Instant,
}

impl TokioClock {
    fn new() -> Self {
        TokioClock { origin: Instant::now() }
    }
}

impl Clock for TokioClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        Instant::now().saturating_duration_since(self.origin)
    }
}

type Gcra = governor::RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<Duration>>;

/// The quota of one scope: at most `limit` units of weight per `interval`.
///
/// It is enforced as a token bucket (GCRA) holding `limit` units that refills one unit every
/// `interval / limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScopeQuota {
    limit: NonZeroU32,
    interval: Duration,
}

impl ScopeQuota {
    /// `limit` units per `interval`; a zero limit or interval is a `Config` error.
    pub fn new(limit: u32, interval: Duration) -> Result<Self> {
        let limit = NonZeroU32::new(limit)
            .ok_or_else(|| Error::new(ErrorKind::Config, "a rate-limit quota needs a positive limit"))?;
        if interval.is_zero() {
            return Err(Error::new(
                ErrorKind::Config,
                "a rate-limit quota needs a positive interval",
            ));
        }
        Ok(ScopeQuota { limit, interval })
    }

    /// `limit` units per second (a zero limit is a `Config` error).
    pub fn per_second(limit: u32) -> Result<Self> {
        Self::new(limit, Duration::from_secs(1))
    }

    /// `limit` units per minute (a zero limit is a `Config` error).
    pub fn per_minute(limit: u32) -> Result<Self> {
        Self::new(limit, Duration::from_secs(60))
    }

    /// The most weight the scope allows per interval (also the largest single weight).
    pub fn limit(&self) -> u32 {
        self.limit.get()
    }

    /// The interval the limit applies to.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    fn governor(&self) -> Quota {
        let per_unit = (self.interval / self.limit.get()).max(Duration::from_nanos(1));
        Quota::with_period(per_unit)
            .unwrap_or_else(|| Quota::per_second(self.limit))
            .allow_burst(self.limit)
    }
}

/// Identifies whose buckets a limiter holds: one venue and one API key (or `public`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LimiterKey {
    venue: Venue,
    account: String,
}

impl LimiterKey {
    /// The buckets of unauthenticated requests to `venue` (per IP).
    pub fn public(venue: Venue) -> Self {
        LimiterKey {
            venue,
            account: "public".to_string(),
        }
    }

    /// The buckets of unauthenticated requests to `venue` at `base_url`: one set per server, so
    /// that a simulator, a testnet and production never share (or drain) each other's public
    /// buckets.
    ///
    /// Equal to `api_key(venue, "public@<base_url>")`, the form venue crates built by hand
    /// before this constructor existed (no real API key has that shape).
    pub fn public_at(venue: Venue, base_url: &str) -> Self {
        Self::api_key(venue, &format!("public@{base_url}"))
    }

    /// [`api_key`](Self::api_key) when credentials are present, else
    /// [`public_at`](Self::public_at) `base_url`.
    pub fn for_credentials_at(venue: Venue, credentials: Option<&Credentials>, base_url: &str) -> Self {
        match credentials {
            Some(c) => Self::api_key(venue, &c.api_key),
            None => Self::public_at(venue, base_url),
        }
    }

    /// The buckets of `api_key` on `venue`.
    pub fn api_key(venue: Venue, api_key: &str) -> Self {
        LimiterKey {
            venue,
            account: format!("key:{api_key}"),
        }
    }

    /// [`api_key`](Self::api_key) when credentials are present, else [`public`](Self::public).
    pub fn for_credentials(venue: Venue, credentials: Option<&Credentials>) -> Self {
        match credentials {
            Some(c) => Self::api_key(venue, &c.api_key),
            None => Self::public(venue),
        }
    }

    /// The venue.
    pub fn venue(&self) -> Venue {
        self.venue
    }

    /// `public` or `key:<api key>`.
    pub fn account(&self) -> &str {
        &self.account
    }
}

impl fmt::Display for LimiterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.venue, self.account)
    }
}

/// The venue's own report of how much of a scope is used, from its response headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// Units used in the venue's current window.
    pub used: u64,
    /// When the report arrived (tokio clock).
    pub observed_at: Instant,
}

struct Scope {
    quota: ScopeQuota,
    clock: TokioClock,
    gcra: Gcra,
    paused_until: Mutex<Option<Instant>>,
}

impl Scope {
    fn new(quota: ScopeQuota) -> Self {
        let clock = TokioClock::new();
        Scope {
            quota,
            clock,
            gcra: governor::RateLimiter::direct_with_clock(quota.governor(), clock),
            paused_until: Mutex::new(None),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn extend(slot: &Mutex<Option<Instant>>, until: Instant) {
    let mut g = lock(slot);
    if g.is_none_or(|cur| cur < until) {
        *g = Some(until);
    }
}

fn active(slot: &Mutex<Option<Instant>>, now: Instant) -> Option<Instant> {
    let g = lock(slot);
    g.filter(|u| *u > now)
}

/// The named quota scopes of one venue and key, with pauses and observed usage.
///
/// Cheap to share: hold it in an `Arc` (the [`LimiterRegistry`] hands out `Arc<RateLimiter>`).
pub struct RateLimiter {
    scopes: RwLock<HashMap<String, Arc<Scope>>>,
    paused_until: Mutex<Option<Instant>>,
    usage: Mutex<HashMap<String, Usage>>,
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scopes = self.scopes.read().unwrap_or_else(|p| p.into_inner());
        let mut names: Vec<(&String, ScopeQuota)> = scopes.iter().map(|(k, v)| (k, v.quota)).collect();
        names.sort_by(|a, b| a.0.cmp(b.0));
        f.debug_struct("RateLimiter")
            .field("scopes", &names)
            .field("paused_until", &*lock(&self.paused_until))
            .finish()
    }
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl RateLimiter {
    /// A limiter without scopes (acquiring an unknown scope is a `Config` error).
    pub fn new() -> Self {
        RateLimiter {
            scopes: RwLock::new(HashMap::new()),
            paused_until: Mutex::new(None),
            usage: Mutex::new(HashMap::new()),
        }
    }

    /// Builder form of [`ensure_scope`](Self::ensure_scope).
    pub fn with_scope(self, name: &str, quota: ScopeQuota) -> Self {
        self.ensure_scope(name, quota);
        self
    }

    /// Adds the scope `name` unless it exists; returns true if it was added. An existing scope
    /// keeps its quota and its bucket, so every client sharing this limiter shares the bucket.
    pub fn ensure_scope(&self, name: &str, quota: ScopeQuota) -> bool {
        let mut scopes = self.scopes.write().unwrap_or_else(|p| p.into_inner());
        if scopes.contains_key(name) {
            return false;
        }
        scopes.insert(name.to_string(), Arc::new(Scope::new(quota)));
        true
    }

    /// The quota of scope `name`, if defined.
    pub fn quota(&self, name: &str) -> Option<ScopeQuota> {
        self.scope(name).ok().map(|s| s.quota)
    }

    /// The names of the defined scopes, sorted.
    pub fn scope_names(&self) -> Vec<String> {
        let scopes = self.scopes.read().unwrap_or_else(|p| p.into_inner());
        let mut v: Vec<String> = scopes.keys().cloned().collect();
        v.sort();
        v
    }

    fn scope(&self, name: &str) -> Result<Arc<Scope>> {
        let scopes = self.scopes.read().unwrap_or_else(|p| p.into_inner());
        scopes
            .get(name)
            .cloned()
            .ok_or_else(|| Error::new(ErrorKind::Config, format!("unknown rate-limit scope `{name}`")))
    }

    /// Waits until `weight` units of scope `name` are available and takes them.
    ///
    /// Waits first for any pause of the limiter or the scope to end. A weight of 0 only waits
    /// for pauses. Errors (`Config`): the scope is unknown, or `weight` exceeds the scope's
    /// limit (such a request could never go through).
    pub async fn acquire(&self, name: &str, weight: u32) -> Result<()> {
        let scope = self.scope(name)?;
        if weight > scope.quota.limit() {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "weight {weight} exceeds the limit {} of rate-limit scope `{name}`",
                    scope.quota.limit()
                ),
            ));
        }
        loop {
            let now = Instant::now();
            let pause = match (active(&self.paused_until, now), active(&scope.paused_until, now)) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            if let Some(until) = pause {
                tracing::debug!(
                    scope = name,
                    wait_ms = (until - now).as_millis() as u64,
                    "rate limiter paused"
                );
                tokio::time::sleep_until(until).await;
                continue;
            }
            let Some(n) = NonZeroU32::new(weight) else {
                return Ok(());
            };
            match scope.gcra.check_n(n) {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(not_until)) => {
                    let wait = not_until.wait_time_from(scope.clock.now());
                    tracing::trace!(
                        scope = name,
                        weight,
                        wait_ms = wait.as_millis() as u64,
                        "rate limit wait"
                    );
                    tokio::time::sleep(wait.max(Duration::from_nanos(1))).await;
                }
                Err(_) => {
                    return Err(Error::new(
                        ErrorKind::Config,
                        format!("weight {weight} can never fit rate-limit scope `{name}`"),
                    ))
                }
            }
        }
    }

    /// [`acquire`](Self::acquire) each `(scope, weight)` in turn.
    pub async fn acquire_all<S: AsRef<str>>(&self, costs: &[(S, u32)]) -> Result<()> {
        for (scope, weight) in costs {
            self.acquire(scope.as_ref(), *weight).await?;
        }
        Ok(())
    }

    /// Pauses every scope until `until` (an earlier instant than a current pause is ignored).
    pub fn pause_until(&self, until: Instant) {
        tracing::debug!(
            until_ms = until.saturating_duration_since(Instant::now()).as_millis() as u64,
            "rate limiter pause"
        );
        extend(&self.paused_until, until);
    }

    /// Pauses every scope for `d` from now.
    pub fn pause_for(&self, d: Duration) {
        self.pause_until(Instant::now() + d);
    }

    /// Pauses scope `name` until `until`; an unknown scope is a `Config` error.
    pub fn pause_scope_until(&self, name: &str, until: Instant) -> Result<()> {
        let scope = self.scope(name)?;
        extend(&scope.paused_until, until);
        Ok(())
    }

    /// The end of the limiter-wide pause, if one is in force.
    pub fn paused_until(&self) -> Option<Instant> {
        active(&self.paused_until, Instant::now())
    }

    /// The end of the pause in force for scope `name` (its own or the limiter-wide one).
    pub fn scope_paused_until(&self, name: &str) -> Option<Instant> {
        let now = Instant::now();
        let own = self.scope(name).ok().and_then(|s| active(&s.paused_until, now));
        match (own, active(&self.paused_until, now)) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// Records the venue's reported usage `used` of scope `name` (any name may be recorded).
    ///
    /// When `name` is a defined scope and `used` reaches its limit, the scope is paused for one
    /// interval from now: the venue will refuse more until its window rolls over. A venue
    /// crate that knows the exact reset time can call [`pause_scope_until`](Self::pause_scope_until)
    /// instead.
    pub fn observe_used(&self, name: &str, used: u64) {
        let now = Instant::now();
        lock(&self.usage).insert(name.to_string(), Usage { used, observed_at: now });
        if let Ok(scope) = self.scope(name) {
            if used >= u64::from(scope.quota.limit()) {
                tracing::warn!(
                    scope = name,
                    used,
                    limit = scope.quota.limit(),
                    "venue reports the rate limit exhausted"
                );
                extend(&scope.paused_until, now + scope.quota.interval());
            }
        }
    }

    /// The last usage the venue reported for `name`.
    pub fn usage(&self, name: &str) -> Option<Usage> {
        lock(&self.usage).get(name).copied()
    }
}

/// The process-wide map from [`LimiterKey`] to its shared [`RateLimiter`].
#[derive(Debug, Default)]
pub struct LimiterRegistry {
    limiters: Mutex<HashMap<LimiterKey, Arc<RateLimiter>>>,
}

impl LimiterRegistry {
    /// An empty registry (tests; production code uses [`global`](Self::global)).
    pub fn new() -> Self {
        Self::default()
    }

    /// The registry shared by the whole process.
    pub fn global() -> &'static LimiterRegistry {
        static GLOBAL: OnceLock<LimiterRegistry> = OnceLock::new();
        GLOBAL.get_or_init(LimiterRegistry::new)
    }

    /// The limiter of `key`, created empty on first use.
    pub fn limiter(&self, key: &LimiterKey) -> Arc<RateLimiter> {
        lock(&self.limiters).entry(key.clone()).or_default().clone()
    }

    /// The limiter of `key` with every `(name, quota)` scope ensured (existing scopes are kept).
    pub fn limiter_with_scopes(&self, key: &LimiterKey, scopes: &[(&str, ScopeQuota)]) -> Arc<RateLimiter> {
        let l = self.limiter(key);
        for (name, quota) in scopes {
            l.ensure_scope(name, *quota);
        }
        l
    }

    /// How many limiters exist.
    pub fn len(&self) -> usize {
        lock(&self.limiters).len()
    }

    /// True when no limiter exists yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(limit: u32, secs: u64) -> ScopeQuota {
        ScopeQuota::new(limit, Duration::from_secs(secs)).unwrap()
    }

    /// Runs `fut` to completion while checking, without advancing time, whether it is ready now.
    async fn ready_now<F: std::future::Future>(fut: F) -> bool {
        tokio::time::timeout(Duration::ZERO, fut).await.is_ok()
    }

    #[test]
    fn quota_validation() {
        assert_eq!(
            ScopeQuota::new(0, Duration::from_secs(1)).unwrap_err().kind(),
            ErrorKind::Config
        );
        assert_eq!(
            ScopeQuota::new(5, Duration::ZERO).unwrap_err().kind(),
            ErrorKind::Config
        );
        let quota = ScopeQuota::per_minute(2400).unwrap();
        assert_eq!(quota.limit(), 2400);
        assert_eq!(quota.interval(), Duration::from_secs(60));
        assert_eq!(quota.governor().replenish_interval(), Duration::from_millis(25));
        assert_eq!(quota.governor().burst_size().get(), 2400);
        assert_eq!(
            ScopeQuota::per_second(10).unwrap().governor().replenish_interval(),
            Duration::from_millis(100)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn burst_then_waits_for_refill() {
        let l = RateLimiter::new().with_scope("orders_10s", q(50, 10));
        for _ in 0..50 {
            assert!(ready_now(l.acquire("orders_10s", 1)).await);
        }
        // The bucket is empty: one unit refills after 10 s / 50 = 200 ms.
        let start = Instant::now();
        l.acquire("orders_10s", 1).await.unwrap();
        assert_eq!(Instant::now() - start, Duration::from_millis(200));
    }

    #[tokio::test(start_paused = true)]
    async fn weighted_acquire() {
        let l = RateLimiter::new().with_scope("ip_weight", q(2400, 60));
        assert!(ready_now(l.acquire("ip_weight", 2000)).await);
        assert!(ready_now(l.acquire("ip_weight", 400)).await);
        // 20 units at 25 ms each.
        let start = Instant::now();
        l.acquire("ip_weight", 20).await.unwrap();
        assert_eq!(Instant::now() - start, Duration::from_millis(500));
        // Zero weight never waits on the bucket.
        assert!(ready_now(l.acquire("ip_weight", 0)).await);
    }

    #[tokio::test(start_paused = true)]
    async fn oversized_weight_and_unknown_scope_are_errors() {
        let l = RateLimiter::new().with_scope("ip_weight", q(10, 1));
        let e = l.acquire("ip_weight", 11).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.message().contains("exceeds the limit 10"), "{e}");
        let e = l.acquire("nope", 1).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(l.pause_scope_until("nope", Instant::now()).is_err());
        // The full limit is fine.
        assert!(ready_now(l.acquire("ip_weight", 10)).await);
    }

    #[tokio::test(start_paused = true)]
    async fn pause_blocks_until_the_instant() {
        let l = RateLimiter::new().with_scope("a", q(100, 1)).with_scope("b", q(100, 1));
        let start = Instant::now();
        l.pause_until(start + Duration::from_secs(30));
        // An earlier pause does not shorten the current one.
        l.pause_until(start + Duration::from_secs(5));
        assert_eq!(l.paused_until(), Some(start + Duration::from_secs(30)));
        assert!(!ready_now(l.acquire("a", 1)).await);
        l.acquire("b", 1).await.unwrap();
        assert_eq!(Instant::now() - start, Duration::from_secs(30));
        assert_eq!(l.paused_until(), None);
        assert!(ready_now(l.acquire("a", 1)).await);
    }

    #[tokio::test(start_paused = true)]
    async fn scope_pause_only_blocks_that_scope() {
        let l = RateLimiter::new().with_scope("a", q(100, 1)).with_scope("b", q(100, 1));
        let start = Instant::now();
        l.pause_scope_until("a", start + Duration::from_secs(2)).unwrap();
        assert_eq!(l.scope_paused_until("a"), Some(start + Duration::from_secs(2)));
        assert_eq!(l.scope_paused_until("b"), None);
        assert!(ready_now(l.acquire("b", 1)).await);
        assert!(!ready_now(l.acquire("a", 1)).await);
        l.acquire("a", 1).await.unwrap();
        assert_eq!(Instant::now() - start, Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn observed_usage_is_stored_and_exhaustion_pauses() {
        let l = RateLimiter::new().with_scope("ip_weight", q(2400, 60));
        let start = Instant::now();
        l.observe_used("ip_weight", 100);
        assert_eq!(
            l.usage("ip_weight"),
            Some(Usage {
                used: 100,
                observed_at: start
            })
        );
        assert_eq!(l.scope_paused_until("ip_weight"), None);
        // Usage of a scope we do not model is still recorded.
        l.observe_used("orders_1d", 7);
        assert_eq!(l.usage("orders_1d").map(|u| u.used), Some(7));
        assert_eq!(l.usage("other"), None);
        l.observe_used("ip_weight", 2400);
        assert_eq!(l.scope_paused_until("ip_weight"), Some(start + Duration::from_secs(60)));
        l.acquire("ip_weight", 1).await.unwrap();
        assert_eq!(Instant::now() - start, Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_waiters_all_get_through_at_the_rate() {
        let l = Arc::new(RateLimiter::new().with_scope("s", q(2, 1)));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..6 {
            let l = l.clone();
            tasks.push(tokio::spawn(async move { l.acquire("s", 1).await }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        // 2 immediately, then one every 500 ms.
        assert_eq!(Instant::now() - start, Duration::from_secs(2));
    }

    #[test]
    fn keys_and_registry_share_limiters() {
        let reg = LimiterRegistry::new();
        assert!(reg.is_empty());
        let creds = Credentials::new("k1", "s");
        let a = LimiterKey::for_credentials(Venue::Binance, Some(&creds));
        assert_eq!(a, LimiterKey::api_key(Venue::Binance, "k1"));
        assert_eq!(a.to_string(), "binance/key:k1");
        assert_eq!(
            LimiterKey::for_credentials(Venue::Okx, None),
            LimiterKey::public(Venue::Okx)
        );
        assert_eq!(LimiterKey::public(Venue::Okx).account(), "public");
        assert_eq!(a.venue(), Venue::Binance);

        let l1 = reg.limiter_with_scopes(&a, &[("ip_weight", q(2400, 60))]);
        // A second client asking for other numbers still gets the same bucket.
        let l2 = reg.limiter_with_scopes(&a, &[("ip_weight", q(10, 1)), ("orders_10s", q(50, 10))]);
        assert!(Arc::ptr_eq(&l1, &l2));
        assert_eq!(l1.quota("ip_weight"), Some(q(2400, 60)));
        assert_eq!(
            l1.scope_names(),
            vec!["ip_weight".to_string(), "orders_10s".to_string()]
        );
        let other = reg.limiter(&LimiterKey::api_key(Venue::Binance, "k2"));
        assert!(!Arc::ptr_eq(&l1, &other));
        assert_eq!(reg.len(), 2);
        assert!(format!("{l1:?}").contains("ip_weight"));

        let key = LimiterKey::api_key(Venue::Kraken, "limiter-test-global");
        assert!(Arc::ptr_eq(
            &LimiterRegistry::global().limiter(&key),
            &LimiterRegistry::global().limiter(&key)
        ));
    }

    #[test]
    fn public_buckets_are_per_server() {
        let sim = LimiterKey::public_at(Venue::Okx, "http://127.0.0.1:4000");
        let prod = LimiterKey::public_at(Venue::Okx, "https://www.okx.com");
        assert_ne!(sim, prod);
        assert_ne!(sim, LimiterKey::public(Venue::Okx));
        assert_ne!(sim, LimiterKey::public_at(Venue::Bingx, "http://127.0.0.1:4000"));
        // The hand-built form venues used before keeps naming the same buckets.
        assert_eq!(sim, LimiterKey::api_key(Venue::Okx, "public@http://127.0.0.1:4000"));
        let reg = LimiterRegistry::new();
        assert!(!Arc::ptr_eq(&reg.limiter(&sim), &reg.limiter(&prod)));
        let creds = Credentials::new("k1", "s");
        assert_eq!(
            LimiterKey::for_credentials_at(Venue::Bingx, Some(&creds), "http://a"),
            LimiterKey::api_key(Venue::Bingx, "k1")
        );
        assert_eq!(
            LimiterKey::for_credentials_at(Venue::Bingx, None, "http://a"),
            LimiterKey::public_at(Venue::Bingx, "http://a")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn shared_bucket_across_clients() {
        let reg = LimiterRegistry::new();
        let key = LimiterKey::public(Venue::Bingx);
        let a = reg.limiter_with_scopes(&key, &[("s", q(3, 3))]);
        let b = reg.limiter(&key);
        assert!(ready_now(a.acquire("s", 2)).await);
        assert!(ready_now(b.acquire("s", 1)).await);
        assert!(!ready_now(b.acquire("s", 1)).await);
        a.pause_for(Duration::from_secs(9));
        assert!(b.paused_until().is_some());
        let acquire_all = a.acquire_all(&[("s", 1), ("s", 1)]);
        let start = Instant::now();
        acquire_all.await.unwrap();
        assert_eq!(Instant::now() - start, Duration::from_secs(9));
    }
}
