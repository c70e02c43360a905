/// <reference path="../../strategy/nanotick.d.ts" />
// pair_mm.js: makes markets in two correlated spot books at once, BTCUSDT and ETHUSDT,
// each quote priced off both books.
//
// Each instrument is quoted around its own mid, skewed against its inventory, as the
// single-book market maker does. BTC leads ETH: the ETH fair price also moves by
// leadBeta times BTC's return since ETH's book last changed, so that a BTC move shifts
// the ETH quotes before ETH's own book catches up. Neither instrument quotes while
// either book is invalid: the fair price needs both. Quotes are post-only and replaced
// only when their target moved by more than requoteBps.
//
// Run it against the local exchange with examples/pair_sim.toml.

const btc = instrument("binance-spot:BTCUSDT");
const eth = instrument("binance-spot:ETHUSDT");

const halfSpreadBps = param("halfSpreadBps", 0.3); // distance of each quote from fair
const btcSize = param("btcSize", 0.001);           // quantity of each BTC quote
const ethSize = param("ethSize", 0.02);            // quantity of each ETH quote
const btcMaxPosition = param("btcMaxPosition", 0.01);
const ethMaxPosition = param("ethMaxPosition", 0.2);
const skewBps = param("skewBps", 2);               // fair-price shift at full inventory
const requoteBps = param("requoteBps", 0.2);       // target move that justifies a requote
const leadBeta = param("leadBeta", 0.5);           // share of BTC's move ETH's fair price follows

// One quote state per instrument: made once at load, only its numbers change.
const btcQ = { bidId: 0, bidPx: 0, askId: 0, askPx: 0 };
const ethQ = { bidId: 0, bidPx: 0, askId: 0, askPx: 0 };
let btcRef = 0; // BTC mid when ETH's book last changed

function onBook(inst) {
  if (!btc.book.valid() || !eth.book.valid()) {
    // Never quote off a book that may be wrong: both instruments stop together.
    btc.orders.cancelAll();
    eth.orders.cancelAll();
    btcQ.bidId = 0;
    btcQ.askId = 0;
    ethQ.bidId = 0;
    ethQ.askId = 0;
    return;
  }
  const btcMid = btc.book.mid();
  if (btcRef === 0) btcRef = btcMid;
  if (inst === btc) {
    quote(btc, btcQ, btcMid, btcSize, btcMaxPosition);
    // The lead: BTC moved and ETH's book has not yet; requote ETH on BTC's move.
    quote(eth, ethQ, eth.book.mid() * (1 + (leadBeta * (btcMid - btcRef)) / btcRef), ethSize, ethMaxPosition);
  } else {
    btcRef = btcMid;
    quote(eth, ethQ, eth.book.mid(), ethSize, ethMaxPosition);
  }
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
  const q = update.instrument === btc ? btcQ : ethQ;
  if (update.orderId === q.bidId) q.bidId = 0;
  if (update.orderId === q.askId) q.askId = 0;
}
