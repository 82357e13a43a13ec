//! `exch::stream` and `exch::sim::SimVenue::{stream, publish_*}`: every simulator of the build
//! streams tickers, trades, books and candles of spot and perpetual symbols to the facade's
//! stream, as typed events with the published values.
#![cfg(feature = "sim")]

use std::time::Duration;

use exch::sim::SimVenue;
use exch::stream::{Channel, ConnectionState, MarketStream, StreamConfig, StreamEvent, Subscription};
use exch::{Decimal, ErrorKind, Interval, Level, Side, Symbol, Trade, Venue};

fn sym(s: &str) -> Symbol {
    s.parse().unwrap()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn lv(p: &str, q: &str) -> Level {
    Level { price: d(p), qty: d(q) }
}

/// Calls `publish` every few ms until `events` yields an event `want` accepts (the
/// subscription becomes live asynchronously); gives up after 20 s.
async fn until_published(
    events: &mut MarketStream,
    mut publish: impl FnMut() -> exch::Result<usize>,
    want: impl Fn(&StreamEvent) -> bool,
    seen: &mut Vec<StreamEvent>,
) -> StreamEvent {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no matching event; seen {seen:#?}"
        );
        publish().expect("publish");
        while let Ok(Some(e)) = tokio::time::timeout(Duration::from_millis(10), events.next_event()).await {
            if want(&e) {
                return e;
            }
            seen.push(e);
        }
    }
}

async fn check_venue(sim: &SimVenue, symbol: Symbol) {
    let venue = sim.venue();
    let cfg = StreamConfig::default().book_depth(5);
    let mut seen = Vec::new();

    // Ticker: the simulator's ticker after a book change (bid/ask from the book).
    let mut ticker = sim
        .stream([Subscription::ticker(symbol.clone())], cfg.clone())
        .await
        .unwrap();
    let bids = vec![lv("100.5", "2"), lv("100", "3")];
    let asks = vec![lv("101.5", "1"), lv("102", "4")];
    sim.publish_book(&symbol, bids.clone(), asks.clone()).unwrap();
    let e = until_published(
        &mut ticker,
        || sim.publish_ticker(&symbol),
        |e| matches!(e, StreamEvent::Ticker(_)),
        &mut seen,
    )
    .await;
    let StreamEvent::Ticker(t) = e else { unreachable!() };
    assert_eq!(t.symbol, symbol, "{venue}");
    assert_eq!(t.last, Some(d("101")), "{venue} {symbol}: the mid before any trade");
    // Binance's futures ticker carries no best bid and ask; every other one does.
    if !(venue == Venue::Binance && symbol.is_perpetual()) {
        assert_eq!((t.bid, t.ask), (Some(d("100.5")), Some(d("101.5"))), "{venue} {symbol}");
    }
    assert!(
        seen.iter().any(|e| matches!(e, StreamEvent::State(ConnectionState::Connected { url }) if url.starts_with("ws://127.0.0.1:"))),
        "{venue}: {seen:#?}"
    );
    drop(ticker);

    // Trades: the published trade, price, size in base units and taker side.
    let mut trades = sim
        .stream([Subscription::trades(symbol.clone())], cfg.clone())
        .await
        .unwrap();
    let trade = Trade {
        symbol: symbol.clone(),
        id: "4242".into(),
        price: d("101"),
        qty: d("0.5"),
        side: Some(Side::Sell),
        timestamp: 1_700_000_000_000,
    };
    let e = until_published(
        &mut trades,
        || sim.publish_trade(&trade),
        |e| matches!(e, StreamEvent::Trade(_)),
        &mut seen,
    )
    .await;
    let StreamEvent::Trade(t) = e else { unreachable!() };
    assert_eq!(
        (t.symbol, t.price, t.qty, t.side, t.timestamp),
        (symbol.clone(), d("101"), d("0.5"), Some(Side::Sell), 1_700_000_000_000),
        "{venue}"
    );
    drop(trades);

    // Candles: the forming bar at the last price (the mid of the book: no trade recorded).
    let mut candles = sim
        .stream([Subscription::candles(symbol.clone(), Interval::M1)], cfg.clone())
        .await
        .unwrap();
    let e = until_published(
        &mut candles,
        || sim.publish_candle(&symbol, Interval::M1),
        |e| matches!(e, StreamEvent::Candle { .. }),
        &mut seen,
    )
    .await;
    let StreamEvent::Candle {
        symbol: s,
        interval,
        candle,
    } = e
    else {
        unreachable!()
    };
    assert_eq!((s, interval), (symbol.clone(), Interval::M1), "{venue}");
    assert_eq!(candle.close, d("101"), "{venue}: mid of 100.5 / 101.5");
    assert_eq!(candle.open_time % 60_000, 0, "{venue}");
    drop(candles);

    // Book: the snapshot, then an update applied to the local book.
    let mut book = sim
        .stream([Subscription::book(symbol.clone())], cfg.clone())
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let snapshot = loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{venue}: no snapshot; {seen:#?}"
        );
        // Binance seeds its local book over REST when the first delta arrives.
        if venue == Venue::Binance {
            sim.publish_book(&symbol, bids.clone(), asks.clone()).unwrap();
        }
        match tokio::time::timeout(Duration::from_millis(20), book.next_event()).await {
            Ok(Some(StreamEvent::BookSnapshot(b))) => break b,
            Ok(Some(e)) => seen.push(e),
            _ => {}
        }
    };
    assert_eq!(snapshot.symbol, symbol, "{venue}");
    assert_eq!(snapshot.bids.first().map(|l| l.price), Some(d("100.5")), "{venue}");
    assert_eq!(snapshot.asks.first().map(|l| l.price), Some(d("101.5")), "{venue}");
    let new_bids = vec![lv("100.75", "1"), lv("100.5", "2"), lv("100", "3")];
    sim.publish_book(&symbol, new_bids.clone(), asks.clone()).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let update = loop {
        assert!(tokio::time::Instant::now() < deadline, "{venue}: no update; {seen:#?}");
        match tokio::time::timeout(Duration::from_millis(50), book.next_event()).await {
            Ok(Some(StreamEvent::BookUpdate(u))) if u.book.best_bid().map(|l| l.price) == Some(d("100.75")) => break u,
            Ok(Some(e)) => seen.push(e),
            _ => {}
        }
    };
    assert_eq!(update.symbol, symbol, "{venue}");
    assert_eq!(update.bids, vec![lv("100.75", "1")], "{venue}: only the changed level");
    assert_eq!(update.book.bids, new_bids, "{venue}");
    assert_eq!(update.book.asks, asks, "{venue}");
    let errors: Vec<&StreamEvent> = seen.iter().filter(|e| matches!(e, StreamEvent::Error(_))).collect();
    assert!(errors.is_empty(), "{venue}: {errors:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_simulator_streams_every_channel_spot_and_perp() {
    for venue in exch::sim::simulated_venues() {
        for symbol in ["BTC/USDT", "BTC/USDT:USDT"] {
            let sim = exch::sim::start(venue).await.unwrap();
            check_venue(&sim, sym(symbol)).await;
        }
    }
}

#[tokio::test]
async fn the_facade_stream_reaches_a_simulator_through_a_config() {
    for venue in exch::sim::simulated_venues() {
        let sim = exch::sim::start(venue).await.unwrap();
        let btc = sym("BTC/USDT");
        let mut events = exch::stream(
            venue,
            sim.config(),
            [Subscription::ticker(btc.clone())],
            StreamConfig::default(),
        )
        .await
        .unwrap();
        let e = until_published(
            &mut events,
            || sim.publish_ticker(&btc),
            |e| matches!(e, StreamEvent::Ticker(_)),
            &mut Vec::new(),
        )
        .await;
        assert!(Subscription::ticker(btc.clone()).matches(&e), "{venue}: {e:?}");
    }
}

#[tokio::test]
async fn unknown_symbols_and_venues_fail_before_streaming() {
    for venue in exch::sim::simulated_venues() {
        let sim = exch::sim::start(venue).await.unwrap();
        let nope = sym("NOPE/USDT");
        let e = sim
            .stream(
                [Subscription::new(nope.clone(), Channel::Trades)],
                StreamConfig::default(),
            )
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadSymbol, "{venue}: {e}");
        let e = sim.publish_ticker(&nope).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadSymbol, "{venue}: {e}");
    }
    let e = exch::stream(
        Venue::Kraken,
        exch::ClientConfig::new(),
        [Subscription::ticker(sym("BTC/USDT"))],
        StreamConfig::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.message().contains("feature"), "{}", e.message());
}
