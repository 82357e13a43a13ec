//! Snapshot tests (insta, serde form).
//!
//! * Response side: one snapshot per fixture file under `fixtures/binance/`: the raw venue
//!   payload parsed into core models.
//! * Request side: one snapshot per request: method, path, query, body and headers, prepared
//!   with a fixed clock and the documented spot key (binance.md §2).

use std::path::Path;

use exch_binance::config::Api;
use exch_binance::rest::{self, Auth, Call};
use exch_binance::symbols::{Resolve, SymbolMap};
use exch_binance::{parse, wire};
use exch_core::{
    IncomeKind, Interval, MarginMode, OrderRef, OrderRequest, OrderType, PositionMode, PositionSide, Side, Symbol,
};
use rust_decimal_macros::dec;

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/binance"))
}

fn load<T: serde::de::DeserializeOwned>(rel: &str) -> T {
    let bytes = std::fs::read(fixtures().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    parse::decode(rel, &bytes).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn symbol_map() -> SymbolMap {
    let mut m = SymbolMap::new();
    let spot: wire::ExchangeInfo = load("spot/exchange_info.json");
    let fut: wire::ExchangeInfo = load("futures/exchange_info.json");
    m.extend(Api::Spot, &spot.symbols);
    m.extend(Api::Futures, &fut.symbols);
    // SOLUSDT is traded in a recorded order but absent from CCXT's market snapshot.
    m.insert(Api::Spot, "SOL/USDT".parse().unwrap(), "SOLUSDT".into());
    m
}

fn sym(s: &str) -> Symbol {
    s.parse().unwrap()
}

/// Parses the fixture at `rel` with the parser its endpoint needs and snapshots the models.
/// (Models are snapshotted directly, not through `serde_json::Value`, whose numbers serialize
/// as private maps under the workspace's `arbitrary_precision` feature.)
fn response(rel: &str, bytes: &[u8]) {
    let map = symbol_map();
    macro_rules! json {
        ($e:expr) => {
            insta::assert_json_snapshot!($e)
        };
    }
    macro_rules! dec {
        ($t:ty) => {
            parse::decode::<$t>(rel, bytes).unwrap_or_else(|e| panic!("{rel}: {e}"))
        };
    }
    match rel {
        "spot/exchange_info.json" => json!(parse::markets(Api::Spot, &dec!(wire::ExchangeInfo))),
        "futures/exchange_info.json" => json!(parse::markets(Api::Futures, &dec!(wire::ExchangeInfo))),
        "spot/ticker_24hr.json" => json!(parse::ticker(sym("BTC/USDT"), &dec!(wire::Ticker24h))),
        "spot/ticker_rolling.json" => json!(parse::tickers(&map, Api::Spot, &dec!(Vec<wire::Ticker24h>))),
        "spot/depth.json" => json!(parse::order_book(sym("BTC/USDT"), &dec!(wire::Depth))),
        "futures/depth.json" => json!(parse::order_book(sym("BTC/USDT:USDT"), &dec!(wire::Depth))),
        "spot/agg_trades.json" => json!(parse::trades(&sym("BTC/USDT"), &dec!(Vec<wire::PublicTrade>))),
        "spot/klines.json" | "futures/klines.json" => {
            json!(parse::candles(&dec!(Vec<wire::KlineRow>), Some(1_800_000_000_000)).unwrap())
        }
        "spot/order_new_limit.json" | "spot/order_new_trailing.json" | "spot/order_filled_market.json" => {
            let o = dec!(wire::OrderResp);
            json!(parse::order(Api::Spot, map.require(Api::Spot, &o.symbol).unwrap(), &o).unwrap())
        }
        "spot/open_orders.json" | "spot/all_orders.json" => {
            json!(parse::orders(&map, Api::Spot, &dec!(Vec<wire::OrderResp>)).unwrap())
        }
        "spot/account.json" => json!(parse::spot_balances(&dec!(wire::SpotAccount))),
        "futures/order_open_post_only.json" => {
            let o = dec!(wire::OrderResp);
            json!(parse::order(Api::Futures, map.require(Api::Futures, &o.symbol).unwrap(), &o).unwrap())
        }
        "futures/batch_orders.json" | "futures/open_orders_um.json" | "futures/all_orders_um.json" => {
            json!(parse::orders(&map, Api::Futures, &dec!(Vec<wire::OrderResp>)).unwrap())
        }
        "futures/position_risk.json" => json!(parse::positions(&map, &dec!(Vec<wire::PositionRisk>)).unwrap()),
        "futures/account.json" => json!(parse::futures_balances(&dec!(wire::FuturesAccount).assets)),
        "futures/income_funding.json" => json!(parse::income(&map, &dec!(Vec<wire::IncomeRow>))),
        ws if ws.starts_with("ws/") => json!(ws_frame(ws, bytes)),
        other => panic!("fixture {other} has no parser in tests/snapshots.rs; add one"),
    }
}

/// What [`exch_binance::BinanceStreams`] decodes a WebSocket frame into, in serde form.
#[derive(serde::Serialize)]
#[serde(tag = "inbound", rename_all = "snake_case")]
enum WsItem {
    Ticker(exch_core::Ticker),
    Trade(exch_core::Trade),
    Candle {
        symbol: Symbol,
        interval: Interval,
        candle: exch_core::Candle,
    },
    Book {
        symbol: Symbol,
        snapshot: bool,
        first_id: Option<u64>,
        last_id: Option<u64>,
        prev_id: Option<u64>,
        timestamp: Option<i64>,
        bids: Vec<exch_core::Level>,
        asks: Vec<exch_core::Level>,
    },
    Reconnect,
    Ignore,
}

/// Decodes a documented WebSocket frame (`fixtures/binance/ws/`, see its README): spot payloads
/// wrapped as the combined endpoint delivers them, futures payloads raw.
fn ws_frame(rel: &str, bytes: &[u8]) -> Vec<WsItem> {
    use exch_core::stream::{Inbound, StreamEvent, StreamProtocol};
    use exch_core::{MarketKind, MarketSet};
    use std::sync::Arc;
    let market = |s: &str, venue: &str| {
        let symbol = sym(s);
        exch_core::Market {
            kind: symbol.kind(),
            symbol,
            venue_symbol: venue.into(),
            status: exch_core::MarketStatus::Trading,
            tick_size: dec!(0.01),
            step_size: dec!(0.001),
            min_qty: None,
            max_qty: None,
            min_notional: None,
            contract_size: dec!(1),
        }
    };
    let client = exch_binance::Binance::new(exch_core::ClientConfig::new()).unwrap();
    let proto = exch_binance::BinanceStreams::new(&client)
        .with_markets(
            MarketKind::Spot,
            Arc::new(MarketSet::new(vec![market("BNB/BTC", "BNBBTC")])),
        )
        .with_markets(
            MarketKind::LinearPerpetual,
            Arc::new(MarketSet::new(vec![market("BTC/USDT:USDT", "BTCUSDT")])),
        );
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let stream = match rel {
        "ws/spot_trade.json" => Some("bnbbtc@trade"),
        "ws/spot_agg_trade.json" => Some("bnbbtc@aggTrade"),
        "ws/spot_kline.json" => Some("bnbbtc@kline_1m"),
        "ws/spot_ticker.json" => Some("bnbbtc@ticker"),
        "ws/spot_depth_update.json" => Some("bnbbtc@depth@100ms"),
        _ => None,
    };
    let text = match stream {
        Some(s) => format!(r#"{{"stream":"{s}","data":{text}}}"#),
        None => text,
    };
    proto
        .decode(&text)
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .into_iter()
        .map(|i| match i {
            Inbound::Event(StreamEvent::Ticker(t)) => WsItem::Ticker(t),
            Inbound::Event(StreamEvent::Trade(t)) => WsItem::Trade(t),
            Inbound::Event(StreamEvent::Candle {
                symbol,
                interval,
                candle,
            }) => WsItem::Candle {
                symbol,
                interval,
                candle,
            },
            Inbound::Book(m) => WsItem::Book {
                snapshot: m.is_snapshot(),
                symbol: m.symbol,
                first_id: m.first_id,
                last_id: m.last_id,
                prev_id: m.prev_id,
                timestamp: m.timestamp,
                bids: m.bids,
                asks: m.asks,
            },
            Inbound::Reconnect => WsItem::Reconnect,
            Inbound::Ignore => WsItem::Ignore,
            other => panic!("{rel}: unexpected {other:?}"),
        })
        .collect()
}

#[test]
fn responses() {
    insta::glob!("../../../fixtures/binance", "**/*.json", |path| {
        let rel = path
            .strip_prefix(fixtures().canonicalize().unwrap())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(path).unwrap();
        response(&rel, &bytes);
    });
}

const KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

fn auth() -> Auth<'static> {
    Auth {
        api_key: KEY,
        secret: SECRET,
        recv_window_ms: 5000,
        timestamp_ms: 1_700_000_000_000,
    }
}

fn requests() -> Vec<(&'static str, Call)> {
    let spot = sym("BTC/USDT");
    let perp = sym("BTC/USDT:USDT");
    let cid = "xTestClientOrderId000001";
    let o = |b: exch_core::OrderRequestBuilder| b.build().unwrap();
    let limit_spot = o(OrderRequest::limit(spot.clone(), Side::Buy, dec!(0.01), dec!(30000)));
    let limit_perp = o(OrderRequest::limit(perp.clone(), Side::Sell, dec!(0.01), dec!(90000)));
    let ty = |s: &Symbol, side, t, q| OrderRequest::builder(s.clone(), side, t, q);
    vec![
        ("spot_time", rest::server_time(Api::Spot)),
        ("futures_time", rest::server_time(Api::Futures)),
        ("spot_exchange_info", rest::exchange_info(Api::Spot)),
        ("futures_exchange_info", rest::exchange_info(Api::Futures)),
        ("spot_ticker_one", rest::ticker_24h(Api::Spot, Some("BTCUSDT"))),
        ("futures_ticker_all", rest::ticker_24h(Api::Futures, None)),
        ("spot_depth_7", rest::depth(Api::Spot, "BTCUSDT", Some(7))),
        ("futures_depth_7", rest::depth(Api::Futures, "BTCUSDT", Some(7))),
        ("spot_trades", rest::recent_trades(Api::Spot, "BTCUSDT", Some(100))),
        (
            "spot_klines",
            rest::klines(
                Api::Spot,
                "BTCUSDT",
                Interval::M1,
                Some(1_700_000_000_000),
                None,
                Some(1000),
            )
            .unwrap(),
        ),
        (
            "futures_klines",
            rest::klines(
                Api::Futures,
                "BTCUSDT",
                Interval::H1,
                Some(1_700_000_000_000),
                Some(1_700_360_000_000),
                Some(1500),
            )
            .unwrap(),
        ),
        (
            "spot_place_market",
            rest::new_order(
                Api::Spot,
                "BTCUSDT",
                &o(OrderRequest::market(spot.clone(), Side::Buy, dec!(0.01))),
                cid,
            )
            .unwrap(),
        ),
        (
            "spot_place_limit",
            rest::new_order(Api::Spot, "BTCUSDT", &limit_spot, cid).unwrap(),
        ),
        (
            "spot_place_post_only",
            rest::new_order(
                Api::Spot,
                "BTCUSDT",
                &o(OrderRequest::limit(spot.clone(), Side::Buy, dec!(0.01), dec!(30000)).post_only()),
                cid,
            )
            .unwrap(),
        ),
        (
            "spot_place_ioc",
            rest::new_order(
                Api::Spot,
                "BTCUSDT",
                &o(OrderRequest::limit(spot.clone(), Side::Buy, dec!(0.01), dec!(30000)).ioc()),
                cid,
            )
            .unwrap(),
        ),
        (
            "spot_place_fok",
            rest::new_order(
                Api::Spot,
                "BTCUSDT",
                &o(OrderRequest::limit(spot.clone(), Side::Buy, dec!(0.01), dec!(30000)).fok()),
                cid,
            )
            .unwrap(),
        ),
        (
            "spot_place_stop_market",
            rest::new_order(
                Api::Spot,
                "BTCUSDT",
                &o(ty(&spot, Side::Sell, OrderType::StopMarket, dec!(0.01)).trigger_price(dec!(25000))),
                cid,
            )
            .unwrap(),
        ),
        (
            "spot_place_stop_limit",
            rest::new_order(
                Api::Spot,
                "BTCUSDT",
                &o(ty(&spot, Side::Sell, OrderType::StopLimit, dec!(0.01))
                    .trigger_price(dec!(25000))
                    .price(dec!(24900))),
                cid,
            )
            .unwrap(),
        ),
        (
            "spot_place_take_profit",
            rest::new_order(
                Api::Spot,
                "BTCUSDT",
                &o(ty(&spot, Side::Sell, OrderType::TakeProfitMarket, dec!(0.01)).trigger_price(dec!(40000))),
                cid,
            )
            .unwrap(),
        ),
        (
            "spot_place_trailing",
            rest::new_order(
                Api::Spot,
                "BTCUSDT",
                &o(ty(&spot, Side::Sell, OrderType::TrailingStop, dec!(0.01)).callback_rate(dec!(1.5))),
                cid,
            )
            .unwrap(),
        ),
        (
            "futures_place_limit",
            rest::new_order(Api::Futures, "BTCUSDT", &limit_perp, cid).unwrap(),
        ),
        (
            "futures_place_market_reduce_only",
            rest::new_order(
                Api::Futures,
                "BTCUSDT",
                &o(OrderRequest::market(perp.clone(), Side::Sell, dec!(0.01)).reduce_only(true)),
                cid,
            )
            .unwrap(),
        ),
        (
            "futures_place_post_only_gtx",
            rest::new_order(
                Api::Futures,
                "BTCUSDT",
                &o(OrderRequest::limit(perp.clone(), Side::Buy, dec!(0.01), dec!(30000)).post_only()),
                cid,
            )
            .unwrap(),
        ),
        (
            "futures_place_hedge_long",
            rest::new_order(
                Api::Futures,
                "BTCUSDT",
                &o(OrderRequest::market(perp.clone(), Side::Buy, dec!(0.01)).position_side(PositionSide::Long)),
                cid,
            )
            .unwrap(),
        ),
        (
            "futures_algo_stop_market",
            rest::new_order(
                Api::Futures,
                "BTCUSDT",
                &o(ty(&perp, Side::Sell, OrderType::StopMarket, dec!(0.01))
                    .trigger_price(dec!(80000))
                    .reduce_only(true)),
                cid,
            )
            .unwrap(),
        ),
        (
            "futures_algo_stop_limit",
            rest::new_order(
                Api::Futures,
                "BTCUSDT",
                &o(ty(&perp, Side::Sell, OrderType::StopLimit, dec!(0.01))
                    .trigger_price(dec!(80000))
                    .price(dec!(79900))),
                cid,
            )
            .unwrap(),
        ),
        (
            "futures_algo_take_profit",
            rest::new_order(
                Api::Futures,
                "BTCUSDT",
                &o(ty(&perp, Side::Sell, OrderType::TakeProfitMarket, dec!(0.01)).trigger_price(dec!(100000))),
                cid,
            )
            .unwrap(),
        ),
        (
            "futures_algo_trailing",
            rest::new_order(
                Api::Futures,
                "BTCUSDT",
                &o(ty(&perp, Side::Sell, OrderType::TrailingStop, dec!(0.01))
                    .callback_rate(dec!(1))
                    .trigger_price(dec!(95000))),
                cid,
            )
            .unwrap(),
        ),
        (
            "spot_cancel_by_id",
            rest::cancel_order(Api::Spot, "BTCUSDT", &OrderRef::Id("12345".into())),
        ),
        (
            "futures_cancel_by_client_id",
            rest::cancel_order(Api::Futures, "BTCUSDT", &OrderRef::Client(cid.into())),
        ),
        (
            "futures_cancel_algo",
            rest::cancel_algo_order("BTCUSDT", &OrderRef::Id("3386".into())),
        ),
        ("spot_cancel_all", rest::cancel_all(Api::Spot, "BTCUSDT")),
        ("futures_cancel_all", rest::cancel_all(Api::Futures, "BTCUSDT")),
        ("futures_cancel_all_algo", rest::cancel_all_algo("BTCUSDT")),
        (
            "spot_get_order_by_client_id",
            rest::query_order(Api::Spot, "BTCUSDT", &OrderRef::Client(cid.into())),
        ),
        (
            "futures_get_algo_order",
            rest::query_algo_order("BTCUSDT", &OrderRef::Client(cid.into())),
        ),
        ("spot_open_orders_all", rest::open_orders(Api::Spot, None)),
        ("futures_open_orders", rest::open_orders(Api::Futures, Some("BTCUSDT"))),
        ("futures_open_algo_orders", rest::open_algo_orders(Some("BTCUSDT"))),
        (
            "spot_all_orders",
            rest::all_orders(Api::Spot, "BTCUSDT", Some(1_699_000_000_000), None, Some(500)),
        ),
        (
            "futures_all_orders",
            rest::all_orders(Api::Futures, "BTCUSDT", None, None, None),
        ),
        ("spot_account", rest::spot_account()),
        ("futures_balance", rest::futures_balance()),
        ("futures_position_risk", rest::position_risk(Some("BTCUSDT"))),
        ("futures_set_leverage", rest::leverage("BTCUSDT", 10).unwrap()),
        (
            "futures_set_margin_isolated",
            rest::margin_type("BTCUSDT", MarginMode::Isolated),
        ),
        ("futures_set_hedge_mode", rest::position_mode(PositionMode::Hedge)),
        ("futures_get_position_mode", rest::get_position_mode()),
        (
            "futures_income_funding",
            rest::income(
                Some("BTCUSDT"),
                Some(parse::income_type(&IncomeKind::Funding)),
                Some(1_699_000_000_000),
                None,
                Some(100),
            ),
        ),
    ]
}

#[test]
fn requests_prepared_with_fixed_clock_and_key() {
    let a = auth();
    for (name, call) in requests() {
        let prepared = call.prepare(Some(&a)).unwrap();
        /// What a request-side snapshot pins.
        #[derive(serde::Serialize)]
        struct Snap<'a> {
            weight: u32,
            orders: u32,
            signed: bool,
            request: &'a rest::Prepared,
        }
        insta::assert_json_snapshot!(
            format!("request_{name}"),
            Snap {
                weight: call.weight,
                orders: call.orders,
                signed: call.signed,
                request: &prepared,
            }
        );
    }
}
