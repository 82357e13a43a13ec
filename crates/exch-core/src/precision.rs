//! Precision and market rules: rounding to tick and step with an explicit direction, and
//! validation of an [`OrderRequest`] against a [`Market`] before anything is sent.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Market;
use crate::order::OrderRequest;

/// Which way to round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Toward zero (the safe choice for quantities).
    Down,
    /// Away from zero.
    Up,
    /// To the nearest multiple, halves away from zero.
    Nearest,
}

/// Rounds `value` to a multiple of `step` in `direction`. A zero or negative step leaves the
/// value unchanged.
pub fn round_to_step(value: Decimal, step: Decimal, direction: Rounding) -> Decimal {
    if step <= Decimal::ZERO {
        return value;
    }
    let units = value / step;
    let whole = match direction {
        Rounding::Down => units.trunc(),
        Rounding::Up => {
            let t = units.trunc();
            if t == units {
                t
            } else if units.is_sign_positive() {
                t + Decimal::ONE
            } else {
                t - Decimal::ONE
            }
        }
        Rounding::Nearest => units.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
    };
    (whole * step).normalize()
}

/// True when `value` is an exact multiple of `step` (any value when the step is zero).
pub fn is_aligned(value: Decimal, step: Decimal) -> bool {
    step <= Decimal::ZERO || (value % step).is_zero()
}

/// The market rule an order breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum OrderRule {
    /// The order's symbol is not this market's.
    WrongMarket {
        /// The market's symbol.
        market: String,
        /// The order's symbol.
        order: String,
    },
    /// The market is not trading.
    NotTrading,
    /// A price is not a multiple of the tick size.
    TickSize {
        /// The tick size.
        tick: Decimal,
        /// The offending price.
        price: Decimal,
    },
    /// The quantity is not a multiple of the step size.
    StepSize {
        /// The step size.
        step: Decimal,
        /// The offending quantity.
        qty: Decimal,
    },
    /// The quantity is below the minimum.
    MinQty {
        /// The minimum.
        min: Decimal,
        /// The quantity.
        qty: Decimal,
    },
    /// The quantity is above the maximum.
    MaxQty {
        /// The maximum.
        max: Decimal,
        /// The quantity.
        qty: Decimal,
    },
    /// The order value (price × quantity) is below the minimum notional.
    MinNotional {
        /// The minimum.
        min: Decimal,
        /// The order value.
        notional: Decimal,
    },
}

impl fmt::Display for OrderRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OrderRule::WrongMarket { market, order } => write!(f, "order for {order} checked against market {market}"),
            OrderRule::NotTrading => write!(f, "market is not trading"),
            OrderRule::TickSize { tick, price } => write!(f, "price {price} is not a multiple of tick size {tick}"),
            OrderRule::StepSize { step, qty } => write!(f, "quantity {qty} is not a multiple of step size {step}"),
            OrderRule::MinQty { min, qty } => write!(f, "quantity {qty} is below the minimum {min}"),
            OrderRule::MaxQty { max, qty } => write!(f, "quantity {qty} is above the maximum {max}"),
            OrderRule::MinNotional { min, notional } => {
                write!(f, "order value {notional} is below the minimum notional {min}")
            }
        }
    }
}

impl Market {
    /// Rounds a price to the tick size.
    pub fn round_price(&self, price: Decimal, direction: Rounding) -> Decimal {
        round_to_step(price, self.tick_size, direction)
    }

    /// Rounds a base-unit quantity to the step size.
    pub fn round_qty(&self, qty: Decimal, direction: Rounding) -> Decimal {
        round_to_step(qty, self.step_size, direction)
    }

    /// Checks `order` against this market's rules. `reference_price` values market orders for
    /// the min-notional rule (pass the last or mark price; `None` skips that rule for them).
    pub fn validate(&self, order: &OrderRequest, reference_price: Option<Decimal>) -> Result<()> {
        if order.symbol != self.symbol {
            return Err(Error::invalid_order(OrderRule::WrongMarket {
                market: self.symbol.to_string(),
                order: order.symbol.to_string(),
            }));
        }
        if self.status != crate::model::MarketStatus::Trading {
            return Err(Error::invalid_order(OrderRule::NotTrading));
        }
        for price in [order.price, order.trigger_price].into_iter().flatten() {
            if !is_aligned(price, self.tick_size) {
                return Err(Error::invalid_order(OrderRule::TickSize {
                    tick: self.tick_size,
                    price,
                }));
            }
        }
        if !is_aligned(order.qty, self.step_size) {
            return Err(Error::invalid_order(OrderRule::StepSize {
                step: self.step_size,
                qty: order.qty,
            }));
        }
        if let Some(min) = self.min_qty {
            if order.qty < min {
                return Err(Error::invalid_order(OrderRule::MinQty { min, qty: order.qty }));
            }
        }
        if let Some(max) = self.max_qty {
            if max > Decimal::ZERO && order.qty > max {
                return Err(Error::invalid_order(OrderRule::MaxQty { max, qty: order.qty }));
            }
        }
        if let (Some(min), false) = (self.min_notional, order.reduce_only) {
            if let Some(p) = order.price.or(order.trigger_price).or(reference_price) {
                let notional = p * order.qty;
                if notional < min {
                    return Err(Error::invalid_order(OrderRule::MinNotional { min, notional }));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MarketStatus, Side};
    use crate::symbol::MarketKind;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn market(tick: Decimal, step: Decimal, min_qty: Decimal, min_notional: Decimal) -> Market {
        Market {
            symbol: "BTC/USDT".parse().unwrap(),
            venue_symbol: "BTCUSDT".into(),
            kind: MarketKind::Spot,
            status: MarketStatus::Trading,
            tick_size: tick,
            step_size: step,
            min_qty: Some(min_qty),
            max_qty: Some(dec!(9000)),
            min_notional: Some(min_notional),
            contract_size: Decimal::ONE,
        }
    }

    #[test]
    fn rounding_examples() {
        assert_eq!(round_to_step(dec!(1.2345), dec!(0.01), Rounding::Down), dec!(1.23));
        assert_eq!(round_to_step(dec!(1.2345), dec!(0.01), Rounding::Up), dec!(1.24));
        assert_eq!(round_to_step(dec!(1.235), dec!(0.01), Rounding::Nearest), dec!(1.24));
        assert_eq!(round_to_step(dec!(1.23), dec!(0.01), Rounding::Up), dec!(1.23));
        assert_eq!(round_to_step(dec!(17), dec!(5), Rounding::Down), dec!(15));
        assert_eq!(round_to_step(dec!(1.5), dec!(0), Rounding::Down), dec!(1.5));
    }

    #[test]
    fn validation_names_the_rule() {
        let m = market(dec!(0.01), dec!(0.001), dec!(0.001), dec!(5));
        let s: crate::Symbol = "BTC/USDT".parse().unwrap();
        let ok = OrderRequest::limit(s.clone(), Side::Buy, dec!(0.01), dec!(30000.01))
            .build()
            .unwrap();
        m.validate(&ok, None).unwrap();
        let rule = |o: OrderRequest| m.validate(&o, None).unwrap_err().rule().cloned().unwrap();
        assert!(matches!(
            rule(
                OrderRequest::limit(s.clone(), Side::Buy, dec!(0.01), dec!(30000.001))
                    .build()
                    .unwrap()
            ),
            OrderRule::TickSize { .. }
        ));
        assert!(matches!(
            rule(
                OrderRequest::limit(s.clone(), Side::Buy, dec!(0.0101), dec!(30000))
                    .build()
                    .unwrap()
            ),
            OrderRule::StepSize { .. }
        ));
        assert!(matches!(
            rule(
                OrderRequest::limit(s.clone(), Side::Buy, dec!(9001), dec!(1))
                    .build()
                    .unwrap()
            ),
            OrderRule::MaxQty { .. }
        ));
        assert!(matches!(
            rule(
                OrderRequest::limit(s.clone(), Side::Buy, dec!(0.001), dec!(100))
                    .build()
                    .unwrap()
            ),
            OrderRule::MinNotional { .. }
        ));
        let small = market(dec!(0.01), dec!(0.001), dec!(0.01), dec!(0));
        let e = small
            .validate(
                &OrderRequest::market(s.clone(), Side::Buy, dec!(0.001)).build().unwrap(),
                None,
            )
            .unwrap_err();
        assert!(matches!(e.rule(), Some(OrderRule::MinQty { .. })));
        assert_eq!(e.kind(), crate::ErrorKind::InvalidOrder);
        let perp = OrderRequest::market("BTC/USDT:USDT".parse().unwrap(), Side::Buy, dec!(1))
            .build()
            .unwrap();
        assert!(matches!(rule(perp), OrderRule::WrongMarket { .. }));
        // Market orders use the reference price for min notional.
        let mo = OrderRequest::market(s, Side::Buy, dec!(0.001)).build().unwrap();
        assert!(m.validate(&mo, None).is_ok());
        assert!(m.validate(&mo, Some(dec!(100))).is_err());
    }

    fn dec_strategy() -> impl Strategy<Value = Decimal> {
        (1i64..10_000_000_000i64, 0u32..8).prop_map(|(n, s)| Decimal::new(n, s))
    }

    fn step_strategy() -> impl Strategy<Value = Decimal> {
        (1i64..1000, 0u32..8).prop_map(|(n, s)| Decimal::new(n, s))
    }

    fn dir() -> impl Strategy<Value = Rounding> {
        prop_oneof![Just(Rounding::Down), Just(Rounding::Up), Just(Rounding::Nearest)]
    }

    proptest! {
        #[test]
        fn rounding_is_idempotent_and_aligned(v in dec_strategy(), step in step_strategy(), d in dir()) {
            let r = round_to_step(v, step, d);
            prop_assert!(is_aligned(r, step));
            prop_assert_eq!(round_to_step(r, step, d), r);
            match d {
                Rounding::Down => prop_assert!(r <= v && v - r < step),
                Rounding::Up => prop_assert!(r >= v && r - v < step),
                Rounding::Nearest => prop_assert!((r - v).abs() * Decimal::TWO <= step),
            }
        }

        #[test]
        fn rounding_is_monotone(a in dec_strategy(), b in dec_strategy(), step in step_strategy(), d in dir()) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(round_to_step(lo, step, d) <= round_to_step(hi, step, d));
        }

        #[test]
        fn validated_orders_satisfy_every_rule(
            tick in step_strategy(), step in step_strategy(), min_qty in step_strategy(),
            min_notional in (0i64..1000).prop_map(Decimal::from),
            price in dec_strategy(), qty in dec_strategy(), buy in any::<bool>()
        ) {
            let m = market(tick, step, min_qty, min_notional);
            let side = if buy { Side::Buy } else { Side::Sell };
            let price = m.round_price(price, Rounding::Nearest);
            let qty = m.round_qty(qty, Rounding::Down);
            prop_assume!(price > Decimal::ZERO && qty > Decimal::ZERO);
            let o = OrderRequest::limit(m.symbol.clone(), side, qty, price).build().unwrap();
            if m.validate(&o, None).is_ok() {
                prop_assert!(is_aligned(o.price.unwrap(), tick));
                prop_assert!(is_aligned(o.qty, step));
                prop_assert!(o.qty >= min_qty);
                prop_assert!(o.qty <= dec!(9000));
                prop_assert!(o.price.unwrap() * o.qty >= min_notional);
            }
        }
    }
}
