//! The per-client cache of a venue's markets (symbols, precision, limits).
//!
//! [`MarketCache`] keeps one [`MarketSet`] per [`MarketKind`], loaded by a loader the venue
//! crate supplies (its exchange-info request) and kept for a TTL (`ClientConfig::markets_ttl`,
//! one hour by default). Concurrent callers of [`MarketCache::get_or_load`] share one load.
//! A [`MarketSet`] indexes its markets by unified [`Symbol`] and by the venue's own symbol.
//!
//! Ages are measured on tokio's clock, so tests pause it and advance past the TTL.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::config::ClientConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::model::Market;
use crate::symbol::{MarketKind, Symbol};

/// One load of markets, indexed by unified symbol and by venue symbol.
pub struct MarketSet {
    markets: Vec<Market>,
    by_symbol: HashMap<Symbol, usize>,
    by_venue_symbol: HashMap<String, usize>,
    loaded_at: Instant,
}

impl fmt::Debug for MarketSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MarketSet")
            .field("len", &self.markets.len())
            .field("loaded_at", &self.loaded_at)
            .finish()
    }
}

impl MarketSet {
    /// Indexes `markets`, stamped as loaded now. Where two markets share a symbol (or a venue
    /// symbol) the first one wins the index entry.
    pub fn new(markets: Vec<Market>) -> Self {
        let mut by_symbol = HashMap::with_capacity(markets.len());
        let mut by_venue_symbol = HashMap::with_capacity(markets.len());
        for (i, m) in markets.iter().enumerate() {
            if by_symbol.contains_key(&m.symbol) {
                tracing::warn!(symbol = %m.symbol, "duplicate market symbol; keeping the first");
            } else {
                by_symbol.insert(m.symbol.clone(), i);
            }
            by_venue_symbol.entry(m.venue_symbol.clone()).or_insert(i);
        }
        MarketSet {
            markets,
            by_symbol,
            by_venue_symbol,
            loaded_at: Instant::now(),
        }
    }

    /// Every market, in the loader's order.
    pub fn markets(&self) -> &[Market] {
        &self.markets
    }

    /// The number of markets.
    pub fn len(&self) -> usize {
        self.markets.len()
    }

    /// True when there are no markets.
    pub fn is_empty(&self) -> bool {
        self.markets.is_empty()
    }

    /// The market of unified `symbol`.
    pub fn get(&self, symbol: &Symbol) -> Option<&Market> {
        self.by_symbol.get(symbol).map(|&i| &self.markets[i])
    }

    /// The market whose venue symbol is `venue_symbol` (e.g. `BTCUSDT`, `BTC-USDT-SWAP`).
    pub fn by_venue_symbol(&self, venue_symbol: &str) -> Option<&Market> {
        self.by_venue_symbol.get(venue_symbol).map(|&i| &self.markets[i])
    }

    /// When the set was loaded (tokio clock).
    pub fn loaded_at(&self) -> Instant {
        self.loaded_at
    }
}

#[derive(Default)]
struct Slot {
    set: Option<Arc<MarketSet>>,
    generation: u64,
    load: Arc<tokio::sync::Mutex<()>>,
}

/// Markets per kind with a TTL, single-flight loading and symbol lookups.
pub struct MarketCache {
    ttl: Duration,
    slots: Mutex<HashMap<MarketKind, Slot>>,
}

impl fmt::Debug for MarketCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slots = self.slots();
        let mut loaded: Vec<(MarketKind, usize)> = slots
            .iter()
            .filter_map(|(k, s)| s.set.as_ref().map(|set| (*k, set.len())))
            .collect();
        loaded.sort();
        f.debug_struct("MarketCache")
            .field("ttl", &self.ttl)
            .field("loaded", &loaded)
            .finish()
    }
}

impl Default for MarketCache {
    /// A cache with the default TTL of one hour.
    fn default() -> Self {
        Self::new(ClientConfig::default().markets_ttl)
    }
}

impl MarketCache {
    /// An empty cache whose sets stay fresh for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        MarketCache {
            ttl,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// An empty cache with the TTL `config.markets_ttl`.
    pub fn from_config(config: &ClientConfig) -> Self {
        Self::new(config.markets_ttl)
    }

    /// How long a loaded set stays fresh.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<MarketKind, Slot>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn is_fresh(&self, set: &MarketSet) -> bool {
        Instant::now().saturating_duration_since(set.loaded_at) < self.ttl
    }

    /// The set of `kind` if one is loaded and fresh.
    pub fn fresh(&self, kind: MarketKind) -> Option<Arc<MarketSet>> {
        self.snapshot(kind).filter(|s| self.is_fresh(s))
    }

    /// The set of `kind` if one is loaded, fresh or not.
    pub fn snapshot(&self, kind: MarketKind) -> Option<Arc<MarketSet>> {
        self.slots().get(&kind).and_then(|s| s.set.clone())
    }

    /// The fresh set of `kind`, calling `loader` when there is none. Concurrent callers wait
    /// for one load and share its result. A loader error is returned and the old set kept;
    /// callers still waiting then try their own load.
    pub async fn get_or_load<F, Fut>(&self, kind: MarketKind, loader: F) -> Result<Arc<MarketSet>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<Market>>>,
    {
        if let Some(s) = self.fresh(kind) {
            return Ok(s);
        }
        let lock = self.slots().entry(kind).or_default().load.clone();
        let _guard = lock.lock().await;
        if let Some(s) = self.fresh(kind) {
            return Ok(s);
        }
        self.load(kind, loader).await
    }

    /// [`get_or_load`](Self::get_or_load), falling back to the last loaded set of `kind`
    /// (however old) when the load fails: market lists change rarely, so an old list beats
    /// none. The failure is logged. An `Unsupported` error (the venue has no such markets) is
    /// returned as it is; with no set at all, the error says that market discovery failed and
    /// no cached list exists (same kind and venue, the loader's error as its source).
    pub async fn get_or_stale<F, Fut>(&self, kind: MarketKind, loader: F) -> Result<Arc<MarketSet>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<Market>>>,
    {
        match self.get_or_load(kind, loader).await {
            Ok(set) => Ok(set),
            Err(e) if e.kind() == ErrorKind::Unsupported => Err(e),
            Err(e) => match self.snapshot(kind) {
                Some(stale) => {
                    tracing::warn!(error = %e, %kind, "market discovery failed; using the cached list");
                    Ok(stale)
                }
                None => {
                    let mut err = Error::new(
                        e.kind(),
                        format!("{kind} market discovery failed and no cached list exists: {e}"),
                    );
                    if let Some(v) = e.venue() {
                        err = err.with_venue(v);
                    }
                    Err(err.with_source(e))
                }
            },
        }
    }

    /// Reloads `kind` now, whatever the age of the current set. Callers that arrive while a
    /// load is running share its result instead of loading again.
    pub async fn refresh<F, Fut>(&self, kind: MarketKind, loader: F) -> Result<Arc<MarketSet>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<Market>>>,
    {
        let (lock, generation) = {
            let mut slots = self.slots();
            let slot = slots.entry(kind).or_default();
            (slot.load.clone(), slot.generation)
        };
        let _guard = lock.lock().await;
        {
            let slots = self.slots();
            if let Some(slot) = slots.get(&kind) {
                if slot.generation != generation {
                    if let Some(s) = &slot.set {
                        return Ok(s.clone());
                    }
                }
            }
        }
        self.load(kind, loader).await
    }

    async fn load<F, Fut>(&self, kind: MarketKind, loader: F) -> Result<Arc<MarketSet>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<Market>>>,
    {
        let markets = loader().await?;
        tracing::debug!(%kind, count = markets.len(), "markets loaded");
        let set = Arc::new(MarketSet::new(markets));
        let mut slots = self.slots();
        let slot = slots.entry(kind).or_default();
        slot.set = Some(set.clone());
        slot.generation += 1;
        Ok(set)
    }

    /// Drops every loaded set; the next [`get_or_load`](Self::get_or_load) loads again.
    pub fn invalidate(&self) {
        for slot in self.slots().values_mut() {
            slot.set = None;
        }
    }

    /// Drops the loaded set of `kind`.
    pub fn invalidate_kind(&self, kind: MarketKind) {
        if let Some(slot) = self.slots().get_mut(&kind) {
            slot.set = None;
        }
    }

    /// The cached market of `symbol` (fresh or not; never loads).
    pub fn market(&self, symbol: &Symbol) -> Option<Market> {
        self.snapshot(symbol.kind()).and_then(|s| s.get(symbol).cloned())
    }

    /// The cached market of `kind` whose venue symbol is `venue_symbol` (never loads).
    pub fn market_by_venue_symbol(&self, kind: MarketKind, venue_symbol: &str) -> Option<Market> {
        self.snapshot(kind)
            .and_then(|s| s.by_venue_symbol(venue_symbol).cloned())
    }

    /// The market of `symbol`, loading its kind with `loader` if needed; a symbol the venue
    /// does not list is a `BadSymbol` error.
    pub async fn resolve<F, Fut>(&self, symbol: &Symbol, loader: F) -> Result<Market>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<Market>>>,
    {
        let set = self.get_or_load(symbol.kind(), loader).await?;
        set.get(symbol)
            .cloned()
            .ok_or_else(|| Error::new(ErrorKind::BadSymbol, format!("{symbol} is not listed")))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use rust_decimal_macros::dec;

    use super::*;
    use crate::model::MarketStatus;

    fn market(symbol: &str, venue_symbol: &str) -> Market {
        let symbol: Symbol = symbol.parse().unwrap();
        Market {
            kind: symbol.kind(),
            symbol,
            venue_symbol: venue_symbol.to_string(),
            status: MarketStatus::Trading,
            tick_size: dec!(0.01),
            step_size: dec!(0.00001),
            min_qty: Some(dec!(0.00001)),
            max_qty: Some(dec!(9000)),
            min_notional: Some(dec!(5)),
            contract_size: dec!(1),
        }
    }

    fn spot() -> Vec<Market> {
        vec![market("BTC/USDT", "BTCUSDT"), market("ETH/USDT", "ETHUSDT")]
    }

    /// A loader that counts its calls and yields once (so concurrent callers overlap).
    async fn counted(calls: &AtomicU32, markets: Vec<Market>) -> Result<Vec<Market>> {
        calls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(10)).await;
        Ok(markets)
    }

    #[tokio::test(start_paused = true)]
    async fn stale_list_when_a_reload_fails() {
        use crate::venue::Venue;
        let cache = MarketCache::new(Duration::from_secs(60));
        let down =
            || async { Err::<Vec<Market>, _>(Error::new(ErrorKind::Unavailable, "down").with_venue(Venue::Bingx)) };
        // Nothing cached: the error says so, with the loader's kind, venue and error as source.
        let e = cache.get_or_stale(MarketKind::Spot, down).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert_eq!(e.venue(), Some(Venue::Bingx));
        assert!(
            e.message().contains("discovery failed and no cached list exists"),
            "{e}"
        );
        assert!(std::error::Error::source(&e).is_some());
        // Loaded, then expired: a failed reload falls back to the old list.
        let calls = AtomicU32::new(0);
        let first = cache
            .get_or_stale(MarketKind::Spot, || counted(&calls, spot()))
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(61)).await;
        assert!(cache.fresh(MarketKind::Spot).is_none());
        let stale = cache.get_or_stale(MarketKind::Spot, down).await.unwrap();
        assert!(Arc::ptr_eq(&first, &stale));
        // A venue without such markets is not a transient failure.
        let e = cache
            .get_or_stale(MarketKind::Spot, || async {
                Err::<Vec<Market>, _>(Error::new(ErrorKind::Unsupported, "no spot"))
            })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert_eq!(e.message(), "no spot");
        // A successful reload replaces the old list.
        let fresh = cache
            .get_or_stale(MarketKind::Spot, || counted(&calls, spot()))
            .await
            .unwrap();
        assert!(!Arc::ptr_eq(&first, &fresh));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn loads_once_and_indexes() {
        let cache = MarketCache::default();
        assert_eq!(cache.ttl(), Duration::from_secs(3600));
        let calls = AtomicU32::new(0);
        let set = cache
            .get_or_load(MarketKind::Spot, || counted(&calls, spot()))
            .await
            .unwrap();
        assert_eq!(set.len(), 2);
        assert!(!set.is_empty());
        let btc: Symbol = "BTC/USDT".parse().unwrap();
        assert_eq!(set.get(&btc).unwrap().venue_symbol, "BTCUSDT");
        assert_eq!(set.by_venue_symbol("ETHUSDT").unwrap().symbol.to_string(), "ETH/USDT");
        assert!(set.by_venue_symbol("BTC-USDT").is_none());
        assert_eq!(cache.market(&btc).unwrap().venue_symbol, "BTCUSDT");
        assert_eq!(
            cache
                .market_by_venue_symbol(MarketKind::Spot, "ETHUSDT")
                .unwrap()
                .venue_symbol,
            "ETHUSDT"
        );
        // The perpetual is another kind: never confused with spot.
        assert!(cache.market(&"BTC/USDT:USDT".parse().unwrap()).is_none());
        cache
            .get_or_load(MarketKind::Spot, || counted(&calls, spot()))
            .await
            .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(format!("{cache:?}").contains("Spot"));
    }

    #[tokio::test(start_paused = true)]
    async fn reloads_after_the_ttl() {
        let cache = MarketCache::from_config(&ClientConfig {
            markets_ttl: Duration::from_secs(60),
            ..ClientConfig::default()
        });
        let calls = AtomicU32::new(0);
        cache
            .get_or_load(MarketKind::Spot, || counted(&calls, spot()))
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(59)).await;
        assert!(cache.fresh(MarketKind::Spot).is_some());
        cache
            .get_or_load(MarketKind::Spot, || counted(&calls, spot()))
            .await
            .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(cache.fresh(MarketKind::Spot).is_none());
        // A stale set still answers lookups until reloaded.
        assert!(cache.snapshot(MarketKind::Spot).is_some());
        let set = cache
            .get_or_load(MarketKind::Spot, || {
                counted(&calls, vec![market("SOL/USDT", "SOLUSDT")])
            })
            .await
            .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(set.markets()[0].venue_symbol, "SOLUSDT");
        assert!(cache.market(&"BTC/USDT".parse().unwrap()).is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_load() {
        let cache = MarketCache::default();
        let calls = AtomicU32::new(0);
        let load = || cache.get_or_load(MarketKind::Spot, || counted(&calls, spot()));
        let (a, b, c) = tokio::join!(load(), load(), load());
        let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
        assert!(Arc::ptr_eq(&a, &b) && Arc::ptr_eq(&b, &c));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Concurrent forced refreshes also share one load.
        let refresh = || cache.refresh(MarketKind::Spot, || counted(&calls, spot()));
        let (a, b) = tokio::join!(refresh(), refresh());
        assert!(Arc::ptr_eq(&a.unwrap(), &b.unwrap()));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn forced_refresh_and_invalidate() {
        let cache = MarketCache::default();
        let calls = AtomicU32::new(0);
        let first = cache
            .get_or_load(MarketKind::Spot, || counted(&calls, spot()))
            .await
            .unwrap();
        let second = cache
            .refresh(MarketKind::Spot, || counted(&calls, spot()))
            .await
            .unwrap();
        assert!(!Arc::ptr_eq(&first, &second));
        assert_eq!(calls.load(Ordering::SeqCst), 2);

        let perp = vec![market("BTC/USDT:USDT", "BTCUSDT")];
        cache
            .get_or_load(MarketKind::LinearPerpetual, || counted(&calls, perp.clone()))
            .await
            .unwrap();
        // The same venue symbol in two kinds resolves per kind.
        assert_eq!(
            cache
                .market_by_venue_symbol(MarketKind::LinearPerpetual, "BTCUSDT")
                .unwrap()
                .kind,
            MarketKind::LinearPerpetual
        );
        assert_eq!(
            cache.market_by_venue_symbol(MarketKind::Spot, "BTCUSDT").unwrap().kind,
            MarketKind::Spot
        );

        cache.invalidate_kind(MarketKind::Spot);
        assert!(cache.snapshot(MarketKind::Spot).is_none());
        assert!(cache.snapshot(MarketKind::LinearPerpetual).is_some());
        cache.invalidate();
        assert!(cache.snapshot(MarketKind::LinearPerpetual).is_none());
        cache
            .get_or_load(MarketKind::LinearPerpetual, || counted(&calls, perp))
            .await
            .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn loader_errors_and_resolve() {
        let cache = MarketCache::default();
        let e = cache
            .get_or_load(MarketKind::Spot, || async {
                Err::<Vec<Market>, _>(Error::new(ErrorKind::Network, "down"))
            })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Network);
        assert!(cache.snapshot(MarketKind::Spot).is_none());

        let calls = AtomicU32::new(0);
        let btc: Symbol = "BTC/USDT".parse().unwrap();
        let m = cache.resolve(&btc, || counted(&calls, spot())).await.unwrap();
        assert_eq!(m.venue_symbol, "BTCUSDT");
        let e = cache
            .resolve(&"DOGE/USDT".parse().unwrap(), || counted(&calls, spot()))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadSymbol);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn duplicate_symbols_keep_the_first() {
        let mut second = market("BTC/USDT", "XBTUSDT");
        second.tick_size = dec!(0.1);
        let set = MarketSet::new(vec![market("BTC/USDT", "BTCUSDT"), second]);
        assert_eq!(set.len(), 2);
        assert_eq!(set.get(&"BTC/USDT".parse().unwrap()).unwrap().venue_symbol, "BTCUSDT");
        assert_eq!(set.by_venue_symbol("XBTUSDT").unwrap().tick_size, dec!(0.1));
        assert!(format!("{set:?}").contains("len: 2"));
    }
}
