//! # exch-router
//!
//! The multi-venue layer of the `exch` connectors, over `Arc<dyn exch_core::Exchange>` (it
//! never depends on a venue crate):
//!
//! * [`SymbolMap`]: unified symbol → ordered venues (preferred first), from TOML or JSON,
//!   editable at run time, or built from the venues' markets ([`Router::default_symbol_map`]).
//! * [`Router`]: concurrent fan-out with a per-venue timeout returning [`VenueResults`] (one
//!   failing venue never hides the others), a [`ConsolidatedQuote`] (best bid and ask across
//!   venues), and [`Router::route_order`] to the venue the map selects.
//! * [`aggregate_positions`] / [`Router::position_report`]: net, gross, average entry, PnL and
//!   notional per symbol and per base asset, with the per-venue breakdown.
//! * [`Router::portfolio_candles`]: candles for `{venue: [symbols]}` aligned across venues.
//! * [`Router::status`] / [`Router::probe`]: reachability, server-time offset, last latency and
//!   last error per venue.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use exch_core::{Exchange, Side, Symbol, OrderRequest, Decimal, MarketKind};
//! use exch_router::{Router, SymbolMap};
//!
//! let map = SymbolMap::from_toml_str(r#"
//!     [symbols]
//!     "BTC/USDT:USDT" = ["okx", "binance"]
//! "#)?;
//! let btc: Symbol = "BTC/USDT:USDT".parse()?;
//! assert_eq!(map.resolve(&btc)?[0], exch_core::Venue::Okx);
//!
//! // With venue clients (e.g. from `exch::connect`):
//! async fn run(okx: Arc<dyn Exchange>, binance: Arc<dyn Exchange>, map: SymbolMap) -> exch_core::Result<()> {
//!     let router = Router::builder()
//!         .venue(okx)
//!         .venue(binance)
//!         .symbol_map(map)
//!         .timeout(Duration::from_secs(5))
//!         .build()?;
//!     let btc: Symbol = "BTC/USDT:USDT".parse()?;
//!     let quote = router.quote(&btc).await?;
//!     println!("best bid {:?}, best ask {:?}", quote.best_bid, quote.best_ask);
//!     let balances = router.balances(exch_core::AccountKind::Perpetual).await;
//!     for (venue, e) in balances.errors() {
//!         eprintln!("{venue} failed: {e}");
//!     }
//!     let report = router.position_report(None).await?;
//!     println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
//!     let order = OrderRequest::market(btc, Side::Buy, Decimal::new(1, 3)).build()?;
//!     let (venue, placed) = router.route_order(&order).await?;
//!     println!("sent to {venue}: {}", placed.id);
//!     Ok(())
//! }
//! # let _ = run;
//! # Ok::<(), exch_core::Error>(())
//! ```
#![deny(missing_docs)]
// `exch_core::Error` is larger than clippy's 128-byte threshold; every function here returns it
// through `exch_core::Result`. Boxing belongs in exch-core (it fails the same lint there).
#![allow(clippy::result_large_err)]

pub mod aggregate;
pub mod candles;
pub mod quote;
pub mod results;
pub mod router;
pub mod status;
pub mod symbol_map;

pub use aggregate::{aggregate_positions, AssetPositions, Exposure, PositionAggregation, SymbolPositions};
pub use candles::{
    align_candles, grid_time, AlignedCandles, PerSeries, Portfolio, PortfolioCandleQuery, PortfolioCandles,
};
pub use quote::{ConsolidatedQuote, VenueQuote};
pub use results::{ErrorReport, VenueResults};
pub use router::{LocalClock, PositionReport, Router, RouterBuilder, DEFAULT_TIMEOUT};
pub use status::VenueStatus;
pub use symbol_map::SymbolMap;
