//! A local order book kept from a snapshot and deltas: [`LocalBook`].
//!
//! Quantities in [`BookMessage`]s are absolute (a level's new total); quantity 0 deletes the
//! level. Bids are kept best (highest) first, asks best (lowest) first. Each book follows a
//! [`SequenceRule`] chosen by the venue; a message that does not follow from the last one is a
//! [`BookError::Gap`], after which the caller rebuilds this one book from a fresh snapshot. A
//! venue that publishes a checksum supplies a [`ChecksumFn`]; a mismatch is a
//! [`BookError::Checksum`].
//!
//! The book stores the venue's own quantities (contracts, where the venue trades contracts)
//! so that checksums see the numbers as sent; [`LocalBook::with_contract_size`] converts them to
//! base units in everything the book hands out ([`LocalBook::to_order_book`],
//! [`LocalBook::best_bid`], [`LocalBook::to_base`]).
//!
//! ```
//! use exch_core::stream::{BookError, BookMessage, LocalBook, SequenceRule};
//! use exch_core::{Level, Symbol};
//! use rust_decimal_macros::dec;
//!
//! let lv = |p, q| Level { price: p, qty: q };
//! let sym: Symbol = "BNB/BTC".parse()?;
//! let mut book = LocalBook::new(sym.clone(), SequenceRule::Range);
//! // Snapshot up to update id 1027024, then a delta covering ids 1027025..=1027026.
//! book.apply(&BookMessage::snapshot(sym.clone(), vec![lv(dec!(4.00000000), dec!(431.00000000))], vec![lv(dec!(4.00000200), dec!(12.00000000))]).with_last_id(1027024))?;
//! book.apply(&BookMessage::delta(sym.clone(), vec![lv(dec!(0.0024), dec!(10))], vec![lv(dec!(0.0026), dec!(100))]).with_ids(1027025, 1027026))?;
//! assert_eq!(book.best_bid().unwrap().price, dec!(4.00000000));
//! assert_eq!(book.last_id(), Some(1027026));
//! // Ids 1027027..=1027029 were missed: a gap.
//! let late = BookMessage::delta(sym, vec![], vec![]).with_ids(1027030, 1027031);
//! assert!(matches!(book.apply(&late), Err(BookError::Gap { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::model::{Level, OrderBook, TimestampMs};
use crate::symbol::Symbol;

/// Whether a book message replaces the book or changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookKind {
    /// The full book (or the venue's top-N): replaces every level.
    Snapshot,
    /// Changed levels only.
    Delta,
}

/// A decoded book message, in the venue's units, before it is applied to a [`LocalBook`].
///
/// Sequence fields, by [`SequenceRule`]: `last_id` is the message's (final) update id or
/// sequence number; `first_id` the first update id it covers (range-style streams; defaults
/// to `last_id`); `prev_id` the id of the message before it (linked streams).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookMessage {
    /// The unified symbol.
    pub symbol: Symbol,
    /// Snapshot or delta.
    pub kind: BookKind,
    /// Bid levels (absolute quantities; 0 deletes), in any order.
    pub bids: Vec<Level>,
    /// Ask levels, as `bids`.
    pub asks: Vec<Level>,
    /// First update id covered by a delta.
    pub first_id: Option<u64>,
    /// Final update id / sequence number of the message.
    pub last_id: Option<u64>,
    /// The previous message's final id.
    pub prev_id: Option<u64>,
    /// The venue's checksum of the book after this message, if it sends one.
    pub checksum: Option<i64>,
    /// Event time.
    pub timestamp: Option<TimestampMs>,
}

impl BookMessage {
    fn new(symbol: Symbol, kind: BookKind, bids: Vec<Level>, asks: Vec<Level>) -> Self {
        BookMessage {
            symbol,
            kind,
            bids,
            asks,
            first_id: None,
            last_id: None,
            prev_id: None,
            checksum: None,
            timestamp: None,
        }
    }

    /// A snapshot.
    pub fn snapshot(symbol: Symbol, bids: Vec<Level>, asks: Vec<Level>) -> Self {
        Self::new(symbol, BookKind::Snapshot, bids, asks)
    }

    /// A delta.
    pub fn delta(symbol: Symbol, bids: Vec<Level>, asks: Vec<Level>) -> Self {
        Self::new(symbol, BookKind::Delta, bids, asks)
    }

    /// Sets the first and final update ids.
    pub fn with_ids(mut self, first: u64, last: u64) -> Self {
        self.first_id = Some(first);
        self.last_id = Some(last);
        self
    }

    /// Sets the final update id (sequence number).
    pub fn with_last_id(mut self, last: u64) -> Self {
        self.last_id = Some(last);
        self
    }

    /// Sets the previous message's final id.
    pub fn with_prev_id(mut self, prev: u64) -> Self {
        self.prev_id = Some(prev);
        self
    }

    /// Sets the venue's checksum.
    pub fn with_checksum(mut self, checksum: i64) -> Self {
        self.checksum = Some(checksum);
        self
    }

    /// Sets the event time.
    pub fn with_timestamp(mut self, ms: TimestampMs) -> Self {
        self.timestamp = Some(ms);
        self
    }

    /// True for a snapshot.
    pub fn is_snapshot(&self) -> bool {
        self.kind == BookKind::Snapshot
    }
}

/// How consecutive deltas of a venue's book stream link up. `L` below is the book's last id
/// (from the snapshot, then from each applied delta).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SequenceRule {
    /// No sequence check (snapshot-only streams, or venues without ids).
    #[default]
    None,
    /// Deltas carry the first and final update ids `[first, last]`. A delta with
    /// `last <= L` is old and skipped; `first > L + 1` is a gap. Thus the first applied delta
    /// after a snapshot satisfies `first <= L + 1 <= last`, and later ones `first == L + 1`
    /// (e.g. a spot diff-depth stream with `U`/`u`).
    Range,
    /// Deltas carry `[first, last]` and the previous delta's final id `prev`. Before the first
    /// applied delta, one with `last < L` is skipped and the first applied one must satisfy
    /// `first <= L <= last` or link to the snapshot with `prev == L`; after that each delta needs `prev == L` (e.g. a futures diff-depth
    /// stream with `U`/`u`/`pu`).
    RangeWithPrev,
    /// Each message carries its own id `last` and the previous message's id `prev`;
    /// `prev == L` is required. A heartbeat (`prev == last == L`, no levels) passes, and a
    /// sequence reset (`last < prev`) is accepted as long as `prev == L`.
    Linked,
    /// Each delta's id is exactly `L + 1`; an id `<= L` is old and skipped.
    Consecutive,
}

/// Why a book message could not be applied. The caller rebuilds the book from a fresh snapshot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BookError {
    /// A delta arrived before any snapshot (or after an error invalidated the book).
    #[error("delta on a book without a snapshot")]
    NotSynced,
    /// The delta does not follow from the book's last id: data was missed.
    #[error("sequence gap: book at {last}, delta covers {first}..={final_id} (prev {prev:?})")]
    Gap {
        /// The book's last id.
        last: u64,
        /// The delta's first id.
        first: u64,
        /// The delta's final id.
        final_id: u64,
        /// The delta's previous id, where the rule uses one.
        prev: Option<u64>,
    },
    /// The message lacks an id its sequence rule needs.
    #[error("book message lacks the sequence ids its rule needs")]
    MissingSequence,
    /// The book after the message does not match the venue's checksum.
    #[error("checksum mismatch: venue {expected}, local {computed}")]
    Checksum {
        /// The venue's checksum.
        expected: i64,
        /// The checksum of the local book.
        computed: i64,
    },
}

/// Computes a venue's checksum of a local book (compared with [`BookMessage::checksum`]).
/// A non-capturing closure coerces to it: `|b| crc32_interleaved(b, 25)`.
pub type ChecksumFn = fn(&LocalBook) -> i64;

/// What [`LocalBook::apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// A snapshot replaced the book.
    Snapshot,
    /// A delta changed the book.
    Delta,
    /// An old delta (already covered by the book) was skipped.
    Skipped,
}

/// A local order book: a snapshot plus deltas, with sequence and checksum checks.
#[derive(Debug, Clone)]
pub struct LocalBook {
    symbol: Symbol,
    rule: SequenceRule,
    checksum: Option<ChecksumFn>,
    contract_size: Decimal,
    bids: BTreeMap<Reverse<Decimal>, Decimal>,
    asks: BTreeMap<Decimal, Decimal>,
    synced: bool,
    deltas_applied: u64,
    last_id: Option<u64>,
    timestamp: Option<TimestampMs>,
}

impl LocalBook {
    /// An empty, unsynced book following `rule`.
    pub fn new(symbol: Symbol, rule: SequenceRule) -> Self {
        LocalBook {
            symbol,
            rule,
            checksum: None,
            contract_size: Decimal::ONE,
            bids: BTreeMap::new(),
            asks: BTreeMap::new(),
            synced: false,
            deltas_applied: 0,
            last_id: None,
            timestamp: None,
        }
    }

    /// Verifies messages that carry a checksum with `f`.
    pub fn with_checksum(mut self, f: ChecksumFn) -> Self {
        self.checksum = Some(f);
        self
    }

    /// Multiplies quantities by `size` in everything handed out (for venues whose books are in
    /// contracts). Stored levels keep the venue's units.
    pub fn with_contract_size(mut self, size: Decimal) -> Self {
        self.contract_size = size;
        self
    }

    /// The symbol.
    pub fn symbol(&self) -> &Symbol {
        &self.symbol
    }

    /// The sequence rule.
    pub fn rule(&self) -> SequenceRule {
        self.rule
    }

    /// True once a snapshot was applied and no error invalidated the book since.
    pub fn is_synced(&self) -> bool {
        self.synced
    }

    /// The last applied id.
    pub fn last_id(&self) -> Option<u64> {
        self.last_id
    }

    /// The time of the last applied message.
    pub fn timestamp(&self) -> Option<TimestampMs> {
        self.timestamp
    }

    /// Empties the book and marks it unsynced (before a resync).
    pub fn clear(&mut self) {
        self.bids.clear();
        self.asks.clear();
        self.synced = false;
        self.deltas_applied = 0;
        self.last_id = None;
        self.timestamp = None;
    }

    /// Applies a snapshot or a delta. On an error the book is left unsynced; rebuild it from a
    /// fresh snapshot.
    pub fn apply(&mut self, m: &BookMessage) -> Result<Applied, BookError> {
        let applied = match m.kind {
            BookKind::Snapshot => {
                self.bids.clear();
                self.asks.clear();
                self.put(m);
                self.synced = true;
                self.deltas_applied = 0;
                self.last_id = m.last_id;
                Applied::Snapshot
            }
            BookKind::Delta => {
                if !self.synced {
                    return Err(BookError::NotSynced);
                }
                match self.check(m) {
                    Ok(true) => {}
                    Ok(false) => return Ok(Applied::Skipped),
                    Err(e) => {
                        self.synced = false;
                        return Err(e);
                    }
                }
                self.put(m);
                self.deltas_applied += 1;
                if m.last_id.is_some() {
                    self.last_id = m.last_id;
                }
                Applied::Delta
            }
        };
        if m.timestamp.is_some() {
            self.timestamp = m.timestamp;
        }
        if let (Some(expected), Some(f)) = (m.checksum, self.checksum) {
            let computed = f(self);
            if computed != expected {
                self.synced = false;
                return Err(BookError::Checksum { expected, computed });
            }
        }
        Ok(applied)
    }

    /// `Ok(true)` to apply, `Ok(false)` to skip an old delta.
    fn check(&self, m: &BookMessage) -> Result<bool, BookError> {
        let Some(l) = self.last_id else {
            // A snapshot without an id cannot anchor a sequence: accept.
            return Ok(true);
        };
        let last = m.last_id.ok_or(BookError::MissingSequence);
        let gap = |first: u64, final_id: u64| BookError::Gap {
            last: l,
            first,
            final_id,
            prev: m.prev_id,
        };
        match self.rule {
            SequenceRule::None => Ok(true),
            SequenceRule::Range => {
                let last = last?;
                let first = m.first_id.unwrap_or(last);
                if last <= l {
                    Ok(false)
                } else if first > l.saturating_add(1) {
                    Err(gap(first, last))
                } else {
                    Ok(true)
                }
            }
            SequenceRule::RangeWithPrev => {
                let last = last?;
                let first = m.first_id.unwrap_or(last);
                if self.deltas_applied == 0 {
                    if last < l {
                        Ok(false)
                    } else if first > l && m.prev_id != Some(l) {
                        // The documented rule is `U <= L <= u`; a delta whose `pu` is exactly
                        // the snapshot id also follows on without a hole (a quiet market).
                        Err(gap(first, last))
                    } else {
                        Ok(true)
                    }
                } else if last <= l && m.prev_id.is_some_and(|p| p < l) {
                    Ok(false)
                } else if m.prev_id.ok_or(BookError::MissingSequence)? == l {
                    Ok(true)
                } else {
                    Err(gap(first, last))
                }
            }
            SequenceRule::Linked => {
                let last = last?;
                let prev = m.prev_id.ok_or(BookError::MissingSequence)?;
                if prev == l {
                    Ok(true)
                } else {
                    Err(gap(prev.saturating_add(1), last))
                }
            }
            SequenceRule::Consecutive => {
                let last = last?;
                if last <= l {
                    Ok(false)
                } else if last != l.saturating_add(1) {
                    Err(gap(m.first_id.unwrap_or(last), last))
                } else {
                    Ok(true)
                }
            }
        }
    }

    fn put(&mut self, m: &BookMessage) {
        for lv in &m.bids {
            if lv.qty.is_zero() {
                self.bids.remove(&Reverse(lv.price));
            } else {
                self.bids.insert(Reverse(lv.price), lv.qty);
            }
        }
        for lv in &m.asks {
            if lv.qty.is_zero() {
                self.asks.remove(&lv.price);
            } else {
                self.asks.insert(lv.price, lv.qty);
            }
        }
    }

    /// Bids, best first, in the venue's units (as applied).
    pub fn bids(&self) -> impl Iterator<Item = Level> + '_ {
        self.bids.iter().map(|(p, q)| Level { price: p.0, qty: *q })
    }

    /// Asks, best first, in the venue's units (as applied).
    pub fn asks(&self) -> impl Iterator<Item = Level> + '_ {
        self.asks.iter().map(|(p, q)| Level { price: *p, qty: *q })
    }

    /// Number of bid and ask levels.
    pub fn len(&self) -> (usize, usize) {
        (self.bids.len(), self.asks.len())
    }

    /// True when both sides are empty.
    pub fn is_empty(&self) -> bool {
        self.bids.is_empty() && self.asks.is_empty()
    }

    /// A level converted to base units.
    pub fn to_base(&self, lv: Level) -> Level {
        Level {
            price: lv.price,
            qty: lv.qty * self.contract_size,
        }
    }

    /// The best bid, in base units.
    pub fn best_bid(&self) -> Option<Level> {
        self.bids().next().map(|l| self.to_base(l))
    }

    /// The best ask, in base units.
    pub fn best_ask(&self) -> Option<Level> {
        self.asks().next().map(|l| self.to_base(l))
    }

    /// The top `depth` levels per side (`usize::MAX` for all), in base units.
    pub fn to_order_book(&self, depth: usize) -> OrderBook {
        OrderBook {
            symbol: self.symbol.clone(),
            bids: self.bids().take(depth).map(|l| self.to_base(l)).collect(),
            asks: self.asks().take(depth).map(|l| self.to_base(l)).collect(),
            sequence: self.last_id,
            timestamp: self.timestamp,
        }
    }
}

/// CRC-32 (IEEE, the zlib polynomial) of the top `depth` levels per side, interleaved as
/// `bid1px:bid1qty:ask1px:ask1qty:bid2px:...` (when one side runs out, the other continues),
/// returned as a signed 32-bit value widened to `i64`. Prices and quantities print as stored,
/// so parse them from the venue's strings ([`Decimal`] keeps trailing zeros) for the text to
/// match what the venue hashed.
pub fn crc32_interleaved(book: &LocalBook, depth: usize) -> i64 {
    crc32_interleaved_levels(book.bids(), book.asks(), depth)
}

/// [`crc32_interleaved`] over plain level iterators (best first).
pub fn crc32_interleaved_levels(
    bids: impl IntoIterator<Item = Level>,
    asks: impl IntoIterator<Item = Level>,
    depth: usize,
) -> i64 {
    let mut text = String::with_capacity(depth * 40);
    let mut bids = bids.into_iter().take(depth);
    let mut asks = asks.into_iter().take(depth);
    loop {
        let (b, a) = (bids.next(), asks.next());
        if b.is_none() && a.is_none() {
            break;
        }
        for lv in [b, a].into_iter().flatten() {
            if !text.is_empty() {
                text.push(':');
            }
            let _ = write!(text, "{}:{}", lv.price, lv.qty);
        }
    }
    // The venue compares the CRC as a signed 32-bit integer.
    i64::from(crc32fast::hash(text.as_bytes()) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn lv(p: &str, q: &str) -> Level {
        Level {
            price: p.parse().unwrap(),
            qty: q.parse().unwrap(),
        }
    }

    fn sym() -> Symbol {
        "BNB/BTC".parse().unwrap()
    }

    #[test]
    fn snapshot_then_deltas_keep_sorted_levels_and_delete_zeros() {
        let mut b = LocalBook::new(sym(), SequenceRule::Range);
        b.apply(
            &BookMessage::snapshot(
                sym(),
                vec![lv("0.0024", "10"), lv("0.0025", "5"), lv("0.0023", "1")],
                vec![lv("0.0027", "3"), lv("0.0026", "100")],
            )
            .with_last_id(1027024),
        )
        .unwrap();
        assert_eq!(
            b.bids().map(|l| l.price).collect::<Vec<_>>(),
            [dec!(0.0025), dec!(0.0024), dec!(0.0023)]
        );
        assert_eq!(
            b.asks().map(|l| l.price).collect::<Vec<_>>(),
            [dec!(0.0026), dec!(0.0027)]
        );
        let d = BookMessage::delta(
            sym(),
            vec![lv("0.0025", "0"), lv("0.0024", "12")],
            vec![lv("0.0026", "0")],
        )
        .with_ids(1027025, 1027027);
        assert_eq!(b.apply(&d).unwrap(), Applied::Delta);
        assert_eq!(b.best_bid(), Some(lv("0.0024", "12")));
        assert_eq!(b.best_ask(), Some(lv("0.0027", "3")));
        assert_eq!(b.len(), (2, 1));
        assert_eq!(b.last_id(), Some(1027027));
        let ob = b.to_order_book(1);
        assert_eq!(ob.bids, vec![lv("0.0024", "12")]);
        assert_eq!(ob.sequence, Some(1027027));
    }

    #[test]
    fn range_rule_skips_old_accepts_straddling_and_detects_gaps() {
        let mut b = LocalBook::new(sym(), SequenceRule::Range);
        assert_eq!(
            b.apply(&BookMessage::delta(sym(), vec![], vec![]).with_ids(1, 2)),
            Err(BookError::NotSynced)
        );
        b.apply(&BookMessage::snapshot(sym(), vec![lv("1", "1")], vec![]).with_last_id(100))
            .unwrap();
        // u <= lastUpdateId: old.
        assert_eq!(
            b.apply(&BookMessage::delta(sym(), vec![lv("1", "9")], vec![]).with_ids(90, 100)),
            Ok(Applied::Skipped)
        );
        assert_eq!(b.best_bid(), Some(lv("1", "1")));
        // First applied straddles: U <= 101 <= u.
        assert_eq!(
            b.apply(&BookMessage::delta(sym(), vec![], vec![]).with_ids(95, 105)),
            Ok(Applied::Delta)
        );
        assert_eq!(
            b.apply(&BookMessage::delta(sym(), vec![], vec![]).with_ids(106, 110)),
            Ok(Applied::Delta)
        );
        let gap = b.apply(&BookMessage::delta(sym(), vec![], vec![]).with_ids(112, 115));
        assert_eq!(
            gap,
            Err(BookError::Gap {
                last: 110,
                first: 112,
                final_id: 115,
                prev: None
            })
        );
        assert!(!b.is_synced());
        assert_eq!(
            b.apply(&BookMessage::delta(sym(), vec![], vec![]).with_ids(111, 111)),
            Err(BookError::NotSynced)
        );
    }

    #[test]
    fn range_with_prev_rule() {
        let mut b = LocalBook::new(sym(), SequenceRule::RangeWithPrev);
        b.apply(&BookMessage::snapshot(sym(), vec![], vec![]).with_last_id(200))
            .unwrap();
        // u < lastUpdateId: dropped.
        let old = BookMessage::delta(sym(), vec![], vec![])
            .with_ids(150, 199)
            .with_prev_id(149);
        assert_eq!(b.apply(&old), Ok(Applied::Skipped));
        // First: U <= 200 <= u.
        let first = BookMessage::delta(sym(), vec![lv("5", "1")], vec![])
            .with_ids(190, 210)
            .with_prev_id(189);
        assert_eq!(b.apply(&first), Ok(Applied::Delta));
        let next = BookMessage::delta(sym(), vec![], vec![])
            .with_ids(211, 220)
            .with_prev_id(210);
        assert_eq!(b.apply(&next), Ok(Applied::Delta));
        let gap = BookMessage::delta(sym(), vec![], vec![])
            .with_ids(230, 240)
            .with_prev_id(229);
        assert!(matches!(b.apply(&gap), Err(BookError::Gap { last: 220, .. })));

        // The first event after the snapshot must reach the snapshot id.
        let mut b = LocalBook::new(sym(), SequenceRule::RangeWithPrev);
        b.apply(&BookMessage::snapshot(sym(), vec![], vec![]).with_last_id(200))
            .unwrap();
        let late = BookMessage::delta(sym(), vec![], vec![])
            .with_ids(202, 205)
            .with_prev_id(201);
        assert!(matches!(b.apply(&late), Err(BookError::Gap { .. })));
        // ... unless it links to the snapshot id through `pu` (a gap invalidates the book, so
        // start again from a snapshot).
        b.apply(&BookMessage::snapshot(sym(), vec![], vec![]).with_last_id(200))
            .unwrap();
        let linked = BookMessage::delta(sym(), vec![], vec![])
            .with_ids(201, 205)
            .with_prev_id(200);
        assert_eq!(b.apply(&linked), Ok(Applied::Delta));
    }

    #[test]
    fn linked_rule_with_heartbeat_and_reset() {
        let mut b = LocalBook::new(sym(), SequenceRule::Linked);
        b.apply(&BookMessage::snapshot(sym(), vec![lv("8476.98", "415")], vec![]).with_last_id(123456))
            .unwrap();
        let d = BookMessage::delta(sym(), vec![lv("8476.98", "420")], vec![])
            .with_last_id(123457)
            .with_prev_id(123456);
        assert_eq!(b.apply(&d), Ok(Applied::Delta));
        // Heartbeat: prev == seq, no levels.
        let hb = BookMessage::delta(sym(), vec![], vec![])
            .with_last_id(123457)
            .with_prev_id(123457);
        assert_eq!(b.apply(&hb), Ok(Applied::Delta));
        // Reset after maintenance: seq < prev, prev still links.
        let reset = BookMessage::delta(sym(), vec![], vec![])
            .with_last_id(10)
            .with_prev_id(123457);
        assert_eq!(b.apply(&reset), Ok(Applied::Delta));
        assert_eq!(b.last_id(), Some(10));
        let gap = BookMessage::delta(sym(), vec![], vec![])
            .with_last_id(13)
            .with_prev_id(12);
        assert!(matches!(b.apply(&gap), Err(BookError::Gap { last: 10, .. })));
        let missing = BookMessage::delta(sym(), vec![], vec![]).with_last_id(13);
        let mut b2 = LocalBook::new(sym(), SequenceRule::Linked);
        b2.apply(&BookMessage::snapshot(sym(), vec![], vec![]).with_last_id(1))
            .unwrap();
        assert_eq!(b2.apply(&missing), Err(BookError::MissingSequence));
    }

    #[test]
    fn consecutive_rule() {
        let mut b = LocalBook::new(sym(), SequenceRule::Consecutive);
        b.apply(&BookMessage::snapshot(sym(), vec![], vec![]).with_last_id(7))
            .unwrap();
        assert_eq!(
            b.apply(&BookMessage::delta(sym(), vec![], vec![]).with_last_id(7)),
            Ok(Applied::Skipped)
        );
        assert_eq!(
            b.apply(&BookMessage::delta(sym(), vec![], vec![]).with_last_id(8)),
            Ok(Applied::Delta)
        );
        assert!(matches!(
            b.apply(&BookMessage::delta(sym(), vec![], vec![]).with_last_id(10)),
            Err(BookError::Gap { last: 8, .. })
        ));
    }

    #[test]
    fn interleaved_crc32_matches_documented_vectors() {
        // C1: `3366.1:7:3366.8:9:3366:6:3368:8` -> -1881014294.
        let c1 = crc32_interleaved_levels(
            [lv("3366.1", "7"), lv("3366", "6")],
            [lv("3366.8", "9"), lv("3368", "8")],
            25,
        );
        assert_eq!(c1, -1_881_014_294);
        // C2: one bid, three asks: `3366.1:7:3366.8:9:3368:8:3372:8` -> 831078360.
        let c2 = crc32_interleaved_levels(
            [lv("3366.1", "7")],
            [lv("3366.8", "9"), lv("3368", "8"), lv("3372", "8")],
            25,
        );
        assert_eq!(c2, 831_078_360);
    }

    #[test]
    fn checksum_hook_verifies_and_flags_mismatch() {
        let mut b = LocalBook::new(sym(), SequenceRule::Linked).with_checksum(|b| crc32_interleaved(b, 25));
        let snap = BookMessage::snapshot(
            sym(),
            vec![lv("3366.1", "7"), lv("3366", "6")],
            vec![lv("3366.8", "9"), lv("3368", "8")],
        )
        .with_last_id(1)
        .with_checksum(-1_881_014_294);
        assert_eq!(b.apply(&snap), Ok(Applied::Snapshot));
        // Removing bid 3366 and adding ask 3372 gives the C2 book.
        let d = BookMessage::delta(sym(), vec![lv("3366", "0")], vec![lv("3372", "8")])
            .with_last_id(2)
            .with_prev_id(1)
            .with_checksum(831_078_360);
        assert_eq!(b.apply(&d), Ok(Applied::Delta));
        let bad = BookMessage::delta(sym(), vec![lv("3366.1", "8")], vec![])
            .with_last_id(3)
            .with_prev_id(2)
            .with_checksum(831_078_360);
        assert!(matches!(
            b.apply(&bad),
            Err(BookError::Checksum {
                expected: 831_078_360,
                ..
            })
        ));
        assert!(!b.is_synced());
    }

    #[test]
    fn trailing_zeros_survive_in_checksum_text() {
        // Decimal keeps the scale it was parsed with: "7.10" hashes as "7.10", not "7.1".
        let a = crc32_interleaved_levels([lv("1.0", "7.10")], [], 25);
        let b = crc32_interleaved_levels([lv("1.0", "7.1")], [], 25);
        assert_eq!(a, i64::from(crc32fast::hash(b"1.0:7.10") as i32));
        assert_ne!(a, b);
    }

    fn arb_level() -> impl proptest::strategy::Strategy<Value = Level> {
        use proptest::prelude::*;
        (0u32..50, 0u32..4).prop_map(|(p, q)| Level {
            price: Decimal::from(100 + p),
            qty: Decimal::from(q),
        })
    }

    fn arb_message() -> impl proptest::strategy::Strategy<Value = BookMessage> {
        use proptest::prelude::*;
        (
            any::<bool>(),
            proptest::collection::vec(arb_level(), 0..8),
            proptest::collection::vec(arb_level(), 0..8),
            proptest::option::of(any::<u64>()),
            proptest::option::of(any::<u64>()),
            proptest::option::of(any::<u64>()),
            proptest::option::of(any::<i64>()),
        )
            .prop_map(|(snap, bids, asks, first, last, prev, checksum)| {
                let mut m = if snap {
                    BookMessage::snapshot(sym(), bids, asks)
                } else {
                    BookMessage::delta(sym(), bids, asks)
                };
                m.first_id = first;
                m.last_id = last;
                m.prev_id = prev;
                m.checksum = checksum;
                m
            })
    }

    proptest::proptest! {
        /// Any message sequence under any rule: no panic, sides stay sorted without zero levels.
        #[test]
        fn never_panics_and_stays_sorted(
            msgs in proptest::collection::vec(arb_message(), 0..30),
            rule in proptest::sample::select(vec![
                SequenceRule::None,
                SequenceRule::Range,
                SequenceRule::RangeWithPrev,
                SequenceRule::Linked,
                SequenceRule::Consecutive,
            ]),
        ) {
            let mut b = LocalBook::new(sym(), rule).with_checksum(|b| crc32_interleaved(b, 25));
            for m in &msgs {
                let _ = b.apply(m);
                let bids: Vec<Level> = b.bids().collect();
                let asks: Vec<Level> = b.asks().collect();
                proptest::prop_assert!(bids.windows(2).all(|w| w[0].price > w[1].price));
                proptest::prop_assert!(asks.windows(2).all(|w| w[0].price < w[1].price));
                proptest::prop_assert!(bids.iter().chain(&asks).all(|l| !l.qty.is_zero()));
            }
        }

        /// Without sequence checks, the book equals a plain map replay of the messages.
        #[test]
        fn matches_a_naive_model(msgs in proptest::collection::vec(arb_message(), 1..30)) {
            let mut b = LocalBook::new(sym(), SequenceRule::None);
            let mut model_bids = BTreeMap::new();
            let mut model_asks = BTreeMap::new();
            let mut synced = false;
            for m in &msgs {
                let mut m = m.clone();
                m.checksum = None;
                let r = b.apply(&m);
                if m.is_snapshot() {
                    model_bids.clear();
                    model_asks.clear();
                    synced = true;
                }
                if !synced {
                    proptest::prop_assert_eq!(r, Err(BookError::NotSynced));
                    continue;
                }
                for l in &m.bids {
                    if l.qty.is_zero() { model_bids.remove(&l.price); } else { model_bids.insert(l.price, l.qty); }
                }
                for l in &m.asks {
                    if l.qty.is_zero() { model_asks.remove(&l.price); } else { model_asks.insert(l.price, l.qty); }
                }
                let want_bids: Vec<Level> = model_bids.iter().rev().map(|(p, q)| Level { price: *p, qty: *q }).collect();
                let want_asks: Vec<Level> = model_asks.iter().map(|(p, q)| Level { price: *p, qty: *q }).collect();
                proptest::prop_assert_eq!(b.bids().collect::<Vec<_>>(), want_bids);
                proptest::prop_assert_eq!(b.asks().collect::<Vec<_>>(), want_asks);
            }
        }
    }

    #[test]
    fn ids_at_the_top_of_the_range_do_not_overflow() {
        for rule in [
            SequenceRule::Range,
            SequenceRule::Consecutive,
            SequenceRule::RangeWithPrev,
        ] {
            let mut b = LocalBook::new(sym(), rule);
            b.apply(&BookMessage::snapshot(sym(), vec![], vec![]).with_last_id(u64::MAX))
                .unwrap();
            let r = b.apply(
                &BookMessage::delta(sym(), vec![], vec![])
                    .with_ids(u64::MAX, u64::MAX)
                    .with_prev_id(u64::MAX),
            );
            assert!(r.is_ok(), "{rule:?}: {r:?}");
        }
    }

    #[test]
    fn contract_size_scales_output_not_storage() {
        let mut b = LocalBook::new(sym(), SequenceRule::None).with_contract_size(dec!(0.01));
        b.apply(&BookMessage::snapshot(
            sym(),
            vec![lv("100", "50")],
            vec![lv("101", "20")],
        ))
        .unwrap();
        assert_eq!(b.bids().next(), Some(lv("100", "50")));
        assert_eq!(
            b.best_bid(),
            Some(Level {
                price: dec!(100),
                qty: dec!(0.50)
            })
        );
        assert_eq!(b.to_order_book(10).asks[0].qty, dec!(0.20));
    }
}
