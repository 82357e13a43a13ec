//! The benchmark payloads decode with the exch parsers into the expected shapes, and every
//! benchmarked operation succeeds on them (a failing operation would time an error path).

use exch_bench::ops::{self, BinanceFixture};

fn fixture() -> BinanceFixture {
    BinanceFixture::load().expect("run `cargo xtask bench-fixtures`")
}

#[test]
fn binance_payloads_have_the_advertised_sizes() {
    let f = fixture();
    assert_eq!(ops::binance_order_book(&f).unwrap(), 2000, "1000 levels a side");
    assert_eq!(ops::binance_trades(&f).unwrap(), 500);
    assert_eq!(ops::binance_ticker(&f).unwrap(), 1);
    assert_eq!(ops::binance_order(&f).unwrap(), "28457419032".len());
    assert_eq!(ops::binance_positions(&f).unwrap(), 40);
    assert_eq!(ops::binance_markets(&f).unwrap(), 150);
}

#[test]
fn binance_book_is_sorted_and_uncrossed() {
    let f = fixture();
    let d: exch_binance::wire::Depth = exch_binance::parse::decode("depth", &f.payloads.depth).unwrap();
    let book = exch_binance::parse::order_book(f.btc.clone(), &d);
    assert!(book.bids.windows(2).all(|w| w[0].price > w[1].price));
    assert!(book.asks.windows(2).all(|w| w[0].price < w[1].price));
    assert!(book.bids[0].price < book.asks[0].price);
    assert_eq!(book.sequence, Some(68_412_775_331));
}

#[test]
fn binance_signing_matches_the_documented_scheme() {
    let f = fixture();
    let call = exch_binance::rest::new_order(
        exch_binance::config::Api::Spot,
        "BTCUSDT",
        &f.order,
        "x-bench-6gCrw2kRUAF9CvJDGP16IP",
    )
    .unwrap();
    let p = call.prepare(Some(&BinanceFixture::auth())).unwrap();
    let (unsigned, sig) = p.body.rsplit_once("&signature=").unwrap();
    assert_eq!(
        sig,
        exch_core::sign::hmac_sha256_hex(ops::SECRET.as_bytes(), unsigned.as_bytes())
    );
    assert!(unsigned.starts_with("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.5&price=42574.3"));
    assert!(ops::binance_sign_get("https://api.binance.com").unwrap() > 0);
    assert!(ops::binance_sign_order(&f, "https://api.binance.com").unwrap() > 0);
}

#[test]
fn every_operation_runs() {
    for mut op in ops::all().unwrap() {
        assert!((op.run)() > 0, "{} returned 0 (an error path?)", op.name);
    }
}

/// One timed call, no warm-up: enough to prove the rig works.
fn one_shot() -> exch_bench::measure::Plan {
    exch_bench::measure::Plan {
        warmup: std::time::Duration::ZERO,
        batch: std::time::Duration::ZERO,
        samples: 1,
    }
}

#[test]
fn loopback_server_serves_the_client() {
    let f = fixture();
    let plan = one_shot();
    let o = exch_bench::e2e::run(&f, plan).unwrap();
    assert_eq!(o.len(), 2);
    assert!(o.iter().all(|o| o.client.batch_size >= 1 && o.bare.batch_size >= 1));
}

#[test]
fn the_venue_simulator_serves_the_client() {
    let f = fixture();
    let plan = one_shot();
    // `run_sim` checks the 100-level book and that the IOC order expires before timing.
    let o = exch_bench::e2e::run_sim(&f, plan).unwrap();
    let names: Vec<&str> = o.iter().map(|o| o.name).collect();
    assert_eq!(
        names,
        ["binance.order_book (simulator)", "binance.place_order (simulator)"]
    );
    assert!(o.iter().all(|o| o.client.batch_size >= 1 && o.bare.batch_size >= 1));
}

#[test]
fn local_book_deltas_apply_in_sequence() {
    let f = fixture();
    let messages = ops::book_messages(&f).unwrap();
    assert_eq!(messages.len(), 101);
    let n = ops::local_book_apply(&f.btc, &messages);
    // Deltas add and remove levels near the top; the book stays about 2000 levels deep.
    assert!((1900..=2200).contains(&n), "{n}");
}

#[test]
fn okx_payloads_have_the_advertised_sizes() {
    let f = ops::OkxFixture::load().expect("run `cargo xtask bench-fixtures`");
    assert_eq!(ops::okx_order_book(&f).unwrap(), 2000, "1000 levels a side");
    assert_eq!(ops::okx_trades(&f).unwrap(), 500);
    assert_eq!(ops::okx_ticker(&f).unwrap(), 1);
    assert_eq!(ops::okx_order(&f).unwrap(), "1339107111507525632".len());
    assert_eq!(ops::okx_positions(&f).unwrap(), 40);
    assert_eq!(ops::okx_markets(&f).unwrap(), 150);
    assert_eq!(ops::okx_sign_get(&f, "https://www.okx.com").unwrap(), 1);
    assert!(ops::okx_sign_order(&f, "https://www.okx.com").unwrap() > 0);
}

#[test]
fn bingx_payloads_have_the_advertised_sizes() {
    let f = ops::BingxFixture::load().expect("run `cargo xtask bench-fixtures`");
    assert_eq!(ops::bingx_order_book(&f).unwrap(), 2000, "1000 levels a side");
    assert_eq!(ops::bingx_trades(&f).unwrap(), 500);
    assert_eq!(ops::bingx_ticker(&f).unwrap(), 1);
    assert_eq!(ops::bingx_order(&f).unwrap(), "1514087361158316032".len());
    assert_eq!(ops::bingx_positions(&f).unwrap(), 40);
    assert_eq!(ops::bingx_markets(&f).unwrap(), 150);
    assert_eq!(ops::bingx_sign_get(&f, "https://open-api.bingx.com").unwrap(), 1);
    assert_eq!(ops::bingx_sign_order(&f, "https://open-api.bingx.com").unwrap(), 1);
}
