//! Unified [`Symbol`] ↔ Binance symbol, built from `exchangeInfo` (never by splitting strings,
//! binance.md §3).
//!
//! Spot `BTCUSDT` is `BTC/USDT`; the USDⓈ-M perpetual `BTCUSDT` (`contractType == PERPETUAL`) is
//! `BTC/USDT:USDT` with the settle asset taken from `marginAsset`. Dated contracts are skipped.

use std::collections::HashMap;

use exch_core::{Error, ErrorKind, MarketKind, MarketSet, Result, Symbol, Venue};

use crate::config::Api;
use crate::wire::SymbolInfo;

/// The unified symbol of one `exchangeInfo` entry of `api`; `None` for what this crate does not
/// trade (dated futures, asset codes a unified symbol cannot carry).
pub fn unified(api: Api, info: &SymbolInfo) -> Option<Symbol> {
    match api {
        Api::Spot => Symbol::spot(&info.base_asset, &info.quote_asset).ok(),
        Api::Futures => {
            if info.contract_type.as_deref() != Some("PERPETUAL") {
                return None;
            }
            let settle = info.margin_asset.as_deref().unwrap_or(&info.quote_asset);
            let s = Symbol::perpetual(&info.base_asset, &info.quote_asset, settle).ok()?;
            (s.kind() == MarketKind::LinearPerpetual).then_some(s)
        }
    }
}

/// Resolves a Binance symbol of one API to its unified symbol.
///
/// Implemented by [`SymbolMap`] and by the core [`MarketSet`] of the client's market cache
/// (one set per market kind: the caller passes the set of the API it parses for).
pub trait Resolve {
    /// The unified symbol of the Binance symbol `venue` on `api`, if listed.
    fn resolve(&self, api: Api, venue: &str) -> Option<Symbol>;

    /// Like [`Resolve::resolve`], but `BadSymbol` when unknown.
    fn require(&self, api: Api, venue: &str) -> Result<Symbol> {
        self.resolve(api, venue).ok_or_else(|| {
            Error::new(
                ErrorKind::BadSymbol,
                format!("Binance {} symbol {venue} is not in the loaded markets", api.name()),
            )
            .with_venue(Venue::Binance)
        })
    }
}

impl Resolve for MarketSet {
    fn resolve(&self, api: Api, venue: &str) -> Option<Symbol> {
        self.by_venue_symbol(venue)
            .filter(|m| Api::for_kind(m.kind) == Some(api))
            .map(|m| m.symbol.clone())
    }
}

impl Resolve for SymbolMap {
    fn resolve(&self, api: Api, venue: &str) -> Option<Symbol> {
        self.from_venue(api, venue).cloned()
    }
}

/// A two-way map between unified symbols and Binance symbols, per API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SymbolMap {
    to_venue: HashMap<Symbol, String>,
    from_venue: HashMap<(Api, String), Symbol>,
}

impl SymbolMap {
    /// An empty map.
    pub fn new() -> Self {
        SymbolMap::default()
    }

    /// Adds every tradable entry of one API's `exchangeInfo`.
    pub fn extend(&mut self, api: Api, infos: &[SymbolInfo]) {
        for info in infos {
            if let Some(s) = unified(api, info) {
                self.insert(api, s, info.symbol.clone());
            }
        }
    }

    /// Adds one pair.
    pub fn insert(&mut self, api: Api, symbol: Symbol, venue: String) {
        self.from_venue.insert((api, venue.clone()), symbol.clone());
        self.to_venue.insert(symbol, venue);
    }

    /// The Binance symbol of `symbol`; `BadSymbol` when it is not listed.
    pub fn to_venue(&self, symbol: &Symbol) -> Result<&str> {
        self.to_venue.get(symbol).map(String::as_str).ok_or_else(|| {
            Error::new(ErrorKind::BadSymbol, format!("{symbol} is not listed on Binance")).with_venue(Venue::Binance)
        })
    }

    /// The unified symbol of the Binance symbol `venue` on `api`.
    pub fn from_venue(&self, api: Api, venue: &str) -> Option<&Symbol> {
        self.from_venue.get(&(api, venue.to_string()))
    }

    /// Number of mapped symbols.
    pub fn len(&self) -> usize {
        self.to_venue.len()
    }

    /// True when nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.to_venue.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(symbol: &str, base: &str, quote: &str, margin: Option<&str>, ct: Option<&str>) -> SymbolInfo {
        SymbolInfo {
            symbol: symbol.into(),
            status: Some("TRADING".into()),
            base_asset: base.into(),
            quote_asset: quote.into(),
            margin_asset: margin.map(Into::into),
            contract_type: ct.map(Into::into),
            filters: vec![],
        }
    }

    #[test]
    fn spot_and_perp_never_collide() {
        let mut m = SymbolMap::new();
        m.extend(Api::Spot, &[info("BTCUSDT", "BTC", "USDT", None, None)]);
        m.extend(
            Api::Futures,
            &[
                info("BTCUSDT", "BTC", "USDT", Some("USDT"), Some("PERPETUAL")),
                info("BTCUSDT_250926", "BTC", "USDT", Some("USDT"), Some("CURRENT_QUARTER")),
                info("1000PEPEUSDT", "1000PEPE", "USDT", Some("USDT"), Some("PERPETUAL")),
                info("BTCUSDC", "BTC", "USDC", Some("USDC"), Some("PERPETUAL")),
            ],
        );
        let spot: Symbol = "BTC/USDT".parse().unwrap();
        let perp: Symbol = "BTC/USDT:USDT".parse().unwrap();
        assert_eq!(m.to_venue(&spot).unwrap(), "BTCUSDT");
        assert_eq!(m.to_venue(&perp).unwrap(), "BTCUSDT");
        assert_eq!(m.from_venue(Api::Spot, "BTCUSDT"), Some(&spot));
        assert_eq!(m.from_venue(Api::Futures, "BTCUSDT"), Some(&perp));
        assert_eq!(m.from_venue(Api::Futures, "BTCUSDT_250926"), None);
        assert_eq!(
            m.to_venue(&"1000PEPE/USDT:USDT".parse().unwrap()).unwrap(),
            "1000PEPEUSDT"
        );
        assert_eq!(m.to_venue(&"BTC/USDC:USDC".parse().unwrap()).unwrap(), "BTCUSDC");
        assert_eq!(
            m.to_venue(&"ETH/USDT".parse().unwrap()).unwrap_err().kind(),
            ErrorKind::BadSymbol
        );
        assert_eq!(m.len(), 4);
    }
}
