//! Simulated venues (feature `sim`): each venue crate's wire protocol served on 127.0.0.1 by
//! `exch-testkit`, with a client already pointed at it. For demos and end-to-end tests: no
//! keys, no network.
//!
//! The simulators serve the venues' public WebSockets on the same base URLs, so
//! [`SimVenue::stream`] streams from them like [`crate::stream()`] from the venue, and
//! [`SimVenue::publish_book`], [`SimVenue::publish_trade`], [`SimVenue::publish_ticker`] and
//! [`SimVenue::publish_candle`] push market data to every client streaming from it, in the
//! venue's own wire shapes.
//!
//! ```no_run
//! # async fn run() -> exch::Result<()> {
//! let (sim, ex) = exch::sim::connect(exch::Venue::Binance).await?;
//! let markets = ex.markets(exch::MarketKind::Spot).await?;
//! println!("{} markets on the simulator at {:?}", markets.len(), sim.server().urls());
//! # Ok(()) }
//! ```

mod publish;

use std::sync::Arc;

use exch_core::stream::{MarketStream, StreamConfig, Subscription};
use exch_core::{ClientConfig, Credentials, Error, ErrorKind, Exchange, Interval, Level, Result, Symbol, Trade, Venue};
pub use exch_testkit as testkit;
use exch_testkit::{SimServer, SimVenues, VenueSim};

/// A running simulated venue and the credentials it accepts. The server stops when this value
/// is dropped.
#[derive(Debug)]
pub struct SimVenue {
    venue: Venue,
    server: SimServer,
    credentials: Credentials,
    #[cfg_attr(not(feature = "okx"), allow(dead_code))]
    okx_seqs: publish::OkxSeqs,
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

    /// Streams public market data from the simulator: [`crate::stream()`] with
    /// [`SimVenue::config`] (the venue crate turns the simulator's `http://` base URL into
    /// `ws://`).
    ///
    /// ```no_run
    /// # async fn run() -> exch::Result<()> {
    /// use exch::stream::{StreamConfig, StreamEvent, Subscription};
    ///
    /// let sim = exch::sim::start(exch::Venue::Okx).await?;
    /// let btc: exch::Symbol = "BTC/USDT".parse()?;
    /// let mut events = sim.stream([Subscription::ticker(btc.clone())], StreamConfig::default()).await?;
    /// // Push the simulator's ticker until the subscription is live and it arrives.
    /// loop {
    ///     sim.publish_ticker(&btc)?;
    ///     let next = tokio::time::timeout(std::time::Duration::from_millis(50), events.next_event());
    ///     if let Ok(Some(StreamEvent::Ticker(t))) = next.await {
    ///         println!("last {:?}", t.last);
    ///         break;
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn stream(
        &self,
        subs: impl IntoIterator<Item = Subscription>,
        cfg: StreamConfig,
    ) -> Result<MarketStream> {
        crate::stream(self.venue, self.config(), subs, cfg).await
    }

    /// Replaces the simulated order book of `symbol` (bids and asks in base units, any order)
    /// and pushes the change to every client streaming that book: the venue's incremental
    /// update (with its sequence ids and checksum), and on BingX a new top-`N` snapshot to
    /// partial-book subscribers. REST book requests see the new book too, and a perpetual's
    /// mark price follows its mid from then on. Returns how many connections got it (0 when
    /// nobody streams the book).
    ///
    /// Errors: `BadSymbol` when the simulator does not list `symbol`.
    pub fn publish_book(&self, symbol: &Symbol, bids: Vec<Level>, asks: Vec<Level>) -> Result<usize> {
        publish::market(&self.server, self.venue, symbol)?;
        if symbol.is_perpetual() {
            self.server.state().set_mark_price(symbol, None);
        }
        match self.venue {
            #[cfg(feature = "binance")]
            Venue::Binance => Ok(exch_binance::sim::publish_depth(&self.server, symbol, bids, asks)),
            #[cfg(feature = "bingx")]
            Venue::Bingx => publish::bingx::book(&self.server, symbol, bids, asks),
            #[cfg(feature = "okx")]
            Venue::Okx => publish::okx::book(&self.server, &self.okx_seqs, symbol, bids, asks),
            other => {
                let _ = (bids, asks);
                Err(Error::unsupported(other, "publishing to a simulated stream"))
            }
        }
    }

    /// Pushes a public trade of `trade.symbol` to every client streaming its trades (the
    /// simulator does not record it). Returns how many connections got it.
    ///
    /// Errors: `BadSymbol` when the simulator does not list the symbol.
    pub fn publish_trade(&self, trade: &Trade) -> Result<usize> {
        match self.venue {
            #[cfg(feature = "binance")]
            Venue::Binance => {
                publish::market(&self.server, self.venue, &trade.symbol)?;
                Ok(exch_binance::sim::publish_trade(&self.server, trade))
            }
            #[cfg(feature = "bingx")]
            Venue::Bingx => publish::bingx::trade(&self.server, trade),
            #[cfg(feature = "okx")]
            Venue::Okx => publish::okx::trade(&self.server, trade),
            other => {
                let _ = trade;
                Err(Error::unsupported(other, "publishing to a simulated stream"))
            }
        }
    }

    /// Pushes the simulated 24 h ticker of `symbol` (best bid and ask from its book, last
    /// price and volumes from its trades) to every client streaming it. Returns how many
    /// connections got it.
    ///
    /// Errors: `BadSymbol` when the simulator does not list `symbol`.
    pub fn publish_ticker(&self, symbol: &Symbol) -> Result<usize> {
        match self.venue {
            #[cfg(feature = "binance")]
            Venue::Binance => {
                publish::market(&self.server, self.venue, symbol)?;
                Ok(exch_binance::sim::publish_ticker(&self.server, symbol))
            }
            #[cfg(feature = "bingx")]
            Venue::Bingx => publish::bingx::ticker(&self.server, symbol),
            #[cfg(feature = "okx")]
            Venue::Okx => publish::okx::ticker(&self.server, symbol),
            other => {
                let _ = symbol;
                Err(Error::unsupported(other, "publishing to a simulated stream"))
            }
        }
    }

    /// Pushes the forming `interval` bar of `symbol` (from the simulator's trades in it, or
    /// flat at the last price) to every client streaming those candles. Returns how many
    /// connections got it.
    ///
    /// Errors: `BadSymbol` when the simulator does not list `symbol`, `Unsupported` for an
    /// interval the venue does not stream.
    pub fn publish_candle(&self, symbol: &Symbol, interval: Interval) -> Result<usize> {
        match self.venue {
            #[cfg(feature = "binance")]
            Venue::Binance => {
                publish::market(&self.server, self.venue, symbol)?;
                Ok(exch_binance::sim::publish_kline(&self.server, symbol, interval))
            }
            #[cfg(feature = "bingx")]
            Venue::Bingx => publish::bingx::candle(&self.server, symbol, interval),
            #[cfg(feature = "okx")]
            Venue::Okx => publish::okx::candle(&self.server, symbol, interval),
            other => {
                let _ = (symbol, interval);
                Err(Error::unsupported(other, "publishing to a simulated stream"))
            }
        }
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
        okx_seqs: publish::OkxSeqs::default(),
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
        Venue::Okx => {
            let sim = start_sim::<exch_okx::sim::OkxSim>(exch_okx::sim::OkxSim::credentials()).await?;
            // Each `books` subscription starts from a snapshot of the simulated book, as on OKX.
            exch_okx::sim::set_live_books(&sim.server, true);
            Ok(sim)
        }
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
