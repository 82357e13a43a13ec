//! Which venues this build contains, and [`connect`], which builds a client for one of them.

use std::sync::Arc;

use exch_core::{ClientConfig, Error, ErrorKind, Exchange, Result, Venue};

/// The venues compiled into this build (one cargo feature each), in [`Venue::ALL`] order.
pub fn enabled_venues() -> Vec<Venue> {
    Venue::ALL.into_iter().filter(|v| is_enabled(*v)).collect()
}

/// True when `venue`'s cargo feature is enabled in this build.
pub fn is_enabled(venue: Venue) -> bool {
    (venue == Venue::Binance && cfg!(feature = "binance"))
        || (venue == Venue::Okx && cfg!(feature = "okx"))
        || (venue == Venue::Bingx && cfg!(feature = "bingx"))
}

/// The error for a venue whose cargo feature is off (or that has no crate yet).
pub(crate) fn not_enabled(venue: Venue) -> Error {
    Error::new(
        ErrorKind::Config,
        format!(
            "venue `{venue}` is not compiled into this build: enable the `{venue}` (or `full`) feature of the exch crate"
        ),
    )
    .with_venue(venue)
}

/// A client for `venue` configured by `config`, as an `Arc<dyn Exchange>` (ready for the router).
///
/// Returns a `Config` error when the venue's cargo feature is not enabled, or when the venue
/// rejects the configuration (e.g. an environment it does not have).
pub fn connect(venue: Venue, config: ClientConfig) -> Result<Arc<dyn Exchange>> {
    match venue {
        #[cfg(feature = "binance")]
        Venue::Binance => Ok(Arc::new(exch_binance::Binance::new(config)?)),
        #[cfg(feature = "okx")]
        Venue::Okx => Ok(Arc::new(exch_okx::Okx::new(config)?)),
        #[cfg(feature = "bingx")]
        Venue::Bingx => Ok(Arc::new(exch_bingx::Bingx::new(config)?)),
        other => {
            let _ = config;
            Err(not_enabled(other))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabled_venues_are_config_errors() {
        for v in Venue::ALL {
            if !is_enabled(v) {
                let e = connect(v, ClientConfig::new()).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::Config);
                assert_eq!(e.venue(), Some(v));
                assert!(e.message().contains(v.as_str()), "{}", e.message());
            }
        }
        assert!(enabled_venues().iter().all(|v| is_enabled(*v)));
    }
}
