//! `exch::decode` on real venue payloads from `fixtures/` (see `fixtures/NOTICE`).
#![cfg(feature = "binance")]

use exch::decode::{decode, DecodeKind, DecodeRequest};
use exch::{Decimal, ErrorKind, MarketKind, Symbol, Venue};
use serde_json::Value;

fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/../../fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a decimal: {v}"))
}

fn request<'a>(kind: DecodeKind, market: MarketKind, payload: &'a [u8]) -> DecodeRequest<'a> {
    DecodeRequest {
        venue: Venue::Binance,
        kind,
        market,
        payload,
        markets: None,
        symbol: None,
    }
}

#[test]
fn binance_markets_and_ticker() {
    let info = fixture("binance/spot/exchange_info.json");
    let markets = decode(&request(DecodeKind::Markets, MarketKind::Spot, &info)).unwrap();
    let btc = markets
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["venue_symbol"] == "BTCUSDT")
        .expect("BTCUSDT listed");
    assert_eq!(btc["symbol"], "BTC/USDT");
    assert_eq!(btc["kind"], "spot");

    let ticker = fixture("binance/spot/ticker_24hr.json");
    let mut req = request(DecodeKind::Ticker, MarketKind::Spot, &ticker);
    let missing = decode(&req).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::BadRequest);
    assert!(missing.message().contains("--markets"), "{}", missing.message());
    req.markets = Some(&info);
    let t = decode(&req).unwrap();
    assert_eq!(t["symbol"], "BTC/USDT");
    assert_eq!(dec(&t["last"]), "73369.84".parse::<Decimal>().unwrap());
    assert_eq!(dec(&t["bid"]), "73369.83".parse::<Decimal>().unwrap());
}

#[test]
fn binance_book_needs_a_symbol() {
    let depth = fixture("binance/spot/depth.json");
    let mut req = request(DecodeKind::Book, MarketKind::Spot, &depth);
    assert_eq!(decode(&req).unwrap_err().kind(), ErrorKind::BadRequest);
    req.symbol = Some("BTC/USDT".parse::<Symbol>().unwrap());
    let book = decode(&req).unwrap();
    assert_eq!(book["symbol"], "BTC/USDT");
    assert_eq!(dec(&book["bids"][0]["price"]), "42574.3".parse::<Decimal>().unwrap());
    assert_eq!(dec(&book["asks"][0]["price"]), "42574.31".parse::<Decimal>().unwrap());
    assert_eq!(book["sequence"], 25445101);
}

#[test]
fn binance_perpetual_positions() {
    let info = fixture("binance/futures/exchange_info.json");
    let rows = fixture("binance/futures/position_risk.json");
    let mut req = request(DecodeKind::Positions, MarketKind::LinearPerpetual, &rows);
    req.markets = Some(&info);
    let positions = decode(&req).unwrap();
    let p = &positions[0];
    assert_eq!(p["symbol"], "BTC/USDT:USDT");
    assert_eq!(p["side"], "long");
    assert_eq!(dec(&p["size"]), "0.009".parse::<Decimal>().unwrap());
    let spot = request(DecodeKind::Positions, MarketKind::Spot, &rows);
    assert_eq!(decode(&spot).unwrap_err().kind(), ErrorKind::BadRequest);
}

#[test]
fn binance_candles_orders_and_balances() {
    let klines = fixture("binance/spot/klines.json");
    let candles = decode(&request(DecodeKind::Candles, MarketKind::Spot, &klines)).unwrap();
    assert_eq!(candles.as_array().unwrap().len(), 3);
    assert_eq!(candles[0]["open_time"], 1706630400000_i64);
    assert_eq!(dec(&candles[0]["open"]), "43519.34".parse::<Decimal>().unwrap());

    let orders = fixture("binance/spot/open_orders.json");
    let mut req = request(DecodeKind::Orders, MarketKind::Spot, &orders);
    req.symbol = Some("LTC/USDT".parse().unwrap());
    let decoded = decode(&req).unwrap();
    assert_eq!(decoded[0]["symbol"], "LTC/USDT");

    let account = fixture("binance/spot/account.json");
    let balances = decode(&request(DecodeKind::Balances, MarketKind::Spot, &account)).unwrap();
    let ltc = balances
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["asset"] == "LTC")
        .expect("LTC balance");
    assert_eq!(dec(&ltc["free"]), "0.919741".parse::<Decimal>().unwrap());
}

#[test]
fn garbage_is_a_decode_error() {
    let e = decode(&request(DecodeKind::Ticker, MarketKind::Spot, b"{\"symbol\": 12")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(e.venue(), Some(Venue::Binance));
}
