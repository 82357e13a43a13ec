//! OKX V5 JSON types, as the venue sends them.
//!
//! Every number is a string on the wire and empty strings stand for "none", so the wire types
//! keep strings and [`crate::parse`] turns them into decimals; book levels, the one bulky
//! list, are read as [`DecimalText`] pairs while decoding instead (no string per cell; text
//! that is not a decimal is kept for the parse's error). Unknown fields are ignored (no
//! `deny_unknown_fields`); absent fields default to empty.

use std::fmt;

use exch_core::Decimal;
use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The response envelope `{"code":"0","msg":"","data":[…]}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope<T> {
    /// `"0"` on success; a string (some error replies send a number, accepted too).
    #[serde(deserialize_with = "string_or_number")]
    pub code: String,
    /// Error message, empty on success.
    #[serde(default)]
    pub msg: String,
    /// The payload rows; always an array (absent on some error replies).
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
}

/// Accepts `"50011"` or `50011`.
pub fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    match v {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        serde_json::Value::Null => Ok(String::new()),
        other => Err(serde::de::Error::custom(format!("expected a code, got {other}"))),
    }
}

/// `GET /api/v5/public/time` row.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ServerTime {
    /// Server time, ms.
    pub ts: String,
}

/// `GET /api/v5/public/instruments` row.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Instrument {
    /// `SPOT`, `SWAP`, ...
    pub inst_type: String,
    /// e.g. `BTC-USDT`, `BTC-USDT-SWAP`.
    pub inst_id: String,
    /// Spot base currency (empty for swaps).
    pub base_ccy: String,
    /// Spot quote currency (empty for swaps).
    pub quote_ccy: String,
    /// Settlement currency of a swap.
    pub settle_ccy: String,
    /// Contract value (swaps).
    pub ct_val: String,
    /// Contract multiplier (swaps).
    pub ct_mult: String,
    /// Currency of the contract value.
    pub ct_val_ccy: String,
    /// `linear` or `inverse`.
    pub ct_type: String,
    /// Instrument family, e.g. `BTC-USDT`.
    pub inst_family: String,
    /// Underlying, e.g. `BTC-USDT`.
    pub uly: String,
    /// Tick size.
    pub tick_sz: String,
    /// Lot size (contracts for swaps).
    pub lot_sz: String,
    /// Minimum size (contracts for swaps).
    pub min_sz: String,
    /// Maximum limit-order size.
    pub max_lmt_sz: String,
    /// Maximum market-order size.
    pub max_mkt_sz: String,
    /// `live`, `suspend`, `preopen`, `test`.
    pub state: String,
    /// Maximum leverage.
    pub lever: String,
}

/// `GET /api/v5/market/ticker(s)` row.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Ticker {
    /// Instrument type.
    pub inst_type: String,
    /// Instrument id.
    pub inst_id: String,
    /// Last price.
    pub last: String,
    /// Best ask.
    pub ask_px: String,
    /// Size at the best ask.
    pub ask_sz: String,
    /// Best bid.
    pub bid_px: String,
    /// Size at the best bid.
    pub bid_sz: String,
    /// 24 h open.
    #[serde(rename = "open24h")]
    pub open_24h: String,
    /// 24 h high.
    #[serde(rename = "high24h")]
    pub high_24h: String,
    /// 24 h low.
    #[serde(rename = "low24h")]
    pub low_24h: String,
    /// 24 h volume: contracts for swaps, base for spot.
    #[serde(rename = "vol24h")]
    pub vol_24h: String,
    /// 24 h volume: base for swaps, quote for spot.
    #[serde(rename = "volCcy24h")]
    pub vol_ccy_24h: String,
    /// Time, ms.
    pub ts: String,
}

/// `GET /api/v5/market/books` row: levels are `[px, sz, "0", numOrders]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Book {
    /// Asks, best first.
    pub asks: Vec<BookLevel>,
    /// Bids, best first.
    pub bids: Vec<BookLevel>,
    /// Time, ms.
    pub ts: String,
}

/// A decimal sent as a string, read while decoding without allocating: the value when the
/// text is a decimal ([`crate::parse::opt_dec`]), otherwise the text as sent, kept so that
/// [`crate::parse`] can report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecimalText {
    /// The text was a decimal (scale as sent).
    Decimal(Decimal),
    /// The text as sent: empty, or not a decimal.
    Text(String),
}

impl Default for DecimalText {
    fn default() -> Self {
        DecimalText::Text(String::new())
    }
}

impl DecimalText {
    /// Reads `s` as [`crate::parse::opt_dec`] does.
    pub fn from_text(s: &str) -> Self {
        match crate::parse::opt_dec(s) {
            Some(d) => DecimalText::Decimal(d),
            None => DecimalText::Text(s.to_string()),
        }
    }

    /// The decimal, if the text was one.
    pub fn decimal(&self) -> Option<Decimal> {
        match self {
            DecimalText::Decimal(d) => Some(*d),
            DecimalText::Text(_) => None,
        }
    }
}

impl<'de> Deserialize<'de> for DecimalText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DecimalText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<DecimalText, E> {
                Ok(DecimalText::from_text(s))
            }
        }
        d.deserialize_str(V)
    }
}

/// A decimal serializes as its text (`1e-5` as read comes back as `0.00001`).
impl Serialize for DecimalText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            DecimalText::Decimal(d) => s.collect_str(d),
            DecimalText::Text(t) => s.serialize_str(t),
        }
    }
}

/// A book level `[px, sz, "0", numOrders]`: price and size read as [`DecimalText`] while
/// decoding (missing cells read as empty text); the other cells must be strings and are
/// skipped without allocating.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookLevel {
    /// Price.
    pub px: DecimalText,
    /// Size (contracts for swaps).
    pub sz: DecimalText,
}

impl<'de> Deserialize<'de> for BookLevel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// A string cell skipped without allocating.
        struct Skip;
        impl<'de> Deserialize<'de> for Skip {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = Skip;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: de::Error>(self, _: &str) -> Result<Skip, E> {
                        Ok(Skip)
                    }
                }
                d.deserialize_str(V)
            }
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BookLevel;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<BookLevel, A::Error> {
                let Some(px) = seq.next_element::<DecimalText>()? else {
                    return Ok(BookLevel::default());
                };
                let Some(sz) = seq.next_element::<DecimalText>()? else {
                    return Ok(BookLevel {
                        px,
                        sz: DecimalText::default(),
                    });
                };
                while seq.next_element::<Skip>()?.is_some() {}
                Ok(BookLevel { px, sz })
            }
        }
        d.deserialize_seq(V)
    }
}

impl Serialize for BookLevel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&self.px, &self.sz).serialize(s)
    }
}

/// `GET /api/v5/market/trades` row.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Trade {
    /// Instrument id.
    pub inst_id: String,
    /// Trade id.
    pub trade_id: String,
    /// Price.
    pub px: String,
    /// Size (contracts for swaps).
    pub sz: String,
    /// Taker side.
    pub side: String,
    /// Time, ms.
    pub ts: String,
}

/// A candle row `[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]`, newest first.
pub type CandleRow = Vec<String>;

/// Acknowledgement of place, cancel and algo calls, with the per-item `sCode`/`sMsg`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OrderAck {
    /// Order id (regular orders).
    pub ord_id: String,
    /// Client order id.
    pub cl_ord_id: String,
    /// Algo order id (algo orders).
    pub algo_id: String,
    /// Algo client order id.
    pub algo_cl_ord_id: String,
    /// Per-item code, `"0"` on success.
    #[serde(deserialize_with = "string_or_number")]
    pub s_code: String,
    /// Per-item message.
    pub s_msg: String,
    /// Time, ms.
    pub ts: String,
}

/// An order from `GET /api/v5/trade/order`, `orders-pending`, `orders-history`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Order {
    /// Instrument type.
    pub inst_type: String,
    /// Instrument id.
    pub inst_id: String,
    /// Order id.
    pub ord_id: String,
    /// Client order id.
    pub cl_ord_id: String,
    /// `buy` / `sell`.
    pub side: String,
    /// `market`, `limit`, `post_only`, `fok`, `ioc`, `optimal_limit_ioc`, ...
    pub ord_type: String,
    /// Price.
    pub px: String,
    /// Size (contracts for swaps; quote for spot market buys with `tgtCcy=quote_ccy`).
    pub sz: String,
    /// Accumulated fill size.
    pub acc_fill_sz: String,
    /// Average fill price.
    pub avg_px: String,
    /// `live`, `partially_filled`, `filled`, `canceled`, `mmp_canceled`.
    pub state: String,
    /// `"true"` / `"false"`.
    pub reduce_only: String,
    /// `long`, `short`, `net`.
    pub pos_side: String,
    /// `cash`, `cross`, `isolated`.
    pub td_mode: String,
    /// `base_ccy` / `quote_ccy` (spot market orders).
    pub tgt_ccy: String,
    /// Attached take-profit trigger.
    pub tp_trigger_px: String,
    /// Attached stop-loss trigger.
    pub sl_trigger_px: String,
    /// Fee (negative when charged).
    pub fee: String,
    /// Fee currency.
    pub fee_ccy: String,
    /// Creation time, ms.
    pub c_time: String,
    /// Update time, ms.
    pub u_time: String,
}

/// An algo order from `orders-algo-pending` / `orders-algo-history`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AlgoOrder {
    /// Instrument type.
    pub inst_type: String,
    /// Instrument id.
    pub inst_id: String,
    /// Algo id.
    pub algo_id: String,
    /// Algo client order id.
    pub algo_cl_ord_id: String,
    /// `conditional`, `oco`, `trigger`, `move_order_stop`, ...
    pub ord_type: String,
    /// `buy` / `sell`.
    pub side: String,
    /// Size.
    pub sz: String,
    /// `live`, `pause`, `partially_effective`, `effective`, `canceled`, `order_failed`.
    pub state: String,
    /// Trigger price (`trigger` orders).
    pub trigger_px: String,
    /// Order price after the trigger (`-1` = market).
    pub ord_px: String,
    /// Take-profit trigger.
    pub tp_trigger_px: String,
    /// Take-profit order price.
    pub tp_ord_px: String,
    /// Stop-loss trigger.
    pub sl_trigger_px: String,
    /// Stop-loss order price.
    pub sl_ord_px: String,
    /// Trailing callback ratio.
    pub callback_ratio: String,
    /// Trailing activation price.
    pub active_px: String,
    /// Position side.
    pub pos_side: String,
    /// `"true"` / `"false"`.
    pub reduce_only: String,
    /// Creation time, ms.
    pub c_time: String,
    /// Update time, ms.
    pub u_time: String,
}

/// `GET /api/v5/account/balance` row.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AccountBalance {
    /// Update time, ms.
    pub u_time: String,
    /// Per-currency details.
    pub details: Vec<BalanceDetail>,
}

/// One currency of the trading account.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BalanceDetail {
    /// Currency.
    pub ccy: String,
    /// Equity.
    pub eq: String,
    /// Cash balance.
    pub cash_bal: String,
    /// Available balance.
    pub avail_bal: String,
    /// Frozen balance.
    pub frozen_bal: String,
}

/// `GET /api/v5/account/positions` row.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Position {
    /// Instrument type.
    pub inst_type: String,
    /// Instrument id.
    pub inst_id: String,
    /// `cross` / `isolated`.
    pub mgn_mode: String,
    /// `long`, `short` (long/short mode) or `net`.
    pub pos_side: String,
    /// Contracts; signed in net mode.
    pub pos: String,
    /// Average entry price.
    pub avg_px: String,
    /// Mark price.
    pub mark_px: String,
    /// Liquidation price.
    pub liq_px: String,
    /// Leverage.
    pub lever: String,
    /// Unrealized PnL.
    pub upl: String,
    /// Position id.
    pub pos_id: String,
    /// Creation time, ms.
    pub c_time: String,
    /// Update time, ms.
    pub u_time: String,
}

/// `GET /api/v5/account/bills` row.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Bill {
    /// Bill id.
    pub bill_id: String,
    /// Instrument type.
    pub inst_type: String,
    /// Instrument id.
    pub inst_id: String,
    /// Currency.
    pub ccy: String,
    /// Balance change.
    pub bal_chg: String,
    /// Bill type (`8` = funding fee, `2` = trade, ...).
    #[serde(rename = "type")]
    pub bill_type: String,
    /// Bill sub-type (`173` funding expense, `174` funding income, ...).
    pub sub_type: String,
    /// Fee.
    pub fee: String,
    /// PnL.
    pub pnl: String,
    /// Time, ms.
    pub ts: String,
}

/// `GET /api/v5/account/config` row (partial).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AccountConfig {
    /// `long_short_mode` / `net_mode`.
    pub pos_mode: String,
    /// Account level.
    pub acct_lv: String,
}
