//! OKX public streams end to end: the real client ([`Okx::stream`]) against the simulated OKX
//! (`exch_okx::sim`, WebSocket on 127.0.0.1 through the kit's hub).
//!
//! Ticker, trade, candle and the spot book snapshot/update frames are OKX's documented push
//! examples (`fixtures/okx/ws/`). Book frames that must verify carry the levels of OKX's
//! documented checksum strings C1 and C2 (`shared/venues/okx.md` §2) in OKX's `books` push
//! shape, so the checksum the "venue" sends is the real one.

use std::time::Duration;

use exch_core::stream::{
    crc32_interleaved_levels, subscribe, BookError, ConnectionState, Heartbeat, StreamConfig, StreamEvent, Subscription,
};
use exch_core::{Decimal, ErrorKind, Interval, Level, Side, Symbol};
use exch_okx::sim::{self, ws_topic};
use exch_okx::Okx;
use exch_testkit::stream_harness::{
    fast, is_reconnecting, is_resynced, is_resyncing, is_snapshot, is_trade, is_update, received_json, within, Events,
};
use exch_testkit::{SimServer, WsFrame, WsSession};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

const C1: i64 = -1_881_014_294;
const C2: i64 = 831_078_360;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn lv(p: &str, q: &str) -> Level {
    Level { price: d(p), qty: d(q) }
}

fn btc() -> Symbol {
    "BTC/USDT".parse().unwrap()
}

fn perp() -> Symbol {
    "BTC/USDT:USDT".parse().unwrap()
}

fn fixture(name: &str) -> String {
    let path = format!("{}/../../fixtures/okx/ws/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn start() -> SimServer {
    sim::start().await.expect("sim")
}

fn client(server: &SimServer) -> Okx {
    Okx::new(server.client_config().timeout(Duration::from_secs(2))).unwrap()
}

// ---------------------------------------------------------------------------------------------
// OKX `books` pushes with the C1 / C2 levels.

fn books(inst: &str, action: &str, prev: i64, seq: i64, bids: Value, asks: Value, checksum: i64) -> WsFrame {
    WsFrame::json(&json!({
        "arg": {"channel": "books", "instId": inst},
        "action": action,
        "data": [{"asks": asks, "bids": bids, "ts": "1597026383085", "checksum": checksum, "prevSeqId": prev, "seqId": seq}],
    }))
}

/// C1: bids 3366.1:7, 3366:6 / asks 3366.8:9, 3368:8.
fn c1_snapshot(inst: &str, seq: i64) -> WsFrame {
    books(
        inst,
        "snapshot",
        -1,
        seq,
        json!([["3366.1", "7", "0", "1"], ["3366", "6", "0", "1"]]),
        json!([["3366.8", "9", "0", "1"], ["3368", "8", "0", "1"]]),
        C1,
    )
}

/// C2: bid 3366.1:7 / asks 3366.8:9, 3368:8, 3372:8.
fn c2_snapshot(inst: &str, seq: i64) -> WsFrame {
    books(
        inst,
        "snapshot",
        -1,
        seq,
        json!([["3366.1", "7", "0", "1"]]),
        json!([
            ["3366.8", "9", "0", "1"],
            ["3368", "8", "0", "1"],
            ["3372", "8", "0", "1"]
        ]),
        C2,
    )
}

/// C1 → C2: bid 3366 removed, ask 3372 added.
fn c1_to_c2(inst: &str, prev: i64, checksum: i64) -> WsFrame {
    books(
        inst,
        "update",
        prev,
        prev + 1,
        json!([["3366", "0", "0", "0"]]),
        json!([["3372", "8", "0", "1"]]),
        checksum,
    )
}

fn c2_levels() -> (Vec<Level>, Vec<Level>) {
    (
        vec![lv("3366.1", "7")],
        vec![lv("3366.8", "9"), lv("3368", "8"), lv("3372", "8")],
    )
}

// ---------------------------------------------------------------------------------------------
// Harness.

/// Subscribes `okx` to `subs`.
async fn events(okx: &Okx, subs: Vec<Subscription>, cfg: StreamConfig) -> Events {
    Events::new(okx.stream(subs, cfg).await.expect("stream"))
}

/// The `n`-th session (0-based) opened on `path`.
async fn session_on(server: &SimServer, path: &str, n: usize) -> WsSession {
    let mut left = n;
    let mut i = 0;
    loop {
        let s = within("a session", server.ws().session(i)).await;
        if s.path() == path {
            if left == 0 {
                return s;
            }
            left -= 1;
        }
        i += 1;
    }
}

type Client = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text frame, as JSON (or as a JSON string when it is not JSON).
async fn next_json(ws: &mut Client) -> Value {
    let Some(Ok(Message::Text(t))) = within("a frame", ws.next()).await else {
        panic!("no text frame")
    };
    serde_json::from_str(t.as_str()).unwrap_or(Value::String(t.to_string()))
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[tokio::test]
async fn normal_flow_ticker_trades_book_and_candles() {
    let server = start().await;
    let hub = server.ws();
    hub.on_subscribe(
        &ws_topic("tickers", "BTC-USDT"),
        vec![WsFrame::Text(fixture("tickers.json"))],
    );
    hub.on_subscribe(
        &ws_topic("trades", "BTC-USDT"),
        vec![WsFrame::Text(fixture("trades.json"))],
    );
    hub.on_subscribe(
        &ws_topic("books", "BTC-USDT"),
        vec![c1_snapshot("BTC-USDT", 1), c1_to_c2("BTC-USDT", 1, C2)],
    );
    hub.on_subscribe(
        &ws_topic("candle1Dutc", "BTC-USDT"),
        vec![WsFrame::Text(fixture("candle1D.json"))],
    );
    let okx = client(&server);
    let subs = vec![
        Subscription::ticker(btc()),
        Subscription::trades(btc()),
        Subscription::book(btc()),
        Subscription::candles(btc(), Interval::D1),
    ];
    let mut ev = events(&okx, subs, fast()).await;

    let i = ev.any("ticker", |e| matches!(e, StreamEvent::Ticker(_))).await;
    let StreamEvent::Ticker(t) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(
        (t.symbol.clone(), t.last, t.bid, t.ask),
        (btc(), Some(d("9999.99")), Some(d("8888.88")), Some(d("9999.99")))
    );
    let i = ev.any("trade", is_trade).await;
    let StreamEvent::Trade(t) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(
        (t.id.as_str(), t.price, t.qty, t.side, t.timestamp),
        (
            "130639474",
            d("42219.9"),
            d("0.12060306"),
            Some(Side::Buy),
            1_630_048_897_897
        )
    );
    let i = ev.any("snapshot", is_snapshot).await;
    let StreamEvent::BookSnapshot(b) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(b.symbol, btc());
    assert_eq!(b.bids, vec![lv("3366.1", "7"), lv("3366", "6")]);
    assert_eq!(b.asks, vec![lv("3366.8", "9"), lv("3368", "8")]);
    assert_eq!(b.sequence, Some(1));
    let i = ev.any("update", is_update).await;
    let StreamEvent::BookUpdate(u) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(
        (u.bids.clone(), u.asks.clone()),
        (vec![lv("3366", "0")], vec![lv("3372", "8")])
    );
    assert_eq!(u.sequence, Some(2));
    assert_eq!((u.book.bids.clone(), u.book.asks.clone()), c2_levels());
    let i = ev.any("candle", |e| matches!(e, StreamEvent::Candle { .. })).await;
    let StreamEvent::Candle {
        symbol,
        interval,
        candle,
    } = &ev.seen[i]
    else {
        unreachable!()
    };
    assert_eq!((symbol, *interval), (&btc(), Interval::D1));
    assert_eq!(
        (
            candle.open_time,
            candle.open,
            candle.high,
            candle.low,
            candle.close,
            candle.volume,
            candle.closed
        ),
        (
            1_597_026_383_085,
            d("8533.02"),
            d("8553.74"),
            d("8527.17"),
            d("8548.26"),
            d("45247"),
            Some(false)
        )
    );

    // One subscribe frame per connection; candles on /business, the rest on /public.
    let public = session_on(&server, "/ws/v5/public", 0).await;
    let business = session_on(&server, "/ws/v5/business", 0).await;
    assert_eq!(
        received_json(&public, 1).await[0],
        json!({"op": "subscribe", "args": [
            {"channel": "tickers", "instId": "BTC-USDT"},
            {"channel": "trades", "instId": "BTC-USDT"},
            {"channel": "books", "instId": "BTC-USDT"}
        ]})
    );
    assert_eq!(
        received_json(&business, 1).await[0],
        json!({"op": "subscribe", "args": [{"channel": "candle1Dutc", "instId": "BTC-USDT"}]})
    );
    assert_eq!(public.received().len(), 1);
    assert!(ev.errors().is_empty(), "{:#?}", ev.seen);
}

#[tokio::test]
async fn swap_book_trades_and_candles_are_in_base_units() {
    let server = start().await;
    let okx = client(&server);
    let subs = vec![
        Subscription::trades(perp()),
        Subscription::book(perp()),
        Subscription::candles(perp(), Interval::M1),
    ];
    let mut ev = events(&okx, subs, fast()).await;
    let public = session_on(&server, "/ws/v5/public", 0).await;
    within(
        "subscribed",
        public.wait_subscribed(&ws_topic("books", "BTC-USDT-SWAP")),
    )
    .await;
    // Sizes in contracts of 0.01 BTC.
    public.send(c1_snapshot("BTC-USDT-SWAP", 5));
    public.send(c1_to_c2("BTC-USDT-SWAP", 5, C2));
    public.send(WsFrame::json(&json!({"arg": {"channel": "trades", "instId": "BTC-USDT-SWAP"},
        "data": [{"instId": "BTC-USDT-SWAP", "tradeId": "130639474", "px": "42219.9", "sz": "12", "side": "sell", "ts": "1630048897897"}]})));
    let i = ev.until("snapshot", is_snapshot).await;
    let StreamEvent::BookSnapshot(b) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(b.symbol, perp());
    assert_eq!(b.bids, vec![lv("3366.1", "0.07"), lv("3366", "0.06")]);
    assert_eq!(b.asks, vec![lv("3366.8", "0.09"), lv("3368", "0.08")]);
    let i = ev.until("update", is_update).await;
    let StreamEvent::BookUpdate(u) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(u.asks, vec![lv("3372", "0.08")]);
    assert_eq!(u.book.asks[2], lv("3372", "0.08"));
    let i = ev.any("trade", is_trade).await;
    let StreamEvent::Trade(t) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!((t.symbol.clone(), t.qty, t.side), (perp(), d("0.12"), Some(Side::Sell)));

    let business = session_on(&server, "/ws/v5/business", 0).await;
    within(
        "candles subscribed",
        business.wait_subscribed(&ws_topic("candle1m", "BTC-USDT-SWAP")),
    )
    .await;
    business.send(WsFrame::json(
        &json!({"arg": {"channel": "candle1m", "instId": "BTC-USDT-SWAP"},
        "data": [["1597026383085", "8533.02", "8553.74", "8527.17", "8548.26", "45247", "452.47", "3866799.21", "1"]]}),
    ));
    let i = ev.until("candle", |e| matches!(e, StreamEvent::Candle { .. })).await;
    let StreamEvent::Candle {
        symbol,
        interval,
        candle,
    } = &ev.seen[i]
    else {
        unreachable!()
    };
    assert_eq!((symbol, *interval), (&perp(), Interval::M1));
    assert_eq!((candle.volume, candle.closed), (d("452.47"), Some(true)));
    assert!(ev.errors().is_empty(), "{:#?}", ev.seen);
}

#[tokio::test]
async fn sequence_gap_resyncs_that_book_by_resubscribing() {
    let server = start().await;
    let okx = client(&server);
    let mut ev = events(
        &okx,
        vec![Subscription::book(btc()), Subscription::trades(btc())],
        fast(),
    )
    .await;
    let s = session_on(&server, "/ws/v5/public", 0).await;
    within("subscribed", s.wait_subscribed(&ws_topic("books", "BTC-USDT"))).await;
    s.send(c1_snapshot("BTC-USDT", 10));
    ev.until("snapshot", is_snapshot).await;
    // seqId 11 is missing: prevSeqId 11 does not link to 10.
    s.send(c1_to_c2("BTC-USDT", 11, C2));
    let i = ev.until("resyncing", is_resyncing).await;
    let StreamEvent::State(ConnectionState::Resyncing { symbol, reason }) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(symbol, &btc());
    assert_eq!(
        reason,
        &BookError::Gap {
            last: 10,
            first: 12,
            final_id: 12,
            prev: Some(11)
        }
    );
    // That one book is unsubscribed and subscribed again, on the same connection.
    let sent = received_json(&s, 3).await;
    let book_arg = json!([{"channel": "books", "instId": "BTC-USDT"}]);
    assert_eq!(sent[1], json!({"op": "unsubscribe", "args": book_arg}));
    assert_eq!(sent[2], json!({"op": "subscribe", "args": book_arg}));
    within("resubscribed", s.wait_subscribed(&ws_topic("books", "BTC-USDT"))).await;
    // Trades keep flowing meanwhile.
    s.send(WsFrame::Text(fixture("trades.json")));
    ev.until("trade", is_trade).await;
    s.send(c2_snapshot("BTC-USDT", 40));
    let i = ev.until("snapshot after resync", is_snapshot).await;
    let StreamEvent::BookSnapshot(b) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!((b.bids.clone(), b.asks.clone()), c2_levels());
    assert_eq!(b.sequence, Some(40));
    ev.until("resynced", is_resynced).await;
    assert_eq!(server.ws().sessions().len(), 1, "the connection stayed up");
    assert_eq!(ev.count(is_reconnecting), 0);
}

#[tokio::test]
async fn bad_checksum_resyncs_and_the_fresh_book_verifies() {
    let server = start().await;
    let okx = client(&server);
    let mut ev = events(&okx, vec![Subscription::book(btc())], fast()).await;
    let s = session_on(&server, "/ws/v5/public", 0).await;
    within("subscribed", s.wait_subscribed(&ws_topic("books", "BTC-USDT"))).await;
    s.send(c1_snapshot("BTC-USDT", 1));
    ev.until("snapshot", is_snapshot).await;
    // The update links, but its checksum (C1's) does not match the local C2 book.
    s.send(c1_to_c2("BTC-USDT", 1, C1));
    let i = ev.until("resyncing", is_resyncing).await;
    let StreamEvent::State(ConnectionState::Resyncing { reason, .. }) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(
        reason,
        &BookError::Checksum {
            expected: C1,
            computed: C2
        }
    );
    let sent = received_json(&s, 3).await;
    assert_eq!(sent[1]["op"], "unsubscribe");
    assert_eq!(sent[2]["op"], "subscribe");
    s.send(c2_snapshot("BTC-USDT", 5));
    let i = ev.until("snapshot after resync", is_snapshot).await;
    let StreamEvent::BookSnapshot(b) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!((b.bids.clone(), b.asks.clone()), c2_levels());
    ev.until("resynced", is_resynced).await;
    assert_eq!(ev.count(is_update), 0, "the bad update was never handed out");
    assert_eq!(server.ws().sessions().len(), 1);
}

#[tokio::test]
async fn forced_disconnect_reconnects_resubscribes_and_rebuilds_the_book_once() {
    let server = start().await;
    let okx = client(&server);
    let mut ev = events(
        &okx,
        vec![Subscription::book(btc()), Subscription::trades(btc())],
        fast(),
    )
    .await;
    let s0 = session_on(&server, "/ws/v5/public", 0).await;
    within("subscribed", s0.wait_subscribed(&ws_topic("books", "BTC-USDT"))).await;
    s0.send(c1_snapshot("BTC-USDT", 1));
    s0.send(c1_to_c2("BTC-USDT", 1, C2));
    ev.until("update", is_update).await;
    s0.disconnect();
    let i = ev.until("reconnecting", is_reconnecting).await;
    let StreamEvent::State(ConnectionState::Reconnecting { attempt, .. }) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(*attempt, 1);
    let s1 = session_on(&server, "/ws/v5/public", 1).await;
    let sent = received_json(&s1, 1).await;
    assert_eq!(
        sent[0],
        json!({"op": "subscribe", "args": [
            {"channel": "trades", "instId": "BTC-USDT"},
            {"channel": "books", "instId": "BTC-USDT"}
        ]}),
        "everything is subscribed again"
    );
    within("resubscribed", s1.wait_subscribed(&ws_topic("books", "BTC-USDT"))).await;
    // A late update of the old subscription is not applied to a book waiting for its snapshot.
    s1.send(c1_to_c2("BTC-USDT", 1, C2));
    // The venue's book moved on: C2 at seqId 7, then ask 3372 goes to 9.
    let (bids, mut asks) = c2_levels();
    asks[2].qty = d("9");
    let moved = crc32_interleaved_levels(bids, asks, 25);
    s1.send(c2_snapshot("BTC-USDT", 7));
    s1.send(books(
        "BTC-USDT",
        "update",
        7,
        8,
        json!([]),
        json!([["3372", "9", "0", "2"]]),
        moved,
    ));
    let i = ev.until("snapshot after reconnect", is_snapshot).await;
    let snaps = ev.snapshot_sequences(i);
    assert_eq!(snaps, [Some(1), Some(7)]);
    let StreamEvent::BookSnapshot(b) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(
        (b.bids.clone(), b.asks.clone()),
        c2_levels(),
        "neither duplicated nor lost"
    );
    ev.until("resynced", is_resynced).await;
    let i = ev.until("update after reconnect", is_update).await;
    let StreamEvent::BookUpdate(u) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(u.sequence, Some(8));
    assert_eq!(u.book.asks, vec![lv("3366.8", "9"), lv("3368", "8"), lv("3372", "9")]);
    assert_eq!(ev.count(is_update), 2, "one update per session: {:#?}", ev.seen);
    assert!(ev.errors().is_empty(), "{:#?}", ev.seen);
}

#[tokio::test]
async fn text_ping_is_answered_pong_and_keeps_the_connection_alive() {
    let server = start().await;
    let okx = client(&server);
    let subs = vec![Subscription::trades(btc())];
    // Without the pongs the socket would be declared dead after 250 ms, i.e. after 12 pings.
    let protocol = okx
        .stream_protocol(&subs)
        .await
        .unwrap()
        .with_heartbeat(Heartbeat::client_text(
            "ping",
            Duration::from_millis(20),
            Duration::from_millis(250),
        ));
    let stream = subscribe(std::sync::Arc::new(protocol), subs, fast()).unwrap();
    let s0 = session_on(&server, "/ws/v5/public", 0).await;
    within(
        "fifteen pings",
        s0.wait_until(|s| s.received().iter().filter(|m| *m == "ping").count() >= 15),
    )
    .await;
    assert_eq!(server.ws().sessions().len(), 1);
    assert!(!s0.is_closed());
    drop(stream);
}

#[tokio::test]
async fn the_default_heartbeat_is_okx_text_ping_under_30_s() {
    let server = start().await;
    let okx = client(&server);
    let p = okx.stream_protocol(&[Subscription::trades(btc())]).await.unwrap();
    let hb = exch_core::stream::StreamProtocol::heartbeat(&p, p.public_url());
    assert_eq!(hb.ping_text.as_deref(), Some("ping"));
    assert!(hb.ping_after < Duration::from_secs(30));
    assert!(p.public_url().starts_with("ws://127.0.0.1:") && p.public_url().ends_with("/ws/v5/public"));
    assert!(p.business_url().ends_with("/ws/v5/business"));
}

#[tokio::test]
async fn malformed_frames_and_venue_errors_become_error_events_and_the_stream_goes_on() {
    let server = start().await;
    let okx = client(&server);
    let mut ev = events(&okx, vec![Subscription::trades(btc())], fast()).await;
    let s = session_on(&server, "/ws/v5/public", 0).await;
    within("subscribed", s.wait_subscribed(&ws_topic("trades", "BTC-USDT"))).await;
    s.send(WsFrame::Text(
        r#"{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"px":"#.into(),
    ));
    s.send(WsFrame::Text(
        r#"{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"abc","sz":"1","side":"buy","ts":"1"}]}"#.into(),
    ));
    s.send(WsFrame::Text(fixture("error.json")));
    s.send(WsFrame::Text(fixture("trades.json")));
    let i = ev.until("trade", is_trade).await;
    let StreamEvent::Trade(t) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(t.id, "130639474");
    let errors = ev.errors();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert_eq!(errors[0].kind(), ErrorKind::Decode);
    assert!(errors[0]
        .excerpt()
        .unwrap()
        .starts_with(r#"{"arg":{"channel":"trades""#));
    assert_eq!(errors[1].kind(), ErrorKind::Decode);
    assert_eq!(errors[2].code(), Some("60012"), "{}", errors[2]);
    assert_eq!(server.ws().sessions().len(), 1, "no reconnect for a bad frame");
}

#[tokio::test]
async fn service_upgrade_notice_reconnects_and_resubscribes() {
    let server = start().await;
    let okx = client(&server);
    let mut ev = events(&okx, vec![Subscription::trades(btc())], fast()).await;
    let s0 = session_on(&server, "/ws/v5/public", 0).await;
    within("subscribed", s0.wait_subscribed(&ws_topic("trades", "BTC-USDT"))).await;
    s0.send(WsFrame::Text(fixture("notice_64008.json")));
    ev.until("reconnecting", is_reconnecting).await;
    let s1 = session_on(&server, "/ws/v5/public", 1).await;
    within("resubscribed", s1.wait_subscribed(&ws_topic("trades", "BTC-USDT"))).await;
    s1.send(WsFrame::Text(fixture("trades.json")));
    ev.until("trade", is_trade).await;
}

#[tokio::test]
async fn unknown_symbols_and_unsupported_intervals_fail_before_connecting() {
    let server = start().await;
    let okx = client(&server);
    let e = okx
        .stream([Subscription::ticker("DOGE/USDT".parse().unwrap())], fast())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadSymbol);
    let e = okx
        .stream([Subscription::candles(btc(), Interval::H8)], fast())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(server.ws().sessions().is_empty());
}

#[tokio::test]
async fn live_books_serve_the_engine_book_with_a_valid_checksum() {
    let server = start().await;
    sim::set_live_books(&server, true);
    let okx = client(&server);
    let mut ev = events(&okx, vec![Subscription::book(perp())], fast()).await;
    let i = ev.until("snapshot", is_snapshot).await;
    let StreamEvent::BookSnapshot(b) = &ev.seen[i] else {
        unreachable!()
    };
    let rest = exch_core::Exchange::order_book(&okx, &perp(), Some(400)).await.unwrap();
    assert_eq!(
        (b.bids.clone(), b.asks.clone()),
        (rest.bids, rest.asks),
        "base units, like REST"
    );
    assert!(ev.errors().is_empty() && ev.count(is_resyncing) == 0, "{:#?}", ev.seen);
}

/// The frames of `fixtures/okx/ws/` decoded by the protocol (insta snapshot per file; the
/// `error.json` event is asserted field by field in the malformed-frames test instead, since
/// its debug form is the core error's internals).
#[test]
fn fixture_frames_decode() {
    let insts: Vec<exch_okx::wire::Instrument> = serde_json::from_str(sim::SEED_INSTRUMENTS).unwrap();
    let markets = exch_okx::symbols::MarketMap::new(exch_okx::parse::markets(&insts).unwrap());
    let p = exch_okx::OkxStreams::with_urls(markets, "ws://public", "ws://business");
    for name in [
        "books_snapshot",
        "books_update",
        "tickers",
        "trades",
        "candle1D",
        "subscribe_ack",
        "notice_64008",
    ] {
        let items = exch_core::stream::StreamProtocol::decode(&p, &fixture(&format!("{name}.json")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(items.len(), 1, "{name}: {items:?}");
        insta::assert_debug_snapshot!(format!("ws_{name}"), items);
    }
}

#[tokio::test]
async fn sim_endpoints_answer_like_okx() {
    let server = start().await;
    let base = server.ws_url();
    let (mut public, _) = tokio_tungstenite::connect_async(format!("{base}/ws/v5/public"))
        .await
        .unwrap();
    public.send(Message::Text("ping".into())).await.unwrap();
    assert_eq!(next_json(&mut public).await, json!("pong"));
    public
        .send(Message::Text(
            json!({"op": "subscribe", "args": [{"channel": "candle1m", "instId": "BTC-USDT"}, {"channel": "books", "instId": "BTC-USDT"}]})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    let err = next_json(&mut public).await;
    assert_eq!(
        (err["event"].as_str(), err["code"].as_str()),
        (Some("error"), Some("64001"))
    );
    let ack = next_json(&mut public).await;
    assert_eq!(ack["event"], "subscribe");
    assert_eq!(ack["arg"], json!({"channel": "books", "instId": "BTC-USDT"}));
    public
        .send(Message::Text(
            json!({"op": "subscribe", "args": [{"channel": "tickers", "instId": "NOPE-USDT"}]})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    assert_eq!(next_json(&mut public).await["code"], "60018");
    let (mut business, _) = tokio_tungstenite::connect_async(format!("{base}/ws/v5/business"))
        .await
        .unwrap();
    business
        .send(Message::Text(
            json!({"op": "subscribe", "args": [{"channel": "trades", "instId": "BTC-USDT"}]})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    assert_eq!(next_json(&mut business).await["code"], "64002");
    business.send(Message::Text("{not json".into())).await.unwrap();
    assert_eq!(next_json(&mut business).await["code"], "60012");
}
