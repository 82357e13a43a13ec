//! Unified [`Symbol`] ↔ BingX symbol, from loaded market data.
//!
//! Spot `BTC/USDT` and perpetual `BTC/USDT:USDT` both map to the native `BTC-USDT`; the market
//! kind travels separately (the path prefix `/openApi/spot/` vs `/openApi/swap/`), so a lookup
//! from native to unified always names the kind. A symbol the venue does not list is a
//! `BadSymbol` error: orders for unknown contracts are never sent.

use std::collections::HashMap;

use exch_core::{Error, ErrorKind, Market, MarketKind, Result, Symbol, Venue};

/// The symbol map of one client, built from its loaded markets.
#[derive(Debug, Clone, Default)]
pub struct SymbolMap {
    to_native: HashMap<Symbol, String>,
    to_unified: HashMap<(MarketKind, String), Symbol>,
}

impl SymbolMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// A map over `markets`.
    pub fn from_markets<'a>(markets: impl IntoIterator<Item = &'a Market>) -> Self {
        let mut m = SymbolMap::new();
        m.extend(markets);
        m
    }

    /// Adds `markets` to the map.
    pub fn extend<'a>(&mut self, markets: impl IntoIterator<Item = &'a Market>) {
        for mk in markets {
            self.to_native.insert(mk.symbol.clone(), mk.venue_symbol.clone());
            self.to_unified
                .insert((mk.kind, mk.venue_symbol.clone()), mk.symbol.clone());
        }
    }

    /// Number of mapped markets.
    pub fn len(&self) -> usize {
        self.to_native.len()
    }

    /// True when nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.to_native.is_empty()
    }

    /// The native symbol (`BTC-USDT`) of a listed market; `BadSymbol` when BingX does not list it.
    pub fn native(&self, symbol: &Symbol) -> Result<&str> {
        self.to_native.get(symbol).map(String::as_str).ok_or_else(|| {
            Error::new(
                ErrorKind::BadSymbol,
                format!("{symbol} is not listed on BingX ({})", kind_name(symbol.kind())),
            )
            .with_venue(Venue::Bingx)
        })
    }

    /// The unified symbol of a native one in the market `kind`.
    pub fn unified(&self, kind: MarketKind, native: &str) -> Result<Symbol> {
        self.to_unified
            .get(&(kind, native.to_string()))
            .cloned()
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::BadSymbol,
                    format!("BingX {} market `{native}` is not loaded", kind_name(kind)),
                )
                .with_venue(Venue::Bingx)
            })
    }

    /// Like [`SymbolMap::unified`], but falls back to `hint` when it names the same native
    /// symbol (a single-order response for a symbol the caller already named).
    pub fn unified_or(&self, kind: MarketKind, native: &str, hint: Option<&Symbol>) -> Result<Symbol> {
        match (self.unified(kind, native), hint) {
            (Ok(s), _) => Ok(s),
            (Err(_), Some(h)) if self.to_native.get(h).is_none_or(|n| n == native) => Ok(h.clone()),
            (Err(e), _) => Err(e),
        }
    }
}

fn kind_name(kind: MarketKind) -> &'static str {
    match kind {
        MarketKind::Spot => "spot",
        MarketKind::LinearPerpetual => "perpetual swap",
        MarketKind::InversePerpetual => "coin-margined swap",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exch_core::MarketStatus;
    use rust_decimal::Decimal;

    fn market(sym: &str, native: &str) -> Market {
        let symbol: Symbol = sym.parse().unwrap();
        Market {
            kind: symbol.kind(),
            symbol,
            venue_symbol: native.into(),
            status: MarketStatus::Trading,
            tick_size: Decimal::new(1, 1),
            step_size: Decimal::new(1, 4),
            min_qty: None,
            max_qty: None,
            min_notional: None,
            contract_size: Decimal::ONE,
        }
    }

    #[test]
    fn perp_and_spot_share_native_but_not_unified() {
        let m = SymbolMap::from_markets(&[
            market("BTC/USDT:USDT", "BTC-USDT"),
            market("BTC/USDT", "BTC-USDT"),
            market("1000PEPE/USDT:USDT", "1000PEPE-USDT"),
        ]);
        assert_eq!(m.native(&"BTC/USDT:USDT".parse().unwrap()).unwrap(), "BTC-USDT");
        assert_eq!(m.native(&"BTC/USDT".parse().unwrap()).unwrap(), "BTC-USDT");
        assert_eq!(
            m.unified(MarketKind::LinearPerpetual, "BTC-USDT").unwrap().to_string(),
            "BTC/USDT:USDT"
        );
        assert_eq!(m.unified(MarketKind::Spot, "BTC-USDT").unwrap().to_string(), "BTC/USDT");
        assert_eq!(
            m.unified(MarketKind::LinearPerpetual, "1000PEPE-USDT").unwrap().base(),
            "1000PEPE"
        );
        let e = m.native(&"ETH/USDT:USDT".parse().unwrap()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadSymbol);
        assert!(m.unified(MarketKind::Spot, "1000PEPE-USDT").is_err());
    }
}
