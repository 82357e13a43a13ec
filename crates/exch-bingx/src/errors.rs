//! The BingX error table: business codes (HTTP 200 with `code != 0`) and HTTP statuses mapped
//! to [`ErrorKind`].
//!
//! BingX reuses codes across meanings (100421, 109400, 80012, 100400, 101400, 80001), so the
//! table matches on the code first and then on the message where the code is ambiguous
//! (`shared/venues/bingx.md` §6).

use std::time::Duration;

use exch_core::{Error, ErrorKind, Venue};

/// How long BingX bans after HTTP 418/403 when no `Retry-After` is sent (5 minutes, §5).
pub const BAN_DURATION: Duration = Duration::from_secs(300);

fn has(msg: &str, needle: &str) -> bool {
    msg.to_ascii_lowercase().contains(&needle.to_ascii_lowercase())
}

/// The kind for a business error `code` with message `msg`.
pub fn kind_for(code: i64, msg: &str) -> ErrorKind {
    use ErrorKind::*;
    match code {
        // Auth failed / bad key.
        100413 | 100004 | 100419 => Auth,
        // Invalid or missing signature.
        100001 | 100412 => InvalidSignature,
        // Reused: timestamp window, spot "order not exist", spot "contract not exist".
        100421 => {
            if has(msg, "timestamp") {
                ClockSkew
            } else if has(msg, "order not exist") {
                OrderNotFound
            } else if has(msg, "not exist") || has(msg, "not available") {
                BadSymbol
            } else {
                BadRequest
            }
        }
        // Insufficient balance or margin.
        101204 | 100202 => InsufficientFunds,
        80001 => {
            if has(msg, "margin") || has(msg, "balance") {
                InsufficientFunds
            } else {
                Venue
            }
        }
        // Order not found / already final.
        80016 | 109414 | 80018 => OrderNotFound,
        // Parameter errors, margin, symbol and position-mode problems share 109400.
        109400 => {
            if has(msg, "margin is not enough") || has(msg, "insufficient") {
                InsufficientFunds
            } else if has(msg, "symbol not exist") || has(msg, "not exist") {
                BadSymbol
            } else if has(msg, "one-way mode") || has(msg, "hedge mode") || has(msg, "reduceonly") {
                PositionModeMismatch
            } else {
                InvalidOrder
            }
        }
        109500 | 100490 | 101415 => BadSymbol,
        80012 => {
            if has(msg, "contract not exist") || has(msg, "symbol not exist") {
                BadSymbol
            } else {
                Unavailable
            }
        }
        101400 => {
            if has(msg, "not available") || has(msg, "not exist") {
                BadSymbol
            } else {
                InvalidOrder
            }
        }
        100400 => {
            if has(msg, "filled or cancel") || has(msg, "not a valid order id") || has(msg, "order not exist") {
                OrderNotFound
            } else {
                InvalidOrder
            }
        }
        80014 | 101211 | 110400 | 110411..=110413 | 100440 => InvalidOrder,
        80017 => BadRequest,
        100410 => RateLimited,
        101481 | 101209 | 109201 => DuplicateClientOrderId,
        100500 | 101500 | 80020 | 101514 | 101515 => Unavailable,
        _ => Venue,
    }
}

/// True for codes after which an order may exist although the call failed (RPC timeout,
/// internal error).
pub fn outcome_unknown(code: i64) -> bool {
    matches!(code, 101500 | 100500)
}

/// The error for a business `code`/`msg` returned by `endpoint`.
pub fn business_error(code: i64, msg: &str, endpoint: &str, http_status: u16) -> Error {
    let kind = kind_for(code, msg);
    let mut e = Error::new(
        kind,
        if msg.is_empty() {
            format!("BingX code {code}")
        } else {
            msg.to_string()
        },
    )
    .with_venue(Venue::Bingx)
    .with_code(code.to_string())
    .with_endpoint(endpoint)
    .with_http_status(http_status)
    .with_outcome_unknown(outcome_unknown(code));
    if kind == ErrorKind::RateLimited {
        e = e.with_retry_after(Duration::from_secs(1));
    }
    e
}

/// The error for a non-200 HTTP status (`retry_after` from the `Retry-After` header).
pub fn http_error(status: u16, body: &str, endpoint: &str, retry_after: Option<Duration>) -> Error {
    let (kind, unknown) = match status {
        401 => (ErrorKind::Auth, false),
        403 | 418 => (ErrorKind::Banned, false),
        429 => (ErrorKind::RateLimited, false),
        400 | 404 | 405 | 413 | 414 => (ErrorKind::BadRequest, false),
        // Whether a 5xx leaves the outcome unknown depends on the request: the transport marks
        // it for writes (never for idempotent reads, which it may retry).
        500..=599 => (ErrorKind::Unavailable, false),
        _ => (ErrorKind::Venue, false),
    };
    let mut text: String = body.chars().take(200).collect();
    if text.is_empty() {
        text = format!("HTTP {status}");
    }
    let mut e = Error::new(kind, text)
        .with_venue(Venue::Bingx)
        .with_endpoint(endpoint)
        .with_http_status(status)
        .with_code(format!("HTTP {status}"))
        .with_outcome_unknown(unknown);
    let wait = match (kind, retry_after) {
        (_, Some(d)) => Some(d),
        (ErrorKind::Banned, None) => Some(BAN_DURATION),
        (ErrorKind::RateLimited, None) => Some(Duration::from_secs(1)),
        _ => None,
    };
    if let Some(d) = wait {
        e = e.with_retry_after(d);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use ErrorKind::*;

    /// Every code of `shared/venues/bingx.md` §6, with the message variants the table lists.
    #[test]
    fn every_documented_code() {
        let table: &[(i64, &str, ErrorKind)] = &[
            (100413, "incorrect apiKey", Auth),
            (
                100004,
                "permission denied as the API key was created without the permission",
                Auth,
            ),
            (100419, "IP does not match IP whitelist", Auth),
            (100001, "signature verification failed", InvalidSignature),
            (100412, "Null signature", InvalidSignature),
            (100421, "Null timestamp or timestamp mismatch", ClockSkew),
            (100421, "cancel fail, order not exist", OrderNotFound),
            (100421, "contract not exist", BadSymbol),
            (100421, "The symbol BTC-XYZ is not available to place order", BadSymbol),
            (101204, "Insufficient margin", InsufficientFunds),
            (80001, "margin not enough", InsufficientFunds),
            (80001, "request failed", Venue),
            (109400, "margin is not enough", InsufficientFunds),
            (100202, "Insufficient assets", InsufficientFunds),
            (80016, "order does not exist", OrderNotFound),
            (109414, "order not exist", OrderNotFound),
            (80018, "order is already filled", OrderNotFound),
            (
                100400,
                "order 123 is FILLED or CANCELLED already, or is not a valid order id",
                OrderNotFound,
            ),
            (109400, "symbol not exist", BadSymbol),
            (109500, "symbol not exist", BadSymbol),
            (80012, "contract not exist", BadSymbol),
            (101400, "trading pair is not available", BadSymbol),
            (
                101415,
                "This trading pair is suspended from opening new position",
                BadSymbol,
            ),
            (100490, "symbol is offline", BadSymbol),
            (80014, "Invalid parameters", InvalidOrder),
            (109400, "Invalid parameters, err:quantity", InvalidOrder),
            (101211, "price limit", InvalidOrder),
            (110400, "parameter error", InvalidOrder),
            (
                110411,
                "take profit price must be greater than the entry price",
                InvalidOrder,
            ),
            (110412, "stop loss price must be lower", InvalidOrder),
            (110413, "TP/SL price side", InvalidOrder),
            (100400, "Invalid parameters, price must be greater than 0", InvalidOrder),
            (100440, "price deviates too much from the index", InvalidOrder),
            (
                101400,
                "the minimum nominal value of an order should be greater than 2u",
                InvalidOrder,
            ),
            (100400, "entrust volume too low, minVolume 5", InvalidOrder),
            (100410, "rate limited", RateLimited),
            (101481, "clientOrderID cannot be repeated", DuplicateClientOrderId),
            (101209, "same order id within 1s", DuplicateClientOrderId),
            (109201, "same order id within 1s", DuplicateClientOrderId),
            (80012, "service unavailable", Unavailable),
            (100500, "Internal system error", Unavailable),
            (101500, "rpc timeout", Unavailable),
            (80020, "risk forbidden", Unavailable),
            (101514, "temporarily suspended", Unavailable),
            (101515, "temporarily suspended", Unavailable),
            (
                109400,
                "In the One-way mode, the 'PositionSide' field can only be set to BOTH",
                PositionModeMismatch,
            ),
            (
                109400,
                "In the Hedge mode, the 'PositionSide' field can only be set to LONG or SHORT",
                PositionModeMismatch,
            ),
            (
                109400,
                "In the Hedge mode, the 'ReduceOnly' field can not be filled.",
                PositionModeMismatch,
            ),
            (80017, "position does not exist", BadRequest),
            (123456, "something new", Venue),
        ];
        for (code, msg, kind) in table {
            assert_eq!(kind_for(*code, msg), *kind, "{code} {msg}");
            let e = business_error(*code, msg, "POST /openApi/swap/v2/trade/order", 200);
            assert_eq!(e.kind(), *kind);
            assert_eq!(e.code(), Some(code.to_string().as_str()));
            assert_eq!(e.venue(), Some(exch_core::Venue::Bingx));
        }
        assert!(business_error(101500, "rpc timeout", "x", 200).is_outcome_unknown());
        assert!(!business_error(80016, "x", "x", 200).is_outcome_unknown());
    }

    #[test]
    fn http_statuses() {
        let table: &[(u16, ErrorKind)] = &[
            (400, BadRequest),
            (401, Auth),
            (403, Banned),
            (404, BadRequest),
            (418, Banned),
            (429, RateLimited),
            (500, Unavailable),
            (504, Unavailable),
        ];
        for (status, kind) in table {
            let e = http_error(*status, "", "GET /x", None);
            assert_eq!(e.kind(), *kind, "{status}");
            assert_eq!(e.http_status(), Some(*status));
        }
        assert!(!http_error(504, "", "x", None).is_outcome_unknown());
        assert_eq!(http_error(418, "", "x", None).retry_after(), Some(BAN_DURATION));
        assert_eq!(
            http_error(429, "", "x", Some(Duration::from_secs(7))).retry_after(),
            Some(Duration::from_secs(7))
        );
    }
}
