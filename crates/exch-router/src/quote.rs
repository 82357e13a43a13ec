//! Consolidated best bid and ask across venues.

use std::collections::BTreeMap;

use exch_core::{Decimal, Symbol, Ticker, Venue};
use serde::{Deserialize, Serialize};

use crate::results::{ErrorReport, VenueResults};

/// A price on one venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueQuote {
    /// Where.
    pub venue: Venue,
    /// The price.
    pub price: Decimal,
    /// The quantity at that price, where the venue reports it.
    pub qty: Option<Decimal>,
}

/// The best bid (highest) and best ask (lowest) of a symbol across venues, each with its venue,
/// plus every venue's ticker and the venues that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsolidatedQuote {
    /// The symbol.
    pub symbol: Symbol,
    /// Highest bid across venues.
    pub best_bid: Option<VenueQuote>,
    /// Lowest ask across venues.
    pub best_ask: Option<VenueQuote>,
    /// Each answering venue's ticker.
    pub tickers: BTreeMap<Venue, Ticker>,
    /// The venues that failed, and why.
    pub errors: BTreeMap<Venue, ErrorReport>,
}

impl ConsolidatedQuote {
    /// Builds the quote from per-venue tickers. Ties go to the venue that comes first in
    /// `preference` (the symbol map's order), then to the lower venue in [`Venue`] order.
    /// A ticker without a bid (ask) takes no part in the best bid (ask).
    pub fn from_tickers(symbol: Symbol, results: VenueResults<Ticker>, preference: &[Venue]) -> Self {
        let errors = results.error_reports();
        let tickers = results.into_successes();
        let rank = |v: Venue| preference.iter().position(|p| *p == v).unwrap_or(usize::MAX);
        let mut best_bid: Option<VenueQuote> = None;
        let mut best_ask: Option<VenueQuote> = None;
        for (venue, t) in &tickers {
            if let Some(price) = t.bid {
                let better = match &best_bid {
                    None => true,
                    Some(b) => price > b.price || (price == b.price && rank(*venue) < rank(b.venue)),
                };
                if better {
                    best_bid = Some(VenueQuote {
                        venue: *venue,
                        price,
                        qty: t.bid_qty,
                    });
                }
            }
            if let Some(price) = t.ask {
                let better = match &best_ask {
                    None => true,
                    Some(a) => price < a.price || (price == a.price && rank(*venue) < rank(a.venue)),
                };
                if better {
                    best_ask = Some(VenueQuote {
                        venue: *venue,
                        price,
                        qty: t.ask_qty,
                    });
                }
            }
        }
        ConsolidatedQuote {
            symbol,
            best_bid,
            best_ask,
            tickers,
            errors,
        }
    }

    /// Best ask minus best bid (negative when the venues' quotes cross).
    pub fn spread(&self) -> Option<Decimal> {
        Some(self.best_ask.as_ref()?.price - self.best_bid.as_ref()?.price)
    }

    /// The midpoint of the best bid and ask.
    pub fn mid(&self) -> Option<Decimal> {
        let sum = self
            .best_ask
            .as_ref()?
            .price
            .checked_add(self.best_bid.as_ref()?.price)?;
        Some(sum / Decimal::TWO)
    }

    /// True when the best bid on one venue is at or above the best ask on another.
    pub fn is_crossed(&self) -> bool {
        self.spread().is_some_and(|s| s <= Decimal::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exch_core::{Error, ErrorKind};

    fn ticker(bid: Option<&str>, ask: Option<&str>) -> Ticker {
        let d = |s: Option<&str>| s.map(|s| s.parse::<Decimal>().unwrap());
        Ticker {
            symbol: "BTC/USDT:USDT".parse().unwrap(),
            last: None,
            bid: d(bid),
            bid_qty: d(bid).map(|_| Decimal::ONE),
            ask: d(ask),
            ask_qty: None,
            open: None,
            high: None,
            low: None,
            base_volume: None,
            quote_volume: None,
            change_percent: None,
            timestamp: None,
        }
    }

    #[test]
    fn picks_best_each_side_with_venue() {
        let results: VenueResults<Ticker> = [
            (Venue::Binance, Ok(ticker(Some("100.0"), Some("100.5")))),
            (Venue::Okx, Ok(ticker(Some("100.2"), Some("100.6")))),
            (Venue::Bingx, Ok(ticker(None, Some("100.4")))),
            (Venue::Gate, Err(Error::new(ErrorKind::Network, "down"))),
        ]
        .into_iter()
        .collect();
        let q = ConsolidatedQuote::from_tickers("BTC/USDT:USDT".parse().unwrap(), results, &[]);
        let bid = q.best_bid.clone().unwrap();
        let ask = q.best_ask.clone().unwrap();
        assert_eq!(
            (bid.venue, bid.price, bid.qty),
            (Venue::Okx, "100.2".parse().unwrap(), Some(Decimal::ONE))
        );
        assert_eq!((ask.venue, ask.price), (Venue::Bingx, "100.4".parse().unwrap()));
        assert_eq!(q.spread(), Some("0.2".parse().unwrap()));
        assert_eq!(q.mid(), Some("100.3".parse().unwrap()));
        assert!(!q.is_crossed());
        assert_eq!(q.tickers.len(), 3);
        assert!(q.errors[&Venue::Gate].is(ErrorKind::Network));
    }

    #[test]
    fn ties_follow_preference_and_crossing_is_seen() {
        let results: VenueResults<Ticker> = [
            (Venue::Binance, Ok(ticker(Some("101"), Some("102")))),
            (Venue::Okx, Ok(ticker(Some("101"), Some("100.5")))),
        ]
        .into_iter()
        .collect();
        let q = ConsolidatedQuote::from_tickers("BTC/USDT:USDT".parse().unwrap(), results, &[Venue::Okx]);
        assert_eq!(
            q.best_bid.as_ref().unwrap().venue,
            Venue::Okx,
            "tie goes to the preferred venue"
        );
        assert_eq!(q.best_ask.as_ref().unwrap().venue, Venue::Okx);
        assert!(q.is_crossed());
        let empty = ConsolidatedQuote::from_tickers("BTC/USDT:USDT".parse().unwrap(), VenueResults::new(), &[]);
        assert_eq!((&empty.best_bid, empty.spread()), (&None, None));
    }
}
