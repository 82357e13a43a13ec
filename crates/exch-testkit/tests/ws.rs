//! WebSocket sessions: subscriptions, scripted text, gzip and deflate frames, heartbeats,
//! idle timeouts and forced disconnects, with a real client on 127.0.0.1.

mod common;

use std::io::Read;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

use exch_testkit::WsFrame;

type Ws = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(server: &exch_testkit::SimServer) -> Ws {
    let (ws, _) = connect_async(format!("{}/ws", server.ws_url())).await.expect("connect");
    ws
}

/// The next data frame (pings are answered by tungstenite itself).
async fn next(ws: &mut Ws) -> Option<Message> {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("no frame within 5 s")
        {
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(m)) => return Some(m),
            Some(Err(_)) | None => return None,
        }
    }
}

async fn next_text(ws: &mut Ws) -> String {
    match next(ws).await {
        Some(Message::Text(t)) => t.to_string(),
        other => panic!("expected text, got {other:?}"),
    }
}

#[tokio::test]
async fn subscription_gets_scripted_snapshot_and_compressed_deltas() {
    let server = common::start().await;
    server.ws().on_subscribe(
        "book.BTCUSDT",
        vec![
            WsFrame::Text(r#"{"type":"snapshot","seq":1}"#.into()),
            WsFrame::Gzip(r#"{"type":"delta","seq":2}"#.into()),
            WsFrame::Deflate(r#"{"type":"delta","seq":4}"#.into()),
        ],
    );
    let mut ws = connect(&server).await;
    assert_eq!(next_text(&mut ws).await, r#"{"event":"welcome"}"#);
    ws.send(Message::Text(r#"{"op":"subscribe","topic":"book.BTCUSDT"}"#.into()))
        .await
        .unwrap();
    assert_eq!(
        next_text(&mut ws).await,
        r#"{"event":"subscribed","topic":"book.BTCUSDT"}"#
    );
    assert_eq!(next_text(&mut ws).await, r#"{"type":"snapshot","seq":1}"#);
    let Some(Message::Binary(gz)) = next(&mut ws).await else {
        panic!("expected binary")
    };
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut text).unwrap();
    assert_eq!(text, r#"{"type":"delta","seq":2}"#, "a gap: seq 3 is missing");
    let Some(Message::Binary(df)) = next(&mut ws).await else {
        panic!("expected binary")
    };
    let mut text = String::new();
    flate2::read::DeflateDecoder::new(&df[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, r#"{"type":"delta","seq":4}"#);

    let session = server.ws().session(0).await;
    assert_eq!(session.path(), "/ws");
    assert_eq!(session.subscriptions(), ["book.BTCUSDT"]);
    // The test pushes more frames whenever it likes.
    session.send(WsFrame::Text(r#"{"type":"delta","seq":5,"checksum":"bad"}"#.into()));
    assert!(next_text(&mut ws).await.contains(r#""checksum":"bad""#));
    // Broadcast reaches subscribers only.
    assert_eq!(server.ws().broadcast("book.BTCUSDT", WsFrame::Text("b1".into())), 1);
    assert_eq!(server.ws().broadcast("other", WsFrame::Text("b2".into())), 0);
    assert_eq!(next_text(&mut ws).await, "b1");
    // Application-level heartbeat.
    ws.send(Message::Text("ping".into())).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "pong");
    session.wait_received(2).await;
    assert_eq!(session.received()[1], "ping");
    // Unsubscribe.
    ws.send(Message::Text(r#"{"op":"unsubscribe","topic":"book.BTCUSDT"}"#.into()))
        .await
        .unwrap();
    assert!(next_text(&mut ws).await.contains("unsubscribed"));
    assert!(session.subscriptions().is_empty());
}

#[tokio::test]
async fn forced_disconnect_and_resubscribe_replays_the_script() {
    let server = common::start().await;
    server
        .ws()
        .on_subscribe("trades", vec![WsFrame::Text(r#"{"snapshot":true}"#.into())]);
    let mut ws = connect(&server).await;
    next_text(&mut ws).await; // welcome
    ws.send(Message::Text(r#"{"op":"subscribe","topic":"trades"}"#.into()))
        .await
        .unwrap();
    next_text(&mut ws).await; // ack
    assert_eq!(next_text(&mut ws).await, r#"{"snapshot":true}"#);
    let first = server.ws().session(0).await;
    first.disconnect();
    assert!(next(&mut ws).await.is_none(), "the stream ends without a close frame");
    first.wait_closed().await;
    assert!(first.is_closed());

    // The client reconnects and re-subscribes: a new session, same script.
    let mut ws = connect(&server).await;
    next_text(&mut ws).await;
    ws.send(Message::Text(r#"{"op":"subscribe","topic":"trades"}"#.into()))
        .await
        .unwrap();
    next_text(&mut ws).await;
    assert_eq!(next_text(&mut ws).await, r#"{"snapshot":true}"#);
    let second = server.ws().session(1).await;
    second.wait_subscribed("trades").await;
    assert_eq!(server.ws().sessions().len(), 2);
    // A clean close.
    second.send(WsFrame::Close);
    assert!(matches!(next(&mut ws).await, Some(Message::Close(_)) | None));
    second.wait_closed().await;
}

#[tokio::test]
async fn server_pings_are_answered_and_idle_sessions_are_dropped() {
    let server = common::start().await;
    server.ws().set_ping_interval(Some(Duration::from_millis(20)));
    let mut ws = connect(&server).await;
    let session = server.ws().session(0).await;
    // Reading lets tungstenite answer the pings with pongs.
    let reader = tokio::spawn(async move {
        let mut frames = 0;
        while let Some(Ok(_)) = ws.next().await {
            frames += 1;
        }
        frames
    });
    session.wait_until(|s| s.pongs() >= 2).await;
    session.disconnect();
    assert!(reader.await.unwrap() >= 3, "welcome and at least two pings");

    // A silent client is disconnected after the idle timeout.
    server.ws().set_ping_interval(None);
    server.ws().set_idle_timeout(Some(Duration::from_millis(50)));
    let mut quiet = connect(&server).await;
    let session = server.ws().session(1).await;
    next_text(&mut quiet).await; // welcome
    session.wait_closed().await;
    assert!(next(&mut quiet).await.is_none());
}
