//! Spot matching, balances, fees, client-order-id uniqueness and counters, through the
//! generic protocol over real HTTP on 127.0.0.1.

mod common;

use common::{d, spot, Client, PASSPHRASE, PASS_KEY};
use exch_core::{AccountKind, Level};
use exch_testkit::{DEFAULT_ACCOUNT, FIRST_ORDER_ID};
use rust_decimal_macros::dec;
use serde_json::json;

fn other(server: &exch_testkit::SimServer) -> Client {
    let mut c = Client::new(server);
    c.key = PASS_KEY.into();
    c.passphrase = Some(PASSPHRASE.into());
    c
}

#[tokio::test]
async fn limit_order_rests_until_crossed_by_another_account() {
    let server = common::start().await;
    let main = Client::new(&server);
    let r = main
        .place(json!({"symbol": "BTC/USDT", "side": "buy", "type": "limit", "qty": "0.5", "price": "100"}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.data()["status"], "new");
    let id = r.data()["id"].as_str().unwrap().to_string();
    // Locked: 0.5 * 100 * (1 + taker 0.0004).
    let usdt = server.state().balance(DEFAULT_ACCOUNT, AccountKind::Spot, "USDT");
    assert_eq!((usdt.free, usdt.locked), (dec!(9949.98), dec!(50.02)));
    // The resting order shows in the book above the seeded 99 bid.
    let book = main.call("GET", "/book", "symbol=BTC/USDT", None).await;
    assert_eq!(book.data()["bids"][0], json!({"price": "100", "qty": "0.5"}));
    let seq_before = book.data()["sequence"].as_u64().unwrap();

    // Another account sells at market: it hits our 100 bid before the seeded 99.
    let taker = other(&server)
        .place(json!({"symbol": "BTC/USDT", "side": "sell", "type": "market", "qty": "0.5"}))
        .await;
    assert_eq!(taker.data()["status"], "filled");
    assert_eq!(d(&taker.data()["avg_price"]), dec!(100));

    let o = main.call("GET", "/order", &format!("id={id}"), None).await;
    assert_eq!(o.data()["status"], "filled");
    let book = main.call("GET", "/book", "symbol=BTC/USDT", None).await;
    assert!(
        book.data()["sequence"].as_u64().unwrap() > seq_before,
        "every book change bumps the sequence"
    );
    assert_eq!(book.data()["bids"][0], json!({"price": "99", "qty": "1"}));
    assert_eq!(d(&o.data()["filled_qty"]), dec!(0.5));
    let st = server.state();
    // Maker fee 0.5 * 100 * 0.0002 = 0.01, charged in the quote asset.
    let usdt = st.balance(DEFAULT_ACCOUNT, AccountKind::Spot, "USDT");
    assert_eq!((usdt.free, usdt.locked), (dec!(9949.99), dec!(0)));
    assert_eq!(st.balance(DEFAULT_ACCOUNT, AccountKind::Spot, "BTC").total, dec!(5.5));
    // Taker fee 0.5 * 100 * 0.0004 = 0.02.
    assert_eq!(st.balance("other", AccountKind::Spot, "USDT").free, dec!(10049.98));
    assert_eq!(st.balance("other", AccountKind::Spot, "BTC").free, dec!(4.5));
    let fills = st.fills(DEFAULT_ACCOUNT, Some(&id));
    assert_eq!(fills.len(), 1);
    assert!(fills[0].maker);
    assert_eq!(fills[0].fee, dec!(0.01));
}

#[tokio::test]
async fn limit_order_fills_when_the_book_moves_through_it() {
    let server = common::start().await;
    let main = Client::new(&server);
    let r = main
        .place(json!({"symbol": "BTC/USDT", "side": "sell", "type": "limit", "qty": "1", "price": "103"}))
        .await;
    assert_eq!(r.data()["status"], "new");
    assert_eq!(
        server.state().balance(DEFAULT_ACCOUNT, AccountKind::Spot, "BTC").locked,
        dec!(1)
    );
    // The seeded book does not reach 103: still open.
    assert_eq!(server.state().open_orders(DEFAULT_ACCOUNT, None).len(), 1);
    let fills = server.state().set_book(
        &spot(),
        vec![Level {
            price: dec!(104),
            qty: dec!(0.4),
        }],
        vec![Level {
            price: dec!(105),
            qty: dec!(1),
        }],
    );
    assert_eq!(fills.len(), 1);
    assert_eq!((fills[0].price, fills[0].qty), (dec!(103), dec!(0.4)));
    let o = main
        .call(
            "GET",
            "/order",
            &format!("id={}", r.data()["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(o.data()["status"], "partially_filled");
    assert_eq!(d(&o.data()["filled_qty"]), dec!(0.4));
}

#[tokio::test]
async fn market_order_walks_the_book_and_expires_on_a_thin_book() {
    let server = common::start().await;
    let main = Client::new(&server);
    let r = main
        .place(json!({"symbol": "BTC/USDT", "side": "buy", "type": "market", "qty": "2"}))
        .await;
    assert_eq!(r.data()["status"], "filled");
    assert_eq!(d(&r.data()["avg_price"]), dec!(101.5));
    // 1 @ 101 + 1 @ 102, taker fee 0.0004 on 203.
    let usdt = server.state().balance(DEFAULT_ACCOUNT, AccountKind::Spot, "USDT");
    assert_eq!(usdt.free, dec!(10000) - dec!(203) - dec!(0.0812));
    // One ask is left: 1 @ 102. Buying 3 fills 1 and expires the rest.
    let thin = main
        .place(json!({"symbol": "BTC/USDT", "side": "buy", "type": "market", "qty": "3"}))
        .await;
    assert_eq!(thin.data()["status"], "expired");
    assert_eq!(d(&thin.data()["filled_qty"]), dec!(1));
    assert_eq!(d(&thin.data()["avg_price"]), dec!(102));
    let book = server.state().book(&spot(), None).unwrap();
    assert!(book.asks.is_empty());
    // Public trades: one per match, with the taker's side; the ticker follows them.
    let trades = server.state().trades(&spot(), None);
    let prices: Vec<_> = trades.iter().map(|t| (t.price, t.qty)).collect();
    assert_eq!(
        prices,
        [(dec!(101), dec!(1)), (dec!(102), dec!(1)), (dec!(102), dec!(1))]
    );
    assert!(trades.iter().all(|t| t.side == Some(exch_core::Side::Buy)));
    assert_eq!(server.state().trades(&spot(), Some(1)).len(), 1);
    let ticker = server.state().ticker(&spot()).unwrap();
    assert_eq!(
        (ticker.last, ticker.high, ticker.low),
        (Some(dec!(102)), Some(dec!(102)), Some(dec!(101)))
    );
    assert_eq!((ticker.bid, ticker.ask), (Some(dec!(99)), None));
    assert_eq!(ticker.base_volume, Some(dec!(3)));
    assert_eq!(
        server.state().balance(DEFAULT_ACCOUNT, AccountKind::Spot, "BTC").free,
        dec!(8)
    );
}

#[tokio::test]
async fn ioc_remainder_expires_and_releases_funds() {
    let server = common::start().await;
    let main = Client::new(&server);
    let r = main
        .place(
            json!({"symbol": "BTC/USDT", "side": "buy", "type": "limit", "qty": "2", "price": "101.5", "tif": "ioc"}),
        )
        .await;
    assert_eq!(r.data()["status"], "expired");
    assert_eq!(d(&r.data()["filled_qty"]), dec!(1));
    let usdt = server.state().balance(DEFAULT_ACCOUNT, AccountKind::Spot, "USDT");
    assert_eq!(usdt.locked, dec!(0));
    assert_eq!(usdt.free, dec!(10000) - dec!(101) - dec!(0.0404));
    assert!(server.state().open_orders(DEFAULT_ACCOUNT, None).is_empty());
}

#[tokio::test]
async fn post_only_that_would_take_is_rejected() {
    let server = common::start().await;
    let main = Client::new(&server);
    let r = main
        .place(json!({"symbol": "BTC/USDT", "side": "buy", "type": "limit", "qty": "1", "price": "101", "tif": "post_only"}))
        .await;
    assert_eq!((r.status, r.code()), (400, 2005));
    let ok = main
        .place(json!({"symbol": "BTC/USDT", "side": "buy", "type": "limit", "qty": "1", "price": "100.9", "tif": "post_only"}))
        .await;
    assert_eq!(ok.data()["status"], "new");
    assert_eq!(ok.data()["time_in_force"], "post_only");
    assert_eq!(server.counters().orders_rejected, 1);
}

#[tokio::test]
async fn fill_or_kill_is_all_or_nothing() {
    let server = common::start().await;
    let main = Client::new(&server);
    let killed = main
        .place(
            json!({"symbol": "BTC/USDT", "side": "buy", "type": "limit", "qty": "3.5", "price": "102", "tif": "fok"}),
        )
        .await;
    assert_eq!(killed.data()["status"], "expired");
    assert_eq!(d(&killed.data()["filled_qty"]), dec!(0));
    assert_eq!(
        server.state().book(&spot(), None).unwrap().asks.len(),
        2,
        "book untouched"
    );
    let filled = main
        .place(json!({"symbol": "BTC/USDT", "side": "buy", "type": "limit", "qty": "3", "price": "102", "tif": "fok"}))
        .await;
    assert_eq!(filled.data()["status"], "filled");
    assert_eq!(
        server
            .state()
            .balance(DEFAULT_ACCOUNT, AccountKind::Spot, "USDT")
            .locked,
        dec!(0)
    );
}

#[tokio::test]
async fn funds_and_market_rules_are_checked() {
    let server = common::start().await;
    let main = Client::new(&server);
    let poor = main
        .place(json!({"symbol": "BTC/USDT", "side": "buy", "type": "limit", "qty": "1000", "price": "100"}))
        .await;
    assert_eq!((poor.status, poor.code()), (400, 2001));
    let step = main
        .place(json!({"symbol": "BTC/USDT", "side": "buy", "type": "limit", "qty": "0.0001", "price": "100"}))
        .await;
    assert_eq!(step.code(), 2010);
    let tick = main
        .place(json!({"symbol": "BTC/USDT", "side": "buy", "type": "limit", "qty": "1", "price": "100.05"}))
        .await;
    assert_eq!(tick.code(), 2010);
    let unknown = main
        .place(json!({"symbol": "ETH/USDT", "side": "buy", "type": "market", "qty": "1"}))
        .await;
    assert_eq!(unknown.code(), 1001);
    let sell_too_much = main
        .place(json!({"symbol": "BTC/USDT", "side": "sell", "type": "market", "qty": "6"}))
        .await;
    assert_eq!(sell_too_much.code(), 2001);
    assert_eq!(server.counters().orders_created, 0);
    assert_eq!(server.counters().orders_rejected, 5);
}

#[tokio::test]
async fn client_order_ids_are_unique_among_open_orders() {
    let server = common::start().await;
    let main = Client::new(&server);
    let order =
        json!({"symbol": "BTC/USDT", "side": "buy", "type": "limit", "qty": "0.1", "price": "90", "clientId": "abc-1"});
    let first = main.place(order.clone()).await;
    assert_eq!(first.data()["client_order_id"], "abc-1");
    let dup = main.place(order.clone()).await;
    assert_eq!((dup.status, dup.code()), (400, 2002));
    // Another account may use the same id.
    assert_eq!(other(&server).place(order.clone()).await.status, 200);
    let by_client = main.call("GET", "/order", "clientId=abc-1", None).await;
    assert_eq!(by_client.data()["id"], first.data()["id"]);
    let cancelled = main.call("DELETE", "/order", "clientId=abc-1", None).await;
    assert_eq!(cancelled.data()["status"], "canceled");
    // Once closed, the id can be reused; lookups prefer the open order.
    let again = main.place(order).await;
    assert_eq!(again.status, 200);
    assert_ne!(again.data()["id"], first.data()["id"]);
    let by_client = main.call("GET", "/order", "clientId=abc-1", None).await;
    assert_eq!(by_client.data()["id"], again.data()["id"]);
}

#[tokio::test]
async fn cancel_open_orders_and_counters() {
    let server = common::start().await;
    let main = Client::new(&server);
    let mut ids = Vec::new();
    for price in ["90", "91", "92"] {
        let r = main
            .place(json!({"symbol": "BTC/USDT", "side": "buy", "type": "limit", "qty": "0.1", "price": price}))
            .await;
        ids.push(r.data()["id"].as_str().unwrap().to_string());
    }
    // Ids are numeric strings above 2^53, kept exact.
    let first: u64 = ids[0].parse().unwrap();
    assert_eq!(first, FIRST_ORDER_ID);
    assert_eq!(ids[1], (FIRST_ORDER_ID + 1).to_string());
    assert_eq!(
        main.call("GET", "/openOrders", "", None)
            .await
            .data()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let c = main.call("DELETE", "/order", &format!("id={}", ids[0]), None).await;
    assert_eq!(c.data()["status"], "canceled");
    let twice = main.call("DELETE", "/order", &format!("id={}", ids[0]), None).await;
    assert_eq!(twice.code(), 2004);
    let missing = main.call("DELETE", "/order", "id=12345", None).await;
    assert_eq!((missing.status, missing.code()), (404, 2003));
    let all = main.call("DELETE", "/orders", "symbol=BTC/USDT", None).await;
    assert_eq!(all.data().as_array().unwrap().len(), 2);
    assert!(main
        .call("GET", "/openOrders", "", None)
        .await
        .data()
        .as_array()
        .unwrap()
        .is_empty());
    let counters = server.counters();
    assert_eq!((counters.orders_created, counters.orders_cancelled), (3, 3));
    assert_eq!(
        server
            .state()
            .balance(DEFAULT_ACCOUNT, AccountKind::Spot, "USDT")
            .locked,
        dec!(0)
    );
    assert_eq!(server.state().order_history(DEFAULT_ACCOUNT, None).len(), 3);
}
