//! End-to-end tests of the `exch` binary (`crates/exch-cli`): usage errors, exit codes and the
//! commands against simulated venues on 127.0.0.1. Nothing here touches the internet.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `exch` with `args` and `stdin`, with no `EXCH_*` credentials in the environment.
fn exch_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_exch"));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("EXCH_") {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd.spawn().expect("exch starts");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin).expect("stdin written");
    drop(input);
    child.wait_with_output().expect("exch finishes")
}

fn exch(args: &[&str]) -> Output {
    exch_with_stdin(args, b"")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn version_and_help() {
    let v = exch(&["--version"]);
    assert_eq!(v.status.code(), Some(0));
    assert!(stdout(&v).contains(env!("CARGO_PKG_VERSION")), "{}", stdout(&v));
    let h = exch(&["--help"]);
    assert_eq!(h.status.code(), Some(0));
    for sub in [
        "demo",
        "markets",
        "ticker",
        "book",
        "trades",
        "candles",
        "balances",
        "positions",
        "orders",
        "order",
        "decode",
    ] {
        assert!(stdout(&h).contains(sub), "help lists {sub}: {}", stdout(&h));
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec![],
        vec!["ticker"],
        vec!["ticker", "--venue", "nowhere", "BTC/USDT"],
        vec!["ticker", "--venue", "binance", "BTCUSDT"],
        vec!["candles", "--venue", "binance", "BTC/USDT", "--since", "yesterday"],
        vec!["candles", "--venue", "binance", "BTC/USDT", "--interval", "7m"],
        vec!["order", "cancel", "--venue", "binance", "BTC/USDT"],
        vec!["order", "place", "--venue", "binance", "BTC/USDT", "hold", "1"],
        vec!["decode", "--venue", "binance", "--kind", "depth"],
    ] {
        let o = exch(&args);
        assert_eq!(o.status.code(), Some(2), "exch {args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("error"), "exch {args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "exch {args:?}: {}", stdout(&o));
    }
}

#[test]
fn a_venue_outside_the_build_is_a_configuration_error() {
    // Kraken has no crate yet, so no build contains it.
    let o = exch(&["ticker", "--venue", "kraken", "BTC/USDT"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).starts_with("error: config: "), "{}", stderr(&o));
    assert!(stderr(&o).contains("`kraken`"), "{}", stderr(&o));
}

#[test]
fn decode_without_a_payload_is_a_usage_error() {
    let o = exch_with_stdin(&["decode", "--venue", "binance", "--kind", "ticker"], b"  \n");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("no payload"), "{}", stderr(&o));
}

#[test]
fn contradictory_orders_are_rejected_before_connecting() {
    // No venue is contacted: the request is checked first, so no network is needed.
    let o = exch(&[
        "order", "place", "--venue", "binance", "BTC/USDT", "buy", "1", "--type", "limit",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("needs a price"), "{}", stderr(&o));
}

fn fixture(path: &str) -> String {
    format!("{}/../../fixtures/{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn decode_turns_a_raw_payload_into_the_unified_model() {
    let raw = std::fs::read(fixture("binance/spot/ticker_24hr.json")).expect("fixture");
    let markets = fixture("binance/spot/exchange_info.json");
    let o = exch_with_stdin(
        &[
            "decode",
            "--venue",
            "binance",
            "--kind",
            "ticker",
            "--market",
            "spot",
            "--markets",
            &markets,
        ],
        &raw,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!(v["symbol"], "BTC/USDT");
    assert_eq!(
        v["last"].as_str().and_then(|s| s.parse::<exch::Decimal>().ok()),
        Some("73369.84".parse().unwrap())
    );

    let depth = fixture("binance/futures/depth.json");
    let o = exch(&[
        "decode",
        "--venue",
        "binance",
        "--kind",
        "book",
        "--market",
        "perp",
        "--symbol",
        "BTC/USDT:USDT",
        "--file",
        &depth,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!(v["symbol"], "BTC/USDT:USDT");
    assert!(v["bids"].as_array().is_some_and(|b| !b.is_empty()), "{v}");
}

#[test]
fn decode_reports_a_bad_payload_with_its_kind() {
    let o = exch_with_stdin(
        &[
            "decode", "--venue", "binance", "--kind", "ticker", "--symbol", "BTC/USDT",
        ],
        b"{\"symbol\": \"BTCUSDT\", \"lastPrice\": [",
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).starts_with("error: decode"), "{}", stderr(&o));
    assert!(stderr(&o).contains("payload starts"), "{}", stderr(&o));
}

#[test]
fn an_unreachable_venue_is_a_network_error_exit_1() {
    // A port on 127.0.0.1 that nothing listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let o = exch(&["ticker", "--venue", "binance", "BTC/USDT", "--base-url", &url]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).starts_with("error: network"), "{}", stderr(&o));
    assert!(stderr(&o).contains("venue: binance"), "{}", stderr(&o));
}
