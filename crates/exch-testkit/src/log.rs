//! The request log: every request the simulated server received, in order, with its exact
//! method, path, raw query, body and headers, for tests to assert on.

use std::sync::{Arc, Mutex};

use serde::Serialize;

/// One received request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedRequest {
    /// The API (listener) name that received it, e.g. `spot` or `futures`.
    pub api: String,
    /// HTTP method, upper case.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The raw query string as sent (without `?`), if any.
    pub query: Option<String>,
    /// The raw body as text (lossy UTF-8).
    pub body: String,
    /// Headers in the order received, names lower case.
    pub headers: Vec<(String, String)>,
    /// Server time (with skew) when it arrived.
    pub time_ms: i64,
    /// The fault applied to it, if any (its `Debug` form).
    pub fault: Option<String>,
}

impl LoggedRequest {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first value of query parameter `name` (percent-decoding not applied).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        param(self.query.as_deref()?, name)
    }

    /// The first value of form parameter `name` in a form-encoded body.
    pub fn body_param(&self, name: &str) -> Option<&str> {
        param(&self.body, name)
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }
}

fn param<'a>(s: &'a str, name: &str) -> Option<&'a str> {
    s.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (k == name).then_some(v)
    })
}

/// The shared request log of a simulated server. Cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct RequestLog {
    entries: Arc<Mutex<Vec<LoggedRequest>>>,
}

impl RequestLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn push(&self, entry: LoggedRequest) {
        lock(&self.entries).push(entry);
    }

    /// Every request so far, oldest first.
    pub fn entries(&self) -> Vec<LoggedRequest> {
        lock(&self.entries).clone()
    }

    /// The requests with this method and exact path.
    pub fn find(&self, method: &str, path: &str) -> Vec<LoggedRequest> {
        lock(&self.entries)
            .iter()
            .filter(|e| e.method.eq_ignore_ascii_case(method) && e.path == path)
            .cloned()
            .collect()
    }

    /// How many requests had this method and exact path.
    pub fn count(&self, method: &str, path: &str) -> usize {
        lock(&self.entries)
            .iter()
            .filter(|e| e.method.eq_ignore_ascii_case(method) && e.path == path)
            .count()
    }

    /// The most recent request.
    pub fn last(&self) -> Option<LoggedRequest> {
        lock(&self.entries).last().cloned()
    }

    /// The number of requests so far.
    pub fn len(&self) -> usize {
        lock(&self.entries).len()
    }

    /// True when no request arrived yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        lock(&self.entries).clear();
    }
}

/// Locks a mutex, recovering from poisoning (a panicking test thread must not hide the log).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
