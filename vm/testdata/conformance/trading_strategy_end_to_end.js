// A strategy-shaped program: order book, rolling statistics, signals and fills.
const N = 64;
const prices = new Array(N).fill(0);
let head = 0;
let count = 0;
let sum = 0;
let sumSq = 0;
const book = { bids: [], asks: [] };
const position = { qty: 0, cash: 0, trades: 0 };
let seed = 42;
function rnd() {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
}
function pushPrice(px) {
  if (count === N) {
    const old = prices[head];
    sum -= old;
    sumSq -= old * old;
  } else {
    count++;
  }
  prices[head] = px;
  head = (head + 1) % N;
  sum += px;
  sumSq += px * px;
}
function mean() { return sum / count; }
function stdev() {
  const m = mean();
  const v = sumSq / count - m * m;
  return v > 0 ? Math.sqrt(v) : 0;
}
function rebuildBook(mid) {
  while (book.bids.length > 0) book.bids.pop();
  while (book.asks.length > 0) book.asks.pop();
  for (let i = 1; i <= 3; i++) {
    book.bids.push({ px: Math.round((mid - i * 0.05) * 100) / 100, qty: i * 2 });
    book.asks.push({ px: Math.round((mid + i * 0.05) * 100) / 100, qty: i * 3 });
  }
  book.bids.sort((a, b) => b.px - a.px);
  book.asks.sort((a, b) => a.px - b.px);
}
function signal(px) {
  if (count < 20) return 0;
  const z = (px - mean()) / (stdev() || 1);
  if (z > 1.5) return -1;
  if (z < -1.5) return 1;
  return 0;
}
function execute(side, qty) {
  const levels = side > 0 ? book.asks : book.bids;
  let remaining = qty;
  let cost = 0;
  for (const lvl of levels) {
    if (remaining <= 0) break;
    const take = Math.min(remaining, lvl.qty);
    cost += take * lvl.px;
    lvl.qty -= take;
    remaining -= take;
  }
  const filled = qty - remaining;
  position.qty += side * filled;
  position.cash -= side * cost;
  position.trades++;
  return filled;
}
let px = 100;
const log = [];
for (let t = 0; t < 500; t++) {
  px = Math.round((px + (rnd() - 0.5) * 0.4) * 100) / 100;
  pushPrice(px);
  rebuildBook(px);
  const s = signal(px);
  if (s !== 0 && Math.abs(position.qty + s * 2) <= 6) {
    const f = execute(s, 2);
    if (log.length < 8) log.push(`${t}:${s > 0 ? "B" : "S"}${f}@${px}`);
  }
}
const mark = position.cash + position.qty * px;
console.log(log);
console.log(position);
console.log("mark", Math.round(mark * 100) / 100, "mean", mean(), "stdev", Math.round(stdev() * 1e6) / 1e6);
console.log(book.bids[0], book.asks[0]);
