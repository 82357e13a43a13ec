//! # exch-binance
//!
//! Binance spot (`/api/v3`) and USDⓈ-M perpetuals (`/fapi`) for the `exch` unified API:
//! [`Binance`] implements [`exch_core::Exchange`].
//!
//! ```
//! # #[cfg(feature = "sim")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use exch_binance::Binance;
//! use exch_core::{Credentials, Exchange, OrderRef, OrderRequest, OrderStatus, Side, Symbol};
//! use rust_decimal::Decimal;
//!
//! // A simulated Binance on 127.0.0.1 (feature `sim`); for the real venue use
//! // `ClientConfig::new().environment(Environment::Testnet)` (or production) instead.
//! let venue = exch_binance::sim::start().await?;
//! let config = venue.client_config().credentials(Credentials::new(
//!     exch_binance::sim::SIM_API_KEY,
//!     exch_binance::sim::SIM_API_SECRET,
//! ));
//! let binance = Binance::new(config)?;
//!
//! let btc: Symbol = "BTC/USDT".parse()?;
//! let book = binance.order_book(&btc, Some(5)).await?;
//! let bid = book.best_bid().expect("a two-sided book").price;
//!
//! // Checked against tick, step and min notional before it is sent; a client order id is
//! // generated and used to reconcile if the outcome is unknown.
//! let order = OrderRequest::limit(btc.clone(), Side::Buy, Decimal::new(1, 3), bid).post_only().build()?;
//! let placed = binance.place_order(&order).await?;
//! assert_eq!(placed.status, OrderStatus::New);
//! let cancelled = binance.cancel_order(&btc, &OrderRef::Id(placed.id)).await?;
//! assert_eq!(cancelled.status, OrderStatus::Canceled);
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "sim"))]
//! # fn main() {}
//! ```
//!
//! Hosts: production, testnet and demo per [`exch_core::Environment`]; override a host with
//! `ClientConfig::base_url("spot" | "futures" | "*", url)` ([`config`]):
//!
//! ```no_run
//! # fn demo() -> exch_core::Result<()> {
//! use exch_core::{ClientConfig, Credentials, Environment};
//! use std::time::Duration;
//! let config = ClientConfig::new()
//!     .environment(Environment::Testnet)
//!     .credentials(Credentials::new("api-key", "secret"))
//!     .recv_window(Duration::from_millis(10_000));
//! let binance = exch_binance::Binance::new(config)?;
//! # let _ = binance; Ok(()) }
//! ```
//!
//! Futures conditional orders (stop, take-profit, trailing) go to the algo-order endpoint;
//! post-only is `LIMIT_MAKER` on spot and `GTX` on futures; reads are retried (Retry-After
//! honoured, `-1021` resyncs the clock once), placements never are. With the `sim` feature,
//! `sim` mounts the Binance protocol (REST and WebSocket streams) on `exch-testkit`'s loopback
//! server.
//!
//! Public streams: [`Binance::stream`] subscribes to tickers, trades, order books and candles
//! of spot and perpetual symbols and returns a reconnecting [`MarketStream`] of typed
//! [`StreamEvent`]s; books are kept locally from Binance's diff-depth streams, seeded and
//! resynced from REST snapshots ([`stream`]).
#![deny(missing_docs)]

pub mod config;
pub mod errors;
pub mod parse;
pub mod rest;
pub mod sign;
#[cfg(feature = "sim")]
pub mod sim;
pub mod stream;
pub mod symbols;
pub mod wire;

use std::sync::Arc;

use async_trait::async_trait;
use exch_core::{
    new_client_order_id, AccountKind, Balance, Candle, CandleQuery, Capabilities, ClientConfig, Error, ErrorKind,
    Exchange, Income, IncomeQuery, MarginMode, Market, MarketCache, MarketKind, MarketSet, Order, OrderBook,
    OrderQuery, OrderRef, OrderRequest, Position, PositionMode, Result, RetryPolicy, Support, Symbol, Ticker,
    TimestampMs, Trade, Venue,
};
use serde::de::DeserializeOwned;

pub use config::{Api, API_FUTURES, API_SPOT};
pub use exch_core::stream::{MarketStream, StreamConfig, StreamEvent, Subscription};
pub use rest::candle_page_size;
pub use stream::BinanceStreams;

use crate::rest::{Call, Rest};
use crate::symbols::Resolve;

/// The Binance client (spot and USDⓈ-M perpetuals). Cheap to clone.
#[derive(Clone)]
pub struct Binance {
    inner: Arc<Inner>,
}

struct Inner {
    config: ClientConfig,
    rest: Rest,
    markets: MarketCache,
}

impl std::fmt::Debug for Binance {
    /// Shows the environment, hosts and whether credentials are set; never the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Binance")
            .field("environment", &self.inner.config.environment)
            .field("spot", &self.inner.rest.base_url(Api::Spot))
            .field("futures", &self.inner.rest.base_url(Api::Futures))
            .field(
                "api_key",
                &self.inner.config.credentials.as_ref().map(|c| c.api_key.as_str()),
            )
            .finish()
    }
}

const fn kind_of(api: Api) -> MarketKind {
    match api {
        Api::Spot => MarketKind::Spot,
        Api::Futures => MarketKind::LinearPerpetual,
    }
}

fn api_of(symbol: &Symbol) -> Result<Api> {
    Api::for_kind(symbol.kind()).ok_or_else(|| Error::unsupported(Venue::Binance, "inverse perpetuals"))
}

fn venue_of(set: &MarketSet, symbol: &Symbol) -> Result<String> {
    set.get(symbol).map(|m| m.venue_symbol.clone()).ok_or_else(|| {
        Error::new(ErrorKind::BadSymbol, format!("{symbol} is not listed on Binance")).with_venue(Venue::Binance)
    })
}

fn futures_only(symbol: &Symbol, what: &str) -> Result<()> {
    if symbol.kind() == MarketKind::LinearPerpetual {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Unsupported,
            format!("{what} applies to USDⓈ-M perpetuals only"),
        )
        .with_venue(Venue::Binance))
    }
}

impl Binance {
    /// A client for `config` with the default read-retry policy.
    pub fn new(config: ClientConfig) -> Result<Binance> {
        Self::with_retry_policy(config, RetryPolicy::default())
    }

    /// A client whose reads are retried under `retry` (writes are never retried).
    pub fn with_retry_policy(config: ClientConfig, retry: RetryPolicy) -> Result<Binance> {
        let rest = Rest::new(&config, retry)?;
        Ok(Binance {
            inner: Arc::new(Inner {
                markets: MarketCache::from_config(&config),
                config,
                rest,
            }),
        })
    }

    /// The sender (transports, clocks, limiter).
    pub fn rest(&self) -> &Rest {
        &self.inner.rest
    }

    async fn call<T: DeserializeOwned>(&self, call: &Call) -> Result<T> {
        self.inner.rest.send(call).await?.json()
    }

    /// The markets of `api` from the core market cache (loaded from `exchangeInfo` when
    /// missing or older than `ClientConfig::markets_ttl`; concurrent callers share one load).
    async fn loaded(&self, api: Api) -> Result<Arc<MarketSet>> {
        self.inner
            .markets
            .get_or_load(kind_of(api), || async move {
                let info: wire::ExchangeInfo = self.call(&rest::exchange_info(api)).await?;
                Ok(parse::markets(api, &info))
            })
            .await
    }

    /// The API, loaded markets and venue symbol of `symbol`.
    async fn resolve(&self, symbol: &Symbol) -> Result<(Api, Arc<MarketSet>, String)> {
        let api = api_of(symbol)?;
        let set = self.loaded(api).await?;
        let v = venue_of(&set, symbol)?;
        Ok((api, set, v))
    }

    fn order_of(api: Api, map: &MarketSet, o: &wire::OrderResp) -> Result<Order> {
        parse::order(api, map.require(api, &o.symbol)?, o)
    }

    async fn place_once(&self, call: &Call, api: Api, l: &MarketSet) -> Result<Order> {
        if call.path == "/fapi/v1/algoOrder" {
            let o: wire::AlgoOrderResp = self.call(call).await?;
            parse::algo_order(l.require(api, &o.symbol)?, &o)
        } else {
            let o: wire::OrderResp = self.call(call).await?;
            Self::order_of(api, l, &o)
        }
    }

    async fn query_algo(&self, l: &MarketSet, venue: &str, order: &OrderRef) -> Result<Order> {
        let o: wire::AlgoOrderResp = self.call(&rest::query_algo_order(venue, order)).await?;
        parse::algo_order(l.require(Api::Futures, &o.symbol)?, &o)
    }

    fn not_found(e: &Error) -> bool {
        e.kind() == ErrorKind::OrderNotFound
    }
}

#[async_trait]
impl Exchange for Binance {
    fn venue(&self) -> Venue {
        Venue::Binance
    }

    fn capabilities(&self) -> Capabilities {
        let mut c = Capabilities::all_native(Venue::Binance, vec![MarketKind::Spot, MarketKind::LinearPerpetual]);
        c.close_position = Support::Emulated;
        c
    }

    async fn server_time(&self) -> Result<TimestampMs> {
        let t: wire::ServerTime = self.call(&rest::server_time(Api::Spot)).await?;
        Ok(t.server_time)
    }

    async fn markets(&self, kind: MarketKind) -> Result<Vec<Market>> {
        let api = Api::for_kind(kind).ok_or_else(|| Error::unsupported(Venue::Binance, "inverse perpetuals"))?;
        Ok(self.loaded(api).await?.markets().to_vec())
    }

    async fn market(&self, symbol: &Symbol) -> Result<Market> {
        let (_, l, _) = self.resolve(symbol).await?;
        l.get(symbol).cloned().ok_or_else(|| {
            Error::new(ErrorKind::BadSymbol, format!("{symbol} is not listed on Binance")).with_venue(Venue::Binance)
        })
    }

    async fn ticker(&self, symbol: &Symbol) -> Result<Ticker> {
        let (api, _, v) = self.resolve(symbol).await?;
        let t: wire::Ticker24h = self.call(&rest::ticker_24h(api, Some(&v))).await?;
        Ok(parse::ticker(symbol.clone(), &t))
    }

    async fn tickers(&self, kind: MarketKind) -> Result<Vec<Ticker>> {
        let api = Api::for_kind(kind).ok_or_else(|| Error::unsupported(Venue::Binance, "inverse perpetuals"))?;
        let l = self.loaded(api).await?;
        let rows: Vec<wire::Ticker24h> = self.call(&rest::ticker_24h(api, None)).await?;
        Ok(parse::tickers(&*l, api, &rows))
    }

    async fn order_book(&self, symbol: &Symbol, depth: Option<usize>) -> Result<OrderBook> {
        let (api, _, v) = self.resolve(symbol).await?;
        let resp = self.inner.rest.send(&rest::depth(api, &v, depth)).await?;
        // The one-pass scan when the payload has Binance's usual shape, serde otherwise.
        let mut book = match parse::fast_order_book(symbol, &resp.body) {
            Some(book) => book,
            None => parse::order_book(symbol.clone(), &resp.json::<wire::Depth>()?),
        };
        if let Some(n) = depth {
            book.bids.truncate(n);
            book.asks.truncate(n);
        }
        Ok(book)
    }

    async fn trades(&self, symbol: &Symbol, limit: Option<usize>) -> Result<Vec<Trade>> {
        let (api, _, v) = self.resolve(symbol).await?;
        let resp = self.inner.rest.send(&rest::recent_trades(api, &v, limit)).await?;
        // The one-pass scan when the payload has Binance's usual shape, serde otherwise.
        parse::trades_of(symbol, &resp.endpoint, &resp.body)
    }

    async fn candles(&self, query: &CandleQuery) -> Result<Vec<Candle>> {
        let (api, _, v) = self.resolve(&query.symbol).await?;
        let now = self.inner.rest.clock(api).now_ms();
        rest::paginate_candles(api, query, |start, end, limit| {
            let v = v.clone();
            async move {
                let call = rest::klines(api, &v, query.interval, start, end, limit)?;
                let rows: Vec<wire::KlineRow> = self.call(&call).await?;
                parse::candles(&rows, Some(now))
            }
        })
        .await
    }

    async fn place_order(&self, request: &OrderRequest) -> Result<Order> {
        request.check()?;
        let (api, l, v) = self.resolve(&request.symbol).await?;
        let market = l
            .get(&request.symbol)
            .ok_or_else(|| Error::new(ErrorKind::BadSymbol, format!("{} is not listed", request.symbol)))?;
        market
            .validate(request, None)
            .map_err(|e| e.with_venue(Venue::Binance))?;
        let cid = request.client_order_id.clone().unwrap_or_else(new_client_order_id);
        let call = rest::new_order(api, &v, request, &cid)?;
        let symbol = request.symbol.clone();
        let lookup_ref = OrderRef::Client(cid.clone());
        exch_core::order::place_reconciled(&cid, self.place_once(&call, api, &l), || {
            self.order(&symbol, &lookup_ref)
        })
        .await
    }

    async fn cancel_order(&self, symbol: &Symbol, order: &OrderRef) -> Result<Order> {
        let (api, l, v) = self.resolve(symbol).await?;
        let r: Result<wire::OrderResp> = self.call(&rest::cancel_order(api, &v, order)).await;
        match r {
            Ok(o) => Self::order_of(api, &l, &o),
            Err(e) if api == Api::Futures && Self::not_found(&e) => {
                // Not a regular order: maybe a conditional (algo) order.
                let _: serde_json::Value = self.call(&rest::cancel_algo_order(&v, order)).await.map_err(|algo| {
                    if Self::not_found(&algo) {
                        e
                    } else {
                        algo
                    }
                })?;
                self.query_algo(&l, &v, order).await
            }
            Err(e) => Err(e),
        }
    }

    async fn cancel_all_orders(&self, symbol: &Symbol) -> Result<Vec<Order>> {
        let (api, l, v) = self.resolve(symbol).await?;
        match api {
            Api::Spot => {
                // The venue lists what it cancelled (order lists too; those are skipped).
                let rows: Vec<serde_json::Value> = self.call(&rest::cancel_all(api, &v)).await?;
                rows.into_iter()
                    .filter_map(|r| serde_json::from_value::<wire::OrderResp>(r).ok())
                    .map(|o| Self::order_of(api, &l, &o))
                    .collect()
            }
            Api::Futures => {
                // Futures answers with a bare acknowledgement, so nothing is listed.
                let _: serde_json::Value = self.call(&rest::cancel_all(api, &v)).await?;
                let _: serde_json::Value = self.call(&rest::cancel_all_algo(&v)).await?;
                Ok(Vec::new())
            }
        }
    }

    async fn order(&self, symbol: &Symbol, order: &OrderRef) -> Result<Order> {
        let (api, l, v) = self.resolve(symbol).await?;
        let r: Result<wire::OrderResp> = self.call(&rest::query_order(api, &v, order)).await;
        match r {
            Ok(o) => Self::order_of(api, &l, &o),
            Err(e) if api == Api::Futures && Self::not_found(&e) => self
                .query_algo(&l, &v, order)
                .await
                .map_err(|algo| if Self::not_found(&algo) { e } else { algo }),
            Err(e) => Err(e),
        }
    }

    async fn open_orders(&self, symbol: Option<&Symbol>, kind: MarketKind) -> Result<Vec<Order>> {
        let api = match symbol {
            Some(s) if s.kind() != kind => {
                return Err(
                    Error::new(ErrorKind::BadSymbol, format!("{s} is not a {kind} symbol")).with_venue(Venue::Binance)
                )
            }
            Some(s) => api_of(s)?,
            None => Api::for_kind(kind).ok_or_else(|| Error::unsupported(Venue::Binance, "inverse perpetuals"))?,
        };
        let l = self.loaded(api).await?;
        let v = symbol.map(|s| venue_of(&l, s)).transpose()?;
        let rows: Vec<wire::OrderResp> = self.call(&rest::open_orders(api, v.as_deref())).await?;
        let mut out = parse::orders(&*l, api, &rows)?;
        if api == Api::Futures {
            let algo: Vec<wire::AlgoOrderResp> = self.call(&rest::open_algo_orders(v.as_deref())).await?;
            out.extend(parse::algo_orders(&*l, &algo)?);
        }
        Ok(out)
    }

    async fn order_history(&self, query: &OrderQuery) -> Result<Vec<Order>> {
        let symbol = query.symbol.as_ref().ok_or_else(|| {
            Error::new(ErrorKind::BadRequest, "Binance order history needs a symbol").with_venue(Venue::Binance)
        })?;
        let (api, l, v) = self.resolve(symbol).await?;
        // Futures answers at most 7 days per request: a longer range is read window by window.
        let windows = match (api, query.since) {
            (Api::Futures, Some(since)) => {
                let until = query.until.unwrap_or_else(|| self.inner.rest.clock(api).now_ms());
                rest::time_windows(since, until, rest::FUTURES_HISTORY_WINDOW_MS)
            }
            _ => vec![(query.since, query.until)],
        };
        let mut out = Vec::new();
        for (since, until) in windows {
            let rows: Vec<wire::OrderResp> = self.call(&rest::all_orders(api, &v, since, until, query.limit)).await?;
            out.extend(parse::orders(&*l, api, &rows)?);
            if api == Api::Futures {
                let algo: Vec<wire::AlgoOrderResp> =
                    self.call(&rest::all_algo_orders(&v, since, until, query.limit)).await?;
                out.extend(parse::algo_orders(&*l, &algo)?);
            }
        }
        out.sort_by_key(|o| o.created_at);
        out.dedup_by(|a, b| a.id == b.id);
        if let Some(n) = query.limit {
            let drop = out.len().saturating_sub(n);
            out.drain(..drop);
        }
        Ok(out)
    }

    async fn balances(&self, account: AccountKind) -> Result<Vec<Balance>> {
        match account {
            AccountKind::Spot => {
                let a: wire::SpotAccount = self.call(&rest::spot_account()).await?;
                Ok(parse::spot_balances(&a))
            }
            AccountKind::Perpetual => {
                let rows: Vec<wire::FuturesBalance> = self.call(&rest::futures_balance()).await?;
                Ok(parse::futures_balances(&rows))
            }
        }
    }

    async fn positions(&self, symbol: Option<&Symbol>) -> Result<Vec<Position>> {
        let l = self.loaded(Api::Futures).await?;
        let v = match symbol {
            Some(s) => {
                futures_only(s, "positions")?;
                Some(venue_of(&l, s)?)
            }
            None => None,
        };
        let rows: Vec<wire::PositionRisk> = self.call(&rest::position_risk(v.as_deref())).await?;
        let mut out = parse::positions(&*l, &rows)?;
        if let Some(s) = symbol {
            out.retain(|p| &p.symbol == s);
        }
        Ok(out)
    }

    async fn set_leverage(&self, symbol: &Symbol, leverage: u32) -> Result<()> {
        futures_only(symbol, "leverage")?;
        let (_, _, v) = self.resolve(symbol).await?;
        let _: serde_json::Value = self.call(&rest::leverage(&v, leverage)?).await?;
        Ok(())
    }

    async fn set_margin_mode(&self, symbol: &Symbol, mode: MarginMode) -> Result<()> {
        futures_only(symbol, "margin mode")?;
        let (_, _, v) = self.resolve(symbol).await?;
        no_change_is_ok(self.call::<serde_json::Value>(&rest::margin_type(&v, mode)).await)
    }

    async fn set_position_mode(&self, mode: PositionMode) -> Result<()> {
        no_change_is_ok(self.call::<serde_json::Value>(&rest::position_mode(mode)).await)
    }

    async fn income(&self, query: &IncomeQuery) -> Result<Vec<Income>> {
        let l = self.loaded(Api::Futures).await?;
        let v = match &query.symbol {
            Some(s) => {
                futures_only(s, "income")?;
                Some(venue_of(&l, s)?)
            }
            None => None,
        };
        let kind = query.kind.as_ref().map(parse::income_type);
        let rows: Vec<wire::IncomeRow> = self
            .call(&rest::income(v.as_deref(), kind, query.since, query.until, query.limit))
            .await?;
        Ok(parse::income(&*l, &rows))
    }
}

/// `-4046` ("No need to change margin type") and `-4059` ("No need to change position side")
/// mean the account is already in the requested mode.
fn no_change_is_ok(r: Result<serde_json::Value>) -> Result<()> {
    match r {
        Ok(_) => Ok(()),
        Err(e)
            if e.code()
                .and_then(|c| c.parse::<i64>().ok())
                .is_some_and(|c| errors::NO_CHANGE_CODES.contains(&c)) =>
        {
            Ok(())
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exch_core::Credentials;

    #[test]
    fn debug_never_shows_the_secret() {
        let b = Binance::new(ClientConfig::new().credentials(Credentials::new("KEY123", "very-secret-value"))).unwrap();
        let shown = format!("{b:?} {:?}", b.rest());
        assert!(!shown.contains("very-secret-value"), "{shown}");
        assert!(shown.contains("KEY123"));
        assert!(shown.contains("https://api.binance.com"));
    }

    #[test]
    fn bad_base_url_is_a_config_error() {
        let e = Binance::new(ClientConfig::new().base_url("spot", "ftp://x")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
    }
}
