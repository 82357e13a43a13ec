//! Connecting to a venue from the command line: credentials from the environment, `--testnet`,
//! `--base-url`, or `--sim` (the venue's simulator, started in-process).

use std::sync::Arc;

use exch::{ClientConfig, Credentials, Environment, Exchange, Venue};

use crate::cli::Global;
use crate::failure::Failure;

/// A connected client; owns the simulator when `--sim` started one.
#[derive(Debug)]
pub struct Session {
    /// The client.
    pub ex: Arc<dyn Exchange>,
    /// Keeps the simulator running.
    _sim: Option<exch::sim::SimVenue>,
}

/// The client configuration the flags and the environment describe (without `--sim`).
pub fn config(venue: Venue, global: &Global) -> ClientConfig {
    let mut cfg = ClientConfig::new();
    if let Some(c) = Credentials::from_env(venue) {
        cfg = cfg.credentials(c);
    }
    if global.testnet {
        cfg = cfg.environment(Environment::Testnet);
    }
    for (api, url) in &global.base_url {
        cfg = cfg.base_url(api.as_str(), url.as_str());
    }
    cfg
}

/// Connects to `venue` as the flags say.
pub async fn open(venue: Venue, global: &Global) -> Result<Session, Failure> {
    if global.sim {
        if global.testnet || !global.base_url.is_empty() {
            return Err(Failure::Usage(
                "--sim cannot be combined with --testnet or --base-url".to_string(),
            ));
        }
        let sim = exch::sim::start(venue).await?;
        let ex = sim.connect()?;
        return Ok(Session { ex, _sim: Some(sim) });
    }
    let ex = exch::connect(venue, config(venue, global))?;
    Ok(Session { ex, _sim: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_shape_the_config() {
        let g = Global {
            json: false,
            testnet: true,
            base_url: vec![
                ("*".to_string(), "http://127.0.0.1:1".to_string()),
                ("futures".to_string(), "http://127.0.0.1:2".to_string()),
            ],
            sim: false,
        };
        let c = config(Venue::Kraken, &g);
        assert_eq!(c.environment, Environment::Testnet);
        assert_eq!(c.url_for("spot", "https://x"), "http://127.0.0.1:1");
        assert_eq!(c.url_for("futures", "https://x"), "http://127.0.0.1:2");
    }
}
