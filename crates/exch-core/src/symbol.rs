//! Unified symbols: `BASE/QUOTE` for spot, `BASE/QUOTE:SETTLE` for perpetual swaps.
//!
//! The market kind is part of the symbol: `BTC/USDT` can never resolve to the perpetual
//! `BTC/USDT:USDT`. Parsing is strict: upper-case alphanumeric asset codes, no expiry suffix.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, ErrorKind};

/// What a symbol trades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarketKind {
    /// Spot: buy and sell the base asset for the quote asset.
    Spot,
    /// Perpetual swap margined and settled in the quote asset (USDT-margined).
    LinearPerpetual,
    /// Perpetual swap margined and settled in the base asset (coin-margined).
    InversePerpetual,
}

impl MarketKind {
    /// True for either kind of perpetual swap.
    pub const fn is_perpetual(self) -> bool {
        !matches!(self, MarketKind::Spot)
    }
}

impl fmt::Display for MarketKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MarketKind::Spot => "spot",
            MarketKind::LinearPerpetual => "linear_perpetual",
            MarketKind::InversePerpetual => "inverse_perpetual",
        })
    }
}

/// A unified market symbol, e.g. `BTC/USDT` or `BTC/USDT:USDT`.
///
/// Cheap to clone (one shared, immutable string): parsers clone the symbol into every row they
/// produce. Equality and hashing are those of the canonical text; ordering is by base, then
/// quote, then settlement asset (spot before perpetual).
#[derive(Clone)]
pub struct Symbol {
    /// The canonical text, `BASE/QUOTE` or `BASE/QUOTE:SETTLE`.
    repr: Arc<str>,
    /// Index of the `/`.
    slash: usize,
    /// Index of the `:`, if a perpetual.
    colon: Option<usize>,
}

impl PartialEq for Symbol {
    fn eq(&self, other: &Self) -> bool {
        self.repr == other.repr
    }
}

impl Eq for Symbol {}

impl std::hash::Hash for Symbol {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.repr.hash(state);
    }
}

impl PartialOrd for Symbol {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Symbol {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.base(), self.quote(), self.settle()).cmp(&(other.base(), other.quote(), other.settle()))
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Symbol")
            .field("base", &self.base())
            .field("quote", &self.quote())
            .field("settle", &self.settle())
            .finish()
    }
}

fn valid_asset(s: &str) -> bool {
    !s.is_empty() && s.len() <= 32 && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

impl Symbol {
    /// A spot symbol `BASE/QUOTE`. Asset codes are upper-cased.
    pub fn spot(base: &str, quote: &str) -> Result<Self, Error> {
        Self::build(base, quote, None)
    }

    /// A perpetual swap symbol `BASE/QUOTE:SETTLE`. Asset codes are upper-cased.
    pub fn perpetual(base: &str, quote: &str, settle: &str) -> Result<Self, Error> {
        Self::build(base, quote, Some(settle))
    }

    /// A USDT-margined (linear) perpetual `BASE/QUOTE:QUOTE`.
    pub fn linear(base: &str, quote: &str) -> Result<Self, Error> {
        Self::build(base, quote, Some(quote))
    }

    fn build(base: &str, quote: &str, settle: Option<&str>) -> Result<Self, Error> {
        let base = base.trim().to_ascii_uppercase();
        let quote = quote.trim().to_ascii_uppercase();
        let settle = settle.map(|s| s.trim().to_ascii_uppercase());
        if !valid_asset(&base) || !valid_asset(&quote) || settle.as_deref().is_some_and(|s| !valid_asset(s)) {
            let shown = match &settle {
                Some(s) => format!("{base}/{quote}:{s}"),
                None => format!("{base}/{quote}"),
            };
            return Err(Error::new(
                ErrorKind::BadSymbol,
                format!("invalid asset code in `{shown}`"),
            ));
        }
        let slash = base.len();
        let (repr, colon) = match settle {
            Some(s) => (format!("{base}/{quote}:{s}"), Some(slash + 1 + quote.len())),
            None => (format!("{base}/{quote}"), None),
        };
        Ok(Symbol {
            repr: repr.into(),
            slash,
            colon,
        })
    }

    /// The base asset, e.g. `BTC`.
    pub fn base(&self) -> &str {
        &self.repr[..self.slash]
    }

    /// The quote asset, e.g. `USDT`.
    pub fn quote(&self) -> &str {
        &self.repr[self.slash + 1..self.colon.unwrap_or(self.repr.len())]
    }

    /// The settlement asset of a perpetual, `None` for spot.
    pub fn settle(&self) -> Option<&str> {
        self.colon.map(|c| &self.repr[c + 1..])
    }

    /// The canonical text, `BASE/QUOTE` or `BASE/QUOTE:SETTLE` (what `Display` prints).
    pub fn as_str(&self) -> &str {
        &self.repr
    }

    /// The market kind this symbol names.
    pub fn kind(&self) -> MarketKind {
        match self.settle() {
            None => MarketKind::Spot,
            Some(s) if s == self.quote() => MarketKind::LinearPerpetual,
            Some(_) => MarketKind::InversePerpetual,
        }
    }

    /// True for a spot symbol.
    pub fn is_spot(&self) -> bool {
        self.colon.is_none()
    }

    /// True for a perpetual swap symbol.
    pub fn is_perpetual(&self) -> bool {
        self.colon.is_some()
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repr)
    }
}

impl FromStr for Symbol {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            Error::new(
                ErrorKind::BadSymbol,
                format!("`{s}` is not a unified symbol (BASE/QUOTE or BASE/QUOTE:SETTLE)"),
            )
        };
        let (pair, settle) = match s.split_once(':') {
            Some((pair, settle)) => (pair, Some(settle)),
            None => (s, None),
        };
        let (base, quote) = pair.split_once('/').ok_or_else(bad)?;
        if quote.contains('/') || settle.is_some_and(|x| x.contains(':') || x.contains('-')) {
            return Err(bad());
        }
        Symbol::build(base, quote, settle).map_err(|_| bad())
    }
}

impl Serialize for Symbol {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.repr)
    }
}

impl<'de> Deserialize<'de> for Symbol {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_spot_and_perp() {
        let s: Symbol = "BTC/USDT".parse().unwrap();
        assert_eq!(s.kind(), MarketKind::Spot);
        assert_eq!((s.base(), s.quote(), s.settle()), ("BTC", "USDT", None));
        let p: Symbol = "BTC/USDT:USDT".parse().unwrap();
        assert_eq!(p.kind(), MarketKind::LinearPerpetual);
        assert_ne!(s, p, "spot never equals perp");
        let i: Symbol = "BTC/USD:BTC".parse().unwrap();
        assert_eq!(i.kind(), MarketKind::InversePerpetual);
        assert_eq!("1000PEPE/USDT:USDT".parse::<Symbol>().unwrap().base(), "1000PEPE");
        assert_eq!("btc/usdt".parse::<Symbol>().unwrap().to_string(), "BTC/USDT");
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "BTCUSDT",
            "BTC/",
            "/USDT",
            "BTC/USDT:",
            "BTC/USDT:USDT-250926",
            "BTC/USDT/ETH",
            "BTC-X/USDT",
            "BTC/USDT:USDT:USDT",
        ] {
            let e = bad.parse::<Symbol>().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::BadSymbol, "{bad}");
        }
    }

    #[test]
    fn order_debug_and_accessors() {
        let mut v: Vec<Symbol> = ["BTC/USDT:USDT", "BTC/USDT", "BTC/USD0", "BTC/USD:BTC", "ETH/BTC"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        v.sort();
        let shown: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            shown,
            ["BTC/USD:BTC", "BTC/USD0", "BTC/USDT", "BTC/USDT:USDT", "ETH/BTC"]
        );
        let p: Symbol = "ETH/USDT:USDT".parse().unwrap();
        assert_eq!(
            format!("{p:?}"),
            r#"Symbol { base: "ETH", quote: "USDT", settle: Some("USDT") }"#
        );
        assert_eq!(
            (p.base(), p.quote(), p.settle(), p.as_str()),
            ("ETH", "USDT", Some("USDT"), "ETH/USDT:USDT")
        );
        assert_eq!(p.clone(), p);
    }

    #[test]
    fn serde_is_the_display_form() {
        let p: Symbol = "ETH/USDT:USDT".parse().unwrap();
        let j = serde_json::to_string(&p).unwrap();
        assert_eq!(j, "\"ETH/USDT:USDT\"");
        assert_eq!(serde_json::from_str::<Symbol>(&j).unwrap(), p);
        assert!(serde_json::from_str::<Symbol>("\"ETHUSDT\"").is_err());
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(base in "[A-Z0-9]{1,10}", quote in "[A-Z0-9]{1,6}", perp in any::<bool>()) {
            let s = if perp { Symbol::linear(&base, &quote).unwrap() } else { Symbol::spot(&base, &quote).unwrap() };
            let back: Symbol = s.to_string().parse().unwrap();
            prop_assert_eq!(back, s);
        }

        #[test]
        fn parse_never_panics(s in ".{0,40}") {
            let _ = s.parse::<Symbol>();
        }
    }
}
