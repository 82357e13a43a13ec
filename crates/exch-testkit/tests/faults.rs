//! Each scripted fault, authentication failures, clock skew and the request log, over real
//! HTTP on 127.0.0.1.

mod common;

use std::time::Duration;

use common::{Client, PASSPHRASE, PASS_KEY};
use exch_core::OrderRef;
use exch_testkit::{Fault, FaultRule, DEFAULT_ACCOUNT};
use serde_json::{json, Value};

fn order(cid: &str) -> Value {
    json!({"symbol": "BTC/USDT", "side": "buy", "type": "limit", "qty": "0.1", "price": "90", "clientId": cid})
}

#[tokio::test]
async fn delay_forces_a_client_timeout_then_clears() {
    let server = common::start().await;
    server
        .faults()
        .push(FaultRule::new(Fault::Delay(Duration::from_millis(150))).on("GET", "/time"));
    let c = Client::with_timeout(&server, Duration::from_millis(50));
    let e = c.send("GET", "/time", "", None).await.unwrap_err();
    assert!(e.is_timeout(), "{e}");
    // Consumed once: the next call answers.
    assert_eq!(c.call("GET", "/time", "", None).await.status, 200);
    assert_eq!(server.faults().pending(), 0);
    // A short delay within the timeout still answers.
    server.faults().push(Fault::Delay(Duration::from_millis(5)));
    assert_eq!(c.call("GET", "/time", "", None).await.status, 200);
    let log = server.log().find("GET", "/time");
    assert_eq!(log.len(), 3);
    assert!(log[0].fault.as_deref().unwrap().starts_with("Delay"));
    assert!(log[1].fault.is_none());
}

#[tokio::test]
async fn rate_limit_ban_and_server_errors_skip_the_handler() {
    let server = common::start().await;
    let c = Client::new(&server);
    server
        .faults()
        .push(FaultRule::new(Fault::rate_limited(7)).on("POST", "/order"));
    server
        .faults()
        .push(FaultRule::new(Fault::banned(120)).on("POST", "/order"));
    server
        .faults()
        .push(FaultRule::new(Fault::server_error(503, r#"{"code":-1,"msg":"busy"}"#)).on("POST", "/order"));
    let r = c.send("POST", "/order", "", Some(order("a"))).await.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    let r = c.send("POST", "/order", "", Some(order("a"))).await.unwrap();
    assert_eq!(r.status().as_u16(), 418);
    assert_eq!(r.headers()["retry-after"], "120");
    let r = c.call("POST", "/order", "", Some(order("a"))).await;
    assert_eq!((r.status, r.body["msg"].as_str()), (503, Some("busy")));
    assert_eq!(server.counters().orders_created, 0, "no fault ran the handler");
    assert_eq!(server.log().count("POST", "/order"), 3);
    // Then the real thing.
    assert_eq!(c.call("POST", "/order", "", Some(order("a"))).await.status, 200);
    assert_eq!(server.counters().orders_created, 1);
}

#[tokio::test]
async fn venue_status_unknown_with_and_without_execution() {
    let server = common::start().await;
    let c = Client::new(&server);
    let unknown = r#"{"code":-1007,"msg":"execution status unknown"}"#;
    server.faults().push(
        FaultRule::new(Fault::Respond {
            status: 408,
            body: unknown.into(),
        })
        .on("POST", "/order"),
    );
    let r = c.call("POST", "/order", "", Some(order("not-placed"))).await;
    assert_eq!((r.status, r.code()), (408, -1007));
    assert_eq!(server.counters().orders_created, 0);
    let q = c.call("GET", "/order", "clientId=not-placed", None).await;
    assert_eq!(q.code(), 2003, "the order does not exist");

    server.faults().push(
        FaultRule::new(Fault::RespondAfterHandler {
            status: 500,
            body: unknown.into(),
        })
        .on("POST", "/order"),
    );
    let r = c.call("POST", "/order", "", Some(order("placed"))).await;
    assert_eq!((r.status, r.code()), (500, -1007));
    assert_eq!(server.counters().orders_created, 1);
    let q = c.call("GET", "/order", "clientId=placed", None).await;
    assert_eq!(
        q.data()["status"],
        "new",
        "the order exists although the reply said unknown"
    );
}

#[tokio::test]
async fn malformed_and_truncated_bodies() {
    let server = common::start().await;
    let c = Client::new(&server);
    server
        .faults()
        .push(FaultRule::new(Fault::Malformed).on("GET", "/time"));
    server
        .faults()
        .push(FaultRule::new(Fault::Truncated).on("GET", "/time"));
    let whole = c.send("GET", "/time", "", None).await.unwrap();
    assert_eq!(whole.status().as_u16(), 200);
    let text = whole.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    let cut = c.send("GET", "/time", "", None).await.unwrap();
    assert_eq!(cut.status().as_u16(), 200);
    let text = cut.text().await.unwrap();
    assert!(text.starts_with(r#"{"code":0,"data":{"#), "{text}");
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    let fine = c.call("GET", "/time", "", None).await;
    assert!(fine.data()["serverTime"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn connection_reset_sends_nothing_and_runs_nothing() {
    let server = common::start().await;
    let c = Client::new(&server);
    server.faults().push(FaultRule::new(Fault::Reset).on("POST", "/order"));
    let e = c.send("POST", "/order", "", Some(order("r"))).await.unwrap_err();
    assert!(!e.is_timeout(), "a reset is not a timeout: {e}");
    assert!(e.status().is_none());
    assert_eq!(server.counters().orders_created, 0);
    assert_eq!(server.log().count("POST", "/order"), 1);
}

#[tokio::test]
async fn lost_response_changes_state_and_times_out() {
    let server = common::start().await;
    let c = Client::with_timeout(&server, Duration::from_millis(80));
    server
        .faults()
        .push(FaultRule::new(Fault::LoseResponse(Duration::from_millis(200))).on("POST", "/order"));
    let e = c.send("POST", "/order", "", Some(order("lost-1"))).await.unwrap_err();
    assert!(e.is_timeout(), "{e}");
    // The order exists: a client that reconciles by client id finds it instead of re-sending.
    let found = server
        .state()
        .order(DEFAULT_ACCOUNT, None, &OrderRef::Client("lost-1".into()))
        .unwrap();
    assert_eq!(found.status, exch_core::OrderStatus::New);
    let q = c.call("GET", "/order", "clientId=lost-1", None).await;
    assert_eq!(q.data()["id"], found.id.as_str());
    assert_eq!(server.counters().orders_created, 1);
    assert_eq!(
        server.log().count("POST", "/order"),
        1,
        "exactly one placement was sent"
    );
}

#[tokio::test]
async fn rules_match_by_method_path_api_and_count() {
    let server = common::start().await;
    let c = Client::new(&server);
    server
        .faults()
        .push(FaultRule::new(Fault::rate_limited(1)).on("POST", "/order").times(2));
    // Not matching: a GET on another path.
    assert_eq!(c.call("GET", "/time", "", None).await.status, 200);
    assert_eq!(server.faults().pending(), 1);
    for _ in 0..2 {
        let r = c.send("POST", "/order", "", Some(order("x"))).await.unwrap();
        assert_eq!(r.status().as_u16(), 429);
    }
    assert_eq!(c.call("POST", "/order", "", Some(order("x"))).await.status, 200);
    // A rule for another API never applies here (the single API is named `*`).
    server.faults().push(FaultRule::new(Fault::Reset).api("futures"));
    assert_eq!(c.call("GET", "/time", "", None).await.status, 200);
    server.faults().clear();
    // `always` applies until cleared; path prefixes match any method.
    server
        .faults()
        .push(FaultRule::new(Fault::server_error(502, "")).path("/ti").always());
    for _ in 0..3 {
        assert_eq!(c.send("GET", "/time", "", None).await.unwrap().status().as_u16(), 502);
    }
    server.faults().clear();
    assert_eq!(c.call("GET", "/time", "", None).await.status, 200);
}

#[tokio::test]
async fn authentication_failures_use_the_protocol_codes() {
    let server = common::start().await;
    let mut c = Client::new(&server);
    c.secret = "wrong".into();
    let r = c.call("GET", "/openOrders", "", None).await;
    assert_eq!((r.status, r.code()), (401, 403), "bad signature");
    c.key = "nobody".into();
    let r = c.call("GET", "/openOrders", "", None).await;
    assert_eq!((r.status, r.code()), (401, 401), "unknown key");
    // A key with a passphrase: missing, wrong, right.
    let mut p = Client::new(&server);
    p.key = PASS_KEY.into();
    let r = p.call("GET", "/openOrders", "", None).await;
    assert_eq!((r.status, r.code()), (401, 402));
    p.passphrase = Some("nope".into());
    assert_eq!(p.call("GET", "/openOrders", "", None).await.code(), 402);
    p.passphrase = Some(PASSPHRASE.into());
    assert_eq!(p.call("GET", "/openOrders", "", None).await.code(), 0);
    // A timestamp outside the window.
    let mut late = Client::new(&server);
    late.offset_ms = -60_000;
    let r = late.call("GET", "/openOrders", "", None).await;
    assert_eq!((r.status, r.code()), (400, 408));
    let mut early = Client::new(&server);
    early.offset_ms = 30_000;
    assert_eq!(early.call("GET", "/openOrders", "", None).await.code(), 408);
}

#[tokio::test]
async fn clock_skew_rejects_until_the_client_syncs() {
    let server = common::start().await;
    server.clock().set_skew_ms(20_000);
    let mut c = Client::new(&server);
    let r = c.call("GET", "/openOrders", "", None).await;
    assert_eq!(r.code(), 408, "the server is 20 s ahead");
    // The time endpoint reports the skewed clock; a client that measures the offset passes.
    let t = c.call("GET", "/time", "", None).await.data()["serverTime"]
        .as_i64()
        .unwrap();
    let offset = t - common::now_ms();
    assert!((19_000..=21_000).contains(&offset), "{offset}");
    c.offset_ms = offset;
    assert_eq!(c.call("GET", "/openOrders", "", None).await.code(), 0);
    server.clock().set_skew_ms(0);
    assert_eq!(server.clock().skew_ms(), 0);
}

#[tokio::test]
async fn request_log_records_exact_requests() {
    let server = common::start().await;
    let c = Client::new(&server);
    assert!(server.log().is_empty());
    c.call("GET", "/book", "symbol=BTC/USDT&depth=5", None).await;
    c.call("POST", "/order", "", Some(order("log-1"))).await;
    c.call("DELETE", "/order", "clientId=log-1", None).await;
    let all = server.log().entries();
    assert_eq!(all.len(), 3);
    assert_eq!((all[0].method.as_str(), all[0].path.as_str()), ("GET", "/book"));
    assert_eq!(all[0].query.as_deref(), Some("symbol=BTC/USDT&depth=5"));
    assert_eq!(all[0].query_param("depth"), Some("5"));
    assert_eq!(all[0].api, "*");
    let post = &server.log().find("POST", "/order")[0];
    assert_eq!(post.json().unwrap()["clientId"], "log-1");
    assert_eq!(post.header("X-KEY"), Some(common::KEY));
    assert_eq!(post.header("content-type"), Some("application/json"));
    let ts = post.header("x-ts").unwrap();
    let want = common::sign(common::SECRET, ts, "POST", "/order", "", &post.body);
    assert_eq!(
        post.header("x-sign"),
        Some(want.as_str()),
        "the exact bytes were logged"
    );
    let last = server.log().last().unwrap();
    assert_eq!(
        (last.method.as_str(), last.query.as_deref()),
        ("DELETE", Some("clientId=log-1"))
    );
    assert_eq!(server.log().count("DELETE", "/order"), 1);
    let counters = server.counters();
    assert_eq!((counters.orders_created, counters.orders_cancelled), (1, 1));
    server.log().clear();
    assert_eq!(server.log().len(), 0);
}

#[tokio::test]
async fn hang_times_out_without_running_the_handler() {
    let server = common::start().await;
    let c = Client::with_timeout(&server, Duration::from_millis(50));
    server
        .faults()
        .push(FaultRule::new(Fault::Hang(Duration::from_millis(150))).on("POST", "/order"));
    let e = c.send("POST", "/order", "", Some(order("hung"))).await.unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert_eq!(server.counters().orders_created, 0);
    let q = c.call("GET", "/order", "clientId=hung", None).await;
    assert_eq!(q.code(), 2003, "a reconciling client finds nothing and may re-send");
}
