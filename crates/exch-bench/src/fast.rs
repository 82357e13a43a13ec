//! Prototypes of the faster decoders this benchmark asked for, kept here (isolated) as
//! equality references and for the `.fast` rows.
//!
//! Binance: the crate now has the same design (`exch_core::de`'s one-pass cells and levels, and
//! `exch_binance::parse::{depth, public_trades}`'s one-pass scans), at the prototype's speed or
//! faster; [`order_book`] and [`trades`] stay as references the tests compare the crate's real
//! decoders with. A book level
//! is read as two borrowed `&str` and parsed in place, a trade as a borrowed struct. Anything
//! the fast path does not recognise (numbers given as strings, strings given as numbers,
//! exponents, whitespace, more than 19 digits) falls back to the crate's own decoder, so
//! results are identical by construction; the tests compare both on the benchmark payloads,
//! the recorded fixtures and edge cases.
//!
//! OKX: `exch_okx::parse::envelope` now decodes a success reply in one pass as [`okx_rows`]
//! does (and reads book levels in place); [`okx_rows`] stays as the reference its test compares
//! the crate with, so the `okx.*.fast` rows now measure about what the crate rows do.

use std::fmt;

use exch_binance::{parse, wire};
use exch_core::{Level, OrderBook, Result, Side, Symbol, Trade};
use rust_decimal::Decimal;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;

/// Parses `-?digits(.digits)?` with at most 19 significant digits into a normalised decimal
/// without allocating; `None` for anything else (the caller falls back to the general parse).
pub fn parse_plain_decimal(s: &str) -> Option<Decimal> {
    plain(s.as_bytes())
}

/// [`parse_plain_decimal`] on bytes.
fn plain(b: &[u8]) -> Option<Decimal> {
    let (neg, b) = match b.first()? {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    // At most 19 digits in all, so the mantissa cannot overflow a u64.
    if b.is_empty() || b.len() > 20 {
        return None;
    }
    let mut m: u64 = 0;
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        m = m * 10 + u64::from(b[i] - b'0');
        i += 1;
    }
    if i == 0 || i > 19 {
        return None;
    }
    let mut scale = 0u32;
    if i < b.len() {
        if b[i] != b'.' || i + 1 == b.len() {
            return None;
        }
        // Trailing zeros of the fraction are dropped (that is `normalize`).
        let mut end = b.len();
        while end > i + 1 && b[end - 1] == b'0' {
            end -= 1;
        }
        if end - 1 > 19 {
            return None;
        }
        for &c in &b[i + 1..end] {
            if !c.is_ascii_digit() {
                return None;
            }
            m = m * 10 + u64::from(c - b'0');
            scale += 1;
        }
    }
    if neg && m == 0 {
        return None;
    }
    Some(Decimal::from_parts(m as u32, (m >> 32) as u32, 0, neg, scale))
}

/// The crate's lenient parse for what [`parse_plain_decimal`] does not take.
fn decimal(s: &str) -> Option<Decimal> {
    parse_plain_decimal(s).or_else(|| {
        let t = s.trim();
        if t.is_empty() {
            None
        } else {
            wire::de::parse_decimal(t)
        }
    })
}

/// A level list read as borrowed `[price, qty]` strings, straight into [`Level`]s.
struct Levels(Vec<Level>);

impl<'de> Deserialize<'de> for Levels {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Levels;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of [price, qty] string pairs")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Levels, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).max(64));
                while let Some(p) = seq.next_element::<Pair>()? {
                    out.push(p.0);
                }
                Ok(Levels(out))
            }
        }
        d.deserialize_seq(V)
    }
}

/// One `["price", "qty", ...]` level.
struct Pair(Level);

impl<'de> Deserialize<'de> for Pair {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pair;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a [price, qty] string pair")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Pair, A::Error> {
                let mut cell = || -> std::result::Result<Decimal, A::Error> {
                    let s: &str = seq
                        .next_element()?
                        .ok_or_else(|| de::Error::custom("bad order-book level"))?;
                    decimal(s).ok_or_else(|| de::Error::custom("bad order-book level"))
                };
                let price = cell()?;
                let qty = cell()?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Pair(Level { price, qty }))
            }
        }
        d.deserialize_seq(V)
    }
}

/// `GET /api/v3/depth` with borrowed levels.
#[derive(Deserialize)]
struct Depth {
    #[serde(rename = "lastUpdateId", default)]
    last_update_id: Option<u64>,
    bids: Levels,
    asks: Levels,
    #[serde(rename = "T", default)]
    transaction_time: Option<i64>,
}

/// A byte cursor over a depth payload of the exact shape Binance sends: an object whose keys
/// are `lastUpdateId`/`E`/`T` (integers) and `bids`/`asks` (lists of two plain decimal
/// strings), without escapes. Anything else stops the scan (`None`) and the caller falls back.
struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    fn ws(&mut self) {
        while let Some(c) = self.b.get(self.i) {
            if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                break;
            }
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.b.get(self.i) == Some(&c)).then(|| self.i += 1)
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    /// A string without escapes, as bytes.
    fn string(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.i;
        let len = self.b[start..].iter().position(|&c| c == b'"' || c == b'\\')?;
        self.i = start + len;
        self.eat(b'"')?;
        let b: &'a [u8] = self.b;
        Some(&b[start..start + len])
    }

    fn int(&mut self) -> Option<i128> {
        self.ws();
        let start = self.i;
        let neg = self.b.get(self.i) == Some(&b'-');
        if neg {
            self.i += 1;
        }
        let digits = self.b[self.i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 19 || (digits > 1 && self.b[self.i] == b'0') {
            return None;
        }
        let mut v: i128 = 0;
        for &c in &self.b[self.i..self.i + digits] {
            v = v * 10 + i128::from(c - b'0');
        }
        self.i += digits;
        // A fraction or exponent is not an integer: leave it to the general decoder.
        if matches!(self.b.get(self.i), Some(b'.' | b'e' | b'E')) || self.i == start {
            return None;
        }
        Some(if neg { -v } else { v })
    }

    /// A quoted plain decimal (`"-?digits(.digits)?"`, at most 19 significant digits), parsed
    /// while it is scanned, trailing fraction zeros dropped as `normalize` does. Anything else
    /// (exponents, spaces, escapes, longer numbers) stops the scan.
    fn quoted_decimal(&mut self) -> Option<Decimal> {
        self.eat(b'"')?;
        let b = self.b;
        let mut i = self.i;
        let neg = b.get(i) == Some(&b'-');
        if neg {
            i += 1;
        }
        let int_start = i;
        let mut m: u64 = 0;
        let mut digits = 0u32;
        while let Some(&c) = b.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            m = m.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
            digits += 1;
            i += 1;
        }
        if i == int_start {
            return None;
        }
        let mut scale = 0u32;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let frac_start = i;
            let mut zeros = 0u32;
            while let Some(&c) = b.get(i) {
                match c {
                    b'0' => zeros += 1,
                    b'1'..=b'9' => {
                        for _ in 0..zeros {
                            m = m.wrapping_mul(10);
                        }
                        m = m.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
                        scale += zeros + 1;
                        digits += zeros + 1;
                        zeros = 0;
                    }
                    _ => break,
                }
                i += 1;
            }
            if i == frac_start {
                return None;
            }
        }
        // Digits beyond 19 may have wrapped the u64: leave those to the general parse.
        if b.get(i) != Some(&b'"') || digits > 19 || (neg && m == 0) {
            return None;
        }
        self.i = i + 1;
        Some(Decimal::from_parts(m as u32, (m >> 32) as u32, 0, neg, scale))
    }

    fn levels(&mut self) -> Option<Vec<Level>> {
        self.eat(b'[')?;
        let mut out = Vec::with_capacity(1024);
        if self.peek()? == b']' {
            self.i += 1;
            return Some(out);
        }
        loop {
            self.eat(b'[')?;
            let price = self.quoted_decimal()?;
            self.eat(b',')?;
            let qty = self.quoted_decimal()?;
            self.eat(b']')?;
            out.push(Level { price, qty });
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(out);
                }
                _ => return None,
            }
        }
    }

    fn depth(mut self, symbol: &Symbol) -> Option<OrderBook> {
        self.eat(b'{')?;
        let (mut seq, mut ts, mut bids, mut asks, mut e) = (None, None, None, None, false);
        if self.peek()? != b'}' {
            loop {
                let key = self.string()?;
                self.eat(b':')?;
                match key {
                    b"lastUpdateId" if seq.is_none() => seq = Some(u64::try_from(self.int()?).ok()?),
                    b"T" if ts.is_none() => ts = Some(i64::try_from(self.int()?).ok()?),
                    b"E" if !e => {
                        self.int()?;
                        e = true;
                    }
                    b"bids" if bids.is_none() => bids = Some(self.levels()?),
                    b"asks" if asks.is_none() => asks = Some(self.levels()?),
                    _ => return None,
                }
                match self.peek()? {
                    b',' => self.i += 1,
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        self.i += 1;
        self.ws();
        if self.i != self.b.len() {
            return None;
        }
        Some(OrderBook {
            symbol: symbol.clone(),
            bids: bids?,
            asks: asks?,
            sequence: seq,
            timestamp: ts,
        })
    }
}

/// The order book of a depth payload, identical to `decode::<wire::Depth>` followed by
/// `parse::order_book`.
///
/// # Errors
/// The payload is not a depth response (the crate's decoder's error).
pub fn order_book(symbol: Symbol, payload: &[u8]) -> Result<OrderBook> {
    if let Some(book) = (Scan { b: payload, i: 0 }).depth(&symbol) {
        return Ok(book);
    }
    match serde_json::from_slice::<Depth>(payload) {
        Ok(d) => Ok(OrderBook {
            symbol,
            bids: d.bids.0,
            asks: d.asks.0,
            sequence: d.last_update_id,
            timestamp: d.transaction_time,
        }),
        Err(_) => {
            let d: wire::Depth = parse::decode("GET /api/v3/depth", payload)?;
            Ok(parse::order_book(symbol, &d))
        }
    }
}

/// A public trade with borrowed text.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTrade<'a> {
    #[serde(alias = "a")]
    id: u64,
    #[serde(alias = "p", borrow)]
    price: &'a str,
    #[serde(alias = "q", borrow)]
    qty: &'a str,
    #[serde(alias = "T")]
    time: i64,
    #[serde(alias = "m", default)]
    is_buyer_maker: bool,
}

/// The trades of a trades payload, identical to `decode::<Vec<wire::PublicTrade>>` followed by
/// `parse::trades`.
///
/// # Errors
/// The payload is not a trades response (the crate's decoder's error).
pub fn trades(symbol: &Symbol, payload: &[u8]) -> Result<Vec<Trade>> {
    let fast = serde_json::from_slice::<Vec<RawTrade<'_>>>(payload)
        .ok()
        .and_then(|rows| {
            rows.iter()
                .map(|t| {
                    Some(Trade {
                        symbol: symbol.clone(),
                        id: t.id.to_string(),
                        price: decimal(t.price)?,
                        qty: decimal(t.qty)?,
                        side: Some(if t.is_buyer_maker { Side::Sell } else { Side::Buy }),
                        timestamp: t.time,
                    })
                })
                .collect::<Option<Vec<Trade>>>()
        });
    match fast {
        Some(t) => Ok(t),
        None => {
            let rows: Vec<wire::PublicTrade> = parse::decode("GET /api/v3/trades", payload)?;
            Ok(parse::trades(symbol, &rows))
        }
    }
}

/// OKX rows decoded straight from the envelope, identical to `exch_okx::parse::envelope` on a
/// success reply (`code` `"0"`): the typed `Envelope<T>` is decoded in one pass; any other
/// reply (an error code, a partial batch, a row that does not decode) goes to the crate's
/// function, so errors are the crate's. The crate's function now takes the same one-pass path
/// itself (its general path, a `serde_json::Value` tree, is left for error replies).
///
/// # Errors
/// The crate's envelope error.
pub fn okx_rows<T: serde::de::DeserializeOwned>(endpoint: &str, body: &[u8]) -> Result<Vec<T>> {
    match serde_json::from_slice::<exch_okx::wire::Envelope<T>>(body) {
        Ok(e) if e.code == "0" => Ok(e.data),
        _ => exch_okx::parse::envelope(endpoint, 200, body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slow(s: &str) -> Option<Decimal> {
        let t = s.trim();
        if t.is_empty() {
            None
        } else {
            wire::de::parse_decimal(t)
        }
    }

    #[test]
    fn plain_decimals_match_the_general_parse_digit_for_digit() {
        for s in [
            "0",
            "0.00000000",
            "42574.30000000",
            "0.01070000",
            "-67445.9",
            "-0.009",
            "1000000.00000000",
            "00012.340",
            "9999999999999999999",
            "0.0000000000000000000000000001",
            "1.0000000000000000000",
            "18446744073709551615",
            "123.",
            ".5",
            "1e-5",
            " 1.5 ",
            "-0.0",
            "-",
            "",
            "1.2.3",
            "+1",
            "12345678901234567890123.4",
        ] {
            let fast = decimal(s);
            let want = slow(s);
            assert_eq!(fast, want, "{s:?}");
            if let (Some(a), Some(b)) = (fast, want) {
                assert_eq!(a.to_string(), b.to_string(), "scale of {s:?}");
                assert_eq!(a.is_sign_negative(), b.is_sign_negative(), "sign of {s:?}");
            }
        }
    }

    #[test]
    fn fast_book_and_trades_equal_the_crate_parse() {
        let btc = Symbol::spot("BTC", "USDT").unwrap();
        let mut books = vec![crate::payload::read("binance", "depth.json").unwrap()];
        for p in ["spot/depth.json", "futures/depth.json"] {
            books.push(std::fs::read(crate::payload::dir().join("../binance").join(p)).unwrap());
        }
        books.push(br#"{"lastUpdateId":7,"bids":[["1.50","2",3]],"asks":[[" 2 ","1e-3"]],"T":12}"#.to_vec());
        books.push(br#"{"bids":[[1.5,2]],"asks":[]}"#.to_vec());
        books
            .push(br#" { "lastUpdateId" : 1 , "E":5, "T":-3, "bids" : [ [ "1.0" , "2.50" ] ] , "asks":[] } "#.to_vec());
        books.push(br#"{"lastUpdateId":"9","bids":[],"asks":[["0.1","0"]]}"#.to_vec());
        books.push(
            br#"{"bids":[["00012.340","1.0000000000000000000"],["-0.5","123."]],"asks":[["1e-5",".5"]]}"#.to_vec(),
        );
        books.push(br#"{"bids":[["12345678901234567890","0.00000000"],["9999999999999999999","0.0000000000000000001"]],"asks":[["-0","-0.0"]]}"#.to_vec());
        books.push(br#"{"lastUpdateId":null,"bids":[],"asks":[],"extra":{"a":[1]}}"#.to_vec());
        for b in &books {
            let d: wire::Depth = parse::decode("x", b).unwrap();
            let want = parse::order_book(btc.clone(), &d);
            let got = order_book(btc.clone(), b).unwrap();
            assert_eq!(got, want);
            assert_eq!(format!("{got:?}"), format!("{want:?}"));
            // The crate's real decoder (the client's) gives the same book.
            let real = parse::order_book(btc.clone(), &parse::depth("x", b).unwrap());
            assert_eq!(format!("{real:?}"), format!("{want:?}"));
            let real = parse::order_book_of(&btc, "x", b).unwrap();
            assert_eq!(format!("{real:?}"), format!("{want:?}"));
        }
        let mut trade_payloads = vec![crate::payload::read("binance", "trades.json").unwrap()];
        trade_payloads.push(std::fs::read(crate::payload::dir().join("../binance/spot/agg_trades.json")).unwrap());
        trade_payloads
            .push(br#"[{"a":1,"p":"2.0","q":"3","T":4,"m":true},{"id":"5","price":"1","qty":"1","time":1}]"#.to_vec());
        for t in &trade_payloads {
            let rows: Vec<wire::PublicTrade> = parse::decode("x", t).unwrap();
            let want = parse::trades(&btc, &rows);
            let got = trades(&btc, t).unwrap();
            assert_eq!(got, want);
            assert_eq!(format!("{got:?}"), format!("{want:?}"));
            // The crate's real decoder (the client's) gives the same trades.
            let real = parse::trades(&btc, &parse::public_trades("x", t).unwrap());
            assert_eq!(format!("{real:?}"), format!("{want:?}"));
        }
    }

    #[test]
    fn okx_rows_equal_the_crate_envelope() {
        use exch_okx::wire;
        let okx = crate::payload::dir().join("../okx");
        let bench = crate::payload::dir().join("okx");
        let read = |p: std::path::PathBuf| std::fs::read(p).unwrap();
        fn same<T: serde::de::DeserializeOwned + std::fmt::Debug>(body: &[u8]) {
            let want = exch_okx::parse::envelope::<T>("x", 200, body);
            let got = okx_rows::<T>("x", body);
            assert_eq!(format!("{got:?}"), format!("{want:?}"));
        }
        for p in [
            okx.join("account_positions_swap.json"),
            okx.join("account_positions_ltc.json"),
            bench.join("positions.json"),
        ] {
            same::<wire::Position>(&read(p));
        }
        for p in [
            okx.join("trade_order_spot.json"),
            okx.join("trade_orders_history_swap.json"),
            bench.join("order.json"),
        ] {
            same::<wire::Order>(&read(p));
        }
        for p in [
            okx.join("market_books_spot.json"),
            okx.join("market_books_swap.json"),
            bench.join("books.json"),
        ] {
            same::<wire::Book>(&read(p));
        }
        for p in [okx.join("market_trades_spot.json"), bench.join("trades.json")] {
            same::<wire::Trade>(&read(p));
        }
        same::<wire::Order>(br#"{"code":"51000","msg":"Parameter error","data":[]}"#);
        same::<wire::Order>(br#"{"code":"1","msg":"","data":[{"sCode":"51008","sMsg":"Insufficient balance"}]}"#);
        same::<wire::Order>(b"not json");
    }

    #[test]
    fn the_benchmark_payloads_take_the_fast_path() {
        let depth = crate::payload::read("binance", "depth.json").unwrap();
        assert!(serde_json::from_slice::<Depth>(&depth).is_ok());
        let btc = Symbol::spot("BTC", "USDT").unwrap();
        assert!((Scan { b: &depth, i: 0 }).depth(&btc).is_some());
        let trades = crate::payload::read("binance", "trades.json").unwrap();
        let rows = serde_json::from_slice::<Vec<RawTrade<'_>>>(&trades).unwrap();
        assert!(rows
            .iter()
            .all(|t| parse_plain_decimal(t.price).is_some() && parse_plain_decimal(t.qty).is_some()));
    }

    #[test]
    fn bad_payloads_give_the_crate_error() {
        let btc = Symbol::spot("BTC", "USDT").unwrap();
        for bad in [
            &b"{"[..],
            b"[]",
            br#"{"bids":[["x","1"]],"asks":[]}"#,
            br#"{"bids":[],"asks":[],"bids":[]}"#,
            br#"{"bids":[]}"#,
            br#"{"lastUpdateId":1.5,"bids":[],"asks":[]}"#,
            br#"{"bids":[],"asks":[]} x"#,
        ] {
            let want = parse::decode::<wire::Depth>("GET /api/v3/depth", bad).unwrap_err();
            let got = order_book(btc.clone(), bad).unwrap_err();
            assert_eq!(got.kind(), want.kind());
            let real = parse::depth("GET /api/v3/depth", bad).unwrap_err();
            assert_eq!(real.to_string(), want.to_string());
            let real = parse::order_book_of(&btc, "GET /api/v3/depth", bad).unwrap_err();
            assert_eq!(real.to_string(), want.to_string());
        }
        assert!(trades(&btc, b"{}").is_err());
        assert!(parse::public_trades("x", b"{}").is_err());
    }
}
