//! BingX hosts per environment, the API name for `ClientConfig::base_url`, and venue defaults.
//!
//! Spot and perpetual swap share one REST host. The demo environment ("VST", virtual USDT) is
//! selected by host only (no header) and covers the perpetual swap; BingX has no testnet.

use std::time::Duration;

use exch_core::{ClientConfig, Environment, Error, ErrorKind, Result, Venue};

/// The API name to override with [`ClientConfig::base_url`] (`*` overrides it too).
pub const API_REST: &str = "rest";

/// Production REST host (spot and swap).
pub const PROD_REST: &str = "https://open-api.bingx.com";

/// Backup production host; BingX opens it only when the main host has problems (60 req/min).
pub const BACKUP_REST: &str = "https://open-api.bingx.io";

/// Demo (VST) REST host: same paths as production, perpetual swap only.
pub const VST_REST: &str = "https://open-api-vst.bingx.com";

/// BingX's documented total request budget used for the client limiter: 1200 requests per
/// minute per IP (market-data group 1000/min plus account/trade traffic, see `bingx.md` §5).
pub const REQUESTS_PER_MINUTE: u32 = 1200;

/// Market-data group budget per IP: 500 requests per 10 s and 1000 per minute.
pub const MARKET_PER_MINUTE: u32 = 1000;

/// How long contract and symbol lists stay fresh (one hour).
pub const DISCOVERY_TTL: Duration = Duration::from_secs(3600);

/// Default `recvWindow` in milliseconds (BingX's own default is 5000 ms).
pub const DEFAULT_RECV_WINDOW_MS: u64 = 5000;

/// Header carrying the API key.
pub const API_KEY_HEADER: &str = "X-BX-APIKEY";

/// The default REST host for an environment; `Testnet` is a `Config` error (BingX has none).
pub fn default_rest_host(env: Environment) -> Result<&'static str> {
    match env {
        Environment::Production => Ok(PROD_REST),
        Environment::Demo => Ok(VST_REST),
        Environment::Testnet => Err(Error::new(
            ErrorKind::Config,
            "BingX has no testnet; use Environment::Demo (VST host open-api-vst.bingx.com)",
        )
        .with_venue(Venue::Bingx)),
    }
}

/// The REST base URL for `config`: an override (`rest`, then `*`) or the environment's host.
pub fn rest_base_url(config: &ClientConfig) -> Result<String> {
    if let Some(u) = config.base_urls.get(API_REST).or_else(|| config.base_urls.get("*")) {
        return Ok(u.clone());
    }
    Ok(default_rest_host(config.environment)?.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_per_environment() {
        assert_eq!(rest_base_url(&ClientConfig::new()).unwrap(), PROD_REST);
        let demo = ClientConfig::new().environment(Environment::Demo);
        assert_eq!(rest_base_url(&demo).unwrap(), "https://open-api-vst.bingx.com");
        let testnet = ClientConfig::new().environment(Environment::Testnet);
        assert_eq!(rest_base_url(&testnet).unwrap_err().kind(), ErrorKind::Config);
    }

    #[test]
    fn overrides_win() {
        let c = ClientConfig::new().base_url("rest", "http://127.0.0.1:9/");
        assert_eq!(rest_base_url(&c).unwrap(), "http://127.0.0.1:9");
        let all = ClientConfig::new()
            .environment(Environment::Testnet)
            .base_url("*", "http://127.0.0.1:1");
        assert_eq!(rest_base_url(&all).unwrap(), "http://127.0.0.1:1");
    }
}
