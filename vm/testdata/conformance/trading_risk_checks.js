const limits = { maxQty: 10, maxNotional: 5000 };
function check(qty, px) {
  if (!Number.isFinite(px) || px <= 0) return "bad price";
  if (qty > limits.maxQty) return "qty";
  if (qty * px > limits.maxNotional) return "notional";
  return "ok";
}
console.log(check(5, 100), check(11, 1), check(10, 600), check(1, NaN), check(1, -1), check(1, Infinity));
