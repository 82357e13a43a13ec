//! The real `Bingx` client against the simulated BingX venue (feature `sim`): trading, a partial
//! fill, positions after fills, and fault drills (429 Retry-After, 5xx on reads vs writes, a
//! lost placement response, malformed JSON, a bad key, clock skew, an unknown contract).
#![cfg(feature = "sim")]

use std::time::Duration;

use exch_bingx::sim::BingxSim;
use exch_bingx::Bingx;
use exch_core::{
    AccountKind, Credentials, ErrorKind, Exchange, IncomeKind, IncomeQuery, LimiterRegistry, MarketKind, OrderRef,
    OrderRequest, OrderStatus, OrderType, PositionMode, PositionSide, Side, Symbol,
};
use exch_testkit::{Fault, FaultRule, SimServer, VenueSim};
use rust_decimal_macros::dec;

const ORDER_PATH: &str = "/openApi/swap/v2/trade/order";
const TICKER_PATH: &str = "/openApi/swap/v2/quote/ticker";

fn perp() -> Symbol {
    "BTC/USDT:USDT".parse().unwrap()
}

async fn start() -> (SimServer, Bingx) {
    let server = BingxSim::start().await.unwrap();
    let config = server
        .client_config_with(BingxSim::credentials())
        .timeout(Duration::from_secs(2));
    // A private limiter registry: pauses from one test never reach another.
    let client = Bingx::with_registry(config, &LimiterRegistry::new()).unwrap();
    (server, client)
}

#[tokio::test]
async fn place_get_cancel_with_ids_above_2_pow_53() {
    let (server, bx) = start().await;
    let req = OrderRequest::limit(perp(), Side::Buy, dec!(0.01), dec!(29000))
        .client_order_id("MyOrder1")
        .build()
        .unwrap();
    let placed = bx.place_order(&req).await.unwrap();
    assert_eq!(placed.status, OrderStatus::New);
    assert!(placed.id.parse::<u64>().unwrap() > (1u64 << 53), "{}", placed.id);
    // BingX stores swap client ids lower-cased; the client sends them that way.
    assert_eq!(placed.client_order_id.as_deref(), Some("myorder1"));
    let logged = server.log().find("POST", ORDER_PATH);
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].query_param("clientOrderId"), Some("myorder1"));
    assert_eq!(logged[0].query_param("positionSide"), Some("BOTH"));

    let by_id = bx.order(&perp(), &OrderRef::Id(placed.id.clone())).await.unwrap();
    assert_eq!(by_id.id, placed.id, "the id survives the round trip exactly");
    assert_eq!(by_id.price, Some(dec!(29000)));
    let by_client = bx.order(&perp(), &OrderRef::Client("myorder1".into())).await.unwrap();
    assert_eq!(by_client.id, placed.id);
    assert_eq!(
        bx.open_orders(Some(&perp()), MarketKind::LinearPerpetual)
            .await
            .unwrap()
            .len(),
        1
    );

    let cancelled = bx
        .cancel_order(&perp(), &OrderRef::Id(placed.id.clone()))
        .await
        .unwrap();
    assert_eq!(cancelled.status, OrderStatus::Canceled);
    assert!(bx
        .open_orders(Some(&perp()), MarketKind::LinearPerpetual)
        .await
        .unwrap()
        .is_empty());
    let e = bx
        .cancel_order(&perp(), &OrderRef::Id(placed.id.clone()))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OrderNotFound, "{e}");
    let history = bx.order_history(&exch_core::OrderQuery::symbol(perp())).await.unwrap();
    assert!(history
        .iter()
        .any(|o| o.id == placed.id && o.status == OrderStatus::Canceled));
}

#[tokio::test]
async fn spot_trading_and_balances_without_zero_rows() {
    let (_server, bx) = start().await;
    let spot: Symbol = "BTC/USDT".parse().unwrap();
    let o = bx
        .place_order(
            &OrderRequest::limit(spot.clone(), Side::Buy, dec!(0.001), dec!(29000))
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(o.status, OrderStatus::New);
    let all = bx.cancel_all_orders(&spot).await.unwrap();
    assert_eq!(all.len(), 1);
    let balances = bx.balances(AccountKind::Spot).await.unwrap();
    assert!(balances.iter().all(|b| !b.total.is_zero()));
    assert!(balances.iter().any(|b| b.asset == "USDT"));
    let markets = bx.markets(MarketKind::Spot).await.unwrap();
    assert!(markets.iter().any(|m| m.symbol == spot && m.tick_size == dec!(0.01)));
    let book = bx.order_book(&spot, Some(1)).await.unwrap();
    assert_eq!(book.bids.len(), 1);
    assert_eq!(book.best_ask().unwrap().price, dec!(30001));
}

#[tokio::test]
async fn partial_fill() {
    let (_server, bx) = start().await;
    // 1 BTC rests at 30001, 2 at 30002: a limit buy of 1.5 at 30001 fills 1 and rests 0.5.
    let req = OrderRequest::limit(perp(), Side::Buy, dec!(1.5), dec!(30001))
        .build()
        .unwrap();
    let o = bx.place_order(&req).await.unwrap();
    assert_eq!(o.status, OrderStatus::PartiallyFilled);
    assert_eq!(o.filled_qty, dec!(1));
    let again = bx.order(&perp(), &OrderRef::Id(o.id.clone())).await.unwrap();
    assert_eq!(again.filled_qty, dec!(1));
    assert_eq!(again.qty, dec!(1.5));
    assert_eq!(again.avg_price, Some(dec!(30001)));
    assert_eq!(again.status, OrderStatus::PartiallyFilled);
}

#[tokio::test]
async fn positions_after_fills_one_way_then_hedge() {
    let (_server, bx) = start().await;
    let buy = OrderRequest::market(perp(), Side::Buy, dec!(0.5)).build().unwrap();
    let o = bx.place_order(&buy).await.unwrap();
    assert_eq!(o.status, OrderStatus::Filled);
    let ps = bx.positions(Some(&perp())).await.unwrap();
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0].side, PositionSide::Long);
    assert_eq!(ps[0].size, dec!(0.5));
    assert_eq!(ps[0].position_mode, Some(PositionMode::OneWay));
    bx.set_leverage(&perp(), 10).await.unwrap();
    assert_eq!(bx.positions(None).await.unwrap()[0].leverage, Some(dec!(10)));
    // Close with BingX's own close-all for the symbol; no zero rows remain.
    let closing = bx.close_position(&perp(), None).await.unwrap();
    assert_eq!(closing.side, Side::Sell);
    assert!(bx.positions(None).await.unwrap().is_empty());

    bx.set_position_mode(PositionMode::Hedge).await.unwrap();
    assert_eq!(bx.position_mode().await.unwrap(), PositionMode::Hedge);
    let long = OrderRequest::market(perp(), Side::Buy, dec!(0.1))
        .position_side(PositionSide::Long)
        .build()
        .unwrap();
    let short = OrderRequest::market(perp(), Side::Sell, dec!(0.2))
        .position_side(PositionSide::Short)
        .build()
        .unwrap();
    bx.place_order(&long).await.unwrap();
    bx.place_order(&short).await.unwrap();
    let mut ps = bx.positions(None).await.unwrap();
    ps.sort_by_key(|p| p.size);
    assert_eq!(ps.len(), 2, "both sides in hedge mode");
    assert_eq!((ps[0].side, ps[0].size), (PositionSide::Long, dec!(0.1)));
    assert_eq!((ps[1].side, ps[1].size), (PositionSide::Short, dec!(0.2)));
    assert!(ps.iter().all(|p| p.position_mode == Some(PositionMode::Hedge)));
    // Hedge leverage is set per side (LONG and SHORT).
    bx.set_leverage(&perp(), 5).await.unwrap();
    let close_long = bx.close_position(&perp(), Some(PositionSide::Long)).await.unwrap();
    assert_eq!(close_long.position_side, Some(PositionSide::Long));
    let ps = bx.positions(None).await.unwrap();
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0].side, PositionSide::Short);
}

#[tokio::test]
async fn income_after_funding_and_margin_mode() {
    let (server, bx) = start().await;
    bx.place_order(&OrderRequest::market(perp(), Side::Buy, dec!(0.5)).build().unwrap())
        .await
        .unwrap();
    server.state().set_mark_price(&perp(), Some(dec!(30000)));
    server.state().apply_funding(&perp(), dec!(0.0001)).unwrap();
    let q = IncomeQuery {
        kind: Some(IncomeKind::Funding),
        ..IncomeQuery::default()
    };
    let inc = bx.income(&q).await.unwrap();
    assert_eq!(inc.len(), 1);
    assert_eq!(inc[0].kind, IncomeKind::Funding);
    assert_eq!(inc[0].amount, dec!(-1.5));
    assert_eq!(inc[0].symbol.as_ref(), Some(&perp()));
    let ltc: Symbol = "LTC/USDT:USDT".parse().unwrap();
    bx.set_margin_mode(&ltc, exch_core::MarginMode::Isolated).await.unwrap();
    let b = bx.balances(AccountKind::Perpetual).await.unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].asset, "USDT");
}

#[tokio::test(start_paused = true)]
async fn rate_limit_429_retry_after_is_honoured() {
    let (server, bx) = start().await;
    bx.markets(MarketKind::LinearPerpetual).await.unwrap();
    server
        .faults()
        .push(FaultRule::new(Fault::rate_limited(3)).on("GET", TICKER_PATH));
    let t0 = tokio::time::Instant::now();
    let t = bx.ticker(&perp()).await.unwrap();
    assert_eq!(t.bid, Some(dec!(29999)));
    assert!(t0.elapsed() >= Duration::from_secs(3), "waited {:?}", t0.elapsed());
    assert_eq!(server.log().count("GET", TICKER_PATH), 2);
}

#[tokio::test(start_paused = true)]
async fn server_errors_are_retried_on_reads_only() {
    let (server, bx) = start().await;
    bx.markets(MarketKind::LinearPerpetual).await.unwrap();
    server
        .faults()
        .push(FaultRule::new(Fault::server_error(503, "")).on("GET", TICKER_PATH));
    bx.ticker(&perp()).await.unwrap();
    assert_eq!(server.log().count("GET", TICKER_PATH), 2, "the read was retried");

    server
        .faults()
        .push(FaultRule::new(Fault::server_error(503, "")).on("POST", ORDER_PATH));
    let req = OrderRequest::limit(perp(), Side::Buy, dec!(0.01), dec!(29000))
        .client_order_id("x503")
        .build()
        .unwrap();
    let e = bx.place_order(&req).await.unwrap_err();
    // Sent once, then looked up by client id: the venue never saw it.
    assert_eq!(e.kind(), ErrorKind::OrderNotFound, "{e}");
    assert_eq!(server.log().count("POST", ORDER_PATH), 1, "a write is never retried");
    assert_eq!(server.counters().orders_created, 0);
    assert_eq!(server.log().find("GET", ORDER_PATH).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn lost_placement_response_is_reconciled_by_client_order_id() {
    let (server, bx) = start().await;
    bx.markets(MarketKind::LinearPerpetual).await.unwrap();
    server
        .faults()
        .push(FaultRule::new(Fault::LoseResponse(Duration::from_secs(30))).on("POST", ORDER_PATH));
    let req = OrderRequest::limit(perp(), Side::Buy, dec!(0.01), dec!(29000))
        .client_order_id("lost1")
        .build()
        .unwrap();
    let o = bx.place_order(&req).await.unwrap();
    assert_eq!(o.client_order_id.as_deref(), Some("lost1"));
    assert_eq!(o.status, OrderStatus::New);
    assert_eq!(server.log().count("POST", ORDER_PATH), 1, "never re-sent");
    assert_eq!(server.counters().orders_created, 1, "exactly one order on the venue");
    let open = bx
        .open_orders(Some(&perp()), MarketKind::LinearPerpetual)
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].id, o.id);
}

#[tokio::test]
async fn malformed_json_is_decode() {
    let (server, bx) = start().await;
    bx.markets(MarketKind::LinearPerpetual).await.unwrap();
    server
        .faults()
        .push(FaultRule::new(Fault::Malformed).on("GET", "/openApi/swap/v2/quote/depth"));
    let e = bx.order_book(&perp(), Some(5)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    assert!(e.excerpt().is_some());
    assert_eq!(e.endpoint(), Some("GET /openApi/swap/v2/quote/depth"));
}

#[tokio::test]
async fn bad_key_is_auth_and_missing_credentials_too() {
    let server = BingxSim::start().await.unwrap();
    let bad = Bingx::with_registry(
        server.client_config_with(Credentials::new("not-a-key", "whatever")),
        &LimiterRegistry::new(),
    )
    .unwrap();
    let e = bad.balances(AccountKind::Perpetual).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth, "{e}");
    assert_eq!(e.code(), Some("100413"));
    let wrong_secret = Bingx::with_registry(
        server.client_config_with(Credentials::new(exch_testkit::SIM_API_KEY, "wrong-secret")),
        &LimiterRegistry::new(),
    )
    .unwrap();
    let e = wrong_secret.balances(AccountKind::Spot).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidSignature, "{e}");
    let anonymous = Bingx::with_registry(server.client_config(), &LimiterRegistry::new()).unwrap();
    assert_eq!(
        anonymous.balances(AccountKind::Spot).await.unwrap_err().kind(),
        ErrorKind::Auth
    );
    // Public data needs no key.
    assert!(anonymous.server_time().await.is_ok());
}

#[tokio::test]
async fn clock_offset_is_measured_and_used() {
    let (server, bx) = start().await;
    server.clock().set_skew_ms(120_000);
    let b = bx.balances(AccountKind::Perpetual).await.unwrap();
    assert!(!b.is_empty());
    let offset = bx.clock().offset_ms().unwrap();
    assert!((110_000..130_000).contains(&offset), "offset {offset}");
    let ts: i64 = server
        .log()
        .find("GET", "/openApi/swap/v3/user/balance")
        .last()
        .unwrap()
        .query_param("timestamp")
        .unwrap()
        .parse()
        .unwrap();
    assert!((ts - server.server_time_ms()).abs() < 10_000);
}

#[tokio::test]
async fn orders_for_unknown_contracts_are_never_sent() {
    let (server, bx) = start().await;
    let doge: Symbol = "DOGE/USDT:USDT".parse().unwrap();
    let e = bx
        .place_order(&OrderRequest::market(doge, Side::Buy, dec!(10)).build().unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadSymbol, "{e}");
    // Tick size is checked before sending, too.
    let e = bx
        .place_order(
            &OrderRequest::limit(perp(), Side::Buy, dec!(0.01), dec!(29000.05))
                .build()
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOrder, "{e}");
    assert_eq!(server.log().count("POST", ORDER_PATH), 0);
}

#[tokio::test]
async fn conditional_orders_and_attached_tp_sl_reach_the_venue() {
    let (server, bx) = start().await;
    let stop = OrderRequest::builder(perp(), Side::Buy, OrderType::StopMarket, dec!(0.01))
        .trigger_price(dec!(31000))
        .build()
        .unwrap();
    let o = bx.place_order(&stop).await.unwrap();
    assert_eq!(o.order_type, OrderType::StopMarket);
    assert_eq!(o.trigger_price, Some(dec!(31000)));
    let with_tp_sl = OrderRequest::limit(perp(), Side::Buy, dec!(0.01), dec!(29000))
        .take_profit(dec!(32000), None)
        .stop_loss(dec!(28000), None)
        .build()
        .unwrap();
    bx.place_order(&with_tp_sl).await.unwrap();
    let sent = server.log().find("POST", ORDER_PATH);
    let last = sent.last().unwrap();
    assert_eq!(
        last.query_param("takeProfit"),
        Some(
            exch_core::sign::encode(r#"{"type":"TAKE_PROFIT_MARKET","stopPrice":32000,"workingType":"MARK_PRICE"}"#)
                .as_str()
        )
    );
    assert_eq!(
        last.query_param("stopLoss"),
        Some(
            exch_core::sign::encode(r#"{"type":"STOP_MARKET","stopPrice":28000,"workingType":"MARK_PRICE"}"#).as_str()
        )
    );
}

#[tokio::test(start_paused = true)]
async fn contract_discovery_is_cached_for_an_hour_with_a_stale_fallback() {
    const CONTRACTS: &str = "/openApi/swap/v2/quote/contracts";
    let (server, bx) = start().await;
    assert_eq!(bx.markets(MarketKind::LinearPerpetual).await.unwrap().len(), 2);
    bx.ticker(&perp()).await.unwrap();
    assert_eq!(server.log().count("GET", CONTRACTS), 1, "cached within the hour");

    tokio::time::advance(Duration::from_secs(3601)).await;
    server.faults().push(
        FaultRule::new(Fault::server_error(503, ""))
            .on("GET", CONTRACTS)
            .always(),
    );
    let stale = bx.markets(MarketKind::LinearPerpetual).await.unwrap();
    assert_eq!(stale.len(), 2, "a failed refresh falls back to the cached list");
    assert!(server.log().count("GET", CONTRACTS) >= 2, "a refresh was attempted");

    // With nothing cached the discovery error is reported, and no order is sent.
    let fresh = Bingx::with_registry(
        server.client_config_with(BingxSim::credentials()),
        &LimiterRegistry::new(),
    )
    .unwrap();
    let e = fresh.markets(MarketKind::LinearPerpetual).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    assert!(e.message().contains("discovery failed"), "{e}");
    let req = OrderRequest::market(perp(), Side::Buy, dec!(0.01)).build().unwrap();
    assert!(fresh.place_order(&req).await.is_err());
    assert_eq!(server.log().count("POST", ORDER_PATH), 0);
}

#[tokio::test]
async fn candles_are_fetched_in_windows_of_1440_bars() {
    const KLINES: &str = "/openApi/swap/v3/quote/klines";
    let (server, bx) = start().await;
    let minute = 60_000;
    let since = 1_700_000_000_000 - 1_700_000_000_000 % minute;
    let q = exch_core::CandleQuery::new(perp(), exch_core::Interval::M1)
        .since(since)
        .until(since + 3000 * minute);
    let bars = bx.candles(&q).await.unwrap();
    assert!(bars.is_empty(), "the simulator keeps no bars");
    let calls = server.log().find("GET", KLINES);
    assert_eq!(calls.len(), 3);
    let starts: Vec<i64> = calls
        .iter()
        .map(|c| c.query_param("startTime").unwrap().parse().unwrap())
        .collect();
    assert_eq!(starts, vec![since, since + 1440 * minute, since + 2880 * minute]);
    assert_eq!(calls[0].query_param("limit"), Some("1440"));
    assert_eq!(calls[0].query_param("interval"), Some("1m"));
}

#[tokio::test]
async fn a_timestamp_rejection_resyncs_the_clock_once() {
    const TIME: &str = "/openApi/swap/v2/server/time";
    let (server, bx) = start().await;
    bx.balances(AccountKind::Perpetual).await.unwrap();
    assert_eq!(server.log().count("GET", TIME), 1);
    // The venue's clock jumps after the offset was measured (and is still "fresh").
    server.clock().set_skew_ms(-60_000);
    let b = bx.balances(AccountKind::Perpetual).await.unwrap();
    assert!(!b.is_empty());
    assert_eq!(server.log().count("GET", TIME), 2, "one resync");
    assert_eq!(server.log().count("GET", "/openApi/swap/v3/user/balance"), 3);
    // A write rejected for its timestamp was not executed: it is re-signed and sent once more.
    server.clock().set_skew_ms(60_000);
    let o = bx
        .place_order(
            &OrderRequest::limit(perp(), Side::Buy, dec!(0.01), dec!(29000))
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(o.status, OrderStatus::New);
    assert_eq!(server.log().count("POST", ORDER_PATH), 2);
    assert_eq!(server.counters().orders_created, 1);
}
