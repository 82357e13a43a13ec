//! Scripted fault injection: a queue of rules, each a [`Fault`] with an optional method and
//! path-prefix filter and a number of uses. The server consults the queue for every request
//! (before the venue handler runs) and applies the first matching rule.
//!
//! Clock skew is not a per-request fault: set it with [`crate::SimClock::set_skew_ms`]
//! (`server.clock().set_skew_ms(..)`); the venue's time endpoint and timestamp check both read
//! the skewed clock.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::log::lock;

/// What goes wrong with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Wait this long, then handle the request normally (forces client timeouts when longer
    /// than the client's timeout). The handler may still run after the client gave up, so an
    /// order's fate is timing-dependent: use [`Fault::Hang`] (never placed) or
    /// [`Fault::LoseResponse`] (placed) where a test needs a definite outcome.
    Delay(Duration),
    /// Hold the request this long without running the handler, then drop the connection: a
    /// client timeout where the request certainly had no effect.
    Hang(Duration),
    /// Reply with this status without running the handler, with an optional `Retry-After`
    /// header (seconds) and a body (e.g. 429 rate limited, 418 banned, 503 unavailable).
    Status {
        /// HTTP status.
        status: u16,
        /// `Retry-After` in seconds.
        retry_after: Option<u64>,
        /// Response body (sent as `application/json`).
        body: String,
    },
    /// Reply with this status and body without running the handler: a venue error such as
    /// "execution status unknown" where the order was *not* placed.
    Respond {
        /// HTTP status.
        status: u16,
        /// Response body (sent as `application/json`).
        body: String,
    },
    /// Run the handler (state changes), then replace its response with this status and body:
    /// a venue "status unknown" error where the order *was* placed.
    RespondAfterHandler {
        /// HTTP status.
        status: u16,
        /// Response body (sent as `application/json`).
        body: String,
    },
    /// Run the handler, then replace the body with invalid JSON (status kept).
    Malformed,
    /// Run the handler, then cut its body in half (status kept).
    Truncated,
    /// Drop the connection without any response; the handler does not run.
    Reset,
    /// Run the handler (state changes), hold the response for the given time (longer than
    /// the client's timeout), then drop the connection: "accepted but the response was lost".
    LoseResponse(Duration),
}

impl Fault {
    /// HTTP 429 with `Retry-After: secs`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Fault::Status {
            status: 429,
            retry_after: Some(retry_after_secs),
            body: String::new(),
        }
    }

    /// HTTP 418 (IP banned) with `Retry-After: secs`.
    pub fn banned(retry_after_secs: u64) -> Self {
        Fault::Status {
            status: 418,
            retry_after: Some(retry_after_secs),
            body: String::new(),
        }
    }

    /// A 5xx with a body.
    pub fn server_error(status: u16, body: impl Into<String>) -> Self {
        Fault::Status {
            status,
            retry_after: None,
            body: body.into(),
        }
    }
}

/// A fault with the requests it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// The fault.
    pub fault: Fault,
    /// Only requests with this method (upper case); `None`: any.
    pub method: Option<String>,
    /// Only requests whose path starts with this; `None`: any.
    pub path_prefix: Option<String>,
    /// Only requests to this API (listener) name; `None`: any.
    pub api: Option<String>,
    /// How many more requests it applies to; `None`: forever.
    pub remaining: Option<usize>,
}

impl FaultRule {
    /// A rule for the next request, whatever it is.
    pub fn new(fault: Fault) -> Self {
        FaultRule {
            fault,
            method: None,
            path_prefix: None,
            api: None,
            remaining: Some(1),
        }
    }

    /// Restricts the rule to one method and a path prefix.
    pub fn on(mut self, method: &str, path_prefix: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self.path_prefix = Some(path_prefix.to_string());
        self
    }

    /// Restricts the rule to a path prefix, any method.
    pub fn path(mut self, path_prefix: &str) -> Self {
        self.path_prefix = Some(path_prefix.to_string());
        self
    }

    /// Restricts the rule to one API (listener) name.
    pub fn api(mut self, api: &str) -> Self {
        self.api = Some(api.to_string());
        self
    }

    /// Applies the rule to `n` matching requests.
    pub fn times(mut self, n: usize) -> Self {
        self.remaining = Some(n);
        self
    }

    /// Applies the rule to every matching request until [`Faults::clear`].
    pub fn always(mut self) -> Self {
        self.remaining = None;
        self
    }

    fn matches(&self, api: &str, method: &str, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.path_prefix.as_deref().is_none_or(|p| path.starts_with(p))
            && self.api.as_deref().is_none_or(|a| a == api)
            && self.remaining != Some(0)
    }
}

impl From<Fault> for FaultRule {
    fn from(f: Fault) -> Self {
        FaultRule::new(f)
    }
}

/// The fault script of a server. Cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    rules: Arc<Mutex<Vec<FaultRule>>>,
}

impl Faults {
    /// An empty script.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a rule (a bare [`Fault`] applies once to the next request).
    pub fn push(&self, rule: impl Into<FaultRule>) -> &Self {
        lock(&self.rules).push(rule.into());
        self
    }

    /// Removes every rule.
    pub fn clear(&self) {
        lock(&self.rules).clear();
    }

    /// The number of rules with uses left.
    pub fn pending(&self) -> usize {
        lock(&self.rules).iter().filter(|r| r.remaining != Some(0)).count()
    }

    /// Takes the fault for a request: the first matching rule, whose count goes down by one.
    pub fn take(&self, api: &str, method: &str, path: &str) -> Option<Fault> {
        let mut rules = lock(&self.rules);
        let i = rules.iter().position(|r| r.matches(api, method, path))?;
        let rule = &mut rules[i];
        let fault = rule.fault.clone();
        if let Some(n) = rule.remaining.as_mut() {
            *n -= 1;
            if *n == 0 {
                rules.remove(i);
            }
        }
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_consumed_in_order() {
        let f = Faults::new();
        f.push(FaultRule::new(Fault::Reset).on("post", "/api/v3/order").times(2));
        f.push(Fault::Malformed);
        assert_eq!(f.pending(), 2);
        // The first rule does not match a GET: the catch-all does.
        assert_eq!(f.take("*", "GET", "/api/v3/order"), Some(Fault::Malformed));
        assert_eq!(f.take("*", "POST", "/api/v3/order/test"), Some(Fault::Reset));
        assert_eq!(f.take("*", "POST", "/api/v3/order"), Some(Fault::Reset));
        assert_eq!(f.take("*", "POST", "/api/v3/order"), None);
        assert_eq!(f.pending(), 0);
        f.push(FaultRule::new(Fault::rate_limited(3)).api("futures").always());
        assert_eq!(f.take("spot", "GET", "/"), None);
        for _ in 0..3 {
            assert_eq!(f.take("futures", "GET", "/"), Some(Fault::rate_limited(3)));
        }
        f.clear();
        assert_eq!(f.take("futures", "GET", "/"), None);
    }
}
