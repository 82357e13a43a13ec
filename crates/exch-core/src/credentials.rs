//! API credentials whose secrets never show in `Debug`, `Display` or logs.

use std::fmt;

/// A string that prints as `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself, for signing. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// API key, secret and (OKX, KuCoin, Bitget) passphrase.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The public API key (shown in full: it is sent in headers anyway).
    pub api_key: String,
    /// The signing secret.
    pub secret: Secret,
    /// The passphrase, where the venue has one.
    pub passphrase: Option<Secret>,
}

impl Credentials {
    /// Key and secret.
    pub fn new(api_key: impl Into<String>, secret: impl Into<String>) -> Self {
        Credentials {
            api_key: api_key.into(),
            secret: Secret::new(secret),
            passphrase: None,
        }
    }

    /// Adds a passphrase.
    pub fn with_passphrase(mut self, passphrase: impl Into<String>) -> Self {
        self.passphrase = Some(Secret::new(passphrase));
        self
    }

    /// Reads `EXCH_<VENUE>_API_KEY`, `EXCH_<VENUE>_API_SECRET` and `EXCH_<VENUE>_PASSPHRASE`;
    /// `None` when key or secret is missing.
    pub fn from_env(venue: crate::Venue) -> Option<Self> {
        let prefix = format!("EXCH_{}_", venue.as_str().to_ascii_uppercase());
        let key = std::env::var(format!("{prefix}API_KEY"))
            .ok()
            .filter(|s| !s.is_empty())?;
        let secret = std::env::var(format!("{prefix}API_SECRET"))
            .ok()
            .filter(|s| !s.is_empty())?;
        let mut c = Credentials::new(key, secret);
        if let Ok(p) = std::env::var(format!("{prefix}PASSPHRASE")) {
            if !p.is_empty() {
                c = c.with_passphrase(p);
            }
        }
        Some(c)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("api_key", &self.api_key)
            .field("secret", &self.secret)
            .field("passphrase", &self.passphrase)
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key {} (secret <redacted>)", self.api_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shows_secret_or_passphrase() {
        let c = Credentials::new("KEY123", "s3cr3t-value").with_passphrase("pa55phrase");
        for shown in [
            format!("{c:?}"),
            format!("{c:#?}"),
            c.to_string(),
            format!("{:?}", c.secret),
            c.secret.to_string(),
        ] {
            assert!(!shown.contains("s3cr3t-value"), "{shown}");
            assert!(!shown.contains("pa55phrase"), "{shown}");
        }
        assert!(format!("{c:?}").contains("KEY123"));
        assert!(format!("{c:?}").contains("<redacted>"));
        assert_eq!(c.secret.expose(), "s3cr3t-value");
    }
}
