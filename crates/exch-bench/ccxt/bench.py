"""CCXT (Python) side of `cargo xtask bench --compare`.

Times the CCXT calls equivalent to exch-bench's operations on the same payload files and
writes JSON: {"ccxt_version", "runtime", "ops": {name: {"ops_per_sec", "batch", "samples"}}}.
The timing method is the one of exch-bench's `measure` module: warm up, double the batch size
until one batch takes the batch time, time several batches, report the median.

usage: bench.py FIXTURES_DIR OUT_JSON [--quick|--full]
"""

import json
import os
import platform
import sys
import time

import ccxt

API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"

FULL = (0.200, 0.100, 11)  # warm-up s, batch s, samples
QUICK = (0.050, 0.030, 5)


def measure(plan, op):
    warmup, batch, samples = plan
    start = time.perf_counter()
    warm = 0
    while time.perf_counter() - start < warmup or warm < 3:
        op()
        warm += 1
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n):
            op()
        if time.perf_counter() - t >= batch or n >= 1 << 30:
            break
        n *= 2
    per_op = []
    for _ in range(max(samples, 1)):
        t = time.perf_counter()
        for _ in range(n):
            op()
        per_op.append((time.perf_counter() - t) / n)
    per_op.sort()
    k = len(per_op)
    med = per_op[k // 2] if k % 2 else (per_op[k // 2 - 1] + per_op[k // 2]) / 2
    return {"ops_per_sec": (1.0 / med) if med > 0 else 0.0, "batch": n, "samples": k}


def read(fixtures, venue, name):
    with open(os.path.join(fixtures, venue, name), "r", encoding="utf-8") as f:
        return f.read()


def binance_ops(fixtures):
    ex = ccxt.binance({"apiKey": API_KEY, "secret": SECRET})
    mk = ccxt.binance()
    for e in (ex, mk):
        # What fetch_markets sets before parsing (margin pair lists are fetched only when enabled).
        e.options["crossMarginPairsData"] = []
        e.options["isolatedMarginPairsData"] = []
    p = {n: read(fixtures, "binance", n + ".json") for n in (
        "depth", "trades", "ticker", "order", "exchange_info", "exchange_info_futures", "positions")}

    # Markets from the same payloads (what fetch_markets does after its HTTP calls).
    spot_info = json.loads(p["exchange_info"])
    fut_info = json.loads(p["exchange_info_futures"])
    markets = [m for m in (ex.parse_market(s) for s in spot_info["symbols"] + fut_info["symbols"]) if m is not None]
    ex.set_markets(markets)
    btc = ex.market("BTC/USDT")

    def order_book():
        r = json.loads(p["depth"])
        book = ex.parse_order_book(r, "BTC/USDT", ex.safe_integer(r, "T"))
        book["nonce"] = ex.safe_integer_2(r, "lastUpdateId", "u")
        return len(book["bids"]) + len(book["asks"])

    def trades():
        return len(ex.parse_trades(json.loads(p["trades"]), btc))

    def ticker():
        return ex.parse_ticker(json.loads(p["ticker"]), btc)

    def order():
        return ex.parse_order(json.loads(p["order"]), btc)

    def positions():
        # fetch_positions_risk: rows with a positive entry price, each through parse_position_risk.
        rows = json.loads(p["positions"])
        out = []
        for row in rows:
            if ccxt.Precise.string_gt(ex.safe_string(row, "entryPrice"), "0"):
                out.append(ex.parse_position_risk(row))
        return len(out)

    def markets_op():
        info = json.loads(p["exchange_info"])
        parsed = [m for m in (mk.parse_market(s) for s in info["symbols"]) if m is not None]
        mk.set_markets(parsed)
        return len(parsed)

    def sign_get():
        return ex.sign("order", ["private"], "GET", {"symbol": "BTCUSDT", "orderId": "28457419032"})

    def sign_order():
        return ex.sign("order", ["private"], "POST", {
            "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
            "quantity": "0.5", "price": "42574.3",
            "newClientOrderId": "x-bench-6gCrw2kRUAF9CvJDGP16IP", "newOrderRespType": "FULL"})

    # Sanity: the same counts exch checks.
    assert order_book() == 2000, "order book levels"
    assert trades() == 500, "trades"
    assert positions() == 40, "positions"
    assert markets_op() == 150, "markets"
    return [
        ("binance.order_book", order_book),
        ("binance.trades", trades),
        ("binance.ticker", ticker),
        ("binance.order", order),
        ("binance.positions", positions),
        ("binance.markets", markets_op),
        ("binance.sign_get", sign_get),
        ("binance.sign_order", sign_order),
    ]


def okx_ops(fixtures):
    ex = ccxt.okx({"apiKey": API_KEY, "secret": SECRET, "password": "bench-passphrase"})
    mk = ccxt.okx()
    p = {n: read(fixtures, "okx", n + ".json") for n in (
        "books", "trades", "ticker", "order", "instruments_spot", "instruments_swap", "positions")}

    # Markets from the same payloads (what fetch_markets does after its HTTP calls).
    markets = ex.parse_markets(json.loads(p["instruments_spot"])["data"]) + \
        ex.parse_markets(json.loads(p["instruments_swap"])["data"])
    ex.set_markets(markets)
    btc = ex.market("BTC/USDT")

    def order_book():
        # fetch_order_book: the first row, its ts.
        first = ex.safe_dict(json.loads(p["books"])["data"], 0, {})
        book = ex.parse_order_book(first, "BTC/USDT", ex.safe_integer(first, "ts"))
        return len(book["bids"]) + len(book["asks"])

    def trades():
        return len(ex.parse_trades(json.loads(p["trades"])["data"], btc))

    def ticker():
        return ex.parse_ticker(ex.safe_dict(json.loads(p["ticker"])["data"], 0, {}), btc)

    def order():
        return ex.parse_order(ex.safe_dict(json.loads(p["order"])["data"], 0, {}), btc)

    def positions():
        # fetch_positions: every row through parse_position.
        return len([ex.parse_position(row) for row in json.loads(p["positions"])["data"]])

    def markets_op():
        parsed = mk.parse_markets(json.loads(p["instruments_spot"])["data"])
        mk.set_markets(parsed)
        return len(parsed)

    def sign_get():
        return ex.sign("trade/order", ["private"], "GET", {"instId": "BTC-USDT", "ordId": "1339107111507525632"})

    def sign_order():
        return ex.sign("trade/order", ["private"], "POST", {
            "instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit",
            "sz": "0.5", "px": "42574.3", "clOrdId": "xbench6gCrw2kRUAF9CvJDGP16IP"})

    assert order_book() == 2000, "order book levels"
    assert trades() == 500, "trades"
    assert positions() == 40, "positions"
    assert markets_op() == 150, "markets"
    return [
        ("okx.order_book", order_book),
        ("okx.trades", trades),
        ("okx.ticker", ticker),
        ("okx.order", order),
        ("okx.positions", positions),
        ("okx.markets", markets_op),
        ("okx.sign_get", sign_get),
        ("okx.sign_order", sign_order),
    ]


def bingx_ops(fixtures):
    ex = ccxt.bingx({"apiKey": API_KEY, "secret": SECRET})
    mk = ccxt.bingx()
    p = {n: read(fixtures, "bingx", n + ".json") for n in (
        "depth", "trades", "ticker", "order", "symbols", "contracts", "positions")}

    # Markets from the same payloads (fetch_spot_markets and fetch_swap_markets minus HTTP).
    markets = ex.parse_markets(json.loads(p["symbols"])["data"]["symbols"]) + \
        ex.parse_markets(json.loads(p["contracts"])["data"])
    ex.set_markets(markets)
    btc = ex.market("BTC/USDT")

    def order_book():
        book = ex.safe_dict(json.loads(p["depth"]), "data", {})
        ob = ex.parse_order_book(book, "BTC/USDT", ex.safe_integer_2(book, "T", "ts"), "bids", "asks", 0, 1)
        return len(ob["bids"]) + len(ob["asks"])

    def trades():
        return len(ex.parse_trades(ex.safe_list(json.loads(p["trades"]), "data", []), btc))

    def ticker():
        return ex.parse_ticker(ex.safe_list(json.loads(p["ticker"]), "data")[0], btc)

    def order():
        return ex.parse_order(ex.safe_dict(json.loads(p["order"]), "data"), btc)

    def positions():
        return len(ex.parse_positions(ex.safe_list(json.loads(p["positions"]), "data", [])))

    def markets_op():
        parsed = mk.parse_markets(json.loads(p["symbols"])["data"]["symbols"])
        mk.set_markets(parsed)
        return len(parsed)

    def sign_get():
        return ex.sign("trade/query", ["spot", "v1", "private"], "GET",
                       {"symbol": "BTC-USDT", "orderId": "1514087361158316032"})

    def sign_order():
        return ex.sign("trade/order", ["spot", "v1", "private"], "POST", {
            "symbol": "BTC-USDT", "side": "BUY", "type": "LIMIT", "quantity": "0.5", "price": "42574.3",
            "timeInForce": "GTC", "newClientOrderId": "xbench6gCrw2kRUAF9CvJDGP16IP"})

    assert order_book() == 2000, "order book levels"
    assert trades() == 500, "trades"
    assert positions() == 40, "positions"
    assert markets_op() == 150, "markets"
    return [
        ("bingx.order_book", order_book),
        ("bingx.trades", trades),
        ("bingx.ticker", ticker),
        ("bingx.order", order),
        ("bingx.positions", positions),
        ("bingx.markets", markets_op),
        ("bingx.sign_get", sign_get),
        ("bingx.sign_order", sign_order),
    ]


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    fixtures, out = sys.argv[1], sys.argv[2]
    plan = QUICK if "--quick" in sys.argv[3:] else FULL
    result = {
        "ccxt_version": ccxt.__version__,
        "runtime": "Python " + platform.python_version(),
        "ops": {},
    }
    for name, op in binance_ops(fixtures) + okx_ops(fixtures) + bingx_ops(fixtures):
        m = measure(plan, op)
        result["ops"][name] = m
        print(f"{name:<24} {m['ops_per_sec']:>14.1f} ops/s", file=sys.stderr)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
