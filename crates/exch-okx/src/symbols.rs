//! Unified [`Symbol`] ↔ OKX `instId`, from loaded instrument data.
//!
//! Spot instruments carry `baseCcy`/`quoteCcy`; swaps leave them empty and carry
//! `instFamily`/`uly` (`BTC-USDT`) and `settleCcy`, so `BTC-USDT-SWAP` with `settleCcy=USDT`
//! becomes `BTC/USDT:USDT`. Lookups go through [`MarketMap`], built from the venue's own list;
//! an id or symbol it does not hold is a `BadSymbol` error, never a guess.

use std::collections::HashMap;

use exch_core::{Error, ErrorKind, Market, MarketKind, Result, Symbol, Venue};

use crate::wire::Instrument;

/// The unified symbol of an instrument; `None` for kinds outside SPOT and SWAP or for records
/// without the currencies needed.
pub fn unified_symbol(inst: &Instrument) -> Option<Symbol> {
    match inst.inst_type.as_str() {
        "SPOT" => Symbol::spot(&inst.base_ccy, &inst.quote_ccy).ok(),
        "SWAP" => {
            let family = if inst.inst_family.is_empty() {
                &inst.uly
            } else {
                &inst.inst_family
            };
            let (base, quote) = family.split_once('-')?;
            Symbol::perpetual(base, quote, &inst.settle_ccy).ok()
        }
        _ => None,
    }
}

/// The OKX `instType` for a market kind.
pub fn inst_type(kind: MarketKind) -> &'static str {
    match kind {
        MarketKind::Spot => "SPOT",
        MarketKind::LinearPerpetual | MarketKind::InversePerpetual => "SWAP",
    }
}

/// Loaded markets indexed both ways.
#[derive(Debug, Clone, Default)]
pub struct MarketMap {
    markets: Vec<Market>,
    by_symbol: HashMap<Symbol, usize>,
    by_id: HashMap<String, usize>,
}

impl MarketMap {
    /// Indexes `markets` (later entries with the same symbol replace earlier ones).
    pub fn new(markets: Vec<Market>) -> Self {
        let mut map = MarketMap::default();
        map.extend(markets);
        map
    }

    /// Adds or replaces markets.
    pub fn extend(&mut self, markets: impl IntoIterator<Item = Market>) {
        for m in markets {
            if let Some(&i) = self.by_symbol.get(&m.symbol) {
                self.by_id.insert(m.venue_symbol.clone(), i);
                self.markets[i] = m;
            } else {
                let i = self.markets.len();
                self.by_symbol.insert(m.symbol.clone(), i);
                self.by_id.insert(m.venue_symbol.clone(), i);
                self.markets.push(m);
            }
        }
    }

    /// Every market.
    pub fn all(&self) -> &[Market] {
        &self.markets
    }

    /// True when no market of `kind` is loaded.
    pub fn lacks(&self, kind: MarketKind) -> bool {
        !self.markets.iter().any(|m| m.kind == kind)
    }

    /// The market of a unified symbol.
    pub fn market(&self, symbol: &Symbol) -> Result<&Market> {
        self.by_symbol.get(symbol).map(|&i| &self.markets[i]).ok_or_else(|| {
            Error::new(ErrorKind::BadSymbol, format!("{symbol} is not listed on OKX")).with_venue(Venue::Okx)
        })
    }

    /// The market of an OKX `instId`.
    pub fn by_inst_id(&self, inst_id: &str) -> Result<&Market> {
        self.by_id.get(inst_id).map(|&i| &self.markets[i]).ok_or_else(|| {
            Error::new(ErrorKind::BadSymbol, format!("unknown OKX instrument `{inst_id}`")).with_venue(Venue::Okx)
        })
    }

    /// The `instId` of a unified symbol.
    pub fn inst_id(&self, symbol: &Symbol) -> Result<&str> {
        self.market(symbol).map(|m| m.venue_symbol.as_str())
    }

    /// The unified symbol of an `instId`.
    pub fn symbol(&self, inst_id: &str) -> Result<&Symbol> {
        self.by_inst_id(inst_id).map(|m| &m.symbol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(t: &str, id: &str, base: &str, quote: &str, family: &str, settle: &str) -> Instrument {
        Instrument {
            inst_type: t.into(),
            inst_id: id.into(),
            base_ccy: base.into(),
            quote_ccy: quote.into(),
            inst_family: family.into(),
            settle_ccy: settle.into(),
            ..Instrument::default()
        }
    }

    #[test]
    fn spot_and_swap_symbols() {
        let s = unified_symbol(&inst("SPOT", "BTC-USDT", "BTC", "USDT", "", "")).unwrap();
        assert_eq!(s.to_string(), "BTC/USDT");
        let p = unified_symbol(&inst("SWAP", "BTC-USDT-SWAP", "", "", "BTC-USDT", "USDT")).unwrap();
        assert_eq!(p.to_string(), "BTC/USDT:USDT");
        assert_eq!(p.kind(), MarketKind::LinearPerpetual);
        let i = unified_symbol(&inst("SWAP", "BTC-USD-SWAP", "", "", "BTC-USD", "BTC")).unwrap();
        assert_eq!(i.to_string(), "BTC/USD:BTC");
        let mut uly_only = inst("SWAP", "ETH-USDT-SWAP", "", "", "", "USDT");
        uly_only.uly = "ETH-USDT".into();
        assert_eq!(unified_symbol(&uly_only).unwrap().to_string(), "ETH/USDT:USDT");
        assert!(unified_symbol(&inst("FUTURES", "BTC-USDT-250926", "", "", "BTC-USDT", "USDT")).is_none());
        assert!(unified_symbol(&inst("SWAP", "X", "", "", "", "USDT")).is_none());
    }

    #[test]
    fn inst_types() {
        assert_eq!(inst_type(MarketKind::Spot), "SPOT");
        assert_eq!(inst_type(MarketKind::LinearPerpetual), "SWAP");
    }
}
