//! The comparison table: exch against CCXT-Python and CCXT-JS on the same payloads, the targets
//! of issue 8, the client overhead, and the machine it ran on.

#![allow(clippy::float_arithmetic)] // timings and ratios, not money

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Deserialize;

use crate::e2e::Overhead;

/// One CCXT script's output (`ccxt/bench.py`, `ccxt/bench.mjs`), or why it is missing.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CcxtRun {
    /// CCXT's version.
    #[serde(default)]
    pub ccxt_version: Option<String>,
    /// The interpreter (`Python 3.11.7`, `Node v20.20.2`).
    #[serde(default)]
    pub runtime: Option<String>,
    /// Operations per second by operation name.
    #[serde(default)]
    pub ops: BTreeMap<String, CcxtOp>,
    /// Why there are no numbers (install or run failure).
    #[serde(default)]
    pub error: Option<String>,
}

/// One CCXT operation's numbers.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct CcxtOp {
    /// Operations per second at the median.
    pub ops_per_sec: f64,
}

impl CcxtRun {
    /// Reads a script's JSON output; a missing or malformed file becomes an `error`.
    pub fn read(path: &std::path::Path) -> CcxtRun {
        match std::fs::read(path) {
            Err(e) => CcxtRun {
                error: Some(format!("no output at {}: {e}", path.display())),
                ..CcxtRun::default()
            },
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| CcxtRun {
                error: Some(format!("unreadable output {}: {e}", path.display())),
                ..CcxtRun::default()
            }),
        }
    }

    fn get(&self, name: &str) -> Option<f64> {
        self.ops.get(name).map(|o| o.ops_per_sec).filter(|v| *v > 0.0)
    }

    fn label(&self, lang: &str) -> String {
        match (&self.error, &self.ccxt_version) {
            (Some(e), _) => format!("CCXT-{lang}: n/a ({e})"),
            (None, Some(v)) => format!(
                "CCXT-{lang}: ccxt {v} on {}",
                self.runtime.as_deref().unwrap_or("unknown runtime")
            ),
            (None, None) => format!("CCXT-{lang}: version unknown"),
        }
    }
}

/// One exch operation's result.
#[derive(Debug, Clone, PartialEq)]
pub struct ExchOp {
    /// `venue.operation`.
    pub name: String,
    /// The CCXT operation it is compared with.
    pub compare_to: String,
    /// What it does.
    pub what: String,
    /// Operations per second at the median.
    pub ops_per_sec: f64,
}

/// The issue-8 targets: minimum ratio over CCXT-JS and over CCXT-Python for an operation.
pub fn target(name: &str) -> (Option<f64>, Option<f64>) {
    let op = name.rsplit('.').next().unwrap_or(name);
    match op {
        "order_book" | "trades" => (Some(10.0), Some(50.0)),
        "ticker" | "order" => (Some(5.0), None),
        "sign_get" | "sign_order" => (Some(2.0), None),
        _ => (None, None),
    }
}

/// The most client time over bare reqwest time allowed on loopback.
pub const MAX_OVERHEAD: f64 = 1.2;

/// `12345.6` → `12 346`; small values keep a decimal.
pub fn fmt_rate(v: f64) -> String {
    if v <= 0.0 || !v.is_finite() {
        return "n/a".into();
    }
    if v < 100.0 {
        return format!("{v:.1}");
    }
    let s = format!("{:.0}", v.round());
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

fn ratio_cell(exch: f64, other: Option<f64>, min: Option<f64>) -> (String, Option<bool>) {
    match other {
        None => ("n/a".into(), None),
        Some(o) => {
            let r = exch / o;
            match min {
                Some(m) => {
                    let ok = r >= m;
                    (
                        format!("{r:.1}× (≥{m}× {})", if ok { "met" } else { "MISSED" }),
                        Some(ok),
                    )
                }
                None => (format!("{r:.1}×"), None),
            }
        }
    }
}

/// The full report: the table, the overhead table and the run's context.
#[derive(Debug, Clone)]
pub struct Report {
    /// exch results.
    pub exch: Vec<ExchOp>,
    /// CCXT for Python.
    pub python: CcxtRun,
    /// CCXT for Node.
    pub js: CcxtRun,
    /// Client overhead over bare reqwest.
    pub overhead: Vec<Overhead>,
    /// Why the overhead was not measured, if it was not.
    pub overhead_error: Option<String>,
    /// Machine, toolchain and date lines.
    pub machine: Vec<String>,
}

impl Report {
    /// The markdown text; the second value counts (met, missed) targets.
    pub fn markdown(&self) -> (String, (usize, usize)) {
        let mut met = 0;
        let mut missed = 0;
        let mut tally = |ok: Option<bool>| match ok {
            Some(true) => met += 1,
            Some(false) => missed += 1,
            None => {}
        };
        let mut s = String::new();
        s.push_str(
            "| operation | exch ops/s | CCXT-Python ops/s | CCXT-JS ops/s | exch / CCXT-Python | exch / CCXT-JS |\n",
        );
        s.push_str("|---|---:|---:|---:|---|---|\n");
        for op in &self.exch {
            let py = self.python.get(&op.compare_to);
            let js = self.js.get(&op.compare_to);
            let (min_js, min_py) = target(&op.compare_to);
            let (py_cell, py_ok) = ratio_cell(op.ops_per_sec, py, min_py);
            let (js_cell, js_ok) = ratio_cell(op.ops_per_sec, js, min_js);
            tally(py_ok);
            tally(js_ok);
            let _ = writeln!(
                s,
                "| `{}` ({}) | {} | {} | {} | {} | {} |",
                op.name,
                op.what,
                fmt_rate(op.ops_per_sec),
                py.map_or("n/a".into(), fmt_rate),
                js.map_or("n/a".into(), fmt_rate),
                py_cell,
                js_cell
            );
        }
        s.push_str("\nClient overhead on loopback (the real client against bare reqwest sending the identical pre-built request to the same server; target ≤ 1.2×):\n\n");
        s.push_str(
            "| operation | client ops/s | bare reqwest ops/s | client / bare time | of which decoding |\n|---|---:|---:|---|---|\n",
        );
        for o in &self.overhead {
            let r = o.ratio();
            let ok = r <= MAX_OVERHEAD;
            tally(Some(ok));
            let decode = o.decode.map_or("n/a".into(), |d| format!("{:.1} µs", d * 1e6));
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {r:.2}× ({}) | {decode} |",
                o.name,
                fmt_rate(o.client.ops_per_sec()),
                fmt_rate(o.bare.ops_per_sec()),
                if ok { "met" } else { "MISSED" },
            );
        }
        if let Some(e) = &self.overhead_error {
            let _ = writeln!(s, "| (not measured: {e}) | n/a | n/a | n/a | n/a |");
        }
        s.push('\n');
        for line in &self.machine {
            let _ = writeln!(s, "- {line}");
        }
        let _ = writeln!(s, "- {}", self.python.label("Python"));
        let _ = writeln!(s, "- {}", self.js.label("JS"));
        let _ = writeln!(s, "- targets: {met} met, {missed} missed");
        (s, (met, missed))
    }
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The machine lines of the report: date, CPUs, CPU model, rustc, OS.
pub fn machine() -> Vec<String> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let tod = secs.rem_euclid(86_400);
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let rustc = std::process::Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    vec![
        format!(
            "date: {y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
            tod / 3600,
            (tod % 3600) / 60
        ),
        format!(
            "machine: {cpus} CPUs, {model}, {} {}",
            std::env::consts::OS,
            std::env::consts::ARCH
        ),
        format!("toolchain: {rustc}, release profile"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_089), (2025, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn rates_and_targets() {
        assert_eq!(fmt_rate(1_234_567.4), "1\u{202f}234\u{202f}567");
        assert_eq!(fmt_rate(999.0), "999");
        assert_eq!(fmt_rate(12.34), "12.3");
        assert_eq!(fmt_rate(0.0), "n/a");
        assert_eq!(target("binance.order_book"), (Some(10.0), Some(50.0)));
        assert_eq!(target("okx.ticker"), (Some(5.0), None));
        assert_eq!(target("binance.markets"), (None, None));
    }

    #[test]
    fn table_counts_targets_and_shows_missing_ccxt() {
        let mut js = CcxtRun::default();
        js.ops
            .insert("binance.order_book".into(), CcxtOp { ops_per_sec: 100.0 });
        let report = Report {
            exch: vec![ExchOp {
                name: "binance.order_book".into(),
                compare_to: "binance.order_book".into(),
                what: "book".into(),
                ops_per_sec: 2000.0,
            }],
            python: CcxtRun {
                error: Some("pip failed".into()),
                ..CcxtRun::default()
            },
            js,
            overhead: Vec::new(),
            overhead_error: None,
            machine: vec!["machine: test".into()],
        };
        let (text, (met, missed)) = report.markdown();
        assert_eq!((met, missed), (1, 0));
        assert!(text.contains("20.0× (≥10× met)"), "{text}");
        assert!(text.contains("CCXT-Python: n/a (pip failed)"), "{text}");
    }
}
