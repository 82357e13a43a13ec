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

/// Request side: method, path, query (signed with a fixed key and clock) and headers of every
/// builder, one snapshot per case.
mod requests {
    use exch_bingx::rest::{self, Call};
    use exch_core::{
        Credentials, IncomeKind, IncomeQuery, Interval, MarginMode, MarketKind, OrderRef, OrderRequest, OrderType,
        PositionMode, PositionSide, Side,
    };
    use rust_decimal_macros::dec;

    /// Secret S1 of `bingx.md` §2 with a fixed key and clock.
    const S1: &str = "mheO6dR8ovSsxZQCOYEFCtelpuxcWGTfHw7te326y6jOwq5WpvFQ9JNljoTwBXZGv5It07m9RXSPpDQEK2w";
    const NOW: i64 = 1_700_000_000_000;

    fn render(call: &Call) -> String {
        let creds = Credentials::new("test-api-key", S1);
        let req = call
            .prepare("https://open-api.bingx.com", Some(&creds), NOW, 5000)
            .unwrap();
        let headers: std::collections::BTreeMap<String, String> = req
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap().to_string()))
            .collect();
        let v = serde_json::json!({
            "method": req.method.as_str(),
            "path": req.path,
            "query": req.query,
            "headers": headers,
            "endpoint": req.endpoint,
            "idempotent": req.idempotent,
            "costs": req.costs,
        });
        serde_json::to_string_pretty(&v).unwrap()
    }

    fn perp() -> exch_core::Symbol {
        "BTC/USDT:USDT".parse().unwrap()
    }

    fn spot() -> exch_core::Symbol {
        "BTC/USDT".parse().unwrap()
    }

    #[test]
    fn every_builder_snapshot() {
        let swap = MarketKind::LinearPerpetual;
        let sp = MarketKind::Spot;
        let limit = OrderRequest::limit(perp(), Side::Buy, dec!(0.001), dec!(30000))
            .build()
            .unwrap();
        let hedge_post_only = OrderRequest::limit(perp(), Side::Sell, dec!(0.5), dec!(31000.5))
            .post_only()
            .position_side(PositionSide::Short)
            .build()
            .unwrap();
        let market_tp_sl = OrderRequest::market(perp(), Side::Buy, dec!(0.001))
            .take_profit(dec!(31968), None)
            .stop_loss(dec!(29000), Some(dec!(28990)))
            .build()
            .unwrap();
        let reduce = OrderRequest::market(perp(), Side::Sell, dec!(0.001))
            .reduce_only(true)
            .build()
            .unwrap();
        let ioc = OrderRequest::limit(perp(), Side::Buy, dec!(1), dec!(30000))
            .ioc()
            .build()
            .unwrap();
        let fok = OrderRequest::limit(perp(), Side::Buy, dec!(1), dec!(30000))
            .fok()
            .build()
            .unwrap();
        let stop_market = OrderRequest::builder(perp(), Side::Sell, OrderType::StopMarket, dec!(0.001))
            .trigger_price(dec!(29000))
            .reduce_only(true)
            .build()
            .unwrap();
        let stop_limit = OrderRequest::builder(perp(), Side::Sell, OrderType::StopLimit, dec!(0.001))
            .trigger_price(dec!(29000))
            .price(dec!(28950))
            .build()
            .unwrap();
        let tp = OrderRequest::builder(perp(), Side::Sell, OrderType::TakeProfitMarket, dec!(0.001))
            .trigger_price(dec!(35000))
            .build()
            .unwrap();
        let trailing = OrderRequest::builder(perp(), Side::Sell, OrderType::TrailingStop, dec!(0.001))
            .callback_rate(dec!(1.5))
            .trigger_price(dec!(31000))
            .reduce_only(true)
            .build()
            .unwrap();
        let spot_limit = OrderRequest::limit(spot(), Side::Buy, dec!(0.0002), dec!(25000))
            .build()
            .unwrap();
        let spot_market = OrderRequest::market(spot(), Side::Sell, dec!(0.1)).build().unwrap();
        let spot_trigger = OrderRequest::builder(spot(), Side::Buy, OrderType::StopLimit, dec!(0.1))
            .trigger_price(dec!(55))
            .price(dec!(50))
            .build()
            .unwrap();
        let big_id = OrderRef::Id("1736011869418901234".into());
        let cases: Vec<(&str, Call)> = vec![
            ("server_time", rest::server_time()),
            ("swap_contracts", rest::swap_contracts()),
            ("spot_symbols", rest::spot_symbols()),
            ("swap_ticker", rest::ticker(swap, Some("BTC-USDT")).unwrap()),
            ("swap_tickers", rest::ticker(swap, None).unwrap()),
            ("spot_ticker", rest::ticker(sp, Some("BTC-USDT")).unwrap()),
            ("swap_depth_30", rest::order_book(swap, "BTC-USDT", Some(30)).unwrap()),
            ("spot_depth", rest::order_book(sp, "BTC-USDT", None).unwrap()),
            ("swap_trades", rest::trades(swap, "BTC-USDT", Some(100)).unwrap()),
            ("spot_trades", rest::trades(sp, "BTC-USDT", None).unwrap()),
            (
                "swap_klines",
                rest::klines(
                    swap,
                    "BTC-USDT",
                    Interval::H1,
                    Some(NOW - 3_600_000),
                    Some(NOW),
                    Some(1440),
                )
                .unwrap(),
            ),
            (
                "spot_klines",
                rest::klines(sp, "BTC-USDT", Interval::M1, None, None, Some(2)).unwrap(),
            ),
            (
                "swap_place_limit",
                rest::place_order(swap, "BTC-USDT", &limit, "xabc123").unwrap(),
            ),
            (
                "swap_place_hedge_post_only",
                rest::place_order(swap, "BTC-USDT", &hedge_post_only, "xHedge1").unwrap(),
            ),
            (
                "swap_place_market_tp_sl",
                rest::place_order(swap, "BTC-USDT", &market_tp_sl, "xtpsl").unwrap(),
            ),
            (
                "swap_place_reduce_only",
                rest::place_order(swap, "BTC-USDT", &reduce, "xreduce").unwrap(),
            ),
            (
                "swap_place_ioc",
                rest::place_order(swap, "BTC-USDT", &ioc, "xioc").unwrap(),
            ),
            (
                "swap_place_fok",
                rest::place_order(swap, "BTC-USDT", &fok, "xfok").unwrap(),
            ),
            (
                "swap_place_stop_market",
                rest::place_order(swap, "BTC-USDT", &stop_market, "xstop").unwrap(),
            ),
            (
                "swap_place_stop_limit",
                rest::place_order(swap, "BTC-USDT", &stop_limit, "xstoplimit").unwrap(),
            ),
            (
                "swap_place_take_profit",
                rest::place_order(swap, "BTC-USDT", &tp, "xtp").unwrap(),
            ),
            (
                "swap_place_trailing",
                rest::place_order(swap, "BTC-USDT", &trailing, "xtrail").unwrap(),
            ),
            (
                "spot_place_limit",
                rest::place_order(sp, "BTC-USDT", &spot_limit, "xspot1").unwrap(),
            ),
            (
                "spot_place_market",
                rest::place_order(sp, "BTC-USDT", &spot_market, "xspot2").unwrap(),
            ),
            (
                "spot_place_trigger_limit",
                rest::place_order(sp, "BTC-USDT", &spot_trigger, "xspot3").unwrap(),
            ),
            (
                "swap_cancel_by_id",
                rest::cancel_order(swap, "BTC-USDT", &big_id).unwrap(),
            ),
            (
                "swap_cancel_by_client_id",
                rest::cancel_order(swap, "BTC-USDT", &OrderRef::Client("xabc123".into())).unwrap(),
            ),
            (
                "spot_cancel_by_id",
                rest::cancel_order(sp, "BTC-USDT", &big_id).unwrap(),
            ),
            ("swap_cancel_all", rest::cancel_all(swap, "BTC-USDT").unwrap()),
            ("spot_cancel_all", rest::cancel_all(sp, "BTC-USDT").unwrap()),
            ("swap_get_order", rest::get_order(swap, "BTC-USDT", &big_id).unwrap()),
            (
                "spot_get_order_by_client_id",
                rest::get_order(sp, "BTC-USDT", &OrderRef::Client("xspot1".into())).unwrap(),
            ),
            ("swap_open_orders_all", rest::open_orders(swap, None).unwrap()),
            ("spot_open_orders", rest::open_orders(sp, Some("BTC-USDT")).unwrap()),
            (
                "swap_history",
                rest::order_history(swap, Some("BTC-USDT"), Some(NOW - 86_400_000), Some(NOW), Some(500)).unwrap(),
            ),
            (
                "spot_history",
                rest::order_history(sp, Some("BTC-USDT"), None, None, Some(50)).unwrap(),
            ),
            ("swap_balances", rest::balances(swap).unwrap()),
            ("spot_balances", rest::balances(sp).unwrap()),
            ("positions", rest::positions(Some("BTC-USDT"))),
            ("set_leverage_both", rest::set_leverage("BTC-USDT", 10, "BOTH")),
            (
                "set_margin_isolated",
                rest::set_margin_mode("BTC-USDT", MarginMode::Isolated),
            ),
            ("get_position_mode", rest::get_position_mode()),
            ("set_position_mode_hedge", rest::set_position_mode(PositionMode::Hedge)),
            (
                "income_funding",
                rest::income(
                    Some("BTC-USDT"),
                    &IncomeQuery {
                        kind: Some(IncomeKind::Funding),
                        since: Some(NOW - 86_400_000),
                        limit: Some(100),
                        ..IncomeQuery::default()
                    },
                ),
            ),
            ("close_all_positions", rest::close_all_positions(Some("BTC-USDT"))),
            ("demo_get_vst", rest::get_vst()),
        ];
        for (name, call) in cases {
            insta::assert_snapshot!(format!("request__{name}"), render(&call));
        }
    }
}
