/// <reference path="../../strategy/nanotick.d.ts" />
// cross_venue_mm.js: quotes one venue and hedges on another: post-only quotes on Binance
// Spot BTCUSDT around a fair price taken from Bybit's BTCUSDT perpetual, and the spot
// inventory hedged with IOC orders on the Bybit perpetual.
//
// The perpetual leads: the fair price is the Bybit perp's mid plus the basis (Binance
// spot mid minus Bybit perp mid) averaged over time, so that a move on Bybit moves the
// Binance quotes at once while the slow premium between the venues is kept. The quotes
// are skewed against the spot inventory, and whenever the net position over both venues
// reaches hedgeSize, an IOC on Bybit takes it back to flat, priced hedgeSlipBps through
// the perp's touch. One hedge is in flight at a time. It is spot_perp_mm.js with the
// hedge on another venue: each instrument's orders go to its own venue's gateway.
//
// Run it against the local exchange, which serves both venues, with
// examples/cross_venue_sim.toml.

const spot = instrument("binance-spot:BTCUSDT");
const perp = instrument("bybit-linear:BTCUSDT");

const halfSpreadBps = param("halfSpreadBps", 1.5); // distance of each spot quote from fair
const size = param("size", 0.001);                 // quantity of each spot quote
const maxPosition = param("maxPosition", 0.01);    // spot inventory that stops the growing side
const skewBps = param("skewBps", 2);               // fair-price shift at full inventory
const requoteBps = param("requoteBps", 0.5);       // target move that justifies a requote
const hedgeSize = param("hedgeSize", 0.002);       // net position that triggers a hedge
const hedgeSlipBps = param("hedgeSlipBps", 5);     // how far through the perp's touch a hedge may fill
const basisAlpha = param("basisAlpha", 0.01);      // weight of each basis observation in its average

let basis = 0;
let haveBasis = false;
let bidId = 0;
let bidPx = 0;
let askId = 0;
let askPx = 0;
let hedgeId = 0;

function onBook(inst) {
  if (!spot.book.valid() || !perp.book.valid()) {
    // Never quote off a book that may be wrong: the fair price needs both.
    spot.orders.cancelAll();
    bidId = 0;
    askId = 0;
    return;
  }
  const spotMid = spot.book.mid();
  const perpMid = perp.book.mid();
  if (!haveBasis) {
    basis = spotMid - perpMid;
    haveBasis = true;
  } else if (inst === spot) {
    basis += basisAlpha * (spotMid - perpMid - basis);
  }
  hedge(spot.position.qty() + perp.position.qty());

  const inventory = Math.max(-1, Math.min(1, spot.position.qty() / maxPosition));
  const fair = (perpMid + basis) * (1 - (skewBps * inventory) / 1e4);
  const tick = spot.rules.tickSize();
  // Post-only quotes must stay at least a tick inside the other side.
  const bid = Math.min(fair * (1 - halfSpreadBps / 1e4), spot.book.askPrice() - tick);
  const ask = Math.max(fair * (1 + halfSpreadBps / 1e4), spot.book.bidPrice() + tick);
  const threshold = (spotMid * requoteBps) / 1e4;

  if (inventory >= 1) {
    if (bidId !== 0) spot.orders.cancel(bidId);
    bidId = 0;
  } else if (bidId === 0) {
    bidId = spot.orders.buy(bid, size, POST_ONLY);
    bidPx = bid;
  } else if (Math.abs(bid - bidPx) > threshold) {
    bidId = spot.orders.replace(bidId, bid, size, POST_ONLY);
    bidPx = bid;
  }

  if (inventory <= -1) {
    if (askId !== 0) spot.orders.cancel(askId);
    askId = 0;
  } else if (askId === 0) {
    askId = spot.orders.sell(ask, size, POST_ONLY);
    askPx = ask;
  } else if (Math.abs(ask - askPx) > threshold) {
    askId = spot.orders.replace(askId, ask, size, POST_ONLY);
    askPx = ask;
  }
}

// hedge sends an IOC on the perp against the net position once it reaches hedgeSize,
// in whole perp lots.
function hedge(net) {
  if (hedgeId !== 0 || Math.abs(net) < hedgeSize) return;
  const lot = perp.rules.lotSize();
  const qty = Math.floor(Math.abs(net) / lot + 1e-9) * lot;
  if (net > 0) {
    hedgeId = perp.orders.sell(perp.book.bidPrice() * (1 - hedgeSlipBps / 1e4), qty, IOC);
  } else {
    hedgeId = perp.orders.buy(perp.book.askPrice() * (1 + hedgeSlipBps / 1e4), qty, IOC);
  }
}

function onFill(fill) {
  // A spot fill that takes the net position to hedgeSize is hedged at once.
  if (fill.instrument === spot && perp.book.valid()) {
    hedge(spot.position.qty() + perp.position.qty());
  }
}

function onOrder(update) {
  if (update.status === "rejected" || update.status === "cancelled" || update.status === "filled") {
    if (update.orderId === bidId) bidId = 0;
    else if (update.orderId === askId) askId = 0;
    else if (update.orderId === hedgeId) hedgeId = 0;
  }
}
