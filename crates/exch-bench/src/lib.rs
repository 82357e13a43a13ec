//! # exch-bench
//!
//! Benchmarks of the exch connectors, shared by the criterion benches (`cargo bench -p
//! exch-bench`) and the `compare` binary behind `cargo xtask bench --compare`:
//!
//! - [`payload`]: the seeded payload files of `fixtures/bench/<venue>/` (written by `cargo xtask
//!   bench-fixtures`);
//! - [`ops`]: each benchmarked operation (decode and normalise a payload, build and sign a
//!   request, rate-limiter acquire) as a closure over pre-loaded bytes;
//! - [`measure`]: the timing method, the same as the CCXT scripts in `ccxt/` use;
//! - [`e2e`]: the real client against a loopback server, next to a bare reqwest call sending the
//!   identical pre-built request;
//! - [`report`]: the comparison table.
#![deny(missing_docs)]

pub mod e2e;
pub mod measure;
pub mod ops;
pub mod payload;
pub mod report;
