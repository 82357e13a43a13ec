//! The object-safe [`Exchange`] trait every venue client implements.

use async_trait::async_trait;
use rust_decimal::Decimal;

use crate::error::{Error, ErrorKind, Result};
use crate::model::{
    AccountKind, Balance, Candle, CandleQuery, Capabilities, Income, IncomeQuery, MarginMode, Market, OrderBook,
    Position, PositionMode, PositionSide, Ticker, TimestampMs, Trade,
};
use crate::order::{Order, OrderQuery, OrderRef, OrderRequest, OrderType};
use crate::symbol::{MarketKind, Symbol};
use crate::venue::Venue;

/// One venue's unified API. Object safe: the router holds `Arc<dyn Exchange>`.
///
/// Quantities are base units; a venue that trades contracts converts with its market data.
/// An operation the venue lacks returns [`ErrorKind::Unsupported`] and is `No` in
/// [`Exchange::capabilities`].
#[async_trait]
pub trait Exchange: Send + Sync + std::fmt::Debug {
    /// The venue.
    fn venue(&self) -> Venue;

    /// What this client supports.
    fn capabilities(&self) -> Capabilities;

    /// The venue's clock, in ms.
    async fn server_time(&self) -> Result<TimestampMs>;

    /// Every market of `kind` (cached by the client; see [`crate::cache::MarketCache`]).
    async fn markets(&self, kind: MarketKind) -> Result<Vec<Market>>;

    /// One market by symbol; `BadSymbol` when the venue does not list it.
    async fn market(&self, symbol: &Symbol) -> Result<Market> {
        self.markets(symbol.kind())
            .await?
            .into_iter()
            .find(|m| &m.symbol == symbol)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::BadSymbol,
                    format!("{symbol} is not listed on {}", self.venue()),
                )
                .with_venue(self.venue())
            })
    }

    /// 24 h ticker of one symbol.
    async fn ticker(&self, symbol: &Symbol) -> Result<Ticker>;

    /// 24 h tickers of every market of `kind`.
    async fn tickers(&self, kind: MarketKind) -> Result<Vec<Ticker>>;

    /// Order book snapshot; `depth` is rounded up to a depth the venue accepts.
    async fn order_book(&self, symbol: &Symbol, depth: Option<usize>) -> Result<OrderBook>;

    /// Recent public trades.
    async fn trades(&self, symbol: &Symbol, limit: Option<usize>) -> Result<Vec<Trade>>;

    /// Candles over a range, fetched in batches of the venue's maximum: ascending by open
    /// time, without duplicates.
    async fn candles(&self, query: &CandleQuery) -> Result<Vec<Candle>>;

    /// Places an order. A client order id is generated when the request has none. On an
    /// unknown outcome the client looks the order up by client id before reporting; it never
    /// re-sends ([`crate::order::place_reconciled`]).
    async fn place_order(&self, request: &OrderRequest) -> Result<Order>;

    /// Cancels one order and returns it as the venue reports it after cancelling.
    async fn cancel_order(&self, symbol: &Symbol, order: &OrderRef) -> Result<Order>;

    /// Cancels every open order of `symbol`, returning what was cancelled where the venue says.
    async fn cancel_all_orders(&self, symbol: &Symbol) -> Result<Vec<Order>>;

    /// One order by venue id or client id.
    async fn order(&self, symbol: &Symbol, order: &OrderRef) -> Result<Order>;

    /// Open orders, of one symbol or (where the venue allows) all symbols of `kind`.
    async fn open_orders(&self, symbol: Option<&Symbol>, kind: MarketKind) -> Result<Vec<Order>>;

    /// Closed and open orders over a time range.
    async fn order_history(&self, query: &OrderQuery) -> Result<Vec<Order>>;

    /// Non-zero balances of an account.
    async fn balances(&self, account: AccountKind) -> Result<Vec<Balance>>;

    /// Non-zero perpetual positions (both sides in hedge mode).
    async fn positions(&self, symbol: Option<&Symbol>) -> Result<Vec<Position>>;

    /// Sets the leverage of a perpetual.
    async fn set_leverage(&self, symbol: &Symbol, leverage: u32) -> Result<()>;

    /// Sets cross or isolated margin for a perpetual.
    async fn set_margin_mode(&self, symbol: &Symbol, mode: MarginMode) -> Result<()>;

    /// Sets one-way or hedge mode (account-wide on most venues).
    async fn set_position_mode(&self, mode: PositionMode) -> Result<()>;

    /// Funding, realized PnL and fee records.
    async fn income(&self, query: &IncomeQuery) -> Result<Vec<Income>>;

    /// Closes a position with a reduce-only market order for its current size. In hedge mode
    /// `side` picks the position; in one-way mode it may be `None`.
    async fn close_position(&self, symbol: &Symbol, side: Option<PositionSide>) -> Result<Order> {
        close_position_by_market(self, symbol, side).await
    }
}

/// The shared close-position logic: read the position, send a reduce-only market order for its
/// size on the closing side.
pub async fn close_position_by_market<E: Exchange + ?Sized>(
    ex: &E,
    symbol: &Symbol,
    side: Option<PositionSide>,
) -> Result<Order> {
    let positions = ex.positions(Some(symbol)).await?;
    let pos = positions
        .iter()
        .filter(|p| &p.symbol == symbol && p.size > Decimal::ZERO)
        .find(|p| side.is_none_or(|s| s == p.side))
        .ok_or_else(|| {
            Error::new(ErrorKind::BadRequest, format!("no open position on {symbol}")).with_venue(ex.venue())
        })?;
    let hedge = pos.position_mode == Some(PositionMode::Hedge);
    let mut b = OrderRequest::builder(symbol.clone(), pos.side.closing_side(), OrderType::Market, pos.size);
    if hedge {
        b = b.position_side(pos.side);
    } else {
        b = b.reduce_only(true);
    }
    ex.place_order(&b.build()?).await
}
