//! The registration point for implemented venues: each venue crate's `sim` module implements
//! [`VenueSim`]; the facade crate (`exch`, feature `sim`) registers them in a [`SimVenues`] so
//! that `SimVenues::start(venue)` starts any of them in-process for the CLI demo and the
//! integration tests. This crate cannot depend on venue crates, so it only defines the shape.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use exch_core::{Credentials, Error, ErrorKind, Venue};

use crate::auth::ApiKey;
use crate::server::SimServer;

/// The API key every venue simulator seeds by default (see [`VenueSim::credentials`]).
pub const SIM_API_KEY: &str = "exch-sim-key";
/// The secret of [`SIM_API_KEY`].
pub const SIM_API_SECRET: &str = "exch-sim-secret";
/// The passphrase of [`SIM_API_KEY`] at venues that have passphrases.
pub const SIM_PASSPHRASE: &str = "exch-sim-passphrase";

impl ApiKey {
    /// The conventional simulator key ([`SIM_API_KEY`], [`SIM_API_SECRET`], no passphrase)
    /// for the default account; add [`SIM_PASSPHRASE`] at venues that require one.
    pub fn sim_default() -> Self {
        ApiKey::new(SIM_API_KEY, SIM_API_SECRET)
    }
}

/// A venue crate's simulator: seeds the state from the venue's fixtures, mounts its protocol
/// and starts it on `127.0.0.1`.
pub trait VenueSim {
    /// The venue.
    const VENUE: Venue;

    /// Starts the simulated venue with its default seed (markets, books, balances, and an API
    /// key documented by the venue crate).
    fn start() -> impl Future<Output = std::io::Result<SimServer>> + Send + 'static;

    /// Credentials the started simulator accepts (default: [`SIM_API_KEY`] and
    /// [`SIM_API_SECRET`]; venues with passphrases override this to add [`SIM_PASSPHRASE`]).
    fn credentials() -> Credentials {
        Credentials::new(SIM_API_KEY, SIM_API_SECRET)
    }
}

/// A boxed start function.
pub type StartFn = fn() -> Pin<Box<dyn Future<Output = std::io::Result<SimServer>> + Send>>;

fn boxed_start<V: VenueSim>() -> Pin<Box<dyn Future<Output = std::io::Result<SimServer>> + Send>> {
    Box::pin(V::start())
}

/// Simulated venues by [`Venue`].
#[derive(Debug, Clone, Default)]
pub struct SimVenues {
    starts: BTreeMap<Venue, StartFn>,
}

impl SimVenues {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a venue crate's simulator.
    pub fn register<V: VenueSim>(&mut self) -> &mut Self {
        self.starts.insert(V::VENUE, boxed_start::<V>);
        self
    }

    /// Registers a start function directly.
    pub fn register_fn(&mut self, venue: Venue, start: StartFn) -> &mut Self {
        self.starts.insert(venue, start);
        self
    }

    /// The registered venues.
    pub fn venues(&self) -> Vec<Venue> {
        self.starts.keys().copied().collect()
    }

    /// Starts the simulator of `venue`; `Unsupported` when none is registered.
    pub async fn start(&self, venue: Venue) -> exch_core::Result<SimServer> {
        let start = self
            .starts
            .get(&venue)
            .ok_or_else(|| Error::unsupported(venue, "simulated venue"))?;
        start().await.map_err(|e| {
            Error::new(ErrorKind::Network, format!("cannot start the {venue} simulator: {e}")).with_source(e)
        })
    }
}
