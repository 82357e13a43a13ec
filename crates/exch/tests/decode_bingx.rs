//! `exch::decode` on real BingX payloads from `fixtures/` (see `fixtures/NOTICE`).
#![cfg(feature = "bingx")]

use exch::decode::{decode, DecodeKind, DecodeRequest};
use exch::{Decimal, ErrorKind, MarketKind, Venue};
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

fn request<'a>(venue: Venue, kind: DecodeKind, market: MarketKind, payload: &'a [u8]) -> DecodeRequest<'a> {
    DecodeRequest {
        venue,
        kind,
        market,
        payload,
        markets: None,
        symbol: None,
    }
}

#[test]
fn bingx_swap_ticker_and_book() {
    let contracts = fixture("bingx/ccxt/swap_contracts__markets_info.json");
    let raw = fixture("bingx/ccxt/swap_ticker__swap_ticker.json");
    let mut req = request(Venue::Bingx, DecodeKind::Ticker, MarketKind::LinearPerpetual, &raw);
    assert_eq!(decode(&req).unwrap_err().kind(), ErrorKind::BadRequest);
    req.markets = Some(&contracts);
    let t = decode(&req).unwrap();
    let t = if t.is_array() { t[0].clone() } else { t };
    assert_eq!(t["symbol"], "BTC/USDT:USDT");
    assert_eq!(dec(&t["last"]), "69938.9".parse::<Decimal>().unwrap());

    let raw = fixture("bingx/docs/swap_depth__swap_depth.json");
    let mut req = request(Venue::Bingx, DecodeKind::Book, MarketKind::LinearPerpetual, &raw);
    req.symbol = Some("BTC/USDT:USDT".parse().unwrap());
    let book = decode(&req).unwrap();
    assert_eq!(book["symbol"], "BTC/USDT:USDT");
    assert_eq!(dec(&book["bids"][0]["price"]), "16880.5".parse::<Decimal>().unwrap());
}

#[test]
fn bingx_markets_and_balances() {
    let raw = fixture("bingx/docs/spot_symbols__spot_symbols.json");
    let markets = decode(&request(Venue::Bingx, DecodeKind::Markets, MarketKind::Spot, &raw)).unwrap();
    assert!(
        markets
            .as_array()
            .is_some_and(|m| m.iter().all(|m| m["kind"] == "spot")),
        "{markets}"
    );
    let raw = fixture("bingx/docs/swap_balances__swap_v2_balance.json");
    let balances = decode(&request(
        Venue::Bingx,
        DecodeKind::Balances,
        MarketKind::LinearPerpetual,
        &raw,
    ))
    .unwrap();
    let usdt = balances
        .as_array()
        .and_then(|b| b.iter().find(|b| b["asset"] == "USDT"))
        .unwrap_or_else(|| panic!("USDT balance in {balances}"));
    assert_eq!(dec(&usdt["total"]), "15.6128".parse::<Decimal>().unwrap());
}
