//! `exch::sim`: every simulator of the build starts on 127.0.0.1 and the client `connect`
//! returns works against it, with the credentials the simulator accepts.
#![cfg(feature = "sim")]

use exch::{AccountKind, ErrorKind, MarketKind, Venue};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_simulator_serves_its_client() {
    let venues = exch::sim::simulated_venues();
    assert_eq!(venues, exch::enabled_venues(), "every enabled venue has a simulator");
    for venue in venues {
        let (sim, ex) = exch::sim::connect(venue).await.unwrap();
        assert_eq!(sim.venue(), venue);
        assert_eq!(ex.venue(), venue);
        for url in sim.server().urls().values() {
            assert!(url.starts_with("http://127.0.0.1:"), "{venue}: {url}");
        }
        let spot = ex.markets(MarketKind::Spot).await.unwrap();
        assert!(spot.iter().any(|m| m.symbol.to_string() == "BTC/USDT"), "{venue}");
        let balances = ex.balances(AccountKind::Spot).await.unwrap();
        assert!(balances.iter().any(|b| b.asset == "USDT"), "{venue}: {balances:?}");
        assert_eq!(sim.config().credentials.as_ref(), Some(sim.credentials()));
    }
}

#[tokio::test]
async fn a_venue_outside_the_build_has_no_simulator() {
    let e = exch::sim::start(Venue::Kraken).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert_eq!(e.venue(), Some(Venue::Kraken));
}
