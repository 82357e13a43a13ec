//! Unified models for markets, market data and accounts.
//!
//! Numbers are [`Decimal`] parsed from the venue's strings; ids are strings; times are
//! milliseconds since the Unix epoch (UTC). Orders live in [`crate::order`].

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};
use crate::symbol::{MarketKind, Symbol};
use crate::venue::Venue;

/// Milliseconds since the Unix epoch, UTC.
pub type TimestampMs = i64;

/// Whether a market can be traded now.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarketStatus {
    /// Open for trading.
    Trading,
    /// Temporarily halted (break, auction, maintenance).
    Halted,
    /// Delisted or settled.
    Closed,
    /// A venue status we do not model; kept verbatim.
    Unknown(String),
}

/// A tradable market with its precision and limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Market {
    /// The unified symbol.
    pub symbol: Symbol,
    /// The venue's own id for it, e.g. `BTCUSDT` or `BTC-USDT-SWAP`.
    pub venue_symbol: String,
    /// Spot or perpetual.
    pub kind: MarketKind,
    /// Trading status.
    pub status: MarketStatus,
    /// Smallest price increment.
    pub tick_size: Decimal,
    /// Smallest quantity increment, in base units.
    pub step_size: Decimal,
    /// Minimum order quantity in base units, if any.
    pub min_qty: Option<Decimal>,
    /// Maximum order quantity in base units, if any.
    pub max_qty: Option<Decimal>,
    /// Minimum order value in quote units, if any.
    pub min_notional: Option<Decimal>,
    /// Base units per contract (1 where the venue trades in base units).
    pub contract_size: Decimal,
}

impl Market {
    /// Converts a quantity in base units to contracts.
    pub fn base_to_contracts(&self, base_qty: Decimal) -> Decimal {
        if self.contract_size.is_zero() {
            base_qty
        } else {
            base_qty / self.contract_size
        }
    }

    /// Converts a number of contracts to base units.
    pub fn contracts_to_base(&self, contracts: Decimal) -> Decimal {
        contracts * self.contract_size
    }
}

/// 24-hour ticker with the best bid and ask where the venue reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticker {
    /// The unified symbol.
    pub symbol: Symbol,
    /// Last traded price.
    pub last: Option<Decimal>,
    /// Best bid price.
    pub bid: Option<Decimal>,
    /// Quantity at the best bid.
    pub bid_qty: Option<Decimal>,
    /// Best ask price.
    pub ask: Option<Decimal>,
    /// Quantity at the best ask.
    pub ask_qty: Option<Decimal>,
    /// 24 h open.
    pub open: Option<Decimal>,
    /// 24 h high.
    pub high: Option<Decimal>,
    /// 24 h low.
    pub low: Option<Decimal>,
    /// 24 h volume in base units.
    pub base_volume: Option<Decimal>,
    /// 24 h volume in quote units.
    pub quote_volume: Option<Decimal>,
    /// 24 h change in percent.
    pub change_percent: Option<Decimal>,
    /// Time of the ticker.
    pub timestamp: Option<TimestampMs>,
}

/// One price level of an order book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// Price.
    pub price: Decimal,
    /// Quantity in base units (contracts converted).
    pub qty: Decimal,
}

/// An order book snapshot: bids descending, asks ascending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderBook {
    /// The unified symbol.
    pub symbol: Symbol,
    /// Bids, best (highest) first.
    pub bids: Vec<Level>,
    /// Asks, best (lowest) first.
    pub asks: Vec<Level>,
    /// The venue's sequence / update id, if it has one.
    pub sequence: Option<u64>,
    /// Time of the snapshot.
    pub timestamp: Option<TimestampMs>,
}

impl OrderBook {
    /// The best bid level.
    pub fn best_bid(&self) -> Option<Level> {
        self.bids.first().copied()
    }

    /// The best ask level.
    pub fn best_ask(&self) -> Option<Level> {
        self.asks.first().copied()
    }

    /// Puts the sides in book order: bids by price descending, asks ascending (stable, so equal
    /// prices keep their order). A side already in order, as venues send it, costs one pass.
    pub fn sort_sides(&mut self) {
        sort_levels(&mut self.bids, &mut self.asks);
    }
}

/// Sorts `bids` by price descending and `asks` ascending, as [`OrderBook::sort_sides`] does.
pub fn sort_levels(bids: &mut [Level], asks: &mut [Level]) {
    let desc = |a: &Level, b: &Level| price_order(&b.price, &a.price);
    let asc = |a: &Level, b: &Level| price_order(&a.price, &b.price);
    if !bids.is_sorted_by(|a, b| desc(a, b).is_le()) {
        bids.sort_by(desc);
    }
    if !asks.is_sorted_by(|a, b| asc(a, b).is_le()) {
        asks.sort_by(asc);
    }
}

/// `a.cmp(b)`, with a shortcut for the common case of equal scales (a venue's prices share one
/// tick): the mantissas then order the values.
#[inline]
fn price_order(a: &Decimal, b: &Decimal) -> std::cmp::Ordering {
    if a.scale() == b.scale() {
        a.mantissa().cmp(&b.mantissa())
    } else {
        a.cmp(b)
    }
}

/// Buy or sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Buy.
    Buy,
    /// Sell.
    Sell,
}

impl Side {
    /// The other side.
    pub const fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }

    /// The taker's side of a trade from the venue's "buyer is maker" flag: when the buyer made
    /// the market, the taker sold.
    pub const fn taker(buyer_is_maker: bool) -> Side {
        if buyer_is_maker {
            Side::Sell
        } else {
            Side::Buy
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        })
    }
}

impl FromStr for Side {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "buy" => Ok(Side::Buy),
            "sell" => Ok(Side::Sell),
            _ => Err(Error::new(ErrorKind::BadRequest, format!("unknown side `{s}`"))),
        }
    }
}

/// A public trade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    /// The unified symbol.
    pub symbol: Symbol,
    /// The venue's trade id.
    pub id: String,
    /// Price.
    pub price: Decimal,
    /// Quantity in base units.
    pub qty: Decimal,
    /// The taker's side, when known.
    pub side: Option<Side>,
    /// Trade time.
    pub timestamp: TimestampMs,
}

/// A candle (kline) interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Interval {
    /// 1 second.
    #[serde(rename = "1s")]
    S1,
    /// 1 minute.
    #[serde(rename = "1m")]
    M1,
    /// 3 minutes.
    #[serde(rename = "3m")]
    M3,
    /// 5 minutes.
    #[serde(rename = "5m")]
    M5,
    /// 15 minutes.
    #[serde(rename = "15m")]
    M15,
    /// 30 minutes.
    #[serde(rename = "30m")]
    M30,
    /// 1 hour.
    #[serde(rename = "1h")]
    H1,
    /// 2 hours.
    #[serde(rename = "2h")]
    H2,
    /// 4 hours.
    #[serde(rename = "4h")]
    H4,
    /// 6 hours.
    #[serde(rename = "6h")]
    H6,
    /// 8 hours.
    #[serde(rename = "8h")]
    H8,
    /// 12 hours.
    #[serde(rename = "12h")]
    H12,
    /// 1 day.
    #[serde(rename = "1d")]
    D1,
    /// 3 days.
    #[serde(rename = "3d")]
    D3,
    /// 1 week.
    #[serde(rename = "1w")]
    W1,
    /// 1 calendar month (its length in ms is nominal: 30 days).
    #[serde(rename = "1M")]
    Mo1,
}

impl Interval {
    /// Every interval, shortest first.
    pub const ALL: [Interval; 16] = [
        Interval::S1,
        Interval::M1,
        Interval::M3,
        Interval::M5,
        Interval::M15,
        Interval::M30,
        Interval::H1,
        Interval::H2,
        Interval::H4,
        Interval::H6,
        Interval::H8,
        Interval::H12,
        Interval::D1,
        Interval::D3,
        Interval::W1,
        Interval::Mo1,
    ];

    /// The CCXT-style code: `1m`, `1h`, `1d`, `1M`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            Interval::S1 => "1s",
            Interval::M1 => "1m",
            Interval::M3 => "3m",
            Interval::M5 => "5m",
            Interval::M15 => "15m",
            Interval::M30 => "30m",
            Interval::H1 => "1h",
            Interval::H2 => "2h",
            Interval::H4 => "4h",
            Interval::H6 => "6h",
            Interval::H8 => "8h",
            Interval::H12 => "12h",
            Interval::D1 => "1d",
            Interval::D3 => "3d",
            Interval::W1 => "1w",
            Interval::Mo1 => "1M",
        }
    }

    /// The interval's length in milliseconds (a month counts 30 days).
    pub const fn millis(self) -> i64 {
        const S: i64 = 1000;
        const M: i64 = 60 * S;
        const H: i64 = 60 * M;
        const D: i64 = 24 * H;
        match self {
            Interval::S1 => S,
            Interval::M1 => M,
            Interval::M3 => 3 * M,
            Interval::M5 => 5 * M,
            Interval::M15 => 15 * M,
            Interval::M30 => 30 * M,
            Interval::H1 => H,
            Interval::H2 => 2 * H,
            Interval::H4 => 4 * H,
            Interval::H6 => 6 * H,
            Interval::H8 => 8 * H,
            Interval::H12 => 12 * H,
            Interval::D1 => D,
            Interval::D3 => 3 * D,
            Interval::W1 => 7 * D,
            Interval::Mo1 => 30 * D,
        }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Interval {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Interval::ALL.into_iter().find(|i| i.as_str() == s).ok_or_else(|| {
            Error::new(
                ErrorKind::BadRequest,
                format!("unknown interval `{s}` (use 1m, 5m, 1h, 1d, 1w, 1M, ...)"),
            )
        })
    }
}

/// One candle (OHLCV bar).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candle {
    /// Open time.
    pub open_time: TimestampMs,
    /// Open price.
    pub open: Decimal,
    /// High price.
    pub high: Decimal,
    /// Low price.
    pub low: Decimal,
    /// Close price.
    pub close: Decimal,
    /// Volume in base units.
    pub volume: Decimal,
    /// Volume in quote units, where reported.
    pub quote_volume: Option<Decimal>,
    /// False while the bar is still forming, where the venue says.
    pub closed: Option<bool>,
}

/// A request for candles over a time range; the client paginates as the venue requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandleQuery {
    /// The symbol.
    pub symbol: Symbol,
    /// The bar interval.
    pub interval: Interval,
    /// First open time wanted (inclusive).
    pub since: Option<TimestampMs>,
    /// Last open time wanted (inclusive).
    pub until: Option<TimestampMs>,
    /// Maximum number of candles in total (the most recent ones when `since` is unset).
    pub limit: Option<usize>,
}

impl CandleQuery {
    /// A query for `symbol` at `interval` with no range (the venue's latest bars).
    pub fn new(symbol: Symbol, interval: Interval) -> Self {
        CandleQuery {
            symbol,
            interval,
            since: None,
            until: None,
            limit: None,
        }
    }

    /// Sets the first open time.
    pub fn since(mut self, ms: TimestampMs) -> Self {
        self.since = Some(ms);
        self
    }

    /// Sets the last open time.
    pub fn until(mut self, ms: TimestampMs) -> Self {
        self.until = Some(ms);
        self
    }

    /// Sets the total number of candles.
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = Some(n);
        self
    }
}

/// Which account (wallet) a balance query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// The spot wallet.
    Spot,
    /// The USDT-margined derivatives wallet.
    Perpetual,
}

/// An asset balance. Rows with a zero total are not returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    /// Asset code, e.g. `USDT`.
    pub asset: String,
    /// Available for new orders or withdrawal.
    pub free: Decimal,
    /// Locked in orders or margin.
    pub locked: Decimal,
    /// `free + locked` (for derivatives: wallet balance).
    pub total: Decimal,
}

/// The side of a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PositionSide {
    /// Long (profits when the price rises).
    Long,
    /// Short (profits when the price falls).
    Short,
}

impl PositionSide {
    /// The order side that opens or increases this position.
    pub const fn opening_side(self) -> Side {
        match self {
            PositionSide::Long => Side::Buy,
            PositionSide::Short => Side::Sell,
        }
    }

    /// The order side that reduces or closes this position.
    pub const fn closing_side(self) -> Side {
        self.opening_side().opposite()
    }
}

/// Cross or isolated margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarginMode {
    /// All positions share the account margin.
    Cross,
    /// Each position has its own margin.
    Isolated,
}

/// One-way (net) or hedge (long and short side by side) positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PositionMode {
    /// One net position per symbol.
    OneWay,
    /// A long and a short position per symbol.
    Hedge,
}

/// An open perpetual position. Zero-size positions are not returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// The unified symbol.
    pub symbol: Symbol,
    /// Long or short.
    pub side: PositionSide,
    /// Size in base units, always positive.
    pub size: Decimal,
    /// Size in contracts, always positive (equal to `size` where a contract is one base unit).
    pub contracts: Decimal,
    /// Base units per contract.
    pub contract_size: Decimal,
    /// Average entry price.
    pub entry_price: Option<Decimal>,
    /// Mark price.
    pub mark_price: Option<Decimal>,
    /// Liquidation price.
    pub liquidation_price: Option<Decimal>,
    /// Unrealized profit and loss in the settlement asset.
    pub unrealized_pnl: Option<Decimal>,
    /// Leverage.
    pub leverage: Option<Decimal>,
    /// Cross or isolated.
    pub margin_mode: Option<MarginMode>,
    /// The position mode the position was reported under (hedge positions carry a side).
    pub position_mode: Option<PositionMode>,
    /// Last update time.
    pub timestamp: Option<TimestampMs>,
}

impl Position {
    /// Size signed by side: positive long, negative short.
    pub fn signed_size(&self) -> Decimal {
        match self.side {
            PositionSide::Long => self.size,
            PositionSide::Short => -self.size,
        }
    }
}

/// What an income record is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncomeKind {
    /// Funding payment (positive received, negative paid).
    Funding,
    /// Realized profit and loss.
    RealizedPnl,
    /// Trading fee (negative when paid).
    Fee,
    /// Transfer in or out.
    Transfer,
    /// Another kind the venue reports; kept verbatim.
    Other(String),
}

/// An income record: funding, realized PnL, fees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Income {
    /// The symbol, where the record belongs to one.
    pub symbol: Option<Symbol>,
    /// The kind of record.
    pub kind: IncomeKind,
    /// Signed amount.
    pub amount: Decimal,
    /// Asset of the amount.
    pub asset: String,
    /// The venue's record id, where it has one.
    pub id: Option<String>,
    /// Time of the record.
    pub timestamp: TimestampMs,
}

/// A query over income history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomeQuery {
    /// Only this symbol.
    pub symbol: Option<Symbol>,
    /// Only this kind.
    pub kind: Option<IncomeKind>,
    /// From this time (inclusive).
    pub since: Option<TimestampMs>,
    /// Up to this time (inclusive).
    pub until: Option<TimestampMs>,
    /// At most this many records.
    pub limit: Option<usize>,
}

/// How well a venue supports an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    /// The venue has an endpoint for it.
    Native,
    /// The client builds it from other calls (e.g. cancel-all through open orders).
    Emulated,
    /// Not available: the call returns `ErrorKind::Unsupported`.
    No,
}

impl Support {
    /// True unless `No`.
    pub const fn is_supported(self) -> bool {
        !matches!(self, Support::No)
    }
}

/// What a venue client supports, per operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// The venue.
    pub venue: Venue,
    /// Market kinds the client trades.
    pub market_kinds: Vec<MarketKind>,
    /// `server_time`.
    pub server_time: Support,
    /// `markets`.
    pub markets: Support,
    /// `ticker`.
    pub ticker: Support,
    /// `tickers`.
    pub tickers: Support,
    /// `order_book`.
    pub order_book: Support,
    /// `trades`.
    pub trades: Support,
    /// `candles`.
    pub candles: Support,
    /// `place_order`.
    pub place_order: Support,
    /// `cancel_order`.
    pub cancel_order: Support,
    /// `cancel_all_orders`.
    pub cancel_all_orders: Support,
    /// `order`.
    pub get_order: Support,
    /// `open_orders`.
    pub open_orders: Support,
    /// `order_history`.
    pub order_history: Support,
    /// `balances`.
    pub balances: Support,
    /// `positions`.
    pub positions: Support,
    /// `set_leverage`.
    pub set_leverage: Support,
    /// `set_margin_mode`.
    pub set_margin_mode: Support,
    /// `set_position_mode`.
    pub set_position_mode: Support,
    /// `income`.
    pub income: Support,
    /// `close_position`.
    pub close_position: Support,
}

impl Capabilities {
    /// Capabilities with nothing supported, for a venue to fill in.
    pub fn none(venue: Venue) -> Self {
        Capabilities {
            venue,
            market_kinds: Vec::new(),
            server_time: Support::No,
            markets: Support::No,
            ticker: Support::No,
            tickers: Support::No,
            order_book: Support::No,
            trades: Support::No,
            candles: Support::No,
            place_order: Support::No,
            cancel_order: Support::No,
            cancel_all_orders: Support::No,
            get_order: Support::No,
            open_orders: Support::No,
            order_history: Support::No,
            balances: Support::No,
            positions: Support::No,
            set_leverage: Support::No,
            set_margin_mode: Support::No,
            set_position_mode: Support::No,
            income: Support::No,
            close_position: Support::No,
        }
    }

    /// Capabilities with every operation natively supported for the given kinds.
    pub fn all_native(venue: Venue, market_kinds: Vec<MarketKind>) -> Self {
        let n = Support::Native;
        Capabilities {
            venue,
            market_kinds,
            server_time: n,
            markets: n,
            ticker: n,
            tickers: n,
            order_book: n,
            trades: n,
            candles: n,
            place_order: n,
            cancel_order: n,
            cancel_all_orders: n,
            get_order: n,
            open_orders: n,
            order_history: n,
            balances: n,
            positions: n,
            set_leverage: n,
            set_margin_mode: n,
            set_position_mode: n,
            income: n,
            close_position: n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The shortcut order is `Decimal`'s order, and the sorted sides are those of a plain
        /// stable sort by price (equal prices keep their order).
        #[test]
        fn sort_levels_is_a_stable_price_sort(rows in proptest::collection::vec((-300i64..300, 0u32..4, 0i64..5), 0..40)) {
            let levels: Vec<Level> = rows
                .iter()
                .map(|&(m, scale, q)| Level { price: Decimal::new(m, scale), qty: Decimal::from(q) })
                .collect();
            for a in &levels {
                for b in &levels {
                    prop_assert_eq!(price_order(&a.price, &b.price), a.price.cmp(&b.price));
                }
            }
            let (mut bids, mut asks) = (levels.clone(), levels.clone());
            sort_levels(&mut bids, &mut asks);
            let mut want_bids = levels.clone();
            want_bids.sort_by_key(|l| std::cmp::Reverse(l.price));
            let mut want_asks = levels;
            want_asks.sort_by_key(|l| l.price);
            // Compared with scales: equal prices of different scales must keep their order.
            prop_assert_eq!(format!("{bids:?}"), format!("{want_bids:?}"));
            prop_assert_eq!(format!("{asks:?}"), format!("{want_asks:?}"));
        }
    }

    #[test]
    fn intervals_round_trip() {
        for i in Interval::ALL {
            assert_eq!(i.as_str().parse::<Interval>().unwrap(), i);
            assert_eq!(serde_json::to_string(&i).unwrap(), format!("\"{i}\""));
        }
        assert_ne!("1m".parse::<Interval>().unwrap(), "1M".parse::<Interval>().unwrap());
        assert!("7m".parse::<Interval>().is_err());
        assert_eq!(Interval::H4.millis(), 4 * 3_600_000);
    }

    #[test]
    fn contract_conversion() {
        let m = Market {
            symbol: "BTC/USDT:USDT".parse().unwrap(),
            venue_symbol: "BTC-USDT-SWAP".into(),
            kind: MarketKind::LinearPerpetual,
            status: MarketStatus::Trading,
            tick_size: Decimal::new(1, 1),
            step_size: Decimal::ONE,
            min_qty: None,
            max_qty: None,
            min_notional: None,
            contract_size: Decimal::new(1, 2),
        };
        assert_eq!(m.base_to_contracts(Decimal::new(5, 1)), Decimal::from(50));
        assert_eq!(m.contracts_to_base(Decimal::from(50)), Decimal::new(5, 1));
    }

    #[test]
    fn sides() {
        assert_eq!(PositionSide::Long.closing_side(), Side::Sell);
        assert_eq!(PositionSide::Short.opening_side(), Side::Sell);
        assert_eq!("BUY".parse::<Side>().unwrap(), Side::Buy);
    }
}
