/// <reference path="../../strategy/nanotick.d.ts" />
// market_maker.js: quotes one bid and one ask around the mid, skewed against inventory.
//
// The fair price is the mid shifted against the position: when long, both quotes move
// down, so the ask is likelier to fill and the bid less; when short, the reverse. A side
// stops quoting once the position reaches maxPosition in its direction. A quote is
// replaced only when its target moved by more than requoteBps, because every cancel and
// replace loses queue position and spends rate limit. Quotes are post-only: a market
// maker that crosses the spread pays the taker fee it exists to earn.
//
// The same strategy in Go is examples/strategies/marketmaker; the two must behave alike.

const halfSpreadBps = param("halfSpreadBps", 1.5); // distance of each quote from fair
const size = param("size", 0.001);                 // quantity of each quote
const maxPosition = param("maxPosition", 0.01);    // inventory that stops the growing side
const skewBps = param("skewBps", 2);               // fair-price shift at full inventory
const requoteBps = param("requoteBps", 0.5);       // target move that justifies a requote

let bidId = 0;
let bidPx = 0;
let askId = 0;
let askPx = 0;

function onBook() {
  if (!book.valid()) {
    // Never quote off a book that may be wrong; risk would reject new orders anyway,
    // but resting ones must go too.
    orders.cancelAll();
    return;
  }
  const mid = book.mid();
  const tick = instrument.tickSize();
  const inventory = Math.max(-1, Math.min(1, position.qty() / maxPosition));
  const fair = mid * (1 - (skewBps * inventory) / 1e4);
  // A post-only quote must stay at least a tick inside the other side.
  const bid = Math.min(fair * (1 - halfSpreadBps / 1e4), book.askPrice() - tick);
  const ask = Math.max(fair * (1 + halfSpreadBps / 1e4), book.bidPrice() + tick);
  const threshold = (mid * requoteBps) / 1e4;

  if (inventory >= 1) {
    if (bidId !== 0) orders.cancel(bidId);
    bidId = 0;
  } else if (bidId === 0) {
    bidId = orders.buy(bid, size, POST_ONLY);
    bidPx = bid;
  } else if (Math.abs(bid - bidPx) > threshold) {
    bidId = orders.replace(bidId, bid, size, POST_ONLY);
    bidPx = bid;
  }

  if (inventory <= -1) {
    if (askId !== 0) orders.cancel(askId);
    askId = 0;
  } else if (askId === 0) {
    askId = orders.sell(ask, size, POST_ONLY);
    askPx = ask;
  } else if (Math.abs(ask - askPx) > threshold) {
    askId = orders.replace(askId, ask, size, POST_ONLY);
    askPx = ask;
  }
}

// A quote that is gone (filled, cancelled, rejected) is forgotten, so the next book
// update places a fresh one.
function onOrder(update) {
  const status = update.status;
  if (status === "rejected" || status === "cancelled" || status === "filled") {
    if (update.orderId === bidId) bidId = 0;
    if (update.orderId === askId) askId = 0;
  }
}
