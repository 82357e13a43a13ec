//! # exch-testkit
//!
//! Loopback simulated venues for testing the `exch` connectors: a small server framework
//! (axum and hyper on tokio, bound to `127.0.0.1` on ephemeral ports) on which each venue crate
//! mounts its own wire protocol (in its `sim.rs`, behind its `sim` feature). Everything
//! generic lives here:
//!
//! - [`SimState`]: markets, order books, matching, balances, fees, perpetual positions
//!   (one-way and hedge), leverage, margin and position modes, funding and income;
//!   deterministic, with order ids above 2^53.
//! - [`auth`]: the key store, the raw request bytes signatures cover, [`AuthFailure`] reasons
//!   that each venue maps to its own code and status, and a timestamp-window check against the
//!   server clock ([`SimClock`], which tests can skew).
//! - [`fault`]: scripted faults per test (delay, 429 with `Retry-After`, 418, 5xx, venue bodies
//!   with or without the handler running, malformed or truncated JSON, connection reset, lost
//!   response).
//! - [`log`]: the request log (method, path, raw query, body, headers) and order
//!   [`Counters`].
//! - [`ws`]: WebSocket sessions with recorded subscriptions, scripted frames (text, gzip,
//!   deflate), pings, idle timeouts and forced disconnects.
//! - [`venue`]: the [`VenueSim`] registration point used by the facade's `SimVenues`.
//!
//! A venue protocol is an axum `Router<SimHandle>`: its handlers take
//! `State<SimHandle>` and a [`RawRequest`], verify the signature, call [`SimState`] and
//! render the venue's JSON, mapping each [`SimReject`] to the venue's own error.
//!
//! # Example
//!
//! A tiny protocol, mounted and exercised with a real HTTP client:
//!
//! ```
//! use axum::{extract::State, http::StatusCode, routing::post, Json, Router};
//! use exch_core::{AccountKind, Market, MarketKind, MarketStatus, Side, Symbol, Level};
//! use exch_testkit::{ApiKey, Fault, FaultRule, NewOrder, RawRequest, SimHandle, SimServer, DEFAULT_ACCOUNT};
//! use rust_decimal::Decimal;
//! use std::time::Duration;
//!
//! // The venue's handler: authenticate, decode, call the engine, render.
//! async fn place(State(sim): State<SimHandle>, req: RawRequest) -> (StatusCode, Json<serde_json::Value>) {
//!     let key = match sim.keys().lookup(req.header("x-key"), None) {
//!         Ok(k) => k,
//!         Err(e) => return (StatusCode::UNAUTHORIZED, Json(serde_json::json!({"error": e.to_string()}))),
//!     };
//!     let symbol: Symbol = "BTC/USDT".parse().unwrap();
//!     let qty: Decimal = req.param("qty").and_then(|q| q.parse().ok()).unwrap_or_default();
//!     let placed = sim.state().place(&key.account, NewOrder::market(symbol, Side::Buy, qty));
//!     match placed {
//!         Ok(o) => (StatusCode::OK, Json(serde_json::json!({"id": o.id, "filled": o.filled_qty}))),
//!         Err(r) => (StatusCode::BAD_REQUEST, Json(serde_json::json!({"error": r.to_string()}))),
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = SimHandle::new();
//! sim.keys().add(ApiKey::new("k1", "s1"));
//! {
//!     let mut st = sim.state();
//!     let symbol: Symbol = "BTC/USDT".parse()?;
//!     st.add_market(Market {
//!         symbol: symbol.clone(),
//!         venue_symbol: "BTCUSDT".into(),
//!         kind: MarketKind::Spot,
//!         status: MarketStatus::Trading,
//!         tick_size: Decimal::new(1, 2),
//!         step_size: Decimal::new(1, 5),
//!         min_qty: None,
//!         max_qty: None,
//!         min_notional: None,
//!         contract_size: Decimal::ONE,
//!     });
//!     st.set_book(&symbol, vec![Level { price: Decimal::from(99), qty: Decimal::ONE }],
//!                 vec![Level { price: Decimal::from(101), qty: Decimal::ONE }]);
//!     st.deposit(DEFAULT_ACCOUNT, AccountKind::Spot, "USDT", Decimal::from(1000));
//! }
//! let server = SimServer::start(sim, Router::new().route("/order", post(place))).await?;
//! let http = reqwest::Client::builder().timeout(Duration::from_millis(100)).build()?;
//! let url = format!("{}/order?qty=0.5", server.base_url());
//!
//! // A lost response: the order is placed, the client times out.
//! server.faults().push(FaultRule::new(Fault::LoseResponse(Duration::from_millis(200))).on("POST", "/order"));
//! let lost = http.post(&url).header("x-key", "k1").send().await;
//! assert!(lost.is_err());
//! assert_eq!(server.counters().orders_created, 1);
//!
//! // A normal call, then the log proves exactly two placements were sent.
//! let ok: serde_json::Value = http.post(&url).header("x-key", "k1").send().await?.json().await?;
//! assert_eq!(ok["filled"], "0.5");
//! assert_eq!(server.log().count("POST", "/order"), 2);
//! assert_eq!(server.counters().orders_created, 2);
//! assert_eq!(server.state().balance(DEFAULT_ACCOUNT, AccountKind::Spot, "BTC").free, Decimal::ONE);
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod auth;
pub mod conformance;
pub mod fault;
pub mod log;
pub mod server;
pub mod state;
pub mod stream_harness;
pub mod venue;
pub mod ws;

pub use auth::{check_timestamp, ApiKey, AuthFailure, KeyStore, RawRequest};
pub use fault::{Fault, FaultRule, Faults};
pub use log::{LoggedRequest, RequestLog};
pub use server::{SimHandle, SimServer, SimServerBuilder};
pub use state::{Counters, Fees, Fill, NewOrder, SimClock, SimReject, SimState, DEFAULT_ACCOUNT, FIRST_ORDER_ID};
pub use venue::{SimVenues, StartFn, VenueSim, SIM_API_KEY, SIM_API_SECRET, SIM_PASSPHRASE};
pub use ws::{WsFrame, WsHub, WsProtocol, WsSession};

// Re-exported so that venue crates mount protocols with the same versions.
pub use axum;
