// round_trip.js: a test strategy that buys `size` with an IOC at the first valid book,
// then sells it with an IOC once the best bid reaches `target`: one round trip whose
// PnL a test computes by hand.
const size = param("size", 1000);
const target = param("target", 55000);
let state = 0; // 0: nothing sent, 1: bought, 2: sold

function onBook() {
  if (!book.valid()) return;
  if (state === 0) {
    state = 1;
    orders.buy(book.askPrice() * 1.001, size, IOC);
  } else if (state === 1 && position.qty() >= size && book.bidPrice() >= target) {
    state = 2;
    orders.sell(book.bidPrice() * 0.999, size, IOC);
  }
}
