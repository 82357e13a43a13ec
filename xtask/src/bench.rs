//! `cargo xtask bench` and `cargo xtask bench-fixtures`.
//!
//! `bench-fixtures` writes the seeded benchmark payloads under `fixtures/bench/<venue>/`: a
//! 1000-level order book, 500 trades, a ticker, an order, positions and a full markets response
//! per venue, shaped like the venue's real responses (its docs and `fixtures/<venue>/`). The
//! generator is a xorshift64* stream from a fixed seed, so the files are byte-for-byte
//! reproducible. They are benchmark inputs only, never used to assert venue behaviour.
//!
//! `bench` runs the exch benchmarks; `bench --compare` also installs CCXT for Python (a virtual
//! environment under `target/bench/venv`) and Node (`target/bench/node`) when missing, runs the
//! CCXT scripts of `crates/exch-bench/ccxt/` on the same payload files and lets the exch-bench
//! `compare` binary print one table and write `target/bench/report.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{banner, root, CargoCmd};

/// The seed of every payload stream.
const SEED: u64 = 0x5EED_BE7C_0000_0008;

/// A xorshift64* generator: small, seeded, deterministic.
struct Rng(u64);

impl Rng {
    fn new(stream: u64) -> Rng {
        Rng((SEED ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    fn coin(&mut self) -> bool {
        self.next() & 1 == 1
    }
}

/// `units / 10^scale` written with exactly `scale` decimals (`fixed(4257430, 2) == "42574.30"`).
fn fixed(units: u64, scale: u32) -> String {
    if scale == 0 {
        return units.to_string();
    }
    let p = 10u64.pow(scale);
    format!("{}.{:0width$}", units / p, units % p, width = scale as usize)
}

/// Like [`fixed`], without trailing zeros (futures style: `"67445.9"`).
fn trimmed(units: u64, scale: u32) -> String {
    let s = fixed(units, scale);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A signed [`trimmed`] value.
fn signed(units: u64, scale: u32, negative: bool) -> String {
    let s = trimmed(units, scale);
    if negative && s != "0" {
        format!("-{s}")
    } else {
        s
    }
}

/// Base assets: well-known names first, then synthetic three-letter codes.
fn base_assets(n: usize) -> Vec<String> {
    const KNOWN: [&str; 24] = [
        "BTC", "ETH", "BNB", "SOL", "XRP", "ADA", "DOGE", "TRX", "LINK", "DOT", "LTC", "BCH", "AVAX", "XLM", "UNI",
        "ATOM", "ETC", "FIL", "APT", "ARB", "OP", "NEAR", "SUI", "AAVE",
    ];
    let mut out: Vec<String> = KNOWN.iter().map(|s| s.to_string()).collect();
    let mut i = 0u32;
    while out.len() < n {
        let code: String = [i / 676, (i / 26) % 26, i % 26]
            .iter()
            .map(|d| char::from(b'A' + *d as u8))
            .collect();
        i += 1;
        let code = format!("Q{code}");
        if !out.contains(&code) {
            out.push(code);
        }
    }
    out.truncate(n);
    out
}

/// Fixed timestamps (ms) so the payloads never change.
const T0: u64 = 1_735_689_600_000; // 2025-01-01T00:00:00Z

/// One generated file: path relative to `fixtures/bench/` and its text.
struct Payload {
    path: String,
    text: String,
}

/// The Binance payloads (spot `/api/v3`, USDⓈ-M `/fapi`), compact JSON as the venue sends it.
fn binance() -> Vec<Payload> {
    let mut out = Vec::new();
    let file = |name: &str, text: String| Payload {
        path: format!("binance/{name}"),
        text,
    };

    // GET /api/v3/depth?symbol=BTCUSDT&limit=1000: 1000 bids and 1000 asks around 42 574.30.
    let mut r = Rng::new(1);
    let mid = 4_257_430u64; // cents
    let mut s = format!("{{\"lastUpdateId\":{},\"bids\":[", 68_412_775_331u64);
    let mut p = mid;
    for i in 0..1000 {
        if i > 0 {
            s.push(',');
            p -= r.range(1, 5);
        }
        let q = r.range(1, 500_000) * 1000; // 0.00001 .. 5.0 in 1e-8 units
        let _ = write!(s, "[\"{}\",\"{}\"]", fixed(p * 1_000_000, 8), fixed(q, 8));
    }
    s.push_str("],\"asks\":[");
    let mut p = mid + 1;
    for i in 0..1000 {
        if i > 0 {
            s.push(',');
            p += r.range(1, 5);
        }
        let q = r.range(1, 500_000) * 1000;
        let _ = write!(s, "[\"{}\",\"{}\"]", fixed(p * 1_000_000, 8), fixed(q, 8));
    }
    s.push_str("]}");
    out.push(file("depth.json", s));

    // GET /api/v3/trades?symbol=BTCUSDT&limit=500.
    let mut r = Rng::new(2);
    let mut s = String::from("[");
    let mut id = 4_389_112_000u64;
    let mut t = T0;
    for i in 0..500 {
        if i > 0 {
            s.push(',');
        }
        id += 1;
        t += r.range(0, 40);
        let price = mid - 250 + r.range(0, 500); // cents
        let qty = r.range(1, 200_000) * 1000; // 1e-8 units
        let quote = price * qty / 100; // 1e-8 units (truncated)
        let _ = write!(
            s,
            "{{\"id\":{id},\"price\":\"{}\",\"qty\":\"{}\",\"quoteQty\":\"{}\",\"time\":{t},\"isBuyerMaker\":{},\"isBestMatch\":true}}",
            fixed(price * 1_000_000, 8),
            fixed(qty, 8),
            fixed(quote, 8),
            r.coin()
        );
    }
    s.push(']');
    out.push(file("trades.json", s));

    // GET /api/v3/ticker/24hr?symbol=BTCUSDT.
    let s = format!(
        "{{\"symbol\":\"BTCUSDT\",\"priceChange\":\"1188.75000000\",\"priceChangePercent\":\"2.870\",\
         \"weightedAvgPrice\":\"41981.65401064\",\"prevClosePrice\":\"41385.54000000\",\
         \"lastPrice\":\"42574.30000000\",\"lastQty\":\"0.23925000\",\"bidPrice\":\"42574.30000000\",\
         \"bidQty\":\"6.27086000\",\"askPrice\":\"42574.31000000\",\"askQty\":\"0.03321000\",\
         \"openPrice\":\"41385.55000000\",\"highPrice\":\"42650.25000000\",\"lowPrice\":\"41020.82000000\",\
         \"volume\":\"32140.34862800\",\"quoteVolume\":\"1349296751.68728707\",\"openTime\":{},\
         \"closeTime\":{},\"firstId\":4385001234,\"lastId\":4389112500,\"count\":4111267}}",
        T0 - 86_400_000,
        T0
    );
    out.push(file("ticker.json", s));

    // POST /api/v3/order (newOrderRespType=FULL), partly filled.
    let s = format!(
        "{{\"symbol\":\"BTCUSDT\",\"orderId\":28457419032,\"orderListId\":-1,\
         \"clientOrderId\":\"x-bench-6gCrw2kRUAF9CvJDGP16IP\",\"transactTime\":{T0},\"price\":\"42574.30000000\",\
         \"origQty\":\"0.50000000\",\"executedQty\":\"0.20000000\",\"origQuoteOrderQty\":\"0.00000000\",\
         \"cummulativeQuoteQty\":\"8514.86000000\",\"status\":\"PARTIALLY_FILLED\",\"timeInForce\":\"GTC\",\
         \"type\":\"LIMIT\",\"side\":\"BUY\",\"workingTime\":{T0},\"fills\":[\
         {{\"price\":\"42574.30000000\",\"qty\":\"0.12000000\",\"commission\":\"0.00000000\",\"commissionAsset\":\"BNB\",\"tradeId\":4389112501}},\
         {{\"price\":\"42574.30000000\",\"qty\":\"0.08000000\",\"commission\":\"0.00000000\",\"commissionAsset\":\"BNB\",\"tradeId\":4389112502}}],\
         \"selfTradePreventionMode\":\"EXPIRE_MAKER\"}}"
    );
    out.push(file("order.json", s));

    // GET /api/v3/exchangeInfo: 150 spot symbols (USDT, BTC and FDUSD quotes).
    let bases = base_assets(120);
    let mut r = Rng::new(3);
    let mut s = format!(
        "{{\"timezone\":\"UTC\",\"serverTime\":{T0},\"rateLimits\":[\
         {{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":6000}},\
         {{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":100}},\
         {{\"rateLimitType\":\"ORDERS\",\"interval\":\"DAY\",\"intervalNum\":1,\"limit\":200000}},\
         {{\"rateLimitType\":\"RAW_REQUESTS\",\"interval\":\"MINUTE\",\"intervalNum\":5,\"limit\":61000}}],\
         \"exchangeFilters\":[],\"symbols\":["
    );
    let mut n = 0;
    'quotes: for quote in ["USDT", "BTC", "FDUSD"] {
        for base in &bases {
            if n == 150 {
                break 'quotes;
            }
            if base == quote {
                continue;
            }
            if n > 0 {
                s.push(',');
            }
            n += 1;
            let tick_exp = r.range(1, 8) as u32;
            let step_exp = r.range(0, 6) as u32;
            // BTCUSDT keeps its real filters (tick 0.01, step 0.00001) for the order benchmarks.
            let (tick_exp, step_exp) = if n == 1 { (2, 5) } else { (tick_exp, step_exp) };
            let tick = fixed(10u64.pow(8 - tick_exp), 8);
            let step = fixed(10u64.pow(8 - step_exp.min(8)), 8);
            let status = if r.range(0, 19) == 0 { "BREAK" } else { "TRADING" };
            let _ = write!(
                s,
                "{{\"symbol\":\"{base}{quote}\",\"status\":\"{status}\",\"baseAsset\":\"{base}\",\"baseAssetPrecision\":8,\
                 \"quoteAsset\":\"{quote}\",\"quotePrecision\":8,\"quoteAssetPrecision\":8,\"baseCommissionPrecision\":8,\
                 \"quoteCommissionPrecision\":8,\"orderTypes\":[\"LIMIT\",\"LIMIT_MAKER\",\"MARKET\",\"STOP_LOSS\",\
                 \"STOP_LOSS_LIMIT\",\"TAKE_PROFIT\",\"TAKE_PROFIT_LIMIT\"],\"icebergAllowed\":true,\"ocoAllowed\":true,\
                 \"otoAllowed\":true,\"quoteOrderQtyMarketAllowed\":true,\"allowTrailingStop\":true,\
                 \"cancelReplaceAllowed\":true,\"amendAllowed\":true,\"isSpotTradingAllowed\":true,\
                 \"isMarginTradingAllowed\":{},\"filters\":[\
                 {{\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"{}\",\"maxPrice\":\"1000000.00000000\",\"tickSize\":\"{}\"}},\
                 {{\"filterType\":\"LOT_SIZE\",\"minQty\":\"{step}\",\"maxQty\":\"9000000.00000000\",\"stepSize\":\"{step}\"}},\
                 {{\"filterType\":\"ICEBERG_PARTS\",\"limit\":10}},\
                 {{\"filterType\":\"MARKET_LOT_SIZE\",\"minQty\":\"0.00000000\",\"maxQty\":\"{}\",\"stepSize\":\"0.00000000\"}},\
                 {{\"filterType\":\"TRAILING_DELTA\",\"minTrailingAboveDelta\":10,\"maxTrailingAboveDelta\":2000,\
                 \"minTrailingBelowDelta\":10,\"maxTrailingBelowDelta\":2000}},\
                 {{\"filterType\":\"PERCENT_PRICE_BY_SIDE\",\"bidMultiplierUp\":\"5\",\"bidMultiplierDown\":\"0.2\",\
                 \"askMultiplierUp\":\"5\",\"askMultiplierDown\":\"0.2\",\"avgPriceMins\":5}},\
                 {{\"filterType\":\"NOTIONAL\",\"minNotional\":\"{}\",\"applyMinToMarket\":true,\
                 \"maxNotional\":\"9000000.00000000\",\"applyMaxToMarket\":false,\"avgPriceMins\":5}},\
                 {{\"filterType\":\"MAX_NUM_ORDERS\",\"maxNumOrders\":200}},\
                 {{\"filterType\":\"MAX_NUM_ALGO_ORDERS\",\"maxNumAlgoOrders\":5}}],\
                 \"permissions\":[],\"permissionSets\":[[\"SPOT\",\"MARGIN\"]],\
                 \"defaultSelfTradePreventionMode\":\"EXPIRE_MAKER\",\
                 \"allowedSelfTradePreventionModes\":[\"EXPIRE_TAKER\",\"EXPIRE_MAKER\",\"EXPIRE_BOTH\",\"DECREMENT\"]}}",
                r.coin(),
                tick,
                tick,
                fixed(r.range(1_000, 900_000) * 100_000_000, 8),
                fixed(r.range(1, 10) * 100_000_000, 8),
            );
        }
    }
    s.push_str("]}");
    out.push(file("exchange_info.json", s));

    // GET /fapi/v1/exchangeInfo: 60 USDT-margined perpetuals (markets for the positions).
    let mut r = Rng::new(4);
    let mut s = format!(
        "{{\"timezone\":\"UTC\",\"serverTime\":{T0},\"futuresType\":\"U_MARGINED\",\"rateLimits\":[\
         {{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":2400}},\
         {{\"rateLimitType\":\"ORDERS\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":1200}},\
         {{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":300}}],\
         \"exchangeFilters\":[],\"assets\":[{{\"asset\":\"USDT\",\"marginAvailable\":true,\"autoAssetExchange\":\"-10000\"}}],\
         \"symbols\":["
    );
    for (i, base) in bases.iter().take(60).enumerate() {
        if i > 0 {
            s.push(',');
        }
        let price_prec = r.range(1, 6);
        let qty_prec = r.range(0, 3);
        let _ = write!(
            s,
            "{{\"symbol\":\"{base}USDT\",\"pair\":\"{base}USDT\",\"contractType\":\"PERPETUAL\",\"deliveryDate\":4133404800000,\
             \"onboardDate\":1569398400000,\"status\":\"TRADING\",\"maintMarginPercent\":\"2.5000\",\
             \"requiredMarginPercent\":\"5.0000\",\"baseAsset\":\"{base}\",\"quoteAsset\":\"USDT\",\"marginAsset\":\"USDT\",\
             \"pricePrecision\":{price_prec},\"quantityPrecision\":{qty_prec},\"baseAssetPrecision\":8,\"quotePrecision\":8,\
             \"underlyingType\":\"COIN\",\"underlyingSubType\":[\"PoW\"],\"settlePlan\":0,\"triggerProtect\":\"0.0500\",\
             \"liquidationFee\":\"0.012500\",\"marketTakeBound\":\"0.05\",\"maxMoveOrderLimit\":10000,\"filters\":[\
             {{\"minPrice\":\"{}\",\"maxPrice\":\"4529764\",\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"{}\"}},\
             {{\"stepSize\":\"{}\",\"filterType\":\"LOT_SIZE\",\"maxQty\":\"1000\",\"minQty\":\"{}\"}},\
             {{\"stepSize\":\"{}\",\"filterType\":\"MARKET_LOT_SIZE\",\"maxQty\":\"120\",\"minQty\":\"{}\"}},\
             {{\"limit\":200,\"filterType\":\"MAX_NUM_ORDERS\"}},{{\"limit\":10,\"filterType\":\"MAX_NUM_ALGO_ORDERS\"}},\
             {{\"notional\":\"{}\",\"filterType\":\"MIN_NOTIONAL\"}},\
             {{\"multiplierDown\":\"0.9500\",\"multiplierUp\":\"1.0500\",\"multiplierDecimal\":\"4\",\"filterType\":\"PERCENT_PRICE\"}}],\
             \"orderTypes\":[\"LIMIT\",\"MARKET\",\"STOP\",\"STOP_MARKET\",\"TAKE_PROFIT\",\"TAKE_PROFIT_MARKET\",\"TRAILING_STOP_MARKET\"],\
             \"timeInForce\":[\"GTC\",\"IOC\",\"FOK\",\"GTX\",\"GTD\"],\"permissionSets\":[\"GRID\",\"COPY\"]}}",
            fixed(1, price_prec as u32),
            fixed(1, price_prec as u32),
            fixed(1, qty_prec as u32),
            fixed(1, qty_prec as u32),
            fixed(1, qty_prec as u32),
            fixed(1, qty_prec as u32),
            r.range(5, 100),
        );
    }
    s.push_str("]}");
    out.push(file("exchange_info_futures.json", s));

    // GET /fapi/v3/positionRisk: 40 open one-way positions.
    let mut r = Rng::new(5);
    let mut s = String::from("[");
    for (i, base) in bases.iter().take(40).enumerate() {
        if i > 0 {
            s.push(',');
        }
        let short = r.coin();
        let amt = r.range(1, 50_000); // 1e-3
        let entry = r.range(10_000, 9_000_000); // 1e-2
        let mark = entry + r.range(0, 2000) - 1000.min(entry - 1);
        let notional = amt * mark / 1000; // 1e-2
        let pnl_up = (mark >= entry) != short;
        let diff = mark.abs_diff(entry) * amt / 1000; // 1e-2
        let liq = if short { entry + entry / 8 } else { entry - entry / 8 };
        let _ = write!(
            s,
            "{{\"symbol\":\"{base}USDT\",\"positionSide\":\"BOTH\",\"positionAmt\":\"{}\",\"entryPrice\":\"{}\",\
             \"breakEvenPrice\":\"{}\",\"markPrice\":\"{}\",\"unRealizedProfit\":\"{}\",\"liquidationPrice\":\"{}\",\
             \"isolatedMargin\":\"0\",\"notional\":\"{}\",\"marginAsset\":\"USDT\",\"isolatedWallet\":\"0\",\
             \"initialMargin\":\"{}\",\"maintMargin\":\"{}\",\"positionInitialMargin\":\"{}\",\
             \"openOrderInitialMargin\":\"0\",\"adl\":{},\"bidNotional\":\"0\",\"askNotional\":\"0\",\"updateTime\":{}}}",
            signed(amt, 3, short),
            trimmed(entry, 2),
            trimmed(entry + 1, 2),
            trimmed(mark, 2),
            signed(diff, 2, !pnl_up),
            trimmed(liq, 2),
            signed(notional, 2, short),
            trimmed(notional / 10, 2),
            trimmed(notional / 40, 2),
            trimmed(notional / 10, 2),
            r.range(0, 4),
            T0 - r.range(0, 86_400_000),
        );
    }
    s.push(']');
    out.push(file("positions.json", s));
    out
}

/// OKX's `{"code":"0","msg":"","data":[...]}` envelope around `data`.
fn okx_envelope(data: &str) -> String {
    format!("{{\"code\":\"0\",\"msg\":\"\",\"data\":[{data}]}}")
}

/// The OKX payloads (`/api/v5`), compact JSON as the venue sends it.
fn okx() -> Vec<Payload> {
    let mut out = Vec::new();
    let file = |name: &str, text: String| Payload {
        path: format!("okx/{name}"),
        text,
    };
    let bases = base_assets(120);

    // GET /api/v5/market/books-full?instId=BTC-USDT&sz=1000: [px, sz, "0", orders].
    let mut r = Rng::new(11);
    let mid = 425_743u64; // tenths
    let level = |p: u64, r: &mut Rng| {
        let q = r.range(1, 500_000_000); // 1e-8
        format!(
            "[\"{}\",\"{}\",\"0\",\"{}\"]",
            trimmed(p, 1),
            trimmed(q, 8),
            r.range(1, 30)
        )
    };
    let mut asks = Vec::with_capacity(1000);
    let mut p = mid + 1;
    for i in 0..1000 {
        if i > 0 {
            p += r.range(1, 5);
        }
        asks.push(level(p, &mut r));
    }
    let mut bids = Vec::with_capacity(1000);
    let mut p = mid;
    for i in 0..1000 {
        if i > 0 {
            p -= r.range(1, 5);
        }
        bids.push(level(p, &mut r));
    }
    out.push(file(
        "books.json",
        okx_envelope(&format!(
            "{{\"asks\":[{}],\"bids\":[{}],\"ts\":\"{T0}\"}}",
            asks.join(","),
            bids.join(",")
        )),
    ));

    // GET /api/v5/market/trades?instId=BTC-USDT&limit=500 (newest first).
    let mut r = Rng::new(12);
    let mut rows = Vec::with_capacity(500);
    let mut id = 497_859_870u64 + 500;
    let mut t = T0;
    for _ in 0..500 {
        let side = if r.coin() { "buy" } else { "sell" };
        rows.push(format!(
            "{{\"instId\":\"BTC-USDT\",\"side\":\"{side}\",\"sz\":\"{}\",\"px\":\"{}\",\"source\":\"0\",\"tradeId\":\"{id}\",\"ts\":\"{t}\"}}",
            trimmed(r.range(1, 200_000_000), 8),
            trimmed(mid - 25 + r.range(0, 50), 1),
        ));
        id -= 1;
        t -= r.range(0, 40);
    }
    out.push(file("trades.json", okx_envelope(&rows.join(","))));

    // GET /api/v5/market/ticker?instId=BTC-USDT.
    out.push(file(
        "ticker.json",
        okx_envelope(&format!(
            "{{\"instType\":\"SPOT\",\"instId\":\"BTC-USDT\",\"last\":\"42574.3\",\"lastSz\":\"0.00007722\",\
             \"askPx\":\"42574.4\",\"askSz\":\"0.40193728\",\"bidPx\":\"42574.3\",\"bidSz\":\"0.0655768\",\
             \"open24h\":\"41385.5\",\"high24h\":\"42650.2\",\"low24h\":\"41020.8\",\
             \"volCcy24h\":\"1349296751.597266598\",\"vol24h\":\"32140.19145051\",\"ts\":\"{T0}\",\
             \"sodUtc0\":\"41450\",\"sodUtc8\":\"41702\"}}"
        )),
    ));

    // GET /api/v5/trade/order: a partly filled limit buy.
    out.push(file(
        "order.json",
        okx_envelope(&format!(
            "{{\"accFillSz\":\"0.2\",\"algoClOrdId\":\"\",\"algoId\":\"\",\"attachAlgoClOrdId\":\"\",\"attachAlgoOrds\":[],\
             \"avgPx\":\"42574.3\",\"cTime\":\"{T0}\",\"cancelSource\":\"\",\"cancelSourceReason\":\"\",\
             \"category\":\"normal\",\"ccy\":\"\",\"clOrdId\":\"xbench6gCrw2kRUAF9CvJDGP16IP\",\"fee\":\"-0.0002\",\
             \"feeCcy\":\"BTC\",\"fillPx\":\"42574.3\",\"fillSz\":\"0.08\",\"fillTime\":\"{T0}\",\"instId\":\"BTC-USDT\",\
             \"instType\":\"SPOT\",\"isTpLimit\":\"false\",\"lever\":\"\",\"linkedAlgoOrd\":{{\"algoId\":\"\"}},\
             \"ordId\":\"1339107111507525632\",\"ordType\":\"limit\",\"pnl\":\"0\",\"posSide\":\"net\",\"px\":\"42574.3\",\
             \"pxType\":\"\",\"pxUsd\":\"\",\"pxVol\":\"\",\"quickMgnType\":\"\",\"rebate\":\"0\",\"rebateCcy\":\"USDT\",\
             \"reduceOnly\":\"false\",\"side\":\"buy\",\"slOrdPx\":\"\",\"slTriggerPx\":\"\",\"slTriggerPxType\":\"\",\
             \"source\":\"\",\"state\":\"partially_filled\",\"stpId\":\"\",\"stpMode\":\"cancel_maker\",\"sz\":\"0.5\",\
             \"tag\":\"\",\"tdMode\":\"cash\",\"tgtCcy\":\"\",\"tpOrdPx\":\"\",\"tpTriggerPx\":\"\",\
             \"tpTriggerPxType\":\"\",\"tradeId\":\"58148845\",\"uTime\":\"{T0}\"}}"
        )),
    ));

    // GET /api/v5/public/instruments?instType=SPOT: 150 spot instruments.
    let mut r = Rng::new(13);
    let mut rows = Vec::new();
    'quotes: for quote in ["USDT", "BTC", "USDC"] {
        for base in &bases {
            if rows.len() == 150 {
                break 'quotes;
            }
            if base == quote {
                continue;
            }
            let (tick, lot) = if rows.is_empty() {
                (1, 8)
            } else {
                (r.range(1, 8) as u32, r.range(0, 8) as u32)
            };
            rows.push(format!(
                "{{\"alias\":\"\",\"baseCcy\":\"{base}\",\"category\":\"1\",\"ctMult\":\"\",\"ctType\":\"\",\"ctVal\":\"\",\
                 \"ctValCcy\":\"\",\"expTime\":\"\",\"instFamily\":\"\",\"instId\":\"{base}-{quote}\",\"instType\":\"SPOT\",\
                 \"lever\":\"10\",\"listTime\":\"1548133413000\",\"lotSz\":\"{}\",\"maxIcebergSz\":\"9999999999.0000000000000000\",\
                 \"maxLmtAmt\":\"20000000\",\"maxLmtSz\":\"9999999999\",\"maxMktAmt\":\"1000000\",\"maxMktSz\":\"1000000\",\
                 \"maxStopSz\":\"1000000\",\"maxTriggerSz\":\"9999999999.0000000000000000\",\"maxTwapSz\":\"9999999999.0000000000000000\",\
                 \"minSz\":\"{}\",\"optType\":\"\",\"quoteCcy\":\"{quote}\",\"ruleType\":\"normal\",\"settleCcy\":\"\",\
                 \"state\":\"live\",\"stk\":\"\",\"tickSz\":\"{}\",\"uly\":\"\"}}",
                fixed(1, lot),
                fixed(1, lot.saturating_sub(3)),
                fixed(1, tick),
            ));
        }
    }
    out.push(file("instruments_spot.json", okx_envelope(&rows.join(","))));

    // GET /api/v5/public/instruments?instType=SWAP: 60 USDT-margined swaps.
    let mut r = Rng::new(14);
    let mut rows = Vec::new();
    for base in bases.iter().take(60) {
        let ct_val = ["0.01", "0.1", "1", "10", "100"][r.range(0, 4) as usize];
        rows.push(format!(
            "{{\"alias\":\"\",\"baseCcy\":\"\",\"category\":\"1\",\"ctMult\":\"1\",\"ctType\":\"linear\",\"ctVal\":\"{ct_val}\",\
             \"ctValCcy\":\"{base}\",\"expTime\":\"\",\"instFamily\":\"{base}-USDT\",\"instId\":\"{base}-USDT-SWAP\",\
             \"instType\":\"SWAP\",\"lever\":\"100\",\"listTime\":\"1611916828000\",\"lotSz\":\"0.1\",\
             \"maxIcebergSz\":\"100000000.0000000000000000\",\"maxLmtAmt\":\"20000000\",\"maxLmtSz\":\"100000000\",\
             \"maxMktAmt\":\"\",\"maxMktSz\":\"12000\",\"maxStopSz\":\"12000\",\"maxTriggerSz\":\"100000000.0000000000000000\",\
             \"maxTwapSz\":\"100000000.0000000000000000\",\"minSz\":\"0.1\",\"optType\":\"\",\"quoteCcy\":\"\",\
             \"ruleType\":\"normal\",\"settleCcy\":\"USDT\",\"state\":\"live\",\"stk\":\"\",\"tickSz\":\"{}\",\
             \"uly\":\"{base}-USDT\"}}",
            fixed(1, r.range(1, 5) as u32),
        ));
    }
    out.push(file("instruments_swap.json", okx_envelope(&rows.join(","))));

    // GET /api/v5/account/positions?instType=SWAP: 40 open net positions (sizes in contracts).
    let mut r = Rng::new(15);
    let mut rows = Vec::new();
    for base in bases.iter().take(40) {
        let short = r.coin();
        let pos = r.range(1, 5000); // tenths of contracts
        let avg = r.range(10_000, 9_000_000); // 1e-2
        let mark = avg + r.range(0, 2000) - 1000;
        let liq = if short { avg + avg / 8 } else { avg - avg / 8 };
        rows.push(format!(
            "{{\"adl\":\"1\",\"availPos\":\"\",\"avgPx\":\"{}\",\"baseBal\":\"\",\"baseBorrowed\":\"\",\"baseInterest\":\"\",\
             \"bePx\":\"{}\",\"bizRefId\":\"\",\"bizRefType\":\"\",\"cTime\":\"{}\",\"ccy\":\"USDT\",\"closeOrderAlgo\":[],\
             \"deltaBS\":\"\",\"deltaPA\":\"\",\"fee\":\"-0.0003412\",\"fundingFee\":\"0\",\"gammaBS\":\"\",\"gammaPA\":\"\",\
             \"idxPx\":\"{}\",\"imr\":\"{}\",\"instId\":\"{base}-USDT-SWAP\",\"instType\":\"SWAP\",\"interest\":\"\",\
             \"last\":\"{}\",\"lever\":\"{}\",\"liab\":\"\",\"liabCcy\":\"\",\"liqPenalty\":\"0\",\"liqPx\":\"{}\",\
             \"margin\":\"\",\"markPx\":\"{}\",\"mgnMode\":\"cross\",\"mgnRatio\":\"141.0546428\",\"mmr\":\"0.00044356\",\
             \"notionalUsd\":\"{}\",\"optVal\":\"\",\"pendingCloseOrdLiabVal\":\"\",\"pnl\":\"0\",\"pos\":\"{}\",\
             \"posCcy\":\"\",\"posId\":\"{}\",\"posSide\":\"net\",\"quoteBal\":\"\",\"quoteBorrowed\":\"\",\
             \"quoteInterest\":\"\",\"realizedPnl\":\"-0.0003412\",\"spotInUseAmt\":\"\",\"spotInUseCcy\":\"\",\
             \"thetaBS\":\"\",\"thetaPA\":\"\",\"tradeId\":\"{}\",\"uTime\":\"{}\",\"upl\":\"{}\",\
             \"uplLastPx\":\"0\",\"uplRatio\":\"0\",\"uplRatioLastPx\":\"0\",\"usdPx\":\"\",\"vegaBS\":\"\",\"vegaPA\":\"\"}}",
            trimmed(avg, 2),
            trimmed(avg + 1, 2),
            T0 - 86_400_000,
            trimmed(mark, 2),
            trimmed(mark * pos / 100, 2),
            trimmed(mark, 2),
            r.range(1, 20),
            trimmed(liq, 2),
            trimmed(mark, 2),
            trimmed(mark * pos / 10, 2),
            signed(pos, 1, short),
            653_944_598_162_657_280u64 + r.range(0, 1_000_000),
            38_002_016 + r.range(0, 1_000_000),
            T0 - r.range(0, 86_400_000),
            signed(mark.abs_diff(avg) * pos / 10, 2, (mark >= avg) == short),
        ));
    }
    out.push(file("positions.json", okx_envelope(&rows.join(","))));
    out
}

/// The BingX payloads (spot `/openApi/spot/v1`, swap `/openApi/swap/v2`), compact JSON.
fn bingx() -> Vec<Payload> {
    let mut out = Vec::new();
    let file = |name: &str, text: String| Payload {
        path: format!("bingx/{name}"),
        text,
    };
    let bases = base_assets(120);

    // GET /openApi/spot/v1/market/depth?symbol=BTC-USDT&limit=1000 (strings, as documented).
    let mut r = Rng::new(21);
    let mid = 4_257_430u64; // cents
    let side = |start: u64, up: bool, r: &mut Rng| {
        let mut p = start;
        (0..1000)
            .map(|i| {
                if i > 0 {
                    p = if up { p + r.range(1, 5) } else { p - r.range(1, 5) };
                }
                format!("[\"{}\",\"{}\"]", fixed(p, 2), fixed(r.range(1, 5_000_000), 6))
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let bids = side(mid, false, &mut r);
    let asks = side(mid + 1, true, &mut r);
    out.push(file(
        "depth.json",
        format!("{{\"code\":0,\"timestamp\":{T0},\"data\":{{\"bids\":[{bids}],\"asks\":[{asks}],\"ts\":{T0}}}}}"),
    ));

    // GET /openApi/spot/v1/market/trades?symbol=BTC-USDT&limit=500 (numbers, as documented).
    let mut r = Rng::new(22);
    let mut rows = Vec::with_capacity(500);
    let mut id = 43_148_253u64 + 500;
    let mut t = T0;
    for _ in 0..500 {
        rows.push(format!(
            "{{\"id\":{id},\"price\":{},\"qty\":{},\"time\":{t},\"buyerMaker\":{}}}",
            trimmed(mid - 250 + r.range(0, 500), 2),
            trimmed(r.range(1, 2_000_000), 6),
            r.coin()
        ));
        id -= 1;
        t -= r.range(0, 40);
    }
    out.push(file(
        "trades.json",
        format!("{{\"code\":0,\"timestamp\":{T0},\"data\":[{}]}}", rows.join(",")),
    ));

    // GET /openApi/spot/v1/ticker/24hr?symbol=BTC-USDT.
    out.push(file(
        "ticker.json",
        format!(
            "{{\"code\":\"0\",\"timestamp\":\"{T0}\",\"data\":[{{\"symbol\":\"BTC-USDT\",\"openPrice\":\"41385.55\",\
             \"highPrice\":\"42650.25\",\"lowPrice\":\"41020.82\",\"lastPrice\":\"42574.30\",\"priceChange\":\"1188.75\",\
             \"priceChangePercent\":\"2.87%\",\"volume\":\"32140.34\",\"quoteVolume\":\"1349296751.68\",\
             \"openTime\":\"{}\",\"closeTime\":\"{T0}\",\"askPrice\":\"42574.31\",\"askQty\":\"1.32749\",\
             \"bidPrice\":\"42574.30\",\"bidQty\":\"5.93812\"}}]}}",
            T0 - 86_400_000
        ),
    ));

    // GET /openApi/spot/v1/trade/query: a partly filled limit buy.
    out.push(file(
        "order.json",
        format!(
            "{{\"code\":0,\"msg\":\"\",\"data\":{{\"symbol\":\"BTC-USDT\",\"orderId\":1514087361158316032,\"price\":\"42574.3\",\
             \"origQty\":\"0.5\",\"executedQty\":\"0.2\",\"cummulativeQuoteQty\":\"8514.86\",\"status\":\"PARTIALLY_FILLED\",\
             \"type\":\"LIMIT\",\"side\":\"BUY\",\"time\":{T0},\"updateTime\":{T0},\"origQuoteOrderQty\":\"0\",\
             \"fee\":\"-0.0002\",\"feeAsset\":\"BTC\",\"clientOrderID\":\"xbench6gCrw2kRUAF9CvJDGP16IP\"}}}}"
        ),
    ));

    // GET /openApi/spot/v1/common/symbols: 150 spot symbols.
    let mut r = Rng::new(23);
    let mut rows = Vec::new();
    'quotes: for quote in ["USDT", "USDC", "BTC"] {
        for base in &bases {
            if rows.len() == 150 {
                break 'quotes;
            }
            if base == quote {
                continue;
            }
            let (tick, step) = if rows.is_empty() {
                (2, 5)
            } else {
                (r.range(1, 8) as u32, r.range(0, 6) as u32)
            };
            rows.push(format!(
                "{{\"symbol\":\"{base}-{quote}\",\"minQty\":\"{}\",\"maxQty\":\"{}\",\"minNotional\":\"5\",\
                 \"maxNotional\":\"{}\",\"status\":\"1\",\"tickSize\":\"{}\",\"stepSize\":\"{}\",\
                 \"apiStateSell\":true,\"apiStateBuy\":true,\"timeOnline\":\"0\"}}",
                fixed(1, step),
                fixed(r.range(10_000, 9_000_000), step),
                fixed(r.range(100_000_000, 900_000_000), 2),
                fixed(1, tick),
                fixed(1, step),
            ));
        }
    }
    out.push(file(
        "symbols.json",
        format!(
            "{{\"code\":0,\"msg\":\"\",\"data\":{{\"symbols\":[{}]}}}}",
            rows.join(",")
        ),
    ));

    // GET /openApi/swap/v2/quote/contracts: 60 USDT-margined perpetuals (markets of the positions).
    let mut r = Rng::new(24);
    let rows: Vec<String> = bases
        .iter()
        .take(60)
        .enumerate()
        .map(|(i, base)| {
            format!(
                "{{\"contractId\":\"{}\",\"symbol\":\"{base}-USDT\",\"size\":\"0\",\"quantityPrecision\":\"{}\",\
                 \"pricePrecision\":\"{}\",\"feeRate\":\"0.0005\",\"makerFeeRate\":\"0.0002\",\"takerFeeRate\":\"0.0005\",\
                 \"tradeMinLimit\":\"0\",\"tradeMinQuantity\":\"0.1\",\"tradeMinUSDT\":\"2\",\"maxLongLeverage\":\"100\",\
                 \"maxShortLeverage\":\"100\",\"currency\":\"USDT\",\"asset\":\"{base}\",\"status\":\"1\",\
                 \"apiStateOpen\":\"true\",\"apiStateClose\":\"true\",\"ensureTrigger\":true,\"triggerFeeRate\":\"0.00050000\"}}",
                100 + i,
                r.range(0, 4),
                r.range(1, 5)
            )
        })
        .collect();
    out.push(file(
        "contracts.json",
        format!("{{\"code\":0,\"msg\":\"\",\"data\":[{}]}}", rows.join(",")),
    ));

    // GET /openApi/swap/v2/user/positions: 40 open positions.
    let mut r = Rng::new(25);
    let rows: Vec<String> = bases
        .iter()
        .take(40)
        .map(|base| {
            let long = r.coin();
            let amt = r.range(1, 50_000); // 1e-3
            let avg = r.range(10_000, 9_000_000); // 1e-2
            let mark = avg + r.range(0, 2000) - 1000;
            let value = amt * mark / 1000; // 1e-2
            let lev = r.range(1, 20);
            format!(
                "{{\"positionId\":\"{}\",\"symbol\":\"{base}-USDT\",\"currency\":\"USDT\",\"positionAmt\":\"{}\",\
                 \"availableAmt\":\"{}\",\"positionSide\":\"{}\",\"isolated\":false,\"avgPrice\":\"{}\",\
                 \"initialMargin\":\"{}\",\"leverage\":\"{lev}\",\"unrealizedProfit\":\"{}\",\"realisedProfit\":\"-0.0048\",\
                 \"liquidationPrice\":\"{}\",\"pnlRatio\":\"0.0002\",\"maxMarginReduction\":\"0.0000\",\"riskRate\":\"0.0068\",\
                 \"markPrice\":\"{}\",\"positionValue\":\"{}\",\"onlyOnePosition\":false}}",
                1_773_289_330_136_281_088u64 + r.range(0, 1_000_000),
                trimmed(amt, 3),
                trimmed(amt, 3),
                if long { "LONG" } else { "SHORT" },
                trimmed(avg, 2),
                trimmed(value / lev, 2),
                signed(mark.abs_diff(avg) * amt / 1000, 2, (mark >= avg) != long),
                trimmed(if long { avg - avg / 8 } else { avg + avg / 8 }, 2),
                trimmed(mark, 2),
                trimmed(value, 2),
            )
        })
        .collect();
    out.push(file(
        "positions.json",
        format!("{{\"code\":\"0\",\"msg\":\"\",\"data\":[{}]}}", rows.join(",")),
    ));
    out
}

/// Every venue's payloads.
fn payloads() -> Vec<Payload> {
    let mut all = binance();
    all.extend(okx());
    all.extend(bingx());
    all
}

/// The benchmark payload directory.
fn fixtures_dir() -> PathBuf {
    root().join("fixtures").join("bench")
}

/// `cargo xtask bench-fixtures [--check]`: writes (or, with `--check`, compares) the payloads.
pub fn fixtures(args: &[String]) -> Result<(), String> {
    let check = match args {
        [] => false,
        [a] if a == "--check" => true,
        [other, ..] => {
            return Err(format!(
                "unknown bench-fixtures option `{other}`; run `cargo xtask help`"
            ))
        }
    };
    let dir = fixtures_dir();
    let mut stale = Vec::new();
    for p in payloads() {
        let path = dir.join(&p.path);
        let text = format!("{}\n", p.text);
        if check {
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                stale.push(p.path);
            }
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("wrote fixtures/bench/{} ({} bytes)", p.path, p.text.len() + 1);
    }
    if stale.is_empty() {
        if check {
            println!("fixtures/bench is up to date");
        }
        Ok(())
    } else {
        Err(format!(
            "stale benchmark payloads (run `cargo xtask bench-fixtures`): {}",
            stale.join(", ")
        ))
    }
}

/// Options of `cargo xtask bench`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct BenchOptions {
    compare: bool,
    criterion: bool,
    quick: bool,
}

impl BenchOptions {
    fn parse(args: &[String]) -> Result<BenchOptions, String> {
        let mut o = BenchOptions::default();
        for a in args {
            match a.as_str() {
                "--compare" => o.compare = true,
                "--criterion" => o.criterion = true,
                "--quick" => o.quick = true,
                other => return Err(format!("unknown bench option `{other}`; run `cargo xtask help`")),
            }
        }
        Ok(o)
    }
}

/// Runs `program args` from the workspace root, showing its output; an error names it.
fn run(program: &Path, args: &[&str]) -> Result<(), String> {
    println!("$ {} {}", program.display(), args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("could not start {}: {e}", program.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} exited with {status}", program.display()))
    }
}

/// CCXT for Python in `target/bench/venv`, installed when missing; the interpreter's path.
fn python_ccxt(bench: &Path) -> Result<PathBuf, String> {
    let venv = bench.join("venv");
    let python = venv.join("bin").join("python");
    let has_ccxt = |py: &Path| {
        Command::new(py)
            .args(["-c", "import ccxt"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !python.is_file() {
        run(Path::new("python3"), &["-m", "venv", &venv.to_string_lossy()])?;
    }
    if !has_ccxt(&python) {
        run(&venv.join("bin").join("pip"), &["install", "--quiet", "ccxt"])?;
    }
    if has_ccxt(&python) {
        Ok(python)
    } else {
        Err("ccxt does not import in target/bench/venv".into())
    }
}

/// CCXT for Node in `target/bench/node`, installed when missing.
fn node_ccxt(bench: &Path) -> Result<(), String> {
    let prefix = bench.join("node");
    if !prefix.join("node_modules").join("ccxt").join("package.json").is_file() {
        run(
            Path::new("npm"),
            &[
                "install",
                "--prefix",
                &prefix.to_string_lossy(),
                "--no-audit",
                "--no-fund",
                "ccxt",
            ],
        )?;
    }
    Ok(())
}

/// Runs one CCXT script writing JSON to `out`; on failure writes `{"error": ...}` instead so
/// the table shows "n/a" with the reason.
fn ccxt_side(label: &str, out: &Path, go: impl FnOnce() -> Result<(), String>) {
    banner(&format!("CCXT ({label})"));
    if let Err(e) = go() {
        println!("CCXT {label}: n/a ({e})");
        let reason = e.replace('\\', "\\\\").replace('"', "'");
        let _ = std::fs::write(out, format!("{{\"error\":\"{reason}\"}}\n"));
    }
}

/// `cargo xtask bench [--compare] [--criterion] [--quick]`.
pub fn bench(args: &[String]) -> Result<(), String> {
    let o = BenchOptions::parse(args)?;
    let bench = root().join("target").join("bench");
    std::fs::create_dir_all(&bench).map_err(|e| format!("cannot create target/bench: {e}"))?;
    if o.criterion || !o.compare {
        banner("criterion benchmarks (exch)");
        let mut cmd = vec!["bench", "-p", "exch-bench", "--bench", "exch"];
        if o.quick {
            cmd.extend(["--", "--quick"]);
        }
        CargoCmd::new(cmd).run()?;
        if !o.compare {
            return Ok(());
        }
    }
    let fixtures = fixtures_dir();
    let fixtures = fixtures.to_string_lossy();
    let scripts = root().join("crates").join("exch-bench").join("ccxt");
    let quick = if o.quick { "--quick" } else { "--full" };
    let py_out = bench.join("ccxt-python.json");
    let js_out = bench.join("ccxt-js.json");
    ccxt_side("Python", &py_out, || {
        let python = python_ccxt(&bench)?;
        let script = scripts.join("bench.py");
        run(
            &python,
            &[&script.to_string_lossy(), &fixtures, &py_out.to_string_lossy(), quick],
        )
    });
    ccxt_side("JavaScript", &js_out, || {
        node_ccxt(&bench)?;
        let script = scripts.join("bench.mjs");
        run(
            Path::new("node"),
            &[&script.to_string_lossy(), &fixtures, &js_out.to_string_lossy(), quick],
        )
    });
    banner("exch (release) and the table");
    let report = bench.join("report.md");
    let mut cmd = vec![
        "run".to_string(),
        "--release".into(),
        "-p".into(),
        "exch-bench".into(),
        "--bin".into(),
        "compare".into(),
        "--".into(),
        "--ccxt-python".into(),
        py_out.to_string_lossy().into_owned(),
        "--ccxt-js".into(),
        js_out.to_string_lossy().into_owned(),
        "--report".into(),
        report.to_string_lossy().into_owned(),
    ];
    if o.quick {
        cmd.push("--quick".into());
    }
    CargoCmd::new(cmd).run()?;
    println!("report written to target/bench/report.md");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_exactly() {
        assert_eq!(fixed(4_257_430, 2), "42574.30");
        assert_eq!(fixed(1, 8), "0.00000001");
        assert_eq!(fixed(7, 0), "7");
        assert_eq!(trimmed(6_744_590, 2), "67445.9");
        assert_eq!(trimmed(500, 2), "5");
        assert_eq!(signed(9, 3, true), "-0.009");
        assert_eq!(signed(0, 3, true), "0");
    }

    #[test]
    fn payloads_are_deterministic_and_sized() {
        let a = payloads();
        let b = payloads();
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.path, y.path);
            assert_eq!(x.text, y.text);
            let parsed = crate::json::parse(&x.text).unwrap_or_else(|e| panic!("{}: {e}", x.path));
            let rows = |v: &crate::json::Value| -> Option<usize> {
                match x.path.split('/').next() {
                    Some("okx" | "bingx") => v.get("data").and_then(|d| d.as_array()).map(<[_]>::len),
                    _ => v.as_array().map(<[_]>::len),
                }
            };
            if x.path.ends_with("trades.json") {
                assert_eq!(rows(&parsed), Some(500), "{}", x.path);
            }
            if x.path.ends_with("positions.json") {
                assert_eq!(rows(&parsed), Some(40), "{}", x.path);
            }
            if x.path == "binance/depth.json" {
                assert_eq!(
                    parsed.get("bids").and_then(|v| v.as_array()).map(<[_]>::len),
                    Some(1000)
                );
                assert_eq!(
                    parsed.get("asks").and_then(|v| v.as_array()).map(<[_]>::len),
                    Some(1000)
                );
            }
            if x.path == "okx/books.json" {
                let book = parsed.get("data").and_then(|d| d.as_array()).and_then(|d| d.first());
                assert_eq!(
                    book.and_then(|b| b.get("bids"))
                        .and_then(|v| v.as_array())
                        .map(<[_]>::len),
                    Some(1000)
                );
                assert_eq!(
                    book.and_then(|b| b.get("asks"))
                        .and_then(|v| v.as_array())
                        .map(<[_]>::len),
                    Some(1000)
                );
            }
        }
    }

    #[test]
    fn bench_options() {
        let args: Vec<String> = ["--compare", "--quick"].iter().map(|s| s.to_string()).collect();
        let o = BenchOptions::parse(&args).unwrap();
        assert!(o.compare && o.quick && !o.criterion);
        assert!(BenchOptions::parse(&["--nope".to_string()]).is_err());
    }

    #[test]
    fn base_assets_are_unique() {
        let b = base_assets(300);
        let mut sorted = b.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 300);
    }
}
