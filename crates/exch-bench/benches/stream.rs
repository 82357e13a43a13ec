//! Criterion benchmarks of public-stream messages: per-message decode through each venue's
//! `StreamProtocol::decode` (BingX including its gzip inflate, as the driver does), on
//! venue-shaped frames built from the bench markets of `fixtures/bench/<venue>/`.
//! Local-book apply throughput is in `benches/exch.rs` (`core/local_book_apply`).

use std::io::Write;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use exch_bench::ops::{BinanceFixture, BingxFixture, OkxFixture};
use exch_binance::{parse as bn_parse, wire as bn_wire, Api, Binance, BinanceStreams};
use exch_bingx::BingxStreams;
use exch_core::stream::{inflate, Compression, Inbound, StreamProtocol};
use exch_core::{ClientConfig, Decimal, MarketKind, MarketSet};
use exch_okx::OkxStreams;

/// `n` price levels as JSON pairs from `first` (in cents) moving by `step` cents, `extra`
/// appended to each level (OKX's deprecated and order-count fields).
fn levels(first: i64, step: i64, n: i64, extra: &str) -> String {
    let rows: Vec<String> = (0..n)
        .map(|i| {
            let (price, qty) = (Decimal::new(first + step * i, 2), Decimal::new(2500 + 100 * i, 4));
            format!(r#"["{price}","{qty}"{extra}]"#)
        })
        .collect();
    format!("[{}]", rows.join(","))
}

fn binance_depth_frame() -> String {
    format!(
        r#"{{"stream":"btcusdt@depth@100ms","data":{{"e":"depthUpdate","E":1700000000123,"s":"BTCUSDT","U":1001,"u":1020,"b":{},"a":{}}}}}"#,
        levels(4_250_000, -50, 20, ""),
        levels(4_250_100, 50, 20, "")
    )
}

fn binance_trade_frame() -> String {
    r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1700000000123,"s":"BTCUSDT","t":123456789,"p":"42574.30","q":"0.01500","T":1700000000120,"m":true,"M":true}}"#.to_string()
}

fn okx_books_frame() -> String {
    format!(
        r#"{{"arg":{{"channel":"books","instId":"BTC-USDT"}},"action":"update","data":[{{"asks":{},"bids":{},"ts":"1700000000123","checksum":-1881014294,"prevSeqId":123456,"seqId":123457}}]}}"#,
        levels(4_250_100, 50, 20, r#","0","1""#),
        levels(4_250_000, -50, 20, r#","0","1""#)
    )
}

fn okx_trade_frame() -> String {
    r#"{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"130639474","px":"42574.3","sz":"0.015","side":"buy","ts":"1700000000120","count":"1"}]}"#.to_string()
}

fn bingx_depth_frame_gzip() -> Vec<u8> {
    let text = format!(
        r#"{{"code":0,"dataType":"BTC-USDT@incrDepth","data":{{"action":"update","lastUpdateId":1020,"bids":{},"asks":{}}}}}"#,
        levels(4_250_000, -50, 20, ""),
        levels(4_250_100, 50, 20, "")
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).expect("gzip into memory");
    gz.finish().expect("gzip into memory")
}

/// Decodes once outside the timing loop and checks the frame yields a real event (a frame
/// the protocol ignored or rejected would make the benchmark meaningless).
fn check(name: &str, out: exch_core::Result<Vec<Inbound>>) {
    let out = out.unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        out.iter().any(|i| matches!(i, Inbound::Event(_) | Inbound::Book(_))),
        "{name}: no event in {out:?}"
    );
}

fn stream_decode(c: &mut Criterion) {
    let bn = BinanceFixture::load().expect("binance bench payloads");
    let info: bn_wire::ExchangeInfo =
        bn_parse::decode("exchangeInfo", &bn.payloads.exchange_info).expect("binance markets");
    let client = Binance::new(ClientConfig::new()).expect("binance client");
    let binance = BinanceStreams::new(&client).with_markets(
        MarketKind::Spot,
        Arc::new(MarketSet::new(bn_parse::markets(Api::Spot, &info))),
    );
    let okx_f = OkxFixture::load().expect("okx bench payloads");
    let okx = OkxStreams::with_urls(
        okx_f.spot.clone(),
        "ws://127.0.0.1:1/public",
        "ws://127.0.0.1:1/business",
    );
    let bx_f = BingxFixture::load().expect("bingx bench payloads");
    let bingx = BingxStreams::new(&ClientConfig::new())
        .expect("bingx protocol")
        .with_markets(MarketKind::LinearPerpetual, Arc::new(bx_f.swap.clone()));

    let frames = [
        (
            "binance/depth_diff_20x2",
            &binance as &dyn StreamProtocol,
            binance_depth_frame(),
        ),
        ("binance/trade", &binance, binance_trade_frame()),
        ("okx/books_update_20x2", &okx, okx_books_frame()),
        ("okx/trade", &okx, okx_trade_frame()),
    ];
    let mut g = c.benchmark_group("stream_decode");
    g.throughput(Throughput::Elements(1));
    for (name, proto, frame) in &frames {
        check(name, proto.decode(frame));
        g.bench_function(*name, |b| b.iter(|| proto.decode(std::hint::black_box(frame))));
    }
    let gz = bingx_depth_frame_gzip();
    let inflate_decode = |bytes: &[u8]| {
        let text = inflate(Compression::Gzip, bytes).map_err(|e| exch_core::Error::decode("bingx ws", bytes, e))?;
        bingx.decode(&text)
    };
    check("bingx/incr_depth_gzip_20x2", inflate_decode(&gz));
    g.bench_function("bingx/incr_depth_gzip_20x2", |b| {
        b.iter_batched(|| gz.clone(), |bytes| inflate_decode(&bytes), BatchSize::SmallInput)
    });
    g.finish();
}

criterion_group!(benches, stream_decode);
criterion_main!(benches);
