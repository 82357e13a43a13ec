//! The real OKX client against the simulated OKX venue (exch-testkit, 127.0.0.1): orders,
//! partial fills, positions in contracts and base units, emulated cancel-all, candles in both
//! paging directions, demo header, clock sync, and the fault drills (429 Retry-After, 5xx
//! retried on reads only, lost placement response, malformed JSON, bad key, 50004).

use std::time::Duration;

use exch_core::{
    AccountKind, Candle, CandleQuery, ClientConfig, Credentials, Decimal, Environment, ErrorKind, Exchange, IncomeKind,
    IncomeQuery, Interval, Level, MarketKind, OrderQuery, OrderRef, OrderRequest, OrderStatus, OrderType, PositionMode,
    PositionSide, Side, Support, Symbol,
};
use exch_okx::sim::OkxSim;
use exch_okx::Okx;
use exch_testkit::{ApiKey, Fault, FaultRule, SimServer, VenueSim};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn sym(s: &str) -> Symbol {
    s.parse().unwrap()
}

async fn start() -> SimServer {
    exch_okx::sim::start().await.unwrap()
}

fn config(server: &SimServer) -> ClientConfig {
    server
        .client_config_with(OkxSim::credentials())
        .timeout(Duration::from_millis(2000))
}

fn client(server: &SimServer) -> Okx {
    Okx::new(config(server)).unwrap()
}

#[tokio::test]
async fn markets_are_in_base_units() {
    let server = start().await;
    let okx = client(&server);
    let m = okx.market(&sym("BTC/USDT:USDT")).await.unwrap();
    assert_eq!(m.venue_symbol, "BTC-USDT-SWAP");
    assert_eq!(m.contract_size, d("0.01"));
    assert_eq!(m.step_size, d("0.001"));
    let spot = okx.markets(MarketKind::Spot).await.unwrap();
    assert!(spot.iter().any(|m| m.symbol == sym("ETH/USDT")));
    assert!(okx.server_time().await.unwrap() > 0);
    let e = okx.market(&sym("DOGE/USDT")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadSymbol);
}

#[tokio::test]
async fn market_data() {
    let server = start().await;
    let okx = client(&server);
    let book = okx.order_book(&sym("BTC/USDT:USDT"), Some(5)).await.unwrap();
    assert_eq!(book.best_bid().unwrap().price, d("50000"));
    assert_eq!(book.best_ask().unwrap().qty, d("2"), "200 contracts x 0.01 BTC = 2 BTC");
    let q = server.log().find("GET", "/api/v5/market/books");
    assert_eq!(q.last().unwrap().query_param("sz"), Some("5"));
    let t = okx.ticker(&sym("ETH/USDT")).await.unwrap();
    assert_eq!(t.bid, Some(d("3000")));
    let all = okx.tickers(MarketKind::LinearPerpetual).await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|t| t.symbol.is_perpetual()));
}

#[tokio::test]
async fn place_get_cancel() {
    let server = start().await;
    let okx = client(&server);
    let s = sym("BTC/USDT");
    let req = OrderRequest::limit(s.clone(), Side::Buy, d("0.01"), d("40000"))
        .client_order_id("myorder1")
        .build()
        .unwrap();
    let placed = okx.place_order(&req).await.unwrap();
    assert_eq!(placed.status, OrderStatus::New);
    assert_eq!(placed.client_order_id.as_deref(), Some("myorder1"));
    let by_id = okx.order(&s, &OrderRef::Id(placed.id.clone())).await.unwrap();
    assert_eq!(by_id.qty, d("0.01"));
    assert_eq!(by_id.price, Some(d("40000")));
    let by_cid = okx.order(&s, &OrderRef::Client("myorder1".into())).await.unwrap();
    assert_eq!(by_cid.id, placed.id);
    let open = okx.open_orders(Some(&s), MarketKind::Spot).await.unwrap();
    assert_eq!(open.len(), 1);
    let cancelled = okx.cancel_order(&s, &OrderRef::Id(placed.id.clone())).await.unwrap();
    assert_eq!(cancelled.status, OrderStatus::Canceled);
    assert!(okx.open_orders(Some(&s), MarketKind::Spot).await.unwrap().is_empty());
    let again = okx
        .cancel_order(&s, &OrderRef::Id(placed.id.clone()))
        .await
        .unwrap_err();
    assert_eq!(again.kind(), ErrorKind::OrderNotFound);
    let missing = okx.order(&s, &OrderRef::Client("nope".into())).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::OrderNotFound);
    let hist = okx.order_history(&OrderQuery::symbol(s.clone())).await.unwrap();
    assert!(hist
        .iter()
        .any(|o| o.id == placed.id && o.status == OrderStatus::Canceled));
    // Signed: every private request carried the four OK-ACCESS headers.
    let last = server.log().find("POST", "/api/v5/trade/order").pop().unwrap();
    for h in [
        "ok-access-key",
        "ok-access-sign",
        "ok-access-timestamp",
        "ok-access-passphrase",
    ] {
        assert!(last.header(h).is_some(), "{h}");
    }
}

#[tokio::test]
async fn rejections_are_typed() {
    let server = start().await;
    let okx = client(&server);
    let too_big = OrderRequest::limit(sym("BTC/USDT"), Side::Buy, d("1000"), d("40000"))
        .build()
        .unwrap();
    assert_eq!(
        okx.place_order(&too_big).await.unwrap_err().kind(),
        ErrorKind::InsufficientFunds
    );
    let a = OrderRequest::limit(sym("BTC/USDT"), Side::Buy, d("0.01"), d("40000"))
        .client_order_id("dup1")
        .build()
        .unwrap();
    okx.place_order(&a).await.unwrap();
    assert_eq!(
        okx.place_order(&a).await.unwrap_err().kind(),
        ErrorKind::DuplicateClientOrderId
    );
    // Not a whole number of lots (0.1 contract = 0.001 BTC): refused before sending.
    let odd = OrderRequest::market(sym("BTC/USDT:USDT"), Side::Buy, d("0.0005"))
        .build()
        .unwrap();
    let e = okx.place_order(&odd).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOrder);
}

#[tokio::test]
async fn partial_fill_in_contracts() {
    let server = start().await;
    let perp = sym("BTC/USDT:USDT");
    server.state().set_book(
        &perp,
        vec![Level {
            price: d("49000"),
            qty: d("1"),
        }],
        vec![Level {
            price: d("50000"),
            qty: d("0.02"),
        }],
    );
    let okx = client(&server);
    let req = OrderRequest::limit(perp.clone(), Side::Buy, d("0.05"), d("50000"))
        .build()
        .unwrap();
    let placed = okx.place_order(&req).await.unwrap();
    let body = server
        .log()
        .find("POST", "/api/v5/trade/order")
        .pop()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(body["sz"], "5", "0.05 BTC = 5 contracts of 0.01");
    assert_eq!(body["tdMode"], "cross");
    let o = okx.order(&perp, &OrderRef::Id(placed.id)).await.unwrap();
    assert_eq!(o.status, OrderStatus::PartiallyFilled);
    assert_eq!(o.filled_qty, d("0.02"));
    assert_eq!(o.qty, d("0.05"));
    let pos = okx.positions(Some(&perp)).await.unwrap();
    assert_eq!(pos.len(), 1);
    assert_eq!(pos[0].size, d("0.02"));
    assert_eq!(pos[0].contracts, d("2"));
    assert_eq!(pos[0].contract_size, d("0.01"));
}

#[tokio::test]
async fn positions_both_sides_in_hedge_mode_and_close() {
    let server = start().await;
    let okx = client(&server);
    let perp = sym("BTC/USDT:USDT");
    okx.set_position_mode(PositionMode::Hedge).await.unwrap();
    okx.set_leverage(&perp, 10).await.unwrap();
    let long = OrderRequest::market(perp.clone(), Side::Buy, d("0.03"))
        .position_side(PositionSide::Long)
        .build()
        .unwrap();
    let short = OrderRequest::market(perp.clone(), Side::Sell, d("0.02"))
        .position_side(PositionSide::Short)
        .build()
        .unwrap();
    // OKX acknowledges with ids only; the client reads the order back, so a market order that
    // filled at once is reported filled (never "accepted" taken for "resting" or "filled").
    let placed = okx.place_order(&long).await.unwrap();
    assert_eq!((placed.status, placed.filled_qty), (OrderStatus::Filled, d("0.03")));
    assert!(placed.avg_price.is_some());
    okx.place_order(&short).await.unwrap();
    let body = server
        .log()
        .find("POST", "/api/v5/trade/order")
        .pop()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(body["posSide"], "short");
    let mut pos = okx.positions(None).await.unwrap();
    pos.sort_by_key(|p| p.side == PositionSide::Short);
    assert_eq!(pos.len(), 2);
    assert_eq!(
        (pos[0].side, pos[0].size, pos[0].contracts),
        (PositionSide::Long, d("0.03"), d("3"))
    );
    assert_eq!(
        (pos[1].side, pos[1].size, pos[1].contracts),
        (PositionSide::Short, d("0.02"), d("2"))
    );
    assert!(pos.iter().all(|p| p.position_mode == Some(PositionMode::Hedge)));
    assert_eq!(pos[0].leverage, Some(d("10")));
    let closed = okx.close_position(&perp, Some(PositionSide::Long)).await.unwrap();
    assert_eq!(closed.side, Side::Sell);
    let left = okx.positions(Some(&perp)).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].side, PositionSide::Short);
}

#[tokio::test]
async fn one_way_close_and_balances() {
    let server = start().await;
    let okx = client(&server);
    let perp = sym("ETH/USDT:USDT");
    okx.place_order(
        &OrderRequest::market(perp.clone(), Side::Sell, d("0.5"))
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let pos = okx.positions(Some(&perp)).await.unwrap();
    assert_eq!((pos[0].side, pos[0].contracts), (PositionSide::Short, d("5")));
    assert_eq!(pos[0].position_mode, Some(PositionMode::OneWay));
    okx.close_position(&perp, None).await.unwrap();
    let body = server
        .log()
        .find("POST", "/api/v5/trade/order")
        .pop()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(body["reduceOnly"], true);
    assert!(okx.positions(Some(&perp)).await.unwrap().is_empty());
    let bal = okx.balances(AccountKind::Spot).await.unwrap();
    assert!(bal.iter().any(|b| b.asset == "BTC" && b.total == d("10")));
    assert!(bal.iter().all(|b| !b.total.is_zero()), "no zero rows");
}

#[tokio::test]
async fn emulated_cancel_all_in_batches_of_twenty() {
    let server = start().await;
    let okx = client(&server);
    assert_eq!(okx.capabilities().cancel_all_orders, Support::Emulated);
    let s = sym("BTC/USDT");
    for i in 0..25 {
        let px = d("40000") - Decimal::from(i);
        okx.place_order(
            &OrderRequest::limit(s.clone(), Side::Buy, d("0.001"), px)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    }
    let cancelled = okx.cancel_all_orders(&s).await.unwrap();
    assert_eq!(cancelled.len(), 25);
    assert!(cancelled.iter().all(|o| o.status == OrderStatus::Canceled));
    assert_eq!(server.log().count("POST", "/api/v5/trade/cancel-batch-orders"), 2);
    assert!(okx.open_orders(Some(&s), MarketKind::Spot).await.unwrap().is_empty());
}

#[tokio::test]
async fn stop_orders_are_algo_orders() {
    let server = start().await;
    let okx = client(&server);
    let perp = sym("BTC/USDT:USDT");
    let stop = OrderRequest::builder(perp.clone(), Side::Sell, OrderType::StopMarket, d("0.01"))
        .trigger_price(d("45000"))
        .client_order_id("stop1")
        .build()
        .unwrap();
    let placed = okx.place_order(&stop).await.unwrap();
    assert_eq!(placed.status, OrderStatus::Pending);
    let body = server
        .log()
        .find("POST", "/api/v5/trade/order-algo")
        .pop()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        (body["ordType"].as_str(), body["sz"].as_str()),
        (Some("trigger"), Some("1"))
    );
    let got = okx.order(&perp, &OrderRef::Id(placed.id.clone())).await.unwrap();
    assert_eq!(got.trigger_price, Some(d("45000")));
    let c = okx.cancel_order(&perp, &OrderRef::Id(placed.id)).await.unwrap();
    assert_eq!(c.status, OrderStatus::Canceled);
}

fn bars(start: i64, n: i64, step: i64) -> Vec<Candle> {
    (0..n)
        .map(|i| Candle {
            open_time: start + i * step,
            open: Decimal::from(100 + i),
            high: Decimal::from(101 + i),
            low: Decimal::from(99 + i),
            close: Decimal::from(100 + i),
            volume: d("0.5"),
            quote_volume: None,
            closed: Some(true),
        })
        .collect()
}

#[tokio::test]
async fn candles_page_both_ways() {
    let server = start().await;
    let okx = client(&server);
    let minute = 60_000;
    let now = server.server_time_ms() / minute * minute;
    let first = now - 2999 * minute;
    exch_okx::sim::set_candles(&server, "BTC-USDT-SWAP", bars(first, 3000, minute));
    let perp = sym("BTC/USDT:USDT");
    // Forward from `since`, 2000 bars back: older than the 1440 reachable through /candles.
    let q = CandleQuery::new(perp.clone(), Interval::M1)
        .since(first + 10 * minute)
        .until(first + 709 * minute);
    let c = okx.candles(&q).await.unwrap();
    assert_eq!(c.len(), 700);
    assert_eq!(c[0].open_time, first + 10 * minute);
    assert!(
        c.windows(2).all(|w| w[1].open_time - w[0].open_time == minute),
        "ascending, no gaps or duplicates"
    );
    assert_eq!(c[0].volume, d("0.5"), "contracts converted back to base units");
    assert!(server.log().count("GET", "/api/v5/market/history-candles") >= 7);
    // Backward without `since`: the latest bars.
    let q = CandleQuery::new(perp.clone(), Interval::M1).limit(450);
    let c = okx.candles(&q).await.unwrap();
    assert_eq!(c.len(), 450);
    assert_eq!(c.last().unwrap().open_time, now);
    assert!(c.windows(2).all(|w| w[1].open_time - w[0].open_time == minute));
    assert!(server.log().count("GET", "/api/v5/market/candles") >= 2);
}

#[tokio::test]
async fn funding_income_from_bills() {
    let server = start().await;
    let okx = client(&server);
    let perp = sym("BTC/USDT:USDT");
    okx.place_order(&OrderRequest::market(perp.clone(), Side::Buy, d("0.1")).build().unwrap())
        .await
        .unwrap();
    server.state().apply_funding(&perp, d("0.0001")).unwrap();
    let q = IncomeQuery {
        kind: Some(IncomeKind::Funding),
        ..IncomeQuery::default()
    };
    let inc = okx.income(&q).await.unwrap();
    assert_eq!(inc.len(), 1);
    assert_eq!(inc[0].kind, IncomeKind::Funding);
    assert!(inc[0].amount < Decimal::ZERO, "longs pay positive funding");
    let bills = server.log().find("GET", "/api/v5/account/bills").pop().unwrap();
    assert_eq!(bills.query_param("type"), Some("8"));
}

#[tokio::test]
async fn demo_header_and_clock_sync() {
    let server = start().await;
    // The venue clock runs 45 s ahead: beyond the 30 s window unless timestamps follow it.
    server.clock().set_skew_ms(45_000);
    let okx = Okx::new(config(&server).environment(Environment::Demo)).unwrap();
    okx.balances(AccountKind::Spot).await.unwrap();
    let last = server.log().find("GET", "/api/v5/account/balance").pop().unwrap();
    assert_eq!(last.header("x-simulated-trading"), Some("1"));
    assert!(server.log().count("GET", "/api/v5/public/time") >= 1, "clock measured");
}

// ------------------------------------------------------------------------------ fault drills

#[tokio::test(start_paused = true)]
async fn drill_429_retry_after_is_honoured() {
    let server = start().await;
    let okx = client(&server);
    let s = sym("BTC/USDT");
    okx.market(&s).await.unwrap();
    server
        .faults()
        .push(FaultRule::new(Fault::rate_limited(3)).on("GET", "/api/v5/market/ticker"));
    let t0 = tokio::time::Instant::now();
    let t = okx.ticker(&s).await.unwrap();
    assert!(t.bid.is_some());
    assert!(t0.elapsed() >= Duration::from_secs(3), "waited {:?}", t0.elapsed());
    assert_eq!(server.log().count("GET", "/api/v5/market/ticker"), 2);
}

#[tokio::test(start_paused = true)]
async fn drill_5xx_retried_on_reads_only() {
    let server = start().await;
    let okx = client(&server);
    let s = sym("BTC/USDT");
    okx.market(&s).await.unwrap();
    server
        .faults()
        .push(FaultRule::new(Fault::server_error(503, "")).on("GET", "/api/v5/market/ticker"));
    okx.ticker(&s).await.unwrap();
    assert_eq!(server.log().count("GET", "/api/v5/market/ticker"), 2, "read retried");
    server
        .faults()
        .push(FaultRule::new(Fault::server_error(502, "")).on("POST", "/api/v5/trade/order"));
    let req = OrderRequest::limit(s.clone(), Side::Buy, d("0.01"), d("40000"))
        .client_order_id("fivexx1")
        .build()
        .unwrap();
    let e = okx.place_order(&req).await.unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::OrderNotFound,
        "reconciled: the venue never took it ({e})"
    );
    assert_eq!(
        server.log().count("POST", "/api/v5/trade/order"),
        1,
        "placement never re-sent"
    );
    assert_eq!(server.counters().orders_created, 0);
}

#[tokio::test(start_paused = true)]
async fn drill_lost_placement_response_reconciles_to_one_order() {
    let server = start().await;
    let okx = Okx::new(config(&server).timeout(Duration::from_millis(300))).unwrap();
    let s = sym("BTC/USDT");
    okx.market(&s).await.unwrap();
    server
        .faults()
        .push(FaultRule::new(Fault::LoseResponse(Duration::from_millis(600))).on("POST", "/api/v5/trade/order"));
    let req = OrderRequest::limit(s.clone(), Side::Buy, d("0.01"), d("40000"))
        .client_order_id("lost1")
        .build()
        .unwrap();
    let o = okx.place_order(&req).await.unwrap();
    assert_eq!(o.client_order_id.as_deref(), Some("lost1"));
    assert_eq!(o.status, OrderStatus::New);
    assert_eq!(server.counters().orders_created, 1, "exactly one order on the venue");
    assert_eq!(server.log().count("POST", "/api/v5/trade/order"), 1);
    assert_eq!(okx.open_orders(Some(&s), MarketKind::Spot).await.unwrap().len(), 1);
}

#[tokio::test]
async fn drill_malformed_json_is_decode() {
    let server = start().await;
    let okx = client(&server);
    let s = sym("BTC/USDT");
    okx.market(&s).await.unwrap();
    server
        .faults()
        .push(FaultRule::new(Fault::Malformed).on("GET", "/api/v5/market/ticker"));
    let e = okx.ticker(&s).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.excerpt().is_some());
}

#[tokio::test]
async fn drill_bad_key_is_auth() {
    let server = start().await;
    let bad =
        Okx::new(server.client_config_with(Credentials::new("nobody", "secret").with_passphrase("pass"))).unwrap();
    let e = bad.balances(AccountKind::Spot).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert_eq!(e.code(), Some("50111"));
    server.keys().add(ApiKey::new("k2", "s2").with_passphrase("right"));
    let wrong_pass =
        Okx::new(server.client_config_with(Credentials::new("k2", "s2").with_passphrase("wrong"))).unwrap();
    assert_eq!(
        wrong_pass.balances(AccountKind::Spot).await.unwrap_err().code(),
        Some("50105")
    );
    let wrong_secret =
        Okx::new(server.client_config_with(Credentials::new("k2", "nope").with_passphrase("right"))).unwrap();
    let e = wrong_secret.balances(AccountKind::Spot).await.unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::InvalidSignature, Some("50113")));
}

#[tokio::test]
async fn drill_50004_reconciles() {
    let server = start().await;
    let okx = client(&server);
    let s = sym("BTC/USDT:USDT");
    okx.market(&s).await.unwrap();
    let body = r#"{"code":"1","msg":"","data":[{"ordId":"","clOrdId":"t50004","sCode":"50004","sMsg":"Endpoint request timeout"}]}"#;
    server.faults().push(
        FaultRule::new(Fault::RespondAfterHandler {
            status: 200,
            body: body.into(),
        })
        .on("POST", "/api/v5/trade/order"),
    );
    let req = OrderRequest::limit(s.clone(), Side::Buy, d("0.01"), d("40000"))
        .client_order_id("t50004")
        .build()
        .unwrap();
    let o = okx.place_order(&req).await.unwrap();
    assert_eq!(o.client_order_id.as_deref(), Some("t50004"));
    assert_eq!(o.qty, d("0.01"));
    assert_eq!(server.counters().orders_created, 1);
    assert_eq!(server.log().count("POST", "/api/v5/trade/order"), 1);
    assert_eq!(
        server.log().count("GET", "/api/v5/trade/order"),
        1,
        "looked up by client order id"
    );
}

#[tokio::test]
async fn drill_51149_not_placed_is_reported() {
    let server = start().await;
    let okx = client(&server);
    let s = sym("BTC/USDT");
    okx.market(&s).await.unwrap();
    let body =
        r#"{"code":"1","msg":"","data":[{"ordId":"","clOrdId":"t51149","sCode":"51149","sMsg":"Order timed out"}]}"#;
    server.faults().push(
        FaultRule::new(Fault::Respond {
            status: 200,
            body: body.into(),
        })
        .on("POST", "/api/v5/trade/order"),
    );
    let req = OrderRequest::limit(s.clone(), Side::Buy, d("0.01"), d("40000"))
        .client_order_id("t51149")
        .build()
        .unwrap();
    let e = okx.place_order(&req).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OrderNotFound);
    assert_eq!(server.counters().orders_created, 0);
    assert_eq!(server.log().count("POST", "/api/v5/trade/order"), 1);
}

#[tokio::test]
async fn venue_sim_start_uses_the_documented_key() {
    let server = <OkxSim as VenueSim>::start().await.unwrap();
    let okx = Okx::new(server.client_config_with(OkxSim::credentials())).unwrap();
    assert!(!okx.balances(AccountKind::Perpetual).await.unwrap().is_empty());
}

#[tokio::test]
async fn endpoint_limits_feed_the_core_limiter() {
    use exch_core::{LimiterKey, LimiterRegistry, Venue};
    let server = start().await;
    let okx = client(&server);
    let url = server.url("rest").unwrap();
    let public = LimiterRegistry::global().limiter(&LimiterKey::api_key(Venue::Okx, &format!("public@{url}")));
    let q = public.quota("GET /api/v5/market/candles").unwrap();
    assert_eq!((q.limit(), q.interval()), (40, Duration::from_secs(2)));
    assert_eq!(public.quota("GET /api/v5/public/time").unwrap().limit(), 10);
    okx.place_order(
        &OrderRequest::limit(sym("BTC/USDT"), Side::Buy, d("0.01"), d("40000"))
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let key = format!("{}@{url}", exch_testkit::SIM_API_KEY);
    let private = LimiterRegistry::global().limiter(&LimiterKey::api_key(Venue::Okx, &key));
    assert_eq!(private.quota("GET /api/v5/account/balance").unwrap().limit(), 10);
    // Trading endpoints are limited per instrument.
    let per_inst = private.quota("POST /api/v5/trade/order BTC-USDT").unwrap();
    assert_eq!(per_inst.limit(), 60);
}

#[tokio::test]
async fn margin_mode_is_chosen_per_order() {
    let server = start().await;
    let okx = client(&server);
    assert_eq!(okx.capabilities().set_margin_mode, Support::Emulated);
    let perp = sym("BTC/USDT:USDT");
    okx.set_margin_mode(&perp, exch_core::MarginMode::Isolated)
        .await
        .unwrap();
    okx.place_order(
        &OrderRequest::market(perp.clone(), Side::Buy, d("0.01"))
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let body = server
        .log()
        .find("POST", "/api/v5/trade/order")
        .pop()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(body["tdMode"], "isolated");
    // Isolated leverage in long/short mode is set per side.
    let server = start().await;
    server
        .state()
        .set_position_mode(exch_testkit::DEFAULT_ACCOUNT, PositionMode::Hedge)
        .unwrap();
    let okx = client(&server);
    okx.set_margin_mode(&perp, exch_core::MarginMode::Isolated)
        .await
        .unwrap();
    assert_eq!(okx.position_mode().await.unwrap(), PositionMode::Hedge);
    okx.set_leverage(&perp, 7).await.unwrap();
    let sets = server.log().find("POST", "/api/v5/account/set-leverage");
    let sides: Vec<String> = sets
        .iter()
        .filter_map(|r| r.json().and_then(|j| j["posSide"].as_str().map(str::to_string)))
        .collect();
    assert_eq!(sides, vec!["long", "short"]);
    assert!(sets.iter().all(|r| r.json().unwrap()["mgnMode"] == "isolated"));
    let e = okx
        .set_margin_mode(&sym("BTC/USDT"), exch_core::MarginMode::Cross)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadSymbol);
}

// 120 placements exceed the 60-per-2-s placement limit: the limiter makes the client wait
// (on tokio's paused clock, so no real time passes).
#[tokio::test(start_paused = true)]
async fn open_orders_page_past_one_hundred() {
    let server = start().await;
    let okx = client(&server);
    let s = sym("BTC/USDT");
    let t0 = tokio::time::Instant::now();
    for i in 0..120 {
        let px = d("30000") + Decimal::from(i);
        okx.place_order(
            &OrderRequest::limit(s.clone(), Side::Buy, d("0.001"), px)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    }
    assert!(
        t0.elapsed() >= Duration::from_secs(1),
        "throttled to 60 placements per 2 s per instrument"
    );
    let open = okx.open_orders(Some(&s), MarketKind::Spot).await.unwrap();
    assert_eq!(open.len(), 120);
    let ids: std::collections::HashSet<&str> = open.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids.len(), 120, "no order listed twice");
    assert_eq!(server.log().count("GET", "/api/v5/trade/orders-pending"), 2);
    let cancelled = okx.cancel_all_orders(&s).await.unwrap();
    assert_eq!(cancelled.len(), 120);
    assert_eq!(server.log().count("POST", "/api/v5/trade/cancel-batch-orders"), 6);
}

#[tokio::test]
async fn drill_50004_on_an_algo_order_reconciles_by_algo_client_id() {
    let server = start().await;
    let okx = client(&server);
    let perp = sym("BTC/USDT:USDT");
    okx.market(&perp).await.unwrap();
    let body = r#"{"code":"1","msg":"","data":[{"algoId":"","algoClOrdId":"algo1","sCode":"50004","sMsg":"Endpoint request timeout"}]}"#;
    server.faults().push(
        FaultRule::new(Fault::RespondAfterHandler {
            status: 200,
            body: body.into(),
        })
        .on("POST", "/api/v5/trade/order-algo"),
    );
    let stop = OrderRequest::builder(perp.clone(), Side::Sell, OrderType::StopMarket, d("0.01"))
        .trigger_price(d("45000"))
        .client_order_id("algo1")
        .build()
        .unwrap();
    let o = okx.place_order(&stop).await.unwrap();
    assert_eq!(o.client_order_id.as_deref(), Some("algo1"));
    assert_eq!(o.status, OrderStatus::Pending);
    assert_eq!(server.counters().orders_created, 1);
    assert_eq!(server.log().count("GET", "/api/v5/trade/order-algo"), 1);
}

#[tokio::test(start_paused = true)]
async fn drill_50011_in_http_200_waits_and_retries_reads() {
    let server = start().await;
    let okx = client(&server);
    let s = sym("BTC/USDT");
    okx.market(&s).await.unwrap();
    let body = r#"{"code":"50011","msg":"Rate limit reached. Please refer to API documentation and throttle requests accordingly.","data":[]}"#;
    server.faults().push(
        FaultRule::new(Fault::Respond {
            status: 200,
            body: body.into(),
        })
        .on("GET", "/api/v5/market/ticker"),
    );
    let t0 = tokio::time::Instant::now();
    okx.ticker(&s).await.unwrap();
    assert!(t0.elapsed() >= Duration::from_secs(2), "OKX limits are per 2 s");
    assert_eq!(server.log().count("GET", "/api/v5/market/ticker"), 2);
}

#[tokio::test(start_paused = true)]
async fn clock_skew_rejection_resyncs_once() {
    let server = start().await;
    let okx = client(&server);
    okx.balances(AccountKind::Spot).await.unwrap();
    assert_eq!(server.log().count("GET", "/api/v5/public/time"), 1);
    // The venue clock jumps 60 s ahead: the cached offset now gives stale timestamps.
    server.clock().set_skew_ms(60_000);
    okx.balances(AccountKind::Spot).await.unwrap();
    assert_eq!(
        server.log().count("GET", "/api/v5/public/time"),
        2,
        "resynced after 50102"
    );
    assert_eq!(
        server.log().count("GET", "/api/v5/account/balance"),
        3,
        "one rejected, one retried"
    );
}

#[tokio::test]
async fn realized_pnl_and_fees_from_trade_bills() {
    let server = start().await;
    let okx = client(&server);
    let perp = sym("BTC/USDT:USDT");
    okx.place_order(&OrderRequest::market(perp.clone(), Side::Buy, d("0.1")).build().unwrap())
        .await
        .unwrap();
    server.state().set_book(
        &perp,
        vec![Level {
            price: d("51000"),
            qty: d("5"),
        }],
        vec![Level {
            price: d("51000.1"),
            qty: d("5"),
        }],
    );
    okx.close_position(&perp, None).await.unwrap();
    let pnl = okx
        .income(&IncomeQuery {
            kind: Some(IncomeKind::RealizedPnl),
            ..IncomeQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(pnl.len(), 1);
    assert_eq!(pnl[0].amount, d("99.99"), "bought 0.1 at 50000.1, sold at 51000");
    let fees = okx
        .income(&IncomeQuery {
            kind: Some(IncomeKind::Fee),
            ..IncomeQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(fees.len(), 2);
    assert!(fees
        .iter()
        .all(|f| f.amount < Decimal::ZERO && f.kind == IncomeKind::Fee));
    let bills = server.log().find("GET", "/api/v5/account/bills").pop().unwrap();
    assert_eq!(bills.query_param("type"), Some("2"));
}
