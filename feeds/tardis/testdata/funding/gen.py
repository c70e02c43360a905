#!/usr/bin/env python3
"""Writes the OKX swap funding fixture of this directory (run it from here; the output is
committed and deterministic): Tardis.dev CSV files of okex-swap BTC-USDT-SWAP from
2024-08-09 07:59:00 to 16:00:30 UTC, across OKX's funding times 08:00 and 16:00 UTC
(https://www.okx.com/help/iv-introduction-to-perpetual-swap-funding-fee: funding every
8 hours at 00:00, 08:00 and 16:00 UTC), in the shapes of ../gen.py:

- incremental_book_L2: a snapshot of 10 levels a side at 56500.0 / 56500.1, then a
  level's size changing every 30 s (amounts in contracts of 0.01 BTC);
- trades: one every 5 minutes at the touch;
- derivative_ticker: a row every 60 s; funding_timestamp is the coming funding time
  (08:00 before it, then 16:00, then 00:00 the next day) and funding_rate its rate:
  0.0001 up to 08:00, -0.00005 up to 16:00, 0.0002 after. The mark price of the last
  row before 08:00 is 56500.5 and before 16:00 56480, so a long of one contract
  (0.01 BTC) held across both pays 0.01 x 56500.5 x 0.0001 = 0.0565005 USDT at 08:00
  and receives 0.01 x 56480 x 0.00005 = 0.02824 USDT at 16:00.
"""
import gzip
import random

START = 1723190340_000000  # 2024-08-09T07:59:00Z, µs
END = START + (8 * 3600 + 90) * 1_000_000  # 16:00:30
F1 = 1723190400_000000  # 08:00
F2 = F1 + 8 * 3600_000000  # 16:00
F3 = F2 + 8 * 3600_000000  # 00:00 the next day
EX, SYM = "okex-swap", "BTC-USDT-SWAP"
rnd = random.Random("funding")


def gz(name, header, rows):
    with gzip.GzipFile(name, "wb", mtime=0) as f:
        f.write((header + "\n" + "\n".join(rows) + "\n").encode())


def price(ticks):
    s = f"{ticks // 10}.{ticks % 10}"
    return s[:-2] if s.endswith(".0") else s


bid0, ask0 = 565000, 565001  # in 0.1 USDT ticks
bids = {bid0 - i: rnd.randint(1, 50) for i in range(10)}
asks = {ask0 + i: rnd.randint(1, 50) for i in range(10)}
book = []
t = START + 1_000_000
for p in sorted(asks):
    book.append(f"{EX},{SYM},{t},{t + 900},true,ask,{price(p)},{asks[p]}")
for p in sorted(bids, reverse=True):
    book.append(f"{EX},{SYM},{t},{t + 900},true,bid,{price(p)},{bids[p]}")
t += 30_000_000
while t < END:
    side, levels = rnd.choice([("bid", bids), ("ask", asks)])
    p = rnd.choice(sorted(levels))
    levels[p] = rnd.randint(1, 50)
    book.append(f"{EX},{SYM},{t},{t + 1100},false,{side},{price(p)},{levels[p]}")
    t += 30_000_000
gz(f"{EX}_incremental_book_L2_2024-08-09_{SYM}.csv.gz", "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount", book)

trades = []
t, tid = START + 150_000_000, 3600000000
while t < END:
    tid += rnd.randint(1, 9)
    side = rnd.choice(["buy", "sell"])
    trades.append(f"{EX},{SYM},{t},{t + 1200},{tid},{side},{price(ask0 if side == 'buy' else bid0)},{rnd.randint(1, 5)}")
    t += 300_000_000
gz(f"{EX}_trades_2024-08-09_{SYM}.csv.gz", "exchange,symbol,timestamp,local_timestamp,id,side,price,amount", trades)

ticker = []
t = START + 500_000
while t < END:
    if t < F1:
        fts, rate = F1, "0.0001"
    elif t < F2:
        fts, rate = F2, "-0.00005"
    else:
        fts, rate = F3, "0.0002"
    nxt = t + 60_000_000
    if t < F1 <= nxt:
        mark = "56500.5"  # the last mark before 08:00
    elif t < F2 <= nxt:
        mark = "56480"  # the last mark before 16:00
    else:
        mark = f"565{rnd.randint(0, 20):02d}.{rnd.randint(0, 99999999):08d}".rstrip("0").rstrip(".")
    ticker.append(f"{EX},{SYM},{t},{t + 1000},{fts},{rate},,{2300000 + rnd.randint(0, 9999)},{price(bid0)},{price(bid0 - rnd.randint(0, 30))},{mark}")
    t = nxt
gz(f"{EX}_derivative_ticker_2024-08-09_{SYM}.csv.gz",
   "exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,predicted_funding_rate,open_interest,last_price,index_price,mark_price", ticker)
