//! The benchmarked operations, each a closure over pre-loaded payload bytes that does exactly
//! what the client does with a response body or before a request is sent.
//!
//! Operation names are shared with the CCXT scripts (`ccxt/bench.py`, `ccxt/bench.mjs`), which
//! time the equivalent CCXT calls on the same files:
//!
//! | name | exch | CCXT |
//! |---|---|---|
//! | `binance.order_book` | `parse::order_book_of` (the client's decoder: one-pass scan, else decode `Depth` + `parse::order_book`) | `json` decode + `parse_order_book` |
//! | `binance.trades` | `parse::trades_of` (the client's decoder: one-pass scan straight into trades, else decode + `parse::trades`) | `json` decode + `parse_trades` |
//! | `binance.ticker` | decode `Ticker24h` + `parse::ticker` | `json` decode + `parse_ticker` |
//! | `binance.order` | decode `OrderResp` + symbol lookup + `parse::order` | `json` decode + `parse_order` |
//! | `binance.positions` | decode `Vec<PositionRisk>` + `parse::positions` | `json` decode + `parse_position_risk` per open row |
//! | `binance.markets` | decode `ExchangeInfo` + `parse::markets` + `SymbolMap` | `json` decode + `parse_market` per row + `set_markets` |
//! | `binance.sign_get` | `rest::query_order` + `Call::prepare` + `rest::to_request` | `sign('order', 'private', 'GET', ...)` |
//! | `binance.sign_order` | `rest::new_order` from an `OrderRequest` + prepare + to_request | `sign('order', 'private', 'POST', ...)` |
//! | `okx.*` | the same operations on the OKX payloads with `exch_okx::parse` / `rest` | the same calls on `ccxt.okx` |
//! | `bingx.*` | the same operations on the BingX payloads with `exch_bingx::parse` / `rest` | the same calls on `ccxt.bingx` |
//! | `core.limiter_acquire` | `RateLimiter::acquire` of weight 1 on a roomy scope | (no equivalent) |
//! | `core.local_book_apply` | `LocalBook::apply`: the 1000-level snapshot, then 100 deltas of 10 levels | (no equivalent) |

use std::hint::black_box;
use std::time::Duration;

use exch_binance::config::Api;
use exch_binance::rest::{self, Auth};
use exch_binance::symbols::SymbolMap;
use exch_binance::{parse, wire};
use exch_core::stream::{BookMessage, LocalBook, SequenceRule};
use exch_core::{Level, OrderRef, OrderRequest, RateLimiter, ScopeQuota, Side, Symbol};
use rust_decimal::Decimal;

use crate::payload;

/// The fixed API key of the signing benchmarks (also used by the CCXT scripts).
pub const API_KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
/// The fixed secret of the signing benchmarks (binance.md's documented example secret).
pub const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
/// The fixed timestamp of the signing benchmarks.
pub const TIMESTAMP_MS: i64 = 1_735_689_600_000;

/// One benchmarked operation: its name and a closure returning a count (so the work is used).
pub struct Op {
    /// `venue.operation`, as in the CCXT scripts.
    pub name: &'static str,
    /// The CCXT operation it is compared with (usually `name`).
    pub compare_to: &'static str,
    /// What it does, for the report.
    pub what: &'static str,
    /// Runs the operation once.
    pub run: Box<dyn FnMut() -> usize>,
}

/// An operation named `name` (compared with the CCXT operation of the same name) that runs
/// `g` on its own copy of the fixture `f`; an error counts as 0.
fn op<F: Clone + 'static>(name: &'static str, what: &'static str, f: &F, g: fn(&F) -> exch_core::Result<usize>) -> Op {
    let f = f.clone();
    Op {
        name,
        compare_to: name,
        what,
        run: Box::new(move || g(black_box(&f)).unwrap_or(0)),
    }
}

impl std::fmt::Debug for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Op").field("name", &self.name).finish_non_exhaustive()
    }
}

/// The Binance state the operations share: payloads, symbol maps, a limit order.
#[derive(Debug, Clone)]
pub struct BinanceFixture {
    /// The payload bytes.
    pub payloads: payload::Binance,
    /// Spot symbols of the spot markets payload.
    pub spot: SymbolMap,
    /// Futures symbols of the futures markets payload.
    pub futures: SymbolMap,
    /// `BTC/USDT`.
    pub btc: Symbol,
    /// A limit buy of 0.5 BTC at 42 574.30 with a fixed client order id.
    pub order: OrderRequest,
}

impl BinanceFixture {
    /// Loads the payloads and builds the symbol maps from the markets payloads.
    ///
    /// # Errors
    /// A payload is missing or does not decode.
    pub fn load() -> Result<BinanceFixture, String> {
        let payloads = payload::Binance::load()?;
        let spot_info: wire::ExchangeInfo =
            parse::decode("exchangeInfo", &payloads.exchange_info).map_err(|e| e.to_string())?;
        let fut_info: wire::ExchangeInfo =
            parse::decode("fapi exchangeInfo", &payloads.exchange_info_futures).map_err(|e| e.to_string())?;
        let mut spot = SymbolMap::new();
        spot.extend(Api::Spot, &spot_info.symbols);
        let mut futures = SymbolMap::new();
        futures.extend(Api::Futures, &fut_info.symbols);
        let btc = Symbol::spot("BTC", "USDT").map_err(|e| e.to_string())?;
        let order = OrderRequest::limit(btc.clone(), Side::Buy, Decimal::new(5, 1), Decimal::new(4_257_430, 2))
            .client_order_id("x-bench-6gCrw2kRUAF9CvJDGP16IP")
            .build()
            .map_err(|e| e.to_string())?;
        Ok(BinanceFixture {
            payloads,
            spot,
            futures,
            btc,
            order,
        })
    }

    /// The fixed key, secret and clock reading of the signing benchmarks.
    pub fn auth() -> Auth<'static> {
        Auth {
            api_key: API_KEY,
            secret: SECRET,
            recv_window_ms: 5000,
            timestamp_ms: TIMESTAMP_MS,
        }
    }
}

/// Decodes and normalises the 1000-level book; the number of levels.
pub fn binance_order_book(f: &BinanceFixture) -> exch_core::Result<usize> {
    let book = parse::order_book_of(&f.btc, "GET /api/v3/depth", &f.payloads.depth)?;
    Ok(book.bids.len() + book.asks.len())
}

/// Decodes and normalises the 500 trades; the number of trades.
pub fn binance_trades(f: &BinanceFixture) -> exch_core::Result<usize> {
    Ok(parse::trades_of(&f.btc, "GET /api/v3/trades", &f.payloads.trades)?.len())
}

/// Decodes and normalises the ticker; 1 when it has a last price.
pub fn binance_ticker(f: &BinanceFixture) -> exch_core::Result<usize> {
    let t: wire::Ticker24h = parse::decode("GET /api/v3/ticker/24hr", &f.payloads.ticker)?;
    Ok(usize::from(parse::ticker(f.btc.clone(), &t).last.is_some()))
}

/// Decodes the order, resolves its symbol and normalises it; the number of characters of its id.
pub fn binance_order(f: &BinanceFixture) -> exch_core::Result<usize> {
    let o: wire::OrderResp = parse::decode("POST /api/v3/order", &f.payloads.order)?;
    let symbol = f
        .spot
        .from_venue(Api::Spot, &o.symbol)
        .cloned()
        .ok_or_else(|| exch_core::Error::new(exch_core::ErrorKind::BadSymbol, "not in the loaded markets"))?;
    Ok(parse::order(Api::Spot, symbol, &o)?.id.len())
}

/// Decodes and normalises the positions; the number of open positions.
pub fn binance_positions(f: &BinanceFixture) -> exch_core::Result<usize> {
    let rows: Vec<wire::PositionRisk> = parse::decode("GET /fapi/v3/positionRisk", &f.payloads.positions)?;
    Ok(parse::positions(&f.futures, &rows)?.len())
}

/// Decodes the spot markets, normalises them and builds the symbol map; the number of markets.
pub fn binance_markets(f: &BinanceFixture) -> exch_core::Result<usize> {
    let info: wire::ExchangeInfo = parse::decode("GET /api/v3/exchangeInfo", &f.payloads.exchange_info)?;
    let markets = parse::markets(Api::Spot, &info);
    let mut map = SymbolMap::new();
    map.extend(Api::Spot, &info.symbols);
    Ok(markets.len())
}

/// Builds and signs `GET /api/v3/order?symbol=BTCUSDT&orderId=...` into a transport request;
/// the length of the signed query.
pub fn binance_sign_get(base_url: &str) -> exch_core::Result<usize> {
    let call = rest::query_order(Api::Spot, "BTCUSDT", &OrderRef::Id("28457419032".into()));
    let p = call.prepare(Some(&BinanceFixture::auth()))?;
    let n = p.query.len();
    black_box(rest::to_request(base_url, &p, &call)?);
    Ok(n)
}

/// Builds `POST /api/v3/order` from the limit [`OrderRequest`] and signs it into a transport
/// request; the length of the signed body.
pub fn binance_sign_order(f: &BinanceFixture, base_url: &str) -> exch_core::Result<usize> {
    let cid = f.order.client_order_id.as_deref().unwrap_or("x-bench");
    let call = rest::new_order(Api::Spot, "BTCUSDT", &f.order, cid)?;
    let p = call.prepare(Some(&BinanceFixture::auth()))?;
    let n = p.body.len();
    black_box(rest::to_request(base_url, &p, &call)?);
    Ok(n)
}

/// The Binance operations over `f`.
pub fn binance(f: &BinanceFixture) -> Vec<Op> {
    const BASE: &str = "https://api.binance.com";
    let sign_f = f.clone();
    vec![
        op(
            "binance.order_book",
            "order book, 1000 levels a side",
            f,
            binance_order_book,
        ),
        op("binance.trades", "trades, 500", f, binance_trades),
        op("binance.ticker", "ticker", f, binance_ticker),
        op("binance.order", "order", f, binance_order),
        op("binance.positions", "positions, 40", f, binance_positions),
        op("binance.markets", "markets, 150 spot", f, binance_markets),
        Op {
            name: "binance.sign_get",
            compare_to: "binance.sign_get",
            what: "build + sign a private GET",
            run: Box::new(|| binance_sign_get(black_box(BASE)).unwrap_or(0)),
        },
        Op {
            name: "binance.sign_order",
            compare_to: "binance.sign_order",
            what: "build + sign an order POST",
            run: Box::new(move || binance_sign_order(black_box(&sign_f), BASE).unwrap_or(0)),
        },
    ]
}

/// The OKX state the operations share: payloads, market maps, a limit order.
#[derive(Debug, Clone)]
pub struct OkxFixture {
    /// The payload bytes.
    pub payloads: payload::Okx,
    /// Spot markets of the spot instruments payload.
    pub spot: exch_okx::symbols::MarketMap,
    /// Swap markets of the swap instruments payload.
    pub swap: exch_okx::symbols::MarketMap,
    /// The `BTC-USDT` market.
    pub btc: exch_core::Market,
    /// A limit buy of 0.5 BTC at 42 574.3 with a fixed client order id.
    pub order: OrderRequest,
    /// Key, secret and passphrase of the signing benchmarks.
    pub credentials: exch_core::Credentials,
}

impl OkxFixture {
    /// Loads the payloads and builds the market maps from the instrument payloads.
    ///
    /// # Errors
    /// A payload is missing or does not decode.
    pub fn load() -> Result<OkxFixture, String> {
        use exch_okx::{parse as okx_parse, symbols::MarketMap, wire as okx_wire};
        let payloads = payload::Okx::load()?;
        let load = |bytes: &[u8]| -> Result<MarketMap, String> {
            let rows: Vec<okx_wire::Instrument> =
                okx_parse::envelope("GET /api/v5/public/instruments", 200, bytes).map_err(|e| e.to_string())?;
            Ok(MarketMap::new(okx_parse::markets(&rows).map_err(|e| e.to_string())?))
        };
        let spot = load(&payloads.instruments_spot)?;
        let swap = load(&payloads.instruments_swap)?;
        let btc = spot.by_inst_id("BTC-USDT").map_err(|e| e.to_string())?.clone();
        let order = OrderRequest::limit(
            btc.symbol.clone(),
            Side::Buy,
            Decimal::new(5, 1),
            Decimal::new(425_743, 1),
        )
        .client_order_id("xbench6gCrw2kRUAF9CvJDGP16IP")
        .build()
        .map_err(|e| e.to_string())?;
        Ok(OkxFixture {
            payloads,
            spot,
            swap,
            btc,
            order,
            credentials: exch_core::Credentials::new(API_KEY, SECRET).with_passphrase("bench-passphrase"),
        })
    }
}

/// Decodes and normalises the 1000-level OKX book; the number of levels.
pub fn okx_order_book(f: &OkxFixture) -> exch_core::Result<usize> {
    let book = exch_okx::parse::order_book_reply("GET /api/v5/market/books-full", 200, &f.payloads.books, &f.btc)?;
    Ok(book.bids.len() + book.asks.len())
}

/// Decodes and normalises the 500 OKX trades; the number of trades.
pub fn okx_trades(f: &OkxFixture) -> exch_core::Result<usize> {
    Ok(exch_okx::parse::trades_reply("GET /api/v5/market/trades", 200, &f.payloads.trades, &f.btc)?.len())
}

/// Decodes and normalises the OKX ticker; 1 when it has a last price.
pub fn okx_ticker(f: &OkxFixture) -> exch_core::Result<usize> {
    let rows: Vec<exch_okx::wire::Ticker> =
        exch_okx::parse::envelope("GET /api/v5/market/ticker", 200, &f.payloads.ticker)?;
    Ok(rows
        .first()
        .map_or(0, |t| usize::from(exch_okx::parse::ticker(t, &f.btc).last.is_some())))
}

/// Decodes the OKX order, resolves its market and normalises it; the length of its id.
pub fn okx_order(f: &OkxFixture) -> exch_core::Result<usize> {
    let rows: Vec<exch_okx::wire::Order> =
        exch_okx::parse::envelope("GET /api/v5/trade/order", 200, &f.payloads.order)?;
    let mut n = 0;
    for o in &rows {
        n += exch_okx::parse::order(o, f.spot.by_inst_id(&o.inst_id)?)?.id.len();
    }
    Ok(n)
}

/// Decodes and normalises the OKX positions; the number of open positions.
pub fn okx_positions(f: &OkxFixture) -> exch_core::Result<usize> {
    let rows: Vec<exch_okx::wire::Position> =
        exch_okx::parse::envelope("GET /api/v5/account/positions", 200, &f.payloads.positions)?;
    Ok(exch_okx::parse::positions(&rows, &f.swap)?.len())
}

/// Decodes the OKX spot instruments, normalises them and indexes them; the number of markets.
pub fn okx_markets(f: &OkxFixture) -> exch_core::Result<usize> {
    let rows: Vec<exch_okx::wire::Instrument> =
        exch_okx::parse::envelope("GET /api/v5/public/instruments", 200, &f.payloads.instruments_spot)?;
    let map = exch_okx::symbols::MarketMap::new(exch_okx::parse::markets(&rows)?);
    Ok(map.all().len())
}

/// Builds and signs `GET /api/v5/trade/order?instId=BTC-USDT&ordId=...` into a transport
/// request; 1 when built.
pub fn okx_sign_get(f: &OkxFixture, base_url: &str) -> exch_core::Result<usize> {
    let req = exch_okx::rest::get_order("BTC-USDT", &OrderRef::Id("1339107111507525632".into()));
    black_box(exch_okx::rest::to_core(
        &req,
        base_url,
        &[],
        false,
        Some(&f.credentials),
        TIMESTAMP_MS,
    )?);
    Ok(1)
}

/// Builds `POST /api/v5/trade/order` from the limit [`OrderRequest`] and signs it into a
/// transport request; the length of the JSON body.
pub fn okx_sign_order(f: &OkxFixture, base_url: &str) -> exch_core::Result<usize> {
    let cid = f.order.client_order_id.as_deref().unwrap_or("xbench");
    let req = exch_okx::rest::place_order(&f.order, &f.btc, cid, exch_core::MarginMode::Cross)?;
    let n = req.body.as_ref().map_or(0, String::len);
    black_box(exch_okx::rest::to_core(
        &req,
        base_url,
        &[],
        false,
        Some(&f.credentials),
        TIMESTAMP_MS,
    )?);
    Ok(n)
}

/// The OKX operations over `f`.
pub fn okx(f: &OkxFixture) -> Vec<Op> {
    fn sign_get(f: &OkxFixture) -> exch_core::Result<usize> {
        okx_sign_get(f, "https://www.okx.com")
    }
    fn sign_order(f: &OkxFixture) -> exch_core::Result<usize> {
        okx_sign_order(f, "https://www.okx.com")
    }
    vec![
        op("okx.order_book", "order book, 1000 levels a side", f, okx_order_book),
        op("okx.trades", "trades, 500", f, okx_trades),
        op("okx.ticker", "ticker", f, okx_ticker),
        op("okx.order", "order", f, okx_order),
        op("okx.positions", "positions, 40", f, okx_positions),
        op("okx.markets", "markets, 150 spot", f, okx_markets),
        op("okx.sign_get", "build + sign a private GET", f, sign_get),
        op("okx.sign_order", "build + sign an order POST", f, sign_order),
    ]
}

/// The BingX state the operations share: payloads, symbol maps, a limit order.
#[derive(Debug, Clone)]
pub struct BingxFixture {
    /// The payload bytes.
    pub payloads: payload::Bingx,
    /// Spot symbols of the spot symbols payload.
    pub spot: exch_bingx::symbols::SymbolMap,
    /// Swap symbols of the contracts payload.
    pub swap: exch_bingx::symbols::SymbolMap,
    /// `BTC/USDT`.
    pub btc: Symbol,
    /// A limit buy of 0.5 BTC at 42 574.3 with a fixed client order id.
    pub order: OrderRequest,
    /// Key and secret of the signing benchmarks.
    pub credentials: exch_core::Credentials,
}

impl BingxFixture {
    /// Loads the payloads and builds the symbol maps from the markets payloads.
    ///
    /// # Errors
    /// A payload is missing or does not decode.
    pub fn load() -> Result<BingxFixture, String> {
        use exch_bingx::{parse as p, symbols::SymbolMap};
        let payloads = payload::Bingx::load()?;
        let spot_markets = p::spot_symbols(&payloads.symbols, "symbols").map_err(|e| e.to_string())?;
        let swap_markets = p::swap_contracts(&payloads.contracts, "contracts").map_err(|e| e.to_string())?;
        let btc = Symbol::spot("BTC", "USDT").map_err(|e| e.to_string())?;
        let order = OrderRequest::limit(btc.clone(), Side::Buy, Decimal::new(5, 1), Decimal::new(425_743, 1))
            .client_order_id("xbench6gCrw2kRUAF9CvJDGP16IP")
            .build()
            .map_err(|e| e.to_string())?;
        Ok(BingxFixture {
            payloads,
            spot: SymbolMap::from_markets(&spot_markets),
            swap: SymbolMap::from_markets(&swap_markets),
            btc,
            order,
            credentials: exch_core::Credentials::new(API_KEY, SECRET),
        })
    }
}

/// Decodes and normalises the 1000-level BingX book; the number of levels.
pub fn bingx_order_book(f: &BingxFixture) -> exch_core::Result<usize> {
    let b = exch_bingx::parse::order_book(&f.payloads.depth, "GET /openApi/spot/v1/market/depth", &f.btc)?;
    Ok(b.bids.len() + b.asks.len())
}

/// Decodes and normalises the 500 BingX trades; the number of trades.
pub fn bingx_trades(f: &BingxFixture) -> exch_core::Result<usize> {
    Ok(exch_bingx::parse::trades(&f.payloads.trades, "GET /openApi/spot/v1/market/trades", &f.btc)?.len())
}

/// Decodes and normalises the BingX ticker; 1 when it has a last price.
pub fn bingx_ticker(f: &BingxFixture) -> exch_core::Result<usize> {
    let t = exch_bingx::parse::ticker(&f.payloads.ticker, "GET /openApi/spot/v1/ticker/24hr", &f.btc, &f.spot)?;
    Ok(usize::from(t.last.is_some()))
}

/// Decodes the BingX order, resolves its symbol and normalises it; the length of its id.
pub fn bingx_order(f: &BingxFixture) -> exch_core::Result<usize> {
    let o = exch_bingx::parse::order(
        &f.payloads.order,
        "GET /openApi/spot/v1/trade/query",
        exch_core::MarketKind::Spot,
        &f.spot,
        None,
    )?;
    Ok(o.id.len())
}

/// Decodes and normalises the BingX positions; the number of open positions.
pub fn bingx_positions(f: &BingxFixture) -> exch_core::Result<usize> {
    Ok(exch_bingx::parse::positions(&f.payloads.positions, "GET /openApi/swap/v2/user/positions", &f.swap)?.len())
}

/// Decodes the BingX spot symbols, normalises them and indexes them; the number of markets.
pub fn bingx_markets(f: &BingxFixture) -> exch_core::Result<usize> {
    let markets = exch_bingx::parse::spot_symbols(&f.payloads.symbols, "GET /openApi/spot/v1/common/symbols")?;
    let map = exch_bingx::symbols::SymbolMap::from_markets(&markets);
    Ok(map.len())
}

/// Builds and signs `GET /openApi/spot/v1/trade/query?symbol=BTC-USDT&orderId=...` into a
/// transport request; 1 when built.
pub fn bingx_sign_get(f: &BingxFixture, base_url: &str) -> exch_core::Result<usize> {
    let call = exch_bingx::rest::get_order(
        exch_core::MarketKind::Spot,
        "BTC-USDT",
        &OrderRef::Id("1514087361158316032".into()),
    )?;
    black_box(call.prepare(base_url, Some(&f.credentials), TIMESTAMP_MS, 5000)?);
    Ok(1)
}

/// Builds `POST /openApi/spot/v1/trade/order` from the limit [`OrderRequest`] and signs it into
/// a transport request; 1 when built.
pub fn bingx_sign_order(f: &BingxFixture, base_url: &str) -> exch_core::Result<usize> {
    let cid = f.order.client_order_id.as_deref().unwrap_or("xbench");
    let call = exch_bingx::rest::place_order(exch_core::MarketKind::Spot, "BTC-USDT", &f.order, cid)?;
    black_box(call.prepare(base_url, Some(&f.credentials), TIMESTAMP_MS, 5000)?);
    Ok(1)
}

/// The BingX operations over `f`.
pub fn bingx(f: &BingxFixture) -> Vec<Op> {
    fn sign_get(f: &BingxFixture) -> exch_core::Result<usize> {
        bingx_sign_get(f, "https://open-api.bingx.com")
    }
    fn sign_order(f: &BingxFixture) -> exch_core::Result<usize> {
        bingx_sign_order(f, "https://open-api.bingx.com")
    }
    vec![
        op(
            "bingx.order_book",
            "order book, 1000 levels a side",
            f,
            bingx_order_book,
        ),
        op("bingx.trades", "trades, 500", f, bingx_trades),
        op("bingx.ticker", "ticker", f, bingx_ticker),
        op("bingx.order", "order", f, bingx_order),
        op("bingx.positions", "positions, 40", f, bingx_positions),
        op("bingx.markets", "markets, 150 spot", f, bingx_markets),
        op("bingx.sign_get", "build + sign a private GET", f, sign_get),
        op("bingx.sign_order", "build + sign an order POST", f, sign_order),
    ]
}

/// A limiter with one scope roomy enough that acquiring never waits.
pub fn roomy_limiter() -> RateLimiter {
    let quota = ScopeQuota::new(1_000_000_000, Duration::from_secs(1)).expect("positive quota");
    RateLimiter::new().with_scope("bench", quota)
}

/// `RateLimiter::acquire` of weight 1, polled on a current-thread runtime.
pub fn limiter_acquire() -> Op {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread runtime");
    let limiter = roomy_limiter();
    Op {
        name: "core.limiter_acquire",
        compare_to: "core.limiter_acquire",
        what: "rate-limiter acquire (weight 1)",
        run: Box::new(move || usize::from(rt.block_on(limiter.acquire("bench", 1)).is_ok())),
    }
}

/// The messages of the local-book benchmark: the 1000-level snapshot of the depth payload
/// (last id 1000) and 100 deltas (ids 1001..=1100) of 10 levels each near the top of the book:
/// changed quantities, removed levels (quantity 0) and new levels, from a seeded xorshift.
///
/// # Errors
/// The depth payload does not decode.
pub fn book_messages(f: &BinanceFixture) -> exch_core::Result<Vec<BookMessage>> {
    let d: wire::Depth = parse::decode("GET /api/v3/depth", &f.payloads.depth)?;
    let book = parse::order_book(f.btc.clone(), &d);
    let mut out = vec![BookMessage::snapshot(f.btc.clone(), book.bids.clone(), book.asks.clone()).with_last_id(1000)];
    let mut x: u64 = 0x5EED_B00C;
    let mut next = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let tick = Decimal::new(1, 2);
    for k in 0..100u64 {
        let mut side = |levels: &[Level], dir: Decimal| -> Vec<Level> {
            (0..5)
                .map(|_| {
                    let base = levels[next(50) as usize].price;
                    let price = match next(3) {
                        0 => base,
                        _ => base + dir * tick * Decimal::from(next(4)),
                    };
                    let qty = match next(4) {
                        0 => Decimal::ZERO,
                        _ => Decimal::new(next(500_000) as i64 + 1, 5),
                    };
                    Level { price, qty }
                })
                .collect()
        };
        let bids = side(&book.bids, Decimal::NEGATIVE_ONE);
        let asks = side(&book.asks, Decimal::ONE);
        out.push(BookMessage::delta(f.btc.clone(), bids, asks).with_ids(1001 + k, 1001 + k));
    }
    Ok(out)
}

/// Applies the snapshot and the 100 deltas to a fresh `Range`-sequenced book; the number of
/// levels left.
pub fn local_book_apply(symbol: &Symbol, messages: &[BookMessage]) -> usize {
    let mut book = LocalBook::new(symbol.clone(), SequenceRule::Range);
    for m in messages {
        if book.apply(m).is_err() {
            return 0;
        }
    }
    let (b, a) = book.len();
    b + a
}

/// The local-book benchmark as an [`Op`].
///
/// # Errors
/// The depth payload does not decode.
pub fn local_book(f: &BinanceFixture) -> Result<Op, String> {
    let messages = book_messages(f).map_err(|e| e.to_string())?;
    let symbol = f.btc.clone();
    Ok(Op {
        name: "core.local_book_apply",
        compare_to: "core.local_book_apply",
        what: "local book: 1000-level snapshot + 100 deltas of 10 levels",
        run: Box::new(move || local_book_apply(black_box(&symbol), black_box(&messages))),
    })
}

/// Every operation of every implemented venue, then the core ones.
///
/// # Errors
/// A payload is missing or does not decode.
pub fn all() -> Result<Vec<Op>, String> {
    let f = BinanceFixture::load()?;
    let mut ops = binance(&f);
    let okx_f = OkxFixture::load()?;
    ops.extend(okx(&okx_f));
    ops.extend(bingx(&BingxFixture::load()?));
    ops.push(limiter_acquire());
    ops.push(local_book(&f)?);
    Ok(ops)
}
