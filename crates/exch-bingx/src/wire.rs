//! BingX JSON types (serde). No `deny_unknown_fields`; every field is optional because BingX
//! omits, empties (`""`) or re-types fields between spot, swap and API versions.
//!
//! Numbers go through [`serde_json::Value`] (the workspace enables `arbitrary_precision`), so
//! an order id such as `1736011869418901234` keeps its exact digits: ids become strings from the
//! JSON text, decimals become [`Decimal`] from the JSON text, never through `f64`.

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;

/// Field deserializers that accept BingX's string-or-number encodings: the core decoders
/// ([`exch_core::de`]) under the names the wire types use.
pub mod de {
    pub use exch_core::de::{
        decimal_from_text, opt_bool, opt_decimal as opt_dec, opt_id, opt_int as opt_i64, value_bool, value_decimal,
        value_id, value_int as value_i64,
    };
}

/// The response envelope `{"code":0,"msg":"","data":...}` (code is a number or a string).
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope {
    /// `0` (or `"0"`) on success.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub code: Option<i64>,
    /// Error message.
    #[serde(default)]
    pub msg: Option<String>,
    /// The payload.
    #[serde(default)]
    pub data: Value,
}

/// `data` of `GET /openApi/swap/v2/server/time`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerTime {
    /// Server time in ms.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub server_time: Option<i64>,
}

/// One perpetual contract of `GET /openApi/swap/v2/quote/contracts`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SwapContract {
    /// Native symbol, e.g. `BTC-USDT`.
    pub symbol: String,
    /// Contract id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub contract_id: Option<String>,
    /// Base asset (traded coin).
    #[serde(default)]
    pub asset: Option<String>,
    /// Settlement and margin asset.
    #[serde(default)]
    pub currency: Option<String>,
    /// Price decimals.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub price_precision: Option<i64>,
    /// Quantity decimals.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub quantity_precision: Option<i64>,
    /// Minimum quantity in coins.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub trade_min_quantity: Option<Decimal>,
    /// Minimum notional in USDT.
    #[serde(default, deserialize_with = "de::opt_dec", rename = "tradeMinUSDT")]
    pub trade_min_usdt: Option<Decimal>,
    /// 1 online, 25 open disabled, 5 pre-online, 0 offline.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub status: Option<i64>,
    /// Whether opening positions through the API is enabled.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub api_state_open: Option<bool>,
    /// Whether closing positions through the API is enabled.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub api_state_close: Option<bool>,
}

/// `data` of `GET /openApi/spot/v1/common/symbols`.
#[derive(Debug, Clone, Deserialize)]
pub struct SpotSymbols {
    /// The symbols.
    #[serde(default)]
    pub symbols: Vec<SpotSymbol>,
}

/// One spot symbol.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpotSymbol {
    /// Native symbol, e.g. `BTC-USDT`.
    pub symbol: String,
    /// Price step.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub tick_size: Option<Decimal>,
    /// Quantity step.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub step_size: Option<Decimal>,
    /// Minimum quantity.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub min_qty: Option<Decimal>,
    /// Maximum quantity.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub max_qty: Option<Decimal>,
    /// Minimum notional.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub min_notional: Option<Decimal>,
    /// 1 online, 0 offline.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub status: Option<i64>,
    /// Buying through the API enabled.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub api_state_buy: Option<bool>,
    /// Selling through the API enabled.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub api_state_sell: Option<bool>,
}

/// A 24 h ticker (swap `quote/ticker`, spot `ticker/24hr`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireTicker {
    /// Native symbol.
    pub symbol: String,
    /// Last price.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub last_price: Option<Decimal>,
    /// Best bid.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub bid_price: Option<Decimal>,
    /// Best bid quantity.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub bid_qty: Option<Decimal>,
    /// Best ask.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub ask_price: Option<Decimal>,
    /// Best ask quantity.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub ask_qty: Option<Decimal>,
    /// 24 h open.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub open_price: Option<Decimal>,
    /// 24 h high.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub high_price: Option<Decimal>,
    /// 24 h low.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub low_price: Option<Decimal>,
    /// 24 h base volume.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub volume: Option<Decimal>,
    /// 24 h quote volume.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub quote_volume: Option<Decimal>,
    /// Change in percent (spot writes `"1.70%"`).
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub price_change_percent: Option<Decimal>,
    /// Window end.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub close_time: Option<i64>,
}

/// An order book (swap `quote/depth`, spot `market/depth`).
#[derive(Debug, Clone, Deserialize)]
pub struct WireDepth {
    /// `[price, qty]` bids.
    #[serde(default)]
    pub bids: Vec<Vec<Value>>,
    /// `[price, qty]` asks.
    #[serde(default)]
    pub asks: Vec<Vec<Value>>,
    /// Swap time.
    #[serde(default, rename = "T", deserialize_with = "de::opt_i64")]
    pub t: Option<i64>,
    /// Spot time.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub ts: Option<i64>,
}

/// A public trade (swap `quote/trades` has no id; spot `market/trades` has one).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireTrade {
    /// Trade id (spot).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    /// Price.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub price: Option<Decimal>,
    /// Quantity.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub qty: Option<Decimal>,
    /// Time.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub time: Option<i64>,
    /// Whether the buyer was the maker (swap `isBuyerMaker`, spot `buyerMaker`).
    #[serde(default, alias = "buyerMaker", deserialize_with = "de::opt_bool")]
    pub is_buyer_maker: Option<bool>,
}

/// An order: swap `data.order`/`data.orders[]` and spot `data`/`data.orders[]` share it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireOrder {
    /// Native symbol.
    #[serde(default)]
    pub symbol: Option<String>,
    /// Order id, exact.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub order_id: Option<String>,
    /// `BUY`/`SELL`.
    #[serde(default)]
    pub side: Option<String>,
    /// `LONG`/`SHORT`/`BOTH` (swap).
    #[serde(default)]
    pub position_side: Option<String>,
    /// Order type.
    #[serde(default, rename = "type")]
    pub order_type: Option<String>,
    /// Ordered quantity.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub orig_qty: Option<Decimal>,
    /// Ordered quantity (swap placement echo).
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub quantity: Option<Decimal>,
    /// Limit price.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub price: Option<Decimal>,
    /// Filled quantity.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub executed_qty: Option<Decimal>,
    /// Average fill price (swap).
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub avg_price: Option<Decimal>,
    /// Filled quote amount (spot).
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub cummulative_quote_qty: Option<Decimal>,
    /// Trigger price (spot writes `StopPrice`).
    #[serde(default, alias = "StopPrice", deserialize_with = "de::opt_dec")]
    pub stop_price: Option<Decimal>,
    /// Status string.
    #[serde(default)]
    pub status: Option<String>,
    /// Creation time.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub time: Option<i64>,
    /// Creation time of a spot placement.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub transact_time: Option<i64>,
    /// Update time.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub update_time: Option<i64>,
    /// Client order id (swap `clientOrderId`, both markets also `clientOrderID`).
    #[serde(default, alias = "clientOrderID", alias = "newClientOrderId")]
    pub client_order_id: Option<String>,
    /// Reduce-only flag.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub reduce_only: Option<bool>,
    /// Time in force.
    #[serde(default)]
    pub time_in_force: Option<String>,
    /// Trailing callback rate (ratio).
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub price_rate: Option<Decimal>,
    /// Attached take-profit (object, JSON string, or `""`).
    #[serde(default)]
    pub take_profit: Value,
    /// Attached stop-loss (object, JSON string, or `""`).
    #[serde(default)]
    pub stop_loss: Value,
}

/// `data` holding `orders` (open orders, history).
#[derive(Debug, Clone, Deserialize)]
pub struct WireOrders {
    /// The orders.
    #[serde(default)]
    pub orders: Option<Vec<WireOrder>>,
}

/// `data` of swap cancel-all: `success` orders and `failed` entries.
#[derive(Debug, Clone, Deserialize)]
pub struct WireCancelAll {
    /// Cancelled orders.
    #[serde(default)]
    pub success: Option<Vec<WireOrder>>,
    /// Failures (shape varies).
    #[serde(default)]
    pub failed: Value,
}

/// A swap balance row (`/openApi/swap/v3/user/balance`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SwapBalance {
    /// Asset.
    pub asset: String,
    /// Wallet balance.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub balance: Option<Decimal>,
    /// Equity.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub equity: Option<Decimal>,
    /// Available margin.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub available_margin: Option<Decimal>,
    /// Used margin.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub used_margin: Option<Decimal>,
    /// Frozen margin.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub freezed_margin: Option<Decimal>,
}

/// A spot balance row.
#[derive(Debug, Clone, Deserialize)]
pub struct SpotBalance {
    /// Asset.
    pub asset: String,
    /// Available.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub free: Option<Decimal>,
    /// Locked.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub locked: Option<Decimal>,
}

/// `data` of the spot balance endpoint.
#[derive(Debug, Clone, Deserialize)]
pub struct SpotBalances {
    /// Rows.
    #[serde(default)]
    pub balances: Vec<SpotBalance>,
}

/// A swap position (`/openApi/swap/v2/user/positions`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WirePosition {
    /// Native symbol.
    pub symbol: String,
    /// Position id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub position_id: Option<String>,
    /// `LONG`/`SHORT`/`BOTH`.
    #[serde(default)]
    pub position_side: Option<String>,
    /// Isolated margin.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub isolated: Option<bool>,
    /// Size in coins (signed in one-way mode).
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub position_amt: Option<Decimal>,
    /// Average entry price.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub avg_price: Option<Decimal>,
    /// Mark price.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub mark_price: Option<Decimal>,
    /// Liquidation price (`0` when none).
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub liquidation_price: Option<Decimal>,
    /// Unrealized PnL.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub unrealized_profit: Option<Decimal>,
    /// Leverage.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub leverage: Option<Decimal>,
    /// True in one-way mode.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub only_one_position: Option<bool>,
    /// Update time.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub update_time: Option<i64>,
}

/// An income record (`/openApi/swap/v2/user/income`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireIncome {
    /// Native symbol (may be empty for transfers).
    #[serde(default)]
    pub symbol: Option<String>,
    /// Type.
    #[serde(default)]
    pub income_type: Option<String>,
    /// Signed amount.
    #[serde(default, deserialize_with = "de::opt_dec")]
    pub income: Option<Decimal>,
    /// Asset.
    #[serde(default)]
    pub asset: Option<String>,
    /// Time.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub time: Option<i64>,
    /// Record id.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub tran_id: Option<String>,
}

/// `data` of close-all-positions: ids of the closing orders.
#[derive(Debug, Clone, Deserialize)]
pub struct WireCloseAll {
    /// Closing order ids.
    #[serde(default)]
    pub success: Option<Vec<Value>>,
    /// Failures.
    #[serde(default)]
    pub failed: Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_above_2_pow_53_stay_exact() {
        let body = r#"{"orderId":1736011869418901234,"symbol":"BTC-USDT"}"#;
        let o: WireOrder = serde_json::from_str(body).unwrap();
        assert_eq!(o.order_id.as_deref(), Some("1736011869418901234"));
        // Through an intermediate Value, too.
        let v: Value = serde_json::from_str(body).unwrap();
        let o: WireOrder = serde_json::from_value(v).unwrap();
        assert_eq!(o.order_id.as_deref(), Some("1736011869418901234"));
        assert_eq!(1u64 << 53, 9_007_199_254_740_992, "the id above is larger than 2^53");
    }

    #[test]
    fn decimals_from_strings_numbers_and_percent() {
        let t: WireTicker = serde_json::from_str(
            r#"{"symbol":"BTC-USDT","lastPrice":73372.83,"priceChangePercent":"1.70%","volume":"","closeTime":"1710328247428"}"#,
        )
        .unwrap();
        assert_eq!(t.last_price, Some(Decimal::new(7337283, 2)));
        assert_eq!(t.price_change_percent, Some(Decimal::new(170, 2)));
        assert_eq!(t.volume, None);
        assert_eq!(t.close_time, Some(1710328247428));
    }
}
