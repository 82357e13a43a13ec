//! One insta snapshot (serde JSON form) per fixture file under `fixtures/bingx/`: the parsed
//! models of each raw BingX payload. File names are `<parser>__<name>.json`.

mod common;

use exch_bingx::parse;
use exch_core::MarketKind;

/// The serde JSON form, pretty-printed (a string, so that `arbitrary_precision` numbers print
/// as numbers).
fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap()
}

fn parse_fixture(parser: &str, body: &[u8]) -> String {
    let map = common::fixture_map();
    let spot = MarketKind::Spot;
    let swap = MarketKind::LinearPerpetual;
    let ep = "fixture";
    let out = match parser {
        "server_time" => parse::server_time(body, ep).map(|t| json(&t)),
        "swap_contracts" => parse::swap_contracts(body, ep).map(|v| json(&v)),
        "spot_symbols" => parse::spot_symbols(body, ep).map(|v| json(&v)),
        "swap_ticker" => parse::tickers(body, ep, swap, &map).map(|v| json(&v)),
        "spot_ticker" => parse::tickers(body, ep, spot, &map).map(|v| json(&v)),
        "swap_depth" => parse::order_book(body, ep, &common::btc(swap)).map(|v| json(&v)),
        "spot_depth" => parse::order_book(body, ep, &common::btc(spot)).map(|v| json(&v)),
        "swap_trades" => parse::trades(body, ep, &common::btc(swap)).map(|v| json(&v)),
        "spot_trades" => parse::trades(body, ep, &common::btc(spot)).map(|v| json(&v)),
        "swap_candles" | "spot_candles" => parse::candles(body, ep).map(|v| json(&v)),
        "swap_order" => parse::order(body, ep, swap, &map, None).map(|v| json(&v)),
        "spot_order" => parse::order(body, ep, spot, &map, None).map(|v| json(&v)),
        "swap_orders" => parse::orders(body, ep, swap, &map, None).map(|v| json(&v)),
        "spot_orders" => parse::orders(body, ep, spot, &map, None).map(|v| json(&v)),
        "swap_balances" => parse::swap_balances(body, ep).map(|v| json(&v)),
        "spot_balances" => parse::spot_balances(body, ep).map(|v| json(&v)),
        "positions" => parse::positions(body, ep, &map).map(|v| json(&v)),
        "income" => parse::income(body, ep, &map).map(|v| json(&v)),
        "close_all" => parse::close_all(body, ep).map(|v| json(&v)),
        other => panic!("fixture prefix `{other}` has no parser; name files <parser>__<name>.json"),
    };
    out.unwrap_or_else(|e| panic!("fixture for `{parser}` failed to parse: {e}"))
}

#[test]
fn every_fixture_parses_to_its_snapshot() {
    let dir = common::fixtures_dir();
    assert!(dir.is_dir(), "missing {}", dir.display());
    insta::glob!("../../../fixtures/bingx", "**/*.json", |path| {
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let (parser, _) = stem
            .split_once("__")
            .unwrap_or_else(|| panic!("{stem}: name fixtures <parser>__<name>.json"));
        let body = std::fs::read(path).unwrap();
        let parsed = parse_fixture(parser, &body);
        assert!(parsed != "null" && parsed != "[]", "{stem} parsed to nothing");
        insta::assert_snapshot!(parsed);
    });
}
