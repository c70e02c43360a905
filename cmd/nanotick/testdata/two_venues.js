// two_venues.js: a test strategy that keeps one resting bid on each of its two
// instruments, far below the touch so that it never fills, placed again when it is
// refused or cancelled. It checks that orders reach each instrument's own venue.
const spot = instrument("binance-spot:BTCUSDT");
const perp = instrument("binance-usdm:BTCUSDT");
let spotId = 0;
let perpId = 0;

function onBook(inst) {
  if (!inst.book.valid()) return;
  const px = inst.book.bidPrice() * 0.995;
  if (inst === spot && spotId === 0) spotId = spot.orders.buy(px, 0.001, POST_ONLY);
  if (inst === perp && perpId === 0) perpId = perp.orders.buy(px, 0.002, POST_ONLY);
}

function onOrder(update) {
  const s = update.status;
  if (s !== "rejected" && s !== "cancelled" && s !== "filled") return;
  if (update.orderId === spotId) spotId = 0;
  if (update.orderId === perpId) perpId = 0;
}
