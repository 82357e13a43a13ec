//! BingX public market-data streams.
//!
//! * The frames `shared/venues/bingx.md` §7 prints (`fixtures/bingx/ws/`) decode into the
//!   documented replies (insta snapshots).
//! * With feature `sim`: the real `Bingx` client ([`Bingx::stream`]) against the simulated
//!   BingX WebSockets on 127.0.0.1 — the normal flow for swap and spot, a sequence gap and its
//!   resync, a forced disconnect with the book rebuilt once, gzip frames, both heartbeats, and
//!   malformed frames that become `Error` events while the stream goes on.
//!
//! bingx.md lists each data frame's fields but prints no complete data frame; the data frames
//! pushed below are built in the documented shape with [`exch_bingx::sim::data_frame`], with
//! values taken from BingX's own REST examples in `fixtures/bingx/docs/` (ticker
//! `swap_ticker__swap_ticker_one.json`, book `swap_depth__swap_depth.json`, trades
//! `swap_trades__swap_trades.json` and `spot_trades__spot_trades.json`, klines
//! `swap_candles__swap_klines.json`).

use std::path::PathBuf;
use std::sync::Arc;

use exch_bingx::stream::BingxStreams;
use exch_bingx::symbols::SymbolMap;
use exch_core::stream::{Inbound, StreamProtocol, Subscription};
use exch_core::{ClientConfig, Market, MarketKind, MarketStatus, Symbol};
use rust_decimal::Decimal;
use serde_json::Value;

fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/bingx/ws")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn market(sym: &str, native: &str) -> Market {
    let symbol: Symbol = sym.parse().unwrap();
    Market {
        kind: symbol.kind(),
        symbol,
        venue_symbol: native.into(),
        status: MarketStatus::Trading,
        tick_size: Decimal::new(1, 1),
        step_size: Decimal::new(1, 4),
        min_qty: None,
        max_qty: None,
        min_notional: None,
        contract_size: Decimal::ONE,
    }
}

fn offline_protocol() -> BingxStreams {
    BingxStreams::new(&ClientConfig::new())
        .unwrap()
        .with_markets(
            MarketKind::Spot,
            Arc::new(SymbolMap::from_markets(&[market("BTC/USDT", "BTC-USDT")])),
        )
        .with_markets(
            MarketKind::LinearPerpetual,
            Arc::new(SymbolMap::from_markets(&[market("BTC/USDT:USDT", "BTC-USDT")])),
        )
}

fn decoded(name: &str) -> Vec<Inbound> {
    offline_protocol()
        .decode(&fixture(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn documented_swap_ping_is_answered_pong() {
    let out = decoded("swap_ping.txt");
    assert!(matches!(&out[..], [Inbound::Reply(r)] if r == "Pong"));
    insta::assert_debug_snapshot!("ws_swap_ping", out);
}

#[test]
fn documented_spot_ping_is_answered_with_the_same_id_and_time() {
    let out = decoded("spot_ping.txt");
    let [Inbound::Reply(r)] = &out[..] else {
        panic!("{out:?}")
    };
    let v: Value = serde_json::from_str(r).unwrap();
    assert_eq!(v, serde_json::json!({"pong": "<id>", "time": "<ts>"}));
    insta::assert_debug_snapshot!("ws_spot_ping", out);
}

#[test]
fn documented_subscription_ack_is_ignored() {
    let out = decoded("swap_sub_ack.txt");
    assert!(matches!(&out[..], [Inbound::Ignore]));
    insta::assert_debug_snapshot!("ws_swap_sub_ack", out);
}

#[test]
fn subscribe_request_has_the_documented_shape() {
    let doc: Value = serde_json::from_str(&fixture("subscribe_request.txt")).unwrap();
    let perp: Symbol = "BTC/USDT:USDT".parse().unwrap();
    let ours = offline_protocol()
        .subscribe_messages(&[Subscription::trades(perp)])
        .unwrap();
    let ours: Value = serde_json::from_str(&ours[0]).unwrap();
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&ours), keys(&doc));
    assert_eq!(ours["reqType"], doc["reqType"]);
    assert_eq!(ours["dataType"], doc["dataType"]);
    assert!(ours["id"].as_str().is_some_and(|s| !s.is_empty()));
}

#[cfg(feature = "sim")]
mod live {
    use std::time::Duration;

    use exch_bingx::sim::{self, BingxSim};
    use exch_bingx::Bingx;
    use exch_core::stream::{BookError, Channel, ConnectionState, StreamEvent, Subscription};
    use exch_core::{ClientConfig, Environment, ErrorKind, Interval, Level, LimiterRegistry, MarketKind, Side, Symbol};
    use exch_testkit::stream_harness::{
        fast, is_reconnecting, is_resynced, is_resyncing, is_snapshot, is_update, within, Events,
    };
    use exch_testkit::{SimServer, VenueSim, WsFrame, WsSession};
    use futures::StreamExt;
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;
    use serde_json::{json, Value};

    const SWAP: MarketKind = MarketKind::LinearPerpetual;
    const SPOT: MarketKind = MarketKind::Spot;

    fn perp() -> Symbol {
        "BTC/USDT:USDT".parse().unwrap()
    }

    fn spot() -> Symbol {
        "BTC/USDT".parse().unwrap()
    }

    fn lv(price: Decimal, qty: Decimal) -> Level {
        Level { price, qty }
    }

    async fn start() -> (SimServer, Bingx) {
        let server = BingxSim::start().await.unwrap();
        let config = server.client_config().timeout(Duration::from_secs(2));
        let client = Bingx::with_registry(config, &LimiterRegistry::new()).unwrap();
        (server, client)
    }

    /// Subscribes `bx` to `subs`.
    async fn events(bx: &Bingx, subs: Vec<Subscription>) -> Events {
        Events::new(bx.stream(subs, fast()).await.expect("stream"))
    }

    /// The client's requests on `session` as JSON (heartbeat answers included).
    fn requests(session: &WsSession) -> Vec<Value> {
        session
            .received()
            .iter()
            .filter_map(|t| serde_json::from_str(t).ok())
            .collect()
    }

    fn data_types(session: &WsSession, req_type: &str) -> Vec<String> {
        requests(session)
            .iter()
            .filter(|v| v["reqType"] == req_type)
            .map(|v| v["dataType"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    fn publish(server: &SimServer, kind: MarketKind, data_type: &str, data: Value) {
        let frame = sim::data_frame(kind, data_type, data, 1_672_026_648_425);
        assert_eq!(
            sim::publish(server, kind, data_type, &frame),
            1,
            "one session gets {data_type}"
        );
    }

    fn publish_update(server: &SimServer, symbol: &Symbol, bids: &[Level], asks: &[Level]) {
        let frame = sim::depth_update(server, symbol, bids, asks).expect("listed symbol");
        assert_eq!(sim::publish(server, symbol.kind(), "BTC-USDT@incrDepth", &frame), 1);
    }

    fn seeded_bids() -> Vec<Level> {
        vec![lv(dec!(29999), dec!(1)), lv(dec!(29998), dec!(2))]
    }

    fn seeded_asks() -> Vec<Level> {
        vec![lv(dec!(30001), dec!(1)), lv(dec!(30002), dec!(2))]
    }

    #[tokio::test]
    async fn swap_ticker_trades_book_and_candles_decode_into_typed_events() {
        let (server, bx) = start().await;
        let mut ev = events(
            &bx,
            vec![
                Subscription::ticker(perp()),
                Subscription::trades(perp()),
                Subscription::book(perp()),
                Subscription::candles(perp(), Interval::M1),
            ],
        )
        .await;
        let s = server.ws().session(0).await;
        assert_eq!(s.path(), "/swap-market");
        within("kline subscription", s.wait_subscribed("BTC-USDT@kline_1m")).await;
        within("all subscriptions", s.wait_until(|s| s.subscriptions().len() == 4)).await;
        let mut topics = data_types(&s, "sub");
        topics.sort();
        assert_eq!(
            topics,
            [
                "BTC-USDT@incrDepth",
                "BTC-USDT@kline_1m",
                "BTC-USDT@ticker",
                "BTC-USDT@trade"
            ],
            "one request per dataType"
        );
        let ids: std::collections::BTreeSet<String> = requests(&s)
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids.len(), 4, "distinct request ids");

        // The incremental book starts from the `action:"all"` snapshot the venue sends.
        let i = ev.until("book snapshot", is_snapshot).await;
        let StreamEvent::BookSnapshot(b) = &ev.seen[i] else {
            unreachable!()
        };
        assert_eq!(b.symbol, perp());
        assert_eq!((b.bids.clone(), b.asks.clone()), (seeded_bids(), seeded_asks()));
        assert_eq!(b.sequence, Some(sim::FIRST_UPDATE_ID));

        // Ticker fields `e,E,s,p,P,o,h,l,c,v,q,O,C,B,b,A,a,L` (values: BingX's REST ticker example).
        publish(
            &server,
            SWAP,
            "BTC-USDT@ticker",
            json!({"e": "24hTicker", "E": 1672026648425i64, "s": "BTC-USDT", "p": "52.5", "P": "0.31",
                "o": "16832.0", "h": "16897.5", "l": "16726.0", "c": "16880.5", "L": "2.2238",
                "v": "245870.1692", "q": "4151395117.73", "O": 1672026667803i64, "C": 1672026648425i64,
                "b": "16880.5", "B": "1083739", "a": "16881.0", "A": "1518457"}),
        );
        let i = ev.until("ticker", |e| matches!(e, StreamEvent::Ticker(_))).await;
        let StreamEvent::Ticker(t) = &ev.seen[i] else {
            unreachable!()
        };
        assert_eq!(t.symbol, perp());
        assert_eq!(t.last, Some(dec!(16880.5)));
        assert_eq!((t.bid, t.bid_qty), (Some(dec!(16880.5)), Some(dec!(1083739))));
        assert_eq!((t.ask, t.ask_qty), (Some(dec!(16881.0)), Some(dec!(1518457))));
        assert_eq!(
            (t.open, t.high, t.low),
            (Some(dec!(16832.0)), Some(dec!(16897.5)), Some(dec!(16726.0)))
        );
        assert_eq!(
            (t.base_volume, t.quote_volume),
            (Some(dec!(245870.1692)), Some(dec!(4151395117.73)))
        );
        assert_eq!(t.change_percent, Some(dec!(0.31)));
        assert_eq!(t.timestamp, Some(1_672_026_648_425));

        // Swap trades: an array `[{q,p,T,m,s}]`; buyer maker → the taker sold.
        publish(
            &server,
            SWAP,
            "BTC-USDT@trade",
            json!([{"q": "3.3002", "p": "16885.0", "T": 1672025549368i64, "m": true, "s": "BTC-USDT"},
                   {"q": "1.9190", "p": "16884.0", "T": 1672025549368i64, "m": false, "s": "BTC-USDT"}]),
        );
        let i = ev.until("trade", |e| matches!(e, StreamEvent::Trade(_))).await;
        let j = ev.until("second trade", |e| matches!(e, StreamEvent::Trade(_))).await;
        let (StreamEvent::Trade(a), StreamEvent::Trade(b)) = (&ev.seen[i], &ev.seen[j]) else {
            unreachable!()
        };
        assert_eq!(
            (a.symbol.clone(), a.price, a.qty),
            (perp(), dec!(16885.0), dec!(3.3002))
        );
        assert_eq!((a.side, a.timestamp), (Some(Side::Sell), 1_672_025_549_368));
        assert_eq!((b.price, b.qty, b.side), (dec!(16884.0), dec!(1.9190), Some(Side::Buy)));
        assert_eq!(a.id, "", "swap trades carry no id");

        // Swap klines: an array `[{o,c,h,l,v,T}]`.
        publish(
            &server,
            SWAP,
            "BTC-USDT@kline_1m",
            json!([{"o": "19396.8", "c": "19394.4", "h": "19397.5", "l": "19385.7", "v": "110.05", "T": 1666583700000i64}]),
        );
        let i = ev.until("candle", |e| matches!(e, StreamEvent::Candle { .. })).await;
        let StreamEvent::Candle {
            symbol,
            interval,
            candle,
        } = &ev.seen[i]
        else {
            unreachable!()
        };
        assert_eq!((symbol.clone(), *interval), (perp(), Interval::M1));
        assert_eq!(candle.open_time, 1_666_583_700_000);
        assert_eq!(
            (candle.open, candle.high, candle.low, candle.close, candle.volume),
            (dec!(19396.8), dec!(19397.5), dec!(19385.7), dec!(19394.4), dec!(110.05))
        );

        // An `action:"update"` delta: absolute quantities, 0 deletes.
        publish_update(
            &server,
            &perp(),
            &[lv(dec!(29999), dec!(0.5))],
            &[lv(dec!(30001), dec!(0)), lv(dec!(30003), dec!(4))],
        );
        let i = ev.until("book update", is_update).await;
        let StreamEvent::BookUpdate(u) = &ev.seen[i] else {
            unreachable!()
        };
        assert_eq!(u.sequence, Some(sim::FIRST_UPDATE_ID + 1));
        assert_eq!(u.bids, vec![lv(dec!(29999), dec!(0.5))]);
        assert_eq!(u.book.bids, vec![lv(dec!(29999), dec!(0.5)), lv(dec!(29998), dec!(2))]);
        assert_eq!(u.book.asks, vec![lv(dec!(30002), dec!(2)), lv(dec!(30003), dec!(4))]);
        assert!(ev.errors().is_empty(), "{:#?}", ev.seen);
    }

    #[tokio::test]
    async fn spot_frames_partial_book_snapshots_and_spot_kline_codes() {
        let (server, bx) = start().await;
        let mut ev = events(
            &bx,
            vec![
                Subscription::ticker(spot()),
                Subscription::trades(spot()),
                Subscription::new(spot(), Channel::Book { depth: Some(5) }),
                Subscription::candles(spot(), Interval::M1),
            ],
        )
        .await;
        let s = server.ws().session(0).await;
        assert_eq!(s.path(), "/market");
        within("all subscriptions", s.wait_until(|s| s.subscriptions().len() == 4)).await;
        let mut topics = data_types(&s, "sub");
        topics.sort();
        assert_eq!(
            topics,
            [
                "BTC-USDT@depth5",
                "BTC-USDT@kline_1min",
                "BTC-USDT@ticker",
                "BTC-USDT@trade"
            ]
        );

        // A partial book is a snapshot on every push: each one replaces the book.
        let i = ev.until("first partial book", is_snapshot).await;
        let StreamEvent::BookSnapshot(b) = &ev.seen[i] else {
            unreachable!()
        };
        assert_eq!((b.symbol.clone(), b.bids.clone()), (spot(), seeded_bids()));
        publish(
            &server,
            SPOT,
            "BTC-USDT@depth5",
            json!({"bids": [["16880.50000000", "1083739.00000000"]], "asks": [["16881.00000000", "1518457.00000000"], ["16881.50000000", "1.00000000"]]}),
        );
        let i = ev.until("second partial book", is_snapshot).await;
        let StreamEvent::BookSnapshot(b) = &ev.seen[i] else {
            unreachable!()
        };
        assert_eq!(b.bids, vec![lv(dec!(16880.5), dec!(1083739))]);
        assert_eq!(b.asks, vec![lv(dec!(16881), dec!(1518457)), lv(dec!(16881.5), dec!(1))]);

        // Spot trade: one object `{e:"trade",E,s,t,p,q,T,m}` with an id.
        publish(
            &server,
            SPOT,
            "BTC-USDT@trade",
            json!({"e": "trade", "E": 1655085975600i64, "s": "BTC-USDT", "t": "43148253", "p": "25714.71",
                "q": "1.674571", "T": 1655085975589i64, "m": false}),
        );
        let i = ev.until("trade", |e| matches!(e, StreamEvent::Trade(_))).await;
        let StreamEvent::Trade(t) = &ev.seen[i] else {
            unreachable!()
        };
        assert_eq!((t.symbol.clone(), t.id.as_str()), (spot(), "43148253"));
        assert_eq!(
            (t.price, t.qty, t.side),
            (dec!(25714.71), dec!(1.674571), Some(Side::Buy))
        );

        // Spot kline: `data.K {t,T,o,c,h,l,v,q,n,i}`.
        publish(
            &server,
            SPOT,
            "BTC-USDT@kline_1min",
            json!({"e": "kline", "E": 1666583760000i64, "s": "BTC-USDT", "K": {"t": 1666583700000i64, "T": 1666583759999i64,
                "s": "BTC-USDT", "i": "1min", "o": "19396.8", "c": "19394.4", "h": "19397.5", "l": "19385.7",
                "v": "110.05", "q": "2134532.62", "n": 20}}),
        );
        let i = ev.until("candle", |e| matches!(e, StreamEvent::Candle { .. })).await;
        let StreamEvent::Candle {
            symbol,
            interval,
            candle,
        } = &ev.seen[i]
        else {
            unreachable!()
        };
        assert_eq!(
            (symbol.clone(), *interval, candle.open_time),
            (spot(), Interval::M1, 1_666_583_700_000)
        );
        assert_eq!(
            (candle.close, candle.quote_volume),
            (dec!(19394.4), Some(dec!(2134532.62)))
        );

        publish(
            &server,
            SPOT,
            "BTC-USDT@ticker",
            json!({"e": "24hTicker", "E": 1672026648425i64, "s": "BTC-USDT", "c": "16880.5", "o": "16832.0",
                "h": "16897.5", "l": "16726.0", "v": "245870.1692", "q": "4151395117.73", "n": 1000,
                "b": "16880.5", "B": "1", "a": "16881.0", "A": "2", "p": "52.5", "P": "0.31"}),
        );
        let i = ev.until("ticker", |e| matches!(e, StreamEvent::Ticker(_))).await;
        let StreamEvent::Ticker(t) = &ev.seen[i] else {
            unreachable!()
        };
        assert_eq!(
            (t.symbol.clone(), t.last, t.ask_qty),
            (spot(), Some(dec!(16880.5)), Some(dec!(2)))
        );
        assert_eq!(ev.count(is_update), 0, "partial books never produce deltas");
        assert!(ev.errors().is_empty(), "{:#?}", ev.seen);
    }

    #[tokio::test]
    async fn spot_and_swap_of_the_same_native_symbol_stay_apart() {
        let (server, bx) = start().await;
        let mut ev = events(&bx, vec![Subscription::trades(spot()), Subscription::trades(perp())]).await;
        let (a, b) = (server.ws().session(0).await, server.ws().session(1).await);
        within("spot subscribed", a.wait_subscribed("BTC-USDT@trade")).await;
        within("swap subscribed", b.wait_subscribed("BTC-USDT@trade")).await;
        let mut paths = [a.path().to_string(), b.path().to_string()];
        paths.sort();
        assert_eq!(paths, ["/market", "/swap-market"], "one connection per market");
        publish(
            &server,
            SWAP,
            "BTC-USDT@trade",
            json!([{"q": "3.3002", "p": "16885.0", "T": 1672025549368i64, "m": true, "s": "BTC-USDT"}]),
        );
        let i = ev.until("swap trade", |e| matches!(e, StreamEvent::Trade(_))).await;
        let StreamEvent::Trade(t) = &ev.seen[i] else {
            unreachable!()
        };
        assert_eq!((t.symbol.clone(), t.price), (perp(), dec!(16885.0)));
        publish(
            &server,
            SPOT,
            "BTC-USDT@trade",
            json!({"e": "trade", "E": 1655085975600i64, "s": "BTC-USDT", "t": "43148253", "p": "25714.71",
                "q": "1.674571", "T": 1655085975589i64, "m": false}),
        );
        let i = ev.until("spot trade", |e| matches!(e, StreamEvent::Trade(_))).await;
        let StreamEvent::Trade(t) = &ev.seen[i] else {
            unreachable!()
        };
        assert_eq!((t.symbol.clone(), t.price), (spot(), dec!(25714.71)));
    }

    #[tokio::test]
    async fn a_lost_update_resyncs_the_book_by_resubscribing() {
        let (server, bx) = start().await;
        let mut ev = events(&bx, vec![Subscription::book(perp())]).await;
        let s = server.ws().session(0).await;
        within("book subscribed", s.wait_subscribed("BTC-USDT@incrDepth")).await;
        ev.until("snapshot", is_snapshot).await;
        publish_update(&server, &perp(), &[lv(dec!(29999), dec!(3))], &[]);
        ev.until("update 1001", is_update).await;
        // Update 1002 is lost on the way; 1003 arrives.
        let lost = sim::depth_update(&server, &perp(), &[], &[lv(dec!(30001), dec!(0))]);
        assert!(lost.is_some());
        publish_update(&server, &perp(), &[lv(dec!(29997), dec!(1))], &[]);
        let i = ev.until("resyncing", is_resyncing).await;
        let StreamEvent::State(ConnectionState::Resyncing { symbol, reason }) = &ev.seen[i] else {
            unreachable!()
        };
        assert_eq!(symbol, &perp());
        assert!(
            matches!(
                reason,
                BookError::Gap {
                    last: 1001,
                    final_id: 1003,
                    ..
                }
            ),
            "{reason:?}"
        );
        // The book alone is re-subscribed: BingX then sends a fresh `action:"all"`.
        within("resubscribed", s.wait_until(|s| data_types(s, "sub").len() == 2)).await;
        assert_eq!(data_types(&s, "unsub"), ["BTC-USDT@incrDepth"]);
        let i = ev.until("fresh snapshot", is_snapshot).await;
        let StreamEvent::BookSnapshot(b) = &ev.seen[i] else {
            unreachable!()
        };
        let (bids, asks, last) = sim::stream_book(&server, &perp());
        assert_eq!(b.sequence, Some(last));
        assert_eq!(last, sim::FIRST_UPDATE_ID + 3);
        assert_eq!(
            (b.bids.clone(), b.asks.clone()),
            (bids, asks),
            "the lost update is in the new book"
        );
        assert_eq!(b.asks, vec![lv(dec!(30002), dec!(2))]);
        ev.until("resynced", is_resynced).await;
        publish_update(&server, &perp(), &[], &[lv(dec!(30002), dec!(5))]);
        let i = ev.until("update after the resync", is_update).await;
        let StreamEvent::BookUpdate(u) = &ev.seen[i] else {
            unreachable!()
        };
        assert_eq!(u.sequence, Some(sim::FIRST_UPDATE_ID + 4));
        assert_eq!(u.book.asks, vec![lv(dec!(30002), dec!(5))]);
        assert_eq!(server.ws().sessions().len(), 1, "the connection stayed up");
        assert!(ev.errors().is_empty(), "{:#?}", ev.seen);
    }

    #[tokio::test]
    async fn forced_disconnect_reconnects_resubscribes_and_rebuilds_the_book_once() {
        let (server, bx) = start().await;
        let mut ev = events(&bx, vec![Subscription::book(perp()), Subscription::trades(perp())]).await;
        let s0 = server.ws().session(0).await;
        within("book subscribed", s0.wait_subscribed("BTC-USDT@incrDepth")).await;
        ev.until("snapshot", is_snapshot).await;
        publish_update(&server, &perp(), &[lv(dec!(29999), dec!(7))], &[]);
        ev.until("update", is_update).await;

        s0.disconnect();
        let i = ev.until("reconnecting", is_reconnecting).await;
        let StreamEvent::State(ConnectionState::Reconnecting { attempt, delay }) = &ev.seen[i] else {
            unreachable!()
        };
        assert_eq!((*attempt, *delay), (1, Duration::from_millis(5)));
        let s1 = within("second session", server.ws().session(1)).await;
        within("book subscribed again", s1.wait_subscribed("BTC-USDT@incrDepth")).await;
        within("trades subscribed again", s1.wait_subscribed("BTC-USDT@trade")).await;

        let i = ev.until("snapshot after reconnect", is_snapshot).await;
        let snaps = ev.snapshot_sequences(i);
        assert_eq!(snaps, [Some(1000), Some(1001)], "one fresh snapshot, no replay");
        let StreamEvent::BookSnapshot(b) = &ev.seen[i] else {
            unreachable!()
        };
        assert_eq!(
            b.bids,
            vec![lv(dec!(29999), dec!(7)), lv(dec!(29998), dec!(2))],
            "the update is kept once"
        );
        ev.until("resynced", is_resynced).await;
        publish_update(&server, &perp(), &[lv(dec!(29998), dec!(0))], &[]);
        let i = ev.until("update after reconnect", is_update).await;
        let StreamEvent::BookUpdate(u) = &ev.seen[i] else {
            unreachable!()
        };
        assert_eq!(u.sequence, Some(1002));
        let (bids, asks, _) = sim::stream_book(&server, &perp());
        assert_eq!(
            (u.book.bids.clone(), u.book.asks.clone()),
            (bids, asks),
            "neither duplicated nor lost"
        );
        assert_eq!(ev.count(is_update), 2, "{:#?}", ev.seen);
        assert!(ev.errors().is_empty(), "{:#?}", ev.seen);
    }

    #[tokio::test]
    async fn gzip_frames_and_both_heartbeats() {
        let (server, bx) = start().await;
        let mut ev = events(&bx, vec![Subscription::trades(perp()), Subscription::trades(spot())]).await;
        let sessions = [server.ws().session(0).await, server.ws().session(1).await];
        let swap = sessions.iter().find(|s| s.path() == "/swap-market").unwrap().clone();
        let spot_s = sessions.iter().find(|s| s.path() == "/market").unwrap().clone();
        within("swap subscribed", swap.wait_subscribed("BTC-USDT@trade")).await;
        within("spot subscribed", spot_s.wait_subscribed("BTC-USDT@trade")).await;

        // Swap: a gzipped `Ping` is answered with the plain text `Pong`.
        swap.send(WsFrame::Gzip(sim::ping_frame(SWAP, "", "")));
        within("Pong", swap.wait_until(|s| s.received().iter().any(|t| t == "Pong"))).await;
        // Spot: `{"ping":id,"time":ts}` is answered `{"pong":id,"time":ts}`.
        spot_s.send(WsFrame::Gzip(sim::ping_frame(
            SPOT,
            "5f1c2b",
            "2023-06-01T10:00:00.000+0800",
        )));
        within(
            "spot pong",
            spot_s.wait_until(|s| {
                requests(s)
                    .iter()
                    .any(|v| *v == json!({"pong": "5f1c2b", "time": "2023-06-01T10:00:00.000+0800"}))
            }),
        )
        .await;

        // Every frame the simulator sends is gzip (binary); a gzipped trade decodes.
        let frame = sim::data_frame(
            SWAP,
            "BTC-USDT@trade",
            json!([{"q": "1.9190", "p": "16884.0", "T": 1672025549368i64, "m": false, "s": "BTC-USDT"}]),
            0,
        );
        swap.send(WsFrame::Gzip(frame));
        let i = ev.until("gzipped trade", |e| matches!(e, StreamEvent::Trade(_))).await;
        let StreamEvent::Trade(t) = &ev.seen[i] else {
            unreachable!()
        };
        assert_eq!((t.symbol.clone(), t.qty), (perp(), dec!(1.9190)));
        assert!(ev.errors().is_empty(), "{:#?}", ev.seen);
        assert_eq!(server.ws().sessions().len(), 2, "heartbeats kept both connections");
    }

    /// What a raw WebSocket client sees: binary gzip frames only, acks in each market's shape,
    /// and the `action:"all"` book right after the ack.
    #[tokio::test]
    async fn the_simulator_sends_only_gzip_frames_in_the_documented_shapes() {
        use exch_core::stream::{inflate, Compression};
        use futures::SinkExt;
        use tokio_tungstenite::tungstenite::Message;

        let (server, _bx) = start().await;
        for (path, ack_keys) in [
            ("/swap-market", vec!["code", "data", "dataType", "id", "msg"]),
            ("/market", vec!["code", "id", "msg", "timestamp"]),
        ] {
            let url = format!("{}{path}", server.ws_url());
            let (mut ws, _) = within("connect", tokio_tungstenite::connect_async(url)).await.unwrap();
            let sub = json!({"id": "a1", "reqType": "sub", "dataType": "BTC-USDT@incrDepth"});
            ws.send(Message::Text(sub.to_string().into())).await.unwrap();
            let mut frames = Vec::new();
            for _ in 0..2 {
                let msg = within("frame", ws.next()).await.unwrap().unwrap();
                let Message::Binary(b) = msg else {
                    panic!("{path}: a non-binary frame {msg:?}")
                };
                let text = inflate(Compression::Gzip, &b).expect("gzip");
                frames.push(serde_json::from_str::<Value>(&text).unwrap());
            }
            let mut keys: Vec<&str> = frames[0].as_object().unwrap().keys().map(String::as_str).collect();
            keys.sort();
            assert_eq!(keys, ack_keys, "{path} ack {}", frames[0]);
            assert_eq!(
                (frames[0]["id"].clone(), frames[0]["code"].clone()),
                (json!("a1"), json!(0))
            );
            assert_eq!(frames[1]["dataType"], "BTC-USDT@incrDepth");
            assert_eq!(frames[1]["data"]["action"], "all");
            assert_eq!(frames[1]["data"]["lastUpdateId"], json!(sim::FIRST_UPDATE_ID));
            assert_eq!(frames[1]["data"]["bids"][0], json!(["29999", "1"]));
            assert_eq!(
                frames[1].get("success").is_some(),
                path == "/market",
                "spot frames carry success"
            );
        }
    }

    #[tokio::test]
    async fn malformed_frames_become_error_events_and_the_stream_goes_on() {
        let (server, bx) = start().await;
        let mut ev = events(&bx, vec![Subscription::trades(perp())]).await;
        let s = server.ws().session(0).await;
        within("subscribed", s.wait_subscribed("BTC-USDT@trade")).await;
        // Not gzip at all.
        s.send(WsFrame::Binary(b"\x1f\x8bnot really gzip".to_vec()));
        // Truncated JSON.
        s.send(WsFrame::Gzip(
            r#"{"code":0,"dataType":"BTC-USDT@trade","data":[{"q":"#.into(),
        ));
        // A price that is not a number.
        s.send(WsFrame::Gzip(sim::data_frame(
            SWAP,
            "BTC-USDT@trade",
            json!([{"q": "1", "p": "abc", "T": 1, "m": true, "s": "BTC-USDT"}]),
            0,
        )));
        publish(
            &server,
            SWAP,
            "BTC-USDT@trade",
            json!([{"q": "3.3002", "p": "16885.0", "T": 1672025549368i64, "m": true, "s": "BTC-USDT"}]),
        );
        let i = ev.until("the good trade", |e| matches!(e, StreamEvent::Trade(_))).await;
        let StreamEvent::Trade(t) = &ev.seen[i] else {
            unreachable!()
        };
        assert_eq!(t.price, dec!(16885.0));
        let errors = ev.errors();
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(errors.iter().all(|e| e.kind() == ErrorKind::Decode), "{errors:#?}");
        assert!(errors[0].message().contains("decompress"), "{}", errors[0]);
        assert!(errors[1]
            .excerpt()
            .unwrap()
            .starts_with(r#"{"code":0,"dataType":"BTC-USDT@trade""#));
        assert!(errors[2].message().contains("abc"), "{}", errors[2]);
        assert_eq!(server.ws().sessions().len(), 1, "no reconnect for a bad frame");
    }

    #[tokio::test]
    async fn bad_subscriptions_fail_before_connecting() {
        let (server, bx) = start().await;
        let eth: Symbol = "ETH/USDT:USDT".parse().unwrap();
        let e = bx.stream([Subscription::trades(eth)], fast()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadSymbol);
        let e = bx
            .stream([Subscription::candles(spot(), Interval::D3)], fast())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        let e = bx.stream(Vec::new(), fast()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadRequest);
        assert!(server.ws().sessions().is_empty());
        // The VST demo has no spot stream (unless a base URL is overridden).
        let demo = Bingx::with_registry(
            ClientConfig::new().environment(Environment::Demo),
            &LimiterRegistry::new(),
        )
        .unwrap();
        let e = demo.stream([Subscription::trades(spot())], fast()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
    }
}
