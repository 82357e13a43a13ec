//! # exch-okx
//!
//! OKX V5 connector (SPOT and USDT-margined SWAP) for the `exch` unified API.
#![deny(missing_docs)]

pub mod batch_cancel;
pub mod candle_paging;
pub mod config;
pub mod errors;
pub mod parse;
pub mod rest;
pub mod sign;
pub mod symbols;
pub mod wire;
