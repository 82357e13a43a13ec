//! Helpers shared by the integration tests: fixture paths and market loading.
#![allow(dead_code)]

use std::path::PathBuf;

use exch_bingx::parse;
use exch_bingx::symbols::SymbolMap;
use exch_core::{Market, MarketKind, MarketStatus, Symbol};
use rust_decimal::Decimal;

/// `fixtures/bingx/` of the workspace.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/bingx"))
}

/// `shared/` beside the repository.
pub fn shared_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"))
}

/// Markets from CCXT's BingX market snapshot (its raw `info` records), through our parsers.
pub fn fixture_markets() -> Vec<Market> {
    let dir = fixtures_dir().join("ccxt");
    let mut m = parse::swap_contracts(
        &std::fs::read(dir.join("swap_contracts__markets_info.json")).unwrap(),
        "GET /openApi/swap/v2/quote/contracts",
    )
    .unwrap();
    m.extend(
        parse::spot_symbols(
            &std::fs::read(dir.join("spot_symbols__markets_info.json")).unwrap(),
            "GET /openApi/spot/v1/common/symbols",
        )
        .unwrap(),
    );
    m
}

/// A plain market for a symbol the documentation examples use but no market list carries.
pub fn stub_market(symbol: &str, native: &str) -> Market {
    let symbol: Symbol = symbol.parse().unwrap();
    Market {
        kind: symbol.kind(),
        symbol,
        venue_symbol: native.into(),
        status: MarketStatus::Trading,
        tick_size: Decimal::new(1, 4),
        step_size: Decimal::new(1, 1),
        min_qty: None,
        max_qty: None,
        min_notional: None,
        contract_size: Decimal::ONE,
    }
}

/// The symbol map for fixture parsing: CCXT's markets plus the doc examples' symbols.
pub fn fixture_map() -> SymbolMap {
    let mut markets = fixture_markets();
    for (s, n) in [
        ("LINK/USDT:USDT", "LINK-USDT"),
        ("QNT/USDT:USDT", "QNT-USDT"),
        ("VET/USDT:USDT", "VET-USDT"),
    ] {
        markets.push(stub_market(s, n));
    }
    SymbolMap::from_markets(&markets)
}

/// `BTC/USDT` or `BTC/USDT:USDT`.
pub fn btc(kind: MarketKind) -> Symbol {
    match kind {
        MarketKind::Spot => "BTC/USDT".parse().unwrap(),
        _ => "BTC/USDT:USDT".parse().unwrap(),
    }
}
