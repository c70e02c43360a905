// hold_perp.js: a test strategy that buys one lot with an IOC as soon as the book is
// valid and the venue's reference prices have come (book.mark(), book.fundingRate() and
// book.nextFundingTime() all set), then holds it: its funding is the position times the
// mark times the rate at each funding time, which a test can compute by hand.
let sent = false;

function onBook() {
  if (sent || !book.valid() || book.mark() <= 0 || book.fundingRate() === 0 || book.nextFundingTime() <= 0) return;
  sent = true;
  orders.buy(book.askPrice() * 1.001, instrument.lotSize(), IOC);
}
