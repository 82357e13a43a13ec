//! `exch::decode` on real OKX payloads from `fixtures/` (see `fixtures/NOTICE`).
#![cfg(feature = "okx")]

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
fn okx_ticker_and_swap_positions_in_base_units() {
    let spot = fixture("okx/public_instruments_spot.json");
    let raw = fixture("okx/market_ticker_spot.json");
    let mut req = request(Venue::Okx, DecodeKind::Ticker, MarketKind::Spot, &raw);
    let e = decode(&req).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadRequest);
    assert!(e.message().contains("--markets"), "{}", e.message());
    req.markets = Some(&spot);
    let t = decode(&req).unwrap();
    assert_eq!(t["symbol"], "BTC/USDT");
    assert_eq!(dec(&t["last"]), "73384.8".parse::<Decimal>().unwrap());

    let swap = fixture("okx/public_instruments_swap.json");
    let raw = fixture("okx/account_positions_swap.json");
    let mut req = request(Venue::Okx, DecodeKind::Positions, MarketKind::LinearPerpetual, &raw);
    req.markets = Some(&swap);
    let p = decode(&req).unwrap();
    assert_eq!(p[0]["symbol"], "LTC/USDT:USDT");
    assert_eq!(p[0]["side"], "long");
    // LTC-USDT-SWAP has ctVal 1: one contract is one LTC.
    assert_eq!(dec(&p[0]["size"]), Decimal::ONE);
    assert_eq!(dec(&p[0]["contracts"]), Decimal::ONE);
}

#[test]
fn okx_swap_book_converts_contracts() {
    let swap = fixture("okx/public_instruments_swap.json");
    let raw = fixture("okx/market_books_swap.json");
    let mut req = request(Venue::Okx, DecodeKind::Book, MarketKind::LinearPerpetual, &raw);
    req.markets = Some(&swap);
    assert_eq!(decode(&req).unwrap_err().kind(), ErrorKind::BadRequest);
    req.symbol = Some("BTC/USDT:USDT".parse().unwrap());
    let book = decode(&req).unwrap();
    assert_eq!(dec(&book["asks"][0]["price"]), "43466.4".parse::<Decimal>().unwrap());
    // 14881 contracts of 0.01 BTC.
    assert_eq!(dec(&book["asks"][0]["qty"]), "148.81".parse::<Decimal>().unwrap());
}
