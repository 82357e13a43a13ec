//! Simulated venues (feature `sim`): each venue crate's wire protocol served on 127.0.0.1 by
//! `exch-testkit`, with a client already pointed at it. For demos and end-to-end tests: no
//! keys, no network.
//!
//! ```no_run
//! # async fn run() -> exch::Result<()> {
//! let (sim, ex) = exch::sim::connect(exch::Venue::Binance).await?;
//! let markets = ex.markets(exch::MarketKind::Spot).await?;
//! println!("{} markets on the simulator at {:?}", markets.len(), sim.server().urls());
//! # Ok(()) }
//! ```

use std::sync::Arc;

use exch_core::{ClientConfig, Credentials, Error, ErrorKind, Exchange, Result, Venue};
pub use exch_testkit as testkit;
use exch_testkit::{SimServer, SimVenues, VenueSim};

/// A running simulated venue and the credentials it accepts. The server stops when this value
/// is dropped.
#[derive(Debug)]
pub struct SimVenue {
    venue: Venue,
    server: SimServer,
    credentials: Credentials,
}

impl SimVenue {
    /// The simulated venue.
    pub fn venue(&self) -> Venue {
        self.venue
    }

    /// The server: base URLs, shared state, request log, fault script.
    pub fn server(&self) -> &SimServer {
        &self.server
    }

    /// Credentials the simulator accepts.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// A client configuration pointing every API of the venue at the simulator, with
    /// credentials it accepts.
    pub fn config(&self) -> ClientConfig {
        self.server.client_config_with(self.credentials.clone())
    }

    /// A client connected to the simulator.
    pub fn connect(&self) -> Result<Arc<dyn Exchange>> {
        crate::connect(self.venue, self.config())
    }
}

/// The venues whose simulator is compiled into this build (venue feature and `sim`), in
/// [`Venue::ALL`] order.
pub fn simulated_venues() -> Vec<Venue> {
    registry().venues()
}

/// Every simulator of this build in `exch-testkit`'s registry.
pub fn registry() -> SimVenues {
    #[cfg_attr(not(any(feature = "binance", feature = "okx", feature = "bingx")), allow(unused_mut))]
    let mut r = SimVenues::new();
    #[cfg(feature = "binance")]
    r.register::<exch_binance::sim::BinanceSim>();
    #[cfg(feature = "okx")]
    r.register::<exch_okx::sim::OkxSim>();
    #[cfg(feature = "bingx")]
    r.register::<exch_bingx::sim::BingxSim>();
    r
}

#[cfg_attr(not(any(feature = "binance", feature = "okx", feature = "bingx")), allow(dead_code))]
async fn start_sim<V: VenueSim>(credentials: Credentials) -> Result<SimVenue> {
    let server = V::start().await.map_err(|e| {
        Error::new(
            ErrorKind::Network,
            format!("cannot start the {} simulator: {e}", V::VENUE),
        )
        .with_venue(V::VENUE)
        .with_source(e)
    })?;
    Ok(SimVenue {
        venue: V::VENUE,
        server,
        credentials,
    })
}

/// Starts `venue`'s simulator on 127.0.0.1 (ephemeral ports).
///
/// Errors: `Config` when the venue is not compiled in, `Unsupported` when its crate has no
/// simulator, `Network` when the server cannot bind.
pub async fn start(venue: Venue) -> Result<SimVenue> {
    match venue {
        #[cfg(feature = "binance")]
        Venue::Binance => {
            // The Binance simulator seeds its own documented key.
            let credentials = Credentials::new(exch_binance::sim::SIM_API_KEY, exch_binance::sim::SIM_API_SECRET);
            start_sim::<exch_binance::sim::BinanceSim>(credentials).await
        }
        #[cfg(feature = "okx")]
        Venue::Okx => start_sim::<exch_okx::sim::OkxSim>(exch_okx::sim::OkxSim::credentials()).await,
        #[cfg(feature = "bingx")]
        Venue::Bingx => start_sim::<exch_bingx::sim::BingxSim>(exch_bingx::sim::BingxSim::credentials()).await,
        other if crate::is_enabled(other) => Err(Error::unsupported(other, "a simulator")),
        other => Err(crate::venues::not_enabled(other)),
    }
}

/// Starts `venue`'s simulator and connects a client to it. Keep the [`SimVenue`]: dropping it
/// stops the server.
pub async fn connect(venue: Venue) -> Result<(SimVenue, Arc<dyn Exchange>)> {
    let sim = start(venue).await?;
    let ex = sim.connect()?;
    Ok((sim, ex))
}
