//! Perpetuals: positions in one-way and hedge mode, reduce-only, entry price, realized and
//! unrealized PnL, leverage, margin and position modes, funding income, margin checks.

mod common;

use common::{d, perp, Client};
use exch_core::{AccountKind, IncomeKind, Level, PositionSide};
use exch_testkit::DEFAULT_ACCOUNT;
use rust_decimal_macros::dec;
use serde_json::{json, Value};

fn mkt(side: &str, qty: &str) -> Value {
    json!({"symbol": "BTC/USDT:USDT", "side": side, "type": "market", "qty": qty})
}

#[tokio::test]
async fn one_way_position_entry_reduce_only_and_realized_pnl() {
    let server = common::start().await;
    let c = Client::new(&server);
    assert_eq!(c.place(mkt("buy", "0.5")).await.data()["status"], "filled"); // 0.5 @ 101
    assert_eq!(c.place(mkt("buy", "1")).await.data()["status"], "filled"); // 0.5 @ 101, 0.5 @ 102
    let pos = c.call("GET", "/positions", "", None).await;
    let p = &pos.data()[0];
    assert_eq!(p["side"], "long");
    assert_eq!(d(&p["size"]), dec!(1.5));
    // (1 * 101 + 0.5 * 102) / 1.5
    assert_eq!(d(&p["entry_price"]).round_dp(6), dec!(101.333333));
    assert_eq!(p["position_mode"], "one_way");

    // Reduce-only in the opening direction, or larger than the position, is refused.
    let mut ro = mkt("buy", "0.1");
    ro["reduceOnly"] = json!(true);
    assert_eq!(c.place(ro).await.code(), 2006);
    let mut ro = mkt("sell", "2");
    ro["reduceOnly"] = json!(true);
    assert_eq!(c.place(ro).await.code(), 2006);

    // Close 1 against the 99 bid: realized (99 - entry) * 1.
    let mut ro = mkt("sell", "1");
    ro["reduceOnly"] = json!(true);
    assert_eq!(c.place(ro).await.data()["status"], "filled");
    let st = server.state();
    let pos = st.positions(DEFAULT_ACCOUNT, None).unwrap();
    assert_eq!(pos[0].size, dec!(0.5));
    let pnl: Vec<_> = st
        .income(DEFAULT_ACCOUNT, None, Some(&IncomeKind::RealizedPnl))
        .unwrap();
    assert_eq!(pnl.len(), 1);
    assert_eq!(
        pnl[0].amount.round_dp(6),
        (dec!(99) - dec!(101.333333333333)).round_dp(6)
    );
    let fees = st.income(DEFAULT_ACCOUNT, None, Some(&IncomeKind::Fee)).unwrap();
    assert_eq!(fees.len(), 4, "one fee record per fill");
    assert!(fees.iter().all(|f| f.amount < dec!(0)));
    // The wallet moved by exactly the income records.
    let total: rust_decimal::Decimal = st
        .income(DEFAULT_ACCOUNT, None, None)
        .unwrap()
        .iter()
        .map(|i| i.amount)
        .sum();
    assert_eq!(
        st.balance(DEFAULT_ACCOUNT, AccountKind::Perpetual, "USDT").total,
        dec!(10000) + total
    );
}

#[tokio::test]
async fn one_way_position_flips_through_zero() {
    let server = common::start().await;
    let c = Client::new(&server);
    c.place(mkt("buy", "1")).await; // long 1 @ 101
    c.place(mkt("sell", "2")).await; // 1 @ 99 closes, 1 @ 98 opens short
    let pos = server.state().positions(DEFAULT_ACCOUNT, Some(&perp())).unwrap();
    assert_eq!(pos.len(), 1);
    assert_eq!(pos[0].side, PositionSide::Short);
    assert_eq!(pos[0].size, dec!(1));
    assert_eq!(pos[0].entry_price, Some(dec!(98)));
    // Unrealized PnL from the mark price: a short gains when the mark falls.
    server.state().set_mark_price(&perp(), Some(dec!(90)));
    let pos = server.state().positions(DEFAULT_ACCOUNT, None).unwrap();
    assert_eq!(pos[0].unrealized_pnl, Some(dec!(8)));
}

#[tokio::test]
async fn hedge_mode_keeps_long_and_short_apart() {
    let server = common::start().await;
    let c = Client::new(&server);
    assert_eq!(
        c.call("POST", "/positionMode", "", Some(json!({"mode": "hedge"})))
            .await
            .code(),
        0
    );
    // No position side in hedge mode: refused.
    assert_eq!(c.place(mkt("buy", "1")).await.code(), 2007);
    let mut long = mkt("buy", "1");
    long["positionSide"] = json!("long");
    assert_eq!(c.place(long).await.data()["position_side"], "long");
    let mut short = mkt("sell", "1");
    short["positionSide"] = json!("short");
    assert_eq!(c.place(short).await.data()["status"], "filled");
    let pos = c.call("GET", "/positions", "", None).await;
    let sides: Vec<&str> = pos
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["side"].as_str().unwrap())
        .collect();
    assert_eq!(sides, ["long", "short"]);
    assert!(pos
        .data()
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["position_mode"] == "hedge"));
    // Closing more than the long holds is refused; closing it exactly works.
    let mut close = mkt("sell", "2");
    close["positionSide"] = json!("long");
    assert_eq!(c.place(close.clone()).await.code(), 2006);
    close["qty"] = json!("1");
    assert_eq!(c.place(close).await.data()["status"], "filled");
    let pos = server.state().positions(DEFAULT_ACCOUNT, None).unwrap();
    assert_eq!(pos.len(), 1);
    assert_eq!(pos[0].side, PositionSide::Short);
    // The mode cannot change while a position is open, nor be set to itself.
    let back = c
        .call("POST", "/positionMode", "", Some(json!({"mode": "one_way"})))
        .await;
    assert_eq!(back.code(), 2008);
    let same = c
        .call("POST", "/positionMode", "", Some(json!({"mode": "hedge"})))
        .await;
    assert_eq!(same.code(), 2009);
}

#[tokio::test]
async fn leverage_margin_mode_and_margin_checks() {
    let server = common::start().await;
    let c = Client::new(&server);
    let lev = c
        .call(
            "POST",
            "/leverage",
            "",
            Some(json!({"symbol": "BTC/USDT:USDT", "leverage": "10"})),
        )
        .await;
    assert_eq!(lev.code(), 0);
    let bad = c
        .call(
            "POST",
            "/leverage",
            "",
            Some(json!({"symbol": "BTC/USDT:USDT", "leverage": "0"})),
        )
        .await;
    assert_eq!(bad.code(), 2999);
    let spot = c
        .call(
            "POST",
            "/leverage",
            "",
            Some(json!({"symbol": "BTC/USDT", "leverage": "5"})),
        )
        .await;
    assert_eq!(spot.code(), 2999, "leverage is for perpetuals");
    let iso = c
        .call(
            "POST",
            "/marginMode",
            "",
            Some(json!({"symbol": "BTC/USDT:USDT", "mode": "isolated"})),
        )
        .await;
    assert_eq!(iso.code(), 0);
    let same = c
        .call(
            "POST",
            "/marginMode",
            "",
            Some(json!({"symbol": "BTC/USDT:USDT", "mode": "isolated"})),
        )
        .await;
    assert_eq!(same.code(), 2009);

    // A resting order locks qty * price / leverage.
    let r = c
        .place(json!({"symbol": "BTC/USDT:USDT", "side": "buy", "type": "limit", "qty": "2", "price": "95"}))
        .await;
    assert_eq!(r.data()["status"], "new");
    let usdt = server.state().balance(DEFAULT_ACCOUNT, AccountKind::Perpetual, "USDT");
    assert_eq!((usdt.total, usdt.locked), (dec!(10000), dec!(19)));
    // Margin mode cannot change with open orders.
    let cross = c
        .call(
            "POST",
            "/marginMode",
            "",
            Some(json!({"symbol": "BTC/USDT:USDT", "mode": "cross"})),
        )
        .await;
    assert_eq!(cross.code(), 2008);
    // Too large for the margin at 10x.
    let big = c
        .place(json!({"symbol": "BTC/USDT:USDT", "side": "buy", "type": "limit", "qty": "1100", "price": "95"}))
        .await;
    assert_eq!(big.code(), 2001);

    c.call("DELETE", "/orders", "", None).await;
    c.place(mkt("buy", "1")).await; // 1 @ 101
    let p = &server.state().positions(DEFAULT_ACCOUNT, None).unwrap()[0];
    assert_eq!(p.leverage, Some(dec!(10)));
    assert_eq!(p.margin_mode, Some(exch_core::MarginMode::Isolated));
    let usdt = server.state().balance(DEFAULT_ACCOUNT, AccountKind::Perpetual, "USDT");
    assert_eq!(usdt.locked, dec!(10.1));
    assert_eq!(usdt.total, dec!(10000) - dec!(0.0404));
}

#[tokio::test]
async fn funding_creates_income_for_longs_and_shorts() {
    let server = common::start().await;
    let c = Client::new(&server);
    c.place(mkt("buy", "1")).await;
    let mut short = Client::new(&server);
    short.key = common::PASS_KEY.into();
    short.passphrase = Some(common::PASSPHRASE.into());
    short.place(mkt("sell", "1")).await;
    // Reset the book so that the mark is a clean 100.
    server.state().set_book(
        &perp(),
        vec![Level {
            price: dec!(99),
            qty: dec!(1),
        }],
        vec![Level {
            price: dec!(101),
            qty: dec!(1),
        }],
    );
    let records = server.state().apply_funding(&perp(), dec!(0.0001)).unwrap();
    assert_eq!(records.len(), 2);
    let inc = c.call("GET", "/income", "", None).await;
    let funding: Vec<&Value> = inc
        .data()
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "funding")
        .collect();
    assert_eq!(funding.len(), 1);
    assert_eq!(d(&funding[0]["amount"]), dec!(-0.01), "the long pays 1 * 100 * 0.0001");
    assert_eq!(funding[0]["asset"], "USDT");
    let theirs = server
        .state()
        .income("other", Some(&perp()), Some(&IncomeKind::Funding))
        .unwrap();
    assert_eq!(theirs[0].amount, dec!(0.01), "the short receives it");
}
