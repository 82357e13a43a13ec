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
