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

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{DeserializeSeed, Error as _, IgnoredAny, IntoDeserializer, MapAccess, SeqAccess, Visitor};
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

/// Parses a decimal from text exactly as [`decimal_from_text`] does (same value, same scale),
/// without allocating for the common plain form `-?digits.digits` (at most 19 digits); any
/// other form (blanks, `+`, exponents, `%`, longer numbers) takes the general parse.
pub fn parse_decimal(s: &str) -> Option<Decimal> {
    plain(s.as_bytes(), false).or_else(|| decimal_from_text(s))
}

/// [`parse_decimal`] followed by [`Decimal::normalize`] (trailing fraction zeros dropped:
/// `"0.01000000"` reads as `0.01`), with the zeros dropped during the scan.
pub fn parse_decimal_normalized(s: &str) -> Option<Decimal> {
    plain(s.as_bytes(), true).or_else(|| decimal_from_text(s).map(|d| d.normalize()))
}

/// The plain form `-?digits(.digits)?` with at most 19 digits kept, parsed without allocating,
/// or `None` (not handled: the caller takes the general parse, e.g. [`parse_decimal`]). A
/// negative zero is left to the general parse too. When `Some`, the result is exactly
/// [`decimal_from_text`]'s (normalized when `normalize` is set), so a byte scanner can call this
/// on the text between two quotes and fall back to the general parse on `None`.
#[inline]
pub fn plain_decimal(b: &[u8], normalize: bool) -> Option<Decimal> {
    plain(b, normalize)
}

/// The plain decimal at the start of `b` (as [`plain_decimal`]) and the number of bytes it
/// takes, for byte scanners: the decimal ends at the first byte that cannot continue it (a
/// scanner then checks that byte, e.g. a closing quote). `None` when `b` does not start with
/// a plain decimal of at most 19 digits, or when a digit, `.` or exponent follows that the
/// plain form does not take (the caller takes the general parse).
#[inline(always)]
pub fn plain_decimal_prefix(b: &[u8], normalize: bool) -> Option<(Decimal, usize)> {
    // One loop per setting: the flag is then a constant inside the digit loops.
    if normalize {
        prefix::<true>(b)
    } else {
        prefix::<false>(b)
    }
}

/// [`plain_decimal_prefix`] with the normalisation fixed at compile time.
#[inline(always)]
pub(crate) fn prefix<const NORMALIZE: bool>(b: &[u8]) -> Option<(Decimal, usize)> {
    let mut i = 0;
    let neg = b.first() == Some(&b'-');
    if neg {
        i += 1;
    }
    let int_start = i;
    let mut m: u64 = 0;
    let mut digits = 0u32;
    // The integer digits: from a fixed window of eight bytes when it is there (an unrolled
    // loop without bounds checks; its branches follow the text, which the predictor learns),
    // the byte loop for the rest.
    if let Some(w) = b.get(i..).and_then(|r| r.first_chunk::<8>()) {
        let mut k = 0;
        while k < 8 {
            let d = w[k].wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            m = m.wrapping_mul(10).wrapping_add(u64::from(d));
            k += 1;
        }
        i += k;
        digits = k as u32;
    }
    if digits == 8 || i == int_start {
        while let Some(&c) = b.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            m = m.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
            digits += 1;
            i += 1;
        }
    }
    if i == int_start {
        return None;
    }
    let mut scale = 0u32;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        // Every fraction digit goes into `all`; when normalizing, `m` and `scale` follow it
        // only up to the last non-zero digit (selects, not branches: a digit's zero-ness is
        // unpredictable). `all` may wrap past 19 digits, `m` only when the result would too.
        let mut all = m;
        let mut n = 0u32;
        // Eight digits at a time while eight follow (Binance's eight decimals, OKX sizes). A
        // second byte that is not a digit (a one-digit fraction, or the end after a chunk)
        // rules the chunk out with one comparison.
        while let Some(chunk) = b.get(i..).and_then(|r| r.first_chunk::<8>()) {
            if !chunk[1].is_ascii_digit() {
                break;
            }
            let v = u64::from_le_bytes(*chunk);
            if !eight_are_digits(v) {
                break;
            }
            let d = v.wrapping_sub(0x3030_3030_3030_3030);
            let before = all;
            all = before.wrapping_mul(100_000_000);
            if !NORMALIZE {
                all = all.wrapping_add(eight_digits(d));
                m = all;
                scale = n + 8;
            } else if d != 0 {
                // Trailing zero digits are the chunk's highest zero bytes (the first digit is
                // the lowest byte): drop them by shifting them out, and put them back (times
                // a power of ten) for the unnormalized running value.
                let tz = d.leading_zeros() / 8;
                let c = eight_digits(d << (8 * tz));
                all = all.wrapping_add(c.wrapping_mul(POW10[tz as usize]));
                m = before.wrapping_mul(POW10[(8 - tz) as usize]).wrapping_add(c);
                scale = n + 8 - tz;
            }
            n += 8;
            i += 8;
        }
        while let Some(&c) = b.get(i) {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            all = all.wrapping_mul(10).wrapping_add(u64::from(d));
            n += 1;
            if !NORMALIZE || d != 0 {
                m = all;
                scale = n;
            }
            i += 1;
        }
        if i == frac_start {
            return None;
        }
        digits += scale;
    }
    // More than 19 digits may have wrapped the u64: those take the general parse.
    if digits > 19 || (neg && m == 0) || matches!(b.get(i), Some(b'.' | b'e' | b'E')) {
        return None;
    }
    Some((Decimal::from_parts(m as u32, (m >> 32) as u32, 0, neg, scale), i))
}

/// Powers of ten up to 10^8.
const POW10: [u64; 9] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

/// Whether the eight bytes of `v` are all ASCII digits: each byte's high nibble is 3, and stays
/// 3 when 6 is added (the low nibble is at most 9). A byte of 0xFA or more carries into the
/// next one, but fails the test itself.
#[inline(always)]
fn eight_are_digits(v: u64) -> bool {
    const HI: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    ((v & HI) | ((v.wrapping_add(0x0606_0606_0606_0606) & HI) >> 4)) == 0x3333_3333_3333_3333
}

/// The number whose eight decimal digits (values 0..=9) are the bytes of `d`, the lowest byte
/// the most significant digit (the standard SWAR conversion: three multiplications).
#[inline(always)]
fn eight_digits(d: u64) -> u64 {
    const MASK: u64 = 0x0000_00FF_0000_00FF;
    const MUL1: u64 = 0x000F_4240_0000_0064; // 100 + (1_000_000 << 32)
    const MUL2: u64 = 0x0000_2710_0000_0001; // 1 + (10_000 << 32)
    let d = d.wrapping_mul(10).wrapping_add(d >> 8);
    let v1 = (d & MASK).wrapping_mul(MUL1);
    let v2 = ((d >> 16) & MASK).wrapping_mul(MUL2);
    u64::from((v1.wrapping_add(v2) >> 32) as u32)
}

/// The whole of `b` as a plain decimal.
#[inline]
fn plain(b: &[u8], normalize: bool) -> Option<Decimal> {
    match plain_decimal_prefix(b, normalize)? {
        (d, n) if n == b.len() => Some(d),
        _ => None,
    }
}

/// What a lenient cell decodes to, from each form a deserializer may offer. The fast forms
/// (text, `u64`, `i64`) are handled directly; every other form is first rebuilt as the
/// [`Value`] that `Value::deserialize` would have produced, so results and messages are the
/// `value_*` functions' own.
trait Kind {
    type Out;
    const WHAT: &'static str;
    fn from_value(v: &Value) -> Result<Option<Self::Out>, String>;
    fn from_text(s: &str) -> Result<Option<Self::Out>, String> {
        Self::from_value(&Value::String(s.to_string()))
    }
    fn from_u64(u: u64) -> Result<Option<Self::Out>, String> {
        Self::from_value(&Value::from(u))
    }
    fn from_i64(i: i64) -> Result<Option<Self::Out>, String> {
        Self::from_value(&Value::from(i))
    }
}

/// A decimal, scale kept.
struct DecimalKind;
impl Kind for DecimalKind {
    type Out = Decimal;
    const WHAT: &'static str = "a decimal";
    fn from_value(v: &Value) -> Result<Option<Decimal>, String> {
        value_decimal(v)
    }
    fn from_text(s: &str) -> Result<Option<Decimal>, String> {
        if let Some(d) = plain(s.as_bytes(), false) {
            return Ok(Some(d));
        }
        let t = s.trim();
        if t.is_empty() {
            return Ok(None);
        }
        decimal_from_text(t)
            .map(Some)
            .ok_or_else(|| format!("`{t}` is not a decimal"))
    }
    fn from_u64(u: u64) -> Result<Option<Decimal>, String> {
        Ok(Some(Decimal::from(u)))
    }
    fn from_i64(i: i64) -> Result<Option<Decimal>, String> {
        Ok(Some(Decimal::from(i)))
    }
}

/// A decimal, normalized.
struct NormalizedKind;
impl Kind for NormalizedKind {
    type Out = Decimal;
    const WHAT: &'static str = "a decimal";
    fn from_value(v: &Value) -> Result<Option<Decimal>, String> {
        Ok(value_decimal(v)?.map(|d| d.normalize()))
    }
    fn from_text(s: &str) -> Result<Option<Decimal>, String> {
        match plain(s.as_bytes(), true) {
            Some(d) => Ok(Some(d)),
            None => Ok(DecimalKind::from_text(s)?.map(|d| d.normalize())),
        }
    }
    fn from_u64(u: u64) -> Result<Option<Decimal>, String> {
        Ok(Some(Decimal::from(u).normalize()))
    }
    fn from_i64(i: i64) -> Result<Option<Decimal>, String> {
        Ok(Some(Decimal::from(i).normalize()))
    }
}

/// A signed integer.
struct IntKind;
impl Kind for IntKind {
    type Out = i64;
    const WHAT: &'static str = "an integer";
    fn from_value(v: &Value) -> Result<Option<i64>, String> {
        value_int(v)
    }
    fn from_text(s: &str) -> Result<Option<i64>, String> {
        let t = s.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<i64>()
            .map(Some)
            .map_err(|_| format!("`{t}` is not an integer"))
    }
    fn from_u64(u: u64) -> Result<Option<i64>, String> {
        i64::try_from(u)
            .map(Some)
            .map_err(|_| format!("`{u}` is not an integer"))
    }
    fn from_i64(i: i64) -> Result<Option<i64>, String> {
        Ok(Some(i))
    }
}

/// An unsigned integer.
struct UintKind;
impl Kind for UintKind {
    type Out = u64;
    const WHAT: &'static str = "an unsigned integer";
    fn from_value(v: &Value) -> Result<Option<u64>, String> {
        value_uint(v)
    }
    fn from_text(s: &str) -> Result<Option<u64>, String> {
        let t = s.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<u64>()
            .map(Some)
            .map_err(|_| format!("`{t}` is not an unsigned integer"))
    }
    fn from_u64(u: u64) -> Result<Option<u64>, String> {
        Ok(Some(u))
    }
}

/// An id, as written.
struct IdKind;
impl Kind for IdKind {
    type Out = String;
    const WHAT: &'static str = "an id";
    fn from_value(v: &Value) -> Result<Option<String>, String> {
        value_id(v)
    }
    fn from_text(s: &str) -> Result<Option<String>, String> {
        let t = s.trim();
        Ok((!t.is_empty()).then(|| t.to_string()))
    }
    fn from_u64(u: u64) -> Result<Option<String>, String> {
        Ok(Some(int_text(false, u)))
    }
    fn from_i64(i: i64) -> Result<Option<String>, String> {
        Ok(Some(int_text(i < 0, i.unsigned_abs())))
    }
}

/// The decimal text of an integer (`to_string`'s, without the formatting machinery).
fn int_text(neg: bool, mut u: u64) -> String {
    let mut buf = [0u8; 21];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    if neg {
        i -= 1;
        buf[i] = b'-';
    }
    buf[i..].iter().map(|&c| char::from(c)).collect()
}

/// A boolean.
struct BoolKind;
impl Kind for BoolKind {
    type Out = bool;
    const WHAT: &'static str = "a boolean";
    fn from_value(v: &Value) -> Result<Option<bool>, String> {
        value_bool(v)
    }
    fn from_text(s: &str) -> Result<Option<bool>, String> {
        let t = s.trim();
        if t.is_empty() {
            Ok(None)
        } else if t.eq_ignore_ascii_case("true") {
            Ok(Some(true))
        } else if t.eq_ignore_ascii_case("false") {
            Ok(Some(false))
        } else {
            Err(format!("`{t}` is not a boolean"))
        }
    }
}

/// The visitor (and seed) of one lenient cell of kind `K`: borrowed text is parsed in place.
struct Cell<K>(PhantomData<K>);

impl<K> Cell<K> {
    const fn new() -> Self {
        Cell(PhantomData)
    }
}

impl<'de, K: Kind> Visitor<'de> for Cell<K> {
    type Value = Option<K::Out>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(K::WHAT)
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
        K::from_text(s).map_err(E::custom)
    }

    fn visit_u64<E: serde::de::Error>(self, u: u64) -> Result<Self::Value, E> {
        K::from_u64(u).map_err(E::custom)
    }

    fn visit_i64<E: serde::de::Error>(self, i: i64) -> Result<Self::Value, E> {
        K::from_i64(i).map_err(E::custom)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<Self::Value, E> {
        K::from_value(&Value::Bool(b)).map_err(E::custom)
    }

    fn visit_f64<E: serde::de::Error>(self, f: f64) -> Result<Self::Value, E> {
        let v = serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number);
        K::from_value(&v).map_err(E::custom)
    }

    fn visit_u128<E: serde::de::Error>(self, u: u128) -> Result<Self::Value, E> {
        let v = Value::deserialize(u.into_deserializer())?;
        K::from_value(&v).map_err(E::custom)
    }

    fn visit_i128<E: serde::de::Error>(self, i: i128) -> Result<Self::Value, E> {
        let v = Value::deserialize(i.into_deserializer())?;
        K::from_value(&v).map_err(E::custom)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let v = Value::deserialize(SeqAccessDeserializer::new(seq))?;
        K::from_value(&v).map_err(A::Error::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        // With `arbitrary_precision`, a number that is not a 64-bit integer comes as a map.
        let v = Value::deserialize(MapAccessDeserializer::new(map))?;
        K::from_value(&v).map_err(A::Error::custom)
    }
}

impl<'de, K: Kind> DeserializeSeed<'de> for Cell<K> {
    type Value = Option<K::Out>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

fn cell<'de, K: Kind, D: Deserializer<'de>>(d: D) -> Result<Option<K::Out>, D::Error> {
    d.deserialize_any(Cell::<K>::new())
}

/// `Decimal` field from a string or number.
pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    required(opt_decimal(d)?, "a decimal")
}

/// `Option<Decimal>` field (`null`, `""` and, with `#[serde(default)]`, a missing field are `None`).
pub fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    cell::<DecimalKind, D>(d)
}

/// `i64` field (e.g. a time in ms) from a string or number.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    required(opt_int(d)?, "an integer")
}

/// `Option<i64>` field.
pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    cell::<IntKind, D>(d)
}

/// `Option<u64>` field.
pub fn opt_uint<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    cell::<UintKind, D>(d)
}

/// `String` id field from a string or an exact number.
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    required(opt_id(d)?, "an id")
}

/// `Option<String>` id field.
pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    cell::<IdKind, D>(d)
}

/// `Option<bool>` field.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    cell::<BoolKind, D>(d)
}

/// `bool` field where absent (`null`, `""`, or missing with `#[serde(default)]`) means `false`.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(opt_bool(d)?.unwrap_or(false))
}

/// An order-book side: a list of `[price, quantity, ...]` rows (strings or numbers; extra
/// columns ignored) as `[price, quantity]` pairs. Read in one pass: no intermediate
/// [`Value`] rows.
pub fn levels<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<[Decimal; 2]>, D::Error> {
    d.deserialize_seq(Levels::<DecimalKind>(PhantomData))
}

/// One `[price, quantity, ...]` row (strings or numbers; extra columns ignored).
pub fn level<'de, D: Deserializer<'de>>(d: D) -> Result<[Decimal; 2], D::Error> {
    d.deserialize_seq(Level::<DecimalKind>(PhantomData))
}

/// The same decoders with every decimal normalized ([`Decimal::normalize`]: `"0.01000000"`
/// reads as `0.01`), for venues whose models keep decimals normalized. Identical to applying
/// `normalize` to the plain decoders' results, but the zeros are dropped during the scan.
pub mod normalized {
    use super::*;

    /// [`super::decimal`], normalized.
    pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        required(opt_decimal(d)?, "a decimal")
    }

    /// [`super::opt_decimal`], normalized.
    pub fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        cell::<NormalizedKind, D>(d)
    }

    /// [`super::levels`], normalized.
    pub fn levels<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<[Decimal; 2]>, D::Error> {
        d.deserialize_seq(Levels::<NormalizedKind>(PhantomData))
    }

    /// [`super::level`], normalized.
    pub fn level<'de, D: Deserializer<'de>>(d: D) -> Result<[Decimal; 2], D::Error> {
        d.deserialize_seq(Level::<NormalizedKind>(PhantomData))
    }
}

/// Visitor (and seed) of one `[price, quantity, ...]` row.
struct Level<K>(PhantomData<K>);

impl<'de, K: Kind<Out = Decimal>> Visitor<'de> for Level<K> {
    type Value = [Decimal; 2];

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<[Decimal; 2], A::Error> {
        let mut get = || match seq.next_element_seed(Cell::<K>::new())? {
            None => Err(A::Error::custom("order-book level too short")),
            Some(None) => Err(A::Error::custom("empty order-book level")),
            Some(Some(d)) => Ok(d),
        };
        let price = get()?;
        let qty = get()?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok([price, qty])
    }
}

impl<'de, K: Kind<Out = Decimal>> DeserializeSeed<'de> for Level<K> {
    type Value = [Decimal; 2];

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<[Decimal; 2], D::Error> {
        d.deserialize_seq(self)
    }
}

/// Visitor of a list of rows.
struct Levels<K>(PhantomData<K>);

impl<'de, K: Kind<Out = Decimal>> Visitor<'de> for Levels<K> {
    type Value = Vec<[Decimal; 2]>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<[Decimal; 2]>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(l) = seq.next_element_seed(Level::<K>(PhantomData))? {
            out.push(l);
        }
        Ok(out)
    }
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

    /// The text decoders before the one-pass visitors: everything through a [`Value`].
    fn via_value<T>(json: &str, f: fn(&Value) -> Result<Option<T>, String>) -> Result<Option<T>, String> {
        let v: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        f(&v)
    }

    /// The one-pass visitor of kind `K` on `json`, errors as their messages (no position).
    fn via_cell<K: Kind>(json: &str) -> Result<Option<K::Out>, String> {
        let mut d = serde_json::Deserializer::from_str(json);
        match cell::<K, _>(&mut d).and_then(|v| d.end().map(|()| v)) {
            Ok(v) => Ok(v),
            Err(e) => {
                let s = e.to_string();
                Err(s.split(" at line ").next().unwrap_or_default().to_string())
            }
        }
    }

    /// Same value, same scale, same sign.
    fn same(a: Option<Decimal>, b: Option<Decimal>) -> bool {
        a == b
            && a.map(|d| (d.to_string(), d.scale(), d.is_sign_negative()))
                == b.map(|d| (d.to_string(), d.scale(), d.is_sign_negative()))
    }

    const EDGES: &[&str] = &[
        "0",
        "0.00000000",
        "42574.30000000",
        "0.01070000",
        "-67445.9",
        "-0.009",
        "1000000.00000000",
        "00012.340",
        "9999999999999999999",
        "99999999999999999999",
        "0.0000000000000000000000000001",
        "1.0000000000000000000",
        "18446744073709551615",
        "18446744073709551616",
        "123.",
        ".5",
        "1e-5",
        " 1.5 ",
        "-0.0",
        "-0",
        "-",
        "",
        "1.2.3",
        "+1",
        "1_000",
        "12345678901234567890123.4",
        "1.70%",
        "0.1000000000000000055511151231257827",
        "-.5",
        "1.-5",
        "1..5",
        "0x10",
        "NaN",
        "1E3",
        "10000000000000000000.0",
    ];

    #[test]
    fn fast_parse_equals_the_general_parse_on_edges() {
        for s in EDGES {
            assert!(same(parse_decimal(s), decimal_from_text(s)), "{s:?}");
            assert!(
                same(parse_decimal_normalized(s), decimal_from_text(s).map(|d| d.normalize())),
                "{s:?}"
            );
            let quoted = serde_json::to_string(s).unwrap();
            for json in [quoted.as_str(), s] {
                let a = via_cell::<DecimalKind>(json);
                let b = via_value(json, value_decimal);
                match (&a, &b) {
                    (Ok(x), Ok(y)) => assert!(same(*x, *y), "{json}"),
                    _ => assert_eq!(a.is_ok(), b.is_ok(), "{json}: {a:?} vs {b:?}"),
                }
            }
        }
    }

    #[test]
    fn one_pass_cells_equal_the_value_decoders() {
        for json in [
            "null",
            "true",
            "false",
            "\"\"",
            "\" \"",
            "\"TRUE\"",
            "\" 12 \"",
            "12",
            "-12",
            "1.5",
            "1e3",
            "-0",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775809",
            "123456789012345678901234567890",
            "\"abc\"",
            "[1]",
            "{}",
            "{\"a\":1}",
            "9223372036854775808",
        ] {
            assert_eq!(via_cell::<IntKind>(json), via_value(json, value_int), "{json}");
            assert_eq!(via_cell::<UintKind>(json), via_value(json, value_uint), "{json}");
            assert_eq!(via_cell::<IdKind>(json), via_value(json, value_id), "{json}");
            assert_eq!(via_cell::<BoolKind>(json), via_value(json, value_bool), "{json}");
            assert_eq!(via_cell::<DecimalKind>(json), via_value(json, value_decimal), "{json}");
            assert_eq!(
                via_cell::<NormalizedKind>(json),
                via_value(json, value_decimal).map(|d| d.map(|d| d.normalize())),
                "{json}"
            );
        }
    }

    #[test]
    fn normalized_levels() {
        #[derive(Deserialize)]
        struct Book {
            #[serde(deserialize_with = "normalized::levels")]
            bids: Vec<[Decimal; 2]>,
            #[serde(deserialize_with = "normalized::level")]
            top: [Decimal; 2],
        }
        let b: Book = serde_json::from_str(
            r#"{"bids": [["4.00000000", "431.00000000"], [3.50, 2, "x"]], "top": ["0.10", 1e-3]}"#,
        )
        .unwrap();
        assert_eq!(
            b.bids,
            vec![
                [Decimal::from(4), Decimal::from(431)],
                [Decimal::new(35, 1), Decimal::from(2)]
            ]
        );
        assert_eq!(b.bids[0][0].to_string(), "4");
        assert_eq!(b.top, [Decimal::new(1, 1), Decimal::new(1, 3)]);
        assert!(serde_json::from_str::<Book>(r#"{"bids": "x", "top": [1, 2]}"#).is_err());
        assert!(serde_json::from_str::<Book>(r#"{"bids": [], "top": [1]}"#).is_err());
    }

    #[test]
    fn eight_digit_chunks() {
        for pos in 0..8 {
            for byte in 0..=255u8 {
                let mut b = *b"12345678";
                b[pos] = byte;
                assert_eq!(
                    eight_are_digits(u64::from_le_bytes(b)),
                    byte.is_ascii_digit(),
                    "{byte:#x} at {pos}"
                );
            }
        }
        let d = |t: &[u8; 8]| u64::from_le_bytes(*t).wrapping_sub(0x3030_3030_3030_3030);
        assert_eq!(eight_digits(d(b"98765432")), 98_765_432);
        assert_eq!(eight_digits(d(b"00000001")), 1);
        // Fractions of eight and sixteen digits with trailing, inner and only zeros.
        for (text, norm, want) in [
            ("42576.20000000", true, "42576.2"),
            ("42576.20000000", false, "42576.20000000"),
            ("1.35654000", true, "1.35654"),
            ("0.00000000", true, "0"),
            ("7.00000001", true, "7.00000001"),
            ("7.1000000000000000", true, "7.1"),
            ("0.0000000000000010", true, "0.000000000000001"),
            ("0.1234567890123456", false, "0.1234567890123456"),
            ("12345.123456789012345", false, "12345.123456789012345"),
        ] {
            let got = plain_decimal_prefix(text.as_bytes(), norm).map(|(d, n)| (d.to_string(), n));
            let general = decimal_from_text(text).map(|d| if norm { d.normalize() } else { d });
            match got {
                Some((g, n)) => {
                    assert_eq!((g.as_str(), n), (want, text.len()), "{text}");
                    assert_eq!(general.map(|d| d.to_string()).as_deref(), Some(want));
                }
                // Beyond 19 digits: the general parse takes it.
                None => assert!(text.len() > 20, "{text}"),
            }
        }
    }

    proptest! {
        /// The fast parse is the general parse, digit for digit, on plain-looking text.
        #[test]
        fn fast_parse_equals_general_parse(s in "[ +-]?[0-9]{0,24}(\\.[0-9]{0,24})?[ %]?") {
            prop_assert!(same(parse_decimal(&s), decimal_from_text(&s)), "{:?}", s);
            prop_assert!(same(parse_decimal_normalized(&s), decimal_from_text(&s).map(|d| d.normalize())), "{:?}", s);
            let quoted = serde_json::to_string(&s).unwrap();
            let a = via_cell::<DecimalKind>(&quoted);
            let b = via_value(&quoted, value_decimal);
            prop_assert_eq!(a.is_ok(), b.is_ok());
            if let (Ok(x), Ok(y)) = (a, b) {
                prop_assert!(same(x, y));
            }
        }

        /// Same on any decimal's own text, and on JSON numbers.
        #[test]
        fn fast_parse_equals_general_parse_on_decimals(m in any::<i64>(), scale in 0u32..28, zeros in 0usize..6) {
            let s = format!("{}{}", Decimal::new(m, scale), if scale > 0 { "0".repeat(zeros) } else { String::new() });
            prop_assert!(same(parse_decimal(&s), decimal_from_text(&s)));
            prop_assert!(same(parse_decimal_normalized(&s), decimal_from_text(&s).map(|d| d.normalize())));
            let a = via_cell::<DecimalKind>(&s);
            let b = via_value(&s, value_decimal);
            prop_assert_eq!(a.clone(), b.clone());
            if let (Ok(x), Ok(y)) = (a, b) {
                prop_assert!(same(x, y));
            }
        }

        /// A scanner's prefix parse is the whole-text parse of the text before the quote.
        #[test]
        fn prefix_parse_equals_general_parse(s in "-?[0-9]{0,22}(\\.[0-9]{0,22})?[\"e.,]?", norm in any::<bool>()) {
            if let Some((d, n)) = plain_decimal_prefix(s.as_bytes(), norm) {
                let head = &s[..n];
                let general = decimal_from_text(head);
                let want = if norm { general.map(|d| d.normalize()) } else { general };
                prop_assert!(same(Some(d), want), "{:?}", s);
                prop_assert!(!matches!(s.as_bytes().get(n), Some(b'0'..=b'9' | b'.' | b'e' | b'E')));
            }
        }

        /// The same with any bytes after the number's end (a quote, bracket, comma, blank or
        /// letter, then anything), so the eight-byte windows of the fast path reach past it:
        /// the parse stops where the number does.
        #[test]
        fn prefix_parse_stops_at_the_number(num in "-?[0-9]{1,21}(\\.[0-9]{1,21})?", tail in "([\"\\],\\[ a][\"\\],\\[0-9.eE a-]{0,11})?", norm in any::<bool>()) {
            let s = format!("{num}{tail}");
            let general = decimal_from_text(&num);
            let want = if norm { general.map(|d| d.normalize()) } else { general };
            match plain_decimal_prefix(s.as_bytes(), norm) {
                Some((d, n)) => {
                    prop_assert_eq!(n, num.len(), "{:?}", s);
                    prop_assert!(same(Some(d), want), "{:?}", s);
                }
                // Declined only beyond 19 digits, or for -0 (the general parse's cases).
                None => {
                    let digits = num.bytes().filter(u8::is_ascii_digit).count();
                    prop_assert!(
                        digits > 19 || want.is_some_and(|d| d.is_zero() && num.starts_with('-')),
                        "{:?}", s
                    );
                }
            }
        }

        /// Integer ids read as their `to_string` text.
        #[test]
        fn integer_ids_are_their_text(u in any::<u64>(), i in any::<i64>()) {
            prop_assert_eq!(IdKind::from_u64(u), Ok(Some(u.to_string())));
            prop_assert_eq!(IdKind::from_i64(i), Ok(Some(i.to_string())));
            prop_assert_eq!(int_text(false, 0), "0");
            prop_assert_eq!(int_text(true, u64::MAX), format!("-{}", u64::MAX));
        }

        /// No input makes the fast parse panic, and it never disagrees with the general one.
        #[test]
        fn fast_parse_never_panics(s in ".{0,40}") {
            prop_assert!(same(parse_decimal(&s), decimal_from_text(&s)));
            prop_assert!(same(parse_decimal_normalized(&s), decimal_from_text(&s).map(|d| d.normalize())));
        }
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
