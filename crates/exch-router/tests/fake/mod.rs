//! An in-process test double of `exch_core::Exchange` for the router's own logic: canned
//! answers, a configurable delay (tokio time, so paused-clock tests never wait for real) and an
//! optional failure for every call. HTTP-level behaviour is tested in the venue crates.
#![allow(dead_code, clippy::result_large_err)]

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use exch_core::{
    AccountKind, Balance, Candle, CandleQuery, Capabilities, Decimal, Error, ErrorKind, Exchange, Income, IncomeQuery,
    MarginMode, Market, MarketKind, MarketStatus, Order, OrderBook, OrderQuery, OrderRef, OrderRequest, OrderStatus,
    Position, PositionMode, PositionSide, Result, Symbol, Ticker, TimestampMs, Trade, Venue,
};

/// A canned venue.
#[derive(Debug)]
pub struct Fake {
    pub venue: Venue,
    pub delay: Duration,
    pub failure: Option<ErrorKind>,
    pub server_time: TimestampMs,
    pub tickers: Vec<Ticker>,
    pub balances: Vec<Balance>,
    pub positions: Vec<Position>,
    pub orders: Vec<Order>,
    pub markets: Vec<Market>,
    pub candles: BTreeMap<Symbol, Vec<Candle>>,
    pub placed: Mutex<Vec<OrderRequest>>,
}

impl Fake {
    pub fn new(venue: Venue) -> Self {
        Fake {
            venue,
            delay: Duration::ZERO,
            failure: None,
            server_time: 0,
            tickers: Vec::new(),
            balances: Vec::new(),
            positions: Vec::new(),
            orders: Vec::new(),
            markets: Vec::new(),
            candles: BTreeMap::new(),
            placed: Mutex::new(Vec::new()),
        }
    }

    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }

    pub fn failing(mut self, kind: ErrorKind) -> Self {
        self.failure = Some(kind);
        self
    }

    pub fn server_time(mut self, t: TimestampMs) -> Self {
        self.server_time = t;
        self
    }

    pub fn ticker(mut self, t: Ticker) -> Self {
        self.tickers.push(t);
        self
    }

    pub fn balance(mut self, b: Balance) -> Self {
        self.balances.push(b);
        self
    }

    pub fn position(mut self, p: Position) -> Self {
        self.positions.push(p);
        self
    }

    pub fn order(mut self, o: Order) -> Self {
        self.orders.push(o);
        self
    }

    pub fn market(mut self, m: Market) -> Self {
        self.markets.push(m);
        self
    }

    pub fn candles(mut self, symbol: &Symbol, c: Vec<Candle>) -> Self {
        self.candles.insert(symbol.clone(), c);
        self
    }

    pub fn placed(&self) -> Vec<OrderRequest> {
        self.placed.lock().unwrap().clone()
    }

    async fn gate(&self, op: &str) -> Result<()> {
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        match self.failure {
            Some(kind) => Err(Error::new(kind, format!("{op} failed (fake)")).with_venue(self.venue)),
            None => Ok(()),
        }
    }

    fn bad_symbol(&self, symbol: &Symbol) -> Error {
        Error::new(ErrorKind::BadSymbol, format!("{symbol} is not listed")).with_venue(self.venue)
    }
}

#[async_trait]
impl Exchange for Fake {
    fn venue(&self) -> Venue {
        self.venue
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::all_native(self.venue, vec![MarketKind::Spot, MarketKind::LinearPerpetual])
    }

    async fn server_time(&self) -> Result<TimestampMs> {
        self.gate("server_time").await?;
        Ok(self.server_time)
    }

    async fn markets(&self, kind: MarketKind) -> Result<Vec<Market>> {
        self.gate("markets").await?;
        Ok(self.markets.iter().filter(|m| m.kind == kind).cloned().collect())
    }

    async fn ticker(&self, symbol: &Symbol) -> Result<Ticker> {
        self.gate("ticker").await?;
        self.tickers
            .iter()
            .find(|t| &t.symbol == symbol)
            .cloned()
            .ok_or_else(|| self.bad_symbol(symbol))
    }

    async fn tickers(&self, kind: MarketKind) -> Result<Vec<Ticker>> {
        self.gate("tickers").await?;
        Ok(self
            .tickers
            .iter()
            .filter(|t| t.symbol.kind() == kind)
            .cloned()
            .collect())
    }

    async fn order_book(&self, _symbol: &Symbol, _depth: Option<usize>) -> Result<OrderBook> {
        Err(Error::unsupported(self.venue, "order_book"))
    }

    async fn trades(&self, _symbol: &Symbol, _limit: Option<usize>) -> Result<Vec<Trade>> {
        Err(Error::unsupported(self.venue, "trades"))
    }

    async fn candles(&self, query: &CandleQuery) -> Result<Vec<Candle>> {
        self.gate("candles").await?;
        self.candles
            .get(&query.symbol)
            .cloned()
            .ok_or_else(|| self.bad_symbol(&query.symbol))
    }

    async fn place_order(&self, request: &OrderRequest) -> Result<Order> {
        self.gate("place_order").await?;
        self.placed.lock().unwrap().push(request.clone());
        Ok(Order {
            symbol: request.symbol.clone(),
            id: format!("{}-1", self.venue),
            client_order_id: request.client_order_id.clone(),
            side: request.side,
            order_type: request.order_type,
            time_in_force: request.time_in_force,
            price: request.price,
            trigger_price: request.trigger_price,
            qty: request.qty,
            filled_qty: Decimal::ZERO,
            avg_price: None,
            status: OrderStatus::New,
            reduce_only: request.reduce_only,
            position_side: request.position_side,
            created_at: None,
            updated_at: None,
        })
    }

    async fn cancel_order(&self, _symbol: &Symbol, _order: &OrderRef) -> Result<Order> {
        Err(Error::unsupported(self.venue, "cancel_order"))
    }

    async fn cancel_all_orders(&self, _symbol: &Symbol) -> Result<Vec<Order>> {
        Err(Error::unsupported(self.venue, "cancel_all_orders"))
    }

    async fn order(&self, _symbol: &Symbol, _order: &OrderRef) -> Result<Order> {
        Err(Error::unsupported(self.venue, "order"))
    }

    async fn open_orders(&self, symbol: Option<&Symbol>, kind: MarketKind) -> Result<Vec<Order>> {
        self.gate("open_orders").await?;
        Ok(self
            .orders
            .iter()
            .filter(|o| o.symbol.kind() == kind && symbol.is_none_or(|s| *s == o.symbol))
            .cloned()
            .collect())
    }

    async fn order_history(&self, _query: &OrderQuery) -> Result<Vec<Order>> {
        Err(Error::unsupported(self.venue, "order_history"))
    }

    async fn balances(&self, _account: AccountKind) -> Result<Vec<Balance>> {
        self.gate("balances").await?;
        Ok(self.balances.clone())
    }

    async fn positions(&self, symbol: Option<&Symbol>) -> Result<Vec<Position>> {
        self.gate("positions").await?;
        Ok(self
            .positions
            .iter()
            .filter(|p| symbol.is_none_or(|s| *s == p.symbol))
            .cloned()
            .collect())
    }

    async fn set_leverage(&self, _symbol: &Symbol, _leverage: u32) -> Result<()> {
        Err(Error::unsupported(self.venue, "set_leverage"))
    }

    async fn set_margin_mode(&self, _symbol: &Symbol, _mode: MarginMode) -> Result<()> {
        Err(Error::unsupported(self.venue, "set_margin_mode"))
    }

    async fn set_position_mode(&self, _mode: PositionMode) -> Result<()> {
        Err(Error::unsupported(self.venue, "set_position_mode"))
    }

    async fn income(&self, _query: &IncomeQuery) -> Result<Vec<Income>> {
        Err(Error::unsupported(self.venue, "income"))
    }
}

// ----- canned values ------------------------------------------------------------------------

pub fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

pub fn sym(s: &str) -> Symbol {
    s.parse().unwrap()
}

pub fn ticker(symbol: &str, bid: &str, ask: &str) -> Ticker {
    Ticker {
        symbol: sym(symbol),
        last: None,
        bid: Some(d(bid)),
        bid_qty: Some(Decimal::ONE),
        ask: Some(d(ask)),
        ask_qty: Some(Decimal::TWO),
        open: None,
        high: None,
        low: None,
        base_volume: None,
        quote_volume: None,
        change_percent: None,
        timestamp: None,
    }
}

pub fn balance(asset: &str, total: &str) -> Balance {
    Balance {
        asset: asset.into(),
        free: d(total),
        locked: Decimal::ZERO,
        total: d(total),
    }
}

pub fn position(symbol: &str, side: PositionSide, size: &str, entry: &str, mark: &str, pnl: &str) -> Position {
    Position {
        symbol: sym(symbol),
        side,
        size: d(size),
        contracts: d(size),
        contract_size: Decimal::ONE,
        entry_price: Some(d(entry)),
        mark_price: Some(d(mark)),
        liquidation_price: None,
        unrealized_pnl: Some(d(pnl)),
        leverage: None,
        margin_mode: Some(MarginMode::Cross),
        position_mode: Some(PositionMode::OneWay),
        timestamp: None,
    }
}

pub fn market(symbol: &str) -> Market {
    let symbol = sym(symbol);
    Market {
        venue_symbol: symbol.to_string(),
        kind: symbol.kind(),
        symbol,
        status: MarketStatus::Trading,
        tick_size: d("0.1"),
        step_size: d("0.001"),
        min_qty: None,
        max_qty: None,
        min_notional: None,
        contract_size: Decimal::ONE,
    }
}

pub fn candle(open_time: TimestampMs, close: &str) -> Candle {
    Candle {
        open_time,
        open: d(close),
        high: d(close),
        low: d(close),
        close: d(close),
        volume: Decimal::ONE,
        quote_volume: None,
        closed: Some(true),
    }
}
