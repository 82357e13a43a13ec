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
}
