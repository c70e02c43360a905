function clamp(x, lo, hi) {
  return Math.min(hi, Math.max(lo, x));
}
console.log(clamp(5, 0, 3), clamp(-1, 0, 3), clamp(2.5, 0, 3));
console.log(Math.floor(Math.sqrt(Math.abs(-50))));
console.log(Math.round(Math.hypot(1, 2, 2) * 100) / 100);
