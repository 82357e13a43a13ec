//! CCXT conformance data (`shared/conformance/ccxt` beside the repository): finding and loading
//! the recorded cases and market snapshots, walking the cases, and the value and URL helpers
//! every venue's comparer needs. The comparison itself (which fields, which deviations are
//! explained) stays in each venue crate's `tests/conformance.rs`.
//!
//! The data is not part of the repository. A test that finds it missing panics, unless
//! [`SKIP_ENV`] is `1`: then [`load`] returns `None` and the test returns early.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rust_decimal::Decimal;
use serde_json::Value;

/// Set to `1` to skip conformance tests when the CCXT data is absent.
pub const SKIP_ENV: &str = "EXCH_SKIP_CONFORMANCE";

/// `shared/conformance/ccxt` beside the repository (the workspace's crates sit in `crates/`).
pub fn ccxt_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/conformance/ccxt"))
}

/// The JSON file `rel` under [`ccxt_dir`], e.g. `request/okx.json` or `markets/bingx.json`.
/// `None` (with a note on stderr) when it is missing and [`SKIP_ENV`] is `1`.
///
/// # Panics
/// When the file is missing (and not skipped) or is not JSON: a conformance run without its
/// data must not pass silently.
pub fn load(rel: &str) -> Option<Value> {
    let path = ccxt_dir().join(rel);
    match std::fs::read(&path) {
        Ok(bytes) => Some(serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))),
        Err(e) if std::env::var(SKIP_ENV).as_deref() == Ok("1") => {
            eprintln!("conformance: {}: {e}; skipped because {SKIP_ENV}=1", path.display());
            None
        }
        Err(e) => panic!(
            "conformance: cannot read {} ({e}); check out `shared/` beside the repository, or set {SKIP_ENV}=1 to skip",
            path.display()
        ),
    }
}

/// One recorded case of a request or response file.
#[derive(Debug, Clone, Copy)]
pub struct Case<'a> {
    /// The unified CCXT method, e.g. `fetchOHLCV`.
    pub method: &'a str,
    /// The case's description (`""` when absent).
    pub description: &'a str,
    /// CCXT marks the case disabled (a truthy `disabled`).
    pub disabled: bool,
    /// The call's arguments (`input`; empty when absent).
    pub input: &'a [Value],
    /// The whole case (`url`, `output`, `httpResponse`, `parsedResponse`, ...).
    pub raw: &'a Value,
}

/// Every case of a request or response file (`{"methods": {method: [case, ...]}}`): methods
/// in the order of serde_json's map, each method's cases in file order; a file without
/// `methods` has none.
pub fn cases(file: &Value) -> impl Iterator<Item = Case<'_>> {
    file.get("methods")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.iter())
        .flat_map(|(method, cases)| {
            cases
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(move |raw| Case {
                    method,
                    description: raw.get("description").and_then(Value::as_str).unwrap_or(""),
                    disabled: raw.get("disabled").is_some_and(|d| !falsy(d)),
                    input: raw
                        .get("input")
                        .and_then(Value::as_array)
                        .map(Vec::as_slice)
                        .unwrap_or_default(),
                    raw,
                })
        })
}

/// The entries of a market snapshot (`markets/<exchange>.json`) that carry the venue's raw
/// `info` object, as (CCXT market type such as `spot` or `swap`, `info`), in the order of
/// serde_json's map.
pub fn market_infos(snapshot: &Value) -> Vec<(&str, &Value)> {
    snapshot
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(|m| {
            let info = m.get("info").filter(|i| i.is_object())?;
            Some((m.get("type").and_then(Value::as_str).unwrap_or(""), info))
        })
        .collect()
}

/// A CCXT number: a JSON number or a numeric string, exactly (see [`exch_core::de`]).
pub fn number(v: &Value) -> Option<Decimal> {
    exch_core::de::value_decimal(v).ok().flatten()
}

/// CCXT's falsy values, interchangeable with an absent value in its own comparator: `null`,
/// `false`, `""` and zero.
pub fn falsy(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Number(_) => number(v).is_some_and(|d| d.is_zero()),
        _ => false,
    }
}

/// Matches a case description against a pattern of a deviation table: `*` matches anything,
/// `*text*` any description containing `text`, anything else only itself.
pub fn glob(pattern: &str, s: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_prefix('*').and_then(|p| p.strip_suffix('*')) {
        Some(inner) => s.contains(inner),
        None => pattern == s,
    }
}

/// The path of a URL (`https://host/a/b?x=1` → `/a/b`; `/` without one).
pub fn url_path(url: &str) -> &str {
    let no_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path_q = no_scheme.find('/').map_or("/", |i| &no_scheme[i..]);
    path_q.split_once('?').map_or(path_q, |(p, _)| p)
}

/// The query of a URL, without `?` (`""` without one).
pub fn url_query(url: &str) -> &str {
    url.split_once('?').map_or("", |(_, q)| q)
}

/// The `key=value` pairs of a query or form body, as written (not decoded); a key without `=`
/// has the value `""`, empty keys are dropped, a repeated key keeps its last value.
pub fn query_pairs(q: &str) -> BTreeMap<String, String> {
    q.split('&')
        .map(|kv| kv.split_once('=').unwrap_or((kv, "")))
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Decodes `%XX` escapes and `+` (a space) of a query value; a malformed escape stays as it is.
pub fn pct_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let Some(v) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cases_with_their_fields() {
        let file = json!({"exchange": "x", "methods": {
            "fetchTicker": [
                {"description": "spot", "input": ["BTC/USDT"], "url": "u"},
                {"description": "off", "disabled": true},
            ],
            "fetchOHLCV": [{"input": ["BTC/USDT", "1h"]}],
        }});
        let all: Vec<Case<'_>> = cases(&file).filter(|c| c.method == "fetchTicker").collect();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].description, "spot");
        assert_eq!(all[0].input, &[json!("BTC/USDT")]);
        assert_eq!(all[0].raw["url"], "u");
        assert!(!all[0].disabled && all[1].disabled);
        assert!(all[1].input.is_empty());
        let ohlcv: Vec<Case<'_>> = cases(&file).filter(|c| c.method == "fetchOHLCV").collect();
        assert_eq!(ohlcv.len(), 1);
        assert_eq!(ohlcv[0].description, "");
        assert_eq!(cases(&json!({})).count(), 0);
    }

    #[test]
    fn market_infos_keep_entries_with_an_info_object() {
        let snap = json!({
            "BTC/USDT": {"type": "spot", "info": {"symbol": "BTCUSDT"}},
            "X/Y": {"type": "spot", "info": null},
            "BTC/USDT:USDT": {"type": "swap", "info": {"symbol": "BTCUSDT"}},
        });
        let infos = market_infos(&snap);
        assert_eq!(infos.len(), 2);
        assert!(infos.contains(&("spot", &json!({"symbol": "BTCUSDT"}))));
        assert!(infos.iter().any(|(t, _)| *t == "swap"));
    }

    #[test]
    fn numbers_and_falsy_values() {
        assert_eq!(number(&json!("0.10")), Some(Decimal::new(10, 2)));
        let exact: Value = serde_json::from_str("1723237251.70184720").unwrap();
        assert_eq!(number(&exact), Some("1723237251.70184720".parse().unwrap()));
        assert_eq!(number(&json!("abc")), None);
        assert_eq!(number(&json!(null)), None);
        for f in [json!(null), json!(false), json!(""), json!(0), json!(0.0)] {
            assert!(falsy(&f), "{f}");
        }
        assert!(!falsy(&json!("0")), "a non-empty string is truthy, as in JavaScript");
        assert!(!falsy(&json!(1)) && !falsy(&json!(true)) && !falsy(&json!([])));
    }

    #[test]
    fn globs() {
        assert!(glob("*", "anything"));
        assert!(glob("*stopLoss*", "create stopLossPrice order"));
        assert!(!glob("*stopLoss*", "take profit"));
        assert!(glob("spot ohlcv", "spot ohlcv"));
        assert!(!glob("spot", "spot ohlcv"));
        assert!(glob("**", "x"), "`**` contains the empty string");
    }

    #[test]
    fn urls_and_queries() {
        let u = "https://www.okx.com/api/v5/market/candles?instId=BTC-USDT&bar=1m&limit=100";
        assert_eq!(url_path(u), "/api/v5/market/candles");
        assert_eq!(url_query(u), "instId=BTC-USDT&bar=1m&limit=100");
        assert_eq!(url_path("https://host"), "/");
        assert_eq!(url_path("/a/b"), "/a/b");
        assert_eq!(url_query("https://host/a"), "");
        let q = query_pairs("a=1&b=&c&=x&a=2&sig=ab=");
        assert_eq!(
            q.into_iter().collect::<Vec<_>>(),
            vec![
                ("a".to_string(), "2".to_string()),
                ("b".to_string(), String::new()),
                ("c".to_string(), String::new()),
                ("sig".to_string(), "ab=".to_string()),
            ]
        );
        assert_eq!(pct_decode("%5B%22BTCUSDT%22%5D"), "[\"BTCUSDT\"]");
        assert_eq!(pct_decode("a+b%2"), "a b%2");
        assert_eq!(pct_decode("100%"), "100%");
        assert_eq!(pct_decode("%zz%41"), "%zzA");
    }
}
