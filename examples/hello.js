// hello.js: an exponential-moving-average crossover on a simulated price walk.
// Run it with: go run ./cmd/nanotick eval examples/hello.js

let seed = 12345;
// A Park-Miller generator, so every run prints the same thing.
function random() {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
}

const fastAlpha = 2 / (10 + 1);
const slowAlpha = 2 / (40 + 1);
let fast = 0;
let slow = 0;
let last = 0;

// onTick returns 1 when the fast average crosses above the slow one, -1 when it crosses
// below, and 0 otherwise: the shape of a strategy's per-tick function.
function onTick(price) {
  if (fast === 0) {
    fast = price;
    slow = price;
  }
  fast += fastAlpha * (price - fast);
  slow += slowAlpha * (price - slow);
  const side = fast > slow ? 1 : -1;
  const signal = side !== last && last !== 0 ? side : 0;
  last = side;
  return signal;
}

let price = 61837.63;
let crossings = 0;
for (let i = 0; i < 2000; i++) {
  price = Math.round((price + (random() - 0.5) * 20) * 100) / 100;
  const signal = onTick(price);
  if (signal !== 0) {
    crossings++;
    if (crossings <= 5) {
      console.log(`tick ${i}: ${signal > 0 ? "buy" : "sell"} at ${price}`);
    }
  }
}
console.log("crossings:", crossings, "last price:", price);
