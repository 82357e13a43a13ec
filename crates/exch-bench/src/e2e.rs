//! End-to-end overhead: `order_book` and `place_order` through the real [`Binance`] client
//! against a loopback server (127.0.0.1, ephemeral port), next to a bare reqwest call that sends
//! the identical pre-built request to the same server and reads the body.
//!
//! The server answers every request with a fixed payload from `fixtures/bench/binance/` (the
//! depth payload cut to the client's default 100 levels a side), so both sides pay the same
//! server and socket cost and the ratio is the client's own overhead: limiter, clock, signing,
//! request building, error mapping, decoding and normalising. The client's limiter scopes are
//! registered with room to spare beforehand so that the venue's real quotas never make it wait.
//!
//! [`run_sim`] repeats both comparisons against the Binance venue simulator of exch-testkit
//! (`exch_binance::sim`: routing, signature and `recvWindow` checks, the matching engine, the
//! request log), the server the tests and the demo use. The order there is an immediate-or-cancel
//! buy below the book: it expires at once, so its client order id can be sent again (Binance
//! requires uniqueness among open orders only) and both sides do the same work every time; both
//! make the simulator forget it after each call, so its client-id check never slows down.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use exch_binance::config::Api;
use exch_binance::{rest, Binance};
use exch_core::{ClientConfig, Credentials, Exchange, LimiterKey, LimiterRegistry, OrderRequest, ScopeQuota, Venue};

use crate::measure::{self, Measurement, Plan};
use crate::ops::{BinanceFixture, API_KEY, SECRET};

/// The depth the end-to-end order book asks for (Binance's default).
pub const DEPTH: usize = 100;

/// A loopback server on its own thread (the Binance payloads of [`Server::start`], or the
/// venue simulator); stops when dropped.
#[derive(Debug)]
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn json(body: Arc<Vec<u8>>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], body.as_ref().clone())
}

/// The depth payload with only the first `n` levels a side.
///
/// # Errors
/// The payload is not a JSON object with `bids` and `asks` arrays.
pub fn cut_depth(depth: &[u8], n: usize) -> Result<Vec<u8>, String> {
    let mut v: serde_json::Value = serde_json::from_slice(depth).map_err(|e| e.to_string())?;
    for side in ["bids", "asks"] {
        v.get_mut(side)
            .and_then(serde_json::Value::as_array_mut)
            .ok_or_else(|| format!("depth payload has no `{side}` array"))?
            .truncate(n);
    }
    serde_json::to_vec(&v).map_err(|e| e.to_string())
}

impl Server {
    /// Starts the server on its own thread and current-thread runtime.
    ///
    /// # Errors
    /// The port cannot be bound or a payload is malformed.
    pub fn start(f: &BinanceFixture) -> Result<Server, String> {
        let info = Arc::new(f.payloads.exchange_info.clone());
        let depth = Arc::new(cut_depth(&f.payloads.depth, DEPTH)?);
        let order = Arc::new(f.payloads.order.clone());
        let app = Router::new()
            .route("/api/v3/exchangeInfo", get(move || async move { json(info) }))
            .route("/api/v3/depth", get(move || async move { json(depth) }))
            .route("/api/v3/order", post(move || async move { json(order) }))
            .route(
                "/api/v3/time",
                get(|| async {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_millis())
                        .unwrap_or_default();
                    (
                        [(CONTENT_TYPE, "application/json")],
                        format!("{{\"serverTime\":{now}}}"),
                    )
                }),
            );
        let std_listener = std::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .map_err(|e| format!("cannot bind 127.0.0.1: {e}"))?;
        std_listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let addr = std_listener.local_addr().map_err(|e| e.to_string())?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("bench-server".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a current-thread runtime");
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(std_listener).expect("a tokio listener");
                    let _ = axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = stopped.await;
                        })
                        .await;
                });
            })
            .map_err(|e| e.to_string())?;
        Ok(Server {
            base_url: format!("http://{addr}"),
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// One end-to-end comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overhead {
    /// `binance.order_book` or `binance.place_order`.
    pub name: &'static str,
    /// Through the client.
    pub client: Measurement,
    /// Bare reqwest with the pre-built request.
    pub bare: Measurement,
    /// Seconds the client spends decoding and normalising the response body with the venue
    /// crate's decoder.
    pub decode: Option<f64>,
}

impl Overhead {
    /// Client time over bare time (1.0 = no overhead).
    #[allow(clippy::float_arithmetic)] // timings, not money
    pub fn ratio(&self) -> f64 {
        if self.bare.secs_per_op > 0.0 {
            self.client.secs_per_op / self.bare.secs_per_op
        } else {
            0.0
        }
    }
}

/// Registers the client's limiter scopes with room to spare, so that the benchmark measures
/// the limiter's bookkeeping but never waits on Binance's real quotas.
fn roomy_scopes() {
    let key = LimiterKey::for_credentials(Venue::Binance, Some(&Credentials::new(API_KEY, SECRET)));
    let quota = ScopeQuota::new(1_000_000_000, Duration::from_secs(1)).expect("positive quota");
    let scopes: Vec<(&str, ScopeQuota)> = rest::default_scopes().into_iter().map(|(n, _)| (n, quota)).collect();
    LimiterRegistry::global().limiter_with_scopes(&key, &scopes);
}

/// The crate's decode and normalise of a depth body (what the client does with it).
fn parse_depth(symbol: &exch_core::Symbol, body: &[u8]) -> exch_core::Result<exch_core::OrderBook> {
    exch_binance::parse::order_book_of(symbol, "GET /api/v3/depth", body)
}

/// The two sides of a comparison against one server: the real client and a bare reqwest client
/// with the core transport's settings, on one current-thread runtime.
struct Rig {
    rt: tokio::runtime::Runtime,
    client: Binance,
    bare: reqwest::Client,
    base_url: String,
}

impl Rig {
    fn new(base_url: &str) -> Result<Rig, String> {
        roomy_scopes();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let config = ClientConfig::new()
            .credentials(Credentials::new(API_KEY, SECRET))
            .base_url("*", base_url);
        let client = Binance::new(config.clone()).map_err(|e| e.to_string())?;
        let bare = exch_core::transport::http_client(&config).map_err(|e| e.to_string())?;
        Ok(Rig {
            rt,
            client,
            bare,
            base_url: base_url.to_string(),
        })
    }

    /// The client's `GET /api/v3/depth` request, pre-built for the bare side.
    fn depth_request(&self) -> Result<reqwest::Request, String> {
        let query = rest::depth(Api::Spot, "BTCUSDT", Some(DEPTH))
            .prepare(None)
            .map_err(|e| e.to_string())?
            .query;
        self.bare
            .get(format!("{}/api/v3/depth?{query}", self.base_url))
            .build()
            .map_err(|e| e.to_string())
    }

    /// The client's signed `POST /api/v3/order` request for `order`, pre-built for the bare side.
    fn order_request(&self, order: &OrderRequest, auth: &rest::Auth<'_>) -> Result<reqwest::Request, String> {
        let cid = order.client_order_id.clone().unwrap_or_default();
        let call = rest::new_order(Api::Spot, "BTCUSDT", order, &cid).map_err(|e| e.to_string())?;
        let prepared = call.prepare(Some(auth)).map_err(|e| e.to_string())?;
        self.bare
            .post(format!("{}/api/v3/order", self.base_url))
            .header("X-MBX-APIKEY", API_KEY)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(prepared.body)
            .build()
            .map_err(|e| e.to_string())
    }

    /// Sends a pre-built request with the bare client and reads the body; its length.
    fn send_bare(&self, req: &reqwest::Request) -> Result<usize, String> {
        let req = req.try_clone().ok_or("a request whose body does not clone")?;
        self.rt
            .block_on(async {
                let resp = self.bare.execute(req).await?.error_for_status()?;
                resp.bytes().await.map(|b| b.len())
            })
            .map_err(|e| e.to_string())
    }

    /// The client's order book of `symbol` at [`DEPTH`]; its bid count (0 on an error).
    fn book(&self, symbol: &exch_core::Symbol) -> usize {
        self.rt
            .block_on(self.client.order_book(symbol, Some(DEPTH)))
            .map_or(0, |b| b.bids.len())
    }

    /// Checks once, before timing (and so warms the market cache and the clock), that the
    /// book has [`DEPTH`] levels a side and that the bare requests succeed.
    fn check(&self, symbol: &exch_core::Symbol, bare: &[&reqwest::Request]) -> Result<(), String> {
        let book = self
            .rt
            .block_on(self.client.order_book(symbol, Some(DEPTH)))
            .map_err(|e| e.to_string())?;
        if book.bids.len() != DEPTH || book.asks.len() != DEPTH {
            return Err(format!(
                "order book has {} / {} levels",
                book.bids.len(),
                book.asks.len()
            ));
        }
        for req in bare {
            self.send_bare(req)?;
        }
        Ok(())
    }
}

/// Runs both comparisons against a fresh loopback server.
///
/// # Errors
/// The server cannot start, or a request fails (the payloads are checked once before timing).
pub fn run(f: &BinanceFixture, plan: Plan) -> Result<Vec<Overhead>, String> {
    let server = Server::start(f)?;
    let rig = Rig::new(&server.base_url)?;
    // The identical requests, built once.
    let depth_req = rig.depth_request()?;
    let order_req = rig.order_request(&f.order, &BinanceFixture::auth())?;
    rig.check(&f.btc, &[&depth_req, &order_req])?;
    rig.rt
        .block_on(rig.client.place_order(&f.order))
        .map_err(|e| e.to_string())?;

    // What decoding the served bodies costs the client.
    let depth_body = cut_depth(&f.payloads.depth, DEPTH)?;
    let decode_book = measure::run(plan, || {
        parse_depth(&f.btc, &depth_body).map(|b| b.bids.len()).unwrap_or(0)
    });
    let decode_order = measure::run(plan, || crate::ops::binance_order(f).unwrap_or(0));

    let (client, bare) = measure::pair(plan, || rig.book(&f.btc), || rig.send_bare(&depth_req).unwrap_or(0));
    let book = Overhead {
        name: "binance.order_book",
        decode: Some(decode_book.secs_per_op),
        client,
        bare,
    };
    let (client, bare) = measure::pair(
        plan,
        || {
            rig.rt
                .block_on(rig.client.place_order(&f.order))
                .map_or(0, |o| o.id.len())
        },
        || rig.send_bare(&order_req).unwrap_or(0),
    );
    let order = Overhead {
        name: "binance.place_order",
        decode: Some(decode_order.secs_per_op),
        client,
        bare,
    };
    drop(server);
    Ok(vec![book, order])
}

/// The simulator's depth a side (its book is seeded with this many levels).
const SIM_LEVELS: usize = DEPTH;

/// The venue simulator on its own thread and runtime; stops when dropped.
struct SimThread {
    server: Server,
    handle: exch_testkit::SimHandle,
}

/// Starts the seeded Binance simulator with `DEPTH` levels a side on BTC/USDT and the bench key.
fn start_sim(btc: &exch_core::Symbol) -> Result<SimThread, String> {
    use exch_core::{Decimal, Level};
    let handle = exch_testkit::SimHandle::new();
    exch_binance::sim::seed(&handle);
    handle.keys().add(exch_testkit::ApiKey::new(API_KEY, SECRET));
    {
        let tick = Decimal::new(1, 2);
        let mid = Decimal::from(30_000);
        let level = |k: usize, sign: i64| Level {
            price: mid + tick * Decimal::from(sign * (k as i64 + 1)),
            qty: Decimal::new(5 + k as i64, 1),
        };
        let bids = (0..SIM_LEVELS).map(|k| level(k, -1)).collect();
        let asks = (0..SIM_LEVELS).map(|k| level(k, 1)).collect();
        handle.state().set_book(btc, bids, asks);
    }
    let shared = handle.clone();
    let (ready, started) = std::sync::mpsc::channel::<Result<String, String>>();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("bench-sim".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready.send(Err(e.to_string()));
                    return;
                }
            };
            rt.block_on(async move {
                match exch_binance::sim::start_with(handle).await {
                    Ok(server) => {
                        let url = server.url(exch_binance::config::API_SPOT).unwrap_or_default();
                        let _ = ready.send(Ok(url));
                        let _ = stopped.await;
                        server.shutdown();
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e.to_string()));
                    }
                }
            });
        })
        .map_err(|e| e.to_string())?;
    let base_url = started.recv().map_err(|e| e.to_string())??;
    if base_url.is_empty() {
        return Err("the simulator serves no spot API".into());
    }
    Ok(SimThread {
        server: Server {
            base_url,
            stop: Some(stop),
            thread: Some(thread),
        },
        handle: shared,
    })
}

/// Runs both comparisons against the Binance venue simulator (see the module docs).
///
/// # Errors
/// The simulator cannot start, or a request fails (checked once before timing).
pub fn run_sim(f: &BinanceFixture, plan: Plan) -> Result<Vec<Overhead>, String> {
    use exch_core::clock::{LocalClock, SystemClock};
    use exch_core::{Decimal, OrderStatus, Side, TimeInForce};
    let sim = start_sim(&f.btc)?;
    let rig = Rig::new(&sim.server.base_url)?;
    let order = OrderRequest::limit(f.btc.clone(), Side::Buy, Decimal::new(1, 3), Decimal::from(20_000))
        .time_in_force(TimeInForce::Ioc)
        .client_order_id("xbench-sim-ioc")
        .build()
        .map_err(|e| e.to_string())?;
    let depth_req = rig.depth_request()?;
    // Signed now with Binance's longest recvWindow, so that it stays valid while it is timed.
    let auth = rest::Auth {
        api_key: API_KEY,
        secret: SECRET,
        recv_window_ms: 60_000,
        timestamp_ms: SystemClock.now_ms(),
    };
    let order_req = rig.order_request(&order, &auth)?;
    rig.check(&f.btc, &[&depth_req, &order_req])?;
    let placed = rig
        .rt
        .block_on(rig.client.place_order(&order))
        .map_err(|e| e.to_string())?;
    if placed.status != OrderStatus::Expired {
        return Err(format!("the simulated IOC order is {:?}, not expired", placed.status));
    }

    let (client, bare) = measure::pair(plan, || rig.book(&f.btc), || rig.send_bare(&depth_req).unwrap_or(0));
    let book = Overhead {
        name: "binance.order_book (simulator)",
        decode: None,
        client,
        bare,
    };
    // The simulator keeps every order and checks client ids against them: both sides forget
    // the expired order after each placement (the same small cost on both), so the check stays
    // as cheap on the ten-thousandth order as on the first.
    let forget = || sim.handle.state().forget_closed_orders();
    let (client, bare) = measure::pair(
        plan,
        || {
            let n = rig
                .rt
                .block_on(rig.client.place_order(&order))
                .map_or(0, |o| o.id.len());
            n + forget()
        },
        || rig.send_bare(&order_req).unwrap_or(0) + forget(),
    );
    let order = Overhead {
        name: "binance.place_order (simulator)",
        decode: None,
        client,
        bare,
    };
    drop(sim);
    Ok(vec![book, order])
}
