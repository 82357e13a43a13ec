//! Binance error codes → [`ErrorKind`] (binance.md §6), and HTTP error responses → [`Error`].
//!
//! One table ([`kind_for_code`]) maps every code the venue notes list; it is tested code by
//! code. Codes whose outcome is unknown (`-1006`, `-1007`) and 5xx responses carry
//! [`Error::is_outcome_unknown`] so that placement reconciles instead of re-sending.

use std::time::Duration;

use exch_core::{Error, ErrorKind, Venue};

use crate::wire::ErrorBody;

/// The kind of a Binance error code. Some codes (`-2010`, `-2011`) are refined by the message.
pub fn kind_for_code(code: i64, msg: &str) -> ErrorKind {
    let m = msg.to_ascii_lowercase();
    match code {
        -1002 | -2014 | -2015 => ErrorKind::Auth,
        -1022 => ErrorKind::InvalidSignature,
        -1021 => ErrorKind::ClockSkew,
        -2010 if m.contains("insufficient balance") => ErrorKind::InsufficientFunds,
        -2010 if m.contains("duplicate order") => ErrorKind::DuplicateClientOrderId,
        -2010 => ErrorKind::InvalidOrder,
        -2018 | -2019 => ErrorKind::InsufficientFunds,
        -2013 => ErrorKind::OrderNotFound,
        -2011 if m.contains("cancel restriction") => ErrorKind::InvalidOrder,
        -2011 => ErrorKind::OrderNotFound,
        -1121 => ErrorKind::BadSymbol,
        -1111 | -1013 => ErrorKind::InvalidOrder,
        -4001 | -4002 | -4003 | -4004 | -4005 | -4013 | -4014 | -4016 | -4023 | -4024 | -4164 => {
            ErrorKind::InvalidOrder
        }
        -1003 | -1015 => ErrorKind::RateLimited,
        -4116 => ErrorKind::DuplicateClientOrderId,
        -4015 => ErrorKind::BadRequest,
        -5022 => ErrorKind::InvalidOrder,
        -4120 => ErrorKind::BadRequest,
        -2021 | -2022 => ErrorKind::InvalidOrder,
        -4061 => ErrorKind::PositionModeMismatch,
        -1001 | -1006 | -1008 | -1016 => ErrorKind::Unavailable,
        -1007 => ErrorKind::Timeout,
        // Other request-format errors (-1100 ILLEGAL_CHARS ... -1199).
        -1199..=-1100 => ErrorKind::BadRequest,
        _ => ErrorKind::Venue,
    }
}

/// True for codes after which an order may or may not exist (binance.md §5, quirk 8).
pub fn outcome_unknown_code(code: i64) -> bool {
    matches!(code, -1006 | -1007)
}

/// Codes that mean "already set": a no-op for set-margin-mode / set-position-mode.
pub const NO_CHANGE_CODES: [i64; 2] = [-4046, -4059];

/// Parses `Retry-After` (seconds).
pub fn retry_after(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The [`Error`] for a non-2xx response. `endpoint` is `"<METHOD> <path>"`; for anything but
/// a `GET` a timeout, a 5xx or a `-1006`/`-1007` leaves the outcome unknown (the caller must
/// reconcile, never re-send). Reads keep those errors retryable.
pub fn from_response(status: u16, retry_after_header: Option<&str>, body: &[u8], endpoint: &str) -> Error {
    let write = !endpoint.starts_with("GET ");
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let mut err = match (&parsed, status) {
        (_, 418) => Error::new(
            ErrorKind::Banned,
            parsed.as_ref().map_or("IP banned", |b| &b.msg).to_string(),
        ),
        (_, 429) => Error::new(
            ErrorKind::RateLimited,
            parsed.as_ref().map_or("too many requests", |b| &b.msg).to_string(),
        ),
        (Some(b), _) => Error::new(kind_for_code(b.code, &b.msg), b.msg.clone()).with_code(b.code.to_string()),
        (None, 408) => Error::new(ErrorKind::Timeout, "backend timeout (HTTP 408)"),
        (None, s) if s >= 500 => Error::new(ErrorKind::Unavailable, format!("HTTP {s}: {text}")),
        (None, 401) => Error::new(ErrorKind::Auth, format!("HTTP 401: {text}")),
        (None, 403) => Error::new(ErrorKind::Venue, format!("HTTP 403 (WAF block): {text}")),
        (None, s) => Error::new(ErrorKind::Venue, format!("HTTP {s}: {text}")),
    };
    let code = parsed.as_ref().map(|b| b.code);
    // Futures 503 "Service Unavailable." and -1008/-1016 mean the request failed (binance.md §5).
    let failed_for_sure =
        code.is_some_and(|c| matches!(c, -1008 | -1016)) || (status == 503 && text.contains("Service Unavailable"));
    let unknown =
        write && !failed_for_sure && (code.is_some_and(outcome_unknown_code) || status == 408 || status >= 500);
    err = err.with_outcome_unknown(unknown);
    if let Some(d) = retry_after(retry_after_header) {
        err = err.with_retry_after(d);
    }
    err.with_venue(Venue::Binance)
        .with_http_status(status)
        .with_endpoint(endpoint.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code listed in binance.md §6, with the message where the kind depends on it.
    const TABLE: &[(i64, &str, ErrorKind)] = &[
        (
            -2015,
            "Invalid API-key, IP, or permissions for action.",
            ErrorKind::Auth,
        ),
        (-2014, "API-key format invalid.", ErrorKind::Auth),
        (
            -1002,
            "You are not authorized to execute this request.",
            ErrorKind::Auth,
        ),
        (
            -1022,
            "Signature for this request is not valid.",
            ErrorKind::InvalidSignature,
        ),
        (
            -1021,
            "Timestamp for this request is outside of the recvWindow.",
            ErrorKind::ClockSkew,
        ),
        (
            -2010,
            "Account has insufficient balance for requested action.",
            ErrorKind::InsufficientFunds,
        ),
        (-2019, "Margin is insufficient.", ErrorKind::InsufficientFunds),
        (-2018, "Balance is insufficient.", ErrorKind::InsufficientFunds),
        (-2013, "Order does not exist.", ErrorKind::OrderNotFound),
        (-2011, "Unknown order sent.", ErrorKind::OrderNotFound),
        (-1121, "Invalid symbol.", ErrorKind::BadSymbol),
        (
            -1111,
            "Precision is over the maximum defined for this asset.",
            ErrorKind::InvalidOrder,
        ),
        (-1013, "Filter failure: PRICE_FILTER", ErrorKind::InvalidOrder),
        (-1013, "Filter failure: LOT_SIZE", ErrorKind::InvalidOrder),
        (-1013, "Filter failure: MARKET_LOT_SIZE", ErrorKind::InvalidOrder),
        (-1013, "Filter failure: PERCENT_PRICE_BY_SIDE", ErrorKind::InvalidOrder),
        (-1013, "Filter failure: NOTIONAL", ErrorKind::InvalidOrder),
        (-1013, "Filter failure: MIN_NOTIONAL", ErrorKind::InvalidOrder),
        (
            -1102,
            "Mandatory parameter 'quantity' was not sent.",
            ErrorKind::BadRequest,
        ),
        (-4014, "Price not increased by tick size.", ErrorKind::InvalidOrder),
        (-4023, "Quantity not increased by step size.", ErrorKind::InvalidOrder),
        (-4003, "Quantity less than or equal to zero.", ErrorKind::InvalidOrder),
        (-4004, "Quantity less than min quantity.", ErrorKind::InvalidOrder),
        (-4005, "Quantity greater than max quantity.", ErrorKind::InvalidOrder),
        (-4001, "Price less than 0.", ErrorKind::InvalidOrder),
        (-4002, "Price greater than max price.", ErrorKind::InvalidOrder),
        (-4013, "Price less than min price.", ErrorKind::InvalidOrder),
        (-4016, "Limit price can't be higher than 1.05.", ErrorKind::InvalidOrder),
        (-4024, "Limit price can't be lower than 0.95.", ErrorKind::InvalidOrder),
        (
            -4164,
            "Order's notional must be no smaller than 5",
            ErrorKind::InvalidOrder,
        ),
        (-1003, "Too many requests.", ErrorKind::RateLimited),
        (-1015, "Too many new orders.", ErrorKind::RateLimited),
        (-2010, "Duplicate order sent.", ErrorKind::DuplicateClientOrderId),
        (-4116, "ClientOrderId is duplicated.", ErrorKind::DuplicateClientOrderId),
        (-4015, "Client order id is not valid.", ErrorKind::BadRequest),
        (
            -2010,
            "Order would immediately match and take.",
            ErrorKind::InvalidOrder,
        ),
        (
            -5022,
            "Due to the order could not be executed as maker",
            ErrorKind::InvalidOrder,
        ),
        (
            -4120,
            "Order type not supported for this endpoint.",
            ErrorKind::BadRequest,
        ),
        (-2022, "ReduceOnly Order is rejected.", ErrorKind::InvalidOrder),
        (
            -4061,
            "Order's position side does not match user's setting.",
            ErrorKind::PositionModeMismatch,
        ),
        (-2021, "Order would immediately trigger.", ErrorKind::InvalidOrder),
        (
            -1001,
            "Internal error; unable to process your request.",
            ErrorKind::Unavailable,
        ),
        (
            -1006,
            "An unexpected response was received from the message bus.",
            ErrorKind::Unavailable,
        ),
        (
            -1007,
            "Timeout waiting for response from backend server.",
            ErrorKind::Timeout,
        ),
        (
            -1008,
            "Server is currently overloaded with other requests.",
            ErrorKind::Unavailable,
        ),
        (-1016, "This service is no longer available.", ErrorKind::Unavailable),
    ];

    #[test]
    fn every_listed_code_maps_to_its_kind() {
        for (code, msg, kind) in TABLE {
            assert_eq!(kind_for_code(*code, msg), *kind, "{code} {msg}");
            let body = format!(r#"{{"code":{code},"msg":"{msg}"}}"#);
            let e = from_response(400, None, body.as_bytes(), "POST /api/v3/order");
            assert_eq!(e.kind(), *kind, "{code}");
            assert_eq!(e.code(), Some(code.to_string().as_str()));
            assert_eq!(e.venue(), Some(Venue::Binance));
            assert_eq!(e.is_outcome_unknown(), matches!(code, -1006 | -1007), "{code}");
        }
        assert_eq!(kind_for_code(-9999, "?"), ErrorKind::Venue);
        assert_eq!(kind_for_code(-1100, "Illegal characters"), ErrorKind::BadRequest);
    }

    #[test]
    fn http_statuses() {
        let e = from_response(429, Some("7"), br#"{"code":-1003,"msg":"Too many requests"}"#, "GET /x");
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        let e = from_response(418, Some("120"), br#"{"code":-1003,"msg":"banned until"}"#, "GET /x");
        assert_eq!(e.kind(), ErrorKind::Banned);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
        let e = from_response(502, None, b"<html>bad gateway</html>", "POST /x");
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert!(e.is_outcome_unknown());
        let e = from_response(503, None, b"Service Unavailable.", "POST /x");
        assert!(!e.is_outcome_unknown());
        let e = from_response(503, None, br#"{"code":-1008,"msg":"Request throttled"}"#, "POST /x");
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert!(!e.is_outcome_unknown());
        let e = from_response(
            503,
            None,
            br#"{"code":-1000,"msg":"Unknown error, please check"}"#,
            "POST /x",
        );
        assert!(e.is_outcome_unknown());
        let e = from_response(408, None, b"", "POST /x");
        assert_eq!(e.kind(), ErrorKind::Timeout);
        assert!(e.is_outcome_unknown());
        // Reads stay retryable: no unknown outcome for a GET.
        let e = from_response(502, None, b"", "GET /api/v3/depth");
        assert!(!e.is_outcome_unknown());
        assert!(e.is_retryable());
        let e = from_response(400, None, br#"{"code":-1007,"msg":"Timeout"}"#, "GET /api/v3/order");
        assert!(!e.is_outcome_unknown());
        assert_eq!(from_response(403, None, b"blocked", "GET /x").http_status(), Some(403));
    }
}
