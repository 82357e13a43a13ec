//! Orders: the request a caller builds, the order the venue reports, and the placement
//! protocol that never re-sends an order whose outcome is unknown.

use std::fmt;
use std::future::Future;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::model::{PositionSide, Side, TimestampMs};
use crate::symbol::Symbol;

/// The kind of order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderType {
    /// Fill now at the best available prices.
    Market,
    /// Rest at a limit price.
    Limit,
    /// A market order once the trigger price is reached.
    StopMarket,
    /// A limit order once the trigger price is reached.
    StopLimit,
    /// A take-profit market order once the trigger price is reached.
    TakeProfitMarket,
    /// A take-profit limit order once the trigger price is reached.
    TakeProfitLimit,
    /// A market order that trails the price by a callback rate.
    TrailingStop,
}

impl OrderType {
    /// True for the types that wait for a trigger price.
    pub const fn is_conditional(self) -> bool {
        !matches!(self, OrderType::Market | OrderType::Limit)
    }

    /// True for the types that carry a limit price.
    pub const fn needs_price(self) -> bool {
        matches!(
            self,
            OrderType::Limit | OrderType::StopLimit | OrderType::TakeProfitLimit
        )
    }

    /// True for the types that carry a trigger price.
    pub const fn needs_trigger(self) -> bool {
        matches!(
            self,
            OrderType::StopMarket | OrderType::StopLimit | OrderType::TakeProfitMarket | OrderType::TakeProfitLimit
        )
    }
}

/// How long an order stays on the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeInForce {
    /// Good till cancelled.
    Gtc,
    /// Immediate or cancel: fill what can be filled now, cancel the rest.
    Ioc,
    /// Fill or kill: fill entirely now or cancel.
    Fok,
    /// Post-only: rest as maker or be rejected.
    PostOnly,
}

/// The life-cycle state of an order. Strict: every venue maps its states to these, tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Accepted, not yet triggered (conditional orders) or not yet on the book.
    Pending,
    /// On the book, nothing filled.
    New,
    /// Partly filled, the rest still working.
    PartiallyFilled,
    /// Completely filled.
    Filled,
    /// Cancelled (possibly after a partial fill).
    Canceled,
    /// Rejected by the venue after acceptance.
    Rejected,
    /// Expired (IOC/FOK remainder, GTD, self-trade prevention).
    Expired,
}

impl OrderStatus {
    /// True while the order can still fill.
    pub const fn is_open(self) -> bool {
        matches!(
            self,
            OrderStatus::Pending | OrderStatus::New | OrderStatus::PartiallyFilled
        )
    }
}

/// Which order: by the venue's id or by our client order id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderRef {
    /// The venue's order id.
    Id(String),
    /// The client order id given at placement.
    Client(String),
}

impl fmt::Display for OrderRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OrderRef::Id(id) => write!(f, "id {id}"),
            OrderRef::Client(id) => write!(f, "client id {id}"),
        }
    }
}

/// An order as the venue reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The unified symbol.
    pub symbol: Symbol,
    /// The venue's order id (a string: ids exceed 2^53).
    pub id: String,
    /// The client order id.
    pub client_order_id: Option<String>,
    /// Buy or sell.
    pub side: Side,
    /// The order type.
    pub order_type: OrderType,
    /// Time in force, where it applies.
    pub time_in_force: Option<TimeInForce>,
    /// Limit price.
    pub price: Option<Decimal>,
    /// Trigger price of a conditional order.
    pub trigger_price: Option<Decimal>,
    /// Ordered quantity in base units.
    pub qty: Decimal,
    /// Filled quantity in base units.
    pub filled_qty: Decimal,
    /// Average fill price.
    pub avg_price: Option<Decimal>,
    /// Status.
    pub status: OrderStatus,
    /// Reduce-only flag.
    pub reduce_only: bool,
    /// Position side in hedge mode.
    pub position_side: Option<PositionSide>,
    /// Creation time.
    pub created_at: Option<TimestampMs>,
    /// Last update time.
    pub updated_at: Option<TimestampMs>,
}

/// A take-profit or stop-loss attached to an entry order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attached {
    /// The trigger price.
    pub trigger_price: Decimal,
    /// A limit price; `None` executes at market.
    pub price: Option<Decimal>,
}

/// A new order. Build one with [`OrderRequest::market`], [`OrderRequest::limit`] or
/// [`OrderRequest::builder`]; quantities are in base units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRequest {
    /// The unified symbol.
    pub symbol: Symbol,
    /// Buy or sell.
    pub side: Side,
    /// The order type.
    pub order_type: OrderType,
    /// Quantity in base units.
    pub qty: Decimal,
    /// Limit price (limit, stop-limit, take-profit-limit).
    pub price: Option<Decimal>,
    /// Trigger price (stop and take-profit types; activation price for trailing stops).
    pub trigger_price: Option<Decimal>,
    /// Trailing callback rate in percent (trailing stop).
    pub callback_rate: Option<Decimal>,
    /// Time in force; `None` means the venue default (GTC for limit orders).
    pub time_in_force: Option<TimeInForce>,
    /// Only reduce a position.
    pub reduce_only: bool,
    /// Position side, required in hedge mode.
    pub position_side: Option<PositionSide>,
    /// Client order id; one is generated at placement when unset.
    pub client_order_id: Option<String>,
    /// Attached take-profit.
    pub take_profit: Option<Attached>,
    /// Attached stop-loss.
    pub stop_loss: Option<Attached>,
}

impl OrderRequest {
    /// A builder for any order type.
    pub fn builder(symbol: Symbol, side: Side, order_type: OrderType, qty: Decimal) -> OrderRequestBuilder {
        OrderRequestBuilder {
            req: OrderRequest {
                symbol,
                side,
                order_type,
                qty,
                price: None,
                trigger_price: None,
                callback_rate: None,
                time_in_force: None,
                reduce_only: false,
                position_side: None,
                client_order_id: None,
                take_profit: None,
                stop_loss: None,
            },
        }
    }

    /// A market order builder.
    pub fn market(symbol: Symbol, side: Side, qty: Decimal) -> OrderRequestBuilder {
        Self::builder(symbol, side, OrderType::Market, qty)
    }

    /// A GTC limit order builder.
    pub fn limit(symbol: Symbol, side: Side, qty: Decimal, price: Decimal) -> OrderRequestBuilder {
        Self::builder(symbol, side, OrderType::Limit, qty).price(price)
    }

    /// Checks that the request is complete and coherent (independent of any market).
    pub fn check(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::new(ErrorKind::BadRequest, m.to_string()));
        if self.qty <= Decimal::ZERO {
            return bad("quantity must be positive");
        }
        if self.order_type.needs_price() && self.price.is_none() {
            return bad("this order type needs a price");
        }
        if !self.order_type.needs_price() && self.price.is_some() {
            return bad("this order type takes no price");
        }
        if self.order_type.needs_trigger() && self.trigger_price.is_none() {
            return bad("this order type needs a trigger price");
        }
        if self.order_type == OrderType::TrailingStop && self.callback_rate.is_none() {
            return bad("a trailing stop needs a callback rate");
        }
        if self.price.is_some_and(|p| p <= Decimal::ZERO) || self.trigger_price.is_some_and(|p| p <= Decimal::ZERO) {
            return bad("prices must be positive");
        }
        if self.order_type == OrderType::Market && matches!(self.time_in_force, Some(TimeInForce::PostOnly)) {
            return bad("a market order cannot be post-only");
        }
        if self.symbol.is_spot() && (self.reduce_only || self.position_side.is_some()) {
            return bad("reduce-only and position side apply to perpetuals only");
        }
        if let Some(id) = &self.client_order_id {
            if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:/".contains(&b))
            {
                return bad("client order id must be 1-64 characters of [A-Za-z0-9-_.:/]");
            }
        }
        Ok(())
    }
}

/// Builder for [`OrderRequest`].
#[derive(Debug, Clone)]
pub struct OrderRequestBuilder {
    req: OrderRequest,
}

impl OrderRequestBuilder {
    /// Sets the limit price.
    pub fn price(mut self, p: Decimal) -> Self {
        self.req.price = Some(p);
        self
    }

    /// Sets the trigger price.
    pub fn trigger_price(mut self, p: Decimal) -> Self {
        self.req.trigger_price = Some(p);
        self
    }

    /// Sets the trailing callback rate (percent).
    pub fn callback_rate(mut self, r: Decimal) -> Self {
        self.req.callback_rate = Some(r);
        self
    }

    /// Sets the time in force.
    pub fn time_in_force(mut self, t: TimeInForce) -> Self {
        self.req.time_in_force = Some(t);
        self
    }

    /// Post-only (maker only).
    pub fn post_only(self) -> Self {
        self.time_in_force(TimeInForce::PostOnly)
    }

    /// Immediate-or-cancel.
    pub fn ioc(self) -> Self {
        self.time_in_force(TimeInForce::Ioc)
    }

    /// Fill-or-kill.
    pub fn fok(self) -> Self {
        self.time_in_force(TimeInForce::Fok)
    }

    /// Reduce-only.
    pub fn reduce_only(mut self, yes: bool) -> Self {
        self.req.reduce_only = yes;
        self
    }

    /// Position side (hedge mode).
    pub fn position_side(mut self, s: PositionSide) -> Self {
        self.req.position_side = Some(s);
        self
    }

    /// Client order id.
    pub fn client_order_id(mut self, id: impl Into<String>) -> Self {
        self.req.client_order_id = Some(id.into());
        self
    }

    /// Attached take-profit.
    pub fn take_profit(mut self, trigger_price: Decimal, price: Option<Decimal>) -> Self {
        self.req.take_profit = Some(Attached { trigger_price, price });
        self
    }

    /// Attached stop-loss.
    pub fn stop_loss(mut self, trigger_price: Decimal, price: Option<Decimal>) -> Self {
        self.req.stop_loss = Some(Attached { trigger_price, price });
        self
    }

    /// Checks the request ([`OrderRequest::check`]) and returns it.
    pub fn build(self) -> Result<OrderRequest> {
        self.req.check()?;
        Ok(self.req)
    }
}

/// A fresh client order id: `x` + 22 random alphanumerics (fits every venue's format).
pub fn new_client_order_id() -> String {
    use rand::distributions::{Alphanumeric, DistString};
    let mut s = String::with_capacity(23);
    s.push('x');
    Alphanumeric.append_string(&mut rand::thread_rng(), &mut s, 22);
    s
}

/// A query over order history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderQuery {
    /// The symbol (most venues require one).
    pub symbol: Option<Symbol>,
    /// From this time (inclusive).
    pub since: Option<TimestampMs>,
    /// Up to this time (inclusive).
    pub until: Option<TimestampMs>,
    /// At most this many orders.
    pub limit: Option<usize>,
}

impl OrderQuery {
    /// All recent orders of `symbol`.
    pub fn symbol(symbol: Symbol) -> Self {
        OrderQuery {
            symbol: Some(symbol),
            since: None,
            until: None,
            limit: None,
        }
    }
}

/// The placement protocol shared by every venue: send once; on an unknown outcome, look the
/// order up by its client order id instead of re-sending.
///
/// * `send` performs the single placement request.
/// * `lookup` queries the venue by client order id.
///
/// Returns the order when accepted; the typed rejection when rejected; an `UnknownOutcome`
/// error when the venue can tell neither (the caller must not re-send blindly).
pub async fn place_reconciled<S, L, LF>(client_order_id: &str, send: S, lookup: L) -> Result<Order>
where
    S: Future<Output = Result<Order>>,
    L: Fn() -> LF,
    LF: Future<Output = Result<Order>>,
{
    let err = match send.await {
        Ok(order) => return Ok(order),
        Err(e) if !e.is_outcome_unknown() => return Err(e),
        Err(e) => e,
    };
    tracing::warn!(client_order_id, error = %err, "placement outcome unknown; reconciling by client order id");
    let mut last = err;
    for _ in 0..3 {
        match lookup().await {
            Ok(order) => return Ok(order),
            Err(e) if e.kind() == ErrorKind::OrderNotFound => {
                // The venue says it never accepted the order: a rejection we can report.
                return Err(Error::new(
                    ErrorKind::OrderNotFound,
                    format!("order {client_order_id} was not accepted (looked up after: {last})"),
                )
                .with_endpoint(last.endpoint().unwrap_or_default().to_string()));
            }
            Err(e) if e.is_retryable() => last = e,
            Err(e) => {
                last = e;
                break;
            }
        }
    }
    Err(Error::new(
        ErrorKind::UnknownOutcome,
        format!("order {client_order_id} may or may not be live; query it before re-sending ({last})"),
    )
    .with_outcome_unknown(true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn sym() -> Symbol {
        "BTC/USDT:USDT".parse().unwrap()
    }

    fn order(cid: &str) -> Order {
        Order {
            symbol: sym(),
            id: "1".into(),
            client_order_id: Some(cid.into()),
            side: Side::Buy,
            order_type: OrderType::Limit,
            time_in_force: Some(TimeInForce::Gtc),
            price: Some(dec!(1)),
            trigger_price: None,
            qty: dec!(1),
            filled_qty: dec!(0),
            avg_price: None,
            status: OrderStatus::New,
            reduce_only: false,
            position_side: None,
            created_at: None,
            updated_at: None,
        }
    }

    #[test]
    fn builder_checks() {
        assert!(OrderRequest::limit(sym(), Side::Buy, dec!(1), dec!(100))
            .post_only()
            .build()
            .is_ok());
        assert_eq!(
            OrderRequest::builder(sym(), Side::Buy, OrderType::Limit, dec!(1))
                .build()
                .unwrap_err()
                .kind(),
            ErrorKind::BadRequest
        );
        assert!(OrderRequest::market(sym(), Side::Buy, dec!(0)).build().is_err());
        assert!(OrderRequest::market(sym(), Side::Buy, dec!(1))
            .price(dec!(3))
            .build()
            .is_err());
        assert!(OrderRequest::builder(sym(), Side::Sell, OrderType::StopMarket, dec!(1))
            .build()
            .is_err());
        assert!(OrderRequest::builder(sym(), Side::Sell, OrderType::StopMarket, dec!(1))
            .trigger_price(dec!(9))
            .reduce_only(true)
            .build()
            .is_ok());
        assert!(
            OrderRequest::builder(sym(), Side::Sell, OrderType::TrailingStop, dec!(1))
                .build()
                .is_err()
        );
        let spot: Symbol = "BTC/USDT".parse().unwrap();
        assert!(OrderRequest::market(spot.clone(), Side::Buy, dec!(1))
            .reduce_only(true)
            .build()
            .is_err());
        assert!(OrderRequest::market(spot, Side::Buy, dec!(1))
            .client_order_id("bad id!")
            .build()
            .is_err());
    }

    #[test]
    fn client_ids_are_unique_and_valid() {
        let a = new_client_order_id();
        let b = new_client_order_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 23);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
    }

    #[tokio::test]
    async fn accepted_is_returned_without_lookup() {
        let looked = AtomicUsize::new(0);
        let o = place_reconciled("c1", async { Ok(order("c1")) }, || {
            looked.fetch_add(1, Ordering::SeqCst);
            async { Ok(order("c1")) }
        })
        .await
        .unwrap();
        assert_eq!(o.client_order_id.as_deref(), Some("c1"));
        assert_eq!(looked.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn rejection_is_typed_and_not_looked_up() {
        let e = place_reconciled(
            "c1",
            async { Err(Error::new(ErrorKind::InsufficientFunds, "no")) },
            || async { Ok(order("c1")) },
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InsufficientFunds);
    }

    #[tokio::test]
    async fn unknown_outcome_reconciles_by_lookup() {
        let o = place_reconciled(
            "c1",
            async { Err(Error::new(ErrorKind::Timeout, "t").with_outcome_unknown(true)) },
            || async { Ok(order("c1")) },
        )
        .await
        .unwrap();
        assert_eq!(o.id, "1");
    }

    #[tokio::test]
    async fn unknown_outcome_not_found_is_reported_not_resent() {
        let e = place_reconciled(
            "c1",
            async { Err(Error::new(ErrorKind::Timeout, "t").with_outcome_unknown(true)) },
            || async { Err(Error::new(ErrorKind::OrderNotFound, "none")) },
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::OrderNotFound);
        let e = place_reconciled(
            "c1",
            async { Err(Error::new(ErrorKind::Unavailable, "5xx").with_outcome_unknown(true)) },
            || async { Err(Error::new(ErrorKind::Network, "down")) },
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnknownOutcome);
        assert!(e.is_outcome_unknown());
    }
}
