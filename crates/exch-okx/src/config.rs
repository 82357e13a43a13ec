//! OKX hosts per environment, the API names accepted by [`ClientConfig::base_url`], and venue
//! defaults.
//!
//! OKX serves production and demo trading from the same REST host; demo is selected by the
//! `x-simulated-trading: 1` header on every request (and by the `wspap` host on WebSocket).

use exch_core::{ClientConfig, Credentials, Environment, Error, ErrorKind, Result, Venue};

/// The one REST API name: `ClientConfig::base_url("rest", url)` (or `*`) overrides it.
pub const API_REST: &str = "rest";

/// The production (and demo) REST host.
pub const REST_HOST: &str = "https://www.okx.com";

/// Public WebSocket host, production.
pub const WS_PUBLIC: &str = "wss://ws.okx.com:8443/ws/v5/public";
/// Public WebSocket host, demo trading.
pub const WS_PUBLIC_DEMO: &str = "wss://wspap.okx.com:8443/ws/v5/public";
/// Business WebSocket host (candles), production.
pub const WS_BUSINESS: &str = "wss://ws.okx.com:8443/ws/v5/business";
/// Business WebSocket host (candles), demo trading.
pub const WS_BUSINESS_DEMO: &str = "wss://wspap.okx.com:8443/ws/v5/business";

/// The header that selects demo trading.
pub const DEMO_HEADER: &str = "x-simulated-trading";

/// What the client needs from a [`ClientConfig`], resolved once at construction.
#[derive(Debug, Clone)]
pub struct OkxConfig {
    /// REST base URL without a trailing slash.
    pub rest_url: String,
    /// True in demo trading: every request carries `x-simulated-trading: 1`.
    pub demo: bool,
    /// Credentials (key, secret, passphrase), when given.
    pub credentials: Option<Credentials>,
    /// The full client configuration.
    pub client: ClientConfig,
}

impl OkxConfig {
    /// Resolves hosts and checks the configuration: OKX has no testnet (use `Demo`), and a key
    /// without a passphrase cannot sign.
    pub fn from_client(config: ClientConfig) -> Result<Self> {
        let demo = match config.environment {
            Environment::Production => false,
            Environment::Demo => true,
            Environment::Testnet => {
                return Err(Error::new(
                    ErrorKind::Config,
                    "OKX has no testnet; use Environment::Demo (simulated trading)",
                )
                .with_venue(Venue::Okx))
            }
        };
        if let Some(c) = &config.credentials {
            if c.passphrase.is_none() {
                return Err(Error::new(
                    ErrorKind::Config,
                    "OKX credentials need a passphrase (Credentials::with_passphrase)",
                )
                .with_venue(Venue::Okx));
            }
        }
        let rest_url = config.url_for(API_REST, REST_HOST);
        if !(rest_url.starts_with("http://") || rest_url.starts_with("https://")) {
            return Err(
                Error::new(ErrorKind::Config, format!("invalid OKX base URL `{rest_url}`")).with_venue(Venue::Okx),
            );
        }
        Ok(OkxConfig {
            rest_url,
            demo,
            credentials: config.credentials.clone(),
            client: config,
        })
    }

    /// The public WebSocket URL for this environment.
    pub fn ws_public(&self) -> &'static str {
        if self.demo {
            WS_PUBLIC_DEMO
        } else {
            WS_PUBLIC
        }
    }

    /// The business WebSocket URL (candles) for this environment.
    pub fn ws_business(&self) -> &'static str {
        if self.demo {
            WS_BUSINESS_DEMO
        } else {
            WS_BUSINESS
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_overrides() {
        let c = OkxConfig::from_client(ClientConfig::new()).unwrap();
        assert_eq!(c.rest_url, REST_HOST);
        assert!(!c.demo);
        let d = OkxConfig::from_client(
            ClientConfig::new()
                .environment(Environment::Demo)
                .base_url(API_REST, "http://127.0.0.1:9/"),
        )
        .unwrap();
        assert!(d.demo);
        assert_eq!(d.rest_url, "http://127.0.0.1:9");
        assert_eq!(d.ws_public(), WS_PUBLIC_DEMO);
        let all = OkxConfig::from_client(ClientConfig::new().base_url("*", "http://127.0.0.1:7")).unwrap();
        assert_eq!(all.rest_url, "http://127.0.0.1:7");
    }

    #[test]
    fn rejects_testnet_and_missing_passphrase() {
        let e = OkxConfig::from_client(ClientConfig::new().environment(Environment::Testnet)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        let e = OkxConfig::from_client(ClientConfig::new().credentials(Credentials::new("k", "s"))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(OkxConfig::from_client(
            ClientConfig::new().credentials(Credentials::new("k", "s").with_passphrase("p"))
        )
        .is_ok());
    }
}
