// CCXT (JavaScript) side of `cargo xtask bench --compare`.
//
// Times the CCXT calls equivalent to exch-bench's operations on the same payload files and
// writes JSON: {"ccxt_version", "runtime", "ops": {name: {"ops_per_sec", "batch", "samples"}}}.
// The timing method is the one of exch-bench's `measure` module: warm up, double the batch size
// until one batch takes the batch time, time several batches, report the median.
//
// usage: node bench.mjs FIXTURES_DIR OUT_JSON [--quick|--full]
// CCXT is imported from $CCXT_NODE_PREFIX (default: <workspace>/target/bench/node).

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';

const FULL = [0.2, 0.1, 11]; // warm-up s, batch s, samples
const QUICK = [0.05, 0.03, 5];

const here = dirname(fileURLToPath(import.meta.url));
const prefix = process.env.CCXT_NODE_PREFIX || resolve(here, '../../../target/bench/node');
const ccxtModule = await import(pathToFileURL(join(prefix, 'node_modules/ccxt/js/ccxt.js')).href);
const ccxt = ccxtModule.default ?? ccxtModule;

const now = () => performance.now() / 1000;
let sink = 0;
const use = (v) => { sink ^= (v === undefined || v === null) ? 0 : 1; };

function measure([warmup, batch, samples], op) {
    const start = now();
    let warm = 0;
    while (now() - start < warmup || warm < 3) { use(op()); warm += 1; }
    let n = 1;
    for (;;) {
        const t = now();
        for (let i = 0; i < n; i++) use(op());
        if (now() - t >= batch || n >= 2 ** 30) break;
        n *= 2;
    }
    const perOp = [];
    for (let s = 0; s < Math.max(samples, 1); s++) {
        const t = now();
        for (let i = 0; i < n; i++) use(op());
        perOp.push((now() - t) / n);
    }
    perOp.sort((a, b) => a - b);
    const k = perOp.length;
    const med = k % 2 ? perOp[(k - 1) / 2] : (perOp[k / 2 - 1] + perOp[k / 2]) / 2;
    return { ops_per_sec: med > 0 ? 1 / med : 0, batch: n, samples: k };
}

function binanceOps(fixtures) {
    const ex = new ccxt.binance({ apiKey: API_KEY, secret: SECRET });
    const mk = new ccxt.binance();
    for (const e of [ex, mk]) {
        // What fetchMarkets sets before parsing (margin pair lists are fetched only when enabled).
        e.options['crossMarginPairsData'] = [];
        e.options['isolatedMarginPairsData'] = [];
    }
    const p = {};
    for (const n of ['depth', 'trades', 'ticker', 'order', 'exchange_info', 'exchange_info_futures', 'positions']) {
        p[n] = readFileSync(join(fixtures, 'binance', n + '.json'), 'utf8');
    }
    // Markets from the same payloads (what fetchMarkets does after its HTTP calls).
    const spotInfo = JSON.parse(p.exchange_info);
    const futInfo = JSON.parse(p.exchange_info_futures);
    const markets = spotInfo.symbols.concat(futInfo.symbols).map((s) => ex.parseMarket(s)).filter((m) => m !== undefined);
    ex.setMarkets(markets);
    const btc = ex.market('BTC/USDT');

    const orderBook = () => {
        const r = JSON.parse(p.depth);
        const book = ex.parseOrderBook(r, 'BTC/USDT', ex.safeInteger(r, 'T'));
        book['nonce'] = ex.safeInteger2(r, 'lastUpdateId', 'u');
        return book.bids.length + book.asks.length;
    };
    const trades = () => ex.parseTrades(JSON.parse(p.trades), btc).length;
    const ticker = () => ex.parseTicker(JSON.parse(p.ticker), btc);
    const order = () => ex.parseOrder(JSON.parse(p.order), btc);
    const positions = () => {
        // fetchPositionsRisk: rows with a positive entry price, each through parsePositionRisk.
        const rows = JSON.parse(p.positions);
        const out = [];
        for (const row of rows) {
            if (ccxt.Precise.stringGt(ex.safeString(row, 'entryPrice'), '0')) out.push(ex.parsePositionRisk(row));
        }
        return out.length;
    };
    const marketsOp = () => {
        const info = JSON.parse(p.exchange_info);
        const parsed = info.symbols.map((s) => mk.parseMarket(s)).filter((m) => m !== undefined);
        mk.setMarkets(parsed);
        return parsed.length;
    };
    const signGet = () => ex.sign('order', 'private', 'GET', { symbol: 'BTCUSDT', orderId: '28457419032' });
    const signOrder = () => ex.sign('order', 'private', 'POST', {
        symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.5', price: '42574.3',
        newClientOrderId: 'x-bench-6gCrw2kRUAF9CvJDGP16IP', newOrderRespType: 'FULL',
    });

    // Sanity: the same counts exch checks.
    const check = (got, want, what) => { if (got !== want) throw new Error(`${what}: ${got} != ${want}`); };
    check(orderBook(), 2000, 'order book levels');
    check(trades(), 500, 'trades');
    check(positions(), 40, 'positions');
    check(marketsOp(), 150, 'markets');
    return [
        ['binance.order_book', orderBook],
        ['binance.trades', trades],
        ['binance.ticker', ticker],
        ['binance.order', order],
        ['binance.positions', positions],
        ['binance.markets', marketsOp],
        ['binance.sign_get', signGet],
        ['binance.sign_order', signOrder],
    ];
}

function okxOps(fixtures) {
    const ex = new ccxt.okx({ apiKey: API_KEY, secret: SECRET, password: 'bench-passphrase' });
    const mk = new ccxt.okx();
    const p = {};
    for (const n of ['books', 'trades', 'ticker', 'order', 'instruments_spot', 'instruments_swap', 'positions']) {
        p[n] = readFileSync(join(fixtures, 'okx', n + '.json'), 'utf8');
    }
    // Markets from the same payloads (what fetchMarkets does after its HTTP calls).
    const markets = ex.parseMarkets(JSON.parse(p.instruments_spot).data)
        .concat(ex.parseMarkets(JSON.parse(p.instruments_swap).data));
    ex.setMarkets(markets);
    const btc = ex.market('BTC/USDT');

    const orderBook = () => {
        // fetchOrderBook: the first row, its ts.
        const first = ex.safeDict(JSON.parse(p.books).data, 0, {});
        const book = ex.parseOrderBook(first, 'BTC/USDT', ex.safeInteger(first, 'ts'));
        return book.bids.length + book.asks.length;
    };
    const trades = () => ex.parseTrades(JSON.parse(p.trades).data, btc).length;
    const ticker = () => ex.parseTicker(ex.safeDict(JSON.parse(p.ticker).data, 0, {}), btc);
    const order = () => ex.parseOrder(ex.safeDict(JSON.parse(p.order).data, 0, {}), btc);
    // fetchPositions: every row through parsePosition.
    const positions = () => JSON.parse(p.positions).data.map((row) => ex.parsePosition(row)).length;
    const marketsOp = () => {
        const parsed = mk.parseMarkets(JSON.parse(p.instruments_spot).data);
        mk.setMarkets(parsed);
        return parsed.length;
    };
    const signGet = () => ex.sign('trade/order', 'private', 'GET', { instId: 'BTC-USDT', ordId: '1339107111507525632' });
    const signOrder = () => ex.sign('trade/order', 'private', 'POST', {
        instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'limit', sz: '0.5', px: '42574.3',
        clOrdId: 'xbench6gCrw2kRUAF9CvJDGP16IP',
    });

    const check = (got, want, what) => { if (got !== want) throw new Error(`okx ${what}: ${got} != ${want}`); };
    check(orderBook(), 2000, 'order book levels');
    check(trades(), 500, 'trades');
    check(positions(), 40, 'positions');
    check(marketsOp(), 150, 'markets');
    return [
        ['okx.order_book', orderBook],
        ['okx.trades', trades],
        ['okx.ticker', ticker],
        ['okx.order', order],
        ['okx.positions', positions],
        ['okx.markets', marketsOp],
        ['okx.sign_get', signGet],
        ['okx.sign_order', signOrder],
    ];
}

function bingxOps(fixtures) {
    const ex = new ccxt.bingx({ apiKey: API_KEY, secret: SECRET });
    const mk = new ccxt.bingx();
    const p = {};
    for (const n of ['depth', 'trades', 'ticker', 'order', 'symbols', 'contracts', 'positions']) {
        p[n] = readFileSync(join(fixtures, 'bingx', n + '.json'), 'utf8');
    }
    // Markets from the same payloads (fetchSpotMarkets and fetchSwapMarkets minus HTTP).
    const markets = ex.parseMarkets(JSON.parse(p.symbols).data.symbols).concat(ex.parseMarkets(JSON.parse(p.contracts).data));
    ex.setMarkets(markets);
    const btc = ex.market('BTC/USDT');

    const orderBook = () => {
        const book = ex.safeDict(JSON.parse(p.depth), 'data', {});
        const ob = ex.parseOrderBook(book, 'BTC/USDT', ex.safeInteger2(book, 'T', 'ts'), 'bids', 'asks', 0, 1);
        return ob.bids.length + ob.asks.length;
    };
    const trades = () => ex.parseTrades(ex.safeList(JSON.parse(p.trades), 'data', []), btc).length;
    const ticker = () => ex.parseTicker(ex.safeList(JSON.parse(p.ticker), 'data')[0], btc);
    const order = () => ex.parseOrder(ex.safeDict(JSON.parse(p.order), 'data'), btc);
    const positions = () => ex.parsePositions(ex.safeList(JSON.parse(p.positions), 'data', [])).length;
    const marketsOp = () => {
        const parsed = mk.parseMarkets(JSON.parse(p.symbols).data.symbols);
        mk.setMarkets(parsed);
        return parsed.length;
    };
    const signGet = () => ex.sign('trade/query', ['spot', 'v1', 'private'], 'GET', { symbol: 'BTC-USDT', orderId: '1514087361158316032' });
    const signOrder = () => ex.sign('trade/order', ['spot', 'v1', 'private'], 'POST', {
        symbol: 'BTC-USDT', side: 'BUY', type: 'LIMIT', quantity: '0.5', price: '42574.3', timeInForce: 'GTC',
        newClientOrderId: 'xbench6gCrw2kRUAF9CvJDGP16IP',
    });

    const check = (got, want, what) => { if (got !== want) throw new Error(`bingx ${what}: ${got} != ${want}`); };
    check(orderBook(), 2000, 'order book levels');
    check(trades(), 500, 'trades');
    check(positions(), 40, 'positions');
    check(marketsOp(), 150, 'markets');
    return [
        ['bingx.order_book', orderBook],
        ['bingx.trades', trades],
        ['bingx.ticker', ticker],
        ['bingx.order', order],
        ['bingx.positions', positions],
        ['bingx.markets', marketsOp],
        ['bingx.sign_get', signGet],
        ['bingx.sign_order', signOrder],
    ];
}

const [fixtures, out, ...rest] = process.argv.slice(2);
if (!fixtures || !out) {
    console.error('usage: node bench.mjs FIXTURES_DIR OUT_JSON [--quick|--full]');
    process.exit(2);
}
const plan = rest.includes('--quick') ? QUICK : FULL;
const pkg = JSON.parse(readFileSync(join(prefix, 'node_modules/ccxt/package.json'), 'utf8'));
const result = { ccxt_version: pkg.version, runtime: `Node ${process.version}`, ops: {} };
for (const [name, op] of binanceOps(fixtures).concat(okxOps(fixtures), bingxOps(fixtures))) {
    const m = measure(plan, op);
    result.ops[name] = m;
    console.error(`${name.padEnd(24)} ${m.ops_per_sec.toFixed(1).padStart(14)} ops/s`);
}
writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
if (sink === 42) console.error('');
