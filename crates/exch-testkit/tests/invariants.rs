//! Property test of the engine's accounting: whatever two accounts do on a spot market and
//! a perpetual, no balance goes negative, nothing stays locked once every order is closed, and
//! assets are conserved (fees aside).

use exch_core::{AccountKind, Level, Market, MarketKind, MarketStatus, OrderRef, Side, Symbol, TimeInForce};
use exch_testkit::{NewOrder, SimClock, SimState};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn market(symbol: &str, kind: MarketKind) -> Market {
    Market {
        symbol: symbol.parse().unwrap(),
        venue_symbol: "XY".into(),
        kind,
        status: MarketStatus::Trading,
        tick_size: dec!(1),
        step_size: dec!(1),
        min_qty: None,
        max_qty: None,
        min_notional: None,
        contract_size: Decimal::ONE,
    }
}

#[derive(Debug, Clone)]
enum Op {
    Limit {
        acct: usize,
        buy: bool,
        qty: u8,
        price: u8,
        tif: u8,
    },
    Market {
        acct: usize,
        buy: bool,
        qty: u8,
    },
    Cancel {
        acct: usize,
        nth: usize,
    },
    Book {
        bid: u8,
        ask_gap: u8,
        qty: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..2usize, any::<bool>(), 1..5u8, 90..110u8, 0..4u8)
            .prop_map(|(acct, buy, qty, price, tif)| Op::Limit { acct, buy, qty, price, tif }),
        2 => (0..2usize, any::<bool>(), 1..5u8).prop_map(|(acct, buy, qty)| Op::Market { acct, buy, qty }),
        1 => (0..2usize, 0..4usize).prop_map(|(acct, nth)| Op::Cancel { acct, nth }),
        1 => (90..110u8, 1..5u8, 0..4u8).prop_map(|(bid, ask_gap, qty)| Op::Book { bid, ask_gap, qty }),
    ]
}

const ACCOUNTS: [&str; 2] = ["a", "b"];

fn run(ops: &[Op], symbol: &Symbol) -> SimState {
    let mut st = SimState::new(SimClock::new());
    st.add_market(market("X/Y", MarketKind::Spot));
    st.add_market(market("X/Y:Y", MarketKind::LinearPerpetual));
    for a in ACCOUNTS {
        st.deposit(a, AccountKind::Spot, "X", dec!(20));
        st.deposit(a, AccountKind::Spot, "Y", dec!(2000));
        st.deposit(a, AccountKind::Perpetual, "Y", dec!(2000));
    }
    for op in ops {
        match *op {
            Op::Limit {
                acct,
                buy,
                qty,
                price,
                tif,
            } => {
                let side = if buy { Side::Buy } else { Side::Sell };
                let tif = [
                    TimeInForce::Gtc,
                    TimeInForce::Ioc,
                    TimeInForce::Fok,
                    TimeInForce::PostOnly,
                ][tif as usize];
                let o = NewOrder::limit(symbol.clone(), side, qty.into(), price.into()).tif(tif);
                let _ = st.place(ACCOUNTS[acct], o);
            }
            Op::Market { acct, buy, qty } => {
                let side = if buy { Side::Buy } else { Side::Sell };
                let _ = st.place(ACCOUNTS[acct], NewOrder::market(symbol.clone(), side, qty.into()));
            }
            Op::Cancel { acct, nth } => {
                let open = st.open_orders(ACCOUNTS[acct], None);
                if let Some(o) = open.get(nth) {
                    st.cancel(ACCOUNTS[acct], None, &OrderRef::Id(o.id.clone())).unwrap();
                }
            }
            Op::Book { bid, ask_gap, qty } => {
                let bid = Decimal::from(bid);
                st.set_book(
                    symbol,
                    vec![Level {
                        price: bid,
                        qty: qty.into(),
                    }],
                    vec![Level {
                        price: bid + Decimal::from(ask_gap),
                        qty: qty.into(),
                    }],
                );
            }
        }
        for a in ACCOUNTS {
            for b in st.balances(a, AccountKind::Spot).unwrap() {
                assert!(
                    b.free >= Decimal::ZERO && b.locked >= Decimal::ZERO,
                    "{a} {b:?} after {op:?}"
                );
            }
        }
    }
    for a in ACCOUNTS {
        st.cancel_all(a, None);
    }
    st
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn spot_accounting_is_conserved(ops in proptest::collection::vec(op(), 1..40)) {
        let symbol: Symbol = "X/Y".parse().unwrap();
        let st = run(&ops, &symbol);
        let mut x = Decimal::ZERO;
        let mut y = Decimal::ZERO;
        for a in ACCOUNTS {
            prop_assert_eq!(st.balance(a, AccountKind::Spot, "X").locked, Decimal::ZERO);
            prop_assert_eq!(st.balance(a, AccountKind::Spot, "Y").locked, Decimal::ZERO);
            x += st.balance(a, AccountKind::Spot, "X").total;
            y += st.balance(a, AccountKind::Spot, "Y").total;
        }
        // Trades with the external book move assets in and out of the two accounts.
        let mut ext_x = Decimal::ZERO;
        let mut ext_y = Decimal::ZERO;
        let mut fees = Decimal::ZERO;
        for a in ACCOUNTS {
            for f in st.fills(a, None) {
                fees += f.fee;
                match f.side {
                    Side::Buy => { ext_x += f.qty; ext_y -= f.qty * f.price; }
                    Side::Sell => { ext_x -= f.qty; ext_y += f.qty * f.price; }
                }
            }
        }
        prop_assert_eq!(x, dec!(40) + ext_x);
        prop_assert_eq!(y, dec!(4000) + ext_y - fees);
    }

    #[test]
    fn perp_wallet_equals_income(ops in proptest::collection::vec(op(), 1..40)) {
        let symbol: Symbol = "X/Y:Y".parse().unwrap();
        let st = run(&ops, &symbol);
        for a in ACCOUNTS {
            let income: Decimal = st.income(a, None, None).unwrap().iter().map(|i| i.amount).sum();
            let wallet = st.balance(a, AccountKind::Perpetual, "Y");
            // Equal up to the 28-digit rounding of repeating entry prices.
            prop_assert_eq!(wallet.total.round_dp(18), (dec!(2000) + income).round_dp(18));
            // With every order closed, only positions use margin.
            let margin: Decimal = st
                .positions(a, None)
                .unwrap()
                .iter()
                .map(|p| p.size * p.entry_price.unwrap() / p.leverage.unwrap())
                .sum();
            prop_assert_eq!(wallet.locked.round_dp(18), margin.round_dp(18));
            let net: Decimal = st.positions(a, None).unwrap().iter().map(|p| p.signed_size()).sum();
            let filled: Decimal = st
                .fills(a, None)
                .iter()
                .map(|f| if f.side == Side::Buy { f.qty } else { -f.qty })
                .sum();
            prop_assert_eq!(net, filled, "the position is the sum of fills");
        }
    }
}
