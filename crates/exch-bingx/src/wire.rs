//! BingX JSON types (serde). No `deny_unknown_fields`; every field is optional because BingX
//! omits, empties (`""`) or re-types fields between spot, swap and API versions.
//!
//! Numbers keep their JSON text (the workspace enables serde_json's `arbitrary_precision`), so
//! an order id such as `1736011869418901234` keeps its exact digits: ids become strings from the
//! JSON text, decimals become [`Decimal`] from the JSON text, never through `f64`.
//!
//! The field decoders in [`de`] read strings in place (no [`serde_json::Value`] per field) with
//! the same results and error messages as [`exch_core::de`] reading a `Value`, except that a
//! number is never rewritten through an `f64` (see [`de::number_cell`]); [`Reply`] decodes the
//! envelope and its typed `data` in one pass, and [`WireBook`] reads book levels straight into
//! [`Level`]s.

use std::fmt;
use std::marker::PhantomData;

use exch_core::Level;
use rust_decimal::Decimal;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

/// Field deserializers that accept BingX's string-or-number encodings. They give the results
/// and error messages of [`exch_core::de`] (`value_*` on a [`serde_json::Value`]) without
/// building a `Value`: a string is read in place, a number from its exact JSON text (checked
/// against the `Value` path by the tests below).
pub mod de {
    use super::*;
    use serde::de::value::SeqAccessDeserializer;
    use serde::de::{DeserializeSeed, Error as _, IntoDeserializer};

    pub use exch_core::de::{
        decimal_from_text, parse_decimal, value_bool, value_decimal, value_id, value_int as value_i64,
    };

    /// The map key under which serde_json (`arbitrary_precision`) hands over a number's text.
    const NUMBER_TOKEN: &str = "$serde_json::private::Number";

    /// One kind of lenient cell: how it reads text (a JSON string, or a number's text) and any
    /// other JSON value. Blank text is absent.
    pub trait Cell: Sized {
        /// From the text of a string or a number.
        fn from_text(s: &str) -> Result<Option<Self>, String>;
        /// From any other value (the [`exch_core::de`] decoder, for identical errors).
        fn from_value(v: &Value) -> Result<Option<Self>, String>;
        /// From a JSON boolean.
        fn from_bool(b: bool) -> Result<Option<Self>, String> {
            Self::from_value(&Value::Bool(b))
        }
        /// From an integer that fits a `u64`.
        fn from_u64(n: u64) -> Result<Option<Self>, String> {
            Self::from_value(&Value::from(n))
        }
        /// From a negative integer that fits an `i64`.
        fn from_i64(n: i64) -> Result<Option<Self>, String> {
            Self::from_value(&Value::from(n))
        }
    }

    impl Cell for Decimal {
        fn from_text(s: &str) -> Result<Option<Self>, String> {
            let t = s.trim();
            if t.is_empty() {
                return Ok(None);
            }
            parse_decimal(t)
                .map(Some)
                .ok_or_else(|| format!("`{t}` is not a decimal"))
        }
        fn from_value(v: &Value) -> Result<Option<Self>, String> {
            value_decimal(v)
        }
        fn from_u64(n: u64) -> Result<Option<Self>, String> {
            Ok(Some(Decimal::from(n)))
        }
        fn from_i64(n: i64) -> Result<Option<Self>, String> {
            Ok(Some(Decimal::from(n)))
        }
    }

    impl Cell for i64 {
        fn from_text(s: &str) -> Result<Option<Self>, String> {
            let t = s.trim();
            if t.is_empty() {
                return Ok(None);
            }
            t.parse::<i64>()
                .map(Some)
                .map_err(|_| format!("`{t}` is not an integer"))
        }
        fn from_value(v: &Value) -> Result<Option<Self>, String> {
            value_i64(v)
        }
        fn from_u64(n: u64) -> Result<Option<Self>, String> {
            i64::try_from(n)
                .map(Some)
                .map_err(|_| format!("`{n}` is not an integer"))
        }
        fn from_i64(n: i64) -> Result<Option<Self>, String> {
            Ok(Some(n))
        }
    }

    /// An id: the text as written (trimmed).
    struct Id(String);

    impl Cell for Id {
        fn from_text(s: &str) -> Result<Option<Self>, String> {
            let t = s.trim();
            Ok((!t.is_empty()).then(|| Id(t.to_string())))
        }
        fn from_value(v: &Value) -> Result<Option<Self>, String> {
            value_id(v).map(|o| o.map(Id))
        }
        fn from_u64(n: u64) -> Result<Option<Self>, String> {
            Ok(Some(Id(n.to_string())))
        }
        fn from_i64(n: i64) -> Result<Option<Self>, String> {
            Ok(Some(Id(n.to_string())))
        }
    }

    impl Cell for bool {
        fn from_text(s: &str) -> Result<Option<Self>, String> {
            let t = s.trim();
            if t.eq_ignore_ascii_case("true") {
                Ok(Some(true))
            } else if t.eq_ignore_ascii_case("false") {
                Ok(Some(false))
            } else if t.is_empty() {
                Ok(None)
            } else {
                Err(format!("`{t}` is not a boolean"))
            }
        }
        fn from_value(v: &Value) -> Result<Option<Self>, String> {
            value_bool(v)
        }
        fn from_bool(b: bool) -> Result<Option<Self>, String> {
            Ok(Some(b))
        }
    }

    /// Reads one cell of kind `T` (`None` for `null` and blank text).
    #[derive(Debug)]
    pub struct CellSeed<T>(PhantomData<T>);

    impl<T> CellSeed<T> {
        /// The seed.
        pub fn new() -> Self {
            CellSeed(PhantomData)
        }
    }

    impl<T> Default for CellSeed<T> {
        fn default() -> Self {
            Self::new()
        }
    }

    impl<'de, T: Cell> DeserializeSeed<'de> for CellSeed<T> {
        type Value = Option<T>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
            d.deserialize_any(CellVisitor(PhantomData))
        }
    }

    struct CellVisitor<T>(PhantomData<T>);

    /// The first key of a map: serde_json's number token, or a real key.
    enum Key {
        Number,
        Other(String),
    }

    struct KeyVisitor;

    impl Visitor<'_> for KeyVisitor {
        type Value = Key;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map key")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Key, E> {
            Ok(if s == NUMBER_TOKEN {
                Key::Number
            } else {
                Key::Other(s.to_string())
            })
        }
    }

    impl<'de> DeserializeSeed<'de> for KeyVisitor {
        type Value = Key;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
            d.deserialize_str(self)
        }
    }

    /// The text of a number (serde_json hands it over as a string).
    struct TextSeed<T>(PhantomData<T>);

    impl<'de, T: Cell> DeserializeSeed<'de> for TextSeed<T> {
        type Value = Option<T>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
            d.deserialize_str(NumberVisitor(PhantomData))
        }
    }

    struct NumberVisitor<T>(PhantomData<T>);

    impl<T: Cell> Visitor<'_> for NumberVisitor<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Option<T>, E> {
            number_cell(s).map_err(E::custom)
        }
    }

    /// A cell from the text of a JSON number: a 64-bit integer as the integer (so `-0` reads
    /// as `0`, as through a [`Value`]), anything else exactly as written. (Through a `Value`,
    /// serde_json rewrites a number whose text is the shortest form of an `f64` with its own
    /// float formatting, which can change the last of 16 or more significant digits; the
    /// text is kept here, never an `f64`.)
    pub fn number_cell<T: Cell>(t: &str) -> Result<Option<T>, String> {
        if let Ok(n) = t.parse::<u64>() {
            return T::from_u64(n);
        }
        if let Ok(n) = t.parse::<i64>() {
            return T::from_i64(n);
        }
        T::from_text(t)
    }

    impl<'de, T: Cell> Visitor<'de> for CellVisitor<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Option<T>, E> {
            T::from_text(s).map_err(E::custom)
        }
        fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<Option<T>, E> {
            T::from_bool(b).map_err(E::custom)
        }
        // Integers that fit 64 bits are read directly; other numbers read from a `Value` (the
        // general path) arrive as 128-bit integers or floats and become the `Value` that
        // `Value::deserialize` would build, as in `exch_core::de`.
        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Option<T>, E> {
            T::from_i64(n).map_err(E::custom)
        }
        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Option<T>, E> {
            T::from_u64(n).map_err(E::custom)
        }
        fn visit_i128<E: serde::de::Error>(self, n: i128) -> Result<Option<T>, E> {
            T::from_value(&Value::deserialize(n.into_deserializer())?).map_err(E::custom)
        }
        fn visit_u128<E: serde::de::Error>(self, n: u128) -> Result<Option<T>, E> {
            T::from_value(&Value::deserialize(n.into_deserializer())?).map_err(E::custom)
        }
        fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Option<T>, E> {
            T::from_value(&Value::deserialize(n.into_deserializer())?).map_err(E::custom)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Option<T>, A::Error> {
            let v = Value::deserialize(SeqAccessDeserializer::new(seq))?;
            T::from_value(&v).map_err(A::Error::custom)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
            match map.next_key_seed(KeyVisitor)? {
                Some(Key::Number) => map.next_value_seed(TextSeed::<T>(PhantomData)),
                Some(Key::Other(first)) => {
                    // A real object: never a cell, but build it for the same error message.
                    let mut m = serde_json::Map::new();
                    m.insert(first, map.next_value::<Value>()?);
                    while let Some((k, v)) = map.next_entry::<String, Value>()? {
                        m.insert(k, v);
                    }
                    T::from_value(&Value::Object(m)).map_err(A::Error::custom)
                }
                None => T::from_value(&Value::Object(serde_json::Map::new())).map_err(A::Error::custom),
            }
        }
    }

    /// `Option<Decimal>` field from a string or number (`null`, blank or missing: `None`).
    pub fn opt_dec<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        CellSeed::new().deserialize(d)
    }

    /// `Option<i64>` field (a time in ms, a code, a precision) from a string or number.
    pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        CellSeed::new().deserialize(d)
    }

    /// `Option<String>` id field from a string or an exact number.
    pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(CellSeed::<Id>::new().deserialize(d)?.map(|i| i.0))
    }

    /// `Option<bool>` field from `true`/`false` or `"true"`/`"false"` (any case).
    pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        CellSeed::new().deserialize(d)
    }

    /// `true` when the field is present (any value); with `#[serde(default)]`, `false` when not.
    pub fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        IgnoredAny::deserialize(d).map(|_| true)
    }

    /// An order-book side read straight into [`Level`]s: a list of `[price, qty, ...]` rows
    /// (strings or numbers; extra columns ignored). Strict: a short row, or a price or quantity
    /// that is absent or not a decimal, is an error (the caller then reports it as
    /// `bad [price, qty] level`).
    pub fn levels<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Level>, D::Error> {
        struct Rows;
        impl<'de> Visitor<'de> for Rows {
            type Value = Vec<Level>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of [price, qty] levels")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Level>, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(l) = seq.next_element_seed(Row)? {
                    out.push(l);
                }
                Ok(out)
            }
        }
        struct Row;
        impl<'de> DeserializeSeed<'de> for Row {
            type Value = Level;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Level, D::Error> {
                d.deserialize_seq(self)
            }
        }
        impl<'de> Visitor<'de> for Row {
            type Value = Level;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a [price, qty] level")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Level, A::Error> {
                let mut cell = || -> Result<Decimal, A::Error> {
                    seq.next_element_seed(CellSeed::<Decimal>::new())?
                        .flatten()
                        .ok_or_else(|| A::Error::custom("bad [price, qty] level"))
                };
                let price = cell()?;
                let qty = cell()?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Level { price, qty })
            }
        }
        d.deserialize_seq(Rows)
    }
}

/// The response envelope with its `data` typed, decoded in one pass (no intermediate
/// [`Value`]). Used on the success path; any reply it cannot take (a business error, `data`
/// absent or `null`, a field of another shape) is decoded again through [`Envelope`], which
/// gives the typed error.
#[derive(Debug, Clone, Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
pub struct Reply<T> {
    /// `0` (or `"0"`) on success.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub code: Option<i64>,
    /// Error message.
    #[serde(default)]
    pub msg: Option<String>,
    /// The payload (`None` when absent or `null`).
    #[serde(default)]
    pub data: Option<T>,
}

/// A `T` read only from a JSON object (serde's derived structs also take a list of their
/// fields in order; the one-pass order decode must not, to agree with the general path).
#[derive(Debug, Clone)]
pub struct MapOnly<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for MapOnly<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = MapOnly<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<MapOnly<T>, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(MapOnly)
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

/// `data` that is either one object or a list of them (BingX tickers), decoded in one pass.
#[derive(Debug, Clone)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object or a list of objects")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<OneOrMany<T>, A::Error> {
                Vec::<T>::deserialize(serde::de::value::SeqAccessDeserializer::new(seq)).map(OneOrMany)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<OneOrMany<T>, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(|t| OneOrMany(vec![t]))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// The response envelope `{"code":0,"msg":"","data":...}` (code is a number or a string).
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope {
    /// `0` (or `"0"`) on success.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub code: Option<i64>,
    /// Error message.
    #[serde(default)]
    pub msg: Option<String>,
    /// The payload.
    #[serde(default)]
    pub data: Value,
}

/// `data` of `GET /openApi/swap/v2/server/time`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerTime {
    /// Server time in ms.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub server_time: Option<i64>,
}

/// One perpetual contract of `GET /openApi/swap/v2/quote/contracts`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SwapContract {
    /// Native symbol, e.g. `BTC-USDT`.
    pub symbol: String,
    /// Contract id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub contract_id: Option<String>,
    /// Base asset (traded coin).
    #[serde(default)]
    pub asset: Option<String>,
    /// Settlement and margin asset.
    #[serde(default)]
    pub currency: Option<String>,
    /// Price decimals.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub price_precision: Option<i64>,
    /// Quantity decimals.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub quantity_precision: Option<i64>,
    /// Minimum quantity in coins.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub trade_min_quantity: Option<Decimal>,
    /// Minimum notional in USDT.
    #[serde(default, deserialize_with = "de::opt_dec", rename = "tradeMinUSDT")]
    pub trade_min_usdt: Option<Decimal>,
    /// 1 online, 25 open disabled, 5 pre-online, 0 offline.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub status: Option<i64>,
    /// Whether opening positions through the API is enabled.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub api_state_open: Option<bool>,
    /// Whether closing positions through the API is enabled.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub api_state_close: Option<bool>,
}

/// `data` of `GET /openApi/spot/v1/common/symbols`.
#[derive(Debug, Clone, Deserialize)]
pub struct SpotSymbols {
    /// The symbols.
    #[serde(default)]
    pub symbols: Vec<SpotSymbol>,
}

/// One spot symbol.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpotSymbol {
    /// Native symbol, e.g. `BTC-USDT`.
    pub symbol: String,
    /// Price step.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub tick_size: Option<Decimal>,
    /// Quantity step.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub step_size: Option<Decimal>,
    /// Minimum quantity.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub min_qty: Option<Decimal>,
    /// Maximum quantity.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub max_qty: Option<Decimal>,
    /// Minimum notional.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub min_notional: Option<Decimal>,
    /// 1 online, 0 offline.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub status: Option<i64>,
    /// Buying through the API enabled.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub api_state_buy: Option<bool>,
    /// Selling through the API enabled.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub api_state_sell: Option<bool>,
}

/// A 24 h ticker (swap `quote/ticker`, spot `ticker/24hr`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireTicker {
    /// Native symbol.
    pub symbol: String,
    /// Last price.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub last_price: Option<Decimal>,
    /// Best bid.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub bid_price: Option<Decimal>,
    /// Best bid quantity.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub bid_qty: Option<Decimal>,
    /// Best ask.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub ask_price: Option<Decimal>,
    /// Best ask quantity.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub ask_qty: Option<Decimal>,
    /// 24 h open.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub open_price: Option<Decimal>,
    /// 24 h high.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub high_price: Option<Decimal>,
    /// 24 h low.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub low_price: Option<Decimal>,
    /// 24 h base volume.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub volume: Option<Decimal>,
    /// 24 h quote volume.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub quote_volume: Option<Decimal>,
    /// Change in percent (spot writes `"1.70%"`).
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub price_change_percent: Option<Decimal>,
    /// Window end.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub close_time: Option<i64>,
}

/// An order book (swap `quote/depth`, spot `market/depth`) with its rows as written: the
/// lenient shape, read only when the byte scan and [`WireBook`] do not take a reply (it names
/// the bad level in the error).
#[derive(Debug, Clone, Deserialize)]
pub struct WireDepth {
    /// `[price, qty]` bids.
    #[serde(default)]
    pub bids: Vec<Vec<Value>>,
    /// `[price, qty]` asks.
    #[serde(default)]
    pub asks: Vec<Vec<Value>>,
    /// Swap time.
    #[serde(default, rename = "T", deserialize_with = "de::opt_i64")]
    pub t: Option<i64>,
    /// Spot time.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub ts: Option<i64>,
}

/// An order book with its levels read straight into [`Level`]s (the one-pass decode of
/// [`WireDepth`]; a bad level fails the whole decode).
#[derive(Debug, Clone, Deserialize)]
pub struct WireBook {
    /// Bids as listed.
    #[serde(default, deserialize_with = "de::levels")]
    pub bids: Vec<Level>,
    /// Asks as listed.
    #[serde(default, deserialize_with = "de::levels")]
    pub asks: Vec<Level>,
    /// Swap time.
    #[serde(default, rename = "T", deserialize_with = "de::opt_i64")]
    pub t: Option<i64>,
    /// Spot time.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub ts: Option<i64>,
}

/// Swap `data` of an order reply: `{"order": {...}}`.
#[derive(Debug, Clone, Deserialize)]
pub struct WireOrderData {
    /// The order.
    pub order: WireOrder,
}

/// A public trade (swap `quote/trades` has no id; spot `market/trades` has one).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireTrade {
    /// Trade id (spot).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// Price.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub price: Option<Decimal>,
    /// Quantity.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub qty: Option<Decimal>,
    /// Time.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub time: Option<i64>,
    /// Whether the buyer was the maker (swap `isBuyerMaker`, spot `buyerMaker`).
    #[serde(default, alias = "buyerMaker", deserialize_with = "de::opt_bool")]
    pub is_buyer_maker: Option<bool>,
}

/// An order: swap `data.order`/`data.orders[]` and spot `data`/`data.orders[]` share it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireOrder {
    /// Native symbol.
    #[serde(default)]
    pub symbol: Option<String>,
    /// Order id, exact.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub order_id: Option<String>,
    /// `BUY`/`SELL`.
    #[serde(default)]
    pub side: Option<String>,
    /// `LONG`/`SHORT`/`BOTH` (swap).
    #[serde(default)]
    pub position_side: Option<String>,
    /// Order type.
    #[serde(default, rename = "type")]
    pub order_type: Option<String>,
    /// Ordered quantity.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub orig_qty: Option<Decimal>,
    /// Ordered quantity (swap placement echo).
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub quantity: Option<Decimal>,
    /// Limit price.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub price: Option<Decimal>,
    /// Filled quantity.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub executed_qty: Option<Decimal>,
    /// Average fill price (swap).
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub avg_price: Option<Decimal>,
    /// Filled quote amount (spot).
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub cummulative_quote_qty: Option<Decimal>,
    /// Trigger price (spot writes `StopPrice`).
    #[serde(default, alias = "StopPrice", deserialize_with = "de::opt_dec")]
    pub stop_price: Option<Decimal>,
    /// Status string.
    #[serde(default)]
    pub status: Option<String>,
    /// Creation time.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub time: Option<i64>,
    /// Creation time of a spot placement.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub transact_time: Option<i64>,
    /// Update time.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub update_time: Option<i64>,
    /// Client order id (swap `clientOrderId`, both markets also `clientOrderID`).
    #[serde(default, alias = "clientOrderID", alias = "newClientOrderId")]
    pub client_order_id: Option<String>,
    /// Reduce-only flag.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub reduce_only: Option<bool>,
    /// Time in force.
    #[serde(default)]
    pub time_in_force: Option<String>,
    /// Trailing callback rate (ratio).
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub price_rate: Option<Decimal>,
    /// Attached take-profit (object, JSON string, or `""`).
    #[serde(default)]
    pub take_profit: Value,
    /// Attached stop-loss (object, JSON string, or `""`).
    #[serde(default)]
    pub stop_loss: Value,
    /// Whether the object has an `order` key (swap wraps the order in `data.order`).
    #[serde(default, rename = "order", deserialize_with = "de::present")]
    pub order_key: bool,
}

/// `data` holding `orders` (open orders, history).
#[derive(Debug, Clone, Deserialize)]
pub struct WireOrders {
    /// The orders.
    #[serde(default)]
    pub orders: Option<Vec<WireOrder>>,
}

/// `data` of swap cancel-all: `success` orders and `failed` entries.
#[derive(Debug, Clone, Deserialize)]
pub struct WireCancelAll {
    /// Cancelled orders.
    #[serde(default)]
    pub success: Option<Vec<WireOrder>>,
    /// Failures (shape varies).
    #[serde(default)]
    pub failed: Value,
}

/// A swap balance row (`/openApi/swap/v3/user/balance`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SwapBalance {
    /// Asset.
    pub asset: String,
    /// Wallet balance.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub balance: Option<Decimal>,
    /// Equity.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub equity: Option<Decimal>,
    /// Available margin.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub available_margin: Option<Decimal>,
    /// Used margin.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub used_margin: Option<Decimal>,
    /// Frozen margin.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub freezed_margin: Option<Decimal>,
}

/// A spot balance row.
#[derive(Debug, Clone, Deserialize)]
pub struct SpotBalance {
    /// Asset.
    pub asset: String,
    /// Available.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub free: Option<Decimal>,
    /// Locked.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub locked: Option<Decimal>,
}

/// `data` of the spot balance endpoint.
#[derive(Debug, Clone, Deserialize)]
pub struct SpotBalances {
    /// Rows.
    #[serde(default)]
    pub balances: Vec<SpotBalance>,
}

/// A swap position (`/openApi/swap/v2/user/positions`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WirePosition {
    /// Native symbol.
    pub symbol: String,
    /// Position id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub position_id: Option<String>,
    /// `LONG`/`SHORT`/`BOTH`.
    #[serde(default)]
    pub position_side: Option<String>,
    /// Isolated margin.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub isolated: Option<bool>,
    /// Size in coins (signed in one-way mode).
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub position_amt: Option<Decimal>,
    /// Average entry price.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub avg_price: Option<Decimal>,
    /// Mark price.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub mark_price: Option<Decimal>,
    /// Liquidation price (`0` when none).
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub liquidation_price: Option<Decimal>,
    /// Unrealized PnL.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub unrealized_profit: Option<Decimal>,
    /// Leverage.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub leverage: Option<Decimal>,
    /// True in one-way mode.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub only_one_position: Option<bool>,
    /// Update time.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub update_time: Option<i64>,
}

/// An income record (`/openApi/swap/v2/user/income`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireIncome {
    /// Native symbol (may be empty for transfers).
    #[serde(default)]
    pub symbol: Option<String>,
    /// Type.
    #[serde(default)]
    pub income_type: Option<String>,
    /// Signed amount.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub income: Option<Decimal>,
    /// Asset.
    #[serde(default)]
    pub asset: Option<String>,
    /// Time.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub time: Option<i64>,
    /// Record id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub tran_id: Option<String>,
}

/// `data` of close-all-positions: ids of the closing orders.
#[derive(Debug, Clone, Deserialize)]
pub struct WireCloseAll {
    /// Closing order ids.
    #[serde(default)]
    pub success: Option<Vec<Value>>,
    /// Failures.
    #[serde(default)]
    pub failed: Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_above_2_pow_53_stay_exact() {
        let body = r#"{"orderId":1736011869418901234,"symbol":"BTC-USDT"}"#;
        let o: WireOrder = serde_json::from_str(body).unwrap();
        assert_eq!(o.order_id.as_deref(), Some("1736011869418901234"));
        // Through an intermediate Value, too.
        let v: Value = serde_json::from_str(body).unwrap();
        let o: WireOrder = serde_json::from_value(v).unwrap();
        assert_eq!(o.order_id.as_deref(), Some("1736011869418901234"));
        assert_eq!(1u64 << 53, 9_007_199_254_740_992, "the id above is larger than 2^53");
    }

    #[test]
    fn decimals_from_strings_numbers_and_percent() {
        let t: WireTicker = serde_json::from_str(
            r#"{"symbol":"BTC-USDT","lastPrice":73372.83,"priceChangePercent":"1.70%","volume":"","closeTime":"1710328247428"}"#,
        )
        .unwrap();
        assert_eq!(t.last_price, Some(Decimal::new(7337283, 2)));
        assert_eq!(t.price_change_percent, Some(Decimal::new(170, 2)));
        assert_eq!(t.volume, None);
        assert_eq!(t.close_time, Some(1710328247428));
    }

    /// The in-place decoders give exactly what `exch_core::de` gives through a `Value`,
    /// errors included, for strings, numbers, booleans, `null`, arrays and objects.
    mod same_as_core {
        use super::*;
        use proptest::prelude::*;

        #[derive(Debug, Deserialize)]
        struct Fast {
            #[serde(default, deserialize_with = "de::opt_dec")]
            d: Option<Decimal>,
            #[serde(default, deserialize_with = "de::opt_i64")]
            i: Option<i64>,
            #[serde(default, deserialize_with = "de::opt_id")]
            s: Option<String>,
            #[serde(default, deserialize_with = "de::opt_bool")]
            b: Option<bool>,
        }

        #[derive(Debug, Deserialize)]
        struct Core {
            #[serde(default, deserialize_with = "exch_core::de::opt_decimal")]
            d: Option<Decimal>,
            #[serde(default, deserialize_with = "exch_core::de::opt_int")]
            i: Option<i64>,
            #[serde(default, deserialize_with = "exch_core::de::opt_id")]
            s: Option<String>,
            #[serde(default, deserialize_with = "exch_core::de::opt_bool")]
            b: Option<bool>,
        }

        fn show(r: Result<Core, serde_json::Error>) -> Result<String, String> {
            r.map(|c| format!("{:?} {:?} {:?} {:?}", c.d, c.i, c.s, c.b))
                .map_err(|e| e.to_string())
        }

        fn show_fast(r: Result<Fast, serde_json::Error>) -> Result<String, String> {
            r.map(|f| format!("{:?} {:?} {:?} {:?}", f.d, f.i, f.s, f.b))
                .map_err(|e| e.to_string())
        }

        /// Whether a `Value` reads the number `t` back through an `f64` written differently.
        fn f64_rewritten(t: &str) -> bool {
            t.parse::<i128>().is_err()
                && t.parse::<u128>().is_err()
                && t.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .is_some_and(|n| {
                        let f = n.as_f64().unwrap_or(f64::NAN);
                        n.to_string() != t && f.to_string() == t
                    })
        }

        /// The reference is the general path: the reply read into a `Value`, then the field
        /// read from it with `exch_core::de`.
        fn check(cell: &str) {
            for field in ["d", "i", "s", "b"] {
                let body = format!(r#"{{"{field}": {cell}}}"#);
                let Ok(v) = serde_json::from_str::<Value>(&body) else {
                    assert!(serde_json::from_str::<Fast>(&body).is_err(), "{body}");
                    continue;
                };
                let reference = show(serde_json::from_value::<Core>(v.clone()));
                // Through a `Value` (the general path): identical, errors included.
                assert_eq!(
                    show_fast(serde_json::from_value::<Fast>(v)),
                    reference,
                    "{body} as a Value"
                );
                // In one pass: the same value, or an error where the reference has one.
                let one = show_fast(serde_json::from_str::<Fast>(&body));
                if f64_rewritten(cell) {
                    // Where serde_json's `Value` rewrote the number through an `f64` (see
                    // `number_cell`), the one-pass read keeps the text exactly: it reads as the
                    // same text given as a string.
                    let exact = serde_json::from_str::<Fast>(&format!(r#"{{"{field}": "{cell}"}}"#));
                    assert_eq!(one.is_ok(), exact.is_ok(), "{body}");
                    if let (Ok(a), Ok(b)) = (&one, show_fast(exact)) {
                        assert_eq!(a, &b, "{body}");
                    }
                    continue;
                }
                match (&one, &reference) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "{body}"),
                    (Err(_), Err(_)) => {}
                    _ => panic!("{body}: {one:?} vs {reference:?}"),
                }
            }
        }

        #[test]
        fn edge_cells() {
            for cell in [
                r#""1.50""#,
                r#"" 2.0 ""#,
                r#""""#,
                r#""  ""#,
                r#""1.70%""#,
                r#""1e-5""#,
                r#""abc""#,
                r#""true""#,
                r#"" FALSE ""#,
                r#""\u0031.5""#,
                "null",
                "true",
                "false",
                "0",
                "-5",
                "1.5",
                "1e3",
                "73372.83",
                "1736011869418901234",
                "123456789012345678901234567890",
                "-0",
                "-0.0",
                "18446744073709551615",
                "9223372036854775808",
                "-9223372036854775809",
                "1.0e2",
                "0.0000001",
                "0.0001",
                "1e-7",
                "100000000000000000000.5",
                "1234567890123456.7",
                "12345678901234567890123",
                "-12345678901234567890123",
                "42572.97",
                "1.50",
                "0.1000000000000000055511151231257827",
                "[]",
                "[1, \"2\"]",
                "{}",
                r#"{"a": 1, "a": 2, "b": [null]}"#,
                r#""99999999999999999999""#,
            ] {
                check(cell);
            }
        }

        fn cell() -> impl Strategy<Value = String> {
            prop_oneof![
                "[ 0-9a-zA-Z.%+eE-]{0,24}".prop_map(|s| format!("\"{s}\"")),
                any::<i64>().prop_map(|n| n.to_string()),
                (any::<i64>(), 0u32..20).prop_map(|(m, s)| Decimal::new(m, s).to_string()),
                Just("null".to_string()),
                any::<bool>().prop_map(|b| b.to_string()),
                "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,20})?",
                "-?[1-9]\\.[0-9]{1,6}[eE]-?[1-9][0-9]?",
                (any::<f64>())
                    .prop_filter("finite", |f| f.is_finite())
                    .prop_map(|f| f.to_string()),
            ]
        }

        proptest! {
            #[test]
            fn cells_match_core(c in cell()) {
                check(&c);
            }
        }
    }
}
