//! Public market-data streams on any venue of the build: [`stream()`] subscribes to
//! `(symbol, channel)` pairs and returns a reconnecting [`MarketStream`] of typed
//! [`StreamEvent`]s.
//!
//! The types come from [`exch_core::stream`]; each venue crate supplies its wire protocol
//! (URLs, subscribe messages, frame decoding, book sequencing). What every stream does —
//! reconnect with backoff, answer heartbeats, keep local books checked by sequence and
//! checksum, resync a book alone after a gap — is described in [`exch_core::stream`].
//!
//! ```no_run
//! # async fn run() -> exch::Result<()> {
//! use exch::stream::{StreamConfig, StreamEvent, Subscription};
//! use exch::{ClientConfig, Venue};
//!
//! let btc: exch::Symbol = "BTC/USDT".parse()?;
//! let mut events = exch::stream(
//!     Venue::Binance,
//!     ClientConfig::new(),
//!     [Subscription::trades(btc.clone()), Subscription::book(btc)],
//!     StreamConfig::default(),
//! )
//! .await?;
//! while let Some(event) = events.next_event().await {
//!     match event {
//!         StreamEvent::Trade(t) => println!("trade {} @ {}", t.qty, t.price),
//!         StreamEvent::BookUpdate(u) => println!("best bid {:?}", u.book.best_bid()),
//!         StreamEvent::State(s) => eprintln!("{s:?}"),
//!         other => println!("{other:?}"),
//!     }
//! }
//! # Ok(()) }
//! ```

use exch_core::{ClientConfig, Result, Venue};

pub use exch_core::stream::{
    BookUpdate, Channel, ConnectionState, MarketStream, StreamConfig, StreamEvent, Subscription,
};

/// Subscribes to public market data of `venue` (tickers, trades, order books, candles) and
/// returns the reconnecting stream of typed events.
///
/// `config` selects the environment and base URLs exactly as for [`crate::connect`] (a `*`
/// override with an `http://` URL, as the simulator uses, is turned into `ws://` by the venue
/// crates). The venue loads its markets first, so an unknown symbol is a `BadSymbol` error
/// and a channel the venue does not stream is `Unsupported`; failures after that arrive as
/// [`StreamEvent::Error`] and [`StreamEvent::State`] events while the stream reconnects.
///
/// Returns a `Config` error naming the cargo feature when `venue` is not compiled into this
/// build.
pub async fn stream(
    venue: Venue,
    config: ClientConfig,
    subs: impl IntoIterator<Item = Subscription>,
    cfg: StreamConfig,
) -> Result<MarketStream> {
    let subs: Vec<Subscription> = subs.into_iter().collect();
    match venue {
        #[cfg(feature = "binance")]
        Venue::Binance => exch_binance::Binance::new(config)?.stream(subs, cfg).await,
        #[cfg(feature = "okx")]
        Venue::Okx => exch_okx::Okx::new(config)?.stream(subs, cfg).await,
        #[cfg(feature = "bingx")]
        Venue::Bingx => exch_bingx::Bingx::new(config)?.stream(subs, cfg).await,
        other => {
            let _ = (config, subs, cfg);
            Err(crate::venues::not_enabled(other))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exch_core::ErrorKind;

    #[tokio::test]
    async fn a_venue_outside_the_build_is_a_config_error_naming_the_feature() {
        for v in Venue::ALL {
            if crate::is_enabled(v) {
                continue;
            }
            let btc: exch_core::Symbol = "BTC/USDT".parse().unwrap();
            let e = stream(
                v,
                ClientConfig::new(),
                [Subscription::ticker(btc)],
                StreamConfig::default(),
            )
            .await
            .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config);
            assert_eq!(e.venue(), Some(v));
            assert!(e.message().contains(&format!("`{v}`")), "{}", e.message());
            assert!(e.message().contains("feature"), "{}", e.message());
        }
    }
}
