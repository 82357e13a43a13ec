//! Lenient, exact decoders for venue JSON: numbers, ids and booleans that venues send either as
//! JSON strings or as JSON numbers (often both, across endpoints or versions).
//!
//! * Exact: with serde_json's `arbitrary_precision` (the workspace enables it) a JSON number
//!   keeps its digits, so `1736011869418901234` stays that id and `0.1` that decimal; nothing
//!   goes through `f64`.
//! * Lenient about form, strict about content: `null`, a missing field (with
//!   `#[serde(default)]`), `""` and blank strings read as absent; surrounding blanks are
//!   ignored; a decimal may be written in exponent notation (`1e-5`) or carry a trailing `%`
//!   (`"1.70%"` reads as `1.70`: the number as written, not divided by 100). Anything else
//!   that is not the expected kind is an error, never a silent zero.
//!
//! Two layers: `value_*` functions decode a [`serde_json::Value`] (for hand-walked payloads
//! such as array rows), and `deserialize_with` helpers decode a field:
//!
//! ```
//! use exch_core::{de, Decimal};
//! #[derive(serde::Deserialize)]
//! struct Ticker {
//!     #[serde(deserialize_with = "de::id")]
//!     id: String,
//!     #[serde(default, deserialize_with = "de::opt_decimal")]
//!     last: Option<Decimal>,
//!     #[serde(deserialize_with = "de::int")]
//!     time: i64,
//! }
//! let t: Ticker = serde_json::from_str(r#"{"id": 1736011869418901234, "last": "0.10", "time": "1700000000000"}"#)?;
//! assert_eq!(t.id, "1736011869418901234");
//! assert_eq!(t.last, Some(Decimal::new(10, 2)));
//! assert_eq!(t.time, 1_700_000_000_000);
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Parses a decimal from text: plain (`"1.50"`, scale kept) or exponent notation (`"1e-5"`),
/// surrounding blanks and one trailing `%` ignored; blank text is `None`, as is text that is
/// not a number.
pub fn decimal_from_text(s: &str) -> Option<Decimal> {
    let t = s.trim();
    let t = t.strip_suffix('%').unwrap_or(t).trim_end();
    if t.is_empty() {
        return None;
    }
    Decimal::from_str(t).ok().or_else(|| Decimal::from_scientific(t).ok())
}

/// The text of a string or number value; `None` for `null` and blank strings.
fn text(v: &Value, what: &str) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => Ok(Some(s.trim().to_string())),
        Value::Number(n) => Ok(Some(n.to_string())),
        other => Err(format!("expected {what}, found {other}")),
    }
}

/// A decimal from a string or number; `null` and blank strings are `None`.
pub fn value_decimal(v: &Value) -> Result<Option<Decimal>, String> {
    match text(v, "a decimal")? {
        None => Ok(None),
        Some(t) => decimal_from_text(&t)
            .map(Some)
            .ok_or_else(|| format!("`{t}` is not a decimal")),
    }
}

/// A signed integer (a time in ms, a count, a code) from a string or number; `null` and blank
/// strings are `None`. A fraction is an error.
pub fn value_int(v: &Value) -> Result<Option<i64>, String> {
    match text(v, "an integer")? {
        None => Ok(None),
        Some(t) => t
            .parse::<i64>()
            .map(Some)
            .map_err(|_| format!("`{t}` is not an integer")),
    }
}

/// An unsigned integer (a sequence number) from a string or number; `null` and blank strings
/// are `None`.
pub fn value_uint(v: &Value) -> Result<Option<u64>, String> {
    match text(v, "an unsigned integer")? {
        None => Ok(None),
        Some(t) => t
            .parse::<u64>()
            .map(Some)
            .map_err(|_| format!("`{t}` is not an unsigned integer")),
    }
}

/// An id from a string or number, exactly as written (`1736011869418901234` stays those
/// digits); `null` and blank strings are `None`.
pub fn value_id(v: &Value) -> Result<Option<String>, String> {
    text(v, "an id")
}

/// A boolean from `true`/`false` or the strings `"true"`/`"false"` (any case); `null` and blank
/// strings are `None`.
pub fn value_bool(v: &Value) -> Result<Option<bool>, String> {
    match v {
        Value::Bool(b) => Ok(Some(*b)),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Ok(Some(false)),
        other => match text(other, "a boolean")? {
            None => Ok(None),
            Some(t) => Err(format!("`{t}` is not a boolean")),
        },
    }
}

fn required<T, E: serde::de::Error>(v: Option<T>, what: &str) -> Result<T, E> {
    v.ok_or_else(|| E::custom(format!("expected {what}")))
}

/// `Decimal` field from a string or number.
pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    required(opt_decimal(d)?, "a decimal")
}

/// `Option<Decimal>` field (`null`, `""` and, with `#[serde(default)]`, a missing field are `None`).
pub fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    value_decimal(&Value::deserialize(d)?).map_err(D::Error::custom)
}

/// `i64` field (e.g. a time in ms) from a string or number.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    required(opt_int(d)?, "an integer")
}

/// `Option<i64>` field.
pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    value_int(&Value::deserialize(d)?).map_err(D::Error::custom)
}

/// `Option<u64>` field.
pub fn opt_uint<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    value_uint(&Value::deserialize(d)?).map_err(D::Error::custom)
}

/// `String` id field from a string or an exact number.
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    required(opt_id(d)?, "an id")
}

/// `Option<String>` id field.
pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    value_id(&Value::deserialize(d)?).map_err(D::Error::custom)
}

/// `Option<bool>` field.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    value_bool(&Value::deserialize(d)?).map_err(D::Error::custom)
}

/// `bool` field where absent (`null`, `""`, or missing with `#[serde(default)]`) means `false`.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(opt_bool(d)?.unwrap_or(false))
}

/// An order-book side: a list of `[price, quantity, ...]` rows (strings or numbers; extra
/// columns ignored) as `[price, quantity]` pairs.
pub fn levels<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<[Decimal; 2]>, D::Error> {
    let rows = Vec::<Vec<Value>>::deserialize(d)?;
    rows.iter()
        .map(|r| {
            let get = |i: usize| {
                let v = r.get(i).ok_or_else(|| D::Error::custom("order-book level too short"))?;
                value_decimal(v)
                    .map_err(D::Error::custom)?
                    .ok_or_else(|| D::Error::custom("empty order-book level"))
            };
            Ok([get(0)?, get(1)?])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Row {
        #[serde(default, deserialize_with = "opt_decimal")]
        px: Option<Decimal>,
        #[serde(default, deserialize_with = "opt_int")]
        ts: Option<i64>,
        #[serde(default, deserialize_with = "opt_id")]
        id: Option<String>,
        #[serde(default, deserialize_with = "flag")]
        maker: bool,
        #[serde(default, deserialize_with = "opt_uint")]
        seq: Option<u64>,
    }

    fn row(s: &str) -> Result<Row, serde_json::Error> {
        serde_json::from_str(s)
    }

    #[test]
    fn decimals_from_strings_numbers_exponents_and_percent() {
        assert_eq!(decimal_from_text(" 1.50 "), Some(Decimal::new(150, 2)), "scale kept");
        assert_eq!(decimal_from_text("1e-5"), Some(Decimal::new(1, 5)));
        assert_eq!(decimal_from_text("1.70%"), Some(Decimal::new(170, 2)));
        assert_eq!(decimal_from_text(""), None);
        assert_eq!(decimal_from_text("%"), None);
        assert_eq!(decimal_from_text("abc"), None);
        assert_eq!(row(r#"{"px": "0.10"}"#).unwrap().px, Some(Decimal::new(10, 2)));
        // A JSON number keeps its digits (arbitrary_precision): no f64 on the way.
        assert_eq!(
            row(r#"{"px": 0.1000000000000000055511151231257827}"#).unwrap().px,
            Some(Decimal::from_str("0.1000000000000000055511151231257827").unwrap())
        );
        assert_eq!(row(r#"{"px": 73372.83}"#).unwrap().px, Some(Decimal::new(7_337_283, 2)));
        for absent in [r#"{}"#, r#"{"px": null}"#, r#"{"px": ""}"#, r#"{"px": "  "}"#] {
            assert_eq!(row(absent).unwrap().px, None, "{absent}");
        }
        assert!(row(r#"{"px": "abc"}"#).is_err());
        assert!(row(r#"{"px": true}"#).is_err());
        assert!(value_decimal(&json!([1])).is_err());
    }

    #[test]
    fn ids_are_exact() {
        assert_eq!(
            row(r#"{"id": 1736011869418901234}"#).unwrap().id.as_deref(),
            Some("1736011869418901234")
        );
        assert_eq!(
            row(r#"{"id": 123456789012345678901234567890}"#).unwrap().id.as_deref(),
            Some("123456789012345678901234567890"),
            "beyond u64 too"
        );
        assert_eq!(row(r#"{"id": " abc "}"#).unwrap().id.as_deref(), Some("abc"));
        assert_eq!(row(r#"{"id": ""}"#).unwrap().id, None);
        assert!(row(r#"{"id": {}}"#).is_err());
        #[derive(Deserialize)]
        struct Req {
            #[serde(deserialize_with = "id")]
            id: String,
        }
        assert!(serde_json::from_str::<Req>(r#"{"id": null}"#).is_err());
        assert_eq!(serde_json::from_str::<Req>(r#"{"id": 7}"#).unwrap().id, "7");
    }

    #[test]
    fn integers_from_strings_and_numbers() {
        assert_eq!(row(r#"{"ts": "1700000000000"}"#).unwrap().ts, Some(1_700_000_000_000));
        assert_eq!(row(r#"{"ts": 1700000000000}"#).unwrap().ts, Some(1_700_000_000_000));
        assert_eq!(row(r#"{"ts": -5}"#).unwrap().ts, Some(-5));
        assert_eq!(row(r#"{"ts": ""}"#).unwrap().ts, None);
        assert!(row(r#"{"ts": 1.5}"#).is_err(), "a fraction is not an integer");
        assert!(row(r#"{"ts": "99999999999999999999"}"#).is_err(), "overflow");
        assert_eq!(row(r#"{"seq": "18446744073709551615"}"#).unwrap().seq, Some(u64::MAX));
        assert!(row(r#"{"seq": -1}"#).is_err());
        #[derive(Deserialize)]
        struct Req {
            #[serde(deserialize_with = "int")]
            t: i64,
            #[serde(deserialize_with = "decimal")]
            p: Decimal,
        }
        let r: Req = serde_json::from_str(r#"{"t": "12", "p": 3}"#).unwrap();
        assert_eq!((r.t, r.p), (12, Decimal::from(3)));
        assert!(serde_json::from_str::<Req>(r#"{"t": "", "p": 3}"#).is_err());
    }

    #[test]
    fn booleans_and_flags() {
        assert!(row(r#"{"maker": true}"#).unwrap().maker);
        assert!(row(r#"{"maker": "TRUE"}"#).unwrap().maker);
        assert!(!row(r#"{"maker": "false"}"#).unwrap().maker);
        assert!(!row(r#"{}"#).unwrap().maker);
        assert!(!row(r#"{"maker": null}"#).unwrap().maker);
        assert!(!row(r#"{"maker": ""}"#).unwrap().maker);
        assert!(row(r#"{"maker": "yes"}"#).is_err());
        assert_eq!(value_bool(&json!(1)), Err("`1` is not a boolean".to_string()));
        assert_eq!(value_bool(&json!(" false ")), Ok(Some(false)));
    }

    #[test]
    fn book_levels() {
        #[derive(Deserialize)]
        struct Book {
            #[serde(deserialize_with = "levels")]
            bids: Vec<[Decimal; 2]>,
        }
        let b: Book = serde_json::from_str(r#"{"bids": [["4.00000000", "431.00000000"], [3.5, 2, "extra"]]}"#).unwrap();
        assert_eq!(
            b.bids,
            vec![
                [Decimal::new(400_000_000, 8), Decimal::new(43_100_000_000, 8)],
                [Decimal::new(35, 1), Decimal::from(2)]
            ]
        );
        assert!(serde_json::from_str::<Book>(r#"{"bids": [["1"]]}"#).is_err());
        assert!(serde_json::from_str::<Book>(r#"{"bids": [["1", ""]]}"#).is_err());
    }

    proptest! {
        /// Every decimal survives a round trip through its text, as a string and as a number.
        #[test]
        fn decimal_text_round_trip(m in any::<i64>(), scale in 0u32..18) {
            let d = Decimal::new(m, scale);
            let s = d.to_string();
            prop_assert_eq!(decimal_from_text(&s), Some(d));
            let v: Value = serde_json::from_str(&s).unwrap();
            prop_assert_eq!(value_decimal(&v), Ok(Some(d)));
            prop_assert_eq!(value_decimal(&Value::String(s)), Ok(Some(d)));
        }

        /// No input makes a decoder panic.
        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = decimal_from_text(&s);
            let v = Value::String(s);
            let _ = (value_decimal(&v), value_int(&v), value_uint(&v), value_id(&v), value_bool(&v));
        }
    }
}
