//! Public streams end to end: the real client (`Binance::stream`) against the simulated Binance
//! (`exch_binance::sim`) on 127.0.0.1: spot and futures flows (ticker, trades, REST-seeded
//! books and their diffs, candles), the futures `/public` and `/market` routing, sequence gaps
//! resynced from a fresh REST snapshot, a dropped connection, a `serverShutdown` notice,
//! malformed frames and server pings.
//!
//! Every test uses its own API key, so that the process-wide rate limiters of different tests
//! never share buckets.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use exch_binance::stream::{BinanceStreams, Route, FUTURES_MARKET_PATH, FUTURES_PUBLIC_PATH, SPOT_PATH};
use exch_binance::{sim, Api, Binance};
use exch_core::stream::{
    BookError, BookMessage, BookSync, ConnectionState, Heartbeat, Inbound, SequenceRule, StreamConfig, StreamEvent,
    StreamProtocol, Subscription,
};
use exch_core::{Credentials, ErrorKind, Exchange, Interval, Level, OrderBook, OrderRequest, Result, Side, Symbol};
use exch_testkit::stream_harness::{self, is_reconnecting, is_resynced, is_resyncing, within, Events};
use exch_testkit::{ApiKey, SimHandle, SimServer, WsSession};
use futures::future::BoxFuture;
use futures::StreamExt;
use rust_decimal_macros::dec;
use serde_json::{json, Value};

fn btc() -> Symbol {
    "BTC/USDT".parse().unwrap()
}

fn perp() -> Symbol {
    "BTC/USDT:USDT".parse().unwrap()
}

fn lv(price: rust_decimal::Decimal, qty: rust_decimal::Decimal) -> Level {
    Level { price, qty }
}

async fn setup(name: &str) -> (SimServer, Binance) {
    let handle = SimHandle::new();
    sim::seed(&handle);
    let key = format!("stream-key-{name}");
    let secret = format!("stream-secret-{name}");
    handle.keys().add(ApiKey::new(&key, &secret));
    let server = sim::start_with(handle).await.unwrap();
    let config = server.client_config().credentials(Credentials::new(key, secret));
    (server, Binance::new(config).unwrap())
}

/// Fast reconnects without jitter; a REST snapshot 20 ms after connecting when no diff came.
fn fast() -> StreamConfig {
    let mut c = stream_harness::fast();
    c.rest_snapshot_after = Duration::from_millis(20);
    c
}

/// Subscribes `client` to `subs`.
async fn events(client: &Binance, subs: Vec<Subscription>) -> Events {
    Events::new(client.stream(subs, fast()).await.expect("subscribe"))
}

/// The first session from number `from` on that connected to `path`, once subscribed to
/// `stream`.
async fn subscribed(server: &SimServer, from: usize, path: &str, stream: &str) -> WsSession {
    within(&format!("a subscription to {stream} on {path}"), async {
        for n in from.. {
            let s = server.ws().session(n).await;
            if s.path() == path {
                s.wait_subscribed(stream).await;
                return s;
            }
        }
        unreachable!()
    })
    .await
}

fn subscriptions(s: &WsSession) -> BTreeSet<String> {
    s.subscriptions().into_iter().collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// The sim's book of `symbol` as the REST API serves it.
fn sim_book(server: &SimServer, symbol: &Symbol) -> OrderBook {
    server.handle().state().book(symbol, Some(20)).unwrap()
}

fn same_levels(a: &OrderBook, b: &OrderBook) {
    assert_eq!((&a.bids, &a.asks), (&b.bids, &b.asks));
}

#[tokio::test]
async fn spot_ticker_trades_book_and_candles() {
    let (server, client) = setup("spot_flow").await;
    let subs = vec![
        Subscription::ticker(btc()),
        Subscription::trades(btc()),
        Subscription::book(btc()),
        Subscription::candles(btc(), Interval::M1),
    ];
    let mut ev = events(&client, subs).await;
    let session = subscribed(&server, 0, SPOT_PATH, "btcusdt@depth@100ms").await;
    // One spot connection on the combined endpoint, one SUBSCRIBE with every stream.
    assert_eq!(
        subscriptions(&session),
        set(&[
            "btcusdt@ticker",
            "btcusdt@trade",
            "btcusdt@depth@100ms",
            "btcusdt@kline_1m"
        ])
    );
    let sent: Value = serde_json::from_str(&session.received()[0]).unwrap();
    assert_eq!(sent["method"], "SUBSCRIBE");
    assert!(sent["id"].as_u64().is_some());

    // The book starts from the REST snapshot (limit 5000).
    let snap = ev.snapshot().await;
    assert_eq!(snap.symbol, btc());
    assert_eq!(snap.bids, vec![lv(dec!(29999.99), dec!(1)), lv(dec!(29999), dec!(2))]);
    assert_eq!(snap.asks, vec![lv(dec!(30000.01), dec!(0.5)), lv(dec!(30001), dec!(2))]);
    assert_eq!(snap.sequence, Some(1));
    let depth = server.handle().log().find("GET", "/api/v3/depth");
    assert_eq!(depth.len(), 1);
    assert_eq!(depth[0].query_param("limit"), Some("5000"));
    assert_eq!(depth[0].query_param("symbol"), Some("BTCUSDT"));

    // A diff: bid 29999.99 grows to 3, ask 30002 appears.
    let n = sim::publish_depth(
        server.handle(),
        &btc(),
        vec![lv(dec!(29999.99), dec!(3)), lv(dec!(29999), dec!(2))],
        vec![
            lv(dec!(30000.01), dec!(0.5)),
            lv(dec!(30001), dec!(2)),
            lv(dec!(30002), dec!(1)),
        ],
    );
    assert_eq!(n, 1);
    let u = ev.update().await;
    assert_eq!(u.symbol, btc());
    assert_eq!(u.bids, vec![lv(dec!(29999.99), dec!(3))]);
    assert_eq!(u.asks, vec![lv(dec!(30002), dec!(1))]);
    assert_eq!(u.sequence, Some(2));
    same_levels(&u.book, &sim_book(&server, &btc()));

    // A market buy on the simulated venue is streamed as a trade (the taker bought).
    let order = OrderRequest::market(btc(), Side::Buy, dec!(0.1)).build().unwrap();
    client.place_order(&order).await.unwrap();
    let i = ev.until("trade", |e| matches!(e, StreamEvent::Trade(_))).await;
    let StreamEvent::Trade(t) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(
        (t.symbol.clone(), t.price, t.qty, t.side),
        (btc(), dec!(30000.01), dec!(0.1), Some(Side::Buy))
    );
    let trade_time = t.timestamp;

    assert_eq!(sim::publish_ticker(server.handle(), &btc()), 1);
    let i = ev.until("ticker", |e| matches!(e, StreamEvent::Ticker(_))).await;
    let StreamEvent::Ticker(tk) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(tk.symbol, btc());
    assert_eq!(tk.last, Some(dec!(30000.01)));
    assert_eq!((tk.bid, tk.bid_qty), (Some(dec!(29999.99)), Some(dec!(3))));
    assert_eq!((tk.ask, tk.ask_qty), (Some(dec!(30000.01)), Some(dec!(0.4))));
    assert_eq!(tk.base_volume, Some(dec!(0.1)));
    assert!(tk.timestamp.is_some());

    assert_eq!(sim::publish_kline(server.handle(), &btc(), Interval::M1), 1);
    let i = ev.until("candle", |e| matches!(e, StreamEvent::Candle { .. })).await;
    let StreamEvent::Candle {
        symbol,
        interval,
        candle,
    } = &ev.seen[i]
    else {
        unreachable!()
    };
    assert_eq!((symbol, *interval), (&btc(), Interval::M1));
    assert_eq!(candle.open_time % 60_000, 0);
    assert_eq!(candle.close, dec!(30000.01));
    assert_eq!(candle.closed, Some(false));
    if candle.open_time == trade_time - trade_time % 60_000 {
        // The bar holds the trade.
        assert_eq!(
            (candle.open, candle.high, candle.low),
            (dec!(30000.01), dec!(30000.01), dec!(30000.01))
        );
        assert_eq!((candle.volume, candle.quote_volume), (dec!(0.1), Some(dec!(3000.001))));
    }
    assert!(ev.errors().is_empty(), "{:?}", ev.errors());
    assert_eq!(server.ws().sessions().len(), 1);
}

#[tokio::test]
async fn futures_streams_are_routed_to_public_and_market_paths() {
    let (server, client) = setup("futures_flow").await;
    let subs = vec![
        Subscription::ticker(perp()),
        Subscription::trades(perp()),
        Subscription::book(perp()),
        Subscription::candles(perp(), Interval::H1),
    ];
    let mut ev = events(&client, subs).await;
    let public = subscribed(&server, 0, FUTURES_PUBLIC_PATH, "btcusdt@depth@100ms").await;
    let market = subscribed(&server, 0, FUTURES_MARKET_PATH, "btcusdt@aggTrade").await;
    // Books on /public, everything else on /market: each path got only its own streams.
    assert_eq!(subscriptions(&public), set(&["btcusdt@depth@100ms"]));
    assert_eq!(
        subscriptions(&market),
        set(&["btcusdt@ticker", "btcusdt@aggTrade", "btcusdt@kline_1h"])
    );
    let params = |s: &WsSession| -> BTreeSet<String> {
        let v: Value = serde_json::from_str(&s.received()[0]).unwrap();
        v["params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(params(&public), subscriptions(&public));
    assert_eq!(params(&market), subscriptions(&market));
    assert_eq!(server.ws().sessions().len(), 2);

    // REST snapshot (limit 1000), then diffs chained by `pu`.
    let snap = ev.snapshot().await;
    assert_eq!(snap.symbol, perp());
    assert_eq!(snap.bids, vec![lv(dec!(29999.9), dec!(1)), lv(dec!(29990), dec!(2))]);
    assert_eq!(snap.asks, vec![lv(dec!(30000.1), dec!(0.5)), lv(dec!(30010), dec!(2))]);
    assert_eq!(snap.sequence, Some(sim::futures_snapshot_id(1)));
    let depth = server.handle().log().find("GET", "/fapi/v1/depth");
    assert_eq!(depth.len(), 1);
    assert_eq!(depth[0].query_param("limit"), Some("1000"));
    for (i, qty) in [dec!(4), dec!(0)].into_iter().enumerate() {
        let mut bids = vec![lv(dec!(29999.9), dec!(1)), lv(dec!(29990), dec!(2))];
        bids.push(lv(dec!(29980), qty));
        sim::publish_depth(
            server.handle(),
            &perp(),
            bids,
            vec![lv(dec!(30000.1), dec!(0.5)), lv(dec!(30010), dec!(2))],
        );
        let u = ev.update().await;
        assert_eq!(u.bids, vec![lv(dec!(29980), qty)]);
        assert_eq!(u.sequence, Some(sim::futures_snapshot_id(2 + i as u64) - 1));
        same_levels(&u.book, &sim_book(&server, &perp()));
    }

    let order = OrderRequest::market(perp(), Side::Sell, dec!(0.01)).build().unwrap();
    client.place_order(&order).await.unwrap();
    let i = ev.until("trade", |e| matches!(e, StreamEvent::Trade(_))).await;
    let StreamEvent::Trade(t) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(
        (t.symbol.clone(), t.price, t.qty, t.side),
        (perp(), dec!(29999.9), dec!(0.01), Some(Side::Sell))
    );

    sim::publish_ticker(server.handle(), &perp());
    let i = ev.until("ticker", |e| matches!(e, StreamEvent::Ticker(_))).await;
    let StreamEvent::Ticker(tk) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!((tk.symbol.clone(), tk.last), (perp(), Some(dec!(29999.9))));
    // The futures ticker carries no best bid or ask.
    assert_eq!((tk.bid, tk.ask), (None, None));

    sim::publish_kline(server.handle(), &perp(), Interval::H1);
    let i = ev.until("candle", |e| matches!(e, StreamEvent::Candle { .. })).await;
    let StreamEvent::Candle {
        symbol,
        interval,
        candle,
    } = &ev.seen[i]
    else {
        unreachable!()
    };
    assert_eq!((symbol, *interval), (&perp(), Interval::H1));
    assert_eq!(candle.open_time % 3_600_000, 0);
    assert_eq!(candle.close, dec!(29999.9));
    assert!(ev.errors().is_empty(), "{:?}", ev.errors());
}

/// Delegates to [`BinanceStreams`] but connects every subscription to one futures path.
struct OnePath {
    inner: BinanceStreams,
    url: String,
}

impl StreamProtocol for OnePath {
    fn url(&self, _sub: &Subscription) -> Result<String> {
        Ok(self.url.clone())
    }
    fn subscribe_messages(&self, subs: &[Subscription]) -> Result<Vec<String>> {
        self.inner.subscribe_messages(subs)
    }
    fn decode(&self, text: &str) -> Result<Vec<Inbound>> {
        self.inner.decode(text)
    }
    fn heartbeat(&self, url: &str) -> Heartbeat {
        self.inner.heartbeat(url)
    }
    fn sequence_rule(&self, sub: &Subscription) -> SequenceRule {
        self.inner.sequence_rule(sub)
    }
    fn book_sync(&self, sub: &Subscription) -> BookSync {
        self.inner.book_sync(sub)
    }
    fn fetch_snapshot(&self, symbol: &Symbol) -> BoxFuture<'static, Result<BookMessage>> {
        self.inner.fetch_snapshot(symbol)
    }
}

#[tokio::test]
async fn a_market_stream_on_the_public_path_silently_delivers_nothing() {
    let (server, client) = setup("wrong_path").await;
    let trades = Subscription::trades(perp());
    let inner = client.stream_protocol(std::slice::from_ref(&trades)).await.unwrap();
    assert_eq!(inner.url(&trades).unwrap(), inner.url_of(Route::FuturesMarket));
    let url = inner.url_of(Route::FuturesPublic);
    let mut stream = exch_core::stream::subscribe(Arc::new(OnePath { inner, url }), [trades], fast()).unwrap();
    let session = within("a connection", server.ws().session(0)).await;
    assert_eq!(session.path(), FUTURES_PUBLIC_PATH);
    // The venue acknowledges the SUBSCRIBE, but the stream is not served there.
    within("the SUBSCRIBE", session.wait_received(1)).await;
    let sent: Value = serde_json::from_str(&session.received()[0]).unwrap();
    assert_eq!(sent["params"], json!(["btcusdt@aggTrade"]));
    within("connected", async {
        while !matches!(
            stream.next().await,
            Some(StreamEvent::State(ConnectionState::Connected { .. }))
        ) {}
    })
    .await;
    let order = OrderRequest::market(perp(), Side::Buy, dec!(0.01)).build().unwrap();
    client.place_order(&order).await.unwrap();
    let trade = server.handle().state().trades(&perp(), None).pop().unwrap();
    assert_eq!(sim::publish_trade(server.handle(), &trade), 0, "nobody may receive it");
    assert!(session.subscriptions().is_empty());
}

#[tokio::test]
async fn spot_gap_resyncs_the_book_from_a_fresh_rest_snapshot() {
    let (server, client) = setup("spot_gap").await;
    let mut ev = events(&client, vec![Subscription::book(btc()), Subscription::ticker(btc())]).await;
    subscribed(&server, 0, SPOT_PATH, "btcusdt@depth@100ms").await;
    assert_eq!(ev.snapshot().await.sequence, Some(1));
    let asks = || vec![lv(dec!(30000.01), dec!(0.5)), lv(dec!(30001), dec!(2))];
    sim::publish_depth(server.handle(), &btc(), vec![lv(dec!(29999.99), dec!(2))], asks());
    assert_eq!(ev.update().await.sequence, Some(2));
    // Update 3 is never sent (a missed event); update 4 no longer follows from 2.
    server
        .handle()
        .state()
        .set_book(&btc(), vec![lv(dec!(29999.5), dec!(7))], asks());
    sim::publish_depth(server.handle(), &btc(), vec![lv(dec!(29999.5), dec!(8))], asks());
    let i = ev.until("resyncing", is_resyncing).await;
    let StreamEvent::State(ConnectionState::Resyncing { symbol, reason }) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(symbol, &btc());
    assert_eq!(
        reason,
        &BookError::Gap {
            last: 2,
            first: 4,
            final_id: 4,
            prev: None
        }
    );
    let snap = ev.snapshot().await;
    assert_eq!(snap.sequence, Some(4));
    assert_eq!(snap.bids, vec![lv(dec!(29999.5), dec!(8))]);
    ev.until("resynced", is_resynced).await;
    assert_eq!(server.handle().log().count("GET", "/api/v3/depth"), 2);
    // Diffs apply again on the rebuilt book; the connection never dropped.
    sim::publish_depth(server.handle(), &btc(), vec![lv(dec!(29999.5), dec!(9))], asks());
    let u = ev.update().await;
    assert_eq!(u.sequence, Some(5));
    same_levels(&u.book, &sim_book(&server, &btc()));
    assert_eq!(ev.count(is_reconnecting), 0);
    assert_eq!(server.ws().sessions().len(), 1);
}

#[tokio::test]
async fn futures_pu_mismatch_resyncs_the_book_from_a_fresh_rest_snapshot() {
    let (server, client) = setup("futures_gap").await;
    let mut ev = events(&client, vec![Subscription::book(perp()), Subscription::trades(perp())]).await;
    subscribed(&server, 0, FUTURES_PUBLIC_PATH, "btcusdt@depth@100ms").await;
    subscribed(&server, 0, FUTURES_MARKET_PATH, "btcusdt@aggTrade").await;
    ev.snapshot().await;
    let asks = || vec![lv(dec!(30000.1), dec!(0.5))];
    sim::publish_depth(server.handle(), &perp(), vec![lv(dec!(29999.9), dec!(2))], asks());
    assert_eq!(ev.update().await.sequence, Some(4));
    server
        .handle()
        .state()
        .set_book(&perp(), vec![lv(dec!(29999.8), dec!(1))], asks());
    sim::publish_depth(server.handle(), &perp(), vec![lv(dec!(29999.8), dec!(3))], asks());
    let i = ev.until("resyncing", is_resyncing).await;
    let StreamEvent::State(ConnectionState::Resyncing { reason, .. }) = &ev.seen[i] else {
        unreachable!()
    };
    // `pu` 6 is not the last applied `u` 4.
    assert_eq!(
        reason,
        &BookError::Gap {
            last: 4,
            first: 7,
            final_id: 8,
            prev: Some(6)
        }
    );
    let snap = ev.snapshot().await;
    assert_eq!(snap.sequence, Some(sim::futures_snapshot_id(4)));
    assert_eq!(snap.bids, vec![lv(dec!(29999.8), dec!(3))]);
    ev.until("resynced", is_resynced).await;
    assert_eq!(server.handle().log().count("GET", "/fapi/v1/depth"), 2);
    sim::publish_depth(server.handle(), &perp(), vec![lv(dec!(29999.8), dec!(5))], asks());
    let u = ev.update().await;
    assert_eq!(u.bids, vec![lv(dec!(29999.8), dec!(5))]);
    same_levels(&u.book, &sim_book(&server, &perp()));
    assert_eq!(ev.count(is_reconnecting), 0);
}

#[tokio::test]
async fn a_dropped_connection_reconnects_resubscribes_and_rebuilds_the_book() {
    let (server, client) = setup("reconnect").await;
    let mut ev = events(&client, vec![Subscription::book(btc()), Subscription::trades(btc())]).await;
    let first = subscribed(&server, 0, SPOT_PATH, "btcusdt@depth@100ms").await;
    ev.snapshot().await;
    let asks = || vec![lv(dec!(30000.01), dec!(0.5)), lv(dec!(30001), dec!(2))];
    sim::publish_depth(server.handle(), &btc(), vec![lv(dec!(29999.99), dec!(2))], asks());
    ev.update().await;
    // The book changes while the client is away (that change is never streamed).
    server.handle().state().set_book(
        &btc(),
        vec![lv(dec!(29999.99), dec!(6)), lv(dec!(29998), dec!(1))],
        asks(),
    );
    first.disconnect();
    ev.until("reconnecting", is_reconnecting).await;
    let second = subscribed(&server, 1, SPOT_PATH, "btcusdt@depth@100ms").await;
    assert_eq!(subscriptions(&second), subscriptions(&first));
    let resent: Value = serde_json::from_str(&second.received()[0]).unwrap();
    assert_eq!(resent["method"], "SUBSCRIBE");
    // A fresh snapshot: the book is the venue's, nothing doubled, nothing missing.
    let snap = ev.snapshot().await;
    assert_eq!(snap.bids, vec![lv(dec!(29999.99), dec!(6)), lv(dec!(29998), dec!(1))]);
    same_levels(&snap, &sim_book(&server, &btc()));
    ev.until("resynced", is_resynced).await;
    sim::publish_depth(
        server.handle(),
        &btc(),
        vec![lv(dec!(29999.99), dec!(6)), lv(dec!(29998), dec!(4))],
        asks(),
    );
    let u = ev.update().await;
    assert_eq!(u.bids, vec![lv(dec!(29998), dec!(4))]);
    assert_eq!(u.book.bids, vec![lv(dec!(29999.99), dec!(6)), lv(dec!(29998), dec!(4))]);
    same_levels(&u.book, &sim_book(&server, &btc()));
    assert_eq!(server.handle().log().count("GET", "/api/v3/depth"), 2);
}

#[tokio::test]
async fn server_shutdown_reconnects_at_once() {
    let (server, client) = setup("shutdown").await;
    let mut ev = events(&client, vec![Subscription::ticker(perp())]).await;
    let first = subscribed(&server, 0, FUTURES_MARKET_PATH, "btcusdt@ticker").await;
    assert_eq!(sim::ws_server_shutdown(server.handle(), Api::Futures), 1);
    ev.until("reconnecting", is_reconnecting).await;
    within("the old connection to close", first.wait_closed()).await;
    subscribed(&server, 1, FUTURES_MARKET_PATH, "btcusdt@ticker").await;
    assert_eq!(sim::publish_ticker(server.handle(), &perp()), 1);
    ev.until("ticker", |e| matches!(e, StreamEvent::Ticker(_))).await;
    assert!(ev.errors().is_empty(), "{:?}", ev.errors());
}

#[tokio::test]
async fn a_malformed_frame_is_an_error_event_and_the_stream_goes_on() {
    let (server, client) = setup("malformed").await;
    let mut ev = events(&client, vec![Subscription::trades(btc()), Subscription::ticker(btc())]).await;
    subscribed(&server, 0, SPOT_PATH, "btcusdt@trade").await;
    sim::ws_send_text(server.handle(), Api::Spot, "{\"stream\":\"btcusdt@trade\",\"data\":");
    let bad_price = json!({"e": "trade", "E": 1, "s": "BTCUSDT", "t": 7, "p": "abc", "q": "1", "T": 1, "m": true});
    assert_eq!(sim::ws_push(server.handle(), Api::Spot, "btcusdt@trade", &bad_price), 1);
    for _ in 0..2 {
        let i = ev.until("an error", |e| matches!(e, StreamEvent::Error(_))).await;
        let StreamEvent::Error(e) = &ev.seen[i] else {
            unreachable!()
        };
        assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    }
    let order = OrderRequest::market(btc(), Side::Buy, dec!(0.01)).build().unwrap();
    client.place_order(&order).await.unwrap();
    ev.until("trade", |e| matches!(e, StreamEvent::Trade(_))).await;
    assert_eq!(ev.count(is_reconnecting), 0);
    assert_eq!(server.ws().sessions().len(), 1);
}

#[tokio::test]
async fn server_pings_are_answered_with_pongs() {
    let (server, client) = setup("pings").await;
    server.ws().set_ping_interval(Some(Duration::from_millis(5)));
    let _ev = events(&client, vec![Subscription::ticker(btc())]).await;
    let session = subscribed(&server, 0, SPOT_PATH, "btcusdt@ticker").await;
    within("three pongs", session.wait_until(|s| s.pongs() >= 3)).await;
    assert!(!session.is_closed());
}

#[tokio::test]
async fn unknown_symbols_and_channels_fail_before_connecting() {
    let (server, client) = setup("bad_subs").await;
    let eth: Symbol = "DOGE/USDT".parse().unwrap();
    let e = client.stream([Subscription::trades(eth)], fast()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadSymbol);
    let e = client
        .stream([Subscription::candles(perp(), Interval::S1)], fast())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    let inverse: Symbol = "BTC/USD:BTC".parse().unwrap();
    let e = client
        .stream([Subscription::ticker(inverse)], fast())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(server.ws().sessions().is_empty());
}
