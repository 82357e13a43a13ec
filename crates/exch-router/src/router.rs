//! [`Router`]: several venues behind one object.
//!
//! Every read fans out concurrently to the venues, each call bounded by the router's timeout;
//! the answer is a [`VenueResults`] so that one slow or failing venue never hides the others.
//! Every call also updates the venue's [`VenueStatus`].

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use exch_core::{
    AccountKind, Balance, Candle, CandleQuery, Error, ErrorKind, Exchange, MarketKind, Order, OrderRequest, Position,
    Result, Symbol, Ticker, TimestampMs, Venue,
};
use futures::future::{join_all, BoxFuture};
use serde::{Deserialize, Serialize};

use crate::aggregate::{aggregate_positions, PositionAggregation};
use crate::candles::{align_candles, PerSeries, Portfolio, PortfolioCandleQuery, PortfolioCandles};
use crate::quote::ConsolidatedQuote;
use crate::results::{ErrorReport, VenueResults};
use crate::status::VenueStatus;
use crate::symbol_map::SymbolMap;

/// The local clock, in ms since the epoch (injectable for tests).
pub type LocalClock = Arc<dyn Fn() -> TimestampMs + Send + Sync>;

/// The default per-venue timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

fn system_clock() -> TimestampMs {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Builder for [`Router`].
pub struct RouterBuilder {
    venues: Vec<Arc<dyn Exchange>>,
    map: SymbolMap,
    timeout: Duration,
    clock: LocalClock,
}

impl fmt::Debug for RouterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RouterBuilder")
            .field("venues", &self.venues.iter().map(|e| e.venue()).collect::<Vec<_>>())
            .field("map", &self.map)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RouterBuilder {
    /// Adds a venue client. Venues added first are asked first when building a default map.
    pub fn venue(mut self, exchange: Arc<dyn Exchange>) -> Self {
        self.venues.push(exchange);
        self
    }

    /// Adds several venue clients.
    pub fn venues(mut self, exchanges: impl IntoIterator<Item = Arc<dyn Exchange>>) -> Self {
        self.venues.extend(exchanges);
        self
    }

    /// Sets the symbol map (empty by default; see [`Router::default_symbol_map`]).
    pub fn symbol_map(mut self, map: SymbolMap) -> Self {
        self.map = map;
        self
    }

    /// Sets the per-venue timeout of every fanned-out call (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Replaces the local clock used for status times and the server-time offset.
    pub fn local_clock(mut self, clock: impl Fn() -> TimestampMs + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Builds the router. Two clients of the same venue, or a zero timeout, are
    /// `ErrorKind::Config`.
    pub fn build(self) -> Result<Router> {
        if self.timeout.is_zero() {
            return Err(Error::new(ErrorKind::Config, "the router timeout must be positive"));
        }
        let mut exchanges = BTreeMap::new();
        let mut order = Vec::new();
        for ex in self.venues {
            let v = ex.venue();
            if exchanges.insert(v, ex).is_some() {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!("venue {v} was added to the router twice"),
                ));
            }
            order.push(v);
        }
        let status = order.iter().map(|v| (*v, VenueStatus::new(*v))).collect();
        Ok(Router {
            exchanges,
            order,
            map: RwLock::new(self.map),
            timeout: self.timeout,
            clock: self.clock,
            status: Mutex::new(status),
        })
    }
}

/// Positions of every venue, aggregated, plus the venues that could not answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionReport {
    /// The aggregation over the venues that answered.
    #[serde(flatten)]
    pub aggregation: PositionAggregation,
    /// The venues whose positions are missing from the aggregation, and why.
    pub errors: BTreeMap<Venue, ErrorReport>,
}

/// Several venues behind one object: fan-out, consolidated quotes, order routing, position
/// aggregation, portfolio candles and venue health.
pub struct Router {
    exchanges: BTreeMap<Venue, Arc<dyn Exchange>>,
    order: Vec<Venue>,
    map: RwLock<SymbolMap>,
    timeout: Duration,
    clock: LocalClock,
    status: Mutex<BTreeMap<Venue, VenueStatus>>,
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router")
            .field("venues", &self.order)
            .field("timeout", &self.timeout)
            .field("symbol_map", &self.symbol_map())
            .finish_non_exhaustive()
    }
}

impl Router {
    /// A builder with no venue, an empty symbol map and a 10 s timeout.
    pub fn builder() -> RouterBuilder {
        RouterBuilder {
            venues: Vec::new(),
            map: SymbolMap::new(),
            timeout: DEFAULT_TIMEOUT,
            clock: Arc::new(system_clock),
        }
    }

    /// The connected venues, in the order they were added.
    pub fn venues(&self) -> &[Venue] {
        &self.order
    }

    /// The client of `venue`, if connected.
    pub fn exchange(&self, venue: Venue) -> Option<&Arc<dyn Exchange>> {
        self.exchanges.get(&venue)
    }

    /// The per-venue timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    // ----- symbol map -------------------------------------------------------------------

    /// A copy of the current symbol map.
    pub fn symbol_map(&self) -> SymbolMap {
        self.map.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the symbol map.
    pub fn set_symbol_map(&self, map: SymbolMap) {
        *self.map.write().unwrap_or_else(|e| e.into_inner()) = map;
    }

    /// Edits the symbol map in place (e.g. `router.edit_symbol_map(|m| m.prefer(sym, Venue::Okx))`).
    pub fn edit_symbol_map<R>(&self, edit: impl FnOnce(&mut SymbolMap) -> R) -> R {
        edit(&mut self.map.write().unwrap_or_else(|e| e.into_inner()))
    }

    /// The connected venues mapped to `symbol`, preferred first. `BadSymbol` when the symbol
    /// is unmapped; `Config` when none of its venues is connected to this router.
    pub fn resolve(&self, symbol: &Symbol) -> Result<Vec<Venue>> {
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        let mapped = map.resolve(symbol)?;
        let connected: Vec<Venue> = mapped
            .iter()
            .copied()
            .filter(|v| self.exchanges.contains_key(v))
            .collect();
        if connected.is_empty() {
            let names: Vec<&str> = mapped.iter().map(|v| v.as_str()).collect();
            let have: Vec<&str> = self.order.iter().map(|v| v.as_str()).collect();
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "{symbol} is mapped to [{}] but none of them is connected to the router (connected: [{}])",
                    names.join(", "),
                    have.join(", ")
                ),
            ));
        }
        Ok(connected)
    }

    /// The venue an order for `symbol` goes to: the first venue of the map's list that is
    /// connected to this router.
    pub fn route(&self, symbol: &Symbol) -> Result<Venue> {
        // `resolve` never returns an empty list.
        self.resolve(symbol)?
            .first()
            .copied()
            .ok_or_else(|| Error::new(ErrorKind::Config, format!("no venue for {symbol}")))
    }

    /// Sends `request` to the venue [`Router::route`] selects and returns that venue with the
    /// order. The order is sent once, to one venue, never re-sent elsewhere on failure; the
    /// router timeout does not apply (cutting a placement short would leave its outcome
    /// unknown), the venue client's own request timeout and reconciliation do.
    pub async fn route_order(&self, request: &OrderRequest) -> Result<(Venue, Order)> {
        let venue = self.route(&request.symbol)?;
        let ex = self.connected(venue)?;
        let started = tokio::time::Instant::now();
        let result = ex.place_order(request).await.map_err(|e| tag(e, venue));
        self.record(venue, "place_order", started.elapsed(), result.as_ref().err());
        result.map(|o| (venue, o))
    }

    /// Builds a default symbol map from the markets every venue lists for `kinds`, venues in
    /// the order they were added (the first is preferred). The per-venue results count the
    /// markets each venue contributed or say why it could not.
    pub async fn default_symbol_map(&self, kinds: &[MarketKind]) -> (SymbolMap, VenueResults<usize>) {
        let fetched = self
            .fan_out("markets", |ex| {
                Box::pin(async move {
                    let mut all = Vec::new();
                    for kind in kinds {
                        all.extend(ex.markets(*kind).await?);
                    }
                    Ok(all)
                })
            })
            .await;
        let map = SymbolMap::from_markets(
            self.order
                .iter()
                .filter_map(|v| fetched.ok(*v).map(|markets| (*v, markets.iter()))),
        );
        (map, fetched.map(|_, markets| markets.len()))
    }

    // ----- fan-out ----------------------------------------------------------------------

    /// Runs `call` on every connected venue concurrently, each bounded by the timeout.
    ///
    /// ```
    /// # async fn f(router: &exch_router::Router) {
    /// let times = router.fan_out("server_time", |ex| Box::pin(async move { ex.server_time().await })).await;
    /// for (venue, t) in times.successes() {
    ///     println!("{venue}: {t}");
    /// }
    /// # }
    /// ```
    pub async fn fan_out<'a, T, F>(&'a self, operation: &'a str, call: F) -> VenueResults<T>
    where
        F: Fn(Arc<dyn Exchange>) -> BoxFuture<'a, Result<T>>,
    {
        self.fan_out_to(&self.order, operation, call).await
    }

    /// Like [`Router::fan_out`], for the listed venues only; a venue not connected gets a
    /// `Config` error.
    pub async fn fan_out_to<'a, T, F>(&'a self, venues: &[Venue], operation: &'a str, call: F) -> VenueResults<T>
    where
        F: Fn(Arc<dyn Exchange>) -> BoxFuture<'a, Result<T>>,
    {
        let calls = venues.iter().map(|venue| {
            let venue = *venue;
            let fut = self.exchanges.get(&venue).map(|ex| call(Arc::clone(ex)));
            async move {
                match fut {
                    Some(fut) => (venue, self.timed(venue, operation, fut).await),
                    None => (venue, Err(not_connected(venue))),
                }
            }
        });
        join_all(calls).await.into_iter().collect()
    }

    /// Tickers of every market of `kind`, per venue.
    pub async fn tickers(&self, kind: MarketKind) -> VenueResults<Vec<Ticker>> {
        self.fan_out("tickers", |ex| Box::pin(async move { ex.tickers(kind).await }))
            .await
    }

    /// The ticker of `symbol` on every connected venue mapped to it.
    pub async fn ticker(&self, symbol: &Symbol) -> Result<VenueResults<Ticker>> {
        let venues = self.resolve(symbol)?;
        Ok(self
            .fan_out_to(&venues, "ticker", |ex| Box::pin(async move { ex.ticker(symbol).await }))
            .await)
    }

    /// Balances of `account`, per venue.
    pub async fn balances(&self, account: AccountKind) -> VenueResults<Vec<Balance>> {
        self.fan_out("balances", |ex| Box::pin(async move { ex.balances(account).await }))
            .await
    }

    /// Positions (of one symbol, or all), per venue.
    pub async fn positions(&self, symbol: Option<&Symbol>) -> VenueResults<Vec<Position>> {
        self.fan_out("positions", |ex| Box::pin(async move { ex.positions(symbol).await }))
            .await
    }

    /// Open orders (of one symbol, or all of `kind` where the venue allows), per venue.
    pub async fn open_orders(&self, symbol: Option<&Symbol>, kind: MarketKind) -> VenueResults<Vec<Order>> {
        self.fan_out("open_orders", |ex| {
            Box::pin(async move { ex.open_orders(symbol, kind).await })
        })
        .await
    }

    /// The consolidated best bid and ask of `symbol` over the connected venues mapped to it.
    pub async fn quote(&self, symbol: &Symbol) -> Result<ConsolidatedQuote> {
        let venues = self.resolve(symbol)?;
        let tickers = self
            .fan_out_to(&venues, "ticker", |ex| Box::pin(async move { ex.ticker(symbol).await }))
            .await;
        Ok(ConsolidatedQuote::from_tickers(symbol.clone(), tickers, &venues))
    }

    /// Positions of every venue aggregated per symbol and per base asset. Venues that fail are
    /// listed in `errors` and left out of the sums. Errors only when a sum leaves the decimal
    /// range.
    pub async fn position_report(&self, symbol: Option<&Symbol>) -> Result<PositionReport> {
        let results = self.positions(symbol).await;
        let aggregation = aggregate_positions(
            results
                .successes()
                .flat_map(|(v, list)| list.iter().map(move |p| (v, p))),
        )?;
        Ok(PositionReport {
            aggregation,
            errors: results.error_reports(),
        })
    }

    /// Candles for a whole portfolio `{venue: [symbols]}` in one call, every series fetched
    /// concurrently (each bounded by the timeout) and aligned across venues
    /// ([`crate::candles`] explains the alignment).
    pub async fn portfolio_candles(&self, portfolio: &Portfolio, query: &PortfolioCandleQuery) -> PortfolioCandles {
        let calls = portfolio.iter().flat_map(|(venue, symbols)| {
            symbols.iter().map(move |symbol| async move {
                let q = CandleQuery {
                    symbol: symbol.clone(),
                    interval: query.interval,
                    since: query.since,
                    until: query.until,
                    limit: query.limit,
                };
                let result: Result<Vec<Candle>> = match self.exchanges.get(venue) {
                    Some(ex) => self.timed(*venue, "candles", ex.candles(&q)).await,
                    None => Err(not_connected(*venue)),
                };
                (*venue, symbol.clone(), result)
            })
        });
        let mut fetched: PerSeries<Vec<Candle>> = BTreeMap::new();
        let mut errors: PerSeries<ErrorReport> = BTreeMap::new();
        for (venue, symbol, result) in join_all(calls).await {
            match result {
                Ok(c) => {
                    fetched.entry(venue).or_default().insert(symbol, c);
                }
                Err(e) => {
                    errors.entry(venue).or_default().insert(symbol, ErrorReport::of(&e));
                }
            }
        }
        PortfolioCandles {
            interval: query.interval,
            tolerance_ms: query.tolerance_ms,
            aligned: align_candles(query.interval, query.tolerance_ms, &fetched),
            errors,
        }
    }

    // ----- health -----------------------------------------------------------------------

    /// The health of every connected venue, as of the last calls.
    pub fn status(&self) -> BTreeMap<Venue, VenueStatus> {
        self.status.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Asks every venue for its server time (bounded by the timeout), refreshing
    /// reachability, latency and the server-time offset, and returns the new status.
    pub async fn probe(&self) -> BTreeMap<Venue, VenueStatus> {
        let clock = &self.clock;
        let times = self
            .fan_out("server_time", |ex| {
                Box::pin(async move {
                    let before = clock();
                    let server = ex.server_time().await?;
                    let after = clock();
                    Ok(server.saturating_sub(before.saturating_add(after.saturating_sub(before) / 2)))
                })
            })
            .await;
        {
            let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
            for (venue, offset) in times.successes() {
                if let Some(s) = status.get_mut(&venue) {
                    s.server_time_offset_ms = Some(*offset);
                }
            }
        }
        self.status()
    }

    // ----- internals --------------------------------------------------------------------

    fn connected(&self, venue: Venue) -> Result<&Arc<dyn Exchange>> {
        self.exchanges.get(&venue).ok_or_else(|| not_connected(venue))
    }

    async fn timed<T>(&self, venue: Venue, operation: &str, fut: impl Future<Output = Result<T>>) -> Result<T> {
        let started = tokio::time::Instant::now();
        let result = match tokio::time::timeout(self.timeout, fut).await {
            Ok(r) => r.map_err(|e| tag(e, venue)),
            Err(_) => Err(Error::new(
                ErrorKind::Timeout,
                format!("{operation} got no answer within {:?}", self.timeout),
            )
            .with_venue(venue)),
        };
        self.record(venue, operation, started.elapsed(), result.as_ref().err());
        result
    }

    fn record(&self, venue: Venue, operation: &str, latency: Duration, error: Option<&Error>) {
        let now = (self.clock)();
        let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        status
            .entry(venue)
            .or_insert_with(|| VenueStatus::new(venue))
            .record(operation, latency, error, now);
    }
}

fn not_connected(venue: Venue) -> Error {
    Error::new(
        ErrorKind::Config,
        format!("venue {venue} is not connected to the router"),
    )
    .with_venue(venue)
}

fn tag(e: Error, venue: Venue) -> Error {
    if e.venue().is_some() {
        e
    } else {
        e.with_venue(venue)
    }
}
