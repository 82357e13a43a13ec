//! The real client against the simulated Binance (`exch_binance::sim` on exch-testkit):
//! trading round trips, partial fills, positions, settings, market data with pagination, and
//! the fault drills (Retry-After, 5xx on reads only, a lost placement response, malformed
//! JSON, a bad key, clock skew).
//!
//! Every test uses its own API key, so that the process-wide rate limiters of different tests
//! never share buckets.

use std::time::Duration;

use exch_binance::{sim, Binance};
use exch_core::{
    AccountKind, CandleQuery, Credentials, ErrorKind, Exchange, IncomeKind, IncomeQuery, Interval, MarginMode,
    MarketKind, OrderQuery, OrderRef, OrderRequest, OrderStatus, OrderType, PositionMode, PositionSide, RetryPolicy,
    Side, Symbol, TimeInForce,
};
use exch_testkit::{ApiKey, Fault, FaultRule, SimHandle, SimServer, DEFAULT_ACCOUNT};
use rust_decimal_macros::dec;

fn btc() -> Symbol {
    "BTC/USDT".parse().unwrap()
}

fn perp() -> Symbol {
    "BTC/USDT:USDT".parse().unwrap()
}

fn retry() -> RetryPolicy {
    RetryPolicy::new()
        .delays(Duration::from_millis(1), Duration::from_millis(2))
        .jitter(false)
}

async fn setup_with(name: &str, timeout: Duration) -> (SimServer, Binance) {
    let handle = SimHandle::new();
    sim::seed(&handle);
    let key = format!("key-{name}");
    let secret = format!("secret-{name}");
    handle.keys().add(ApiKey::new(&key, &secret));
    let server = sim::start_with(handle).await.unwrap();
    let config = server
        .client_config()
        .credentials(Credentials::new(key, secret))
        .timeout(timeout);
    let client = Binance::with_retry_policy(config, retry()).unwrap();
    (server, client)
}

async fn setup(name: &str) -> (SimServer, Binance) {
    setup_with(name, Duration::from_secs(5)).await
}

#[tokio::test]
async fn spot_place_get_cancel() {
    let (server, bn) = setup("spot_place_get_cancel").await;
    let req = OrderRequest::limit(btc(), Side::Buy, dec!(0.01), dec!(29000))
        .client_order_id("my-order-1")
        .build()
        .unwrap();
    let placed = bn.place_order(&req).await.unwrap();
    assert_eq!(placed.status, OrderStatus::New);
    assert_eq!(placed.client_order_id.as_deref(), Some("my-order-1"));
    assert!(
        placed.id.parse::<u64>().unwrap() > 1 << 53,
        "ids above 2^53 survive: {}",
        placed.id
    );
    let by_id = bn.order(&btc(), &OrderRef::Id(placed.id.clone())).await.unwrap();
    let by_cid = bn.order(&btc(), &OrderRef::Client("my-order-1".into())).await.unwrap();
    assert_eq!(by_id, by_cid);
    assert_eq!(by_id.price, Some(dec!(29000)));
    assert_eq!(bn.open_orders(Some(&btc()), MarketKind::Spot).await.unwrap().len(), 1);
    let cancelled = bn.cancel_order(&btc(), &OrderRef::Id(placed.id.clone())).await.unwrap();
    assert_eq!(cancelled.status, OrderStatus::Canceled);
    assert!(bn.open_orders(Some(&btc()), MarketKind::Spot).await.unwrap().is_empty());
    let e = bn.cancel_order(&btc(), &OrderRef::Id(placed.id)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OrderNotFound);
    assert_eq!(e.code(), Some("-2011"));
    let history = bn.order_history(&OrderQuery::symbol(btc())).await.unwrap();
    assert_eq!(history.len(), 1);
    // The placement was signed and sent as a form body.
    let post = &server.log().find("POST", "/api/v3/order")[0];
    assert!(post.body.contains("type=LIMIT&timeInForce=GTC"), "{}", post.body);
    assert!(post.body.contains("&signature="));
    assert_eq!(post.header("x-mbx-apikey"), Some("key-spot_place_get_cancel"));
}

#[tokio::test]
async fn spot_partial_fill_and_cancel_all() {
    let (server, bn) = setup("spot_partial_fill").await;
    // 0.5 BTC rests at 30000.01; buying 1 BTC at that price fills half and rests the rest.
    let req = OrderRequest::limit(btc(), Side::Buy, dec!(1), dec!(30000.01))
        .build()
        .unwrap();
    let o = bn.place_order(&req).await.unwrap();
    assert_eq!(o.status, OrderStatus::PartiallyFilled);
    assert_eq!(o.filled_qty, dec!(0.5));
    assert_eq!(o.avg_price, Some(dec!(30000.01)));
    let btc_bal = bn.balances(AccountKind::Spot).await.unwrap();
    let b = btc_bal.iter().find(|b| b.asset == "BTC").unwrap();
    assert!(b.total > dec!(2));
    assert!(btc_bal.iter().all(|b| !b.total.is_zero()), "no zero rows");
    let cancelled = bn.cancel_all_orders(&btc()).await.unwrap();
    assert_eq!(cancelled.len(), 1);
    assert_eq!(cancelled[0].status, OrderStatus::Canceled);
    assert_eq!(server.counters().orders_cancelled, 1);
}

#[tokio::test]
async fn post_only_ioc_fok_and_validation_before_sending() {
    let (server, bn) = setup("post_only").await;
    let taker = OrderRequest::limit(btc(), Side::Buy, dec!(0.1), dec!(30000.01))
        .post_only()
        .build()
        .unwrap();
    let e = bn.place_order(&taker).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOrder, "{e}");
    assert!(server.log().find("POST", "/api/v3/order")[0]
        .body
        .contains("type=LIMIT_MAKER"));
    let ptaker = OrderRequest::limit(perp(), Side::Buy, dec!(0.1), dec!(30000.1))
        .post_only()
        .build()
        .unwrap();
    let e = bn.place_order(&ptaker).await.unwrap_err();
    assert_eq!(e.code(), Some("-5022"));
    assert!(server.log().find("POST", "/fapi/v1/order")[0]
        .body
        .contains("timeInForce=GTX"));
    let ioc = OrderRequest::limit(btc(), Side::Buy, dec!(1), dec!(30000.01))
        .ioc()
        .build()
        .unwrap();
    let o = bn.place_order(&ioc).await.unwrap();
    assert_eq!(o.filled_qty, dec!(0.5));
    assert_eq!(o.time_in_force, Some(TimeInForce::Ioc));
    // 2 BTC rest at 30001: a fill-or-kill for 2.5 is killed whole.
    server
        .state()
        .deposit(DEFAULT_ACCOUNT, AccountKind::Spot, "USDT", dec!(1000000));
    let fok = OrderRequest::limit(btc(), Side::Buy, dec!(2.5), dec!(30001))
        .fok()
        .build()
        .unwrap();
    let o = bn.place_order(&fok).await.unwrap();
    assert_eq!(o.filled_qty, dec!(0));
    // Rules are checked against the market before anything is sent.
    let posts = server.log().len();
    let bad_step = OrderRequest::limit(btc(), Side::Buy, dec!(0.000001), dec!(29000))
        .build()
        .unwrap();
    let e = bn.place_order(&bad_step).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOrder);
    assert!(e.rule().is_some());
    let small = OrderRequest::limit(btc(), Side::Buy, dec!(0.0001), dec!(29000))
        .build()
        .unwrap();
    assert!(matches!(
        bn.place_order(&small).await.unwrap_err().rule(),
        Some(exch_core::OrderRule::MinNotional { .. })
    ));
    assert_eq!(server.log().len(), posts, "nothing was sent");
}

#[tokio::test]
async fn futures_positions_after_fills_one_way_and_hedge() {
    let (server, bn) = setup("futures_positions").await;
    bn.set_leverage(&perp(), 10).await.unwrap();
    bn.set_margin_mode(&perp(), MarginMode::Cross).await.unwrap(); // already cross: -4046 is fine
    let buy = OrderRequest::market(perp(), Side::Buy, dec!(0.2)).build().unwrap();
    let o = bn.place_order(&buy).await.unwrap();
    assert_eq!(o.status, OrderStatus::Filled);
    let pos = bn.positions(Some(&perp())).await.unwrap();
    assert_eq!(pos.len(), 1);
    assert_eq!((pos[0].side, pos[0].size), (PositionSide::Long, dec!(0.2)));
    assert_eq!(pos[0].position_mode, Some(PositionMode::OneWay));
    // Close: a reduce-only market order for the current size.
    let closed = bn.close_position(&perp(), None).await.unwrap();
    assert_eq!(closed.side, Side::Sell);
    assert!(closed.reduce_only);
    assert!(server.log().find("POST", "/fapi/v1/order")[1]
        .body
        .contains("reduceOnly=true"));
    assert!(bn.positions(None).await.unwrap().is_empty());

    bn.set_position_mode(PositionMode::Hedge).await.unwrap();
    bn.set_position_mode(PositionMode::Hedge).await.unwrap(); // -4059 no change is fine
    let long = OrderRequest::market(perp(), Side::Buy, dec!(0.1))
        .position_side(PositionSide::Long)
        .build()
        .unwrap();
    let short = OrderRequest::market(perp(), Side::Sell, dec!(0.3))
        .position_side(PositionSide::Short)
        .build()
        .unwrap();
    bn.place_order(&long).await.unwrap();
    bn.place_order(&short).await.unwrap();
    let mut pos = bn.positions(None).await.unwrap();
    pos.sort_by_key(|p| p.side == PositionSide::Short);
    assert_eq!(pos.len(), 2, "both sides in hedge mode");
    assert_eq!((pos[0].side, pos[0].size), (PositionSide::Long, dec!(0.1)));
    assert_eq!((pos[1].side, pos[1].size), (PositionSide::Short, dec!(0.3)));
    assert!(pos.iter().all(|p| p.position_mode == Some(PositionMode::Hedge)));
    let closed = bn.close_position(&perp(), Some(PositionSide::Short)).await.unwrap();
    assert_eq!(
        (closed.side, closed.position_side),
        (Side::Buy, Some(PositionSide::Short))
    );
    let last = server.log().find("POST", "/fapi/v1/order").pop().unwrap();
    assert!(last.body.contains("positionSide=SHORT") && !last.body.contains("reduceOnly"));
    let pos = bn.positions(None).await.unwrap();
    assert_eq!(pos.len(), 1);
    assert_eq!(pos[0].side, PositionSide::Long);
}

#[tokio::test]
async fn futures_conditional_orders_use_the_algo_endpoint() {
    let (server, bn) = setup("algo_orders").await;
    let stop = OrderRequest::builder(perp(), Side::Sell, OrderType::StopMarket, dec!(0.1))
        .trigger_price(dec!(25000))
        .client_order_id("stop-1")
        .build()
        .unwrap();
    let o = bn.place_order(&stop).await.unwrap();
    assert_eq!(o.status, OrderStatus::Pending);
    assert_eq!(o.order_type, OrderType::StopMarket);
    assert_eq!(o.trigger_price, Some(dec!(25000)));
    let post = &server.log().find("POST", "/fapi/v1/algoOrder")[0];
    assert!(post.body.contains("algoType=CONDITIONAL") && post.body.contains("triggerPrice=25000"));
    assert!(server.log().find("POST", "/fapi/v1/order").is_empty());
    let tp = OrderRequest::builder(perp(), Side::Sell, OrderType::TakeProfitLimit, dec!(0.1))
        .trigger_price(dec!(40000))
        .price(dec!(40000))
        .build()
        .unwrap();
    bn.place_order(&tp).await.unwrap();
    let trailing = OrderRequest::builder(perp(), Side::Sell, OrderType::TrailingStop, dec!(0.1))
        .callback_rate(dec!(1))
        .build()
        .unwrap();
    bn.place_order(&trailing).await.unwrap();
    let open = bn
        .open_orders(Some(&perp()), MarketKind::LinearPerpetual)
        .await
        .unwrap();
    assert_eq!(open.len(), 3);
    // Found by client id through the regular endpoint's miss and the algo endpoint.
    let got = bn.order(&perp(), &OrderRef::Client("stop-1".into())).await.unwrap();
    assert_eq!(got.id, o.id);
    let c = bn
        .cancel_order(&perp(), &OrderRef::Client("stop-1".into()))
        .await
        .unwrap();
    assert_eq!(c.status, OrderStatus::Canceled);
    bn.cancel_all_orders(&perp()).await.unwrap();
    assert!(bn
        .open_orders(Some(&perp()), MarketKind::LinearPerpetual)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(server.log().count("DELETE", "/fapi/v1/algoOpenOrders"), 1);
}

#[tokio::test]
async fn market_data_and_candle_pagination() {
    let (server, bn) = setup("market_data").await;
    let spot = bn.markets(MarketKind::Spot).await.unwrap();
    let m = spot.iter().find(|m| m.symbol == btc()).unwrap();
    assert_eq!(
        (m.tick_size, m.step_size, m.min_notional),
        (dec!(0.01), dec!(0.00001), Some(dec!(5)))
    );
    let perps = bn.markets(MarketKind::LinearPerpetual).await.unwrap();
    assert!(perps.iter().any(|m| m.symbol == perp() && m.tick_size == dec!(0.1)));
    assert_eq!(server.log().count("GET", "/api/v3/exchangeInfo"), 1);
    bn.markets(MarketKind::Spot).await.unwrap();
    assert_eq!(
        server.log().count("GET", "/api/v3/exchangeInfo"),
        1,
        "markets are cached"
    );

    let t = bn.ticker(&btc()).await.unwrap();
    assert_eq!(t.bid, Some(dec!(29999.99)));
    assert_eq!(bn.tickers(MarketKind::LinearPerpetual).await.unwrap().len(), 2);
    // Futures accepts only 5/10/20/50/100/500/1000: 7 is sent as 10 and cut to 7.
    let book = bn.order_book(&perp(), Some(7)).await.unwrap();
    assert!(book.bids.len() <= 7 && !book.asks.is_empty());
    assert_eq!(
        server.log().find("GET", "/fapi/v1/depth")[0].query_param("limit"),
        Some("10")
    );
    bn.place_order(&OrderRequest::market(btc(), Side::Buy, dec!(0.1)).build().unwrap())
        .await
        .unwrap();
    let trades = bn.trades(&btc(), Some(10)).await.unwrap();
    assert_eq!(trades.len(), 1);
    assert_eq!(trades[0].side, Some(Side::Buy));

    // 5000 one-minute candles: five pages of the spot maximum (1000), ascending, no duplicates.
    let now = bn.server_time().await.unwrap();
    let since = now - 6000 * 60_000;
    let q = CandleQuery::new(btc(), Interval::M1).since(since).limit(5000);
    let candles = bn.candles(&q).await.unwrap();
    assert_eq!(candles.len(), 5000);
    assert!(candles.windows(2).all(|w| w[1].open_time - w[0].open_time == 60_000));
    let pages = server.log().find("GET", "/api/v3/klines");
    assert_eq!(pages.len(), 5);
    assert!(pages.iter().all(|p| p.query_param("limit") == Some("1000")));
    // Futures pages hold 1500.
    let q = CandleQuery::new(perp(), Interval::M1).since(since).limit(3000);
    assert_eq!(bn.candles(&q).await.unwrap().len(), 3000);
    assert_eq!(server.log().count("GET", "/fapi/v1/klines"), 2);
}

#[tokio::test]
async fn settings_income_and_balances() {
    let (server, bn) = setup("settings").await;
    bn.set_margin_mode(&perp(), MarginMode::Isolated).await.unwrap();
    bn.set_leverage(&perp(), 20).await.unwrap();
    assert_eq!(
        bn.set_leverage(&perp(), 0).await.unwrap_err().kind(),
        ErrorKind::BadRequest
    );
    assert_eq!(
        bn.set_leverage(&btc(), 2).await.unwrap_err().kind(),
        ErrorKind::Unsupported
    );
    bn.place_order(&OrderRequest::market(perp(), Side::Buy, dec!(0.1)).build().unwrap())
        .await
        .unwrap();
    let pos = bn.positions(None).await.unwrap();
    assert_eq!(pos[0].margin_mode, Some(MarginMode::Isolated));
    server.state().apply_funding(&perp(), dec!(0.0001)).unwrap();
    let inc = bn
        .income(&IncomeQuery {
            kind: Some(IncomeKind::Funding),
            ..IncomeQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(inc.len(), 1);
    assert_eq!(inc[0].symbol, Some(perp()));
    assert!(inc[0].amount < dec!(0), "a long pays positive funding");
    let fut = bn.balances(AccountKind::Perpetual).await.unwrap();
    assert_eq!(fut.len(), 1);
    assert_eq!(fut[0].asset, "USDT");
    assert!(fut[0].free < fut[0].total);
}

#[tokio::test]
async fn futures_history_over_more_than_seven_days_is_read_in_windows() {
    let (server, bn) = setup("history_windows").await;
    let o = bn
        .place_order(
            &OrderRequest::limit(perp(), Side::Buy, dec!(0.01), dec!(29000))
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let now = bn.server_time().await.unwrap();
    let mut q = OrderQuery::symbol(perp());
    q.since = Some(now - 20 * 86_400_000);
    q.until = Some(now + 60_000);
    let history = bn.order_history(&q).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].id, o.id);
    let calls = server.log().find("GET", "/fapi/v1/allOrders");
    assert_eq!(calls.len(), 3, "20 days in windows under 7 days");
    assert_eq!(server.log().count("GET", "/fapi/v1/allAlgoOrders"), 3);
}

#[tokio::test]
async fn recv_window_and_timestamp_come_from_config_and_clock_sync() {
    let (server, _) = setup("recv_window").await;
    let config = server
        .client_config()
        .credentials(Credentials::new("key-recv_window", "secret-recv_window"))
        .recv_window(Duration::from_millis(10_000));
    let bn = Binance::with_retry_policy(config, retry()).unwrap();
    server.clock().set_skew_ms(-20_000);
    bn.balances(AccountKind::Spot).await.unwrap();
    let req = server.log().find("GET", "/api/v3/account").pop().unwrap();
    assert_eq!(req.query_param("recvWindow"), Some("10000"));
    let ts: i64 = req.query_param("timestamp").unwrap().parse().unwrap();
    assert!(
        (ts - req.time_ms).abs() < 5_000,
        "timestamp follows the venue clock, not the local one"
    );
    assert_eq!(server.log().count("GET", "/api/v3/time"), 1);
}

// ----- fault drills ------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured() {
    let (server, bn) = setup("retry_after").await;
    server
        .faults()
        .push(FaultRule::new(Fault::rate_limited(3)).on("GET", "/api/v3/depth"));
    bn.markets(MarketKind::Spot).await.unwrap();
    let start = tokio::time::Instant::now();
    let book = bn.order_book(&btc(), Some(5)).await.unwrap();
    assert!(!book.bids.is_empty());
    assert!(
        tokio::time::Instant::now() - start >= Duration::from_secs(3),
        "waited Retry-After"
    );
    assert_eq!(server.log().count("GET", "/api/v3/depth"), 2);
    let times: Vec<_> = server
        .log()
        .find("GET", "/api/v3/depth")
        .iter()
        .map(|r| r.time_ms)
        .collect();
    assert_eq!(times.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_418_ban_is_returned_and_pauses_every_request_until_retry_after() {
    let (server, bn) = setup("banned").await;
    bn.markets(MarketKind::Spot).await.unwrap();
    server
        .faults()
        .push(FaultRule::new(Fault::banned(120)).on("GET", "/api/v3/depth"));
    let e = bn.order_book(&btc(), None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Banned);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(server.log().count("GET", "/api/v3/depth"), 1, "a ban is not retried");
    let start = tokio::time::Instant::now();
    bn.ticker(&btc()).await.unwrap();
    assert!(
        tokio::time::Instant::now() - start >= Duration::from_secs(119),
        "waited out the ban"
    );
}

#[tokio::test]
async fn server_errors_are_retried_on_reads_only() {
    let (server, bn) = setup("server_errors").await;
    server
        .faults()
        .push(FaultRule::new(Fault::server_error(502, "Bad Gateway")).on("GET", "/api/v3/depth"));
    bn.order_book(&btc(), None).await.unwrap();
    assert_eq!(server.log().count("GET", "/api/v3/depth"), 2, "the read was retried");

    // A 503 on placement (handler not run): sent once, reconciled, reported as not accepted.
    server
        .faults()
        .push(FaultRule::new(Fault::server_error(503, "Service Unavailable")).on("POST", "/api/v3/order"));
    let req = OrderRequest::limit(btc(), Side::Buy, dec!(0.01), dec!(29000))
        .client_order_id("five-oh-three")
        .build()
        .unwrap();
    let e = bn.place_order(&req).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OrderNotFound, "{e}");
    assert_eq!(server.log().count("POST", "/api/v3/order"), 1, "never re-sent");
    assert_eq!(server.counters().orders_created, 0);
    let lookups = server.log().find("GET", "/api/v3/order");
    assert_eq!(lookups[0].query_param("origClientOrderId"), Some("five-oh-three"));
}

#[tokio::test(start_paused = true)]
async fn lost_placement_response_is_reconciled_by_client_order_id() {
    let (server, bn) = setup_with("lost_response", Duration::from_secs(2)).await;
    bn.markets(MarketKind::LinearPerpetual).await.unwrap();
    server
        .faults()
        .push(FaultRule::new(Fault::LoseResponse(Duration::from_secs(30))).on("POST", "/fapi/v1/order"));
    let req = OrderRequest::limit(perp(), Side::Buy, dec!(0.01), dec!(29000))
        .build()
        .unwrap();
    let o = bn.place_order(&req).await.unwrap();
    assert_eq!(o.status, OrderStatus::New);
    assert_eq!(server.log().count("POST", "/fapi/v1/order"), 1, "never re-sent");
    assert_eq!(server.counters().orders_created, 1, "exactly one order on the venue");
    let open = bn
        .open_orders(Some(&perp()), MarketKind::LinearPerpetual)
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].id, o.id);
    let cid = server.log().find("POST", "/fapi/v1/order")[0]
        .body_param("newClientOrderId")
        .unwrap()
        .to_string();
    assert_eq!(o.client_order_id.as_deref(), Some(cid.as_str()));
    assert_eq!(
        server.log().find("GET", "/fapi/v1/order")[0].query_param("origClientOrderId"),
        Some(cid.as_str())
    );
}

#[tokio::test]
async fn unknown_outcome_code_on_placement_is_reconciled() {
    let (server, bn) = setup("minus_1007").await;
    server.faults().push(
        FaultRule::new(Fault::RespondAfterHandler {
            status: 408,
            body: r#"{"code":-1007,"msg":"Timeout waiting for response from backend server. Send status unknown; execution status unknown."}"#.into(),
        })
        .on("POST", "/api/v3/order"),
    );
    let req = OrderRequest::limit(btc(), Side::Sell, dec!(0.01), dec!(31000))
        .build()
        .unwrap();
    let o = bn.place_order(&req).await.unwrap();
    assert_eq!(o.status, OrderStatus::New);
    assert_eq!(server.counters().orders_created, 1);
    assert_eq!(server.log().count("POST", "/api/v3/order"), 1);
}

#[tokio::test]
async fn malformed_json_is_a_decode_error() {
    let (server, bn) = setup("malformed").await;
    bn.markets(MarketKind::Spot).await.unwrap();
    server
        .faults()
        .push(FaultRule::new(Fault::Malformed).on("GET", "/api/v3/depth"));
    let e = bn.order_book(&btc(), None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.excerpt().is_some());
    assert_eq!(
        server.log().count("GET", "/api/v3/depth"),
        1,
        "decode errors are not retried"
    );
}

#[tokio::test]
async fn a_bad_key_gives_auth_and_a_bad_secret_invalid_signature() {
    let (server, _) = setup("bad_key").await;
    let cfg = server
        .client_config()
        .credentials(Credentials::new("nobody", "nothing"));
    let bad = Binance::with_retry_policy(cfg, retry()).unwrap();
    let e = bad.balances(AccountKind::Spot).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth, "{e}");
    assert_eq!(e.code(), Some("-2015"));
    let cfg = server
        .client_config()
        .credentials(Credentials::new("key-bad_key", "wrong-secret"));
    let e = Binance::with_retry_policy(cfg, retry())
        .unwrap()
        .balances(AccountKind::Perpetual)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidSignature);
    let anon = Binance::new(server.client_config()).unwrap();
    assert_eq!(
        anon.balances(AccountKind::Spot).await.unwrap_err().kind(),
        ErrorKind::Auth
    );
}

#[tokio::test]
async fn clock_skew_resyncs_once_and_retries_the_read() {
    let (server, bn) = setup("clock_skew").await;
    bn.balances(AccountKind::Spot).await.unwrap();
    assert_eq!(server.log().count("GET", "/api/v3/time"), 1);
    // The venue's clock jumps 30 s ahead: the cached offset is now outside recvWindow.
    server.clock().set_skew_ms(30_000);
    let b = bn.balances(AccountKind::Spot).await.unwrap();
    assert!(!b.is_empty());
    assert_eq!(
        server.log().count("GET", "/api/v3/account"),
        3,
        "one rejected, one retried"
    );
    assert_eq!(server.log().count("GET", "/api/v3/time"), 2, "resynced once");
    let offset = bn.rest().clock(exch_binance::Api::Spot).offset_ms().unwrap();
    assert!(offset > 25_000, "offset {offset}");
}
