//! Criterion benchmarks: decode and normalise each payload of `fixtures/bench/`, build and
//! sign requests, rate-limiter acquire, local-book apply, and the client against bare reqwest on loopback.
//!
//! `cargo bench -p exch-bench` (or `cargo xtask bench`); `-- --quick` for a short run.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use exch_bench::e2e;
use exch_bench::ops::{self, BinanceFixture};
use exch_binance::Binance;
use exch_core::{ClientConfig, Credentials, Exchange};

fn fixture() -> BinanceFixture {
    BinanceFixture::load().expect("benchmark payloads (run `cargo xtask bench-fixtures`)")
}

/// One parse benchmark: name, payload (for the throughput) and operation.
type Case<'a> = (&'a str, &'a [u8], fn(&BinanceFixture) -> exch_core::Result<usize>);

fn parse(c: &mut Criterion) {
    let f = fixture();
    let mut g = c.benchmark_group("binance/parse");
    let cases: [Case<'_>; 6] = [
        ("order_book_1000", &f.payloads.depth, ops::binance_order_book),
        ("trades_500", &f.payloads.trades, ops::binance_trades),
        ("ticker", &f.payloads.ticker, ops::binance_ticker),
        ("order", &f.payloads.order, ops::binance_order),
        ("positions_40", &f.payloads.positions, ops::binance_positions),
        ("markets_150", &f.payloads.exchange_info, ops::binance_markets),
    ];
    for (name, bytes, op) in cases {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(name, |b| b.iter(|| op(black_box(&f))));
    }
    g.finish();
}

fn okx(c: &mut Criterion) {
    let f = ops::OkxFixture::load().expect("OKX payloads (run `cargo xtask bench-fixtures`)");
    let mut g = c.benchmark_group("okx");
    for mut op in ops::okx(&f) {
        let name = op.name.trim_start_matches("okx.").to_string();
        g.bench_function(name, |b| b.iter(&mut op.run));
    }
    g.finish();
}

fn bingx(c: &mut Criterion) {
    let f = ops::BingxFixture::load().expect("BingX payloads (run `cargo xtask bench-fixtures`)");
    let mut g = c.benchmark_group("bingx");
    for mut op in ops::bingx(&f) {
        let name = op.name.trim_start_matches("bingx.").to_string();
        g.bench_function(name, |b| b.iter(&mut op.run));
    }
    g.finish();
}

fn sign(c: &mut Criterion) {
    let f = fixture();
    let mut g = c.benchmark_group("binance/sign");
    g.bench_function("private_get", |b| {
        b.iter(|| ops::binance_sign_get(black_box("https://api.binance.com")))
    });
    g.bench_function("order_post", |b| {
        b.iter(|| ops::binance_sign_order(black_box(&f), "https://api.binance.com"))
    });
    g.finish();
}

fn limiter(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let l = ops::roomy_limiter();
    c.bench_function("core/limiter_acquire", |b| {
        b.iter(|| rt.block_on(l.acquire(black_box("bench"), 1)))
    });
}

fn local_book(c: &mut Criterion) {
    let f = fixture();
    let messages = ops::book_messages(&f).expect("book messages");
    c.bench_function("core/local_book_snapshot_plus_100_deltas", |b| {
        b.iter(|| ops::local_book_apply(black_box(&f.btc), black_box(&messages)))
    });
}

fn end_to_end(c: &mut Criterion) {
    let f = fixture();
    let server = e2e::Server::start(&f).expect("loopback server");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // Run the comparison once so the limiter scopes are roomy and the numbers are checked.
    e2e::run(&f, exch_bench::measure::Plan::QUICK).expect("end-to-end check");
    let client = Binance::new(
        ClientConfig::new()
            .credentials(Credentials::new(ops::API_KEY, ops::SECRET))
            .base_url("*", server.base_url.clone()),
    )
    .expect("client");
    let bare = reqwest::Client::new();
    let url = format!("{}/api/v3/depth?symbol=BTCUSDT&limit={}", server.base_url, e2e::DEPTH);
    let mut g = c.benchmark_group("binance/loopback");
    g.bench_function("order_book_client", |b| {
        b.iter(|| rt.block_on(client.order_book(&f.btc, Some(e2e::DEPTH))))
    });
    g.bench_function("order_book_bare_reqwest", |b| {
        b.iter(|| {
            rt.block_on(async {
                let r = bare.get(&url).send().await?;
                r.bytes().await
            })
        })
    });
    g.bench_function("place_order_client", |b| {
        b.iter(|| rt.block_on(client.place_order(&f.order)))
    });
    g.finish();
}

criterion_group!(benches, parse, okx, bingx, sign, limiter, local_book, end_to_end);
criterion_main!(benches);
