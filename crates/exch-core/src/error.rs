//! The one error type of every exch crate.
//!
//! An [`Error`] has a [`ErrorKind`] that callers match on, plus the venue, the venue's own
//! code and message, the endpoint, a `retry_after` hint and, for decode errors, an excerpt of
//! the payload. Each venue maps its codes to kinds through a single table.

use std::fmt;
use std::time::Duration;

use crate::precision::OrderRule;
use crate::venue::Venue;

/// Shorthand for `Result<T, exch_core::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in terms a caller can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The key is unknown, disabled, lacks permission, or the request was not signed.
    Auth,
    /// The venue rejected the signature.
    InvalidSignature,
    /// The request timestamp is outside the venue's window (e.g. Binance -1021).
    ClockSkew,
    /// Not enough balance or margin.
    InsufficientFunds,
    /// The order does not exist (or no longer exists) on the venue.
    OrderNotFound,
    /// The order breaks a market rule (tick, step, min quantity, min notional, ...).
    InvalidOrder,
    /// The symbol is malformed, unknown, or not traded on this venue.
    BadSymbol,
    /// A request parameter is missing or malformed.
    BadRequest,
    /// The rate limit was hit; see [`Error::retry_after`].
    RateLimited,
    /// The IP or key is banned for a while (HTTP 418); see [`Error::retry_after`].
    Banned,
    /// The venue is down, in maintenance, or overloaded.
    Unavailable,
    /// The connection failed before a response arrived.
    Network,
    /// The request timed out.
    Timeout,
    /// The response could not be decoded.
    Decode,
    /// The venue (or this crate) does not support the operation.
    Unsupported,
    /// A client order id is already used by an open order.
    DuplicateClientOrderId,
    /// The request does not fit the account's position mode (hedge vs one-way).
    PositionModeMismatch,
    /// An order was sent but its outcome could not be established, even after reconciling.
    UnknownOutcome,
    /// Invalid configuration (credentials missing, bad URL, unknown venue, ...).
    Config,
    /// Any other venue rejection; see [`Error::code`] and [`Error::message`].
    Venue,
}

impl ErrorKind {
    /// The kind's stable snake_case name (used by the CLI and logs).
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Auth => "auth",
            ErrorKind::InvalidSignature => "invalid_signature",
            ErrorKind::ClockSkew => "clock_skew",
            ErrorKind::InsufficientFunds => "insufficient_funds",
            ErrorKind::OrderNotFound => "order_not_found",
            ErrorKind::InvalidOrder => "invalid_order",
            ErrorKind::BadSymbol => "bad_symbol",
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Banned => "banned",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Decode => "decode",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::DuplicateClientOrderId => "duplicate_client_order_id",
            ErrorKind::PositionModeMismatch => "position_mode_mismatch",
            ErrorKind::UnknownOutcome => "unknown_outcome",
            ErrorKind::Config => "config",
            ErrorKind::Venue => "venue",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many bytes of a payload a decode error keeps.
pub const EXCERPT_LEN: usize = 200;

/// The exch error: a kind plus everything the venue told us. One pointer wide, so that
/// `Result<T, Error>` stays small on hot paths.
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    message: String,
    venue: Option<Venue>,
    code: Option<String>,
    endpoint: Option<String>,
    retry_after: Option<Duration>,
    excerpt: Option<String>,
    rule: Option<OrderRule>,
    http_status: Option<u16>,
    outcome_unknown: bool,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// A new error of `kind` with a human-readable message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                venue: None,
                code: None,
                endpoint: None,
                retry_after: None,
                excerpt: None,
                rule: None,
                http_status: None,
                outcome_unknown: false,
                source: None,
            }),
        }
    }

    /// An `Unsupported` error for `operation` on `venue`.
    pub fn unsupported(venue: Venue, operation: &str) -> Self {
        Error::new(
            ErrorKind::Unsupported,
            format!("{operation} is not supported on {venue}"),
        )
        .with_venue(venue)
    }

    /// A `Decode` error for `endpoint` keeping a short excerpt of `payload`.
    pub fn decode(endpoint: &str, payload: &[u8], cause: impl fmt::Display) -> Self {
        let text = String::from_utf8_lossy(payload);
        let mut end = text.len().min(EXCERPT_LEN);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let mut e = Error::new(ErrorKind::Decode, format!("cannot decode response: {cause}")).with_endpoint(endpoint);
        e.inner.excerpt = Some(text[..end].to_string());
        e
    }

    /// An `InvalidOrder` error naming the broken rule.
    pub fn invalid_order(rule: OrderRule) -> Self {
        let mut e = Error::new(ErrorKind::InvalidOrder, rule.to_string());
        e.inner.rule = Some(rule);
        e
    }

    /// Sets the venue.
    pub fn with_venue(mut self, venue: Venue) -> Self {
        self.inner.venue = Some(venue);
        self
    }

    /// Sets the venue's raw error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.inner.code = Some(code.into());
        self
    }

    /// Sets the endpoint (e.g. `GET /api/v3/order`).
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.inner.endpoint = Some(endpoint.into());
        self
    }

    /// Sets how long to wait before trying again.
    pub fn with_retry_after(mut self, d: Duration) -> Self {
        self.inner.retry_after = Some(d);
        self
    }

    /// Sets the HTTP status of the response that caused this error.
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.inner.http_status = Some(status);
        self
    }

    /// Marks that the request may have taken effect (timeouts, 5xx, "status unknown" codes).
    pub fn with_outcome_unknown(mut self, unknown: bool) -> Self {
        self.inner.outcome_unknown = unknown;
        self
    }

    /// Attaches the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// Replaces the kind, keeping everything else.
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.inner.kind = kind;
        self
    }

    /// The kind to match on.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message (the venue's own `msg` where the venue sent one).
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The venue that produced the error, if any.
    pub fn venue(&self) -> Option<Venue> {
        self.inner.venue
    }

    /// The venue's raw error code, if any.
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// The endpoint, if known.
    pub fn endpoint(&self) -> Option<&str> {
        self.inner.endpoint.as_deref()
    }

    /// The HTTP status, if the error came from a response.
    pub fn http_status(&self) -> Option<u16> {
        self.inner.http_status
    }

    /// A short excerpt of the payload that failed to decode.
    pub fn excerpt(&self) -> Option<&str> {
        self.inner.excerpt.as_deref()
    }

    /// The broken market rule of an `InvalidOrder` error found before sending.
    pub fn rule(&self) -> Option<&OrderRule> {
        self.inner.rule.as_ref()
    }

    /// How long the venue asked us to wait.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// True when a request that changes state may have taken effect anyway: the caller must
    /// reconcile (query by client order id), never re-send.
    pub fn is_outcome_unknown(&self) -> bool {
        self.inner.outcome_unknown || self.inner.kind == ErrorKind::UnknownOutcome
    }

    /// True when repeating the same idempotent request later may succeed.
    ///
    /// [`ErrorKind::ClockSkew`] is not: a request signed with the same stale clock offset is
    /// rejected again. It takes a clock resync first, which
    /// [`ClockSync::with_resync`](crate::clock::ClockSync::with_resync) does (one resync, one
    /// more attempt); `transport::HttpTransport::send_read_synced` combines both.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::RateLimited | ErrorKind::Unavailable | ErrorKind::Network | ErrorKind::Timeout
        )
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(v) = self.inner.venue {
            write!(f, "{v}: ")?;
        }
        write!(f, "{}", self.inner.kind)?;
        if let Some(c) = &self.inner.code {
            write!(f, " (code {c})")?;
        }
        write!(f, ": {}", self.inner.message)?;
        if let Some(ep) = &self.inner.endpoint {
            write!(f, " [{ep}]")?;
        }
        if let Some(x) = &self.inner.excerpt {
            write!(f, "; payload starts `{x}`")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::new(ErrorKind::Decode, e.to_string()).with_source(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_classification() {
        for k in [
            ErrorKind::RateLimited,
            ErrorKind::Unavailable,
            ErrorKind::Network,
            ErrorKind::Timeout,
        ] {
            assert!(Error::new(k, "x").is_retryable(), "{k}");
        }
        for k in [
            // Needs a clock resync first (ClockSync::with_resync), not a blind retry.
            ErrorKind::ClockSkew,
            ErrorKind::Auth,
            ErrorKind::InvalidSignature,
            ErrorKind::InsufficientFunds,
            ErrorKind::InvalidOrder,
            ErrorKind::Decode,
            ErrorKind::Banned,
            ErrorKind::Unsupported,
            ErrorKind::UnknownOutcome,
            ErrorKind::Venue,
        ] {
            assert!(!Error::new(k, "x").is_retryable(), "{k}");
        }
    }

    #[test]
    fn display_carries_venue_code_and_excerpt() {
        let e = Error::new(ErrorKind::InsufficientFunds, "Account has insufficient balance")
            .with_venue(Venue::Binance)
            .with_code("-2010")
            .with_retry_after(Duration::from_secs(3));
        assert_eq!(
            e.to_string(),
            "binance: insufficient_funds (code -2010): Account has insufficient balance"
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        let big = "é".repeat(300);
        let d = Error::decode("GET /x", big.as_bytes(), "eof");
        assert!(d.excerpt().unwrap().len() <= EXCERPT_LEN);
        assert_eq!(d.endpoint(), Some("GET /x"));
        assert!(d.to_string().contains("payload starts"));
    }

    #[test]
    fn unknown_outcome_flag() {
        assert!(Error::new(ErrorKind::Timeout, "t")
            .with_outcome_unknown(true)
            .is_outcome_unknown());
        assert!(!Error::new(ErrorKind::Timeout, "t").is_outcome_unknown());
        assert!(Error::new(ErrorKind::UnknownOutcome, "u").is_outcome_unknown());
    }
}
