/// <reference path="../../strategy/nanotick.d.ts" />
// bybit_mm.js: makes markets on Bybit's BTCUSDT spot book and its USDT perpetual at once,
// the perpetual's quotes skewed by the mark price's premium over the index.
//
// Each instrument is quoted around its own mid, skewed against its inventory. The
// perpetual's fair price also leans toward the index by premiumWeight of the
// (mark - index) premium the venue's tickers publish, when it has published one: a perp
// trading rich to its index is quoted a little lower. Neither instrument quotes while
// either book is invalid. Quotes are post-only and replaced only when their target
// moved by more than requoteBps.
//
// Run it against the local exchange with examples/bybit_sim.toml.

const spot = instrument("bybit-spot:BTCUSDT");
const perp = instrument("bybit-linear:BTCUSDT");

const halfSpreadBps = param("halfSpreadBps", 0.3); // distance of each quote from fair
const spotSize = param("spotSize", 0.001);         // quantity of each spot quote
const perpSize = param("perpSize", 0.002);         // quantity of each perp quote (Bybit's minimum notional)
const spotMaxPosition = param("spotMaxPosition", 0.01);
const perpMaxPosition = param("perpMaxPosition", 0.02);
const skewBps = param("skewBps", 2);               // fair-price shift at full inventory
const requoteBps = param("requoteBps", 0.2);       // target move that justifies a requote
const premiumWeight = param("premiumWeight", 0.5); // share of the mark-index premium the perp leans against

const spotQ = { bidId: 0, bidPx: 0, askId: 0, askPx: 0 };
const perpQ = { bidId: 0, bidPx: 0, askId: 0, askPx: 0 };

function onBook(inst) {
  if (!spot.book.valid() || !perp.book.valid()) {
    spot.orders.cancelAll();
    perp.orders.cancelAll();
    spotQ.bidId = 0;
    spotQ.askId = 0;
    perpQ.bidId = 0;
    perpQ.askId = 0;
    return;
  }
  if (inst === spot) {
    quote(spot, spotQ, spot.book.mid(), spotSize, spotMaxPosition);
    return;
  }
  let fair = perp.book.mid();
  const mark = perp.book.mark();
  const index = perp.book.indexPrice();
  if (mark > 0 && index > 0) {
    // 0 until the venue's tickers said: then no lean.
    fair -= premiumWeight * (mark - index);
  }
  quote(perp, perpQ, fair, perpSize, perpMaxPosition);
}

// quote keeps one bid and one ask of size on inst around mid, skewed against inst's
// position, in the state q.
function quote(inst, q, mid, size, maxPosition) {
  const tick = inst.rules.tickSize();
  const inventory = Math.max(-1, Math.min(1, inst.position.qty() / maxPosition));
  const fair = mid * (1 - (skewBps * inventory) / 1e4);
  // A post-only quote must stay at least a tick inside the other side.
  const bid = Math.min(fair * (1 - halfSpreadBps / 1e4), inst.book.askPrice() - tick);
  const ask = Math.max(fair * (1 + halfSpreadBps / 1e4), inst.book.bidPrice() + tick);
  const threshold = (mid * requoteBps) / 1e4;

  if (inventory >= 1) {
    if (q.bidId !== 0) inst.orders.cancel(q.bidId);
    q.bidId = 0;
  } else if (q.bidId === 0) {
    q.bidId = inst.orders.buy(bid, size, POST_ONLY);
    q.bidPx = bid;
  } else if (Math.abs(bid - q.bidPx) > threshold) {
    q.bidId = inst.orders.replace(q.bidId, bid, size, POST_ONLY);
    q.bidPx = bid;
  }

  if (inventory <= -1) {
    if (q.askId !== 0) inst.orders.cancel(q.askId);
    q.askId = 0;
  } else if (q.askId === 0) {
    q.askId = inst.orders.sell(ask, size, POST_ONLY);
    q.askPx = ask;
  } else if (Math.abs(ask - q.askPx) > threshold) {
    q.askId = inst.orders.replace(q.askId, ask, size, POST_ONLY);
    q.askPx = ask;
  }
}

// A quote that is gone (filled, cancelled, rejected) is forgotten, so the next book
// update places a fresh one.
function onOrder(update) {
  const status = update.status;
  if (status !== "rejected" && status !== "cancelled" && status !== "filled") return;
  const q = update.instrument === spot ? spotQ : perpQ;
  if (update.orderId === q.bidId) q.bidId = 0;
  if (update.orderId === q.askId) q.askId = 0;
}
