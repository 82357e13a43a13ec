//! The registration point: a venue's `VenueSim` started through `SimVenues`, and a
//! multi-API server whose URLs feed a `ClientConfig`.

mod common;

use exch_core::{ErrorKind, Venue};
use exch_testkit::{ApiKey, SimHandle, SimServer, SimVenues, VenueSim};

struct GenericSim;

impl VenueSim for GenericSim {
    const VENUE: Venue = Venue::Kraken;

    async fn start() -> std::io::Result<SimServer> {
        let sim = SimHandle::new();
        common::seed(&sim);
        sim.keys().add(ApiKey::sim_default());
        SimServer::builder(sim)
            .api("spot", common::router())
            .api("futures", common::router())
            .start()
            .await
    }
}

#[tokio::test]
async fn registered_venue_starts_in_process() {
    let mut venues = SimVenues::new();
    venues.register::<GenericSim>();
    assert_eq!(venues.venues(), [Venue::Kraken]);
    let server = venues.start(Venue::Kraken).await.unwrap();
    let urls = server.urls();
    assert_eq!(urls.keys().collect::<Vec<_>>(), ["futures", "spot"]);
    assert_ne!(urls["spot"], urls["futures"], "one port per API");
    assert!(urls["spot"].starts_with("http://127.0.0.1:"));
    assert_eq!(server.url("spot").unwrap(), server.base_url());
    assert_eq!(
        server.ws_url_of("futures").unwrap(),
        urls["futures"].replace("http://", "ws://")
    );
    let config = server.client_config_with(GenericSim::credentials());
    assert_eq!(config.url_for("futures", "https://example.invalid"), urls["futures"]);
    assert_eq!(config.credentials.unwrap().api_key, exch_testkit::SIM_API_KEY);
    assert_eq!(ApiKey::sim_default().secret, exch_testkit::SIM_API_SECRET);

    // Both APIs share one state and one log; each entry names its API.
    let http = reqwest::Client::new();
    for api in ["spot", "futures"] {
        let r = http.get(format!("{}/time", urls[api])).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    let apis: Vec<String> = server.log().entries().into_iter().map(|e| e.api).collect();
    assert_eq!(apis, ["spot", "futures"]);

    let missing = venues.start(Venue::Okx).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::Unsupported);
}

#[tokio::test]
async fn shutdown_stops_accepting() {
    let server = common::start().await;
    let url = format!("{}/time", server.base_url());
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    assert_eq!(http.get(&url).send().await.unwrap().status().as_u16(), 200);
    drop(server);
    // The listener task ends on its next poll; wait for it without sleeping a fixed time.
    let mut refused = false;
    for _ in 0..100 {
        if http.get(&url).send().await.is_err() {
            refused = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(refused, "the server still answers after shutdown");
}
