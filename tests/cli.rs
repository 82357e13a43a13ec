//! End-to-end tests of the `exch` binary (`crates/exch-cli`): usage errors, exit codes and the
//! commands against simulated venues on 127.0.0.1. Nothing here touches the internet.

mod common;

use common::{exch, exch_with_stdin, fixture, json, stderr, stdout, Running};

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
        "watch",
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
        vec![
            "ticker",
            "--sim",
            "--base-url",
            "http://127.0.0.1:1",
            "--venue",
            "binance",
            "BTC/USDT",
        ],
        vec!["demo", "--testnet"],
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
fn decode_handles_every_venue_of_the_build() {
    // (venue, kind, market, payload, markets payload, symbol, expected symbol of the first item)
    let cases = [
        (
            "okx",
            "positions",
            "perp",
            "okx/account_positions_swap.json",
            Some("okx/public_instruments_swap.json"),
            None,
            "LTC/USDT:USDT",
        ),
        (
            "okx",
            "candles",
            "spot",
            "okx/market_candles_spot.json",
            Some("okx/public_instruments_spot.json"),
            Some("BTC/USDT"),
            "",
        ),
        (
            "bingx",
            "ticker",
            "perp",
            "bingx/ccxt/swap_ticker__swap_ticker.json",
            Some("bingx/ccxt/swap_contracts__markets_info.json"),
            None,
            "BTC/USDT:USDT",
        ),
        (
            "bingx",
            "book",
            "spot",
            "bingx/docs/spot_depth__spot_depth.json",
            None,
            Some("BTC/USDT"),
            "BTC/USDT",
        ),
    ];
    for (venue, kind, market, payload, markets, symbol, expected) in cases {
        let payload = fixture(payload);
        let mut args = vec![
            "decode".to_string(),
            "--venue".to_string(),
            venue.to_string(),
            "--kind".to_string(),
            kind.to_string(),
            "--market".to_string(),
            market.to_string(),
            "--file".to_string(),
            payload,
        ];
        if let Some(m) = markets {
            args.extend(["--markets".to_string(), fixture(m)]);
        }
        if let Some(s) = symbol {
            args.extend(["--symbol".to_string(), s.to_string()]);
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = exch(&refs);
        assert_eq!(o.status.code(), Some(0), "{venue} {kind}: {}", stderr(&o));
        let v = json(&o);
        let first = if v.is_array() { v[0].clone() } else { v.clone() };
        assert!(!first.is_null(), "{venue} {kind}: {v}");
        if !expected.is_empty() {
            assert_eq!(first["symbol"], expected, "{venue} {kind}: {v}");
        }
    }
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
fn a_server_that_is_not_the_venue_is_a_decode_error_exit_1() {
    // A plain HTTP server on 127.0.0.1 answering every request with a body that is not JSON.
    // (An unreachable address would also fail, but only after the client's read retries.)
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut conn, _) = listener.accept().expect("one request");
        let mut buf = [0u8; 4096];
        let _ = conn.read(&mut buf);
        let body = "<html>not an exchange</html>";
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = conn.write_all(reply.as_bytes());
    });
    let o = exch(&["markets", "--venue", "binance", "--market", "spot", "--base-url", &url]);
    server.join().expect("server thread");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.starts_with("error: decode"), "{err}");
    assert!(err.contains("venue: binance"), "{err}");
    assert!(
        err.contains("not an exchange"),
        "the excerpt shows what came back: {err}"
    );
}

#[test]
fn every_read_command_works_on_every_simulated_venue() {
    let venues = exch::sim::simulated_venues();
    assert!(!venues.is_empty());
    for venue in venues {
        let v = venue.as_str();
        let run = |args: &[&str]| {
            let mut all = vec![args[0], "--sim", "--venue", v];
            all.extend_from_slice(&args[1..]);
            let o = exch(&all);
            assert_eq!(o.status.code(), Some(0), "exch {all:?}: {}", stderr(&o));
            o
        };
        let markets = json(&run(&["markets", "--json"]));
        let symbols: Vec<&str> = markets
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|m| m["symbol"].as_str())
            .collect();
        assert!(
            symbols.contains(&"BTC/USDT") && symbols.contains(&"BTC/USDT:USDT"),
            "{v}: {symbols:?}"
        );
        let table = stdout(&run(&["markets"]));
        assert!(table.starts_with("symbol "), "{v}: {table}");
        assert!(table.contains("BTC/USDT:USDT"), "{v}: {table}");

        let t = json(&run(&["ticker", "BTC/USDT", "--json"]));
        assert_eq!(t["symbol"], "BTC/USDT", "{v}");
        let book = json(&run(&["book", "BTC/USDT:USDT", "--depth", "2", "--json"]));
        assert_eq!(book["symbol"], "BTC/USDT:USDT", "{v}");
        let bids = book["bids"].as_array().expect("bids");
        assert!(!bids.is_empty() && bids.len() <= 2, "{v}: {book}");
        let table = stdout(&run(&["book", "BTC/USDT", "--depth", "2"]));
        assert!(table.contains("bid qty"), "{v}: {table}");

        assert!(json(&run(&["trades", "BTC/USDT", "--json"])).is_array(), "{v}");
        assert!(
            json(&run(&["candles", "BTC/USDT", "--interval", "1m", "--json"])).is_array(),
            "{v}"
        );
        let balances = json(&run(&["balances", "--json"]));
        assert!(
            balances.as_array().expect("array").iter().any(|b| b["asset"] == "USDT"),
            "{v}: {balances}"
        );
        assert!(json(&run(&["positions", "--json"])).is_array(), "{v}");
        assert!(json(&run(&["orders", "--json"])).is_array(), "{v}");
    }
}

#[test]
fn orders_placed_listed_and_cancelled_across_invocations() {
    for venue in exch::sim::simulated_venues() {
        let sim = Running::start(venue);
        let placed = sim.exch(
            &[
                "order",
                "place",
                "BTC/USDT",
                "buy",
                "0.001",
                "--price",
                "20000",
                "--client-id",
                "e2eorder1",
                "--json",
            ],
            true,
        );
        assert_eq!(placed.status.code(), Some(0), "{venue}: {}", stderr(&placed));
        let order = json(&placed);
        assert_eq!(order["symbol"], "BTC/USDT", "{venue}: {order}");
        assert_eq!(order["side"], "buy", "{venue}: {order}");
        assert_eq!(order["status"], "new", "{venue}: {order}");
        let id = order["id"].as_str().expect("string id").to_string();

        let open = json(&sim.exch(&["orders", "BTC/USDT", "--json"], true));
        assert!(
            open.as_array().expect("array").iter().any(|o| o["id"] == id.as_str()),
            "{venue}: {id} in {open}"
        );
        let got = sim.exch(
            &["order", "get", "BTC/USDT", "--client-id", "e2eorder1", "--json"],
            true,
        );
        assert_eq!(got.status.code(), Some(0), "{venue}: {}", stderr(&got));
        assert_eq!(json(&got)["id"], id.as_str(), "{venue}");

        let table = stdout(&sim.exch(&["orders", "BTC/USDT"], true));
        assert!(table.contains(&id) && table.contains("new"), "{venue}: {table}");

        let cancelled = sim.exch(&["order", "cancel", "BTC/USDT", &id, "--json"], true);
        assert_eq!(cancelled.status.code(), Some(0), "{venue}: {}", stderr(&cancelled));
        assert_eq!(json(&cancelled)["status"], "canceled", "{venue}");
        let open = json(&sim.exch(&["orders", "BTC/USDT", "--json"], true));
        assert!(
            !open.as_array().expect("array").iter().any(|o| o["id"] == id.as_str()),
            "{venue}: {open}"
        );
    }
}

#[test]
fn venue_rejections_exit_1_with_the_typed_kind_and_the_venue_code() {
    for venue in exch::sim::simulated_venues() {
        let sim = Running::start(venue);
        // 100 BTC at 29 000 USDT is far more than the simulator's 100 000 USDT.
        let o = sim.exch(&["order", "place", "BTC/USDT", "buy", "100", "--price", "29000"], true);
        assert_eq!(o.status.code(), Some(1), "{venue}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.starts_with("error: insufficient_funds (code "), "{venue}: {err}");
        assert!(err.contains(&format!("venue: {venue}")), "{venue}: {err}");
        assert!(stdout(&o).is_empty(), "{venue}");
    }
}

#[test]
fn account_commands_need_credentials() {
    for venue in exch::sim::simulated_venues() {
        let sim = Running::start(venue);
        let o = sim.exch(&["balances"], false);
        assert_ne!(o.status.code(), Some(0), "{venue}: {}", stdout(&o));
        assert!(stderr(&o).starts_with("error: auth"), "{venue}: {}", stderr(&o));
        let var = format!("EXCH_{}_API_KEY", venue.as_str().to_ascii_uppercase());
        assert!(stderr(&o).contains(&var), "{venue}: hint names {var}: {}", stderr(&o));
        let ok = sim.exch(&["balances"], true);
        assert_eq!(ok.status.code(), Some(0), "{venue}: {}", stderr(&ok));
    }
}

#[test]
fn candles_download_a_range_to_a_csv_file() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let since = (now - 3 * 3_600_000).to_string();
    let mut total = 0;
    for venue in exch::sim::simulated_venues() {
        let path = std::env::temp_dir().join(format!("exch-e2e-candles-{}-{venue}.csv", std::process::id()));
        let file = path.to_string_lossy().to_string();
        let o = exch(&[
            "--sim",
            "candles",
            "--venue",
            venue.as_str(),
            "BTC/USDT",
            "--interval",
            "1m",
            "--since",
            &since,
            "--output",
            &file,
        ]);
        assert_eq!(o.status.code(), Some(0), "{venue}: {}", stderr(&o));
        assert!(stderr(&o).contains("wrote "), "{venue}: {}", stderr(&o));
        let text = std::fs::read_to_string(&path).expect("written");
        let _ = std::fs::remove_file(&path);
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("open_time,open_time_utc,open,high,low,close,volume,quote_volume,closed")
        );
        let times: Vec<i64> = lines
            .map(|l| l.split(',').next().and_then(|t| t.parse().ok()).expect("open_time"))
            .collect();
        assert!(
            times.windows(2).all(|w| w[0] < w[1]),
            "{venue}: ascending, no repeats: {times:?}"
        );
        let since: i64 = since.parse().expect("ms");
        assert!(
            times.iter().all(|t| *t >= since && *t <= now + 60_000),
            "{venue}: {times:?}"
        );
        total += times.len();
    }
    assert!(total > 0, "some simulator serves candles");
}
