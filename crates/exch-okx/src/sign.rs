//! OKX request signing: `Base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath + body))`.
//!
//! * `timestamp` is ISO-8601 UTC with milliseconds and a `Z` (`2020-12-08T09:08:57.715Z`), the
//!   same string as the `OK-ACCESS-TIMESTAMP` header.
//! * `requestPath` starts at `/api/v5/` and includes `?query` for GET requests.
//! * `body` is the exact JSON text sent (empty for GET): the bytes signed are the bytes sent.
//!
//! WebSocket login signs `seconds + "GET" + "/users/self/verify"`. Vectors O1–O4 of
//! `shared/venues/okx.md` are tested below.

use exch_core::sign::hmac_sha256_base64;
use exch_core::{Credentials, TimestampMs};

/// Header carrying the API key.
pub const HEADER_KEY: &str = "OK-ACCESS-KEY";
/// Header carrying the signature.
pub const HEADER_SIGN: &str = "OK-ACCESS-SIGN";
/// Header carrying the ISO-8601 timestamp.
pub const HEADER_TIMESTAMP: &str = "OK-ACCESS-TIMESTAMP";
/// Header carrying the passphrase (plain text).
pub const HEADER_PASSPHRASE: &str = "OK-ACCESS-PASSPHRASE";

/// The prehash string: `timestamp + METHOD + request_path + body`, no separators.
pub fn prehash(timestamp: &str, method: &str, request_path: &str, body: &str) -> String {
    let mut s = String::with_capacity(timestamp.len() + method.len() + request_path.len() + body.len());
    s.push_str(timestamp);
    s.push_str(&method.to_ascii_uppercase());
    s.push_str(request_path);
    s.push_str(body);
    s
}

/// The `OK-ACCESS-SIGN` value for one request.
pub fn sign(secret: &str, timestamp: &str, method: &str, request_path: &str, body: &str) -> String {
    hmac_sha256_base64(
        secret.as_bytes(),
        prehash(timestamp, method, request_path, body).as_bytes(),
    )
}

/// The WebSocket login signature for a timestamp in Unix **seconds**.
pub fn ws_login_sign(secret: &str, unix_seconds: i64) -> String {
    sign(secret, &unix_seconds.to_string(), "GET", "/users/self/verify", "")
}

/// The four authentication headers of a private request, in the order OKX documents them.
pub fn auth_headers(
    credentials: &Credentials,
    timestamp: &str,
    method: &str,
    request_path: &str,
    body: &str,
) -> Vec<(&'static str, String)> {
    let signature = sign(credentials.secret.expose(), timestamp, method, request_path, body);
    vec![
        (HEADER_KEY, credentials.api_key.clone()),
        (HEADER_SIGN, signature),
        (HEADER_TIMESTAMP, timestamp.to_string()),
        (
            HEADER_PASSPHRASE,
            credentials
                .passphrase
                .as_ref()
                .map(|p| p.expose().to_string())
                .unwrap_or_default(),
        ),
    ]
}

/// Formats ms since the epoch as OKX's ISO-8601 timestamp, e.g. `2020-12-08T09:08:57.715Z`.
pub fn iso_timestamp(ms: TimestampMs) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Parses the ISO-8601 form written by [`iso_timestamp`] back to ms; `None` when malformed.
pub fn parse_iso_timestamp(s: &str) -> Option<TimestampMs> {
    let b = s.as_bytes();
    if b.len() != 24 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if b[19] != b'.' || b[23] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se, ms) = (num(11..13)?, num(14..16)?, num(17..19)?, num(20..23)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    Some(((days * 86_400 + h * 3600 + mi * 60 + se) * 1000) + ms)
}

// Howard Hinnant's civil-calendar algorithms (public domain), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SECRET: &str = "22582BD0CFF14C41EDBF1AB98506286D";
    const TS: &str = "2020-12-08T09:08:57.715Z";
    const O2_BODY: &str =
        r#"{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":"1000","sz":"0.01"}"#;

    #[test]
    fn o1_get_signs_path_with_query() {
        assert_eq!(
            prehash(TS, "GET", "/api/v5/account/balance?ccy=BTC", ""),
            "2020-12-08T09:08:57.715ZGET/api/v5/account/balance?ccy=BTC"
        );
        assert_eq!(
            sign(SECRET, TS, "GET", "/api/v5/account/balance?ccy=BTC", ""),
            "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY="
        );
    }

    #[test]
    fn o2_post_signs_exact_compact_body() {
        assert_eq!(
            sign(SECRET, TS, "POST", "/api/v5/trade/order", O2_BODY),
            "vqpQPwUQp2xvmq0eLQaV4D6L6WQNFXncJ8rIkcXkDMs="
        );
    }

    #[test]
    fn o3_whitespace_changes_the_signature() {
        let spaced = r#"{"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", "px": "1000", "sz": "0.01"}"#;
        assert_eq!(
            sign(SECRET, TS, "POST", "/api/v5/trade/order", spaced),
            "hgLIgIKeZaCQ0R/HRij9SBgYXLVxrximCg/gPt+xwDQ="
        );
    }

    #[test]
    fn o4_ws_login_uses_seconds() {
        assert_eq!(
            ws_login_sign(SECRET, 1_538_054_050),
            "+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M="
        );
    }

    #[test]
    fn headers_carry_key_timestamp_and_passphrase() {
        let c = Credentials::new("key-1", SECRET).with_passphrase("pass");
        let h = auth_headers(&c, TS, "POST", "/api/v5/trade/order", O2_BODY);
        let get = |n: &str| h.iter().find(|(k, _)| *k == n).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(get(HEADER_KEY), "key-1");
        assert_eq!(get(HEADER_SIGN), "vqpQPwUQp2xvmq0eLQaV4D6L6WQNFXncJ8rIkcXkDMs=");
        assert_eq!(get(HEADER_TIMESTAMP), TS);
        assert_eq!(get(HEADER_PASSPHRASE), "pass");
    }

    #[test]
    fn iso_timestamps() {
        assert_eq!(iso_timestamp(1_607_418_537_715), TS);
        assert_eq!(parse_iso_timestamp(TS), Some(1_607_418_537_715));
        assert_eq!(iso_timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_timestamp(951_782_400_000), "2000-02-29T00:00:00.000Z");
        for bad in [
            "",
            "2020-12-08T09:08:57Z",
            "2020-13-08T09:08:57.715Z",
            "2020-12-08T09:08:57.71xZ",
        ] {
            assert_eq!(parse_iso_timestamp(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn iso_round_trip(ms in 0i64..4_102_444_800_000) {
            prop_assert_eq!(parse_iso_timestamp(&iso_timestamp(ms)), Some(ms));
        }

        #[test]
        fn iso_parse_never_panics(s in ".{0,30}") {
            let _ = parse_iso_timestamp(&s);
        }
    }
}
