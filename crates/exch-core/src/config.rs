//! Client configuration shared by every venue: credentials, environment, base-URL overrides,
//! timeouts and the signature window. Each venue crate's `config.rs` maps this onto its hosts.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::credentials::Credentials;

/// Which of the venue's environments to talk to. Venues select it by host (and OKX also by a
/// header); a venue without the environment returns a `Config` error at construction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    /// Real money.
    #[default]
    Production,
    /// The venue's testnet.
    Testnet,
    /// The venue's demo-trading environment (Binance demo, OKX simulated trading, BingX VST).
    Demo,
}

/// Configuration for one venue client.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// API credentials; public market data works without them.
    pub credentials: Option<Credentials>,
    /// Production, testnet or demo.
    pub environment: Environment,
    /// Base-URL overrides by API name (each venue documents its names, e.g. Binance `spot` and
    /// `futures`); the name `*` overrides every API of the venue at once (the simulator, a proxy).
    pub base_urls: BTreeMap<String, String>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Signature validity window where the venue has one (Binance `recvWindow`).
    pub recv_window: Duration,
    /// How often the clock offset to the venue is re-measured.
    pub clock_refresh: Duration,
    /// How long loaded markets stay fresh.
    pub markets_ttl: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            credentials: None,
            environment: Environment::Production,
            base_urls: BTreeMap::new(),
            timeout: Duration::from_secs(10),
            recv_window: Duration::from_millis(5000),
            clock_refresh: Duration::from_secs(300),
            markets_ttl: Duration::from_secs(3600),
        }
    }
}

impl ClientConfig {
    /// Default configuration (production, no credentials).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets credentials.
    pub fn credentials(mut self, c: Credentials) -> Self {
        self.credentials = Some(c);
        self
    }

    /// Sets the environment.
    pub fn environment(mut self, e: Environment) -> Self {
        self.environment = e;
        self
    }

    /// Overrides the base URL of one named API (`*` for all of them).
    pub fn base_url(mut self, api: impl Into<String>, url: impl Into<String>) -> Self {
        self.base_urls
            .insert(api.into(), url.into().trim_end_matches('/').to_string());
        self
    }

    /// Sets the request timeout.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// Sets the signature window.
    pub fn recv_window(mut self, w: Duration) -> Self {
        self.recv_window = w;
        self
    }

    /// The URL to use for `api`: an override for that name, else the `*` override, else `default`.
    pub fn url_for(&self, api: &str, default: &str) -> String {
        self.base_urls
            .get(api)
            .or_else(|| self.base_urls.get("*"))
            .cloned()
            .unwrap_or_else(|| default.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_overrides() {
        let c = ClientConfig::new().base_url("futures", "http://127.0.0.1:9/");
        assert_eq!(c.url_for("futures", "https://fapi"), "http://127.0.0.1:9");
        assert_eq!(c.url_for("spot", "https://api"), "https://api");
        let all = ClientConfig::new().base_url("*", "http://127.0.0.1:1");
        assert_eq!(all.url_for("spot", "https://api"), "http://127.0.0.1:1");
    }
}
