//! The venues this workspace connects to.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};

/// A trading venue (exchange). Lower-case names are the stable identifiers used in
/// configuration, environment variables (`EXCH_<VENUE>_API_KEY`) and the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Venue {
    /// Binance spot and USDⓈ-M futures.
    Binance,
    /// Bybit V5 spot and linear.
    Bybit,
    /// OKX V5 SPOT and SWAP.
    Okx,
    /// Bitget V2 spot and USDT-M futures.
    Bitget,
    /// KuCoin spot and futures.
    Kucoin,
    /// BingX spot and perpetual swap V2.
    Bingx,
    /// Gate.io spot and USDT futures.
    Gate,
    /// HTX (Huobi) spot and linear swaps.
    Htx,
    /// Kraken spot and Kraken Futures.
    Kraken,
}

impl Venue {
    /// Every venue, in a stable order.
    pub const ALL: [Venue; 9] = [
        Venue::Binance,
        Venue::Bybit,
        Venue::Okx,
        Venue::Bitget,
        Venue::Kucoin,
        Venue::Bingx,
        Venue::Gate,
        Venue::Htx,
        Venue::Kraken,
    ];

    /// The lower-case identifier, e.g. `"binance"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Venue::Binance => "binance",
            Venue::Bybit => "bybit",
            Venue::Okx => "okx",
            Venue::Bitget => "bitget",
            Venue::Kucoin => "kucoin",
            Venue::Bingx => "bingx",
            Venue::Gate => "gate",
            Venue::Htx => "htx",
            Venue::Kraken => "kraken",
        }
    }
}

impl fmt::Display for Venue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Venue {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Venue::ALL
            .into_iter()
            .find(|v| {
                v.as_str() == lower
                    || (lower == "gateio" && *v == Venue::Gate)
                    || (lower == "huobi" && *v == Venue::Htx)
            })
            .ok_or_else(|| Error::new(ErrorKind::Config, format!("unknown venue `{s}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for v in Venue::ALL {
            assert_eq!(v.as_str().parse::<Venue>().unwrap(), v);
            assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{v}\""));
        }
        assert_eq!("Huobi".parse::<Venue>().unwrap(), Venue::Htx);
        assert_eq!("nope".parse::<Venue>().unwrap_err().kind(), ErrorKind::Config);
    }
}
