//! Per-venue results of a fan-out: one venue's failure never hides the others.

use std::collections::BTreeMap;

use exch_core::{Error, ErrorKind, Venue};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

/// A serializable summary of an [`Error`] (the error itself carries a boxed source and is not
/// serializable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReport {
    /// The kind's snake_case name, e.g. `timeout`.
    pub kind: String,
    /// The message.
    pub message: String,
    /// The venue's raw code, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl ErrorReport {
    /// The summary of `e`.
    pub fn of(e: &Error) -> Self {
        ErrorReport {
            kind: e.kind().as_str().to_string(),
            message: e.message().to_string(),
            code: e.code().map(str::to_string),
        }
    }

    /// True when the report is of kind `kind`.
    pub fn is(&self, kind: ErrorKind) -> bool {
        self.kind == kind.as_str()
    }
}

impl From<&Error> for ErrorReport {
    fn from(e: &Error) -> Self {
        ErrorReport::of(e)
    }
}

/// The result of one operation on several venues, keyed (and iterated) in venue order.
///
/// Serializes as a map from venue name to `{"ok": value}` or `{"error": ErrorReport}`.
#[derive(Debug)]
pub struct VenueResults<T> {
    results: BTreeMap<Venue, exch_core::Result<T>>,
}

impl<T> Default for VenueResults<T> {
    fn default() -> Self {
        VenueResults {
            results: BTreeMap::new(),
        }
    }
}

impl<T> VenueResults<T> {
    /// An empty set of results.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the result of `venue`, replacing an earlier one.
    pub fn insert(&mut self, venue: Venue, result: exch_core::Result<T>) {
        self.results.insert(venue, result);
    }

    /// The result of `venue`, if it was asked.
    pub fn get(&self, venue: Venue) -> Option<&exch_core::Result<T>> {
        self.results.get(&venue)
    }

    /// The value of `venue` when it succeeded.
    pub fn ok(&self, venue: Venue) -> Option<&T> {
        self.results.get(&venue).and_then(|r| r.as_ref().ok())
    }

    /// The error of `venue` when it failed.
    pub fn err(&self, venue: Venue) -> Option<&Error> {
        self.results.get(&venue).and_then(|r| r.as_ref().err())
    }

    /// Successful venues and their values, in venue order.
    pub fn successes(&self) -> impl Iterator<Item = (Venue, &T)> {
        self.results
            .iter()
            .filter_map(|(v, r)| r.as_ref().ok().map(|t| (*v, t)))
    }

    /// Failed venues and their errors, in venue order.
    pub fn errors(&self) -> impl Iterator<Item = (Venue, &Error)> {
        self.results
            .iter()
            .filter_map(|(v, r)| r.as_ref().err().map(|e| (*v, e)))
    }

    /// Every venue and its result, in venue order.
    pub fn iter(&self) -> impl Iterator<Item = (Venue, &exch_core::Result<T>)> {
        self.results.iter().map(|(v, r)| (*v, r))
    }

    /// The venues asked, in order.
    pub fn venues(&self) -> impl Iterator<Item = Venue> + '_ {
        self.results.keys().copied()
    }

    /// Number of venues asked.
    pub fn len(&self) -> usize {
        self.results.len()
    }

    /// True when no venue was asked.
    pub fn is_empty(&self) -> bool {
        self.results.is_empty()
    }

    /// True when every venue succeeded (and at least one was asked).
    pub fn all_ok(&self) -> bool {
        !self.results.is_empty() && self.results.values().all(Result::is_ok)
    }

    /// Number of successful venues.
    pub fn success_count(&self) -> usize {
        self.results.values().filter(|r| r.is_ok()).count()
    }

    /// Summaries of the errors, by venue.
    pub fn error_reports(&self) -> BTreeMap<Venue, ErrorReport> {
        self.errors().map(|(v, e)| (v, ErrorReport::of(e))).collect()
    }

    /// Keeps the successful values, dropping the errors.
    pub fn into_successes(self) -> BTreeMap<Venue, T> {
        self.results
            .into_iter()
            .filter_map(|(v, r)| r.ok().map(|t| (v, t)))
            .collect()
    }

    /// Splits into successful values and errors.
    pub fn split(self) -> (BTreeMap<Venue, T>, BTreeMap<Venue, Error>) {
        let mut ok = BTreeMap::new();
        let mut err = BTreeMap::new();
        for (v, r) in self.results {
            match r {
                Ok(t) => {
                    ok.insert(v, t);
                }
                Err(e) => {
                    err.insert(v, e);
                }
            }
        }
        (ok, err)
    }

    /// The underlying map.
    pub fn into_inner(self) -> BTreeMap<Venue, exch_core::Result<T>> {
        self.results
    }

    /// Applies `f` to every successful value.
    pub fn map<U>(self, mut f: impl FnMut(Venue, T) -> U) -> VenueResults<U> {
        VenueResults {
            results: self.results.into_iter().map(|(v, r)| (v, r.map(|t| f(v, t)))).collect(),
        }
    }
}

impl<T> FromIterator<(Venue, exch_core::Result<T>)> for VenueResults<T> {
    fn from_iter<I: IntoIterator<Item = (Venue, exch_core::Result<T>)>>(iter: I) -> Self {
        VenueResults {
            results: iter.into_iter().collect(),
        }
    }
}

impl<T> IntoIterator for VenueResults<T> {
    type Item = (Venue, exch_core::Result<T>);
    type IntoIter = std::collections::btree_map::IntoIter<Venue, exch_core::Result<T>>;

    fn into_iter(self) -> Self::IntoIter {
        self.results.into_iter()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum Outcome<'a, T> {
    Ok(&'a T),
    Error(ErrorReport),
}

impl<T: Serialize> Serialize for VenueResults<T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.results.len()))?;
        for (v, r) in &self.results {
            match r {
                Ok(t) => m.serialize_entry(v, &Outcome::Ok(t))?,
                Err(e) => m.serialize_entry(v, &Outcome::<T>::Error(ErrorReport::of(e)))?,
            }
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_and_json() {
        let r: VenueResults<u32> = [
            (Venue::Okx, Ok(2)),
            (Venue::Binance, Ok(1)),
            (
                Venue::Bingx,
                Err(Error::new(ErrorKind::Timeout, "slow").with_venue(Venue::Bingx)),
            ),
        ]
        .into_iter()
        .collect();
        assert_eq!(r.len(), 3);
        assert!(!r.all_ok());
        assert_eq!(r.success_count(), 2);
        assert_eq!(
            r.successes().collect::<Vec<_>>(),
            vec![(Venue::Binance, &1), (Venue::Okx, &2)]
        );
        assert_eq!(
            r.errors().map(|(v, e)| (v, e.kind())).collect::<Vec<_>>(),
            vec![(Venue::Bingx, ErrorKind::Timeout)]
        );
        assert_eq!(r.ok(Venue::Okx), Some(&2));
        assert!(r.err(Venue::Bingx).is_some());
        assert!(r.error_reports()[&Venue::Bingx].is(ErrorKind::Timeout));
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({
                "binance": {"ok": 1},
                "okx": {"ok": 2},
                "bingx": {"error": {"kind": "timeout", "message": "slow"}},
            })
        );
        let doubled = r.map(|_, x| x * 2);
        let (ok, err) = doubled.split();
        assert_eq!(ok.values().copied().collect::<Vec<_>>(), vec![2, 4]);
        assert_eq!(err.len(), 1);
    }
}
