//! `exch_core::stream` end to end: the real reconnecting driver against the kit's WebSocket hub
//! on 127.0.0.1, speaking a tiny generic JSON protocol defined below.
//!
//! Book prices and sizes are OKX's documented checksum vectors C1 and C2
//! (`shared/venues/okx.md` §2), so the checksum the "venue" sends is the real one.
//!
//! Wire of the test protocol:
//! - client → server: `{"op":"subscribe"|"unsubscribe","args":["trades.BTCUSDT", ...]}`, `ping`, `Pong`;
//! - server → client: acks `{"event":"subscribed",...}`, `pong`, `Ping`, notices
//!   `{"event":"notice"}` (reconnect now), and pushes
//!   `{"topic":"trades.BTCUSDT","id":..,"px":..,"sz":..,"side":..,"ts":..}`,
//!   `{"topic":"ticker.BTCUSDT","last":..,"ts":..}`,
//!   `{"topic":"book.BTCUSDT","type":"snapshot"|"delta","first":U,"seq":u,"prev":p,"bids":[[px,sz]],"asks":[..],"checksum":c}`.
//! - REST snapshot: `GET /depth` → `{"lastUpdateId":..,"bids":[..],"asks":[..]}`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{State, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use exch_core::stream::{
    crc32_interleaved, crc32_interleaved_levels, subscribe, BookError, BookMessage, BookSync, ChecksumFn, Compression,
    ConnectionState, Heartbeat, Inbound, SequenceRule, StreamConfig, StreamEvent, StreamProtocol, Subscription,
};
use exch_core::{Error, ErrorKind, Level, Result, Side, Symbol, Ticker, Trade};
use exch_testkit::stream_harness::{
    fast, is_connected, is_reconnecting, is_resynced, is_resyncing, is_snapshot, is_update, received, within, Events,
};
use exch_testkit::{SimHandle, SimServer, WsFrame, WsProtocol, WsSession};
use futures::future::BoxFuture;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{json, Value};

fn btc() -> Symbol {
    "BTC/USDT".parse().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Server side: the hub protocol.

struct ServerWs;

impl WsProtocol for ServerWs {
    fn on_text(&self, session: &WsSession, _sim: &SimHandle, text: &str) -> Vec<WsFrame> {
        if text == "ping" {
            return vec![WsFrame::Text("pong".into())];
        }
        let Ok(v) = serde_json::from_str::<Value>(text) else {
            return Vec::new();
        };
        let topics: Vec<String> = v["args"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect();
        match v["op"].as_str() {
            Some("subscribe") => {
                for t in &topics {
                    session.subscribe(t);
                }
                vec![WsFrame::json(&json!({"event": "subscribed", "args": topics}))]
            }
            Some("unsubscribe") => {
                for t in &topics {
                    session.unsubscribe(t);
                }
                vec![WsFrame::json(&json!({"event": "unsubscribed", "args": topics}))]
            }
            _ => Vec::new(),
        }
    }
}

async fn ws_route(State(sim): State<SimHandle>, upgrade: WebSocketUpgrade) -> Response {
    sim.ws().accept(sim.clone(), upgrade, "/ws", Arc::new(ServerWs))
}

async fn market_route(State(sim): State<SimHandle>, upgrade: WebSocketUpgrade) -> Response {
    sim.ws().accept(sim.clone(), upgrade, "/market", Arc::new(ServerWs))
}

struct Venue {
    server: SimServer,
    /// The body `GET /depth` answers.
    depth: Arc<Mutex<Value>>,
}

async fn venue() -> Venue {
    let depth = Arc::new(Mutex::new(json!({})));
    let d = depth.clone();
    let router = Router::new()
        .route("/ws", get(ws_route))
        .route("/market", get(market_route))
        .route(
            "/depth",
            get(move || {
                let d = d.clone();
                async move { Json(d.lock().unwrap().clone()) }
            }),
        );
    let server = SimServer::start(SimHandle::new(), router).await.expect("server");
    Venue { server, depth }
}

// ---------------------------------------------------------------------------------------------
// Client side: the StreamProtocol under test.

#[derive(Clone)]
struct Proto {
    ws_url: String,
    /// Where tickers live, when not on `ws_url` (a venue with routed paths).
    ticker_url: Option<String>,
    http_url: String,
    mode: BookSync,
    rule: SequenceRule,
    checksum: bool,
    compression: Compression,
    heartbeat: Heartbeat,
    http: reqwest::Client,
}

impl Proto {
    fn new(v: &Venue) -> Self {
        Proto {
            ws_url: format!("{}/ws", v.server.ws_url()),
            ticker_url: None,
            http_url: v.server.base_url(),
            mode: BookSync::Stream,
            rule: SequenceRule::Linked,
            checksum: true,
            compression: Compression::None,
            heartbeat: Heartbeat::server(Duration::from_secs(30)),
            http: reqwest::Client::new(),
        }
    }
}

fn topic(sub: &Subscription) -> Result<String> {
    let id = format!("{}{}", sub.symbol.base(), sub.symbol.quote());
    match sub.channel {
        exch_core::Channel::Trades => Ok(format!("trades.{id}")),
        exch_core::Channel::Ticker => Ok(format!("ticker.{id}")),
        exch_core::Channel::Book { .. } => Ok(format!("book.{id}")),
        exch_core::Channel::Candles(_) => Err(Error::new(ErrorKind::Unsupported, "no candles in the test protocol")),
    }
}

fn bad(text: &str, what: &str) -> Error {
    Error::decode("test-ws", text.as_bytes(), what)
}

fn dec_of(text: &str, v: &Value) -> Result<Decimal> {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(text, "bad number"))
}

fn levels(text: &str, v: &Value) -> Result<Vec<Level>> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            Ok(Level {
                price: dec_of(text, &l[0])?,
                qty: dec_of(text, &l[1])?,
            })
        })
        .collect()
}

fn symbol_of(text: &str, topic: &str) -> Result<Symbol> {
    match topic.split_once('.').map(|(_, s)| s) {
        Some("BTCUSDT") => Ok(btc()),
        _ => Err(bad(text, "unknown topic")),
    }
}

impl StreamProtocol for Proto {
    fn url(&self, sub: &Subscription) -> Result<String> {
        match (&self.ticker_url, sub.channel) {
            (Some(u), exch_core::Channel::Ticker) => Ok(u.clone()),
            _ => Ok(self.ws_url.clone()),
        }
    }

    fn subscribe_messages(&self, subs: &[Subscription]) -> Result<Vec<String>> {
        let args = subs.iter().map(topic).collect::<Result<Vec<_>>>()?;
        Ok(vec![json!({"op": "subscribe", "args": args}).to_string()])
    }

    fn unsubscribe_messages(&self, subs: &[Subscription]) -> Result<Vec<String>> {
        let args = subs.iter().map(topic).collect::<Result<Vec<_>>>()?;
        Ok(vec![json!({"op": "unsubscribe", "args": args}).to_string()])
    }

    fn decode(&self, text: &str) -> Result<Vec<Inbound>> {
        match text {
            "Ping" => return Ok(vec![Inbound::Reply("Pong".into())]),
            "pong" => return Ok(vec![Inbound::Ignore]),
            _ => {}
        }
        let v: Value = serde_json::from_str(text).map_err(|e| Error::decode("test-ws", text.as_bytes(), e))?;
        if let Some(event) = v["event"].as_str() {
            return Ok(vec![if event == "notice" {
                Inbound::Reconnect
            } else {
                Inbound::Ignore
            }]);
        }
        let topic = v["topic"].as_str().ok_or_else(|| bad(text, "no topic"))?;
        let symbol = symbol_of(text, topic)?;
        let item = if topic.starts_with("trades.") {
            Inbound::Event(StreamEvent::Trade(Trade {
                symbol,
                id: v["id"].as_str().ok_or_else(|| bad(text, "no id"))?.to_string(),
                price: dec_of(text, &v["px"])?,
                qty: dec_of(text, &v["sz"])?,
                side: v["side"].as_str().and_then(|s| s.parse::<Side>().ok()),
                timestamp: v["ts"].as_i64().ok_or_else(|| bad(text, "no ts"))?,
            }))
        } else if topic.starts_with("ticker.") {
            Inbound::Event(StreamEvent::Ticker(Ticker {
                symbol,
                last: Some(dec_of(text, &v["last"])?),
                bid: None,
                bid_qty: None,
                ask: None,
                ask_qty: None,
                open: None,
                high: None,
                low: None,
                base_volume: None,
                quote_volume: None,
                change_percent: None,
                timestamp: v["ts"].as_i64(),
            }))
        } else if topic.starts_with("book.") {
            let (bids, asks) = (levels(text, &v["bids"])?, levels(text, &v["asks"])?);
            let mut m = match v["type"].as_str() {
                Some("snapshot") => BookMessage::snapshot(symbol, bids, asks),
                Some("delta") => BookMessage::delta(symbol, bids, asks),
                _ => return Err(bad(text, "bad book type")),
            };
            m.first_id = v["first"].as_u64();
            m.last_id = v["seq"].as_u64();
            m.prev_id = v["prev"].as_u64();
            m.checksum = v["checksum"].as_i64();
            Inbound::Book(m)
        } else {
            return Err(bad(text, "unknown topic"));
        };
        Ok(vec![item])
    }

    fn compression(&self) -> Compression {
        self.compression
    }

    fn heartbeat(&self, _url: &str) -> Heartbeat {
        self.heartbeat.clone()
    }

    fn sequence_rule(&self, _sub: &Subscription) -> SequenceRule {
        self.rule
    }

    fn checksum(&self, _sub: &Subscription) -> Option<ChecksumFn> {
        self.checksum.then_some((|b| crc32_interleaved(b, 25)) as ChecksumFn)
    }

    fn book_sync(&self, _sub: &Subscription) -> BookSync {
        self.mode
    }

    fn fetch_snapshot(&self, symbol: &Symbol) -> BoxFuture<'static, Result<BookMessage>> {
        let (http, url, symbol) = (self.http.clone(), format!("{}/depth", self.http_url), symbol.clone());
        Box::pin(async move {
            let resp = http
                .get(url)
                .send()
                .await
                .map_err(|e| Error::new(ErrorKind::Network, e.to_string()))?;
            let text = resp
                .text()
                .await
                .map_err(|e| Error::new(ErrorKind::Network, e.to_string()))?;
            let v: Value = serde_json::from_str(&text)?;
            let id = v["lastUpdateId"]
                .as_u64()
                .ok_or_else(|| bad(&text, "no lastUpdateId"))?;
            Ok(BookMessage::snapshot(symbol, levels(&text, &v["bids"])?, levels(&text, &v["asks"])?).with_last_id(id))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Frames. C1 = bids 3366.1:7, 3366:6 / asks 3366.8:9, 3368:8 (checksum -1881014294);
// C2 = bid 3366.1:7 / asks 3366.8:9, 3368:8, 3372:8 (checksum 831078360).

const C1: i64 = -1_881_014_294;
const C2: i64 = 831_078_360;

fn c1_snapshot(seq: u64) -> WsFrame {
    WsFrame::json(&json!({"topic": "book.BTCUSDT", "type": "snapshot", "seq": seq,
        "bids": [["3366.1", "7"], ["3366", "6"]], "asks": [["3366.8", "9"], ["3368", "8"]], "checksum": C1}))
}

fn c2_snapshot(seq: u64) -> WsFrame {
    WsFrame::json(&json!({"topic": "book.BTCUSDT", "type": "snapshot", "seq": seq,
        "bids": [["3366.1", "7"]], "asks": [["3366.8", "9"], ["3368", "8"], ["3372", "8"]], "checksum": C2}))
}

/// C1 → C2: bid 3366 removed, ask 3372 added.
fn c1_to_c2(prev: u64, checksum: i64) -> WsFrame {
    WsFrame::json(
        &json!({"topic": "book.BTCUSDT", "type": "delta", "seq": prev + 1, "prev": prev,
        "bids": [["3366", "0"]], "asks": [["3372", "8"]], "checksum": checksum}),
    )
}

fn trade(id: &str) -> String {
    json!({"topic": "trades.BTCUSDT", "id": id, "px": "3366.8", "sz": "0.5", "side": "buy", "ts": 1_597_026_383_085_i64})
        .to_string()
}

fn lv(p: Decimal, q: Decimal) -> Level {
    Level { price: p, qty: q }
}

fn c2_levels() -> (Vec<Level>, Vec<Level>) {
    (
        vec![lv(dec!(3366.1), dec!(7))],
        vec![
            lv(dec!(3366.8), dec!(9)),
            lv(dec!(3368), dec!(8)),
            lv(dec!(3372), dec!(8)),
        ],
    )
}

// ---------------------------------------------------------------------------------------------
// Harness.

/// Subscribes `proto` to `subs` through the real driver.
fn events(proto: Proto, subs: Vec<Subscription>, cfg: StreamConfig) -> Events {
    Events::new(subscribe(Arc::new(proto), subs, cfg).expect("subscribe"))
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[tokio::test]
async fn normal_flow_book_trades_and_one_subscribe_frame() {
    let v = venue().await;
    v.server
        .ws()
        .on_subscribe("book.BTCUSDT", vec![c1_snapshot(1), c1_to_c2(1, C2)]);
    v.server
        .ws()
        .on_subscribe("trades.BTCUSDT", vec![WsFrame::Text(trade("28457"))]);
    let mut ev = events(
        Proto::new(&v),
        vec![Subscription::trades(btc()), Subscription::book(btc())],
        fast(),
    );
    ev.until("connected", is_connected).await;
    let i = ev.until("snapshot", is_snapshot).await;
    let StreamEvent::BookSnapshot(b) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(b.symbol, btc());
    assert_eq!(b.bids, vec![lv(dec!(3366.1), dec!(7)), lv(dec!(3366), dec!(6))]);
    assert_eq!(b.asks, vec![lv(dec!(3366.8), dec!(9)), lv(dec!(3368), dec!(8))]);
    assert_eq!(b.sequence, Some(1));
    let i = ev.until("update", is_update).await;
    let StreamEvent::BookUpdate(u) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(u.bids, vec![lv(dec!(3366), dec!(0))]);
    assert_eq!(u.asks, vec![lv(dec!(3372), dec!(8))]);
    assert_eq!(u.sequence, Some(2));
    assert_eq!((u.book.bids.clone(), u.book.asks.clone()), c2_levels());
    assert_eq!(u.book.best_bid(), Some(lv(dec!(3366.1), dec!(7))));
    let i = ev.any("trade", |e| matches!(e, StreamEvent::Trade(_))).await;
    let StreamEvent::Trade(t) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(
        (t.id.as_str(), t.price, t.qty, t.side),
        ("28457", dec!(3366.8), dec!(0.5), Some(Side::Buy))
    );

    let session = v.server.ws().session(0).await;
    let sent = received(&session, 1).await;
    assert_eq!(sent.len(), 1, "one subscribe frame for the whole set: {sent:?}");
    let sub: Value = serde_json::from_str(&sent[0]).unwrap();
    assert_eq!(
        sub,
        json!({"op": "subscribe", "args": ["trades.BTCUSDT", "book.BTCUSDT"]})
    );
    assert_eq!(ev.count(|e| matches!(e, StreamEvent::Error(_))), 0, "{:#?}", ev.seen);
}

#[tokio::test]
async fn sequence_gap_resyncs_that_book_by_resubscribing() {
    let v = venue().await;
    let mut ev = events(
        Proto::new(&v),
        vec![Subscription::book(btc()), Subscription::trades(btc())],
        fast(),
    );
    let session = v.server.ws().session(0).await;
    within("subscribed", session.wait_subscribed("book.BTCUSDT")).await;
    session.send(c1_snapshot(10));
    ev.until("snapshot", is_snapshot).await;
    // seq 11 is missing: prev 11 does not link to 10.
    session.send(c1_to_c2(11, C2));
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
    // The book alone is re-subscribed: unsubscribe + subscribe of that one topic.
    let sent = received(&session, 3).await;
    assert_eq!(
        serde_json::from_str::<Value>(&sent[1]).unwrap(),
        json!({"op": "unsubscribe", "args": ["book.BTCUSDT"]})
    );
    assert_eq!(
        serde_json::from_str::<Value>(&sent[2]).unwrap(),
        json!({"op": "subscribe", "args": ["book.BTCUSDT"]})
    );
    // Trades keep flowing on the same connection meanwhile.
    session.send(WsFrame::Text(trade("28458")));
    ev.until("trade", |e| matches!(e, StreamEvent::Trade(_))).await;
    session.send(c2_snapshot(40));
    let i = ev.until("snapshot after resync", is_snapshot).await;
    let StreamEvent::BookSnapshot(b) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!((b.bids.clone(), b.asks.clone()), c2_levels());
    assert_eq!(b.sequence, Some(40));
    ev.until("resynced", is_resynced).await;
    assert_eq!(v.server.ws().sessions().len(), 1, "the connection stayed up");
    assert_eq!(ev.count(is_reconnecting), 0);
}

#[tokio::test]
async fn gap_resyncs_from_a_rest_snapshot_with_buffered_deltas() {
    let v = venue().await;
    let mut proto = Proto::new(&v);
    proto.mode = BookSync::Rest;
    proto.rule = SequenceRule::Range;
    proto.checksum = false;
    *v.depth.lock().unwrap() = json!({"lastUpdateId": 100, "bids": [["3366.1", "7"], ["3366", "6"]], "asks": [["3366.8", "9"], ["3368", "8"]]});
    let mut ev = events(proto, vec![Subscription::book(btc())], fast());
    let session = v.server.ws().session(0).await;
    within("subscribed", session.wait_subscribed("book.BTCUSDT")).await;
    let delta = |first: u64, last: u64, bids: Value, asks: Value| {
        WsFrame::json(
            &json!({"topic": "book.BTCUSDT", "type": "delta", "first": first, "seq": last, "bids": bids, "asks": asks}),
        )
    };
    // Old (covered by the snapshot), then straddling the snapshot id: U <= 101 <= u.
    session.send(delta(95, 100, json!([["3366.1", "1"]]), json!([])));
    session.send(delta(101, 102, json!([["3366", "0"]]), json!([["3372", "8"]])));
    let i = ev.until("snapshot", is_snapshot).await;
    let StreamEvent::BookSnapshot(b) = &ev.seen[i] else {
        unreachable!()
    };
    // The old delta was dropped, the straddling one applied: the C2 book.
    assert_eq!((b.bids.clone(), b.asks.clone()), c2_levels());
    assert_eq!(b.sequence, Some(102));
    session.send(delta(103, 103, json!([]), json!([["3372", "9"]])));
    let i = ev.until("update", is_update).await;
    let StreamEvent::BookUpdate(u) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(u.book.asks[2], lv(dec!(3372), dec!(9)));
    // A gap (104 missing). The venue's book meanwhile is at 104.
    *v.depth.lock().unwrap() = json!({"lastUpdateId": 104, "bids": [["3366.1", "7"]], "asks": [["3366.8", "9"], ["3368", "8"], ["3372", "9"]]});
    session.send(delta(105, 105, json!([["3366.1", "8"]]), json!([])));
    ev.until("resyncing", |e| {
        matches!(
            e,
            StreamEvent::State(ConnectionState::Resyncing {
                reason: BookError::Gap {
                    last: 103,
                    first: 105,
                    ..
                },
                ..
            })
        )
    })
    .await;
    let i = ev.until("snapshot after resync", is_snapshot).await;
    let StreamEvent::BookSnapshot(b) = &ev.seen[i] else {
        unreachable!()
    };
    // Snapshot 104 plus the buffered delta 105.
    assert_eq!(b.bids, vec![lv(dec!(3366.1), dec!(8))]);
    assert_eq!(b.sequence, Some(105));
    ev.until("resynced", is_resynced).await;
    assert_eq!(v.server.log().count("GET", "/depth"), 2);
    assert_eq!(v.server.ws().sessions().len(), 1, "the connection stayed up");
    assert_eq!(session.received().len(), 1, "a REST resync sends nothing on the socket");
}

#[tokio::test]
async fn bad_checksum_resyncs_and_the_fresh_book_verifies() {
    let v = venue().await;
    let mut ev = events(Proto::new(&v), vec![Subscription::book(btc())], fast());
    let session = v.server.ws().session(0).await;
    within("subscribed", session.wait_subscribed("book.BTCUSDT")).await;
    session.send(c1_snapshot(1));
    ev.until("snapshot", is_snapshot).await;
    // The delta links, but the venue's checksum (C1's) does not match the local C2 book.
    session.send(c1_to_c2(1, C1));
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
    received(&session, 3).await;
    session.send(c2_snapshot(5));
    let i = ev.until("snapshot after resync", is_snapshot).await;
    let StreamEvent::BookSnapshot(b) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!((b.bids.clone(), b.asks.clone()), c2_levels());
    ev.until("resynced", is_resynced).await;
    assert_eq!(ev.count(is_update), 0, "the bad delta was never handed out");
    assert_eq!(v.server.ws().sessions().len(), 1);
}

#[tokio::test]
async fn forced_disconnect_reconnects_resubscribes_and_rebuilds_the_book_once() {
    let v = venue().await;
    let mut ev = events(
        Proto::new(&v),
        vec![Subscription::book(btc()), Subscription::trades(btc())],
        fast(),
    );
    let s0 = v.server.ws().session(0).await;
    within("subscribed", s0.wait_subscribed("book.BTCUSDT")).await;
    s0.send(c1_snapshot(1));
    s0.send(c1_to_c2(1, C2));
    ev.until("update", is_update).await;
    s0.disconnect();
    let i = ev.until("reconnecting", is_reconnecting).await;
    let StreamEvent::State(ConnectionState::Reconnecting { attempt, delay }) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!((*attempt, *delay), (1, Duration::from_millis(5)));
    let s1 = within("second session", v.server.ws().session(1)).await;
    let sent = received(&s1, 1).await;
    assert_eq!(
        serde_json::from_str::<Value>(&sent[0]).unwrap(),
        json!({"op": "subscribe", "args": ["trades.BTCUSDT", "book.BTCUSDT"]}),
        "everything is subscribed again"
    );
    ev.until("connected again", is_connected).await;
    // A delta of the new subscription before its snapshot is not applied to the old book.
    s1.send(c1_to_c2(1, C2));
    // The venue's book moved on while we were away: C2 at seq 7, then ask 3372 goes to 9.
    let (bids, mut asks) = c2_levels();
    asks[2].qty = dec!(9);
    let moved = crc32_interleaved_levels(bids, asks, 25);
    s1.send(c2_snapshot(7));
    s1.send(WsFrame::json(
        &json!({"topic": "book.BTCUSDT", "type": "delta", "seq": 8, "prev": 7,
        "bids": [], "asks": [["3372", "9"]], "checksum": moved}),
    ));
    let i = ev.until("snapshot after reconnect", is_snapshot).await;
    // The first snapshot event after the reconnect is the new one (seq 7), not a replay.
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
    assert_eq!(
        u.book.asks,
        vec![
            lv(dec!(3366.8), dec!(9)),
            lv(dec!(3368), dec!(8)),
            lv(dec!(3372), dec!(9))
        ]
    );
    assert_eq!(ev.count(is_update), 2, "one update per session: {:#?}", ev.seen);
    assert_eq!(ev.count(|e| matches!(e, StreamEvent::Error(_))), 0, "{:#?}", ev.seen);
}

#[tokio::test]
async fn gzip_frames_and_app_level_ping_pong() {
    let v = venue().await;
    let mut proto = Proto::new(&v);
    proto.compression = Compression::Gzip;
    let mut ev = events(proto, vec![Subscription::trades(btc())], fast());
    let session = v.server.ws().session(0).await;
    within("subscribed", session.wait_subscribed("trades.BTCUSDT")).await;
    session.send(WsFrame::Gzip("Ping".into()));
    session.send(WsFrame::Gzip(trade("28459")));
    let i = ev.until("trade", |e| matches!(e, StreamEvent::Trade(_))).await;
    let StreamEvent::Trade(t) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(t.id, "28459");
    let sent = received(&session, 2).await;
    assert_eq!(sent[1], "Pong", "the gzipped Ping is answered with a plain Pong");
    // Protocol-level pings are answered with pongs.
    session.send(WsFrame::Ping(b"hb".to_vec()));
    within("pong", session.wait_until(|s| s.pongs() >= 1)).await;
}

#[tokio::test]
async fn raw_deflate_frames_with_auto_detection() {
    let v = venue().await;
    let mut proto = Proto::new(&v);
    proto.compression = Compression::Auto;
    let mut ev = events(proto, vec![Subscription::trades(btc())], fast());
    let session = v.server.ws().session(0).await;
    within("subscribed", session.wait_subscribed("trades.BTCUSDT")).await;
    session.send(WsFrame::Deflate(trade("1")));
    session.send(WsFrame::Gzip(trade("2")));
    session.send(WsFrame::Text(trade("3")));
    for id in ["1", "2", "3"] {
        let i = ev.until("trade", |e| matches!(e, StreamEvent::Trade(_))).await;
        let StreamEvent::Trade(t) = &ev.seen[i] else {
            unreachable!()
        };
        assert_eq!(t.id, id);
    }
}

#[tokio::test]
async fn malformed_frames_become_error_events_and_the_stream_goes_on() {
    let v = venue().await;
    let mut proto = Proto::new(&v);
    proto.compression = Compression::Gzip;
    let mut ev = events(proto, vec![Subscription::trades(btc())], fast());
    let session = v.server.ws().session(0).await;
    within("subscribed", session.wait_subscribed("trades.BTCUSDT")).await;
    session.send(WsFrame::Text(r#"{"topic":"trades.BTCUSDT","id":"1","px":"#.into()));
    session.send(WsFrame::Binary(b"\x1f\x8bnot really gzip".to_vec()));
    session.send(WsFrame::Text(
        r#"{"topic":"trades.BTCUSDT","id":"2","px":"abc","sz":"1","ts":1}"#.into(),
    ));
    session.send(WsFrame::Text(trade("3")));
    let i = ev.until("trade", |e| matches!(e, StreamEvent::Trade(_))).await;
    let StreamEvent::Trade(t) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(t.id, "3");
    let errors: Vec<&Error> = ev
        .seen
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Error(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(errors.iter().all(|e| e.kind() == ErrorKind::Decode), "{errors:#?}");
    assert!(errors[0].excerpt().unwrap().starts_with(r#"{"topic":"trades.BTCUSDT""#));
    assert!(errors[1].message().contains("decompress"), "{}", errors[1]);
    assert_eq!(v.server.ws().sessions().len(), 1, "no reconnect for a bad frame");
}

#[tokio::test]
async fn heartbeat_timeout_reconnects_a_silent_socket() {
    let v = venue().await;
    let cfg = fast().heartbeat_timeout(Duration::from_millis(80));
    let mut ev = events(Proto::new(&v), vec![Subscription::trades(btc())], cfg);
    let s0 = v.server.ws().session(0).await;
    // The server acks the subscription and then says nothing.
    ev.until("reconnecting", is_reconnecting).await;
    within("first session closed", s0.wait_closed()).await;
    let s1 = within("second session", v.server.ws().session(1)).await;
    within("resubscribed", s1.wait_subscribed("trades.BTCUSDT")).await;
    s1.send(WsFrame::Text(trade("5")));
    ev.until("trade", |e| matches!(e, StreamEvent::Trade(_))).await;
}

#[tokio::test]
async fn client_text_pings_keep_a_quiet_connection_alive() {
    let v = venue().await;
    let mut proto = Proto::new(&v);
    // Without the pongs the socket would be declared dead after 250 ms, i.e. after 12 pings.
    proto.heartbeat = Heartbeat::client_text("ping", Duration::from_millis(20), Duration::from_millis(250));
    let ev = events(proto, vec![Subscription::trades(btc())], fast());
    let s0 = v.server.ws().session(0).await;
    within(
        "fifteen pings",
        s0.wait_until(|s| s.received().iter().filter(|m| *m == "ping").count() >= 15),
    )
    .await;
    assert_eq!(v.server.ws().sessions().len(), 1);
    assert!(!s0.is_closed());
    drop(ev);
}

#[tokio::test]
async fn stale_watchdog_flags_each_silent_subscription_once() {
    let v = venue().await;
    let cfg = fast().stale_after(Duration::from_millis(60));
    let ticker = Subscription::ticker(btc());
    let trades = Subscription::trades(btc());
    let mut ev = events(Proto::new(&v), vec![ticker.clone(), trades.clone()], cfg);
    let session = v.server.ws().session(0).await;
    within("subscribed", session.wait_subscribed("ticker.BTCUSDT")).await;
    session.send(WsFrame::json(
        &json!({"topic": "ticker.BTCUSDT", "last": "3366.8", "ts": 1_597_026_383_085_i64}),
    ));
    let stale_of = |s: &Subscription| {
        let s = s.clone();
        move |e: &StreamEvent| matches!(e, StreamEvent::State(ConnectionState::Stale { subscription }) if *subscription == s)
    };
    ev.until("ticker", |e| matches!(e, StreamEvent::Ticker(_))).await;
    ev.until("trades stale", stale_of(&trades)).await;
    ev.until("ticker stale", stale_of(&ticker)).await;
    // Trades come back, then fall silent again: a second Stale for trades only after new data.
    session.send(WsFrame::Text(trade("6")));
    ev.until("trade", |e| matches!(e, StreamEvent::Trade(_))).await;
    ev.until("trades stale again", stale_of(&trades)).await;
    assert_eq!(ev.count(stale_of(&trades)), 2);
    assert_eq!(ev.count(stale_of(&ticker)), 1, "{:#?}", ev.seen);
    assert_eq!(v.server.ws().sessions().len(), 1, "staleness alone does not reconnect");
}

#[tokio::test]
async fn venue_notice_triggers_a_reconnect() {
    let v = venue().await;
    let mut ev = events(Proto::new(&v), vec![Subscription::trades(btc())], fast());
    let s0 = v.server.ws().session(0).await;
    within("subscribed", s0.wait_subscribed("trades.BTCUSDT")).await;
    s0.send(WsFrame::json(
        &json!({"event": "notice", "msg": "service upgrade in 30 s"}),
    ));
    ev.until("reconnecting", is_reconnecting).await;
    let s1 = within("second session", v.server.ws().session(1)).await;
    within("resubscribed", s1.wait_subscribed("trades.BTCUSDT")).await;
}

#[tokio::test]
async fn dropping_the_stream_closes_the_connection() {
    let v = venue().await;
    let ev = events(Proto::new(&v), vec![Subscription::trades(btc())], fast());
    let s0 = v.server.ws().session(0).await;
    within("subscribed", s0.wait_subscribed("trades.BTCUSDT")).await;
    drop(ev);
    within("session closed", s0.wait_closed()).await;
}

#[tokio::test]
async fn connection_failures_are_reported_and_retried_with_backoff() {
    // A port nothing listens on: bind, note the port, close.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let v = venue().await;
    let mut proto = Proto::new(&v);
    proto.ws_url = format!("ws://127.0.0.1:{port}/ws");
    let mut ev = events(proto, vec![Subscription::trades(btc())], fast());
    for (attempt, ms) in [(1, 5), (2, 10), (3, 20)] {
        let i = ev.until("reconnecting", is_reconnecting).await;
        let StreamEvent::State(ConnectionState::Reconnecting { attempt: a, delay }) = &ev.seen[i] else {
            unreachable!()
        };
        assert_eq!((*a, *delay), (attempt, Duration::from_millis(ms)));
        assert!(matches!(&ev.seen[i - 1], StreamEvent::Error(e) if e.kind() == ErrorKind::Network));
    }
}

#[tokio::test]
async fn subscribe_rejects_empty_and_unsupported_sets() {
    let v = venue().await;
    let proto = Arc::new(Proto::new(&v));
    let e = subscribe(proto.clone(), Vec::new(), StreamConfig::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadRequest);
    let candles = Subscription::candles(btc(), exch_core::Interval::M1);
    let e = subscribe(proto, vec![candles], StreamConfig::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    let e = subscribe(
        Arc::new(Proto::new(&v)),
        vec![
            Subscription::book(btc()),
            Subscription::new(btc(), exch_core::Channel::Book { depth: Some(5) }),
        ],
        StreamConfig::new(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadRequest);
    assert!(v.server.ws().sessions().is_empty());
}

#[tokio::test]
async fn a_quiet_rest_synced_book_fetches_its_snapshot_without_waiting_for_deltas() {
    let v = venue().await;
    let mut proto = Proto::new(&v);
    proto.mode = BookSync::Rest;
    proto.rule = SequenceRule::RangeWithPrev;
    proto.checksum = false;
    *v.depth.lock().unwrap() = json!({"lastUpdateId": 200, "bids": [["3366.1", "7"]], "asks": [["3366.8", "9"], ["3368", "8"], ["3372", "8"]]});
    let mut cfg = fast();
    cfg.rest_snapshot_after = Duration::from_millis(20);
    let mut ev = events(proto, vec![Subscription::book(btc())], cfg);
    let i = ev.until("snapshot", is_snapshot).await;
    let StreamEvent::BookSnapshot(b) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!((b.bids.clone(), b.asks.clone()), c2_levels());
    assert_eq!(b.sequence, Some(200));
    // Later deltas follow the rule: the first must reach the snapshot id, then `prev` links.
    let session = v.server.ws().session(0).await;
    session.send(WsFrame::json(
        &json!({"topic": "book.BTCUSDT", "type": "delta", "first": 195, "seq": 201, "prev": 194,
        "bids": [["3366.1", "0"]], "asks": []}),
    ));
    session.send(WsFrame::json(
        &json!({"topic": "book.BTCUSDT", "type": "delta", "first": 202, "seq": 203, "prev": 201,
        "bids": [["3366", "6"]], "asks": []}),
    ));
    ev.until("update", is_update).await;
    let i = ev.until("update", is_update).await;
    let StreamEvent::BookUpdate(u) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(u.book.bids, vec![lv(dec!(3366), dec!(6))]);
    assert_eq!(u.sequence, Some(203));
    assert_eq!(v.server.log().count("GET", "/depth"), 1);
}

#[tokio::test]
async fn wss_urls_go_through_rustls() {
    // A TCP server that is not TLS: the handshake fails, which becomes an error event and a
    // reconnect (and proves the TLS client is built without panicking).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            use tokio::io::AsyncWriteExt;
            let _ = sock.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        }
    });
    let v = venue().await;
    let mut proto = Proto::new(&v);
    proto.ws_url = format!("wss://127.0.0.1:{port}/ws");
    let mut ev = events(proto, vec![Subscription::trades(btc())], fast());
    let i = ev.until("error", |e| matches!(e, StreamEvent::Error(_))).await;
    let StreamEvent::Error(e) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(e.message().contains("wss://127.0.0.1"), "{e}");
    // rustls read the plain-text reply as a TLS record.
    assert!(e.message().contains("InvalidContentType"), "{e}");
    ev.until("reconnecting", is_reconnecting).await;
}

#[tokio::test]
async fn repeated_gaps_keep_resubscribing_the_book() {
    let v = venue().await;
    let mut ev = events(Proto::new(&v), vec![Subscription::book(btc())], fast());
    let session = v.server.ws().session(0).await;
    within("subscribed", session.wait_subscribed("book.BTCUSDT")).await;
    for round in 0..3 {
        session.send(c1_snapshot(1));
        session.send(c1_to_c2(5, C2));
        // Each gap unsubscribes and subscribes the book again (the later ones after a backoff).
        let sent = received(&session, 3 + 2 * round).await;
        assert_eq!(
            serde_json::from_str::<Value>(&sent[2 + 2 * round]).unwrap(),
            json!({"op": "subscribe", "args": ["book.BTCUSDT"]})
        );
    }
    for _ in 0..3 {
        ev.until("resyncing", is_resyncing).await;
    }
    assert_eq!(ev.count(is_update), 0);
}

#[tokio::test]
async fn a_failed_rest_snapshot_is_reported_and_fetched_again() {
    let v = venue().await;
    let mut proto = Proto::new(&v);
    proto.mode = BookSync::Rest;
    proto.rule = SequenceRule::Range;
    proto.checksum = false;
    // The first answer lacks the update id.
    *v.depth.lock().unwrap() = json!({"bids": [], "asks": []});
    let mut cfg = fast();
    cfg.rest_snapshot_after = Duration::from_millis(10);
    let mut ev = events(proto, vec![Subscription::book(btc())], cfg);
    let i = ev.until("error", |e| matches!(e, StreamEvent::Error(_))).await;
    let StreamEvent::Error(e) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!(e.kind(), ErrorKind::Decode);
    *v.depth.lock().unwrap() =
        json!({"lastUpdateId": 7, "bids": [["3366.1", "7"]], "asks": [["3366.8", "9"], ["3368", "8"], ["3372", "8"]]});
    let i = ev.until("snapshot", is_snapshot).await;
    let StreamEvent::BookSnapshot(b) = &ev.seen[i] else {
        unreachable!()
    };
    assert_eq!((b.bids.clone(), b.asks.clone()), c2_levels());
    assert!(v.server.log().count("GET", "/depth") >= 2);
}

#[tokio::test]
async fn subscriptions_on_different_urls_get_one_connection_each() {
    let v = venue().await;
    let mut proto = Proto::new(&v);
    proto.ticker_url = Some(format!("{}/market", v.server.ws_url()));
    let mut ev = events(
        proto,
        vec![Subscription::trades(btc()), Subscription::ticker(btc())],
        fast(),
    );
    let a = v.server.ws().session(0).await;
    let b = within("second connection", v.server.ws().session(1)).await;
    let (ws, market) = if a.path() == "/ws" { (a, b) } else { (b, a) };
    assert_eq!(market.path(), "/market");
    within("trades subscribed", ws.wait_subscribed("trades.BTCUSDT")).await;
    within("ticker subscribed", market.wait_subscribed("ticker.BTCUSDT")).await;
    assert_eq!(ws.subscriptions(), ["trades.BTCUSDT"]);
    assert_eq!(market.subscriptions(), ["ticker.BTCUSDT"]);
    market.send(WsFrame::json(
        &json!({"topic": "ticker.BTCUSDT", "last": "3366.8", "ts": 1_597_026_383_085_i64}),
    ));
    ws.send(WsFrame::Text(trade("9")));
    ev.until("ticker", |e| matches!(e, StreamEvent::Ticker(_))).await;
    ev.any("trade", |e| matches!(e, StreamEvent::Trade(_))).await;
    // Losing one connection leaves the other alone.
    market.disconnect();
    ev.until("reconnecting", is_reconnecting).await;
    let again = within("market reconnects", v.server.ws().session(2)).await;
    assert_eq!(again.path(), "/market");
    within("ticker subscribed again", again.wait_subscribed("ticker.BTCUSDT")).await;
    assert!(!ws.is_closed());
    drop(ev);
    within("closed", ws.wait_closed()).await;
    within("closed", again.wait_closed()).await;
}
