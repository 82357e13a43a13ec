//! Per-venue health as the router sees it: reachable, server-time offset, last latency, last
//! error. Updated on every call the router makes; [`crate::Router::probe`] refreshes it.

use std::time::Duration;

use exch_core::{Error, ErrorKind, TimestampMs, Venue};
use serde::{Deserialize, Serialize};

use crate::results::ErrorReport;

/// The health summary of one venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueStatus {
    /// The venue.
    pub venue: Venue,
    /// Whether the last call got an answer from the venue (even an error answer). `None` until
    /// the first call. Network failures, timeouts and `Unavailable` make it `false`.
    pub reachable: Option<bool>,
    /// Venue clock minus local clock in ms, measured at the RTT midpoint by the last probe.
    pub server_time_offset_ms: Option<i64>,
    /// Duration of the last call in ms (a timed-out call counts the full timeout).
    pub last_latency_ms: Option<u64>,
    /// The operation of the last call, e.g. `tickers`.
    pub last_operation: Option<String>,
    /// The last error, kept after later successes.
    pub last_error: Option<ErrorReport>,
    /// Local time of the last error.
    pub last_error_at: Option<TimestampMs>,
    /// Local time of the last success.
    pub last_ok_at: Option<TimestampMs>,
    /// Calls made.
    pub calls: u64,
    /// Calls that failed.
    pub failures: u64,
}

impl VenueStatus {
    /// The status of a venue nothing has been asked of yet.
    pub fn new(venue: Venue) -> Self {
        VenueStatus {
            venue,
            reachable: None,
            server_time_offset_ms: None,
            last_latency_ms: None,
            last_operation: None,
            last_error: None,
            last_error_at: None,
            last_ok_at: None,
            calls: 0,
            failures: 0,
        }
    }

    /// Records the outcome of one call.
    pub fn record(&mut self, operation: &str, latency: Duration, error: Option<&Error>, now: TimestampMs) {
        self.calls += 1;
        self.last_operation = Some(operation.to_string());
        self.last_latency_ms = Some(u64::try_from(latency.as_millis()).unwrap_or(u64::MAX));
        match error {
            None => {
                self.reachable = Some(true);
                self.last_ok_at = Some(now);
            }
            Some(e) => {
                self.failures += 1;
                self.reachable = Some(!is_unreachable(e.kind()));
                self.last_error = Some(ErrorReport::of(e));
                self.last_error_at = Some(now);
            }
        }
    }
}

/// The error kinds that mean "no answer from the venue".
fn is_unreachable(kind: ErrorKind) -> bool {
    matches!(kind, ErrorKind::Network | ErrorKind::Timeout | ErrorKind::Unavailable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_outcomes() {
        let mut s = VenueStatus::new(Venue::Okx);
        assert_eq!(s.reachable, None);
        s.record("tickers", Duration::from_millis(40), None, 1_000);
        assert_eq!(
            (s.reachable, s.last_latency_ms, s.last_ok_at),
            (Some(true), Some(40), Some(1_000))
        );
        s.record(
            "balances",
            Duration::from_millis(5),
            Some(&Error::new(ErrorKind::Auth, "bad key")),
            2_000,
        );
        assert_eq!(s.reachable, Some(true), "an error answer still means reachable");
        s.record(
            "ticker",
            Duration::from_secs(3),
            Some(&Error::new(ErrorKind::Timeout, "slow")),
            3_000,
        );
        assert_eq!(s.reachable, Some(false));
        assert!(s.last_error.as_ref().unwrap().is(ErrorKind::Timeout));
        assert_eq!((s.calls, s.failures, s.last_error_at), (3, 2, Some(3_000)));
        assert_eq!(s.last_operation.as_deref(), Some("ticker"));
    }
}
