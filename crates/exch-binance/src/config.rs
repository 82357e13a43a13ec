//! Binance hosts per environment, the API names accepted by [`ClientConfig::base_url`], and
//! venue defaults.
//!
//! Binance has two REST APIs with their own hosts: spot (`/api/v3`) and USDⓈ-M futures
//! (`/fapi`). Testnet and demo trading are selected only by host (binance.md §1).

use exch_core::{ClientConfig, Environment};
use serde::Serialize;

/// The API name for spot in [`ClientConfig::base_url`].
pub const API_SPOT: &str = "spot";
/// The API name for USDⓈ-M futures in [`ClientConfig::base_url`].
pub const API_FUTURES: &str = "futures";

/// The default `recvWindow` in milliseconds (binance.md §2).
pub const DEFAULT_RECV_WINDOW_MS: u64 = 5000;
/// The largest `recvWindow` spot accepts, in milliseconds.
pub const MAX_RECV_WINDOW_MS: u64 = 60_000;

/// Largest kline page on spot (`/api/v3/klines`).
pub const SPOT_MAX_KLINES: usize = 1000;
/// Largest kline page on futures (`/fapi/v1/klines`).
pub const FUTURES_MAX_KLINES: usize = 1500;
/// Largest recent-trades page on both APIs.
pub const MAX_TRADES: usize = 1000;
/// Largest order-history page on both APIs.
pub const MAX_ORDERS: usize = 1000;
/// Largest income page on futures.
pub const MAX_INCOME: usize = 1000;
/// The depths `/fapi/v1/depth` accepts.
pub const FUTURES_DEPTHS: [usize; 7] = [5, 10, 20, 50, 100, 500, 1000];
/// The largest depth `/api/v3/depth` accepts.
pub const SPOT_MAX_DEPTH: usize = 5000;

/// One of Binance's two REST APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Api {
    /// Spot, `/api/v3/*`.
    Spot,
    /// USDⓈ-M futures, `/fapi/*`.
    Futures,
}

impl Api {
    /// Both APIs.
    pub const ALL: [Api; 2] = [Api::Spot, Api::Futures];

    /// The name used in [`ClientConfig::base_url`].
    pub const fn name(self) -> &'static str {
        match self {
            Api::Spot => API_SPOT,
            Api::Futures => API_FUTURES,
        }
    }

    /// The API that trades `kind`; `None` for kinds this crate does not trade (inverse).
    pub fn for_kind(kind: exch_core::MarketKind) -> Option<Api> {
        match kind {
            exch_core::MarketKind::Spot => Some(Api::Spot),
            exch_core::MarketKind::LinearPerpetual => Some(Api::Futures),
            exch_core::MarketKind::InversePerpetual => None,
        }
    }

    /// The default REST host of this API in `env` (binance.md §1).
    pub const fn default_host(self, env: Environment) -> &'static str {
        match (self, env) {
            (Api::Spot, Environment::Production) => "https://api.binance.com",
            (Api::Spot, Environment::Testnet) => "https://testnet.binance.vision",
            (Api::Spot, Environment::Demo) => "https://demo-api.binance.com",
            (Api::Futures, Environment::Production) => "https://fapi.binance.com",
            (Api::Futures, Environment::Testnet) => "https://testnet.binancefuture.com",
            (Api::Futures, Environment::Demo) => "https://demo-fapi.binance.com",
        }
    }

    /// The base URL to use for this API: an override from `config` (by API name, or `*`), else
    /// the host of the configured environment.
    pub fn base_url(self, config: &ClientConfig) -> String {
        config.url_for(self.name(), self.default_host(config.environment))
    }
}

/// The `recvWindow` to send, in ms: the configured window, capped at the spot maximum.
pub fn recv_window_ms(config: &ClientConfig) -> u64 {
    let ms = u64::try_from(config.recv_window.as_millis()).unwrap_or(MAX_RECV_WINDOW_MS);
    ms.clamp(1, MAX_RECV_WINDOW_MS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn hosts_per_environment() {
        let c = |e| ClientConfig::new().environment(e);
        assert_eq!(
            Api::Spot.base_url(&c(Environment::Production)),
            "https://api.binance.com"
        );
        assert_eq!(
            Api::Futures.base_url(&c(Environment::Production)),
            "https://fapi.binance.com"
        );
        assert_eq!(
            Api::Spot.base_url(&c(Environment::Testnet)),
            "https://testnet.binance.vision"
        );
        assert_eq!(
            Api::Futures.base_url(&c(Environment::Testnet)),
            "https://testnet.binancefuture.com"
        );
        assert_eq!(
            Api::Spot.base_url(&c(Environment::Demo)),
            "https://demo-api.binance.com"
        );
        assert_eq!(
            Api::Futures.base_url(&c(Environment::Demo)),
            "https://demo-fapi.binance.com"
        );
    }

    #[test]
    fn overrides_by_name_and_star() {
        let cfg = ClientConfig::new().base_url("futures", "http://127.0.0.1:1/");
        assert_eq!(Api::Futures.base_url(&cfg), "http://127.0.0.1:1");
        assert_eq!(Api::Spot.base_url(&cfg), "https://api.binance.com");
        let all = ClientConfig::new().base_url("*", "http://127.0.0.1:2");
        assert_eq!(Api::Spot.base_url(&all), "http://127.0.0.1:2");
        assert_eq!(Api::Futures.base_url(&all), "http://127.0.0.1:2");
    }

    #[test]
    fn recv_window_is_configurable_and_capped() {
        assert_eq!(recv_window_ms(&ClientConfig::new()), DEFAULT_RECV_WINDOW_MS);
        let c = ClientConfig::new().recv_window(Duration::from_millis(10_000));
        assert_eq!(recv_window_ms(&c), 10_000);
        let c = ClientConfig::new().recv_window(Duration::from_secs(600));
        assert_eq!(recv_window_ms(&c), MAX_RECV_WINDOW_MS);
    }
}
