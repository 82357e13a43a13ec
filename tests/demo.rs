//! End-to-end test of `exch demo`: the README's main-job command, on every simulated venue of
//! the build, with no keys and no network.

mod common;

use common::{exch, stderr, stdout};

#[test]
fn demo_tours_every_simulated_venue_offline() {
    let o = exch(&["demo"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    for venue in exch::sim::simulated_venues() {
        assert!(text.contains(venue.as_str()), "demo mentions {venue}:\n{text}");
    }
    for step in [
        "1. Markets",
        "2. Tickers side by side",
        "3. Consolidated quote",
        "best bid",
        "best ask",
        "4. An order placed and cancelled",
        "canceled",
        "5. Positions",
        "position_report",
        "Done.",
    ] {
        assert!(text.contains(step), "demo shows `{step}`:\n{text}");
    }
    assert!(!text.contains(" ! "), "no step failed:\n{text}");
    // The simulators are seeded around one price: the quote is a real spread, not crossed, and
    // every market order of step 5 filled.
    assert!(!text.contains("crossed"), "consolidated quote is not crossed:\n{text}");
    let spread = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("spread"))
        .map(|v| v.trim().parse::<exch::Decimal>().unwrap());
    assert!(
        spread.is_some_and(|s| s > exch::Decimal::ZERO),
        "positive spread:\n{text}"
    );
    let fills = text
        .lines()
        .filter(|l| l.contains("BTC/USDT:USDT -> "))
        .collect::<Vec<_>>();
    assert!(
        !fills.is_empty() && fills.iter().all(|l| l.ends_with("-> filled")),
        "market orders filled:\n{text}"
    );
}
