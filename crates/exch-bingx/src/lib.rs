//! # exch-bingx
//!
//! BingX spot and USDT-margined perpetual swap (V2) for the exch unified API.
#![deny(missing_docs)]

pub mod config;
pub mod errors;
pub mod parse;
pub mod rest;
pub mod sign;
pub mod symbols;
pub mod wire;
