//! Simulated venues (feature `sim`): each venue crate's wire protocol served on 127.0.0.1 by
//! `exch-testkit`, with a client already pointed at it. For demos and end-to-end tests: no
//! keys, no network.
//!
//! ```no_run
//! # async fn run() -> exch::Result<()> {
//! let sim = exch::sim::start(exch::Venue::Binance).await?;
//! let ex = sim.connect()?;
//! let markets = ex.markets(exch::MarketKind::Spot).await?;
//! # Ok(()) }
//! ```

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use exch_core::{ClientConfig, Error, ErrorKind, Exchange, Result, Venue};

/// A running simulated venue. The server stops when this value is dropped.
pub struct SimVenue {
    venue: Venue,
    config: ClientConfig,
    /// The venue crate's server handle, kept alive for as long as this value lives.
    _server: Box<dyn Any + Send + Sync>,
}

impl fmt::Debug for SimVenue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimVenue")
            .field("venue", &self.venue)
            .field("base_urls", &self.config.base_urls)
            .finish_non_exhaustive()
    }
}

impl SimVenue {
    /// The simulated venue.
    pub fn venue(&self) -> Venue {
        self.venue
    }

    /// A client configuration pointing every API of the venue at the simulator, with
    /// credentials the simulator accepts.
    pub fn config(&self) -> ClientConfig {
        self.config.clone()
    }

    /// A client connected to the simulator.
    pub fn connect(&self) -> Result<Arc<dyn Exchange>> {
        crate::connect(self.venue, self.config())
    }
}

/// The venues whose simulator is compiled into this build (venue feature and `sim`).
pub fn simulated_venues() -> Vec<Venue> {
    crate::enabled_venues().into_iter().filter(|v| has_sim(*v)).collect()
}

fn has_sim(venue: Venue) -> bool {
    let _ = venue;
    false
}

/// Starts `venue`'s simulator on 127.0.0.1 (an ephemeral port).
///
/// Errors: `Config` when the venue is not compiled in, `Unsupported` when its crate has no
/// simulator yet.
pub async fn start(venue: Venue) -> Result<SimVenue> {
    if !crate::is_enabled(venue) {
        return Err(crate::venues::not_enabled(venue));
    }
    Err(Error::new(ErrorKind::Unsupported, format!("no simulator of {venue} in this build")).with_venue(venue))
}

/// Starts `venue`'s simulator and connects a client to it. Keep the [`SimVenue`]: dropping it
/// stops the server.
pub async fn connect(venue: Venue) -> Result<(SimVenue, Arc<dyn Exchange>)> {
    let sim = start(venue).await?;
    let ex = sim.connect()?;
    Ok((sim, ex))
}
