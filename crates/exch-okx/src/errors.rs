//! The OKX error-code table: every code of `shared/venues/okx.md` §6 mapped to an
//! [`ErrorKind`], tested code by code.
//!
//! OKX reports almost every error with HTTP 200: a top-level `code` other than `"0"`, and for
//! trading endpoints the real reason in `data[i].sCode`. The timeout codes `50004`, `51149`
//! and `51054` mean the request may have taken effect: errors built from them carry
//! `outcome_unknown`, so placement reconciles by client order id instead of re-sending.

use std::time::Duration;

use exch_core::{Error, ErrorKind, Venue};

/// Codes whose outcome is unknown (the request timed out inside OKX and may have executed).
pub const OUTCOME_UNKNOWN_CODES: &[&str] = &["50004", "51149", "51054"];

/// Every code this crate knows, with its kind. Sorted by code.
pub const CODES: &[(&str, ErrorKind)] = &[
    ("50000", ErrorKind::BadRequest),             // POST body must not be empty
    ("50001", ErrorKind::Unavailable),            // service temporarily unavailable (HTTP 503)
    ("50002", ErrorKind::BadRequest),             // JSON syntax error
    ("50004", ErrorKind::Timeout),                // endpoint request timeout: outcome unknown
    ("50005", ErrorKind::Unsupported),            // API is offline or unavailable (HTTP 410)
    ("50011", ErrorKind::RateLimited),            // rate limit reached (HTTP 200 or 429)
    ("50013", ErrorKind::RateLimited),            // systems are busy (HTTP 429)
    ("50014", ErrorKind::BadRequest),             // parameter {x} cannot be empty
    ("50026", ErrorKind::Unavailable),            // system error (HTTP 500)
    ("50030", ErrorKind::Auth),                   // no permission to use this API
    ("50035", ErrorKind::Auth),                   // endpoint requires an IP-bound key (HTTP 403)
    ("50040", ErrorKind::RateLimited),            // too frequent operations
    ("50061", ErrorKind::RateLimited),            // sub-account order rate limit
    ("50100", ErrorKind::Auth),                   // API frozen
    ("50101", ErrorKind::Auth),                   // APIKey does not match current environment
    ("50102", ErrorKind::ClockSkew),              // timestamp request expired
    ("50103", ErrorKind::Auth),                   // OK-ACCESS-KEY header missing
    ("50104", ErrorKind::Auth),                   // OK-ACCESS-PASSPHRASE header missing
    ("50105", ErrorKind::Auth),                   // OK-ACCESS-PASSPHRASE incorrect
    ("50106", ErrorKind::Auth),                   // OK-ACCESS-SIGN header missing
    ("50107", ErrorKind::Auth),                   // OK-ACCESS-TIMESTAMP header missing
    ("50110", ErrorKind::Auth),                   // IP not in the key's whitelist
    ("50111", ErrorKind::Auth),                   // invalid OK-ACCESS-KEY
    ("50112", ErrorKind::ClockSkew),              // invalid OK-ACCESS-TIMESTAMP
    ("50113", ErrorKind::InvalidSignature),       // invalid signature (HTTP 401)
    ("50115", ErrorKind::BadRequest),             // invalid request method (HTTP 405)
    ("50119", ErrorKind::Auth),                   // API key doesn't exist
    ("50120", ErrorKind::Auth),                   // API key has no permission
    ("50122", ErrorKind::InvalidOrder),           // order amount must exceed minimum amount
    ("51000", ErrorKind::BadRequest),             // parameter {x} error
    ("51001", ErrorKind::BadSymbol),              // instrument ID doesn't exist
    ("51004", ErrorKind::InvalidOrder),           // order amount exceeds the position tier
    ("51005", ErrorKind::InvalidOrder),           // order amount exceeds the limit
    ("51006", ErrorKind::InvalidOrder),           // order price outside the price limit
    ("51007", ErrorKind::InvalidOrder),           // at least 1 contract
    ("51008", ErrorKind::InsufficientFunds),      // insufficient balance or margin
    ("51010", ErrorKind::BadRequest),             // unsupported under the current account mode
    ("51015", ErrorKind::BadSymbol),              // instId does not match instType
    ("51016", ErrorKind::DuplicateClientOrderId), // client order ID already exists
    ("51020", ErrorKind::InvalidOrder),           // below the minimum order amount
    ("51021", ErrorKind::BadSymbol),              // instrument not yet listed
    ("51022", ErrorKind::BadSymbol),              // instrument suspended
    ("51054", ErrorKind::Timeout),                // request timed out (HTTP 500): outcome unknown
    ("51065", ErrorKind::DuplicateClientOrderId), // algoClOrdId already exists
    ("51120", ErrorKind::InvalidOrder),           // order amount is less than {x}
    ("51121", ErrorKind::InvalidOrder),           // quantity must be a multiple of the lot size
    ("51127", ErrorKind::InsufficientFunds),      // available balance is 0
    ("51131", ErrorKind::InsufficientFunds),      // insufficient balance
    ("51137", ErrorKind::InvalidOrder),           // buy price above the limit
    ("51138", ErrorKind::InvalidOrder),           // sell price below the limit
    ("51149", ErrorKind::Timeout),                // order timed out: outcome unknown
    ("51150", ErrorKind::InvalidOrder),           // precision of quantity or price exceeds the limit
    ("51169", ErrorKind::BadRequest),             // no position to close
    ("51170", ErrorKind::InvalidOrder),           // reduce-only in the same direction as the position
    ("51201", ErrorKind::InvalidOrder),           // order value exceeds the maximum
    ("51202", ErrorKind::InvalidOrder),           // market order amount exceeds the maximum
    ("51203", ErrorKind::InvalidOrder),           // order amount exceeds the instrument's limit
    ("51205", ErrorKind::PositionModeMismatch),   // reduce-only not available (long/short mode)
    ("51400", ErrorKind::OrderNotFound),          // cancel failed: filled, canceled or missing
    ("51502", ErrorKind::InsufficientFunds),      // amend: insufficient balance
    ("51503", ErrorKind::OrderNotFound),          // amend failed: already filled or canceled
    ("51603", ErrorKind::OrderNotFound),          // order does not exist
    ("59000", ErrorKind::BadRequest),             // settings failed: close positions/orders first
    ("59102", ErrorKind::BadRequest),             // leverage exceeds the maximum
    ("60004", ErrorKind::ClockSkew),              // WS: invalid timestamp
    ("60005", ErrorKind::Auth),                   // WS: invalid apiKey
    ("60006", ErrorKind::ClockSkew),              // WS: timestamp expired
    ("60007", ErrorKind::InvalidSignature),       // WS: invalid sign
    ("60009", ErrorKind::Auth),                   // WS: login failure
    ("60011", ErrorKind::Auth),                   // WS: please log in
    ("60012", ErrorKind::BadRequest),             // WS: invalid request
    ("60013", ErrorKind::BadRequest),             // WS: invalid args
    ("60014", ErrorKind::RateLimited),            // WS: requests too frequent
    ("60018", ErrorKind::BadRequest),             // WS: wrong URL or channel
    ("60024", ErrorKind::Auth),                   // WS: wrong passphrase
    ("60029", ErrorKind::Auth),                   // WS: VIP tier required (books-l2-tbt)
    ("60030", ErrorKind::Auth),                   // WS: VIP tier required (books50-l2-tbt)
    ("64001", ErrorKind::BadRequest),             // WS: channel moved to /business
    ("64002", ErrorKind::BadRequest),             // WS: channel not supported on /business
    ("64008", ErrorKind::Unavailable),            // WS notice: connection closes for an upgrade
];

/// The kind of an OKX code, if the table knows it.
pub fn code_kind(code: &str) -> Option<ErrorKind> {
    CODES.binary_search_by(|(c, _)| (*c).cmp(code)).ok().map(|i| CODES[i].1)
}

/// True when the code means the request may have executed.
pub fn is_outcome_unknown_code(code: &str) -> bool {
    OUTCOME_UNKNOWN_CODES.contains(&code)
}

/// The kind for an HTTP status when the body carries no usable code.
pub fn status_kind(status: u16) -> ErrorKind {
    match status {
        401 => ErrorKind::Auth,
        403 => ErrorKind::Auth,
        404 | 405 | 410 => ErrorKind::BadRequest,
        400 => ErrorKind::BadRequest,
        418 => ErrorKind::Banned,
        429 => ErrorKind::RateLimited,
        500..=599 => ErrorKind::Unavailable,
        _ => ErrorKind::Venue,
    }
}

/// The [`Error`] for an OKX code and message. Unknown codes fall back to the HTTP status
/// (when not 200) or `Venue`.
pub fn venue_error(code: &str, msg: &str, http_status: Option<u16>, endpoint: &str) -> Error {
    let kind = code_kind(code).unwrap_or_else(|| match http_status {
        Some(s) if s != 200 => status_kind(s),
        _ => ErrorKind::Venue,
    });
    let message = if msg.is_empty() {
        format!("OKX error {code}")
    } else {
        msg.to_string()
    };
    let mut e = Error::new(kind, message)
        .with_venue(Venue::Okx)
        .with_code(code)
        .with_endpoint(endpoint)
        .with_outcome_unknown(is_outcome_unknown_code(code));
    if let Some(s) = http_status {
        e = e.with_http_status(s);
    }
    if kind == ErrorKind::RateLimited {
        // OKX documents no Retry-After on business-level limits; its windows are 2 s.
        e = e.with_retry_after(Duration::from_secs(2));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code listed in `shared/venues/okx.md` §6, with the kind we promise for it.
    const EXPECTED: &[(&str, ErrorKind)] = &[
        ("50111", ErrorKind::Auth),
        ("50119", ErrorKind::Auth),
        ("50105", ErrorKind::Auth),
        ("50103", ErrorKind::Auth),
        ("50104", ErrorKind::Auth),
        ("50106", ErrorKind::Auth),
        ("50107", ErrorKind::Auth),
        ("50101", ErrorKind::Auth),
        ("50110", ErrorKind::Auth),
        ("50120", ErrorKind::Auth),
        ("50030", ErrorKind::Auth),
        ("50100", ErrorKind::Auth),
        ("50035", ErrorKind::Auth),
        ("50113", ErrorKind::InvalidSignature),
        ("50102", ErrorKind::ClockSkew),
        ("50112", ErrorKind::ClockSkew),
        ("51008", ErrorKind::InsufficientFunds),
        ("51131", ErrorKind::InsufficientFunds),
        ("51127", ErrorKind::InsufficientFunds),
        ("51502", ErrorKind::InsufficientFunds),
        ("51603", ErrorKind::OrderNotFound),
        ("51400", ErrorKind::OrderNotFound),
        ("51503", ErrorKind::OrderNotFound),
        ("51001", ErrorKind::BadSymbol),
        ("51015", ErrorKind::BadSymbol),
        ("51021", ErrorKind::BadSymbol),
        ("51022", ErrorKind::BadSymbol),
        ("51121", ErrorKind::InvalidOrder),
        ("51150", ErrorKind::InvalidOrder),
        ("51006", ErrorKind::InvalidOrder),
        ("51137", ErrorKind::InvalidOrder),
        ("51138", ErrorKind::InvalidOrder),
        ("51000", ErrorKind::BadRequest),
        ("51004", ErrorKind::InvalidOrder),
        ("51005", ErrorKind::InvalidOrder),
        ("51201", ErrorKind::InvalidOrder),
        ("51202", ErrorKind::InvalidOrder),
        ("51203", ErrorKind::InvalidOrder),
        ("51020", ErrorKind::InvalidOrder),
        ("51120", ErrorKind::InvalidOrder),
        ("51007", ErrorKind::InvalidOrder),
        ("50122", ErrorKind::InvalidOrder),
        ("50011", ErrorKind::RateLimited),
        ("50061", ErrorKind::RateLimited),
        ("50013", ErrorKind::RateLimited),
        ("50040", ErrorKind::RateLimited),
        ("51016", ErrorKind::DuplicateClientOrderId),
        ("51065", ErrorKind::DuplicateClientOrderId),
        ("50001", ErrorKind::Unavailable),
        ("50026", ErrorKind::Unavailable),
        ("50004", ErrorKind::Timeout),
        ("51054", ErrorKind::Timeout),
        ("64008", ErrorKind::Unavailable),
        ("51010", ErrorKind::BadRequest),
        ("59000", ErrorKind::BadRequest),
        ("59102", ErrorKind::BadRequest),
        ("51169", ErrorKind::BadRequest),
        ("51170", ErrorKind::InvalidOrder),
        ("51205", ErrorKind::PositionModeMismatch),
        ("50000", ErrorKind::BadRequest),
        ("50002", ErrorKind::BadRequest),
        ("50014", ErrorKind::BadRequest),
        ("50115", ErrorKind::BadRequest),
        ("50005", ErrorKind::Unsupported),
        ("51149", ErrorKind::Timeout),
        ("60004", ErrorKind::ClockSkew),
        ("60005", ErrorKind::Auth),
        ("60006", ErrorKind::ClockSkew),
        ("60007", ErrorKind::InvalidSignature),
        ("60009", ErrorKind::Auth),
        ("60011", ErrorKind::Auth),
        ("60012", ErrorKind::BadRequest),
        ("60013", ErrorKind::BadRequest),
        ("60014", ErrorKind::RateLimited),
        ("60018", ErrorKind::BadRequest),
        ("60024", ErrorKind::Auth),
        ("60029", ErrorKind::Auth),
        ("60030", ErrorKind::Auth),
        ("64001", ErrorKind::BadRequest),
        ("64002", ErrorKind::BadRequest),
    ];

    #[test]
    fn table_is_sorted_and_unique() {
        for w in CODES.windows(2) {
            assert!(w[0].0 < w[1].0, "{} before {}", w[0].0, w[1].0);
        }
    }

    #[test]
    fn every_documented_code_maps_to_its_kind() {
        for (code, kind) in EXPECTED {
            let e = venue_error(code, "m", Some(200), "POST /api/v5/trade/order");
            assert_eq!(e.kind(), *kind, "code {code}");
            assert_eq!(e.code(), Some(*code));
            assert_eq!(e.venue(), Some(Venue::Okx));
        }
        assert_eq!(EXPECTED.len(), CODES.len(), "table and documented list differ in size");
    }

    #[test]
    fn table_covers_every_code_in_okx_md() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/venues/okx.md");
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if std::env::var("EXCH_SKIP_CONFORMANCE").as_deref() == Ok("1") => {
                eprintln!("skipping: {path}: {e}");
                return;
            }
            Err(e) => panic!("cannot read {path} ({e}); set EXCH_SKIP_CONFORMANCE=1 to skip"),
        };
        let section = text
            .split("## 6. Error codes")
            .nth(1)
            .and_then(|s| s.split("\n## ").next())
            .expect("okx.md has a section 6");
        let mut found = 0;
        for piece in section.split('`') {
            if piece.len() == 5 && piece.bytes().all(|b| b.is_ascii_digit()) {
                found += 1;
                assert!(
                    code_kind(piece).is_some(),
                    "okx.md code {piece} is missing from the table"
                );
            }
        }
        assert!(found > 60, "only {found} codes found in okx.md section 6");
    }

    #[test]
    fn timeouts_are_unknown_outcomes() {
        for c in ["50004", "51149", "51054"] {
            assert!(venue_error(c, "timeout", Some(200), "x").is_outcome_unknown(), "{c}");
        }
        assert!(!venue_error("51008", "x", Some(200), "x").is_outcome_unknown());
    }

    #[test]
    fn unknown_codes_fall_back_to_status() {
        assert_eq!(venue_error("99999", "", Some(401), "x").kind(), ErrorKind::Auth);
        assert_eq!(venue_error("99999", "", Some(503), "x").kind(), ErrorKind::Unavailable);
        assert_eq!(venue_error("99999", "", Some(200), "x").kind(), ErrorKind::Venue);
        assert_eq!(venue_error("99999", "", None, "x").message(), "OKX error 99999");
        assert!(venue_error("50011", "", Some(429), "x").retry_after().is_some());
    }
}
