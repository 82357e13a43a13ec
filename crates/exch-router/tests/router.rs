//! The router against in-process fake venues (see `fake/mod.rs`), on tokio's paused clock.
#![allow(clippy::result_large_err)]

mod fake;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use exch_core::{AccountKind, ErrorKind, Exchange, MarketKind, OrderRequest, PositionSide, Side, Venue};
use exch_router::{PortfolioCandleQuery, Router, SymbolMap};
use fake::{balance, candle, d, market, position, sym, ticker, Fake};

const NOW: i64 = 1_700_000_000_000;

fn router(venues: Vec<Fake>, map: SymbolMap) -> Router {
    let mut b = Router::builder()
        .symbol_map(map)
        .timeout(Duration::from_secs(5))
        .local_clock(|| NOW);
    for v in venues {
        b = b.venue(Arc::new(v) as Arc<dyn Exchange>);
    }
    b.build().unwrap()
}

fn btc_map(venues: &[Venue]) -> SymbolMap {
    let mut m = SymbolMap::new();
    m.set(sym("BTC/USDT:USDT"), venues.to_vec()).unwrap();
    m
}

#[tokio::test(start_paused = true)]
async fn one_failing_and_one_slow_venue_never_hide_the_others() {
    let r = router(
        vec![
            Fake::new(Venue::Binance)
                .delay(Duration::from_millis(50))
                .balance(balance("USDT", "1000"))
                .ticker(ticker("BTC/USDT:USDT", "100", "101")),
            Fake::new(Venue::Okx).failing(ErrorKind::Auth),
            Fake::new(Venue::Bingx)
                .delay(Duration::from_secs(60))
                .balance(balance("USDT", "5")),
        ],
        SymbolMap::new(),
    );
    let started = tokio::time::Instant::now();
    let balances = r.balances(AccountKind::Perpetual).await;
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the slow venue was cut at the timeout"
    );
    assert_eq!(balances.len(), 3);
    assert_eq!(balances.ok(Venue::Binance).unwrap()[0].total, d("1000"));
    let okx = balances.err(Venue::Okx).unwrap();
    assert_eq!((okx.kind(), okx.venue()), (ErrorKind::Auth, Some(Venue::Okx)));
    let bingx = balances.err(Venue::Bingx).unwrap();
    assert_eq!((bingx.kind(), bingx.venue()), (ErrorKind::Timeout, Some(Venue::Bingx)));
    assert_eq!(
        balances.successes().map(|(v, _)| v).collect::<Vec<_>>(),
        vec![Venue::Binance]
    );
    assert_eq!(
        balances.errors().map(|(v, _)| v).collect::<Vec<_>>(),
        vec![Venue::Okx, Venue::Bingx]
    );

    // The other fan-outs behave the same way.
    let tickers = r.tickers(MarketKind::LinearPerpetual).await;
    assert_eq!(tickers.ok(Venue::Binance).map(Vec::len), Some(1));
    assert_eq!(tickers.err(Venue::Bingx).map(|e| e.kind()), Some(ErrorKind::Timeout));
    let positions = r.positions(None).await;
    assert_eq!(positions.success_count(), 1);
    let orders = r.open_orders(None, MarketKind::LinearPerpetual).await;
    assert_eq!(orders.ok(Venue::Binance).map(Vec::len), Some(0));
    assert_eq!(orders.err(Venue::Okx).map(|e| e.kind()), Some(ErrorKind::Auth));

    // Serialized for the CLI.
    let json = serde_json::to_value(&balances).unwrap();
    assert_eq!(json["binance"]["ok"][0]["total"], serde_json::json!("1000"));
    assert_eq!(json["bingx"]["error"]["kind"], serde_json::json!("timeout"));

    // Health follows every call.
    let status = r.status();
    let bn = &status[&Venue::Binance];
    assert_eq!(
        (bn.reachable, bn.last_latency_ms, bn.failures),
        (Some(true), Some(50), 0)
    );
    assert_eq!(bn.calls, 4);
    let okx = &status[&Venue::Okx];
    assert_eq!(okx.reachable, Some(true), "an auth rejection is an answer");
    assert!(okx.last_error.as_ref().unwrap().is(ErrorKind::Auth));
    let bx = &status[&Venue::Bingx];
    assert_eq!((bx.reachable, bx.last_latency_ms), (Some(false), Some(5_000)));
    assert!(bx.last_error.as_ref().unwrap().is(ErrorKind::Timeout));
    assert_eq!(bx.last_error_at, Some(NOW));
}

#[tokio::test(start_paused = true)]
async fn consolidated_quote_takes_the_best_of_each_side() {
    let r = router(
        vec![
            Fake::new(Venue::Binance).ticker(ticker("BTC/USDT:USDT", "100.0", "100.6")),
            Fake::new(Venue::Okx).ticker(ticker("BTC/USDT:USDT", "100.2", "100.7")),
            Fake::new(Venue::Bingx).ticker(ticker("BTC/USDT:USDT", "99.9", "100.4")),
            Fake::new(Venue::Gate).failing(ErrorKind::Network),
            Fake::new(Venue::Bybit).ticker(ticker("BTC/USDT:USDT", "500", "501")),
        ],
        btc_map(&[Venue::Okx, Venue::Binance, Venue::Bingx, Venue::Gate, Venue::Kraken]),
    );
    let q = r.quote(&sym("BTC/USDT:USDT")).await.unwrap();
    let bid = q.best_bid.as_ref().unwrap();
    let ask = q.best_ask.as_ref().unwrap();
    assert_eq!((bid.venue, bid.price, bid.qty), (Venue::Okx, d("100.2"), Some(d("1"))));
    assert_eq!(
        (ask.venue, ask.price, ask.qty),
        (Venue::Bingx, d("100.4"), Some(d("2")))
    );
    assert_eq!(q.spread(), Some(d("0.2")));
    assert_eq!(
        q.tickers.keys().copied().collect::<Vec<_>>(),
        vec![Venue::Binance, Venue::Okx, Venue::Bingx],
        "only mapped venues are asked (bybit is connected but not mapped; kraken is mapped but not connected)"
    );
    assert!(q.errors[&Venue::Gate].is(ErrorKind::Network));
    assert_eq!(r.status()[&Venue::Bybit].calls, 0);

    let e = r.quote(&sym("BTC/USDT")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadSymbol, "spot is not the mapped perpetual: {e}");
    let per_venue = r.ticker(&sym("BTC/USDT:USDT")).await.unwrap();
    assert_eq!(per_venue.len(), 4);
}

#[tokio::test(start_paused = true)]
async fn orders_go_to_the_first_connected_venue_of_the_map() {
    let okx = Arc::new(Fake::new(Venue::Okx));
    let binance = Arc::new(Fake::new(Venue::Binance));
    let r = Router::builder()
        .venue(okx.clone())
        .venue(binance.clone())
        .symbol_map(btc_map(&[Venue::Kraken, Venue::Okx, Venue::Binance]))
        .build()
        .unwrap();
    let req = OrderRequest::limit(sym("BTC/USDT:USDT"), Side::Buy, d("0.01"), d("50000"))
        .client_order_id("abc-1")
        .build()
        .unwrap();
    assert_eq!(
        r.route(&req.symbol).unwrap(),
        Venue::Okx,
        "kraken is mapped first but not connected"
    );
    let (venue, order) = r.route_order(&req).await.unwrap();
    assert_eq!((venue, order.id.as_str()), (Venue::Okx, "okx-1"));
    assert_eq!(okx.placed(), vec![req.clone()]);
    assert!(binance.placed().is_empty());

    // Edit the map at run time.
    r.edit_symbol_map(|m| m.prefer(sym("BTC/USDT:USDT"), Venue::Binance));
    let (venue, _) = r.route_order(&req).await.unwrap();
    assert_eq!(venue, Venue::Binance);
    assert_eq!(binance.placed().len(), 1);
    assert_eq!(
        r.status()[&Venue::Binance].last_operation.as_deref(),
        Some("place_order")
    );

    // Unmapped symbol, and a symbol whose venues are all absent.
    let eth = OrderRequest::market(sym("ETH/USDT:USDT"), Side::Sell, d("1"))
        .build()
        .unwrap();
    let e = r.route_order(&eth).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadSymbol);
    assert!(e.message().contains("ETH/USDT:USDT"), "{e}");
    r.edit_symbol_map(|m| m.set(sym("ETH/USDT:USDT"), vec![Venue::Kraken, Venue::Htx]))
        .unwrap();
    let e = r.route_order(&eth).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.message().contains("none of them is connected"), "{e}");
    assert_eq!(okx.placed().len() + binance.placed().len(), 2, "nothing else was sent");
}

#[tokio::test(start_paused = true)]
async fn a_failed_placement_is_not_sent_elsewhere() {
    let okx = Arc::new(Fake::new(Venue::Okx).failing(ErrorKind::InsufficientFunds));
    let binance = Arc::new(Fake::new(Venue::Binance));
    let r = Router::builder()
        .venue(okx.clone())
        .venue(binance.clone())
        .symbol_map(btc_map(&[Venue::Okx, Venue::Binance]))
        .build()
        .unwrap();
    let req = OrderRequest::market(sym("BTC/USDT:USDT"), Side::Buy, d("1"))
        .build()
        .unwrap();
    let e = r.route_order(&req).await.unwrap_err();
    assert_eq!((e.kind(), e.venue()), (ErrorKind::InsufficientFunds, Some(Venue::Okx)));
    assert!(binance.placed().is_empty());
}

#[tokio::test(start_paused = true)]
async fn position_report_aggregates_answering_venues() {
    let r = router(
        vec![
            Fake::new(Venue::Binance).position(position(
                "BTC/USDT:USDT",
                PositionSide::Long,
                "2",
                "100000",
                "101000",
                "2000",
            )),
            Fake::new(Venue::Okx)
                .position(position(
                    "BTC/USDT:USDT",
                    PositionSide::Short,
                    "0.5",
                    "102000",
                    "101000",
                    "500",
                ))
                .position(position(
                    "ETH/USDT:USDT",
                    PositionSide::Long,
                    "3",
                    "3000",
                    "3100",
                    "300",
                )),
            Fake::new(Venue::Bingx).failing(ErrorKind::Unavailable),
        ],
        SymbolMap::new(),
    );
    let report = r.position_report(None).await.unwrap();
    let btc = &report.aggregation.by_symbol[&sym("BTC/USDT:USDT")];
    assert_eq!(btc.total.net_size, d("1.5"));
    assert_eq!(btc.total.gross_exposure, d("252500"));
    assert_eq!(btc.total.unrealized_pnl, d("2500"));
    assert_eq!(btc.total.avg_entry, Some(d("100400")));
    assert_eq!(
        btc.by_venue.keys().copied().collect::<Vec<_>>(),
        vec![Venue::Binance, Venue::Okx]
    );
    assert_eq!(report.aggregation.by_base["ETH"].total.net_notional, d("9300"));
    assert!(report.errors[&Venue::Bingx].is(ErrorKind::Unavailable));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["by_symbol"]["BTC/USDT:USDT"]["by_venue"]["okx"]["net_size"],
        serde_json::json!("-0.5")
    );
    assert_eq!(json["errors"]["bingx"]["kind"], serde_json::json!("unavailable"));
}

#[tokio::test(start_paused = true)]
async fn portfolio_candles_are_aligned_across_venues() {
    const M: i64 = 60_000;
    const T0: i64 = 1_700_000_040_000;
    let btc = sym("BTC/USDT:USDT");
    let eth = sym("ETH/USDT:USDT");
    let r = router(
        vec![
            Fake::new(Venue::Binance)
                .candles(&btc, (0..5).map(|i| candle(T0 + i * M, "100")).collect())
                .candles(&eth, (1..5).map(|i| candle(T0 + i * M, "3000")).collect()),
            Fake::new(Venue::Okx).candles(
                &btc,
                vec![
                    candle(T0 + 120, "101"),
                    candle(T0 + M + 120, "101"),
                    candle(T0 + 2 * M - 150, "101"),
                    candle(T0 + 4 * M + 120, "101"),
                ],
            ),
            Fake::new(Venue::Bingx).delay(Duration::from_secs(30)),
        ],
        SymbolMap::new(),
    );
    let portfolio = BTreeMap::from([
        (Venue::Binance, vec![btc.clone(), eth.clone()]),
        (Venue::Okx, vec![btc.clone(), eth.clone()]),
        (Venue::Bingx, vec![btc.clone()]),
        (Venue::Kraken, vec![btc.clone()]),
    ]);
    let q = PortfolioCandleQuery::new(exch_core::Interval::M1)
        .since(T0)
        .tolerance_ms(500);
    let out = r.portfolio_candles(&portfolio, &q).await;

    // Binance ETH lacks T0; OKX BTC lacks T0+3m: the common grid is T0+1m, T0+2m, T0+4m.
    assert_eq!(out.aligned.timestamps, vec![T0 + M, T0 + 2 * M, T0 + 4 * M]);
    for (venue, symbol) in [(Venue::Binance, &btc), (Venue::Binance, &eth), (Venue::Okx, &btc)] {
        let series = &out.aligned.series[&venue][symbol];
        assert_eq!(
            series.iter().map(|c| c.open_time).collect::<Vec<_>>(),
            out.aligned.timestamps
        );
    }
    assert_eq!(out.aligned.gaps[&Venue::Okx][&btc], vec![T0 + 3 * M]);
    assert_eq!(out.aligned.gaps[&Venue::Binance][&eth], vec![T0]);
    assert_eq!(out.errors[&Venue::Okx][&eth].kind, "bad_symbol");
    assert_eq!(out.errors[&Venue::Bingx][&btc].kind, "timeout");
    assert_eq!(out.errors[&Venue::Kraken][&btc].kind, "config");
    assert_eq!(out.interval, exch_core::Interval::M1);
    let json = serde_json::to_value(&out).unwrap();
    assert_eq!(json["timestamps"].as_array().map(Vec::len), Some(3));
}

#[tokio::test(start_paused = true)]
async fn probe_measures_offsets_and_reachability() {
    let r = router(
        vec![
            Fake::new(Venue::Binance)
                .server_time(NOW + 250)
                .delay(Duration::from_millis(20)),
            Fake::new(Venue::Okx).server_time(NOW - 1_200),
            Fake::new(Venue::Bingx).failing(ErrorKind::Network),
        ],
        SymbolMap::new(),
    );
    let before = r.status();
    assert_eq!(before.len(), 3);
    assert!(before.values().all(|s| s.reachable.is_none() && s.calls == 0));

    let status = r.probe().await;
    let bn = &status[&Venue::Binance];
    assert_eq!(
        (bn.reachable, bn.server_time_offset_ms, bn.last_latency_ms),
        (Some(true), Some(250), Some(20))
    );
    assert_eq!(bn.last_ok_at, Some(NOW));
    assert_eq!(status[&Venue::Okx].server_time_offset_ms, Some(-1_200));
    let bx = &status[&Venue::Bingx];
    assert_eq!((bx.reachable, bx.server_time_offset_ms), (Some(false), None));
    assert!(bx.last_error.as_ref().unwrap().is(ErrorKind::Network));
    assert_eq!(r.status(), status);
    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(json["okx"]["server_time_offset_ms"], serde_json::json!(-1200));
}

#[tokio::test(start_paused = true)]
async fn default_map_from_the_venues_markets() {
    let r = router(
        vec![
            Fake::new(Venue::Okx)
                .market(market("BTC/USDT:USDT"))
                .market(market("BTC/USDT")),
            Fake::new(Venue::Binance)
                .market(market("BTC/USDT:USDT"))
                .market(market("ETH/USDT:USDT")),
            Fake::new(Venue::Bingx).failing(ErrorKind::Unavailable),
        ],
        SymbolMap::new(),
    );
    let (map, counts) = r
        .default_symbol_map(&[MarketKind::LinearPerpetual, MarketKind::Spot])
        .await;
    assert_eq!(
        map.resolve(&sym("BTC/USDT:USDT")).unwrap(),
        &[Venue::Okx, Venue::Binance]
    );
    assert_eq!(map.resolve(&sym("BTC/USDT")).unwrap(), &[Venue::Okx]);
    assert_eq!(map.resolve(&sym("ETH/USDT:USDT")).unwrap(), &[Venue::Binance]);
    assert_eq!(counts.ok(Venue::Okx), Some(&2));
    assert_eq!(counts.err(Venue::Bingx).map(|e| e.kind()), Some(ErrorKind::Unavailable));
    r.set_symbol_map(map.clone());
    assert_eq!(r.symbol_map(), map);
    assert_eq!(r.route(&sym("ETH/USDT:USDT")).unwrap(), Venue::Binance);
}

#[tokio::test(start_paused = true)]
async fn fan_out_to_an_unconnected_venue_and_builder_errors() {
    let r = router(vec![Fake::new(Venue::Okx).server_time(7)], SymbolMap::new());
    let res = r
        .fan_out_to(&[Venue::Okx, Venue::Htx], "server_time", |ex| {
            Box::pin(async move { ex.server_time().await })
        })
        .await;
    assert_eq!(res.ok(Venue::Okx), Some(&7));
    assert_eq!(res.err(Venue::Htx).map(|e| e.kind()), Some(ErrorKind::Config));
    assert_eq!(r.venues(), &[Venue::Okx]);
    assert!(r.exchange(Venue::Okx).is_some() && r.exchange(Venue::Htx).is_none());

    let dup = Router::builder()
        .venue(Arc::new(Fake::new(Venue::Okx)))
        .venue(Arc::new(Fake::new(Venue::Okx)))
        .build()
        .unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::Config);
    let zero = Router::builder().timeout(Duration::ZERO).build().unwrap_err();
    assert_eq!(zero.kind(), ErrorKind::Config);
}

fn assert_send<T: Send>(_: &T) {}

#[test]
fn router_and_its_futures_are_send_and_sync() {
    fn assert_sync<T: Send + Sync>() {}
    assert_sync::<Router>();
    let r = router(vec![Fake::new(Venue::Okx)], btc_map(&[Venue::Okx]));
    let btc = sym("BTC/USDT:USDT");
    let req = OrderRequest::market(btc.clone(), Side::Buy, d("1")).build().unwrap();
    let portfolio = BTreeMap::from([(Venue::Okx, vec![btc.clone()])]);
    let q = PortfolioCandleQuery::new(exch_core::Interval::H1);
    // Not awaited: only their types are checked (usable with `tokio::spawn`).
    assert_send(&r.balances(AccountKind::Spot));
    assert_send(&r.quote(&btc));
    assert_send(&r.route_order(&req));
    assert_send(&r.position_report(None));
    assert_send(&r.portfolio_candles(&portfolio, &q));
    assert_send(&r.probe());
    assert_send(&r.default_symbol_map(&[MarketKind::Spot]));
}

/// The JSON the CLI prints, pinned.
#[tokio::test(start_paused = true)]
async fn json_shapes() {
    let r = router(
        vec![
            Fake::new(Venue::Binance)
                .server_time(NOW + 40)
                .position(position(
                    "BTC/USDT:USDT",
                    PositionSide::Long,
                    "2",
                    "100000",
                    "101000",
                    "2000",
                ))
                .ticker(ticker("BTC/USDT:USDT", "100.1", "100.3")),
            Fake::new(Venue::Okx)
                .server_time(NOW)
                .position(position(
                    "BTC/USDT:USDT",
                    PositionSide::Short,
                    "0.5",
                    "102000",
                    "101000",
                    "500",
                ))
                .ticker(ticker("BTC/USDT:USDT", "100.2", "100.4")),
            Fake::new(Venue::Bingx).failing(ErrorKind::Unavailable),
        ],
        btc_map(&[Venue::Okx, Venue::Binance, Venue::Bingx]),
    );
    insta::assert_json_snapshot!("position_report", r.position_report(None).await.unwrap());
    insta::assert_json_snapshot!("quote", r.quote(&sym("BTC/USDT:USDT")).await.unwrap());
    insta::assert_json_snapshot!("status", r.probe().await);
}
