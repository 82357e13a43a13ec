//! One generic scenario, written once against `&dyn Exchange` and run unchanged against every
//! simulated venue of the build: markets, ticker, book, place, get, cancel, positions. That the
//! same code passes everywhere is what proves the trait uniform.
#![cfg(feature = "sim")]

use exch::precision::round_to_step;
use exch::{
    Decimal, Exchange, Market, MarketKind, OrderRef, OrderRequest, OrderStatus, PositionSide, Rounding, Side, Symbol,
};

/// The smallest quantity `market` accepts at `price`: its minimum quantity, raised to meet the
/// minimum notional, on the step grid.
fn min_order_qty(market: &Market, price: Decimal) -> Decimal {
    let mut qty = market.min_qty.unwrap_or(market.step_size).max(market.step_size);
    if let Some(min_notional) = market.min_notional {
        qty = qty.max(min_notional * Decimal::new(11, 1) / price);
    }
    round_to_step(qty, market.step_size, Rounding::Up)
}

async fn market_of(ex: &dyn Exchange, symbol: &Symbol) -> Market {
    let markets = ex.markets(symbol.kind()).await.unwrap();
    assert!(markets.iter().all(|m| m.kind == symbol.kind()), "{}: kinds", ex.venue());
    markets
        .into_iter()
        .find(|m| &m.symbol == symbol)
        .unwrap_or_else(|| panic!("{}: {symbol} listed", ex.venue()))
}

/// The scenario. Panics (fails the test) on the first deviation, naming the venue.
async fn scenario(ex: &dyn Exchange) {
    let venue = ex.venue();
    let spot: Symbol = "BTC/USDT".parse().unwrap();
    let perp: Symbol = "BTC/USDT:USDT".parse().unwrap();

    // Markets: both kinds, with usable precision.
    let spot_market = market_of(ex, &spot).await;
    let perp_market = market_of(ex, &perp).await;
    for m in [&spot_market, &perp_market] {
        assert!(
            m.tick_size > Decimal::ZERO && m.step_size > Decimal::ZERO,
            "{venue}: {m:?}"
        );
        assert!(m.contract_size > Decimal::ZERO, "{venue}: {m:?}");
    }
    assert_eq!(perp_market.kind, MarketKind::LinearPerpetual);

    // Ticker and book agree on the top of the book.
    let ticker = ex.ticker(&spot).await.unwrap();
    assert_eq!(ticker.symbol, spot, "{venue}");
    let (bid, ask) = (ticker.bid.unwrap(), ticker.ask.unwrap());
    assert!(bid < ask, "{venue}: bid {bid} < ask {ask}");
    let book = ex.order_book(&spot, Some(5)).await.unwrap();
    assert!(!book.bids.is_empty() && !book.asks.is_empty(), "{venue}: {book:?}");
    assert!(
        book.bids.windows(2).all(|w| w[0].price > w[1].price),
        "{venue}: bids descending"
    );
    assert!(
        book.asks.windows(2).all(|w| w[0].price < w[1].price),
        "{venue}: asks ascending"
    );
    assert_eq!(book.best_bid().unwrap().price, bid, "{venue}");
    assert_eq!(book.best_ask().unwrap().price, ask, "{venue}");

    // Place a resting limit buy far below the bid, get it both ways, cancel it.
    let price = spot_market.round_price(bid * Decimal::new(8, 1), Rounding::Down);
    let qty = min_order_qty(&spot_market, price);
    let cid = format!("scenario{}", venue.as_str());
    let request = OrderRequest::limit(spot.clone(), Side::Buy, qty, price)
        .client_order_id(&cid)
        .build()
        .unwrap();
    let placed = ex.place_order(&request).await.unwrap();
    assert_eq!(placed.status, OrderStatus::New, "{venue}: {placed:?}");
    assert_eq!(placed.client_order_id.as_deref(), Some(cid.as_str()), "{venue}");
    assert_eq!((placed.qty, placed.price), (qty, Some(price)), "{venue}");
    let by_id = ex.order(&spot, &OrderRef::Id(placed.id.clone())).await.unwrap();
    let by_client = ex.order(&spot, &OrderRef::Client(cid.clone())).await.unwrap();
    assert_eq!((&by_id.id, &by_client.id), (&placed.id, &placed.id), "{venue}");
    let open = ex.open_orders(Some(&spot), MarketKind::Spot).await.unwrap();
    assert!(open.iter().any(|o| o.id == placed.id), "{venue}: open orders {open:?}");
    let cancelled = ex.cancel_order(&spot, &OrderRef::Id(placed.id.clone())).await.unwrap();
    assert_eq!(cancelled.status, OrderStatus::Canceled, "{venue}: {cancelled:?}");
    let after = ex.order(&spot, &OrderRef::Client(cid)).await.unwrap();
    assert_eq!(after.status, OrderStatus::Canceled, "{venue}");
    assert!(
        ex.open_orders(Some(&spot), MarketKind::Spot).await.unwrap().is_empty(),
        "{venue}"
    );

    // A market buy on the perpetual opens a long of exactly that size, in base units.
    let perp_ask = ex.ticker(&perp).await.unwrap().ask.or(ticker.ask).unwrap();
    let perp_qty = min_order_qty(&perp_market, perp_ask);
    let filled = ex
        .place_order(&OrderRequest::market(perp.clone(), Side::Buy, perp_qty).build().unwrap())
        .await
        .unwrap();
    assert_eq!(
        (filled.status, filled.filled_qty),
        (OrderStatus::Filled, perp_qty),
        "{venue}: {filled:?}"
    );
    let positions = ex.positions(Some(&perp)).await.unwrap();
    assert_eq!(positions.len(), 1, "{venue}: {positions:?}");
    let p = &positions[0];
    assert_eq!((p.side, p.size), (PositionSide::Long, perp_qty), "{venue}: {p:?}");
    assert_eq!(
        p.contracts * p.contract_size,
        p.size,
        "{venue}: contracts x contract size = base units"
    );

    // And closing it leaves no position.
    let closed = ex.close_position(&perp, None).await.unwrap();
    assert_eq!(closed.side, Side::Sell, "{venue}");
    assert!(
        ex.positions(Some(&perp)).await.unwrap().is_empty(),
        "{venue}: flat after close"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_scenario_passes_on_every_simulated_venue() {
    let venues = exch::sim::simulated_venues();
    assert!(venues.len() >= 3, "binance, okx and bingx at least: {venues:?}");
    for venue in venues {
        let (_sim, ex) = exch::sim::connect(venue).await.unwrap();
        scenario(ex.as_ref()).await;
    }
}
