/// <reference path="../../strategy/nanotick.d.ts" />
// imbalance_taker.js: takes liquidity when the top of the book leans hard to one side.
//
// Book imbalance, (bid depth - ask depth) / (bid depth + ask depth) over the top levels,
// predicts the next mid move a little: a book much heavier on the bid tends to tick up.
// The signal is smoothed with an EMA so one flickering order does not trigger a trade.
// When the smoothed imbalance passes the threshold the strategy buys (or sells) at the
// touch with an IOC order, and it flattens when the imbalance fades back through zero.
// A cooldown spaces trades out, since every taker trade pays the fee and the spread.

const levels = param("levels", 5);          // depth of the imbalance, in levels
const threshold = param("threshold", 0.6);  // smoothed imbalance that opens a position
const size = param("size", 0.001);          // quantity per trade
const maxPosition = param("maxPosition", 0.003);
const cooldownMs = param("cooldownMs", 2000);
const smoothing = ta.ema(param("smoothing", 10));

let lastTradeAt = 0;

function onBook() {
  if (!book.valid()) return;
  const bids = book.bidDepth(levels);
  const asks = book.askDepth(levels);
  if (bids + asks === 0) return;
  const imbalance = ta.update(smoothing, (bids - asks) / (bids + asks));
  if (!ta.ready(smoothing) || now() - lastTradeAt < cooldownMs || orders.count() > 0) return;

  const pos = position.qty();
  const lot = instrument.lotSize();
  if (imbalance > threshold && pos + size <= maxPosition + lot / 2) {
    orders.buy(book.askPrice(), size, IOC);
    lastTradeAt = now();
  } else if (imbalance < -threshold && pos - size >= -maxPosition - lot / 2) {
    orders.sell(book.bidPrice(), size, IOC);
    lastTradeAt = now();
  } else if (pos > lot / 2 && imbalance < 0) {
    orders.sell(book.bidPrice(), pos, IOC); // the lean is gone: flatten
    lastTradeAt = now();
  } else if (pos < -lot / 2 && imbalance > 0) {
    orders.buy(book.askPrice(), -pos, IOC);
    lastTradeAt = now();
  }
}

function onFill(fill) {
  log.info("filled", fill.side === BUY ? "buy" : "sell", fill.qty, "at", fill.price, "position", position.qty());
}
