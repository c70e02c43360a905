#!/usr/bin/env python3
"""Writes the Tardis.dev CSV fixtures of this directory (run it from here; the output is
committed and deterministic).

Each venue's files have the shape Tardis documents for its downloadable CSV datasets
(https://docs.tardis.dev/downloadable-csv-files): incremental_book_L2 (exchange,
symbol, timestamp, local_timestamp, is_snapshot, side, price, amount: a snapshot block
of is_snapshot=true rows opening the file, then the levels each message changed, new
amounts not deltas, 0 removing a level, rows of one message sharing local_timestamp,
and buffered updates from before the snapshot to be skipped), trades (exchange,
symbol, timestamp, local_timestamp, id, side, price, amount; ids as the venue gives
them, empty where it gives none) and book_snapshot_N (asks[i].price, asks[i].amount,
bids[i].price, bids[i].amount, empty past the book's depth). Times are microseconds
since the epoch, numbers written as Tardis writes them (no trailing zeros), symbols as
the venue spells them in upper case. Each venue's tick, size unit and trade id follow
the venue: OKX swaps count contracts, Kraken's v1 feed gives no trade id, Bybit's are
UUIDs, Deribit's linear USDC perpetual counts BTC.

The market is a random walk of the mid on the venue's tick with quotes around it and
trades at the touch, enough for a market maker to be filled in a backtest.
"""
import gzip
import random
import uuid
from decimal import Decimal

START_US = 1723075200_000000  # 2024-08-08T00:00:00Z
DATE = "2024-08-08"


def fmt(d):
    s = format(d.normalize(), "f")
    return s


VENUES = [
    # exchange, symbol, file symbol, mid, tick, size unit, sizes (units), trade id kind, seconds, gz
    ("binance", "BTCUSDT", "BTCUSDT", "56543.21", "0.01", "0.00001", (50, 40000), "int", 20, True),
    ("binance-futures", "BTCUSDT", "BTCUSDT", "56512.3", "0.1", "0.001", (1, 3000), "int", 20, True),
    ("bybit", "BTCUSDT", "BTCUSDT", "56510.5", "0.1", "0.001", (1, 2000), "uuid", 20, True),
    ("bybit-spot", "BTCUSDT", "BTCUSDT", "56540.12", "0.01", "0.000001", (100, 400000), "int", 20, False),
    ("okex", "BTC-USDT", "BTC-USDT", "56541.2", "0.1", "0.00000001", (100000, 50000000), "int", 20, False),
    ("okex-swap", "BTC-USDT-SWAP", "BTC-USDT-SWAP", "56508.7", "0.1", "1", (1, 400), "int", 120, True),
    ("coinbase", "BTC-USD", "BTC-USD", "56530.01", "0.01", "0.00000001", (100000, 90000000), "int", 20, True),
    ("kraken", "XBT/USD", "XBT-USD", "56529.9", "0.1", "0.00000001", (100000, 90000000), "none", 20, False),
    ("deribit", "BTC_USDC-PERPETUAL", "BTC_USDC-PERPETUAL", "56505", "1", "0.0001", (1, 5000), "int", 120, True),
]


def opener(name, gz):
    if gz:
        return gzip.GzipFile(name + ".gz", "wb", mtime=0)
    return open(name, "wb")


def gen(exchange, symbol, fsym, mid, tick, unit, sizes, idkind, seconds, gz):
    rnd = random.Random(exchange)
    tick, unit = Decimal(tick), Decimal(unit)
    mid_ticks = int(Decimal(mid) / tick)
    depth = 12
    size = lambda: unit * rnd.randint(*sizes)
    bids = {mid_ticks - 1 - i: size() for i in range(depth)}
    asks = {mid_ticks + 1 + i: size() for i in range(depth)}
    book_rows, trade_rows = [], []
    t = START_US + 1000 + rnd.randint(0, 999)

    def row(ts, local, snap, side, p, q):
        book_rows.append(f"{exchange},{symbol},{ts},{local},{'true' if snap else 'false'},{side},{fmt(p * tick)},{fmt(q)}")

    # Updates buffered before the snapshot, which a reader must skip.
    for _ in range(2):
        lt = t + rnd.randint(100, 900)
        row(t, lt, False, "bid", mid_ticks - 3, size())
        t = lt + 50
    local = t + 300
    for p in sorted(asks):
        row(t, local, True, "ask", p, asks[p])
    for p in sorted(bids, reverse=True):
        row(t, local, True, "bid", p, bids[p])
    snaps = []
    end = START_US + seconds * 1_000_000
    trade_id = 3_500_000_000 + rnd.randint(0, 10**6)
    last_local = local
    while t < end:
        t += rnd.randint(20_000, 200_000)
        ts = t
        # Tardis writes rows in arrival order: local times never go back.
        local = max(t + rnd.randint(2_000, 30_000), last_local + 2)
        last_local = local
        changes = []
        r = rnd.random()
        best_bid, best_ask = max(bids), min(asks)
        if r < 0.25:
            # The mid moves a tick or two: one side's touch goes, the other side steps in.
            step = rnd.choice([1, 2])
            if rnd.random() < 0.5:
                for p in sorted(asks)[:step]:
                    if len(asks) > 2:
                        del asks[p]
                        changes.append(("ask", p, Decimal(0)))
                np = max(bids) + 1
                if np < min(asks):
                    bids[np] = size()
                    changes.append(("bid", np, bids[np]))
                # trade: a buyer takes the ask that went
                trade = ("buy", sorted(set([best_ask]))[0])
            else:
                for p in sorted(bids, reverse=True)[:step]:
                    if len(bids) > 2:
                        del bids[p]
                        changes.append(("bid", p, Decimal(0)))
                np = min(asks) - 1
                if np > max(bids):
                    asks[np] = size()
                    changes.append(("ask", np, asks[np]))
                trade = ("sell", best_bid)
        else:
            trade = None
            for _ in range(rnd.randint(1, 4)):
                side = rnd.choice(["bid", "ask"])
                levels = bids if side == "bid" else asks
                p = rnd.choice(sorted(levels))
                levels[p] = size()
                changes.append((side, p, levels[p]))
            if r > 0.8:
                side = rnd.choice(["buy", "sell"])
                trade = (side, min(asks) if side == "buy" else max(bids))
        # Refill depth so that a side never runs dry.
        while len(bids) < depth:
            p = min(bids) - 1
            bids[p] = size()
            changes.append(("bid", p, bids[p]))
        while len(asks) < depth:
            p = max(asks) + 1
            asks[p] = size()
            changes.append(("ask", p, asks[p]))
        for side, p, q in changes:
            row(ts, local, False, side, p, q)
        snaps.append((ts, local, sorted(asks.items())[:25], sorted(bids.items(), reverse=True)[:25]))
        if trade:
            trade_id += rnd.randint(1, 5)
            if idkind == "int":
                tid = str(trade_id)
            elif idkind == "uuid":
                tid = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
            else:
                tid = ""
            tts = ts - rnd.randint(100, 900)
            trade_rows.append(f"{exchange},{symbol},{tts},{local - 1},{tid},{trade[0]},{fmt(trade[1] * tick)},{fmt(size())}")

    base = f"{exchange}_%s_{DATE}_{fsym}.csv"
    with opener(base % "incremental_book_L2", gz) as f:
        f.write(b"exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n")
        f.write(("\n".join(book_rows) + "\n").encode())
    with opener(base % "trades", gz) as f:
        f.write(b"exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n")
        f.write(("\n".join(trade_rows) + "\n").encode())
    if exchange in ("binance-futures", "bybit", "deribit"):
        n = 5 if exchange == "binance-futures" else 25
        with opener(base % f"book_snapshot_{n}", False) as f:
            cols = ["exchange", "symbol", "timestamp", "local_timestamp"]
            for i in range(n):
                cols += [f"asks[{i}].price", f"asks[{i}].amount", f"bids[{i}].price", f"bids[{i}].amount"]
            f.write((",".join(cols) + "\n").encode())
            for ts, local, a, b in snaps[:40]:
                vals = [exchange, symbol, str(ts), str(local)]
                for i in range(n):
                    for lv in (a, b):
                        if i < len(lv):
                            vals += [fmt(lv[i][0] * tick), fmt(lv[i][1])]
                        else:
                            vals += ["", ""]
                f.write((",".join(vals) + "\n").encode())


for v in VENUES:
    gen(*v)


# derivative_ticker (exchange, symbol, timestamp, local_timestamp, funding_timestamp,
# funding_rate, predicted_funding_rate, open_interest, last_price, index_price,
# mark_price): Tardis's normalizer keeps each field's last value and writes every field
# on each row, empty until the venue first gave it or always where the venue never
# does. Binance gives no predicted rate and its open interest comes from a REST poll
# (empty on the first rows); Bybit v5 gives no predicted rate; OKX gives one (written
# here while it was non-empty); Deribit funds continuously, so no funding_timestamp,
# and its current_funding is tiny enough that JavaScript writes some with an exponent.
TICKERS = [
    # exchange, symbol, file symbol, mid, funding time (µs), rate, predicted, oi unit, seconds, gz, first rows without oi
    ("binance-futures", "BTCUSDT", "BTCUSDT", "56512.3", START_US + 8 * 3600_000000, "0.0001", None, "0.001", 20, True, 3),
    ("bybit", "BTCUSDT", "BTCUSDT", "56510.5", START_US + 8 * 3600_000000, "0.0001", None, "0.001", 20, True, 0),
    ("okex-swap", "BTC-USDT-SWAP", "BTC-USDT-SWAP", "56508.7", START_US + 8 * 3600_000000, "0.00010787", "0.00009241", "1", 120, True, 0),
    ("deribit", "BTC_USDC-PERPETUAL", "BTC_USDC-PERPETUAL", "56505", None, "0.0000071843", None, "0.0001", 120, True, 0),
]


def gen_ticker(exchange, symbol, fsym, mid, funding_us, rate, predicted, oi_unit, seconds, gz, no_oi):
    rnd = random.Random("ticker " + exchange)
    mid, rate = Decimal(mid), Decimal(rate)
    oi = Decimal(oi_unit) * rnd.randint(10**6, 10**7)
    rows = []
    t = START_US + 200_000 + rnd.randint(0, 99_999)
    last_local = 0
    n = 0
    while t < START_US + seconds * 1_000_000:
        mark = (mid + Decimal(rnd.randint(-5000, 5000)) / 1000 + Decimal(rnd.randint(0, 99999999)) / 10**8).quantize(Decimal("0.00000001"))
        index = (mark - Decimal(rnd.randint(0, 3000)) / 100).quantize(Decimal("0.01"))
        last = (mid + Decimal(rnd.randint(-20, 20)) / 10).quantize(Decimal("0.1"))
        r = rate + Decimal(rnd.randint(-40, 40)) / 10**7
        if exchange == "deribit":
            r = Decimal(rnd.randint(1, 99)) / 10**9 * 10 if n % 3 == 1 else rate + Decimal(rnd.randint(-9, 9)) / 10**10
        oi += Decimal(oi_unit) * rnd.randint(-500, 500)
        local = max(t + rnd.randint(2_000, 30_000), last_local + 2)
        last_local = local

        def num(d):
            if d is None:
                return ""
            if exchange == "deribit" and d != 0 and abs(d) < Decimal("0.000001"):
                # JavaScript's String(number) below 1e-6: 5.1e-7
                m, e = format(d.normalize(), "e").split("e")
                return f"{m}e{int(e)}"
            return fmt(d)
        vals = [
            exchange, symbol, str(t), str(local),
            str(funding_us) if funding_us else "",
            num(r), num(Decimal(predicted)) if predicted else "",
            "" if n < no_oi else fmt(oi), fmt(last), fmt(index), fmt(mark),
        ]
        rows.append(",".join(vals))
        n += 1
        t += rnd.randint(700_000, 3_000_000)
    with opener(f"{exchange}_derivative_ticker_{DATE}_{fsym}.csv", gz) as f:
        f.write(b"exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,predicted_funding_rate,open_interest,last_price,index_price,mark_price\n")
        f.write(("\n".join(rows) + "\n").encode())


for v in TICKERS:
    gen_ticker(*v)
