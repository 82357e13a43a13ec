//! # exch-core
//!
//! The venue-independent heart of the `exch` connectors: unified [models](model), the
//! object-safe [`Exchange`] trait, the [`Error`] type, [signing helpers](sign),
//! [precision rules](precision), [market-data streams](stream) (reconnecting WebSocket driver and
//! local order books), and the plumbing every venue crate shares.
//!
//! Venue crates (`exch-binance`, `exch-okx`, ...) depend on this crate only; this crate knows
//! no venue.
//!
//! ```
//! use exch_core::{Symbol, MarketKind};
//! let s: Symbol = "BTC/USDT:USDT".parse()?;
//! assert_eq!(s.kind(), MarketKind::LinearPerpetual);
//! # Ok::<(), exch_core::Error>(())
//! ```
#![deny(missing_docs)]

pub mod batch;
pub mod cache;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod de;
pub mod error;
pub mod exchange;
pub mod limiter;
pub mod model;
pub mod order;
pub mod paginate;
pub mod precision;
pub mod retry;
pub mod scan;
pub mod sign;
pub mod stream;
pub mod symbol;
pub mod transport;
pub mod venue;

pub use cache::{MarketCache, MarketSet};
pub use clock::ClockSync;
pub use config::{ClientConfig, Environment};
pub use credentials::{Credentials, Secret};
pub use error::{Error, ErrorKind, Result};
pub use exchange::Exchange;
pub use limiter::{LimiterKey, LimiterRegistry, RateLimiter, ScopeQuota};
pub use model::*;
pub use order::{
    new_client_order_id, Attached, Order, OrderQuery, OrderRef, OrderRequest, OrderRequestBuilder, OrderStatus,
    OrderType, TimeInForce,
};
pub use precision::{OrderRule, Rounding};
pub use retry::{retry_read, RetryPolicy};
pub use rust_decimal::Decimal;
pub use stream::{
    Channel, ConnectionState, LocalBook, MarketStream, StreamConfig, StreamEvent, StreamProtocol, Subscription,
};
pub use symbol::{MarketKind, Symbol};
pub use transport::{HttpTransport, VenueHooks};
pub use venue::Venue;
