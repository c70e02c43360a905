/// <reference path="../../../strategy/nanotick.d.ts" />
// perp_long.js (a test's strategy): opens a long of `size` on the perpetual with one IOC
// order, then rests a bid `restBps` under the touch, and holds both. The test crashes the
// local exchange's market under it: a margin call, then a liquidation.

const size = param("size", 0.003);
const restBps = param("restBps", 80);

let opened = false;
let longId = 0;
let bidId = 0;

function onBook() {
  if (!book.valid()) return;
  if (!opened) {
    if (longId === 0) longId = orders.buy(book.askPrice() * 1.0005, size, IOC);
    return;
  }
  if (bidId === 0) bidId = orders.buy(book.bidPrice() * (1 - restBps / 1e4), 0.002);
}

function onFill(fill) {
  if (fill.orderId === longId) opened = true;
}

function onOrder(update) {
  if (update.status === "rejected" || update.status === "cancelled" || update.status === "filled") {
    if (update.orderId === longId) longId = 0;
    if (update.orderId === bidId) bidId = -1; // one resting bid, never replaced
  }
}
