#!/usr/bin/env python3
"""Writes the inverse perpetual fixture of this directory (run it from here; the output is
committed and deterministic): Tardis.dev CSV files of deribit BTC-PERPETUAL, Deribit's
inverse perpetual, from 2024-08-08 00:00:00 to 00:02:00 UTC, in the shapes of ../gen.py.
Deribit quotes it in USD with a tick of 0.5, and counts amounts in USD, multiples of
the 10 USD contract (public/get_instruments: tick_size 0.5, contract_size 10,
min_trade_amount 10; the book's and trades' "amount" are USD for perpetuals).

- incremental_book_L2: a snapshot at 49999.5 / 50000 (5 levels a side), sizes changing
  every 5 s; at 00:01:00 one message moves the book to 55000 / 55000.5 (the old levels
  removed, new ones added), then sizes change again;
- trades: one every 10 s at the touch;
- derivative_ticker: a row every 2 s, with no funding_timestamp (Deribit funds
  continuously) and a current_funding rate.

A strategy that buys 1000 USD at the first ask (50000) and sells it at the bid once the
book has moved (55000) makes 1000 × (1/50000 − 1/55000) = 0.00181818.. BTC.
"""
import gzip
import random

START = 1723075200_000000  # 2024-08-08T00:00:00Z
MOVE = START + 60_000000
END = START + 120_000000
EX, SYM = "deribit", "BTC-PERPETUAL"
rnd = random.Random("inverse")


def gz(name, header, rows):
    with gzip.GzipFile(name, "wb", mtime=0) as f:
        f.write((header + "\n" + "\n".join(rows) + "\n").encode())


def price(halves):  # price in half dollars
    return str(halves // 2) + (".5" if halves % 2 else "")


def js(x):
    """JavaScript's String(number) for the small rates here: 0, or below 1e-6 with an
    exponent (3.7e-7)."""
    return "0" if x == 0 else repr(x).replace("e-0", "e-")


def size():
    return 10 * rnd.randint(1, 500)


def levels(bid):
    return {bid - i: size() for i in range(5)}, {bid + 1 + i: size() for i in range(5)}


bids, asks = levels(99999)  # 49999.5 / 50000
book = []


def row(t, snap, side, p, q):
    book.append(f"{EX},{SYM},{t},{t + 700},{'true' if snap else 'false'},{side},{price(p)},{q}")


t = START + 1_000_000
for p in sorted(asks):
    row(t, True, "ask", p, asks[p])
for p in sorted(bids, reverse=True):
    row(t, True, "bid", p, bids[p])
t += 5_000_000
moved = False
while t < END:
    if not moved and t >= MOVE:
        nb, na = levels(110000)  # 55000 / 55000.5
        for p in bids:
            row(t, False, "bid", p, 0)
        for p in asks:
            row(t, False, "ask", p, 0)
        for p in sorted(na):
            row(t, False, "ask", p, na[p])
        for p in sorted(nb, reverse=True):
            row(t, False, "bid", p, nb[p])
        bids, asks, moved = nb, na, True
    else:
        side, lv = rnd.choice([("bid", bids), ("ask", asks)])
        p = rnd.choice(sorted(lv))
        lv[p] = size()
        row(t, False, side, p, lv[p])
    t += 5_000_000
gz(f"{EX}_incremental_book_L2_2024-08-08_{SYM}.csv.gz", "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount", book)

trades = []
t, tid = START + 7_000_000, 300000000
while t < END:
    tid += rnd.randint(1, 9)
    side = rnd.choice(["buy", "sell"])
    hi = t >= MOVE
    p = (110001 if hi else 100000) if side == "buy" else (110000 if hi else 99999)
    trades.append(f"{EX},{SYM},{t},{t + 800},{tid},{side},{price(p)},{size()}")
    t += 10_000_000
gz(f"{EX}_trades_2024-08-08_{SYM}.csv.gz", "exchange,symbol,timestamp,local_timestamp,id,side,price,amount", trades)

ticker = []
t = START + 500_000
while t < END:
    mid = 55000.25 if t >= MOVE else 49999.75
    mark = f"{mid + rnd.randint(-200, 200) / 100:.2f}"
    ticker.append(f"{EX},{SYM},{t},{t + 900},,{js(rnd.randint(0, 99) / 10**8)},,{rnd.randint(10**9, 2 * 10**9)},{price(100000 if t < MOVE else 110000)},{float(mark) - 3:.2f},{mark}")
    t += 2_000_000
gz(f"{EX}_derivative_ticker_2024-08-08_{SYM}.csv.gz",
   "exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,predicted_funding_rate,open_interest,last_price,index_price,mark_price", ticker)
