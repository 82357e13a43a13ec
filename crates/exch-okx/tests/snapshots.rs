//! Snapshot tests: one per fixture file under `fixtures/okx/` (response side, parsed into the
//! core models and shown in serde JSON form), and one per request builder (request side:
//! method, path, query, body and headers with a fixed clock and key).

use exch_core::{
    Credentials, Decimal, Interval, MarginMode, MarketKind, OrderRef, OrderRequest, OrderType, PositionMode,
    PositionSide, Side,
};
use exch_okx::rest::{self, RestRequest};
use exch_okx::symbols::MarketMap;
use exch_okx::{parse, wire};
use serde::de::DeserializeOwned;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../../fixtures/okx/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn rows<T: DeserializeOwned>(name: &str) -> Vec<T> {
    parse::envelope(name, 200, &fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn markets() -> MarketMap {
    let mut all = Vec::new();
    for f in ["public_instruments_spot.json", "public_instruments_swap.json"] {
        all.extend(parse::markets(&rows::<wire::Instrument>(f)).unwrap());
    }
    MarketMap::new(all)
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[test]
fn public_time() {
    let t = parse::server_time(&rows("public_time.json")).unwrap();
    assert_eq!(t, 1_712_250_348_676);
    insta::assert_json_snapshot!(t);
}

#[test]
fn public_instruments_spot() {
    let m = parse::markets(&rows("public_instruments_spot.json")).unwrap();
    assert!(m.iter().all(|m| m.kind == MarketKind::Spot));
    insta::assert_json_snapshot!(m);
}

#[test]
fn public_instruments_swap() {
    let m = parse::markets(&rows("public_instruments_swap.json")).unwrap();
    let btc = m.iter().find(|m| m.venue_symbol == "BTC-USDT-SWAP").unwrap();
    assert_eq!(btc.contract_size, d("0.01"));
    assert_eq!(btc.step_size, d("0.001"), "lot 0.1 contract x 0.01 BTC");
    insta::assert_json_snapshot!(m);
}

#[test]
fn market_ticker_spot() {
    let mm = markets();
    let t: Vec<wire::Ticker> = rows("market_ticker_spot.json");
    let m = mm.by_inst_id(&t[0].inst_id).unwrap();
    let tk = parse::ticker(&t[0], m);
    assert_eq!(tk.base_volume, Some(d("21266.19145051")));
    insta::assert_json_snapshot!(tk);
}

#[test]
fn market_books_spot() {
    let mm = markets();
    let m = mm
        .inst_id(&"BTC/USDT".parse().unwrap())
        .map(|id| mm.by_inst_id(id).unwrap())
        .unwrap();
    let b = parse::order_book(&rows("market_books_spot.json"), m).unwrap();
    assert!(b.bids[0].price < b.asks[0].price);
    insta::assert_json_snapshot!(b);
}

#[test]
fn market_books_swap() {
    let mm = markets();
    let m = mm.market(&"BTC/USDT:USDT".parse().unwrap()).unwrap();
    let b = parse::order_book(&rows("market_books_swap.json"), m).unwrap();
    assert_eq!(b.bids[0].qty, d("138.07"), "13807 contracts x 0.01 BTC");
    insta::assert_json_snapshot!(b);
}

#[test]
fn market_trades_spot() {
    let mm = markets();
    let t: Vec<wire::Trade> = rows("market_trades_spot.json");
    let trades: Vec<_> = t
        .iter()
        .map(|t| parse::trade(t, mm.by_inst_id(&t.inst_id).unwrap()).unwrap())
        .collect();
    assert_eq!(trades[0].side, Some(Side::Sell));
    insta::assert_json_snapshot!(trades);
}

#[test]
fn market_candles_spot() {
    let mm = markets();
    let m = mm.market(&"BTC/USDT".parse().unwrap()).unwrap();
    let c = parse::candles(&rows("market_candles_spot.json"), m).unwrap();
    assert!(c.windows(2).all(|w| w[0].open_time < w[1].open_time), "ascending");
    insta::assert_json_snapshot!(c);
}

#[test]
fn trade_order_ack() {
    let acks: Vec<wire::OrderAck> = rows("trade_order_ack.json");
    assert!(parse::ack_error(&acks[0], "x").is_none());
    insta::assert_json_snapshot!(acks);
}

#[test]
fn trade_order_algo_ack() {
    let acks: Vec<wire::OrderAck> = rows("trade_order_algo_ack.json");
    assert_eq!(acks[0].algo_id, "2896574163517353984");
    insta::assert_json_snapshot!(acks);
}

#[test]
fn trade_order_spot() {
    let mm = markets();
    let o: Vec<wire::Order> = rows("trade_order_spot.json");
    let order = parse::order(&o[0], mm.by_inst_id(&o[0].inst_id).unwrap()).unwrap();
    assert_eq!(order.status, exch_core::OrderStatus::Filled);
    insta::assert_json_snapshot!(order);
}

#[test]
fn trade_orders_pending_swap() {
    let mm = markets();
    let o: Vec<wire::Order> = rows("trade_orders_pending_swap.json");
    let orders: Vec<_> = o
        .iter()
        .map(|o| parse::order(o, mm.by_inst_id(&o.inst_id).unwrap()).unwrap())
        .collect();
    assert_eq!(orders[0].qty, d("5000"), "50 contracts x 100 ADA");
    insta::assert_json_snapshot!(orders);
}

#[test]
fn trade_orders_algo_pending_swap() {
    let mm = markets();
    let o: Vec<wire::AlgoOrder> = rows("trade_orders_algo_pending_swap.json");
    let orders: Vec<_> = o
        .iter()
        .map(|o| parse::algo_order(o, mm.by_inst_id(&o.inst_id).unwrap()).unwrap())
        .collect();
    assert_eq!(orders[0].order_type, OrderType::StopMarket);
    insta::assert_json_snapshot!(orders);
}

#[test]
fn trade_orders_history_swap() {
    let mm = markets();
    let o: Vec<wire::Order> = rows("trade_orders_history_swap.json");
    let orders: Vec<_> = o
        .iter()
        .map(|o| parse::order(o, mm.by_inst_id(&o.inst_id).unwrap()).unwrap())
        .collect();
    insta::assert_json_snapshot!(orders);
}

#[test]
fn account_balance() {
    let b = parse::balances(&rows("account_balance.json"));
    assert!(
        b.iter().all(|b| !b.total.is_zero() || !b.free.is_zero()),
        "no zero rows"
    );
    insta::assert_json_snapshot!(b);
}

#[test]
fn account_positions_swap() {
    let p = parse::positions(&rows("account_positions_swap.json"), &markets()).unwrap();
    assert_eq!(p[0].side, PositionSide::Long);
    assert_eq!(p[0].position_mode, Some(PositionMode::Hedge));
    insta::assert_json_snapshot!(p);
}

#[test]
fn account_positions_ltc() {
    let p = parse::positions(&rows("account_positions_ltc.json"), &markets()).unwrap();
    assert_eq!(p[0].contracts, d("2"));
    insta::assert_json_snapshot!(p);
}

#[test]
fn account_bills() {
    let mm = markets();
    let b: Vec<wire::Bill> = rows("account_bills.json");
    let inc: Vec<_> = b.iter().map(|b| parse::income(b, &mm).unwrap()).collect();
    assert_eq!(inc[0].amount, d("-10.158"));
    insta::assert_json_snapshot!(inc);
}

// ---- request side: fixed clock and key ----

const NOW: i64 = 1_607_418_537_715;

#[derive(serde::Serialize)]
struct Shown {
    request: RestRequest,
    request_path: String,
    headers: Vec<(String, String)>,
}

fn show(r: RestRequest) -> Shown {
    let creds = Credentials::new("test-key", "22582BD0CFF14C41EDBF1AB98506286D").with_passphrase("test-pass");
    let headers = r.headers(Some(&creds), NOW, false).unwrap();
    Shown {
        request_path: r.request_path(),
        request: r,
        headers,
    }
}

fn sym(s: &str) -> exch_core::Symbol {
    s.parse().unwrap()
}

#[test]
fn request_public() {
    let all = vec![
        show(rest::server_time()),
        show(rest::instruments(MarketKind::LinearPerpetual)),
        show(rest::ticker("BTC-USDT")),
        show(rest::tickers(MarketKind::Spot)),
        show(rest::order_book("BTC-USDT-SWAP", Some(5))),
        show(rest::trades("BTC-USDT", Some(100))),
        show(rest::candles("BTC-USDT", Interval::H1, Some(1_700_000_000_000), None, 300, false).unwrap()),
        show(rest::candles("BTC-USDT", Interval::D1, None, Some(1_600_000_000_000), 100, true).unwrap()),
    ];
    assert!(all.iter().all(|s| s.headers.len() == 1), "public requests are unsigned");
    insta::assert_json_snapshot!(all);
}

#[test]
fn request_place_orders() {
    let mm = markets();
    let swap = mm.market(&sym("BTC/USDT:USDT")).unwrap();
    let spot = mm.market(&sym("LTC/USDT")).unwrap();
    let reqs = [
        (
            spot,
            OrderRequest::market(sym("LTC/USDT"), Side::Buy, d("0.1"))
                .build()
                .unwrap(),
        ),
        (
            spot,
            OrderRequest::limit(sym("LTC/USDT"), Side::Sell, d("2"), d("50"))
                .fok()
                .build()
                .unwrap(),
        ),
        (
            swap,
            OrderRequest::limit(sym("BTC/USDT:USDT"), Side::Buy, d("0.01"), d("25000"))
                .post_only()
                .position_side(PositionSide::Long)
                .take_profit(d("26000"), None)
                .stop_loss(d("24000"), Some(d("23900")))
                .build()
                .unwrap(),
        ),
        (
            swap,
            OrderRequest::market(sym("BTC/USDT:USDT"), Side::Sell, d("0.05"))
                .reduce_only(true)
                .ioc()
                .build()
                .unwrap(),
        ),
        (
            swap,
            OrderRequest::builder(sym("BTC/USDT:USDT"), Side::Sell, OrderType::StopMarket, d("0.01"))
                .trigger_price(d("49000"))
                .build()
                .unwrap(),
        ),
        (
            swap,
            OrderRequest::builder(sym("BTC/USDT:USDT"), Side::Sell, OrderType::TakeProfitLimit, d("0.01"))
                .trigger_price(d("51000"))
                .price(d("50900"))
                .build()
                .unwrap(),
        ),
        (
            swap,
            OrderRequest::builder(sym("BTC/USDT:USDT"), Side::Sell, OrderType::TrailingStop, d("0.01"))
                .callback_rate(d("5"))
                .position_side(PositionSide::Long)
                .build()
                .unwrap(),
        ),
    ];
    let all: Vec<Shown> = reqs
        .iter()
        .enumerate()
        .map(|(i, (m, r))| show(rest::place_order(r, m, &format!("cid{i}"), MarginMode::Cross).unwrap()))
        .collect();
    assert!(
        all[2].request.body.as_deref().unwrap().contains(r#""sz":"1""#),
        "0.01 BTC = 1 contract"
    );
    insta::assert_json_snapshot!(all);
}

#[test]
fn request_private() {
    let all = vec![
        show(rest::cancel_order("BTC-USDT-SWAP", &OrderRef::Id("642666885133189120".into())).unwrap()),
        show(rest::cancel_order("BTC-USDT", &OrderRef::Client("cid1".into())).unwrap()),
        show(rest::cancel_batch("LTC-USDT", &[OrderRef::Id("1".into()), OrderRef::Id("2".into())]).unwrap()),
        show(rest::cancel_algo("BTC-USDT-SWAP", &OrderRef::Id("641788035268431872".into())).unwrap()),
        show(rest::get_order("LTC-USDT", &OrderRef::Id("636708553755021312".into()))),
        show(rest::get_algo_order(&OrderRef::Client("cid9".into()))),
        show(rest::open_orders(
            Some("ADA-USDT-SWAP"),
            MarketKind::LinearPerpetual,
            None,
        )),
        show(rest::order_history(
            MarketKind::Spot,
            Some("BTC-USDT"),
            Some(1_700_000_000_000),
            None,
            None,
            100,
        )),
        show(rest::balance()),
        show(rest::positions(Some("LTC-USDT-SWAP"))),
        show(rest::account_config()),
        show(rest::set_leverage("LTC-USDT-SWAP", 5, MarginMode::Cross, None).unwrap()),
        show(rest::set_leverage("LTC-USDT-SWAP", 5, MarginMode::Isolated, Some(PositionSide::Short)).unwrap()),
        show(rest::set_position_mode(PositionMode::Hedge).unwrap()),
        show(rest::bills(Some("8"), None, Some(1_700_000_000_000), None, None, 100)),
    ];
    assert!(
        all.iter().all(|s| s.headers.len() == 5),
        "private requests carry 4 auth headers"
    );
    insta::assert_json_snapshot!(all);
}
