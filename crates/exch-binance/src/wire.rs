//! Binance's JSON types (binance.md §4), for spot and USDⓈ-M futures.
//!
//! Binance sends prices and quantities as strings and times and ids as numbers, but recorded
//! payloads (and some endpoints) mix both, so every number field accepts either form through
//! the [`de`] helpers. No type uses `deny_unknown_fields`: new venue fields are ignored.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Lenient deserializers: numbers given as JSON numbers or strings; empty strings and `null`
/// read as absent. The core decoders ([`exch_core::de`]) under the names the wire types use;
/// Binance's decimals are normalized (`"0.01000000"` reads as `0.01`). Every cell is read in
/// one pass from the borrowed payload text (no intermediate `serde_json::Value`, no copy).
pub mod de {
    use rust_decimal::Decimal;

    pub use exch_core::de::normalized::{decimal, levels, opt_decimal};
    pub use exch_core::de::{flag, id, int as ms, opt_id, opt_int as opt_ms, opt_uint as opt_u64};

    /// Parses a decimal from text, accepting exponent notation; normalized.
    pub fn parse_decimal(s: &str) -> Option<Decimal> {
        exch_core::de::parse_decimal_normalized(s)
    }
}

/// The error body `{"code": -1121, "msg": "Invalid symbol."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Binance's (negative) error code.
    pub code: i64,
    /// The message.
    #[serde(default)]
    pub msg: String,
}

/// `GET /api/v3/time`, `GET /fapi/v1/time`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerTime {
    /// Server time in ms.
    #[serde(deserialize_with = "de::ms")]
    pub server_time: i64,
}

/// `GET /api/v3/exchangeInfo`, `GET /fapi/v1/exchangeInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeInfo {
    /// The symbols.
    #[serde(default)]
    pub symbols: Vec<SymbolInfo>,
}

/// One symbol of `exchangeInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SymbolInfo {
    /// Venue symbol, e.g. `BTCUSDT`.
    pub symbol: String,
    /// `TRADING`, `BREAK`, `HALT`, `SETTLING`, ...
    #[serde(default)]
    pub status: Option<String>,
    /// Base asset.
    pub base_asset: String,
    /// Quote asset.
    pub quote_asset: String,
    /// Margin asset (futures).
    #[serde(default)]
    pub margin_asset: Option<String>,
    /// `PERPETUAL`, `CURRENT_QUARTER`, ... (futures).
    #[serde(default)]
    pub contract_type: Option<String>,
    /// Filters.
    #[serde(default)]
    pub filters: Vec<Filter>,
}

/// One symbol filter; only the fields we use are read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    /// `PRICE_FILTER`, `LOT_SIZE`, `NOTIONAL`, `MIN_NOTIONAL`, ...
    pub filter_type: String,
    /// Tick size (`PRICE_FILTER`).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub tick_size: Option<Decimal>,
    /// Step size (`LOT_SIZE`).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub step_size: Option<Decimal>,
    /// Minimum quantity (`LOT_SIZE`).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub min_qty: Option<Decimal>,
    /// Maximum quantity (`LOT_SIZE`).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub max_qty: Option<Decimal>,
    /// Minimum notional (spot `NOTIONAL` / `MIN_NOTIONAL`).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub min_notional: Option<Decimal>,
    /// Minimum notional (futures `MIN_NOTIONAL`).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub notional: Option<Decimal>,
}

/// `GET /api/v3/ticker/24hr`, `GET /fapi/v1/ticker/24hr` (one row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticker24h {
    /// Venue symbol.
    pub symbol: String,
    /// Last price.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub last_price: Option<Decimal>,
    /// Best bid (spot only).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub bid_price: Option<Decimal>,
    /// Best bid quantity (spot only).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub bid_qty: Option<Decimal>,
    /// Best ask (spot only).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub ask_price: Option<Decimal>,
    /// Best ask quantity (spot only).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub ask_qty: Option<Decimal>,
    /// 24 h open.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub open_price: Option<Decimal>,
    /// 24 h high.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub high_price: Option<Decimal>,
    /// 24 h low.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub low_price: Option<Decimal>,
    /// Base volume.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub volume: Option<Decimal>,
    /// Quote volume.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub quote_volume: Option<Decimal>,
    /// Change in percent.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub price_change_percent: Option<Decimal>,
    /// Close time of the window (ms).
    #[serde(default, deserialize_with = "de::opt_ms")]
    pub close_time: Option<i64>,
}

/// `GET /api/v3/depth`, `GET /fapi/v1/depth`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Depth {
    /// Update id of the snapshot.
    #[serde(rename = "lastUpdateId", default, deserialize_with = "de::opt_u64")]
    pub last_update_id: Option<u64>,
    /// Bids, best first.
    #[serde(deserialize_with = "de::levels")]
    pub bids: Vec<[Decimal; 2]>,
    /// Asks, best first.
    #[serde(deserialize_with = "de::levels")]
    pub asks: Vec<[Decimal; 2]>,
    /// Transaction time (futures).
    #[serde(rename = "T", default, deserialize_with = "de::opt_ms")]
    pub transaction_time: Option<i64>,
}

/// A public trade of `GET /api/v3/trades` / `GET /fapi/v1/trades`; the aggregate-trade field
/// names (`a`, `p`, `q`, `T`, `m`) are accepted too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicTrade {
    /// Trade id.
    #[serde(alias = "a", deserialize_with = "de::id")]
    pub id: String,
    /// Price.
    #[serde(alias = "p", deserialize_with = "de::decimal")]
    pub price: Decimal,
    /// Quantity.
    #[serde(alias = "q", deserialize_with = "de::decimal")]
    pub qty: Decimal,
    /// Trade time.
    #[serde(alias = "T", deserialize_with = "de::ms")]
    pub time: i64,
    /// The buyer was the maker (so the taker sold).
    #[serde(alias = "m", default, deserialize_with = "de::flag")]
    pub is_buyer_maker: bool,
}

/// A kline row: `[openTime, open, high, low, close, volume, closeTime, quoteVolume, ...]`.
pub type KlineRow = Vec<serde_json::Value>;

/// An order of `/api/v3/order` or `/fapi/v1/order` (placement, query, cancel, lists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderResp {
    /// Venue symbol.
    pub symbol: String,
    /// Order id.
    #[serde(deserialize_with = "de::id")]
    pub order_id: String,
    /// Client order id.
    #[serde(default)]
    pub client_order_id: Option<String>,
    /// Limit price (`0` for market orders).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub price: Option<Decimal>,
    /// Ordered quantity.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub orig_qty: Option<Decimal>,
    /// Filled quantity.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub executed_qty: Option<Decimal>,
    /// Filled value (spot spelling).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub cummulative_quote_qty: Option<Decimal>,
    /// Filled value (futures spelling).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub cum_quote: Option<Decimal>,
    /// Average fill price (futures).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub avg_price: Option<Decimal>,
    /// `NEW`, `PARTIALLY_FILLED`, `FILLED`, `CANCELED`, `REJECTED`, `EXPIRED`, ...
    pub status: String,
    /// `GTC`, `IOC`, `FOK`, `GTX`, `GTD`.
    #[serde(default)]
    pub time_in_force: Option<String>,
    /// `LIMIT`, `MARKET`, `LIMIT_MAKER`, `STOP_LOSS_LIMIT`, ...
    #[serde(rename = "type")]
    pub order_type: String,
    /// `BUY` / `SELL`.
    pub side: String,
    /// Trigger price.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub stop_price: Option<Decimal>,
    /// Reduce-only (futures).
    #[serde(default, deserialize_with = "de::flag")]
    pub reduce_only: bool,
    /// `BOTH`, `LONG`, `SHORT` (futures).
    #[serde(default)]
    pub position_side: Option<String>,
    /// Creation time (queries).
    #[serde(default, deserialize_with = "de::opt_ms")]
    pub time: Option<i64>,
    /// Last update.
    #[serde(default, deserialize_with = "de::opt_ms")]
    pub update_time: Option<i64>,
    /// Placement time (spot placement responses).
    #[serde(default, deserialize_with = "de::opt_ms")]
    pub transact_time: Option<i64>,
}

/// A conditional order of `/fapi/v1/algoOrder` (binance.md §4b, quirk 3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlgoOrderResp {
    /// Algo order id.
    #[serde(deserialize_with = "de::id")]
    pub algo_id: String,
    /// Client algo id.
    #[serde(default)]
    pub client_algo_id: Option<String>,
    /// `STOP`, `STOP_MARKET`, `TAKE_PROFIT`, `TAKE_PROFIT_MARKET`, `TRAILING_STOP_MARKET`.
    pub order_type: String,
    /// Venue symbol.
    pub symbol: String,
    /// `BUY` / `SELL`.
    pub side: String,
    /// `BOTH`, `LONG`, `SHORT`.
    #[serde(default)]
    pub position_side: Option<String>,
    /// Time in force.
    #[serde(default)]
    pub time_in_force: Option<String>,
    /// Quantity.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub quantity: Option<Decimal>,
    /// `NEW`, `TRIGGERING`, `TRIGGERED`, `FINISHED`, `CANCELED`, `REJECTED`, `EXPIRED`.
    pub algo_status: String,
    /// Trigger price.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub trigger_price: Option<Decimal>,
    /// Limit price.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub price: Option<Decimal>,
    /// Reduce-only.
    #[serde(default, deserialize_with = "de::flag")]
    pub reduce_only: bool,
    /// Trailing activation price.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub activate_price: Option<Decimal>,
    /// Filled quantity, once triggered.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub executed_qty: Option<Decimal>,
    /// Average fill price, once triggered.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub avg_price: Option<Decimal>,
    /// Creation time.
    #[serde(default, deserialize_with = "de::opt_ms")]
    pub create_time: Option<i64>,
    /// Last update.
    #[serde(default, deserialize_with = "de::opt_ms")]
    pub update_time: Option<i64>,
}

/// `GET /api/v3/account`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotAccount {
    /// Balances.
    #[serde(default)]
    pub balances: Vec<SpotBalance>,
}

/// One spot balance row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotBalance {
    /// Asset.
    pub asset: String,
    /// Free.
    #[serde(deserialize_with = "de::decimal")]
    pub free: Decimal,
    /// Locked.
    #[serde(deserialize_with = "de::decimal")]
    pub locked: Decimal,
}

/// One row of `GET /fapi/v3/balance`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FuturesBalance {
    /// Asset.
    pub asset: String,
    /// Wallet balance.
    #[serde(alias = "walletBalance", deserialize_with = "de::decimal")]
    pub balance: Decimal,
    /// Available for new positions.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub available_balance: Option<Decimal>,
}

/// `GET /fapi/v3/account` (only its per-asset rows are read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FuturesAccount {
    /// Per-asset rows.
    #[serde(default)]
    pub assets: Vec<FuturesBalance>,
}

/// One row of `GET /fapi/v3/positionRisk`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionRisk {
    /// Venue symbol.
    pub symbol: String,
    /// `BOTH` (one-way), `LONG` or `SHORT` (hedge).
    #[serde(default)]
    pub position_side: Option<String>,
    /// Size, signed in one-way mode.
    #[serde(deserialize_with = "de::decimal")]
    pub position_amt: Decimal,
    /// Entry price.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub entry_price: Option<Decimal>,
    /// Mark price.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub mark_price: Option<Decimal>,
    /// Unrealized PnL.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub un_realized_profit: Option<Decimal>,
    /// Liquidation price.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub liquidation_price: Option<Decimal>,
    /// Leverage (v2 only).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub leverage: Option<Decimal>,
    /// `cross` / `isolated` (v2 only).
    #[serde(default)]
    pub margin_type: Option<String>,
    /// Isolated wallet (non-zero for isolated positions).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub isolated_wallet: Option<Decimal>,
    /// Last update.
    #[serde(default, deserialize_with = "de::opt_ms")]
    pub update_time: Option<i64>,
}

/// One row of `GET /fapi/v1/income`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncomeRow {
    /// Venue symbol (empty for account-wide rows).
    #[serde(default)]
    pub symbol: Option<String>,
    /// `FUNDING_FEE`, `REALIZED_PNL`, `COMMISSION`, `TRANSFER`, ...
    pub income_type: String,
    /// Signed amount.
    #[serde(deserialize_with = "de::decimal")]
    pub income: Decimal,
    /// Asset.
    pub asset: String,
    /// Time.
    #[serde(deserialize_with = "de::ms")]
    pub time: i64,
    /// Transaction id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub tran_id: Option<String>,
}

/// `GET /fapi/v1/positionSide/dual`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DualSide {
    /// True in hedge mode.
    #[serde(deserialize_with = "de::flag")]
    pub dual_side_position: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_strings_or_numbers() {
        let a: ServerTime = serde_json::from_str(r#"{"serverTime": 1499827319559}"#).unwrap();
        let b: ServerTime = serde_json::from_str(r#"{"serverTime": "1499827319559"}"#).unwrap();
        assert_eq!(a, b);
        let f: Filter = serde_json::from_str(r#"{"filterType":"PRICE_FILTER","tickSize":"0.01000000"}"#).unwrap();
        assert_eq!(f.tick_size.unwrap().to_string(), "0.01");
        let f: Filter = serde_json::from_str(r#"{"filterType":"MIN_NOTIONAL","notional":5}"#).unwrap();
        assert_eq!(f.notional.unwrap(), Decimal::from(5));
        let e: ErrorBody = serde_json::from_str(r#"{"code":-1121,"msg":"Invalid symbol."}"#).unwrap();
        assert_eq!(e.code, -1121);
    }

    #[test]
    fn big_ids_keep_every_digit() {
        let t: PublicTrade =
            serde_json::from_str(r#"{"id": 28457123456789012345, "price": "1", "qty": "2", "time": 1}"#).unwrap();
        assert_eq!(t.id, "28457123456789012345");
    }
}
