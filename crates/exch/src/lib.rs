//! # exch
//!
//! One typed async Rust API over crypto exchanges: spot and USDT-margined perpetuals, market
//! data, trading and accounts, with a router that maps symbols to venues and aggregates
//! positions across them.
//!
//! This is the facade crate. It re-exports [`exch_core`] (models, the object-safe
//! [`Exchange`] trait, [`Error`]) and [`exch_router`] (as [`router`]), and compiles only the
//! venues you enable, one cargo feature each: `binance`, `okx`, `bingx`, or `full` for every
//! implemented venue. No venue is compiled by default, so a build that needs one venue never
//! compiles the others (`tests/features.rs` checks this with `cargo tree`).
//!
//! ```no_run
//! # async fn run() -> exch::Result<()> {
//! use exch::{ClientConfig, Venue};
//!
//! let ex = exch::connect(Venue::Binance, ClientConfig::new())?;
//! let ticker = ex.ticker(&"BTC/USDT".parse()?).await?;
//! println!("last {:?}", ticker.last);
//! # Ok(()) }
//! ```
//!
//! [`connect`] returns an `Arc<dyn Exchange>`: the same value works with every venue and
//! with the router.
//!
//! Also here:
//!
//! * [`decode`]: a raw venue payload (a capture, a bug report) into the unified model, with
//!   the venue crate's own parsers (`exch decode` on the command line).
//! * [`stream()`] and the [`stream`](mod@stream) module: public market-data streams (tickers, trades,
//!   order books, candles) of any enabled venue, as one reconnecting stream of typed events.
//! * `sim` (feature `sim`): each enabled venue's simulator on 127.0.0.1 and a client already
//!   pointed at it, for demos and end-to-end tests; it serves the venue's WebSockets too, and
//!   `SimVenue::publish_*` pushes market data to the clients streaming from it.
#![deny(missing_docs)]

pub mod decode;
#[cfg(feature = "sim")]
pub mod sim;
pub mod stream;
mod venues;

pub use exch_core;
pub use exch_core::*;
pub use exch_router;
/// Routing over several venues: symbol map, fan-out, consolidated quotes, position aggregation.
pub use exch_router as router;

pub use stream::stream;
pub use venues::{connect, enabled_venues, is_enabled};

#[cfg(feature = "binance")]
pub use exch_binance;
#[cfg(feature = "bingx")]
pub use exch_bingx;
#[cfg(feature = "okx")]
pub use exch_okx;
