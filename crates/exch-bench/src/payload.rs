//! The benchmark payloads under `fixtures/bench/<venue>/`, read once into memory.

use std::path::{Path, PathBuf};

/// The directory holding `fixtures/bench` (the workspace's, found from this crate's manifest).
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/bench")
}

/// The bytes of `fixtures/bench/<venue>/<name>`.
///
/// # Errors
/// The file is missing or unreadable (run `cargo xtask bench-fixtures`).
pub fn read(venue: &str, name: &str) -> Result<Vec<u8>, String> {
    let path = dir().join(venue).join(name);
    std::fs::read(&path).map_err(|e| format!("cannot read {}: {e} (run `cargo xtask bench-fixtures`)", path.display()))
}

/// The Binance payloads.
#[derive(Debug, Clone)]
pub struct Binance {
    /// `GET /api/v3/depth?limit=1000`: 1000 bids and 1000 asks.
    pub depth: Vec<u8>,
    /// `GET /api/v3/trades?limit=500`.
    pub trades: Vec<u8>,
    /// `GET /api/v3/ticker/24hr?symbol=BTCUSDT`.
    pub ticker: Vec<u8>,
    /// `POST /api/v3/order` (FULL response).
    pub order: Vec<u8>,
    /// `GET /api/v3/exchangeInfo` (spot).
    pub exchange_info: Vec<u8>,
    /// `GET /fapi/v1/exchangeInfo` (USDⓈ-M perpetuals).
    pub exchange_info_futures: Vec<u8>,
    /// `GET /fapi/v3/positionRisk`.
    pub positions: Vec<u8>,
}

impl Binance {
    /// Reads every Binance payload.
    ///
    /// # Errors
    /// A file is missing or unreadable.
    pub fn load() -> Result<Binance, String> {
        let r = |name: &str| read("binance", name);
        Ok(Binance {
            depth: r("depth.json")?,
            trades: r("trades.json")?,
            ticker: r("ticker.json")?,
            order: r("order.json")?,
            exchange_info: r("exchange_info.json")?,
            exchange_info_futures: r("exchange_info_futures.json")?,
            positions: r("positions.json")?,
        })
    }
}

/// The OKX payloads.
#[derive(Debug, Clone)]
pub struct Okx {
    /// `GET /api/v5/market/books-full?sz=1000`: 1000 bids and 1000 asks.
    pub books: Vec<u8>,
    /// `GET /api/v5/market/trades?limit=500`.
    pub trades: Vec<u8>,
    /// `GET /api/v5/market/ticker?instId=BTC-USDT`.
    pub ticker: Vec<u8>,
    /// `GET /api/v5/trade/order`.
    pub order: Vec<u8>,
    /// `GET /api/v5/public/instruments?instType=SPOT`.
    pub instruments_spot: Vec<u8>,
    /// `GET /api/v5/public/instruments?instType=SWAP`.
    pub instruments_swap: Vec<u8>,
    /// `GET /api/v5/account/positions`.
    pub positions: Vec<u8>,
}

impl Okx {
    /// Reads every OKX payload.
    ///
    /// # Errors
    /// A file is missing or unreadable.
    pub fn load() -> Result<Okx, String> {
        let r = |name: &str| read("okx", name);
        Ok(Okx {
            books: r("books.json")?,
            trades: r("trades.json")?,
            ticker: r("ticker.json")?,
            order: r("order.json")?,
            instruments_spot: r("instruments_spot.json")?,
            instruments_swap: r("instruments_swap.json")?,
            positions: r("positions.json")?,
        })
    }
}

/// The BingX payloads.
#[derive(Debug, Clone)]
pub struct Bingx {
    /// `GET /openApi/spot/v1/market/depth?limit=1000`: 1000 bids and 1000 asks.
    pub depth: Vec<u8>,
    /// `GET /openApi/spot/v1/market/trades?limit=500`.
    pub trades: Vec<u8>,
    /// `GET /openApi/spot/v1/ticker/24hr?symbol=BTC-USDT`.
    pub ticker: Vec<u8>,
    /// `GET /openApi/spot/v1/trade/query`.
    pub order: Vec<u8>,
    /// `GET /openApi/spot/v1/common/symbols`.
    pub symbols: Vec<u8>,
    /// `GET /openApi/swap/v2/quote/contracts`.
    pub contracts: Vec<u8>,
    /// `GET /openApi/swap/v2/user/positions`.
    pub positions: Vec<u8>,
}

impl Bingx {
    /// Reads every BingX payload.
    ///
    /// # Errors
    /// A file is missing or unreadable.
    pub fn load() -> Result<Bingx, String> {
        let r = |name: &str| read("bingx", name);
        Ok(Bingx {
            depth: r("depth.json")?,
            trades: r("trades.json")?,
            ticker: r("ticker.json")?,
            order: r("order.json")?,
            symbols: r("symbols.json")?,
            contracts: r("contracts.json")?,
            positions: r("positions.json")?,
        })
    }
}
