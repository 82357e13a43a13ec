//! A small, venue-neutral JSON byte scanner for the hot reply shapes (order books, trade lists).
//!
//! The venue crates decode replies with serde; for the largest replies (a 1000-level book,
//! 500 trades) a one-pass scan over the bytes that parses decimals in place is several times
//! faster. [`Scanner`] walks a JSON text left to right: it finds keys at the current object
//! level ([`Scanner::object`]), reads arrays ([`Scanner::array`]), reads `[[p, q, ...], ...]`
//! level arrays straight into [`Level`]s ([`Scanner::levels`]), reads single cells
//! ([`Scanner::str`], [`Scanner::number`], [`Scanner::int`], [`Scanner::bool`],
//! [`Scanner::decimal_cell`]) and skips any other value ([`Scanner::skip_value`]). Binance,
//! OKX and BingX read their order books and trades with it.
//!
//! Every method returns `Option`: `None` means "not handled here, use the serde path". The
//! scanner is deliberately stricter than serde_json: it declines strings with escapes or control
//! characters, documents nested deeper than [`MAX_DEPTH`], and anything it does not recognise,
//! so a caller that falls back on `None` gets exactly the serde result (and serde's errors). It
//! never panics on any input. Callers decline duplicate keys themselves (serde's derived structs
//! reject them), e.g. with [`once`].
//!
//! Level rows of the usual compact form (`["p","q",...]`, no blanks) take a path of direct
//! byte checks; any other layout the general row reader, with the same result. The level
//! reader is compiled once per normalisation setting of [`LevelSpec`], so the decimal parse
//! inside it has no run-time flag.
//!
//! Decimals are parsed with [`crate::de::plain_decimal`] (no allocation) and otherwise
//! [`crate::de::parse_decimal`], so values and scales are exactly those of the serde paths that
//! use [`crate::de::parse_decimal`] on the same text.

use crate::de::{parse_decimal, plain_decimal, plain_decimal_prefix, prefix};
use crate::{Decimal, Level};

/// The deepest nesting [`Scanner::skip_value`] follows before declining (serde_json stops at 128).
pub const MAX_DEPTH: usize = 100;

/// Which JSON values a level cell may be (see [`Scanner::levels`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cells {
    /// Only strings (`["1.5", "2"]`); a number declines.
    Strings,
    /// Strings or numbers (`["1.5", 2]`); a number's text is parsed as a string's would be.
    StringsOrNumbers,
}

/// How [`Scanner::levels`] reads a `[[p, q, ...], ...]` array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelSpec {
    /// Accepted cell values (the cells after the first two too).
    pub cells: Cells,
    /// Normalize the price ([`Decimal::normalize`]).
    pub normalize_price: bool,
    /// Normalize the quantity.
    pub normalize_qty: bool,
    /// Rows may carry cells after the quantity (checked and skipped, e.g. OKX's
    /// `[px, sz, "0", count]`); when `false` a row of more than two cells declines (for wire
    /// types that hold exactly `[price, qty]`).
    pub more_cells: bool,
}

/// Parses a decimal exactly as [`crate::de::parse_decimal`] does, trying the allocation-free
/// plain form first; normalized when `normalize` is set.
#[inline]
pub fn decimal(text: &str, normalize: bool) -> Option<Decimal> {
    match plain_decimal(text.as_bytes(), normalize) {
        Some(d) => Some(d),
        None => {
            let d = parse_decimal(text)?;
            Some(if normalize { d.normalize() } else { d })
        }
    }
}

/// Stores `v` in an empty `slot`; `None` when the slot was already filled (a duplicate key).
#[inline]
pub fn once<T>(slot: &mut Option<T>, v: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(v);
    Some(())
}

/// A cursor over a JSON text. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Scanner<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Scanner<'a> {
    /// A scanner at the start of `text`.
    pub fn new(text: &'a str) -> Self {
        Scanner { s: text, i: 0 }
    }

    /// A scanner over `body`, or `None` when it is not UTF-8 (serde rejects such text too).
    pub fn from_bytes(body: &'a [u8]) -> Option<Self> {
        std::str::from_utf8(body).ok().map(Scanner::new)
    }

    /// The byte offset of the cursor.
    pub fn position(&self) -> usize {
        self.i
    }

    #[inline]
    fn bytes(&self) -> &'a [u8] {
        self.s.as_bytes()
    }

    /// Skips JSON whitespace (space, tab, line feed, carriage return).
    #[inline]
    pub fn ws(&mut self) {
        let b = self.bytes();
        while let Some(c) = b.get(self.i) {
            if matches!(c, b' ' | b'\n' | b'\t' | b'\r') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    /// The next byte after whitespace, not consumed.
    #[inline]
    pub fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.bytes().get(self.i).copied()
    }

    /// Consumes `c` after whitespace, or `None`.
    #[inline]
    pub fn eat(&mut self, c: u8) -> Option<()> {
        if self.peek()? == c {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    /// `Some` when only whitespace remains (serde rejects trailing characters).
    pub fn end(&mut self) -> Option<()> {
        self.ws();
        (self.i == self.s.len()).then_some(())
    }

    /// A string without escapes or control characters, as its text between the quotes.
    #[inline]
    pub fn str(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let b = self.bytes();
        let start = self.i;
        loop {
            let c = *b.get(self.i)?;
            match c {
                b'"' => break,
                b'\\' | 0..=0x1f => return None,
                _ => self.i += 1,
            }
        }
        let end = self.i;
        self.i += 1;
        // The quotes are ASCII, so both ends are character boundaries.
        self.s.get(start..end)
    }

    /// `true` or `false`.
    #[inline]
    pub fn bool(&mut self) -> Option<bool> {
        match self.peek()? {
            b't' => self.literal(b"true").map(|()| true),
            b'f' => self.literal(b"false").map(|()| false),
            _ => None,
        }
    }

    /// A JSON integer (`-?(0|[1-9][0-9]*)`, no fraction or exponent) of at most 18 digits, as
    /// its sign and magnitude; `None` otherwise (a longer integer takes the serde path).
    #[inline]
    pub fn int(&mut self) -> Option<(bool, u64)> {
        let save = self.i;
        let t = self.number()?;
        match digits18(t) {
            Some(v) => Some(v),
            None => {
                self.i = save;
                None
            }
        }
    }

    /// A decimal cell: a string holding a decimal (read as [`decimal`] reads its text, parsed
    /// in place for the plain form), or, when `cells` allows it, a JSON number's text.
    #[inline]
    pub fn decimal_cell(&mut self, cells: Cells, normalize: bool) -> Option<Decimal> {
        self.ws();
        let b = self.bytes();
        if b.get(self.i) == Some(&b'"') {
            let at = self.i + 1;
            if let Some((d, n)) = b.get(at..).and_then(|r| plain_decimal_prefix(r, normalize)) {
                if b.get(at + n) == Some(&b'"') {
                    self.i = at + n + 1;
                    return Some(d);
                }
            }
        }
        decimal(self.cell(cells)?, normalize)
    }

    /// A number's text (JSON grammar: `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`).
    pub fn number(&mut self) -> Option<&'a str> {
        self.ws();
        let b = self.bytes();
        let start = self.i;
        let mut i = self.i;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => {
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            let d = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == d {
                return None;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let d = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == d {
                return None;
            }
        }
        // A number runs into no further number-like byte (`01`, `1x` are not JSON).
        if b.get(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-'))
        {
            return None;
        }
        self.i = i;
        self.s.get(start..i)
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let b = self.bytes();
        let end = self.i.checked_add(word.len())?;
        if b.get(self.i..end)? != word {
            return None;
        }
        if b.get(end).is_some_and(u8::is_ascii_alphanumeric) {
            return None;
        }
        self.i = end;
        Some(())
    }

    /// Skips one value of any kind (nested at most [`MAX_DEPTH`] deep).
    pub fn skip_value(&mut self) -> Option<()> {
        self.skip_at(0)
    }

    fn skip_at(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.str().map(drop),
            b'{' => self.object_at(depth, |_, sc| sc.skip_at(depth + 1)),
            b'[' => self.array_at(depth, |sc| sc.skip_at(depth + 1)),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number().map(drop),
        }
    }

    /// Reads an object: `f(key, scanner)` is called for each key and must consume its value
    /// (e.g. with [`Scanner::skip_value`]). Keys with escapes decline.
    pub fn object<F: FnMut(&'a str, &mut Self) -> Option<()>>(&mut self, f: F) -> Option<()> {
        self.object_at(0, f)
    }

    fn object_at<F: FnMut(&'a str, &mut Self) -> Option<()>>(&mut self, _depth: usize, mut f: F) -> Option<()> {
        self.eat(b'{')?;
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            let key = self.str()?;
            self.eat(b':')?;
            f(key, self)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Reads an array: `f(scanner)` is called for each item and must consume it.
    pub fn array<F: FnMut(&mut Self) -> Option<()>>(&mut self, f: F) -> Option<()> {
        self.array_at(0, f)
    }

    fn array_at<F: FnMut(&mut Self) -> Option<()>>(&mut self, _depth: usize, mut f: F) -> Option<()> {
        self.eat(b'[')?;
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            f(self)?;
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// One level cell's text: a string's contents, or a number's text when `cells` allows it.
    #[inline]
    fn cell(&mut self, cells: Cells) -> Option<&'a str> {
        match self.peek()? {
            b'"' => self.str(),
            _ if cells == Cells::StringsOrNumbers => self.number(),
            _ => None,
        }
    }

    /// Reads `[[p, q, ...], ...]` into levels: each row has two cells (the price and the
    /// quantity, read with [`Scanner::decimal_cell`]) and, when [`LevelSpec::more_cells`] allows,
    /// further cells of the accepted kind, which are skipped. A cell that is not a decimal, or a
    /// row of fewer (or, without `more_cells`, more) than two cells, declines.
    pub fn levels(&mut self, spec: LevelSpec) -> Option<Vec<Level>> {
        // One loop per normalisation setting: the flags are then constants in the row reader.
        match (spec.normalize_price, spec.normalize_qty) {
            (false, false) => self.levels_with::<false, false>(spec),
            (false, true) => self.levels_with::<false, true>(spec),
            (true, false) => self.levels_with::<true, false>(spec),
            (true, true) => self.levels_with::<true, true>(spec),
        }
    }

    /// [`Scanner::levels`] with `spec`'s normalisation flags fixed at compile time (`P` the
    /// price's, `Q` the quantity's).
    fn levels_with<const P: bool, const Q: bool>(&mut self, spec: LevelSpec) -> Option<Vec<Level>> {
        // A row takes at least 9 bytes (`["1","1"],`); room for up to 1024 rows up front
        // spares the reallocations of a deep book without over-reserving for a short one.
        let mut out = Vec::with_capacity((self.s.len().saturating_sub(self.i) / 16).min(1024));
        self.eat(b'[')?;
        if self.eat(b']').is_some() {
            return Some(out);
        }
        loop {
            let level = match self.compact_row::<P, Q>(spec) {
                Some(l) => l,
                None => self.row(spec)?,
            };
            out.push(level);
            match self.bytes().get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Some(out);
                }
                _ => match self.peek()? {
                    b',' => self.i += 1,
                    b']' => {
                        self.i += 1;
                        return Some(out);
                    }
                    _ => return None,
                },
            }
        }
    }

    /// The usual row, `["p","q"]` or (with [`LevelSpec::more_cells`]) `["p","q","c",...]`
    /// without blanks and with plain decimals, read with direct byte checks. `None` leaves the
    /// cursor where it was, for [`Scanner::row`] to read or decline (it gives the same level
    /// whenever this one does).
    #[inline(always)]
    fn compact_row<const P: bool, const Q: bool>(&mut self, spec: LevelSpec) -> Option<Level> {
        let b = self.bytes();
        let mut i = self.i;
        if b.get(i..i + 2)? != b"[\"" {
            return None;
        }
        i += 2;
        let (price, n) = prefix::<P>(b.get(i..)?)?;
        i += n;
        if b.get(i..i + 3)? != b"\",\"" {
            return None;
        }
        i += 3;
        let (qty, n) = prefix::<Q>(b.get(i..)?)?;
        i += n;
        if *b.get(i)? != b'"' {
            return None;
        }
        i += 1;
        loop {
            match *b.get(i)? {
                b']' => break,
                b',' if spec.more_cells && b.get(i + 1) == Some(&b'"') => {
                    // A skipped string cell: no escapes or control characters, as `str` reads.
                    i += 2;
                    loop {
                        match *b.get(i)? {
                            b'"' => break,
                            b'\\' | 0..=0x1f => return None,
                            _ => i += 1,
                        }
                    }
                    i += 1;
                }
                _ => return None,
            }
        }
        self.i = i + 1;
        Some(Level { price, qty })
    }

    /// One row in any layout [`Scanner::levels`] accepts (blanks, numbers when allowed, any
    /// decimal text), or `None`.
    fn row(&mut self, spec: LevelSpec) -> Option<Level> {
        self.eat(b'[')?;
        let price = self.decimal_cell(spec.cells, spec.normalize_price)?;
        self.eat(b',')?;
        let qty = self.decimal_cell(spec.cells, spec.normalize_qty)?;
        loop {
            match self.peek()? {
                b',' if spec.more_cells => {
                    self.i += 1;
                    self.cell(spec.cells)?;
                }
                b']' => {
                    self.i += 1;
                    return Some(Level { price, qty });
                }
                _ => return None,
            }
        }
    }
}

/// The value of an integer's text of at most 18 digits (`-?digits`), with its sign.
#[inline]
pub fn digits18(t: &str) -> Option<(bool, u64)> {
    let (neg, d) = match t.as_bytes().split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, t.as_bytes()),
    };
    if d.is_empty() || d.len() > 18 || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some((neg, d.iter().fold(0u64, |v, &c| v * 10 + u64::from(c - b'0'))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    const STR: LevelSpec = LevelSpec {
        cells: Cells::Strings,
        normalize_price: false,
        normalize_qty: true,
        more_cells: true,
    };

    fn book_levels(text: &str, spec: LevelSpec) -> Option<Vec<Level>> {
        let mut sc = Scanner::new(text);
        let v = sc.levels(spec)?;
        sc.end()?;
        Some(v)
    }

    #[test]
    fn reads_levels_exactly() {
        let v = book_levels(r#" [ ["41006.8","0.60038921","0","1"] , ["1.50","2.000"] ] "#, STR).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].price.to_string(), "41006.8");
        assert_eq!(v[0].qty.to_string(), "0.60038921");
        assert_eq!(v[1].price.to_string(), "1.50");
        assert_eq!(v[1].qty.to_string(), "2");
        assert_eq!(book_levels("[]", STR), Some(vec![]));
        // Scientific notation takes the general parse.
        let v = book_levels(r#"[["1e-5","2E1"]]"#, STR).unwrap();
        assert_eq!(v[0].price, dec!(0.00001));
        assert_eq!(v[0].qty, dec!(20));
    }

    #[test]
    fn numbers_only_when_allowed() {
        assert_eq!(book_levels(r#"[[1.5,"2"]]"#, STR), None);
        let spec = LevelSpec {
            cells: Cells::StringsOrNumbers,
            ..STR
        };
        let v = book_levels(r#"[[1.5,"2",3]]"#, spec).unwrap();
        assert_eq!((v[0].price, v[0].qty), (dec!(1.5), dec!(2)));
    }

    #[test]
    fn exactly_two_cells_unless_more_are_allowed() {
        let two = LevelSpec {
            more_cells: false,
            ..STR
        };
        assert_eq!(book_levels(r#"[["1","2","3"]]"#, two), None);
        let v = book_levels(r#"[[ "1.0" , "2.50" ]]"#, two).unwrap();
        assert_eq!(
            (v[0].price.to_string(), v[0].qty.to_string()),
            ("1.0".into(), "2.5".into())
        );
    }

    #[test]
    fn integers_booleans_and_decimal_cells() {
        let mut sc = Scanner::new(r#"[ 12, -3, true ,false, 1.5, 1234567890123456789, "7.10", 8.25 ]"#);
        sc.eat(b'[').unwrap();
        assert_eq!(sc.int(), Some((false, 12)));
        sc.eat(b',').unwrap();
        assert_eq!(sc.int(), Some((true, 3)));
        sc.eat(b',').unwrap();
        assert_eq!(sc.bool(), Some(true));
        sc.eat(b',').unwrap();
        assert_eq!(sc.bool(), Some(false));
        sc.eat(b',').unwrap();
        // A fraction is not an integer, and a declined read consumes nothing.
        assert_eq!(sc.int(), None);
        assert_eq!(sc.decimal_cell(Cells::StringsOrNumbers, false), Some(dec!(1.5)));
        sc.eat(b',').unwrap();
        assert_eq!(sc.int(), None, "19 digits");
        sc.skip_value().unwrap();
        sc.eat(b',').unwrap();
        assert_eq!(
            sc.decimal_cell(Cells::Strings, true).map(|d| d.to_string()),
            Some("7.1".into())
        );
        sc.eat(b',').unwrap();
        assert_eq!(
            sc.decimal_cell(Cells::Strings, false),
            None,
            "a number where strings are required"
        );
        assert_eq!(digits18("-0"), Some((true, 0)));
        assert_eq!(digits18(""), None);
        assert_eq!(digits18("1x"), None);
    }

    #[test]
    fn declines_the_unusual() {
        for bad in [
            r#"[["1"]]"#,
            r#"[["1","x"]]"#,
            r#"[["1","2",null]]"#,
            r#"[["1\u0030","2"]]"#,
            r#"[["1","2"],]"#,
            r#"[["1","2"]"#,
            r#"[["1","2"]] x"#,
            r#"[["","2"]]"#,
        ] {
            assert_eq!(book_levels(bad, STR), None, "{bad}");
        }
    }

    #[test]
    fn objects_keys_and_skipping() {
        let text = r#"{"a":[1,{"b":null},true,false,-0.5e+3,"\"q\""],"code":"0","n":{}} "#;
        // Escaped strings decline while skipping too.
        let mut sc = Scanner::new(text);
        assert_eq!(sc.object(|_, sc| sc.skip_value()), None);
        let text = r#"{"a":[1,{"b":null},true,false,-0.5e+3,"q"],"code":"0","n":{}} "#;
        let mut sc = Scanner::new(text);
        let mut code = None;
        sc.object(|k, sc| match k {
            "code" => once(&mut code, sc.str()?),
            _ => sc.skip_value(),
        })
        .unwrap();
        sc.end().unwrap();
        assert_eq!(code, Some("0"));
        for bad in [
            "01",
            "1.",
            "-",
            "1e",
            "tru",
            "nul",
            "[1 2]",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "\"\x01\"",
        ] {
            let mut sc = Scanner::new(bad);
            assert!(sc.skip_value().and_then(|_| sc.end()).is_none(), "{bad}");
        }
        let mut deep = "[".repeat(MAX_DEPTH + 5);
        deep.push_str(&"]".repeat(MAX_DEPTH + 5));
        assert_eq!(Scanner::new(&deep).skip_value(), None);
        let mut once_slot = Some(1);
        assert_eq!(once(&mut once_slot, 2), None);
    }

    proptest! {
        /// Whatever the bytes, the scanner returns or declines without panicking, and whatever it
        /// accepts serde_json accepts too.
        #[test]
        fn never_panics(body in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Some(mut sc) = Scanner::from_bytes(&body) {
                let _ = sc.clone().levels(STR);
                let mut s2 = sc.clone();
                if s2.skip_value().and_then(|_| s2.end()).is_some() {
                    prop_assert!(serde_json::from_slice::<serde_json::Value>(&body).is_ok());
                }
                let _ = sc.object(|_, sc| sc.skip_value());
            }
        }

        /// Random JSON-ish level arrays: accepted ones agree with the serde path.
        #[test]
        fn levels_agree_with_serde(rows in proptest::collection::vec(
            (proptest::sample::select(vec!["1", "0.10", "-2.5", "1e3", "x", "", "007", "123456789.123456789012"]),
             proptest::sample::select(vec!["2", "0.0100", "3E-2", " 4", "y"]),
             0usize..3), 0..6), np in any::<bool>(), nq in any::<bool>()) {
            let text = format!("[{}]", rows.iter().map(|(p, q, n)| {
                let mut cells = vec![format!("\"{p}\""), format!("\"{q}\"")];
                cells.extend((0..*n).map(|k| format!("\"{k}\"")));
                format!("[{}]", cells.join(","))
            }).collect::<Vec<_>>().join(","));
            let serde: Vec<Vec<String>> = serde_json::from_str(&text).unwrap();
            let norm = |d: Decimal, n: bool| if n { d.normalize() } else { d };
            let general: Option<Vec<Level>> = serde.iter().map(|r| Some(Level {
                price: norm(parse_decimal(&r[0])?, np),
                qty: norm(parse_decimal(&r[1])?, nq),
            })).collect();
            let fast = book_levels(&text, LevelSpec { normalize_price: np, normalize_qty: nq, ..STR });
            if let Some(f) = &fast {
                let g = general.unwrap();
                prop_assert_eq!(f, &g);
                for (a, b) in f.iter().zip(&g) {
                    prop_assert_eq!(a.price.scale(), b.price.scale());
                    prop_assert_eq!(a.qty.scale(), b.qty.scale());
                }
            } else {
                prop_assert!(general.is_none());
            }
        }

        /// Random plain decimals of any length in rows of any cell count, under each
        /// normalisation setting: every row takes the compact path's windows (integer digits,
        /// eight-digit fraction chunks, skipped cells) at every offset, and agrees with serde.
        #[test]
        fn compact_rows_agree_with_serde(rows in proptest::collection::vec(
            ("-?[0-9]{1,12}(\\.[0-9]{1,12})?", "[0-9]{1,10}(\\.[0-9]{1,17})?",
             proptest::collection::vec("[0-9a-z ]{0,9}", 0..3)), 1..8),
            np in any::<bool>(), nq in any::<bool>()) {
            let text = format!("[{}]", rows.iter().map(|(p, q, more)| {
                let mut cells = vec![format!("\"{p}\""), format!("\"{q}\"")];
                cells.extend(more.iter().map(|c| format!("\"{c}\"")));
                format!("[{}]", cells.join(","))
            }).collect::<Vec<_>>().join(","));
            let norm = |d: Decimal, n: bool| if n { d.normalize() } else { d };
            let want: Vec<Level> = rows.iter().map(|(p, q, _)| Level {
                price: norm(parse_decimal(p).unwrap(), np),
                qty: norm(parse_decimal(q).unwrap(), nq),
            }).collect();
            let fast = book_levels(&text, LevelSpec { normalize_price: np, normalize_qty: nq, ..STR });
            prop_assert!(fast.is_some(), "{}", text);
            let fast = fast.unwrap();
            prop_assert_eq!(&fast, &want);
            for (a, b) in fast.iter().zip(&want) {
                prop_assert_eq!(a.price.scale(), b.price.scale());
                prop_assert_eq!(a.qty.scale(), b.qty.scale());
            }
        }
    }
}
