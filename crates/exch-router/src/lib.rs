//! # exch-router
//!
//! Routing and aggregation over several venues (work in progress).
#![deny(missing_docs)]

pub mod aggregate;
pub mod results;
pub mod symbol_map;

pub use aggregate::{aggregate_positions, AssetPositions, Exposure, PositionAggregation, SymbolPositions};
pub use results::{ErrorReport, VenueResults};
pub use symbol_map::SymbolMap;
