//! The simulated exchange state: markets, order books, accounts, matching, balances, fees,
//! perpetual positions, leverage, margin and position modes, funding and income.
//!
//! The engine is venue-neutral and deterministic: it never draws random numbers and reads the
//! time only from its [`SimClock`]. Venue protocols translate their wire requests into calls on
//! [`SimState`] and map a [`SimReject`] to their own error code and HTTP status.
//!
//! # Model
//!
//! - Each symbol has an *external* book (seeded liquidity, [`SimState::set_book`]) plus the resting
//!   orders of accounts. A taker order fills against both, best price first; an account never
//!   trades with its own resting orders (they are skipped).
//! - Limit orders rest until crossed: by another account's order or by a new external book
//!   ([`SimState::set_book`] fills resting orders that the new levels cross, as makers).
//! - Market orders walk the book and expire with whatever remains when it is thin. IOC
//!   remainders expire, FOK orders fill completely or expire untouched, post-only orders that
//!   would take are rejected.
//! - Spot: a limit buy locks `qty * price * (1 + taker fee)` of the quote asset, a limit sell
//!   locks `qty` of the base asset; fees are charged in the quote asset.
//! - Perpetuals (USDT-margined): the wallet is in the settle asset; a position uses
//!   `size * entry / leverage` of margin, an opening order `qty * price / leverage`; realized
//!   PnL, fees and funding are booked to the wallet and recorded as [`Income`].
//! - Conditional orders (stop, take-profit, trailing) are accepted as `Pending` and never trigger.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use exch_core::{
    AccountKind, Balance, Income, IncomeKind, Level, MarginMode, Market, MarketKind, MarketStatus, Order, OrderBook,
    OrderRef, OrderRequest, OrderStatus, OrderType, Position, PositionMode, PositionSide, Side, Symbol, Ticker,
    TimeInForce, Trade,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The name of the account that [`SimState::new`] creates and that examples use.
pub const DEFAULT_ACCOUNT: &str = "main";

/// The first order id the engine hands out: 2^53 + 1, so that a client that parses ids as
/// floating-point numbers corrupts them visibly.
pub const FIRST_ORDER_ID: u64 = (1u64 << 53) + 1;

/// The server clock: the real time plus a skew that tests set to simulate a drifting venue.
#[derive(Debug, Clone, Default)]
pub struct SimClock {
    skew_ms: Arc<AtomicI64>,
    fixed_ms: Arc<AtomicI64>,
}

impl SimClock {
    /// A clock that follows the system time with no skew.
    pub fn new() -> Self {
        Self::default()
    }

    /// The server time in ms since the epoch: the fixed time if one is set, else the system
    /// time, plus the skew.
    pub fn now_ms(&self) -> i64 {
        let fixed = self.fixed_ms.load(Ordering::SeqCst);
        let base = if fixed != 0 {
            fixed
        } else {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                .unwrap_or(0)
        };
        base.saturating_add(self.skew_ms.load(Ordering::SeqCst))
    }

    /// Shifts the server clock by `ms` (positive: the server is ahead of the client).
    pub fn set_skew_ms(&self, ms: i64) {
        self.skew_ms.store(ms, Ordering::SeqCst);
    }

    /// The current skew.
    pub fn skew_ms(&self) -> i64 {
        self.skew_ms.load(Ordering::SeqCst)
    }

    /// Freezes the clock at `ms` (snapshot tests); `None` follows the system time again.
    pub fn set_fixed_ms(&self, ms: Option<i64>) {
        self.fixed_ms.store(ms.unwrap_or(0), Ordering::SeqCst);
    }
}

/// Why the engine refused a request. Venue protocols map each reason to their own error code
/// and HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SimReject {
    /// The symbol has no market.
    UnknownSymbol,
    /// The market is not trading.
    MarketClosed,
    /// The account does not exist.
    UnknownAccount,
    /// Quantity missing, zero or negative.
    InvalidQty,
    /// Price missing (limit orders), present where not allowed, or not positive.
    InvalidPrice,
    /// A market rule failed: tick size, step size, min/max quantity, min notional.
    Filter(String),
    /// Not enough free balance or margin.
    InsufficientFunds,
    /// An open order of the account already has this client order id.
    DuplicateClientOrderId,
    /// No such order (or not this account's).
    OrderNotFound,
    /// The order is already closed (filled, cancelled, expired).
    OrderClosed,
    /// A post-only order would have taken liquidity.
    PostOnlyWouldTake,
    /// A reduce-only (or hedge-mode closing) order would not reduce the position.
    ReduceOnlyRejected,
    /// The position side does not fit the account's position mode.
    PositionSideMismatch,
    /// A perpetual-only operation on a spot symbol, or the reverse.
    WrongMarketKind,
    /// The leverage is outside 1..=125.
    InvalidLeverage,
    /// The setting cannot change while positions or open orders exist.
    OpenPositionOrOrders,
    /// The setting already has that value (some venues reject no-op changes).
    NoChange,
}

impl SimReject {
    /// A short English message, for venue protocols without a message of their own.
    pub fn message(&self) -> String {
        match self {
            SimReject::UnknownSymbol => "unknown symbol".into(),
            SimReject::MarketClosed => "market is not trading".into(),
            SimReject::UnknownAccount => "unknown account".into(),
            SimReject::InvalidQty => "invalid quantity".into(),
            SimReject::InvalidPrice => "invalid price".into(),
            SimReject::Filter(rule) => format!("filter failure: {rule}"),
            SimReject::InsufficientFunds => "insufficient balance".into(),
            SimReject::DuplicateClientOrderId => "duplicate client order id".into(),
            SimReject::OrderNotFound => "order does not exist".into(),
            SimReject::OrderClosed => "order is already closed".into(),
            SimReject::PostOnlyWouldTake => "post-only order would immediately match".into(),
            SimReject::ReduceOnlyRejected => "reduce-only order rejected".into(),
            SimReject::PositionSideMismatch => "position side does not match position mode".into(),
            SimReject::WrongMarketKind => "operation not valid for this market kind".into(),
            SimReject::InvalidLeverage => "invalid leverage".into(),
            SimReject::OpenPositionOrOrders => "open positions or orders exist".into(),
            SimReject::NoChange => "no need to change".into(),
        }
    }
}

impl std::fmt::Display for SimReject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for SimReject {}

/// A new order as a venue protocol decoded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    /// The unified symbol.
    pub symbol: Symbol,
    /// Buy or sell.
    pub side: Side,
    /// The order type.
    pub order_type: OrderType,
    /// Quantity in base units.
    pub qty: Decimal,
    /// Limit price.
    pub price: Option<Decimal>,
    /// Trigger price (conditional orders).
    pub trigger_price: Option<Decimal>,
    /// Time in force (`None`: GTC for limit orders). `PostOnly` makes the order maker-only.
    pub time_in_force: Option<TimeInForce>,
    /// Reduce-only (perpetuals).
    pub reduce_only: bool,
    /// The position side in hedge mode (`None` in one-way mode).
    pub position_side: Option<PositionSide>,
    /// The client order id; the engine assigns `sim-<n>` when it is `None`.
    pub client_order_id: Option<String>,
}

impl NewOrder {
    /// A market order.
    pub fn market(symbol: Symbol, side: Side, qty: Decimal) -> Self {
        NewOrder {
            symbol,
            side,
            order_type: OrderType::Market,
            qty,
            price: None,
            trigger_price: None,
            time_in_force: None,
            reduce_only: false,
            position_side: None,
            client_order_id: None,
        }
    }

    /// A GTC limit order.
    pub fn limit(symbol: Symbol, side: Side, qty: Decimal, price: Decimal) -> Self {
        NewOrder {
            order_type: OrderType::Limit,
            price: Some(price),
            ..Self::market(symbol, side, qty)
        }
    }

    /// Sets the time in force.
    pub fn tif(mut self, tif: TimeInForce) -> Self {
        self.time_in_force = Some(tif);
        self
    }

    /// Sets the client order id.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_order_id = Some(id.into());
        self
    }

    /// Makes the order reduce-only.
    pub fn reduce_only(mut self) -> Self {
        self.reduce_only = true;
        self
    }

    /// Sets the hedge-mode position side.
    pub fn position_side(mut self, side: PositionSide) -> Self {
        self.position_side = Some(side);
        self
    }

    /// Converts an `exch-core` order request (as a client would build it).
    pub fn from_request(req: &OrderRequest) -> Self {
        NewOrder {
            symbol: req.symbol.clone(),
            side: req.side,
            order_type: req.order_type,
            qty: req.qty,
            price: req.price,
            trigger_price: req.trigger_price,
            time_in_force: req.time_in_force,
            reduce_only: req.reduce_only,
            position_side: req.position_side,
            client_order_id: req.client_order_id.clone(),
        }
    }

    fn to_request(&self) -> OrderRequest {
        OrderRequest {
            symbol: self.symbol.clone(),
            side: self.side,
            order_type: self.order_type,
            qty: self.qty,
            price: self.price,
            trigger_price: self.trigger_price,
            callback_rate: None,
            time_in_force: self.time_in_force,
            reduce_only: self.reduce_only,
            position_side: self.position_side,
            client_order_id: self.client_order_id.clone(),
            take_profit: None,
            stop_loss: None,
        }
    }
}

/// One execution of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    /// The trade id (numeric string).
    pub trade_id: String,
    /// The order that filled.
    pub order_id: String,
    /// The account.
    pub account: String,
    /// The symbol.
    pub symbol: Symbol,
    /// The order's side.
    pub side: Side,
    /// Execution price.
    pub price: Decimal,
    /// Executed quantity in base units.
    pub qty: Decimal,
    /// Fee paid (positive) in `fee_asset`.
    pub fee: Decimal,
    /// The fee's asset.
    pub fee_asset: String,
    /// True when the order was the resting (maker) side.
    pub maker: bool,
    /// Realized PnL of this fill (perpetuals; zero when it opened or increased a position).
    pub realized_pnl: Decimal,
    /// Execution time.
    pub timestamp: i64,
}

/// Counters a test uses to prove, for example, that no order was duplicated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Orders accepted by [`SimState::place`].
    pub orders_created: u64,
    /// Orders cancelled by [`SimState::cancel`] or [`SimState::cancel_all`].
    pub orders_cancelled: u64,
    /// Orders refused by [`SimState::place`].
    pub orders_rejected: u64,
    /// Fills (both sides of an account-to-account trade count).
    pub fills: u64,
}

/// Maker and taker fee rates (fractions: `0.001` is 0.1 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fees {
    /// Rate paid by resting orders.
    pub maker: Decimal,
    /// Rate paid by orders that take liquidity.
    pub taker: Decimal,
}

impl Default for Fees {
    fn default() -> Self {
        Fees {
            maker: Decimal::new(2, 4),
            taker: Decimal::new(4, 4),
        }
    }
}

#[derive(Debug, Clone)]
struct SimOrder {
    account: String,
    order: Order,
    /// Funds still locked for the open remainder (spot: quote or base; perp: margin).
    locked: Decimal,
    /// Sum of price * qty over fills.
    cum_quote: Decimal,
    seq: u64,
}

/// A position key: `None` is the one-way net position; ordered so it can key a map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ps(Option<PositionSide>);

impl Ps {
    fn code(self) -> u8 {
        match self.0 {
            None => 0,
            Some(PositionSide::Long) => 1,
            Some(PositionSide::Short) => 2,
        }
    }
}

impl PartialOrd for Ps {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ps {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.code().cmp(&other.code())
    }
}

#[derive(Debug, Clone, Default)]
struct PosState {
    /// Signed in one-way mode (net), positive in hedge mode.
    size: Decimal,
    entry: Decimal,
    updated: i64,
}

#[derive(Debug, Clone)]
struct SymbolSettings {
    leverage: Decimal,
    margin_mode: MarginMode,
}

impl Default for SymbolSettings {
    fn default() -> Self {
        SymbolSettings {
            leverage: Decimal::from(20),
            margin_mode: MarginMode::Cross,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Account {
    /// Spot wallet: asset -> (free, locked).
    spot: BTreeMap<String, (Decimal, Decimal)>,
    /// Derivatives wallet balance per settle asset.
    perp: BTreeMap<String, Decimal>,
    positions: BTreeMap<(Symbol, Ps), PosState>,
    settings: BTreeMap<Symbol, SymbolSettings>,
    position_mode: Option<PositionMode>,
    income: Vec<Income>,
}

impl Account {
    fn mode(&self) -> PositionMode {
        self.position_mode.unwrap_or(PositionMode::OneWay)
    }
}

#[derive(Debug, Clone, Default)]
struct Book {
    bids: Vec<Level>,
    asks: Vec<Level>,
    sequence: u64,
    mark: Option<Decimal>,
    last: Option<Decimal>,
}

/// The simulated exchange. Shared by the server behind a mutex ([`crate::SimHandle::state`]);
/// never hold the guard across an `.await`.
#[derive(Debug)]
pub struct SimState {
    clock: SimClock,
    markets: BTreeMap<Symbol, Market>,
    books: BTreeMap<Symbol, Book>,
    accounts: BTreeMap<String, Account>,
    orders: BTreeMap<u64, SimOrder>,
    fills: Vec<Fill>,
    trades: Vec<Trade>,
    next_order_id: u64,
    next_trade_id: u64,
    next_income_id: u64,
    next_client_id: u64,
    seq: u64,
    fees: Fees,
    counters: Counters,
}

impl SimState {
    /// An empty exchange with the [`DEFAULT_ACCOUNT`] and default fees.
    pub fn new(clock: SimClock) -> Self {
        let mut accounts = BTreeMap::new();
        accounts.insert(DEFAULT_ACCOUNT.to_string(), Account::default());
        SimState {
            clock,
            markets: BTreeMap::new(),
            books: BTreeMap::new(),
            accounts,
            orders: BTreeMap::new(),
            fills: Vec::new(),
            trades: Vec::new(),
            next_order_id: FIRST_ORDER_ID,
            next_trade_id: 1,
            next_income_id: 1,
            next_client_id: 1,
            seq: 0,
            fees: Fees::default(),
            counters: Counters::default(),
        }
    }

    /// The server clock.
    pub fn clock(&self) -> &SimClock {
        &self.clock
    }

    /// The server time in ms.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    // ----- markets and books -----

    /// Adds (or replaces) a market.
    pub fn add_market(&mut self, market: Market) {
        self.books.entry(market.symbol.clone()).or_default();
        self.markets.insert(market.symbol.clone(), market);
    }

    /// A market by unified symbol.
    pub fn market(&self, symbol: &Symbol) -> Option<&Market> {
        self.markets.get(symbol)
    }

    /// All markets, ordered by symbol.
    pub fn markets(&self) -> impl Iterator<Item = &Market> {
        self.markets.values()
    }

    /// The market of a given kind whose venue symbol is `venue_symbol` (venues reuse the same
    /// id for spot and perpetual, so the kind is required).
    pub fn market_by_venue_symbol(&self, kind: MarketKind, venue_symbol: &str) -> Option<&Market> {
        self.markets
            .values()
            .find(|m| m.kind == kind && m.venue_symbol == venue_symbol)
    }

    /// Forgets every order that is no longer open (filled, cancelled, rejected, expired), so a
    /// long-running simulator (a demo, a benchmark placing orders in a loop) keeps its order
    /// checks as fast as on the first order. Queries for a forgotten order then answer "not
    /// found", as a venue does once its history window has passed. Returns how many went.
    pub fn forget_closed_orders(&mut self) -> usize {
        let before = self.orders.len();
        self.orders.retain(|_, o| o.order.status.is_open());
        before - self.orders.len()
    }

    /// Replaces the external liquidity of `symbol` (bids are sorted descending, asks ascending)
    /// and fills the resting account orders that the new levels cross, as makers at their own
    /// price. Returns the fills.
    pub fn set_book(&mut self, symbol: &Symbol, mut bids: Vec<Level>, mut asks: Vec<Level>) -> Vec<Fill> {
        bids.retain(|l| l.qty > Decimal::ZERO);
        asks.retain(|l| l.qty > Decimal::ZERO);
        exch_core::sort_levels(&mut bids, &mut asks);
        let book = self.books.entry(symbol.clone()).or_default();
        book.bids = bids;
        book.asks = asks;
        book.sequence += 1;
        self.cross_resting(symbol)
    }

    /// Bumps the book sequence of `symbol` (every visible change of its book does).
    fn touch(&mut self, symbol: &Symbol) {
        if let Some(b) = self.books.get_mut(symbol) {
            b.sequence += 1;
        }
    }

    /// Adds several markets (e.g. parsed from a venue's exchange-info fixture).
    pub fn add_markets(&mut self, markets: impl IntoIterator<Item = Market>) {
        for m in markets {
            self.add_market(m);
        }
    }

    /// Seeds the external book from an `OrderBook` (e.g. parsed from a venue fixture).
    pub fn seed_book(&mut self, book: &OrderBook) -> Vec<Fill> {
        self.set_book(&book.symbol, book.bids.clone(), book.asks.clone())
    }

    /// Overrides the mark price of a symbol (default: the mid of the external book).
    pub fn set_mark_price(&mut self, symbol: &Symbol, price: Option<Decimal>) {
        self.books.entry(symbol.clone()).or_default().mark = price;
    }

    /// The mark price: the override, else the mid of the best external bid and ask, else the
    /// last trade price.
    pub fn mark_price(&self, symbol: &Symbol) -> Option<Decimal> {
        let book = self.books.get(symbol)?;
        if let Some(m) = book.mark {
            return Some(m);
        }
        match (book.bids.first(), book.asks.first()) {
            (Some(b), Some(a)) => Some((b.price + a.price) / Decimal::TWO),
            (Some(l), None) | (None, Some(l)) => Some(l.price),
            (None, None) => book.last,
        }
    }

    /// The last trade price.
    pub fn last_price(&self, symbol: &Symbol) -> Option<Decimal> {
        self.books.get(symbol).and_then(|b| b.last)
    }

    /// The order book: external levels merged with resting account orders, `depth` levels per
    /// side (`None`: all).
    pub fn book(&self, symbol: &Symbol, depth: Option<usize>) -> Option<OrderBook> {
        self.markets.get(symbol)?;
        let book = self.books.get(symbol).cloned().unwrap_or_default();
        let mut bids: BTreeMap<Decimal, Decimal> = BTreeMap::new();
        let mut asks: BTreeMap<Decimal, Decimal> = BTreeMap::new();
        for l in &book.bids {
            *bids.entry(l.price).or_default() += l.qty;
        }
        for l in &book.asks {
            *asks.entry(l.price).or_default() += l.qty;
        }
        for o in self.orders.values() {
            if o.order.symbol != *symbol || !o.order.status.is_open() || o.order.order_type.is_conditional() {
                continue;
            }
            let (Some(p), rem) = (o.order.price, o.order.qty - o.order.filled_qty) else {
                continue;
            };
            match o.order.side {
                Side::Buy => *bids.entry(p).or_default() += rem,
                Side::Sell => *asks.entry(p).or_default() += rem,
            }
        }
        let n = depth.unwrap_or(usize::MAX);
        Some(OrderBook {
            symbol: symbol.clone(),
            bids: bids
                .into_iter()
                .rev()
                .take(n)
                .map(|(price, qty)| Level { price, qty })
                .collect(),
            asks: asks
                .into_iter()
                .take(n)
                .map(|(price, qty)| Level { price, qty })
                .collect(),
            sequence: Some(book.sequence),
            timestamp: Some(self.now_ms()),
        })
    }

    // ----- accounts, fees, counters -----

    /// Creates an account (no-op if it exists).
    pub fn add_account(&mut self, account: &str) {
        self.accounts.entry(account.to_string()).or_default();
    }

    /// Credits (or with a negative amount debits) the free balance of an asset in the spot or
    /// perpetual wallet; creates the account if needed.
    pub fn deposit(&mut self, account: &str, wallet: AccountKind, asset: &str, amount: Decimal) {
        let acc = self.accounts.entry(account.to_string()).or_default();
        match wallet {
            AccountKind::Spot => acc.spot.entry(asset.to_string()).or_default().0 += amount,
            AccountKind::Perpetual => *acc.perp.entry(asset.to_string()).or_default() += amount,
        }
    }

    /// Sets the fee rates.
    pub fn set_fees(&mut self, fees: Fees) {
        self.fees = fees;
    }

    /// The fee rates.
    pub fn fees(&self) -> Fees {
        self.fees
    }

    /// The order counters.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Balances of a wallet; rows with a zero total are omitted. For the perpetual wallet,
    /// `total` is the wallet balance, `locked` the margin used by positions and open orders,
    /// `free` the rest.
    pub fn balances(&self, account: &str, wallet: AccountKind) -> Result<Vec<Balance>, SimReject> {
        let acc = self.accounts.get(account).ok_or(SimReject::UnknownAccount)?;
        let rows: Vec<Balance> = match wallet {
            AccountKind::Spot => acc
                .spot
                .iter()
                .map(|(asset, (free, locked))| Balance {
                    asset: asset.clone(),
                    free: *free,
                    locked: *locked,
                    total: *free + *locked,
                })
                .collect(),
            AccountKind::Perpetual => acc
                .perp
                .iter()
                .map(|(asset, wallet)| {
                    let used = self.perp_margin_used(account, asset);
                    Balance {
                        asset: asset.clone(),
                        free: *wallet - used,
                        locked: used,
                        total: *wallet,
                    }
                })
                .collect(),
        };
        Ok(rows
            .into_iter()
            .filter(|b| !b.total.is_zero() || !b.locked.is_zero())
            .collect())
    }

    /// One balance row (zero when the asset is absent).
    pub fn balance(&self, account: &str, wallet: AccountKind, asset: &str) -> Balance {
        self.balances(account, wallet)
            .ok()
            .and_then(|rows| rows.into_iter().find(|b| b.asset == asset))
            .unwrap_or(Balance {
                asset: asset.to_string(),
                free: Decimal::ZERO,
                locked: Decimal::ZERO,
                total: Decimal::ZERO,
            })
    }

    fn perp_margin_used(&self, account: &str, settle: &str) -> Decimal {
        let Some(acc) = self.accounts.get(account) else {
            return Decimal::ZERO;
        };
        let positions: Decimal = acc
            .positions
            .iter()
            .filter(|((s, _), _)| s.settle() == Some(settle))
            .map(|((s, _), p)| p.size.abs() * p.entry / Self::lev(acc, s))
            .sum();
        let orders: Decimal = self
            .orders
            .values()
            .filter(|o| o.account == account && o.order.status.is_open() && o.order.symbol.settle() == Some(settle))
            .map(|o| o.locked)
            .sum();
        positions + orders
    }

    fn lev(acc: &Account, symbol: &Symbol) -> Decimal {
        acc.settings
            .get(symbol)
            .map(|s| s.leverage)
            .unwrap_or(Decimal::from(20))
    }

    // ----- settings -----

    /// Sets the leverage of a perpetual symbol (1..=125).
    pub fn set_leverage(&mut self, account: &str, symbol: &Symbol, leverage: Decimal) -> Result<(), SimReject> {
        self.perp_market(symbol)?;
        if leverage < Decimal::ONE || leverage > Decimal::from(125) || !leverage.fract().is_zero() {
            return Err(SimReject::InvalidLeverage);
        }
        let acc = self.accounts.get_mut(account).ok_or(SimReject::UnknownAccount)?;
        acc.settings.entry(symbol.clone()).or_default().leverage = leverage;
        Ok(())
    }

    /// The leverage of a perpetual symbol (default 20).
    pub fn leverage(&self, account: &str, symbol: &Symbol) -> Decimal {
        self.accounts
            .get(account)
            .map(|a| Self::lev(a, symbol))
            .unwrap_or(Decimal::from(20))
    }

    /// Sets cross or isolated margin for a symbol; refused while the symbol has a position or
    /// open orders, and (like several venues) when nothing would change.
    pub fn set_margin_mode(&mut self, account: &str, symbol: &Symbol, mode: MarginMode) -> Result<(), SimReject> {
        self.perp_market(symbol)?;
        if self.margin_mode(account, symbol) == mode {
            return Err(SimReject::NoChange);
        }
        if self.has_exposure(account, Some(symbol)) {
            return Err(SimReject::OpenPositionOrOrders);
        }
        let acc = self.accounts.get_mut(account).ok_or(SimReject::UnknownAccount)?;
        acc.settings.entry(symbol.clone()).or_default().margin_mode = mode;
        Ok(())
    }

    /// The margin mode of a symbol (default cross).
    pub fn margin_mode(&self, account: &str, symbol: &Symbol) -> MarginMode {
        self.accounts
            .get(account)
            .and_then(|a| a.settings.get(symbol))
            .map(|s| s.margin_mode)
            .unwrap_or(MarginMode::Cross)
    }

    /// Switches one-way / hedge mode; refused while any perpetual position or open order exists
    /// and when nothing would change.
    pub fn set_position_mode(&mut self, account: &str, mode: PositionMode) -> Result<(), SimReject> {
        let acc = self.accounts.get(account).ok_or(SimReject::UnknownAccount)?;
        if acc.mode() == mode {
            return Err(SimReject::NoChange);
        }
        if self.has_exposure(account, None) {
            return Err(SimReject::OpenPositionOrOrders);
        }
        if let Some(acc) = self.accounts.get_mut(account) {
            acc.position_mode = Some(mode);
        }
        Ok(())
    }

    /// The account's position mode (default one-way).
    pub fn position_mode(&self, account: &str) -> PositionMode {
        self.accounts
            .get(account)
            .map(Account::mode)
            .unwrap_or(PositionMode::OneWay)
    }

    fn has_exposure(&self, account: &str, symbol: Option<&Symbol>) -> bool {
        let pos = self.accounts.get(account).is_some_and(|a| {
            a.positions
                .iter()
                .any(|((s, _), p)| !p.size.is_zero() && symbol.is_none_or(|x| x == s))
        });
        let ord = self.orders.values().any(|o| {
            o.account == account
                && o.order.status.is_open()
                && o.order.symbol.is_perpetual()
                && symbol.is_none_or(|x| *x == o.order.symbol)
        });
        pos || ord
    }

    fn perp_market(&self, symbol: &Symbol) -> Result<&Market, SimReject> {
        let m = self.markets.get(symbol).ok_or(SimReject::UnknownSymbol)?;
        if !m.kind.is_perpetual() {
            return Err(SimReject::WrongMarketKind);
        }
        Ok(m)
    }

    // ----- positions, funding, income -----

    /// Open positions of the account (zero-size ones omitted), optionally for one symbol.
    /// Unrealized PnL uses the mark price.
    pub fn positions(&self, account: &str, symbol: Option<&Symbol>) -> Result<Vec<Position>, SimReject> {
        let acc = self.accounts.get(account).ok_or(SimReject::UnknownAccount)?;
        let mut out = Vec::new();
        for ((s, ps), p) in &acc.positions {
            if p.size.is_zero() || symbol.is_some_and(|x| x != s) {
                continue;
            }
            let side = match ps.0 {
                Some(side) => side,
                None if p.size > Decimal::ZERO => PositionSide::Long,
                None => PositionSide::Short,
            };
            let size = p.size.abs();
            let mark = self.mark_price(s);
            let sign = if side == PositionSide::Long {
                Decimal::ONE
            } else {
                -Decimal::ONE
            };
            let contract_size = self.markets.get(s).map(|m| m.contract_size).unwrap_or(Decimal::ONE);
            let contracts = if contract_size.is_zero() {
                size
            } else {
                size / contract_size
            };
            out.push(Position {
                symbol: s.clone(),
                side,
                size,
                contracts,
                contract_size,
                entry_price: Some(p.entry),
                mark_price: mark,
                liquidation_price: None,
                unrealized_pnl: mark.map(|m| (m - p.entry) * size * sign),
                leverage: Some(Self::lev(acc, s)),
                margin_mode: Some(acc.settings.get(s).map(|x| x.margin_mode).unwrap_or(MarginMode::Cross)),
                position_mode: Some(acc.mode()),
                timestamp: Some(p.updated),
            });
        }
        Ok(out)
    }

    /// Applies a funding payment at `rate` to every position in `symbol`, valued at the mark
    /// price: longs pay `size * mark * rate` and shorts receive it (negative rates reverse
    /// that). Returns the income records created.
    pub fn apply_funding(&mut self, symbol: &Symbol, rate: Decimal) -> Result<Vec<Income>, SimReject> {
        let m = self.perp_market(symbol)?.clone();
        let mark = self.mark_price(symbol).ok_or(SimReject::InvalidPrice)?;
        let settle = m.symbol.settle().unwrap_or(m.symbol.quote()).to_string();
        let now = self.now_ms();
        let mut out = Vec::new();
        let names: Vec<String> = self.accounts.keys().cloned().collect();
        for name in names {
            let amounts: Vec<Decimal> = self.accounts[&name]
                .positions
                .iter()
                .filter(|((s, _), p)| s == symbol && !p.size.is_zero())
                .map(|((_, ps), p)| {
                    let signed = match ps.0 {
                        Some(PositionSide::Long) => p.size,
                        Some(PositionSide::Short) => -p.size,
                        None => p.size,
                    };
                    -(signed * mark * rate)
                })
                .collect();
            for amount in amounts {
                let inc = self.book_income(&name, Some(symbol), IncomeKind::Funding, amount, &settle, now);
                out.push(inc);
            }
        }
        Ok(out)
    }

    /// Adds an income record and books its amount to the perpetual wallet.
    fn book_income(
        &mut self,
        account: &str,
        symbol: Option<&Symbol>,
        kind: IncomeKind,
        amount: Decimal,
        asset: &str,
        now: i64,
    ) -> Income {
        let id = self.next_income_id;
        self.next_income_id += 1;
        let inc = Income {
            symbol: symbol.cloned(),
            kind,
            amount,
            asset: asset.to_string(),
            id: Some(id.to_string()),
            timestamp: now,
        };
        let acc = self.accounts.entry(account.to_string()).or_default();
        *acc.perp.entry(asset.to_string()).or_default() += amount;
        acc.income.push(inc.clone());
        inc
    }

    /// Income records of the account, oldest first, optionally for one symbol and kind.
    pub fn income(
        &self,
        account: &str,
        symbol: Option<&Symbol>,
        kind: Option<&IncomeKind>,
    ) -> Result<Vec<Income>, SimReject> {
        let acc = self.accounts.get(account).ok_or(SimReject::UnknownAccount)?;
        Ok(acc
            .income
            .iter()
            .filter(|i| symbol.is_none_or(|s| i.symbol.as_ref() == Some(s)))
            .filter(|i| kind.is_none_or(|k| &i.kind == k))
            .cloned()
            .collect())
    }

    // ----- orders -----

    /// Places an order for `account`: validates it, matches it, and returns the order as it
    /// stands afterwards (filled, resting, expired).
    pub fn place(&mut self, account: &str, req: NewOrder) -> Result<Order, SimReject> {
        let r = self.place_inner(account, req);
        match &r {
            Ok(_) => self.counters.orders_created += 1,
            Err(_) => self.counters.orders_rejected += 1,
        }
        r
    }

    fn place_inner(&mut self, account: &str, req: NewOrder) -> Result<Order, SimReject> {
        if !self.accounts.contains_key(account) {
            return Err(SimReject::UnknownAccount);
        }
        let market = self.markets.get(&req.symbol).ok_or(SimReject::UnknownSymbol)?.clone();
        if market.status != MarketStatus::Trading {
            return Err(SimReject::MarketClosed);
        }
        if req.qty <= Decimal::ZERO {
            return Err(SimReject::InvalidQty);
        }
        if req.order_type.needs_price() != req.price.is_some() || req.price.is_some_and(|p| p <= Decimal::ZERO) {
            return Err(SimReject::InvalidPrice);
        }
        if req.order_type.needs_trigger() && req.trigger_price.is_none() {
            return Err(SimReject::InvalidPrice);
        }
        if req.order_type == OrderType::Market && req.time_in_force == Some(TimeInForce::PostOnly) {
            return Err(SimReject::InvalidPrice);
        }
        let reference = self.mark_price(&req.symbol);
        if let Err(e) = market.validate(&req.to_request(), reference) {
            let rule = e
                .rule()
                .map(|r| format!("{r:?}"))
                .unwrap_or_else(|| e.message().to_string());
            return Err(SimReject::Filter(rule));
        }
        if let Some(cid) = &req.client_order_id {
            let dup = self.orders.values().any(|o| {
                o.account == account && o.order.status.is_open() && o.order.client_order_id.as_deref() == Some(cid)
            });
            if dup {
                return Err(SimReject::DuplicateClientOrderId);
            }
        }
        let perp = market.kind.is_perpetual();
        if !perp && (req.reduce_only || req.position_side.is_some()) {
            return Err(SimReject::WrongMarketKind);
        }
        if perp {
            self.check_position_rules(account, &req)?;
        }

        // Post-only: reject if it would take.
        let tif = req.time_in_force;
        if tif == Some(TimeInForce::PostOnly) {
            if let (Some(best), Some(p)) = (self.best_opposite(account, &req.symbol, req.side), req.price) {
                if crosses(req.side, p, best) {
                    return Err(SimReject::PostOnlyWouldTake);
                }
            }
        }

        // Funds.
        let lock = self.check_funds(account, &market, &req)?;

        let now = self.now_ms();
        let id = self.next_order_id;
        self.next_order_id += 1;
        self.seq += 1;
        let client_order_id = req.client_order_id.clone().or_else(|| {
            let n = self.next_client_id;
            self.next_client_id += 1;
            Some(format!("sim-{n}"))
        });
        let conditional = req.order_type.is_conditional();
        let order = Order {
            symbol: req.symbol.clone(),
            id: id.to_string(),
            client_order_id,
            side: req.side,
            order_type: req.order_type,
            time_in_force: if req.order_type == OrderType::Market {
                None
            } else {
                Some(tif.unwrap_or(TimeInForce::Gtc))
            },
            price: req.price,
            trigger_price: req.trigger_price,
            qty: req.qty,
            filled_qty: Decimal::ZERO,
            avg_price: None,
            status: if conditional {
                OrderStatus::Pending
            } else {
                OrderStatus::New
            },
            reduce_only: req.reduce_only,
            position_side: req.position_side,
            created_at: Some(now),
            updated_at: Some(now),
        };
        self.lock_funds(account, &market, &order, lock);
        self.orders.insert(
            id,
            SimOrder {
                account: account.to_string(),
                order,
                locked: lock,
                cum_quote: Decimal::ZERO,
                seq: self.seq,
            },
        );
        if conditional {
            return Ok(self.orders[&id].order.clone());
        }

        // FOK: all or nothing.
        if tif == Some(TimeInForce::Fok) {
            let avail = self.available_liquidity(account, &req.symbol, req.side, req.price);
            if avail < req.qty {
                self.close_order(id, OrderStatus::Expired);
                return Ok(self.orders[&id].order.clone());
            }
        }

        self.match_taker(id);

        let (status, rest) = {
            let o = &self.orders[&id].order;
            (o.status, o.qty - o.filled_qty)
        };
        if status.is_open() && !rest.is_zero() {
            let keep = req.order_type == OrderType::Limit
                && matches!(tif, None | Some(TimeInForce::Gtc | TimeInForce::PostOnly));
            if keep {
                self.touch(&req.symbol);
            } else {
                self.close_order(id, OrderStatus::Expired);
            }
        }
        Ok(self.orders[&id].order.clone())
    }

    fn check_position_rules(&self, account: &str, req: &NewOrder) -> Result<(), SimReject> {
        let acc = &self.accounts[account];
        match acc.mode() {
            PositionMode::OneWay => {
                if req.position_side.is_some() {
                    return Err(SimReject::PositionSideMismatch);
                }
                if req.reduce_only {
                    let net = acc
                        .positions
                        .get(&(req.symbol.clone(), Ps(None)))
                        .map(|p| p.size)
                        .unwrap_or_default();
                    let reduces = match req.side {
                        Side::Buy => net < Decimal::ZERO,
                        Side::Sell => net > Decimal::ZERO,
                    };
                    if !reduces || req.qty > net.abs() {
                        return Err(SimReject::ReduceOnlyRejected);
                    }
                }
            }
            PositionMode::Hedge => {
                let ps = req.position_side.ok_or(SimReject::PositionSideMismatch)?;
                let closing = req.side == ps.closing_side();
                if req.reduce_only && !closing {
                    return Err(SimReject::ReduceOnlyRejected);
                }
                if closing {
                    let size = acc
                        .positions
                        .get(&(req.symbol.clone(), Ps(Some(ps))))
                        .map(|p| p.size)
                        .unwrap_or_default();
                    if req.qty > size {
                        return Err(SimReject::ReduceOnlyRejected);
                    }
                }
            }
        }
        Ok(())
    }

    /// The funds an order must lock while it rests, after checking that the account has them.
    fn check_funds(&self, account: &str, market: &Market, req: &NewOrder) -> Result<Decimal, SimReject> {
        let acc = &self.accounts[account];
        let symbol = &market.symbol;
        let taker = self.fees.taker;
        // A conditional market order is valued at its trigger price.
        let conditional_ref = req.trigger_price.filter(|_| req.order_type.is_conditional());
        if market.kind.is_perpetual() {
            // Only the part that opens exposure needs margin.
            let opening_qty = match (acc.mode(), req.position_side) {
                (PositionMode::Hedge, Some(ps)) if req.side == ps.closing_side() => Decimal::ZERO,
                _ if req.reduce_only => Decimal::ZERO,
                _ => {
                    let net = acc
                        .positions
                        .get(&(symbol.clone(), Ps(None)))
                        .map(|p| p.size)
                        .unwrap_or_default();
                    let reducing = match req.side {
                        Side::Buy => (-net).max(Decimal::ZERO),
                        Side::Sell => net.max(Decimal::ZERO),
                    };
                    (req.qty - reducing).max(Decimal::ZERO)
                }
            };
            if opening_qty.is_zero() {
                return Ok(Decimal::ZERO);
            }
            let price = match req.price.or(conditional_ref) {
                Some(p) => p,
                None => self
                    .best_opposite(account, symbol, req.side)
                    .or_else(|| self.mark_price(symbol))
                    .ok_or(SimReject::InsufficientFunds)?,
            };
            let margin = opening_qty * price / Self::lev(acc, symbol);
            let need = margin + opening_qty * price * taker;
            let settle = symbol.settle().unwrap_or(symbol.quote());
            let wallet = acc.perp.get(settle).copied().unwrap_or_default();
            if wallet - self.perp_margin_used(account, settle) < need {
                return Err(SimReject::InsufficientFunds);
            }
            // Market and IOC/FOK orders never rest, so they lock nothing.
            Ok(if rests(req) { margin } else { Decimal::ZERO })
        } else {
            let free = |asset: &str| acc.spot.get(asset).map(|x| x.0).unwrap_or_default();
            match req.side {
                Side::Buy => {
                    let cost = match req.price.or(conditional_ref) {
                        Some(p) => req.qty * p,
                        None => self.cost_to_fill(account, symbol, Side::Buy, req.qty),
                    };
                    let need = cost * (Decimal::ONE + taker);
                    if free(symbol.quote()) < need {
                        return Err(SimReject::InsufficientFunds);
                    }
                    Ok(if req.order_type == OrderType::Market {
                        Decimal::ZERO
                    } else {
                        need
                    })
                }
                Side::Sell => {
                    if free(symbol.base()) < req.qty {
                        return Err(SimReject::InsufficientFunds);
                    }
                    Ok(if req.order_type == OrderType::Market {
                        Decimal::ZERO
                    } else {
                        req.qty
                    })
                }
            }
        }
    }

    fn lock_funds(&mut self, account: &str, market: &Market, order: &Order, amount: Decimal) {
        if amount.is_zero() || market.kind.is_perpetual() {
            return; // perp margin is derived from `SimOrder::locked`
        }
        let asset = match order.side {
            Side::Buy => market.symbol.quote(),
            Side::Sell => market.symbol.base(),
        };
        let acc = self.accounts.get_mut(account).expect("account checked");
        let e = acc.spot.entry(asset.to_string()).or_default();
        e.0 -= amount;
        e.1 += amount;
    }

    /// Releases whatever the order still locks and closes it with `status`.
    fn close_order(&mut self, id: u64, status: OrderStatus) {
        let now = self.now_ms();
        let Some(o) = self.orders.get_mut(&id) else { return };
        let locked = std::mem::take(&mut o.locked);
        o.order.status = status;
        o.order.updated_at = Some(now);
        let (account, symbol, side) = (o.account.clone(), o.order.symbol.clone(), o.order.side);
        self.touch(&symbol);
        if symbol.is_spot() && !locked.is_zero() {
            let asset = match side {
                Side::Buy => symbol.quote().to_string(),
                Side::Sell => symbol.base().to_string(),
            };
            if let Some(acc) = self.accounts.get_mut(&account) {
                let e = acc.spot.entry(asset).or_default();
                e.1 -= locked;
                e.0 += locked;
            }
        }
    }

    fn best_opposite(&self, account: &str, symbol: &Symbol, side: Side) -> Option<Decimal> {
        self.liquidity(account, symbol, side).first().map(|l| l.price)
    }

    /// Opposite-side liquidity available to a taker from `account`, best first: external
    /// levels and other accounts' resting orders (the account's own are skipped).
    fn liquidity(&self, account: &str, symbol: &Symbol, side: Side) -> Vec<Liq> {
        let mut out = Vec::new();
        if let Some(book) = self.books.get(symbol) {
            let levels = match side {
                Side::Buy => &book.asks,
                Side::Sell => &book.bids,
            };
            out.extend(levels.iter().enumerate().map(|(i, l)| Liq {
                price: l.price,
                qty: l.qty,
                source: Source::External(i),
                seq: 0,
            }));
        }
        for (id, o) in &self.orders {
            if o.order.symbol == *symbol
                && o.account != account
                && o.order.side == side.opposite()
                && o.order.status.is_open()
                && !o.order.order_type.is_conditional()
            {
                if let Some(p) = o.order.price {
                    out.push(Liq {
                        price: p,
                        qty: o.order.qty - o.order.filled_qty,
                        source: Source::Order(*id),
                        seq: o.seq,
                    });
                }
            }
        }
        out.sort_by(|a, b| {
            let by_price = match side {
                Side::Buy => a.price.cmp(&b.price),
                Side::Sell => b.price.cmp(&a.price),
            };
            by_price.then(a.seq.cmp(&b.seq))
        });
        out
    }

    fn available_liquidity(&self, account: &str, symbol: &Symbol, side: Side, limit: Option<Decimal>) -> Decimal {
        self.liquidity(account, symbol, side)
            .iter()
            .filter(|l| limit.is_none_or(|p| crosses(side, p, l.price)))
            .map(|l| l.qty)
            .sum()
    }

    fn cost_to_fill(&self, account: &str, symbol: &Symbol, side: Side, qty: Decimal) -> Decimal {
        let mut left = qty;
        let mut cost = Decimal::ZERO;
        for l in self.liquidity(account, symbol, side) {
            if left.is_zero() {
                break;
            }
            let q = left.min(l.qty);
            cost += q * l.price;
            left -= q;
        }
        cost
    }

    /// Matches the taker order `id` against the book.
    fn match_taker(&mut self, id: u64) {
        loop {
            let (account, symbol, side, limit, rest) = {
                let o = &self.orders[&id];
                (
                    o.account.clone(),
                    o.order.symbol.clone(),
                    o.order.side,
                    o.order.price,
                    o.order.qty - o.order.filled_qty,
                )
            };
            if rest.is_zero() {
                break;
            }
            let Some(best) = self.liquidity(&account, &symbol, side).into_iter().next() else {
                break;
            };
            if limit.is_some_and(|p| !crosses(side, p, best.price)) {
                break;
            }
            let qty = rest.min(best.qty);
            match best.source {
                Source::External(i) => {
                    let book = self.books.get_mut(&symbol).expect("book exists");
                    let levels = match side {
                        Side::Buy => &mut book.asks,
                        Side::Sell => &mut book.bids,
                    };
                    levels[i].qty -= qty;
                    if levels[i].qty.is_zero() {
                        levels.remove(i);
                    }
                    book.sequence += 1;
                }
                Source::Order(maker) => {
                    self.execute(maker, best.price, qty, true);
                }
            }
            self.execute(id, best.price, qty, false);
            self.record_trade(&symbol, best.price, qty, side);
        }
    }

    /// After the external book changed: fill resting orders that it now crosses.
    fn cross_resting(&mut self, symbol: &Symbol) -> Vec<Fill> {
        let start = self.fills.len();
        let mut ids: Vec<(u64, u64)> = self
            .orders
            .iter()
            .filter(|(_, o)| {
                o.order.symbol == *symbol && o.order.status.is_open() && !o.order.order_type.is_conditional()
            })
            .map(|(id, o)| (o.seq, *id))
            .collect();
        ids.sort();
        for (_, id) in ids {
            loop {
                let (side, price, rest) = {
                    let o = &self.orders[&id].order;
                    (o.side, o.price, o.qty - o.filled_qty)
                };
                let Some(price) = price else { break };
                if rest.is_zero() {
                    break;
                }
                let book = self.books.get_mut(symbol).expect("book exists");
                let levels = match side {
                    Side::Buy => &mut book.asks,
                    Side::Sell => &mut book.bids,
                };
                let Some(level) = levels.first_mut() else { break };
                if !crosses(side, price, level.price) {
                    break;
                }
                let qty = rest.min(level.qty);
                level.qty -= qty;
                if level.qty.is_zero() {
                    levels.remove(0);
                }
                book.sequence += 1;
                self.execute(id, price, qty, true);
                // The external book was the taker.
                self.record_trade(symbol, price, qty, side.opposite());
            }
        }
        self.fills[start..].to_vec()
    }

    fn record_trade(&mut self, symbol: &Symbol, price: Decimal, qty: Decimal, taker_side: Side) {
        let id = self.trades.len() as u64 + 1;
        let timestamp = self.now_ms();
        self.trades.push(Trade {
            symbol: symbol.clone(),
            id: id.to_string(),
            price,
            qty,
            side: Some(taker_side),
            timestamp,
        });
    }

    /// Public trades of `symbol` (one per match, the taker's side), oldest first; the last
    /// `limit` when given.
    pub fn trades(&self, symbol: &Symbol, limit: Option<usize>) -> Vec<Trade> {
        let all: Vec<Trade> = self.trades.iter().filter(|t| t.symbol == *symbol).cloned().collect();
        let skip = limit.map(|n| all.len().saturating_sub(n)).unwrap_or(0);
        all.into_iter().skip(skip).collect()
    }

    /// A ticker from the book and the trades: best bid and ask, last price, and open, high,
    /// low and volumes over the recorded trades (the simulation has no 24 h window).
    pub fn ticker(&self, symbol: &Symbol) -> Option<Ticker> {
        let book = self.book(symbol, Some(1))?;
        let trades: Vec<&Trade> = self.trades.iter().filter(|t| t.symbol == *symbol).collect();
        let prices = || trades.iter().map(|t| t.price);
        // Before the first trade, a seeded market quotes its mid (or mark) as the last price,
        // as a real venue always has one.
        let last = self.last_price(symbol).or_else(|| self.mark_price(symbol));
        let open = trades.first().map(|t| t.price).or(last);
        let change_percent = match (open, last) {
            (Some(o), Some(l)) if !o.is_zero() => Some((l - o) / o * Decimal::ONE_HUNDRED),
            _ => None,
        };
        Some(Ticker {
            symbol: symbol.clone(),
            last,
            bid: book.best_bid().map(|l| l.price),
            bid_qty: book.best_bid().map(|l| l.qty),
            ask: book.best_ask().map(|l| l.price),
            ask_qty: book.best_ask().map(|l| l.qty),
            open,
            high: prices().max(),
            low: prices().min(),
            base_volume: Some(trades.iter().map(|t| t.qty).sum()),
            quote_volume: Some(trades.iter().map(|t| t.qty * t.price).sum()),
            change_percent,
            timestamp: Some(self.now_ms()),
        })
    }

    /// Books one execution of order `id`: order fields, balances or position, fee, fill record.
    fn execute(&mut self, id: u64, price: Decimal, qty: Decimal, maker: bool) {
        let now = self.now_ms();
        let rate = if maker { self.fees.maker } else { self.fees.taker };
        let fee = qty * price * rate;
        let (account, symbol, side, position_side, order_qty, filled_before, locked_before) = {
            let o = &self.orders[&id];
            (
                o.account.clone(),
                o.order.symbol.clone(),
                o.order.side,
                o.order.position_side,
                o.order.qty,
                o.order.filled_qty,
                o.locked,
            )
        };
        // Release the lock share of this fill.
        let release = if locked_before.is_zero() {
            Decimal::ZERO
        } else if filled_before + qty >= order_qty {
            locked_before
        } else {
            (locked_before * qty / (order_qty - filled_before)).min(locked_before)
        };
        let mut realized = Decimal::ZERO;
        let fee_asset;
        if symbol.is_spot() {
            fee_asset = symbol.quote().to_string();
            let acc = self.accounts.get_mut(&account).expect("account exists");
            let (base, quote) = (symbol.base().to_string(), symbol.quote().to_string());
            match side {
                Side::Buy => {
                    let q = acc.spot.entry(quote).or_default();
                    q.1 -= release;
                    q.0 += release;
                    q.0 -= qty * price + fee;
                    acc.spot.entry(base).or_default().0 += qty;
                }
                Side::Sell => {
                    let b = acc.spot.entry(base).or_default();
                    b.1 -= release;
                    b.0 += release;
                    b.0 -= qty;
                    acc.spot.entry(quote).or_default().0 += qty * price - fee;
                }
            }
        } else {
            let settle = symbol.settle().unwrap_or(symbol.quote()).to_string();
            fee_asset = settle.clone();
            realized = self.update_position(&account, &symbol, side, position_side, price, qty, now);
            if !realized.is_zero() {
                self.book_income(&account, Some(&symbol), IncomeKind::RealizedPnl, realized, &settle, now);
            }
            if !fee.is_zero() {
                self.book_income(&account, Some(&symbol), IncomeKind::Fee, -fee, &settle, now);
            }
        }
        let trade_id = self.next_trade_id;
        self.next_trade_id += 1;
        self.counters.fills += 1;
        self.touch(&symbol);
        if let Some(book) = self.books.get_mut(&symbol) {
            book.last = Some(price);
        }
        let o = self.orders.get_mut(&id).expect("order exists");
        o.locked -= release;
        o.cum_quote += qty * price;
        o.order.filled_qty += qty;
        o.order.avg_price = Some(o.cum_quote / o.order.filled_qty);
        o.order.updated_at = Some(now);
        o.order.status = if o.order.filled_qty >= o.order.qty {
            OrderStatus::Filled
        } else {
            OrderStatus::PartiallyFilled
        };
        self.fills.push(Fill {
            trade_id: trade_id.to_string(),
            order_id: id.to_string(),
            account,
            symbol,
            side,
            price,
            qty,
            fee,
            fee_asset,
            maker,
            realized_pnl: realized,
            timestamp: now,
        });
    }

    /// Applies a perpetual fill to the position; returns the realized PnL.
    #[allow(clippy::too_many_arguments)]
    fn update_position(
        &mut self,
        account: &str,
        symbol: &Symbol,
        side: Side,
        position_side: Option<PositionSide>,
        price: Decimal,
        qty: Decimal,
        now: i64,
    ) -> Decimal {
        let acc = self.accounts.get_mut(account).expect("account exists");
        let pos = acc.positions.entry((symbol.clone(), Ps(position_side))).or_default();
        pos.updated = now;
        match position_side {
            Some(ps) => {
                if side == ps.opening_side() {
                    pos.entry = weighted(pos.size, pos.entry, qty, price);
                    pos.size += qty;
                    Decimal::ZERO
                } else {
                    let closed = qty.min(pos.size);
                    let sign = if ps == PositionSide::Long {
                        Decimal::ONE
                    } else {
                        -Decimal::ONE
                    };
                    let pnl = closed * (price - pos.entry) * sign;
                    pos.size -= closed;
                    if pos.size.is_zero() {
                        pos.entry = Decimal::ZERO;
                    }
                    pnl
                }
            }
            None => {
                let delta = if side == Side::Buy { qty } else { -qty };
                if pos.size.is_zero() || pos.size.is_sign_positive() == delta.is_sign_positive() {
                    pos.entry = weighted(pos.size.abs(), pos.entry, qty, price);
                    pos.size += delta;
                    Decimal::ZERO
                } else {
                    let closed = qty.min(pos.size.abs());
                    let sign = if pos.size > Decimal::ZERO {
                        Decimal::ONE
                    } else {
                        -Decimal::ONE
                    };
                    let pnl = closed * (price - pos.entry) * sign;
                    pos.size += delta;
                    if pos.size.is_zero() {
                        pos.entry = Decimal::ZERO;
                    } else if pos.size.is_sign_positive() != sign.is_sign_positive() {
                        // Flipped through zero: the remainder opened at this price.
                        pos.entry = price;
                    }
                    pnl
                }
            }
        }
    }

    /// Cancels an open order of `account`. `symbol` narrows the lookup when given.
    pub fn cancel(&mut self, account: &str, symbol: Option<&Symbol>, which: &OrderRef) -> Result<Order, SimReject> {
        let id = self.find(account, symbol, which)?;
        if !self.orders[&id].order.status.is_open() {
            return Err(SimReject::OrderClosed);
        }
        self.close_order(id, OrderStatus::Canceled);
        self.counters.orders_cancelled += 1;
        Ok(self.orders[&id].order.clone())
    }

    /// Cancels every open order of `account` (in `symbol` when given); returns them.
    pub fn cancel_all(&mut self, account: &str, symbol: Option<&Symbol>) -> Vec<Order> {
        let ids: Vec<u64> = self
            .orders
            .iter()
            .filter(|(_, o)| o.account == account && o.order.status.is_open())
            .filter(|(_, o)| symbol.is_none_or(|s| *s == o.order.symbol))
            .map(|(id, _)| *id)
            .collect();
        ids.into_iter()
            .map(|id| {
                self.close_order(id, OrderStatus::Canceled);
                self.counters.orders_cancelled += 1;
                self.orders[&id].order.clone()
            })
            .collect()
    }

    fn find(&self, account: &str, symbol: Option<&Symbol>, which: &OrderRef) -> Result<u64, SimReject> {
        let mine = |o: &SimOrder| o.account == account && symbol.is_none_or(|s| *s == o.order.symbol);
        match which {
            OrderRef::Id(id) => {
                let n: u64 = id.parse().map_err(|_| SimReject::OrderNotFound)?;
                match self.orders.get(&n) {
                    Some(o) if mine(o) => Ok(n),
                    _ => Err(SimReject::OrderNotFound),
                }
            }
            OrderRef::Client(cid) => {
                let matches = || {
                    self.orders
                        .iter()
                        .filter(|(_, o)| mine(o) && o.order.client_order_id.as_deref() == Some(cid.as_str()))
                };
                // Prefer the open order, else the most recent one.
                matches()
                    .find(|(_, o)| o.order.status.is_open())
                    .or_else(|| matches().next_back())
                    .map(|(id, _)| *id)
                    .ok_or(SimReject::OrderNotFound)
            }
        }
    }

    /// One order of `account` by id or client id.
    pub fn order(&self, account: &str, symbol: Option<&Symbol>, which: &OrderRef) -> Result<Order, SimReject> {
        let id = self.find(account, symbol, which)?;
        Ok(self.orders[&id].order.clone())
    }

    /// Open orders of `account`, oldest first.
    pub fn open_orders(&self, account: &str, symbol: Option<&Symbol>) -> Vec<Order> {
        self.orders
            .values()
            .filter(|o| o.account == account && o.order.status.is_open())
            .filter(|o| symbol.is_none_or(|s| *s == o.order.symbol))
            .map(|o| o.order.clone())
            .collect()
    }

    /// Every order of `account` (open and closed), oldest first.
    pub fn order_history(&self, account: &str, symbol: Option<&Symbol>) -> Vec<Order> {
        self.orders
            .values()
            .filter(|o| o.account == account)
            .filter(|o| symbol.is_none_or(|s| *s == o.order.symbol))
            .map(|o| o.order.clone())
            .collect()
    }

    /// Fills of `account`, oldest first, optionally of one order.
    pub fn fills(&self, account: &str, order_id: Option<&str>) -> Vec<Fill> {
        self.fills
            .iter()
            .filter(|f| f.account == account && order_id.is_none_or(|id| f.order_id == id))
            .cloned()
            .collect()
    }

    /// Total quote value filled for an order (`sum(price * qty)`), as venues report it
    /// (`cummulativeQuoteQty` and the like).
    pub fn cum_quote(&self, order_id: &str) -> Option<Decimal> {
        let n: u64 = order_id.parse().ok()?;
        self.orders.get(&n).map(|o| o.cum_quote)
    }
}

#[derive(Debug, Clone, Copy)]
enum Source {
    External(usize),
    Order(u64),
}

#[derive(Debug, Clone, Copy)]
struct Liq {
    price: Decimal,
    qty: Decimal,
    source: Source,
    seq: u64,
}

/// True when a `side` order at `limit` can trade at `price`.
fn crosses(side: Side, limit: Decimal, price: Decimal) -> bool {
    match side {
        Side::Buy => price <= limit,
        Side::Sell => price >= limit,
    }
}

fn rests(req: &NewOrder) -> bool {
    req.order_type == OrderType::Limit
        && matches!(req.time_in_force, None | Some(TimeInForce::Gtc | TimeInForce::PostOnly))
}

fn weighted(size: Decimal, entry: Decimal, qty: Decimal, price: Decimal) -> Decimal {
    let total = size + qty;
    if total.is_zero() {
        return Decimal::ZERO;
    }
    (size * entry + qty * price) / total
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn perp_market() -> Market {
        Market {
            symbol: "ETH/USDT:USDT".parse().unwrap(),
            venue_symbol: "ETHUSDT".into(),
            kind: MarketKind::LinearPerpetual,
            status: MarketStatus::Trading,
            tick_size: dec!(0.01),
            step_size: dec!(0.001),
            min_qty: None,
            max_qty: None,
            min_notional: None,
            contract_size: Decimal::ONE,
        }
    }

    #[test]
    fn clock_skew_and_fixed_time() {
        let c = SimClock::new();
        c.set_fixed_ms(Some(1_700_000_000_000));
        assert_eq!(c.now_ms(), 1_700_000_000_000);
        c.set_skew_ms(-1_500);
        assert_eq!(c.now_ms(), 1_699_999_998_500);
        c.set_fixed_ms(None);
        assert!(c.now_ms() > 1_700_000_000_000);
    }

    #[test]
    fn venue_symbol_lookup_needs_the_kind() {
        let mut st = SimState::new(SimClock::new());
        let mut spot = perp_market();
        spot.symbol = "ETH/USDT".parse().unwrap();
        spot.kind = MarketKind::Spot;
        st.add_market(spot);
        st.add_market(perp_market());
        let p = st
            .market_by_venue_symbol(MarketKind::LinearPerpetual, "ETHUSDT")
            .unwrap();
        assert!(p.symbol.is_perpetual());
        let s = st.market_by_venue_symbol(MarketKind::Spot, "ETHUSDT").unwrap();
        assert!(s.symbol.is_spot());
        assert_eq!(st.markets().count(), 2);
    }

    #[test]
    fn conditional_orders_wait_and_can_be_cancelled() {
        let mut st = SimState::new(SimClock::new());
        st.add_market(perp_market());
        st.deposit(DEFAULT_ACCOUNT, AccountKind::Perpetual, "USDT", dec!(1000));
        let sym = perp_market().symbol;
        let mut stop = NewOrder::market(sym.clone(), Side::Sell, dec!(1));
        stop.order_type = OrderType::StopMarket;
        assert_eq!(st.place(DEFAULT_ACCOUNT, stop.clone()), Err(SimReject::InvalidPrice));
        stop.trigger_price = Some(dec!(90));
        let o = st.place(DEFAULT_ACCOUNT, stop).unwrap();
        assert_eq!(o.status, OrderStatus::Pending);
        assert_eq!(o.id, FIRST_ORDER_ID.to_string());
        assert_eq!(o.client_order_id.as_deref(), Some("sim-1"));
        let c = st.cancel(DEFAULT_ACCOUNT, Some(&sym), &OrderRef::Id(o.id)).unwrap();
        assert_eq!(c.status, OrderStatus::Canceled);
        assert_eq!(st.counters().orders_cancelled, 1);
        // A second, open order stays when the closed ones are forgotten.
        let mut stop2 = NewOrder::market(sym.clone(), Side::Sell, dec!(1));
        stop2.order_type = OrderType::StopMarket;
        stop2.trigger_price = Some(dec!(80));
        let open = st.place(DEFAULT_ACCOUNT, stop2).unwrap();
        assert_eq!(st.forget_closed_orders(), 1);
        assert_eq!(st.forget_closed_orders(), 0);
        assert!(st.order(DEFAULT_ACCOUNT, Some(&sym), &OrderRef::Id(open.id)).is_ok());
        assert!(st.order(DEFAULT_ACCOUNT, Some(&sym), &OrderRef::Id(c.id)).is_err());
    }

    #[test]
    fn hedge_requires_a_side_and_one_way_refuses_one() {
        let mut st = SimState::new(SimClock::new());
        st.add_market(perp_market());
        st.deposit(DEFAULT_ACCOUNT, AccountKind::Perpetual, "USDT", dec!(1000));
        let sym = perp_market().symbol;
        st.set_book(
            &sym,
            vec![],
            vec![Level {
                price: dec!(10),
                qty: dec!(5),
            }],
        );
        let with_side = NewOrder::market(sym.clone(), Side::Buy, dec!(1)).position_side(PositionSide::Long);
        assert_eq!(
            st.place(DEFAULT_ACCOUNT, with_side.clone()),
            Err(SimReject::PositionSideMismatch)
        );
        st.set_position_mode(DEFAULT_ACCOUNT, PositionMode::Hedge).unwrap();
        assert_eq!(st.position_mode(DEFAULT_ACCOUNT), PositionMode::Hedge);
        assert_eq!(
            st.place(DEFAULT_ACCOUNT, with_side).unwrap().status,
            OrderStatus::Filled
        );
        let reduce_long_wrongly = NewOrder::market(sym.clone(), Side::Buy, dec!(1))
            .position_side(PositionSide::Long)
            .reduce_only();
        assert_eq!(
            st.place(DEFAULT_ACCOUNT, reduce_long_wrongly),
            Err(SimReject::ReduceOnlyRejected)
        );
        assert_eq!(
            st.set_leverage(DEFAULT_ACCOUNT, &sym, dec!(200)),
            Err(SimReject::InvalidLeverage)
        );
        assert_eq!(st.leverage(DEFAULT_ACCOUNT, &sym), dec!(20));
    }

    #[test]
    fn unknown_accounts_are_rejected() {
        let mut st = SimState::new(SimClock::new());
        st.add_market(perp_market());
        let o = NewOrder::limit(perp_market().symbol, Side::Buy, dec!(1), dec!(1));
        assert_eq!(st.place("ghost", o), Err(SimReject::UnknownAccount));
        assert_eq!(st.balances("ghost", AccountKind::Spot), Err(SimReject::UnknownAccount));
        assert!(st.open_orders("ghost", None).is_empty());
    }
}
