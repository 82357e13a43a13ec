//! [`SymbolMap`]: which venues trade a unified symbol, preferred venue first.
//!
//! The map is plain data: load it from TOML or JSON, edit it at run time, or build a default
//! one from the markets the venues list ([`SymbolMap::from_markets`]). The serialized form is
//! a table `symbols` from unified symbol to an ordered list of venue names:
//!
//! ```toml
//! [symbols]
//! "BTC/USDT:USDT" = ["binance", "okx"]
//! "ETH/USDT" = ["okx"]
//! ```
//!
//! The same shape in JSON is `{"symbols": {"BTC/USDT:USDT": ["binance", "okx"]}}`.

use std::collections::BTreeMap;

use exch_core::{Error, ErrorKind, Market, MarketStatus, Result, Symbol, Venue};
use serde::{Deserialize, Serialize};

/// Unified symbol → ordered list of venues (preferred first).
///
/// Invariants: every list is non-empty and holds each venue at most once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawMap", into = "RawMap")]
pub struct SymbolMap {
    routes: BTreeMap<Symbol, Vec<Venue>>,
}

/// The serialized form, validated on the way in.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMap {
    #[serde(default)]
    symbols: BTreeMap<Symbol, Vec<Venue>>,
}

impl TryFrom<RawMap> for SymbolMap {
    type Error = Error;

    fn try_from(raw: RawMap) -> Result<Self> {
        let mut map = SymbolMap::new();
        for (symbol, venues) in raw.symbols {
            map.set(symbol, venues)?;
        }
        Ok(map)
    }
}

impl From<SymbolMap> for RawMap {
    fn from(map: SymbolMap) -> Self {
        RawMap { symbols: map.routes }
    }
}

fn config_error(message: String) -> Error {
    Error::new(ErrorKind::Config, message)
}

impl SymbolMap {
    /// An empty map.
    pub fn new() -> Self {
        SymbolMap::default()
    }

    /// Parses a map from TOML (a `[symbols]` table). Errors are `ErrorKind::Config`.
    pub fn from_toml_str(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| config_error(format!("invalid symbol map (TOML): {e}")))
    }

    /// Parses a map from JSON (`{"symbols": {...}}`). Errors are `ErrorKind::Config`.
    pub fn from_json_str(text: &str) -> Result<Self> {
        serde_json::from_str(text).map_err(|e| config_error(format!("invalid symbol map (JSON): {e}")))
    }

    /// The map as TOML, in the form [`SymbolMap::from_toml_str`] reads.
    pub fn to_toml_string(&self) -> Result<String> {
        toml::to_string(&RawMap::from(self.clone())).map_err(|e| config_error(format!("cannot write TOML: {e}")))
    }

    /// The map as pretty JSON, in the form [`SymbolMap::from_json_str`] reads.
    pub fn to_json_string(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| config_error(format!("cannot write JSON: {e}")))
    }

    /// A default map from the markets each venue lists: every symbol maps to the venues that
    /// list it, in the order the venues are given (the first is preferred). Closed markets are
    /// skipped; halted and unknown-status markets are kept (they may reopen).
    pub fn from_markets<'a, I, M>(venues: I) -> Self
    where
        I: IntoIterator<Item = (Venue, M)>,
        M: IntoIterator<Item = &'a Market>,
    {
        let mut map = SymbolMap::new();
        for (venue, markets) in venues {
            for market in markets {
                if market.status != MarketStatus::Closed {
                    map.add_venue(market.symbol.clone(), venue);
                }
            }
        }
        map
    }

    /// The venues of `symbol`, preferred first. An unmapped symbol is `ErrorKind::BadSymbol`
    /// naming the symbol (a spot symbol never falls back to the perpetual or the reverse).
    pub fn resolve(&self, symbol: &Symbol) -> Result<&[Venue]> {
        self.routes.get(symbol).map(Vec::as_slice).ok_or_else(|| {
            Error::new(
                ErrorKind::BadSymbol,
                format!(
                    "{symbol} ({}) is not in the symbol map; add it with a list of venues",
                    symbol.kind()
                ),
            )
        })
    }

    /// The preferred venue of `symbol`.
    pub fn preferred(&self, symbol: &Symbol) -> Result<Venue> {
        // `set` and `add_venue` never store an empty list.
        self.resolve(symbol).and_then(|v| {
            v.first()
                .copied()
                .ok_or_else(|| Error::new(ErrorKind::BadSymbol, format!("{symbol} has no venue")))
        })
    }

    /// True when `symbol` is mapped.
    pub fn contains(&self, symbol: &Symbol) -> bool {
        self.routes.contains_key(symbol)
    }

    /// Replaces the venues of `symbol`. The list must be non-empty without duplicates
    /// (`ErrorKind::Config` otherwise).
    pub fn set(&mut self, symbol: Symbol, venues: Vec<Venue>) -> Result<()> {
        if venues.is_empty() {
            return Err(config_error(format!("{symbol}: the venue list is empty")));
        }
        for (i, v) in venues.iter().enumerate() {
            if venues[..i].contains(v) {
                return Err(config_error(format!("{symbol}: venue {v} is listed twice")));
            }
        }
        self.routes.insert(symbol, venues);
        Ok(())
    }

    /// Appends `venue` to the list of `symbol` (creating it) unless already present.
    pub fn add_venue(&mut self, symbol: Symbol, venue: Venue) {
        let list = self.routes.entry(symbol).or_default();
        if !list.contains(&venue) {
            list.push(venue);
        }
    }

    /// Moves (or inserts) `venue` to the front of the list of `symbol`.
    pub fn prefer(&mut self, symbol: Symbol, venue: Venue) {
        let list = self.routes.entry(symbol).or_default();
        list.retain(|v| *v != venue);
        list.insert(0, venue);
    }

    /// Removes `venue` from the list of `symbol`; the symbol is unmapped when its list becomes
    /// empty. Returns whether anything was removed.
    pub fn remove_venue(&mut self, symbol: &Symbol, venue: Venue) -> bool {
        let Some(list) = self.routes.get_mut(symbol) else {
            return false;
        };
        let before = list.len();
        list.retain(|v| *v != venue);
        let removed = list.len() != before;
        if list.is_empty() {
            self.routes.remove(symbol);
        }
        removed
    }

    /// Unmaps `symbol`, returning its venues.
    pub fn remove(&mut self, symbol: &Symbol) -> Option<Vec<Venue>> {
        self.routes.remove(symbol)
    }

    /// Mapped symbols in order.
    pub fn symbols(&self) -> impl Iterator<Item = &Symbol> {
        self.routes.keys()
    }

    /// `(symbol, venues)` pairs in symbol order.
    pub fn iter(&self) -> impl Iterator<Item = (&Symbol, &[Venue])> {
        self.routes.iter().map(|(s, v)| (s, v.as_slice()))
    }

    /// Number of mapped symbols.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// True when nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// Adds every route of `other`; for a symbol in both maps, `other`'s venues are appended
    /// after this map's (which keep their preference).
    pub fn merge(&mut self, other: &SymbolMap) {
        for (symbol, venues) in other.iter() {
            for v in venues {
                self.add_venue(symbol.clone(), *v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exch_core::{Decimal, MarketKind};

    fn sym(s: &str) -> Symbol {
        s.parse().unwrap()
    }

    const TOML: &str = r#"
[symbols]
"BTC/USDT:USDT" = ["binance", "okx"]
"ETH/USDT" = ["okx"]
"#;

    #[test]
    fn loads_toml() {
        let map = SymbolMap::from_toml_str(TOML).unwrap();
        assert_eq!(map.len(), 2);
        assert_eq!(
            map.resolve(&sym("BTC/USDT:USDT")).unwrap(),
            &[Venue::Binance, Venue::Okx]
        );
        assert_eq!(map.preferred(&sym("ETH/USDT")).unwrap(), Venue::Okx);
        let back = SymbolMap::from_toml_str(&map.to_toml_string().unwrap()).unwrap();
        assert_eq!(back, map);
    }

    #[test]
    fn loads_json() {
        let map =
            SymbolMap::from_json_str(r#"{"symbols": {"BTC/USDT:USDT": ["okx", "bingx"], "SOL/USDT": ["binance"]}}"#)
                .unwrap();
        assert_eq!(map.resolve(&sym("BTC/USDT:USDT")).unwrap(), &[Venue::Okx, Venue::Bingx]);
        assert_eq!(map.preferred(&sym("SOL/USDT")).unwrap(), Venue::Binance);
        let back = SymbolMap::from_json_str(&map.to_json_string().unwrap()).unwrap();
        assert_eq!(back, map);
        assert!(SymbolMap::from_json_str("{}").unwrap().is_empty());
    }

    #[test]
    fn rejects_bad_maps() {
        for bad in [
            r#"{"symbols": {"BTCUSDT": ["okx"]}}"#,
            r#"{"symbols": {"BTC/USDT": ["nowhere"]}}"#,
            r#"{"symbols": {"BTC/USDT": []}}"#,
            r#"{"symbols": {"BTC/USDT": ["okx", "okx"]}}"#,
            r#"{"routes": {}}"#,
            "not json",
        ] {
            let e = SymbolMap::from_json_str(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{bad}: {e}");
        }
        let e = SymbolMap::from_toml_str("[symbols]\n\"BTC/USDT\" = [\"okx\", \"okx\"]\n").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.message().contains("twice"), "{e}");
    }

    #[test]
    fn unmapped_symbol_is_a_clear_error() {
        let map = SymbolMap::from_toml_str(TOML).unwrap();
        // The spot symbol is not the perpetual.
        let e = map.resolve(&sym("BTC/USDT")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadSymbol);
        assert!(e.message().contains("BTC/USDT (spot) is not in the symbol map"), "{e}");
        assert_eq!(
            map.preferred(&sym("DOGE/USDT")).unwrap_err().kind(),
            ErrorKind::BadSymbol
        );
    }

    #[test]
    fn edits_at_run_time() {
        let mut map = SymbolMap::from_toml_str(TOML).unwrap();
        let btc = sym("BTC/USDT:USDT");
        map.prefer(btc.clone(), Venue::Okx);
        assert_eq!(map.resolve(&btc).unwrap(), &[Venue::Okx, Venue::Binance]);
        map.add_venue(btc.clone(), Venue::Bingx);
        map.add_venue(btc.clone(), Venue::Okx);
        assert_eq!(map.resolve(&btc).unwrap(), &[Venue::Okx, Venue::Binance, Venue::Bingx]);
        assert!(map.remove_venue(&btc, Venue::Binance));
        assert!(!map.remove_venue(&btc, Venue::Kraken));
        assert_eq!(map.resolve(&btc).unwrap(), &[Venue::Okx, Venue::Bingx]);
        let eth = sym("ETH/USDT");
        assert!(map.remove_venue(&eth, Venue::Okx));
        assert!(!map.contains(&eth), "an emptied list unmaps the symbol");
        assert_eq!(map.set(eth.clone(), vec![]).unwrap_err().kind(), ErrorKind::Config);
        map.set(eth.clone(), vec![Venue::Gate]).unwrap();
        assert_eq!(map.remove(&eth), Some(vec![Venue::Gate]));
        let mut other = SymbolMap::new();
        other.set(btc.clone(), vec![Venue::Kraken, Venue::Okx]).unwrap();
        map.merge(&other);
        assert_eq!(map.resolve(&btc).unwrap(), &[Venue::Okx, Venue::Bingx, Venue::Kraken]);
    }

    fn market(symbol: &str, status: MarketStatus) -> Market {
        let symbol = sym(symbol);
        Market {
            venue_symbol: symbol.to_string(),
            kind: symbol.kind(),
            symbol,
            status,
            tick_size: Decimal::new(1, 1),
            step_size: Decimal::new(1, 3),
            min_qty: None,
            max_qty: None,
            min_notional: None,
            contract_size: Decimal::ONE,
        }
    }

    #[test]
    fn default_map_from_markets() {
        let okx = vec![
            market("BTC/USDT:USDT", MarketStatus::Trading),
            market("LUNA/USDT:USDT", MarketStatus::Closed),
        ];
        let binance = vec![
            market("BTC/USDT:USDT", MarketStatus::Trading),
            market("ETH/USDT:USDT", MarketStatus::Halted),
        ];
        let map = SymbolMap::from_markets([(Venue::Okx, &okx), (Venue::Binance, &binance)]);
        assert_eq!(
            map.resolve(&sym("BTC/USDT:USDT")).unwrap(),
            &[Venue::Okx, Venue::Binance]
        );
        assert_eq!(map.resolve(&sym("ETH/USDT:USDT")).unwrap(), &[Venue::Binance]);
        assert!(!map.contains(&sym("LUNA/USDT:USDT")));
        assert!(map.symbols().all(|s| s.kind() == MarketKind::LinearPerpetual));
    }
}
