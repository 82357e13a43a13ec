//! # exch-router
//!
//! Routing and aggregation over several venues (work in progress).
#![deny(missing_docs)]
