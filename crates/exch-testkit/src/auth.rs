//! Authentication helpers for venue protocols: the key store, the raw request (signatures
//! are computed over exact bytes), the venue-neutral [`AuthFailure`] reasons and a timestamp
//! window check. Each venue protocol computes its own signature (with `exch_core::sign`) and
//! maps an [`AuthFailure`] to its own error code and HTTP status.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, Method};
use bytes::Bytes;

use crate::log::lock;
use crate::state::DEFAULT_ACCOUNT;

/// An API key known to the simulated venue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// The public key.
    pub key: String,
    /// The signing secret.
    pub secret: String,
    /// The passphrase, for venues that have one.
    pub passphrase: Option<String>,
    /// The account of the simulated state that the key trades.
    pub account: String,
}

impl ApiKey {
    /// A key for the [`DEFAULT_ACCOUNT`].
    pub fn new(key: impl Into<String>, secret: impl Into<String>) -> Self {
        ApiKey {
            key: key.into(),
            secret: secret.into(),
            passphrase: None,
            account: DEFAULT_ACCOUNT.to_string(),
        }
    }

    /// Adds a passphrase.
    pub fn with_passphrase(mut self, p: impl Into<String>) -> Self {
        self.passphrase = Some(p.into());
        self
    }

    /// Binds the key to another account.
    pub fn for_account(mut self, account: impl Into<String>) -> Self {
        self.account = account.into();
        self
    }
}

/// The keys a simulated venue accepts. Cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct KeyStore {
    keys: Arc<Mutex<BTreeMap<String, ApiKey>>>,
}

impl KeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a key.
    pub fn add(&self, key: ApiKey) -> &Self {
        lock(&self.keys).insert(key.key.clone(), key);
        self
    }

    /// Removes a key (the venue then answers "unknown key").
    pub fn remove(&self, key: &str) {
        lock(&self.keys).remove(key);
    }

    /// Looks a key up.
    pub fn get(&self, key: &str) -> Option<ApiKey> {
        lock(&self.keys).get(key).cloned()
    }

    /// Looks up `key` (`None`: the header or parameter was absent) and checks the passphrase
    /// when the key has one: the common first half of every venue's verification.
    pub fn lookup(&self, key: Option<&str>, passphrase: Option<&str>) -> Result<ApiKey, AuthFailure> {
        let key = key.filter(|k| !k.is_empty()).ok_or(AuthFailure::MissingKey)?;
        let found = self.get(key).ok_or(AuthFailure::UnknownKey)?;
        if let Some(expected) = &found.passphrase {
            match passphrase {
                None | Some("") => return Err(AuthFailure::MissingPassphrase),
                Some(p) if p != expected => return Err(AuthFailure::BadPassphrase),
                Some(_) => {}
            }
        }
        Ok(found)
    }
}

/// Why a request failed authentication, venue-neutral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthFailure {
    /// No API key was sent.
    MissingKey,
    /// The key is not in the store.
    UnknownKey,
    /// The key has a passphrase and none was sent.
    MissingPassphrase,
    /// The passphrase is wrong.
    BadPassphrase,
    /// No signature was sent.
    MissingSignature,
    /// The signature does not match.
    BadSignature,
    /// No timestamp was sent.
    MissingTimestamp,
    /// The timestamp is outside the accepted window of the server clock.
    TimestampOutsideWindow,
}

impl std::fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AuthFailure::MissingKey => "API key required",
            AuthFailure::UnknownKey => "invalid API key",
            AuthFailure::MissingPassphrase => "passphrase required",
            AuthFailure::BadPassphrase => "invalid passphrase",
            AuthFailure::MissingSignature => "signature required",
            AuthFailure::BadSignature => "invalid signature",
            AuthFailure::MissingTimestamp => "timestamp required",
            AuthFailure::TimestampOutsideWindow => "timestamp outside the receive window",
        })
    }
}

impl std::error::Error for AuthFailure {}

/// Checks a request timestamp against the server time: accepted when
/// `server_now - window_ms <= ts <= server_now + ahead_ms` (venues accept a small lead, e.g.
/// Binance 1000 ms).
pub fn check_timestamp(ts_ms: i64, server_now_ms: i64, window_ms: i64, ahead_ms: i64) -> Result<(), AuthFailure> {
    if ts_ms < server_now_ms.saturating_sub(window_ms) || ts_ms > server_now_ms.saturating_add(ahead_ms) {
        Err(AuthFailure::TimestampOutsideWindow)
    } else {
        Ok(())
    }
}

/// Compares two signatures in constant time with respect to their content.
pub fn signatures_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The request exactly as received: an axum extractor (use it as a handler's last argument)
/// giving the method, path, raw query string and raw body bytes that signatures cover.
#[derive(Debug, Clone)]
pub struct RawRequest {
    /// The method.
    pub method: Method,
    /// The path, without the query.
    pub path: String,
    /// The raw query string (without `?`), empty when absent.
    pub query: String,
    /// The headers.
    pub headers: HeaderMap,
    /// The raw body.
    pub body: Bytes,
}

impl RawRequest {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as text (lossy UTF-8).
    pub fn body_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The first value of a parameter in the query string, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        form_param(&self.query, name)
    }

    /// The first value of a parameter in a form-encoded body, percent-decoded.
    pub fn body_param(&self, name: &str) -> Option<String> {
        form_param(&self.body_str(), name)
    }

    /// A parameter from the query string, else from a form-encoded body (Binance-style
    /// endpoints accept both).
    pub fn param(&self, name: &str) -> Option<String> {
        self.query_param(name).or_else(|| self.body_param(name))
    }

    /// All query and form-body parameters, percent-decoded, in order (query first).
    pub fn params(&self) -> Vec<(String, String)> {
        let mut out = form_pairs(&self.query);
        out.extend(form_pairs(&self.body_str()));
        out
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Parses `a=1&b=2` into decoded pairs (`+` is a space).
pub fn form_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn form_param(s: &str, name: &str) -> Option<String> {
    form_pairs(s).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl<S: Send + Sync> FromRequest<S> for RawRequest {
    type Rejection = axum::response::Response;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let (parts, body) = req.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|e| (axum::http::StatusCode::BAD_REQUEST, e.to_string()).into_response())?;
        Ok(RawRequest {
            method: parts.method,
            path: parts.uri.path().to_string(),
            query: parts.uri.query().unwrap_or("").to_string(),
            headers: parts.headers,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        let pairs = form_pairs("symbol=BTC%2FUSDT&note=a+b&empty=&flag&bad=%zz&cut=%4");
        assert_eq!(
            pairs,
            [
                ("symbol".to_string(), "BTC/USDT".to_string()),
                ("note".into(), "a b".into()),
                ("empty".into(), "".into()),
                ("flag".into(), "".into()),
                ("bad".into(), "%zz".into()),
                ("cut".into(), "%4".into()),
            ]
        );
    }

    #[test]
    fn timestamp_window() {
        assert_eq!(check_timestamp(1_000, 1_000, 5_000, 1_000), Ok(()));
        assert_eq!(check_timestamp(1_000 - 5_000, 1_000, 5_000, 1_000), Ok(()));
        assert_eq!(
            check_timestamp(1_000 - 5_001, 1_000, 5_000, 1_000),
            Err(AuthFailure::TimestampOutsideWindow)
        );
        assert_eq!(
            check_timestamp(2_001, 1_000, 5_000, 1_000),
            Err(AuthFailure::TimestampOutsideWindow)
        );
    }

    #[test]
    fn key_lookup() {
        let keys = KeyStore::new();
        keys.add(ApiKey::new("a", "s"));
        keys.add(ApiKey::new("p", "s").with_passphrase("pp").for_account("acc2"));
        assert_eq!(keys.lookup(None, None), Err(AuthFailure::MissingKey));
        assert_eq!(keys.lookup(Some(""), None), Err(AuthFailure::MissingKey));
        assert_eq!(keys.lookup(Some("zz"), None), Err(AuthFailure::UnknownKey));
        assert_eq!(keys.lookup(Some("a"), None).unwrap().account, crate::DEFAULT_ACCOUNT);
        assert_eq!(keys.lookup(Some("p"), None), Err(AuthFailure::MissingPassphrase));
        assert_eq!(keys.lookup(Some("p"), Some("x")), Err(AuthFailure::BadPassphrase));
        assert_eq!(keys.lookup(Some("p"), Some("pp")).unwrap().account, "acc2");
        keys.remove("a");
        assert_eq!(keys.lookup(Some("a"), None), Err(AuthFailure::UnknownKey));
        assert!(signatures_equal("abc", "abc"));
        assert!(!signatures_equal("abc", "abd"));
        assert!(!signatures_equal("abc", "ab"));
    }
}
